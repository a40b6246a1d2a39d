/* output.c - text, JSON and TREC output of the searcher. */
#include "output.h"

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
                        "\"took_ms\":%.3f,\"hits\":[",
                        (unsigned long long)q->total,
                        q->total_exact ? "true" : "false", q->took_ms);
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
        fprintf(f, " %zu %.6f %s\n", q->offset + i + 1, q->hits[i].score,
                tag);
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
