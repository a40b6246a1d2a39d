/*
 * plist.h - a term's posting list as stored in LMDB: its statistics in the
 * dictionary and an iterator over its blocks.
 *
 * Two kinds of lists (Xapian's scheme): stems, with document ids and
 * frequencies, for ranked queries; word forms (folded but unstemmed), with
 * positions as well, for phrases and exact words. A stem whose one form's
 * list is the same has none of its own (exp_stem_list() in expand.h). Keys of blocks are the
 * term, a 0x00 byte, and the block's last document id in big-endian, so a
 * term's blocks are adjacent and in document order, and seeking to
 * (term, target) lands on the only block that can hold `target`: the
 * B-tree is the skip list.
 *
 * Dictionary values (IDX_SDICT, IDX_FDICT): varint df, varint64 cf
 * (documents containing the term, and its total occurrences), then, for a
 * list of one block of at most PL_INLINE_MAX bytes, that block to the end
 * of the value, lean (posting.h: df and cf stand for its counts). Most terms are rare: kept in the dictionary, their lists
 * cost no key of their own and a lookup finds them in one B-tree descent.
 * A list is either in its dictionary entry or in the postings table, never
 * both.
 */
#ifndef SE_PLIST_H
#define SE_PLIST_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "posting.h"

enum pl_kind { PL_STEMS, PL_FORMS };

/* Longest term: a key is term + 5 bytes, and LMDB keys stop at 511. */
#define PL_TERM_MAX 500
#define PL_KEY_MAX (PL_TERM_MAX + 5)

/* Largest block kept in a dictionary entry: more would thin out the
 * dictionary's pages for what one key saves (about 20 bytes). */
#define PL_INLINE_MAX 256

struct pl_stats {
    uint32_t df;
    uint64_t cf;
};

/* A decoded dictionary entry; `block` points into the value. */
struct pl_entry {
    struct pl_stats st;
    const unsigned char *block; /* the list's one block, or NULL when the */
    size_t block_len;           /* list is in the postings table; read it
                                 * with post_parse_lean(), df and cf */
};

/* The dictionary and postings tables of a kind. */
enum idx_table pl_dict_table(enum pl_kind kind);
enum idx_table pl_post_table(enum pl_kind kind);
/* Write the block key of (term, last) into key; returns its length. */
size_t pl_key(const char *term, size_t len, uint32_t last, unsigned char *key);

/* Decode a dictionary value. SE_OK or SE_ECORRUPT. */
int pl_entry_decode(const void *val, size_t len, struct pl_entry *e);
/*
 * Read a term's dictionary entry (the block, if any, points into the map:
 * valid as for idx_get). SE_ENOTFOUND when the term is absent.
 */
int pl_entry_get(struct idx_txn *txn, enum pl_kind kind, const char *term,
                 size_t len, struct pl_entry *e);
/* Read only its statistics. */
int pl_stats_get(struct idx_txn *txn, enum pl_kind kind, const char *term,
                 size_t len, struct pl_stats *st);
/*
 * Write the entry: statistics, and `block` (NULL, or a full block of
 * block_len <= PL_INLINE_MAX bytes, kept lean) when the list is kept in
 * it. df == 0 deletes it. SE_EINVAL for a block that does not parse.
 */
int pl_entry_put(struct idx_txn *txn, enum pl_kind kind, const char *term,
                 size_t len, const struct pl_stats *st, const void *block,
                 size_t block_len);
/* Append the value such an entry has (df > 0) to `out`. */
int pl_entry_encode(const struct pl_stats *st, const void *block,
                    size_t block_len, struct buf *out);

/*
 * What one kind's lists take, by part: the bytes of the keys and values
 * of its dictionary and postings tables. Their pages hold these and
 * LMDB's node headers and free space. For `indexer --stats`.
 */
struct pl_usage {
    uint64_t lists;        /* dictionary entries */
    uint64_t inline_lists; /* lists kept in their entry */
    uint64_t blocks;       /* blocks of the postings table */
    uint64_t postings;     /* documents of all lists (sum of df) */
    uint64_t keys;         /* dictionary and block keys */
    uint64_t stats;        /* df and cf of the entries */
    uint64_t headers;      /* block headers: counts, bounds, impacts */
    uint64_t docs;         /* doc id streams */
    uint64_t tfs;          /* tf streams */
    uint64_t positions;    /* position streams */
};
/* Walk both tables of `kind`. SE_OK, SE_ECORRUPT or an LMDB error. */
int pl_usage(struct idx_txn *txn, enum pl_kind kind, struct pl_usage *u);

/* Iterator over one term's postings, in document order. */
struct pl;

/*
 * Open the list of `term`; it starts before its first document, so call
 * pl_next() or pl_seek(). SE_ENOTFOUND when the term is absent.
 * Lives no longer than `txn`.
 */
int pl_open(struct idx_txn *txn, enum pl_kind kind, const char *term,
            size_t len, struct pl **out);
/* pl_open() with the term's entry read already (pl_entry_get(), in `txn`):
 * one B-tree descent fewer. */
int pl_open_entry(struct idx_txn *txn, enum pl_kind kind, const char *term,
                  size_t len, const struct pl_entry *e, struct pl **out);
void pl_close(struct pl *p);
const struct pl_stats *pl_stats(const struct pl *p);
/* Advance to the next document: 1, 0 at the end, <0 on error. */
int pl_next(struct pl *p);
/* Advance to the first document >= target (never back): 1, 0, <0. */
int pl_seek(struct pl *p, uint32_t target);
/*
 * The current block's last document and its impacts: n (tf, length) pairs
 * such that every document of the block has a tf at most and a length at
 * least those of one pair (posting.h). The best pair's BM25 score bounds
 * the block's, tightly, for skipping blocks that cannot reach the top k.
 * Valid after pl_next/pl_seek returned 1.
 */
void pl_block_impacts(const struct pl *p, uint32_t *last, uint32_t *n,
                      const uint32_t **tf, const uint32_t **len);
/*
 * The current block from the current document on: its n documents and
 * their tfs, for a caller that runs through whole blocks (then moves on
 * with pl_seek past the last). Valid until the iterator moves. SE_OK or
 * SE_ECORRUPT.
 */
int pl_block_rest(struct pl *p, const uint32_t **docs, const uint32_t **tfs,
                  uint32_t *n);
/* The current document (valid after pl_next/pl_seek returned 1). */
uint32_t pl_doc(const struct pl *p);
/* Its term frequency. SE_OK or SE_ECORRUPT. */
int pl_tf(struct pl *p, uint32_t *tf);
/*
 * Its positions (forms only), increasing; *pos valid until the iterator
 * moves. SE_OK, SE_EINVAL for a stem list, SE_ECORRUPT.
 */
int pl_positions(struct pl *p, const uint32_t **pos, uint32_t *n);

#endif
