/*
 * docdates.h - the dates of an index's documents, read from their records
 * with doc_get() and parsed (dates.h) once each, for the filter and sort
 * key hooks of match_options: --since, --until and --sort date.
 */
#ifndef SE_DOCDATES_H
#define SE_DOCDATES_H

#include <stdint.h>

#include "index.h"

#define DOCDATES_NONE INT64_MIN /* sort key of a document without a date */

struct docdates; /* opaque */

/*
 * A cache of dates, keeping documents dated from day `since` to day
 * `until` inclusive (day numbers of dates.h; INT64_MIN and INT64_MAX for
 * no bound). SE_OK or SE_ENOMEM.
 */
int docdates_new(int64_t since, int64_t until, struct docdates **out);
void docdates_free(struct docdates *dd);

/*
 * Read records in `txn` until the next call (the cache outlives it:
 * document ids are never reused, so a date once read stays right), for
 * documents below `next_doc`. Clears the error kept by the hooks.
 * SE_OK or SE_ENOMEM.
 */
int docdates_begin(struct docdates *dd, struct idx_txn *txn, uint32_t next_doc);

/*
 * match_options.filter: 1 when `doc` has a date within the bounds, 0 when
 * not or when it has no date that parses, <0 an SE_ code (SE_ECORRUPT).
 */
int docdates_filter(void *dd, uint32_t doc);

/*
 * match_options.sort_key: seconds since 1970 UTC, DOCDATES_NONE for no
 * date (so newest first, undated last). A read error gives DOCDATES_NONE
 * and is kept for docdates_error().
 */
int64_t docdates_sort_key(void *dd, uint32_t doc);

/* The first error the sort key met since docdates_begin(), or SE_OK. */
int docdates_error(const struct docdates *dd);

#endif
