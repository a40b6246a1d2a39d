#!/usr/bin/env python3
"""relevance.py - our BM25 beside Xapian's and FTS5's on judged collections.

    python3 bench/relevance.py [options]        (normally via make eval)

For each collection in ../shared/corpora/relevance/ (docs.jsonl, queries.tsv,
qrels.txt): every engine indexes the same docs.jsonl (title + body), runs the
queries for the top 1000, and build/eval scores each run (trec_eval -c -M 1000:
every judged query counts, a query with no result scores 0). Four runs:

  ours        raw query text, `searcher --plain` (the tokenizer folds it as
              it folds documents); the figure the target is about
  ours-clean  the peers' sanitized queries, `searcher --plain`
  xapian      sanitized queries through bench/peers/xapian_bench
  fts5        sanitized queries through bench/peers/fts5_bench

Sanitized = lower-cased runs of letters and digits joined by single spaces
(the form of the peer figures in ../shared/ANCHORS.md): in the benchmark's
query syntax that is an OR of bare words for all three engines.

A plain BM25 written here (Model) checks ours' figures. Unless
--no-experiments, also: a grid of (k1, b) for our engine (one setting for
every collection), the title counted twice (docs.jsonl rewritten), Lucene's
English stop words removed, and on the model other idf forms. Writes
bench/RELEVANCE.md (--md) and OUT/results.json; every index, query file, run
and log goes under OUT (bench/out/relevance/, git-ignored).
"""
import argparse
import datetime
import heapq
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import run as bench_run  # noqa: E402  (machine, commit, tool versions)

CORPORA = os.path.normpath(os.path.join(TOP, "..", "shared", "corpora",
                                        "relevance"))

# (folder under CORPORA, name on the page), in the order of issue 4.
COLLECTIONS = [
    ("cranfield", "Cranfield"), ("cisi", "CISI"), ("cacm", "CACM"),
    ("medline", "Medline"), ("npl", "NPL"), ("time", "TIME"),
    ("lisa", "LISA"), ("adi", "ADI"), ("nfcorpus", "NFCorpus"),
]

# Published BM25 figures, from each folder's README.md. None is on exactly
# this text: the note says how it differs.
PUBLISHED = {
    "cacm": ("MAP 0.3123 (Lucene BM25 k1=0.9 b=0.4, Porter, stop words; "
             "whole record indexed: title, abstract, authors, date, "
             "citations)",
             "castorini/anserini, src/main/resources/reproduce/"
             "from-document-collection/configs/cacm.yaml"),
    "nfcorpus": ("nDCG@10 0.3218, R@100 0.2457, R@1000 0.3704 (Lucene BM25 "
                 "k1=0.9 b=0.4, Porter, stop words; BEIR raw text, 3,633 "
                 "docs; title separate: nDCG@10 0.3254)",
                 "castorini/anserini, src/main/resources/reproduce/"
                 "from-document-collection/configs/"
                 "beir-v1.0.0-nfcorpus.flat.yaml and .multifield.yaml"),
}

MEASURES = [("ndcg_cut_10", "nDCG@10"), ("map", "MAP"),
            ("recall_100", "R@100"), ("recall_1000", "R@1000"),
            ("P_10", "P@10")]
TARGET = ("ndcg_cut_10", "map")
RUNS = ["ours", "ours-clean", "xapian", "fts5"]

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (33 words), which
# Anserini's default analyzer uses: the stop list of the published figures.
LUCENE_STOP = set("""a an and are as at be but by for if in into is it no not
of on or such that the their then there these they this to was will
with""".split())

WORD = re.compile(r"[^\W_]+")


def log(msg):
    print("eval: %s" % msg, file=sys.stderr, flush=True)


def die(msg):
    log(msg)
    sys.exit(2)


def sanitize(text):
    """Lower-cased runs of letters and digits, joined by single spaces."""
    return " ".join(WORD.findall(text.lower()))


def run(cmd, stdin=None, stdout=None, errfile=None, ok=(0, 1)):
    """Runs cmd; dies with the tail of its stderr unless it exits in ok."""
    errfile = errfile or os.devnull
    with open(errfile, "wb") as ef:
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
        t0 = time.monotonic()
        try:
            code = subprocess.call(cmd, stdin=fin, stdout=fout, stderr=ef)
        finally:
            if stdin:
                fin.close()
            if stdout:
                fout.close()
        wall = time.monotonic() - t0
    if code not in ok:
        tail = ""
        if errfile != os.devnull:
            with open(errfile, encoding="utf-8", errors="replace") as fp:
                tail = fp.read()[-600:]
        die("%s exited %d\n%s" % (" ".join(cmd), code, tail))
    return wall


# ---- input files -----------------------------------------------------------

def read_queries(path):
    out = []
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            line = line.rstrip("\r\n")
            if "\t" in line:
                qid, text = line.split("\t", 1)
                out.append((qid, text))
    return out


def write_queries(path, queries):
    with open(path, "w", encoding="utf-8") as fp:
        for qid, text in queries:
            fp.write("%s\t%s\n" % (qid, text))


