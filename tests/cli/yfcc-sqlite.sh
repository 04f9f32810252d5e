#!/usr/bin/env bash
# YFCC100M as it is published, an SQLite database served over HTTPS with
# ETag and Range (nginx here, as S3 there), watched as the ownership table:
# the first check downloads and lands it; a re-check sends If-None-Match
# and downloads nothing; a new edition lands with exactly its changes.  A
# face dataset that lists only static image URLs (as DiF and LAION rows do)
# gets its photos' owner from the database, so a watched photographer hears
# of a photo no row of the face dataset names her in.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh

tmp=$(mktemp -d)
trap 'httpd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
httpd_start

schema=$(cat tests/lib/yfcc100m.sql)
# edition FIRST LAST: photos FIRST..LAST, every tenth jane's, the rest
# other people's, as the database nginx serves.
edition() {
	local db=$tmp/yfcc100m_dataset.sql
	rm -f "$db"
	{
		echo 'PRAGMA page_size = 1024;'
		echo "$schema"
		echo 'BEGIN;'
		seq "$1" "$2" | awk '{
			owner = ($1 % 10 == 0) ? "12345678@N00" : sprintf("%d@N0%d", 20000000 + $1, $1 % 9)
			printf "INSERT INTO yfcc100m_dataset (photoid, uid, unickname, pageurl, downloadurl, licensename, marker) VALUES (%d, %c%s%c, %cnick%c, %chttp://www.flickr.com/photos/%s/%d/%c, %chttp://farm1.staticflickr.com/1/%d_abc.jpg%c, %cAttribution License%c, 0);\n",
				$1, 39, owner, 39, 39, 39, 39, owner, $1, 39, 39, $1, 39, 39, 39
		}'
		echo 'COMMIT;'
	} | sqlite3 -bail "$db"
	chmod 644 "$db"
	# nginx's ETag is the time and size (S3's an MD5): a new edition gets
	# a time of its own.
	touch -d "@$((1700000000 + $2))" "$db"
	mv "$db" "$HTTPD_WWW/yfcc100m_dataset.sql"
}
edition 1 2000
# The face dataset: static image URLs only, of photos 10, 20 and 35.
{
	echo "url"
	for id in 10 20 35; do echo "https://live.staticflickr.com/65535/${id}_0123456789_b.jpg"; done
} >"$HTTPD_WWW/faces.csv"
chmod 644 "$HTTPD_WWW/faces.csv"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
fetch: { ca_file: $HTTPD_CA }
datasets:
  - { name: yfcc100m, url: "$HTTPD_TLS_URL/yfcc100m_dataset.sql", format: yfcc100m,
      ownership: true }
  - { name: faces, url: "$HTTPD_TLS_URL/faces.csv", format: csv, columns: { url: url } }
subscribers:
  jane: { email: jane@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00 } }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
EOF

run_sw -c "$tmp/sw.yaml" check yfcc100m
expect_eq "the first check: exit" "$RC" 0
expect_contains "release 1 of the database" "$OUT" "yfcc100m: release 1"
expect_contains "with 2000 entries" "$OUT" "2000 entries; 2000 added"
run_sw -c "$tmp/sw.yaml" check faces
expect_contains "the face dataset's release 1" "$OUT" "faces: release 1"
run_sw -c "$tmp/sw.yaml" matches --format csv
# event,type,subscriber,dataset,release,created,match,owner_found,photo_id,nsid,...
expect_eq "jane's photos in faces: 10 and 20, their owner found in the database" \
	"$(awk -F, '$4 == "faces" { print $9 ":" $10 ":" $8 }' <<<"$OUT" | sort -u | tr '\n' ' ')" \
	"10:12345678@N00:ownership table 20:12345678@N00:ownership table "

get_count() { grep -c 'GET /yfcc100m_dataset.sql' "$HTTPD_LOG" || true; }
gets=$(get_count)
run_sw -c "$tmp/sw.yaml" check yfcc100m
expect_eq "a re-check of the unchanged database: exit" "$RC" 0
expect_contains "says unchanged, by the server's 304" "$OUT" "yfcc100m: unchanged (HTTP 304 Not Modified)"
expect_eq "one more request" "$(get_count)" $((gets + 1))
expect_eq "answered 304" "$(grep 'GET /yfcc100m_dataset.sql' "$HTTPD_LOG" | tail -1 | awk '{ print $1 }')" 304

# A new edition: photos 1-100 gone, 2001-2100 new.
edition 101 2100
run_sw -c "$tmp/sw.yaml" check yfcc100m
expect_eq "the new edition: exit" "$RC" 0
expect_contains "release 2: 100 added, 100 removed" "$OUT" "2000 entries; 100 added, 100 removed"
run_sw -c "$tmp/sw.yaml" diff yfcc100m --format csv
expect_eq "the diff lists the 200 changes" "$(grep -cE '^(added|removed),' <<<"$OUT")" 200
expect_eq "photo 50 removed" "$(grep -c '^removed,50,' <<<"$OUT")" 1
expect_eq "photo 2050 added" "$(grep -c '^added,2050,' <<<"$OUT")" 1
sw_done
