/*
 * test_docstore.c - what the index keeps about documents: the metadata
 * record and its checks, document records and id lookups, the dense length
 * table across chunk boundaries, stored text (raw, zstd, and zstd with a
 * dictionary trained on Reuters bodies), removal, and
 * corrupt values of each (SE_ECORRUPT, never a crash).
 *
 * Corrupt values are written with idx_put() into a real index, so they are
 * read back from the LMDB map exactly as a damaged index would be.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>

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
#include "index.h"
#include "testutil.h"

/* ---------------------------------------------------------------- */
/* Helpers                                                           */
/* ---------------------------------------------------------------- */

static char tmp[64];
static struct idx *ix;

/* Each test gets a new, empty index in its own directory. */
static void
setup(void)
{
    int rc;

    strcpy(tmp, "/tmp/test_docstore.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
    rc = idx_open(tmp, IDX_CREATE, &ix);
    cr_assert_eq(rc, SE_OK, "idx_open: %s", se_strerror(rc));
}

static void
teardown(void)
{
    idx_close(ix);
    ix = NULL;
    if (tmp[0])
        tu_rm_tree(tmp);
}

static struct idx_txn *
begin(int write)
{
    struct idx_txn *txn = NULL;
    int rc = idx_txn_begin(ix, write, &txn);

    cr_assert_eq(rc, SE_OK, "txn_begin: %s", se_strerror(rc));
    return txn;
}

static void
commit_ok(struct idx_txn *txn)
{
    int rc = idx_txn_commit(txn);

    cr_assert_eq(rc, SE_OK, "commit: %s", se_strerror(rc));
}

static void
put_ok(struct idx_txn *txn, enum idx_table t, const void *k, size_t klen,
       const void *v, size_t vlen)
{
    int rc = idx_put(txn, t, k, klen, v, vlen, 0);

    cr_assert_eq(rc, SE_OK, "idx_put: %s", se_strerror(rc));
}

static void
put_doc_value(struct idx_txn *txn, uint32_t doc, const void *v, size_t n)
{
    unsigned char key[4];

    idx_put_be32(key, doc);
    put_ok(txn, IDX_DOCS, key, 4, v, n);
}

/* xorshift64*: a seeded, repeatable generator. */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static int
mem_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

TestSuite(docstore, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------- */
/* Metadata                                                          */
/* ---------------------------------------------------------------- */

Test(docstore, meta_round_trips)
{
    struct doc_meta m, got;
    struct idx_txn *txn;
    int rc;

    txn = begin(1);
    rc = doc_meta_load(txn, &got);
    cr_assert_eq(rc, SE_ENOTFOUND, "fresh index: %s", se_strerror(rc));
    memset(&m, 0, sizeof m);
    m.format = DOC_FORMAT_VERSION;
    strcpy(m.language, "english");
    m.docs = 4000000000ULL; /* <= next_doc, as load checks */
    m.total_len = 0xfedcba9876543210ULL;
    m.next_doc = UINT32_MAX;
    rc = doc_meta_save(txn, &m);
    cr_assert_eq(rc, SE_OK, "save: %s", se_strerror(rc));
    commit_ok(txn);
    txn = begin(0);
    rc = doc_meta_load(txn, &got);
    cr_assert_eq(rc, SE_OK, "load: %s", se_strerror(rc));
    cr_assert_eq(got.format, DOC_FORMAT_VERSION, "format %u", got.format);
    cr_assert_str_eq(got.language, "english");
    cr_assert_eq(got.docs, m.docs, "docs %llu", (unsigned long long)got.docs);
    cr_assert_eq(got.total_len, m.total_len, "total_len %llx",
                 (unsigned long long)got.total_len);
    cr_assert_eq(got.next_doc, UINT32_MAX, "next_doc %u", got.next_doc);
    idx_txn_abort(txn);
}

Test(docstore, bad_meta_values_are_refused)
{
    static const unsigned char fmt_next[4] = {DOC_FORMAT_VERSION + 1, 0, 0, 0};
    static const unsigned char fmt0[4] = {DOC_FORMAT_OLDEST - 1, 0, 0, 0};
    static const unsigned char stats19[19] = {0};
    /* docs = 2, total 0, next_doc = 1: more documents than ids given. */
    static const unsigned char stats_more[20] = {2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    static const struct {
        const char *key;
        const void *val;
        size_t len;
        int del; /* delete the key instead */
        int want;
        const char *what;
    } rows[] = {
        {"format", fmt_next, 4, 0, SE_EVERSION, "a format to come"},
        {"format", fmt0, 4, 0, SE_EVERSION, "a format before the oldest"},
        {"format", fmt_next, 3, 0, SE_ECORRUPT, "format of 3 bytes"},
        {"format", NULL, 0, 1, SE_ECORRUPT, "no format"},
        {"stats", stats19, 19, 0, SE_ECORRUPT, "stats of 19 bytes"},
        {"stats", NULL, 0, 1, SE_ECORRUPT, "no stats"},
        {"stats", stats_more, 20, 0, SE_ECORRUPT, "docs > next_doc"},
        {"language", "", 0, 0, SE_ECORRUPT, "empty language"},
        {"language", "abcdefghijklmnopqrstuvwxyz012345", 32, 0, SE_ECORRUPT,
         "language of 32 bytes"},
        {"language", NULL, 0, 1, SE_ECORRUPT, "no language"},
        {"magic", "searchengine-indey", 18, 0, SE_ENOINDEX, "other magic"},
        {"magic", NULL, 0, 1, SE_ENOINDEX, "no magic, other keys"},
    };
    struct doc_meta m, got;
    struct idx_txn *txn;
    size_t i;
    int rc;

    memset(&m, 0, sizeof m);
    m.format = DOC_FORMAT_VERSION;
    strcpy(m.language, "french");
    m.docs = 3;
    m.total_len = 30;
    m.next_doc = 7;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        txn = begin(1);
        rc = doc_meta_save(txn, &m);
        cr_assert_eq(rc, SE_OK, "save: %s", se_strerror(rc));
        rc = doc_meta_load(txn, &got);
        cr_assert_eq(rc, SE_OK, "%s: the good meta first: %s", rows[i].what,
                     se_strerror(rc));
        if (rows[i].del) {
            rc = idx_del(txn, IDX_META, rows[i].key, strlen(rows[i].key), NULL,
                         0);
            cr_assert_eq(rc, SE_OK, "del %s: %s", rows[i].key, se_strerror(rc));
        } else {
            put_ok(txn, IDX_META, rows[i].key, strlen(rows[i].key), rows[i].val,
                   rows[i].len);
        }
        rc = doc_meta_load(txn, &got);
        cr_assert_eq(rc, rows[i].want, "%s: got %s, expected %s", rows[i].what,
                     se_strerror(rc), se_strerror(rows[i].want));
        idx_txn_abort(txn);
    }
}

/* ---------------------------------------------------------------- */
/* Records                                                           */
/* ---------------------------------------------------------------- */

Test(docstore, records_round_trip)
{
    char longid[500];
    static const char bin[] = "a\0b\xff\x01";
    struct {
        uint32_t doc;
        struct doc_record r;
    } rows[] = {
        {0, {"doc-0", 5, "A title", 7, "26-FEB-1987", 11, 12, 2}},
        {1, {"doc-1", 5, "", 0, "", 0, 0, 0}},     /* all empty */
        {2, {"doc-2", 5, NULL, 0, NULL, 0, 7, 0}}, /* NULL, 0 */
        {1023, {"x", 1, "Café ünïcode", 14, "", 0, 100, 3}},
        {1024, {longid, sizeof longid, bin, sizeof bin, bin, 3, 1, 1}},
        {UINT32_MAX - 1, {"last", 4, "t", 1, "d", 1, UINT32_MAX, UINT32_MAX}},
    };
    struct buf scratch = BUF_INIT;
    struct idx_txn *txn;
    struct doc_record got;
    uint64_t n;
    uint32_t doc;
    size_t i;
    int rc;

    memset(longid, 'i', sizeof longid);
    txn = begin(1);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rc = doc_put(txn, rows[i].doc, &rows[i].r, &scratch);
        cr_assert_eq(rc, SE_OK, "put %u: %s", rows[i].doc, se_strerror(rc));
    }
    commit_ok(txn);
    txn = begin(0);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct doc_record *w = &rows[i].r;
        rc = doc_get(txn, rows[i].doc, &got);
        cr_assert_eq(rc, SE_OK, "get %u: %s", rows[i].doc, se_strerror(rc));
        cr_assert(mem_eq(got.id, got.id_len, w->id, w->id_len),
                  "doc %u: id differs", rows[i].doc);
        cr_assert(mem_eq(got.title, got.title_len, w->title, w->title_len),
                  "doc %u: title '%.*s', expected '%.*s'", rows[i].doc,
                  (int)got.title_len, got.title, (int)w->title_len, w->title);
        cr_assert(mem_eq(got.date, got.date_len, w->date, w->date_len),
                  "doc %u: date differs", rows[i].doc);
        cr_assert_eq(got.len, w->len, "doc %u: len %u", rows[i].doc, got.len);
        cr_assert_eq(got.title_tokens, w->title_tokens,
                     "doc %u: title_tokens %u", rows[i].doc, got.title_tokens);
        rc = doc_lookup(txn, w->id, w->id_len, &doc);
        cr_assert_eq(rc, SE_OK, "lookup of doc %u: %s", rows[i].doc,
                     se_strerror(rc));
        cr_assert_eq(doc, rows[i].doc, "lookup gave %u, not %u", doc,
                     rows[i].doc);
    }
    rc = doc_get(txn, 3, &got);
    cr_assert_eq(rc, SE_ENOTFOUND, "doc 3: %s", se_strerror(rc));
    rc = doc_lookup(txn, "doc-3", 5, &doc);
    cr_assert_eq(rc, SE_ENOTFOUND, "lookup doc-3: %s", se_strerror(rc));
    rc = doc_lookup(txn, "", 0, &doc);
    cr_assert_eq(rc, SE_ENOTFOUND, "lookup of empty id: %s", se_strerror(rc));
    rc = idx_count(txn, IDX_IDS, &n);
    cr_assert_eq(rc, SE_OK, "count: %s", se_strerror(rc));
    cr_assert_eq(n, sizeof rows / sizeof rows[0], "%llu ids",
                 (unsigned long long)n);
    idx_txn_abort(txn);
    buf_release(&scratch);
}

