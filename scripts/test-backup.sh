#!/usr/bin/env bash
#
# test-backup.sh - black-box tests of backup tasks (speculative execution):
# one of three workers made 10 times slower (its map sleeps 10 times as
# long: the slow fixture, MR_TEST_SLEEP set on that worker only). With
# backups on, the job takes at most 1.3 times as long as the same job on
# the two fast workers alone, a backup wins, the slow worker's attempt is
# cancelled and its task's process is gone within a second, and nothing of
# the cancelled attempt stays (no process, temporary file or output); with
# --speculative off the job pays the straggler's whole cost. Outputs equal
# mrsequential's every time.
#
# usage: scripts/test-backup.sh [TEST...]
#
# Prints "PASS: NAME (SECONDSs)" or "FAIL: NAME: REASON" per test, then
# "N passed, M failed"; exits 0 iff none failed. It builds nothing: run
# `make` and the test fixtures first. Every process runs under
# `timeout -k 2s 120s`.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(straggler cancel-now)
TIMEOUT=(timeout -k 2s 120s)

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

SLOW=$BIN/test/fixtures/slow.so
NREDUCE=3
NINPUTS=12
FAST=0.4	# seconds each map of a fast worker sleeps
SLOWER=4.0	# and of the slow one: 10 times as long
COORD_PID=""
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
ALL_INPUTS=()

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	LOGS=$T/logs/$NAME
	NPROCS=0
	# Absolute: the jobs run in folders below $DIR.
	INPUTS=("${ALL_INPUTS[@]/#../$T}")
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	SOCK=$DIR/run/mr.sock
	enter_job_folder 108 "$DIR" "$LOGS"
}

# run_job LABEL SLOWWORKERS [COORDINATOR OPTION...]: a job in a fresh
# folder $DIR/LABEL with two fast workers and SLOWWORKERS slow ones; sets
# SECS to its duration, from the start of the coordinator to its end.
run_job() {
	local label=$1 nslow=$2 t0 t1 p rc i

	shift 2
	mkdir -p -- "$DIR/$label" || return 1
	cd -- "$DIR/$label" || return 1
	SOCK=$DIR/$label/mr.sock
	WAIT_PIDS=()
	WORKER_RCS=()
	t0=$(date +%s%N)
	spawn "$label-coordinator" "$COORD" -v --socket "$SOCK" \
		--reduces "$NREDUCE" --progress 0 "$@" -- "${INPUTS[@]}"
	COORD_PID=$STARTED
	wait_socket "$LOGS/$label-coordinator.rc" || return 1
	for ((i = 0; i < nslow; i++)); do
		MR_TEST_SLEEP=$SLOWER spawn_worker "$WORKER" -v --socket "$SOCK" "$SLOW"
		SLOW_LOG=$LOGS/worker-$NPROCS.log
	done
	for ((i = 0; i < 2; i++)); do
		MR_TEST_SLEEP=$FAST spawn_worker "$WORKER" --socket "$SOCK" "$SLOW"
	done
	wait "$COORD_PID" 2>/dev/null
	t1=$(date +%s%N)
	coordinator_status "$LOGS/$label-coordinator.rc" "coordinator ($label)" ||
		return 1
	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for rc in "${WORKER_RCS[@]}"; do
		if [ "$(cat "$rc")" != 0 ]; then
			REASON="$label: a worker exited with status $(cat "$rc") (${rc##*/})"
			return 1
		fi
	done
	SECS=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
	outputs >"$LOGS/$label-output.txt"
	compare_output "$LOGS/$label-output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	check_clean || { REASON="$label: $REASON"; return 1; }
	cd -- "$DIR" || return 1
}

# The children of process $1, from /proc.
children_of() {
	local p

	for p in /proc/[0-9]*/stat; do
		read -r -a st <"$p" 2>/dev/null || continue
		[ "${st[3]}" = "$1" ] && echo "${st[0]}"
	done
}

