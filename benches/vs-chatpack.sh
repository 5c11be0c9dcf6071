#!/usr/bin/env bash
# chatsift beside chatpack (https://crates.io/crates/chatpack-cli), the fastest peer we know,
# on the same generated WhatsApp export (about 1M messages, 72 MB, Android layout, with system
# lines, media placeholders, multi-line bodies and messages containing "left"/"added"),
# converted to CSV. Prints wall time, MB/s and the rows each wrote, beside the true count.
#   cargo build --release && cargo install chatpack-cli && benches/vs-chatpack.sh [SIZE] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-72MB}
RUNS=${2:-3}
BIN=target/release/chatsift
command -v chatpack >/dev/null || { echo "chatpack not found: cargo install chatpack-cli"; exit 2; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
# The bench generator writes the corpus and says how many records it wrote.
$BIN bench --format whatsapp --size "$SIZE" --runs 1 --keep --dir "$DIR" >"$DIR/gen.txt" 2>&1
IN="$DIR/WhatsApp Chat with Lin Wei.txt"
TRUE=$(grep -o '([0-9,]* messages generated)' "$DIR/gen.txt" | tr -dc 0-9)
BYTES=$(stat -c %s "$IN")
best() { # command… → best wall seconds of RUNS
    local b=
    for _ in $(seq "$RUNS"); do
        local s e
        s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
        b=$(python3 -c "import sys;t=$e-$s;b='$b';print(min(t,float(b)) if b else t)")
    done
    echo "$b"
}
rows() { python3 -c "import csv,sys;csv.field_size_limit(1<<30);r=list(csv.reader(open(sys.argv[1],newline='',encoding='utf-8')));print(len(r)-1)" "$1"; }
# chatpack prints how many messages it wrote; its CSV (`;`, bodies unquoted) cannot be read back.
cp_count() { chatpack whatsapp "$IN" -o "$DIR/chatpack.csv" "$@" 2>&1 | grep -a 'Parsed:' | tr -dc 0-9; }
# Real messages (not system lines) mentioning "left" or "added", in each output.
cp_words() { grep -ac '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]*;[^;]*;.*\b\(left\|added\)\b' "$DIR/chatpack.csv" || true; }
T_CS=$(best $BIN messages "$IN" --to csv -o "$DIR/chatsift.csv" -q)
# The same with only what chatpack writes (time, sender, body): --fields.
T_CSF=$(best $BIN messages "$IN" --to csv --fields time,sender,body -o "$DIR/chatsift-fields.csv" -q)
N_CSF=$(rows "$DIR/chatsift-fields.csv")
T_CP=$(best chatpack whatsapp "$IN" -o "$DIR/chatpack.csv" --no-merge --timestamps --keep-system-messages)
N_CS=$(rows "$DIR/chatsift.csv")
W_CS=$(python3 - "$DIR/chatsift.csv" <<'PY'
import csv,sys,re
csv.field_size_limit(1<<30)
r=csv.DictReader(open(sys.argv[1],newline='',encoding='utf-8'))
print(sum(1 for x in r if x['kind']!='system' and re.search(r'\b(left|added)\b',x['body'])))
PY
)
S_CS=$(python3 - "$DIR/chatsift.csv" <<'PY'
import csv,sys
csv.field_size_limit(1<<30)
print(sum(1 for x in csv.DictReader(open(sys.argv[1],newline='',encoding='utf-8')) if x['kind']=='system'))
PY
)
N_CP=$(cp_count --no-merge --timestamps --keep-system-messages); W_CP=$(cp_words)
N_CPD=$(cp_count --no-merge --timestamps); W_CPD=$(cp_words)
python3 - "$BYTES" "$TRUE" "$T_CS" "$T_CP" "$N_CS" "$N_CP" "$W_CS" "$W_CP" "$RUNS" "$N_CPD" "$W_CPD" "$S_CS" "$T_CSF" "$N_CSF" <<'PY'
import sys
b,true,tcs,tcp,ncs,ncp,wcs,wcp,runs,ncpd,wcpd,scs,tcsf,ncsf=sys.argv[1:]
b=int(b);tcs=float(tcs);tcp=float(tcp);tcsf=float(tcsf)
print(f"WhatsApp export: {b/1e6:.1f} MB, {int(true):,} records generated ({int(scs):,} of them system lines); best of {runs} runs each")
print(f"| tool | seconds | MB/s | rows written | real messages mentioning left/added |")
print(f"|---|---|---|---|---|")
print(f"| chatsift `messages --to csv` | {tcs:.2f} | {b/1e6/tcs:.0f} | {int(ncs):,} | {int(wcs):,} |")
print(f"| chatsift `messages --to csv --fields time,sender,body` | {tcsf:.2f} | {b/1e6/tcsf:.0f} | {int(ncsf):,} | |")
print(f"| chatpack `--no-merge --timestamps --keep-system-messages` | {tcp:.2f} | {b/1e6/tcp:.0f} | {int(ncp):,} | {int(wcp):,} |")
print(f"| chatpack `--no-merge --timestamps` (untimed) | | | {int(ncpd):,} | {int(wcpd):,} |")
print(f"chatsift is {tcp/tcs:.1f}x faster with every field, {tcp/tcsf:.1f}x with --fields time,sender,body; chatsift wrote {'every' if int(ncs)==int(true) else 'NOT every'} record; chatpack wrote {int(true)-int(ncp):,} fewer rows ({int(true)-int(ncpd):,} fewer by default)")
PY
