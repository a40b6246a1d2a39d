/*
 * fuzz_posting.c - libFuzzer harness for common/posting.h.
 *
 * Each input is used twice:
 *   1. as a block value, as LMDB would hand it over: post_parse() and every
 *      decode function run on it. The value is the fuzzer's own buffer,
 *      sized exactly, and the output arrays are malloc()ed to exactly the
 *      size the header announces, so ASan sees any byte read or written
 *      out of bounds. What decodes must keep the promises: ids strictly
 *      increasing from first_doc, tfs >= 1 with max_tf their maximum, each
 *      document's positions strictly increasing, pos_count below the
 *      value's size (up to 8 times it for PFOR positions); a block without
 *      positions refuses post_decode_positions().
 *      The bytes after the first five go through post_parse_lean() too,
 *      with df and cf from those five.
 *   2. as the recipe of an encoder input (the bytes give n, gaps, tfs,
 *      lengths, positions and which streams to pack): post_encode_as()
 *      appends the block after a few bytes already in the buffer, and
 *      decoding it must give the input back exactly, and so must its lean
 *      form (post_make_lean()); the block cut short by one byte must not
 *      decode.
 * The committed seeds are blocks written by post_encode() from real text
 * (gen_posting_seeds.c), so the fuzzer starts from well-formed blocks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "posting.h"

/* A cap on the positions of a generated block, to keep runs fast. */
#define FPOST_MAX_POS 4096

/* Positions are checked per document: tfs[i] of them, increasing. */
static void
fpost_check_positions(const uint32_t *tfs, uint32_t n, const uint32_t *pos)
{
    uint32_t i, j;

    for (i = 0; i < n; i++) {
        for (j = 1; j < tfs[i]; j++)
            FUZZ_CHECK(pos[j] > pos[j - 1],
                       "a document's positions do not increase");
        pos += tfs[i];
    }
}

/*
 * The block's impacts: 1..POST_MAX_IMPACTS pairs, increasing in tf and in
 * length; without POST_F_IMPACTS the one pair (max_tf, min_len).
 */
static void
fpost_check_impacts(const struct post_view *v)
{
    uint32_t i;

    FUZZ_CHECK(v->nimpacts >= 1 && v->nimpacts <= POST_MAX_IMPACTS,
               "nimpacts out of 1..POST_MAX_IMPACTS");
    if (!(v->flags & POST_F_IMPACTS))
        FUZZ_CHECK(v->nimpacts == 1 && v->impact_tf[0] == v->max_tf &&
                       v->impact_len[0] == v->min_len,
                   "without POST_F_IMPACTS the pair is not (max_tf, min_len)");
    for (i = 1; i < v->nimpacts; i++)
        FUZZ_CHECK(v->impact_tf[i] >= v->impact_tf[i - 1] &&
                       v->impact_len[i] >= v->impact_len[i - 1],
                   "impacts do not increase");
}

/*
 * post_decode_doc_positions() for each document in turn, then an earlier
 * one and the last one again (the cursor restarts, or stays). Each output
 * is sized exactly tfs[i]. `all` is what post_decode_positions() gave, or
 * NULL when it failed: where it succeeded, each document must decode to
 * the same positions.
 */
static void
fpost_doc_positions(const struct post_view *v, const uint32_t *tfs,
                    const uint32_t *all)
{
    static const uint32_t one_more[2] = {0, 1}; /* first and last again */
    struct post_pos_cursor c;
    uint32_t i, k, at = 0, *out, small[1];
    int rc;

    post_pos_cursor_init(&c);
    for (k = 0; k < v->n + 2; k++) {
        i = k < v->n ? k : one_more[k - v->n] ? v->n - 1 : v->n / 2;
        /* A tf past pos_count cannot be decoded: no need for room. */
        out = tfs[i] <= v->pos_count ? malloc(tfs[i] * sizeof *out) : small;
        FUZZ_NEED(out);
        rc = post_decode_doc_positions(v, tfs, &c, i, out);
        FUZZ_CHECK(rc == SE_OK || rc == SE_ECORRUPT,
                   "post_decode_doc_positions() returned an unexpected code");
        if (rc == SE_OK)
            fpost_check_positions(tfs + i, 1, out);
        if (all != NULL && k < v->n) {
            FUZZ_CHECK(rc == SE_OK &&
                           memcmp(out, all + at, tfs[i] * sizeof *out) == 0,
                       "one document's positions differ from the block's");
            at += tfs[i];
        }
        if (out != small)
            free(out);
    }
}

