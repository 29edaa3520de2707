#!/usr/bin/env bash
#
# test-pack.sh - black-box tests of small inputs packed several to a map
# task: a word count and an index (whose output names every input) over
# 300 small inputs give mrsequential's output and counters in far fewer
# map tasks than inputs, with one set of intermediate files per task;
# eight inputs of the lab's sizes stay eight map tasks and 2 000 tiny ones
# make a few; `mrctl status` (text and JSON), the --report file and
# `timeline --list` name every input of a packed task; a packed task whose
# worker is killed in the middle is run again whole by another worker;
# with --allow-changing-inputs, the summary names the input of a packed
# task that changed, not the task's first one.
#
# usage: scripts/test-pack.sh [TEST...]
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
ALL_TESTS=(packed-output packed-index task-counts status-inputs report-inputs
	worker-dies changed-input)
TIMEOUT=(timeout -k 2s 120s)
NINPUTS=300

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

CTL=$BIN/mrctl
SLOW=$BIN/test/fixtures/slow.so
TIMELINE=$ROOT/scripts/timeline
NREDUCE=3
COORD_PID=""
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
ALL_INPUTS=()

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	CLOG=$LOGS/coordinator.log
	REPORT=$LOGS/report.json
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	INPUTS=("${ALL_INPUTS[@]}")
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# start_job APP WORKERS [COORDINATOR OPTION...]: a coordinator over INPUTS
# and WORKERS workers of APP (a path), which inherit the environment.
start_job() {
	local app=$1 n=$2 i

	shift 2
	spawn coordinator "$COORD" --socket "$SOCK" --reduces "$NREDUCE" \
		--progress 0 "$@" -- "${INPUTS[@]}"
	COORD_PID=$STARTED
	wait_socket || return 1
	for ((i = 0; i < n; i++)); do
		spawn_worker "$WORKER" --socket "$SOCK" "$app"
	done
}

# Waits for the coordinator to end with status 0, and the workers.
finish_job() {
	local p

	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
}

# Sets NMAP to the map tasks the coordinator's log announced.
map_tasks() {
	NMAP=$(sed -n 's/.*: \([0-9]*\) map tasks, .*/\1/p' "$CLOG" | head -n 1)
	if [ -z "$NMAP" ]; then
		REASON="the coordinator announced no map tasks"
		return 1
	fi
}

# The counters line of a program's log ("counters: a 1, b 2"), or nothing.
counters_of() {
	sed -n 's/^[a-z]*: counters: //p' "$1" | tail -n 1
}

