/*
 * webassets.c - finding a built-in file of the page (see webassets.h).
 */
#include <string.h>

#include "webassets.h"

const struct webasset *
webassets_find(const char *path)
{
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (size_t i = 0; i < webassets_count; i++)
		if (strcmp(webassets[i].path, path) == 0)
			return &webassets[i];
	return NULL;
}
