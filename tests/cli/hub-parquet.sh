#!/usr/bin/env bash
# A LAION-shaped dataset, four Parquet shards written by DuckDB, on the
# loopback Hugging Face Hub (tests/lib/hf_hub.py), through `scrapewatch
# check`: the first release reads every shard; the same commit again is one
# request; a new commit that changes one shard downloads and parses that
# shard alone, with exactly its changes.  The shards' rows carry only
# static image URLs, so jane's photos are hers through the ownership table:
# her events name exactly the photos of hers that came and went.
# Needs DuckDB from npm (build/node); without it the test is skipped (77).
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/servers.sh

node_modules=${SW_DUCKDB_NODE_MODULES:-$PWD/build/node/node_modules}
if ! [ -d "$node_modules/@duckdb/node-api" ]; then
	echo "SKIP: no @duckdb/node-api in $node_modules" >&2
	exit 77
fi
tmp=$(mktemp -d)
HUB_PID=''
trap 'servers_stop "$HUB_PID"; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/hub" "$tmp/shards"

ROWS=2000 # a shard's; photo 5000000000 + i is jane's when i % 25 == 0
NODE_PATH=$node_modules node tests/lib/laion_shards.js "$tmp/shards" "$ROWS"
# The ownership table: every photo of the shards, and of the new rows.
{
	echo "photo_id,owner_nsid"
	awk -v n=$((4 * ROWS + 100)) 'BEGIN {
		for (i = 0; i < n; i++)
			printf "%.0f,%s\n", 5000000000 + i, i % 25 == 0 ? "12345678@N00" : (30000000 + i) "@N01"
	}'
} >"$tmp/owners.csv"

C1=1111111111111111111111111111111111111111
C2=2222222222222222222222222222222222222222
s=$tmp/shards
commit1="{\"sha\": \"$C1\", \"files\": {\"README.md\": \"$tmp/owners.csv\",
	\"data/part-00000.parquet\": \"$s/part-00000.parquet\", \"data/part-00001.parquet\": \"$s/part-00001.parquet\",
	\"data/part-00002.parquet\": \"$s/part-00002.parquet\", \"data/part-00003.parquet\": \"$s/part-00003.parquet\"}}"
commit2="{\"sha\": \"$C2\", \"files\": {\"README.md\": \"$tmp/owners.csv\",
	\"data/part-00000.parquet\": \"$s/part-00000.parquet\", \"data/part-00001.parquet\": \"$s/part-00001.parquet\",
	\"data/part-00002.parquet\": \"$s/part-00002-v2.parquet\", \"data/part-00003.parquet\": \"$s/part-00003.parquet\"}}"
hub_state() { # COMMITS
	printf '{"repos": {"laion/laion2B-en": {"plain": ["*.md"], "commits": [%s]}}}\n' "$1" >"$tmp/hub/state.json.tmp"
	mv "$tmp/hub/state.json.tmp" "$tmp/hub/state.json"
	: >"$tmp/hub/log"
}
hub_state "$commit1"
servers_start hf_hub "$tmp/hub" "$tmp/hub/ready" "$SW_PYTHON" tests/lib/hf_hub.py "$tmp/hub"
HUB_PID=$SERVERS_PID
read -r HUB_PORT _ <"$tmp/hub/ready"

cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
cache_dir: $tmp/cache
datasets:
  - name: owners
    url: "file://$tmp/owners.csv"
    format: csv
    columns: { photo_id: photo_id, owner_nsid: owner_nsid }
    ownership: true
  - name: laion
    huggingface: { repo: laion/laion2B-en, files: "data/*.parquet", endpoint: "http://127.0.0.1:$HUB_PORT" }
    format: parquet
    columns: { key: SAMPLE_ID, url: URL, license: LICENSE }
subscribers:
  jane: { email: jane@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00 } }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
EOF
db() { sqlite3 -cmd ".timeout 5000" "$tmp/state/scrapewatch.db" "$1"; }
# photos TYPE RELEASE: jane's photos in laion's events of that type and
# release, sorted, one line.
photos() {
	run_sw -c "$tmp/sw.yaml" matches jane --format csv
	awk -F, -v t="$1" -v r="$2" '$4 == "laion" && $2 == t && $5 == r { print $9 }' <<<"$OUT" | sort -n | tr '\n' ' '
}
# want_photos FIRST LAST STEP [COND]: the photo ids 5000000000 + i.
want_photos() {
	awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { for (i = a; i <= b; i += s) printf "%.0f ", 5000000000 + i }'
}

run_sw -c "$tmp/sw.yaml" check owners
expect_eq "the ownership table: exit" "$RC" 0

run_sw -c "$tmp/sw.yaml" check laion
expect_eq "first check: exit" "$RC" 0
expect_contains "release 1 of the four shards" "$OUT" "laion: release 1 (4 files"
expect_contains "every row" "$OUT" "$((4 * ROWS)) entries; $((4 * ROWS)) added, 0 removed"
expect_contains "all four downloaded" "$OUT" "[4 files: 4 downloaded"
expect_eq "the release is the commit" "$(db "SELECT revision FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'laion'")" "$C1"
expect_eq "jane's photos of release 1, found through the ownership table" \
	"$(run_sw -c "$tmp/sw.yaml" matches jane --format csv; awk -F, '$4 == "laion" { print $8 }' <<<"$OUT" | sort -u)" "ownership table"
expect_eq "all 320 of them" "$(run_sw -c "$tmp/sw.yaml" matches jane --format csv; awk -F, '$4 == "laion"' <<<"$OUT" | wc -l)" $((4 * ROWS / 25))

hub_state "$commit1"
run_sw -c "$tmp/sw.yaml" check laion
expect_eq "same commit: exit" "$RC" 0
expect_contains "unchanged" "$OUT" "laion: unchanged: same content as release 1"
expect_eq "one request, to the revision" "$(awk '{ print $4 }' "$tmp/hub/log")" "/api/datasets/laion/laion2B-en/revision/main"

hub_state "$commit1, $commit2"
run_sw -c "$tmp/sw.yaml" check laion
expect_eq "new commit: exit" "$RC" 0
expect_contains "release 2: exactly part 2's changes" "$OUT" \
	"$((4 * ROWS - 40 + 100)) entries; 100 added, 40 removed"
expect_contains "one shard downloaded and parsed" "$OUT" "[4 files: 1 downloaded"
expect_contains "one parsed" "$OUT" ", 1 parsed]"
expect_eq "the run record" "$(db "SELECT files || ' ' || files_fetched || ' ' || files_parsed FROM runs ORDER BY id DESC LIMIT 1")" "4 1 1"
expect_eq "only part 2 resolved" "$(grep -o '/resolve/[^ ]*' "$tmp/hub/log")" "/resolve/$C2/data/part-00002.parquet"
expect_eq "jane's photos removed: part 2's i % 50 == 0" "$(photos photo.removed 2)" \
	"$(want_photos $((2 * ROWS)) $((3 * ROWS - 1)) 50)"
expect_eq "jane's photos included: the new rows' i % 25 == 0" "$(photos photo.included 2)" \
	"$(want_photos $((4 * ROWS)) $((4 * ROWS + 99)) 25)"
sw_done
