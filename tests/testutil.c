/* testutil.c - helpers shared by the test files (not a test itself). */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "error.h"
#include "index.h"
#include "stemmer.h"
#include <unistd.h>

#include "buf.h"

void
tu_rm_tree(const char *path)
{
    struct stat st;
    struct dirent *de;
    char sub[4096];
    DIR *d;

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    if (d != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            tu_rm_tree(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

void
tu_write_bytes(const char *dir, const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    f = fopen(path, "wb");
    cr_assert_not_null(f, "fopen %s: %s", rel, strerror(errno));
    cr_assert_eq(fwrite(data, 1, len, f), len, "fwrite %s", rel);
    cr_assert_eq(fclose(f), 0, "fclose %s", rel);
}

void
tu_write_str(const char *dir, const char *rel, const char *s)
{
    tu_write_bytes(dir, rel, s, strlen(s));
}

void
tu_make_dir(const char *dir, const char *rel)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s: %s", rel, strerror(errno));
}

uint64_t
tu_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#define TU_RUN_SECONDS 120
#define TU_NO_EXEC 127
#define TU_NOBODY 65534

/* In a child: become uid and gid TU_NOBODY if root. 0, or -1 on failure. */
static int
become_nobody(void)
{
    if (geteuid() != 0)
        return 0;
    if (setgroups(0, NULL) != 0 || setgid(TU_NOBODY) != 0 ||
        setuid(TU_NOBODY) != 0 || getuid() != TU_NOBODY) {
        dprintf(2, "testutil: cannot become uid %d: %s\n", TU_NOBODY,
                strerror(errno));
        return -1;
    }
    return 0;
}

void
tu_run(struct tu_run *r, const char *in, const char *const *env,
       const char *prog, const char *const *args)
{
    tu_run_as(r, in, env, 0, prog, args);
}

void
tu_run_as(struct tu_run *r, const char *in, const char *const *env,
          int as_nobody, const char *prog, const char *const *args)
{
    const char *build = getenv("SE_BUILD");
    const char *argv[64];
    char path[PATH_MAX];
    struct buf out = BUF_INIT, err = BUF_INIT;
    int pin[2], pout[2], perr[2], status, i, fds[3];
    size_t inlen = in ? strlen(in) : 0, inoff = 0;
    time_t deadline = time(NULL) + TU_RUN_SECONDS;
    pid_t pid;

    memset(r, 0, sizeof *r);
    snprintf(path, sizeof path, "%s/%s", build && *build ? build : "build",
             prog);
    argv[0] = path;
    for (i = 0; args[i]; i++) {
        cr_assert_lt(i + 2, 64, "too many arguments");
        argv[i + 1] = args[i];
    }
    argv[i + 1] = NULL;
    cr_assert(pipe(pin) == 0 && pipe(pout) == 0 && pipe(perr) == 0, "pipe: %s",
              strerror(errno));
    signal(SIGPIPE, SIG_IGN); /* it may exit before reading its input */
    pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0)
            _exit(TU_NO_EXEC);
        close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
        close(perr[0]), close(perr[1]);
        unsetenv("NO_COLOR");
        for (i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        if (as_nobody && become_nobody() != 0)
            _exit(TU_NO_EXEC);
        execv(path, (char *const *)argv);
        dprintf(2, "tu_run: %s: %s\n", path, strerror(errno));
        _exit(TU_NO_EXEC);
    }
    close(pin[0]), close(pout[1]), close(perr[1]);
    fcntl(pin[1], F_SETFL, O_NONBLOCK);
    fds[0] = pout[0], fds[1] = perr[0], fds[2] = pin[1];
    if (inlen == 0) {
        close(pin[1]);
        fds[2] = -1;
    }
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd pf[3];
        nfds_t n = 0;
        int k;
        for (k = 0; k < 3; k++)
            if (fds[k] >= 0)
                pf[n++] = (struct pollfd){fds[k], k == 2 ? POLLOUT : POLLIN, 0};
        if (time(NULL) > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            cr_assert_fail("%s: still running after %d s", prog,
                           TU_RUN_SECONDS);
        }
        if (poll(pf, n, 1000) < 0) {
            cr_assert_eq(errno, EINTR, "poll: %s", strerror(errno));
            continue;
        }
        for (k = 0; k < (int)n; k++) {
            char chunk[65536];
            ssize_t got;
            if (pf[k].revents == 0)
                continue;
            if (pf[k].fd == fds[2]) {
                got = write(fds[2], in + inoff, inlen - inoff);
                if (got > 0)
                    inoff += (size_t)got;
                if ((got < 0 && errno != EAGAIN) || inoff == inlen) {
                    close(fds[2]); /* done, or the reader left */
                    fds[2] = -1;
                }
                continue;
            }
            got = read(pf[k].fd, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR)
                continue;
            if (got > 0) {
                buf_append(pf[k].fd == fds[0] ? &out : &err, chunk,
                           (size_t)got);
                continue;
            }
            close(pf[k].fd);
            fds[pf[k].fd == fds[0] ? 0 : 1] = -1;
        }
    }
    if (fds[2] >= 0)
        close(fds[2]);
    cr_assert_eq(waitpid(pid, &status, 0), pid, "waitpid: %s", strerror(errno));
    buf_putc(&out, 0);
    buf_putc(&err, 0);
    r->out = (char *)buf_detach(&out, &r->out_len);
    r->err = (char *)buf_detach(&err, &r->err_len);
    r->out_len--;
    r->err_len--;
    cr_assert(WIFEXITED(status), "%s: killed by signal %d\nstderr: %s", prog,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0, r->err);
    r->code = WEXITSTATUS(status);
    cr_assert_neq(r->code, TU_NO_EXEC, "%s: did not run: %s", prog, r->err);
}

