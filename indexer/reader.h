/*
 * reader.h - the indexer's input: documents, one at a time, from the paths
 * given on the command line (plain text files, JSON Lines files, TREC and
 * Reuters-21578 SGML files, any of them compressed, folders walked
 * recursively, standard input).
 *
 * Formats
 *   text   one document per file. id = the path (as given, or for a file
 *          found in a folder "DIR/sub/file.txt", joined with '/'); title =
 *          the first non-blank line, trimmed of ASCII white space; body = the
 *          text after that line, leading blank lines dropped. The title line
 *          is NOT repeated in the body, so title words are not counted twice.
 *          A first line longer than RD_TITLE_MAX bytes is not taken as a
 *          title: title = "" and body = the whole text. date = "".
 *          A file holding only white space yields no document.
 *   jsonl  one JSON object per line, string fields "id", "title", "date",
 *          "body"; other fields are ignored. A missing, null or "" id
 *          becomes "<file>:<line>"; a numeric id is kept as the number's
 *          text exactly as written in the line (so 64-bit ids survive).
 *          Missing or null title/date/body = "". Any other type is an error
 *          for that line. Blank lines are skipped; "\r\n" ends are accepted;
 *          a UTF-8 byte order mark at the start of any file is dropped.
 *   trec   TREC SGML: <DOC><DOCNO>id</DOCNO>...<TEXT>...</TEXT></DOC>, any
 *          number of documents a file; reuters: the Reuters-21578 .sgm
 *          files, <REUTERS ... NEWID="n">...</REUTERS>. The fields are
 *          described in sgml.h. line = the line where the document starts.
 *          Between documents only white space, <!...> declarations and
 *          <?...?> are allowed.
 * RD_AUTO picks jsonl for names ending in .jsonl, .ndjson or .json (any
 * case, also before .gz, .xz, .zst or .zstd). Any other file is sniffed:
 * trec or reuters when its first element (after white space and
 * declarations) is <DOC> or <REUTERS>; jsonl when its first byte that is
 * not white space is '{' and it is standard input ("-"), a descriptor, or
 * a compressed file (whose name says nothing of what is inside); text
 * otherwise.
 *
 * Compression: every input, whatever its format, name or origin (a path,
 * a file in a folder, standard input), is decompressed as it is read when
 * its first bytes are those of gzip, xz or zstd (see decompress.h); it is
 * never written to disk nor held whole in memory. Sizes and progress count
 * compressed bytes; max_doc applies to the decompressed text.
 *
 * Folders are walked in strcmp() order of names at each level: regular files
 * only (fifos, sockets and devices are passed over), names starting with '.'
 * skipped, symbolic links followed, each real folder (st_dev, st_ino) entered
 * at most once per reader, so link loops end and a folder reached twice
 * (two links, or named twice) is read once.
 *
 * Problems: rd_next() returns a negative SE_* code and rd_error() says what
 * and where. rd_warning() tells which kind it was:
 *   warning (the input was skipped; call rd_next() again to go on):
 *     - a text file with a NUL byte in its first 8 KiB ("binary file
 *       skipped"), or larger than max_doc bytes;
 *     - a file or folder met during a folder walk that cannot be read
 *       (stat, open, read or opendir fails: permissions, dangling link);
 *     - a bad JSON line (malformed, not an object, a field of the wrong
 *       type, longer than max_doc) when skip_bad is set;
 *     - a bad SGML document (not closed, no DOCNO or NEWID, an element
 *       not closed, longer than max_doc, text where a document should
 *       start) when skip_bad is set: reading goes on at the next start
 *       tag;
 *     - corrupt or truncated compressed data when skip_bad is set: what
 *       was read before it stands, the rest of that file is skipped.
 *   error (fatal: every later rd_next() returns the same code):
 *     - a path given to rd_add_path() that cannot be opened or read, or a
 *       read error on a descriptor given to rd_add_fd();
 *     - a bad JSON line, SGML document or compressed stream when skip_bad
 *       is not set;
 *     - SE_ENOMEM.
 * Messages name the file and, where known, the line: of a JSON line, of
 * the start of an SGML document, and for bad compressed data the line
 * being read when it went bad ("news.jsonl.gz:1234: truncated gzip data").
 * Codes: SE_EIO (errno kept) for system calls, SE_EINVAL for bad content,
 * SE_ECORRUPT for bad compressed data, SE_ELIMIT for size limits,
 * SE_ENOMEM.
 *
 * Limits and caveats:
 *   - JSON goes through cJSON (1.7.15): it nests at most 1000 levels (a
 *     deeper line is an "invalid JSON" error, never a crash); an escaped
 *     \u0000 ends the string there; a lone UTF-16 surrogate escape, which
 *     cJSON rejects, is read as U+FFFD. cJSON records each parse failure in
 *     a global variable that this module never reads (it takes the position
 *     from cJSON_ParseWithLengthOpts()), but two readers parsing in two
 *     threads still race on that write.
 *   - Bytes are not checked for valid UTF-8; columns in messages count bytes
 *     from 1. Lines end with "\n" only (a bare "\r" does not end a line).
 *   - A single text file, JSON line or SGML document is held in memory
 *     whole.
 */
