#!/usr/bin/env bash
# The google_drive source against a loopback Google Drive over TLS
# (tests/lib/gdrived.sh): its listing of a small file, of a large file's
# virus-scan warning, of the quota page, a sign-in page, a missing file
# and a rate limit, and the listed file fetched with refuse_html.  The
# client side is the test program test-source-drive (next to the binary,
# tests/unit/fetch/test-source-drive.c), which checks the listings, the
# fetches, the exact errors and what the server was asked; this script
# starts the server and runs each of its tests.
set -euo pipefail
SW=$1
TEST_DRIVE=$(dirname "$SW")/tests/test-source-drive
. tests/lib/assert.sh
. tests/lib/gdrived.sh

tmp=$(mktemp -d)
trap 'gdrived_stop; rm -rf "$tmp"' EXIT
[ -x "$TEST_DRIVE" ] || {
	echo "FAIL: no test program $TEST_DRIVE" >&2
	exit 1
}
gdrived_start
export TMPDIR=$tmp

# Every test of the program, one run each (its "ok"/"FAIL" lines name
# them), against the one server.
cases=(small_file_direct small_file_after_redirect small_file_names warning_page
	warning_page_after_redirect warning_form_leaving_https quota_page_200
	quota_page_403 signin_page missing_file rate_limited
	fetch_refuses_the_quota_page
	fetch_refuses_the_quota_page_after_the_warning
	fetch_refuses_a_page_by_its_first_bytes)
for name in "${cases[@]}"; do
	rc=0
	out=$("$TEST_DRIVE" "$name" 2>&1) || rc=$?
	case "$rc:$out" in
	0:*"1 passed, 0 failed"*) sw_pass ;;
	*) sw_fail "test-source-drive $name (exit $rc):"$'\n'"$out" ;;
	esac
done
# The list above is the program's whole list.
rc=0
out=$("$TEST_DRIVE" 2>&1) || rc=$?
expect_eq "test-source-drive's exit" "$rc" 0
expect_contains "all of test-source-drive" "$out" \
	"${#cases[@]} passed, 0 failed"
sw_done
