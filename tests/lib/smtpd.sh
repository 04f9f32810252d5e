# smtpd.sh: a throw-away SMTP server on 127.0.0.1 for the shell tests
# (sourced): smtp_sink.py, with STARTTLS and AUTH required, a second port
# with implicit TLS, every message kept as a file, and failures on demand.
# smtpd_start makes a temp dir with a test CA and a certificate for
# localhost and 127.0.0.1, starts the server and exports SMTPD_* (see
# smtpd_start).  Send to $SMTPD_URL (trust $SMTPD_CA, log in as
# $SMTPD_USER / $SMTPD_PASSWORD), then read $SMTPD_MAIL/NNNN.eml and .json,
# or grep $SMTPD_LOG.  Change its behaviour with smtpd_control.  Stop it
# with smtpd_stop, e.g. "trap smtpd_stop EXIT".  Optional settings before
# smtpd_start: SMTPD_USER, SMTPD_PASSWORD; SMTPD_KEEP=1 keeps the temp dir.
# Needs openssl and python3-aiosmtpd ($SW_PYTHON, see servers.sh).

SMTPD_LIB=$(CDPATH='' cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SMTPD_LIB/servers.sh"
. "$SMTPD_LIB/httpd.sh" # httpd_make_tls: the same throw-away CA

smtpd_fail() {
	echo "smtpd: $*" >&2
	return 1
}

# smtpd_start: starts the server; sets and exports
#   SMTPD_DIR         the temp dir
#   SMTPD_PORT        plain SMTP, STARTTLS offered
#   SMTPD_SMTPS_PORT  SMTP over implicit TLS
#   SMTPD_URL         smtp://127.0.0.1:PORT (curl: add the EHLO name, "/localhost")
#   SMTPD_SMTPS_URL   smtps://localhost:SMTPS_PORT
#   SMTPD_CA          the CA certificate that signed the server's
#   SMTPD_USER, SMTPD_PASSWORD  the one login AUTH PLAIN / LOGIN accepts
#   SMTPD_MAIL        the messages: NNNN.eml (the bytes received) and
#                     NNNN.json (mail_from, rcpt_tos, tls, auth, dropped...)
#   SMTPD_LOG         "TIME COMMAND CODE from=... to=... [msg=NNNN]" per MAIL,
#                     RCPT, DATA and AUTH outcome (CODE "drop": cut off)
#   SMTPD_CONTROL     the control file (write it with smtpd_control)
#   SMTPD_ERROR_LOG   the server's stderr
smtpd_start() {
	local d
	[ -z "${SMTPD_DIR:-}" ] || smtpd_fail "already started in $SMTPD_DIR" || return 1
	SMTPD_USER=${SMTPD_USER:-alerts}
	SMTPD_PASSWORD=${SMTPD_PASSWORD:-mail-s3cret}
	"$SW_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
		smtpd_fail "$SW_PYTHON cannot import aiosmtpd: install python3-aiosmtpd" ||
		return 1
	d=$(mktemp -d "${TMPDIR:-/tmp}/smtpd.XXXXXX") || return 1
	SMTPD_DIR=$d
	export SMTPD_USER SMTPD_PASSWORD # smtp_sink.py reads them
	httpd_make_tls "$d" &&
		servers_start smtpd "$d" "$d/ready" \
			"$SW_PYTHON" "$SMTPD_LIB/smtp_sink.py" "$d" || {
		smtpd_stop
		return 1
	}
	SMTPD_PID=$SERVERS_PID
	read -r SMTPD_PORT SMTPD_SMTPS_PORT <"$d/ready"
	SMTPD_URL=smtp://127.0.0.1:$SMTPD_PORT
	SMTPD_SMTPS_URL=smtps://localhost:$SMTPD_SMTPS_PORT
	SMTPD_CA=$d/tls/ca.crt
	SMTPD_MAIL=$d/mail
	SMTPD_LOG=$d/smtp.log
	SMTPD_CONTROL=$d/control
	SMTPD_ERROR_LOG=$d/server.err
	export SMTPD_DIR SMTPD_PORT SMTPD_SMTPS_PORT SMTPD_URL SMTPD_SMTPS_URL \
		SMTPD_CA SMTPD_USER SMTPD_PASSWORD SMTPD_MAIL SMTPD_LOG \
		SMTPD_CONTROL SMTPD_ERROR_LOG
}

# smtpd_stop: stops the server and removes SMTPD_DIR unless SMTPD_KEEP=1.
# Safe to call twice and from an EXIT trap.
smtpd_stop() {
	local d=${SMTPD_DIR:-}
	[ -n "$d" ] || return 0
	servers_stop "${SMTPD_PID:-}"
	if [ "${SMTPD_KEEP:-0}" = 1 ]; then
		echo "smtpd: kept $d" >&2
	else
		rm -rf "$d"
	fi
	SMTPD_DIR='' SMTPD_PID=''
	return 0
}

# smtpd_control KEY=VALUE...: changes what the server does from its next
# command on; "KEY=" puts back the default; "smtpd_control --clear" puts
# back all defaults.  Keys:
#   require_tls=yes|no    MAIL before STARTTLS gets 530 (default yes); with
#                         "no", AUTH is offered before STARTTLS too
#   require_auth=yes|no   MAIL before AUTH gets 530 (default yes)
#   fail_data=N           the next N DATA get fail_data_reply
#   fail_data_reply="CODE TEXT"  default "451 4.3.0 Temporary failure (test)"
#   drop_data=N           the next N messages are stored ("dropped": true in
#                         their .json), then the connection is closed
#                         without a reply (fail_data is counted first)
#   reject_rcpt=GLOB,...  RCPT TO matching a glob gets 550 (case-insensitive)
#   fail_random=P         each DATA fails with probability P (0 to 1), half
#                         with fail_data_reply, half dropped as by drop_data
#   seed=X                seeds fail_random's generator (default 0)
# Setting a count (or fail_random, seed) again restarts it, even with the
# same value.
smtpd_control() {
	local arg key value
	[ -n "${SMTPD_DIR:-}" ] || smtpd_fail "not started" || return 1
	if [ "${1:-}" = --clear ]; then
		: >"$SMTPD_CONTROL.new" && mv -f "$SMTPD_CONTROL.new" "$SMTPD_CONTROL"
		return
	fi
	for arg; do
		key=${arg%%=*} value=${arg#*=}
		[ "$key" != "$arg" ] || smtpd_fail "KEY=VALUE expected: '$arg'" || return 1
		smtpd_check "$key" "$value" || return 1
		servers_put "$SMTPD_CONTROL" "$key=" "${value:+$key=$value}" || return 1
	done
}

# smtpd_check KEY VALUE: whether smtp_sink.py understands it.
smtpd_check() {
	local re
	case $1 in
	require_tls | require_auth) re='^(yes|no)?$' ;;
	fail_data | drop_data) re='^[0-9]*$' ;;
	fail_data_reply) re='^([45][0-9][0-9]( [^#]*)?)?$' ;;
	reject_rcpt | seed) re='^[^#[:space:]]*$' ;;
	fail_random) re='^(0(\.[0-9]+)?|1(\.0*)?)?$' ;;
	*) smtpd_fail "unknown control key '$1'" || return 1 ;;
	esac
	[[ $2 =~ $re ]] || smtpd_fail "bad value for $1: '$2'"
}

# smtpd_messages: how many messages the server has taken.
smtpd_messages() {
	local f n=0
	for f in "$SMTPD_MAIL"/*.eml; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

# smtpd_wait_messages N [SECONDS]: waits (default 10 s) until the server has
# taken at least N messages.
smtpd_wait_messages() {
	servers_wait "${2:-10}" smtpd_has "$1"
}

smtpd_has() {
	[ "$(smtpd_messages)" -ge "$1" ]
}
