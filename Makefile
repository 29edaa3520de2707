# MapReduce in C. Plain GNU make; everything is built under build/.
#
#   make              programs and apps
#   make test         unit tests (Check) and the black-box job tests
#   make run          a word count job over sample inputs
#   make SANITIZE=1   the same, built with AddressSanitizer and UBSan in build/san
#   make install      programs, the apps of apps/, SDK header, pkg-config file
#                     and manual pages under $(DESTDIR)$(PREFIX); make
#                     uninstall removes them (the lab's test apps, test/apps/,
#                     are built beside the others but never installed)
#
# The installed plugin folder, $(PREFIX)/lib/mapreduce, is compiled into the
# programs: build with the PREFIX you install to (make PREFIX=/opt/mr, then
# make install PREFIX=/opt/mr); a different PREFIX rebuilds what depends on it.

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra
PROTOC_C ?= protoc-c
PREFIX	?= /usr/local
DESTDIR	?=

ifeq ($(SANITIZE),1)
B	:= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B	:= build
SANFLAGS :=
endif

GEN	:= $(B)/gen
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -I$(GEN) -Iproto -Icommon -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)
LIBS	 = -lprotobuf-c -lev -lutf8proc -ljansson -lz -lbz2 -llzma -lzstd -lsodium -lmunge -ldl -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)
# The SDK functions (mr_*) are exported from the programs that load plugins.
EXPORT_SDK = -Wl,--dynamic-list=common/sdk.syms

