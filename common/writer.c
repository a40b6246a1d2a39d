/*
 * writer.c - in-memory inversion under a memory budget, flushed to LMDB.
 *
 * For each batch of documents two hash tables map terms to entries: word
 * forms (folded, unstemmed) and their stems. A form is stemmed once per
 * batch, when first seen. Each entry buffers its postings as varints:
 *   forms: doc gap, then (position gap + 1) for each occurrence, then 0
 *   stems: doc gap, tf
 * where the doc gap is from the entry's previous document in the batch
 * (the first from 0). Positions need no count up front: the 0 closes them.
 *
 * A flush sorts each table's terms, appends their postings to LMDB in key
 * order (posting.h blocks of POST_BLOCK_DOCS, the last partial block of a
 * list merged and rewritten), updates the dictionaries, and commits. With
 * workers, they encode and merge the lists ahead of the inverter's
 * writes ("encoding in chunks" below), and the inverter prepares documents
 * itself rather than wait for them.
 *
 * LMDB gives a transaction's new pages numbers in the order it asks for
 * them, so the order of the puts is the layout of the file. A flush writes
 * one table at a time (records, ids, lengths, forms, their dictionary,
 * stemforms, stems, theirs), and only the stored text is written as the
 * documents come: each table's pages lie together, and a query that reads
 * a few records or entries maps the pages it needs with fewer faults (the
 * kernel maps a fault's neighbours too). On combined, a rare word's median
 * fell about 10%, and a file packed by `mdb_copy -c` did no better.
 *
 * Replacing or deleting a document removes its postings for real: its
 * stored title and body are tokenized again, which gives exactly the terms
 * it was indexed under, and each term's one block holding it is rewritten.
 * Positions of the body start one past the title's (a gap of one), so a
 * phrase never runs from the title into the body.
 */
#include "writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "docstore.h"
#include "error.h"
#include "expand.h"
#include "index.h"
#include "plist.h"
#include "posting.h"
#include "prepare.h"
#include "stemmer.h"
#include "termsort.h"
#include "tokenizer.h"

/* A term's buffered postings: a struct buf in 16 bytes instead of 24. A
 * batch commits after the document that takes one past WR_POST_LIMIT
 * bytes (post_full); one document adds far less than the 3 GB left. */
struct wr_post {
    unsigned char *data;
    uint32_t len, cap;
};

#define WR_POST_LIMIT ((uint32_t)1 << 30)

/*
 * One cache line: the inverter touches every field of a term it meets, and
 * at 80 bytes each term took two lines. The misses on terms are most of
 * consume()'s time; at 64 bytes, one thread indexes Reuters in a median
 * 0.93 s instead of 0.98 s (15 interleaved runs each).
 */
struct wr_term {
    struct wr_post post;
    uint32_t str; /* offset of the term's bytes in the arena */
    uint32_t len;
    uint64_t head;     /* the first 8 bytes, zero-padded: most words fit, */
                       /* and then the arena (a cache miss) is not read */
    uint32_t hash;     /* the low 32 bits of the term's hash */
    uint32_t stem;     /* forms: entry index of the stem */
    uint32_t last_doc; /* last document appended to `post` */
    uint32_t doc_tf;   /* tf in the current document */
    uint32_t title_tf; /* forms: of those, occurrences in the title */
    uint32_t df;       /* documents in this batch */
    uint64_t cf;
};

_Static_assert(sizeof(struct wr_term) == 64, "a term is one cache line");

static void
post_release(struct wr_post *p)
{
    free(p->data);
    memset(p, 0, sizeof *p);
}

static int
post_reserve(struct wr_post *p, size_t extra)
{
    size_t need = (size_t)p->len + extra, cap;
    unsigned char *d;

    if (need <= p->cap)
        return SE_OK;
    if (need > UINT32_MAX)
        return SE_ELIMIT;
    cap = p->cap ? p->cap : 16;
    while (cap < need)
        cap *= 2;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    d = realloc(p->data, cap);
    if (d == NULL)
        return SE_ENOMEM;
    p->data = d;
    p->cap = (uint32_t)cap;
    return SE_OK;
}

static int
post_append(struct wr_post *p, const void *src, size_t n)
{
    int rc = post_reserve(p, n);

    if (rc == SE_OK && n) {
        memcpy(p->data + p->len, src, n);
        p->len += (uint32_t)n;
    }
    return rc;
}

static inline int
post_put_varint(struct wr_post *p, uint32_t v)
{
    if (p->cap - p->len < 5) {
        int rc = post_reserve(p, 5);
        if (rc != SE_OK)
            return rc;
    }
    p->len = (uint32_t)(buf_write_varint(p->data + p->len, v) - p->data);
    return SE_OK;
}

/* A dictionary entry a flush writes after the postings: its term (index in
 * the flushed table), the end of its value in wr.entries, and whether the
 * term is new to the index. */
struct wr_entry {
    uint32_t term;
    uint32_t is_new;
    size_t end;
};

/* Decode and encode buffers of one list, during a flush or a delete: one
 * set per thread that encodes lists. */
struct wr_lists {
    uint32_t *docs, *tfs, *pos, *blens;
    size_t docs_cap, pos_cap;
    struct buf scratch;
    struct buf entry; /* a dictionary value */
};

struct wr_table {
    struct wr_term *terms;
    size_t nterms, cap;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    size_t nslots;   /* power of two */
    struct buf arena;
};

struct wr {
    struct idx *ix;
    struct idx_txn *txn;
    struct doc_meta meta;
    struct stem *stem;
    struct tok *tok;
    struct doc_text *text;
    struct prep *prep;    /* documents prepared inline (no pool) */
    struct prep_doc one;  /* the document prepared inline */
    struct wr_pool *pool; /* worker threads, with --threads > 1 */
    int failed;           /* an error that ended the transaction */
    size_t memory;
    size_t used; /* estimate of the batch's memory */
    /* The pages the batch's flush will change (charge_flush), per table:
     * the pages it has, and the batch's entries that will change one. */
    int plan_stale; /* pages[] not read for this batch yet */
    uint64_t pages[IDX_NTABLES], changed[IDX_NTABLES];
    size_t flush_bytes; /* bytes of changed pages, all tables */
    size_t reserve;     /* map room asked for each transaction (idx_reserve) */
    struct wr_table forms, stems;
    /* Postings to remove at the next flush, per term: (doc, tf) pairs of
     * u32 in `post`; rm_forms' `stem` indexes rm_stems. */
    struct wr_table rm_forms, rm_stems;
    uint32_t batch_first; /* first document id of the batch */
    uint32_t *lens;       /* lengths of the batch's documents */
    size_t nlens, lens_cap;
    /* During a flush, the lengths of the documents before the batch, or
     * NULL when they would take more than 1/WR_OLD_LENS_SHARE of --memory
     * (old_lens_bytes). */
    uint32_t *old_lens;
    /* The batch's document records and external ids, kept to be written at
     * the flush one table after the other (document batch_first + i has
     * record i, ending at rec_end[i] in `recs`, and id entry i): put as the
     * documents come, their pages would lie among the stored text's, and a
     * query reading a few records would touch many more pages. */
    struct buf recs;
    size_t *rec_end;
    struct wr_table batch_ids;
    /* A flush's dictionary entries, written after all its postings for the
     * same reason. */
    struct buf entries;
    struct wr_entry *ents;
    size_t nents, ents_cap;
    uint32_t *touched; /* forms, then stems, seen in the current document */
    size_t ntouched, touched_cap;
    struct buf scratch;
    /* The stored text's dictionary; until the index has one, the first
     * bodies, to train it once DOC_DICT_SAMPLE bytes are in. */
    struct doc_dict *dict;
    int sampling;
    struct buf sample;
    size_t *sample_sizes;
    size_t nsample, sample_cap;
    struct buf retext; /* a body compressed again, with the dictionary */
    struct wr_stats stats;
    struct wr_lists lists; /* the inverter's */
    int post_full;         /* a term's postings passed WR_POST_LIMIT: commit */
};

/* ---------------------------------------------------------------- tables */

static void
table_release(struct wr_table *t)
{
    size_t i;

    for (i = 0; i < t->nterms; i++)
        post_release(&t->terms[i].post);
    free(t->terms);
    free(t->slots);
    buf_release(&t->arena);
    memset(t, 0, sizeof *t);
}

