/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz/ share.
 *
 * Each harness fuzz_<target>.c defines `static int fuzz_<target>_one(const
 * uint8_t *data, size_t size)`, which runs one input through the code under
 * test and checks what its header promises with FUZZ_CHECK(), and, unless
 * FUZZ_NO_MAIN is defined, the libFuzzer entry point calling it.
 * tests/test_fuzz_regress.c defines FUZZ_NO_MAIN and its own FUZZ_CHECK(),
 * includes the harness files, and replays every committed input through the
 * same functions in the normal test suite (the Makefile builds a test from
 * one source file, hence the includes).
 */
#ifndef SE_FUZZ_H
#define SE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * A broken promise is a crash, so libFuzzer stops and saves the input.
 * `msg` is a string literal saying which promise.
 */
#ifndef FUZZ_CHECK
#define FUZZ_CHECK(cond, msg)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: %s (%s)\n", __FILE__, __LINE__, msg,       \
                    #cond);                                                    \
            abort();                                                           \
        }                                                                      \
    } while (0)
#endif

/* The harness's own memory ran out: not a finding, but nothing to check. */
#define FUZZ_NEED(p)                                                           \
    do {                                                                       \
        if ((p) == NULL)                                                       \
            abort();                                                           \
    } while (0)

/*
 * A descriptor of a temporary file holding exactly `size` bytes of `data`,
 * at offset 0, for readers that take a descriptor. One file per process,
 * rewritten at each call; the descriptor stays open until the process ends.
 */
static inline int
fuzz_temp_fd(const uint8_t *data, size_t size)
{
    static FILE *f;
    size_t done = 0;
    ssize_t n;
    int fd;

    if (f == NULL)
        FUZZ_NEED(f = tmpfile());
    fd = fileno(f);
    while (done < size) {
        n = pwrite(fd, data + done, size - done, (off_t)done);
        FUZZ_NEED(n > 0 ? f : NULL);
        done += (size_t)n;
    }
    /* Cut after writing: ext4 flushes a file truncated to 0 to disk. */
    FUZZ_NEED(ftruncate(fd, (off_t)size) == 0 ? f : NULL);
    FUZZ_NEED(lseek(fd, 0, SEEK_SET) == 0 ? f : NULL);
    return fd;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

#endif
