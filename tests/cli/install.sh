#!/usr/bin/env bash
# The installation and the Debian package.  `cmake --install` puts every file
# where Debian 12 wants it; the man pages are compressed, render without
# warnings, and document every command, exit status, unit and configuration
# key; `cpack -G DEB` makes a package whose dependencies are computed, whose
# configuration is a conffile and whose maintainer scripts enable and start
# nothing; lintian finds no error or warning in it; and the package
# installs, upgrades, is removed and purged in a throw-away dpkg root
# (dpkg --root), never touching this machine's packages.
#
# Nothing is compiled: a fresh build tree, configured like the release
# preset with prefix /usr, gets a copy of the binary under test, so the
# install rules and the package are those of a real build.
set -euo pipefail
SW=$1
. tests/lib/assert.sh

for tool in cmake cpack dpkg dpkg-deb dpkg-shlibdeps man groff gzip lintian; do
	if ! command -v $tool >/dev/null; then
		sw_fail "$tool not found: install Debian's cmake, dpkg-dev, man-db, groff-base and lintian"
		sw_done || exit 1
	fi
done
# dpkg finds ldconfig and the like in sbin, also when this runs unprivileged.
export PATH=$PATH:/usr/sbin:/sbin
export LC_ALL=C MANPAGER=cat MANWIDTH=80

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n 's/^project(scrapewatch VERSION \([0-9.]*\) .*/\1/p' CMakeLists.txt)
expect_contains "version from CMakeLists.txt" "$version" "."
arch=$(dpkg --print-architecture)

# run WHAT CMD...: runs CMD with its output in $tmp/log; a failure fails the
# test with that output, and stops it (what follows would only fail too).
run() {
	local what=$1
	shift
	if "$@" >"$tmp/log" 2>&1; then
		sw_pass
	else
		sw_fail "$what: '$*' failed:"$'\n'"$(cat "$tmp/log")"
		sw_done || exit 1
	fi
}

# tree DIR PREFIX: a build tree in DIR configured for PREFIX, with the binary
# under test and the compressed man pages.  CMAKE_SKIP_INSTALL_ALL_DEPENDENCY:
# cpack builds nothing before it installs.
tree() {
	run "configure for $2" cmake --preset release -B "$1" \
		-DCMAKE_INSTALL_PREFIX="$2" -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON
	cp "$SW" "$1/scrapewatch"
	run "man pages for $2" cmake --build "$1" --target scrapewatch-docs
}

# ---- cmake --install, prefix /usr ------------------------------------------

tree "$tmp/build" /usr
root=$tmp/root
run "cmake --install" env DESTDIR="$root" cmake --install "$tmp/build"

doc=usr/share/doc/scrapewatch
expected=$(
	{
		printf '%s\n' usr/bin/scrapewatch etc/scrapewatch/scrapewatch.yaml \
			lib/systemd/system/scrapewatch.service \
			lib/systemd/system/scrapewatch-check.service \
			lib/systemd/system/scrapewatch-check.timer \
			usr/share/man/man8/scrapewatch.8.gz \
			usr/share/man/man5/scrapewatch.yaml.5.gz \
			$doc/README.md.gz $doc/copyright $doc/changelog.Debian.gz \
			usr/share/lintian/overrides/scrapewatch
		(cd config/examples && find . -type f) | sed "s|^\./|$doc/examples/|"
		(cd config/datasets && find . -name '*.yaml') |
			sed "s|^\./|usr/share/scrapewatch/datasets/|"
	} | sort
)
expect_eq "installed files" "$(cd "$root" && find . ! -type d | sed 's|^\./||' | sort)" \
	"$expected"

run "installed binary runs" "$root/usr/bin/scrapewatch" --version
expect_eq "installed binary: version" "$(cat "$tmp/log")" "scrapewatch $version"
expect_eq "installed binary: mode" "$(stat -c %a "$root/usr/bin/scrapewatch")" 755
for u in scrapewatch.service scrapewatch-check.service scrapewatch-check.timer; do
	if cmp -s "systemd/$u" "$root/lib/systemd/system/$u"; then
		sw_pass
	else
		sw_fail "lib/systemd/system/$u differs from systemd/$u"
	fi
