# setup.sh: shared by demo/run and tests/run (sourced, not run).
# Installs the Debian packages scrapewatch needs to build and test, and builds
# one CMake preset.  Idempotent: a second run installs nothing and rebuilds
# only what changed.

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
)

sw_install_packages() {
	local missing=() p
	for p in "${SW_PACKAGES[@]}"; do
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

# sw_build PRESET: configure and build build/PRESET.
sw_build() {
	cmake --preset "$1" >/dev/null &&
		cmake --build --preset "$1" -j "$(nproc)"
}
