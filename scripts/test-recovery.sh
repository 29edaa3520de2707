#!/usr/bin/env bash
#
# test-recovery.sh - black-box tests of a job that survives its
# coordinator: the coordinator killed with SIGKILL at random moments of a
# job (map phase, phase change, reduce phase) 20 times in a row, started
# again each time with the same command, the same three workers waiting
# for it (--reconnect) and rejoining: each time the output and the counters
# equal mrsequential's, and map ran at most once per map task plus once per
# map attempt in flight at the kill (the recount fixture leaves a marker
# per map call), every task accepted before the kill being kept; a journal
# whose last record was torn by the death (cut short) resumes all the same,
# saying so; a different job in the folder is refused naming the
# difference and starts over with --no-resume; a worker of another plugin
# is refused with the job's plugin named; mrrun killed with SIGKILL and run
# again resumes, saying how many tasks it kept; the report of a resumed job
# lists the kept tasks and counts them in its totals; --no-journal writes
# none; the journal's syncs (the synclog shim around the coordinator): made
# with its first records in it and its folder synced once, both before
# the coordinator listens, synced at the phase change, not just before it
# is removed, and synced to its last byte when an interrupted job keeps
# it.
#
# usage: scripts/test-recovery.sh [TEST...]
#
# Prints "PASS: NAME (SECONDSs)" or "FAIL: NAME: REASON" per test, then
# "N passed, M failed"; exits 0 iff none failed. It builds nothing: run
# `make` and the test fixtures first. Every process runs under
# `timeout -k 2s 120s`.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder), KILLS=N (kills in the kills test, default 20).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(kills torn-tail other-job other-plugin mrrun-resume report no-journal
	syncs)
TIMEOUT=(timeout -k 2s 120s)
KILLS=${KILLS:-20}

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

MRRUN=$BIN/mrrun
FIX=$BIN/test/fixtures
RECOUNT=$FIX/recount.so
SYNCLOG_SO=$FIX/synclog.so
COORD_ENV=()		# a command the coordinator runs under (env ...)
NREDUCE=4
SPLIT=64K
COORD_PID=""
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
ALL_INPUTS=()
# The map calls sleep this long, the first reduce call of a task RSLEEP.
export MR_TEST_SLEEP=0.15 MR_TEST_RSLEEP=0.3

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	INPUTS=("${ALL_INPUTS[@]}")
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# start_coordinator LOG [OPTION...]: a verbose coordinator over INPUTS,
# logging to $LOGS/LOG.log, its status in $LOGS/LOG.rc.
start_coordinator() {
	local log=$1

	shift
	spawn "$log" ${COORD_ENV[@]+"${COORD_ENV[@]}"} "$COORD" -v \
		--socket "$SOCK" --reduces "$NREDUCE" --split-size "$SPLIT" \
		--progress 0 "$@" -- "${INPUTS[@]}"
	COORD_PID=$STARTED
	wait_socket "$LOGS/$log.rc"
}

# start_workers N [PLUGIN]: N workers that wait up to 30 s for a
# coordinator that went away.
start_workers() {
	local i

	for ((i = 0; i < $1; i++)); do
		spawn_worker "$WORKER" --socket "$SOCK" --reconnect 30 \
			"${2:-$RECOUNT}"
	done
}

# The pid of the mrcoordinator serving SOCK, or nothing.
coordinator_pid() {
	local p

	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = mrcoordinator ] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "--socket $SOCK " &&
			echo "${p#/proc/}"
	done
}

# kill_coordinator: SIGKILL to the coordinator, waiting for its end.
# Fails when it was gone already (set GONE).
kill_coordinator() {
	local pid

	GONE=0
	pid=$(coordinator_pid)
	if [ -z "$pid" ]; then
		GONE=1
		return 1
	fi
	kill -KILL "$pid" 2>/dev/null
	wait "$COORD_PID" 2>/dev/null
}

