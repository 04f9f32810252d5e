#!/usr/bin/env bash
# A release of several files (urls:), as Open Images publishes its CSVs:
# the first check downloads and lands every file; a re-check sends each
# file's validators and downloads nothing; when one file changes only that
# file is downloaded and parsed (nginx's log and the run record both say
# so), and the release has exactly its changes, each entry remembering
# the file it came from; a file that fails leaves the whole release
# un-ingested and the index as it was, and a check killed mid-download is
# resumed by the next.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh
. tests/lib/servers.sh # SW_PYTHON

tmp=$(mktemp -d)
trap 'httpd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
httpd_start

# part NAME MTIME "FIRST LAST"...: the photos of each range, every tenth
# jane's.
part() {
	local f=$HTTPD_WWW/$1.csv t=$2 range
	shift 2
	{
		echo "ImageID,OriginalURL,OriginalLandingURL,Author,AuthorProfileURL"
		for range in "$@"; do seq $range; done | awk '{
			owner = ($1 % 10 == 0) ? "12345678@N00" : sprintf("%d@N01", 30000000 + $1)
			printf "i%d,https://farm1.staticflickr.com/1/%d_abc.jpg,https://www.flickr.com/photos/%s/%d,Someone,https://www.flickr.com/people/%s/\n", $1, $1, owner, $1, owner
		}'
	} >"$f.tmp"
	chmod 644 "$f.tmp"
	# nginx's ETag is the time and size: each edition gets a time.
	touch -d "@$t" "$f.tmp"
	mv "$f.tmp" "$f"
}
part train 1700000001 "1 100"
part validation 1700000002 "101 150"
part test 1700000003 "151 200"

cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
cache_dir: $tmp/cache
fetch: { ca_file: $HTTPD_CA }
datasets:
  - name: openimages
    urls:
      - $HTTPD_TLS_URL/train.csv
      - $HTTPD_TLS_URL/validation.csv
      - $HTTPD_TLS_URL/test.csv
    format: csv
    columns: { key: ImageID, image_url: OriginalURL, page_url: OriginalLandingURL,
               owner_url: AuthorProfileURL }
subscribers:
  jane: { email: jane@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00 } }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
EOF
db() { sqlite3 -cmd ".timeout 5000" "$tmp/state/scrapewatch.db" "$1"; }
last_run() { db "SELECT outcome, files, files_fetched, files_parsed FROM runs ORDER BY id DESC LIMIT 1"; }
# The file and line of the entry KEY that release SEQ added, as diff names them.
file_of() {
	run_sw -c "$tmp/sw.yaml" diff openimages "$2" --format json
	"$SW_PYTHON" -c '
import json, sys
for c in json.loads(sys.stdin.read())["changes"]:
    if c["key"] == sys.argv[1]:
        print(c["file"] + ":" + str(c["line"]))
' "$1" <<<"$OUT"
}
entries() { db "SELECT coalesce(sum(entries), 0) FROM segments"; }

run_sw -c "$tmp/sw.yaml" check openimages
expect_eq "first check: exit" "$RC" 0
expect_contains "release 1 of 3 files" "$OUT" "openimages: release 1 (3 files"
expect_contains "all added" "$OUT" "200 entries; 200 added, 0 removed"
expect_contains "all three downloaded" "$OUT" "[3 files: 3 downloaded"
expect_eq "the run record counts three files fetched and parsed" "$(last_run)" "new-release|3|3|3"
expect_eq "the release's files, by name, with their sizes" \
	"$(db "SELECT name || ':' || size FROM release_files ORDER BY name" | tr '\n' ' ')" \
	"test.csv:$(stat -c %s "$HTTPD_WWW/test.csv") train.csv:$(stat -c %s "$HTTPD_WWW/train.csv") validation.csv:$(stat -c %s "$HTTPD_WWW/validation.csv") "
expect_eq "each file's SHA-256 is its content's" \
	"$(db "SELECT sha256 FROM release_files WHERE name = 'train.csv'")" \
	"$(sha256sum "$HTTPD_WWW/train.csv" | cut -d' ' -f1)"
