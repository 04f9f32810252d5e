# httpd.sh: a throw-away nginx on 127.0.0.1 for the shell tests (sourced).
# httpd_start makes a temp dir with a test CA, a certificate for localhost
# and 127.0.0.1, an htpasswd file and nginx.conf (from nginx.conf.in next to
# this file), starts nginx on two free loopback ports (HTTP and HTTPS) and
# exports HTTPD_* (see httpd_start).  Put files in $HTTPD_WWW, fetch them from
# $HTTPD_URL/... or $HTTPD_TLS_URL/... (trust $HTTPD_CA), grep $HTTPD_LOG.
# Stop it with httpd_stop, e.g. "trap httpd_stop EXIT".  Optional settings
# before httpd_start: HTTPD_USER, HTTPD_PASSWORD, HTTPD_TOKEN; HTTPD_KEEP=1
# keeps the temp dir.  Needs nginx, openssl and python3.
#
# As root, nginx's workers run as "nobody": files put in $HTTPD_WWW must be
# world-readable (the usual umask 022 does it).

HTTPD_LIB=$(CDPATH='' cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# httpd_fail MESSAGE...: an error on stderr; returns 1.
httpd_fail() {
	echo "httpd: $*" >&2
	return 1
}

# httpd_free_ports: two distinct free loopback TCP ports, "HTTP HTTPS".
httpd_free_ports() {
	python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))'
}

# httpd_make_tls DIR: a CA (ca.crt) and a server certificate for
# DNS:localhost and IP:127.0.0.1 signed by it, valid 2 days, EC P-256.
httpd_make_tls() {
	local t=$1/tls
	mkdir -p "$t" || return 1
	cat >"$t/req.cnf" <<-'EOF'
		[req]
		distinguished_name = dn
		prompt = no
		x509_extensions = ca
		[dn]
		CN = scrapewatch test CA
		[ca]
		basicConstraints = critical, CA:TRUE
		keyUsage = critical, keyCertSign, cRLSign
		subjectKeyIdentifier = hash
	EOF
	cat >"$t/server.ext" <<-'EOF'
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, digitalSignature
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:localhost, IP:127.0.0.1
		authorityKeyIdentifier = keyid
	EOF
	# The keys stay owner-only: only the master, as the starting user, reads them.
	if ! {
		openssl req -x509 -config "$t/req.cnf" -newkey ec \
			-pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-keyout "$t/ca.key" -out "$t/ca.crt" &&
			openssl req -new -config "$t/req.cnf" -subj /CN=localhost \
				-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$t/server.key" -out "$t/server.csr" &&
			openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" \
				-CAkey "$t/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
				-days 2 -extfile "$t/server.ext" -out "$t/server.crt"
	} 2>"$t/openssl.err"; then
		cat "$t/openssl.err" >&2
		httpd_fail "cannot make the test certificates"
	fi
}

