#!/usr/bin/env bash
# A secret in a dataset's URL query (a private mirror's token, a signed
# URL's signature) never shows: not in check's messages, not in status, not
# in the database (the run's error, the release's source, the operator's
# dataset.failing notice), not in evidence or an opt-out request, not in
# the log a daemon writes.  Before, each printed the URL whole.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/httpd.sh

tmp=$(mktemp -d)
trap 'httpd_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
httpd_start
secret=s3cretT0ken4242
{
	echo "photo,owner"
	echo "1,11111111@N00"
} >"$HTTPD_WWW/faces.csv"
chmod 644 "$HTTPD_WWW/faces.csv"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: gone, url: "$HTTPD_URL/missing.csv?token=$secret&v=2", format: csv,
      columns: { photo_id: photo, owner_nsid: owner } }
  - { name: faces, url: "$HTTPD_URL/faces.csv?X-Amz-Signature=$secret&v=2", format: csv,
      columns: { photo_id: photo, owner_nsid: owner } }
subscribers:
  jane: { webhook: "https://hooks.example.org/jane", secret: { file: $tmp/key } }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
operator: { webhook: "https://hooks.example.org/ops", secret: { file: $tmp/key }, failing_after: 1 }
EOF
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$tmp/key"
chmod 600 "$tmp/key"

run_sw -c "$tmp/sw.yaml" check gone
expect_eq "a check of a missing file fails (EX_UNAVAILABLE)" "$RC" 69
expect_contains "it says why" "$ERR" "404"
expect_contains "and names the URL, redacted" "$ERR" "missing.csv?token=REDACTED&v=2"
expect_not_contains "without the token" "$OUT$ERR" "$secret"
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "a check of the signed URL lands" "$RC" 0
run_sw -c "$tmp/sw.yaml" status
expect_contains "status shows the failure" "$OUT" "404"
expect_not_contains "status shows no secret" "$OUT$ERR" "$secret"
run_sw -c "$tmp/sw.yaml" releases faces
expect_not_contains "releases show no secret" "$OUT$ERR" "$secret"
expect_eq "the database holds no secret" \
	"$(sqlite3 "$tmp/state/scrapewatch.db" .dump | grep -c "$secret" || true)" 0
expect_contains "the release's source is the URL, redacted" \
	"$(sqlite3 "$tmp/state/scrapewatch.db" "SELECT source FROM releases")" \
	"faces.csv?X-Amz-Signature=REDACTED&v=2"
run_sw -c "$tmp/sw.yaml" status --format json
expect_not_contains "status JSON shows no secret" "$OUT" "$secret"
expect_eq "the failing dataset's notice is queued" \
	"$(sqlite3 "$tmp/state/scrapewatch.db" "SELECT count(*) FROM alerts WHERE notice_type = 'dataset.failing'")" 1
run_sw -c "$tmp/sw.yaml" evidence jane --out "$tmp/ev"
expect_eq "evidence: exit" "$RC" 0
expect_eq "evidence.csv and evidence.json name the URL, redacted" \
	"$(grep -rl 'faces.csv?X-Amz-Signature=REDACTED' "$tmp/ev" | sed "s,.*/,," | sort | tr "\n" " ")" "evidence.csv evidence.json "
expect_eq "evidence holds no secret" "$(grep -rl "$secret" "$tmp/ev" | wc -l)" 0
for f in text json; do
	run_sw -c "$tmp/sw.yaml" optout request jane faces --format $f
	expect_eq "optout request ($f): exit" "$RC" 0
	expect_contains "optout request ($f) names the URL, redacted" "$OUT" "X-Amz-Signature=REDACTED"
	expect_not_contains "optout request ($f) holds no secret" "$OUT$ERR" "$secret"
done
sw_done
