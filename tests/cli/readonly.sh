#!/usr/bin/env bash
# A state directory its user may read but not write (a read-only mount, a
# backup restored for inspection, a directory handed to another user):
# every command that only reads works, the database is opened read-only,
# and a command that writes says what stands in its way.  Before, every
# command failed with "Cannot open database: Read-only file system" (or
# "No such file or directory") although the file was there.  The commands
# run as an unprivileged user, since root may write anywhere.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root to run commands as another user" >&2
	[ -z "${CI:-}" ] || exit 1
	exit 77
fi
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
user=65534 # nobody
install -m 755 "$SW" "$tmp/scrapewatch"
install -m 644 demo/releases/ffhq-demo-v1.json demo/releases/ffhq-demo-v2.json "$tmp/"
mkdir -p "$tmp/state" "$tmp/cache"
chown "$user:$user" "$tmp/state" "$tmp/cache"
cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
cache_dir: $tmp/cache
datasets:
  - name: ffhq-demo
    url: file://$tmp/ffhq-demo-v1.json
    format: ffhq
subscribers:
  jane: { email: jane@example.org }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00, alias: janedoe } }
smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
EOF
chmod 644 "$tmp/sw.yaml"
# run_sw runs "$SW" as one word: a wrapper runs the copy as the user.
cat >"$tmp/as-user" <<EOF
#!/bin/sh
exec setpriv --reuid=$user --regid=$user --clear-groups $tmp/scrapewatch "\$@"
EOF
chmod 755 "$tmp/as-user"
SW=$tmp/as-user

run_sw -c "$tmp/sw.yaml" check
expect_eq "check as the state's user: exit" "$RC" 0
run_sw -c "$tmp/sw.yaml" import ffhq-demo "$tmp/ffhq-demo-v2.json"
expect_eq "import release 2: exit" "$RC" 0
expect_eq "no -wal file is left after the writers close" \
	"$(test -e "$tmp/state/scrapewatch.db-wal" && echo left)" ""
sum_before=$(sha256sum "$tmp/state/scrapewatch.db")
files_before=$(ls "$tmp/state" | sort | tr '\n' ' ')

# --- the directory made read-only -------------------------------------------
chmod 555 "$tmp/state"
run_sw -c "$tmp/sw.yaml" status
expect_eq "status in a read-only state directory: exit" "$RC" 0
expect_contains "status shows the dataset" "$OUT" "ffhq-demo"
expect_eq "status says nothing on stderr" "$ERR" ""
run_sw -c "$tmp/sw.yaml" releases ffhq-demo
expect_eq "releases: exit" "$RC" 0
expect_eq "releases lists both" "$(grep -cE '^ +[12] ' <<<"$OUT")" 2
run_sw -c "$tmp/sw.yaml" diff ffhq-demo
expect_eq "diff: exit" "$RC" 0
expect_contains "diff shows a change" "$OUT" "photo "
run_sw -c "$tmp/sw.yaml" search 12345678@N00
expect_eq "search: exit" "$RC" 0
expect_contains "search finds jane's photo" "$OUT" "7581654399"
run_sw -c "$tmp/sw.yaml" matches
expect_eq "matches: exit" "$RC" 0
expect_contains "matches shows jane's baseline" "$OUT" "baseline"
run_sw -c "$tmp/sw.yaml" outbox
expect_eq "outbox: exit" "$RC" 0

# A command that writes says what stands in its way, and changes nothing.
run_sw -c "$tmp/sw.yaml" check
expect_eq "check in a read-only state directory: exit 77 (EX_NOPERM)" "$RC" 77
expect_contains "says the directory may not be written" "$ERR" "may not write in the state directory"
expect_contains "names the directory" "$ERR" "$tmp/state"
expect_not_contains "does not blame a read-only file system" "$ERR" "Read-only file system"
expect_not_contains "does not claim the file is missing" "$ERR" "No such file"
expect_eq "the database is unchanged" "$(sha256sum "$tmp/state/scrapewatch.db")" "$sum_before"
expect_eq "no file was added" "$(ls "$tmp/state" | sort | tr '\n' ' ')" "$files_before"

# --- the database file alone read-only, the directory writable --------------
chmod 755 "$tmp/state"
chmod 444 "$tmp/state/scrapewatch.db"
run_sw -c "$tmp/sw.yaml" status
expect_eq "status with a read-only database file: exit" "$RC" 0
expect_contains "status shows the dataset" "$OUT" "ffhq-demo"
run_sw -c "$tmp/sw.yaml" import ffhq-demo "$tmp/ffhq-demo-v1.json"
expect_eq "import with a read-only database file: exit 77" "$RC" 77
expect_contains "says the file may not be written" "$ERR" "for writing"
expect_eq "the database is unchanged" "$(sha256sum "$tmp/state/scrapewatch.db")" "$sum_before"
sw_done
