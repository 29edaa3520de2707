#!/usr/bin/env bash
#
# test-mr.sh - end-to-end tests of mrcoordinator and mrworker, a port of the
# 6.5840 lab's test-mr.sh: word count, indexer, map parallelism, reduce
# parallelism, job count, early exit and crash recovery.
#
# usage: scripts/test-mr.sh [TEST...]
#
# Runs the named tests (default: all, in the order below) on a corpus made by
# gencorpus, and prints one line per test, "PASS: NAME (SECONDSs)" or
# "FAIL: NAME: REASON", then "N passed, M failed". Exits 0 iff none failed.
# It builds nothing: run make first.
#
# Environment:
#   BUILD=DIR  folder of the programs, relative to the repository root or
#              absolute (default build; e.g. BUILD=build/san)
#   KEEP=1     keep the temporary folder (job folders, logs) for a look
#   STRICT=0   do not fail a test without crashes when one of its workers
#              exits with a status other than 0 (by default it fails; a
#              worker that hangs, cannot start or dies of a signal always
#              fails the test)
#
# Each test runs in a fresh folder $T/NAME with its own socket $T/NAME/mr.sock,
# where $T is a new temporary folder, removed at the end; program output goes
# to $T/logs/NAME/. Every process runs under `timeout -k 2s 180s`, and every
# process still running after a test, or when the script ends, is killed.

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(wc indexer split map-parallel reduce-parallel job-count early-exit crash special-wc special-indexer)
TIMEOUT=(timeout -k 2s 180s)
NREDUCE=10	# the coordinator's default
NINPUTS=8

usage() {
	printf 'usage: %s [TEST...]\ntests: %s\n' "$PROG" "${ALL_TESTS[*]}"
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P) ||
	die "cannot find the repository root"
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$ROOT/$BUILD ;;
esac
COORD=$BIN/mrcoordinator
WORKER=$BIN/mrworker
SEQ=$BIN/mrsequential
GENCORPUS=$BIN/gencorpus
APPS=$BIN/apps

# ---------------------------------------------------------------------------
# Processes. Every process a test starts is a descendant of this shell; the
# cleanup finds them all in /proc (so it needs neither ps nor pgrep) and
# kills them, workers started by the crash test's loops included.

declare -A KIDS_OF	# parent pid -> " pid pid ..."
TREE=()			# descendants of this shell

