#!/usr/bin/env bash
# The state directory as systemd makes it, and as an attacker would plant
# it.  With DynamicUser=yes, /var/lib/scrapewatch is a symbolic link to
# private/scrapewatch: every command works through such a link (issue 18:
# "Cannot open database: No such file or directory", exit 74, for every new
# user).  A link planted in the directory in place of the database or the
# outbox lock is refused, with what it is, and its target is not touched.
# Root running a command that writes on the unit's state (a directory that
# belongs to another user) is told how to run it as that user, and leaves
# no file there; a command that only reads still works.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/var/private/sw" "$tmp/cache/private/sw"
ln -s private/sw "$tmp/var/sw"
ln -s private/sw "$tmp/cache/sw"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/var/sw
cache_dir: $tmp/cache/sw
datasets:
  - name: ffhq-demo
    url: file://$PWD/demo/releases/ffhq-demo-v1.json
    format: ffhq
subscribers:
  jane: { email: jane@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00, alias: janedoe } }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
EOF

# --- through a symlinked state and cache directory --------------------------
run_sw -c "$tmp/sw.yaml" check
expect_eq "check through symlinked directories: exit" "$RC" 0
expect_contains "check ingested release 1" "$OUT" "ffhq-demo: release 1"
expect_eq "the database is in the link's target" \
	"$(test -f "$tmp/var/private/sw/scrapewatch.db" && echo yes)" yes
expect_eq "the download is kept in the cache's target" \
	"$(find "$tmp/cache/private/sw/ffhq-demo" -type f | wc -l)" 1
run_sw -c "$tmp/sw.yaml" status
expect_eq "status through the link: exit" "$RC" 0
expect_contains "status shows the release" "$OUT" "ffhq-demo"
run_sw -c "$tmp/sw.yaml" import ffhq-demo demo/releases/ffhq-demo-v2.json
expect_eq "import through the link: exit" "$RC" 0
expect_contains "import made release 2" "$OUT" "release 2"

# --- a link planted in place of the database --------------------------------
mv "$tmp/var/private/sw/scrapewatch.db" "$tmp/real.db"
rm -f "$tmp/var/private/sw/scrapewatch.db-"*
ln -s "$tmp/victim.db" "$tmp/var/private/sw/scrapewatch.db"
run_sw -c "$tmp/sw.yaml" status
expect_eq "a planted database link: exit 74" "$RC" 74
expect_contains "says it is a symbolic link" "$ERR" "is a symbolic link"
expect_not_contains "does not claim the file is missing" "$ERR" "No such file"
expect_eq "the link's target was not created" "$(test -e "$tmp/victim.db" && echo created)" ""
rm "$tmp/var/private/sw/scrapewatch.db"
mv "$tmp/real.db" "$tmp/var/private/sw/scrapewatch.db"

# --- a link planted in place of the outbox lock -----------------------------
ln -s "$tmp/victim.lock" "$tmp/var/private/sw/outbox.lock"
run_sw -c "$tmp/sw.yaml" deliver
expect_eq "a planted lock link: deliver fails" "$RC" 74
expect_eq "the lock link's target was not created" "$(test -e "$tmp/victim.lock" && echo created)" ""
rm "$tmp/var/private/sw/outbox.lock"

# --- root on the unit's state -----------------------------------------------
if [ "$(id -u)" = 0 ]; then
	chown -R 4242:4242 "$tmp/var/private/sw"
	before=$(find "$tmp/var/private/sw" "$tmp/cache/private/sw" -printf '%p %u\n' | sort)
	run_sw -c "$tmp/sw.yaml" check --all
	expect_eq "root's check on another user's state: exit 77 (EX_NOPERM)" "$RC" 77
	expect_contains "names the owner" "$ERR" "belongs to uid 4242"
	expect_contains "says how to run it as the unit's user" "$ERR" \
		"systemd-run --pipe --wait -p User=scrapewatch -p DynamicUser=yes"
	run_sw -c "$tmp/sw.yaml" import ffhq-demo demo/releases/ffhq-demo-v1.json
	expect_eq "root's import refused too" "$RC" 77
	run_sw -c "$tmp/sw.yaml" status
	expect_eq "root may still read: status" "$RC" 0
	expect_eq "root left no file and changed no owner" \
		"$(find "$tmp/var/private/sw" "$tmp/cache/private/sw" -printf '%p %u\n' | sort)" "$before"
else
	echo "not root: the checks of root on another user's state do not apply"
fi
sw_done
