#!/usr/bin/env bash
#
# test-faults.sh - black-box fault tests of mrcoordinator and mrworker:
# workers killed or stopped in the middle of a task, write errors on
# intermediate and output files, a corrupt or missing intermediate file,
# intermediate files of another run, a plugin that crashes, a coordinator
# killed under a busy worker, a job that ends while a worker is stuck in
# its plugin, a job that fails, a reader of the coordinator's stderr that
# goes away, and bad command lines.
#
# usage: scripts/test-faults.sh [TEST...]
#
# Runs the named tests (default: all, in the order below) on a corpus made by
# gencorpus, and prints one line per test, "PASS: NAME (SECONDSs)" followed by
# what it measured, or "FAIL: NAME: REASON", then "N passed, M failed". Exits
# 0 iff none failed. It builds nothing: run `make` and `make test` (or make
# BUILD/test/fixtures/{slow,segv,failwrite,failmap,notplugin,oldabi}.so)
# first.
#
# Environment:
#   BUILD=DIR  folder of the programs, relative to the repository root or
#              absolute (default build; e.g. BUILD=build/san)
#   KEEP=1     keep the temporary folder (job folders, logs) for a look
#
# Each test runs in a fresh folder $T/NAME with its own socket $T/NAME/mr.sock,
# where $T is a new temporary folder, removed at the end; program output goes
# to $T/logs/NAME/. Every process runs under `timeout -k 2s 120s` (the
# command-line checks, whose programs must exit at once, under 5 s), and
# every process still running after a test, or when the script ends, is
# killed.
#
# The coordinator always runs with -v, so that its log shows every hand-out
# ("worker N (pid P): attempt A: map task X"); delays are measured by polling
# that log every 20 ms.
#
# In a sanitized build (BUILD=build/san, made with SANITIZE=1, fixtures
# included): the write-error tests preload libasan before the failwrite shim
# (AddressSanitizer insists on coming first; they are skipped, saying so, if
# ldd cannot find it), plugin-crash runs its workers with handle_segv=0 so
# that the fault kills them as in a normal build, and a test whose logs hold
# a sanitizer report (a leak, a runtime error) fails.

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(kill-worker stop-worker write-error-output write-error-intermediate
	write-error-unnamed
	corrupt-intermediate missing-intermediate other-job plugin-crash
	coordinator-killed coordinator-killed-stderr-full job-over-busy
	job-failed stderr-closed bad-command-lines)
TIMEOUT=(timeout -k 2s 120s)
SHORT_TIMEOUT=(timeout -k 2s 5s)
NINPUTS=4
INPUT_BYTES=100000

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
# testlib.sh sets ROOT, BIN and the programs: COORD, WORKER, SEQ, GENCORPUS
# and APPS.
FIX=$BIN/test/fixtures

# A crashing plugin must not leave core files in the job folder.
ulimit -c 0 2>/dev/null

# From here on, every process still running and the temporary folder go
# when the script ends; bad-command-lines leaves a file of mode 000 in it.
install_cleanup
RESTORE_MODES=1

# True when process $1 is a descendant of this shell (so ours to signal).
is_ours() {
	local p

	collect_tree
	for p in ${TREE[@]+"${TREE[@]}"}; do
		[ "$p" = "$1" ] && return 0
	done
	return 1
}

