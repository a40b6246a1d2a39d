/*
 * snippet.h - a one-line extract of a document around the query's
 * matches, with the matched words marked.
 *
 * A token is marked when its stem is the stem of a bare word of the query,
 * or when it is part of an occurrence of one of the query's phrases (all of
 * the phrase's words, at consecutive positions). Excluded words are never
 * marked. The extract is cut at token boundaries, with "…" where text was
 * left out; runs of white space become one space and control characters
 * and invalid UTF-8 are dropped, so it is safe to print on a terminal.
 */
#ifndef SE_SNIPPET_H
#define SE_SNIPPET_H

#include <stddef.h>

#include "buf.h"
#include "query.h"
#include "stemmer.h"

#define SNIP_WORDS_DEFAULT 30

struct snip;

/* Prepare snippets for query `q` (which must outlive the object). */
int snip_new(struct stem *stem, const struct qry_node *q, struct snip **out);
void snip_free(struct snip *s);
/*
 * Append to `out` an extract of about `words` tokens of `text`, starting a
 * little before the first marked token, each marked token wrapped in
 * `on` ... `off` (e.g. ANSI colours, or "" and "" for none). Returns the
 * number of marked tokens in the extract (>= 0) or SE_ENOMEM.
 */
int snip_make(struct snip *s, const char *text, size_t len, size_t words,
              const char *on, const char *off, struct buf *out);

#endif
