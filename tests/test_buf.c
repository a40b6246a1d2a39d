/*
 * test_buf.c - the growable byte buffer and its LEB128 varints: appends
 * across many reallocations against a plain array, printf, the NUL kept by
 * buf_cstr(), detach/release, and varints of every width, their limits,
 * and truncated or oversized input (SE_ECORRUPT, input pointer unmoved).
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

/* xorshift64*: a seeded, repeatable generator. */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* Bytes of the LEB128 encoding of v, from its bit length. */
static size_t
varint_size(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

Test(buf, appends_match_a_plain_array)
{
    struct buf b = BUF_INIT;
    unsigned char *want = malloc(1 << 20);
    size_t wlen = 0, i;
    uint64_t s = 42;
    int rc;

    cr_assert_not_null(want);
    cr_assert_null(b.data, "BUF_INIT has no memory");
    /* Chunks of 0..999 bytes, single bytes and strings, up to ~1 MiB. */
    while (wlen < (1 << 20) - 2000) {
        size_t n = rnd(&s) % 1000;
        unsigned char chunk[1000];
        for (i = 0; i < n; i++)
            chunk[i] = (unsigned char)rnd(&s);
        switch (rnd(&s) % 3) {
        case 0:
            rc = buf_append(&b, chunk, n);
            memcpy(want + wlen, chunk, n);
            wlen += n;
            break;
        case 1:
            rc = buf_putc(&b, 0x100 + chunk[0]); /* only the low byte */
            want[wlen++] = (unsigned char)(0x100 + chunk[0]);
            break;
        default:
            rc = buf_puts(&b, "word ");
            memcpy(want + wlen, "word ", 5);
            wlen += 5;
            break;
        }
        cr_assert_eq(rc, SE_OK, "append: %s", se_strerror(rc));
        cr_assert_eq(b.len, wlen, "length %zu, expected %zu", b.len, wlen);
        cr_assert_gt(b.cap, b.len, "no spare byte for the NUL: cap %zu len %zu",
                     b.cap, b.len);
    }
    cr_assert_eq(memcmp(b.data, want, wlen), 0, "contents differ");
    /* Appending nothing changes nothing, even from a NULL pointer. */
    rc = buf_append(&b, NULL, 0);
    cr_assert_eq(rc, SE_OK, "empty append: %s", se_strerror(rc));
    cr_assert_eq(b.len, wlen, "empty append changed the length");
    buf_release(&b);
    cr_assert(b.data == NULL && b.len == 0 && b.cap == 0,
              "release leaves the buffer as BUF_INIT");
    free(want);
}

Test(buf, printf_appends_formatted_text)
{
    struct buf b = BUF_INIT;
    char big[5000], want[6000];
    int rc;

    rc = buf_printf(&b, "%d-%s-%05.1f", 42, "abc", 3.14159);
    cr_assert_eq(rc, SE_OK, "printf: %s", se_strerror(rc));
    cr_assert_str_eq(buf_cstr(&b), "42-abc-003.1");
    cr_assert_eq(b.len, strlen("42-abc-003.1"), "len %zu", b.len);
    /* Longer than the first allocation: the buffer grows to fit. */
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rc = buf_printf(&b, "[%s]%u", big, 7u);
    cr_assert_eq(rc, SE_OK, "printf: %s", se_strerror(rc));
    snprintf(want, sizeof want, "42-abc-003.1[%s]7", big);
    cr_assert_eq(b.len, strlen(want), "len %zu, expected %zu", b.len,
                 strlen(want));
    cr_assert_str_eq(buf_cstr(&b), want);
    /* An empty format appends nothing but still gives a valid string. */
    rc = buf_printf(&b, "%s", "");
    cr_assert_eq(rc, SE_OK, "printf: %s", se_strerror(rc));
    cr_assert_eq(b.len, strlen(want), "empty printf changed the length");
    buf_release(&b);
}

Test(buf, cstr_clear_and_detach)
{
    struct buf b = BUF_INIT;
    unsigned char *p;
    size_t len = 99;
    int rc;

    cr_assert_str_eq(buf_cstr(&b), "", "an empty buffer is the empty string");
    rc = buf_append(&b, "abc\0def", 7);
    cr_assert_eq(rc, SE_OK, "append: %s", se_strerror(rc));
    cr_assert_eq(memcmp(buf_cstr(&b), "abc\0def\0", 8), 0,
                 "cstr keeps embedded bytes and adds one NUL");
    cr_assert_eq(b.len, 7, "cstr must not count its NUL: len %zu", b.len);
    buf_clear(&b);
    cr_assert_eq(b.len, 0, "clear empties");
    cr_assert_not_null(b.data, "clear keeps the memory");
    rc = buf_puts(&b, "kept");
    cr_assert_eq(rc, SE_OK, "puts: %s", se_strerror(rc));
    p = buf_detach(&b, &len);
    cr_assert_eq(len, 4, "detach gives the length, got %zu", len);
    cr_assert_eq(memcmp(p, "kept", 4), 0, "detached bytes");
    cr_assert(b.data == NULL && b.len == 0 && b.cap == 0,
              "detach leaves BUF_INIT");
    free(p);
    /* Detach with no length wanted, from an empty buffer. */
    cr_assert_null(buf_detach(&b, NULL), "nothing to detach");
    buf_release(&b); /* releasing BUF_INIT is fine */
}

Test(buf, reserve_refuses_sizes_that_overflow)
{
    struct buf b = BUF_INIT;
    int rc;

    rc = buf_puts(&b, "abc");
    cr_assert_eq(rc, SE_OK, "puts: %s", se_strerror(rc));
    rc = buf_reserve(&b, SIZE_MAX);
    cr_assert_eq(rc, SE_ENOMEM, "reserve(SIZE_MAX): %s", se_strerror(rc));
    rc = buf_reserve(&b, SIZE_MAX - 3);
    cr_assert_eq(rc, SE_ENOMEM, "reserve(SIZE_MAX-3): %s", se_strerror(rc));
    rc = buf_append(&b, "x", SIZE_MAX);
    cr_assert_eq(rc, SE_ENOMEM, "append(SIZE_MAX): %s", se_strerror(rc));
    cr_assert_eq(b.len, 3, "a refused append leaves the contents");
    cr_assert_str_eq(buf_cstr(&b), "abc");
    buf_release(&b);
}

Test(buf, varints_round_trip_at_every_width)
{
    struct buf b = BUF_INIT;
    uint64_t vals64[200];
    uint32_t vals32[100];
    size_t n64 = 0, n32 = 0, i, total = 0;
    const unsigned char *p, *end;
    uint64_t s = 7;
    unsigned k;
    int rc;

    /* Each power of two, one below it, and the maxima. */
    for (k = 0; k < 32; k++) {
        vals32[n32++] = (uint32_t)1 << k;
        vals32[n32++] = ((uint32_t)1 << k) - 1;
    }
    vals32[n32++] = UINT32_MAX;
    vals32[n32++] = (uint32_t)rnd(&s);
    for (k = 0; k < 64; k++) {
        vals64[n64++] = (uint64_t)1 << k;
        vals64[n64++] = ((uint64_t)1 << k) - 1;
    }
    vals64[n64++] = UINT64_MAX;
    vals64[n64++] = UINT64_MAX - 1;
    vals64[n64++] = rnd(&s);
    for (i = 0; i < n32; i++) {
        size_t before = b.len;
        rc = buf_put_varint(&b, vals32[i]);
        cr_assert_eq(rc, SE_OK, "put %u: %s", vals32[i], se_strerror(rc));
        cr_assert_eq(b.len - before, varint_size(vals32[i]),
                     "%u took %zu bytes, expected %zu", vals32[i],
                     b.len - before, varint_size(vals32[i]));
    }
    for (i = 0; i < n64; i++) {
        size_t before = b.len;
        rc = buf_put_varint64(&b, vals64[i]);
        cr_assert_eq(rc, SE_OK, "put64: %s", se_strerror(rc));
        cr_assert_eq(b.len - before, varint_size(vals64[i]),
                     "%llu took %zu bytes", (unsigned long long)vals64[i],
                     b.len - before);
        total += b.len - before;
    }
    cr_assert_eq(varint_size(UINT32_MAX), 5, "test's own size function");
    cr_assert_eq(varint_size(UINT64_MAX), 10, "test's own size function");
    p = b.data;
    end = b.data + b.len;
    for (i = 0; i < n32; i++) {
        uint32_t v = 0;
        rc = buf_get_varint(&p, end, &v);
        cr_assert_eq(rc, SE_OK, "get #%zu: %s", i, se_strerror(rc));
        cr_assert_eq(v, vals32[i], "got %u, put %u", v, vals32[i]);
    }
    for (i = 0; i < n64; i++) {
        uint64_t v = 0;
        rc = buf_get_varint64(&p, end, &v);
        cr_assert_eq(rc, SE_OK, "get64 #%zu: %s", i, se_strerror(rc));
        cr_assert_eq(v, vals64[i], "got %llu, put %llu", (unsigned long long)v,
                     (unsigned long long)vals64[i]);
    }
    cr_assert_eq(p, end, "decoding consumed %td of %zu bytes", p - b.data,
                 b.len);
    cr_assert_gt(total, 0, "the 64-bit values took some bytes");
    /* A 32-bit varint read as 64 bits gives the same value. */
    buf_clear(&b);
    rc = buf_put_varint(&b, UINT32_MAX);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    {
        uint64_t v = 0;
        p = b.data;
        rc = buf_get_varint64(&p, b.data + b.len, &v);
        cr_assert_eq(rc, SE_OK, "get64: %s", se_strerror(rc));
        cr_assert_eq(v, UINT32_MAX, "got %llu", (unsigned long long)v);
    }
    buf_release(&b);
}

Test(buf, truncated_varints_are_corrupt_and_do_not_advance)
{
    struct buf b = BUF_INIT;
    const unsigned char *p;
    size_t cut;
    int rc;

    rc = buf_put_varint64(&b, UINT64_MAX);
    cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    cr_assert_eq(b.len, 10, "UINT64_MAX takes 10 bytes, got %zu", b.len);
    /* Every proper prefix, including the empty one, is corrupt. */
    for (cut = 0; cut < b.len; cut++) {
        uint64_t v = 12345;
        uint32_t v32 = 12345;
        p = b.data;
        rc = buf_get_varint64(&p, b.data + cut, &v);
        cr_assert_eq(rc, SE_ECORRUPT, "prefix of %zu bytes: %s", cut,
                     se_strerror(rc));
        cr_assert_eq(p, b.data, "a failed decode moved the pointer");
        p = b.data;
        rc = buf_get_varint(&p, b.data + cut, &v32);
        cr_assert_eq(rc, SE_ECORRUPT, "32-bit, prefix of %zu: %s", cut,
                     se_strerror(rc));
        cr_assert_eq(p, b.data, "a failed 32-bit decode moved the pointer");
    }
    buf_release(&b);
}

Test(buf, oversized_varints_are_corrupt)
{
    /* Each row: bytes, length, whether 64 bits accept it, its value. */
    static const struct {
        unsigned char bytes[12];
        size_t len;
        int ok32, ok64;
        uint64_t value;
        const char *what;
    } rows[] = {
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 1, 1, UINT32_MAX, "UINT32_MAX"},
        {{0x80, 0x80, 0x80, 0x80, 0x10}, 5, 0, 1, (uint64_t)1 << 32, "2^32"},
        {{0xff, 0xff, 0xff, 0xff, 0x1f}, 5, 0, 1, 0x1ffffffffULL, "2^33-1"},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
         10,
         0,
         1,
         UINT64_MAX,
         "UINT64_MAX"},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02},
         10,
         0,
         0,
         0,
         "2^64: one bit too many"},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
         10,
         0,
         0,
         0,
         "70 bits"},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
         11,
         0,
         0,
         0,
         "11 bytes"},
        {{0x80, 0x00}, 2, 1, 1, 0, "zero, padded (accepted)"},
        {{0x00}, 1, 1, 1, 0, "zero"},
    };
    size_t i;

    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const unsigned char *p = rows[i].bytes;
        const unsigned char *end = p + rows[i].len;
        uint64_t v = 0;
        uint32_t v32 = 0;
        int rc = buf_get_varint64(&p, end, &v);
        if (rows[i].ok64) {
            cr_assert_eq(rc, SE_OK, "%s: %s", rows[i].what, se_strerror(rc));
            cr_assert_eq(v, rows[i].value, "%s: got %llu", rows[i].what,
                         (unsigned long long)v);
            cr_assert_eq(p, end, "%s: not all bytes consumed", rows[i].what);
        } else {
            cr_assert_eq(rc, SE_ECORRUPT, "%s: %s", rows[i].what,
                         se_strerror(rc));
            cr_assert_eq(p, rows[i].bytes, "%s: pointer moved", rows[i].what);
        }
        p = rows[i].bytes;
        rc = buf_get_varint(&p, end, &v32);
        if (rows[i].ok32) {
            cr_assert_eq(rc, SE_OK, "32: %s: %s", rows[i].what,
                         se_strerror(rc));
            cr_assert_eq(v32, rows[i].value, "32: %s: got %u", rows[i].what,
                         v32);
        } else {
            cr_assert_eq(rc, SE_ECORRUPT, "32: %s: %s", rows[i].what,
                         se_strerror(rc));
            cr_assert_eq(p, rows[i].bytes, "32: %s: pointer moved",
                         rows[i].what);
        }
    }
}

