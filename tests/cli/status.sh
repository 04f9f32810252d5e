#!/usr/bin/env bash
# `scrapewatch status` on two file:// datasets and one subscriber whose
# webhook nobody answers: before any check (never checked, due now, and
# nothing written to the database), after the first check (new releases
# with their counts and hashes, due after the interval, baseline alerts
# pending), after one dataset's file disappears (failed, the error, failures
# in a row, due again after the backoff), after deliveries that cannot
# connect (retried, then failed), with a check planned by the daemon, an
# overdue one and one still running, beside a writer holding the database
# (a snapshot, no waiting), after a dataset leaves the configuration, and on
# usage, configuration and database errors.  Text and JSON each time.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

csv() {
	echo 'photo,owner,page'
	for p in "$@"; do
		IFS=/ read -r owner id <<<"$p"
		echo "$id,$owner,https://www.flickr.com/photos/$owner/$id/"
	done
}
csv 11111111@N00/101 22222222@N00/201 33333333@N00/301 >"$tmp/faces.csv"
csv 11111111@N00/102 44444444@N00/401 >"$tmp/more.csv"

# A port nothing listens on: every delivery fails to connect.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$tmp/key"
chmod 600 "$tmp/key"
config() {
	cat <<-EOF
		state_dir: $tmp/state
		alerts: { webhook_retries: [1s] }
		datasets:
		  - { name: faces, url: "file://$tmp/faces.csv", format: csv, columns: { photo_id: photo, owner_nsid: owner, page_url: page } }
	EOF
	[ "${1:-}" = faces-only ] || cat <<-EOF
		  - { name: more, url: "file://$tmp/more.csv", format: csv, interval: 6h, columns: { photo_id: photo, owner_nsid: owner, page_url: page } }
	EOF
	cat <<-EOF
		subscribers:
		  jane: { webhook: "http://127.0.0.1:$port/jane", secret: { file: $tmp/key } }
		watch:
		  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
	EOF
}
config >"$tmp/sw.yaml"
C=(-c "$tmp/sw.yaml")
db=$tmp/state/scrapewatch.db

# status: the text, exit status checked.
status() {
	run_sw "${C[@]}" status
	[ "$RC" = 0 ] || sw_fail "status: exit $RC: $ERR"
}
# sj EXPR: EXPR over `status --format json` as s, with d[NAME] a dataset.
sj() {
	run_sw "${C[@]}" status --format json
	[ "$RC" = 0 ] || sw_fail "status --format json: exit $RC: $ERR"
	python3 -c "
import json, sys
s = json.load(sys.stdin)
d = {x['name']: x for x in s['datasets']}
print($1)" <<<"$OUT"
}
# block NAME: the dataset's block of the status text, times as TIME.
block() {
	status
	awk -v n="$1" '$1 == n { on = 1 } on && /^$/ { exit } on' <<<"$OUT" |
		sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC/TIME/g'
}
# sql STATEMENT [PARAMS...]: what the daemon would write (Python's sqlite3).
sql() {
	python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
for row in db.execute(sys.argv[2], [int(a) for a in sys.argv[3:]]):
    print(*row)' "$db" "$@"
}
utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M UTC'; }
sha() { sha256sum <"$1" | cut -c1-"${2:-64}"; }
size() { stat -c %s "$1"; }

# --- nothing checked yet ----------------------------------------------------
status
expect_eq "never checked: text" "$OUT" "faces  every 1d
  last check   never
  failures     none
  release      none yet
  due          now (never checked)

more  every 6h
  last check   never
  failures     none
  release      none yet
  due          now (never checked)

outbox
  pending      0
  sent         0
  failed       0"
expect_eq "never checked: JSON" "$(sj "[(x['name'], x['configured'], x['interval'], x['last_check'], x['consecutive_failures'], x['release'], x['next_check'], x['due'], x['due_now']) for x in s['datasets']]")" \
	"[('faces', True, 86400, None, 0, None, None, None, True), ('more', True, 21600, None, 0, None, None, None, True)]"
expect_eq "never checked: JSON alerts" "$(sj "s['alerts']")" \
	"{'pending': 0, 'sent': 0, 'failed': 0, 'next_due': None}"
expect_eq "status writes no dataset rows" "$(sql 'SELECT count(*) FROM datasets')" 0

# --- the first check: release 1 of each, baselines for jane -----------------
t0=$(date +%s)
run_sw "${C[@]}" check --all
t1=$(date +%s)
expect_eq "check: exit" "$RC" 0
expect_eq "after check: faces block" "$(block faces)" "faces  every 1d
  last check   TIME  new-release  $(size "$tmp/faces.csv") B read
  failures     none
  release      1, ingested TIME  $(size "$tmp/faces.csv") B  sha256 $(sha "$tmp/faces.csv" 16)...
               3 entries: 3 added, 0 removed, 0 reincluded
  due          TIME"
expect_eq "after check: more's counts" "$(block more | sed -n 5p)" \
	"               2 entries: 2 added, 0 removed, 0 reincluded"
