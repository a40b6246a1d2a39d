/*
 * test_match.c - query evaluation (match.c) against brute force.
 *
 * Reuters-21578 (all 21,578 documents) is indexed once per run of this
 * binary, in a PRE_ALL report hook: Criterion runs each test in a fresh
 * process, so a static would be rebuilt for every test, while the hook runs
 * once in the runner and hands the index directory down in the environment.
 * Each test that needs the brute-force side tokenizes the same JSONL again
 * with tokenizer.h and stemmer.h, placing tokens where the writer does
 * (title from position 0, body from title tokens + 1 when the title had
 * any), and evaluates every query by scanning all documents: a bare word
 * matches by stem, a phrase by consecutive folded forms, "+" is required,
 * "-" excluded, and a hit's score is the plain BM25 sum of bm25.h. The
 * engine's hits (mapped to external ids with doc_get) must be exactly the
 * documents the scan finds, with the same scores, in rank order.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "docstore.h"
#include "error.h"
#include "index.h"
#include "match.h"
#include "query.h"
#include "stemmer.h"
#include "testutil.h"
#include "tokenizer.h"
#include "writer.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define REUTERS_DOCS 21578
#define ENV_DIR "TEST_MATCH_REUTERS_INDEX"
#define ENV_ERR "TEST_MATCH_REUTERS_ERROR"
#define NONE UINT32_MAX
#define GAP UINT32_MAX /* the position between title and body */

/* ---------------------------------------------------------------- */
/* Helpers                                                           */
/* ---------------------------------------------------------------- */

/* xorshift64*: a seeded, repeatable generator. */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static size_t
rnd_below(uint64_t *s, size_t n)
{
    return (size_t)((rnd(s) >> 11) % n);
}

/* The small index of the running test, removed even when it fails. */
static char tmp_dir[64];

static void
remove_tmp_dir(void)
{
    if (tmp_dir[0])
        tu_rm_tree(tmp_dir);
}

TestSuite(match, .fini = remove_tmp_dir);

/* Relative closeness of two scores; summation order may differ. */
static int
close_enough(double a, double b)
{
    return fabs(a - b) <=
           1e-9 * (fabs(a) > fabs(b) ? fabs(a) : fabs(b)) + 1e-12;
}

/* One JSONL line's string field, or "" when absent. */
static const char *
field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

/* A string table: interned strings with dense ids. */
struct strtab {
    char **s;
    size_t *len;
    size_t n, cap;
    uint32_t *slots; /* id + 1, 0 = empty */
    size_t nslots;
};

static uint32_t
strtab_find(const struct strtab *t, const char *s, size_t n)
{
    size_t j;

    if (t->nslots == 0)
        return NONE;
    for (j = tu_hash(s, n) & (t->nslots - 1); t->slots[j];
         j = (j + 1) & (t->nslots - 1)) {
        uint32_t id = t->slots[j] - 1;
        if (t->len[id] == n && memcmp(t->s[id], s, n) == 0)
            return id;
    }
    return NONE;
}

static uint32_t
strtab_add(struct strtab *t, const char *s, size_t n)
{
    uint32_t id = strtab_find(t, s, n);
    size_t j;

    if (id != NONE)
        return id;
    if (2 * (t->n + 1) > t->nslots) {
        size_t ns = t->nslots ? 2 * t->nslots : 1024, i;
        uint32_t *sl = calloc(ns, sizeof *sl);
        cr_assert_not_null(sl, "out of memory");
        for (i = 0; i < t->n; i++) {
            for (j = tu_hash(t->s[i], t->len[i]) & (ns - 1); sl[j];
                 j = (j + 1) & (ns - 1))
                ;
            sl[j] = (uint32_t)i + 1;
        }
        free(t->slots);
        t->slots = sl;
        t->nslots = ns;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->s = realloc(t->s, t->cap * sizeof *t->s);
        t->len = realloc(t->len, t->cap * sizeof *t->len);
        cr_assert(t->s && t->len, "out of memory");
    }
    id = (uint32_t)t->n++;
    t->s[id] = malloc(n + 1);
    cr_assert_not_null(t->s[id], "out of memory");
    memcpy(t->s[id], s, n);
    t->s[id][n] = '\0';
    t->len[id] = n;
    for (j = tu_hash(s, n) & (t->nslots - 1); t->slots[j];
         j = (j + 1) & (t->nslots - 1))
        ;
    t->slots[j] = id + 1;
    return id;
}

static void
strtab_release(struct strtab *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    free(t->len);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- */
/* The brute-force side: a corpus tokenized in the test              */
/* ---------------------------------------------------------------- */

struct rtok {
    uint32_t form;       /* form id, GAP between title and body */
    uint32_t start, end; /* raw bytes in the title or the body */
};

struct rdoc {
    uint32_t id;           /* in corpus.ids */
    char *title, *body;    /* owned */
    struct rtok *t;        /* t[p] is the token at position p */
    uint32_t n;            /* positions, GAP included */
    uint32_t title_tokens; /* t[0..title_tokens) are the title's */
    uint32_t len;          /* tokens, title and body */
};

struct corpus {
    struct rdoc *d;
    size_t n, cap;
    struct strtab forms, stems, ids;
    uint32_t *stem_of; /* form id -> stem id */
    size_t stem_cap;
    uint32_t *df_form, *df_stem;
    /* documents of each form and stem: docs_form[off_form[f] ...] */
    uint32_t *off_form, *docs_form, *off_stem, *docs_stem;
    uint64_t total_len;
    struct tok *tok;
    struct stem *stem;
};

static void
corpus_tokenize(struct corpus *c, struct rdoc *d, const char *text, size_t len,
                uint32_t first, size_t *cap)
{
    struct tok_token t;
    int rc;

    tok_reset(c->tok, text, len, first);
    while ((rc = tok_next(c->tok, &t)) == 1) {
        uint32_t f;
        cr_assert_eq(t.pos, d->n, "token at position %u, expected %u", t.pos,
                     d->n);
        if (d->n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            d->t = realloc(d->t, *cap * sizeof *d->t);
            cr_assert_not_null(d->t, "out of memory");
        }
        f = strtab_add(&c->forms, t.text, t.len);
        if (f == c->forms.n - 1) {
            const char *st;
            size_t sl;
            rc = stem_word(c->stem, t.text, t.len, &st, &sl);
            cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
            if (c->stem_cap < c->forms.cap) {
                c->stem_cap = c->forms.cap;
                c->stem_of =
                    realloc(c->stem_of, c->stem_cap * sizeof *c->stem_of);
                cr_assert_not_null(c->stem_of, "out of memory");
            }
            c->stem_of[f] = strtab_add(&c->stems, st, sl);
        }
        d->t[d->n].form = f;
        d->t[d->n].start = (uint32_t)t.start;
        d->t[d->n].end = (uint32_t)t.end;
        d->n++;
        d->len++;
    }
    cr_assert_geq(rc, 0, "tok_next: %s", se_strerror(rc));
}

/* Add one document as the writer would see it. */
static void
corpus_add(struct corpus *c, const char *id, const char *title,
           const char *body)
{
    struct rdoc *d;
    size_t cap = 0;

    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->d = realloc(c->d, c->cap * sizeof *c->d);
        cr_assert_not_null(c->d, "out of memory");
    }
    d = &c->d[c->n];
    memset(d, 0, sizeof *d);
    d->id = strtab_add(&c->ids, id, strlen(id));
    cr_assert_eq(d->id, c->n, "duplicate document id %s", id);
    c->n++;
    d->title = strdup(title);
    d->body = strdup(body);
    cr_assert(d->title && d->body, "out of memory");
    corpus_tokenize(c, d, d->title, strlen(d->title), 0, &cap);
    d->title_tokens = d->n;
    if (d->title_tokens) {
        /* The writer leaves one position free after the title. */
        if (d->n == cap) {
            cap = cap ? 2 * cap : 64;
            d->t = realloc(d->t, cap * sizeof *d->t);
            cr_assert_not_null(d->t, "out of memory");
        }
        d->t[d->n].form = GAP;
        d->t[d->n].start = d->t[d->n].end = 0;
        d->n++;
    }
    corpus_tokenize(c, d, d->body, strlen(d->body), d->n, &cap);
    c->total_len += d->len;
}

static void
corpus_init(struct corpus *c)
{
    int rc;

    memset(c, 0, sizeof *c);
    rc = tok_new(&c->tok);
    cr_assert_eq(rc, SE_OK, "tok_new: %s", se_strerror(rc));
    rc = stem_new("english", &c->stem);
    cr_assert_eq(rc, SE_OK, "stem_new: %s", se_strerror(rc));
}

/* Document frequencies of forms and stems, once every document is in. */
static void
corpus_finish(struct corpus *c)
{
    uint32_t *last_f = malloc(c->forms.n * sizeof *last_f);
    uint32_t *last_s = malloc(c->stems.n * sizeof *last_s);
    size_t i, p;

    c->df_form = calloc(c->forms.n, sizeof *c->df_form);
    c->df_stem = calloc(c->stems.n, sizeof *c->df_stem);
    cr_assert(last_f && last_s && c->df_form && c->df_stem, "out of memory");
    memset(last_f, 0xff, c->forms.n * sizeof *last_f);
    memset(last_s, 0xff, c->stems.n * sizeof *last_s);
    for (i = 0; i < c->n; i++) {
        const struct rdoc *d = &c->d[i];
        for (p = 0; p < d->n; p++) {
            uint32_t f = d->t[p].form, s;
            if (f == GAP)
                continue;
            s = c->stem_of[f];
            if (last_f[f] != i) {
                last_f[f] = (uint32_t)i;
                c->df_form[f]++;
            }
            if (last_s[s] != i) {
                last_s[s] = (uint32_t)i;
                c->df_stem[s]++;
            }
        }
    }
    /* The same scan again, listing the documents (to skip the others). */
    c->off_form = calloc(c->forms.n + 1, sizeof *c->off_form);
    c->off_stem = calloc(c->stems.n + 1, sizeof *c->off_stem);
    cr_assert(c->off_form && c->off_stem, "out of memory");
    for (i = 0; i < c->forms.n; i++)
        c->off_form[i + 1] = c->off_form[i] + c->df_form[i];
    for (i = 0; i < c->stems.n; i++)
        c->off_stem[i + 1] = c->off_stem[i] + c->df_stem[i];
    c->docs_form = malloc((c->off_form[c->forms.n] + 1) * sizeof *c->docs_form);
    c->docs_stem = malloc((c->off_stem[c->stems.n] + 1) * sizeof *c->docs_stem);
    cr_assert(c->docs_form && c->docs_stem, "out of memory");
    memset(last_f, 0, c->forms.n * sizeof *last_f); /* now: docs listed */
    memset(last_s, 0, c->stems.n * sizeof *last_s);
    for (i = 0; i < c->n; i++) {
        const struct rdoc *d = &c->d[i];
        for (p = 0; p < d->n; p++) {
            uint32_t f = d->t[p].form, s;
            if (f == GAP)
                continue;
            s = c->stem_of[f];
            if (last_f[f] == 0 ||
                c->docs_form[c->off_form[f] + last_f[f] - 1] != i)
                c->docs_form[c->off_form[f] + last_f[f]++] = (uint32_t)i;
            if (last_s[s] == 0 ||
                c->docs_stem[c->off_stem[s] + last_s[s] - 1] != i)
                c->docs_stem[c->off_stem[s] + last_s[s]++] = (uint32_t)i;
        }
    }
    for (i = 0; i < c->forms.n; i++)
        cr_assert_eq(last_f[i], c->df_form[i], "form lists do not add up");
    for (i = 0; i < c->stems.n; i++)
        cr_assert_eq(last_s[i], c->df_stem[i], "stem lists do not add up");
    free(last_f);
    free(last_s);
}

