#!/usr/bin/env bash
# Seeded crash trials: kill -9 at a random moment of `scrapewatch import`,
# `check` (a 200k-row release, about a second), `check` of a release of
# four files of which one changed, and `deliver` (a slow webhook
# receiver), then rerun to completion, and compare with runs never killed
# (for the four files also the release after, which reads the key lists
# the killed run may have left unwritten): the same releases (sha256 and counts), the same events and alerts
# (ids), integrity_check ok after every kill; every alert delivered at least
# once, any duplicate with the same webhook-id and an identical body, and
# nothing pending.  The moment of each kill is drawn from
# random.Random(SW_CRASH_SEED + trial) in [0, T], T being the step's
# duration measured on this machine (so a slower build, e.g. ASan, is
# killed across its own whole run).
#   SW_CRASH_TRIALS  number of trials (default 50), split over the four steps
#   SW_CRASH_SEED    the seed (default 1)
#   SW_CRASH_ROWS    rows of the release (default 200000)
#   SW_CRASH_BUDGET  seconds after which no new trial starts once 15 have
#                    run (default 170: CI runs this in a debug and an ASan
#                    build on 2 cores); the summary says when it cut short
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/webhookd.sh

TRIALS=${SW_CRASH_TRIALS:-50}
SEED=${SW_CRASH_SEED:-1}
ROWS=${SW_CRASH_ROWS:-200000}
BUDGET=${SW_CRASH_BUDGET:-170}
tmp=$(mktemp -d)
trap 'webhookd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
webhookd_start
started=$(date +%s.%N)
# A private copy of the binary: a rebuild meanwhile must not pull it away.
cp "$SW" "$tmp/scrapewatch"
SW=$tmp/scrapewatch

secret=whsec_$(printf 'scrapewatch test secret 0123456' | base64)
printf '%s\n' "$secret" >"$tmp/hook.key"
chmod 600 "$tmp/hook.key"
# config NAME PREFIX: a configuration with its own state directory whose
# webhooks go to $WEBHOOKD_URL/PREFIX/...
config() {
	cat >"$tmp/$1.yaml" <<-YAML
		state_dir: $tmp/$1
		alerts: { webhook_retries: [1s, 1s, 1s, 1s, 1s], timeout: 10s, concurrency: 2 }
		operator: { webhook: "$WEBHOOKD_URL/$2/ops", secret: { file: $tmp/hook.key } }
		datasets:
		  - name: faces
		    url: "file://$tmp/v2.csv"
		    format: csv
		    columns: { photo_id: photo, owner_nsid: owner, page_url: page }
		  - name: shards
		    urls: [ "file://$tmp/$1-shards/s1.csv", "file://$tmp/$1-shards/s2.csv",
		            "file://$tmp/$1-shards/s3.csv", "file://$tmp/$1-shards/s4.csv" ]
		    format: csv
		    columns: { photo_id: photo, owner_nsid: owner, page_url: page }
		subscribers:
		  jane: { webhook: "$WEBHOOKD_URL/$2/jane", secret: { file: $tmp/hook.key } }
		  bob: { webhook: "$WEBHOOKD_URL/$2/bob", secret: { file: $tmp/hook.key } }
		watch:
		  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
		  - { subscriber: bob, flickr: { nsid: 22222222@N00 } }
	YAML
}
# release FILE FROM TO: photos FROM..TO; every 5000th jane's, the next
# bob's, the rest spread over many owners.
release() {
	awk -v from="$2" -v to="$3" 'BEGIN {
		print "photo,owner,page"
		for (i = from; i <= to; i++) {
			m = i % 5000
			o = m == 1 ? "11111111@N00" : m == 2 ? "22222222@N00" : sprintf("%08d@N01", 20000000 + i % 7919)
			printf "%d,%s,https://www.flickr.com/photos/%s/%d/\n", i, o, o, i
		}
	}' >"$1"
}
shift_by=$((ROWS / 10))
release "$tmp/v1.csv" 1 "$ROWS"
release "$tmp/v2.csv" $((shift_by + 1)) $((ROWS + shift_by))
# shards NAME EDITION: the four files of dataset shards for state NAME:
# edition 1, 2 (the third file changed) or 3 (the first changed too).
q=$((ROWS / 4))
shards() {
	mkdir -p "$tmp/$1-shards"
	release "$tmp/$1-shards/s1.csv" 1 $(($2 == 3 ? q - 100 : q))
	release "$tmp/$1-shards/s2.csv" $((q + 1)) $((2 * q))
	release "$tmp/$1-shards/s3.csv" $((2 * q + ($2 >= 2 ? 200 : 1))) $((3 * q))
	release "$tmp/$1-shards/s4.csv" $((3 * q + 1)) $((4 * q))
}

