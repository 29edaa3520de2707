#!/usr/bin/env bash
#
# test-worker.sh - black-box tests of mrworker's process model against a
# scripted coordinator (test/fakecoord.c): a Cancel or a Shutdown in the
# middle of a map stops the task's process at once and leaves no file of
# it; a Cancel for an attempt already reported is ignored; a worker killed
# takes its task's process along; a worker that loses its coordinator
# (waiting for a task, or in the middle of one) joins the next one on the
# same socket, and exits 1 after --reconnect seconds when none comes; its
# reports quote the task's incarnation; its Hello names the plugin and
# its digest; a Welcome refusing it ends it with the coordinator's words.
#
# usage: scripts/test-worker.sh [TEST...]
#
# Prints "PASS: NAME (SECONDSs)" (with " — " and the figures measured) or
# "FAIL: NAME: REASON" per test, then "N passed, M failed"; exits 0 iff
# none failed. It builds nothing: run make, then make build/test/fakecoord
# and build/test/fixtures/{slow,failwrite}.so (make test builds them all).
# Environment: BUILD=DIR (default build; e.g. build/san), KEEP=1 (keep the
# temporary folder).
#
# Each test runs in a fresh folder $T/NAME, the job folder the fake
# coordinator's Welcome names, with its socket $T/NAME/mr.sock and a
# one-line input in.txt; logs go to $T/logs/NAME/: the fake's lines in
# fake*.log (its steps and what it saw, "+N ms" after what it last sent),
# the worker's -v log in worker.log. The worker runs the slow fixture
# (build/test/fixtures/slow.so), whose map sleeps MR_TEST_SLEEP seconds
# after emitting MR_TEST_EMIT records (with --memory 1, enough for sorted
# runs to spill before the sleep).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(cancel cancel-no-tmpfile cancel-named stale-cancel shutdown
	shutdown-failed
	worker-killed reconnect-waiting reconnect-task reconnect-timeout
	incarnation hello refused over-at-hello many-tasks)
TIMEOUT=(timeout -k 2s 60s)
CANCEL_MS=1000		# a stopped attempt: asked again (or gone) within this
EMIT=200000		# records a map emits before it sleeps: runs spill

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
# testlib.sh sets ROOT, BIN and the programs: WORKER and APPS here.
FAKE=$BIN/test/fakecoord
FIX=$BIN/test/fixtures
SLOW=$FIX/slow.so
install_cleanup

# ---------------------------------------------------------------------------
# Test steps. Each returns 0, or sets REASON and returns 1.

MATCH=""	# the line found by fake_has
RC=""		# the exit status found by rc_of

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	MATCH=""
	rm -rf -- "$DIR" "$LOGS"
	enter_job_folder 100 "$DIR" "$LOGS" || return 1
	printf 'one line of input\n' >in.txt
}

# fake NAME [OPTION...] STEP...: a fake coordinator on SOCK in the job
# folder, its lines in $LOGS/NAME.log; waits until it listens.
fake() {
	local name=$1 i

	shift
	spawn "$name" "$FAKE" --socket "$SOCK" "$@"
	for ((i = 0; i < 100; i++)); do
		[ -S "$SOCK" ] && return 0
		[ -e "$LOGS/$name.rc" ] && break
		sleep 0.05
	done
	REASON="fake coordinator $name did not listen: $(tail -n 1 "$LOGS/$name.log" 2>/dev/null)"
	return 1
}

# worker [VAR=VALUE...] -- [OPTION...]: a verbose worker of the slow
# fixture on SOCK, started from the test's logs folder (so that it must
# find the job folder from the Welcome).
worker() {
	local envs=()

	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	spawn worker env -C "$LOGS" ${envs[@]+"${envs[@]}"} "$WORKER" -v \
		--socket "$SOCK" "$@" "$SLOW"
}

# rc_of NAME SECONDS: waits up to SECONDS for process NAME to end and sets
# RC to its exit status; fails when it does not end.
rc_of() {
	local i

	for ((i = 0; i < $2 * 20; i++)); do
		if [ -s "$LOGS/$1.rc" ]; then
			RC=$(<"$LOGS/$1.rc")
			return 0
		fi
		sleep 0.05
	done
	REASON="$1 still running after $2 s"
	return 1
}

# fake_ok NAME: waits for fake NAME to end; fails unless every step of it
# went as written (its last line says what came instead).
fake_ok() {
	rc_of "$1" 30 || return 1
	[ "$RC" = 0 ] && return 0
	REASON="fake coordinator $1: $(tail -n 1 "$LOGS/$1.log")"
	return 1
}

