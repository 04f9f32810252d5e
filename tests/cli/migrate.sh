#!/usr/bin/env bash
# A database written by an older scrapewatch (schema 11: entries in SQLite;
# the fixture tests/corpus/migrate/schema11.sql, made by make.sh beside it)
# is moved to the entry segments on first open: diff, search and matches
# then print exactly what the older version printed of it, every entry is
# in a segment with the row id it had (the events still name their
# photos), and the next release lands on top of the migrated index.  Then
# a database of schema 12 (the one before the release files' MD5) is
# migrated to 13: its release files keep every column, their MD5 unknown,
# what the commands print is the same, and the next release records each
# file's MD5 only where a download computed one.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
corpus=tests/corpus/migrate

mkdir -p "$tmp/state"
sqlite3 "$tmp/state/scrapewatch.db" <"$corpus/schema11.sql"
old_entries=$(sqlite3 "$tmp/state/scrapewatch.db" "SELECT count(*) FROM entries")
old_ids=$(sqlite3 "$tmp/state/scrapewatch.db" "SELECT group_concat(id) FROM (SELECT id FROM entries ORDER BY id)")

csv() { # FILE ID...: as make.sh writes them
	local f=$1 id o
	shift
	{
		echo "photo,owner,url"
		for id in "$@"; do
			if [ "$id" -lt 100 ]; then o=11111111@N00; else o=22222222@N00; fi
			echo "$id,$o,https://farm1.staticflickr.com/1/${id}_abc.jpg"
		done
	} >"$f"
}
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: faces, url: "file://$tmp/faces.csv", format: csv,
      columns: { photo_id: photo, owner_nsid: owner, image_url: url } }
  - name: parts
    urls: [ "file://$tmp/a.csv", "file://$tmp/b.csv" ]
    format: csv
    columns: { photo_id: photo, owner_nsid: owner, image_url: url }
subscribers:
  jane: { email: jane@example.org }
  bob: { email: bob@example.org }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
  - { subscriber: bob, flickr: { nsid: 22222222@N00 } }
EOF

printed_with() { # CONFIG
	for d in faces parts; do
		"$SW" -c "$1" diff "$d" 1 3 --format csv
		"$SW" -c "$1" diff "$d" 2 --format csv
	done
	"$SW" -c "$1" search 11111111@N00 --format csv
	"$SW" -c "$1" search 7 --format csv
	"$SW" -c "$1" matches bob --format csv
}
out=$(printed_with "$tmp/sw.yaml" 2>"$tmp/err") || sw_fail "the commands failed: $(cat "$tmp/err")"
expect_eq "diff, search and matches print what the older version did" \
	"$out" "$(cat "$corpus/schema11.expected")"

db() { sqlite3 "$tmp/state/scrapewatch.db" "$1"; }
expect_eq "no entries table is left" "$(db "SELECT count(*) FROM sqlite_master WHERE name = 'entries'")" 0
expect_eq "every entry is in a segment" "$(db "SELECT sum(entries) FROM segments")" "$old_entries"
expect_eq "one segment per release that added entries" \
	"$(db "SELECT count(*) FROM segments")" \
	"$(db "SELECT count(*) FROM releases WHERE added > 0")"
expect_eq "the row ids are those the entries had" \
	"$(db "WITH RECURSIVE n(i, s) AS (SELECT 0, id FROM segments UNION ALL SELECT i + 1, s FROM n WHERE i + 1 < (SELECT entries FROM segments WHERE id = s)) SELECT group_concat(x) FROM (SELECT g.first_id + n.i AS x FROM n JOIN segments g ON g.id = n.s ORDER BY x)")" \
	"$old_ids"
expect_eq "the added changes are the segments', not rows" \
	"$(db "SELECT count(*) FROM change_log WHERE kind = 1")" 0
expect_eq "the segment files are there" \
	"$(ls "$tmp/state/entries" | grep -c '\.seg$')" "$(db "SELECT count(*) FROM segments")"

# An old database whose ids do not run in key order (entries 1 and 2
# swapped, with what names them) is renumbered, and prints the same.
mkdir -p "$tmp/swapped"
sqlite3 "$tmp/swapped/scrapewatch.db" <"$corpus/schema11.sql"
for t in "entries id" "changes entry_id" "event_photos entry_id" "event_photos owner_entry"; do
	set -- $t
	sqlite3 "$tmp/swapped/scrapewatch.db" "UPDATE $1 SET $2 = -1 WHERE $2 = 1;
		UPDATE $1 SET $2 = 1 WHERE $2 = 2; UPDATE $1 SET $2 = 2 WHERE $2 = -1"
