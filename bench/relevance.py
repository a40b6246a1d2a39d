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

Ours runs at its defaults (searcher's k1 and b, read from --help; the
index's title weight, from `indexer --stats`; stop words left out of the
query); the peers at theirs (k1 = 1.2, b = 0.75, title once, no stop words).

A plain BM25 written here (Model) checks ours' figures. Unless
--no-experiments, also: a grid of (k1, b) for our engine (one setting for
every collection) and a leave-one-collection-out check of that choice; the
engine with its defaults changed back one at a time (stop words kept, title
weight 1, Lucene's k1 and b) and all at once; and on the model other idf
forms and stop lists. Writes bench/RELEVANCE.md (--md) and OUT/results.json;
every index, query file, run and log goes under OUT (bench/out/relevance/,
git-ignored).
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

# Snowball's English stop list (snowballstem.org/algorithms/english/
# stop.txt, 174 words; contractions in the tokenizer's folded form), copied
# from common/stopwords.c: searcher leaves these out of a ranked query (a
# word on it is dropped unless every word of a --plain query is on it).
SNOWBALL_STOP = frozenset("""
a about above after again against all am an and any are aren't as at be
because been before being below between both but by can't cannot could
couldn't did didn't do does doesn't doing don't down during each few for
from further had hadn't has hasn't have haven't having he he'd he'll he's
her here here's hers herself him himself his how how's i i'd i'll i'm i've
if in into is isn't it it's its itself let's me more most mustn't my
myself no nor not of off on once only or other ought our ours ourselves
out over own same shan't she she'd she'll she's should shouldn't so some
such than that that's the their theirs them themselves then there there's
these they they'd they'll they're they've this those through to too under
until up very was wasn't we we'd we'll we're we've were weren't what
what's when when's where where's which while who who's whom why why's with
won't would wouldn't you you'd you'll you're you've your yours yourself
yourselves""".split())

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

    def title_weight(self, idx):
        """The index's title weight: `indexer --stats` names it first."""
        r = subprocess.run([self.indexer, "--stats", "-i", idx],
                           capture_output=True, text=True)
        m = re.search(r"title weight (\d+)", r.stdout.split("\n", 1)[0])
        if not m:
            die("%s: no title weight in indexer --stats" % idx)
        return int(m.group(1))

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
         "title_weight": eng.title_weight(c.path("ours.idx")),
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


def reaches(v, best):
    """The target's test: at least the better peer at four decimals."""
    return round(v, 4) >= round(best, 4)


def verdict(r, run="ours"):
    """[(measure, ours, best peer name, best value, holds)]"""
    out = []
    for m in TARGET:
        name, v = better_peer(r, m)
        o = r["runs"][run]["mean"][m]
        out.append((m, o, name, v, reaches(o, v)))
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


def gaps(r, mean):
    """{measure: (value, value - better peer's, reaches it)}"""
    out = {}
    for m in TARGET:
        best = better_peer(r, m)[1]
        out[m] = (mean[m], mean[m] - best, reaches(mean[m], best))
    return out


def standing(by, keys):
    """(pairs holding, worst gap, mean nDCG@10) over the collections keys."""
    d = [by[k][m] for k in keys for m in TARGET]
    return (sum(1 for x in d if x[2]), min(x[1] for x in d),
            sum(by[k]["ndcg_cut_10"][0] for k in keys) / len(keys))


def grid(eng, cols, res, k1s, bs):
    """Ours (raw queries, other defaults) at every (k1, b)."""
    out = []
    keys = [c.key for c in cols]
    for k1 in k1s:
        for b in bs:
            row = {"k1": k1, "b": b, "by": {}}
            for c in cols:
                mean = ours_means(eng, c, c.path("ours.idx"), c.queries_raw,
                                  "grid", ["--k1", str(k1), "--b", str(b)])
                row["by"][c.key] = gaps(res[c.key], mean)
            row["holds"], row["worst"], row["mean_ndcg"] = standing(
                row["by"], keys)
            row["mean_map"] = sum(row["by"][k]["map"][0]
                                  for k in keys) / len(keys)
            out.append(row)
            log("grid k1=%g b=%g: %d/%d hold, worst %+.4f" %
                (k1, b, row["holds"], 2 * len(keys), row["worst"]))
    return out


def leave_one_out(g, cols):
    """For each collection: the grid's best setting on the other ones (most
    pairs holding, then the larger worst gap, then the larger mean nDCG@10),
    and how it does on the one left out."""
    out = []
    for c in cols:
        rest = [x.key for x in cols if x is not c]
        if not rest:
            break
        row = max(g, key=lambda x: standing(x["by"], rest))
        held, worst, _ = standing(row["by"], rest)
        out.append({"key": c.key, "k1": row["k1"], "b": row["b"],
                    "rest_holds": held, "rest_pairs": 2 * len(rest),
                    "rest_worst": worst, "on": row["by"][c.key],
                    "holds": all(row["by"][c.key][m][2] for m in TARGET)})
    return out


# Each one default changed back: (tag, label, on an index of title weight
# 1, searcher options).
ABLATIONS = [
    ("keepstop", "stop words kept (`searcher --keep-stopwords`)", False,
     ["--keep-stopwords"]),
    ("title1", "title weight 1 (`indexer --title-weight 1`)", True, []),
    ("lucenekb", "k1 1.2, b 0.75 (Lucene's)", False,
     ["--k1", "1.2", "--b", "0.75"]),
    ("old", "the old defaults (title 1, stop words kept, k1 1.2, b 0.75)",
     True, ["--keep-stopwords", "--k1", "1.2", "--b", "0.75"]),
]


def ablations(eng, cols, res):
    """Ours with one default changed back, and with all of them."""
    out = {}
    for c in cols:
        idx1 = c.path("ours.idx")
        if c.has_titles and res[c.key]["title_weight"] != 1:
            idx1 = c.path("ours-title1.idx")
            eng.index_ours(c.docs, idx1, c.path("ours-title1-index.err"),
                           ["--title-weight", "1"])
        for tag, _, title1, extra in ABLATIONS:
            out.setdefault(tag, {})[c.key] = ours_means(
                eng, c, idx1 if title1 else c.path("ours.idx"),
                c.queries_raw, tag, extra)
    return out


# ---- the reference model ---------------------------------------------------
#
# BM25 written out plainly, to check the engine's scoring and to try what its
# options cannot: idf forms, other stop lists, stop words out of the
# documents. Tokens as common/tokenizer.h says
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
    """An inverted index in dicts of one docs.jsonl: the title counted
    `title` times (as `indexer --title-weight`), the tokens on `stop` left
    out of the documents (none by default, as in the engine)."""

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
        """Top `depth` (id, score), ties by position in docs.jsonl (the
        engine's document number, which decides what a tie at the depth
        cut keeps): each query token counts, repeats too; the tokens on
        `stop` are left out unless all of them are (searcher --plain:
        every token is a bare ranked word of one group)."""
        toks = model_tokens(query)
        kept = [t for t in toks if t not in stop]
        qtf = {}
        for t in kept or toks:
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
                              key=lambda x: (-x[1], x[0]))
        return [(self.ids[d], v) for d, v in top]