# run_and_compare APP: a job of APP (in apps/) with 2 workers, kept
# intermediates, against mrsequential: outputs and counters equal, fewer
# map tasks than a quarter of the inputs, and exactly NREDUCE intermediate
# files per map task.
run_and_compare() {
	local app=$1 want got files

	sequential "$app" "${INPUTS[@]}" || return 1
	want=$(counters_of "$LOGS/sequential.log")
	start_job "$APPS/$app.so" 2 --keep-intermediates || return 1
	finish_job || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	got=$(counters_of "$CLOG")
	if [ "$got" != "$want" ]; then
		REASON="counters '$got', mrsequential's '$want'"
		return 1
	fi
	map_tasks || return 1
	if [ "$NMAP" -gt $((${#INPUTS[@]} / 4)) ]; then
		REASON="$NMAP map tasks for ${#INPUTS[@]} small inputs: not packed"
		return 1
	fi
	files=$(find . -maxdepth 1 -name 'mr-[0-9]*-[0-9]*' | wc -l)
	if [ "$files" -ne $((NMAP * NREDUCE)) ]; then
		REASON="$files intermediate files, expected $NMAP x $NREDUCE"
		return 1
	fi
	DETAIL="${#INPUTS[@]} inputs in $NMAP map tasks, $files intermediate files"
}

# ---------------------------------------------------------------------------

# Word count with its "words" counter: output and counters as mrsequential's.
t_packed_output() {
	run_and_compare wc
}

# The index lists, for each word, the inputs it is in: map must be called
# once per input, with that input's name, for it to equal mrsequential's.
t_packed_index() {
	run_and_compare indexer
}

# lab_size_inputs N SIZE...: N inputs in folder $1 of the sizes given.
make_sized() {
	local dir=$1 i=0 size

	shift
	mkdir -p -- "$dir" || return 1
	for size in "$@"; do
		head -c "$size" "$T/inputs/all.txt" >"$dir/in-$i.txt" || return 1
		i=$((i + 1))
	done
}

# Eight inputs of the lab's books' sizes (the two smallest side by side)
# keep eight map tasks; 2 000 tiny ones make a few, and give wc's output.
t_task_counts() {
	local f

	make_sized lab 138885 139054 453168 441033 540174 594262 581863 \
		412665 || { REASON="cannot write the inputs"; return 1; }
	INPUTS=(lab/in-*.txt)
	start_job "$APPS/wc.so" 2 || return 1
	finish_job || return 1
	map_tasks || return 1
	if [ "$NMAP" -ne 8 ]; then
		REASON="$NMAP map tasks for 8 inputs of the lab's sizes, expected 8"
		return 1
	fi
	rm -f -- mr-out-* "$CLOG"
	mkdir -p tiny || return 1
	for ((f = 0; f < 2000; f++)); do
		printf 'tiny %d words\n' "$((f % 7))" >"tiny/t-$f.txt"
	done
	INPUTS=("../$NAME"/tiny/t-*.txt)
	sequential wc "${INPUTS[@]}" || return 1
	start_job "$APPS/wc.so" 2 || return 1
	finish_job || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	map_tasks || return 1
	if [ "$NMAP" -gt 40 ]; then
		REASON="$NMAP map tasks for 2000 tiny inputs, expected at most 40"
		return 1
	fi
	DETAIL="8 lab-sized inputs: 8 map tasks; 2000 tiny: $NMAP"
}

# The sorted list of input names given as arguments, into file $1.
sorted_names() {
	local out=$1

	shift
	printf '%s\n' "$@" | sort >"$out"
}

# While a packed task runs, mrctl status lists each of its inputs under it
# (text) and in its "inputs" (JSON); over all tasks, every input once.
t_status_inputs() {
	local i out name task

	INPUTS=("${ALL_INPUTS[@]:0:40}")
	MR_TEST_SLEEP=0.1 start_job "$SLOW" 1 || return 1
	for ((i = 0; i < 100; i++)); do
		if "$CTL" --socket "$SOCK" status --json >"$LOGS/status.json" \
			2>>"$LOGS/mrctl.log" &&
			[ "$(jq '[.tasks[] | select(.state == "running")] | length' \
				"$LOGS/status.json")" = 1 ]; then
			break
		fi
		sleep 0.1
	done
	out=$("$CTL" --socket "$SOCK" status --all 2>&1) || {
		REASON="mrctl status --all failed: $out"
		return 1
	}
	printf '%s\n' "$out" >"$LOGS/status.txt"
	jq -r '.tasks[] | select(.kind == "map") | (.inputs // [.name])[]' \
		"$LOGS/status.json" | sort >"$LOGS/status-inputs.txt"
	sorted_names "$LOGS/want-inputs.txt" "${INPUTS[@]}"
	if ! cmp -s "$LOGS/status-inputs.txt" "$LOGS/want-inputs.txt"; then
		REASON="the map tasks' inputs in mrctl status --json are not the inputs (see status-inputs.txt)"
		return 1
	fi
	if [ "$(jq '[.tasks[] | select(.kind == "map" and
		(.inputs | length) > 1)] | length' "$LOGS/status.json")" -lt 1 ]; then
		REASON="no map task of several inputs in mrctl status --json"
		return 1
	fi
	task=$(jq -r '[.tasks[] | select(.kind == "map" and .state == "running")][0]
		| "\(.name)"' "$LOGS/status.json")
	if [[ $task != *" more" ]]; then
		REASON="the running map task is named '$task', not 'FIRST + N more'"
		return 1
	fi
	sed 's/^ *//' "$LOGS/status.txt" >"$LOGS/status-lines.txt"
	for name in "${INPUTS[@]}"; do
		if ! grep -q -F -x -e "$name" "$LOGS/status-lines.txt"; then
			REASON="mrctl status --all does not list input $name on a line of its own"
			return 1
		fi
	done
	"$CTL" --socket "$SOCK" status >"$LOGS/status-short.txt" 2>&1
	finish_job
}

# The report names every input of each map attempt, and timeline --list
# prints them: every input exactly once over the map tasks.
t_report_inputs() {
	local got

	INPUTS=("${ALL_INPUTS[@]:0:60}")
	start_job "$APPS/wc.so" 2 --report "$REPORT" || return 1
	finish_job || return 1
	jq -r '[.attempts[] | select(.kind == "map" and .outcome == "done")] |
		.[].inputs[]' "$REPORT" | sort >"$LOGS/report-inputs.txt"
	sorted_names "$LOGS/want-inputs.txt" "${INPUTS[@]}"
	if ! cmp -s "$LOGS/report-inputs.txt" "$LOGS/want-inputs.txt"; then
		REASON="the done map attempts' inputs in the report are not the inputs"
		return 1
	fi
	got=$(jq '[.attempts[] | select(.kind == "map" and (.inputs | length) > 1
		and (.name | endswith(" more")))] | length' "$REPORT")
	if [ "$got" -lt 1 ]; then
		REASON="no map attempt of several inputs named 'FIRST + N more'"
		return 1
	fi
	"$TIMELINE" --list "$REPORT" >"$LOGS/timeline.txt" 2>&1 || {
		REASON="timeline --list failed"
		return 1
	}
	cut -f 2- "$LOGS/timeline.txt" | sort >"$LOGS/timeline-inputs.txt"
	if ! cmp -s "$LOGS/timeline-inputs.txt" "$LOGS/want-inputs.txt"; then
		REASON="timeline --list does not print every input once"
		return 1
	fi
	if [ "$(cut -f 1 "$LOGS/timeline.txt" | sort -u | wc -l)" -ne \
		"$(jq .job.map_tasks "$REPORT")" ]; then
		REASON="timeline --list does not print every map task"
		return 1
	fi
}

# A worker killed in the middle of a packed task: the task is run again
# whole by another worker, and the output is mrsequential's.
t_worker_dies() {
	local i pid task lost done

	INPUTS=("${ALL_INPUTS[@]:0:40}")
	sequential nocrash "${INPUTS[@]}" || return 1
	MR_TEST_SLEEP=0.3 start_job "$SLOW" 1 --report "$REPORT" || return 1
	pid=""
	for ((i = 0; i < 100; i++)); do
		if "$CTL" --socket "$SOCK" status --json >"$LOGS/status.json" \
			2>>"$LOGS/mrctl.log"; then
			pid=$(jq -r '[.tasks[] | select(.state == "running" and
				.kind == "map")][0].pid // empty' "$LOGS/status.json")
			task=$(jq -r '[.tasks[] | select(.state == "running" and
				.kind == "map")][0].id // empty' "$LOGS/status.json")
			[ -n "$pid" ] && [ "$pid" != 0 ] && break
		fi
		sleep 0.1
	done
	if [ -z "$pid" ] || [ "$pid" = 0 ]; then
		REASON="no map task ran within 10 s"
		return 1
	fi
	kill -KILL "$pid" 2>/dev/null
	MR_TEST_SLEEP=0 spawn_worker "$WORKER" --socket "$SOCK" "$SLOW"
	finish_job || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	lost=$(jq -c --argjson t "$task" '[.attempts[] | select(.kind == "map"
		and .task == $t and .outcome == "lost")][0].inputs' "$REPORT")
	done=$(jq -c --argjson t "$task" '[.attempts[] | select(.kind == "map"
		and .task == $t and .outcome == "done")][0].inputs' "$REPORT")
	if [ "$lost" = null ] || [ "$done" = null ]; then
		REASON="map task $task has no lost and done attempts in the report"
		return 1
	fi
	if [ "$lost" != "$done" ] || [ "$(jq length <<<"$done")" -lt 2 ]; then
		REASON="map task $task: lost attempt read $lost, the done one $done"
		return 1
	fi
	DETAIL="map task $task of $(jq length <<<"$done") inputs run again whole"
}

