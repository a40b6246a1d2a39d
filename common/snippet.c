/*
 * snippet.c - find the query's occurrences in a stored body by tokenizing
 * it again with the index's own pipeline (tokenizer, then stemmer), so a
 * marked word is exactly a word that matched; then pick the window that
 * shows the most of the query (see snippet.h).
 *
 * Each token keeps its folded form and its stem. Each leaf clause of the
 * query gives a bit mask per token (bit k: the token can stand for word k
 * of the clause); occurrences are read off those masks: a word's are its
 * tokens, a phrase's the greedy earliest completion of each start within
 * the slop, a NEAR group's the first tokens after each start that fill
 * every word within the distance. The best window then starts at the
 * first token of some occurrence (sliding a window right, up to its first
 * whole occurrence, loses none), so only those starts are tried.
 */
#include "snippet.h"

#include <stdint.h>
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
    size_t stem; /* offset of its stem in `tstems` */
    size_t stem_len;
    int marked;
};

/* A leaf clause whose occurrences can be in the body. */
struct snip_leaf {
    const struct qry_node *q;
    size_t stem_at; /* the stems of its words start at leaf_stems[stem_at] */
};

/* One occurrence: tokens first..last, its words members[mem, mem+nmem). */
struct snip_span {
    size_t first, last, leaf, mem, nmem;
};

struct snip {
    struct stem *stem;
    struct tok *tok;
    struct snip_leaf *leaves;
    size_t nleaves;
    struct buf wstems;  /* the leaves' words' stems, NUL-terminated */
    size_t *leaf_stems; /* offset in wstems of each word of each leaf */
    size_t nleaf_stems;
    struct buf forms;  /* the text's folded forms */
    struct buf tstems; /* the text's stems */
    struct snip_tok *toks;
    size_t ntoks, cap;
    uint64_t *mask; /* per token, for the leaf at hand */
    struct snip_span *spans;
    size_t nspans, span_cap;
    size_t *members;
    size_t nmembers, member_cap;
    size_t *stamp; /* per leaf: last window that counted it, plus one */
};

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 64;
    void *q;

    if (need <= *cap)
        return SE_OK;
    while (n < need)
        n *= 2;
    q = realloc(*p, n * size);
    if (q == NULL)
        return SE_ENOMEM;
    *p = q;
    *cap = n;
    return SE_OK;
}

/* How word k of leaf q finds its tokens (older trees have no modes). */
static enum qry_wmode
mode_of(const struct qry_node *q, size_t k)
{
    if (q->modes)
        return q->modes[k];
    return q->kind == QRY_TERM ? QRY_W_STEM : QRY_W_FORM;
}

/* Collect the leaves that can match the body: not excluded, not title:. */
static int
collect_leaves(struct snip *s, const struct qry_node *q)
{
    size_t i;
    int rc;

    if (q->occur == QRY_MUST_NOT)
        return SE_OK;
    if (q->kind == QRY_BOOL) {
        for (i = 0; i < q->nkids; i++) {
            rc = collect_leaves(s, q->kids[i]);
            if (rc != SE_OK)
                return rc;
        }
        return SE_OK;
    }
    if (q->field == QRY_TITLE || q->nwords == 0 || q->nwords > 64)
        return SE_OK;
    struct snip_leaf *l = realloc(s->leaves, (s->nleaves + 1) * sizeof *l);
    size_t *at =
        realloc(s->leaf_stems, (s->nleaf_stems + q->nwords) * sizeof *at);
    if (l)
        s->leaves = l;
    if (at)
        s->leaf_stems = at;
    if (l == NULL || at == NULL)
        return SE_ENOMEM;
    l[s->nleaves].q = q;
    l[s->nleaves].stem_at = s->nleaf_stems;
    for (i = 0; i < q->nwords; i++) {
        const char *st = q->words[i];
        size_t n = strlen(st);
        if (mode_of(q, i) == QRY_W_STEM) {
            rc = stem_word(s->stem, q->words[i], n, &st, &n);
            if (rc != SE_OK)
                return rc;
        }
        at[s->nleaf_stems++] = s->wstems.len;
        rc = buf_append(&s->wstems, st, n + 1); /* with its NUL */
        if (rc != SE_OK)
            return rc;
    }
    s->nleaves++;
    return SE_OK;
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
    rc = tok_new(&s->tok);
    if (rc == SE_OK)
        rc = collect_leaves(s, q);
    if (rc == SE_OK && s->nleaves) {
        s->stamp = calloc(s->nleaves, sizeof *s->stamp);
        if (s->stamp == NULL)
            rc = SE_ENOMEM;
    }
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
    free(s->leaves);
    free(s->leaf_stems);
    buf_release(&s->wstems);
    buf_release(&s->forms);
    buf_release(&s->tstems);
    free(s->toks);
    free(s->mask);
    free(s->spans);
    free(s->members);
    free(s->stamp);
    free(s);
}

