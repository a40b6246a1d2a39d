/*
 * query.c - a hand-written recursive-descent parser, one function per
 * precedence level (OR, AND, NOT and +/-, NEAR, then primaries: words,
 * phrases, fields, prefixes, parentheses). Each level returns a "group": a
 * QRY_BOOL shell whose kids carry the marks written on them (+ MUST, - or
 * NOT MUST_NOT, none SHOULD), and the level above decides what an unmarked
 * kid means (MUST under AND, SHOULD under OR), so "+x" and "-x" keep their
 * old meaning anywhere. Nested groups of the same kind are flattened and a
 * root with one group is unwrapped, so "a AND b" gives the flat tree the
 * matcher's fast paths know. Depth, leaves and prefixes are counted, so no
 * query can exhaust the stack or memory; every error names its column and
 * a hint.
 */
#include "query.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define NO_OFF SIZE_MAX /* no byte offset: column 0 */

enum op { OP_NONE, OP_AND, OP_OR, OP_NOT, OP_NEAR };

struct parser {
    const char *text;
    size_t len, i;
    int flags;
    struct tok *tok;
    struct qry_error *err;
    size_t depth, leaves, prefixes;
    size_t lead; /* offset of a + or - before the next primary, or NO_OFF */
};

/* 1-based column in characters of byte offset `off` (UTF-8 lead bytes). */
static size_t
column_of(const char *text, size_t off)
{
    size_t col = 1, i;

    for (i = 0; i < off; i++)
        if (((unsigned char)text[i] & 0xc0) != 0x80)
            col++;
    return col;
}

static int
fail(struct parser *p, size_t off, int rc, const char *hint, const char *fmt,
     ...)
{
    va_list ap;

    p->err->column = off == NO_OFF ? 0 : column_of(p->text, off);
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
    va_end(ap);
    snprintf(p->err->hint, sizeof p->err->hint, "%s", hint ? hint : "");
    return rc;
}

void
qry_free(struct qry_node *q)
{
    size_t i;

    if (q == NULL)
        return;
    for (i = 0; i < q->nwords; i++)
        free(q->words[i]);
    free(q->words);
    free(q->modes);
    free(q->label);
    for (i = 0; i < q->nkids; i++)
        qry_free(q->kids[i]);
    free(q->kids);
    free(q);
}

/* A bare ranked word on the stop list. */
static int
droppable(const struct qry_node *k, const struct stop_list *sl)
{
    return k->kind == QRY_TERM && k->occur == QRY_SHOULD &&
           k->field == QRY_ANY && k->nwords == 1 && k->modes[0] == QRY_W_STEM &&
           stop_contains(sl, k->words[0], strlen(k->words[0]));
}

int
qry_drop_stopwords(struct qry_node *q, const struct stop_list *sl,
                   struct buf *dropped)
{
    size_t i, kept = 0;
    int keeps_one = 0, rc;

    if (q == NULL || q->kind != QRY_BOOL || sl == NULL)
        return SE_OK;
    for (i = 0; i < q->nkids; i++) {
        rc = qry_drop_stopwords(q->kids[i], sl, dropped);
        if (rc != SE_OK)
            return rc;
        if (q->kids[i]->occur != QRY_MUST_NOT && !droppable(q->kids[i], sl))
            keeps_one = 1;
    }
    if (!keeps_one)
        return SE_OK;
    for (i = 0; dropped && i < q->nkids; i++)
        if (droppable(q->kids[i], sl)) {
            rc = buf_append(dropped, q->kids[i]->words[0],
                            strlen(q->kids[i]->words[0]) + 1);
            if (rc != SE_OK)
                return rc;
        }
    for (i = 0; i < q->nkids; i++) {
        if (droppable(q->kids[i], sl))
            qry_free(q->kids[i]);
        else
            q->kids[kept++] = q->kids[i];
    }
    q->nkids = kept;
    return SE_OK;
}

static int
add_kid(struct qry_node *parent, struct qry_node *kid)
{
    struct qry_node **k =
        realloc(parent->kids, (parent->nkids + 1) * sizeof *k);

    if (k == NULL)
        return SE_ENOMEM;
    parent->kids = k;
    parent->kids[parent->nkids++] = kid;
    return SE_OK;
}

/* Add `kid` to `parent`, or free it when that fails. */
static int
adopt(struct qry_node *parent, struct qry_node *kid)
{
    int rc = add_kid(parent, kid);

    if (rc != SE_OK)
        qry_free(kid);
    return rc;
}

