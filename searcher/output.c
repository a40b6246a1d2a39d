/* output.c - text, JSON, TREC and id output of the searcher, and how a
 * query error is shown. */
#include "output.h"

#include <inttypes.h>
#include <string.h>

#include "error.h"

int
out_json_string(struct buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int rc = buf_putc(b, '"');

    while (rc == SE_OK && i < len) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            rc = buf_putc(b, '\\');
            if (rc == SE_OK)
                rc = buf_putc(b, (int)c);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            rc = buf_printf(b, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            rc = buf_putc(b, (int)c);
            i++;
        } else {
            /* Copy a valid UTF-8 sequence; replace anything else. */
            size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2, k;
            int ok = c >= 0xc2 && c <= 0xf4 && i + need <= len;
            for (k = 1; ok && k < need; k++)
                ok = (p[i + k] & 0xc0) == 0x80;
            if (ok && c == 0xe0 && p[i + 1] < 0xa0)
                ok = 0;
            if (ok && c == 0xed && p[i + 1] >= 0xa0)
                ok = 0;
            if (ok && c == 0xf0 && p[i + 1] < 0x90)
                ok = 0;
            if (ok && c == 0xf4 && p[i + 1] >= 0x90)
                ok = 0;
            if (ok) {
                rc = buf_append(b, p + i, need);
                i += need;
            } else {
                rc = buf_puts(b, "\\ufffd");
                i++;
            }
        }
    }
    return rc == SE_OK ? buf_putc(b, '"') : rc;
}

/* ,"explain":[{"term":..,"tf":..,"df":..,"idf":..,"doc_len":..,
 * "contribution":..},...] */
static int
json_explain(struct buf *b, const struct out_hit *h)
{
    size_t i;
    int rc = buf_puts(b, ",\"explain\":[");

    for (i = 0; rc == SE_OK && i < h->nexplain; i++) {
        const struct out_explain *e = &h->explain[i];
        rc = buf_puts(b, i ? ",{\"term\":" : "{\"term\":");
        if (rc == SE_OK)
            rc = out_json_string(b, e->label, e->label_len);
        if (rc == SE_OK)
            rc = buf_printf(b,
                            ",\"tf\":%" PRIu32 ",\"df\":%" PRIu64
                            ",\"idf\":%.6f,\"doc_len\":%" PRIu32
                            ",\"contribution\":%.6f}",
                            e->tf, e->df, e->idf, h->doc_len, e->contribution);
    }
    return rc == SE_OK ? buf_putc(b, ']') : rc;
}

/*
 * The offset of the first stop word in q->dropped at or after `at` that
 * the list has not already given (each word once, in query order), or
 * q->dropped_len when there is none.
 */
static size_t
next_dropped(const struct out_query *q, size_t at)
{
    size_t k;

    for (; at < q->dropped_len; at += strlen(q->dropped + at) + 1) {
        for (k = 0; k < at; k += strlen(q->dropped + k) + 1)
            if (strcmp(q->dropped + k, q->dropped + at) == 0)
                break;
        if (k == at)
            return at;
    }
    return q->dropped_len;
}

/* ,"left_out":["the","of"] when the query left stop words out. */
static int
json_dropped(struct buf *b, const struct out_query *q)
{
    size_t at;
    int rc = SE_OK;

    for (at = next_dropped(q, 0); rc == SE_OK && at < q->dropped_len;
         at = next_dropped(q, at + strlen(q->dropped + at) + 1)) {
        rc = buf_puts(b, at ? "," : ",\"left_out\":[");
        if (rc == SE_OK)
            rc = out_json_string(b, q->dropped + at, strlen(q->dropped + at));
    }
    return rc == SE_OK && q->dropped_len ? buf_putc(b, ']') : rc;
}

