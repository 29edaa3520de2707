/*
 * srun.c - the Slurm side of mrrun --srun (see srun.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "srun.h"

int
srun_check(char *path, size_t size, struct err *e)
{
	const char *p = getenv("PATH"), *colon;
	size_t len;

	if (getenv("SLURM_JOB_ID") == NULL) {
		err_set(e, "--srun: not inside a Slurm allocation ($SLURM_JOB_ID "
		    "is not set): run mrrun under salloc, or in an sbatch script");
		return -1;
	}
	while (p != NULL && *p != '\0') {
		colon = strchr(p, ':');
		len = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (len > 0 && (size_t)snprintf(path, size, "%.*s/%s", (int)len,
		    p, SRUN_PROGRAM) < size && access(path, X_OK) == 0)
			return 0;
		p = colon != NULL ? colon + 1 : NULL;
	}
	err_set(e, "--srun: %s not found in $PATH (Slurm's client programs: "
	    "Debian's slurm-client)", SRUN_PROGRAM);
	return -1;
}

long
srun_default_workers(void)
{
	const char *v[] = { "SLURM_NTASKS", "SLURM_NPROCS",
	    "SLURM_JOB_NUM_NODES", "SLURM_NNODES" };
	long n;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (getenv(v[i]) != NULL && (n = atol(getenv(v[i]))) > 0)
			return n;
	return 1;
}

int
srun_prepare(const char *job_dir, char *addr, size_t size, struct err *e)
{
	char path[PATH_MAX], line[512], host[256], hex[2 * AUTH_SECRET_BYTES + 1];
	struct auth a;
	const char *port;
	FILE *f;

	snprintf(path, sizeof path, "%s/.mr-address", job_dir);
	if ((f = fopen(path, "r")) == NULL) {
		err_sys(e, "%s", path);
		return -1;
	}
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		err_set(e, "%s: empty", path);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if ((port = strrchr(line, ':')) == NULL) {
		err_set(e, "%s: not an address: %s", path, line);
		return -1;
	}
	/* The nodes of a cluster know each other by name. */
	if (gethostname(host, sizeof host) == -1) {
		err_sys(e, "gethostname");
		return -1;
	}
	host[sizeof host - 1] = '\0';
	snprintf(addr, size, "tcp:%s%s", host, port);
	snprintf(path, sizeof path, "%s/%s", job_dir, AUTH_SECRET_FILE);
	if (auth_secret_load(&a, path, e) == -1)
		return -1;
	auth_secret_hex(&a, hex);
	if (setenv(AUTH_SECRET_ENV, hex, 1) == -1) {
		err_sys(e, "setenv");
		return -1;
	}
	return 0;
}
