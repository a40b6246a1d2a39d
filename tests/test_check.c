/*
 * test_check.c - indexer --check: sound indexes pass (Reuters in one
 * commit, an index grown in many commits with replacements and a title
 * weight), and bytes changed in a copy of an index are found and placed:
 * the table, the key and the document. The searcher, on the same damaged
 * copies, never crashes or hangs; where the damage is in what it reads
 * (meta, dictionary, posting blocks, records, stored text) it fails with
 * one line and exit status 2.
 *
 * A value is found in data.mdb by its LMDB leaf node: the value's size
 * (two u16, low half first), flags 0 and the key's size (u16), then the key
 * and the value, which must occur exactly once; a value in an overflow
 * page (over about 2 KB) is found by its bytes alone, also exactly once.
 * The index is built in one commit, so the file holds no stale copies.
 *
 * Stems without a list of their own (format 7) are made by deleting the
 * sdict entry and stems blocks of stems with one form from an index an
 * older writer made; a newer writer's index, lacking them already, gives
 * the same tables.
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

#include "buf.h"
#include "check.h"
#include "docstore.h"
#include "error.h"
#include "index.h"
#include "plist.h"
#include "testutil.h"

#define REUTERS "../shared/corpora/news/reuters21578/reuters21578.jsonl"
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static char tmp[64];

static const char *
at(const char *rel)
{
    return tu_path(tmp, rel);
}

static void
setup(void)
{
    tu_make_tmp(tmp, sizeof tmp, "test_check");
}

static void
teardown(void)
{
    tu_rm_tree(tmp);
}

TestSuite(check, .init = setup, .fini = teardown, .timeout = 120);

static void
run(struct tu_result *r, const char *prog, const char *const *args)
{
    struct tu_proc p;

    tu_start(&p, NULL, prog, args);
    tu_finish(&p, 60, r);
    cr_assert_eq(r->signal, 0, "%s died of signal %d: %s", prog, r->signal,
                 r->err);
}

/* The first `n` lines of Reuters into tmp/rel. */
static void
reuters_head(const char *rel, size_t n)
{
    FILE *in = fopen(REUTERS, "rb"), *out = fopen(at(rel), "wb");
    char *line = NULL;
    size_t cap = 0;

    cr_assert(in && out, "%s: %s", REUTERS, strerror(errno));
    while (n-- > 0 && getline(&line, &cap, in) > 0)
        fputs(line, out);
    free(line);
    fclose(in);
    cr_assert_eq(fclose(out), 0);
}

