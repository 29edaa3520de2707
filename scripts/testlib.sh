# shellcheck shell=bash
#
# testlib.sh - what the black-box test scripts test-mr.sh, test-faults.sh,
# test-hostile.sh, test-status.sh, test-report.sh, test-jobdir.sh,
# test-security.sh, test-inputs.sh, test-sources.sh, test-pack.sh,
# test-mrpipe.sh, test-worker.sh, test-recovery.sh, test-backup.sh,
# test-sdk.sh and test-streaming.sh have in common: the paths of the
# programs, the cleanup of
# every process they start and of their temporary folder, the job folder,
# the generated corpus, the usual job checks, the check of logs for
# sanitizer reports, the parsing of test names and the PASS/FAIL runner.
# It is sourced, not run.
#
# The sourcing script sets, before sourcing it:
#   PROG       its name, for messages
#   ALL_TESTS  its test names, in the order they run by default
#   TIMEOUT    the timeout command every process runs under, last word the
#              limit (e.g. timeout -k 2s 180s)
# and defines setup_test NAME (a fresh job folder, state reset) and one
# function t_NAME per test, dashes as underscores. A test step returns 0,
# or sets REASON and returns 1. Its main part then runs install_cleanup,
# select_tests "$@", require_system, its own check of what is built (with
# find_missing), make_temp_folder, make_inputs and, last, run_selected,
# whose status is the script's.
#
# Environment: BUILD (folder of the programs, relative to the repository
# root or absolute; default build) and KEEP=1 (keep the temporary folder).

# ---------------------------------------------------------------------------
# Messages and programs.

# Lists the test names, for -h and for a bad argument.
usage() {
	printf 'usage: %s [TEST...]\ntests: %s\n' "$PROG" "${ALL_TESTS[*]}"
}

# Reports a fatal error (a setup problem, not a test failure) and exits 1.
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
# The programs of BUILD, for the sourcing script.
# shellcheck disable=SC2034 # not all of them are used here
declare COORD=$BIN/mrcoordinator WORKER=$BIN/mrworker SEQ=$BIN/mrsequential \
	GENCORPUS=$BIN/gencorpus APPS=$BIN/apps

# ---------------------------------------------------------------------------
# Processes. Every process a test starts is a descendant of the script's
# shell; the cleanup finds them all in /proc (so it needs neither ps nor
# pgrep) and kills them, those started by loops in the background included.

declare -A KIDS_OF	# parent pid -> " pid pid ..."
TREE=()			# descendants of a process

# Fills KIDS_OF from /proc/PID/stat ("pid (comm) state ppid ..."), the one
# view of the process tree that needs no tool.
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

# Sets TREE to every descendant of process $1 (default: this shell), from
# the last scan_procs, so that a whole tree can be found or signalled.
tree_of() {
	local queue=() kids=() p

	TREE=()
	read -ra queue <<<"${KIDS_OF[${1:-$$}]-}"
	while [ "${#queue[@]}" -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		TREE+=("$p")
		read -ra kids <<<"${KIDS_OF[$p]-}"
		queue+=(${kids[@]+"${kids[@]}"})
	done
}

# Sets TREE to every descendant of this shell as it is now.
collect_tree() {
	scan_procs
	tree_of "$$"
}

# True while process $1 exists and is not a zombie: a zombie has exited.
is_alive() {
	local line

	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	line=${line##*) }
	[ "${line%% *}" != Z ]
}

# Sets ASAN_PRELOAD to what LD_PRELOAD must name before a shim for program
# $1: nothing for a build without AddressSanitizer; for a sanitized one the
# path of its runtime, which must come first among the libraries, or
# "unavailable" when ldd does not find it.
asan_preload() {
	ASAN_PRELOAD=""
	grep -q -a __asan_init "$1" 2>/dev/null || return 0
	ASAN_PRELOAD=$(ldd "$1" 2>/dev/null |
		sed -n 's/^[[:space:]]*libasan[^ ]* => \([^ ]*\) .*/\1/p' | head -n 1)
	if [ -z "$ASAN_PRELOAD" ] || [ ! -f "$ASAN_PRELOAD" ]; then
		ASAN_PRELOAD=unavailable
	fi
}

# Sets UNNAMED to the number of files of folder $1 without a name (O_TMPFILE
# files, and those removed since they were opened: /proc shows their links
# as "FOLDER/NAME (deleted)") that process $2 and its descendants hold open.
unnamed_held() {
	local dir p fd target rest

	dir=$(cd -- "$1" && pwd -P) || return 1
	scan_procs
	tree_of "$2"
	UNNAMED=0
	for p in "$2" ${TREE[@]+"${TREE[@]}"}; do
		for fd in /proc/"$p"/fd/*; do
			target=$(readlink -- "$fd" 2>/dev/null) || continue
			[[ $target == "$dir/"*" (deleted)" ]] || continue
			rest=${target#"$dir/"}
			[[ $rest == */* ]] || UNNAMED=$((UNNAMED + 1))
		done
	done
}