done
sed "s|state_dir: $tmp/state|state_dir: $tmp/swapped|" "$tmp/sw.yaml" >"$tmp/swapped.yaml"
out=$(printed_with "$tmp/swapped.yaml" 2>"$tmp/err") || sw_fail "swapped: the commands failed: $(cat "$tmp/err")"
expect_eq "renumbered: diff, search and matches print the same" \
	"$out" "$(cat "$corpus/schema11.expected")"
expect_eq "renumbered: ids after the old ones" \
	"$(sqlite3 "$tmp/swapped/scrapewatch.db" "SELECT min(first_id) > 13 FROM segments WHERE release_id = 1")" 1

# The next release lands on the migrated index.
csv "$tmp/faces.csv" 1 2 3 4 101 103
csv "$tmp/a.csv" 5 105
csv "$tmp/b.csv" 7 8 107 108 109
run_sw -c "$tmp/sw.yaml" check --all
expect_eq "release 4: exit" "$RC" 0
expect_contains "faces: one added" "$OUT" "faces: release 4"
expect_contains "faces: 6 entries, 1 added" "$OUT" "6 entries; 1 added, 0 removed"
run_sw -c "$tmp/sw.yaml" diff faces --format csv
expect_eq "diff 3..4 names photo 4" "$(grep -c '^added,4,11111111@N00' <<<"$OUT")" 1
run_sw -c "$tmp/sw.yaml" diff parts --format csv
expect_eq "parts: photo 109 added" "$(grep -c '^added,109,' <<<"$OUT")" 1
run_sw -c "$tmp/sw.yaml" matches jane --format csv
expect_contains "jane is told of photo 4" "$OUT" ",4,"
expect_eq "schema 11 moved on to the newest" "$(db "PRAGMA user_version")" 13
expect_eq "release files of before: no MD5" \
	"$(db "SELECT count(*) FROM release_files WHERE md5 IS NULL")" \
	"$(db "SELECT count(*) FROM release_files")"

# --- schema 12 -> 13 ---------------------------------------------------------
# The state as schema 12 wrote it: the same tables and segments, without
# the column 13 adds (a 12 never had it; nothing else changed from 12).
cp -a "$tmp/state" "$tmp/s12"
sqlite3 "$tmp/s12/scrapewatch.db" "ALTER TABLE release_files DROP COLUMN md5; PRAGMA user_version = 12"
expect_eq "the copy is of schema 12" "$(sqlite3 "$tmp/s12/scrapewatch.db" "PRAGMA user_version")" 12
sed "s|state_dir: $tmp/state|state_dir: $tmp/s12|" "$tmp/sw.yaml" >"$tmp/s12.yaml"
files12=$(sqlite3 "$tmp/s12/scrapewatch.db" "SELECT id, release_id, name, url, sha256, size, etag, last_modified, file FROM release_files ORDER BY id")
before=$(printed_with "$tmp/sw.yaml" 2>&1)
run_sw -c "$tmp/s12.yaml" check --all
expect_eq "12: the check runs: exit" "$RC" 0
db12() { sqlite3 "$tmp/s12/scrapewatch.db" "$1"; }
expect_eq "12: migrated to 13" "$(db12 "PRAGMA user_version")" 13
expect_eq "12: the release files as they were" \
	"$(db12 "SELECT id, release_id, name, url, sha256, size, etag, last_modified, file FROM release_files WHERE id IN (SELECT id FROM release_files ORDER BY id LIMIT $(wc -l <<<"$files12")) ORDER BY id")" \
	"$files12"
expect_eq "12: their MD5 unknown" \
	"$(db12 "SELECT count(*) FROM release_files WHERE md5 IS NOT NULL")" 0
expect_eq "12: the commands print the same" "$(printed_with "$tmp/s12.yaml" 2>&1)" "$before"
csv "$tmp/b.csv" 7 8 107 108 109 110
run_sw -c "$tmp/s12.yaml" check parts
expect_contains "12: the next release lands" "$OUT" "parts: release 5"
expect_eq "12: files by URL compute no MD5" \
	"$(db12 "SELECT count(*) FROM release_files WHERE md5 IS NOT NULL")" 0

sw_done