def read_qrels(path):
    """{qid: {docid: rel}}"""
    q = {}
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            f = line.split()
            if len(f) == 4:
                q.setdefault(f[0], {})[f[2]] = int(f[3])
    return q


def read_docs(path):
    with open(path, encoding="utf-8") as fp:
        return [json.loads(line) for line in fp if line.strip()]


def write_docs(path, docs):
    with open(path, "w", encoding="utf-8") as fp:
        for d in docs:
            fp.write(json.dumps(d, ensure_ascii=False) + "\n")


def run_counts(path):
    """{qid: number of results} of a TREC run."""
    n = {}
    with open(path, encoding="utf-8", errors="replace") as fp:
        for line in fp:
            f = line.split()
            if len(f) >= 6:
                n[f[0]] = n.get(f[0], 0) + 1
    return n


# ---- engines ---------------------------------------------------------------

class Engines:
    def __init__(self, a):
        self.out = a.out
        self.evaluator = os.path.join(TOP, a.build, "eval")
        bindir = os.path.join(a.out, "bin")
        shutil.rmtree(bindir, ignore_errors=True)
        os.makedirs(bindir)
        # Copies: other work may rebuild build/ while this runs.
        self.indexer = os.path.join(bindir, "indexer")
        self.searcher = os.path.join(bindir, "searcher")
        for name, dst in (("indexer", self.indexer),
                          ("searcher", self.searcher)):
            src = os.path.join(TOP, a.build, name)
            if not os.access(src, os.X_OK):
                die("%s is missing: run make first" % src)
            shutil.copy2(src, dst)
        self.xapian = os.path.join(a.peers, "xapian_bench")
        self.fts5 = os.path.join(a.peers, "fts5_bench")
        for p in (self.evaluator, self.xapian, self.fts5):
            if not os.access(p, os.X_OK):
                die("%s is missing (make build/eval bench-peers)" % p)

    def index_ours(self, docs, path, errfile, extra=()):
        shutil.rmtree(path, ignore_errors=True)
        return run([self.indexer, "-i", path, "--format", "jsonl", "-q"] +
                   list(extra) + [docs], errfile=errfile)

    def search_ours(self, idx, qfile, runfile, errfile, extra=()):
        return run([self.searcher, "-i", idx, "--plain", "--format", "trec",
                    "-n", "1000"] + list(extra), stdin=qfile,
                   stdout=runfile, errfile=errfile)

    def index_peer(self, peer, docs, path, errfile):
        shutil.rmtree(path, ignore_errors=True)
        if os.path.exists(path):
            os.remove(path)
        binary = self.xapian if peer == "xapian" else self.fts5
        return run([binary, "index", path, docs], errfile=errfile, ok=(0,))

    def search_peer(self, peer, idx, qfile, runfile, errfile):
        binary = self.xapian if peer == "xapian" else self.fts5
        return run([binary, "query", idx, qfile, runfile, runfile + ".tim",
                    "-n", "1000"], errfile=errfile)

    def evaluate(self, qrels, runfile):
        """({measure: mean}, {qid: {measure: value}}) with trec_eval -c."""
        r = subprocess.run([self.evaluator, "-q", "-c", "-M", "1000", qrels,
                            runfile], capture_output=True, text=True)
        if r.returncode != 0:
            die("eval %s: %s" % (runfile, r.stderr.strip()))
        mean, per = {}, {}
        for line in r.stdout.splitlines():
            f = line.split("\t")
            if len(f) != 3:
                continue
            name, qid, val = f[0].strip(), f[1], f[2]
            v = float(val)
            if qid == "all":
                mean[name] = v
            else:
                per.setdefault(qid, {})[name] = v
        return mean, per


# ---- statistics ------------------------------------------------------------

def randomization_p(a, b, rounds=2000, seed=1):
    """Two-sided paired randomization test on per-query values a, b."""
    d = [x - y for x, y in zip(a, b)]
    obs = abs(sum(d))
    if obs == 0:
        return 1.0
    rng = random.Random(seed)
    hits = 0
    for _ in range(rounds):
        s = 0.0
        for x in d:
            s += x if rng.random() < 0.5 else -x
        if abs(s) >= obs - 1e-12:
            hits += 1
    return (hits + 1) / (rounds + 1)


# ---- one collection --------------------------------------------------------

class Collection:
    def __init__(self, key, label, src, out):
        self.key, self.label = key, label
        self.src = src
        self.dir = os.path.join(out, key)
        os.makedirs(self.dir, exist_ok=True)
        self.docs = os.path.join(src, "docs.jsonl")
        self.qrels = os.path.join(src, "qrels.txt")
        self.queries_raw = os.path.join(src, "queries.tsv")
        self.queries_clean = os.path.join(self.dir, "queries.clean.tsv")
        raw = read_queries(self.queries_raw)
        clean = [(q, sanitize(t)) for q, t in raw]
        write_queries(self.queries_clean, clean)
        self.raw, self.clean = raw, clean
        qrels = read_qrels(self.qrels)
        ids = {q for q, _ in raw}
        self.judged = sorted(q for q, j in qrels.items()
                             if q in ids and any(r > 0 for r in j.values()))
        self.qrels_queries = len(qrels)
        self.ndocs = sum(1 for _ in open(self.docs, encoding="utf-8"))
        self.max_words = max(len(t.split()) for _, t in clean)
        self.has_titles = any(d.get("title") for d in read_docs(self.docs))

    def path(self, name):
        return os.path.join(self.dir, name)


