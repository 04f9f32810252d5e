#!/usr/bin/env bash
# quickstart.sh: runs INSIDE the booted Debian 12 container that
# tests/systemd/run makes (as sw-quickstart.service, a oneshot unit started
# at boot), and does what README.md's "Quick start on a server" says, as a
# root user at a shell would: `apt install` the package from the clone, copy
# the shipped photographer example and edit it (it takes its two datasets
# from the catalogue, here a copy of the installed one whose two entries
# point at file:// releases "published" under /srv/datasets, named by
# catalogue:; its mail goes to a loopback SMTP server, and a webhook
# subscriber is added by a drop-in in /etc/scrapewatch/conf.d/), put each
# secret in
# /etc/scrapewatch/credentials/NAME (mode 600) loaded by LoadCredential= in
# the drop-in `systemctl edit` would write, `scrapewatch config check`,
# `systemctl enable --now scrapewatch`; then it publishes a second release,
# reloads a good and a bad configuration, runs `scrapewatch status`, stops
# the daemon, runs scrapewatch-check.service once and its timer, and
# `apt purge`s the package.  Every outcome is written as a KEY=VALUE line to
# /var/tmp/quickstart/outcome (which the purge does not touch); the host
# asserts on it after the container has powered off (the unit's
# SuccessAction=/FailureAction=).  This script asserts nothing itself and
# carries on after a failed step, so the outcome says all that went wrong.
#
# Laid out by the host: the clone in /root/scrapewatch (the .deb in
# build/release/, the test servers in tests/lib/), the release files to
# publish in /var/tmp/quickstart/publish/, a test CA and a certificate for
# 127.0.0.1 in /var/tmp/quickstart/tls/.
set -euo pipefail

Q=/var/tmp/quickstart
OUTCOME=$Q/outcome
CLONE=/root/scrapewatch
CFG=/etc/scrapewatch/scrapewatch.yaml
CREDS=/etc/scrapewatch/credentials
SMTP_USER=photographer@example.org
export DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 LC_ALL=C.UTF-8
: >"$OUTCOME"