# Prints the state letter of process $1 (R, S, T, Z...), nothing if gone.
proc_state() {
	local line

	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 0
	line=${line##*) }
	printf '%s' "${line%% *}"
}

# ---------------------------------------------------------------------------
# Clock. NOW is the time in microseconds (bash's EPOCHREALTIME, else date).

NOW=0
now() {
	local t

	if [ -n "${EPOCHREALTIME:-}" ]; then
		t=$EPOCHREALTIME
	else
		t=$(date +%s.%N)
		t=${t:0:$((${#t} - 3))}
	fi
	NOW=$((10#${t%.*} * 1000000 + 10#${t#*.}))
}

# Prints a duration in microseconds as seconds with one decimal.
secs() {
	local ds=$((($1 + 50000) / 100000))

	printf '%d.%d' $((ds / 10)) $((ds % 10))
}

# Prints a duration in microseconds as whole milliseconds.
msecs() {
	printf '%d' $((($1 + 500) / 1000))
}

# Calls "$@" every 20 ms until it succeeds or $1 seconds pass; sets SEEN to
# the time it first succeeded.
SEEN=0
poll() {
	local limit=$(($1 * 1000000)) start

	shift
	now
	start=$NOW
	while :; do
		if "$@"; then
			now
			SEEN=$NOW
			return 0
		fi
		now
		[ $((NOW - start)) -lt "$limit" ] || return 1
		sleep 0.02
	done
}

# Sleeps until the time $1 (microseconds), if it is still ahead.
sleep_until() {
	local left

	now
	left=$(($1 - NOW))
	[ "$left" -gt 0 ] || return 0
	sleep "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))"
}

# ---------------------------------------------------------------------------
# Test steps. Each returns 0, or sets REASON and returns 1. testlib.sh
# keeps NAME, DIR, SOCK, LOGS and REASON of the current test, and the
# figures printed when it passes: DETAIL after PASS, NOTE on a line below.

CLOG=""		# the coordinator's log
NREDUCE=10	# reduce tasks of the current job
JOB_INPUTS=()	# inputs of the current job
COORD_PID=""
declare -A WPID	# worker name -> pid of its subshell
MATCH=""	# line found by the log matchers

# Prepares test $1: a fresh job folder and log folder, and cds into it.
setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	CLOG=$LOGS/coordinator.log
	NREDUCE=10
	JOB_INPUTS=("${INPUTS[@]}")
	COORD_PID=""
	WPID=()
	MATCH=""
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# Starts the coordinator (verbose) on the job's inputs with options "$@".
start_coordinator() {
	rm -f "$LOGS/coordinator.rc"
	(
		"${TIMEOUT[@]}" "$COORD" -v --socket "$SOCK" "$@" \
			"${JOB_INPUTS[@]}" >>"$CLOG" 2>&1
		echo "$?" >"$LOGS/coordinator.rc"
	) >>"$CLOG" 2>&1 &
	COORD_PID=$!
}

# start_worker NAME [VAR=VALUE...] -- [OPTION...] PLUGIN
# Starts a verbose worker with those environment variables; its output goes
# to $LOGS/NAME.log and its exit status to $LOGS/NAME.rc. The shell's own
# report of a worker killed by a signal goes to the log too.
start_worker() {
	local name=$1 envs=()

	shift
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	rm -f "$LOGS/$name.rc"
	(
		"${TIMEOUT[@]}" env ${envs[@]+"${envs[@]}"} "$WORKER" -v \
			--socket "$SOCK" "$@" >>"$LOGS/$name.log" 2>&1
		echo "$?" >"$LOGS/$name.rc"
	) >>"$LOGS/$name.log" 2>&1 &
	WPID[$name]=$!
}

# Sends signal $1 to the coordinator itself (not the subshell that waits
# for it, which would leave it running).
kill_coordinator() {
	local p line cpid=""

	collect_tree
	for p in ${TREE[@]+"${TREE[@]}"}; do
		{ read -r line <"/proc/$p/stat"; } 2>/dev/null || continue
		[[ $line == "$p (mrcoordinator) "* ]] && cpid=$p
	done
	if [ -z "$cpid" ]; then
		REASON="cannot find the coordinator's process"
		return 1
	fi
	kill "-$1" "$cpid"
}

# Waits for the coordinator; fails unless it exited 0.
wait_coordinator() {
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator
}

# Waits for worker $1 and sets RC to its exit status ("missing" if none).
worker_rc() {
	wait "${WPID[$1]}" 2>/dev/null
	RC=missing
	if [ -s "$LOGS/$1.rc" ]; then
		RC=$(<"$LOGS/$1.rc")
	fi
}

# Fails unless every worker named in "$@" exited 0.
workers_ok() {
	local w

	for w in "$@"; do
		worker_rc "$w"
		case $RC in
		0) ;;
		124 | 137) REASON="worker $w was still running after 120 s, killed" ;;
		missing) REASON="worker $w vanished without an exit status" ;;
		*)
			if [ "$RC" -gt 128 ]; then
				REASON="worker $w died of signal $((RC - 128))"
			else
				REASON="worker $w exited with status $RC"
			fi
			;;
		esac
		[ -z "$REASON" ] || return 1
	done
}

# Compares the job's output with $LOGS/correct.txt.
compare_correct() {
	outputs >"$LOGS/all.txt"
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" "mrsequential's"
}

# Log matchers for poll: each sets MATCH to the first matching line.

# A line of the coordinator's log matching the extended regex $1.
log_has() {
	MATCH=$(grep -E -m 1 -- "$1" "$CLOG" 2>/dev/null) && [ -n "$MATCH" ]
}

# A hand-out of map task $1 to a worker other than pid $2.
handed_elsewhere() {
	MATCH=$(grep -E -- "\(pid [0-9]+\): attempt [0-9]+: map task $1\$" \
		"$CLOG" 2>/dev/null | grep -v -F -- "(pid $2)" | head -n 1) &&
		[ -n "$MATCH" ]
}

# At least $2 lines of the coordinator's log match the regex $1.
log_count_ge() {
	local n

	n=$(grep -c -E -- "$1" "$CLOG" 2>/dev/null)
	[ "${n:-0}" -ge "$2" ]
}

# True once file $1 exists.
file_exists() {
	[ -e "$1" ]
}

# Waits up to 10 s for the first map hand-out and sets HPID (the worker's
# pid), HATTEMPT, HTASK and HTIME (when it was seen).
wait_first_handout() {
	if ! poll 10 log_has '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\): attempt [0-9]+: map task [0-9]+$'; then
		REASON="no map task was handed out within 10 s"
		return 1
	fi
	HTIME=$SEEN
	[[ $MATCH =~ \(pid\ ([0-9]+)\):\ attempt\ ([0-9]+):\ map\ task\ ([0-9]+)$ ]] || {
		REASON="cannot parse the hand-out line: $MATCH"
		return 1
	}
	HPID=${BASH_REMATCH[1]}
	HATTEMPT=${BASH_REMATCH[2]}
	HTASK=${BASH_REMATCH[3]}
	if ! is_ours "$HPID"; then
		REASON="pid $HPID of the hand-out line is not one of our processes"
		return 1
	fi
}

# Waits up to $1 seconds for worker $2 to have joined and sets JPID.
wait_joined() {
	local others

	if ! poll "$1" log_count_ge '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\) joined$' 2; then
		REASON="the second worker did not join within $1 s"
		return 1
	fi
	others=$(grep -E '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\) joined$' "$CLOG" |
		grep -v -F "(pid $HPID)" | head -n 1)
	[[ $others =~ \(pid\ ([0-9]+)\) ]] || {
		REASON="cannot find the second worker's pid in the log"
		return 1
	}
	JPID=${BASH_REMATCH[1]}
}

# ---------------------------------------------------------------------------
# The tests.

# A worker SIGKILLed in the middle of a map task: the coordinator sees its
# connection close and hands the task to the idle worker at once, long
# before the 10 s task timeout. Worker A (slow.so, 3 s per map) gets the
# first map task; worker B (slow.so without the sleep) then runs the other
# maps and waits for work; A is killed 1 s into its task.
t_kill_worker() {
	local kill_at delay n=$((NINPUTS - 1))

	sequential nocrash "${JOB_INPUTS[@]}" || return 1
	# A backup of A's slow task would take the place of the loss tested.
	start_coordinator --speculative off
	wait_socket || return 1
	start_worker A MR_TEST_SLEEP=3 -- "$FIX/slow.so"
	wait_first_handout || return 1
	start_worker B MR_TEST_SLEEP=0 -- "$FIX/slow.so"
	wait_joined 10 || return 1
	# B must be idle (done with the other maps) when A dies.
	if ! poll 10 log_count_ge "^mrcoordinator: worker [0-9]+ \\(pid $JPID\\): attempt [0-9]+ done\$" "$n"; then
		REASON="worker B did not finish the other $n map tasks within 10 s"
		return 1
	fi
	now
	if [ $((NOW - HTIME)) -gt 2500000 ]; then
		REASON="setup too slow: worker B was idle only $(secs $((NOW - HTIME)))s into A's 3 s task"
		return 1
	fi
	sleep_until $((HTIME + 1000000))
	kill -KILL "$HPID"
	now
	kill_at=$NOW
	if ! poll 15 handed_elsewhere "$HTASK" "$HPID"; then
		REASON="map task $HTASK was not handed out again within 15 s of SIGKILL"
		return 1
	fi
	delay=$((SEEN - kill_at))
	if ! log_has "^mrcoordinator: worker [0-9]+ \\(pid $HPID\\) lost while running attempt $HATTEMPT; task requeued\$"; then
		REASON="the coordinator did not log worker A (pid $HPID) as lost while running attempt $HATTEMPT"
		return 1
	fi
	if [ "$delay" -ge 2000000 ]; then
		REASON="map task $HTASK handed out again $(secs "$delay")s after SIGKILL (expected < 2 s; task timeout 10 s)"
		return 1
	fi
	DETAIL="map task $HTASK moved $(secs "$delay")s after SIGKILL ($(msecs "$delay") ms; task timeout 10 s)"
	NOTE="SIGKILL sent $(secs $((kill_at - HTIME)))s into the task"
	wait_coordinator || return 1
	compare_correct || return 1
	workers_ok B || return 1
	worker_rc A
	if [ "$RC" != 137 ]; then
		REASON="worker A exited with status $RC, not killed by SIGKILL (137)"
		return 1
	fi
	check_clean
}

# A worker SIGSTOPped in the middle of a map task holds its connection open:
# the task moves only when its 2 s deadline passes. The job completes while
# it is stopped; once continued, it finishes its stale attempt, finds the
# coordinator gone and exits, and the outputs must not change.
t_stop_worker() {
	local stop_at cont_at moved from_handout from_stop i

	sequential nocrash "${JOB_INPUTS[@]}" || return 1
	# A backup of the stopped worker's task would take the timeout's place.
	start_coordinator --task-timeout 2 --speculative off
	wait_socket || return 1
	start_worker A MR_TEST_SLEEP=1 -- "$FIX/slow.so"
	wait_first_handout || return 1
	start_worker B MR_TEST_SLEEP=0 -- "$FIX/slow.so"
	sleep_until $((HTIME + 300000))
	kill -STOP "$HPID"
	now
	stop_at=$NOW
	if [ $((stop_at - HTIME)) -ge 900000 ]; then
		REASON="setup too slow: SIGSTOP sent only $(secs $((stop_at - HTIME)))s into a 1 s task"
		return 1
	fi
	if ! poll 15 handed_elsewhere "$HTASK" "$HPID"; then
		REASON="map task $HTASK was not handed out again within 15 s of SIGSTOP"
		return 1
	fi
	moved=$SEEN
	from_handout=$((moved - HTIME))
	from_stop=$((moved - stop_at))
	if [ "$from_handout" -lt 1800000 ] || [ "$from_handout" -ge 5000000 ]; then
		REASON="map task $HTASK moved $(secs "$from_handout")s after it was handed out ($(secs "$from_stop")s after SIGSTOP); expected about the 2 s timeout (1.8 to 5 s)"
		return 1
	fi
	if ! log_has "^mrcoordinator: map task $HTASK \(.*\) timed out after 2 s on worker [0-9]*; requeued\$"; then
		REASON="the coordinator did not log the timeout of map task $HTASK, naming it"
		return 1
	fi
	DETAIL="map task $HTASK moved $(secs "$from_handout")s after hand-out, $(secs "$from_stop")s after SIGSTOP (task timeout 2 s)"
	wait_coordinator || return 1
	compare_correct || return 1
	workers_ok B || return 1
	check_clean || return 1
	if [ "$(proc_state "$HPID")" != T ]; then
		REASON="worker A (pid $HPID) is not stopped any more (state '$(proc_state "$HPID")') when the job is done"
		return 1
	fi
	cksum mr-out-* >"$LOGS/cksum.before"
	kill -CONT "$HPID"
	now
	cont_at=$NOW
	if ! poll 10 file_exists "$LOGS/A.rc"; then
		REASON="worker A did not exit within 10 s of SIGCONT"
		return 1
	fi
	worker_rc A
	NOTE="worker A exited $(secs $((SEEN - cont_at)))s after SIGCONT, status $RC"
	cksum mr-out-* >"$LOGS/cksum.after"
	if ! cmp -s "$LOGS/cksum.before" "$LOGS/cksum.after"; then
		diff "$LOGS/cksum.before" "$LOGS/cksum.after" >"$LOGS/output.diff"
		REASON="mr-out-* changed after the stopped worker resumed (see $LOGS/output.diff)"
		return 1
	fi
	# Its stale attempt may still be renaming files: give it a moment.
	for ((i = 0; i < 5; i++)); do
		check_clean && return 0
		sleep 0.1
	done
	REASON="after worker A resumed: $REASON"
	return 1
}

# One write to a temporary file whose name starts with $1 fails with error
# $2 (ENOSPC or EIO, message $3) in one worker: the attempt is reported
# failed, retried, and the job completes with the right output.
write_error_test() {
	local prefix=$1 errno=$2 msg=$3 name=${4:-${1#.mrtmp-}}
	local once=$LOGS/failwrite.once pre n

	if [ "$ASAN_PRELOAD" = unavailable ]; then
		DETAIL="skipped: the LD_PRELOAD shim cannot be combined with this sanitized build (libasan not found by ldd)"
		return 0
	fi
	pre=$FIX/failwrite.so
	[ -z "$ASAN_PRELOAD" ] || pre="$ASAN_PRELOAD $pre"
	sequential wc "${JOB_INPUTS[@]}" || return 1
	start_coordinator
	wait_socket || return 1
	start_worker A "LD_PRELOAD=$pre" "FAILWRITE_PREFIX=$prefix" \
		"FAILWRITE_ONCE=$once" "FAILWRITE_ERRNO=$errno" -- "$APPS/wc.so"
	start_worker B "LD_PRELOAD=$pre" "FAILWRITE_PREFIX=$prefix" \
		"FAILWRITE_ONCE=$once" "FAILWRITE_ERRNO=$errno" -- "$APPS/wc.so"
	wait_coordinator || return 1
	if [ ! -e "$once" ]; then
		REASON="no write failed (the shim never matched a file named $prefix*)"
		return 1
	fi
	n=$(grep -c -E '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\): attempt [0-9]+ failed: ' "$CLOG")
	if [ "$n" -ne 1 ]; then
		REASON="the coordinator logged $n attempt failures rather than 1"
		return 1
	fi
	log_has '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\): attempt [0-9]+ failed: '
	if [[ $MATCH != *": $name"*": write: $msg"* ]]; then
		REASON="the failure does not name the file and the error ($name*, $msg): $MATCH"
		return 1
	fi
	DETAIL="1 write failed (${MATCH#*failed: }), attempt retried"
	compare_correct || return 1
	workers_ok A B || return 1
	check_clean
}

t_write_error_output() {
	write_error_test .mrtmp-mr-out- ENOSPC "No space left on device"
}

t_write_error_intermediate() {
	write_error_test .mrtmp-mr-1- EIO "Input/output error"
}

# Files are written unnamed (O_TMPFILE) until they are complete: /proc
# shows them as "#INODE (deleted)". The first write to one fails.
t_write_error_unnamed() {
	write_error_test '#' EIO "Input/output error" mr-
}

# Worker A runs both map tasks of a 2-input, 1-reduce job and leaves; then
# $1 ("corrupt": flip the middle byte of mr-0-0, "missing": delete mr-1-0)
# breaks an intermediate file. Worker B must find out in the reduce, run the
# map task again and complete the job with the right output. (One worker:
# a second one started now may find the job already over, which is no
# failure of the job.)
intermediate_test() {
	local how=$1 file map v off size fail_line rerun_line

	JOB_INPUTS=("${INPUTS[@]:0:2}")
	NREDUCE=1
	sequential nocrash "${JOB_INPUTS[@]}" || return 1
	start_coordinator --reduces 1
	wait_socket || return 1
	start_worker A -- --max-tasks 2 "$APPS/nocrash.so"
	if ! poll 30 file_exists "$LOGS/A.rc"; then
		REASON="worker A (--max-tasks 2) did not leave within 30 s"
		return 1
	fi
	workers_ok A || return 1
	if ! [ -f mr-0-0 ] || ! [ -f mr-1-0 ]; then
		REASON="mr-0-0 and mr-1-0 not both written by the two map tasks"
		return 1
	fi
	if log_has 'attempt [0-9]+: reduce task'; then
		REASON="a reduce task was handed out before the test broke a map output: $MATCH"
		return 1
	fi
	if [ "$how" = corrupt ]; then
		file=mr-0-0
		map=0
		cp -- "$file" "$LOGS/$file.orig"
		size=$(wc -c <"$file")
		off=$((size / 2))
		v=$(od -An -tu1 -j "$off" -N 1 -- "$file" | tr -d ' ')
		# shellcheck disable=SC2059 # the format is the byte, by design
		printf "\\$(printf '%03o' $((v ^ 0xff)))" |
			dd of="$file" bs=1 seek="$off" conv=notrunc 2>/dev/null
		if cmp -s -- "$file" "$LOGS/$file.orig"; then
			REASON="could not corrupt $file"
			return 1
		fi
		DETAIL="byte $off of $size flipped in $file"
	else
		file=mr-1-0
		map=1
		rm -f -- "$file"
		DETAIL="$file deleted"
	fi
	start_worker B -- "$APPS/nocrash.so"
	wait_coordinator || return 1
	fail_line=$(grep -n -E '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\): attempt [0-9]+ failed: ' "$CLOG" | head -n 1)
	if [ -z "$fail_line" ]; then
		REASON="the coordinator logged no failed reduce attempt"
		return 1
	fi
	if [ "$how" = corrupt ]; then
		if [[ $fail_line != *"$file"* ]] && [[ $fail_line != *checksum* ]]; then
			REASON="the failure names neither $file nor a checksum: ${fail_line#*:}"
			return 1
		fi
	elif [[ $fail_line != *"$file"* ]]; then
		REASON="the failure does not name $file: ${fail_line#*:}"
		return 1
	fi
	rerun_line=$(grep -n -E "\\): attempt [0-9]+: map task $map\$" "$CLOG" | tail -n 1)
	if [ -z "$rerun_line" ] || [ "${rerun_line%%:*}" -le "${fail_line%%:*}" ]; then
		REASON="map task $map was not run again after the failure"
		return 1
	fi
	DETAIL="$DETAIL; reduce failed (${fail_line#*failed: }); map task $map ran again"
	compare_correct || return 1
	workers_ok B || return 1
	check_clean
}

t_corrupt_intermediate() {
	intermediate_test corrupt
}

t_missing_intermediate() {
	intermediate_test missing
}

# Intermediate files of another run in the same folder, with another
# --reduces (as a killed coordinator's orphan workers used to link them
# late): job 1 (2 partitions) has its two maps run, and is interrupted
# before any reduce; job 2 (3 partitions) runs both maps with worker A,
# then finds job 1's mr-0-0 and mr-0-1 in place of its own. Its reduce
# must refuse them as another job's, run map 0 again, and give the right
# output: read as its own, they would split keys across partitions.
t_other_job() {
	local fail_line

	JOB_INPUTS=("${INPUTS[@]:0:2}")
	sequential wc "${JOB_INPUTS[@]}" || return 1
	start_coordinator --reduces 2
	wait_socket || return 1
	start_worker J1 -- --max-tasks 2 "$APPS/wc.so"
	if ! poll 30 file_exists "$LOGS/J1.rc"; then
		REASON="worker J1 (--max-tasks 2) did not leave within 30 s"
		return 1
	fi
	workers_ok J1 || return 1
	cp -- mr-0-0 mr-0-1 "$LOGS/" || { REASON="job 1 left no mr-0-0, mr-0-1"; return 1; }
	kill_coordinator TERM || return 1
	wait "$COORD_PID" 2>/dev/null
	rm -f -- mr-*
	mv -- "$CLOG" "$LOGS/coordinator-job1.log"
	NREDUCE=3
	start_coordinator --reduces 3
	wait_socket || return 1
	start_worker A -- --max-tasks 2 "$APPS/wc.so"
	if ! poll 30 file_exists "$LOGS/A.rc"; then
		REASON="worker A (--max-tasks 2) did not leave within 30 s"
		return 1
	fi
	workers_ok A || return 1
	cp -- "$LOGS/mr-0-0" "$LOGS/mr-0-1" . || { REASON="cannot plant job 1's files"; return 1; }
	start_worker B -- "$APPS/wc.so"
	wait_coordinator || return 1
	fail_line=$(grep -E '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\): attempt [0-9]+ failed: ' "$CLOG" | head -n 1)
	if [[ $fail_line != *"mr-0-"[01]": written by another job"* ]]; then
		REASON="no reduce refused job 1's file as another job's: ${fail_line:-no failure logged}"
		return 1
	fi
	if [ "$(grep -c -E '\): attempt [0-9]+: map task 0$' "$CLOG")" -lt 2 ]; then
		REASON="map task 0 was not run again"
		return 1
	fi
	DETAIL="reduce failed (${fail_line#*failed: }); map task 0 ran again"
	compare_correct || return 1
	workers_ok B || return 1
	check_clean
}

# A plugin whose map dies of SIGSEGV once in the job: the task's process
# dies, so its worker says so and exits 1 as a crashed worker, the
# coordinator sees the worker's connection close, another worker runs that
# map task, and the job completes with nocrash's output. Three workers, so
# that two are left.
t_plugin_crash() {
	local w crashed="" attempt task pid line took retry asan

	sequential nocrash "${JOB_INPUTS[@]}" || return 1
	start_coordinator
	wait_socket || return 1
	# In a sanitized build, AddressSanitizer must let the fault kill the
	# task's process rather than report it and exit 1.
	asan="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
	start_worker A "$asan" -- "$FIX/segv.so"
	start_worker B "$asan" -- "$FIX/segv.so"
	start_worker C "$asan" -- "$FIX/segv.so"
	if ! poll 30 log_has '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\) lost while running attempt [0-9]+; task requeued$'; then
		REASON="no worker was lost within 30 s"
		return 1
	fi
	[[ $MATCH =~ \(pid\ ([0-9]+)\)\ lost\ while\ running\ attempt\ ([0-9]+) ]]
	pid=${BASH_REMATCH[1]}
	attempt=${BASH_REMATCH[2]}
	wait_coordinator || return 1
	line=$(grep -E "\\(pid $pid\\): attempt $attempt: map task [0-9]+\$" "$CLOG")
	if [ -z "$line" ]; then
		REASON="the lost attempt $attempt was not a map task of pid $pid"
		return 1
	fi
	task=${line##* }
	if ! handed_elsewhere "$task" "$pid"; then
		REASON="map task $task was not handed to another worker after the crash"
		return 1
	fi
	[[ $MATCH =~ \(pid\ ([0-9]+)\):\ attempt\ ([0-9]+): ]]
	retry="attempt ${BASH_REMATCH[2]} by pid ${BASH_REMATCH[1]}"
	if [ ! -e mr-segv-once ]; then
		REASON="segv.so did not create mr-segv-once: no map crashed"
		return 1
	fi
	# The crash closed the connection: the task must not have waited for
	# the 10 s task timeout.
	if ! log_has '^mrcoordinator: job done in [0-9.]+ s'; then
		REASON="the coordinator did not log 'job done in X s'"
		return 1
	fi
	took=${MATCH#*job done in }
	took=${took%% s*}
	if [ "${took%.*}" -ge 5 ]; then
		REASON="the job took $took s: the crashed map task waited for the task timeout"
		return 1
	fi
	compare_correct || return 1
	for w in A B C; do
		worker_rc "$w"
		case $RC in
		0) ;;
		1)
			[ -z "$crashed" ] || {
				REASON="workers $crashed and $w both exited 1"
				return 1
			}
			crashed=$w
			;;
		*)
			REASON="worker $w exited with status $RC"
			return 1
			;;
		esac
	done
	if [ -z "$crashed" ]; then
		REASON="no worker exited 1 after its task's process crashed"
		return 1
	fi
	grep -q "^mrworker: attempt $attempt: the task's process was killed by signal 11\$" "$LOGS/$crashed.log" ||
		{ REASON="worker $crashed did not say its attempt $attempt died of signal 11"; return 1; }
	DETAIL="worker $crashed (pid $pid): attempt $attempt (map task $task) died of SIGSEGV, worker exited 1; retried as $retry; job done in $took s (task timeout 10 s)"
	check_clean mr-segv-once
}

# The coordinator is SIGKILLed while worker A is 1 s into a 3 s map: A
# must abandon the attempt at once (with --reconnect 0, exit 1, saying so)
# and link nothing into the job folder, neither then nor when its map
# would have ended. Its map emitted enough first for runs to spill with
# --memory 1 (files without a name, held open by its task's process):
# those must never have a name in the job folder, and go with the
# attempt. (Waiting for another coordinator is test-worker.sh's.)
t_coordinator_killed() {
	local kill_at left runs

	start_coordinator
	wait_socket || return 1
	start_worker A MR_TEST_SLEEP=3 MR_TEST_EMIT=200000 -- --memory 1 \
		--reconnect 0 "$FIX/slow.so"
	wait_first_handout || return 1
	sleep_until $((HTIME + 1000000))
	unnamed_held . "${WPID[A]}" || { REASON="cannot read the job folder"; return 1; }
	runs=$UNNAMED
	if [ "$runs" -eq 0 ]; then
		REASON="worker A held no unnamed run in its first second"
		return 1
	fi
	left=$(find . -maxdepth 1 -name '.mrtmp-run-*' | wc -l)
	[ "$left" -eq 0 ] || { REASON="$left runs with a name in the job folder while worker A held $runs"; return 1; }
	kill_coordinator KILL || return 1
	now
	kill_at=$NOW
	if ! poll 10 file_exists "$LOGS/A.rc"; then
		REASON="worker A did not exit within 10 s of the coordinator's death"
		return 1
	fi
	worker_rc A
	if [ $((SEEN - kill_at)) -ge 1500000 ]; then
		REASON="worker A exited $(secs $((SEEN - kill_at)))s after the coordinator's death: it finished its attempt"
		return 1
	fi
	[ "$RC" = 1 ] || { REASON="worker A exited with status $RC, not 1"; return 1; }
	grep -q "lost the coordinator while attempt $HATTEMPT ran; attempt abandoned" "$LOGS/A.log" ||
		{ REASON="worker A did not say it abandoned attempt $HATTEMPT"; return 1; }
	sleep_until $((HTIME + 3500000))
	left=$(find . -maxdepth 1 -name 'mr-*' | head -n 3)
	[ -z "$left" ] || { REASON="files linked after the coordinator died: $left"; return 1; }
	left=$(find . -maxdepth 1 -name '.mrtmp-*' | wc -l)
	[ "$left" -eq 0 ] || { REASON="$left temporary files left by the abandoned attempt (it had spilled $runs runs): $(find . -maxdepth 1 -name '.mrtmp-*' | head -n 2 | tr '\n' ' ')"; return 1; }
	DETAIL="worker A left $(msecs $((SEEN - kill_at))) ms after the coordinator's SIGKILL, 1 s into its 3 s map; nothing linked, its $runs spilled runs, never named, gone with it"
}

# Worker A's map writes to A's stderr, a pipe nobody reads, until the map
# blocks in stdio with the stream's lock held. The coordinator's SIGKILL
# must still end A at once (--reconnect 0): its message saying so, which
# stderr cannot take, is dropped rather than waited for.
t_coordinator_killed_stderr_full() {
	local fifo=$T/$NAME.fifo fd kill_at

	mkfifo -- "$fifo" || { REASON="cannot make $fifo"; return 1; }
	# Held open for reading, never read: writes block once it is full.
	exec {fd}<>"$fifo"
	start_coordinator
	wait_socket || { exec {fd}>&-; return 1; }
	rm -f "$LOGS/A.rc"
	(
		"${TIMEOUT[@]}" env MR_TEST_SLEEP=60 MR_TEST_STDERR=1 \
			"$WORKER" --socket "$SOCK" --reconnect 0 "$FIX/slow.so" \
			>>"$LOGS/A.log" 2>"$fifo"
		echo "$?" >"$LOGS/A.rc"
	) &
	WPID[A]=$!
	wait_first_handout || { exec {fd}>&-; return 1; }
	sleep_until $((HTIME + 1000000))
	kill_coordinator KILL || { exec {fd}>&-; return 1; }
	now
	kill_at=$NOW
	poll 10 file_exists "$LOGS/A.rc"
	exec {fd}>&-
	if [ ! -e "$LOGS/A.rc" ]; then
		REASON="worker A, its map blocked on a full stderr, did not exit within 10 s of the coordinator's death"
		return 1
	fi
	worker_rc A
	[ "$RC" = 1 ] || { REASON="worker A exited with status $RC, not 1"; return 1; }
	DETAIL="worker A left $(msecs $((SEEN - kill_at))) ms after the coordinator's SIGKILL, its map blocked writing to a full stderr pipe"
}

# The job ends (done by worker B after A's task timed out) while worker A
# is stuck in its plugin (a map that sleeps for a day): the Shutdown must
# end A too, with status 0 since the job is done, and A links nothing.
t_job_over_busy() {
	local end_at

	sequential nocrash "${JOB_INPUTS[@]}" || return 1
	start_coordinator --task-timeout 1
	wait_socket || return 1
	start_worker A MR_TEST_SLEEP=86400 -- "$FIX/slow.so"
	wait_first_handout || return 1
	start_worker B MR_TEST_SLEEP=0 -- "$FIX/slow.so"
	wait_coordinator || return 1
	now
	end_at=$NOW
	if ! poll 5 file_exists "$LOGS/A.rc"; then
		REASON="worker A, stuck in its map, still runs 5 s after the job ended"
		return 1
	fi
	worker_rc A
	[ "$RC" = 0 ] || { REASON="worker A exited with status $RC, not 0 (the job is done)"; return 1; }
	workers_ok B || return 1
	compare_correct || return 1
	DETAIL="worker A, stuck in map task $HTASK, left $(msecs $((SEEN - end_at))) ms after the coordinator"
	check_clean
}

# A job whose every map fails: the coordinator exits 1, and so must the
# worker that served it.
t_job_failed() {
	start_coordinator
	wait_socket || return 1
	start_worker A -- "$FIX/failmap.so"
	wait "$COORD_PID" 2>/dev/null
	[ "$(cat "$LOGS/coordinator.rc" 2>/dev/null)" = 1 ] ||
		{ REASON="the coordinator exited with status $(cat "$LOGS/coordinator.rc" 2>/dev/null), not 1"; return 1; }
	log_has '^mrcoordinator: job failed: ' ||
		{ REASON="the coordinator did not say the job failed"; return 1; }
	worker_rc A
	[ "$RC" = 1 ] || { REASON="worker A exited with status $RC after a failed job, not 1"; return 1; }
	DETAIL="${MATCH#mrcoordinator: }; worker exit status 1"
}

# The reader of the coordinator's stderr goes away after the first line
# (`mrcoordinator ... 2>&1 | head -n 1`): the coordinator must not die of
# SIGPIPE at its next log line, and the job must end done.
t_stderr_closed() {
	sequential nocrash "${JOB_INPUTS[@]}" || return 1
	rm -f "$LOGS/coordinator.rc"
	(
		"${TIMEOUT[@]}" "$COORD" -v --socket "$SOCK" "${JOB_INPUTS[@]}" 2>&1 |
			head -n 1 >"$CLOG"
		echo "${PIPESTATUS[0]}" >"$LOGS/coordinator.rc"
	) &
	COORD_PID=$!
	wait_socket || return 1
	start_worker A MR_TEST_SLEEP=0.2 -- "$FIX/slow.so"
	start_worker B MR_TEST_SLEEP=0.2 -- "$FIX/slow.so"
	wait "$COORD_PID" 2>/dev/null
	if [ "$(cat "$LOGS/coordinator.rc" 2>/dev/null)" = 141 ]; then
		REASON="the coordinator died of SIGPIPE (status 141)"
		return 1
	fi
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	compare_correct || return 1
	workers_ok A B || return 1
	check_clean
}

# --- bad command lines

CASES=0
CASE_FAILS=()
LONG_NAME=$(printf '%0120d' 0)
LONG_NAME=${LONG_NAME//0/s}	# too long for a socket path

# expect STATUS PATTERN... -- PROGRAM ARG...
# Runs the program in a fresh empty folder; records a failure unless it
# exits with STATUS, prints on stderr a line "PROGRAM: ..." holding every
# PATTERN (fixed strings), and leaves the folder empty.
expect() {
	local status=$1 pats=() prog p dir rc label line found left

	shift
	while [ "$1" != -- ]; do
		pats+=("$1")
		shift
	done
	shift
	prog=${1##*/}
	CASES=$((CASES + 1))
	dir=$DIR/case-$CASES
	label="$prog ${*:2}"
	label=${label//"$DIR/"/}
	label=${label//"$T/"/}
	label=${label//"$ROOT/"/}
	label=${label//"$LONG_NAME"/<${#LONG_NAME}-byte name>}
	mkdir -p -- "$dir"
	(cd -- "$dir" && "${SHORT_TIMEOUT[@]}" "$@") \
		>"$LOGS/case-$CASES.out" 2>"$LOGS/case-$CASES.err" </dev/null
	rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		CASE_FAILS+=("'$label' hung (killed after 5 s)")
		return
	fi
	if grep -q -E "$SANITIZER_RE" "$LOGS/case-$CASES.err"; then
		CASE_FAILS+=("'$label' exited $rc with a sanitizer report: $(grep -m 1 -E "$SANITIZER_RE" "$LOGS/case-$CASES.err")")
		return
	fi
	if [ "$rc" -ne "$status" ]; then
		CASE_FAILS+=("'$label' exited $rc, expected $status")
		return
	fi
	found=0
	while IFS= read -r line; do
		[[ $line == "$prog: "* ]] || continue
		found=1
		for p in ${pats[@]+"${pats[@]}"}; do
			[[ $line == *"$p"* ]] || found=0
		done
		[ "$found" -eq 0 ] || break
	done <"$LOGS/case-$CASES.err"
	if [ "$found" -eq 0 ]; then
		CASE_FAILS+=("'$label': no stderr line '$prog: ...' naming ${pats[*]}")
		return
	fi
	left=$(cd -- "$dir" && ls -A)
	if [ -n "$left" ]; then
		CASE_FAILS+=("'$label' left files behind: $(printf '%s' "$left" | tr '\n' ' ')")
	fi
}

# expect_info PROGRAM OPTION: exit 0, and for --help a stdout line
# "usage: PROGRAM ...", for --version a non-empty stdout.
expect_info() {
	local path=$1 opt=$2 prog=${1##*/} dir rc out

	CASES=$((CASES + 1))
	dir=$DIR/case-$CASES
	mkdir -p -- "$dir"
	(cd -- "$dir" && "${SHORT_TIMEOUT[@]}" "$path" "$opt") \
		>"$LOGS/case-$CASES.out" 2>"$LOGS/case-$CASES.err" </dev/null
	rc=$?
	out=$LOGS/case-$CASES.out
	if grep -q -E "$SANITIZER_RE" "$LOGS/case-$CASES.err"; then
		CASE_FAILS+=("'$prog $opt': sanitizer report: $(grep -m 1 -E "$SANITIZER_RE" "$LOGS/case-$CASES.err")")
	elif [ "$rc" -ne 0 ]; then
		CASE_FAILS+=("'$prog $opt' exited $rc, expected 0")
	elif [ "$opt" = --help ] && ! grep -q "^usage: $prog " "$out"; then
		CASE_FAILS+=("'$prog --help' printed no 'usage: $prog ...' line on stdout")
	elif [ "$opt" = --version ] && ! grep -q "^$prog " "$out"; then
		CASE_FAILS+=("'$prog --version' printed no '$prog VERSION' line on stdout")
	elif [ -n "$(cd -- "$dir" && ls -A)" ]; then
		CASE_FAILS+=("'$prog $opt' left files behind")
	fi
}

# Every bad command line is refused at once with the right exit status (2
# for a usage error, 1 otherwise), a message naming the culprit, and
# nothing created.
t_bad_command_lines() {
	local fx=$DIR/fixtures s in long skipped="" f

	mkdir -p -- "$fx/a-directory" || {
		REASON="cannot create $fx"
		return 1
	}
	mkfifo -- "$fx/a-fifo" || {
		REASON="cannot create a FIFO in $fx"
		return 1
	}
	printf 'secret\n' >"$fx/unreadable.txt"
	chmod 000 -- "$fx/unreadable.txt"
	in=$T/inputs/${INPUTS[0]##*/}
	s=mr.sock	# relative: inside each case's own folder
	long=$LONG_NAME	# relative too

	# mrcoordinator
	expect 1 "$fx/missing.txt" -- "$COORD" --socket "$s" "$fx/missing.txt"
	# A folder is an input; one with no file in it is none.
	expect 1 "$fx/a-directory has none" -- "$COORD" --socket "$s" "$fx/a-directory"
	expect 1 /dev/null -- "$COORD" --socket "$s" /dev/null
	expect 1 "$fx/a-fifo" -- "$COORD" --socket "$s" "$fx/a-fifo"
	if [ "$(id -u)" -ne 0 ]; then
		expect 1 "$fx/unreadable.txt" -- "$COORD" --socket "$s" "$fx/unreadable.txt"
	else
		skipped="; unreadable-file case skipped (running as root)"
	fi
	expect 2 --reduces -- "$COORD" --socket "$s" --reduces 100001 "$in"
	expect 2 --reduces -- "$COORD" --socket "$s" --reduces -1 "$in"
	expect 2 --reduces -- "$COORD" --socket "$s" --reduces abc "$in"
	expect 2 --task-timeout -- "$COORD" --socket "$s" --task-timeout 0 "$in"
	expect 2 --no-such-option -- "$COORD" --socket "$s" --no-such-option "$in"
	expect 2 input -- "$COORD" --socket "$s"
	expect 2 "too long" -- "$COORD" --socket "$long" "$in"
	# Too long from the environment: an error, not a usage error.
	XDG_RUNTIME_DIR=/$long MR_SOCKET= \
		expect 1 "XDG_RUNTIME_DIR too long" -- "$COORD" "$in"
	MR_SOCKET=$long expect 1 "too long" -- "$COORD" "$in"
	# mrworker (a bad plugin is found before any attempt to connect)
	expect 1 missing.so -- "$WORKER" --socket "$s" --wait 0 "$fx/missing.so"
	expect 1 README.md -- "$WORKER" --socket "$s" --wait 0 "$ROOT/README.md"
	expect 1 notplugin.so -- "$WORKER" --socket "$s" --wait 0 "$FIX/notplugin.so"
	expect 1 oldabi.so version -- "$WORKER" --socket "$s" --wait 0 "$FIX/oldabi.so"
	expect 2 plugin -- "$WORKER" --socket "$s" --wait 0
	expect 2 --no-such-option -- "$WORKER" --socket "$s" --no-such-option "$APPS/wc.so"
	expect 2 "too long" -- "$WORKER" --socket "$long" --wait 0 "$APPS/wc.so"
	XDG_RUNTIME_DIR=/$long MR_SOCKET= \
		expect 1 "XDG_RUNTIME_DIR too long" -- "$WORKER" --wait 0 "$APPS/wc.so"
	MR_SOCKET=$long expect 1 "too long" -- "$WORKER" --wait 0 "$APPS/wc.so"
	# mrsequential
	expect 1 "$fx/missing.txt" -- "$SEQ" "$APPS/wc.so" "$in" "$fx/missing.txt"
	for f in "$COORD" "$WORKER" "$SEQ"; do
		expect_info "$f" --help
		expect_info "$f" --version
	done
	chmod 644 -- "$fx/unreadable.txt"
	if [ "${#CASE_FAILS[@]}" -gt 0 ]; then
		REASON="${#CASE_FAILS[@]} of $CASES cases failed: $(printf '%s; ' "${CASE_FAILS[@]}")"
		REASON=${REASON%; }
		return 1
	fi
	DETAIL="$CASES cases$skipped"
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system

# What the selected tests need.
need=("$GENCORPUS" "$COORD" "$WORKER" "$SEQ")
for t in "${SELECTED[@]}"; do
	case $t in
	kill-worker | stop-worker) need+=("$FIX/slow.so" "$APPS/nocrash.so") ;;
	write-error-*) need+=("$FIX/failwrite.so" "$APPS/wc.so") ;;
	*-intermediate) need+=("$APPS/nocrash.so") ;;
	plugin-crash) need+=("$FIX/segv.so" "$APPS/nocrash.so") ;;
	other-job) need+=("$APPS/wc.so") ;;
	coordinator-killed | coordinator-killed-stderr-full | job-over-busy | stderr-closed) need+=("$FIX/slow.so" "$APPS/nocrash.so") ;;
	job-failed) need+=("$FIX/failmap.so") ;;
	bad-command-lines) need+=("$FIX/notplugin.so" "$FIX/oldabi.so" "$APPS/wc.so") ;;
	esac
done
find_missing "${need[@]}"
if [ "${#MISSING[@]}" -gt 0 ]; then
	for f in "${MISSING[@]}"; do
		printf '%s: missing %s\n' "$PROG" "$f" >&2
	done
	die "build them first (make, then make test or make ${BUILD%/}/test/fixtures/NAME.so)"
fi

# The LD_PRELOAD shim goes after AddressSanitizer's runtime in a sanitized
# mrworker.
asan_preload "$WORKER"

make_temp_folder test-faults
make_inputs "$NINPUTS" '*.txt' --files "$NINPUTS" --bytes-per-file "$INPUT_BYTES"
run_selected
