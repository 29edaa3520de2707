#!/usr/bin/env bash
# test-mrrun.sh - black-box tests of mrrun, the one-command job: its output
# equals mrsequential's, workers that die are replaced until the job ends
# (one that exits with status 0 in the middle of a map too), workers still
# running when the job is over are stopped (a stopped one killed after the
# grace period), a reader of its stderr that goes away costs nothing,
# Ctrl-C ends everything and leaves nothing behind, bad arguments are clear
# errors. Before anything starts, a bad input, plugin, option or folder is
# one line and an exit within a fraction of a second, no worker started; no
# more workers than map tasks; kill -9 of mrrun leaves no process and no
# socket folder; a TMPDIR too long for a socket path still works; the
# options a user needs reach the coordinator and the workers; a worker
# joining a job already over exits 0 at once; a bad option is one line and
# a hint to --help on every program. Prints "PASS: name (Ns)" / "FAIL: name: reason" per test and
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
ALL_TESTS=(output task-counts crash exit0 stuck-worker stderr-closed interrupt
	errors early-errors few-maps options-passed kill9 long-tmpdir job-over
	option-errors)
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
# Each of the job's 9 map and reduce calls exits with odds of 1/3, so about
# one job in 40 loses no worker and tests nothing: such a job is run again,
# up to three times in all.
t_crash() {
	local d try

	sequential nocrash || return 1
	for try in 1 2 3; do
		d=$T/crash.$try
		mkdir -p "$d" || return 1
		(cd "$d" && "${TIMEOUT[@]}" "$BIN/mrrun" -n 2 --reduces 3 \
			crash "${INPUTS[@]}") 2>"$T/crash.log" ||
			{ REASON="mrrun exited with status $?"; return 1; }
		outputs "$d" | cmp -s - "$T/nocrash.seq/sorted" ||
			{ REASON="output differs from nocrash's"; return 1; }
		grep -Eq 'a worker (died|exited)' "$T/crash.log" && break
	done
	grep -Eq 'a worker (died|exited)' "$T/crash.log" ||
		{ REASON="no worker died in 3 jobs, so nothing was tested"; return 1; }
	# The summary counts the tasks lost with their workers.
	grep -Eq 'run again \([0-9]+ timed out, [1-9][0-9]* lost with their worker, 0 failed\)' \
	    "$T/crash.log" ||
		{ REASON="summary: $(grep 'run again' "$T/crash.log")"; return 1; }
	grep -Eq 'input [0-9.]+ MB, intermediate [0-9.]+ MB, output [0-9.]+ MB' \
	    "$T/crash.log" ||
		{ REASON="no byte counts in the summary"; return 1; }
}

# A plugin that calls exit(0) in a map (once in the job): that ends the
# task's process without a report, which is no sign that the job is over:
# the worker says so and exits 1, as a crashed one, and mrrun replaces the
# only worker; the job ends.
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
	grep -Eq "^mrworker: attempt [0-9]+: the task's process exited with status 0 without a report\$" \
	    "$T/exit0.log" ||
		{ REASON="the worker did not say its task's process exited 0 without a report"; return 1; }
	grep -q 'a worker exited (status 1) before the job was over; starting another' \
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

# A copy of mrrun beside an mrcoordinator and an mrworker that append their
# command line to $T/wrap/log and run the real ones (mrrun starts the
# programs next to it, and finds a bare APP in apps/ there): who was
# started, with what.
wrap_setup() {
	local p

	[ -x "$T/wrap/mrrun" ] && return 0
	mkdir -p "$T/wrap" && cp "$BIN/mrrun" "$T/wrap/mrrun" &&
		ln -s "$BIN/apps" "$T/wrap/apps" || return 1
	for p in mrcoordinator mrworker; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/log"\nexec "%s/%s" "$@"\n' \
			"$p" "$T/wrap" "$BIN" "$p" >"$T/wrap/$p" &&
			chmod +x "$T/wrap/$p" || return 1
	done
}

