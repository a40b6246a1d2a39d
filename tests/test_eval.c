/*
 * test_eval.c - the relevance evaluator (bench/eval.c): hand-computed cases,
 * a brute-force cross-check on random runs, files on disk and the real
 * binary ($SE_BUILD/eval, default build/eval).
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../bench/eval.h"
#include "error.h"

#define EPS 1e-12

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

struct fixture {
    struct eval_qrels *qrels;
    struct eval_run *run;
    struct eval_result res;
};

/* Parse both texts (they must be valid) and evaluate; asserts SE_OK. */
static void
evaluate(struct fixture *fx, const char *qrels, const char *run,
         const struct eval_opts *opts)
{
    struct eval_err err = {0, ""};
    int rc;

    memset(fx, 0, sizeof *fx);
    rc = eval_qrels_parse(qrels, strlen(qrels), &fx->qrels, &err);
    cr_assert_eq(rc, SE_OK, "qrels: %s (line %zu: %s)", se_strerror(rc),
                 err.line, err.msg);
    rc = eval_run_parse(run, strlen(run), &fx->run, &err);
    cr_assert_eq(rc, SE_OK, "run: %s (line %zu: %s)", se_strerror(rc), err.line,
                 err.msg);
    rc = eval_compute(fx->qrels, fx->run, opts, &fx->res);
    cr_assert_eq(rc, SE_OK, "compute: %s", se_strerror(rc));
}

static void
release(struct fixture *fx)
{
    eval_result_release(&fx->res);
    eval_run_free(fx->run);
    eval_qrels_free(fx->qrels);
}