Test(docstore, corrupt_records_are_refused)
{
    struct doc_record r = {"id-7", 4, "Title", 5, "1987", 4, 40, 2}, got;
    struct buf scratch = BUF_INIT, v = BUF_INIT;
    struct idx_txn *txn;
    const void *val;
    size_t n, cut;
    uint32_t doc;
    int rc;

    txn = begin(1);
    rc = doc_put(txn, 7, &r, &scratch);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    {
        unsigned char key[4];
        idx_put_be32(key, 7);
        rc = idx_get(txn, IDX_DOCS, key, 4, &val, &n);
        cr_assert_eq(rc, SE_OK, "raw get: %s", se_strerror(rc));
        buf_append(&v, val, n);
    }
    /* The bytes of docstore.h: len, title tokens, then three strings. */
    cr_assert(mem_eq(v.data, v.len,
                     "\x28\x02\x04id-7\x05Title\x04"
                     "1987",
                     18),
              "record bytes differ from docstore.h's layout");
    /* Every proper prefix is corrupt. */
    for (cut = 0; cut < v.len; cut++) {
        put_doc_value(txn, 7, v.data, cut);
        rc = doc_get(txn, 7, &got);
        cr_assert_eq(rc, SE_ECORRUPT, "prefix of %zu bytes: %s", cut,
                     se_strerror(rc));
    }
    /* A trailing byte, and title tokens above the length. */
    buf_putc(&v, 0);
    put_doc_value(txn, 7, v.data, v.len);
    rc = doc_get(txn, 7, &got);
    cr_assert_eq(rc, SE_ECORRUPT, "trailing byte: %s", se_strerror(rc));
    put_doc_value(txn, 7, "\x02\x03\x00\x00\x00", 5);
    rc = doc_get(txn, 7, &got);
    cr_assert_eq(rc, SE_ECORRUPT, "title_tokens > len: %s", se_strerror(rc));
    /* A string length far past the end, and one over 64 bits. */
    put_doc_value(txn, 7, "\x02\x01\xff\xff\xff\xff\x0f", 7);
    rc = doc_get(txn, 7, &got);
    cr_assert_eq(rc, SE_ECORRUPT, "huge string length: %s", se_strerror(rc));
    put_doc_value(txn, 7, "\x02\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
                  12);
    rc = doc_get(txn, 7, &got);
    cr_assert_eq(rc, SE_ECORRUPT, "70-bit length: %s", se_strerror(rc));
    /* A length over 32 bits. */
    put_doc_value(txn, 7, "\x80\x80\x80\x80\x10\x00\x00\x00\x00", 9);
    rc = doc_get(txn, 7, &got);
    cr_assert_eq(rc, SE_ECORRUPT, "len of 2^32: %s", se_strerror(rc));
    /* The id mapping must be 4 bytes. */
    put_ok(txn, IDX_IDS, "id-7", 4, "\x07\x00\x00", 3);
    rc = doc_lookup(txn, "id-7", 4, &doc);
    cr_assert_eq(rc, SE_ECORRUPT, "3-byte id value: %s", se_strerror(rc));
    put_ok(txn, IDX_IDS, "id-7", 4, "\x07\x00\x00\x00\x00", 5);
    rc = doc_lookup(txn, "id-7", 4, &doc);
    cr_assert_eq(rc, SE_ECORRUPT, "5-byte id value: %s", se_strerror(rc));
    /* Removing a document whose record is corrupt fails, not crashes. */
    put_doc_value(txn, 7, "\x05", 1);
    rc = doc_remove(txn, 7);
    cr_assert_eq(rc, SE_ECORRUPT, "remove corrupt: %s", se_strerror(rc));
    idx_txn_abort(txn);
    buf_release(&scratch);
    buf_release(&v);
}

