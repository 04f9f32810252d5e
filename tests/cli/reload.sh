#!/usr/bin/env bash
# A reload that changes a dataset's interval moves its next check: a daily
# dataset made to check every 2 seconds is checked again within seconds,
# and made daily again is left alone.  Before, the check planned under the
# old interval stood until it came (a day later).
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/daemon.sh

tmp=$(mktemp -d)
trap 'daemon_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
printf 'photo,owner\n1,11111111@N00\n' >"$tmp/faces.csv"
config() {
	cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: faces, url: "file://$tmp/faces.csv", format: csv, interval: $1,
      columns: { photo_id: photo, owner_nsid: owner } }
EOF
}
runs() {
	sqlite3 -cmd ".timeout 5000" "$tmp/state/scrapewatch.db" "SELECT count(*) FROM runs WHERE ended IS NOT NULL" 2>/dev/null || echo 0
}
wait_runs() { # N SECONDS
	local end=$((SECONDS + $2))
	until [ "$(runs)" -ge "$1" ] || [ $SECONDS -ge $end ]; do sleep 0.2; done
}

config 1d
daemon_start "$tmp/sw.yaml" "$tmp/daemon.log"
wait_runs 1 20
expect_eq "the first check" "$(runs)" 1
config 2s
kill -HUP "$pid"
wait_runs 3 15
expect_eq "after the reload to 2s, checks every 2 s" "$([ "$(runs)" -ge 3 ] && echo yes)" yes
config 1d
kill -HUP "$pid"
sleep 1
n=$(runs)
sleep 5
expect_eq "after the reload back to 1d, no more checks" "$(runs)" "$n"
daemon_stop
expect_contains "both reloads taken" "$(grep -c 'Configuration reloaded' "$tmp/daemon.log")" 2
sw_done
