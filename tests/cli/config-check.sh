#!/usr/bin/env bash
# The command line: exit codes (sysexits), -c before or after the command,
# errors with file:line:column, help and version.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/good.yaml" <<'YAML'
datasets:
  - { name: ffhq, url: https://example.org/ffhq.json, format: ffhq }
YAML
cat >"$dir/bad.yaml" <<'YAML'
datasets:
  - name: ffhq
    url: https://example.org/ffhq.json
    format: ffhq
    intreval: 6h
  - { name: dif, url: ftp://example.org/dif.csv, format: paths }
YAML

run_sw -c "$dir/good.yaml" config check
expect_eq "good config: status" "$RC" 0
expect_eq "good config: output" "$OUT" \
	"configuration OK: 1 dataset, 0 subscribers, 0 watches (1 file read)"

run_sw config check --config "$dir/good.yaml"
expect_eq "-c after the command" "$RC" 0
run_sw config check --config="$dir/good.yaml"
expect_eq "--config=FILE" "$RC" 0

run_sw -c "$dir/bad.yaml" config check
expect_eq "bad config: EX_CONFIG" "$RC" 78
expect_contains "bad config: first error" "$ERR" \
	"$dir/bad.yaml:5:5: unknown key 'intreval' in dataset; did you mean 'interval'?"
expect_contains "bad config: second error" "$ERR" \
	"$dir/bad.yaml:6:23: unsupported dataset URL 'ftp://example.org/dif.csv'"
expect_eq "bad config: nothing on stdout" "$OUT" ""

run_sw -c "$dir/missing.yaml" config check
expect_eq "missing file: EX_NOINPUT" "$RC" 66
expect_contains "missing file: message" "$ERR" \
	"$dir/missing.yaml: cannot read configuration file: No such file or directory"

run_sw frobnicate
expect_eq "unknown command: EX_USAGE" "$RC" 64
expect_contains "unknown command: message" "$ERR" "Unknown command 'frobnicate'"

run_sw
expect_eq "no command: EX_USAGE" "$RC" 64
expect_contains "no command: usage" "$ERR" "Usage: scrapewatch"

run_sw config check extra
expect_eq "extra argument: EX_USAGE" "$RC" 64

run_sw -c
expect_eq "-c without value: EX_USAGE" "$RC" 64

run_sw --version
expect_eq "--version" "$OUT" "scrapewatch 0.1.0"
run_sw --help
expect_eq "--help: status" "$RC" 0
expect_contains "--help lists config check" "$OUT" "config check"

# Under systemd ($JOURNAL_STREAM naming our stderr) lines carry priorities.
run_sw -c "$dir/bad.yaml" config check
expect_not_contains "terminal: no priority prefix" "$ERR" "<3>"
expect_contains "terminal: error prefix" "$ERR" "error: $dir/bad.yaml:5:5:"
: >"$dir/journal"
JOURNAL_STREAM=$(stat -c '%d:%i' "$dir/journal") \
	"$SW" -c "$dir/bad.yaml" config check 2>>"$dir/journal" || true
expect_contains "journal: priority prefix" "$(cat "$dir/journal")" "<3>$dir/bad.yaml:5:5:"

sw_done