# wait_coordinator LOG: its end, with status 0.
wait_coordinator() {
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/$1.rc" "coordinator ($1)"
}

# wait_workers: every worker's end, each with status 0.
wait_workers() {
	local p rc

	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for rc in "${WORKER_RCS[@]}"; do
		if [ "$(cat "$rc" 2>/dev/null)" != 0 ]; then
			REASON="a worker exited with status $(cat "$rc" 2>/dev/null) (${rc##*/})"
			return 1
		fi
	done
}

# expect_recount: mrsequential's output of the recount fixture over
# INPUTS in $LOGS/correct.txt, its counters in WANT_COUNTERS.
expect_recount() {
	local seqdir=$T/$NAME.seq

	mkdir -p -- "$seqdir" || return 1
	if ! (cd -- "$seqdir" && "${TIMEOUT[@]}" "$SEQ" "$RECOUNT" \
	    "${INPUTS[@]}") >"$LOGS/sequential.log" 2>&1; then
		REASON="mrsequential recount.so failed"
		return 1
	fi
	sort "$seqdir/mr-out-0" >"$LOGS/correct.txt"
	WANT_COUNTERS=$(counters_of "$LOGS/sequential.log")
	[ -n "$WANT_COUNTERS" ] || { REASON="mrsequential printed no counters"; return 1; }
}

# The counters line of a program's log ("counters: a 1, b 2"), or nothing.
counters_of() {
	sed -n 's/^[a-z]*: counters: //p' "$1" | tail -n 1
}

# in_flight LOG: sets INFLIGHT to the map attempts leased and not ended in
# a coordinator's verbose log, and ACCEPTED to the map attempts accepted.
in_flight() {
	local log=$1 leased ended

	leased=$(sed -nE 's/.*: attempt ([0-9]+): map task [0-9]+$/\1/p' "$log" | sort -u)
	ended=$(sed -nE 's/.*: attempt ([0-9]+) (done|failed: .*)$/\1/p; s/.*lost while running attempt ([0-9]+);.*/\1/p; s/.*: attempt ([0-9]+) cancelled: .*/\1/p' "$log" | sort -u)
	INFLIGHT=$(comm -23 <(echo "$leased") <(echo "$ended") | grep -c .)
	ACCEPTED=$(comm -12 <(echo "$leased") <(sed -nE 's/.*: attempt ([0-9]+) done$/\1/p' "$log" | sort -u) | grep -c .)
}

# check_result LOG: output and counters as mrsequential's, the journal
# gone, nothing of the job left but its outputs and the markers.
check_result() {
	local got

	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	got=$(counters_of "$LOGS/$1.log")
	if [ "$got" != "$WANT_COUNTERS" ]; then
		REASON="counters '$got', mrsequential's '$WANT_COUNTERS'"
		return 1
	fi
	if [ -e .mr-journal ]; then
		REASON="the journal is left after the job is done"
		return 1
	fi
	# shellcheck disable=SC2035 # the markers' names, as they are
	check_clean mr-marker-*
}

