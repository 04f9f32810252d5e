#!/usr/bin/env bash
# A release's changes meet the watches in one of two ways: a query of the
# watches' subjects through the indexes (a few watches, many changes: what
# keeps the release's transaction short), or a pass over every change
# (many watches).  Both must give the same events.  Two states go through
# the same three releases of an ownership table and an id-only dataset
# (about 1,000 changes each), one configuration with six watched subjects
# (the query), the other with the same watches and twenty more of a
# subscriber nobody matches (the pass); jane's, bob's and carol's events
# must be the same in both, and exactly the photos the releases changed.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# own FROM TO: the ownership table, photos FROM..TO; photo p's owner is
# account p % 60: NSID 1000KK@N00, alias userKK for even KK, display
# name "Name K%7".
own() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		print "photo,nsid,alias,name"
		for (p = a; p <= b; p++) {
			k = p % 60
			printf "%d,%d@N00,%s,Name %d\n", p, 100000 + k,
				k % 2 ? "" : "user" k, k % 7
		}
	}' >"$tmp/own.csv"
}
# dif FROM TO: id-only rows (static image URLs), photos FROM..TO.
dif() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		print "photo,url"
		for (p = a; p <= b; p++)
			printf "%d,https://farm1.staticflickr.com/1/%d_0123456789.jpg\n", p, p
	}' >"$tmp/dif.csv"
}

# config NAME EXTRA_WATCHES
config() {
	{
		cat <<EOF
state_dir: $tmp/$1
datasets:
  - { name: own, url: "file://$tmp/own.csv", format: csv, ownership: true,
      columns: { photo_id: photo, owner_nsid: nsid, owner_alias: alias, owner_name: name } }
  - { name: dif, url: "file://$tmp/dif.csv", format: csv,
      columns: { photo_id: photo, image_url: url } }
subscribers:
  jane: { email: jane@example.org }
  bob: { email: bob@example.org }
  carol: { email: carol@example.org }
  nobody: { email: nobody@example.org }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 100007@N00 } }
  - { subscriber: jane, flickr: { alias: USER12 } }
  - { subscriber: bob, photos: [5, 1500, 2999] }
  - { subscriber: carol, flickr: { display_name: name 3 } }
EOF
		for ((i = 0; i < $2; i++)); do
			echo "  - { subscriber: nobody, flickr: { nsid: $((900000 + i))@N00 } }"
		done
	} >"$tmp/$1.yaml"
}
config query 0
config pass 20

# release FROM TO DIF_FROM DIF_TO: both datasets' next release, checked in
# both states.
release() {
	own "$1" "$2"
	dif "$3" "$4"
	for c in query pass; do
		run_sw -vv -c "$tmp/$c.yaml" check --all
		[ "$RC" = 0 ] || sw_fail "$c: check: exit $RC: $ERR"
		echo "$ERR" >"$tmp/$c.log"
	done
}
# events STATE: every photo event of the three watched subscribers, one a
# line (type subscriber dataset release match owner-found photo ...),
# sorted; the time of the event left out.
events() {
	run_sw -c "$tmp/$1.yaml" matches --format csv
	[ "$RC" = 0 ] || sw_fail "$1: matches: exit $RC: $ERR"
	tail -n +2 <<<"$OUT" | cut -d, -f2-5,7- | grep -v ',nobody,' | sort
}
# count STATE TYPE SUBSCRIBER DATASET RELEASE: how many photo events.
count() {
	events "$1" | awk -F, -v t="$2" -v s="$3" -v d="$4" -v r="$5" \
		'$1 == t && $2 == s && $3 == d && $4 == r' | wc -l
}
# wanted FROM TO: how many photos of FROM..TO jane's two accounts own.
wanted() { awk -v a="$1" -v b="$2" 'BEGIN { for (p = a; p <= b; p++) n += (p % 60 == 7 || p % 60 == 12); print n + 0 }'; }

release 1 3000 1 3000
# Release 2: own drops 1..500 and gains 3001..3500; dif drops 1..400 and
# gains 3001..3400.
release 501 3500 401 3400
expect_contains "query: release 2 met through the indexes" "$(cat "$tmp/query.log")" "own: the changes met 6 watched subjects through the indexes"
expect_contains "query: dif too" "$(cat "$tmp/query.log")" "dif: the changes met 6 watched subjects through the indexes"
expect_contains "pass: release 2 in a pass" "$(cat "$tmp/pass.log")" "own: the changes met 26 watched subjects in a pass over every change"
# Release 3: both take their dropped photos back.
release 1 3500 1 3400
expect_contains "query: release 3 met through the indexes" "$(cat "$tmp/query.log")" "dif: the changes met 6 watched subjects through the indexes"

q=$(events query)
expect_eq "the same events either way" "$q" "$(events pass)"
expect_eq "jane: own's removed photos" "$(count query photo.removed jane own 2)" "$(wanted 1 500)"
expect_eq "jane: own's new photos" "$(count query photo.included jane own 2)" "$(wanted 3001 3500)"
expect_eq "jane: dif's removed photos, owners from own" "$(count query photo.removed jane dif 2)" "$(wanted 1 400)"
expect_eq "jane: dif's new photos" "$(count query photo.included jane dif 2)" "$(wanted 3001 3400)"
expect_eq "jane: own's reincluded photos" "$(count query photo.reincluded jane own 3)" "$(wanted 1 500)"
expect_eq "jane: dif's reincluded photos" "$(count query photo.reincluded jane dif 3)" "$(wanted 1 400)"
expect_eq "bob: photo 5 removed from dif" "$(count query photo.removed bob dif 2)" 1
expect_eq "bob: and from own" "$(count query photo.removed bob own 2)" 1
expect_eq "bob: photo 5 back in both" "$(events query | grep -c '^photo.reincluded,bob,')" 2
carol=$(awk 'BEGIN { for (p = 1; p <= 500; p++) n += (p % 60 % 7 == 3); print n }')
expect_eq "carol: possible matches by display name" "$(count query photo.removed carol own 2)" "$carol"
sw_done
