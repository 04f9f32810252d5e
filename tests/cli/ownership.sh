#!/usr/bin/env bash
# One owner for each id-only photo, whoever asks: two ownership datasets
# that disagree on a photo and each lack one the other has, and a face
# dataset of static image URLs (photo ids, no owners).  Change events (for
# watches older than the face dataset's releases), baselines (for watches
# added later, through the per-watch queries), search, and the opt-out
# request must all name the owner the rule of daemon/match/owner.h gives:
# the first ownership dataset in configuration order that has ever had
# the photo, whatever order the datasets were checked in, and still after
# that table drops the photo.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

ALICE=11111111@N01
BOB=22222222@N02
# yrow ID NSID NICKNAME: one YFCC100M row (23 fields).
yrow() {
	printf '%s\t%s\t%s\t2008-10-29 14:12:31.0\t1225314367\t\ttitle\t\t\t\t\t\t\t' "$1" "$2" "$3"
	printf 'http://www.flickr.com/photos/%s/%s/\thttp://farm4.staticflickr.com/3211/%s_a1b2c3d4e5.jpg\t' "$2" "$1" "$1"
	printf 'Attribution License\thttp://creativecommons.org/licenses/by/2.0/\t3211\t4\ta1b2c3d4e5\tf0e1d2c3b4\tjpg\t0\n'
}
# faces IDS...: static image URLs, no owners, and 200 photos nobody owns
# (so that the new watches take the per-watch queries, not a pass over the
# release: more than 50 entries a new watch).
faces() {
	local id
	for id in "$@" $(seq 6001 6200); do
		echo "https://farm4.staticflickr.com/3211/${id}_a1b2c3d4e5_b.jpg"
	done >"$tmp/faces.tsv"
}
# The tables: own-a (first in the configuration) gives 5001 to alice, who
# also has 5003; own-b gives 5001 to bob, who also has 5002 and 5005.
{
	yrow 5001 "$ALICE" 'Alice+A'
	yrow 5003 "$ALICE" 'Alice+A'
} >"$tmp/own-a.tsv"
{
	yrow 5001 "$BOB" 'Bob+B'
	yrow 5002 "$BOB" 'Bob+B'
	yrow 5005 "$BOB" 'Bob+B'
} >"$tmp/own-b.tsv"

hook() { echo "{ webhook: \"https://hooks.example.org/$1\", secret: { file: $tmp/key } }"; }
config() {
	cat <<-EOF
		state_dir: $tmp/state
		datasets:
		  - { name: own-a, url: "file://$tmp/own-a.tsv", format: yfcc100m, ownership: true }
		  - { name: faces, url: "file://$tmp/faces.tsv", format: tsv, header: false, columns: { url: 0 } }
		  - { name: own-b, url: "file://$tmp/own-b.tsv", format: yfcc100m, ownership: true }
		subscribers:
		  alice: $(hook alice)
		  bob: $(hook bob)
		  erin: $(hook erin)
		  dave: $(hook dave)
		  carol: $(hook carol)
		watch:
		  - { subscriber: alice, flickr: { nsid: "$ALICE" } }
		  - { subscriber: bob, flickr: { nsid: "$BOB" } }
		  - { subscriber: erin, photos: [ 5002, 5005 ] }
	EOF
}
config >"$tmp/sw.yaml"
echo "whsec_$(python3 -c 'import base64; print(base64.b64encode(bytes(range(32))).decode())')" >"$tmp/key"
chmod 600 "$tmp/key"
C=(-c "$tmp/sw.yaml")

# faces_photos [SUBSCRIBER]: "type subscriber release photo owner_found
# nsid" a line, sorted, for the face dataset, from matches --format csv.
faces_photos() {
	run_sw "${C[@]}" matches "$@" --format csv
	[ "$RC" = 0 ] || sw_fail "matches $*: exit $RC: $ERR"
	tail -n +2 <<<"$OUT" | awk -F, '$4 == "faces" { print $2, $3, $5, $9, $8, $10 }' | sort
}
# owner_of_photo ID: the owner's NSID the rule gives.
owner_of_photo() {
	case $1 in
	5001 | 5003) echo "$ALICE" ;;
	5002 | 5005) echo "$BOB" ;;
	esac
}

# --- release 1: own-b is checked first, then own-a and faces --------------
faces 5001 5002
run_sw "${C[@]}" check own-b
expect_eq "own-b first: exit" "$RC" 0
run_sw "${C[@]}" check --all
expect_eq "release 1: exit" "$RC" 0

# --- release 2 of faces: 5001 goes, 5003 and 5005 come ----------------------
faces 5002 5003 5005
run_sw "${C[@]}" check faces
expect_eq "faces release 2: exit" "$RC" 0

# --- two watches added later: each gets a baseline of faces release 2 ------
config >"$tmp/sw.yaml"
cat >>"$tmp/sw.yaml" <<EOF
  - { subscriber: carol, flickr: { nsid: "$BOB" } }
  - { subscriber: dave, flickr: { nsid: "$ALICE" } }
