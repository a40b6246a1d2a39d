/*
 * test_reader.c - the indexer's input readers: text files, JSON Lines,
 * folder walks, standard input, and every way input can be bad.
 *
 * Most tests write files into a fresh mkdtemp() folder, read them and
 * compare a transcript (one line per document, warning or error) with the
 * expected one. Reuters-21578 is checked against a slow, obvious reader
 * (getline + cJSON_Parse) written here.
 */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "reader.h"
#include "testutil.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define SEED "seeds/xinjiang-business-group-ciie.txt"

/* ---------------------------------------------------------------------- */
/* Helpers.                                                                */

static char tmp[64];

static void
make_tmp(void)
{
    strcpy(tmp, "/tmp/test_reader.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
}

static void
drop_tmp(void)
{
    tu_rm_tree(tmp);
}

/* tmp/rel, in a static buffer (one at a time). */
static const char *
at(const char *rel)
{
    static char p[4][4096];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", tmp, rel);
    return p[i];
}

static void
make_link(const char *target, const char *rel)
{
    cr_assert_eq(symlink(target, at(rel)), 0, "symlink %s: %s", rel,
                 strerror(errno));
}

static void
put_escaped(struct buf *b, const char *s, size_t len)
{
    size_t i;
    unsigned char c;

    for (i = 0; i < len; i++) {
        c = (unsigned char)s[i];
        if (c == '\n')
            buf_puts(b, "\\n");
        else if (c == '\r')
            buf_puts(b, "\\r");
        else if (c < 0x20 || c >= 0x7f)
            buf_printf(b, "\\x%02x", c);
        else
            buf_putc(b, c);
    }
}

/* Drop every "<tmp>/" from the text so transcripts do not depend on it. */
static void
strip_tmp(struct buf *b)
{
    char pre[80];
    size_t n, i, j;

    snprintf(pre, sizeof pre, "%s/", tmp);
    n = strlen(pre);
    for (i = j = 0; i < b->len;) {
        if (b->len - i >= n && memcmp(b->data + i, pre, n) == 0) {
            i += n;
            continue;
        }
        b->data[j++] = b->data[i++];
    }
    b->len = j;
}

/*
 * Read everything: one line per document ("id|title|body|line"), warning
 * ("warn: msg") or error ("error: msg", which ends the reading). Caller
 * frees.
 */
static char *
transcript(struct rd_reader *r)
{
    struct buf b = BUF_INIT;
    struct rd_doc d;
    int rc, n = 0;

    while ((rc = rd_next(r, &d)) != 0) {
        cr_assert_lt(++n, 10000, "runaway reader");
        if (rc < 0) {
            buf_printf(&b, "%s: %s\n", rd_warning(r) ? "warn" : "error",
                       rd_error(r));
            if (!rd_warning(r))
                break;
            continue;
        }
        cr_assert_eq(rc, 1, "rd_next returned %d", rc);
        cr_assert_eq(strlen(d.id), d.id_len, "id NUL-terminated");
        cr_assert_eq(strlen(d.title), d.title_len, "title NUL-terminated");
        cr_assert_eq(d.date[d.date_len], '\0', "date NUL-terminated");
        cr_assert_eq(d.body[d.body_len], '\0', "body NUL-terminated");
        put_escaped(&b, d.id, d.id_len);
        buf_putc(&b, '|');
        put_escaped(&b, d.title, d.title_len);
        buf_putc(&b, '|');
        put_escaped(&b, d.body, d.body_len);
        if (d.date_len > 0) {
            buf_putc(&b, '|');
            put_escaped(&b, d.date, d.date_len);
        }
        buf_printf(&b, "|%llu\n", (unsigned long long)d.line);
    }
    strip_tmp(&b);
    buf_cstr(&b);
    return (char *)buf_detach(&b, NULL);
}

static struct rd_reader *
reader(const struct rd_options *opt)
{
    struct rd_reader *r;
    int rc = rd_new(opt, &r);

    cr_assert_eq(rc, SE_OK, "rd_new: %s", se_strerror(rc));
    return r;
}

static void
add(struct rd_reader *r, const char *rel, enum rd_format fmt)
{
    int rc = rd_add_path(r, at(rel), fmt);

    cr_assert_eq(rc, SE_OK, "rd_add_path %s: %s", rel, rd_error(r));
}

/* Transcript of reading `rel` (under tmp) in format `fmt`. */
static void
expect(const char *rel, enum rd_format fmt, const struct rd_options *opt,
       const char *want)
{
    struct rd_reader *r = reader(opt);
    char *got;

    add(r, rel, fmt);
    got = transcript(r);
    cr_assert_str_eq(got, want, "reading %s:\n%s\nwanted:\n%s", rel, got, want);
    free(got);
    rd_free(r);
}

TestSuite(reader, .init = make_tmp, .fini = drop_tmp);

/* ---------------------------------------------------------------------- */
/* Real data.                                                              */

static char *
dup_field(const cJSON *o, const char *key)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);

    return strdup(cJSON_IsString(f) ? f->valuestring : "");
}

Test(reader, reuters_gives_21578_documents_as_a_line_by_line_parse_does)
{
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;
    struct stat st;
    FILE *f;
    char *line = NULL, *id, *title, *date, *body;
    size_t cap = 0;
    ssize_t len;
    unsigned long n = 0;
    int rc;

    cr_assert_eq(stat(REUTERS, &st), 0, "%s: %s", REUTERS, strerror(errno));
    f = fopen(REUTERS, "r");
    cr_assert_not_null(f);
    cr_assert_eq(rd_add_path(r, REUTERS, RD_AUTO), SE_OK, "%s", rd_error(r));
    cr_assert_eq(rd_total_bytes(r), (uint64_t)st.st_size, "total bytes");
    while ((rc = rd_next(r, &d)) == 1) {
        cJSON *o;

        len = getline(&line, &cap, f);
        cr_assert_gt(len, 0, "reader gave more documents than lines");
        o = cJSON_Parse(line);
        cr_assert_not_null(o, "line %lu", n + 1);
        id = dup_field(o, "id");
        title = dup_field(o, "title");
        date = dup_field(o, "date");
        body = dup_field(o, "body");
        cJSON_Delete(o);
        n++;
        cr_assert_eq(d.line, n, "line number");
        cr_assert_str_eq(d.source, REUTERS);
        cr_assert(d.id_len == strlen(id) && memcmp(d.id, id, d.id_len) == 0,
                  "id at line %lu: %s vs %s", n, d.id, id);
        cr_assert(d.title_len == strlen(title) &&
                      memcmp(d.title, title, d.title_len) == 0,
                  "title at line %lu", n);
        cr_assert(d.date_len == strlen(date) &&
                      memcmp(d.date, date, d.date_len) == 0,
                  "date at line %lu", n);
        cr_assert(d.body_len == strlen(body) &&
                      memcmp(d.body, body, d.body_len) == 0,
                  "body at line %lu", n);
        if (n == 1) {
            cr_assert_str_eq(d.id, "1");
            cr_assert_str_eq(d.title, "BAHIA COCOA REVIEW");
        }
        free(id);
        free(title);
        free(date);
        free(body);
    }
    cr_assert_eq(rc, 0, "rd_next: %s", rd_error(r));
    cr_assert_eq(n, 21578, "documents");
    cr_assert_eq(getline(&line, &cap, f), -1, "lines left over");
    cr_assert_eq(rd_bytes_read(r), (uint64_t)st.st_size, "bytes read");
    free(line);
    fclose(f);
    rd_free(r);
}