static void
corpus_release(struct corpus *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        free(c->d[i].title);
        free(c->d[i].body);
        free(c->d[i].t);
    }
    free(c->d);
    strtab_release(&c->forms);
    strtab_release(&c->stems);
    strtab_release(&c->ids);
    free(c->stem_of);
    free(c->df_form);
    free(c->df_stem);
    free(c->off_form);
    free(c->docs_form);
    free(c->off_stem);
    free(c->docs_stem);
    tok_free(c->tok);
    stem_free(c->stem);
    memset(c, 0, sizeof *c);
}

/* Read the Reuters JSONL; call `each` with every document. */
static int
read_reuters(void (*each)(void *, const char *, const char *, const char *,
                          const char *),
             void *arg, char *err, size_t errlen)
{
    FILE *f = fopen(REUTERS, "r");
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;

    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s (run from /work/main)", REUTERS);
        return -1;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
        if (o == NULL) {
            snprintf(err, errlen, "%s:%zu: bad JSON", REUTERS, n + 1);
            break;
        }
        each(arg, field(o, "id"), field(o, "title"), field(o, "date"),
             field(o, "body"));
        cJSON_Delete(o);
        n++;
    }
    free(line);
    fclose(f);
    if (n != REUTERS_DOCS) {
        if (!err[0])
            snprintf(err, errlen, "%s: %zu documents, expected %d", REUTERS, n,
                     REUTERS_DOCS);
        return -1;
    }
    return 0;
}

static void
corpus_each(void *arg, const char *id, const char *title, const char *date,
            const char *body)
{
    (void)date;
    corpus_add(arg, id, title, body);
}

static void
corpus_load_reuters(struct corpus *c)
{
    char err[512] = "";

    corpus_init(c);
    cr_assert_eq(read_reuters(corpus_each, c, err, sizeof err), 0, "%s", err);
    corpus_finish(c);
}

/* ---------------------------------------------------------------- */
/* The engine side                                                   */
/* ---------------------------------------------------------------- */

struct engine {
    struct idx *ix;
    struct idx_txn *txn;
    struct doc_meta meta;
    struct stem *stem;
    struct tok *tok;
    uint32_t *to_corpus; /* doc id -> corpus index, NONE if no document */
    uint32_t *to_doc;    /* corpus index -> doc id */
};

static void
engine_open(struct engine *e, const char *dir, const struct corpus *c)
{
    int rc;
    uint32_t d;

    memset(e, 0, sizeof *e);
    rc = idx_open(dir, IDX_RDONLY, &e->ix);
    cr_assert_eq(rc, SE_OK, "idx_open %s: %s", dir, se_strerror(rc));
    rc = idx_txn_begin(e->ix, 0, &e->txn);
    cr_assert_eq(rc, SE_OK, "idx_txn_begin: %s", se_strerror(rc));
    rc = doc_meta_load(e->txn, &e->meta);
    cr_assert_eq(rc, SE_OK, "doc_meta_load: %s", se_strerror(rc));
    rc = stem_new(e->meta.language, &e->stem);
    cr_assert_eq(rc, SE_OK, "stem_new(%s): %s", e->meta.language,
                 se_strerror(rc));
    rc = tok_new(&e->tok);
    cr_assert_eq(rc, SE_OK, "tok_new: %s", se_strerror(rc));
    if (c == NULL)
        return;
    cr_assert_eq(e->meta.docs, c->n, "index has %llu documents, corpus %zu",
                 (unsigned long long)e->meta.docs, c->n);
    cr_assert_eq(e->meta.total_len, c->total_len,
                 "index counts %llu tokens, the tokenizer %llu",
                 (unsigned long long)e->meta.total_len,
                 (unsigned long long)c->total_len);
    e->to_corpus = malloc((e->meta.next_doc + 1) * sizeof *e->to_corpus);
    e->to_doc = malloc(c->n * sizeof *e->to_doc);
    cr_assert(e->to_corpus && e->to_doc, "out of memory");
    memset(e->to_doc, 0xff, c->n * sizeof *e->to_doc);
    for (d = 0; d < e->meta.next_doc; d++) {
        struct doc_record r;
        uint32_t k;
        e->to_corpus[d] = NONE;
        rc = doc_get(e->txn, d, &r);
        if (rc == SE_ENOTFOUND)
            continue;
        cr_assert_eq(rc, SE_OK, "doc_get(%u): %s", d, se_strerror(rc));
        k = strtab_find(&c->ids, r.id, r.id_len);
        cr_assert_neq(k, NONE, "doc %u has id \"%.*s\", not in the corpus", d,
                      (int)r.id_len, r.id);
        cr_assert_eq(r.len, c->d[k].len,
                     "doc %s: length %u in the index, %u tokens in the test",
                     c->ids.s[k], r.len, c->d[k].len);
        cr_assert_eq(r.title_tokens, c->d[k].title_tokens,
                     "doc %s: %u title tokens in the index, %u in the test",
                     c->ids.s[k], r.title_tokens, c->d[k].title_tokens);
        e->to_corpus[d] = k;
        e->to_doc[k] = d;
    }
    for (d = 0; d < c->n; d++)
        cr_assert_neq(e->to_doc[d], NONE, "document %s is not in the index",
                      c->ids.s[d]);
}

static void
engine_close(struct engine *e)
{
    free(e->to_corpus);
    free(e->to_doc);
    tok_free(e->tok);
    stem_free(e->stem);
    idx_txn_abort(e->txn);
    idx_close(e->ix);
    memset(e, 0, sizeof *e);
}

static int
parse(struct engine *e, const char *text, int flags, struct qry_node **q)
{
    struct qry_error qe;
    int rc = qry_parse(text, strlen(text), flags, e->tok, q, &qe);

    cr_assert_eq(rc, SE_OK, "qry_parse(%s): %s: %s at column %zu", text,
                 se_strerror(rc), qe.msg, qe.column);
    return rc;
}

static void
run(struct engine *e, const struct qry_node *q, double k1, double b,
    size_t limit, size_t offset, struct match_result *res, const char *what)
{
    struct match_options o = {
        .k1 = k1, .b = b, .limit = limit, .offset = offset};
    int rc = match_run(e->txn, &e->meta, e->stem, q, &o, res);

    cr_assert_eq(rc, SE_OK, "match_run(%s): %s", what, se_strerror(rc));
}

/* ---------------------------------------------------------------- */
/* Reference evaluation                                              */
/* ---------------------------------------------------------------- */

struct rclause {
    enum qry_kind kind;
    enum qry_occur occur;
    size_t nw;
    uint32_t id[QRY_MAX_PHRASE]; /* TERM: stem id; PHRASE: form ids */
};

struct ref {
    const struct corpus *c;
    struct rclause *cl;
    size_t ncl;
    double k1, b, n, avgdl;
};

static void
ref_init(struct ref *r, const struct corpus *c, const struct qry_node *q,
         double k1, double b)
{
    size_t i, j;

    cr_assert_eq(q->kind, QRY_BOOL, "the root of a query is not QRY_BOOL");
    r->c = c;
    r->cl = calloc(q->nkids ? q->nkids : 1, sizeof *r->cl);
    cr_assert_not_null(r->cl, "out of memory");
    r->ncl = q->nkids;
    r->k1 = k1;
    r->b = b;
    r->n = (double)c->n;
    r->avgdl = c->n ? (double)c->total_len / (double)c->n : 1.0;
    for (i = 0; i < q->nkids; i++) {
        const struct qry_node *k = q->kids[i];
        struct rclause *rc = &r->cl[i];
        rc->kind = k->kind;
        rc->occur = k->occur;
        rc->nw = k->nwords;
        for (j = 0; j < k->nwords; j++) {
            const char *w = k->words[j];
            size_t len = strlen(w);
            if (k->kind == QRY_TERM) {
                const char *st;
                size_t sl;
                int e = stem_word(c->stem, w, len, &st, &sl);
                cr_assert_eq(e, SE_OK, "stem_word: %s", se_strerror(e));
                rc->id[j] = strtab_find(&c->stems, st, sl);
            } else {
                rc->id[j] = strtab_find(&c->forms, w, len);
            }
        }
    }
}

static void
ref_release(struct ref *r)
{
    free(r->cl);
}

/* BM25 of bm25.h, written out again. */
static double
ref_bm25(const struct ref *r, uint32_t df, uint32_t tf, uint32_t len)
{
    double idf = log(1.0 + (r->n - df + 0.5) / (df + 0.5));

    return idf * tf * (r->k1 + 1.0) /
           (tf + r->k1 * (1.0 - r->b + r->b * len / r->avgdl));
}

/*
 * Does document `d` match clause `k`? Sets *score to the clause's BM25 in
 * it (0 when it does not match).
 */
static int
ref_clause(const struct ref *r, const struct rdoc *d, const struct rclause *k,
           double *score)
{
    const struct corpus *c = r->c;
    uint32_t p, j, tf;
    int hit = 0;

    *score = 0;
    for (j = 0; j < k->nw; j++)
        if (k->id[j] == NONE)
            return 0; /* a word in no document */
    if (k->kind == QRY_TERM) {
        for (tf = 0, p = 0; p < d->n; p++)
            tf += d->t[p].form != GAP && c->stem_of[d->t[p].form] == k->id[0];
        if (tf)
            *score = ref_bm25(r, c->df_stem[k->id[0]], tf, d->len);
        return tf > 0;
    }
    for (p = 0; !hit && p + k->nw <= d->n; p++) {
        for (j = 0; j < k->nw && d->t[p + j].form == k->id[j]; j++)
            ;
        hit = j == k->nw;
    }
    if (!hit)
        return 0;
    for (j = 0; j < k->nw; j++) {
        for (tf = 0, p = 0; p < d->n; p++)
            tf += d->t[p].form == k->id[j];
        *score += ref_bm25(r, c->df_form[k->id[j]], tf, d->len);
    }
    return 1;
}

/* Does document `d` match the query? Its score in *score. */
static int
ref_doc(const struct ref *r, const struct rdoc *d, double *score)
{
    size_t i;
    int any_must = 0, any_should = 0, ok = 1;
    double s;

    *score = 0;
    for (i = 0; i < r->ncl; i++)
        any_must |= r->cl[i].occur == QRY_MUST;
    for (i = 0; i < r->ncl && ok; i++) {
        int m = ref_clause(r, d, &r->cl[i], &s);
        switch (r->cl[i].occur) {
        case QRY_MUST:
            ok = m;
            *score += s;
            break;
        case QRY_MUST_NOT:
            ok = !m;
            break;
        case QRY_SHOULD:
            any_should |= m;
            *score += s;
            break;
        }
    }
    if (!ok)
        return 0;
    return any_must || any_should;
}

/*
 * Check query `text` on the corpus: the engine's hits (all of them) must
 * be the documents the scan matches, with its scores, best first and ties
 * by document id. Returns the number of matching documents.
 */
