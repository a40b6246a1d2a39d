/*
 * fuzz_reader.h - what the harnesses of indexer/reader.h (fuzz_jsonl.c,
 * fuzz_sgml.c) share: one whole read of the input through rd_next(), with
 * the checks every format must pass, and a summary of the documents read
 * so that runs with other options can be compared.
 *
 * Every run: rd_total_bytes() is the input's size, rd_bytes_read() never
 * passes it and reaches it when every input was read; a problem has a
 * known code, a message and no document, and a fatal one is repeated by the
 * next rd_next(); a document has an id that is not empty, strings
 * NUL-terminated at their length, the source name given, and 1-based lines
 * that never go back.
 *
 * Input that starts like gzip, xz or zstd data is decompressed by the
 * reader (decompress.h). A few bytes may expand a thousandfold, so such
 * runs stop after FRD_PACKED_DOCS documents or problems and use max_doc
 * FRD_PACKED_MAX; checks tied to the input's bytes do not apply to them.
 */
#ifndef SE_FUZZ_READER_H
#define SE_FUZZ_READER_H

#include <stdint.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "reader.h"

#define FRD_PACKED_DOCS 4096
#define FRD_PACKED_MAX ((size_t)1 << 20)

/* One document, as compared between runs. */
struct frd_doc {
    uint64_t line;
    uint64_t hash;
};

/* What a run is and how its documents are checked. */
struct frd_run {
    const char *name; /* given to rd_add_fd() */
    enum rd_format fmt;
    struct rd_options opt;
    uint64_t most;    /* documents and problems the input can hold */
    uint64_t lines;   /* lines of the input (0: unknown, packed) */
    int packed;       /* compressed input: stop after `most` */
    int same_line_ok; /* two documents may start on one line */
    void (*check)(const struct rd_doc *d); /* the format's own rules */
};

static inline uint64_t
frd_hash(uint64_t h, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    h ^= len; /* so that "ab","c" and "a","bc" differ */
    return h * 1099511628211ULL;
}

/* The magic bytes of gzip, xz or zstd (see decompress.h). */
static inline int
frd_packed(const uint8_t *d, size_t n)
{
    return (n >= 3 && memcmp(d, "\x1f\x8b\x08", 3) == 0) ||
           (n >= 6 && memcmp(d,
                             "\xfd"
                             "7zXZ\0",
                             6) == 0) ||
           (n >= 4 && memcmp(d, "\x28\xb5\x2f\xfd", 4) == 0) ||
           (n >= 4 && (d[0] & 0xf0) == 0x50 &&
            memcmp(d + 1, "\x2a\x4d\x18", 3) == 0);
}

static inline void
frd_check_string(const char *s, size_t len)
{
    FUZZ_CHECK(s != NULL && s[len] == '\0',
               "a field is not NUL-terminated at its length");
}

/*
 * Read the whole input as `run` says; the documents go to docs[] (room for
 * run->most); returns how many.
 */
static inline size_t
frd_read(const uint8_t *data, size_t size, const struct frd_run *run,
         struct frd_doc *docs)
{
    struct rd_reader *r;
    struct rd_doc d;
    uint64_t last_line = 0, rounds = 0, h;
    size_t ndocs = 0;
    int rc;

    FUZZ_NEED(rd_new(&run->opt, &r) == SE_OK ? r : NULL);
    rc = rd_add_fd(r, fuzz_temp_fd(data, size), run->name, run->fmt);
    FUZZ_CHECK(rc == SE_OK, "rd_add_fd() refused a descriptor");
    FUZZ_CHECK(rd_total_bytes(r) == size, "rd_total_bytes() is not the size");
    for (;;) {
        if (run->packed && rounds == run->most)
            break;
        /* Each document or problem takes some of the input; then 0. */
        FUZZ_CHECK(++rounds <= run->most + 2, "rd_next() does not end");
        rc = rd_next(r, &d);
        FUZZ_CHECK(rd_bytes_read(r) <= size, "more bytes read than there are");
        if (rc == 0)
            break;
        if (rc < 0) {
            FUZZ_CHECK(rc == SE_EINVAL || rc == SE_ELIMIT || rc == SE_ECORRUPT,
                       "a problem with an unexpected code");
            FUZZ_CHECK(rd_error(r)[0] != '\0', "a problem without a message");
            FUZZ_CHECK(d.id == NULL && d.body == NULL,
                       "a problem left a document");
            if (rd_warning(r))
                continue;
            FUZZ_CHECK(rd_next(r, &d) == rc,
                       "a fatal error is not repeated by rd_next()");
            break;
        }
        FUZZ_CHECK(rc == 1, "rd_next() returned an unexpected code");
        FUZZ_CHECK(ndocs < run->most, "more documents than the input holds");
        frd_check_string(d.id, d.id_len);
        frd_check_string(d.title, d.title_len);
        frd_check_string(d.date, d.date_len);
        frd_check_string(d.body, d.body_len);
        FUZZ_CHECK(d.id_len > 0, "an empty id");
        FUZZ_CHECK(d.source != NULL && strcmp(d.source, run->name) == 0,
                   "the source is not the name given");
        /* RD_AUTO may sniff text, whose documents have line 0. */
        FUZZ_CHECK((d.line >= 1 || run->fmt == RD_AUTO) &&
                       (d.line > last_line ||
                        (run->same_line_ok && d.line == last_line)),
                   "lines go back");
        FUZZ_CHECK(run->lines == 0 || d.line <= run->lines,
                   "a line past the end of the input");
        last_line = d.line;
        run->check(&d);
        h = frd_hash(14695981039346656037ULL, d.id, d.id_len);
        h = frd_hash(h, d.title, d.title_len);
        h = frd_hash(h, d.date, d.date_len);
        docs[ndocs].line = d.line;
        docs[ndocs].hash = frd_hash(h, d.body, d.body_len);
        ndocs++;
    }
    if (rc == 0)
        FUZZ_CHECK(rd_bytes_read(r) == size,
                   "rd_bytes_read() at the end is not the size");
    rd_free(r);
    return ndocs;
}

#endif