Test(reader, seed_title_is_its_first_line_and_not_repeated_in_body)
{
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;

    cr_assert_eq(rd_add_path(r, SEED, RD_AUTO), SE_OK, "%s", rd_error(r));
    cr_assert_eq(rd_next(r, &d), 1, "%s", rd_error(r));
    cr_assert_str_eq(d.id, SEED);
    cr_assert_str_eq(d.source, SEED);
    cr_assert_str_eq(d.title,
                     "Xinjiang business group craves cooperation deals in "
                     "CIIE");
    cr_assert_eq(d.line, 0);
    cr_assert_eq(d.date_len, 0);
    cr_assert(strncmp(d.body, "By Wang Jiamei", 14) == 0, "body starts: %.40s",
              d.body);
    cr_assert_eq(rd_next(r, &d), 0);
    rd_free(r);
}

/* ---------------------------------------------------------------------- */
/* Text files.                                                             */

Test(reader, text_title_and_body_rules)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"Title\nbody", "t|Title|body|0\n"},
        {"\n \n\t Title  \r\n\r\n\n  body one\nbody two\n",
         "t|Title|  body one\\nbody two\\n|0\n"},
        {"Only a title", "t|Only a title||0\n"},
        {"Only a title\n\n", "t|Only a title||0\n"},
        {"\xEF\xBB\xBFWith BOM\nb", "t|With BOM|b|0\n"},
        {"Windows\r\nline two\r\n", "t|Windows|line two\\r\\n|0\n"},
        {"", ""},
        {" \n\r\n\t\n", ""},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_write_str(tmp, "t", cases[i].text);
        expect("t", RD_TEXT, NULL, cases[i].want);
    }
}

Test(reader, text_first_line_too_long_for_a_title_stays_in_body)
{
    char text[RD_TITLE_MAX + 20];
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;

    memset(text, 'x', RD_TITLE_MAX + 1);
    strcpy(text + RD_TITLE_MAX + 1, "\nnext");
    tu_write_str(tmp, "long.txt", text);
    add(r, "long.txt", RD_AUTO);
    cr_assert_eq(rd_next(r, &d), 1, "%s", rd_error(r));
    cr_assert_eq(d.title_len, 0, "no title");
    cr_assert_eq(d.body_len, strlen(text), "body is the whole text");
    rd_free(r);

    text[RD_TITLE_MAX] = '\n'; /* exactly RD_TITLE_MAX: a title */
    tu_write_str(tmp, "long.txt", text);
    r = reader(NULL);
    add(r, "long.txt", RD_AUTO);
    cr_assert_eq(rd_next(r, &d), 1, "%s", rd_error(r));
    cr_assert_eq(d.title_len, RD_TITLE_MAX);
    rd_free(r);
}

Test(reader, binary_file_is_skipped_with_a_warning_and_reading_goes_on)
{
    struct rd_reader *r = reader(NULL);
    char *got;
    char bin[9000];

    memset(bin, 'a', sizeof bin);
    bin[8191] = '\0'; /* last byte of the probe */
    tu_write_bytes(tmp, "x.bin", bin, sizeof bin);
    memset(bin, 'a', sizeof bin);
    bin[8192] = '\0'; /* past the probe: text */
    tu_write_bytes(tmp, "late.txt", bin, sizeof bin);
    tu_write_str(tmp, "ok.txt", "Fine\ntext");
    add(r, "x.bin", RD_AUTO);
    add(r, "ok.txt", RD_AUTO);
    got = transcript(r);
    cr_assert_str_eq(got,
                     "warn: x.bin: binary file skipped\nok.txt|Fine|text|0\n");
    free(got);
    cr_assert_eq(rd_bytes_read(r), rd_total_bytes(r),
                 "a skipped file counts as read");
    rd_free(r);

    r = reader(NULL);
    add(r, "late.txt", RD_AUTO);
    cr_assert_eq(rd_next(r, &(struct rd_doc){0}), 1, "%s", rd_error(r));
    rd_free(r);
}

Test(reader, text_file_over_max_doc_is_skipped_with_a_warning)
{
    struct rd_options opt = {.max_doc = 100};
    char big[101];

    memset(big, 'w', sizeof big);
    tu_write_bytes(tmp, "big.txt", big, sizeof big);
    expect("big.txt", RD_AUTO, &opt,
           "warn: big.txt: file larger than 100 bytes skipped\n");
    tu_write_bytes(tmp, "big.txt", big, 100);
    {
        struct rd_reader *r = reader(&opt);
        struct rd_doc d;
        int p[2];
        char *got;

        add(r, "big.txt", RD_AUTO);
        cr_assert_eq(rd_next(r, &d), 1, "100 bytes fit: %s", rd_error(r));
        rd_free(r);

        /* size unknown beforehand: found while reading */
        cr_assert_eq(pipe(p), 0);
        cr_assert_eq(write(p[1], big, sizeof big), (ssize_t)sizeof big);
        close(p[1]);
        r = reader(&opt);
        cr_assert_eq(rd_add_fd(r, p[0], "piped", RD_TEXT), SE_OK);
        got = transcript(r);
        cr_assert_str_eq(got,
                         "warn: piped: file larger than 100 bytes skipped\n");
        free(got);
        rd_free(r);
        close(p[0]);
    }
}

/* ---------------------------------------------------------------------- */
/* Folders.                                                                */

