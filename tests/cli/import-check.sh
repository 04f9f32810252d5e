#!/usr/bin/env bash
# `import` lands a release exactly as `check` does: two fresh states, one
# fed by `check` of a file:// URL, the other by `import` of the same files,
# through three releases (a removal, then a watch added with nothing new),
# end with the same releases, events, alerts (the operator's
# dataset.release notices among them) and kept files.  Only what must
# differ may: a release's source (the URL or the path given) and the
# server's validators.  (Before, import skipped the release notice, the
# baselines of new watches and the kept file.)
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

for v in 1 2 3; do
	[ "$v" != 3 ] || {
		config checked bob >"$tmp/checked.yaml"
		config imported bob >"$tmp/imported.yaml"
	}
	cp "$tmp/r$v.csv" "$tmp/current.csv"
	run_sw -c "$tmp/checked.yaml" check --all
	expect_eq "check of release $v: exit" "$RC" 0
	run_sw -c "$tmp/imported.yaml" import faces "$tmp/r$v.csv"
	expect_eq "import of release $v: exit" "$RC" 0
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
sw_done
