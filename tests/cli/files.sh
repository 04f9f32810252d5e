#!/usr/bin/env bash
# The files scrapewatch creates, against links and files planted where it
# writes (issue 14, item 12): a link in place of the partial download, of
# its resume record or of the key set's temporary file truncates nothing
# and is followed nowhere; evidence written into a shared directory where
# someone planted its temporary files ends up the runner's own, mode 0600;
# the database, downloads and key sets are 0600 and the metrics file 0640
# whatever the umask; a state or cache directory that others may write is
# refused, with how to fix it.  A crafted key-set file does not abort an
# ingest.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/servers.sh # SW_PYTHON

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
state=$tmp/state
mkdir -m 700 "$state" "$state/cache"
{
	echo "photo,owner"
	seq 1 20 | sed 's/$/,11111111@N00/'
} >"$tmp/r1.csv"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $state
metrics_file: $state/sw.prom
datasets:
  - { name: faces, url: "file://$tmp/r1.csv", format: csv,
      columns: { photo_id: photo, owner_nsid: owner } }
subscribers:
  jane: { email: jane@example.org }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
EOF
C=(-c "$tmp/sw.yaml")
echo "do not touch" >"$tmp/victim"
victim() { cat "$tmp/victim"; }

# --- links planted where downloads and key sets are written ----------------
ln -s "$tmp/victim" "$state/cache/faces.part"
run_sw "${C[@]}" check faces
expect_eq "a link as the partial download: the check fails" "$RC" 69
expect_contains "says why" "$ERR" "Too many levels of symbolic links"
expect_eq "the link's target is untouched" "$(victim)" "do not touch"
rm -f "$state/cache/faces.part"; echo "do not touch" >"$tmp/victim"

ln -s "$tmp/victim" "$state/cache/faces.part.info"
ln -s "$tmp/victim" "$state/keys-1.bin.tmp"
(umask 000 && "$SW" "${C[@]}" check faces >/dev/null 2>"$tmp/err") ||
	sw_fail "check with links beside it: $(cat "$tmp/err")"
expect_eq "links as the resume record and the key set's temporary file: target untouched" "$(victim)" "do not touch"
expect_eq "the key set is a file of its own now" "$(stat -c %F "$state/keys-1.bin")" "regular file"

# --- modes, whatever the umask ---------------------------------------------
expect_eq "the database is 0600 (umask 000)" "$(stat -c %a "$state/scrapewatch.db")" 600
expect_eq "the key set is 0600" "$(stat -c %a "$state/keys-1.bin")" 600
expect_eq "the kept download is 0600" \
	"$(find "$state/cache/faces" -type f -printf '%m\n' | sort -u)" 600
expect_eq "the metrics file is 0640" "$(stat -c %a "$state/sw.prom")" 640

# --- evidence into a shared directory with planted files ---------------------
out=$tmp/shared
mkdir -m 1777 "$out"
for f in evidence.json evidence.csv summary.txt; do
	: >"$out/$f.tmp"
	chmod 666 "$out/$f.tmp"
	chown 4242:4242 "$out/$f.tmp" 2>/dev/null || true
done
run_sw "${C[@]}" evidence jane --out "$out"
expect_eq "evidence: exit" "$RC" 0
expect_eq "evidence files are the runner's own, mode 0600" \
	"$(stat -c '%n %a %u' "$out"/evidence.json "$out"/evidence.csv "$out"/summary.txt | sed "s|$out/||")" \
	"evidence.json 600 $(id -u)
evidence.csv 600 $(id -u)
summary.txt 600 $(id -u)"

# --- a crafted key set: its count wraps the size check (issue 14, item 13) --
# 40 bytes that claim 2^60 + 1 keys: 24 + count * 16 wraps to 40.  The key
# set is rebuilt from the database, as for any stale one.
"$SW_PYTHON" - "$state/keys-1.bin" <<-'PY'
	import struct, sys
	open(sys.argv[1], "wb").write(b"SWKEYS01" + struct.pack("<qQ", 1, (1 << 60) + 1) + bytes(16))
PY
{
	echo "photo,owner"
	seq 1 25 | sed 's/$/,11111111@N00/'
} >"$tmp/r2.csv"
run_sw "${C[@]}" import faces "$tmp/r2.csv"
expect_eq "a crafted key set: the import works" "$RC" 0
expect_contains "and finds what changed" "$OUT" "5 added, 0 removed"

# --- directories others may write ------------------------------------------
chmod 777 "$state"
run_sw "${C[@]}" status
expect_eq "a world-writable state directory: refused (exit 77)" "$RC" 77
expect_contains "says why and what to do" "$ERR" "may be written by everyone (mode 0777)"
expect_contains "the fix" "$ERR" "chmod go-w"
chmod 700 "$state"
chmod 770 "$state/cache"
run_sw "${C[@]}" status
expect_eq "a group-writable cache directory: refused" "$RC" 77
expect_contains "names the cache directory" "$ERR" "cache directory '$state/cache' may be written by its group"
chmod 700 "$state/cache"
run_sw "${C[@]}" status
expect_eq "private again: status works" "$RC" 0
sw_done
