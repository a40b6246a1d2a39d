/*
 * test_badinput.c - hostile input, end to end: what tests/test_cli.c does
 * not already cover. Each case runs the real binaries with a timeout (a
 * hang fails) and must end with the documented exit status and, on error,
 * one line naming the file and line; a death by signal fails. Peak RSS of
 * the child (wait4) is held to a stated bound, and indexes made from bad
 * input pass indexer --check.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "testutil.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* AddressSanitizer's shadow memory and quarantine about double the RSS. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK 3
#else
#define RSS_SLACK 1
#endif

static char tmp[64];

static const char *
at(const char *rel)
{
    return tu_path(tmp, rel);
}

static void
setup(void)
{
    tu_make_tmp(tmp, sizeof tmp, "test_badinput");
}

static void
teardown(void)
{
    tu_rm_tree(tmp);
}

TestSuite(badinput, .init = setup, .fini = teardown, .timeout = 240);

/* Run with standard input from `in` (or nothing); no signal, no hang. */
static void
run_in(struct tu_result *r, const struct tu_limits *lim, const char *prog,
       const char *const *args)
{
    struct tu_proc p;

    tu_start(&p, lim, prog, args);
    tu_finish(&p, 120, r);
    cr_assert_eq(r->signal, 0, "%s died of signal %d: %s", prog, r->signal,
                 r->err);
}

static void
run(struct tu_result *r, const char *prog, const char *const *args)
{
    run_in(r, NULL, prog, args);
}

static void
expect_one_error_line(const struct tu_result *r, const char *prog,
                      const char *has)
{
    size_t nl = strcspn(r->err, "\n"), plen = strlen(prog);

    cr_assert(nl + 1 == r->err_len, "want one line: %s", r->err);
    cr_assert(strncmp(r->err, prog, plen) == 0 && r->err[plen] == ':',
              "want \"%s:\": %s", prog, r->err);
    cr_assert_not_null(strstr(r->err, has), "want \"%s\" in: %s", has, r->err);
}

static void
expect_sound(const char *dir, const char *docs)
{
    struct tu_result r;

    run(&r, "indexer", ARGS("--check", "-i", dir));
    cr_assert_eq(r.code, 0, "--check: %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.out, docs), "--check said: %s", r.out);
    tu_result_release(&r);
}

/* The exact count of `query` in the index at `dir`. */
static unsigned long
count(const char *dir, const char *query)
{
    struct tu_result r;
    unsigned long n = 0;

    run(&r, "searcher", ARGS("-i", dir, "--count", "--", query));
    cr_assert(r.code == 0 || r.code == 1, "%s: %d: %s", query, r.code, r.err);
    cr_assert_eq(sscanf(r.out, "%lu", &n), 1, "%s: %s", query, r.out);
    tu_result_release(&r);
    return n;
}

/* A file of `n` bytes: `unit` repeated. */
static void
write_repeat(const char *rel, const char *unit, size_t n)
{
    FILE *f = fopen(at(rel), "wb");
    size_t u = strlen(unit), done = 0;

    cr_assert_not_null(f);
    for (; done + u <= n; done += u)
        fwrite(unit, 1, u, f);
    fwrite(unit, 1, n - done, f);
    cr_assert_eq(fclose(f), 0);
}

/* ---------------------------------------------------------------------- */

Test(badinput, empty_files_add_nothing_and_nul_bytes_are_refused)
{
    static const char zeros[1000];
    struct tu_result r;

    tu_write_str(tmp, "empty.jsonl", "");
    tu_write_str(tmp, "empty.txt", "");
    tu_write_bytes(tmp, "nul.txt", zeros, sizeof zeros);
    tu_write_bytes(tmp, "nul.jsonl", zeros, sizeof zeros);
    run(&r, "indexer",
        ARGS("-i", at("ix"), at("empty.jsonl"), at("empty.txt"),
             at("nul.txt")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "binary file skipped"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "indexer: 0 documents"), "%s", r.err);
    tu_result_release(&r);
    run(&r, "indexer", ARGS("-i", at("ix"), at("nul.jsonl")));
    cr_assert_eq(r.code, 2);
    expect_one_error_line(&r, "indexer", "nul.jsonl:1:");
    tu_result_release(&r);
}

/* JSON the reader refuses, end to end: one line naming file and line. */
Test(badinput, deep_and_mistyped_json_is_one_error_line)
{
    static const char *const bad[] = {
        "{\"id\":\"a\",\"body\":[\"x\"]}\n",
        "{\"id\":\"a\",\"title\":{\"t\":1},\"body\":\"x\"}\n",
        "[\"not an object\"]\n",
    };
    struct tu_result r;
    struct buf deep = BUF_INIT;
    size_t i;

    for (i = 0; i < 100000; i++)
        buf_putc(&deep, '[');
    buf_puts(&deep, "\n");
    tu_write_str(tmp, "deep.jsonl", buf_cstr(&deep));
    buf_release(&deep);
    run(&r, "indexer", ARGS("-i", at("ix"), at("deep.jsonl")));
    cr_assert_eq(r.code, 2);
    expect_one_error_line(&r, "indexer", "deep.jsonl:1");
    tu_result_release(&r);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        tu_write_str(tmp, "bad.jsonl", bad[i]);
        run(&r, "indexer", ARGS("-i", at("ix"), at("bad.jsonl")));
        cr_assert_eq(r.code, 2, "%s: exit %d", bad[i], r.code);
        expect_one_error_line(&r, "indexer", "bad.jsonl:1");
        tu_result_release(&r);
    }
}

