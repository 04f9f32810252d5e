#!/usr/bin/env bash
# A large outbox (issue 14, item 9): a release adding 1,500 of jane's
# photos queues 1,500 alerts at once.  `outbox` lists every alert with its
# type, read from the alerts table alone, in text and JSON alike; `deliver`
# sends a batch of 1,000 to a real receiver (tests/lib/webhookd.sh) and
# says how many are still due, the next `deliver` sends the rest and says
# nothing more; each webhook then carries the type the listing showed.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/webhookd.sh

tmp=$(mktemp -d)
trap 'webhookd_stop; rm -rf "$tmp"' EXIT
webhookd_start

# release FIRST COUNT: jane's photos FIRST .. FIRST + COUNT - 1.
release() {
	{
		echo 'photo,owner,page'
		seq "$1" $(($1 + $2 - 1)) |
			awk '{ printf "%d,11111111@N00,https://www.flickr.com/photos/11111111@N00/%d/\n", $1, $1 }'
	} >"$tmp/faces.csv"
}

secret=whsec_$(printf 'scrapewatch test secret 0123456' | base64)
printf '%s\n' "$secret" >"$tmp/hook.key"
chmod 600 "$tmp/hook.key"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
alerts: { concurrency: 8 }
datasets:
  - name: faces
    url: "file://$tmp/faces.csv"
    format: csv
    columns: { photo_id: photo, owner_nsid: owner, page_url: page }
subscribers:
  jane: { webhook: "$WEBHOOKD_URL/jane", secret: { file: $tmp/hook.key } }
  eve: { webhook: "$WEBHOOKD_URL/eve", secret: { file: $tmp/hook.key }, digest: daily }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
  - { subscriber: eve, flickr: { nsid: 11111111@N00 } }
EOF
C=(-c "$tmp/sw.yaml")

release 1 1
run_sw "${C[@]}" check
expect_eq "release 1: exit" "$RC" 0
release 1 1501
run_sw "${C[@]}" check --all
expect_eq "release 2: exit" "$RC" 0

run_sw "${C[@]}" outbox --pending
expect_eq "outbox: exit" "$RC" 0
expect_eq "outbox: the count" "$(tail -1 <<<"$OUT")" "1503 alerts"
text_types=$(head -n -1 <<<"$OUT" | grep -v '^    ' | awk '{ print $4, $5 }' | sort | uniq -c | awk '{ print $2, $3, $1 }')
expect_eq "outbox: jane's baseline and 1,500 photos, eve's baseline and digest" \
	"$(awk '{ print $1, $3 }' <<<"$text_types" | sort | paste -sd' ')" "eve 1 eve 1 jane 1 jane 1500"
# types: "SUBSCRIBER TYPE COUNT" lines of `outbox --format json` (ARGS...).
types() {
	run_sw "${C[@]}" outbox --format json "$@"
	"$SW_PYTHON" -c '
import collections, json, sys
for (s, t), n in sorted(collections.Counter((x["subscriber"], x["type"]) for x in json.load(sys.stdin)).items()):
    print(s, t, n)' <<<"$OUT"
}
expect_eq "outbox json: the same types as the text" "$(types --pending)" "$text_types"

# Due now: every alert but eve's digest, which waits for its day.
run_sw "${C[@]}" deliver
expect_eq "deliver: a batch, and what is left" "$OUT" \
	"alerts: 1000 sent, 0 to retry, 0 failed; 502 still due: run scrapewatch deliver again, or let the daemon send them"
run_sw "${C[@]}" deliver
expect_eq "deliver again: the rest" "$OUT" "alerts: 502 sent, 0 to retry, 0 failed"
run_sw "${C[@]}" deliver
expect_eq "deliver: nothing due" "$OUT" "alerts: 0 sent, 0 to retry, 0 failed"
run_sw "${C[@]}" outbox --pending
expect_eq "outbox: only the digest pending" "$(tail -1 <<<"$OUT")" "1 alert"
run_sw "${C[@]}" outbox retry "$(awk 'NR == 1 { print $1 }' <<<"$OUT")"
run_sw "${C[@]}" deliver
expect_eq "deliver: the digest, made due" "$OUT" "alerts: 1 sent, 0 to retry, 0 failed"

# What the listing said of each alert is what its webhook said.
expect_eq "receiver: every alert once, with the listed type" \
	"$("$SW_PYTHON" - "$WEBHOOKD_LOG" <<-'EOF'
		import collections, json, sys
		seen, ids = collections.Counter(), set()
		for line in open(sys.argv[1]):
		    q = json.loads(line)
		    ids.add(dict((k.lower(), v) for k, v in q["headers"])["webhook-id"])
		    seen[(q["path"].strip("/"), json.loads(q["body"])["type"])] += 1
		print("%d ids" % len(ids))
		for (s, t), n in sorted(seen.items()):
		    print(s, t, n)
	EOF
)" "1503 ids
$text_types"
expect_eq "outbox: all sent, types unchanged" "$(types --sent)" "$text_types"

sw_done
