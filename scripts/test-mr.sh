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

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
# testlib.sh sets ROOT, BIN and the programs: COORD, WORKER, SEQ, GENCORPUS
# and APPS. From here on, every process still running and the temporary
# folder go when the script ends.
install_cleanup

# ---------------------------------------------------------------------------
# Test steps. Each returns 0, or sets REASON and returns 1. testlib.sh
# keeps NAME, DIR, SOCK, LOGS and REASON of the current test.

NPROCS=0	# processes started, to name their logs
WAIT_PIDS=()	# what to wait for once the coordinator is done
WORKER_RCS=()	# where workers report their exit status

# Prepares test $1: a fresh job folder and log folder, and cds into it.
setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	COORD_PID=""
	COORD_ARGS=()
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
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

# Starts one worker running app $1.
start_worker() {
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/$1.so"
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
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator
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
	compare_output "$LOGS/$1" "$LOGS/correct.txt" "the expected output"
}

# ---------------------------------------------------------------------------
# The tests.

# Runs app $1 with $2 workers and checks the output against mrsequential's,
# then the job folder once all have exited.
output_test() {
	local app=$1 nworkers=$2 i

	sequential "$app" "${INPUTS[@]}" || return 1
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
	sequential nocrash "${INPUTS[@]}" || return 1
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

select_tests "$@"
require_system

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
find_missing "${need[@]}"
if [ "${#MISSING[@]}" -gt 0 ]; then
	printf '%s: missing %s\n' "$PROG" "${MISSING[@]}" >&2
	die "build them first (make)"
fi

make_temp_folder test-mr
make_inputs "$NINPUTS" 'pg-*.txt'
run_selected
