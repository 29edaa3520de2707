#!/usr/bin/env bash
#
# test-jobdir.sh - black-box tests of the job folder rules: one job per
# folder (a second coordinator, mrrun or mrsequential refused at once,
# naming the folder and the running job's pid; a lock left by a killed
# coordinator blocking nothing), no mixing with an earlier job's files
# (mr-out-Y and mr-X-Y refused, --overwrite removing them, never an input),
# intermediate files removed when the job is done (--keep-intermediates
# keeps them; an interrupted job says what it left), -C and -o with
# relative input names, an unusable job folder refused at start, and `--`
# ending options so that a file named -rf is an input.
#
# usage: scripts/test-jobdir.sh [TEST...]
#
# Prints "PASS: NAME (SECONDSs)" or "FAIL: NAME: REASON" per test, then
# "N passed, M failed"; exits 0 iff none failed. It builds nothing: run
# `make` first. Every process runs under `timeout -k 2s 120s`.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(two-jobs stale-outputs stale-intermediates killed-lock
	intermediates interrupted job-dir unusable-folder dash-dash
	input-kept)
TIMEOUT=(timeout -k 2s 120s)
NINPUTS=4

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
MRRUN=$BIN/mrrun
SLOW=$BIN/test/fixtures/slow.so

ulimit -c 0 2>/dev/null
install_cleanup

NREDUCE=10
COORD_PID=""
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
IMMUTABLE=""	# a folder made immutable, made mutable again at the end

# Prepares test $1: a fresh job folder and log folder, and cds into it.
setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	NREDUCE=10
	COORD_PID=""
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# Starts a coordinator on the inputs with options "$@", as
# $LOGS/coordinator.{log,rc}, and waits for its socket.
start_coordinator() {
	spawn coordinator "$COORD" --socket "$SOCK" "$@" "${INPUTS[@]}"
	COORD_PID=$STARTED
	wait_socket
}

# Starts N workers of app $2 (a path) on SOCK.
start_workers() {
	local i

	for ((i = 0; i < $1; i++)); do
		spawn_worker "$WORKER" --socket "$SOCK" "$2"
	done
}

# Waits for the coordinator; fails unless it exited 0.
wait_coordinator() {
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator
}

# run LOG CMD...: runs CMD in the foreground under timeout, output to
# $LOGS/LOG.log; sets RC to its exit status.
run() {
	local log=$1

	shift
	"${TIMEOUT[@]}" "$@" >"$LOGS/$log.log" 2>&1
	RC=$?
}

# refused LOG WHAT PATTERN: fails unless the last run exited 1 with a
# message matching the extended regular expression PATTERN.
refused() {
	if [ "$RC" -ne 1 ]; then
		REASON="$2: exit status $RC, not 1 ($(head -n 1 "$LOGS/$1.log"))"
		return 1
	fi
	if ! grep -Eq -- "$3" "$LOGS/$1.log"; then
		REASON="$2: message '$(head -n 1 "$LOGS/$1.log")' does not match '$3'"
		return 1
	fi
}

# The expected output of wc on the inputs, in $LOGS/correct.txt.
expect_wc() {
	sequential wc "${INPUTS[@]}"
}

