/* testutil.h - what several test files need: temporary trees, files, a hash. */
#ifndef SE_TESTUTIL_H
#define SE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Remove `path` and, for a directory, everything below it; links are
 * removed, never followed. Errors are ignored: it cleans up after tests. */
void tu_rm_tree(const char *path);
/*
 * Make a fresh folder /tmp/NAME.XXXXXX into `dir` (cap bytes) for one
 * test, ignoring SIGPIPE (a program may exit before reading its input).
 */
void tu_make_tmp(char *dir, size_t cap, const char *name);
/* A JSON object's number or string member; the test fails without it. */
struct cJSON;
double tu_json_num(const struct cJSON *o, const char *key);
const char *tu_json_str(const struct cJSON *o, const char *key);

/* The compressors the readers accept. */
enum tu_packer { TU_GZ, TU_XZ, TU_ZST };
/*
 * `len` bytes of `data` compressed whole by the library itself: gzip with
 * its header and trailer, xz with a CRC-64, zstd with a checksum; `fast`
 * for the fastest levels. Caller frees.
 */
unsigned char *tu_pack(enum tu_packer how, int fast, const void *data,
                       size_t len, size_t *outlen);
/* "dir/rel" in a static buffer (eight alive at a time). */
const char *tu_path(const char *dir, const char *rel);
/* Write `len` bytes (or the string `s`) to dir/rel; a failure fails the
 * running test. */
void tu_write_bytes(const char *dir, const char *rel, const void *data,
                    size_t len);
void tu_write_str(const char *dir, const char *rel, const char *s);
/* Make the directory dir/rel (mode 0755); a failure fails the test. */
void tu_make_dir(const char *dir, const char *rel);
/* FNV-1a of `n` bytes: for the tests' own hash tables. */
uint64_t tu_hash(const char *s, size_t n);

/* What a program run by tu_run() did. */
struct tu_run {
    int code;        /* exit status */
    char *out, *err; /* standard output and error, NUL-terminated */
    size_t out_len, err_len;
};
/*
 * Run $SE_BUILD/`prog` (SE_BUILD defaults to "build") with `args`
 * (NULL-terminated), `in` (or nothing) on its standard input through a
 * pipe, and the "NAME=VALUE" strings of `env` (NULL-terminated, or NULL)
 * added to its environment; NO_COLOR is unset unless `env` sets it.
 * Fails the test if the program could not start, was killed by a signal,
 * or ran for more than 120 s. Free with tu_run_release().
 */
void tu_run(struct tu_run *r, const char *in, const char *const *env,
            const char *prog, const char *const *args);
/* tu_run(), as uid and gid 65534 if `as_nobody` and the test is root. */
void tu_run_as(struct tu_run *r, const char *in, const char *const *env,
               int as_nobody, const char *prog, const char *const *args);
void tu_run_release(struct tu_run *r);

/*
 * A program running in the background (tu_start), its standard output
 * and error going to unnamed temporary files, so that a test can run
 * several at once, kill one, or limit it.
 */
struct tu_proc {
    int pid;
    FILE *out, *err;
    char prog[32];
};
struct tu_limits {
    const char *in_path; /* standard input from this file; NULL: /dev/null */
    long long fsize;     /* RLIMIT_FSIZE in bytes (a full disk); 0: none */
    int as_nobody;       /* as uid and gid 65534 when the test is root */
};
/* What it did: exit status, or the signal that killed it; its peak RSS. */
struct tu_result {
    int code;   /* exit status, -1 when killed */
    int signal; /* the signal that killed it, 0 if none */
    long max_rss_kb;
    char *out, *err; /* NUL-terminated */
    size_t out_len, err_len;
};
/* Start $SE_BUILD/`prog` with `args` (NULL-terminated); `lim` may be NULL. */
void tu_start(struct tu_proc *p, const struct tu_limits *lim, const char *prog,
              const char *const *args);
/*
 * Wait for it; after `timeout_s` seconds it is killed and the test fails
 * (a hang). A death by signal is reported in r->signal, not failed: the
 * caller knows whether it sent one. Free with tu_result_release().
 */
void tu_finish(struct tu_proc *p, int timeout_s, struct tu_result *r);
void tu_result_release(struct tu_result *r);

/*
 * The stems of an index: those of its forms (IDX_FDICT) under `sm`, sorted
 * in byte order, each once; *n of them. A stem that its one form serves has
 * no IDX_SDICT entry (expand.h): the forms are where every stem shows.
 * Free with tu_strs_free().
 */
struct idx_txn;
struct stem;
char **tu_index_stems(struct idx_txn *txn, struct stem *sm, size_t *n);
void tu_strs_free(char **v, size_t n);

/* Call fn on every key and value of table `table` (an enum idx_table), in
 * key order; the test fails if the walk does. */
typedef void tu_entry_fn(const void *key, size_t klen, const void *val,
                         size_t vlen, void *arg);
void tu_table_each(struct idx_txn *txn, int table, tu_entry_fn *fn, void *arg);

#endif
