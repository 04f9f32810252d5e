#!/usr/bin/env bash
# `scrapewatch daemon` under a stand-in for systemd (NOTIFY_SOCKET,
# WATCHDOG_USEC / WATCHDOG_PID), against the loopback nginx and webhook
# receiver: READY=1 only after start-up; STATUS= changes as checks run; a
# release published on the server is ingested and alerted on its own
# within its interval; WATCHDOG=1 keeps coming during a large ingest;
# SIGHUP with a good configuration adds a dataset, with a broken one keeps
# the old and says why; SIGTERM during an ingest exits within seconds with
# the index intact; a restart resumes the schedule instead of fetching
# everything again.  Every webhook the daemon sends verifies with the
# Standard Webhooks library for JavaScript on arrival.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh
. tests/lib/webhookd.sh
. tests/lib/daemon.sh
. tests/lib/notifyd.sh

tmp=$(mktemp -d)
trap 'daemon_stop; httpd_stop; webhookd_stop; notifyd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
httpd_start
webhookd_start
notifyd_start

# release FILE N [OWNER]: a CSV of N photos (ids 1..N), the first ten owned
# by OWNER (jane's NSID by default), the rest by nobody watched.
release() {
	"$SW_PYTHON" - "$HTTPD_WWW/$1" "$2" "${3:-11111111@N00}" <<-'EOF'
		import sys
		path, n, owner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
		with open(path + ".tmp", "w") as f:
		    f.write("photo,owner\n")
		    for i in range(1, n + 1):
		        f.write(f"{i},{owner if i <= 10 else '%d@N01' % (20000000 + i)}\n")
		import os
		os.chmod(path + ".tmp", 0o644)
		os.rename(path + ".tmp", path)
	EOF
}
printf 'whsec_%s\n' "$(printf 'daemon test secret, 32 bytes long' | base64 -w0)" >"$tmp/hook.key"
chmod 600 "$tmp/hook.key"
webhookd_verify "$tmp/hook.key" # $WEBHOOKD_URL: the npm library's endpoint
# config INTERVAL EXTRA_DATASET_YAML
config() {
	cat >"$tmp/sw.yaml" <<-EOF
		state_dir: $tmp/state
		metrics_file: $tmp/daemon.prom
		alerts: { webhook_retries: [1s, 1s, 1s] }
		datasets:
		  - { name: faces, url: "$HTTPD_URL/faces.csv", format: csv, interval: $1,
		      columns: { photo_id: photo, owner_nsid: owner } }
		  - { name: yearly, url: "$HTTPD_URL/yearly.csv", format: csv, interval: 365d,
		      columns: { photo_id: photo, owner_nsid: owner } }
		$2
		subscribers:
		  jane: { webhook: "$WEBHOOKD_URL/jane", secret: { file: $tmp/hook.key } }
		watch:
		  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
	EOF
}
# start: runs the daemon in the background with the watchdog at 1 s.
start() {
	WATCHDOG_USEC=1000000 bash -c 'export WATCHDOG_PID=$$; exec "$@"' - \
		"$SW" -c "$tmp/sw.yaml" daemon >>"$tmp/daemon.log" 2>&1 &
	pid=$!
}
gets() { grep -c "GET /$1 " "$HTTPD_LOG" || true; }
statuses() { grep -o 'STATUS=[^|]*' "$NOTIFYD_LOG" | sort -u; }
wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
# hooks: "type photo_ids" a line, for each webhook jane got.
hooks() {
	"$SW_PYTHON" - "$WEBHOOKD_LOG" <<-'EOF'
		import json, sys
		for line in open(sys.argv[1]):
		    b = json.loads(json.loads(line)["body"])
		    print(b["type"], *[p["photo_id"] for p in b["data"].get("photos", [])])
	EOF
}
hook_seen() { hooks | grep -q "^$1"; }
# status EXPR: EXPR over `scrapewatch status --format json` (s), with
# d[NAME] each dataset and now the time.
status() {
	"$SW" -c "$tmp/sw.yaml" status --format json |
		"$SW_PYTHON" -c "import json, sys, time; s = json.load(sys.stdin); d = {x['name']: x for x in s['datasets']}; now = time.time(); print($1)"
}

release faces.csv 20
release yearly.csv 5
config 4s ''

