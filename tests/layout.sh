#!/usr/bin/env bash
# The source tree's plan, checked: daemon/ has one folder per stage of the
# pipeline, and a file includes only its own folder and the folders below
# it, in this order from the bottom up (folders on one line are siblings:
# neither includes the other):
#
#   vocab.h        the words every stage shares (daemon/vocab.h)
#   lib/           buffers, logging, files, text: no knowledge of datasets
#   parse/         manifest formats, entries, Flickr identifiers
#   config/ store/ the configuration; the database
#   fetch/         downloads and decoding
#   index/ alert/  releases into the index; alert content, routing, delivery
#   match/         watches against entries: events and the alerts they cause
#   service/       opening, landing a release, schedule, the daemon
#   cli/           the commands (included by main.c alone)
#
# Every include of the project's own headers names its folder
# ("lib/buf.h"), so a reader sees where it goes; and no two modules include
# each other, directly or round a longer loop.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib/assert.sh
. tests/lib/servers.sh # SW_PYTHON

report=$("$SW_PYTHON" - <<'EOF'
import os, re, sys

RANK = {"": 0, "lib": 1, "parse": 2, "config": 3, "store": 3, "fetch": 4,
        "index": 5, "alert": 5, "match": 6, "service": 7, "cli": 8}
TOP = "main.c"  # above everything

def folder(path):
    parts = path.split("/")
    return "" if len(parts) == 1 else parts[0]

files = sorted(os.path.relpath(os.path.join(d, f), "daemon")
               for d, _, fs in os.walk("daemon") for f in fs
               if f.endswith((".c", ".h")))
problems = []
graph = {}
for f in files:
    here = folder(f)
    if f != TOP and here not in RANK:
        problems.append(f"{f}: folder '{here}' is not in the plan")
        continue
    module = f.rsplit(".", 1)[0]
    for n, line in enumerate(open(os.path.join("daemon", f)), 1):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if not m:
            continue
        inc = m.group(1)
        if not os.path.exists(os.path.join("daemon", inc)):
            problems.append(f"{f}:{n}: '{inc}' is not a path under daemon/")
            continue
        there = folder(inc)
        graph.setdefault(module, set()).add(inc.rsplit(".", 1)[0])
        if f == TOP or there == here:
            continue
        if there == "cli":
            problems.append(f"{f}:{n}: includes '{inc}': only {TOP} may include cli/")
        elif RANK.get(there, 99) >= RANK[here]:
            problems.append(f"{f}:{n}: includes '{inc}': {there or 'daemon'}/ is not below {here}/")

# Include cycles between modules (foo.c and foo.h are one module).
index, low, stack, on, cycles = {}, {}, [], set(), []
def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v); on.add(v)
    for w in sorted(graph.get(v, ())):
        if w == v:
            continue
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop(); on.discard(w); scc.append(w)
            if w == v:
                break
        if len(scc) > 1:
            cycles.append(" <-> ".join(sorted(scc)))
sys.setrecursionlimit(10000)
for v in sorted(graph):
    if v not in index:
        visit(v)
problems += [f"include cycle: {c}" for c in cycles]
print("\n".join(problems))
EOF
)
expect_eq "includes that go up, sideways or round in a loop" "$report" ""
sw_done
