#!/usr/bin/env bash
# Alert delivery by email against a real SMTP server on 127.0.0.1
# (tests/lib/smtpd.sh: STARTTLS, AUTH): a single alert and a digest arrive
# as valid MIME (multipart/alternative, text and HTML, checked with
# Python's email package), with the photos, the opt-out route and a
# List-Unsubscribe URL with each subscriber's own token, which
# `scrapewatch unsubscribe` (and the HMAC the README describes) traces back
# to that subscriber, and which is refused once altered or made with
# another key; operator notices and test messages have no
# List-Unsubscribe; a connection dropped after DATA is retried with
# the same Message-ID and the same bytes; 451 is retried, then delivered;
# 550 fails for good and the operator is told, by email too, in words
# rather than JSON, as for each new release; a manifest's javascript:,
# data: or foreign page URL is no link in the HTML; both render in
# headless Chromium (a PNG with text and thumbnails).
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/smtpd.sh
. tests/lib/httpd.sh

tmp=$(mktemp -d)
trap 'smtpd_stop; httpd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
smtpd_start

release() {
	local id owner
	echo 'photo,owner,image' >"$tmp/faces.csv"
	for p in "$@"; do
		IFS=/ read -r owner id <<<"$p"
		echo "$id,$owner,https://farm4.staticflickr.com/3211/${id}_a1b2c3d4e5_b.jpg" >>"$tmp/faces.csv"
	done
}

printf '%s\n' "$SMTPD_PASSWORD" >"$tmp/smtp.pw"
chmod 600 "$tmp/smtp.pw"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
smtp:
  url: "$SMTPD_URL"
  from: "scrapewatch <alerts@watch.example.org>"
  user: "$SMTPD_USER"
  password: { file: $tmp/smtp.pw }
alerts:
  email_retries: [1s, 1s]
  timeout: 5s
  unsubscribe: "mailto:unsubscribe@watch.example.org"
  ca_file: "$SMTPD_CA"
operator: { email: ops@watch.example.org }
datasets:
  - name: faces
    url: "file://$tmp/faces.csv"
    format: csv
    columns: { photo_id: photo, owner_nsid: owner, image_url: image }
    optout: "https://faces.example.org/opt-out"
subscribers:
  ann: { email: "Ann Müller <ann@example.org>" }
  dan: { email: dan@example.org, digest: daily }
  gone: { email: gone@example.org }
watch:
  - { subscriber: ann, flickr: { nsid: 11111111@N00 } }
  - { subscriber: dan, flickr: { nsid: 22222222@N00 } }
  - { subscriber: gone, flickr: { nsid: 33333333@N00 } }
EOF
C=(-c "$tmp/sw.yaml")

deliver() {
	run_sw "${C[@]}" deliver
	[ "$RC" = 0 ] || sw_fail "deliver: exit $RC: $ERR"
}
# mails_to ADDRESS: the .eml files sent to ADDRESS, oldest first.
mails_to() {
	"$SW_PYTHON" - "$SMTPD_MAIL" "$1" <<-'EOF'
		import glob, json, sys
		for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
		    if json.load(open(f))["rcpt_tos"] == [sys.argv[2]]:
		        print(f[:-4] + "eml")
	EOF
}
# check_mail FILE EXPR: EXPR over mailcheck.py's summary of FILE (m).
check_mail() {
	"$SW_PYTHON" tests/lib/mailcheck.py "$1" >"$tmp/check.json" || {
		sw_fail "mailcheck $1: $(cat "$tmp/check.json")"
		return 0
	}
	"$SW_PYTHON" -c "import json, sys; m = json.load(open(sys.argv[1])); print($2)" "$tmp/check.json"
}
# part FILE TYPE: the decoded text/plain or text/html part.
part() {
	"$SW_PYTHON" - "$1" "$2" <<-'EOF'
		import email, email.policy, sys
		msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
		print(msg.get_body(preferencelist=(sys.argv[2],)).get_content())
	EOF
}

# --- release 1: baselines; a 451 first, then delivered ----------------------
smtpd_control fail_data=1
release 11111111@N00/101 11111111@N00/102 22222222@N00/201 33333333@N00/301
run_sw "${C[@]}" check --all
deliver
expect_contains "451: retried" "$ERR" "451"
expect_eq "451: one to retry (of 3 baselines and the operator's dataset.release)" "$OUT" "alerts: 3 sent, 1 to retry, 0 failed"
sleep 1.2
deliver
expect_eq "then delivered" "$OUT" "alerts: 1 sent, 0 to retry, 0 failed"
ann=$(mails_to ann@example.org)
expect_eq "ann: one message" "$(wc -w <<<"$ann")" 1
expect_eq "valid MIME: multipart/alternative, text and HTML, short lines" \
	"$(check_mail "$ann" "m['alternative'], m['problems'], m['max_line_length'] <= 998")" \
	"True [] True"
