#!/usr/bin/env bash
# Alert delivery by webhook against a real HTTP receiver on 127.0.0.1
# (tests/lib/webhookd.sh): events become alerts in the release's
# transaction; `deliver` sends them signed the Standard Webhooks way, each
# checked on arrival by the Standard Webhooks library for JavaScript (npm
# "standardwebhooks") and by an independent verifier: alerts, digests,
# operator notices, test messages and every retry; 500 x3 then success
# gives exactly one success and one id; Retry-After is honoured; 410
# disables the endpoint and tells the operator; a slow endpoint does not
# hold up another; a daily digest waits for its period (or `outbox retry`);
# kill -9 between the send and its record re-sends the same id; the
# operator hears of new releases and of a dataset failing; every body is
# schema version 2 (one envelope, one shape for a dataset and a release,
# null for what is missing); a second installation given the same release
# makes other ids; nothing is lost.
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
# From here on $WEBHOOKD_URL is the npm library's endpoint, in front of the
# receiver: a webhook it cannot verify is refused (401).
webhookd_verify "$tmp/hook.key"
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
# verdicts EXPR: EXPR over what the npm library made of each request, v =
# the list of them (dicts: id, verdict, skew, status, path, and "j" = the
# body as JSON).
verdicts() {
	"$SW_PYTHON" - "$WEBHOOKD_VERDICTS" "$1" <<-'EOF'
		import json, re, sys
		v = []
		for line in open(sys.argv[1], encoding="utf-8"):
		    f = line.rstrip("\n").split(" ", 5)
		    x = dict(zip(["id", "verdict", "skew", "status", "path"], f))
		    try:
		        x["j"] = json.loads(f[5])
		    except ValueError:
		        x["j"] = None
		    v.append(x)
		def schema(x):
		    """What in request x's body is not schema version 2."""
		    j, p, where = x["j"], [], "%s %s" % (x["path"], x["id"])
		    if not isinstance(j, dict):
		        return [where + ": not a JSON object"]
		    if sorted(j) != ["data", "id", "timestamp", "type", "version"]:
		        p.append("%s: members %s" % (where, sorted(j)))
		    if j.get("version") != 2 or j.get("id") != x["id"]:
		        p.append("%s: version %r, id %r" % (where, j.get("version"), j.get("id")))
		    if "." not in str(j.get("type")):
		        p.append("%s: type %r has no namespace" % (where, j.get("type")))
		    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(j.get("timestamp"))):
		        p.append("%s: timestamp %r" % (where, j.get("timestamp")))
		    if not isinstance(j.get("data"), dict) or "type" in j["data"]:
		        p.append("%s: data %r" % (where, j.get("data")))
		    shapes = {"dataset": ["name", "url"], "release": ["fetched", "number", "sha256"]}
		    def walk(v, at):
		        if v == "":
		            p.append('%s: %s is ""' % (where, at))
		        for k, w in (v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else []):
		            if k in shapes and not (isinstance(w, dict) and sorted(w) == shapes[k]):
		                p.append("%s: %s.%s is %r" % (where, at, k, w))
		            walk(w, "%s.%s" % (at, k))
		    walk(j.get("data"), "data")
		    return p
		print(eval(sys.argv[2]))
	EOF
}

# --- release 1: baselines for jane and bob (nobody has none: no alert) ----
release 11111111@N00/101 11111111@N00/102 22222222@N00/201 44444444@N00/401
run_sw "${C[@]}" check --all
expect_eq "release 1: exit" "$RC" 0
expect_eq "alerts queued with the release: jane, bob (eve: no photos yet), the operator's notice" \
	"$(outbox_json "sorted((x['subscriber'], x['type'], x['state']) for x in a)")" \
	"[('', 'dataset.release', 'pending'), ('bob', 'subscription.baseline', 'pending'), ('jane', 'subscription.baseline', 'pending')]"
deliver
expect_eq "deliver: all sent" "$OUT" "alerts: 3 sent, 0 to retry, 0 failed"
expect_eq "receiver: three POSTs" "$(requests "sorted((q['path'], q['status'], q['method']) for q in r)")" \
	"[('/bob', 200, 'POST'), ('/jane', 200, 'POST'), ('/ops', 200, 'POST')]"
