#!/usr/bin/env bash
# Every configuration shipped in config/ passes 'config check', with the
# counts a reader of the file would expect.  Credentials are supplied the way
# systemd would: files in $CREDENTIALS_DIRECTORY.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

creds=$(mktemp -d)
trap 'rm -rf "$creds"' EXIT
for c in smtp-password ffhq-token; do
	printf 'not-a-real-secret-%s\n' "$c" >"$creds/$c"
done
# Webhook signing secrets in the Standard Webhooks form: whsec_ + base64.
for c in org-cases-hmac case-system-hmac; do
	printf 'whsec_%s\n' "$(printf '%-32s' "not-a-real-secret-$c" | base64 -w0)" >"$creds/$c"
done
export CREDENTIALS_DIRECTORY=$creds

check() { # FILE EXPECTED-SUMMARY
	run_sw -c "$1" config check
	expect_eq "$1: exit status" "$RC" 0
	expect_eq "$1: summary" "$OUT" "configuration OK: $2"
	expect_eq "$1: stderr" "$ERR" ""
}

check config/scrapewatch.yaml "6 datasets, 2 subscribers, 2 watches (1 file read)"
check config/examples/photographer.yaml "2 datasets, 1 subscriber, 1 watch (1 file read)"
check config/examples/rights-organisation.yaml \
	"5 datasets, 301 subscribers, 600 watches (4 files read)"

# No secret ever reaches the output, even with debug logging.
run_sw -vv -c config/scrapewatch.yaml config check
expect_not_contains "debug output" "$OUT$ERR" "not-a-real-secret"
expect_not_contains "debug output: no signing secret" "$OUT$ERR" "$(cut -c7-30 "$creds/org-cases-hmac")"

sw_done