expect_eq "an entry remembers its file and line" "$(file_of i120 1)" "validation.csv:21"
run_sw -c "$tmp/sw.yaml" matches --format csv
expect_eq "jane's 20 photos matched" "$(grep -c ',12345678@N00,' <<<"$OUT")" 20

# Unchanged: three conditional requests, three 304s, nothing parsed.
httpd_log_clear
run_sw -c "$tmp/sw.yaml" check openimages
expect_eq "re-check: exit" "$RC" 0
expect_contains "unchanged" "$OUT" "openimages: unchanged: same content as release 1"
expect_contains "nothing downloaded" "$OUT" "[3 files: 0 downloaded"
expect_eq "three requests, each answered 304" \
	"$(awk '{ print $1 }' "$HTTPD_LOG" | sort | uniq -c | awk '{ print $2 "x" $1 }')" "304x3"
expect_eq "the run record: none fetched or parsed" "$(last_run)" "unchanged|3|0|0"

# One file changes: photos 101-110 gone from validation, 201-205 new in it.
part validation 1700000010 "111 150" "201 205"
httpd_log_clear
run_sw -c "$tmp/sw.yaml" check openimages
expect_eq "changed file: exit" "$RC" 0
expect_contains "release 2" "$OUT" "openimages: release 2"
expect_contains "exactly 5 added, 10 removed" "$OUT" "195 entries; 5 added, 10 removed"
expect_contains "one file downloaded" "$OUT" "[3 files: 1 downloaded"
expect_eq "nginx sent only validation.csv" "$(awk '$1 == 200 { print $3 }' "$HTTPD_LOG")" "/validation.csv"
expect_eq "the run record: one fetched, one parsed" "$(last_run)" "new-release|3|1|1"
run_sw -c "$tmp/sw.yaml" diff openimages --format csv
expect_eq "the diff: 15 changes" "$(grep -cE '^(added|removed),' <<<"$OUT")" 15
expect_eq "photo 105 removed" "$(grep -c '^removed,105,' <<<"$OUT")" 1
expect_eq "photo 202 added" "$(grep -c '^added,202,' <<<"$OUT")" 1
expect_eq "the added entry names validation.csv, release 2's" "$(file_of i202 2)" "validation.csv:43"

# Evidence names the file a photo's record came from and quotes it from
# that file, kept in the cache.
run_sw -c "$tmp/sw.yaml" evidence jane --out "$tmp/ev"
expect_eq "evidence: exit" "$RC" 0
expect_eq "photo 110's record, from validation.csv of release 1" \
	"$("$SW_PYTHON" -c '
import json, sys
for p in json.load(open(sys.argv[1]))["photos"]:
    if p["photo_id"] == 110:
        print(p["file"], p["release"], p["line"], p["record"].split(",")[0])
' "$tmp/ev/evidence.json")" "validation.csv 1 11 i110"
expect_contains "evidence.csv has the file column" "$(head -1 "$tmp/ev/evidence.csv")" ",record_base64,file"

# A file that fails: test.csv is gone (404) after train.csv changed.
part train 1700000020 "1 90"
mv "$HTTPD_WWW/test.csv" "$tmp/test.csv"
releases=$(db "SELECT count(*) FROM releases")
entries=$(entries)
run_sw -c "$tmp/sw.yaml" check openimages
expect_eq "a failing file: exit" "$RC" 69
expect_contains "names the file" "$ERR" "file 'test.csv': "
expect_contains "and the HTTP status" "$ERR" "HTTP 404"
expect_contains "the index is unchanged" "$ERR" "the index is unchanged"
expect_eq "no release added" "$(db "SELECT count(*) FROM releases")" "$releases"
expect_eq "no entry added" "$(entries)" "$entries"
mv "$tmp/test.csv" "$HTTPD_WWW/test.csv"
run_sw -c "$tmp/sw.yaml" check openimages
expect_eq "once the file is back: exit" "$RC" 0
expect_contains "release 3: train.csv's 10 removed" "$OUT" "185 entries; 0 added, 10 removed"

