/*
 * fuzz_sgml.c - libFuzzer harness for the SGML readers of indexer/reader.h
 * (RD_TREC and RD_REUTERS; the fields are taken out by indexer/sgml.h).
 *
 * The input is the file, as is: written to a temporary file and handed to
 * rd_add_fd() under the name "fuzz.sgm". For each of RD_TREC and
 * RD_REUTERS it is read three times:
 *   A. defaults: stops at the first bad document (a fatal error, repeated
 *      by every later rd_next());
 *   B. skip_bad: a bad document is a warning, reading goes on at the next
 *      start tag; the documents of A must be the first documents of B;
 *   C. as B with max_doc = FSGML_SMALL: a limit only drops documents, so
 *      the documents of C are some of those of B, in the same order.
 * and once more with RD_AUTO and skip_bad (the sniffing). Every run is
 * checked as fuzz_reader.h says; besides, documents may start on one line,
 * and every field is valid UTF-8 (bytes that are not are read as Latin-1)
 * with no white space at either end.
 */
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "error.h"
#include "fuzz.h"
#include "fuzz_reader.h"
#include "reader.h"

#define FSGML_NAME "fuzz.sgm"
#define FSGML_SMALL 512

static int
fsgml_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static void
fsgml_check_field(const char *s, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_int32_t cp;
    size_t at = 0;

    while (at < len) {
        utf8proc_ssize_t n =
            utf8proc_iterate(p + at, (utf8proc_ssize_t)(len - at), &cp);

        FUZZ_CHECK(n > 0, "an SGML field is not valid UTF-8");
        at += (size_t)n;
    }
    FUZZ_CHECK(len == 0 || (!fsgml_is_space((unsigned char)s[0]) &&
                            !fsgml_is_space((unsigned char)s[len - 1])),
               "an SGML field is not trimmed");
}

static void
fsgml_check(const struct rd_doc *d)
{
    fsgml_check_field(d->id, d->id_len);
    fsgml_check_field(d->title, d->title_len);
    fsgml_check_field(d->date, d->date_len);
    fsgml_check_field(d->body, d->body_len);
}

/* Sniffed input may come out as any format: only the common checks. */
static void
fsgml_check_nothing(const struct rd_doc *d)
{
    (void)d;
}

/* Runs A, B and C for one format. */
static void
fsgml_format(const uint8_t *data, size_t size, struct frd_run *run,
             struct frd_doc *a, struct frd_doc *b, struct frd_doc *c)
{
    size_t na, nb, nc, i, j;

    run->opt.skip_bad = 0;
    run->opt.max_doc = run->packed ? FRD_PACKED_MAX : 0;
    na = frd_read(data, size, run, a);
    run->opt.skip_bad = 1;
    nb = frd_read(data, size, run, b);
    FUZZ_CHECK(run->packed || na <= nb, "skip_bad gave fewer documents");
    for (i = 0; i < na && i < nb; i++)
        FUZZ_CHECK(a[i].line == b[i].line && a[i].hash == b[i].hash,
                   "skip_bad changed the documents before the first problem");
    run->opt.max_doc = FSGML_SMALL;
    nc = frd_read(data, size, run, c);
    for (i = j = 0; i < nc && !run->packed; i++, j++) {
        while (j < nb && (b[j].line != c[i].line || b[j].hash != c[i].hash))
            j++;
        FUZZ_CHECK(j < nb, "max_doc changed or added a document");
    }
}

static int
fuzz_sgml_one(const uint8_t *data, size_t size)
{
    int packed = frd_packed(data, size);
    struct frd_run run = {FSGML_NAME, RD_TREC, {0, 0}, 0,
                          0,          packed,  1,      fsgml_check};
    struct frd_doc *a, *b, *c;
    uint64_t lines = 1, tags = 1;
    size_t i;

    for (i = 0; i < size; i++) {
        lines += data[i] == '\n';
        tags += data[i] == '<';
    }
    run.most = packed ? FRD_PACKED_DOCS : tags;
    run.lines = packed ? 0 : lines;
    a = calloc(run.most, sizeof *a);
    b = calloc(run.most, sizeof *b);
    c = calloc(run.most, sizeof *c);
    FUZZ_NEED(a);
    FUZZ_NEED(b);
    FUZZ_NEED(c);
    fsgml_format(data, size, &run, a, b, c);
    run.fmt = RD_REUTERS;
    fsgml_format(data, size, &run, a, b, c);
    run.fmt = RD_AUTO;
    run.check = fsgml_check_nothing;
    run.same_line_ok = 1;
    run.opt.skip_bad = 1;
    run.opt.max_doc = packed ? FRD_PACKED_MAX : 0;
    run.most = packed ? FRD_PACKED_DOCS : tags + lines;
    free(a);
    a = calloc(run.most, sizeof *a);
    FUZZ_NEED(a);
    (void)frd_read(data, size, &run, a);
    free(a);
    free(b);
    free(c);
    return 0;
}

#ifndef FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_sgml_one(data, size);
}
#endif
