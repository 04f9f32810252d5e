#!/usr/bin/env bash
# Manifests that are SQLite databases, as YFCC100M is published: the same
# rows as a TSV (yfcc100m), as the SQLite edition read by the yfcc100m
# format, and read by the sqlite format with a table and a column map give
# the same entries, release after release.  A database that is not what
# the configuration says (a CSV file, a view, a missing column), and a
# configuration that names no table, are refused with the reason, and the
# index is left as it was.  The databases are made with the sqlite3 shell.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# row ID OWNER NICK MARKER: one YFCC100M line (23 TAB-separated fields).
row() {
	printf '%s\t%s\t%s\t2012-01-01\t1325376000\tCanon\ttitle\tdesc\ttags\t\t\t\t\t' "$1" "$2" "$3"
	printf 'http://www.flickr.com/photos/%s/%s/\thttp://farm1.staticflickr.com/1/%s_abc.jpg\t' "$2" "$1" "$1"
	printf 'Attribution License\thttp://creativecommons.org/licenses/by/2.0/\t1\t1\tabc\tdef\tjpg\t%s\n' "$4"
}
release1() {
	row 101 12345678@N00 Jane+Doe 0
	row 102 12345678@N00 Jane+Doe 1 # a video
	row 103 30302697@N00 Jos%C3%A9 0
	row 104 11111111@N00 Bob 0
}
release2() {
	row 101 12345678@N00 Jane+Doe 0
	row 103 30302697@N00 Jos%C3%A9 0
	row 105 12345678@N00 Jane+Doe 0
}
schema=$(cat tests/lib/yfcc100m.sql)
# publish N: release N as the TSV and as the database.
publish() {
	"release$1" >"$tmp/yfcc.tsv"
	rm -f "$tmp/yfcc.sql"
	printf '%s\n' 'PRAGMA page_size = 1024;' "$schema" '.mode tabs' \
		".import $tmp/yfcc.tsv yfcc100m_dataset" | sqlite3 -bail "$tmp/yfcc.sql"
}
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: tsv, url: "file://$tmp/yfcc.tsv", format: yfcc100m }
  - { name: db, url: "file://$tmp/yfcc.sql", format: yfcc100m }
  - name: mapped
    url: "file://$tmp/yfcc.sql"
    format: sqlite
    table: yfcc100m_dataset
    columns: { photo_id: photoid, owner_nsid: uid, owner_name: unickname,
               page_url: pageurl, image_url: downloadurl, license: licensename }
EOF
run_sw -c "$tmp/sw.yaml" config check
expect_eq "the configuration is good" "$RC" 0

for n in 1 2; do
	publish "$n"
	run_sw -c "$tmp/sw.yaml" check --all
	expect_eq "release $n: check --all" "$RC" 0
	expect_contains "release $n of the TSV" "$OUT" "tsv: release $n"
	expect_contains "release $n of the database" "$OUT" "db: release $n"
	expect_contains "release $n of the mapped table" "$OUT" "mapped: release $n"
	run_sw -c "$tmp/sw.yaml" diff tsv --format csv
	tsv=$OUT
	run_sw -c "$tmp/sw.yaml" diff db --format csv
	expect_eq "release $n: the database's changes are the TSV's" "$OUT" "$tsv"
done
expect_contains "release 2 removed photo 104" "$tsv" "removed,104,"
expect_contains "release 2 added photo 105" "$tsv" "added,105,"
run_sw -c "$tmp/sw.yaml" search 30302697@N00
expect_contains "the nickname is decoded" "$OUT" "José"
# The mapped table keeps the video (no marker rule) and its own nickname
# text; it finds the same photos of jane's.
run_sw -c "$tmp/sw.yaml" diff mapped --format csv
expect_contains "the mapped table's release 2 adds 105" "$OUT" "added,105,12345678@N00"
expect_contains "and removes 104" "$OUT" "removed,104,11111111@N00"
releases_before=$(sqlite3 "$tmp/state/scrapewatch.db" "SELECT count(*) FROM releases")

# --- what is refused --------------------------------------------------------
cp "$tmp/yfcc.tsv" "$tmp/yfcc.sql"
run_sw -c "$tmp/sw.yaml" check mapped
expect_eq "a TSV where the database should be: the check fails" "$RC" 65
expect_contains "says it is not a database" "$ERR" "not an SQLite database"
printf '%s\n' "$schema" 'CREATE VIEW v AS SELECT photoid, uid FROM yfcc100m_dataset;' |
	sqlite3 "$tmp/view.sql"
sed "s|yfcc.sql\", format: yfcc100m }|yfcc.sql\", format: yfcc100m }|; s|table: yfcc100m_dataset|table: v|; s|file://$tmp/yfcc.sql\"$|file://$tmp/view.sql\"|" \
	"$tmp/sw.yaml" >"$tmp/view.yaml"
run_sw -c "$tmp/view.yaml" check mapped
expect_eq "a view instead of a table: the check fails" "$RC" 65
expect_contains "says it is a view" "$ERR" "it is a view"
expect_eq "no release was added by the failures" \
	"$(sqlite3 "$tmp/state/scrapewatch.db" "SELECT count(*) FROM releases")" "$releases_before"

cat >"$tmp/bad.yaml" <<EOF
datasets:
  - { name: m, url: "file://$tmp/yfcc.sql", format: sqlite,
      columns: { photo_id: photoid } }
  - { name: t, url: "file://$tmp/yfcc.tsv", format: yfcc100m, table: x }
EOF
run_sw -c "$tmp/bad.yaml" config check
expect_eq "config check refuses both" "$RC" 78
expect_contains "sqlite needs a table, with where" "$ERR" "bad.yaml:2:5: dataset 'm': format sqlite needs 'table'"
expect_contains "table is for sqlite alone" "$ERR" "dataset 't': 'table' applies to format sqlite"
sw_done
