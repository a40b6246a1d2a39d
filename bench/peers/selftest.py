#!/usr/bin/env python3
"""selftest.py - checks the peer runners on five documents with known answers.

    python3 bench/peers/selftest.py BINDIR

Indexes a tiny corpus with xapian_bench and fts5_bench, runs queries of each
kind and compares the returned ids with the expected sets, including the
places where the peers are meant to differ: FTS5 stems phrase words
("oil prices" also finds "oil price") and lets a phrase run from the title
into the body; Xapian does neither. Exit 0 when all
hold, 1 otherwise.
"""
import os
import subprocess
import sys
import tempfile

DOCS = [
    ("d1", "Oil prices", "The Bank of England said oil prices rose."),
    ("d2", "", "Oil price falls. Prices of bonds steady."),
    ("d3", "Cocoa", "Showers in the Bahia cocoa zone, \"quoted\" text."),
    ("d4", "Banks", "England's banks said nothing about it."),
    ("d5", "Unicode", "Caf\u00e9 society and na\u00efve \u00fcber-words."),
]
QUERIES = [  # qid, query, Xapian's ids, FTS5's ids
    ("cocoa", "cocoa", {"d3"}, {"d3"}),
    ("phrase", '"oil prices"', {"d1"}, {"d1", "d2"}),
    ("and", "+oil +prices", {"d1", "d2"}, {"d1", "d2"}),
    ("stop", '"bank of england"', {"d1"}, {"d1"}),
    ("or", "oil cocoa", {"d1", "d2", "d3"}, {"d1", "d2", "d3"}),
    # One FTS5 column holds title and body: a phrase may span the two.
    ("title", '"oil prices the"', set(), {"d1"}),
    ("none", "zzzqqq", set(), set()),
    ("stem", "banks", {"d1", "d4"}, {"d1", "d4"}),
]


def run_trec(path):
    got = {}
    with open(path) as fp:
        for line in fp:
            f = line.split()
            got.setdefault(f[0], set()).add(f[2])
    return got


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: selftest.py BINDIR")
    bindir = sys.argv[1]
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        corpus = os.path.join(d, "c.jsonl")
        with open(corpus, "w", encoding="utf-8") as fp:
            for i, t, b in DOCS:
                fp.write('{"id": "%s", "title": "%s", "date": "", '
                         '"body": "%s"}\n' % (i, t, b.replace('"', '\\"')))
        qf = os.path.join(d, "q.tsv")
        with open(qf, "w") as fp:
            for q in QUERIES:
                fp.write("%s\t%s\n" % (q[0], q[1]))
        for col, name, db in ((2, "xapian", "x.db"), (3, "fts5", "f.db")):
            exe = os.path.join(bindir, name + "_bench")
            db = os.path.join(d, db)
            subprocess.run([exe, "index", db, corpus], check=True,
                           stderr=subprocess.DEVNULL)
            runf, timf = os.path.join(d, "r"), os.path.join(d, "t")
            rc = subprocess.run([exe, "query", db, qf, runf, timf,
                                 "--count"]).returncode
            got = run_trec(runf)
            with open(timf) as fp:
                tim = {l.split("\t")[0]: int(l.split("\t")[2]) for l in fp}
            if rc != 0:
                print("selftest: %s exit %d" % (name, rc))
                bad += 1
            for q in QUERIES:
                want, have = q[col], got.get(q[0], set())
                if have != want or tim.get(q[0]) != len(want):
                    print("selftest: %s %s: want %s, got %s (count %s)" % (
                        name, q[1], sorted(want), sorted(have),
                        tim.get(q[0])))
                    bad += 1
    print("selftest: %d passed, %d failed" % (2 * len(QUERIES) - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
