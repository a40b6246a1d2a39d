/*
 * sgml.c - TREC and Reuters-21578 SGML documents (the contract is in
 * sgml.h).
 *
 * The idea: these files are not general SGML but a flat run of documents,
 * each a handful of known elements, so no tree is built. The reader finds a
 * whole document with sgml_scan() (one memchr() for each '<'), and
 * sgml_parse() walks that document's tags once, taking the content of each
 * element it knows up to the first matching end tag (these elements do
 * not nest in themselves), then decodes the content into a field: entity
 * references, tags dropped, white space trimmed.
 *
 * Relies on nothing but the C library and buf.h.
 */
#include "sgml.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

/* Declarations longer than this between documents are not looked through
 * in search of a start tag: the input is not one of these collections. */
#define SGML_DECL_MAX ((size_t)64 << 10)

/* ---------------------------------------------------------------------- */
/* Bytes and names.                                                        */

static int
is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static int
to_upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int
is_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == ':';
}

/*
 * Is there a tag `name` (upper case) at p, "<NAME" or, with `closing`,
 * "</NAME", followed by '>' or white space? 1 yes, 0 no, -1 if the bytes
 * end before it can tell.
 */
static int
tag_at(const char *p, const char *e, const char *name, int closing)
{
    size_t n = strlen(name), i;

    if (e - p < 1 || *p != '<')
        return 0;
    p++;
    if (closing) {
        if (p == e)
            return -1;
        if (*p++ != '/')
            return 0;
    }
    for (i = 0; i < n; i++, p++) {
        if (p == e)
            return -1;
        if (to_upper((unsigned char)*p) != name[i])
            return 0;
    }
    if (p == e)
        return -1;
    return *p == '>' || is_ws((unsigned char)*p);
}

static const char *
doc_tag(enum sgml_kind kind)
{
    return kind == SGML_REUTERS ? "REUTERS" : "DOC";
}

/* ---------------------------------------------------------------------- */
/* Finding documents.                                                      */

enum sgml_scan
sgml_between(enum sgml_kind kind, const char *s, size_t len, int eof,
             size_t *at, enum sgml_kind *found)
{
    const char *p = s, *e = s + len, *gt;
    int t;

    *found = kind;
    for (;;) {
        while (p < e && is_ws((unsigned char)*p))
            p++;
        *at = (size_t)(p - s);
        if (p == e)
            return eof ? SGML_EOF : SGML_MORE;
        if (*p != '<')
            return SGML_OTHER;
        if (e - p < 2)
            return eof ? SGML_OTHER : SGML_MORE;
        if (p[1] == '!' || p[1] == '?') {
            gt = memchr(p, '>', (size_t)(e - p));
            if (gt == NULL) {
                if (eof || (size_t)(e - p) > SGML_DECL_MAX)
                    return SGML_OTHER;
                return SGML_MORE;
            }
            p = gt + 1;
            continue;
        }
        if (kind != SGML_REUTERS) {
            t = tag_at(p, e, "DOC", 0);
            if (t == 1) {
                *found = SGML_TREC;
                return SGML_START;
            }
            if (t < 0 && !eof)
                return SGML_MORE;
        }
        if (kind != SGML_TREC) {
            t = tag_at(p, e, "REUTERS", 0);
            if (t == 1) {
                *found = SGML_REUTERS;
                return SGML_START;
            }
            if (t < 0 && !eof)
                return SGML_MORE;
        }
        return SGML_OTHER;
    }
}

