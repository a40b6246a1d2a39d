/*
 * writer.h - adds, replaces and deletes documents in an index.
 *
 * Documents are tokenized, stemmed and inverted in memory; when the
 * buffered postings reach the memory budget they are written to LMDB in
 * term order and the transaction is committed. Every commit leaves a
 * complete index: a run that stops (error, signal, crash) leaves the index
 * as it was at its last commit, and running it again replaces by id what
 * had been added, so nothing is counted twice.
 */
#ifndef SE_WRITER_H
#define SE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define WR_MEMORY_DEFAULT ((size_t)256 << 20)
#define WR_MEMORY_MIN ((size_t)1 << 20)
/* The indexer's title weight for a new index: counting a title twice
 * raised nDCG@10 and MAP on all five judged collections that have titles
 * (bench/RELEVANCE.md). */
#define WR_TITLE_WEIGHT_DEFAULT 2

struct wr_options {
    const char *language; /* NULL: the index's, or "english" for a new one */
    /* Budget of a batch, bytes: buffered postings, records and stored
     * text, and the index pages its flush will change (about one leaf for
     * each of its terms whose list is in the postings table). */
    size_t memory;
    /* How many times a title occurrence counts, in a word's frequency and in
     * the document's length (a BM25F-like title weight), 1..16; 0: the
     * index's, or new_title_weight for a new one. Fixed when the index is
     * created. */
    unsigned title_weight;
    /* The weight of a new index when title_weight is 0; 0 means 1. */
    unsigned new_title_weight;
    /* Threads in all: 0 or 1 prepares documents in the caller's thread;
     * N > 1 adds N - 1 workers that tokenize and compress ahead of it. The
     * index is the same whatever the number. */
    unsigned threads;
};

struct wr_doc {
    const char *id; /* external id, 1..PL_TERM_MAX bytes */
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *date;
    size_t date_len;
    const char *body;
    size_t body_len;
};

struct wr_stats {
    uint64_t added;    /* documents given to wr_add() */
    uint64_t replaced; /* of those, how many replaced an existing id */
    uint64_t deleted;  /* documents removed by wr_delete() */
    uint64_t tokens;   /* tokens indexed */
    uint64_t bytes;    /* bytes of title and body text indexed */
    uint64_t commits;
    uint64_t docs; /* documents in the index at the last commit */
};

struct wr;

/*
 * Open (creating when needed) the index in `dir` for writing. When the
 * index exists, its language wins: an explicit, different o->language gives
 * SE_ELANG, and an explicit, different o->title_weight SE_EINVAL. SE_ENOINDEX
 * for a foreign directory, SE_EBUSY is never returned: a second writer waits
 * for the first.
 */
int wr_open(const char *dir, const struct wr_options *o, struct wr **out);
/* The language of the index ("english"). */
const char *wr_language(const struct wr *w);
/*
 * Add `doc`, replacing the document with the same id if there is one.
 * Commits when the buffer is full. SE_EINVAL for an empty or too long id.
 */
int wr_add(struct wr *w, const struct wr_doc *doc);
/* Delete the document with this id. SE_ENOTFOUND when there is none. */
int wr_delete(struct wr *w, const char *id, size_t len);
/* Write everything buffered and commit. */
int wr_commit(struct wr *w);
const struct wr_stats *wr_stats(const struct wr *w);
/* Free; work not committed by wr_commit() is dropped. NULL does nothing. */
void wr_close(struct wr *w);

#endif