# Kills every descendant of this shell, then reaps all its children, so
# that nothing outlives a test and no finished job is left for the next
# test's `wait -n` either.
kill_all() {
	local prev="" p i alive

	collect_tree
	# Stop the whole tree first, until no new process shows up, so that no
	# loop can start another process while we kill.
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

T=""			# the temporary folder, once made
RESTORE_MODES=0		# 1: chmod -R u+rwX $T before removing or keeping it

# The EXIT trap: kills what is left and removes $T (or keeps it, KEEP=1),
# however the script ends, keeping its exit status.
on_exit() {
	local rc=$?

	trap - EXIT INT TERM
	kill_all
	if [ -n "$T" ] && [ -d "$T" ]; then
		cd / || :
		if [ "$RESTORE_MODES" = 1 ]; then
			chmod -R u+rwX -- "$T" 2>/dev/null
		fi
		if [ "${KEEP:-0}" = 1 ]; then
			printf '%s: kept %s\n' "$PROG" "$T" >&2
		else
			rm -rf -- "$T"
		fi
	fi
	exit "$rc"
}

# Installs on_exit, so that an interrupted run cleans up as a finished one.
install_cleanup() {
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---------------------------------------------------------------------------
# Test steps, for the current test. setup_test sets NAME, DIR, SOCK and LOGS.

NAME=""		# current test
# shellcheck disable=SC2034 # for the tests themselves
DIR=""		# its job folder, the cwd of its processes
SOCK=""		# its socket
LOGS=""		# its logs, outside the job folder
REASON=""	# why it failed
DETAIL=""	# figures for its PASS line, after " — "
NOTE=""		# more figures, on an indented line after PASS
SKIP=""		# set by a test that cannot run on this machine: why

# enter_job_folder MAX FOLDER...: creates the folders and cds into the
# first, the job folder; fails unless SOCK is shorter than MAX bytes, which
# a Unix socket path must be.
enter_job_folder() {
	local max=$1

	shift
	if ! mkdir -p -- "$@" || ! cd -- "$1"; then
		REASON="cannot create $1"
		return 1
	fi
	if [ "${#SOCK}" -ge "$max" ]; then
		REASON="socket path too long for a Unix socket: $SOCK (set TMPDIR to a shorter folder)"
		return 1
	fi
}

# Starts "$@" in the background under timeout, output to $LOGS/$1.log and
# exit status to $LOGS/$1.rc (missing while it runs), so that its end can
# be checked later. Sets STARTED.
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

# Spawns worker command "$@" as worker-N (N counting NPROCS up) and records
# it in WAIT_PIDS and WORKER_RCS, which the script's wait_workers checks.
spawn_worker() {
	NPROCS=$((NPROCS + 1))
	spawn "worker-$NPROCS" "$@"
	WAIT_PIDS+=("$STARTED")
	WORKER_RCS+=("$LOGS/worker-$NPROCS.rc")
}

# Waits up to 10 s for the coordinator to listen on SOCK, so that workers
# find it; fails at once when it has exited already, which it reports in
# file $1 (default $LOGS/coordinator.rc).
# shellcheck disable=SC2120 # $1 is optional
wait_socket() {
	local rcfile=${1:-$LOGS/coordinator.rc} i

	for ((i = 0; i < 100; i++)); do
		if [ -S "$SOCK" ]; then
			return 0
		fi
		if [ -e "$rcfile" ]; then
			REASON="coordinator exited with status $(<"$rcfile") before creating $SOCK"
			return 1
		fi
		sleep 0.1
	done
	REASON="coordinator did not create $SOCK within 10 s"
	return 1
}

# coordinator_status FILE LABEL: fails unless the exit status in FILE,
# written by an exited coordinator (LABEL in messages), is 0; a timeout
# shows as having run longer than TIMEOUT allows.
coordinator_status() {
	local rc

	if [ ! -e "$1" ]; then
		REASON="$2 vanished without an exit status"
		return 1
	fi
	rc=$(<"$1")
	case $rc in
	0) return 0 ;;
	124 | 137) REASON="$2 still running after ${TIMEOUT[-1]%s} s, killed" ;;
	*) REASON="$2 exited with status $rc" ;;
	esac
	return 1
}

