#!/usr/bin/env bash
# Manifests that are Parquet files, as the LAION family is published: files
# written by DuckDB (V1 and V2 pages, each codec, dictionaries and PLAIN,
# nulls, several row groups, a LAION-shaped file with upper-case columns,
# a Re-LAION-shaped one with lower-case ones, columns inside optional
# groups by their dotted paths) are imported, and the
# entries scrapewatch keeps are exactly what DuckDB reads from each file.
# DuckDB comes from the npm registry through tests/lib/setup.sh
# (build/node); without it the test is skipped (exit 77).
set -euo pipefail
SW=$1
. tests/lib/assert.sh

node_modules=${SW_DUCKDB_NODE_MODULES:-$PWD/build/node/node_modules}
if ! [ -d "$node_modules/@duckdb/node-api" ]; then
	echo "SKIP: no @duckdb/node-api in $node_modules" >&2
	exit 77
fi
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

NODE_PATH=$node_modules node tests/lib/parquet_fixtures.js "$tmp" >"$tmp/names"
generic="{ key: SAMPLE_ID, url: URL, owner_name: TEXT, license: W }"
{
	echo "state_dir: $tmp/state"
	echo "datasets:"
	while read -r name; do
		case $name in
		laion) map="{ key: SAMPLE_ID, url: URL, license: LICENSE }" ;;
		relaion) map="{ url: url, owner_name: caption }" ;;
		nested) map="{ url: img.url, license: img.size.w }" ;;
		*) map=$generic ;;
		esac
		echo "  - { name: $name, url: \"file://$tmp/$name.parquet\", format: parquet, columns: $map }"
	done <"$tmp/names"
} >"$tmp/sw.yaml"
run_sw -c "$tmp/sw.yaml" config check
expect_eq "the configuration is good" "$RC" 0

# entries NAME: the fields of release 1 the column maps fill, sorted, in
# the fixtures' .want layout (no value holds a comma), without the quote
# that CSV output puts before a value starting with '-'.
entries() {
	run_sw -c "$tmp/sw.yaml" diff "$1" 1 --format csv
	printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f5,6,8,9,10 |
		sed "s/,'-/,-/g" | LC_ALL=C sort
}
while read -r name; do
	run_sw -c "$tmp/sw.yaml" import "$name" "$tmp/$name.parquet"
	expect_eq "$name: imported" "$RC" 0
	expect_eq "$name: the entries are what DuckDB reads" \
		"$(entries "$name")" "$(LC_ALL=C sort "$tmp/$name.want")"
done <"$tmp/names"

# The files hold what the test is about, as DuckDB's metadata says.
expect_contains "V1: strings PLAIN (the dictionary given up)" \
	"$(cat "$tmp/v1-gzip.enc")" "URL PLAIN 3"
expect_contains "V1: a dictionary column, in 3 row groups" \
	"$(cat "$tmp/v1-gzip.enc")" "TEXT PLAIN_DICTIONARY 3"
expect_contains "V2: integers DELTA_BINARY_PACKED" \
	"$(cat "$tmp/v2-zstd.enc")" "W DELTA_BINARY_PACKED 3"
expect_contains "V2: strings DELTA_LENGTH_BYTE_ARRAY" \
	"$(cat "$tmp/v2-zstd.enc")" "URL DELTA_LENGTH_BYTE_ARRAY 3"
expect_contains "V2: a dictionary column, RLE_DICTIONARY" \
	"$(cat "$tmp/v2-zstd.enc")" "TEXT RLE_DICTIONARY 3"

# The Flickr image URLs give their photo ids.
run_sw -c "$tmp/sw.yaml" search 5000000013
expect_contains "a LAION row's photo id is found" "$OUT" "laion"
run_sw -c "$tmp/sw.yaml" search 4000039999
expect_contains "the last Re-LAION row's photo id is found" "$OUT" "relaion"

cat >"$tmp/bad.yaml" <<YAML
datasets:
  - { name: p, url: "file://$tmp/laion.parquet", format: parquet }
YAML
run_sw -c "$tmp/bad.yaml" config check
expect_eq "parquet without columns: refused" "$RC" 78
expect_contains "parquet needs columns, with an example" "$ERR" \
	"dataset 'p': format parquet needs 'columns' to say which entry fields to read (e.g. columns: { key: SAMPLE_ID, url: URL })"

# Row groups are decoded ahead on a second thread: an error in the last
# row group still names it, after the earlier groups' entries, and the
# release is refused whole; a cap the ingest hits part-way stops the
# reader with the cap's error.
cp "$tmp/v1-snappy.parquet" "$tmp/late.parquet"
at=$(NODE_PATH=$node_modules node -e '
const { DuckDBInstance } = require("@duckdb/node-api");
(async () => {
  const c = await (await DuckDBInstance.create(":memory:")).connect();
  const r = await c.runAndReadAll(`SELECT data_page_offset, total_compressed_size FROM
    parquet_metadata(${JSON.stringify(process.argv[1])}) WHERE row_group_id = 2 AND path_in_schema = ${"\x27"}URL${"\x27"}`);
  const [off, size] = r.getRows()[0].map(Number);
  console.log(off + Math.floor(size / 2));
})();' "$tmp/late.parquet")
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
	dd of="$tmp/late.parquet" bs=1 seek="$at" conv=notrunc status=none
cat >"$tmp/late.yaml" <<YAML
state_dir: $tmp/state-late
datasets:
  - { name: late, url: "file://$tmp/late.parquet", format: parquet, columns: { key: SAMPLE_ID, url: URL } }
  - { name: capped, url: "file://$tmp/v1-snappy.parquet", format: parquet, columns: { key: SAMPLE_ID, url: URL },
      max_entries: 15000 }
YAML
run_sw -c "$tmp/late.yaml" import late "$tmp/late.parquet"
expect_eq "a broken page in the last row group: exit" "$RC" 65
expect_contains "names the row group and the column" "$ERR" "row group 3 of 3, column 'URL': "
expect_contains "the release refused whole" "$ERR" "the index is unchanged"
run_sw -c "$tmp/late.yaml" import capped "$tmp/v1-snappy.parquet"
expect_eq "a cap part-way: exit" "$RC" 65
expect_contains "the cap's error" "$ERR" "more than 15000 entries in one release"
expect_eq "no release for either" \
	"$(sqlite3 "$tmp/state-late/scrapewatch.db" "SELECT count(*) FROM releases")" 0
sw_done
