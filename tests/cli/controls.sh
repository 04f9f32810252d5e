#!/usr/bin/env bash
# Text from manifests and servers reaches people escaped (issue 14, item
# 19).  A JSON Lines release served by nginx, plain and as a tar.gz whose
# member name holds a terminal escape, has display names, keys and
# licences holding an OSC title sequence with its BEL, a CR LF that would
# forge an "added photo" line, U+202E and U+0085.  check, releases, diff,
# search, matches, status, outbox and optout request must write none of
# them, nor any other control or bidirectional character, to stdout or
# stderr, and show their escapes instead; --format json keeps the exact
# text (\u escapes) and stays valid JSON, --format csv keeps it byte for
# byte.  Then servers (tests/lib/fault_server.py): a reason phrase and a
# Location holding controls are shown escaped by check and status, and an
# ETag with a bare CR (a Last-Modified with an ESC) is never sent back.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh
. tests/lib/servers.sh

tmp=$(mktemp -d)
FAULT_PID=
trap 'httpd_stop; servers_stop "$FAULT_PID"; rm -rf "$tmp"' EXIT
httpd_start

# The hostile strings, as JSON escapes in the manifest.
TITLE='\u001b]0;pwned\u0007'
FORGE='\r\nadded      photo 1  owner 99999999@N00  line 1'
RLO='\u202e'
NEL='\u0085'

# release N IDS...: the manifest, one record per photo of jane's account.
release() {
	local n=$1 id
	shift
	for id in "$@"; do
		printf '{"id": "k%s%s", "url": "https://www.flickr.com/photos/12345678@N00/%s/", "user": "Jane%s%s%s", "license": "CC%s BY"}\n' \
			"$id" "$RLO" "$id" "$TITLE" "$FORGE" "$NEL" "$NEL"
	done >"$tmp/r$n.jsonl"
}
# publish N: release N as hostile.jsonl and inside hostile.tar.gz, as a
# member whose name sets the terminal title.
publish() {
	cp "$tmp/r$1.jsonl" "$HTTPD_WWW/hostile.jsonl"
	"$SW_PYTHON" - "$tmp/r$1.jsonl" "$HTTPD_WWW/hostile.tar.gz" <<-'EOF'
		import sys, tarfile
		with tarfile.open(sys.argv[2], "w:gz", format=tarfile.GNU_FORMAT) as t:
		    t.add(sys.argv[1], arcname="faces\x1b]0;pwned\x07\u202e.jsonl")
	EOF
	chmod 644 "$HTTPD_WWW"/hostile.*
	# nginx's ETag is the size and mtime: each release gets its own.
	touch -d "@$((1700000000 + $1))" "$HTTPD_WWW"/hostile.*
}

cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
fetch: { ca_file: $HTTPD_CA }
datasets:
  - name: plain
    url: "$HTTPD_URL/hostile.jsonl"
    format: jsonl
    fields: { key: id, page_url: url, owner_name: user, license: license }
  - name: archived
    url: "$HTTPD_URL/hostile.tar.gz"
    format: jsonl
    fields: { key: id, page_url: url, owner_name: user, license: license }
subscribers:
  jane: { webhook: "https://hooks.example.org/jane", secret: { file: $tmp/key } }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00 } }
EOF
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$tmp/key"
chmod 600 "$tmp/key"
C=(-c "$tmp/sw.yaml")

# inert FILE: the characters of FILE a terminal would act on, one line
# each ("U+001B at 12"); nothing when there are none.  Line ends and tabs
# of the layout are allowed; bytes that are not UTF-8 are not.
inert() {
	"$SW_PYTHON" - "$1" <<-'EOF'
		import sys
		data = open(sys.argv[1], "rb").read()
		try:
		    text = data.decode("utf-8")
		except UnicodeDecodeError as e:
		    sys.exit(print("not UTF-8 at %d" % e.start))
		bad = set(range(0x20)) - {0x0a, 0x09} | set(range(0x7f, 0xa0)) | \
		    {0x061c, 0x200e, 0x200f, 0x2028, 0x2029} | \
		    set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))
		for i, ch in enumerate(text):
		    if ord(ch) in bad:
		        print("U+%04X at %d" % (ord(ch), i))
	EOF
}

# shown WHAT ARGS...: runs the binary; its stdout and stderr must be inert.
# Sets OUT, ERR and RC.
shown() {
	local what=$1
	shift
	set +e
	"$SW" "$@" >"$tmp/out" 2>"$tmp/err"
	RC=$?
	set -e
	OUT=$(cat "$tmp/out") ERR=$(cat "$tmp/err")
	expect_eq "$what: stdout inert" "$(inert "$tmp/out")" ""
	expect_eq "$what: stderr inert" "$(inert "$tmp/err")" ""
}

# What the escapes look like in a line.
NAME_SHOWN='Jane\x1b]0;pwned\x07\r\nadded      photo 1  owner 99999999@N00  line 1\u0085'

release 1 1001 1002
publish 1
shown "check 1" "${C[@]}" check
expect_eq "check 1: exit" "$RC" 0
expect_contains "check 1: plain" "$OUT" "plain: release 1 "
expect_contains "check 1: the member's name escaped" "$OUT" \
	'member faces\x1b]0;pwned\x07\u202e.jsonl'

release 2 1002 1003
publish 2
shown "check 2" "${C[@]}" check --all
expect_eq "check 2: exit" "$RC" 0

shown releases "${C[@]}" releases archived
expect_contains "releases: the member's name escaped" "$OUT" \
	'member faces\x1b]0;pwned\x07\u202e.jsonl'

