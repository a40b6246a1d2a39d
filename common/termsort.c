/*
 * termsort.c - radix sort of terms on their first 8 bytes (termsort.h).
 *
 * Least significant byte first, one pass per byte of the head, each pass a
 * stable counting sort; a byte that is the same in every item (the 8th of
 * a batch of short words) costs no pass. Items that share a head are few
 * and next to each other after that, and are put in order by their further
 * bytes alone.
 */
#include "termsort.h"

#include <stdlib.h>
#include <string.h>

/* Runs of equal heads up to this long are sorted by insertion. */
#define TS_INSERTION_MAX 16

static int
ts_cmp(const struct ts_term *a, const struct ts_term *b)
{
    uint32_t n = a->len < b->len ? a->len : b->len;

    if (a->head != b->head)
        return a->head < b->head ? -1 : 1;
    /* The heads hold the first min(8, n) bytes of both: equal there. */
    if (n > 8) {
        int c = memcmp(a->s + 8, b->s + 8, n - 8);
        if (c != 0)
            return c;
    }
    return (a->len > b->len) - (a->len < b->len);
}

static int
ts_qsort_cmp(const void *a, const void *b)
{
    return ts_cmp(a, b);
}

static void
insertion_sort(struct ts_term *t, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        struct ts_term x = t[i];
        for (j = i; j > 0 && ts_cmp(&x, &t[j - 1]) < 0; j--)
            t[j] = t[j - 1];
        t[j] = x;
    }
}

/* Order each run of items that share a head by the rest of their bytes. */
static void
sort_ties(struct ts_term *t, size_t n)
{
    size_t i = 0, j;

    while (i < n) {
        for (j = i + 1; j < n && t[j].head == t[i].head; j++)
            ;
        if (j - i > TS_INSERTION_MAX)
            qsort(t + i, j - i, sizeof *t, ts_qsort_cmp);
        else if (j - i > 1)
            insertion_sort(t + i, j - i);
        i = j;
    }
}

void
ts_sort(struct ts_term *terms, size_t n)
{
    size_t count[8][256], i, at, sum;
    struct ts_term *tmp, *src = terms, *dst;
    int byte;

    if (n <= TS_INSERTION_MAX) {
        insertion_sort(terms, n);
        return;
    }
    tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL) {
        qsort(terms, n, sizeof *terms, ts_qsort_cmp); /* slower, no scratch */
        return;
    }
    memset(count, 0, sizeof count);
    for (i = 0; i < n; i++)
        for (byte = 0; byte < 8; byte++)
            count[byte][(terms[i].head >> (56 - 8 * byte)) & 0xff]++;
    dst = tmp;
    for (byte = 7; byte >= 0; byte--) {
        unsigned shift = 56 - 8 * (unsigned)byte;
        size_t *c = count[byte];
        if (c[(src[0].head >> shift) & 0xff] == n)
            continue; /* every item has this byte: the order stays */
        for (i = 0, sum = 0; i < 256; i++) {
            at = c[i];
            c[i] = sum;
            sum += at;
        }
        for (i = 0; i < n; i++)
            dst[c[(src[i].head >> shift) & 0xff]++] = src[i];
        dst = src;
        src = src == terms ? tmp : terms;
    }
    if (src != terms)
        memcpy(terms, src, n * sizeof *terms);
    free(tmp);
    sort_ties(terms, n);
}
