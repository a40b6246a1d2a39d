"""report.py - RESULTS.md, results.json and the gnuplot plots of a run.

Called by run.py with the results dictionary; `python3 bench/report.py
DIR/results.json` redraws RESULTS.md and the plots from a saved run.
"""
import json
import os
import shutil
import subprocess
import sys

ENGINES = ["ours", "xapian", "fts5"]
LABEL = {"ours": "ours", "xapian": "Xapian", "fts5": "FTS5"}
TYPES = ["rare", "medium", "frequent", "or2", "or3", "and2", "phrase2",
         "phrase3"]
TYPE_LABEL = {
    "rare": "rare term", "medium": "medium term", "frequent": "frequent term",
    "or2": "a b (OR)", "or3": "a b c (OR)", "and2": "+a +b (AND)",
    "phrase2": '"a b"', "phrase3": '"a b c"',
}
MISSING = "missing"


def us(v):
    return MISSING if v is None else "{:,}".format(int(round(v)))


def num(v, fmt="%.2f"):
    return MISSING if v is None else fmt % v


def mb(v):
    return MISSING if v is None else "%.1f" % (v / 1e6)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def engines_of(res):
    return [e for e in ENGINES if e in res["engines"]]


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def type_stat(c, e, t, key):
    return get(c, "latency", e, "types", t, key)


def index_runs_note(res):
    """How many runs each indexing time is the median of."""
    st = res.get("settings", {})
    n = st.get("index_rounds", 1)
    if n <= 1:
        return "One run of each."
    return ("Wall s and MB/s: median of %d runs, interleaved, of each engine "
            "that indexed the corpus in under %g s the first time (ours "
            "with 1 and 2 threads), one run of the others; peak RSS: the "
            "largest of the runs; every run's time is in results.json "
            "(`wall_runs`)." % (n, st.get("repeat_under", 30)))


def write(res, outdir, workdir):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "results.json"), "w") as fp:
        json.dump(res, fp, indent=1, sort_keys=True)
    plots = plot(res, outdir, workdir)
    with open(os.path.join(outdir, "RESULTS.md"), "w") as fp:
        fp.write(markdown(res, plots))


# ---- markdown -------------------------------------------------------------

