/*
 * index.h - the index's tables in LMDB: environment, transactions, get/put,
 * cursors. The only module that includes lmdb.h; MDB_* names and codes never
 * leave index.c. One writer at a time (LMDB's lock makes a second writer
 * wait), any number of readers, each reader seeing the last commit.
 *
 * Tables (LMDB named databases) and what their keys are; the bytes of the
 * values are written down by the modules that own them (docstore.c,
 * writer.c, posting.h) and summed up in docs/FORMAT.md:
 *   IDX_META      short ASCII name       -> value (format, language, counts)
 *   IDX_DOCS      doc id, u32 big-endian -> document record (docstore.h)
 *   IDX_IDS       external id bytes      -> doc id, u32 little-endian
 *   IDX_LENS      chunk no, u32 BE       -> DOC_LENS_CHUNK lengths, u32 LE
 *   IDX_TEXT      doc id, u32 BE         -> stored body (docstore.h)
 *   IDX_SDICT     stem                   -> term statistics (plist.h)
 *   IDX_STEMS     stem 0x00 last-doc BE  -> posting block, no positions
 *   IDX_FDICT     word form              -> term statistics (plist.h)
 *   IDX_FORMS     form 0x00 last-doc BE  -> posting block with positions
 *   IDX_STEMFORMS stem                   -> form (sorted duplicates; none
 *                                          for a stem whose one form is
 *                                          itself, see expand.h)
 */
#ifndef SE_INDEX_H
#define SE_INDEX_H

#include <stddef.h>
#include <stdint.h>

enum idx_table {
    IDX_META,
    IDX_DOCS,
    IDX_IDS,
    IDX_LENS,
    IDX_TEXT,
    IDX_SDICT,
    IDX_STEMS,
    IDX_FDICT,
    IDX_FORMS,
    IDX_STEMFORMS,
    IDX_NTABLES
};

/* Flags of idx_open(). */
#define IDX_RDONLY 0x1 /* open an existing index for reading only */
#define IDX_CREATE 0x2 /* create the directory and index when absent */

/* Flags of idx_put(). */
#define IDX_APPEND 0x1    /* key sorts after every key in the table (faster) */
#define IDX_NODUPDATA 0x2 /* IDX_STEMFORMS: do nothing if the pair exists */

struct idx;
struct idx_txn;
struct idx_cursor;

/*
 * Open the index in directory `dir`. Without IDX_CREATE the directory must
 * hold an index (SE_ENOINDEX otherwise). With IDX_CREATE a missing
 * directory is made, and an existing directory must be empty or hold an
 * index: a foreign, non-empty directory gives SE_ENOINDEX and is not
 * touched. Whether the tables hold a valid index is the caller's check
 * (docstore.h: doc_meta_load).
 */
int idx_open(const char *dir, int flags, struct idx **out);
void idx_close(struct idx *ix);
/*
 * Give back the memory of past write transactions. LMDB keeps every page
 * a write transaction made dirty in a list for the next one and never
 * frees it, so a writer would hold its largest transaction's pages for
 * good; closing and opening the environment again frees them. No
 * transaction of `ix` may be open. On failure `ix` can only be closed.
 */
int idx_trim(struct idx *ix);
/* Remove the two files of an index in `dir`, then `dir` if it is left
 * empty (a creation that failed, an old copy). */
void idx_remove(const char *dir);
/*
 * Rewrite the index in directory `dir` compactly and put the copy in its
 * place. Commits that insert keys in the middle of a table leave its pages
 * part full (LMDB splits a full page in halves), and the file keeps the
 * pages the largest commit freed; a copy that appends every table in key
 * order fills its pages and has no free ones. The copy is made in
 * `dir`.compacting, synced, and exchanged with `dir` in one atomic rename,
 * so a reader, or a run interrupted at any point, finds the old index or
 * the copy, whole. The caller must keep writers out (the indexer's lock).
 * Sets the bytes in use before and after. On failure (SE_EIO with errno
 * ENOTSUP or EINVAL where the file system cannot exchange two names) the
 * index is left as it was.
 */
int idx_compact(const char *dir, uint64_t *before, uint64_t *after);
/*
 * A handle reads the data file it opened until it is closed, even after
 * idx_compact() put a new one in the directory. If the directory's file
 * is no longer the one open, close and open again (*reopened = 1). No
 * transaction of `ix` may be open; on failure `ix` can only be closed.
 */
