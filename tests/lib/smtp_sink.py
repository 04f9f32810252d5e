# smtp_sink.py: the test SMTP server behind tests/lib/smtpd.sh.  Needs
# aiosmtpd (Debian's python3-aiosmtpd, so run it with /usr/bin/python3).
"""Usage: SMTPD_USER=U SMTPD_PASSWORD=P smtp_sink.py DIR

Listens on two free ports of 127.0.0.1: plain SMTP offering STARTTLS, and
SMTP over implicit TLS (smtps), both with the certificate in
DIR/tls/server.{crt,key} and AUTH PLAIN / LOGIN for U with P.  Writes:
  DIR/ready           "SMTP_PORT SMTPS_PORT" once both ports listen
  DIR/mail/NNNN.json  per message taken at DATA: its envelope (mail_from,
                      rcpt_tos), tls, auth (the user, or null), port...
  DIR/mail/NNNN.eml   then the message, the bytes received (after SMTP's
                      dot-unstuffing), so an .eml means its .json is there
  DIR/smtp.log        "TIME COMMAND CODE from=... to=...,... [msg=NNNN]"
                      per MAIL, RCPT, DATA and AUTH outcome; CODE is the
                      reply's code, or "drop" when the connection was cut
DIR/control is read at each EHLO, MAIL, RCPT and DATA: KEY=VALUE lines, "#"
starts a comment.  Keys (smtpd.sh checks the values it writes):
  require_tls=yes|no   MAIL without TLS gets 530 (default yes); with "no",
                       AUTH is also offered before STARTTLS
  require_auth=yes|no  MAIL without AUTH gets 530 (default yes)
  fail_data=N          the next N DATA get fail_data_reply
  fail_data_reply=TEXT default "451 4.3.0 Temporary failure (test)"
  drop_data=N          the next N messages are stored (with "dropped":
                       true), then the connection is closed without a reply
  reject_rcpt=GLOB,... RCPT TO matching a glob (case-insensitive) gets 550
  fail_random=P        each DATA fails with probability P (0 to 1): half of
                       them get fail_data_reply, half are dropped as by
                       drop_data, drawn from a generator seeded with
  seed=X               (default 0); setting either again restarts it
fail_data is counted before drop_data, then fail_random.  A count restarts when its line
changes (see serverlib.control_lines).
"""
import asyncio
import fnmatch
import json
import os
import random
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from serverlib import (control_lines, exit_with_parent, loopback_socket,
                       server_tls, write_atomic)

DEFAULTS = {"require_tls": "yes", "require_auth": "yes"}
TEMPFAIL = "451 4.3.0 Temporary failure (test)"


def tls_on(server):
    """Whether the connection of SERVER (an SMTP instance) is encrypted,
    by STARTTLS or implicit TLS."""
    return server.transport.get_extra_info("ssl_object") is not None


def yes(value):
    return value.lower() in ("yes", "true", "1", "on")