# Fails unless folder $1 holds exactly NREDUCE outputs whose sorted lines
# are those of $LOGS/correct.txt.
check_outputs() {
	local n

	local files=()

	mapfile -t files < <(find "$1" -maxdepth 1 -regex '.*/mr-out-[0-9]+')
	n=${#files[@]}
	[ "$n" -eq "$NREDUCE" ] ||
		{ REASON="$n mr-out-Y in $1, not $NREDUCE"; return 1; }
	cat -- "${files[@]}" | grep . | sort >"$LOGS/all.txt"
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" "mrsequential's"
}

# Counts the intermediate files mr-X-Y in folder $1 into NINTER.
count_intermediates() {
	NINTER=$(find "$1" -maxdepth 1 -regex '.*/mr-[0-9]+-[0-9]+' | wc -l)
}

# ---------------------------------------------------------------------------
# The tests.

# While a job runs (slow map tasks), a second coordinator, mrrun and
# mrsequential in the same folder are refused at once, naming the folder
# and the running coordinator's pid; the first job's output is then right.
t_two_jobs() {
	local pid prog start now ms

	sequential nocrash "${INPUTS[@]}" || return 1
	start_coordinator || return 1
	MR_TEST_SLEEP=2 start_workers 2 "$SLOW"
	for prog in coordinator mrrun mrsequential; do
		start=$(date +%s%N)
		case $prog in
		coordinator) run second "$COORD" --socket "$DIR/other.sock" \
			--reduces 3 "${INPUTS[0]}" ;;
		mrrun) run second "$MRRUN" -n 1 -r 3 wc "${INPUTS[0]}" ;;
		mrsequential) run second "$SEQ" wc "${INPUTS[0]}" ;;
		esac
		now=$(date +%s%N)
		ms=$(((now - start) / 1000000))
		refused second "second $prog" \
			"^mr[a-z]+: $DIR: another job is running in this folder \\(mrcoordinator, pid [0-9]+\\)" ||
			return 1
		[ "$ms" -lt 3000 ] ||
			{ REASON="second $prog refused only after $ms ms"; return 1; }
		pid=$(sed -nE 's/.*pid ([0-9]+)\).*/\1/p' "$LOGS/second.log")
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mrcoordinator ] &&
		    [ "$(readlink "/proc/$pid/cwd")" = "$DIR" ] ||
			{ REASON="pid $pid named by the second $prog is not the running coordinator"; return 1; }
	done
	[ ! -e "$DIR/other.sock" ] ||
		{ REASON="the refused coordinator made its socket"; return 1; }
	wait_coordinator || return 1
	check_outputs "$DIR" || return 1
	wait_workers_ok
}

# Fails unless every worker started exited 0.
wait_workers_ok() {
	local p f

	for p in ${WAIT_PIDS[@]+"${WAIT_PIDS[@]}"}; do
		wait "$p" 2>/dev/null
	done
	for f in ${WORKER_RCS[@]+"${WORKER_RCS[@]}"}; do
		[ "$(cat "$f" 2>/dev/null)" = 0 ] ||
			{ REASON="a worker exited with status $(cat "$f" 2>/dev/null)"; return 1; }
	done
}

# A job with 10 reduces, then one with 3 in the same folder: refused,
# nothing touched; with --overwrite, exactly the 3 new outputs, right.
# mrrun and mrsequential refuse the same folder too.
t_stale_outputs() {
	local before

	expect_wc || return 1
	run first "$MRRUN" -q -n 2 wc "${INPUTS[@]}"
	[ "$RC" -eq 0 ] || { REASON="first job: status $RC"; return 1; }
	before=$(cksum mr-out-*)
	run second "$COORD" --socket "$SOCK" --reduces 3 "${INPUTS[@]}"
	refused second "coordinator over mr-out-*" \
		"^mrcoordinator: $DIR: holds mr-out-0 and 9 other files from an earlier job .*--overwrite" ||
		return 1
	run second "$MRRUN" -n 1 -r 3 wc "${INPUTS[@]}"
	refused second "mrrun over mr-out-*" "^mrcoordinator: $DIR: holds mr-out-0 " || return 1
	[ ! -e .mr-lock ] || { REASON="the refused mrrun left a lock file"; return 1; }
	run second "$SEQ" wc "${INPUTS[@]}"
	refused second "mrsequential over mr-out-*" "^mrsequential: $DIR: holds mr-out-0 " ||
		return 1
	[ "$(cksum mr-out-*)" = "$before" ] ||
		{ REASON="a refused job changed the outputs"; return 1; }
	[ ! -e "$SOCK" ] && [ ! -e .mr-lock ] ||
		{ REASON="a refused job left its socket or lock"; return 1; }
	run third "$MRRUN" -n 2 -r 3 --overwrite wc "${INPUTS[@]}"
	[ "$RC" -eq 0 ] || { REASON="--overwrite: status $RC"; return 1; }
	grep -q "removed 10 files of an earlier job from $DIR" "$LOGS/third.log" ||
		{ REASON="--overwrite did not say what it removed"; return 1; }
	NREDUCE=3
	check_outputs "$DIR" || return 1
	# mrsequential's own folder: refused, then replaced with --overwrite.
	mkdir seq && cd seq || return 1
	run seq1 "$SEQ" wc ../"${INPUTS[0]}"
	[ "$RC" -eq 0 ] || { REASON="mrsequential: status $RC"; return 1; }
	run seq2 "$SEQ" wc ../"${INPUTS[0]}"
	refused seq2 "mrsequential over its own mr-out-0" \
		"^mrsequential: $DIR/seq: holds mr-out-0 from an earlier job" || return 1
	run seq3 "$SEQ" --overwrite wc ../"${INPUTS[0]}"
	[ "$RC" -eq 0 ] || { REASON="mrsequential --overwrite: status $RC"; return 1; }
}