# fake_has NAME REGEX: the first line of fake NAME's log matching REGEX,
# in MATCH.
fake_has() {
	MATCH=$(grep -E -m 1 -- "$2" "$LOGS/$1.log" 2>/dev/null) && [ -n "$MATCH" ] && return 0
	REASON="fake coordinator $1 printed no line matching '$2'"
	return 1
}

# worker_said REGEX: the worker's log has a line matching REGEX.
worker_said() {
	grep -E -q -- "$1" "$LOGS/worker.log" && return 0
	REASON="the worker did not log '$1'"
	return 1
}

# worker_exit STATUS: waits for the worker to end with that status.
worker_exit() {
	rc_of worker 15 || return 1
	[ "$RC" = "$1" ] && return 0
	REASON="the worker exited with status $RC, not $1"
	return 1
}

# ms_of LINE: the "+N ms" of a fake's line, in MS.
ms_of() {
	[[ $1 =~ \+([0-9]+)\ ms ]] || { REASON="no time in '$1'"; return 1; }
	MS=${BASH_REMATCH[1]}
}

# Fails unless the fake's request line after the cancel ("request" after
# "cancel") came within CANCEL_MS; sets MS.
asked_again_soon() {
	MATCH=$(sed -n '/^cancel /,$p' "$LOGS/fake.log" | grep -m 1 '^request ')
	[ -n "$MATCH" ] || { REASON="no request after the cancel"; return 1; }
	ms_of "$MATCH" || return 1
	[ "$MS" -lt "$CANCEL_MS" ] && return 0
	REASON="the worker asked for a task $MS ms after the Cancel (expected < $CANCEL_MS)"
	return 1
}

# Fails unless the fake saw no file with prefix $1 after the attempt
# stopped (its "files $1 0" line).
fake_saw_none() {
	fake_has fake "^files $1 " || return 1
	[[ $MATCH == "files $1 0" ]] && return 0
	REASON="left by the stopped attempt: ${MATCH#files $1 }"
	return 1
}

