#!/usr/bin/env bash
# A google_drive dataset through `scrapewatch check`, against the loopback
# Google Drive over TLS (tests/lib/gdrived.sh): the large file's virus-scan
# warning followed to the file (the first release, its md5 pin met), an
# unchanged re-check (downloaded again, as Drive gives no validators, and
# not parsed), the quota page (the check fails saying so, the dataset is
# held back for 6 hours, nothing is downloaded), the quota page in place
# of the file after the warning (refused, nothing kept, held back as long
# as the first quota page), a new version
# that the md5 pin refuses and then lets in, a small file served directly
# and named by its Content-Disposition, and a sign-in page.  Each failure
# leaves the index as it was.
#
# Then a dataset with an api_key (Drive's files API, the loopback's api
# server): its first release downloads and records the file's MD5; an
# unchanged re-check asks the files API alone and downloads nothing (the
# emulator's log and the run record say so); a changed file downloads and
# gives its exact added and removed entries; a reply without md5Checksum
# falls back to the download; a row without an MD5 (a database of before)
# downloads once and learns it; 404, a refused key (400 and 403), 429
# with Retry-After (held back, no second request), malformed JSON, a reply
# over the cap and a redirect each fail with their message, nothing
# downloaded and the index as it was.  The key goes in X-Goog-Api-Key to
# the api server alone: never in a URL, a log, a message or the database,
# even when the server quotes it.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/gdrived.sh

tmp=$(mktemp -d)
trap 'gdrived_stop; rm -rf "$tmp"' EXIT
gdrived_start

state=$tmp/state
cp demo/releases/ffhq-demo-v1.json "$GDRIVED_DIR/v1.json"
cp demo/releases/ffhq-demo-v2.json "$GDRIVED_DIR/v2.json"
v1_md5=$(md5sum <"$GDRIVED_DIR/v1.json" | cut -c1-32)
v2_md5=$(md5sum <"$GDRIVED_DIR/v2.json" | cut -c1-32)
big=16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA
small=1smallFILE_on_drive
kid=1keyedFILE_with_an_api_key
key=AIzaSyTESTnot-a-real-key_0123456789ab
mkdir -m 700 "$tmp/creds"
printf '%s\n' "$key" >"$tmp/creds/drive-key"
chmod 400 "$tmp/creds/drive-key"
export CREDENTIALS_DIRECTORY=$tmp/creds

# config MD5: ffhq (the large file) pinned to MD5, small, and private.
config() {
	cat >"$tmp/sw.yaml" <<-EOF
		state_dir: $state
		fetch: { ca_file: "$GDRIVED_CA" }
		datasets:
		  - name: ffhq
		    google_drive: { id: $big, endpoint: "$GDRIVED_URL" }
		    format: ffhq
		    md5: $1
		  - name: small
		    google_drive: { id: $small, endpoint: "$GDRIVED_URL" }
		    format: ffhq
		  - name: private
		    google_drive: { id: 1privateFILE, endpoint: "$GDRIVED_URL" }
		    format: ffhq
		  - name: keyed
		    google_drive:
		      id: $kid
		      endpoint: "$GDRIVED_URL"
		      api_key: { credential: drive-key }
		      api_endpoint: "$GDRIVED_API_URL"
		    format: ffhq
	EOF
}
config "$v1_md5"
C=(-c "$tmp/sw.yaml")

# The server's state: the large file as big_spec says, the keyed one as
# kid_spec, the files API's key and top-level settings as api_spec.
big_spec='"path": "v1.json", "mode": "warn"'
kid_spec='"path": "v1.json", "mode": "warn"'
api_spec="\"api_key\": \"$key\""
state() {
	gdrived_state "{$api_spec, \"files\": {
		\"$big\": {$big_spec},
		\"$small\": {\"path\": \"v1.json\", \"mode\": \"direct\", \"name\": \"ffhq-small.json\"},
		\"1privateFILE\": {\"path\": \"v1.json\", \"mode\": \"signin\"},
		\"$kid\": {$kid_spec}}}"
	gdrived_log_clear
}
# drive FILE MODE [MORE]: what the large file is served as.
drive() {
	big_spec="\"path\": \"$1\", \"mode\": \"$2\"${3:+, $3}"
	state
}
# keyed FILE [MORE [API]]: the keyed file (behind the warning page), what
# more its spec says (its "api" answer), and the top level's more.
keyed() {
	kid_spec="\"path\": \"$1\", \"mode\": \"warn\"${2:+, $2}"
	api_spec="\"api_key\": \"$key\"${3:+, $3}"
	state
}
db() { sqlite3 "$state/scrapewatch.db" "$1"; }
n_releases() {
	db "SELECT count(*) FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = '$1'"
}
# last_run DATASET: "outcome|error" of its newest run.
last_run() {
	db "SELECT r.outcome || '|' || coalesce(r.error, '') FROM runs r JOIN
		datasets d ON d.id = r.dataset_id WHERE d.name = '$1'
		ORDER BY r.id DESC LIMIT 1"
}
uc="drive GET /uc?export=download&id=$big"
form="content GET /download?id=$big&export=download&confirm=t&uuid="
cached() { find "$state/cache" -type f | sort; }

