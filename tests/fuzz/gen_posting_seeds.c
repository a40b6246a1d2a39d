/*
 * gen_posting_seeds.c - writes the posting harness's seed corpus: blocks
 * that post_encode_as() makes from real text, so that the fuzzer starts from
 * well-formed blocks of several shapes (one document, a full block of 128,
 * a partial last block, ids with gaps of 1001, with and without positions).
 *
 *   gen_posting_seeds OUTDIR [JSONL]     (make fuzz-seeds)
 *
 * Documents: the seed article, then the first GEN_DOCS of JSONL (default
 * the Reuters dump). For each word of words[], its postings over their
 * bodies (document number, positions of the folded word) are cut into
 * blocks of POST_BLOCK_DOCS, and the first and the last block are written
 * with positions (as for word forms) and without (as for stems, with the
 * documents' lengths), as OUTDIR/WORD-pos-K.bin and WORD-nopos-K.bin, and
 * in its lean form after its df and cf, as a dictionary entry would keep
 * it (WORD-lean-K.bin).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "posting.h"
#include "reader.h"
#include "tokenizer.h"

#define GEN_DOCS 3000
#define GEN_SEED "seeds/xinjiang-business-group-ciie.txt"
#define GEN_JSONL "../shared/corpora/news/reuters21578/reuters21578.jsonl"

static const char *const words[] = {"the",  "said", "oil",      "cocoa",
                                    "opec", "1987", "xinjiang", "khorgos"};
#define NWORDS (sizeof words / sizeof words[0])

/* The postings of one word. */
struct gen_list {
    uint32_t *docs, *tfs, *lens, *pos;
    size_t n, npos, cap, cappos;
};

static void *
gen_realloc(void *p, size_t n, size_t size)
{
    p = realloc(p, n * size);
    if (p == NULL) {
        fprintf(stderr, "gen_posting_seeds: out of memory\n");
        exit(2);
    }
    return p;
}

/* Add the document `doc` (`len` tokens) to every list of a word it holds. */
static void
gen_add(struct gen_list *lists, struct tok *t, const char *body, size_t blen,
        uint32_t doc)
{
    struct tok_token tk;
    size_t w;
    uint32_t len = 0;

    tok_reset(t, blen > 0 ? body : NULL, blen, 0);
    while (tok_next(t, &tk) == 1) {
        len++;
        for (w = 0; w < NWORDS; w++) {
            struct gen_list *l = &lists[w];

            if (strcmp(tk.text, words[w]) != 0)
                continue;
            if (l->n == 0 || l->docs[l->n - 1] != doc) {
                if (l->n == l->cap) {
                    l->cap = l->cap ? 2 * l->cap : 64;
                    l->docs = gen_realloc(l->docs, l->cap, sizeof *l->docs);
                    l->tfs = gen_realloc(l->tfs, l->cap, sizeof *l->tfs);
                    l->lens = gen_realloc(l->lens, l->cap, sizeof *l->lens);
                }
                l->docs[l->n] = doc;
                l->tfs[l->n] = 0;
                l->n++;
            }
            if (l->npos == l->cappos) {
                l->cappos = l->cappos ? 2 * l->cappos : 256;
                l->pos = gen_realloc(l->pos, l->cappos, sizeof *l->pos);
            }
            l->pos[l->npos++] = tk.pos;
            l->tfs[l->n - 1]++;
        }
    }
    for (w = 0; w < NWORDS; w++)
        if (lists[w].n > 0 && lists[w].docs[lists[w].n - 1] == doc)
            lists[w].lens[lists[w].n - 1] = len;
}

