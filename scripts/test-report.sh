#!/usr/bin/env bash
#
# test-report.sh - black-box tests of plugin counters, the coordinator's
# --report file and scripts/timeline: a word count whose report has one
# done attempt per task and whose counters equal mrsequential's; a job of
# the crash app with a short task timeout, whose report shows the lost,
# timed-out and stale attempts and whose counters still equal
# mrsequential's (re-executed work counted once); a plugin misusing a
# counter failing the job with an error naming it; the timeline drawn as a
# PNG and its errors; report paths refused at start; a report that cannot
# be written at the end.
#
# usage: scripts/test-report.sh [TEST...]
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
ALL_TESTS=(wc-report fault-report counter-misuse timeline bad-report-path
	report-unwritable odd-names)
TIMEOUT=(timeout -k 2s 120s)
NINPUTS=6

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
TIMELINE=$ROOT/scripts/timeline

ulimit -c 0 2>/dev/null
install_cleanup

NREDUCE=3
CLOG=""
COORD_PID=""
REPORT=""
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
WORKERS_STARTED=0
EXPECTED=""

# Prepares test $1: a fresh job folder and log folder, and cds into it.
setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	CLOG=$LOGS/coordinator.log
	REPORT=$LOGS/report.json
	NREDUCE=3
	COORD_PID=""
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# Starts the coordinator on the inputs with options "$@".
start_coordinator() {
	spawn coordinator "$COORD" --socket "$SOCK" --reduces "$NREDUCE" "$@" \
		"${INPUTS[@]}"
	COORD_PID=$STARTED
}

# Waits for the coordinator; fails unless it exited with status $1 (0).
wait_coordinator() {
	local want=${1:-0} rc

	wait "$COORD_PID" 2>/dev/null
	rc=$(cat "$LOGS/coordinator.rc" 2>/dev/null)
	if [ "$rc" != "$want" ]; then
		REASON="coordinator exited with status ${rc:-unknown}, expected $want"
		return 1
	fi
}

# The counters line of program log $1 ("counters: a 1, b 2"), or nothing.
counters_of() {
	sed -n 's/^[a-z]*: counters: //p' "$1" | tail -n 1
}

# Sets EXPECTED to mrsequential's counters line for app $1 on the inputs.
sequential_counters() {
	sequential "$1" "${INPUTS[@]}" || return 1
	EXPECTED=$(counters_of "$LOGS/sequential.log")
	if [ -z "$EXPECTED" ]; then
		REASON="mrsequential $1 printed no counters"
		return 1
	fi
}