COMMON_SRC := $(wildcard common/*.c)
COORD_SRC  := $(filter-out coordinator/main.c,$(wildcard coordinator/*.c))
WORKER_SRC := $(filter-out worker/main.c worker/sequential.c,$(wildcard worker/*.c))
# mrctl's parts (tools/ holds whole programs, mrrun.c and mrctl.c, besides):
# finding and asking a coordinator, printing a status, and `mrctl web`.
CTL_SRC    := tools/jobfind.c tools/statusview.c tools/ctlconn.c \
	      tools/web.c tools/webdata.c tools/webpoll.c tools/webreport.c \
	      tools/webassets.c
# The web page's files, built into mrctl (scripts/embed).
WEBUI	   := tools/webui/index.html tools/webui/style.css tools/webui/app.js
# mrpipe's parts (tools/mrpipe.c the program), and the few modules of
# common/ it links: it is shipped alone to other machines (doc/streaming.md).
PIPE_SRC   := tools/linein.c tools/streamline.c tools/pipemap.c tools/pipereduce.c
PIPE_COMMON := $(patsubst %,common/%.c,buf crc32c err log opts params plugin sdk split textesc words)
APPS	   := $(patsubst apps/%.c,%,$(wildcard apps/*.c))
# The lab's test apps (crash, mtiming, ...): built into the same folder, so
# that the tests and bare names find them, but not installed.
TEST_APPS  := $(patsubst test/apps/%.c,%,$(wildcard test/apps/*.c))
CHECKS	   := $(patsubst test/%.c,%,$(wildcard test/check_*.c))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
PB_OBJ	   := $(B)/obj/gen/mr.pb-c.o $(B)/obj/gen/journal.pb-c.o
COMMON_OBJ := $(call obj,$(COMMON_SRC)) $(PB_OBJ)
COORD_OBJ  := $(call obj,$(COORD_SRC))
WORKER_OBJ := $(call obj,$(WORKER_SRC))
CTL_OBJ    := $(call obj,$(CTL_SRC)) $(B)/obj/gen/webassets.o
# mrctl web's HTTP server (GNU libmicrohttpd) runs in a thread of its own.
WEB_LIBS   := -lmicrohttpd -lpthread
PIPE_OBJ   := $(call obj,$(PIPE_SRC))

PROGS	:= $(B)/mrcoordinator $(B)/mrworker $(B)/mrsequential $(B)/mrrun $(B)/mrctl \
	   $(B)/mrpipe
APP_SO	:= $(patsubst %,$(B)/apps/%.so,$(APPS))
TEST_APP_SO := $(patsubst %,$(B)/apps/%.so,$(TEST_APPS))
# scripts/timeline, installed as mrtimeline with the version written in.
TIMELINE := $(B)/mrtimeline
# Manual pages: doc/man/NAME.N.in with @PLUGINDIR@ and @VERSION@ filled in.
MAN_SRC	:= $(wildcard doc/man/*.in)
MAN	:= $(patsubst doc/man/%.in,$(B)/man/%,$(MAN_SRC))
MAN1	:= $(filter %.1,$(MAN))
MAN3	:= $(filter %.3,$(MAN))
CHECK_BIN := $(patsubst %,$(B)/test/%,$(CHECKS))
TOOLS	:= $(B)/gencorpus $(B)/gensort
PC	:= $(B)/mapreduce.pc

BINDIR	   := $(PREFIX)/bin
LIBDIR	   := $(PREFIX)/lib
PLUGINDIR  := $(LIBDIR)/mapreduce
INCLUDEDIR := $(PREFIX)/include
PCDIR	   := $(LIBDIR)/pkgconfig
MANDIR	   := $(PREFIX)/share/man
VERSION	   := $(shell sed -n 's/^\#define MR_VERSION "\(.*\)"/\1/p' common/version.h)

.PHONY: all test check run clean deps install uninstall FORCE
# Keep objects of test programs between runs.
.SECONDARY:
all: $(PROGS) $(APP_SO) $(TEST_APP_SO) $(TIMELINE) $(MAN) $(TOOLS) $(PC)

# Missing Debian packages are installed once (see scripts/install-deps).
DEPS_STAMP := build/.deps-ok
$(DEPS_STAMP): scripts/install-deps
	@scripts/install-deps
	@mkdir -p $(@D) && touch $@
deps: $(DEPS_STAMP)

$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: proto/%.proto | $(DEPS_STAMP)
	@mkdir -p $(GEN)
	$(PROTOC_C) --proto_path=proto --c_out=$(GEN) $<

$(GEN)/webassets.c: $(WEBUI) scripts/embed
	@mkdir -p $(GEN)
	scripts/embed $(WEBUI) >$@.tmp && mv $@.tmp $@

$(B)/obj/gen/webassets.o: $(GEN)/webassets.c tools/webassets.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itools -c $< -o $@

$(B)/obj/gen/%.pb-c.o: $(GEN)/%.pb-c.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/obj/%.o: %.c $(GEN)/mr.pb-c.h $(GEN)/journal.pb-c.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# Holds the PREFIX built for; rewritten only when it changes, so that only
# then are the plugin lookup and the pkg-config file made again.
PREFIX_STAMP := $(B)/prefix
$(PREFIX_STAMP): FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(PREFIX)' ]; then \
		echo '$(PREFIX)' >$@; fi
FORCE:

$(B)/obj/common/plugin.o: $(PREFIX_STAMP)
$(B)/obj/common/plugin.o: ALL_CFLAGS += -DMR_PLUGIN_DIR='"$(PLUGINDIR)"'

$(PC): common/mapreduce.pc.in common/version.h $(PREFIX_STAMP)
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< >$@

$(B)/man/%: doc/man/%.in common/version.h $(PREFIX_STAMP)
	@mkdir -p $(@D)
	sed -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< >$@

# The same script, knowing its version without the source tree.
$(TIMELINE): scripts/timeline common/version.h
	@mkdir -p $(@D)
	sed -e 's|^MR_VERSION=$$|MR_VERSION=$(VERSION)|' $< >$@.tmp
	chmod 755 $@.tmp && mv $@.tmp $@

$(B)/mrcoordinator: $(B)/obj/coordinator/main.o $(COORD_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@

$(B)/mrworker: $(B)/obj/worker/main.o $(WORKER_OBJ) $(COMMON_OBJ) common/sdk.syms
	$(CC) $(ALL_LDFLAGS) $(EXPORT_SDK) $(filter %.o,$^) $(LIBS) -o $@

# The one-command launcher: starts the two programs above, next to it,
# after loading the plugin once itself (so it exports the SDK too).
$(B)/mrrun: $(B)/obj/tools/mrrun.o $(B)/obj/tools/srun.o $(COMMON_OBJ) common/sdk.syms
	$(CC) $(ALL_LDFLAGS) $(EXPORT_SDK) $(filter %.o,$^) $(LIBS) -o $@

# Asks a running coordinator for its job's state.
$(B)/mrctl: $(B)/obj/tools/mrctl.o $(CTL_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) $(WEB_LIBS) -o $@

# A plugin as a Hadoop Streaming command. Its one library besides the C
# library, utf8proc, is linked in, so that it runs on a cluster's nodes as
# they are.
$(B)/mrpipe: $(B)/obj/tools/mrpipe.o $(PIPE_OBJ) $(call obj,$(PIPE_COMMON)) common/sdk.syms
	$(CC) $(ALL_LDFLAGS) $(EXPORT_SDK) $(filter %.o,$^) -Wl,-Bstatic -lutf8proc -Wl,-Bdynamic -ldl -o $@

$(B)/mrsequential: $(B)/obj/worker/sequential.o $(WORKER_OBJ) $(COMMON_OBJ) common/sdk.syms
	$(CC) $(ALL_LDFLAGS) $(EXPORT_SDK) $(filter %.o,$^) $(LIBS) -o $@

# Plugins see only the public SDK header.
$(B)/apps/%.so: apps/%.c common/mapreduce.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC -shared -Icommon $< -o $@

$(B)/apps/%.so: test/apps/%.c common/mapreduce.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC -shared -Icommon $< -o $@

$(B)/gencorpus: scripts/gencorpus.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(LDFLAGS) $< -o $@

# Records of the sort benchmark's layout, for apps/sort.c.
$(B)/gensort: scripts/gensort.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(LDFLAGS) $< -o $@

$(B)/test/%: $(B)/obj/test/%.o $(COORD_OBJ) $(WORKER_OBJ) $(CTL_OBJ) $(PIPE_OBJ) $(COMMON_OBJ) common/sdk.syms
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(EXPORT_SDK) $(filter %.o,$^) $(LIBS) $(WEB_LIBS) $(CHECK_LIBS) -o $@

# Test fixtures: shared objects that are not valid plugins.
FIXTURES := $(patsubst test/fixtures/%.c,$(B)/test/fixtures/%.so,$(wildcard test/fixtures/*.c))
$(B)/test/fixtures/%.so: test/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC -shared -Icommon $< -o $@

$(B)/test/hostile: $(B)/obj/test/hostile.o $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@

$(B)/test/fakecoord: $(B)/obj/test/fakecoord.o $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@

$(B)/test/authpeer: $(B)/obj/test/authpeer.o $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@

$(B)/test/swarm: $(B)/obj/test/swarm.o $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -lpthread -o $@

$(B)/test/squatter: $(B)/obj/test/squatter.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ -o $@

# Browsers for scripts/test-web.sh that must not slow a job.
$(B)/test/webload: $(B)/obj/test/webload.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ -o $@

TEST_TOOLS := $(if $(wildcard test/hostile.c),$(B)/test/hostile) $(B)/test/squatter \
	$(B)/test/webload $(B)/test/fakecoord $(B)/test/authpeer $(B)/test/swarm

test check: all $(CHECK_BIN) $(FIXTURES) $(TEST_TOOLS)
	@scripts/install-deps --test
	@BUILD=$(B) SANITIZE=$(SANITIZE) scripts/run-tests

run: all
	@BUILD=$(B) scripts/run-job

# Programs and headers world-readable; plugins are not executables. Only
# the apps of apps/ are installed, not the test apps.
install: $(PROGS) $(APP_SO) $(TIMELINE) $(MAN) $(PC)
	install -d -m 755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PCDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(PROGS) $(TIMELINE) $(DESTDIR)$(BINDIR)/
	install -m 644 $(APP_SO) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 common/mapreduce.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(PC) $(DESTDIR)$(PCDIR)/
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/

# The plugin folder goes too unless it holds plugins of other origins; the
# manual folders are shared with other packages and stay.
uninstall:
	rm -f $(patsubst $(B)/%,$(DESTDIR)$(BINDIR)/%,$(PROGS) $(TIMELINE))
	rm -f $(patsubst $(B)/apps/%,$(DESTDIR)$(PLUGINDIR)/%,$(APP_SO))
	rm -f $(DESTDIR)$(INCLUDEDIR)/mapreduce.h $(DESTDIR)$(PCDIR)/mapreduce.pc
	rm -f $(patsubst $(B)/man/%,$(DESTDIR)$(MANDIR)/man1/%,$(MAN1)) \
		$(patsubst $(B)/man/%,$(DESTDIR)$(MANDIR)/man3/%,$(MAN3))
	if [ -d $(DESTDIR)$(PLUGINDIR) ]; then \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(PLUGINDIR); fi

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# libFuzzer targets: make fuzz-build; make fuzz [FUZZ_SECONDS=60]
include test/fuzz/fuzz.mk

# make bench (scripts/bench): the benchmark and its two programs
include scripts/bench.mk
