/*
 * test_bm25.c - Okapi BM25: the functions of bm25.h on their own, then the
 * scores match_run() gives on a small corpus written here, against the
 * plain formula of bm25.h computed in the test:
 *
 *   idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 *   tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgdl))
 *
 * with len in tokens (title and body), a bare word's tf and df those of its
 * stem, a phrase the sum of its words' BM25 with the statistics of each
 * word's folded, unstemmed form. The test tokenizes and stems the documents
 * itself (tokenizer.h, stemmer.h) and counts by scanning them.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm25.h"
#include "docstore.h"
#include "error.h"
#include "index.h"
#include "match.h"
#include "query.h"
#include "stemmer.h"
#include "testutil.h"
#include "tokenizer.h"
#include "writer.h"

/* ---------------------------------------------------------------- */
/* bm25.h on its own                                                 */
/* ---------------------------------------------------------------- */

static double
plain_idf(double n, double df)
{
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

static double
plain_score(double k1, double b, double avgdl, double idf, double tf,
            double len)
{
    return idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avgdl));
}

Test(bm25, idf_is_the_formula_and_never_negative)
{
    static const uint64_t ns[] = {1, 2, 3, 10, 1000, 21578, 10000000};
    struct bm25 m;
    size_t i;

    for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint64_t n = ns[i], df, step = n > 1000 ? n / 997 : 1;
        double prev = INFINITY;
        bm25_init(&m, BM25_K1, BM25_B, n, n * 7);
        for (df = 0; df <= n; df += step) {
            double idf = bm25_idf(&m, df);
            cr_assert_geq(idf, 0.0, "N %llu df %llu: idf %g is negative",
                          (unsigned long long)n, (unsigned long long)df, idf);
            cr_assert_lt(idf, prev,
                         "N %llu df %llu: idf %.17g does not fall (before "
                         "%.17g)",
                         (unsigned long long)n, (unsigned long long)df, idf,
                         prev);
            cr_assert_float_eq(idf, plain_idf((double)n, (double)df), 1e-12,
                               "N %llu df %llu: idf %.17g, formula %.17g",
                               (unsigned long long)n, (unsigned long long)df,
                               idf, plain_idf((double)n, (double)df));
            prev = idf;
        }
        /* A term in every document still counts a little. */
        cr_assert_gt(bm25_idf(&m, n), 0.0, "N %llu: idf of df = N is %g",
                     (unsigned long long)n, bm25_idf(&m, n));
        /* df > N only on a corrupt index: clamped, never below df = N. */
        cr_assert_float_eq(bm25_idf(&m, n + 5), bm25_idf(&m, n), 1e-15,
                           "N %llu: idf of df > N is %g, of df = N %g",
                           (unsigned long long)n, bm25_idf(&m, n + 5),
                           bm25_idf(&m, n));
        cr_assert_geq(bm25_idf(&m, UINT64_MAX), 0.0,
                      "N %llu: idf of a huge df is negative",
                      (unsigned long long)n);
    }
}

Test(bm25, avgdl_of_an_empty_collection_is_one)
{
    struct bm25 m;

    bm25_init(&m, BM25_K1, BM25_B, 0, 0);
    cr_assert_eq(m.avgdl, 1.0, "empty index: avgdl %g, want 1", m.avgdl);
    cr_assert_eq(m.n, 0.0, "empty index: N %g", m.n);
    /* An index of empty documents: avgdl would be 0 and divide by it. */
    bm25_init(&m, BM25_K1, BM25_B, 5, 0);
    cr_assert_eq(m.avgdl, 1.0, "documents without tokens: avgdl %g", m.avgdl);
    cr_assert(isfinite(bm25_score(&m, bm25_idf(&m, 1), 1, 0)),
              "score in an index of empty documents is not finite");
    bm25_init(&m, 0.9, 0.4, 4, 10);
    cr_assert_eq(m.avgdl, 2.5, "10 tokens in 4 documents: avgdl %g", m.avgdl);
    cr_assert(m.k1 == 0.9 && m.b == 0.4 && m.n == 4.0,
              "bm25_init kept k1 %g b %g N %g", m.k1, m.b, m.n);
    /* A collection larger than 2^32 tokens keeps its mean. */
    bm25_init(&m, BM25_K1, BM25_B, 1000000, (uint64_t)3 << 32);
    cr_assert_float_eq(m.avgdl, 3.0 * 4294967296.0 / 1e6, 1e-6,
                       "avgdl of 3*2^32 tokens in 1e6 documents: %g", m.avgdl);
}