# Runs the wrapped mrrun with $@ in a fresh folder $T/early.$N with its own
# TMPDIR; sets RC, LINES (its stderr), MS (its time) and WORKERS (how many
# mrworker it started).
EARLY_N=0
early_run() {
	local d start

	EARLY_N=$((EARLY_N + 1))
	d=$T/early.$EARLY_N
	mkdir -p "$d/tmp" && : >"$T/wrap/log"
	start=$(date +%s%N)
	(cd "$d" && TMPDIR=$d/tmp "${TIMEOUT[@]}" "$T/wrap/mrrun" "$@") \
		>/dev/null 2>"$d/err"
	RC=$?
	MS=$((($(date +%s%N) - start) / 1000000))
	LINES=$(cat "$d/err")
	WORKERS=$(grep -c '^mrworker' "$T/wrap/log")
	if compgen -G "$d/tmp/*" >/dev/null; then
		LINES="$LINES [left in TMPDIR: $(ls "$d/tmp")]"
	fi
}

# Checks the last early_run: status $1, exactly the lines $2 (a
# grep -E pattern per line, separated by newlines), under 800 ms, no
# worker started, nothing left in TMPDIR.
early_expect() {
	local want=$1 pattern=$2 what=$3 n

	n=$(printf '%s\n' "$pattern" | wc -l)
	if [ "$RC" -ne "$want" ]; then
		REASON="$what: status $RC, not $want: $LINES"; return 1
	fi
	if [ "$(printf '%s\n' "$LINES" | wc -l)" -ne "$n" ] ||
	    ! printf '%s\n' "$LINES" | paste -d '\n' - <(printf '%s\n' "$pattern") |
	    awk 'NR % 2 { line = $0; next } { if (line !~ $0) exit 1 }'; then
		REASON="$what: expected $n line(s) matching '$pattern', got: $LINES"
		return 1
	fi
	[ "$MS" -lt 800 ] || { REASON="$what: took $MS ms"; return 1; }
	[ "$WORKERS" -eq 0 ] ||
		{ REASON="$what: $WORKERS worker(s) started"; return 1; }
	DETAIL="$DETAIL $what ${MS}ms;"
}

# Refusals before any worker starts, also with -q: one line (a usage error:
# and the hint to --help), at once.
t_early_errors() {
	local hint="^Try 'mrrun --help' for more information\.\$"

	wrap_setup || return 1
	DETAIL=" —"
	early_run -q wc "${INPUTS[0]}" "$T/no-such-input"
	early_expect 1 "^mrcoordinator: $T/no-such-input: No such file or directory\$" \
		"bad input" || return 1
	early_run -q "$FIX/notplugin.so" "${INPUTS[@]}"
	early_expect 1 "^mrrun: $FIX/notplugin.so: " "bad plugin" || return 1
	early_run -q nosuchapp "${INPUTS[@]}"
	early_expect 1 "^mrrun: nosuchapp: no such plugin" "missing plugin" || return 1
	early_run -q --foo wc "${INPUTS[@]}"
	early_expect 2 "^mrrun: unknown option '--foo'\$
$hint" "bad option" || return 1
	early_run -q --split-size 0 wc "${INPUTS[@]}"
	early_expect 2 "^mrrun: --split-size: expected a positive size in bytes \(K, M, G suffixes\), got '0'\$
$hint" "bad value" || return 1
	# A folder holding an earlier job's output.
	mkdir -p "$T/early.old" && : >"$T/early.old/mr-out-0"
	early_run -q -C "$T/early.old" wc "${INPUTS[@]}"
	early_expect 1 "^mrcoordinator: .*mr-out-0" "refused folder" || return 1
	early_run -q --report "$T/no-such-dir/r.json" wc "${INPUTS[@]}"
	early_expect 1 "^mrcoordinator: --report: " "bad report path" || return 1
}

# -n 6 over 2 inputs of one map task each: 2 workers, not 6.
t_few_maps() {
	local d=$T/few

	wrap_setup && mkdir -p "$d" && : >"$T/wrap/log" || return 1
	(cd "$d" && "${TIMEOUT[@]}" "$T/wrap/mrrun" -q -n 6 wc "${INPUTS[0]}" \
		"${INPUTS[1]}") || { REASON="mrrun exited with status $?"; return 1; }
	n=$(grep -c '^mrworker' "$T/wrap/log")
	[ "$n" -eq 2 ] || { REASON="$n workers started for 2 map tasks"; return 1; }
	DETAIL=" — $n workers for 2 map tasks"
}

