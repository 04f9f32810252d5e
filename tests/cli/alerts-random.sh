#!/usr/bin/env bash
# 200 alerts (100 subscribers, each with an email and a webhook) delivered
# while both receivers fail 30% of the time at random (seeded: the webhook
# receiver answers 500 or drops the connection, the SMTP server answers 451
# or drops the connection after taking the message); then they recover.
# Every alert is delivered at least once, every copy of one alert carries
# its id and the very same content, and nothing is left pending; every
# webhook, each retry too, verifies with the Standard Webhooks library for
# JavaScript.  A second installation given the same release sends the same
# alerts under other ids: no webhook-id and no Message-ID in common.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/smtpd.sh
. tests/lib/webhookd.sh

tmp=$(mktemp -d)
trap 'smtpd_stop; webhookd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
smtpd_start
webhookd_start

n=100
{
	echo 'photo,owner'
	for i in $(seq 1 $n); do echo "$((5000 + i)),$((10000000 + i))@N00"; done
} >"$tmp/faces.csv"
printf 'whsec_%s\n' "$(printf 'random run secret, 32 bytes long' | base64 -w0)" >"$tmp/hook.key"
printf '%s\n' "$SMTPD_PASSWORD" >"$tmp/smtp.pw"
chmod 600 "$tmp/hook.key" "$tmp/smtp.pw"
webhookd_verify "$tmp/hook.key" # $WEBHOOKD_URL: the npm library's endpoint
{
	cat <<-EOF
		state_dir: $tmp/state
		smtp: { url: "$SMTPD_URL", from: alerts@watch.example.org, user: "$SMTPD_USER", password: { file: $tmp/smtp.pw } }
		alerts: { ca_file: "$SMTPD_CA", timeout: 5s, concurrency: 8,
		          webhook_retries: [1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s],
		          email_retries: [1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s] }
		datasets:
		  - { name: faces, url: "file://$tmp/faces.csv", format: csv, columns: { photo_id: photo, owner_nsid: owner } }
		subscribers:
	EOF
	for i in $(seq 1 $n); do
		echo "  s$i: { email: s$i@example.org, webhook: \"$WEBHOOKD_URL/s$i\", secret: { file: $tmp/hook.key } }"
	done
	echo 'watch:'
	for i in $(seq 1 $n); do
		echo "  - { subscriber: s$i, flickr: { nsid: $((10000000 + i))@N00 } }"
	done
} >"$tmp/sw.yaml"
C=(-c "$tmp/sw.yaml")

run_sw "${C[@]}" check --all
expect_contains "100 baselines" "$OUT" "faces: 100 new events for subscribers (100 baselines), 100 photos"
# pending: how many alerts are not sent yet.
pending() {
	run_sw "${C[@]}" outbox --pending
	tail -n 1 <<<"$OUT" | cut -d' ' -f1
}
expect_eq "200 alerts queued" "$(pending)" 200

# Six rounds of failures at 30%, then the receivers recover.
webhookd_control / random=0.3 seed=20261127 status=500
webhookd_control /s1 random=0.3 seed=1 drop=3 # some drops too
smtpd_control fail_random=0.3 seed=20261127
errs=''
for round in 1 2 3 4 5 6; do
	run_sw "${C[@]}" deliver
	[ "$RC" = 0 ] || sw_fail "deliver round $round: exit $RC"
	errs+=$ERR
	sleep 1.1
done
expect_contains "webhook failures happened" "$errs" "HTTP 500"
expect_contains "mail failures happened" "$errs" "451 4.3.0"
expect_eq "dropped connections happened" "$(webhookd_count drop)" 3
expect_contains "mail dropped after DATA happened" "$errs" "response reading failed"
webhookd_control --clear
smtpd_control fail_random=0
for round in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(pending)" = 0 ] && break
	run_sw "${C[@]}" deliver
	sleep 1.1
done
expect_eq "nothing pending once the receivers recovered" "$(pending)" 0
run_sw "${C[@]}" outbox --failed
expect_eq "nothing failed" "$(tail -n 1 <<<"$OUT")" "0 alerts"

