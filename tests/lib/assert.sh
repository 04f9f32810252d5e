# assert.sh: assertions for shell tests (sourced).  Each check prints a line
# on failure and is counted; sw_done prints "N passed, N failed" and sets
# the exit status.
SW_PASSED=0
SW_FAILED=0

sw_pass() { SW_PASSED=$((SW_PASSED + 1)); }
sw_fail() { SW_FAILED=$((SW_FAILED + 1)); echo "FAIL: $*" >&2; }

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then sw_pass; else sw_fail "$1: got '$2', want '$3'"; fi
}

# expect_contains WHAT TEXT NEEDLE
expect_contains() {
	case "$2" in
	*"$3"*) sw_pass ;;
	*) sw_fail "$1: '$3' not in:"$'\n'"$2" ;;
	esac
}

# expect_not_contains WHAT TEXT NEEDLE
expect_not_contains() {
	case "$2" in
	*"$3"*) sw_fail "$1: '$3' unexpectedly in:"$'\n'"$2" ;;
	*) sw_pass ;;
	esac
}

# run_sw ARGS...: runs the binary, setting OUT, ERR and RC.
run_sw() {
	local o e
	o=$(mktemp) e=$(mktemp)
	set +e
	"$SW" "$@" >"$o" 2>"$e"
	RC=$?
	set -e
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}

sw_done() {
	echo "$SW_PASSED passed, $SW_FAILED failed"
	[ "$SW_FAILED" -eq 0 ] && [ "$SW_PASSED" -gt 0 ]
}
