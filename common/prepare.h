/*
 * prepare.h - the part of indexing a document that needs no shared state:
 * tokenizing it, gathering each distinct word form with its positions
 * (already encoded as the writer buffers them), and compressing its stored
 * text. The writer runs it inline or on worker threads (--threads) and
 * then inverts the result in document order.
 *
 * Per form the positions are varints of (position - previous + 1), the
 * first from 0, exactly the bytes writer.c appends to a form's postings.
 * Forms come in the order of their first occurrence.
 */
#ifndef SE_PREPARE_H
#define SE_PREPARE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct prep_form {
    uint32_t off, len; /* its bytes in prep_doc.arena */
    uint64_t hash;     /* prep_hash() of them */
    uint32_t tf;       /* occurrences in title and body */
    uint32_t title_tf; /* of those, in the title */
    uint32_t pos_off;  /* its encoded positions in prep_doc.pos */
    uint32_t pos_len;
    uint32_t first, last; /* token chain, while gathering */
};

/* One document: a copy of its fields, then what prep_run() made of it. */
struct prep_doc {
    struct buf in; /* id, title, date and body, back to back */
    size_t id_len, title_len, date_len, body_len;
    struct prep_form *forms;
    size_t nforms, forms_cap;
    struct buf arena;      /* bytes of the forms */
    struct buf pos;        /* encoded positions of the forms */
    struct buf text;       /* the stored body, as doc_text_encode() gives */
    uint32_t title_tokens; /* tokens of the title, positions 0.. */
    uint32_t body_tokens;  /* tokens of the body, after a gap of one */
    /* scratch: per token its position and the next token of its form */
    uint32_t *tpos, *tnext;
    size_t ntok, tok_cap;
    uint32_t *slots;  /* form index + 1, open addressing; 0 = empty */
    size_t nslots;    /* in use for this document, a power of two */
    size_t slots_cap; /* allocated */
};

#define PREP_DOC_INIT                                                          \
    {                                                                          \
        BUF_INIT                                                               \
    }

/* A worker's tokenizer and compressor. */
struct prep;
struct doc_dict;

int prep_new(struct prep **out);
void prep_free(struct prep *p);
/* Compress stored text with `d` from now on (NULL: without one). */
int prep_use_dict(struct prep *p, const struct doc_dict *d);

/* Copy a document's fields into `d` (its previous results are dropped). */
int prep_doc_set(struct prep_doc *d, const char *id, size_t id_len,
                 const char *title, size_t title_len, const char *date,
                 size_t date_len, const char *body, size_t body_len);
void prep_doc_release(struct prep_doc *d);

static inline const char *
prep_doc_id(const struct prep_doc *d)
{
    return (const char *)d->in.data;
}
static inline const char *
prep_doc_title(const struct prep_doc *d)
{
    return (const char *)d->in.data + d->id_len;
}
static inline const char *
prep_doc_date(const struct prep_doc *d)
{
    return prep_doc_title(d) + d->title_len;
}
static inline const char *
prep_doc_body(const struct prep_doc *d)
{
    return prep_doc_date(d) + d->date_len;
}

/* Tokenize and compress `d`. SE_OK or SE_ENOMEM / SE_ELIMIT. */
int prep_run(struct prep *p, struct prep_doc *d);

/* FNV-1a, 64 bits: terms are short, and the tables are not under attack. */
static inline uint64_t
prep_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#endif