Test(bm25, score_is_the_formula_and_moves_the_right_way)
{
    static const double params[][2] = {
        {1.2, 0.75}, {0.9, 0.4}, {2.0, 1.0}, {1.2, 0.0}, {0.5, 0.3}};
    struct bm25 m;
    size_t i;

    for (i = 0; i < sizeof params / sizeof params[0]; i++) {
        double k1 = params[i][0], b = params[i][1], idf, prev;
        uint32_t tf, len;
        bm25_init(&m, k1, b, 100, 2500); /* avgdl 25 */
        idf = bm25_idf(&m, 7);
        cr_assert_eq(bm25_score(&m, idf, 0, 25), 0.0,
                     "k1 %g b %g: tf 0 scores %g", k1, b,
                     bm25_score(&m, idf, 0, 25));
        /* More occurrences: higher, but below idf * (k1 + 1). */
        for (prev = 0, tf = 1; tf < 5000; tf += tf / 3 + 1) {
            double s = bm25_score(&m, idf, tf, 25);
            cr_assert_float_eq(s, plain_score(k1, b, 25, idf, tf, 25), 1e-12,
                               "k1 %g b %g tf %u: %.17g, formula "
                               "%.17g",
                               k1, b, tf, s,
                               plain_score(k1, b, 25, idf, tf, 25));
            cr_assert_gt(s, prev,
                         "k1 %g b %g: tf %u scores %g, not more "
                         "than %g",
                         k1, b, tf, s, prev);
            cr_assert_lt(s, idf * (k1 + 1.0) + 1e-12,
                         "k1 %g b %g tf %u: %g above the ceiling %g", k1, b, tf,
                         s, idf * (k1 + 1.0));
            prev = s;
        }
        /* Longer documents: lower when b > 0, the same when b = 0. */
        for (prev = INFINITY, len = 1; len < 100000; len *= 3) {
            double s = bm25_score(&m, idf, 3, len);
            cr_assert_float_eq(s, plain_score(k1, b, 25, idf, 3, len), 1e-12,
                               "k1 %g b %g len %u: %.17g, formula %.17g", k1, b,
                               len, s, plain_score(k1, b, 25, idf, 3, len));
            if (b > 0)
                cr_assert_lt(s, prev,
                             "k1 %g b %g: len %u scores %g, not "
                             "less than %g",
                             k1, b, len, s, prev);
            else
                cr_assert(prev == INFINITY || s == prev,
                          "b = 0: len %u scores %g, len/3 %g", len, s, prev);
            prev = s;
        }
        /* Linear in idf. */
        cr_assert_float_eq(bm25_score(&m, 2 * idf, 4, 30),
                           2 * bm25_score(&m, idf, 4, 30), 1e-12,
                           "k1 %g b %g: score is not linear in idf", k1, b);
    }
    /* k1 = 0: every matching document scores idf, whatever tf and len. */
    bm25_init(&m, 0.0, 0.75, 100, 2500);
    cr_assert_float_eq(bm25_score(&m, 1.5, 1, 3), 1.5, 1e-15,
                       "k1 0: tf 1 scores %g", bm25_score(&m, 1.5, 1, 3));
    cr_assert_float_eq(bm25_score(&m, 1.5, 40, 900), 1.5, 1e-15,
                       "k1 0: tf 40 scores %g", bm25_score(&m, 1.5, 40, 900));
    /* The worked example: N 10, df 2, tf 3, len 12, avgdl 10 (100/10). */
    bm25_init(&m, 1.2, 0.75, 10, 100);
    cr_assert_float_eq(bm25_idf(&m, 2), log(1.0 + 8.5 / 2.5), 1e-15,
                       "idf(N 10, df 2) = %.17g, want ln 4.4", bm25_idf(&m, 2));
    cr_assert_float_eq(bm25_score(&m, log(4.4), 3, 12),
                       log(4.4) * 3 * 2.2 / (3 + 1.2 * (0.25 + 0.75 * 1.2)),
                       1e-12, "tf 3 len 12: %.17g",
                       bm25_score(&m, log(4.4), 3, 12));
}

/* ---------------------------------------------------------------- */
/* match_run() against the formula on a small corpus                 */
/* ---------------------------------------------------------------- */

