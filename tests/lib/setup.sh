# setup.sh: shared by demo/run and tests/run (sourced, not run; webhookd.sh
# reads SW_NODE_MODULES from it).  Installs the Debian packages scrapewatch
# needs to build and test, and the npm package the webhook tests verify
# with, and builds one CMake preset.  Idempotent: a second run installs
# nothing and rebuilds only what changed.

# Build and run-time libraries, the test servers, and the tools the tests use
# (chromium renders alert mail to PNG, headless).
SW_PACKAGES=(
	build-essential cmake pkg-config
	libcurl4-openssl-dev libsqlite3-dev sqlite3 libyaml-dev libsystemd-dev
	libarchive-dev libssl-dev libyajl-dev libgmime-3.0-dev zlib1g-dev
	libsnappy-dev libzstd-dev # Parquet pages: SNAPPY and ZSTD
	nginx-light python3 python3-aiosmtpd python3-prometheus-client openssl curl systemd
	gzip bzip2 xz-utils zstd
	dpkg-dev man-db groff-base
	lintian # tests/cli/install.sh: Debian's checks of the package
	clang-format pmccabe
	clang libclang-rt-14-dev # tests/fuzz/run: the libFuzzer targets
	debootstrap systemd-container # tests/systemd/run: the quick start, booted
	chromium
	nodejs npm # the webhook tests' second verifier (sw_install_node)
)
# Present when their command is, whoever packaged it (NodeSource's nodejs
# brings its own npm, which Debian's npm package would conflict with).
SW_COMMANDS=(nodejs npm)

# Where sw_install_node puts the npm library, for NODE_PATH: a folder of its
# own, so that nothing else installed with npm under build/ changes it.
SW_NODE_MODULES=$(CDPATH='' cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/standardwebhooks/node_modules
# And DuckDB's, which writes and reads the Parquet files of tests/cli/parquet.sh.
SW_DUCKDB_NODE_MODULES=${SW_NODE_MODULES%/standardwebhooks/node_modules}/node/node_modules

# sw_install_packages: the Debian packages above (only those missing),
# then the npm library (sw_install_node).
sw_install_packages() {
	sw_install_debs && sw_install_node
}

sw_install_debs() {
	local missing=() p
	for p in "${SW_PACKAGES[@]}"; do
		[[ " ${SW_COMMANDS[*]} " == *" $p "* ]] && command -v "$p" >/dev/null && continue
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "Installing: ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "error: run as root, or install them first: apt-get install ${missing[*]}" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# sw_install_node: the Standard Webhooks library for JavaScript, which
# tests/lib/standardwebhooks_receiver.js verifies every webhook of the
# tests with, into build/standardwebhooks (NODE_PATH=$SW_NODE_MODULES);
# nothing to do when it is there.  Then DuckDB (@duckdb/node-api, which
# carries its own library) into build/node, the same way.
sw_install_node() {
	sw_install_npm "$SW_NODE_MODULES" standardwebhooks standardwebhooks@1 &&
		sw_install_npm "$SW_DUCKDB_NODE_MODULES" @duckdb/node-api @duckdb/node-api@1.5.6-r.1
}

# sw_install_npm MODULES NAME SPEC: npm's SPEC into MODULES, unless NAME is there.
sw_install_npm() {
	[ -f "$1/$2/package.json" ] && return 0
	echo "Installing the npm package $3 into ${1%/node_modules}"
	mkdir -p "${1%/node_modules}" &&
		npm install --prefix "${1%/node_modules}" --no-audit --no-fund \
			--no-update-notifier --loglevel=error "$3" >/dev/null
}

# sw_build PRESET: configure and build build/PRESET.
sw_build() {
	cmake --preset "$1" >/dev/null &&
		cmake --build --preset "$1" -j "$(nproc)"
}