# rec KEY VALUE: one outcome line; newlines in VALUE become " | ".
rec() {
	local v=${2//$'\n'/ | }
	printf '%s=%s\n' "$1" "$v" >>"$OUTCOME"
	printf 'quickstart: %s=%s\n' "$1" "$v"
}
# try KEY CMD...: runs CMD, recording KEY.rc, and KEY.output (its stdout
# and stderr, the last 20 lines, without apt's progress) when it failed;
# never fails.  try_out: KEY.output whatever the exit status.
try() { run_cmd no "$@"; }
try_out() { run_cmd yes "$@"; }
run_cmd() {
	local always=$1 key=$2 rc=0
	shift 2
	"$@" >"$Q/$key.log" 2>&1 || rc=$?
	rec "$key.rc" "$rc"
	if [ "$always" = yes ] || [ "$rc" != 0 ]; then
		rec "$key.output" "$(tr '\r' '\n' <"$Q/$key.log" |
			grep -v -e '^(Reading database' -e '^WARNING: apt does not have' -e '^$' | tail -n 20)"
	fi
	return 0
}
# wait_for SECONDS CMD...: until CMD succeeds, every 0.5 s; 1 on timeout.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}
# show PROPERTY [UNIT]: one property of a unit, as systemctl show says it.
show() { systemctl show -P "$1" "${2:-scrapewatch.service}"; }
# stamp: the time now, for journalctl --since.
stamp() { date '+%Y-%m-%d %H:%M:%S'; }
# journal_has SINCE TEXT: whether the daemon logged TEXT since SINCE.
journal_has() {
	journalctl -q -u scrapewatch.service --since "$1" -o cat 2>/dev/null | grep -qF -- "$2"
}
# status_json PYTHON-EXPR: evaluates EXPR on `scrapewatch status --format
# json` (as s) and prints it; fails if status fails.
status_json() {
	scrapewatch status --format json 2>/dev/null |
		python3 -c 'import json, sys; s = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
# releases_are SPEC: whether the newest releases are SPEC ("ffhq=1
# yfcc100m=1") and no alert is pending.
releases_are() {
	[ "$(status_json '" ".join("%s=%s" % (d["name"], (d.get("release") or {}).get("number")) for d in s["datasets"] if d["configured"]) + " pending=%d" % s["alerts"]["pending"]')" = "$1 pending=0" ]
}
# received N: whether the webhook receiver and the SMTP server each took
# at least N requests (any more are counted at the end).
received() {
	[ "$(grep -c . "$Q/webhook/requests.log" 2>/dev/null || true)" -ge "$1" ] &&
		[ "$(find "$Q/smtp/mail" -name '*.eml' 2>/dev/null | wc -l)" -ge "$1" ]
}
# daemon_up: whether the daemon runs (a reload under way included).
daemon_up() {
	case $(systemctl is-active scrapewatch.service) in
	active | reloading) return 0 ;;
	*) return 1 ;;
	esac
}
done_or_down() { releases_are "$1" || ! daemon_up; }
# state: the datasets' newest releases and the outbox, or why not.
state() {
	status_json '" ".join("%s=%s" % (d["name"], (d.get("release") or {}).get("number")) for d in s["datasets"]) + " alerts=%r" % s["alerts"]' 2>/dev/null ||
		echo "scrapewatch status failed: $(scrapewatch status 2>&1 | tail -n 3)"
}
# settle N SPEC KEY: waits (while the daemon runs) until the newest
# releases are SPEC, nothing is pending and N alerts of each kind came;
# records KEY: ok, or what went wrong.
settle() {
	local why=''
	wait_for 120 done_or_down "$2" || why=timeout
	if ! daemon_up; then
		why="the daemon is $(systemctl is-active scrapewatch.service) ($(show Result), $(show NRestarts) restarts)"
	elif [ -z "$why" ] && ! wait_for 30 received "$1"; then
		why="fewer than $1 alerts by webhook or mail"
	fi
	if [ -z "$why" ]; then
		sleep 3 # any duplicate would come within this
		rec "$3" ok
	else
		rec "$3" "$why; $(state)"
	fi
}

finish() {
	local rc=$?
	journalctl -q -b --no-pager -o short-precise >"$Q/journal.txt" 2>&1 || true
	journalctl -q -u scrapewatch.service -u scrapewatch-check.service --no-pager \
		-o short-precise >"$Q/scrapewatch.journal" 2>&1 || true
	# The daemon's errors, each once with how often.
	rec daemon.errors "$(journalctl -q -u scrapewatch.service -u scrapewatch-check.service \
		-p err -o cat 2>/dev/null | sort | uniq -c | sort -rn | head -n 5 |
		sed 's/^ *\([0-9]*\) \(.*\)/\2 (x\1)/' || true)"
	rec script.exit "$rc"
}
trap finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

rec boot.system "$(systemctl is-system-running 2>&1 || true)"
rec boot.cgroup "$(stat -f -c %T /sys/fs/cgroup)"

# ---- the test servers: a webhook receiver and an SMTP server on loopback ----
for s in webhook smtp; do
	mkdir -p "$Q/$s"
	cp -r "$Q/tls" "$Q/$s/"
done
: >"$Q/webhook/requests.log"
python3 "$CLONE/tests/lib/webhook_receiver.py" "$Q/webhook" \
	</dev/null >/dev/null 2>"$Q/webhook/server.err" &
SMTP_PASSWORD=$(head -c 18 /dev/urandom | base64 -w0)
SMTPD_USER=$SMTP_USER SMTPD_PASSWORD=$SMTP_PASSWORD \
	python3 "$CLONE/tests/lib/smtp_sink.py" "$Q/smtp" \
	</dev/null >/dev/null 2>"$Q/smtp/server.err" &
if wait_for 20 test -e "$Q/webhook/ready" -a -e "$Q/smtp/ready"; then
	read -r HOOK_PORT _ <"$Q/webhook/ready"
	read -r SMTP_PORT _ <"$Q/smtp/ready"
	rec servers ok