static void
make_tree(void)
{
    tu_make_dir(tmp, "d");
    tu_make_dir(tmp, "d/sub");
    tu_make_dir(tmp, "d/sub/deeper");
    tu_make_dir(tmp, "d/.hdir");
    tu_make_dir(tmp, "d/zz");
    tu_write_str(tmp, "d/b.txt", "B\nbee");
    tu_write_str(tmp, "d/a.txt", "A\nay");
    tu_write_str(tmp, "d/.hidden.txt", "H\nhidden");
    tu_write_str(tmp, "d/.hdir/x.txt", "X\nhidden too");
    tu_write_str(tmp, "d/sub/c.txt", "C\nsee");
    tu_write_str(tmp, "d/sub/deeper/e.txt", "E\neee");
    tu_write_str(tmp, "d/data.jsonl",
                 "{\"id\":\"j1\",\"body\":\"one\"}\n"
                 "{\"title\":\"two\"}\n");
    make_link("..", "d/sub/loop"); /* back to d */
    make_link(".", "d/sub/self");  /* itself */
    make_link("sub/c.txt", "d/link.txt");
    make_link("nowhere", "d/dangling");
    cr_assert_eq(mkfifo(at("d/fifo"), 0644), 0, "mkfifo");
}

Test(reader, folder_walk_is_sorted_skips_hidden_and_survives_loops)
{
    struct rd_reader *r = reader(NULL);
    char *got;

    make_tree();
    add(r, "d", RD_AUTO);
    got = transcript(r);
    cr_assert_str_eq(got,
                     "d/a.txt|A|ay|0\n"
                     "d/b.txt|B|bee|0\n"
                     "warn: d/dangling: No such file or directory\n"
                     "j1||one|1\n"
                     "d/data.jsonl:2|two||2\n"
                     "d/link.txt|C|see|0\n"
                     "d/sub/c.txt|C|see|0\n"
                     "d/sub/deeper/e.txt|E|eee|0\n",
                     "got:\n%s", got);
    free(got);
    cr_assert_eq(rd_bytes_read(r), rd_total_bytes(r), "bytes read = total");
    cr_assert_gt(rd_total_bytes(r), 0);
    rd_free(r);
}

Test(reader, folder_named_twice_or_through_a_link_is_read_once)
{
    struct rd_reader *r = reader(NULL);
    char *got;

    tu_make_dir(tmp, "d");
    tu_write_str(tmp, "d/a.txt", "A\nay");
    make_link("d", "alias");
    add(r, "d/", RD_AUTO); /* trailing slash: no "//" in ids */
    add(r, "alias", RD_AUTO);
    add(r, "d", RD_AUTO);
    add(r, "d/a.txt", RD_AUTO); /* a file named again is read again */
    cr_assert_eq(rd_total_bytes(r), 8);
    got = transcript(r);
    cr_assert_str_eq(got, "d/a.txt|A|ay|0\nd/a.txt|A|ay|0\n", "got:\n%s", got);
    free(got);
    rd_free(r);
}

Test(reader, unreadable_file_warns_in_a_walk_and_fails_when_named)
{
    struct rd_reader *r;
    char *got;

    if (geteuid() == 0) {
        drop_tmp(); /* .fini does not run after a skip */
        cr_skip_test("root reads files whatever their mode");
    }
    tu_make_dir(tmp, "d");
    tu_write_str(tmp, "d/a.txt", "A\nay");
    tu_write_str(tmp, "d/b.txt", "B\nbee");
    chmod(at("d/a.txt"), 0);
    r = reader(NULL);
    add(r, "d", RD_AUTO);
    got = transcript(r);
    cr_assert_str_eq(got, "warn: d/a.txt: Permission denied\nd/b.txt|B|bee|0\n",
                     "got:\n%s", got);
    free(got);
    rd_free(r);
    expect("d/a.txt", RD_AUTO, NULL, "error: d/a.txt: Permission denied\n");
}

Test(reader, missing_path_is_an_error_and_leaves_the_reader_usable)
{
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;
    int rc;

    rc = rd_add_path(r, "no/such/path.txt", RD_AUTO);
    cr_assert_eq(rc, SE_EIO, "rc %d", rc);
    cr_assert_eq(errno, ENOENT);
    cr_assert_str_eq(rd_error(r),
                     "no/such/path.txt: No such file or directory");
    cr_assert_eq(rd_add_path(r, SEED, RD_AUTO), SE_OK);
    cr_assert_eq(rd_next(r, &d), 1, "%s", rd_error(r));
    cr_assert_eq(rd_next(r, &d), 0);
    rd_free(r);
}

Test(reader, path_gone_before_reading_is_fatal)
{
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;

    tu_write_str(tmp, "gone.txt", "G\n");
    add(r, "gone.txt", RD_AUTO);
    unlink(at("gone.txt"));
    cr_assert_eq(rd_next(r, &d), SE_EIO);
    cr_assert_eq(rd_warning(r), 0);
    cr_assert(strstr(rd_error(r), "gone.txt: No such file or directory"), "%s",
              rd_error(r));
    cr_assert_eq(rd_next(r, &d), SE_EIO, "errors stick");
    rd_free(r);
}

/* ---------------------------------------------------------------------- */
/* JSON Lines.                                                             */

Test(reader, json_ids_given_numeric_or_generated)
{
    tu_write_str(tmp, "f.jsonl",
                 "{\"title\":\"no id\"}\n"
                 "{\"id\":null}\n"
                 "{\"id\":\"\"}\n"
                 "{\"id\":\"abc\",\"id\":\"second\"}\n"
                 "{\"id\":42}\n"
                 "{\"x\":{\"id\":1},\"id\" : 12345678901234567890}\n"
                 "{\"id\":-7}\n"
                 "{\"id\":1.5e3}\n"
                 "{\"id\":\"\\u00e9t\\u00e9\",\"date\":\"1987\"}\n");
    expect("f.jsonl", RD_AUTO, NULL,
           "f.jsonl:1|no id||1\n"
           "f.jsonl:2|||2\n"
           "f.jsonl:3|||3\n"
           "abc|||4\n"
           "42|||5\n"
           "12345678901234567890|||6\n"
           "-7|||7\n"
           "1.5e3|||8\n"
           "\\xc3\\xa9t\\xc3\\xa9|||1987|9\n");
}

Test(reader, json_wrong_types_are_errors_naming_the_field)
{
    static const struct {
        const char *line, *msg;
    } cases[] = {
        {"{\"id\":\"1\",\"body\":{\"a\":1}}",
         "field \"body\": expected a string, got an object"},
        {"{\"title\":[\"a\"]}",
         "field \"title\": expected a string, got an array"},
        {"{\"date\":19870226}",
         "field \"date\": expected a string, got a number"},
        {"{\"id\":true}",
         "field \"id\": expected a string or a number, got a boolean"},
        {"[1,2]", "expected a JSON object, got an array"},
        {"\"just a string\"", "expected a JSON object, got a string"},
        {"{\"id\":\"1\"} trailing",
         "unexpected text after the object at column 12"},
        {"{\"id\": \"x\" \"title\": 1}", "invalid JSON at column 12"},
        {"{\"id\":\"x\",}", "invalid JSON at column 11"},
        {"{\"id\":\"unterminated", "invalid JSON at column 8"},
        {"{", "invalid JSON at column 1 (JSON Lines: one object per line)"},
        {"{\"a\":NaN}", "invalid JSON at column 6"},
    };
    char want[512], line[512];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(line, sizeof line, "{\"id\":\"before\"}\n\n%s\n{}\n",
                 cases[i].line);
        tu_write_str(tmp, "w.jsonl", line);
        snprintf(want, sizeof want, "before|||1\nerror: w.jsonl:3: %s\n",
                 cases[i].msg);
        expect("w.jsonl", RD_AUTO, NULL, want);
    }
}

