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

#endif
