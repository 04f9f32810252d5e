#!/usr/bin/env bash
# Alert delivery by webhook against a real HTTP receiver on 127.0.0.1
# (tests/lib/webhookd.sh): events become alerts in the release's
# transaction; `deliver` sends them signed the Standard Webhooks way (checked
# by an independent verifier); 500 x3 then success gives exactly one
# success and one id; Retry-After is honoured; 410 disables the endpoint
# and tells the operator; a slow endpoint does not hold up another; a
# daily digest waits for its period (or `outbox retry`); kill -9 between
# the send and its record re-sends the same id; the operator hears of new
# releases and of a dataset failing; nothing is lost.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/webhookd.sh

tmp=$(mktemp -d)
trap 'webhookd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
webhookd_start

# A small CSV dataset: photo id, owner NSID, page URL.
release() {
	local id owner
	echo 'photo,owner,page' >"$tmp/faces.csv"
	for p in "$@"; do
		IFS=/ read -r owner id <<<"$p"
		echo "$id,$owner,https://www.flickr.com/photos/$owner/$id/" >>"$tmp/faces.csv"
	done
}

secret=whsec_$(printf 'scrapewatch test secret 0123456' | base64)
printf '%s\n' "$secret" >"$tmp/hook.key"
chmod 600 "$tmp/hook.key"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
alerts: { webhook_retries: [1s, 1s, 1s], timeout: 3s, concurrency: 4 }
operator: { webhook: "$WEBHOOKD_URL/ops", secret: { file: $tmp/hook.key }, failing_after: 2 }
datasets:
  - name: faces
    url: "file://$tmp/faces.csv"
    format: csv
    columns: { photo_id: photo, owner_nsid: owner, page_url: page }
subscribers:
  jane: { webhook: "$WEBHOOKD_URL/jane", secret: { file: $tmp/hook.key } }
  bob: { webhook: "$WEBHOOKD_URL/bob", secret: { file: $tmp/hook.key } }
  eve: { webhook: "$WEBHOOKD_URL/eve", secret: { file: $tmp/hook.key }, digest: daily }
  nobody: { webhook: "$WEBHOOKD_URL/nobody", secret: { file: $tmp/hook.key } }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
  - { subscriber: bob, flickr: { nsid: 22222222@N00 } }
  - { subscriber: eve, flickr: { nsid: 33333333@N00 } }
  - { subscriber: nobody, flickr: { nsid: 99999999@N00 } }
EOF
C=(-c "$tmp/sw.yaml")

# requests EXPR: evaluates EXPR over the receiver's log, r = the list of
# requests (dicts; "h" = headers as a dict, "j" = the body as JSON).
requests() {
	"$SW_PYTHON" - "$WEBHOOKD_LOG" "$1" <<-'EOF'
		import json, sys
		r = []
		for line in open(sys.argv[1]):
		    q = json.loads(line)
		    q["h"] = {k.lower(): v for k, v in q["headers"]}
		    try:
		        q["j"] = json.loads(q.get("body") or "null")
		    except ValueError:
		        q["j"] = None
		    r.append(q)
		print(eval(sys.argv[2]))
	EOF
}
# outbox_json EXPR: EXPR over `outbox --format json` as a (list of alerts).
outbox_json() {
	run_sw "${C[@]}" outbox --format json
	"$SW_PYTHON" -c "import json, sys; a = json.load(sys.stdin); print($1)" <<<"$OUT"
}
# verify SECRET N|ID: the independent signature check of a request.
verify() {
	set +e
	"$SW_PYTHON" tests/lib/verify_webhook.py "$1" "$WEBHOOKD_LOG" "$2" >/dev/null 2>&1
	RC=$?
	set -e
}
deliver() {
	run_sw "${C[@]}" deliver
	[ "$RC" = 0 ] || sw_fail "deliver: exit $RC: $ERR"
}

