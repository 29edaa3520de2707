/*
 * jsontext.c - byte strings as JSON strings (see jsontext.h).
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "jsontext.h"
#include "log.h"

json_t *
jsontext_new(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n, len = (utf8proc_ssize_t)strlen(s);
	utf8proc_int32_t cp;
	char *copy, *o;
	json_t *v;

	if ((v = json_string(s)) != NULL)
		return v;
	/* At most 3 bytes (U+FFFD) for each byte of s. */
	o = copy = xmalloc(3 * (size_t)len + 1);
	while (len > 0) {
		n = utf8proc_iterate(p, len, &cp);
		if (n <= 0 || cp == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		} else {
			memcpy(o, p, (size_t)n);
			o += n;
		}
		p += n;
		len -= n;
	}
	*o = '\0';
	v = json_string(copy);
	free(copy);
	return v;
}
