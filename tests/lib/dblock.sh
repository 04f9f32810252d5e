# Sourced by tests: a writer that holds a state database's write lock.
#
# db_hold DB SECONDS FLAG: a write transaction on DB for SECONDS, run in the
# background ($holder); returns once it holds the lock (FLAG is the file it
# creates then). Needs SW_PYTHON (tests/lib/servers.sh) and sw_fail
# (tests/lib/assert.sh).

db_hold() {
	rm -f "$3"
	"$SW_PYTHON" - "$1" "$2" "$3" <<-'PY' &
		import sqlite3, sys, time
		c = sqlite3.connect(sys.argv[1], isolation_level=None)
		c.execute("BEGIN IMMEDIATE")
		c.execute("UPDATE datasets SET name = name")
		open(sys.argv[3], "w").close()
		time.sleep(float(sys.argv[2]))
		c.execute("ROLLBACK")
	PY
	holder=$!
	local end=$((SECONDS + 10))
	until [ -e "$3" ] || [ $SECONDS -ge $end ]; do sleep 0.1; done
	[ -e "$3" ] || sw_fail "the writer did not get the database"
}
