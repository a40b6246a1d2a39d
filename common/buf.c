/*
 * buf.c - growable byte buffer. Capacity doubles, so n appends cost O(n).
 * Varints are LEB128: 7 bits a byte, low bits first, high bit = more.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int
buf_reserve(struct buf *b, size_t extra)
{
    size_t need, cap;
    unsigned char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return SE_ENOMEM;
    need = b->len + extra + 1; /* +1: room for buf_cstr()'s NUL */
    if (need <= b->cap)
        return SE_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return SE_ENOMEM;
    b->data = p;
    b->cap = cap;
    return SE_OK;
}

int
buf_append(struct buf *b, const void *p, size_t len)
{
    int rc;

    if (len == 0)
        return SE_OK;
    rc = buf_reserve(b, len);
    if (rc != SE_OK)
        return rc;
    memcpy(b->data + b->len, p, len);
    b->len += len;
    return SE_OK;
}

int
buf_putc(struct buf *b, int c)
{
    unsigned char ch = (unsigned char)c;

    return buf_append(b, &ch, 1);
}

int
buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SE_EINVAL;
    rc = buf_reserve(b, (size_t)n);
    if (rc != SE_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return SE_OK;
}

int
buf_put_varint64(struct buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;

    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    return buf_append(b, tmp, n);
}

int
buf_get_varint64(const unsigned char **p, const unsigned char *end,
                 uint64_t *v)
{
    const unsigned char *s = *p;
    uint64_t x = 0;
    unsigned shift = 0;

    while (s < end) {
        unsigned char c = *s++;
        if (shift == 63 && (c & 0x7e))
            return SE_ECORRUPT; /* more than 64 bits */
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            *p = s;
            return SE_OK;
        }
        shift += 7;
        if (shift > 63)
            return SE_ECORRUPT;
    }
    return SE_ECORRUPT;
}

int
buf_get_varint_long(const unsigned char **p, const unsigned char *end,
                    uint32_t *v)
{
    const unsigned char *s = *p;
    uint64_t x;
    int rc;

    rc = buf_get_varint64(&s, end, &x);
    if (rc != SE_OK)
        return rc;
    if (x > UINT32_MAX)
        return SE_ECORRUPT;
    *v = (uint32_t)x;
    *p = s;
    return SE_OK;
}

const char *
buf_cstr(struct buf *b)
{
    if (buf_reserve(b, 0) != SE_OK)
        return "";
    b->data[b->len] = '\0';
    return (const char *)b->data;
}

void
buf_clear(struct buf *b)
{
    b->len = 0;
}

void
buf_release(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

unsigned char *
buf_detach(struct buf *b, size_t *len)
{
    unsigned char *p = b->data;

    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
