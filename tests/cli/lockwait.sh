#!/usr/bin/env bash
# Nobody waits for an ingest: the daemon checks two datasets at once, each
# release adding or removing 150,000 entries, while the command line runs
# `deliver` and a check of a small dataset (a write) again and again; no command fails with "busy", and no
# connection waits more than a second for the write lock (each says so in
# its log when it does: shown first with a writer that holds the lock).
# Before the entries moved to segment files, a release's transaction
# inserted every entry and held the lock for seconds.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/dblock.sh
. tests/lib/daemon.sh
. tests/lib/servers.sh # SW_PYTHON

ROWS=150000
tmp=$(mktemp -d)
trap 'daemon_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

csv() { # FILE FIRST: ROWS photos from FIRST on, one owner per 50
	awk -v first="$2" -v rows="$ROWS" 'BEGIN {
		print "photo,owner,url"
		for (i = first; i < first + rows; i++)
			printf "%d,%d@N%02d,https://farm1.staticflickr.com/1/%d_abcdef.jpg\n",
				i, 10000000 + int(i / 50), i % 10, i
	}' >"$1.tmp"
	mv "$1.tmp" "$1" # the daemon never reads half a file
}
csv "$tmp/a.csv" 1
csv "$tmp/b.csv" 1000000
printf 'photo,owner\n1,10000000@N00\n' >"$tmp/small.csv"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
fetch: { concurrency: 2 }
datasets:
  - { name: a, url: "file://$tmp/a.csv", format: csv, interval: 1s,
      columns: { photo_id: photo, owner_nsid: owner, image_url: url } }
  - { name: b, url: "file://$tmp/b.csv", format: csv, interval: 1s,
      columns: { photo_id: photo, owner_nsid: owner, image_url: url } }
  - { name: small, url: "file://$tmp/small.csv", format: csv, interval: 1h,
      columns: { photo_id: photo, owner_nsid: owner } }
subscribers:
  jane: { email: jane@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 10000000@N00 } }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
EOF
db=$tmp/state/scrapewatch.db
notice="for the database's write lock"

# The warning is real: a writer holding the lock for 3 s makes a check,
# which records its run, wait.
run_sw -c "$tmp/sw.yaml" status
db_hold "$db" 3 "$tmp/held"
run_sw -c "$tmp/sw.yaml" check small
wait "$holder" || true
expect_eq "a check behind a 3 s writer: exit" "$RC" 0
expect_contains "it says it waited for the lock" "$ERR" "$notice"

releases() { sqlite3 -cmd ".timeout 5000" "$db" "SELECT count(*) FROM releases WHERE dataset_id IN (SELECT id FROM datasets WHERE name = '$1')"; }
# deliver_until RELEASES: runs deliver, and a check of small (which
# writes), until a and b have that many releases (at most 120 s), their
# stderr gathered; prints how many delivers ran to the end.
deliver_until() {
	local end=$((SECONDS + 120)) n=0
	until [ "$(releases a)" -ge "$1" ] && [ "$(releases b)" -ge "$1" ]; do
		[ $SECONDS -lt $end ] || { sw_fail "the daemon did not land release $1 of both"; return; }
		# exit 75 is deliver's own refusal while the daemon delivers
		# ("Another delivery is running"), not a wait for the database
		local rc=0
		"$SW" -c "$tmp/sw.yaml" deliver >/dev/null 2>>"$tmp/deliver.err" || rc=$?
		case $rc in
		0) n=$((n + 1)) ;;
		75) ;;
		*) echo "deliver failed: exit $rc" >>"$tmp/deliver.err" ;;
		esac
		# a write: the check of small records its run
		"$SW" -c "$tmp/sw.yaml" check small >/dev/null 2>>"$tmp/deliver.err" ||
			echo "check failed: exit $?" >>"$tmp/deliver.err"
		sleep 0.1
	done
	echo "$n"
}

: >"$tmp/deliver.err"
daemon_start "$tmp/sw.yaml" "$tmp/daemon.log"
runs=$(deliver_until 1)
[ "$runs" -gt 3 ] || sw_fail "deliver delivered only $runs times during the first releases"
# Release 2 of each: a third removed, as many added.
csv "$tmp/a.csv" 50001
csv "$tmp/b.csv" 1050000
runs=$(deliver_until 2)
[ "$runs" -gt 3 ] || sw_fail "deliver delivered only $runs times during the second releases"
daemon_stop

expect_contains "a's second release landed" "$(cat "$tmp/daemon.log")" "a: release 2"
expect_contains "b's second release landed" "$(cat "$tmp/daemon.log")" "b: release 2"
expect_contains "with its changes" "$(cat "$tmp/daemon.log")" "150000 entries; 50000 added, 50000 removed"
expect_not_contains "the daemon never waited a second for the lock" "$(cat "$tmp/daemon.log")" "$notice"
expect_not_contains "no busy failure in the daemon" "$(cat "$tmp/daemon.log")" "busy"
expect_not_contains "deliver never waited a second for the lock" "$(cat "$tmp/deliver.err")" "$notice"
expect_not_contains "deliver never failed" "$(cat "$tmp/deliver.err")" "deliver failed"
expect_not_contains "the CLI's checks never failed" "$(cat "$tmp/deliver.err")" "check failed"
expect_not_contains "no busy failure in deliver" "$(cat "$tmp/deliver.err")" "busy"
sw_done
