/*
 * test_posting.c - the posting block codec: round trips against the input,
 * the streams against libstreamvbyte's own decoders, sizes, bad encoder
 * input, and corrupt blocks (truncated, flipped, hand-made).
 *
 * Blocks are decoded from a copy that ends exactly where a PROT_NONE page
 * begins, so a read past the value faults even in a build without ASan.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <streamvbyte.h>
#include <streamvbytedelta.h>

#include "buf.h"
#include "error.h"
#include "posting.h"

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

/* A value below 2^bits (bits 1..32), biased to all widths alike. */
static uint32_t
rnd_bits(uint64_t *s, unsigned bits)
{
    uint32_t r = (uint32_t)(rnd(s) >> 32);

    return bits >= 32 ? r : r & ((UINT32_C(1) << bits) - 1);
}

/* A block's input, as the indexer would hand it to post_encode(). */
struct blk {
    uint32_t n;
    uint32_t docs[POST_BLOCK_DOCS];
    uint32_t tfs[POST_BLOCK_DOCS];
    uint32_t lens[POST_BLOCK_DOCS];
    int has_lens;
    uint32_t *pos; /* NULL: no positions; else npos, caller frees */
    size_t npos;
};

static void
blk_release(struct blk *b)
{
    free(b->pos);
    b->pos = NULL;
}

/*
 * `n` documents from `seed`: gaps and tfs of a random width each block (so
 * some blocks are all 1-byte, some all 4-byte), positions when `with_pos`,
 * now and then a document with thousands of them.
 */
static void
blk_random(struct blk *b, uint64_t seed, uint32_t n, int with_pos)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
    unsigned gbits = 1 + rnd(&s) % 32, tbits = 1 + rnd(&s) % 32;
    uint32_t i, j;
    size_t at = 0;

    memset(b, 0, sizeof *b);
    b->n = n;
    b->has_lens = rnd(&s) % 3 != 0;
    b->docs[0] = rnd(&s) % 4 == 0 ? 0 : rnd_bits(&s, 1 + rnd(&s) % 32);
    if (b->docs[0] > UINT32_MAX - (n - 1))
        b->docs[0] = UINT32_MAX - (n - 1);
    for (i = 1; i < n; i++) {
        /* leave room for the n-1-i documents still to come */
        uint32_t room = UINT32_MAX - (n - 1 - i) - b->docs[i - 1];
        uint32_t gap = 1 + rnd_bits(&s, gbits);

        if (gap == 0 || gap > room)
            gap = 1 + (uint32_t)(rnd(&s) % room);
        b->docs[i] = b->docs[i - 1] + gap;
    }
    for (i = 0; i < n; i++) {
        b->lens[i] = rnd_bits(&s, 1 + rnd(&s) % 32);
        if (!with_pos) {
            b->tfs[i] = rnd_bits(&s, tbits);
            if (b->tfs[i] == 0)
                b->tfs[i] = 1;
        } else if (rnd(&s) % 50 == 0) {
            b->tfs[i] = 1000 + rnd(&s) % 4000;
        } else {
            b->tfs[i] = 1 + rnd(&s) % (tbits < 4 ? 1 : 8);
        }
        b->npos += b->tfs[i];
    }
    if (!with_pos) {
        b->npos = 0;
        return;
    }
    b->pos = malloc(b->npos * sizeof *b->pos);
    cr_assert_not_null(b->pos, "out of memory");
    for (i = 0; i < n; i++) {
        unsigned pbits = 1 + rnd(&s) % 32;
        uint32_t t = b->tfs[i], p = rnd_bits(&s, pbits);

        if (p > UINT32_MAX - (t - 1))
            p = UINT32_MAX - (t - 1);
        b->pos[at++] = p;
        for (j = 1; j < t; j++) {
            uint32_t room = UINT32_MAX - (t - 1 - j) - p;
            uint32_t gap = 1 + rnd_bits(&s, pbits < 20 ? pbits : 20);

            if (gap == 0 || gap > room)
                gap = 1 + (uint32_t)(rnd(&s) % room);
            p += gap;
            b->pos[at++] = p;
        }
    }
}

static void
blk_encode_as(const struct blk *b, enum post_pack pack, struct buf *out)
{
    int rc = post_encode_as(b->docs, b->tfs, b->has_lens ? b->lens : NULL,
                            b->pos, b->n, pack, out);

    cr_assert_eq(rc, SE_OK, "encode n=%u: %s", b->n, se_strerror(rc));
}

/* As the index writes it: each stream packed when that is shorter. */
static void
blk_encode(const struct blk *b, struct buf *out)
{
    blk_encode_as(b, POST_PACK_SMALLER, out);
}

/*
 * A copy of [src, src+len) that ends where an unreadable page begins; the
 * mapping is g->map, g->maplen bytes.
 */
struct guard {
    void *map;
    size_t maplen;
    unsigned char *val;
};

static unsigned char *
guard_copy(struct guard *g, const void *src, size_t len)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = (len + ps - 1) / ps * ps;
    unsigned char *m;

    g->maplen = data + ps;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(g->map, MAP_FAILED, "mmap failed");
    m = g->map;
    cr_assert_eq(mprotect(m + data, ps, PROT_NONE), 0, "mprotect failed");
    g->val = m + data - len;
    if (len > 0)
        memcpy(g->val, src, len);
    return g->val;
}

static void
guard_release(struct guard *g)
{
    munmap(g->map, g->maplen);
}

/* What decoding a whole block gives; pos is malloc'd, caller frees. */
struct decoded {
    struct post_view v;
    uint32_t docs[POST_BLOCK_DOCS];
    uint32_t tfs[POST_BLOCK_DOCS];
    uint32_t *pos;
};

/*
 * Decode document `doc`'s positions with cursor c. When the whole-block
 * decoder succeeded, this must succeed and agree with it; when it did not
 * (a corrupt block) it may fail, but must not read outside the value, which
 * the guard page or ASan would catch.
 */
static void
one_doc(const struct decoded *d, int full_ok, struct post_pos_cursor *c,
        uint32_t doc, uint32_t *one)
{
    uint64_t off;
    uint32_t k;
    int rc;

    if (d->tfs[doc] > d->v.max_tf) /* corrupt, the decoder's to catch */
        return;
    rc = post_decode_doc_positions(&d->v, d->tfs, c, doc, one);
    if (!full_ok) {
        cr_assert(rc == SE_OK || rc == SE_ECORRUPT, "%s", se_strerror(rc));
        return;
    }
    cr_assert_eq(rc, SE_OK, "doc %u alone: %s", doc, se_strerror(rc));
    for (off = 0, k = 0; k < doc; k++)
        off += d->tfs[k];
    for (k = 0; k < d->tfs[doc]; k++)
        cr_assert_eq(one[k], d->pos[off + k],
                     "doc %u position %u: %u alone, %u in the block", doc, k,
                     one[k], d->pos[off + k]);
}

/*
 * Decode the positions one document at a time: forward, then the last and
 * the first again (the cursor restarts); then with fresh cursors, the last
 * document straight away and every seventh, so that the cursor skips over
 * many documents' values at once.
 */
static void
doc_by_doc(const struct decoded *d, int full_ok)
{
    struct post_pos_cursor c;
    uint32_t i, *one;

    one = malloc(((size_t)d->v.max_tf + 1) * sizeof *one);
    cr_assert_not_null(one, "out of memory");
    post_pos_cursor_init(&c);
    for (i = 0; i < d->v.n; i++)
        one_doc(d, full_ok, &c, i, one);
    one_doc(d, full_ok, &c, d->v.n - 1, one);
    one_doc(d, full_ok, &c, 0, one);
    post_pos_cursor_init(&c);
    one_doc(d, full_ok, &c, d->v.n - 1, one);
    post_pos_cursor_init(&c);
    for (i = 0; i < d->v.n; i += 7)
        one_doc(d, full_ok, &c, i, one);
    free(one);
}

