/*
 * changes.h - inputs read although they had changed since the job was
 * planned (--allow-changing-inputs): what the accepted attempt of each map
 * task read, for the summary.
 */
#ifndef MR_CHANGES_H
#define MR_CHANGES_H

#include <stdint.h>

#include "tasks.h"

struct changes;

/* A record for each of `nmap` map tasks, none read yet. */
struct changes	*changes_new(uint32_t nmap);
void		 changes_free(struct changes *c);

/*
 * The accepted attempt of map task `map` (< nmap) read `bytes` of `input`,
 * which differed from its stamp as `what` says ("" or NULL: it did not).
 * Replaces what an earlier accepted attempt of the task recorded.
 */
void	changes_record(struct changes *c, uint32_t map, const char *input,
	    uint64_t bytes, const char *what);

/*
 * The same for a map task of the n inputs `in` (names owned by the
 * caller, living as long as c): with several, `what` names the input
 * that changed ("NAME: how", as the worker says it), which is recorded
 * with how; otherwise the task's first input is.
 */
void	changes_record_inputs(struct changes *c, uint32_t map,
	    const struct tasks_input *in, uint32_t n, uint64_t bytes,
	    const char *what);

/* Map tasks whose accepted attempt read a changed input. */
uint32_t changes_count(const struct changes *c);

/* Input bytes the accepted attempts read, over every map task recorded. */
uint64_t changes_bytes_read(const struct changes *c);

/*
 * Logs, when some accepted attempt read a changed input, how many tasks did,
 * the bytes read against the `planned` ones, and what changed in each
 * input (the first 10). Nothing when none did.
 */
void	changes_summary(const struct changes *c, uint64_t planned);

#endif
