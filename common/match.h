/*
 * match.h - runs a query tree on the index: posting cursors, phrases,
 * BM25 scores and the top k.
 *
 * Bare words match by stem, phrases by word form and position. With
 * required clauses the candidates are their intersection (led by the
 * rarest); otherwise the union of the optional ones. Excluded clauses
 * remove documents. A document's score is the sum of the BM25 scores of
 * the clauses it matches; a phrase scores as the sum of its words' BM25.
 *
 * Ranked disjunctions (no required clause) are pruned with MaxScore
 * (Turtle and Flood, 1995) and block-max bounds: once the top k is full,
 * documents and blocks whose score bound cannot beat the k-th score are
 * skipped, so `total` then counts only the documents that were scored.
 */
#ifndef SE_MATCH_H
#define SE_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "bm25.h"
#include "docstore.h"
#include "index.h"
#include "query.h"
#include "stemmer.h"

struct doc_lens;

struct match_options {
    double k1, b;
    size_t limit;  /* hits wanted (top k) */
    size_t offset; /* hits skipped before them */
    /* Keep `doc`? 1 keep, 0 drop, <0 an SE_ error code; NULL keeps all.
     * Dropped documents are not counted in `total`. */
    int (*filter)(void *arg, uint32_t doc);
    void *filter_arg;
    /* Non-NULL: hits ordered by key descending, then score, then doc id;
     * every match is visited (no pruning), so `total` is exact. */
    int64_t (*sort_key)(void *arg, uint32_t doc);
    void *sort_arg;
    size_t max_expansions; /* words a prefix* expands to; 0: 128 */
    /* Non-NULL: a length cache the caller keeps from query to query
     * (doc_lens_init() once, then renewed here); NULL: one per query. */
    struct doc_lens *lens;
};

#define MATCH_MAX_EXPANSIONS 128

/* A word of an exact phrase this many times as frequent as the phrase's
 * rarest is sought only in documents where the rarer words hold their
 * part of the phrase: it would rule out few documents and cost a block
 * read at each. */
#define MATCH_PHRASE_DEFER_RATIO 16

struct match_hit {
    uint32_t doc;
    double score;
    int64_t key; /* sort_key's value; 0 without one */
};

struct match_result {
    struct match_hit *hits; /* best first; ties by document id */
    size_t nhits;
    uint64_t total; /* matching documents (a lower bound unless exact) */
    int exact;      /* 0 when pruning skipped documents without counting */
    int truncated_expansion; /* a prefix* had more words than the limit */
    char warning[200];       /* what was cut, for the searcher to print */
};

/*
 * Evaluate `q` in `txn` (a read transaction), with `meta` the index's
 * metadata and `stem` its stemmer. On SE_OK `res` holds the hits (free with
 * match_result_release). SE_ECORRUPT and SE_ENOMEM on failure.
 */
int match_run(struct idx_txn *txn, const struct doc_meta *meta,
              struct stem *stem, const struct qry_node *q,
              const struct match_options *o, struct match_result *res);
void match_result_release(struct match_result *res);

/* One scoring clause of a document's score, for --explain. */
struct match_explain_term {
    const char *label; /* the clause as written: "cotton", "title:xinjiang" */
    uint32_t tf; /* occurrences counted (summed over the clause's words) */
    uint64_t df; /* documents of its rarest word */
    double idf;  /* summed over the clause's words */
    double contribution; /* its share of the document's score */
};

/*
 * Explain the score of `doc` for `q`: calls `cb` once per scoring leaf
 * clause that matches `doc` (labels valid during the call only); the
 * contributions sum to the score match_run() gives `doc`. *doc_len gets
 * the document's scoring length. SE_OK (also when `doc` does not match:
 * then cb is not called), SE_ECORRUPT, SE_ENOMEM.
 */
int match_explain(struct idx_txn *txn, const struct doc_meta *meta,
                  struct stem *stem, const struct qry_node *q,
                  const struct match_options *o, uint32_t doc,
                  uint32_t *doc_len,
                  void (*cb)(void *arg, const struct match_explain_term *t),
                  void *arg);

#endif
