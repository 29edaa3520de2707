/*
 * scratch.h - files that never have a name: data a process writes and
 * reads back itself, such as a map's spilled runs (worker/spill.h).
 *
 * scratch_open(".", "run", &e) creates an unnamed file in the folder
 * (open(2) with O_TMPFILE), open for reading and writing. It lives as long
 * as a descriptor of it does and no longer, however the process ends: a
 * process killed by SIGKILL leaves nothing behind and takes no name from
 * the folder.
 *
 * Where the file system or the kernel refuses O_TMPFILE, the file is
 * created as "DIR/.mrtmp-TAG-PID-N" (safefile.h's temporary names, which
 * safefile_remove_temps() and the coordinator's end-of-job cleanup know)
 * and removed at once: only a process killed between those two calls
 * leaves it behind.
 */
#ifndef MR_SCRATCH_H
#define MR_SCRATCH_H

#include "err.h"

/*
 * An unnamed file in folder `dir`, open for reading and writing
 * (close-on-exec), empty; `tag` names it in the fallback above. Returns
 * the descriptor, the caller's to close, or -1 with e naming the folder
 * (a missing or unwritable folder, no room, no descriptor left).
 */
int	scratch_open(const char *dir, const char *tag, struct err *e);

#endif