# --- the first release, through the warning page --------------------------
drive v1.json warn
run_sw "${C[@]}" check ffhq
expect_eq "first release: exit" "$RC" 0
expect_contains "first release" "$OUT" "ffhq: release 1 (plain, 2.5 KiB"
expect_contains "first release: the file" "$OUT" \
	"4 entries; 4 added, 0 removed, 0 reincluded; 0 bad records [1 file: 1 downloaded (2.5 KiB), 1 parsed]"
log=$(cat "$GDRIVED_LOG")
expect_eq "first release: two requests" "$(wc -l <<<"$log")" 2
expect_eq "first release: the uc URL first" "$(sed -n 1p <<<"$log")" "$uc 200"
expect_contains "first release: then the form, submitted" "$(sed -n 2p <<<"$log")" "$form"
expect_contains "first release: every hidden input" "$(sed -n 2p <<<"$log")" \
	"&at=AEz7%26x%27y%22z%3C1%3E 200"
expect_eq "first release: its file" \
	"$(db "SELECT name || '|' || sha256 FROM release_files")" \
	"$big|$(sha256sum <"$GDRIVED_DIR/v1.json" | cut -c1-64)"
releases=$("$SW" "${C[@]}" releases ffhq)
entries=$(db "SELECT coalesce(sum(entries), 0) FROM segments")
files=$(cached)

# --- unchanged --------------------------------------------------------------
drive v1.json warn
run_sw "${C[@]}" check ffhq
expect_eq "unchanged: exit" "$RC" 0
expect_contains "unchanged" "$OUT" "ffhq: unchanged: same content as release 1"
expect_contains "unchanged: downloaded, not parsed" "$OUT" "[1 file: 1 downloaded (2.5 KiB), 0 parsed]"
expect_eq "unchanged: a new page, a new uuid" "$(grep -c "^$form" "$GDRIVED_LOG")" 1
expect_eq "unchanged: one release" "$(n_releases ffhq)" 1
expect_eq "unchanged: the cache as it was" "$(cached)" "$files"

# --- the quota page -----------------------------------------------------------
quota="Google Drive answered with its \"Quota exceeded\" page (HTTP 403): too many have downloaded file '$big' lately; it can be fetched again later (in about a day)"
drive v1.json quota '"status": 403'
before=$(date +%s)
run_sw "${C[@]}" check ffhq
expect_eq "quota: exit" "$RC" 69
expect_contains "quota: says so" "$ERR" "ffhq: check failed: $quota (1 failure in a row); the index is unchanged"
expect_eq "quota: the run says so" "$(last_run ffhq)" "failed|$quota"
expect_eq "quota: one request, nothing downloaded" "$(cat "$GDRIVED_LOG")" "$uc 403"
held=$(db "SELECT retry_after FROM runs ORDER BY id DESC LIMIT 1")
expect_eq "quota: held back for 6 hours" "$held" 21600
due=$(date -u -d "@$((before + 21600))" '+%Y-%m-%d %H:%M')
due_late=$(date -u -d "@$((before + 21660))" '+%Y-%m-%d %H:%M')
case $ERR in
*"due again at $due UTC"* | *"due again at $due_late UTC"*) sw_pass ;;
*) sw_fail "quota: not due again at $due: $ERR" ;;
esac
expect_eq "quota: releases as they were" "$("$SW" "${C[@]}" releases ffhq)" "$releases"
expect_eq "quota: entries as they were" "$(db "SELECT coalesce(sum(entries), 0) FROM segments")" "$entries"

# --- the quota page in place of the file, after the warning -------------------
drive v2.json warn '"quota_later": true'
run_sw "${C[@]}" check ffhq
expect_eq "quota after the warning: exit, a wait and not bad data" "$RC" 69
expect_eq "quota after the warning: held back 6 hours too" \
	"$(db "SELECT retry_after FROM runs ORDER BY id DESC LIMIT 1")" 21600
