#!/bin/bash
# peak_anon.sh - run a command and print its peak private memory (RssAnon,
# sampled every 20 ms as bench/run.py does) and wall time.
#   bench/peak_anon.sh build/indexer -q -i /tmp/ix bench/out/corpora/reuters-x16.jsonl
set -u
"$@" &
pid=$!
peak=0
t0=$(date +%s.%N)
while kill -0 "$pid" 2>/dev/null; do
    a=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    if [ -n "$a" ] && [ "$a" -gt "$peak" ]; then peak=$a; fi
    sleep 0.02
done
wait "$pid"
rc=$?
t1=$(date +%s.%N)
python3 -c "print('exit %d, peak private %d MB, wall %.2f s' % ($rc, $peak // 1024, $t1 - $t0))"
exit "$rc"
