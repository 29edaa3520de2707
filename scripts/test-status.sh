#!/usr/bin/env bash
#
# test-status.sh - black-box tests of the live view of a job: `mrctl status`
# (text and --json) against a running coordinator and its real workers,
# after the job ended, with hostile status clients on the socket, finding a
# lone mrrun job without --socket; and the coordinator's progress: periodic
# log lines when stderr is not a terminal, a line redrawn in place on a
# pseudo-terminal (script from util-linux), nothing with -q.
#
# usage: scripts/test-status.sh [TEST...]
#
# Prints "PASS: NAME (SECONDSs)" or "FAIL: NAME: REASON" per test, then
# "N passed, M failed"; exits 0 iff none failed. It builds nothing: run make
# first. Environment: BUILD=DIR (default build), KEEP=1 (keep the temporary
# folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(status json after-end hostile-clients find-mrrun progress-log progress-tty quiet)
TIMEOUT=(timeout -k 2s 120s)
NREDUCE=3
NINPUTS=6

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

CTL=$BIN/mrctl
MRRUN=$BIN/mrrun
SLOW=$BIN/test/fixtures/slow.so
HOSTILE=$BIN/test/hostile

NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	rm -rf -- "$DIR" "$LOGS"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# start_job SECONDS WORKERS [COORDINATOR OPTION...]: a coordinator over the
# inputs and WORKERS workers of the slow fixture, whose maps sleep SECONDS.
start_job() {
	local secs=$1 n=$2 i

	shift 2
	spawn coordinator "$COORD" --socket "$SOCK" --reduces "$NREDUCE" "$@" \
		"${INPUTS[@]}"
	COORD_PID=$STARTED
	wait_socket || return 1
	for ((i = 0; i < n; i++)); do
		MR_TEST_SLEEP=$secs spawn_worker "$WORKER" --socket "$SOCK" "$SLOW"
	done
}

# Sets PIDS to the sorted pids of the mrworker processes this script runs.
worker_pids() {
	local p comm

	PIDS=()
	collect_tree
	for p in "${TREE[@]}"; do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		[ "$comm" = mrworker ] && PIDS+=("$p")
	done
	mapfile -t PIDS < <(printf '%s\n' ${PIDS[@]+"${PIDS[@]}"} | sort -n | grep .)
}

# Waits up to 10 s until `mrctl --json` shows N running tasks; leaves the
# last answer in $LOGS/status.json.
await_running() {
	local n=$1 i

	for ((i = 0; i < 100; i++)); do
		if "$CTL" --socket "$SOCK" status --json >"$LOGS/status.json" 2>>"$LOGS/mrctl.log" &&
			[ "$(jq '[.tasks[] | select(.state == "running")] | length' "$LOGS/status.json")" = "$n" ]; then
			return 0
		fi
		sleep 0.1
	done
	REASON="mrctl never showed $n running tasks (last: $(head -c 300 "$LOGS/status.json"))"
	return 1
}

# Waits for the coordinator to end with status 0, and the workers.
finish_job() {
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	check_clean
}

# ---------------------------------------------------------------------------

# The text: the job's header, both workers with their real pids, a running
# task with its worker and input name.
t_status() {
	local out

	start_job 3 2 --progress 0 && await_running 2 || return 1
	worker_pids
	out=$("$CTL" --socket "$SOCK" status 2>&1) || {
		REASON="mrctl status: exit status $?: $out"
		return 1
	}
	printf '%s\n' "$out" >"$LOGS/status.txt"
	grep -qx "job dir     $DIR" <<<"$out" || { REASON="no job dir line"; return 1; }
	grep -qx "socket      $SOCK (coordinator pid [0-9]*)" <<<"$out" ||
		{ REASON="no socket line"; return 1; }
	grep -Eq "^phase       map, [0-9.]+ s elapsed, ETA " <<<"$out" ||
		{ REASON="no phase line"; return 1; }
	grep -q "^tasks       6 map, 3 reduce: " <<<"$out" ||
		{ REASON="no tasks line"; return 1; }
	grep -qx "workers (2)" <<<"$out" || { REASON="not 2 workers"; return 1; }
	for p in "${PIDS[@]}"; do
		grep -Eq "^  [0-9]+ +$p +working .*map [0-9]+: \.\./inputs/pg-" <<<"$out" ||
			{ REASON="worker pid $p not shown working on an input"; return 1; }
		grep -Eq "^  map [0-5] +running +[0-9]+ \(pid $p\) .* \.\./inputs/pg-[^ ]+\.txt$" <<<"$out" ||
			{ REASON="no running task of pid $p"; return 1; }
	done
	grep -Eq "^  reduce 2 +waiting +- .*partition 2 -> mr-out-2$" <<<"$out" ||
		{ REASON="no waiting reduce 2"; return 1; }
	finish_job
}