def model_means(eng, c, model, tag, k1, b, idf=idf_lucene, stop=()):
    runfile = c.path("m-%s.run" % tag)
    with open(runfile, "w", encoding="utf-8") as fp:
        for qid, text in c.raw:
            for rank, (d, v) in enumerate(model.search(text, k1, b, idf,
                                                       stop)):
                fp.write("%s Q0 %s %d %.6f model\n" % (qid, d, rank + 1, v))
    mean, _ = eng.evaluate(c.qrels, runfile)
    return mean


# Changes tried on the model, each from the engine's defaults: (tag, label,
# stop words out of the documents, stop words out of the queries, idf).
MODEL_VARIANTS = [
    ("fts5idf", "idf as FTS5's", (), SNOWBALL_STOP, idf_fts5),
    ("xapidf", "idf as Xapian's", (), SNOWBALL_STOP, idf_xapian),
    ("lucenestop", "Lucene's 33 stop words instead of Snowball's 174", (),
     LUCENE_STOP, idf_lucene),
    ("docstop", "stop words out of the documents too (Snowball's list)",
     SNOWBALL_STOP, SNOWBALL_STOP, idf_lucene),
]


def model_runs(eng, cols, res, stem, k1, b, stop, variants):
    """The model beside the engine at the engine's defaults (k1, b, each
    index's title weight, query stop words `stop`); then, if variants, the
    MODEL_VARIANTS. Returns ({tag: {collection: means}}, seconds spent on
    the variants)."""
    out, spent = {}, 0.0
    for c in cols:
        docs = read_docs(c.docs)
        title = res[c.key]["title_weight"]
        model = Model(docs, stem, title)
        mean = model_means(eng, c, model, "check", k1, b, stop=stop)
        ours = res[c.key]["runs"]["ours"]["mean"]
        res[c.key]["model"] = {m: mean[m] for m, _ in MEASURES}
        res[c.key]["model_diff"] = max(abs(mean[m] - ours[m])
                                       for m, _ in MEASURES)
        if not variants:
            continue
        t0 = time.monotonic()
        for tag, _, sdocs, squery, idf in MODEL_VARIANTS:
            m = Model(docs, stem, title, sdocs) if sdocs else model
            out.setdefault(tag, {})[c.key] = model_means(
                eng, c, m, tag, k1, b, idf, squery)
        spent += time.monotonic() - t0
        log("model: %s done" % c.label)
    return out, spent


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


