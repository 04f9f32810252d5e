# hf_hub.py: a loopback Hugging Face Hub (dataset repositories), for the
# huggingface source's tests (Python's standard library only).
"""Usage: hf_hub.py DIR

Two HTTP servers on free ports of 127.0.0.1; "API_PORT CDN_PORT" goes to
DIR/ready once both listen.  The first is the Hub (its API and its resolve
URLs), the second the host its resolve URLs redirect to (signed URLs, a
CDN's), another origin as far as credentials go.

The Hub (API_PORT), as huggingface.co answers:
  GET /api/datasets/OWNER/NAME/revision/REV
      the revision's commit: {"id", "sha", "lastModified", "gated",
      "private", "siblings": [{"rfilename"}], ...}.  REV is "main" (the
      newest commit), a name in the repo's "refs", or a commit's sha; a
      REV with "/" comes percent-encoded (refs%2Fconvert%2Fparquet).
  GET /api/datasets/OWNER/NAME/tree/REV[/PATH][?recursive=true]
      the entries under PATH (all of them with recursive=true, else its
      children), sorted by path, "page_size" to a page; a further page is
      named by Link: <URL>; rel="next" (a cursor= parameter).  A file is
      {"type": "file", "path", "size", "oid" (its git blob id), "lfs":
      {"oid" (its SHA-256), "size", "pointerSize"}}, without "lfs" when
      stored in git (the repo's "plain" globs); a directory is {"type":
      "directory", "path", "oid", "size": 0}.
  GET|HEAD /datasets/OWNER/NAME/resolve/REV/PATH
      an LFS file: 302 to http://127.0.0.1:CDN_PORT/repos/OWNER/NAME/SHA256
      ?Expires=T&Signature=HMAC, valid "url_ttl" seconds; a file in git: 200
      with its bytes (Range honoured).  Either carries X-Repo-Commit, ETag
      (the blob id) and, for LFS, X-Linked-Etag ("SHA256") and
      X-Linked-Size.  A gated repo's files answer 401 without a token and
      403 to a token other than the repo's.
  Errors: 404 with X-Error-Code RepoNotFound, RevisionNotFound or
  EntryNotFound and {"error": TEXT}; 401 "Invalid credentials in
  Authorization header" to a Bearer token it does not know (any request).
The CDN (CDN_PORT): GET|HEAD /repos/OWNER/NAME/SHA256?Expires&Signature
  serves the bytes (ETag "SHA256", Accept-Ranges, Range -> 206, 416 past
  the end, If-Range); 403 to a bad or expired signature.

DIR/state.json, read at every request (write it whole, through a rename;
a test rewrites it to change the Hub):
  {
    "page_size": 2,            # tree entries per page (default 2)
    "url_ttl": 3600,           # seconds a signed URL lives (default 3600)
    "tokens": ["hf_other"],    # more tokens the Hub knows (optional)
    "repos": {
      "OWNER/NAME": {
        "gated": false,        # false (default), "auto" or "manual"
        "token": "hf_abc",     # the token of an account with access
        "plain": ["*.md"],     # globs of paths kept in git, not LFS
        "refs": {"refs/convert/parquet": "SHA"},  # revisions besides main
        "commits": [           # oldest first; the last is main
          {"sha": "40 hex digits",       # optional: made from the index
           "date": "2024-05-01T00:00:00.000Z",    # optional
           "files": {"data/train-0.parquet": "/abs/path/of/its/bytes"}}
        ]
      }
    },
    "faults": [                # each answers instead of the server ...
      {"host": "api",          # "api" (default) or "cdn"
       "path": "/api/datasets/o/n/revision/",  # ... to requests whose
                               # path (no query) starts with this
       "times": 1,             # ... the next 1 (default) of them since
                               # the state file was last written
       "status": 429,
       "headers": {"Retry-After": "7"},
       "body": "text, or any JSON value"}  # default {"error": reason}
    ]
  }
A commit's "files" are its whole tree: paths and the local files holding
their bytes (read at each request).

DIR/log gets a line per request, written before the response is sent:
  TIME HOST METHOD PATH?QUERY auth=yes|no STATUS
with HOST "api" or "cdn" and auth=yes when an Authorization header came.
github_api.py reuses State, RequestLog, Handler's helpers and serve_bytes.
"""
import base64
import fnmatch
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serverlib import serve_http


