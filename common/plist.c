/*
 * plist.c - dictionary entries and posting-list iterators over LMDB.
 *
 * An iterator holds one decoded block: its document ids always, its
 * frequencies and positions only once asked for (a phrase decodes positions
 * only in the blocks where all its words meet). Values are decoded straight
 * from the map, never copied.
 */
#include "plist.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

struct pl {
    enum pl_kind kind;
    struct idx_cursor *cur;     /* NULL when the list is in the dictionary */
    const unsigned char *block; /* then its one block, in the map */
    size_t block_len;
    struct pl_stats st;
    char term[PL_TERM_MAX];
    size_t len;
    struct post_view v;
    uint32_t n;    /* documents in the loaded block, 0 for none */
    uint32_t i;    /* current index in it */
    uint32_t last; /* last document of the block, from its key */
    int started, ended, have_tfs, have_pos;
    uint32_t tf_reads; /* tfs read one by one in this block (pl_tf) */
    uint32_t docs[POST_BLOCK_DOCS];
    uint32_t tfs[POST_BLOCK_DOCS];
    struct post_pos_cursor pc; /* valid with have_pos */
    uint32_t pos_i;            /* index of the document `pos` holds, */
    uint32_t *pos;             /* valid with have_pos: its positions */
    size_t pos_cap;
};

enum idx_table
pl_dict_table(enum pl_kind kind)
{
    return kind == PL_STEMS ? IDX_SDICT : IDX_FDICT;
}

enum idx_table
pl_post_table(enum pl_kind kind)
{
    return kind == PL_STEMS ? IDX_STEMS : IDX_FORMS;
}

size_t
pl_key(const char *term, size_t len, uint32_t last, unsigned char *key)
{
    memcpy(key, term, len);
    key[len] = 0;
    idx_put_be32(key + len + 1, last);
    return len + 5;
}

int
pl_entry_decode(const void *val, size_t len, struct pl_entry *e)
{
    const unsigned char *p = val, *end = p + len;

    e->block = NULL;
    e->block_len = 0;
    if (buf_get_varint(&p, end, &e->st.df) != SE_OK ||
        buf_get_varint64(&p, end, &e->st.cf) != SE_OK || e->st.df == 0 ||
        e->st.cf < e->st.df || (size_t)(end - p) > PL_INLINE_MAX)
        return SE_ECORRUPT;
    if (p != end) {
        e->block = p;
        e->block_len = (size_t)(end - p);
    }
    return SE_OK;
}

int
pl_entry_get(struct idx_txn *txn, enum pl_kind kind, const char *term,
             size_t len, struct pl_entry *e)
{
    const void *v;
    size_t n;
    int rc;

    memset(e, 0, sizeof *e);
    if (len == 0 || len > PL_TERM_MAX)
        return SE_ENOTFOUND;
    rc = idx_get(txn, pl_dict_table(kind), term, len, &v, &n);
    if (rc != SE_OK)
        return rc;
    rc = pl_entry_decode(v, n, e);
    if (rc != SE_OK)
        memset(e, 0, sizeof *e);
    return rc;
}

int
pl_stats_get(struct idx_txn *txn, enum pl_kind kind, const char *term,
             size_t len, struct pl_stats *st)
{
    struct pl_entry e;
    int rc = pl_entry_get(txn, kind, term, len, &e);

    *st = e.st;
    return rc;
}

int
pl_entry_encode(const struct pl_stats *st, const void *block,
                size_t block_len, struct buf *out)
{
    int rc;

    if (block_len > PL_INLINE_MAX)
        return SE_EINVAL;
    rc = buf_put_varint(out, st->df);
    if (rc == SE_OK)
        rc = buf_put_varint64(out, st->cf);
    if (rc == SE_OK && block_len)
        rc = post_make_lean(block, block_len, out);
    return rc;
}

int
pl_entry_put(struct idx_txn *txn, enum pl_kind kind, const char *term,
             size_t len, const struct pl_stats *st, const void *block,
             size_t block_len)
{
    unsigned char tmp[16 + PL_INLINE_MAX];
    struct buf b = {tmp, 0, sizeof tmp};
    int rc;

    if (st->df == 0) {
        rc = idx_del(txn, pl_dict_table(kind), term, len, NULL, 0);
        return rc == SE_ENOTFOUND ? SE_OK : rc;
    }
    /* 15 + PL_INLINE_MAX bytes always fit: no reallocation of the stack
     * buffer. */
    rc = pl_entry_encode(st, block, block_len, &b);
    if (rc == SE_OK)
        rc = idx_put(txn, pl_dict_table(kind), term, len, tmp, b.len, 0);
    return rc;
}