/* ---------------------------------------------------------------- */
/* Lengths                                                           */
/* ---------------------------------------------------------------- */

#define NLENS 6200

/* The same through doc_lens_read(): everything at once, then ranges that
 * start and end inside chunks, past the last chunk, and of no document. */
static void
check_lens_read(struct idx_txn *txn, const uint32_t *want, const char *when)
{
    static uint32_t got[NLENS + DOC_LENS_CHUNK];
    static const uint32_t from[] = {0, 1, 1023, 1024, 2047, 5000, NLENS - 1};
    uint32_t d;
    size_t i;
    int rc;

    rc = doc_lens_read(txn, 0, NLENS + DOC_LENS_CHUNK, got);
    cr_assert_eq(rc, SE_OK, "%s: read all: %s", when, se_strerror(rc));
    for (d = 0; d < NLENS + DOC_LENS_CHUNK; d++)
        cr_assert_eq(got[d], d < NLENS ? want[d] : 0,
                     "%s: read all, doc %u has %u", when, d, got[d]);
    for (i = 0; i < sizeof from / sizeof *from; i++) {
        size_t n = NLENS - from[i] < 1500 ? NLENS - from[i] : 1500;
        memset(got, 0xee, sizeof got);
        rc = doc_lens_read(txn, from[i], n, got);
        cr_assert_eq(rc, SE_OK, "%s: read %u+%zu: %s", when, from[i], n,
                     se_strerror(rc));
        for (d = 0; d < n; d++)
            cr_assert_eq(got[d], want[from[i] + d], "%s: read from %u, doc %u",
                         when, from[i], from[i] + d);
        cr_assert_eq(got[n], 0xeeeeeeee, "%s: read %u+%zu wrote past n", when,
                     from[i], n);
    }
    rc = doc_lens_read(txn, 77, 0, got);
    cr_assert_eq(rc, SE_OK, "%s: read of none: %s", when, se_strerror(rc));
}

/* Read every length 0..NLENS+DOC_LENS_CHUNK through one reader, in order,
 * backwards and at random, and compare with want[]. */