# An input of a packed task, not its first, grown after the job was
# planned: with --allow-changing-inputs the job reads it as it is, gives
# mrsequential's output over the files as they end up, and the summary
# names that input.
t_changed_input() {
	local victim line

	mkdir -p in || return 1
	cp -- "${ALL_INPUTS[@]:0:40}" in/ || return 1
	INPUTS=(in/pg-*.txt)
	victim=${INPUTS[3]}
	start_job "$APPS/wc.so" 0 --allow-changing-inputs || return 1
	printf 'grown after planning\n' >>"$victim"
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/wc.so"
	finish_job || return 1
	INPUTS=("../$NAME"/in/pg-*.txt)
	sequential wc "${INPUTS[@]}" || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	map_tasks || return 1
	if [ "$NMAP" -ge 40 ]; then
		REASON="$NMAP map tasks for 40 small inputs: not packed"
		return 1
	fi
	line=$(grep -F 'changed: ' "$CLOG" | grep -v -- '--allow' | head -n 1)
	if [[ $line != *"changed: $victim: size "* ]]; then
		REASON="the summary does not name $victim: '${line:-no changed line}'"
		return 1
	fi
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/install-deps --test)"
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$CTL" "$APPS/wc.so" \
	"$APPS/indexer.so" "$APPS/nocrash.so" "$SLOW"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make and make test first"
fi
make_temp_folder test-pack
make_inputs "$NINPUTS" 'pg-*.txt' --files "$NINPUTS" --bytes-per-file 2000
ALL_INPUTS=("${INPUTS[@]}")
cat -- "$T"/inputs/pg-*.txt "$T"/inputs/pg-*.txt >"$T/inputs/all.txt" ||
	die "cannot write $T/inputs/all.txt"
run_selected