/* Parse and decode everything; the first error, or SE_OK. */
static int
decode_all(const void *val, size_t len, struct decoded *d)
{
    int rc;

    memset(d, 0, sizeof *d);
    rc = post_parse(val, len, &d->v);
    if (rc == SE_OK)
        rc = post_decode_docs(&d->v, d->docs);
    if (rc == SE_OK)
        rc = post_decode_tfs(&d->v, d->tfs);
    if (rc == SE_OK && (d->v.flags & POST_F_POSITIONS)) {
        /* post_parse() bounds pos_count by the value's size: a bit at
         * least for each position (PFOR), a byte with StreamVByte */
        cr_assert_leq(d->v.pos_count,
                      d->v.flags & POST_F_PACKED_POS ? 8 * len : len,
                      "pos_count %u for %zu bytes", d->v.pos_count, len);
        d->pos = malloc(((size_t)d->v.pos_count + 1) * sizeof *d->pos);
        cr_assert_not_null(d->pos, "out of memory");
        rc = post_decode_positions(&d->v, d->tfs, d->pos);
        doc_by_doc(d, rc == SE_OK);
    }
    return rc;
}

/* The invariants any block that decodes must keep, corrupt or not. */
static void
check_invariants(const struct decoded *d)
{
    const struct post_view *v = &d->v;
    uint64_t sum = 0;
    uint32_t i, j, max = 0;
    const uint32_t *p = d->pos;

    cr_assert(v->n >= 1 && v->n <= POST_BLOCK_DOCS, "n = %u", v->n);
    cr_assert_eq(d->docs[0], v->first_doc, "first doc");
    for (i = 1; i < v->n; i++)
        cr_assert_gt(d->docs[i], d->docs[i - 1], "doc %u: %u after %u", i,
                     d->docs[i], d->docs[i - 1]);
    for (i = 0; i < v->n; i++) {
        cr_assert_geq(d->tfs[i], 1, "tf %u is 0", i);
        max = d->tfs[i] > max ? d->tfs[i] : max;
        sum += d->tfs[i];
    }
    cr_assert_eq(max, v->max_tf, "max_tf %u, largest tf %u", v->max_tf, max);
    if (!(v->flags & POST_F_POSITIONS))
        return;
    cr_assert_eq(sum, v->pos_count, "pos_count %u, sum of tfs %llu",
                 v->pos_count, (unsigned long long)sum);
    for (i = 0; i < v->n; p += d->tfs[i], i++)
        for (j = 1; j < d->tfs[i]; j++)
            cr_assert_gt(p[j], p[j - 1], "doc %u position %u: %u after %u", i,
                         j, p[j], p[j - 1]);
}

/* A copy of [p, p+len) with 64 spare bytes, for libstreamvbyte's decoders,
 * whose SIMD builds may read past the end of a stream. Caller frees. */
static unsigned char *
padded(const unsigned char *p, size_t len)
{
    unsigned char *c = calloc(len + 64, 1);

    cr_assert_not_null(c, "out of memory");
    if (len > 0)
        memcpy(c, p, len);
    return c;
}

/* Decode each StreamVByte stream of `v` with libstreamvbyte and compare
 * with `b`. */
static void
check_with_library(const struct post_view *v, const struct blk *b)
{
    uint32_t ref[POST_BLOCK_DOCS], i, *rpos;
    unsigned char *c;
    size_t used;

    if (!(v->flags & POST_F_PACKED_DOCS)) {
        c = padded(v->docs, v->docs_bytes);
        used = streamvbyte_delta_decode(c, ref, b->n - 1, b->docs[0]);
        cr_assert_eq(used, v->docs_bytes, "library read %zu of %zu doc bytes",
                     used, v->docs_bytes);
        for (i = 1; i < b->n; i++)
            cr_assert_eq(ref[i - 1], b->docs[i], "library: doc %u", i);
        free(c);
    }

    if (!(v->flags & POST_F_PACKED_TFS)) {
        c = padded(v->tfs, v->tfs_bytes);
        used = streamvbyte_decode_0124(c, ref, b->n);
        cr_assert_eq(used, v->tfs_bytes, "library read %zu of %zu tf bytes",
                     used, v->tfs_bytes);
        for (i = 0; i < b->n; i++)
            cr_assert_eq(ref[i] + 1, b->tfs[i], "library: tf %u", i);
        free(c);
    }

    if (b->pos == NULL || (v->flags & POST_F_PACKED_POS))
        return;
    rpos = malloc(b->npos * sizeof *rpos);
    cr_assert_not_null(rpos, "out of memory");
    c = padded(v->pos, v->pos_bytes);
    used = streamvbyte_decode(c, rpos, (uint32_t)b->npos);
    cr_assert_eq(used, v->pos_bytes, "library read %zu of %zu position bytes",
                 used, v->pos_bytes);
    {
        const uint32_t *p = b->pos, *r = rpos;
        uint32_t j;

        for (i = 0; i < b->n; p += b->tfs[i], r += b->tfs[i], i++) {
            uint32_t at = 0;

            for (j = 0; j < b->tfs[i]; j++) {
                at += r[j];
                cr_assert_eq(at, p[j], "library: doc %u position %u", i, j);
            }
        }
    }
    free(c);
    free(rpos);
}

/* The BM25 tf and length factor, k1 = 1.2, b = 0.75, average length 100. */
static double
factor(uint32_t tf, uint32_t len)
{
    return tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / 100.0));
}

/*
 * The impacts of a block encoded with lengths: pairs increasing in tf and
 * length, from min_len to max_tf, each document dominated by one of them,
 * and, when no run was merged, exactly the documents' distinct pairs that
 * no other beats, so the best pair scores the best document: the bound is
 * tight.
 */
static void
check_impacts(const struct post_view *v, const struct blk *b)
{
    double best_doc = 0, best_pair = 0;
    uint32_t i, j, frontier = 0;

    cr_assert_geq(v->nimpacts, 1, "no impacts");
    cr_assert_leq(v->nimpacts, POST_MAX_IMPACTS, "%u impacts", v->nimpacts);
    cr_assert_eq(!!(v->flags & POST_F_IMPACTS), v->nimpacts > 1,
                 "flag and %u impacts", v->nimpacts);
    if (!b->has_lens) {
        cr_assert_eq(v->nimpacts, 1, "impacts without lengths");
        return;
    }
    cr_assert_eq(v->impact_len[0], v->min_len, "first impact length");
    cr_assert_eq(v->impact_tf[v->nimpacts - 1], v->max_tf, "last impact tf");
    for (i = 1; i < v->nimpacts; i++) {
        cr_assert_gt(v->impact_tf[i], v->impact_tf[i - 1], "impact tf order");
        cr_assert_geq(v->impact_len[i], v->impact_len[i - 1], "length order");
    }
    for (i = 0; i < b->n; i++) {
        int dominated = 0, beaten = 0;
        for (j = 0; j < v->nimpacts; j++)
            dominated |=
                b->tfs[i] <= v->impact_tf[j] && b->lens[i] >= v->impact_len[j];
        cr_assert(dominated, "doc %u (tf %u, len %u) above every impact", i,
                  b->tfs[i], b->lens[i]);
        /* Count the distinct pairs no other document dominates strictly. */
        for (j = 0; j < b->n && !beaten; j++)
            beaten = (b->tfs[j] > b->tfs[i] && b->lens[j] <= b->lens[i]) ||
                     (b->tfs[j] >= b->tfs[i] && b->lens[j] < b->lens[i]) ||
                     (j < i && b->tfs[j] == b->tfs[i] &&
                      b->lens[j] == b->lens[i]);
        frontier += !beaten;
        if (factor(b->tfs[i], b->lens[i]) > best_doc)
            best_doc = factor(b->tfs[i], b->lens[i]);
    }
    for (j = 0; j < v->nimpacts; j++)
        if (factor(v->impact_tf[j], v->impact_len[j]) > best_pair)
            best_pair = factor(v->impact_tf[j], v->impact_len[j]);
    cr_assert_geq(best_pair, best_doc * (1 - 1e-12), "bound below a doc");
    if (frontier > POST_MAX_IMPACTS)
        return;
    cr_assert_leq(best_pair, best_doc * (1 + 1e-12),
                  "bound %g not tight: best document %g", best_pair, best_doc);
    cr_assert_eq(v->nimpacts, frontier, "%u impacts, %u pairs unbeaten",
                 v->nimpacts, frontier);
    for (j = 0; j < v->nimpacts; j++) {
        int found = 0;
        for (i = 0; i < b->n && !found; i++)
            found = b->tfs[i] == v->impact_tf[j] &&
                    b->lens[i] == v->impact_len[j];
        cr_assert(found, "impact (%u, %u) is no document's", v->impact_tf[j],
                  v->impact_len[j]);
    }
}

