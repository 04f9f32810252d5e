#!/usr/bin/env bash
# Events per subscriber over three releases of two datasets (a DiF-like TSV
# of static image URLs whose owners come from the ownership dataset, and an
# FFHQ JSON naming its owners), checked with `scrapewatch check` on file://
# URLs: the baselines, the exact included / removed / reincluded events for
# each subscriber, nothing for anyone not watched and nothing twice, possible
# (display name) matches kept apart, and a watch added later getting its
# own baseline without old releases replayed.  Opt-out requests and their
# status release by release; evidence files checked against the release
# files byte for byte; search naming the watches of a hit.
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
fetch: { keep_releases: 1 }
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
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$tmp/key"
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

# --- an opt-out request after release 1 --------------------------------------
cp "$tmp/ffhq.json" "$tmp/ffhq.1.json"
cp "$tmp/dif.tsv" "$tmp/dif.1.tsv"
run_sw "${C[@]}" optout request jane ffhq --format json
expect_eq "optout request: exit" "$RC" 0
request=$OUT
# field PYTHON-EXPRESSION: evaluated on the request's JSON as r.
field() { python3 -c "import json,sys; r = json.load(sys.stdin); print($1)" <<<"$request"; }
expect_eq "request: the exact photos, not the possible or others'" \
	"$(field "[p['photo_id'] for p in r['photos']]")" "[2001, 2002]"
expect_eq "request: photo pages" "$(field "' '.join(p['photo_page'] for p in r['photos'])")" \
	"https://www.flickr.com/photos/janedoe/2001/ https://www.flickr.com/photos/12345678@N00/2002/"
expect_eq "request: positions in the manifest" \
	"$(field "[(p['first_release'], p['line'], p['match']) for p in r['photos']]")" \
	"[(1, 1, 'account (alias)'), (1, 2, 'account (NSID)')]"
text=$(field "r['text']")
expect_contains "request text: who" "$text" "the Flickr account 12345678@N00 (janedoe)."
expect_contains "request text: the photo" "$text" "Flickr page: https://www.flickr.com/photos/12345678@N00/2002/"
expect_contains "request text: record number" "$text" "first seen in release 1, record 2 of its manifest"
expect_contains "request text: the release's hash" "$text" \
	"SHA-256 $(sha256sum <"$tmp/ffhq.1.json" | cut -d' ' -f1)"
run_sw "${C[@]}" optout request jane dif
expect_contains "request text (ownership table): page from the owner" "$OUT" \
	"Flickr page: https://www.flickr.com/photos/12345678@N00/1001/"
expect_contains "request text: image and line" "$OUT" \
	"Image:       https://farm4.staticflickr.com/3211/1001_a1b2c3d4e5_b.jpg
     In releases 1-latest; first seen in release 1, line 1 of its manifest"
run_sw "${C[@]}" optout request bob dif
expect_eq "nothing to request: exit 1" "$RC" 1
expect_contains "nothing to request: why" "$ERR" "No photo of bob is in the newest release of dif (release 1)"
run_sw "${C[@]}" optout request carol ffhq
expect_contains "possible matches are never requested" "$ERR" "but possible matches by display name"
# status: "request photo state release days releases_since" a line.
optout_status() {
	run_sw "${C[@]}" optout status "$@" --format csv
	[ "$RC" = 0 ] || sw_fail "optout status: exit $RC: $ERR"
	tail -n +2 <<<"$OUT" | cut -d, -f1,6,9,10,12,13 | tr , ' '
}
expect_eq "status at once: all present" "$(optout_status jane)" "1 2001 present 1 0 0
1 2002 present 1 0 0
2 1001 present 1 0 0"

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

expect_eq "status after release 2: removals seen" "$(optout_status jane)" "1 2001 present 2 0 1
1 2002 removed 2 0 1
2 1001 removed 2 0 1"
run_sw "${C[@]}" optout status
expect_contains "status text: removed" "$OUT" "photo 2002  removed in release 2 ("
expect_contains "status text: still present" "$OUT" "photo 2001  still present after 0 days / 1 release
"
expect_contains "status text: summary" "$OUT" "2 requests: 2 photos removed, 1 still present, 0 back after removal"

