# github_api.py: a loopback GitHub (its REST API and its raw host), for
# the github source's tests (Python's standard library only).
"""Usage: github_api.py DIR

Two HTTP servers on free ports of 127.0.0.1; "API_PORT RAW_PORT" goes to
DIR/ready once both listen.  The first is api.github.com, the second
raw.githubusercontent.com (another origin as far as credentials go).

The API (API_PORT), as api.github.com answers:
  GET /repos/OWNER/NAME/commits[?path=P][&sha=REF][&per_page=N][&page=K]
      the commits reachable from REF (the default branch when absent)
      that touch P (a file, or a directory: anything under it), newest
      first: [{"sha", "commit": {"author", "committer", "message"},
      "parents", ...}].  A commit touches P when the files under P (their
      paths and bytes) differ from its parent's.  The reply's ETag is
      W/"SHA-256 of the body" (so it changes with the head commit for P);
      If-None-Match with it answers 304.  An empty list is a 200 [].
  GET /repos/OWNER/NAME/contents/[PATH][?ref=REF]
      a file: {"type": "file", "name", "path", "sha" (git blob), "size",
      "encoding": "base64", "content", "download_url", ...}; a directory:
      a list of {"type": "file" or "dir", "name", "path", "sha", "size",
      "download_url" (null for a dir)}; download_url is
      http://127.0.0.1:RAW_PORT/OWNER/NAME/COMMIT_SHA/PATH.
  Errors: 404 {"message": "Not Found"} (also for a private repo without
  its token), 401 {"message": "Bad credentials"} to a token it does not
  know.  Every reply has X-RateLimit-Limit (60, or 5000 with a token),
  -Remaining, -Used, -Reset and -Resource headers (counted, not enforced).
The raw host (RAW_PORT): GET|HEAD /OWNER/NAME/REF/PATH: the bytes (ETag
  "blob sha", Range), 404 "404: Not Found".

DIR/state.json, read at every request (write it whole, through a rename):
  {
    "tokens": ["ghp_other"],   # more tokens GitHub knows (optional)
    "repos": {
      "OWNER/NAME": {
        "default_branch": "main",          # default "main"
        "token": "ghp_abc",    # a private repo: only this token sees it
        "branches": {"dev": "SHA"},        # branches besides the default
        "commits": [           # oldest first, each the next's parent;
                               # the last is the default branch's head
          {"sha": "40 hex digits",          # optional: made from the index
           "date": "2024-05-01T00:00:00Z", "message": "...",  # optional
           "files": {"lists/a.txt": "/abs/path/of/its/bytes"}}
        ]
      }
    },
    "faults": [ ... ]          # as in hf_hub.py (host "api" or "raw"),
                               # plus "rate_limited": SECONDS, which adds
                               # X-RateLimit-Remaining: 0 and a Reset that
                               # many seconds ahead (GitHub answers an
                               # exhausted limit with 403 or 429 and these)
  }
A commit's "files" are its whole tree at that commit.

DIR/log: a line per request, written before the response is sent:
  TIME HOST METHOD PATH?QUERY auth=yes|no STATUS
with HOST "api" or "raw".
"""
import base64
import hashlib
import json
import os
import sys
import time
import urllib.parse

from hf_hub import BaseHandler, blob_oid, make_servers, read_bytes, sha1_hex
from serverlib import serve_http

START = int(time.time())


def commit_sha(repo_name, commit, i):
    return commit.get("sha") or sha1_hex(("%s:%d" % (repo_name, i)).encode())


def under(path, p):
    """Is P the path PATH or inside it ("" is the whole tree)?"""
    return not path or p == path or p.startswith(path + "/")


def snapshot(commit, path):
    """The files under PATH at COMMIT: {path: blob id}."""
    return {p: blob_oid(read_bytes(local))
            for p, local in commit.get("files", {}).items() if under(path, p)}


class Repo:
    def __init__(self, name, data):
        self.name, self.data = name, data
        self.commits = data.get("commits", [])
        self.shas = [commit_sha(name, c, i)
                     for i, c in enumerate(self.commits)]

    def index(self, ref):
        """The index of the commit REF names (a branch or a sha), or
        None."""
        if ref is None or ref == self.data.get("default_branch", "main"):
            return len(self.commits) - 1 if self.commits else None
        ref = self.data.get("branches", {}).get(ref, ref)
        return self.shas.index(ref) if ref in self.shas else None

    def commit_json(self, i, port):
        c = self.commits[i]
        who = {"name": "Publisher", "email": "publisher@example.invalid",
               "date": c.get("date", "2024-01-01T00:00:00Z")}
        api = "http://127.0.0.1:%d/repos/%s" % (port, self.name)
        return {"sha": self.shas[i], "node_id": "C_" + self.shas[i][:20],
                "commit": {"author": who, "committer": who,
                           "message": c.get("message", "commit %d" % i)},
                "url": "%s/commits/%s" % (api, self.shas[i]),
                "html_url": "https://github.invalid/%s/commit/%s" % (
                    self.name, self.shas[i]),
                "parents": [{"sha": self.shas[i - 1]}] if i else []}


