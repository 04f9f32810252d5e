#!/usr/bin/env bash
# Network faults during a check, against tests/lib/fault_server.py on
# 127.0.0.1 (the URL's first path segment chooses the misbehaviour): a body
# that stalls (the low-speed limit fires), a connection closed mid-body, a
# Content-Length longer than the body, a body slower than the dataset's
# timeout, an endless chunked body (max_download), a truncated, a corrupt
# and a wrong-CRC gzip, an empty body, a refused connection, and TLS handshake failures
# (plain HTTP on the https port, a reset during the handshake, a
# certificate for another host).  A redirect loop is in fetch.sh
# ("loop: followed 5 redirects, then stopped").
#
# Each case: a good release 1, then the fault: `check` exits 69 (fetch
# failure) or 65 (rejected data), the error says what happened, the
# releases and the database are as they were; then the server behaves and
# the next check brings release 2, resuming the partial download where the
# server allowed it.  Every check runs under `timeout`.
set -euo pipefail
SW_BIN=$1
. tests/lib/assert.sh
. tests/lib/servers.sh
. tests/lib/httpd.sh # httpd_make_tls only; no nginx here

tmp=$(mktemp -d)
FAULT_PID=
trap 'servers_stop "$FAULT_PID"; rm -rf "$tmp"' EXIT

# Every run of the binary is bounded: a hang is exit 124, not a stuck test.
SW=$tmp/sw
printf '#!/bin/sh\nexec timeout -k 2 20 "%s" "$@"\n' "$SW_BIN" >"$SW"
chmod +x "$SW"

srv=$tmp/srv
mkdir -p "$srv/www"
httpd_make_tls "$srv"
# A certificate from the same CA, for another host name.
t=$srv/tls
cat >"$t/wronghost.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.org
authorityKeyIdentifier = keyid
EOF
openssl req -new -subj /CN=wrong.example.org -newkey ec \
	-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$t/wronghost.key" \
	-out "$t/wronghost.csr" 2>"$t/openssl.err"
openssl x509 -req -in "$t/wronghost.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" \
	-set_serial "0x$(openssl rand -hex 8)" -days 2 \
	-extfile "$t/wronghost.ext" -out "$t/wronghost.crt" 2>"$t/openssl.err"

servers_start fault_server "$srv" "$srv/ready" \
	"$SW_PYTHON" tests/lib/fault_server.py "$srv"