def recall_behind(cols, res):
    """[(measure, label, [(collection, gap)])]: where ours is below the
    better peer in the measures the target leaves out."""
    out = []
    for m, lbl in MEASURES:
        if m in TARGET:
            continue
        where = []
        for c in cols:
            r = res[c.key]
            best = max(r["runs"][p]["mean"][m] for p in ("xapian", "fts5"))
            o = r["runs"]["ours"]["mean"][m]
            if not reaches(o, best):
                where.append((c, o - best))
        if where:
            out.append((m, lbl, where))
    return out


def times(n):
    return {1: "once", 2: "twice"}.get(n, "%d times" % n)


def title_words(meta):
    return "title weight %d" % meta["title"]


def stop_words(meta):
    return ("stop words left out of the query" if meta["stop"] else
            "every query word ranked")


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
    w("- Engines: ours (`%s`; its defaults: k1 = %s, b = %s, %s, %s), "
      "%s, %s. Evaluator `build/eval -c -M 1000` (trec_eval's measures and "
      "linear gain; every judged query counts, one with no result as 0)." %
      (meta["ours"], meta["k1"], meta["b"], title_words(meta),
       stop_words(meta), meta["xapian"], meta["fts5"]))
    w("- Documents: each collection's docs.jsonl, title and body, in all "
      "three engines; ours counts %s (`indexer --title-weight`: in the "
      "word's frequency and in the document's length, as if the title were "
      "written %s), the peers once. Queries: its queries.tsv, top 1000." % (
          "every title word %s" % times(meta["title"]),
          times(meta["title"])))
    w("- **ours**: the raw query text through `searcher --plain` (no "
      "operators; tokenized and stemmed exactly as documents are; %s). "
      "**Xapian**, **FTS5**: the benchmark's runners (`bench/peers/`, their "
      "configuration: BM25 k1 = 1.2, b = 0.75, the title counted once, no "
      "stop words) on sanitized queries: lower-cased runs of letters and "
      "digits joined by spaces, an OR of words (the form of the peer "
      "figures in `../shared/ANCHORS.md`). **ours (clean)**: ours on those "
      "same sanitized queries." % (
          "a word on Snowball's English stop list (%d words, "
          "common/stopwords.c) left out unless every word of the query is "
          "on it; the documents keep theirs" % meta["stop"]
          if meta["stop"] else "every word ranked"))
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
    loo = exp.get("loo")
    if loo:
        w("")
        w("The defaults were chosen on these same collections. Chosen "
          "without the collection it is judged on, the (k1, b) of the grid "
          "reaches the better peer on %d of %d (Experiments, leave one "
          "collection out)." % (sum(1 for x in loo if x["holds"]),
                                len(loo)))
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
    behind = recall_behind(cols, res)
    if behind:
        kept = (exp.get("ablations") or {}).get("keepstop")
        w("The target is nDCG@10 and MAP only. Ours is below the better "
          "peer in %s.%s" % (
              "; ".join("%s on %s" % (lbl, ", ".join(
                  "%s (%+.4f%s)" % (c.label, gap, "" if not kept else
                                    "; %s with `--keep-stopwords`" %
                                    f4(kept[c.key][m]))
                  for c, gap in where)) for m, lbl, where in behind),
              " A document that shares only stop words with a query no "
              "longer matches it once they are left out, so fewer documents "
              "are retrieved and recall deep in the ranking can fall; the "
              "figures with `--keep-stopwords` (from the Experiments) show "
              "how much of each gap that is." if kept else ""))
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
    checks(w, cols, res, meta)
    if exp:
        experiments(w, cols, res, meta, exp)
    w("## How to run")
    w("")
    w("    make eval                                # this page")
    w("    make eval EVAL_ARGS=--no-experiments     # without the "
      "Experiments%s" % (" (%.0f s less)" % meta["experiments_seconds"]
                         if meta.get("experiments_seconds") else ""))
    w("    make eval EVAL_ARGS='--only cisi,adi'    # some collections")
    w("")
    w("`make eval` installs the Debian packages it needs (`make deps`, "
      "`make bench-deps`), builds our engine, `build/eval` and the peer "
      "runners (bench/bench.mk), then runs `bench/relevance.py`. Under "
      "`bench/out/relevance/<collection>/`: the indexes, the sanitized "
      "queries, every run (`*.run`), the runners' logs; "
      "`bench/out/relevance/results.json` has every figure and the "
      "per-query values.")
    w("")
    return "\n".join(L)