expect_contains "quota after the warning: refused" "$ERR" \
	"ffhq: check failed: file '$big': $GDRIVED_CONTENT_URL/download?id=$big&export=download&confirm=t&uuid="
expect_contains "quota after the warning: the page named" "$ERR" \
	": the server sent an HTML page, not the file: 'Google Drive - Quota exceeded' (2 failures in a row); the index is unchanged"
expect_eq "quota after the warning: nothing kept" "$(cached)" "$files"
expect_eq "quota after the warning: no partial download" \
	"$(find "$state/cache" -name '*.part*' | wc -l)" 0
expect_eq "quota after the warning: releases as they were" \
	"$("$SW" "${C[@]}" releases ffhq)" "$releases"

# --- a new version: the md5 pin -------------------------------------------------
drive v2.json warn
run_sw "${C[@]}" check ffhq
expect_eq "v2, pinned to v1: exit" "$RC" 65
expect_contains "v2, pinned to v1: the pin" "$ERR" \
	"ffhq: check failed: md5 mismatch: the dataset pins $v1_md5, the download is $v2_md5"
expect_eq "v2, pinned to v1: nothing kept" "$(cached)" "$files"
expect_eq "v2, pinned to v1: entries as they were" "$(db "SELECT coalesce(sum(entries), 0) FROM segments")" "$entries"
config "$v2_md5"
drive v2.json warn
run_sw "${C[@]}" check ffhq
expect_eq "v2, pinned to v2: exit" "$RC" 0
expect_contains "v2, pinned to v2: release 2" "$OUT" "ffhq: release 2"
expect_contains "v2, pinned to v2: the changes" "$OUT" "1 added, 1 removed"

# --- a small file, served directly ----------------------------------------------
gdrived_log_clear
run_sw "${C[@]}" check small
expect_eq "small: exit" "$RC" 0
expect_contains "small: a release" "$OUT" "small: release 1"
# The listing stops its transfer at the headers; the download is the same
# URL again.
expect_eq "small: the listing, then the download" "$(cat "$GDRIVED_LOG")" \
	"drive GET /uc?export=download&id=$small 200
drive GET /uc?export=download&id=$small 200"
expect_eq "small: named by its Content-Disposition" \
	"$(db "SELECT f.name FROM release_files f JOIN releases r ON r.id = f.release_id JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'small'")" \
	"ffhq-small.json"

# --- a sign-in page ---------------------------------------------------------------
run_sw "${C[@]}" check private
expect_eq "sign-in: exit" "$RC" 65
expect_contains "sign-in: the page named" "$ERR" \
	"private: check failed: Google Drive answered file '1privateFILE' with a page that is neither the file nor its download warning: 'Google Drive: Sign-in' (HTTP 200)"
expect_eq "sign-in: no release" "$(n_releases private)" 0

# --- an api_key: the files API says whether the file changed ---------------------
api="api GET /drive/v3/files/$kid?fields=md5Checksum,size,modifiedTime,name"
kuc="drive GET /uc?export=download&id=$kid"
kform="content GET /download?id=$kid&export=download&confirm=t&uuid="
# downloads: the requests for the file (the uc URL and the form).
downloads() { grep -c -e "^$kuc " -e "^$kform" "$GDRIVED_LOG" || true; }
file_md5() {
	db "SELECT coalesce(f.md5, 'NULL') FROM release_files f JOIN releases r ON r.id = f.release_id
		JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'keyed' ORDER BY r.seq DESC LIMIT 1"
}
# last_record: "outcome|http_status|bytes|files_fetched|files_parsed" of keyed's newest run.
last_record() {
	db "SELECT r.outcome || '|' || coalesce(r.http_status, '') || '|' || r.bytes || '|' ||
		coalesce(r.files_fetched, '') || '|' || coalesce(r.files_parsed, '') FROM runs r
		JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'keyed' ORDER BY r.id DESC LIMIT 1"
}
all_out=""
keep() { all_out+="$OUT$ERR"; }

keyed v1.json
run_sw "${C[@]}" check keyed
keep
expect_eq "keyed, first release: exit" "$RC" 0
expect_contains "keyed, first release" "$OUT" "keyed: release 1"
expect_eq "keyed, first release: no MD5 known, no API request" "$(grep -c '^api ' "$GDRIVED_LOG" || true)" 0
expect_eq "keyed, first release: downloaded (page, then form)" "$(downloads)" 2
expect_eq "keyed, first release: the file's MD5 kept" "$(file_md5)" "$v1_md5"
kreleases=$("$SW" "${C[@]}" releases keyed)
kentries=$(db "SELECT coalesce(sum(entries), 0) FROM segments")
kfiles=$(cached)

