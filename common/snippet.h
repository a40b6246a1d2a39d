/*
 * snippet.h - a one-line extract of a document's body: the passage that
 * best shows why it matched, with the matched words marked.
 *
 * An occurrence is where one leaf clause of the query (a word, a phrase, a
 * NEAR group) matches the body, found as the index finds it: words by stem,
 * =words and phrase words by folded form, ~"phrases" by stems, prefix*
 * words by the start of the folded form; phrase words in order within the
 * phrase's slop, NEAR words in any order within its distance. Clauses
 * under an exclusion (-x, NOT) and title: clauses have no occurrences in
 * the body.
 *
 * The window of `words` tokens shown is, among all windows, the one
 * holding whole occurrences of the most distinct clauses, then the most
 * occurrences, then the earliest; it is then slid back to show some
 * context before its first occurrence (up to a quarter of the window, never
 * losing an occurrence) and kept inside the text. Only tokens of whole
 * occurrences inside the window are marked, so a phrase is marked as a
 * whole or not at all.
 *
 * The extract is cut at token boundaries, with "…" where text was left
 * out; runs of white space become one space and control characters and
 * invalid UTF-8 are dropped, so it is safe to print on a terminal and never
 * splits a character.
 */
#ifndef SE_SNIPPET_H
#define SE_SNIPPET_H

#include <stddef.h>

#include "buf.h"
#include "query.h"
#include "stemmer.h"

#define SNIP_WORDS_DEFAULT 30

struct snip;

/* Prepare snippets for query `q` (which must outlive the object), with
 * `stem` the index's stemmer. SE_OK or SE_ENOMEM. */
int snip_new(struct stem *stem, const struct qry_node *q, struct snip **out);
void snip_free(struct snip *s);
/*
 * Append to `out` an extract of `words` tokens of `text` (fewer when the
 * text is shorter; 0 counts as 1), each marked token wrapped in `on` ...
 * `off` (e.g. ANSI colours, or "" and "" for none). Returns the number of
 * marked tokens in the extract (>= 0) or SE_ENOMEM.
 */
int snip_make(struct snip *s, const char *text, size_t len, size_t words,
              const char *on, const char *off, struct buf *out);

#endif
