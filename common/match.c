/*
 * match.c - document-at-a-time evaluation of a query tree.
 *
 * Each leaf of the tree becomes a clause, an iterator over the documents it
 * matches: a bare word iterates its stem's postings; a phrase intersects its
 * words' form postings (rarest word leading, seeking the others) and checks
 * positions only where all words meet. Required clauses are intersected the
 * same way; optional ones are merged. Scores are summed per document and the
 * best `offset + limit` kept in a min-heap.
 */
#include "match.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plist.h"

struct clause {
    enum qry_kind kind;
    enum qry_occur occur;
    size_t nw;
    struct pl **pls;  /* one per word (TERM: the stem's list) */
    size_t *order;    /* pls by increasing df: the order to seek them in */
    double *idf;      /* one per word */
    double weight;    /* how many times the query repeats this clause */
    char *stem;       /* TERM: the stem, to merge repeated words */
    uint32_t doc;     /* current document when started and not ended */
    int started, ended;
    int absent;   /* a word is not in the index: matches nothing */
    double bound; /* no document scores more on this clause */
    double score; /* its score in `doc`, once computed (MaxScore) */
};

struct heap {
    struct match_hit *h;
    size_t n, cap;
};

/* 1 when hit a ranks below hit b: lower score, or same score, later doc. */
static int
worse(const struct match_hit *a, const struct match_hit *b)
{
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

/* Offer a hit to a heap that keeps the `cap` best; the worst on top. */
static void
heap_offer(struct heap *hp, uint32_t doc, double score)
{
    struct match_hit x = {doc, score};

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

/* ---------------------------------------------------------------- clauses */

static void
clause_free(struct clause *c)
{
    size_t i;

    for (i = 0; i < c->nw; i++)
        pl_close(c->pls[i]);
    free(c->pls);
    free(c->order);
    free(c->idf);
    free(c->stem);
}

/* Set up the clause of leaf `q`; a missing word marks it absent. */
static int
clause_init(struct clause *c, struct idx_txn *txn, struct stem *stem,
            const struct bm25 *m, const struct qry_node *q)
{
    size_t i, j;
    int rc;

    memset(c, 0, sizeof *c);
    c->kind = q->kind;
    c->occur = q->occur;
    c->weight = 1.0;
    c->nw = q->nwords;
    c->pls = calloc(c->nw, sizeof *c->pls);
    c->order = calloc(c->nw, sizeof *c->order);
    c->idf = calloc(c->nw, sizeof *c->idf);
    if (!c->pls || !c->order || !c->idf)
        return SE_ENOMEM;
    for (i = 0; i < c->nw; i++) {
        const char *w = q->words[i];
        size_t wlen = strlen(w);
        enum pl_kind kind = PL_FORMS;
        if (q->kind == QRY_TERM) {
            rc = stem_word(stem, w, wlen, &w, &wlen);
            if (rc != SE_OK)
                return rc;
            c->stem = strdup(w);
            if (c->stem == NULL)
                return SE_ENOMEM;
            kind = PL_STEMS;
        }
        rc = pl_open(txn, kind, w, wlen, &c->pls[i]);
        if (rc == SE_ENOTFOUND) {
            c->absent = 1;
            continue;
        }
        if (rc != SE_OK)
            return rc;
        c->idf[i] = bm25_idf(m, pl_stats(c->pls[i])->df);
    }
    if (c->absent)
        return SE_OK;
    /* Seek the rarest word first: it rules out the most documents. */
    for (i = 0; i < c->nw; i++) {
        uint32_t df = pl_stats(c->pls[i])->df;
        for (j = i; j > 0 && pl_stats(c->pls[c->order[j - 1]])->df > df; j--)
            c->order[j] = c->order[j - 1];
        c->order[j] = i;
    }
    return SE_OK;
}

static uint32_t
clause_df(const struct clause *c)
{
    return c->absent ? 0 : pl_stats(c->pls[c->order[0]])->df;
}

/* 1 when the words' positions hold the phrase in the current document. */
static int
phrase_holds(struct clause *c, int *err)
{
    const uint32_t *p0, *pi;
    uint32_t n0, ni, k;
    size_t i, at[QRY_MAX_PHRASE] = {0};
    int rc;

    rc = pl_positions(c->pls[0], &p0, &n0);
    if (rc != SE_OK) {
        *err = rc;
        return 0;
    }
    for (k = 0; k < n0; k++) {
        uint64_t x = p0[k];
        for (i = 1; i < c->nw; i++) {
            rc = pl_positions(c->pls[i], &pi, &ni);
            if (rc != SE_OK) {
                *err = rc;
                return 0;
            }
            while (at[i] < ni && pi[at[i]] < x + i)
                at[i]++;
            if (at[i] == ni)
                return 0; /* word i has no position left past x */
            if (pi[at[i]] != x + i)
                break;
        }
        if (i == c->nw)
            return 1;
    }
    return 0;
}

/*
 * Move the clause to its first document >= target: 1 there, 0 at the end,
 * <0 on error.
 */
static int
clause_seek(struct clause *c, uint32_t target)
{
    int rc;

    if (c->ended || c->absent)
        return 0;
    if (c->started && c->doc >= target)
        return 1;
    c->started = 1;
    for (;;) {
        uint32_t d = target;
        size_t i = 0, agreed = 0;
        /* Leapfrog: seek each list to d; a list past d raises d. */
        while (agreed < c->nw) {
            struct pl *p = c->pls[c->order[i]];
            rc = pl_seek(p, d);
            if (rc <= 0) {
                c->ended = 1;
                return rc;
            }
            if (pl_doc(p) > d) {
                d = pl_doc(p);
                agreed = 1;
            } else {
                agreed++;
            }
            i = (i + 1) % c->nw;
        }
        if (c->kind == QRY_TERM || c->nw == 1) {
            c->doc = d;
            return 1;
        }
        rc = SE_OK;
        if (phrase_holds(c, &rc)) {
            c->doc = d;
            return 1;
        }
        if (rc != SE_OK)
            return rc;
        if (d == UINT32_MAX) {
            c->ended = 1;
            return 0;
        }
        target = d + 1;
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

/* Score of the clause in its current document, of length `len`. */
static int
clause_score(struct clause *c, const struct bm25 *m, uint32_t len,
             double *score)
{
    double s = 0;
    size_t i;

    for (i = 0; i < c->nw; i++) {
        uint32_t tf;
        int rc = pl_tf(c->pls[i], &tf);
        if (rc != SE_OK)
            return rc;
        s += bm25_score(m, c->idf[i], tf, len);
    }
    *score = s * c->weight;
    return SE_OK;
}

/* ---------------------------------------------------------------- run */

static int
cmp_by_df(const void *a, const void *b)
{
    uint32_t x = clause_df(*(struct clause *const *)a);
    uint32_t y = clause_df(*(struct clause *const *)b);

    return (x > y) - (x < y);
}

/* Score document `doc` if no excluded clause has it; offer it to the heap. */
static int
consider(uint32_t doc, struct clause **req, size_t nreq, struct clause **opt,
         size_t nopt, struct clause **neg, size_t nneg, const struct bm25 *m,
         struct doc_lens *dl, struct heap *hp, uint64_t *total)
{
    double score = 0, s;
    uint32_t len;
    size_t i;
    int rc;

    for (i = 0; i < nneg; i++) {
        rc = clause_seek(neg[i], doc);
        if (rc < 0)
            return rc;
        if (rc == 1 && neg[i]->doc == doc)
            return SE_OK;
    }
    rc = doc_lens_get(dl, doc, &len);
    if (rc != SE_OK)
        return rc;
    for (i = 0; i < nreq; i++) {
        rc = clause_score(req[i], m, len, &s);
        if (rc != SE_OK)
            return rc;
        score += s;
    }
    for (i = 0; i < nopt; i++) {
        if (opt[i]->ended || opt[i]->absent)
            continue;
        if (nreq) {
            rc = clause_seek(opt[i], doc);
            if (rc < 0)
                return rc;
        }
        if (!opt[i]->ended && opt[i]->started && opt[i]->doc == doc) {
            rc = clause_score(opt[i], m, len, &s);
            if (rc != SE_OK)
                return rc;
            score += s;
        }
    }
    (*total)++;
    heap_offer(hp, doc, score);
    return SE_OK;
}

/* Intersect the required clauses; optional ones only add to the score. */
static int
run_required(struct clause **req, size_t nreq, struct clause **opt,
             size_t nopt, struct clause **neg, size_t nneg,
             const struct bm25 *m, struct doc_lens *dl, struct heap *hp,
             uint64_t *total)
{
    uint32_t d = 0;
    int rc;

    qsort(req, nreq, sizeof *req, cmp_by_df);
    for (;;) {
        size_t i = 0, agreed = 0;
        while (agreed < nreq) {
            rc = clause_seek(req[i], d);
            if (rc <= 0)
                return rc;
            if (req[i]->doc > d) {
                d = req[i]->doc;
                agreed = 1;
            } else {
                agreed++;
            }
            i = (i + 1) % nreq;
        }
        rc = consider(d, req, nreq, opt, nopt, neg, nneg, m, dl, hp, total);
        if (rc != SE_OK)
            return rc;
        if (d == UINT32_MAX)
            return SE_OK;
        d++;
    }
}

/*
 * Bounds, with a hair of slack: a bound is compared with sums of scores
 * added in another order, and must never fall below them by rounding.
 */
#define BOUND_SLACK (1.0 + 1e-9)

/* The clause's largest possible score: tf -> infinity in every word. */
static double
clause_bound(const struct clause *c, const struct bm25 *m)
{
    double s = 0;
    size_t i;

    for (i = 0; i < c->nw; i++)
        s += c->idf[i] * (m->k1 + 1.0);
    return s * c->weight * BOUND_SLACK;
}

/* A bare word's bound in its current block: block-max tf and length. */
static double
block_bound(const struct clause *c, const struct bm25 *m, uint32_t *last)
{
    uint32_t max_tf, min_len;

    pl_block(c->pls[0], last, &max_tf, &min_len);
    return bm25_score(m, c->idf[0], max_tf, min_len) * c->weight *
           BOUND_SLACK;
}

static int
cmp_by_bound(const void *a, const void *b)
{
    const struct clause *x = *(struct clause *const *)a;
    const struct clause *y = *(struct clause *const *)b;

    return (x->bound > y->bound) - (x->bound < y->bound);
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

/*
 * Merge the optional clauses, every document any of them matches, with
 * MaxScore: clauses sorted by bound; while the top k is full with k-th
 * score theta, the clauses whose bounds add up to no more than theta are
 * "non-essential": a document matching only them cannot enter, so
 * candidates come from the others, and the non-essential ones are only
 * probed (by seek) while the score can still pass theta. A lone essential
 * bare word also skips whole blocks whose block-max bound cannot pass.
 * `orig` is the clauses in query order: scores are summed in that order,
 * so pruning never changes a score in its last bit.
 */
static int
run_optional(struct clause **orig, size_t nopt, struct clause **neg,
             size_t nneg, const struct bm25 *m, struct doc_lens *dl,
             struct heap *hp, struct match_result *res)
{
    struct clause **opt;
    double *prefix, theta = 0;
    size_t i, ess = 0;
    int rc = SE_OK, full = 0;

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
        if (!full && hp->cap > 0 && hp->n == hp->cap)
            full = 1;
        if (full) {
            theta = hp->h[0].score;
            while (ess < nopt && prefix[ess] <= theta) {
                ess++;
                res->exact = 0;
            }
        }
        for (i = ess; i < nopt; i++)
            if (!opt[i]->ended && opt[i]->doc <= d) {
                d = opt[i]->doc;
                any = 1;
            }
        if (!any)
            break;
        if (full && ess + 1 == nopt && opt[ess]->kind == QRY_TERM &&
            block_bound(opt[ess], m, &last) + (ess ? prefix[ess - 1] : 0) <=
                theta) {
            /* Nothing in this block can enter the top k. */
            res->exact = 0;
            if (last == UINT32_MAX)
                break;
            rc = clause_seek(opt[ess], last + 1);
            if (rc < 0)
                goto done;
            rc = SE_OK;
            continue;
        }
        out = excluded(d, neg, nneg);
        if (out < 0) {
            rc = out;
            goto done;
        }
        if (!out) {
            rc = doc_lens_get(dl, d, &len);
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
                heap_offer(hp, d, score);
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

int
match_run(struct idx_txn *txn, const struct doc_meta *meta, struct stem *stem,
          const struct qry_node *q, const struct match_options *o,
          struct match_result *res)
{
    struct clause *cl = NULL, **req = NULL, **opt = NULL, **neg = NULL;
    size_t n = 0, nreq = 0, nopt = 0, nneg = 0, i, j;
    struct heap hp = {0};
    struct doc_lens dl;
    struct bm25 m;
    int rc = SE_OK, impossible = 0;

    memset(res, 0, sizeof *res);
    res->exact = 1;
    if (q->kind != QRY_BOOL)
        return SE_EINVAL;
    bm25_init(&m, o->k1, o->b, meta->docs, meta->total_len);
    doc_lens_init(&dl, txn);
    cl = calloc(q->nkids ? q->nkids : 1, sizeof *cl);
    req = calloc(q->nkids ? q->nkids : 1, sizeof *req);
    opt = calloc(q->nkids ? q->nkids : 1, sizeof *opt);
    neg = calloc(q->nkids ? q->nkids : 1, sizeof *neg);
    if (!cl || !req || !opt || !neg) {
        rc = SE_ENOMEM;
        goto done;
    }
    for (i = 0; i < q->nkids; i++) {
        const struct qry_node *k = q->kids[i];
        struct clause *c = &cl[n];
        if (k->kind != QRY_TERM && k->kind != QRY_PHRASE)
            continue; /* nested trees come with boolean operators */
        rc = clause_init(c, txn, stem, &m, k);
        n++;
        if (rc != SE_OK)
            goto done;
        /* A repeated word weighs more, as if its clause were there twice. */
        for (j = 0; c->kind == QRY_TERM && j + 1 < n; j++)
            if (cl[j].kind == QRY_TERM && cl[j].occur == c->occur &&
                cl[j].stem && strcmp(cl[j].stem, c->stem) == 0)
                break;
        if (c->kind == QRY_TERM && j + 1 < n) {
            cl[j].weight += 1.0;
            clause_free(c);
            n--;
            continue;
        }
        if (c->occur == QRY_MUST) {
            if (c->absent)
                impossible = 1;
            req[nreq++] = c;
        } else if (c->occur == QRY_MUST_NOT) {
            if (!c->absent)
                neg[nneg++] = c;
        } else if (!c->absent) {
            opt[nopt++] = c;
        }
    }
    /* No more hits than documents, whatever offset + limit asks. */
    hp.cap = o->offset + o->limit;
    if (hp.cap < o->limit || hp.cap > meta->docs)
        hp.cap = (size_t)meta->docs;
    hp.h = malloc((hp.cap ? hp.cap : 1) * sizeof *hp.h);
    if (hp.h == NULL) {
        rc = SE_ENOMEM;
        goto done;
    }
    if (impossible)
        rc = SE_OK;
    else if (nreq)
        rc = run_required(req, nreq, opt, nopt, neg, nneg, &m, &dl, &hp,
                          &res->total);
    else
        rc = run_optional(opt, nopt, neg, nneg, &m, &dl, &hp, res);
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
    for (i = 0; i < n; i++)
        clause_free(&cl[i]);
    free(cl);
    free(req);
    free(opt);
    free(neg);
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