# One kill: a job whose coordinator is killed DELAY seconds after it
# listens, then started again. Sets LOST (seconds from the kill to the
# new coordinator's end, less the time the job had left) and REDONE.
one_kill() {
	local k=$1 delay=$2 t0 t1 nmap markers kept

	rm -f mr-* .mr-journal
	t0=$(date +%s%N)
	start_coordinator "c$k-a" || return 1
	start_workers 3
	sleep "$delay"
	if ! kill_coordinator; then
		# The job was over before the kill: nothing to resume.
		wait_coordinator "c$k-a" || return 1
		wait_workers || return 1
		check_result "c$k-a" || return 1
		SKIPPED_KILLS=$((SKIPPED_KILLS + 1))
		return 0
	fi
	in_flight "$LOGS/c$k-a.log"
	if grep -q ": job done in " "$LOGS/c$k-a.log"; then
		# Killed on its way out: the same job run again ends at once,
		# or, once the journal went, finds its outputs final.
		"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --reduces "$NREDUCE" \
			--split-size "$SPLIT" --progress 0 -- "${INPUTS[@]}" \
			>"$LOGS/c$k-b.log" 2>&1
		wait_workers || return 1
		check_result "c$k-a" || return 1
		SKIPPED_KILLS=$((SKIPPED_KILLS + 1))
		rm -f mr-marker-*
		return 0
	fi
	start_coordinator "c$k-b" || return 1
	wait_coordinator "c$k-b" || return 1
	t1=$(date +%s%N)
	wait_workers || return 1
	check_result "c$k-b" || return 1
	nmap=$(sed -n 's/.*: \([0-9]*\) map tasks, .*/\1/p' "$LOGS/c$k-b.log" | head -n 1)
	markers=$(find . -maxdepth 1 -name 'mr-marker-*' | wc -l)
	if [ "$markers" -gt $((nmap + INFLIGHT)) ]; then
		REASON="kill $k at ${delay}s: map ran $markers times for $nmap map tasks and $INFLIGHT in flight at the kill"
		return 1
	fi
	kept=$(sed -nE 's/.*: kept ([0-9]+) of [0-9]+ map .*/\1/p' "$LOGS/c$k-b.log")
	if [ -z "$kept" ] || [ "$kept" -lt "$ACCEPTED" ]; then
		REASON="kill $k at ${delay}s: ${kept:-no} map tasks kept, $ACCEPTED accepted before the kill"
		return 1
	fi
	REDONE=$((REDONE + markers - nmap))
	LOST_NS=$((LOST_NS + t1 - t0 - BASE_NS))
	KILLED=$((KILLED + 1))
	rm -f mr-marker-*
}

# 20 kills at random moments, each followed by a restart that resumes.
t_kills() {
	local k delay t0 t1

	expect_recount || return 1
	# The same job, not killed: how long a job takes here.
	t0=$(date +%s%N)
	start_coordinator base || return 1
	start_workers 3
	wait_coordinator base || return 1
	t1=$(date +%s%N)
	wait_workers || return 1
	check_result base || return 1
	BASE_NS=$((t1 - t0))
	rm -f mr-*
	WAIT_PIDS=()
	WORKER_RCS=()
	REDONE=0 LOST_NS=0 KILLED=0 SKIPPED_KILLS=0
	for ((k = 1; k <= KILLS; k++)); do
		# Anywhere from the first hand-out to the last reduce.
		delay=$(awk -v r="$RANDOM" -v b="$BASE_NS" \
		    'BEGIN { printf "%.2f", 0.05 + (r / 32767) * b / 1e9 * 0.95 }')
		one_kill "$k" "$delay" || return 1
		WAIT_PIDS=()
		WORKER_RCS=()
	done
	if [ "$KILLED" -lt $((KILLS * 3 / 4)) ]; then
		REASON="only $KILLED of $KILLS kills came before the job's end"
		return 1
	fi
	DETAIL="$KILLED restarts survived ($SKIPPED_KILLS kills after the job's end); job $(fmt_s $((BASE_NS / 1000000)))s"
	NOTE="per restart: $(awk -v n="$REDONE" -v k="$KILLED" 'BEGIN { printf "%.1f", n / k }') map tasks redone, $(awk -v l="$LOST_NS" -v k="$KILLED" 'BEGIN { printf "%.2f", l / k / 1e9 }') s lost (time to the end after the kill, more than the whole job takes)"
}

# The coordinator dies in the middle of a record: the journal's tail is
# cut short. The next one says so, ignores it, and the job ends right.
t_torn_tail() {
	local size

	expect_recount || return 1
	start_coordinator a || return 1
	start_workers 3
	sleep 0.8
	kill_coordinator || { REASON="the job ended before the kill"; return 1; }
	size=$(stat -c %s .mr-journal)
	truncate -s $((size - 3)) .mr-journal || return 1
	start_coordinator b || return 1
	wait_coordinator b || return 1
	wait_workers || return 1
	if ! grep -q "\.mr-journal: its last [0-9]* bytes were torn" "$LOGS/b.log"; then
		REASON="the resumed coordinator did not say the journal's tail was torn"
		return 1
	fi
	grep -q ": kept [0-9]* of" "$LOGS/b.log" ||
		{ REASON="the job was not resumed"; return 1; }
	check_result b
}

