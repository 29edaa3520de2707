/*
 * netjob.c - the secret, the address file and the descriptor limit of a
 * coordinator listening on TCP (see netjob.h).
 */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "netjob.h"
#include "safefile.h"

/* Descriptors beyond the connections: journal, report, logs, the loop. */
#define NETJOB_SPARE_FDS 64

void
netjob_init(struct netjob *nj)
{
	memset(nj, 0, sizeof *nj);
	nj->auth.method = AUTH_METHOD_SECRET;
	nj->peer_timeout = ADDR_PEER_TIMEOUT_DEFAULT;
}

int
netjob_auth(struct netjob *nj, const char *job_dir, struct err *e)
{
	struct auth_server probe;
	Mr__AuthHello hello = MR__AUTH_HELLO__INIT;
	unsigned char nonce[AUTH_NONCE_BYTES] = { 0 };
	int rc;

	if (nj->auth.method == AUTH_METHOD_MUNGE) {
		/* A credential now, or the reason none can be had. */
		auth_server_init(&probe, &nj->auth);
		hello.method = MR__AUTH_METHOD__AUTH_MUNGE;
		hello.nonce.data = nonce;
		hello.nonce.len = sizeof nonce;
		if (auth_server_hello(&probe, &hello, e) == -1) {
			err_prefix(e, "--auth munge");
			return -1;
		}
		return 0;
	}
	if (nj->secret_file != NULL) {
		if (auth_secret_load(&nj->auth, nj->secret_file, e) == -1)
			return -1;
		snprintf(nj->secret_path, sizeof nj->secret_path, "%s",
		    nj->secret_file);
		return 0;
	}
	if ((rc = auth_secret_env(&nj->auth, e)) != 0)
		return rc == 1 ? 0 : -1;
	if (snprintf(nj->secret_path, sizeof nj->secret_path, "%s/%s",
	    job_dir, AUTH_SECRET_FILE) >= (int)sizeof nj->secret_path) {
		err_set(e, "%s: name too long for the secret", job_dir);
		return -1;
	}
	if (auth_secret_make(&nj->auth, nj->secret_path, &nj->made_secret,
	    e) == -1)
		return -1;
	log_debug("the job's secret: %s (%s)", nj->secret_path,
	    nj->made_secret ? "made" : "kept from an earlier coordinator");
	return 0;
}

int
netjob_record(struct netjob *nj, const struct server *s, size_t n,
    const char *job_dir, struct err *e)
{
	struct safefile *f;
	char line[ADDR_TEXT_MAX + 2];

	if (n == 0)
		return 0;
	snprintf(nj->address_path, sizeof nj->address_path, "%s/%s", job_dir,
	    NETJOB_ADDRESS_FILE);
	if ((f = safefile_open(nj->address_path, 0, e)) == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof line, "%s\n", server_tcp_bound(s, i)->text);
		if (safefile_write(f, line, strlen(line), e) == -1) {
			safefile_abort(f);
			goto fail;
		}
	}
	if (safefile_commit(f, e) == -1)
		goto fail;
	return 0;
fail:
	nj->address_path[0] = '\0';
	return -1;
}

void
netjob_end(struct netjob *nj, int done)
{
	if (nj->address_path[0] != '\0' && unlink(nj->address_path) == -1 &&
	    errno != ENOENT)
		log_warn("%s: %s", nj->address_path, strerror(errno));
	if (done && nj->made_secret && unlink(nj->secret_path) == -1 &&
	    errno != ENOENT)
		log_warn("%s: %s", nj->secret_path, strerror(errno));
}

void
netjob_raise_nofile(unsigned long long conns)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)conns + NETJOB_SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		log_debug("RLIMIT_NOFILE %llu: fewer connections than %llu fit",
		    (unsigned long long)rl.rlim_cur, conns);
}
