/*
 * docdates.c - dates by document id, parsed on first use: a query visits
 * a document's date once in the filter and again in the sort key, and the
 * interactive mode asks many queries of the same documents.
 *
 * One slot a document id: the UTC seconds of its date (sorting) and the
 * day as written (filtering), or "no date". The array grows with the
 * index's next document id.
 */
#include "docdates.h"

#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "docstore.h"
#include "error.h"

enum { SLOT_UNREAD = 0, SLOT_DATED, SLOT_UNDATED };

struct slot {
    int64_t seconds, day;
    int state;
};

struct docdates {
    int64_t since, until;
    struct idx_txn *txn;
    struct slot *slots;
    uint32_t nslots;
    int error;
};

int
docdates_new(int64_t since, int64_t until, struct docdates **out)
{
    struct docdates *dd = calloc(1, sizeof *dd);

    *out = NULL;
    if (dd == NULL)
        return SE_ENOMEM;
    dd->since = since;
    dd->until = until;
    *out = dd;
    return SE_OK;
}

void
docdates_free(struct docdates *dd)
{
    if (dd == NULL)
        return;
    free(dd->slots);
    free(dd);
}

int
docdates_begin(struct docdates *dd, struct idx_txn *txn, uint32_t next_doc)
{
    dd->txn = txn;
    dd->error = SE_OK;
    if (next_doc > dd->nslots) {
        struct slot *s = realloc(dd->slots, (size_t)next_doc * sizeof *s);
        if (s == NULL)
            return SE_ENOMEM;
        memset(s + dd->nslots, 0, (next_doc - dd->nslots) * sizeof *s);
        dd->slots = s;
        dd->nslots = next_doc;
    }
    return SE_OK;
}

/* The slot of `doc`, read and parsed if need be; NULL with *rc on error. */
static const struct slot *
slot_of(struct docdates *dd, uint32_t doc, int *rc)
{
    struct doc_record r;
    struct date_tm t;
    struct slot *s;

    *rc = SE_OK;
    if (doc >= dd->nslots) {
        *rc = SE_ECORRUPT; /* a posting names a document past next_doc */
        return NULL;
    }
    s = &dd->slots[doc];
    if (s->state != SLOT_UNREAD)
        return s;
    *rc = doc_get(dd->txn, doc, &r);
    if (*rc == SE_ENOTFOUND)
        *rc = SE_ECORRUPT; /* matched, so it must have a record */
    if (*rc != SE_OK)
        return NULL;
    if (date_parse(r.date, r.date_len, &t) == SE_OK) {
        s->seconds = date_seconds(&t);
        s->day = date_day(&t);
        s->state = SLOT_DATED;
    } else {
        s->state = SLOT_UNDATED;
    }
    return s;
}

int
docdates_filter(void *arg, uint32_t doc)
{
    struct docdates *dd = arg;
    int rc;
    const struct slot *s = slot_of(dd, doc, &rc);

    if (s == NULL)
        return rc;
    return s->state == SLOT_DATED && s->day >= dd->since && s->day <= dd->until;
}

int64_t
docdates_sort_key(void *arg, uint32_t doc)
{
    struct docdates *dd = arg;
    int rc;
    const struct slot *s = slot_of(dd, doc, &rc);

    if (s == NULL) {
        if (dd->error == SE_OK)
            dd->error = rc;
        return DOCDATES_NONE;
    }
    return s->state == SLOT_DATED ? s->seconds : DOCDATES_NONE;
}

int
docdates_error(const struct docdates *dd)
{
    return dd->error;
}
