#!/usr/bin/env bash
# The catalogue of real datasets (config/datasets/) and '- use: NAME'.  Every
# shipped entry passes 'config check' in a configuration that uses them all
# (a gated one's token from $CREDENTIALS_DIRECTORY, as systemd gives it);
# the keys given beside 'use' win over the entry's, as status and import
# show; what is wrong is refused with the exact words and where (an
# unknown name with the nearest, a key only an entry may have, a key the
# entry fixes, a broken entry by its file, line and column and the dataset
# that used it); 'datasets' lists the catalogue in text and JSON (parsed
# here), with what an entry says escaped; an entry without a public source
# is refused by 'check NAME', passed over by 'check', and takes an
# import.  The source tree's catalogue is named by $SCRAPEWATCH_CATALOGUE
# or by the configuration's 'catalogue:'.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cat=$PWD/config/datasets
export SCRAPEWATCH_CATALOGUE=$cat
mkdir "$tmp/creds"
printf 'hf_not-a-real-token\n' >"$tmp/creds/huggingface-token"
printf 'hf_not-a-real-token-either\n' >"$tmp/creds/my-hf"
export CREDENTIALS_DIRECTORY=$tmp/creds
names=$(cd "$cat" && ls -- *.yaml | sed 's/\.yaml$//' | LC_ALL=C sort)
n=$(printf '%s\n' "$names" | wc -l)
expect_contains "the catalogue has the datasets of the brief" "$(printf '%s ' $names)" \
	"coco-2017 dif diveface facecaption-15m fdf ffhq ffhq-v1 laion-400m laion-5b megaface megalith-10m open-images pd12m relaion-5b yfcc100m"

# ---- every entry passes config check -------------------------------------
{
	echo "state_dir: $tmp/state"
	echo "datasets:"
	printf '  - use: %s\n' $names
} >"$tmp/all.yaml"
run_sw -c "$tmp/all.yaml" config check
expect_eq "every entry: config check exit" "$RC" 0
expect_eq "every entry: summary (the configuration and each entry read)" "$OUT" \
	"configuration OK: $n datasets, 0 subscribers, 0 watches ($((n + 1)) files read)"
expect_eq "every entry: nothing on stderr" "$ERR" ""
run_sw -vv -c "$tmp/all.yaml" config check
expect_not_contains "the token is never shown" "$OUT$ERR" "not-a-real-token"

# A gated entry without its credential: the message points into the entry
# and at the dataset that used it.
mv "$tmp/creds/huggingface-token" "$tmp/hf"
printf 'datasets:\n  - use: relaion-5b\n' >"$tmp/gated.yaml"
run_sw -c "$tmp/gated.yaml" config check
expect_eq "gated entry without a token: exit" "$RC" 78
expect_contains "gated entry without a token: where and why" "$ERR" \
	"$cat/relaion-5b.yaml:14:10: credential 'huggingface-token' not found in '$tmp/creds'; add LoadCredential=huggingface-token:/path/to/secret to the unit (catalogue entry 'relaion-5b', used at $tmp/gated.yaml:2:10)"
# A token of the dataset's own, beside use, replaces the entry's.
printf 'datasets:\n  - use: relaion-5b\n    token: { credential: my-hf }\n' >"$tmp/gated.yaml"
run_sw -c "$tmp/gated.yaml" config check
expect_eq "a token beside use: config check" "$RC:$OUT" \
	"0:configuration OK: 1 dataset, 0 subscribers, 0 watches (2 files read)"
mv "$tmp/hf" "$tmp/creds/huggingface-token"

# ---- the keys beside use win ----------------------------------------------
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - use: ffhq
  - use: ffhq
    name: ffhq-weekly
    interval: 7d
  - use: megaface
  - use: megaface
    name: megaface-small
    max_entries: 2
EOF
run_sw -c "$tmp/sw.yaml" config check
expect_eq "overrides: config check" "$RC:$OUT" \
	"0:configuration OK: 4 datasets, 0 subscribers, 0 watches (3 files read)"