# Checks the report: valid JSON, the job's outcome $1, exactly one done
# attempt per map and reduce task, the report's counters equal to the
# summary's line, which equals EXPECTED.
check_report() {
	local outcome=$1 got nmap bad summary

	if ! jq -e . "$REPORT" >/dev/null 2>&1; then
		REASON="$REPORT is not valid JSON"
		return 1
	fi
	got=$(jq -r .job.outcome "$REPORT")
	if [ "$got" != "$outcome" ]; then
		REASON="report says the job was '$got', expected '$outcome'"
		return 1
	fi
	nmap=$(jq .job.map_tasks "$REPORT")
	if [ "$nmap" != "${#INPUTS[@]}" ] ||
		[ "$(jq .job.reduce_tasks "$REPORT")" != "$NREDUCE" ]; then
		REASON="report counts $nmap map and $(jq .job.reduce_tasks "$REPORT") reduce tasks"
		return 1
	fi
	# Tasks whose number of done attempts is not exactly one.
	bad=$(jq -r --argjson m "$nmap" --argjson r "$NREDUCE" '
		[.attempts[] | select(.outcome == "done") | "\(.kind) \(.task)"]
		as $done |
		([range(0; $m) | "map \(.)"] + [range(0; $r) | "reduce \(.)"])[]
		| . as $t | select(($done | map(select(. == $t)) | length) != 1)
		' "$REPORT")
	if [ -n "$bad" ]; then
		REASON="not exactly one done attempt for: $(echo $bad)"
		return 1
	fi
	summary=$(counters_of "$CLOG")
	if [ "$summary" != "$EXPECTED" ]; then
		REASON="summary counters '$summary', mrsequential's '$EXPECTED'"
		return 1
	fi
	got=$(jq -r '.job.counters | to_entries | map("\(.key) \(.value)") |
		join(", ")' "$REPORT")
	if [ "$got" != "$EXPECTED" ]; then
		REASON="report counters '$got', mrsequential's '$EXPECTED'"
		return 1
	fi
}

# (a) wc with two workers: every task done once, words as mrsequential's.
t_wc_report() {
	local n

	sequential_counters wc || return 1
	start_coordinator --report "$REPORT"
	wait_socket || return 1
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/wc.so"
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/wc.so"
	wait_coordinator || return 1
	compare_output <(outputs) "$LOGS/correct.txt" mrsequential || return 1
	check_report done || return 1
	n=$(jq '[.attempts[] | select(.outcome != "done")] | length' "$REPORT")
	if [ "$n" != 0 ]; then
		REASON="$n attempts of a job without faults did not end done"
		return 1
	fi
	# The job may be over before the second worker joins: it is then
	# not listed, having never said hello.
	n=$(jq '[.workers[] | select(.pid > 0 and .left == "job over")] |
		length' "$REPORT")
	if [ "$n" -lt 1 ] || [ "$n" != "$(jq '.workers | length' "$REPORT")" ]; then
		REASON="$(jq -c '[.workers[] | {id, pid, left}]' "$REPORT"): expected one or two workers, each left when the job was over"
		return 1
	fi
	n=$(jq '[.attempts[] | select(.worker < 1 or .end < .start or
		.bytes_read == null or .bytes_written == null)] | length' "$REPORT")
	if [ "$n" != 0 ]; then
		REASON="$n attempts without a worker, a sane time span or bytes"
		return 1
	fi
	if [ "$(jq '[.attempts[] | select(.kind == "map") | .bytes_read] | add' \
		"$REPORT")" != "$(jq .job.input_bytes "$REPORT")" ]; then
		REASON="map attempts did not read the job's input bytes"
		return 1
	fi
	DETAIL="$(jq '.attempts | length' "$REPORT") attempts; $EXPECTED"
}

# Keeps 3 crash workers running until the coordinator exits (a crashed
# worker is replaced), at most 200 started.
run_crash_workers() {
	local slot pids=("" "" "") started=0

	while [ ! -e "$LOGS/coordinator.rc" ]; do
		for slot in 0 1 2; do
			if [ -z "${pids[$slot]}" ] || ! is_alive "${pids[$slot]}"; then
				if [ "$started" -ge 200 ]; then
					REASON="200 workers started and the job is not done"
					return 1
				fi
				spawn "worker-$started" "$WORKER" --socket "$SOCK" \
					"$APPS/crash.so"
				pids[$slot]=$STARTED
				started=$((started + 1))
			fi
		done
		sleep 0.1
	done
	WORKERS_STARTED=$started
}

# (b) the crash app with a 1 s task timeout: workers die (lost), stall
# (timeout) and report late (stale); the counters are still those of one
# run of each task. Runs again, up to 3 times, if luck spared every task.
t_fault_report() {
	local try faults summary

	sequential_counters nocrash || return 1
	for try in 1 2 3; do
		rm -f mr-out-* "$REPORT" "$LOGS"/worker-* "$CLOG" "$LOGS/coordinator.rc"
		start_coordinator --task-timeout 1 --report "$REPORT"
		wait_socket || return 1
		run_crash_workers || return 1
		wait_coordinator || return 1
		faults=$(jq '[.attempts[] | select(.outcome != "done")] | length' \
			"$REPORT")
		[ "$faults" -gt 0 ] && break
	done
	if [ "$faults" -eq 0 ]; then
		REASON="no attempt of the crash app failed in 3 jobs: nothing tested"
		return 1
	fi
	compare_output <(outputs) "$LOGS/correct.txt" "mrsequential nocrash" ||
		return 1
	check_report done || return 1
	# What the coordinator counted as run again is what the report shows.
	summary=$(jq -r '"\(.job.run_again.timed_out) timed out, \(.job.run_again.lost) lost"' "$REPORT")
	if ! grep -q "($summary with their worker" "$CLOG"; then
		REASON="report's run_again ($summary) differs from the summary: $(grep 'run again' "$CLOG")"
		return 1
	fi
	if [ "$(jq '[.attempts[] | select(.outcome == "lost")] | length' \
		"$REPORT")" -lt "$(jq '.job.run_again.lost' "$REPORT")" ]; then
		REASON="fewer lost attempts in the report than the coordinator counted"
		return 1
	fi
	if [ "$(jq '[.attempts[] | select(.outcome == "timeout" or
		.timed_out != null)] | length' "$REPORT")" -lt \
		"$(jq '.job.run_again.timed_out' "$REPORT")" ]; then
		REASON="fewer timed-out attempts in the report than the coordinator counted"
		return 1
	fi
	DETAIL="$(jq -r '[.attempts[].outcome] | group_by(.) |
		map("\(length) \(.[0])") | join(", ")' "$REPORT") in $try job(s), $WORKERS_STARTED workers; $EXPECTED"
}

# A plugin whose map adds to a counter with a bad name fails every
# attempt; the job fails with the counter named, and so does mrsequential.
t_counter_misuse() {
	local so=$LOGS/badcounter.so

	cat >"$LOGS/badcounter.c" <<'EOF'
#include <mapreduce.h>

static int
bad_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)name; (void)data; (void)len;
	mr_counter_add("bad name", 1);
	return mr_emit(out, "k", 1, "1", 1);
}