def markdown(res, plots):
    L = []
    m = res["machine"]
    eng = engines_of(res)
    L.append("# Benchmark: our engine, Xapian and SQLite FTS5\n")
    L.append("Written by `bench/run.py`; how and why in "
             "[README.md](README.md). Absolute figures first, then our "
             "ratios to each peer.\n")
    L.append("| | |\n|---|---|")
    L.append("| date | %s |" % res["date"])
    L.append("| command | `%s` |" % res["command"])
    L.append("| commit | %s |" % res["commit"])
    L.append("| machine | %s, %d cores, %.1f GiB memory; %s, kernel %s |" %
             (m["cpu"], m["cores"], m["memory_bytes"] / 2**30, m["os"],
              m["kernel"]))
    L.append("| run time | %.1f min |" % (res["seconds"] / 60))
    L.append("| load average (1 min) at each corpus start / end | %s |" %
             ", ".join("%s %.1f / %.1f" % (c["name"], c["loadavg_start"],
                                           c["loadavg_end"])
                       for c in res["corpora"] if "loadavg_end" in c))
    for e in eng:
        info = res["engines"][e]
        if info["missing"]:
            what = "**not measured**: " + info["missing"]
        else:
            what = info["version"]
            if info.get("sha256"):
                what += " (build/indexer + searcher copied at the start, " \
                    "sha256 %s...)" % info["sha256"]
        L.append("| %s | %s |" % (LABEL[e], what))
    s = res["settings"]
    L.append("| queries | %d per type, seed %d, top 10 by BM25 "
             "(k1 = 1.2, b = 0.75) |" % (s["per_type"], s["seed"]))
    cold_note = cold_status(res)
    undropped = [c["name"] for c in res["corpora"]
                 if c.get("warm_drop", "dropped") != "dropped"]
    L.append("| page cache | warm: page cache dropped%s, then index files "
             "read once before the rounds, each query's median over the "
             "rounds; cold: %s |" % (
                 " (not for %s: not allowed)" % ", ".join(undropped)
                 if undropped else "", cold_note))
    L.append("")
    if res["engines"].get("ours", {}).get("missing"):
        L.append("> Our engine was not measured in this run (%s): its "
                 "columns read \"missing\", and no ratio is given.\n" %
                 res["engines"]["ours"]["missing"])

    # Indexing.
    L.append("## Indexing\n")
    L.append("Same JSONL file for every engine, title+body indexed with "
             "positions; MB/s of title+body text (UTF-8 bytes); index size "
             "= bytes allocated on disk. Our index keeps the text (for "
             "snippets), the peers' do not unless marked \"with text\" (a "
             "build with `--store`, measured for size only). %s\n" %
             index_runs_note(res))
    L.append("| corpus | docs | text MB | engine | wall s | MB/s | "
             "peak RSS MB | index MB | index / text | without text | "
             "with text |")
    L.append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for c in res["corpora"]:
        for e in eng:
            r = c["index"].get(e)
            head = "| %s | %s | %.1f | %s |" % (
                c["name"], "{:,}".format(c["docs"]), c["text_bytes"] / 1e6,
                LABEL[e])
            if r is None or "error" in r:
                why = (r or {}).get("error") or res["engines"][e]["missing"] \
                    or "not run"
                L.append(head + " %s | | | | | | |" % (MISSING + ": " + why))
                continue
            if e == "ours":
                without = num(r.get("ratio_no_text")) if \
                    r.get("ratio_no_text") is not None else \
                    "n/a (%s)" % r.get("no_text_why", "?")
                with_ = "%.2f" % r["ratio"]
            else:
                without = "%.2f" % r["ratio"]
                st = c["index_stored"].get(e)
                with_ = "%.2f" % st["ratio"] if st else ""
            L.append(head + " %.1f | %.2f | %.0f | %.1f | %.2f | %s | %s |" % (
                r["wall_s"], r["mb_s"], r["peak_rss_kb"] / 1024,
                r["bytes"] / 1e6, r["ratio"], without, with_))
            t2 = c.get("index_threads", {}).get(e)
            if t2:
                L.append("| %s | %s | %.1f | %s --threads 2 | %.1f | %.2f | "
                         "%.0f | | | | |" % (
                             c["name"], "{:,}".format(c["docs"]),
                             c["text_bytes"] / 1e6, LABEL[e], t2["wall_s"],
                             t2["mb_s"], t2["peak_rss_kb"] / 1024))
    L.append("")

    # Memory of our indexer against its --memory bound.
    L.append("### Our indexer's memory against `--memory`\n")
    L.append("Ours runs with the default `--memory 256` (MB). Resident "
             "memory sampled every 20 ms, split into private memory "
             "(RssAnon: buffers, heap, LMDB's copies of changed pages), "
             "which the bound covers, and mapped pages of the index file "
             "(RssFile: page cache the kernel can reclaim). Peak RSS is "
             "GNU time's, the two together.\n")
    L.append("| corpus | run | peak private MB | private − bound MB | "
             "peak mapped file MB | peak RSS MB |")
    L.append("|---|---|---:|---:|---:|---:|")
    for c in res["corpora"]:
        runs = [("1 thread", c["index"].get("ours")),
                ("--threads 2", c.get("index_threads", {}).get("ours"))]
        for label, r in runs:
            if not r or "error" in r or not r.get("peak_anon_kb"):
                continue
            anon = r["peak_anon_kb"] / 1024
            L.append("| %s | %s | %.0f | %.0f | %.0f | %.0f |" % (
                c["name"], label, anon, anon - 256,
                r.get("peak_file_kb", 0) / 1024, r["peak_rss_kb"] / 1024))
    L.append("")

    # Latency on the real corpora.
    for c in res["corpora"]:
        if c["agreement"] is None:
            continue
        L.append("## Queries on %s (warm cache)\n" % c["name"])
        L.append("%s docs; %d queries per type sampled from %s; "
                 "latency in µs for the top 10 as median / p95 / p99 of "
                 "each query's median over %d rounds; QPS = queries per "
                 "second of one thread running that type's batch (sum of "
                 "in-process latencies).\n" % (
                     "{:,}".format(c["docs"]), res["settings"]["per_type"],
                     c["queries_from"], c["rounds"]))
        L.append("| query type | " + " | ".join(
            "%s med / p95 / p99" % LABEL[e] for e in eng) + " | " +
            " | ".join("%s QPS" % LABEL[e] for e in eng) + " |")
        L.append("|---|" + "---:|" * (2 * len(eng)))
        for t in TYPES:
            cells = []
            for e in eng:
                if type_stat(c, e, t, "median") is None:
                    cells.append(MISSING)
                else:
                    cells.append("%s / %s / %s" % (
                        us(type_stat(c, e, t, "median")),
                        us(type_stat(c, e, t, "p95")),
                        us(type_stat(c, e, t, "p99"))))
            q = [us(type_stat(c, e, t, "qps")) for e in eng]
            L.append("| %s | %s | %s |" % (TYPE_LABEL[t], " | ".join(cells),
                                           " | ".join(q)))
        bq = []
        for e in eng:
            v = get(c, "latency", e, "batch_qps")
            bq.append("%s %s" % (LABEL[e], "%.0f" % max(v) if v
                                 else MISSING))
        L.append("\nWhole batch, all types, wall clock of the process "
                 "(start, opening, printing included), best round, "
                 "queries/s: %s.\n" % ", ".join(bq))
        ratios_section(L, c, eng)
        cold_section(L, c, eng)
        agreement_section(L, c, eng)

    scale_section(L, res, eng, plots)
    L.append("## Notes\n")
    L.append("- Ratios are ours divided by the peer's. Times, sizes and "
             "memory: below 1 means ours is smaller or faster. Throughput "
             "(MB/s, QPS): above 1 means ours is faster.")
    L.append("- Full per-query data: `bench/out/runs/*.tim` (QID, µs, "
             "hits) and `*.trec`; everything in this page is in "
             "`results.json` beside it.")
    for n in res.get("notes", []):
        L.append("- " + n)
    L.append("")
    return "\n".join(L)


