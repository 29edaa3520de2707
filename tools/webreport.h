/*
 * webreport.h - a job report (--report FILE.json) as mrctl web shows it:
 * the page of a job that is over, as Hadoop's job history server serves.
 */
#ifndef MR_WEBREPORT_H
#define MR_WEBREPORT_H

#include "err.h"
#include "webdata.h"

/*
 * Loads the report at `path` into wd: a status made from its job and
 * attempts (each task's state, worker and attempts, the job's counts and
 * counters), its attempts and workers, and its outcome. Returns 0, or -1
 * with e set naming the file: unreadable, not JSON, or not a report.
 */
int	webreport_load(struct webdata *wd, const char *path, struct err *e);

#endif
