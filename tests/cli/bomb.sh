#!/usr/bin/env bash
# Decompression bombs from a real nginx on 127.0.0.1 (tests/lib/httpd.sh):
# a gigabyte of blank lines in 33 KB of zstd and 256 MB in 39 KB of xz,
# far beyond the default max_expansion of 1000:1.  `check` stops each one
# after the floor of 64 MiB, within seconds rather than decoding it all,
# says which file and which ratio, and lands nothing; a dataset whose
# max_expansion allows the ratio lands the same xz file.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh

tmp=$(mktemp -d)
trap 'httpd_stop; rm -rf "$tmp"' EXIT
httpd_start

www=$HTTPD_WWW
# blank_lines SIZE: that many newlines (yes stops at the pipe's end).
blank_lines() { { yes '' || true; } | head -c "$1"; }
blank_lines 1G | zstd -q -c >"$www/lines.txt.zst"
blank_lines 256M | xz -0 -T1 -c >"$www/lines.txt.xz"
chmod 644 "$www"/*

state=$tmp/state
cat >"$tmp/sw.yaml" <<EOF
state_dir: $state
datasets:
  - { name: zstd-bomb, url: "$HTTPD_URL/lines.txt.zst", format: paths }
  - { name: xz-bomb, url: "$HTTPD_URL/lines.txt.xz", format: paths }
  - name: xz-allowed
    url: "$HTTPD_URL/lines.txt.xz"
    format: paths
    max_expansion: 100000:1
EOF
C=(-c "$tmp/sw.yaml")

# run_error DATASET: the error recorded by its newest run.
run_error() {
	sqlite3 "$state/scrapewatch.db" "SELECT coalesce(r.error, '') FROM runs r
		JOIN datasets d ON d.id = r.dataset_id WHERE d.name = '$1'
		ORDER BY r.id DESC LIMIT 1"
}

# bomb_stopped DATASET KIND: check fails on the ratio, early, landing nothing.
bomb_stopped() {
	local start end error
	start=$(date +%s)
	run_sw "${C[@]}" check "$1"
	end=$(date +%s)
	expect_eq "$1: exit" "$RC" 65
	expect_contains "$1: the error names the ratio" "$ERR" \
		"($2, plain) expands more than 1000:1:"
	expect_contains "$1: the error names the file" "$ERR" "'$state/cache/$1/"
	expect_contains "$1: nothing landed" "$ERR" "the index is unchanged"
	error=$(run_error "$1")
	expect_contains "$1: the run records why" "$error" "expands more than 1000:1"
	# The floor (64 MiB) and one block more, not the whole content.
	decoded=$(sed -n 's/.*: \([0-9]*\) bytes decoded from its first.*/\1/p' <<<"$error")
	if [ -n "$decoded" ] && [ "$decoded" -le $((65 << 20)) ]; then
		sw_pass
	else
		sw_fail "$1: decoded '$decoded' bytes, want at most 65 MiB: $error"
	fi
	# Decoding everything took the old binary about half a minute.
	if [ $((end - start)) -le 15 ]; then
		sw_pass
	else
		sw_fail "$1: check took $((end - start)) s"
	fi
	run_sw "${C[@]}" releases "$1"
	expect_not_contains "$1: no release" "$OUT" "zstd"
	expect_not_contains "$1: no release" "$OUT" "xz"
}

bomb_stopped zstd-bomb zstd
bomb_stopped xz-bomb xz

# --- a ratio the dataset allows: the same file lands ---------------------------
run_sw "${C[@]}" check xz-allowed
expect_eq "allowed: exit" "$RC" 0
expect_contains "allowed: landed" "$OUT" "xz-allowed: release 1 (xz, plain"
expect_eq "allowed: run ok" "$(run_error xz-allowed)" ""

sw_done