# The coordinator's and the workers' options given to mrrun reach them, and
# the job does what they say.
t_options_passed() {
	local d=$T/passed c w opt

	wrap_setup && mkdir -p "$d/in" "$d/job" && sequential wc || return 1
	: >"$T/wrap/log"
	(cd "$d/in" && "${TIMEOUT[@]}" "$T/wrap/mrrun" -q -n 2 --split-size 10K \
		--task-timeout 7.5 --memory 8 --progress 0 --allow-changing-inputs \
		--keep-intermediates --overwrite -C "$d/job" -o "$d/out" \
		wc "${INPUTS[@]}") 2>"$d/log" ||
		{ REASON="mrrun exited with status $?: $(cat "$d/log")"; return 1; }
	c=$(grep '^mrcoordinator' "$T/wrap/log")
	for opt in "--split-size 10K" "--task-timeout 7.5" "--progress 0" \
		"--allow-changing-inputs" "--keep-intermediates" "--overwrite" \
		"--job-dir $d/job" "--output-dir $d/out"; do
		[[ " $c " == *" $opt "* ]] ||
			{ REASON="the coordinator did not get $opt: $c"; return 1; }
	done
	w=$(grep '^mrworker' "$T/wrap/log" | head -n 1)
	[[ " $w " == *" --memory 8 "* ]] ||
		{ REASON="the workers did not get --memory 8: $w"; return 1; }
	outputs "$d/out" | cmp -s - "$T/wc.seq/sorted" ||
		{ REASON="output differs from mrsequential's"; return 1; }
	# 6 inputs of 40000 bytes in 10K splits: 4 map tasks each, all kept.
	n=$(find "$d/job" -name 'mr-*-0' | wc -l)
	[ "$n" -eq 24 ] ||
		{ REASON="$n intermediate files of partition 0, not 24"; return 1; }
}