else
	rec servers "did not start: $(cat "$Q"/*/server.err)"
	exit 1
fi

# ---- install the package -----------------------------------------------------
cd "$CLONE"
try install apt install -y ./build/release/scrapewatch_*.deb
rec install.status "$(dpkg-query -W -f='${Status}' scrapewatch 2>&1 || true)"
rec install.enabled "$(systemctl is-enabled scrapewatch.service scrapewatch-check.timer 2>&1 | paste -sd, || true)"
rec install.active "$(systemctl is-active scrapewatch.service 2>&1 || true)"

# ---- publish the first releases ----------------------------------------------
# publish FILE DEST: what a dataset's maintainers do: the file at the URL is
# replaced whole.
publish() {
	install -D -m 644 "$Q/publish/$1" "$2.new"
	mv -f "$2.new" "$2"
}
publish ffhq-v1.json /srv/datasets/ffhq/ffhq-dataset-v2.json
publish yfcc100m_dataset.bz2 /srv/datasets/yfcc100m/yfcc100m_dataset.bz2

# ---- the configuration, from the shipped example -----------------------------
cp /usr/share/doc/scrapewatch/examples/photographer.yaml "$CFG"
# The example takes ffhq and yfcc100m from the installed catalogue
# (/usr/share/scrapewatch/datasets, what `scrapewatch datasets` lists).
# Here they are published under /srv/datasets instead: the editor copies
# the catalogue, points the two entries at the files (yfcc100m's format
# reads the bzip2 TSV as it does the SQLite edition), and names the copy
# with catalogue:.  Then ffhq checked every 15 s (so that a new release is
# seen soon), the mail server, its CA, and the drop-ins.
CATALOGUE=/etc/scrapewatch/datasets
rec catalogue.installed "$(scrapewatch datasets --format json 2>&1 |
	python3 -c 'import json, sys; print(" ".join(d["name"] for d in json.load(sys.stdin)))' 2>&1)"
rec catalogue.shipped "$(cd "$CLONE/config/datasets" && ls -- *.yaml | sed 's/\.yaml$//' | LC_ALL=C sort | paste -sd' ')"
cp -r /usr/share/scrapewatch/datasets "$CATALOGUE"
edit_file() { # edit_file FILE SED-EXPR: one edit of FILE, which must change it
	local before
	before=$(cat "$1")
	sed -i "$2" "$1"
	[ "$(cat "$1")" != "$before" ] || rec edit.failed "$1: $2"
}
edit() { edit_file "$CFG" "$1"; } # edit SED-EXPR: one edit of the configuration
edit_file "$CATALOGUE/ffhq.yaml" 's|^google_drive: { id: 16N0RV4fHI6joBuKbQAoG34V_cQk7vxSA }$|url: file:///srv/datasets/ffhq/ffhq-dataset-v2.json|'
# The local releases are the demo's, not NVIDIA's file: no MD5 pin.
edit_file "$CATALOGUE/ffhq.yaml" '/^md5: /d'
edit_file "$CATALOGUE/yfcc100m.yaml" 's|^url: https://multimedia-commons.s3-us-west-2.amazonaws.com/tools/etc/yfcc100m_dataset.sql$|url: file:///srv/datasets/yfcc100m/yfcc100m_dataset.bz2|'
edit '/use: ffhq$/,/interval:/s|interval: 7d|interval: 15s|'
edit "s|url: smtp://smtp.example.org:587|url: smtp://127.0.0.1:$SMTP_PORT|"
edit "0,/^datasets:/s|^datasets:|include: conf.d/*.yaml\\ncatalogue: $CATALOGUE\\n\\n&|"
install -m 644 "$Q/tls/ca.crt" /etc/scrapewatch/mail-ca.pem
cat >>"$CFG" <<-'EOF'

	alerts:
	  ca_file: /etc/scrapewatch/mail-ca.pem