static int
write_json(FILE *f, const struct out_query *q)
{
    struct buf b = BUF_INIT;
    size_t i;
    int rc = buf_puts(&b, "{\"query\":");

    if (rc == SE_OK)
        rc = out_json_string(&b, q->text, q->text_len);
    if (rc == SE_OK)
        rc = buf_puts(&b, ",\"qid\":");
    if (rc == SE_OK)
        rc = out_json_string(&b, q->qid, strlen(q->qid));
    if (rc == SE_OK)
        rc = buf_printf(&b,
                        ",\"total_hits\":%llu,\"total_exact\":%s,"
                        "\"took_ms\":%.3f",
                        (unsigned long long)q->total,
                        q->total_exact ? "true" : "false", q->took_ms);
    if (rc == SE_OK)
        rc = json_dropped(&b, q);
    if (rc == SE_OK)
        rc = buf_puts(&b, ",\"hits\":[");
    for (i = 0; rc == SE_OK && i < q->nhits; i++) {
        const struct out_hit *h = &q->hits[i];
        rc = buf_printf(&b, "%s{\"rank\":%zu,\"id\":", i ? "," : "",
                        q->offset + i + 1);
        if (rc == SE_OK)
            rc = out_json_string(&b, h->id, h->id_len);
        if (rc == SE_OK)
            rc = buf_printf(&b, ",\"score\":%.6f,\"title\":", h->score);
        if (rc == SE_OK)
            rc = out_json_string(&b, h->title, h->title_len);
        if (rc == SE_OK)
            rc = buf_puts(&b, ",\"date\":");
        if (rc == SE_OK)
            rc = out_json_string(&b, h->date, h->date_len);
        if (rc == SE_OK && h->snippet) {
            rc = buf_puts(&b, ",\"snippet\":");
            if (rc == SE_OK)
                rc = out_json_string(&b, h->snippet, h->snippet_len);
        }
        if (rc == SE_OK && h->explained)
            rc = json_explain(&b, h);
        if (rc == SE_OK)
            rc = buf_putc(&b, '}');
    }
    if (rc == SE_OK)
        rc = buf_puts(&b, "]}\n");
    if (rc == SE_OK && fwrite(b.data, 1, b.len, f) != b.len)
        rc = SE_EIO;
    buf_release(&b);
    return rc;
}

/*
 * Print an id (document or query) for a TREC line: white space would split
 * the columns, and an empty id would drop one.
 */
static void
put_trec_id(FILE *f, const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        fputc('_', f);
    for (i = 0; i < n; i++)
        fputc(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'
                  ? '_'
                  : s[i],
              f);
}

static int
write_trec(FILE *f, const struct out_query *q, const char *tag)
{
    size_t i;

    for (i = 0; i < q->nhits; i++) {
        put_trec_id(f, q->qid, strlen(q->qid));
        fputs(" Q0 ", f);
        put_trec_id(f, q->hits[i].id, q->hits[i].id_len);
        fprintf(f, " %zu %.6f %s\n", q->offset + i + 1, q->hits[i].score, tag);
    }
    return ferror(f) ? SE_EIO : SE_OK;
}

/*
 * Print a field of the document (id, title, date) on one line: its text
 * comes from the input, and a control character in it (a newline, or an
 * ESC starting a terminal sequence) would break the layout or drive the
 * terminal. C0, DEL and C1 controls (U+0080-U+009F, bytes C2 80-9F)
 * become spaces.
 */
static void
put_field(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            fputc(' ', f);
        } else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
                   p[i + 1] <= 0x9f) {
            fputc(' ', f);
            i++;
        } else {
            fputc(p[i], f);
        }
    }
}

/*
 *      score 1.234 = the sum of 2 clauses; length 512 tokens (mean 300.4)
 *         1.000  cotton  (tf 3, df 12, idf 2.110)
 */
static void
text_explain(FILE *f, const struct out_hit *h, double avgdl, const char *dim,
             const char *reset)
{
    size_t i;

    fprintf(f,
            "     %sscore %.3f = the sum of %zu clause%s; length %" PRIu32
            " tokens (mean %.1f)%s\n",
            dim, h->score, h->nexplain, h->nexplain == 1 ? "" : "s", h->doc_len,
            avgdl, reset);
    for (i = 0; i < h->nexplain; i++) {
        const struct out_explain *e = &h->explain[i];
        fprintf(f, "     %s%8.3f%s  ", dim, e->contribution, reset);
        put_field(f, e->label, e->label_len);
        fprintf(f, "  %s(tf %" PRIu32 ", df %" PRIu64 ", idf %.3f)%s\n", dim,
                e->tf, e->df, e->idf, reset);
    }
}

static int
write_text(FILE *f, const struct out_query *q, int color)
{
    const char *bold = color ? "\033[1m" : "", *dim = color ? "\033[2m" : "";
    const char *reset = color ? "\033[0m" : "";
    size_t i;

    for (i = 0; i < q->nhits; i++) {
        const struct out_hit *h = &q->hits[i];
        fprintf(f, "%3zu. %s", q->offset + i + 1, bold);
        put_field(f, h->id, h->id_len);
        fprintf(f, "%s  %s%.3f%s", reset, dim, h->score, reset);
        if (h->date_len) {
            fprintf(f, "  %s", dim);
            put_field(f, h->date, h->date_len);
            fputs(reset, f);
        }
        fputc('\n', f);
        if (h->title_len) {
            fputs("     ", f);
            put_field(f, h->title, h->title_len);
            fputc('\n', f);
        }
        if (h->snippet && h->snippet_len)
            fprintf(f, "     %.*s\n", (int)h->snippet_len, h->snippet);
        if (h->explained)
            text_explain(f, h, q->avgdl, dim, reset);
    }
    return ferror(f) ? SE_EIO : SE_OK;
}