Test(reader, malformed_line_is_fatal_and_sticks)
{
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;

    tu_write_str(tmp, "bad.jsonl",
                 "{\"id\":\"1\"}\n{\"id\" \"2\"}\n{\"id\":\"3\"}\n");
    add(r, "bad.jsonl", RD_AUTO);
    cr_assert_eq(rd_next(r, &d), 1);
    cr_assert_eq(rd_next(r, &d), SE_EINVAL);
    cr_assert_eq(rd_warning(r), 0, "fatal");
    cr_assert_null(d.id, "doc zeroed on error");
    cr_assert(strstr(rd_error(r), "bad.jsonl:2: invalid JSON at column 7"),
              "%s", rd_error(r));
    cr_assert_eq(rd_next(r, &d), SE_EINVAL, "errors stick");
    rd_free(r);
}

Test(reader, skip_bad_turns_bad_lines_into_warnings)
{
    struct rd_options opt = {.skip_bad = 1};

    tu_write_str(tmp, "s.jsonl",
                 "{\"id\":\"1\"}\n"
                 "not json\n"
                 "{\"id\":\"3\",\"body\":7}\n"
                 "\n"
                 "[]\n"
                 "{\"id\":\"6\",\"body\":\"six\"}");
    expect("s.jsonl", RD_AUTO, &opt,
           "1|||1\n"
           "warn: s.jsonl:2: invalid JSON at column 1\n"
           "warn: s.jsonl:3: field \"body\": expected a string, got a number\n"
           "warn: s.jsonl:5: expected a JSON object, got an array\n"
           "6||six|6\n");
}

Test(reader, json_crlf_blank_lines_bom_and_empty_files)
{
    tu_write_str(tmp, "c.jsonl",
                 "\xEF\xBB\xBF{\"id\":1,\"title\":\"a\"}\r\n\r\n"
                 "  \t \r\n{\"id\":\"2\",\"body\":\"x\\r\\ny\"}\r\n");
    expect("c.jsonl", RD_AUTO, NULL, "1|a||1\n2||x\\r\\ny|4\n");
    tu_write_str(tmp, "e.jsonl", "");
    expect("e.jsonl", RD_AUTO, NULL, "");
    tu_write_str(tmp, "e.jsonl", "\n\n  \r\n");
    expect("e.jsonl", RD_AUTO, NULL, "");
}

Test(reader, json_unicode_escapes_and_surrogates)
{
    tu_write_str(tmp, "u.jsonl",
                 "{\"id\":\"pair\",\"body\":\"\\ud83d\\ude00\"}\n"
                 "{\"id\":\"lone high\",\"body\":\"a\\ud83db\"}\n"
                 "{\"id\":\"lone low\",\"body\":\"\\uDE00\"}\n"
                 "{\"id\":\"high high\",\"body\":\"\\ud83d\\ud83d\\ude00\"}\n"
                 "{\"id\":\"escaped backslash\",\"body\":\"\\\\ud800\"}\n"
                 "{\"id\":\"nul\",\"body\":\"a\\u0000b\"}\n");
    expect("u.jsonl", RD_AUTO, NULL,
           "pair||\\xf0\\x9f\\x98\\x80|1\n"
           "lone high||a\\xef\\xbf\\xbdb|2\n"
           "lone low||\\xef\\xbf\\xbd|3\n"
           "high high||\\xef\\xbf\\xbd\\xf0\\x9f\\x98\\x80|4\n"
           "escaped backslash||\\ud800|5\n"
           "nul||a|6\n");
}

Test(reader, fifty_megabyte_line_is_read_whole)
{
    size_t n = (size_t)50 << 20, i;
    char *line = malloc(n + 64);
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;
    size_t len;

    cr_assert_not_null(line);
    len = (size_t)sprintf(line, "{\"id\":\"big\",\"body\":\"");
    for (i = 0; i < n; i++)
        line[len + i] = "word "[i % 5];
    len += n;
    len += (size_t)sprintf(line + len, "\"}\n{\"id\":\"after\"}\n");
    tu_write_bytes(tmp, "big.jsonl", line, len);
    add(r, "big.jsonl", RD_AUTO);
    cr_assert_eq(rd_next(r, &d), 1, "%s", rd_error(r));
    cr_assert_str_eq(d.id, "big");
    cr_assert_eq(d.body_len, n);
    cr_assert(memcmp(d.body, line + 20, n) == 0, "body bytes");
    cr_assert_eq(rd_next(r, &d), 1, "%s", rd_error(r));
    cr_assert_str_eq(d.id, "after");
    cr_assert_eq(d.line, 2);
    cr_assert_eq(rd_next(r, &d), 0);
    free(line);
    rd_free(r);
}

Test(reader, over_long_line_is_an_error_or_skipped_with_skip_bad)
{
    struct rd_options opt = {.max_doc = 1000};
    size_t n = 3 << 20; /* longer than the read buffer, too */
    char *s = malloc(n + 100);
    size_t len;

    cr_assert_not_null(s);
    len = (size_t)sprintf(s, "{\"id\":\"1\"}\n{\"body\":\"");
    memset(s + len, 'z', n);
    len += n;
    len += (size_t)sprintf(s + len, "\"}\n{\"id\":\"3\"}\n");
    tu_write_bytes(tmp, "l.jsonl", s, len);
    expect("l.jsonl", RD_AUTO, &opt,
           "1|||1\nerror: l.jsonl:2: line longer than 1000 bytes\n");
    opt.skip_bad = 1;
    expect("l.jsonl", RD_AUTO, &opt,
           "1|||1\nwarn: l.jsonl:2: line longer than 1000 bytes\n3|||3\n");
    /* a line just over the cap, whose newline came in the same read */
    len = (size_t)sprintf(s, "{\"id\":\"1\"}\n{\"body\":\"");
    memset(s + len, 'z', 990);
    len += 990;
    len += (size_t)sprintf(s + len, "\"}\n{\"id\":\"3\"}");
    tu_write_bytes(tmp, "l.jsonl", s, len);
    expect("l.jsonl", RD_AUTO, &opt,
           "1|||1\nwarn: l.jsonl:2: line longer than 1000 bytes\n3|||3\n");
    free(s);
}