# Another job (another --reduces) where a job died is refused, naming the
# difference; --no-resume starts it over, removing the dead job's files.
t_other_job() {
	local line

	start_coordinator a || return 1
	start_workers 1
	sleep 0.6
	kill_coordinator || { REASON="the job ended before the kill"; return 1; }
	kill_all
	WAIT_PIDS=()
	WORKER_RCS=()
	"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --reduces 3 --split-size "$SPLIT" \
		--progress 0 -- "${INPUTS[@]}" >"$LOGS/b.log" 2>&1
	if [ $? -ne 1 ]; then
		REASON="another job was not refused (status $?)"
		return 1
	fi
	line=$(tail -n 1 "$LOGS/b.log")
	if [[ $line != *"holds the journal of another job that did not finish"*"--reduces 3 here, $NREDUCE there"*"--no-resume"* ]]; then
		REASON="refusal: '$line'"
		return 1
	fi
	NREDUCE=3
	expect_recount || return 1
	start_coordinator c --no-resume || return 1
	start_workers 2
	wait_coordinator c || return 1
	wait_workers || return 1
	grep -q "starting over: removed [0-9]* files of an earlier job" "$LOGS/c.log" ||
		{ REASON="no line saying the dead job's files were removed"; return 1; }
	rm -f mr-marker-*
	check_result c
}

# A worker running another plugin than the job's is refused, and says
# which plugin the job runs; the job goes on with the right ones.
t_other_plugin() {
	local rc

	expect_recount || return 1
	start_coordinator a || return 1
	start_workers 1
	sleep 0.3
	"${TIMEOUT[@]}" "$WORKER" --socket "$SOCK" "$APPS/wc.so" >"$LOGS/wc.log" 2>&1
	rc=$?
	if [ "$rc" -ne 1 ]; then
		REASON="a worker of another plugin exited with status $rc"
		return 1
	fi
	grep -q "this job runs plugin recount" "$LOGS/wc.log" ||
		{ REASON="the refused worker does not name the job's plugin: $(tail -n 1 "$LOGS/wc.log")"; return 1; }
	wait_coordinator a || return 1
	wait_workers || return 1
	check_result a
}

# mrrun killed with SIGKILL in the middle of a job; run again, it resumes
# and says how many tasks it kept.
t_mrrun_resume() {
	local pid

	expect_recount || return 1
	spawn mrrun1 "$MRRUN" -n 3 --reduces "$NREDUCE" --split-size "$SPLIT" \
		--progress 0 "$RECOUNT" "${INPUTS[@]}"
	pid=$STARTED
	sleep 1
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = mrrun ] || continue
		tr '\0' ' ' <"$p/cmdline" | grep -qF "$RECOUNT" && kill -KILL "${p#/proc/}"
	done
	wait "$pid" 2>/dev/null
	sleep 0.5	# its coordinator ends on SIGTERM, leaving the journal
	[ -e .mr-journal ] || { REASON="no journal left by the killed mrrun"; return 1; }
	spawn mrrun2 "$MRRUN" -n 3 --reduces "$NREDUCE" --split-size "$SPLIT" \
		--progress 0 "$RECOUNT" "${INPUTS[@]}"
	wait "$STARTED" 2>/dev/null
	coordinator_status "$LOGS/mrrun2.rc" "mrrun (again)" || return 1
	grep -qE "resuming the job in .*: kept [1-9][0-9]* of [0-9]+ map" "$LOGS/mrrun2.log" ||
		{ REASON="the second mrrun did not say it kept tasks: $(grep -m1 resuming "$LOGS/mrrun2.log")"; return 1; }
	check_result mrrun2
}

