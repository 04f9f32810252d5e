#!/usr/bin/env bash
# The Prometheus textfile (metrics_file:): written by `scrapewatch check`
# (and by the daemon, see daemon.sh), read back with the Prometheus
# project's own parser (python3-prometheus-client), and checked against
# `scrapewatch status --format json` and the database: checks by outcome,
# bytes, releases, entries, events by type, failures, alerts by state.
# Counters never go back across checks; the file is replaced whole (no
# temporary left); a metrics file that cannot be written costs a warning,
# not the check.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/servers.sh # SW_PYTHON: Debian's, with python3-prometheus-client

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

csv() {
	echo 'photo,owner'
	for p in "$@"; do echo "${p#*/},${p%/*}"; done
}
csv 11111111@N00/101 11111111@N00/102 22222222@N00/201 >"$tmp/faces.csv"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$tmp/key"
chmod 600 "$tmp/key"
mkdir "$tmp/textfile"
# config METRICS_FILE
config() {
	cat >"$tmp/sw.yaml" <<-EOF
		state_dir: $tmp/state
		metrics_file: $1
		alerts: { webhook_retries: [1s] }
		datasets:
		  - { name: faces, url: "file://$tmp/faces.csv", format: csv, columns: { photo_id: photo, owner_nsid: owner } }
		  - { name: gone, url: "file://$tmp/gone.csv", format: csv, columns: { photo_id: photo, owner_nsid: owner } }
		subscribers:
		  jane: { webhook: "http://127.0.0.1:$port/jane", secret: { file: $tmp/key } }
		watch:
		  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
	EOF
}
prom=$tmp/textfile/scrapewatch.prom
config "$prom"
C=(-c "$tmp/sw.yaml")

# samples: the file as "name{labels} value" lines, sorted, through the
# Prometheus parser (which fails on anything that is not the text format);
# every family must have its HELP and TYPE, and counters end in _total.
samples() {
	"$SW_PYTHON" - "$prom" <<-'EOF'
		import sys
		from prometheus_client.parser import text_string_to_metric_families
		text = open(sys.argv[1]).read()
		out = []
		for fam in text_string_to_metric_families(text):
		    assert f"# HELP {fam.name}" in text and f"# TYPE {fam.name}" in text, fam.name
		    assert fam.type in ("counter", "gauge"), fam.type
		    for s in fam.samples:
		        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
		        out.append(f"{s.name}{{{labels}}} {int(s.value)}")
		print("\n".join(sorted(out)))
	EOF
}
value() { samples | awk -v k="$1" '$1 == k { print $2 }'; }
sj() {
	"$SW" "${C[@]}" status --format json |
		"$SW_PYTHON" -c "import json, sys; s = json.load(sys.stdin); d = {x['name']: x for x in s['datasets']}; print($1)"
}

# --- the first check: one release, one failure --------------------------------
run_sw "${C[@]}" check
expect_eq "check: exit (one dataset failed)" "$RC" 69
# 0640 (issue 14, item 12): the collector reads it through its group.
expect_eq "the file is there, readable by the owner and its group" "$(stat -c %a "$prom")" 640
expect_eq "no temporary file left" "$(ls "$tmp/textfile")" scrapewatch.prom
first=$(samples)
expect_eq "parsed by the Prometheus parser: 15 samples" "$(grep -c . <<<"$first")" 15
expect_eq "checks by outcome" "$(grep '^scrapewatch_checks_total' <<<"$first")" \
	"scrapewatch_checks_total{dataset=faces,outcome=new-release} 1