class Sink:
    """aiosmtpd handler: checks and records transactions, fails on demand."""

    def __init__(self, directory):
        self.dir = directory
        self.seq = 0
        self.counts = {}  # key -> [control line, what is left]
        self.rng = None   # (control lines, random.Random) for fail_random
        self.user = os.environ["SMTPD_USER"].encode()
        self.password = os.environ["SMTPD_PASSWORD"].encode()
        self.log_file = open(os.path.join(directory, "smtp.log"), "a",
                             encoding="utf-8", buffering=1)

    def control(self):
        """KEY -> (value, line) from DIR/control, defaults filled in."""
        ctl = {key: (value, "") for key, value in DEFAULTS.items()}
        for line, text in control_lines(os.path.join(self.dir, "control")):
            key, _, value = text.partition("=")
            ctl[key.strip()] = (value.strip(), line)
        return ctl

    def take(self, ctl, key):
        """Counts one down from the count KEY; false once none is left."""
        value, line = ctl.get(key, ("0", ""))
        if self.counts.get(key, [None])[0] != line:
            self.counts[key] = [line, int(value or 0)]
        if self.counts[key][1] <= 0:
            return False
        self.counts[key][1] -= 1
        return True

    def chance(self, ctl):
        """A draw for fail_random: None (no failure), "fail" or "drop"."""
        p, p_line = ctl.get("fail_random", ("0", ""))
        seed, seed_line = ctl.get("seed", ("0", ""))
        if not self.rng or self.rng[0] != (p_line, seed_line):
            self.rng = ((p_line, seed_line), random.Random(seed))
        r = self.rng[1]
        if r.random() >= float(p or 0):
            return None
        return "fail" if r.random() < 0.5 else "drop"

    def log(self, command, reply, *fields):
        code = reply.split(" ", 1)[0]
        words = " ".join((f"{time.time():.3f}", command, code) + fields)
        self.log_file.write(words + "\n")

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == self.user
              and auth_data.password == self.password)
        login = getattr(auth_data, "login", b"") or b""
        self.log("AUTH", "235" if ok else "535",
                 "user=" + login.decode(errors="replace"))
        # handled=False: aiosmtpd answers 535 itself; True would send nothing
        # and leave the client waiting.
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data if ok else None)

    async def handle_MAIL(self, server, session, envelope, address, options):
        ctl = self.control()
        if yes(ctl["require_tls"][0]) and not tls_on(server):
            reply = "530 5.7.0 Must issue a STARTTLS command first"
        elif yes(ctl["require_auth"][0]) and not session.authenticated:
            reply = "530 5.7.0 Authentication required"
        else:
            envelope.mail_from = address
            envelope.mail_options.extend(options)
            reply = "250 2.1.0 OK"
        self.log("MAIL", reply, "from=" + address)
        return reply

    async def handle_RCPT(self, server, session, envelope, address, options):
        globs = self.control().get("reject_rcpt", ("", ""))[0].split(",")
        if any(g.strip() and fnmatch.fnmatchcase(address.lower(),
                                                 g.strip().lower())
               for g in globs):
            reply = "550 5.1.1 Recipient rejected (test)"
        else:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
            reply = "250 2.1.5 OK"
        self.log("RCPT", reply, "to=" + address)
        return reply

    async def handle_DATA(self, server, session, envelope):
        ctl = self.control()
        fields = ("from=" + envelope.mail_from,
                  "to=" + ",".join(envelope.rcpt_tos))
        failed = self.take(ctl, "fail_data")
        draw = None if failed else self.chance(ctl)
        if failed or draw == "fail":
            reply = ctl.get("fail_data_reply", ("", ""))[0] or TEMPFAIL
            self.log("DATA", reply, *fields)
            return reply
        dropped = self.take(ctl, "drop_data") or draw == "drop"
        name = self.store(server, session, envelope, dropped)
        if dropped:
            self.log("DATA", "drop", *fields, "msg=" + name)
            server.transport.close()
            return "250 2.0.0 (not sent: the connection is closed)"
        self.log("DATA", "250", *fields, "msg=" + name)
        return "250 2.0.0 OK queued as " + name

    def store(self, server, session, envelope, dropped):
        """Writes mail/NNNN.json, then mail/NNNN.eml; returns NNNN."""
        self.seq += 1
        name = "%04d" % self.seq
        login = session.auth_data.login if session.authenticated else None
        meta = {
            "n": self.seq,
            "time": time.time(),
            "port": server.transport.get_extra_info("sockname")[1],
            "helo": session.host_name,
            "tls": tls_on(server),
            "auth": login.decode(errors="replace") if login else None,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "size": len(envelope.original_content),
            "dropped": dropped,
        }
        base = os.path.join(self.dir, "mail", name)
        write_atomic(base + ".json", json.dumps(meta, indent=1).encode())
        write_atomic(base + ".eml", envelope.original_content)
        return name


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP, offering AUTH before TLS only when the control file
    does not require TLS, and counting implicit TLS as TLS (aiosmtpd knows
    only STARTTLS)."""

    async def smtp_EHLO(self, hostname):
        # aiosmtpd reads this at EHLO (to offer AUTH) and at AUTH.
        self._auth_require_tls = (
            yes(self.event_handler.control()["require_tls"][0])
            and not tls_on(self))
        await super().smtp_EHLO(hostname)


def serve(loop, sink, tls, implicit):
    """Starts one listener; returns its port."""
    sock = loopback_socket()

    def factory():
        return SinkSMTP(sink, hostname="smtpd.test", loop=loop,
                        tls_context=None if implicit else tls,
                        authenticator=sink.authenticate)

    loop.run_until_complete(loop.create_server(
        factory, sock=sock, ssl=tls if implicit else None))
    return sock.getsockname()[1]


def main():
    directory = sys.argv[1]
    # aiosmtpd's own AUTH code sets the attribute it deprecates.
    warnings.filterwarnings("ignore", "Session.login_data is deprecated")
    os.makedirs(os.path.join(directory, "mail"), exist_ok=True)
    sink = Sink(directory)
    tls = server_tls(directory)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    ports = [serve(loop, sink, tls, implicit) for implicit in (False, True)]
    exit_with_parent()
    write_atomic(os.path.join(directory, "ready"),
                 ("%d %d\n" % tuple(ports)).encode())
    loop.run_forever()


if __name__ == "__main__":
    main()