# --- release 1: baselines for jane and bob (nobody has none: no alert) ----
release 11111111@N00/101 11111111@N00/102 22222222@N00/201 44444444@N00/401
run_sw "${C[@]}" check --all
expect_eq "release 1: exit" "$RC" 0
expect_eq "alerts queued with the release: jane, bob (eve: no photos yet), the operator's notice" \
	"$(outbox_json "sorted((x['subscriber'], x['type'], x['state']) for x in a)")" \
	"[('', 'dataset.release', 'pending'), ('bob', 'baseline', 'pending'), ('jane', 'baseline', 'pending')]"
deliver
expect_eq "deliver: all sent" "$OUT" "alerts: 3 sent, 0 to retry, 0 failed"
expect_eq "receiver: three POSTs" "$(requests "sorted((q['path'], q['status'], q['method']) for q in r)")" \
	"[('/bob', 200, 'POST'), ('/jane', 200, 'POST'), ('/ops', 200, 'POST')]"
expect_eq "the operator's dataset.release notice" \
	"$(requests "[(q['j']['type'], q['j']['data']['dataset'], q['j']['data']['release'], q['j']['data']['entries'], q['j']['data']['events']) for q in r if q['path'] == '/ops']")" \
	"[('dataset.release', 'faces', 1, 4, 4)]"
expect_eq "jane's baseline body" \
	"$(requests "[(q['j']['version'], q['j']['type'], q['j']['subscriber'], q['j']['dataset']['name'], q['j']['release']['number'], [(p['photo_id'], p['match'], p['owner']['nsid']) for p in q['j']['photos']]) for q in r if q['path'] == '/jane']")" \
	"[(1, 'baseline', 'jane', 'faces', 1, [(101, 'nsid', '11111111@N00'), (102, 'nsid', '11111111@N00')])]"
expect_eq "headers: id = alert id, JSON" \
	"$(requests "[q['h']['webhook-id'] == q['j']['id'] and q['h']['content-type'] == 'application/json' for q in r]")" \
	"[True, True, True]"
for n in 1 2; do
	verify "$secret" "$n"
	expect_eq "signature $n verifies independently" "$RC" 0
done
verify "whsec_$(printf 'another secret' | base64)" 1
expect_eq "a wrong secret does not verify" "$RC" 1
deliver
expect_eq "nothing twice" "$OUT" "alerts: 0 sent, 0 to retry, 0 failed"

# --- release 2: jane's 102 removed, 103 added; 500 x3 then success --------
webhookd_control /jane status=500 first=6 # 3 for each of jane's 2 alerts
release 11111111@N00/101 11111111@N00/103 22222222@N00/201 33333333@N00/301 44444444@N00/401
run_sw "${C[@]}" check --all
for i in 1 2 3; do
	deliver
	sleep 1.3
done
expect_contains "third failure: still retrying" "$ERR" "will retry in"
deliver
expect_eq "after 3 x 500: sent" "$OUT" "alerts: 2 sent, 0 to retry, 0 failed"
expect_eq "jane: 2 alerts x (500 500 500 200)" "$(webhookd_statuses /jane)" \
	"200 500 500 500 500 500 500 200 200"
expect_eq "each alert: one success, one id across its retries" \
	"$(requests "sorted((q['j']['type'], [x['status'] for x in r if x['h']['webhook-id'] == q['h']['webhook-id']]) for q in r if q['path'] == '/jane' and q['status'] == 200 and q['j']['type'] != 'baseline')")" \
	"[('photo.included', [500, 500, 500, 200]), ('photo.removed', [500, 500, 500, 200])]"
expect_eq "outbox: attempts recorded" \
	"$(outbox_json "sorted((x['type'], x['state'], x['attempts'], [h['outcome'] for h in x['history']]) for x in a if x['subscriber'] == 'jane' and x['type'] != 'baseline')")" \
	"[('photo.included', 'sent', 4, ['retry', 'retry', 'retry', 'sent']), ('photo.removed', 'sent', 4, ['retry', 'retry', 'retry', 'sent'])]"

