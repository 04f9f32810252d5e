#!/usr/bin/env bash
# An archive whose member glob matches several members, as COCO's
# annotations zip holds instances_train2017.json and instances_val2017.json:
# both are read, each a file of the release that its entries remember; the
# next edition has exactly its changes; the same archive again is
# unchanged; a glob that matches nothing is a clear error.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/servers.sh # SW_PYTHON

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# coco ZIP TRAIN-IDS VAL-IDS: the annotations zip, a README beside.
coco() {
	"$SW_PYTHON" - "$@" <<'PY'
import json, sys, zipfile
def doc(ids):
    return json.dumps({"images": [
        {"id": i, "license": 4,
         "flickr_url": "http://farm7.staticflickr.com/6116/%d_da26cf2c9e_z.jpg" % (5000 + i)}
        for i in ids]})
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("annotations/README.txt", "COCO annotations\n")
    z.writestr("annotations/instances_train2017.json", doc(map(int, sys.argv[2].split(","))))
    z.writestr("annotations/captions_train2017.json", doc([999]))
    z.writestr("annotations/instances_val2017.json", doc(map(int, sys.argv[3].split(","))))
PY
}
coco "$tmp/v1.zip" 1,2,3 10,11
coco "$tmp/v2.zip" 1,2,3 11,12,13

cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
cache_dir: $tmp/cache
datasets:
  - name: coco
    url: http://images.cocodataset.org/annotations/annotations_trainval2017.zip
    format: json
    member: "annotations/instances_*2017.json"
    records: "images[]"
    fields: { key: id, image_url: flickr_url }
  - name: nomatch
    url: http://images.cocodataset.org/annotations/annotations_trainval2017.zip
    format: json
    member: "annotations/person_keypoints_*.json"
    records: "images[]"
    fields: { key: id, image_url: flickr_url }
EOF
db() { sqlite3 -cmd ".timeout 5000" "$tmp/state/scrapewatch.db" "$1"; }
# The file of the entry KEY that release SEQ added, as diff names it.
file_of() {
	run_sw -c "$tmp/sw.yaml" diff coco "$2" --format json
	"$SW_PYTHON" -c '
import json, sys
for c in json.loads(sys.stdin.read())["changes"]:
    if c["key"] == sys.argv[1] or (c["key"] == "" and str(c["photo_id"]) == sys.argv[1]):
        print(c["file"])
' "$1" <<<"$OUT"
}

run_sw -c "$tmp/sw.yaml" import coco "$tmp/v1.zip"
expect_eq "the first edition: exit" "$RC" 0
expect_contains "both instance files, 5 entries" "$OUT" "5 entries; 5 added"
expect_contains "as two files" "$OUT" "(2 files,"
expect_eq "the release's files are the two members" \
	"$(db "SELECT name FROM release_files ORDER BY name" | tr '\n' ' ')" \
	"annotations/instances_train2017.json annotations/instances_val2017.json "
expect_eq "the release's SHA-256 is the archive's" \
	"$(db "SELECT sha256 FROM releases WHERE seq = 1")" "$(sha256sum "$tmp/v1.zip" | cut -d' ' -f1)"
expect_eq "an entry remembers its member" "$(file_of 10 1)" "annotations/instances_val2017.json"
expect_eq "the captions member is not read" "$(file_of 999 1)" ""

run_sw -c "$tmp/sw.yaml" import coco "$tmp/v1.zip"
expect_eq "the same archive again: exit" "$RC" 0
expect_contains "is unchanged" "$OUT" "coco: unchanged: same content as release 1"

run_sw -c "$tmp/sw.yaml" import coco "$tmp/v2.zip"
expect_eq "the second edition: exit" "$RC" 0
expect_contains "exactly its changes" "$OUT" "6 entries; 2 added, 1 removed"
run_sw -c "$tmp/sw.yaml" diff coco --format csv
expect_eq "the diff" "$(grep -oE '^(added|removed),[0-9]+' <<<"$OUT" | sort | tr '\n' ' ')" \
	"added,5012 added,5013 removed,5010 "
expect_eq "a new entry names its member" "$(file_of 13 2)" "annotations/instances_val2017.json"

run_sw -c "$tmp/sw.yaml" import nomatch "$tmp/v1.zip"
expect_eq "a glob matching nothing: exit" "$RC" 65
expect_contains "says so" "$ERR" "no member matching 'annotations/person_keypoints_*.json' in the archive"
expect_eq "and no release" "$(db "SELECT count(*) FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'nomatch'")" 0
sw_done
