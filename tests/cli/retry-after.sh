#!/usr/bin/env bash
# A host that answers 429 with Retry-After is left alone that long: the
# failed check says when it is due again (the server's 90 minutes, not the
# backoff's one minute), `check` of the due datasets leaves it alone, and
# `status` shows the same time.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh

tmp=$(mktemp -d)
trap 'httpd_stop; rm -rf "$tmp"' EXIT
httpd_start

cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: busy, url: "$HTTPD_URL/fault/429", format: paths, interval: 6h }
EOF
db=$tmp/state/scrapewatch.db
utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M'; }

run_sw -c "$tmp/sw.yaml" check busy
expect_eq "a 429: exit" "$RC" 69
expect_contains "the status is reported" "$ERR" "HTTP 429"
ended=$(sqlite3 "$db" "SELECT ended FROM runs")
expect_eq "the run keeps the wait asked for" "$(sqlite3 "$db" "SELECT retry_after FROM runs")" 5400
expect_contains "due again when the server said" "$ERR" \
	"warning: busy: due again at $(utc $((ended + 5400))) UTC, after the backoff"
run_sw -c "$tmp/sw.yaml" check
expect_eq "check of the due datasets: exit" "$RC" 0
expect_contains "leaves it alone" "$OUT" "busy: not due until $(utc $((ended + 5400))) UTC"
expect_eq "no second request" "$(sqlite3 "$db" "SELECT count(*) FROM runs")" 1
sw_done
