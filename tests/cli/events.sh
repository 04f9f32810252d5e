#!/usr/bin/env bash
# Events per subscriber over three releases of two datasets (a DiF-like TSV
# of static image URLs whose owners come from the ownership dataset, and an
# FFHQ JSON naming its owners), checked with `scrapewatch check` on file://
# URLs: the baselines, the exact included / removed / reincluded events for
# each subscriber, nothing for anyone not watched and nothing twice, possible
# (display name) matches kept apart, and a watch added later getting its
# own baseline without old releases replayed.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# yrow ID NSID NICKNAME: one YFCC100M row (23 fields).
yrow() {
	printf '%s\t%s\t%s\t2008-10-29 14:12:31.0\t1225314367\t\ttitle\t\t\t\t\t\t\t' "$1" "$2" "$3"
	printf 'http://www.flickr.com/photos/%s/%s/\thttp://farm4.staticflickr.com/3211/%s_a1b2c3d4e5.jpg\t' "$2" "$1" "$1"
	printf 'Attribution License\thttp://creativecommons.org/licenses/by/2.0/\t3211\t4\ta1b2c3d4e5\tf0e1d2c3b4\tjpg\t0\n'
}
{
	yrow 1001 12345678@N00 'Jane+Doe'
	yrow 1002 30302697@N00 'Jos%C3%A9'
	yrow 1003 12345678@N00 'Jane+Doe'
	yrow 1004 55555555@N00 'Jane+Doe'
} >"$tmp/yfcc.tsv"

# dif VERSION IDS...: static image URLs, no owners.
dif() {
	local id
	for id in "$@"; do
		echo "https://farm4.staticflickr.com/3211/${id}_a1b2c3d4e5_b.jpg"
	done >"$tmp/dif.tsv"
}
# ffhq "OWNER/ID/AUTHOR"...: an FFHQ metadata file.  Like the real one, an
# image keeps its index ("1" for photo 2001) from release to release.
ffhq() {
	local p sep=''
	echo '{' >"$tmp/ffhq.json"
	for p in "$@"; do
		IFS=/ read -r owner id author <<<"$p"
		printf '%s "%d": {"category": "training", "metadata": {"photo_url": "https://www.flickr.com/photos/%s/%s/", "author": "%s", "license": "Attribution License"}}\n' \
			"$sep" $((id - 2000)) "$owner" "$id" "$author" >>"$tmp/ffhq.json"
		sep=,
	done
	echo '}' >>"$tmp/ffhq.json"
}

cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: yfcc, url: "file://$tmp/yfcc.tsv", format: yfcc100m, ownership: true }
  - { name: dif, url: "file://$tmp/dif.tsv", format: tsv, header: false, columns: { url: 0 } }
  - { name: ffhq, url: "file://$tmp/ffhq.json", format: ffhq }
subscribers:
  jane: { webhook: "https://hooks.example.org/jane", secret: { file: $tmp/key } }
  bob: { webhook: "https://hooks.example.org/bob", secret: { file: $tmp/key } }
  carol: { webhook: "https://hooks.example.org/carol", secret: { file: $tmp/key } }
  dave: { webhook: "https://hooks.example.org/dave", secret: { file: $tmp/key } }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00, alias: janedoe } }
  - { subscriber: bob, photos: [ "https://www.flickr.com/photos/mwichary/2003/" ] }
  - { subscriber: carol, flickr: { display_name: jane doe } }
  - { subscriber: dave, flickr: { nsid: 99999999@N00 } }
EOF
printf 'k3y\n' >"$tmp/key"
chmod 600 "$tmp/key"
C=(-c "$tmp/sw.yaml")

# photo_events [SUBSCRIBER]: "type subscriber dataset release match via
# photo" a line, sorted, from matches --format csv.
photo_events() {
	run_sw "${C[@]}" matches "$@" --format csv
	[ "$RC" = 0 ] || sw_fail "matches $*: exit $RC: $ERR"
	tail -n +2 <<<"$OUT" | cut -d, -f2,3,4,5,7,8,9 | tr , ' ' | sort
}
# baselines: "subscriber dataset photos" a line, sorted, from the text output.
baselines() {
	run_sw "${C[@]}" matches
	sed -n 's/^.* UTC  \([a-z]*\)  \([a-z]*\) release [0-9]*  baseline: \([0-9]*\) photos*$/\1 \2 \3/p' <<<"$OUT" | sort
}
n_events() {
	run_sw "${C[@]}" matches --format json
	grep -c '"id":' <<<"$OUT" || true
}

