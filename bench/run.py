#!/usr/bin/env python3
"""run.py - the benchmark driver: our engine, Xapian and SQLite FTS5 in one run.

    python3 bench/run.py [--quick] [options]      (normally via make bench)

For each corpus: every engine indexes the same JSONL file (engines in turn,
the order rotated from corpus to corpus), then the same query file is run
by every engine in interleaved rounds on a warm page cache, then a counting
pass for the agreement check, then (where /proc/sys/vm/drop_caches can be
written) a cold-cache pass. Writes RESULTS.md, results.json and, for the
scale series, PNG plots drawn by gnuplot. What is measured and how is told
in bench/README.md; this file is the source of truth for the details.

Our engine is measured only when build/indexer and build/searcher pass a
smoke test; otherwise its columns say "missing" and why. No figure of
ours is ever made up.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import queries as qgen  # noqa: E402

NEWS = os.environ.get("BENCH_NEWS") or os.path.normpath(
    os.path.join(TOP, "..", "shared", "corpora", "news"))
REUTERS = os.path.join(NEWS, "reuters21578", "reuters21578.jsonl")
COMBINED_XZ = os.path.join(NEWS, "combined", "news-combined.jsonl.xz")


def log(msg):
    print("bench: %s" % msg, file=sys.stderr, flush=True)


# ---- processes ------------------------------------------------------------

class Proc:
    """A finished child: exit code, wall seconds, peak RSS, stderr text.

    peak_anon_kb and peak_file_kb split the resident memory as sampled
    every 20 ms: private memory (RssAnon: heap, buffers) and mapped file
    pages (RssFile: for ours, the index file, which is page cache the
    kernel can take back). 0 where /proc has no such lines.
    """

    def __init__(self, code, wall, maxrss_kb, err, anon_kb=0, file_kb=0):
        self.code, self.wall, self.maxrss_kb, self.err = \
            code, wall, maxrss_kb, err
        self.peak_anon_kb, self.peak_file_kb = anon_kb, file_kb


class MemSampler(threading.Thread):
    """Peak RssAnon and RssFile of a process and its children."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.anon, self.file = pid, 0, 0
        self.done = threading.Event()

    @staticmethod
    def _tree(pid):
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            try:
                with open("/proc/%d/task/%d/children" % (p, p)) as fp:
                    todo += [int(x) for x in fp.read().split()]
            except (OSError, ValueError):
                pass
        return out

    def run(self):
        while not self.done.wait(0.02):
            for p in self._tree(self.pid):
                try:
                    with open("/proc/%d/status" % p) as fp:
                        text = fp.read()
                except OSError:
                    continue
                a = re.search(r"^RssAnon:\s+(\d+)", text, re.M)
                f = re.search(r"^RssFile:\s+(\d+)", text, re.M)
                if a:
                    self.anon = max(self.anon, int(a.group(1)))
                if f:
                    self.file = max(self.file, int(f.group(1)))


GNU_TIME = "/usr/bin/time"


def run(cmd, stdin=None, stdout=None, errfile=None, sample=False):
    """Runs cmd; wall clock from here, peak RSS from GNU time.

    GNU time forks the command itself and reads its rusage: a child of
    this Python process would report Python's own peak RSS from before its
    exec() as its own (Linux keeps the high-water mark across exec).
    """
    errfile = errfile or os.devnull
    rssfile = None
    if os.access(GNU_TIME, os.X_OK):
        fd, rssfile = tempfile.mkstemp(prefix="rss", suffix=".txt")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rssfile] + list(cmd)
    with open(errfile, "wb") as ef:
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
        t0 = time.monotonic()
        try:
            p = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=ef)
        except OSError as e:
            if rssfile:
                os.remove(rssfile)
            return Proc(127, 0.0, 0, str(e))
        finally:
            if stdin:
                fin.close()
            if stdout:
                fout.close()
        sampler = None
        if sample:
            sampler = MemSampler(p.pid)
            sampler.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        if sampler:
            sampler.done.set()
            sampler.join()
        p.returncode = os.waitstatus_to_exitcode(status)
    maxrss = ru.ru_maxrss
    if rssfile:
        with open(rssfile) as fp:
            nums = re.findall(r"^\d+$", fp.read(), re.M)
        os.remove(rssfile)
        maxrss = int(nums[-1]) if nums else 0
    err = ""
    if errfile != os.devnull:
        with open(errfile, encoding="utf-8", errors="replace") as fp:
            err = fp.read()
    return Proc(p.returncode, wall, maxrss, err,
                sampler.anon if sampler else 0, sampler.file if sampler else 0)


