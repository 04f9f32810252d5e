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
	EOF
}
config "$v1_md5"
C=(-c "$tmp/sw.yaml")

# drive FILE MODE [MORE]: what the large file is served as.
drive() {
	gdrived_state "{\"files\": {
		\"$big\": {\"path\": \"$1\", \"mode\": \"$2\"${3:+, $3}},
		\"$small\": {\"path\": \"v1.json\", \"mode\": \"direct\", \"name\": \"ffhq-small.json\"},
		\"1privateFILE\": {\"path\": \"v1.json\", \"mode\": \"signin\"}}}"
	gdrived_log_clear
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
sw_done