# --- release 3: both come back --------------------------------------------
# Also 60 photos of people nobody watches: with more than 50 entries per
# new watch, eve's baseline below takes the per-watch queries, the others
# the pass over the whole release; both must find the same.
dif 1001 1002 1003
mapfile -t fillers < <(seq 3001 3060 | sed 's|.*|someone&/&/Someone Else|')
ffhq 'janedoe/2001/Jane Doe' '12345678@N00/2002/Jane Doe' 'mwichary/2003/Marcin' '55555555@N00/2004/Jane Doe' 'janedoe/2005/Jane Doe' "${fillers[@]}"
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

expect_eq "status after release 3: back after removal" "$(optout_status jane)" "1 2001 present 3 0 2
1 2002 reincluded 3 0 2
2 1001 reincluded 3 0 2"
run_sw "${C[@]}" optout status jane --format json
expect_eq "status JSON" "$(python3 -c '
import json, sys
for q in json.load(sys.stdin):
    print(q["request"], q["dataset"], q["request_release"], [(p["photo_id"], p["state"]) for p in q["photos"]])' <<<"$OUT")" \
	"1 ffhq 1 [(2001, 'present'), (2002, 'reincluded')]
2 dif 1 [(1001, 'reincluded')]"

# --- search names the watches a hit belongs to ------------------------------
run_sw "${C[@]}" search 1001
expect_contains "search: watches of an entry owned via the ownership table" "$OUT" \
	"dif           photo                   photo 1001  owner -  https://farm4.staticflickr.com/3211/1001_a1b2c3d4e5_b.jpg  line 1
              in releases 1, 3-latest
              watched by jane (account (NSID)), carol (possible: display name)"
run_sw "${C[@]}" search 2003 --format json
expect_contains "search JSON: watched_by" "$OUT" '"watched_by":[{"subscriber":"bob","match":"photo"}]'

# --- evidence: each record byte for byte, with its release --------------------
expect_eq "evidence files are kept beyond keep_releases: 1" "$(ls "$tmp/state/cache/dif" | wc -l)" 3
run_sw "${C[@]}" evidence jane --out "$tmp/evidence"
expect_eq "evidence: exit" "$RC" 0
expect_contains "evidence: summary" "$(cat "$tmp/evidence/summary.txt")" \
	"7 photos; 7 in the newest release of their dataset; 7 manifest records copied byte for byte."
expect_eq "evidence JSON: dataset, photo, release, position, record" "$(python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["photos"]:
    print(p["dataset"], p["photo_id"], p["release"], p["line"], p["owner_found"], p["record"][:22])' "$tmp/evidence/evidence.json")" \
	"dif 1001 1 1 ownership table https://farm4.staticfl
dif 1003 2 2 ownership table https://farm4.staticfl
ffhq 2001 1 1 direct \"1\": {\"category\": \"tra
ffhq 2002 1 2 direct \"2\": {\"category\": \"tra
ffhq 2005 2 4 direct \"5\": {\"category\": \"tra
yfcc 1001 1 1 direct 1001	12345678@N00	Jane
yfcc 1003 1 3 direct 1003	12345678@N00	Jane"
# Each record is exactly the bytes at its offset in the release's file.
expect_eq "evidence: records verbatim, release hashes right" "$(python3 -c '
import csv, hashlib, sys
files = {("ffhq", "1"): sys.argv[2], ("dif", "1"): sys.argv[3]}
for row in csv.DictReader(open(sys.argv[1], newline="")):
    f = files.get((row["dataset"], row["release"]))
    if not f:
        continue
    data = open(f, "rb").read()
    o, n = int(row["offset"]), int(row["length"])
    ok = data[o:o + n].decode().rstrip(chr(10)) == row["record"]
    print(row["photo_id"], ok, hashlib.sha256(data).hexdigest() == row["release_sha256"])' \
	"$tmp/evidence/evidence.csv" "$tmp/ffhq.1.json" "$tmp/dif.1.tsv")" "1001 True True
2001 True True
2002 True True"
run_sw "${C[@]}" evidence jane --dataset dif --out "$tmp/evidence-dif"
expect_eq "evidence --dataset: only that dataset" \
	"$(tail -n +2 "$tmp/evidence-dif/evidence.csv" | cut -d, -f1 | sort -u)" dif
run_sw "${C[@]}" evidence jane
expect_eq "evidence without --out: usage" "$RC" 64

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