expect_eq "headers" \
	"$(check_mail "$ann" "m['headers']['From'], m['headers']['To'], m['headers']['Subject']")" \
	"scrapewatch <alerts@watch.example.org> Ann Müller <ann@example.org> faces holds 2 of your photos"
alert=$(run_sw "${C[@]}" outbox --format json; "$SW_PYTHON" -c "import json, sys; print([a['id'] for a in json.load(sys.stdin) if a['subscriber'] == 'ann'][0])" <<<"$OUT")
expect_eq "Message-ID from the alert id" "$(check_mail "$ann" "m['headers']['Message-ID']")" "<$alert@watch.example.org>"
text=$(part "$ann" plain)
expect_contains "text: what happened" "$text" "scrapewatch now watches faces for you: its current release 1"
expect_contains "text: the photo page" "$text" "  * Photo 101 (your account 11111111@N00)
    https://www.flickr.com/photos/11111111@N00/101/"
expect_contains "text: the opt-out route" "$text" "To ask faces's maintainers to remove them: https://faces.example.org/opt-out"
expect_contains "text: the evidence" "$text" "scrapewatch evidence ann --dataset faces --out DIR"
html=$(part "$ann" html)
expect_contains "html: thumbnail" "$html" '<img width="75" height="75" alt="photo 101" src="https://live.staticflickr.com/3211/101_a1b2c3d4e5_q.jpg">'
expect_contains "html: escaped name" "$html" "Hello ann,"
cp "$ann" "$tmp/single.eml"

# --- List-Unsubscribe: each subscriber's own token ---------------------------
# token_of FILE: the token in FILE's List-Unsubscribe header ("none" if it
# has none, "other: VALUE" if it is not the configured URL with a token).
token_of() {
	check_mail "$1" "(lambda u: 'none' if u is None else (lambda t: t[1] if t else 'other: ' + u)(__import__('re').fullmatch(r'<mailto:unsubscribe@watch[.]example[.]org[?]subject=unsubscribe%20(v1[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]{43})>', u)))(m['headers']['List-Unsubscribe'])"
}
# hmac_token KEYFILE NAME: the token as the README says an endpoint may
# compute it: "v1." base64url(NAME) "." base64url(HMAC-SHA256(key,
# "unsubscribe\0" NAME)), base64url without padding.
hmac_token() {
	"$SW_PYTHON" - "$1" "$2" <<-'EOF'
		import base64, hashlib, hmac, sys
		key, name = open(sys.argv[1], "rb").read(), sys.argv[2].encode()
		b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
		print("v1." + b64(name) + "." + b64(hmac.new(key, b"unsubscribe\0" + name, hashlib.sha256).digest()))
	EOF
}
key=$tmp/state/unsubscribe.key
expect_eq "the key: 32 bytes, the owner's alone" "$(stat -c '%s %a' "$key")" "32 600"
declare -A token
for who in ann dan gone; do
	token[$who]=$(token_of "$(mails_to "$who@example.org" | head -n 1)")
	run_sw "${C[@]}" unsubscribe "${token[$who]}"
	expect_eq "$who's token names $who" "$RC $OUT" "0 $who"
	expect_eq "$who's token is the documented HMAC" "${token[$who]}" "$(hmac_token "$key" "$who")"
done
expect_eq "three subscribers, three tokens" "$(printf '%s\n' "${token[@]}" | sort -u | wc -l)" 3
# refused TOKEN WHAT: `scrapewatch unsubscribe` refuses TOKEN (exit 65).
refused() {
	run_sw "${C[@]}" unsubscribe "$1"
	expect_eq "$2: refused" "$RC $OUT" "65 "
	expect_contains "$2: says why" "$ERR" "Invalid unsubscribe token"
}
t=${token[ann]}
refused "${t:0:20}$([ "${t:20:1}" = A ] && echo B || echo A)${t:21}" "ann's token with one character changed"
refused "v1.$(printf dan | base64 | tr -d =).${t##*.}" "dan's name with ann's MAC"
# The last character of the MAC has two spare bits: the next character of
# the alphabet decodes to the same bytes, and is still refused.
spare=$("$SW_PYTHON" -c "import sys; a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'; print(a[a.index(sys.argv[1]) + 1])" "${t: -1}" 2>/dev/null || echo A)
refused "${t:0:-1}$spare" "ann's token with its last character's spare bits set"
"$SW_PYTHON" -c 'import os, sys; open(sys.argv[1], "wb").write(os.urandom(32))' "$tmp/other.key"
refused "$(hmac_token "$tmp/other.key" ann)" "ann's token made with another installation's key"
refused "not-a-token" "a word"
expect_not_contains "the token is not echoed" "$ERR" "not-a-token"
chmod 644 "$key" 2>/dev/null || :
run_sw "${C[@]}" unsubscribe "$t"
expect_eq "a key others may read: refused" "$RC" 77
expect_contains "and how to fix it" "$ERR" "chmod 600"
chmod 600 "$key" 2>/dev/null || :
ops=$(mails_to ops@watch.example.org | head -n 1)
expect_eq "the operator's notice: no List-Unsubscribe" "$(token_of "$ops")" none

