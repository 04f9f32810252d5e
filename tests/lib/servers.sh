# servers.sh: shared by smtpd.sh, webhookd.sh and notifyd.sh (sourced):
# the Python they run, waiting for a condition, stopping a server, and
# stamping the control-file lines they write.

# Debian's interpreter: it has python3-aiosmtpd (a "python3" first in PATH,
# e.g. pyenv's, may not) and starts fast.  Override with SW_PYTHON.
if [ -z "${SW_PYTHON:-}" ]; then
	SW_PYTHON=python3
	[ -x /usr/bin/python3 ] && SW_PYTHON=/usr/bin/python3
fi

# servers_wait SECONDS COMMAND...: runs COMMAND every 0.1 s until it
# succeeds (returns 0) or SECONDS (decimals allowed) have passed (returns 1).
servers_wait() {
	local tries
	tries=$(awk -v s="$1" 'BEGIN { printf "%d", s * 10 }')
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -ge 0 ] || return 1
		sleep 0.1
	done
}

# servers_start NAME DIR READY COMMAND...: starts COMMAND in the background
# (stderr to DIR/server.err) and waits up to 10 s for the file READY to
# appear.  Sets SERVERS_PID.  Call it from the test's shell itself, not a
# subshell: the servers exit when their parent does.
servers_start() {
	local name=$1 d=$2 ready=$3
	shift 3
	# No __pycache__ in the source tree (they import serverlib.py).
	PYTHONDONTWRITEBYTECODE=1 "$@" </dev/null >/dev/null 2>"$d/server.err" &
	SERVERS_PID=$!
	servers_wait 10 servers_ready "$ready" "$SERVERS_PID" || true
	[ -e "$ready" ] && return 0
	echo "$name: the server did not start; its stderr:" >&2
	sed 's/^/  /' "$d/server.err" >&2
	servers_stop "$SERVERS_PID"
	return 1
}

# servers_ready FILE PID: true when FILE exists or PID has exited (the
# caller tells them apart).
servers_ready() {
	[ -e "$1" ] || ! kill -0 "$2" 2>/dev/null
}

# servers_stop PID: SIGTERM, then SIGKILL after 5 s; waits for the exit.
servers_stop() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	servers_wait 5 servers_gone "$1" || kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

servers_gone() {
	! kill -0 "$1" 2>/dev/null
}

# servers_put FILE KEY LINE: FILE without its lines starting with KEY, plus
# LINE (if not empty) stamped with the time, so that setting the same value
# again makes a new line (a count restarts).  Replaced by a rename: a
# server never reads half a file.
servers_put() {
	local f=$1
	{
		[ ! -e "$f" ] || awk -v k="$2" 'index($0, k) != 1' "$f"
		[ -z "$3" ] || printf '%s # set %s\n' "$3" "$(date +%s.%N)"
	} >"$f.new" && mv -f "$f.new" "$f"
}