# Fills KIDS_OF from /proc/PID/stat ("pid (comm) state ppid ...").
scan_procs() {
	local f line rest

	KIDS_OF=()
	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		rest=${line##*) }	# comm may hold spaces and parentheses
		rest=${rest#* }
		KIDS_OF[${rest%% *}]+=" ${line%% *}"
	done
}

# Sets TREE to every descendant of this shell.
collect_tree() {
	local queue=() kids=() p

	scan_procs
	TREE=()
	read -ra queue <<<"${KIDS_OF[$$]-}"
	while [ "${#queue[@]}" -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		TREE+=("$p")
		read -ra kids <<<"${KIDS_OF[$p]-}"
		queue+=(${kids[@]+"${kids[@]}"})
	done
}

# True while process $1 exists and is not a zombie.
is_alive() {
	local line

	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	line=${line##*) }
	[ "${line%% *}" != Z ]
}

# Kills every descendant of this shell, then reaps all its children, so that
# no finished job is left for the next test's `wait -n` either.
kill_all() {
	local prev="" p i alive

	collect_tree
	# Stop the whole tree first, until no new process shows up, so that no
	# loop can start another worker while we kill.
	while [ "${#TREE[@]}" -gt 0 ] && [ "${TREE[*]}" != "$prev" ]; do
		prev=${TREE[*]}
		kill -STOP "${TREE[@]}" 2>/dev/null
		collect_tree
	done
	if [ "${#TREE[@]}" -gt 0 ]; then
		kill -TERM "${TREE[@]}" 2>/dev/null
		kill -CONT "${TREE[@]}" 2>/dev/null
		for ((i = 0; i < 30; i++)); do
			alive=0
			for p in "${TREE[@]}"; do
				if is_alive "$p"; then
					alive=1
					break
				fi
			done
			[ "$alive" -eq 1 ] || break
			sleep 0.1
		done
		kill -KILL "${TREE[@]}" 2>/dev/null
	fi
	wait 2>/dev/null
}

T=""
on_exit() {
	local rc=$?

	trap - EXIT INT TERM
	kill_all
	if [ -n "$T" ] && [ -d "$T" ]; then
		cd / || :
		if [ "${KEEP:-0}" = 1 ]; then
			printf '%s: kept %s\n' "$PROG" "$T" >&2
		else
			rm -rf -- "$T"
		fi
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Test steps. Each returns 0, or sets REASON and returns 1.

NAME=""		# current test
DIR=""		# its job folder, the cwd of all its processes
SOCK=""		# its socket
LOGS=""		# its logs, outside the job folder
REASON=""
NPROCS=0	# processes started, to name their logs
WAIT_PIDS=()	# what to wait for once the coordinator is done
WORKER_RCS=()	# where workers report their exit status

# Starts "$@" in the background under timeout, output to $LOGS/$1.log and
# exit status to $LOGS/$1.rc (missing while it runs). Sets STARTED.
spawn() {
	local log=$1

	shift
	rm -f "$LOGS/$log.rc"
	(
		"${TIMEOUT[@]}" "$@" >>"$LOGS/$log.log" 2>&1
		echo "$?" >"$LOGS/$log.rc"
	) &
	STARTED=$!
}

# Prepares test $1: a fresh job folder and log folder, and cds into it.
setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	REASON=""
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	COORD_PID=""
	COORD_ARGS=()
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	if ! mkdir -p -- "$DIR" "$LOGS" || ! cd -- "$DIR"; then
		REASON="cannot create $DIR"
		return 1
	fi
	if [ "${#SOCK}" -ge 108 ]; then
		REASON="socket path too long for a Unix socket: $SOCK (set TMPDIR to a shorter folder)"
		return 1
	fi
}

# Runs mrsequential with app $1 on the inputs, in its own folder, and
# writes its sorted output to $LOGS/correct.txt.
sequential() {
	local app=$1 seqdir=$T/$NAME.seq rc

	if ! mkdir -p -- "$seqdir"; then
		REASON="cannot create $seqdir"
		return 1
	fi
	(cd -- "$seqdir" &&
		"${TIMEOUT[@]}" "$SEQ" "$APPS/$app.so" "${INPUTS[@]}") \
		>"$LOGS/sequential.log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		REASON="mrsequential $app.so exited with status $rc"
		return 1
	fi
	if [ ! -s "$seqdir/mr-out-0" ]; then
		REASON="mrsequential $app.so wrote no mr-out-0"
		return 1
	fi
	sort "$seqdir/mr-out-0" >"$LOGS/correct.txt"
}

# Starts the coordinator on the inputs. With an argument, also touches that
# file (in the job folder) when the coordinator exits, as the lab's crash test.
start_coordinator() {
	local done_file=${1:-}

	rm -f "$LOGS/coordinator.rc"
	(
		"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" \
			${COORD_ARGS[@]+"${COORD_ARGS[@]}"} "${INPUTS[@]}" \
			>>"$LOGS/coordinator.log" 2>&1
		echo "$?" >"$LOGS/coordinator.rc"
		if [ -n "$done_file" ]; then
			touch "$done_file"
		fi
	) &
	COORD_PID=$!
}

# Waits up to 10 s for the coordinator to listen on its socket.
wait_socket() {
	local i

	for ((i = 0; i < 100; i++)); do
		if [ -S "$SOCK" ]; then
			return 0
		fi
		if [ -e "$LOGS/coordinator.rc" ]; then
			REASON="coordinator exited with status $(<"$LOGS/coordinator.rc") before creating $SOCK"
			return 1
		fi
		sleep 0.1
	done
	REASON="coordinator did not create $SOCK within 10 s"
	return 1
}

# Starts one worker running app $1.
start_worker() {
	NPROCS=$((NPROCS + 1))
	spawn "worker-$NPROCS" "$WORKER" --socket "$SOCK" "$APPS/$1.so"
	WAIT_PIDS+=("$STARTED")
	WORKER_RCS+=("$LOGS/worker-$NPROCS.rc")
}

# Starts a loop that runs workers with app $1 one after the other for as
# long as the job runs, as in the lab's crash test. Their statuses are not
# checked.
start_worker_loop() {
	local app=$1 log

	NPROCS=$((NPROCS + 1))
	log=$LOGS/worker-$NPROCS.log
	(
		while [ -e "$SOCK" ] && [ ! -f mr-done ]; do
			"${TIMEOUT[@]}" "$WORKER" --socket "$SOCK" "$APPS/$app.so" \
				>>"$log" 2>&1
			sleep 1
		done
	) &
	WAIT_PIDS+=("$!")
}

# Waits for the coordinator; fails unless it exited 0.
wait_coordinator() {
	local rc

	wait "$COORD_PID" 2>/dev/null
	if [ ! -e "$LOGS/coordinator.rc" ]; then
		REASON="coordinator vanished without an exit status"
		return 1
	fi
	rc=$(<"$LOGS/coordinator.rc")
	case $rc in
	0) return 0 ;;
	124 | 137) REASON="coordinator still running after 180 s, killed" ;;
	*) REASON="coordinator exited with status $rc" ;;
	esac
	return 1
}

# Waits for every worker and loop. With "check", fails if a worker hung
# (timeout), could not be run, died of a signal or, unless STRICT=0, exited
# non-zero.
wait_workers() {
	local p f rc

	for p in ${WAIT_PIDS[@]+"${WAIT_PIDS[@]}"}; do
		wait "$p" 2>/dev/null
	done
	[ "${1:-}" = check ] || return 0
	for f in ${WORKER_RCS[@]+"${WORKER_RCS[@]}"}; do
		rc=missing
		if [ -s "$f" ]; then
			rc=$(<"$f")
		fi
		case $rc in
		0) ;;
		124 | 137) REASON="a worker was still running after 180 s (${f##*/}), killed" ;;
		125 | 126 | 127) REASON="a worker could not be run: status $rc (${f##*/})" ;;
		missing) REASON="a worker vanished without an exit status (${f##*/})" ;;
		*)
			if [ "$rc" -gt 128 ]; then
				REASON="a worker died of signal $((rc - 128)) (${f##*/})"
			elif [ "${STRICT:-1}" = 1 ]; then
				REASON="a worker exited with status $rc (${f##*/})"
			fi
			;;
		esac
		[ -z "$REASON" ] || return 1
	done
}