#define MAXTOK 64
#define GAP "" /* the free position between title and body */

struct tdoc {
    const char *id, *title, *body;
};

/* The corpus: six unrelated documents, two equal ones, one tiny one. */
static const struct tdoc corpus[] = {
    {"d1", "Cotton harvest in Xinjiang",
     "Farmers in Xinjiang began the cotton harvest early. Cotton prices "
     "rose."},
    {"d2", "Wheat prices", "Wheat and corn prices fell; cotton was steady."},
    {"d3", "",
     "Harvesting cotton by hand is slow. Harvested cotton is cleaned, then "
     "cotton is baled."},
    {"d4", "Telliani Valley",
     "Grapes from the Telliani Valley are harvested in autumn."},
    {"d5", "Markets", "Prices of cotton, wheat and corn."},
    {"d6", "Markets", "Prices of cotton, wheat and corn."},
    {"d7", "The organization",
     "The organization said harvest prices would organize the market."},
    {"d8", "Short", "cotton"},
    {"d9", "China-Russia trade",
     "China's cotton imports from Russia: "
     "cotton, cotton, cotton."},
};

/* A document as the test sees it: forms and stems by position. */
struct sdoc {
    const char *id;
    char form[MAXTOK][32], stem[MAXTOK][32];
    size_t n;     /* positions, the gap included */
    size_t len;   /* tokens */
    uint32_t doc; /* the engine's document id */
};

struct small {
    char dir[32];
    struct sdoc d[16];
    size_t n;
    uint64_t total_len;
    struct idx *ix;
    struct idx_txn *txn;
    struct doc_meta meta;
    struct stem *stem;
    struct tok *tok;
};

/* The index directory of the running test, removed even when it fails. */
static char tmp_dir[64];

static void
remove_tmp_dir(void)
{
    if (tmp_dir[0])
        tu_rm_tree(tmp_dir);
}

TestSuite(bm25, .fini = remove_tmp_dir);

static void
tokenize_into(struct small *s, struct sdoc *d, const char *text)
{
    struct tok_token t;
    int rc;

    tok_reset(s->tok, text, strlen(text), (uint32_t)d->n);
    while ((rc = tok_next(s->tok, &t)) == 1) {
        const char *st;
        size_t sl;
        cr_assert_lt(d->n, MAXTOK, "test document too long");
        cr_assert_lt(t.len, 32, "test word too long");
        memcpy(d->form[d->n], t.text, t.len + 1);
        rc = stem_word(s->stem, t.text, t.len, &st, &sl);
        cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
        memcpy(d->stem[d->n], st, sl + 1);
        d->n++;
        d->len++;
    }
}

/* The test's view of `docs`, replacing none: title, gap, body. */
static void
small_model(struct small *s, const struct tdoc *docs, size_t n)
{
    size_t i;

    s->n = n;
    s->total_len = 0;
    for (i = 0; i < n; i++) {
        struct sdoc *d = &s->d[i];
        memset(d, 0, sizeof *d);
        d->id = docs[i].id;
        tokenize_into(s, d, docs[i].title);
        if (d->n) {
            strcpy(d->form[d->n], GAP);
            strcpy(d->stem[d->n], GAP);
            d->n++;
        }
        tokenize_into(s, d, docs[i].body);
        s->total_len += d->len;
    }
}

static void
write_docs(const char *dir, const struct tdoc *docs, size_t n)
{
    struct wr_options o = {
        .language = "english", .memory = 0, .title_weight = 0, .threads = 1};
    struct wr *w;
    size_t i;
    int rc;

    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "wr_open: %s", se_strerror(rc));
    for (i = 0; i < n; i++) {
        struct wr_doc d = {docs[i].id,
                           strlen(docs[i].id),
                           docs[i].title,
                           strlen(docs[i].title),
                           "",
                           0,
                           docs[i].body,
                           strlen(docs[i].body)};
        rc = wr_add(w, &d);
        cr_assert_eq(rc, SE_OK, "wr_add(%s): %s", docs[i].id, se_strerror(rc));
    }
    rc = wr_commit(w);
    cr_assert_eq(rc, SE_OK, "wr_commit: %s", se_strerror(rc));
    wr_close(w);
}

