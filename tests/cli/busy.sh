#!/usr/bin/env bash
# Another writer holding the database for longer than a statement's busy
# wait (5 s), as the ingest of a large release does for minutes: checks
# wait for it and queue rather than fail, in the daemon (its checker
# threads) and on the command line; the daemon's event loop never waits
# for it (systemd's reload still gets its answer).  Before, every check
# meeting such a writer failed after 5 s with "Device or resource busy (the
# database could not record it)".  The writer here is a plain SQLite
# connection that holds a write transaction for HOLD seconds.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/dblock.sh
. tests/lib/daemon.sh
. tests/lib/servers.sh # SW_PYTHON

HOLD=9
tmp=$(mktemp -d)
holder=''
trap 'daemon_stop; [ -z "$holder" ] || kill "$holder" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

csv() {
	{
		echo "photo,owner"
		seq "$2" "$3" | sed "s/\$/,11111111@N00/"
	} >"$1"
}
csv "$tmp/a.csv" 1 10
csv "$tmp/b.csv" 100 110
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: a, url: "file://$tmp/a.csv", format: csv, interval: 1s,
      columns: { photo_id: photo, owner_nsid: owner } }
  - { name: b, url: "file://$tmp/b.csv", format: csv, interval: 1s,
      columns: { photo_id: photo, owner_nsid: owner } }
subscribers:
  jane: { email: jane@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
EOF
db=$tmp/state/scrapewatch.db

hold() { db_hold "$db" "$1" "$tmp/held"; }

run_sw -c "$tmp/sw.yaml" check
expect_eq "the first check of both: exit" "$RC" 0

# --- the command line waits for the writer -----------------------------------
hold "$HOLD"
csv "$tmp/a.csv" 1 12
run_sw -c "$tmp/sw.yaml" import a "$tmp/a.csv"
expect_eq "an import meeting a writer waits for it: exit" "$RC" 0
expect_contains "and lands release 2" "$OUT" "a: release 2"
expect_not_contains "no busy error" "$ERR" "busy"
expect_eq "it waited for the writer to end" "$(kill -0 "$holder" 2>/dev/null && echo running)" ""
wait "$holder" || true
holder=''

# --- the daemon: its checks queue behind the writer, its loop does not -------
daemon_start "$tmp/sw.yaml" "$tmp/daemon.log"
runs() {
	sqlite3 -cmd ".timeout 5000" "$db" "SELECT count(*) FROM runs WHERE ended IS NOT NULL AND started >= $1"
}
end=$((SECONDS + 20))
until [ "$(runs 0)" -ge 6 ] || [ $SECONDS -ge $end ]; do sleep 0.2; done
hold_start=$(date +%s)
hold "$HOLD"
# Checks of both datasets fall due while the writer holds the database.
sleep 3
kill -HUP "$pid"
reloaded() { grep -c "Configuration reloaded" "$tmp/daemon.log" || true; }
end=$((SECONDS + 3))
until [ "$(reloaded)" -ge 1 ] || [ $SECONDS -ge $end ]; do sleep 0.1; done
expect_eq "the event loop answers a reload while the writer holds the database" \
	"$(reloaded)" 1
expect_eq "the writer still held it then" "$(kill -0 "$holder" 2>/dev/null && echo running)" running
wait "$holder" || true
holder=''
# After the writer: both datasets checked again, none failed.
end=$((SECONDS + 20))
until [ "$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT count(DISTINCT dataset_id) FROM runs WHERE ended IS NOT NULL AND started >= $hold_start")" = 2 ] ||
	[ $SECONDS -ge $end ]; do sleep 0.2; done
daemon_stop
expect_eq "both datasets were checked during and after the writer" \
	"$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT count(DISTINCT dataset_id) FROM runs WHERE ended IS NOT NULL AND started >= $hold_start")" 2
expect_eq "no check failed" "$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT count(*) FROM runs WHERE outcome = 'failed'")" 0
expect_not_contains "no check failed in the daemon's log" "$(cat "$tmp/daemon.log")" "check failed"
expect_not_contains "no plan lost" "$(cat "$tmp/daemon.log")" "cannot keep the next check"
sw_done
