/*
 * test_plist.c - posting-list iterators and dictionary entries.
 *
 * The index is written by the writer from generated documents whose words
 * sit at known places, so the expected lists are computed here from the
 * generator alone: "alpha" in about 1000 of 1500 documents (eight blocks)
 * with tf 1..4 at chosen positions, in the title of every tenth document
 * (body positions then start at 3: two title tokens and a gap), "alphabet"
 * sharing its prefix, a rare "beta", a single "gamma", and "running",
 * "runs", "run" for a stem list that merges forms. pl_next() and pl_seek()
 * are checked against a plain scan of those lists, at every target and
 * across every block boundary. Corrupt entries written with idx_put() must
 * give SE_ECORRUPT.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "docstore.h"
#include "error.h"
#include "expand.h"
#include "index.h"
#include "plist.h"
#include "posting.h"
#include "stemmer.h"
#include "testutil.h"
#include "writer.h"

#define NDOCS 1500
#define MAXPOS 8

static char tmp[64];
static struct idx *ix;
static struct idx_txn *txn;
static struct stem *sm;

/* One document of an expected list. */
struct post {
    uint32_t doc, tf;
    uint32_t pos[MAXPOS];
};

/* The expected list of a term: documents in order. */
struct list {
    struct post *p;
    size_t n;
};

/* ---------------------------------------------------------------- */
/* The generated collection                                          */
/* ---------------------------------------------------------------- */

/* Body positions of "alpha" in document i (relative to the body start). */
static uint32_t
alpha_body(uint32_t i, uint32_t *pos)
{
    uint32_t tf, j;

    if (i % 3 == 1)
        return 0;
    tf = 1 + i % 4;
    for (j = 0; j < tf; j++)
        pos[j] = j * (i % 5 + 1) + i % 7;
    return tf;
}

/* Title and body of document i into the buffers. */
static void
gen_doc(uint32_t i, char *title, size_t tcap, char *body, size_t bcap)
{
    const char *words[64];
    uint32_t pos[MAXPOS], n, len, j;
    size_t at = 0;

    n = alpha_body(i, pos);
    len = (n ? pos[n - 1] : 0) + 6;
    for (j = 0; j < len; j++)
        words[j] = "filler";
    for (j = 0; j < n; j++)
        words[pos[j]] = "alpha";
    if (i % 5 == 0)
        words[len - 1] = "alphabet";
    if (i % 128 == 5)
        words[len - 2] = "beta";
    if (i == 777)
        words[len - 2] = "gamma";
    if (i % 2 == 0)
        words[len - 3] = "running";
    else if (i % 3 == 0)
        words[len - 3] = "runs";
    if (i % 4 == 1)
        words[len - 4] = "run";
    for (j = 0; j < len; j++)
        at += (size_t)snprintf(body + at, bcap - at, "%s%s", j ? " " : "",
                               words[j]);
    snprintf(title, tcap, "%s", i % 10 == 0 ? "Alpha, title!" : "");
}

/* The expected list of "alpha". */
static void
alpha_list(struct list *l)
{
    uint32_t i, k, body[MAXPOS], n;

    l->p = calloc(NDOCS, sizeof *l->p);
    l->n = 0;
    cr_assert_not_null(l->p, "calloc");
    for (i = 0; i < NDOCS; i++) {
        struct post *p = &l->p[l->n];
        uint32_t off = 0;
        p->doc = i;
        p->tf = 0;
        if (i % 10 == 0) {
            p->pos[p->tf++] = 0; /* "Alpha" opens the title */
            off = 3;             /* two title tokens, then a gap of one */
        }
        n = alpha_body(i, body);
        for (k = 0; k < n; k++)
            p->pos[p->tf++] = off + body[k];
        if (p->tf)
            l->n++;
    }
}

/* The expected stem list of "run": running, runs and run together. */
static void
run_list(struct list *l)
{
    uint32_t i;

    l->p = calloc(NDOCS, sizeof *l->p);
    l->n = 0;
    cr_assert_not_null(l->p, "calloc");
    for (i = 0; i < NDOCS; i++) {
        uint32_t tf = (i % 2 == 0 || i % 3 == 0) + (i % 4 == 1);
        if (tf) {
            l->p[l->n].doc = i;
            l->p[l->n].tf = tf;
            l->n++;
        }
    }
}

/*
 * The expected form list of `word`, read off the generated text: the
 * title "Alpha, title!" gives "alpha" at 0 and "title" at 1, and then the
 * body starts at 3; body words are single-space separated.
 */
static void
word_list(const char *word, struct list *l)
{
    char title[64], body[1024];
    uint32_t i;

    l->p = calloc(NDOCS, sizeof *l->p);
    l->n = 0;
    cr_assert_not_null(l->p, "calloc");
    for (i = 0; i < NDOCS; i++) {
        struct post *p = &l->p[l->n];
        uint32_t at = 0;
        char *w, *save;
        gen_doc(i, title, sizeof title, body, sizeof body);
        p->doc = i;
        p->tf = 0;
        if (title[0]) {
            if (strcmp(word, "alpha") == 0)
                p->pos[p->tf++] = 0;
            if (strcmp(word, "title") == 0)
                p->pos[p->tf++] = 1;
            at = 3;
        }
        for (w = strtok_r(body, " ", &save); w != NULL;
             w = strtok_r(NULL, " ", &save), at++) {
            if (strcmp(w, word) == 0) {
                cr_assert_lt(p->tf, MAXPOS, "too many");
                p->pos[p->tf++] = at;
            }
        }
        if (p->tf)
            l->n++;
    }
}

