#!/usr/bin/env bash
# Secrets stay out of core dumps: a daemon whose configuration holds a
# bearer token and an SMTP password (systemd credentials) keeps them in
# memory marked "dd" (MADV_DONTDUMP) in /proc/PID/smaps, so a core taken
# with gdb's gcore holds neither; and the process is not dumpable, so the
# kernel makes its /proc/PID files root's and another process of the same
# user may not read its environment.  Run as root, the daemon runs as
# nobody (as the unit's dynamic user would be: not root) and root takes the
# core; run as another user, the daemon runs as that user, whose core
# cannot be taken at all (ptrace is refused), which is checked instead.
# /proc/sys/kernel/core_pattern is left alone: gcore writes its own file.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

tmp=$(mktemp -d)
pid=''
trap '[ -z "$pid" ] || { kill -TERM "$pid"; wait "$pid"; } 2>/dev/null || true; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

if [ "$(id -u)" = 0 ]; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	user=65534
else
	as_user=()
	user=$(id -u)
fi

token=bearer-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
password=smtp-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir "$tmp/creds" "$tmp/state"
printf '%s\n' "$token" >"$tmp/creds/token"
printf '%s\n' "$password" >"$tmp/creds/smtp-password"
printf 'a/1.jpg\nb/2.jpg\n' >"$tmp/list.txt"
chmod 400 "$tmp/creds"/*
[ "$user" = "$(id -u)" ] || chown -R "$user" "$tmp/creds" "$tmp/state"
export CREDENTIALS_DIRECTORY=$tmp/creds

# Without the secrets first, to check the dataset once: the daemon then has
# nothing due for a day and only holds its configuration (no request has
# copied the token into libcurl's memory).
config() {
	cat <<-EOF
		state_dir: $tmp/state
		datasets:
		  - name: list
		    url: "file://$tmp/list.txt"
		    format: paths
	EOF
	[ "${1:-}" = plain ] || cat <<-EOF
		    bearer: { credential: token }
		smtp:
		  url: smtps://127.0.0.1:1
		  from: alerts@example.org
		  user: alerts
		  password: { credential: smtp-password }
	EOF
}
config plain >"$tmp/plain.yaml"
config >"$tmp/sw.yaml"
"${as_user[@]}" "$SW" -c "$tmp/plain.yaml" check >/dev/null

"${as_user[@]}" "$SW" -c "$tmp/sw.yaml" daemon >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q 'Started' "$tmp/daemon.log" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	sw_pass
else
	sw_fail "the daemon did not start: $(cat "$tmp/daemon.log")"
fi
sleep 0.5

# --- not dumpable: /proc/PID is root's, its environment closed ---------------
expect_eq "/proc/PID/environ belongs to root" "$(stat -c %u "/proc/$pid/environ")" 0
if "${as_user[@]}" cat "/proc/$pid/environ" >/dev/null 2>&1; then
	sw_fail "the daemon's user can read /proc/$pid/environ"
else
	sw_pass
fi

# --- the secrets' pages are left out of a core ---------------------------------
if [ "$(id -u)" != 0 ]; then
	# Nobody but root may read a process that is not dumpable.
	if gcore -o "$tmp/core" "$pid" >/dev/null 2>&1; then
		sw_fail "gcore took a core of a process that is not dumpable"
	else
		sw_pass
	fi
	sw_done
	exit
fi
# where SECRET: the VmFlags of each mapping whose memory holds SECRET.
where() {
	python3 - "$pid" "$1" <<'EOF'
import re, sys
pid, secret = sys.argv[1], sys.argv[2].encode()
maps, cur = [], None
for line in open(f"/proc/{pid}/smaps"):
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
    if m:
        cur = [int(m[1], 16), int(m[2], 16), m[3], ""]
        maps.append(cur)
    elif line.startswith("VmFlags:"):
        cur[3] = line.split(":", 1)[1].strip()
with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
    for lo, hi, perms, flags in maps:
        if perms[0] != "r" or hi - lo > 1 << 30:
            continue
        try:
            mem.seek(lo)
            if secret in mem.read(hi - lo):
                print(flags)
        except OSError:
            pass
EOF
}
# in_dd_only WHAT SECRET: SECRET is in memory, only in mappings marked dd.
in_dd_only() {
	local flags
	flags=$(where "$2")
	if [ -n "$flags" ] && ! grep -qv -w dd <<<"$flags"; then
		sw_pass
	else
		sw_fail "$1: mappings that hold it: ${flags:-none}; want only ones marked dd"
	fi
}
in_dd_only "the bearer token's memory (MADV_DONTDUMP)" "$token"
in_dd_only "the SMTP password's memory (MADV_DONTDUMP)" "$password"
# A sanitizer's shadow and allocator regions make a core of many
# gigabytes that takes minutes: there, the flags above say it all.
if grep -q -e libasan -e libtsan "/proc/$pid/maps"; then
	echo "SKIP: gcore of a sanitizer build" >&2
	sw_done
	exit
fi
gcore -o "$tmp/core" "$pid" >"$tmp/gcore.log" 2>&1 || true
core=$tmp/core.$pid
if [ -s "$core" ]; then
	sw_pass
else
	sw_fail "gcore wrote no core: $(cat "$tmp/gcore.log")"
fi
expect_eq "the bearer token is not in the core" "$(grep -c -a -F "$token" "$core" || true)" 0
expect_eq "the SMTP password is not in the core" "$(grep -c -a -F "$password" "$core" || true)" 0
# The core is a real one: the configuration's other strings are in it.
expect_eq "the core holds the configuration" \
	"$([ "$(grep -c -a -F "file://$tmp/list.txt" "$core" || true)" -gt 0 ] && echo yes)" yes
kill -TERM "$pid"
wait "$pid" || true
pid=''
sw_done