static const struct eval_query *
query(const struct fixture *fx, const char *qid)
{
    size_t i;

    for (i = 0; i < fx->res.nqueries; i++) {
        if (strcmp(fx->res.queries[i].qid, qid) == 0)
            return &fx->res.queries[i];
    }
    cr_assert_fail("query %s was not evaluated", qid);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Hand-computed cases                                                  */
/* ------------------------------------------------------------------ */

Test(eval, average_precision_uses_ranks_of_relevant_documents)
{
    /*
     * Ten documents d01..d10 ranked by score; d01, d03, d06 relevant (rel
     * 1), d02 judged non-relevant, the rest unjudged.
     *   AP      = (1/1 + 2/3 + 3/6) / 3                        = 0.7222
     *   P@10    = 3/10;  recall@100 = recall@1000 = 3/3
     *   DCG@10  = 1/log2(2) + 1/log2(4) + 1/log2(7)
     *   IDCG@10 = 1/log2(2) + 1/log2(3) + 1/log2(4)
     */
    const char *qrels = "q1 0 d01 1\nq1 0 d02 0\nq1 0 d03 1\nq1 0 d06 1\n";
    const char *run = "q1 Q0 d01 1 10 t\nq1 Q0 d02 2 9 t\nq1 Q0 d03 3 8 t\n"
                      "q1 Q0 d04 4 7 t\nq1 Q0 d05 5 6 t\nq1 Q0 d06 6 5 t\n"
                      "q1 Q0 d07 7 4 t\nq1 Q0 d08 8 3 t\nq1 Q0 d09 9 2 t\n"
                      "q1 Q0 d10 10 1 t\n";
    double dcg = 1.0 / log2(2) + 1.0 / log2(4) + 1.0 / log2(7);
    double idcg = 1.0 / log2(2) + 1.0 / log2(3) + 1.0 / log2(4);
    struct fixture fx;
    const struct eval_query *q;

    evaluate(&fx, qrels, run, NULL);
    cr_assert_eq(fx.res.num_q, 1);
    q = query(&fx, "q1");
    cr_assert_eq(q->num_ret, 10);
    cr_assert_eq(q->num_rel, 3);
    cr_assert_eq(q->num_rel_ret, 3);
    cr_assert_float_eq(q->map, (1.0 / 1 + 2.0 / 3 + 3.0 / 6) / 3, EPS, "map %f",
                       q->map);
    cr_assert_float_eq(q->p_10, 0.3, EPS, "P_10 %f", q->p_10);
    cr_assert_float_eq(q->recall_100, 1.0, EPS);
    cr_assert_float_eq(q->recall_1000, 1.0, EPS);
    cr_assert_float_eq(q->ndcg_cut_10, dcg / idcg, EPS, "ndcg %f",
                       q->ndcg_cut_10);
    cr_assert_float_eq(fx.res.all.map, q->map, EPS);
    cr_assert_str_eq(fx.res.all.qid, "all");
    release(&fx);
}

Test(eval, ndcg_gain_is_the_graded_relevance)
{
    /*
     * qrels: A 2, B 1, C 0, D -1 (in the pool, unjudged), E 2 (not
     * retrieved). Run order by score: B, C, A, D.
     *   DCG@10  = 1/log2(2) + 0 + 2/log2(4) + (D: no gain)     = 2
     *   ideal   = gains 2, 2, 1 (E, A, B; C and D give none)
     *   IDCG@10 = 2/log2(2) + 2/log2(3) + 1/log2(4)           = 3.7619
     *   num_rel = 3 (A, B, E: rel >= 1); AP = (1/1 + 2/3) / 3
     */
    const char *qrels = "7 0 A 2\n7 0 B 1\n7 0 C 0\n7 0 D -1\n7 0 E 2\n";
    const char *run =
        "7 Q0 A 1 2.0 t\n7 Q0 B 2 4.0 t\n7 Q0 C 3 3.0 t\n7 Q0 D 4 1.0 t\n";
    double idcg = 2.0 / log2(2) + 2.0 / log2(3) + 1.0 / log2(4);
    struct fixture fx;
    const struct eval_query *q;

    evaluate(&fx, qrels, run, NULL);
    q = query(&fx, "7");
    cr_assert_eq(q->num_rel, 3);
    cr_assert_eq(q->num_rel_ret, 2);
    cr_assert_float_eq(q->ndcg_cut_10, 2.0 / idcg, EPS, "ndcg %f",
                       q->ndcg_cut_10);
    cr_assert_float_eq(q->map, (1.0 / 1 + 2.0 / 3) / 3, EPS, "map %f", q->map);
    cr_assert_float_eq(q->p_10, 0.2, EPS);
    cr_assert_float_eq(q->recall_100, 2.0 / 3, EPS);
    release(&fx);
}

Test(eval, ties_break_by_docid_descending_and_rank_is_ignored)
{
    /*
     * Query 1: a, b, c share one score, so trec_eval ranks c, b, a (docid
     * descending) whatever the RANK column says: relevant a is at rank 3,
     * AP = 1/3. Query 2: "9" and "10" tie; strcmp("9", "10") > 0, so "9"
     * comes first and relevant "10" is at rank 2: AP = 1/2. Query 3: the
     * RANK column says z first, the scores say y: AP of relevant y = 1.
     */
    const char *qrels = "1 0 a 1\n2 0 10 1\n3 0 y 1\n";
    const char *run = "1 Q0 a 1 5 t\n1 Q0 b 2 5 t\n1 Q0 c 3 5 t\n"
                      "2 Q0 10 1 0.5 t\n2 Q0 9 2 0.5 t\n"
                      "3 Q0 z 1 1.0 t\n3 Q0 y 2 2.0 t\n";
    struct fixture fx;

    evaluate(&fx, qrels, run, NULL);
    cr_assert_float_eq(query(&fx, "1")->map, 1.0 / 3, EPS, "ties: %f",
                       query(&fx, "1")->map);
    cr_assert_float_eq(query(&fx, "2")->map, 1.0 / 2, EPS, "9 vs 10: %f",
                       query(&fx, "2")->map);
    cr_assert_float_eq(query(&fx, "3")->map, 1.0, EPS, "rank column: %f",
                       query(&fx, "3")->map);
    release(&fx);
}

Test(eval, queries_are_reported_in_qid_string_order)
{
    const char *qrels = "9 0 a 1\n10 0 a 1\n1 0 a 1\n";
    const char *run = "10 Q0 a 1 1 t\n9 Q0 a 1 1 t\n1 Q0 a 1 1 t\n";
    struct fixture fx;

    evaluate(&fx, qrels, run, NULL);
    cr_assert_eq(fx.res.nqueries, 3);
    cr_assert_str_eq(fx.res.queries[0].qid, "1");
    cr_assert_str_eq(fx.res.queries[1].qid, "10");
    cr_assert_str_eq(fx.res.queries[2].qid, "9");
    release(&fx);
}

Test(eval, unjudged_query_is_skipped_and_judged_empty_query_scores_zero)
{
    /*
     * q1: relevant a at rank 2 -> AP 1/2. q2 has judgements but none
     * relevant: trec_eval evaluates it, with zeros. q3 has no qrels line
     * at all: trec_eval skips it. Mean over q1, q2: map = (1/2 + 0) / 2.
     */
    const char *qrels = "q1 0 a 1\nq2 0 b 0\n";
    const char *run = "q1 Q0 x 1 2 t\nq1 Q0 a 2 1 t\n"
                      "q2 Q0 b 1 1 t\n"
                      "q3 Q0 a 1 1 t\n";
    struct fixture fx;
    const struct eval_query *q2;

    evaluate(&fx, qrels, run, NULL);
    cr_assert_eq(fx.res.num_q, 2, "num_q %ld", fx.res.num_q);
    cr_assert_eq(fx.res.nqueries, 2);
    q2 = query(&fx, "q2");
    cr_assert_eq(q2->num_rel, 0);
    cr_assert_eq(q2->num_ret, 1);
    cr_assert_float_eq(q2->map, 0.0, EPS);
    cr_assert_float_eq(q2->ndcg_cut_10, 0.0, EPS);
    cr_assert_float_eq(q2->recall_100, 0.0, EPS);
    cr_assert_float_eq(fx.res.all.map, (0.5 + 0.0) / 2, EPS, "map %f",
                       fx.res.all.map);
    cr_assert_eq(fx.res.all.num_ret, 3, "q3's document is not counted");
    release(&fx);
}

Test(eval, complete_averages_over_every_judged_query)
{
    /*
     * As above plus q4, judged (2 relevant) but absent from the run. By
     * default the mean is over q1, q2; with -c over q1, q2, q4, q4 scoring
     * 0 and listed with num_ret 0: map = (1/2 + 0 + 0) / 3.
     */
    const char *qrels = "q1 0 a 1\nq2 0 b 0\nq4 0 c 1\nq4 0 d 2\n";
    const char *run = "q1 Q0 x 1 2 t\nq1 Q0 a 2 1 t\nq2 Q0 b 1 1 t\n";
    struct eval_opts opts = EVAL_OPTS_INIT;
    struct fixture fx;
    const struct eval_query *q4;

    evaluate(&fx, qrels, run, NULL);
    cr_assert_eq(fx.res.num_q, 2);
    cr_assert_float_eq(fx.res.all.map, 0.5 / 2, EPS);
    release(&fx);

    opts.complete = 1;
    evaluate(&fx, qrels, run, &opts);
    cr_assert_eq(fx.res.num_q, 3, "num_q %ld", fx.res.num_q);
    cr_assert_float_eq(fx.res.all.map, 0.5 / 3, EPS, "map %f", fx.res.all.map);
    q4 = query(&fx, "q4");
    cr_assert_eq(q4->num_ret, 0);
    cr_assert_eq(q4->num_rel, 2);
    cr_assert_float_eq(q4->ndcg_cut_10, 0.0, EPS);
    cr_assert_eq(fx.res.all.num_rel, 3);
    release(&fx);
}

Test(eval, recall_counts_relevant_documents_never_retrieved)
{
    /*
     * 150 relevant documents r000..r149, the run retrieves only the first
     * 120 of them, in order. recall@100 = 100/150, recall@1000 = 120/150,
     * P@10 = 10/10, AP = 120/150 (every retrieved one is at precision 1).
     */
    struct fixture fx;
    const struct eval_query *q;
    char *qrels = NULL, *run = NULL;
    size_t qlen = 0, rlen = 0;
    FILE *qf = open_memstream(&qrels, &qlen);
    FILE *rf = open_memstream(&run, &rlen);
    int i;

    cr_assert(qf != NULL && rf != NULL);
    for (i = 0; i < 150; i++)
        fprintf(qf, "1 0 r%03d 1\n", i);
    for (i = 0; i < 120; i++)
        fprintf(rf, "1 Q0 r%03d %d %d t\n", i, i + 1, 1000 - i);
    fclose(qf);
    fclose(rf);
    evaluate(&fx, qrels, run, NULL);
    q = query(&fx, "1");
    cr_assert_float_eq(q->recall_100, 100.0 / 150, EPS, "r@100 %f",
                       q->recall_100);
    cr_assert_float_eq(q->recall_1000, 120.0 / 150, EPS, "r@1000 %f",
                       q->recall_1000);
    cr_assert_float_eq(q->p_10, 1.0, EPS);
    cr_assert_float_eq(q->map, 120.0 / 150, EPS, "map %f", q->map);
    cr_assert_float_eq(q->ndcg_cut_10, 1.0, EPS);
    release(&fx);
    free(qrels);
    free(run);
}

Test(eval, run_is_cut_at_1000_documents)
{
    /*
     * 1200 documents d0000..d1199 by descending score; relevant: d0000 at
     * rank 1 and d1099 at rank 1100. At depth 1000 (the default) only the
     * first counts: num_ret 1000, AP = (1/1) / 2. Without a cut (trec_eval's
     * own default, depth 0): num_ret 1200, AP = (1/1 + 2/1100) / 2; recall
     * at 1000 is 1/2 either way.
     */
    struct eval_opts all_docs = {0, 0};
    struct fixture fx;
    const struct eval_query *q;
    char *run = NULL;
    size_t rlen = 0;
    FILE *rf = open_memstream(&run, &rlen);
    int i;

    cr_assert(rf != NULL);
    for (i = 0; i < 1200; i++)
        fprintf(rf, "1 Q0 d%04d %d %d t\n", i, i + 1, 5000 - i);
    fclose(rf);

    evaluate(&fx, "1 0 d0000 1\n1 0 d1099 1\n", run, NULL);
    q = query(&fx, "1");
    cr_assert_eq(q->num_ret, 1000);
    cr_assert_eq(q->num_rel_ret, 1);
    cr_assert_float_eq(q->map, 1.0 / 2, EPS, "map %f", q->map);
    cr_assert_float_eq(q->recall_1000, 0.5, EPS);
    release(&fx);

    evaluate(&fx, "1 0 d0000 1\n1 0 d1099 1\n", run, &all_docs);
    q = query(&fx, "1");
    cr_assert_eq(q->num_ret, 1200);
    cr_assert_eq(q->num_rel_ret, 2);
    cr_assert_float_eq(q->map, (1.0 + 2.0 / 1100) / 2, EPS, "map %f", q->map);
    cr_assert_float_eq(q->recall_1000, 0.5, EPS);
    release(&fx);
    free(run);
}

Test(eval, input_format_is_whitespace_separated)
{
    /* Tabs, CRLF, blank lines, extra run columns, no final newline. */
    const char *qrels = "\n1\t0\ta\t1\r\n\n1 0  b  0\r\n";
    const char *run = "1 Q0 a 1 2 tag extra\r\n\n  1\tQ0\tb\t2\t1e0\tt";
    struct fixture fx;

    evaluate(&fx, qrels, run, NULL);
    cr_assert_eq(query(&fx, "1")->num_ret, 2);
    cr_assert_float_eq(query(&fx, "1")->map, 1.0, EPS);
    release(&fx);
}

/* ------------------------------------------------------------------ */
/* Malformed input                                                      */
/* ------------------------------------------------------------------ */

Test(eval, malformed_input_names_the_line)
{
    static const struct {
        int is_run;
        const char *text;
        size_t len; /* 0: strlen */
        size_t line;
        const char *msg;
    } cases[] = {
        {0, "1 0 a 1\n1 0 b\n", 0, 2, "expected 4 fields"},
        {0, "1 0 a 1 x\n", 0, 1, "expected 4 fields"},
        {0, "1 0 a one\n", 0, 1, "relevance 'one' is not an integer"},
        {0, "1 0 a 1.5\n", 0, 1, "relevance '1.5' is not an integer"},
        {0, "1 0 a 1\n\n2 0 a 1\n1 0 a 0\n", 0, 4,
         "document 'a' judged twice for query '1' (first at line 1)"},
        {0, "", 0, 0, "no judgements"},
        {0, "\n \n", 0, 0, "no judgements"},
        {0, "1 0 a 1\n1 0 b\0 1\n", 17, 2, "NUL byte"},
        {1, "1 Q0 a 1 1.0 t\n1 Q0 b 2 1.0\n", 0, 2, "expected 6 fields"},
        {1, "1 Q0 a 1 high t\n", 0, 1, "score 'high' is not a number"},
        {1, "1 Q0 a 1 1.0x t\n", 0, 1, "score '1.0x' is not a number"},
        {1, "1 Q0 a 1 nan t\n", 0, 1, "score 'nan' is not a number"},
        {1, "1 Q0 a 1 2 t\n2 Q0 a 1 2 t\n1 Q0 a 2 1 t\n", 0, 3,
         "document 'a' listed twice for query '1' (first at line 1)"},
        /* Two duplicates: the one met first in the file is reported. */
        {1, "2 Q0 b 1 2 t\n1 Q0 a 1 2 t\n1 Q0 a 2 1 t\n2 Q0 b 2 1 t\n", 0, 3,
         "document 'a' listed twice for query '1' (first at line 2)"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct eval_err err = {0, ""};
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        struct eval_qrels *qr = NULL;
        struct eval_run *r = NULL;
        int rc;

        if (cases[i].is_run)
            rc = eval_run_parse(cases[i].text, len, &r, &err);
        else
            rc = eval_qrels_parse(cases[i].text, len, &qr, &err);
        cr_expect_eq(rc, SE_EINVAL, "case %zu: rc %d", i, rc);
        cr_expect(qr == NULL && r == NULL, "case %zu: object left", i);
        cr_expect_eq(err.line, cases[i].line, "case %zu: line %zu, not %zu", i,
                     err.line, cases[i].line);
        cr_expect(strstr(err.msg, cases[i].msg) != NULL,
                  "case %zu: message '%s' lacks '%s'", i, err.msg,
                  cases[i].msg);
    }
}

Test(eval, no_common_query_is_an_error_unless_complete)
{
    struct eval_opts complete = {EVAL_DEPTH_DEFAULT, 1};
    struct eval_qrels *qr;
    struct eval_run *r;
    struct eval_result res;
    int rc;

    cr_assert_eq(eval_qrels_parse("1 0 a 1\n", 8, &qr, NULL), SE_OK);
    cr_assert_eq(eval_run_parse("", 0, &r, NULL), SE_OK, "empty run");
    rc = eval_compute(qr, r, NULL, &res);
    cr_assert_eq(rc, SE_ENOTFOUND, "rc %d", rc);
    cr_assert_null(res.queries);
    rc = eval_compute(qr, r, &complete, &res);
    cr_assert_eq(rc, SE_OK, "rc %d", rc);
    cr_assert_eq(res.num_q, 1);
    cr_assert_float_eq(res.all.map, 0.0, EPS);
    eval_result_release(&res);
    eval_run_free(r);
    eval_qrels_free(qr);
}

/* ------------------------------------------------------------------ */
/* Against brute force                                                  */
/* ------------------------------------------------------------------ */

struct bf_doc {
    char id[16];
    double score;
};

/* Slow, obvious trec_eval ranking: score desc, then docid desc. */
static int
bf_before(const struct bf_doc *a, const struct bf_doc *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return strcmp(a->id, b->id) > 0;
}

static uint32_t
lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffff;
}

Test(eval, matches_brute_force_on_random_runs)
{
    enum { NQ = 12, NDOC = 40, DEPTH = 25 };
    static struct bf_doc docs[NQ][NDOC];
    static long rels[NQ][NDOC + 10]; /* by doc number; > NDOC: not retrieved */
    static int judged[NQ][NDOC + 10];
    struct eval_opts opts = {DEPTH, 0};
    char *qtext = NULL, *rtext = NULL;
    size_t qlen = 0, rlen = 0;
    FILE *qf = open_memstream(&qtext, &qlen);
    FILE *rf = open_memstream(&rtext, &rlen);
    struct fixture fx;
    uint32_t seed = 42;
    double sum_map = 0.0, sum_ndcg = 0.0;
    int q, i, k, nq_judged = 0;

    cr_assert(qf != NULL && rf != NULL);
    for (q = 0; q < NQ; q++) {
        int n = 5 + (int)(lcg(&seed) % (NDOC - 5));
        int any = 0;
        for (i = 0; i < NDOC + 10; i++) {
            judged[q][i] = lcg(&seed) % 3 == 0;
            rels[q][i] = (long)(lcg(&seed) % 5) - 1; /* -1 .. 3 */
            if (q == 3)
                judged[q][i] = 0; /* one query without judgements */
            if (judged[q][i]) {
                fprintf(qf, "%d 0 d%d %ld\n", q, i, rels[q][i]);
                any = 1;
            }
        }
        nq_judged += any;
        for (i = 0; i < n; i++) {
            snprintf(docs[q][i].id, sizeof docs[q][i].id, "d%d", i);
            docs[q][i].score = (double)(lcg(&seed) % 6) / 2; /* many ties */
            fprintf(rf, "%d Q0 %s %d %.17g t\n", q, docs[q][i].id, i,
                    docs[q][i].score);
        }
        for (; i < NDOC; i++)
            docs[q][i].id[0] = '\0';
    }
    fclose(qf);
    fclose(rf);
    evaluate(&fx, qtext, rtext, &opts);
    cr_assert_eq(fx.res.num_q, nq_judged);

    for (q = 0; q < NQ; q++) {
        struct bf_doc ranked[NDOC];
        long ideal[NDOC + 10];
        int n = 0, ni = 0, num_rel = 0, hits = 0, any = 0;
        double ap = 0.0, dcg = 0.0, idcg = 0.0, p10 = 0.0, ndcg;
        char qid[16];
        const struct eval_query *got;

        /* Selection sort into trec_eval's order. */
        for (i = 0; i < NDOC && docs[q][i].id[0] != '\0'; i++)
            ranked[n++] = docs[q][i];
        for (i = 0; i < n; i++) {
            for (k = i + 1; k < n; k++) {
                if (bf_before(&ranked[k], &ranked[i])) {
                    struct bf_doc t = ranked[i];
                    ranked[i] = ranked[k];
                    ranked[k] = t;
                }
            }
        }
        for (i = 0; i < NDOC + 10; i++) {
            any |= judged[q][i];
            if (judged[q][i] && rels[q][i] >= 1) {
                num_rel++;
                ideal[ni++] = rels[q][i];
            }
        }
        if (!any)
            continue;
        for (i = 0; i < ni; i++) { /* ideal gains, largest first */
            for (k = i + 1; k < ni; k++) {
                if (ideal[k] > ideal[i]) {
                    long t = ideal[i];
                    ideal[i] = ideal[k];
                    ideal[k] = t;
                }
            }
        }
        for (i = 0; i < ni && i < 10; i++)
            idcg += (double)ideal[i] / log2(i + 2.0);
        for (i = 0; i < n && i < DEPTH; i++) {
            int d = atoi(ranked[i].id + 1);
            long rel = judged[q][d] ? rels[q][d] : 0;
            if (rel >= 1) {
                hits++;
                ap += (double)hits / (i + 1);
                if (i < 10) {
                    p10 += 0.1;
                    dcg += (double)rel / log2(i + 2.0);
                }
            }
        }
        ap = num_rel ? ap / num_rel : 0.0;
        ndcg = idcg > 0 ? dcg / idcg : 0.0;
        snprintf(qid, sizeof qid, "%d", q);
        got = query(&fx, qid);
        cr_expect_eq(got->num_ret, n < DEPTH ? n : DEPTH, "q%d num_ret", q);
        cr_expect_eq(got->num_rel, num_rel, "q%d num_rel", q);
        cr_expect_eq(got->num_rel_ret, hits, "q%d num_rel_ret", q);
        cr_expect_float_eq(got->map, ap, 1e-9, "q%d map %f vs %f", q, got->map,
                           ap);
        cr_expect_float_eq(got->ndcg_cut_10, ndcg, 1e-9, "q%d ndcg %f vs %f", q,
                           got->ndcg_cut_10, ndcg);
        cr_expect_float_eq(got->p_10, p10, 1e-9, "q%d P_10", q);
        cr_expect_float_eq(got->recall_100,
                           num_rel ? (double)hits / num_rel : 0.0, 1e-9,
                           "q%d recall_100", q);
        sum_map += ap;
        sum_ndcg += ndcg;
    }
    cr_expect_float_eq(fx.res.all.map, sum_map / nq_judged, 1e-9);
    cr_expect_float_eq(fx.res.all.ndcg_cut_10, sum_ndcg / nq_judged, 1e-9);
    release(&fx);
    free(qtext);
    free(rtext);
}

/* ------------------------------------------------------------------ */
/* Files and the binary                                                 */
/* ------------------------------------------------------------------ */

/* A fresh directory under /tmp; caller removes it with rm_tmp(). */
static void
make_tmp(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/test_eval.XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp");
}

static void
write_file(const char *dir, const char *name, const char *text, char *path,
           size_t size)
{
    FILE *fp;

    snprintf(path, size, "%s/%s", dir, name);
    fp = fopen(path, "w");
    cr_assert_not_null(fp, "fopen %s", path);
    fputs(text, fp);
    cr_assert_eq(fclose(fp), 0);
}

/* The whole of `path` as a string (caller frees). */
static char *
slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&data, &len);
    FILE *in = fopen(path, "r");
    int c;

    cr_assert(out != NULL && in != NULL, "slurp %s", path);
    while ((c = fgetc(in)) != EOF)
        fputc(c, out);
    fclose(in);
    fclose(out);
    return data;
}