shown diff "${C[@]}" diff plain
expect_eq "diff: exit" "$RC" 0
expect_contains "diff: the display name escaped" "$OUT" \
	"added       photo 1003  owner 12345678@N00 ($NAME_SHOWN)  https://www.flickr.com/photos/12345678@N00/1003/  line 2"
expect_eq "diff: one line per change (no forged line)" \
	"$(grep -c '^added\|^removed' "$tmp/out")" 2
expect_contains "diff: summary" "$OUT" "1 added, 1 removed, 0 reincluded"

set +e
"$SW" "${C[@]}" diff plain --format json >"$tmp/diff.json"
set -e
expect_eq "diff json: inert" "$(inert "$tmp/diff.json")" ""
expect_eq "diff json: the exact text" "$("$SW_PYTHON" - "$tmp/diff.json" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1], encoding="utf-8"))
	c = [x for x in d["changes"] if x["change"] == "added"][0]
	want = "Jane\x1b]0;pwned\x07\r\nadded      photo 1  owner 99999999@N00  line 1\x85"
	print(c["display_name"] == want, c["key"] == "k1003\u202e",
	      c["license"] == "CC\x85 BY")
EOF
)" "True True True"

set +e
"$SW" "${C[@]}" diff plain --format csv >"$tmp/diff.csv"
set -e
expect_eq "diff csv: the exact text" "$("$SW_PYTHON" - "$tmp/diff.csv" <<-'EOF'
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
	a = [r for r in rows if r["change"] == "added"][0]
	print(a["display_name"] ==
	      "Jane\x1b]0;pwned\x07\r\nadded      photo 1  owner 99999999@N00  line 1\x85",
	      a["key"] == "k1003\u202e")
EOF
)" "True True"

shown search "${C[@]}" search 12345678@N00
expect_eq "search: exit" "$RC" 0
expect_contains "search: the display name escaped" "$OUT" "($NAME_SHOWN)"
set +e
"$SW" "${C[@]}" search 12345678@N00 --format json >"$tmp/search.json"
set -e
expect_eq "search json: inert and valid" "$(inert "$tmp/search.json")$("$SW_PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/search.json" && echo valid)" valid

shown matches "${C[@]}" matches jane
expect_eq "matches: exit" "$RC" 0
expect_contains "matches: the display name escaped" "$OUT" "($NAME_SHOWN)"
shown "matches json" "${C[@]}" matches jane --format json
expect_eq "matches json: valid" "$("$SW_PYTHON" -c 'import json,sys; json.load(sys.stdin); print("valid")' <"$tmp/out")" valid

shown "optout request" "${C[@]}" optout request jane plain
expect_eq "optout request: exit" "$RC" 0
shown status "${C[@]}" status
expect_eq "status: exit" "$RC" 0
shown outbox "${C[@]}" outbox
expect_eq "outbox: exit" "$RC" 0

# --- servers -----------------------------------------------------------
srv=$tmp/srv
mkdir -p "$srv/www"
httpd_make_tls "$srv"
# The server loads a second certificate it serves on demand; any will do.
cp "$srv/tls/server.crt" "$srv/tls/wronghost.crt"
cp "$srv/tls/server.key" "$srv/tls/wronghost.key"
servers_start fault_server "$srv" "$srv/ready" \
	"$SW_PYTHON" tests/lib/fault_server.py "$srv"
FAULT_PID=$SERVERS_PID
read -r HTTP_PORT _ <"$srv/ready"
F=http://127.0.0.1:$HTTP_PORT
echo "FlickrFinal2/1/12345678@N00/7001_0.jpg" >"$srv/www/x.txt"
cat >"$tmp/fault.yaml" <<EOF
state_dir: $tmp/fstate
datasets:
  - { name: reason, url: "$F/badreason/x.txt", format: paths }
  - { name: location, url: "$F/badlocation/x.txt", format: paths }
  - { name: etag, url: "$F/badetag/x.txt", format: paths }
EOF
FC=(-c "$tmp/fault.yaml")

shown "reason phrase" "${FC[@]}" check reason
expect_eq "reason phrase: exit" "$RC" 69
expect_contains "reason phrase: escaped" "$ERR" \
	'HTTP 503 (Bad \x1b]0;pwned\x07 \u0085 \u202e Gateway)'
shown "reason phrase: status" "${FC[@]}" status
expect_contains "reason phrase: status shows it escaped" "$OUT" \
	'HTTP 503 (Bad \x1b]0;pwned\x07 \u0085 \u202e Gateway)'

shown "Location" "${FC[@]}" check location
expect_eq "Location: not fetched" "$RC" 69
expect_contains "Location: said escaped" "$ERR" '\x1b]0;pwned\x07'
shown "Location: status" "${FC[@]}" status

shown "ETag" "${FC[@]}" check etag
expect_eq "ETag: the file is ingested" "$RC" 0
expect_contains "ETag: refused, said escaped" "$ERR" \
	'\rx"'"'"' holds control characters; ignored'
expect_contains "Last-Modified: refused, said escaped" "$ERR" \
	"the server's Last-Modified '\\x1b[2J"
shown "ETag: again" "${FC[@]}" check etag
expect_eq "ETag: unchanged content, nothing new" "$RC" 0
expect_eq "ETag: no validator sent back" "$(grep -F '"path": "/badetag/x.txt"' "$srv/requests.log" |
	tail -1 | "$SW_PYTHON" -c 'import json,sys; r = json.load(sys.stdin); print(r["if_none_match"], r["if_modified_since"])')" "None None"
expect_eq "ETag: nothing with a control in the database" \
	"$(sqlite3 "$tmp/fstate/scrapewatch.db" "SELECT count(*) FROM datasets WHERE etag GLOB '*'||char(13)||'*' OR last_modified GLOB '*'||char(27)||'*'")" 0

sw_done