/* Decode `val` and compare with the block it was encoded from. */
static void
check_block(const void *val, size_t len, const struct blk *b)
{
    struct decoded d;
    uint32_t i, min_len = UINT32_MAX, max_tf = 0;
    int rc;

    rc = decode_all(val, len, &d);
    cr_assert_eq(rc, SE_OK, "decode n=%u: %s", b->n, se_strerror(rc));
    cr_assert_eq(d.v.n, b->n, "n: %u, want %u", d.v.n, b->n);
    cr_assert_eq(d.v.flags & POST_F_POSITIONS, b->pos ? POST_F_POSITIONS : 0,
                 "flags %u", d.v.flags);
    check_impacts(&d.v, b);
    for (i = 0; i < b->n; i++) {
        cr_assert_eq(d.docs[i], b->docs[i], "doc %u: %u, want %u", i, d.docs[i],
                     b->docs[i]);
        cr_assert_eq(d.tfs[i], b->tfs[i], "tf %u: %u, want %u", i, d.tfs[i],
                     b->tfs[i]);
        max_tf = b->tfs[i] > max_tf ? b->tfs[i] : max_tf;
        min_len = b->lens[i] < min_len ? b->lens[i] : min_len;
    }
    cr_assert_eq(d.v.max_tf, max_tf, "max_tf %u, want %u", d.v.max_tf, max_tf);
    cr_assert_eq(d.v.min_len, b->has_lens ? min_len : 0, "min_len %u",
                 d.v.min_len);
    /* One tf read in place: packed streams only, never past the block. */
    for (i = 0; i <= b->n; i++) {
        uint32_t tf = 0;
        rc = post_tf_at(&d.v, i, &tf);
        if (i == b->n)
            cr_assert_eq(rc, d.v.flags & POST_F_PACKED_TFS ? SE_ECORRUPT
                                                           : SE_ENOTFOUND,
                         "tf past the block: %s", se_strerror(rc));
        else if (d.v.flags & POST_F_PACKED_TFS)
            cr_assert(rc == SE_OK && tf == b->tfs[i],
                      "tf %u read in place: %u (%s), want %u", i, tf,
                      se_strerror(rc), b->tfs[i]);
        else
            cr_assert_eq(rc, SE_ENOTFOUND, "StreamVByte tf %u: %s", i,
                         se_strerror(rc));
    }
    if (b->pos != NULL) {
        cr_assert_eq(d.v.pos_count, b->npos, "pos_count %u, want %zu",
                     d.v.pos_count, b->npos);
        for (i = 0; i < b->npos; i++)
            cr_assert_eq(d.pos[i], b->pos[i], "position %u: %u, want %u", i,
                         d.pos[i], b->pos[i]);
    } else {
        cr_assert_null(d.v.pos, "positions in a block without them");
        cr_assert_eq(d.v.pos_count, 0, "pos_count %u", d.v.pos_count);
    }
    check_invariants(&d);
    free(d.pos);
}

/*
 * A packed stream read back bit by bit, apart from the decoder: width
 * byte, c values, *w the width. The stream must be exactly that long.
 */
static void
read_packed(const unsigned char *s, size_t len, uint32_t c, uint32_t *out,
            unsigned *w)
{
    uint64_t bit = 0;
    uint32_t i, k;

    cr_assert_geq(len, 1, "packed stream without its width");
    *w = s[0];
    cr_assert_leq(*w, 32, "width %u", *w);
    cr_assert_eq(len, 1 + ((uint64_t)c * *w + 7) / 8,
                 "%zu bytes for %u values of %u bits", len, c, *w);
    for (i = 0; i < c; i++) {
        out[i] = 0;
        for (k = 0; k < *w; k++, bit++)
            out[i] |= (uint32_t)(s[1 + bit / 8] >> (bit % 8) & 1) << k;
    }
}

/* A varint read back apart from buf.h; *at moves past it. */
static uint32_t
read_varint(const unsigned char *s, size_t len, size_t *at)
{
    uint64_t v = 0;
    unsigned shift = 0;

    for (;;) {
        cr_assert_lt(*at, len, "varint past the end of the stream");
        v |= (uint64_t)(s[*at] & 0x7f) << shift;
        shift += 7;
        if (!(s[(*at)++] & 0x80))
            break;
    }
    cr_assert_leq(v, UINT32_MAX, "varint past 32 bits");
    return (uint32_t)v;
}

/*
 * A PFOR positions stream read back apart from the decoder, as its comment
 * in posting.c lays it out, and compared with `b`'s positions: each value
 * a document's first position, or its gap less 1. The stream must be
 * exactly as long as its exceptions' size says.
 */
static void
check_pfor(const struct post_view *v, const struct blk *b)
{
    uint32_t *vals = malloc((b->npos + 1) * sizeof *vals), i, j, k, x, next;
    size_t at, low;
    unsigned w;

    cr_assert_not_null(vals, "out of memory");
    cr_assert_geq(v->pos_bytes, 1, "PFOR stream without its width");
    w = v->pos[0];
    cr_assert(w >= 1 && w <= 32, "PFOR width %u", w);
    low = 1 + ((uint64_t)b->npos * w + 7) / 8;
    read_packed(v->pos, low, (uint32_t)b->npos, vals, &w);
    at = low;
    x = read_varint(v->pos, v->pos_bytes, &at);
    cr_assert_eq(x, v->pos_bytes - at, "exceptions of %u bytes in %zu", x,
                 v->pos_bytes - at);
    for (next = 0; at < v->pos_bytes;) {
        uint32_t index = next + read_varint(v->pos, v->pos_bytes, &at);
        uint32_t high = read_varint(v->pos, v->pos_bytes, &at);
        cr_assert(index < b->npos && high >= 1 && w < 32 &&
                      high < (uint32_t)1 << (32 - w),
                  "exception %u: high bits %u", index, high);
        vals[index] |= high << w;
        next = index + 1;
    }
    cr_assert_eq(at, v->pos_bytes, "PFOR stream of %zu bytes read to %zu",
                 v->pos_bytes, at);
    for (i = 0, k = 0; i < b->n; i++)
        for (j = 0; j < b->tfs[i]; j++, k++)
            cr_assert_eq(vals[k],
                         j ? b->pos[k] - b->pos[k - 1] - 1 : b->pos[k],
                         "PFOR value %u (doc %u position %u)", k, i, j);
    free(vals);
}

/* Check the packed streams of `v` (those its flags say) against `b`. */
static void
check_packed(const struct post_view *v, const struct blk *b)
{
    uint32_t vals[POST_BLOCK_DOCS], i, max = 0;
    unsigned w;

    if (v->flags & POST_F_PACKED_POS)
        check_pfor(v, b);

    if (v->flags & POST_F_PACKED_DOCS) {
        read_packed(v->docs, v->docs_bytes, b->n - 1, vals, &w);
        for (i = 1; i < b->n; i++) {
            cr_assert_eq(vals[i - 1], b->docs[i] - b->docs[i - 1] - 1,
                         "packed gap %u", i);
            max = vals[i - 1] > max ? vals[i - 1] : max;
        }
        cr_assert_eq(w, max ? 32 - __builtin_clz(max) : 0,
                     "doc gaps up to %u packed in %u bits", max, w);
    }
    if (v->flags & POST_F_PACKED_TFS) {
        read_packed(v->tfs, v->tfs_bytes, b->n, vals, &w);
        for (i = 0, max = 0; i < b->n; i++) {
            cr_assert_eq(vals[i], b->tfs[i] - 1, "packed tf %u", i);
            max = vals[i] > max ? vals[i] : max;
        }
        cr_assert_eq(w, max ? 32 - __builtin_clz(max) : 0,
                     "tfs up to %u packed in %u bits", max + 1, w);
    }
}

/*
 * The lean form of the full block [full, full+len) of `b`: shorter, not a
 * block without its entry's counts, and, with them, the same list from a
 * guarded copy; the full block is taken for an entry of the right counts
 * only.
 */
