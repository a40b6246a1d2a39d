/*
 * posting.h - codec for one block of a posting list.
 *
 * A posting list is cut into blocks of at most POST_BLOCK_DOCS documents;
 * each block is one LMDB value, keyed by the term and the block's last
 * document id (see index.h), so appending documents rewrites at most the
 * last, partial block of a list, never the whole list.
 *
 * A block holds three streams stored apart, so a reader decodes only what it
 * needs: document ids, term frequencies, and (for blocks of word forms)
 * positions. Bytes of a block, in order:
 *
 *   u8      flags        POST_F_POSITIONS when a positions stream follows
 *   varint  n            documents in the block, 1..POST_BLOCK_DOCS
 *   varint  first_doc    first document id, absolute
 *   varint  max_tf       largest tf in the block       } block-max bounds
 *   varint  min_len      smallest document length      } for dynamic pruning
 *   [impacts]            with POST_F_IMPACTS: the (tf, length) pairs of
 *                        the block that no other document dominates, so a
 *                        reader bounds the block's best BM25 score tightly
 *   varint  docs_bytes   size of the doc id stream
 *   varint  tfs_bytes    size of the tf stream
 *   [varint pos_count]   total positions (= sum of tf), with POST_F_POSITIONS
 *   docs stream          n-1 gaps docs[i]-docs[i-1], StreamVByte (delta), or
 *                        with POST_F_PACKED_DOCS the gaps - 1 bit-packed at
 *                        one width for the block
 *   tfs stream           n values tf-1, StreamVByte 0124 (zeros take no
 *                        byte), or with POST_F_PACKED_TFS bit-packed
 *   [pos stream]         per document, positions as gaps from the previous
 *                        position of the same document (the first from 0),
 *                        StreamVByte, or with POST_F_PACKED_POS bit-packed
 *                        at one width with the values that do not fit
 *                        listed after (patched frame of reference, PFOR);
 *                        runs to the end of the value
 *
 * Decoding never reads outside the value and never trusts a count: a block
 * that does not add up gives SE_ECORRUPT.
 */
#ifndef SE_POSTING_H
#define SE_POSTING_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define POST_BLOCK_DOCS 128
#define POST_F_POSITIONS 0x01
#define POST_F_IMPACTS 0x02 /* the header lists the block's impacts */
#define POST_F_PACKED_DOCS 0x04 /* doc gaps bit-packed, not StreamVByte */
#define POST_F_PACKED_TFS 0x08  /* tfs bit-packed, not StreamVByte */
#define POST_F_PACKED_POS 0x10  /* positions PFOR, not StreamVByte */
#define POST_F_LEAN 0x20        /* kept in a dictionary entry: see below */
#define POST_MAX_IMPACTS 8

/* A block's header and where its streams are; points into the value. */
struct post_view {
    uint32_t flags;
    uint32_t n;
    uint32_t first_doc;
    uint32_t max_tf;
    uint32_t min_len;
    uint32_t pos_count;
    /* The block's impacts, increasing in tf and in length: every document
     * has tf <= impact_tf[i] and length >= impact_len[i] for some i, so the
     * best of the pairs' scores bounds the block's. Without POST_F_IMPACTS
     * the one pair is (max_tf, min_len). */
    uint32_t nimpacts;
    uint32_t impact_tf[POST_MAX_IMPACTS];
    uint32_t impact_len[POST_MAX_IMPACTS];
    const unsigned char *docs;
    size_t docs_bytes;
    const unsigned char *tfs;
    size_t tfs_bytes;
    const unsigned char *pos; /* NULL without POST_F_POSITIONS */
    size_t pos_bytes;
};

/*
 * Append one encoded block to `out`. docs[0..n) strictly increasing,
 * tfs[i] >= 1, `lens` the documents' lengths (for min_len; may be NULL, then
 * min_len is 0). `pos` NULL for a block without positions, else sum(tfs)
 * positions, each document's strictly increasing. 1 <= n <= POST_BLOCK_DOCS.
 * SE_OK, SE_EINVAL (arguments break these rules) or SE_ENOMEM.
 */