# Every alert arrived (at least once); every copy of one is the same.
expect_eq "webhooks: each of 100 ids answered 200 at least once, copies identical" "$("$SW_PYTHON" - "$WEBHOOKD_LOG" <<-'EOF'
	import json, sys
	by_id, ok = {}, set()
	for line in open(sys.argv[1]):
	    q = json.loads(line)
	    h = {k.lower(): v for k, v in q["headers"]}
	    by_id.setdefault(h["webhook-id"], set()).add(q["body"])
	    if q["status"] == 200:
	        ok.add(h["webhook-id"])
	print(len(ok), len(by_id), all(len(b) == 1 for b in by_id.values()),
	      sum(1 for line in open(sys.argv[1])) > 100)
EOF
)" "100 100 True True"
expect_eq "mail: each of 100 Message-IDs arrived, duplicates byte for byte the same" "$("$SW_PYTHON" - "$SMTPD_MAIL" <<-'EOF'
	import email, glob, sys
	by_id = {}
	for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
	    raw = open(f, "rb").read()
	    mid = email.message_from_bytes(raw)["Message-ID"]
	    by_id.setdefault(mid, set()).add(raw)
	copies = len(glob.glob(sys.argv[1] + "/*.eml"))
	print(len(by_id), all(len(v) == 1 for v in by_id.values()), copies >= 100)
EOF
)" "100 True True"
run_sw "${C[@]}" outbox --format json
expect_eq "every alert records its failed attempts before its success" "$("$SW_PYTHON" -c '
import json, sys
a = json.load(sys.stdin)
retried = [x for x in a if len(x["history"]) > 1]
print(len(a), all(x["history"][-1]["outcome"] == "sent" and x["state"] == "sent" for x in a), len(retried) > 20)' <<<"$OUT")" "200 True True"
expect_eq "the npm library verified every webhook, each retry too" "$(webhookd_unverified)" ""
expect_eq "... and saw 100 ids, more than 20 of them again" \
	"$(awk '{ n[$1]++ } END { for (i in n) { ids++; if (n[i] > 1) again++ } print ids, (again > 20) }' "$WEBHOOKD_VERDICTS")" "100 1"

# A second installation (a fresh state directory), the same release.
hooks_before=$(webhookd_count)
mails_before=$(find "$SMTPD_MAIL" -name '*.eml' | wc -l)
sed "s|^state_dir: .*|state_dir: $tmp/state2|" "$tmp/sw.yaml" >"$tmp/sw2.yaml"
run_sw -c "$tmp/sw2.yaml" check --all --deliver
expect_contains "a second installation: 200 alerts sent" "$OUT" "alerts: 200 sent, 0 to retry, 0 failed"
# ids_in_common DIR_OR_LOG N: how many ids the copies after the first N
# have, and how many of those the first N had too.
ids_in_common() {
	"$SW_PYTHON" - "$1" "$2" <<-'EOF'
		import email, glob, json, os, sys
		if os.path.isdir(sys.argv[1]):
		    ids = [email.message_from_bytes(open(f, "rb").read())["Message-ID"]
		           for f in sorted(glob.glob(sys.argv[1] + "/*.eml"))]
		else:
		    ids = [{k.lower(): v for k, v in json.loads(line)["headers"]}["webhook-id"]
		           for line in open(sys.argv[1])]
		first, second = set(ids[:int(sys.argv[2])]), set(ids[int(sys.argv[2]):])
		print(len(second), len(first & second))
	EOF
}
expect_eq "its webhook-ids: 100, none the first installation sent" "$(ids_in_common "$WEBHOOKD_LOG" "$hooks_before")" "100 0"
expect_eq "its Message-IDs: 100, none the first installation sent" "$(ids_in_common "$SMTPD_MAIL" "$mails_before")" "100 0"
expect_eq "the npm library verified those too" "$(webhookd_unverified)" ""
sw_done