static void
rm_tmp(const char *dir)
{
    static const char *names[] = {"qrels.txt", "run.txt", "bad.txt", "out.txt",
                                  "err.txt"};
    char path[256];
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static const char QRELS[] = "1 0 a 1\n1 0 b 0\n2 0 c 2\n";
static const char RUN[] = "1 Q0 a 1 2.0 t\n1 Q0 b 2 1.0 t\n"
                          "2 Q0 x 1 1.0 t\n2 Q0 c 2 0.5 t\n";

Test(eval, files_on_disk_read_like_text)
{
    char dir[64], qpath[128], rpath[128];
    struct eval_err err = {0, ""};
    struct eval_qrels *qr;
    struct eval_run *r;
    struct eval_result res;
    int rc;

    make_tmp(dir, sizeof dir);
    write_file(dir, "qrels.txt", QRELS, qpath, sizeof qpath);
    write_file(dir, "run.txt", RUN, rpath, sizeof rpath);
    rc = eval_qrels_read(qpath, &qr, &err);
    cr_assert_eq(rc, SE_OK, "%s", err.msg);
    rc = eval_run_read(rpath, &r, &err);
    cr_assert_eq(rc, SE_OK, "%s", err.msg);
    cr_assert_eq(eval_compute(qr, r, NULL, &res), SE_OK);
    /* q1: a relevant at 1 -> AP 1; q2: c (rel 2) at 2 -> AP 1/2. */
    cr_assert_float_eq(res.all.map, 0.75, EPS);
    cr_assert_float_eq(res.queries[1].ndcg_cut_10,
                       (2 / log2(3)) / (2 / log2(2)), EPS);
    eval_result_release(&res);
    eval_run_free(r);
    eval_qrels_free(qr);

    rc = eval_run_read("/nonexistent/run.txt", &r, &err);
    cr_assert_eq(rc, SE_EIO, "rc %d", rc);
    cr_assert_null(r);
    cr_assert_eq(err.line, 0);
    cr_assert_str_eq(err.msg, "No such file or directory");
    rm_tmp(dir);
}

/*
 * Run $SE_BUILD/eval with `args` (NULL-terminated, argv[0] excluded),
 * stdout and stderr to files in `dir`. Returns the exit status.
 */
static int
run_eval(const char *dir, const char *const *args, char **out, char **err)
{
    const char *build = getenv("SE_BUILD");
    char bin[256], opath[256], epath[256];
    const char *argv[16];
    int status, n = 0;
    pid_t pid;

    snprintf(bin, sizeof bin, "%s/eval", build ? build : "build");
    if (access(bin, X_OK) != 0)
        cr_skip_test("%s not built (make eval)", bin);
    snprintf(opath, sizeof opath, "%s/out.txt", dir);
    snprintf(epath, sizeof epath, "%s/err.txt", dir);
    argv[n++] = bin;
    while (*args != NULL && n < 15)
        argv[n++] = *args++;
    argv[n] = NULL;
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0, "fork");
    if (pid == 0) {
        int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "eval died");
    *out = slurp(opath);
    *err = slurp(epath);
    return WEXITSTATUS(status);
}