static void
check_lean(const unsigned char *full, size_t len, const struct blk *b)
{
    struct buf lean = BUF_INIT;
    struct post_view v;
    struct decoded d;
    struct guard g;
    uint64_t sum = 0;
    uint32_t i;
    int rc;

    for (i = 0; i < b->n; i++)
        sum += b->tfs[i];
    cr_assert_eq(post_make_lean(full, len, &lean), SE_OK, "make lean");
    cr_assert_lt(lean.len, len, "lean %zu bytes, full %zu", lean.len, len);
    cr_assert_eq(post_parse(lean.data, lean.len, &v), SE_ECORRUPT,
                 "a lean block parsed without its entry");
    memset(&d, 0, sizeof d);
    rc = post_parse_lean(guard_copy(&g, lean.data, lean.len), lean.len, b->n,
                         sum, &d.v);
    cr_assert_eq(rc, SE_OK, "parse lean: %s", se_strerror(rc));
    cr_assert(post_decode_docs(&d.v, d.docs) == SE_OK &&
                  post_decode_tfs(&d.v, d.tfs) == SE_OK,
              "lean docs and tfs");
    cr_assert(memcmp(d.docs, b->docs, b->n * sizeof *d.docs) == 0 &&
                  memcmp(d.tfs, b->tfs, b->n * sizeof *d.tfs) == 0,
              "lean docs and tfs differ");
    if (b->pos) {
        d.pos = malloc((b->npos + 1) * sizeof *d.pos);
        cr_assert_not_null(d.pos, "out of memory");
        cr_assert_eq(post_decode_positions(&d.v, d.tfs, d.pos), SE_OK);
        cr_assert(memcmp(d.pos, b->pos, b->npos * sizeof *d.pos) == 0,
                  "lean positions differ");
        doc_by_doc(&d, 1);
        free(d.pos);
    }
    guard_release(&g);
    /* A full block in an entry (as formats before 6 kept them) */
    cr_assert_eq(post_parse_lean(full, len, b->n, sum, &v), SE_OK);
    if (b->n > 1)
        cr_assert_eq(post_parse_lean(full, len, b->n - 1, sum, &v),
                     SE_ECORRUPT, "a full block of another df");
    if (b->pos) {
        cr_assert_eq(post_parse_lean(full, len, b->n, sum + 1, &v),
                     SE_ECORRUPT, "a full block of another cf");
        /* and a lean one read with a cf one short decodes no list */
        rc = post_parse_lean(lean.data, lean.len, b->n, sum - 1, &d.v);
        if (rc == SE_OK) {
            d.pos = malloc((b->npos + 1) * sizeof *d.pos);
            cr_assert_not_null(d.pos, "out of memory");
            rc = post_decode_tfs(&d.v, d.tfs);
            if (rc == SE_OK)
                rc = post_decode_positions(&d.v, d.tfs, d.pos);
            free(d.pos);
        }
        cr_assert_eq(rc, SE_ECORRUPT, "a lean block read with cf - 1");
    }
    buf_release(&lean);
}

/*
 * Encode `b` each way: decode it from a guarded copy and an exact heap copy
 * (ASan checks the latter); check StreamVByte streams with libstreamvbyte
 * and packed ones bit by bit; and the index's choice is never longer than
 * either.
 */
static void
round_trip(const struct blk *b)
{
    static const enum post_pack packs[] = {POST_PACK_NEVER, POST_PACK_ALWAYS,
                                           POST_PACK_SMALLER};
    size_t len[3], k;

    for (k = 0; k < 3; k++) {
        struct buf out = BUF_INIT;
        struct guard g;
        struct post_view v;
        unsigned char *exact;
        int rc;

        blk_encode_as(b, packs[k], &out);
        len[k] = out.len;
        check_block(guard_copy(&g, out.data, out.len), out.len, b);
        guard_release(&g);
        exact = malloc(out.len);
        cr_assert_not_null(exact, "out of memory");
        memcpy(exact, out.data, out.len);
        check_block(exact, out.len, b);
        rc = post_parse(exact, out.len, &v);
        cr_assert_eq(rc, SE_OK, "parse: %s", se_strerror(rc));
        if (packs[k] == POST_PACK_NEVER)
            cr_assert_eq(v.flags & (POST_F_PACKED_DOCS | POST_F_PACKED_TFS |
                                    POST_F_PACKED_POS),
                         0, "packed without being asked");
        if (packs[k] == POST_PACK_ALWAYS)
            cr_assert(v.flags & POST_F_PACKED_TFS &&
                          (b->n == 1 || v.flags & POST_F_PACKED_DOCS) &&
                          (b->pos == NULL || v.flags & POST_F_PACKED_POS),
                      "not packed when asked: flags %u", v.flags);
        check_with_library(&v, b);
        check_packed(&v, b);
        check_lean(exact, out.len, b);
        free(exact);
        buf_release(&out);
    }
    cr_assert(len[2] <= len[0] && len[2] <= len[1],
              "the chosen encoding takes %zu bytes, StreamVByte %zu, packed "
              "%zu",
              len[2], len[0], len[1]);
}

/* A block from arrays; n from the docs array. */
static void
blk_set(struct blk *b, const uint32_t *docs, const uint32_t *tfs, uint32_t n,
        const uint32_t *pos)
{
    uint32_t i;

    memset(b, 0, sizeof *b);
    b->n = n;
    memcpy(b->docs, docs, n * sizeof *docs);
    memcpy(b->tfs, tfs, n * sizeof *tfs);
    for (i = 0; i < n; i++)
        b->npos += tfs[i];
    if (pos != NULL) {
        b->pos = malloc(b->npos * sizeof *b->pos);
        cr_assert_not_null(b->pos, "out of memory");
        memcpy(b->pos, pos, b->npos * sizeof *pos);
    } else {
        b->npos = 0;
    }
}

/* ---------------------------------------------------------------- */
/* Round trips                                                       */
/* ---------------------------------------------------------------- */

Test(posting, round_trip_random_blocks)
{
    struct blk b;
    uint64_t seed;

    for (seed = 1; seed <= 600; seed++) {
        uint32_t n = seed % 5 == 0 ? POST_BLOCK_DOCS : 1 + seed % 128;

        blk_random(&b, seed, n, (seed / 2) % 2);
        round_trip(&b);
        blk_release(&b);
    }
}

Test(posting, round_trip_keeps_one_doc)
{
    static const uint32_t zero[] = {0}, one[] = {1}, big[] = {UINT32_MAX};
    struct blk b;

    blk_set(&b, zero, one, 1, NULL);
    round_trip(&b);
    blk_set(&b, zero, one, 1, zero);
    round_trip(&b);
    blk_release(&b);
    blk_set(&b, big, big, 1, NULL);
    round_trip(&b);
    blk_set(&b, big, one, 1, big);
    round_trip(&b);
    blk_release(&b);
}

Test(posting, round_trip_keeps_huge_gaps)
{
    static const uint32_t docs[] = {0, UINT32_MAX};
    static const uint32_t tfs[] = {UINT32_MAX, 1};
    static const uint32_t ptfs[] = {2, 3};
    static const uint32_t pos[] = {0, UINT32_MAX, UINT32_MAX - 2,
                                   UINT32_MAX - 1, UINT32_MAX};
    struct blk b;

    blk_set(&b, docs, tfs, 2, NULL);
    round_trip(&b);
    blk_set(&b, docs, ptfs, 2, pos);
    round_trip(&b);
    blk_release(&b);
}

Test(posting, round_trip_keeps_max_and_consecutive_ids)
{
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS], i, base;
    static const uint32_t bases[] = {0, 1, 1000000, UINT32_MAX - 127};
    struct buf out = BUF_INIT;
    struct post_view v;
    struct blk b;
    size_t k;

    for (k = 0; k < sizeof bases / sizeof *bases; k++) {
        base = bases[k];
        for (i = 0; i < POST_BLOCK_DOCS; i++) {
            docs[i] = base + i;
            tfs[i] = i % 2 ? UINT32_MAX - i : 1 + i;
        }
        blk_set(&b, docs, tfs, POST_BLOCK_DOCS, NULL);
        round_trip(&b);
        buf_clear(&out);
        blk_encode_as(&b, POST_PACK_NEVER, &out);
        cr_assert_eq(post_parse(out.data, out.len, &v), SE_OK, "parse");
        /* 127 gaps of 1: 32 control bytes and one byte each */
        cr_assert_eq(v.docs_bytes, 32 + 127, "docs stream %zu bytes",
                     v.docs_bytes);
        /* packed, as written: gaps - 1 are all 0, width 0, one byte */
        buf_clear(&out);
        blk_encode(&b, &out);
        cr_assert_eq(post_parse(out.data, out.len, &v), SE_OK, "parse");
        cr_assert_eq(v.docs_bytes, 1, "packed docs stream %zu bytes",
                     v.docs_bytes);
    }
    buf_release(&out);
}

