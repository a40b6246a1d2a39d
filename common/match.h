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

struct match_options {
    double k1, b;
    size_t limit;  /* hits wanted (top k) */
    size_t offset; /* hits skipped before them */
};

struct match_hit {
    uint32_t doc;
    double score;
};

struct match_result {
    struct match_hit *hits; /* best first; ties by document id */
    size_t nhits;
    uint64_t total; /* matching documents (a lower bound unless exact) */
    int exact;      /* 0 when pruning skipped documents without counting */
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

#endif