# sequential APP INPUT...: runs mrsequential with app APP (a name in apps/)
# on the inputs, in the sibling folder $T/$NAME.seq so that the input names
# are the same as the job's, and writes its sorted output to
# $LOGS/correct.txt, the expected output of the job.
sequential() {
	local app=$1 seqdir=$T/$NAME.seq rc

	shift
	if ! mkdir -p -- "$seqdir"; then
		REASON="cannot create $seqdir"
		return 1
	fi
	(cd -- "$seqdir" &&
		"${TIMEOUT[@]}" "$SEQ" "$APPS/$app.so" "$@") \
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

# Prints the sorted non-empty output lines: the lab's `sort mr-out* | grep .`.
outputs() {
	local f=(mr-out*)

	[ -e "${f[0]}" ] || return 0
	sort -- "${f[@]}" | grep .
}

# compare_output FILE EXPECTED WHOSE: fails unless the output in FILE is
# the expected one (which WHOSE names in the message); the start of the
# difference goes to $LOGS/output.diff, which show_logs prints.
compare_output() {
	if cmp -s "$1" "$2"; then
		return 0
	fi
	diff "$2" "$1" | head -n 20 >"$LOGS/output.diff"
	REASON="output differs from $3 ($(wc -l <"$1") lines vs $(wc -l <"$2"); diff in $LOGS/output.diff)"
	return 1
}

# Checks the job folder once the job is done, for what a job must leave:
# all of mr-out-0 .. mr-out-(NREDUCE-1) and no other mr-out-*, no .mrtmp-*
# temporary file, no intermediate file mr-X-Y (removed once the job is
# done), no lock file, no socket, and nothing but mr-out-Y and the names
# given as arguments.
# shellcheck disable=SC2120 # the arguments are optional
check_clean() {
	local f i n=0 tmp=() inter=() other=() ok

	for ((i = 0; i < NREDUCE; i++)); do
		if [ ! -f "mr-out-$i" ]; then
			REASON="mr-out-$i is missing"
			return 1
		fi
	done
	for f in mr-out-*; do
		[[ $f =~ ^mr-out-[0-9]+$ ]] && n=$((n + 1))
	done
	if [ "$n" -ne "$NREDUCE" ]; then
		REASON="$n mr-out-* files rather than $NREDUCE"
		return 1
	fi
	for f in .[!.]* ..?* *; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		if [[ $f == .mrtmp-* ]]; then
			tmp+=("$f")
		elif [[ $f =~ ^mr-[0-9]+-[0-9]+$ ]]; then
			inter+=("$f")
		elif [ "$f" = "${SOCK##*/}" ]; then
			REASON="the coordinator left its socket $SOCK behind"
			return 1
		elif [ "$f" = .mr-lock ]; then
			REASON="the coordinator left its lock file .mr-lock behind"
			return 1
		elif ! [[ $f =~ ^mr-out-[0-9]+$ ]]; then
			ok=0
			for i in "$@"; do
				[ "$f" = "$i" ] && ok=1
			done
			[ "$ok" -eq 1 ] || other+=("$f")
		fi
	done
	if [ "${#tmp[@]}" -gt 0 ]; then
		REASON="temporary files left behind: ${tmp[*]}"
		return 1
	fi
	if [ "${#inter[@]}" -gt 0 ]; then
		REASON="${#inter[@]} intermediate files left behind: ${inter[*]:0:3} ..."
		return 1
	fi
	if [ "${#other[@]}" -gt 0 ]; then
		REASON="unexpected files in the job folder: ${other[*]}"
		return 1
	fi
}

# ---------------------------------------------------------------------------
# Setup and the runner.

# Prints milliseconds $1 as seconds with one decimal, truncated.
fmt_s() {
	printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100))
}

# Sets SELECTED to the tests named in "$@" (default: all), so that one test
# can be run alone; exits 0 after -h, 2 on an unknown test or option.
select_tests() {
	local arg t found

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
}

# Dies unless the system has what the runner relies on: GNU timeout for
# every process, /proc for the cleanup.
require_system() {
	command -v timeout >/dev/null 2>&1 || die "timeout (GNU coreutils) not found"
	[ -d /proc/self ] || die "/proc is not mounted"
}

# Sets MISSING to those of files "$@" that are not there to be used: a
# plugin (*.so) must be readable, anything else executable.
find_missing() {
	local f

	MISSING=()
	for f in "$@"; do
		case $f in
		*.so) [ -f "$f" ] && [ -r "$f" ] ;;
		*) [ -f "$f" ] && [ -x "$f" ] ;;
		esac || MISSING+=("$f")
	done
}

