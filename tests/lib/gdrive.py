# gdrive.py: a loopback Google Drive, for the tests of the google_drive
# source (Python's standard library only).
"""Usage: gdrive.py DIR [--tls]

Three servers on free ports of 127.0.0.1: "drive" stands for
drive.google.com, "content" for drive.usercontent.google.com, "api" for
www.googleapis.com (Drive's files API).  Once all listen,
"DRIVE_PORT CONTENT_PORT API_PORT" goes to DIR/ready.  With --tls all
speak TLS with DIR/tls/server.crt and server.key (tests/lib/httpd.sh's
httpd_make_tls makes them, for localhost and 127.0.0.1, signed by
DIR/tls/ca.crt).  Links between the two use the host name the client
asked the drive server for (its Host header) and the content port.

DIR/state.json is written by the test (whole, by a rename) and read at
every request:

  {"files": {"ID": {"path": "file", "mode": "warn", ...}, ...}}

ID is a Drive file id; each file's keys:
  path          the file served: absolute, or relative to DIR
  mode          what GET /uc?export=download&id=ID answers:
                  direct  200 with the file itself (a small file)
                  warn    200 with the "virus scan warning" page (a large
                          file): its form's action is the content server's
                          /download, its hidden inputs (id, export,
                          confirm, uuid, at) come in a mixed order, with
                          the uuid new on every page; submitting them all,
                          as they were, gets 200 with the file, anything
                          else 400
                  quota   the "Quota exceeded" page, with status (below)
                  signin  200 with a sign-in page (another HTML page,
                          with a form of its own)
                  busy    status (default 429) with a Retry-After of
                          retry_after (default 120) seconds
  name          the file's name in Content-Disposition, as filename (in
                ASCII, '?' for what is not) and filename* (UTF-8,
                percent-encoded) (default: path's last part)
  content_type  of the file (default application/octet-stream)
  status        quota: 200 or 403 (default 200); busy: its status
  retry_after   busy: the Retry-After
  redirect      true: /uc answers 303 to the content server's
                /download?id=ID&export=download, which answers as /uc
                would have (what drive.google.com does today)
  action        warn: the form's action, instead of the content
                server's (e.g. a plain http:// one)
  quota_later   true: the form's submission gets the quota page (the
                quota ran out between the two requests)
  api           what the files API answers for GET
                /drive/v3/files/ID?fields=md5Checksum,size,modifiedTime,name
                with the right key (absent: "ok"):
                  ok         200 with the file's md5Checksum, size (a
                             string of digits, as Google writes an int64),
                             modifiedTime and name
                  no_md5     200 with modifiedTime and name only (a Google
                             Docs file)
                  malformed  200 with JSON cut short
                  big        200 with a reply of 100 KiB
                  redirect   302 to the content server's
                             /download?id=ID&export=download
                  a number   that status (403, 404, 429, 500, ...) with
                             Google's error JSON for it
  api_retry_after  the Retry-After of a 429 from the files API (seconds;
                default none)
An id not in files gets 404 and an HTML error page (the files API: 404
and Google's error JSON).  The content server serves only GET /download.

The state's top level may say, for the files API:
  api_key       the key it takes in X-Goog-Api-Key; a request without it
                gets 403, with another key 400 "API key not valid" (no
                api_key: every key is another)
  key_refusal   403: another key gets a restricted key's 403 instead
  echo_key      true: the 400 quotes the key it was sent (as no Google
                server does: a test that the client never shows it)

DIR/requests.log gets a line per request, once its status is known:
"SERVER METHOD PATH?QUERY STATUS" (SERVER is drive, content or api), and
when the request carried an X-Goog-Api-Key, " key=ok" (the api_key),
" key=wrong" (another) -- or, from the api server, " key=none" when it
did not.  The key itself is never written.
"""
import hashlib
import html
import json
import os
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serverlib import serve_http, server_tls

