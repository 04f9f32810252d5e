#!/usr/bin/env bash
# A real full disk: the state directory on a small tmpfs (2 MiB).  Releases
# of a watched dataset are imported until the disk is full; the import that
# fails says the disk is full and exits non-zero, the database passes PRAGMA
# integrity_check, the index holds exactly the releases that succeeded (no
# events or alerts of the failed one), and once space is freed the same
# import succeeds and the outbox has every alert.  The same for `check`
# (the download and the ingest both land on the full disk).  Needs root (or
# a mount namespace) to mount the tmpfs: without it the test says so and
# skips.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
mnt=$tmp/state
mkdir "$mnt"
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=2m,mode=0700 tmpfs "$mnt" 2>"$tmp/mount.err"; then
	echo "SKIP: cannot mount a tmpfs on $mnt (uid $(id -u)): $(cat "$tmp/mount.err");" \
		"the full-disk test needs root or CAP_SYS_ADMIN"
	exit 0
fi

secret=whsec_$(printf 'scrapewatch test secret 0123456' | base64)
printf '%s\n' "$secret" >"$tmp/hook.key"
chmod 600 "$tmp/hook.key"
cat >"$tmp/sw.yaml" <<YAML
state_dir: $mnt
cache_dir: $mnt/cache
operator: { webhook: "http://127.0.0.1:9/ops", secret: { file: $tmp/hook.key } }
datasets:
  - name: faces
    url: "file://$tmp/next.csv"
    format: csv
    columns: { photo_id: photo, owner_nsid: owner, page_url: page }
subscribers:
  jane: { webhook: "http://127.0.0.1:9/jane", secret: { file: $tmp/hook.key } }
watch:
  - { subscriber: jane, flickr: { nsid: 11111111@N00 } }
YAML
C=(-c "$tmp/sw.yaml")

# release N: photos 1..N*1000, every tenth jane's; the rest spread over
# many owners, with long page URLs so that the index grows fast.
release() {
	awk -v n="$1" 'BEGIN {
		print "photo,owner,page"
		for (i = 1; i <= n * 1000; i++) {
			o = (i % 10 == 1) ? "11111111@N00" : sprintf("%08d@N01", 20000000 + i % 5003)
			printf "%d,%s,https://www.flickr.com/photos/%s/%d/in/album-72157%015d/\n", i, o, o, i, i
		}
	}' >"$tmp/v$1.csv"
}
sql() { sqlite3 "$mnt/scrapewatch.db" "$1"; }
integrity() { expect_eq "$1: integrity_check" "$(sql 'PRAGMA integrity_check')" ok; }
# The events of every release have their alerts, and nothing dangles.
alerts_whole() {
	expect_eq "$1: every event has its alert" \
		"$(sql 'SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM alert_events x WHERE x.event_id = e.id)')" 0
	expect_eq "$1: no alert of an event that is not there" \
		"$(sql 'SELECT count(*) FROM alert_events x WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = x.event_id)')" 0
	expect_eq "$1: no event of a release that is not there" \
		"$(sql "SELECT count(*) FROM events WHERE release_id NOT IN (SELECT id FROM releases)")" 0
}

# --- import until the disk is full -----------------------------------------
ok=0 failed=0
for n in $(seq 1 40); do
	release "$n"
	run_sw "${C[@]}" import faces "$tmp/v$n.csv"
	if [ "$RC" != 0 ]; then
		failed=$n
		break
	fi
	ok=$n
	rm -f "$tmp/v$n.csv"
done
echo "imports: $ok succeeded before the disk was full ($(df -k --output=used "$mnt" | tail -1) KiB used)"
expect_eq "some releases fit" "$([ "$ok" -ge 1 ] && echo yes)" yes
expect_eq "the disk filled up" "$([ "$failed" -gt 0 ] && echo yes)" yes
failed_err=$ERR
expect_contains "the error names the full disk" "$ERR" "No space left on device"
expect_not_contains "no generic I/O error" "$ERR" "Input/output error"
integrity "after the failed import"
expect_eq "the index holds the releases that succeeded" \
	"$(sql 'SELECT count(*), max(seq) FROM releases')" "$ok|$ok"
alerts_whole "after the failed import"
run_sw "${C[@]}" releases faces
expect_eq "releases still lists" "$RC" 0

# --- check on the full disk: the download lands there too ------------------
# A release larger than the one that failed: the same one may just fit when
# a check needs less room than the import did.
release $((failed + 2))
cp "$tmp/v$((failed + 2)).csv" "$tmp/next.csv"
run_sw "${C[@]}" check faces
check_err=$ERR
expect_contains "check: the error names the full disk" "$ERR" "No space left on device"
expect_not_contains "check: no count of failures it could not record" "$ERR" "0 failures"
expect_eq "check on a full disk fails" "$([ "$RC" != 0 ] && echo yes)" yes
expect_contains "check: the error names the full disk" "$ERR" "No space left on device"
integrity "after the failed check"
expect_eq "check: no new release" "$(sql 'SELECT max(seq) FROM releases')" "$ok"