# Prints the sorted non-empty output lines: the lab's `sort mr-out* | grep .`.
outputs() {
	local f=(mr-out*)

	[ -e "${f[0]}" ] || return 0
	sort -- "${f[@]}" | grep .
}

# Prints all the output lines: the lab's `cat mr-out*`.
cat_outputs() {
	local f=(mr-out*)

	[ -e "${f[0]}" ] || return 0
	cat -- "${f[@]}"
}

# Fails unless at least one output file exists.
have_outputs() {
	local f=(mr-out*)

	[ -e "${f[0]}" ] && return 0
	REASON="no mr-out-* files"
	return 1
}

# Compares $LOGS/$1 with $LOGS/correct.txt.
compare_correct() {
	if cmp -s "$LOGS/$1" "$LOGS/correct.txt"; then
		return 0
	fi
	diff "$LOGS/correct.txt" "$LOGS/$1" | head -n 20 >"$LOGS/output.diff"
	REASON="output differs from the expected output ($(wc -l <"$LOGS/$1") lines vs $(wc -l <"$LOGS/correct.txt"); diff in $LOGS/output.diff)"
	return 1
}

# Checks the job folder once everything has exited: mr-out-0 .. mr-out-9 and
# nothing but mr-X-Y and mr-out-Y files, so no .mrtmp-* temporary file and no
# socket left behind.
check_clean() {
	local f i n=0 tmp=() other=()

	for ((i = 0; i < NREDUCE; i++)); do
		if [ ! -f "mr-out-$i" ]; then
			REASON="mr-out-$i is missing"
			return 1
		fi
	done
	for f in mr-out-*; do
		[ -e "$f" ] && n=$((n + 1))
	done
	if [ "$n" -ne "$NREDUCE" ]; then
		REASON="$n mr-out-* files rather than $NREDUCE"
		return 1
	fi
	for f in .[!.]* ..?* *; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		if [[ $f == .mrtmp-* ]]; then
			tmp+=("$f")
		elif [ "$f" = "${SOCK##*/}" ]; then
			REASON="the coordinator left its socket $SOCK behind"
			return 1
		elif ! [[ $f =~ ^mr-(out-[0-9]+|[0-9]+-[0-9]+)$ ]]; then
			other+=("$f")
		fi
	done
	if [ "${#tmp[@]}" -gt 0 ]; then
		REASON="temporary files left behind: ${tmp[*]}"
		return 1
	fi
	if [ "${#other[@]}" -gt 0 ]; then
		REASON="unexpected files in the job folder: ${other[*]}"
		return 1
	fi
}