def cold_status(res):
    for c in res["corpora"]:
        cold = c.get("cold")
        if cold is None:
            continue
        if "refused" in cold:
            return "not measured, %s" % cold["refused"]
        return ("page cache dropped (`echo 3 > /proc/sys/vm/drop_caches`) "
                "before each engine's batch of the first %d queries of a "
                "type" % cold["queries_per_type"])
    if not res["settings"].get("cold", True):
        return "not measured (--no-cold)"
    return "not measured"


def ratios_section(L, c, eng):
    peers = [e for e in eng if e != "ours"]
    if "ours" not in eng or not peers:
        return
    L.append("### Our ratios to each peer on %s\n" % c["name"])
    if not c["latency"].get("ours") or "error" in c["index"].get(
            "ours", {"error": 1}):
        L.append("Missing: our engine was not measured.\n")
        return
    L.append("| measure | " + " | ".join("ours / %s" % LABEL[p]
                                         for p in peers) + " |")
    L.append("|---|" + "---:|" * len(peers))

    def row(label, f):
        L.append("| %s | %s |" % (label, " | ".join(
            num(f(p)) for p in peers)))
    ix = c["index"]
    row("indexing MB/s (>1: ours faster)",
        lambda p: ratio(get(ix, "ours", "mb_s"), get(ix, p, "mb_s")))
    row("indexing MB/s, ours with --threads 2",
        lambda p: ratio(get(c, "index_threads", "ours", "mb_s"),
                        get(ix, p, "mb_s")))
    row("peak RSS while indexing",
        lambda p: ratio(get(ix, "ours", "peak_rss_kb"),
                        get(ix, p, "peak_rss_kb")))
    row("index size, as built",
        lambda p: ratio(get(ix, "ours", "bytes"), get(ix, p, "bytes")))
    row("index size, ours without text vs peer",
        lambda p: ratio(get(ix, "ours", "bytes_no_text"), get(ix, p,
                                                              "bytes")))
    row("index size, both with text",
        lambda p: ratio(get(ix, "ours", "bytes"),
                        get(c, "index_stored", p, "bytes")))
    for t in TYPES:
        for k in ("median", "p95", "p99"):
            row("%s %s latency" % (TYPE_LABEL[t], k),
                lambda p, t=t, k=k: ratio(type_stat(c, "ours", t, k),
                                          type_stat(c, p, t, k)))
        row("%s QPS (>1: ours faster)" % TYPE_LABEL[t],
            lambda p, t=t: ratio(type_stat(c, "ours", t, "qps"),
                                 type_stat(c, p, t, "qps")))
    L.append("")