int idx_refresh(struct idx *ix, int *reopened);
/* Name of a table, as LMDB knows it ("forms"); static storage. */
const char *idx_table_name(enum idx_table t);
/* Entries and bytes (pages x page size) of a table, as seen by `txn`. */
int idx_table_usage(struct idx_txn *txn, enum idx_table t, uint64_t *entries,
                    uint64_t *bytes);
/* Bytes used in the data file by the last commit (pages in use x size). */
int idx_size(struct idx *ix, uint64_t *bytes);

/* Begin a transaction; `write` != 0 for the one writer. */
int idx_txn_begin(struct idx *ix, int write, struct idx_txn **out);
/*
 * How many bytes one write transaction may add beyond rewriting the pages
 * in use; the map is grown to make room before each write transaction.
 */
void idx_reserve(struct idx *ix, size_t bytes);
/* The map's current size and how many times this handle has grown it. */
int idx_map_info(struct idx *ix, uint64_t *mapsize, unsigned *grows);
/*
 * The commit a read transaction sees (LMDB's transaction id): two read
 * transactions with the same number see the same data, so what was read
 * in one may be kept for the other.
 */
uint64_t idx_txn_snapshot(const struct idx_txn *txn);
/*
 * Which opening of the environment a transaction reads through: values it
 * returned (pointers into the map) are still where they were in a later
 * transaction with the same mapping and the same snapshot. A handle opened
 * again (idx_trim, idx_refresh) has a new mapping.
 */
uint64_t idx_txn_mapping(const struct idx_txn *txn);
/* Commit and free. On failure the transaction is aborted all the same. */
int idx_txn_commit(struct idx_txn *txn);
/* Abort and free; NULL does nothing. */
void idx_txn_abort(struct idx_txn *txn);

/*
 * Look `key` up. On SE_OK *val points into the map: read-only, valid until
 * the transaction ends or the next write in it. SE_ENOTFOUND if absent.
 */
int idx_get(struct idx_txn *txn, enum idx_table t, const void *key, size_t klen,
            const void **val, size_t *vlen);
/* Store key -> val, replacing an existing value (flags: IDX_APPEND...). */
int idx_put(struct idx_txn *txn, enum idx_table t, const void *key, size_t klen,
            const void *val, size_t vlen, int flags);
/*
 * Delete `key` (for IDX_STEMFORMS with `val` non-NULL, only that pair).
 * SE_OK, or SE_ENOTFOUND when absent.
 */
int idx_del(struct idx_txn *txn, enum idx_table t, const void *key, size_t klen,
            const void *val, size_t vlen);
/* Number of entries in a table. */
int idx_count(struct idx_txn *txn, enum idx_table t, uint64_t *n);

/* A cursor over one table; freed by idx_cursor_close() before txn end. */
int idx_cursor_open(struct idx_txn *txn, enum idx_table t,
                    struct idx_cursor **out);
void idx_cursor_close(struct idx_cursor *c);
/*
 * Position on the first key >= `key` (IDX_STEMFORMS: on its first value).
 * Returns 1 when positioned, 0 when no such key, <0 on error. Then read the
 * entry with idx_cursor_get().
 */
int idx_cursor_seek(struct idx_cursor *c, const void *key, size_t klen);
/* Step to the next or previous entry, first or last: 1, 0 at the end, <0. */
int idx_cursor_next(struct idx_cursor *c);
int idx_cursor_prev(struct idx_cursor *c);
int idx_cursor_first(struct idx_cursor *c);
int idx_cursor_last(struct idx_cursor *c);
/*
 * idx_put() through the cursor, which is left on the entry put. A run of
 * IDX_APPEND puts through one cursor finds the table's end from where the
 * last one left it, where idx_put() descends the tree for each.
 */
int idx_cursor_put(struct idx_cursor *c, const void *key, size_t klen,
                   const void *val, size_t vlen, int flags);
/* The current entry; pointers valid as for idx_get(). */
int idx_cursor_get(struct idx_cursor *c, const void **key, size_t *klen,
                   const void **val, size_t *vlen);

/* Big-endian u32 helpers for keys that must sort as numbers. */
static inline void
idx_put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static inline uint32_t
idx_get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

#endif