/*
 * Run every decoder on the value [val, val+len). Returns 1 when everything
 * decoded (SE_OK from each function that applies), 0 otherwise.
 */
/* A dictionary entry's counts, for a lean block (post_parse_lean). */
struct fpost_entry {
    uint32_t df;
    uint64_t cf;
};

static int
fpost_decode(const uint8_t *val, size_t len, const struct fpost_entry *entry,
             struct post_view *v, uint32_t **docs_out, uint32_t **tfs_out,
             uint32_t **pos_out)
{
    uint32_t *docs, *tfs, *pos = NULL, i, max = 0;
    int rc, rd, rt, rp = SE_OK;

    *docs_out = *tfs_out = *pos_out = NULL;
    rc = entry ? post_parse_lean(val, len, entry->df, entry->cf, v)
               : post_parse(val, len, v);
    FUZZ_CHECK(rc == SE_OK || rc == SE_ECORRUPT,
               "post_parse() returned an unexpected code");
    if (rc != SE_OK)
        return 0;
    FUZZ_CHECK(v->n >= 1 && v->n <= POST_BLOCK_DOCS, "n out of 1..128");
    FUZZ_CHECK(v->max_tf >= 1, "max_tf is 0");
    fpost_check_impacts(v);
    FUZZ_CHECK(v->docs >= val && v->docs + v->docs_bytes <= val + len &&
                   v->tfs >= val && v->tfs + v->tfs_bytes <= val + len,
               "a stream lies outside the value");
    if (v->flags & POST_F_POSITIONS)
        FUZZ_CHECK(v->pos != NULL && v->pos >= val &&
                       v->pos + v->pos_bytes == val + len &&
                       (v->flags & POST_F_PACKED_POS ? v->pos_count <= 8 * len
                                                     : v->pos_count < len),
                   "the positions stream or count does not fit the value");
    else
        FUZZ_CHECK(v->pos == NULL && v->tfs + v->tfs_bytes == val + len,
                   "a block without positions does not end with its tfs");

    docs = malloc(v->n * sizeof *docs);
    tfs = malloc(v->n * sizeof *tfs);
    FUZZ_NEED(docs);
    FUZZ_NEED(tfs);
    rd = post_decode_docs(v, docs);
    FUZZ_CHECK(rd == SE_OK || rd == SE_ECORRUPT,
               "post_decode_docs() returned an unexpected code");
    if (rd == SE_OK) {
        FUZZ_CHECK(docs[0] == v->first_doc, "docs[0] is not first_doc");
        for (i = 1; i < v->n; i++)
            FUZZ_CHECK(docs[i] > docs[i - 1], "doc ids do not increase");
    }
    rt = post_decode_tfs(v, tfs);
    FUZZ_CHECK(rt == SE_OK || rt == SE_ECORRUPT,
               "post_decode_tfs() returned an unexpected code");
    for (i = 0; i < v->n; i++) {
        /* A tf read in place agrees with the decoded stream, and is never
         * above max_tf. */
        uint32_t one = 0;
        int ro = post_tf_at(v, i, &one);
        FUZZ_CHECK(ro == SE_OK || ro == SE_ECORRUPT || ro == SE_ENOTFOUND,
                   "post_tf_at() returned an unexpected code");
        FUZZ_CHECK(ro != SE_ENOTFOUND || !(v->flags & POST_F_PACKED_TFS),
                   "a packed tf not read in place");
        if (ro == SE_OK)
            FUZZ_CHECK(one >= 1 && one <= v->max_tf &&
                           (rt != SE_OK || one == tfs[i]),
                       "post_tf_at() disagrees with post_decode_tfs()");
    }
    if (rt == SE_OK) {
        for (i = 0; i < v->n; i++) {
            FUZZ_CHECK(tfs[i] >= 1, "a tf of 0");
            max = tfs[i] > max ? tfs[i] : max;
        }
        FUZZ_CHECK(max == v->max_tf, "max_tf is not the largest tf");
        if (v->flags & POST_F_POSITIONS) {
            /* One more slot than announced would hide nothing: exactly
             * pos_count, or one for a count of 0 (malloc(0) may be NULL). */
            pos = malloc((v->pos_count > 0 ? v->pos_count : 1) * sizeof *pos);
            FUZZ_NEED(pos);
            rp = post_decode_positions(v, tfs, pos);
            FUZZ_CHECK(rp == SE_OK || rp == SE_ECORRUPT,
                       "post_decode_positions() returned an unexpected code");
            if (rp == SE_OK)
                fpost_check_positions(tfs, v->n, pos);
            fpost_doc_positions(v, tfs, rp == SE_OK ? pos : NULL);
        } else {
            uint32_t dummy[1];

            struct post_pos_cursor c;

            rp = post_decode_positions(v, tfs, dummy);
            FUZZ_CHECK(rp == SE_ECORRUPT,
                       "positions decoded from a block without them");
            post_pos_cursor_init(&c);
            rp = post_decode_doc_positions(v, tfs, &c, 0, dummy);
            FUZZ_CHECK(rp == SE_ECORRUPT,
                       "positions decoded from a block without them");
            rp = SE_OK;
        }
    }
    *docs_out = docs;
    *tfs_out = tfs;
    *pos_out = pos;
    return rd == SE_OK && rt == SE_OK && rp == SE_OK;
}