# Intermediate files alone (an interrupted job's) are refused as well.
t_stale_intermediates() {
	expect_wc || return 1
	printf 'x 1\n' >mr-0-3
	run second "$COORD" --socket "$SOCK" "${INPUTS[@]}"
	refused second "coordinator over mr-0-3" \
		"^mrcoordinator: $DIR: holds mr-0-3 from an earlier job; remove it, use another folder, or give --overwrite" ||
		return 1
	# Names that are not job files do not count.
	touch mr-out-0.txt mr-done mr-x-1
	start_coordinator --overwrite || return 1
	start_workers 2 "$APPS/wc.so"
	wait_coordinator || return 1
	check_outputs "$DIR" || return 1
	[ -e mr-out-0.txt ] && [ -e mr-done ] && [ -e mr-x-1 ] ||
		{ REASON="--overwrite removed a file that is not a job file"; return 1; }
	wait_workers_ok && check_clean mr-out-0.txt mr-done mr-x-1
}

# A coordinator killed with SIGKILL leaves its lock file, which does not
# block the next job in the folder.
t_killed_lock() {
	expect_wc || return 1
	start_coordinator || return 1
	[ -e .mr-lock ] || { REASON="no lock file while the job runs"; return 1; }
	collect_tree
	kill -KILL "${TREE[@]}" 2>/dev/null
	wait "$COORD_PID" 2>/dev/null
	[ -e .mr-lock ] || { REASON="the killed coordinator's lock file is gone: nothing was tested"; return 1; }
	rm -f -- "$SOCK"
	start_coordinator || return 1
	start_workers 2 "$APPS/wc.so"
	wait_coordinator || return 1
	check_outputs "$DIR" || return 1
	wait_workers_ok && check_clean
}

# Once the job is done its mr-X-Y are gone (and were there: see
# --keep-intermediates, which keeps all of them).
t_intermediates() {
	expect_wc || return 1
	start_coordinator --keep-intermediates || return 1
	start_workers 2 "$APPS/wc.so"
	wait_coordinator || return 1
	count_intermediates "$DIR"
	[ "$NINTER" -eq $((NINPUTS * NREDUCE)) ] ||
		{ REASON="--keep-intermediates kept $NINTER mr-X-Y, not $((NINPUTS * NREDUCE))"; return 1; }
	grep -q "kept $NINTER intermediate files (mr-X-Y) in $DIR" "$LOGS/coordinator.log" ||
		{ REASON="--keep-intermediates does not say what it kept"; return 1; }
	wait_workers_ok || return 1
	rm -f -- mr-out-*
	run again "$MRRUN" -q -n 2 wc "${INPUTS[@]}"
	refused again "a job over kept mr-X-Y" "^mrcoordinator: $DIR: holds mr-0-0 and 39 other files" ||
		return 1
	run again "$MRRUN" -q -n 2 --overwrite wc "${INPUTS[@]}"
	[ "$RC" -eq 0 ] || { REASON="mrrun --overwrite: status $RC"; return 1; }
	count_intermediates "$DIR"
	[ "$NINTER" -eq 0 ] || { REASON="$NINTER mr-X-Y left after the job"; return 1; }
	check_outputs "$DIR" && check_clean
}