def dir_bytes(path):
    """(bytes allocated on disk, apparent bytes) of every file under path."""
    alloc = apparent = 0
    if os.path.isfile(path):
        st = os.stat(path)
        return st.st_blocks * 512, st.st_size
    for root, _, files in os.walk(path):
        for f in files:
            st = os.stat(os.path.join(root, f))
            alloc += st.st_blocks * 512
            apparent += st.st_size
    return alloc, apparent


def warm(path):
    """Reads every file under path once, so the page cache holds it."""
    for root, _, files in os.walk(path):
        for f in files:
            with open(os.path.join(root, f), "rb") as fp:
                while fp.read(1 << 20):
                    pass


def drop_caches():
    """Drops the page cache; returns None, or why it could not."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as fp:
            fp.write("3\n")
        return None
    except OSError as e:
        return "writing /proc/sys/vm/drop_caches failed: %s" % e.strerror


def read_timings(path):
    """{qid: (microseconds, total hits)} from a TIMINGS file."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8", errors="replace") as fp:
        for line in fp:
            f = line.rstrip("\n").split("\t")
            if len(f) >= 2:
                try:
                    us = float(f[1])
                    hits = int(float(f[2])) if len(f) > 2 and f[2] else -1
                except ValueError:
                    continue
                out[f[0]] = (us, hits)
    return out