/* Can token t stand for word k of leaf l? */
static int
word_matches(const struct snip *s, const struct snip_leaf *l, size_t k,
             const struct snip_tok *t)
{
    const char *w =
        (const char *)s->wstems.data + s->leaf_stems[l->stem_at + k];
    size_t n = strlen(w);

    switch (mode_of(l->q, k)) {
    case QRY_W_STEM:
        return t->stem_len == n && memcmp(s->tstems.data + t->stem, w, n) == 0;
    case QRY_W_PREFIX:
        return t->form_len >= n && memcmp(s->forms.data + t->form, w, n) == 0;
    case QRY_W_FORM:
        break;
    }
    return t->form_len == n && memcmp(s->forms.data + t->form, w, n) == 0;
}

static int
add_span(struct snip *s, size_t leaf, const size_t *mem, size_t nmem)
{
    struct snip_span *sp;
    size_t i, first = SIZE_MAX, last = 0;
    int rc =
        grow((void **)&s->spans, &s->span_cap, s->nspans + 1, sizeof *s->spans);

    if (rc == SE_OK)
        rc = grow((void **)&s->members, &s->member_cap, s->nmembers + nmem,
                  sizeof *s->members);
    if (rc != SE_OK)
        return rc;
    for (i = 0; i < nmem; i++) {
        first = mem[i] < first ? mem[i] : first;
        last = mem[i] > last ? mem[i] : last;
    }
    sp = &s->spans[s->nspans++];
    sp->first = first;
    sp->last = last;
    sp->leaf = leaf;
    sp->mem = s->nmembers;
    sp->nmem = nmem;
    memcpy(s->members + s->nmembers, mem, nmem * sizeof *mem);
    s->nmembers += nmem;
    return SE_OK;
}

/* The occurrences of leaf `li` in the text, from the token masks. */
static int
find_occurrences(struct snip *s, size_t li)
{
    const struct qry_node *q = s->leaves[li].q;
    size_t n = q->nwords, i, j, k, mem[64];
    uint64_t all = n == 64 ? UINT64_MAX : ((uint64_t)1 << n) - 1;
    int rc = SE_OK;

    for (i = 0; i < s->ntoks; i++) {
        s->mask[i] = 0;
        for (k = 0; k < n; k++)
            if (word_matches(s, &s->leaves[li], k, &s->toks[i]))
                s->mask[i] |= (uint64_t)1 << k;
    }
    for (i = 0; rc == SE_OK && i < s->ntoks; i++) {
        if (q->kind == QRY_NEAR) {
            /* Fill each word with the first free token that can be it. */
            uint64_t filled = 0;
            size_t nm = 0, end = s->ntoks - 1;
            if (s->mask[i] == 0)
                continue;
            if (q->slop < end - i)
                end = i + q->slop;
            for (j = i; j <= end && filled != all; j++) {
                uint64_t m = s->mask[j] & ~filled;
                if (m == 0)
                    continue;
                filled |= m & -m; /* its lowest free word */
                mem[nm++] = j;
            }
            if (filled == all)
                rc = add_span(s, li, mem, nm);
            continue;
        }
        if (!(s->mask[i] & 1))
            continue;
        /* A phrase (a word is a phrase of one): words in order, the last
         * at most n - 1 + slop after the first. */
        size_t limit = i + (n - 1) + (q->kind == QRY_PHRASE ? q->slop : 0);
        mem[0] = i;
        for (k = 1; k < n; k++) {
            for (j = mem[k - 1] + 1; j < s->ntoks && j <= limit; j++)
                if (s->mask[j] >> k & 1)
                    break;
            if (j >= s->ntoks || j > limit)
                break;
            mem[k] = j;
        }
        if (k == n)
            rc = add_span(s, li, mem, n);
    }
    return rc;
}

