# bench.mk - `make bench` (scripts/bench, then scripts/bench-net: TCP
# against the Unix socket, the handshake, 2 000 simulated workers; `make
# bench-net` runs that part alone) and the two C programs it uses:
# build/yardstick, the plain single-threaded word count that jobs are
# measured against, and build/benchjob, which runs and measures one job.
# Included at the end of the Makefile, which defines B, PROGS, APP_SO,
# TOOLS, DEPS_STAMP, CC, WARN, CFLAGS and LDFLAGS. Never sanitized: these
# programs measure.

BENCH_TOOLS := $(B)/yardstick $(B)/benchjob

.PHONY: bench bench-net
all: $(BENCH_TOOLS)

bench: $(PROGS) $(APP_SO) $(TOOLS) $(BENCH_TOOLS) $(B)/test/swarm $(B)/test/authpeer
	@BUILD=$(B) scripts/bench
	@BUILD=$(B) scripts/bench-net

bench-net: $(PROGS) $(APP_SO) $(B)/test/swarm $(B)/test/authpeer
	@BUILD=$(B) scripts/bench-net

$(B)/yardstick: scripts/yardstick.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 $(WARN) $(CFLAGS) $(LDFLAGS) $< -lutf8proc -o $@

# benchjob reads the journal it keeps a copy of with common/journal.c,
# compiled in here rather than linked from $(B)/obj, which a SANITIZE build
# instruments.
BENCHJOB_COMMON := $(patsubst %,common/%.c,crc32c err journal log safefile textesc)

$(B)/benchjob: scripts/benchjob.c $(BENCHJOB_COMMON) coordinator/recovery.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Icommon -Icoordinator \
		$(LDFLAGS) $(filter %.c,$^) -lutf8proc -o $@
