/*
 * fuzz_jsonl.c - libFuzzer harness for the JSON Lines reader (and the text
 * reader) of indexer/reader.h.
 *
 * The input is the file, as is: written to a temporary file and handed to
 * rd_add_fd() under the name "fuzz.jsonl". It is read four times:
 *   A. RD_JSONL, defaults: stops at the first bad line (a fatal error,
 *      repeated by every later rd_next());
 *   B. RD_JSONL with skip_bad: a bad line is a warning, reading goes on;
 *      the documents of A must be the first documents of B;
 *   C. as B with max_doc = FJSONL_SMALL: exactly the documents of B whose
 *      line (without its '\n', after a byte order mark) fits;
 *   D. RD_TEXT: no document when the file is only white space, a warning
 *      when a NUL byte is in its first 8 KiB, else one document whose title
 *      is one trimmed line of at most RD_TITLE_MAX bytes.
 * Every run is checked as fuzz_reader.h says; JSON fields hold no NUL
 * byte, lines strictly increase. Input that starts like gzip, xz or zstd
 * data is decompressed by the reader: C and D are then only checked as B is
 * (the lines and bytes their rules speak of are those of the decompressed
 * text).
 */
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "fuzz_reader.h"
#include "reader.h"

#define FJSONL_NAME "fuzz.jsonl"
#define FJSONL_SMALL 256

/* JSON strings hold no NUL: an escaped \u0000 ends them. */
static void
fjsonl_check(const struct rd_doc *d)
{
    FUZZ_CHECK(strlen(d->id) == d->id_len && strlen(d->title) == d->title_len &&
                   strlen(d->date) == d->date_len &&
                   strlen(d->body) == d->body_len,
               "a JSON field holds a NUL byte");
}

static int
fjsonl_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The text reader's view of the same bytes (run D). */
static void
fjsonl_text(const uint8_t *data, size_t size, int packed)
{
    struct rd_reader *r;
    struct rd_doc d;
    size_t skip = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t probe = size - skip < 8192 ? size - skip : 8192, i;
    int binary = memchr(data + skip, '\0', probe) != NULL, blank = 1, rc;
    struct rd_options opt = {0, packed ? FRD_PACKED_MAX : 0};

    for (i = skip; i < size && blank; i++)
        blank = data[i] == '\n' || fjsonl_is_space(data[i]);
    FUZZ_NEED(rd_new(&opt, &r) == SE_OK ? r : NULL);
    FUZZ_CHECK(rd_add_fd(r, fuzz_temp_fd(data, size), FJSONL_NAME, RD_TEXT) ==
                   SE_OK,
               "rd_add_fd() refused a descriptor");
    rc = rd_next(r, &d);
    if (packed && rc < 0) {
        FUZZ_CHECK(rc == SE_EINVAL || rc == SE_ELIMIT || rc == SE_ECORRUPT,
                   "a problem with an unexpected code");
        rc = rd_next(r, &d);
        if (rc < 0) /* fatal: told again */
            rc = 0;
    } else if (packed && rc == 0) {
        /* nothing but white space inside */
    } else if (binary && !packed) {
        FUZZ_CHECK(rc == SE_EINVAL && rd_warning(r),
                   "a NUL in the first 8 KiB is not a binary file warning");
        rc = rd_next(r, &d);
    } else if (blank && !packed) {
        FUZZ_CHECK(rc == 0, "a blank text file gave a document");
    } else {
        FUZZ_CHECK(rc == 1, "a text file gave no document");
        FUZZ_CHECK(d.id_len == strlen(FJSONL_NAME) &&
                       strcmp(d.id, FJSONL_NAME) == 0,
                   "a text document's id is not its name");
        frd_check_string(d.title, d.title_len);
        frd_check_string(d.body, d.body_len);
        FUZZ_CHECK(d.title_len <= RD_TITLE_MAX, "a title too long");
        FUZZ_CHECK(memchr(d.title, '\n', d.title_len) == NULL,
                   "a title of several lines");
        FUZZ_CHECK(
            d.title_len == 0 ||
                (!fjsonl_is_space((unsigned char)d.title[0]) &&
                 !fjsonl_is_space((unsigned char)d.title[d.title_len - 1])),
            "a title not trimmed");
        FUZZ_CHECK(packed || d.title_len + d.body_len <= size,
                   "title and body longer than the file");
        FUZZ_CHECK(d.body_len == 0 || d.body[0] != '\n',
                   "a body starting with a blank line");
        rc = rd_next(r, &d);
    }
    FUZZ_CHECK(rc == 0, "a text file gave a second document");
    rd_free(r);
}

static int
fuzz_jsonl_one(const uint8_t *data, size_t size)
{
    int packed = frd_packed(data, size);
    struct frd_run run = {FJSONL_NAME, RD_JSONL, {0, 0}, 0,
                          0,           packed,   0,      fjsonl_check};
    struct frd_doc *a, *b, *c;
    size_t na, nb, nc, i, j, bom, at;
    uint64_t lines = 1, *len;

    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    /* len[k]: bytes of line k (1-based), as the reader measures them. */
    len = calloc(lines + 1, sizeof *len);
    FUZZ_NEED(len);
    bom = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (i = bom, at = 1; i < size; i++) {
        if (data[i] == '\n')
            at++;
        else
            len[at]++;
    }
    run.most = packed ? FRD_PACKED_DOCS : lines;
    run.lines = packed ? 0 : lines;
    run.opt.max_doc = packed ? FRD_PACKED_MAX : 0;
    a = calloc(run.most, sizeof *a);
    b = calloc(run.most, sizeof *b);
    c = calloc(run.most, sizeof *c);
    FUZZ_NEED(a);
    FUZZ_NEED(b);
    FUZZ_NEED(c);

    na = frd_read(data, size, &run, a);
    run.opt.skip_bad = 1;
    nb = frd_read(data, size, &run, b);
    FUZZ_CHECK(packed || na <= nb, "skip_bad gave fewer documents");
    for (i = 0; i < na && i < nb; i++)
        FUZZ_CHECK(a[i].line == b[i].line && a[i].hash == b[i].hash,
                   "skip_bad changed the documents before the first problem");
    run.opt.max_doc = FJSONL_SMALL;
    nc = frd_read(data, size, &run, c);
    for (i = j = 0; i < nb && !packed; i++) {
        if (len[b[i].line] > FJSONL_SMALL)
            continue;
        FUZZ_CHECK(j < nc && c[j].line == b[i].line && c[j].hash == b[i].hash,
                   "max_doc dropped a line that fits");
        j++;
    }
    FUZZ_CHECK(packed || j == nc, "max_doc kept a line that does not fit");
    fjsonl_text(data, size, packed);
    free(a);
    free(b);
    free(c);
    free(len);
    return 0;
}

#ifndef FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_jsonl_one(data, size);
}
#endif