EOF
mkdir -p /etc/scrapewatch/conf.d
cat >/etc/scrapewatch/conf.d/10-webhook.yaml <<-EOF
	# The photographer's own system also gets every alert, by webhook.
	subscribers:
	  my-archive:
	    webhook: http://127.0.0.1:$HOOK_PORT/hooks/scrapewatch
	    secret: { credential: webhook-secret }

	watch:
	  - subscriber: my-archive
	    flickr: { nsid: 12345678@N00, alias: janedoe }
EOF
cp "$CFG" "$Q/scrapewatch.yaml"

# The secrets, each in a file only root can read.
install -d -m 700 "$CREDS"
install -m 600 /dev/null "$CREDS/smtp-password"
printf '%s\n' "$SMTP_PASSWORD" >"$CREDS/smtp-password"
HOOK_SECRET=whsec_$(head -c 32 /dev/urandom | base64 -w0)
install -m 600 /dev/null "$CREDS/webhook-secret"
printf '%s\n' "$HOOK_SECRET" >"$CREDS/webhook-secret"
rec creds.mode "$(stat -c '%a %U' "$CREDS" "$CREDS/smtp-password" "$CREDS/webhook-secret" | paste -sd,)"

# `systemctl edit scrapewatch` (and scrapewatch-check, for the timer), as
# the file it writes.
for unit in scrapewatch scrapewatch-check; do
	mkdir -p "/etc/systemd/system/$unit.service.d"
	cat >"/etc/systemd/system/$unit.service.d/override.conf" <<-EOF
		[Service]
		LoadCredential=smtp-password:$CREDS/smtp-password
		LoadCredential=webhook-secret:$CREDS/webhook-secret
	EOF
done
systemctl daemon-reload

export CREDENTIALS_DIRECTORY=$CREDS
try_out config.check scrapewatch config check
rec security "$(systemd-analyze security scrapewatch.service 2>&1 | grep 'Overall exposure' || true)"

# ---- start the daemon ----------------------------------------------------------
try start systemctl enable --now scrapewatch
rec start.active "$(systemctl is-active scrapewatch 2>&1 || true)"
rec start.status "$(show StatusText)"
MAINPID=$(show MainPID)

# Release 1 of both datasets: a baseline each, by mail and by webhook.
settle 2 "ffhq=1 yfcc100m=1" release1.wait

# ---- a new release ---------------------------------------------------------------
publish ffhq-v2.json /srv/datasets/ffhq/ffhq-dataset-v2.json
# One photo added, one removed: two alerts of each kind more.
settle 4 "ffhq=2 yfcc100m=1" release2.wait

# ---- systemctl reload: a good configuration -----------------------------------
cat >/etc/scrapewatch/conf.d/20-megaface.yaml <<-'EOF'
	datasets:
	  - name: megaface
	    url: file:///srv/datasets/megaface/megaface_paths.txt
	    format: paths
EOF
publish megaface_paths.txt /srv/datasets/megaface/megaface_paths.txt
try_out reload.good.check scrapewatch config check
since=$(stamp)
try reload.good systemctl reload scrapewatch
wait_for 20 journal_has "$since" "Configuration reloaded" || true
rec reload.good.journal "$(journalctl -q -u scrapewatch --since "$since" -o cat | grep -m1 -e 'Configuration reloaded' -e 'running one stays' || echo none)"
wait_for 10 sh -c 'systemctl show -P StatusText scrapewatch | grep -q "^3 datasets"' || true
rec reload.good.active "$(systemctl is-active scrapewatch 2>&1 || true)"
rec reload.good.status "$(show StatusText)"
rec reload.good.mainpid "$([ "$(show MainPID)" = "$MAINPID" ] && echo same || echo "changed from $MAINPID to $(show MainPID)")"
# The new dataset is checked at once: a baseline by mail and by webhook.
if journal_has "$since" "Configuration reloaded"; then
	settle 5 "ffhq=2 yfcc100m=1 megaface=1" reload.good.wait
else
	rec reload.good.wait "not waited for: the daemon did not reload"
fi

