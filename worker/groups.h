/*
 * groups.h - a merged record stream read one key at a time.
 *
 * Wraps a merge (common/merge.h) so that a reduce or combine function sees
 * each distinct key once with an iterator over its values, pulled from the
 * merge only as they are read: memory stays one record per stream.
 *
 *	struct groups g;
 *	groups_init(&g, m);
 *	while ((rc = groups_next(&g, &key, &keylen, &values)) == 1)
 *		... reduce(out, key, keylen, values) ...
 *	if (rc == -1) ... groups_error(&g) ...
 *	groups_free(&g);
 */
#ifndef MR_GROUPS_H
#define MR_GROUPS_H

#include <stddef.h>

#include "err.h"
#include "merge.h"
#include "sdk.h"

struct groups {
	struct merge	*m;
	char		*key;		/* copy of the current key, NUL-terminated */
	size_t		 keylen, keycap;
	const char	*nextkey;	/* pending record: first of the next group */
	size_t		 nextkeylen;
	const char	*value;
	size_t		 valuelen;
	int		 started;
	int		 pending;	/* a record is waiting */
	int		 first;		/* the pending value belongs to this group */
	int		 ended;		/* no more values in this group */
	int		 error;
	struct err	 err;
	mr_values	 values;
};

/* Reads groups from m (not owned). */
void	groups_init(struct groups *g, struct merge *m);

/*
 * Moves to the next key, skipping the values of the previous one that were
 * not read. Returns 1 with *key (valid until the next call) and *values set,
 * 0 at the end, -1 when the merge failed (see groups_error()).
 */
int	groups_next(struct groups *g, const char **key, size_t *keylen,
	    mr_values **values);

/* Whether reading failed, with the reason in e. */
int	groups_error(const struct groups *g, struct err *e);

void	groups_free(struct groups *g);

#endif
