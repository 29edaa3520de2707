/*
 * summary.h - the closing lines of a job that is done: how long it took,
 * what ran and what ran again (and why), backups, tasks kept from before a
 * restart, the bytes moved, the plugin's counters, and the inputs that
 * changed while it ran (--allow-changing-inputs).
 */
#ifndef MR_SUMMARY_H
#define MR_SUMMARY_H

#include "job.h"

/* Logs the summary of job j, done after `wall` seconds. */
void	summary_log(const struct job *j, double wall);

#endif
