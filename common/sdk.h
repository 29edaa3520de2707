/*
 * sdk.h - the host side of the plugin interface.
 *
 * mapreduce.h leaves mr_emitter and mr_values opaque to plugins; the
 * programs that run plugins fill them with their own callbacks. sdk.c
 * implements the exported mr_* functions (listed in sdk.syms) on top.
 */
#ifndef MR_SDK_H
#define MR_SDK_H

#include "err.h"
#include "mapreduce.h"

struct mr_emitter {
	/* Stores one record; returns 0 or -1. */
	int	(*emit)(void *ctx, const void *key, size_t keylen,
		    const void *value, size_t valuelen);
	void	*ctx;
	/* mr_emit_words() natively, or NULL: then a loop over emit(). */
	int64_t	(*emit_words)(void *ctx, const char *data, size_t len,
		    const void *value, size_t valuelen);
};

struct mr_values {
	/* Same contract as mr_values_next(). */
	int	(*next)(void *ctx, const char **value, size_t *len);
	void	*ctx;
	int	 failed;	/* set once next() returned -1 */
};

/*
 * The counters plugins add to with mr_counter_add(), kept for one task
 * attempt at a time: reset before the attempt, read after it.
 */
void	sdk_counters_reset(void);

/*
 * Returns -1 with e naming the counter when the plugin broke a rule of
 * mr_counter_add() since the last reset (the attempt must then fail).
 */
int	sdk_counters_check(struct err *e);

/* Distinct counters since the last reset, and the i-th of them. */
size_t	sdk_counters_count(void);
void	sdk_counters_get(size_t i, const char **name, int64_t *value);

/*
 * Whether name[0..len) is a valid counter name (1 to MR_COUNTER_NAME_MAX
 * printable ASCII bytes, no space), for the coordinator, which checks
 * what workers send.
 */
int	sdk_counter_name_ok(const char *name, size_t len);

/*
 * Runs the application's init hook, if it has one (mapreduce.h), once the
 * parameters are set. Returns 0, or -1 with e holding "init of APP
 * failed: TEXT" (TEXT: its mr_error(), else "no reason given").
 */
int	sdk_init(const struct mr_app *app, struct err *e);

/* Runs its fini hook, if it has one. */
void	sdk_fini(const struct mr_app *app);

struct params;

/*
 * The job's parameters, which mr_param() reads: borrowed, and must live
 * until the plugin is done (NULL: none, the default).
 */
void	sdk_set_params(const struct params *ps);

/*
 * What the plugin said with mr_error() since the last sdk_error_clear(),
 * or NULL when it said nothing. Clear before each callback, read after
 * one that failed.
 */
const char *sdk_error(void);
void	sdk_error_clear(void);

/* What mr_input_offset() returns: set before map, 0 after. */
void	sdk_set_input_offset(uint64_t offset);

/*
 * The split points of mr_partition_total_order(): n keys in ascending
 * bytewise order, for n + 1 partitions; key p holds the keys of partition
 * p + 1 and up. Borrowed; NULL: none (then it answers nparts, which
 * fails the task). Partition of a key: the number of split points at or
 * below it.
 */
struct sdk_splits {
	size_t		 n;
	const char	*const *key;
	const size_t	*len;
};
void	sdk_set_splits(const struct sdk_splits *s);

#endif