expect_eq "the operator's dataset.release notice" \
	"$(requests "[(q['j']['type'], q['j']['data']['dataset']['name'], q['j']['data']['release']['number'], q['j']['data']['entries'], q['j']['data']['event_count']) for q in r if q['path'] == '/ops']")" \
	"[('dataset.release', 'faces', 1, 4, 4)]"
expect_eq "jane's baseline body" \
	"$(requests "[(q['j']['version'], q['j']['type'], q['j']['data']['subscriber'], q['j']['data']['dataset']['name'], q['j']['data']['release']['number'], [(p['photo_id'], p['match'], p['owner']['nsid']) for p in q['j']['data']['photos']]) for q in r if q['path'] == '/jane']")" \
	"[(2, 'subscription.baseline', 'jane', 'faces', 1, [(101, 'nsid', '11111111@N00'), (102, 'nsid', '11111111@N00')])]"
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
	"$(requests "sorted((q['j']['type'], [x['status'] for x in r if x['h']['webhook-id'] == q['h']['webhook-id']]) for q in r if q['path'] == '/jane' and q['status'] == 200 and q['j']['type'] != 'subscription.baseline')")" \
	"[('photo.included', [500, 500, 500, 200]), ('photo.removed', [500, 500, 500, 200])]"
expect_eq "outbox: attempts recorded" \
	"$(outbox_json "sorted((x['type'], x['state'], x['attempts'], [h['outcome'] for h in x['history']]) for x in a if x['subscriber'] == 'jane' and x['type'] != 'subscription.baseline')")" \
	"[('photo.included', 'sent', 4, ['retry', 'retry', 'retry', 'sent']), ('photo.removed', 'sent', 4, ['retry', 'retry', 'retry', 'sent'])]"

# --- eve's daily digest waits for the end of the day --------------------
expect_eq "eve: a pending digest due at the next midnight UTC" \
	"$(outbox_json "[(x['type'], x['state'], x['due'] % 86400, x['due'] > x['created']) for x in a if x['subscriber'] == 'eve']")" \
	"[('subscription.digest', 'pending', 0, True)]"
digest=$(outbox_json "[x['id'] for x in a if x['subscriber'] == 'eve'][0]")
run_sw "${C[@]}" outbox retry "$digest"
expect_contains "outbox retry: due now" "$OUT" "alert $digest is due now"
deliver
expect_eq "the digest body" \
	"$(requests "[(q['j']['type'], [(e['type'], [p['photo_id'] for p in e['photos']]) for e in q['j']['data']['events']]) for q in r if q['path'] == '/eve']")" \
	"[('subscription.digest', [('photo.included', [301])])]"

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
	"$(requests "len(set(q['h']['webhook-id'] for q in r if q['path'] == '/jane' and q['j']['data']['photos'][0]['photo_id'] == 103 and q['j']['type'] == 'photo.removed')), len([q for q in r if q['path'] == '/jane' and q['j']['data']['photos'][0]['photo_id'] == 103 and q['j']['type'] == 'photo.removed'])")" \
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
	"$(requests "[(q['j']['data']['dataset']['name'], q['j']['data']['failures'], 'gone.csv' in q['j']['data']['error']) for q in r if q['path'] == '/ops' and q['j']['type'] == 'dataset.failing']")" \
	"[('faces', 2, True)]"

# --- alert test: a real message, the server's real reply, nothing queued ---
n_before=$(outbox_json "len(a)")
run_sw "${C[@]}" alert test jane
expect_eq "alert test: sent" "$RC" 0
expect_eq "alert test: the reply" "$OUT" "webhook $WEBHOOKD_URL/jane: sent: HTTP 200: {\"ok\":true}"
expect_eq "alert test: a signed test message" \
	"$(requests "[(q['j']['type'], q['j']['data']['subscriber'], q['j']['data']['message'][:30]) for q in r if q['j'] and q['j']['type'] == 'subscription.test']")" \
	"[('subscription.test', 'jane', 'This is a test message from sc')]"