Test(posting, tf_of_one_costs_one_byte_or_only_control_bytes)
{
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS], i, n;
    struct buf out = BUF_INIT;
    struct post_view v;
    struct blk b;
    size_t k;

    for (n = 1; n <= POST_BLOCK_DOCS; n++) {
        for (i = 0; i < n; i++) {
            docs[i] = 7 * i;
            tfs[i] = 1;
        }
        blk_set(&b, docs, tfs, n, NULL);
        round_trip(&b);
        /* StreamVByte 0124: a zero code for each tf, no data byte */
        buf_clear(&out);
        blk_encode_as(&b, POST_PACK_NEVER, &out);
        cr_assert_eq(post_parse(out.data, out.len, &v), SE_OK, "parse");
        cr_assert_eq(v.tfs_bytes, (n + 3) / 4, "n=%u: tfs stream %zu bytes", n,
                     v.tfs_bytes);
        for (k = 0; k < v.tfs_bytes; k++)
            cr_assert_eq(v.tfs[k], 0, "n=%u: tf control byte %zu is %u", n, k,
                         v.tfs[k]);
        cr_assert_eq(v.max_tf, 1, "max_tf %u", v.max_tf);
        /* as written: packed at width 0, the width byte alone (for n > 4;
         * up to 4 tfs take one control byte either way) */
        buf_clear(&out);
        blk_encode(&b, &out);
        cr_assert_eq(post_parse(out.data, out.len, &v), SE_OK, "parse");
        cr_assert_eq(v.tfs_bytes, 1, "n=%u: tfs stream %zu bytes", n,
                     v.tfs_bytes);
        cr_assert_eq(v.tfs[0], 0, "n=%u: tf stream byte %u", n, v.tfs[0]);
        cr_assert_eq(!!(v.flags & POST_F_PACKED_TFS), n > 4, "n=%u: flags %u",
                     n, v.flags);
    }
    buf_release(&out);
}

Test(posting, small_gaps_take_under_two_bytes_a_doc)
{
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS], i;
    struct buf out = BUF_INIT;
    uint64_t s = 42;

    docs[0] = 0;
    tfs[0] = 1;
    for (i = 1; i < POST_BLOCK_DOCS; i++) {
        docs[i] = docs[i - 1] + 1 + (uint32_t)(rnd(&s) % 255);
        tfs[i] = 1;
    }
    cr_assert_eq(post_encode(docs, tfs, NULL, NULL, POST_BLOCK_DOCS, &out),
                 SE_OK, "encode");
    /* 9 header bytes (n and docs_bytes take 2), 32 + 127 for the gaps, 32
     * control bytes for the tfs */
    cr_assert_leq(out.len, 200, "128 docs, gaps < 256, tf 1: %zu bytes",
                  out.len);
    buf_release(&out);
}

Test(posting, round_trip_keeps_thousands_of_positions)
{
    static const uint32_t docs[] = {3, 9, 10};
    uint32_t tfs[] = {5000, 1, 20000};
    uint32_t *pos = malloc(25001 * sizeof *pos), i;
    struct blk b;

    cr_assert_not_null(pos, "out of memory");
    for (i = 0; i < 5000; i++)
        pos[i] = i * 3 + (i > 4000 ? 100000 : 0);
    pos[4999] = UINT32_MAX - 1;
    pos[5000] = UINT32_MAX - 1;
    for (i = 0; i < 20000; i++)
        pos[5001 + i] = i;
    blk_set(&b, docs, tfs, 3, pos);
    round_trip(&b);
    blk_release(&b);
    /* every count of positions around the 4-value groups and the end */
    for (i = 1; i <= 70; i++) {
        uint32_t t[] = {i, 1 + i % 5, 1}, j;

        for (j = 0; j < t[0] + t[1] + 1; j++)
            pos[j] = j;
        blk_set(&b, docs, t, 3, pos);
        round_trip(&b);
        blk_release(&b);
    }
    free(pos);
}

/* ---------------------------------------------------------------- */
/* Encoder input                                                     */
/* ---------------------------------------------------------------- */

Test(posting, encode_rejects_bad_input)
{
    static const uint32_t up[] = {1, 2, 3}, same[] = {1, 2, 2},
                          down[] = {5, 4, 6}, ones[] = {1, 1, 1},
                          zero_tf[] = {1, 0, 1}, big_tf[] = {1, UINT32_MAX, 2},
                          pos_ok[] = {0, 1, 0}, two_tf[] = {2, 1, 1},
                          wide_tf[] = {UINT32_MAX - 1, 3, 1},
                          pos_up[] = {0, 1, 2, 3}, pos_same[] = {4, 4, 1, 1},
                          pos_down[] = {4, 3, 1, 1};
    static const struct {
        const char *what;
        const uint32_t *docs, *tfs, *pos;
        uint32_t n;
    } cases[] = {
        {"no docs", NULL, ones, NULL, 3},
        {"no tfs", up, NULL, NULL, 3},
        {"n = 0", up, ones, NULL, 0},
        {"n = POST_BLOCK_DOCS + 1", up, ones, NULL, POST_BLOCK_DOCS + 1},
        {"repeated doc", same, ones, NULL, 3},
        {"decreasing docs", down, ones, NULL, 3},
        {"tf 0", up, zero_tf, NULL, 3},
        {"tf 0 with positions", up, zero_tf, pos_ok, 3},
        {"sum of tfs past 2^32 with positions", up, big_tf, pos_ok, 3},
        /* must be refused before the positions are read: pos_up has 4 */
        {"sum of tfs past 2^32, positions increasing", up, wide_tf, pos_up, 3},
        {"repeated position", up, two_tf, pos_same, 3},
        {"decreasing positions", up, two_tf, pos_down, 3},
    };
    struct buf out = BUF_INIT;
    size_t k;
    int rc;

    cr_assert_eq(buf_puts(&out, "kept"), SE_OK, "buf");
    for (k = 0; k < sizeof cases / sizeof *cases; k++) {
        rc = post_encode(cases[k].docs, cases[k].tfs, NULL, cases[k].pos,
                         cases[k].n, &out);
        cr_assert_eq(rc, SE_EINVAL, "%s: %s", cases[k].what, se_strerror(rc));
        cr_assert_eq(out.len, 4, "%s: wrote %zu bytes", cases[k].what,
                     out.len - 4);
    }
    rc = post_encode(up, ones, NULL, NULL, 3, NULL);
    cr_assert_eq(rc, SE_EINVAL, "no buffer: %s", se_strerror(rc));
    /* positions may restart low in the next document */
    rc = post_encode(up, two_tf, NULL, (const uint32_t[]){4, 9, 1, 1}, 3, &out);
    cr_assert_eq(rc, SE_OK, "positions of a new document: %s", se_strerror(rc));
    /* the tf above 2^32 that positions forbid is fine without them */
    rc = post_encode(up, big_tf, NULL, NULL, 3, &out);
    cr_assert_eq(rc, SE_OK, "big tf without positions: %s", se_strerror(rc));
    buf_release(&out);
}

/* ---------------------------------------------------------------- */
/* Corruption                                                        */
/* ---------------------------------------------------------------- */

/* A mix of blocks to corrupt: random ones of every shape and the extremes. */
static void
corpus_block(struct blk *b, uint64_t k)
{
    static const uint32_t d1[] = {0}, t1[] = {1};
    static const uint32_t d2[] = {0, UINT32_MAX}, t2[] = {1, 2};
    static const uint32_t p2[] = {UINT32_MAX - 1, 0, UINT32_MAX};

    switch (k % 8) {
    case 0:
        blk_set(b, d1, t1, 1, NULL);
        break;
    case 1:
        blk_set(b, d2, t2, 2, p2);
        break;
    default:
        blk_random(b, 1000 + k, 1 + (uint32_t)(k * 37 % POST_BLOCK_DOCS),
                   k % 2);
        break;
    }
}

