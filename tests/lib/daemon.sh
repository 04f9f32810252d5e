# daemon.sh: a scrapewatch daemon that a test runs (sourced).  daemon_start
# CONFIG LOG starts "$SW -c CONFIG daemon" in the background, its output in
# LOG, its process id in $pid; daemon_stop sends SIGTERM and waits, and does
# nothing when none runs, so that a test's EXIT trap may call it.
pid=''
daemon_start() {
	"$SW" -c "$1" daemon >"$2" 2>&1 &
	pid=$!
}
daemon_stop() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=''
}
