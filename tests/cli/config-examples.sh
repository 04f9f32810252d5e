#!/usr/bin/env bash
# Every configuration shipped in config/ passes 'config check', with the
# counts a reader of the file would expect, its datasets taken from the
# catalogue of the source tree (config/datasets, through
# $SCRAPEWATCH_CATALOGUE, as the installed one would be).  Credentials are
# supplied the way systemd would: files in $CREDENTIALS_DIRECTORY.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

creds=$(mktemp -d)
trap 'rm -rf "$creds"' EXIT
for c in smtp-password; do
	printf 'not-a-real-secret-%s\n' "$c" >"$creds/$c"
done
# Webhook signing secrets in the Standard Webhooks form: whsec_ + base64.
for c in org-cases-hmac case-system-hmac; do
	printf 'whsec_%s\n' "$(printf '%-32s' "not-a-real-secret-$c" | base64 -w0)" >"$creds/$c"
done
export CREDENTIALS_DIRECTORY=$creds
export SCRAPEWATCH_CATALOGUE=$PWD/config/datasets

check() { # FILE EXPECTED-SUMMARY
	run_sw -c "$1" config check
	expect_eq "$1: exit status" "$RC" 0
	expect_eq "$1: summary" "$OUT" "configuration OK: $2"
	expect_eq "$1: stderr" "$ERR" ""
}

# The files read: the configuration, its drop-ins, the catalogue entries.
check config/scrapewatch.yaml "7 datasets, 2 subscribers, 2 watches (7 files read)"
check config/examples/photographer.yaml "2 datasets, 1 subscriber, 1 watch (3 files read)"
check config/examples/rights-organisation.yaml \
	"6 datasets, 301 subscribers, 600 watches (10 files read)"

# No dataset of theirs is a placeholder: the real ones come from the
# catalogue ('use:'), the others are local files.
datasets_section() { awk '/^datasets:/ { on = 1; next } /^[a-z]/ { on = 0 } on' "$1"; }
expect_contains "datasets_section sees the datasets" \
	"$(datasets_section config/examples/photographer.yaml)" "use: ffhq"
for f in config/scrapewatch.yaml config/examples/*.yaml config/examples/*.d/*.yaml; do
	expect_eq "$f: no example.org dataset" \
		"$(datasets_section "$f" | grep -E '^[^#]*example\.(org|com|net)' || true)" ""
done

# No secret ever reaches the output, even with debug logging.
run_sw -vv -c config/scrapewatch.yaml config check
expect_not_contains "debug output" "$OUT$ERR" "not-a-real-secret"
expect_not_contains "debug output: no signing secret" "$OUT$ERR" "$(cut -c7-30 "$creds/org-cases-hmac")"

sw_done
