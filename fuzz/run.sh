#!/usr/bin/env bash
# Fuzzes both targets (parse_any: every parser; sniff_decode) for SECONDS (default 300) each, JOBS (default 2) targets at a time,
# each corpus seeded from the fixtures in testdata/. cargo-fuzz needs a nightly compiler;
# on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use the -Z flags it needs.
#   cargo install cargo-fuzz && fuzz/run.sh 300
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-300}
JOBS=${JOBS:-2}
export RUSTC_BOOTSTRAP=1
seed() { # target, fixture folders…
    local t=$1; shift
    mkdir -p "corpus/$t"
    for d in "$@"; do
        find "../testdata/$d" -type f ! -name '*.expect.json' ! -name '*.zip' -size -256k \
            -exec cp -n {} "corpus/$t/" \; 2>/dev/null || true
    done
}
# parse_any reads its first byte as the format's index in the registry (the order
# `chatsift formats` lists them in): each fixture of testdata/<format>/ (testdata/chatsift/
# for both chatsift formats) is seeded behind its format's byte.
mkdir -p corpus/parse_any
i=0
for name in $(cargo run -q --release --manifest-path ../Cargo.toml -- formats | awk '/^[a-z]/ {print $1}'); do
    dir="../testdata/$name"; [ -d "$dir" ] || dir="../testdata/${name%%-*}"
    if [ -d "$dir" ]; then
        find "$dir" -type f ! -name '*.expect.json' ! -name '*.zip' -size -256k -print0 |
            while IFS= read -r -d '' f; do
                { printf "\\$(printf '%03o' "$i")"; cat "$f"; } >"corpus/parse_any/$i-$(cksum <"$f" | cut -d' ' -f1)"
            done
    fi
    i=$((i + 1))
done
seed sniff_decode demo encodings whatsapp telegram qq irc
targets=$(cargo fuzz list)
cargo fuzz build -O $targets >/dev/null 2>&1 || cargo fuzz build -O
run_one() {
    local t=$1
    mkdir -p logs
    if cargo fuzz run -O "$t" -- -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=4096 \
        -print_final_stats=1 >"logs/$t.log" 2>&1; then
        echo "$t: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.log" | tail -1))"
    else
        echo "$t: FAILED (see fuzz/logs/$t.log and fuzz/artifacts/$t/)"
    fi
}
export -f run_one
export SECONDS_EACH
printf '%s\n' $targets | xargs -P "$JOBS" -I{} bash -c 'run_one {}'