static int
table_grow_slots(struct wr_table *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 4096, i;
    uint32_t *s = calloc(n, sizeof *s);

    if (s == NULL)
        return SE_ENOMEM;
    for (i = 0; i < t->nterms; i++) {
        size_t j = t->terms[i].hash & (n - 1); /* n <= 2^32 */
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = s;
    t->nslots = n;
    return SE_OK;
}

/*
 * Find or add `s`; *idx gets the entry index, *added whether it is new.
 * `mem` grows by what a new entry costs.
 */
/*
 * The slot of `s` (hash h) in a table that has slots: *j is where the
 * probe stopped, holding `s` when the return is 1, empty when it is 0.
 */
static int
table_probe(const struct wr_table *t, const char *s, size_t n, uint64_t h,
            uint64_t head, size_t *j)
{
    size_t k = h & (t->nslots - 1);

    while (t->slots[k]) {
        const struct wr_term *e = &t->terms[t->slots[k] - 1];
        if (e->hash == (uint32_t)h && e->len == n && e->head == head &&
            (n <= 8 || memcmp(t->arena.data + e->str + 8, s + 8, n - 8) == 0))
            break;
        k = (k + 1) & (t->nslots - 1);
    }
    *j = k;
    return t->slots[k] != 0;
}

static uint64_t
term_head(const char *s, size_t n)
{
    uint64_t head = 0;

    memcpy(&head, s, n < 8 ? n : 8);
    return head;
}

/* Find `s`: 1 with *idx its entry index, or 0. */
static int
table_find(const struct wr_table *t, const char *s, size_t n, uint64_t h,
           uint32_t *idx)
{
    size_t j;

    if (t->nslots == 0 || !table_probe(t, s, n, h, term_head(s, n), &j))
        return 0;
    *idx = t->slots[j] - 1;
    return 1;
}

static int
table_intern(struct wr_table *t, const char *s, size_t n, uint64_t h,
             uint32_t *idx, int *added, size_t *mem)
{
    uint64_t head = term_head(s, n);
    size_t j;
    int rc;

    *added = 0;
    if (t->nslots == 0 || (t->nterms + 1) * 2 > t->nslots) {
        rc = table_grow_slots(t);
        if (rc != SE_OK)
            return rc;
    }
    if (table_probe(t, s, n, h, head, &j)) {
        *idx = t->slots[j] - 1;
        return SE_OK;
    }
    if (t->nterms == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        void *e = NULL;
        /* Aligned, so that each term is one cache line. Unlike realloc,
         * which moves a large block by remapping it, this holds both
         * arrays for a moment: about 56 bytes a term past what the
         * charge below counts (Reuters x16: 130,000 terms, 7 MB). */
        if (posix_memalign(&e, 64, cap * sizeof *t->terms) != 0)
            return SE_ENOMEM;
        if (t->nterms)
            memcpy(e, t->terms, t->nterms * sizeof *t->terms);
        free(t->terms);
        t->terms = e;
        t->cap = cap;
    }
    if (t->arena.len > UINT32_MAX - n)
        return SE_ELIMIT;
    struct wr_term *e = &t->terms[t->nterms];
    memset(e, 0, sizeof *e);
    e->str = (uint32_t)t->arena.len;
    e->len = (uint32_t)n;
    e->hash = (uint32_t)h;
    e->head = head;
    e->last_doc = UINT32_MAX;
    rc = buf_append(&t->arena, s, n);
    if (rc != SE_OK)
        return rc;
    t->slots[j] = (uint32_t)t->nterms + 1;
    *idx = (uint32_t)t->nterms++;
    *added = 1;
    *mem += sizeof *e + 2 * sizeof(uint32_t) + n + 64;
    return SE_OK;
}

static const char *
term_str(const struct wr_table *t, const struct wr_term *e)
{
    return (const char *)t->arena.data + e->str;
}

struct wr_pool;
static int pool_new(size_t nworkers, struct wr_pool **out);
static void lists_release(struct wr_lists *L);
static void pool_free(struct wr_pool *p);
static void pool_use_dict(struct wr_pool *p, const struct doc_dict *d);

/* ---------------------------------------------------------------- open */

const char *
wr_language(const struct wr *w)
{
    return w->meta.language;
}

const struct wr_stats *
wr_stats(const struct wr *w)
{
    return &w->stats;
}

/* Compress the stored text with w->dict, here and in the workers. */
static int
use_dict(struct wr *w)
{
    int rc = doc_text_use_dict(w->text, w->dict);

    if (rc == SE_OK)
        rc = prep_use_dict(w->prep, w->dict);
    if (rc == SE_OK && w->pool)
        pool_use_dict(w->pool, w->dict);
    return rc;
}

/*
 * Keep a body for the dictionary's sample; with DOC_DICT_SAMPLE bytes in,
 * train the dictionary, store it and compress with it from then on. Bodies
 * come in document order whatever the threads, so the same documents are
 * sampled and the index is the same. A sample zstd cannot train on leaves
 * the index without a dictionary.
 */
static int
sample_body(struct wr *w, const char *body, size_t len)
{
    int rc;

    if (len == 0)
        return SE_OK;
    if (w->nsample == w->sample_cap) {
        size_t cap = w->sample_cap ? 2 * w->sample_cap : 256;
        size_t *s = realloc(w->sample_sizes, cap * sizeof *s);
        if (s == NULL)
            return SE_ENOMEM;
        w->sample_sizes = s;
        w->sample_cap = cap;
    }
    rc = buf_append(&w->sample, body, len);
    if (rc != SE_OK)
        return rc;
    w->sample_sizes[w->nsample++] = len;
    if (w->sample.len < DOC_DICT_SAMPLE)
        return SE_OK;
    rc = doc_dict_train(w->sample.data, w->sample_sizes, w->nsample, &w->dict);
    if (rc == SE_OK)
        rc = doc_dict_save(w->txn, w->dict);
    if (rc == SE_OK)
        rc = use_dict(w);
    if (rc == SE_EINVAL)
        rc = SE_OK;
    w->sampling = 0;
    buf_release(&w->sample);
    free(w->sample_sizes);
    w->sample_sizes = NULL;
    w->nsample = w->sample_cap = 0;
    return rc;
}

int
wr_open(const char *dir, const struct wr_options *o, struct wr **out)
{
    struct wr *w;
    const char *lang;
    int rc;

    *out = NULL;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return SE_ENOMEM;
    w->memory = o->memory ? o->memory : WR_MEMORY_DEFAULT;
    if (w->memory < WR_MEMORY_MIN)
        w->memory = WR_MEMORY_MIN;
    w->plan_stale = 1;
    rc = idx_open(dir, IDX_CREATE, &w->ix);
    if (rc == SE_OK) {
        /* Between commits: the buffered postings, the stored text and the
         * records of as many documents; four times the budget covers them. */
        w->reserve = 4 * w->memory + ((size_t)64 << 20);
        idx_reserve(w->ix, w->reserve);
        rc = idx_txn_begin(w->ix, 1, &w->txn);
    }
    if (rc != SE_OK)
        goto fail;
    rc = doc_meta_load(w->txn, &w->meta);
    if (rc == SE_ENOTFOUND) {
        /* A new index: its language is fixed now, for good. */
        struct stem *s;
        lang = o->language ? o->language : "english";
        rc = stem_new(lang, &s);
        if (rc != SE_OK)
            goto fail;
        memset(&w->meta, 0, sizeof w->meta);
        w->meta.format = DOC_FORMAT_VERSION;
        snprintf(w->meta.language, sizeof w->meta.language, "%s",
                 stem_language(s));
        w->meta.title_weight = o->title_weight       ? o->title_weight
                               : o->new_title_weight ? o->new_title_weight
                                                     : 1;
        w->stem = s;
        rc = doc_meta_save(w->txn, &w->meta);
    } else if (rc == SE_OK) {
        rc = stem_new(w->meta.language, &w->stem);
        if (rc == SE_OK && o->language) {
            struct stem *asked;
            rc = stem_new(o->language, &asked);
            if (rc == SE_OK &&
                strcmp(stem_language(asked), w->meta.language) != 0)
                rc = SE_ELANG;
            stem_free(asked);
        }
        if (rc == SE_OK && o->title_weight &&
            o->title_weight != w->meta.title_weight)
            rc = SE_EINVAL; /* fixed at creation, like the language */
    }
    if (rc == SE_OK)
        rc = tok_new(&w->tok);
    if (rc == SE_OK)
        rc = doc_text_new(&w->text);
    if (rc == SE_OK)
        rc = prep_new(&w->prep);
    if (rc == SE_OK && o->threads > 1)
        rc = pool_new(o->threads - 1, &w->pool);
    if (rc == SE_OK) {
        rc = doc_dict_load(w->txn, &w->dict);
        if (rc == SE_OK)
            rc = use_dict(w);
        else if (rc == SE_ENOTFOUND) {
            w->sampling = 1; /* none yet: train one on this run's bodies */
            rc = SE_OK;
        }
    }
    if (rc == SE_OK && (w->meta.title_weight < 1 ||
                        w->meta.title_weight > DOC_TITLE_WEIGHT_MAX))
        rc = SE_EINVAL;
    if (rc != SE_OK)
        goto fail;
    w->batch_first = w->meta.next_doc;
    *out = w;
    return SE_OK;
fail:
    wr_close(w);
    return rc;
}

void
wr_close(struct wr *w)
{
    if (w == NULL)
        return;
    pool_free(w->pool); /* queued documents are dropped, not committed */
    prep_free(w->prep);
    doc_text_free(w->text);
    w->text = NULL;
    doc_dict_free(w->dict); /* after everything that compressed with it */
    buf_release(&w->sample);
    free(w->sample_sizes);
    buf_release(&w->retext);
    prep_doc_release(&w->one);
    idx_txn_abort(w->txn);
    idx_close(w->ix);
    stem_free(w->stem);
    tok_free(w->tok);
    table_release(&w->forms);
    table_release(&w->stems);
    table_release(&w->rm_forms);
    table_release(&w->rm_stems);
    table_release(&w->batch_ids);
    buf_release(&w->recs);
    free(w->rec_end);
    buf_release(&w->entries);
    free(w->ents);
    free(w->lens);
    free(w->touched);
    lists_release(&w->lists);
    free(w);
}

/* ---------------------------------------------------------------- adding */

static int
push_touched(struct wr *w, uint32_t idx)
{
    if (w->ntouched == w->touched_cap) {
        size_t cap = w->touched_cap ? w->touched_cap * 2 : 256;
        uint32_t *t = realloc(w->touched, cap * sizeof *t);
        if (t == NULL)
            return SE_ENOMEM;
        w->touched = t;
        w->touched_cap = cap;
    }
    w->touched[w->ntouched++] = idx;
    return SE_OK;
}

/*
 * Flushing a batch changes the dictionary entry of each of its terms and
 * the last block of each whose list is in the postings table, and LMDB
 * holds every page it changes as a copy in memory until the commit. Those
 * pages are counted in the budget as terms join the batch, so that buffers
 * and flush stay within --memory together: a page for each changed entry
 * (with new blocks inserted beside it, a leaf of its own is about what
 * one costs, measured on Reuters x16), until every page of the table is
 * counted.
 */
#define WR_PAGE_BYTES 4096

static int
touch_table(struct wr *w, enum idx_table t)
{
    if (w->plan_stale) {
        static const enum idx_table planned[] = {IDX_SDICT, IDX_STEMS,
                                                 IDX_FDICT, IDX_FORMS};
        size_t i;
        for (i = 0; i < sizeof planned / sizeof *planned; i++) {
            uint64_t entries, bytes;
            int rc = idx_table_usage(w->txn, planned[i], &entries, &bytes);
            if (rc != SE_OK)
                return rc;
            w->pages[planned[i]] = bytes / WR_PAGE_BYTES;
            w->changed[planned[i]] = 0;
        }
        w->flush_bytes = 0;
        w->plan_stale = 0;
    }
    if (w->changed[t] < w->pages[t]) {
        w->changed[t]++;
        w->flush_bytes += WR_PAGE_BYTES;
    }
    return SE_OK;
}

static int
charge_flush(struct wr *w, enum pl_kind kind, const char *term, size_t len)
{
    struct pl_entry e;
    int rc = pl_entry_get(w->txn, kind, term, len, &e);

    if (rc == SE_ENOTFOUND)
        return SE_OK;
    if (rc == SE_OK)
        rc = touch_table(w, pl_dict_table(kind));
    if (rc == SE_OK && e.block == NULL)
        rc = touch_table(w, pl_post_table(kind));
    return rc;
}

/*
 * Whether the batch has spent its budget. The pages its flush will change
 * count up to half of it: the other half is always left to postings, as a
 * budget smaller than what flushing this index takes would otherwise make
 * batches of a few documents, each rewriting the same pages (6,000
 * Reuters documents onto 2,500 with --memory 3: 1,294 commits and 30 s,
 * against 1.8 s). Such a budget is then overrun by what the flush takes
 * beyond its half.
 */
static size_t old_lens_bytes(const struct wr *w);

static int
batch_full(const struct wr *w)
{
    size_t flush = w->flush_bytes + old_lens_bytes(w);

    if (flush > w->memory / 2)
        flush = w->memory / 2;
    return w->used + flush >= w->memory || w->post_full;
}

/*
 * Ask for the cache lines the inversion of `d` will touch before it touches
 * them: the tables are far larger than the cache and each form costs a few
 * dependent misses (slot, term, the end of its postings, its stem's term).
 * Prefetched a level at a time over all the document's forms, the misses of
 * different forms overlap instead of following one another.
 */
static void
prefetch_forms(const struct wr *w, const struct prep_doc *d)
{
    const struct wr_table *t = &w->forms;
    size_t i, mask = t->nslots - 1;

    if (t->nslots == 0)
        return;
    for (i = 0; i < d->nforms; i++)
        __builtin_prefetch(&t->slots[d->forms[i].hash & mask]);
    for (i = 0; i < d->nforms; i++) {
        uint32_t s = t->slots[d->forms[i].hash & mask];
        if (s)
            __builtin_prefetch(&t->terms[s - 1]);
    }
    for (i = 0; i < d->nforms; i++) {
        uint32_t s = t->slots[d->forms[i].hash & mask];
        if (s && t->terms[s - 1].hash == (uint32_t)d->forms[i].hash) {
            const struct wr_term *f = &t->terms[s - 1];
            __builtin_prefetch(f->post.data + f->post.len, 1);
            __builtin_prefetch(&w->stems.terms[f->stem], 1);
        }
    }
}

/* Add the forms of prepared document `d` as document `doc`. */
static int
invert_forms(struct wr *w, uint32_t doc, const struct prep_doc *d)
{
    size_t i;
    int rc, added;

    prefetch_forms(w, d);

    for (i = 0; i < d->nforms; i++) {
        const struct prep_form *pf = &d->forms[i];
        const char *text = (const char *)d->arena.data + pf->off;
        struct wr_term *f;
        size_t before;
        uint32_t fi, gap;
        rc = table_intern(&w->forms, text, pf->len, pf->hash, &fi, &added,
                          &w->used);
        if (rc == SE_OK && added)
            rc = charge_flush(w, PL_FORMS, text, pf->len);
        if (rc != SE_OK)
            return rc;
        if (added) {
            const char *s;
            size_t slen;
            uint32_t si;
            int sadded = 0;
            rc = stem_word(w->stem, text, pf->len, &s, &slen);
            if (rc == SE_OK)
                rc = table_intern(&w->stems, s, slen, prep_hash(s, slen), &si,
                                  &sadded, &w->used);
            if (rc == SE_OK && sadded)
                rc = charge_flush(w, PL_STEMS, s, slen);
            if (rc != SE_OK)
                return rc;
            w->forms.terms[fi].stem = si;
        }
        f = &w->forms.terms[fi];
        before = f->post.cap;
        gap = f->df ? doc - f->last_doc : doc - w->batch_first;
        rc = push_touched(w, fi);
        if (rc == SE_OK)
            rc = post_put_varint(&f->post, gap);
        if (rc == SE_OK)
            rc = post_append(&f->post, d->pos.data + pf->pos_off, pf->pos_len);
        if (rc != SE_OK)
            return rc;
        f->last_doc = doc;
        f->df++;
        f->doc_tf = pf->tf;
        f->title_tf = pf->title_tf;
        f->cf += pf->tf;
        w->used += f->post.cap - before;
        w->post_full |= f->post.len > WR_POST_LIMIT;
    }
    return SE_OK;
}

/* Close the document's form postings and add its stem postings. */
static int
end_document(struct wr *w, uint32_t doc)
{
    size_t nforms = w->ntouched, i;
    int rc;

    for (i = 0; i < nforms; i++) {
        struct wr_term *f = &w->forms.terms[w->touched[i]];
        struct wr_term *s = &w->stems.terms[f->stem];
        size_t before = f->post.cap;
        rc = post_put_varint(&f->post, 0);
        if (rc != SE_OK)
            return rc;
        w->used += f->post.cap - before; /* the 0 may grow the buffer */
        if (s->doc_tf == 0) {
            rc = push_touched(w, f->stem);
            if (rc != SE_OK)
                return rc;
        }
        /* A title weight w counts each title occurrence w times. */
        s->doc_tf += f->doc_tf + (w->meta.title_weight - 1) * f->title_tf;
    }
    for (i = nforms; i < w->ntouched; i++) {
        struct wr_term *s = &w->stems.terms[w->touched[i]];
        size_t before = s->post.cap;
        uint32_t gap = s->df ? doc - s->last_doc : doc - w->batch_first;
        rc = post_put_varint(&s->post, gap);
        if (rc == SE_OK)
            rc = post_put_varint(&s->post, s->doc_tf);
        if (rc != SE_OK)
            return rc;
        s->last_doc = doc;
        s->df++;
        s->cf += s->doc_tf;
        s->doc_tf = 0;
        w->used += s->post.cap - before + 1;
        w->post_full |= s->post.len > WR_POST_LIMIT;
    }
    w->ntouched = 0;
    return SE_OK;
}

/* ---------------------------------------------------------------- lists */

static void
lists_release(struct wr_lists *L)
{
    free(L->docs);
    free(L->tfs);
    free(L->pos);
    free(L->blens);
    buf_release(&L->scratch);
    buf_release(&L->entry);
    memset(L, 0, sizeof *L);
}

/* Make room for `ndocs` documents and `npos` positions in the list arrays. */
static int
list_reserve(struct wr_lists *L, size_t ndocs, size_t npos)
{
    if (ndocs > L->docs_cap) {
        size_t cap = L->docs_cap ? L->docs_cap : 1024;
        uint32_t *d, *t, *l;
        while (cap < ndocs)
            cap *= 2;
        d = realloc(L->docs, cap * sizeof *d);
        if (d)
            L->docs = d;
        t = realloc(L->tfs, cap * sizeof *t);
        if (t)
            L->tfs = t;
        l = realloc(L->blens, cap * sizeof *l);
        if (l)
            L->blens = l;
        if (!d || !t || !l)
            return SE_ENOMEM;
        L->docs_cap = cap;
    }
    if (npos > L->pos_cap) {
        size_t cap = L->pos_cap ? L->pos_cap : 4096;
        uint32_t *p;
        while (cap < npos)
            cap *= 2;
        p = realloc(L->pos, cap * sizeof *p);
        if (p == NULL)
            return SE_ENOMEM;
        L->pos = p;
        L->pos_cap = cap;
    }
    return SE_OK;
}

/*
 * Decode the stored block in [val, vlen) and append it to the list arrays
 * at *ndocs / *npos; `entry` the statistics of the dictionary entry that
 * holds it, or NULL for a block of the postings table.
 */
static int
list_add_block(struct wr_lists *L, const void *val, size_t vlen,
               const struct pl_stats *entry, size_t *ndocs, size_t *npos)
{
    struct post_view v;
    int rc = entry ? post_parse_lean(val, vlen, entry->df, entry->cf, &v)
                   : post_parse(val, vlen, &v);

    if (rc == SE_OK)
        rc = list_reserve(L, *ndocs + v.n, *npos + v.pos_count);
    if (rc == SE_OK)
        rc = post_decode_docs(&v, L->docs + *ndocs);
    if (rc == SE_OK)
        rc = post_decode_tfs(&v, L->tfs + *ndocs);
    if (rc == SE_OK && (v.flags & POST_F_POSITIONS))
        rc = post_decode_positions(&v, L->tfs + *ndocs, L->pos + *npos);
    if (rc != SE_OK)
        return rc;
    *ndocs += v.n;
    *npos += v.pos_count;
    return SE_OK;
}

/* Decode a batch entry's buffered postings onto the list arrays; the
 * batch starts at document `first`. */
static int
list_add_batch(struct wr_lists *L, const struct wr_term *e, int forms,
               uint32_t first, size_t *ndocs, size_t *npos)
{
    const unsigned char *p = e->post.data, *end = p + e->post.len;
    uint32_t doc = first, v;
    int rc, at_first = 1;

    rc = list_reserve(L, *ndocs + e->df, *npos + (forms ? e->cf : 0));
    if (rc != SE_OK)
        return rc;
    while (p < end) {
        rc = buf_get_varint(&p, end, &v);
        if (rc != SE_OK)
            return rc;
        doc = at_first ? first + v : doc + v;
        at_first = 0;
        L->docs[*ndocs] = doc;
        if (forms) {
            uint32_t tf = 0, pos = 0;
            for (;;) {
                rc = buf_get_varint(&p, end, &v);
                if (rc != SE_OK)
                    return rc;
                if (v == 0)
                    break;
                pos = tf ? pos + v - 1 : v - 1;
                L->pos[(*npos)++] = pos;
                tf++;
            }
            L->tfs[*ndocs] = tf;
        } else {
            rc = buf_get_varint(&p, end, &L->tfs[*ndocs]);
            if (rc != SE_OK)
                return rc;
        }
        (*ndocs)++;
    }
    return SE_OK;
}

/* Length of `doc`: from the batch when it is in it, else from LMDB. */
static int
doc_length(struct wr *w, uint32_t doc, uint32_t *len)
{
    struct doc_lens dl;

    if (doc >= w->batch_first && doc - w->batch_first < w->nlens) {
        *len = w->lens[doc - w->batch_first];
        return SE_OK;
    }
    if (w->old_lens && doc < w->batch_first) {
        *len = w->old_lens[doc];
        return SE_OK;
    }
    doc_lens_init(&dl, w->txn); /* fresh: a put may have moved the pages */
    return doc_lens_get(&dl, doc, len);
}

/* The lengths of the list arrays' documents [0, ndocs), into blens. */
static int
list_lengths(struct wr *w, size_t ndocs)
{
    size_t k;

    for (k = 0; k < ndocs; k++) {
        int rc = doc_length(w, w->lists.docs[k], &w->lists.blens[k]);
        if (rc != SE_OK)
            return rc;
    }
    return SE_OK;
}

/* Write the list arrays [0, ndocs) of `term` as blocks. */
static int
list_write(struct wr *w, enum pl_kind kind, const char *term, size_t len,
           size_t ndocs, int flags)
{
    unsigned char key[PL_KEY_MAX];
    size_t i = 0, pos_at = 0, k;
    int rc = list_lengths(w, ndocs);

    if (rc != SE_OK)
        return rc;
    while (i < ndocs) {
        size_t n = ndocs - i < POST_BLOCK_DOCS ? ndocs - i : POST_BLOCK_DOCS;
        size_t npos = 0;
        if (kind == PL_FORMS)
            for (k = i; k < i + n; k++)
                npos += w->lists.tfs[k];
        buf_clear(&w->lists.scratch);
        rc =
            post_encode(w->lists.docs + i, w->lists.tfs + i, w->lists.blens + i,
                        kind == PL_FORMS ? w->lists.pos + pos_at : NULL,
                        (uint32_t)n, &w->lists.scratch);
        if (rc != SE_OK)
            return rc;
        rc = idx_put(w->txn, pl_post_table(kind), key,
                     pl_key(term, len, w->lists.docs[i + n - 1], key),
                     w->lists.scratch.data, w->lists.scratch.len, flags);
        if (rc != SE_OK)
            return rc;
        i += n;
        pos_at += npos;
    }
    return SE_OK;
}

/* Keep the entry whose value ends w->entries for the flush to write. */
static int
keep_entry(struct wr *w, struct wr_entry *en)
{
    if (w->nents == w->ents_cap) {
        size_t cap = w->ents_cap ? w->ents_cap * 2 : 1024;
        struct wr_entry *e = realloc(w->ents, cap * sizeof *e);
        if (e == NULL)
            return SE_ENOMEM;
        w->ents = e;
        w->ents_cap = cap;
    }
    en->end = w->entries.len;
    w->ents[w->nents++] = *en;
    return SE_OK;
}

/*
 * Store the list arrays [0, ndocs) of `term`, a list that was kept in its
 * dictionary entry, with its statistics `st`: in the entry again when they
 * make one small block, else as one block in the postings table. The flush
 * encodes lists in chunks (encode_term()); this is for a delete's rewrite.
 */
static int
list_store_inline(struct wr *w, enum pl_kind kind, const char *term, size_t len,
                  size_t ndocs, const struct pl_stats *st)
{
    unsigned char key[PL_KEY_MAX];
    int rc;

    if (ndocs > POST_BLOCK_DOCS)
        return SE_ECORRUPT; /* an entry's list is one block */
    rc = list_lengths(w, ndocs);
    if (rc != SE_OK)
        return rc;
    buf_clear(&w->lists.scratch);
    rc = post_encode(w->lists.docs, w->lists.tfs, w->lists.blens,
                     kind == PL_FORMS ? w->lists.pos : NULL, (uint32_t)ndocs,
                     &w->lists.scratch);
    if (rc != SE_OK)
        return rc;
    if (w->lists.scratch.len <= PL_INLINE_MAX)
        return pl_entry_put(w->txn, kind, term, len, st, w->lists.scratch.data,
                            w->lists.scratch.len);
    /* Too long for the entry: the one block goes to the table as is. */
    rc = idx_put(w->txn, pl_post_table(kind), key,
                 pl_key(term, len, w->lists.docs[ndocs - 1], key),
                 w->lists.scratch.data, w->lists.scratch.len, 0);
    return rc == SE_OK ? pl_entry_put(w->txn, kind, term, len, st, NULL, 0)
                       : rc;
}

/* ---------------------------------------------------------------- flush */

/* The table's entries in term order (caller frees); NULL: no memory. */
static struct ts_term *
sorted_terms(const struct wr_table *t)
{
    struct ts_term *order = malloc((t->nterms ? t->nterms : 1) * sizeof *order);
    size_t i;

    if (order == NULL)
        return NULL;
    for (i = 0; i < t->nterms; i++)
        ts_set(&order[i], t->arena.data + t->terms[i].str, t->terms[i].len,
               (uint32_t)i);
    ts_sort(order, t->nterms);
    return order;
}

/* ------------------------------------------------------------ stemforms */

/*
 * IDX_STEMFORMS lists the forms of each stem, except that a stem whose one
 * form is itself has no entry: three stems in four on Reuters-21578, and a
 * reader finding no entry takes the stem as its form (expand.h). Indexes
 * written before (format 2 and older) list those too, which reads the
 * same. A form known to the index is listed already; only new forms, and
 * forms leaving, change the table.
 */

static int
same_term(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* Whether the stem is a live form whose own stem it is. */
static int
stem_is_own_form(struct wr *w, const char *stem, size_t slen, int *yes)
{
    struct pl_stats st;
    const char *s;
    size_t n;
    int rc = pl_stats_get(w->txn, PL_FORMS, stem, slen, &st);

    *yes = 0;
    if (rc == SE_ENOTFOUND)
        return SE_OK;
    if (rc == SE_OK)
        rc = stem_word(w->stem, stem, slen, &s, &n);
    if (rc == SE_OK)
        *yes = same_term(s, n, stem, slen);
    return rc;
}

/* A form new to the index joins its stem's forms. */
static int
stemforms_add(struct wr *w, const char *stem, size_t slen, const char *form,
              size_t flen)
{
    const void *v;
    size_t n;
    int rc, own;

    if (same_term(stem, slen, form, flen)) {
        /* Listed only beside other forms. */
        rc = idx_get(w->txn, IDX_STEMFORMS, stem, slen, &v, &n);
        if (rc != SE_OK)
            return rc == SE_ENOTFOUND ? SE_OK : rc;
    } else {
        rc = idx_put(w->txn, IDX_STEMFORMS, stem, slen, form, flen,
                     IDX_NODUPDATA);
        /* The stem's own form, implicit while alone, is listed now. */
        if (rc == SE_OK)
            rc = stem_is_own_form(w, stem, slen, &own);
        if (rc != SE_OK || !own)
            return rc;
    }
    return idx_put(w->txn, IDX_STEMFORMS, stem, slen, stem, slen,
                   IDX_NODUPDATA);
}

/* A form no document has any more leaves its stem's forms. */
static int
stemforms_remove(struct wr *w, const char *stem, size_t slen, const char *form,
                 size_t flen)
{
    struct idx_cursor *c;
    const void *k, *v;
    size_t klen, vlen;
    int rc, r;

    rc = idx_del(w->txn, IDX_STEMFORMS, stem, slen, form, flen);
    if (rc == SE_ENOTFOUND)
        rc = SE_OK; /* the stem's own form, not listed */
    if (rc != SE_OK || same_term(stem, slen, form, flen))
        return rc;
    /* Left with only its own form, the stem lists nothing. */
    rc = idx_cursor_open(w->txn, IDX_STEMFORMS, &c);
    if (rc != SE_OK)
        return rc;
    r = idx_cursor_seek(c, stem, slen);
    rc = r < 0 ? r : SE_OK;
    if (r == 1)
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
    if (r == 1 && rc == SE_OK && same_term(k, klen, stem, slen) &&
        same_term(v, vlen, stem, slen)) {
        r = idx_cursor_next(c);
        rc = r < 0 ? r : SE_OK;
        if (r == 1)
            rc = idx_cursor_get(c, &k, &klen, NULL, NULL);
        if (rc == SE_OK && (r == 0 || !same_term(k, klen, stem, slen))) {
            idx_cursor_close(c);
            return idx_del(w->txn, IDX_STEMFORMS, stem, slen, stem, slen);
        }
    }
    idx_cursor_close(c);
    return rc;
}

/* A (stem, form) pair of stemforms. */
struct wr_pair {
    const char *stem, *form;
    uint32_t slen, flen;
};

/*
 * The pairs of an index that had no forms before this flush: every form is
 * in the batch, so a stem's forms are listed exactly when it has more than
 * one or its one form is not itself, with no lookups, and they come
 * sorted, for LMDB's append (a first flush of combined: 0.12 s with a
 * lookup a pair, 0.05 s so, list_new_forms() whole, 5 runs).
 */
static int
list_first_forms(struct wr *w, const struct wr_pair *p, size_t n)
{
    struct idx_cursor *c;
    size_t i = 0, j, k;
    int rc = idx_cursor_open(w->txn, IDX_STEMFORMS, &c);

    while (rc == SE_OK && i < n) {
        for (j = i + 1;
             j < n && same_term(p[j].stem, p[j].slen, p[i].stem, p[i].slen);
             j++)
            ;
        if (j - i > 1 || !same_term(p[i].stem, p[i].slen, p[i].form, p[i].flen))
            for (k = i; rc == SE_OK && k < j; k++)
                rc = idx_cursor_put(c, p[k].stem, p[k].slen, p[k].form,
                                    p[k].flen, IDX_APPEND);
        i = j;
    }
    idx_cursor_close(c);
    return rc;
}

/*
 * List the flush's forms new to the index under their stems, in stem
 * order: put in form order, they would land all over the table and leave
 * its pages half full. The entries come in form order, so placing each
 * form after the forms of the stems before its own, in the stems' sorted
 * order, gives (stem, form) order without comparing a byte.
 * `first`: the index had no forms before the flush.
 */
static int
list_new_forms(struct wr *w, const struct ts_term *stem_order, int first)
{
    struct wr_pair *p = malloc((w->nents ? w->nents : 1) * sizeof *p);
    uint32_t *at = calloc(w->stems.nterms ? w->stems.nterms : 1, sizeof *at);
    uint64_t listed = 1;
    size_t i, n = 0;
    uint32_t sum = 0, c;
    int rc = SE_OK;

    if (p == NULL || at == NULL) {
        free(p);
        free(at);
        return SE_ENOMEM;
    }
    for (i = 0; i < w->nents; i++)
        if (w->ents[i].is_new)
            at[w->forms.terms[w->ents[i].term].stem]++;
    for (i = 0; i < w->stems.nterms; i++) {
        c = at[stem_order[i].idx];
        at[stem_order[i].idx] = sum;
        sum += c;
    }
    for (i = 0; i < w->nents; i++) {
        const struct wr_term *e = &w->forms.terms[w->ents[i].term];
        const struct wr_term *s = &w->stems.terms[e->stem];
        struct wr_pair *q;
        if (!w->ents[i].is_new)
            continue;
        q = &p[at[e->stem]++];
        q->stem = term_str(&w->stems, s);
        q->slen = s->len;
        q->form = term_str(&w->forms, e);
        q->flen = e->len;
        n++;
    }
    free(at);
    if (first)
        rc = idx_count(w->txn, IDX_STEMFORMS, &listed);
    if (rc == SE_OK && first && listed == 0)
        rc = list_first_forms(w, p, n);
    else
        for (i = 0; rc == SE_OK && i < n; i++)
            rc = stemforms_add(w, p[i].stem, p[i].slen, p[i].form, p[i].flen);
    free(p);
    return rc;
}

/*
 * Write the batch's dictionary entries kept by write_chunk(), in term
 * order; then list the forms new to the index under their stems (which
 * looks the stem up among the forms: all of them are written by then).
 */
static int
write_entries(struct wr *w, enum pl_kind kind, const struct ts_term *stem_order,
              int dict_flags)
{
    const struct wr_table *t = kind == PL_FORMS ? &w->forms : &w->stems;
    struct idx_cursor *c;
    size_t i, at = 0;
    int rc = idx_cursor_open(w->txn, pl_dict_table(kind), &c);

    for (i = 0; rc == SE_OK && i < w->nents; i++) {
        const struct wr_entry *en = &w->ents[i];
        const struct wr_term *e = &t->terms[en->term];
        rc = idx_cursor_put(c, term_str(t, e), e->len, w->entries.data + at,
                            en->end - at, dict_flags);
        at = en->end;
    }
    idx_cursor_close(c);
    if (rc == SE_OK && kind == PL_FORMS)
        rc = list_new_forms(w, stem_order, (dict_flags & IDX_APPEND) != 0);
    w->nents = 0;
    buf_release(&w->entries);
    return rc;
}

/* -------------------------------------------------- encoding in chunks */

/*
 * A flush encodes its terms' lists apart from writing them: the sorted
 * terms are cut into chunks, which the pool's workers and the inverter
 * encode ahead of the one the inverter writes, in term order. A new term's
 * list needs only the batch. For a term the index has, the inverter first
 * reads what the merge rewrites (read_chunk(): only its thread may use the
 * transaction), up to CHUNK_AHEAD chunks ahead, and deletes the old partial
 * block when it writes the new ones; a table with no terms before has
 * nothing to read, and all its chunks are offered at once. The workers
 * start on the forms while the inverter writes the batch's records, and on
 * the stems while it writes the forms' entries (flush()). With one thread
 * the inverter encodes each chunk just before writing it. The bytes written
 * are the same either way (Reuters x16's second and third flushes merge
 * nearly every term).
 */
#define CHUNK_TERMS 1024
#define CHUNK_BYTES ((size_t)256 << 10) /* of buffered postings */
#define CHUNK_AHEAD 8
/* How many terms ahead encode_chunk() fetches postings. */
#define ENCODE_PREFETCH 4

/* What a flush knows of a sorted term before writing it. */
enum { TERM_KNOWN, TERM_NEW, TERM_SKIPPED };

struct wr_chunk {
    size_t from, to; /* a run of the sorted terms */
    int state;       /* 0 waiting, 1 taken, 2 encoded */
    int rc;
    struct buf in; /* what the inverter read for its known terms */
    /* For each term: varint block count; per block its last document (4
     * bytes, host order), varint length and bytes; then varint length and
     * bytes of its dictionary value. */
    struct buf out;
};

struct wr_encode {
    struct wr_term *terms; /* encoders release the postings they encode */
    enum pl_kind kind;
    const struct ts_term *order;
    unsigned char *what; /* TERM_* per sorted term; read_chunk() sets */
                         /* TERM_KNOWN before the chunk is encoded */
    int dict_empty;      /* the table had no terms: none is known */
    uint32_t *one_form;  /* stems: batch_forms() */
    uint32_t batch_first;
    const uint32_t *lens;
    size_t nlens;
    struct wr_chunk *chunks;
    size_t nchunks;
    size_t next;  /* the next chunk to take; under the pool's lock */
    size_t limit; /* chunks before it may be taken */
    size_t ready; /* chunks before it have their known terms read */
};

static int
put_block(struct buf *out, uint32_t last, const struct buf *block)
{
    int rc = buf_append(out, &last, sizeof last);

    if (rc == SE_OK)
        rc = buf_put_varint(out, (uint32_t)block->len);
    if (rc == SE_OK)
        rc = buf_append(out, block->data, block->len);
    return rc;
}

/*
 * What a flush's inverter read for a term the index has, for an encoder to
 * merge: in a chunk's `in`, per known term in order, a struct known_head,
 * then the old block's bytes and its documents' lengths (u32 each).
 */
enum { OLD_NONE, OLD_INLINE, OLD_PARTIAL, OLD_RAW };
struct known_head {
    struct pl_stats st; /* the entry's statistics */
    uint32_t old;       /* OLD_*: a list in the entry, a partial last */
                        /* block to rewrite, neither, or (doc, tf) */
                        /* pairs a stem takes over from its form */
    uint32_t old_last;  /* OLD_PARTIAL: its last document (its key) */
    uint32_t block_len;
    uint32_t ndocs; /* the old block's documents */
};

/*
 * Encode a term's list onto `out`: the old block at `old` (NULL: none; its
 * documents' lengths at `old_lens`) followed by the batch's postings, with
 * statistics st0 plus the batch's; in the dictionary entry when
 * `may_inline` and it makes one small block, else as blocks.
 */
static int
encode_term(const struct wr_encode *en, struct wr_term *e, struct wr_lists *L,
            const struct pl_stats *st0, int old_kind, const unsigned char *old,
            size_t old_len, const unsigned char *old_lens, int may_inline,
            struct buf *out)
{
    struct pl_stats st = *st0;
    const uint32_t *pos;
    size_t ndocs = 0, npos = 0, nold, i, k;
    int rc = SE_OK;

    if (old_kind == OLD_RAW) {
        ndocs = old_len / 8;
        rc = list_reserve(L, ndocs, 0);
        for (k = 0; rc == SE_OK && k < ndocs; k++) {
            memcpy(&L->docs[k], old + 8 * k, 4);
            memcpy(&L->tfs[k], old + 8 * k + 4, 4);
        }
    } else if (old) { /* with may_inline, the list was in the entry */
        rc = list_add_block(L, old, old_len, may_inline ? st0 : NULL, &ndocs,
                            &npos);
    }
    nold = ndocs;
    if (rc == SE_OK)
        rc = list_add_batch(L, e, en->kind == PL_FORMS, en->batch_first, &ndocs,
                            &npos);
    if (rc != SE_OK)
        return rc;
    pos = en->kind == PL_FORMS ? L->pos : NULL; /* as grown above */
    for (k = 0; k < nold; k++)
        memcpy(&L->blens[k], old_lens + 4 * k, 4);
    for (k = nold; k < ndocs; k++) {
        uint32_t d = L->docs[k] - en->batch_first;
        if (L->docs[k] < en->batch_first || d >= en->nlens)
            return SE_ECORRUPT; /* the batch's postings are its documents' */
        L->blens[k] = en->lens[d];
    }
    st.df += e->df;
    st.cf += e->cf;
    if (may_inline && ndocs <= POST_BLOCK_DOCS) {
        buf_clear(&L->scratch);
        rc = post_encode(L->docs, L->tfs, L->blens, pos, (uint32_t)ndocs,
                         &L->scratch);
        if (rc != SE_OK)
            return rc;
        buf_clear(&L->entry);
        if (L->scratch.len <= PL_INLINE_MAX) {
            rc = buf_put_varint(out, 0);
            if (rc == SE_OK)
                rc = pl_entry_encode(&st, L->scratch.data, L->scratch.len,
                                     &L->entry);
        } else {
            /* Too long for the entry: the one block goes to the table. */
            rc = buf_put_varint(out, 1);
            if (rc == SE_OK)
                rc = put_block(out, L->docs[ndocs - 1], &L->scratch);
            if (rc == SE_OK)
                rc = pl_entry_encode(&st, NULL, 0, &L->entry);
        }
    } else {
        rc = buf_put_varint(
            out, (uint32_t)((ndocs + POST_BLOCK_DOCS - 1) / POST_BLOCK_DOCS));
        for (i = 0; rc == SE_OK && i < ndocs; i += POST_BLOCK_DOCS) {
            size_t n =
                ndocs - i < POST_BLOCK_DOCS ? ndocs - i : POST_BLOCK_DOCS;
            size_t np = 0;
            if (pos)
                for (k = i; k < i + n; k++)
                    np += L->tfs[k];
            buf_clear(&L->scratch);
            rc = post_encode(L->docs + i, L->tfs + i, L->blens + i, pos,
                             (uint32_t)n, &L->scratch);
            if (rc == SE_OK)
                rc = put_block(out, L->docs[i + n - 1], &L->scratch);
            if (pos)
                pos += np;
        }
        buf_clear(&L->entry);
        if (rc == SE_OK)
            rc = pl_entry_encode(&st, NULL, 0, &L->entry);
    }
    if (rc == SE_OK)
        rc = buf_put_varint(out, (uint32_t)L->entry.len);
    if (rc == SE_OK)
        rc = buf_append(out, L->entry.data, L->entry.len);
    return rc;
}

/* Encode a chunk's terms; any thread, with its own lists. */
static int
encode_chunk(const struct wr_encode *en, struct wr_chunk *c, struct wr_lists *L)
{
    static const struct pl_stats none = {0, 0};
    const unsigned char *in = c->in.data;
    size_t i;
    int rc = SE_OK;

    for (i = c->from; rc == SE_OK && i < c->to; i++) {
        struct wr_term *e = &en->terms[en->order[i].idx];
        struct known_head h;
        /* Sorted order is random in memory: fetch a term's entry, then its
         * postings, some terms ahead (cache misses were half of this). */
        if (i + 2 * ENCODE_PREFETCH < c->to)
            __builtin_prefetch(
                &en->terms[en->order[i + 2 * ENCODE_PREFETCH].idx]);
        if (i + ENCODE_PREFETCH < c->to)
            __builtin_prefetch(
                en->terms[en->order[i + ENCODE_PREFETCH].idx].post.data);
        if (en->what[i] == TERM_SKIPPED)
            continue;
        if (en->what[i] == TERM_NEW) {
            rc = encode_term(en, e, L, &none, OLD_NONE, NULL, 0, NULL, 1,
                             &c->out);
        } else {
            memcpy(&h, in, sizeof h);
            in += sizeof h;
            rc = encode_term(en, e, L, &h.st, (int)h.old, h.old ? in : NULL,
                             h.block_len, in + h.block_len,
                             h.old == OLD_INLINE || h.old == OLD_RAW, &c->out);
            in += h.block_len + 4 * (size_t)h.ndocs;
        }
        /* Encoded: give its memory back now, for LMDB's dirty pages to
         * reuse, so that a flush does not hold both at their peak. */
        post_release(&e->post);
    }
    return rc;
}

/* Cut the sorted terms into chunks (caller frees); NULL: no memory. */
static struct wr_chunk *
make_chunks(const struct wr_table *t, const struct ts_term *order,
            size_t *nchunks)
{
    size_t cap = 16, n = 0, i, bytes = 0;
    struct wr_chunk *c = calloc(cap, sizeof *c), *g;

    for (i = 0; c && i < t->nterms; i++) {
        if (i == 0 || bytes >= CHUNK_BYTES ||
            i - c[n - 1].from >= CHUNK_TERMS) {
            if (n == cap) {
                g = realloc(c, 2 * cap * sizeof *c);
                if (g == NULL)
                    break;
                memset(g + cap, 0, cap * sizeof *c);
                c = g;
                cap *= 2;
            }
            c[n].from = i;
            n++;
            bytes = 0;
        }
        c[n - 1].to = i + 1;
        bytes += t->terms[order[i].idx].post.len;
    }
    if (c && i < t->nterms) {
        free(c);
        return NULL;
    }
    *nchunks = n;
    return c;
}

static void encode_offer(struct wr *w, struct wr_encode *en);
static int encode_wait(struct wr *w, struct wr_encode *en, size_t c);
static void encode_end(struct wr *w, struct wr_encode *en);

/*
 * Read what an encoder needs to merge the batch's postings of a term the
 * index has (struct known_head): its entry's statistics, and the block the
 * merge rewrites, a list kept in the entry or a partial last block in the
 * table, with its documents' lengths. Only the inverter's thread may read
 * the transaction; the block is copied, as the flush's puts may move it.
 * SE_ENOTFOUND, appending nothing, when the index has no such term.
 */
static int
read_known(struct wr *w, enum pl_kind kind, struct idx_cursor *c,
           const char *term, size_t len, struct buf *in)
{
    unsigned char key[PL_KEY_MAX];
    struct known_head h = {{0, 0}, OLD_NONE, 0, 0, 0};
    const unsigned char *block = NULL, *k;
    const void *kv, *val;
    size_t klen, vlen, at = in->len, i;
    struct post_view v;
    uint32_t docs[POST_BLOCK_DOCS];
    struct pl_entry ent;
    int rc = pl_entry_get(w->txn, kind, term, len, &ent), r;

    if (rc != SE_OK)
        return rc;
    h.st = ent.st;
    if (ent.block) {
        h.old = OLD_INLINE;
        block = ent.block;
        vlen = ent.block_len;
    } else {
        /* The term's last block: the one before the first key past it. */
        r = idx_cursor_seek(c, key, pl_key(term, len, UINT32_MAX, key));
        if (r == 0)
            r = idx_cursor_last(c);
        else if (r == 1) {
            rc = idx_cursor_get(c, &kv, &klen, NULL, NULL);
            if (rc != SE_OK)
                return rc;
            if (!(klen == len + 5 && memcmp(kv, key, klen) == 0))
                r = idx_cursor_prev(c);
        }
        if (r < 0)
            return r;
        if (r == 1) {
            rc = idx_cursor_get(c, &kv, &klen, &val, &vlen);
            if (rc != SE_OK)
                return rc;
            k = kv;
            if (klen == len + 5 && memcmp(k, term, len) == 0 && k[len] == 0) {
                h.old = OLD_PARTIAL;
                h.old_last = idx_get_be32(k + len + 1);
                block = val;
            }
        }
    }
    if (block) {
        rc = h.old == OLD_INLINE
                 ? post_parse_lean(block, vlen, ent.st.df, ent.st.cf, &v)
                 : post_parse(block, vlen, &v);
        if (rc != SE_OK)
            return rc;
        if (h.old == OLD_PARTIAL && v.n >= POST_BLOCK_DOCS) {
            h.old = OLD_NONE; /* full: new blocks follow it */
            block = NULL;
        }
    }
    if (block) {
        h.block_len = (uint32_t)vlen;
        h.ndocs = v.n;
        rc = post_decode_docs(&v, docs);
    }
    if (rc == SE_OK)
        rc = buf_append(in, &h, sizeof h);
    if (rc == SE_OK && block)
        rc = buf_append(in, block, vlen);
    for (i = 0; rc == SE_OK && block && i < v.n; i++) {
        uint32_t l;
        rc = doc_length(w, docs[i], &l);
        if (rc == SE_OK)
            rc = buf_append(in, &l, sizeof l);
    }
    if (rc != SE_OK)
        in->len = at;
    return rc;
}

/*
 * From format 7 a stem whose postings are those of its one form has no
 * list of its own: that form's list serves it (expand.h). That holds while
 * the index has one form of the stem and no title occurrence of it counts
 * twice (title weight 1, or none in a title: the stem's tfs are then the
 * form's). Most stems are rare words of one form: on Reuters-21578, 51,553
 * of 58,780, whose entries and blocks took 2.0 of 15.7 MB.
 */
#define FORM_NONE UINT32_MAX
#define FORM_MANY (UINT32_MAX - 1)

/* For each stem of the batch, the index of its one form in the batch,
 * FORM_MANY, or FORM_NONE; NULL: no memory. */
static uint32_t *
batch_forms(const struct wr *w)
{
    size_t n = w->stems.nterms, i;
    uint32_t *one = malloc((n ? n : 1) * sizeof *one);

    if (one == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        one[i] = FORM_NONE;
    for (i = 0; i < w->forms.nterms; i++) {
        const struct wr_term *f = &w->forms.terms[i];
        uint32_t *o = &one[f->stem];
        if (f->df == 0)
            continue;
        /* A form too long to index cannot serve its stem. */
        *o = *o == FORM_NONE && f->len <= PL_TERM_MAX ? (uint32_t)i : FORM_MANY;
    }
    return one;
}

/* Whether, in the batch, stem `e` has the postings of its one form. */
static int
served_in_batch(const struct wr *w, const struct wr_term *e, uint32_t one)
{
    return one < FORM_MANY && w->forms.terms[one].cf == e->cf;
}

/*
 * Append to `in` what a stem needs to take over the documents its form
 * `form` served before the batch: a known_head (OLD_RAW), their (doc, tf)
 * pairs and their lengths.
 */
static int
read_served(struct wr *w, const char *form, size_t flen, struct buf *in)
{
    struct known_head h = {{0, 0}, OLD_RAW, 0, 0, 0};
    size_t at = in->len, i;
    struct pl *p;
    int rc = pl_open(w->txn, PL_FORMS, form, flen, &p), r = 0;

    if (rc == SE_OK)
        rc = buf_append(in, &h, sizeof h);
    while (rc == SE_OK && (r = pl_next(p)) == 1 && pl_doc(p) < w->batch_first) {
        uint32_t pair[2] = {pl_doc(p), 0};
        rc = pl_tf(p, &pair[1]);
        if (rc == SE_OK)
            rc = buf_append(in, pair, sizeof pair);
        h.st.df++;
        h.st.cf += pair[1];
    }
    pl_close(p);
    if (rc == SE_OK && r < 0)
        rc = r;
    for (i = 0; rc == SE_OK && i < h.st.df; i++) {
        uint32_t doc, l;
        memcpy(&doc, in->data + at + sizeof h + 8 * i, 4);
        rc = doc_length(w, doc, &l);
        if (rc == SE_OK)
            rc = buf_append(in, &l, sizeof l);
    }
    if (rc == SE_OK) {
        h.block_len = 8 * h.st.df;
        h.ndocs = h.st.df;
        memcpy(in->data + at, &h, sizeof h);
    } else {
        in->len = at;
    }
    return rc;
}

/*
 * For a stem of the batch with no list in the index: leave it to its one
 * form (TERM_SKIPPED), give it a list (TERM_NEW), or, when a form served it
 * before the batch and cannot any more, a list that starts with that
 * form's documents (TERM_KNOWN). Runs once the batch's forms and their
 * stemforms are written, so `f` lists every form the stem has now.
 */
static int
stem_unlisted(struct wr *w, struct wr_encode *en, size_t i,
              const struct wr_term *e, struct buf *in)
{
    uint32_t one = en->one_form[en->order[i].idx];
    const char *served = NULL;
    struct exp_forms f;
    size_t k;
    int rc = exp_stem_forms(w->txn, w->stem, term_str(&w->stems, e), e->len,
                            &f);

    if (rc == SE_OK && f.n == 1 && served_in_batch(w, e, one)) {
        en->what[i] = TERM_SKIPPED; /* the batch's form, still the one */
        exp_forms_release(&f);
        return SE_OK;
    }
    for (k = 0; rc == SE_OK && k < f.n; k++) {
        size_t flen = strlen(f.forms[k]);
        struct pl_stats st;
        uint32_t fi, batch_df = 0;
        rc = pl_stats_get(w->txn, PL_FORMS, f.forms[k], flen, &st);
        if (rc == SE_ENOTFOUND)
            rc = SE_ECORRUPT; /* listed, so in the dictionary */
        if (rc == SE_OK &&
            table_find(&w->forms, f.forms[k], flen,
                       prep_hash(f.forms[k], flen), &fi))
            batch_df = w->forms.terms[fi].df;
        if (rc == SE_OK && st.df > batch_df) { /* documents before it */
            if (served)
                rc = SE_ECORRUPT; /* two forms, and the stem had no list */
            served = f.forms[k];
        }
    }
    if (rc == SE_OK && served) {
        rc = read_served(w, served, strlen(served), in);
        en->what[i] = TERM_KNOWN;
    }
    exp_forms_release(&f);
    return rc;
}

/* read_known() for each term of chunk `ch` the index has (SE_ENOTFOUND:
 * none), marking it TERM_KNOWN; stem_unlisted() for the stems it has not. */
static int
read_chunk(struct wr *w, struct wr_encode *en, struct wr_chunk *ch,
           struct idx_cursor *c)
{
    struct wr_table *t = en->kind == PL_FORMS ? &w->forms : &w->stems;
    size_t i;
    int rc = SE_OK;

    for (i = ch->from; rc == SE_OK && !en->dict_empty && i < ch->to; i++) {
        const struct wr_term *e = &t->terms[en->order[i].idx];
        if (en->what[i] != TERM_NEW)
            continue;
        rc = read_known(w, en->kind, c, term_str(t, e), e->len, &ch->in);
        if (rc == SE_OK)
            en->what[i] = TERM_KNOWN;
        else if (rc == SE_ENOTFOUND)
            rc = en->kind == PL_STEMS ? stem_unlisted(w, en, i, e, &ch->in)
                                      : SE_OK;
    }
    return rc;
}

/* Write the encoded lists of a chunk's terms, in term order. */
static int
write_chunk(struct wr *w, const struct wr_encode *en, struct wr_chunk *ch,
            struct idx_cursor *put, int post_flags)
{
    struct wr_table *t = en->kind == PL_FORMS ? &w->forms : &w->stems;
    const unsigned char *p = ch->out.data, *end = p + ch->out.len;
    const unsigned char *in = ch->in.data;
    unsigned char key[PL_KEY_MAX];
    size_t i;
    int rc = SE_OK;

    for (i = ch->from; rc == SE_OK && i < ch->to; i++) {
        uint32_t idx = en->order[i].idx, nblocks, len, last;
        const struct wr_term *e = &t->terms[idx];
        const char *term = term_str(t, e);
        struct wr_entry ent = {idx, en->what[i] == TERM_NEW, 0};
        struct known_head h;
        if (en->what[i] == TERM_SKIPPED)
            continue;
        if (en->what[i] == TERM_KNOWN) {
            memcpy(&h, in, sizeof h);
            in += sizeof h + h.block_len + 4 * (size_t)h.ndocs;
            /* The partial last block is rewritten with the new postings. */
            if (h.old == OLD_PARTIAL)
                rc = idx_del(w->txn, pl_post_table(en->kind), key,
                             pl_key(term, e->len, h.old_last, key), NULL, 0);
            if (rc != SE_OK)
                break;
        }
        rc = buf_get_varint(&p, end, &nblocks);
        while (rc == SE_OK && nblocks--) {
            if (end - p < 4)
                return SE_ECORRUPT;
            memcpy(&last, p, 4);
            p += 4;
            rc = buf_get_varint(&p, end, &len);
            if (rc == SE_OK && (size_t)(end - p) < len)
                rc = SE_ECORRUPT;
            if (rc == SE_OK)
                rc = idx_cursor_put(put, key, pl_key(term, e->len, last, key),
                                    p, len, post_flags);
            p += len;
        }
        if (rc == SE_OK)
            rc = buf_get_varint(&p, end, &len);
        if (rc == SE_OK && (size_t)(end - p) < len)
            rc = SE_ECORRUPT;
        if (rc == SE_OK)
            rc = buf_append(&w->entries, p, len);
        if (rc == SE_OK)
            rc = keep_entry(w, &ent);
        p += len;
    }
    return rc;
}

/*
 * A table's part of a flush: all its postings first, then all its
 * dictionary entries, so that each table's pages lie together.
 */
struct wr_flush {
    enum pl_kind kind;
    struct wr_encode en;        /* en.what: NULL for a table with no terms */
    struct idx_cursor *c, *put; /* reads, writes */
    int post_flags, dict_flags;
};

/*
 * Set the table's flush up, `order` its terms sorted, and let the pool's
 * workers start encoding: the chunks of a table with no terms before need
 * nothing read, so all of them at once (the inverter writes the forms'
 * entries meanwhile); otherwise the forms' first CHUNK_AHEAD + 1, read
 * here. The stems' reads wait for the forms' entries (stem_unlisted()), and
 * their table counts as empty when the index had no forms (`no_forms`):
 * then none of its stems has a list or a form serving it.
 */
static int
table_begin(struct wr *w, struct wr_flush *f, enum pl_kind kind,
            const struct ts_term *order, int no_forms)
{
    struct wr_table *t = kind == PL_FORMS ? &w->forms : &w->stems;
    uint64_t existing, entries;
    size_t i;
    int rc;

    memset(f, 0, sizeof *f);
    f->kind = kind;
    if (t->nterms == 0)
        return SE_OK;
    /* Into an empty table every key sorts last: LMDB's fast append. */
    rc = idx_count(w->txn, pl_post_table(kind), &existing);
    if (rc == SE_OK)
        rc = idx_count(w->txn, pl_dict_table(kind), &entries);
    if (rc != SE_OK)
        return rc;
    f->post_flags = existing == 0 ? IDX_APPEND : 0;
    f->dict_flags = entries == 0 ? IDX_APPEND : 0;
    f->en.dict_empty = kind == PL_STEMS ? no_forms : entries == 0;
    f->en.what = malloc(t->nterms);
    if (f->en.what == NULL)
        return SE_ENOMEM;
    if (kind == PL_STEMS) {
        f->en.one_form = batch_forms(w);
        if (f->en.one_form == NULL)
            return SE_ENOMEM;
    }
    /* New until read_chunk() finds the term in the index. Too long to be
     * a key: skipped (the tokenizer cuts long tokens); so is a stem its
     * form serves, in an index that had no forms. */
    for (i = 0; i < t->nterms; i++) {
        const struct wr_term *e = &t->terms[order[i].idx];
        f->en.what[i] =
            e->df == 0 || e->len > PL_TERM_MAX ? TERM_SKIPPED : TERM_NEW;
        if (kind == PL_STEMS && f->en.dict_empty &&
            served_in_batch(w, e, f->en.one_form[order[i].idx]))
            f->en.what[i] = TERM_SKIPPED;
    }
    rc = idx_cursor_open(w->txn, pl_post_table(kind), &f->c);
    if (rc == SE_OK)
        rc = idx_cursor_open(w->txn, pl_post_table(kind), &f->put);
    if (rc != SE_OK)
        return rc;
    f->en.terms = t->terms;
    f->en.kind = kind;
    f->en.order = order;
    f->en.batch_first = w->batch_first;
    f->en.lens = w->lens;
    f->en.nlens = w->nlens;
    f->en.chunks = make_chunks(t, order, &f->en.nchunks);
    if (f->en.chunks == NULL)
        return SE_ENOMEM;
    if (f->en.dict_empty)
        f->en.ready = f->en.nchunks;
    while (rc == SE_OK && kind == PL_FORMS && f->en.ready < f->en.nchunks &&
           f->en.ready <= CHUNK_AHEAD)
        rc = read_chunk(w, &f->en, &f->en.chunks[f->en.ready++], f->c);
    if (rc == SE_OK)
        encode_offer(w, &f->en);
    return rc;
}

/* Write the table's posting blocks, in term order. */
static int
table_postings(struct wr *w, struct wr_flush *f)
{
    struct wr_encode *en = &f->en;
    size_t i;
    int rc = SE_OK;

    w->nents = 0;
    for (i = 0; rc == SE_OK && i < en->nchunks; i++) {
        /* Read what the encoders need of known terms, CHUNK_AHEAD ahead. */
        while (rc == SE_OK && en->ready < en->nchunks &&
               en->ready <= i + CHUNK_AHEAD)
            rc = read_chunk(w, en, &en->chunks[en->ready++], f->c);
        if (rc == SE_OK)
            rc = encode_wait(w, en, i);
        if (rc == SE_OK)
            rc = write_chunk(w, en, &en->chunks[i], f->put, f->post_flags);
        buf_release(&en->chunks[i].in);
        buf_release(&en->chunks[i].out);
    }
    encode_end(w, en);
    return rc;
}

/* Then its dictionary entries; `stem_order` as for write_entries(). */
static int
table_entries(struct wr *w, struct wr_flush *f,
              const struct ts_term *stem_order)
{
    if (f->en.what == NULL)
        return SE_OK; /* no terms */
    return write_entries(w, f->kind, stem_order, f->dict_flags);
}

/* Free what table_begin() made, after the workers are done with it. */
static void
table_end(struct wr *w, struct wr_flush *f)
{
    size_t i;

    encode_end(w, &f->en);
    if (f->en.chunks)
        for (i = 0; i < f->en.nchunks; i++) {
            buf_release(&f->en.chunks[i].in);
            buf_release(&f->en.chunks[i].out);
        }
    free(f->en.chunks);
    idx_cursor_close(f->put);
    idx_cursor_close(f->c);
    free(f->en.what);
    free(f->en.one_form);
    memset(f, 0, sizeof *f);
}

static int apply_removals(struct wr *w, enum pl_kind kind);
static int write_records(struct wr *w);

/*
 * A flush merging into known terms' lists needs the lengths of their last
 * blocks' documents (block-max bounds), up to 128 a term. Read one LMDB
 * lookup each, they were most of what the inverter read at such a flush
 * (Reuters x16 with --threads 2, second and third flush: 0.65 and 0.89 s
 * of reading, 0.20 and 0.31 s with the copy). All of them copied, a chunk
 * read at a time, cost 4 bytes a document, counted in the batch's budget;
 * past 1/WR_OLD_LENS_SHARE of --memory (4 million documents at the default
 * 256 MB) the lookups stay.
 */
#define WR_OLD_LENS_SHARE 16

/* What the copy takes at the next flush: 0 when it is not made. The batch
 * counts it with the flush's pages (batch_full). */
static size_t
old_lens_bytes(const struct wr *w)
{
    size_t bytes = (size_t)w->batch_first * sizeof *w->old_lens;

    return bytes > w->memory / WR_OLD_LENS_SHARE ? 0 : bytes;
}

static int
load_old_lens(struct wr *w)
{
    size_t bytes = old_lens_bytes(w);

    if (bytes == 0)
        return SE_OK; /* no documents before the batch, or too many */
    w->old_lens = malloc(bytes);
    if (w->old_lens == NULL)
        return SE_OK; /* the lookups do without */
    return doc_lens_read(w->txn, 0, w->batch_first, w->old_lens);
}

/*
 * Write the batch into the transaction: first the removals of replaced
 * and deleted documents, then records, lengths, postings, dictionaries and
 * metadata.
 */
static int
flush(struct wr *w)
{
    int rc = load_old_lens(w);

    if (rc == SE_OK)
        rc = apply_removals(w, PL_FORMS);
    if (rc == SE_OK)
        rc = apply_removals(w, PL_STEMS);
    table_release(&w->rm_forms);
    table_release(&w->rm_stems);
    if (rc == SE_OK) {
        struct ts_term *forms = sorted_terms(&w->forms), *stems = NULL;
        struct wr_flush ff, sf;
        memset(&ff, 0, sizeof ff);
        memset(&sf, 0, sizeof sf);
        rc = forms ? SE_OK : SE_ENOMEM;
        /* The workers encode the forms' lists while the inverter sorts the
         * stems and writes the batch's records and lengths. */
        if (rc == SE_OK)
            rc = table_begin(w, &ff, PL_FORMS, forms, 0);
        if (rc == SE_OK) {
            stems = sorted_terms(&w->stems);
            rc = stems ? SE_OK : SE_ENOMEM;
        }
        if (rc == SE_OK)
            rc = write_records(w);
        if (rc == SE_OK && w->nlens)
            rc = doc_lens_put(w->txn, w->batch_first, w->lens, w->nlens);
        if (rc == SE_OK)
            rc = table_postings(w, &ff);
        /* Into an index that had no forms, the workers encode the stems'
         * lists while the inverter writes the forms' entries (and the new
         * forms' stems need their order); otherwise the stems' reads wait
         * for those entries. */
        if (rc == SE_OK)
            rc = table_begin(w, &sf, PL_STEMS, stems, ff.en.dict_empty);
        if (rc == SE_OK)
            rc = table_entries(w, &ff, stems);
        table_end(w, &ff);
        if (rc == SE_OK)
            rc = table_postings(w, &sf);
        if (rc == SE_OK)
            rc = table_entries(w, &sf, stems);
        table_end(w, &sf);
        free(forms);
        free(stems);
    }
    free(w->old_lens);
    w->old_lens = NULL;
    if (rc == SE_OK)
        rc = doc_meta_save(w->txn, &w->meta);
    if (rc != SE_OK)
        return rc;
    table_release(&w->forms);
    table_release(&w->stems);
    w->nlens = 0;
    w->used = 0;
    w->post_full = 0;
    w->flush_bytes = 0;
    w->plan_stale = 1;
    w->batch_first = w->meta.next_doc;
    return SE_OK;
}

static int
commit(struct wr *w)
{
    int rc = flush(w);

    if (rc != SE_OK)
        return rc;
    rc = idx_txn_commit(w->txn);
    w->txn = NULL;
    if (rc != SE_OK)
        return rc;
    w->stats.commits++;
    w->stats.docs = w->meta.docs;
    /* LMDB would keep the transaction's pages for good (idx_trim). */
    rc = idx_trim(w->ix);
    if (rc != SE_OK)
        return rc;
    return idx_txn_begin(w->ix, 1, &w->txn);
}

static int drain(struct wr *w);

int
wr_commit(struct wr *w)
{
    int rc = w->failed ? w->failed : drain(w);

    if (rc == SE_OK)
        rc = commit(w);
    if (rc != SE_OK)
        w->failed = rc;
    return rc;
}

/* ---------------------------------------------------------------- delete */

/* Remove `doc` from the list of `term`; tf is its frequency there. */
/* Note that `doc` (with `tf`) leaves the postings of `term` at the flush. */
static int
defer_removal(struct wr *w, struct wr_table *t, const char *term, size_t len,
              uint32_t doc, uint32_t tf, uint32_t *idx)
{
    uint32_t pair[2] = {doc, tf};
    size_t before;
    int rc, added;

    if (len == 0 || len > PL_TERM_MAX)
        return SE_OK; /* never indexed: the tokenizer cuts long tokens */
    rc =
        table_intern(t, term, len, prep_hash(term, len), idx, &added, &w->used);
    if (rc != SE_OK)
        return rc;
    if (added) /* the block it leaves is rewritten */
        rc =
            charge_flush(w, t == &w->rm_forms ? PL_FORMS : PL_STEMS, term, len);
    if (rc != SE_OK)
        return rc;
    before = t->terms[*idx].post.cap;
    rc = post_append(&t->terms[*idx].post, pair, sizeof pair);
    w->used += t->terms[*idx].post.cap - before;
    return rc;
}

static int
cmp_pairs(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;

    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* A form no document has any more leaves its stem's forms. */
static int
removed_term(struct wr *w, enum pl_kind kind, const struct wr_term *e,
             const char *term, const struct pl_stats *st)
{
    int rc = SE_OK;

    if (st->df == 0 && kind == PL_FORMS) {
        const struct wr_term *s = &w->rm_stems.terms[e->stem];
        rc = stemforms_remove(w, term_str(&w->rm_stems, s), s->len, term,
                              e->len);
    }
    return rc;
}

/*
 * Keep in place the documents of the list arrays [0, ndocs) that are not
 * leaving: those of pairs[*j...] (sorted (doc, tf) pairs) leave, *j moves
 * past them and *cf adds their tfs. *kept gets how many stay. SE_OK, or
 * SE_ECORRUPT for a tf other than the one indexed.
 */
static int
keep_staying(struct wr *w, enum pl_kind kind, size_t ndocs,
             const uint32_t *pairs, size_t np, size_t *j, uint64_t *cf,
             size_t *kept)
{
    size_t i, out = 0, pos_in = 0, pos_out = 0;

    for (i = 0; i < ndocs; i++) {
        uint32_t tf = w->lists.tfs[i], npos = kind == PL_FORMS ? tf : 0;
        if (*j < np && pairs[2 * *j] == w->lists.docs[i]) {
            if (pairs[2 * *j + 1] != tf)
                return SE_ECORRUPT; /* not the tf it was indexed with */
            *cf += tf;
            (*j)++;
        } else {
            if (pos_out != pos_in)
                memmove(w->lists.pos + pos_out, w->lists.pos + pos_in,
                        npos * sizeof *w->lists.pos);
            w->lists.docs[out] = w->lists.docs[i];
            w->lists.tfs[out++] = tf;
            pos_out += npos;
        }
        pos_in += npos;
    }
    *kept = out;
    return SE_OK;
}

/*
 * remove_term() for a list kept in its dictionary entry: `pairs` (sorted
 * by document) all leave its one block, which is stored again.
 */
static int
remove_inline(struct wr *w, enum pl_kind kind, const struct wr_term *e,
              const char *term, const struct pl_entry *ent,
              const uint32_t *pairs, size_t np)
{
    size_t ndocs = 0, npos = 0, j = 0, out = 0;
    struct pl_stats st = ent->st;
    uint64_t cf = 0;
    int rc = list_add_block(&w->lists, ent->block, ent->block_len, &ent->st,
                            &ndocs, &npos);

    if (rc == SE_OK)
        rc = keep_staying(w, kind, ndocs, pairs, np, &j, &cf, &out);
    if (rc != SE_OK)
        return rc;
    if (j < np || st.df != ndocs || st.cf < cf)
        return SE_ECORRUPT; /* a document to remove is not in the list */
    st.df -= (uint32_t)np;
    st.cf -= cf;
    rc = out ? list_store_inline(w, kind, term, e->len, out, &st)
             : pl_entry_put(w->txn, kind, term, e->len, &st, NULL, 0);
    return rc == SE_OK ? removed_term(w, kind, e, term, &st) : rc;
}

/*
 * Remove one term's deferred postings: each block holding some of them is
 * read, rewritten without them, once, and the term's counts go down.
 */
static int
remove_term(struct wr *w, enum pl_kind kind, const struct wr_term *e,
            const char *term)
{
    uint32_t *pairs = (uint32_t *)(void *)e->post.data;
    size_t np = e->post.len / (2 * sizeof(uint32_t)), j = 0;
    uint64_t cf = 0;
    struct pl_entry ent;
    struct pl_stats st;
    int rc;

    qsort(pairs, np, 2 * sizeof(uint32_t), cmp_pairs);
    rc = pl_entry_get(w->txn, kind, term, e->len, &ent);
    if (rc == SE_ENOTFOUND && kind == PL_STEMS)
        return SE_OK; /* its one form serves it, and has lost them */
    if (rc != SE_OK)
        return rc == SE_ENOTFOUND ? SE_ECORRUPT : rc;
    if (ent.block)
        return remove_inline(w, kind, e, term, &ent, pairs, np);
    while (j < np) {
        unsigned char key[PL_KEY_MAX];
        const unsigned char *k;
        const void *kv = NULL, *val = NULL;
        size_t klen = 0, vlen = 0, ndocs = 0, npos = 0, out = 0;
        struct idx_cursor *c;
        uint32_t last;
        int r;

        rc = idx_cursor_open(w->txn, pl_post_table(kind), &c);
        if (rc != SE_OK)
            return rc;
        r = idx_cursor_seek(c, key, pl_key(term, e->len, pairs[2 * j], key));
        rc = r < 0 ? r : r == 0 ? SE_ECORRUPT : SE_OK;
        if (rc == SE_OK)
            rc = idx_cursor_get(c, &kv, &klen, &val, &vlen);
        k = kv;
        if (rc == SE_OK && (klen != e->len + 5 ||
                            memcmp(k, term, e->len) != 0 || k[e->len] != 0))
            rc = SE_ECORRUPT;
        if (rc == SE_OK) {
            memcpy(key, k, klen);
            rc = list_add_block(&w->lists, val, vlen, NULL, &ndocs, &npos);
        }
        idx_cursor_close(c);
        if (rc != SE_OK)
            return rc;
        last = idx_get_be32(key + e->len + 1);
        rc = keep_staying(w, kind, ndocs, pairs, np, &j, &cf, &out);
        if (rc != SE_OK)
            return rc;
        if (j < np && pairs[2 * j] <= last)
            return SE_ECORRUPT; /* a document to remove is not in its block */
        rc = idx_del(w->txn, pl_post_table(kind), key, e->len + 5, NULL, 0);
        if (rc == SE_OK && out > 0)
            rc = list_write(w, kind, term, e->len, out, 0);
        if (rc != SE_OK)
            return rc;
    }
    st = ent.st;
    if (st.df < np || st.cf < cf)
        return SE_ECORRUPT;
    st.df -= (uint32_t)np;
    st.cf -= cf;
    rc = pl_entry_put(w->txn, kind, term, e->len, &st, NULL, 0);
    return rc == SE_OK ? removed_term(w, kind, e, term, &st) : rc;
}

/* Apply every deferred removal of `kind`, in term order, and forget them. */
static int
apply_removals(struct wr *w, enum pl_kind kind)
{
    struct wr_table *t = kind == PL_FORMS ? &w->rm_forms : &w->rm_stems;
    struct ts_term *order;
    size_t i;
    int rc = SE_OK;

    if (t->nterms == 0)
        return SE_OK;
    order = sorted_terms(t);
    if (order == NULL)
        return SE_ENOMEM;
    for (i = 0; rc == SE_OK && i < t->nterms; i++) {
        const struct wr_term *e = &t->terms[order[i].idx];
        rc = remove_term(w, kind, e, term_str(t, e));
    }
    free(order);
    return rc;
}

/* Tokens of `text` counted per form into `t` (doc_tf); from `first`. */
static int
count_forms(struct wr *w, struct wr_table *t, const char *text, size_t len,
            uint32_t first, int title, uint32_t *ntokens)
{
    struct tok_token tk;
    size_t mem = 0;
    int rc, added;

    tok_reset(w->tok, text, len, first);
    *ntokens = 0;
    while ((rc = tok_next(w->tok, &tk)) == 1) {
        uint32_t i;
        rc = table_intern(t, tk.text, tk.len, prep_hash(tk.text, tk.len), &i,
                          &added, &mem);
        if (rc != SE_OK)
            return rc;
        t->terms[i].doc_tf++;
        t->terms[i].title_tf += title != 0;
        (*ntokens)++;
    }
    return rc;
}

/* Remove document `doc` (stored in LMDB, not in the batch) entirely. */
static int
remove_doc(struct wr *w, uint32_t doc)
{
    struct wr_table forms = {0}, stems = {0};
    struct buf title = BUF_INIT, body = BUF_INIT;
    struct doc_record r;
    uint32_t nt = 0, nb = 0, len = 0;
    size_t i, mem = 0; /* these tables die here: not the batch's memory */
    int rc, added;

    rc = doc_get(w->txn, doc, &r);
    if (rc == SE_OK) {
        len = r.len;
        rc = buf_append(&title, r.title, r.title_len);
    }
    if (rc == SE_OK) {
        rc = doc_text_get(w->text, w->txn, doc, &body);
        if (rc == SE_ENOTFOUND)
            rc = SE_OK;
    }
    if (rc == SE_OK)
        rc = count_forms(w, &forms, (const char *)title.data, title.len, 0, 1,
                         &nt);
    if (rc == SE_OK)
        rc = count_forms(w, &forms, (const char *)body.data, body.len,
                         nt ? nt + 1 : 0, 0, &nb);
    for (i = 0; rc == SE_OK && i < forms.nterms; i++) {
        struct wr_term *f = &forms.terms[i];
        const char *s;
        size_t slen;
        uint32_t si;
        rc = stem_word(w->stem, term_str(&forms, f), f->len, &s, &slen);
        if (rc == SE_OK)
            rc = table_intern(&stems, s, slen, prep_hash(s, slen), &si, &added,
                              &mem);
        if (rc != SE_OK)
            break;
        stems.terms[si].doc_tf +=
            f->doc_tf + (w->meta.title_weight - 1) * f->title_tf;
        /* The form's stem, for the stem-to-forms map at the flush. */
        if (slen > 0 && slen <= PL_TERM_MAX) {
            uint32_t rs, rf;
            int radded;
            rc = table_intern(&w->rm_stems, s, slen, prep_hash(s, slen), &rs,
                              &radded, &w->used);
            if (rc == SE_OK)
                rc = defer_removal(w, &w->rm_forms, term_str(&forms, f), f->len,
                                   doc, f->doc_tf, &rf);
            if (rc == SE_OK && f->len > 0 && f->len <= PL_TERM_MAX)
                w->rm_forms.terms[rf].stem = rs;
        }
    }
    for (i = 0; rc == SE_OK && i < stems.nterms; i++) {
        struct wr_term *st = &stems.terms[i];
        uint32_t rs;
        rc = defer_removal(w, &w->rm_stems, term_str(&stems, st), st->len, doc,
                           st->doc_tf, &rs);
    }
    if (rc == SE_OK && nt + nb != len)
        rc = SE_ECORRUPT; /* the stored text is not what was indexed */
    if (rc == SE_OK)
        rc = doc_remove(w->txn, doc);
    len = doc_scoring_length(&w->meta, nt, nb);
    if (rc == SE_OK) {
        if (w->meta.docs == 0 || w->meta.total_len < len)
            rc = SE_ECORRUPT;
        else {
            w->meta.docs--;
            w->meta.total_len -= len;
        }
    }
    table_release(&forms);
    table_release(&stems);
    buf_release(&title);
    buf_release(&body);
    return rc;
}

/* The document with external id `id`, in the index or in the batch;
 * SE_ENOTFOUND when neither has it. */
static int
lookup_id(struct wr *w, const char *id, size_t len, uint32_t *doc)
{
    uint32_t i;
    int rc = doc_lookup(w->txn, id, len, doc);

    if (rc == SE_ENOTFOUND &&
        table_find(&w->batch_ids, id, len, prep_hash(id, len), &i)) {
        *doc = w->batch_first + i;
        rc = SE_OK;
    }
    return rc;
}

/* Keep the record of `doc`, the batch's next document, for the flush. */
static int
batch_record(struct wr *w, uint32_t doc, const struct doc_record *r)
{
    uint32_t i;
    int added;
    int rc = table_intern(&w->batch_ids, r->id, r->id_len,
                          prep_hash(r->id, r->id_len), &i, &added, &w->used);

    if (rc != SE_OK)
        return rc;
    /* A repeated id flushed the batch (remove_existing): each id is new to
     * it, and entry i is document batch_first + i. */
    if (!added || i != w->nlens || doc != w->batch_first + i)
        return SE_EINVAL;
    rc = doc_record_encode(r, &w->recs);
    if (rc == SE_OK)
        w->rec_end[i] = w->recs.len;
    return rc;
}

/* Write the batch's records, then its id mappings. */
static int
write_records(struct wr *w)
{
    size_t i, at = 0;
    int rc = SE_OK;

    for (i = 0; rc == SE_OK && i < w->batch_ids.nterms; i++) {
        /* Ids only grow: each record sorts after every one in the table. */
        rc = doc_record_put_encoded(w->txn, w->batch_first + (uint32_t)i,
                                    w->recs.data + at, w->rec_end[i] - at,
                                    IDX_APPEND);
        at = w->rec_end[i];
    }
    if (rc == SE_OK && w->batch_ids.nterms > 0) {
        /* In key order, appended into an empty table: put as they come,
         * the ids would leave their pages half full after each split. */
        struct ts_term *order = sorted_terms(&w->batch_ids);
        uint64_t existing;
        int flags;

        if (order == NULL)
            return SE_ENOMEM;
        rc = idx_count(w->txn, IDX_IDS, &existing);
        flags = existing == 0 ? IDX_APPEND : 0;
        for (i = 0; rc == SE_OK && i < w->batch_ids.nterms; i++) {
            const struct wr_term *e = &w->batch_ids.terms[order[i].idx];
            rc = doc_id_put(w->txn, term_str(&w->batch_ids, e), e->len,
                            w->batch_first + order[i].idx, flags);
        }
        free(order);
    }
    if (rc == SE_OK) {
        table_release(&w->batch_ids);
        buf_release(&w->recs);
    }
    return rc;
}

/*
 * Remove the stored document `doc`; when it is in the batch, the batch is
 * written into the transaction first (not committed) so that its postings
 * can be found.
 */
static int
remove_existing(struct wr *w, uint32_t doc)
{
    if (doc >= w->batch_first) {
        int rc = flush(w);
        if (rc != SE_OK)
            return rc;
    }
    return remove_doc(w, doc);
}

int
wr_delete(struct wr *w, const char *id, size_t len)
{
    uint32_t doc;
    int rc = w->failed ? w->failed : drain(w); /* deletes follow the adds */

    if (rc == SE_OK)
        rc = lookup_id(w, id, len, &doc);
    if (rc == SE_OK)
        rc = remove_existing(w, doc);
    if (rc == SE_OK)
        w->stats.deleted++;
    return rc;
}

/* ---------------------------------------------------------------- add */

/*
 * Invert prepared document `d`, in input order: replace the document with
 * its id, add its postings, record and stored text, and commit when the
 * budget is spent.
 */
static int
consume(struct wr *w, const struct prep_doc *d)
{
    struct doc_record r;
    uint32_t doc, old, nt = d->title_tokens, nb = d->body_tokens;
    const unsigned char *text;
    size_t need, text_len;
    int rc;

    /*
     * LMDB cannot grow the map inside a transaction. A document that could
     * outgrow the room asked for (its text, postings and positions, within
     * three times its bytes) gets a transaction begun with room for it.
     */
    need = 3 * (d->title_len + d->body_len) + w->memory;
    if (need > w->reserve / 2) {
        w->reserve = 2 * need + 4 * w->memory + ((size_t)64 << 20);
        idx_reserve(w->ix, w->reserve);
        rc = commit(w);
        if (rc != SE_OK)
            return rc;
    }
    rc = lookup_id(w, prep_doc_id(d), d->id_len, &old);
    if (rc == SE_OK) {
        rc = remove_existing(w, old);
        if (rc != SE_OK)
            return rc;
        w->stats.replaced++;
    } else if (rc != SE_ENOTFOUND) {
        return rc;
    }
    if (w->meta.next_doc == UINT32_MAX)
        return SE_ELIMIT;
    doc = w->meta.next_doc;
    if (w->nlens == w->lens_cap) {
        size_t cap = w->lens_cap ? w->lens_cap * 2 : 1024;
        uint32_t *l = realloc(w->lens, cap * sizeof *l);
        size_t *e;
        if (l == NULL)
            return SE_ENOMEM;
        w->lens = l;
        e = realloc(w->rec_end, cap * sizeof *e);
        if (e == NULL)
            return SE_ENOMEM;
        w->rec_end = e;
        w->lens_cap = cap;
    }
    rc = invert_forms(w, doc, d);
    if (rc == SE_OK)
        rc = end_document(w, doc);
    if (rc != SE_OK)
        return rc;
    memset(&r, 0, sizeof r);
    r.id = prep_doc_id(d);
    r.id_len = d->id_len;
    r.title = prep_doc_title(d);
    r.title_len = d->title_len;
    r.date = prep_doc_date(d);
    r.date_len = d->date_len;
    r.len = nt + nb;
    r.title_tokens = nt;
    rc = batch_record(w, doc, &r);
    if (rc == SE_OK && w->sampling)
        rc = sample_body(w, prep_doc_body(d), d->body_len);
    text = d->text.data;
    text_len = d->text.len;
    /* Prepared before the dictionary was made: compressed again, so that
     * which documents have it does not depend on the threads. */
    if (rc == SE_OK && w->dict && doc_text_lacks_dict(text, text_len)) {
        rc =
            doc_text_encode(w->text, prep_doc_body(d), d->body_len, &w->retext);
        text = w->retext.data;
        text_len = w->retext.len;
    }
    if (rc == SE_OK)
        /* Ids only grow: appended, the text's pages fill (Reuters: 10%
         * fewer than put in place, which splits them in halves). */
        rc = doc_text_put_encoded(w->txn, doc, text, text_len, IDX_APPEND);
    if (rc != SE_OK)
        return rc;
    w->lens[w->nlens++] = doc_scoring_length(&w->meta, nt, nb);
    w->meta.next_doc++;
    w->meta.docs++;
    w->meta.total_len += doc_scoring_length(&w->meta, nt, nb);
    /* The record and the stored text sit in LMDB's dirty pages, in memory
     * until the commit: they count against the budget too. */
    w->used += sizeof(uint32_t) + d->id_len + d->title_len + d->date_len +
               d->text.len + 64;
    w->stats.added++;
    w->stats.tokens += r.len;
    w->stats.bytes += d->title_len + d->body_len;
    if (batch_full(w))
        return commit(w);
    return SE_OK;
}

/* ---------------------------------------------------------------- threads */

/*
 * With --threads N, N - 1 workers prepare documents (tokenize, gather
 * forms, compress) in a ring of jobs while the caller's thread inverts
 * them in input order, so the index is the same whatever N is.
 */
/* Jobs queued before idle workers are woken, and prepared before a waiting
 * inverter is. */
#define POOL_WAKE_RUN 8

struct wr_pool {
    pthread_t *threads;
    size_t nthreads;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or stop */
    pthread_cond_t done; /* a job was prepared */
    struct prep_doc *jobs;
    int *state; /* per job: 0 free, 1 queued, 2 taken, 3 prepared */
    int *result;
    size_t njobs;
    uint64_t head; /* next job to consume */
    uint64_t take; /* next job for a worker */
    uint64_t tail; /* next free job */
    /* Sleeping costs a system call on each side, so each side wakes the
     * other for a run of jobs, not for each one. */
    size_t idle_workers;
    int inverter_waits; /* for jobs head and want to be prepared */
    uint64_t want;
    /* The flush's chunks to encode, while it runs; how many workers are
     * encoding one, and whether the inverter waits for a chunk. */
    struct wr_encode *enc;
    size_t enc_busy;
    int chunk_waits;
    int stop;
    const struct doc_dict *dict; /* the writer's, for the stored text */
};

struct worker_arg {
    struct wr_pool *pool;
    struct prep *prep;
    const struct doc_dict *dict; /* the one `prep` compresses with */
    struct wr_lists lists;       /* for the flush's chunks */
};

/* Whether a chunk of the flush may be taken; the pool's lock held. */
static int
chunk_ready(const struct wr_pool *p)
{
    return p->enc && p->enc->next < p->enc->limit;
}

/* Take the next chunk, encode it with `lists` and mark it encoded; called
 * and returns with the pool's lock held. */
static void
encode_next_chunk(struct wr_pool *p, struct wr_lists *lists)
{
    struct wr_encode *en = p->enc;
    struct wr_chunk *c = &en->chunks[en->next++];

    c->state = 1;
    p->enc_busy++;
    pthread_mutex_unlock(&p->mu);
    int rc = encode_chunk(en, c, lists);
    pthread_mutex_lock(&p->mu);
    c->rc = rc;
    c->state = 2;
    p->enc_busy--;
    if (p->chunk_waits)
        pthread_cond_signal(&p->done);
}

static void *
worker_main(void *arg)
{
    struct worker_arg *a = arg;
    struct wr_pool *p = a->pool;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->take == p->tail && !chunk_ready(p)) {
            p->idle_workers++;
            pthread_cond_wait(&p->work, &p->mu);
            p->idle_workers--;
        }
        if (p->stop)
            break;
        /* The inverter waits for a flush: its chunks come first. */
        if (chunk_ready(p)) {
            encode_next_chunk(p, &a->lists);
            continue;
        }
        size_t j = p->take++ % p->njobs;
        const struct doc_dict *dict = p->dict;
        p->state[j] = 2;
        pthread_mutex_unlock(&p->mu);
        int rc = SE_OK;
        if (dict != a->dict) {
            rc = prep_use_dict(a->prep, dict);
            a->dict = dict;
        }
        if (rc == SE_OK)
            rc = prep_run(a->prep, &p->jobs[j]);
        pthread_mutex_lock(&p->mu);
        p->result[j] = rc;
        p->state[j] = 3;
        if (p->inverter_waits && p->state[p->head % p->njobs] == 3 &&
            p->state[p->want % p->njobs] == 3)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    prep_free(a->prep);
    lists_release(&a->lists);
    free(a);
    return NULL;
}

static void
pool_free(struct wr_pool *p)
{
    size_t i;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    for (i = 0; i < p->njobs; i++)
        prep_doc_release(&p->jobs[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p->jobs);
    free(p->state);
    free(p->result);
    free(p);
}

/* Workers compress with `d` from the next document they take. */
static void
pool_use_dict(struct wr_pool *p, const struct doc_dict *d)
{
    pthread_mutex_lock(&p->mu);
    p->dict = d;
    pthread_mutex_unlock(&p->mu);
}

static int
pool_new(size_t nworkers, struct wr_pool **out)
{
    struct wr_pool *p = calloc(1, sizeof *p);
    size_t i;

    *out = NULL;
    if (p == NULL)
        return SE_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->njobs = 64 * nworkers;
    p->jobs = calloc(p->njobs, sizeof *p->jobs);
    p->state = calloc(p->njobs, sizeof *p->state);
    p->result = calloc(p->njobs, sizeof *p->result);
    p->threads = calloc(nworkers, sizeof *p->threads);
    if (!p->jobs || !p->state || !p->result || !p->threads) {
        pool_free(p);
        return SE_ENOMEM;
    }
    for (i = 0; i < nworkers; i++) {
        struct worker_arg *a = calloc(1, sizeof *a);
        if (a == NULL || prep_new(&a->prep) != SE_OK) {
            free(a);
            pool_free(p);
            return SE_ENOMEM;
        }
        a->pool = p;
        if (pthread_create(&p->threads[i], NULL, worker_main, a) != 0) {
            prep_free(a->prep);
            free(a);
            pool_free(p);
            return SE_ENOMEM;
        }
        p->nthreads++;
    }
    *out = p;
    return SE_OK;
}

/* Wake the idle workers when jobs wait for them; the pool's lock held. */
static void
wake_workers(struct wr_pool *p)
{
    if (p->idle_workers && (p->take != p->tail || chunk_ready(p)))
        pthread_cond_broadcast(&p->work);
}

/* Let the workers take the chunks before en->ready; under the lock. */
static void
offer_ready(struct wr_pool *p, struct wr_encode *en)
{
    p->enc = en;
    en->limit = en->ready;
    wake_workers(p);
}

static void
encode_offer(struct wr *w, struct wr_encode *en)
{
    struct wr_pool *p = w->pool;

    if (p == NULL || en->nchunks == 0)
        return;
    pthread_mutex_lock(&p->mu);
    offer_ready(p, en);
    pthread_mutex_unlock(&p->mu);
}

/*
 * Have chunk c of the flush encoded, by a worker or by the inverter itself
 * when none has taken it, and let the workers take up to CHUNK_AHEAD more.
 */
static int
encode_wait(struct wr *w, struct wr_encode *en, size_t c)
{
    struct wr_pool *p = w->pool;

    if (p == NULL) {
        en->chunks[c].state = 2;
        return en->chunks[c].rc = encode_chunk(en, &en->chunks[c], &w->lists);
    }
    pthread_mutex_lock(&p->mu);
    offer_ready(p, en); /* the chunks read_chunk() has done */
    while (en->chunks[c].state != 2) {
        if (chunk_ready(p)) {
            encode_next_chunk(p, &w->lists);
            continue;
        }
        p->chunk_waits = 1;
        pthread_cond_wait(&p->done, &p->mu);
        p->chunk_waits = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return en->chunks[c].rc;
}

/* The flush is done with `en`: wait for the workers still encoding. */
static void
encode_end(struct wr *w, struct wr_encode *en)
{
    struct wr_pool *p = w->pool;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->enc == en) {       /* not ended yet, nor another table's turn */
        en->limit = en->next; /* nothing more to take */
        while (p->enc_busy) {
            p->chunk_waits = 1;
            pthread_cond_wait(&p->done, &p->mu);
            p->chunk_waits = 0;
        }
        p->enc = NULL;
    }
    pthread_mutex_unlock(&p->mu);
}

/* Consume the oldest queued document, waiting for it to be prepared. */
static int
pool_consume_one(struct wr *w)
{
    struct wr_pool *p = w->pool;
    size_t j = p->head % p->njobs;
    int rc;

    pthread_mutex_lock(&p->mu);
    while (p->state[j] != 3) {
        /* Rather than wait, prepare the next job no worker has taken:
         * the inverter is then never idle while work is queued. */
        if (p->take != p->tail) {
            size_t k = p->take++ % p->njobs;
            p->state[k] = 2;
            pthread_mutex_unlock(&p->mu);
            rc = prep_run(w->prep, &p->jobs[k]);
            pthread_mutex_lock(&p->mu);
            p->result[k] = rc;
            p->state[k] = 3;
            continue;
        }
        wake_workers(p);
        p->want =
            p->head + (p->tail - p->head < POOL_WAKE_RUN ? p->tail - p->head - 1
                                                         : POOL_WAKE_RUN - 1);
        p->inverter_waits = 1;
        while (p->state[j] != 3 || p->state[p->want % p->njobs] != 3)
            pthread_cond_wait(&p->done, &p->mu);
        p->inverter_waits = 0;
    }
    pthread_mutex_unlock(&p->mu);
    rc = p->result[j];
    if (rc == SE_OK)
        rc = consume(w, &p->jobs[j]);
    pthread_mutex_lock(&p->mu);
    p->state[j] = 0;
    p->head++;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Invert every queued document: before a commit, a delete or the end. */
static int
drain(struct wr *w)
{
    int rc = SE_OK;

    while (w->pool && rc == SE_OK && w->pool->head != w->pool->tail)
        rc = pool_consume_one(w);
    return rc;
}

int
wr_add(struct wr *w, const struct wr_doc *d)
{
    struct wr_pool *p = w->pool;
    int rc;

    if (d->id_len == 0 || d->id_len > PL_TERM_MAX)
        return SE_EINVAL;
    if (w->failed)
        return w->failed;
    if (p == NULL) {
        rc = prep_doc_set(&w->one, d->id, d->id_len, d->title, d->title_len,
                          d->date, d->date_len, d->body, d->body_len);
        if (rc == SE_OK)
            rc = prep_run(w->prep, &w->one);
        if (rc == SE_OK)
            rc = consume(w, &w->one);
        return rc;
    }
    /* A full ring: invert the oldest first. */
    while (p->tail - p->head == p->njobs) {
        rc = pool_consume_one(w);
        if (rc != SE_OK)
            return w->failed = rc;
    }
    size_t j = p->tail % p->njobs;
    rc = prep_doc_set(&p->jobs[j], d->id, d->id_len, d->title, d->title_len,
                      d->date, d->date_len, d->body, d->body_len);
    if (rc != SE_OK)
        return rc;
    pthread_mutex_lock(&p->mu);
    p->state[j] = 1;
    p->tail++;
    if (p->tail - p->take >= POOL_WAKE_RUN)
        wake_workers(p);
    pthread_mutex_unlock(&p->mu);
    return SE_OK;
}
