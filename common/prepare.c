/*
 * prepare.c - a document's distinct forms and positions, and its stored
 * text, computed apart from the index.
 *
 * Gathering the forms of one document in a small table of its own (it fits
 * in the cache) means the writer's big tables are looked up once per form
 * and document, not once per token, and the positions arrive encoded.
 */
#include "prepare.h"

#include <stdlib.h>
#include <string.h>

#include "docstore.h"
#include "error.h"
#include "tokenizer.h"

struct prep {
    struct tok *tok;
    struct doc_text *text;
};

int
prep_new(struct prep **out)
{
    struct prep *p = calloc(1, sizeof *p);
    int rc;

    *out = NULL;
    if (p == NULL)
        return SE_ENOMEM;
    rc = tok_new(&p->tok);
    if (rc == SE_OK)
        rc = doc_text_new(&p->text);
    if (rc != SE_OK) {
        prep_free(p);
        return rc;
    }
    *out = p;
    return SE_OK;
}

void
prep_free(struct prep *p)
{
    if (p == NULL)
        return;
    tok_free(p->tok);
    doc_text_free(p->text);
    free(p);
}

int
prep_use_dict(struct prep *p, const struct doc_dict *d)
{
    return doc_text_use_dict(p->text, d);
}

int
prep_doc_set(struct prep_doc *d, const char *id, size_t id_len,
             const char *title, size_t title_len, const char *date,
             size_t date_len, const char *body, size_t body_len)
{
    int rc;

    buf_clear(&d->in);
    rc = buf_reserve(&d->in, id_len + title_len + date_len + body_len);
    if (rc != SE_OK)
        return rc;
    buf_append(&d->in, id, id_len);
    buf_append(&d->in, title, title_len);
    buf_append(&d->in, date, date_len);
    buf_append(&d->in, body, body_len);
    d->id_len = id_len;
    d->title_len = title_len;
    d->date_len = date_len;
    d->body_len = body_len;
    d->nforms = 0;
    d->ntok = 0;
    d->title_tokens = d->body_tokens = 0;
    buf_clear(&d->arena);
    buf_clear(&d->pos);
    buf_clear(&d->text);
    return SE_OK;
}

