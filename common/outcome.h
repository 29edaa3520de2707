/*
 * outcome.h - the names of an attempt's outcomes (Mr__AttemptOutcome), as
 * the report file, mrctl status --json and the web page spell them:
 * "running", "done", "backup-won", "cancelled", "backup-lost", "stale",
 * "failed", "timeout", "lost". One spelling for the coordinator and mrctl.
 */
#ifndef MR_OUTCOME_H
#define MR_OUTCOME_H

#include "mr.pb-c.h"

/* The name of outcome o; "unknown" for a value this build does not know. */
const char	*outcome_name(Mr__AttemptOutcome o);

#endif