# --- eve's daily digest waits for the end of the day --------------------
expect_eq "eve: a pending digest due at the next midnight UTC" \
	"$(outbox_json "[(x['type'], x['state'], x['due'] % 86400, x['due'] > x['created']) for x in a if x['subscriber'] == 'eve']")" \
	"[('digest', 'pending', 0, True)]"
digest=$(outbox_json "[x['id'] for x in a if x['subscriber'] == 'eve'][0]")
run_sw "${C[@]}" outbox retry "$digest"
expect_contains "outbox retry: due now" "$OUT" "alert $digest is due now"
deliver
expect_eq "the digest body" \
	"$(requests "[(q['j']['type'], [(e['type'], [p['photo_id'] for p in e['photos']]) for e in q['j']['events']]) for q in r if q['path'] == '/eve']")" \
	"[('digest', [('photo.included', [301])])]"

# --- Retry-After is honoured ---------------------------------------------
webhookd_control /jane status=503 first=1 retry_after=30
release 11111111@N00/101 11111111@N00/103 11111111@N00/104 22222222@N00/201 33333333@N00/301 44444444@N00/401
run_sw "${C[@]}" check --all
deliver
expect_eq "503 with Retry-After: 30: due 30 s on, not the 1 s schedule" \
	"$(outbox_json "[x['due'] - x['history'][-1]['at'] >= 30 for x in a if x['state'] == 'pending' and x['subscriber'] == 'jane']")" "[True]"
id104=$(outbox_json "[x['id'] for x in a if x['state'] == 'pending' and x['subscriber'] == 'jane'][0]")
run_sw "${C[@]}" outbox retry "$id104"
deliver
expect_eq "then sent" "$OUT" "alerts: 1 sent, 0 to retry, 0 failed"

# --- 410 disables the endpoint and tells the operator; a slow endpoint ----
# --- does not hold up another -----------------------------------------------
webhookd_control /bob status=410
webhookd_control /jane delay=2.5
release 11111111@N00/101 11111111@N00/103 11111111@N00/104 11111111@N00/105 22222222@N00/201 22222222@N00/202 33333333@N00/301 44444444@N00/401
run_sw "${C[@]}" check --all
start=$(date +%s.%N)
deliver
expect_eq "410: failed; slow jane and the operator's notice: sent" "$OUT" "alerts: 2 sent, 0 to retry, 1 failed"
expect_contains "410 logged" "$ERR" "HTTP 410"
expect_eq "bob's 410 came back while jane's answer was still 2.5 s away" \
	"$(requests "[q['time'] - $start < 1.5 for q in r if q['path'] == '/bob' and q['status'] == 410]")" "[True]"
deliver
expect_eq "the operator's alert.failed notice" \
	"$(requests "[(q['j']['type'], q['j']['data']['subscriber'], q['j']['data']['channel'], q['j']['data']['reply'][:8]) for q in r if q['path'] == '/ops' and q['j']['type'] == 'alert.failed']")" \
	"[('alert.failed', 'bob', 'webhook', 'HTTP 410')]"
verify "$secret" "$(requests "[q['h']['webhook-id'] for q in r if q['path'] == '/ops' and q['j']['type'] == 'alert.failed'][0]")"
expect_eq "the notice is signed" "$RC" 0
n_bob=$(webhookd_count 410)
release 11111111@N00/101 11111111@N00/103 11111111@N00/104 11111111@N00/105 22222222@N00/201 33333333@N00/301 44444444@N00/401
run_sw "${C[@]}" check --all
deliver
expect_contains "a disabled endpoint is not called again" "$ERR" "the endpoint is disabled: HTTP 410"
expect_eq "no new request to bob" "$(webhookd_count 410)" "$n_bob"

# --- kill -9 between the send and its record: re-sent with the same id ----
webhookd_control /jane delay=2
webhookd_control /bob
release 11111111@N00/101 11111111@N00/104 11111111@N00/105 22222222@N00/201 33333333@N00/301 44444444@N00/401
run_sw "${C[@]}" check --all
"$SW" "${C[@]}" deliver >/dev/null 2>&1 &
pid=$!
sleep 1
kill -9 $pid
wait $pid 2>/dev/null || true
sleep 1.5 # the receiver answers the dead connection
expect_eq "killed mid-request: still pending" \
	"$(outbox_json "[x['state'] for x in a if x['subscriber'] == 'jane' and x['type'] == 'photo.removed' and x['attempts'] == 0]")" "['pending']"
