/*
 * docstore.h - what the index knows about documents: the metadata record
 * (format version, language, counts), one record per document (external
 * id, title, date, length), the lengths in a dense table for scoring, and
 * the stored body text (zstd) for snippets.
 *
 * Bytes written (tables are those of index.h):
 *   IDX_META "magic"    "searchengine-index"
 *            "format"   u32 LE, DOC_FORMAT_VERSION (DOC_FORMAT_OLDEST
 *                       and later are read)
 *            "language" the stemmer's algorithm name, ASCII
 *            "stats"    u64 LE documents, u64 LE total length in tokens
 *                       (scoring lengths, see doc_scoring_length), u32 LE
 *                       next document id to assign
 *            "title_weight" u32 LE, 1..DOC_TITLE_WEIGHT_MAX (absent: 1)
 *            "text_dict" a zstd dictionary for the stored text (absent
 *                       until the index has seen DOC_DICT_SAMPLE bytes)
 *   IDX_DOCS  doc id -> varint len (tokens, title and body),
 *                       varint title tokens, then three strings each as
 *                       varint byte length + bytes: external id, title, date
 *   IDX_IDS   external id -> doc id, u32 LE
 *   IDX_LENS  chunk c -> DOC_LENS_CHUNK u32 LE, the scoring length of
 *                       documents c*DOC_LENS_CHUNK...; 0 for no document
 *   IDX_TEXT  doc id -> u8 method (0 raw, 1 zstd, 2 zstd with "text_dict",
 *                       no dictionary id in the frame) + the body's bytes
 */
#ifndef SE_DOCSTORE_H
#define SE_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "index.h"

/* Format 2 keeps short posting lists in the dictionary (plist.h); format
 * 3 leaves out of IDX_STEMFORMS the stems whose one form is themselves
 * (writer.c); format 4 may bit-pack a block's doc and tf streams
 * (posting.h); format 5 may compress stored text with a dictionary;
 * format 6 may pack positions (PFOR) and keeps the blocks of dictionary
 * entries lean (posting.h); format 7 gives a stem whose one form has its
 * postings no list of its own (writer.c, expand.h). Formats 1 to 6 read
 * as they are, and a writer's first commit marks the index format 7. */
#define DOC_FORMAT_VERSION 7
#define DOC_FORMAT_OLDEST 1
#define DOC_LENS_CHUNK 1024
#define DOC_LANG_MAX 32
#define DOC_TITLE_WEIGHT_MAX 16

struct doc_meta {
    uint32_t format;
    char language[DOC_LANG_MAX];
    uint64_t docs;         /* live documents */
    uint64_t total_len;    /* sum of their lengths, in tokens */
    uint32_t next_doc;     /* ids are never reused */
    uint32_t title_weight; /* title occurrences count this many times */
};

/*
 * The length BM25 sees for a document of `title` and `body` tokens: the
 * title counted title_weight times, as its words are (IDX_LENS holds it).
 */
static inline uint32_t
doc_scoring_length(const struct doc_meta *m, uint32_t title, uint32_t body)
{
    return m->title_weight * title + body;
}

/*
 * Load the metadata. SE_ENOTFOUND for a fresh, empty index; SE_ENOINDEX when
 * the tables exist but are not ours; SE_EVERSION for another format.
 */
int doc_meta_load(struct idx_txn *txn, struct doc_meta *m);
int doc_meta_save(struct idx_txn *txn, const struct doc_meta *m);

/* One document's record; strings point into the map (valid as idx_get). */
struct doc_record {
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *date;
    size_t date_len;
    uint32_t len;          /* tokens in title and body */
    uint32_t title_tokens; /* the first title_tokens positions are title */
};

/* Write the record of `doc` and its id mapping. */
int doc_put(struct idx_txn *txn, uint32_t doc, const struct doc_record *r,
            struct buf *scratch);
/* The same in steps, for a writer that puts each table's entries together:
 * append the record's value to `out`; write such a value (flags as
 * idx_put()); write the id mapping. */
int doc_record_encode(const struct doc_record *r, struct buf *out);
int doc_record_put_encoded(struct idx_txn *txn, uint32_t doc, const void *val,
                           size_t len, int flags);
int doc_id_put(struct idx_txn *txn, const char *id, size_t len, uint32_t doc,
               int flags);
/* Read the record; SE_ENOTFOUND when there is no such document. */
int doc_get(struct idx_txn *txn, uint32_t doc, struct doc_record *r);
/* Find the document id of an external id; SE_ENOTFOUND when absent. */
int doc_lookup(struct idx_txn *txn, const char *id, size_t len, uint32_t *doc);
/* Remove the record, id mapping, stored text and length of `doc`. */
int doc_remove(struct idx_txn *txn, uint32_t doc);

/* Document lengths, read in place chunk by chunk. The chunks a query has
 * read stay at hand in a direct-mapped cache: the hits of a rare word are
 * scattered over many chunks, and a B-tree descent for each would cost
 * more than the scoring. 1024 slots (16 KB) hold the lengths of a million
 * documents: on Reuters x16 (338 chunks) 64 slots left rare-term queries
 * reading most of their chunks again. */
