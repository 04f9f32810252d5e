#!/usr/bin/env bash
# kill -9 in the middle of an ingest, at several moments (parse, commit):
# afterwards the database passes PRAGMA integrity_check, the index is
# exactly as it was before (same releases, same newest release), and a
# rerun completes the release.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/sw.yaml" <<YAML
state_dir: $tmp/state
datasets:
  - { name: yfcc, url: file:///dev/null, format: yfcc100m }
YAML
# rows FROM TO: YFCC rows with photo ids FROM..TO.
rows() {
	awk -v from="$1" -v to="$2" 'BEGIN { OFS = "\t"
		for (i = from; i <= to; i++)
			print i, (i % 997) "@N00", "name", "", "", "", "", "", "", "", "",
			      "", "", "http://www.flickr.com/photos/" (i % 997) "@N00/" i "/",
			      "", "", "", "", "", "", "", "jpg", "0" }'
}
rows 1000000 1000999 >"$tmp/v1.tsv"
rows 1000500 1400000 >"$tmp/v2.tsv"

run_sw -c "$tmp/sw.yaml" import yfcc "$tmp/v1.tsv"
expect_eq "v1 imported" "$RC" 0
before=$("$SW" -c "$tmp/sw.yaml" releases yfcc | tail -n +2 | cut -c1-60)

for delay in 0.05 0.2 0.5 1 1.5 2 3; do
	"$SW" -c "$tmp/sw.yaml" import yfcc "$tmp/v2.tsv" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	expect_eq "after kill at ${delay}s: integrity" \
		"$(sqlite3 "$tmp/state/scrapewatch.db" 'PRAGMA integrity_check')" ok
	now=$("$SW" -c "$tmp/sw.yaml" releases yfcc | tail -n +2 | cut -c1-60)
	# A kill after the commit legitimately leaves release 2 in place.
	if [ "$now" != "$before" ]; then
		expect_contains "after kill at ${delay}s: release 2 complete" "$now" \
			"   2  "
		break
	fi
	sw_pass
done

run_sw -c "$tmp/sw.yaml" import yfcc "$tmp/v2.tsv"
expect_eq "rerun completes" "$RC" 0
run_sw -c "$tmp/sw.yaml" diff yfcc 1 2 --format csv
expect_eq "release 2 added" "$(printf '%s\n' "$OUT" | grep -c '^added,')" 399001
expect_eq "release 2 removed" "$(printf '%s\n' "$OUT" | grep -c '^removed,')" 500
expect_eq "final integrity" \
	"$(sqlite3 "$tmp/state/scrapewatch.db" 'PRAGMA integrity_check')" ok
sw_done