def baseline(eng, c, res):
    """Indexes and runs the four runs of one collection; fills res."""
    t = {}
    t["ours index"] = eng.index_ours(c.docs, c.path("ours.idx"),
                                     c.path("ours-index.err"))
    t["xapian index"] = eng.index_peer("xapian", c.docs, c.path("xapian.db"),
                                       c.path("xapian-index.err"))
    t["fts5 index"] = eng.index_peer("fts5", c.docs, c.path("fts5.db"),
                                     c.path("fts5-index.err"))
    t["ours"] = eng.search_ours(c.path("ours.idx"), c.queries_raw,
                                c.path("ours.run"), c.path("ours.err"))
    t["ours-clean"] = eng.search_ours(c.path("ours.idx"), c.queries_clean,
                                      c.path("ours-clean.run"),
                                      c.path("ours-clean.err"))
    for p in ("xapian", "fts5"):
        t[p] = eng.search_peer(p, c.path(p + ".db"), c.queries_clean,
                               c.path(p + ".run"), c.path(p + ".err"))
    r = {"docs": c.ndocs, "queries": len(c.raw), "judged": len(c.judged),
         "qrels_queries": c.qrels_queries, "max_query_words": c.max_words,
         "seconds": t, "runs": {}}
    for name in RUNS:
        runfile = c.path(name + ".run")
        mean, per = eng.evaluate(c.qrels, runfile)
        counts = run_counts(runfile)
        with open(c.path(name + ".err"), encoding="utf-8",
                  errors="replace") as fp:
            errors = [ln for ln in fp.read().splitlines() if ln.strip()]
        r["runs"][name] = {
            "mean": mean, "per": per,
            "empty": [q for q, _ in c.raw if counts.get(q, 0) == 0],
            "short": sum(1 for q, _ in c.raw if 0 < counts.get(q, 0) < 1000),
            "errors": errors[:5], "error_count": len(errors)}
    res[c.key] = r
    return r


def better_peer(r, m):
    x, f = r["runs"]["xapian"]["mean"][m], r["runs"]["fts5"]["mean"][m]
    return ("xapian", x) if x >= f else ("fts5", f)


def verdict(r, run="ours"):
    """[(measure, ours, best peer name, best value, holds)]"""
    out = []
    for m in TARGET:
        name, v = better_peer(r, m)
        o = r["runs"][run]["mean"][m]
        out.append((m, o, name, v, round(o, 4) >= round(v, 4)))
    return out


def significance(c, r):
    """p of ours vs the better peer, per target measure."""
    p = {}
    for m in TARGET:
        peer, _ = better_peer(r, m)
        a = [r["runs"]["ours"]["per"].get(q, {}).get(m, 0.0)
             for q in c.judged]
        b = [r["runs"][peer]["per"].get(q, {}).get(m, 0.0)
             for q in c.judged]
        p[m] = randomization_p(a, b)
    return p


# ---- experiments -----------------------------------------------------------

def ours_means(eng, c, idx, qfile, tag, extra=()):
    runfile = c.path("x-%s.run" % tag)
    eng.search_ours(idx, qfile, runfile, c.path("x-%s.err" % tag), extra)
    mean, _ = eng.evaluate(c.qrels, runfile)
    return mean


def grid(eng, cols, res, k1s, bs):
    """Ours (raw queries) at every (k1, b); one setting for all."""
    out = []
    for k1 in k1s:
        for b in bs:
            row = {"k1": k1, "b": b, "by": {}}
            for c in cols:
                mean = ours_means(eng, c, c.path("ours.idx"), c.queries_raw,
                                  "grid", ["--k1", str(k1), "--b", str(b)])
                r = res[c.key]
                row["by"][c.key] = {
                    m: (mean[m], mean[m] - better_peer(r, m)[1])
                    for m in TARGET}
            d = [v[1] for by in row["by"].values() for v in by.values()]
            row["holds"] = sum(1 for x in d if round(x, 4) >= 0)
            row["worst"] = min(d)
            row["mean_ndcg"] = sum(by["ndcg_cut_10"][0]
                                   for by in row["by"].values()) / len(cols)
            row["mean_map"] = sum(by["map"][0]
                                  for by in row["by"].values()) / len(cols)
            out.append(row)
            log("grid k1=%g b=%g: %d/%d hold, worst %+.4f" %
                (k1, b, row["holds"], len(d), row["worst"]))
    return out


