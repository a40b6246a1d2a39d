#!/usr/bin/env python3
"""queries.py - seeded benchmark queries sampled from the corpus itself.

    python3 bench/queries.py CORPUS.jsonl OUT.tsv [--seed 42] [--per-type 200]

Writes OUT.tsv (`QID<TAB>QUERY`, the engine's syntax: bare words = ranked OR,
`+a +b` = both required, `"a b"` = phrase) and OUT.meta.json (per query: its
type, subtype, words, document frequencies, reference phrase counts; per
corpus: documents, bytes of title+body text, the band limits).

Query types (`--per-type` of each, 200 by default):
  rare      one word, 2 <= df <= 10
  medium    one word, N/1000 <= df <= N/100
  frequent  one word among the most frequent 1% of the vocabulary
  or2, or3  two or three distinct non-stopwords of one random document
  and2      `+a +b`: two distinct non-stopwords of one random document
  phrase2, phrase3
            two or three consecutive words of a random body: a third with a
            stopword ("stop"), a third with a proper name ("name": a
            capitalised word not starting a sentence), a third neither

Words are "clean" whitespace-separated chunks of ASCII letters only (an
opening bracket or quote before, or a closing one or , . ; : ! ? after, is
allowed at the edge of a phrase), so every engine's tokenizer cuts them the
same way: no digits, hyphens, apostrophes, acronyms or accents. Phrase words
are separated by whitespace only, inside one body. Queries are lower case.

Reference phrase counts (for the agreement check) scan every title and body
apart, lower-cased, in two tokenizations:
  ref_alnum   runs of letters and digits (as FTS5's unicode61, unstemmed)
  ref_apos    the same, but a word keeps an inner apostrophe ("reagan's")
              and dotted acronyms join ("u.s." -> "us"), as Xapian does
Same seed, same corpus -> same file, byte for byte.
"""
import argparse
import bisect
import json
import random
import re
import sys
from collections import Counter

# Lucene's English stop set: the words a phrase "with a stopword" holds.
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such "
    "that the their then there these they this to was will with".split())

TYPES = ["rare", "medium", "frequent", "or2", "or3", "and2", "phrase2",
         "phrase3"]
RANKED_TYPES = ["rare", "medium", "frequent", "or2", "or3", "and2"]
PHRASE_TYPES = ["phrase2", "phrase3"]

LEAD = "(\"'["
TRAIL = ",.;:!?)\"']"
WORD = re.compile(r"[A-Za-z]+\Z")
ALNUM = re.compile(r"[^\W_]+")
APOS = re.compile(r"(?:[^\W_]\.){2,}|[^\W_]+(?:'[^\W_]+)*")


def read_corpus(path):
    """Yields (id, title, body) of each JSON line."""
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            if line.strip():
                o = json.loads(line)
                yield str(o["id"]), o.get("title") or "", o.get("body") or ""


def chunks(text):
    """Whitespace chunks as (lead, core, trail, first on its line)."""
    out = []
    for line in text.split("\n"):
        for n, c in enumerate(line.split()):
            i, j = 0, len(c)
            while i < j and c[i] in LEAD:
                i += 1
            while j > i and c[j - 1] in TRAIL:
                j -= 1
            out.append((c[:i], c[i:j], c[j:], n == 0))
    return out


def clean(core):
    return len(core) >= 2 and WORD.match(core) is not None


def mostly_lower(text):
    up = sum(1 for ch in text if ch.isupper())
    low = sum(1 for ch in text if ch.islower())
    return low > 3 * up


class Corpus:
    def __init__(self, path):
        self.ids, self.texts = [], []
        self.bytes = 0
        df = Counter()
        for did, title, body in read_corpus(path):
            self.ids.append(did)
            self.texts.append((title, body))
            self.bytes += len(title.encode()) + len(body.encode())
            words = set()
            for part in (title, body):
                for lead, core, trail, _ in chunks(part):
                    if clean(core):
                        words.add(core.lower())
            df.update(words)
        self.df = df
        self.n = len(self.ids)


def sample_band(rng, words, k):
    words = sorted(words)
    if len(words) >= k:
        return rng.sample(words, k)
    return [rng.choice(words) for _ in range(k)]


def doc_words(rng, corpus):
    """Distinct clean non-stopwords of a random document, in text order."""
    title, body = corpus.texts[rng.randrange(corpus.n)]
    seen, out = set(), []
    for part in (title, body):
        for lead, core, trail, _ in chunks(part):
            w = core.lower()
            if clean(core) and len(w) >= 3 and w not in STOPWORDS and \
                    w not in seen:
                seen.add(w)
                out.append(w)
    return out


def phrase_at(ch, i, length, mixed_case):
    """The phrase of `length` clean chunks from ch[i], or None; its class."""
    if i + length > len(ch):
        return None
    words = []
    name = False
    for k in range(length):
        lead, core, trail, bol = ch[i + k]
        if not clean(core):
            return None
        if k > 0 and lead:
            return None
        if k < length - 1 and trail:
            return None
        words.append(core.lower())
        # A capitalised word that starts neither a sentence nor a line (as
        # the rows of earnings tables do): a name.
        starts = bol or i + k == 0 or ch[i + k - 1][2][-1:] in ".!?:;"
        if mixed_case and core[0].isupper() and not starts and \
                core.lower() not in STOPWORDS:
            name = True
    if all(w in STOPWORDS for w in words):
        return None
    if name:
        return words, "name"
    if any(w in STOPWORDS for w in words):
        return words, "stop"
    return words, "plain"


