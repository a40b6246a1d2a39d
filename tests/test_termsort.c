/*
 * test_termsort.c - the radix term sort against memcmp() order: the words
 * of Reuters-21578, and made-up terms for the edges (empty terms, NUL and
 * high bytes, terms that begin others, long runs of one 8-byte head, too
 * few items for the radix passes).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "termsort.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"

/* memcmp() order, a term before the longer ones it begins. */
static int
cmp_bytes(const unsigned char *a, size_t alen, const unsigned char *b,
          size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen);
}

/*
 * Sort, then check that the items are in order and are the ones given:
 * each idx once, with the bytes it was given.
 */
static void
sort_and_check(struct ts_term *t, size_t n)
{
    const unsigned char **s = malloc((n ? n : 1) * sizeof *s);
    uint32_t *len = malloc((n ? n : 1) * sizeof *len);
    unsigned char *seen = calloc(n ? n : 1, 1);
    size_t i;

    cr_assert(s && len && seen);
    for (i = 0; i < n; i++) {
        cr_assert_eq(t[i].idx, i, "the test numbers items in order");
        s[i] = t[i].s;
        len[i] = t[i].len;
    }
    ts_sort(t, n);
    for (i = 0; i < n; i++) {
        uint32_t k = t[i].idx;
        cr_assert_lt(k, n);
        cr_assert_eq(seen[k], 0, "item %u twice", k);
        seen[k] = 1;
        cr_assert(t[i].s == s[k] && t[i].len == len[k]);
        if (i > 0)
            cr_assert_leq(cmp_bytes(t[i - 1].s, t[i - 1].len, t[i].s,
                                    t[i].len),
                          0, "items %zu and %zu out of order ('%.*s', '%.*s')",
                          i - 1, i, (int)t[i - 1].len, t[i - 1].s,
                          (int)t[i].len, t[i].s);
    }
    free(s);
    free(len);
    free(seen);
}

static void
add(struct ts_term *t, size_t *n, const char *s, uint32_t len)
{
    ts_set(&t[*n], s, len, (uint32_t)*n);
    (*n)++;
}

Test(termsort, reuters_words_come_out_in_memcmp_order)
{
    FILE *f = fopen(REUTERS, "rb");
    char *text;
    long size;
    struct ts_term *t;
    size_t n = 0, i = 0, j;

    cr_assert(f, "%s: %s", REUTERS, strerror(errno));
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    cr_assert_gt(size, 0);
    rewind(f);
    text = malloc((size_t)size);
    t = malloc((size_t)size / 2 * sizeof *t);
    cr_assert(text && t);
    cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    /* Words as runs of anything but spaces and quotes: repeats, numbers,
     * punctuation and UTF-8 all come along. */
    while (i < (size_t)size) {
        for (j = i; j < (size_t)size && text[j] != ' ' && text[j] != '"'; j++)
            ;
        if (j > i)
            add(t, &n, text + i, (uint32_t)(j - i));
        i = j + 1;
    }
    cr_assert_gt(n, 2000000, "only %zu words", n);
    sort_and_check(t, n);
    free(t);
    free(text);
}

Test(termsort, edges_of_the_head)
{
    /* The same 8-byte head for many (the qsort path for long runs), NUL
     * bytes inside and at the end, high bytes (unsigned order), empty
     * terms, and terms that begin each other at every length near 8. */
    static const char *const fixed[] = {
        "", "", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefgh\xff",
        "\xff", "\x80", "\x7f", "z", "abcdefgg\xff\xff\xff",
    };
    char buf[64][24];
    struct ts_term t[160];
    size_t n = 0, i;

    for (i = 0; i < sizeof fixed / sizeof *fixed; i++)
        add(t, &n, fixed[i], (uint32_t)strlen(fixed[i]));
    add(t, &n, "ab\0", 3);
    add(t, &n, "ab\0\0\0\0\0\0", 8);
    add(t, &n, "ab\0\0\0\0\0\0\0", 9);
    add(t, &n, "ab\0\0\0\0\0\0\x01", 9);
    add(t, &n, "\0", 1);
    /* 64 terms of one head, told apart from their 9th byte on. */
    for (i = 0; i < 64; i++) {
        int len = snprintf(buf[i], sizeof buf[i], "internat%c%zu",
                           (int)('a' + (i * 7) % 26), (i * 37) % 101);
        add(t, &n, buf[i], (uint32_t)len);
    }
    sort_and_check(t, n);
    cr_assert_eq(t[0].len, 0);
    cr_assert_eq(t[1].len, 0);
    cr_assert(t[2].len == 1 && t[2].s[0] == 0);
    cr_assert(t[n - 1].len == 1 && t[n - 1].s[0] == 0xff);
}

Test(termsort, few_items_and_none)
{
    struct ts_term t[4];
    size_t n = 0;

    sort_and_check(t, 0);
    add(t, &n, "pear", 4);
    add(t, &n, "apple", 5);
    add(t, &n, "apples", 6);
    sort_and_check(t, n);
    cr_assert_eq(t[0].len, 5);
    cr_assert_eq(t[1].len, 6);
    cr_assert_eq(t[2].len, 4);
}
