#!/usr/bin/env python3
"""Issue 13's table: two chatsift binaries side by side on the runs users make, best of 3 by
wall time per cell, the two binaries interleaved so drift in the machine's speed hits both.
Prints wall, user+sys and peak RSS per run, and chatpack on the same WhatsApp export.

    benches/before-after.py BEFORE AFTER ISOON_FILE WHATSAPP_FILE

ISOON_FILE and WHATSAPP_FILE come from the bench generator, e.g.
    chatsift bench --format isoon --size 256MiB --stages parse --keep --dir /tmp/bc
    chatsift bench --format whatsapp --size 72MB --stages parse --keep --dir /tmp/wa
(the 72 MB WhatsApp export is the one benches/vs-chatpack.sh uses). chatpack is optional
(cargo install chatpack-cli).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

if len(sys.argv) != 5:
    sys.exit(__doc__)
BEFORE, AFTER, ISOON, WA = sys.argv[1:]
TMP = tempfile.mkdtemp(prefix="chatsift-before-after-")
OUT = os.path.join(TMP, "report")
CSV = os.path.join(TMP, "out.csv")


def once(argv):
    shutil.rmtree(OUT, ignore_errors=True)
    t = time.time()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return time.time() - t, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def best(argv):
    return min((once(argv) for _ in range(3)), key=lambda r: r[0])


def supports_fields(b):
    return subprocess.run([b, "messages", "--help"], capture_output=True, text=True).stdout.count("--fields") > 0


ROWS = [
    ("messages (sorted, topics) -> JSONL, isoon", lambda b: [b, "messages", ISOON, "--to", "jsonl", "-q"]),
    ("report, isoon", lambda b: [b, "report", ISOON, "-o", OUT, "-q"]),
    ("report --no-messages, isoon", lambda b: [b, "report", ISOON, "--no-messages", "-o", OUT, "-q"]),
    ("messages --to csv -o out.csv, WhatsApp", lambda b: [b, "messages", WA, "--to", "csv", "-o", CSV, "-q"]),
    ("same, --fields time,sender,body", lambda b: [b, "messages", WA, "--to", "csv", "--fields", "time,sender,body", "-o", CSV, "-q"]),
    ("same, -o /dev/null", lambda b: [b, "messages", WA, "--to", "csv", "-o", "/dev/null", "-q"]),
    ("same, --unsorted --no-topics", lambda b: [b, "messages", WA, "--to", "csv", "--unsorted", "--no-topics", "-o", "/dev/null", "-q"]),
]
print("| run | before: wall, user+sys, peak | after: wall, user+sys, peak |")
print("|---|---|---|")
for label, argv in ROWS:
    cells = []
    for b in (BEFORE, AFTER):
        if "--fields" in argv(b) and not supports_fields(b):
            cells.append("(no --fields)")
            continue
        w, c, m = best(argv(b))
        cells.append(f"{w:.2f} s, {c:.2f} s, {m:.0f} MB")
    print(f"| {label} | {cells[0]} | {cells[1]} |", flush=True)
if shutil.which("chatpack"):
    cp = os.path.join(TMP, "chatpack.csv")
    w, c, m = best(["chatpack", "whatsapp", WA, "-o", cp, "--no-merge", "--timestamps", "--keep-system-messages"])
    print(f"| chatpack -t --no-merge --keep-system-messages, same export | {w:.2f} s, {c:.2f} s, {m:.0f} MB | |")
shutil.rmtree(TMP, ignore_errors=True)