Test(posting, every_truncation_is_corrupt)
{
    struct buf out = BUF_INIT;
    struct decoded d;
    struct guard g;
    struct blk b;
    uint64_t k;
    size_t cut;
    int rc;

    for (k = 0; k < 40; k++) {
        corpus_block(&b, k);
        buf_clear(&out);
        blk_encode(&b, &out);
        for (cut = 0; cut < out.len; cut++) {
            rc = decode_all(guard_copy(&g, out.data, cut), cut, &d);
            cr_assert_eq(rc, SE_ECORRUPT,
                         "block %llu cut to %zu of %zu bytes: %s",
                         (unsigned long long)k, cut, out.len, se_strerror(rc));
            free(d.pos);
            guard_release(&g);
        }
        blk_release(&b);
    }
    buf_release(&out);
}

Test(posting, flipped_bytes_never_crash)
{
    struct buf out = BUF_INIT;
    struct decoded d;
    struct guard g;
    struct blk b;
    unsigned char *val;
    uint64_t k, s = 7, ok = 0, bad = 0;
    size_t at, flips;
    int rc;

    for (k = 0; k < 300; k++) {
        corpus_block(&b, k);
        buf_clear(&out);
        blk_encode(&b, &out);
        val = guard_copy(&g, out.data, out.len);
        for (flips = 0; flips < 200; flips++) {
            memcpy(val, out.data, out.len);
            /* one to three bytes: a bit flipped, or set to anything */
            for (at = 0; at <= rnd(&s) % 3; at++) {
                size_t i = rnd(&s) % out.len;

                if (rnd(&s) % 2)
                    val[i] ^= (unsigned char)(1u << rnd(&s) % 8);
                else
                    val[i] = (unsigned char)rnd(&s);
            }
            rc = decode_all(val, out.len, &d);
            cr_assert(rc == SE_OK || rc == SE_ECORRUPT, "block %llu: %s",
                      (unsigned long long)k, se_strerror(rc));
            if (rc == SE_OK) {
                check_invariants(&d);
                ok++;
            } else {
                bad++;
            }
            free(d.pos);
        }
        guard_release(&g);
        blk_release(&b);
    }
    cr_assert_gt(bad, 0, "no flip was caught (%llu decoded)",
                 (unsigned long long)ok);
    buf_release(&out);
}

/*
 * A block written field by field, so that it can break the rules: the
 * streams come from libstreamvbyte, the counts from the caller.
 */
struct raw {
    uint32_t flags, n, first, max_tf, min_len, pos_count;
    const uint32_t *gaps; /* n-1 doc gaps */
    const uint32_t *tfm1; /* n values tf-1 */
    const uint32_t *pgaps;
    uint32_t npgaps;
    int pad_docs;  /* a stray 0 byte at the end of the docs stream */
    int dirty_key; /* a code set past the last gap in the docs stream */
    int trailing;  /* a stray byte at the end of the value */
};

#define RAW_MAX 1024

static void
raw_encode(const struct raw *r, struct buf *out)
{
    unsigned char d[RAW_MAX], t[RAW_MAX], p[RAW_MAX];
    size_t dn = 0, tn, pn = 0;

    if (r->n > 1)
        dn = streamvbyte_encode(r->gaps, r->n - 1, d);
    tn = streamvbyte_encode_0124(r->tfm1, r->n, t);
    if (r->flags & POST_F_POSITIONS)
        pn = streamvbyte_encode(r->pgaps, r->npgaps, p);
    if (r->pad_docs)
        d[dn++] = 0;
    if (r->dirty_key)
        d[(r->n - 2) / 4] |= 0x80; /* n-1 = 2 mod 4: the fourth code */
    if (r->trailing)
        p[pn++] = 1;
    buf_clear(out);
    cr_assert_eq(buf_putc(out, (int)r->flags), SE_OK, "buf");
    buf_put_varint(out, r->n);
    buf_put_varint(out, r->first);
    buf_put_varint(out, r->max_tf);
    buf_put_varint(out, r->min_len);
    buf_put_varint(out, (uint32_t)dn);
    buf_put_varint(out, (uint32_t)tn);
    if (r->flags & POST_F_POSITIONS)
        buf_put_varint(out, r->pos_count);
    buf_append(out, d, dn);
    buf_append(out, t, tn);
    buf_append(out, p, pn);
}

Test(posting, hand_made_corrupt_blocks_are_rejected)
{
    static const uint32_t gaps[] = {1, 5}, tfm1[] = {0, 1, 0};
    static const uint32_t pgaps[] = {3, 2, 4, 7}; /* docs: {3} {2 6} {7} */
    static const uint32_t zero_gap[] = {0, 5}, wrap_gap[] = {1, UINT32_MAX - 5};
    static const uint32_t tf_wrap[] = {1, UINT32_MAX, 0}; /* max_tf 2 */
    static const uint32_t pos_same[] = {3, 2, 0, 7};
    static const uint32_t pos_wrap[] = {3, 2, UINT32_MAX, 7};
    static const uint32_t five[] = {3, 2, 4, 7, 1};
    static uint32_t ones200[200], zeros200[200];
    const struct raw base = {
        POST_F_POSITIONS, 3, 10, 2, 0, 4, gaps, tfm1, pgaps, 4, 0, 0, 0};
    struct {
        const char *what;
        struct raw r;
        int header; /* post_parse() alone must catch it */
    } cases[24];
    struct buf out = BUF_INIT;
    struct decoded d;
    struct guard g;
    size_t k, nc = 0;
    int rc;

    for (k = 0; k < 200; k++)
        ones200[k] = 1;
#define CASE(w)                                                                \
    (cases[nc].what = (w), cases[nc].r = base, cases[nc].header = 0,           \
     &cases[nc++].r)
#define HEADER (cases[nc - 1].header = 1)
    CASE("unknown flag")->flags = 0x03;
    HEADER;
    CASE("n = 0")->n = 0;
    HEADER;
    {
        struct raw *r = CASE("n = 200");
        r->flags = 0;
        r->n = 200;
        r->max_tf = 1;
        r->gaps = ones200;
        r->tfm1 = zeros200;
        HEADER;
    }
    CASE("first_doc + n past 2^32")->first = UINT32_MAX - 1;
    HEADER;
    CASE("max_tf 0, no positions")->max_tf = 0;
    cases[nc - 1].r.flags = 0;
    HEADER;
    CASE("max_tf below the largest tf")->max_tf = 1;
    CASE("max_tf above the largest tf, no positions")->max_tf = 3;
    cases[nc - 1].r.flags = 0;
    CASE("doc gap of 0")->gaps = zero_gap;
    {
        struct raw *r = CASE("doc gap past 2^32");
        r->first = UINT32_MAX - 10;
        r->gaps = wrap_gap;
    }
    {
        struct raw *r = CASE("tf past 2^32");
        r->flags = 0;
        r->tfm1 = tf_wrap;
    }
    CASE("repeated position")->pgaps = pos_same;
    CASE("position past 2^32")->pgaps = pos_wrap;
    {
        struct raw *r = CASE("pos_count above the sum of tfs");
        r->pos_count = 5;
        r->pgaps = five;
        r->npgaps = 5;
    }
    {
        struct raw *r = CASE("pos_count below the sum of tfs");
        r->pos_count = 3;
        r->npgaps = 3;
        HEADER;
    }
    CASE("positions stream one value short")->npgaps = 3;
    {
        struct raw *r = CASE("positions stream one value long");
        r->pgaps = five;
        r->npgaps = 5;
    }
    CASE("stray byte in the docs stream")->pad_docs = 1;
    CASE("code past the last doc gap")->dirty_key = 1;
    CASE("byte after the positions")->trailing = 1;
    {
        struct raw *r = CASE("byte after the tfs, no positions");
        r->flags = 0;
        r->trailing = 1;
        HEADER;
    }
#undef HEADER
#undef CASE
    cr_assert_leq(nc, sizeof cases / sizeof *cases, "too many cases");

    raw_encode(&base, &out);
    rc = decode_all(out.data, out.len, &d);
    cr_assert_eq(rc, SE_OK, "the valid base block: %s", se_strerror(rc));
    cr_assert_eq(d.pos[2], 6, "base block position 2: %u", d.pos[2]);
    free(d.pos);
    for (k = 0; k < nc; k++) {
        raw_encode(&cases[k].r, &out);
        rc = decode_all(guard_copy(&g, out.data, out.len), out.len, &d);
        cr_assert_eq(rc, SE_ECORRUPT, "%s: %s", cases[k].what, se_strerror(rc));
        if (cases[k].header) {
            rc = post_parse(g.val, out.len, &d.v);
            cr_assert_eq(rc, SE_ECORRUPT, "%s: parse: %s", cases[k].what,
                         se_strerror(rc));
        }
        free(d.pos);
        guard_release(&g);
    }
    buf_release(&out);
}