FAULT_PID=$SERVERS_PID
read -r HTTP_PORT TLS_PORT <"$srv/ready"
H=http://127.0.0.1:$HTTP_PORT
# A port nothing listens on.
DEAD_PORT=$("$SW_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# paths FIRST COUNT: a paths manifest, COUNT lines of about 40 bytes.
paths() {
	seq "$1" $(($1 + $2 - 1)) |
		awk '{ printf "FlickrFinal2/%d/12345678@N00/%d_0.jpg\n", $1 % 500, $1 }'
}
www=$srv/www
for n in stall close short; do paths 1000 2000 >"$www/$n.txt"; done
paths 1000 20000 >"$www/drip.txt" # 0.9 MB: 2.5 s at the drip's pace
paths 1000 100 >"$www/endless.txt"
paths 1000 100 >"$www/tls.txt"
paths 1000 100 >"$www/empty.txt"
paths 1000 2000 >"$www/splice.txt"
paths 1000 100 >"$www/notmod.txt"
for n in gztrunc gzcorrupt gzcrc; do paths 1000 2000 | gzip -n >"$www/$n.txt.gz"; done

state=$tmp/state
cat >"$tmp/sw.yaml" <<EOF
state_dir: $state
fetch: { ca_file: $t/ca.crt, low_speed_limit: 100K, low_speed_time: 1s,
         connect_timeout: 5s }
datasets:
  - { name: stall, url: "$H/stall/stall.txt", format: paths }
  - { name: close, url: "$H/close/close.txt", format: paths }
  - { name: short, url: "$H/short/short.txt", format: paths }
  - { name: drip, url: "$H/drip/drip.txt", format: paths, timeout: 1s }
  - { name: endless, url: "$H/endless/endless.txt", format: paths, max_download: 1M }
  - { name: gztrunc, url: "$H/ok/gztrunc.txt.gz", format: paths }
  - { name: gzcorrupt, url: "$H/ok/gzcorrupt.txt.gz", format: paths }
  - { name: gzcrc, url: "$H/ok/gzcrc.txt.gz", format: paths }
  - { name: empty, url: "$H/empty/empty.txt", format: paths }
  - { name: splice, url: "$H/splice/splice.txt", format: paths }
  - { name: notmod, url: "$H/notmod/notmod.txt", format: paths }
  - { name: refused, url: "http://127.0.0.1:$DEAD_PORT/ok/tls.txt", format: paths }
  - { name: tls, url: "https://localhost:$TLS_PORT/ok/tls.txt", format: paths }
EOF
C=(-c "$tmp/sw.yaml")
db=$state/scrapewatch.db

releases() { "$SW" "${C[@]}" releases "$1" 2>&1; }
integrity() { sqlite3 "$db" 'PRAGMA integrity_check' 2>&1; }
last_run() {
	sqlite3 "$db" "SELECT r.outcome || '|' || coalesce(r.error, '') FROM runs r
		JOIN datasets d ON d.id = r.dataset_id WHERE d.name = '$1'
		ORDER BY r.id DESC LIMIT 1"
}
part_size() { stat -c %s "$state/cache/$1.part" 2>/dev/null || echo 0; }
behave() { servers_put "$srv/control" "behave $1" "behave $1"; }
misbehave() { servers_put "$srv/control" "behave $1" ""; }
tls_mode() { servers_put "$srv/control" "tls " "tls $1"; }
# last_request PATH: the server's last log record for PATH.
last_request() { grep -F "\"path\": \"$1\"" "$srv/requests.log" | tail -1; }
now() { date +%s%N; }
ms_since() { echo $((($(now) - $1) / 1000000)); }

# good NAME RELEASE: the check brings release RELEASE.
good() {
	run_sw "${C[@]}" check "$1"
	expect_eq "$1: check $2: exit" "$RC" 0
	expect_contains "$1: check $2" "$OUT" "$1: release $2 "
	[ "$RC" = 0 ] || echo "  stderr: $ERR" >&2
}

# fault NAME STATUS MESSAGE MAX_MS: the check fails with STATUS in at most
# MAX_MS, MESSAGE in the log and the run record; the index is as it was.
fault() {
	local name=$1 before t0 ms
	before=$(releases "$name")
	t0=$(now)
	run_sw "${C[@]}" check "$name"
	ms=$(ms_since "$t0")
	FAULT_TIMES+="$name ${ms}ms; "
	[ -z "${NETFAULT_VERBOSE:-}" ] || printf '%s (exit %s):\n%s\n' "$name" "$RC" "$ERR" >&2
	expect_eq "$name: fault: exit" "$RC" "$2"
	expect_contains "$name: fault: what happened" "$ERR" "error: $name: check failed: $3"
	expect_contains "$name: fault: says the index is unchanged" "$ERR" "; the index is unchanged"
	expect_contains "$name: fault: run record" "$(last_run "$name")" "failed|$3"
	expect_eq "$name: fault: releases unchanged" "$(releases "$name")" "$before"
	expect_eq "$name: fault: database intact" "$(integrity)" ok
	expect_eq "$name: fault: nothing on stdout" "$OUT" ""
	if [ "$ms" -le "$4" ]; then sw_pass; else sw_fail "$name: fault took ${ms} ms (at most $4)"; fi
}
FAULT_TIMES=

# --- a body that stops, resumed --------------------------------------------
# stall: the low-speed limit (100K for 1s) fires; close: the server hangs
# up; short: Content-Length 1000 bytes past the end.  The partial file is
# kept, and the next check resumes it with Range and If-Range.
for n in stall close short; do
	behave $n
	good $n 1
	paths 5000 2000 >"$www/$n.txt" # release 2: other content
	misbehave $n
done
fault stall 69 "$H/stall/stall.txt: Operation too slow. Less than 102400 bytes/sec transferred the last 1 seconds" 8000
fault close 69 "$H/close/close.txt: transfer closed with" 3000
fault short 69 "$H/short/short.txt: transfer closed with 1000 bytes remaining to read" 3000
size=$(stat -c %s "$www/stall.txt")
for n in stall close; do
	part=$(part_size $n)
	expect_eq "$n: half the body kept for a resume" "$part" $((size / 2))
	behave $n
	good $n 2
	expect_contains "$n: resumed" "$OUT" "resumed after"
	expect_contains "$n: asked for the rest" "$(last_request /$n/$n.txt)" \
		"\"range\": \"bytes=$part-\""
	expect_contains "$n: with If-Range" "$(last_request /$n/$n.txt)" '"if_range": "\"'
	expect_contains "$n: got the rest" "$(last_request /$n/$n.txt)" '"status": 206'
done
# short: all of the file arrived, so the resume asks past its end: 416,
# then the whole file again.
expect_eq "short: the whole body kept" "$(part_size short)" "$size"
behave short
good short 2
expect_contains "short: 416, then whole" "$(grep -F /short/short.txt "$srv/requests.log" |
	tail -2 | sed 's/.*"status": \([0-9]*\).*/\1/' | paste -sd' ')" "416 200"
