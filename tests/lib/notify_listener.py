# notify_listener.py: stands in for systemd's NOTIFY_SOCKET in the shell
# tests (tests/lib/notifyd.sh): records each sd_notify() datagram.
"""Usage: notify_listener.py SOCKET LOG

Binds a datagram socket at the path SOCKET (its appearance means ready)
and appends one line to LOG per datagram received:
  TIME pid=PID ASSIGNMENT|ASSIGNMENT...
TIME: seconds since the epoch; PID: the sender's, from the kernel's
credentials; the datagram's newline-separated assignments (READY=1,
STATUS=...) joined by "|".  File descriptors sent along are closed and
counted as "fds=N" after the pid.
"""
import array
import os
import socket
import struct
import sys
import time

from serverlib import exit_with_parent

MAX_FDS = 16


def describe(ancillary):
    """The sender's pid, and how many descriptors came along (closed here),
    from a datagram's ancillary data: "pid=PID[ fds=N]"."""
    pid, fds = "?", []
    for level, kind, data in ancillary:
        if level != socket.SOL_SOCKET:
            continue
        if kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", data[:12])[0]
        elif kind == socket.SCM_RIGHTS:
            fds.extend(array.array("i", data[:len(data) - len(data) % 4]))
    for fd in fds:
        os.close(fd)
    return f"pid={pid}" + (f" fds={len(fds)}" if fds else "")


def main():
    path, log_path = sys.argv[1], sys.argv[2]
    log = open(log_path, "a", encoding="utf-8", buffering=1)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    s.bind(path)
    exit_with_parent()
    room = socket.CMSG_SPACE(12) + socket.CMSG_SPACE(4 * MAX_FDS)
    while True:
        data, ancillary, _, _ = s.recvmsg(65536, room)
        lines = data.decode("utf-8", "replace").split("\n")
        text = "|".join(line for line in lines if line)
        log.write(f"{time.time():.6f} {describe(ancillary)} {text}\n")


if __name__ == "__main__":
    main()