/* Bytes of the recipe, then zeros when it runs out. */
struct fpost_src {
    const uint8_t *p;
    size_t left;
};

static uint32_t
fpost_byte(struct fpost_src *s)
{
    if (s->left == 0)
        return 0;
    s->left--;
    return *s->p++;
}

/*
 * A value whose width the low two bits of the first byte choose: the other
 * six bits (0..63), or the next one, two or four bytes.
 */
static uint32_t
fpost_value(struct fpost_src *s)
{
    static const unsigned width[4] = {0, 1, 2, 4};
    uint32_t b = fpost_byte(s), v, i;

    if ((b & 3) == 0)
        return b >> 2;
    for (v = 0, i = 0; i < width[b & 3]; i++)
        v = v << 8 | fpost_byte(s);
    return v;
}

/* An encoder input from the recipe; round trip it. */
static void
fpost_round_trip(const uint8_t *data, size_t size)
{
    struct fpost_src s = {data, size};
    uint32_t docs[POST_BLOCK_DOCS], tfs[POST_BLOCK_DOCS], lens[POST_BLOCK_DOCS];
    uint32_t *pos, *ddocs, *dtfs, *dpos, n, i, j, npos = 0,
                                                  min_len = UINT32_MAX;
    static const enum post_pack packs[3] = {POST_PACK_SMALLER, POST_PACK_NEVER,
                                            POST_PACK_ALWAYS};
    uint32_t max_tf = 0, mode = fpost_byte(&s), want = 1 + mode % 128;
    uint32_t opts = fpost_byte(&s);
    int with_pos = (mode & 0x80) != 0, with_lens = (opts & 1) != 0;
    struct buf b = BUF_INIT;
    struct post_view v;
    uint64_t d = fpost_value(&s), p;
    size_t base = fpost_byte(&s) % 8;
    int rc;

    pos = malloc(FPOST_MAX_POS * sizeof *pos);
    FUZZ_NEED(pos);
    for (n = 0; n < want && d <= UINT32_MAX; n++) {
        uint32_t tf = 1 + fpost_value(&s) % 64;

        if (npos + tf > FPOST_MAX_POS)
            break;
        docs[n] = (uint32_t)d;
        lens[n] = fpost_value(&s);
        /* The first position always fits; a later one past 2^32 - 1
         * ends the document's positions there (tf shrinks). */
        for (j = 0, p = fpost_value(&s); j < tf; j++) {
            if (p > UINT32_MAX) {
                tf = j;
                break;
            }
            pos[npos + j] = (uint32_t)p;
            p += 1 + (uint64_t)fpost_value(&s);
        }
        tfs[n] = tf;
        npos += tf;
        min_len = lens[n] < min_len ? lens[n] : min_len;
        max_tf = tf > max_tf ? tf : max_tf;
        d += 1 + (uint64_t)fpost_value(&s);
    }
    if (n == 0) {
        free(pos);
        return;
    }
    for (i = 0; i < base; i++) /* the block is appended to what is there */
        FUZZ_NEED(buf_putc(&b, 0xA5) == SE_OK ? &b : NULL);
    rc = post_encode_as(docs, tfs, with_lens ? lens : NULL,
                        with_pos ? pos : NULL, n, packs[(opts >> 1) % 3], &b);
    FUZZ_CHECK(rc == SE_OK, "post_encode_as() refused a valid block");
    FUZZ_CHECK(fpost_decode(b.data + base, b.len - base, NULL, &v, &ddocs,
                            &dtfs, &dpos),
               "a block post_encode() wrote does not decode");
    FUZZ_CHECK(
        v.n == n && v.max_tf == max_tf &&
            v.min_len == (with_lens ? min_len : 0) && v.first_doc == docs[0] &&
            (v.flags & POST_F_POSITIONS) == (with_pos ? POST_F_POSITIONS : 0u),
        "the header differs from the encoder's input");
    /* Each document lies under one of the impacts: no bound is too low. */
    for (i = 0; i < n && with_lens; i++) {
        for (j = 0; j < v.nimpacts; j++)
            if (tfs[i] <= v.impact_tf[j] && lens[i] >= v.impact_len[j])
                break;
        FUZZ_CHECK(j < v.nimpacts, "a document above every impact");
    }
    FUZZ_CHECK(memcmp(ddocs, docs, n * sizeof *docs) == 0,
               "doc ids differ after a round trip");
    FUZZ_CHECK(memcmp(dtfs, tfs, n * sizeof *tfs) == 0,
               "tfs differ after a round trip");
    if (with_pos)
        FUZZ_CHECK(v.pos_count == npos &&
                       memcmp(dpos, pos, npos * sizeof *pos) == 0,
                   "positions differ after a round trip");
    free(ddocs);
    free(dtfs);
    free(dpos);
    /* Cut short by one byte: some check must notice. The copy is sized
     * exactly, so a decoder that trusted the header would overrun it. */
    {
        size_t cut = b.len - base - 1;
        uint8_t *shorter = malloc(cut > 0 ? cut : 1);

        FUZZ_NEED(shorter);
        memcpy(shorter, b.data + base, cut);
        FUZZ_CHECK(!fpost_decode(shorter, cut, NULL, &v, &ddocs, &dtfs, &dpos),
                   "a block cut short by one byte still decodes");
        free(ddocs);
        free(dtfs);
        free(dpos);
        free(shorter);
    }
    /* Its lean form, as a dictionary entry keeps it, decodes to the same
     * list given the entry's counts (df = n, cf = the sum of tfs). */
    {
        struct fpost_entry ent = {n, 0};
        struct buf lean = BUF_INIT;

        for (i = 0; i < n; i++)
            ent.cf += tfs[i];
        FUZZ_CHECK(post_make_lean(b.data + base, b.len - base, &lean) == SE_OK,
                   "post_make_lean() refused a block post_encode() wrote");
        FUZZ_NEED(lean.data);
        FUZZ_CHECK(lean.len <= b.len - base, "the lean block is longer");
        FUZZ_CHECK(fpost_decode(lean.data, lean.len, &ent, &v, &ddocs, &dtfs,
                                &dpos),
                   "a lean block does not decode");
        FUZZ_CHECK(v.n == n && v.max_tf == max_tf &&
                       memcmp(ddocs, docs, n * sizeof *docs) == 0 &&
                       memcmp(dtfs, tfs, n * sizeof *tfs) == 0 &&
                       (!with_pos ||
                        memcmp(dpos, pos, npos * sizeof *pos) == 0),
                   "a lean block decodes to another list");
        free(ddocs);
        free(dtfs);
        free(dpos);
        buf_release(&lean);
    }
    buf_release(&b);
    free(pos);
}

static int
fuzz_posting_one(const uint8_t *data, size_t size)
{
    struct post_view v;
    uint32_t *docs, *tfs, *pos;

    fpost_decode(data, size, NULL, &v, &docs, &tfs, &pos);
    free(docs);
    free(tfs);
    free(pos);
    /* The same bytes as a lean block, its entry's counts from the first
     * five: df (0..255, beyond 128 refused) and a cf of up to 32 bits. */
    if (size >= 5) {
        struct fpost_entry ent = {data[0],
                                  (uint64_t)data[1] | (uint64_t)data[2] << 8 |
                                      (uint64_t)data[3] << 16 |
                                      (uint64_t)data[4] << 24};
        fpost_decode(data + 5, size - 5, &ent, &v, &docs, &tfs, &pos);
        free(docs);
        free(tfs);
        free(pos);
    }
    fpost_round_trip(data, size);
    return 0;
}

#ifndef FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_posting_one(data, size);
}
#endif
