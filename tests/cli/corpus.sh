#!/usr/bin/env bash
# The bad-input corpus (tests/corpus/) as one table: every broken
# configuration and manifest there, with the exact output it must give.
#
#   config/NAME.yaml      run as `scrapewatch -c NAME.yaml config check`
#                         (with NAME.d/ beside it, if there is one)
#   manifest/FMT-NAME.*   imported by `scrapewatch import FMT FILE` into a
#                         fresh state directory, with the dataset FMT of
#                         manifest/datasets.yaml
#   ....expected          what that printed: "exit: N", then "stderr:" and
#                         "stdout:" with their lines (a section left out
#                         when empty); the temp directory removed from
#                         paths, so that messages read "NAME.yaml:3:5: ..."
#
# The files are copied to a temp directory first: all mode 600, except
# files whose name contains "world" (644: a secret others can read).
# One assertion per case; a mismatch prints the diff.
#
#   CORPUS_UPDATE=1 bash tests/cli/corpus.sh BINARY   rewrites every
#   .expected from what the binary prints now (then read each by eye:
#   git diff tests/corpus).  CORPUS_ONLY=GLOB runs only matching cases.
#
# Known bugs: tests/corpus/KNOWN-BUGS lists the cases whose .expected
# holds today's wrong output ("CASE BUG-NAME reason"); they pass while the
# output stays the same (shown as XFAIL), and fail once it changes, to
# have the fix reviewed and the line removed.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

corpus=tests/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
update=${CORPUS_UPDATE:-0}
only=${CORPUS_ONLY:-*}

# known_bug CASE: the KNOWN-BUGS line of CASE, or nothing.
known_bug() {
	[ -e "$corpus/KNOWN-BUGS" ] || return 0
	awk -v c="$1" '$1 == c' "$corpus/KNOWN-BUGS"
}

# record DIR RC OUTFILE ERRFILE: the .expected text.
record() {
	echo "exit: $2"
	if [ -s "$4" ]; then
		echo "stderr:"
		sed "s|$1/||g" "$4"
	fi
	if [ -s "$3" ]; then
		echo "stdout:"
		sed "s|$1/||g" "$3"
	fi
}

# judge CASE EXPECTED-FILE GOT-FILE
judge() {
	local name=$1 want=$2 got=$3 bug
	bug=$(known_bug "$name")
	if [ "$update" = 1 ]; then
		cmp -s "$want" "$got" 2>/dev/null || echo "updated: $want"
		cp "$got" "$want"
		sw_pass
	elif [ ! -e "$want" ]; then
		sw_fail "$name: no $want (CORPUS_UPDATE=1 writes it)"
	elif cmp -s "$want" "$got"; then
		[ -z "$bug" ] || echo "XFAIL $name (known bug ${bug#* })"
		sw_pass
	elif [ -n "$bug" ]; then
		sw_fail "$name: known bug ${bug#* }: the output changed (fixed?): check it, then CORPUS_UPDATE=1 CORPUS_ONLY=$name and remove its line in $corpus/KNOWN-BUGS:"$'\n'"$(diff -u "$want" "$got" | tail -n +3)"
	else
		sw_fail "$name: output differs from $want:"$'\n'"$(diff -u "$want" "$got" | tail -n +3)"
	fi
}

# run_case DIR NAME ARGS...: runs the binary in DIR (bounded in time),
# judges its output against NAME's .expected.
run_case() {
	local d=$1 name=$2 want=$3 rc
	shift 3
	set +e
	(cd "$d" && env -u CREDENTIALS_DIRECTORY -u STATE_DIRECTORY \
		-u CACHE_DIRECTORY -u JOURNAL_STREAM \
		timeout -k 2 30 "$SW" "$@" >"$tmp/out" 2>"$tmp/err")
	rc=$?
	set -e
	record "$d" "$rc" "$tmp/out" "$tmp/err" >"$tmp/got"
	judge "$name" "$want" "$tmp/got"
}

case $SW in /*) ;; *) SW=$PWD/$SW ;; esac
n=0

# --- configurations --------------------------------------------------------
for f in "$corpus"/config/*.yaml; do
	name=$(basename "$f" .yaml)
	# shellcheck disable=SC2254
	case "config/$name" in $only) ;; *) continue ;; esac
	d=$tmp/config-$name
	mkdir -p "$d"
	cp "$f" "$d/"
	[ ! -d "${f%.yaml}.d" ] || cp -r "${f%.yaml}.d" "$d/"
	find "$d" -type f -exec chmod 600 {} + -o -type d -exec chmod 700 {} +
	find "$d" -type f -name '*world*' -exec chmod 644 {} +
	run_case "$d" "config/$name" "${f%.yaml}.expected" -c "$name.yaml" config check
	n=$((n + 1))
done

# --- manifests -------------------------------------------------------------
for f in "$corpus"/manifest/*; do
	file=$(basename "$f")
	case $file in datasets.yaml | *.expected) continue ;; esac
	name=${file%%.*}
	format=${name%%-*}
	# shellcheck disable=SC2254
	case "manifest/$name" in $only) ;; *) continue ;; esac
	d=$tmp/manifest-$name
	mkdir -p "$d"
	cp "$f" "$d/"
	{
		cat "$corpus/manifest/datasets.yaml"
		echo "state_dir: state"
	} >"$d/sw.yaml"
	chmod 600 "$d"/*
	run_case "$d" "manifest/$name" "$corpus/manifest/$name.expected" \
		-c sw.yaml import "$format" "$file"
	n=$((n + 1))
done

# Every .expected belongs to a case.
for e in "$corpus"/config/*.expected "$corpus"/manifest/*.expected; do
	[ -e "$e" ] || continue
	b=${e%.expected}
	if ! compgen -G "$b.*" | grep -vq '\.expected$'; then
		sw_fail "$e has no input file"
	fi
done
echo "$n cases"
sw_done