WARNING = """<!DOCTYPE html><html><head><title>Google Drive - Virus scan \
warning</title><meta http-equiv="content-type" content="text/html; \
charset=utf-8"/><style nonce="n0nce">.goog-inline-block{{position:relative;\
display:-moz-inline-box;display:inline-block}}</style><link rel="icon" \
href="//ssl.gstatic.com/docs/doclist/images/drive_2022q3_32dp.png"/></head>\
<body><div class="uc-main"><div id="uc-text"><p \
class="uc-warning-caption">Google Drive can&#39;t scan this file for \
viruses.</p><p class="uc-warning-subcaption"><span class="uc-name-size">\
<a href="/open?id={id}">{name}</a> ({size})</span> is too large for Google \
to scan for viruses. Would you still like to download this file?</p>\
<form id="download-form" action="{action}" method="get"><input \
type="submit" id="uc-download-link" class="goog-inline-block jfk-button \
jfk-button-action" value="Download anyway"/><input type="hidden" \
name="id" value="{id}"><input value='download' name='export' \
type='hidden'><input name=confirm type=hidden value=t><input \
name="uuid" value="{uuid}" type="hidden"><input type="hidden" value="{at}" \
name="at"></form></div></div><div class="uc-footer"><hr \
class="uc-footer-divider"></div></body></html>"""

# The "at" input: a token with characters the page must escape.
AT_TOKEN = "AEz7&x'y\"z<1>"

QUOTA = """<!DOCTYPE html><html><head><meta http-equiv="content-type" \
content="text/html; charset=utf-8"/><title>Google Drive - Quota \
exceeded</title><link rel="icon" \
href="//ssl.gstatic.com/docs/doclist/images/drive_2022q3_32dp.png"/></head>\
<body><div class="uc-main"><div id="uc-text"><p \
class="uc-error-caption">Sorry, you can&#39;t view or download this file \
at this time.</p><p class="uc-error-subcaption">Too many users have viewed \
or downloaded this file recently. Please try accessing the file again \
later. If the file you are trying to access is particularly large or is \
shared with many people, it may take up to 24 hours to be able to view or \
download the file. If you still can&#39;t access a file after 24 hours, \
contact your domain administrator.</p></div></div></body></html>"""

SIGNIN = """<!DOCTYPE html><html lang="en"><head><title>Google Drive: \
Sign-in</title></head><body><form action="https://accounts.google.com/v3/\
signin/identifier" method="get"><input type="hidden" name="continue" \
value="https://drive.google.com/uc"><input type="hidden" name="followup" \
value="https://drive.google.com/uc"><input type="email" name="identifier">\
</form></body></html>"""

NOT_FOUND = """<!DOCTYPE html><html lang=en><meta charset=utf-8><title>\
Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That's an \
error.</ins><p>The requested URL was not found on this server.</html>"""

BAD_REQUEST = """<!DOCTYPE html><html lang=en><meta charset=utf-8><title>\
Error 400 (Bad Request)!!1</title><p><b>400.</b> <ins>That's an \
error.</ins></html>"""


API_ERRORS = {
    400: ("badRequest", "INVALID_ARGUMENT", "API_KEY_INVALID",
          "API key not valid. Please pass a valid API key."),
    403: ("forbidden", "PERMISSION_DENIED", "API_KEY_SERVICE_BLOCKED",
          "Requests to this API drive method "
          "google.apps.drive.v3.DriveFiles.Get are blocked."),
    404: ("notFound", "NOT_FOUND", None, "File not found: {id}."),
    429: ("rateLimitExceeded", "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED",
          "Quota exceeded for quota metric 'Queries' and limit 'Queries "
          "per minute' of service 'drive.googleapis.com'."),
    500: ("backendError", "INTERNAL", None, "Internal Error"),
}
MISSING_KEY = ("forbidden", "PERMISSION_DENIED", None,
               "Method doesn't allow unregistered callers (callers without "
               "established identity). Please use API Key or other form of "
               "API consumer identity to call this API.")


def api_error(status, spec, file_id, message=None):
    """Google's error JSON for STATUS (SPEC: its reasons and message)."""
    reason, grpc, info, text = spec
    text = message or text.format(id=file_id)
    error = {"code": status, "message": text, "status": grpc,
             "errors": [{"message": text, "domain": "global",
                         "reason": reason}]}
    if info:
        error["details"] = [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": info, "domain": "googleapis.com",
            "metadata": {"service": "drive.googleapis.com"}}]
    return json.dumps({"error": error}, indent=2)


