/*
 * test_fuzz_regress.c - every committed fuzz input, replayed in the normal
 * test suite: the seed corpora (tests/fuzz/corpus/T) and the inputs that
 * once crashed a harness or broke one of its checks (tests/fuzz/regress/T,
 * named after what they found). A crash found by the fuzzer and fixed thus
 * stays fixed without clang or libFuzzer, and under `make asan` the replay
 * runs with ASan and UBSan too.
 *
 * The inputs go through the very functions the libFuzzer harnesses call:
 * the harness files are included here with FUZZ_NO_MAIN (the Makefile
 * builds a test from one source file), and their FUZZ_CHECK() becomes a
 * Criterion assertion naming the input file. Each input ends where an
 * unreadable page begins, so a read past it crashes the test even in a
 * build without ASan.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The input being replayed, for the assertion messages. */
static char fuzz_input[512];

#define FUZZ_NO_MAIN
#define FUZZ_CHECK(cond, msg)                                                  \
    cr_assert((cond), "%s: %s (%s)", fuzz_input, msg, #cond)

#include "fuzz/fuzz_jsonl.c"
#include "fuzz/fuzz_posting.c"
#include "fuzz/fuzz_query.c"
#include "fuzz/fuzz_sgml.c"
#include "fuzz/fuzz_tokenizer.c"

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

static int
skip_name(const struct dirent *de)
{
    return de->d_name[0] != '.' && strcmp(de->d_name, "README.md") != 0;
}

/*
 * The whole file, ending exactly where a PROT_NONE page begins (as in
 * test_posting.c), so that reading past the input faults even without
 * ASan. *map and *maplen are what to munmap().
 */
static uint8_t *
slurp(const char *path, size_t *len, void **map, size_t *maplen)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), room;
    struct stat st;
    uint8_t *guard;
    FILE *f;

    f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_eq(fstat(fileno(f), &st), 0, "%s: %s", path, strerror(errno));
    *len = (size_t)st.st_size;
    room = (*len + page - 1) / page * page;
    *maplen = room + page;
    *map = mmap(NULL, *maplen, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(*map, MAP_FAILED, "mmap: %s", strerror(errno));
    guard = (uint8_t *)*map + room;
    cr_assert_eq(mprotect(guard, page, PROT_NONE), 0, "mprotect: %s",
                 strerror(errno));
    cr_assert_eq(fread(guard - *len, 1, *len, f), *len, "%s: short read", path);
    fclose(f);
    return guard - *len;
}

/* A crash names the input on standard error, then happens as it would. */
static void
name_the_input(int sig)
{
    static const char what[] = "test_fuzz_regress: crashed on ";

    (void)!write(STDERR_FILENO, what, sizeof what - 1);
    (void)!write(STDERR_FILENO, fuzz_input, strlen(fuzz_input));
    (void)!write(STDERR_FILENO, "\n", 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Only where nobody else (ASan) handles the signal already. */
static void
catch_crashes(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    struct sigaction sa, old;
    size_t i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = name_the_input;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            sigaction(sigs[i], &sa, NULL);
}

/* Run every file of `dir` (absent: none) through `one`; how many ran. */
static size_t
replay_dir(const char *dir, fuzz_fn one)
{
    struct dirent **names;
    size_t ran = 0, len, maplen;
    uint8_t *data;
    void *map;
    int n, i;

    catch_crashes();
    n = scandir(dir, &names, skip_name, alphasort);
    if (n < 0) {
        cr_assert_eq(errno, ENOENT, "%s: %s", dir, strerror(errno));
        return 0;
    }
    for (i = 0; i < n; i++) {
        snprintf(fuzz_input, sizeof fuzz_input, "%s/%s", dir, names[i]->d_name);
        data = slurp(fuzz_input, &len, &map, &maplen);
        cr_assert_eq(one(data, len), 0);
        munmap(map, maplen);
        free(names[i]);
        ran++;
    }
    free(names);
    return ran;
}

/* Seeds and regression inputs of `target`; the seeds must be there. */
static void
replay(const char *target, fuzz_fn one)
{
    char dir[256];
    size_t seeds;

    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", target);
    seeds = replay_dir(dir, one);
    cr_assert_gt(seeds, 0, "%s: no seed inputs (run from the top)", dir);
    snprintf(dir, sizeof dir, "tests/fuzz/regress/%s", target);
    replay_dir(dir, one);
}

Test(fuzz_regress, tokenizer_inputs_keep_the_token_rules)
{
    replay("tokenizer", fuzz_tokenizer_one);
}

Test(fuzz_regress, query_inputs_parse_to_sound_trees)
{
    replay("query", fuzz_query_one);
}

Test(fuzz_regress, posting_inputs_decode_within_bounds)
{
    replay("posting", fuzz_posting_one);
}

Test(fuzz_regress, jsonl_inputs_read_alike_in_every_mode)
{
    replay("jsonl", fuzz_jsonl_one);
}

Test(fuzz_regress, sgml_inputs_read_alike_in_every_mode)
{
    replay("sgml", fuzz_sgml_one);
}

/*
 * The posting seeds are blocks post_encode() wrote (make fuzz-seeds): if
 * the format changes, they must be written again, or the fuzzer would
 * start from garbage. Each must decode whole.
 */
Test(fuzz_regress, posting_seeds_are_blocks_the_decoder_accepts)
{
    const char *dir = "tests/fuzz/corpus/posting";
    struct dirent **names;
    struct post_view v;
    uint32_t *docs, *tfs, *pos;
    uint8_t *data;
    size_t len, maplen;
    void *map;
    int n, i, with_pos = 0, without = 0;

    n = scandir(dir, &names, skip_name, alphasort);
    cr_assert_gt(n, 0, "%s: no seeds", dir);
    for (i = 0; i < n; i++) {
        snprintf(fuzz_input, sizeof fuzz_input, "%s/%s", dir, names[i]->d_name);
        data = slurp(fuzz_input, &len, &map, &maplen);
        if (strstr(names[i]->d_name, "-lean-")) {
            /* after the entry's df and cf, as the harness reads them */
            struct fpost_entry ent = {0, 0};
            cr_assert_gt(len, 5, "%s: too short", fuzz_input);
            ent.df = data[0];
            ent.cf = (uint64_t)data[1] | (uint64_t)data[2] << 8 |
                     (uint64_t)data[3] << 16 | (uint64_t)data[4] << 24;
            cr_assert(fpost_decode(data + 5, len - 5, &ent, &v, &docs, &tfs,
                                   &pos),
                      "%s: not a lean block the decoder accepts", fuzz_input);
        } else {
            cr_assert(fpost_decode(data, len, NULL, &v, &docs, &tfs, &pos),
                      "%s: not a block the decoder accepts", fuzz_input);
        }
        with_pos += (v.flags & POST_F_POSITIONS) != 0;
        without += (v.flags & POST_F_POSITIONS) == 0;
        free(docs);
        free(tfs);
        free(pos);
        munmap(map, maplen);
        free(names[i]);
    }
    free(names);
    cr_assert(with_pos > 0 && without > 0,
              "seeds with positions: %d, without: %d", with_pos, without);
}
