/*
 * interactive.h - the searcher's prompt when standard input is a terminal
 * and no query is given: line editing and history through libedit (the
 * only module that includes it), a few ':' commands, every other line a
 * query.
 */
#ifndef SE_INTERACTIVE_H
#define SE_INTERACTIVE_H

#include <stddef.h>

#define INTERACTIVE_HISTORY_MAX 1000 /* lines kept in the history file */

/* Runs one query line (`len` bytes, NUL-terminated); its result is not
 * used: errors are printed by the callee and the prompt goes on. */
typedef void interactive_query_fn(void *arg, const char *line, size_t len);

/*
 * The history file: $XDG_STATE_HOME/searcher_history when XDG_STATE_HOME
 * is set and not empty, else $HOME/.searcher_history; NULL when neither
 * HOME nor XDG_STATE_HOME is set. Caller frees.
 */
char *interactive_history_path(void);

/*
 * Prompt, read a line, run it, until :quit or end of input (Ctrl-D).
 * Lines are kept in `history` (may be NULL) after each query. `about`
 * is printed by :help after the list of commands. Returns the exit status:
 * 0, or 2 when the terminal could not be set up.
 */
int interactive_run(const char *history, const char *about,
                    interactive_query_fn *query, void *arg);

#endif
