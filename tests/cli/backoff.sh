#!/usr/bin/env bash
# `check` backs off after a failed check, as the daemon does (one rule,
# schedule.c): a dataset whose file is gone fails, `check` says when it is
# due again (a minute after the failed check's start, then two, ...), and
# a second `check` at once leaves it alone instead of failing it again;
# once the wait has passed (the runs moved back in time here) it is checked
# and fails again, two in a row, and the wait doubles.  A dataset named on
# the command line is checked at once whatever the backoff, and a good
# check makes it due one interval on.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'a/1.jpg\nb/2.jpg\n' >"$tmp/list.txt"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: list, url: "file://$tmp/gone.txt", format: paths, interval: 6h }
EOF
C=(-c "$tmp/sw.yaml")
db=$tmp/state/scrapewatch.db

runs() { sqlite3 "$db" "SELECT count(*) FROM runs"; }
last_started() { sqlite3 "$db" "SELECT max(started) FROM runs"; }
utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M'; }
# older SECONDS: every run started that much earlier.
older() { sqlite3 "$db" "UPDATE runs SET started = started - $1, ended = ended - $1"; }

# --- the first failure: due again after a minute -----------------------------
run_sw "${C[@]}" check
expect_eq "first failure: exit" "$RC" 69
expect_contains "first failure: reported" "$ERR" "list: check failed:"
expect_contains "first failure: when it is due again" "$ERR" \
	"warning: list: due again at $(utc $(($(last_started) + 60))) UTC, after the backoff"
expect_eq "first failure: one run" "$(runs)" 1

# --- checked again at once: not due, not failed again ------------------------
run_sw "${C[@]}" check
expect_eq "backing off: exit" "$RC" 0
expect_eq "backing off: says until when" "$OUT" \
	"list: not due until $(utc $(($(last_started) + 60))) UTC"
expect_eq "backing off: no new run" "$(runs)" 1
run_sw "${C[@]}" status --format json
due=$(python3 -c 'import json, sys; d = json.load(sys.stdin)["datasets"][0]
print(d["due"], d["due_now"], d["consecutive_failures"])' <<<"$OUT")
expect_eq "backing off: status agrees" "$due" "$(($(last_started) + 60)) False 1"

# --- the wait is over: checked, fails again, the wait doubles ---------------
older 61
run_sw "${C[@]}" check
expect_eq "second failure: exit" "$RC" 69
expect_eq "second failure: checked" "$(runs)" 2
expect_contains "second failure: two minutes" "$ERR" \
	"warning: list: due again at $(utc $(($(last_started) + 120))) UTC, after the backoff"
older 61
run_sw "${C[@]}" check
expect_eq "still backing off: no new run" "$(runs)" 2
expect_contains "still backing off" "$OUT" "list: not due until"

# --- a dataset named is checked now; success ends the backoff ---------------
cp "$tmp/list.txt" "$tmp/gone.txt"
run_sw "${C[@]}" check list
expect_eq "named: exit" "$RC" 0
expect_eq "named: checked at once" "$(runs)" 3
run_sw "${C[@]}" check
expect_eq "after success: one interval on" "$OUT" \
	"list: not due until $(utc $(($(last_started) + 6 * 3600))) UTC"

sw_done