# ---------------------------------------------------------------------------
# The tests.

# Runs app $1 with $2 workers and checks the output against mrsequential's,
# then the job folder once all have exited.
output_test() {
	local app=$1 nworkers=$2 i

	sequential "$app" || return 1
	start_coordinator
	wait_socket || return 1
	for ((i = 0; i < nworkers; i++)); do
		start_worker "$app"
	done
	wait_coordinator || return 1
	# Workers exit only once the job is done, and the job is done: the
	# output must be final now, whether or not workers are still running.
	have_outputs || return 1
	outputs >"$LOGS/all.txt"
	compare_correct all.txt || return 1
	wait_workers check || return 1
	check_clean
}

t_wc() {
	output_test wc 3
}

# Runs app $1 with two workers over the hostile inputs of test/data/special
# (invalid UTF-8, NUL bytes, CRLF, many scripts, an empty file, random
# bytes), given by bare name from the job folder, and compares the output
# with what the reference Go code printed: test/data/golden/special-$1.txt.
special_test() {
	local app=$1 f saved=("${INPUTS[@]}")

	if ! cp -- "$ROOT"/test/data/special/* .; then
		REASON="cannot copy the special inputs"
		return 1
	fi
	INPUTS=()
	for f in "$ROOT"/test/data/special/*; do
		INPUTS+=("${f##*/}")
	done
	start_coordinator
	INPUTS=("${saved[@]}")
	wait_socket || return 1
	start_worker "$app"
	start_worker "$app"
	wait_coordinator || return 1
	have_outputs || return 1
	outputs >"$LOGS/all.txt"
	sort -- "$ROOT/test/data/golden/special-$app.txt" >"$LOGS/correct.txt"
	compare_correct all.txt || return 1
	wait_workers check
}

t_special_wc() {
	special_test wc
}

t_special_indexer() {
	special_test indexer
}

t_indexer() {
	output_test indexer 2
}

