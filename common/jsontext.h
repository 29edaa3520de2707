/*
 * jsontext.h - byte strings as JSON strings.
 *
 * File names and error messages are bytes; JSON strings are UTF-8, and
 * jansson refuses anything else. jsontext_new() keeps what is valid UTF-8
 * and writes U+FFFD for each byte that is not (or is a NUL), so that a
 * report or a status never fails over an odd file name:
 *
 *	json_object_set_new(o, "name", jsontext_new(name));
 */
#ifndef MR_JSONTEXT_H
#define MR_JSONTEXT_H

#include <jansson.h>

/* A new JSON string of s (a C string); NULL only when out of memory. */
json_t	*jsontext_new(const char *s);

#endif
