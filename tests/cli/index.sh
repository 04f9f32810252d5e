#!/usr/bin/env bash
# The release index end to end: a v1 and a v2 of a small dataset in every
# format (v2 compressed or archived where it can be), imported with the
# real binary; checks the exact added and removed sets, the releases list,
# re-import of identical content, a multi-release diff, and search by NSID,
# by alias in any case and by photo URL, with each hit's history.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

data=tests/data/index
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$data/sw.yaml" "$tmp/sw.yaml"
echo "state_dir: $tmp/state" >>"$tmp/sw.yaml"
C=(-c "$tmp/sw.yaml")

# v2 in other packagings: the index must not care.
bzip2 -c "$data/yfcc-v2.tsv" >"$tmp/yfcc-v2.tsv.bz2"
gzip -c "$data/csv-v2.csv" >"$tmp/csv-v2.csv.gz"
xz -c "$data/paths-v2.txt" >"$tmp/paths-v2.txt.xz"
zstd -q -c "$data/jsonl-v2.jsonl" >"$tmp/jsonl-v2.jsonl.zst"
/usr/bin/python3 - "$data/json-v2.json" "$tmp/coco-v2.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("README.txt", "COCO annotations\n")
    z.write(sys.argv[1], "annotations/instances_val.json")
PY

# changes DATASET: "added 1005;removed 1001" from 'diff --format csv'.
changes() {
	run_sw "${C[@]}" diff "$@" --format csv
	[ "$RC" = 0 ] || sw_fail "diff $*: exit $RC: $ERR"
	printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1,2 | tr , ' ' | sort | paste -sd';'
}

import_pair() { # NAME V1 V2 EXPECTED-CHANGES
	run_sw "${C[@]}" import "$1" "$2"
	expect_eq "$1 v1 import" "$RC" 0
	run_sw "${C[@]}" import "$1" "$3"
	expect_eq "$1 v2 import" "$RC" 0
	expect_contains "$1 v2 summary" "$OUT" "$1: release 2"
	expect_eq "$1 v1->v2 changes" "$(changes "$1")" "$4"
}

import_pair yfcc "$data/yfcc-v1.tsv" "$tmp/yfcc-v2.tsv.bz2" "added 1005;removed 1001"
import_pair ffhq "$data/ffhq-v1.json" "$data/ffhq-v2.json" "added 2004;removed 2002"
import_pair openimages "$data/csv-v1.csv" "$tmp/csv-v2.csv.gz" "added 3003;removed 3002"
import_pair dif "$data/tsv-v1.tsv" "$data/tsv-v2.tsv" "added 4003;removed 4001"
import_pair coco "$data/json-v1.json" "$tmp/coco-v2.zip" "added 5003;removed 5001"
import_pair jsonl "$data/jsonl-v1.jsonl" "$tmp/jsonl-v2.jsonl.zst" "added 6003;removed 6002"
import_pair megaface "$data/paths-v1.txt" "$tmp/paths-v2.txt.xz" "added 7001;removed 7002"

# The first release added everything.
expect_eq "yfcc release 1" "$(changes yfcc 1)" "added 1001;added 1002;added 1003;added 1004"

# Identical content adds no release; a third release brings 1001 back.
run_sw "${C[@]}" import yfcc "$tmp/yfcc-v2.tsv.bz2"
expect_contains "identical content" "$OUT" "yfcc: unchanged: same content as release 2"
cat "$data/yfcc-v2.tsv" "$data/yfcc-v1.tsv" | sort -u >"$tmp/yfcc-v3.tsv"
run_sw "${C[@]}" import yfcc "$tmp/yfcc-v3.tsv"
expect_contains "v3 summary" "$OUT" "5 entries; 0 added, 0 removed, 1 reincluded"
expect_eq "yfcc v2->v3" "$(changes yfcc)" "reincluded 1001"
expect_eq "yfcc v1->v3" "$(changes yfcc 1 3)" "added 1005"

run_sw "${C[@]}" releases yfcc
expect_eq "releases lists three" "$(printf '%s\n' "$OUT" | tail -n +2 | awk '{print $1, $5, $6, $7, $8}' | paste -sd';')" \
	"1 4 4 0 0;2 4 1 1 0;3 5 0 0 1"

# search: by NSID, alias in any case, and photo URL; each hit with history.
run_sw "${C[@]}" search 12345678@N00
expect_contains "NSID: yfcc hits" "$OUT" "photo 1005  owner 12345678@N00 (Jane Doe)"
expect_contains "NSID: megaface hit" "$OUT" "megaface"
expect_contains "NSID: jsonl hit" "$OUT" "photo 6001"
expect_contains "NSID: count" "$OUT" "6 matches for '12345678@N00'"
run_sw "${C[@]}" search JANEDOE
expect_contains "alias: ffhq JaneDoe" "$OUT" "photo 2001  owner JaneDoe"
expect_contains "alias: ffhq janedoe" "$OUT" "photo 2004  owner janedoe"
expect_contains "alias: openimages" "$OUT" "photo 3003"
expect_contains "alias: count" "$OUT" "4 matches for 'JANEDOE'"
run_sw "${C[@]}" search https://www.flickr.com/photos/someone-else/1001/in/photostream/
expect_contains "photo URL: history" "$OUT" "in releases 1, 3-latest"
expect_contains "photo URL: count" "$OUT" "1 match for"
run_sw "${C[@]}" search "http://farm3.staticflickr.com/2076/4001_dd3bd5ae9f_b.jpg"
expect_contains "static URL: removed" "$OUT" "in releases 1 (not in the latest)"
# flic.kr/p/ik is photo 1005 in Flickr's base58 (i = 17, k = 19: 17*58+19).
run_sw "${C[@]}" search https://flic.kr/p/ik
expect_contains "short link" "$OUT" "photo 1005  owner 12345678@N00"
expect_contains "short link: count" "$OUT" "1 match for"
run_sw "${C[@]}" search 1004
expect_contains "bare photo id" "$OUT" "photo 1004  owner 30302697@N00"
run_sw "${C[@]}" search "Jane Doe"
expect_contains "display name is only possible" "$OUT" "possible: display name"

# Errors: unknown dataset, missing file, a broken release leaves the index.
run_sw "${C[@]}" import nosuch "$data/yfcc-v1.tsv"
expect_eq "unknown dataset: usage" "$RC" 64
run_sw "${C[@]}" import yfcc "$tmp/missing.tsv"
expect_eq "missing file: EX_NOINPUT" "$RC" 66
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 37 + 11) % 256 for i in range(3000)))' >"$tmp/junk.bin"
run_sw "${C[@]}" import yfcc "$tmp/junk.bin"
expect_eq "junk: EX_DATAERR" "$RC" 65
expect_contains "junk: reason" "$ERR" "the index is unchanged"
run_sw "${C[@]}" releases yfcc
expect_eq "junk added no release" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 3
# An empty manifest after real ones is refused: it would tell everyone
# their photos were removed.
: >"$tmp/empty.tsv"
printf '\n' >"$tmp/blank.tsv"
for f in empty blank; do
	run_sw "${C[@]}" import yfcc "$tmp/$f.tsv"
	expect_eq "$f release after real ones: EX_DATAERR" "$RC" 65
done
expect_contains "empty release: why" "$ERR" "the release has no entries, the newest before it"
run_sw "${C[@]}" releases yfcc
expect_eq "the empty ones added no release" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 3
sw_done
