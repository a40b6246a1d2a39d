/*
 * query.c - a small hand-written parser: the grammar is flat for now
 * (clauses with an optional + or - in front), but the result is a tree so
 * that boolean operators and parentheses can nest later without changing
 * the callers. Every error names the column where it was found.
 */
#include "query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

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
fail(struct qry_error *err, const char *text, size_t off, int rc,
     const char *fmt, ...)
{
    va_list ap;

    err->column = text ? column_of(text, off) : 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
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
    for (i = 0; i < q->nkids; i++)
        qry_free(q->kids[i]);
    free(q->kids);
    free(q);
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

static int
add_word(struct qry_node *n, const char *w, size_t len)
{
    char **words = realloc(n->words, (n->nwords + 1) * sizeof *words);
    char *copy;

    if (words == NULL)
        return SE_ENOMEM;
    n->words = words;
    copy = malloc(len + 1);
    if (copy == NULL)
        return SE_ENOMEM;
    memcpy(copy, w, len);
    copy[len] = '\0';
    n->words[n->nwords++] = copy;
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
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Add the clauses of one bare word [s, s+n) at byte offset `off`. */
static int
parse_word(struct qry_node *root, const char *text, size_t off, size_t n,
           enum qry_occur occur, struct tok *tok, struct qry_error *err)
{
    struct tok_token t;
    int rc;

    tok_reset(tok, text + off, n, 0);
    while ((rc = tok_next(tok, &t)) == 1) {
        struct qry_node *kid;
        if (root->nkids >= QRY_MAX_CLAUSES)
            return fail(err, text, off, SE_ELIMIT,
                        "too many words (the limit is %d)", QRY_MAX_CLAUSES);
        kid = new_node(QRY_TERM, occur, column_of(text, off + t.start));
        if (kid == NULL)
            return SE_ENOMEM;
        rc = add_word(kid, t.text, t.len);
        if (rc == SE_OK)
            rc = add_kid(root, kid);
        if (rc != SE_OK) {
            qry_free(kid);
            return rc;
        }
    }
    return rc;
}

/* Add the phrase [off, off+n) (the text between the quotes). */
static int
parse_phrase(struct qry_node *root, const char *text, size_t quote,
             size_t off, size_t n, enum qry_occur occur, struct tok *tok,
             struct qry_error *err)
{
    struct tok_token t;
    struct qry_node *kid;
    int rc;

    if (root->nkids >= QRY_MAX_CLAUSES)
        return fail(err, text, quote, SE_ELIMIT,
                    "too many words (the limit is %d)", QRY_MAX_CLAUSES);
    kid = new_node(QRY_PHRASE, occur, column_of(text, quote));
    if (kid == NULL)
        return SE_ENOMEM;
    tok_reset(tok, text + off, n, 0);
    while ((rc = tok_next(tok, &t)) == 1) {
        if (kid->nwords >= QRY_MAX_PHRASE) {
            qry_free(kid);
            return fail(err, text, quote, SE_ELIMIT,
                        "phrase too long (the limit is %d words)",
                        QRY_MAX_PHRASE);
        }
        rc = add_word(kid, t.text, t.len);
        if (rc != SE_OK)
            break;
    }
    if (rc == SE_OK && kid->nwords == 0) {
        qry_free(kid);
        return fail(err, text, quote, SE_EINVAL,
                    "phrase has no words to search");
    }
    if (rc == SE_OK)
        rc = add_kid(root, kid);
    if (rc != SE_OK)
        qry_free(kid);
    return rc;
}

int
qry_parse(const char *text, size_t len, int flags, struct tok *tok,
          struct qry_node **out, struct qry_error *err)
{
    struct qry_node *root;
    size_t i = 0, k;
    int rc = SE_OK, positive = 0;

    *out = NULL;
    memset(err, 0, sizeof *err);
    if (len > QRY_MAX_BYTES)
        return fail(err, NULL, 0, SE_ELIMIT,
                    "query too long (%zu bytes; the limit is %d)", len,
                    QRY_MAX_BYTES);
    root = new_node(QRY_BOOL, QRY_SHOULD, 1);
    if (root == NULL)
        return SE_ENOMEM;
    while (rc == SE_OK && i < len) {
        enum qry_occur occur = (flags & QRY_ALL) ? QRY_MUST : QRY_SHOULD;
        size_t start;
        if (is_space((unsigned char)text[i])) {
            i++;
            continue;
        }
        start = i;
        if (!(flags & QRY_PLAIN) && (text[i] == '+' || text[i] == '-') &&
            i + 1 < len && !is_space((unsigned char)text[i + 1])) {
            occur = text[i] == '+' ? QRY_MUST : QRY_MUST_NOT;
            i++;
        }
        if (!(flags & QRY_PLAIN) && text[i] == '"') {
            for (k = i + 1; k < len && text[k] != '"'; k++)
                ;
            if (k == len) {
                rc = fail(err, text, i, SE_EINVAL,
                          "unbalanced quote: add a closing \"");
                break;
            }
            rc = parse_phrase(root, text, start, i + 1, k - i - 1, occur, tok,
                              err);
            i = k + 1;
            continue;
        }
        for (k = i; k < len && !is_space((unsigned char)text[k]) &&
                    ((flags & QRY_PLAIN) || text[k] != '"');
             k++)
            ;
        rc = parse_word(root, text, i, k - i, occur, tok, err);
        i = k;
    }
    if (rc != SE_OK) {
        qry_free(root);
        return rc;
    }
    for (k = 0; k < root->nkids; k++)
        positive |= root->kids[k]->occur != QRY_MUST_NOT;
    if (root->nkids == 0) {
        qry_free(root);
        return fail(err, NULL, 0, SE_EINVAL, "empty query: no words to search");
    }
    if (!positive) {
        qry_free(root);
        return fail(err, NULL, 0, SE_EINVAL,
                    "every word is excluded: add a word to search for");
    }
    *out = root;
    return SE_OK;
}
