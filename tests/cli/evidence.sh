#!/usr/bin/env bash
# What evidence and CSV outputs hand to a spreadsheet or a dataset owner
# (issue 14, items 18 and 20): a manifest's text that a spreadsheet would
# run as a formula (=HYPERLINK(...), @SUM(...), =cmd|...) lands in
# evidence.csv and `diff --format csv` as text, with a "'" before it; and
# evidence refuses a kept release file that changed since it was ingested,
# rather than cite a SHA-256 its records contradict.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/servers.sh # SW_PYTHON

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cat >"$tmp/r1.csv" <<'EOF'
photo,owner,license
1,11111111@N00,"=HYPERLINK(""http://evil.example/"",""click"")"
2,11111111@N00,@SUM(1+1)*cmd|' /C calc'!A0
3,11111111@N00,Attribution License
EOF
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - { name: faces, url: "file://$tmp/r1.csv", format: csv,
      columns: { photo_id: photo, owner_nsid: owner, license: license } }
subscribers:
  jane: { email: jane@example.org }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
EOF
C=(-c "$tmp/sw.yaml")
run_sw "${C[@]}" check faces
expect_eq "check: exit" "$RC" 0

# --- formulas stay text ----------------------------------------------------
run_sw "${C[@]}" evidence jane --out "$tmp/ev"
expect_eq "evidence: exit" "$RC" 0
csv=$(cat "$tmp/ev/evidence.csv")
expect_contains "evidence.csv: =HYPERLINK as text" "$csv" "\"'=HYPERLINK("
expect_contains "evidence.csv: @SUM as text" "$csv" "'@SUM(1+1)"
# formulas FILE: the cells of a CSV file that start as a formula would, as a
# spreadsheet reads them.
formulas() {
	"$SW_PYTHON" -c 'import csv, sys; print([c for row in csv.reader(open(sys.argv[1], newline="")) for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")])' "$1"
}
expect_eq "evidence.csv: no cell starts a formula" "$(formulas "$tmp/ev/evidence.csv")" "[]"
run_sw "${C[@]}" diff faces --format csv
expect_eq "diff --format csv: exit" "$RC" 0
expect_contains "diff csv: =HYPERLINK as text" "$OUT" "\"'=HYPERLINK("
expect_contains "diff csv: @SUM as text" "$OUT" "'@SUM(1+1)"

# --- a kept file changed since: refused, nothing written --------------------
kept=$(find "$tmp/state/cache/faces" -type f | head -1)
echo "4,11111111@N00,forged" >>"$kept"
run_sw "${C[@]}" evidence jane --out "$tmp/ev2"
expect_eq "a changed kept file: evidence refused (exit 65)" "$RC" 65
expect_contains "says the file changed" "$ERR" "has changed since it was ingested"
expect_contains "names both hashes" "$ERR" "the release's $(sqlite3 "$tmp/state/scrapewatch.db" 'SELECT sha256 FROM releases')"
expect_eq "no evidence written" "$(ls "$tmp/ev2" 2>/dev/null | wc -l)" 0
sw_done