def cold_section(L, c, eng):
    cold = c.get("cold")
    if cold is None:
        return
    L.append("### Cold cache on %s\n" % c["name"])
    if "refused" in cold:
        L.append("Not measured: %s.\n" % cold["refused"])
        return
    L.append("Page cache dropped before each engine's batch of the first "
             "%d queries of a type; later queries of a batch may find pages "
             "read by earlier ones. µs: median / p95 / first query.\n" %
             cold["queries_per_type"])
    L.append("| query type | " + " | ".join(LABEL[e] for e in eng) + " |")
    L.append("|---|" + "---:|" * len(eng))
    for t in TYPES:
        cells = []
        for e in eng:
            v = get(cold, "types", t, e)
            cells.append("%s / %s / %s" % (us(v["median"]), us(v["p95"]),
                                           us(v["first"])) if v else MISSING)
        L.append("| %s | %s |" % (TYPE_LABEL[t], " | ".join(cells)))
    L.append("")


def agreement_section(L, c, eng):
    ag = c["agreement"]
    L.append("### Agreement on %s\n" % c["name"])
    rows = [r for r in ag["rows"] if r["type"] in ("phrase2", "phrase3")]
    have = [e for e in eng if e in ag["engines"]]
    L.append("Phrase queries: number of matching documents per engine "
             "(exact counts from an untimed `--count` pass of every engine), "
             "against two scans of the raw text: `alnum` = runs of letters "
             "and digits, lower-cased, unstemmed (FTS5's unicode61 cut); "
             "`apos` = the same keeping inner apostrophes and dotted "
             "acronyms whole (Xapian's cut).\n")
    L.append("| check | phrase queries |")
    L.append("|---|---:|")
    n = len(rows)

    def cnt(f):
        return "%d of %d" % (sum(1 for r in rows if f(r)), n)
    if "xapian" in have and "fts5" in have:
        L.append("| Xapian = FTS5 | %s |" % cnt(
            lambda r: r["xapian"] == r["fts5"]))
    for e in have:
        L.append("| %s = alnum scan | %s |" % (LABEL[e], cnt(
            lambda r, e=e: r[e] == r["ref_alnum"])))
    if "xapian" in have:
        L.append("| Xapian = apos scan | %s |" % cnt(
            lambda r: r["xapian"] == r["ref_apos"]))
    if "fts5" in have:
        L.append("| FTS5 > alnum scan (stemmed phrase) | %s |" % cnt(
            lambda r: r["fts5"] is not None and r["fts5"] > r["ref_alnum"]))
    if all(e in have for e in ("ours", "xapian")):
        L.append("| ours = Xapian | %s |" % cnt(
            lambda r: r["ours"] == r["xapian"]))
    ands = [r for r in ag["rows"] if r["type"] == "and2"]
    for i, a in enumerate(have):
        for b in have[i + 1:]:
            L.append("| +a +b: %s = %s | %d of %d |" % (
                LABEL[a], LABEL[b], sum(1 for r in ands if r[a] == r[b]),
                len(ands)))
    L.append("")
    L.append("`+a +b` matches stems. Xapian and ours use Snowball's English "
             "stemmer, FTS5 the original Porter stemmer, which differs on "
             "some words (Porter: one -> on, news -> new; Snowball keeps "
             "them). Xapian's tokenizer keeps `_` inside words and `#`, `+` "
             "after them (`_strongly_`, `fax#`, as in C# and C++), so it "
             "finds a few documents fewer where a word appears only so.\n")
    diff = [r for r in rows if len({r[e] for e in have} |
                                   {r["ref_alnum"]}) > 1]
    diff.sort(key=lambda r: -spread(r, have))
    if diff:
        L.append("Phrase queries whose counts differ (%d; the %d widest "
                 "below, all in results.json):\n" % (len(diff),
                                                    min(25, len(diff))))
        L.append("| query | kind | " + " | ".join(LABEL[e] for e in have) +
                 " | alnum | apos | likely cause |")
        L.append("|---|---|" + "---:|" * (len(have) + 2) + "---|")
        for r in diff[:25]:
            L.append("| `%s` | %s | %s | %d | %d | %s |" % (
                r["query"], r["subtype"], " | ".join(
                    str(r[e]) for e in have), r["ref_alnum"],
                r["ref_apos"], r["why"]))
        L.append("")
    ov = c.get("overlap") or {}
    if ov:
        pairs = sorted(ov)
        L.append("Ranked queries: mean share of the top 10 that two engines "
                 "have in common (1 = same documents; order ignored).\n")
        L.append("| query type | " + " | ".join(
            " ∩ ".join(LABEL[x] for x in p.split("/")) for p in pairs) +
            " |")
        L.append("|---|" + "---:|" * len(pairs))
        for t in TYPES:
            L.append("| %s | %s |" % (TYPE_LABEL[t], " | ".join(
                num(ov[p].get(t)) for p in pairs)))
        L.append("")


