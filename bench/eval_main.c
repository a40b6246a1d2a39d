/*
 * eval_main.c - `eval [-q] [-c] [-M depth] QRELS RUN`: prints trec_eval's
 * num_q, num_ret, num_rel, num_rel_ret, map, P_10, recall_100, recall_1000
 * and ndcg_cut_10 for a TREC run, in trec_eval's output format (the measure
 * name padded to 22 columns, a tab, the QID or "all", a tab, the value with
 * four decimals). The measures and conventions are in eval.c.
 * Exit status: 0 done, 2 error (bad usage, unreadable or malformed input).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "eval.h"

static const char usage[] =
    "usage: eval [-q] [-c] [-M depth] QRELS RUN\n"
    "  QRELS  lines 'QID ITER DOCID REL'; RUN  lines 'QID Q0 DOCID RANK SCORE "
    "TAG'\n"
    "         ('-' reads standard input)\n"
    "  -q     also print each query's measures\n"
    "  -c     average over every query in QRELS, missing ones scoring 0\n"
    "         (default: over queries both judged and in RUN, as trec_eval)\n"
    "  -M N   count the first N documents of each query (default 1000,\n"
    "         i.e. trec_eval -M 1000; 0 counts all)\n";

static void
print_count(const char *name, const char *qid, long v)
{
    printf("%-22s\t%s\t%ld\n", name, qid, v);
}

static void
print_value(const char *name, const char *qid, double v)
{
    printf("%-22s\t%s\t%6.4f\n", name, qid, v);
}

/* trec_eval's measure order (measures.c); num_q only in the summary. */
static void
print_query(const struct eval_query *q, const long *num_q)
{
    if (num_q != NULL)
        print_count("num_q", q->qid, *num_q);
    print_count("num_ret", q->qid, q->num_ret);
    print_count("num_rel", q->qid, q->num_rel);
    print_count("num_rel_ret", q->qid, q->num_rel_ret);
    print_value("map", q->qid, q->map);
    print_value("P_10", q->qid, q->p_10);
    print_value("recall_100", q->qid, q->recall_100);
    print_value("recall_1000", q->qid, q->recall_1000);
    print_value("ndcg_cut_10", q->qid, q->ndcg_cut_10);
}

/* One line for a failed load: "eval: FILE:LINE: what" (no LINE if 0). */
static void
load_error(const char *path, int rc, const struct eval_err *err)
{
    if (rc == SE_ENOMEM)
        fprintf(stderr, "eval: %s: %s\n", path, se_strerror(rc));
    else if (err->line > 0)
        fprintf(stderr, "eval: %s:%zu: %s\n", path, err->line, err->msg);
    else
        fprintf(stderr, "eval: %s: %s\n", path, err->msg);
}

static int
parse_depth(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v > (size_t)-1)
        return -1;
    *out = (size_t)v;
    return 0;
}

int
main(int argc, char **argv)
{
    struct eval_opts opts = EVAL_OPTS_INIT;
    struct eval_qrels *qrels = NULL;
    struct eval_run *run = NULL;
    struct eval_result res;
    struct eval_err err;
    int per_query = 0, c, rc, status = 2;
    size_t i;

    memset(&res, 0, sizeof res);
    memset(&err, 0, sizeof err);

    while ((c = getopt(argc, argv, "hqcM:")) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'q':
            per_query = 1;
            break;
        case 'c':
            opts.complete = 1;
            break;
        case 'M':
            if (parse_depth(optarg, &opts.depth) != 0) {
                fprintf(stderr, "eval: -M wants a number, not '%s'\n", optarg);
                return 2;
            }
            break;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (argc - optind != 2) {
        fputs(usage, stderr);
        return 2;
    }
    rc = eval_qrels_read(argv[optind], &qrels, &err);
    if (rc != SE_OK) {
        load_error(argv[optind], rc, &err);
        goto out;
    }
    rc = eval_run_read(argv[optind + 1], &run, &err);
    if (rc != SE_OK) {
        load_error(argv[optind + 1], rc, &err);
        goto out;
    }
    rc = eval_compute(qrels, run, &opts, &res);
    if (rc == SE_ENOTFOUND) {
        fprintf(stderr,
                "eval: no query of %s is judged in %s (-c scores them all "
                "as 0)\n",
                argv[optind + 1], argv[optind]);
        goto out;
    }
    if (rc != SE_OK) {
        fprintf(stderr, "eval: %s\n", se_strerror(rc));
        goto out;
    }
    if (per_query) {
        for (i = 0; i < res.nqueries; i++)
            print_query(&res.queries[i], NULL);
    }
    print_query(&res.all, &res.num_q);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "eval: writing the output: %s\n", strerror(errno));
        goto out;
    }
    status = 0;
out:
    eval_result_release(&res);
    eval_run_free(run);
    eval_qrels_free(qrels);
    return status;
}
