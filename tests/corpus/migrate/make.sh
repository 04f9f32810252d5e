#!/usr/bin/env bash
# Makes the fixture of tests/cli/migrate.sh: a state written by an older
# scrapewatch (schema 11, entries in SQLite), as the SQL dump of its
# database, and what that scrapewatch printed of it.  Run once with that
# version's binary; the files it writes are committed:
#
#   tests/corpus/migrate/make.sh OLD_SCRAPEWATCH tests/corpus/migrate
#
# Two datasets: "faces" (one CSV file a release: an addition, a removal,
# then a reinclusion) and "parts" (a release of two CSV files), and two
# watched accounts.
set -euo pipefail
sw=$1
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

csv() { # FILE ID...: photos of jane (ids below 100) or bob
	local f=$1 id
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
step() { # FACES... -- A... -- B...
	local faces=() a=() b=() to=faces
	for v in "$@"; do
		case $v in --) [ $to = faces ] && to=a || to=b ;; *)
			case $to in faces) faces+=("$v") ;; a) a+=("$v") ;; b) b+=("$v") ;; esac ;;
		esac
	done
	csv "$tmp/faces.csv" "${faces[@]}"
	csv "$tmp/a.csv" "${a[@]}"
	csv "$tmp/b.csv" "${b[@]}"
	"$sw" -c "$tmp/sw.yaml" check --all >/dev/null
}
step 1 2 3 101 102 -- 5 6 105 -- 7 107
step 1 3 101 102 103 -- 5 6 105 -- 7 8 107
step 1 2 3 101 103 -- 5 105 -- 7 8 107 108
{
	sqlite3 "$tmp/state/scrapewatch.db" .dump
	# .dump leaves the schema version out
	echo "PRAGMA user_version = $(sqlite3 "$tmp/state/scrapewatch.db" "PRAGMA user_version");"
} >"$out/schema11.sql"
{
	for d in faces parts; do
		"$sw" -c "$tmp/sw.yaml" diff "$d" 1 3 --format csv
		"$sw" -c "$tmp/sw.yaml" diff "$d" 2 --format csv
	done
	"$sw" -c "$tmp/sw.yaml" search 11111111@N00 --format csv
	"$sw" -c "$tmp/sw.yaml" search 7 --format csv
	"$sw" -c "$tmp/sw.yaml" matches bob --format csv
} >"$out/schema11.expected"
