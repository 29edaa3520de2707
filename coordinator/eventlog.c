/*
 * eventlog.c - log lines about attempts as they time out or are backed up
 * (see eventlog.h). A timeout names its task so that a user can tell which
 * one hangs, and says how long it was silent when it had reported
 * progress before (its deadline counts from the last report).
 */
#include <stdio.h>

#include "eventlog.h"
#include "log.h"

void
eventlog_timeout(const struct tasks *t, const struct job_event *ev,
    char *out, size_t len)
{
	char what[128] = "", silent[64] = "";
	uint32_t n = 0;

	if (ev->kind == TASK_MAP && tasks_map_inputs(t, ev->id, &n) != NULL &&
	    n > 0)
		snprintf(what, sizeof what, n > 1 ? " (%.80s + %u more)" :
		    " (%.80s)", tasks_map_input(t, ev->id), n - 1);
	/* Its progress moved its deadline on: say for how long it was quiet. */
	if (ev->secs - ev->quiet >= 0.5)
		snprintf(silent, sizeof silent, ", the last %.0f s without "
		    "progress,", ev->quiet);
	snprintf(out, len, "%s %stask %u%s timed out after %.0f s%s on worker "
	    "%u; %s", ev->kind == TASK_MAP ? "map" : "reduce",
	    ev->backup ? "backup of " : "", ev->id, what, ev->secs, silent,
	    ev->worker, ev->requeued ? "requeued" : ev->backup ?
	    "its original runs on" : "its backup runs on");
}

int
eventlog_on_event(void *arg, const struct job_event *ev, struct err *e)
{
	const struct tasks *t = job_tasks(arg);
	char line[320];

	(void)e;
	switch (ev->type) {
	case JOB_EV_TIMED_OUT:
		eventlog_timeout(t, ev, line, sizeof line);
		log_info("%s", line);
		break;
	case JOB_EV_LEASED:
		if (ev->backup)
			log_info("%s task %u runs slowly: backup attempt %llu "
			    "on worker %u", ev->kind == TASK_MAP ? "map" :
			    "reduce", ev->id, (unsigned long long)ev->attempt,
			    ev->worker);
		break;
	default:
		break;
	}
	return 0;
}