Test(reader, deep_nesting_is_a_clean_error_never_a_crash)
{
    size_t deep = 200000, i, len;
    char *s = malloc(2 * deep + 2000);
    struct rd_options opt = {.skip_bad = 1};
    struct rd_reader *r;
    struct rd_doc d;

    cr_assert_not_null(s);
    len = (size_t)sprintf(s, "{\"id\":\"deep\",\"x\":");
    for (i = 0; i < deep; i++)
        s[len++] = '[';
    for (i = 0; i < deep; i++)
        s[len++] = ']';
    len += (size_t)sprintf(s + len, "}\n{\"id\":\"ok\",\"x\":");
    for (i = 0; i < 500; i++) /* within cJSON's limit: ignored */
        s[len++] = '[';
    for (i = 0; i < 500; i++)
        s[len++] = ']';
    len += (size_t)sprintf(s + len, ",\"body\":\"b\"}\n");
    tu_write_bytes(tmp, "n.jsonl", s, len);
    r = reader(&opt);
    add(r, "n.jsonl", RD_AUTO);
    cr_assert_eq(rd_next(r, &d), SE_EINVAL);
    cr_assert_eq(rd_warning(r), 1);
    cr_assert(strstr(rd_error(r), "n.jsonl:1: invalid JSON at column "), "%s",
              rd_error(r));
    cr_assert_eq(rd_next(r, &d), 1, "%s", rd_error(r));
    cr_assert_str_eq(d.id, "ok");
    cr_assert_str_eq(d.body, "b");
    cr_assert_eq(rd_next(r, &d), 0);
    rd_free(r);
    free(s);
}

Test(reader, format_can_be_forced_either_way)
{
    tu_write_str(tmp, "x.jsonl", "{\"id\":\"1\"}\n{\"id\":\"2\"}\n");
    expect("x.jsonl", RD_TEXT, NULL,
           "x.jsonl|{\"id\":\"1\"}|{\"id\":\"2\"}\\n|0\n");
    tu_write_str(tmp, "x.txt", "{\"id\":\"1\"}\n");
    expect("x.txt", RD_AUTO, NULL, "x.txt|{\"id\":\"1\"}||0\n");
    expect("x.txt", RD_JSONL, NULL, "1|||1\n");
    tu_write_str(tmp, "y.NDJSON", "{\"id\":\"n\"}\n");
    expect("y.NDJSON", RD_AUTO, NULL, "n|||1\n");
}

/* ---------------------------------------------------------------------- */
/* Standard input and pipes.                                               */

/* Read "-" with fd 0 replaced by `rel` for the while. */
static char *
read_stdin_from(const char *rel, enum rd_format fmt)
{
    struct rd_reader *r = reader(NULL);
    int saved = dup(0), fd = open(at(rel), O_RDONLY);
    char *got;

    cr_assert(saved >= 0 && fd >= 0);
    cr_assert_eq(dup2(fd, 0), 0);
    close(fd);
    cr_assert_eq(rd_add_path(r, "-", fmt), SE_OK);
    got = transcript(r);
    cr_assert_eq(dup2(saved, 0), 0);
    close(saved);
    rd_free(r);
    return got;
}

Test(reader, stdin_is_sniffed_jsonl_or_text)
{
    char *got;

    tu_write_str(tmp, "in", "\n  {\"id\":\"s1\"}\n{\"title\":\"t\"}\n");
    got = read_stdin_from("in", RD_AUTO);
    cr_assert_str_eq(got, "s1|||2\n-:3|t||3\n");
    free(got);
    tu_write_str(tmp, "in", "\xEF\xBB\xBF  Text on stdin\nbody {\n");
    got = read_stdin_from("in", RD_AUTO);
    cr_assert_str_eq(got, "-|Text on stdin|body {\\n|0\n");
    free(got);
    tu_write_str(tmp, "in", "{not json at all}\n");
    got = read_stdin_from("in", RD_TEXT);
    cr_assert_str_eq(got, "-|{not json at all}||0\n");
    free(got);
    tu_write_str(tmp, "in", "");
    got = read_stdin_from("in", RD_AUTO);
    cr_assert_str_eq(got, "");
    free(got);
}

Test(reader, pipe_fed_in_small_pieces_gives_whole_lines)
{
    static const char data[] =
        "{\"id\":\"p1\",\"body\":\"first\"}\r\n"
        "\n"
        "{\"id\":\"p2\",\"title\":\"second\",\"body\":\"\\ud83d\\ude00\"}\n"
        "{\"id\":\"p3\"}";
    struct rd_reader *r = reader(NULL);
    int p[2], status;
    pid_t pid;
    char *got;
    size_t i;

    cr_assert_eq(pipe(p), 0);
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(p[0]);
        for (i = 0; i < sizeof data - 1; i += 3) {
            size_t n = sizeof data - 1 - i < 3 ? sizeof data - 1 - i : 3;
            if (write(p[1], data + i, n) != (ssize_t)n)
                _exit(1);
            usleep(100);
        }
        _exit(0);
    }
    close(p[1]);
    cr_assert_eq(rd_add_fd(r, p[0], "pipe", RD_AUTO), SE_OK);
    got = transcript(r);
    cr_assert_str_eq(got, "p1||first|1\np2|second|\\xf0\\x9f\\x98\\x80|3\n"
                          "p3|||4\n");
    cr_assert_eq(rd_total_bytes(r), 0, "a pipe has no known size");
    cr_assert_eq(rd_bytes_read(r), sizeof data - 1);
    free(got);
    rd_free(r);
    close(p[0]);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer");
}

/* ---------------------------------------------------------------------- */
/* Reuters-21578 in its SGML form.                                         */

#define SGM_DIR "../shared/corpora/news/reuters21578/sgm"
#define SGM_FILES 22

/* Queue reut2-000.sgm ... reut2-021.sgm, in order. */
static void
add_sgm_files(struct rd_reader *r, enum rd_format fmt)
{
    char path[256];
    int i, rc;

    for (i = 0; i < SGM_FILES; i++) {
        snprintf(path, sizeof path, "%s/reut2-%03d.sgm", SGM_DIR, i);
        rc = rd_add_path(r, path, fmt);
        cr_assert_eq(rc, SE_OK, "%s", rd_error(r));
    }
}

static int
same(const char *s, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(s, want, len) == 0;
}