void
tu_run_release(struct tu_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

void
tu_start(struct tu_proc *p, const struct tu_limits *lim, const char *prog,
         const char *const *args)
{
    const char *build = getenv("SE_BUILD");
    const char *argv[64];
    char path[PATH_MAX];
    int i, in;

    memset(p, 0, sizeof *p);
    snprintf(p->prog, sizeof p->prog, "%s", prog);
    snprintf(path, sizeof path, "%s/%s", build && *build ? build : "build",
             prog);
    argv[0] = path;
    for (i = 0; args[i]; i++) {
        cr_assert_lt(i + 2, 64, "too many arguments");
        argv[i + 1] = args[i];
    }
    argv[i + 1] = NULL;
    p->out = tmpfile();
    p->err = tmpfile();
    cr_assert(p->out && p->err, "tmpfile: %s", strerror(errno));
    in = open(lim && lim->in_path ? lim->in_path : "/dev/null", O_RDONLY);
    cr_assert_geq(in, 0, "open %s: %s", lim && lim->in_path ? lim->in_path : "",
                  strerror(errno));
    fflush(NULL);
    p->pid = fork();
    cr_assert_neq(p->pid, -1, "fork: %s", strerror(errno));
    if (p->pid == 0) {
        struct rlimit rl;
        if (dup2(in, 0) < 0 || dup2(fileno(p->out), 1) < 0 ||
            dup2(fileno(p->err), 2) < 0)
            _exit(TU_NO_EXEC);
        unsetenv("NO_COLOR");
        if (lim && lim->fsize > 0) {
            rl.rlim_cur = rl.rlim_max = (rlim_t)lim->fsize;
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(TU_NO_EXEC);
        }
        if (lim && lim->as_nobody && become_nobody() != 0)
            _exit(TU_NO_EXEC);
        execv(path, (char *const *)argv);
        dprintf(2, "tu_start: %s: %s\n", path, strerror(errno));
        _exit(TU_NO_EXEC);
    }
    close(in);
}

/* The whole of temporary file `f`, NUL-terminated (caller frees). */
static char *
slurp(FILE *f, size_t *len)
{
    struct buf b = BUF_INIT;
    char chunk[65536], *s;
    size_t got;

    rewind(f);
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, got);
    buf_putc(&b, 0);
    fclose(f);
    s = (char *)buf_detach(&b, len);
    (*len)--;
    return s;
}

void
tu_finish(struct tu_proc *p, int timeout_s, struct tu_result *r)
{
    struct timespec nap = {0, 2000000};
    struct rusage ru;
    time_t deadline = time(NULL) + timeout_s;
    int status;
    pid_t got;

    memset(r, 0, sizeof *r);
    while ((got = wait4(p->pid, &status, WNOHANG, &ru)) == 0) {
        if (time(NULL) > deadline) {
            kill(p->pid, SIGKILL);
            wait4(p->pid, &status, 0, &ru);
            cr_assert_fail("%s: still running after %d s", p->prog, timeout_s);
        }
        nanosleep(&nap, NULL);
    }
    cr_assert_eq(got, p->pid, "wait4: %s", strerror(errno));
    r->max_rss_kb = ru.ru_maxrss;
    r->out = slurp(p->out, &r->out_len);
    r->err = slurp(p->err, &r->err_len);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    cr_assert_neq(r->code, TU_NO_EXEC, "%s: did not run: %s", p->prog, r->err);
}

