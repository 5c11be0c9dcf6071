#!/bin/bash
# Byte-identity of two chatsift binaries: every command over the same input (default testdata),
# outputs, stdout and stderr compared with diff -r. For refactors that must not change behaviour:
#   OLD=/path/to/old/chatsift scripts/compare-binaries.sh
OLD=${OLD:?set OLD to the old binary}; NEW=${NEW:-target/release/chatsift}
IN=${IN:-testdata}
W=$(mktemp -d); fail=0
run() { # name args...
  local name=$1; shift
  mkdir -p $W/old $W/new
  "$OLD" "$@" -q -o $W/old/$name > $W/old/$name.stdout 2>$W/old/$name.err; echo $? > $W/old/$name.rc
  "$NEW" "$@" -q -o $W/new/$name > $W/new/$name.stdout 2>$W/new/$name.err; echo $? > $W/new/$name.rc
}
for t in jsonl csv timesketch l2tcsv; do run msg-$t messages $IN --to $t --threads 2; done
run msg-unsorted messages $IN --unsorted --dedup --threads 2
run timeline timeline $IN --by week
run timeline-wide timeline $IN --wide --fill
run people people $IN
run topics topics $IN --by month
run topics-pp topics $IN --per-person
run topics-ex topics $IN --examples 3 --why
run sample topics $IN --sample 40 --why
run graph graph $IN
run graph-ch graph $IN --channels-as-nodes
run report report $IN --threads 2
printf "[[person]]\nname = \"Vega\"\nids = [\"vega*\", \"*lapa*\"]\n" > $W/al.toml
run msg-alias messages $IN --alias $W/al.toml --threads 2
run msg-alias-u messages $IN --alias $W/al.toml --unsorted
run people-alias people $IN --alias $W/al.toml
run report-alias report $IN --alias $W/al.toml --no-messages
run chart-heat.png chart heatmap $IN
run chart-topics.svg chart topics $IN
"$OLD" inspect $IN --json > $W/old/inspect.json 2>$W/old/inspect.err; "$NEW" inspect $IN --json > $W/new/inspect.json 2>$W/new/inspect.err
"$OLD" inspect $IN --suggest-aliases > $W/old/inspect.txt 2>$W/old/inspect.txt.err; "$NEW" inspect $IN --suggest-aliases > $W/new/inspect.txt 2>$W/new/inspect.txt.err
"$OLD" messages $IN > $W/old/stderr-summary.out 2>$W/old/stderr-summary; "$NEW" messages $IN > $W/new/stderr-summary.out 2>$W/new/stderr-summary
if diff -r $W/old $W/new > $W/diff.txt; then echo "IDENTICAL: $(find $W/old -type f | wc -l) files, $(du -sb $W/old | cut -f1) bytes"; else echo "DIFFER:"; head -40 $W/diff.txt; fail=1; fi
rm -rf $W; exit $fail