# Inputs cut into many map tasks (--split-size 64K, about seven per input,
# at line boundaries): words must be neither lost, doubled nor cut in two,
# and indexer must still list each document once.
t_split() {
	COORD_ARGS=(--split-size 64K)
	output_test wc 2 || return 1
	rm -f mr-* && rm -rf -- "$T/$NAME.seq"
	output_test indexer 2 || return 1
	if ! grep -q 'map tasks' "$LOGS/coordinator.log" ||
	    ! grep -Eq '^mrcoordinator: ([5-9][0-9]|[1-9][0-9]{2,}) map tasks' "$LOGS/coordinator.log"; then
		REASON="expected many map tasks with --split-size 64K: $(grep 'map tasks' "$LOGS/coordinator.log" | tail -n 1)"
		return 1
	fi
}

t_map_parallel() {
	local nt

	start_coordinator
	wait_socket || return 1
	start_worker mtiming
	start_worker mtiming
	wait_coordinator || return 1
	have_outputs || return 1
	nt=$(cat_outputs | grep -c '^times-')
	if [ "$nt" != 2 ]; then
		REASON="saw $nt workers rather than 2"
		return 1
	fi
	if ! cat_outputs | grep -q '^parallel.* 2'; then
		REASON="map workers did not run in parallel"
		return 1
	fi
	wait_workers check
}

t_reduce_parallel() {
	local nt

	start_coordinator
	wait_socket || return 1
	start_worker rtiming
	start_worker rtiming
	wait_coordinator || return 1
	have_outputs || return 1
	nt=$(cat_outputs | grep -c '^[a-z] 2')
	if [ "$nt" -lt 2 ]; then
		REASON="too few parallel reduces ($nt lines '^[a-z] 2', expected at least 2)"
		return 1
	fi
	wait_workers check
}

t_job_count() {
	local nt

	start_coordinator
	wait_socket || return 1
	start_worker jobcount
	start_worker jobcount
	start_worker jobcount
	start_worker jobcount
	wait_coordinator || return 1
	have_outputs || return 1
	nt=$(cat_outputs | awk '{ print $2 }')
	if [ "$nt" != "$NINPUTS" ]; then
		REASON="map jobs ran an incorrect number of times ($(printf '%s' "$nt" | tr '\n' ' ') != $NINPUTS)"
		return 1
	fi
	wait_workers check
}

# No worker nor the coordinator may exit before the output is final.
t_early_exit() {
	local n

	start_coordinator
	wait_socket || return 1
	start_worker early_exit
	start_worker early_exit
	start_worker early_exit
	# The first of the four to exit; nothing else of ours runs in the
	# background (the previous test's processes were all reaped).
	wait -n
	outputs >"$LOGS/initial.txt"
	wait_coordinator || return 1
	wait_workers check || return 1
	outputs >"$LOGS/final.txt"
	if [ ! -s "$LOGS/initial.txt" ]; then
		REASON="no output yet when the first process exited"
		return 1
	fi
	if ! cmp -s "$LOGS/initial.txt" "$LOGS/final.txt"; then
		diff "$LOGS/initial.txt" "$LOGS/final.txt" | head -n 20 \
			>"$LOGS/output.diff"
		REASON="output changed after the first process exited"
		return 1
	fi
	n=$(wc -l <"$LOGS/final.txt")
	if [ "$n" -ne "$NINPUTS" ]; then
		REASON="$n output lines rather than one per input ($NINPUTS)"
		return 1
	fi
}

# Workers exit or stall at random; loops start new ones while the job runs.
t_crash() {
	sequential nocrash || return 1
	rm -f mr-done
	start_coordinator mr-done
	# The loops run only while the socket exists: start them once it does.
	wait_socket || return 1
	start_worker crash
	start_worker_loop crash
	start_worker_loop crash
	start_worker_loop crash
	wait_coordinator || return 1
	wait_workers
	have_outputs || return 1
	outputs >"$LOGS/all.txt"
	compare_correct all.txt
}

# ---------------------------------------------------------------------------

# Prints the end of the logs of the failed test on stderr.
show_logs() {
	local f

	for f in "$LOGS"/*.log "$LOGS"/*.diff; do
		[ -s "$f" ] || continue
		printf '    --- %s (last lines)\n' "${f##*/}"
		tail -n 8 -- "$f" | sed 's/^/    /'
	done >&2
}