void
tu_result_release(struct tu_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

void
tu_make_tmp(char *dir, size_t cap, const char *name)
{
    int n = snprintf(dir, cap, "/tmp/%s.XXXXXX", name);

    cr_assert(n > 0 && (size_t)n < cap, "folder name too long: %s", name);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
    signal(SIGPIPE, SIG_IGN);
}

const char *
tu_path(const char *dir, const char *rel)
{
    static char p[8][PATH_MAX];
    static int i;

    i = (i + 1) % 8;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, rel);
    return p[i];
}

unsigned char *
tu_pack(enum tu_packer how, int fast, const void *data, size_t len,
        size_t *outlen)
{
    size_t cap = len + len / 2 + 4096, n = 0;
    unsigned char *out = malloc(cap);

    cr_assert_not_null(out);
    if (how == TU_GZ) {
        z_stream z = {0};
        cr_assert_eq(deflateInit2(&z, fast ? 1 : 6, Z_DEFLATED, 15 + 16, 8,
                                  Z_DEFAULT_STRATEGY),
                     Z_OK);
        z.next_in = (unsigned char *)data;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END, "deflate");
        n = z.total_out;
        deflateEnd(&z);
    } else if (how == TU_XZ) {
        cr_assert_eq(lzma_easy_buffer_encode(fast ? 0 : 1, LZMA_CHECK_CRC64,
                                             NULL, data, len, out, &n, cap),
                     LZMA_OK, "xz");
    } else {
        ZSTD_CCtx *z = ZSTD_createCCtx();
        cr_assert_not_null(z);
        ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
        ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel,
                               fast ? 1 : ZSTD_CLEVEL_DEFAULT);
        n = ZSTD_compress2(z, out, cap, data, len);
        cr_assert(!ZSTD_isError(n), "zstd: %s", ZSTD_getErrorName(n));
        ZSTD_freeCCtx(z);
    }
    *outlen = n;
    return out;
}

double
tu_json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    cr_assert(cJSON_IsNumber(v), "\"%s\" is not a number", key);
    return v->valuedouble;
}

const char *
tu_json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    cr_assert(cJSON_IsString(v), "\"%s\" is not a string", key);
    return v->valuestring;
}

static int
cmp_strs(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void
tu_table_each(struct idx_txn *txn, int table, tu_entry_fn *fn, void *arg)
{
    struct idx_cursor *c;
    int r, rc = idx_cursor_open(txn, (enum idx_table)table, &c);

    cr_assert_eq(rc, SE_OK, "cursor_open: %s", se_strerror(rc));
    for (r = idx_cursor_first(c); r == 1; r = idx_cursor_next(c)) {
        const void *k, *v;
        size_t klen, vlen;
        rc = idx_cursor_get(c, &k, &klen, &v, &vlen);
        cr_assert_eq(rc, SE_OK, "cursor_get: %s", se_strerror(rc));
        fn(k, klen, v, vlen, arg);
    }
    cr_assert_eq(r, 0, "walk: %s", se_strerror(r));
    idx_cursor_close(c);
}

/* What tu_index_stems() gathers: each form's stem. */
struct stems_of_forms {
    struct stem *sm;
    char **v;
    size_t k, cap;
};

static void
add_form_stem(const void *f, size_t flen, const void *val, size_t vlen,
              void *arg)
{
    struct stems_of_forms *a = arg;
    const char *s;
    size_t slen;

    (void)val;
    (void)vlen;
    cr_assert_eq(stem_word(a->sm, f, flen, &s, &slen), SE_OK, "stem_word");
    if (a->k == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 1024;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        cr_assert_not_null(a->v, "realloc");
    }
    a->v[a->k] = strndup(s, slen);
    cr_assert_not_null(a->v[a->k++], "strndup");
}

char **
tu_index_stems(struct idx_txn *txn, struct stem *sm, size_t *n)
{
    struct stems_of_forms a = {sm, NULL, 0, 0};
    char **v;
    size_t k, i;

    tu_table_each(txn, IDX_FDICT, add_form_stem, &a);
    v = a.v;
    k = a.k;
    qsort(v, k, sizeof *v, cmp_strs);
    for (*n = 0, i = 0; i < k; i++)
        if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
            v[(*n)++] = v[i];
        else
            free(v[i]);
    return v;
}

void
tu_strs_free(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