void
prep_doc_release(struct prep_doc *d)
{
    buf_release(&d->in);
    buf_release(&d->arena);
    buf_release(&d->pos);
    buf_release(&d->text);
    free(d->forms);
    free(d->tpos);
    free(d->tnext);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

/* Room for the slots of `want` forms at half load, emptied: only those
 * slots are cleared, so a long document does not slow the next ones. */
static int
slots_reset(struct prep_doc *d, size_t want)
{
    size_t n = 256;

    while (n < 2 * want)
        n *= 2;
    if (n > d->slots_cap) {
        uint32_t *s = malloc(n * sizeof *s);
        if (s == NULL)
            return SE_ENOMEM;
        free(d->slots);
        d->slots = s;
        d->slots_cap = n;
    }
    d->nslots = n;
    memset(d->slots, 0, n * sizeof *d->slots);
    return SE_OK;
}

static int
slots_grow(struct prep_doc *d)
{
    size_t n = d->nslots * 2, i;
    uint32_t *s;

    if (n > d->slots_cap) {
        s = realloc(d->slots, n * sizeof *s);
        if (s == NULL)
            return SE_ENOMEM;
        d->slots = s;
        d->slots_cap = n;
    }
    s = d->slots;
    memset(s, 0, n * sizeof *s);
    for (i = 0; i < d->nforms; i++) {
        size_t j = d->forms[i].hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = (uint32_t)i + 1;
    }
    d->nslots = n;
    return SE_OK;
}

/* Record token `text` at position `pos` under its form. */
static int
add_token(struct prep_doc *d, const char *text, size_t len, uint32_t pos,
          int title)
{
    uint64_t h = prep_hash(text, len);
    struct prep_form *f;
    size_t j;
    uint32_t t;
    int rc;

    if (d->ntok == UINT32_MAX || d->arena.len > UINT32_MAX - len)
        return SE_ELIMIT;
    if (d->ntok == d->tok_cap) {
        size_t cap = d->tok_cap ? d->tok_cap * 2 : 1024;
        uint32_t *p = realloc(d->tpos, cap * sizeof *p);
        if (p == NULL)
            return SE_ENOMEM;
        d->tpos = p;
        p = realloc(d->tnext, cap * sizeof *p);
        if (p == NULL)
            return SE_ENOMEM;
        d->tnext = p;
        d->tok_cap = cap;
    }
    t = (uint32_t)d->ntok++;
    d->tpos[t] = pos;
    d->tnext[t] = UINT32_MAX;
    j = h & (d->nslots - 1);
    while (d->slots[j]) {
        f = &d->forms[d->slots[j] - 1];
        if (f->hash == h && f->len == len &&
            memcmp(d->arena.data + f->off, text, len) == 0) {
            d->tnext[f->last] = t;
            f->last = t;
            f->tf++;
            f->title_tf += title != 0;
            return SE_OK;
        }
        j = (j + 1) & (d->nslots - 1);
    }
    if (d->nforms == d->forms_cap) {
        size_t cap = d->forms_cap ? d->forms_cap * 2 : 256;
        f = realloc(d->forms, cap * sizeof *f);
        if (f == NULL)
            return SE_ENOMEM;
        d->forms = f;
        d->forms_cap = cap;
    }
    f = &d->forms[d->nforms];
    memset(f, 0, sizeof *f);
    f->off = (uint32_t)d->arena.len;
    f->len = (uint32_t)len;
    f->hash = h;
    f->tf = 1;
    f->title_tf = title != 0;
    f->first = f->last = t;
    rc = buf_append(&d->arena, text, len);
    if (rc != SE_OK)
        return rc;
    d->slots[j] = (uint32_t)++d->nforms;
    if (d->nforms * 2 > d->nslots)
        return slots_grow(d);
    return SE_OK;
}

static int
add_text(struct prep *p, struct prep_doc *d, const char *text, size_t len,
         uint32_t first, int title, uint32_t *ntokens)
{
    struct tok_token t;
    int rc;

    *ntokens = 0;
    tok_reset(p->tok, text, len, first);
    while ((rc = tok_next(p->tok, &t)) == 1) {
        rc = add_token(d, t.text, t.len, t.pos, title);
        if (rc != SE_OK)
            return rc;
        (*ntokens)++;
    }
    return rc;
}

int
prep_run(struct prep *p, struct prep_doc *d)
{
    size_t i;
    int rc;

    /* Distinct forms: about one per 12 bytes of news (more grow it). */
    rc = slots_reset(d, (d->title_len + d->body_len) / 12);
    if (rc == SE_OK)
        rc = add_text(p, d, prep_doc_title(d), d->title_len, 0, 1,
                      &d->title_tokens);
    if (rc == SE_OK)
        rc = add_text(p, d, prep_doc_body(d), d->body_len,
                      d->title_tokens ? d->title_tokens + 1 : 0, 0,
                      &d->body_tokens);
    for (i = 0; rc == SE_OK && i < d->nforms; i++) {
        struct prep_form *f = &d->forms[i];
        uint32_t t, prev = 0;
        if (d->pos.len > UINT32_MAX / 2)
            return SE_ELIMIT;
        f->pos_off = (uint32_t)d->pos.len;
        /* (position - previous position + 1): never 0, which ends a doc. */
        for (t = f->first; rc == SE_OK && t != UINT32_MAX; t = d->tnext[t]) {
            rc = buf_put_varint(&d->pos, d->tpos[t] - prev + 1);
            prev = d->tpos[t];
        }
        f->pos_len = (uint32_t)d->pos.len - f->pos_off;
    }
    if (rc == SE_OK)
        rc = doc_text_encode(p->text, prep_doc_body(d), d->body_len, &d->text);
    return rc;
}