Test(reader, reuters_sgm_gives_the_jsonl_documents_field_for_field)
{
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;
    FILE *f = fopen(REUTERS, "r");
    char *line = NULL, *id, *title, *date, *body;
    size_t cap = 0;
    unsigned long n = 0;
    int rc;

    cr_assert_not_null(f, "%s: %s", REUTERS, strerror(errno));
    add_sgm_files(r, RD_AUTO); /* sniffed: <REUTERS> after <!DOCTYPE> */
    while ((rc = rd_next(r, &d)) == 1) {
        cJSON *o;

        cr_assert_gt(getline(&line, &cap, f), 0, "more documents than lines");
        o = cJSON_Parse(line);
        cr_assert_not_null(o, "line %lu", n + 1);
        id = dup_field(o, "id");
        title = dup_field(o, "title");
        date = dup_field(o, "date");
        body = dup_field(o, "body");
        cJSON_Delete(o);
        n++;
        cr_assert(same(d.id, d.id_len, id), "document %lu: id %s vs %s", n,
                  d.id, id);
        cr_assert(same(d.title, d.title_len, title),
                  "id %s: title \"%s\" vs \"%s\"", id, d.title, title);
        cr_assert(same(d.date, d.date_len, date),
                  "id %s: date \"%s\" vs \"%s\"", id, d.date, date);
        cr_assert(same(d.body, d.body_len, body),
                  "id %s: body differs:\n%s\n----- vs -----\n%s", id, d.body,
                  body);
        cr_assert_gt(d.line, 0, "id %s: a line", id);
        free(id);
        free(title);
        free(date);
        free(body);
    }
    cr_assert_eq(rc, 0, "rd_next: %s", rd_error(r));
    cr_assert_eq(n, 21578, "documents");
    cr_assert_eq(getline(&line, &cap, f), -1, "JSONL lines left over");
    cr_assert_eq(rd_bytes_read(r), rd_total_bytes(r), "bytes read = total");
    free(line);
    fclose(f);
    rd_free(r);
}

/* ---------------------------------------------------------------------- */
/* Compressed inputs.                                                      */

static const char *const pack_ext[] = {".gz", ".xz", ".zst"};
static const char *const pack_name[] = {"gzip", "xz", "zstd"};

/* `len` bytes of `data` compressed whole (tu_pack). Caller frees. */
static unsigned char *
pack(enum tu_packer how, const void *data, size_t len, size_t *outlen)
{
    return tu_pack(how, 0, data, len, outlen);
}

/* Write `s` compressed by `how` to tmp/rel. */
static void
write_packed(enum tu_packer how, const char *rel, const char *s)
{
    size_t n;
    unsigned char *p = pack(how, s, strlen(s), &n);

    tu_write_bytes(tmp, rel, p, n);
    free(p);
}

/* The bytes of a file, whole; caller frees. */
static char *
slurp(const char *path, size_t *len)
{
    struct stat st;
    char *s;
    FILE *f = fopen(path, "rb");

    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_eq(fstat(fileno(f), &st), 0);
    s = malloc((size_t)st.st_size + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    s[st.st_size] = '\0';
    *len = (size_t)st.st_size;
    return s;
}

static size_t
count_char(const char *s, char c)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == c;
    return n;
}

static const char three_lines[] =
    "{\"id\":\"a\",\"title\":\"Alpha\",\"body\":\"first story\"}\n"
    "{\"id\":\"b\",\"title\":\"Beta\",\"body\":\"second story\"}\n"
    "{\"id\":\"c\",\"title\":\"Gamma\",\"body\":\"third story\"}\n";
static const char three_read[] = "a|Alpha|first story|1\n"
                                 "b|Beta|second story|2\n"
                                 "c|Gamma|third story|3\n";

Test(reader, compressed_seed_reads_as_the_plain_seed)
{
    size_t len, i;
    char *seed = slurp(SEED, &len), rel[32];
    struct rd_reader *r;
    struct rd_doc plain, d;
    char *title, *body;

    r = reader(NULL);
    cr_assert_eq(rd_add_path(r, SEED, RD_AUTO), SE_OK);
    cr_assert_eq(rd_next(r, &plain), 1, "%s", rd_error(r));
    title = strndup(plain.title, plain.title_len);
    body = strndup(plain.body, plain.body_len);
    rd_free(r);
    for (i = 0; i < 3; i++) {
        snprintf(rel, sizeof rel, "seed.txt%s", pack_ext[i]);
        write_packed((enum tu_packer)i, rel, seed);
        r = reader(NULL);
        add(r, rel, RD_AUTO);
        cr_assert_eq(rd_next(r, &d), 1, "%s: %s", rel, rd_error(r));
        cr_assert_str_eq(d.id, at(rel), "the id is the compressed file's path");
        cr_assert_str_eq(d.title, title, "%s: title", rel);
        cr_assert(d.body_len == strlen(body) &&
                      memcmp(d.body, body, d.body_len) == 0,
                  "%s: body", rel);
        cr_assert_eq(rd_next(r, &d), 0);
        cr_assert_eq(rd_bytes_read(r), rd_total_bytes(r),
                     "%s: progress counts compressed bytes", rel);
        rd_free(r);
    }
    free(title);
    free(body);
    free(seed);
}

Test(reader, compression_is_told_by_magic_bytes_not_names)
{
    size_t i;

    for (i = 0; i < 3; i++) {
        /* a jsonl name with compressed bytes; a compressed name without */
        write_packed((enum tu_packer)i, "x.jsonl", three_lines);
        expect("x.jsonl", RD_AUTO, NULL, three_read);
        write_packed((enum tu_packer)i, "dump", three_lines); /* sniffed '{' */
        expect("dump", RD_AUTO, NULL, three_read);
    }
    tu_write_str(tmp, "plain.gz", "Not packed\nat all");
    expect("plain.gz", RD_AUTO, NULL, "plain.gz|Not packed|at all|0\n");
    tu_write_str(tmp, "plain.jsonl.zst", three_lines);
    expect("plain.jsonl.zst", RD_AUTO, NULL, three_read);
}

Test(reader, multi_member_gzip_and_concatenated_xz_and_zstd_frames)
{
    const char *half = strchr(three_lines, '\n') + 1;
    size_t i, n1, n2;
    unsigned char *p1, *p2, *both;

    for (i = 0; i < 3; i++) {
        p1 = pack((enum tu_packer)i, three_lines, (size_t)(half - three_lines),
                  &n1);
        p2 = pack((enum tu_packer)i, half, strlen(half), &n2);
        both = malloc(n1 + n2 + 8);
        memcpy(both, p1, n1);
        memcpy(both + n1, p2, n2);
        if (i == TU_ZST) { /* and an empty skippable frame between */
            memmove(both + n1 + 8, both + n1, n2);
            memcpy(both + n1, "\x50\x2a\x4d\x18\0\0\0\0", 8);
            n2 += 8;
        }
        tu_write_bytes(tmp, "two.jsonl", both, n1 + n2);
        expect("two.jsonl", RD_AUTO, NULL, three_read);
        free(p1);
        free(p2);
        free(both);
    }
}