# ---- systemctl reload: a bad configuration -----------------------------------
cat >/etc/scrapewatch/conf.d/30-typo.yaml <<-'EOF'
	datasets:
	  - name: diveface
	    url: file:///srv/datasets/diveface/diveface_paths.txt
	    format: path
EOF
try_out reload.bad.check scrapewatch config check
since=$(stamp)
try reload.bad systemctl reload scrapewatch
wait_for 20 journal_has "$since" "running one stays" || true
rec reload.bad.journal "$(journalctl -q -u scrapewatch --since "$since" -o cat | grep -m1 -e 'Configuration reloaded' -e 'running one stays' || echo none)"
sleep 1
rec reload.bad.active "$(systemctl is-active scrapewatch 2>&1 || true)"
rec reload.bad.status "$(show StatusText)"
rec reload.bad.mainpid "$([ "$(show MainPID)" = "$MAINPID" ] && echo same || echo "changed from $MAINPID to $(show MainPID)")"
# The administrator fixes the typo; nothing needs reloading.
rm -f /etc/scrapewatch/conf.d/30-typo.yaml

# ---- the unit, as systemd sees it -------------------------------------------------
for p in ActiveState SubState NRestarts StatusText Result MainPID; do
	rec "show.$p" "$(show "$p")"
done

# ---- scrapewatch status, as a user would ----------------------------------------
try status scrapewatch status
cp "$Q/status.log" "$Q/status.txt"
rec status.datasets "$(grep -E '^[^ ].*  every ' "$Q/status.log" | awk '{ print $1 }' | paste -sd' ' || true)"
rec status.outbox "$(sed -n '/^outbox/,$p' "$Q/status.log" | sed 1d | awk '{ $1 = $1; print }' | paste -sd, || true)"