expect_eq "after check: JSON last check" \
	"$(sj "[(x['last_check']['outcome'], x['last_check']['http_status'], x['last_check']['error'], x['last_check']['bytes'], $t0 <= x['last_check']['started'] <= x['last_check']['ended'] <= $t1) for x in s['datasets']]")" \
	"[('new-release', None, None, $(size "$tmp/faces.csv"), True), ('new-release', None, None, $(size "$tmp/more.csv"), True)]"
expect_eq "after check: JSON release" \
	"$(sj "[(r['number'], r['entries'], r['added'], r['removed'], r['reincluded'], r['bad_records'], r['size'], r['sha256'], $t0 <= r['ingested'] <= $t1) for r in (x['release'] for x in s['datasets'])]")" \
	"[(1, 3, 3, 0, 0, 0, $(size "$tmp/faces.csv"), '$(sha "$tmp/faces.csv")', True), (1, 2, 2, 0, 0, 0, $(size "$tmp/more.csv"), '$(sha "$tmp/more.csv")', True)]"
expect_eq "after check: due after the interval, not planned" \
	"$(sj "[(x['consecutive_failures'], x['next_check'], x['due'] - x['last_check']['started'], x['due_now']) for x in s['datasets']]")" \
	"[(0, None, 86400, False), (0, None, 21600, False)]"
started=$(sj "d['more']['last_check']['started']")
status
expect_contains "after check: text due time" "$OUT" "  due          $(utc $((started + 21600)))

outbox"
expect_eq "after check: JSON alerts: jane's two baselines" \
	"$(sj "(s['alerts']['pending'], s['alerts']['sent'], s['alerts']['failed'], $t0 <= s['alerts']['next_due'] <= $t1)")" \
	"(2, 0, 0, True)"
next_due=$(sj "s['alerts']['next_due']")
expect_contains "after check: text outbox" "$OUT" "outbox
  pending      2, next due $(utc "$next_due") (now: scrapewatch deliver sends them)
  sent         0
  failed       0"

# --- more's file disappears: failed, twice ----------------------------------
mv "$tmp/more.csv" "$tmp/more.gone"
run_sw "${C[@]}" check --all
expect_eq "failed check: exit" "$RC" 69
error=$(sed -n 's/^error: more: check failed: \(.*\) (1 failure in a row); the index is unchanged$/\1/p' <<<"$ERR")
expect_contains "failed check: the error names the file" "$error" "file://$tmp/more.csv"
expect_eq "failed: more block" "$(block more)" "more  every 6h
  last check   TIME  failed
  error        $error
  failures     1 in a row
  release      1, ingested TIME  $(size "$tmp/more.gone") B  sha256 $(sha "$tmp/more.gone" 16)...
               2 entries: 2 added, 0 removed, 0 reincluded
  due          TIME (the last check failed)"
expect_eq "failed: faces unchanged, no failures" "$(block faces | sed -n '2,3p')" \
	"  last check   TIME  unchanged  $(size "$tmp/faces.csv") B read
  failures     none"
expect_eq "failed: JSON" \
	"$(sj "(d['more']['last_check']['outcome'], d['more']['consecutive_failures'], d['more']['release']['number'], d['more']['due'] == d['more']['last_check']['started'] + 60, d['more']['due_now'], d['faces']['last_check']['outcome'], d['faces']['consecutive_failures'])")" \
	"('failed', 1, 1, True, False, 'unchanged', 0)"
expect_eq "failed: JSON error" "$(sj "d['more']['last_check']['error']")" "$error"
run_sw "${C[@]}" check more
expect_eq "failed again: two in a row" "$(block more | sed -n 4p)$(sj "d['more']['consecutive_failures']")" \
	"  failures     2 in a row2"

# --- deliveries that cannot connect: retried, then failed -------------------
t2=$(date +%s)
run_sw "${C[@]}" deliver
expect_eq "deliver: retried" "$OUT" "alerts: 0 sent, 2 to retry, 0 failed"
expect_eq "retried: still pending, due later" \
	"$(sj "(s['alerts']['pending'], s['alerts']['sent'], s['alerts']['failed'], s['alerts']['next_due'] > $next_due, s['alerts']['next_due'] >= $t2)")" \
	"(2, 0, 0, True, True)"
sleep 1.5 # the one retry, after 1s (+10% jitter)
run_sw "${C[@]}" deliver
expect_eq "deliver again: failed" "$OUT" "alerts: 0 sent, 0 to retry, 2 failed"
expect_eq "failed alerts: JSON" "$(sj "s['alerts']")" \
	"{'pending': 0, 'sent': 0, 'failed': 2, 'next_due': None}"
status
expect_contains "failed alerts: text with the hint" "$OUT" "outbox
  pending      0
  sent         0
  failed       2  (scrapewatch outbox --failed lists them)"

