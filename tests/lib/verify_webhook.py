#!/usr/bin/env python3
# verify_webhook.py: checks the Standard Webhooks signature of a request
# recorded by webhook_receiver.py (webhookd.sh), independently of
# scrapewatch's code; Python's standard library only.
"""Usage: verify_webhook.py [--tolerance SECONDS] SECRET LOG [REQUEST]

SECRET   the signing secret: base64, optionally after "whsec_"
LOG      the receiver's requests.log ($WEBHOOKD_LOG)
REQUEST  the request's number n (1 is the first), or its webhook-id (the
         last request with it); default: the last request
Checks (https://www.standardwebhooks.com): webhook-id is there;
webhook-timestamp is an integer within SECONDS (default 300) of the
request's arrival; one of the space-separated webhook-signature entries is
"v1,<base64>" of HMAC-SHA256(key, id + "." + timestamp + "." + body).
Exits 0 saying which request verified; 1 with the reason it does not;
2 when the secret is not base64 (or empty) or there is no such request.
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import json
import re
import sys


def find(log, want):
    """The record REQUEST names in LOG, or None."""
    with open(log, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    if want is None:
        return records[-1] if records else None
    if want.isdigit():
        return next((r for r in records if r["n"] == int(want)), None)
    hits = [r for r in records if header(r, "webhook-id") == want]
    return hits[-1] if hits else None


def header(record, name):
    """The first value of header NAME (any case) in RECORD, or None."""
    return next((v for k, v in record["headers"] if k.lower() == name), None)


def body(record):
    if "body_base64" in record:
        return base64.b64decode(record["body_base64"])
    return record["body"].encode("utf-8")


def problem(key, record, tolerance):
    """None when a signature of RECORD verifies with KEY, else why not."""
    msg_id = header(record, "webhook-id")
    ts = header(record, "webhook-timestamp")
    sigs = (header(record, "webhook-signature") or "").split()
    if not msg_id:
        return "no webhook-id header"
    if ts is None or not re.fullmatch(r"[0-9]+", ts):
        return f"webhook-timestamp {ts!r} is not an integer"
    skew = int(ts) - record["time"]
    if abs(skew) > tolerance:
        return (f"webhook-timestamp {ts} is {skew:+.0f} s from the arrival "
                f"(tolerance {tolerance} s)")
    signed = f"{msg_id}.{ts}.".encode() + body(record)
    want = hmac.new(key, signed, hashlib.sha256).digest()
    v1 = [s[3:] for s in sigs if s.startswith("v1,")]
    for value in v1:
        try:
            got = base64.b64decode(value, validate=True)
        except binascii.Error:
            continue
        if hmac.compare_digest(got, want):
            return None
    return (f"none of the {len(v1)} v1 signatures in webhook-signature "
            f"{' '.join(sigs)!r} matches")


def usage_error(message):
    print("verify_webhook: " + message, file=sys.stderr)
    sys.exit(2)


def main():
    p = argparse.ArgumentParser(description="Checks a recorded webhook's "
                                "Standard Webhooks signature.")
    p.add_argument("--tolerance", type=float, default=300)
    p.add_argument("secret")
    p.add_argument("log")
    p.add_argument("request", nargs="?")
    a = p.parse_args()
    raw = a.secret[6:] if a.secret.startswith("whsec_") else a.secret
    try:
        key = base64.b64decode(raw, validate=True)
    except binascii.Error:
        key = b""
    if not key:
        usage_error("the secret is not base64 (after an optional whsec_)")
    record = find(a.log, a.request)
    if record is None:
        usage_error(f"no request {a.request or ''} in {a.log}")
    why = problem(key, record, a.tolerance)
    name = f"request {record['n']} ({record['method']} {record['path']})"
    if why:
        print(f"{name}: {why}")
        return 1
    print(f"{name}: ok, webhook-id {header(record, 'webhook-id')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
