# serverlib.py: helpers shared by the loopback test servers in this
# directory (smtp_sink.py, webhook_receiver.py, fault_server.py,
# notify_listener.py).
import os
import socket
import ssl
import threading
import time


def write_atomic(path, data):
    """Writes bytes to PATH through a rename: readers never see a part."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def serve_http(directory, servers):
    """Serves each of SERVERS (socketserver servers on loopback) on its own
    thread, tells the test their ports in DIRECTORY/ready ("PORT PORT...")
    and runs until the test's shell is gone."""
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    exit_with_parent()
    ports = " ".join(str(s.server_address[1]) for s in servers)
    write_atomic(os.path.join(directory, "ready"), ports.encode() + b"\n")
    threading.Event().wait()


def exit_with_parent():
    """Exits once the shell that started this process is gone, so that a
    test killed before its EXIT trap ran leaves no server behind."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def loopback_socket():
    """A TCP socket bound to a free port on 127.0.0.1 (not listening yet).
    An explicit IPPROTO_TCP makes asyncio set TCP_NODELAY on the accepted
    connections (it checks sock.proto): otherwise each reply line after
    the first waits for the client's delayed ACK."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    s.bind(("127.0.0.1", 0))
    return s


def server_tls(directory):
    """The TLS context for DIR/tls/server.crt and server.key."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(directory, "tls", "server.crt"),
                        os.path.join(directory, "tls", "server.key"))
    return ctx


def control_lines(path):
    """The control file's settings as (line, text) pairs: TEXT is the line
    before any "#", stripped; empty lines are skipped.  LINE, whole, names
    one setting: a count restarts when its line changes (the shell helpers
    stamp each line they write, so writing a setting again re-arms it).
    A missing file has no settings."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    pairs = ((line, line.split("#", 1)[0].strip()) for line in lines)
    return [(line, text) for line, text in pairs if text]
