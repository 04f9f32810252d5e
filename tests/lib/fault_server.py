# fault_server.py: a loopback HTTP(S) server that misbehaves on purpose,
# for tests/cli/netfault.sh (Python's standard library only).
"""Usage: fault_server.py DIR

Serves the files of DIR/www on two free ports of 127.0.0.1 and writes
"HTTP_PORT TLS_PORT" to DIR/ready once both listen.

HTTP: the first path segment chooses the misbehaviour, the rest names the
file: GET /MODE/NAME serves DIR/www/NAME.  Every answer carries an ETag
(from the content) and a Last-Modified (the file's mtime).  MODE is one of
  ok       a well-behaved server: If-None-Match -> 304; Range (with an
           If-Range that still matches) -> 206, or 416 past the end
  stall    200 and the full Content-Length, half the body, then silence
           until the client hangs up (20 s at most)
  close    200 and the full Content-Length, half the body, then the
           connection is closed
  short    200 with a Content-Length 1000 bytes longer than the file, the
           whole file, then the connection is closed
  endless  200, chunked, lines of text until the client hangs up (30 s or
           1 GiB at most)
  drip     200 and the full Content-Length, 32 KiB every 0.1 s (fast
           enough for a low-speed limit of 100K, slow for a short timeout)
  empty    200 with an empty body (Content-Length: 0)
  splice   as close; once behaving, a Range is answered 206 from that
           offset of the file as it is now, whatever If-Range says (a
           server that ignores If-Range)
  notmod   304 Not Modified to every request, conditional or not
  badreason  503 whose reason phrase holds a terminal escape (set the
           title), a BEL, a C1 control (U+0085) and U+202E
  badlocation
           302 to /ok/NAME followed by the same characters
  badetag  200 with the file, its ETag holding a bare CR and its
           Last-Modified an ESC (validators no client may send back)
A misbehaving mode ignores Range and conditions.

TLS: the second port's first bytes decide, by DIR/control's "tls" line:
  tls ok         TLS with DIR/tls/server.{crt,key}, then as HTTP above
  tls plain      plain HTTP on the TLS port (no handshake at all)
  tls reset      reads the ClientHello, then resets the connection (RST)
  tls wronghost  TLS with DIR/tls/wronghost.{crt,key}
  (no line: ok)

DIR/control is read at every request, one setting a line ("#" starts a
comment): "behave MODE" makes MODE serve as ok from then on; "tls X" as
above.  DIR/requests.log gets one JSON object per request, written before
the body: port ("http" or "tls"), mode, path, range, if_range,
if_none_match, if_modified_since, status.
"""
import email.utils
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serverlib import control_lines, serve_http

MODES = ("ok", "stall", "close", "short", "endless", "drip", "empty", "splice",
         "notmod", "badreason", "badlocation", "badetag")

# Text no terminal should obey, as the bytes of a header (latin-1 strings
# go out byte for byte): set the title, BEL, U+0085 and U+202E in UTF-8.
HOSTILE = b"\x1b]0;pwned\x07 \xc2\x85 \xe2\x80\xae".decode("latin-1")


