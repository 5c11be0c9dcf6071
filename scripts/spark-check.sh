#!/usr/bin/env bash
# Runs the bundled Spark SQL (sql/spark/) in local[2] mode over chatsift Parquet datasets of
# the demo corpus and a generated corpus, and checks each query equals chatsift's own CSV
# row for row (scripts/sql_check.py). Installs what it needs: Debian's
# openjdk-17-jre-headless when there is no java, and pyspark 4.x from PyPI (about 0.5 GB).
#
#   scripts/spark-check.sh [WORKDIR]      (default: a temporary folder, removed after)
#   scripts/spark-check.sh --install-only (exit 1 when Java or pyspark cannot be installed)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if ! command -v java >/dev/null 2>&1; then
    echo "installing openjdk-17-jre-headless"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >/tmp/chatsift-java.log 2>&1 \
        || { apt-get update -q >>/tmp/chatsift-java.log 2>&1 \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >>/tmp/chatsift-java.log 2>&1; } || true
fi
if ! python3 -c 'import pyspark, sys; sys.exit(0 if pyspark.__version__.startswith("4.") else 1)' 2>/dev/null; then
    echo "installing pyspark 4.x"
    python3 -m pip install -q --disable-pip-version-check 'pyspark>=4,<5' >/tmp/chatsift-pyspark.log 2>&1 || true
fi
if ! command -v java >/dev/null 2>&1 || ! python3 -c 'import pyspark' 2>/dev/null; then
    echo "spark-check: Java or pyspark could not be installed (see /tmp/chatsift-java.log, /tmp/chatsift-pyspark.log)" >&2
    exit 1
fi
[ "${1:-}" = "--install-only" ] && exit 0
cargo build --release --locked -q
bin=target/release/chatsift
work=${1:-$(mktemp -d)}
[ -n "${1:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
# A generated corpus of every leak layout and two app formats (as tests/parquet.rs uses).
"$bin" bench --size 400KB --dir "$work/generated" --keep --stages read \
    --format isoon --format conti-jabber --format rocketchat --format blackbasta \
    --format trickbot --format whatsapp --format telegram >/dev/null
status=0
for set in demo generated; do
    case $set in
        demo) input=testdata/demo; zone=+08:00 ;;
        generated) input=$work/generated; zone=Europe/Moscow ;;
    esac
    out=$work/$set
    mkdir -p "$out"
    "$bin" timeline "$input" --by day --tz "$zone" -o "$out/timeline.csv" -q
    "$bin" topics "$input" --by week --tz "$zone" -o "$out/topics.csv" -q
    "$bin" people "$input" --tz "$zone" -o "$out/people.csv" -q
    "$bin" graph "$input" --tz "$zone" -o "$out/edges.csv" -q
    "$bin" messages "$input" --tz "$zone" --to parquet-dataset -o "$out/ds" -q
    echo "== $set ($input, --tz $zone)"
    # Spark's own log lines go to a file, shown only when the check fails.
    if ! python3 scripts/sql_check.py spark "$out/ds" "$out" 2>"$work/spark-$set.log"; then
        status=1
        tail -n 40 "$work/spark-$set.log" >&2
    fi
done
echo "spark-check: $([ $status = 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - start )) s"
exit $status