static int
add_word(struct qry_node *n, const char *w, size_t len, enum qry_wmode mode)
{
    char **words = realloc(n->words, (n->nwords + 1) * sizeof *words);
    enum qry_wmode *modes;
    char *copy;

    if (words == NULL)
        return SE_ENOMEM;
    n->words = words;
    modes = realloc(n->modes, (n->nwords + 1) * sizeof *modes);
    if (modes == NULL)
        return SE_ENOMEM;
    n->modes = modes;
    copy = malloc(len + 1);
    if (copy == NULL)
        return SE_ENOMEM;
    memcpy(copy, w, len);
    copy[len] = '\0';
    n->modes[n->nwords] = mode;
    n->words[n->nwords++] = copy;
    return SE_OK;
}

/* The label: `pre` (may be "") then s[0, n). */
static int
set_label(struct qry_node *n, const char *pre, const char *s, size_t len)
{
    size_t plen = strlen(pre);

    free(n->label);
    n->label = malloc(plen + len + 1);
    if (n->label == NULL)
        return SE_ENOMEM;
    memcpy(n->label, pre, plen);
    memcpy(n->label + plen, s, len);
    n->label[plen + len] = '\0';
    return SE_OK;
}

static struct qry_node *
new_node(enum qry_kind kind, enum qry_occur occur, size_t column)
{
    struct qry_node *n = calloc(1, sizeof *n);

    if (n) {
        n->kind = kind;
        n->occur = occur;
        n->column = column;
    }
    return n;
}

static int
new_group(struct parser *p, size_t off, struct qry_node **out)
{
    *out = new_node(QRY_BOOL, QRY_SHOULD, column_of(p->text, off));
    return *out ? SE_OK : SE_ENOMEM;
}

/* Move every kid of group `src` to `dst` and free `src`. */
static int
splice(struct qry_node *dst, struct qry_node *src)
{
    size_t i;
    int rc = SE_OK;

    for (i = 0; i < src->nkids && rc == SE_OK; i++) {
        rc = add_kid(dst, src->kids[i]);
        if (rc == SE_OK)
            src->kids[i] = NULL;
    }
    qry_free(src);
    return rc;
}

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static void
skip_space(struct parser *p)
{
    while (p->i < p->len && is_space((unsigned char)p->text[p->i]))
        p->i++;
}

/* Where a bare chunk starting at `from` ends: space, quote, parenthesis. */
static size_t
chunk_end(const struct parser *p, size_t from)
{
    size_t k = from;

    while (k < p->len && !is_space((unsigned char)p->text[k]) &&
           p->text[k] != '"' && p->text[k] != '(' && p->text[k] != ')')
        k++;
    return k;
}

/* Digits at `from` as a number (saturating); *end past them. */
static int
read_number(const struct parser *p, size_t from, size_t *end, unsigned *val)
{
    unsigned long v = 0;
    size_t k = from;

    while (k < p->len && p->text[k] >= '0' && p->text[k] <= '9') {
        v = v * 10 + (unsigned long)(p->text[k] - '0');
        if (v > QRY_MAX_SLOP)
            v = QRY_MAX_SLOP + 1;
        k++;
    }
    *end = k;
    *val = (unsigned)v;
    return k > from;
}

/* The operator at p->i, if the chunk there is one; *end past it. */
static int
peek_op(struct parser *p, enum op *op, size_t *end, unsigned *dist)
{
    size_t k = chunk_end(p, p->i), n = k - p->i;
    const char *s = p->text + p->i;

    *op = OP_NONE;
    *end = k;
    *dist = QRY_NEAR_DEFAULT;
    if (n == 3 && memcmp(s, "AND", 3) == 0)
        *op = OP_AND;
    else if (n == 2 && memcmp(s, "OR", 2) == 0)
        *op = OP_OR;
    else if (n == 3 && memcmp(s, "NOT", 3) == 0)
        *op = OP_NOT;
    else if (n == 4 && memcmp(s, "NEAR", 4) == 0)
        *op = OP_NEAR;
    else if (n > 4 && memcmp(s, "NEAR/", 5) == 0) {
        size_t e;
        if (!read_number(p, p->i + 5, &e, dist) || e != k || *dist == 0)
            return fail(p, p->i, SE_EINVAL,
                        "write the most words apart, as in cotton NEAR/5 "
                        "xinjiang",
                        "NEAR/ needs a number of words from 1 to %d",
                        QRY_MAX_SLOP);
        if (*dist > QRY_MAX_SLOP)
            return fail(p, p->i, SE_ELIMIT, "use a smaller distance",
                        "NEAR distance too large (the limit is %d)",
                        QRY_MAX_SLOP);
        *op = OP_NEAR;
    }
    return SE_OK;
}