class Control:
    """DIR/control, read at each use."""

    def __init__(self, path):
        self.path = path

    def settings(self):
        return [text.split() for _, text in control_lines(self.path)]

    def behaving(self, mode):
        return any(w[:2] == ["behave", mode] for w in self.settings())

    def tls(self):
        found = "ok"
        for w in self.settings():
            if len(w) == 2 and w[0] == "tls":
                found = w[1]
        return found


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultd-test"
    disable_nagle_algorithm = True

    def record(self, status, mode):
        self.server.log.write({
            "port": self.server.kind, "mode": mode, "path": self.path,
            "range": self.headers.get("Range"),
            "if_range": self.headers.get("If-Range"),
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "status": status})

    def do_GET(self):
        parts = self.path.split("?", 1)[0].split("/", 2)
        if len(parts) != 3 or parts[1] not in MODES or "/" in parts[2] \
                or parts[2].startswith("."):
            return self.plain(404, "no such path\n")
        mode, name = parts[1], parts[2]
        try:
            with open(os.path.join(self.server.www, name), "rb") as f:
                body = f.read()
            mtime = os.stat(os.path.join(self.server.www, name)).st_mtime
        except FileNotFoundError:
            return self.plain(404, "no such file\n")
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        lm = email.utils.formatdate(mtime, usegmt=True)
        if mode not in ("ok", "splice") and \
                self.server.control.behaving(mode):
            mode = "ok"
        getattr(self, "serve_" + mode)(body, etag, lm)

    def plain(self, status, text):
        data = text.encode()
        self.record(status, None)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def head(self, status, mode, etag, lm, length=None, extra=()):
        self.record(status, mode)
        self.send_response(status)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lm)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()

    def serve_ok(self, body, etag, lm):
        if self.headers.get("If-None-Match") == etag:
            return self.head(304, "ok", etag, lm)
        start = None
        rng = self.headers.get("Range", "")
        if_range = self.headers.get("If-Range")
        if rng.startswith("bytes=") and rng.endswith("-") and \
                if_range in (None, etag, lm):
            try:
                start = int(rng[6:-1])
            except ValueError:
                start = None
        if start is not None and start >= len(body):
            return self.head(416, "ok", etag, lm, 0,
                             [("Content-Range", "bytes */%d" % len(body))])
        if start is not None:
            self.head(206, "ok", etag, lm, len(body) - start, [(
                "Content-Range",
                "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))])
            self.wfile.write(body[start:])
            return
        self.head(200, "ok", etag, lm, len(body))
        self.wfile.write(body)

    def serve_stall(self, body, etag, lm):
        self.head(200, "stall", etag, lm, len(body))
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        self.connection.settimeout(20)
        try:
            while self.connection.recv(4096):
                pass
        except OSError:
            pass
        self.close_connection = True

    def serve_close(self, body, etag, lm):
        self.head(200, "close", etag, lm, len(body))
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def serve_short(self, body, etag, lm):
        self.head(200, "short", etag, lm, len(body) + 1000)
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def serve_endless(self, body, etag, lm):
        self.head(200, "endless", etag, lm, None,
                  [("Transfer-Encoding", "chunked")])
        line = b"FlickrFinal2/123/12345678@N00/7001_0.jpg\n" * 1600
        chunk = b"%x\r\n%s\r\n" % (len(line), line)
        end = time.monotonic() + 30
        sent = 0
        try:
            while time.monotonic() < end and sent < 1 << 30:
                self.wfile.write(chunk)
                sent += len(line)
        except OSError:
            pass
        self.close_connection = True

    def serve_splice(self, body, etag, lm):
        rng = self.headers.get("Range", "")
        if not self.server.control.behaving("splice"):
            return self.serve_close(body, etag, lm)
        if rng.startswith("bytes=") and rng.endswith("-") and \
                rng[6:-1].isdigit() and int(rng[6:-1]) < len(body):
            start = int(rng[6:-1])
            self.head(206, "splice", etag, lm, len(body) - start, [(
                "Content-Range",
                "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))])
            self.wfile.write(body[start:])
            return
        self.head(200, "splice", etag, lm, len(body))
        self.wfile.write(body)

    def serve_notmod(self, body, etag, lm):
        self.head(304, "notmod", etag, lm)

    def serve_badreason(self, body, etag, lm):
        self.record(503, "badreason")
        self.send_response(503, "Bad " + HOSTILE + " Gateway")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_badlocation(self, body, etag, lm):
        self.record(302, "badlocation")
        self.send_response(302)
        self.send_header("Location", self.path.replace(
            "/badlocation/", "/ok/", 1) + HOSTILE)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_badetag(self, body, etag, lm):
        self.head(200, "badetag", etag[:-1] + '\rx"', "\x1b[2J" + lm,
                  len(body))
        self.wfile.write(body)

    def serve_empty(self, body, etag, lm):
        self.head(200, "empty", '"empty"', lm, 0)

    def serve_drip(self, body, etag, lm):
        self.head(200, "drip", etag, lm, len(body))
        try:
            for i in range(0, len(body), 32768):
                self.wfile.write(body[i:i + 32768])
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass
        self.close_connection = True

    def log_message(self, fmt, *args):
        pass  # requests.log has it all


class RequestLog:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8", buffering=1)
        self.lock = threading.Lock()

    def write(self, record):
        with self.lock:
            record["time"] = time.time()
            self.file.write(json.dumps(record) + "\n")


def tls_context(directory, name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(directory, "tls", name + ".crt"),
                        os.path.join(directory, "tls", name + ".key"))
    return ctx


class Server(ThreadingHTTPServer):
    daemon_threads = True
    kind = "http"

    def handle_error(self, request, client_address):
        pass  # clients hang up on purpose here


class TLSServer(Server):
    """The TLS port: what happens before HTTP depends on the control."""
    kind = "tls"

    def finish_request(self, request, client_address):
        mode = self.control.tls()
        self.log.write({"port": "tls", "mode": "tls " + mode})
        if mode == "plain":
            return super().finish_request(request, client_address)
        if mode == "reset":
            request.settimeout(5)
            try:
                request.recv(4096)  # the ClientHello
            except OSError:
                pass
            request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               struct.pack("ii", 1, 0))
            request.close()  # now, before socketserver's FIN
            return None
        ctx = self.contexts["wronghost" if mode == "wronghost" else "server"]
        request.settimeout(10)
        try:
            s = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return None  # the client refused our certificate
        with s:
            s.settimeout(None)
            return super().finish_request(s, client_address)


def main():
    directory = sys.argv[1]
    control = Control(os.path.join(directory, "control"))
    log = RequestLog(os.path.join(directory, "requests.log"))
    servers = [Server(("127.0.0.1", 0), Handler),
               TLSServer(("127.0.0.1", 0), Handler)]
    servers[1].contexts = {n: tls_context(directory, n)
                           for n in ("server", "wronghost")}
    for s in servers:
        s.www = os.path.join(directory, "www")
        s.control, s.log = control, log
    serve_http(directory, servers)


if __name__ == "__main__":
    main()