static void
check_lens(struct idx_txn *txn, const uint32_t *want, const char *when)
{
    struct doc_lens dl;
    uint64_t s = 3;
    uint32_t d, len, k;
    int rc;

    doc_lens_init(&dl, txn);
    for (d = 0; d < NLENS + DOC_LENS_CHUNK; d++) {
        rc = doc_lens_get(&dl, d, &len);
        cr_assert_eq(rc, SE_OK, "%s: get %u: %s", when, d, se_strerror(rc));
        cr_assert_eq(len, d < NLENS ? want[d] : 0, "%s: doc %u has %u, not %u",
                     when, d, len, d < NLENS ? want[d] : 0);
    }
    for (d = NLENS; d-- > 0;) {
        rc = doc_lens_get(&dl, d, &len);
        cr_assert_eq(rc, SE_OK, "%s: get %u: %s", when, d, se_strerror(rc));
        cr_assert_eq(len, want[d], "%s: backwards, doc %u", when, d);
    }
    for (k = 0; k < 5000; k++) {
        d = (uint32_t)(rnd(&s) % NLENS);
        rc = doc_lens_get(&dl, d, &len);
        cr_assert_eq(rc, SE_OK, "%s: get %u: %s", when, d, se_strerror(rc));
        cr_assert_eq(len, want[d], "%s: random, doc %u", when, d);
    }
    rc = doc_lens_get(&dl, UINT32_MAX, &len);
    cr_assert_eq(rc, SE_OK, "%s: get UINT32_MAX: %s", when, se_strerror(rc));
    cr_assert_eq(len, 0, "%s: UINT32_MAX has a length", when);
    check_lens_read(txn, want, when);
}

static void
lens_put(struct idx_txn *txn, uint32_t *want, uint32_t first, size_t n,
         uint64_t *s)
{
    uint32_t vals[3000];
    size_t i;
    int rc;

    cr_assert_leq(n, 3000, "test table too small");
    for (i = 0; i < n; i++) {
        vals[i] = (uint32_t)rnd(s) >> (rnd(s) % 32);
        want[first + i] = vals[i];
    }
    rc = doc_lens_put(txn, first, vals, n);
    cr_assert_eq(rc, SE_OK, "put %u+%zu: %s", first, n, se_strerror(rc));
}

Test(docstore, lengths_across_chunk_boundaries)
{
    static uint32_t want[NLENS];
    struct idx_txn *txn;
    uint64_t s = 11, chunks;
    uint32_t one;
    int rc;

    cr_assert_eq(DOC_LENS_CHUNK, 1024, "the boundaries below assume 1024");
    txn = begin(1);
    check_lens(txn, want, "empty");
    lens_put(txn, want, 1023, 1, &s);    /* last of chunk 0 */
    lens_put(txn, want, 1024, 1, &s);    /* first of chunk 1 */
    lens_put(txn, want, 2040, 16, &s);   /* across 2048 */
    lens_put(txn, want, 0, 1, &s);       /* doc 0 */
    lens_put(txn, want, 3000, 3000, &s); /* across three chunks */
    lens_put(txn, want, 1000, 100, &s);  /* over 1023/1024 again */
    commit_ok(txn);
    txn = begin(0);
    check_lens(txn, want, "after puts");
    rc = idx_count(txn, IDX_LENS, &chunks);
    cr_assert_eq(rc, SE_OK, "count: %s", se_strerror(rc));
    cr_assert_eq(chunks, 6, "chunks 0,1,2,3,4,5 hold lengths, counted %llu",
                 (unsigned long long)chunks);
    idx_txn_abort(txn);
    /* Overwriting one keeps its neighbours. */
    txn = begin(1);
    one = 77;
    rc = doc_lens_put(txn, 2047, &one, 1);
    cr_assert_eq(rc, SE_OK, "put 2047: %s", se_strerror(rc));
    want[2047] = 77;
    rc = doc_lens_put(txn, 5, &one, 0); /* nothing */
    cr_assert_eq(rc, SE_OK, "put of none: %s", se_strerror(rc));
    check_lens(txn, want, "after overwrite");
    idx_txn_abort(txn);
}

/*
 * A length cache kept from transaction to transaction (doc_lens_renew)
 * keeps its chunks while the commit and the mapping are the same, and reads
 * again after a commit (the new lengths, not the old page's) or after the
 * handle opened the file again (the old map is gone: a stale pointer would
 * fault here).
 */
Test(docstore, a_kept_length_cache_follows_commits_and_reopens)
{
    struct doc_lens dl;
    struct idx_txn *txn;
    uint32_t len, v;
    int round;

    memset(&dl, 0, sizeof dl);
    for (round = 0; round < 40; round++) {
        /* each round rewrites chunks 0 and 3 with new lengths */
        txn = begin(1);
        v = 100 + (uint32_t)round;
        cr_assert_eq(doc_lens_put(txn, 5, &v, 1), SE_OK);
        cr_assert_eq(doc_lens_put(txn, 3 * 1024 + 7, &v, 1), SE_OK);
        commit_ok(txn);
        if (round % 4 == 3)
            cr_assert_eq(idx_trim(ix), SE_OK); /* opened again: new map */
        txn = begin(0);
        doc_lens_renew(&dl, txn);
        cr_assert_eq(doc_lens_get(&dl, 5, &len), SE_OK);
        cr_assert_eq(len, v, "round %d: %u, want %u", round, len, v);
        idx_txn_abort(txn);
        /* the same commit: kept, and still right */
        txn = begin(0);
        doc_lens_renew(&dl, txn);
        cr_assert_neq(dl.filled[0], 0, "round %d: the chunk was dropped",
                      round);
        cr_assert_eq(doc_lens_get(&dl, 5, &len), SE_OK);
        cr_assert_eq(len, v);
        cr_assert_eq(doc_lens_get(&dl, 3 * 1024 + 7, &len), SE_OK);
        cr_assert_eq(len, v);
        idx_txn_abort(txn);
    }
}

