#!/usr/bin/env bash
# Sending mail with smtp_send() against a real SMTP server on 127.0.0.1
# (tests/lib/smtpd.sh): delivery with STARTTLS and AUTH (the message arrives
# byte for byte, dot-stuffing undone), implicit TLS with the EHLO name from
# the URL, the EHLO name from smtp.helo or from the resolver, STARTTLS used even where the server would allow plain text, a
# wrong password, 451 and 554 at the end of DATA, 550 for the recipient, a
# connection dropped after DATA, an unknown CA, a server without STARTTLS
# and one that never answers (two small fakes below).  smtp.c has no
# command yet, so the client side is the test program test-smtp (next to
# the binary, tests/unit/test-smtp.c): this script runs one of its server_*
# tests per case and checks what the server received.
set -euo pipefail
SW=$1
TEST_SMTP=$(dirname "$SW")/tests/test-smtp
. tests/lib/assert.sh
. tests/lib/smtpd.sh

tmp=$(mktemp -d)
fake_pid=''
trap 'servers_stop "$fake_pid"; smtpd_stop; rm -rf "$tmp"' EXIT
[ -x "$TEST_SMTP" ] || {
	echo "FAIL: no test program $TEST_SMTP" >&2
	exit 1
}
smtpd_start

# Two fakes on loopback: "plain" speaks SMTP but offers no STARTTLS (and
# logs every line it gets to DIR/plain.log), "silent" accepts and never
# says a word.
mkdir "$tmp/fake"
cat >"$tmp/fake/fake_smtp.py" <<'EOF'
import os, socket, sys, threading
sys.path.insert(0, sys.argv[2])
from serverlib import exit_with_parent, loopback_socket, write_atomic

d = sys.argv[1]
log = open(os.path.join(d, "plain.log"), "a", buffering=1)

def plain(conn):
    conn.sendall(b"220 plain.test ESMTP without TLS\r\n")
    for line in conn.makefile("rb"):
        log.write(line.decode(errors="replace").rstrip("\r\n") + "\n")
        verb = line[:4].upper()
        if verb == b"EHLO":
            conn.sendall(b"250-plain.test\r\n250-AUTH PLAIN LOGIN\r\n"
                         b"250 8BITMIME\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            break
        else:
            conn.sendall(b"250 2.0.0 OK\r\n")
    conn.close()

def silent(conn):
    conn.recv(1)  # until the client gives up
    conn.close()

def serve(sock, handler):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()

socks = [loopback_socket(), loopback_socket()]
for sock, handler in zip(socks, (plain, silent)):
    sock.listen()
    threading.Thread(target=serve, args=(sock, handler), daemon=True).start()
exit_with_parent()
ports = tuple(s.getsockname()[1] for s in socks)
write_atomic(os.path.join(d, "ready"), ("%d %d\n" % ports).encode())
threading.Event().wait()
EOF
servers_start fake "$tmp/fake" "$tmp/fake/ready" \
	"$SW_PYTHON" "$tmp/fake/fake_smtp.py" "$tmp/fake" "$SMTPD_LIB"
fake_pid=$SERVERS_PID
read -r plain_port silent_port <"$tmp/fake/ready"

export SW_SMTP_SENT=$tmp/sent.eml
export SW_SMTP_PLAIN_URL=smtp://127.0.0.1:$plain_port
export SW_SMTP_SILENT_URL=smtp://127.0.0.1:$silent_port

# run_case TEST [COMMAND...]: runs test-smtp's TEST (it must run, not skip,
# and pass), through COMMAND if given.
run_case() {
	local name=$1 out rc=0
	shift
	rm -f "$SW_SMTP_SENT"
	out=$("$@" "$TEST_SMTP" "$name" 2>&1) || rc=$?
	case "$rc:$out" in
	*skipped*) sw_fail "test-smtp $name skipped:"$'\n'"$out" ;;
	0:*"1 passed, 0 failed"*) sw_pass ;;
	*) sw_fail "test-smtp $name (exit $rc):"$'\n'"$out" ;;
	esac
}

# meta N KEY: a field of message N's .json, as JSON.
meta() {
	"$SW_PYTHON" -c 'import json, sys
print(json.dumps(json.load(open(sys.argv[1]))[sys.argv[2]]))' \
		"$SMTPD_MAIL/$1.json" "$2"
}

# log_count WORDS: how many lines of the server's log contain WORDS.
log_count() {
	grep -c -- "$1" "$SMTPD_LOG" || true
}

# received_as_sent N: message N holds exactly the bytes test-smtp sent.
received_as_sent() {
	if cmp -s "$SMTPD_MAIL/$1.eml" "$SW_SMTP_SENT"; then
		sw_pass
	else
		sw_fail "message $1 differs from what was sent"
	fi
}

# The EHLO name smtp.c picks without helo or a path in the URL: this host's
# name if it is a domain name, else the name the resolver qualifies it to,
# else the fallback.
ehlo=$("$SW_PYTHON" - <<'EOF'
import re, socket
def domain(n):
    labels = n.split(".")
    return (len(n) <= 253 and len(labels) >= 2 and not labels[-1].isdigit()
            and all(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", l)
                    for l in labels))
host = socket.gethostname()
name = host if domain(host) else None
if not name:
    try:
        canon = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM,
                                   flags=socket.AI_CANONNAME)[0][3]
        name = canon if domain(canon) else None
    except OSError:
        pass
print(name or "scrapewatch.invalid")
EOF
)

