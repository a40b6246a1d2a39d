/*
 * eval.h - scores a TREC run against TREC qrels the way trec_eval does:
 * nDCG@10, MAP, recall@100, recall@1000 and P@10, per query and averaged.
 * Conventions (tie-breaking, depth, which queries count) are in eval.c.
 */
#ifndef SE_EVAL_H
#define SE_EVAL_H

#include <stddef.h>

/* Documents counted per query by default: `trec_eval -M 1000` (see eval.c). */
#define EVAL_DEPTH_DEFAULT 1000

struct eval_qrels; /* opaque: judgements, defined in eval.c */
struct eval_run;   /* opaque: a ranked run, defined in eval.c */

/*
 * Where parsing failed: `line` is 1-based (0 when the failure is not tied
 * to a line, e.g. an empty file or an I/O error), `msg` says what was wrong
 * without naming the file, so a caller prints "FILE:LINE: MSG".
 */
struct eval_err {
    size_t line;
    char msg[192];
};

/*
 * Parse qrels text, `len` bytes: lines `QID ITER DOCID REL` (exactly four
 * whitespace-separated fields, ITER ignored, REL an integer; blank lines
 * skipped). A (QID, DOCID) pair judged twice is an error, as in trec_eval.
 * On SE_OK *out is a new object (caller frees with eval_qrels_free); it keeps
 * its own copy of the text. On SE_EINVAL *err says where; SE_ENOMEM.
 */
int eval_qrels_parse(const char *text, size_t len, struct eval_qrels **out,
                     struct eval_err *err);
/* eval_qrels_parse() on the contents of `path`; SE_EIO (errno kept) too. */
int eval_qrels_read(const char *path, struct eval_qrels **out,
                    struct eval_err *err);
/* Free `q`; NULL does nothing. */
void eval_qrels_free(struct eval_qrels *q);

/*
 * Parse run text, `len` bytes: lines `QID Q0 DOCID RANK SCORE TAG` (at least
 * six whitespace-separated fields, later ones ignored; Q0, RANK and TAG are
 * not used; SCORE a finite or infinite number, not NaN; blank lines skipped).
 * A DOCID listed twice for one QID is an error. An empty run is valid.
 * Ownership and errors as eval_qrels_parse().
 */
int eval_run_parse(const char *text, size_t len, struct eval_run **out,
                   struct eval_err *err);
int eval_run_read(const char *path, struct eval_run **out,
                  struct eval_err *err);
void eval_run_free(struct eval_run *r);

struct eval_opts {
    /* Documents counted per query; 0 counts all (trec_eval's default). */
    size_t depth;
    /* Like trec_eval -c: average over every query in the qrels. */
    int complete;
};

/* EVAL_DEPTH_DEFAULT, not complete. */
#define EVAL_OPTS_INIT {EVAL_DEPTH_DEFAULT, 0}

/* One query's scores, or their average (qid "all"). */
struct eval_query {
    const char *qid;
    long num_ret;     /* documents counted (at most depth) */
    long num_rel;     /* judged with REL >= 1 */
    long num_rel_ret; /* of those, retrieved within depth */
    double map;       /* average precision */
    double p_10;
    double recall_100;
    double recall_1000;
    double ndcg_cut_10;
};

/*
 * The evaluation. `queries` are the queries evaluated, in strcmp order of
 * their QID (trec_eval's order); with `complete`, judged queries absent from
 * the run are among them with zero scores. `all` holds the means of the
 * measures over num_q queries and the sums of the counts.
 */
struct eval_result {
    struct eval_query *queries;
    size_t nqueries;
    struct eval_query all;
    long num_q;
};

/*
 * Evaluate `run` against `qrels` (opts NULL means EVAL_OPTS_INIT). On SE_OK
 * `out` is filled; release it with eval_result_release(). The QID strings
 * point into `qrels` and live until eval_qrels_free(). Returns SE_ENOTFOUND
 * when no query is both judged and in the run (without `complete`; trec_eval
 * also stops there), SE_ENOMEM.
 */
int eval_compute(const struct eval_qrels *qrels, const struct eval_run *run,
                 const struct eval_opts *opts, struct eval_result *out);
/* Free what eval_compute() allocated in `res`; it is zeroed. */
void eval_result_release(struct eval_result *res);

#endif