class ApiHandler(BaseHandler):
    HOST = "api"

    def known_tokens(self):
        tokens = set(self.state.get("tokens", []))
        tokens.update(r["token"] for r in self.state.get("repos", {}).values()
                      if r.get("token"))
        return tokens

    def limits(self):
        """The X-RateLimit-* lines (counted per token kind, not
        enforced)."""
        authed = self.bearer() is not None
        limit = 5000 if authed else 60
        with self.server.state.lock:
            used = self.server.used[authed] = self.server.used[authed] + 1
        return [("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(max(limit - used, 0))),
                ("X-RateLimit-Reset", str(START + 3600)),
                ("X-RateLimit-Used", str(used)),
                ("X-RateLimit-Resource", "core")]

    def answer_fault(self, f):
        if "rate_limited" in f:
            f = dict(f)
            reset = int(time.time()) + int(f["rate_limited"])
            f.setdefault("status", 403)
            f.setdefault("body", {
                "message": "API rate limit exceeded for 127.0.0.1. "
                           "(But here's the good news: Authenticated "
                           "requests get a higher rate limit.)",
                "documentation_url": "https://docs.github.com/rest"})
            f["headers"] = dict(f.get("headers", {}), **{
                "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset), "X-RateLimit-Used": "60",
                "X-RateLimit-Resource": "core"})
        super().answer_fault(f)

    def gh_json(self, status, value, headers=()):
        self.json(status, value, list(headers) + self.limits())

    def not_found(self):
        self.gh_json(404, {"message": "Not Found", "documentation_url":
                           "https://docs.github.com/rest", "status": "404"})

    def route(self):
        token = self.bearer()
        if token is not None and token not in self.known_tokens():
            return self.gh_json(401, {"message": "Bad credentials",
                                      "status": "401"})
        segs = self.url_path.split("/")[1:]
        if len(segs) < 4 or segs[0] != "repos":
            return self.not_found()
        name = segs[1] + "/" + segs[2]
        data = self.state.get("repos", {}).get(name)
        if data is None or (data.get("token") and token != data["token"]):
            return self.not_found()
        repo = Repo(name, data)
        path = urllib.parse.unquote("/".join(segs[4:])).strip("/")
        if segs[3] == "commits" and len(segs) == 4:
            return self.commits(repo)
        if segs[3] == "contents":
            return self.contents(repo, path)
        self.not_found()

    def arg(self, key, default=None):
        return self.query.get(key, [default])[0]

    def commits(self, repo):
        path = (self.arg("path") or "").strip("/")
        head = repo.index(self.arg("sha"))
        if head is None:
            return self.gh_json(404, {"message": "No commit found for SHA: "
                                      + str(self.arg("sha")),
                                      "status": "404"})
        per_page = int(self.arg("per_page", "30"))
        page = int(self.arg("page", "1"))
        touching = []
        for i in range(head, -1, -1):
            mine = snapshot(repo.commits[i], path)
            parent = snapshot(repo.commits[i - 1], path) if i else {}
            if mine != parent:
                touching.append(i)
        chosen = touching[(page - 1) * per_page:page * per_page]
        body = json.dumps([repo.commit_json(i, self.server.ports[0])
                           for i in chosen], indent=1).encode()
        etag = 'W/"%s"' % hashlib.sha256(body).hexdigest()
        if self.headers.get("If-None-Match") == etag:
            return self.reply(304, headers=[("ETag", etag)] + self.limits())
        self.reply(200, body, [("ETag", etag)] + self.limits(),
                   "application/json; charset=utf-8")

    def entry(self, repo, sha, p, local):
        data = read_bytes(local) if local else b""
        api = "http://127.0.0.1:%d/repos/%s/contents/%s?ref=%s" % (
            self.server.ports[0], repo.name, p, sha)
        return {"name": p.rsplit("/", 1)[-1], "path": p,
                "sha": blob_oid(data) if local else sha1_hex(p.encode()),
                "size": len(data), "url": api,
                "html_url": "https://github.invalid/%s/blob/%s/%s" % (
                    repo.name, sha, p),
                "git_url": api,
                "download_url": "http://127.0.0.1:%d/%s/%s/%s" % (
                    self.server.ports[1], repo.name, sha,
                    urllib.parse.quote(p)) if local else None,
                "type": "file" if local else "dir"}

    def contents(self, repo, path):
        i = repo.index(self.arg("ref"))
        if i is None:
            return self.gh_json(404, {"message": "No commit found for the "
                                      "ref " + str(self.arg("ref")),
                                      "status": "404"})
        sha, files = repo.shas[i], repo.commits[i].get("files", {})
        if path in files:
            e = self.entry(repo, sha, path, files[path])
            e["encoding"] = "base64"
            e["content"] = base64.encodebytes(read_bytes(files[path])).decode()
            return self.gh_json(200, e)
        prefix = path + "/" if path else ""
        children = {}
        for p, local in files.items():
            if p.startswith(prefix):
                rest = p[len(prefix):]
                child = prefix + rest.split("/", 1)[0]
                children[child] = local if "/" not in rest else None
        if not children:
            return self.not_found()
        self.gh_json(200, [self.entry(repo, sha, p, children[p])
                           for p in sorted(children)])


class RawHandler(BaseHandler):
    HOST = "raw"

    def route(self):
        segs = [urllib.parse.unquote(s) for s in self.url_path.split("/")[1:]]
        if len(segs) >= 4:
            data = self.state.get("repos", {}).get(segs[0] + "/" + segs[1])
            repo = Repo(segs[0] + "/" + segs[1], data) if data else None
            i = repo.index(segs[2]) if repo else None
            local = repo.commits[i].get("files", {}).get("/".join(segs[3:])) \
                if i is not None else None
            if local:
                body = read_bytes(local)
                return self.serve_bytes(body, '"%s"' % blob_oid(body))
        self.reply(404, b"404: Not Found", (), "text/plain; charset=utf-8")


def main():
    directory = sys.argv[1]
    servers = make_servers(directory, [ApiHandler, RawHandler])
    for s in servers:
        s.used = {False: 0, True: 0}
    serve_http(directory, servers)


if __name__ == "__main__":
    main()