# --- delivery: STARTTLS, AUTH, dot-stuffing ----------------------------------
run_case server_starttls_auth
expect_eq "messages after delivery" "$(smtpd_messages)" 1
received_as_sent 0001
# A line "." alone: libcurl must have stuffed it and the server unstuffed it.
expect_eq "lone dot lines sent" "$(grep -c $'^\\.\r$' "$SW_SMTP_SENT" || true)" 2
expect_eq "tls" "$(meta 0001 tls)" true
expect_eq "auth" "$(meta 0001 auth)" '"alerts"'
expect_eq "MAIL FROM" "$(meta 0001 mail_from)" '"alerts@example.org"'
expect_eq "RCPT TO" "$(meta 0001 rcpt_tos)" '["jane@example.org"]'
expect_eq "EHLO name" "$(meta 0001 helo)" "\"$ehlo\""
expect_eq "SIZE" "$(meta 0001 mail_options)" "[\"SIZE=$(wc -c <"$SW_SMTP_SENT")\"]"
# The message as another parser sees it.
if check=$("$SW_PYTHON" tests/lib/mailcheck.py "$SMTPD_MAIL/0001.eml"); then
	sw_pass
else
	sw_fail "mailcheck: $check"
fi
expect_contains "mailcheck subject" "$check" '"Subject": "3 Fotos in FFHQ — Überblick"'
expect_contains "mailcheck alternative" "$check" '"alternative": true'

# --- implicit TLS, EHLO name from the URL's path -------------------------------
run_case server_smtps_with_ehlo_name
expect_eq "messages after smtps" "$(smtpd_messages)" 2
received_as_sent 0002
expect_eq "smtps tls" "$(meta 0002 tls)" true
expect_eq "smtps port" "$(meta 0002 port)" "$SMTPD_SMTPS_PORT"
expect_eq "smtps EHLO name" "$(meta 0002 helo)" '"client.scrapewatch.test"'

# --- STARTTLS even where the server would take the password in clear -------
smtpd_control require_tls=no
run_case server_starttls_auth
expect_eq "messages after optional TLS" "$(smtpd_messages)" 3
expect_eq "optional TLS used" "$(meta 0003 tls)" true
smtpd_control --clear

# --- a wrong password: 535, permanent ----------------------------------------
mails=$(log_count ' MAIL ')
run_case server_wrong_password
expect_eq "AUTH refused" "$(log_count ' AUTH 535 user=alerts')" 1
expect_eq "no MAIL after a refused AUTH" "$(log_count ' MAIL ')" "$mails"
expect_eq "messages after wrong password" "$(smtpd_messages)" 3

# --- 451 and 554 at the end of DATA -------------------------------------------
smtpd_control fail_data=1
run_case server_data_451
expect_eq "DATA 451 logged" "$(log_count ' DATA 451 ')" 1
smtpd_control fail_data=1 'fail_data_reply=554 5.6.0 Message rejected (test)'
run_case server_data_554
expect_eq "DATA 554 logged" "$(log_count ' DATA 554 ')" 1
smtpd_control --clear
expect_eq "messages after DATA failures" "$(smtpd_messages)" 3

# --- 550 for the recipient ----------------------------------------------------
smtpd_control 'reject_rcpt=jane@*'
datas=$(log_count ' DATA ')
run_case server_rcpt_550
expect_eq "RCPT 550 logged" "$(log_count ' RCPT 550 to=jane@example.org')" 1
expect_eq "no DATA after RCPT 550" "$(log_count ' DATA ')" "$datas"
smtpd_control --clear

# --- the connection dropped after DATA: temporary -----------------------------
smtpd_control drop_data=1
run_case server_connection_dropped
expect_eq "DATA dropped" "$(log_count ' DATA drop ')" 1
expect_eq "messages after drop" "$(smtpd_messages)" 4
expect_eq "dropped flag" "$(meta 0004 dropped)" true
smtpd_control --clear

# --- an unknown CA: no session ------------------------------------------------
auths=$(log_count ' AUTH ')
run_case server_unknown_ca
expect_eq "no AUTH without a trusted certificate" "$(log_count ' AUTH ')" "$auths"
expect_eq "messages after unknown CA" "$(smtpd_messages)" 4

# --- no STARTTLS offered: no credentials, no envelope in clear text ----------
run_case server_without_starttls
plain=$(cat "$tmp/fake/plain.log")
expect_contains "plain server greeted" "$plain" "EHLO "
expect_not_contains "no AUTH in clear" "$plain" "AUTH"
expect_not_contains "no MAIL in clear" "$plain" "MAIL"
expect_not_contains "no password in clear" "$plain" "$SMTPD_PASSWORD"

# --- a server that never answers: timeout -----------------------------------
run_case server_silent_times_out

# --- the EHLO name from smtp.helo: a domain name, an address literal -------
run_case server_ehlo_from_config
expect_eq "messages after helo" "$(smtpd_messages)" 6
expect_eq "EHLO name from helo" "$(meta 0005 helo)" '"mail.scrapewatch.test"'
expect_eq "EHLO address literal" "$(meta 0006 helo)" '"[127.0.0.1]"'

# --- a host name without a domain: the name the resolver qualifies it to ---
# Plain delivery again (no helo, no path in the URL), in namespaces of its
# own with the host name "box" and an /etc/hosts that names it
# box.scrapewatch.test (the SMTP server stays where it is: the network is
# shared).
printf '127.0.0.1 box.scrapewatch.test box\n::1 localhost\n' >"$tmp/hosts"
if unshare -r -m -u true 2>/dev/null; then
	run_case server_starttls_auth unshare -r -m -u sh -c \
		'mount --bind "$0" /etc/hosts && hostname box && exec "$@"' \
		"$tmp/hosts"
	expect_eq "messages after host name" "$(smtpd_messages)" 7
	expect_eq "EHLO name qualified by the resolver" "$(meta 0007 helo)" \
		'"box.scrapewatch.test"'
else
	echo "SKIP: EHLO name from the resolver: no user namespaces (unshare -r)" >&2
fi

sw_done