/* A block of n docs, no positions, with the given streams as they are. */
static void
packed_block(struct buf *out, unsigned flags, uint32_t n, uint32_t first,
             uint32_t max_tf, const unsigned char *ds, size_t dlen,
             const unsigned char *ts, size_t tlen)
{
    buf_clear(out);
    cr_assert(buf_putc(out, (int)flags) == SE_OK &&
                  buf_put_varint(out, n) == SE_OK &&
                  buf_put_varint(out, first) == SE_OK &&
                  buf_put_varint(out, max_tf) == SE_OK &&
                  buf_put_varint(out, 0) == SE_OK &&
                  buf_put_varint(out, (uint32_t)dlen) == SE_OK &&
                  buf_put_varint(out, (uint32_t)tlen) == SE_OK &&
                  buf_append(out, ds, dlen) == SE_OK &&
                  buf_append(out, ts, tlen) == SE_OK,
              "out of memory");
}

Test(posting, hand_made_packed_streams_are_checked)
{
    /* docs 10, 11, 16: gaps - 1 = 0, 4 in 3 bits: 0 | 4 << 3 = 0x20;
     * tfs 1, 2, 1: tf - 1 = 0, 1, 0 in 1 bit: 0b010 */
    static const unsigned char d_ok[] = {3, 0x20}, t_ok[] = {1, 0x02};
    static const unsigned char d_w33[] = {33, 0x20}, d_long[] = {3, 0x20, 0};
    static const unsigned char d_pad[] = {3, 0x60}, d_wide[] = {4, 0x40};
    static const unsigned char t_wide[] = {2, 0x04}, t_all2[] = {1, 0x07};
    const unsigned both = POST_F_PACKED_DOCS | POST_F_PACKED_TFS;
    static const struct {
        const char *what;
        unsigned flags;
        uint32_t n, first, max_tf;
        const unsigned char *d, *t;
        size_t dlen, tlen;
    } bad[] = {
        {"docs width 33", 0, 3, 10, 2, d_w33, t_ok, 2, 2},
        {"docs stream a byte long", 0, 3, 10, 2, d_long, t_ok, 3, 2},
        {"a bit set past the last gap", 0, 3, 10, 2, d_pad, t_ok, 2, 2},
        {"docs wider than their largest gap", 0, 3, 10, 2, d_wide, t_ok, 2, 2},
        {"tfs wider than their largest", 0, 3, 10, 2, d_ok, t_wide, 2, 2},
        {"max_tf below the largest tf", 0, 3, 10, 1, d_ok, t_all2, 2, 2},
        {"doc ids past 2^32", 0, 3, UINT32_MAX - 3, 2, d_ok, t_ok, 2, 2},
        {"packed docs for a lone document", 0, 1, 10, 1, d_ok, t_ok, 1, 2},
    };
    struct buf out = BUF_INIT;
    struct decoded d;
    struct guard g;
    size_t k;
    int rc;

    packed_block(&out, both, 3, 10, 2, d_ok, 2, t_ok, 2);
    rc = decode_all(guard_copy(&g, out.data, out.len), out.len, &d);
    cr_assert_eq(rc, SE_OK, "the valid packed block: %s", se_strerror(rc));
    cr_assert(d.docs[0] == 10 && d.docs[1] == 11 && d.docs[2] == 16,
              "docs %u %u %u", d.docs[0], d.docs[1], d.docs[2]);
    cr_assert(d.tfs[0] == 1 && d.tfs[1] == 2 && d.tfs[2] == 1, "tfs %u %u %u",
              d.tfs[0], d.tfs[1], d.tfs[2]);
    guard_release(&g);
    for (k = 0; k < sizeof bad / sizeof *bad; k++) {
        struct post_view v;
        uint32_t i, tf;
        packed_block(&out, both | bad[k].flags, bad[k].n, bad[k].first,
                     bad[k].max_tf, bad[k].d, bad[k].dlen, bad[k].t,
                     bad[k].tlen);
        rc = decode_all(guard_copy(&g, out.data, out.len), out.len, &d);
        cr_assert_eq(rc, SE_ECORRUPT, "%s: %s", bad[k].what, se_strerror(rc));
        /* A tf read in place is never above max_tf, nor read from a tf
         * stream of the wrong size. */
        if (post_parse(g.val, out.len, &v) == SE_OK)
            for (i = 0; i < v.n; i++) {
                rc = post_tf_at(&v, i, &tf);
                cr_assert(rc == SE_ECORRUPT || (rc == SE_OK && tf <= v.max_tf),
                          "%s: tf %u read in place: %u (%s)", bad[k].what, i,
                          tf, se_strerror(rc));
            }
        guard_release(&g);
    }
    {
        /* tfs 1, 2, 1 under a max_tf of 1: the 2 is corrupt */
        struct post_view v;
        uint32_t tf;
        packed_block(&out, both, 3, 10, 1, d_ok, 2, t_ok, 2);
        cr_assert_eq(post_parse(out.data, out.len, &v), SE_OK);
        cr_assert(post_tf_at(&v, 0, &tf) == SE_OK && tf == 1);
        cr_assert_eq(post_tf_at(&v, 1, &tf), SE_ECORRUPT);
    }
    buf_release(&out);
}

Test(posting, bad_headers_leave_the_view_empty)
{
    static const unsigned char n200[] = {0, 0xc8, 0x01, 0, 1, 0, 0, 0};
    static const unsigned char long_varint[] = {0,    0x80, 0x80, 0x80,
                                                0x80, 0x80, 0x01};
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS] = {1};
    struct post_view v;
    int rc;

    memset(&v, 0xa5, sizeof v);
    rc = post_parse(NULL, 0, &v);
    cr_assert_eq(rc, SE_ECORRUPT, "empty value: %s", se_strerror(rc));
    cr_assert_eq(v.n, 0, "view not cleared");
    cr_assert_null(v.docs, "view not cleared");
    rc = post_parse(n200, sizeof n200, &v);
    cr_assert_eq(rc, SE_ECORRUPT, "n = 200: %s", se_strerror(rc));
    cr_assert_eq(v.n, 0, "view not cleared");
    rc = post_parse(long_varint, sizeof long_varint, &v);
    cr_assert_eq(rc, SE_ECORRUPT, "n past 2^32: %s", se_strerror(rc));
    /* a caller that decodes anyway gets an error, not garbage */
    rc = post_decode_docs(&v, docs);
    cr_assert_eq(rc, SE_ECORRUPT, "docs of a failed parse: %s",
                 se_strerror(rc));
    rc = post_decode_tfs(&v, tfs);
    cr_assert_eq(rc, SE_ECORRUPT, "tfs of a failed parse: %s", se_strerror(rc));
    v.flags = POST_F_POSITIONS;
    rc = post_decode_positions(&v, tfs, docs);
    cr_assert_eq(rc, SE_ECORRUPT, "positions of a failed parse: %s",
                 se_strerror(rc));
}

/*
 * A block of three documents, 10 {3}, 11 {2, 6} and 16 {7}, whose
 * positions stream is `ps` as it is: PFOR values 3, 2, 3 (6 - 2 - 1), 7.
 */
static void
pfor_block(struct buf *out, const unsigned char *ps, size_t plen)
{
    /* StreamVByte: doc gaps 1, 5 (codes 0, 0); tf - 1 = 0, 1, 0 (codes
     * 0, 1, 0: one data byte) */
    static const unsigned char ds[] = {0x00, 0x01, 0x05};
    static const unsigned char ts[] = {0x04, 0x01};

    buf_clear(out);
    cr_assert(buf_putc(out, POST_F_POSITIONS | POST_F_PACKED_POS) == SE_OK &&
                  buf_put_varint(out, 3) == SE_OK &&
                  buf_put_varint(out, 10) == SE_OK &&
                  buf_put_varint(out, 2) == SE_OK &&
                  buf_put_varint(out, 0) == SE_OK &&
                  buf_put_varint(out, sizeof ds) == SE_OK &&
                  buf_put_varint(out, sizeof ts) == SE_OK &&
                  buf_put_varint(out, 4) == SE_OK &&
                  buf_append(out, ds, sizeof ds) == SE_OK &&
                  buf_append(out, ts, sizeof ts) == SE_OK &&
                  buf_append(out, ps, plen) == SE_OK,
              "out of memory");
}