int post_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *lens,
                const uint32_t *pos, uint32_t n, struct buf *out);
/* How post_encode_as() writes the doc, tf and positions streams. */
enum post_pack {
    POST_PACK_SMALLER, /* each packed when shorter (post_encode) */
    POST_PACK_NEVER,   /* StreamVByte, as index formats 1 to 3 wrote */
    POST_PACK_ALWAYS   /* all packed (a lone document has no doc gaps) */
};
int post_encode_as(const uint32_t *docs, const uint32_t *tfs,
                   const uint32_t *lens, const uint32_t *pos, uint32_t n,
                   enum post_pack pack, struct buf *out);

/*
 * Parse the header of the block in [val, val+len). SE_OK or SE_ECORRUPT.
 * On SE_OK, v->pos_count <= 8 * len (a packed position takes a bit at
 * least): at most 32 bytes of positions per byte of the value, so a
 * corrupt count cannot make a caller allocate much.
 */
int post_parse(const void *val, size_t len, struct post_view *v);
/*
 * A block kept in a dictionary entry (plist.h) is lean: the entry's df and
 * cf already say how many documents it has and the sum of their tfs, so
 * the header leaves out n and pos_count, and for one document its max_tf
 * (the cf), its stream sizes and its tf stream. Most lists are one short
 * block in their entry, and most of those have one document: on the
 * combined news dump this is 1.6 MB, 3% of the index without its text.
 *
 * post_make_lean() appends the lean form of the full block [block,
 * block+len) to `out` (SE_EINVAL if that does not parse). post_parse_lean()
 * parses a block of an entry whose df and cf are n and tf_sum: lean, or
 * full as index formats before 6 wrote it, which must then have n
 * documents (and tf_sum positions). The view it fills works with every
 * decoder below.
 */
int post_make_lean(const void *block, size_t len, struct buf *out);
int post_parse_lean(const void *val, size_t len, uint32_t n, uint64_t tf_sum,
                    struct post_view *v);
/* Decode the n document ids into docs[0..n). SE_OK or SE_ECORRUPT. */
int post_decode_docs(const struct post_view *v, uint32_t *docs);
/* Decode the n term frequencies into tfs[0..n). SE_OK or SE_ECORRUPT. */
int post_decode_tfs(const struct post_view *v, uint32_t *tfs);
/*
 * The frequency of document i alone, read in place from a packed tf
 * stream (one width: value i starts at bit i * width). SE_ENOTFOUND for a
 * StreamVByte stream, which must be decoded whole; SE_ECORRUPT for a
 * stream of the wrong size or a tf above the block's max_tf.
 */
int post_tf_at(const struct post_view *v, uint32_t i, uint32_t *tf);
/*
 * Decode all v->pos_count positions into pos (caller sizes it from
 * v->pos_count), as absolute positions, document after document; `tfs` as
 * decoded by post_decode_tfs(). SE_OK or SE_ECORRUPT (also when the block
 * has no positions, or a document's positions do not increase).
 */
int post_decode_positions(const struct post_view *v, const uint32_t *tfs,
                          uint32_t *pos);

/*
 * Where a reader is in a block's positions stream, so that it can decode
 * the positions of one document at a time (a phrase needs them only where
 * all its words meet) without decoding those before it.
 */
struct post_pos_cursor {
    uint32_t doc;   /* the document whose first value `value` is */
    uint32_t value; /* index of that value in the stream */
    size_t data;    /* StreamVByte: offset of its bytes from the start of
                     * the data; packed: of the next exception, 0 before
                     * the first is read */
    uint32_t exc_min; /* packed: the least index the next exception has */
};

void post_pos_cursor_init(struct post_pos_cursor *c);
/*
 * Decode document i's tfs[i] positions into out, as absolute positions;
 * `tfs` as decoded by post_decode_tfs(). Cheapest for increasing i (the
 * cursor moves forward); an earlier i restarts from the block's start.
 * SE_OK or SE_ECORRUPT; never reads outside the positions stream.
 */
int post_decode_doc_positions(const struct post_view *v, const uint32_t *tfs,
                              struct post_pos_cursor *c, uint32_t i,
                              uint32_t *out);

#endif