/* Open the index of s->dir for reading; find each document's id. */
static void
small_open(struct small *s, const struct tdoc *docs)
{
    size_t i;
    int rc;

    rc = idx_open(s->dir, IDX_RDONLY, &s->ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(s->ix, 0, &s->txn);
    cr_assert_eq(rc, SE_OK, "idx_txn_begin: %s", se_strerror(rc));
    rc = doc_meta_load(s->txn, &s->meta);
    cr_assert_eq(rc, SE_OK, "doc_meta_load: %s", se_strerror(rc));
    cr_assert_eq(s->meta.docs, s->n, "%llu documents in the index, want %zu",
                 (unsigned long long)s->meta.docs, s->n);
    cr_assert_eq(s->meta.total_len, s->total_len,
                 "%llu tokens in the index, the test counts %llu",
                 (unsigned long long)s->meta.total_len,
                 (unsigned long long)s->total_len);
    for (i = 0; i < s->n; i++) {
        rc = doc_lookup(s->txn, docs[i].id, strlen(docs[i].id), &s->d[i].doc);
        cr_assert_eq(rc, SE_OK, "doc_lookup(%s): %s", docs[i].id,
                     se_strerror(rc));
    }
}

static void
small_close(struct small *s)
{
    idx_txn_abort(s->txn);
    idx_close(s->ix);
    s->txn = NULL;
    s->ix = NULL;
}

static void
small_new(struct small *s, const struct tdoc *docs, size_t n)
{
    int rc;

    memset(s, 0, sizeof *s);
    rc = tok_new(&s->tok);
    cr_assert_eq(rc, SE_OK, "tok_new: %s", se_strerror(rc));
    rc = stem_new("english", &s->stem);
    cr_assert_eq(rc, SE_OK, "stem_new: %s", se_strerror(rc));
    strcpy(s->dir, "/tmp/test_bm25.XXXXXX");
    cr_assert_not_null(mkdtemp(s->dir), "mkdtemp failed");
    strcpy(tmp_dir, s->dir);
    write_docs(s->dir, docs, n);
    small_model(s, docs, n);
    small_open(s, docs);
}

static void
small_free(struct small *s)
{
    small_close(s);
    tu_rm_tree(s->dir);
    tok_free(s->tok);
    stem_free(s->stem);
}

/* tf of stem `st` (bare word) or form `f` (phrase word) in document d. */
static uint32_t
tf_of(const struct sdoc *d, const char *w, int stem)
{
    uint32_t tf = 0;
    size_t p;

    for (p = 0; p < d->n; p++)
        tf += w[0] && strcmp(stem ? d->stem[p] : d->form[p], w) == 0;
    return tf;
}

static uint32_t
df_of(const struct small *s, const char *w, int stem)
{
    uint32_t df = 0;
    size_t i;

    for (i = 0; i < s->n; i++)
        df += tf_of(&s->d[i], w, stem) > 0;
    return df;
}

/* Has document d the phrase words[0..n) at consecutive positions? */
static int
has_phrase(const struct sdoc *d, char *const *words, size_t n)
{
    size_t p, j;

    for (p = 0; p + n <= d->n; p++) {
        for (j = 0; j < n && strcmp(d->form[p + j], words[j]) == 0; j++)
            ;
        if (j == n)
            return 1;
    }
    return 0;
}

/* The formula's score of document d for query q; -1 when it does not match. */
static double
expected(const struct small *s, const struct sdoc *d, const struct qry_node *q,
         double k1, double b)
{
    double n = (double)s->n, avgdl = (double)s->total_len / n, score = 0;
    int must = 0, should = 0, ok = 1;
    size_t i, j;

    for (i = 0; i < q->nkids; i++)
        must |= q->kids[i]->occur == QRY_MUST;
    for (i = 0; i < q->nkids; i++) {
        const struct qry_node *k = q->kids[i];
        double sc = 0;
        int m;
        if (k->kind == QRY_TERM) {
            const char *st;
            size_t sl;
            char stem[64];
            int rc =
                stem_word(s->stem, k->words[0], strlen(k->words[0]), &st, &sl);
            cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
            snprintf(stem, sizeof stem, "%s", st);
            m = tf_of(d, stem, 1) > 0;
            if (m)
                sc = plain_score(k1, b, avgdl, plain_idf(n, df_of(s, stem, 1)),
                                 tf_of(d, stem, 1), (double)d->len);
        } else {
            m = has_phrase(d, k->words, k->nwords);
            for (j = 0; m && j < k->nwords; j++)
                sc += plain_score(k1, b, avgdl,
                                  plain_idf(n, df_of(s, k->words[j], 0)),
                                  tf_of(d, k->words[j], 0), (double)d->len);
        }
        if (k->occur == QRY_MUST_NOT)
            ok &= !m;
        else if (k->occur == QRY_MUST)
            ok &= m;
        else
            should |= m;
        if (k->occur != QRY_MUST_NOT)
            score += sc;
    }
    return ok && (must || should) ? score : -1;
}

static int
close_enough(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-12;
}

/*
 * Run `text` and compare with the formula: same documents, same scores,
 * ranked best first with ties by document id. Returns the hit count.
 */
static size_t
check(struct small *s, const char *text, int flags, double k1, double b)
{
    struct qry_node *q;
    struct qry_error qe;
    struct match_options o = {.k1 = k1, .b = b, .limit = 100};
    struct match_result res;
    double want[16];
    size_t i, j, count = 0;
    int rc;

    rc = qry_parse(text, strlen(text), flags, s->tok, &q, &qe);
    cr_assert_eq(rc, SE_OK, "qry_parse(%s): %s", text, qe.msg);
    rc = match_run(s->txn, &s->meta, s->stem, q, &o, &res);
    cr_assert_eq(rc, SE_OK, "match_run(%s): %s", text, se_strerror(rc));
    for (i = 0; i < s->n; i++) {
        want[i] = expected(s, &s->d[i], q, k1, b);
        count += want[i] >= 0;
    }
    cr_assert_eq(res.total, count, "%s (k1 %g b %g): %llu documents, want %zu",
                 text, k1, b, (unsigned long long)res.total, count);
    cr_assert_eq(res.nhits, count, "%s: %zu hits, want %zu", text, res.nhits,
                 count);
    for (i = 0; i < res.nhits; i++) {
        for (j = 0; j < s->n && s->d[j].doc != res.hits[i].doc; j++)
            ;
        cr_assert_lt(j, s->n, "%s: hit %zu is doc %u, which is no document",
                     text, i, res.hits[i].doc);
        cr_assert_geq(want[j], 0.0, "%s: %s is a hit but should not match",
                      text, s->d[j].id);
        cr_assert(close_enough(res.hits[i].score, want[j]),
                  "%s (k1 %g b %g): %s scores %.17g, the formula %.17g", text,
                  k1, b, s->d[j].id, res.hits[i].score, want[j]);
        want[j] = -2; /* seen */
        if (i > 0)
            cr_assert(res.hits[i - 1].score > res.hits[i].score ||
                          (res.hits[i - 1].score == res.hits[i].score &&
                           res.hits[i - 1].doc < res.hits[i].doc),
                      "%s: hit %zu (doc %u, %.17g) after hit %zu (doc %u, "
                      "%.17g)",
                      text, i, res.hits[i].doc, res.hits[i].score, i - 1,
                      res.hits[i - 1].doc, res.hits[i - 1].score);
    }
    match_result_release(&res);
    qry_free(q);
    return count;
}

#define NDOCS (sizeof corpus / sizeof corpus[0])

/* The test's own counting, checked by hand on two documents. */
Test(bm25, the_test_counts_tokens_as_written)
{
    struct small s;

    small_new(&s, corpus, NDOCS);
    /* d3: no title; 14 body tokens; cotton x3, harvesting + harvested. */
    cr_assert_eq(s.d[2].len, 14, "d3 has %zu tokens, want 14", s.d[2].len);
    cr_assert_eq(tf_of(&s.d[2], "cotton", 1), 3, "d3: cotton tf");
    cr_assert_eq(tf_of(&s.d[2], "harvest", 1), 2, "d3: harvest tf");
    cr_assert_eq(tf_of(&s.d[2], "harvested", 0), 1, "d3: harvested tf");
    /* d8: "Short" + gap + "cotton": 2 tokens at positions 0 and 2. */
    cr_assert_eq(s.d[7].len, 2, "d8 has %zu tokens, want 2", s.d[7].len);
    cr_assert_str_eq(s.d[7].form[2], "cotton", "d8: body at position 2");
    /* d9: "China-Russia" is two words; "China's" stems to china. */
    cr_assert_eq(tf_of(&s.d[8], "china", 1), 2, "d9: china tf");
    cr_assert_eq(tf_of(&s.d[8], "cotton", 1), 4, "d9: cotton tf");
    cr_assert_eq(df_of(&s, "cotton", 1), 7, "cotton df");
    cr_assert_eq(df_of(&s, "harvest", 1), 4, "harvest df");
    small_free(&s);
}

/* Every query of the table, for several k1 and b. */
Test(bm25, match_scores_equal_the_formula)
{
    static const struct {
        const char *text;
        int flags;
        int hits; /* -1: some, 0: none */
    } queries[] = {
        {"cotton", 0, -1},
        {"harvest", 0, -1},
        {"Harvesting", 0, -1},
        {"cotton harvest", 0, -1},
        {"cotton harvest prices wheat corn", 0, -1},
        {"cotton cotton", 0, -1},         /* a repeated word counts twice */
        {"cotton harvest cotton", 0, -1}, /* in any place */
        {"cotton cottons", 0, -1},        /* one stem twice */
        {"+cotton cotton", 0, -1},        /* required and optional */
        {"qzxjvk", 0, 0},                 /* in no document */
        {"cotton qzxjvk", 0, -1},         /* ignored when optional */
        {"cotton -qzxjvk", 0, -1},
        {"+qzxjvk cotton", 0, 0}, /* required: nothing matches */
        {"+cotton +qzxjvk", 0, 0},
        {"cotton qzxjvk", QRY_ALL, 0},
        {"+cotton -wheat", 0, -1},
        {"+cotton wheat", 0, -1},
        {"cotton wheat", QRY_ALL, -1},
        {"cotton -\"cotton harvest\"", 0, -1},
        {"\"cotton harvest\"", 0, -1}, /* a phrase: its words' BM25 */
        {"\"Telliani Valley\"", 0, -1},
        {"\"harvested\"", 0, -1}, /* form statistics, not stem */
        {"\"prices of cotton\" corn", 0, -1},
        {"\"cotton harvest\" cotton", 0, -1},
        {"\"cotton\" cotton", 0, -1},
        {"\"cotton harvest\" \"cotton harvest\"", 0, -1},
        {"\"qzxjvk cotton\" cotton", 0, -1}, /* an absent phrase: ignored */
        {"+\"qzxjvk cotton\" cotton", 0, 0},
        {"\"the organization\" organize", 0, -1},
        {"China-Russia", 0, -1},
        {"\"China's cotton\"", 0, -1},
        {"\"cotton, cotton\"", 0, -1},
    };
    static const double params[][2] = {{BM25_K1, BM25_B}, {0.9, 0.4},
                                       {2.0, 1.0},        {1.2, 0.0},
                                       {0.0, 0.75},       {3.0, 0.5}};
    struct small s;
    size_t i, j;

    small_new(&s, corpus, NDOCS);
    for (j = 0; j < sizeof params / sizeof params[0]; j++)
        for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
            size_t n = check(&s, queries[i].text, queries[i].flags,
                             params[j][0], params[j][1]);
            if (queries[i].hits == 0)
                cr_assert_eq(n, 0, "%s should match nothing", queries[i].text);
            else
                cr_assert_gt(n, 0, "%s should match something",
                             queries[i].text);
        }
    small_free(&s);
}

