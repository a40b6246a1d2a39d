/* testutil.c - helpers shared by the test files (not a test itself). */
#include "testutil.h"

#include <dirent.h>
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