# --- release 1 of each: baselines only -----------------------------------
dif 1001 1002
ffhq 'janedoe/2001/Jane Doe' '12345678@N00/2002/Jane Doe' 'mwichary/2003/Marcin' '55555555@N00/2004/Jane Doe'
run_sw "${C[@]}" check --all
expect_eq "release 1: exit" "$RC" 0
expect_contains "release 1: baselines reported" "$OUT" "ffhq: 4 new events for subscribers (4 baselines), 6 photos"
expect_eq "baselines: one per subscriber and dataset" "$(baselines)" "$(sort <<'EOF'
bob dif 0
bob ffhq 1
bob yfcc 0
carol dif 1
carol ffhq 3
carol yfcc 3
dave dif 0
dave ffhq 0
dave yfcc 0
jane dif 1
jane ffhq 2
jane yfcc 2
EOF
)"
expect_eq "baseline photos" "$(photo_events)" "$(sort <<'EOF'
baseline bob ffhq 1 photo direct 2003
baseline carol dif 1 possible: display name display name 1001
baseline carol ffhq 1 possible: display name display name 2001
baseline carol ffhq 1 possible: display name display name 2002
baseline carol ffhq 1 possible: display name display name 2004
baseline carol yfcc 1 possible: display name display name 1001
baseline carol yfcc 1 possible: display name display name 1003
baseline carol yfcc 1 possible: display name display name 1004
baseline jane dif 1 account (NSID) ownership table 1001
baseline jane ffhq 1 account (NSID) direct 2002
baseline jane ffhq 1 account (alias) direct 2001
baseline jane yfcc 1 account (NSID) direct 1001
baseline jane yfcc 1 account (NSID) direct 1003
EOF
)"

# --- release 2: 1001 and 2002 removed, 1003 and 2005 included ---------------
dif 1002 1003
ffhq 'janedoe/2001/Jane Doe' 'mwichary/2003/Marcin' '55555555@N00/2004/Jane Doe' 'janedoe/2005/Jane Doe'
run_sw "${C[@]}" check --all
expect_contains "release 2: yfcc unchanged" "$OUT" "yfcc: unchanged: same content as release 1"
expect_eq "release 2: events" "$(photo_events | grep -v '^baseline')" "$(sort <<'EOF'
photo.removed jane dif 2 account (NSID) ownership table 1001
photo.included jane dif 2 account (NSID) ownership table 1003
photo.removed carol dif 2 possible: display name display name 1001
photo.included carol dif 2 possible: display name display name 1003
photo.removed jane ffhq 2 account (NSID) direct 2002
photo.included jane ffhq 2 account (alias) direct 2005
photo.removed carol ffhq 2 possible: display name display name 2002
photo.included carol ffhq 2 possible: display name display name 2005
EOF
)"

# --- release 3: both come back --------------------------------------------
dif 1001 1002 1003
ffhq 'janedoe/2001/Jane Doe' '12345678@N00/2002/Jane Doe' 'mwichary/2003/Marcin' '55555555@N00/2004/Jane Doe' 'janedoe/2005/Jane Doe'
run_sw "${C[@]}" check --all
expect_eq "release 3: reincluded" "$(photo_events | grep '^photo.reincluded')" "$(sort <<'EOF'
photo.reincluded jane dif 3 account (NSID) ownership table 1001
photo.reincluded carol dif 3 possible: display name display name 1001
photo.reincluded jane ffhq 3 account (NSID) direct 2002
photo.reincluded carol ffhq 3 possible: display name display name 2002
EOF
)"
expect_eq "nothing for bob and dave after the baselines" \
	"$(photo_events bob | grep -vc '^baseline' || true)$(photo_events dave | wc -l)" "00"
total=$(n_events)
expect_eq "events in all: 12 baselines + 8 + 4" "$total" 24
run_sw "${C[@]}" matches jane --format json
expect_eq "no event twice (distinct ids)" \
	"$(grep -o '"id":"[0-9a-f]*"' <<<"$OUT" | sort -u | wc -l)" \
	"$(grep -c '"id":' <<<"$OUT")"

# --- nothing new: no events; a watch added later gets its own baseline ----
run_sw "${C[@]}" check --all
expect_not_contains "unchanged: no events" "$OUT" "new event"
expect_eq "unchanged: still $total" "$(n_events)" "$total"
cat >>"$tmp/sw.yaml" <<EOF
  - { subscriber: eve, flickr: { alias: JANEDOE } }
EOF
sed -i "s|^subscribers:|subscribers:\n  eve: { webhook: \"https://hooks.example.org/eve\", secret: { file: $tmp/key } }|" "$tmp/sw.yaml"
run_sw "${C[@]}" check --all
expect_contains "new watch: baseline on an unchanged dataset" "$OUT" \
	"ffhq: 1 new event for subscribers (1 baseline), 2 photos"
expect_eq "new watch: only its baselines, nothing replayed" "$(n_events)" $((total + 3))
expect_eq "new watch: its photos" "$(photo_events eve)" "$(sort <<'EOF'
baseline eve ffhq 3 account (alias) direct 2001
baseline eve ffhq 3 account (alias) direct 2005
EOF
)"
run_sw "${C[@]}" check --all
expect_eq "and only once" "$(n_events)" $((total + 3))

sw_done