static const char *
op_name(enum op op)
{
    return op == OP_AND   ? "AND"
           : op == OP_OR  ? "OR"
           : op == OP_NOT ? "NOT"
                          : "NEAR";
}

static int
count_leaf(struct parser *p, size_t off)
{
    if (p->leaves >= QRY_MAX_CLAUSES)
        return fail(p, off, SE_ELIMIT, "search for fewer words at once",
                    "too many words (the limit is %d)", QRY_MAX_CLAUSES);
    p->leaves++;
    return SE_OK;
}

static const char *
field_prefix(enum qry_field f)
{
    return f == QRY_TITLE ? "title:" : f == QRY_BODY ? "body:" : "";
}

/* ---------------------------------------------------------------- leaves */

/*
 * One TERM per token of [off, off+n) (a bare word), into group g; at the
 * token's column, or at `col` for a field's words (title:China-Russia).
 */
static int
parse_word(struct parser *p, size_t off, size_t n, enum qry_occur occur,
           enum qry_field field, size_t col, struct qry_node *g)
{
    struct tok_token t;
    int rc;

    tok_reset(p->tok, p->text + off, n, 0);
    while ((rc = tok_next(p->tok, &t)) == 1) {
        struct qry_node *kid;
        size_t at = col != NO_OFF ? col : off + t.start;
        rc = count_leaf(p, at);
        if (rc != SE_OK)
            return rc;
        kid = new_node(QRY_TERM, occur, column_of(p->text, at));
        if (kid == NULL)
            return SE_ENOMEM;
        kid->field = field;
        rc = add_word(kid, t.text, t.len, QRY_W_STEM);
        if (rc == SE_OK)
            rc = set_label(kid, field_prefix(field), p->text + off + t.start,
                           t.end - t.start);
        if (rc == SE_OK)
            rc = adopt(g, kid);
        else
            qry_free(kid);
        if (rc != SE_OK)
            return rc;
    }
    return rc;
}

/*
 * A leaf of the words of [off, off+n) in `mode` (a phrase, =word). `col`
 * is where errors point; the label runs from `lab` to `end`.
 */
static int
parse_words_leaf(struct parser *p, size_t col, size_t off, size_t n,
                 enum qry_wmode mode, enum qry_field field, size_t lab,
                 size_t end, const char *what, struct qry_node **out)
{
    struct tok_token t;
    struct qry_node *kid;
    int rc;

    *out = NULL;
    rc = count_leaf(p, col);
    if (rc != SE_OK)
        return rc;
    kid = new_node(QRY_PHRASE, QRY_SHOULD, column_of(p->text, col));
    if (kid == NULL)
        return SE_ENOMEM;
    kid->field = field;
    tok_reset(p->tok, p->text + off, n, 0);
    while ((rc = tok_next(p->tok, &t)) == 1) {
        if (kid->nwords >= QRY_MAX_PHRASE) {
            qry_free(kid);
            return fail(p, col, SE_ELIMIT, "split it into shorter phrases",
                        "phrase too long (the limit is %d words)",
                        QRY_MAX_PHRASE);
        }
        rc = add_word(kid, t.text, t.len, mode);
        if (rc != SE_OK)
            break;
    }
    if (rc == SE_OK && kid->nwords == 0) {
        qry_free(kid);
        return fail(p, col, SE_EINVAL, "put letters or digits in it",
                    "%s has no words to search", what);
    }
    if (rc == SE_OK)
        rc = set_label(kid, "", p->text + lab, end - lab);
    if (rc != SE_OK) {
        qry_free(kid);
        return rc;
    }
    *out = kid;
    return SE_OK;
}

/* A phrase whose opening quote is at `quote`; ~N may follow. */
static int
parse_quoted(struct parser *p, size_t col, size_t lab, size_t quote,
             enum qry_wmode mode, enum qry_field field, struct qry_node *g)
{
    struct qry_node *kid;
    size_t k, end;
    unsigned slop = 0;
    int rc;