# --json: task count, states, names and worker pids against the real ones.
t_json() {
	local j names want running

	start_job 3 2 --progress 0 && await_running 2 || return 1
	worker_pids
	j=$LOGS/status.json
	jq -e . "$j" >/dev/null || { REASON="not JSON"; return 1; }
	[ "$(jq '.tasks | length' "$j")" = 9 ] || { REASON="not 9 tasks"; return 1; }
	[ "$(jq '.job.map_tasks, .job.reduce_tasks' "$j" | tr '\n' ' ')" = "6 3 " ] ||
		{ REASON="wrong task counts"; return 1; }
	[ "$(jq -r .job.job_dir "$j")" = "$DIR" ] || { REASON="wrong job_dir"; return 1; }
	[ "$(jq -r .job.socket "$j")" = "$SOCK" ] || { REASON="wrong socket"; return 1; }
	[ "$(jq -r .job.pid "$j")" -gt 0 ] || { REASON="no coordinator pid"; return 1; }
	# Map task names are the input names, in order.
	names=$(jq -r '.tasks[] | select(.kind == "map") | .name' "$j")
	want=$(printf '%s\n' "${INPUTS[@]}")
	[ "$names" = "$want" ] || { REASON="map names: $names"; return 1; }
	[ "$(jq -r '.tasks[] | select(.kind == "reduce") | .name' "$j" | tail -n 1)" = "partition 2 -> mr-out-2" ] ||
		{ REASON="reduce names"; return 1; }
	# Running tasks and workers carry the real pids.
	running=$(jq -r '.tasks[] | select(.state == "running") | .pid' "$j" | sort -n)
	[ "$running" = "$(printf '%s\n' "${PIDS[@]}")" ] ||
		{ REASON="running task pids '$running' vs workers '${PIDS[*]}'"; return 1; }
	[ "$(jq -r '.workers[].pid' "$j" | sort -n)" = "$(printf '%s\n' "${PIDS[@]}")" ] ||
		{ REASON="worker pids differ from the real ones ${PIDS[*]}"; return 1; }
	[ "$(jq '[.workers[] | select(.state == "working" and .task != null)] | length' "$j")" = 2 ] ||
		{ REASON="workers not both working on a task"; return 1; }
	[ "$(jq '[.tasks[] | select(.state == "waiting" and .worker == null)] | length' "$j")" = \
		"$(jq .job.waiting "$j")" ] || { REASON="waiting count"; return 1; }
	jq -e '[.tasks[] | select(.state == "running") | .time | numbers] | length == 2' "$j" >/dev/null ||
		{ REASON="running tasks without a time"; return 1; }
	jq -e '.job.elapsed > 0 and (.job.run_again.lost == 0) and (.counters == {})' "$j" >/dev/null ||
		{ REASON="job fields"; return 1; }
	finish_job
}