static size_t
check_query(struct engine *e, const struct corpus *c, const char *text,
            int flags, double k1, double b)
{
    struct qry_node *q;
    struct match_result res;
    struct ref r;
    double *want = malloc(c->n * sizeof *want), s;
    unsigned char *seen = calloc(c->n, 1);
    size_t i, count = 0;

    cr_assert(want && seen, "out of memory");
    parse(e, text, flags, &q);
    ref_init(&r, c, q, k1, b);
    /*
     * Only documents holding a word of a clause that is not excluded can
     * match: the stem of a bare word, the first form of a phrase. Every
     * other document is skipped (and a hit on one fails below).
     */
    for (i = 0; i < r.ncl; i++) {
        const struct rclause *k = &r.cl[i];
        const uint32_t *from, *to;
        if (k->occur == QRY_MUST_NOT || k->id[0] == NONE)
            continue;
        from = k->kind == QRY_TERM ? c->docs_stem + c->off_stem[k->id[0]]
                                   : c->docs_form + c->off_form[k->id[0]];
        to = k->kind == QRY_TERM ? c->docs_stem + c->off_stem[k->id[0] + 1]
                                 : c->docs_form + c->off_form[k->id[0] + 1];
        for (; from < to; from++)
            seen[*from] = 1; /* a candidate, for now */
    }
    for (i = 0; i < c->n; i++) {
        want[i] = NAN;
        if (seen[i] && ref_doc(&r, &c->d[i], &s)) {
            want[i] = s;
            count++;
        }
    }
    memset(seen, 0, c->n);
    run(e, q, k1, b, c->n, 0, &res, text);
    cr_assert_eq(res.total, count,
                 "%s (k1 %g, b %g): %llu matching documents, brute force "
                 "finds %zu",
                 text, k1, b, (unsigned long long)res.total, count);
    cr_assert_eq(res.nhits, count, "%s: %zu hits with limit %zu, want %zu",
                 text, res.nhits, c->n, count);
    for (i = 0; i < res.nhits; i++) {
        const struct match_hit *h = &res.hits[i];
        uint32_t k;
        cr_assert_lt(h->doc, e->meta.next_doc, "%s: hit %zu is doc %u", text, i,
                     h->doc);
        k = e->to_corpus[h->doc];
        cr_assert_neq(k, NONE, "%s: hit %zu is doc %u, not a document", text, i,
                      h->doc);
        cr_assert(!isnan(want[k]),
                  "%s: document %s is a hit but does not match (brute force)",
                  text, c->ids.s[k]);
        cr_assert(!seen[k], "%s: document %s is a hit twice", text,
                  c->ids.s[k]);
        seen[k] = 1;
        cr_assert(close_enough(h->score, want[k]),
                  "%s (k1 %g, b %g): document %s scores %.17g, the formula "
                  "gives %.17g",
                  text, k1, b, c->ids.s[k], h->score, want[k]);
        if (i > 0) {
            const struct match_hit *g = &res.hits[i - 1];
            cr_assert(g->score > h->score ||
                          (g->score == h->score && g->doc < h->doc),
                      "%s: hit %zu (doc %u, %.17g) ranks after hit %zu "
                      "(doc %u, %.17g)",
                      text, i, h->doc, h->score, i - 1, g->doc, g->score);
        }
    }
    match_result_release(&res);
    ref_release(&r);
    qry_free(q);
    free(want);
    free(seen);
    return count;
}

/* ---------------------------------------------------------------- */
/* The Reuters index, built once per run                             */
/* ---------------------------------------------------------------- */

struct build {
    struct wr *w;
    int rc;
    char id[32];
};

static void
build_each(void *arg, const char *id, const char *title, const char *date,
           const char *body)
{
    struct build *b = arg;
    struct wr_doc d = {id,   strlen(id),   title, strlen(title),
                       date, strlen(date), body,  strlen(body)};

    if (b->rc == SE_OK) {
        b->rc = wr_add(b->w, &d);
        snprintf(b->id, sizeof b->id, "%s", id);
    }
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    /* A small memory budget: the index is written in several flushes. */
    struct wr_options o = {.language = "english",
                           .memory = (size_t)16 << 20,
                           .title_weight = 0,
                           .threads = 1};
    struct build b = {NULL, SE_OK, ""};
    char dir[] = "/tmp/test_match.XXXXXX", err[512] = "";

    (void)set;
    if (mkdtemp(dir) == NULL) {
        setenv(ENV_ERR, "mkdtemp failed", 1);
        return;
    }
    b.rc = wr_open(dir, &o, &b.w);
    if (b.rc != SE_OK) {
        snprintf(err, sizeof err, "wr_open %s: %s", dir, se_strerror(b.rc));
    } else if (read_reuters(build_each, &b, err, sizeof err) == 0) {
        if (b.rc != SE_OK)
            snprintf(err, sizeof err, "wr_add(%s): %s", b.id,
                     se_strerror(b.rc));
        else if ((b.rc = wr_commit(b.w)) != SE_OK)
            snprintf(err, sizeof err, "wr_commit: %s", se_strerror(b.rc));
    }
    wr_close(b.w);
    setenv(ENV_DIR, dir, 1);
    if (err[0])
        setenv(ENV_ERR, err, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    const char *dir = getenv(ENV_DIR);

    (void)stats;
    if (dir)
        tu_rm_tree(dir);
}

/* Open the shared Reuters index and tokenize the corpus for brute force. */
static void
reuters(struct engine *e, struct corpus *c)
{
    const char *err = getenv(ENV_ERR), *dir = getenv(ENV_DIR);

    cr_assert_null(err, "indexing Reuters failed: %s", err);
    cr_assert_not_null(dir, "the PRE_ALL hook did not index Reuters");
    corpus_load_reuters(c);
    engine_open(e, dir, c);
}

/* ---------------------------------------------------------------- */
/* Phrases on Reuters                                                */
/* ---------------------------------------------------------------- */

static const char *const stopwords[] = {"the", "of",  "a",  "and",  "to",
                                        "in",  "for", "on", "said", "it"};

static int
is_stopword(const struct corpus *c, uint32_t form)
{
    size_t i;

    if (form == GAP)
        return 0;
    for (i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++)
        if (strcmp(c->forms.s[form], stopwords[i]) == 0)
            return 1;
    return 0;
}

struct phrase {
    char text[600];
    uint32_t form[QRY_MAX_PHRASE];
    size_t nw;
};

/* Raw text of tokens [p, p+n) of d, or NULL when they cross the gap. */
static const char *
raw_span(const struct rdoc *d, uint32_t p, uint32_t n, size_t *len)
{
    const char *text = p < d->title_tokens ? d->title : d->body;
    uint32_t j;

    for (j = 0; j < n; j++)
        if (p + j >= d->n || d->t[p + j].form == GAP ||
            (p + j < d->title_tokens) != (p < d->title_tokens))
            return NULL;
    *len = d->t[p + n - 1].end - d->t[p].start;
    return text + d->t[p].start;
}

/*
 * A phrase of `n` words at position p of d, quoted from the raw text as a
 * user would paste it. 0 when it cannot be quoted (crosses the gap, holds a
 * quote mark or is too long).
 */
static int
phrase_at(const struct rdoc *d, uint32_t p, uint32_t n, struct phrase *ph)
{
    size_t len, j;
    const char *raw = raw_span(d, p, n, &len);

    if (raw == NULL || len + 3 > sizeof ph->text ||
        memchr(raw, '"', len) != NULL)
        return 0;
    snprintf(ph->text, sizeof ph->text, "\"%.*s\"", (int)len, raw);
    ph->nw = n;
    for (j = 0; j < n; j++)
        ph->form[j] = d->t[p + j].form;
    return 1;
}

/* A phrase from folded forms (for word orders that may not occur). */
static void
phrase_of_forms(const struct corpus *c, const uint32_t *form, size_t n,
                struct phrase *ph)
{
    size_t j, at = 0;

    ph->text[at++] = '"';
    for (j = 0; j < n; j++)
        at += (size_t)snprintf(ph->text + at, sizeof ph->text - at, "%s%s",
                               j ? " " : "", c->forms.s[form[j]]);
    snprintf(ph->text + at, sizeof ph->text - at, "\"");
    memcpy(ph->form, form, n * sizeof *form);
    ph->nw = n;
}

enum sample_kind { ANY, STOPWORD, CAPITALISED };

/* A random phrase of 1-4 (or 2-4) words of the given kind. */
static int
sample_phrase(const struct corpus *c, uint64_t *seed, enum sample_kind kind,
              struct phrase *ph)
{
    int tries;

    for (tries = 0; tries < 100000; tries++) {
        const struct rdoc *d = &c->d[rnd_below(seed, c->n)];
        uint32_t n = (uint32_t)(kind == ANY ? 1 + rnd_below(seed, 4)
                                            : 2 + rnd_below(seed, 3));
        uint32_t p, j;
        int ok = 1;
        if (d->n < n)
            continue;
        p = (uint32_t)rnd_below(seed, d->n - n + 1);
        if (kind == STOPWORD) {
            for (ok = 0, j = 0; j < n; j++)
                ok |= is_stopword(c, d->t[p + j].form);
        } else if (kind == CAPITALISED) {
            /* Names in the body: titles are all upper case. */
            for (j = 0; ok && j < n; j++)
                ok = p >= d->title_tokens &&
                     isupper((unsigned char)d->body[d->t[p + j].start]) &&
                     !isupper((unsigned char)d->body[d->t[p + j].start + 1]);
        }
        if (ok && phrase_at(d, p, n, ph))
            return 1;
    }
    return 0;
}

/* Check one phrase query; the parsed words must be the sampled forms. */
static size_t
check_phrase(struct engine *e, const struct corpus *c, const struct phrase *ph)
{
    struct qry_node *q;
    size_t j;

    parse(e, ph->text, 0, &q);
    cr_assert(q->nkids == 1 && q->kids[0]->kind == QRY_PHRASE,
              "%s does not parse as one phrase", ph->text);
    cr_assert_eq(q->kids[0]->nwords, ph->nw,
                 "%s: %zu words in the query, %zu in the document", ph->text,
                 q->kids[0]->nwords, ph->nw);
    for (j = 0; j < ph->nw; j++)
        cr_assert_str_eq(q->kids[0]->words[j], c->forms.s[ph->form[j]],
                         "%s: word %zu folds to \"%s\" in the query, \"%s\" "
                         "in the document",
                         ph->text, j, q->kids[0]->words[j],
                         c->forms.s[ph->form[j]]);
    qry_free(q);
    return check_query(e, c, ph->text, 0, BM25_K1, BM25_B);
}

/*
 * Run `text` for its top k and for the full ranking: the top k must be the
 * head of the full ranking, to the last bit, and its total exact or a
 * lower bound. Returns whether the top-k run counted exactly.
 */
static int
top_k_is_head(struct engine *e, const char *text, size_t k)
{
    struct qry_node *q;
    struct match_result all, top;
    size_t i, want;
    int exact;

    parse(e, text, 0, &q);
    run(e, q, BM25_K1, BM25_B, SIZE_MAX, 0, &all, text);
    cr_assert(all.exact, "%s: a full ranking is never pruned", text);
    want = all.nhits < k ? all.nhits : k;
    run(e, q, BM25_K1, BM25_B, k, 0, &top, text);
    cr_assert_eq(top.nhits, want, "%s, top %zu: %zu hits, want %zu", text, k,
                 top.nhits, want);
    for (i = 0; i < top.nhits; i++)
        cr_assert(top.hits[i].doc == all.hits[i].doc &&
                      top.hits[i].score == all.hits[i].score,
                  "%s, top %zu: rank %zu is doc %u (%.17g), want doc %u "
                  "(%.17g)",
                  text, k, i + 1, top.hits[i].doc, top.hits[i].score,
                  all.hits[i].doc, all.hits[i].score);
    cr_assert(top.exact ? top.total == all.total
                        : top.total <= all.total && top.total >= top.nhits,
              "%s, top %zu: total %llu of %llu", text, k,
              (unsigned long long)top.total, (unsigned long long)all.total);
    exact = top.exact;
    match_result_release(&top);
    match_result_release(&all);
    qry_free(q);
    return exact;
}

Test(match, reuters_phrases_match_brute_force, .timeout = 120)
{
    static const char *const fixed[] = {
        "\"of the\"",
        "\"New York\"",
        "\"Bank of England\"",
        "\"New York Stock Exchange\"",
        "\"U.S.\"",
        "\"mln dlrs\"",
        "\"Federal Reserve Board\"",
        "\"Comissaria Smith\"",
        "\"the the\"",
        "\"said it\"",
        "\"Reuter\"",
        "\"bahia cocoa\"",
    };
    struct engine e;
    struct corpus c;
    struct phrase ph;
    uint64_t seed = 0x5eed0f7e57ULL;
    size_t i, n, checked = 0, with_hits = 0, several = 0, cross = 0;

    reuters(&e, &c);
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        n = check_query(&e, &c, fixed[i], 0, BM25_K1, BM25_B);
        with_hits += n > 0;
        checked++;
    }
    /* Sampled from the text: every one matches at least its source. */
    for (i = 0; i < 360; i++) {
        enum sample_kind kind = i < 200   ? ANY
                                : i < 290 ? STOPWORD
                                          : CAPITALISED;
        cr_assert(sample_phrase(&c, &seed, kind, &ph),
                  "could not sample a phrase of kind %d", (int)kind);
        n = check_phrase(&e, &c, &ph);
        cr_assert_geq(n, 1, "%s: no document, but it was taken from one",
                      ph.text);
        several += n > 1;
        checked++;
    }
    /* The same words in reverse order: mostly no document at all. */
    for (i = 0; i < 50; i++) {
        uint32_t rev[4];
        size_t j;
        cr_assert(sample_phrase(&c, &seed, STOPWORD, &ph), "no sample");
        for (j = 0; j < ph.nw; j++)
            rev[j] = ph.form[ph.nw - 1 - j];
        phrase_of_forms(&c, rev, ph.nw, &ph);
        check_query(&e, &c, ph.text, 0, BM25_K1, BM25_B);
        checked++;
    }
    /*
     * The title's last word and the body's first: a position apart, so
     * their document matches only if they meet somewhere else too.
     */
    for (i = 0; i < 40; i++) {
        const struct rdoc *d = &c.d[rnd_below(&seed, c.n)];
        uint32_t f[2];
        if (d->title_tokens == 0 || d->n <= d->title_tokens + 1)
            continue;
        f[0] = d->t[d->title_tokens - 1].form;
        f[1] = d->t[d->title_tokens + 1].form;
        phrase_of_forms(&c, f, 2, &ph);
        check_query(&e, &c, ph.text, 0, BM25_K1, BM25_B);
        cross++;
        checked++;
    }
    cr_assert_geq(several, 100,
                  "only %zu sampled phrases match several documents", several);
    cr_assert_geq(cross, 10, "only %zu title/body phrases tried", cross);
    cr_assert_geq(with_hits, 10, "only %zu fixed phrases match", with_hits);
    cr_log_info("%zu phrases checked against brute force", checked);
    engine_close(&e);
    corpus_release(&c);
}

