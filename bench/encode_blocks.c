/*
 * encode_blocks.c - time post_encode() alone on real lists: every posting
 * block of an index (both tables; lists kept in dictionary entries are
 * left out) is decoded once, with its documents' lengths, then encoded
 * again ROUNDS times. Prints the best round's seconds, the bytes written
 * and a hash of them, so that a faster encoder can be checked to write
 * the same bytes. Built by `make build/encode_blocks`:
 *
 *   build/encode_blocks bench/out/index/combined-ours 10
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "buf.h"
#include "docstore.h"
#include "error.h"
#include "index.h"
#include "posting.h"

struct block {
    uint32_t n;
    uint32_t *docs, *tfs, *lens, *pos; /* pos NULL: no positions */
};

struct blocks {
    struct block *b;
    size_t n, cap;
};

static double
now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Decode one stored block, with its documents' lengths, onto `bs`. */
static int
add_block(struct blocks *bs, struct doc_lens *dl, const void *val, size_t len)
{
    struct post_view v;
    struct block *b;
    uint32_t i;
    int rc = post_parse(val, len, &v);

    if (rc != SE_OK)
        return rc;
    if (bs->n == bs->cap) {
        size_t cap = bs->cap ? 2 * bs->cap : 4096;
        struct block *nb = realloc(bs->b, cap * sizeof *nb);
        if (nb == NULL)
            return SE_ENOMEM;
        bs->b = nb;
        bs->cap = cap;
    }
    b = &bs->b[bs->n];
    b->n = v.n;
    b->docs = malloc(v.n * sizeof *b->docs);
    b->tfs = malloc(v.n * sizeof *b->tfs);
    b->lens = malloc(v.n * sizeof *b->lens);
    b->pos = v.pos ? malloc(((size_t)v.pos_count + 1) * sizeof *b->pos) : NULL;
    if (!b->docs || !b->tfs || !b->lens || (v.pos && !b->pos))
        return SE_ENOMEM;
    bs->n++;
    rc = post_decode_docs(&v, b->docs);
    if (rc == SE_OK)
        rc = post_decode_tfs(&v, b->tfs);
    if (rc == SE_OK && b->pos)
        rc = post_decode_positions(&v, b->tfs, b->pos);
    for (i = 0; rc == SE_OK && i < v.n; i++)
        rc = doc_lens_get(dl, b->docs[i], &b->lens[i]);
    return rc;
}

static int
load(struct idx_txn *txn, struct blocks *bs)
{
    static const enum idx_table tables[] = {IDX_FORMS, IDX_STEMS};
    struct doc_lens dl;
    size_t t;
    int rc = SE_OK;

    doc_lens_init(&dl, txn);
    for (t = 0; rc == SE_OK && t < 2; t++) {
        struct idx_cursor *c;
        int more;
        rc = idx_cursor_open(txn, tables[t], &c);
        if (rc != SE_OK)
            break;
        for (more = idx_cursor_first(c); rc == SE_OK && more == 1;
             more = idx_cursor_next(c)) {
            const void *key, *val;
            size_t klen, vlen;
            rc = idx_cursor_get(c, &key, &klen, &val, &vlen);
            if (rc == SE_OK)
                rc = add_block(bs, &dl, val, vlen);
        }
        if (rc == SE_OK && more < 0)
            rc = more;
        idx_cursor_close(c);
    }
    return rc;
}

int
main(int argc, char **argv)
{
    struct blocks bs = {0};
    struct buf out = BUF_INIT;
    struct idx *ix = NULL;
    struct idx_txn *txn = NULL;
    int rounds = argc > 2 ? atoi(argv[2]) : 10, r, rc;
    double best = 0;
    uint64_t bytes = 0, hash = 14695981039346656037u; /* FNV-1a */
    size_t i, k;

    if (argc < 2 || rounds < 1) {
        fprintf(stderr, "usage: encode_blocks INDEX_DIR [ROUNDS]\n");
        return 2;
    }
    rc = idx_open(argv[1], IDX_RDONLY, &ix);
    if (rc == SE_OK)
        rc = idx_txn_begin(ix, 0, &txn);
    if (rc == SE_OK)
        rc = load(txn, &bs);
    for (r = 0; rc == SE_OK && r < rounds; r++) {
        double t0 = now(), t;
        bytes = 0;
        for (i = 0; rc == SE_OK && i < bs.n; i++) {
            const struct block *b = &bs.b[i];
            out.len = 0;
            rc = post_encode(b->docs, b->tfs, b->lens, b->pos, b->n, &out);
            bytes += out.len;
            for (k = 0; r == 0 && k < out.len; k++) /* the first round's */
                hash = (hash ^ out.data[k]) * 1099511628211u;
        }
        t = now() - t0;
        if (r == 0 || t < best)
            best = t;
    }
    if (rc != SE_OK) {
        fprintf(stderr, "encode_blocks: %s: %s\n", argv[1], se_strerror(rc));
        return 1;
    }
    printf("%zu blocks, best of %d: %.4f s, %llu bytes, hash %016llx\n", bs.n,
           rounds, best, (unsigned long long)bytes, (unsigned long long)hash);
    return 0;
}