/* Score of document `id` for `text`, or -1 when it is not a hit. */
static double
score_of(struct small *s, const char *text, const char *id)
{
    struct qry_node *q;
    struct qry_error qe;
    struct match_options o = {.k1 = BM25_K1, .b = BM25_B, .limit = 100};
    struct match_result res;
    uint32_t doc;
    double sc = -1;
    size_t i;
    int rc;

    rc = doc_lookup(s->txn, id, strlen(id), &doc);
    cr_assert_eq(rc, SE_OK, "doc_lookup(%s): %s", id, se_strerror(rc));
    rc = qry_parse(text, strlen(text), 0, s->tok, &q, &qe);
    cr_assert_eq(rc, SE_OK, "qry_parse(%s): %s", text, qe.msg);
    rc = match_run(s->txn, &s->meta, s->stem, q, &o, &res);
    cr_assert_eq(rc, SE_OK, "match_run(%s): %s", text, se_strerror(rc));
    for (i = 0; i < res.nhits; i++)
        if (res.hits[i].doc == doc)
            sc = res.hits[i].score;
    match_result_release(&res);
    qry_free(q);
    return sc;
}

/* The sums the README promises, stated directly. */
Test(bm25, repeated_words_and_phrases_add_up)
{
    struct small s;
    double one, two, harvest, phrase;

    small_new(&s, corpus, NDOCS);
    one = score_of(&s, "cotton", "d1");
    cr_assert_gt(one, 0.0, "cotton does not score d1");
    two = score_of(&s, "cotton cotton", "d1");
    cr_assert_float_eq(two, 2 * one, 1e-12,
                       "cotton cotton scores %.17g, cotton %.17g", two, one);
    cr_assert_float_eq(score_of(&s, "cotton Cottons cotton", "d1"), 3 * one,
                       1e-12, "three times the stem: not three times");
    harvest = score_of(&s, "harvest", "d1");
    cr_assert_float_eq(score_of(&s, "cotton harvest", "d1"), one + harvest,
                       1e-12, "cotton harvest is not the sum");
    /* In d1 "cotton" and "harvest" are the forms too: the phrase scores
     * as the two words (forms and stems have the same counts here). */
    phrase = score_of(&s, "\"cotton harvest\"", "d1");
    cr_assert_gt(phrase, 0.0, "\"cotton harvest\" does not match d1");
    /* But "harvest" the form is rarer than the stem (harvested,
     * harvesting): its idf is higher, so the phrase scores more. */
    cr_assert_gt(phrase, one + harvest,
                 "phrase %.17g should use the rarer forms' statistics "
                 "(stems give %.17g)",
                 phrase, one + harvest);
    cr_assert_float_eq(score_of(&s, "\"cotton harvest\" qzxjvk", "d1"), phrase,
                       1e-12, "an absent word changed the score");
    /* Two equal documents tie, the first added first. */
    cr_assert_eq(score_of(&s, "prices corn", "d5"),
                 score_of(&s, "prices corn", "d6"),
                 "equal documents score differently");
    small_free(&s);
}

