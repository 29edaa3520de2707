#!/usr/bin/env bash
# test-mrrun.sh - black-box tests of mrrun, the one-command job: its output
# equals mrsequential's, workers that die are replaced until the job ends
# (one that exits with status 0 in the middle of a map too), workers still
# running when the job is over are stopped (a stopped one killed after the
# grace period), a reader of its stderr that goes away costs nothing,
# Ctrl-C ends everything and leaves nothing behind, bad arguments are clear
# errors. Prints "PASS: name (Ns)" / "FAIL: name: reason" per test and
# "N passed, M failed" last; exit status 0 iff none failed.
#
# usage: scripts/test-mrrun.sh [TEST...]      BUILD=DIR (default build)
set -u
export LC_ALL=C

ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P) || exit 1
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$ROOT/$BUILD ;;
esac
ALL_TESTS=(output task-counts crash exit0 stuck-worker stderr-closed interrupt errors)
FIX=$BIN/test/fixtures
TIMEOUT=(timeout -k 2s 120s)
PASSED=0
FAILED=0

T=$(mktemp -d "${TMPDIR:-/tmp}/test-mrrun.XXXXXX") || exit 1
trap 'rm -rf -- "$T"' EXIT
"$BIN/gencorpus" --files 6 --bytes-per-file 40000 "$T/inputs" >/dev/null || exit 1
INPUTS=("$T"/inputs/*)

# Sorted non-empty output lines of the job in folder $1.
outputs() {
	cat -- "$1"/mr-out-* | grep . | sort
}

# mrsequential's answer for app $1 in $T/$1.seq/sorted, computed once (a
# second run there would be refused: the folder holds an earlier job's output).
sequential() {
	[ -s "$T/$1.seq/sorted" ] && return 0
	mkdir -p "$T/$1.seq" &&
		(cd "$T/$1.seq" && "$BIN/mrsequential" "$1" "${INPUTS[@]}") &&
		sort "$T/$1.seq/mr-out-0" | grep . >"$T/$1.seq/sorted"
}

t_output() {
	local d=$T/output

	mkdir -p "$d" && sequential wc || return 1
	(cd "$d" && "${TIMEOUT[@]}" "$BIN/mrrun" -q -n 3 wc "${INPUTS[@]}") ||
		{ REASON="mrrun exited with status $?"; return 1; }
	[ "$(find "$d" -name 'mr-out-*' | wc -l)" -eq 10 ] ||
		{ REASON="not 10 mr-out-* files"; return 1; }
	outputs "$d" | cmp -s - "$T/wc.seq/sorted" ||
		{ REASON="output differs from mrsequential's"; return 1; }
}

# The coordinator's first and summary lines count tasks in words that
# agree with the numbers: "1 map task, 1 reduce task", "2 map tasks, 2
# reduce tasks".
t_task_counts() {
	local d=$T/task-counts n r log

	for n in 1 2; do
		r=tasks
		[ "$n" -eq 1 ] && r=task
		mkdir -p "$d.$n" || return 1
		log=$d.$n/log
		(cd "$d.$n" && "${TIMEOUT[@]}" "$BIN/mrrun" -n 1 -r "$n" wc \
		    "${INPUTS[@]:0:$n}") >"$log" 2>&1 ||
			{ REASON="mrrun over $n inputs: status $?"; return 1; }
		grep -Eq "^mrcoordinator: $n map $r, $n reduce $r; listening on " "$log" ||
			{ REASON="first line not '$n map $r, $n reduce $r': $(grep -m 1 'listening on' "$log")"; return 1; }
		grep -Eq "^mrcoordinator: job done in [0-9.]+ s: $n map and $n reduce $r, 0 run again " "$log" ||
			{ REASON="summary not '$n map and $n reduce $r': $(grep -m 1 'job done' "$log")"; return 1; }
	done
}

# The crash app kills a third of its workers: mrrun must keep replacing
# them, and the coordinator's summary must say how many tasks ran again.
t_crash() {
	local d=$T/crash

	mkdir -p "$d" && sequential nocrash || return 1
	(cd "$d" && "${TIMEOUT[@]}" "$BIN/mrrun" -n 2 --reduces 3 crash \
		"${INPUTS[@]}") 2>"$T/crash.log" ||
		{ REASON="mrrun exited with status $?"; return 1; }
	outputs "$d" | cmp -s - "$T/nocrash.seq/sorted" ||
		{ REASON="output differs from nocrash's"; return 1; }
	grep -Eq 'a worker (died|exited)' "$T/crash.log" ||
		{ REASON="no worker died, so nothing was tested"; return 1; }
	# The summary counts the tasks lost with their workers.
	grep -Eq 'run again \([0-9]+ timed out, [1-9][0-9]* lost with their worker, 0 failed\)' \
	    "$T/crash.log" ||
		{ REASON="summary: $(grep 'run again' "$T/crash.log")"; return 1; }
	grep -Eq 'input [0-9.]+ MB, intermediate [0-9.]+ MB, output [0-9.]+ MB' \
	    "$T/crash.log" ||
		{ REASON="no byte counts in the summary"; return 1; }
}

# A plugin that calls exit(0) in a map (once in the job): status 0 is no
# sign that the job is over; the only worker is replaced and the job ends.
t_exit0() {
	local d=$T/exit0 rc

	mkdir -p "$d" && sequential nocrash || return 1
	(cd "$d" && timeout -k 2s 30s "$BIN/mrrun" -n 1 --reduces 3 \
		"$FIX/exit0.so" "${INPUTS[@]}") 2>"$T/exit0.log"
	rc=$?
	case $rc in
	0) ;;
	124 | 137) REASON="mrrun still running after 30 s: the worker that exited 0 was not replaced"; return 1 ;;
	*) REASON="mrrun exited with status $rc"; return 1 ;;
	esac
	[ -e "$d/mr-exit0-once" ] ||
		{ REASON="no map called exit(0), so nothing was tested"; return 1; }
	grep -q 'a worker exited (status 0) before the job was over; starting another' \
	    "$T/exit0.log" ||
		{ REASON="mrrun did not say it replaced the worker"; return 1; }
	outputs "$d" | cmp -s - "$T/nocrash.seq/sorted" ||
		{ REASON="output differs from nocrash's"; return 1; }
}

# Prints the pids of the processes named $2 whose parent is process $1.
children_of() {
	local f line rest comm

	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		comm=${line#*(}
		comm=${comm%%)*}
		rest=${line##*) }
		rest=${rest#* }
		[ "$comm" = "$2" ] && [ "${rest%% *}" = "$1" ] &&
			printf '%s\n' "${line%% *}"
	done
}

# A worker of mrrun stopped with SIGSTOP (so stuck for good, whatever it
# would do by itself) outlives the job: once the coordinator has exited,
# mrrun sends it SIGTERM and after its 2 s grace period SIGKILL, and
# exits with the job's status rather than wait for it forever.
t_stuck_worker() {
	local d=$T/stuck p mr="" w="" rc start end i

	mkdir -p "$d" && sequential nocrash || return 1
	start=$(date +%s%N)
	(cd "$d" && MR_TEST_SLEEP=0.2 exec timeout -k 2s 60s "$BIN/mrrun" \
		-n 2 --reduces 2 "$FIX/slow.so" "${INPUTS[@]}") \
		2>"$T/stuck.log" &
	p=$!
	for ((i = 0; i < 100; i++)); do
		[ -n "$mr" ] || mr=$(children_of "$p" mrrun | head -n 1)
		[ -n "$mr" ] && w=$(children_of "$mr" mrworker | head -n 1)
		[ -n "$w" ] && break
		sleep 0.05
	done
	[ -n "$w" ] || { REASON="no worker of mrrun showed up"; return 1; }
	kill -STOP "$w"
	wait "$p"
	rc=$?
	end=$(date +%s%N)
	case $rc in
	0) ;;
	124 | 137) kill -KILL "$w" 2>/dev/null
		REASON="mrrun still running after 60 s: it waits for the stopped worker"; return 1 ;;
	*) REASON="mrrun exited with status $rc"; return 1 ;;
	esac
	if [ -e "/proc/$w" ] && [ "$(cut -d' ' -f3 "/proc/$w/stat" 2>/dev/null)" != Z ]; then
		kill -KILL "$w"
		REASON="the stopped worker $w is still there after mrrun exited"
		return 1
	fi
	grep -q 'worker(s) still running 2 s after SIGTERM; killed' "$T/stuck.log" ||
		{ REASON="mrrun did not say it killed the worker"; return 1; }
	outputs "$d" | cmp -s - "$T/nocrash.seq/sorted" ||
		{ REASON="output differs from nocrash's"; return 1; }
	DETAIL=" — worker killed; mrrun took $(((end - start) / 1000000)) ms in all"
}

# The reader of mrrun's stderr (shared by the coordinator and the workers)
# goes away after the first line: nobody dies of SIGPIPE, the job is done.
t_stderr_closed() {
	local d=$T/stderr rc

	mkdir -p "$d" && sequential nocrash || return 1
	(cd "$d" && MR_TEST_SLEEP=0.2 "${TIMEOUT[@]}" "$BIN/mrrun" -n 2 \
		"$FIX/slow.so" "${INPUTS[@]}" 2>&1 | head -n 1 >/dev/null;
		exit "${PIPESTATUS[0]}")
	rc=$?
	[ "$rc" -eq 0 ] ||
		{ REASON="mrrun exited with status $rc (141: SIGPIPE)"; return 1; }
	outputs "$d" | cmp -s - "$T/nocrash.seq/sorted" ||
		{ REASON="output differs from nocrash's"; return 1; }
}

# SIGINT to mrrun (as Ctrl-C would) mid-job: status 1, no process of the
# job left, its socket folder removed.
t_interrupt() {
	local d=$T/interrupt p rc left

	# Its own TMPDIR: the socket folder to check is this job's, whatever
	# other mrrun jobs run, or once ran and were killed, on the machine.
	mkdir -p "$d" "$T/interrupt.tmp"
	(cd "$d" && TMPDIR=$T/interrupt.tmp MR_TEST_SLEEP=5 exec "$BIN/mrrun" -q -n 2 \
		"$BIN/test/fixtures/slow.so" "${INPUTS[@]}") &
	p=$!
	sleep 1
	kill -INT "$p"
	for _ in $(seq 200); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		kill -9 "$p"
		REASON="mrrun still running 20 s after SIGINT"
		return 1
	fi
	wait "$p"
	rc=$?
	[ "$rc" -eq 1 ] || { REASON="mrrun exited with status $rc, not 1"; return 1; }
	sleep 0.3
	# The job's processes are the ones working in its folder.
	left=0
	for f in /proc/[0-9]*/cwd; do
		[ "$(readlink "$f" 2>/dev/null)" = "$d" ] && left=$((left + 1))
	done
	[ "$left" -eq 0 ] || { REASON="$left processes of the job left"; return 1; }
	if compgen -G "$T/interrupt.tmp/mrrun-*" >/dev/null; then
		REASON="the socket folder was left behind: $(ls "$T/interrupt.tmp")"
		return 1
	fi
}

