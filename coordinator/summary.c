/*
 * summary.c - the closing lines of a job that is done (see summary.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "summary.h"

/* The plugin's counters on one line, sorted by name, when it has any. */
static void
summary_counters(const struct tasks *t)
{
	size_t n = tasks_ncounters(t), len = 0, size = 64;
	char *line = xmalloc(size);
	const char *name;
	int64_t v;
	int w;

	if (n == 0) {
		free(line);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		tasks_counter(t, i, &name, &v);
		/* A name is at most 63 bytes, a number 20. */
		if (size - len < 96)
			line = xrealloc(line, size *= 2);
		w = snprintf(line + len, size - len, "%s%s %lld",
		    i > 0 ? ", " : "", name, (long long)v);
		len += (size_t)w;
	}
	log_info("counters: %s", line);
	if (tasks_counters_refused(t) > 0)
		log_warn("%llu counter(s) with new names not counted: a job "
		    "keeps at most %zu names",
		    (unsigned long long)tasks_counters_refused(t), n);
	free(line);
}

/* The closing lines of a job that is done: what ran, what ran again, and why. */
void
summary_log(const struct job *j, double wall)
{
	const struct tasks *t = job_tasks(j);
	struct tasks_counts c;
	struct job_totals tot;
	uint64_t again, input = job_input_bytes(j);

	tasks_counts(t, &c);
	job_totals(j, &tot);
	again = c.timeouts + c.lost + c.failures;
	/* Hundredths for short jobs, which would all read "0.0 s". */
	log_info("job done in %.*f s: %u map and %u reduce task%s, %llu run "
	    "again (%llu timed out, %llu lost with their worker, %llu failed)",
	    wall < 10 ? 2 : 1, wall, tasks_nmap(t),
	    tasks_nreduce(t), tasks_nreduce(t) == 1 ? "" : "s",
	    (unsigned long long)again, (unsigned long long)c.timeouts,
	    (unsigned long long)c.lost, (unsigned long long)c.failures);
	if (c.backups_started > 0)
		log_info("%llu backup attempt%s of slow tasks: %llu finished "
		    "first, %llu cancelled", (unsigned long long)
		    c.backups_started, c.backups_started == 1 ? "" : "s",
		    (unsigned long long)c.backups_won,
		    (unsigned long long)c.backups_lost);
	if (tasks_nkept(t) > 0)
		log_info("%u task%s kept from before the coordinator restarted",
		    tasks_nkept(t), tasks_nkept(t) == 1 ? "" :
		    "s");
	/* What was read, when a changed input made it differ from the plan. */
	if (job_changed_inputs(j) > 0)
		input = job_input_read(j);
	/* A map-only job's maps wrote its outputs. */
	log_info("input %.1f MB, intermediate %.1f MB, output %.1f MB; "
	    "%.1f MB/s", input / 1e6, tasks_nreduce(t) > 0 ?
	    tot.map_bytes / 1e6 : 0., (tasks_nreduce(t) > 0 ?
	    tot.reduce_bytes : tot.map_bytes) / 1e6,
	    wall > 0 ? input / 1e6 / wall : 0.);
	summary_counters(t);
	job_changes_summary(j);
}