# unchanged: one request to the files API, nothing downloaded or parsed
keyed v1.json
run_sw "${C[@]}" check keyed
keep
expect_eq "keyed, unchanged: exit" "$RC" 0
expect_contains "keyed, unchanged" "$OUT" "keyed: unchanged: same content as release 1"
expect_eq "keyed, unchanged: the files API alone, with the key" "$(cat "$GDRIVED_LOG")" "$api 200 key=ok"
expect_eq "keyed, unchanged: nothing downloaded" "$(downloads)" 0
expect_eq "keyed, unchanged: the run record" "$(last_record)" "unchanged|200|0||"
expect_eq "keyed, unchanged: one release" "$(n_releases keyed)" 1
expect_eq "keyed, unchanged: the cache as it was" "$(cached)" "$kfiles"

# index_as_before WHAT: the releases, entries and cache as after release 1.
index_as_before() {
	expect_eq "$1: releases as they were" "$("$SW" "${C[@]}" releases keyed)" "$kreleases"
	expect_eq "$1: entries as they were" "$(db "SELECT coalesce(sum(entries), 0) FROM segments")" "$kentries"
	expect_eq "$1: the cache as it was" "$(cached)" "$kfiles"
	expect_eq "$1: nothing downloaded" "$(downloads)" 0
}
# fails WHAT RC MESSAGE [MORE [API]]: the keyed check fails so, and says so.
fails() {
	local what=$1 rc=$2 message=$3
	keyed v1.json "${4:-}" "${5:-}"
	run_sw "${C[@]}" check keyed
	keep
	expect_eq "$what: exit" "$RC" "$rc"
	expect_contains "$what: the message" "$ERR" "keyed: check failed: $message ("
	expect_contains "$what: the index is unchanged" "$ERR" "; the index is unchanged"
	expect_eq "$what: the run says so" "$(last_run keyed)" "failed|$message"
	index_as_before "$what"
}
# First after a success: the wait asked for, longer than the backoff's.
before=$(date +%s)
fails "429 with Retry-After" 69 \
	"Google Drive's files API asks to wait 120s (HTTP 429, RATE_LIMIT_EXCEEDED: 'Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'drive.googleapis.com'.')" \
	'"api": 429, "api_retry_after": 120'
expect_eq "429: held back as asked" "$(db "SELECT retry_after FROM runs ORDER BY id DESC LIMIT 1")" 120
due=$(date -u -d "@$((before + 120))" '+%Y-%m-%d %H:%M')
due_late=$(date -u -d "@$((before + 180))" '+%Y-%m-%d %H:%M')
case $ERR in
*"keyed: due again at $due UTC"* | *"keyed: due again at $due_late UTC"*) sw_pass ;;
*) sw_fail "429: not due again at $due: $ERR" ;;
esac
gdrived_log_clear
run_sw "${C[@]}" check
keep
expect_contains "429: a check of the due datasets passes it over" "$OUT" "keyed: not due until"
expect_eq "429: and asks nothing" "$(grep -c '^api ' "$GDRIVED_LOG" || true)" 0
fails "API 404" 69 "Google Drive's files API has no file '$kid' (HTTP 404, notFound: 'File not found: $kid.')" '"api": 404'
expect_eq "API 404: one request" "$(cat "$GDRIVED_LOG")" "$api 404 key=ok"
fails "a restricted key, 403" 69 \
	"Google Drive's files API refused file '$kid' (HTTP 403, API_KEY_SERVICE_BLOCKED: 'Requests to this API drive method google.apps.drive.v3.DriveFiles.Get are blocked.'): the api_key is restricted (to other APIs, hosts or addresses), or the file is not shared with anyone who has its link" \
	"" '"key_refusal": 403, "api_key": "another-key"'
expect_eq "403: sent the key the server does not take" "$(cat "$GDRIVED_LOG")" "$api 403 key=wrong"
fails "a key not valid, 400" 69 \
	"Google Drive's files API refused the api_key (HTTP 400, API_KEY_INVALID: 'API key not valid. Please pass a valid API key.')" \
	"" '"api_key": "another-key"'
fails "a 400 that quotes the key" 69 \
	"Google Drive's files API refused the api_key (HTTP 400, API_KEY_INVALID; its message quotes the api_key: not shown)" \
	"" '"api_key": "another-key", "echo_key": true'