class State:
    """DIR/state.json, read at each request, and the faults' counts: a
    rewrite of the file (a new inode or mtime) re-arms every fault."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.version = None
        self.used = {}

    def read(self):
        try:
            st = os.stat(self.path)
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}, None
        return data, (st.st_ino, st.st_mtime_ns, st.st_size)

    def fault(self, data, version, host, path):
        """The fault that answers this request, if one does (and counts
        it)."""
        with self.lock:
            if version != self.version:
                self.version, self.used = version, {}
            for i, f in enumerate(data.get("faults", [])):
                if f.get("host", "api") != host or \
                        not path.startswith(f.get("path", "/")):
                    continue
                if self.used.get(i, 0) >= f.get("times", 1):
                    continue
                self.used[i] = self.used.get(i, 0) + 1
                return f
        return None


class RequestLog:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8", buffering=1)
        self.lock = threading.Lock()

    def write(self, host, method, target, auth, status):
        with self.lock:
            self.file.write("%.3f %s %s %s auth=%s %d\n" % (
                time.time(), host, method, target, "yes" if auth else "no",
                status))


def sha1_hex(data):
    return hashlib.sha1(data).hexdigest()


def blob_oid(data):
    """The git blob id of DATA, as git (and the Hub's "oid") has it."""
    return sha1_hex(b"blob %d\0" % len(data) + data)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class BaseHandler(BaseHTTPRequestHandler):
    """What both loopback hosts share: the state, the log, JSON and byte
    replies, faults.  A subclass sets HOST and implements route()."""
    protocol_version = "HTTP/1.1"
    HOST = "api"

    def do_GET(self):
        self.handle_any(head=False)

    def do_HEAD(self):
        self.handle_any(head=True)

    def handle_any(self, head):
        self.head_only = head
        url = urllib.parse.urlsplit(self.path)
        self.url_path = url.path
        self.query = urllib.parse.parse_qs(url.query)
        self.state, version = self.server.state.read()
        fault = self.server.state.fault(self.state, version, self.HOST,
                                        url.path)
        if fault:
            return self.answer_fault(fault)
        self.route()

    def bearer(self):
        """The Bearer token that came, "" for none, None for no
        Authorization header."""
        v = self.headers.get("Authorization")
        if v is None:
            return None
        return v[7:] if v.startswith("Bearer ") else ""

    def record(self, status):
        self.server.log.write(self.HOST, self.command, self.path,
                              self.headers.get("Authorization") is not None,
                              status)

    def reply(self, status, body=b"", headers=(), ctype=None):
        self.record(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not self.head_only:
            self.wfile.write(body)

    def json(self, status, value, headers=()):
        self.reply(status, json.dumps(value, indent=1).encode(), headers,
                   "application/json; charset=utf-8")

    def answer_fault(self, f):
        status = f.get("status", 500)
        body = f.get("body", {"error": self.responses.get(status, ("?",))[0]})
        if not isinstance(body, str):
            body = json.dumps(body)
        self.reply(status, body.encode(), list(f.get("headers", {}).items()),
                   "application/json")

    def serve_bytes(self, data, etag, headers=()):
        """DATA with ETAG, honouring Range (one range) and If-Range."""
        headers = list(headers) + [("ETag", etag), ("Accept-Ranges", "bytes")]
        rng = self.headers.get("Range", "")
        if_range = self.headers.get("If-Range")
        if rng.startswith("bytes=") and (if_range is None or if_range == etag):
            first, _, last = rng[6:].partition("-")
            if not first.isdigit() or (last and not last.isdigit()):
                return self.reply(416, headers=headers + [
                    ("Content-Range", "bytes */%d" % len(data))])
            start = int(first)
            end = min(int(last), len(data) - 1) if last else len(data) - 1
            if start >= len(data) or end < start:
                return self.reply(416, headers=headers + [
                    ("Content-Range", "bytes */%d" % len(data))])
            return self.reply(206, data[start:end + 1], headers + [
                ("Content-Range", "bytes %d-%d/%d" % (start, end, len(data)))],
                "application/octet-stream")
        self.reply(200, data, headers, "application/octet-stream")

    def log_message(self, fmt, *args):
        pass  # DIR/log has every request


# ---- the Hub -------------------------------------------------------------

def commit_sha(repo, commit, i):
    return commit.get("sha") or sha1_hex(("%s:%d" % (repo, i)).encode())


def find_commit(repo_name, repo, rev):
    """The commit REV names in the repo, or None."""
    commits = repo.get("commits", [])
    shas = [commit_sha(repo_name, c, i) for i, c in enumerate(commits)]
    if rev == "main" and commits:
        return commits[-1], shas[-1]
    rev = repo.get("refs", {}).get(rev, rev)
    if rev in shas:
        i = shas.index(rev)
        return commits[i], shas[i]
    return None, None


def file_entry(repo, path, local):
    data = read_bytes(local)
    e = {"type": "file", "oid": blob_oid(data), "size": len(data),
         "path": path}
    if not any(fnmatch.fnmatchcase(path, g) for g in repo.get("plain", [])):
        e["lfs"] = {"oid": hashlib.sha256(data).hexdigest(),
                    "size": len(data), "pointerSize": 134}
    return e


def tree_entries(repo, commit, under, recursive):
    """The tree's entries under UNDER ("" for the top), sorted by path."""
    files = commit.get("files", {})
    dirs = set()
    for p in files:
        parts = p.split("/")
        for k in range(1, len(parts)):
            dirs.add("/".join(parts[:k]))
    entries = [file_entry(repo, p, files[p]) for p in files]
    entries += [{"type": "directory", "oid": sha1_hex(d.encode()),
                 "size": 0, "path": d} for d in dirs]
    prefix = under + "/" if under else ""
    entries = [e for e in entries if e["path"].startswith(prefix) and
               (recursive or "/" not in e["path"][len(prefix):])]
    return sorted(entries, key=lambda e: e["path"])


def sign(secret, path, expires):
    return hmac.new(secret, ("%s\n%d" % (path, expires)).encode(),
                    hashlib.sha256).hexdigest()


class HubHandler(BaseHandler):
    HOST = "api"

    def known_tokens(self):
        tokens = set(self.state.get("tokens", []))
        tokens.update(r["token"] for r in self.state.get("repos", {}).values()
                      if r.get("token"))
        return tokens

    def route(self):
        token = self.bearer()
        if token is not None and token not in self.known_tokens():
            return self.json(401, {
                "error": "Invalid credentials in Authorization header"})
        segs = [urllib.parse.unquote(s) for s in self.url_path.split("/")[1:]]
        if len(segs) >= 6 and segs[:2] == ["api", "datasets"] and \
                segs[4] in ("revision", "tree"):
            repo_name = segs[2] + "/" + segs[3]
            if segs[4] == "revision" and len(segs) == 6:
                return self.revision(repo_name, segs[5])
            return self.tree(repo_name, segs[5], "/".join(segs[6:]))
        if len(segs) >= 6 and segs[0] == "datasets" and segs[3] == "resolve":
            return self.resolve(segs[1] + "/" + segs[2], segs[4],
                                "/".join(segs[5:]))
        self.json(404, {"error": "Sorry, we can't find the page you are "
                                 "looking for."})

    def repo(self, name):
        repo = self.state.get("repos", {}).get(name)
        if repo is None:
            self.json(404, {"error": "Repository not found"},
                      [("X-Error-Code", "RepoNotFound")])
        return repo

    def commit(self, name, repo, rev):
        commit, sha = find_commit(name, repo, rev)
        if commit is None:
            self.json(404, {"error": "Invalid rev id: " + rev},
                      [("X-Error-Code", "RevisionNotFound")])
        return commit, sha

    def revision(self, name, rev):
        repo = self.repo(name)
        if repo is None:
            return
        commit, sha = self.commit(name, repo, rev)
        if commit is None:
            return
        self.json(200, {
            "_id": sha1_hex(name.encode())[:24], "id": name, "author":
            name.split("/")[0], "sha": sha, "lastModified":
            commit.get("date", "2024-01-01T00:00:00.000Z"), "private": False,
            "gated": repo.get("gated", False), "disabled": False,
            "downloads": 0, "likes": 0, "tags": [],
            "siblings": [{"rfilename": p}
                         for p in sorted(commit.get("files", {}))]})

    def tree(self, name, rev, under):
        repo = self.repo(name)
        if repo is None:
            return
        commit, sha = self.commit(name, repo, rev)
        if commit is None:
            return
        recursive = self.query.get("recursive", ["false"])[0] == "true"
        entries = tree_entries(repo, commit, under, recursive)
        if under and not entries:
            return self.json(404, {"error": "Entry not found"},
                             [("X-Error-Code", "EntryNotFound")])
        size = self.state.get("page_size", 2)
        cursor = self.query.get("cursor", [""])[0]
        start = int(base64.urlsafe_b64decode(cursor).decode()) if cursor else 0
        headers = []
        if start + size < len(entries):
            q = {k: v[0] for k, v in self.query.items()}
            q["cursor"] = base64.urlsafe_b64encode(
                str(start + size).encode()).decode()
            headers.append(("Link", '<http://127.0.0.1:%d%s?%s>; rel="next"' % (
                self.server.server_address[1], self.url_path,
                urllib.parse.urlencode(q))))
        self.json(200, entries[start:start + size], headers)

    def resolve(self, name, rev, path):
        repo = self.repo(name)
        if repo is None:
            return
        commit, sha = self.commit(name, repo, rev)
        if commit is None:
            return
        if repo.get("gated"):
            token = self.bearer()
            if token is None:
                return self.json(401, {
                    "error": "Access to dataset %s is restricted. You must "
                             "have access to it and be authenticated to "
                             "access it. Please log in." % name},
                    [("X-Error-Code", "GatedRepo")])
            if token != repo.get("token"):
                return self.json(403, {
                    "error": "Access to dataset %s is restricted and you "
                             "are not in the authorized list." % name},
                    [("X-Error-Code", "GatedRepo")])
        local = commit.get("files", {}).get(path)
        if local is None:
            return self.json(404, {"error": "Entry not found"},
                             [("X-Error-Code", "EntryNotFound")])
        e = file_entry(repo, path, local)
        headers = [("X-Repo-Commit", sha)]
        if "lfs" not in e:
            return self.serve_bytes(read_bytes(local), '"%s"' % e["oid"],
                                    headers)
        target = "/repos/%s/%s" % (name, e["lfs"]["oid"])
        expires = int(time.time()) + self.state.get("url_ttl", 3600)
        location = "http://127.0.0.1:%d%s?Expires=%d&Signature=%s" % (
            self.server.cdn_port, target, expires,
            sign(self.server.secret, target, expires))
        self.reply(302, b"", headers + [
            ("ETag", '"%s"' % e["oid"]),
            ("X-Linked-Etag", '"%s"' % e["lfs"]["oid"]),
            ("X-Linked-Size", str(e["size"])), ("Location", location)])


class CdnHandler(BaseHandler):
    HOST = "cdn"

    def route(self):
        expires = self.query.get("Expires", ["0"])[0]
        sig = self.query.get("Signature", [""])[0]
        if not expires.isdigit() or int(expires) < time.time() or \
                not hmac.compare_digest(sig, sign(self.server.secret,
                                                  self.url_path,
                                                  int(expires))):
            return self.reply(403, b"<?xml version=\"1.0\" encoding=\"UTF-8\""
                              b"?><Error><Code>AccessDenied</Code><Message>"
                              b"Access denied</Message></Error>", (),
                              "application/xml")
        want = self.url_path.rsplit("/", 1)[-1]
        for repo in self.state.get("repos", {}).values():
            for c in repo.get("commits", []):
                for local in c.get("files", {}).values():
                    data = read_bytes(local)
                    if hashlib.sha256(data).hexdigest() == want:
                        return self.serve_bytes(data, '"%s"' % want)
        self.reply(404, b"Not Found")


class Server(ThreadingHTTPServer):
    daemon_threads = True


def make_servers(directory, handlers):
    """Servers on free loopback ports for HANDLERS, sharing DIR's state
    and log."""
    state = State(os.path.join(directory, "state.json"))
    log = RequestLog(os.path.join(directory, "log"))
    servers = [Server(("127.0.0.1", 0), h) for h in handlers]
    for s in servers:
        s.state, s.log = state, log
        s.ports = [t.server_address[1] for t in servers]
    return servers


def main():
    directory = sys.argv[1]
    servers = make_servers(directory, [HubHandler, CdnHandler])
    secret = os.urandom(32)
    for s in servers:
        s.secret = secret
        s.cdn_port = servers[1].server_address[1]
    serve_http(directory, servers)


if __name__ == "__main__":
    main()