def title_twice(eng, cols, res):
    """Title weight 2: `indexer --title-weight 2` on the same documents."""
    out = {}
    for c in cols:
        if not c.has_titles:  # nothing would change
            out[c.key] = res[c.key]["runs"]["ours"]["mean"]
            continue
        idx = c.path("ours-title2.idx")
        eng.index_ours(c.docs, idx, c.path("ours-title2-index.err"),
                       ["--title-weight", "2"])
        out[c.key] = ours_means(eng, c, idx, c.queries_raw, "title2")
    return out


STOP_RE = re.compile(r"(?<![^\W_])(?:%s)(?![^\W_])" %
                     "|".join(sorted(LUCENE_STOP, key=len, reverse=True)),
                     re.I)


def unstop(text):
    return re.sub(r"\s+", " ", STOP_RE.sub(" ", text)).strip()


def stopwords(eng, cols):
    """Lucene's 33 stop words out of the queries, then out of the docs too."""
    out = {}
    for c in cols:
        qfile = c.path("queries.stop.tsv")
        write_queries(qfile, [(q, unstop(t)) for q, t in c.raw])
        qonly = ours_means(eng, c, c.path("ours.idx"), qfile, "stopq")
        docs = read_docs(c.docs)
        for d in docs:
            d["title"] = unstop(d.get("title") or "")
            d["body"] = unstop(d.get("body") or "")
        path = c.path("docs.stop.jsonl")
        write_docs(path, docs)
        idx = c.path("ours-stop.idx")
        eng.index_ours(path, idx, c.path("ours-stop-index.err"))
        both = ours_means(eng, c, idx, qfile, "stopqd")
        out[c.key] = {"queries": qonly, "both": both}
    return out


# ---- the reference model ---------------------------------------------------
#
# BM25 written out plainly, to check the engine's scoring and to try what its
# options cannot: idf forms, stop words. Tokens as common/tokenizer.h says
# (runs of letters and digits, case and accents folded; an apostrophe kept
# between letters, '.' and ',' between digits), stemmed by the libstemmer our
# engine links, through ctypes. Every collection here is ASCII but for 7
# lines, so the Unicode details of the tokenizer do not come into play.

class Stemmer:
    def __init__(self, algorithm="english"):
        import ctypes
        import ctypes.util
        self.ct = ctypes
        name = ctypes.util.find_library("stemmer") or "libstemmer.so.0d"
        lib = ctypes.CDLL(name)
        lib.sb_stemmer_new.restype = ctypes.c_void_p
        lib.sb_stemmer_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.sb_stemmer_stem.restype = ctypes.c_void_p
        lib.sb_stemmer_stem.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                        ctypes.c_int]
        lib.sb_stemmer_length.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.st = lib.sb_stemmer_new(algorithm.encode(), b"UTF_8")
        if not self.st:
            raise OSError("libstemmer has no %s" % algorithm)
        self.memo = {}

    def __call__(self, word):
        s = self.memo.get(word)
        if s is None:
            b = word.encode()
            p = self.lib.sb_stemmer_stem(self.st, b, len(b))
            s = self.ct.string_at(p, self.lib.sb_stemmer_length(
                self.st)).decode()
            self.memo[word] = s
        return s


TOKEN = re.compile(r"[^\W_]+(?:(?:(?<=[^\W\d_])['\u2019](?=[^\W\d_])|"
                   r"(?<=\d)[.,](?=\d))[^\W_]+)*")


def model_tokens(text):
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return [w.replace("\u2019", "'") for w in TOKEN.findall(t)]


def idf_lucene(n, df):
    """Ours and Lucene's: ln(1 + (N - df + 0.5) / (df + 0.5))."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def idf_fts5(n, df):
    """FTS5's: ln((N - df + 0.5) / (df + 0.5)), at least 1e-6."""
    return max(math.log((n - df + 0.5) / (df + 0.5)), 1e-6)


def idf_xapian(n, df):
    """Xapian's BM25Weight: the same ratio x; ln(x/2 + 1) where x <= 2."""
    x = (n - df + 0.5) / (df + 0.5)
    return math.log(x) if x > 2 else math.log(x / 2 + 1)


class Model:
    """An inverted index in dicts of one docs.jsonl."""

    def __init__(self, docs, stem, title=1, stop=()):
        self.stem, self.stop = stem, stop
        self.ids, self.lens, self.post = [], [], {}
        for d in docs:
            text = ((d.get("title") or "") + " ") * title + (d.get("body")
                                                              or "")
            toks = [t for t in model_tokens(text) if t not in stop]
            tf = {}
            for t in toks:
                s = stem(t)
                tf[s] = tf.get(s, 0) + 1
            i = len(self.ids)
            self.ids.append(d["id"])
            self.lens.append(len(toks))
            for s, f in tf.items():
                self.post.setdefault(s, []).append((i, f))
        self.n = len(self.ids)
        self.avgdl = sum(self.lens) / self.n if self.n else 1.0

    def search(self, query, k1, b, idf=idf_lucene, stop=(), depth=1000):
        """Top `depth` (id, score): each query token counts, repeats too."""
        qtf = {}
        for t in model_tokens(query):
            if t not in stop:
                s = self.stem(t)
                qtf[s] = qtf.get(s, 0) + 1
        acc = {}
        for s, c in qtf.items():
            p = self.post.get(s)
            if not p:
                continue
            w = c * idf(self.n, len(p)) * (k1 + 1)
            for d, f in p:
                acc[d] = acc.get(d, 0.0) + w * f / (
                    f + k1 * (1 - b + b * self.lens[d] / self.avgdl))
        top = heapq.nsmallest(depth, acc.items(),
                              key=lambda x: (-x[1], self.ids[x[0]]))
        return [(self.ids[d], v) for d, v in top]