run_sw -c "$tmp/sw.yaml" status --format json
intervals=$(/usr/bin/python3 -c 'import json, sys
print(" ".join("%s=%d" % (d["name"], d["interval"]) for d in json.load(sys.stdin)["datasets"]))' <<<"$OUT")
expect_eq "interval beside use; the default without" "$intervals" \
	"ffhq=86400 ffhq-weekly=604800 megaface=86400 megaface-small=86400"
printf '%s\n' FlickrFinal2/123/12345678@N00/2999358212_0.jpg \
	FlickrFinal2/303/30302697@N00/1234567_1.jpg \
	FlickrFinal2/111/11111111@N00/7654321_0.jpg >"$tmp/megaface.txt"
run_sw -c "$tmp/sw.yaml" import megaface "$tmp/megaface.txt"
expect_eq "a copy of megaface imported" "$RC" 0
expect_contains "its three entries, owners from the paths" "$OUT" \
	"megaface: release 1 (plain, 135 B"
run_sw -c "$tmp/sw.yaml" import megaface-small "$tmp/megaface.txt"
expect_eq "max_entries beside use: the same copy is too big" "$RC" 65
expect_contains "max_entries beside use: says so" "$ERR" "more than 2 entries"
run_sw -c "$tmp/sw.yaml" search 12345678@N00
expect_contains "the owner of an imported path is found" "$OUT" \
	"megaface      account (NSID)          photo 2999358212  owner 12345678@N00"

# ---- a dataset without a public source -----------------------------------
run_sw -c "$tmp/sw.yaml" check megaface
expect_eq "check of an access: none entry: exit" "$RC" 69
expect_eq "check of an access: none entry: why, and how to import" "$ERR" \
	"error: megaface: no public source to check: the catalogue says it is no longer published; if you have a copy of its manifest, import it: scrapewatch import megaface FILE"
run_sw -c "$tmp/sw.yaml" status
expect_contains "status: never checked" "$OUT" \
	"  next check   never: no public source (import a copy: scrapewatch import megaface FILE)"
# 'check' of the due datasets passes over it (ffhq would be fetched: a
# configuration of its own keeps this test off the network).
printf 'state_dir: %s\ndatasets:\n  - use: megaface\n  - use: dif\n' "$tmp/state" >"$tmp/none.yaml"
run_sw -c "$tmp/none.yaml" check
expect_eq "check of the due datasets: exit" "$RC" 0
expect_eq "check of the due datasets: a line each, nothing fetched" "$OUT" \
	"megaface: not checked, no public source: the catalogue says it is no longer published; if you have a copy of its manifest, import it: scrapewatch import megaface FILE
dif: not checked, no public source: the catalogue says it is no longer published; if you have a copy of its manifest, import it: scrapewatch import dif FILE"

# ---- what is refused --------------------------------------------------------
cat >"$tmp/bad.yaml" <<'EOF'
datasets:
  - use: ffhqq
  - use: nothing-like-this-one
  - name: mine
    url: file:///srv/mine.txt
    format: paths
    title: Mine
  - use: ffhq
    format: json
  - name: t
    url: file:///srv/t.txt
    format: paths
    token: { credential: my-hf }
  - use: ../etc/passwd
EOF
run_sw -c "$tmp/bad.yaml" config check
expect_eq "refused: exit" "$RC" 78
b=$tmp/bad.yaml
expect_contains "unknown name: the nearest" "$ERR" \
	"error: $b:2:10: no catalogue entry 'ffhqq' in $cat; did you mean 'ffhq'?"
expect_contains "unknown name far from any: the names" "$ERR" \
	"error: $b:3:10: no catalogue entry 'nothing-like-this-one' in $cat; it has: $(printf '%s\n' $names | paste -sd, | sed 's/,/, /g')"
expect_contains "a key only an entry has" "$ERR" \
	"error: $b:7:5: 'title' describes a dataset of the catalogue and may only be set in a catalogue entry (see scrapewatch datasets; a dataset takes one with 'use: NAME')"
expect_contains "a key the entry fixes" "$ERR" \
	"error: $b:9:5: 'format' comes from catalogue entry 'ffhq' and cannot be changed beside 'use'; beside it a dataset may set name, interval, token, api_key, optout, the limits and its own headers, bearer or auth"
expect_contains "token without use" "$ERR" \
	"error: $b:13:5: 'token' may only be set beside 'use'; a dataset's own hub source takes it inside 'huggingface' or 'github', any other source as 'bearer'"
expect_contains "a name that is no file name" "$ERR" \
	"error: $b:14:10: '../etc/passwd' is not the name of a catalogue entry (letters, digits, '.', '_' and '-'; see scrapewatch datasets)"
expect_eq "one message each" "$(grep -c '^error: .*bad.yaml:' <<<"$ERR")" 6

# A catalogue of one's own, named by catalogue: (relative to the file),
# with broken entries: each message names the entry's file, line and
# column, and the dataset that used it.
mkdir "$tmp/mine" "$tmp/mine/cat"
cat >"$tmp/mine/cat/typo.yaml" <<'EOF'
title: A typo
access: anonymous
url: file:///srv/typo.txt
formt: paths
EOF
cat >"$tmp/mine/cat/syntax.yaml" <<'EOF'
title: [unclosed
EOF
cat >"$tmp/mine/cat/gone.yaml" <<'EOF'
title: Gone, but with a source
access: none
url: file:///srv/gone.txt
format: paths
name: gone
EOF
cat >"$tmp/mine/sw.yaml" <<'EOF'
catalogue: cat
datasets:
  - use: typo
  - use: syntax
  - name: g
    use: gone
EOF
m=$tmp/mine/cat
run_sw -c "$tmp/mine/sw.yaml" config check
expect_eq "broken entries: exit" "$RC" 78
expect_contains "broken entry: unknown key, file:line:column, used at" "$ERR" \
	"error: $m/typo.yaml:4:1: unknown key 'formt' in catalogue entry; did you mean 'format'? (catalogue entry 'typo', used at $tmp/mine/sw.yaml:3:10)"
expect_contains "broken entry: a required key" "$ERR" \
	"error: $m/typo.yaml:1:1: catalogue entry lacks required key 'format' (catalogue entry 'typo', used at $tmp/mine/sw.yaml:3:10)"
expect_contains "broken entry: YAML syntax" "$ERR" \
	"error: $m/syntax.yaml:2:1: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence (catalogue entry 'syntax', used at $tmp/mine/sw.yaml:4:10)"
expect_contains "broken entry: name is the file's" "$ERR" \
	"error: $m/gone.yaml:5:1: 'name' may not be set in a catalogue entry: an entry is named by its file, uses no other entry and reads no credential but a hub's token or a Drive api_key (catalogue entry 'gone', used at $tmp/mine/sw.yaml:6:10)"
expect_contains "broken entry: access none with a source" "$ERR" \
	"error: $m/gone.yaml:1:1: catalogue entry says 'access: none' (no public source), but names one: 'url' (catalogue entry 'gone', used at $tmp/mine/sw.yaml:6:10)"

# ---- scrapewatch datasets ----------------------------------------------------
run_sw datasets --format json
expect_eq "datasets --format json: exit" "$RC" 0
py() { /usr/bin/python3 -c "import json, sys; d = {e['name']: e for e in json.load(sys.stdin)}; print($1)" <<<"$OUT"; }
expect_eq "json: every entry, by name" "$(py '" ".join(sorted(d))')" "$(printf '%s ' $names | sed 's/ $//')"
expect_eq "json: ffhq on Google Drive" "$(py 'd["ffhq"]["source"], d["ffhq"]["format"], d["ffhq"]["access"]')" \
	"{'kind': 'google_drive', 'id': '16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA'} ffhq anonymous"
expect_contains "json: ffhq's MD5 in its notes" "$(py 'd["ffhq"]["notes"]')" \
	"MD5 425ae20f06a4da1d4dc0f46d40ba5fd6"
expect_eq "json: yfcc100m, the ownership table" \
	"$(py 'd["yfcc100m"]["source"]["url"], d["yfcc100m"]["ownership"], d["yfcc100m"]["size"]')" \
	"https://multimedia-commons.s3-us-west-2.amazonaws.com/tools/etc/yfcc100m_dataset.sql True 65.6 GB SQLite (65,644,027,904 bytes, 1 KiB pages), about 100M rows"
expect_eq "json: relaion-5b, gated" \
	"$(py 'd["relaion-5b"]["source"]["repo"], d["relaion-5b"]["access"], d["relaion-5b"]["credential"]')" \
	"laion/relaion2B-en-research-safe token huggingface-token"
expect_eq "json: open-images, four files" "$(py 'len(d["open-images"]["source"]["urls"])')" 4
expect_eq "json: coco-2017, a member of the zip" "$(py 'd["coco-2017"]["member"]')" \
	"annotations/instances_*2017.json"
expect_eq "json: diveface on GitHub" "$(py 'd["diveface"]["source"]')" \
	"{'kind': 'github', 'repo': 'BiDAlab/DiveFace', 'ref': None, 'path': 'files'}"
expect_eq "json: megaface and dif have no source" \
	"$(py 'd["megaface"]["source"], d["megaface"]["access"], d["dif"]["source"], d["dif"]["optout"]')" \
	"None none None mailto:diversityinfaces@us.ibm.com"
expect_eq "json: every entry has a title, an access and a file" \
	"$(py 'sorted(set(bool(e["title"]) and e["access"] in ("anonymous", "token", "account", "none") and e["file"].endswith(n + ".yaml") for n, e in d.items()))')" \
	"[True]"
run_sw datasets
expect_eq "datasets: exit" "$RC" 0
expect_contains "text: an entry" "$OUT" "ffhq  Flickr-Faces-HQ (FFHQ), manifest v2
  publisher     NVIDIA
  source        google_drive 16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA
  format        ffhq"
expect_contains "text: no public source" "$OUT" \
	"  source        none (no public source; import a copy: scrapewatch import"
expect_contains "text: access with its credential" "$OUT" \
	"  access        token (credential huggingface-token)"
expect_contains "text: the count and the folder" "$OUT" \
	"$n datasets in the catalogue $cat; a configuration takes one with '- use: NAME' under datasets:"
run_sw datasets --format csv
expect_eq "datasets --format csv: refused" "$RC:$ERR" "64:error: datasets prints text or json, not csv"

# The folder the configuration names wins over $SCRAPEWATCH_CATALOGUE; what
# an entry says is escaped on a terminal and in JSON.
mkdir "$tmp/esc" "$tmp/esc/cat"
printf 'title: "Bad\\e]0;pwned\\a title"\naccess: anonymous\nurl: file:///srv/x.txt\nformat: paths\nnotes: "a\\nb"\n' \
	>"$tmp/esc/cat/esc.yaml"
printf 'catalogue: cat\n' >"$tmp/esc/sw.yaml"
run_sw -c "$tmp/esc/sw.yaml" datasets
expect_eq "catalogue: wins, escaped text" "$RC:$(head -n 1 <<<"$OUT")" '0:esc  Bad\x1b]0;pwned\x07 title'
expect_contains "a line end in the notes is escaped" "$OUT" '  notes         a\nb'
expect_not_contains "no control character reaches the terminal" "$OUT" $'\e'
run_sw -c "$tmp/esc/sw.yaml" datasets --format json
expect_eq "json: the same text, as JSON" \
	"$(/usr/bin/python3 -c 'import json, sys; print(repr(json.load(sys.stdin)[0]["title"]))' <<<"$OUT")" \
	"'Bad\\x1b]0;pwned\\x07 title'"
expect_not_contains "json: no raw control character" "$OUT" $'\e'
# A broken entry stops the listing, with its reason.
run_sw -c "$tmp/mine/sw.yaml" datasets
expect_eq "datasets of a broken catalogue: exit" "$RC" 78
expect_contains "datasets of a broken catalogue: why" "$ERR" \
	"error: $m/typo.yaml:4:1: unknown key 'formt' in catalogue entry; did you mean 'format'?"
expect_contains "datasets of a broken catalogue: which" "$ERR" \
	"error: The catalogue '$m' cannot be listed"
SCRAPEWATCH_CATALOGUE=$tmp/none run_sw datasets
expect_eq "no catalogue folder: exit" "$RC:$ERR" \
	"66:error: $tmp/none: cannot read the catalogue: No such file or directory
error: The catalogue '$tmp/none' cannot be listed"
sw_done