done
if cmp -s config/scrapewatch.yaml "$root/etc/scrapewatch/scrapewatch.yaml"; then
	sw_pass
else
	sw_fail "etc/scrapewatch/scrapewatch.yaml differs from config/scrapewatch.yaml"
fi
# A second install leaves the administrator's configuration alone.
echo "# edited by the administrator" >>"$root/etc/scrapewatch/scrapewatch.yaml"
run "cmake --install again" env DESTDIR="$root" cmake --install "$tmp/build"
expect_contains "cmake --install again: says so" "$(cat "$tmp/log")" \
	"Keeping: $root/etc/scrapewatch/scrapewatch.yaml"
expect_contains "cmake --install again: configuration kept" \
	"$(tail -n 1 "$root/etc/scrapewatch/scrapewatch.yaml")" "edited by the administrator"
expect_contains "copyright: machine-readable" "$(cat "$root/$doc/copyright")" \
	"Upstream-Name: scrapewatch"
expect_eq "copyright: a copyright notice with its year" \
	"$(grep -cE '^Copyright: [0-9]{4} ' "$root/$doc/copyright")" 1
# The catalogue: every entry as shipped, and the installed folder is one
# that 'scrapewatch datasets' lists whole.
catalogue=$root/usr/share/scrapewatch/datasets
expect_contains "catalogue: installed" "$(ls "$catalogue")" "ffhq.yaml"
for f in config/datasets/*.yaml; do
	if cmp -s "$f" "$catalogue/$(basename "$f")"; then
		sw_pass
	else
		sw_fail "usr/share/scrapewatch/datasets/$(basename "$f") differs from $f"
	fi
done
SCRAPEWATCH_CATALOGUE=$catalogue run "datasets of the installed catalogue" \
	"$root/usr/bin/scrapewatch" datasets --format json
expect_eq "installed catalogue: every entry listed" \
	"$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/log")" \
	"$(ls config/datasets/*.yaml | wc -l)"
if cmp -s packaging/lintian-overrides "$root/usr/share/lintian/overrides/scrapewatch"; then
	sw_pass
else
	sw_fail "usr/share/lintian/overrides/scrapewatch differs from packaging/lintian-overrides"
fi

# ---- man pages ---------------------------------------------------------------

# gzip -9n: the sources' bytes, no file name (FLG bit 3) and no time stamp
# (bytes 4-7) in the header, as Debian asks.
for pair in usr/share/man/man8/scrapewatch.8.gz:docs/man/scrapewatch.8 \
	usr/share/man/man5/scrapewatch.yaml.5.gz:docs/man/scrapewatch.yaml.5 \
	$doc/README.md.gz:README.md $doc/changelog.Debian.gz:packaging/changelog; do
	gz=${pair%%:*} src=${pair#*:}
	if [ ! -f "$root/$gz" ]; then
		sw_fail "$gz: not installed"
		continue
	fi
	if gzip -dc "$root/$gz" | cmp -s - "$src"; then
		sw_pass
	else
		sw_fail "$gz is not $src, gzipped"
	fi
	hdr=$(od -An -tu1 -N8 "$root/$gz" | tr -s ' ')
	expect_eq "$gz: gzip header without name or time" "$hdr" " 31 139 8 0 0 0 0 0"
done

# warnings FILE: what man prints on stderr while it renders FILE.
warnings() {
	man --warnings -l "$1" 2>&1 >/dev/null || echo "man -l $1 failed"
}
for page in usr/share/man/man8/scrapewatch.8.gz usr/share/man/man5/scrapewatch.yaml.5.gz; do
	expect_eq "$page renders without warnings" "$(warnings "$root/$page")" ""
done
for src in docs/man/scrapewatch.8 docs/man/scrapewatch.yaml.5; do
	expect_eq "groff -man -ww: $src" "$(groff -man -ww -z "$src" 2>&1)" ""
done
# Those checks do see a mistake.
printf '.TH X 8\n.SH NAME\nx \\- y\n.XY z\n' >"$tmp/broken.8"
expect_contains "man -l reports an unknown macro" "$(warnings "$tmp/broken.8")" "XY"

page8=$(man -l "$root/usr/share/man/man8/scrapewatch.8.gz")
page5=$(man -l "$root/usr/share/man/man5/scrapewatch.yaml.5.gz")
expect_contains "scrapewatch(8) renders" "$page8" "SCRAPEWATCH(8)"
expect_contains "scrapewatch.yaml(5) renders" "$page5" "SCRAPEWATCH.YAML(5)"

# section TEXT NAME: the lines of a rendered page's section NAME.
section() {
	printf '%s\n' "$1" | awk -v s="$2" '/^[A-Z]/ { on = ($0 == s) } on'
}
# tag TEXT WORDS: whether a rendered section has a list item (.TP) that
# starts with WORDS (at the tag's indent, followed by a space or the end).
tag() {
	printf '%s\n' "$1" | awk -v w="$2" '
		substr($0, 1, 7) == "       " && substr($0, 8, 1) != " " {
			t = substr($0, 8)
			if (t == w || index(t, w " ") == 1)
				found = 1
		}
		END { exit !found }'
}
# expect_tag WHAT TEXT WORDS
expect_tag() {
	if tag "$2" "$3"; then
		sw_pass
	else
		sw_fail "$1: no entry for '$3'"
	fi
}
if tag "$(section "$page5" FETCH)" "fetch"; then
	sw_fail "tag finds what is not an entry"
else
	sw_pass
fi

# Every command of `scrapewatch help` (the words before its arguments).
commands=$("$SW" help | sed -n '/^Commands:/,/^$/p' |
	sed -n 's/^  \([a-z][a-z ]*[a-z]\).*/\1/p' | sed 's/ \{2,\}.*//; s/ [A-Z[-].*//')
