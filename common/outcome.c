/*
 * outcome.c - the names of an attempt's outcomes (see outcome.h).
 */
#include "outcome.h"

const char *
outcome_name(Mr__AttemptOutcome o)
{
	switch (o) {
	case MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING:
		return "running";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_DONE:
		return "done";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_WON:
		return "backup-won";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_CANCELLED:
		return "cancelled";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_LOST:
		return "backup-lost";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_STALE:
		return "stale";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_FAILED:
		return "failed";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_TIMEOUT:
		return "timeout";
	case MR__ATTEMPT_OUTCOME__ATTEMPT_LOST:
		return "lost";
	default:
		return "unknown";
	}
}