/* Chunks DOC_LENS_SLOTS apart share a slot of the reader's cache: reading
 * them in turn must give each its own lengths, never the other's. */
Test(docstore, chunks_sharing_a_cache_slot_keep_their_lengths)
{
    static const uint32_t chunk[3] = {1, 1 + DOC_LENS_SLOTS,
                                      1 + 2 * DOC_LENS_SLOTS};
    struct idx_txn *txn;
    struct doc_lens dl;
    uint32_t i, k, len, val;
    int rc;

    txn = begin(1);
    for (i = 0; i < 3; i++)
        for (k = 0; k < 4; k++) {
            val = 100 * (i + 1) + k;
            rc = doc_lens_put(txn, chunk[i] * DOC_LENS_CHUNK + 7 * k, &val, 1);
            cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
        }
    doc_lens_init(&dl, txn);
    for (k = 0; k < 4; k++)
        for (i = 0; i < 3; i++) {
            /* and chunk 1 + 3 * SLOTS, with no entry, in the same slot */
            rc = doc_lens_get(&dl, chunk[i] * DOC_LENS_CHUNK + 7 * k, &len);
            cr_assert_eq(rc, SE_OK, "get: %s", se_strerror(rc));
            cr_assert_eq(len, 100 * (i + 1) + k, "chunk %u doc %u: %u",
                         chunk[i], 7 * k, len);
            rc = doc_lens_get(&dl, (1 + 3 * DOC_LENS_SLOTS) * DOC_LENS_CHUNK,
                              &len);
            cr_assert_eq(rc, SE_OK, "get: %s", se_strerror(rc));
            cr_assert_eq(len, 0, "a chunk without an entry has length %u", len);
        }
    idx_txn_abort(txn);
}

Test(docstore, corrupt_length_chunks_are_refused)
{
    unsigned char key[4], small[100] = {1};
    struct doc_lens dl;
    struct idx_txn *txn;
    uint32_t len, one = 1;
    int rc;

    txn = begin(1);
    idx_put_be32(key, 1);
    put_ok(txn, IDX_LENS, key, 4, small, sizeof small);
    doc_lens_init(&dl, txn);
    rc = doc_lens_get(&dl, 5, &len);
    cr_assert_eq(rc, SE_OK, "chunk 0 is absent, fine: %s", se_strerror(rc));
    cr_assert_eq(len, 0, "absent chunk gives 0");
    rc = doc_lens_get(&dl, 1024 + 3, &len);
    cr_assert_eq(rc, SE_ECORRUPT, "short chunk: %s", se_strerror(rc));
    rc = doc_lens_put(txn, 1030, &one, 1);
    cr_assert_eq(rc, SE_ECORRUPT, "put into short chunk: %s", se_strerror(rc));
    idx_txn_abort(txn);
}

/* ---------------------------------------------------------------- */
/* Stored text                                                       */
/* ---------------------------------------------------------------- */

Test(docstore, text_round_trips_raw_and_compressed)
{
    static const size_t sizes[] = {0,  1,    2,     63,      64,
                                   65, 1000, 65536, 1 << 20, 300000};
    struct doc_text *dt;
    struct buf out = BUF_INIT;
    struct idx_txn *txn;
    char *body[10];
    const void *v;
    size_t i, n;
    uint64_t s = 5;
    int rc;

    rc = doc_text_new(&dt);
    cr_assert_eq(rc, SE_OK, "doc_text_new: %s", se_strerror(rc));
    txn = begin(1);
    for (i = 0; i < 10; i++) {
        size_t k;
        body[i] = malloc(sizes[i] + 1);
        cr_assert_not_null(body[i]);
        for (k = 0; k < sizes[i]; k++) /* text, but the last is random */
            body[i][k] = i == 9 ? (char)rnd(&s) : "lorem ipsum "[k % 12];
        rc = doc_text_put(dt, txn, (uint32_t)i * 1000, body[i], sizes[i]);
        cr_assert_eq(rc, SE_OK, "put %zu bytes: %s", sizes[i], se_strerror(rc));
    }
    commit_ok(txn);
    txn = begin(0);
    for (i = 0; i < 10; i++) {
        unsigned char key[4];
        idx_put_be32(key, (uint32_t)i * 1000);
        rc = idx_get(txn, IDX_TEXT, key, 4, &v, &n);
        cr_assert_eq(rc, SE_OK, "raw get: %s", se_strerror(rc));
        if (sizes[i] < 64) {
            cr_assert_eq(((const unsigned char *)v)[0], 0,
                         "%zu bytes should be raw", sizes[i]);
            cr_assert_eq(n, sizes[i] + 1, "raw value of %zu bytes", n);
        } else {
            cr_assert_eq(((const unsigned char *)v)[0], 1,
                         "%zu bytes should be zstd", sizes[i]);
            if (i != 9)
                cr_assert_lt(n, sizes[i], "text of %zu bytes took %zu",
                             sizes[i], n);
        }
        rc = doc_text_get(dt, txn, (uint32_t)i * 1000, &out);
        cr_assert_eq(rc, SE_OK, "get %zu bytes: %s", sizes[i], se_strerror(rc));
        cr_assert(mem_eq(out.data, out.len, body[i], sizes[i]),
                  "body of %zu bytes came back as %zu different bytes",
                  sizes[i], out.len);
        free(body[i]);
    }
    rc = doc_text_get(dt, txn, 1, &out);
    cr_assert_eq(rc, SE_ENOTFOUND, "no text: %s", se_strerror(rc));
    cr_assert_eq(out.len, 0, "output cleared");
    idx_txn_abort(txn);
    doc_text_free(dt);
    doc_text_free(NULL);
    buf_release(&out);
}