for n in stall close short; do
	expect_eq "$n: release 2 is the server's file" \
		"$(sqlite3 "$db" "SELECT r.sha256 FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = '$n' AND r.seq = 2")" \
		"$(sha256sum <"$www/$n.txt" | cut -c1-64)"
	expect_eq "$n: no partial left" "$(find "$state/cache" -maxdepth 1 -name "$n.part*" | wc -l)" 0
done

# --- slower than the dataset's timeout (1s) ----------------------------------
behave drip
good drip 1
paths 30000 20000 >"$www/drip.txt"
misbehave drip
fault drip 69 "$H/drip/drip.txt: Operation timed out after" 3000
expect_contains "drip: the timeout names the bytes" "$ERR" "bytes received"
part=$(part_size drip)
behave drip
good drip 2
expect_contains "drip: resumed" "$OUT" "resumed after"
expect_contains "drip: asked for the rest" "$(last_request /drip/drip.txt)" "\"range\": \"bytes=$part-\""

# --- an endless chunked body: max_download (1M) ------------------------------
behave endless
good endless 1
paths 9000 100 >"$www/endless.txt"
misbehave endless
fault endless 65 "$H/endless/endless.txt: the file is larger than max_download (1048576 bytes)" 5000
expect_eq "endless: nothing kept" "$(part_size endless)" 0
behave endless
good endless 2

# --- gzip that is truncated, corrupt, or has a wrong CRC: rejected ----------
for n in gztrunc gzcorrupt gzcrc; do good $n 1; done
paths 7000 2000 | gzip -n >"$tmp/v2.gz"
gz=$(stat -c %s "$tmp/v2.gz")
head -c $((gz / 2)) "$tmp/v2.gz" >"$www/gztrunc.txt.gz"
# A byte in the middle of the deflate data; the CRC-32 in the trailer.
cp "$tmp/v2.gz" "$www/gzcorrupt.txt.gz"
printf '\377\377\377\377' | dd of="$www/gzcorrupt.txt.gz" bs=1 seek=$((gz / 2)) conv=notrunc status=none
cp "$tmp/v2.gz" "$www/gzcrc.txt.gz"
printf '\0\0\0\0' | dd of="$www/gzcrc.txt.gz" bs=1 seek=$((gz - 8)) conv=notrunc status=none
# Truncated: rejected, and again on the next check (a rejected file leaves
# no validators behind, so it is fetched and judged again, never "unchanged").
gz_rejected() { # NAME MESSAGE
	fault "$1" 65 "" 3000
	expect_contains "$1: says why" "$ERR" "$2"
	fault "$1" 65 "" 3000
	expect_eq "$1: the rejected file is not kept" "$(find "$state/cache/$1" -type f | wc -l)" 1
}
gz_rejected gztrunc "truncated gzip input"
# libarchive's gzip filter does not check the trailer (CRC-32 and length);
# decode.c does: a flipped byte or a wrong CRC rejects the release.
gz_rejected gzcorrupt "the gzip file is corrupt: its CRC-32 or length does not match"
gz_rejected gzcrc "the gzip file is corrupt: its CRC-32 or length does not match"
for n in gztrunc gzcorrupt gzcrc; do
	cp "$tmp/v2.gz" "$www/$n.txt.gz"
	run_sw "${C[@]}" check $n
	expect_eq "$n: the good file: exit" "$RC" 0
	expect_contains "$n: the good file: a release" "$OUT" "$n: release "
	expect_eq "$n: the newest release is the good file" \
		"$(sqlite3 "$db" "SELECT r.sha256 FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = '$n' ORDER BY r.seq DESC LIMIT 1")" \
		"$(sha256sum <"$tmp/v2.gz" | cut -c1-64)"