/* Count a parsed block's parts: whatever is not a stream is header. */
static void
usage_block(struct pl_usage *u, const struct post_view *v, size_t len)
{
    size_t streams = v->docs_bytes + v->tfs_bytes + v->pos_bytes;

    u->docs += v->docs_bytes;
    u->tfs += v->tfs_bytes;
    u->positions += v->pos_bytes;
    u->headers += len - streams;
}

/* One table of `kind` (its dictionary or its postings), into `u`. */
static int
usage_table(struct idx_txn *txn, enum pl_kind kind, int dict,
            struct pl_usage *u)
{
    struct idx_cursor *c;
    int r, rc = idx_cursor_open(
        txn, dict ? pl_dict_table(kind) : pl_post_table(kind), &c);

    if (rc != SE_OK)
        return rc;
    for (r = idx_cursor_first(c); r == 1 && rc == SE_OK;
         r = idx_cursor_next(c)) {
        const void *k, *val;
        size_t klen, vlen;
        struct post_view v;
        struct pl_entry e;
        rc = idx_cursor_get(c, &k, &klen, &val, &vlen);
        if (rc != SE_OK)
            break;
        u->keys += klen;
        if (!dict) {
            u->blocks++;
            rc = post_parse(val, vlen, &v);
            if (rc == SE_OK)
                usage_block(u, &v, vlen);
            continue;
        }
        rc = pl_entry_decode(val, vlen, &e);
        if (rc != SE_OK)
            break;
        u->lists++;
        u->postings += e.st.df;
        u->stats += vlen - e.block_len;
        if (e.block == NULL)
            continue;
        u->inline_lists++;
        rc = post_parse_lean(e.block, e.block_len, e.st.df, e.st.cf, &v);
        if (rc == SE_OK)
            usage_block(u, &v, e.block_len);
    }
    idx_cursor_close(c);
    return rc != SE_OK ? rc : r < 0 ? r : SE_OK;
}

int
pl_usage(struct idx_txn *txn, enum pl_kind kind, struct pl_usage *u)
{
    int rc;

    memset(u, 0, sizeof *u);
    rc = usage_table(txn, kind, 1, u);
    return rc == SE_OK ? usage_table(txn, kind, 0, u) : rc;
}

int
pl_open(struct idx_txn *txn, enum pl_kind kind, const char *term, size_t len,
        struct pl **out)
{
    struct pl_entry e;
    int rc = pl_entry_get(txn, kind, term, len, &e);

    *out = NULL;
    return rc == SE_OK ? pl_open_entry(txn, kind, term, len, &e, out) : rc;
}

int
pl_open_entry(struct idx_txn *txn, enum pl_kind kind, const char *term,
              size_t len, const struct pl_entry *e, struct pl **out)
{
    struct pl *p;
    int rc = SE_OK;

    *out = NULL;
    if (len == 0 || len > PL_TERM_MAX)
        return SE_ENOTFOUND;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return SE_ENOMEM;
    p->kind = kind;
    memcpy(p->term, term, len);
    p->len = len;
    p->st = e->st;
    p->block = e->block;
    p->block_len = e->block_len;
    if (p->block == NULL)
        rc = idx_cursor_open(txn, pl_post_table(kind), &p->cur);
    if (rc != SE_OK) {
        pl_close(p);
        return rc;
    }
    *out = p;
    return SE_OK;
}

void
pl_close(struct pl *p)
{
    if (p == NULL)
        return;
    idx_cursor_close(p->cur);
    free(p->pos);
    free(p);
}

const struct pl_stats *
pl_stats(const struct pl *p)
{
    return &p->st;
}

/* Whether a posting key is one of the iterator's term's blocks. */
static int
is_term_key(const struct pl *p, const unsigned char *key, size_t klen)
{
    return klen == p->len + 5 && memcmp(key, p->term, p->len) == 0 &&
           key[p->len] == 0;
}

