/*
 * statusview.h - a coordinator's Status as mrctl shows it: text for a
 * person, or JSON for a program (keys named as in the text).
 */
#ifndef MR_STATUSVIEW_H
#define MR_STATUSVIEW_H

#include <stdio.h>

#include <jansson.h>

#include "mr.pb-c.h"

/* Tasks listed one by one without --all; beyond, only those worth a look. */
#define STATUSVIEW_FEW_TASKS 20

/*
 * Prints the job, then its workers, then its tasks: every task when there
 * are at most STATUSVIEW_FEW_TASKS or `all` is set; otherwise the running
 * ones and those handed out more than once, then a count of the others.
 * Every string from the Status is escaped (textesc.h): the server's words
 * must not drive the terminal.
 */
void	statusview_text(FILE *f, const Mr__Status *st, int all);

/* How statusview_json() lays the object out (json_dumps flags). */
#define STATUSVIEW_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* The whole Status as one JSON object (json_dumps), to free(); NULL on failure. */
char	*statusview_json(const Mr__Status *st);

/* The same object as a jansson tree, to json_decref(); NULL on failure. */
json_t	*statusview_json_tree(const Mr__Status *st);

#endif