int
out_write(FILE *f, enum out_format format, const struct out_query *q,
          const char *run_tag, int color)
{
    switch (format) {
    case OUT_JSON:
        return write_json(f, q);
    case OUT_TREC:
        return write_trec(f, q, run_tag);
    case OUT_TEXT:
        return write_text(f, q, color);
    }
    return SE_EINVAL;
}

int
out_write_ids(FILE *f, const struct out_query *q, int qid_column)
{
    size_t i;

    for (i = 0; i < q->nhits; i++) {
        if (qid_column)
            fprintf(f, "%s\t", q->qid);
        /* An id is one line: a newline in it would make two. */
        put_field(f, q->hits[i].id, q->hits[i].id_len);
        fputc('\n', f);
    }
    return ferror(f) ? SE_EIO : SE_OK;
}

/* `v` with its digits grouped by three: 1234567 -> "1,234,567". */
static const char *
grouped(uint64_t v, char out[32])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v), i, k = 0;

    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
    return out;
}

void
out_summary(FILE *f, const struct out_query *q)
{
    char shown[32], total[32];
    size_t at;

    fprintf(f, "%s of %s%s hits in %.1f ms", grouped(q->nhits, shown),
            q->total_exact ? "" : "at least ", grouped(q->total, total),
            q->took_ms);
    for (at = next_dropped(q, 0); at < q->dropped_len;
         at = next_dropped(q, at + strlen(q->dropped + at) + 1)) {
        fprintf(f, "%s", at ? ", " : "; common words left out: ");
        put_field(f, q->dropped + at, strlen(q->dropped + at));
    }
    fputc('\n', f);
}

/* The code point of the valid UTF-8 sequence at p (n bytes), or -1. */
static long
decode(const unsigned char *p, size_t n)
{
    long cp;
    size_t i;

    if (n == 1)
        return p[0] < 0x80 ? p[0] : -1;
    if (n == 2)
        cp = p[0] & 0x1f;
    else if (n == 3)
        cp = p[0] & 0x0f;
    else if (n == 4)
        cp = p[0] & 0x07;
    else
        return -1;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
        (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    return cp;
}

/*
 * Cells a character takes on a terminal: 2 for the East Asian wide and
 * full-width blocks, 0 for the common combining marks, else 1. Ranges
 * from Unicode's EastAsianWidth.txt (W and F), the large blocks only.
 */
static int
cells(long cp)
{
    static const long wide[][2] = {
        {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},
        {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
        {0xa960, 0xa97f},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},
        {0xfe30, 0xfe4f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},
        {0x1f300, 0x1f64f}, {0x1f900, 0x1f9ff}, {0x20000, 0x3fffd}};
    static const long zero[][2] = {
        {0x0300, 0x036f}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff}, {0x200b, 0x200f},
        {0x20d0, 0x20ff}, {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}};
    size_t i;

    for (i = 0; i < sizeof wide / sizeof *wide; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    for (i = 0; i < sizeof zero / sizeof *zero; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    return 1;
}

void
out_query_error(FILE *f, const char *where, const struct qry_error *e,
                const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;
    struct buf line = BUF_INIT, caret = BUF_INIT;
    size_t i = 0, col = 0;

    fprintf(f, "searcher: error: %s%s", where, e->msg);
    if (e->column == 0) {
        fputc('\n', f);
    } else {
        fprintf(f, " at column %zu\n", e->column);
        /* A character: a lead byte and the continuation bytes after it,
         * as the parser counts; a bad sequence shows as '?'. */
        while (i < len) {
            size_t n = 1;
            long cp;
            int w;
            if ((p[i] & 0xc0) == 0x80) {
                i++; /* a stray continuation byte: no column of its own */
                continue;
            }
            while (i + n < len && (p[i + n] & 0xc0) == 0x80)
                n++;
            cp = decode(p + i, n);
            col++;
            if (cp == '\t') {
                buf_putc(&line, '\t');
                w = -1;
            } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
                buf_putc(&line, '?');
                w = 1;
            } else {
                buf_append(&line, p + i, n);
                w = cells(cp);
            }
            if (col < e->column) {
                if (w < 0)
                    buf_putc(&caret, '\t');
                while (w-- > 0)
                    buf_putc(&caret, ' ');
            }
            i += n;
        }
        fprintf(f, "%s\n%s^\n", buf_cstr(&line), buf_cstr(&caret));
    }
    if (e->hint[0])
        fprintf(f, "hint: %s\n", e->hint);
    buf_release(&line);
    buf_release(&caret);
}
