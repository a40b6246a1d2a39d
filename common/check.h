/*
 * check.h - verifies an index's invariants (indexer --check).
 *
 * In one read snapshot it checks that every table holds what docs/FORMAT.md
 * says and that the tables agree with each other:
 *   - meta loads (magic, format, language, stats, title weight) and its
 *     counts equal the documents and lengths found;
 *   - every document record decodes, its id maps back to it in `ids`, its
 *     stored text decompresses and tokenizes to the record's title and body
 *     token counts, and `lens` holds its scoring length (0 for no document);
 *   - every posting block decodes, its key's last document is its last, doc
 *     ids increase within and across a term's blocks, each is a live
 *     document, positions increase and stay inside the document, and the
 *     block-max bounds hold;
 *   - dictionary df and cf equal what the postings add up to, and each
 *     document's frequencies sum to its length (forms) and scoring length
 *     (stems);
 *   - `stemforms` pairs every form with its stem once, and a stem's cf is
 *     the sum over its forms; a stem without a list of its own has one
 *     form, whose list is the stem's (no title occurrence counts extra).
 * It stops at the first violation and says where it is.
 */
#ifndef SE_CHECK_H
#define SE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

#define CHK_NO_DOC UINT32_MAX
#define CHK_KEY_MAX 96
#define CHK_WHAT_MAX 160

struct chk_report {
    /* The first violation (valid when chk_index() returned SE_ECORRUPT). */
    enum idx_table table;
    char key[CHK_KEY_MAX];   /* printable: "oil" @8610, doc 12, "stats" */
    uint32_t doc;            /* the document concerned, CHK_NO_DOC if none */
    char what[CHK_WHAT_MAX]; /* what is wrong */
    /* What was checked (complete when the index is sound); `stems` counts
     * the stems served by their one form's list too. */
    uint64_t docs, stems, forms, blocks, postings;
};

/*
 * Check the index open in `ix`. SE_OK when sound; SE_ECORRUPT with *rep
 * saying where the first violation is; otherwise the error that stopped
 * the check (SE_ENOMEM, SE_EIO, SE_ENOINDEX for an index never committed,
 * SE_EVERSION).
 */
int chk_index(struct idx *ix, struct chk_report *rep);

/*
 * The violation in *rep as one line without a newline, e.g.
 * `forms, key "oil" @8610, doc 8600: positions do not increase`, into
 * out[0..size). Returns what snprintf() returns.
 */
int chk_format(const struct chk_report *rep, char *out, size_t size);

#endif