sql() { sqlite3 "$tmp/$1/scrapewatch.db" "$2"; }
# state NAME: what must match the run never killed.
state() {
	sql "$1" "SELECT seq, sha256, entries, added, removed, reincluded FROM releases ORDER BY dataset_id, seq;
		SELECT 'events', count(*), group_concat(id) FROM (SELECT id FROM events ORDER BY id);
		SELECT 'alerts', count(*), group_concat(id) FROM (SELECT id FROM alerts ORDER BY id);
		SELECT 'alert_events', count(*) FROM alert_events;"
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
sw() { "$SW" -c "$tmp/$1.yaml" "${@:2}" >/dev/null 2>"$tmp/$1.err"; }

# --- the runs never killed: the references, and the steps' durations -------
config base ref
sw base import faces "$tmp/v1.csv" || { cat "$tmp/base.err"; exit 1; }
for r in ref-import ref-check; do
	config "$r" ref
	cp -a "$tmp/base/." "$tmp/$r/"
done
t=$(now)
sw ref-import import faces "$tmp/v2.csv"
T_import=$(elapsed "$t")
t=$(now)
sw ref-check check faces
T_check=$(elapsed "$t")
ref_import=$(state ref-import)
ref_check=$(state ref-check)
# The four files: release 1 in base-files; the references of release 2
# (the third file changed) and release 3 (then the first).
config base-files ref
cp -a "$tmp/base/." "$tmp/base-files/"
shards base-files 1
sw base-files check shards || { cat "$tmp/base-files.err"; exit 1; }
config ref-files ref
cp -a "$tmp/base-files/." "$tmp/ref-files/"
shards ref-files 2
t=$(now)
sw ref-files check shards
T_files=$(elapsed "$t")
ref_files=$(state ref-files)
shards ref-files 3
sw ref-files check shards
ref_files3=$(state ref-files)
expect_contains "the reference's release 2 changed one file's entries" \
	"$(sql ref-files "SELECT added || ' ' || removed FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'shards' AND seq = 2")" \
	"0 199"
n_alerts=$(sql ref-check "SELECT count(*) FROM alerts")
expect_eq "the reference check queued alerts" "$([ "$n_alerts" -ge 5 ] && echo yes)" yes
# Delivery: every request to /d* waits a little, so that deliver takes a
# while and a kill can land between a send and its record.
webhookd_control /d delay=0.1
cp -a "$tmp/ref-check" "$tmp/pending"
config ref-deliver dref
cp -a "$tmp/pending" "$tmp/ref-deliver"
t=$(now)
sw ref-deliver deliver
T_deliver=$(elapsed "$t")
echo "reference: $ROWS rows; import ${T_import}s, check ${T_check}s, four files ${T_files}s, deliver ${T_deliver}s ($n_alerts alerts)"

# --- trials ------------------------------------------------------------------
# delay TRIAL T: the kill's moment, seeded.
delay() {
	"$SW_PYTHON" -c "import random, sys; print('%.3f' % random.Random(int(sys.argv[1])).uniform(0, float(sys.argv[2])))" \
		"$((SEED * 100000 + $1))" "$2"
}
# kill_at NAME DELAY ARGS...: runs scrapewatch, kills it -9 after DELAY
# seconds; sets KILLED (yes, or no when it had finished).
kill_at() {
	local name=$1 d=$2 pid
	shift 2
	"$SW" -c "$tmp/$name.yaml" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	if kill -9 "$pid" 2>/dev/null; then KILLED=yes; else KILLED=no; fi
	wait "$pid" 2>/dev/null || true
}
declare -A outcome
tally() { outcome[$1]=$((${outcome[$1]:-0} + 1)); }

# requests PREFIX: the receiver's log for PREFIX, checked: prints
# "ok N_ALERTS N_REQUESTS N_DUPLICATES" or why not.
check_requests() {
	"$SW_PYTHON" - "$WEBHOOKD_LOG" "$1" "$2" <<-'EOF'
		import json, sys
		log, prefix, want = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
		seen = {}
		for line in open(log):
		    q = json.loads(line)
		    if not q["path"].startswith(prefix + "/"):
		        continue
		    h = {k.lower(): v for k, v in q["headers"]}
		    seen.setdefault(h["webhook-id"], []).append((q["status"], q.get("body")))
		bad = []
		for i, reqs in seen.items():
		    if len({b for s, b in reqs if b is not None}) > 1:
		        bad.append("alert %s: different bodies" % i)
		    if json.loads(reqs[0][1]).get("id") != i:
		        bad.append("alert %s: webhook-id is not the body's id" % i)
		delivered = {i for i, reqs in seen.items() if any(s == 200 for s, b in reqs)}
		if want - delivered:
		    bad.append("never delivered: %s" % sorted(want - delivered))
		if set(seen) - want:
		    bad.append("unknown ids: %s" % sorted(set(seen) - want))
		dups = sum(len(r) - 1 for r in seen.values())
		print("; ".join(bad) if bad else "ok %d %d %d" % (len(seen), sum(map(len, seen.values())), dups))
	EOF
}

trial_ingest() { # TRIAL STEP(import|check|files) T
	local i=$1 step=$2 d name=t$1 ref
	d=$(delay "$i" "$3")
	rm -rf "${tmp:?}/$name" "${tmp:?}/$name-shards"
	config "$name" "t$i"
	case $step in
	import) ref=$ref_import ;;
	check) ref=$ref_check ;;
	files) ref=$ref_files ;;
	esac
	if [ "$step" = files ]; then
		cp -a "$tmp/base-files" "$tmp/$name"
		shards "$name" 2
		kill_at "$name" "$d" check shards
	elif [ "$step" = import ]; then
		cp -a "$tmp/base" "$tmp/$name"
		kill_at "$name" "$d" import faces "$tmp/v2.csv"
	else
		cp -a "$tmp/base" "$tmp/$name"
		kill_at "$name" "$d" check faces
	fi
	expect_eq "trial $i ($step, kill at ${d}s): integrity" \
		"$(sql "$name" 'PRAGMA integrity_check')" ok
	local seq
	seq=$(sql "$name" 'SELECT max(seq) FROM releases')
	if [ "$KILLED" = no ]; then
		tally "$step: finished before the kill"
	elif [ "$seq" = 2 ]; then
		tally "$step: killed after the commit"
	else
		tally "$step: killed before the commit"
	fi
	if [ "$seq" = 2 ]; then
		# Committed: the whole release, every event with its alerts.
		expect_eq "trial $i: a committed release is whole" "$(state "$name")" "$ref"
	else
		expect_eq "trial $i: the index is as before" "$seq" 1
	fi
	case $step in
	import) sw "$name" import faces "$tmp/v2.csv" ;;
	check) sw "$name" check faces ;;
	files) sw "$name" check shards ;;
	esac || sw_fail "trial $i: the rerun failed: $(cat "$tmp/$name.err")"
	expect_eq "trial $i ($step, kill at ${d}s): rerun gives the reference" "$(state "$name")" "$ref"
	if [ "$step" = files ]; then
		# The next release reads the key lists of the files it shares.
		shards "$name" 3
		sw "$name" check shards || sw_fail "trial $i: release 3 failed: $(cat "$tmp/$name.err")"
		expect_eq "trial $i (files): release 3 gives the reference" "$(state "$name")" "$ref_files3"
	fi
	rm -rf "${tmp:?}/$name" "${tmp:?}/$name-shards"
}

