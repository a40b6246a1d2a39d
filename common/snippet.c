/*
 * snippet.c - find the query's matches in a stored text by tokenizing it
 * again with the index's own pipeline (tokenizer, then stemmer), so a
 * marked word is exactly a word that matched.
 */
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tokenizer.h"

/* Only the first tokens are examined: a match deeper in a huge text is
 * not worth the time of tokenizing all of it for one line. */
#define SNIP_MAX_TOKENS 200000

struct snip_tok {
    size_t start, end; /* bytes of the raw token in the text */
    size_t form;       /* offset of the folded form in `forms` */
    size_t form_len;
    int marked;
};

struct snip {
    struct stem *stem;
    const struct qry_node *q;
    struct tok *tok;
    struct buf stems; /* the query's stems, each NUL-terminated */
    size_t nstems;
    struct buf forms;
    struct snip_tok *toks;
    size_t ntoks, cap;
};

static int
collect_stems(struct snip *s, const struct qry_node *q)
{
    size_t i;
    int rc;

    if (q->kind == QRY_BOOL) {
        for (i = 0; i < q->nkids; i++) {
            rc = collect_stems(s, q->kids[i]);
            if (rc != SE_OK)
                return rc;
        }
        return SE_OK;
    }
    if (q->kind != QRY_TERM || q->occur == QRY_MUST_NOT || q->nwords != 1)
        return SE_OK;
    const char *st;
    size_t n;
    rc = stem_word(s->stem, q->words[0], strlen(q->words[0]), &st, &n);
    if (rc == SE_OK)
        rc = buf_append(&s->stems, st, n + 1); /* with its NUL */
    if (rc == SE_OK)
        s->nstems++;
    return rc;
}

int
snip_new(struct stem *stem, const struct qry_node *q, struct snip **out)
{
    struct snip *s = calloc(1, sizeof *s);
    int rc;

    *out = NULL;
    if (s == NULL)
        return SE_ENOMEM;
    s->stem = stem;
    s->q = q;
    rc = tok_new(&s->tok);
    if (rc == SE_OK)
        rc = collect_stems(s, q);
    if (rc != SE_OK) {
        snip_free(s);
        return rc;
    }
    *out = s;
    return SE_OK;
}

void
snip_free(struct snip *s)
{
    if (s == NULL)
        return;
    tok_free(s->tok);
    buf_release(&s->stems);
    buf_release(&s->forms);
    free(s->toks);
    free(s);
}

static int
is_query_stem(struct snip *s, const char *st, size_t n)
{
    const char *p = (const char *)s->stems.data;
    size_t i;

    for (i = 0; i < s->nstems; i++) {
        size_t len = strlen(p);
        if (len == n && memcmp(p, st, n) == 0)
            return 1;
        p += len + 1;
    }
    return 0;
}

static int
form_is(const struct snip *s, const struct snip_tok *t, const char *w)
{
    size_t n = strlen(w);

    return t->form_len == n &&
           memcmp(s->forms.data + t->form, w, n) == 0;
}

/* Mark every occurrence of the phrases in the tree. */
static void
mark_phrases(struct snip *s, const struct qry_node *q)
{
    size_t i, k;

    if (q->kind == QRY_BOOL) {
        for (i = 0; i < q->nkids; i++)
            mark_phrases(s, q->kids[i]);
        return;
    }
    if (q->kind != QRY_PHRASE || q->occur == QRY_MUST_NOT)
        return;
    for (i = 0; i + q->nwords <= s->ntoks; i++) {
        for (k = 0; k < q->nwords; k++)
            if (!form_is(s, &s->toks[i + k], q->words[k]))
                break;
        if (k == q->nwords)
            for (k = 0; k < q->nwords; k++)
                s->toks[i + k].marked = 1;
    }
}

/* Length of the valid UTF-8 sequence at p (<= n), 0 when invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
    size_t need, i;
    unsigned c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4;
    else
        return 0;
    if (n < need)
        return 0;
    for (i = 1; i < need; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if (c == 0xe0 && p[1] < 0xa0)
        return 0; /* overlong */
    if (c == 0xed && p[1] >= 0xa0)
        return 0; /* surrogate */
    if (c == 0xf0 && p[1] < 0x90)
        return 0;
    if (c == 0xf4 && p[1] >= 0x90)
        return 0;
    return need;
}

