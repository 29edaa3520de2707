/*
 * srun.h - mrrun --srun: a job's workers as Slurm job steps.
 *
 * Inside an allocation (salloc, or an sbatch script), the coordinator runs
 * where mrrun runs and listens on TCP as well as on its socket, and each
 * worker is started by srun as a job step of one task on the allocation's
 * nodes, reaching the coordinator at tcp:HOSTNAME:PORT. The job's secret
 * goes to the workers in the environment ($MR_SECRET, which srun passes
 * on to its tasks), never on a command line, where any user of a node
 * could read it. Each worker is an srun process of mrrun's, so that one
 * that dies is replaced, Ctrl-C and the end of the job stop them, and
 * the exit status is the coordinator's, as with local workers.
 */
#ifndef MR_SRUN_H
#define MR_SRUN_H

#include <stddef.h>

#include "err.h"

/* What the coordinator listens on under --srun: every interface, a free port. */
#define SRUN_LISTEN "tcp:0.0.0.0:0"

/* The program that starts job steps, looked for in $PATH. */
#define SRUN_PROGRAM "srun"

/*
 * Checks that mrrun runs inside a Slurm allocation ($SLURM_JOB_ID) and
 * that srun is in $PATH, filling path with srun's. Returns 0, or -1 with
 * e saying what is missing and how to get it.
 */
int	srun_check(char *path, size_t size, struct err *e);

/*
 * The workers to run when -n is not given: the allocation's tasks
 * ($SLURM_NTASKS), else its nodes ($SLURM_JOB_NUM_NODES), else 1.
 */
long	srun_default_workers(void);

/*
 * Once the coordinator listens: reads where from job_dir's .mr-address
 * and makes the address the workers reach, tcp:HOSTNAME:PORT, in addr;
 * puts the job's secret (job_dir's .mr-secret) in $MR_SECRET for the
 * steps to inherit. Returns 0, or -1 with e set.
 */
int	srun_prepare(const char *job_dir, char *addr, size_t size,
	    struct err *e);

#endif