def spread(r, have):
    v = [r[e] for e in have if r[e] is not None] + [r["ref_alnum"]]
    return (max(v) - min(v)) / max(1, max(v))


# ---- scale series ---------------------------------------------------------

def scale_points(res):
    return [c for c in res["corpora"] if c["queries_from"] == "reuters"]


def scale_section(L, res, eng, plots):
    pts = scale_points(res)
    if len(pts) < 2:
        return
    L.append("## Scale series: Reuters-21578 repeated 1x, %s\n" % ", ".join(
        c["name"].split("-x")[1] + "x" for c in pts[1:]))
    L.append("Each copy of the dump gets fresh ids (`bench/scale.py`); the "
             "same queries (sampled from the 1x dump) run at every size, "
             "warm cache, %d rounds at the larger sizes. Query private MB: "
             "the peak private memory (RssAnon, sampled every 20 ms) of the "
             "searcher running the corpus's batch (200 queries of each type), "
             "the largest over the rounds; the index's mapped or cached "
             "pages are not in it.\n" % res["settings"]["scale_rounds"])
    L.append("| corpus | docs | text MB | engine | MB/s | index MB | "
             "query private MB | " +
             " | ".join("%s med µs" % TYPE_LABEL[t] for t in TYPES) + " |")
    L.append("|---|---:|---:|---|---:|---:|---:|" + "---:|" * len(TYPES))
    for c in pts:
        for e in eng:
            r = c["index"].get(e) or {}
            peaks = [b.get("peak_anon_kb") or 0 for b in
                     get(c, "latency", e, "batches") or []]
            L.append("| %s | %s | %.0f | %s | %s | %s | %s | %s |" % (
                c["name"], "{:,}".format(c["docs"]), c["text_bytes"] / 1e6,
                LABEL[e], num(r.get("mb_s")), mb(r.get("bytes")),
                mb(max(peaks) * 1024) if any(peaks) else MISSING,
                " | ".join(us(type_stat(c, e, t, "median")) for t in TYPES)))
    L.append("")
    growth_table(L, pts, eng)
    for title, f in plots:
        L.append("![%s](%s)\n" % (title, f))


def growth_table(L, pts, eng):
    """Each engine's costs at the largest scale point over those at 1x."""
    lo, hi = pts[0], pts[-1]
    k = hi["docs"] / lo["docs"]

    def ratio(a, b):
        return "%.1f" % (a / b) if a and b else MISSING

    L.append("Growth from %s to %s, %.0f times the documents: each cost at "
             "%s over the same at %s. Linear growth is %.0f; the queries' "
             "words and phrases are in every copy, so each query matches "
             "%.0f times the documents too, and a median that grows less "
             "than that is pruning and fixed costs at work.\n" % (
                 lo["name"], hi["name"], k, hi["name"], lo["name"], k, k))
    L.append("| engine | indexing s | index MB | " +
             " | ".join("%s median" % TYPE_LABEL[t] for t in TYPES) + " |")
    L.append("|---|---:|---:|" + "---:|" * len(TYPES))
    for e in eng:
        a, b = lo["index"].get(e) or {}, hi["index"].get(e) or {}
        L.append("| %s | %s | %s | %s |" % (
            LABEL[e], ratio(b.get("wall_s"), a.get("wall_s")),
            ratio(b.get("bytes"), a.get("bytes")),
            " | ".join(ratio(type_stat(hi, e, t, "median"),
                             type_stat(lo, e, t, "median")) for t in TYPES)))
    L.append("")


