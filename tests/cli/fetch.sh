#!/usr/bin/env bash
# Fetching releases from a real nginx on 127.0.0.1 (tests/lib/httpd.sh):
# first download, 304 re-check, changed content, no validators, resume
# after a killed transfer (Range + If-Range), a server that ignores Range,
# a file changed between tries, 404 / 500, redirect loop, redirect to ftp,
# https -> http, TLS with the test CA and with an unknown one, the size cap,
# a sha256 pin mismatch, basic auth, and a bearer token / API key that must
# not follow a redirect to another host.  Each case is checked both in what
# the server saw (its access log) and in what scrapewatch recorded.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh

tmp=$(mktemp -d)
trap 'httpd_stop; rm -rf "$tmp"' EXIT
httpd_start

state=$tmp/state
mkdir -p "$tmp/creds"
printf '%s\n' "$HTTPD_PASSWORD" >"$tmp/creds/reader-pw"
printf '%s\n' "$HTTPD_TOKEN" >"$tmp/creds/token"
export CREDENTIALS_DIRECTORY=$tmp/creds

www=$HTTPD_WWW
cp demo/releases/ffhq-demo-v1.json "$www/release.json"
cp demo/releases/ffhq-demo-v1.json "$tmp/local.json"
# About 400 KB of image URLs: 6 s at the 64 KiB/s of /slow/.
seq 100000 104999 | awk '{ printf "https://farm%d.staticflickr.com/%d/%d_0123456789_o.jpg\n", $1 % 9 + 1, $1 % 5000, $1 * 7 }' >"$www/big.txt"
cp "$www/big.txt" "$www/changing.txt"
chmod 644 "$www"/*

zero=0000000000000000000000000000000000000000000000000000000000000000
cat >"$tmp/sw.yaml" <<EOF
state_dir: $state
fetch: { ca_file: $HTTPD_CA, contact: tests@example.org, low_speed_time: 20s,
         keep_releases: 2 }
datasets:
  - { name: plain, url: "$HTTPD_URL/release.json", format: ffhq }
  - { name: local, url: "file://$tmp/local.json", format: ffhq }
  - { name: novalidators, url: "$HTTPD_URL/novalidators/release.json", format: ffhq }
  - { name: big, url: "$HTTPD_URL/slow/big.txt", format: paths }
  - { name: norange, url: "$HTTPD_URL/norange/big.txt", format: paths }
  - { name: changing, url: "$HTTPD_URL/slow/changing.txt", format: paths }
  - { name: missing, url: "$HTTPD_URL/fault/404", format: ffhq }
  - { name: failing, url: "$HTTPD_URL/fault/500", format: ffhq }
  - { name: loop, url: "$HTTPD_URL/redirect/loop", format: ffhq }
  - { name: ftp, url: "$HTTPD_URL/redirect/ftp", format: ffhq }
  - { name: tls, url: "$HTTPD_TLS_URL/release.json", format: ffhq }
  - { name: downgrade, url: "$HTTPD_TLS_URL/redirect/to-http", format: ffhq }
  - { name: capped, url: "$HTTPD_URL/big.txt", format: paths, max_download: 10K }
  - { name: pinned, url: "$HTTPD_URL/release.json", format: ffhq, sha256: $zero }
  - name: private
    url: "$HTTPD_URL/private/release.json"
    format: ffhq
    auth: { user: $HTTPD_USER, password: { credential: reader-pw } }
  - name: token
    url: "$HTTPD_URL/redirect/same/token/release.json"
    format: ffhq
    bearer: { credential: token }
  - name: token-other
    url: "$HTTPD_URL/redirect/other-token/release.json"
    format: ffhq
    bearer: { credential: token }
  - name: apikey-other
    url: "$HTTPD_URL/redirect/other-apikey/release.json"
    format: ffhq
    headers: { X-Api-Key: { credential: token } }
EOF
C=(-c "$tmp/sw.yaml")

# last_run DATASET: "outcome|http_status|bytes|error" of its newest run.
last_run() {
	sqlite3 "$state/scrapewatch.db" "SELECT r.outcome || '|' ||
		coalesce(r.http_status, '') || '|' || r.bytes || '|' ||
		coalesce(r.error, '') FROM runs r JOIN datasets d ON
		d.id = r.dataset_id WHERE d.name = '$1' ORDER BY r.id DESC LIMIT 1"
}
# n_releases DATASET
n_releases() {
	sqlite3 "$state/scrapewatch.db" "SELECT count(*) FROM releases r JOIN
		datasets d ON d.id = r.dataset_id WHERE d.name = '$1'"
}
failures() {
	sqlite3 "$state/scrapewatch.db" \
		"SELECT consecutive_failures FROM datasets WHERE name = '$1'"
}
# requests URI: the access log's lines for that path, in order.
requests() { grep -F " GET $1 " "$HTTPD_LOG" || true; }
# wait_size FILE BYTES: until FILE holds at least BYTES (10 s at most).
wait_size() {
	local i
	for i in $(seq 200); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# kill_midway DATASET: starts a check and kills it (-9) after 100 KB.
kill_midway() {
	"$SW" "${C[@]}" check "$1" >/dev/null 2>&1 &
	local pid=$!
	wait_size "$state/cache/$1.part" 100000 || sw_fail "$1: no partial download"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	sleep 0.3 # nginx logs the aborted request when it notices
}

# --- first download, 304, changed content -------------------------------
run_sw "${C[@]}" check plain
expect_eq "first download: exit" "$RC" 0
expect_contains "first download" "$OUT" "plain: release 1 (plain"
expect_contains "first download: HTTP" "$OUT" "[HTTP 200, 2.5 KiB downloaded]"
log=$(requests /release.json)
expect_contains "first request: 200" "$log" "200 GET /release.json bytes=2568"
expect_contains "user agent names scrapewatch" "$log" 'ua="scrapewatch/'
expect_contains "user agent has the contact" "$log" '(+tests@example.org)"'
expect_contains "first request: no conditions" "$log" 'inm="" ims=""'
expect_eq "first download: run" "$(last_run plain)" "new-release|200|2568|"
expect_eq "release file kept" \
	"$(ls "$state/cache/plain")" "$(sha256sum <"$www/release.json" | cut -c1-64)"

etag=$(curl -sI "$HTTPD_URL/release.json" | tr -d '\r' | sed -n 's/^ETag: //Ip')
lm=$(curl -sI "$HTTPD_URL/release.json" | tr -d '\r' | sed -n 's/^Last-Modified: //Ip')
httpd_log_clear
run_sw "${C[@]}" check plain
expect_eq "re-check: exit" "$RC" 0
expect_eq "re-check: 304" "$OUT" "plain: unchanged (HTTP 304 Not Modified)"
log=$(requests /release.json)
expect_contains "re-check sends the ETag back exactly" "$log" "inm=\"$etag\""
expect_contains "re-check sends Last-Modified back exactly" "$log" "ims=\"$lm\""
expect_contains "re-check: server said 304" "$log" "304 GET /release.json bytes=0"
expect_eq "re-check: run" "$(last_run plain)" "unchanged|304|0|"
expect_eq "re-check: no new release" "$(n_releases plain)" 1
expect_eq "re-check: no partial download left" \
	"$(find "$state/cache" -name '*.part*' | wc -l)" 0

cp demo/releases/ffhq-demo-v2.json "$www/release.json"
touch -d '2030-01-01 00:00' "$www/release.json"
run_sw "${C[@]}" check plain
expect_contains "changed: new release" "$OUT" \
	"plain: release 2 (plain, 2.5 KiB, sha256"
expect_contains "changed: the diff" "$OUT" "1 added, 1 removed"
expect_eq "changed: run" "$(last_run plain)" "new-release|200|2563|"

# --- release files kept as evidence: the newest two, shared content kept --
sha_v1=$(sha256sum <demo/releases/ffhq-demo-v1.json | cut -c1-64)
sha_v2=$(sha256sum <demo/releases/ffhq-demo-v2.json | cut -c1-64)
cp demo/releases/ffhq-demo-v1.json "$www/release.json" # v1 comes back
touch -d '2030-01-02 00:00' "$www/release.json"
run_sw "${C[@]}" check plain
expect_contains "v1 again: release 3" "$OUT" "plain: release 3"
expect_contains "v1 again: its entries come back" "$OUT" "1 removed, 1 reincluded"
expect_eq "v1 again: release 1 no longer keeps its file" "$(sqlite3 \
	"$state/scrapewatch.db" "SELECT seq || ':' || coalesce(file, '-') FROM
	releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name =
	'plain' ORDER BY seq" | sed "s|$state/cache/plain/||" | paste -sd' ')" \
	"1:- 2:$sha_v2 3:$sha_v1"
expect_eq "v1 again: the file release 3 shares stays" \
	"$(ls "$state/cache/plain" | paste -sd' ')" "$(printf '%s\n' "$sha_v1" "$sha_v2" | sort | paste -sd' ')"
sed 's/9912345678/9912345679/' demo/releases/ffhq-demo-v2.json >"$www/release.json"
touch -d '2030-01-03 00:00' "$www/release.json"
run_sw "${C[@]}" check plain
expect_contains "v4: release 4" "$OUT" "plain: release 4"
expect_eq "v4: the oldest unshared file is deleted" \
	"$(ls "$state/cache/plain" | paste -sd' ')" \
	"$(printf '%s\n' "$sha_v1" "$(sha256sum <"$www/release.json" | cut -c1-64)" | sort | paste -sd' ')"

# --- file:// and a server without validators: content decides -------------
for name in local novalidators; do
	run_sw "${C[@]}" check $name
	expect_contains "$name: first" "$OUT" "$name: release 1"
	run_sw "${C[@]}" check $name
	expect_contains "$name: same content" "$OUT" \
		"$name: unchanged: same content as release 1"
	expect_eq "$name: one release" "$(n_releases $name)" 1
done
log=$(requests /novalidators/release.json)
expect_eq "no validators: downloaded twice" "$(grep -c '^200 ' <<<"$log")" 2

# --- resume after a killed transfer ----------------------------------------
httpd_log_clear
kill_midway big
part=$(stat -c %s "$state/cache/big.part")
run_sw "${C[@]}" check big
expect_eq "resume: exit" "$RC" 0
expect_contains "resume: release" "$OUT" "big: release 1"
expect_contains "resume: resumed" "$OUT" "resumed after"
log=$(requests /slow/big.txt)
expect_contains "resume: asked for the rest" "$(tail -1 <<<"$log")" \
	"206 GET /slow/big.txt bytes=$(($(stat -c %s "$www/big.txt") - part)) "
expect_contains "resume: Range" "$log" "range=\"bytes=$part-\""
big_etag=$(curl -sI "$HTTPD_URL/big.txt" | tr -d '\r' | sed -n 's/^ETag: //Ip')
expect_contains "resume: If-Range is the ETag" "$log" "if_range=\"$big_etag\""
expect_eq "resume: sha256 of the whole file" \
	"$(sqlite3 "$state/scrapewatch.db" "SELECT sha256 FROM releases WHERE file LIKE '%/big/%'")" \
	"$(sha256sum <"$www/big.txt" | cut -c1-64)"
expect_eq "resume: run counts this run's bytes" "$(last_run big)" \
	"new-release|206|$(($(stat -c %s "$www/big.txt") - part))|"
expect_eq "resume: no partial left" "$(ls "$state/cache" | grep -c '^big\.part' || true)" 0

# A server that ignores Range: the whole file again, cleanly.
httpd_log_clear
kill_midway norange
run_sw "${C[@]}" check norange
expect_contains "ignored Range: release" "$OUT" "norange: release 1"
expect_not_contains "ignored Range: not resumed" "$OUT" "resumed"
log=$(requests /norange/big.txt)
expect_contains "ignored Range: asked" "$(tail -1 <<<"$log")" "range=\"bytes="
expect_contains "ignored Range: whole file" "$(tail -1 <<<"$log")" \
	"200 GET /norange/big.txt bytes=$(stat -c %s "$www/big.txt") "
expect_eq "ignored Range: same content as big" \
	"$(sqlite3 "$state/scrapewatch.db" "SELECT count(DISTINCT sha256) FROM releases WHERE file LIKE '%/big/%' OR file LIKE '%/norange/%'")" 1

# The file changed between the tries: If-Range fails, the new file whole.
httpd_log_clear
kill_midway changing
sed -i 's/_o\.jpg/_b.jpg/' "$www/changing.txt"
run_sw "${C[@]}" check changing
expect_contains "changed file: release" "$OUT" "changing: release 1"
expect_contains "changed file: whole new file" "$(requests /slow/changing.txt | tail -1)" \
	"200 GET /slow/changing.txt bytes=$(stat -c %s "$www/changing.txt") "
expect_eq "changed file: sha256 of the new file" \
	"$(sqlite3 "$state/scrapewatch.db" "SELECT sha256 FROM releases WHERE file LIKE '%/changing/%'")" \
	"$(sha256sum <"$www/changing.txt" | cut -c1-64)"

# --- failures: clear errors, run records, the index left alone -----------
# expect_failure NAME MESSAGE: check fails with MESSAGE in the log and the
# run record, and adds no release.
expect_failure() {
	local before
	before=$(n_releases "$1")
	run_sw "${C[@]}" check "$1"
	expect_eq "$1: exit" "$RC" "${3:-69}"
	expect_contains "$1: log" "$ERR" "$1: check failed: "
	expect_contains "$1: log says why" "$ERR" "$2"
	expect_contains "$1: run says why" "$(last_run "$1")" "$2"
	expect_contains "$1: run failed" "$(last_run "$1")" "failed|"
	expect_eq "$1: no release" "$(n_releases "$1")" "$before"
}
expect_failure missing "/fault/404: HTTP 404 (Not Found)"
expect_eq "404: one failure" "$(failures missing)" 1
expect_failure missing "HTTP 404"
expect_eq "404: two failures in a row" "$(failures missing)" 2
expect_contains "404: counted in the log" "$ERR" "(2 failures in a row)"
expect_failure failing "/fault/500: HTTP 500 (Internal Server Error)"
expect_failure loop "more than 5 redirects"
expect_eq "loop: followed 5 redirects, then stopped" \
	"$(requests /redirect/loop | wc -l)" 6
expect_failure ftp "redirect to 'ftp://127.0.0.1/release.json' refused: only http and https"
expect_failure downgrade "refused: it leaves https for plain http"
expect_failure capped "the file is larger than max_download (10240 bytes)" 65
expect_failure pinned "sha256 mismatch: the dataset pins $zero, the download is $(sha256sum <"$www/release.json" | cut -c1-64)" 65
expect_eq "pinned: nothing kept" "$(ls "$state/cache/pinned" 2>/dev/null | wc -l)" 0

# A failure after releases leaves them as they were.
run_sw "${C[@]}" releases plain
before=$OUT
mv "$www/release.json" "$www/release.json.away"
expect_failure plain "HTTP 404"
run_sw "${C[@]}" releases plain
expect_eq "404 after releases: all still there" "$OUT" "$before"
expect_eq "404 after releases: four" "$(tail -n +2 <<<"$OUT" | wc -l)" 4
mv "$www/release.json.away" "$www/release.json"
run_sw "${C[@]}" check plain
expect_eq "back: 304 again" "$OUT" "plain: unchanged (HTTP 304 Not Modified)"
expect_eq "back: failures reset" "$(failures plain)" 0

# --- TLS -------------------------------------------------------------------
run_sw "${C[@]}" check tls
expect_contains "tls with the test CA" "$OUT" "tls: release 1"
sed "s|ca_file: $HTTPD_CA, ||" "$tmp/sw.yaml" >"$tmp/noca.yaml"
run_sw -c "$tmp/noca.yaml" check tls
expect_eq "unknown CA: exit" "$RC" 69
expect_contains "unknown CA: refused" "$ERR" "SSL certificate problem"
expect_eq "unknown CA: release untouched" "$(n_releases tls)" 1

# --- access to gated datasets ----------------------------------------------
httpd_log_clear
run_sw "${C[@]}" check private
expect_contains "basic auth" "$OUT" "private: release 1"
basic=$(printf '%s:%s' "$HTTPD_USER" "$HTTPD_PASSWORD" | base64)
expect_contains "basic auth sent" "$(requests /private/release.json)" \
	"auth=\"Basic $basic\""
run_sw "${C[@]}" check token
expect_contains "bearer through a same-host redirect" "$OUT" "token: release 1"
expect_contains "bearer sent after the same-host redirect" \
	"$(requests /token/release.json)" "200 GET /token/release.json"

httpd_log_clear
expect_failure token-other "HTTP 401"
first=$(requests /redirect/other-token/release.json)
second=$(requests /token/release.json)
expect_contains "bearer sent to its own host" "$first" \
	"auth=\"Bearer $HTTPD_TOKEN\""
expect_contains "redirect reached the other host" "$second" 'host="localhost"'
expect_contains "bearer not sent to the other host" "$second" 'auth=""'
expect_failure apikey-other "HTTP 401"
expect_contains "API key sent to its own host" \
	"$(requests /redirect/other-apikey/release.json)" "x_api_key=\"$HTTPD_TOKEN\""
expect_contains "API key not sent to the other host" \
	"$(requests /apikey/release.json)" 'x_api_key=""'
expect_not_contains "secrets never logged" "$ERR$OUT" "$HTTPD_TOKEN"

# --- several datasets: one failing does not stop the others ----------------
run_sw "${C[@]}" check missing plain tls
expect_eq "several: exit says one failed" "$RC" 69
expect_contains "several: plain checked" "$OUT" "plain: unchanged (HTTP 304"
expect_contains "several: tls checked" "$OUT" "tls: unchanged (HTTP 304"
expect_contains "several: missing failed" "$ERR" "missing: check failed"
run_sw "${C[@]}" check
expect_contains "due: recently checked ones wait" "$OUT" "plain: not due until"

sw_done