/* Invalid, overlong and surrogate UTF-8 separate words; nothing else. */
Test(badinput, invalid_utf8_separates_words)
{
    static const char text[] = "Title \xff line\n"
                               "oil\xff\xfeprice \xc0\xaf bank\xed\xa0\x80rate "
                               "\xf4\x90\x80\x80 cocoa \xe2\x82";
    static const char *const words[] = {"oil",   "price", "bank", "rate",
                                        "cocoa", "title", "line"};
    struct tu_result r;
    size_t i;

    tu_write_str(tmp, "bad utf8.txt", text);
    run(&r, "indexer", ARGS("-q", "-i", at("ix"), at("bad utf8.txt")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_release(&r);
    for (i = 0; i < sizeof words / sizeof *words; i++)
        cr_assert_eq(count(at("ix"), words[i]), 1, "%s", words[i]);
    cr_assert_eq(count(at("ix"), "\"oilprice\""), 0);
    expect_sound(at("ix"), "sound: 1 documents");
}

/* In one batch the last of three "a" wins; the index stays exact. */
Test(badinput, duplicate_ids_in_one_batch_keep_the_last)
{
    struct tu_result r;

    tu_write_str(tmp, "dup.jsonl",
                 "{\"id\":\"a\",\"body\":\"one\"}\n"
                 "{\"id\":\"a\",\"body\":\"two three\"}\n"
                 "{\"id\":\"b\",\"body\":\"four\"}\n"
                 "{\"id\":\"a\",\"body\":\"five\"}\n");
    run(&r, "indexer", ARGS("-i", at("ix"), at("dup.jsonl")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "4 documents (2 replaced)"), "%s", r.err);
    tu_result_release(&r);
    cr_assert_eq(count(at("ix"), "one"), 0);
    cr_assert_eq(count(at("ix"), "three"), 0);
    cr_assert_eq(count(at("ix"), "five"), 1);
    cr_assert_eq(count(at("ix"), "four"), 1);
    expect_sound(at("ix"), "sound: 2 documents");
}

/*
 * A 100 MB document and a 50 MB JSON line are indexed whole, in memory
 * bounded by eight times their size (positions of 16 million tokens).
 */
Test(badinput, huge_document_and_json_line_in_bounded_memory)
{
    static const char words[] = "oil price bank rate cocoa market trade ";
    struct tu_result r;
    FILE *f;

    write_repeat("big.txt", words, (size_t)100 << 20);
    run(&r, "indexer", ARGS("-i", at("ix"), at("big.txt")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_lt(r.max_rss_kb, RSS_SLACK * (800L << 10),
                 "peak RSS %ld KB for 100 MB", r.max_rss_kb);
    tu_result_release(&r);
    cr_assert_eq(count(at("ix"), "cocoa"), 1);
    expect_sound(at("ix"), "sound: 1 documents");

    f = fopen(at("big.jsonl"), "wb");
    cr_assert_not_null(f);
    fputs("{\"id\":\"big\",\"title\":\"big\",\"body\":\"", f);
    fclose(f);
    {
        FILE *a = fopen(at("big.jsonl"), "ab");
        size_t done;
        for (done = 0; done < ((size_t)50 << 20); done += sizeof words - 1)
            fputs(words, a);
        fputs("\"}\n", a);
        cr_assert_eq(fclose(a), 0);
    }
    run(&r, "indexer", ARGS("-i", at("ix2"), at("big.jsonl")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_lt(r.max_rss_kb, RSS_SLACK * (400L << 10),
                 "peak RSS %ld KB for 50 MB", r.max_rss_kb);
    tu_result_release(&r);
    cr_assert_eq(count(at("ix2"), "+big +trade"), 1);
}

/* A path with a space and a newline is the document's id, unchanged. */
Test(badinput, paths_with_spaces_and_newlines_are_ids)
{
    struct tu_result r;
    const char *id;

    tu_make_dir(tmp, "dir with space");
    tu_write_str(tmp, "dir with space/a\nb.txt", "Odd name\nzanzibar\n");
    run(&r, "indexer", ARGS("-q", "-i", at("ix"), at("dir with space")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_release(&r);
    run(&r, "searcher", ARGS("-i", at("ix"), "-f", "trec", "zanzibar"));
    cr_assert_eq(r.code, 0, "%s", r.err);
    id = at("dir with space/a\nb.txt");
    /* TREC is one line a hit: the newline must not split it. */
    cr_assert_eq(strchr(r.out, '\n'), r.out + r.out_len - 1, "%s", r.out);
    tu_result_release(&r);
    run(&r, "searcher", ARGS("-i", at("ix"), "-f", "json", "zanzibar"));
    cr_assert_eq(r.code, 0, "%s", r.err);
    {
        cJSON *j = cJSON_Parse(r.out);
        const cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "hits"), 0);
        cr_assert(cJSON_IsString(cJSON_GetObjectItem(h, "id")), "%s", r.out);
        cr_assert_str_eq(cJSON_GetObjectItem(h, "id")->valuestring, id);
        cJSON_Delete(j);
    }
    tu_result_release(&r);
    expect_sound(at("ix"), "sound: 1 documents");
}

/*
 * A folder with a link loop and a file nobody may read, indexed as uid
 * 65534: a warning for the file, the loop walked once, the rest indexed.
 */
Test(badinput, folder_with_link_loop_and_unreadable_file)
{
    struct tu_limits lim = {NULL, 0, 1};
    struct tu_result r;

    cr_assert_eq(chmod(tmp, 0777), 0);
    tu_make_dir(tmp, "docs");
    tu_write_str(tmp, "docs/ok.txt", "Fine\nmaroon\n");
    tu_write_str(tmp, "docs/secret.txt", "Hidden\nsecret\n");
    cr_assert_eq(chmod(at("docs/secret.txt"), 0), 0);
    cr_assert_eq(symlink(".", at("docs/loop")), 0);
    cr_assert_eq(symlink("loop2", at("docs/loop1")), 0);
    cr_assert_eq(symlink("loop1", at("docs/loop2")), 0);
    run_in(&r, &lim, "indexer", ARGS("-i", at("ix"), at("docs")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "secret.txt"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "indexer: 1 documents"), "%s", r.err);
    tu_result_release(&r);
    cr_assert_eq(count(at("ix"), "maroon"), 1);
    expect_sound(at("ix"), "sound: 1 documents");
}

/*
 * Hostile queries on standard input: too long, too many words, too deep
 * or only odd bytes. Each is an error (status 2, the first line saying
 * what) or an answer, in bounded memory.
 */
Test(badinput, hostile_queries_fail_or_answer_in_bounded_memory)
{
    struct {
        const char *name;
        struct buf q;
        int code;
        const char *says;
    } cases[5] = {
        {"100 KB query", BUF_INIT, 2, "searcher: error: "},
        {"10,000 words", BUF_INIT, 2, "searcher: error: "},
        {"100,000 parentheses", BUF_INIT, 2, "searcher: error: "},
        {"control characters", BUF_INIT, 0, NULL},
        {"invalid UTF-8", BUF_INIT, 0, NULL},
    };
    struct tu_limits lim = {NULL, 0, 0};
    struct tu_result r;
    size_t i;

    tu_write_str(tmp, "doc.txt", "Oil prices\noil prices rose again\n");
    run(&r, "indexer", ARGS("-q", "-i", at("ix"), at("doc.txt")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_release(&r);
    for (i = 0; i < 25000; i++)
        buf_puts(&cases[0].q, "oil ");
    for (i = 0; i < 10000; i++)
        buf_printf(&cases[1].q, "w%zu ", i);
    for (i = 0; i < 100000; i++)
        buf_putc(&cases[2].q, '(');
    buf_puts(&cases[2].q, "oil");
    for (i = 0; i < 100000; i++)
        buf_putc(&cases[2].q, ')');
    buf_puts(&cases[3].q, "oil\x01\x02\x1b[31m prices\x7f\x08");
    buf_puts(&cases[4].q, "oil \xff\xfe \xc0\xaf prices \xed\xa0\x80");
    for (i = 0; i < 5; i++) {
        buf_putc(&cases[i].q, '\n');
        tu_write_bytes(tmp, "q", cases[i].q.data, cases[i].q.len);
        lim.in_path = at("q");
        run_in(&r, &lim, "searcher", ARGS("-i", at("ix"), "-n", "3"));
        cr_assert_eq(r.code, cases[i].code, "%s: exit %d: %.200s",
                     cases[i].name, r.code, r.err);
        if (cases[i].says)
            cr_assert(strncmp(r.err, cases[i].says, strlen(cases[i].says)) == 0,
                      "%s: said %.200s", cases[i].name, r.err);
        else
            cr_assert_not_null(strstr(r.out, "Oil prices"), "%s: %s",
                               cases[i].name, r.out);
        cr_assert_lt(r.max_rss_kb, RSS_SLACK * (64L << 10),
                     "%s: peak RSS %ld KB", cases[i].name, r.max_rss_kb);
        tu_result_release(&r);
        buf_release(&cases[i].q);
    }
}
