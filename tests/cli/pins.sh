#!/usr/bin/env bash
# A dataset's md5 pin (a publisher's MD5, as NVIDIA gives for FFHQ),
# checked by scrapewatch check against a real nginx on 127.0.0.1
# (tests/lib/httpd.sh): the right MD5, written in upper case, lets the
# release in; a wrong one fails the check with both MD5s named, keeps
# nothing in the cache and leaves the index as it was, releases before it
# included; and the MD5 of a download resumed after a killed transfer
# covers the bytes kept from the first try.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh

tmp=$(mktemp -d)
trap 'httpd_stop; rm -rf "$tmp"' EXIT
httpd_start

state=$tmp/state
www=$HTTPD_WWW
cp demo/releases/ffhq-demo-v1.json "$www/release.json"
seq 100000 104999 | awk '{ printf "https://farm%d.staticflickr.com/%d/%d_0123456789_o.jpg\n", $1 % 9 + 1, $1 % 5000, $1 * 7 }' >"$www/big.txt"
chmod 644 "$www"/*

md5_of() { md5sum <"$1" | cut -c1-32; }
v1_md5=$(md5_of demo/releases/ffhq-demo-v1.json)
v2_md5=$(md5_of demo/releases/ffhq-demo-v2.json)
upper=$(tr a-f A-F <<<"$v1_md5")
zero=00000000000000000000000000000000

# config FILE MD5: datasets pinned to MD5 (right: the one of v1).
config() {
	cat >"$1" <<-EOF
		state_dir: $state
		fetch: { low_speed_time: 20s, keep_releases: 2 }
		datasets:
		  - { name: right, url: "$HTTPD_URL/release.json", format: ffhq, md5: $upper }
		  - { name: wrong, url: "$HTTPD_URL/release.json", format: ffhq, md5: $zero }
		  - { name: later, url: "$HTTPD_URL/release.json", format: ffhq, md5: $2 }
		  - { name: big, url: "$HTTPD_URL/slow/big.txt", format: paths, md5: $(md5_of "$www/big.txt") }
	EOF
}
config "$tmp/sw.yaml" "$v1_md5"
C=(-c "$tmp/sw.yaml")

n_releases() {
	sqlite3 "$state/scrapewatch.db" "SELECT count(*) FROM releases r JOIN
		datasets d ON d.id = r.dataset_id WHERE d.name = '$1'"
}
last_run() {
	sqlite3 "$state/scrapewatch.db" "SELECT r.outcome || '|' ||
		coalesce(r.error, '') FROM runs r JOIN datasets d ON
		d.id = r.dataset_id WHERE d.name = '$1' ORDER BY r.id DESC LIMIT 1"
}
wait_size() {
	local i
	for i in $(seq 200); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# --- the right MD5 -------------------------------------------------------
run_sw "${C[@]}" check right
expect_eq "right md5: exit" "$RC" 0
expect_contains "right md5: a release" "$OUT" "right: release 1"
expect_eq "right md5: one release" "$(n_releases right)" 1

# --- a wrong MD5 ---------------------------------------------------------
run_sw "${C[@]}" check wrong
expect_eq "wrong md5: exit" "$RC" 65
want="md5 mismatch: the dataset pins $zero, the download is $v1_md5"
expect_contains "wrong md5: the log says why" "$ERR" "wrong: check failed: $want"
expect_eq "wrong md5: the run says why" "$(last_run wrong)" "failed|$want"
expect_eq "wrong md5: no release" "$(n_releases wrong)" 0
expect_eq "wrong md5: nothing kept" \
	"$(find "$state/cache" -path '*wrong*' -type f | wc -l)" 0

# --- a release, then content the pin refuses ------------------------------
run_sw "${C[@]}" check later
expect_contains "later: first release" "$OUT" "later: release 1"
run_sw "${C[@]}" releases later
before=$OUT
entries=$(sqlite3 "$state/scrapewatch.db" "SELECT coalesce(sum(entries), 0) FROM segments")
cp demo/releases/ffhq-demo-v2.json "$www/release.json"
touch -d '2030-01-01 00:00' "$www/release.json"
run_sw "${C[@]}" check later
expect_eq "later, v2: exit" "$RC" 65
expect_contains "later, v2: the log says why" "$ERR" \
	"later: check failed: md5 mismatch: the dataset pins $v1_md5, the download is $v2_md5"
run_sw "${C[@]}" releases later
expect_eq "later, v2: releases as they were" "$OUT" "$before"
expect_eq "later, v2: entries as they were" \
	"$(sqlite3 "$state/scrapewatch.db" "SELECT coalesce(sum(entries), 0) FROM segments")" "$entries"
# Pinned to v2, the same content is let in.
config "$tmp/sw.yaml" "$v2_md5"
run_sw "${C[@]}" check later
expect_eq "later, pinned to v2: exit" "$RC" 0
expect_contains "later, pinned to v2: a release" "$OUT" "later: release 2"

# --- a resumed download --------------------------------------------------
"$SW" "${C[@]}" check big >/dev/null 2>&1 &
pid=$!
wait_size "$state/cache/big.part" 100000 || sw_fail "big: no partial download"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
sleep 0.3
run_sw "${C[@]}" check big
expect_eq "resumed: exit" "$RC" 0
expect_contains "resumed: resumed" "$OUT" "resumed after"
expect_contains "resumed: the MD5 of the whole file matches" "$OUT" "big: release 1"
sw_done