enum sgml_scan
sgml_scan(enum sgml_kind kind, const char *s, size_t len, size_t from,
          size_t *at)
{
    const char *name = doc_tag(kind), *p = s + from, *e = s + len, *q;
    int t;

    while ((p = memchr(p, '<', (size_t)(e - p))) != NULL) {
        t = tag_at(p, e, name, 1);
        if (t == 1) {
            q = memchr(p, '>', (size_t)(e - p));
            if (q == NULL)
                break; /* "</DOC " cut short: look again */
            *at = (size_t)(q + 1 - s);
            return SGML_END;
        }
        if (t == 0)
            t = tag_at(p, e, name, 0);
        if (t == 1) {
            *at = (size_t)(p - s);
            return SGML_START;
        }
        if (t < 0)
            break;
        p++;
    }
    *at = p ? (size_t)(p - s) : len;
    return SGML_MORE;
}

/* ---------------------------------------------------------------------- */
/* Decoding text.                                                          */

static int
put_utf8(struct buf *b, uint32_t c)
{
    unsigned char u[4];
    size_t n;

    if (c < 0x80) {
        u[0] = (unsigned char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (unsigned char)(0xC0 | c >> 6);
        u[1] = (unsigned char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (unsigned char)(0xE0 | c >> 12);
        u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | c >> 18);
        u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        u[3] = (unsigned char)(0x80 | (c & 0x3F));
        n = 4;
    }
    return buf_append(b, u, n);
}

/* Length of the valid UTF-8 sequence at p (p < e, *p >= 0x80), or 0. */
static size_t
utf8_valid(const unsigned char *p, const unsigned char *e)
{
    size_t n, i;
    uint32_t c;

    if (*p >= 0xC2 && *p <= 0xDF) {
        n = 2;
        c = *p & 0x1F;
    } else if (*p >= 0xE0 && *p <= 0xEF) {
        n = 3;
        c = *p & 0x0F;
    } else if (*p >= 0xF0 && *p <= 0xF4) {
        n = 4;
        c = *p & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(e - p) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
        (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
        return 0; /* overlong, surrogate or out of range */
    return n;
}

static const struct {
    const char *name;
    uint32_t c;
} entities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},     {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},    {"hyph", '-'},   {"blank", ' '},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"sect", 0xA7},  {"para", 0xB6},
    {"deg", 0xB0},     {"cent", 0xA2},    {"pound", 0xA3}, {"yen", 0xA5},
    {"times", 0xD7},
};

/*
 * The entity reference at p ('&'): its length with *c its character, or 0
 * if it is not one this module decodes. *c = UINT32_MAX for a reference to
 * a control character (dropped).
 */
static size_t
entity_at(const char *p, const char *e, uint32_t *c)
{
    const char *q = p + 1;
    uint64_t v = 0;
    size_t i, n;
    int hex, digits = 0;

    if (q < e && *q == '#') {
        q++;
        hex = q < e && (*q == 'x' || *q == 'X');
        q += hex;
        for (; q < e && digits < 8; q++, digits++) {
            unsigned char d = (unsigned char)*q;
            if (d >= '0' && d <= '9')
                v = v * (hex ? 16 : 10) + (d - '0');
            else if (hex && (d | 0x20) >= 'a' && (d | 0x20) <= 'f')
                v = v * 16 + ((d | 0x20) - 'a' + 10);
            else
                break;
        }
        if (digits == 0 || q == e || *q != ';')
            return 0;
        if ((v < 0x20 && v != '\t' && v != '\n' && v != '\r') ||
            (v >= 0x7F && v <= 0x9F))
            *c = UINT32_MAX;
        else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            *c = 0xFFFD;
        else
            *c = (uint32_t)v;
        return (size_t)(q + 1 - p);
    }
    for (i = 0; i < sizeof entities / sizeof entities[0]; i++) {
        n = strlen(entities[i].name);
        if ((size_t)(e - q) > n && memcmp(q, entities[i].name, n) == 0 &&
            q[n] == ';') {
            *c = entities[i].c;
            return n + 2;
        }
    }
    return 0;
}

/* The end of the tag starting at p ('<'): its '>', or NULL if p does not
 * start a tag (a '<' in text, or one never closed). */
