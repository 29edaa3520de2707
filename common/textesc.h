/*
 * textesc.h - text from elsewhere (file names, a plugin's messages, a
 * server's answers) made safe to print on a terminal.
 *
 * A name may hold any byte, and a terminal obeys some of them: ESC starts a
 * sequence that can retitle the window or clear the screen, and a lone
 * byte 0x9b is CSI on some terminals. So every control character (C0, DEL
 * and C1), every byte that is not part of valid UTF-8 and the backslash
 * (so that an escape cannot be forged) are written as escapes; printable
 * text, UTF-8 included, is kept as it is.
 */
#ifndef MR_TEXTESC_H
#define MR_TEXTESC_H

#include <stddef.h>

/*
 * Writes the escaped form of the NUL-terminated string s into dst, of
 * `size` bytes (at least 1), always NUL-terminated; an escape is never cut
 * in half. Escapes: "\n", "\r", "\t", "\\", "\xHH" for any other byte below
 * 0x20, DEL or a byte of invalid UTF-8, "\u00HH" for a C1 control
 * character. Returns the length written.
 */
size_t	textesc_to(char *dst, size_t size, const char *s);

/* The escaped form of s in a new string, to free(). Never NULL. */
char	*textesc(const char *s);

#endif
