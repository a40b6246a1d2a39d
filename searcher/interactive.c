/*
 * interactive.c - a read-query-print loop over libedit's readline
 * interface (editline/readline.h), which gives Emacs-style editing, the
 * arrow keys through the history, and history files in the format
 * libedit reads back.
 *
 * The history is written after every query, not only at :quit: a session
 * ended by a signal or a closed terminal keeps what was asked.
 */
#include "interactive.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#define PROMPT "search> "

static const char commands[] =
    "Commands:\n"
    "  :help        this help\n"
    "  :quit, :q    leave (Ctrl-D too)\n"
    "Any other line is a query; Up and Down recall earlier ones.\n";

char *
interactive_history_path(void)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    const char *dir, *name;
    size_t n;
    char *path;

    if (state && state[0]) {
        dir = state;
        name = "searcher_history";
    } else if (home && home[0]) {
        dir = home;
        name = ".searcher_history";
    } else {
        return NULL;
    }
    n = strlen(dir) + strlen(name) + 2;
    path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s", dir, name);
    return path;
}

/* Skip leading and trailing white space of `s` in place; its length. */
static size_t
trim(char **s)
{
    char *p = *s;
    size_t n;

    while (*p == ' ' || *p == '\t')
        p++;
    n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        p[--n] = '\0';
    *s = p;
    return n;
}

int
interactive_run(const char *history, const char *about,
                interactive_query_fn *query, void *arg)
{
    char *line;
    int warned = 0, quit = 0;

    using_history();
    stifle_history(INTERACTIVE_HISTORY_MAX);
    if (history)
        read_history(history); /* none yet is fine */
    printf("Type a query, or :help. Ctrl-D or :quit to leave.\n");
    fflush(stdout);
    while ((line = readline(PROMPT)) != NULL) {
        char *text = line;
        size_t n = trim(&text);
        if (n == 0) {
            free(line);
            continue;
        }
        if (strcmp(text, ":quit") == 0 || strcmp(text, ":q") == 0) {
            free(line);
            quit = 1;
            break;
        }
        add_history(text);
        if (history && write_history(history) != 0 && !warned) {
            int e = errno;
            fprintf(stderr, "searcher: warning: %s: history not saved: %s\n",
                    history, e ? strerror(e) : "write failed");
            warned = 1;
        }
        if (strcmp(text, ":help") == 0 || strcmp(text, ":h") == 0) {
            fputs(commands, stdout);
            if (about)
                fputs(about, stdout);
        } else if (text[0] == ':') {
            fprintf(stderr,
                    "searcher: unknown command '%s'; :help lists them\n", text);
        } else {
            query(arg, text, n);
        }
        fflush(stdout);
        fflush(stderr);
        free(line);
    }
    if (!quit)
        putchar('\n'); /* Ctrl-D left the cursor after the prompt */
    fflush(stdout);
    return 0;
}