# make_temp_folder PREFIX [FOLDER...]: sets T to a new temporary folder
# ($TMPDIR/PREFIX.XXXXXX, physical path) holding logs/ and the FOLDERs;
# on_exit removes it.
make_temp_folder() {
	local prefix=$1 sub dirs

	shift
	T=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX") ||
		die "cannot create a temporary folder"
	T=$(cd -P -- "$T" && pwd -P) || die "cannot enter $T"
	dirs=("$T/logs")
	for sub in "$@"; do
		dirs+=("$T/$sub")
	done
	mkdir -p -- "${dirs[@]}" || die "cannot create $T/logs"
}

# make_inputs COUNT GLOB [OPTION...]: has gencorpus write the corpus to
# $T/inputs with those options, and sets INPUTS to the files matching GLOB
# there, named from a job folder (../inputs/NAME); dies unless there are
# COUNT of them.
make_inputs() {
	local count=$1 glob=$2 f

	shift 2
	if ! "${TIMEOUT[@]}" "$GENCORPUS" "$@" "$T/inputs" \
		>"$T/logs/gencorpus.log" 2>&1; then
		cat -- "$T/logs/gencorpus.log" >&2
		die "gencorpus failed"
	fi
	INPUTS=()
	# shellcheck disable=SC2231 # GLOB is a pattern, to be expanded here
	for f in "$T"/inputs/$glob; do
		[ -f "$f" ] && INPUTS+=("../inputs/${f##*/}")
	done
	if [ "${#INPUTS[@]}" -ne "$count" ]; then
		die "gencorpus wrote ${#INPUTS[@]} inputs rather than $count"
	fi
}

POST_CHECK=""	# command run after a passing test; its failure fails it

# Prints the end of the logs of the failed test on stderr, to show why
# without a look in $T.
show_logs() {
	local f

	for f in "$LOGS"/*.log "$LOGS"/*.diff; do
		[ -s "$f" ] || continue
		printf '    --- %s (last lines)\n' "${f##*/}"
		tail -n 8 -- "$f" | sed 's/^/    /'
	done >&2
}

# What a sanitized build (SANITIZE=1) prints when it finds a bug.
SANITIZER_RE='ERROR: (Address|Leak)Sanitizer|runtime error: |WARNING: .*Sanitizer'

# Fails when a log of the test holds a sanitizer report: a POST_CHECK, run
# after each test that passed, once all it started is gone.
sanitizer_check() {
	local f

	for f in "$LOGS"/*; do
		[ -f "$f" ] || continue
		if grep -q -E "$SANITIZER_RE" "$f"; then
			REASON="sanitizer report in ${f##*/}: $(grep -m 1 -E "$SANITIZER_RE" "$f")"
			return 1
		fi
	done
}

# Runs test $1 and prints its result line ("SKIPPED: NAME: WHY" when the
# test set SKIP and returned 0: this machine cannot run it): "PASS: NAME (SECONDSs)", then
# " — DETAIL" if set and NOTE on a line of its own if set, or "FAIL: NAME:
# REASON" and the end of its logs. Whatever the test started is killed
# first, so that POST_CHECK sees complete logs.
run_test() {
	local name=$1 start end ms ok

	REASON=""
	DETAIL=""
	NOTE=""
	SKIP=""
	start=$(date +%s%N)
	setup_test "$name" && "t_${name//-/_}"
	ok=$?
	end=$(date +%s%N)
	cd -- "$T" || die "cannot cd to $T"
	kill_all	# whatever of this test still runs
	if [ "$ok" -eq 0 ] && [ -n "$POST_CHECK" ]; then
		"$POST_CHECK" || ok=1
	fi
	ms=$(((end - start) / 1000000))
	if [ "$ok" -eq 0 ] && [ -n "$SKIP" ]; then
		# Neither passed nor failed: the machine cannot run it.
		printf 'SKIPPED: %s: %s\n' "$name" "$SKIP"
	elif [ "$ok" -eq 0 ]; then
		printf 'PASS: %s (%ss)%s\n' "$name" "$(fmt_s "$ms")" \
			"${DETAIL:+ — $DETAIL}"
		[ -z "$NOTE" ] || printf '    %s\n' "$NOTE"
		PASSED=$((PASSED + 1))
	else
		printf 'FAIL: %s: %s\n' "$name" "${REASON:-failed}"
		show_logs
		FAILED=$((FAILED + 1))
	fi
}

# Runs the SELECTED tests and prints "N passed, M failed"; fails if any
# failed, which makes the script's exit status.
run_selected() {
	local t

	PASSED=0
	FAILED=0
	for t in "${SELECTED[@]}"; do
		run_test "$t"
	done
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ]
}