# SIGTERM mid-job: status 1, and the log says what it left, and where.
t_interrupted() {
	local i p n

	start_coordinator || return 1
	MR_TEST_SLEEP=0.2 start_workers 1 "$SLOW"
	MR_TEST_SLEEP=30 start_workers 1 "$SLOW"
	for ((i = 0; i < 100; i++)); do
		count_intermediates "$DIR"
		[ "$NINTER" -ge "$NREDUCE" ] && break
		sleep 0.1
	done
	[ "$NINTER" -ge "$NREDUCE" ] || { REASON="no map task done in 10 s"; return 1; }
	collect_tree
	for p in "${TREE[@]}"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = mrcoordinator ] &&
			kill -TERM "$p"
	done
	wait "$COORD_PID" 2>/dev/null
	[ "$(cat "$LOGS/coordinator.rc")" = 1 ] ||
		{ REASON="interrupted coordinator: status $(cat "$LOGS/coordinator.rc")"; return 1; }
	# A worker may finish a map task after the count: at least one's.
	# The journal stays with them: the same job run again resumes.
	n=$(sed -nE "s|^mrcoordinator: left ([0-9]+) intermediate files \\(mr-X-Y\\) and 0 outputs \\(mr-out-Y\\) for the job's journal: the same job run again in $DIR resumes from them \\(--no-resume starts over\\)\$|\\1|p" \
	    "$LOGS/coordinator.log")
	[ -n "$n" ] && [ "$n" -ge "$NREDUCE" ] ||
		{ REASON="no line saying what was left: $(tail -n 1 "$LOGS/coordinator.log")"; return 1; }
	[ ! -e .mr-lock ] || { REASON="the lock file is left"; return 1; }
	[ -e .mr-journal ] || { REASON="no journal left to resume from"; return 1; }
}

# -C and -o: intermediate files in the job folder, outputs in the output
# folder (made), relative input names those of the current folder.
t_job_dir() {
	expect_wc || return 1
	mkdir work || return 1
	start_coordinator -C work -o out || return 1
	start_workers 2 "$APPS/wc.so"
	wait_coordinator || return 1
	check_outputs "$DIR/out" || return 1
	[ -z "$(ls -A work)" ] ||
		{ REASON="the job folder is not empty: $(ls -A work | head -n 3)"; return 1; }
	[ -z "$(ls mr-* 2>/dev/null)" ] ||
		{ REASON="files in the current folder: $(ls mr-* | head -n 3)"; return 1; }
	wait_workers_ok || return 1
	# mrrun passes them on; a second run to the same -o is refused.
	run mrrun "$MRRUN" -q -n 2 -C work -o out2 wc "${INPUTS[@]}"
	[ "$RC" -eq 0 ] || { REASON="mrrun -C -o: status $RC"; return 1; }
	check_outputs "$DIR/out2" || return 1
	run mrrun "$MRRUN" -q -n 2 -o out2 wc "${INPUTS[@]}"
	refused mrrun "mrrun -o over outputs" "^mrcoordinator: $DIR/out2: holds mr-out-0 " || return 1
	[ -z "$(ls -A work)" ] ||
		{ REASON="mrrun left files in the job folder: $(ls -A work | head -n 3)"; return 1; }
}

# A job folder that is missing, not a folder or not writable is refused
# at once, naming it, before the socket exists.
t_unusable_folder() {
	local d

	touch afile
	mkdir ro || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chattr +i ro 2>/dev/null || { REASON="chattr +i failed: cannot make a folder unwritable as root"; return 1; }
		IMMUTABLE=$DIR/ro
	else
		chmod 0555 ro || return 1
		RESTORE_MODES=1
	fi
	for d in missing afile ro; do
		run bad "$COORD" --socket "$SOCK" -C "$d" "${INPUTS[@]}"
		refused bad "coordinator -C $d" "^mrcoordinator: job folder $d: " || return 1
		[ ! -e "$SOCK" ] || { REASON="-C $d: the socket was made"; return 1; }
		run bad "$MRRUN" -n 1 -C "$d" wc "${INPUTS[@]}"
		refused bad "mrrun -C $d" "^mrcoordinator: job folder $d: " || return 1
	done
	run bad "$COORD" --socket "$SOCK" -o ro/sub "${INPUTS[@]}"
	refused bad "coordinator -o ro/sub" "^mrcoordinator: output folder ro/sub: cannot create it" ||
		return 1
	if [ -n "$IMMUTABLE" ]; then
		chattr -i "$IMMUTABLE" && IMMUTABLE=""
	fi
}