def model_means(eng, c, model, tag, k1=1.2, b=0.75, idf=idf_lucene,
                stop=()):
    runfile = c.path("m-%s.run" % tag)
    with open(runfile, "w", encoding="utf-8") as fp:
        for qid, text in c.raw:
            for rank, (d, v) in enumerate(model.search(text, k1, b, idf,
                                                       stop)):
                fp.write("%s Q0 %s %d %.6f model\n" % (qid, d, rank + 1, v))
    mean, _ = eng.evaluate(c.qrels, runfile)
    return mean


def model_check(eng, cols, res, stem, k1, b):
    """The model beside the engine at the engine's defaults."""
    for c in cols:
        model = Model(read_docs(c.docs), stem)
        mean = model_means(eng, c, model, "check", k1, b)
        ours = res[c.key]["runs"]["ours"]["mean"]
        res[c.key]["model"] = {m: mean[m] for m in TARGET}
        res[c.key]["model_diff"] = max(abs(mean[m] - ours[m])
                                       for m, _ in MEASURES)


# Engine changes tried on the model: (tag, label, title copies, stop words
# in documents, stop words in queries, idf).
MODEL_VARIANTS = [
    ("fts5idf", "idf as FTS5's", 1, False, False, idf_fts5),
    ("xapidf", "idf as Xapian's", 1, False, False, idf_xapian),
    ("t2qs", "title x2, query stop words", 2, False, True, idf_lucene),
    ("t2qsx", "title x2, query stop words, idf as Xapian's", 2, False, True,
     idf_xapian),
    ("t2s", "title x2, stop words out of documents and queries", 2, True,
     True, idf_lucene),
    ("t2sf", "title x2, stop words out of documents and queries, idf as "
     "FTS5's", 2, True, True, idf_fts5),
]


def model_variants(eng, cols, stem):
    out = {}
    for c in cols:
        docs = read_docs(c.docs)
        models = {}
        for tag, _, title, sdocs, squery, idf in MODEL_VARIANTS:
            key = (title, sdocs)
            if key not in models:
                models[key] = Model(docs, stem, title,
                                    LUCENE_STOP if sdocs else ())
            out.setdefault(tag, {})[c.key] = model_means(
                eng, c, models[key], tag, idf=idf,
                stop=LUCENE_STOP if squery else ())
        log("model variants: %s done" % c.label)
    return out


# ---- the page --------------------------------------------------------------

def f4(v):
    return "%.4f" % v


def machine():
    m = bench_run.machine()
    return "%s, %d cores, %s" % (m["cpu"], m["cores"], m["os"])


def git_commit():
    return bench_run.git_commit(" (with uncommitted changes)")


version = bench_run.tool_version


NAMES = {"ours": "ours", "ours-clean": "ours (clean)", "xapian": "Xapian",
         "fts5": "FTS5"}


def holds_all(r, run="ours"):
    return all(v[4] for v in verdict(r, run))


