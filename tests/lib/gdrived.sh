# gdrived.sh: a throw-away Google Drive on 127.0.0.1 for the shell tests
# (sourced): gdrive.py over TLS, its drive server standing for
# drive.google.com, its content server for drive.usercontent.google.com
# and its api server for www.googleapis.com (Drive's files API: point a
# dataset's api_endpoint at "$GDRIVED_API_URL").
# gdrived_start makes a temp dir with a test CA and a certificate for
# localhost and 127.0.0.1, starts the server and exports GDRIVED_* (see
# gdrived_start).  Say what it serves with gdrived_state (the JSON that
# gdrive.py's header describes), point a dataset at it with
#   google_drive: { id: ID, endpoint: "$GDRIVED_URL" }
# and fetch: { ca_file: "$GDRIVED_CA" }, and read $GDRIVED_LOG.  Stop it
# with gdrived_stop, e.g. "trap gdrived_stop EXIT".  GDRIVED_KEEP=1 keeps
# the temp dir.  Needs openssl and python3 ($SW_PYTHON, see servers.sh).

GDRIVED_LIB=$(CDPATH='' cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$GDRIVED_LIB/servers.sh"
. "$GDRIVED_LIB/httpd.sh" # httpd_make_tls: the same throw-away CA

gdrived_fail() {
	echo "gdrived: $*" >&2
	return 1
}

# gdrived_start: starts the server; sets and exports
#   GDRIVED_DIR          the temp dir (files named in the state may be
#                        relative to it)
#   GDRIVED_URL          https://localhost:PORT, the drive server
#   GDRIVED_CONTENT_URL  https://localhost:PORT, the content server
#   GDRIVED_API_URL      https://localhost:PORT, the files API
#   GDRIVED_CA           the CA certificate that signed the servers'
#   GDRIVED_LOG          one line a request: "SERVER METHOD PATH STATUS"
#   GDRIVED_ERROR_LOG    the server's stderr
gdrived_start() {
	local d drive content api
	[ -z "${GDRIVED_DIR:-}" ] || gdrived_fail "already started in $GDRIVED_DIR" || return 1
	d=$(mktemp -d "${TMPDIR:-/tmp}/gdrived.XXXXXX") || return 1
	GDRIVED_DIR=$d
	: >"$d/requests.log"
	printf '{"files": {}}\n' >"$d/state.json"
	httpd_make_tls "$d" &&
		servers_start gdrived "$d" "$d/ready" \
			"$SW_PYTHON" "$GDRIVED_LIB/gdrive.py" "$d" --tls || {
		gdrived_stop
		return 1
	}
	GDRIVED_PID=$SERVERS_PID
	read -r drive content api <"$d/ready"
	GDRIVED_URL=https://localhost:$drive
	GDRIVED_CONTENT_URL=https://localhost:$content
	GDRIVED_API_URL=https://localhost:$api
	GDRIVED_CA=$d/tls/ca.crt
	GDRIVED_LOG=$d/requests.log
	GDRIVED_ERROR_LOG=$d/server.err
	export GDRIVED_DIR GDRIVED_URL GDRIVED_CONTENT_URL GDRIVED_API_URL \
		GDRIVED_CA GDRIVED_LOG GDRIVED_ERROR_LOG
}

# gdrived_state JSON: what the server serves from now on (replaced whole,
# by a rename).
gdrived_state() {
	printf '%s\n' "$1" >"$GDRIVED_DIR/state.json.new" &&
		mv -f "$GDRIVED_DIR/state.json.new" "$GDRIVED_DIR/state.json"
}

# gdrived_log_clear: empties the request log.
gdrived_log_clear() {
	: >"$GDRIVED_LOG"
}

# gdrived_stop: stops the server and removes GDRIVED_DIR unless
# GDRIVED_KEEP=1.  Safe to call twice and from an EXIT trap.
gdrived_stop() {
	local d=${GDRIVED_DIR:-}
	[ -n "$d" ] || return 0
	servers_stop "${GDRIVED_PID:-}"
	if [ "${GDRIVED_KEEP:-0}" = 1 ]; then
		echo "gdrived: kept $d" >&2
	else
		rm -rf "$d"
	fi
	GDRIVED_DIR='' GDRIVED_PID=''
	return 0
}