/* Replacing and deleting documents keeps N, df and lengths right. */
Test(bm25, scores_follow_replacements_and_deletions)
{
    static const struct tdoc after[] = {
        {"d2", "Wheat prices", "Cotton and cotton prices rose; corn fell."},
        {"d9", "Short", "Now a short text with cotton harvest in it."},
    };
    struct tdoc now[NDOCS];
    struct small s;
    struct wr_options o = {
        .language = NULL, .memory = 0, .title_weight = 0, .threads = 1};
    struct wr *w;
    size_t i, n = 0;
    int rc;

    small_new(&s, corpus, NDOCS);
    small_close(&s);
    rc = wr_open(s.dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "wr_open: %s", se_strerror(rc));
    for (i = 0; i < 2; i++) {
        struct wr_doc d = {after[i].id,
                           strlen(after[i].id),
                           after[i].title,
                           strlen(after[i].title),
                           "",
                           0,
                           after[i].body,
                           strlen(after[i].body)};
        rc = wr_add(w, &d);
        cr_assert_eq(rc, SE_OK, "wr_add(%s): %s", after[i].id, se_strerror(rc));
    }
    rc = wr_delete(w, "d4", 2);
    cr_assert_eq(rc, SE_OK, "wr_delete(d4): %s", se_strerror(rc));
    rc = wr_delete(w, "d7", 2);
    cr_assert_eq(rc, SE_OK, "wr_delete(d7): %s", se_strerror(rc));
    rc = wr_commit(w);
    cr_assert_eq(rc, SE_OK, "wr_commit: %s", se_strerror(rc));
    wr_close(w);
    /* The live documents, in the order of their new ids. */
    for (i = 0; i < NDOCS; i++)
        if (strcmp(corpus[i].id, "d2") && strcmp(corpus[i].id, "d4") &&
            strcmp(corpus[i].id, "d7") && strcmp(corpus[i].id, "d9"))
            now[n++] = corpus[i];
    now[n++] = after[0];
    now[n++] = after[1];
    small_model(&s, now, n);
    small_open(&s, now);
    cr_assert(check(&s, "cotton harvest", 0, BM25_K1, BM25_B) > 0,
              "cotton harvest: nothing after the update");
    cr_assert_eq(check(&s, "\"Telliani Valley\"", 0, BM25_K1, BM25_B), 0,
                 "the deleted d4 still matches");
    check(&s, "organization grapes", 0, BM25_K1, BM25_B);
    check(&s, "\"cotton prices\" corn", 0, 0.9, 0.4);
    check(&s, "+short cotton", 0, BM25_K1, BM25_B);
    small_free(&s);
}