def read_run(path):
    """{qid: [docid, ...]} in rank order from a TREC run file."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8", errors="replace") as fp:
        for line in fp:
            f = line.split()
            if len(f) >= 6:
                out.setdefault(f[0], []).append((int(f[3]), f[2]))
    return {q: [d for _, d in sorted(v)] for q, v in out.items()}


# ---- engines --------------------------------------------------------------

class Engine:
    name = ""
    stores_text = False

    def __init__(self, out):
        self.out = out
        self.missing = None  # why this engine is not measured
        self.version = ""

    def index_path(self, corpus, variant=""):
        os.makedirs(os.path.join(self.out, "index"), exist_ok=True)
        return os.path.join(self.out, "index", "%s-%s%s" %
                            (corpus, self.name, variant))


class Ours(Engine):
    name = "ours"
    stores_text = True

    def __init__(self, out, build):
        super().__init__(out)
        self.built = [os.path.join(TOP, build, p)
                      for p in ("indexer", "searcher")]
        self.indexer = os.path.join(out, "bin", "ours", "indexer")
        self.searcher = os.path.join(out, "bin", "ours", "searcher")
        self.digest = ""

    def snapshot(self):
        """Copies our binaries aside: the tree may be rebuilt mid-run."""
        d = os.path.dirname(self.indexer)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for src, dst in zip(self.built, (self.indexer, self.searcher)):
            if os.access(src, os.X_OK):
                shutil.copy2(src, dst)
        self.digest = binaries_digest([self.indexer, self.searcher])

    def changed(self):
        """True when build/ holds other binaries than those measured."""
        return binaries_digest(self.built) != self.digest

    def index(self, corpus_file, path, errfile, threads=1):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        # The peers count the title once, as --title-weight 1 does.
        return run([self.indexer, "-i", path, "--format", "jsonl",
                    "--title-weight", "1", "--threads", str(threads),
                    corpus_file], errfile=errfile, sample=True)

    def query(self, path, qfile, runfile, timfile, errfile, count=False):
        if os.path.exists(timfile):
            os.remove(timfile)
        # Top-10 rankings are pruned and count a lower bound; --count
        # counts every match, as the peers' --count does. The peers' BM25
        # (k1 = 1.2, b = 0.75) on every word of the query, stop words too.
        return run([self.searcher, "-i", path, "--format", "trec", "-n", "10",
                    "--k1", "1.2", "--b", "0.75", "--keep-stopwords",
                    "--timings", timfile] + (["--count"] if count else []),
                   stdin=qfile, stdout=runfile, errfile=errfile, sample=True)

    def stored_bytes(self, path, errfile):
        """Bytes of stored text from `indexer --stats`, or None."""
        p = run([self.indexer, "-i", path, "--stats"], stdout=errfile + ".out",
                errfile=errfile)
        if p.code != 0:
            return None, "indexer --stats failed (exit %d)" % p.code
        with open(errfile + ".out", encoding="utf-8",
                  errors="replace") as fp:
            text = fp.read() + "\n" + p.err
        return parse_stored(text)


def binaries_digest(paths):
    h = hashlib.sha256()
    for p in paths:
        if os.path.exists(p):
            with open(p, "rb") as fp:
                h.update(fp.read())
    return h.hexdigest()[:16]


def parse_stored(text):
    """Finds the stored-text byte count in `indexer --stats` output."""
    try:
        obj = json.loads(text.strip().split("\n\n")[0])

        def walk(o, key=""):
            if isinstance(o, dict):
                for k, v in o.items():
                    r = walk(v, k)
                    if r is not None:
                        return r
            elif isinstance(o, (int, float)) and re.search(
                    r"stor|docstore|text", key, re.I) and \
                    re.search(r"byte|size", key, re.I):
                return int(o)
            return None
        r = walk(obj)
        if r is not None:
            return r, None
    except ValueError:
        pass
    for line in text.splitlines():
        if re.search(r"stor|docstore", line, re.I) and \
                re.search(r"byte|size", line, re.I):
            nums = re.findall(r"(?<![\w.])(\d+)(?![\w.])", line)
            if nums:
                return int(nums[-1]), None
    return None, "no stored-text byte count found in `indexer --stats`"


class Xapian(Engine):
    name = "xapian"

    def __init__(self, out, bindir):
        super().__init__(out)
        self.bin = os.path.join(bindir, "xapian_bench")

    def index(self, corpus_file, path, errfile, store=False):
        shutil.rmtree(path, ignore_errors=True)
        return run([self.bin, "index", path, corpus_file] +
                   (["--store"] if store else []), errfile=errfile)

    def query(self, path, qfile, runfile, timfile, errfile, count=False):
        return run([self.bin, "query", path, qfile, runfile, timfile] +
                   (["--count"] if count else []), errfile=errfile,
                   sample=True)


class Fts5(Engine):
    name = "fts5"

    def __init__(self, out, bindir):
        super().__init__(out)
        self.bin = os.path.join(bindir, "fts5_bench")

    def index(self, corpus_file, path, errfile, store=False):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return run([self.bin, "index", os.path.join(path, "fts5.db"),
                    corpus_file] + (["--store"] if store else []),
                   errfile=errfile)

    def query(self, path, qfile, runfile, timfile, errfile, count=False):
        return run([self.bin, "query", os.path.join(path, "fts5.db"), qfile,
                    runfile, timfile] + (["--count"] if count else []),
                   errfile=errfile, sample=True)


SMOKE_DOCS = [
    {"id": "s1", "title": "Cocoa review", "date": "",
     "body": "Showers continued throughout the week in the Bahia cocoa zone."},
    {"id": "s2", "title": "Oil prices", "date": "",
     "body": "The Bank of England said oil prices rose."},
    {"id": "s3", "title": "", "date": "", "body": "Nothing about that here."},
]


def smoke_ours(ours, out):
    """Sets ours.missing unless our binaries index and answer a tiny set."""
    for b in ours.built:
        if not os.access(b, os.X_OK):
            ours.missing = "%s not built" % os.path.relpath(b, TOP)
            return
    ours.snapshot()
    d = os.path.join(out, "smoke")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    corpus = os.path.join(d, "smoke.jsonl")
    with open(corpus, "w") as fp:
        for doc in SMOKE_DOCS:
            fp.write(json.dumps(doc) + "\n")
    qf = os.path.join(d, "q.tsv")
    with open(qf, "w") as fp:
        fp.write('s1\tcocoa\ns2\t+oil +prices\ns3\t"bank of england"\n'
                 "s4\tzzzqqq\n")
    v = run([ours.searcher, "--version"], stdout=os.path.join(d, "version"))
    if v.code == 0:
        with open(os.path.join(d, "version")) as fp:
            ours.version = fp.read().strip()
    p = ours.index(corpus, os.path.join(d, "idx"), os.path.join(d, "ix.err"))
    if p.code != 0:
        ours.missing = "indexer exit %d on a 3-document file: %s" % (
            p.code, first_line(p.err))
        return
    tim, runf = os.path.join(d, "tim.tsv"), os.path.join(d, "run.trec")
    p = ours.query(os.path.join(d, "idx"), qf, runf, tim,
                   os.path.join(d, "q.err"))
    t, r = read_timings(tim), read_run(runf)
    why = []
    if p.code not in (0, 1):
        why.append("searcher exit %d: %s" % (p.code, first_line(p.err)))
    if set(t) != {"s1", "s2", "s3", "s4"}:
        why.append("--timings file lacks a line per query (has %d)" % len(t))
    if r.get("s1") != ["s1"] or r.get("s2") != ["s2"] or \
            r.get("s3") != ["s2"] or "s4" in r:
        why.append("wrong TREC results on the smoke set: %s" % r)
    if why:
        ours.missing = "; ".join(why)


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return "(no message)"


# ---- statistics -----------------------------------------------------------

def pct(sorted_vals, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return None
    k = max(1, -(-len(sorted_vals) * p // 100))
    return sorted_vals[int(k) - 1]


def summarize(lat):
    """lat: per-query latencies (µs) of one type -> its statistics."""
    v = sorted(lat)
    if not v:
        return None
    return {"n": len(v), "median": statistics.median(v), "p95": pct(v, 95),
            "p99": pct(v, 99), "mean": statistics.fmean(v),
            "qps": len(v) * 1e6 / sum(v) if sum(v) > 0 else None}


# ---- the run --------------------------------------------------------------

class Bench:
    def __init__(self, a):
        self.a = a
        self.out = os.path.abspath(a.out)
        self.bindir = os.path.join(self.out, "bin")
        os.makedirs(os.path.join(self.out, "log"), exist_ok=True)
        self.engines = []
        for name in a.engines.split(","):
            if name == "ours":
                self.engines.append(Ours(self.out, a.build))
            elif name == "xapian":
                self.engines.append(Xapian(self.out, self.bindir))
            elif name == "fts5":
                self.engines.append(Fts5(self.out, self.bindir))
            else:
                sys.exit("run.py: unknown engine %s" % name)
        self.results = {"corpora": [], "notes": []}
        self.turn = 0  # rotates the engine order

    def order(self):
        live = [e for e in self.engines if not e.missing]
        k = self.turn % max(1, len(live))
        self.turn += 1
        return live[k:] + live[:k]

    def logf(self, *parts):
        return os.path.join(self.out, "log", "-".join(parts) + ".err")

    # -- corpora and queries

    def corpus_file(self, name):
        cdir = os.path.join(self.out, "corpora")
        os.makedirs(cdir, exist_ok=True)
        if name == "reuters":
            return REUTERS
        if name == "combined":
            dst = os.path.join(cdir, "news-combined.jsonl")
            if not fresh(dst, COMBINED_XZ):
                log("decompressing %s" % os.path.relpath(COMBINED_XZ, TOP))
                with open(dst + ".tmp", "wb") as fp:
                    subprocess.run(["xz", "-dc", COMBINED_XZ], stdout=fp,
                                   check=True)
                os.replace(dst + ".tmp", dst)
            return dst
        m = re.match(r"reuters-x(\d+)$", name)
        if m:
            dst = os.path.join(cdir, "%s.jsonl" % name)
            if not fresh(dst, REUTERS, os.path.join(HERE, "scale.py")):
                log("writing %s (%s copies of Reuters-21578)" %
                    (name, m.group(1)))
                subprocess.run([sys.executable,
                                os.path.join(HERE, "scale.py"), REUTERS, dst,
                                m.group(1)], check=True)
            return dst
        sys.exit("run.py: unknown corpus %s" % name)

    def query_file(self, base, corpus_file):
        """Queries sampled from `corpus_file`, cached under out/queries."""
        qdir = os.path.join(self.out, "queries")
        os.makedirs(qdir, exist_ok=True)
        tsv = os.path.join(qdir, "%s-s%d-n%d.tsv" %
                           (base, self.a.seed, self.a.per_type))
        meta = tsv[:-4] + ".meta.json"
        if not fresh(tsv, corpus_file, os.path.join(HERE, "queries.py")) or \
                not os.path.exists(meta):
            log("sampling queries from %s" % base)
            lines, m = qgen.generate(corpus_file, self.a.seed,
                                     self.a.per_type)
            with open(meta, "w") as fp:
                json.dump(m, fp, indent=1)
            with open(tsv, "w") as fp:
                fp.writelines(lines)
        with open(meta) as fp:
            return tsv, json.load(fp)

    # -- one corpus

    def bench_corpus(self, name, qbase, full_checks, rounds):
        t_start = time.monotonic()
        cfile = self.corpus_file(name)
        base_file = self.corpus_file(qbase)
        qfile, qmeta = self.query_file(qbase, base_file)
        docs, text_bytes = count_corpus(cfile)
        res = {"name": name, "file": os.path.relpath(cfile, TOP),
               "docs": docs, "text_bytes": text_bytes,
               "queries_from": qbase, "query_file": os.path.relpath(qfile,
                                                                    TOP),
               "bands": qmeta["bands"], "rounds": rounds, "index": {},
               "index_stored": {}, "latency": {}, "cold": None,
               "agreement": None, "overlap": None, "loadavg_start": loadavg()}
        log("== %s: %d docs, %.1f MB of title+body text" %
            (name, docs, text_bytes / 1e6))

        # Indexing, engines in turn.
        for e in self.order():
            path = e.index_path(name)
            log("%s: indexing with %s" % (name, e.name))
            p = e.index(cfile, path, self.logf(name, e.name, "index"))
            if p.code != 0:
                res["index"][e.name] = {"error": "exit %d: %s" % (
                    p.code, first_line(p.err))}
                log("  failed: %s" % res["index"][e.name]["error"])
                continue
            alloc, apparent = dir_bytes(path)
            r = {"wall_s": p.wall, "mb_s": text_bytes / 1e6 / p.wall,
                 "peak_rss_kb": p.maxrss_kb, "peak_anon_kb": p.peak_anon_kb,
                 "peak_file_kb": p.peak_file_kb, "bytes": alloc,
                 "apparent_bytes": apparent, "ratio": alloc / text_bytes,
                 "summary": first_line(p.err)}
            if e.stores_text:
                stored, why = e.stored_bytes(path, self.logf(name, e.name,
                                                             "stats"))
                r["stored_bytes"] = stored
                if stored is not None:
                    r["bytes_no_text"] = alloc - stored
                    r["ratio_no_text"] = (alloc - stored) / text_bytes
                else:
                    r["no_text_why"] = why
            res["index"][e.name] = r
            log("  %.1f s, %.2f MB/s, %.1f MB on disk (%.2fx text), "
                "peak RSS %.0f MB" % (p.wall, r["mb_s"], alloc / 1e6,
                                      r["ratio"], p.maxrss_kb / 1024))

        # The peers' size with stored text (they store none by default).
        if full_checks and self.a.stored_variants:
            for e in self.order():
                if e.stores_text:
                    continue
                path = e.index_path(name, "-stored")
                log("%s: indexing with %s --store (size only)" %
                    (name, e.name))
                p = e.index(cfile, path, self.logf(name, e.name, "store"),
                            store=True)
                if p.code == 0:
                    alloc, _ = dir_bytes(path)
                    res["index_stored"][e.name] = {
                        "bytes": alloc, "ratio": alloc / text_bytes,
                        "wall_s": p.wall}
                shutil.rmtree(path, ignore_errors=True)

        # Ours again with two threads (the machine's cores): time only.
        res["index_threads"] = {}
        for e in self.order():
            if not e.stores_text or e.missing:
                continue
            path = e.index_path(name, "-threads2")
            log("%s: indexing with %s --threads 2" % (name, e.name))
            p = e.index(cfile, path, self.logf(name, e.name, "threads2"),
                        threads=2)
            if p.code == 0:
                res["index_threads"][e.name] = {
                    "threads": 2, "wall_s": p.wall,
                    "mb_s": text_bytes / 1e6 / p.wall,
                    "peak_rss_kb": p.maxrss_kb,
                    "peak_anon_kb": p.peak_anon_kb,
                    "peak_file_kb": p.peak_file_kb}
                log("  %.1f s, %.2f MB/s" % (p.wall, text_bytes / 1e6 / p.wall))
            shutil.rmtree(path, ignore_errors=True)

        self.index_again(name, cfile, text_bytes, res)

        live = [e for e in self.engines
                if not e.missing and "error" not in res["index"].get(
                    e.name, {"error": 1})]

        # Warm-cache rounds, interleaved. The page cache is dropped first,
        # so that every index is cached as reading it leaves it, not as
        # its build left it: pages written a moment ago sit in the cache in
        # small pieces, and a memory map (ours) then takes a fault for
        # each 4 KB page instead of one for a readahead's worth (200 rare
        # queries on combined: 819 faults against 400).
        why = drop_caches()
        res["warm_drop"] = why or "dropped"
        if why:
            log("  warm cache without a drop first: %s" % why)
        for e in live:
            warm(e.index_path(name))
        lat = {e.name: {} for e in live}
        hits = {e.name: {} for e in live}
        batch = {e.name: [] for e in live}
        runs = {}
        for rnd in range(rounds):
            for e in self.order():
                if e not in live:
                    continue
                tag = "%s-%s-r%d" % (name, e.name, rnd)
                runf = os.path.join(self.out, "runs", tag + ".trec")
                timf = os.path.join(self.out, "runs", tag + ".tim")
                os.makedirs(os.path.dirname(runf), exist_ok=True)
                p = e.query(e.index_path(name), qfile, runf, timf,
                            self.logf(tag))
                t = read_timings(timf)
                if p.code not in (0, 1) or not t:
                    log("  %s round %d failed: exit %d: %s" % (
                        e.name, rnd, p.code, first_line(p.err)))
                    continue
                batch[e.name].append({"wall_s": p.wall, "queries": len(t),
                                      "peak_rss_kb": p.maxrss_kb,
                                      "peak_anon_kb": p.peak_anon_kb})
                for q, (us, h) in t.items():
                    lat[e.name].setdefault(q, []).append(us)
                    hits[e.name][q] = h
                runs[e.name] = runf
            log("%s: query round %d/%d done" % (name, rnd + 1, rounds))
        types = {q["qid"]: q["type"] for q in qmeta["queries"]}
        for e in live:
            if not lat[e.name]:
                continue
            per = {}
            for q, v in lat[e.name].items():
                per.setdefault(types.get(q, "?"), []).append(
                    statistics.median(v))
            res["latency"][e.name] = {
                "types": {t: summarize(v) for t, v in per.items()},
                "batches": batch[e.name],
                "batch_qps": [b["queries"] / b["wall_s"]
                              for b in batch[e.name]],
            }

        if full_checks:
            res["agreement"] = self.agreement(name, qfile, qmeta, live, hits)
            res["overlap"] = overlap(qmeta, {e: read_run(f)
                                             for e, f in runs.items()})
            if self.a.cold:
                res["cold"] = self.cold(name, qfile, qmeta, live)
        res["seconds"] = time.monotonic() - t_start
        res["loadavg_end"] = loadavg()
        log("%s: done in %.0f s" % (name, res["seconds"]))
        return res

    def index_again(self, name, cfile, text_bytes, res):
        """Index again, interleaved, with every engine whose first run took
        under --repeat-under seconds (ours with 1 and 2 threads), into a
        scratch directory; wall time and MB/s become the median of the
        runs, peak memory the largest. One run of an engine moves by a
        quarter from run to run on this shared machine (FTS5 on Reuters:
        17.9 to 25.2 MB/s over three runs of this bench)."""
        runs = [(e, 1, res["index"].get(e.name)) for e in self.engines
                if not e.missing] + \
               [(e, 2, res["index_threads"].get(e.name)) for e in self.engines
                if not e.missing and e.stores_text]
        runs = [(e, t, r) for e, t, r in runs
                if r and "error" not in r and
                r["wall_s"] < self.a.repeat_under]
        for e, t, r in runs:
            r["wall_runs"] = [r["wall_s"]]
        for rnd in range(1, self.a.index_rounds):
            for e, t, r in runs:
                path = e.index_path(name, "-again")
                err = self.logf(name, e.name, "again%d-%d" % (t, rnd))
                p = e.index(cfile, path, err, threads=t) if t > 1 \
                    else e.index(cfile, path, err)
                shutil.rmtree(path, ignore_errors=True)
                if p.code != 0:
                    log("%s: %s indexing again failed: exit %d" % (
                        name, e.name, p.code))
                    continue
                r["wall_runs"].append(p.wall)
                for k, v in (("peak_rss_kb", p.maxrss_kb),
                             ("peak_anon_kb", p.peak_anon_kb),
                             ("peak_file_kb", p.peak_file_kb)):
                    if r.get(k) is not None and v is not None:
                        r[k] = max(r[k], v)
            log("%s: indexing round %d/%d done" % (name, rnd + 1,
                                                 self.a.index_rounds))
        for e, t, r in runs:
            r["wall_s"] = statistics.median(r["wall_runs"])
            r["mb_s"] = text_bytes / 1e6 / r["wall_s"]

    def agreement(self, name, qfile, qmeta, live, hits):
        """Exact match counts of phrase and AND queries, every engine."""
        sub = [q for q in qmeta["queries"]
               if q["type"] in qgen.PHRASE_TYPES + ["and2"]]
        subfile = os.path.join(self.out, "queries", "%s-count.tsv" % name)
        with open(subfile, "w") as fp:
            for q in sub:
                fp.write("%s\t%s\n" % (q["qid"], q["query"]))
        counts = {}
        for e in live:
            tag = "%s-%s-count" % (name, e.name)
            timf = os.path.join(self.out, "runs", tag + ".tim")
            e.query(e.index_path(name), subfile,
                    os.path.join(self.out, "runs", tag + ".trec"), timf,
                    self.logf(tag), count=True)
            counts[e.name] = {q: h for q, (_, h) in
                              read_timings(timf).items()}
        rows = []
        for q in sub:
            row = {"qid": q["qid"], "type": q["type"],
                   "subtype": q["subtype"], "query": q["query"]}
            for e in counts:
                row[e] = counts[e].get(q["qid"])
            if q["type"] in qgen.PHRASE_TYPES:
                row["ref_alnum"] = q["ref_alnum"]
                row["ref_apos"] = q["ref_apos"]
                row["why"] = explain(row)
            rows.append(row)
        return {"rows": rows, "engines": list(counts)}

    def cold(self, name, qfile, qmeta, live):
        """Per engine and type: drop caches, run the first N queries."""
        why = drop_caches()
        if why:
            return {"refused": why}
        n = self.a.cold_queries
        by_type = {}
        for q in qmeta["queries"]:
            by_type.setdefault(q["type"], [])
            if len(by_type[q["type"]]) < n:
                by_type[q["type"]].append(q)
        out = {"queries_per_type": n, "types": {}}
        for t, qs in by_type.items():
            f = os.path.join(self.out, "queries", "%s-cold-%s.tsv" % (name,
                                                                       t))
            with open(f, "w") as fp:
                for q in qs:
                    fp.write("%s\t%s\n" % (q["qid"], q["query"]))
            for e in self.order():
                if e not in live:
                    continue
                why = drop_caches()
                if why:
                    return {"refused": why}
                tag = "%s-%s-cold-%s" % (name, e.name, t)
                timf = os.path.join(self.out, "runs", tag + ".tim")
                e.query(e.index_path(name), f,
                        os.path.join(self.out, "runs", tag + ".trec"), timf,
                        self.logf(tag))
                v = sorted(us for us, _ in read_timings(timf).values())
                if v:
                    out["types"].setdefault(t, {})[e.name] = {
                        "n": len(v), "median": statistics.median(v),
                        "p95": pct(v, 95), "first": read_first(timf)}
        log("%s: cold-cache pass done" % name)
        return out


def read_first(timf):
    with open(timf) as fp:
        f = fp.readline().split("\t")
    return float(f[1]) if len(f) > 1 else None


def explain(row):
    """Why a phrase query's counts differ between engines, when known."""
    out = []
    x, f, o = row.get("xapian"), row.get("fts5"), row.get("ours")
    a, ap = row["ref_alnum"], row["ref_apos"]
    if f is not None and f > a:
        out.append("FTS5 stems phrase words (Porter): +%d" % (f - a))
    if f is not None and f < a:
        out.append("FTS5 below the letters-and-digits scan: -%d" % (a - f))
    if x is not None and x != a:
        if x == ap:
            out.append("Xapian keeps x's and U.S. whole: %+d" % (x - a))
        else:
            out.append("Xapian %+d vs the scan (apostrophe form %d)" %
                       (x - a, ap))
    if o is not None and o >= 0 and o != a:
        if o == ap:
            out.append("ours keeps x's and U.S. whole: %+d" % (o - a))
        else:
            out.append("ours %+d vs the scan (apostrophe form %d)" %
                       (o - a, ap))
    return "; ".join(out)


