#!/usr/bin/env bash
# The test servers and tools of tests/lib, checked with real clients before
# scrapewatch relies on them: smtpd.sh (curl sends mail: STARTTLS + AUTH,
# refusals without TLS or AUTH, a wrong password, smtps, injected 451 / 550
# / dropped connections), mailcheck.py (a good multipart/alternative
# message; raw 8-bit, an over-long line, a MIME defect), webhookd.sh (curl
# posts: fail-first-N, 410, Retry-After, delay, drops, seeded random
# failures, HTTPS), verify_webhook.py (signatures made with openssl) and
# notifyd.sh (systemd-notify and Python's socket module).  The scrapewatch
# binary, $1, is not used.
set -euo pipefail
. tests/lib/assert.sh
. tests/lib/smtpd.sh
. tests/lib/webhookd.sh
. tests/lib/notifyd.sh

tmp=$(mktemp -d)
trap 'smtpd_stop; webhookd_stop; notifyd_stop; rm -rf "$tmp"' EXIT

# field FILE KEY...: KEYs ("a.b" goes into objects, "a.0" into arrays) of
# the JSON object in FILE, as JSON, separated by blanks.
field() {
	"$SW_PYTHON" - "$@" <<-'EOF'
		import json, sys
		def get(j, path):
		    for k in path.split("."):
		        j = j[int(k)] if isinstance(j, list) else j.get(k)
		    return j
		j = json.load(open(sys.argv[1], encoding="utf-8"))
		print(" ".join(json.dumps(get(j, k), ensure_ascii=False) for k in sys.argv[2:]))
	EOF
}

# A CA the servers' certificates do not come from.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=other -keyout "$tmp/other-ca.key" -out "$tmp/other-ca.crt" 2>/dev/null

# --- SMTP --------------------------------------------------------------
SMTPD_USER=alerts-test SMTPD_PASSWORD='open sesame:2'
smtpd_start
expect_eq "smtpd: SMTPD_USER kept and exported" \
	"$(bash -c 'echo "$SMTPD_USER $SMTPD_PORT"')" "alerts-test $SMTPD_PORT"