trial_deliver() { # TRIAL T
	local i=$1 d name=d$1 ids res pending
	d=$(delay "$i" "$2")
	rm -rf "${tmp:?}/$name"
	config "$name" "d$i"
	cp -a "$tmp/pending" "$tmp/$name"
	kill_at "$name" "$d" deliver
	expect_eq "trial $i (deliver, kill at ${d}s): integrity" \
		"$(sql "$name" 'PRAGMA integrity_check')" ok
	local sent
	sent=$(sql "$name" 'SELECT count(*) FROM alerts WHERE state = 1')
	expect_eq "trial $i: no alert sent without a recorded attempt" \
		"$(sql "$name" 'SELECT count(*) FROM alerts a WHERE state = 1 AND NOT EXISTS (SELECT 1 FROM attempts t WHERE t.alert_id = a.id AND outcome = 1)')" 0
	if [ "$KILLED" = no ]; then
		tally "deliver: finished before the kill"
	else
		tally "deliver: killed with $([ "$sent" = 0 ] && echo none || { [ "$sent" = "$n_alerts" ] && echo all || echo some; }) sent"
	fi
	sleep 0.3 # the receiver answers (and logs) the dead connections
	sw "$name" deliver || sw_fail "trial $i: the rerun failed: $(cat "$tmp/$name.err")"
	pending=$(sql "$name" 'SELECT count(*) FROM alerts WHERE state != 1')
	expect_eq "trial $i: nothing pending or failed" "$pending" 0
	ids=$(sql "$name" "SELECT group_concat(id) FROM alerts")
	expect_eq "trial $i: the same alerts as the reference" "$(state "$name")" "$ref_check"
	res=$(check_requests "/d$i" "$ids")
	case $res in
	ok*)
		sw_pass
		read -r _ _ _ dups <<<"$res"
		DUPS=$((DUPS + dups))
		;;
	*) sw_fail "trial $i: receiver: $res" ;;
	esac
	rm -rf "${tmp:?}/$name"
}

DUPS=0
steps=(import check deliver files)
ran=0
for ((i = 1; i <= TRIALS; i++)); do
	if [ "$i" -gt 15 ] && [ "$(elapsed "$started" | cut -d. -f1)" -ge "$BUDGET" ]; then
		echo "NOTE: time budget of ${BUDGET}s spent: stopped after $ran of $TRIALS trials"
		break
	fi
	ran=$i
	case ${steps[$((i % 4))]} in
	import) trial_ingest "$i" import "$T_import" ;;
	check) trial_ingest "$i" check "$T_check" ;;
	files) trial_ingest "$i" files "$T_files" ;;
	deliver) trial_deliver "$i" "$T_deliver" ;;
	esac
done

echo "crash trials: $ran of $TRIALS (seed $SEED) in $(elapsed "$started")s; outcomes:"
for k in "${!outcome[@]}"; do
	printf '  %-40s %d\n' "$k" "${outcome[$k]}"
done | sort
echo "  duplicate deliveries (same id, same body): $DUPS"
sw_done
