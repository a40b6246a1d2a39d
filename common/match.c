/*
 * match.c - document-at-a-time evaluation of a query tree.
 *
 * Each node of the tree becomes a clause, an iterator over the documents it
 * matches with seek, score and a score bound (Lucene's scorers):
 *   CL_TERM    a bare word: its stem's postings;
 *   CL_PHRASE  an exact phrase: its words' form postings intersected (rarest
 *              word leading, seeking the others), positions checked only
 *              where all words meet;
 *   CL_POS     what else needs positions (stemmed, sloppy and field-scoped
 *              phrases, NEAR, field-scoped words, prefix*): each word is a
 *              slot, the union of the form lists it stands for (the stem's
 *              forms, the prefix's expansions, or one form); slots are
 *              intersected like phrase words, then positions checked;
 *   CL_BOOL    a nested group: required kids leapfrogged, optional ones
 *              merged, excluded ones removing documents.
 * The root's kids are run as before: required clauses intersected, or the
 * optional ones merged with MaxScore and block-max pruning, so flat queries
 * keep their fast paths and only the new shapes pay for general iterators.
 * Scores are summed per document and the best `offset + limit` kept in a
 * min-heap (ordered by sort_key first when there is one).
 *
 * Scoring of CL_POS: the sum over its words of BM25(idf, tf, length), with
 * the document's whole scoring length; idf is global (the stem's df for a
 * word matched by stem, the form's df for an exact word, and for a prefix
 * the sum of its forms' dfs, at most N, so never above the true union's
 * idf); tf counts the word's positions in the field the clause is scoped
 * to (all positions when none), a title position counting title_weight
 * times as in stem lists. So title:x in a document with x only in its title
 * scores as x does.
 */
#include "match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "expand.h"
#include "plist.h"

/* What every clause of one evaluation shares. */
struct ctx {
    struct idx_txn *txn;
    const struct doc_meta *meta;
    struct stem *stem;
    const struct bm25 *m;
    size_t max_expansions;
    struct match_result *res; /* for the expansion warning; may be NULL */
    uint32_t tt_doc;          /* document whose title_tokens is cached */
    uint32_t tt;
    int tt_valid;
    /* For a query that is one exact phrase (match_run): the top k, and the
     * lengths to score with. A phrase's score is its words' BM25 from their
     * tfs, whatever the positions say, so a candidate that could not enter
     * the full top k is passed over without decoding any position. */
    const struct heap *gate;
    struct doc_lens *gate_dl;
};

enum cl_type { CL_TERM, CL_PHRASE, CL_POS, CL_BOOL };

/* Small tfs whose block bounds a bare word keeps at hand. */
#define BB_TFS 8

struct heap;

enum pl_state { PL_FRESH, PL_ACTIVE, PL_ENDED };

/* One word of a CL_POS: the union of its forms' lists. */
struct slot {
    struct pl **pls;
    unsigned char *state; /* enum pl_state of each list */
    size_t n;
    uint64_t df;
    double idf;
    uint32_t doc;
    int started, ended;
    uint32_t *pos; /* the positions of all its forms in pos_doc */
    size_t npos, cap;
    uint32_t pos_doc;
    int pos_valid;
};

struct clause {
    enum cl_type type;
    enum qry_kind kind;
    enum qry_occur occur;
    const char *label; /* the query's, for match_explain */
    struct ctx *cx;
    size_t nw;
    struct pl **pls; /* TERM, PHRASE: one per word (TERM: the stem's list) */
    size_t *order;   /* words (slots) by increasing df: the seek order */
    size_t nlead;    /* PHRASE: words order[0..nlead) meet and hold their
                        part of the phrase before the others are sought */
    double *idf;     /* TERM, PHRASE: one per word */
    double weight;   /* how many times the query repeats this clause */
    char *stem;      /* TERM: the stem, to merge repeated words */
    uint32_t doc;    /* current document when started and not ended */
    int started, ended;
    int absent;   /* matches nothing (a word is not in the index) */
    double bound; /* no document scores more on this clause */
    double score; /* its score in `doc`, once computed (MaxScore) */
    /* TERM: the bound of its current block, kept while doc <= bb_last */
    double bb;
    uint32_t bb_last;
    /* the bound of a document of the block by its tf (1..BB_TFS), which
     * the block's shortest document would get */
    double bb_tf[BB_TFS + 1];
    int bb_valid;
    /* CL_POS */
    struct slot *slots;
    enum qry_field field;
    unsigned slop;
    uint32_t *cand; /* phrase scratch: candidate start positions */
    size_t cand_cap;
    uint32_t *mpos; /* NEAR scratch: merged positions and slot masks */
    uint64_t *mmask;
    int *owner;
    unsigned char *seen;
    size_t mcap;
    /* CL_BOOL */
    struct clause *kids;
    size_t nkids;
    struct clause **req, **opt, **neg;
    size_t nreq, nopt, nneg;
};

struct heap {
    struct match_hit *h;
    size_t n, cap;
};

/*
 * Bounds, with a hair of slack: a bound is compared with sums of scores
 * added in another order, and must never fall below them by rounding.
 */
#define BOUND_SLACK (1.0 + 1e-9)

/* 1 when hit a ranks below hit b: lower key, lower score, later doc. */
static int
worse(const struct match_hit *a, const struct match_hit *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    if (a->score != b->score)
        return a->score < b->score;
    return a->doc > b->doc;
}

static void
heap_sift_down(struct heap *hp, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < hp->n && worse(&hp->h[l], &hp->h[m]))
            m = l;
        if (r < hp->n && worse(&hp->h[r], &hp->h[m]))
            m = r;
        if (m == i)
            return;
        struct match_hit t = hp->h[i];
        hp->h[i] = hp->h[m];
        hp->h[m] = t;
        i = m;
    }
}

/* Whether a hit (no sort key) would enter: the heap has room, or the hit
 * beats its worst. */
static int
heap_admits(const struct heap *hp, uint32_t doc, double score)
{
    struct match_hit x = {doc, score, 0};

    return hp->n < hp->cap || worse(&hp->h[0], &x);
}

/* Offer a hit to a heap that keeps the `cap` best; the worst on top. */
static void
heap_offer(struct heap *hp, uint32_t doc, double score, int64_t key)
{
    struct match_hit x = {doc, score, key};

    if (hp->cap == 0)
        return;
    if (hp->n < hp->cap) {
        size_t i = hp->n++;
        hp->h[i] = x;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!worse(&hp->h[i], &hp->h[p]))
                break;
            struct match_hit t = hp->h[i];
            hp->h[i] = hp->h[p];
            hp->h[p] = t;
            i = p;
        }
    } else if (worse(&hp->h[0], &x)) {
        hp->h[0] = x;
        heap_sift_down(hp, 0);
    }
}