# Files without validators (file://, or a server that sends none): each is
# read again, and one whose content the newest release has is not parsed.
mkdir "$tmp/local"
cp "$HTTPD_WWW/train.csv" "$HTTPD_WWW/test.csv" "$tmp/local/"
cat >"$tmp/local.yaml" <<EOF
state_dir: $tmp/state2
cache_dir: $tmp/cache2
datasets:
  - name: local
    urls: [ "file://$tmp/local/train.csv", "file://$tmp/local/test.csv" ]
    format: csv
    columns: { key: ImageID, image_url: OriginalURL }
EOF
run_sw -c "$tmp/local.yaml" check local
expect_contains "local files: release 1" "$OUT" "local: release 1 (2 files"
run_sw -c "$tmp/local.yaml" check local
expect_contains "read again" "$OUT" "[2 files: 2 downloaded"
expect_contains "and unchanged" "$OUT" "local: unchanged: same content as release 1"
expect_contains "none parsed" "$OUT" ", 0 parsed]"
sed -i '$d' "$tmp/local/test.csv"
run_sw -c "$tmp/local.yaml" check local
expect_contains "the changed one parsed" "$OUT" ", 1 parsed]"
expect_contains "its last line gone" "$OUT" "0 added, 1 removed"
expect_eq "the key lists kept: the newest release's two files" \
	"$(find "$tmp/state2/keys" -name '*.keys' | wc -l)" 2
# Keys made another way (the key column changed): no list of before is
# read; every file is parsed again (the same content is still the same
# release, as for a dataset of one file).
sed -i 's/columns: { key: ImageID, image_url: OriginalURL }/columns: { key: OriginalURL, image_url: OriginalURL }/' "$tmp/local.yaml"
run_sw -c "$tmp/local.yaml" check local
expect_contains "a new key: both files parsed" "$OUT" ", 2 parsed]"
expect_contains "the same content" "$OUT" "local: unchanged: same content as release 2"

# A check killed while it downloads the second file: the next one resumes
# that file where it stopped (Range), and the release lands whole.
part small 1700000030 "1 10"
part big 1700000031 "1000 6999"
cat >"$tmp/parts.yaml" <<EOF
state_dir: $tmp/state3
cache_dir: $tmp/cache3
datasets:
  - name: parts
    urls: [ "$HTTPD_URL/small.csv", "$HTTPD_URL/slow/big.csv" ]
    format: csv
    columns: { key: ImageID, image_url: OriginalURL }
EOF
"$SW" -c "$tmp/parts.yaml" check parts >/dev/null 2>&1 &
pid=$!
partial() { find "$tmp/cache3" -maxdepth 1 -name 'parts~*.part' -size +100k 2>/dev/null | grep -q .; }
for _ in $(seq 200); do partial && break; sleep 0.05; done
partial && sw_pass || sw_fail "no partial download of big.csv"
{ kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true
sleep 0.3 # nginx logs the aborted request when it notices
at=$(stat -c %s "$tmp"/cache3/parts~*.part)
httpd_log_clear
run_sw -c "$tmp/parts.yaml" check parts
expect_eq "after the kill: exit" "$RC" 0
expect_contains "both files in the release" "$OUT" "$((10 + 6000)) entries"
expect_contains "the rest of big.csv asked for" "$(grep ' /slow/big.csv ' "$HTTPD_LOG")" \
	"206 GET /slow/big.csv bytes=$(($(stat -c %s "$HTTPD_WWW/big.csv") - at)) "
expect_eq "big.csv's SHA-256 is the whole file's" \
	"$(sqlite3 "$tmp/state3/scrapewatch.db" "SELECT sha256 FROM release_files WHERE name = 'big.csv'")" \
	"$(sha256sum <"$HTTPD_WWW/big.csv" | cut -d' ' -f1)"
expect_eq "no partial download left" "$(find "$tmp/cache3" -name '*.part*' | wc -l)" 0
sw_done