/*
 * A phrase word MATCH_PHRASE_DEFER_RATIO times as frequent as the rarest is
 * sought only where the rarer words hold their part of the phrase. Sampled
 * phrases of that shape, and the same with their most frequent word
 * swapped for another frequent one (the rarer words still meet, the whole
 * mostly not), must match what brute force finds, and their top k must be
 * the head of their full ranking.
 */
Test(match, reuters_phrases_with_a_frequent_word_match_brute_force,
     .timeout = 120)
{
    static const char *const common[] = {"the", "of", "to", "said", "and"};
    struct engine e;
    struct corpus c;
    struct phrase ph;
    uint64_t seed = 0xdefe44edULL;
    size_t tries, sampled = 0, fewer = 0;

    reuters(&e, &c);
    for (tries = 0; sampled < 60 && tries < 1000000; tries++) {
        const struct rdoc *d = &c.d[rnd_below(&seed, c.n)];
        uint32_t n = (uint32_t)(3 + rnd_below(&seed, 2)), p, j, top = 0;
        uint32_t min = UINT32_MAX, swap = NONE, form[4];
        size_t before, after;
        if (d->n < n)
            continue;
        p = (uint32_t)rnd_below(&seed, d->n - n + 1);
        if (!phrase_at(d, p, n, &ph)) /* across the gap, or unquotable */
            continue;
        for (j = 0; j < n; j++) {
            uint32_t df = c.df_form[d->t[p + j].form];
            min = df < min ? df : min;
            top = df > c.df_form[d->t[p + top].form] ? j : top;
        }
        if (c.df_form[d->t[p + top].form] / MATCH_PHRASE_DEFER_RATIO < min)
            continue;
        before = check_phrase(&e, &c, &ph);
        cr_assert_geq(before, 1, "%s: no document, but it was taken from one",
                      ph.text);
        top_k_is_head(&e, ph.text, 3);
        for (j = 0; j < sizeof common / sizeof common[0]; j++) {
            uint32_t f = strtab_find(&c.forms, common[j], strlen(common[j]));
            cr_assert_neq(f, NONE, "\"%s\" is not in Reuters", common[j]);
            if (f != d->t[p + top].form && swap == NONE)
                swap = f;
        }
        for (j = 0; j < n; j++)
            form[j] = j == top ? swap : d->t[p + j].form;
        phrase_of_forms(&c, form, n, &ph);
        after = check_query(&e, &c, ph.text, 0, BM25_K1, BM25_B);
        top_k_is_head(&e, ph.text, 3);
        fewer += after < before;
        sampled++;
    }
    cr_assert_eq(sampled, 60, "only %zu phrases with a frequent word", sampled);
    /* The swapped word rules documents out where the rarer words meet. */
    cr_assert_geq(fewer, 30, "only %zu of %zu swaps matched fewer documents",
                  fewer, sampled);
    engine_close(&e);
    corpus_release(&c);
}

/* A quoted word is one exact form; a bare word finds all of its stem's. */
Test(match, reuters_quoted_word_is_exact_bare_word_is_stemmed, .timeout = 120)
{
    struct engine e;
    struct corpus c;
    struct qry_node *q;
    struct match_result res;
    uint32_t f_org, f_orgs, s_org;
    size_t i, only_other = -1, n_phrase, n_bare;

    reuters(&e, &c);
    f_org = strtab_find(&c.forms, "organization", 12);
    f_orgs = strtab_find(&c.forms, "organizations", 13);
    cr_assert(f_org != NONE && f_orgs != NONE,
              "Reuters has no \"organization\" or \"organizations\"");
    s_org = c.stem_of[f_org];
    cr_assert_eq(s_org, c.stem_of[f_orgs],
                 "organization and organizations stem apart");
    /* A document with "organizations" but not "organization". */
    for (i = 0; i < c.n && only_other == (size_t)-1; i++) {
        const struct rdoc *d = &c.d[i];
        uint32_t p;
        int has = 0, other = 0;
        for (p = 0; p < d->n; p++) {
            has |= d->t[p].form == f_org;
            other |= d->t[p].form == f_orgs;
        }
        if (other && !has)
            only_other = i;
    }
    cr_assert_neq(only_other, (size_t)-1, "no document to tell them apart");
    n_phrase = check_query(&e, &c, "\"organization\"", 0, BM25_K1, BM25_B);
    n_bare = check_query(&e, &c, "organization", 0, BM25_K1, BM25_B);
    cr_assert_eq(n_phrase, c.df_form[f_org],
                 "\"organization\" matches %zu documents, %u hold the form",
                 n_phrase, c.df_form[f_org]);
    cr_assert_eq(n_bare, c.df_stem[s_org],
                 "organization matches %zu documents, %u hold the stem", n_bare,
                 c.df_stem[s_org]);
    cr_assert_gt(n_bare, n_phrase, "the bare word should find more");
    /* And that one document in particular. */
    parse(&e, "\"organization\"", 0, &q);
    run(&e, q, BM25_K1, BM25_B, c.n, 0, &res, "\"organization\"");
    for (i = 0; i < res.nhits; i++)
        cr_assert_neq(e.to_corpus[res.hits[i].doc], only_other,
                      "\"organization\" matches document %s, which only "
                      "has \"organizations\"",
                      c.ids.s[only_other]);
    match_result_release(&res);
    qry_free(q);
    engine_close(&e);
    corpus_release(&c);
}

/* ---------------------------------------------------------------- */
/* Required, excluded, --all on Reuters                              */
/* ---------------------------------------------------------------- */

Test(match, reuters_required_excluded_and_all_match_brute_force, .timeout = 120)
{
    static const char *const fixed[][2] = {
        {"cocoa", "coffee"},
        {"oil", "opec"},
        {"rate", "rates"}, /* one stem: +rate -rates matches nothing */
        {"bank", "banking"},
        {"the", "of"},
        {"organization", "organize"},
        {"cotton", "qzxjvk"}, /* the second word is in no document */
        {"qzxjvk", "oil"},
        {"U.S.", "dollar"}, /* "U.S." is two words, "u" and "s" */
        {"China's", "Japan"},
        {"912.7", "mln"},
    };
    static const struct {
        const char *fmt;
        int flags;
    } forms[] = {
        {"%s %s", 0},       {"+%s %s", 0},       {"+%s +%s", 0},
        {"+%s -%s", 0},     {"%s -%s", 0},       {"-%s %s", 0},
        {"%s %s", QRY_ALL}, {"%s -%s", QRY_ALL}, {"%s -\"%s\"", 0},
        {"+\"%s\" %s", 0},  {"%s %s %s", 0}, /* repeated: the first word counts
                                                twice */
    };
    struct engine e;
    struct corpus c;
    uint64_t seed = 0xb001ea5ULL;
    const size_t nfixed = sizeof fixed / sizeof fixed[0];
    char text[256], pair[16][2][64];
    size_t i, j, npairs = 0, nonempty = 0;

    reuters(&e, &c);
    /* Random pairs of words from the text, besides the fixed ones. */
    while (npairs < 16) {
        for (j = 0; j < 2; j++) {
            const struct rdoc *d = &c.d[rnd_below(&seed, c.n)];
            uint32_t f;
            if (d->n == 0)
                break;
            f = d->t[rnd_below(&seed, d->n)].form;
            if (f == GAP)
                break;
            snprintf(pair[npairs][j], sizeof pair[npairs][j], "%s",
                     c.forms.s[f]);
        }
        npairs += j == 2;
    }
    for (i = 0; i < nfixed + npairs; i++) {
        const char *a = i < nfixed ? fixed[i][0] : pair[i - nfixed][0];
        const char *b = i < nfixed ? fixed[i][1] : pair[i - nfixed][1];
        for (j = 0; j < sizeof forms / sizeof forms[0]; j++) {
            size_t n;
            if (strcmp(forms[j].fmt, "%s %s %s") == 0)
                snprintf(text, sizeof text, forms[j].fmt, a, b, a);
            else
                snprintf(text, sizeof text, forms[j].fmt, a, b);
            n = check_query(&e, &c, text, forms[j].flags, BM25_K1, BM25_B);
            nonempty += n > 0;
        }
    }
    /* Other BM25 parameters on a few. */
    check_query(&e, &c, "+oil opec -coffee", 0, 0.9, 0.4);
    check_query(&e, &c, "oil opec", QRY_ALL, 2.0, 1.0);
    check_query(&e, &c, "cocoa \"bahia cocoa\"", 0, 1.2, 0.0);
    cr_assert_geq(nonempty, 150, "only %zu queries matched anything", nonempty);
    engine_close(&e);
    corpus_release(&c);
}