static int
span_cmp(const void *a, const void *b)
{
    const struct snip_span *x = a, *y = b;

    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->last != y->last)
        return x->last < y->last ? -1 : 1;
    return 0;
}

/*
 * The first token of the window of `w` tokens to show; marks the tokens
 * of the occurrences wholly inside it (or, when no window holds a whole
 * occurrence, the parts inside it of those that cross it).
 */
static size_t
choose_window(struct snip *s, size_t w)
{
    size_t i, j, best = SIZE_MAX, best_distinct = 0, best_count = 0, start;
    size_t last = 0, end, window = 0;
    int whole;

    for (i = 0; i < s->nspans; i++) {
        size_t b = s->spans[i].first, distinct = 0, count = 0, l = b;
        if (i > 0 && s->spans[i - 1].first == b)
            continue; /* the same window again */
        window++;
        for (j = i; j < s->nspans && s->spans[j].first < b + w; j++) {
            const struct snip_span *sp = &s->spans[j];
            if (sp->last >= b + w)
                continue;
            count++;
            if (s->stamp[sp->leaf] != window) {
                s->stamp[sp->leaf] = window;
                distinct++;
            }
            l = sp->last > l ? sp->last : l;
        }
        if (count > 0 && (distinct > best_distinct ||
                          (distinct == best_distinct && count > best_count))) {
            best = b;
            best_distinct = distinct;
            best_count = count;
            last = l;
        }
    }
    for (i = 0; i < s->nleaves; i++)
        s->stamp[i] = 0;
    whole = best != SIZE_MAX;
    if (!whole && s->nspans == 0) {
        start = 0;
    } else {
        /* Some context before: up to a quarter of the window, from the
         * room the occurrences leave. */
        size_t room = whole ? w - (last - best + 1) : 0;
        size_t lead = room / 2 < w / 4 ? room / 2 : w / 4;
        if (!whole)
            best = s->spans[0].first;
        start = best > lead ? best - lead : 0;
        if (start + w > s->ntoks)
            start = s->ntoks > w ? s->ntoks - w : 0;
    }
    end = start + w < s->ntoks ? start + w : s->ntoks;
    for (i = 0; i < s->nspans; i++) {
        const struct snip_span *sp = &s->spans[i];
        if (whole && (sp->first < start || sp->last >= end))
            continue;
        for (j = 0; j < sp->nmem; j++) {
            size_t t = s->members[sp->mem + j];
            if (t >= start && t < end)
                s->toks[t].marked = 1;
        }
    }
    return start;
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
    size_t i, start, end;
    int rc = SE_OK, space = 0, marks = 0, more = 0;

    s->ntoks = 0;
    s->nspans = 0;
    s->nmembers = 0;
    buf_clear(&s->forms);
    buf_clear(&s->tstems);
    tok_reset(s->tok, text, len, 0);
    while (s->ntoks < SNIP_MAX_TOKENS && (rc = tok_next(s->tok, &t)) == 1) {
        struct snip_tok *st;
        const char *stem;
        size_t slen;
        rc = grow((void **)&s->toks, &s->cap, s->ntoks + 1, sizeof *s->toks);
        if (rc != SE_OK)
            return rc;
        st = &s->toks[s->ntoks++];
        st->start = t.start;
        st->end = t.end;
        st->form = s->forms.len;
        st->form_len = t.len;
        st->marked = 0;
        rc = buf_append(&s->forms, t.text, t.len);
        if (rc == SE_OK)
            rc = stem_word(s->stem, t.text, t.len, &stem, &slen);
        if (rc != SE_OK)
            return rc;
        st->stem = s->tstems.len;
        st->stem_len = slen;
        rc = buf_append(&s->tstems, stem, slen);
        if (rc != SE_OK)
            return rc;
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
    if (s->nleaves) {
        uint64_t *m = realloc(s->mask, s->ntoks * sizeof *m);
        if (m == NULL)
            return SE_ENOMEM;
        s->mask = m;
    }
    for (i = 0; i < s->nleaves; i++) {
        rc = find_occurrences(s, i);
        if (rc != SE_OK)
            return rc;
    }
    if (s->nspans > 1)
        qsort(s->spans, s->nspans, sizeof *s->spans, span_cmp);
    if (words == 0)
        words = 1;
    start = choose_window(s, words);
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
