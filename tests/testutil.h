/* testutil.h - what several test files need: temporary trees, files, a hash. */
#ifndef SE_TESTUTIL_H
#define SE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Remove `path` and, for a directory, everything below it; links are
 * removed, never followed. Errors are ignored: it cleans up after tests. */
void tu_rm_tree(const char *path);
/* Write `len` bytes (or the string `s`) to dir/rel; a failure fails the
 * running test. */
void tu_write_bytes(const char *dir, const char *rel, const void *data,
                    size_t len);
void tu_write_str(const char *dir, const char *rel, const char *s);
/* Make the directory dir/rel (mode 0755); a failure fails the test. */
void tu_make_dir(const char *dir, const char *rel);
/* FNV-1a of `n` bytes: for the tests' own hash tables. */
uint64_t tu_hash(const char *s, size_t n);

#endif
