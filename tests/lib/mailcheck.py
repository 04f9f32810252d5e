#!/usr/bin/env python3
# mailcheck.py: checks an email message file (e.g. an .eml that smtpd.sh's
# server stored) with Python's email package and prints a JSON summary.
"""Usage: mailcheck.py FILE

Prints one JSON object:
  headers          From, To, Date, Subject (decoded), Message-ID,
                   MIME-Version, List-Unsubscribe, List-Unsubscribe-Post
                   (null when absent)
  structure        the content-type tree: {"type", "parts": [...]} for a
                   multipart, {"type", "charset", "encoding"} for a leaf
                   (encoding: its Content-Transfer-Encoding, null if none)
  alternative      whether a multipart/alternative holds a text/plain and
                   a text/html part
  max_line_length  the longest line in octets, without its line ending
  defects          what the parser found wrong, per part ("1" is the
                   message, "1.2" its second part), and text that does not
                   decode in its charset
  raw_8bit_headers headers with bytes above 127 (not RFC 2047-encoded)
  problems         why the exit status is 1, if it is
Exits 1 on defects, a line over 998 octets (RFC 5322 2.1.1) or raw 8-bit
header bytes; 2 when FILE cannot be read.
"""
import email
import email.policy
import json
import sys

HEADERS = ("From", "To", "Date", "Subject", "Message-ID", "MIME-Version",
           "List-Unsubscribe", "List-Unsubscribe-Post")
MAX_LINE = 998


def defect(d):
    """A defect's class name, and its message if it has one."""
    return type(d).__name__ + (f": {d}" if str(d) else "")


def check_part(part, number, found):
    """PART's node of the structure; adds to FOUND's defects and
    raw_8bit_headers."""
    node = {"type": part.get_content_type()}
    for (name, raw), (_, value) in zip(part.raw_items(), part.items()):
        # Bytes the parser could not decode stay as surrogates (above 127).
        if any(ord(c) > 127 for c in raw):
            found["raw_8bit_headers"].append(f"{number}: {name}")
        found["defects"] += [f"{number}: {name}: {defect(d)}"
                             for d in getattr(value, "defects", ())]
    if part.is_multipart():
        node["parts"] = [check_part(p, f"{number}.{i}", found)
                         for i, p in enumerate(part.iter_parts(), 1)]
    else:
        node["charset"] = part.get_content_charset()
        cte = part.get("Content-Transfer-Encoding")
        node["encoding"] = str(cte).lower() if cte else None
        payload = part.get_payload(decode=True)  # notes decoding defects
        if part.get_content_maintype() == "text":
            try:
                payload.decode(node["charset"] or "us-ascii")
            except (LookupError, UnicodeDecodeError) as e:
                found["defects"].append(f"{number}: text: {e}")
    found["defects"] += [f"{number}: {defect(d)}" for d in part.defects]
    return node


def has_alternative(node):
    kids = [p["type"] for p in node.get("parts", [])]
    if (node["type"] == "multipart/alternative" and "text/plain" in kids
            and "text/html" in kids):
        return True
    return any(has_alternative(p) for p in node.get("parts", []))


def summary(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    found = {"defects": [], "raw_8bit_headers": []}
    structure = check_part(msg, "1", found)
    lines = raw.split(b"\n")
    longest = max(len(line[:-1] if line.endswith(b"\r") else line)
                  for line in lines)
    problems = list(found["defects"])
    problems += [f"raw 8-bit bytes in header {h}"
                 for h in found["raw_8bit_headers"]]
    if longest > MAX_LINE:
        problems.append(f"a line of {longest} octets (at most {MAX_LINE})")
    return {
        "headers": {h: str(msg[h]) if h in msg else None for h in HEADERS},
        "structure": structure,
        "alternative": has_alternative(structure),
        "max_line_length": longest,
        "defects": found["defects"],
        "raw_8bit_headers": found["raw_8bit_headers"],
        "problems": problems,
    }


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], "rb") as f:
            raw = f.read()
    except OSError as e:
        print(f"mailcheck: {e}", file=sys.stderr)
        return 2
    result = summary(raw)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