    for (k = quote + 1; k < p->len && p->text[k] != '"'; k++)
        ;
    if (k == p->len)
        return fail(p, quote, SE_EINVAL, "close the phrase with another \"",
                    "unbalanced quote");
    end = k + 1;
    if (end < p->len && p->text[end] == '~') {
        if (!read_number(p, end + 1, &end, &slop))
            return fail(p, k + 1, SE_EINVAL,
                        "write the extra positions allowed, as in \"cotton "
                        "harvest\"~2",
                        "~ after a phrase needs a number");
        if (slop > QRY_MAX_SLOP)
            return fail(p, k + 1, SE_ELIMIT, "use a smaller number",
                        "phrase slop too large (the limit is %d)",
                        QRY_MAX_SLOP);
    }
    rc = parse_words_leaf(p, col, quote + 1, k - quote - 1, mode, field, lab,
                          end, "phrase", &kid);
    if (rc != SE_OK)
        return rc;
    kid->slop = slop;
    p->i = end;
    return adopt(g, kid);
}

/* khorg*: [off, star) must be one token. */
static int
parse_prefix(struct parser *p, size_t col, size_t lab, size_t off, size_t star,
             enum qry_field field, struct qry_node *g)
{
    struct tok_token t;
    struct qry_node *kid;
    int rc;

    tok_reset(p->tok, p->text + off, star - off, 0);
    rc = tok_next(p->tok, &t);
    if (rc < 0)
        return rc;
    if (rc == 0 || t.end != star - off || tok_next(p->tok, &t) != 0) {
        return fail(p, off, SE_EINVAL,
                    "put * right after the letters or digits of one word, "
                    "as in khorg*",
                    "a prefix* must be one word");
    }
    tok_reset(p->tok, p->text + off, star - off, 0);
    if (tok_next(p->tok, &t) != 1)
        return SE_EINVAL;
    if (p->prefixes >= QRY_MAX_PREFIXES)
        return fail(p, col, SE_ELIMIT, "use fewer prefix* words",
                    "too many prefix* words (the limit is %d)",
                    QRY_MAX_PREFIXES);
    p->prefixes++;
    rc = count_leaf(p, col);
    if (rc != SE_OK)
        return rc;
    kid = new_node(QRY_TERM, QRY_SHOULD, column_of(p->text, col));
    if (kid == NULL)
        return SE_ENOMEM;
    kid->field = field;
    rc = add_word(kid, t.text, t.len, QRY_W_PREFIX);
    if (rc == SE_OK)
        rc = set_label(kid, "", p->text + lab, star + 1 - lab);
    if (rc != SE_OK) {
        qry_free(kid);
        return rc;
    }
    p->i = star + 1;
    return adopt(g, kid);
}

/* ---------------------------------------------------------------- levels */

static int parse_or(struct parser *p, struct qry_node **out);

/* The word, phrase, =word or prefix* at p->i, in `field`. */
static int
parse_atom(struct parser *p, size_t col, size_t lab, enum qry_field field,
           struct qry_node *g)
{
    size_t i = p->i, k;
    char c = p->text[i];
    int stem_quotes = (p->flags & QRY_STEM_PHRASES) != 0;

    if (c == '"')
        return parse_quoted(p, col, lab, i,
                            stem_quotes ? QRY_W_STEM : QRY_W_FORM, field, g);
    if (c == '~' && i + 1 < p->len && p->text[i + 1] == '"')
        return parse_quoted(p, col, lab, i + 1, QRY_W_STEM, field, g);
    k = chunk_end(p, i);
    if (c == '=' && k > i + 1) {
        struct qry_node *kid;
        int rc = parse_words_leaf(p, col, i + 1, k - i - 1, QRY_W_FORM, field,
                                  lab, k, "=word", &kid);
        if (rc != SE_OK)
            return rc;
        p->i = k;
        return adopt(g, kid);
    }
    if (k > i && p->text[k - 1] == '*')
        return parse_prefix(p, col, lab, i, k - 1, field, g);
    p->i = k;
    return parse_word(p, i, k - i, QRY_SHOULD, field,
                      field == QRY_ANY ? NO_OFF : col, g);
}