/* Index the collection into a new directory; open it read-only. */
static void
setup(void)
{
    struct wr_options o = {
        .language = "english", .memory = 0, .title_weight = 0, .threads = 1};
    char title[64], body[1024], id[16];
    struct wr *w;
    uint32_t i;
    int rc;

    strcpy(tmp, "/tmp/test_plist.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
    rc = wr_open(tmp, &o, &w);
    cr_assert_eq(rc, SE_OK, "wr_open: %s", se_strerror(rc));
    for (i = 0; i < NDOCS; i++) {
        struct wr_doc d;
        gen_doc(i, title, sizeof title, body, sizeof body);
        snprintf(id, sizeof id, "d%u", i);
        d = (struct wr_doc){id,   strlen(id), title, strlen(title),
                            NULL, 0,          body,  strlen(body)};
        rc = wr_add(w, &d);
        cr_assert_eq(rc, SE_OK, "wr_add %u: %s", i, se_strerror(rc));
    }
    rc = wr_commit(w);
    cr_assert_eq(rc, SE_OK, "wr_commit: %s", se_strerror(rc));
    wr_close(w);
    rc = idx_open(tmp, 0, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
    rc = idx_txn_begin(ix, 0, &txn);
    cr_assert_eq(rc, SE_OK, "txn: %s", se_strerror(rc));
    rc = stem_new("english", &sm);
    cr_assert_eq(rc, SE_OK, "stemmer: %s", se_strerror(rc));
    /* Document i is "d<i>": positions in the lists are document numbers. */
    for (i = 0; i < NDOCS; i += 499) {
        uint32_t doc;
        snprintf(id, sizeof id, "d%u", i);
        rc = doc_lookup(txn, id, strlen(id), &doc);
        cr_assert(rc == SE_OK && doc == i, "%s is doc %u (%s)", id, doc,
                  se_strerror(rc));
    }
}

static void
teardown(void)
{
    stem_free(sm);
    sm = NULL;
    idx_txn_abort(txn);
    txn = NULL;
    idx_close(ix);
    ix = NULL;
    if (tmp[0])
        tu_rm_tree(tmp);
}

/* The list of `term`; a stem's is its own or its one form's (expand.h). */
static struct pl *
open_ok(enum pl_kind kind, const char *term)
{
    struct pl *p = NULL;
    struct exp_stem_list l;
    int rc;

    if (kind == PL_STEMS) {
        rc = exp_stem_list(txn, sm, term, strlen(term), &l);
        cr_assert_eq(rc, SE_OK, "stem %s: %s", term, se_strerror(rc));
        kind = l.kind;
        term = l.term;
    }
    rc = pl_open(txn, kind, term, strlen(term), &p);

    cr_assert_eq(rc, SE_OK, "pl_open %s: %s", term, se_strerror(rc));
    return p;
}

/* The iterator is on expected posting e: doc, tf and positions agree. */
static void
assert_on(struct pl *p, enum pl_kind kind, const struct post *e,
          const char *term)
{
    const uint32_t *pos;
    uint32_t tf, n, k;
    int rc;

    cr_assert_eq(pl_doc(p), e->doc, "%s: on doc %u, expected %u", term,
                 pl_doc(p), e->doc);
    rc = pl_tf(p, &tf);
    cr_assert_eq(rc, SE_OK, "pl_tf: %s", se_strerror(rc));
    cr_assert_eq(tf, e->tf, "%s doc %u: tf %u, expected %u", term, e->doc, tf,
                 e->tf);
    rc = pl_positions(p, &pos, &n);
    if (kind == PL_STEMS && rc == SE_EINVAL)
        return; /* the stem's own list; its one form's has positions */
    cr_assert_eq(rc, SE_OK, "pl_positions: %s", se_strerror(rc));
    cr_assert_eq(n, e->tf, "%s doc %u: %u positions", term, e->doc, n);
    for (k = 0; k < n; k++)
        cr_assert_eq(pos[k], e->pos[k],
                     "%s doc %u: position #%u is %u, "
                     "expected %u",
                     term, e->doc, k, pos[k], e->pos[k]);
}

/* Walk with pl_next() to the end, and a few steps past it. */
static void
assert_walk(enum pl_kind kind, const char *term, const struct list *l)
{
    struct pl *p = open_ok(kind, term);
    uint64_t cf = 0;
    size_t i;

    for (i = 0; i < l->n; i++) {
        int r = pl_next(p);
        cr_assert_eq(r, 1, "%s: pl_next gave %d before doc %u", term, r,
                     l->p[i].doc);
        assert_on(p, kind, &l->p[i], term);
        cf += l->p[i].tf;
    }
    for (i = 0; i < 3; i++)
        cr_assert_eq(pl_next(p), 0, "%s: pl_next past the end", term);
    cr_assert_eq(pl_seek(p, 0), 0, "%s: pl_seek after the end", term);
    cr_assert_eq(pl_stats(p)->df, l->n, "%s: df %u, expected %zu", term,
                 pl_stats(p)->df, l->n);
    cr_assert_eq(pl_stats(p)->cf, cf, "%s: cf %llu, expected %llu", term,
                 (unsigned long long)pl_stats(p)->cf, (unsigned long long)cf);
    pl_close(p);
}

static void
list_free(struct list *l)
{
    free(l->p);
    l->p = NULL;
}

/* Index of the first expected posting with doc >= target, l->n if none. */
static size_t
lower_bound(const struct list *l, uint32_t target)
{
    size_t i = 0;

    while (i < l->n && l->p[i].doc < target)
        i++;
    return i;
}

/* Keys of the blocks of a term: their last documents, in order. */
static size_t
block_lasts(struct idx_txn *t, enum pl_kind kind, const char *term,
            uint32_t *lasts, size_t cap)
{
    unsigned char key[PL_KEY_MAX];
    size_t len = strlen(term), n = 0;
    struct idx_cursor *c;
    int r, rc;

    rc = idx_cursor_open(t, pl_post_table(kind), &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    for (r = idx_cursor_seek(c, key, pl_key(term, len, 0, key)); r == 1;
         r = idx_cursor_next(c)) {
        const void *k, *v;
        size_t klen, vlen;
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        if (klen != len + 5 || memcmp(k, key, len + 1) != 0)
            break;
        cr_assert_lt(n, cap, "too many blocks");
        lasts[n++] = idx_get_be32((const unsigned char *)k + len + 1);
    }
    cr_assert_geq(r, 0, "walk: %s", se_strerror(r));
    idx_cursor_close(c);
    return n;
}

TestSuite(plist, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------- */
/* Walking                                                           */
/* ---------------------------------------------------------------- */

Test(plist, next_walks_every_posting_to_the_end)
{
    static const char *const words[] = {"alpha", "alphabet", "beta", "gamma",
                                        "title", "running",  "run"};
    struct list l, again;
    size_t i;

    alpha_list(&l);
    cr_assert_gt(l.n, 7 * POST_BLOCK_DOCS,
                 "alpha should span 8 blocks, "
                 "has %zu docs",
                 l.n);
    /* The generator's formula and its text agree. */
    word_list("alpha", &again);
    cr_assert_eq(again.n, l.n, "two models of alpha differ in length");
    cr_assert_eq(memcmp(again.p, l.p, l.n * sizeof *l.p), 0,
                 "two models of alpha differ");
    list_free(&again);
    assert_walk(PL_STEMS, "alpha", &l);
    list_free(&l);
    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
        word_list(words[i], &l);
        cr_assert_gt(l.n, 0, "%s is in no document", words[i]);
        assert_walk(PL_FORMS, words[i], &l);
        list_free(&l);
    }
    word_list("gamma", &l);
    cr_assert_eq(l.n, 1, "gamma is in one document");
    assert_walk(PL_STEMS, "gamma", &l);
    list_free(&l);
    run_list(&l);
    assert_walk(PL_STEMS, "run", &l);
    list_free(&l);
}

Test(plist, a_list_stops_before_a_term_sharing_its_prefix)
{
    unsigned char key[PL_KEY_MAX];
    struct idx_cursor *c;
    const void *k, *v;
    size_t klen, vlen;
    uint32_t lasts[64];
    size_t nb;
    struct list l;
    int rc;

    /* The key after alpha's last block is alphabet's first. */
    nb = block_lasts(txn, PL_FORMS, "alpha", lasts, 64);
    rc = idx_cursor_open(txn, IDX_FORMS, &c);
    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    rc = idx_cursor_seek(c, key, pl_key("alpha", 5, lasts[nb - 1], key));
    cr_assert_eq(rc, 1, "seek: %d", rc);
    cr_assert_eq(idx_cursor_next(c), 1, "next");
    rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
    cr_assert_eq(rc, SE_OK, "get: %s", se_strerror(rc));
    cr_assert(klen == 13 && memcmp(k, "alphabet", 9) == 0,
              "alpha's blocks are followed by %.*s", (int)klen - 5,
              (const char *)k);
    idx_cursor_close(c);
    word_list("alpha", &l);
    assert_walk(PL_FORMS, "alpha", &l);
    list_free(&l);
    word_list("alphabet", &l);
    assert_walk(PL_FORMS, "alphabet", &l);
    list_free(&l);
}

Test(plist, absent_terms_are_not_found)
{
    static const char *const absent[] = {"alph", "alphas", "zzz", "Alpha",
                                         "runn"};
    char big[PL_TERM_MAX + 2];
    struct pl *p = (struct pl *)&p;
    struct pl_stats st;
    size_t i;
    int rc;

    for (i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        rc = pl_open(txn, PL_FORMS, absent[i], strlen(absent[i]), &p);
        cr_assert_eq(rc, SE_ENOTFOUND, "%s: %s", absent[i], se_strerror(rc));
        cr_assert_null(p, "*out must be NULL when absent");
        rc = pl_stats_get(txn, PL_STEMS, absent[i], strlen(absent[i]), &st);
        cr_assert_eq(rc, SE_ENOTFOUND, "stats %s: %s", absent[i],
                     se_strerror(rc));
        cr_assert(st.df == 0 && st.cf == 0, "stats cleared");
    }
    rc = pl_open(txn, PL_FORMS, "", 0, &p);
    cr_assert_eq(rc, SE_ENOTFOUND, "empty term: %s", se_strerror(rc));
    memset(big, 'a', sizeof big);
    rc = pl_open(txn, PL_FORMS, big, sizeof big, &p);
    cr_assert_eq(rc, SE_ENOTFOUND, "term over PL_TERM_MAX: %s",
                 se_strerror(rc));
    /* "running" is a form; as a stem it is "run". */
    rc = pl_open(txn, PL_STEMS, "running", 7, &p);
    cr_assert_eq(rc, SE_ENOTFOUND, "running as a stem: %s", se_strerror(rc));
    pl_close(NULL);
}

/* ---------------------------------------------------------------- */
/* Seeking                                                           */
/* ---------------------------------------------------------------- */

Test(plist, seek_from_a_new_iterator_to_every_target)
{
    struct list l;
    uint32_t t;

    alpha_list(&l);
    for (t = 0; t <= NDOCS + 1; t++) {
        struct pl *p = open_ok(PL_FORMS, "alpha");
        size_t i = lower_bound(&l, t);
        int r = pl_seek(p, t);
        if (i == l.n) {
            cr_assert_eq(r, 0, "seek %u past the last doc: %d", t, r);
            cr_assert_eq(pl_next(p), 0, "next after a seek past the end");
        } else {
            cr_assert_eq(r, 1, "seek %u: %d", t, r);
            assert_on(p, PL_FORMS, &l.p[i], "alpha");
            /* And the walk goes on from there. */
            if (i + 1 < l.n) {
                cr_assert_eq(pl_next(p), 1, "next after seek %u", t);
                assert_on(p, PL_FORMS, &l.p[i + 1], "alpha");
            }
        }
        pl_close(p);
    }
    {
        struct pl *p = open_ok(PL_STEMS, "alpha");
        cr_assert_eq(pl_seek(p, UINT32_MAX), 0, "seek UINT32_MAX");
        pl_close(p);
    }
    list_free(&l);
}

Test(plist, seek_across_block_boundaries)
{
    uint32_t lasts[64], targets[64 * 6];
    size_t nb, nt = 0, b, k;
    struct list l;

    alpha_list(&l);
    nb = block_lasts(txn, PL_FORMS, "alpha", lasts, 64);
    cr_assert_eq(nb, (l.n + POST_BLOCK_DOCS - 1) / POST_BLOCK_DOCS,
                 "%zu blocks for %zu documents", nb, l.n);
    for (b = 0; b < nb; b++) {
        /* The last of each block must be the 128th, 256th... document. */
        size_t at = b + 1 < nb ? (b + 1) * POST_BLOCK_DOCS - 1 : l.n - 1;
        cr_assert_eq(lasts[b], l.p[at].doc, "block %zu ends at %u, not %u", b,
                     lasts[b], l.p[at].doc);
        targets[nt++] = lasts[b] - 1;
        targets[nt++] = lasts[b];
        targets[nt++] = lasts[b] + 1; /* not in alpha: i % 3 == 1 gaps */
        targets[nt++] = lasts[b] + 2;
    }
    /* One iterator: seeking from block to block, and seeks to earlier or
     * equal targets, which must not move it back. */
    {
        struct pl *p = open_ok(PL_FORMS, "alpha");
        size_t cur = 0;
        for (k = 0; k < nt; k++) {
            size_t i = lower_bound(&l, targets[k]);
            int r;
            if (i < cur)
                i = cur; /* never back */
            r = pl_seek(p, targets[k]);
            if (i == l.n) {
                cr_assert_eq(r, 0, "seek %u at the end: %d", targets[k], r);
                break;
            }
            cr_assert_eq(r, 1, "seek %u: %d", targets[k], r);
            assert_on(p, PL_FORMS, &l.p[i], "alpha");
            cur = i;
            /* Seeking back or to the same target stays put. */
            r = pl_seek(p, 0);
            cr_assert_eq(r, 1, "seek back to 0: %d", r);
            cr_assert_eq(pl_doc(p), l.p[cur].doc, "seek back moved to %u",
                         pl_doc(p));
            r = pl_seek(p, targets[k]);
            cr_assert(r == 1 && pl_doc(p) == l.p[cur].doc,
                      "seek to the same target moved");
        }
        pl_close(p);
    }
    /* Skipping whole blocks: from block b's first doc straight to block
     * b+2's last. */
    for (b = 0; b + 2 < nb; b++) {
        struct pl *p = open_ok(PL_STEMS, "alpha");
        size_t i = lower_bound(&l, lasts[b + 2]);
        cr_assert_eq(pl_seek(p, b ? lasts[b - 1] + 1 : 0), 1, "first seek");
        cr_assert_eq(pl_seek(p, lasts[b + 2]), 1, "skip two blocks");
        assert_on(p, PL_STEMS, &l.p[i], "alpha");
        if (b + 3 < nb) {
            cr_assert_eq(pl_next(p), 1, "next into block %zu", b + 3);
            assert_on(p, PL_STEMS, &l.p[i + 1], "alpha");
        } else {
            cr_assert_eq(pl_next(p), 0, "next after the last block");
        }
        pl_close(p);
    }
    list_free(&l);
}

Test(plist, random_mixes_of_next_and_seek_agree_with_a_scan)
{
    uint64_t s = 1234567;
    struct list l;
    int round;

    alpha_list(&l);
    for (round = 0; round < 200; round++) {
        struct pl *p = open_ok(round % 2 ? PL_STEMS : PL_FORMS, "alpha");
        enum pl_kind kind = round % 2 ? PL_STEMS : PL_FORMS;
        size_t cur = 0;
        int started = 0;
        for (;;) {
            uint32_t target;
            size_t i;
            int r;
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if (s % 3 == 0) {
                i = started ? cur + 1 : 0;
                r = pl_next(p);
            } else {
                /* Short hops within a block, long ones across several. */
                uint32_t base = started ? l.p[cur].doc : 0;
                target = base + (uint32_t)(s % 4 == 0 ? (s >> 8) % 700
                                                      : (s >> 8) % 12);
                i = lower_bound(&l, target);
                if (started && i < cur)
                    i = cur;
                r = pl_seek(p, target);
            }
            started = 1;
            if (i >= l.n) {
                cr_assert_eq(r, 0, "round %d: expected the end, got %d", round,
                             r);
                break;
            }
            cr_assert_eq(r, 1, "round %d: expected doc %u, got %d", round,
                         l.p[i].doc, r);
            cur = i;
            /* Frequencies and positions only now and then, so that blocks
             * are also left without decoding them. */
            if (s % 5 == 0)
                assert_on(p, kind, &l.p[i], "alpha");
            else
                cr_assert_eq(pl_doc(p), l.p[i].doc,
                             "round %d: doc %u, "
                             "expected %u",
                             round, pl_doc(p), l.p[i].doc);
        }
        pl_close(p);
    }
    list_free(&l);
}

/* ---------------------------------------------------------------- */
/* Dictionary entries and corrupt values                             */
/* ---------------------------------------------------------------- */

/* A write transaction on the test index, aborted by the caller. */
static struct idx_txn *
write_txn(void)
{
    struct idx_txn *w;
    int rc;

    idx_txn_abort(txn);
    txn = NULL;
    rc = idx_txn_begin(ix, 1, &w);
    cr_assert_eq(rc, SE_OK, "write txn: %s", se_strerror(rc));
    return w;
}

Test(plist, short_lists_live_in_the_dictionary)
{
    static const char *const inlined[] = {"beta", "gamma"};
    uint32_t lasts[64], t;
    struct pl_entry e;
    struct list l;
    size_t i;
    int rc;

    /* beta (12 documents) and gamma (one) make one small block each: it is
     * in their dictionary entries, and the postings table has no key of
     * theirs. alpha's eight blocks are in the table. */
    for (i = 0; i < sizeof inlined / sizeof inlined[0]; i++) {
        rc = pl_entry_get(txn, PL_FORMS, inlined[i], strlen(inlined[i]), &e);
        cr_assert_eq(rc, SE_OK, "%s: %s", inlined[i], se_strerror(rc));
        cr_assert(e.block != NULL && e.block_len <= PL_INLINE_MAX,
                  "%s: block %p of %zu bytes", inlined[i],
                  (const void *)e.block, e.block_len);
        cr_assert_eq(block_lasts(txn, PL_FORMS, inlined[i], lasts, 64), 0,
                     "%s has keys in the postings table", inlined[i]);
    }
    rc = pl_entry_get(txn, PL_FORMS, "alpha", 5, &e);
    cr_assert(rc == SE_OK && e.block == NULL, "alpha's entry has a block");
    /* Seeking a list kept in the dictionary, to every target. */
    word_list("beta", &l);
    cr_assert_gt(l.n, 1, "beta in %zu documents", l.n);
    for (t = 0; t <= NDOCS + 1; t++) {
        struct pl *p = open_ok(PL_FORMS, "beta");
        size_t at = lower_bound(&l, t);
        int r = pl_seek(p, t);
        if (at == l.n) {
            cr_assert_eq(r, 0, "seek %u past the last doc: %d", t, r);
            cr_assert_eq(pl_next(p), 0, "next after a seek past the end");
        } else {
            cr_assert_eq(r, 1, "seek %u: %d", t, r);
            assert_on(p, PL_FORMS, &l.p[at], "beta");
            cr_assert_eq(pl_seek(p, t), 1, "a second seek to %u", t);
            assert_on(p, PL_FORMS, &l.p[at], "beta");
            if (at + 1 < l.n) {
                cr_assert_eq(pl_next(p), 1, "next after seek %u", t);
                assert_on(p, PL_FORMS, &l.p[at + 1], "beta");
            } else {
                cr_assert_eq(pl_next(p), 0, "next after the last");
            }
        }
        pl_close(p);
    }
    list_free(&l);
}

/* Keys and values of a table: their bytes, and how many. */
struct table_sum {
    uint64_t bytes, entries;
};

static void
add_entry(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
    struct table_sum *t = arg;

    (void)k;
    (void)v;
    t->bytes += klen + vlen;
    t->entries++;
}

static uint64_t
table_bytes(struct idx_txn *t, enum idx_table table, uint64_t *entries)
{
    struct table_sum sum = {0, 0};

    tu_table_each(t, table, add_entry, &sum);
    *entries = sum.entries;
    return sum.bytes;
}

/*
 * pl_usage() puts every byte of a kind's two tables in exactly one part,
 * counts what the tables hold, and gives positions to forms only.
 */
Test(plist, usage_accounts_for_every_byte_of_both_tables)
{
    static const char *const words[] = {"alpha", "alphabet", "beta", "gamma"};
    enum pl_kind k;
    uint64_t dict_n, post_n, bytes, alpha_docs = 0, parts;
    struct pl_usage u;
    size_t i;
    int rc;

    for (k = PL_STEMS; k <= PL_FORMS; k++) {
        rc = pl_usage(txn, k, &u);
        cr_assert_eq(rc, SE_OK, "pl_usage: %s", se_strerror(rc));
        bytes = table_bytes(txn, pl_dict_table(k), &dict_n) +
                table_bytes(txn, pl_post_table(k), &post_n);
        parts = u.keys + u.stats + u.headers + u.docs + u.tfs + u.positions;
        cr_assert_eq(parts, bytes,
                     "kind %d: parts add up to %llu bytes, the tables hold "
                     "%llu",
                     (int)k, (unsigned long long)parts,
                     (unsigned long long)bytes);
        cr_assert_eq(u.lists, dict_n, "kind %d: %llu lists, %llu entries",
                     (int)k, (unsigned long long)u.lists,
                     (unsigned long long)dict_n);
        cr_assert_eq(u.blocks, post_n, "kind %d: %llu blocks, %llu keys",
                     (int)k, (unsigned long long)u.blocks,
                     (unsigned long long)post_n);
        /* Most stems are served by their one form, whose lists are
         * mostly short and kept in their entries. */
        cr_assert(u.inline_lists < u.lists &&
                      (k == PL_STEMS || u.inline_lists > 0),
                  "kind %d: %llu of %llu lists inline", (int)k,
                  (unsigned long long)u.inline_lists,
                  (unsigned long long)u.lists);
        cr_assert(u.docs > 0 && u.tfs > 0 && u.headers > 0 && u.stats > 0,
                  "kind %d: a part is empty", (int)k);
        if (k == PL_STEMS)
            cr_assert_eq(u.positions, 0, "stems have %llu position bytes",
                         (unsigned long long)u.positions);
        else
            cr_assert_gt(u.positions, u.docs,
                         "forms: %llu position bytes, %llu of doc ids",
                         (unsigned long long)u.positions,
                         (unsigned long long)u.docs);
    }
    /* The forms' postings hold at least the generated words' documents. */
    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
        struct list l;
        word_list(words[i], &l);
        alpha_docs += l.n;
        list_free(&l);
    }
    cr_assert_geq(u.postings, alpha_docs, "forms: %llu postings, want %llu+",
                  (unsigned long long)u.postings,
                  (unsigned long long)alpha_docs);
    cr_assert_geq(u.blocks, 8, "alpha alone has eight blocks: %llu",
                  (unsigned long long)u.blocks);
}

/* A block that does not parse fails the walk, in either table. */
Test(plist, usage_refuses_a_corrupt_block)
{
    struct idx_txn *w = write_txn();
    struct pl_usage u;
    int rc;

    rc = idx_put(w, IDX_FDICT, "gamma", 5, "\x01\x01\xff", 3, 0);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    rc = pl_usage(w, PL_FORMS, &u);
    cr_assert_eq(rc, SE_ECORRUPT, "an entry's block: %s", se_strerror(rc));
    idx_txn_abort(w);
    w = write_txn();
    {
        unsigned char key[PL_KEY_MAX];
        uint32_t lasts[64];
        size_t n = block_lasts(w, PL_FORMS, "alpha", lasts, 64);
        cr_assert_gt(n, 0, "alpha has no blocks");
        rc = idx_put(w, IDX_FORMS, key, pl_key("alpha", 5, lasts[0], key),
                     "\x01", 1, 0);
        cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    }
    rc = pl_usage(w, PL_FORMS, &u);
    cr_assert_eq(rc, SE_ECORRUPT, "a table block: %s", se_strerror(rc));
    idx_txn_abort(w);
}

Test(plist, stats_round_trip_and_delete_at_zero)
{
    struct pl_stats st = {3000000000u, 123456789012345ULL}, got;
    unsigned char big[PL_INLINE_MAX + 1];
    struct idx_txn *w = write_txn();
    struct pl_entry e;
    const void *v;
    size_t n;
    int rc;

    cr_assert_eq(pl_dict_table(PL_STEMS), IDX_SDICT, "stem dictionary");
    cr_assert_eq(pl_dict_table(PL_FORMS), IDX_FDICT, "form dictionary");
    cr_assert_eq(pl_post_table(PL_STEMS), IDX_STEMS, "stem postings");
    cr_assert_eq(pl_post_table(PL_FORMS), IDX_FORMS, "form postings");
    rc = pl_entry_put(w, PL_FORMS, "newterm", 7, &st, NULL, 0);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    rc = pl_stats_get(w, PL_FORMS, "newterm", 7, &got);
    cr_assert_eq(rc, SE_OK, "get: %s", se_strerror(rc));
    cr_assert(got.df == st.df && got.cf == st.cf, "df %u cf %llu", got.df,
              (unsigned long long)got.cf);
    rc = pl_entry_get(w, PL_FORMS, "newterm", 7, &e);
    cr_assert(rc == SE_OK && e.block == NULL && e.block_len == 0,
              "an entry without a block");
    rc = pl_stats_get(w, PL_STEMS, "newterm", 7, &got);
    cr_assert_eq(rc, SE_ENOTFOUND, "kinds are apart: %s", se_strerror(rc));
    /* A block rides along, up to PL_INLINE_MAX bytes, kept lean: the
     * entry's df and cf stand for its counts. */
    {
        static const uint32_t docs[] = {7, 9}, tfs[] = {2, 1};
        static const uint32_t pos[] = {4, 30, 12}, lens[] = {40, 20};
        const struct pl_stats two = {2, 3};
        uint32_t got_docs[2], got_tfs[2], got_pos[3];
        struct buf full = BUF_INIT;
        struct post_view pv;

        cr_assert_eq(post_encode(docs, tfs, lens, pos, 2, &full), SE_OK);
        rc = pl_entry_put(w, PL_FORMS, "newterm", 7, &two, full.data,
                          full.len);
        cr_assert_eq(rc, SE_OK, "put with a block: %s", se_strerror(rc));
        rc = pl_entry_get(w, PL_FORMS, "newterm", 7, &e);
        cr_assert(rc == SE_OK && e.st.df == 2 && e.st.cf == 3 && e.block &&
                      e.block_len < full.len,
                  "the block comes back shorter: %s, %zu bytes of %zu",
                  se_strerror(rc), e.block_len, full.len);
        cr_assert_eq(post_parse(e.block, e.block_len, &pv), SE_ECORRUPT,
                     "a lean block without its entry's counts");
        rc = post_parse_lean(e.block, e.block_len, 2, 3, &pv);
        cr_assert(rc == SE_OK && (pv.flags & POST_F_LEAN) && pv.n == 2 &&
                      pv.min_len == 20 && post_decode_docs(&pv, got_docs) == 0 &&
                      post_decode_tfs(&pv, got_tfs) == 0 &&
                      post_decode_positions(&pv, got_tfs, got_pos) == 0,
                  "the lean block decodes: %s", se_strerror(rc));
        cr_assert(memcmp(got_docs, docs, sizeof docs) == 0 &&
                      memcmp(got_tfs, tfs, sizeof tfs) == 0 &&
                      memcmp(got_pos, pos, sizeof pos) == 0,
                  "the list comes back");
        buf_release(&full);
    }
    memset(big, 0xab, sizeof big);
    rc = pl_entry_put(w, PL_FORMS, "newterm", 7, &st, big, PL_INLINE_MAX);
    cr_assert_eq(rc, SE_EINVAL, "a block that does not parse: %s",
                 se_strerror(rc));
    rc = pl_entry_put(w, PL_FORMS, "newterm", 7, &st, big, sizeof big);
    cr_assert_eq(rc, SE_EINVAL, "a block over PL_INLINE_MAX: %s",
                 se_strerror(rc));
    st.df = 0;
    rc = pl_entry_put(w, PL_FORMS, "newterm", 7, &st, NULL, 0);
    cr_assert_eq(rc, SE_OK, "put df 0: %s", se_strerror(rc));
    rc = idx_get(w, IDX_FDICT, "newterm", 7, &v, &n);
    cr_assert_eq(rc, SE_ENOTFOUND, "df 0 must delete: %s", se_strerror(rc));
    rc = pl_entry_put(w, PL_FORMS, "never-there", 11, &st, NULL, 0);
    cr_assert_eq(rc, SE_OK, "df 0 of an absent term: %s", se_strerror(rc));
    {
        unsigned char key[PL_KEY_MAX];
        size_t klen = pl_key("abc", 3, 0x01020304, key);
        cr_assert(klen == 8 && memcmp(key, "abc\0\x01\x02\x03\x04", 8) == 0,
                  "block key layout");
    }
    idx_txn_abort(w);
}

static void assert_reading_fails(struct idx_txn *w, int by_seek,
                                 const char *what);

Test(plist, corrupt_dictionary_values_are_refused)
{
    static const struct {
        const char *val;
        size_t len;
        const char *what;
    } rows[] = {
        {"", 0, "empty"},
        {"\x05", 1, "no cf"},
        {"\x00\x00", 2, "df 0"},
        {"\x05\x04", 2, "cf < df"},
        {"\x80\x80\x80\x80\x10\x80\x80\x80\x80\x10", 10, "df of 2^32"},
        {"\x05\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11, "cf of 70 bits"},
    };
    struct idx_txn *w = write_txn();
    struct pl_stats st;
    struct pl *p;
    size_t i;
    int rc;

    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rc = idx_put(w, IDX_FDICT, "alpha", 5, rows[i].val, rows[i].len, 0);
        cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
        rc = pl_stats_get(w, PL_FORMS, "alpha", 5, &st);
        cr_assert_eq(rc, SE_ECORRUPT, "%s: %s", rows[i].what, se_strerror(rc));
        p = (struct pl *)&p;
        rc = pl_open(w, PL_FORMS, "alpha", 5, &p);
        cr_assert_eq(rc, SE_ECORRUPT, "pl_open, %s: %s", rows[i].what,
                     se_strerror(rc));
        cr_assert_null(p, "*out must be NULL on failure");
    }
    /* Bytes after cf are a block kept in the entry: one that does not
     * decode fails when read, and more than PL_INLINE_MAX of them are
     * corrupt at once. */
    rc = idx_put(w, IDX_FDICT, "alpha", 5, "\x05\x05\x00", 3, 0);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    rc = pl_stats_get(w, PL_FORMS, "alpha", 5, &st);
    cr_assert_eq(rc, SE_OK, "stats before a block: %s", se_strerror(rc));
    assert_reading_fails(w, 0, "a one-byte block in the entry");
    assert_reading_fails(w, 1, "a one-byte block in the entry");
    {
        unsigned char big[2 + PL_INLINE_MAX + 1];
        memset(big, 0, sizeof big);
        big[0] = big[1] = 5;
        rc = idx_put(w, IDX_FDICT, "alpha", 5, big, sizeof big, 0);
        cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
        rc = pl_stats_get(w, PL_FORMS, "alpha", 5, &st);
        cr_assert_eq(rc, SE_ECORRUPT, "a block over PL_INLINE_MAX: %s",
                     se_strerror(rc));
    }
    idx_txn_abort(w);
}

/*
 * Reading the first document of "alpha" (by pl_next or pl_seek, then its
 * tf and positions) must fail with SE_ECORRUPT at some step.
 */
static void
assert_reading_fails(struct idx_txn *w, int by_seek, const char *what)
{
    const uint32_t *pos;
    uint32_t tf, n;
    struct pl *p;
    int rc;

    rc = pl_open(w, PL_FORMS, "alpha", 5, &p);
    cr_assert_eq(rc, SE_OK, "pl_open: %s", se_strerror(rc));
    rc = by_seek ? pl_seek(p, 1) : pl_next(p);
    if (rc == 1)
        rc = pl_tf(p, &tf);
    if (rc == SE_OK)
        rc = pl_positions(p, &pos, &n);
    cr_assert_eq(rc, SE_ECORRUPT, "%s (%s): reading gave %d", what,
                 by_seek ? "seek" : "next", rc);
    pl_close(p);
}

/* Put `val` as alpha's first block, under the key of `key_last`. */
static void
put_first_block(struct idx_txn *w, uint32_t first_last, const void *val,
                size_t len, uint32_t key_last)
{
    unsigned char key[PL_KEY_MAX];
    int rc;

    rc = idx_del(w, IDX_FORMS, key, pl_key("alpha", 5, first_last, key), NULL,
                 0);
    cr_assert(rc == SE_OK || rc == SE_ENOTFOUND, "del: %s", se_strerror(rc));
    rc = idx_put(w, IDX_FORMS, key, pl_key("alpha", 5, key_last, key), val, len,
                 0);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
}

Test(plist, corrupt_blocks_are_refused)
{
    struct buf good = BUF_INIT, bad = BUF_INIT;
    unsigned char key[PL_KEY_MAX];
    uint32_t lasts[64], docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS];
    struct idx_txn *w = write_txn();
    struct post_view pv;
    const void *v;
    size_t n, cut;
    int rc;

    cr_assert_geq(block_lasts(w, PL_FORMS, "alpha", lasts, 64), 2, "blocks");
    rc = idx_get(w, IDX_FORMS, key, pl_key("alpha", 5, lasts[0], key), &v, &n);
    cr_assert_eq(rc, SE_OK, "get: %s", se_strerror(rc));
    buf_append(&good, v, n);

    /* The key says the block ends later than it does. */
    put_first_block(w, lasts[0], good.data, good.len, lasts[0] + 1);
    assert_reading_fails(w, 0, "key's last doc differs");
    assert_reading_fails(w, 1, "key's last doc differs");
    put_first_block(w, lasts[0] + 1, good.data, good.len, lasts[0]);

    /* A block without positions among word forms. */
    rc = post_parse(good.data, good.len, &pv);
    cr_assert_eq(rc, SE_OK, "parse: %s", se_strerror(rc));
    rc = post_decode_docs(&pv, docs);
    cr_assert_eq(rc, SE_OK, "docs: %s", se_strerror(rc));
    rc = post_decode_tfs(&pv, tfs);
    cr_assert_eq(rc, SE_OK, "tfs: %s", se_strerror(rc));
    rc = post_encode(docs, tfs, NULL, NULL, pv.n, &bad);
    cr_assert_eq(rc, SE_OK, "encode: %s", se_strerror(rc));
    put_first_block(w, lasts[0], bad.data, bad.len, lasts[0]);
    assert_reading_fails(w, 0, "stem block among forms");
    assert_reading_fails(w, 1, "stem block among forms");

    /* Every truncation of the block. */
    for (cut = 0; cut < good.len; cut++) {
        char what[64];
        snprintf(what, sizeof what, "cut at %zu of %zu", cut, good.len);
        put_first_block(w, lasts[0], good.data, cut, lasts[0]);
        assert_reading_fails(w, 0, what);
        assert_reading_fails(w, 1, what);
    }
    /* The intact block reads again. */
    put_first_block(w, lasts[0], good.data, good.len, lasts[0]);
    {
        struct pl *p;
        rc = pl_open(w, PL_FORMS, "alpha", 5, &p);
        cr_assert_eq(rc, SE_OK, "pl_open: %s", se_strerror(rc));
        cr_assert_eq(pl_next(p), 1, "intact block");
        cr_assert_eq(pl_doc(p), docs[0], "first doc");
        pl_close(p);
    }
    idx_txn_abort(w);
    buf_release(&good);
    buf_release(&bad);
}