# `--` ends options: a file named -rf is an input of mrcoordinator, mrrun
# and mrsequential, and is still there afterwards.
t_dash_dash() {
	cp -- "$T/inputs/${INPUTS[0]##*/}" ./-rf || return 1
	mkdir seq && (cd seq && cp ../-rf . && "${TIMEOUT[@]}" "$SEQ" wc -- -rf) \
		>"$LOGS/seq.log" 2>&1 || { REASON="mrsequential wc -- -rf failed"; return 1; }
	sort seq/mr-out-0 >"$LOGS/correct.txt"
	rm -rf seq
	spawn coordinator "$COORD" --socket "$SOCK" -- -rf
	COORD_PID=$STARTED
	wait_socket || return 1
	start_workers 1 "$APPS/wc.so"
	wait_coordinator || return 1
	check_outputs "$DIR" || return 1
	wait_workers_ok || return 1
	run mrrun "$MRRUN" -q -n 1 --overwrite wc -- -rf
	[ "$RC" -eq 0 ] || { REASON="mrrun wc -- -rf: status $RC"; return 1; }
	check_outputs "$DIR" || return 1
	[ -f ./-rf ] || { REASON="the input -rf is gone"; return 1; }
}

# --overwrite never removes an input of the job: an earlier job's output
# given as an input, by its name or through a link, is refused, and kept.
t_input_kept() {
	run first "$MRRUN" -q -n 1 -r 2 wc "${INPUTS[@]}"
	[ "$RC" -eq 0 ] || { REASON="first job: status $RC"; return 1; }
	run second "$MRRUN" -q -n 1 --overwrite wc mr-out-1
	refused second "mrrun --overwrite over its input" \
		"^mrcoordinator: mr-out-1: an input of this job is a file of an earlier job in $DIR" ||
		return 1
	run second "$COORD" --socket "$SOCK" --overwrite "$DIR/mr-out-0"
	refused second "coordinator --overwrite over its input" \
		"^mrcoordinator: $DIR/mr-out-0: an input of this job is a file of an earlier job" ||
		return 1
	run second "$SEQ" --overwrite wc mr-out-0
	refused second "mrsequential --overwrite over its input" \
		"^mrsequential: mr-out-0: an input of this job" || return 1
	ln -s mr-out-1 counts.txt || { REASON="cannot make a link"; return 1; }
	run second "$COORD" --socket "$SOCK" --overwrite counts.txt
	refused second "coordinator --overwrite over its input through a link" \
		"^mrcoordinator: counts.txt: an input of this job is a file of an earlier job in $DIR" ||
		return 1
	[ -s mr-out-0 ] && [ -s mr-out-1 ] || { REASON="an input was removed"; return 1; }
}

# ---------------------------------------------------------------------------

# The EXIT trap also makes an immutable folder removable again.
on_exit_jobdir() {
	[ -z "$IMMUTABLE" ] || chattr -i "$IMMUTABLE" 2>/dev/null
	on_exit
}

select_tests "$@"
require_system
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$MRRUN" "$SLOW" \
	"$APPS/wc.so"
if [ "${#MISSING[@]}" -gt 0 ]; then
	printf '%s: missing %s\n' "$PROG" "${MISSING[@]}" >&2
	die "build them first (make test builds them all)"
fi
trap on_exit_jobdir EXIT
make_temp_folder test-jobdir
make_inputs "$NINPUTS" '*.txt' --files "$NINPUTS" --bytes-per-file 30000
POST_CHECK=sanitizer_check
run_selected