/* A primary: ( ... ), title:/body: then an atom, or an atom. */
static int
parse_primary(struct parser *p, struct qry_node **out)
{
    size_t start = p->i, col = p->lead != NO_OFF ? p->lead : p->i;
    struct qry_node *g, *sub;
    enum qry_field field = QRY_ANY;
    int rc;

    p->lead = NO_OFF;
    rc = new_group(p, start, out);
    if (rc != SE_OK)
        return rc;
    g = *out;
    if (start >= p->len || p->text[start] == ')')
        return SE_OK;
    if (p->text[start] == '(') {
        if (++p->depth > QRY_MAX_DEPTH)
            return fail(p, start, SE_ELIMIT, "remove some parentheses",
                        "too deeply nested (the limit is %d levels)",
                        QRY_MAX_DEPTH);
        p->i++;
        rc = parse_or(p, &sub);
        if (rc != SE_OK)
            return rc;
        p->depth--;
        skip_space(p);
        if (p->i >= p->len) {
            qry_free(sub);
            return fail(p, start, SE_EINVAL, "close it with )",
                        "unbalanced parenthesis");
        }
        p->i++; /* the ) */
        if (sub->nkids == 0) {
            qry_free(sub);
            return fail(p, start, SE_EINVAL, "put words between them",
                        "empty parentheses");
        }
        sub->column = column_of(p->text, col);
        if (sub->nkids == 1) {
            if (sub->kids[0]->kind == QRY_BOOL)
                sub->kids[0]->column = sub->column;
            return splice(g, sub); /* (x) is x, marks and all */
        }
        return adopt(g, sub);
    }
    if (p->len - start >= 6 && memcmp(p->text + start, "title:", 6) == 0)
        field = QRY_TITLE;
    else if (p->len - start >= 5 && memcmp(p->text + start, "body:", 5) == 0)
        field = QRY_BODY;
    if (field != QRY_ANY) {
        size_t at = start + strlen(field_prefix(field));
        char c = at < p->len ? p->text[at] : ' ';
        if (c == '(')
            return fail(p, start, SE_EINVAL,
                        "write title:cotton or title:\"cotton harvest\"",
                        "a field applies to one word or one phrase");
        if (is_space((unsigned char)c) || c == ')')
            return fail(p, start, SE_EINVAL,
                        "write title:cotton or title:\"cotton harvest\"",
                        "%.*s needs a word or a phrase after it",
                        (int)(at - start), p->text + start);
        p->i = at;
        rc = parse_atom(p, col, start, field, g);
        if (rc == SE_OK && g->nkids == 0)
            return fail(p, start, SE_EINVAL,
                        "write title:cotton or title:\"cotton harvest\"",
                        "%.*s needs a word or a phrase after it",
                        (int)(at - start), p->text + start);
        return rc;
    }
    return parse_atom(p, col, start, QRY_ANY, g);
}

/* A leaf NEAR may join: one unmarked word (bare, =word or prefix*). */
static int
near_operand(const struct qry_node *g)
{
    const struct qry_node *k = g->nkids == 1 ? g->kids[0] : NULL;

    if (k == NULL || k->occur != QRY_SHOULD)
        return 0;
    return k->kind == QRY_TERM ||
           (k->kind == QRY_PHRASE && k->nwords == 1 && k->slop == 0);
}