# The report of a resumed job: the kept tasks listed, counted in the
# totals, counters equal to mrsequential's.
t_report() {
	expect_recount || return 1
	start_coordinator a --report "$LOGS/a.json" || return 1
	start_workers 3
	sleep 0.8
	kill_coordinator || { REASON="the job ended before the kill"; return 1; }
	start_coordinator b --report "$LOGS/b.json" || return 1
	wait_coordinator b || return 1
	wait_workers || return 1
	if ! jq -e --arg want "$WANT_COUNTERS" '
		(.job.incarnation == 2) and
		(.job.tasks_kept > 0) and
		([.attempts[] | select(.kept)] | length) == .job.tasks_kept and
		([.attempts[] | select(.kept) | .incarnation] | all(. == 1)) and
		([.job.counters | to_entries[] | "\(.key) \(.value)"] | join(", ")) == $want
	    ' "$LOGS/b.json" >/dev/null; then
		REASON="the resumed job's report: $(jq -c '{incarnation: .job.incarnation, kept: .job.tasks_kept, counters: .job.counters}' "$LOGS/b.json")"
		return 1
	fi
}

# --no-journal: no journal at any moment of the job, the same output.
t_no_journal() {
	local i

	expect_recount || return 1
	start_coordinator a --no-journal || return 1
	start_workers 2
	for ((i = 0; i < 20; i++)); do
		if [ -e .mr-journal ]; then
			REASON="a journal with --no-journal"
			return 1
		fi
		sleep 0.05
	done
	wait_coordinator a || return 1
	wait_workers || return 1
	check_result a
}

# read_synclog LOG: the lines of the synclog shim's LOG about the job
# folder, in CALLS, PATHS and SIZES (one entry a line: the call, "folder",
# "journal" or the path, the size); LISTEN and UNLINK are the indexes of
# the coordinator's listen and of the journal's removal (-1: none). Fails
# on a sync of another file of the job folder than the journal.
read_synclog() {
	local dir line call rest path size n=0

	dir=$(pwd -P)
	CALLS=() PATHS=() SIZES=() LISTEN=-1 UNLINK=-1
	while IFS= read -r line; do
		call=${line%% *}
		rest=${line#* }
		if [ "$call" = listen ]; then
			LISTEN=$n
			CALLS+=(listen) PATHS+=("") SIZES+=(0)
			n=$((n + 1))
			continue
		fi
		size=${rest##* }
		path=${rest% *}
		case $path in
		"$dir") path=folder ;;
		"$dir/.mr-journal" | "$dir/#"*" (deleted)" | "$dir/.mrtmp-.mr-journal-"*)
			path=journal ;;
		"$dir/"*)
			[ "$call" = unlink ] && continue
			REASON="the coordinator synced $path"
			return 1 ;;
		*) continue ;;
		esac
		[ "$call" = unlink ] && [ "$path" = journal ] && UNLINK=$n
		CALLS+=("$call") PATHS+=("$path") SIZES+=("$size")
		n=$((n + 1))
	done <"$1"
}