def plot(res, outdir, workdir):
    """Draws the scale series with gnuplot; returns [(title, file)]."""
    pts = scale_points(res)
    if len(pts) < 2 or shutil.which("gnuplot") is None:
        return []
    ddir = os.path.join(workdir, "plot")
    os.makedirs(ddir, exist_ok=True)
    eng = [e for e in engines_of(res)
           if any(get(c, "index", e, "mb_s") for c in pts)]
    for e in eng:
        with open(os.path.join(ddir, e + ".dat"), "w") as fp:
            fp.write("# docs text_mb mb_s index_mb " + " ".join(TYPES) +
                     "\n")
            for c in pts:
                r = c["index"].get(e) or {}
                vals = [c["docs"], c["text_bytes"] / 1e6, r.get("mb_s"),
                        r["bytes"] / 1e6 if r.get("bytes") else None] + \
                    [type_stat(c, e, t, "median") for t in TYPES]
                fp.write(" ".join("NaN" if v is None else "%g" % v
                                  for v in vals) + "\n")
    style = {"ours": "lc rgb '#d62728' pt 7", "xapian":
             "lc rgb '#1f77b4' pt 5", "fts5": "lc rgb '#2ca02c' pt 9"}

    def lines(col):
        return ", ".join(
            "'%s' using 1:%d with linespoints lw 2 %s title '%s'" % (
                os.path.join(ddir, e + ".dat"), col, style[e], LABEL[e])
            for e in eng)
    mult = [c["name"].split("-x")[1] + "x" if "-x" in c["name"] else "1x"
            for c in pts]
    xtics = "set xtics (%s)" % ", ".join(
        '"%s (%.0fk)" %d' % (m, c["docs"] / 1000, c["docs"])
        for m, c in zip(mult, pts))
    idx_png = os.path.join(outdir, "scale-index.png")
    lat_png = os.path.join(outdir, "scale-latency.png")
    g = ["set terminal pngcairo size 1200,500 font 'sans,10'",
         "set output '%s'" % idx_png,
         "set multiplot layout 1,2 title 'Indexing, Reuters-21578 "
         "repeated'",
         "set logscale x 2", "set grid", "set key outside right top",
         xtics, "set xrange [%g:%g]" % (pts[0]["docs"] / 1.5,
                                        pts[-1]["docs"] * 1.5),
         "set xlabel 'Reuters-21578 copies (documents)'",
         "set ylabel 'MB/s of title+body text'", "set yrange [0:*]",
         "set title 'indexing throughput'", "plot " + lines(3),
         "set logscale y", "set yrange [*:*]", "set ylabel 'MB on disk'",
         "set title 'index size'", "plot " + lines(4),
         "unset multiplot", "unset logscale y",
         "set terminal pngcairo size 1400,1100 font 'sans,10'",
         "set output '%s'" % lat_png,
         "set multiplot layout 3,3 title 'Median latency, top 10, warm "
         "cache, Reuters-21578 repeated (log scales)'",
         "set logscale xy", "set ylabel 'µs'", "set yrange [*:*]",
         "unset key"]
    for i, t in enumerate(TYPES):
        g.append("set title '%s'" % TYPE_LABEL[t].replace("'", "''"))
        g.append("plot " + lines(5 + i))
    # The last cell holds the legend alone.
    g += ["unset title", "unset logscale", "unset border", "unset tics",
          "unset xlabel", "unset ylabel", "unset grid", "set xrange [0:1]",
          "set yrange [0:1]", "set key center center box spacing 1.5",
          "plot " + ", ".join("NaN with linespoints lw 2 %s title '%s'" % (
              style[e], LABEL[e]) for e in eng),
          "unset multiplot"]
    script = os.path.join(ddir, "scale.gp")
    with open(script, "w") as fp:
        fp.write("\n".join(g) + "\n")
    r = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if r.returncode != 0:
        print("report: gnuplot failed: %s" % r.stderr.strip()[:500],
              file=sys.stderr)
        return []
    return [("indexing throughput and index size", "scale-index.png"),
            ("median latency per query type", "scale-latency.png")]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: report.py DIR/results.json")
    with open(sys.argv[1]) as f:
        data = json.load(f)
    d = os.path.dirname(os.path.abspath(sys.argv[1]))
    write(data, d, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "out"))
