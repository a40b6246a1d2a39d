/*
 * termsort.h - put byte strings in memcmp() order, fast.
 *
 * A flush sorts every term of its batch (226,588 forms and 191,428 stems on
 * the combined news dump), and qsort() with a memcmp() comparator spent
 * 60 to 85 ms on each table: every comparison follows two pointers to the
 * terms' bytes, which are all over the arena. Here a term carries its first
 * 8 bytes as a big-endian number, the items are radix-sorted on that
 * number, and only items that share it compare their further bytes.
 */
#ifndef SE_TERMSORT_H
#define SE_TERMSORT_H

#include <stddef.h>
#include <stdint.h>

struct ts_term {
    uint64_t head;          /* first 8 bytes, big-endian, 0 past the end */
    const unsigned char *s; /* all the bytes, the caller's */
    uint32_t len;
    uint32_t idx; /* the caller's, carried along */
};

/* Fill one item: `s` must stay where it is until the sort is done. */
static inline void
ts_set(struct ts_term *t, const void *s, uint32_t len, uint32_t idx)
{
    const unsigned char *p = s;
    uint64_t h = 0;
    uint32_t i;

    for (i = 0; i < 8; i++)
        h = h << 8 | (i < len ? p[i] : 0);
    t->head = h;
    t->s = p;
    t->len = len;
    t->idx = idx;
}

/*
 * Sort terms[0..n) by their bytes as memcmp() orders them, a shorter term
 * before a longer one it begins; equal terms end up next to each other in
 * no particular order. Cannot fail: without memory for its scratch (n
 * items) it falls back to qsort().
 */
void ts_sort(struct ts_term *terms, size_t n);

#endif