# A multipart/alternative alert, built with Python's email package.
"$SW_PYTHON" - "$tmp/good.eml" <<-'EOF'
	import sys
	from email.message import EmailMessage
	from email.policy import SMTP
	from email.utils import format_datetime, make_msgid, localtime
	m = EmailMessage()
	m["From"] = "scrapewatch <alerts@example.org>"
	m["To"] = "owner@example.org"
	m["Subject"] = "Datensatz geändert: 2 Bilder"
	m["Date"] = format_datetime(localtime())
	m["Message-ID"] = make_msgid(domain="scrapewatch.test")
	m["List-Unsubscribe"] = "<https://example.org/unsubscribe?t=abc>"
	m["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	m.set_content("Zwei Bilder wurden hinzugefügt.\n", cte="quoted-printable")
	m.add_alternative("<p>Zwei Bilder wurden hinzugefügt.</p>\n",
	                  subtype="html", cte="quoted-printable")
	open(sys.argv[1], "wb").write(m.as_bytes(policy=SMTP))
EOF

# send_mail CURL_ARGS...: curl sends good.eml from alerts@example.org;
# sets RC and ERR.
send_mail() {
	set +e
	ERR=$(curl -sS --max-time 10 --cacert "$SMTPD_CA" \
		--mail-from alerts@example.org -T "$tmp/good.eml" "$@" 2>&1 >/dev/null)
	RC=$?
	set -e
}
starttls=(--url "$SMTPD_URL/localhost" --ssl-reqd)
plain=(--url "$SMTPD_URL/localhost")
login=(--user "$SMTPD_USER:$SMTPD_PASSWORD")
to=(--mail-rcpt owner@example.org)
last_log() { tail -n "${1:-1}" "$SMTPD_LOG" | cut -d' ' -f2-; }

send_mail "${starttls[@]}" "${login[@]}" "${to[@]}"
expect_eq "STARTTLS + AUTH: curl" "$RC $ERR" "0 "
expect_eq "STARTTLS + AUTH: one message" "$(smtpd_wait_messages 1 && smtpd_messages)" 1
expect_eq "STARTTLS + AUTH: stored as sent" \
	"$(cmp "$SMTPD_MAIL/0001.eml" "$tmp/good.eml" && echo same)" same
expect_eq "STARTTLS + AUTH: envelope" \
	"$(field "$SMTPD_MAIL/0001.json" mail_from rcpt_tos tls auth port dropped)" \
	"\"alerts@example.org\" [\"owner@example.org\"] true \"alerts-test\" $SMTPD_PORT false"
expect_eq "STARTTLS + AUTH: log" "$(last_log 4)" "AUTH 235 user=alerts-test
MAIL 250 from=alerts@example.org
RCPT 250 to=owner@example.org
DATA 250 from=alerts@example.org to=owner@example.org msg=0001"

send_mail "${plain[@]}" "${login[@]}" "${to[@]}"
expect_eq "no STARTTLS: refused at MAIL" "$RC" 55
expect_contains "no STARTTLS: 530" "$ERR" "MAIL failed: 530"
expect_eq "no STARTTLS: AUTH not offered, MAIL refused" "$(last_log 2)" \
	"DATA 250 from=alerts@example.org to=owner@example.org msg=0001
MAIL 530 from=alerts@example.org"
smtpd_control require_tls=no
send_mail "${plain[@]}" "${login[@]}" "${to[@]}"
expect_eq "require_tls=no: plain text accepted" "$RC" 0
expect_eq "require_tls=no: recorded without TLS" \
	"$(field "$SMTPD_MAIL/0002.json" tls auth)" 'false "alerts-test"'
smtpd_control require_tls=
send_mail "${plain[@]}" "${login[@]}" "${to[@]}"
expect_eq "require_tls back to the default" "$RC" 55

send_mail "${starttls[@]}" "${to[@]}"
expect_eq "no AUTH: refused at MAIL" "$RC" 55
expect_eq "no AUTH: logged" "$(last_log)" "MAIL 530 from=alerts@example.org"
send_mail "${starttls[@]}" --user "$SMTPD_USER:wrong" "${to[@]}"
expect_eq "wrong password: login denied" "$RC" 67
expect_eq "wrong password: logged" "$(last_log)" "AUTH 535 user=alerts-test"
smtpd_control require_auth=no
send_mail "${starttls[@]}" "${to[@]}"
expect_eq "require_auth=no: accepted" "$RC" 0
expect_eq "require_auth=no: no user" "$(field "$SMTPD_MAIL/0003.json" tls auth)" "true null"
smtpd_control --clear

send_mail --url "$SMTPD_SMTPS_URL/localhost" "${login[@]}" "${to[@]}"
expect_eq "smtps: accepted" "$RC" 0
expect_eq "smtps: TLS on its own port" \
	"$(field "$SMTPD_MAIL/0004.json" tls port)" "true $SMTPD_SMTPS_PORT"
send_mail --url "$SMTPD_SMTPS_URL/localhost" --cacert "$tmp/other-ca.crt" "${login[@]}" "${to[@]}"
expect_eq "smtps: another CA's certificate refused" "$RC" 60

# 451 for the next N DATA, restarted by setting it again; 554 on demand.
smtpd_control fail_data=2
for i in 1 2 3; do
	send_mail "${starttls[@]}" "${login[@]}" "${to[@]}"
	printf '%s ' "$RC"
done >"$tmp/rcs"
expect_eq "fail_data=2: two 451 then accepted" "$(cat "$tmp/rcs")" "8 8 0 "
expect_eq "fail_data=2: logged" "$(last_log 12 | grep DATA | cut -d' ' -f1-2 | paste -sd' ')" \
	"DATA 451 DATA 451 DATA 250"
expect_eq "fail_data=2: one message stored" "$(smtpd_messages)" 5
smtpd_control fail_data=2
send_mail "${starttls[@]}" "${login[@]}" "${to[@]}"
expect_eq "fail_data=2 again: counts again" "$RC" 8
smtpd_control fail_data= # back to none
send_mail "${starttls[@]}" "${login[@]}" "${to[@]}"
expect_eq "fail_data= : accepted" "$RC" 0
smtpd_control fail_data=1 fail_data_reply='554 5.6.0 Rejected (test)'
send_mail "${starttls[@]}" "${login[@]}" "${to[@]}"
expect_eq "fail_data_reply: 554" "$RC:$(last_log | cut -d' ' -f1-2)" "8:DATA 554"

# 550 for some recipients.
smtpd_control reject_rcpt='*@blocked.example,nobody@*'
send_mail "${starttls[@]}" "${login[@]}" --mail-rcpt x@BLOCKED.example
expect_eq "reject_rcpt: refused" "$RC" 55
expect_eq "reject_rcpt: logged" "$(last_log)" "RCPT 550 to=x@BLOCKED.example"
send_mail "${starttls[@]}" "${login[@]}" --mail-rcpt nobody@example.org \
	"${to[@]}" --mail-rcpt-allowfails
expect_eq "reject_rcpt: the others accepted" "$RC" 0
expect_eq "reject_rcpt: only the others delivered" \
	"$(field "$SMTPD_MAIL/0007.json" rcpt_tos)" '["owner@example.org"]'
smtpd_control reject_rcpt=

# Connection dropped after DATA: stored, but curl never hears 250.
smtpd_control drop_data=1
send_mail "${starttls[@]}" "${login[@]}" "${to[@]}"
expect_eq "drop_data: curl sees the connection drop" "$RC" 56
expect_eq "drop_data: logged" "$(last_log)" \
	"DATA drop from=alerts@example.org to=owner@example.org msg=0008"
expect_eq "drop_data: stored, marked" "$(field "$SMTPD_MAIL/0008.json" dropped)" true
send_mail "${starttls[@]}" "${login[@]}" "${to[@]}"
expect_eq "drop_data: the next one answered" "$RC" 0
expect_eq "drop_data: the next one not marked" "$(field "$SMTPD_MAIL/0009.json" dropped)" false
expect_eq "smtpd_messages" "$(smtpd_messages)" 9
expect_eq "smtpd_wait_messages: times out" \
	"$(smtpd_wait_messages 10 0.3 && echo ok || echo timeout)" timeout
set +e
smtpd_control no_such_key=1 2>"$tmp/err"
expect_eq "smtpd_control: unknown key" "$?:$(cat "$tmp/err")" \
	"1:smtpd: unknown control key 'no_such_key'"
smtpd_control fail_data=x 2>/dev/null
expect_eq "smtpd_control: bad count" "$?" 1
set -e

# --- mailcheck.py ------------------------------------------------------
# mailcheck FILE: runs it; sets RC, its JSON in $tmp/check.json.
mailcheck() {
	set +e
	"$SW_PYTHON" tests/lib/mailcheck.py "$1" >"$tmp/check.json"
	RC=$?
	set -e
}
mailcheck "$SMTPD_MAIL/0001.eml"
expect_eq "mailcheck good: exit" "$RC" 0
expect_eq "mailcheck good: summary" "$(field "$tmp/check.json" alternative \
	headers.Subject headers.List-Unsubscribe-Post problems)" \
	'true "Datensatz geändert: 2 Bilder" "List-Unsubscribe=One-Click" []'
expect_eq "mailcheck good: parts" "$(field "$tmp/check.json" structure.type \
	structure.parts.0.type structure.parts.0.charset structure.parts.0.encoding \
	structure.parts.1.type)" \
	'"multipart/alternative" "text/plain" "utf-8" "quoted-printable" "text/html"'
expect_eq "mailcheck good: no line over 998 octets" \
	"$(($(field "$tmp/check.json" max_line_length) <= 998))" 1

# eml FILE: the message on stdin after a From, To and Date, lines ending
# in CRLF.
eml() {
	{
		printf 'From: a@example.org\nTo: b@example.org\n'
		printf 'Date: Wed, 01 May 2024 12:00:00 +0000\n'
		cat
	} | sed 's/$/\r/' >"$1"
}
printf 'Subject: Grüße (raw UTF-8)\n\nhi\n' | eml "$tmp/8bit.eml"
mailcheck "$tmp/8bit.eml"
expect_eq "mailcheck raw 8-bit Subject: exit" "$RC" 1
expect_eq "mailcheck raw 8-bit Subject: why" \
	"$(field "$tmp/check.json" raw_8bit_headers problems)" \
	'["1: Subject"] ["raw 8-bit bytes in header 1: Subject"]'
printf 'Subject: long\n\n%01200d\n' 0 | eml "$tmp/long.eml"
mailcheck "$tmp/long.eml"
expect_eq "mailcheck 1200-octet line: exit" "$RC" 1
expect_eq "mailcheck 1200-octet line: why" "$(field "$tmp/check.json" \
	max_line_length problems)" '1200 ["a line of 1200 octets (at most 998)"]'
eml "$tmp/defect.eml" <<-'EOF'
	MIME-Version: 1.0
	Content-Type: multipart/alternative; boundary=b
	Subject: unclosed

	--b
	Content-Type: text/plain

	hi, and no closing boundary
EOF
mailcheck "$tmp/defect.eml"
expect_eq "mailcheck unclosed multipart: exit" "$RC" 1
expect_eq "mailcheck unclosed multipart: defect" \
	"$(field "$tmp/check.json" defects alternative)" '["1: CloseBoundaryNotFoundDefect"] false'

# --- webhooks ----------------------------------------------------------
webhookd_start
BODY='{"event":"test"}'
# post URL CURL_ARGS...: curl posts $BODY; sets CODE (000: no answer), RC,
# the answer's headers in $tmp/headers.
post() {
	set +e
	CODE=$(curl -sS --max-time 10 -o /dev/null -D "$tmp/headers" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$BODY" "${@:2}" "$1" 2>/dev/null)
	RC=$?
	set -e
}
# posts N URL CURL_ARGS...: N posts; prints "CODE CODE...".
posts() {
	local i codes=()
	for i in $(seq "$1"); do
		post "${@:2}"
		codes+=("$CODE")
	done
	echo "${codes[*]}"
}
# request N: the Nth recorded request, into $tmp/request.json.
request() { sed -n "$1p" "$WEBHOOKD_LOG" >"$tmp/request.json"; }

post "$WEBHOOKD_URL/hooks/plain?x=1" -H 'X-Test: yes'
expect_eq "webhook: 200 by default" "$CODE" 200
request 1
expect_eq "webhook: recorded" "$(field "$tmp/request.json" n status path method body dropped)" \
	'1 200 "/hooks/plain?x=1" "POST" "{\"event\":\"test\"}" false'
expect_contains "webhook: headers recorded" "$(field "$tmp/request.json" headers)" \
	'["X-Test", "yes"]'

webhookd_control /first status=503 first=2
expect_eq "first=2: curl saw" "$(posts 3 "$WEBHOOKD_URL/first/x")" "503 503 200"
expect_eq "first=2: recorded" "$(webhookd_statuses /first)" "503 503 200"
webhookd_control /gone status=410
expect_eq "status=410: always" "$(posts 3 "$WEBHOOKD_URL/gone")" "410 410 410"
webhookd_control /gone
expect_eq "rule removed" "$(posts 1 "$WEBHOOKD_URL/gone")" 200

webhookd_control /busy status=429 first=1 retry_after=7
post "$WEBHOOKD_URL/busy"
expect_eq "Retry-After: with the 429" \
	"$CODE $(tr -d '\r' <"$tmp/headers" | grep -i '^retry-after:')" "429 Retry-After: 7"
post "$WEBHOOKD_URL/busy"
expect_eq "Retry-After: not with the 200" \
	"$CODE $(grep -ci '^retry-after:' "$tmp/headers" || true)" "200 0"

webhookd_control /slow delay=0.5
start=$(date +%s%N)
post "$WEBHOOKD_URL/slow"
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "delay=0.5: answered after $ms ms" "$CODE $((ms >= 500))" "200 1"
n=$(webhookd_count)
post "$WEBHOOKD_URL/slow" --max-time 0.2
expect_eq "delay=0.5: a client giving up" "$RC $CODE" "28 000"
expect_eq "delay=0.5: recorded anyway" \
	"$(webhookd_wait_requests $((n + 1)) && webhookd_statuses /slow)" "200 200"

webhookd_control /drop drop=2
for i in 1 2 3; do
	post "$WEBHOOKD_URL/drop"
	printf '%s ' "$RC"
done >"$tmp/rcs"
expect_eq "drop=2: curl saw empty replies, then 200" "$(cat "$tmp/rcs")" "52 52 0 "
expect_eq "drop=2: recorded" "$(webhookd_statuses /drop)" "drop drop 200"
expect_eq "webhookd_count drop" "$(webhookd_count drop)" 2
expect_eq "webhookd_count 503" "$(webhookd_count 503)" 2

# Seeded random failures: the same rule gives the same sequence.
# random_run NAME: 20 requests to /random/NAME on one kept-alive connection;
# prints the statuses curl saw.
random_run() {
	local i urls=()
	for i in $(seq 20); do
		urls+=(-o /dev/null "$WEBHOOKD_URL/random/$1/$i")
	done
	curl -sS -w '%{http_code} ' "${urls[@]}"
}
webhookd_control / random=0.5 seed=7 status=503
a=$(random_run a)
webhookd_control / random=0.5 seed=7 status=503
b=$(random_run b)
webhookd_control / random=0.5 seed=8 status=503
c=$(random_run c)
expect_eq "random: recorded as curl saw them" "$(webhookd_statuses /random/a) " "$a"
expect_eq "random: same seed, same sequence" "$b" "$a"
expect_contains "random: some fail" "$a" 503
expect_contains "random: some pass" "$a" 200
expect_eq "random: another seed, another sequence" "$([ "$c" != "$a" ] && echo differs)" differs
webhookd_control --clear

post "$WEBHOOKD_TLS_URL/tls" --cacert "$WEBHOOKD_CA"
request "$(webhookd_count)"
expect_eq "HTTPS: answered" "$CODE $(field "$tmp/request.json" status path)" '200 200 "/tls"'
post "$WEBHOOKD_TLS_URL/tls" --cacert "$tmp/other-ca.crt"
expect_eq "HTTPS: another CA's certificate refused" "$RC" 60
expect_eq "webhookd_wait_requests: times out" \
	"$(webhookd_wait_requests 1000 0.3 && echo ok || echo timeout)" timeout

# --- verify_webhook.py, against signatures made with openssl --------------
key=$(openssl rand -base64 32)
secret=whsec_$key
hexkey=$(printf '%s' "$key" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
# sign ID TIMESTAMP BODY: the Standard Webhooks v1 signature.
sign() {
	printf '%s.%s.%s' "$1" "$2" "$3" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary |
		openssl base64 -A
}
# verify ARGS...: sets RC and OUT.
verify() {
	set +e
	OUT=$("$SW_PYTHON" tests/lib/verify_webhook.py "$@" 2>&1)
	RC=$?
	set -e
}
ts=$(date +%s)
BODY='{"type":"dataset.changed","data":{"dataset":"ffhq","added":2}}'
sig=$(sign msg_good "$ts" "$BODY")
signed=(-H "webhook-id: msg_good" -H "webhook-timestamp: $ts"
	-H "webhook-signature: v1,c2lnbmF0dXJlIG9mIGFuIG9sZCBzZWNyZXQ= v1,$sig")
post "$WEBHOOKD_URL/signed" "${signed[@]}"
verify "$secret" "$WEBHOOKD_LOG" msg_good
expect_eq "verify: signed by openssl" "$RC" 0
expect_contains "verify: says which" "$OUT" "(POST /signed): ok, webhook-id msg_good"
verify "$key" "$WEBHOOKD_LOG" "$(webhookd_count)"
expect_eq "verify: secret without whsec_, by number" "$RC" 0
verify "whsec_$(openssl rand -base64 32)" "$WEBHOOKD_LOG"
expect_eq "verify: another secret" "$RC" 1
BODY='{"type":"dataset.changed","data":{"dataset":"ffhq","added":3}}'
post "$WEBHOOKD_URL/signed" "${signed[@]}"
verify "$secret" "$WEBHOOKD_LOG"
expect_eq "verify: tampered body" "$RC" 1
expect_contains "verify: tampered body, why" "$OUT" "none of the 2 v1 signatures"
old=$(($(date +%s) - 600))
post "$WEBHOOKD_URL/signed" -H "webhook-id: msg_old" -H "webhook-timestamp: $old" \
	-H "webhook-signature: v1,$(sign msg_old "$old" "$BODY")"
verify "$secret" "$WEBHOOKD_LOG" msg_old
expect_eq "verify: 10 minutes old" "$RC" 1
expect_contains "verify: 10 minutes old, why" "$OUT" \
	"request $(webhookd_count) (POST /signed): webhook-timestamp $old is -60"
expect_contains "verify: 10 minutes old, tolerance" "$OUT" "s from the arrival (tolerance 300 s)"
verify --tolerance 900 "$secret" "$WEBHOOKD_LOG" msg_old
expect_eq "verify: 10 minutes old, 15 tolerated" "$RC" 0
verify 'not base64!' "$WEBHOOKD_LOG"
expect_eq "verify: bad secret" "$RC" 2
verify "$secret" "$WEBHOOKD_LOG" msg_none
expect_eq "verify: no such request" "$RC" 2

# --- sd_notify -----------------------------------------------------------
notifyd_start
expect_eq "notifyd: socket" "$([ -S "$NOTIFY_SOCKET" ] && echo socket)" socket
systemd-notify --ready --status="watching 2 datasets"
expect_eq "systemd-notify: READY=1 and STATUS" \
	"$(notifyd_wait 'READY=1[|]STATUS=watching 2 datasets$' && echo seen)" seen
pid=$("$SW_PYTHON" -c '
import os, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for m in (b"WATCHDOG=1", b"STATUS=checking ffhq\nEXTEND_TIMEOUT_USEC=5000000\n"):
    s.sendto(m, os.environ["NOTIFY_SOCKET"])
print(os.getpid())')
expect_eq "python: two datagrams, two lines, sender pid" \
	"$(notifyd_wait "pid=$pid STATUS=checking ffhq[|]EXTEND" &&
		grep "pid=$pid " "$NOTIFYD_LOG" | cut -d' ' -f2-)" \
	"pid=$pid WATCHDOG=1
pid=$pid STATUS=checking ffhq|EXTEND_TIMEOUT_USEC=5000000"
expect_eq "notifyd_wait: times out" \
	"$(notifyd_wait STOPPING=1 0.3 && echo seen || echo timeout)" timeout

# --- stopping --------------------------------------------------------------
pids="$SMTPD_PID,$WEBHOOKD_PID,$NOTIFYD_PID"
dirs=("$SMTPD_DIR" "$WEBHOOKD_DIR" "$NOTIFYD_DIR")
smtpd_stop
webhookd_stop
notifyd_stop
expect_eq "stopped: no process left" "$(ps -o pid= -p "$pids" || true)" ""
expect_eq "stopped: temp dirs removed" "$(ls -d "${dirs[@]}" 2>/dev/null || true)" ""
expect_eq "stopped: NOTIFY_SOCKET unset" "${NOTIFY_SOCKET-unset}" unset
# A test killed before its EXIT trap runs leaves no server behind.
# exited PID: gone, or a zombie nobody reaps (PID 1 in some containers).
exited() {
	local s
	s=$(ps -o stat= -p "$1" || true)
	[ "${s#Z}" != "$s" ] || [ -z "$s" ]
}
pid=$(bash -c '. tests/lib/webhookd.sh && webhookd_start &&
	echo "$WEBHOOKD_PID $WEBHOOKD_DIR" && kill -KILL $$' || true)
rm -rf "${pid#* }"
expect_eq "orphaned receiver exits" \
	"$(servers_wait 3 exited "${pid% *}" && echo gone)" gone

sw_done