def checks(w, cols, res, meta):
    diffs = [(res[c.key]["model_diff"], c.label) for c in cols
             if "model_diff" in res[c.key]]
    if diffs:
        worst, where = max(diffs)
        w("- **Scoring.** A plain BM25 written in Python (`Model` in "
          "bench/relevance.py: Lucene's idf ln(1 + (N - df + 0.5) / "
          "(df + 0.5)); k1 = %s, b = %s as `searcher --help` gives them; "
          "document length = tokens of the title, counted %s (the index's "
          "title weight, from `indexer --stats`), and of the body, every word "
          "counted, stop words too; a query word counted as often as it "
          "occurs; %s; query words absent from the index add nothing; a tie "
          "at the 1000th place kept by document order; the same tokenizer "
          "rules and the same libstemmer for queries and documents) gives "
          "ours' figures on %d of %d collections, %s: the engine scores what "
          "it says it scores." % (
              meta["k1"], meta["b"], times(meta["title"]),
              "the words on Snowball's English stop list (`SNOWBALL_STOP`, "
              "copied from common/stopwords.c) left out of the query unless "
              "all of its words are on it" if meta["stop"] else
              "every query word ranked",
              len(diffs), len(cols),
              "identical at four decimals on all five measures"
              if worst < 0.00005 else
              "within %.4f on all five measures (the largest difference on "
              "%s)" % (worst, where)))
    d = [(c.label, res[c.key]["runs"]["ours"]["mean"],
          res[c.key]["runs"]["ours-clean"]["mean"]) for c in cols]
    w("- **Query cleaning.** ours (raw, `--plain`) minus ours (clean): "
      "nDCG@10 %s; MAP %s. The raw text keeps a word with an apostrophe "
      "whole: `GAULLE'S` (stemmed to `gaull`), `I'd` and `don't` (on the "
      "stop list, left out); cleaning splits it (`gaulle s`, `i d`, "
      "`don t`), and the stray `s`, `d`, `t`, `don` are not on the list, "
      "so they count as words. This moves the few queries that have such "
      "words, either way." % (
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


def setting(k1, b):
    return "k1 %g, b %g" % (k1, b)


def experiments(w, cols, res, meta, exp):
    w("## Experiments")
    w("")
    w("Ours with other settings, raw queries, against the same peer runs "
      "(unchanged). Each change is made from ours' defaults (k1 = %s, "
      "b = %s, %s, %s)." % (meta["k1"], meta["b"], title_words(meta),
                            stop_words(meta)))
    w("")
    g = exp.get("grid")
    n = 2 * len(cols)
    if g:
        k1, b = float(meta["k1"]), float(meta["b"])
        rank = sorted(g, key=lambda r: (-r["holds"], -r["worst"],
                                        -r["mean_ndcg"]))
        top = rank[:12]
        dflt = [r for r in rank if (r["k1"], r["b"]) == (k1, b)]
        w("### One (k1, b) for every collection (`searcher --k1 --b`)")
        w("")
        w("The engine at its other defaults (%s, %s). Of the %d "
          "(collection, measure) pairs, how many reach the better peer; the "
          "worst gap; the means over collections. Sorted by pairs holding, "
          "then worst gap, then mean nDCG@10." % (
              title_words(meta), stop_words(meta), n))
        w("")
        w("| k1 | b | pairs holding | worst gap | mean nDCG@10 | mean MAP |")
        w("|---:|---:|---:|---:|---:|---:|")
        rows = top + [r for r in dflt if r not in top]
        for row in rows:
            mark = ""
            if (row["k1"], row["b"]) == (k1, b):
                mark = " (default%s)" % (
                    "" if row in top else
                    "; %d of %d" % (rank.index(row) + 1, len(rank)))
            w("| %g%s | %g | %d of %d | %+.4f | %s | %s |" % (
                row["k1"], mark, row["b"], row["holds"], n, row["worst"],
                f4(row["mean_ndcg"]), f4(row["mean_map"])))
        w("")
        full = [r for r in g if r["holds"] == n]
        w("(the 12 best of %d settings: k1 in {%s}, b in {%s}; all in "
          "bench/out/relevance/results.json.) %s" % (
              len(g), ", ".join(sorted({"%g" % r["k1"] for r in g},
                                       key=float)),
              ", ".join(sorted({"%g" % r["b"] for r in g}, key=float)),
              "%d of the %d settings %s the better peer on all %d "
              "pairs%s." % (
                  len(full), len(g), "reaches" if len(full) == 1 else
                  "reach", n,
                  ": " + "; ".join(setting(r["k1"], r["b"]) for r in full)
                  if 0 < len(full) <= 8 else "")))
        w("")
    loo = exp.get("loo")
    if loo:
        labels = {c.key: c.label for c in cols}
        held = sum(1 for x in loo if x["holds"])
        w("### Leave one collection out (from the grid's figures)")
        w("")
        w("The grid picks (k1, b) on the very collections it is then judged "
          "on. Here each collection is left out in turn: the setting best on "
          "the other %d (most pairs holding, then the larger worst gap, then "
          "the larger mean nDCG@10), and how that setting does on the "
          "collection left out." % (len(cols) - 1))
        w("")
        w("| left out | chosen on the others | pairs holding on them | "
          "nDCG@10 gap | MAP gap | reaches the better peer |")
        w("|---|---|---:|---:|---:|---|")
        for x in loo:
            w("| %s | %s | %d of %d | %+.4f | %+.4f | %s |" % (
                labels[x["key"]], setting(x["k1"], x["b"]), x["rest_holds"],
                x["rest_pairs"], x["on"]["ndcg_cut_10"][1],
                x["on"]["map"][1],
                "yes" if x["holds"] else "no (%s)" % ", ".join(
                    lbl for m, lbl in (("ndcg_cut_10", "nDCG@10"),
                                       ("map", "MAP"))
                    if not x["on"][m][2])))
        w("")
        chosen = sorted({(x["k1"], x["b"]) for x in loo})
        w("**%d of %d held-out collections reach the better peer at the "
          "setting chosen without them.** %s %s" % (
              held, len(loo),
              "The choice itself is stable: every fold picks %s." % setting(
                  *chosen[0]) if len(chosen) == 1 else
              "The folds pick %d different settings (%s)." % (
                  len(chosen), "; ".join(setting(*c) for c in chosen)),
              "So the all-pairs result does not hang on fitting (k1, b) to "
              "the collection it is judged on." if held == len(loo) else
              "So part of the all-pairs result is (k1, b) fitted to these "
              "collections: on a collection not used to choose it, expect "
              "to miss the better peer now and then, by about the gaps "
              "above."))
        w("")
        small = [(c.key, m) for c in cols for m in TARGET
                 if abs(res[c.key]["runs"]["ours"]["mean"][m] -
                        better_peer(res[c.key], m)[1]) < 0.005]
        lucky = [(c.key, m) for c in cols for m in TARGET
                 if res[c.key].get("p", {}).get(m, 1) >= 0.05]
        ahead = [c.label for c in cols if all(
            res[c.key].get("p", {}).get(m, 1) < 0.05 and
            res[c.key]["runs"]["ours"]["mean"][m] >
            better_peer(res[c.key], m)[1] for m in TARGET)]
        rest = [c.label for c in cols if c.label not in ahead]
        w("This covers (k1, b) only: the title weight and the stop list "
          "were settled on these same collections too (the next table shows "
          "what each brings), and no collection outside them has been "
          "tried. Many margins are thin: in the Summary, %d of the %d gaps "
          "to the better peer are under 0.005 and %d of %d have p >= 0.05, "
          "within the luck of the query sample. %s%s" % (
              len(small), n, len(lucky), n,
              "Ours is ahead beyond that luck (p < 0.05 on both measures) "
              "on %s. " % ", ".join(ahead) if ahead else "",
              "On %s the figures support \"not behind the peers\" rather "
              "than \"ahead\"." % ", ".join(rest) if rest else ""))
        w("")
    rows = []
    ab = exp.get("ablations")
    if ab:
        for tag, label, *_ in ABLATIONS:
            if tag in ab:
                rows.append(("engine: " + label, ab[tag]))
    mv = exp.get("model")
    if mv:
        for tag, label, *_ in MODEL_VARIANTS:
            if tag in mv:
                rows.append(("model: " + label, mv[tag]))
    if rows:
        w("### Each default changed back; and what the options cannot do")
        w("")
        titled = [c.label for c in cols if c.has_titles]
        w("- engine: our engine with one of its defaults changed back, "
          "then all of them (the old defaults: ours before these). Only "
          "%s %s titles, so the title weight leaves the others' figures "
          "as they are; the rows at title weight 1 use a second index "
          "(`indexer --title-weight 1`)." % (
              ", ".join(titled) or "none", "has" if len(titled) == 1
              else "have"))
        w("- model: the Python BM25 of the Checks, which reproduces ours, "
          "at ours' defaults but for one change: idf as FTS5's = "
          "ln((N - df + 0.5) / (df + 0.5)), at least 1e-6; as Xapian's = "
          "the same, or ln(x/2 + 1) where the ratio x <= 2; Lucene's "
          "English stop list (33 words, the one of Anserini's published "
          "runs) in place of Snowball's 174, with the same rule; the stop "
          "words (Snowball's) taken out of the documents too, so they no "
          "longer count in a document's length.")
        w("")
        w("nDCG@10 / MAP, and how many of the (collection, measure) pairs "
          "reach the better peer:")
        w("")
        w("| change | " + " | ".join(c.label for c in cols) +
          " | pairs holding |")
        w("|---|" + "---|" * len(cols) + "---:|")
        base = {c.key: res[c.key]["runs"]["ours"]["mean"] for c in cols}
        whole = []
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
                    ok = reaches(v, best)
                    hold += ok
                    total += 1
                    vals.append(("%s" if ok else "**%s**") % f4(v))
                cells.append(" / ".join(vals))
            w("| %s | %s | %d of %d |" % (label, " | ".join(cells), hold,
                                         total))
            if len(by) == len(cols):
                whole.append((label.split(" (")[0] if whole else
                              "the defaults", hold == total, [
                    sum(by[c.key][m] for c in cols) / len(cols)
                    for m in TARGET]))
        w("")
        w("Bold: below the better peer. Means over the collections, "
          "nDCG@10 / MAP: %s." % "; ".join(
              "%s %s / %s" % (lbl, f4(x[0]), f4(x[1]))
              for lbl, _, x in whole))
        alone = {"engine: " + label.split(" (")[0]
                 for tag, label, *_ in ABLATIONS if tag != "old"}
        single = [lbl.split(": ", 1)[1] for lbl, ok, _ in whole
                  if ok and lbl in alone]
        if single and whole[0][1]:
            w("")
            w("Changed back alone, %s still reach%s the better peer on every "
              "pair: %s not needed for the target, only for the means." % (
                  " and ".join(single), "es" if len(single) == 1 else "",
                  "it is" if len(single) == 1 else "they are"))
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
                    help="skip the (k1, b) grid and its leave-one-out "
                    "check, the ablations and the model's variants")
    ap.add_argument("--no-model", dest="model", action="store_false",
                    help="skip the reference BM25 written in Python")
    ap.add_argument("--k1s", default="0.6,0.9,1.2,1.4,1.5,1.6,2.0",
                    help="k1 values of the grid")
    ap.add_argument("--bs", default="0.3,0.4,0.5,0.55,0.6,0.65,0.75,0.9",
                    help="b values of the grid")
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
    # Without --keep-stopwords, the searcher has no stop words to keep.
    stop = SNOWBALL_STOP if "--keep-stopwords" in help_text else frozenset()
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
    if len({res[c.key]["title_weight"] for c in cols}) > 1:
        die("indexes of different title weights")
    exp, spent = {}, 0.0
    if stem:
        tm = time.monotonic()
        mv, spent = model_runs(eng, cols, res, stem, k1, b, stop,
                               a.experiments)
        if a.experiments:
            exp["model"] = mv
        log("model: %.0f s; largest difference from ours %.4f" % (
            time.monotonic() - tm, max(res[c.key]["model_diff"]
                                       for c in cols)))
    if a.experiments:
        tm = time.monotonic()
        exp["grid"] = grid(eng, cols, res, floats(a.k1s), floats(a.bs))
        exp["loo"] = leave_one_out(exp["grid"], cols)
        exp["ablations"] = ablations(eng, cols, res)
        spent += time.monotonic() - tm
        log("experiments: %.0f s" % spent)
    meta = {
        "command": a.command,
        "date": datetime.datetime.now().astimezone().strftime(
            "%Y-%m-%d %H:%M %Z"),
        "commit": git_commit(), "machine": machine(),
        "ours": version([eng.searcher, "--version"]),
        "xapian": version([eng.xapian, "--version"]),
        "fts5": version([eng.fts5, "--version"]),
        "k1": "%g" % k1, "b": "%g" % b,
        "title": res[cols[0].key]["title_weight"],
        "stop": len(stop),
        "seconds": time.monotonic() - t0,
        "experiments_seconds": spent if a.experiments else 0,
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