/* The same stem required and excluded: nothing, not an error. */
Test(match, reuters_contradictions_match_nothing)
{
    /* the last two: a required word or phrase that is in no document */
    static const char *const queries[] = {
        "+rate -rates",       "+oil -oil",   "oil -oil",
        "+\"new york\" -new", "+qzxjvk oil", "+\"oil qzxjvk\" oil",
    };
    const char *err = getenv(ENV_ERR), *dir = getenv(ENV_DIR);
    struct engine e;
    struct qry_node *q;
    struct match_result res;
    size_t i;

    cr_assert_null(err, "indexing Reuters failed: %s", err);
    cr_assert_not_null(dir, "the PRE_ALL hook did not index Reuters");
    engine_open(&e, dir, NULL);
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        parse(&e, queries[i], 0, &q);
        run(&e, q, BM25_K1, BM25_B, 10, 0, &res, queries[i]);
        cr_expect(res.total == 0 && res.nhits == 0,
                  "%s: %llu documents, %zu hits; want none", queries[i],
                  (unsigned long long)res.total, res.nhits);
        match_result_release(&res);
        qry_free(q);
    }
    engine_close(&e);
}

/* Pages (offset, limit) are slices of the full ranking; total is all. */
Test(match, reuters_pages_are_slices_of_the_ranking)
{
    static const char *const queries[] = {"oil prices", "\"of the\" bank",
                                          "+rate -\"interest rate\"", "reuter"};
    const char *err = getenv(ENV_ERR), *dir = getenv(ENV_DIR);
    static const size_t limits[] = {1, 7, 100};
    struct engine e;
    struct qry_node *q;
    struct match_result all, page;
    size_t i, j, off;

    cr_assert_null(err, "indexing Reuters failed: %s", err);
    cr_assert_not_null(dir, "the PRE_ALL hook did not index Reuters");
    engine_open(&e, dir, NULL);
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        parse(&e, queries[i], 0, &q);
        run(&e, q, BM25_K1, BM25_B, SIZE_MAX, 0, &all, queries[i]);
        cr_assert_gt(all.total, 100, "%s: only %llu documents", queries[i],
                     (unsigned long long)all.total);
        cr_assert_eq(all.nhits, all.total, "%s: %zu hits of %llu", queries[i],
                     all.nhits, (unsigned long long)all.total);
        for (j = 0; j < sizeof limits / sizeof limits[0]; j++) {
            size_t lim = limits[j];
            for (off = 0; off < 30 * lim && off <= all.total; off += lim) {
                size_t want = all.total - off < lim ? all.total - off : lim, k;
                run(&e, q, BM25_K1, BM25_B, lim, off, &page, queries[i]);
                /* Pruning may skip documents without counting them: then
                 * the total is a lower bound, and says so. */
                cr_assert(page.exact ? page.total == all.total
                                     : page.total >= off + page.nhits &&
                                           page.total <= all.total,
                          "%s offset %zu limit %zu: total %llu (%s), want "
                          "%llu",
                          queries[i], off, lim, (unsigned long long)page.total,
                          page.exact ? "exact" : "lower bound",
                          (unsigned long long)all.total);
                cr_assert(all.exact, "%s: a full ranking is never pruned",
                          queries[i]);
                cr_assert_eq(page.nhits, want,
                             "%s offset %zu limit %zu: %zu hits, want %zu",
                             queries[i], off, lim, page.nhits, want);
                for (k = 0; k < page.nhits; k++)
                    cr_assert(page.hits[k].doc == all.hits[off + k].doc &&
                                  page.hits[k].score == all.hits[off + k].score,
                              "%s offset %zu limit %zu: hit %zu is doc %u "
                              "(%.17g), rank %zu of all is doc %u (%.17g)",
                              queries[i], off, lim, k, page.hits[k].doc,
                              page.hits[k].score, off + k,
                              all.hits[off + k].doc, all.hits[off + k].score);
                match_result_release(&page);
            }
        }
        /* limit 0 counts; an offset past the end gives no hits. */
        for (j = 0; j < 3; j++) {
            size_t lim = j == 0 ? 0 : 10;
            size_t offset = j == 0 ? 0 : j == 1 ? all.total : SIZE_MAX;
            run(&e, q, BM25_K1, BM25_B, lim, offset, &page, queries[i]);
            cr_assert(page.total == all.total && page.nhits == 0,
                      "%s offset %zu limit %zu: %zu hits of %llu, want 0 "
                      "of %llu",
                      queries[i], offset, lim, page.nhits,
                      (unsigned long long)page.total,
                      (unsigned long long)all.total);
            match_result_release(&page);
        }
        match_result_release(&all);
        qry_free(q);
    }
    engine_close(&e);
}

/* ---------------------------------------------------------------- */
/* Small hand-made indexes                                           */
/* ---------------------------------------------------------------- */

struct tdoc {
    const char *id, *title, *body;
};

/* Index `docs` into a new temporary directory `dir` (char[32]). */
static void
build_small(char *dir, const struct tdoc *docs, size_t n, struct corpus *c)
{
    struct wr_options o = {
        .language = "english", .memory = 0, .title_weight = 0, .threads = 1};
    struct wr *w;
    size_t i;
    int rc;

    strcpy(dir, "/tmp/test_match.XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
    strcpy(tmp_dir, dir);
    rc = wr_open(dir, &o, &w);
    cr_assert_eq(rc, SE_OK, "wr_open: %s", se_strerror(rc));
    corpus_init(c);
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
        corpus_add(c, docs[i].id, docs[i].title, docs[i].body);
    }
    rc = wr_commit(w);
    cr_assert_eq(rc, SE_OK, "wr_commit: %s", se_strerror(rc));
    wr_close(w);
    corpus_finish(c);
}

/* Document ids (external) the query matches, in rank order, joined by ' '. */
static void
hits_of(struct engine *e, const struct corpus *c, const char *text, char *out,
        size_t outlen)
{
    struct qry_node *q;
    struct match_result res;
    size_t i, at = 0;

    parse(e, text, 0, &q);
    run(e, q, BM25_K1, BM25_B, 100, 0, &res, text);
    out[0] = '\0';
    for (i = 0; i < res.nhits; i++)
        at += (size_t)snprintf(out + at, outlen - at, "%s%s", i ? " " : "",
                               c->ids.s[e->to_corpus[res.hits[i].doc]]);
    match_result_release(&res);
    qry_free(q);
}

/* Sort the words of a space-separated list, to compare sets. */
static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sorted(const char *in, char *out, size_t outlen)
{
    char tmp[512], *w[64], *p, *save = NULL;
    size_t n = 0, i, at = 0;

    snprintf(tmp, sizeof tmp, "%s", in);
    for (p = strtok_r(tmp, " ", &save); p && n < 64;
         p = strtok_r(NULL, " ", &save))
        w[n++] = p;
    qsort(w, n, sizeof *w, cmp_str);
    out[0] = '\0';
    for (i = 0; i < n; i++)
        at +=
            (size_t)snprintf(out + at, outlen - at, "%s%s", i ? " " : "", w[i]);
}

/* README: "Khorgos" finds exactly that word; bare words find the stem. */
Test(match, quoted_word_matches_only_its_exact_form)
{
    static const struct tdoc docs[] = {
        {"org1", "", "The organization met on Monday."},
        {"org2", "", "They organize the meeting."},
        {"org3", "", "Several organizations met."},
        {"org4", "ORGANIZATION", "A title word counts too."},
        {"kh1", "", "Khorgos Jinyi International Trade Co"},
        {"kh2", "", "The Khorgo pass, not the town."},
        {"kh3", "", "KHORGOS, a border town; Khorgos's port."},
        {"none", "", "Nothing to see here."},
    };
    static const struct {
        const char *query, *want; /* sets of ids */
    } cases[] = {
        {"\"organization\"", "org1 org4"},
        {"\"Organization\"", "org1 org4"},
        {"organization", "org1 org2 org3 org4"},
        {"organize", "org1 org2 org3 org4"},
        {"\"organize\"", "org2"},
        {"\"organizations\"", "org3"},
        {"\"Khorgos\"", "kh1 kh3"},
        {"\"khorgos's\"", "kh3"},
        {"\"Khorgos Jinyi\"", "kh1"},
        {"\"Jinyi Khorgos\"", ""},
        {"\"Khorgo\"", "kh2"},
        {"+organization -\"organization\"", "org2 org3"},
    };
    char dir[32], got[512], got_sorted[512], want_sorted[512];
    struct engine e;
    struct corpus c;
    size_t i;

    build_small(dir, docs, sizeof docs / sizeof docs[0], &c);
    engine_open(&e, dir, &c);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hits_of(&e, &c, cases[i].query, got, sizeof got);
        sorted(got, got_sorted, sizeof got_sorted);
        sorted(cases[i].want, want_sorted, sizeof want_sorted);
        cr_expect_str_eq(got_sorted, want_sorted, "%s matches {%s}, want {%s}",
                         cases[i].query, got_sorted, want_sorted);
        check_query(&e, &c, cases[i].query, 0, BM25_K1, BM25_B);
    }
    engine_close(&e);
    corpus_release(&c);
}

/* Phrases: positions, the title/body gap, repeated and overlapping words. */
Test(match, phrases_need_consecutive_positions)
{
    static const struct tdoc docs[] = {
        {"a", "New York", "Stock prices rose in New York today."},
        {"b", "Markets", "York is new; new York is not new york."},
        {"c", "Price of New", "York traders said prices of new stocks rose."},
        {"d", "", "the the the"},
        {"e", "", "the cat and the the dog"},
        {"f", "New York Stock Exchange", ""},
        {"g", "", "new-york new/york \"new\" york, NEW YORK"},
    };
    static const struct {
        const char *query, *want;
    } cases[] = {
        {"\"new york\"", "a b f g"},
        {"\"york new\"", "g"}, /* c: "New" ends the title, "York" starts the
                                 body, one position apart */
        {"\"new york stock\"", "f"},
        {"\"york stock\"", "f"},
        {"\"new york stock exchange\"", "f"},
        {"\"stock prices\"", "a"},
        {"\"the the\"", "d e"},
        {"\"the the the\"", "d"},
        {"\"the the the the\"", ""},
        {"\"prices of new\"", "c"},
        {"\"price of new york\"", ""},
        {"+\"new york\" -\"new york stock\"", "a b g"},
        {"\"new york\" -traders", "a b f g"},
    };
    char dir[32], got[512], got_sorted[512], want_sorted[512];
    struct engine e;
    struct corpus c;
    size_t i;

    build_small(dir, docs, sizeof docs / sizeof docs[0], &c);
    engine_open(&e, dir, &c);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hits_of(&e, &c, cases[i].query, got, sizeof got);
        sorted(got, got_sorted, sizeof got_sorted);
        sorted(cases[i].want, want_sorted, sizeof want_sorted);
        cr_expect_str_eq(got_sorted, want_sorted, "%s matches {%s}, want {%s}",
                         cases[i].query, got_sorted, want_sorted);
        check_query(&e, &c, cases[i].query, 0, BM25_K1, BM25_B);
    }
    engine_close(&e);
    corpus_release(&c);
}