/*
 * Decode the block in [val, vlen) as the current one; `last` is the last
 * document its key names (a dictionary block has no key: pass
 * UINT32_MAX, and its last document is taken as it decodes).
 */
static int
use_block(struct pl *p, const void *val, size_t vlen, uint32_t last)
{
    int rc = last == UINT32_MAX
                 ? post_parse_lean(val, vlen, p->st.df, p->st.cf, &p->v)
                 : post_parse(val, vlen, &p->v);

    if (rc == SE_OK)
        rc = post_decode_docs(&p->v, p->docs);
    if (rc != SE_OK)
        return rc;
    if (last == UINT32_MAX)
        last = p->docs[p->v.n - 1];
    if (p->docs[p->v.n - 1] != last)
        return SE_ECORRUPT;
    if ((p->kind == PL_FORMS) != ((p->v.flags & POST_F_POSITIONS) != 0))
        return SE_ECORRUPT;
    p->last = last;
    p->n = p->v.n;
    return 1;
}

/*
 * Load the block under the cursor (found = its return). 1 when it belongs
 * to our term, 0 when the cursor left the term (end of the list), <0 error.
 */
static int
load_block(struct pl *p, int found)
{
    const unsigned char *key;
    const void *k, *val;
    size_t klen, vlen;
    int rc;

    p->n = 0;
    p->i = 0;
    p->have_tfs = p->have_pos = 0;
    p->tf_reads = 0;
    if (found <= 0) {
        p->ended = 1;
        return found;
    }
    rc = idx_cursor_get(p->cur, &k, &klen, &val, &vlen);
    if (rc != SE_OK)
        return rc;
    key = k;
    if (!is_term_key(p, key, klen)) {
        p->ended = 1;
        return 0;
    }
    return use_block(p, val, vlen, idx_get_be32(key + p->len + 1));
}

/* The first call on a list kept in the dictionary: its one block. */
static int
load_inline(struct pl *p)
{
    p->started = 1;
    p->i = 0;
    p->have_tfs = p->have_pos = 0;
    p->tf_reads = 0;
    return use_block(p, p->block, p->block_len, UINT32_MAX);
}

int
pl_next(struct pl *p)
{
    if (p->ended)
        return 0;
    if (p->block && (!p->started || p->i + 1 >= p->n)) {
        if (p->started) {
            p->ended = 1;
            return 0;
        }
        return load_inline(p);
    }
    if (!p->started) {
        unsigned char key[PL_KEY_MAX];
        p->started = 1;
        return load_block(
            p, idx_cursor_seek(p->cur, key, pl_key(p->term, p->len, 0, key)));
    }
    if (p->i + 1 < p->n) {
        p->i++;
        return 1;
    }
    return load_block(p, idx_cursor_next(p->cur));
}

/* Blocks pl_seek() steps over before it searches from the root. */
#define PL_STEPS 4

/*
 * Step the cursor to the next block: 1 when it is the term's and its last
 * document >= target (load it), 0 when it is the term's but ends before
 * target (seek instead), 0 with p->ended when the term has no more blocks.
 */
static int
next_block_holds(struct pl *p, uint32_t target)
{
    const unsigned char *key;
    const void *k, *val;
    size_t klen, vlen;
    int rc = idx_cursor_next(p->cur);

    if (rc <= 0) {
        if (rc == 0)
            load_block(p, 0); /* no next key: the list is over */
        return rc;
    }
    rc = idx_cursor_get(p->cur, &k, &klen, &val, &vlen);
    if (rc != SE_OK)
        return rc;
    key = k;
    if (!is_term_key(p, key, klen)) {
        load_block(p, 0); /* another term's block: the list is over */
        return 0;
    }
    return idx_get_be32(key + p->len + 1) >= target;
}