t_errors() {
	local rc msg

	msg=$("$BIN/mrrun" nosuchapp "${INPUTS[0]}" 2>&1)
	rc=$?
	if [ "$rc" -ne 1 ] || [[ $msg != mrrun:*nosuchapp* ]]; then
		REASON="unknown app: status $rc, message: $msg"
		return 1
	fi
	"$BIN/mrrun" wc >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || { REASON="no inputs: status $rc, not 2"; return 1; }
	"$BIN/mrrun" -n 0 wc "${INPUTS[0]}" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || { REASON="-n 0: status $rc, not 2"; return 1; }
	"$BIN/mrrun" --help | grep -q '^usage: mrrun' ||
		{ REASON="--help prints no usage"; return 1; }
}

SELECTED=("$@")
[ "${#SELECTED[@]}" -gt 0 ] || SELECTED=("${ALL_TESTS[@]}")
for t in "${SELECTED[@]}"; do
	REASON=""
	start=$(date +%s%N)
	DETAIL=""
	if "t_${t//-/_}"; then
		printf 'PASS: %s (%ss)%s\n' "$t" "$(awk -v a="$start" \
		    -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')" \
		    "$DETAIL"
		PASSED=$((PASSED + 1))
	else
		printf 'FAIL: %s: %s\n' "$t" "${REASON:-failed}"
		FAILED=$((FAILED + 1))
	fi
done
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