/* Append text[from, to) made safe for one line: see snippet.h. */
static int
append_clean(struct buf *out, const char *text, size_t from, size_t to,
             int *space)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = from;
    int rc = SE_OK;

    while (i < to && rc == SE_OK) {
        size_t n = utf8_len(p + i, to - i);
        if (n == 0) {
            i++;
            continue;
        }
        if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
            if (p[i] == '\n' || p[i] == '\t' || p[i] == '\r')
                *space = 1;
            i++;
            continue;
        }
        if (n == 1 && p[i] == ' ') {
            *space = 1;
            i++;
            continue;
        }
        /*
         * C1 controls (U+0080...U+009F) are control characters as much as
         * C0 ones: U+009B is CSI, which starts an escape sequence on some
         * terminals. NEL (U+0085) and the line and paragraph separators
         * (U+2028, U+2029) break lines, so they count as white space.
         */
        if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
            if (p[i + 1] == 0x85)
                *space = 1;
            i += n;
            continue;
        }
        if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
            (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            *space = 1;
            i += n;
            continue;
        }
        if (*space) {
            rc = buf_putc(out, ' ');
            *space = 0;
        }
        if (rc == SE_OK)
            rc = buf_append(out, p + i, n);
        i += n;
    }
    return rc;
}

int
snip_make(struct snip *s, const char *text, size_t len, size_t words,
          const char *on, const char *off, struct buf *out)
{
    struct tok_token t;
    size_t i, first = SIZE_MAX, start, end;
    int rc = SE_OK, space = 0, marks = 0, more = 0;

    s->ntoks = 0;
    buf_clear(&s->forms);
    tok_reset(s->tok, text, len, 0);
    while (s->ntoks < SNIP_MAX_TOKENS && (rc = tok_next(s->tok, &t)) == 1) {
        struct snip_tok *st;
        const char *stem;
        size_t slen;
        if (s->ntoks == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            struct snip_tok *nt = realloc(s->toks, cap * sizeof *nt);
            if (nt == NULL)
                return SE_ENOMEM;
            s->toks = nt;
            s->cap = cap;
        }
        st = &s->toks[s->ntoks++];
        st->start = t.start;
        st->end = t.end;
        st->form = s->forms.len;
        st->form_len = t.len;
        rc = buf_append(&s->forms, t.text, t.len);
        if (rc == SE_OK)
            rc = stem_word(s->stem, t.text, t.len, &stem, &slen);
        if (rc != SE_OK)
            return rc;
        st->marked = is_query_stem(s, stem, slen);
    }
    if (rc < 0)
        return rc;
    /* Stopped at the limit: is there text after it (for the "…")? */
    if (s->ntoks == SNIP_MAX_TOKENS) {
        rc = tok_next(s->tok, &t);
        if (rc < 0)
            return rc;
        more = rc == 1;
    }
    if (s->ntoks == 0)
        return 0;
    mark_phrases(s, s->q);
    for (i = 0; i < s->ntoks && first == SIZE_MAX; i++)
        if (s->toks[i].marked)
            first = i;
    if (words == 0)
        words = 1;
    /* Some context before the first match: a quarter of the window. */
    start = first == SIZE_MAX || first < words / 4 ? 0 : first - words / 4;
    end = start + words < s->ntoks ? start + words : s->ntoks;
    rc = SE_OK;
    if (start > 0)
        rc = buf_puts(out, "… ");
    for (i = start; i < end && rc == SE_OK; i++) {
        const struct snip_tok *st = &s->toks[i];
        if (i > start) {
            size_t before = out->len;
            rc = append_clean(out, text, s->toks[i - 1].end, st->start, &space);
            /*
             * The tokenizer split here on bytes that were all dropped
             * (control characters, invalid UTF-8): keep the words apart,
             * or "a\x01b" would show as one word "ab".
             */
            if (out->len == before && st->start > s->toks[i - 1].end)
                space = 1;
        }
        if (rc == SE_OK && space) {
            rc = buf_putc(out, ' ');
            space = 0;
        }
        if (rc == SE_OK && st->marked) {
            rc = buf_puts(out, on);
            marks++;
        }
        if (rc == SE_OK)
            rc = append_clean(out, text, st->start, st->end, &space);
        if (rc == SE_OK && st->marked)
            rc = buf_puts(out, off);
    }
    if (rc == SE_OK && (end < s->ntoks || more))
        rc = buf_puts(out, " …");
    return rc == SE_OK ? marks : rc;
}