def overlap(qmeta, runs):
    """Mean shared share of the top 10 per type, for each pair of engines."""
    names = sorted(runs)
    out = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            per = {}
            for q in qmeta["queries"]:
                ra, rb = runs[a].get(q["qid"], []), runs[b].get(q["qid"], [])
                if not ra and not rb:
                    continue
                share = len(set(ra[:10]) & set(rb[:10])) / \
                    max(len(ra[:10]), len(rb[:10]))
                per.setdefault(q["type"], []).append(share)
            out["%s/%s" % (a, b)] = {t: statistics.fmean(v)
                                     for t, v in per.items()}
    return out


def loadavg():
    """The 1-minute load average: other work on the machine skews times."""
    with open("/proc/loadavg") as fp:
        return float(fp.read().split()[0])


def fresh(dst, *srcs):
    if not os.path.exists(dst):
        return False
    m = os.path.getmtime(dst)
    return all(os.path.getmtime(s) <= m for s in srcs)


def count_corpus(path):
    docs = tb = 0
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            if line.strip():
                o = json.loads(line)
                docs += 1
                tb += len((o.get("title") or "").encode()) + \
                    len((o.get("body") or "").encode())
    return docs, tb


# ---- the machine ----------------------------------------------------------

def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as fp:
        for line in fp:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as fp:
        for line in fp:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    osname = platform.platform()
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as fp:
            for line in fp:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": mem,
            "os": osname, "kernel": platform.release(),
            "python": platform.python_version()}