int
pl_seek(struct pl *p, uint32_t target)
{
    uint32_t lo, hi;

    if (p->ended)
        return 0;
    if (p->block) {
        if (!p->started) {
            int rc = load_inline(p);
            if (rc <= 0)
                return rc;
        }
        if (target > p->last) {
            p->ended = 1;
            return 0;
        }
        if (p->docs[p->i] >= target)
            return 1;
        goto search;
    }
    if (p->started && target > p->last) {
        /* Often one of the next few blocks holds the target: steps along
         * the leaf, reading only keys, are cheaper than a search from the
         * root (a rare word's documents fall a few blocks apart in a
         * frequent word's list). */
        int steps;
        for (steps = 0; steps < PL_STEPS; steps++) {
            int rc = next_block_holds(p, target);
            if (rc < 0)
                return rc;
            if (rc > 0) {
                rc = load_block(p, rc);
                if (rc <= 0)
                    return rc;
                goto search;
            }
            if (p->ended)
                return 0;
        }
    }
    if (!p->started || target > p->last) {
        /* The B-tree finds the one block whose last doc >= target. */
        unsigned char key[PL_KEY_MAX];
        int rc;
        p->started = 1;
        rc = load_block(
            p,
            idx_cursor_seek(p->cur, key, pl_key(p->term, p->len, target, key)));
        if (rc <= 0)
            return rc;
    } else if (p->docs[p->i] >= target) {
        return 1;
    }
search:
    /* The first doc >= target: galloping from the current doc, since
     * targets mostly come in small steps, then binary search. */
    lo = p->i;
    hi = p->n - 1; /* docs[hi] = last >= target */
    if (p->docs[lo] < target) {
        uint32_t step = 1;
        while (lo + step < hi && p->docs[lo + step] < target) {
            lo += step;
            step *= 2;
        }
        if (lo + step < hi)
            hi = lo + step;
        lo++; /* docs[lo] < target: the answer lies after it */
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->docs[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    p->i = lo;
    return 1;
}

void
pl_block_impacts(const struct pl *p, uint32_t *last, uint32_t *n,
                 const uint32_t **tf, const uint32_t **len)
{
    *last = p->last;
    *n = p->v.nimpacts;
    *tf = p->v.impact_tf;
    *len = p->v.impact_len;
}

/* Decode the block's tfs, once. */
static int
decode_tfs(struct pl *p)
{
    int rc;

    if (p->have_tfs)
        return SE_OK;
    rc = post_decode_tfs(&p->v, p->tfs);
    p->have_tfs = rc == SE_OK;
    return rc;
}

/* Past this many tfs of one block read in place, decode them all. */
#define PL_TF_READS 8

int
pl_block_rest(struct pl *p, const uint32_t **docs, const uint32_t **tfs,
              uint32_t *n)
{
    int rc = decode_tfs(p);

    if (rc != SE_OK)
        return rc;
    *docs = p->docs + p->i;
    *tfs = p->tfs + p->i;
    *n = p->n - p->i;
    return SE_OK;
}

uint32_t
pl_doc(const struct pl *p)
{
    return p->docs[p->i];
}

int
pl_tf(struct pl *p, uint32_t *tf)
{
    int rc;

    *tf = 0;
    /* A seek lands on few documents of a block (a phrase's or an AND's
     * frequent word): their tfs are read in place, not 128 decoded. */
    if (!p->have_tfs && p->tf_reads < PL_TF_READS) {
        p->tf_reads++;
        rc = post_tf_at(&p->v, p->i, tf);
        if (rc != SE_ENOTFOUND)
            return rc;
    }
    rc = decode_tfs(p);
    if (rc == SE_OK)
        *tf = p->tfs[p->i];
    return rc;
}

int
pl_positions(struct pl *p, const uint32_t **pos, uint32_t *n)
{
    uint32_t tf;
    int rc;

    *pos = NULL;
    *n = 0;
    if (p->kind != PL_FORMS)
        return SE_EINVAL;
    rc = decode_tfs(p); /* the positions of the documents before it */
    if (rc != SE_OK)
        return rc;
    tf = p->tfs[p->i];
    /* One document's positions at a time: a phrase of frequent words
     * needs them in few of a block's documents. */
    if (tf > p->pos_cap) {
        uint32_t *np = realloc(p->pos, (size_t)tf * sizeof *np);
        if (np == NULL)
            return SE_ENOMEM;
        p->pos = np;
        p->pos_cap = tf;
    }
    if (!p->have_pos) {
        post_pos_cursor_init(&p->pc);
        p->pos_i = UINT32_MAX;
        p->have_pos = 1;
    }
    if (p->pos_i != p->i) {
        rc = post_decode_doc_positions(&p->v, p->tfs, &p->pc, p->i, p->pos);
        if (rc != SE_OK)
            return rc;
        p->pos_i = p->i;
    }
    *pos = p->pos;
    *n = tf;
    return SE_OK;
}