Test(reader, empty_compressed_files_hold_no_documents)
{
    size_t i;
    char rel[32];

    for (i = 0; i < 3; i++) {
        snprintf(rel, sizeof rel, "e.jsonl%s", pack_ext[i]);
        write_packed((enum tu_packer)i, rel, "");
        expect(rel, RD_AUTO, NULL, "");
        snprintf(rel, sizeof rel, "e.txt%s", pack_ext[i]);
        write_packed((enum tu_packer)i, rel, " \n\n");
        expect(rel, RD_AUTO, NULL, "");
    }
    tu_write_str(tmp, "e.gz", "");
    expect("e.gz", RD_AUTO, NULL, "");
}

Test(reader, truncated_streams_are_errors_naming_file_and_line)
{
    struct rd_options skip = {.skip_bad = 1};
    char rel[32], want[256];
    unsigned char *p;
    size_t i, n;

    for (i = 0; i < 3; i++) {
        /* cut in the trailer: every line is there, the end is not */
        p = pack((enum tu_packer)i, three_lines, strlen(three_lines), &n);
        snprintf(rel, sizeof rel, "cut.jsonl%s", pack_ext[i]);
        tu_write_bytes(tmp, rel, p, n - 2);
        snprintf(want, sizeof want, "%serror: %s:4: truncated %s data\n",
                 three_read, rel, pack_name[i]);
        expect(rel, RD_AUTO, NULL, want);
        /* only the magic bytes */
        tu_write_bytes(tmp, rel, p, i == TU_XZ ? 6 : i == TU_GZ ? 3 : 4);
        snprintf(want, sizeof want, "error: %s: truncated %s data\n", rel,
                 pack_name[i]);
        expect(rel, RD_AUTO, NULL, want);
        /* with --skip-bad a warning, and the next file is read */
        tu_write_bytes(tmp, rel, p, n / 2);
        tu_write_str(tmp, "after.jsonl", "{\"id\":\"after\"}\n");
        {
            struct rd_reader *r = reader(&skip);
            char *got;
            add(r, rel, RD_AUTO);
            add(r, "after.jsonl", RD_AUTO);
            got = transcript(r);
            snprintf(want, sizeof want, "warn: %s:", rel);
            cr_assert_not_null(strstr(got, want), "%s:\n%s", rel, got);
            snprintf(want, sizeof want, ": truncated %s data\nafter|||1\n",
                     pack_name[i]);
            cr_assert_not_null(strstr(got, want), "%s:\n%s", rel, got);
            cr_assert_eq(rd_bytes_read(r), rd_total_bytes(r),
                         "a skipped file counts whole");
            free(got);
            rd_free(r);
        }
        free(p);
    }
}

Test(reader, corrupt_streams_are_errors_never_crashes)
{
    static const char *const why[] = {
        "corrupt gzip data (incorrect data check)",
        "corrupt xz data",
        "corrupt zstd data",
    };
    char rel[32], *got, *err;
    unsigned char *p;
    size_t i, n, at;

    for (i = 0; i < 3; i++) {
        p = pack((enum tu_packer)i, three_lines, strlen(three_lines), &n);
        snprintf(rel, sizeof rel, "bad.jsonl%s", pack_ext[i]);
        /* the checksum of the data: gzip CRC-32 is 8 bytes from the end;
         * xz's index and footer close the stream; zstd's checksum is last */
        at = i == TU_GZ ? n - 8 : i == TU_XZ ? n - 20 : n - 1;
        p[at] ^= 0x55;
        tu_write_bytes(tmp, rel, p, n);
        {
            struct rd_reader *r = reader(NULL);
            add(r, rel, RD_AUTO);
            got = transcript(r);
            cr_assert_not_null(strstr(got, why[i]), "%s:\n%s", rel, got);
            /* the lines before the error are good ones (zstd checks its
             * frame before handing any out, gzip and xz do not) */
            err = strstr(got, "error: bad.jsonl");
            cr_assert_not_null(err, "%s", got);
            cr_assert(strncmp(got, three_read, (size_t)(err - got)) == 0, "%s",
                      got);
            cr_assert_eq(count_char(err, '\n'), 1, "one error:\n%s", got);
            free(got);
            rd_free(r);
        }
        /* flipped bytes anywhere: a clean error or good lines */
        for (at = 0; at < n; at += 3) {
            struct rd_reader *r = reader(NULL);
            p[at] ^= 0xA5;
            tu_write_bytes(tmp, rel, p, n);
            add(r, rel, RD_AUTO);
            free(transcript(r));
            rd_free(r);
            p[at] ^= 0xA5;
        }
        free(p);
    }
}

Test(reader, compressed_stdin_and_folders_are_decompressed_too)
{
    char *got;
    size_t i;

    for (i = 0; i < 3; i++) {
        write_packed((enum tu_packer)i, "in", three_lines);
        got = read_stdin_from("in", RD_AUTO);
        cr_assert_str_eq(got, "a|Alpha|first story|1\nb|Beta|second story|2\n"
                              "c|Gamma|third story|3\n");
        free(got);
    }
    tu_make_dir(tmp, "d");
    write_packed(TU_GZ, "d/a.txt.gz", "Packed title\npacked body\n");
    write_packed(TU_XZ, "d/b.jsonl.xz",
                 "{\"id\":\"bx\",\"body\":\"from xz\"}\n");
    write_packed(TU_ZST, "d/c.zst", "{\"id\":\"cz\",\"body\":\"from zstd\"}\n");
    write_packed(TU_GZ, "d/t.gz",
                 "<DOC><DOCNO>T1</DOCNO><TEXT>trec</TEXT></DOC>");
    expect("d", RD_AUTO, NULL,
           "d/a.txt.gz|Packed title|packed body\\n|0\n"
           "bx||from xz|1\n"
           "cz||from zstd|1\n"
           "T1||trec|1\n");
}

/* A child writes `data` into a pipe `step` bytes at a time; read it. */
static char *
read_piped(const void *data, size_t len, size_t step, enum rd_format fmt)
{
    struct rd_reader *r = reader(NULL);
    int p[2], status;
    pid_t pid;
    char *got;
    size_t i, n;

    cr_assert_eq(pipe(p), 0);
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(p[0]);
        for (i = 0; i < len; i += step) {
            n = len - i < step ? len - i : step;
            if (write(p[1], (const char *)data + i, n) != (ssize_t)n)
                _exit(1);
            usleep(50);
        }
        _exit(0);
    }
    close(p[1]);
    cr_assert_eq(rd_add_fd(r, p[0], "pipe", fmt), SE_OK);
    got = transcript(r);
    rd_free(r);
    close(p[0]);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer");
    return got;
}