/* One output line in trec_eval's layout. */
static void
expect_line(FILE *fp, const char *measure, const char *qid, const char *v)
{
    fprintf(fp, "%-22s\t%s\t%s\n", measure, qid, v);
}

Test(eval, binary_prints_trec_eval_layout)
{
    char dir[64], qpath[128], rpath[128];
    char *out, *err, *want = NULL;
    size_t wlen = 0;
    FILE *w;
    int rc;

    make_tmp(dir, sizeof dir);
    write_file(dir, "qrels.txt", QRELS, qpath, sizeof qpath);
    write_file(dir, "run.txt", RUN, rpath, sizeof rpath);
    rc = run_eval(dir, (const char *[]){"-q", qpath, rpath, NULL}, &out, &err);
    /*
     * q1: a (rel 1) at 1: AP 1, P@10 0.1, nDCG 1.
     * q2: c (rel 2) at 2: AP 1/2, nDCG (2/log2 3) / 2 = 0.6309.
     * all: map 0.75, nDCG (1 + 0.6309) / 2 = 0.8155.
     */
    w = open_memstream(&want, &wlen);
    cr_assert_not_null(w);
    expect_line(w, "num_ret", "1", "2");
    expect_line(w, "num_rel", "1", "1");
    expect_line(w, "num_rel_ret", "1", "1");
    expect_line(w, "map", "1", "1.0000");
    expect_line(w, "P_10", "1", "0.1000");
    expect_line(w, "recall_100", "1", "1.0000");
    expect_line(w, "recall_1000", "1", "1.0000");
    expect_line(w, "ndcg_cut_10", "1", "1.0000");
    expect_line(w, "num_ret", "2", "2");
    expect_line(w, "num_rel", "2", "1");
    expect_line(w, "num_rel_ret", "2", "1");
    expect_line(w, "map", "2", "0.5000");
    expect_line(w, "P_10", "2", "0.1000");
    expect_line(w, "recall_100", "2", "1.0000");
    expect_line(w, "recall_1000", "2", "1.0000");
    expect_line(w, "ndcg_cut_10", "2", "0.6309");
    expect_line(w, "num_q", "all", "2");
    expect_line(w, "num_ret", "all", "4");
    expect_line(w, "num_rel", "all", "2");
    expect_line(w, "num_rel_ret", "all", "2");
    expect_line(w, "map", "all", "0.7500");
    expect_line(w, "P_10", "all", "0.1000");
    expect_line(w, "recall_100", "all", "1.0000");
    expect_line(w, "recall_1000", "all", "1.0000");
    expect_line(w, "ndcg_cut_10", "all", "0.8155");
    fclose(w);
    cr_expect_eq(rc, 0, "exit %d, stderr: %s", rc, err);
    cr_expect_str_eq(out, want);
    cr_expect_str_eq(err, "");
    free(out);
    free(err);
    free(want);
    rm_tmp(dir);
}

