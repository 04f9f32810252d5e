#!/usr/bin/env bash
# The written style, checked: no banned functions in daemon/, no function
# above cyclomatic complexity 20, and sources formatted by .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib/assert.sh

sources=$(find daemon -name '*.[ch]' | sort)

banned=$(grep -nHE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|atof|gets|system)[[:space:]]*\(' \
	$sources || true)
expect_eq "banned functions in daemon/" "$banned" ""

complex=$(pmccabe $(find daemon -name '*.c' | sort) | awk '$1 > 20 { print $NF " (" $1 ")" }')
expect_eq "functions above complexity 20" "$complex" ""

for f in $sources $(find tests/unit tests/fuzz tests/fault -name '*.[ch]' | sort) bench/*.c; do
	if clang-format --dry-run --Werror "$f" 2>/dev/null; then
		sw_pass
	else
		sw_fail "$f is not formatted: run clang-format -i $f"
	fi
done
sw_done