static int
bad_reduce(mr_emitter *out, const char *key, size_t keylen, mr_values *v)
{
	(void)v;
	return mr_emit(out, key, keylen, "1", 1);
}

MR_APP("badcounter", bad_map, bad_reduce, NULL);
EOF
	if ! cc -shared -fPIC -I"$ROOT/common" "$LOGS/badcounter.c" -o "$so" \
		>"$LOGS/cc.log" 2>&1; then
		REASON="cannot build the test plugin (see cc.log)"
		return 1
	fi
	start_coordinator --report "$REPORT"
	wait_socket || return 1
	spawn_worker "$WORKER" --socket "$SOCK" "$so"
	wait_coordinator 1 || return 1
	if ! grep -q "job failed: map task [0-9]* failed 4 times; last error: counter \"bad name\": a counter's name must be" "$CLOG"; then
		REASON="the coordinator's failure does not name the counter: $(grep 'job failed' "$CLOG")"
		return 1
	fi
	if [ -n "$(ls mr-* 2>/dev/null)" ]; then
		REASON="files left by failed attempts: $(ls mr-* | head -n 3)"
		return 1
	fi
	if [ "$(jq -r .job.outcome "$REPORT")" != failed ] ||
		! jq -e '.job.failure | test("failed 4 times; last error: counter \"bad name\"")' \
			"$REPORT" >/dev/null; then
		REASON="report does not say the job failed because of the counter"
		return 1
	fi
	if ! jq -e '[.attempts[] | select(.outcome == "failed")] as $f |
		($f | length) >= 4 and
		all($f[]; .error | test("^counter \"bad name\": "))' \
		"$REPORT" >/dev/null; then
		REASON="report's failed attempts do not all name the counter"
		return 1
	fi
	if (cd "$LOGS" && "${TIMEOUT[@]}" "$SEQ" "$so" "${INPUTS[0]/..\/inputs/$T/inputs}") \
		>"$LOGS/seq.log" 2>&1 ||
		! grep -q 'counter "bad name"' "$LOGS/seq.log"; then
		REASON="mrsequential did not fail naming the counter: $(head -n 1 "$LOGS/seq.log")"
		return 1
	fi
}