Test(eval, binary_errors_are_one_line_with_file_and_line)
{
    char dir[64], qpath[128], rpath[128], bpath[128], msg[512];
    char *out, *err;
    int rc;

    make_tmp(dir, sizeof dir);
    write_file(dir, "qrels.txt", QRELS, qpath, sizeof qpath);
    write_file(dir, "run.txt", RUN, rpath, sizeof rpath);
    write_file(dir, "bad.txt", "1 Q0 a 1 2.0 t\n1 Q0 b 2 1.0\n", bpath,
               sizeof bpath);

    rc = run_eval(dir, (const char *[]){qpath, bpath, NULL}, &out, &err);
    snprintf(msg, sizeof msg,
             "eval: %s:2: expected 6 fields (QID Q0 DOCID RANK SCORE TAG), "
             "found 5\n",
             bpath);
    cr_expect_eq(rc, 2, "malformed run: exit %d", rc);
    cr_expect_str_eq(err, msg);
    cr_expect_str_eq(out, "");
    free(out);
    free(err);

    rc = run_eval(dir, (const char *[]){bpath, rpath, NULL}, &out, &err);
    snprintf(msg, sizeof msg,
             "eval: %s:1: expected 4 fields (QID ITER DOCID REL), found 6\n",
             bpath);
    cr_expect_eq(rc, 2, "run given as qrels: exit %d", rc);
    cr_expect_str_eq(err, msg);
    free(out);
    free(err);

    rc = run_eval(dir, (const char *[]){qpath, "/nonexistent", NULL}, &out,
                  &err);
    cr_expect_eq(rc, 2, "missing file: exit %d", rc);
    cr_expect_str_eq(err, "eval: /nonexistent: No such file or directory\n");
    free(out);
    free(err);

    rc = run_eval(dir, (const char *[]){"-M", "ten", qpath, rpath, NULL}, &out,
                  &err);
    cr_expect_eq(rc, 2, "bad -M: exit %d", rc);
    cr_expect_str_eq(err, "eval: -M wants a number, not 'ten'\n");
    free(out);
    free(err);

    rc = run_eval(dir, (const char *[]){qpath, NULL}, &out, &err);
    cr_expect_eq(rc, 2, "one file: exit %d", rc);
    cr_expect(strncmp(err, "usage: eval", 11) == 0, "usage: %s", err);
    free(out);
    free(err);
    rm_tmp(dir);
}