# --- operator notices in words ---------------------------------------------------
expect_eq "dataset.release: the subject says what happened" "$(check_mail "$ops" "m['headers']['Subject']")" \
	"[scrapewatch] New release of faces: 4 added, 0 removed"
text=$(part "$ops" plain)
expect_contains "dataset.release: in words" "$text" "scrapewatch downloaded and indexed release 1 of faces: 4 entries"
expect_contains "dataset.release: what to do" "$text" "  scrapewatch diff faces 1"
expect_not_contains "dataset.release: no JSON in the text" "$text" '"dataset"'
expect_not_contains "dataset.release: no JSON in the HTML" "$(part "$ops" html)" "<pre>"

# --- 550 for gone: failed, and the operator is told by mail ---------------------
smtpd_control reject_rcpt='gone@*'
release 11111111@N00/101 11111111@N00/102 22222222@N00/201 22222222@N00/202 33333333@N00/301 33333333@N00/302
run_sw "${C[@]}" check --all
deliver
expect_contains "550 is permanent" "$OUT" "1 failed"
deliver
ops=$(grep -l '^Subject: \[scrapewatch\] An alert to gone' $(mails_to ops@watch.example.org) || true)
expect_eq "the operator got alert.failed" "$(check_mail "$ops" "m['headers']['Subject'], m['headers']['List-Unsubscribe']")" \
	"[scrapewatch] An alert to gone could not be delivered by email None"
text=$(part "$ops" plain || true)
expect_contains "naming the subscriber and the reply" "$text" "to the subscriber gone failed for good after 1 attempt. The last reply:
  550"
expect_contains "saying what to do" "$text" "  scrapewatch outbox retry "
expect_not_contains "no JSON" "$text" '"reply"'

