# test/fuzz/fuzz.mk - libFuzzer targets, included by the main Makefile.
#
#   make fuzz-build                 build build/fuzz/fuzz_frame and build/fuzz/fuzz_kvfile
#   make fuzz [FUZZ_SECONDS=60]     build, then run each fuzzer FUZZ_SECONDS seconds
#                                   on a copy of its seed corpus (test/fuzz/corpus/<name>/)
#
# Everything is built with clang's libFuzzer, AddressSanitizer and UBSan into
# build/fuzz/ (objects in build/fuzz/obj/, generated protobuf code in
# build/fuzz/gen/), apart from the normal build. `make fuzz` prints one line
# per fuzzer and fails on any crash, leak, timeout or sanitizer report; the
# full output is in build/fuzz/<name>.log and a reproducer in
# build/fuzz/artifacts-<name>/. Re-run one by hand with
#   build/fuzz/fuzz_frame build/fuzz/artifacts-fuzz_frame/crash-...
#
# Only variables named FUZZ_* are defined here.

FUZZ_SECONDS	?= 60
# UBSan suppressions for known, accepted reports, one "check:pattern" per
# word (a pattern names a function or a source file), e.g.
#   make fuzz FUZZ_UBSAN_SUPPRESS=pointer-overflow:buf.h
# Empty by default: every sanitizer report fails the run.
FUZZ_UBSAN_SUPPRESS ?=
# More libFuzzer options for both runs, e.g. FUZZ_FLAGS=-max_len=70000 to let
# fuzz_frame build frames past 4 KiB (worker frames may be up to 64 KiB).
FUZZ_FLAGS	?=
FUZZ_CC		?= clang
FUZZ_PROTOC_C	?= protoc-c
FUZZ_DIR	:= build/fuzz
FUZZ_GEN	:= $(FUZZ_DIR)/gen
FUZZ_OBJDIR	:= $(FUZZ_DIR)/obj
# pointer-overflow is recoverable so that a report of it can be suppressed
# (FUZZ_UBSAN_SUPPRESS below); the targets set halt_on_error=1, so without a
# suppression it stops the run like every other check.
FUZZ_BASEFLAGS	:= -g -O1 -fno-sanitize-recover=undefined \
		   -fsanitize-recover=pointer-overflow -std=gnu11 \
		   -D_GNU_SOURCE -I$(FUZZ_GEN) -Iproto -Icommon -Icoordinator
# Project code: instrumented for coverage, no libFuzzer main.
FUZZ_OBJFLAGS	:= $(FUZZ_BASEFLAGS) -fsanitize=fuzzer-no-link,address,undefined
# Fuzz targets: instrumented and linked with libFuzzer's main.
FUZZ_BINFLAGS	:= $(FUZZ_BASEFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_LIBS	:= $(LIBS)

FUZZ_COMMON_SRC	:= $(wildcard common/*.c)
FUZZ_COORD_SRC	:= $(filter-out coordinator/main.c,$(wildcard coordinator/*.c))
FUZZ_PB_OBJ	:= $(FUZZ_OBJDIR)/gen/mr.pb-c.o
FUZZ_COMMON_OBJ	:= $(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$(FUZZ_COMMON_SRC)) $(FUZZ_PB_OBJ)
FUZZ_COORD_OBJ	:= $(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$(FUZZ_COORD_SRC))
FUZZ_TARGETS	:= fuzz_frame fuzz_kvfile
FUZZ_BINS	:= $(patsubst %,$(FUZZ_DIR)/%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

# protoc-c writes both files; the header is made with the source (one rule,
# so that a parallel make runs protoc-c once).
$(FUZZ_GEN)/mr.pb-c.c: proto/mr.proto
	@mkdir -p $(FUZZ_GEN)
	$(FUZZ_PROTOC_C) --proto_path=proto --c_out=$(FUZZ_GEN) proto/mr.proto
$(FUZZ_GEN)/mr.pb-c.h: $(FUZZ_GEN)/mr.pb-c.c ;

$(FUZZ_PB_OBJ): $(FUZZ_GEN)/mr.pb-c.c test/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_OBJFLAGS) -c $< -o $@

$(FUZZ_OBJDIR)/%.o: %.c $(FUZZ_GEN)/mr.pb-c.h test/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_OBJFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_frame: test/fuzz/fuzz_frame.c $(FUZZ_COORD_OBJ) $(FUZZ_COMMON_OBJ)
	$(FUZZ_CC) $(FUZZ_BINFLAGS) -MMD -MP -MF $@.d $(filter %.c %.o,$^) $(FUZZ_LIBS) -o $@

$(FUZZ_DIR)/fuzz_kvfile: test/fuzz/fuzz_kvfile.c $(FUZZ_COMMON_OBJ)
	$(FUZZ_CC) $(FUZZ_BINFLAGS) -MMD -MP -MF $@.d $(filter %.c %.o,$^) $(FUZZ_LIBS) -o $@

# Each fuzzer runs on a fresh copy of its seeds. The output goes to
# build/fuzz/<name>.log; for fuzz_frame, the coordinator's log lines (stderr
# of the code under test) are discarded with -close_fd_mask=2, libFuzzer's
# own output and sanitizer reports are kept. Run a reproducer by hand to see
# everything (FUZZ_VERBOSE=1 adds the coordinator's debug log).
fuzz: $(FUZZ_BINS)
	@set -u; status=0; \
	supp=$(abspath $(FUZZ_DIR))/ubsan.supp; \
	printf '%s\n' $(FUZZ_UBSAN_SUPPRESS) >$$supp; \
	for t in $(FUZZ_TARGETS); do \
		c=$${t#fuzz_}; \
		corpus=$(FUZZ_DIR)/corpus-$$c; log=$(FUZZ_DIR)/$$t.log; \
		art=$(FUZZ_DIR)/artifacts-$$t/; \
		rm -rf $$corpus $$art; mkdir -p $$corpus $$art; \
		cp test/fuzz/corpus/$$c/* $$corpus/; \
		start=$$(date +%s); \
		UBSAN_OPTIONS=suppressions=$$supp \
		$(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		    $$(test $$t = fuzz_frame && echo -close_fd_mask=2) \
		    -timeout=10 -rss_limit_mb=2048 \
		    -artifact_prefix=$$art $(FUZZ_FLAGS) $$corpus >$$log 2>&1; \
		rc=$$?; end=$$(date +%s); \
		n=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
		cov=$$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED).*cov: ' $$log | tail -n 1 | \
		    sed -E 's/.*cov: ([0-9]+).*/\1/'); \
		if [ $$rc -eq 0 ] && [ -n "$$n" ] && \
		    ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' $$log; then \
			echo "$$t: $$n executions in $$((end - start)) s, no crash (cov: $${cov:-?})"; \
		else \
			echo "$$t: FAILED (exit status $$rc) after $${n:-?} executions in $$((end - start)) s; see $$log"; \
			grep -E 'ERROR:|SUMMARY:|runtime error:|Test unit written to|^    #[0-9]+ ' $$log | head -n 20 | sed "s/^/$$t: /"; \
			status=1; \
		fi; \
	done; \
	exit $$status

-include $(wildcard $(FUZZ_DIR)/*.d) $(shell find $(FUZZ_OBJDIR) -name '*.d' 2>/dev/null)