static int
cmp_hits(const void *a, const void *b)
{
    const struct match_hit *x = a, *y = b;

    if (worse(x, y))
        return 1;
    if (worse(y, x))
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- slots */

static void
slot_free(struct slot *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        pl_close(s->pls[i]);
    free(s->pls);
    free(s->state);
    free(s->pos);
}

/* Open the lists of `forms` into the slot; absent forms are skipped. */
static int
slot_open(struct slot *s, struct idx_txn *txn, char *const *forms, size_t n)
{
    size_t i;

    s->pls = calloc(n ? n : 1, sizeof *s->pls);
    s->state = calloc(n ? n : 1, 1);
    if (s->pls == NULL || s->state == NULL)
        return SE_ENOMEM;
    for (i = 0; i < n; i++) {
        int rc =
            pl_open(txn, PL_FORMS, forms[i], strlen(forms[i]), &s->pls[s->n]);
        if (rc == SE_ENOTFOUND)
            continue;
        if (rc != SE_OK)
            return rc;
        s->n++;
    }
    return SE_OK;
}

/* Move the union to its first document >= target: 1, 0 at the end, <0. */
static int
slot_seek(struct slot *s, uint32_t target)
{
    uint32_t min = UINT32_MAX;
    size_t i;
    int any = 0;

    if (s->ended)
        return 0;
    if (s->started && s->doc >= target)
        return 1;
    s->started = 1;
    for (i = 0; i < s->n; i++) {
        if (s->state[i] == PL_ENDED)
            continue;
        if (s->state[i] == PL_FRESH || pl_doc(s->pls[i]) < target) {
            int rc = pl_seek(s->pls[i], target);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                s->state[i] = PL_ENDED;
                continue;
            }
            s->state[i] = PL_ACTIVE;
        }
        if (pl_doc(s->pls[i]) <= min) {
            min = pl_doc(s->pls[i]);
            any = 1;
        }
    }
    if (!any) {
        s->ended = 1;
        return 0;
    }
    s->doc = min;
    s->pos_valid = 0;
    return 1;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* The positions of the slot's forms in its current document, increasing. */
static int
slot_positions(struct slot *s, const uint32_t **pos, size_t *n)
{
    size_t i, lists = 0;

    if (!s->pos_valid || s->pos_doc != s->doc) {
        s->npos = 0;
        for (i = 0; i < s->n; i++) {
            const uint32_t *p;
            uint32_t k;
            int rc;
            if (s->state[i] != PL_ACTIVE || pl_doc(s->pls[i]) != s->doc)
                continue;
            rc = pl_positions(s->pls[i], &p, &k);
            if (rc != SE_OK)
                return rc;
            if (s->npos + k > s->cap) {
                size_t cap = (s->npos + k) * 2;
                uint32_t *np = realloc(s->pos, cap * sizeof *np);
                if (np == NULL)
                    return SE_ENOMEM;
                s->pos = np;
                s->cap = cap;
            }
            memcpy(s->pos + s->npos, p, k * sizeof *p);
            s->npos += k;
            lists++;
        }
        /* Forms never share a position: merging is sorting. */
        if (lists > 1)
            qsort(s->pos, s->npos, sizeof *s->pos, cmp_u32);
        s->pos_doc = s->doc;
        s->pos_valid = 1;
    }
    *pos = s->pos;
    *n = s->npos;
    return SE_OK;
}

/* ---------------------------------------------------------------- clauses */

static void
clause_free(struct clause *c)
{
    size_t i;

    for (i = 0; c->pls && i < c->nw; i++)
        pl_close(c->pls[i]);
    for (i = 0; c->slots && i < c->nw; i++)
        slot_free(&c->slots[i]);
    for (i = 0; c->kids && i < c->nkids; i++)
        clause_free(&c->kids[i]);
    free(c->pls);
    free(c->order);
    free(c->idf);
    free(c->stem);
    free(c->slots);
    free(c->cand);
    free(c->mpos);
    free(c->mmask);
    free(c->owner);
    free(c->seen);
    free(c->kids);
    free(c->req);
    free(c->opt);
    free(c->neg);
}

/* The title's token count of `doc` (cached for the last document). */
static int
title_tokens(struct ctx *cx, uint32_t doc, uint32_t *t)
{
    struct doc_record r;
    int rc;

    if (!cx->tt_valid || cx->tt_doc != doc) {
        rc = doc_get(cx->txn, doc, &r);
        if (rc == SE_ENOTFOUND)
            return SE_ECORRUPT; /* postings of a document that is not */
        if (rc != SE_OK)
            return rc;
        cx->tt_doc = doc;
        cx->tt = r.title_tokens;
        cx->tt_valid = 1;
    }
    *t = cx->tt;
    return SE_OK;
}

/* Order the clause's words (or slots) by increasing df. */
static void
order_by_df(struct clause *c)
{
    size_t i, j;

    for (i = 0; i < c->nw; i++) {
        uint64_t df = c->slots ? c->slots[i].df : pl_stats(c->pls[i])->df;
        for (j = i; j > 0; j--) {
            size_t o = c->order[j - 1];
            uint64_t dfo = c->slots ? c->slots[o].df : pl_stats(c->pls[o])->df;
            if (dfo <= df)
                break;
            c->order[j] = o;
        }
        c->order[j] = i;
    }
}

/*
 * How many of a phrase's words, rarest first, lead (clause.nlead): at
 * least two, and every word not MATCH_PHRASE_DEFER_RATIO times as frequent
 * as the rarest. In "colorado car for" (combined news dump) the documents
 * of "colorado" and "car" would each load a block of the 30,000 of "for";
 * checked first, "colorado car" leaves one. A frequent word is in most
 * candidates anyway, so it would rule out few of them before positions
 * are read.
 */
static size_t
phrase_lead(const struct clause *c)
{
    uint64_t lead_df = pl_stats(c->pls[c->order[0]])->df;
    size_t m = 2;

    if (c->kind != QRY_PHRASE || c->nw <= 2)
        return c->nw;
    while (m < c->nw &&
           pl_stats(c->pls[c->order[m]])->df / MATCH_PHRASE_DEFER_RATIO <
               lead_df)
        m++;
    return m;
}

/* A bare word or an exact phrase; a missing word marks it absent. */
static int
list_init(struct clause *c, const struct qry_node *q)
{
    struct ctx *cx = c->cx;
    size_t i;
    int rc;

    c->type = q->kind == QRY_TERM ? CL_TERM : CL_PHRASE;
    c->pls = calloc(c->nw, sizeof *c->pls);
    c->idf = calloc(c->nw, sizeof *c->idf);
    if (!c->pls || !c->idf)
        return SE_ENOMEM;
    for (i = 0; i < c->nw; i++) {
        const char *w = q->words[i];
        size_t wlen = strlen(w);
        struct exp_stem_list sl;
        if (q->kind == QRY_TERM) {
            const char *word = w;
            size_t word_len = wlen;
            rc = stem_word(cx->stem, w, wlen, &w, &wlen);
            if (rc != SE_OK)
                return rc;
            c->stem = strdup(w);
            if (c->stem == NULL)
                return SE_ENOMEM;
            rc = exp_word_list(cx->txn, cx->stem, word, word_len, c->stem,
                               wlen, &sl);
            if (rc == SE_ENOTFOUND) {
                c->absent = 1;
                continue;
            }
            if (rc != SE_OK)
                return rc;
        }
        rc = q->kind == QRY_TERM /* the stem's list, or its one form's */
                 ? pl_open_entry(cx->txn, sl.kind, sl.term, sl.len, &sl.entry,
                                 &c->pls[i])
                 : pl_open(cx->txn, PL_FORMS, w, wlen, &c->pls[i]);
        if (rc == SE_ENOTFOUND) {
            c->absent = 1;
            continue;
        }
        if (rc != SE_OK)
            return rc;
        c->idf[i] = bm25_idf(cx->m, pl_stats(c->pls[i])->df);
    }
    if (!c->absent) {
        order_by_df(c); /* the rarest word rules out the most documents */
        c->nlead = phrase_lead(c);
    }
    return SE_OK;
}

/* Note a prefix that matched more forms than the limit. */
static void
warn_truncated(struct ctx *cx, const char *prefix)
{
    struct match_result *res = cx->res;

    if (res == NULL || res->truncated_expansion)
        return;
    res->truncated_expansion = 1;
    snprintf(res->warning, sizeof res->warning,
             "%.80s* matches more than %zu words; only the first %zu are "
             "searched",
             prefix, cx->max_expansions, cx->max_expansions);
}

/* Word `w` of leaf `q` as slot `s`: its forms' lists, its df and idf. */
static int
slot_init(struct clause *c, struct slot *s, const struct qry_node *q, size_t w)
{
    struct ctx *cx = c->cx;
    const char *word = q->words[w], *st;
    size_t wlen = strlen(word), sl, i;
    struct exp_forms f = {0};
    struct exp_stem_list list;
    char stem[PL_TERM_MAX];
    int rc;

    switch (q->modes[w]) {
    case QRY_W_FORM:
        rc = slot_open(s, cx->txn, (char *const *)&q->words[w], 1);
        if (rc == SE_OK && s->n)
            s->df = pl_stats(s->pls[0])->df;
        break;
    case QRY_W_STEM:
        rc = stem_word(cx->stem, word, wlen, &st, &sl);
        if (rc != SE_OK)
            return rc;
        if (sl == 0 || sl > PL_TERM_MAX) {
            c->absent = 1;
            return SE_OK;
        }
        /* Out of the stemmer's buffer, which the calls below reuse. */
        memcpy(stem, st, sl);
        st = stem;
        rc = exp_word_list(cx->txn, cx->stem, word, wlen, st, sl, &list);
        if (rc == SE_ENOTFOUND) {
            c->absent = 1;
            return SE_OK;
        }
        if (rc != SE_OK)
            return rc;
        s->df = list.entry.st.df;
        if (list.kind == PL_FORMS) { /* served by its one form: that is all */
            char *one = list.term;
            rc = slot_open(s, cx->txn, &one, 1);
            break;
        }
        rc = exp_stem_forms(cx->txn, cx->stem, st, sl, &f);
        if (rc == SE_OK)
            rc = slot_open(s, cx->txn, f.forms, f.n);
        break;
    case QRY_W_PREFIX:
    default:
        rc = exp_prefix(cx->txn, word, wlen, cx->max_expansions, &f);
        if (rc != SE_OK)
            return rc;
        if (f.truncated)
            warn_truncated(cx, word);
        rc = slot_open(s, cx->txn, f.forms, f.n);
        for (i = 0; rc == SE_OK && i < s->n; i++)
            s->df += pl_stats(s->pls[i])->df;
        if (s->df > cx->meta->docs)
            s->df = cx->meta->docs;
        break;
    }
    exp_forms_release(&f);
    if (rc != SE_OK)
        return rc;
    if (s->n == 0)
        c->absent = 1;
    s->idf = bm25_idf(cx->m, s->df);
    return SE_OK;
}

/* A clause over positions (see the top of the file). */
static int
pos_init(struct clause *c, const struct qry_node *q)
{
    size_t i;
    int rc;

    c->type = CL_POS;
    c->field = q->field;
    c->slop = q->slop;
    c->slots = calloc(c->nw, sizeof *c->slots);
    if (c->slots == NULL)
        return SE_ENOMEM;
    for (i = 0; i < c->nw; i++) {
        rc = slot_init(c, &c->slots[i], q, i);
        if (rc != SE_OK)
            return rc;
    }
    if (!c->absent)
        order_by_df(c);
    return SE_OK;
}

static int clause_init(struct clause *c, struct ctx *cx,
                       const struct qry_node *q);

static uint64_t
clause_df(const struct clause *c)
{
    size_t i;
    uint64_t df = 0;

    if (c->absent)
        return 0;
    switch (c->type) {
    case CL_TERM:
    case CL_PHRASE:
        return pl_stats(c->pls[c->order[0]])->df;
    case CL_POS:
        return c->slots[c->order[0]].df;
    case CL_BOOL:
    default:
        if (c->nreq)
            return clause_df(c->req[0]);
        for (i = 0; i < c->nopt; i++)
            df += clause_df(c->opt[i]);
        return df;
    }
}

static int
cmp_by_df(const void *a, const void *b)
{
    uint64_t x = clause_df(*(struct clause *const *)a);
    uint64_t y = clause_df(*(struct clause *const *)b);

    return (x > y) - (x < y);
}

/*
 * A group: its kids, sorted into required (rarest first), optional and
 * excluded. A repeated bare word weighs more, as if its clause were there
 * twice. Absent when a required kid is, or no positive kid is left.
 */
static int
bool_init(struct clause *c, const struct qry_node *q)
{
    size_t i, j, n = q->nkids ? q->nkids : 1;
    int rc;

    c->type = CL_BOOL;
    c->kids = calloc(n, sizeof *c->kids);
    c->req = calloc(n, sizeof *c->req);
    c->opt = calloc(n, sizeof *c->opt);
    c->neg = calloc(n, sizeof *c->neg);
    if (!c->kids || !c->req || !c->opt || !c->neg)
        return SE_ENOMEM;
    for (i = 0; i < q->nkids; i++) {
        struct clause *k = &c->kids[c->nkids++];
        rc = clause_init(k, c->cx, q->kids[i]);
        if (rc != SE_OK)
            return rc;
        for (j = 0; k->type == CL_TERM && j + 1 < c->nkids; j++)
            if (c->kids[j].type == CL_TERM && c->kids[j].occur == k->occur &&
                c->kids[j].stem && strcmp(c->kids[j].stem, k->stem) == 0)
                break;
        if (k->type == CL_TERM && j + 1 < c->nkids) {
            c->kids[j].weight += 1.0;
            clause_free(k);
            memset(k, 0, sizeof *k);
            c->nkids--;
            continue;
        }
    }
    /* Pointers only now: the merging above moves no kid. */
    for (i = 0; i < c->nkids; i++) {
        struct clause *k = &c->kids[i];
        if (k->occur == QRY_MUST) {
            if (k->absent)
                c->absent = 1;
            c->req[c->nreq++] = k;
        } else if (k->occur == QRY_MUST_NOT) {
            if (!k->absent)
                c->neg[c->nneg++] = k;
        } else if (!k->absent) {
            c->opt[c->nopt++] = k;
        }
    }
    if (c->nreq == 0 && c->nopt == 0)
        c->absent = 1;
    if (!c->absent)
        qsort(c->req, c->nreq, sizeof *c->req, cmp_by_df);
    return SE_OK;
}

/* Set up the clause of node `q` (cleared first; free with clause_free). */
static int
clause_init(struct clause *c, struct ctx *cx, const struct qry_node *q)
{
    size_t i;
    int plain = q->field == QRY_ANY;

    memset(c, 0, sizeof *c);
    c->cx = cx;
    c->kind = q->kind;
    c->occur = q->occur;
    c->label = q->label ? q->label : "";
    c->weight = 1.0;
    if (q->kind == QRY_BOOL)
        return bool_init(c, q);
    c->nw = q->nwords;
    if (c->nw == 0 || q->modes == NULL)
        return SE_EINVAL;
    c->order = calloc(c->nw, sizeof *c->order);
    if (c->order == NULL)
        return SE_ENOMEM;
    if (q->kind == QRY_TERM)
        plain = plain && q->modes[0] == QRY_W_STEM;
    else if (q->kind == QRY_PHRASE)
        for (i = 0; i < c->nw; i++)
            plain = plain && q->modes[i] == QRY_W_FORM &&
                    (q->slop == 0 || c->nw == 1);
    else
        plain = 0;
    /* The old fast paths: a bare word, an exact phrase. */
    return plain ? list_init(c, q) : pos_init(c, q);
}

/* ---------------------------------------------------------------- positions */

/*
 * Keep the candidate starts (clause.cand, `*keep` of them) that phrase word
 * w continues in the current document. SE_OK or an error.
 */
static int
phrase_filter(struct clause *c, size_t w, uint32_t *keep)
{
    const uint32_t *p;
    uint32_t n, k, at, left = *keep, kept = 0;
    int rc = pl_positions(c->pls[w], &p, &n);

    if (rc != SE_OK)
        return rc;
    /* Both increasing: a merge keeps the starts word w continues. */
    for (k = 0, at = 0; k < left; k++) {
        uint64_t want = (uint64_t)c->cand[k] + w;
        while (at < n && p[at] < want)
            at++;
        if (at == n)
            break;
        if (p[at] == want)
            c->cand[kept++] = c->cand[k];
    }
    *keep = kept;
    return SE_OK;
}

/*
 * The starts in the current document (clause.cand, *keep of them) of the
 * phrase as far as its words order[0..m) tell: each of them at its place.
 * SE_OK or an error.
 */
static int
phrase_starts(struct clause *c, size_t m, uint32_t *keep)
{
    const uint32_t *p;
    uint32_t tf[QRY_MAX_PHRASE], n, k;
    size_t by_tf[QRY_MAX_PHRASE], i, j, w;
    int rc;

    /*
     * Start from the word with the fewest occurrences in this document:
     * its positions give the candidate phrase starts, and each further
     * word, in increasing tf, keeps those it continues. The most frequent
     * words are often never decoded, the candidates being gone first.
     */
    *keep = 0;
    for (i = 0; i < m; i++) {
        rc = pl_tf(c->pls[c->order[i]], &tf[i]);
        if (rc != SE_OK)
            return rc;
        for (j = i; j > 0 && tf[by_tf[j - 1]] > tf[i]; j--)
            by_tf[j] = by_tf[j - 1];
        by_tf[j] = i;
    }
    w = c->order[by_tf[0]];
    if (tf[by_tf[0]] > c->cand_cap) {
        uint32_t *nc = realloc(c->cand, (size_t)tf[by_tf[0]] * sizeof *nc);
        if (nc == NULL)
            return SE_ENOMEM;
        c->cand = nc;
        c->cand_cap = tf[by_tf[0]];
    }
    rc = pl_positions(c->pls[w], &p, &n);
    if (rc != SE_OK)
        return rc;
    for (k = 0; k < n; k++)
        if (p[k] >= w)
            c->cand[(*keep)++] = p[k] - (uint32_t)w; /* the phrase's start */
    for (j = 1; j < m && *keep > 0; j++) {
        rc = phrase_filter(c, c->order[by_tf[j]], keep);
        if (rc != SE_OK)
            return rc;
    }
    return SE_OK;
}

/*
 * The starts of the whole phrase in the current document, from those of
 * its leading words when list_seek() has found them (nlead < nw), else
 * from all its words. SE_OK or an error.
 */
static int
phrase_rest(struct clause *c, uint32_t *keep)
{
    size_t j;
    int rc;

    if (c->nlead == c->nw)
        return phrase_starts(c, c->nw, keep);
    for (j = c->nlead, rc = SE_OK; j < c->nw && rc == SE_OK && *keep > 0; j++)
        rc = phrase_filter(c, c->order[j], keep);
    return rc;
}

/*
 * Words in order, each past the one before, the last at most n - 1 + slop
 * after the first. Taking each word's earliest position past the previous
 * gives the earliest possible last word for a first, so it is enough; and
 * these choices only move forward as the first does.
 */
static int
ordered_holds(const uint32_t *const *pos, const size_t *cnt, size_t n,
              unsigned slop)
{
    size_t at[QRY_MAX_PHRASE] = {0}, k, i;

    for (k = 0; k < cnt[0]; k++) {
        uint32_t prev = pos[0][k];
        for (i = 1; i < n; i++) {
            while (at[i] < cnt[i] && pos[i][at[i]] <= prev)
                at[i]++;
            if (at[i] == cnt[i])
                return 0;
            prev = pos[i][at[i]];
        }
        if ((uint64_t)prev - pos[0][k] <= (uint64_t)n - 1 + slop)
            return 1;
    }
    return 0;
}

/* Kuhn's augmenting path: give slot s an entry of the window [l, r). */
static int
augment(struct clause *c, size_t l, size_t r, int s)
{
    size_t e;

    for (e = l; e < r; e++) {
        if (!(c->mmask[e] >> s & 1) || c->seen[e - l])
            continue;
        c->seen[e - l] = 1;
        if (c->owner[e - l] < 0 || augment(c, l, r, c->owner[e - l])) {
            c->owner[e - l] = s;
            return 1;
        }
    }
    return 0;
}

/* Can the n slots take distinct positions among the window [l, r)? */
static int
window_matches(struct clause *c, size_t l, size_t r, size_t n)
{
    size_t s;

    for (s = 0; s < r - l; s++)
        c->owner[s] = -1;
    for (s = 0; s < n; s++) {
        memset(c->seen, 0, r - l);
        if (!augment(c, l, r, (int)s))
            return 0;
    }
    return 1;
}

static int
popcount_above_one(uint64_t m)
{
    return (m & (m - 1)) != 0;
}

/*
 * NEAR: one distinct position per word, all within `dist` of each other.
 * The positions of all words merged, each with the mask of words there,
 * and a window slid over them; when every word is in the window and a
 * position serves several words (the same word twice, shared forms), a
 * bipartite matching decides.
 */
static int
near_holds(struct clause *c, const uint32_t *const *pos, const size_t *cnt,
           size_t n, unsigned dist)
{
    size_t total = 0, m = 0, at[QRY_MAX_PHRASE] = {0}, counts[QRY_MAX_PHRASE],
           covered = 0, multi = 0, l, r = 0, s;

    for (s = 0; s < n; s++)
        total += cnt[s];
    if (total > c->mcap) {
        free(c->mpos);
        free(c->mmask);
        free(c->owner);
        free(c->seen);
        c->mcap = total * 2;
        c->mpos = malloc(c->mcap * sizeof *c->mpos);
        c->mmask = malloc(c->mcap * sizeof *c->mmask);
        c->owner = malloc(c->mcap * sizeof *c->owner);
        c->seen = malloc(c->mcap);
        if (!c->mpos || !c->mmask || !c->owner || !c->seen) {
            c->mcap = 0;
            return SE_ENOMEM;
        }
    }
    for (;;) {
        uint32_t p = UINT32_MAX;
        uint64_t mask = 0;
        int any = 0;
        for (s = 0; s < n; s++)
            if (at[s] < cnt[s] && pos[s][at[s]] <= p) {
                p = pos[s][at[s]];
                any = 1;
            }
        if (!any)
            break;
        for (s = 0; s < n; s++)
            if (at[s] < cnt[s] && pos[s][at[s]] == p) {
                mask |= (uint64_t)1 << s;
                at[s]++;
            }
        c->mpos[m] = p;
        c->mmask[m++] = mask;
    }
    memset(counts, 0, sizeof counts);
    for (l = 0; l < m; l++) {
        for (; r < m && c->mpos[r] - c->mpos[l] <= dist; r++) {
            for (s = 0; s < n; s++)
                if (c->mmask[r] >> s & 1 && counts[s]++ == 0)
                    covered++;
            multi += popcount_above_one(c->mmask[r]);
        }
        if (covered == n && (multi == 0 || window_matches(c, l, r, n)))
            return 1;
        for (s = 0; s < n; s++)
            if (c->mmask[l] >> s & 1 && --counts[s] == 0)
                covered--;
        multi -= popcount_above_one(c->mmask[l]);
    }
    return 0;
}

/* First index of pos[0, n) at or past `from`. */
static size_t
lower_bound(const uint32_t *pos, size_t n, uint32_t from)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pos[mid] < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Does the CL_POS clause hold in `doc` (every slot is on it)? Checked in
 * the title [0, t) and the body [t, ...) separately, so that no match
 * spans the two; a field keeps one of them.
 */
static int
pos_holds(struct clause *c, uint32_t doc)
{
    const uint32_t *all[QRY_MAX_PHRASE], *part[QRY_MAX_PHRASE];
    size_t nall[QRY_MAX_PHRASE], npart[QRY_MAX_PHRASE], s;
    uint32_t t = 0, lo, hi;
    int rc, range;

    if (c->nw == 1 && c->field == QRY_ANY)
        return 1; /* a slot on the document has a position in it */
    rc = title_tokens(c->cx, doc, &t);
    if (rc != SE_OK)
        return rc;
    for (s = 0; s < c->nw; s++) {
        rc = slot_positions(&c->slots[s], &all[s], &nall[s]);
        if (rc != SE_OK)
            return rc;
    }
    for (range = 0; range < 2; range++) {
        int empty = 0;
        if ((range == 0 && c->field == QRY_BODY) ||
            (range == 1 && c->field == QRY_TITLE))
            continue;
        lo = range == 0 ? 0 : t;
        hi = range == 0 ? t : UINT32_MAX;
        for (s = 0; s < c->nw; s++) {
            size_t a = lower_bound(all[s], nall[s], lo);
            size_t b = range == 0 ? lower_bound(all[s], nall[s], hi) : nall[s];
            part[s] = all[s] + a;
            npart[s] = b - a;
            empty |= npart[s] == 0;
        }
        if (empty)
            continue;
        if (c->nw == 1)
            return 1;
        rc = c->kind == QRY_NEAR
                 ? near_holds(c, part, npart, c->nw, c->slop)
                 : ordered_holds(part, npart, c->nw,
                                 c->kind == QRY_PHRASE ? c->slop : 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The tf of slot s in the clause's field: title positions count more. */
static int
slot_tf(struct clause *c, struct slot *s, uint32_t *tf)
{
    const struct doc_meta *meta = c->cx->meta;
    const uint32_t *pos;
    size_t n, in_title;
    uint32_t t;
    int rc;

    rc = slot_positions(s, &pos, &n);
    if (rc != SE_OK)
        return rc;
    if (c->field == QRY_ANY && meta->title_weight <= 1) {
        *tf = (uint32_t)n;
        return SE_OK;
    }
    rc = title_tokens(c->cx, s->doc, &t);
    if (rc != SE_OK)
        return rc;
    in_title = lower_bound(pos, n, t);
    n -= in_title; /* now the body's */
    if (c->field == QRY_TITLE)
        n = 0;
    else if (c->field == QRY_BODY)
        in_title = 0;
    *tf = (uint32_t)(n + in_title * meta->title_weight);
    return SE_OK;
}

/* ---------------------------------------------------------------- seeking */

static int clause_seek(struct clause *c, uint32_t target);
static int clause_score(struct clause *c, const struct bm25 *m, uint32_t len,
                        double *score);
static int heap_admits(const struct heap *hp, uint32_t doc, double score);

/*
 * Whether a candidate that the phrase's words order[0..i] are on could
 * enter the top k (ctx.gate): their BM25 scores, and the most each later
 * word can add (bm25_bound()). 1 yes, 0 no, <0 error. Asked as each word
 * is found on the candidate, before a more frequent word's list is
 * sought: the documents of rare words that score too low on them never
 * load a block of "said" ("industries inc said" on Reuters-21578 copied
 * 16 times: 2.0 ms to 0.75). With every word on it (i = nw - 1), the
 * bound is the phrase's score, and a candidate that fails is passed over
 * before any position is decoded. `g` carries the sum so far and the
 * candidate's length between the calls for one candidate.
 */
struct gate_sum {
    uint32_t doc, len;
    size_t words; /* order[0..words) summed in `exact` */
    double exact;
};

static int
gate_open(struct clause *c, uint32_t doc, size_t i, struct gate_sum *g)
{
    struct ctx *cx = c->cx;
    double s;
    size_t j;
    int rc;

    if (cx->gate == NULL || cx->gate->n < cx->gate->cap)
        return 1; /* anything enters a heap not yet full */
    if (g->doc != doc || g->words == SIZE_MAX) {
        rc = doc_lens_get(cx->gate_dl, doc, &g->len);
        if (rc != SE_OK)
            return rc;
        g->doc = doc;
        g->words = 0;
        g->exact = 0;
    }
    if (i + 1 == c->nw) {
        /* Every word is on it: its score, summed as it will be, so that a
         * copy that ties with the top k is passed over too. */
        rc = clause_score(c, cx->m, g->len, &s);
        return rc != SE_OK ? rc : heap_admits(cx->gate, doc, s);
    }
    for (; g->words <= i; g->words++) {
        size_t w = c->order[g->words];
        uint32_t tf;
        rc = pl_tf(c->pls[w], &tf);
        if (rc != SE_OK)
            return rc;
        g->exact += bm25_score(cx->m, c->idf[w], tf, g->len);
    }
    s = g->exact;
    for (j = i + 1; j < c->nw; j++)
        s += bm25_bound(cx->m, c->idf[c->order[j]]);
    /* Slack: clause_score() adds the same scores in another order. */
    return heap_admits(cx->gate, doc, s * c->weight * BOUND_SLACK);
}

/*
 * Seek the lists order[from..nw) to `d`, rarer first: 1 when all are on
 * it, 0 with *d moved to a later document that one of them is on, 0 with
 * clause.ended at the end, <0 error.
 */
static int
lists_meet(struct clause *c, size_t from, uint32_t *d)
{
    size_t i;

    for (i = from; i < c->nw; i++) {
        struct pl *p = c->pls[c->order[i]];
        int rc = pl_seek(p, *d);
        if (rc <= 0) {
            c->ended = 1;
            return rc;
        }
        if (pl_doc(p) > *d) {
            *d = pl_doc(p);
            return 0;
        }
    }
    return 1;
}

/*
 * The first document >= target that every list is on and, for a phrase,
 * where its words stand in order. The rarest list leads; each other list,
 * rarer first, is asked only for a document all the rarer ones are on,
 * and one that overshoots sends the lead on. Taking the lists in turn
 * instead would seek a frequent word's list at every candidate of the
 * rare ones, loading most of its blocks: in "player in mac", "in"'s 280
 * blocks for the 700 documents of "mac". The words past nlead are sought
 * only where the leading ones hold their part of the phrase.
 */
static int
list_seek(struct clause *c, uint32_t target)
{
    uint32_t keep;
    int rc;

    for (;;) {
        struct gate_sum g = {0, 0, SIZE_MAX, 0};
        uint32_t d = target;
        size_t i = 0;
        while (i < c->nlead) {
            struct pl *p = c->pls[c->order[i]];
            rc = pl_seek(p, d);
            if (rc <= 0) {
                c->ended = 1;
                return rc;
            }
            if (pl_doc(p) > d) {
                d = pl_doc(p);
                if (i > 0) { /* a new candidate: the lead first */
                    i = 0;
                    continue;
                }
            }
            /* order[0..i] are on d */
            if (i + 1 < c->nw) {
                rc = gate_open(c, d, i, &g);
                if (rc < 0)
                    return rc;
                if (rc == 0)
                    goto passed;
            }
            i++;
        }
        if (c->kind == QRY_TERM || c->nw == 1) {
            c->doc = d;
            return 1;
        }
        keep = 1; /* no starts ruled out yet */
        if (c->nlead < c->nw) {
            rc = phrase_starts(c, c->nlead, &keep);
            if (rc != SE_OK)
                return rc;
            if (keep > 0) {
                rc = lists_meet(c, c->nlead, &d);
                if (rc < 0 || c->ended)
                    return rc;
                if (rc == 0) {
                    target = d;
                    continue;
                }
            }
        }
        if (keep > 0) {
            rc = gate_open(c, d, c->nw - 1, &g);
            if (rc < 0)
                return rc;
            if (rc == 0)
                goto passed;
            rc = phrase_rest(c, &keep);
            if (rc != SE_OK)
                return rc;
            if (keep > 0) {
                c->doc = d;
                return 1;
            }
        }
        goto next;
    passed:
        if (c->cx->res) /* a match may be passed over uncounted */
            c->cx->res->exact = 0;
    next:
        if (d == UINT32_MAX) {
            c->ended = 1;
            return 0;
        }
        target = d + 1;
    }
}

/* The same over slots, then positions. */
static int
pos_seek(struct clause *c, uint32_t target)
{
    int rc;

    for (;;) {
        uint32_t d = target;
        size_t i = 0;
        while (i < c->nw) {
            struct slot *s = &c->slots[c->order[i]];
            rc = slot_seek(s, d);
            if (rc <= 0) {
                c->ended = 1;
                return rc;
            }
            if (s->doc > d) {
                d = s->doc;
                i = i == 0 ? 1 : 0; /* as in list_seek() */
            } else {
                i++;
            }
        }
        rc = pos_holds(c, d);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            c->doc = d;
            return 1;
        }
        if (d == UINT32_MAX) {
            c->ended = 1;
            return 0;
        }
        target = d + 1;
    }
}

/* 1 when an excluded clause matches `doc`, 0 if none does, <0 on error. */
static int
excluded(uint32_t doc, struct clause **neg, size_t nneg)
{
    size_t i;

    for (i = 0; i < nneg; i++) {
        int rc = clause_seek(neg[i], doc);
        if (rc < 0)
            return rc;
        if (rc == 1 && neg[i]->doc == doc)
            return 1;
    }
    return 0;
}

/* A group: its required kids' intersection, or its optional kids' union. */
static int
bool_seek(struct clause *c, uint32_t target)
{
    int rc;

    for (;;) {
        uint32_t d = target;
        size_t i;
        if (c->nreq) {
            /* Rarest first, as in list_seek() (req is sorted by df). */
            for (i = 0; i < c->nreq;) {
                rc = clause_seek(c->req[i], d);
                if (rc <= 0) {
                    c->ended = 1;
                    return rc;
                }
                if (c->req[i]->doc > d) {
                    d = c->req[i]->doc;
                    i = i == 0 ? 1 : 0;
                } else {
                    i++;
                }
            }
        } else {
            int any = 0;
            d = UINT32_MAX;
            for (i = 0; i < c->nopt; i++) {
                rc = clause_seek(c->opt[i], target);
                if (rc < 0)
                    return rc;
                if (rc == 1 && c->opt[i]->doc <= d) {
                    d = c->opt[i]->doc;
                    any = 1;
                }
            }
            if (!any) {
                c->ended = 1;
                return 0;
            }
        }
        rc = excluded(d, c->neg, c->nneg);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            c->doc = d;
            return 1;
        }
        if (d == UINT32_MAX) {
            c->ended = 1;
            return 0;
        }
        target = d + 1;
    }
}

/*
 * Move the clause to its first document >= target: 1 there, 0 at the end,
 * <0 on error.
 */
static int
clause_seek(struct clause *c, uint32_t target)
{
    if (c->ended || c->absent)
        return 0;
    if (c->started && c->doc >= target)
        return 1;
    c->started = 1;
    switch (c->type) {
    case CL_TERM:
    case CL_PHRASE:
        return list_seek(c, target);
    case CL_POS:
        return pos_seek(c, target);
    case CL_BOOL:
    default:
        return bool_seek(c, target);
    }
}

static int
clause_next(struct clause *c)
{
    if (!c->started)
        return clause_seek(c, 0);
    if (c->doc == UINT32_MAX) {
        c->ended = 1;
        return 0;
    }
    return clause_seek(c, c->doc + 1);
}

/* 1 when the clause is on `doc` (seeking it there), 0 if not, <0. */
static int
clause_on(struct clause *c, uint32_t doc)
{
    int rc = clause_seek(c, doc);

    if (rc < 0)
        return rc;
    return rc == 1 && c->doc == doc;
}

/* ---------------------------------------------------------------- scoring */

/* Score of the clause in its current document, of length `len`. */
static int
clause_score(struct clause *c, const struct bm25 *m, uint32_t len,
             double *score)
{
    double s = 0, k;
    size_t i;
    int rc;

    switch (c->type) {
    case CL_TERM:
    case CL_PHRASE:
        for (i = 0; i < c->nw; i++) {
            uint32_t tf;
            rc = pl_tf(c->pls[i], &tf);
            if (rc != SE_OK)
                return rc;
            s += bm25_score(m, c->idf[i], tf, len);
        }
        break;
    case CL_POS:
        for (i = 0; i < c->nw; i++) {
            uint32_t tf;
            rc = slot_tf(c, &c->slots[i], &tf);
            if (rc != SE_OK)
                return rc;
            s += bm25_score(m, c->slots[i].idf, tf, len);
        }
        break;
    case CL_BOOL:
        for (i = 0; i < c->nreq; i++) {
            rc = clause_score(c->req[i], m, len, &k);
            if (rc != SE_OK)
                return rc;
            s += k;
        }
        for (i = 0; i < c->nopt; i++) {
            rc = clause_on(c->opt[i], c->doc);
            if (rc < 0)
                return rc;
            if (rc == 0)
                continue;
            rc = clause_score(c->opt[i], m, len, &k);
            if (rc != SE_OK)
                return rc;
            s += k;
        }
        break;
    }
    *score = s * c->weight;
    return SE_OK;
}

/* The clause's largest possible score: tf -> infinity in every word. */
static double
clause_bound(const struct clause *c, const struct bm25 *m)
{
    double s = 0;
    size_t i;

    switch (c->type) {
    case CL_TERM:
    case CL_PHRASE:
        for (i = 0; i < c->nw; i++)
            s += bm25_bound(m, c->idf[i]);
        break;
    case CL_POS:
        for (i = 0; i < c->nw; i++)
            s += bm25_bound(m, c->slots[i].idf);
        break;
    case CL_BOOL:
        for (i = 0; i < c->nreq; i++)
            s += clause_bound(c->req[i], m);
        for (i = 0; i < c->nopt; i++)
            s += clause_bound(c->opt[i], m);
        break;
    }
    return s * c->weight * BOUND_SLACK;
}

/* The bounds of a bare word's current block (block_bound). */
static void
block_bounds_load(struct clause *c, const struct bm25 *m)
{
    const uint32_t *tf, *len;
    uint32_t n, i, min_len = UINT32_MAX;
    double best = 0;

    pl_block_impacts(c->pls[0], &c->bb_last, &n, &tf, &len);
    for (i = 0; i < n; i++) {
        double s = bm25_score(m, c->idf[0], tf[i], len[i]);
        if (s > best)
            best = s;
        if (len[i] < min_len)
            min_len = len[i];
    }
    c->bb = best * c->weight * BOUND_SLACK;
    /* Scores fall as documents grow: a document of tf t scores at most
     * what t would in the block's shortest one. */
    for (i = 1; i <= BB_TFS; i++)
        c->bb_tf[i] =
            bm25_score(m, c->idf[0], i, min_len) * c->weight * BOUND_SLACK;
    c->bb_valid = 1;
}

/*
 * A bare word's bound in its current block: the best of its impacts,
 * computed once per block (the caller asks at every document).
 */
static inline double
block_bound(struct clause *c, const struct bm25 *m, uint32_t *last)
{
    if (!c->bb_valid || c->doc > c->bb_last)
        block_bounds_load(c, m);
    *last = c->bb_last;
    return c->bb;
}

/* The bound of a bare word's current document, from its tf. */
static int
doc_bound(struct clause *c, const struct bm25 *m, double *bound)
{
    uint32_t last, tf;
    int rc = pl_tf(c->pls[0], &tf);

    if (rc != SE_OK)
        return rc;
    block_bound(c, m, &last);
    *bound = tf <= BB_TFS ? c->bb_tf[tf] : c->bb;
    return SE_OK;
}

/*
 * Whether no document from d, the smallest of the essential lists' current
 * documents, up to *upto can beat theta. A list whose current document is
 * past d has no posting before it, so up to there it adds nothing; the
 * lists on d have their postings up to the end of their current blocks,
 * bounded by those blocks' bounds. The non-essential lists add their
 * bounds. So a rare word's list, whose one block spans the whole index,
 * does not keep a frequent word's blocks from being skipped between the
 * rare word's documents. Only for bare words on d, whose blocks have
 * impacts.
 */
static int
block_max_skip(struct clause **opt, size_t ess, size_t nopt,
               const double *prefix, const struct bm25 *m, double theta,
               uint32_t d, uint32_t *upto)
{
    double sum = ess ? prefix[ess - 1] : 0;
    uint32_t last;
    size_t i;

    *upto = UINT32_MAX;
    for (i = ess; i < nopt; i++) {
        if (opt[i]->ended)
            continue;
        if (opt[i]->doc > d) {
            if (opt[i]->doc - 1 < *upto)
                *upto = opt[i]->doc - 1;
            continue;
        }
        if (opt[i]->type != CL_TERM)
            return 0;
        sum += block_bound(opt[i], m, &last);
        if (sum > theta)
            return 0;
        if (last < *upto)
            *upto = last;
    }
    return 1;
}

/*
 * Whether document d, where the next essential lists are, cannot beat
 * theta: 1 yes, 0 no, <0 error. Its score is at most the non-essential
 * clauses' bounds, plus for each essential bare word on d the score of its
 * tf in the shortest document of its block (scores fall as documents
 * grow), plus the bound of any other essential clause on d. A frequent
 * word's block nearly always holds some document that could enter, but
 * most of its documents cannot: this spares them the length lookup, the
 * scoring and the probes.
 */
static int
doc_cannot_enter(struct clause **opt, size_t ess, size_t nopt,
                 const double *prefix, const struct bm25 *m, double theta,
                 uint32_t d)
{
    double ub = ess ? prefix[ess - 1] : 0, b;
    size_t i;
    int rc;

    for (i = ess; i < nopt; i++) {
        struct clause *c = opt[i];
        if (c->ended || c->doc != d)
            continue;
        if (c->type != CL_TERM) {
            b = c->bound;
        } else {
            rc = doc_bound(c, m, &b);
            if (rc != SE_OK)
                return rc;
        }
        ub += b;
        if (ub > theta)
            return 0;
    }
    return 1;
}

static int
cmp_by_bound(const void *a, const void *b)
{
    const struct clause *x = *(struct clause *const *)a;
    const struct clause *y = *(struct clause *const *)b;

    return (x->bound > y->bound) - (x->bound < y->bound);
}

/* ---------------------------------------------------------------- run */

struct run {
    const struct match_options *o;
    const struct bm25 *m;
    struct doc_lens *dl;
    struct heap *hp;
    struct match_result *res;
};

/* The caller's filter on `doc`: 1 keep, 0 drop, <0 error. */
static int
keep(const struct run *r, uint32_t doc)
{
    return r->o->filter ? r->o->filter(r->o->filter_arg, doc) : 1;
}

static int64_t
key_of(const struct run *r, uint32_t doc)
{
    return r->o->sort_key ? r->o->sort_key(r->o->sort_arg, doc) : 0;
}

/* Score document `doc` if no excluded clause has it; offer it to the heap. */
static int
consider(const struct run *r, uint32_t doc, const struct clause *root)
{
    double score = 0, s;
    uint32_t len;
    size_t i;
    int rc;

    rc = excluded(doc, root->neg, root->nneg);
    if (rc != 0)
        return rc < 0 ? rc : SE_OK;
    rc = keep(r, doc);
    if (rc <= 0)
        return rc;
    rc = doc_lens_get(r->dl, doc, &len);
    if (rc != SE_OK)
        return rc;
    for (i = 0; i < root->nreq; i++) {
        rc = clause_score(root->req[i], r->m, len, &s);
        if (rc != SE_OK)
            return rc;
        score += s;
    }
    for (i = 0; i < root->nopt; i++) {
        rc = clause_on(root->opt[i], doc);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            rc = clause_score(root->opt[i], r->m, len, &s);
            if (rc != SE_OK)
                return rc;
            score += s;
        }
    }
    r->res->total++;
    heap_offer(r->hp, doc, score, key_of(r, doc));
    return SE_OK;
}

/* Intersect the required clauses; optional ones only add to the score. */
static int
run_required(const struct run *r, const struct clause *root)
{
    struct clause *const *req = root->req;
    size_t nreq = root->nreq;
    uint32_t d = 0;
    int rc;

    for (;;) {
        size_t i = 0;
        /* Rarest first, as in list_seek() (req is sorted by df). */
        while (i < nreq) {
            rc = clause_seek(req[i], d);
            if (rc <= 0)
                return rc;
            if (req[i]->doc > d) {
                d = req[i]->doc;
                i = i == 0 ? 1 : 0;
            } else {
                i++;
            }
        }
        rc = consider(r, d, root);
        if (rc != SE_OK)
            return rc;
        if (d == UINT32_MAX)
            return SE_OK;
        d++;
    }
}

/*
 * Score document d of bare word w (its tf `tf`), the only clause on it, as
 * clause_score() and run_optional() sum it, unless an excluded clause has
 * it or the caller's filter drops it; count it and offer it to the top k.
 * 1 when the top k took it, 0 when not, <0 on error.
 */
static inline int
offer_word_doc(const struct run *r, const struct clause *root,
               const struct clause *w, uint32_t d, uint32_t tf)
{
    uint32_t len;
    double s;
    int rc = excluded(d, root->neg, root->nneg);

    if (rc == 0) {
        rc = keep(r, d);
        rc = rc < 0 ? rc : !rc;
    }
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = doc_lens_get(r->dl, d, &len);
    if (rc != SE_OK)
        return rc;
    s = 0;
    s += bm25_score(r->m, w->idf[0], tf, len);
    s *= w->weight;
    r->res->total++;
    if (!heap_admits(r->hp, d, s))
        return 0;
    heap_offer(r->hp, d, s, 0);
    return 1;
}

/* The shortest stretch, in document ids, lone_word_stretch() takes on. */
#define LONE_STRETCH_MIN 32

/*
 * MaxScore (run_optional) with the top k full, at d: when d is on one
 * essential list, a bare word, and the other essential lists are further
 * on, that word alone scores the documents up to them. Run along its block
 * as run_one_word() does: pass over a document whose tf's bound, plus the
 * non-essential lists' bounds, cannot beat theta; score one that might,
 * when there are no non-essential lists to probe; else stop there. Then
 * seek the word to where it stopped. A frequent word beside a rare one
 * ("fpl said") then costs a compare a document, not a turn of
 * run_optional()'s loop. 1 when the word moved, 0 when this does not
 * apply (the caller goes on with d), <0 on error.
 */
static int
lone_word_stretch(const struct run *r, const struct clause *root,
                  struct clause **opt, size_t ess, size_t nopt,
                  const double *prefix, uint32_t d)
{
    const double ne = ess ? prefix[ess - 1] : 0;
    struct heap *hp = r->hp;
    struct clause *w = NULL;
    const uint32_t *docs, *tfs;
    uint32_t until = UINT32_MAX, last, n, k, target;
    double bound, theta = hp->h[0].score;
    size_t i;
    int rc;

    for (i = ess; i < nopt; i++) {
        struct clause *c = opt[i];
        if (c->ended)
            continue;
        if (c->doc > d) {
            until = c->doc < until ? c->doc : until;
            continue;
        }
        if (w != NULL || c->type != CL_TERM)
            return 0;
        w = c;
    }
    /* A short stretch (two frequent words) does not pay for the set-up. */
    if (w == NULL || until - d < LONE_STRETCH_MIN)
        return 0;
    bound = block_bound(w, r->m, &last);
    rc = pl_block_rest(w->pls[0], &docs, &tfs, &n);
    if (rc != SE_OK)
        return rc;
    for (k = 0; k < n && docs[k] < until; k++) {
        if (ne + (tfs[k] <= BB_TFS ? w->bb_tf[tfs[k]] : bound) <= theta) {
            r->res->exact = 0;
            continue;
        }
        if (ess > 0)
            break; /* the non-essential lists need probing */
        rc = offer_word_doc(r, root, w, docs[k], tfs[k]);
        if (rc < 0)
            return rc;
        if (rc == 1)
            theta = hp->h[0].score;
    }
    if (k == 0)
        return 0;
    /* docs[k - 1] < until <= UINT32_MAX: one past it fits. */
    target = k < n ? docs[k] : docs[n - 1] + 1;
    if (target > until)
        target = until;
    rc = clause_seek(w, target);
    return rc < 0 ? rc : 1;
}

/* The k-th score while the top k is full, else below every score. */
static double
heap_theta(const struct heap *hp)
{
    return hp->cap > 0 && hp->n == hp->cap ? hp->h[0].score : -1.0;
}

/* The smallest tf a document of a bare word's current block needs to beat
 * theta (BB_TFS + 1: more than the kept bounds tell). */
static uint32_t
block_tf_min(const struct clause *c, double theta)
{
    uint32_t t = 1;

    while (t <= BB_TFS && c->bb_tf[t] <= theta)
        t++;
    return t;
}

/*
 * A query that is one bare word, ranked: through its list a block at a
 * time. A block whose bound cannot beat the k-th score theta is passed
 * over whole; in the others, a document is scored only if its tf could
 * beat theta in the block's shortest document. A frequent word's blocks
 * nearly all hold some document that could enter, but few of their
 * documents can: they cost a compare, not a length lookup and a score.
 */
static int
run_one_word(const struct run *r, const struct clause *root)
{
    struct clause *c = root->opt[0];
    struct heap *hp = r->hp;
    struct match_result *res = r->res;
    const struct bm25 *m = r->m;
    int rc = clause_next(c);

    while (rc == 1) {
        const uint32_t *docs, *tfs;
        uint32_t n, k, last, tf_min;
        double theta = heap_theta(hp); /* none when counting: cap 0 */
        double bound = block_bound(c, m, &last);

        if (bound <= theta) {
            res->exact = 0;
        } else {
            tf_min = block_tf_min(c, theta);
            rc = pl_block_rest(c->pls[0], &docs, &tfs, &n);
            for (k = 0; rc == SE_OK && k < n; k++) {
                if (tfs[k] < tf_min) {
                    res->exact = 0;
                    continue;
                }
                rc = offer_word_doc(r, root, c, docs[k], tfs[k]);
                if (rc == 1) {
                    theta = heap_theta(hp);
                    tf_min = block_tf_min(c, theta);
                    rc = SE_OK;
                }
            }
            if (rc != SE_OK)
                return rc;
        }
        if (last == UINT32_MAX)
            break;
        rc = clause_seek(c, last + 1);
    }
    return rc < 0 ? rc : SE_OK;
}

/*
 * Merge the optional clauses, every document any of them matches, with
 * MaxScore: clauses sorted by bound; while the top k is full with k-th
 * score theta, the clauses whose bounds add up to no more than theta are
 * "non-essential": a document matching only them cannot enter, so
 * candidates come from the others, and the non-essential ones are only
 * probed (by seek) while the score can still pass theta. A lone essential
 * bare word also skips whole blocks whose block-max bound cannot pass.
 * `orig` is the clauses in query order: scores are summed in that order,
 * so pruning never changes a score in its last bit. With a sort key every
 * match is visited: the k-th score bounds nothing then.
 */
static int
run_optional(const struct run *r, const struct clause *root)
{
    struct clause **orig = root->opt, **opt, **neg = root->neg;
    size_t nopt = root->nopt, nneg = root->nneg;
    const struct bm25 *m = r->m;
    struct heap *hp = r->hp;
    struct match_result *res = r->res;
    double *prefix, theta = 0;
    size_t i, ess = 0;
    int rc = SE_OK, full = 0, prune = r->o->sort_key == NULL;

    opt = malloc(nopt * sizeof *opt + 1);
    prefix = malloc(nopt * sizeof *prefix + 1);
    if (opt == NULL || prefix == NULL) {
        rc = SE_ENOMEM;
        goto done;
    }
    memcpy(opt, orig, nopt * sizeof *opt);
    for (i = 0; i < nopt; i++)
        opt[i]->bound = clause_bound(opt[i], m);
    qsort(opt, nopt, sizeof *opt, cmp_by_bound);
    for (i = 0; i < nopt; i++) {
        prefix[i] = (i ? prefix[i - 1] : 0) + opt[i]->bound;
        rc = clause_next(opt[i]);
        if (rc < 0)
            goto done;
    }
    rc = SE_OK;
    for (;;) {
        uint32_t d = UINT32_MAX, len, last;
        double score;
        int any = 0, out;
        if (prune && !full && hp->cap > 0 && hp->n == hp->cap)
            full = 1;
        if (full) {
            theta = hp->h[0].score;
            while (ess < nopt && prefix[ess] <= theta) {
                /* A list with documents left may now skip some uncounted;
                 * one already over cannot. */
                if (!opt[ess]->ended)
                    res->exact = 0;
                ess++;
            }
        }
        for (i = ess; i < nopt; i++)
            if (!opt[i]->ended && opt[i]->doc <= d) {
                d = opt[i]->doc;
                any = 1;
            }
        if (!any)
            break;
        if (full &&
            block_max_skip(opt, ess, nopt, prefix, m, theta, d, &last)) {
            /* No document up to `last` can enter the top k (Block-Max
             * MaxScore): move every essential list past it. */
            res->exact = 0;
            if (last == UINT32_MAX)
                break;
            for (i = ess; i < nopt; i++) {
                rc = clause_seek(opt[i], last + 1);
                if (rc < 0)
                    goto done;
            }
            rc = SE_OK;
            continue;
        }
        out = 0;
        if (full) {
            /* Without non-essential lists a lone word's stretch is scored
             * in one go; with them, only where d itself cannot enter. */
            rc = ess == 0 ? lone_word_stretch(r, root, opt, ess, nopt, prefix, d)
                          : 0;
            if (rc == 0) {
                out = doc_cannot_enter(opt, ess, nopt, prefix, m, theta, d);
                if (out == 1) {
                    res->exact = 0;
                    if (ess > 0)
                        rc = lone_word_stretch(r, root, opt, ess, nopt,
                                               prefix, d);
                }
            }
            if (rc < 0)
                goto done;
            if (rc == 1) {
                rc = SE_OK;
                continue;
            }
            rc = SE_OK;
        }
        if (out == 0)
            out = excluded(d, neg, nneg);
        if (out == 0) {
            out = keep(r, d); /* 1 keep, 0 drop, <0 error */
            out = out < 0 ? out : !out;
        }
        if (out < 0) {
            rc = out;
            goto done;
        }
        if (!out) {
            rc = doc_lens_get(r->dl, d, &len);
            if (rc != SE_OK)
                goto done;
            score = 0;
            for (i = ess; i < nopt; i++)
                if (!opt[i]->ended && opt[i]->doc == d) {
                    rc = clause_score(opt[i], m, len, &opt[i]->score);
                    if (rc != SE_OK)
                        goto done;
                    score += opt[i]->score;
                }
            /* Probe the non-essential clauses, largest bound first. */
            for (i = ess; i-- > 0;) {
                if (full && score + prefix[i] <= theta)
                    break;
                rc = clause_seek(opt[i], d);
                if (rc < 0)
                    goto done;
                if (rc == 1 && opt[i]->doc == d) {
                    rc = clause_score(opt[i], m, len, &opt[i]->score);
                    if (rc != SE_OK)
                        goto done;
                    score += opt[i]->score;
                }
            }
            rc = SE_OK;
            if (i == (size_t)-1 || !full) {
                /* Every clause was looked at: the exact sum, query order. */
                score = 0;
                for (i = 0; i < nopt; i++)
                    if (orig[i]->started && !orig[i]->ended &&
                        orig[i]->doc == d)
                        score += orig[i]->score;
                heap_offer(hp, d, score, key_of(r, d));
            }
            res->total++;
        }
        for (i = ess; i < nopt; i++)
            if (!opt[i]->ended && opt[i]->doc == d) {
                rc = clause_next(opt[i]);
                if (rc < 0)
                    goto done;
            }
        rc = SE_OK;
    }
    for (i = 0; i < ess; i++)
        if (!opt[i]->ended)
            res->exact = 0;
done:
    free(opt);
    free(prefix);
    return rc;
}

static void
ctx_init(struct ctx *cx, struct idx_txn *txn, const struct doc_meta *meta,
         struct stem *stem, const struct bm25 *m, const struct match_options *o,
         struct match_result *res)
{
    memset(cx, 0, sizeof *cx);
    cx->txn = txn;
    cx->meta = meta;
    cx->stem = stem;
    cx->m = m;
    cx->max_expansions =
        o->max_expansions ? o->max_expansions : MATCH_MAX_EXPANSIONS;
    cx->res = res;
}

int
match_run(struct idx_txn *txn, const struct doc_meta *meta, struct stem *stem,
          const struct qry_node *q, const struct match_options *o,
          struct match_result *res)
{
    struct clause root;
    struct heap hp = {0};
    struct doc_lens own, *dl = o->lens ? o->lens : &own;
    struct bm25 m;
    struct ctx cx;
    struct run r = {o, &m, dl, &hp, res};
    int rc;

    memset(res, 0, sizeof *res);
    memset(&root, 0, sizeof root);
    res->exact = 1;
    if (q->kind != QRY_BOOL)
        return SE_EINVAL;
    bm25_init(&m, o->k1, o->b, meta->docs, meta->total_len);
    if (o->lens)
        doc_lens_renew(dl, txn);
    else
        doc_lens_init(dl, txn);
    ctx_init(&cx, txn, meta, stem, &m, o, res);
    rc = clause_init(&root, &cx, q);
    if (rc != SE_OK)
        goto done;
    /* No more hits than documents, whatever offset + limit asks. */
    hp.cap = o->offset + o->limit;
    if (hp.cap < o->limit || hp.cap > meta->docs)
        hp.cap = (size_t)meta->docs;
    hp.h = malloc((hp.cap ? hp.cap : 1) * sizeof *hp.h);
    if (hp.h == NULL) {
        rc = SE_ENOMEM;
        goto done;
    }
    /* One exact phrase, ranked: positions only where the score could enter
     * (a sort key ranks by something else; counting wants every match). */
    if (root.nreq == 0 && root.nopt == 1 && root.opt[0]->type == CL_PHRASE &&
        o->sort_key == NULL && hp.cap > 0) {
        cx.gate = &hp;
        cx.gate_dl = dl;
    }
    if (root.absent)
        rc = SE_OK;
    else if (root.nreq)
        rc = run_required(&r, &root);
    else if (root.nopt == 1 && root.opt[0]->type == CL_TERM &&
             o->sort_key == NULL)
        rc = run_one_word(&r, &root);
    else
        rc = run_optional(&r, &root);
    if (rc != SE_OK)
        goto done;
    qsort(hp.h, hp.n, sizeof *hp.h, cmp_hits);
    if (hp.n > o->offset) {
        res->nhits = hp.n - o->offset;
        memmove(hp.h, hp.h + o->offset, res->nhits * sizeof *hp.h);
        res->hits = hp.h;
        hp.h = NULL;
    }
done:
    clause_free(&root);
    free(hp.h);
    if (rc != SE_OK)
        match_result_release(res);
    return rc;
}

void
match_result_release(struct match_result *res)
{
    free(res->hits);
    memset(res, 0, sizeof *res);
}

/* ---------------------------------------------------------------- explain */

struct explain {
    const struct bm25 *m;
    uint32_t len;
    void (*cb)(void *arg, const struct match_explain_term *t);
    void *arg;
};

/* Report the leaves of `c` (on its document) that add to its score. */
static int
explain_clause(const struct explain *x, struct clause *c, double weight)
{
    struct match_explain_term t = {c->label, 0, UINT64_MAX, 0, 0};
    size_t i;
    int rc;

    switch (c->type) {
    case CL_BOOL:
        for (i = 0; i < c->nreq; i++) {
            rc = explain_clause(x, c->req[i], weight * c->weight);
            if (rc != SE_OK)
                return rc;
        }
        for (i = 0; i < c->nopt; i++) {
            rc = clause_on(c->opt[i], c->doc);
            if (rc < 0)
                return rc;
            if (rc == 1)
                rc = explain_clause(x, c->opt[i], weight * c->weight);
            if (rc != SE_OK)
                return rc;
        }
        return SE_OK;
    case CL_TERM:
    case CL_PHRASE:
        for (i = 0; i < c->nw; i++) {
            uint32_t tf;
            rc = pl_tf(c->pls[i], &tf);
            if (rc != SE_OK)
                return rc;
            t.tf += tf;
            t.idf += c->idf[i];
            if (pl_stats(c->pls[i])->df < t.df)
                t.df = pl_stats(c->pls[i])->df;
        }
        break;
    case CL_POS:
        for (i = 0; i < c->nw; i++) {
            uint32_t tf;
            rc = slot_tf(c, &c->slots[i], &tf);
            if (rc != SE_OK)
                return rc;
            t.tf += tf;
            t.idf += c->slots[i].idf;
            if (c->slots[i].df < t.df)
                t.df = c->slots[i].df;
        }
        break;
    }
    rc = clause_score(c, x->m, x->len, &t.contribution);
    if (rc != SE_OK)
        return rc;
    t.contribution *= weight;
    x->cb(x->arg, &t);
    return SE_OK;
}

int
match_explain(struct idx_txn *txn, const struct doc_meta *meta,
              struct stem *stem, const struct qry_node *q,
              const struct match_options *o, uint32_t doc, uint32_t *doc_len,
              void (*cb)(void *arg, const struct match_explain_term *t),
              void *arg)
{
    struct clause root;
    struct doc_lens dl;
    struct bm25 m;
    struct ctx cx;
    struct explain x = {&m, 0, cb, arg};
    int rc;

    *doc_len = 0;
    memset(&root, 0, sizeof root);
    if (q->kind != QRY_BOOL)
        return SE_EINVAL;
    bm25_init(&m, o->k1, o->b, meta->docs, meta->total_len);
    doc_lens_init(&dl, txn);
    rc = doc_lens_get(&dl, doc, &x.len);
    if (rc != SE_OK)
        return rc;
    *doc_len = x.len;
    ctx_init(&cx, txn, meta, stem, &m, o, NULL);
    rc = clause_init(&root, &cx, q);
    if (rc == SE_OK && !root.absent) {
        rc = clause_on(&root, doc);
        if (rc == 1)
            rc = explain_clause(&x, &root, 1.0);
    }
    clause_free(&root);
    return rc < 0 ? rc : SE_OK;
}