verify "$secret" "$(requests "[q['h']['webhook-id'] for q in r if q['j'] and q['j']['type'] == 'subscription.test'][0]")"
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

# --- a second installation given the same release: other ids --------------
# (Receivers drop a webhook-id they have seen, mail services a Message-ID.)
n=$(webhookd_count)
release 11111111@N00/101 11111111@N00/102 22222222@N00/201 44444444@N00/401
sed -e "s|^state_dir: .*|state_dir: $tmp/state2|" -e "s|file://$tmp/gone.csv|file://$tmp/faces.csv|" \
	"$tmp/sw.yaml" >"$tmp/sw2.yaml"
run_sw -c "$tmp/sw2.yaml" check --all --deliver
expect_contains "a second installation: its release 1 alerts sent" "$OUT" "alerts: 3 sent, 0 to retry, 0 failed"
expect_eq "the same alerts (jane's and bob's baselines, the operator's notice), none with an id the first installation used" \
	"$(requests "sorted((q['path'], q['h']['webhook-id'] in set(x['h']['webhook-id'] for x in r[:$n])) for q in r[$n:])")" \
	"[('/bob', False), ('/jane', False), ('/ops', False)]"

# --- every webhook verified by the npm library on arrival ------------------
expect_eq "the npm library verified every webhook" "$(webhookd_unverified)" ""
expect_eq "... of every kind" \
	"$(webhookd_verdicts | awk '$1 == "verified" { print $2 }' | sort -u | paste -sd' ')" \
	"alert.failed dataset.failing dataset.release photo.included photo.removed subscription.baseline subscription.digest subscription.test"
expect_eq "... and each attempt of a retried alert, under one id" \
	"$(verdicts "sorted((g[0]['j']['type'], [x['status'] for x in g], sorted(set(x['verdict'] for x in g))) for g in [[x for x in v if x['id'] == i] for i in dict.fromkeys(x['id'] for x in v)] if g[0]['status'] == '500' and g[0]['j']['type'].startswith('photo.'))")" \
	"[('photo.included', ['500', '500', '500', '200'], ['verified']), ('photo.removed', ['500', '500', '500', '200'], ['verified'])]"

# --- every body in the one schema, version 2 -------------------------------
# The envelope and nothing else; data without the envelope's type; a
# dataset always {name, url}, a release always {number, sha256, fetched};
# a missing value null, never "".
expect_eq "every body: schema version 2" "$(verdicts "[p for x in v for p in schema(x)]" 2>&1)" "[]"

# --- the library's endpoint refuses a forged or a stale webhook ------------
# post_signed SECRET TIMESTAMP ID: a POST to /forged signed with SECRET at
# TIMESTAMP, signed with openssl; prints the status it got.
post_signed() {
	local key body='{"type":"photo.included","version":2}' sig
	key=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
	sig=$(printf '%s' "$3.$2.$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)
	curl -s -o /dev/null -w '%{http_code}' -H "webhook-id: $3" -H "webhook-timestamp: $2" \
		-H "webhook-signature: v1,$sig" -H 'Content-Type: application/json' -d "$body" "$WEBHOOKD_URL/forged"
}
now=$(date +%s)
expect_eq "negative control: signed right, taken" "$(post_signed "$secret" "$now" msg_good)" 200
expect_eq "negative control: another key, refused" \
	"$(post_signed "whsec_$(openssl rand -base64 32)" "$now" msg_key)" 401
expect_eq "negative control: 10 minutes old, refused" "$(post_signed "$secret" $((now - 600)) msg_old)" 401
expect_eq "negative control: why, as the library says" "$(webhookd_unverified /forged | cut -d' ' -f1,2)" \
	"msg_key rejected:No-matching-signature-found
msg_old rejected:Message-timestamp-too-old"

# --- in the end nothing is pending and nothing was lost --------------------
expect_eq "nothing pending" "$(outbox_json "[x['id'] for x in a if x['state'] == 'pending']")" "[]"
expect_eq "nobody (no photos) never got anything" "$(webhookd_statuses /nobody)" ""
sw_done