/* Top k keeps the best; among equal scores, the lowest document ids. */
Test(match, top_k_ties_keep_the_first_documents)
{
    static const struct tdoc docs[] = {
        {"z5", "", "cotton field"}, {"y4", "", "cotton field"},
        {"x3", "", "cotton field"}, {"w2", "", "cotton cotton cotton"},
        {"v1", "", "cotton field"}, {"u0", "", "wheat field"},
    };
    static const char *const rank[] = {"w2", "z5", "y4", "x3", "v1"};
    char dir[32], got[512];
    struct engine e;
    struct corpus c;
    struct qry_node *q;
    struct match_result res;
    size_t lim;

    build_small(dir, docs, sizeof docs / sizeof docs[0], &c);
    engine_open(&e, dir, &c);
    hits_of(&e, &c, "cotton", got, sizeof got);
    /* Ties in the order documents were added, not by external id. */
    cr_assert_str_eq(got, "w2 z5 y4 x3 v1", "cotton ranks %s", got);
    parse(&e, "cotton", 0, &q);
    for (lim = 1; lim <= 5; lim++) {
        size_t k;
        run(&e, q, BM25_K1, BM25_B, lim, 0, &res, "cotton");
        cr_assert_eq(res.nhits, lim, "limit %zu: %zu hits", lim, res.nhits);
        for (k = 0; k < lim; k++)
            cr_assert_str_eq(c.ids.s[e.to_corpus[res.hits[k].doc]], rank[k],
                             "limit %zu: hit %zu is %s, want %s", lim, k,
                             c.ids.s[e.to_corpus[res.hits[k].doc]], rank[k]);
        match_result_release(&res);
    }
    qry_free(q);
    engine_close(&e);
    corpus_release(&c);
}

/*
 * A dump that holds each story three times (agencies resend them) gives
 * every copy the score of the first: a lone phrase passes the later
 * copies over on their words' scores, and its top k must still be the
 * first copies, then the next best, as the full ranking has them.
 */
Test(match, a_lone_phrase_keeps_the_first_of_equal_copies)
{
    static const char *const bodies[] = {
        "keating said keating said today",
        "keating said the deal was done",
        "said keating",
        "keating noted that the board has said",
        "the minister keating said nothing more about it",
        "said said said said",
    };
    enum { NB = sizeof bodies / sizeof bodies[0], COPIES = 3 };
    struct tdoc docs[NB * COPIES];
    char ids[NB * COPIES][8], dir[32], got[512];
    struct engine e;
    struct corpus c;
    size_t i, k;
    int gated = 0;

    for (i = 0; i < NB * COPIES; i++) {
        snprintf(ids[i], sizeof ids[i], "%c%zu", (int)('a' + i % NB),
                 i / NB + 1);
        docs[i] = (struct tdoc){ids[i], "", bodies[i % NB]};
    }
    build_small(dir, docs, NB * COPIES, &c);
    engine_open(&e, dir, &c);
    hits_of(&e, &c, "\"keating said\"", got, sizeof got);
    cr_assert_str_eq(got, "a1 a2 a3 b1 b2 b3 e1 e2 e3",
                     "\"keating said\" ranks %s", got);
    for (k = 1; k <= 9; k++)
        gated += !top_k_is_head(&e, "\"keating said\"", k);
    cr_assert_gt(gated, 0, "no run passed a copy over");
    engine_close(&e);
    corpus_release(&c);
}

/*
 * MaxScore and block-max pruning must not change the top k: for a few
 * hundred disjunctions of frequent and rare words (and phrases, and
 * exclusions) the pruned top 10 equals the head of the full ranking, doc
 * for doc and score for score.
 */
Test(match, pruned_top_k_equals_the_head_of_the_full_ranking)
{
    static const char *const words[] = {
        "the",   "said",   "oil",        "prices",        "bank",   "rate",
        "cocoa", "brazil", "dollar",     "mln",           "pct",    "opec",
        "wheat", "japan",  "tonnes",     "shares",        "reuter", "year",
        "grain", "export", "\"of the\"", "\"crude oil\"", "-said",  "coffee",
        "gold",  "profit", "loss",       "trade",         "yen",    "zinc"};
    const size_t nwords = sizeof words / sizeof words[0];
    const char *err = getenv(ENV_ERR), *dir = getenv(ENV_DIR);
    uint64_t seed = 12345;
    struct engine e;
    int n, pruned = 0;

    cr_assert_null(err, "indexing Reuters failed: %s", err);
    cr_assert_not_null(dir, "the PRE_ALL hook did not index Reuters");
    engine_open(&e, dir, NULL);
    for (n = 0; n < 300; n++) {
        char text[256] = "";
        struct qry_node *q;
        struct match_result top, all;
        int k, nterms;
        size_t i;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        nterms = 1 + (int)((seed >> 33) % 4);
        for (k = 0; k < nterms; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            strcat(text, k ? " " : "");
            strcat(text, words[(seed >> 33) % nwords]);
        }
        if (qry_parse(text, strlen(text), 0, e.tok, &q,
                      &(struct qry_error){0}) != SE_OK)
            continue; /* only exclusions: not a query */
        run(&e, q, BM25_K1, BM25_B, 10, 0, &top, text);
        run(&e, q, BM25_K1, BM25_B, SIZE_MAX, 0, &all, text);
        cr_assert(all.exact, "%s: a full ranking is never pruned", text);
        cr_assert_eq(top.nhits, all.nhits < 10 ? all.nhits : 10,
                     "%s: %zu hits, want %zu", text, top.nhits,
                     all.nhits < 10 ? all.nhits : (size_t)10);
        for (i = 0; i < top.nhits; i++)
            cr_assert(top.hits[i].doc == all.hits[i].doc &&
                          top.hits[i].score == all.hits[i].score,
                      "%s: rank %zu is doc %u (%.17g), want doc %u (%.17g)",
                      text, i + 1, top.hits[i].doc, top.hits[i].score,
                      all.hits[i].doc, all.hits[i].score);
        pruned += !top.exact;
        cr_assert(top.exact ? top.total == all.total
                            : top.total <= all.total && top.total >= top.nhits,
                  "%s: total %llu of %llu", text, (unsigned long long)top.total,
                  (unsigned long long)all.total);
        match_result_release(&top);
        match_result_release(&all);
        qry_free(q);
    }
    /* The check means something only if pruning did happen. */
    cr_assert_gt(pruned, 100, "only %d of 300 queries were pruned", pruned);
    engine_close(&e);
}

/*
 * A query that is one exact phrase decodes positions only for candidates
 * whose score (its words' tfs give it) could enter the full top k: the top
 * k must still be the head of the full ranking, to the last bit.
 */
Test(match, a_lone_phrase_top_k_equals_the_head_of_the_full_ranking)
{
    static const char *const phrases[] = {
        "\"of the\"",          "\"in the\"",       "\"said it\"",
        "\"mln dlrs\"",        "\"the company\"",  "\"pct to\"",
        "\"to the\"",          "\"it said\"",      "\"for the\"",
        "\"said the\"",        "\"and the\"",      "\"on the\"",
        "\"the bank\"",        "\"of a\"",         "\"the u.s.\"",
        "\"said in a\"",       "\"the end of\"",   "\"a year earlier\"",
        "\"in the first quarter\"", "\"will be\"",    "\"the dollar\"",
        "\"crude oil\"",       "\"New York\"",     "\"the the\"",
        "\"oil prices\"",      "\"bank of\"",      "\"cts a share\"",
        "\"Comissaria Smith\"", "\"bahia cocoa\"", "\"dlrs a\""};
    static const size_t ks[] = {1, 3, 10, 25};
    const char *err = getenv(ENV_ERR), *dir = getenv(ENV_DIR);
    struct engine e;
    size_t p, j;
    int gated = 0, runs = 0;

    cr_assert_null(err, "indexing Reuters failed: %s", err);
    cr_assert_not_null(dir, "the PRE_ALL hook did not index Reuters");
    engine_open(&e, dir, NULL);
    for (p = 0; p < sizeof phrases / sizeof phrases[0]; p++) {
        for (j = 0; j < sizeof ks / sizeof ks[0]; j++) {
            gated += !top_k_is_head(&e, phrases[p], ks[j]);
            runs++;
        }
    }
    /* Frequent phrases have far more than k matches: most runs skip some. */
    cr_assert_gt(gated, runs / 2, "only %d of %d runs passed candidates over",
                 gated, runs);
    engine_close(&e);
}

/* Keep documents whose id is a multiple of three. */
static int
thirds(void *arg, uint32_t doc)
{
    (void)arg;
    return doc % 3 == 0;
}

/*
 * A query that is one bare word runs through its list a block at a time,
 * scoring only documents whose tf could beat the k-th score; so does a
 * frequent word where a rarer one beside it has no document (MaxScore's
 * lone-word stretches). Their top k, with and without an excluded word
 * and a filter, must be the head of the full ranking, to the last bit.
 */
Test(match, frequent_words_top_k_equals_the_head_of_the_full_ranking)
{
    static const char *const queries[] = {
        "the",           "said",           "of",
        "mln",           "dlrs",           "pct",
        "company",       "year",           "reuter",
        "oil",           "capital",        "markets",
        "its",           "could",          "cocoa",
        "opec",          "tabuchi",        "said -oil",
        "the -said",     "capital -reuter", "\"said\"",
        "\"the\"",     "\"markets\"",  "Comissaria",
        "fpl said",      "tabuchi reuter", "its nbb",
        "said years",    "cocoa said the", "dlrs net -oil",
        "opec oil said", "bahia reuter"};
    static const size_t ks[] = {1, 3, 10, 25};
    const char *err = getenv(ENV_ERR), *dir = getenv(ENV_DIR);
    struct engine e;
    size_t p, j, i, f;
    int pruned = 0, runs = 0;

    cr_assert_null(err, "indexing Reuters failed: %s", err);
    cr_assert_not_null(dir, "the PRE_ALL hook did not index Reuters");
    engine_open(&e, dir, NULL);
    for (p = 0; p < sizeof queries / sizeof queries[0]; p++)
        for (f = 0; f < 2; f++) {
            const char *text = queries[p];
            struct match_options o = {.k1 = BM25_K1,
                                      .b = BM25_B,
                                      .limit = SIZE_MAX,
                                      .filter = f ? thirds : NULL};
            struct qry_node *q;
            struct match_result all;
            int rc;
            parse(&e, text, 0, &q);
            rc = match_run(e.txn, &e.meta, e.stem, q, &o, &all);
            cr_assert_eq(rc, SE_OK, "%s: %s", text, se_strerror(rc));
            cr_assert(all.exact, "%s: a full ranking is never pruned", text);
            cr_assert_eq(all.total, all.nhits, "%s: %llu counted, %zu hits",
                         text, (unsigned long long)all.total, all.nhits);
            for (j = 0; j < sizeof ks / sizeof ks[0]; j++) {
                struct match_result top;
                size_t want = all.nhits < ks[j] ? all.nhits : ks[j];
                o.limit = ks[j];
                rc = match_run(e.txn, &e.meta, e.stem, q, &o, &top);
                cr_assert_eq(rc, SE_OK, "%s: %s", text, se_strerror(rc));
                cr_assert_eq(top.nhits, want,
                             "%s (filter %zu), top %zu: %zu hits, want %zu",
                             text, f, ks[j], top.nhits, want);
                for (i = 0; i < top.nhits; i++)
                    cr_assert(top.hits[i].doc == all.hits[i].doc &&
                                  top.hits[i].score == all.hits[i].score,
                              "%s (filter %zu), top %zu: rank %zu is doc %u "
                              "(%.17g), want doc %u (%.17g)",
                              text, f, ks[j], i + 1, top.hits[i].doc,
                              top.hits[i].score, all.hits[i].doc,
                              all.hits[i].score);
                cr_assert(top.exact ? top.total == all.total
                                    : top.total <= all.total &&
                                          top.total >= top.nhits,
                          "%s (filter %zu), top %zu: total %llu of %llu", text,
                          f, ks[j], (unsigned long long)top.total,
                          (unsigned long long)all.total);
                pruned += !top.exact;
                runs++;
                match_result_release(&top);
            }
            o.limit = 0; /* counting: every match, none passed over */
            {
                struct match_result cnt;
                rc = match_run(e.txn, &e.meta, e.stem, q, &o, &cnt);
                cr_assert_eq(rc, SE_OK, "%s: %s", text, se_strerror(rc));
                cr_assert(cnt.exact && cnt.total == all.total,
                          "%s (filter %zu): counted %llu, want %llu", text, f,
                          (unsigned long long)cnt.total,
                          (unsigned long long)all.total);
                match_result_release(&cnt);
            }
            match_result_release(&all);
            qry_free(q);
        }
    cr_assert_gt(pruned, runs / 2, "only %d of %d runs passed documents over",
                 pruned, runs);
    engine_close(&e);
}