# Checks that file $1 starts with the PNG signature and is larger than
# $2 bytes.
is_png() {
	local magic size

	magic=$(head -c 8 -- "$1" | od -An -tx1 | tr -d ' \n')
	size=$(stat -c %s -- "$1")
	if [ "$magic" != 89504e470d0a1a0a ]; then
		REASON="$1 is not a PNG (starts with $magic)"
		return 1
	fi
	if [ "$size" -le "$2" ]; then
		REASON="$1 is only $size bytes"
		return 1
	fi
}

# expect_error WHAT TEXT CMD...: fails unless CMD exits 1 printing TEXT
# on stderr after "timeline: ".
expect_error() {
	local what=$1 text=$2 rc

	shift 2
	"$@" >"$LOGS/out.txt" 2>"$LOGS/err.txt"
	rc=$?
	if [ "$rc" -ne 1 ] || ! grep -qF "timeline: $text" "$LOGS/err.txt"; then
		REASON="$what: exit status $rc, stderr: $(head -n 1 "$LOGS/err.txt")"
		return 1
	fi
}

# (c) the timeline of a real report is a PNG; bad input is a clear error.
t_timeline() {
	local fakebin=$LOGS/bin

	start_coordinator --report "$REPORT"
	wait_socket || return 1
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/wc.so"
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/wc.so"
	wait_coordinator || return 1
	if ! "$TIMELINE" "$REPORT" >"$LOGS/timeline.log" 2>&1; then
		REASON="timeline failed: $(head -n 3 "$LOGS/timeline.log")"
		return 1
	fi
	is_png "${REPORT%.json}.png" 10000 || return 1
	if ! "$TIMELINE" -o "$LOGS/other.png" "$REPORT" >>"$LOGS/timeline.log" 2>&1; then
		REASON="timeline -o failed"
		return 1
	fi
	is_png "$LOGS/other.png" 10000 || return 1
	# Report text and file names are data to gnuplot, never commands.
	jq --arg o "x\\\";print system('touch $LOGS/pwned');#'\" it's" \
	    '.job.outcome = $o | .job.map_tasks = "\\\" ;print 1;#"' \
	    "$REPORT" >"$LOGS/crafted.json" || return 1
	if ! "$TIMELINE" -o "$LOGS/it's \\\".png" "$LOGS/crafted.json" \
	    >>"$LOGS/timeline.log" 2>&1; then
		REASON="timeline failed on a report with quotes and backslashes"
		return 1
	fi
	if [ -e "$LOGS/pwned" ]; then
		REASON="a report's text ran a command in gnuplot"
		return 1
	fi
	is_png "$LOGS/it's \\\".png" 10000 || return 1
	"$TIMELINE" --help | grep -q '^usage: timeline' ||
		{ REASON="timeline --help prints no usage"; return 1; }

	expect_error "missing file" "$LOGS/none.json: no such file" \
		"$TIMELINE" "$LOGS/none.json" || return 1
	printf '{"format": 1, "job": ' >"$LOGS/cut.json"
	expect_error "truncated JSON" "$LOGS/cut.json: not valid JSON" \
		"$TIMELINE" "$LOGS/cut.json" || return 1
	jq 'del(.attempts)' "$REPORT" >"$LOGS/partial.json"
	expect_error "report without attempts" \
		"$LOGS/partial.json: not a job report" \
		"$TIMELINE" "$LOGS/partial.json" || return 1
	mkdir -p "$fakebin" && ln -sf "$(command -v jq)" "$fakebin/jq" &&
		ln -sf "$(command -v dirname)" "$fakebin/dirname" || return 1
	expect_error "no gnuplot" "gnuplot not found" \
		env PATH="$fakebin" "$BASH" "$TIMELINE" "$REPORT" || return 1
	"$TIMELINE" >/dev/null 2>&1
	if [ "$?" -ne 2 ]; then
		REASON="timeline without a report did not exit 2"
		return 1
	fi
	DETAIL="$(stat -c %s -- "${REPORT%.json}.png") bytes"
}

