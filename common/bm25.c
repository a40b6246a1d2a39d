/* bm25.c - Okapi BM25; see bm25.h for the formula and its sources. */
#include "bm25.h"

#include <math.h>

void
bm25_init(struct bm25 *m, double k1, double b, uint64_t docs,
          uint64_t total_len)
{
    m->k1 = k1;
    m->b = b;
    m->n = (double)docs;
    m->avgdl = docs ? (double)total_len / (double)docs : 1.0;
    if (m->avgdl <= 0)
        m->avgdl = 1.0;
}

double
bm25_idf(const struct bm25 *m, uint64_t df)
{
    double d = (double)df;

    /* df can exceed N only on a corrupt index; clamp rather than go < 0. */
    if (d > m->n)
        d = m->n;
    return log(1.0 + (m->n - d + 0.5) / (d + 0.5));
}