# --- start: READY only after start-up, then the first checks ----------------
start
notifyd_wait 'READY=1' 10 || sw_fail "no READY=1"
ready=$(grep -m1 'READY=1' "$NOTIFYD_LOG")
expect_contains "READY=1 with a STATUS" "$ready" "STATUS=2 datasets"
expect_contains "logged its start before READY" "$(cat "$tmp/daemon.log")" "Started: 2 datasets, 1 subscribers, 1 watches"
expect_eq "READY came from the daemon itself" "$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' <<<"$ready")" "$pid"
wait_for 15 hook_seen subscription.baseline || sw_fail "no baseline webhook for jane"
expect_eq "the baseline reached jane on its own" "$(hooks)" "subscription.baseline 1 2 3 4 5 6 7 8 9 10"
wait_for 15 bash -c "grep -q '^200 GET /yearly.csv ' '$HTTPD_LOG'" || sw_fail "yearly not fetched"
# nginx logs the request before the daemon has ingested the body.
yearly_checked() { [ "$(status "bool(d['yearly']['last_check'] and d['yearly']['last_check']['ended'])")" = True ]; }
wait_for 10 yearly_checked || sw_fail "yearly fetched but its check never recorded"
expect_eq "status: the daemon's plan, one interval on (4 s) and a year on (less 5% jitter)" \
	"$(status "0 < d['faces']['next_check'] - now <= 5, 346 * 86400 < d['yearly']['next_check'] - now, d['yearly']['last_check']['outcome']")" \
	"True True new-release"
# The receiver logs a request before the daemon has read the 200 and marked
# the alert sent: wait for the record, not just the request.
sent_recorded() { [ "$(status "s['alerts']['sent'] >= 1")" = True ]; }
wait_for 10 sent_recorded || sw_fail "the baseline alert was never marked sent"
# metrics RELEASES: the metrics file says faces has RELEASES releases.
metrics() { grep -qx "scrapewatch_releases_total{dataset=\"faces\"} $1" "$tmp/daemon.prom" 2>/dev/null; }
wait_for 10 metrics 1 || sw_fail "the daemon did not write the metrics file after the first check"
wait_for 15 grep -q '^scrapewatch_alerts{state="sent"} [1-9]' "$tmp/daemon.prom" ||
	sw_fail "the metrics file never showed the sent alert"
expect_eq "the overdue datasets a few seconds apart, not at once" "$("$SW_PYTHON" - "$tmp/state/scrapewatch.db" <<-'EOF'
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	t = dict(db.execute("SELECT d.name, min(r.started) FROM runs r JOIN datasets d ON d.id = r.dataset_id GROUP BY d.name"))
	print(t["yearly"] - t["faces"] >= 3)
EOF
)" True

# --- a new release on the server is ingested and alerted within its interval -
release faces.csv 21 # photo 21 is nobody's; then one of jane's goes
"$SW_PYTHON" - "$HTTPD_WWW/faces.csv" <<-'EOF'
	import sys
	import os
	lines = open(sys.argv[1]).read().splitlines()
	open(sys.argv[1] + ".tmp", "w").write("\n".join(l for l in lines if not l.startswith("3,")) + "\n")
	os.chmod(sys.argv[1] + ".tmp", 0o644)
	os.rename(sys.argv[1] + ".tmp", sys.argv[1])
EOF
wait_for 15 hook_seen photo.removed || sw_fail "the removal was not alerted on its own"
expect_contains "the removed photo" "$(hooks)" "photo.removed 3"
expect_contains "STATUS: being checked" "$(statuses)" "1 being checked"
expect_contains "STATUS: the next check" "$(statuses)" "next check faces in"
expect_contains "STATUS: alerts pending, in words" "$(statuses)" "0 failing, 0 alerts pending"

# --- watchdog pings keep coming during a large ingest ------------------------
release faces.csv 400000
wait_for 30 grep -q "faces: release 3" "$tmp/daemon.log" || sw_fail "no release 3"
wait_for 10 metrics 3 || sw_fail "the metrics file did not follow release 3"
expect_eq "WATCHDOG=1 never more than 0.9 s apart (WatchdogSec=1s)" "$("$SW_PYTHON" - "$NOTIFYD_LOG" <<-'EOF'
	import sys
	t = [float(l.split()[0]) for l in open(sys.argv[1]) if "WATCHDOG=1" in l]
	print(len(t) > 10 and max(b - a for a, b in zip(t, t[1:])) < 0.9)
EOF
)" True

