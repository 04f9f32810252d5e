# notifyd.sh: a stand-in for systemd's notification socket in the shell
# tests (sourced).  notifyd_start binds a datagram socket in a temp dir
# (notify_listener.py) and exports NOTIFY_SOCKET, so that a daemon started
# afterwards sends its sd_notify() messages (READY=1, STATUS=...,
# WATCHDOG=1, STOPPING=1) there; each lands in $NOTIFYD_LOG as one line,
#   TIME pid=PID ASSIGNMENT|ASSIGNMENT...
# Wait for one with notifyd_wait.  Stop it with notifyd_stop, e.g. "trap
# notifyd_stop EXIT".  NOTIFYD_KEEP=1 keeps the temp dir.  Needs python3
# ($SW_PYTHON, see servers.sh).

NOTIFYD_LIB=$(CDPATH='' cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$NOTIFYD_LIB/servers.sh"

# notifyd_start: starts the listener; sets and exports
#   NOTIFYD_DIR    the temp dir
#   NOTIFY_SOCKET  the socket's path (sd_notify's variable)
#   NOTIFYD_LOG    one line per datagram, as above
notifyd_start() {
	local d
	if [ -n "${NOTIFYD_DIR:-}" ]; then
		echo "notifyd: already started in $NOTIFYD_DIR" >&2
		return 1
	fi
	d=$(mktemp -d "${TMPDIR:-/tmp}/notifyd.XXXXXX") || return 1
	NOTIFYD_DIR=$d
	: >"$d/notify.log"
	servers_start notifyd "$d" "$d/notify.sock" "$SW_PYTHON" \
		"$NOTIFYD_LIB/notify_listener.py" "$d/notify.sock" "$d/notify.log" || {
		notifyd_stop
		return 1
	}
	NOTIFYD_PID=$SERVERS_PID
	NOTIFY_SOCKET=$d/notify.sock
	NOTIFYD_LOG=$d/notify.log
	export NOTIFYD_DIR NOTIFY_SOCKET NOTIFYD_LOG
}

# notifyd_stop: stops the listener, unsets NOTIFY_SOCKET and removes
# NOTIFYD_DIR unless NOTIFYD_KEEP=1.  Safe to call twice and from an EXIT
# trap.
notifyd_stop() {
	local d=${NOTIFYD_DIR:-}
	[ -n "$d" ] || return 0
	servers_stop "${NOTIFYD_PID:-}"
	unset NOTIFY_SOCKET
	if [ "${NOTIFYD_KEEP:-0}" = 1 ]; then
		echo "notifyd: kept $d" >&2
	else
		rm -rf "$d"
	fi
	NOTIFYD_DIR='' NOTIFYD_PID=''
	return 0
}

# notifyd_wait ERE [SECONDS]: waits (default 10 s) for a line of the log
# matching ERE, e.g. notifyd_wait 'READY=1'.
notifyd_wait() {
	servers_wait "${2:-10}" grep -Eq -- "$1" "$NOTIFYD_LOG"
}