# ---- what the webhook receiver and the SMTP server got ---------------------------
# One line per webhook-id: its posts, its event type and dataset, and
# whether every post of it carries a good Standard Webhooks signature
# (verify_webhook.py, independently of scrapewatch's code).
count_webhooks() {
	python3 - "$Q/webhook/requests.log" <<-'EOF'
		import json, sys
		ids = {}
		for line in open(sys.argv[1], encoding="utf-8"):
		    r = json.loads(line)
		    h = {k.lower(): v for k, v in r["headers"]}
		    wid = h.get("webhook-id", "none")
		    try:
		        b = json.loads(r.get("body", ""))
		        what = "%s %s" % (b.get("type"), b.get("data", {}).get("dataset", {}).get("name"))
		    except ValueError:
		        what = "unparsable"
		    i = ids.setdefault(wid, {"posts": 0, "n": [], "what": what})
		    i["posts"] += 1
		    i["n"].append(str(r["n"]))
		    if r["method"] != "POST" or r["status"] != 200:
		        i["what"] += " (%s, status %s)" % (r["method"], r["status"])
		for wid, i in ids.items():
		    print(wid, i["posts"], ",".join(i["n"]), i["what"].replace(" ", "/"))
	EOF
}
webhook_summary() {
	local wid posts ns what n ok total=0 ids=0 bad=0
	while read -r wid posts ns what; do
		ids=$((ids + 1)) total=$((total + posts)) ok=yes
		for n in ${ns//,/ }; do
			if ! python3 "$CLONE/tests/lib/verify_webhook.py" "$HOOK_SECRET" \
				"$Q/webhook/requests.log" "$n" >>"$Q/verify.log" 2>&1; then
				ok=no bad=$((bad + 1))
			fi
		done
		rec "$1.$wid" "posts=$posts event=${what//\// } verified=$ok"
	done < <(count_webhooks)
	rec "$1.ids" "$ids"
	rec "$1.posts" "$total"
	rec "$1.unverified" "$bad"
}
webhook_summary webhook
# The mail: per Message-ID (the alert's id), how many messages; and how the
# server was reached.
python3 - "$Q/smtp/mail" <<-'EOF' >"$Q/mail.summary"
	import email, glob, json, os, sys
	ids, tls, auth = {}, set(), set()
	for eml in sorted(glob.glob(os.path.join(sys.argv[1], "*.eml"))):
	    meta = json.load(open(eml[:-4] + ".json"))
	    tls.add(str(meta.get("tls")))
	    auth.add(str(meta.get("auth")))
	    msg = email.message_from_binary_file(open(eml, "rb"))
	    mid = msg.get("Message-ID", "none").strip("<>")
	    ids.setdefault(mid, [0, " ".join(msg.get("Subject", "").split())])[0] += 1
	for mid, (n, subject) in ids.items():
	    print("mail.%s=posts=%d subject=%s" % (mid, n, subject))
	print("mail.ids=%d" % len(ids))
	print("mail.messages=%d" % sum(n for n, _ in ids.values()))
	print("mail.tls=%s" % ",".join(sorted(tls)))
	print("mail.auth=%s" % ",".join(sorted(auth)))
EOF
while IFS='=' read -r k v; do rec "$k" "$v"; done <"$Q/mail.summary"

# ---- systemctl stop ------------------------------------------------------------------
t0=$(date +%s.%N)
try stop systemctl stop scrapewatch
t1=$(date +%s.%N)
rec stop.seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
for p in ActiveState Result ExecMainCode ExecMainStatus; do
	rec "stop.$p" "$(show "$p")"
done
rec stop.journal "$(journalctl -q -u scrapewatch -o cat | grep -m1 'Stopping (signal' || echo none)"

# ---- the timer's service, once, with the daemon stopped ---------------------------------
try check systemctl start scrapewatch-check.service
for p in Result ExecMainCode ExecMainStatus; do
	rec "check.$p" "$(show "$p" scrapewatch-check.service)"
done
rec check.journal "$(journalctl -q -u scrapewatch-check.service -o cat | tail -n 8)"
try timer systemctl start scrapewatch-check.timer
rec timer.active "$(systemctl is-active scrapewatch-check.timer 2>&1 || true)"
rec timer.next "$(show NextElapseUSecRealtime scrapewatch-check.timer)"
systemctl stop scrapewatch-check.timer || true

# ---- a command run by hand: as root it is refused, as the unit's user ----
# it works (README.md and scrapewatch(8) say so), and no file in the unit's
# directories becomes root's.
try_out byhand.root scrapewatch check
try_out byhand.unit systemd-run --pipe --wait -p User=scrapewatch \
	-p DynamicUser=yes -p StateDirectory=scrapewatch -p CacheDirectory=scrapewatch \
	-p LoadCredential=smtp-password:$CREDS/smtp-password \
	-p LoadCredential=webhook-secret:$CREDS/webhook-secret \
	/usr/bin/scrapewatch check
rec byhand.rootfiles "$(find /var/lib/private/scrapewatch /var/cache/private/scrapewatch \
	-user root 2>&1 | head -n 3 | paste -sd, || true)"
# Nothing was sent twice, by the daemon or the check.
sleep 2
webhook_summary after_check.webhook

# ---- apt purge --------------------------------------------------------------------------
try purge apt purge -y scrapewatch
rec purge.status "$(dpkg-query -W -f='${Status}' scrapewatch 2>/dev/null | grep -v not-installed || echo not-installed)"
left=()
for p in /var/lib/scrapewatch /var/lib/private/scrapewatch /var/cache/scrapewatch \
	/var/cache/private/scrapewatch /usr/bin/scrapewatch /lib/systemd/system/scrapewatch.service \
	/usr/share/scrapewatch/datasets \
	/etc/scrapewatch/scrapewatch.yaml /etc/systemd/system/multi-user.target.wants/scrapewatch.service; do
	if [ -e "$p" ] || [ -L "$p" ]; then left+=("$p"); fi
done
rec purge.left "${left[*]:-none}"
# What the administrator wrote is theirs: kept (recorded, not asserted).
rec purge.kept "$(find /etc/scrapewatch /etc/systemd/system/scrapewatch.service.d 2>/dev/null | sort | paste -sd' ' || true)"