t_straggler() {
	local base on off clog line attempt

	MR_TEST_SLEEP=0 sequential nocrash "${INPUTS[@]}" || return 1
	# slow's output is nocrash's.
	run_job base 0 || return 1
	base=$SECS
	run_job on 1 || return 1
	on=$SECS
	clog=$LOGS/on-coordinator.log
	if ! grep -qE "backup attempt [0-9]+ of slow tasks: [1-9][0-9]* finished first" "$clog" &&
	    ! grep -qE "[0-9]+ backup attempts? of slow tasks: [1-9][0-9]* finished first" "$clog"; then
		REASON="no backup won: $(grep -m1 'backup' "$clog" || echo 'no backup line')"
		return 1
	fi
	line=$(grep -m1 -E ": attempt [0-9]+ cancelled: its backup finished first$" "$clog")
	if [ -z "$line" ]; then
		REASON="the slow worker's attempt was not cancelled"
		return 1
	fi
	# The slow worker said it stopped the attempt, its process gone.
	attempt=$(sed -E 's/.*: attempt ([0-9]+) cancelled:.*/\1/' <<<"$line")
	if ! grep -qE "attempt $attempt (was )?cancel" "$SLOW_LOG"; then
		REASON="the slow worker did not log the cancel of attempt $attempt: $(tail -n 2 "$SLOW_LOG")"
		return 1
	fi
	if [ "$(awk -v a="$on" -v b="$base" 'BEGIN { print (a <= 1.3 * b) }')" != 1 ]; then
		REASON="with backups, ${on}s against ${base}s without the slow worker: more than 1.3x"
		return 1
	fi
	run_job off 1 --speculative off || return 1
	off=$SECS
	if grep -q "backup attempt" "$LOGS/off-coordinator.log"; then
		REASON="a backup ran with --speculative off"
		return 1
	fi
	if [ "$(awk -v a="$off" -v s="$SLOWER" 'BEGIN { print (a >= s) }')" != 1 ]; then
		REASON="without backups the job took ${off}s, less than the straggler's ${SLOWER}s map"
		return 1
	fi
	DETAIL="$(awk -v a="$on" -v b="$base" 'BEGIN { printf "%.2f", a / b }')x with backups, $(awk -v a="$off" -v b="$base" 'BEGIN { printf "%.2f", a / b }')x without (${base}s on the two fast workers alone)"
}

# A cancelled attempt's process is gone within a second, and no file of it
# is left, while the job goes on: watched from outside as it happens.
t_cancel_now() {
	local clog i kids wpid attempt

	MR_TEST_SLEEP=0 sequential nocrash "${INPUTS[@]}" || return 1
	mkdir -p -- "$DIR/job" && cd -- "$DIR/job" || return 1
	SOCK=$DIR/job/mr.sock
	clog=$LOGS/coordinator.log
	spawn coordinator "$COORD" -v --socket "$SOCK" --reduces "$NREDUCE" \
		--progress 0 -- "${INPUTS[@]}"
	COORD_PID=$STARTED
	wait_socket || return 1
	MR_TEST_SLEEP=30 spawn_worker "$WORKER" -v --socket "$SOCK" "$SLOW"
	sleep 0.3
	for ((i = 0; i < 2; i++)); do
		MR_TEST_SLEEP=$FAST spawn_worker "$WORKER" --socket "$SOCK" "$SLOW"
	done
	# The slow worker's pid: the one whose map sleeps 30 s.
	for ((i = 0; i < 200; i++)); do
		grep -qE ": attempt [0-9]+ cancelled: its backup finished first$" "$clog" && break
		sleep 0.05
	done
	grep -qE "cancelled: its backup finished first$" "$clog" ||
		{ REASON="no cancel within 10 s"; return 1; }
	wpid=$(sed -nE 's/.*worker [0-9]+ \(pid ([0-9]+)\): attempt [0-9]+ cancelled: its backup.*/\1/p' "$clog" | head -n 1)
	attempt=$(sed -nE 's/.*\(pid [0-9]+\): attempt ([0-9]+) cancelled: its backup.*/\1/p' "$clog" | head -n 1)
	# Within a second: its task's process gone, and the worker ready again.
	for ((i = 0; i < 20; i++)); do
		kids=$(children_of "$wpid")
		[ -z "$kids" ] && grep -q "(pid $wpid) stopped attempt $attempt$" "$clog" && break
		sleep 0.05
	done
	if [ -n "$kids" ]; then
		REASON="the cancelled attempt's process ($kids) still runs 1 s after the Cancel"
		return 1
	fi
	if ! grep -q "(pid $wpid) stopped attempt $attempt$" "$clog"; then
		REASON="worker $wpid did not stop attempt $attempt within 1 s of the Cancel (its map sleeps 30 s)"
		return 1
	fi
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	check_clean || return 1
	DETAIL="worker $wpid stopped attempt $attempt within a second of the Cancel"
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$APPS/nocrash.so" "$SLOW"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make and make test first"
fi
make_temp_folder test-backup
make_inputs "$NINPUTS" 'pg-*.txt' --files "$NINPUTS" --bytes-per-file 20000
ALL_INPUTS=("${INPUTS[@]}")
run_selected