webhookd_control /jane
deliver
expect_eq "re-sent, sent once recorded" "$OUT" "alerts: 1 sent, 0 to retry, 0 failed"
expect_eq "the receiver saw the same id twice" \
	"$(requests "len(set(q['h']['webhook-id'] for q in r if q['path'] == '/jane' and q['j']['photos'][0]['photo_id'] == 103 and q['j']['type'] == 'photo.removed')), len([q for q in r if q['path'] == '/jane' and q['j']['photos'][0]['photo_id'] == 103 and q['j']['type'] == 'photo.removed'])")" \
	"(1, 2)"

# --- a dataset failing twice in a row: the operator is told, once --------
sed -i "s|file://$tmp/faces.csv|file://$tmp/gone.csv|" "$tmp/sw.yaml"
for i in 1 2; do
	run_sw "${C[@]}" check --all
	expect_eq "failing check $i: exit 69" "$RC" 69
done
run_sw "${C[@]}" check --all --deliver
expect_eq "check --deliver: still exit 69" "$RC" 69
expect_contains "check --deliver: the notice sent after the check" "$OUT" "alerts: 1 sent, 0 to retry, 0 failed"
expect_eq "dataset.failing after 2 failures, not again at 3" \
	"$(requests "[(q['j']['data']['dataset'], q['j']['data']['failures'], 'gone.csv' in q['j']['data']['error']) for q in r if q['path'] == '/ops' and q['j']['type'] == 'dataset.failing']")" \
	"[('faces', 2, True)]"

# --- alert test: a real message, the server's real reply, nothing queued ---
n_before=$(outbox_json "len(a)")
run_sw "${C[@]}" alert test jane
expect_eq "alert test: sent" "$RC" 0
expect_eq "alert test: the reply" "$OUT" "webhook $WEBHOOKD_URL/jane: sent: HTTP 200: {\"ok\":true}"
expect_eq "alert test: a signed test message" \
	"$(requests "[(q['j']['type'], q['j']['subscriber'], q['j']['message'][:30]) for q in r if q['j'] and q['j']['type'] == 'test']")" \
	"[('test', 'jane', 'This is a test message from sc')]"
verify "$secret" "$(requests "[q['h']['webhook-id'] for q in r if q['j'] and q['j']['type'] == 'test'][0]")"
expect_eq "alert test: signature verifies" "$RC" 0
webhookd_control /jane status=503
run_sw "${C[@]}" alert test jane
expect_eq "alert test against a failing endpoint: exit 69" "$RC" 69
expect_eq "alert test: the failure" "$OUT" "webhook $WEBHOOKD_URL/jane: failed for now: HTTP 503: {\"ok\":false}"
# What each answer means, through the same classification as deliveries.
for case in "408 failed for now" "429 failed for now" "500 failed for now" \
	"502 failed for now" "400 failed" "404 failed" "302 failed"; do
	read -r code want <<<"$case"
	webhookd_control /jane status="$code"
	run_sw "${C[@]}" alert test jane
	expect_contains "HTTP $code: $want" "$OUT" "/jane: $want: HTTP $code"
done
expect_contains "a redirect is not followed" "$OUT" "(redirects are not followed)"
webhookd_control /jane drop=1
run_sw "${C[@]}" alert test jane
expect_contains "a dropped connection: failed for now" "$OUT" "/jane: failed for now:"
webhookd_control /jane
expect_eq "alert test queues nothing" "$(outbox_json "len(a)")" "$n_before"

# --- in the end nothing is pending and nothing was lost --------------------
expect_eq "nothing pending" "$(outbox_json "[x['id'] for x in a if x['state'] == 'pending']")" "[]"
expect_eq "nobody (no photos) never got anything" "$(webhookd_statuses /nobody)" ""
sw_done