# Runs test $1 and prints its result line.
run_test() {
	local name=$1 start end ms ok

	start=$(date +%s%N)
	setup_test "$name" && "t_${name//-/_}"
	ok=$?
	end=$(date +%s%N)
	cd -- "$T" || die "cannot cd to $T"
	kill_all	# whatever of this test still runs
	ms=$(((end - start) / 1000000))
	if [ "$ok" -eq 0 ]; then
		printf 'PASS: %s (%d.%ds)\n' "$name" $((ms / 1000)) \
			$((ms % 1000 / 100))
		PASSED=$((PASSED + 1))
	else
		printf 'FAIL: %s: %s\n' "$name" "${REASON:-failed}"
		show_logs
		FAILED=$((FAILED + 1))
	fi
}

SELECTED=()
for arg in "$@"; do
	case $arg in
	-h | --help)
		usage
		exit 0
		;;
	-*)
		usage >&2
		exit 2
		;;
	esac
	found=0
	for t in "${ALL_TESTS[@]}"; do
		[ "$arg" = "$t" ] && found=1
	done
	if [ "$found" -eq 0 ]; then
		printf '%s: no test named %s\n' "$PROG" "$arg" >&2
		usage >&2
		exit 2
	fi
	SELECTED+=("$arg")
done
if [ "${#SELECTED[@]}" -eq 0 ]; then
	SELECTED=("${ALL_TESTS[@]}")
fi

command -v timeout >/dev/null 2>&1 || die "timeout (GNU coreutils) not found"
[ -d /proc/self ] || die "/proc is not mounted"

# What the selected tests need.
need=("$GENCORPUS" "$COORD" "$WORKER")
for t in "${SELECTED[@]}"; do
	case $t in
	wc) need+=("$SEQ" "$APPS/wc.so") ;;
	indexer) need+=("$SEQ" "$APPS/indexer.so") ;;
	split) need+=("$SEQ" "$APPS/wc.so" "$APPS/indexer.so") ;;
	map-parallel) need+=("$APPS/mtiming.so") ;;
	reduce-parallel) need+=("$APPS/rtiming.so") ;;
	job-count) need+=("$APPS/jobcount.so") ;;
	early-exit) need+=("$APPS/early_exit.so") ;;
	crash) need+=("$SEQ" "$APPS/crash.so" "$APPS/nocrash.so") ;;
	special-wc) need+=("$APPS/wc.so") ;;
	special-indexer) need+=("$APPS/indexer.so") ;;
	esac
done
missing=()
for f in "${need[@]}"; do
	case $f in
	*.so) [ -f "$f" ] && [ -r "$f" ] ;;
	*) [ -f "$f" ] && [ -x "$f" ] ;;
	esac || missing+=("$f")
done
if [ "${#missing[@]}" -gt 0 ]; then
	printf '%s: missing %s\n' "$PROG" "${missing[@]}" >&2
	die "build them first (make)"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/test-mr.XXXXXX") ||
	die "cannot create a temporary folder"
T=$(cd -P -- "$T" && pwd -P) || die "cannot enter $T"
mkdir -p -- "$T/logs" || die "cannot create $T/logs"

if ! "${TIMEOUT[@]}" "$GENCORPUS" "$T/inputs" >"$T/logs/gencorpus.log" 2>&1; then
	cat -- "$T/logs/gencorpus.log" >&2
	die "gencorpus failed"
fi
INPUTS=()
for f in "$T"/inputs/pg-*.txt; do
	[ -f "$f" ] && INPUTS+=("../inputs/${f##*/}")
done
if [ "${#INPUTS[@]}" -ne "$NINPUTS" ]; then
	die "gencorpus wrote ${#INPUTS[@]} inputs rather than $NINPUTS"
fi

PASSED=0
FAILED=0
for t in "${SELECTED[@]}"; do
	run_test "$t"
done
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
