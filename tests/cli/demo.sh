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
	"configuration OK: 2 datasets, 1 subscriber, 1 watch (1 file read)"
expect_contains "demo: config written" "$(cat "$out/scrapewatch.yaml")" "state_dir: $out/state"
expect_contains "demo: second FFHQ release" "$log" \
	"ffhq-demo: release 2 (plain"
expect_contains "demo: gzip release" "$log" "faces-demo: release 2 (gzip, plain"
expect_contains "demo: Jane's new photo" "$log" "added       photo 9912345678  owner janedoe (Jane Doe)"
expect_contains "demo: Jane's removed photo" "$log" "removed     photo 7581654399  owner 12345678@N00 (Jane Doe)"
expect_contains "demo: search by alias" "$log" "2 matches for 'janedoe'"
expect_contains "demo: jane's events" "$log" "jane  ffhq-demo release 2  photo.removed: 1 photo"
expect_contains "demo: the opt-out request" "$log" "Flickr page: https://www.flickr.com/photos/janedoe/9912345678/"
expect_contains "demo: evidence written" "$log" "evidence for 3 photos of jane"
expect_contains "demo: alerts queued" "$log" "3 alerts"
expect_contains "demo: status" "$log" "4 entries: 1 added, 1 removed, 0 reincluded"
sw_done