EOF
run_sw "${C[@]}" check --all
expect_eq "new watches: exit" "$RC" 0

expect_eq "events and baselines: the owner by the rule" "$(faces_photos)" "$(sort <<EOF
baseline alice 1 5001 ownership table $ALICE
baseline bob 1 5002 ownership table $BOB
baseline erin 1 5002 ownership table $BOB
photo.removed alice 2 5001 ownership table $ALICE
photo.included alice 2 5003 ownership table $ALICE
photo.included bob 2 5005 ownership table $BOB
photo.included erin 2 5005 ownership table $BOB
baseline carol 2 5002 ownership table $BOB
baseline carol 2 5005 ownership table $BOB
baseline dave 2 5003 ownership table $ALICE
EOF
)"
# The same account watched early (events) and late (a baseline) holds the
# same photos of the newest release.
present_of() {
	faces_photos "$1" | awk '$1 != "photo.removed" { print $4 }' | sort -u
}
expect_eq "bob's photos (events) are carol's (baseline)" "$(present_of bob)" "$(present_of carol)"
removed=$(faces_photos alice | awk '$1 == "photo.removed" { print $4 }')
expect_eq "alice's photos less the removed (events) are dave's (baseline)" \
	"$(present_of alice | grep -vx "$removed")" "$(present_of dave)"
expect_eq "every photo of every event names its owner by the rule" \
	"$(faces_photos | while read -r _ _ _ id _ _ nsid; do
		[ "$nsid" = "$(owner_of_photo "$id")" ] || echo "$id: $nsid"
	done)" ""
expect_eq "matches text: the owner from the table" \
	"$(run_sw "${C[@]}" matches carol && grep -c "(owner from the ownership table)  photo 500[25]  owner $BOB (Bob B)" <<<"$OUT")" 2

# --- search: the same owner, the same watchers --------------------------------
# search_faces ID: "owner_found|nsid|ownership_dataset|watchers" of the
# face dataset's hit.
search_faces() {
	run_sw "${C[@]}" search "$1" --format json
	[ "$RC" = 0 ] || sw_fail "search $1: exit $RC: $ERR"
	python3 -c '
import json, sys
for h in json.load(sys.stdin):
    if h["dataset"] == "faces":
        o = h.get("owner", {})
        print("|".join(map(str, (h.get("owner_found"), o.get("nsid"), o.get("ownership_dataset"),
              ",".join(sorted(w["subscriber"] for w in h["watched_by"]))))))' <<<"$OUT"
}
expect_eq "search 5001: own-a's owner, not own-b's" "$(search_faces 5001)" "ownership table|$ALICE|own-a|alice,dave"
expect_eq "search 5002: only own-b has it" "$(search_faces 5002)" "ownership table|$BOB|own-b|bob,carol,erin"
expect_eq "search 5003" "$(search_faces 5003)" "ownership table|$ALICE|own-a|alice,dave"
expect_eq "search 5005" "$(search_faces 5005)" "ownership table|$BOB|own-b|bob,carol,erin"
expect_eq "search 6001: no table has it" "$(search_faces 6001)" "direct|||"
run_sw "${C[@]}" search 5001
expect_contains "search text: the owner and the table it came from" "$OUT" \
	"watched by alice (account (NSID)), dave (account (NSID))
              owner $ALICE (Alice A) from the ownership dataset own-a"

# --- the opt-out request names the same owner -----------------------------------
# request_pages SUBSCRIBER: the photo pages the request for faces cites.
request_pages() {
	run_sw "${C[@]}" optout request "$1" faces --format json
	[ "$RC" = 0 ] || sw_fail "optout request $1 faces: exit $RC: $ERR"
	[ "$RC" != 0 ] || python3 -c '
import json, sys
print(" ".join(p["photo_page"] for p in json.load(sys.stdin)["photos"]))' <<<"$OUT"
}
expect_eq "optout request carol: bob's photos, bob's pages" "$(request_pages carol)" \
	"https://www.flickr.com/photos/$BOB/5002/ https://www.flickr.com/photos/$BOB/5005/"
expect_eq "optout request dave: alice's photo" "$(request_pages dave)" \
	"https://www.flickr.com/photos/$ALICE/5003/"

# --- own-a drops 5003, then faces does: the owner is still alice's ---------
yrow 5001 "$ALICE" 'Alice+A' >"$tmp/own-a.tsv"
faces 5002 5005
run_sw "${C[@]}" check --all
expect_eq "release 3: exit" "$RC" 0
expect_eq "a photo the table dropped keeps its owner" \
	"$(faces_photos | grep '^photo.removed [a-z]* 3 ')" "$(sort <<EOF
photo.removed alice 3 5003 ownership table $ALICE
photo.removed dave 3 5003 ownership table $ALICE
EOF
)"

sw_done