# httpd_start: starts nginx; sets and exports
#   HTTPD_DIR        the temp dir (nginx's prefix)
#   HTTPD_WWW        document root
#   HTTPD_CA         the CA certificate that signed the server's
#   HTTPD_HTTP_PORT, HTTPD_HTTPS_PORT
#   HTTPD_URL        http://127.0.0.1:HTTP_PORT
#   HTTPD_TLS_URL    https://localhost:HTTPS_PORT
#   HTTPD_OTHER_URL  http://localhost:HTTP_PORT (same server, other host name)
#   HTTPD_LOG        access log, one line per request (format in nginx.conf.in)
#   HTTPD_ERROR_LOG  nginx's stderr
#   HTTPD_USER, HTTPD_PASSWORD  basic auth for /private/
#   HTTPD_TOKEN      for /token/ (Authorization: Bearer) and /apikey/ (X-Api-Key)
# Returns non-zero, with the reason on stderr, if nginx does not start.
httpd_start() {
	local d ports tries=0 i
	[ -z "${HTTPD_DIR:-}" ] || httpd_fail "already started in $HTTPD_DIR" || return 1
	HTTPD_USER=${HTTPD_USER:-reader}
	HTTPD_PASSWORD=${HTTPD_PASSWORD:-open-sesame}
	HTTPD_TOKEN=${HTTPD_TOKEN:-t0ken-s3cret}
	# The token goes into nginx.conf through sed, inside double quotes.
	case $HTTPD_TOKEN in
	'' | *[!A-Za-z0-9._~+/=-]*)
		httpd_fail "HTTPD_TOKEN must be non-empty [A-Za-z0-9._~+/=-]"
		return 1
		;;
	esac
	case $HTTPD_USER in
	'' | *[:\ ]*) httpd_fail "bad HTTPD_USER '$HTTPD_USER'" || return 1 ;;
	esac
	command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
	command -v nginx >/dev/null || httpd_fail "nginx not found" || return 1

	d=$(mktemp -d "${TMPDIR:-/tmp}/httpd.XXXXXX") || return 1
	case $d in
	*[!A-Za-z0-9._/-]*)
		rm -rf "$d"
		httpd_fail "temp dir '$d' has characters nginx.conf cannot take"
		return 1
		;;
	esac
	HTTPD_DIR=$d
	# Workers of a root nginx run as "nobody" and read www/ and htpasswd.
	if ! {
		chmod 755 "$d" && mkdir -m 755 "$d/www" "$d/tmp" &&
			httpd_make_tls "$d" &&
			printf '%s:%s\n' "$HTTPD_USER" \
				"$(printf '%s\n' "$HTTPD_PASSWORD" | openssl passwd -apr1 -stdin)" \
				>"$d/htpasswd" &&
			chmod 644 "$d/htpasswd"
	}; then
		httpd_stop
		return 1
	fi
	if [ "$(id -u)" = 0 ]; then
		i=$d
		while i=${i%/*} && [ -n "$i" ]; do
			[ -n "$(find "$i" -maxdepth 0 -perm -o+x)" ] && continue
			httpd_stop
			httpd_fail "$i is not searchable by nobody (nginx's workers); set TMPDIR"
			return 1
		done
	fi

	# A free port can be taken before nginx binds it: then try new ports.
	while :; do
		tries=$((tries + 1))
		ports=$(httpd_free_ports) || {
			httpd_stop
			httpd_fail "python3 could not find free ports"
			return 1
		}
		HTTPD_HTTP_PORT=${ports% *}
		HTTPD_HTTPS_PORT=${ports#* }
		HTTPD_URL=http://127.0.0.1:$HTTPD_HTTP_PORT
		sed -e "s|@DIR@|$d|g" -e "s|@HTTP_PORT@|$HTTPD_HTTP_PORT|g" \
			-e "s|@HTTPS_PORT@|$HTTPD_HTTPS_PORT|g" \
			-e "s|@HTTP_URL@|$HTTPD_URL|g" -e "s|@USER@|$HTTPD_USER|g" \
			-e "s|@TOKEN@|$HTTPD_TOKEN|g" \
			"$HTTPD_LIB/nginx.conf.in" >"$d/nginx.conf" || {
			httpd_stop
			return 1
		}
		: >"$d/access.log"
		rm -f "$d/origin.sock" # left behind by a failed try
		nginx -p "$d" -c nginx.conf -e stderr </dev/null >/dev/null 2>"$d/error.log" &
		HTTPD_PID=$!
		# The pid file appears once the sockets are bound.
		for i in $(seq 100); do
			[ -s "$d/nginx.pid" ] && break
			kill -0 "$HTTPD_PID" 2>/dev/null || break
			sleep 0.1
		done
		if [ -s "$d/nginx.pid" ] && kill -0 "$HTTPD_PID" 2>/dev/null; then
			break
		fi
		kill -TERM "$HTTPD_PID" 2>/dev/null || true
		wait "$HTTPD_PID" 2>/dev/null || true
		HTTPD_PID=
		if [ "$tries" -lt 3 ] && grep -q 'Address already in use' "$d/error.log"; then
			continue
		fi
		echo "httpd: nginx did not start; its stderr:" >&2
		sed 's/^/  /' "$d/error.log" >&2
		httpd_stop
		return 1
	done

	HTTPD_WWW=$d/www
	HTTPD_CA=$d/tls/ca.crt
	HTTPD_TLS_URL=https://localhost:$HTTPD_HTTPS_PORT
	HTTPD_OTHER_URL=http://localhost:$HTTPD_HTTP_PORT
	HTTPD_LOG=$d/access.log
	HTTPD_ERROR_LOG=$d/error.log
	export HTTPD_DIR HTTPD_WWW HTTPD_CA HTTPD_HTTP_PORT HTTPD_HTTPS_PORT \
		HTTPD_URL HTTPD_TLS_URL HTTPD_OTHER_URL HTTPD_LOG HTTPD_ERROR_LOG \
		HTTPD_USER HTTPD_PASSWORD HTTPD_TOKEN
}

# httpd_stop: graceful quit (fast stop after 5 s, e.g. for a client still on
# /slow/), then removes HTTPD_DIR unless HTTPD_KEEP=1.  Safe to call twice
# and from an EXIT trap.
httpd_stop() {
	local d=${HTTPD_DIR:-} pid=${HTTPD_PID:-} i
	[ -n "$d" ] || return 0
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		nginx -p "$d" -c nginx.conf -e stderr -s quit 2>/dev/null ||
			kill -QUIT "$pid" 2>/dev/null || true
		# The master removes its pid file just before it exits.
		for i in $(seq 50); do
			[ -e "$d/nginx.pid" ] || break
			sleep 0.1
		done
		if [ -e "$d/nginx.pid" ]; then
			kill -TERM "$pid" 2>/dev/null || true
			for i in $(seq 50); do
				[ -e "$d/nginx.pid" ] || break
				sleep 0.1
			done
		fi
		wait "$pid" 2>/dev/null || true
	fi
	if [ "${HTTPD_KEEP:-0}" = 1 ]; then
		echo "httpd: kept $d" >&2
	else
		rm -rf "$d"
	fi
	HTTPD_DIR='' HTTPD_PID=''
	return 0
}

# httpd_log_clear: empties the access log (in place: nginx keeps it open).
httpd_log_clear() {
	: >"$HTTPD_LOG"
}

# httpd_log_wait ERE [SECONDS]: waits (default 5 s) for an access log line
# matching ERE.  nginx logs a request when it ends, which can be just after
# the client saw the last byte, or a moment after a client hung up.
httpd_log_wait() {
	local i
	for i in $(seq $((${2:-5} * 10))); do
		grep -Eq -- "$1" "$HTTPD_LOG" && return 0
		sleep 0.1
	done
	grep -Eq -- "$1" "$HTTPD_LOG"
}
