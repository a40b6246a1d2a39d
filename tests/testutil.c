/* testutil.c - helpers shared by the test files (not a test itself). */
#include "testutil.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