fails "malformed JSON" 65 \
	"Google Drive's files API: $GDRIVED_API_URL/drive/v3/files/$kid?fields=md5Checksum,size,modifiedTime,name: the reply is not JSON (parse error: premature EOF)" \
	'"api": "malformed"'
fails "a reply over the cap" 65 \
	"Google Drive's files API: $GDRIVED_API_URL/drive/v3/files/$kid?fields=md5Checksum,size,modifiedTime,name: the reply is larger than 65536 bytes" \
	'"api": "big"'
fails "a redirect" 69 \
	"Google Drive's files API answered HTTP 302, a redirect: not followed, the api_key goes to api_endpoint only" \
	'"api": "redirect"'
expect_eq "redirect: not followed" "$(cat "$GDRIVED_LOG")" "$api 302 key=ok"

# a changed file: a new MD5, downloaded, the exact changes
keyed v2.json
run_sw "${C[@]}" check keyed
keep
expect_eq "keyed, changed: exit" "$RC" 0
expect_contains "keyed, changed: release 2" "$OUT" "keyed: release 2"
expect_contains "keyed, changed: downloaded and parsed" "$OUT" "[1 file: 1 downloaded (2.5 KiB), 1 parsed]"
expect_eq "keyed, changed: asked, then downloaded" "$(sed -n 1p "$GDRIVED_LOG")" "$api 200 key=ok"
expect_eq "keyed, changed: the download" "$(downloads)" 2
expect_eq "keyed, changed: the new MD5 kept" "$(file_md5)" "$v2_md5"
expect_eq "keyed, changed: the entries added and removed" \
	"$("$SW" "${C[@]}" diff keyed --format csv | cut -d, -f1,2 | sort)" \
	"$("$SW" "${C[@]}" diff ffhq 1 2 --format csv | cut -d, -f1,2 | sort)"
expect_eq "keyed, changed: photo 9912345678 added, 7581654399 removed" \
	"$("$SW" "${C[@]}" diff keyed --format csv | cut -d, -f1,2 | sed 1d | sort)" \
	"added,9912345678
removed,7581654399"
keyed v2.json
run_sw "${C[@]}" check keyed
keep
expect_contains "keyed, v2 unchanged" "$OUT" "keyed: unchanged: same content as release 2"
expect_eq "keyed, v2 unchanged: nothing downloaded" "$(downloads)" 0

# no md5Checksum (a Google Docs file): the download decides
keyed v2.json '"api": "no_md5"'
run_sw "${C[@]}" check keyed
keep
expect_eq "no md5Checksum: exit" "$RC" 0
expect_contains "no md5Checksum: the same content" "$OUT" "keyed: unchanged: same content as release 2"
expect_contains "no md5Checksum: downloaded, not parsed" "$OUT" "[1 file: 1 downloaded (2.5 KiB), 0 parsed]"
expect_eq "no md5Checksum: asked first" "$(sed -n 1p "$GDRIVED_LOG")" "$api 200 key=ok"
expect_eq "no md5Checksum: then downloaded" "$(downloads)" 2

# a row without an MD5 (as a database of before keeps it): downloaded
# once, the MD5 learnt, then the files API decides again
db "UPDATE release_files SET md5 = NULL WHERE release_id = (SELECT r.id FROM releases r
	JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'keyed' ORDER BY r.seq DESC LIMIT 1)"
keyed v2.json
run_sw "${C[@]}" check keyed
keep
expect_eq "no MD5 kept: no API request" "$(grep -c '^api ' "$GDRIVED_LOG" || true)" 0
expect_eq "no MD5 kept: downloaded" "$(downloads)" 2
expect_eq "no MD5 kept: learnt from the download" "$(file_md5)" "$v2_md5"
keyed v2.json
run_sw "${C[@]}" check keyed
keep
expect_eq "MD5 learnt: the files API alone" "$(cat "$GDRIVED_LOG")" "$api 200 key=ok"

# the key: never in a URL, a log, a message or the database; only the api
# server ever saw it
expect_eq "the key went to the api server only" \
	"$(grep -c -e '^drive .* key=' -e '^content .* key=' "$GDRIVED_DIR/requests.log" || true)" 0
expect_not_contains "the key is in no output" "$all_out" "$key"
expect_eq "the key is in no request line" "$(grep -c -F "$key" "$GDRIVED_LOG" || true)" 0
expect_eq "the key is not in the database" \
	"$(sqlite3 "$state/scrapewatch.db" .dump | grep -c -F "$key" || true)" 0
expect_eq "the key is not in the server's errors" "$(grep -c -F "$key" "$GDRIVED_ERROR_LOG" || true)" 0
sw_done