static void
expect_sound(const char *dir, const char *docs)
{
    struct tu_result r;

    run(&r, "indexer", ARGS("--check", "-i", dir));
    cr_assert_eq(r.code, 0, "--check: exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.out, docs), "--check said: %s", r.out);
    cr_assert_eq(r.err_len, 0, "--check stderr: %s", r.err);
    tu_result_release(&r);
}

/* A stem and one of its forms (strings the test frees). */
struct pair {
    char *stem, *form;
};

/* The stems with one form, the first with two or more, how many in all. */
struct stems {
    struct pair *single;
    size_t n;
    char *multi;
    size_t all;
};

static char *
dup_term(const void *s, size_t len)
{
    char *t = malloc(len + 1);

    cr_assert_not_null(t);
    memcpy(t, s, len);
    t[len] = '\0';
    return t;
}

static void
push_pair(struct pair **v, size_t *n, char *stem, char *form)
{
    *v = realloc(*v, (*n + 1) * sizeof **v);
    cr_assert_not_null(*v);
    (*v)[*n].stem = stem;
    (*v)[*n].form = form;
    (*n)++;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The stems of the index in `dir` with their forms, from stemforms and
 * fdict alone (a stem's list may be gone): a stemforms key with one value,
 * or a form listed under no stem, which is its own stem and only form.
 */
static void
find_stems(const char *dir, struct stems *st)
{
    struct idx *ix;
    struct idx_txn *txn;
    struct idx_cursor *c;
    struct pair *all = NULL;
    char **forms;
    const void *k, *v;
    size_t klen, vlen, nall = 0, i, j;
    int r;

    memset(st, 0, sizeof *st);
    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    cr_assert_eq(idx_cursor_open(txn, IDX_STEMFORMS, &c), SE_OK);
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        cr_assert_eq(idx_cursor_get(c, &k, &klen, &v, &vlen), SE_OK);
        push_pair(&all, &nall, dup_term(k, klen), dup_term(v, vlen));
    }
    cr_assert_eq(r, 0);
    idx_cursor_close(c);
    for (i = 0; i < nall; i = j) {
        for (j = i + 1; j < nall && strcmp(all[j].stem, all[i].stem) == 0;)
            j++;
        if (j - i == 1)
            push_pair(&st->single, &st->n, strdup(all[i].stem),
                      strdup(all[i].form));
        else if (st->multi == NULL)
            st->multi = strdup(all[i].stem);
        st->all++;
    }
    forms = malloc((nall + 1) * sizeof *forms);
    for (i = 0; i < nall; i++)
        forms[i] = all[i].form;
    qsort(forms, nall, sizeof *forms, cmp_str);
    cr_assert_eq(idx_cursor_open(txn, IDX_FDICT, &c), SE_OK);
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        char *f;
        cr_assert_eq(idx_cursor_get(c, &k, &klen, NULL, NULL), SE_OK);
        f = dup_term(k, klen);
        if (bsearch(&f, forms, nall, sizeof *forms, cmp_str) == NULL) {
            push_pair(&st->single, &st->n, strdup(f), f);
            st->all++;
        } else {
            free(f);
        }
    }
    cr_assert_eq(r, 0);
    idx_cursor_close(c);
    idx_txn_abort(txn);
    idx_close(ix);
    for (i = 0; i < nall; i++)
        free(all[i].stem), free(all[i].form);
    free(all);
    free(forms);
}

static void
free_stems(struct stems *st)
{
    size_t i;

    for (i = 0; i < st->n; i++)
        free(st->single[i].stem), free(st->single[i].form);
    free(st->single);
    free(st->multi);
}

Test(check, reuters_in_one_commit_is_sound)
{
    struct chk_report rep;
    struct tu_result r;
    struct stems st;
    struct idx *ix;
    struct idx_txn *txn;
    uint64_t forms;

    run(&r, "indexer", ARGS("-q", "-i", at("ix"), REUTERS));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_release(&r);
    expect_sound(at("ix"), "sound: 21578 documents");
    /* The library says the same, and counted every form and every stem,
     * with a list of its own or not. */
    cr_assert_eq(idx_open(at("ix"), IDX_RDONLY, &ix), SE_OK);
    cr_assert_eq(chk_index(ix, &rep), SE_OK, "%s", rep.what);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    cr_assert_eq(idx_count(txn, IDX_FDICT, &forms), SE_OK);
    idx_txn_abort(txn);
    idx_close(ix);
    find_stems(at("ix"), &st);
    cr_assert_eq(rep.docs, 21578);
    cr_assert_eq(rep.stems, st.all);
    cr_assert_eq(rep.forms, forms);
    free_stems(&st);
    cr_assert_geq(rep.postings, rep.blocks);
}

/* Many commits, replaced documents (their blocks rewritten), title weight
 * 3: every invariant still holds. */
Test(check, grown_and_replaced_index_with_title_weight_is_sound)
{
    struct tu_result r;

    reuters_head("a.jsonl", 3000);
    reuters_head("b.jsonl", 600);
    run(&r, "indexer",
        ARGS("-q", "-i", at("ix"), "--memory", "1", "--title-weight", "3",
             at("a.jsonl")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_release(&r);
    run(&r, "indexer", ARGS("-i", at("ix"), "--memory", "1", at("b.jsonl")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "(600 replaced)"), "%s", r.err);
    tu_result_release(&r);
    expect_sound(at("ix"), "sound: 3000 documents");
}

Test(check, check_of_no_index_is_an_error_not_a_verdict)
{
    struct tu_result r;

    run(&r, "indexer", ARGS("--check", "-i", at("none")));
    cr_assert_eq(r.code, 2, "exit %d", r.code);
    cr_assert_not_null(strstr(r.err, "not an index"), "%s", r.err);
    tu_result_release(&r);
    run(&r, "indexer", ARGS("--check", "-i", at("none"), "x.txt"));
    cr_assert_eq(r.code, 2, "exit %d", r.code);
    tu_result_release(&r);
}

/* ---------------------------------------------------------------------- */
/* Damaged copies.                                                          */

static unsigned char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b = BUF_INIT;
    char chunk[65536];
    size_t got;

    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, got);
    fclose(f);
    return buf_detach(&b, len);
}

static size_t
count_at(const unsigned char *hay, size_t n, const unsigned char *pat, size_t m,
         size_t *first)
{
    size_t i, found = 0;

    for (i = 0; i + m <= n; i++)
        if (hay[i] == pat[0] && memcmp(hay + i, pat, m) == 0) {
            if (found++ == 0)
                *first = i;
        }
    return found;
}

/*
 * Offset in `file` of the value of `key` in table `t` of the index in
 * `dir` (see the top of this file); its length in *vlen.
 */
static size_t
value_offset(const char *dir, const unsigned char *file, size_t flen,
             enum idx_table t, const void *key, size_t klen, size_t *vlen)
{
    struct idx *ix;
    struct idx_txn *txn;
    const void *v;
    unsigned char *pat;
    size_t off = 0, n;
    uint16_t h[4];

    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    cr_assert_eq(idx_get(txn, t, key, klen, &v, vlen), SE_OK, "%s: no key",
                 idx_table_name(t));
    pat = malloc(8 + klen + *vlen);
    h[0] = (uint16_t)*vlen;
    h[1] = (uint16_t)(*vlen >> 16);
    h[2] = 0;
    h[3] = (uint16_t)klen;
    memcpy(pat, h, 8);
    memcpy(pat + 8, key, klen);
    memcpy(pat + 8 + klen, v, *vlen);
    n = count_at(file, flen, pat, 8 + klen + *vlen, &off);
    if (n == 1)
        off += 8 + klen;
    else if (n == 0)
        n = count_at(file, flen, v, *vlen, &off);
    idx_txn_abort(txn);
    idx_close(ix);
    free(pat);
    cr_assert_eq(n, 1, "%s: value found %zu times (%zu bytes)",
                 idx_table_name(t), n, *vlen);
    return off;
}

/* The key of the first block of `term` in postings table `t`. */
static size_t
first_block_key(const char *dir, enum idx_table t, const char *term,
                unsigned char *key)
{
    struct idx *ix;
    struct idx_txn *txn;
    struct idx_cursor *c;
    const void *k;
    size_t klen;

    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    cr_assert_eq(idx_cursor_open(txn, t, &c), SE_OK);
    cr_assert_eq(idx_cursor_seek(c, term, strlen(term)), 1);
    cr_assert_eq(idx_cursor_get(c, &k, &klen, NULL, NULL), SE_OK);
    cr_assert(klen == strlen(term) + 5 && memcmp(k, term, strlen(term)) == 0,
              "no block of %s", term);
    memcpy(key, k, klen);
    idx_cursor_close(c);
    idx_txn_abort(txn);
    idx_close(ix);
    return klen;
}

enum how { SET, OR, ADD };

struct damage {
    const char *name;
    enum idx_table table;
    const char *key; /* NULL: `raw` of raw_len bytes */
    const unsigned char raw[8];
    size_t raw_len;
    size_t at; /* byte of the value to change */
    enum how how;
    unsigned char by;
    const char *report; /* in --check's line */
    const char *query;  /* for the searcher */
    int searcher_fails; /* 1: must exit 2 with one line; 0: must not crash */
};

/*
 * Doc 0 is Reuters id "1", "BAHIA COCOA REVIEW": the queries below rank it
 * among the first ten. "agricultur" is a stem and no word's form, so its
 * dictionary entry is in sdict alone. "said" has blocks in the postings
 * tables; "cocoa" (2 documents, cf under 128) keeps its one block in its
 * dictionary entries, after two one-byte varints.
 */
/* clang-format off */
static const struct damage damages[] = {
    {"meta stats: more documents than ids", IDX_META, "stats", {0}, 0, 7,
     SET, 0x7f, "meta, key ", "cocoa", 1},
    {"dictionary entry garbled", IDX_SDICT, "agricultur", {0}, 0, 0,
     OR, 0x80, "sdict, key \"agricultur\"", "agriculture", 1},
    {"dictionary df off by one", IDX_SDICT, "agricultur", {0}, 0, 0,
     ADD, 1, "sdict, key \"agricultur\": doc ids do not decode",
     "agriculture", 0},
    {"stems block flags", IDX_STEMS, "said", {0}, 0, 0,
     SET, 0x04, "stems, key \"said\" @", "+said", 1},
    {"forms block without positions", IDX_FORMS, "said", {0}, 0, 0,
     SET, 0, "forms, key \"said\" @", "\"said\"", 1},
    {"flags of a block in a dictionary entry", IDX_SDICT, "cocoa", {0}, 0, 2,
     SET, 0x04, "sdict, key \"cocoa\"", "+cocoa", 1},
    {"dictionary block without positions", IDX_FDICT, "cocoa", {0}, 0, 2,
     SET, 0, "fdict, key \"cocoa\"", "\"cocoa\"", 1},
    {"record: id longer than the record", IDX_DOCS, NULL, {0, 0, 0, 0}, 4, 3,
     SET, 0x7f, "docs, key doc 0, doc 0: record does not decode",
     "bahia cocoa review", 1},
    {"record length off by one", IDX_DOCS, NULL, {0, 0, 0, 0}, 4, 0,
     ADD, 1, "docs, key doc 0, doc 0: record says", "bahia cocoa review", 0},
    {"length of a document", IDX_LENS, NULL, {0, 0, 0, 0}, 4, 0,
     ADD, 1, "lens, key chunk 0, doc 0: length", "bahia cocoa review", 0},
    {"id mapped to another document", IDX_IDS, "1", {0}, 0, 0,
     ADD, 1, "ids, key \"1\"", "bahia cocoa review", 0},
    {"stored text method", IDX_TEXT, NULL, {0, 0, 0, 0}, 4, 0,
     SET, 7, "text, key doc 0, doc 0: stored text does not decompress",
     "bahia cocoa review", 1},
};
/* clang-format on */

static void
copy_bytes(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

Test(check, damaged_bytes_are_found_and_the_searcher_fails_cleanly)
{
    struct tu_result r;
    unsigned char *file;
    size_t flen, i;

    reuters_head("head.jsonl", 1500);
    run(&r, "indexer", ARGS("-q", "-i", at("ix"), at("head.jsonl")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_release(&r);
    file = read_file(at("ix/data.mdb"), &flen);
    for (i = 0; i < sizeof damages / sizeof *damages; i++) {
        const struct damage *d = &damages[i];
        unsigned char key[PL_KEY_MAX], *copy;
        size_t klen, vlen, off, nl;
        char dir[128];
        if (d->key && (d->table == IDX_STEMS || d->table == IDX_FORMS))
            klen = first_block_key(at("ix"), d->table, d->key, key);
        else if (d->key)
            klen = strlen(d->key), memcpy(key, d->key, klen);
        else
            klen = d->raw_len, memcpy(key, d->raw, klen);
        off = value_offset(at("ix"), file, flen, d->table, key, klen, &vlen);
        cr_assert_lt(d->at, vlen, "%s", d->name);
        copy = malloc(flen);
        memcpy(copy, file, flen);
        off += d->at;
        if (d->how == SET)
            copy[off] = d->by;
        else if (d->how == OR)
            copy[off] |= d->by;
        else
            copy[off] = (unsigned char)(copy[off] + d->by);
        cr_assert_neq(copy[off], file[off], "%s: nothing changed", d->name);
        snprintf(dir, sizeof dir, "d%zu", i);
        tu_make_dir(tmp, dir);
        snprintf(dir, sizeof dir, "d%zu/data.mdb", i);
        copy_bytes(at(dir), copy, flen);
        free(copy);
        snprintf(dir, sizeof dir, "%s/d%zu", tmp, i);

        run(&r, "indexer", ARGS("--check", "-i", dir));
        cr_assert_eq(r.code, 3, "%s: --check exit %d: %s%s", d->name, r.code,
                     r.out, r.err);
        nl = strcspn(r.err, "\n");
        cr_assert(nl + 1 == r.err_len && strncmp(r.err, "indexer: ", 9) == 0,
                  "%s: want one line: %s", d->name, r.err);
        cr_assert_not_null(strstr(r.err, d->report),
                           "%s: --check said: %s (want \"%s\")", d->name, r.err,
                           d->report);
        tu_result_release(&r);

        run(&r, "searcher", ARGS("-i", dir, "--", d->query));
        if (d->searcher_fails) {
            nl = strcspn(r.err, "\n");
            cr_assert_eq(r.code, 2, "%s: searcher exit %d", d->name, r.code);
            cr_assert(nl + 1 == r.err_len &&
                          strncmp(r.err, "searcher: ", 10) == 0 &&
                          strstr(r.err, "corrupt") != NULL,
                      "%s: searcher said: %s", d->name, r.err);
        } else {
            cr_assert(r.code >= 0 && r.code <= 2, "%s: searcher exit %d",
                      d->name, r.code);
        }
        tu_result_release(&r);
    }
    free(file);
}

/* ---------------------------------------------------------------------- */
/* Stems served by their one form's list.                                 */

/* Delete the sdict entry and stems blocks of `stem`, if it has them. */
static void
drop_stem_list(struct idx_txn *txn, const char *stem)
{
    size_t len = strlen(stem);
    int rc = idx_del(txn, IDX_SDICT, stem, len, NULL, 0);

    cr_assert(rc == SE_OK || rc == SE_ENOTFOUND, "%s: %s", stem,
              se_strerror(rc));
    for (;;) {
        struct idx_cursor *c;
        unsigned char key[PL_KEY_MAX];
        const void *k;
        size_t klen;
        int r;
        cr_assert_eq(idx_cursor_open(txn, IDX_STEMS, &c), SE_OK);
        r = idx_cursor_seek(c, stem, len);
        cr_assert_geq(r, 0);
        k = NULL;
        klen = 0;
        if (r == 1)
            cr_assert_eq(idx_cursor_get(c, &k, &klen, NULL, NULL), SE_OK);
        /* A block key is the stem, 0x00 and a doc id. */
        if (klen != len + 5 || memcmp(k, stem, len) != 0 ||
            ((const unsigned char *)k)[len] != 0) {
            idx_cursor_close(c);
            return;
        }
        memcpy(key, k, klen);
        idx_cursor_close(c);
        cr_assert_eq(idx_del(txn, IDX_STEMS, key, klen, NULL, 0), SE_OK);
    }
}

/* Drop the lists of the `n` stems in `v` in one commit. */
static void
drop_stem_lists(const char *dir, const struct pair *v, size_t n)
{
    struct idx *ix;
    struct idx_txn *txn;
    size_t i;

    cr_assert_eq(idx_open(dir, 0, &ix), SE_OK);
    cr_assert_eq(idx_txn_begin(ix, 1, &txn), SE_OK);
    for (i = 0; i < n; i++)
        drop_stem_list(txn, v[i].stem);
    cr_assert_eq(idx_txn_commit(txn), SE_OK);
    idx_close(ix);
}

/* chk_index() on the index in `dir`; *sdict: its sdict entries. */
static int
check_dir(const char *dir, struct chk_report *rep, uint64_t *sdict)
{
    struct idx *ix;
    struct idx_txn *txn;
    int rc;

    cr_assert_eq(idx_open(dir, IDX_RDONLY, &ix), SE_OK);
    rc = chk_index(ix, rep);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    cr_assert_eq(idx_count(txn, IDX_SDICT, sdict), SE_OK);
    idx_txn_abort(txn);
    idx_close(ix);
    return rc;
}

static void
build(const char *rel, size_t docs, const char *title_weight)
{
    struct tu_result r;

    reuters_head("head.jsonl", docs);
    run(&r, "indexer",
        ARGS("-q", "-i", at(rel), "--title-weight", title_weight,
             at("head.jsonl")));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_release(&r);
}

Test(check, stems_served_by_their_one_form_are_sound)
{
    struct chk_report before, after;
    struct stems st;
    uint64_t sdict;
    size_t i, own = 0;
    int rc;

    build("ix", 1500, "1");
    rc = check_dir(at("ix"), &before, &sdict);
    cr_assert_eq(rc, SE_OK, "before: %s", before.what);
    find_stems(at("ix"), &st);
    for (i = 0; i < st.n; i++)
        own += strcmp(st.single[i].stem, st.single[i].form) == 0;
    /* Both kinds: a form that is its stem, and one listed in stemforms. */
    cr_assert(own > 100 && st.n - own > 100, "%zu own, %zu listed", own,
              st.n - own);
    drop_stem_lists(at("ix"), st.single, st.n);
    rc = check_dir(at("ix"), &after, &sdict);
    if (rc != SE_OK) {
        char line[512];
        chk_format(&after, line, sizeof line);
        cr_assert_fail("after: %s", line);
    }
    cr_assert_eq(after.stems, before.stems);
    cr_assert_eq(after.stems, sdict + st.n, "%llu stems, %llu in sdict",
                 (unsigned long long)after.stems, (unsigned long long)sdict);
    cr_assert_eq(after.forms, before.forms);
    free_stems(&st);
}

Test(check, a_stem_of_two_forms_without_its_list_is_found)
{
    struct chk_report rep;
    struct stems st;
    struct pair p;
    uint64_t sdict;
    char want[CHK_KEY_MAX], line[512];

    build("ix", 1500, "1");
    find_stems(at("ix"), &st);
    cr_assert_not_null(st.multi, "no stem with two forms");
    p.stem = st.multi;
    drop_stem_lists(at("ix"), &p, 1);
    cr_assert_eq(check_dir(at("ix"), &rep, &sdict), SE_ECORRUPT,
                 "%s passes without its list", st.multi);
    chk_format(&rep, line, sizeof line);
    snprintf(want, sizeof want, "\"%s\"", st.multi);
    cr_assert_str_eq(rep.key, want, "%s", line);
    cr_assert_not_null(strstr(line, "stem without its own list has"), "%s",
                       line);
    free_stems(&st);
}

/* Occurrences of `form` in titles: its positions below the title's end. */
static uint64_t
title_occurrences(struct idx_txn *txn, const char *form)
{
    struct doc_record rec;
    const uint32_t *pos;
    struct pl *p;
    uint32_t n, k;
    uint64_t t = 0;
    int r;

    cr_assert_eq(pl_open(txn, PL_FORMS, form, strlen(form), &p), SE_OK);
    while ((r = pl_next(p)) == 1) {
        cr_assert_eq(doc_get(txn, pl_doc(p), &rec), SE_OK);
        cr_assert_eq(pl_positions(p, &pos, &n), SE_OK);
        for (k = 0; k < n; k++)
            t += pos[k] < rec.title_tokens;
    }
    cr_assert_eq(r, 0);
    pl_close(p);
    return t;
}

/* With titles counted twice, a stem's list is its one form's only if the
 * form is in no title. */
Test(check, only_a_form_in_no_title_serves_its_stem_when_titles_weigh_more)
{
    struct chk_report before, rep;
    struct stems st;
    struct pair *plain = NULL, *titled = NULL;
    struct idx *ix;
    struct idx_txn *txn;
    uint64_t sdict;
    size_t nplain = 0, ntitled = 0, i;
    char want[CHK_KEY_MAX], line[512];
    int rc;

    build("ix", 1500, "2");
    rc = check_dir(at("ix"), &before, &sdict);
    cr_assert_eq(rc, SE_OK, "before: %s", before.what);
    find_stems(at("ix"), &st);
    cr_assert_eq(idx_open(at("ix"), IDX_RDONLY, &ix), SE_OK);
    cr_assert_eq(idx_txn_begin(ix, 0, &txn), SE_OK);
    for (i = 0; i < st.n; i++) {
        if (title_occurrences(txn, st.single[i].form) > 0)
            push_pair(&titled, &ntitled, st.single[i].stem, st.single[i].form);
        else
            push_pair(&plain, &nplain, st.single[i].stem, st.single[i].form);
    }
    idx_txn_abort(txn);
    idx_close(ix);
    cr_assert(nplain > 100 && ntitled > 100, "%zu in no title, %zu in one",
              nplain, ntitled);

    drop_stem_lists(at("ix"), plain, nplain);
    rc = check_dir(at("ix"), &rep, &sdict);
    chk_format(&rep, line, sizeof line);
    cr_assert_eq(rc, SE_OK, "forms in no title: %s", line);
    cr_assert_eq(rep.stems, before.stems);

    drop_stem_lists(at("ix"), titled, 1);
    rc = check_dir(at("ix"), &rep, &sdict);
    chk_format(&rep, line, sizeof line);
    cr_assert_eq(rc, SE_ECORRUPT, "%s (in a title) passes without its list",
                 titled[0].stem);
    snprintf(want, sizeof want, "\"%s\"", titled[0].stem);
    cr_assert_str_eq(rep.key, want, "%s", line);
    cr_assert_not_null(strstr(line, "title occurrences count 2 times"), "%s",
                       line);
    free(plain);
    free(titled);
    free_stems(&st);
}