/* ---------------------------------------------------------------- */
/* Query trees (issue 6) on Reuters, against brute force             */
/* ---------------------------------------------------------------- */

/*
 * The brute-force side of any tree. A positional leaf's word stands for a
 * set of forms (is[form]): its own form, every form of its stem, or the
 * first `max_exp` forms in byte order that start with the prefix. A leaf
 * matches by scanning the document's tokens: a phrase tries every choice
 * of increasing positions from each first word within n - 1 + slop; NEAR
 * tries every window [m, m + dist] and every assignment of distinct
 * positions in it; both in the title and in the body separately. Fields
 * keep positions below (title) or past (body) the title's tokens.
 */
struct rword {
    unsigned char *is; /* forms.n flags */
    uint64_t df;
};

struct rnode {
    const struct qry_node *q;
    int positional;
    struct rword w[QRY_MAX_PHRASE];
    struct rnode *kids;
};

static const struct corpus *sort_corpus; /* for qsort of form ids */

static int
cmp_forms(const void *a, const void *b)
{
    return strcmp(sort_corpus->forms.s[*(const uint32_t *)a],
                  sort_corpus->forms.s[*(const uint32_t *)b]);
}

static void
rword_init(struct rword *w, const struct corpus *c, const char *word,
           enum qry_wmode mode, size_t max_exp)
{
    size_t f, n = 0, len = strlen(word);
    uint32_t *ids;

    w->is = calloc(c->forms.n + 1, 1);
    ids = malloc((c->forms.n + 1) * sizeof *ids);
    cr_assert(w->is && ids, "out of memory");
    w->df = 0;
    if (mode == QRY_W_FORM) {
        uint32_t id = strtab_find(&c->forms, word, len);
        if (id != NONE) {
            w->is[id] = 1;
            w->df = c->df_form[id];
        }
    } else if (mode == QRY_W_STEM) {
        const char *st;
        size_t sl;
        uint32_t sid;
        int rc = stem_word(c->stem, word, len, &st, &sl);
        cr_assert_eq(rc, SE_OK, "stem_word: %s", se_strerror(rc));
        sid = strtab_find(&c->stems, st, sl);
        for (f = 0; sid != NONE && f < c->forms.n; f++)
            w->is[f] = c->stem_of[f] == sid;
        w->df = sid != NONE ? c->df_stem[sid] : 0;
    } else {
        for (f = 0; f < c->forms.n; f++)
            if (c->forms.len[f] >= len && memcmp(c->forms.s[f], word, len) == 0)
                ids[n++] = (uint32_t)f;
        sort_corpus = c;
        qsort(ids, n, sizeof *ids, cmp_forms);
        if (n > max_exp)
            n = max_exp;
        for (f = 0; f < n; f++) {
            w->is[ids[f]] = 1;
            w->df += c->df_form[ids[f]];
        }
        if (w->df > c->n)
            w->df = c->n;
    }
    free(ids);
}

static void
rnode_init(struct rnode *r, const struct corpus *c, const struct qry_node *q,
           size_t max_exp)
{
    size_t i;

    memset(r, 0, sizeof *r);
    r->q = q;
    if (q->kind == QRY_BOOL) {
        r->kids = calloc(q->nkids, sizeof *r->kids);
        cr_assert_not_null(r->kids, "out of memory");
        for (i = 0; i < q->nkids; i++)
            rnode_init(&r->kids[i], c, q->kids[i], max_exp);
        return;
    }
    r->positional = 1;
    for (i = 0; i < q->nwords; i++)
        rword_init(&r->w[i], c, q->words[i], q->modes[i], max_exp);
}

static void
rnode_release(struct rnode *r)
{
    size_t i;

    for (i = 0; r->kids && i < r->q->nkids; i++)
        rnode_release(&r->kids[i]);
    free(r->kids);
    for (i = 0; r->positional && i < r->q->nwords; i++)
        free(r->w[i].is);
}

/* Is position p of d word w, in the leaf's field? */
static int
rword_at(const struct rdoc *d, const struct rword *w, enum qry_field field,
         uint32_t p)
{
    if (d->t[p].form == GAP || !w->is[d->t[p].form])
        return 0;
    if (field == QRY_TITLE)
        return p < d->title_tokens;
    if (field == QRY_BODY)
        return p >= d->title_tokens;
    return 1;
}

/* Positions [lo, hi) of the part being tried (title or body). */
struct rpart {
    uint32_t lo, hi;
};

/* Phrase: word i after `prev`, at most `last` (every later one too). */
static int
phrase_from(const struct rdoc *d, const struct rnode *r, struct rpart pt,
            size_t i, uint32_t prev, uint32_t last)
{
    uint32_t p;

    if (i == r->q->nwords)
        return 1;
    for (p = prev + 1; p <= last && p < pt.hi; p++)
        if (rword_at(d, &r->w[i], r->q->field, p) &&
            phrase_from(d, r, pt, i + 1, p, last))
            return 1;
    return 0;
}

/* NEAR: words i.. on distinct unused positions of [lo, hi]. */
static int
near_from(const struct rdoc *d, const struct rnode *r, uint32_t lo, uint32_t hi,
          size_t i, unsigned char *used)
{
    uint32_t p;

    if (i == r->q->nwords)
        return 1;
    for (p = lo; p <= hi; p++) {
        if (used[p - lo] || !rword_at(d, &r->w[i], r->q->field, p))
            continue;
        used[p - lo] = 1;
        if (near_from(d, r, lo, hi, i + 1, used))
            return 1;
        used[p - lo] = 0;
    }
    return 0;
}

static int
rleaf_holds(const struct rdoc *d, const struct rnode *r)
{
    const struct qry_node *q = r->q;
    struct rpart parts[2] = {{0, d->title_tokens}, {d->title_tokens, d->n}};
    unsigned char used[QRY_MAX_SLOP + 1];
    size_t k;
    uint32_t p;

    for (k = 0; k < 2; k++) {
        struct rpart pt = parts[k];
        for (p = pt.lo; p < pt.hi; p++) {
            if (q->kind == QRY_NEAR) {
                uint32_t hi = p + q->slop < pt.hi ? p + q->slop : pt.hi - 1;
                memset(used, 0, sizeof used);
                /* windows starting at p, p one of the words */
                if (near_from(d, r, p, hi, 0, used))
                    return 1;
                continue;
            }
            if (!rword_at(d, &r->w[0], q->field, p))
                continue;
            if (phrase_from(d, r, pt, 1, p,
                            p + (uint32_t)(q->nwords - 1) +
                                (q->kind == QRY_PHRASE ? q->slop : 0)))
                return 1;
        }
    }
    return 0;
}

/* Does d match node r? Its score (title weight 1) in *score. */
static int
rnode_doc(const struct ref *rf, const struct rdoc *d, const struct rnode *r,
          double *score)
{
    const struct qry_node *q = r->q;
    size_t i, any_must = 0, any_should = 0;
    double s;

    *score = 0;
    if (q->kind == QRY_BOOL) {
        for (i = 0; i < q->nkids; i++) {
            int m = rnode_doc(rf, d, &r->kids[i], &s);
            switch (q->kids[i]->occur) {
            case QRY_MUST:
                if (!m) {
                    *score = 0;
                    return 0;
                }
                any_must = 1;
                *score += s;
                break;
            case QRY_MUST_NOT:
                if (m) {
                    *score = 0;
                    return 0;
                }
                break;
            case QRY_SHOULD:
                any_should |= (size_t)m;
                *score += s;
                break;
            }
        }
        if (!any_must && !any_should)
            *score = 0;
        return any_must || any_should;
    }
    if (!rleaf_holds(d, r)) {
        *score = 0;
        return 0;
    }
    for (i = 0; i < q->nwords; i++) {
        uint32_t tf = 0, p;
        int form_whole = q->kind == QRY_PHRASE && q->field == QRY_ANY;
        for (p = 0; p < d->n; p++)
            tf += form_whole ? d->t[p].form != GAP && r->w[i].is[d->t[p].form]
                             : (uint32_t)rword_at(d, &r->w[i], q->field, p);
        *score += ref_bm25(rf, (uint32_t)r->w[i].df, tf, d->len);
    }
    return 1;
}

/* Options of a checked run. */
struct topts {
    int flags;
    size_t max_exp; /* 0: the default */
    int (*filter)(void *, uint32_t);
    int64_t (*sort_key)(void *, uint32_t);
    void *arg;
};

/*
 * Check `text` against the brute force: every hit and score, the order
 * (by key when there is one), total, and for each hit that match_explain's
 * contributions add up to its score. Returns the matches.
 */
static size_t
check_tree(struct engine *e, const struct corpus *c, const char *text,
           const struct topts *t)
{
    struct match_options o = {.k1 = BM25_K1,
                              .b = BM25_B,
                              .limit = c->n,
                              .filter = t->filter,
                              .filter_arg = t->arg,
                              .sort_key = t->sort_key,
                              .sort_arg = t->arg,
                              .max_expansions = t->max_exp};
    struct ref rf = {c,
                     NULL,
                     0,
                     BM25_K1,
                     BM25_B,
                     (double)c->n,
                     c->n ? (double)c->total_len / (double)c->n : 1.0};
    struct match_result res;
    struct qry_node *q;
    struct rnode root;
    double *want = malloc(c->n * sizeof *want), s;
    size_t i, count = 0;
    int rc;

    cr_assert_not_null(want, "out of memory");
    parse(e, text, t->flags, &q);
    rnode_init(&root, c, q, t->max_exp ? t->max_exp : MATCH_MAX_EXPANSIONS);
    for (i = 0; i < c->n; i++) {
        want[i] = NAN;
        if (rnode_doc(&rf, &c->d[i], &root, &s) &&
            (!t->filter || t->filter(t->arg, e->to_doc[i]))) {
            want[i] = s;
            count++;
        }
    }
    rc = match_run(e->txn, &e->meta, e->stem, q, &o, &res);
    cr_assert_eq(rc, SE_OK, "match_run(%s): %s", text, se_strerror(rc));
    cr_assert_eq(res.total, count, "%s: %llu matches, brute force finds %zu",
                 text, (unsigned long long)res.total, count);
    cr_assert_eq(res.nhits, count, "%s: %zu hits, want %zu", text, res.nhits,
                 count);
    for (i = 0; i < res.nhits; i++) {
        const struct match_hit *h = &res.hits[i];
        uint32_t k = e->to_corpus[h->doc];
        cr_assert(k != NONE && !isnan(want[k]),
                  "%s: doc %u is a hit but does not match (brute force)", text,
                  h->doc);
        cr_assert(close_enough(h->score, want[k]),
                  "%s: document %s scores %.17g, brute force %.17g", text,
                  c->ids.s[k], h->score, want[k]);
        want[k] = NAN; /* a second hit on it fails above */
        if (i > 0) {
            const struct match_hit *g = &res.hits[i - 1];
            int64_t kg = t->sort_key ? t->sort_key(t->arg, g->doc) : 0;
            int64_t kh = t->sort_key ? t->sort_key(t->arg, h->doc) : 0;
            cr_assert(kg > kh || (kg == kh &&
                                  (g->score > h->score ||
                                   (g->score == h->score && g->doc < h->doc))),
                      "%s: hit %zu (doc %u) ranks after hit %zu (doc %u)", text,
                      i, h->doc, i - 1, g->doc);
        }
    }
    match_result_release(&res);
    rnode_release(&root);
    qry_free(q);
    free(want);
    return count;
}