# --- a dropped connection after DATA: same Message-ID, same bytes ----------------
smtpd_control reject_rcpt= drop_data=4
release 11111111@N00/101 11111111@N00/103 22222222@N00/201 22222222@N00/202 33333333@N00/301
run_sw "${C[@]}" check --all
deliver
expect_eq "dropped (ann twice, gone, the operator): to retry" "$OUT" "alerts: 0 sent, 4 to retry, 0 failed"
sleep 1.2
deliver
expect_eq "then sent" "$OUT" "alerts: 4 sent, 0 to retry, 0 failed"
mapfile -t both < <(mails_to ann@example.org | tail -n 4)
ids=$(for f in "${both[@]}"; do grep -m1 -i '^Message-ID:' "$f"; done | sort | uniq -c | awk '{print $1}' | sort | tr '\n' ' ')
expect_eq "each alert's two copies share a Message-ID" "$ids" "2 2 "
a=$(for f in "${both[@]}"; do sha256sum <"$f"; done | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
expect_eq "and their bytes" "$a" "2 2 "

# --- dan's daily digest ---------------------------------------------------------
digest=$(run_sw "${C[@]}" outbox --pending --format json; "$SW_PYTHON" -c "import json, sys; print(' '.join(a['id'] for a in json.load(sys.stdin) if a['subscriber'] == 'dan'))" <<<"$OUT")
expect_eq "dan: one pending digest" "$(wc -w <<<"$digest")" 1
run_sw "${C[@]}" outbox retry "$digest"
deliver
dan=$(mails_to dan@example.org | tail -n 1)
expect_eq "digest: valid MIME with both parts" "$(check_mail "$dan" "m['alternative'], m['problems'], m['headers']['Subject']")" \
	"True [] Your daily scrapewatch digest: 1 change"
expect_contains "digest: the change" "$(part "$dan" plain)" "1 of your photos is in the new release of faces (release 2"
cp "$dan" "$tmp/digest.eml"
expect_eq "nothing pending" "$(run_sw "${C[@]}" outbox --pending; tail -1 <<<"$OUT")" "0 alerts"

# --- alert test -----------------------------------------------------------------
run_sw "${C[@]}" alert test ann
expect_eq "alert test: exit" "$RC" 0
expect_contains "alert test: the server's words" "$OUT" "email Ann Müller <ann@example.org>: sent: 250"
last=$(mails_to ann@example.org | tail -n 1)
expect_eq "alert test: the message" "$(check_mail "$last" "m['headers']['Subject'], m['alternative'], m['problems']")" \
	"scrapewatch test message True []"
expect_eq "alert test: no List-Unsubscribe" "$(token_of "$last")" none

# --- a manifest's page URLs: links only to Flickr ------------------------------
# A dataset whose manifest gives each photo a page URL; ann's baseline
# lists them all.
cat >"$tmp/planted.csv" <<-'EOF'
	photo,owner,page
	401,11111111@N00,javascript:alert(1)
	402,11111111@N00,"data:text/html,<script>alert(2)</script>"
	403,11111111@N00,https://evil.example/photos/11111111@N00/403/
	404,11111111@N00,https://www.flickr.com/photos/11111111@N00/404/
EOF
sed 's|^datasets:$|datasets:\n  - { name: planted, url: "file://'"$tmp"'/planted.csv", format: csv, columns: { photo_id: photo, owner_nsid: owner, page_url: page } }|' \
	"$tmp/sw.yaml" >"$tmp/planted.yaml"
run_sw -c "$tmp/planted.yaml" check planted
run_sw -c "$tmp/planted.yaml" deliver
planted=$(grep -l '^Subject: planted holds' $(mails_to ann@example.org) || true)
html=$(part "$planted" html || true)
expect_eq "planted: the Flickr page is the one link" \
	"$(grep -o 'href="[^"]*"' <<<"$html" | tr '\n' ' ')" 'href="https://www.flickr.com/photos/11111111@N00/404/" '
expect_contains "planted: javascript: shown as text" "$html" ">javascript:alert(1)</span>"
expect_contains "planted: data: shown as text, escaped" "$html" "data:text/html,&lt;script&gt;alert(2)&lt;/script&gt;"
expect_contains "planted: another host shown as text" "$html" ">https://evil.example/photos/11111111@N00/403/</span>"

# --- both render in a real browser (headless Chromium) ----------------------
# Thumbnails come from a loopback nginx standing in for Flickr's image host;
# every other host name fails, so nothing leaves the machine.
httpd_start
mkdir -p "$HTTPD_WWW/3211"
"$SW_PYTHON" - "$HTTPD_WWW/3211" 101 102 103 201 202 <<-'EOF'
	import struct, sys, zlib
	def png(w, h, pixel):
	    raw = b"".join(b"\0" + bytes(c for x in range(w) for c in pixel(x, y)) for y in range(h))
	    chunk = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
	    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
	            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
	for i, photo in enumerate(sys.argv[2:]):
	    img = png(150, 150, lambda x, y: (40 + x, 90 + y // 2 + 20 * i, 160 - x // 2))
	    open(f"{sys.argv[1]}/{photo}_a1b2c3d4e5_q.jpg", "wb").write(img)
EOF
chmod -R a+rX "$HTTPD_WWW"
for m in single digest; do
	part "$tmp/$m.eml" html >"$tmp/$m.html"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$tmp/chromium" --no-first-run \
		--window-size=700,620 --ignore-certificate-errors \
		--host-resolver-rules="MAP live.staticflickr.com:443 127.0.0.1:$HTTPD_HTTPS_PORT, MAP * ~NOTFOUND" \
		--screenshot="$tmp/$m.png" "file://$tmp/$m.html" >"$tmp/chromium.log" 2>&1 ||
		sw_fail "chromium $m: $(tail -3 "$tmp/chromium.log")"
	read -r w h ink < <("$SW_PYTHON" tests/lib/pngstat.py "$tmp/$m.png" || echo 0 0 0)
	expect_eq "$m rendered: 700 x 620" "$w x $h" "700 x 620"
	expect_eq "$m rendered: text and pictures, not a blank page" \
		"$("$SW_PYTHON" -c "print(0.03 < $ink < 0.6)")" True
done
expect_eq "the browser fetched the thumbnails" \
	"$(grep -o 'GET /3211/[0-9]*_a1b2c3d4e5_q.jpg' "$HTTPD_LOG" | sort -u | tr '\n' ' ')" \
	"GET /3211/101_a1b2c3d4e5_q.jpg GET /3211/102_a1b2c3d4e5_q.jpg GET /3211/202_a1b2c3d4e5_q.jpg "
[ -z "${MAIL_OUT:-}" ] || cp "$tmp"/single.* "$tmp"/digest.* "$MAIL_OUT/"
sw_done

