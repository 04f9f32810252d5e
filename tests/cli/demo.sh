#!/usr/bin/env bash
# The README's demo command, end to end (without the package set-up).
set -euo pipefail
SW=$1
. tests/lib/assert.sh

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
set +e
log=$(SCRAPEWATCH_BIN=$SW DEMO_OUT=$out demo/run 2>&1)
rc=$?
set -e
expect_eq "demo/run exit status" "$rc" 0
expect_contains "demo: configuration checked" "$log" \
	"configuration OK: 3 datasets, 1 subscriber, 1 watch (2 files read)"
expect_contains "demo: config written" "$(cat "$out/scrapewatch.yaml")" "state_dir: $out/state"
expect_contains "demo: the source tree's catalogue" "$(cat "$out/scrapewatch.yaml")" \
	"catalogue: $PWD/config/datasets"
expect_contains "demo: the catalogue's megaface entry" "$log" "megaface  MegaFace"
expect_contains "demo: megaface has no public source" "$log" \
	"source        none (no public source; import a copy: scrapewatch import"
expect_contains "demo: a copy of megaface imported" "$log" "megaface: release 1 (plain"
expect_contains "demo: jane's photo in megaface, owner from the path" "$log" \
	"jane  megaface release 1  baseline: 1 photo"
expect_contains "demo: second FFHQ release" "$log" \
	"ffhq-demo: release 2 (plain"
expect_contains "demo: gzip release" "$log" "faces-demo: release 2 (gzip, plain"
expect_contains "demo: Jane's new photo" "$log" "added       photo 9912345678  owner janedoe (Jane Doe)"
expect_contains "demo: Jane's removed photo" "$log" "removed     photo 7581654399  owner 12345678@N00 (Jane Doe)"
expect_contains "demo: search by alias" "$log" "2 matches for 'janedoe'"
expect_contains "demo: jane's events" "$log" "jane  ffhq-demo release 2  photo.removed: 1 photo"
expect_contains "demo: the opt-out request" "$log" "Flickr page: https://www.flickr.com/photos/janedoe/9912345678/"
expect_contains "demo: evidence written" "$log" "evidence for 4 photos of jane"
expect_contains "demo: alerts queued" "$log" "4 alerts"
expect_contains "demo: status" "$log" "4 entries: 1 added, 1 removed, 0 reincluded"
expect_contains "demo: status: megaface is never checked" "$log" \
	"next check   never: no public source (import a copy: scrapewatch import megaface FILE)"
sw_done