done

# --- an empty body (200, Content-Length: 0): rejected, the index kept --------
behave empty
good empty 1
misbehave empty
fault empty 65 "" 3000
expect_contains "empty: says the download is empty" "$ERR" "the file is empty (0 bytes)"
behave empty
run_sw "${C[@]}" check empty
expect_eq "empty: the file again: unchanged" "$OUT" "empty: unchanged (HTTP 304 Not Modified)"

# --- a server that ignores If-Range: never two files spliced into one -----
# The partial download is of one file; the server then has another and
# answers the resume's Range with its tail (206, a new ETag) whatever the
# If-Range said.  The 206's validator is not the one the partial began
# with: the download starts over, and the release is the new file whole.
misbehave splice
fault splice 69 "$H/splice/splice.txt: transfer closed with" 3000
expect_eq "splice: half the first file kept" "$(part_size splice)" $(($(stat -c %s "$www/splice.txt") / 2))
paths 5000 2000 >"$www/splice.txt"
behave splice
good splice 1
expect_contains "splice: the resume was answered 206" \
	"$(grep -F /splice/splice.txt "$srv/requests.log" | tail -2 | head -1)" '"status": 206'
expect_contains "splice: then asked for the whole file" \
	"$(last_request /splice/splice.txt)" '"range": null'
expect_eq "splice: release 1 is the server's file, not a splice" \
	"$(sqlite3 "$db" "SELECT r.sha256 FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'splice'")" \
	"$(sha256sum <"$www/splice.txt" | cut -c1-64)"

# --- a 304 to a request that asked no condition is the server's error -----
fault notmod 69 "$H/notmod/notmod.txt: HTTP 304 (Not Modified) to a request without a condition" 3000
expect_contains "notmod: no condition was sent" "$(last_request /notmod/notmod.txt)" '"range": null'
expect_eq "notmod: no release, and the failure shows" "$(last_run notmod | cut -d'|' -f1)" failed

# --- nothing listening ------------------------------------------------------
fault refused 69 "http://127.0.0.1:$DEAD_PORT/ok/tls.txt: Failed to connect to 127.0.0.1 port $DEAD_PORT" 3000

# --- TLS handshake failures -------------------------------------------------
tls_mode ok
good tls 1
paths 8000 100 >"$www/tls.txt"
tls_mode plain
fault tls 69 "https://localhost:$TLS_PORT/ok/tls.txt: " 3000
expect_contains "tls plain: names the TLS failure" "$ERR" "wrong version number"
tls_mode reset
fault tls 69 "https://localhost:$TLS_PORT/ok/tls.txt: " 3000
expect_contains "tls reset: names the reset" "$ERR" "Connection reset by peer"
tls_mode wronghost
fault tls 69 "https://localhost:$TLS_PORT/ok/tls.txt: SSL: no alternative certificate subject name matches target host name 'localhost'" 3000
expect_eq "tls: three failures in a row" \
	"$(sqlite3 "$db" "SELECT consecutive_failures FROM datasets WHERE name = 'tls'")" 3
tls_mode ok
good tls 2
expect_eq "tls: failures reset" \
	"$(sqlite3 "$db" "SELECT consecutive_failures FROM datasets WHERE name = 'tls'")" 0

echo "fault times: $FAULT_TIMES"
sw_done