# After the job: exit status 1 and a message naming the socket tried.
t_after_end() {
	local out rc

	start_job 0.2 2 --progress 0 && finish_job || return 1
	out=$("$CTL" --socket "$SOCK" status 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || { REASON="exit status $rc after the job, not 1"; return 1; }
	[[ $out == "mrctl: no coordinator at $SOCK: No such file or directory" ]] ||
		{ REASON="message: $out"; return 1; }
	out=$("$CTL" --socket "$SOCK" bogus 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || { REASON="unknown command: exit status $rc, not 2"; return 1; }
	"$CTL" --help | grep -q '^usage: mrctl' || { REASON="no --help"; return 1; }
	"$CTL" --version | grep -q '^mrctl ' || { REASON="no --version"; return 1; }
}

# Status clients that misbehave are dropped (or answered as documented),
# mrctl still works, and the job still finishes with the right output.
t_hostile_clients() {
	local spec mode expect got proto

	# The version the coordinator answers with, whatever it is now.
	proto=$("$COORD" --version 2>/dev/null | sed -n 's/.*(protocol \([0-9]*\)).*/\1/p')
	[ -n "$proto" ] || { REASON="cannot read the protocol version from $COORD --version"; return 1; }
	sequential nocrash "${INPUTS[@]}" || return 1
	start_job 1 2 --progress 0 || return 1
	for spec in \
		"random+4096|closed" \
		"junk|closed" \
		"status|reply status version=$proto tasks=9, open" \
		"status-twice|closed" \
		"status-bad-version|reply status version=$proto, closed" \
		"hello-after-status|reply status version=$proto tasks=9, closed" \
		"status-after-hello|reply welcome version=$proto worker=[0-9]+, closed"; do
		mode=${spec%%|*}
		expect=${spec#*|}
		got=$("$HOSTILE" --socket "$SOCK" --wait 1 ${mode//+/ } 2>>"$LOGS/hostile.log")
		[[ $got =~ ^$expect$ ]] || { REASON="$mode: '$got', expected '$expect'"; return 1; }
	done
	"$CTL" --socket "$SOCK" status --json | jq -e '.tasks | length == 9' >/dev/null ||
		{ REASON="mrctl fails after the hostile clients"; return 1; }
	grep -q "status request from a worker" "$LOGS/coordinator.log" ||
		{ REASON="no log line for a worker's status request"; return 1; }
	finish_job || return 1
	outputs >"$LOGS/all.txt"
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" mrsequential
}

# mrctl without --socket finds the one mrrun job in $TMPDIR; with two it
# lists both and asks; with none it says where it looked.
t_find_mrrun() {
	local tmp=$T/tmpdir out rc p1 p2 f abs=()

	mkdir -p "$tmp" || return 1
	if "$CTL" status >/dev/null 2>&1 && [ -z "${MR_SOCKET:-}" ]; then
		NOTE="a coordinator answers on the default socket: lookup of mrrun jobs not tested"
		return 0
	fi
	(TMPDIR=$tmp MR_TEST_SLEEP=2 exec "${TIMEOUT[@]}" "$MRRUN" -n 1 -r 2 "$SLOW" \
		"${INPUTS[@]}" >"$LOGS/mrrun1.log" 2>&1) &
	p1=$!
	for _ in $(seq 100); do
		compgen -G "$tmp/mrrun-*/mr.sock" >/dev/null && break
		sleep 0.1
	done
	sleep 0.3
	out=$(TMPDIR=$tmp MR_SOCKET='' "$CTL" status --json 2>&1) ||
		{ REASON="one mrrun job not found: $out"; return 1; }
	[ "$(jq -r .job.job_dir <<<"$out")" = "$DIR" ] || { REASON="wrong job: $out"; return 1; }
	grep -Eq "^mrrun: to see the state of this job: .*mrctl status --socket $tmp/mrrun-[^/]+/mr.sock$" \
		"$LOGS/mrrun1.log" || { REASON="mrrun did not say how to query"; return 1; }
	mkdir -p "$DIR/2"
	for f in "${INPUTS[@]}"; do
		abs+=("$T/inputs/${f##*/}")
	done
	(cd "$DIR/2" && TMPDIR=$tmp MR_TEST_SLEEP=2 exec "${TIMEOUT[@]}" "$MRRUN" -n 1 -r 2 \
		"$SLOW" "${abs[@]}" >"$LOGS/mrrun2.log" 2>&1) &
	p2=$!
	for _ in $(seq 100); do
		[ "$(compgen -G "$tmp/mrrun-*/mr.sock" | wc -l)" -eq 2 ] && break
		sleep 0.1
	done
	sleep 0.3
	out=$(TMPDIR=$tmp MR_SOCKET='' "$CTL" status 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || { REASON="two jobs: exit status $rc, not 1"; return 1; }
	[[ $out == "mrctl: 2 mrrun jobs of yours are running; choose one with --socket:"* ]] &&
		grep -q "^  --socket $tmp/mrrun-.*/mr.sock   (job in $DIR, " <<<"$out" &&
		grep -q "^  --socket $tmp/mrrun-.*/mr.sock   (job in $DIR/2, " <<<"$out" ||
		{ REASON="two jobs: $out"; return 1; }
	wait "$p1" && wait "$p2" || { REASON="an mrrun job failed"; return 1; }
	out=$(TMPDIR=$tmp MR_SOCKET='' "$CTL" status 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] && [[ $out == *"no mrrun job of yours in $tmp; give --socket PATH" ]] ||
		{ REASON="no job: status $rc: $out"; return 1; }
}

PROGRESS_RE='map [0-9]+/6 done, [0-9]+ running, [0-9]+ waiting \| [0-9]+ workers? \| [0-9.]+ s \| [0-9.]+ MB/s \| ETA ([0-9]+ s|--)'

# Not a terminal: a plain line every --progress seconds while the job runs.
t_progress_log() {
	local n

	start_job 1 1 --progress 0.5 && finish_job || return 1
	n=$(grep -Ec "^mrcoordinator: $PROGRESS_RE$" "$LOGS/coordinator.log")
	[ "$n" -ge 4 ] || { REASON="$n progress lines in a 6 s map phase"; return 1; }
	grep -Eq "^mrcoordinator: map [1-5]/6 done, .* \| ETA [0-9]+ s$" "$LOGS/coordinator.log" ||
		{ REASON="no ETA once maps were done"; return 1; }
	sed -n '/job done in/,$p' "$LOGS/coordinator.log" | grep -Eq " \| ETA " &&
		{ REASON="progress after the end"; return 1; }
	grep -q $'\r' "$LOGS/coordinator.log" && { REASON="a carriage return in a log file"; return 1; }
	rm -f -- "$LOGS/coordinator.log" mr-*
	start_job 0.5 2 --progress 0 && finish_job || return 1
	grep -q "ETA" "$LOGS/coordinator.log" && { REASON="--progress 0 printed progress"; return 1; }
	return 0
}

# run_tty COLUMNS COMMAND...: runs a command line on a pseudo-terminal of
# that width; its output (the terminal's) goes to $LOGS/tty.out.
run_tty() {
	local cols=$1

	shift
	TERM=xterm MR_TEST_SLEEP=1 "${TIMEOUT[@]}" script -qfec \
		"stty cols $cols; $*" /dev/null >"$LOGS/tty.out" 2>&1
}

# A terminal: the line is redrawn in place, never wider than the terminal,
# erased before other lines, and gone at the end.
t_progress_tty() {
	local cols seg n out

	for cols in 100 45; do
		run_tty "$cols" "$MRRUN" -n 2 -r "$NREDUCE" "$SLOW" "${INPUTS[*]}" ||
			{ REASON="mrrun on a terminal: exit status $?"; return 1; }
		# Segments between carriage returns: every redraw starts with \r ESC[K.
		n=$(tr '\r' '\n' <"$LOGS/tty.out" | grep -c $'^\e\[Kmrcoordinator: map [0-9]')
		[ "$n" -ge 8 ] || { REASON="$cols columns: $n redraws in a 3 s map phase"; return 1; }
		while IFS= read -r seg; do
			seg=${seg#$'\e[K'}
			[ "${#seg}" -lt "$cols" ] ||
				{ REASON="$cols columns: a line of ${#seg}: $seg"; return 1; }
		done < <(tr '\r' '\n' <"$LOGS/tty.out" | grep ' | ETA ')
		# Erased, then the summary on a line of its own; nothing drawn after.
		grep -q $'\r\e\\[K\r\e\\[Kmrcoordinator: job done in' "$LOGS/tty.out" ||
			{ REASON="$cols columns: the line is not erased before the summary"; return 1; }
		out=$(<"$LOGS/tty.out")
		[[ ${out##*job done in} != *ETA* ]] ||
			{ REASON="$cols columns: progress after the end"; return 1; }
		[ "$(tail -c 2 "$LOGS/tty.out" | od -An -c | tr -d ' ')" = '\r\n' ] ||
			{ REASON="$cols columns: output does not end with a whole line"; return 1; }
		grep -q '^.*to see the state of this job' "$LOGS/tty.out" ||
			{ REASON="mrrun did not say how to query"; return 1; }
	done
	grep -q $'\e\\[Kmrcoordinator: map [0-9]/6 | ETA' "$LOGS/tty.out" ||
		grep -q $'\e\\[Kmrcoordinator: map [0-9]/6 | [0-9.]* s | ETA' "$LOGS/tty.out" ||
		{ REASON="45 columns: no shortened line"; return 1; }
}

# -q: no progress on a terminal, nor in a log; -v: the usual debug lines.
t_quiet() {
	run_tty 100 "$MRRUN" -q -n 2 -r "$NREDUCE" "$SLOW" "${INPUTS[*]}" ||
		{ REASON="mrrun -q: exit status $?"; return 1; }
	[ ! -s "$LOGS/tty.out" ] || { REASON="mrrun -q printed: $(head -c 200 "$LOGS/tty.out")"; return 1; }
	start_job 0.5 1 -q --progress 0.2 && finish_job || return 1
	[ ! -s "$LOGS/coordinator.log" ] ||
		{ REASON="coordinator -q printed: $(head -n 3 "$LOGS/coordinator.log")"; return 1; }
	run_tty 100 "$MRRUN" -v -n 1 -r "$NREDUCE" "$SLOW" "${INPUTS[*]}" ||
		{ REASON="mrrun -v: exit status $?"; return 1; }
	grep -q 'mrworker: joined as worker' "$LOGS/tty.out" &&
		grep -q 'mrcoordinator: worker 1 (pid [0-9]*): attempt 1: map task 0' "$LOGS/tty.out" ||
		{ REASON="mrrun -v: no debug lines from the coordinator and the worker"; return 1; }
}

# ---------------------------------------------------------------------------

select_tests "$@"
require_system
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/install-deps --test)"
command -v script >/dev/null 2>&1 || die "script (util-linux) not found"
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$CTL" "$MRRUN" "$SLOW" \
	"$HOSTILE" "$APPS/nocrash.so"
if [ "${#MISSING[@]}" -gt 0 ]; then
	printf '%s: missing %s\n' "$PROG" "${MISSING[@]}" >&2
	die "build them first (make test builds them all)"
fi

make_temp_folder test-status
make_inputs "$NINPUTS" '*.txt' --files "$NINPUTS" --bytes-per-file 20000
run_selected