def git_commit(dirty_mark="+dirty"):
    """Short HEAD, with `dirty_mark` when tracked files have changes."""
    try:
        c = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", TOP, "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return (c or "unknown") + (dirty_mark if dirty else "")
    except OSError:
        return "unknown"


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


# ---- main -----------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="Reuters-21578 only, no scale series")
    ap.add_argument("--scales", default="4,16",
                    help="Reuters copies beyond 1x in the scale series")
    ap.add_argument("--no-combined", action="store_true")
    # 5: one process's speed on this shared machine varies by a quarter from
    # run to run (Reuters "a b c", ours: 31, 47 and 48 us in three rounds
    # of one run), and with 3 rounds two slow ones set the median.
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scale-rounds", type=int, default=2,
                    help="warm rounds at the larger scale points")
    ap.add_argument("--index-rounds", type=int, default=3,
                    help="indexing runs of each quick engine (median)")
    ap.add_argument("--repeat-under", type=float, default=30,
                    help="index again only with engines whose first run "
                    "took under this many seconds")
    ap.add_argument("--per-type", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--cold-queries", type=int, default=20)
    ap.add_argument("--no-cold", dest="cold", action="store_false")
    ap.add_argument("--no-stored-variants", dest="stored_variants",
                    action="store_false")
    ap.add_argument("--engines", default="ours,xapian,fts5")
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--results", default=None,
                    help="directory for RESULTS.md, results.json, plots")
    ap.add_argument("--command", default=None,
                    help="the command to state in RESULTS.md")
    a = ap.parse_args()
    if not os.path.exists(REUTERS):
        sys.exit("run.py: %s not found (set BENCH_NEWS to the news corpora)"
                 % REUTERS)
    if a.results is None:
        a.results = os.path.join(a.out, "quick") if a.quick else HERE
    t0 = time.monotonic()
    b = Bench(a)
    for e in b.engines:
        if e.name == "ours":
            smoke_ours(e, b.out)
            if e.missing:
                log("our engine is not measured: %s" % e.missing)
        elif not os.access(e.bin, os.X_OK):
            e.missing = "%s not built" % e.bin
        else:
            e.version = tool_version([e.bin, "--version"])
    corpora = [("reuters", "reuters", True, a.rounds)]
    if not a.quick:
        for s in (int(x) for x in a.scales.split(",") if x.strip()):
            corpora.append(("reuters-x%d" % s, "reuters", False,
                            a.scale_rounds))
        if not a.no_combined:
            corpora.append(("combined", "combined", True, a.rounds))
    b.results.update({
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"),
        "command": a.command or " ".join([os.path.basename(sys.executable)] +
                                         sys.argv),
        "commit": git_commit(), "machine": machine(),
        "engines": {e.name: {"version": e.version, "missing": e.missing,
                             "sha256": getattr(e, "digest", "")}
                    for e in b.engines},
        "settings": {k: v for k, v in vars(a).items()
                     if k not in ("out", "results", "command")},
    })
    for name, qbase, full, rounds in corpora:
        b.results["corpora"].append(b.bench_corpus(name, qbase, full, rounds))
    for e in b.engines:
        if e.name == "ours" and not e.missing and e.changed():
            b.results["notes"].append(
                "%s was rebuilt during the run; the figures are those of the "
                "binaries copied at its start (sha256 %s...)." % (
                    os.path.join(a.build, "{indexer,searcher}"), e.digest))
    b.results["seconds"] = time.monotonic() - t0
    os.makedirs(a.results, exist_ok=True)
    import report
    report.write(b.results, a.results, b.out)
    log("finished in %.0f s: %s" % (b.results["seconds"],
                                    os.path.join(a.results, "RESULTS.md")))


if __name__ == "__main__":
    main()