static const struct topts plain_opts = {0, 0, NULL, NULL, NULL};

Test(match, reuters_boolean_trees_fields_and_words_match_brute_force,
     .timeout = 120)
{
    static const char *const queries[] = {
        /* boolean operators and nesting */
        "cotton AND harvest",
        "cotton OR wheat",
        "cotton AND NOT harvest",
        "(cotton OR wheat) AND china",
        "oil AND (opec OR saudi) NOT price",
        "+oil (opec OR kuwait) -iran",
        "gold OR (silver AND NOT platinum) OR (copper AND zinc)",
        "((oil AND (price OR prices)) OR (gold AND NOT silver)) AND dollar",
        "cocoa -(brazil OR ghana)",
        "coffee (brazil AND (quota OR quotas)) -\"ico\"",
        "and or not",
        /* fields: the title runs up to title_tokens */
        "title:cotton",
        "body:cotton",
        "title:cotton OR body:wheat",
        "title:oil AND body:opec",
        "title:\"crude oil\"",
        "body:\"crude oil\" -title:crude",
        "title:~\"oil prices\"",
        "title:=prices",
        "title:China-Japan",
        /* stemmed phrases, exact words */
        "~\"oil price\"",
        "~\"prices rising\"",
        "~\"cotton harvesting\"",
        "=prices",
        "=organization OR =organizations",
        "~\"organization\"",
        /* prefixes (fdict forms, unstemmed) */
        "opec*",
        "petro* AND saudi",
        "title:cott*",
        "khorg*",
        "zzzzzz*",
    };
    struct engine e;
    struct corpus c;
    size_t i, n;

    reuters(&e, &c);
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        n = check_tree(&e, &c, queries[i], &plain_opts);
        if (strcmp(queries[i], "khorg*") != 0 &&
            strcmp(queries[i], "zzzzzz*") != 0)
            cr_expect_gt(n, 0, "%s matches nothing: a weak check", queries[i]);
    }
    /* --stem-phrases turns every quoted phrase into a stemmed one */
    {
        struct topts t = plain_opts;
        t.flags = QRY_STEM_PHRASES;
        cr_assert_gt(check_tree(&e, &c, "\"oil price\"", &t),
                     check_tree(&e, &c, "\"oil price\"", &plain_opts),
                     "stemmed \"oil price\" finds no more than the exact one");
    }
    /* QRY_ALL with OR */
    {
        struct topts t = plain_opts;
        t.flags = QRY_ALL;
        check_tree(&e, &c, "oil price OR gold", &t);
    }
    engine_close(&e);
    corpus_release(&c);
}

/* A random pair of words of one document, d positions apart (1-6). */
static int
sample_pair(const struct corpus *c, uint64_t *seed, char *a, char *b,
            size_t cap, unsigned *gap)
{
    int tries;

    for (tries = 0; tries < 100000; tries++) {
        const struct rdoc *d = &c->d[rnd_below(seed, c->n)];
        uint32_t p, k = 1 + (uint32_t)rnd_below(seed, 6);
        if (d->n <= k)
            continue;
        p = (uint32_t)rnd_below(seed, d->n - k);
        if (d->t[p].form == GAP || d->t[p + k].form == GAP ||
            is_stopword(c, d->t[p].form) || is_stopword(c, d->t[p + k].form))
            continue;
        snprintf(a, cap, "%s", c->forms.s[d->t[p].form]);
        snprintf(b, cap, "%s", c->forms.s[d->t[p + k].form]);
        *gap = k;
        return 1;
    }
    return 0;
}

Test(match, reuters_slop_and_near_match_a_position_scan, .timeout = 120)
{
    static const char *const fixed[] = {
        "\"oil prices\"~2",
        "\"prices oil\"~3",
        "\"bank england\"~1",
        "\"new york exchange\"~2",
        "cotton NEAR/5 crop",
        "oil NEAR price NEAR opec",
        "oil NEAR/4 oil",
        "=prices NEAR/3 opec*",
        "title:oil NEAR/3 title:prices",
        "mln NEAR/2 dlrs AND NOT \"mln dlrs\"",
        "~\"price oil\"~2",
        "said NEAR/1 it",
    };
    uint64_t seed = 0x2545f4914f6cdd1dULL;
    struct engine e;
    struct corpus c;
    char a[128], b[128], text[400];
    size_t i;
    unsigned gap;

    reuters(&e, &c);
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        cr_expect_gt(check_tree(&e, &c, fixed[i], &plain_opts), 0,
                     "%s matches nothing", fixed[i]);
    for (i = 0; i < 6; i++) {
        cr_assert(sample_pair(&c, &seed, a, b, sizeof a, &gap),
                  "no pair sampled");
        /* the sampled document is found at the exact slop and distance */
        snprintf(text, sizeof text, "\"%s %s\"~%u", a, b, gap - 1);
        cr_assert_gt(check_tree(&e, &c, text, &plain_opts), 0, "%s", text);
        snprintf(text, sizeof text, "\"%s %s\"~%u", b, a, gap + 1);
        check_tree(&e, &c, text, &plain_opts);
        snprintf(text, sizeof text, "%s NEAR/%u %s", b, gap, a);
        cr_assert_gt(check_tree(&e, &c, text, &plain_opts), 0, "%s", text);
        snprintf(text, sizeof text, "%s NEAR/%u %s", a, gap > 1 ? gap - 1 : 1,
                 b);
        check_tree(&e, &c, text, &plain_opts);
    }
    engine_close(&e);
    corpus_release(&c);
}

/* Keep documents with an even id; key: the id modulo 7. */
static int
even_docs(void *arg, uint32_t doc)
{
    (void)arg;
    return doc % 2 == 0;
}

static int64_t
mod7(void *arg, uint32_t doc)
{
    (void)arg;
    return (int64_t)(doc % 7);
}

static int
failing_filter(void *arg, uint32_t doc)
{
    (void)arg;
    (void)doc;
    return SE_EIO;
}

struct sum {
    double total;
    size_t n;
    char labels[512];
};

static void
add_term(void *arg, const struct match_explain_term *t)
{
    struct sum *s = arg;
    size_t at = strlen(s->labels);

    s->total += t->contribution;
    s->n++;
    cr_assert(t->label && t->label[0], "a clause without a label");
    cr_assert(t->contribution > 0 && t->tf > 0 && t->df > 0 && t->idf > 0,
              "%s: contribution %g, tf %u, df %llu, idf %g", t->label,
              t->contribution, t->tf, (unsigned long long)t->df, t->idf);
    snprintf(s->labels + at, sizeof s->labels - at, "%s%s", at ? "|" : "",
             t->label);
}

Test(match, reuters_explain_filter_sort_key_and_prefix_limit, .timeout = 120)
{
    static const char *const queries[] = {
        "cotton harvest",
        "oil AND (opec OR saudi) -iran",
        "title:oil \"crude oil\"~1 petro*",
        "gold NEAR/3 silver OR =platinum",
        "oil oil price",
    };
    struct match_options o = {.k1 = BM25_K1, .b = BM25_B, .limit = 20};
    struct topts t = plain_opts;
    struct match_result res;
    struct engine e;
    struct corpus c;
    struct qry_node *q;
    size_t i, j, kept, all;
    uint32_t len;
    int rc;

    reuters(&e, &c);
    /* explain: the contributions of each hit add up to its score */
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        parse(&e, queries[i], 0, &q);
        rc = match_run(e.txn, &e.meta, e.stem, q, &o, &res);
        cr_assert_eq(rc, SE_OK, "%s: %s", queries[i], se_strerror(rc));
        cr_assert_gt(res.nhits, 0, "%s: no hits", queries[i]);
        for (j = 0; j < res.nhits; j++) {
            struct sum s = {0, 0, ""};
            rc = match_explain(e.txn, &e.meta, e.stem, q, &o, res.hits[j].doc,
                               &len, add_term, &s);
            cr_assert_eq(rc, SE_OK, "explain: %s", se_strerror(rc));
            cr_assert(s.n > 0 && close_enough(s.total, res.hits[j].score),
                      "%s: doc %u scores %.17g, its %zu clauses (%s) sum "
                      "to %.17g",
                      queries[i], res.hits[j].doc, res.hits[j].score, s.n,
                      s.labels, s.total);
            cr_assert_eq(len, c.d[e.to_corpus[res.hits[j].doc]].len,
                         "explain: length %u", len);
        }
        match_result_release(&res);
        qry_free(q);
    }
    /* a document that does not match gets no clause */
    {
        struct sum s = {0, 0, ""};
        parse(&e, "\"bahia cocoa\"", 0, &q);
        for (j = 0; j < c.n; j++)
            if (!strstr(c.d[j].body, "ahia"))
                break;
        rc = match_explain(e.txn, &e.meta, e.stem, q, &o, e.to_doc[j], &len,
                           add_term, &s);
        cr_assert(rc == SE_OK && s.n == 0, "explain of a non-match: %zu", s.n);
        qry_free(q);
    }
    /* filter: dropped documents are not hits and not counted */
    t.filter = even_docs;
    all = check_tree(&e, &c, "oil OR gold", &plain_opts);
    kept = check_tree(&e, &c, "oil OR gold", &t);
    cr_assert(kept > 0 && kept < all, "filter kept %zu of %zu", kept, all);
    check_tree(&e, &c, "+oil +price -opec", &t);
    check_tree(&e, &c, "title:oil NEAR/2 title:price*", &t);
    /* sort_key: key first, then score; every match visited */
    t.filter = NULL;
    t.sort_key = mod7;
    cr_assert_eq(check_tree(&e, &c, "oil OR gold", &t), all,
                 "sort_key changes the matches");
    t.filter = even_docs;
    check_tree(&e, &c, "oil AND (price OR prices)", &t);
    /* a filter's error stops the run with it */
    parse(&e, "oil", 0, &q);
    o.filter = failing_filter;
    rc = match_run(e.txn, &e.meta, e.stem, q, &o, &res);
    cr_assert_eq(rc, SE_EIO, "a failing filter gives %s", se_strerror(rc));
    o.filter = NULL;
    qry_free(q);
    /* the prefix limit: the first forms in byte order, and a warning */
    t = plain_opts;
    t.max_exp = 5;
    check_tree(&e, &c, "pe* OR title:oil", &t);
    parse(&e, "pe*", 0, &q);
    o.max_expansions = 5;
    rc = match_run(e.txn, &e.meta, e.stem, q, &o, &res);
    cr_assert_eq(rc, SE_OK, "pe*: %s", se_strerror(rc));
    cr_assert(res.truncated_expansion && strstr(res.warning, "pe*") &&
                  strstr(res.warning, "5"),
              "pe* with 5 expansions: flag %d, warning \"%s\"",
              res.truncated_expansion, res.warning);
    match_result_release(&res);
    o.max_expansions = 0;
    rc = match_run(e.txn, &e.meta, e.stem, q, &o, &res);
    cr_assert(rc == SE_OK && res.truncated_expansion,
              "pe* has more than 128 forms in Reuters");
    match_result_release(&res);
    qry_free(q);
    parse(&e, "opec*", 0, &q);
    rc = match_run(e.txn, &e.meta, e.stem, q, &o, &res);
    cr_assert(rc == SE_OK && !res.truncated_expansion && !res.warning[0],
              "opec*: a warning \"%s\"", res.warning);
    match_result_release(&res);
    qry_free(q);
    engine_close(&e);
    corpus_release(&c);
}