Test(docstore, corrupt_text_is_refused)
{
    struct doc_text *dt;
    struct buf out = BUF_INIT, good = BUF_INIT, bad = BUF_INIT;
    struct idx_txn *txn;
    unsigned char key[4];
    const void *v;
    char body[4000];
    size_t n, i, cut;
    int rc;

    rc = doc_text_new(&dt);
    cr_assert_eq(rc, SE_OK, "doc_text_new: %s", se_strerror(rc));
    for (i = 0; i < sizeof body; i++)
        body[i] = (char)('a' + (i * 7 + i / 13) % 26);
    txn = begin(1);
    rc = doc_text_put(dt, txn, 9, body, sizeof body);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    idx_put_be32(key, 9);
    rc = idx_get(txn, IDX_TEXT, key, 4, &v, &n);
    cr_assert_eq(rc, SE_OK, "raw get: %s", se_strerror(rc));
    buf_append(&good, v, n);

    /* Empty value, unknown methods. */
    put_ok(txn, IDX_TEXT, key, 4, "", 0);
    rc = doc_text_get(dt, txn, 9, &out);
    cr_assert_eq(rc, SE_ECORRUPT, "empty value: %s", se_strerror(rc));
    for (i = 2; i < 256; i += 37) {
        buf_clear(&bad);
        buf_append(&bad, good.data, good.len);
        bad.data[0] = (unsigned char)i;
        put_ok(txn, IDX_TEXT, key, 4, bad.data, bad.len);
        rc = doc_text_get(dt, txn, 9, &out);
        cr_assert_eq(rc, SE_ECORRUPT, "method %zu: %s", i, se_strerror(rc));
    }
    /* Not a zstd frame at all. */
    put_ok(txn, IDX_TEXT, key, 4, "\x01garbage, not zstd", 18);
    rc = doc_text_get(dt, txn, 9, &out);
    cr_assert_eq(rc, SE_ECORRUPT, "garbage frame: %s", se_strerror(rc));
    put_ok(txn, IDX_TEXT, key, 4, "\x01", 1);
    rc = doc_text_get(dt, txn, 9, &out);
    cr_assert_eq(rc, SE_ECORRUPT, "method byte only: %s", se_strerror(rc));
    /* Every truncation of the frame. */
    for (cut = 2; cut < good.len; cut++) {
        put_ok(txn, IDX_TEXT, key, 4, good.data, cut);
        rc = doc_text_get(dt, txn, 9, &out);
        cr_assert_eq(rc, SE_ECORRUPT, "frame cut at %zu of %zu: %s", cut,
                     good.len, se_strerror(rc));
    }
    /* A trailing byte after the frame. */
    buf_clear(&bad);
    buf_append(&bad, good.data, good.len);
    buf_putc(&bad, 0);
    put_ok(txn, IDX_TEXT, key, 4, bad.data, bad.len);
    rc = doc_text_get(dt, txn, 9, &out);
    cr_assert_eq(rc, SE_ECORRUPT, "trailing byte: %s", se_strerror(rc));
    /* The intact value still reads. */
    put_ok(txn, IDX_TEXT, key, 4, good.data, good.len);
    rc = doc_text_get(dt, txn, 9, &out);
    cr_assert_eq(rc, SE_OK, "good value: %s", se_strerror(rc));
    cr_assert(mem_eq(out.data, out.len, body, sizeof body), "body differs");
    idx_txn_abort(txn);
    doc_text_free(dt);
    buf_release(&out);
    buf_release(&good);
    buf_release(&bad);
}

/*
 * A frame header is bytes from disk too: one claiming 4 GiB of content in
 * a 20-byte value is corrupt, and must not make the reader allocate 4 GiB
 * first (that fails as SE_ENOMEM wherever memory is limited). The most
 * compressible legitimate bodies, runs of one byte, still read back.
 */