# (d) report paths that cannot work are refused before the job starts,
# by the coordinator and by mrrun.
t_bad_report_path() {
	local path rc

	: >"$LOGS/afile"
	for path in "$T/no/such/folder/r.json" "$LOGS" "$LOGS/afile/r.json" ""; do
		rm -f "$LOGS/coordinator.rc"
		"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --report "$path" \
			"${INPUTS[@]}" >"$CLOG" 2>&1
		rc=$?
		if [ "$rc" -ne 1 ] || ! grep -q '^mrcoordinator: --report: ' "$CLOG"; then
			REASON="--report '$path': status $rc, $(head -n 1 "$CLOG")"
			return 1
		fi
		if [ -e "$SOCK" ]; then
			REASON="--report '$path': the coordinator created its socket"
			return 1
		fi
		"${TIMEOUT[@]}" "$BIN/mrrun" -n 1 --report "$path" wc \
			"${INPUTS[@]}" >"$LOGS/mrrun.log" 2>&1
		rc=$?
		# The coordinator checks it, before mrrun starts any worker:
		# its one line is all there is.
		if [ "$rc" -ne 1 ] || [ "$(wc -l <"$LOGS/mrrun.log")" -ne 1 ] ||
		    ! grep -q '^mrcoordinator: --report: ' "$LOGS/mrrun.log"; then
			REASON="mrrun --report '$path': status $rc, $(head -n 1 "$LOGS/mrrun.log")"
			return 1
		fi
	done
	if [ -n "$(ls mr-* 2>/dev/null)" ]; then
		REASON="a refused job left files"
		return 1
	fi
}

# A report whose folder vanished during the job: exit status 3, a clear
# message, and the outputs all there.
t_report_unwritable() {
	mkdir -p "$LOGS/gone"
	start_coordinator --report "$LOGS/gone/r.json"
	wait_socket || return 1
	rmdir "$LOGS/gone"
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/wc.so"
	wait_coordinator 3 || return 1
	if ! grep -q "^mrcoordinator: report not written: .*gone" "$CLOG"; then
		REASON="no message about the report: $(tail -n 1 "$CLOG")"
		return 1
	fi
	sequential wc "${INPUTS[@]}" || return 1
	compare_output <(outputs) "$LOGS/correct.txt" mrsequential || return 1
	check_clean || return 1
}

# Input names that are not UTF-8 (file names are bytes) and a large input
# cut into splits: the report is still valid JSON, with U+FFFD for the bad
# bytes and each split's byte range in its name.
t_odd_names() {
	local odd big names want

	odd=$(printf 'caf\xe9-\xff.txt')
	big=big.txt
	cp -- "$T/inputs/${INPUTS[0]##*/}" "$odd" || return 1
	for _ in 1 2 3 4; do
		cat -- "$T/inputs/${INPUTS[1]##*/}"
	done >"$big"
	spawn coordinator "$COORD" --socket "$SOCK" --reduces 2 \
		--split-size 50000 --report "$REPORT" "$odd" "$big"
	COORD_PID=$STARTED
	wait_socket || return 1
	spawn_worker "$WORKER" --socket "$SOCK" "$APPS/wc.so"
	wait_coordinator || return 1
	if ! jq -e . "$REPORT" >/dev/null 2>&1; then
		REASON="the report is not valid JSON"
		return 1
	fi
	names=$(jq -r '[.attempts[] | select(.kind == "map") | .name] |
		join("|")' "$REPORT")
	want=$(printf 'caf\xef\xbf\xbd-\xef\xbf\xbd.txt|big.txt [0, 50000)|big.txt [50000, 100000)|big.txt [100000, %s)' \
		"$(stat -c %s -- "$big")")
	if [ "$names" != "$want" ]; then
		REASON="map task names: $names, expected $want"
		return 1
	fi
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/install-deps --test)"
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$BIN/mrrun" \
	"$APPS/wc.so" "$APPS/crash.so" "$APPS/nocrash.so" "$TIMELINE"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make first"
fi
make_temp_folder test-report
make_inputs "$NINPUTS" '*.txt' --files "$NINPUTS" --bytes-per-file 30000
run_selected