# A done job: its journal made with its first records in it (no sync of
# its header alone), its folder synced once, both before the coordinator
# listens; a sync at the phase change; none of the journal after the last
# task, which only its removal follows, and the removal synced. Then an
# interrupted job, whose journal stays: synced to its last byte at the end.
t_syncs() {
	local log=$LOGS/sync.log i folder=0 created=0 phase=0 last=-1 size
	local dirty=0 pre=$SYNCLOG_SO
	local -a COORD_ENV	# this test's coordinators only

	asan_preload "$COORD"
	if [ "$ASAN_PRELOAD" = unavailable ]; then
		SKIP="the LD_PRELOAD shim cannot be combined with this sanitized build (libasan not found by ldd)"
		return 0
	fi
	[ -z "$ASAN_PRELOAD" ] || pre="$ASAN_PRELOAD $pre"
	COORD_ENV=(env "LD_PRELOAD=$pre" "SYNCLOG=$log")
	expect_recount || return 1
	start_coordinator a || return 1
	start_workers 3
	wait_coordinator a || return 1
	wait_workers || return 1
	check_result a || return 1
	read_synclog "$log" || return 1
	[ "$LISTEN" -ge 0 ] && [ "$UNLINK" -gt "$LISTEN" ] ||
		{ REASON="the shim saw no listen, or no removal of the journal after it"; return 1; }
	for ((i = 0; i < LISTEN; i++)); do
		case ${PATHS[i]} in
		folder) folder=$((folder + 1)) ;;
		journal)
			if [ "${SIZES[i]}" -le 17 ]; then
				REASON="the journal synced holding its header alone (${SIZES[i]} bytes)"
				return 1
			fi
			created=$((created + 1)) ;;
		esac
	done
	[ "$created" -ge 1 ] || { REASON="the journal was not synced before the coordinator listened"; return 1; }
	[ "$folder" -eq 1 ] || { REASON="the job folder synced $folder times before the coordinator listened (once is enough)"; return 1; }
	for ((i = LISTEN + 1; i < UNLINK; i++)); do
		[ "${PATHS[i]}" = journal ] || continue
		phase=$((phase + 1))
		last=$i
	done
	[ "$phase" -ge 1 ] || { REASON="no sync of the journal while the job ran (the phase change)"; return 1; }
	if [ "${SIZES[last]}" -ge "${SIZES[UNLINK]}" ]; then
		REASON="the journal was synced to its last byte (${SIZES[last]}) just to be removed"
		return 1
	fi
	[ "${PATHS[UNLINK + 1]-}" = folder ] || { REASON="the journal's removal was not synced"; return 1; }
	DETAIL="$created + $folder syncs at creation before the listen, $phase while the job ran, the last at ${SIZES[last]} of the ${SIZES[UNLINK]} bytes removed"

	# Interrupted while a record is written but not yet synced.
	rm -f -- "$log" mr-* .mr-journal
	start_coordinator b || return 1
	start_workers 3
	for ((i = 0; i < 500 && dirty == 0; i++)); do
		read_synclog "$log" 2>/dev/null || return 1
		size=$(stat -c %s .mr-journal 2>/dev/null) || size=0
		if [ "${#SIZES[@]}" -gt 0 ] && [ "$LISTEN" -ge 0 ] &&
		    [ "$size" -gt "${SIZES[-1]}" ]; then
			dirty=$size
			break
		fi
		sleep 0.01
	done
	[ "$dirty" -gt 0 ] || { REASON="never saw the journal hold a record not yet synced"; return 1; }
	# Its workers wait for another coordinator; the test's end stops them.
	kill -TERM "$(coordinator_pid)" 2>/dev/null
	wait "$COORD_PID" 2>/dev/null
	[ -e .mr-journal ] || { REASON="the interrupted job left no journal"; return 1; }
	size=$(stat -c %s .mr-journal)
	read_synclog "$log" || return 1
	for ((i = ${#PATHS[@]} - 1; i >= 0; i--)); do
		[ "${PATHS[i]}" = journal ] && break
	done
	if [ "$i" -lt 0 ] || [ "${SIZES[i]}" -ne "$size" ]; then
		REASON="the interrupted job's journal of $size bytes was last synced at ${SIZES[i]-none}"
		return 1
	fi
	DETAIL+="; interrupted with $dirty bytes written, synced to its $size at the end"
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/install-deps --test)"
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$MRRUN" "$RECOUNT" \
	"$APPS/wc.so" "$SYNCLOG_SO"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make and make test first"
fi
make_temp_folder test-recovery
make_inputs 4 'pg-*.txt' --files 4 --bytes-per-file 400000
ALL_INPUTS=("${INPUTS[@]}")
run_selected