Test(posting, hand_made_pfor_streams_are_checked)
{
    /* Width 2: the low bits 3, 2, 3, 3 in one byte (0b11111011); then 2
     * bytes of exceptions: index 3, high bits 1 (7 = 1 << 2 | 3). */
    static const unsigned char ok[] = {2, 0xfb, 2, 3, 1};
    /* Width 1: 1, 0, 1, 1; exceptions 0 (3: 1 << 1 | 1), 1 (2: 1 << 1),
     * 2 (3), 3 (7: 3 << 1 | 1), each index 0 past the one before. */
    static const unsigned char ok_w1[] = {1, 0x0d, 8, 0, 1, 0, 1, 0, 1, 0, 3};
    static const unsigned char w0[] = {0, 0xfb, 2, 3, 1};
    static const unsigned char w33[] = {33, 0xfb, 2, 3, 1};
    static const unsigned char x_long[] = {2, 0xfb, 3, 3, 1};
    static const unsigned char x_short[] = {2, 0xfb, 2, 3, 1, 0};
    static const unsigned char no_x[] = {2, 0xfb};
    static const unsigned char index4[] = {2, 0xfb, 2, 4, 1};
    static const unsigned char high0[] = {2, 0xfb, 2, 3, 0};
    static const unsigned char twice[] = {2, 0xfb, 4, 3, 1, 0, 1};
    /* doc 11's gap less 1 made 2^32 - 1: its second position wraps */
    static const unsigned char wrap[] = {2,    0xfb, 8,    2,   0xff,
                                         0xff, 0xff, 0xff, 0x03, 0, 1};
    /* width 31 leaves 1 bit for the high ones: 2 does not fit */
    unsigned char w31[1 + 16 + 3] = {31};
    /* width 32 leaves none: no exception can be */
    unsigned char w32[1 + 16 + 3] = {32};
    const struct {
        const char *what;
        const unsigned char *s;
        size_t len;
        int header; /* post_parse() alone must catch it */
    } bad[] = {
        {"width 0", w0, sizeof w0, 1},
        {"width 33", w33, sizeof w33, 1},
        {"exceptions' size past the end", x_long, sizeof x_long, 1},
        {"a byte past the exceptions", x_short, sizeof x_short, 1},
        {"no size of the exceptions", no_x, sizeof no_x, 1},
        {"an exception past the last value", index4, sizeof index4, 0},
        {"an exception of no high bits", high0, sizeof high0, 0},
        {"an exception past the last, after one", twice, sizeof twice, 0},
        {"a position past 2^32", wrap, sizeof wrap, 0},
        {"high bits past 32 at width 31", w31, sizeof w31, 0},
        {"an exception at width 32", w32, sizeof w32, 0},
    };
    struct buf out = BUF_INIT;
    struct decoded d;
    struct guard g;
    size_t k;
    int rc;

    /* 3, 2, 3, 7 at 31 and 32 bits: 31 bits each ends at bit 124, in 16
     * bytes; then the exception: index 0, high bits 2 (or 1 at 32). */
    w31[1] = 3;
    w31[1 + 4] = 0x01;  /* value 1 (2) at bit 31: bit 32 set */
    w31[1 + 7] = 0xc0;  /* value 2 (3) at bit 62: bits 62, 63 */
    w31[1 + 11] = 0xe0; /* value 3 (7) at bit 93: bits 93 to 95 */
    w31[17] = 2, w31[18] = 0, w31[19] = 2;
    w32[1] = 3, w32[5] = 2, w32[9] = 3, w32[13] = 7;
    w32[17] = 2, w32[18] = 0, w32[19] = 1;

    /* The valid stream, and the same positions with every value an
     * exception. */
    for (k = 0; k < 2; k++) {
        pfor_block(&out, k ? ok_w1 : ok, k ? sizeof ok_w1 : sizeof ok);
        rc = decode_all(guard_copy(&g, out.data, out.len), out.len, &d);
        cr_assert_eq(rc, SE_OK, "valid stream %zu: %s", k, se_strerror(rc));
        cr_assert(d.pos[0] == 3 && d.pos[1] == 2 && d.pos[2] == 6 &&
                      d.pos[3] == 7,
                  "positions %u, %u %u, %u", d.pos[0], d.pos[1], d.pos[2],
                  d.pos[3]);
        free(d.pos);
        guard_release(&g);
    }

    for (k = 0; k < sizeof bad / sizeof *bad; k++) {
        struct post_view v;
        pfor_block(&out, bad[k].s, bad[k].len);
        rc = post_parse(out.data, out.len, &v);
        if (bad[k].header)
            cr_assert_eq(rc, SE_ECORRUPT, "%s: parse: %s", bad[k].what,
                         se_strerror(rc));
        rc = decode_all(guard_copy(&g, out.data, out.len), out.len, &d);
        cr_assert_eq(rc, SE_ECORRUPT, "%s: %s", bad[k].what, se_strerror(rc));
        free(d.pos);
        guard_release(&g);
    }
    buf_release(&out);
}

/*
 * News-like positions: 128 documents of 100 to 1,000 words, each with a
 * few occurrences of the word anywhere in it. The first position of a
 * document takes up to 10 bits, the gaps after it fewer; PFOR packs them
 * at one small width and lists the rest, and must take at least 10% less
 * than StreamVByte's whole bytes, as it does on the news dumps (17%).
 */
Test(posting, news_like_positions_take_less_in_pfor)
{
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS], pos[8 * 128];
    struct buf svb = BUF_INIT, chosen = BUF_INIT;
    struct post_view v;
    uint64_t s = 7;
    uint32_t i, j, np = 0;

    for (i = 0; i < POST_BLOCK_DOCS; i++) {
        uint32_t len = 100 + (uint32_t)(rnd(&s) % 900), at = 0;

        docs[i] = 3 * i + 1;
        tfs[i] = 1 + (uint32_t)(rnd(&s) % 8);
        for (j = 0; j < tfs[i]; j++) {
            at += 1 + (uint32_t)(rnd(&s) % (len / tfs[i]));
            pos[np++] = at;
        }
    }
    cr_assert_eq(post_encode_as(docs, tfs, NULL, pos, POST_BLOCK_DOCS,
                                POST_PACK_NEVER, &svb),
                 SE_OK);
    cr_assert_eq(post_encode(docs, tfs, NULL, pos, POST_BLOCK_DOCS, &chosen),
                 SE_OK);
    cr_assert_eq(post_parse(chosen.data, chosen.len, &v), SE_OK);
    cr_assert(v.flags & POST_F_PACKED_POS, "positions not packed: flags %u",
              v.flags);
    cr_assert_lt(chosen.len * 10, svb.len * 9,
                 "%zu bytes chosen, %zu in StreamVByte", chosen.len, svb.len);
    buf_release(&svb);
    buf_release(&chosen);
}

Test(posting, positions_of_a_block_without_them_are_corrupt)
{
    static const uint32_t docs[] = {1, 2}, tfs[] = {1, 1};
    uint32_t dtfs[POST_BLOCK_DOCS], pos[4];
    struct buf out = BUF_INIT;
    struct post_view v;
    int rc;

    cr_assert_eq(post_encode(docs, tfs, NULL, NULL, 2, &out), SE_OK, "encode");
    cr_assert_eq(post_parse(out.data, out.len, &v), SE_OK, "parse");
    cr_assert_eq(post_decode_tfs(&v, dtfs), SE_OK, "tfs");
    rc = post_decode_positions(&v, dtfs, pos);
    cr_assert_eq(rc, SE_ECORRUPT, "positions: %s", se_strerror(rc));
    buf_release(&out);
}

Test(posting, encode_appends_blocks_back_to_back)
{
    struct buf out = BUF_INIT;
    struct blk a, b;
    size_t first;

    blk_random(&a, 11, 100, 1);
    blk_random(&b, 12, 17, 0);
    blk_encode(&a, &out);
    first = out.len;
    blk_encode(&b, &out);
    check_block(out.data, first, &a);
    check_block(out.data + first, out.len - first, &b);
    blk_release(&a);
    blk_release(&b);
    buf_release(&out);
}