class Drive:
    """The state file, the uuids handed out and the request log."""

    def __init__(self, directory, tls):
        self.dir = directory
        self.scheme = "https" if tls else "http"
        self.content_port = 0
        self.uuids = {}  # id -> the uuids of the pages served
        self.lock = threading.Lock()

    def state(self):
        try:
            with open(os.path.join(self.dir, "state.json"),
                      encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def file(self, file_id):
        return self.state().get("files", {}).get(file_id)

    def path(self, spec):
        return os.path.join(self.dir, spec["path"])

    def issue_uuid(self, file_id):
        u = str(uuid.uuid4())
        with self.lock:
            self.uuids.setdefault(file_id, set()).add(u)
        return u

    def issued(self, file_id, u):
        with self.lock:
            return u in self.uuids.get(file_id, set())

    def log(self, server, method, path, status, tag=""):
        with self.lock, open(os.path.join(self.dir, "requests.log"), "a",
                             encoding="utf-8") as f:
            f.write(f"{server} {method} {path} {status}{tag}\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_name = "drive"

    def log_message(self, *args):
        pass

    def key_tag(self):
        """What the log says of the request's X-Goog-Api-Key."""
        sent = self.headers.get("X-Goog-Api-Key")
        if sent is None:
            return ""
        return " key=ok" if sent == self.server.drive.state().get(
            "api_key") else " key=wrong"

    def send(self, status, body, content_type="text/html; charset=utf-8",
             headers=()):
        drive = self.server.drive
        data = body.encode() if isinstance(body, str) else body
        drive.log(self.server_name, self.command, self.path, status,
                  self.key_tag())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(data)
            except OSError:
                pass  # the client stopped once it saw the headers

    def content_url(self, path):
        host = (self.headers.get("Host") or "127.0.0.1").rsplit(":", 1)[0]
        drive = self.server.drive
        return f"{drive.scheme}://{host}:{drive.content_port}{path}"

    def send_file(self, spec):
        path = self.server.drive.path(spec)
        name = spec.get("name", os.path.basename(path))
        with open(path, "rb") as f:
            data = f.read()
        # As Drive names it: an ASCII filename, and the name itself in
        # filename* (RFC 8187).
        plain = name.encode("ascii", "replace").decode().replace('"', "_")
        disposition = (f'attachment; filename="{plain}"; '
                       f"filename*=UTF-8''{urllib.parse.quote(name, safe='')}")
        self.send(200, data, spec.get("content_type",
                                      "application/octet-stream"),
                  [("Content-Disposition", disposition)])

    def send_warning(self, file_id, spec):
        path = self.server.drive.path(spec)
        size = os.path.getsize(path)
        page = WARNING.format(
            id=html.escape(file_id),
            name=html.escape(spec.get("name", os.path.basename(path))),
            size=f"{max(size >> 20, 1)}M",
            action=html.escape(spec.get("action",
                                        self.content_url("/download"))),
            uuid=self.server.drive.issue_uuid(file_id),
            at=html.escape(AT_TOKEN).replace("&#x27;", "&#39;"))
        self.send(200, page)

    def answer(self, file_id, spec):
        """What /uc answers for the file (or /download, redirected)."""
        mode = spec.get("mode", "direct")
        if mode == "direct":
            self.send_file(spec)
        elif mode == "warn":
            self.send_warning(file_id, spec)
        elif mode == "quota":
            self.send(spec.get("status", 200), QUOTA)
        elif mode == "signin":
            self.send(200, SIGNIN)
        elif mode == "busy":
            self.send(spec.get("status", 429), "Too Many Requests",
                      "text/plain",
                      [("Retry-After", str(spec.get("retry_after", 120)))])
        else:
            self.send(500, f"unknown mode {mode!r}", "text/plain")

    def query(self):
        url = urllib.parse.urlsplit(self.path)
        return url.path, urllib.parse.parse_qs(url.query,
                                               keep_blank_values=True)

    def do_GET(self):
        path, q = self.query()
        file_id = q.get("id", [""])[0]
        if path != "/uc" or q.get("export") != ["download"]:
            self.send(404, NOT_FOUND)
            return
        spec = self.server.drive.file(file_id)
        if spec is None:
            self.send(404, NOT_FOUND)
        elif spec.get("redirect"):
            location = self.content_url(
                "/download?" + urllib.parse.urlencode(
                    {"id": file_id, "export": "download"}))
            self.send(303, "", "text/html", [("Location", location)])
        else:
            self.answer(file_id, spec)


class ContentHandler(Handler):
    server_name = "content"

    def submitted(self, file_id, q):
        """Whether q holds the warning form's inputs, all and as sent."""
        want = {"id": [file_id], "export": ["download"], "confirm": ["t"],
                "at": [AT_TOKEN]}
        u = q.get("uuid", [""])
        return (all(q.get(k) == v for k, v in want.items()) and
                len(u) == 1 and self.server.drive.issued(file_id, u[0]) and
                set(q) == set(want) | {"uuid"})

    def do_GET(self):
        path, q = self.query()
        file_id = q.get("id", [""])[0]
        spec = self.server.drive.file(file_id)
        if path != "/download" or spec is None:
            self.send(404, NOT_FOUND)
        elif "confirm" not in q and "uuid" not in q:
            self.answer(file_id, spec)  # redirected from /uc
        elif not self.submitted(file_id, q) or spec.get("mode") != "warn":
            self.send(400, BAD_REQUEST)
        elif spec.get("quota_later"):
            self.send(200, QUOTA)
        else:
            self.send_file(spec)


class ApiHandler(Handler):
    """Drive's files API: GET /drive/v3/files/ID?fields=..."""
    server_name = "api"

    def key_tag(self):
        return super().key_tag() or " key=none"

    def send_json(self, status, body, headers=()):
        self.send(status, body, "application/json; charset=UTF-8", headers)

    def refuse_key(self, state, file_id):
        """The answer to a request without the right key, or None."""
        sent = self.headers.get("X-Goog-Api-Key")
        if sent is None:
            return 403, api_error(403, MISSING_KEY, file_id)
        if sent == state.get("api_key"):
            return None
        if state.get("key_refusal") == 403:
            return 403, api_error(403, API_ERRORS[403], file_id)
        message = (f"API key not valid: {sent}" if state.get("echo_key")
                   else None)
        return 400, api_error(400, API_ERRORS[400], file_id, message)

    def metadata(self, file_id, spec, answer):
        path = self.server.drive.path(spec)
        meta = {"modifiedTime": "2019-06-25T12:00:00.000Z",
                "name": spec.get("name", os.path.basename(path))}
        if answer != "no_md5":
            with open(path, "rb") as f:
                data = f.read()
            meta["md5Checksum"] = hashlib.md5(data).hexdigest()
            meta["size"] = str(len(data))
        if answer == "big":
            meta["name"] = "n" * (100 << 10)
        return json.dumps(meta, indent=1)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        prefix = "/drive/v3/files/"
        file_id = urllib.parse.unquote(url.path[len(prefix):])
        state = self.server.drive.state()
        spec = state.get("files", {}).get(file_id)
        if not url.path.startswith(prefix):
            self.send_json(404, api_error(404, API_ERRORS[404], file_id))
            return
        refused = self.refuse_key(state, file_id)
        answer = spec.get("api", "ok") if spec else 404
        if refused:
            self.send_json(*refused)
        elif answer in ("ok", "no_md5", "big"):
            self.send_json(200, self.metadata(file_id, spec, answer))
        elif answer == "malformed":
            self.send_json(200, self.metadata(file_id, spec, "ok")[:40])
        elif answer == "redirect":
            location = self.content_url(
                "/download?" + urllib.parse.urlencode(
                    {"id": file_id, "export": "download"}))
            self.send_json(302, "", [("Location", location)])
        else:
            extra = []
            if spec and spec.get("api_retry_after") is not None:
                extra.append(("Retry-After", str(spec["api_retry_after"])))
            errors = API_ERRORS.get(answer, API_ERRORS[500])
            self.send_json(answer, api_error(answer, errors, file_id),
                           extra)


def main():
    directory = sys.argv[1]
    tls = "--tls" in sys.argv[2:]
    drive = Drive(directory, tls)
    servers = []
    for handler in (Handler, ContentHandler, ApiHandler):
        s = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        s.daemon_threads = True
        s.drive = drive
        if tls:
            s.socket = server_tls(directory).wrap_socket(s.socket,
                                                         server_side=True)
        servers.append(s)
    drive.content_port = servers[1].server_address[1]
    serve_http(directory, servers)


if __name__ == "__main__":
    main()