# --- SIGHUP: a good configuration adds a dataset -----------------------------
release extra.csv 3
config 4s "  - { name: extra, url: \"$HTTPD_URL/extra.csv\", format: csv, columns: { photo_id: photo, owner_nsid: owner } }"
: >"$NOTIFYD_LOG"
kill -HUP "$pid"
notifyd_wait 'READY=1' 10 || sw_fail "no READY=1 after SIGHUP"
expect_eq "RELOADING=1, then READY=1" "$(grep -o 'RELOADING=1\|READY=1' "$NOTIFYD_LOG" | tr '\n' ' ')" "RELOADING=1 READY=1 "
expect_contains "3 datasets now" "$(grep 'READY=1' "$NOTIFYD_LOG")" "STATUS=3 datasets"
wait_for 15 grep -q "extra: release 1" "$tmp/daemon.log" || sw_fail "the added dataset was not checked"

# --- SIGHUP: a broken configuration keeps the old one --------------------------
echo "datasets: [ { name: broken" >>"$tmp/sw.yaml"
: >"$NOTIFYD_LOG"
kill -HUP "$pid"
notifyd_wait 'READY=1' 10 || sw_fail "no READY=1 after a bad SIGHUP"
expect_contains "says why, file:line:column" "$(cat "$tmp/daemon.log")" "$tmp/sw.yaml:"
expect_contains "keeps the old configuration" "$(cat "$tmp/daemon.log")" "the running one stays"
expect_contains "still 3 datasets" "$(grep 'READY=1' "$NOTIFYD_LOG")" "STATUS=3 datasets"
kill -0 "$pid" || sw_fail "the daemon died on a bad configuration"

# --- SIGTERM during an ingest: out within seconds, the index intact -----------
config 4s ''
kill -HUP "$pid"
notifyd_wait 'STATUS=2 datasets' 10 || sw_fail "no reload back to 2 datasets"
releases() {
	sqlite3 "$tmp/state/scrapewatch.db" "SELECT count(*) FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'faces'"
}
before=$(releases)
n0=$(grep -c '^200 GET /faces.csv ' "$HTTPD_LOG" || true)
release faces.csv 1500000
wait_for 30 bash -c "[ \$(grep -c '^200 GET /faces.csv ' '$HTTPD_LOG') -gt $n0 ]" ||
	sw_fail "the big release was not fetched"
sleep 1 # now it is ingesting
t0=$(date +%s.%N)
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=''
t1=$(date +%s.%N)
expect_eq "SIGTERM: exit 0" "$rc" 0
expect_eq "SIGTERM: out within 5 s" "$("$SW_PYTHON" -c "print($t1 - $t0 < 5)")" True
expect_contains "STOPPING=1" "$(cat "$NOTIFYD_LOG")" "STOPPING=1"
expect_contains "it was stopped mid-ingest" "$(cat "$tmp/daemon.log")" "stopped: scrapewatch is shutting down; the index is as it was"
expect_eq "the big release was not recorded, not even half" "$(releases)" "$before"
expect_eq "integrity_check" "$(sqlite3 "$tmp/state/scrapewatch.db" 'PRAGMA integrity_check')" ok
expect_eq "status: release 3 still the newest; the last check stopped, not failed" \
	"$(status "d['faces']['release']['number'], d['faces']['last_check']['outcome'], d['faces']['last_check']['error'][:8], d['faces']['consecutive_failures']")" "3 stopped stopped: 0"
yearly_plan=$(status "d['yearly']['next_check']")

# --- a restart resumes the schedule ------------------------------------------
n_yearly=$(gets yearly.csv)
: >"$NOTIFYD_LOG"
start
notifyd_wait 'READY=1' 10 || sw_fail "no READY=1 after the restart"
wait_for 60 bash -c "[ \$(sqlite3 '$tmp/state/scrapewatch.db' \"SELECT count(*) FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'faces'\") -gt $before ]" ||
	sw_fail "faces not checked after the restart"
expect_eq "the yearly dataset is not fetched again" "$(gets yearly.csv)" "$n_yearly"
expect_eq "status: its plan kept across the restart" "$(status "d['yearly']['next_check']")" "$yearly_plan"
caught_up() { [ "$(status "d['faces']['release']['number'], d['faces']['consecutive_failures']")" = "4 0" ]; }
wait_for 10 caught_up || true # the run's record follows the release's commit
expect_eq "status: faces caught up, release 4, no failure" "$(status "d['faces']['release']['number'], d['faces']['consecutive_failures']")" "4 0"
expect_contains "its next check is a year out" "$(grep 'READY=1' "$NOTIFYD_LOG")" "STATUS=2 datasets"
daemon_stop
expect_eq "the npm library verified each webhook the daemon sent" \
	"$(webhookd_unverified)$(webhookd_verdicts | sort -u | paste -sd,)" \
	"verified photo.reincluded,verified photo.removed,verified subscription.baseline"
sw_done