/* primary (NEAR[/N] primary)* */
static int
parse_near(struct parser *p, struct qry_node **out)
{
    size_t start = p->i, last_end, at = 0;
    struct qry_node *first, *near = NULL, *g = NULL;
    unsigned dist = 0, d;
    enum op op;
    size_t end;
    int rc;

    *out = NULL;
    rc = parse_primary(p, &first);
    if (rc != SE_OK)
        goto done;
    last_end = p->i;
    for (;;) {
        const struct qry_node *w;
        skip_space(p);
        rc = peek_op(p, &op, &end, &d);
        if (rc != SE_OK || op != OP_NEAR)
            break;
        at = p->i;
        if (near && d != dist) {
            rc = fail(p, at, SE_EINVAL,
                      "use one distance in a chain, or join the parts with "
                      "AND",
                      "a NEAR chain needs one distance");
            goto done;
        }
        dist = d;
        p->i = end;
        skip_space(p);
        if (!near_operand(first)) {
            rc = fail(p, at, SE_EINVAL,
                      "write cotton NEAR/5 xinjiang; for words in order "
                      "use \"cotton xinjiang\"~5",
                      first->nkids ? "NEAR joins single words"
                                   : "NEAR needs a word before it");
            goto done;
        }
        rc = parse_primary(p, &g);
        if (rc != SE_OK)
            goto done;
        if (!near_operand(g)) {
            rc = fail(p, at, SE_EINVAL,
                      "write cotton NEAR/5 xinjiang; for words in order "
                      "use \"cotton xinjiang\"~5",
                      g->nkids ? "NEAR joins single words"
                               : "NEAR needs a word after it");
            goto done;
        }
        if (near == NULL) {
            near = new_node(QRY_NEAR, QRY_SHOULD, first->kids[0]->column);
            if (near == NULL) {
                rc = SE_ENOMEM;
                goto done;
            }
            near->field = first->kids[0]->field;
            w = first->kids[0];
            rc = add_word(near, w->words[0], strlen(w->words[0]),
                          w->kind == QRY_PHRASE ? QRY_W_FORM : w->modes[0]);
            if (rc != SE_OK)
                goto done;
        }
        w = g->kids[0];
        if (w->field != near->field) {
            rc = fail(p, at, SE_EINVAL,
                      "give every word of the chain the same field, or none",
                      "NEAR joins words of one field");
            goto done;
        }
        if (near->nwords >= QRY_MAX_PHRASE) {
            rc = fail(p, at, SE_ELIMIT, "use a shorter chain",
                      "NEAR chain too long (the limit is %d words)",
                      QRY_MAX_PHRASE);
            goto done;
        }
        rc = add_word(near, w->words[0], strlen(w->words[0]),
                      w->kind == QRY_PHRASE ? QRY_W_FORM : w->modes[0]);
        if (rc != SE_OK)
            goto done;
        qry_free(g);
        g = NULL;
        last_end = p->i;
    }
    if (rc != SE_OK)
        goto done;
    if (near) {
        near->slop = dist;
        rc = set_label(near, "", p->text + start, last_end - start);
        if (rc != SE_OK)
            goto done;
        qry_free(first);
        first = NULL;
        rc = new_group(p, start, out);
        if (rc == SE_OK)
            rc = adopt(*out, near);
        near = NULL;
        goto done;
    }
    *out = first;
    first = NULL;
done:
    qry_free(first);
    qry_free(near);
    qry_free(g);
    if (rc != SE_OK && *out) {
        qry_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Put a mark (MUST or MUST_NOT) on every kid of g; `at` for errors. */
static int
mark(struct parser *p, struct qry_node *g, enum qry_occur occur, size_t at)
{
    size_t i;

    for (i = 0; i < g->nkids; i++) {
        if (g->kids[i]->occur == QRY_MUST_NOT && occur == QRY_MUST_NOT)
            return fail(p, at, SE_EINVAL, "remove one NOT or -",
                        "NOT or - of an excluded clause");
        if (g->kids[i]->occur != QRY_MUST_NOT)
            g->kids[i]->occur = occur;
    }
    return SE_OK;
}

/* NOT unary | +near | -near | near */
static int
parse_unary(struct parser *p, struct qry_node **out)
{
    size_t end, at;
    unsigned dist;
    enum op op;
    int rc;

    *out = NULL;
    skip_space(p);
    rc = peek_op(p, &op, &end, &dist);
    if (rc != SE_OK)
        return rc;
    at = p->i;
    if (op == OP_NOT) {
        if (++p->depth > QRY_MAX_DEPTH)
            return fail(p, at, SE_ELIMIT, "remove some NOTs",
                        "too deeply nested (the limit is %d levels)",
                        QRY_MAX_DEPTH);
        p->i = end;
        rc = parse_unary(p, out);
        p->depth--;
        if (rc == SE_OK && (*out)->nkids == 0)
            rc = fail(p, at, SE_EINVAL,
                      "write what to exclude, as in cotton AND NOT wheat",
                      "NOT needs a clause after it");
        if (rc == SE_OK)
            rc = mark(p, *out, QRY_MUST_NOT, at);
    } else if (op != OP_NONE) {
        return new_group(p, at, out); /* no clause here: callers complain */
    } else if (at + 1 < p->len && (p->text[at] == '+' || p->text[at] == '-') &&
               !is_space((unsigned char)p->text[at + 1])) {
        p->i++;
        p->lead = at;
        rc = parse_near(p, out);
        p->lead = NO_OFF;
        if (rc == SE_OK)
            rc =
                mark(p, *out, p->text[at] == '+' ? QRY_MUST : QRY_MUST_NOT, at);
    } else {
        rc = parse_near(p, out);
    }
    if (rc != SE_OK) {
        qry_free(*out);
        *out = NULL;
    }
    return rc;
}

/* 1 when k is an unmarked group of required and excluded kids (an AND). */
static int
is_and_group(const struct qry_node *k)
{
    size_t i;

    int must = 0;

    if (k->kind != QRY_BOOL || k->occur != QRY_SHOULD)
        return 0;
    for (i = 0; i < k->nkids; i++) {
        if (k->kids[i]->occur == QRY_SHOULD)
            return 0;
        must |= k->kids[i]->occur == QRY_MUST;
    }
    return must; /* (NOT a OR NOT b) is no AND: left for the check */
}

/* Add the kids of operand g to the AND node: unmarked means required. */
static int
and_add(struct qry_node *and, struct qry_node *g)
{
    size_t i;
    int rc = SE_OK;

    for (i = 0; i < g->nkids && rc == SE_OK; i++) {
        struct qry_node *k = g->kids[i];
        g->kids[i] = NULL;
        if (is_and_group(k)) {
            rc = splice(and, k); /* (a AND b) AND c is a AND b AND c */
            continue;
        }
        if (k->occur == QRY_SHOULD)
            k->occur = QRY_MUST;
        rc = adopt(and, k);
    }
    qry_free(g);
    return rc;
}

/* unary (AND unary)*, juxtaposition joining too with QRY_ALL */
static int
parse_and(struct parser *p, struct qry_node **out)
{
    struct qry_node *first = NULL, *and = NULL, *v = NULL;
    size_t start, end, at;
    unsigned dist;
    enum op op;
    int rc;

    *out = NULL;
    skip_space(p);
    start = p->i;
    rc = parse_unary(p, &first);
    while (rc == SE_OK) {
        skip_space(p);
        if (p->i >= p->len || p->text[p->i] == ')')
            break;
        rc = peek_op(p, &op, &end, &dist);
        if (rc != SE_OK)
            break;
        at = p->i;
        if (op == OP_AND) {
            if (and == NULL && first->nkids == 0) {
                rc = fail(p, at, SE_EINVAL,
                          "to search for the word, write it in lower case",
                          "AND needs a clause before it");
                break;
            }
            p->i = end;
            rc = parse_unary(p, &v);
            if (rc == SE_OK && v->nkids == 0)
                rc = fail(p, at, SE_EINVAL,
                          "to search for the word, write it in lower case",
                          "AND needs a clause after it");
        } else if ((p->flags & QRY_ALL) && op != OP_OR) {
            rc = parse_unary(p, &v);
            if (rc == SE_OK && v->nkids == 0 && p->i == at) {
                /* an operator no level takes here, such as a lone NEAR */
                rc = fail(p, at, SE_EINVAL,
                          "to search for the word, write it in lower case",
                          "%s needs a clause before it", op_name(op));
            }
        } else {
            break;
        }
        if (rc != SE_OK)
            break;
        if (v->nkids == 0 || (and == NULL && first->nkids == 0)) {
            /* nothing to join yet: "a ,,," or ",,, a" with QRY_ALL */
            if (v->nkids == 0) {
                qry_free(v);
            } else {
                qry_free(first);
                first = v;
            }
            v = NULL;
            continue;
        }
        if (and == NULL) {
            and = new_node(QRY_BOOL, QRY_SHOULD, column_of(p->text, start));
            if (and == NULL) {
                rc = SE_ENOMEM;
                break;
            }
            rc = and_add(and, first);
            first = NULL;
            if (rc != SE_OK)
                break;
        }
        rc = and_add(and, v);
        v = NULL;
    }
    qry_free(v);
    if (rc != SE_OK) {
        qry_free(first);
        qry_free(and);
        return rc;
    }
    if (and == NULL) {
        *out = first;
        return SE_OK;
    }
    rc = new_group(p, start, out);
    if (rc == SE_OK)
        rc = adopt(*out, and);
    else
        qry_free(and);
    return rc;
}

/* and ((OR)? and)*: juxtaposition is OR, unless QRY_ALL made it AND. */
static int
parse_or(struct parser *p, struct qry_node **out)
{
    struct qry_node *list, *g = NULL;
    size_t pending = NO_OFF, i, end;
    unsigned dist;
    int rc, saw_or = 0;
    enum op op;

    skip_space(p);
    rc = new_group(p, p->i, &list);
    if (rc != SE_OK)
        return rc;
    for (;;) {
        skip_space(p);
        if (p->i >= p->len || p->text[p->i] == ')')
            break;
        rc = peek_op(p, &op, &end, &dist);
        if (rc != SE_OK)
            goto fail;
        if (op == OP_OR) {
            if (list->nkids == 0 || pending != NO_OFF) {
                rc = fail(p, pending != NO_OFF ? pending : p->i, SE_EINVAL,
                          "to search for the word, write it in lower case",
                          pending != NO_OFF ? "OR needs a clause after it"
                                            : "OR needs a clause before it");
                goto fail;
            }
            pending = p->i;
            saw_or = 1;
            p->i = end;
            continue;
        }
        if (op == OP_AND || op == OP_NEAR) {
            rc = fail(p, p->i, SE_EINVAL,
                      "to search for the word, write it in lower case",
                      "%s needs a clause before it", op_name(op));
            goto fail;
        }
        rc = parse_and(p, &g);
        if (rc != SE_OK)
            goto fail;
        if (g->nkids)
            pending = NO_OFF;
        rc = splice(list, g);
        g = NULL;
        if (rc != SE_OK)
            goto fail;
    }
    if (pending != NO_OFF) {
        rc = fail(p, pending, SE_EINVAL,
                  "to search for the word, write it in lower case",
                  "OR needs a clause after it");
        goto fail;
    }
    if ((p->flags & QRY_ALL) && !saw_or) {
        for (i = 0; i < list->nkids; i++)
            if (list->kids[i]->occur == QRY_SHOULD)
                list->kids[i]->occur = QRY_MUST;
    } else {
        /* (a OR b) OR c is a OR b OR c: one flat disjunction. */
        struct qry_node **kids = list->kids;
        size_t n = list->nkids;
        list->kids = NULL;
        list->nkids = 0;
        for (i = 0; i < n; i++) {
            struct qry_node *k = kids[i];
            size_t j,
                all_should = k->kind == QRY_BOOL && k->occur == QRY_SHOULD;
            for (j = 0; all_should && j < k->nkids; j++)
                all_should = k->kids[j]->occur == QRY_SHOULD;
            kids[i] = NULL;
            rc = all_should ? splice(list, k) : adopt(list, k);
            if (rc != SE_OK) {
                for (j = i + 1; j < n; j++)
                    qry_free(kids[j]);
                free(kids);
                goto fail;
            }
        }
        free(kids);
    }
    *out = list;
    return SE_OK;
fail:
    qry_free(list);
    return rc;
}

/* Every group needs a clause that is not excluded. */
static int
check_positive(struct parser *p, const struct qry_node *q, int root)
{
    size_t i;
    int positive = 0, rc;

    if (q->kind != QRY_BOOL)
        return SE_OK;
    for (i = 0; i < q->nkids; i++) {
        positive |= q->kids[i]->occur != QRY_MUST_NOT;
        rc = check_positive(p, q->kids[i], 0);
        if (rc != SE_OK)
            return rc;
    }
    if (positive)
        return SE_OK;
    if (root)
        return fail(p, NO_OFF, SE_EINVAL,
                    "add a word to search for, as in cotton -wheat",
                    "every word is excluded: add a word to search for");
    p->err->column = q->column;
    snprintf(p->err->msg, sizeof p->err->msg,
             "every clause of this group is excluded");
    snprintf(p->err->hint, sizeof p->err->hint,
             "NOT and - only remove documents: add a word, as in (cotton "
             "AND NOT wheat)");
    return SE_EINVAL;
}

/* QRY_PLAIN: every token is a word. */
static int
parse_plain(struct parser *p, struct qry_node *root)
{
    return parse_word(p, 0, p->len,
                      (p->flags & QRY_ALL) ? QRY_MUST : QRY_SHOULD, QRY_ANY,
                      NO_OFF, root);
}

int
qry_parse(const char *text, size_t len, int flags, struct tok *tok,
          struct qry_node **out, struct qry_error *err)
{
    struct parser p = {text, len, 0, flags, tok, err, 0, 0, 0, NO_OFF};
    struct qry_node *root = NULL;
    int rc;

    *out = NULL;
    memset(err, 0, sizeof *err);
    if (len > QRY_MAX_BYTES)
        return fail(&p, NO_OFF, SE_ELIMIT,
                    "shorten the query, or search for fewer words",
                    "query too long (%zu bytes; the limit is %d)", len,
                    QRY_MAX_BYTES);
    if (flags & QRY_PLAIN) {
        rc = new_group(&p, 0, &root);
        if (rc == SE_OK)
            rc = parse_plain(&p, root);
    } else {
        rc = parse_or(&p, &root);
        if (rc == SE_OK && p.i < len)
            rc = fail(&p, p.i, SE_EINVAL, "remove it, or add ( before it",
                      "unbalanced parenthesis");
    }
    /* One group alone is the query: a AND b is +a +b. */
    while (rc == SE_OK && root->nkids == 1 && root->kids[0]->kind == QRY_BOOL &&
           root->kids[0]->occur != QRY_MUST_NOT) {
        struct qry_node *k = root->kids[0];
        root->kids[0] = NULL;
        qry_free(root);
        root = k;
        root->occur = QRY_SHOULD;
    }
    if (rc == SE_OK && root->nkids == 0)
        rc = fail(&p, NO_OFF, SE_EINVAL, "type a word to search for",
                  "empty query: no words to search");
    if (rc == SE_OK)
        rc = check_positive(&p, root, 1);
    if (rc != SE_OK) {
        qry_free(root);
        return rc;
    }
    root->column = 1;
    *out = root;
    return SE_OK;
}
