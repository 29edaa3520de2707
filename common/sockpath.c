/*
 * sockpath.c - choosing and checking the socket path (see sockpath.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockpath.h"

int
sockpath_resolve(const char *option, struct sockaddr_un *addr, struct err *e)
{
	char def[64];
	const char *path = option;

	if (path == NULL)
		path = getenv("MR_SOCKET");
	if (path == NULL || *path == '\0') {
		snprintf(def, sizeof def, "/tmp/mr-%u.sock", (unsigned)getuid());
		path = option != NULL ? option : def;
	}
	if (*path == '\0') {
		err_set(e, "empty socket path");
		return -1;
	}
	memset(addr, 0, sizeof *addr);
	addr->sun_family = AF_UNIX;
	if (strlen(path) > SOCKPATH_MAX) {
		err_set(e, "socket path too long (%zu bytes, at most %d): %s",
		    strlen(path), SOCKPATH_MAX, path);
		return -1;
	}
	strcpy(addr->sun_path, path);
	return 0;
}
