# webhook_receiver.py: the test webhook endpoint behind tests/lib/webhookd.sh
# (Python's standard library only): records every request and answers as
# its control file says.
"""Usage: webhook_receiver.py DIR

Serves HTTP/1.1 (keep-alive, one thread per connection) on two free ports
of 127.0.0.1: plain HTTP, and HTTPS with DIR/tls/server.{crt,key}; both
answer any path.  Writes:
  DIR/ready         "HTTP_PORT HTTPS_PORT" once both ports listen
  DIR/requests.log  one JSON object per request, in the order answered:
                    n (1, 2...), status (null when dropped), path, dropped,
                    time (arrival), method, headers ([name, value] pairs as
                    received), body (text) or body_base64 (when not UTF-8);
                    written before the answer is sent
DIR/control is read at every request: one rule a line,
  PREFIX KEY=VALUE...   ("#" starts a comment)
The rule with the longest PREFIX that starts the request's path applies;
"/" matches all paths; with no rule the answer is 200.  Keys:
  status=S       the failure status (default 500); alone: always S
  first=N        S for the first N requests (after any drops), then 200
  random=P       S with probability P, drawn from a generator seeded with
  seed=X         X (default 0): the same rule gives the same sequence
  retry_after=V  a "Retry-After: V" header with each S
  delay=D        wait D seconds before answering (or dropping)
  drop=N         close the first N connections without an answer
Each rule counts the requests it matched since its line last changed.
"""
import base64
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serverlib import control_lines, serve_http, server_tls


class Rules:
    """The control file's rules and what each rule line has seen so far."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.seen = {}  # rule line -> {"n": requests, "rng": Random}

    def match(self, path):
        """(options, line) of the rule for PATH, or None."""
        best = None
        for line, text in control_lines(self.path):
            prefix, *words = text.split()
            if path.startswith(prefix) and (
                    best is None or len(prefix) > len(best[0])):
                best = (prefix, words, line)
        if best is None:
            return None
        options = dict(w.split("=", 1) for w in best[1] if "=" in w)
        if len(options) != len(best[1]):
            raise ValueError(f"KEY=VALUE expected in {best[2]!r}")
        return options, best[2]

    def decide(self, path):
        """(status, delay, headers) for the next request to PATH; status
        None means: drop the connection."""
        with self.lock:
            found = self.match(path)
            if found is None:
                return 200, 0.0, {}
            opts, line = found
            seen = self.seen.setdefault(line, {
                "n": 0, "rng": random.Random(opts.get("seed", "0"))})
            seen["n"] += 1
            delay = float(opts.get("delay", 0))
            k = seen["n"] - int(opts.get("drop", 0))
            if k <= 0:
                return None, delay, {}
            if "random" in opts:
                failing = seen["rng"].random() < float(opts["random"])
            elif "first" in opts:
                failing = k <= int(opts["first"])
            else:
                failing = "status" in opts
            if not failing:
                return 200, delay, {}
            headers = {}
            if "retry_after" in opts:
                headers["Retry-After"] = opts["retry_after"]
            return int(opts.get("status", 500)), delay, headers


class RequestLog:
    """requests.log: numbers the records and writes one line each."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8", buffering=1)
        self.lock = threading.Lock()
        self.n = 0

    def write(self, status, record):
        with self.lock:
            self.n += 1
            line = {"n": self.n, "status": status, "path": record.pop("path")}
            line.update(record)
            self.file.write(json.dumps(line) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhookd-test"
    # The head and the body go out in two writes: without TCP_NODELAY a
    # kept-alive client would wait for its delayed ACK (40 ms) each time.
    disable_nagle_algorithm = True

    def answer(self):
        arrived = time.time()
        body = self.read_body()
        record = {"path": self.path, "dropped": False, "time": arrived,
                  "method": self.command,
                  "headers": [list(h) for h in self.headers.items()]}
        try:
            record["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            record["body_base64"] = base64.b64encode(body).decode()
        try:
            status, delay, headers = self.server.rules.decide(self.path)
        except ValueError as e:
            status, delay, headers = 500, 0.0, {}
            record["error"] = f"bad control file: {e}"
        time.sleep(delay)
        record["dropped"] = status is None
        self.server.log.write(status, record)
        if status is None:
            self.close_connection = True
            return
        reply = b'{"ok":%s}\n' % (b"true" if status < 300 else b"false")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def read_body(self):
        """The request body, by Content-Length or chunked."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length", 0)))
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0], 16)
            if size == 0:
                break
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailer fields
        return b"".join(chunks)

    def log_message(self, fmt, *args):
        pass  # requests.log has it all


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls = None  # an SSLContext for HTTPS

    def finish_request(self, request, client_address):
        # The TLS handshake happens in the connection's own thread.
        if self.tls is None:
            return super().finish_request(request, client_address)
        with self.tls.wrap_socket(request, server_side=True) as s:
            return super().finish_request(s, client_address)


def main():
    directory = sys.argv[1]
    rules = Rules(os.path.join(directory, "control"))
    log = RequestLog(os.path.join(directory, "requests.log"))
    servers = [Server(("127.0.0.1", 0), Handler) for _ in range(2)]
    servers[1].tls = server_tls(directory)
    for s in servers:
        s.rules, s.log = rules, log
    serve_http(directory, servers)


if __name__ == "__main__":
    main()