# --- free space: the same import succeeds -----------------------------------
mount -o remount,size=64m "$mnt"
run_sw "${C[@]}" import faces "$tmp/v$failed.csv"
expect_eq "after freeing space: import succeeds" "$RC" 0
[ "$RC" = 0 ] || echo "$ERR" >&2
integrity "after the import"
expect_eq "the new release is complete" \
	"$(sql "SELECT seq, entries FROM releases ORDER BY seq DESC LIMIT 1")" "$failed|$((failed * 1000))"
expect_eq "its events: jane's photos added" \
	"$(sql "SELECT sum(photos) FROM events WHERE release_id = (SELECT max(id) FROM releases) AND type = 1")" 100
alerts_whole "after the import"

# --- and check, with the next release ---------------------------------------
release $((failed + 1))
cp "$tmp/v$((failed + 1)).csv" "$tmp/next.csv"
run_sw "${C[@]}" check faces
expect_eq "after freeing space: check succeeds" "$RC" 0
integrity "after the check"
expect_eq "check: release $((failed + 1))" "$(sql 'SELECT max(seq) FROM releases')" "$((failed + 1))"
alerts_whole "after the check"
# --- the disk full at different moments of an import ----------------------
# A filler file leaves X KiB free, so that the import meets the full disk
# at a different stage each time (the segment, WAL, key set, checkpoint).
# Each time: integrity; the old release or the whole new one; and after
# the filler goes, the import succeeds.
n=$((failed + 1))
sweep_failed=0
for x in 8 32 96 192 320 480 640 900 1300 2000; do
	n=$((n + 1))
	release "$n"
	free=$(df -k --output=avail "$mnt" | tail -1)
	[ "$free" -gt "$x" ] || continue
	fallocate -l $(((free - x) * 1024)) "$mnt/filler"
	run_sw "${C[@]}" import faces "$tmp/v$n.csv"
	rm -f "$mnt/filler"
	integrity "$x KiB free"
	latest=$(sql 'SELECT max(seq) FROM releases')
	if [ "$RC" = 0 ]; then
		expect_eq "$x KiB free: imported" "$latest" "$n"
	else
		sweep_failed=$((sweep_failed + 1))
		expect_eq "$x KiB free: the old release stays" "$latest" "$((n - 1))"
		expect_contains "$x KiB free: the error names the full disk" "$ERR" "No space left on device"
		run_sw "${C[@]}" import faces "$tmp/v$n.csv"
		expect_eq "$x KiB free: then the import succeeds" "$RC" 0
	fi
	expect_eq "$x KiB free: release $n complete" \
		"$(sql "SELECT seq, entries, added FROM releases ORDER BY seq DESC LIMIT 1")" "$n|$((n * 1000))|1000"
	alerts_whole "$x KiB free"
	rm -f "$tmp/v$n.csv"
done
echo "fill levels: $sweep_failed of 10 imports met the full disk"

# --- the disk full while the release is parsed ------------------------------
# 25,000 new entries with long page URLs (words, which pack as they are,
# not numbers): their texts outgrow the segment writer's buffer (1 MiB),
# so the full disk meets the first write of the segment during the parse.  That is an I/O error (exit 74) naming the
# segment, not a manifest "cannot read" as bad data (exit 65).
n=$((n + 1))
awk -v n="$n" 'BEGIN {
	print "photo,owner,page"
	for (i = 1; i <= 25000; i++) {
		o = sprintf("%08d@N01", 30000000 + i % 4999)
		printf "%d,%s,https://www.flickr.com/photos/%s/%d/in/set-Summer_Holidays_In_The_Mountains_%d/\n", n * 100000 + i, o, o, n * 100000 + i, i * 7919
	}
}' >"$tmp/big.csv"
free=$(df -k --output=avail "$mnt" | tail -1)
fallocate -l $(((free - 64) * 1024)) "$mnt/filler"
before=$(sql 'SELECT max(seq) FROM releases')
run_sw "${C[@]}" import --no-copy faces "$tmp/big.csv"
rm -f "$mnt/filler"
expect_eq "full during the parse: exit 74, an I/O error" "$RC" 74
expect_contains "full during the parse: the error names the segment" "$ERR" "cannot write the new entries to '$mnt/entries/"
expect_contains "full during the parse: and the full disk" "$ERR" "No space left on device"
expect_not_contains "full during the parse: not a bad manifest" "$ERR" "Bad message"
integrity "full during the parse"
expect_eq "full during the parse: the old release stays" "$(sql 'SELECT max(seq) FROM releases')" "$before"
expect_eq "full during the parse: no segment left behind" "$(find "$mnt/entries" -name '*.tmp' | wc -l)" 0
run_sw "${C[@]}" import --no-copy faces "$tmp/big.csv"
expect_eq "full during the parse: then the import succeeds" "$RC" 0

echo "the failed import said: $(printf '%s' "$failed_err" | tail -2)"
echo "the failed check said: $(printf '%s' "$check_err" | tail -2)"
sw_done