# The pids of processes whose folder is $1.
procs_in() {
	local f

	for f in /proc/[0-9]*/cwd; do
		[ "$(readlink "$f" 2>/dev/null)" = "$1" ] || continue
		f=${f#/proc/}
		printf '%s\n' "${f%/cwd}"
	done
}

# kill -9 of mrrun mid-job: its coordinator and workers go with it, and
# the socket folder does not stay behind.
t_kill9() {
	local d=$T/kill9 p w="" left i start ms

	mkdir -p "$d/tmp" || return 1
	(cd "$d" && TMPDIR=$d/tmp MR_TEST_SLEEP=30 exec "$BIN/mrrun" -q -n 2 \
		"$FIX/slow.so" "${INPUTS[@]}") 2>"$d/log" &
	p=$!
	for ((i = 0; i < 100; i++)); do
		w=$(children_of "$p" mrworker | head -n 1)
		[ -n "$w" ] && break
		sleep 0.05
	done
	[ -n "$w" ] || { REASON="no worker of mrrun showed up"; kill -9 "$p"; return 1; }
	kill -9 "$p"
	wait "$p" 2>/dev/null
	# The maps sleep 30 s: whatever is left at 3 s was not taken along.
	start=$(date +%s%N)
	while :; do
		left=$(procs_in "$d")
		ms=$((($(date +%s%N) - start) / 1000000))
		[ -z "$left" ] && ! compgen -G "$d/tmp/*" >/dev/null && break
		[ "$ms" -lt 3000 ] || break
		sleep 0.05
	done
	if [ -n "$left" ]; then
		# shellcheck disable=SC2086
		kill -9 $left 2>/dev/null
		REASON="processes of the job left 3 s after kill -9: ${left//$'\n'/ }"
		return 1
	fi
	if compgen -G "$d/tmp/*" >/dev/null; then
		REASON="left in TMPDIR: $(ls "$d/tmp")"
		return 1
	fi
	DETAIL=" — all gone after $ms ms"
}

# A TMPDIR too long for a socket path: the job runs all the same (the
# socket folder in /tmp), and leaves nothing in either place.
t_long_tmpdir() {
	local d=$T/longtmp long

	long=$d/$(printf 'x%.0s' {1..100})
	mkdir -p "$long" "$d/job" && sequential wc || return 1
	(cd "$d/job" && TMPDIR=$long "${TIMEOUT[@]}" "$BIN/mrrun" -v -n 2 wc \
		"${INPUTS[@]}") 2>"$d/log" ||
		{ REASON="mrrun exited with status $?: $(grep -v 'mrworker' "$d/log" | head -n 3)"; return 1; }
	outputs "$d/job" | cmp -s - "$T/wc.seq/sorted" ||
		{ REASON="output differs from mrsequential's"; return 1; }
	sock=$(sed -n 's/.*listening on \(.*\)$/\1/p' "$d/log" | head -n 1)
	[[ $sock == /tmp/mrrun-*/mr.sock ]] ||
		{ REASON="socket at '$sock', not in /tmp"; return 1; }
	[ ! -e "${sock%/mr.sock}" ] ||
		{ REASON="${sock%/mr.sock} left behind"; return 1; }
	if compgen -G "$long/*" >/dev/null; then
		REASON="left in TMPDIR: $(ls "$long")"; return 1
	fi
}

# A worker started for a job that is over (mrrun replacing one as the job
# ends) finds no socket: with --if-running it exits 0 at once; without it
# waits as asked and fails.
t_job_over() {
	local d=$T/over start ms rc p i

	mkdir -p "$d" && chmod 700 "$d" || return 1
	start=$(date +%s%N)
	"${TIMEOUT[@]}" "$BIN/mrworker" --if-running --socket "$d/mr.sock" \
		wc 2>"$d/log"
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$rc" -eq 0 ] || { REASON="--if-running: status $rc: $(cat "$d/log")"; return 1; }
	[ "$ms" -lt 500 ] || { REASON="--if-running: took $ms ms"; return 1; }
	[ ! -s "$d/log" ] || { REASON="--if-running said: $(cat "$d/log")"; return 1; }
	# The socket file of a coordinator killed with -9: nobody listens.
	(cd "$d" && exec "$BIN/mrcoordinator" -q --socket "$d/mr.sock" \
		"${INPUTS[0]}") &
	p=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$d/mr.sock" ] && break
		sleep 0.05
	done
	kill -9 "$p"
	wait "$p" 2>/dev/null
	[ -S "$d/mr.sock" ] || { REASON="no coordinator socket to test with"; return 1; }
	"${TIMEOUT[@]}" "$BIN/mrworker" --if-running --socket "$d/mr.sock" \
		wc 2>"$d/log" ||
		{ REASON="--if-running, dead socket: status $?: $(cat "$d/log")"; return 1; }
	"${TIMEOUT[@]}" "$BIN/mrworker" --wait 0.2 --socket "$d/none.sock" \
		wc 2>/dev/null
	rc=$?
	[ "$rc" -eq 1 ] || { REASON="without --if-running: status $rc, not 1"; return 1; }
	DETAIL=" — exit 0 in $ms ms"
}

# Every program: an unknown option, a missing argument and a bad value are
# each one line and the hint to --help, status 2.
t_option_errors() {
	local prog opt out hint want args rc p words

	for prog in mrcoordinator:--reduces mrworker:--socket \
		mrsequential:--split-size mrrun:--workers mrctl:--socket; do
		opt=${prog#*:}
		prog=${prog%%:*}
		hint="Try '$prog --help' for more information."
		for args in "--foo" "-Z" "$opt" "--help=x"; do
			out=$("$BIN/$prog" "$args" 2>&1 >/dev/null)
			rc=$?
			case $args in
			--foo) want="$prog: unknown option '--foo'" ;;
			-Z) want="$prog: unknown option '-Z'" ;;
			--help=x) want="$prog: option '--help' takes no argument" ;;
			*) want="$prog: option '$opt' needs an argument" ;;
			esac
			if [ "$rc" -ne 2 ] || [ "$out" != "$want"$'\n'"$hint" ]; then
				REASON="$prog $args: status $rc, said: $out"
				return 1
			fi
		done
	done
	for prog in "mrcoordinator --reduces 100001 x" "mrworker --memory 0 wc" \
		"mrsequential --split-size 1T wc x" "mrrun --memory x wc x" \
		"mrctl status extra"; do
		read -ra words <<<"$prog"
		out=$("$BIN/${words[0]}" "${words[@]:1}" 2>&1 >/dev/null)
		rc=$?
		p=${prog%% *}
		if [ "$rc" -ne 2 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 2 ] ||
		    [[ $out != "$p: "*$'\n'"Try '$p --help' for more information." ]]; then
			REASON="$prog: status $rc, said: $out"
			return 1
		fi
	done
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