scrapewatch_checks_total{dataset=gone,outcome=failed} 1"
expect_eq "bytes downloaded" "$(value 'scrapewatch_downloaded_bytes_total{dataset=faces}')" "$(stat -c %s "$tmp/faces.csv")"
expect_eq "releases" "$(value 'scrapewatch_releases_total{dataset=faces}') $(value 'scrapewatch_releases_total{dataset=gone}')" "1 0"
expect_eq "entries of the newest release" "$(value 'scrapewatch_entries{dataset=faces}')" 3
expect_eq "no entries line for a dataset without a release" "$(value 'scrapewatch_entries{dataset=gone}')" ""
expect_eq "events: jane's baseline" "$(grep '^scrapewatch_events_total' <<<"$first")" \
	"scrapewatch_events_total{dataset=faces,type=baseline} 1"
expect_eq "failures in a row, as status says" \
	"$(value 'scrapewatch_consecutive_failures{dataset=faces}') $(value 'scrapewatch_consecutive_failures{dataset=gone}')" \
	"$(sj "d['faces']['consecutive_failures'], d['gone']['consecutive_failures']")"
expect_eq "last check, as status says" "$(value 'scrapewatch_last_check_timestamp_seconds{dataset=gone}')" \
	"$(sj "d['gone']['last_check']['ended']")"
expect_eq "alerts by state, as status says (every state, 0 included)" \
	"$(value 'scrapewatch_alerts{state=pending}') $(value 'scrapewatch_alerts{state=sent}') $(value 'scrapewatch_alerts{state=failed}')" \
	"$(sj "s['alerts']['pending'], s['alerts']['sent'], s['alerts']['failed']")"

# --- a second release: one of jane's photos goes ------------------------------
csv 11111111@N00/101 22222222@N00/201 22222222@N00/202 >"$tmp/faces.csv"
run_sw "${C[@]}" check faces
expect_eq "check faces: exit" "$RC" 0
second=$(samples)
expect_eq "checks: one more new release" "$(value 'scrapewatch_checks_total{dataset=faces,outcome=new-release}')" 2
expect_eq "releases: 2" "$(value 'scrapewatch_releases_total{dataset=faces}')" 2
expect_eq "the removal counted" "$(value 'scrapewatch_events_total{dataset=faces,type=photo.removed}')" 1
expect_eq "alerts pending, as the database says" "$(value 'scrapewatch_alerts{state=pending}')" \
	"$(sqlite3 "$tmp/state/scrapewatch.db" 'SELECT count(*) FROM alerts WHERE state = 0')"
# No counter went back: every _total of the first file is <= the second's.
expect_eq "counters never go back" "$("$SW_PYTHON" - "$first" "$second" <<-'EOF'
	import sys
	def parse(t):
	    return {l.rsplit(" ", 1)[0]: int(l.rsplit(" ", 1)[1]) for l in t.splitlines()}
	a, b = parse(sys.argv[1]), parse(sys.argv[2])
	print(all(b.get(k, -1) >= v for k, v in a.items() if "_total{" in k))
EOF
)" True

# --- the same release again: unchanged ----------------------------------------
run_sw "${C[@]}" check faces
expect_eq "unchanged counted" "$(value 'scrapewatch_checks_total{dataset=faces,outcome=unchanged}')" 1

# --- a metrics file that cannot be written ------------------------------------
config "$tmp/no-such-dir/scrapewatch.prom"
run_sw "${C[@]}" check faces
expect_eq "unwritable metrics file: the check still succeeds" "$RC" 0
expect_contains "and says why" "$ERR" "Cannot write the metrics file $tmp/no-such-dir/scrapewatch.prom: No such file or directory"
expect_eq "the run is recorded all the same" \
	"$(sj "d['faces']['last_check']['outcome']")" unchanged

# --- only the main file may name it -------------------------------------------
mkdir "$tmp/conf.d"
echo "metrics_file: $tmp/x.prom" >"$tmp/conf.d/10-x.yaml"
printf 'include: %s/conf.d/*.yaml\n' "$tmp" >>"$tmp/sw.yaml"
run_sw "${C[@]}" config check
expect_eq "in a drop-in: a configuration error" "$RC" 78
expect_contains "named where" "$ERR" "10-x.yaml:1:1: 'metrics_file' may only be set in the main configuration file"
sw_done