def page(a, eng, cols, res, meta, exp):
    L = []
    w = L.append
    w("# Relevance: our BM25 beside Xapian and SQLite FTS5")
    w("")
    w("Written by `bench/relevance.py`; do not edit by hand. Command: "
      "`%s`." % meta["command"])
    w("")
    w("- Date %s; commit %s; machine: %s; run time %.0f s." % (
        meta["date"], meta["commit"], meta["machine"], meta["seconds"]))
    w("- Engines: ours (`%s`, defaults k1 = %s, b = %s), %s, %s. "
      "Evaluator `build/eval -c -M 1000` (trec_eval's measures and linear "
      "gain; every judged query counts, one with no result as 0)." %
      (meta["ours"], meta["k1"], meta["b"], meta["xapian"], meta["fts5"]))
    w("- Documents: each collection's docs.jsonl, title and body as one "
      "text in all three engines. Queries: its queries.tsv, top 1000.")
    w("- **ours**: the raw query text through `searcher --plain` (no "
      "operators; tokenized and stemmed exactly as documents are). "
      "**Xapian**, **FTS5**: the benchmark's runners (`bench/peers/`, "
      "BM25 k1 = 1.2, b = 0.75) on sanitized queries: lower-cased runs of "
      "letters and digits joined by spaces, an OR of words (the form of "
      "the peer figures in `../shared/ANCHORS.md`). **ours (clean)**: ours "
      "on those same sanitized queries.")
    w("- Target: on every collection, ours' nDCG@10 and MAP at least the "
      "better peer's (at four decimals), with one set of defaults.")
    w("")
    held = [holds_all(res[c.key]) for c in cols]
    held_clean = [holds_all(res[c.key], "ours-clean") for c in cols]
    missed = [c.label for c, h in zip(cols, held) if not h]
    w("**Target %s**: it holds on %d of %d collections%s. On the "
      "sanitized queries (ours (clean)) it holds on %d." % (
          "met" if not missed else "not met", sum(held), len(cols),
          " (misses: " + ", ".join(missed) + ")" if missed else "",
          sum(held_clean)))
    w("")
    w("## Summary")
    w("")
    w("| collection | docs | judged queries | nDCG@10 ours | better peer | "
      "MAP ours | better peer | target | p nDCG@10, MAP |")
    w("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for c in cols:
        r = res[c.key]
        v = verdict(r)
        p = r.get("p", {})
        miss = [lbl for (_, _, _, _, h), lbl in zip(v, ("nDCG@10", "MAP"))
                if not h]
        w("| %s | %d | %d | %s | %s %s | %s | %s %s | %s | %s |" % (
            c.label, r["docs"], r["judged"], f4(v[0][1]), f4(v[0][3]),
            NAMES[v[0][2]], f4(v[1][1]), f4(v[1][3]), NAMES[v[1][2]],
            "holds" if not miss else "misses " + ", ".join(miss),
            ", ".join("%.2f" % p[m] for m in TARGET) if p else ""))
    w("")
    w("p: two-sided paired randomization test (2,000 sign flips) of ours "
      "against the better peer over the judged queries: below 0.05, the "
      "gap is unlikely to be the luck of the query sample.")
    w("")
    w("## All measures")
    w("")
    w("| collection | run | nDCG@10 | MAP | R@100 | R@1000 | P@10 | "
      "no result |")
    w("|---|---|---:|---:|---:|---:|---:|---:|")
    for c in cols:
        r = res[c.key]
        for run_ in RUNS:
            x = r["runs"][run_]
            w("| %s | %s | %s | %d |" % (
                c.label if run_ == "ours" else "", NAMES[run_],
                " | ".join(f4(x["mean"][m]) for m, _ in MEASURES),
                len(x["empty"])))
    w("")
    w("no result: queries that matched no document (on NFCorpus, queries "
      "whose every word is absent from the preprocessed "
      "text).")
    w("")
    w("## Published figures")
    w("")
    w("None is on exactly this text (see each folder's README.md): they "
      "place the numbers; they are not the target.")
    w("")
    w("| collection | ours | published | source |")
    w("|---|---|---|---|")
    for c in cols:
        r = res[c.key]["runs"]["ours"]["mean"]
        if c.key in PUBLISHED:
            fig, src = PUBLISHED[c.key]
            w("| %s | nDCG@10 %s, MAP %s, R@100 %s, R@1000 %s | %s | %s |" % (
                c.label, f4(r["ndcg_cut_10"]), f4(r["map"]),
                f4(r["recall_100"]), f4(r["recall_1000"]), fig, src))
    others = [c.label for c in cols if c.key not in PUBLISHED]
    if others:
        w("| %s | | none found: the folders' READMEs give only their own "
          "reference runs (unstemmed tokens) | |" % ", ".join(others))
    w("")
    w("## Checks")
    w("")
    checks(w, cols, res)
    if exp:
        experiments(w, cols, res, exp)
    w("## How to run")
    w("")
    w("    make eval                                # this page")
    w("    make eval EVAL_ARGS=--no-experiments     # without the "
      "Experiments (a minute less)")
    w("    make eval EVAL_ARGS='--only cisi,adi'    # some collections")
    w("")
    w("`make eval` installs the Debian packages it needs (`make deps`, "
      "`make bench-deps`), builds our engine, `build/eval` and the peer runners "
      "(bench/bench.mk), then runs `bench/relevance.py`. Under "
      "`bench/out/relevance/<collection>/`: the indexes, the sanitized "
      "queries, every run (`*.run`), the runners' logs; "
      "`bench/out/relevance/results.json` has every figure and the "
      "per-query values.")
    w("")
    return "\n".join(L)


def checks(w, cols, res):
    diffs = [res[c.key]["model_diff"] for c in cols
             if "model_diff" in res[c.key]]
    if diffs:
        w("- **Scoring.** A plain BM25 written in Python (`Model` in "
          "bench/relevance.py: Lucene's idf ln(1 + (N - df + 0.5) / "
          "(df + 0.5)); document length = tokens of title and body, every "
          "word counted; a query word counted as often as it occurs; query "
          "words absent from the index add nothing; the same tokenizer rules "
          "and the same libstemmer for queries and documents) gives ours' "
          "figures on %d of %d collections, %s: the engine scores what "
          "it says it scores." % (
              len(diffs), len(cols),
              "identical at four decimals on all five measures"
              if max(diffs) < 0.00005 else
              "within %.4f on all five measures" % max(diffs)))
    d = [(c.label, res[c.key]["runs"]["ours"]["mean"],
          res[c.key]["runs"]["ours-clean"]["mean"]) for c in cols]
    w("- **Query cleaning.** ours (raw, `--plain`) minus ours (clean): "
      "nDCG@10 %s; MAP %s. The raw text keeps `NAM'S` and `I'd` one "
      "word each (stemmed to `nam`, `i'd`); cleaning splits them "
      "(`nam s`, `i d`), which moves a few queries either way." % (
          ", ".join("%s %+.4f" % (lbl, x["ndcg_cut_10"] - y["ndcg_cut_10"])
                    for lbl, x, y in d),
          ", ".join("%s %+.4f" % (lbl, x["map"] - y["map"])
                    for lbl, x, y in d)))
    w("- **Peers' runs.** Per collection: queries, judged queries (with a "
      "relevant document), words in the longest sanitized query, and any "
      "runner error or query without results.")
    w("")
    for c in cols:
        r = res[c.key]
        notes = []
        for run_ in RUNS:
            x = r["runs"][run_]
            if x["error_count"]:
                notes.append("%s: %d query errors, first: `%s`" % (
                    NAMES[run_], x["error_count"], x["errors"][0]))
        empty = {run_: tuple(r["runs"][run_]["empty"]) for run_ in RUNS}
        if any(empty.values()):
            if len(set(empty.values())) == 1:
                notes.append("No engine found anything for %d queries "
                             "(%s)" % (
                    len(empty["ours"]), ", ".join(empty["ours"])))
            else:
                for run_ in RUNS:
                    if empty[run_]:
                        notes.append("%s: no result for %s" % (
                            NAMES[run_], ", ".join(empty[run_])))
        w("  - %s: %d queries, %d judged, longest %d words. %s" % (
            c.label, r["queries"], r["judged"], r["max_query_words"],
            "; ".join(notes) + "." if notes else
            "Every engine answered every query, no error."))
    w("")


def gap_cell(v, best):
    return "%s (%+.4f)" % (f4(v), v - best)


def experiments(w, cols, res, exp):
    w("## Experiments")
    w("")
    w("Ours with other settings, raw queries, against the same peer runs "
      "(unchanged).")
    w("")
    g = exp.get("grid")
    if g:
        n = 2 * len(cols)
        w("### One (k1, b) for every collection (`searcher --k1 --b`)")
        w("")
        w("Of the %d (collection, measure) pairs, how many reach the better "
          "peer; the worst gap; the means over collections." % n)
        w("")
        w("| k1 | b | pairs holding | worst gap | mean nDCG@10 | mean MAP |")
        w("|---:|---:|---:|---:|---:|---:|")
        for row in sorted(g, key=lambda r: (-r["holds"], -r["worst"]))[:12]:
            w("| %g | %g | %d of %d | %+.4f | %s | %s |" % (
                row["k1"], row["b"], row["holds"], n, row["worst"],
                f4(row["mean_ndcg"]), f4(row["mean_map"])))
        w("")
        w("(the 12 best of %d settings: k1 in {%s}, b in {%s}; all in "
          "bench/out/relevance/results.json)" % (
              len(g), ", ".join(sorted({"%g" % r["k1"] for r in g},
                                       key=float)),
              ", ".join(sorted({"%g" % r["b"] for r in g}, key=float))))
        w("")
    rows = []
    t = exp.get("title2")
    if t:
        rows.append(("indexer --title-weight 2 (engine)",
                     {k: v for k, v in t.items()}))
    s = exp.get("stop")
    if s:
        rows.append(("stop words out of queries (engine)",
                     {k: v["queries"] for k, v in s.items()}))
        rows.append(("stop words out of documents and queries (engine)",
                     {k: v["both"] for k, v in s.items()}))
    mv = exp.get("model")
    if mv:
        for tag, label, *_ in MODEL_VARIANTS:
            if tag in mv:
                rows.append((label + " (model)", mv[tag]))
    if rows:
        w("### Title weight, and changes the options cannot make")
        w("")
        w("- `indexer --title-weight 2`: every title word counted twice, in "
          "its frequency and in the document's length (BM25F-like; the "
          "same as writing the title twice); only %s have titles (the "
          "others keep their figures). The option exists; its default is "
          "1." %
          ", ".join(c.label for c in cols if c.has_titles))
        w("- stop words: Lucene's English list (33 words, the one of "
          "Anserini's published runs) taken out of the query text, or out "
          "of the documents too (re-indexed).")
        w("- (model): the Python BM25 of the Checks, which reproduces ours; "
          "idf as FTS5's = ln((N - df + 0.5) / (df + 0.5)), at least 1e-6; "
          "as Xapian's = the same, or ln(x/2 + 1) where the ratio x <= 2.")
        w("")
        w("nDCG@10 / MAP, and how many of the (collection, measure) pairs "
          "reach the better peer:")
        w("")
        w("| change | " + " | ".join(c.label for c in cols) +
          " | pairs holding |")
        w("|---|" + "---|" * len(cols) + "---:|")
        base = {c.key: res[c.key]["runs"]["ours"]["mean"] for c in cols}
        for label, by in [("none (ours as in the Summary)", base)] + rows:
            cells, hold, total = [], 0, 0
            for c in cols:
                if c.key not in by:
                    cells.append("")
                    continue
                r = res[c.key]
                vals = []
                for m in TARGET:
                    v, best = by[c.key][m], better_peer(r, m)[1]
                    ok = round(v, 4) >= round(best, 4)
                    hold += ok
                    total += 1
                    vals.append(("%s" if ok else "**%s**") % f4(v))
                cells.append(" / ".join(vals))
            w("| %s | %s | %d of %d |" % (label, " | ".join(cells), hold,
                                         total))
        w("")
        w("Bold: below the better peer.")
        w("")


# ---- main ------------------------------------------------------------------

def floats(s):
    return [float(x) for x in s.split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build",
                    help="folder of indexer, searcher and eval")
    ap.add_argument("--peers", default=os.path.join("bench", "out", "bin"),
                    help="folder of xapian_bench and fts5_bench")
    ap.add_argument("--out", default=os.path.join("bench", "out",
                                                  "relevance"))
    ap.add_argument("--corpora", default=CORPORA)
    ap.add_argument("--md", default=os.path.join("bench", "RELEVANCE.md"),
                    help="page to write ('' for none)")
    ap.add_argument("--only", default="",
                    help="comma-separated collections (default: all nine)")
    ap.add_argument("--no-experiments", dest="experiments",
                    action="store_false",
                    help="skip the (k1, b) grid, title x2, stop words and "
                    "the model's variants (about 1.5 minutes)")
    ap.add_argument("--no-model", dest="model", action="store_false",
                    help="skip the reference BM25 written in Python")
    ap.add_argument("--k1s", default="0.6,0.9,1.2,1.5,2.0")
    ap.add_argument("--bs", default="0.3,0.4,0.5,0.6,0.75,0.9")
    ap.add_argument("--command", default="python3 bench/relevance.py")
    a = ap.parse_args()
    os.chdir(TOP)
    t0 = time.monotonic()
    os.makedirs(a.out, exist_ok=True)
    eng = Engines(a)
    keys = [k for k, _ in COLLECTIONS]
    only = [k for k in a.only.split(",") if k]
    for k in only:
        if k not in keys:
            die("unknown collection %s (one of %s)" % (k, ", ".join(keys)))
    cols = []
    for key, label in COLLECTIONS:
        if only and key not in only:
            continue
        src = os.path.join(a.corpora, key)
        if not os.path.exists(os.path.join(src, "docs.jsonl")):
            die("%s: no docs.jsonl" % src)
        cols.append(Collection(key, label, src, a.out))
    help_text = subprocess.run([eng.searcher, "--help"], capture_output=True,
                               text=True).stdout
    m = re.search(r"default ([\d.]+) and ([\d.]+)", help_text)
    k1, b = (float(m.group(1)), float(m.group(2))) if m else (1.2, 0.75)
    res = {}
    for c in cols:
        r = baseline(eng, c, res)
        r["p"] = significance(c, r)
        v = verdict(r)
        log("%-9s nDCG@10 %.4f (best peer %.4f)  MAP %.4f (best peer %.4f)"
            % (c.label, v[0][1], v[0][3], v[1][1], v[1][3]))
    stem = None
    if a.model:
        try:
            stem = Stemmer()
        except OSError as e:
            log("no reference model: %s" % e)
    if stem:
        model_check(eng, cols, res, stem, k1, b)
    exp = {}
    if a.experiments:
        exp["grid"] = grid(eng, cols, res, floats(a.k1s), floats(a.bs))
        exp["title2"] = title_twice(eng, cols, res)
        exp["stop"] = stopwords(eng, cols)
        if stem:
            exp["model"] = model_variants(eng, cols, stem)
    meta = {
        "command": a.command,
        "date": datetime.datetime.now().astimezone().strftime(
            "%Y-%m-%d %H:%M %Z"),
        "commit": git_commit(), "machine": machine(),
        "ours": version([eng.searcher, "--version"]),
        "xapian": version([eng.xapian, "--version"]),
        "fts5": version([eng.fts5, "--version"]),
        "k1": "%g" % k1, "b": "%g" % b,
        "seconds": time.monotonic() - t0,
    }
    with open(os.path.join(a.out, "results.json"), "w") as fp:
        json.dump({"meta": meta, "collections": res, "experiments": exp}, fp,
                  indent=1)
    if a.md:
        with open(a.md, "w", encoding="utf-8") as fp:
            fp.write(page(a, eng, cols, res, meta, exp))
        log("wrote %s" % a.md)
    held = all(all(v[4] for v in verdict(res[c.key])) for c in cols)
    log("target %s; %.0f s" % ("met" if held else "NOT met",
                               time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
