#!/bin/bash
# ab_index.sh - interleaved indexing runs of two or more indexer builds, for
# before/after figures on a noisy shared machine: each round runs every
# binary once, then min and median wall and CPU seconds are printed.
#   bench/ab_index.sh CORPUS RUNS "EXTRA ARGS" BIN...
# e.g. bench/ab_index.sh bench/out/corpora/news-combined.jsonl 7 "--threads 2" \
#        /tmp/indexer.old build/indexer
set -eu
corpus=$1; runs=$2; extra=$3; shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$runs"); do
    n=0
    for b in "$@"; do
        n=$((n + 1))
        rm -rf "$tmp/ix"
        # shellcheck disable=SC2086
        /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$b" -q $extra -i "$tmp/ix" "$corpus"
        cat "$tmp/t" >> "$tmp/times.$n"
    done
done
n=0
for b in "$@"; do
    n=$((n + 1))
    python3 - "$b" "$tmp/times.$n" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
wall = sorted(r[0] for r in rows)
cpu = sorted(r[1] + r[2] for r in rows)
print("%-32s wall min %.3f med %.3f | cpu min %.3f med %.3f" % (
    sys.argv[1], wall[0], statistics.median(wall), cpu[0], statistics.median(cpu)))
PY
done
