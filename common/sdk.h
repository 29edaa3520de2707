/*
 * sdk.h - the host side of the plugin interface.
 *
 * mapreduce.h leaves mr_emitter and mr_values opaque to plugins; the
 * programs that run plugins fill them with their own callbacks. sdk.c
 * implements the exported mr_* functions (listed in sdk.syms) on top.
 */
#ifndef MR_SDK_H
#define MR_SDK_H

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

#endif