Test(buf, random_varint_streams_round_trip)
{
    struct buf b = BUF_INIT;
    uint64_t *vals = malloc(100000 * sizeof *vals);
    const unsigned char *p, *end;
    uint64_t s = 99;
    size_t i;
    int rc;

    cr_assert_not_null(vals);
    for (i = 0; i < 100000; i++) {
        /* Random width 0..64 bits so every length is common. */
        unsigned bits = (unsigned)(rnd(&s) % 65);
        uint64_t v = rnd(&s);
        vals[i] = bits == 64 ? v : bits == 0 ? 0 : v >> (64 - bits);
        rc = buf_put_varint64(&b, vals[i]);
        cr_assert_eq(rc, SE_OK, "put: %s", se_strerror(rc));
    }
    p = b.data;
    end = b.data + b.len;
    for (i = 0; i < 100000; i++) {
        uint64_t v;
        rc = buf_get_varint64(&p, end, &v);
        cr_assert_eq(rc, SE_OK, "#%zu: %s", i, se_strerror(rc));
        cr_assert_eq(v, vals[i], "#%zu: got %llu, put %llu", i,
                     (unsigned long long)v, (unsigned long long)vals[i]);
    }
    cr_assert_eq(p, end, "trailing bytes after the last varint");
    free(vals);
    buf_release(&b);
}