Test(docstore, frame_headers_claiming_huge_sizes_are_corrupt)
{
    /* method 1; zstd magic; descriptor: single segment, 8-byte content
     * size = 4,000,000,000; then a raw block header of 100 bytes. */
    static const unsigned char claim[] = {
        1,    0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0x00, 0x28, 0x6b, 0xee,
        0x00, 0x00, 0x00, 0x00, 0x21, 0x03, 0x00, 'a',  'b',  'c'};
    static const size_t runs[] = {64, 131072, 131073, (size_t)16 << 20};
    struct buf out = BUF_INIT;
    struct doc_text *dt;
    struct idx_txn *txn;
    unsigned char key[4];
    const void *v;
    size_t i, n;
    char *body;
    int rc;

    rc = doc_text_new(&dt);
    cr_assert_eq(rc, SE_OK, "doc_text_new: %s", se_strerror(rc));
    txn = begin(1);
    idx_put_be32(key, 3);
    put_ok(txn, IDX_TEXT, key, 4, claim, sizeof claim);
    rc = doc_text_get(dt, txn, 3, &out);
    cr_assert_eq(rc, SE_ECORRUPT, "4 GiB claimed in %zu bytes: %s",
                 sizeof claim, se_strerror(rc));
    cr_assert_lt(out.cap, (size_t)1 << 20,
                 "the reader reserved %zu bytes for a corrupt header", out.cap);
    body = malloc(runs[3]);
    cr_assert_not_null(body);
    memset(body, 'z', runs[3]);
    for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        rc = doc_text_put(dt, txn, 4, body, runs[i]);
        cr_assert_eq(rc, SE_OK, "put run of %zu: %s", runs[i], se_strerror(rc));
        rc = doc_text_get(dt, txn, 4, &out);
        cr_assert_eq(rc, SE_OK, "run of %zu bytes: %s", runs[i],
                     se_strerror(rc));
        cr_assert(mem_eq(out.data, out.len, body, runs[i]),
                  "run of %zu bytes came back as %zu bytes", runs[i], out.len);
    }
    /* The last run is stored at a ratio near zstd's limit. */
    idx_put_be32(key, 4);
    rc = idx_get(txn, IDX_TEXT, key, 4, &v, &n);
    cr_assert_eq(rc, SE_OK, "raw get: %s", se_strerror(rc));
    cr_assert_gt(runs[3] / n, 10000, "16 MiB of 'z' took %zu bytes", n);
    idx_txn_abort(txn);
    doc_text_free(dt);
    buf_release(&out);
    free(body);
}

/* ---------------------------------------------------------------- */
/* Removal                                                           */
/* ---------------------------------------------------------------- */

Test(docstore, remove_drops_record_id_text_and_length)
{
    struct doc_record r1 = {"one", 3, "First", 5, "", 0, 10, 1};
    struct doc_record r2 = {"two", 3, "Second", 6, "", 0, 20, 1};
    struct buf scratch = BUF_INIT, out = BUF_INIT;
    uint32_t lens[2] = {10, 20}, doc, len;
    struct doc_record got;
    struct doc_lens dl;
    struct doc_text *dt;
    struct idx_txn *txn;
    uint64_t n;
    int rc;

    rc = doc_text_new(&dt);
    cr_assert_eq(rc, SE_OK, "doc_text_new: %s", se_strerror(rc));
    txn = begin(1);
    rc = doc_put(txn, 1023, &r1, &scratch);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    rc = doc_put(txn, 1024, &r2, &scratch);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    rc = doc_lens_put(txn, 1023, lens, 2);
    cr_assert_eq(rc, SE_OK, "lens: %s", se_strerror(rc));
    rc = doc_text_put(dt, txn, 1023, "body one", 8);
    cr_assert_eq(rc, SE_OK, "text: %s", se_strerror(rc));
    rc = doc_text_put(dt, txn, 1024, "body two", 8);
    cr_assert_eq(rc, SE_OK, "text: %s", se_strerror(rc));
    commit_ok(txn);

    txn = begin(1);
    rc = doc_remove(txn, 1023);
    cr_assert_eq(rc, SE_OK, "remove: %s", se_strerror(rc));
    rc = doc_remove(txn, 1023);
    cr_assert_eq(rc, SE_ENOTFOUND, "remove twice: %s", se_strerror(rc));
    commit_ok(txn);

    txn = begin(0);
    rc = doc_get(txn, 1023, &got);
    cr_assert_eq(rc, SE_ENOTFOUND, "record left: %s", se_strerror(rc));
    rc = doc_lookup(txn, "one", 3, &doc);
    cr_assert_eq(rc, SE_ENOTFOUND, "id left: %s", se_strerror(rc));
    rc = doc_text_get(dt, txn, 1023, &out);
    cr_assert_eq(rc, SE_ENOTFOUND, "text left: %s", se_strerror(rc));
    doc_lens_init(&dl, txn);
    rc = doc_lens_get(&dl, 1023, &len);
    cr_assert_eq(rc, SE_OK, "len: %s", se_strerror(rc));
    cr_assert_eq(len, 0, "length left: %u", len);
    /* The neighbour across the chunk boundary is intact. */
    rc = doc_lens_get(&dl, 1024, &len);
    cr_assert_eq(rc, SE_OK, "len: %s", se_strerror(rc));
    cr_assert_eq(len, 20, "neighbour's length %u", len);
    rc = doc_get(txn, 1024, &got);
    cr_assert_eq(rc, SE_OK, "neighbour: %s", se_strerror(rc));
    cr_assert(mem_eq(got.title, got.title_len, "Second", 6), "its title");
    rc = doc_lookup(txn, "two", 3, &doc);
    cr_assert(rc == SE_OK && doc == 1024, "its id: %s", se_strerror(rc));
    rc = doc_text_get(dt, txn, 1024, &out);
    cr_assert_eq(rc, SE_OK, "its text: %s", se_strerror(rc));
    cr_assert(mem_eq(out.data, out.len, "body two", 8), "its text differs");
    rc = idx_count(txn, IDX_DOCS, &n);
    cr_assert(rc == SE_OK && n == 1, "%llu records", (unsigned long long)n);
    idx_txn_abort(txn);
    doc_text_free(dt);
    buf_release(&scratch);
    buf_release(&out);
}

/* ---------------------------------------------------------------- */
/* A dictionary for the stored text                                 */
/* ---------------------------------------------------------------- */

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"