#ifndef SE_READER_H
#define SE_READER_H

#include <stddef.h>
#include <stdint.h>

enum rd_format {
    RD_AUTO,    /* from the name, or sniffed for standard input */
    RD_TEXT,    /* one document per file */
    RD_JSONL,   /* one JSON object per line */
    RD_TREC,    /* TREC SGML: <DOC>...</DOC> */
    RD_REUTERS, /* Reuters-21578 SGML: <REUTERS>...</REUTERS> */
};

/* Default cap on one JSON line, SGML document or text file: 1 GiB. */
#define RD_MAX_DOC ((size_t)1 << 30)
/* A first line longer than this (bytes, after trimming) is not a title. */
#define RD_TITLE_MAX 512

struct rd_options {
    int skip_bad;   /* nonzero: bad input is a warning, not an error */
    size_t max_doc; /* cap on one JSON line, SGML document or text file;
                       0 = RD_MAX_DOC */
};

/*
 * One document. Every pointer is borrowed from the reader and valid until
 * the next rd_next() or rd_free(). Strings are NUL-terminated too, but the
 * length is the truth (a text body may hold NUL bytes past its first 8 KiB).
 */
struct rd_doc {
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    const char *date;
    size_t date_len;
    const char *body;
    size_t body_len;
    const char *source; /* the file's path as given or walked; "-" = stdin */
    uint64_t line;      /* 1-based line for jsonl, of the start for SGML; 0 for
                           text */
};

struct rd_reader; /* opaque: defined in reader.c */

/*
 * A reader with no inputs yet. `opt` may be NULL (defaults: skip_bad off,
 * max_doc RD_MAX_DOC); it is copied. SE_OK or SE_ENOMEM.
 */
int rd_new(const struct rd_options *opt, struct rd_reader **out);
/* Close every file the reader opened and free it. NULL does nothing. */
void rd_free(struct rd_reader *r);

/*
 * Queue `path` (a file, a folder, or "-" for standard input) in format
 * `fmt`; the string is copied. Checks now that the path exists: on failure
 * returns SE_EIO (errno kept) with "path: <strerror>" in rd_error(), and the
 * reader is unchanged and still usable. SE_EINVAL for a bad `fmt`,
 * SE_ENOMEM.
 */
int rd_add_path(struct rd_reader *r, const char *path, enum rd_format fmt);
/*
 * Queue an open descriptor, read from its current offset to its end; `name`
 * (copied) is used as the id of a text document, the source, and in
 * messages. The reader does not close `fd`: keep it open until rd_free().
 * rd_add_path(r, "-", fmt) is rd_add_fd(r, 0, "-", fmt).
 */
int rd_add_fd(struct rd_reader *r, int fd, const char *name,
              enum rd_format fmt);

/*
 * The next document of the queued inputs, in order. Returns 1 with `*doc`
 * filled, 0 when all inputs are read, or a negative SE_* code with `*doc`
 * zeroed: see rd_warning() and the top of this file.
 */
int rd_next(struct rd_reader *r, struct rd_doc *doc);
/*
 * One line saying what went wrong at the last failure of rd_next() or
 * rd_add_*(), e.g. "news.jsonl:42: invalid JSON at column 17",
 * "data/x.bin: binary file skipped", "missing/path: No such file or
 * directory". Valid until the next call on `r`; "" if none.
 */
const char *rd_error(const struct rd_reader *r);
/*
 * 1 if the last negative return of rd_next() was a warning (the bad input
 * was skipped and rd_next() goes on with what follows), 0 if it was fatal.
 */
int rd_warning(const struct rd_reader *r);

/*
 * Bytes of input consumed so far (compressed bytes for a compressed file),
 * for progress. A file skipped (binary, too large, unreadable in a walk,
 * bad compressed data) counts with its whole size, so at the end the count
 * equals rd_total_bytes() when the files did not change meanwhile.
 */
uint64_t rd_bytes_read(const struct rd_reader *r);
/*
 * Sum of the sizes of every queued input, or 0 if one has no known size (a
 * pipe). Computed on the first call, which walks the queued folders once
 * (stat only, same rules as reading); call it after the last rd_add_*().
 */
uint64_t rd_total_bytes(struct rd_reader *r);

#endif
