/*
 * peercred.c - peer credentials of Unix sockets (see peercred.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <unistd.h>

#include "peercred.h"

int
peercred_trusted(uid_t uid)
{
	return uid == geteuid() || uid == 0;
}

int
peercred_get(int fd, uid_t *uid, pid_t *pid, struct err *e)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		err_sys(e, "SO_PEERCRED");
		return -1;
	}
	*uid = cred.uid;
	*pid = cred.pid;
	return 0;
}

int
peercred_check_server(int fd, const char *path, struct err *e)
{
	struct stat st;
	uid_t uid;
	pid_t pid;

	if (peercred_get(fd, &uid, &pid, e) == -1) {
		err_prefix(e, "%s", path);
		return -1;
	}
	if (!peercred_trusted(uid)) {
		err_set(e, "%s: the process listening there runs as uid %u "
		    "(pid %d), not as you (uid %u); refusing to talk to it",
		    path, (unsigned)uid, (int)pid, (unsigned)geteuid());
		return -1;
	}
	/*
	 * The file's owner as well: SO_PEERCRED names whoever called listen(),
	 * which a process of ours may have done on a socket that another
	 * user bound, and whose file that user controls.
	 */
	if (lstat(path, &st) == -1) {
		err_sys(e, "%s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		err_set(e, "%s: not a socket", path);
		return -1;
	}
	if (!peercred_trusted(st.st_uid)) {
		err_set(e, "%s: the socket file belongs to uid %u, not to you "
		    "(uid %u); refusing to talk to it", path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	return 0;
}