Test(reader, compressed_pipe_fed_in_small_pieces)
{
    unsigned char *p;
    size_t i, n;
    char *got;

    for (i = 0; i < 3; i++) {
        p = pack((enum tu_packer)i, three_lines, strlen(three_lines), &n);
        got = read_piped(p, n, 5, RD_AUTO);
        cr_assert_str_eq(got, three_read, "%s", pack_name[i]);
        free(got);
        free(p);
    }
}

/* ---------------------------------------------------------------------- */
/* TREC SGML.                                                              */

static const char trec_two[] =
    "<!-- a TREC-style file -->\n"
    "<DOC>\n"
    "<DOCNO> WSJ870324-0001 </DOCNO>\n"
    "<HL> John Blair &amp; Co.\n   Is Close to Sale </HL>\n"
    "<DATE>03/24/87</DATE>\n"
    "<DATELINE>NEW YORK</DATELINE>\n"
    "<TEXT>\n   John Blair &amp; Co. &lt;JB&gt; said\n</TEXT>\n"
    "<TEXT>second &#38; last&#3; part</TEXT>\n"
    "</DOC>\n"
    "<doc><docno>LA010189-0001</docno>\n"
    "<headline><P>Caf\xc3\xa9 in Z\xfcrich</P></headline>\n"
    "<dateline>January 1, 1989</dateline>\n"
    "<text><p>One</p><p>Two</p> a<b&hyph;c &unknown; 5 < 6</text></doc>\n";

Test(reader, trec_documents_take_docno_title_date_and_every_text)
{
    tu_write_str(tmp, "wsj", trec_two);
    expect("wsj", RD_AUTO, NULL,
           "WSJ870324-0001|John Blair & Co. Is Close to Sale|"
           "John Blair & Co. <JB> said\\nsecond & last part|03/24/87|2\n"
           "LA010189-0001|Caf\\xc3\\xa9 in Z\\xc3\\xbcrich|"
           "One Two  a<b-c &unknown; 5 < 6|January 1, 1989|13\n");
    /* forced, fed through a pipe three bytes at a time: the same */
    {
        char *got = read_piped(trec_two, strlen(trec_two), 3, RD_TREC);
        cr_assert(strstr(got, "|2\nLA010189-0001|") != NULL, "%s", got);
        cr_assert_eq(count_char(got, '\n'), 2, "%s", got);
        free(got);
    }
}

Test(reader, bad_trec_documents_name_the_line_where_they_start)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"<DOC>\n<TEXT>no number</TEXT>\n</DOC>\n",
         "t:1: <DOC> without <DOCNO>"},
        {"\n\n<DOC><DOCNO>1</DOCNO>\n<TEXT>open\n</DOC>",
         "t:3: <TEXT> without </TEXT>"},
        {"<DOC><DOCNO>1</DOCNO>\n<DOC><DOCNO>2</DOCNO></DOC>",
         "t:1: <DOC> without </DOC>"},
        {"<DOC><DOCNO>1</DOCNO>\n\nnever closed",
         "t:1: <DOC> without </DOC> before the end of the file"},
        {"<DOC><DOCNO>1</DOCNO></DOC>\nstray text\n<DOC><DOCNO>2</DOCNO></DOC>",
         "t:2: expected <DOC>, found \"stray text\""},
    };
    struct rd_options skip = {.skip_bad = 1};
    char want[256];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_write_str(tmp, "t", cases[i].text);
        snprintf(want, sizeof want, "%s: %s\n",
                 strncmp(cases[i].text, "<DOC><DOCNO>1</DOCNO></DOC>", 27)
                     ? "error"
                     : "1|||1\nerror",
                 cases[i].error);
        expect("t", RD_TREC, NULL, want);
    }
    /* with --skip-bad: a warning, and the next document is read */
    tu_write_str(tmp, "t",
                 "<DOC><DOCNO>1</DOCNO>\n"
                 "<DOC><DOCNO>2</DOCNO><TEXT>two</TEXT></DOC>\n"
                 "junk <DOC> junk\n"
                 "<DOC><TEXT>no docno</TEXT></DOC>\n"
                 "<DOC><DOCNO>5</DOCNO></DOC>\n");
    expect("t", RD_TREC, &skip,
           "warn: t:1: <DOC> without </DOC>\n"
           "2||two|2\n"
           "warn: t:3: expected <DOC>, found \"junk <DOC> junk\"\n"
           "warn: t:3: <DOC> without </DOC>\n" /* the one inside the junk */
           "warn: t:4: <DOC> without <DOCNO>\n"
           "5|||5\n");
}

Test(reader, format_trec_on_other_text_is_a_clean_error)
{
    tu_write_str(tmp, "x.txt", "Plain title\nbody\n");
    expect("x.txt", RD_TREC, NULL,
           "error: x.txt:1: expected <DOC>, found \"Plain title\"\n");
    expect("x.txt", RD_REUTERS, NULL,
           "error: x.txt:1: expected <REUTERS>, found \"Plain title\"\n");
    tu_write_str(tmp, "x.txt", "");
    expect("x.txt", RD_TREC, NULL, "");
    /* text that merely starts with a tag stays text */
    tu_write_str(tmp, "x.html", "<html>\n<p>hello</p>\n");
    expect("x.html", RD_AUTO, NULL, "x.html|<html>|<p>hello</p>\\n|0\n");
}

Test(reader, reuters_sgm_compressed_is_sniffed_and_read)
{
    char path[256];
    size_t len, n;
    char *sgm;
    unsigned char *p;
    struct rd_reader *r = reader(NULL);
    struct rd_doc d;
    unsigned long docs = 0;
    int rc;

    snprintf(path, sizeof path, "%s/reut2-021.sgm", SGM_DIR);
    sgm = slurp(path, &len);
    p = pack(TU_XZ, sgm, len, &n);
    tu_write_bytes(tmp, "reut2-021.sgm.xz", p, n);
    add(r, "reut2-021.sgm.xz", RD_AUTO);
    while ((rc = rd_next(r, &d)) == 1) {
        docs++;
        if (docs == 1)
            cr_assert_str_eq(d.id, "21001");
    }
    cr_assert_eq(rc, 0, "%s", rd_error(r));
    cr_assert_eq(docs, 578, "reut2-021.sgm holds NEWID 21001 to 21578");
    cr_assert_str_eq(d.id ? d.id : "", "", "zeroed at the end");
    rd_free(r);
    free(p);
    free(sgm);
}