static int
gen_write(const char *dir, const char *word, const char *kind, size_t k,
          const struct buf *b)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s-%s-%zu.bin", dir, word, kind, k);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
        fprintf(stderr, "gen_posting_seeds: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * Block number `k` of a list: encoded with and without positions, as the
 * index writes them (streams packed where shorter) and as formats 1 to 3
 * did (StreamVByte only, kinds ending in -svb).
 */
static int
gen_block(const char *dir, const char *word, const struct gen_list *l, size_t k)
{
    static const struct {
        enum post_pack pack;
        const char *pos, *nopos;
    } ways[] = {{POST_PACK_SMALLER, "pos", "nopos"},
                {POST_PACK_NEVER, "pos-svb", "nopos-svb"}};
    size_t first = k * POST_BLOCK_DOCS, i, j, skip = 0;
    uint32_t n = (uint32_t)(l->n - first < POST_BLOCK_DOCS ? l->n - first
                                                           : POST_BLOCK_DOCS);
    struct buf b = BUF_INIT;
    int rc = SE_OK;

    for (i = 0; i < first; i++)
        skip += l->tfs[i];
    for (j = 0; rc == SE_OK && j < sizeof ways / sizeof *ways; j++) {
        buf_clear(&b);
        rc = post_encode_as(l->docs + first, l->tfs + first, NULL,
                            l->pos + skip, n, ways[j].pack, &b);
        if (rc == SE_OK)
            rc = gen_write(dir, word, ways[j].pos, k, &b);
        buf_clear(&b);
        if (rc == SE_OK)
            rc = post_encode_as(l->docs + first, l->tfs + first,
                                l->lens + first, NULL, n, ways[j].pack, &b);
        if (rc == SE_OK)
            rc = gen_write(dir, word, ways[j].nopos, k, &b);
    }
    /* The block with positions as a dictionary entry keeps it, after the
     * five bytes the harness reads the entry's df and cf from. */
    if (rc == SE_OK) {
        uint64_t cf = 0;
        for (i = first; i < first + n; i++)
            cf += l->tfs[i];
        buf_clear(&b);
        rc = post_encode(l->docs + first, l->tfs + first, l->lens + first,
                         l->pos + skip, n, &b);
        if (rc == SE_OK) {
            struct buf lean = BUF_INIT;
            unsigned char head[5] = {(unsigned char)n, (unsigned char)cf,
                                     (unsigned char)(cf >> 8),
                                     (unsigned char)(cf >> 16),
                                     (unsigned char)(cf >> 24)};
            rc = buf_append(&lean, head, sizeof head);
            if (rc == SE_OK)
                rc = post_make_lean(b.data, b.len, &lean);
            if (rc == SE_OK)
                rc = gen_write(dir, word, "lean", k, &lean);
            buf_release(&lean);
        }
    }
    buf_release(&b);
    if (rc != SE_OK && rc != -1)
        fprintf(stderr, "gen_posting_seeds: %s: %s\n", word, se_strerror(rc));
    return rc;
}

int
main(int argc, char **argv)
{
    struct gen_list lists[NWORDS] = {{0}};
    struct rd_reader *r = NULL;
    struct tok *t = NULL;
    struct rd_doc d;
    uint32_t doc = 0;
    size_t w, last, ndocs = 0;
    int rc = 0, status = 0;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gen_posting_seeds OUTDIR [JSONL]\n");
        return 2;
    }
    if (tok_new(&t) != SE_OK || rd_new(NULL, &r) != SE_OK ||
        rd_add_path(r, GEN_SEED, RD_TEXT) != SE_OK ||
        rd_add_path(r, argc == 3 ? argv[2] : GEN_JSONL, RD_JSONL) != SE_OK) {
        fprintf(stderr, "gen_posting_seeds: %s\n", r ? rd_error(r) : "");
        status = 2;
        goto done;
    }
    /* Doc ids leave gaps, as an index does after replacements. */
    while (ndocs++ < GEN_DOCS && (rc = rd_next(r, &d)) == 1) {
        gen_add(lists, t, d.body, d.body_len, doc);
        doc += 1 + (doc % 7 == 0 ? 1000 : 0);
    }
    if (rc < 0) {
        fprintf(stderr, "gen_posting_seeds: %s\n", rd_error(r));
        status = 2;
        goto done;
    }
    for (w = 0; w < NWORDS && status == 0; w++) {
        if (lists[w].n == 0)
            continue;
        last = (lists[w].n - 1) / POST_BLOCK_DOCS;
        if (gen_block(argv[1], words[w], &lists[w], 0) != SE_OK ||
            (last > 0 &&
             gen_block(argv[1], words[w], &lists[w], last) != SE_OK))
            status = 1;
    }
done:
    for (w = 0; w < NWORDS; w++) {
        free(lists[w].docs);
        free(lists[w].tfs);
        free(lists[w].lens);
        free(lists[w].pos);
    }
    rd_free(r);
    tok_free(t);
    return status;
}
