# webhookd.sh: a throw-away webhook endpoint on 127.0.0.1 for the shell
# tests (sourced): webhook_receiver.py, which records every request as a
# JSON line and answers per path prefix as told: failures, 410, Retry-After,
# delays, dropped connections, seeded random failures.  webhookd_start makes
# a temp dir with a test CA and a certificate for localhost and 127.0.0.1,
# starts the receiver and exports WEBHOOKD_* (see webhookd_start).  Send to
# $WEBHOOKD_URL/any/path or $WEBHOOKD_TLS_URL/... (trust $WEBHOOKD_CA), read
# $WEBHOOKD_LOG, check signatures with verify_webhook.py.  webhookd_verify
# puts the Standard Webhooks library for JavaScript in front of it, which
# checks every request as a third-party receiver would.  Stop it with
# webhookd_stop, e.g. "trap webhookd_stop EXIT".  WEBHOOKD_KEEP=1 keeps the
# temp dir.  Needs openssl and python3 ($SW_PYTHON, see servers.sh); node
# and the npm package for webhookd_verify (tests/lib/setup.sh).

WEBHOOKD_LIB=$(CDPATH='' cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$WEBHOOKD_LIB/servers.sh"
. "$WEBHOOKD_LIB/httpd.sh"  # httpd_make_tls: the same throw-away CA
. "$WEBHOOKD_LIB/setup.sh" # SW_NODE_MODULES: where the npm library is

webhookd_fail() {
	echo "webhookd: $*" >&2
	return 1
}

# webhookd_start: starts the receiver; sets and exports
#   WEBHOOKD_DIR        the temp dir
#   WEBHOOKD_PORT, WEBHOOKD_TLS_PORT
#   WEBHOOKD_URL        http://127.0.0.1:PORT
#   WEBHOOKD_TLS_URL    https://localhost:TLS_PORT
#   WEBHOOKD_CA         the CA certificate that signed the server's
#   WEBHOOKD_LOG        one JSON object per request, in the order answered:
#                       {"n": 1, "status": 200 (null: dropped), "path": ...,
#                       "dropped", "time", "method", "headers": [[name,
#                       value]...], "body" or "body_base64"}
#   WEBHOOKD_CONTROL    the rules (write them with webhookd_control)
#   WEBHOOKD_ERROR_LOG  the receiver's stderr
webhookd_start() {
	local d
	[ -z "${WEBHOOKD_DIR:-}" ] || webhookd_fail "already started in $WEBHOOKD_DIR" || return 1
	d=$(mktemp -d "${TMPDIR:-/tmp}/webhookd.XXXXXX") || return 1
	WEBHOOKD_DIR=$d
	: >"$d/requests.log"
	httpd_make_tls "$d" &&
		servers_start webhookd "$d" "$d/ready" \
			"$SW_PYTHON" "$WEBHOOKD_LIB/webhook_receiver.py" "$d" || {
		webhookd_stop
		return 1
	}
	WEBHOOKD_PID=$SERVERS_PID
	read -r WEBHOOKD_PORT WEBHOOKD_TLS_PORT <"$d/ready"
	WEBHOOKD_URL=http://127.0.0.1:$WEBHOOKD_PORT
	WEBHOOKD_TLS_URL=https://localhost:$WEBHOOKD_TLS_PORT
	WEBHOOKD_CA=$d/tls/ca.crt
	WEBHOOKD_LOG=$d/requests.log
	WEBHOOKD_CONTROL=$d/control
	WEBHOOKD_ERROR_LOG=$d/server.err
	export WEBHOOKD_DIR WEBHOOKD_PORT WEBHOOKD_TLS_PORT WEBHOOKD_URL \
		WEBHOOKD_TLS_URL WEBHOOKD_CA WEBHOOKD_LOG WEBHOOKD_CONTROL \
		WEBHOOKD_ERROR_LOG
}

# webhookd_verify SECRET_FILE: from here on, $WEBHOOKD_URL is
# standardwebhooks_receiver.js, which checks each request with the npm
# library "standardwebhooks" and the secret in SECRET_FILE, answers 401 to
# one that does not verify and forwards the others to the receiver (whose
# log and rules apply as before: $WEBHOOKD_DIRECT_URL).  Sets and exports
#   WEBHOOKD_VERDICTS   one line per request, as the library judged it:
#                       "WEBHOOK-ID VERDICT SKEW STATUS PATH BODY" (see
#                       standardwebhooks_receiver.js)
# Read it with webhookd_verdicts and webhookd_unverified.
webhookd_verify() {
	local d=${WEBHOOKD_DIR:-}/standardwebhooks
	[ -n "${WEBHOOKD_DIR:-}" ] || webhookd_fail "not started" || return 1
	[ -z "${WEBHOOKD_VERIFY_PID:-}" ] || webhookd_fail "already verifying" || return 1
	command -v node >/dev/null ||
		webhookd_fail "no node: install nodejs (tests/lib/setup.sh)" || return 1
	[ -f "$SW_NODE_MODULES/standardwebhooks/package.json" ] ||
		webhookd_fail "no npm package standardwebhooks in $SW_NODE_MODULES:" \
			"run sw_install_node from tests/lib/setup.sh" || return 1
	mkdir -p "$d" && : >"$d/verdicts.log" || return 1
	NODE_PATH=$SW_NODE_MODULES servers_start webhookd-verify "$d" "$d/ready" \
		node "$WEBHOOKD_LIB/standardwebhooks_receiver.js" "$d" "$1" "$WEBHOOKD_URL" ||
		return 1
	WEBHOOKD_VERIFY_PID=$SERVERS_PID
	WEBHOOKD_DIRECT_URL=$WEBHOOKD_URL
	WEBHOOKD_URL=http://127.0.0.1:$(cat "$d/ready")
	WEBHOOKD_VERDICTS=$d/verdicts.log
	export WEBHOOKD_DIRECT_URL WEBHOOKD_URL WEBHOOKD_VERDICTS
}

# webhookd_verdicts [PREFIX]: "VERDICT TYPE" for each request whose path
# starts with PREFIX, in the order answered (TYPE: the body's "type", "-"
# when it has none).
webhookd_verdicts() {
	"$SW_PYTHON" - "$WEBHOOKD_VERDICTS" "${1:-}" <<-'EOF'
		import json, sys
		for line in open(sys.argv[1], encoding="utf-8"):
		    wid, verdict, skew, status, path, body = line.rstrip("\n").split(" ", 5)
		    if not path.startswith(sys.argv[2]):
		        continue
		    try:
		        kind = json.loads(body).get("type") or "-"
		    except (ValueError, AttributeError):
		        kind = "-"
		    print(verdict, kind)
	EOF
}

# webhookd_unverified [PREFIX]: the verdict lines of the requests (whose
# path starts with PREFIX) that the library did not verify, or nothing.
webhookd_unverified() {
	awk -v p="${1:-}" '$2 != "verified" && index($5, p) == 1' "$WEBHOOKD_VERDICTS"
}

# webhookd_stop: stops the receiver and removes WEBHOOKD_DIR unless
# WEBHOOKD_KEEP=1.  Safe to call twice and from an EXIT trap.
webhookd_stop() {
	local d=${WEBHOOKD_DIR:-}
	[ -n "$d" ] || return 0
	servers_stop "${WEBHOOKD_VERIFY_PID:-}"
	servers_stop "${WEBHOOKD_PID:-}"
	if [ "${WEBHOOKD_KEEP:-0}" = 1 ]; then
		echo "webhookd: kept $d" >&2
	else
		rm -rf "$d"
	fi
	WEBHOOKD_DIR='' WEBHOOKD_PID='' WEBHOOKD_VERIFY_PID=''
	return 0
}

# webhookd_control PREFIX [KEY=VALUE...]: the rule for requests whose path
# starts with PREFIX ("/": all), replacing PREFIX's previous rule and
# restarting its counts; with no KEY=VALUE, removes it.  The longest
# matching prefix's rule applies; without one the answer is 200.
# "webhookd_control --clear" removes all rules.  Keys:
#   status=S       the failure status (default 500); alone: always S
#   first=N        S for the first N requests (after any drops), then 200
#   random=P       S with probability P (0 to 1), drawn from a generator
#   seed=X         seeded with X (default 0): setting the same rule again
#                  gives the same sequence
#   retry_after=V  a "Retry-After: V" header with each S
#   delay=D        wait D seconds (decimals allowed) before answering
#   drop=N         close the first N connections without an answer
# e.g. webhookd_control /hook status=503 first=2 retry_after=1
webhookd_control() {
	local arg prefix=${1:-} rule
	[ -n "${WEBHOOKD_DIR:-}" ] || webhookd_fail "not started" || return 1
	if [ "$prefix" = --clear ]; then
		: >"$WEBHOOKD_CONTROL.new" && mv -f "$WEBHOOKD_CONTROL.new" "$WEBHOOKD_CONTROL"
		return
	fi
	[[ $prefix =~ ^/[^#[:space:]]*$ ]] || webhookd_fail "bad path prefix '$prefix'" || return 1
	shift
	rule=$prefix
	for arg; do
		webhookd_check "$arg" || return 1
		rule="$rule $arg"
	done
	[ $# -gt 0 ] || rule=
	servers_put "$WEBHOOKD_CONTROL" "$prefix " "$rule"
}

# webhookd_check KEY=VALUE: whether webhook_receiver.py understands it.
webhookd_check() {
	local re
	case ${1%%=*} in
	status) re='^[1-5][0-9][0-9]$' ;;
	first | drop) re='^[0-9]+$' ;;
	delay) re='^[0-9]+(\.[0-9]+)?$' ;;
	random) re='^(0(\.[0-9]+)?|1(\.0*)?)$' ;;
	seed | retry_after) re='^[^#[:space:]]+$' ;;
	*) webhookd_fail "unknown control key in '$1'" || return 1 ;;
	esac
	[[ ${1#*=} =~ $re && $1 == *=* ]] || webhookd_fail "bad value in '$1'"
}

# webhookd_count [STATUS]: how many requests were answered (with STATUS;
# "drop" for dropped connections).
webhookd_count() {
	local s=${1:-[0-9a-z]*}
	[ "$s" != drop ] || s=null
	grep -c "^{\"n\": [0-9]*, \"status\": $s," "$WEBHOOKD_LOG" || true
}

# webhookd_statuses [PREFIX]: the statuses answered to the requests whose
# path starts with PREFIX, in order, on one line ("drop": dropped).
webhookd_statuses() {
	sed -n 's/^{"n": [0-9]*, "status": \([0-9a-z]*\), "path": "\([^"]*\)".*/\2 \1/p' \
		"$WEBHOOKD_LOG" | awk -v p="${1:-}" '
		index($1, p) == 1 { printf "%s%s", sep, ($2 == "null" ? "drop" : $2); sep = " " }
		END { print "" }'
}

# webhookd_wait_requests N [SECONDS]: waits (default 10 s) until at least
# N requests were answered.
webhookd_wait_requests() {
	servers_wait "${2:-10}" webhookd_has "$1"
}

webhookd_has() {
	[ "$(webhookd_count)" -ge "$1" ]
}