/* The bodies of the first n Reuters documents, end to end in `all`. */
static size_t
reuters_bodies(size_t n, struct buf *all, size_t *sizes)
{
    FILE *f = fopen(REUTERS, "r");
    char *line = NULL;
    size_t cap = 0, i = 0;
    ssize_t got;

    cr_assert_not_null(f, "%s: %s (run the tests from the repo top)", REUTERS,
                       strerror(errno));
    while (i < n && (got = getline(&line, &cap, f)) > 0) {
        cJSON *o = cJSON_ParseWithLength(line, (size_t)got);
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "body");
        cr_assert(cJSON_IsString(b), "%s:%zu: no body", REUTERS, i + 1);
        sizes[i] = strlen(b->valuestring);
        cr_assert_eq(buf_append(all, b->valuestring, sizes[i]), SE_OK);
        cJSON_Delete(o);
        i++;
    }
    free(line);
    fclose(f);
    return i;
}

/*
 * Trained on the first 512 KB of Reuters bodies, a dictionary makes the
 * next 2,000 bodies' stored text a fifth smaller or more than zstd alone;
 * each comes back byte for byte through a fresh reader, which finds the
 * dictionary in the index. Values say whether they lack the dictionary.
 */
Test(docstore, a_dictionary_shrinks_news_text_and_round_trips)
{
    enum { TRAIN = 700, N = 2700 };
    static size_t sizes[N];
    struct buf all = BUF_INIT, plain = BUF_INIT, with = BUF_INIT,
               out = BUF_INIT;
    struct doc_text *dt_plain, *dt_dict, *reader;
    struct doc_dict *d, *loaded;
    struct idx_txn *txn;
    size_t i, at = 0, train_bytes = 0, ntrain = 0, bytes_plain = 0,
              bytes_dict = 0;
    int rc;

    cr_assert_eq(reuters_bodies(N, &all, sizes), N);
    while (ntrain < TRAIN && train_bytes < DOC_DICT_SAMPLE)
        train_bytes += sizes[ntrain++];
    rc = doc_dict_train(all.data, sizes, ntrain, &d);
    cr_assert_eq(rc, SE_OK, "train on %zu bodies: %s", ntrain,
                 se_strerror(rc));
    txn = begin(1);
    rc = doc_dict_load(txn, &loaded);
    cr_assert_eq(rc, SE_ENOTFOUND, "no dictionary yet: %s", se_strerror(rc));
    cr_assert_eq(doc_dict_save(txn, d), SE_OK);
    cr_assert_eq(doc_text_new(&dt_plain), SE_OK);
    cr_assert_eq(doc_text_new(&dt_dict), SE_OK);
    cr_assert_eq(doc_text_use_dict(dt_dict, d), SE_OK);
    at = train_bytes;
    for (i = ntrain; i < N; i++) {
        const char *body = (const char *)all.data + at;
        cr_assert_eq(doc_text_encode(dt_plain, body, sizes[i], &plain), SE_OK);
        cr_assert_eq(doc_text_encode(dt_dict, body, sizes[i], &with), SE_OK);
        bytes_plain += plain.len;
        bytes_dict += with.len;
        cr_assert_eq(doc_text_lacks_dict(plain.data, plain.len),
                     sizes[i] >= 64, "body %zu of %zu bytes", i, sizes[i]);
        cr_assert_eq(doc_text_lacks_dict(with.data, with.len), 0);
        cr_assert_eq(doc_text_put_encoded(txn, (uint32_t)i, with.data,
                                          with.len, IDX_APPEND),
                     SE_OK);
        at += sizes[i];
    }
    commit_ok(txn);
    cr_assert_lt(bytes_dict * 5, bytes_plain * 4,
                 "%zu bytes with the dictionary, %zu without", bytes_dict,
                 bytes_plain);

    cr_assert_eq(doc_text_new(&reader), SE_OK);
    txn = begin(0);
    rc = doc_dict_load(txn, &loaded);
    cr_assert_eq(rc, SE_OK, "load: %s", se_strerror(rc));
    doc_dict_free(loaded);
    at = train_bytes;
    for (i = ntrain; i < N; i++) {
        rc = doc_text_get(reader, txn, (uint32_t)i, &out);
        cr_assert_eq(rc, SE_OK, "get %zu: %s", i, se_strerror(rc));
        cr_assert(mem_eq(out.data, out.len, all.data + at, sizes[i]),
                  "body %zu came back different", i);
        at += sizes[i];
    }
    idx_txn_abort(txn);

    /* Without its dictionary, or with other bytes in its place, such a
     * value is corrupt; the reader drops the dictionary it had. */
    txn = begin(1);
    cr_assert_eq(idx_del(txn, IDX_META, "text_dict", 9, NULL, 0), SE_OK);
    rc = doc_text_get(reader, txn, N - 1, &out);
    cr_assert_eq(rc, SE_ECORRUPT, "no dictionary: %s", se_strerror(rc));
    put_ok(txn, IDX_META, "text_dict", 9, all.data, 4096);
    rc = doc_text_get(reader, txn, N - 1, &out);
    cr_assert_eq(rc, SE_ECORRUPT, "another dictionary: %s", se_strerror(rc));
    idx_txn_abort(txn);

    /* Too little to train on. */
    rc = doc_dict_train("ab", sizes, 0, &loaded);
    cr_assert_eq(rc, SE_EINVAL, "no samples: %s", se_strerror(rc));
    doc_text_free(reader);
    doc_text_free(dt_plain);
    doc_text_free(dt_dict);
    doc_dict_free(d);
    doc_dict_free(NULL);
    buf_release(&all);
    buf_release(&plain);
    buf_release(&with);
    buf_release(&out);
}