expect_contains "commands from scrapewatch help" "$commands" "config check"
cmds=$(section "$page8" COMMANDS)
while IFS= read -r c; do
	expect_tag "scrapewatch(8) COMMANDS" "$cmds" "$c"
done <<<"$commands"

# Every exit status the README lists, and the ones the code adds.
codes=$(sed -n '/^Exit codes follow sysexits/,/^$/p' README.md |
	sed 's/sysexits(3)//' | grep -o '\b[0-9]\+ ' | tr -d ' ')
expect_contains "exit codes from README.md" "$codes" "78"
exits=$(section "$page8" "EXIT STATUS")
for code in $codes 1 70 73 75; do
	expect_tag "scrapewatch(8) EXIT STATUS" "$exits" "$code"
done

envs=$(section "$page8" ENVIRONMENT)
for e in STATE_DIRECTORY CACHE_DIRECTORY CREDENTIALS_DIRECTORY NOTIFY_SOCKET JOURNAL_STREAM; do
	expect_tag "scrapewatch(8) ENVIRONMENT" "$envs" "$e"
done
units=$(section "$page8" "SYSTEMD UNITS")
for u in systemd/*.service systemd/*.timer; do
	expect_tag "scrapewatch(8) SYSTEMD UNITS" "$units" "$(basename "$u")"
done

# Every key of the README's configuration reference has its entry.
keys=$(sed -n '/^## Configuration reference/,/^## [^C]/p' README.md |
	grep '^| `' | cut -d'|' -f2 | grep -o '`[^`]*`' | tr -d '`')
expect_contains "keys from README.md" "$keys" "fetch.keep_releases"
while IFS= read -r k; do
	expect_tag "scrapewatch.yaml(5)" "$page5" "$k"
done <<<"$keys"

# The example in scrapewatch.yaml(5) is a valid configuration.
printf '%s\n' "$page5" | awk '
	/^EXAMPLE/ { on = 1; next }
	on && /^       with, in a drop-in/ { exit }
	on && /^           / { print substr($0, 12) }' >"$tmp/example.yaml"
mkdir "$tmp/creds"
echo not-a-real-password >"$tmp/creds/smtp-password"
export CREDENTIALS_DIRECTORY=$tmp/creds SCRAPEWATCH_CATALOGUE=$catalogue
run_sw -c "$tmp/example.yaml" config check
unset CREDENTIALS_DIRECTORY SCRAPEWATCH_CATALOGUE
expect_eq "scrapewatch.yaml(5) example: config check" "$RC" 0
expect_contains "scrapewatch.yaml(5) example: summary" "$OUT" "configuration OK: 1 dataset"

# ---- the Debian package ------------------------------------------------------

run "cpack -G DEB" sh -c 'cd "$1" && cpack -G DEB -B "$2"' - "$tmp/build" "$tmp/pkg"
deb=$tmp/pkg/scrapewatch_$version-1_$arch.deb
if [ ! -f "$deb" ]; then
	sw_fail "no $deb; cpack made: $(ls "$tmp/pkg")"
	sw_done || exit 1
fi

field() { dpkg-deb -f "$deb" "$1"; }
expect_eq "Package" "$(field Package)" scrapewatch
expect_eq "Version" "$(field Version)" "$version-1"
expect_eq "Architecture" "$(field Architecture)" "$arch"
expect_eq "Section" "$(field Section)" net
expect_contains "Maintainer" "$(field Maintainer)" "@"
for placeholder in example.org example.com example.net .example @localhost; do
	expect_not_contains "Maintainer: not a placeholder" "$(field Maintainer)" "$placeholder"
done
expect_contains "Description: synopsis" "$(field Description)" \
	"watches face-recognition datasets"
expect_contains "Description: nothing enabled" "$(field Description)" "neither is enabled"
# Computed by dpkg-shlibdeps: one package per library, most with a version.
depends=$(field Depends | sed 's/, /\n/g')
for lib in libc6 libcurl4 libsqlite3-0 libyaml-0-2 libsystemd0 libarchive13 \
	libssl3 libyajl2 libgmime-3.0-0; do
	if printf '%s\n' "$depends" | grep -qE "^${lib//./\\.}( \(|\$)"; then
		sw_pass
	else
		sw_fail "Depends: no $lib in:"$'\n'"$depends"
	fi
done
expect_contains "Depends: versions computed" "$depends" "libc6 (>= 2."
expect_not_contains "Depends: no -dev packages" "$depends" "-dev"

# The package holds the files cmake --install installs, owned by root.
listing=$(dpkg-deb -c "$deb")
expect_eq "package contents" \
	"$(printf '%s\n' "$listing" | awk '/^-/ { print $6 }' | sed 's|^\./||' | sort)" \
	"$expected"
expect_not_contains "nothing under /usr/local" "$listing" "./usr/local"
expect_eq "everything owned by root" \
	"$(printf '%s\n' "$listing" | awk '$2 != "root/root"')" ""
expect_contains "binary executable" "$listing" "-rwxr-xr-x root/root"

dpkg-deb -e "$deb" "$tmp/control"
expect_eq "conffiles" "$(cat "$tmp/control/conffiles")" /etc/scrapewatch/scrapewatch.yaml
# starts TEXT: lines of a maintainer script that enable or start a unit.
starts() {
	printf '%s\n' "$1" |
		grep -E 'systemctl|deb-systemd-|invoke-rc\.d|update-rc\.d' |
		grep -E -e '\<(enable|start|reenable|preset|unmask)\>' -e '--now' || true
}
expect_contains "starts sees a start" "$(starts 'systemctl enable --now x')" "enable"
for s in postinst prerm postrm; do
	f=$tmp/control/$s
	expect_eq "$s: mode" "$(stat -c %a "$f")" 755
	if sh -n "$f"; then sw_pass; else sw_fail "$s: not valid sh"; fi
	expect_eq "$s: enables and starts nothing" "$(starts "$(cat "$f")")" ""
done

# ---- lintian -----------------------------------------------------------------

# Debian's checks of the package report no error and no warning (the
# overrides in packaging/lintian-overrides give their reasons); of the info
# tags, the binary's lack of bind now (full RELRO) is not among them.
set +e
lint=$(lintian --display-info --fail-on error,warning "$deb" 2>"$tmp/lintian.err")
rc=$?
set -e
if [ "$rc" = 0 ]; then
	sw_pass
else
	sw_fail "lintian: exit status $rc, it says:"$'\n'"$lint"$'\n'"$(cat "$tmp/lintian.err")"
fi
# tagged TAG: lintian's lines with TAG.
tagged() { printf '%s\n' "$lint" | grep -F ": $1" || true; }
expect_eq "lintian: binary linked with bind now" "$(tagged hardening-no-bindnow)" ""
expect_eq "lintian: changelog present" "$(tagged no-changelog)" ""

# ---- install, upgrade, remove and purge, in a throw-away root ----------------

# dpkg --root acts on DIR's own package database.  With
# --force-script-chrootless the maintainer scripts run here with
# DPKG_ROOT=DIR (dpkg >= 1.18.5), so they touch only DIR and leave systemd
# alone.
dpkg_version=$(dpkg-query -W -f='${Version}' dpkg)
if ! dpkg --compare-versions "$dpkg_version" ge 1.18.5; then
	sw_fail "dpkg $dpkg_version does not set DPKG_ROOT for maintainer scripts"
	sw_done || exit 1
fi
dr=$tmp/dpkgroot
mkdir -p "$dr/var/lib/dpkg/info" "$dr/var/lib/dpkg/updates"
touch "$dr/var/lib/dpkg/status" "$dr/var/lib/dpkg/available"
dpkg_root() {
	dpkg --root="$dr" --log="$tmp/dpkg.log" --force-not-root --force-depends \
		--force-script-chrootless --force-confdef --force-confold "$@" </dev/null
}
status() { dpkg-query --admindir="$dr/var/lib/dpkg" -W -f='${Status}' scrapewatch 2>/dev/null || true; }

run "dpkg -i" dpkg_root -i "$deb"
expect_eq "installed" "$(status)" "install ok installed"
expect_eq "installed: binary runs" "$("$dr/usr/bin/scrapewatch" --version)" "scrapewatch $version"
expect_contains "installed: conffile recorded" \
	"$(dpkg-query --admindir="$dr/var/lib/dpkg" -s scrapewatch)" \
	" /etc/scrapewatch/scrapewatch.yaml "
expect_eq "installed: no unit enabled" \
	"$(find "$dr/etc" -path '*systemd*' -name 'scrapewatch*' 2>/dev/null)" ""
# deb-systemd-helper (Essential in Debian 12) records the links that
# enabling each unit would make, for purge to remove.
expect_eq "installed: deb-systemd-helper's record" \
	"$(ls "$dr/var/lib/systemd/deb-systemd-helper-enabled" 2>&1)" \
	"$(printf '%s\n' scrapewatch-check.timer.dsh-also scrapewatch.service.dsh-also)"

# An upgrade (the same package again) keeps the administrator's configuration.
echo "# edited by the administrator" >>"$dr/etc/scrapewatch/scrapewatch.yaml"
run "dpkg -i again" dpkg_root -i "$deb"
expect_contains "upgrade keeps the edited configuration" \
	"$(tail -n 1 "$dr/etc/scrapewatch/scrapewatch.yaml")" "edited by the administrator"

# What the service and an administrator leave behind, as systemd lays it out,
# and things that are not scrapewatch's.
mkdir -p "$dr/var/lib/private/scrapewatch" "$dr/var/cache/private/scrapewatch" \
	"$dr/var/lib/private/other" "$dr/etc/systemd/system/multi-user.target.wants" \
	"$dr/etc/systemd/system/timers.target.wants"
echo db >"$dr/var/lib/private/scrapewatch/scrapewatch.db"
echo release >"$dr/var/cache/private/scrapewatch/release"
echo keep >"$dr/var/lib/private/other/keep"
ln -s private/scrapewatch "$dr/var/lib/scrapewatch"
ln -s private/scrapewatch "$dr/var/cache/scrapewatch"
ln -s /lib/systemd/system/scrapewatch.service \
	"$dr/etc/systemd/system/multi-user.target.wants/scrapewatch.service"
ln -s /lib/systemd/system/scrapewatch-check.timer \
	"$dr/etc/systemd/system/timers.target.wants/scrapewatch-check.timer"
ln -s /lib/systemd/system/other.service \
	"$dr/etc/systemd/system/multi-user.target.wants/other.service"
# present PATH...: which of the paths (under the root) exist, as links or not.
present() {
	local p
	for p; do
		if [ -e "$dr/$p" ] || [ -L "$dr/$p" ]; then echo "$p"; fi
	done
}
ours="var/lib/private/scrapewatch var/cache/private/scrapewatch var/lib/scrapewatch
var/cache/scrapewatch etc/systemd/system/multi-user.target.wants/scrapewatch.service
etc/systemd/system/timers.target.wants/scrapewatch-check.timer"
theirs="var/lib/private/other/keep etc/systemd/system/multi-user.target.wants/other.service"

run "dpkg -r" dpkg_root -r scrapewatch
expect_eq "removed" "$(status)" "deinstall ok config-files"
expect_eq "removed: binary gone" "$(present usr/bin/scrapewatch lib/systemd/system/scrapewatch.service)" ""
expect_contains "removed: configuration kept" \
	"$(cat "$dr/etc/scrapewatch/scrapewatch.yaml")" "edited by the administrator"
expect_eq "removed: data and enablement kept" "$(present $ours)" "$(printf '%s\n' $ours)"

run "dpkg -P" dpkg_root -P scrapewatch
expect_eq "purged" "$(status)" ""
expect_eq "purged: configuration gone" "$(present etc/scrapewatch/scrapewatch.yaml)" ""
expect_eq "purged: data and enablement gone" "$(present $ours)" ""
expect_eq "purged: deb-systemd-helper's record gone" \
	"$(find "$dr/var/lib/systemd" -name 'scrapewatch*' 2>/dev/null)" ""
expect_eq "purged: others' files kept" "$(present $theirs)" "$(printf '%s\n' $theirs)"

# ---- another prefix ----------------------------------------------------------

# With prefix /opt/scrapewatch the units run the binary installed there, the
# configuration follows GNUInstallDirs (/etc/opt/...), and cpack refuses to
# make a Debian package.
tree "$tmp/opt" /opt/scrapewatch
run "cmake --install, prefix /opt/scrapewatch" env DESTDIR="$tmp/optroot" \
	cmake --install "$tmp/opt"
for u in scrapewatch.service scrapewatch-check.service; do
	f=$tmp/optroot/lib/systemd/system/$u
	expect_eq "/opt: $u runs the installed binary" \
		"$(grep '^ExecStart=' "$f" 2>&1)" \
		"$(sed -n 's|^ExecStart=/usr/bin/|ExecStart=/opt/scrapewatch/bin/|p' "systemd/$u")"
	expect_eq "/opt: $u otherwise unchanged" "$(grep -v '^ExecStart=' "$f" 2>&1)" \
		"$(grep -v '^ExecStart=' "systemd/$u")"
done
present_opt=$(cd "$tmp/optroot" && ls opt/scrapewatch/bin/scrapewatch \
	etc/opt/scrapewatch/scrapewatch/scrapewatch.yaml 2>&1)
expect_eq "/opt: binary and configuration" "$present_opt" \
	"$(printf '%s\n' etc/opt/scrapewatch/scrapewatch/scrapewatch.yaml \
		opt/scrapewatch/bin/scrapewatch)"
set +e
out=$(cd "$tmp/opt" && cpack -G DEB -B "$tmp/optpkg" 2>&1)
rc=$?
set -e
expect_eq "/opt: cpack -G DEB fails" "$rc" 1
expect_contains "/opt: cpack says why" "$out" "needs CMAKE_INSTALL_PREFIX=/usr"

sw_done
