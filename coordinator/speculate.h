/*
 * speculate.h - the numbers of the backup rule (coordinator/tasks.h): when a
 * running attempt is a straggler worth a second attempt, and how many such
 * backups a phase may run at once. It keeps the durations of one phase's
 * finished tasks and answers their median in O(1) after an O(log n) add
 * (a max-heap of the lower half beside a min-heap of the upper half), so
 * that a job of 100 000 tasks never sorts them. No I/O, no clock.
 */
#ifndef MR_SPECULATE_H
#define MR_SPECULATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * An attempt gets a backup once it has run SPEC_FACTOR times the median
 * duration of its phase's finished tasks. The lab's job-count test runs map
 * tasks that each sleep 2 to 5 s and fails if a map runs more often than
 * needed: every finished task there took at least 2 s, so 3 x median >= 6 s,
 * more than any of its attempts runs (5 s); any factor above 5/2 keeps that
 * test's count, 3 leaves a margin for the worker's own time. A worker ten
 * times slower than its peers is still caught at a third of its run.
 */
#define SPEC_FACTOR	 3.0

/*
 * Nor before it has run SPEC_MIN_SECONDS: among tasks of a few milliseconds
 * (reduces of a small job) three times the median is noise, and a backup
 * costs a process start and a second read of the inputs.
 */
#define SPEC_MIN_SECONDS 1.0

/*
 * At most SPEC_CAP_PERCENT of a phase's tasks (and at least one) have a
 * backup running at once, as Hadoop caps its speculative attempts: a slow
 * machine must not double the load of the whole cluster.
 */
#define SPEC_CAP_PERCENT 10

struct speculate;

struct speculate *speculate_new(void);
void	speculate_free(struct speculate *s);

/*
 * Records a finished task's duration in seconds (a negative one or NaN,
 * from a clock that went back, counts as 0). O(log n).
 */
void	speculate_add(struct speculate *s, double seconds);

/* Durations recorded so far. */
size_t	speculate_count(const struct speculate *s);

/*
 * Their median (the mean of the two middle ones for an even count), 0 when
 * there are none. O(1).
 */
double	speculate_median(const struct speculate *s);

/*
 * How long an attempt must have run to get a backup:
 * max(SPEC_FACTOR x median, SPEC_MIN_SECONDS); -1 while no task of the
 * phase has finished (there is nothing to compare with).
 */
double	speculate_threshold(const struct speculate *s);

/* Backups a phase of `ntasks` tasks may run at once: max(1, 10%). */
uint32_t speculate_cap(uint32_t ntasks);

#endif