#define DOC_LENS_SLOTS 1024
struct doc_lens {
    struct idx_txn *txn;
    uint64_t snapshot, mapping; /* what the chunks were read from */
    /* bit i: slot i holds a chunk (cheap to clear) */
    uint64_t filled[DOC_LENS_SLOTS / 64];
    struct {
        uint32_t chunk;
        const unsigned char *vals; /* NULL: the chunk has no entry */
    } slot[DOC_LENS_SLOTS];
};
void doc_lens_init(struct doc_lens *dl, struct idx_txn *txn);
/* Read through `txn` from now on, keeping the chunks at hand when it sees
 * the same commit through the same mapping (they are where they were):
 * a process answering many queries reads each chunk once, not once a
 * query. `dl` is zeroed or has been through doc_lens_init(). */
void doc_lens_renew(struct doc_lens *dl, struct idx_txn *txn);
/* doc_lens_get() when the chunk is not at hand: reads it, then the length. */
int doc_lens_load(struct doc_lens *dl, uint32_t doc, uint32_t *len);
/* Length of `doc`, 0 when it has none. SE_OK or SE_ECORRUPT. Inline for
 * the common case, a chunk at hand: scoring asks for every document. */
static inline int
doc_lens_get(struct doc_lens *dl, uint32_t doc, uint32_t *len)
{
    uint32_t chunk = doc / DOC_LENS_CHUNK;
    unsigned slot = chunk % DOC_LENS_SLOTS;
    const unsigned char *v;

    if (!(dl->filled[slot / 64] >> slot % 64 & 1) ||
        dl->slot[slot].chunk != chunk)
        return doc_lens_load(dl, doc, len);
    v = dl->slot[slot].vals;
    if (v == NULL) {
        *len = 0;
    } else {
        v += 4 * (size_t)(doc % DOC_LENS_CHUNK);
        *len = (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 |
               (uint32_t)v[3] << 24;
    }
    return SE_OK;
}
/* Set the lengths of docs first..first+n-1 (read-modify-write by chunk). */
int doc_lens_put(struct idx_txn *txn, uint32_t first, const uint32_t *lens,
                 size_t n);
/* Copy the lengths of docs first..first+n-1 into out[0..n), 0 for those
 * without one: a chunk read whole, not a lookup a document. SE_OK or
 * SE_ECORRUPT. */
int doc_lens_read(struct idx_txn *txn, uint32_t first, size_t n,
                  uint32_t *out);

/*
 * A zstd dictionary for the stored text. News bodies are a few KB each,
 * too short for zstd to find much to repeat within one; a dictionary
 * trained on the index's first bodies gives every later one the phrases
 * and words they share (Reuters-21578: 28% fewer bytes, and 30% less
 * time compressing, than level 1 without one). Immutable once made, so
 * threads may share one.
 */
#define DOC_DICT_SAMPLE ((size_t)512 << 10) /* bodies trained on */
#define DOC_DICT_MAX ((size_t)64 << 10)     /* largest dictionary */
struct doc_dict;
/* Train one on the n bodies laid end to end in `samples` (sizes[i] bytes
 * each). SE_EINVAL when zstd finds too little in them to train on. */
int doc_dict_train(const void *samples, const size_t *sizes, size_t n,
                   struct doc_dict **out);
/* The index's dictionary; SE_ENOTFOUND when it has none. */
int doc_dict_load(struct idx_txn *txn, struct doc_dict **out);
/* Make `d` the index's dictionary. */
int doc_dict_save(struct idx_txn *txn, const struct doc_dict *d);
void doc_dict_free(struct doc_dict *d);

/* Compression contexts for the stored text; one per thread. */
struct doc_text;
int doc_text_new(struct doc_text **out);
void doc_text_free(struct doc_text *dt);
/* Store `body` for `doc`. */
int doc_text_put(struct doc_text *dt, struct idx_txn *txn, uint32_t doc,
                 const char *body, size_t len);
/* The same in two steps, the first needing no transaction (any thread):
 * the stored value of `body` into `out` (cleared first), then its put
 * (flags IDX_APPEND when `doc` is above every stored one). */
int doc_text_encode(struct doc_text *dt, const char *body, size_t len,
                    struct buf *out);
/* Compress with `d` from now on (method 2); NULL: without (method 1).
 * `d` must outlive its use by `dt`. */
int doc_text_use_dict(struct doc_text *dt, const struct doc_dict *d);
/* 1 when `val` (doc_text_encode's) was compressed without a dictionary. */
int doc_text_lacks_dict(const void *val, size_t len);
int doc_text_put_encoded(struct idx_txn *txn, uint32_t doc, const void *val,
                         size_t len, int flags);
/* Read the body of `doc` into `out` (cleared first). SE_ENOTFOUND if none. */
int doc_text_get(struct doc_text *dt, struct idx_txn *txn, uint32_t doc,
                 struct buf *out);

#endif
