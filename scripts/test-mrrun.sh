#!/usr/bin/env bash
# test-mrrun.sh - black-box tests of mrrun, the one-command job: its output
# equals mrsequential's, workers that die are replaced until the job ends,
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
ALL_TESTS=(output crash interrupt errors)
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

# mrsequential's answer for app $1 in $T/$1.seq/sorted.
sequential() {
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
	grep -q 'a worker died' "$T/crash.log" ||
		{ REASON="no worker died, so nothing was tested"; return 1; }
	# The summary counts the tasks lost with their workers.
	grep -Eq 'run again \([0-9]+ timed out, [1-9][0-9]* lost with their worker, 0 failed\)' \
	    "$T/crash.log" ||
		{ REASON="summary: $(grep 'run again' "$T/crash.log")"; return 1; }
	grep -Eq 'input [0-9.]+ MB, intermediate [0-9.]+ MB, output [0-9.]+ MB' \
	    "$T/crash.log" ||
		{ REASON="no byte counts in the summary"; return 1; }
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
	if "t_$t"; then
		printf 'PASS: %s (%ss)\n' "$t" "$(awk -v a="$start" \
		    -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
		PASSED=$((PASSED + 1))
	else
		printf 'FAIL: %s: %s\n' "$t" "${REASON:-failed}"
		FAILED=$((FAILED + 1))
	fi
done
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