# The number of sorted runs the fake saw the task's process hold right
# before it stopped the attempt (its last "unnamed N" line with N > 0), in
# RUNS; fails unless none of them had a name meanwhile (the fake's first
# "files .mrtmp-run- N" line, taken while they were held, says 0).
runs_seen() {
	MATCH=$(grep -E '^unnamed [1-9]' "$LOGS/fake.log" | tail -n 1)
	[ -n "$MATCH" ] || { REASON="the attempt held no unnamed run before it was stopped"; return 1; }
	RUNS=${MATCH#unnamed }
	RUNS=${RUNS%% *}
	fake_has fake '^files \.mrtmp-run- ' || return 1
	[[ $MATCH == "files .mrtmp-run- 0" ]] && return 0
	REASON="runs with a name in the job folder while the attempt ran: ${MATCH#files .mrtmp-run- }"
	return 1
}

# The worker's environment for the failwrite shim to refuse O_TMPFILE, as
# a file system without it does, in PRELOAD; fails with DETAIL set when
# this build cannot take the shim.
no_tmpfile() {
	local pre=$FIX/failwrite.so

	if [ "$ASAN_PRELOAD" = unavailable ]; then
		DETAIL="skipped: the LD_PRELOAD shim cannot be combined with this sanitized build (libasan not found by ldd)"
		return 1
	fi
	[ -z "$ASAN_PRELOAD" ] || pre="$ASAN_PRELOAD $pre"
	PRELOAD=("LD_PRELOAD=$pre" FAILWRITE_PREFIX=.none)
}

# ---------------------------------------------------------------------------
# The tests.

# cancel_test [VAR=VALUE...]: a Cancel for the running attempt, 1 s into a
# map that sleeps 30 s after spilling runs: the worker asks for a task
# again within a second, its task's process is gone, and nothing of the
# attempt is left; its runs never had a name.
cancel_test() {
	fake fake accept hello welcome request map input=in.txt \
		unnamed wait=1 sleep ms=200 children unnamed \
		files prefix=.mrtmp-run- cancel request \
		gone children files prefix=.mrtmp- files prefix=mr- \
		sleep ms=500 files prefix=mr- shutdown eof || return 1
	worker "$@" MR_TEST_SLEEP=30 MR_TEST_EMIT=$EMIT -- --memory 1
	fake_ok fake || return 1
	fake_has fake '^children 1 [0-9]+$' || { REASON="no task process while the map ran: $REASON"; return 1; }
	fake_has fake '^children 0$' || { REASON="the task's process is still there after the next request"; return 1; }
	asked_again_soon || return 1
	runs_seen || return 1
	fake_saw_none .mrtmp- && fake_saw_none mr- || return 1
	worker_exit 0 || return 1
	worker_said '^mrworker: attempt 1 cancelled; its process \(pid [0-9]+\) is stopped$' || return 1
	DETAIL="asked again $MS ms after the Cancel; its process gone, with the $RUNS runs it had spilled, none of them named"
}

t_cancel() {
	cancel_test
}

# The same where O_TMPFILE is refused: each run is named for an instant,
# removed at once, and held open without a name all the same.
t_cancel_no_tmpfile() {
	no_tmpfile || return 0
	cancel_test "${PRELOAD[@]}" || return 1
	DETAIL+=" (O_TMPFILE refused)"
}

# The same for a reduce whose output has a temporary name (O_TMPFILE
# refused by the failwrite shim): the name goes with the attempt.
t_cancel_named() {
	no_tmpfile || return 0
	fake fake accept hello welcome request map input=in.txt report \
		request reduce await prefix=.mrtmp-mr-out-0- children cancel \
		request gone files prefix=.mrtmp- files prefix=mr-out- \
		shutdown eof || return 1
	worker "${PRELOAD[@]}" MR_TEST_SLEEP=0 \
		MR_TEST_REDUCE_SLEEP=30 --
	fake_ok fake || return 1
	fake_has fake '^files \.mrtmp-mr-out-0- 1 ' || return 1
	NOTE="named while it ran: ${MATCH#files .mrtmp-mr-out-0- 1 }"
	NOTE=${NOTE%% +*}
	asked_again_soon || return 1
	fake_saw_none .mrtmp- && fake_saw_none mr-out- || return 1
	worker_exit 0 || return 1
	DETAIL="asked again $MS ms after the Cancel; the reduce's temporary file removed"
}

# A Cancel for an attempt already reported is ignored: no second request,
# and the next task runs.
t_stale_cancel() {
	fake fake accept hello welcome request map input=in.txt report \
		request cancel attempt=1 quiet ms=500 map input=in.txt report \
		request shutdown eof || return 1
	worker MR_TEST_SLEEP=0 --
	fake_ok fake || return 1
	fake_has fake '^done attempt=2 ' || return 1
	worker_exit 0 || return 1
	worker_said '^mrworker: cancel of attempt 1, which does not run here: ignored$'
}

# shutdown_test FAILED STATUS: a Shutdown in the middle of a map that
# sleeps 30 s ends the worker within a second with STATUS, its task's
# process gone and nothing of the attempt left.
shutdown_test() {
	fake fake accept hello welcome request map input=in.txt \
		unnamed wait=1 children unnamed files prefix=.mrtmp-run- \
		shutdown failed="$1" remove=1 \
		eof gone files prefix=.mrtmp- files prefix=mr- || return 1
	worker MR_TEST_SLEEP=30 MR_TEST_EMIT=$EMIT -- --memory 1
	fake_ok fake || return 1
	fake_has fake '^eof ' && ms_of "$MATCH" || return 1
	[ "$MS" -lt "$CANCEL_MS" ] ||
		{ REASON="the worker closed $MS ms after the Shutdown (expected < $CANCEL_MS)"; return 1; }
	runs_seen || return 1
	fake_saw_none .mrtmp- && fake_saw_none mr- || return 1
	worker_exit "$2" || return 1
	DETAIL="gone $MS ms after the Shutdown; its process gone, with the $RUNS runs it had spilled, none of them named"
}

t_shutdown() {
	shutdown_test 0 0 || return 1
	worker_said '^mrworker: the job is done while attempt 1 ran; attempt abandoned$'
}

t_shutdown_failed() {
	shutdown_test 1 1 || return 1
	worker_said '^mrworker: the job failed while attempt 1 ran; attempt abandoned$'
}

# A worker SIGKILLed in the middle of a map: its task's process dies with
# it (the connection, which both hold, closes at once).
t_worker_killed() {
	local wpid kid i

	fake fake accept hello welcome request map input=in.txt \
		unnamed wait=1 children eof || return 1
	# The shell's notice of the SIGKILL goes to the log, not to our output.
	worker MR_TEST_SLEEP=30 MR_TEST_EMIT=$EMIT -- --memory 1 \
		2>>"$LOGS/worker.log"
	for ((i = 0; i < 200; i++)); do
		grep -q '^children ' "$LOGS/fake.log" 2>/dev/null && break
		sleep 0.05
	done
	fake_has fake '^hello .* pid=[0-9]+ ' || return 1
	[[ $MATCH =~ pid=([0-9]+) ]] && wpid=${BASH_REMATCH[1]}
	fake_has fake '^children 1 [0-9]+$' || return 1
	kid=${MATCH##* }
	kill -KILL "$wpid"
	fake_ok fake || return 1
	for ((i = 0; i < 20; i++)); do
		is_alive "$kid" || break
		sleep 0.05
	done
	! is_alive "$kid" || { REASON="the task's process $kid outlived its worker"; return 1; }
	DETAIL="worker $wpid killed: its connection closed, its task process $kid gone"
}

# same_pid A B: the Hello of fake B came from the worker of fake A's.
same_pid() {
	local a

	fake_has "$1" '^hello ' || return 1
	[[ $MATCH =~ pid=([0-9]+) ]] && a=${BASH_REMATCH[1]}
	fake_has "$2" '^hello ' || return 1
	[[ $MATCH == *" pid=$a "* ]] && return 0
	REASON="fake $2 got a Hello from another process: $MATCH (first: pid $a)"
	return 1
}

# The coordinator closes while the worker waits for a task and leaves a
# stale socket (as one killed); another starts on it 0.5 s later, for
# another job: the same worker says Hello to it, says the job changed,
# and serves it.
t_reconnect_waiting() {
	fake fake1 --keep-socket accept hello welcome job=1 request close || return 1
	worker -- --reconnect 10
	fake_ok fake1 || return 1
	sleep 0.5
	fake fake2 accept hello welcome job=2 request shutdown eof || return 1
	fake_ok fake2 || return 1
	same_pid fake1 fake2 || return 1
	worker_exit 0 || return 1
	worker_said '^mrworker: lost the coordinator: connection closed; waiting up to 10 s for one to come back$' &&
		worker_said '^mrworker: joined another job \(id 0000000000000002, was 0000000000000001\) in ' || return 1
	fake_has fake2 '^accept' || return 1
	DETAIL="the same worker joined the second coordinator"
}

# The coordinator closes in the middle of a map: the attempt is stopped
# (process gone, its runs removed) while the worker waits for another,
# which it then serves (the same job: nothing said about it).
t_reconnect_task() {
	fake fake --keep-socket accept hello welcome request map input=in.txt \
		unnamed wait=1 children unnamed files prefix=.mrtmp-run- \
		close sleep ms=500 gone \
		files prefix=.mrtmp- files prefix=mr- || return 1
	worker MR_TEST_SLEEP=30 MR_TEST_EMIT=$EMIT -- --memory 1 --reconnect 10
	fake_ok fake || return 1
	runs_seen || return 1
	fake_saw_none .mrtmp- && fake_saw_none mr- || return 1
	fake fake2 accept hello welcome request shutdown eof || return 1
	fake_ok fake2 || return 1
	same_pid fake fake2 || return 1
	worker_exit 0 || return 1
	worker_said '^mrworker: lost the coordinator while attempt 1 ran; attempt abandoned$' || return 1
	! grep -q 'joined another job' "$LOGS/worker.log" ||
		{ REASON="the worker said the job changed; it did not"; return 1; }
	DETAIL="attempt stopped, with the $RUNS runs it had spilled, none of them named; the same worker joined the next coordinator"
}

# The cpu ticks (user + system) process $1 has used, in TICKS.
cpu_ticks() {
	local line f

	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || { TICKS=""; return 1; }
	line=${line##*) }
	read -ra f <<<"$line"
	TICKS=$((f[11] + f[12]))
}

# Nobody comes back: the worker exits 1 about --reconnect (2) seconds after
# the connection closed, saying so, without spending its wait on the CPU.
t_reconnect_timeout() {
	local wpid t0 t1 before ms

	fake fake accept hello welcome request close || return 1
	worker -- --reconnect 2
	fake_ok fake || return 1
	t0=$(date +%s%N)
	fake_has fake '^hello ' || return 1
	[[ $MATCH =~ pid=([0-9]+) ]] && wpid=${BASH_REMATCH[1]}
	sleep 0.3
	cpu_ticks "$wpid" && before=$TICKS
	sleep 1
	cpu_ticks "$wpid" || { REASON="the worker was gone 1.3 s after the close, before its 2 s"; return 1; }
	[ $((TICKS - before)) -le 5 ] ||
		{ REASON="the worker used $((TICKS - before)) cpu ticks in 1 s of waiting"; return 1; }
	rc_of worker 10 || return 1
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	[ "$RC" = 1 ] || { REASON="the worker exited with status $RC, not 1"; return 1; }
	[ "$ms" -ge 1700 ] && [ "$ms" -lt 4000 ] ||
		{ REASON="the worker exited $ms ms after the close (expected about 2000)"; return 1; }
	worker_said '^mrworker: lost the coordinator: connection closed; none came back within 2 s$' || return 1
	DETAIL="exited 1 after $ms ms (--reconnect 2)"
}

# Every report quotes its task's incarnation, done or failed.
t_incarnation() {
	fake fake accept hello welcome inc=7 request \
		map input=in.txt attempt=5 inc=7 report request \
		map input=missing.txt inc=9 report request shutdown eof || return 1
	worker MR_TEST_SLEEP=0 --
	fake_ok fake || return 1
	fake_has fake '^done attempt=5 incarnation=7 ' &&
		fake_has fake '^failed attempt=6 incarnation=9 error=' || return 1
	worker_exit 0
}

# hello_of PLUGIN NAME: a worker of PLUGIN says Hello to fake NAME; its
# line in MATCH.
hello_of() {
	fake "$2" accept hello welcome request shutdown eof || return 1
	spawn "worker-$2" env -C "$LOGS" "$WORKER" --socket "$SOCK" "$1"
	fake_ok "$2" && fake_has "$2" '^hello '
}

# Hello names the plugin's application and the digest of its file: the
# same for a copy, another for another plugin.
t_hello() {
	local size one copy

	size=$(stat -c %s "$SLOW") || return 1
	hello_of "$SLOW" fake1 || return 1
	[[ $MATCH =~ \ app=slow\ digest=(crc32c:[0-9a-f]{8}\ size:$size)\ \+ ]] ||
		{ REASON="Hello of slow.so ($size bytes): $MATCH"; return 1; }
	one=${BASH_REMATCH[1]}
	cp -- "$SLOW" "$LOGS/copy.so" || return 1
	hello_of "$LOGS/copy.so" fake2 || return 1
	[[ $MATCH == *" app=slow digest=$one +"* ]] ||
		{ REASON="Hello of a copy of slow.so: $MATCH (first: $one)"; return 1; }
	hello_of "$APPS/nocrash.so" fake3 || return 1
	[[ $MATCH =~ \ app=nocrash\ digest=(crc32c:[0-9a-f]{8}\ size:[0-9]+)\ \+ ]] &&
		[ "${BASH_REMATCH[1]}" != "$one" ] ||
		{ REASON="Hello of nocrash.so: $MATCH (slow.so: $one)"; return 1; }
	DETAIL="slow.so: $one"
}

# A Welcome that refuses the worker ends it (status 1) with its text.
t_refused() {
	local why="plugin crc32c:0badf00d size:1 is not the job's"

	fake fake accept hello welcome "refused=$why" eof || return 1
	worker -- --reconnect 10
	fake_ok fake || return 1
	worker_exit 1 || return 1
	worker_said "^mrworker: the coordinator refused this worker: $why\$"
}

# A Shutdown in answer to the Hello (the job ended as the worker joined):
# the worker ends with the job's status, quietly, with no protocol error.
t_over_at_hello() {
	fake fake accept hello shutdown failed=1 eof || return 1
	worker -- --reconnect 10
	fake_ok fake || return 1
	worker_exit 1 || return 1
	worker_said '^mrworker: the job failed$' || return 1
	if grep -q 'answered hello' "$LOGS/worker.log"; then
		REASON="the worker said: $(grep 'answered hello' "$LOGS/worker.log")"
		return 1
	fi
	rm -f -- "$LOGS/worker.rc" "$LOGS/fake.rc"
	fake fake accept hello shutdown eof || return 1
	worker -- --reconnect 10
	fake_ok fake || return 1
	worker_exit 0
}

# Tasks back to back with a plugin that does almost nothing: every one is
# reported done; the rate is what a fork per task costs.
t_many_tasks() {
	fake fake accept hello welcome request bench n=300 input=in.txt \
		shutdown eof || return 1
	worker MR_TEST_SLEEP=0 --
	fake_ok fake || return 1
	fake_has fake '^bench ' || return 1
	worker_exit 0 || return 1
	DETAIL=$MATCH
}

# ---------------------------------------------------------------------------

select_tests "$@"
require_system
find_missing "$WORKER" "$FAKE" "$SLOW" "$FIX/failwrite.so" "$APPS/nocrash.so"
if [ "${#MISSING[@]}" -gt 0 ]; then
	printf '%s: missing %s\n' "$PROG" "${MISSING[@]}" >&2
	die "build them first (make test builds them all)"
fi

# The LD_PRELOAD shim goes after AddressSanitizer's runtime in a sanitized
# mrworker.
asan_preload "$WORKER"

POST_CHECK=sanitizer_check
make_temp_folder test-worker
run_selected
