/* testutil.h - what several test files need: temporary trees. */
#ifndef SE_TESTUTIL_H
#define SE_TESTUTIL_H

/* Remove `path` and, for a directory, everything below it; links are
 * removed, never followed. Errors are ignored: it cleans up after tests. */
void tu_rm_tree(const char *path);

#endif