static const char *
tag_end(const char *p, const char *e)
{
    if (e - p < 2 || !(p[1] == '/' || p[1] == '!' || p[1] == '?' ||
                       ((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z')))
        return NULL;
    return memchr(p, '>', (size_t)(e - p));
}

/*
 * Append the text [p, e) to b: entities decoded, tags dropped when
 * `strip_tags` (a tag after a byte that is not white space becomes a
 * space), invalid UTF-8 read as Latin-1.
 */
static int
decode(struct buf *b, const char *p, const char *e, int strip_tags)
{
    const char *run, *gt;
    uint32_t c;
    size_t n;
    int rc = SE_OK;

    while (p < e && rc == SE_OK) {
        for (run = p; p < e && (unsigned char)*p < 0x80 && *p != '&' &&
                      !(*p == '<' && strip_tags);
             p++)
            ;
        if (p > run)
            rc = buf_append(b, run, (size_t)(p - run));
        if (p == e || rc != SE_OK)
            break;
        if (*p == '&') {
            n = entity_at(p, e, &c);
            if (n == 0) { /* not a reference: a plain '&' */
                n = 1;
                c = '&';
            }
            if (c != UINT32_MAX)
                rc = put_utf8(b, c);
            p += n;
        } else if (*p == '<') {
            gt = tag_end(p, e);
            if (gt == NULL) {
                rc = buf_putc(b, '<');
                p++;
                continue;
            }
            if (b->len > 0 && !is_ws(b->data[b->len - 1]))
                rc = buf_putc(b, ' ');
            p = gt + 1;
        } else {
            n = utf8_valid((const unsigned char *)p, (const unsigned char *)e);
            if (n > 0) {
                rc = buf_append(b, p, n);
                p += n;
            } else { /* Latin-1 */
                rc = put_utf8(b, (unsigned char)*p);
                p++;
            }
        }
    }
    return rc;
}

/* Trim white space at both ends of b[from, len); with `collapse`, make
 * each inner run of white space one space. */
static void
tidy(struct buf *b, size_t from, int collapse)
{
    size_t i = from, j = from, end = b->len;

    while (i < end && is_ws(b->data[i]))
        i++;
    while (end > i && is_ws(b->data[end - 1]))
        end--;
    for (; i < end; i++) {
        if (collapse && is_ws(b->data[i])) {
            if (is_ws(b->data[i - 1]))
                continue;
            b->data[j++] = ' ';
        } else {
            b->data[j++] = b->data[i];
        }
    }
    b->len = j;
}

/* Append the decoded field [p, e) to b, after `sep` if b is not empty. */
static int
add_field(struct buf *b, const char *p, const char *e, const char *sep,
          int collapse)
{
    size_t from = b->len;
    int rc;

    rc = decode(b, p, e, 1);
    if (rc != SE_OK)
        return rc;
    tidy(b, from, collapse);
    if (b->len > from && from > 0) { /* put the separator in */
        size_t n = strlen(sep), k = b->len - from;
        rc = buf_reserve(b, n);
        if (rc != SE_OK)
            return rc;
        memmove(b->data + from + n, b->data + from, k);
        memcpy(b->data + from, sep, n);
        b->len += n;
    }
    return SE_OK;
}

/* ---------------------------------------------------------------------- */
/* Elements.                                                               */

/* The first end tag "</NAME>" in [p, e): its '<', with *after past its
 * '>'; NULL if there is none. */
static const char *
find_close(const char *p, const char *e, const char *name, const char **after)
{
    const char *gt;

    while ((p = memchr(p, '<', (size_t)(e - p))) != NULL) {
        if (tag_at(p, e, name, 1) == 1 &&
            (gt = memchr(p, '>', (size_t)(e - p))) != NULL) {
            *after = gt + 1;
            return p;
        }
        p++;
    }
    return NULL;
}

/* The name of the tag at p ('<', not "</"), upper-cased into name[cap]. */
static void
tag_name(const char *p, const char *e, char *name, size_t cap)
{
    size_t n = 0;

    for (p++; p < e && n + 1 < cap && is_name_char((unsigned char)*p); p++)
        name[n++] = (char)to_upper((unsigned char)*p);
    name[n] = '\0';
    if (p < e && is_name_char((unsigned char)*p))
        name[0] = '\0'; /* longer than any name looked for */
}

/*
 * The first element `name` in [p, e), not looking inside others: content
 * in [*c0, *c1). 1 if found, 0 if not, SE_EINVAL if it is not closed.
 */
static int
find_elem(const char *p, const char *e, const char *name, const char **c0,
          const char **c1)
{
    const char *gt, *after;

    while ((p = memchr(p, '<', (size_t)(e - p))) != NULL) {
        if (tag_at(p, e, name, 0) == 1) {
            gt = memchr(p, '>', (size_t)(e - p));
            if (gt == NULL)
                return SE_EINVAL;
            *c1 = find_close(gt + 1, e, name, &after);
            if (*c1 == NULL)
                return SE_EINVAL;
            *c0 = gt + 1;
            return 1;
        }
        p++;
    }
    return 0;
}

/* The value of attribute `name` (upper case) in the start tag [p, gt). */
static int
attribute(const char *p, const char *gt, const char *name, const char **v,
          size_t *vlen)
{
    size_t n = strlen(name), i;
    const char *q;
    char quote;

    for (; p < gt; p++) {
        if (!is_ws((unsigned char)p[-1]) || (size_t)(gt - p) <= n)
            continue;
        for (i = 0; i < n && to_upper((unsigned char)p[i]) == name[i]; i++)
            ;
        if (i < n || p[n] != '=')
            continue;
        q = p + n + 1;
        quote = q < gt && (*q == '"' || *q == '\'') ? *q++ : 0;
        *v = q;
        while (q < gt && (quote ? *q != quote : !is_ws((unsigned char)*q)))
            q++;
        *vlen = (size_t)(q - *v);
        return 1;
    }
    return 0;
}

static int
fail(char *why, size_t whylen, const char *fmt, const char *name)
{
    snprintf(why, whylen, fmt, name, name);
    return SE_EINVAL;
}

/* ---------------------------------------------------------------------- */
/* The two forms.                                                          */

enum field { F_NONE, F_ID, F_TITLE, F_DATE, F_DATELINE, F_TEXT };

static enum field
trec_field(const char *name)
{
    static const struct {
        const char *name;
        enum field f;
    } known[] = {
        {"DOCNO", F_ID},          {"HEADLINE", F_TITLE}, {"HL", F_TITLE},
        {"HEAD", F_TITLE},        {"TITLE", F_TITLE},    {"DATE", F_DATE},
        {"DATELINE", F_DATELINE}, {"TEXT", F_TEXT},
    };
    size_t i;

    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0)
            return known[i].f;
    return F_NONE;
}

static int
trec_doc(const char *s, const char *e, struct sgml_doc *d, char *why,
         size_t whylen)
{
    const char *p = s + 1, *gt, *c1, *after;
    char name[16];
    enum field f;
    int rc = SE_OK;

    buf_clear(&d->tmp); /* the DATELINE, for want of a DATE */
    while (rc == SE_OK && (p = memchr(p, '<', (size_t)(e - p))) != NULL) {
        tag_name(p, e, name, sizeof name);
        f = trec_field(name);
        if (f == F_NONE) {
            p++;
            continue;
        }
        gt = memchr(p, '>', (size_t)(e - p));
        if (gt == NULL || (c1 = find_close(gt + 1, e, name, &after)) == NULL)
            return fail(why, whylen, "<%s> without </%s>", name);
        if (f == F_ID && d->id.len == 0)
            rc = add_field(&d->id, gt + 1, c1, "", 1);
        else if (f == F_TITLE)
            rc = add_field(&d->title, gt + 1, c1, " ", 1);
        else if (f == F_DATE && d->date.len == 0)
            rc = add_field(&d->date, gt + 1, c1, "", 1);
        else if (f == F_DATELINE && d->tmp.len == 0)
            rc = add_field(&d->tmp, gt + 1, c1, "", 1);
        else if (f == F_TEXT)
            rc = add_field(&d->body, gt + 1, c1, "\n", 0);
        p = after;
    }
    if (rc != SE_OK)
        return rc;
    if (d->id.len == 0)
        return fail(why, whylen, "<DOC> without <DOCNO>%s", "");
    if (d->date.len == 0)
        return buf_append(&d->date, d->tmp.data, d->tmp.len);
    return SE_OK;
}

static int
reuters_doc(const char *s, const char *e, struct sgml_doc *d, char *why,
            size_t whylen)
{
    const char *gt = memchr(s, '>', (size_t)(e - s)), *v, *t0, *t1, *c0, *c1;
    size_t vlen;
    int rc, title, body;

    if (gt == NULL || !attribute(s + 1, gt, "NEWID", &v, &vlen) || vlen == 0)
        return fail(why, whylen, "<REUTERS> without NEWID%s", "");
    rc = add_field(&d->id, v, v + vlen, "", 1);
    if (rc != SE_OK)
        return rc;
    if (d->id.len == 0) /* only references to control characters, dropped */
        return fail(why, whylen, "<REUTERS> with an empty NEWID%s", "");
    rc = find_elem(gt + 1, e, "DATE", &c0, &c1);
    if (rc < 0)
        return fail(why, whylen, "<%s> without </%s>", "DATE");
    if (rc == 1 && (rc = add_field(&d->date, c0, c1, "", 0)) != SE_OK)
        return rc;
    rc = find_elem(gt + 1, e, "TEXT", &t0, &t1);
    if (rc < 0)
        return fail(why, whylen, "<%s> without </%s>", "TEXT");
    if (rc == 0)
        return SE_OK; /* no text: id and date only */
    title = find_elem(t0, t1, "TITLE", &c0, &c1);
    if (title < 0)
        return fail(why, whylen, "<%s> without </%s>", "TITLE");
    if (title == 1 && (rc = add_field(&d->title, c0, c1, "", 0)) != SE_OK)
        return rc;
    body = find_elem(t0, t1, "BODY", &c0, &c1);
    if (body < 0)
        return fail(why, whylen, "<%s> without </%s>", "BODY");
    if (body == 1)
        return add_field(&d->body, c0, c1, "", 0);
    if (title == 0) /* unprocessed: the text is all there is */
        return add_field(&d->body, t0, t1, "", 0);
    return SE_OK; /* a brief: the title is the story */
}

int
sgml_parse(enum sgml_kind kind, const char *s, size_t len, struct sgml_doc *d,
           char *why, size_t whylen)
{
    const char *e = s + len;
    int rc;

    buf_clear(&d->id);
    buf_clear(&d->title);
    buf_clear(&d->date);
    buf_clear(&d->body);
    why[0] = '\0';
    /* the fields end where the document's end tag begins */
    while (e > s && *--e != '<')
        ;
    if (kind == SGML_REUTERS)
        rc = reuters_doc(s, e, d, why, whylen);
    else
        rc = trec_doc(s, e, d, why, whylen);
    if (rc == SE_OK &&
        (buf_cstr(&d->id) == NULL || buf_cstr(&d->title) == NULL ||
         buf_cstr(&d->date) == NULL || buf_cstr(&d->body) == NULL))
        rc = SE_ENOMEM;
    return rc;
}

void
sgml_doc_release(struct sgml_doc *d)
{
    buf_release(&d->id);
    buf_release(&d->title);
    buf_release(&d->date);
    buf_release(&d->body);
    buf_release(&d->tmp);
}
