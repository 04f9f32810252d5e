#!/usr/bin/env bash
# `import` lands a release exactly as `check` does: two fresh states, one
# fed by `check` of a file:// URL, the other by `import` of the same files,
# through three releases (a removal, then a watch added with nothing new),
# end with the same releases, events, alerts (the operator's
# dataset.release notices among them) and kept files.  Only what must
# differ may: a release's source (the URL or the path given) and the
# server's validators.  (Before, import skipped the release notice, the
# baselines of new watches and the kept file.)  `import --no-copy` lands
# the same, but reads the file where it is and keeps no copy as evidence.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64)" >"$tmp/key"
chmod 600 "$tmp/key"

# csv FILE ID...: photos owned by jane (ids below 100) or by bob.
csv() {
	local f=$1 id
	shift
	{
		echo "photo,owner"
		for id in "$@"; do
			if [ "$id" -lt 100 ]; then echo "$id,11111111@N00"; else echo "$id,22222222@N00"; fi
		done
	} >"$f"
}
csv "$tmp/r1.csv" 1 2 3 101 102
csv "$tmp/r2.csv" 1 3 101 102 103
cp "$tmp/r2.csv" "$tmp/r3.csv"

# config STATE [BOB]: one dataset at file://$tmp/current.csv; jane watched,
# and bob too with BOB set.
config() {
	cat <<-EOF
		state_dir: $tmp/$1
		fetch: { keep_releases: 2 }
		operator: { webhook: "https://ops.example.org/hook", secret: { file: $tmp/key } }
		datasets:
		  - { name: faces, url: "file://$tmp/current.csv", format: csv,
		      columns: { photo_id: photo, owner_nsid: owner } }
		subscribers:
		  jane: { webhook: "https://hooks.example.org/jane", secret: { file: $tmp/key } }
		  bob: { email: bob@example.org }
		smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
		watch:
		  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
	EOF
	[ -z "${2:-}" ] || echo "  - { subscriber: bob, flickr: { nsid: 22222222@N00 } }"
}
config checked >"$tmp/checked.yaml"
config imported >"$tmp/imported.yaml"
config inplace >"$tmp/inplace.yaml"

for v in 1 2 3; do
	[ "$v" != 3 ] || {
		config checked bob >"$tmp/checked.yaml"
		config imported bob >"$tmp/imported.yaml"
		config inplace bob >"$tmp/inplace.yaml"
	}
	cp "$tmp/r$v.csv" "$tmp/current.csv"
	run_sw -c "$tmp/checked.yaml" check --all
	expect_eq "check of release $v: exit" "$RC" 0
	run_sw -c "$tmp/imported.yaml" import faces "$tmp/r$v.csv"
	expect_eq "import of release $v: exit" "$RC" 0
	run_sw -c "$tmp/inplace.yaml" import --no-copy faces "$tmp/r$v.csv"
	expect_eq "import --no-copy of release $v: exit" "$RC" 0
done

# dump STATE: what a release leaves in the database, without the columns
# that must differ, and the kept files by name.
dump() {
	local db=$tmp/$1/scrapewatch.db
	sqlite3 "$db" <<-'EOF'
		SELECT 'release', seq, sha256, entries, added, removed, reincluded, bad_records,
		       kind, file != '' FROM releases ORDER BY seq;
		SELECT 'event', ev.type, ev.subscriber, r.seq, count(p.entry_id)
		  FROM events ev JOIN releases r ON r.id = ev.release_id
		  LEFT JOIN event_photos p ON p.event_id = ev.id
		  GROUP BY ev.id ORDER BY r.seq, ev.subscriber, ev.type;
		SELECT 'alert', a.kind, a.subscriber, a.channel, json_extract(a.notice, '$.type'),
		       json_extract(a.notice, '$.release'), json_extract(a.notice, '$.sha256'),
		       json_extract(a.notice, '$.events')
		  FROM alerts a ORDER BY 2, 3, 4, 5, 6;
	EOF
	find "$tmp/$1/cache/faces" -type f -printf 'kept %f\n' 2>/dev/null | sort || true
}
checked=$(dump checked)
imported=$(dump imported)
expect_eq "the same releases, events, alerts and kept files" "$imported" "$checked"
expect_contains "three releases, the third unchanged" "$checked" "release|2|"
expect_contains "the operator heard of the releases" "$checked" "dataset.release"
expect_contains "bob's baseline came with the unchanged third" "$checked" "event|4|bob|2|"
expect_eq "two files kept (keep_releases: 2)" "$(grep -c '^kept ' <<<"$checked")" 2

# --- import --no-copy: the same, but no file kept ----------------------------
# (the release's "file != ''" column and the kept files left out)
unkept() { sed -E '/^kept /d; s/^(release\|.*)\|[01]?$/\1|/'; }
inplace=$(dump inplace)
expect_eq "--no-copy: the same releases, events and alerts" \
	"$(unkept <<<"$inplace")" "$(unkept <<<"$checked")"
expect_eq "--no-copy: no release keeps a file" \
	"$(sqlite3 "$tmp/inplace/scrapewatch.db" "SELECT count(*) FROM releases WHERE coalesce(file, '') != ''")" 0
expect_eq "--no-copy: nothing copied into the cache" \
	"$(find "$tmp/inplace/cache" -type f 2>/dev/null | wc -l)" 0
expect_eq "--no-copy: the file given is left as it was" "$(cat "$tmp/r1.csv")" \
	"$(printf 'photo,owner\n1,11111111@N00\n2,11111111@N00\n3,11111111@N00\n101,22222222@N00\n102,22222222@N00')"
run_sw -c "$tmp/inplace.yaml" evidence jane --out "$tmp/ev"
expect_eq "--no-copy: evidence runs: exit" "$RC" 0
expect_contains "--no-copy: evidence says the file is not kept" \
	"$(cat "$tmp/ev"/*.json)" "the file of release 1 is not kept (pruned, or imported with --no-copy)"

# Failures leave the index as it was.
before=$(dump inplace)
run_sw -c "$tmp/inplace.yaml" import --no-copy faces "$tmp/missing.csv"
expect_eq "--no-copy of a missing file: exit 66" "$RC" 66
expect_contains "it names the file and why" "$ERR" "missing.csv"
expect_contains "and says nothing changed" "$ERR" "the index is unchanged"
# The file is hashed as it is parsed (the decoder's second thread), so a
# pin is checked after the parse, before anything is written.
config inplace >"$tmp/pinned.yaml"
sed -i 's|format: csv,|format: csv, sha256: "'"$(printf '0%.0s' $(seq 64))"'",|' "$tmp/pinned.yaml"
csv "$tmp/r4.csv" 1 2
run_sw -c "$tmp/pinned.yaml" import --no-copy faces "$tmp/r4.csv"
expect_eq "--no-copy against a sha256 pin: refused (exit 65)" "$RC" 65
expect_contains "with the mismatch" "$ERR" "sha256 mismatch"
expect_eq "the index is as it was" "$(dump inplace)" "$before"
run_sw -c "$tmp/inplace.yaml" import --no-copy faces "$tmp"
expect_eq "--no-copy of a directory: exit 74" "$RC" 74
expect_contains "it says so" "$ERR" "Is a directory"
expect_contains "and says nothing changed" "$ERR" "the index is unchanged"
run_sw -c "$tmp/inplace.yaml" import --no-copy
expect_eq "--no-copy without a file: usage (exit 64)" "$RC" 64
sw_done
