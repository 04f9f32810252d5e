#!/usr/bin/env bash
# The systemd units in systemd/: `systemd-analyze verify` has nothing to say
# about them, their sandbox scores at most 2.0 in `systemd-analyze security`,
# and the daemon and the timer's service share one sandbox.
#
# Neither command needs a running systemd: this works where PID 1 is
# something else (a container), as root or not.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

if ! command -v systemd-analyze >/dev/null; then
	sw_fail "systemd-analyze not found: install Debian's 'systemd' package"
	sw_done || exit 1
fi
# A caller's log settings would add lines to the output checked below.
unset SYSTEMD_LOG_LEVEL SYSTEMD_LOG_TARGET SYSTEMD_LOG_LOCATION SYSTEMD_LOG_TIME

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
UNITS="scrapewatch.service scrapewatch-check.service scrapewatch-check.timer"
SERVICES="scrapewatch.service scrapewatch-check.service"

# verify checks that each ExecStart= binary exists, so the copies run the
# binary under test instead of /usr/bin/scrapewatch (/bin/kill, for
# ExecReload=, is there).  The path is quoted and escaped for a unit file.
exe=$(readlink -f -- "$SW")
q=${exe//\\/\\\\}
q=${q//\"/\\\"}
q=\"${q//%/%%}\"
# copy_unit NAME DESTDIR: systemd/NAME with ExecStart= running $exe.
copy_unit() {
	EXE=$q awk '
		index($0, "ExecStart=/usr/bin/scrapewatch ") == 1 {
			sub(/^ExecStart=\/usr\/bin\/scrapewatch/, "")
			$0 = "ExecStart=" ENVIRON["EXE"] $0
		}
		{ print }' "systemd/$1" >"$2/$1"
}
mkdir "$dir/units"
for u in $UNITS; do
	copy_unit "$u" "$dir/units"
done
for u in $SERVICES; do
	expect_contains "$u: ExecStart rewritten" "$(cat "$dir/units/$u")" \
		"ExecStart=$q "
done

# run_verify DIR: systemd-analyze verify on the three units in DIR, setting
# OUT (stdout and stderr together) and RC.  --man=no: the man pages named
# by Documentation= need not be installed.  verify also reads the system's
# unit directories (for network-online.target and the like) and any
# drop-ins for these names under /etc/systemd/system.
run_verify() {
	set +e
	OUT=$(cd "$1" && systemd-analyze verify --man=no \
		"$PWD/scrapewatch.service" "$PWD/scrapewatch-check.service" \
		"$PWD/scrapewatch-check.timer" 2>&1)
	RC=$?
	set -e
}

run_verify "$dir/units"
expect_eq "verify: no output" "$OUT" ""
expect_eq "verify: status" "$RC" 0

# verify reports unknown keys and bad values but still exits 0, so the
# checks above are on its output.  Make sure it does report these mistakes
# here, or "no output" would prove nothing.
# broken WHAT NEEDLE UNIT SED: verify with UNIT edited by SED says NEEDLE.
broken() {
	rm -rf "$dir/broken"
	cp -r "$dir/units" "$dir/broken"
	sed -i "$4" "$dir/broken/$3"
	run_verify "$dir/broken"
	expect_contains "verify catches $1" "$OUT" "$2"
}
broken "an unknown key" "Typo" scrapewatch.service \
	's/^\[Service\]$/&\nTypo=1/'
broken "a bad value" "notfiy" scrapewatch.service 's/^Type=notify$/Type=notfiy/'
broken "a missing binary" "$dir/nonexistent" scrapewatch-check.service \
	"s|^ExecStart=[^ ]*|ExecStart=$dir/nonexistent|"
broken "a bad timer" "hourlyy" scrapewatch-check.timer \
	's/^OnCalendar=hourly$/OnCalendar=hourlyy/'
# (It does not report a timer whose service is missing.)

# security --offline=yes reads the unit file instead of asking systemd.
# --root: the copies are looked up in ROOT/etc/systemd/system, so that
# drop-ins on this machine (/etc/systemd/system/NAME.d/) are not counted.
# The binary need not exist.  Sets OUT, RC and SCORE ("1.1").
run_security() {
	set +e
	OUT=$(systemd-analyze --no-pager security --offline=yes \
		--root="$dir/root" --threshold=20 "$1" 2>&1)
	RC=$?
	set -e
	SCORE=$(printf '%s\n' "$OUT" |
		sed -n "s/.*Overall exposure level for $1: \([0-9.]*\) .*/\1/p")
}
# at_most WHAT SCORE LIMIT
at_most() {
	if [[ $2 =~ ^[0-9]+\.[0-9]+$ ]] &&
		awk -v s="$2" -v l="$3" 'BEGIN { exit !(s <= l) }'; then
		sw_pass
	else
		sw_fail "$1: exposure '$2', want at most $3 in:"$'\n'"$OUT"
	fi
}

mkdir -p "$dir/root/etc/systemd/system"
for u in $SERVICES; do
	cp "$dir/units/$u" "$dir/root/etc/systemd/system/"
	run_security "$u"
	echo "$u: exposure $SCORE"
	at_most "$u" "$SCORE" 2.0
	# --threshold is on a 0-100 scale: 20 is 2.0.
	expect_eq "$u: security status" "$RC" 0
done

# The parsing above finds a score that is too high: an unsandboxed unit.
cat >"$dir/root/etc/systemd/system/bare.service" <<EOF
[Service]
Type=notify
ExecStart=$q daemon
EOF
run_security bare.service
echo "bare.service: exposure $SCORE"
expect_eq "bare.service: over the threshold" "$RC" 1
if [[ $SCORE =~ ^[0-9]+\.[0-9]+$ ]] &&
	awk -v s="$SCORE" 'BEGIN { exit !(s > 2.0) }'; then
	sw_pass
else
	sw_fail "bare.service: exposure '$SCORE', want more than 2.0"
fi

# Both services run `scrapewatch` on the same database and configuration:
# their sandboxes must not drift apart.  Everything in [Service] but how
# each is run is the same.
sandbox() {
	sed -n '/^\[Service\]$/,/^\[/p' "systemd/$1" | grep -v -e '^#' -e '^$' \
		-e '^\[' -e '^Type=' -e '^NotifyAccess=' -e '^Exec' \
		-e '^Restart' -e '^Timeout' -e '^WatchdogSec=' -e '^Nice=' \
		-e '^IOScheduling'
}
expect_eq "same sandbox for the daemon and the check" \
	"$(sandbox scrapewatch-check.service)" "$(sandbox scrapewatch.service)"
expect_contains "the sandbox is compared" "$(sandbox scrapewatch.service)" \
	"ProtectSystem=strict"

sw_done
