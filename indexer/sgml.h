/*
 * sgml.h - SGML news collections: finding documents in a stream of bytes
 * and taking their fields out. Two forms:
 *
 *   SGML_TREC     <DOC><DOCNO>id</DOCNO> ... <TEXT>...</TEXT></DOC>, as in
 *                 the TREC news collections (AP, WSJ, FT, LA Times, FBIS).
 *                 id = DOCNO; title = every HEADLINE, HL, HEAD and TITLE
 *                 element outside TEXT, joined by a space; date = the first
 *                 DATE element, or else the first DATELINE; body = every
 *                 TEXT element, joined by a newline. Title, date and id
 *                 have each run of white space made one space.
 *   SGML_REUTERS  <REUTERS ... NEWID="n"> ... </REUTERS>, the files of
 *                 Reuters-21578: id = the NEWID attribute; date = DATE;
 *                 title = the TITLE inside TEXT; body = the BODY inside
 *                 TEXT, or, when TEXT has neither TITLE nor BODY (the
 *                 "UNPROC" stories), all of TEXT. Inner white space is
 *                 kept, as in reuters21578.jsonl, which was made this way.
 *
 * In both, tags inside a field are dropped (a tag between two words
 * becomes a space), fields are trimmed of white space at both ends,
 * entity references are decoded (&amp; &lt; &gt; &quot; &apos; &nbsp;,
 * TREC's &hyph; &blank; &mdash; &ndash; &sect; &para; &deg; &cent;
 * &pound; &yen; &times;, and numeric ones; unknown ones stay as written),
 * and a numeric reference to a control character (&#3;, &#127;; not tab,
 * newline or carriage return) is removed. Bytes that are not valid UTF-8
 * are read as Latin-1, as these collections were written. Tag and
 * element names match in any case.
 */
#ifndef SE_SGML_H
#define SE_SGML_H

#include <stddef.h>

#include "buf.h"

enum sgml_kind {
    SGML_ANY = 0, /* for sgml_between(): either start tag */
    SGML_TREC = 1,
    SGML_REUTERS = 2,
};

/* What sgml_between() and sgml_scan() found. */
enum sgml_scan {
    SGML_MORE,  /* the bytes end before it can tell: read more, call again */
    SGML_START, /* a document's start tag */
    SGML_END,   /* a document's end tag */
    SGML_OTHER, /* something that is not a document */
    SGML_EOF,   /* nothing left */
};

/*
 * Skip what may come between documents in [s, s + len): white space,
 * declarations (<!...>, comments) and processing instructions (<?...?>).
 * *at is set to the offset of the first byte past them. Returns
 * SGML_START when a start tag of a `kind` document (SGML_ANY: of either
 * kind; *found says which) begins at *at, SGML_OTHER when something else
 * does, SGML_EOF when nothing is left and `eof`, SGML_MORE when more bytes
 * are needed (never when `eof`).
 */
enum sgml_scan sgml_between(enum sgml_kind kind, const char *s, size_t len,
                            int eof, size_t *at, enum sgml_kind *found);

/*
 * Look through [from, len) of a `kind` document starting at s for its end
 * tag (SGML_END, *at just past the '>') or for the start tag of another
 * document, which means this one is not closed (SGML_START, *at at its
 * '<'). Otherwise SGML_MORE, with *at where to look from once more bytes
 * have come (a tag cut by the end of the bytes is looked at again).
 */
enum sgml_scan sgml_scan(enum sgml_kind kind, const char *s, size_t len,
                         size_t from, size_t *at);

/* The fields of one document, decoded, NUL-terminated, UTF-8. */
struct sgml_doc {
    struct buf id, title, date, body;
    struct buf tmp; /* scratch */
};

/*
 * Take the fields of the `kind` document [s, s + len), from its start tag
 * to its end tag, into *d (whose buffers are reused). SE_OK; SE_EINVAL with
 * a short reason in why[whylen] (e.g. "<DOC> without <DOCNO>",
 * "<TEXT> without </TEXT>"); SE_ENOMEM.
 */
int sgml_parse(enum sgml_kind kind, const char *s, size_t len,
               struct sgml_doc *d, char *why, size_t whylen);
/* Free the buffers of *d. */
void sgml_doc_release(struct sgml_doc *d);

#endif
