#!/usr/bin/env python3
"""scale.py - a larger corpus made by repeating a real dump with fresh ids.

    python3 bench/scale.py IN.jsonl OUT.jsonl TIMES

Writes TIMES copies of IN.jsonl, one after the other. Copy 1 is the dump as
it is; in copy k > 1 every id becomes "<id>~k" and nothing else changes, so
the text, the vocabulary and every term's share of documents stay those of
the real dump while the number of documents, postings and positions grows
TIMES-fold. Each JSON line is parsed and written back (ensure_ascii off, one
line per document), so OUT holds exactly TIMES x the documents of IN.
A copy of the same text is not new text: compressors and engines that
deduplicate would gain from it; none of the engines measured does.
"""
import json
import os
import sys


def main():
    if len(sys.argv) != 4 or not sys.argv[3].isdigit() or \
            int(sys.argv[3]) < 1:
        sys.exit("usage: scale.py IN.jsonl OUT.jsonl TIMES")
    src, dst, times = sys.argv[1], sys.argv[2], int(sys.argv[3])
    docs = []
    with open(src, encoding="utf-8") as fp:
        for line in fp:
            if line.strip():
                docs.append(json.loads(line))
    tmp = dst + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for k in range(1, times + 1):
            for d in docs:
                if k > 1:
                    d = dict(d)
                    d["id"] = "%s~%d" % (d["id"], k)
                out.write(json.dumps(d, ensure_ascii=False))
                out.write("\n")
    os.replace(tmp, dst)
    print("scale.py: %d docs x %d -> %s" % (len(docs), times, dst),
          file=sys.stderr)


if __name__ == "__main__":
    main()