def gen_phrases(rng, corpus, length, k):
    quota = {"stop": k // 3, "name": k // 3}
    quota["plain"] = k - quota["stop"] - quota["name"]
    got = {c: [] for c in quota}
    seen = set()
    tries = 0
    while any(len(got[c]) < quota[c] for c in quota):
        tries += 1
        if tries > 2000 * k:
            raise SystemExit("queries.py: corpus too small for %d phrases" % k)
        title, body = corpus.texts[rng.randrange(corpus.n)]
        if not body:
            continue
        ch = chunks(body)
        if len(ch) < length:
            continue
        r = phrase_at(ch, rng.randrange(len(ch) - length + 1), length,
                      mostly_lower(body))
        if r is None:
            continue
        words, cls = r
        key = " ".join(words)
        if key in seen or len(got[cls]) >= quota[cls]:
            continue
        seen.add(key)
        got[cls].append(words)
    out = []
    for cls in ("stop", "name", "plain"):
        out.extend((w, cls) for w in got[cls])
    rng.shuffle(out)
    return out


class PhraseCounter:
    """Documents holding a phrase, by a scan of normalised text."""

    def __init__(self, corpus, pattern):
        parts, starts, pos = [], [], 0
        for di, (title, body) in enumerate(corpus.texts):
            for part in (title, body):
                toks = pattern.findall(part.lower())
                if pattern is APOS:
                    toks = [t.replace(".", "") for t in toks]
                s = "\x01 " + " ".join(toks) + " "
                parts.append(s)
                starts.append((pos, di))
                pos += len(s)
        self.text = "".join(parts)
        self.starts = [p for p, _ in starts]
        self.doc = [d for _, d in starts]

    def count(self, words):
        needle = " " + " ".join(words) + " "
        docs, i = set(), self.text.find(needle)
        while i >= 0:
            docs.add(self.doc[bisect.bisect_right(self.starts, i) - 1])
            i = self.text.find(needle, i + 1)
        return len(docs)


def generate(path, seed=42, per_type=200):
    rng = random.Random(seed)
    c = Corpus(path)
    vocab = [w for w, d in c.df.items() if d >= 2 and len(w) >= 2]
    vocab.sort(key=lambda w: (-c.df[w], w))
    top = vocab[:max(1, len(vocab) // 100)]
    lo, hi = max(2, c.n // 1000), max(3, c.n // 100)
    bands = {
        "rare": [w for w in vocab if 2 <= c.df[w] <= 10 and len(w) >= 3],
        "medium": [w for w in vocab if lo <= c.df[w] <= hi and len(w) >= 3],
        "frequent": top,
    }
    queries = []  # (type, subtype, words, text)
    for t in ("rare", "medium", "frequent"):
        for w in sample_band(rng, bands[t], per_type):
            queries.append((t, "", [w], w))
    for t, k in (("or2", 2), ("or3", 3), ("and2", 2)):
        seen = set()
        while sum(1 for q in queries if q[0] == t) < per_type:
            ws = doc_words(rng, c)
            if len(ws) < k:
                continue
            pick = rng.sample(ws, k)
            key = tuple(sorted(pick))
            if key in seen:
                continue
            seen.add(key)
            text = " ".join("+" + w for w in pick) if t == "and2" else \
                " ".join(pick)
            queries.append((t, "", pick, text))
    for t, k in (("phrase2", 2), ("phrase3", 3)):
        for words, cls in gen_phrases(rng, c, k, per_type):
            queries.append((t, cls, words, '"%s"' % " ".join(words)))

    alnum, apos = PhraseCounter(c, ALNUM), PhraseCounter(c, APOS)
    meta = {"corpus": path, "seed": seed, "per_type": per_type,
            "docs": c.n, "text_bytes": c.bytes,
            "bands": {"rare": [2, 10], "medium": [lo, hi],
                      "frequent_min_df": c.df[top[-1]],
                      "frequent_words": len(top), "vocabulary": len(vocab)},
            "queries": []}
    lines = []
    num = Counter()
    for t, cls, words, text in queries:
        num[t] += 1
        qid = "%s-%04d" % (t, num[t])
        q = {"qid": qid, "type": t, "subtype": cls, "query": text,
             "df": [c.df.get(w, 0) for w in words]}
        if t in PHRASE_TYPES:
            q["ref_alnum"] = alnum.count(words)
            q["ref_apos"] = apos.count(words)
        meta["queries"].append(q)
        lines.append("%s\t%s\n" % (qid, text))
    return lines, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--per-type", type=int, default=200)
    a = ap.parse_args()
    lines, meta = generate(a.corpus, a.seed, a.per_type)
    with open(a.out, "w", encoding="utf-8") as fp:
        fp.writelines(lines)
    meta_path = re.sub(r"\.tsv$", "", a.out) + ".meta.json"
    with open(meta_path, "w", encoding="utf-8") as fp:
        json.dump(meta, fp, indent=1)
    print("queries.py: %d queries from %d docs -> %s" %
          (len(lines), meta["docs"], a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