# --- the daemon's plan; overdue; a check still running ------------------------
now=$(date +%s)
planned=$((now + 7200))
faces=$(sql "SELECT id FROM datasets WHERE name = 'faces'")
sql 'UPDATE datasets SET next_check = ?1 WHERE id = ?2' "$planned" "$faces"
expect_eq "planned: JSON next_check, due still computed" \
	"$(sj "(d['faces']['next_check'], d['faces']['due'] - d['faces']['last_check']['started'], d['more']['next_check'])")" \
	"($planned, 86400, None)"
expect_eq "planned: text says next check, not due" "$(block faces | tail -n 1)" "  next check   TIME"
status
expect_contains "planned: the daemon's time" "$OUT" "  next check   $(utc "$planned")
"
sql 'UPDATE datasets SET next_check = ?1 WHERE id = ?2' $((now - 60)) "$faces"
expect_eq "planned in the past: overdue" "$(block faces | tail -n 1)" "  next check   TIME (overdue)"
sql 'UPDATE datasets SET next_check = NULL WHERE id = ?1' "$faces"
sql 'UPDATE runs SET started = started - 2 * 86400 WHERE dataset_id = ?1' "$faces"
last=$(sj "d['faces']['last_check']['started']")
status
expect_contains "interval passed: due now, since when" "$OUT" "  due          now (since $(utc $((last + 86400))))
"
expect_eq "interval passed: JSON" "$(sj "(d['faces']['due'] - d['faces']['last_check']['started'], d['faces']['due_now'])")" "(86400, True)"
sql 'INSERT INTO runs(dataset_id, started, http_status) VALUES (?1, ?2, 200)' "$faces" "$now"
expect_eq "running: text" "$(block faces | sed -n '2p;$p')" \
	"  last check   TIME  running  HTTP 200
  due          now (the last check has not ended)"
expect_eq "running: JSON" "$(sj "(d['faces']['last_check']['outcome'], d['faces']['last_check']['started'], d['faces']['last_check']['ended'], d['faces']['last_check']['http_status'], d['faces']['due_now'])")" \
	"('running', $now, None, 200, True)"

# --- beside a writer: a snapshot, and no waiting for its lock ---------------
python3 - "$db" "$tmp/locked" <<-'EOF' &
	import os, sqlite3, sys, time
	db = sqlite3.connect(sys.argv[1], isolation_level=None)
	db.execute("BEGIN IMMEDIATE")
	db.execute("UPDATE datasets SET consecutive_failures = 99")
	open(sys.argv[2], "w").close()
	time.sleep(8)
	db.execute("ROLLBACK")
EOF
writer=$!
for _ in $(seq 50); do [ -e "$tmp/locked" ] && break; sleep 0.1; done
expect_eq "writer: holds the write lock" "$([ -e "$tmp/locked" ] && echo yes)" yes
s0=$(date +%s%N)
run_sw "${C[@]}" status --format json
s1=$(date +%s%N)
expect_eq "beside a writer: exit" "$RC" 0
expect_eq "beside a writer: its uncommitted writes unseen" \
	"$(python3 -c 'import json, sys; print([x["consecutive_failures"] for x in json.load(sys.stdin)["datasets"]])' <<<"$OUT")" "[0, 2]"
expect_eq "beside a writer: no wait for the lock (under 2 s)" "$(((s1 - s0) / 1000000000 < 2))" 1
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true

# --- a dataset no longer configured -----------------------------------------
config faces-only >"$tmp/sw.yaml"
status
expect_eq "unconfigured: listed after the configured, marked" "$(grep -E '^[a-z]' <<<"$OUT")" "faces  every 1d
more  (no longer configured)
outbox"
expect_eq "unconfigured: its block" "$(block more)" "more  (no longer configured)
  last check   TIME  failed
  error        $error
  failures     2 in a row
  release      1, ingested TIME  $(size "$tmp/more.gone") B  sha256 $(sha "$tmp/more.gone" 16)...
               2 entries: 2 added, 0 removed, 0 reincluded
  next check   none: no longer in the configuration"
expect_eq "unconfigured: JSON" \
	"$(sj "[(x['name'], x['configured'], x['interval'], x['next_check'], x['due'], x['due_now'], x['release']['number']) for x in s['datasets']]")" \
	"[('faces', True, 86400, None, $now, True, 1), ('more', False, None, None, None, False, 1)]"

# --- errors: usage, configuration, database ---------------------------------
run_sw "${C[@]}" status extra
expect_eq "an argument: usage" "$RC" 64
run_sw "${C[@]}" status --format csv
expect_eq "csv: usage" "$RC:$OUT" "64:"
expect_contains "csv: why" "$ERR" "status prints text or json"
printf 'state_dir: %s\nnonsense: 1\n' "$tmp/state" >"$tmp/bad.yaml"
run_sw -c "$tmp/bad.yaml" status
expect_eq "a configuration error" "$RC" 78
sql 'DROP TABLE releases'
run_sw "${C[@]}" status
expect_eq "database error: exit 74, nothing printed" "$RC:$OUT" "74:"
expect_contains "database error: why" "$ERR" "Cannot read the database"

sw_done
