#!/usr/bin/env bash
#
# test-streaming.sh - black-box tests of streaming jobs: any executable as
# mapper, combiner and reducer (mrrun and mrworker --mapper ...), as
# Hadoop Streaming runs them.
#
# usage: scripts/test-streaming.sh [TEST...]
#
# python-wc, awk-wc, sh-wc: a word count written as Python, awk and sh
# scripts shipped with --file gives what the same scripts give in the
# pipeline `cat inputs | mapper | LC_ALL=C sort | reducer` (awk also with
# its reducer as combiner). mrpipe-wc: mrpipe's map, combine and reduce of
# wc as the commands give mrsequential's output and counters. identity:
# without --reducer the records come out as KEY<TAB>VALUE lines, a line
# without a tab a key with an empty value. crlf: a mapper gets lines ended
# by LF, CRLF or CR, an input's last line too, with a newline. map-only:
# --reducer NONE and --reduces 0 write the mapper's lines, one mr-out-X per
# map task, no intermediate file. map-only-c: a plugin's map-only job
# writes its records as they come, one file per map task. failing,
# crashing: a command that exits non-zero, is killed by a signal or exits
# before reading all of its input fails its attempts, with the last lines
# of its stderr in the job's error. reporter: reporter:status: is the
# task's status line in mrctl status (text and JSON), reporter:counter:
# adds up to the job's counters, other stderr lines go to the worker's
# log, at most 100 of a command. env: Hadoop's variables for map tasks
# (the input and its split) and reduce tasks (none of the input's, even
# inherited), --cmdenv. files: --file puts a file in the commands' working
# folder under its name, which goes with the worker; a missing one is one
# line before anything starts. file-copy: the commands get read-only
# copies of the --files (a script stays executable): one that makes its
# copy writable and writes to it leaves the user's file intact. not-found:
# a command that is not found (status 127) fails with a hint naming the
# working folder and what a command must be. one-per-task: one mapper per map task
# (packed inputs, a split input, a compressed one read in pieces) and one
# reducer per reduce task. by-hand: a coordinator and workers started by
# hand; a worker running other commands, or a plugin, is refused. resume:
# a map-only job's journal keeps the map tasks whose mr-out-X are intact;
# other commands do not resume it. stop: the commands and what they
# started in the background die with an interrupted job. kill9: kill -9
# of mrrun, or of a worker alone, leaves no process of the task (the
# command's own sleep and the one it left in the background); the working
# folders the killed workers left are removed by the next job's worker.
# usage: the
# options' usage errors.
#
# Prints one line per test, "PASS: NAME (SECONDSs)" or "FAIL: NAME:
# REASON", then "N passed, M failed"; exits 0 iff none failed. It builds
# nothing: run `make` (and `make test` for mrpipe) first.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(python-wc awk-wc sh-wc mrpipe-wc identity crlf map-only map-only-c
	failing crashing reporter progress env files file-copy not-found
	one-per-task by-hand resume stop kill9 usage)
TIMEOUT=(timeout -k 2s 120s)

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
MRRUN=$BIN/mrrun
MRCTL=$BIN/mrctl
MRPIPE=$BIN/mrpipe
install_cleanup

TAB=$'\t'
RC=""		# exit status of the last run
S=""		# the scripts' folder

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	NREDUCE=10
	rm -rf -- "$DIR" "$LOGS"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# run LOG PROGRAM ARG...: PROGRAM ARG... in the job folder under timeout,
# output to $LOGS/LOG.log; sets RC and returns 0.
run() {
	local log=$1

	shift
	"${TIMEOUT[@]}" "$@" >>"$LOGS/$log.log" 2>&1
	RC=$?
	return 0
}

# job ARG...: mrrun -n 2 ARG... in the job folder (log job.log); fails
# unless it exits 0.
job() {
	run job "$MRRUN" -n 2 -p 0 "$@"
	if [ "$RC" != 0 ]; then
		REASON="mrrun exited with status $RC: $(tail -n 1 "$LOGS/job.log")"
		return 1
	fi
}

# expect_rc WANT WHAT: fails unless RC is WANT.
expect_rc() {
	if [ "$RC" != "$1" ]; then
		REASON="$2 exited with status $RC, not $1: $(tail -n 1 "$LOGS"/*.log 2>/dev/null | tail -n 1)"
		return 1
	fi
}

# expect_msg LOG TEXT WHAT: fails unless $LOGS/LOG.log holds TEXT.
expect_msg() {
	if ! grep -qF -- "$2" "$LOGS/$1.log"; then
		REASON="$3 did not say '$2': $(tail -n 1 "$LOGS/$1.log")"
		return 1
	fi
}

# hadoop_lines FILE...: the files' lines as a mapper gets them: a line
# ends at LF, CRLF or a lone CR (Hadoop's LineReader), each with a LF.
hadoop_lines() {
	local f

	for f in "$@"; do
		sed 's/\r$//; s/\r/\n/g' "$f"
	done
}

# pipeline MAPPER REDUCER: `cat inputs | MAPPER | LC_ALL=C sort | REDUCER`
# in the scripts' folder (the inputs' lines as hadoop_lines gives them),
# sorted, into $LOGS/pipeline.txt.
pipeline() {
	(cd -- "$S" && hadoop_lines "${INPUTS_ABS[@]}" | sh -c "$1" | sort |
		sh -c "$2") 2>"$LOGS/pipeline.log" | sort >"$LOGS/pipeline.txt"
	if [ "${PIPESTATUS[0]}" != 0 ] || [ ! -s "$LOGS/pipeline.txt" ]; then
		REASON="the pipeline failed: $(tail -n 1 "$LOGS/pipeline.log")"
		return 1
	fi
}

# same_as_pipeline: the job's sorted lines are the pipeline's.
same_as_pipeline() {
	cat mr-out-* | sort >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/pipeline.txt" "the pipeline's"
}

# map_tasks: the number of map tasks the coordinator planned (job.log).
map_tasks() {
	grep -oE '[0-9]+ map tasks?,' "$LOGS/job.log" | head -n 1 | cut -d' ' -f1
}

# ---------------------------------------------------------------------------

t_python_wc() {
	pipeline "python3 mapper.py" "python3 reducer.py" || return 1
	job --file "$S/mapper.py" --file "$S/reducer.py" \
	    --mapper 'python3 mapper.py' --reducer 'python3 reducer.py' \
	    "${INPUTS[@]}" || return 1
	check_clean && same_as_pipeline
}

t_awk_wc() {
	pipeline "awk -f map.awk" "awk -f reduce.awk" || return 1
	job --file "$S/map.awk" --file "$S/reduce.awk" --mapper 'awk -f map.awk' \
	    --reducer 'awk -f reduce.awk' "${INPUTS[@]}" || return 1
	check_clean && same_as_pipeline || return 1
	# The reducer as combiner: fewer records, the same counts.
	mkdir ../awk-combine && cd ../awk-combine || return 1
	job --file "$S/map.awk" --file "$S/reduce.awk" --mapper 'awk -f map.awk' \
	    --combiner 'awk -f reduce.awk' --reducer 'awk -f reduce.awk' \
	    "${INPUTS[@]}" || return 1
	check_clean && same_as_pipeline || return 1
	DETAIL="with a combiner too"
}

t_sh_wc() {
	pipeline "sh mapper.sh" "sh reducer.sh" || return 1
	job --file "$S/mapper.sh" --file "$S/reducer.sh" --mapper 'sh mapper.sh' \
	    --reducer 'sh reducer.sh' "${INPUTS[@]}" || return 1
	check_clean && same_as_pipeline
}

t_mrpipe_wc() {
	local want got

	sequential wc "${INPUTS[@]}" || return 1
	job --mapper "$MRPIPE map wc" --combiner "$MRPIPE combine wc" \
	    --reducer "$MRPIPE reduce wc" "${INPUTS[@]}" || return 1
	check_clean || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" \
	    "mrsequential's" || return 1
	want=$(grep -oE 'counters: words [0-9]+' "$LOGS/sequential.log")
	got=$(grep -oE 'counters: wc.words [0-9]+' "$LOGS/job.log")
	if [ -z "$want" ] || [ "${got#counters: wc.}" != "${want#counters: }" ]; then
		REASON="counters '${got:-none}', mrsequential's '${want:-none}'"
		return 1
	fi
	DETAIL="${got#counters: }"
}

t_identity() {
	local f

	printf 'a\tb\tc\nno tab here\n\n\tvalue only\nkey\t\n' >"$T/tabs.txt"
	job --mapper cat "$T/tabs.txt" "${INPUTS[@]}" || return 1
	check_clean || return 1
	hadoop_lines "$T/tabs.txt" "${INPUTS_ABS[@]}" |
		awk -F '\t' '{ print (NF > 1 ? $0 : $0 "\t") }' |
		sort >"$LOGS/expected.txt"
	cat mr-out-* | sort >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/expected.txt" \
	    "the lines, a tab after those without" || return 1
	grep -qx "no tab here$TAB" mr-out-* ||
		{ REASON="no 'no tab here<TAB>' line"; return 1; }
	grep -qx "a${TAB}b${TAB}c" mr-out-* ||
		{ REASON="no 'a<TAB>b<TAB>c' line"; return 1; }
	# Cut at the first tab: one key "x", its values in the order they
	# came; cut at another, "x<TAB>1" would sort before "x<TAB>2".
	printf 'x\t2\tb\nx\t1\tz\n' >"$T/twotabs.txt"
	mkdir ../identity-1 && cd ../identity-1 || return 1
	job --reduces 1 --mapper cat "$T/twotabs.txt" || return 1
	printf 'x\t2\tb\nx\t1\tz\n' >"$LOGS/expected.txt"
	compare_output mr-out-0 "$LOGS/expected.txt" "one key x, two values"
}

t_crlf() {
	printf 'a b\r\nc\r\rd\re\n\r\nlast' >"$T/crlf.txt"
	printf 'one\ntwo' >"$T/nonl.txt"
	NREDUCE=2
	job --reducer NONE --mapper cat "$T/crlf.txt" "$T/nonl.txt" || return 1
	check_clean || return 1
	printf 'a b\nc\n\nd\ne\n\nlast\n' >"$LOGS/expected.txt"
	compare_output mr-out-0 "$LOGS/expected.txt" "LF lines" || return 1
	printf 'one\ntwo\n' >"$LOGS/expected.txt"
	compare_output mr-out-1 "$LOGS/expected.txt" "LF lines"
}

t_map_only() {
	local i

	NREDUCE=${#INPUTS[@]}
	job --reducer NONE --mapper "tr a-z A-Z" "${INPUTS[@]}" || return 1
	check_clean || return 1
	for ((i = 0; i < NREDUCE; i++)); do
		hadoop_lines "${INPUTS_ABS[$i]}" | tr a-z A-Z >"$LOGS/expected.txt"
		compare_output "mr-out-$i" "$LOGS/expected.txt" \
		    "input $i in upper case" || return 1
	done
	grep -qE "job done in .*: $NREDUCE map and 0 reduce tasks" \
	    "$LOGS/job.log" || { REASON="summary: $(grep 'job done' "$LOGS/job.log")"; return 1; }
	grep -qE 'intermediate 0\.0 MB, output [0-9.]+ MB' "$LOGS/job.log" &&
	    ! grep -q 'output 0\.0 MB' "$LOGS/job.log" ||
		{ REASON="bytes: $(grep 'intermediate' "$LOGS/job.log")"; return 1; }
	# --reduces 0 is the same (with a reducer, refused: t_usage).
	mkdir ../map-only-0 && cd ../map-only-0 || return 1
	job --reduces 0 --mapper "tr a-z A-Z" \
	    "${INPUTS[@]}" || return 1
	check_clean || return 1
	cat ../map-only/mr-out-* | cmp -s - <(cat mr-out-*) ||
		{ REASON="--reduces 0 wrote other outputs than --reducer NONE"; return 1; }
}

t_map_only_c() {
	local i

	NREDUCE=${#INPUTS[@]}
	job --reduces 0 wc "${INPUTS[@]}" || return 1
	check_clean || return 1
	for ((i = 0; i < NREDUCE; i++)); do
		"$MRPIPE" map wc <"${INPUTS_ABS[$i]}" 2>/dev/null | tr '\t' ' ' \
		    >"$LOGS/expected.txt"
		compare_output "mr-out-$i" "$LOGS/expected.txt" \
		    "map's records of input $i in order" || return 1
	done
	grep -qE 'counters: words [1-9]' "$LOGS/job.log" ||
		{ REASON="no words counter"; return 1; }
}

t_failing() {
	run job "$MRRUN" -q -n 1 --mapper 'cat >/dev/null; echo "line 1" >&2; echo "bad input at 3" >&2; exit 3' \
	    "${INPUTS[0]}"
	expect_rc 1 "mrrun with a failing mapper" || return 1
	expect_msg job "job failed: map task 0 failed 4 times; last error: " \
	    mrcoordinator || return 1
	expect_msg job "exited with status 3; its stderr ended: line 1 | bad input at 3" \
	    mrcoordinator || return 1
	if [ "$(grep -c 'mrworker: attempt [0-9]* failed: ' "$LOGS/job.log")" -ne 4 ]; then
		REASON="not 4 failed attempts"
		return 1
	fi
	[ ! -e mr-out-0 ] || { REASON="an output of a failed job"; return 1; }
}

t_crashing() {
	run crash "$MRRUN" -q -n 1 --mapper cat \
	    --reducer 'cat >/dev/null; echo dying >&2; kill -SEGV $$' "${INPUTS[0]}"
	expect_rc 1 "mrrun with a crashing reducer" || return 1
	expect_msg crash "was killed by signal 11 (Segmentation fault); its stderr ended: dying" \
	    mrcoordinator || return 1
	# Lines it never read: more than its read buffer, less than the pipe.
	run early "$MRRUN" -q -n 1 --overwrite --mapper 'head -n 1' "${INPUTS[0]}"
	expect_rc 1 "mrrun with a mapper reading one line" || return 1
	expect_msg early "exited (with status 0) before reading all of its input" \
	    mrcoordinator || return 1
	# One that closes its input and lives on, over more than a pipe holds.
	head -c 3000000 /dev/zero | tr '\0' '\n' >"$T/many-lines.txt"
	run closed "$MRRUN" -q -n 1 --overwrite --mapper 'exec 0<&-; sleep 1' \
	    "$T/many-lines.txt"
	expect_rc 1 "mrrun with a mapper closing its input" || return 1
	expect_msg closed "before reading all of its input" mrcoordinator
}

t_reporter() {
	local lines out i pid

	lines=$(cat -- "${INPUTS_ABS[@]:0:2}" | wc -l)
	"${TIMEOUT[@]}" "$MRRUN" -n 2 -p 0 --file "$S/report.py" \
	    --mapper 'python3 report.py' --reducer cat \
	    "${INPUTS[@]:0:2}" >"$LOGS/job.log" 2>&1 &
	pid=$!
	# The status line of a running map task, before it is done.
	for ((i = 0; i < 100; i++)); do
		SOCK=$(grep -om 1 '/[^ ]*/mr.sock' "$LOGS/job.log")
		if [ -n "$SOCK" ] && "$MRCTL" --socket "$SOCK" status \
		    >"$LOGS/status.txt" 2>/dev/null &&
		    grep -q 'status: read [0-9]* lines' "$LOGS/status.txt"; then
			break
		fi
		sleep 0.1
	done
	grep -q 'status: read [0-9]* lines' "$LOGS/status.txt" ||
		{ REASON="mrctl status shows no status line: $(grep -m 2 'map 0' "$LOGS/status.txt")"; return 1; }
	"$MRCTL" --socket "$SOCK" status --json >"$LOGS/status.json" 2>&1
	grep -qE '"status": "read [0-9]+ lines"' "$LOGS/status.json" ||
		{ REASON="mrctl status --json shows no status"; return 1; }
	wait "$pid"
	RC=$?
	expect_rc 0 mrrun || return 1
	out=$(grep -oE 'counters: .*' "$LOGS/job.log")
	[ "$out" = "counters: my_group.lines $lines, my_group.other 10" ] ||
		{ REASON="counters '$out', not 'my_group.lines $lines, my_group.other 10'"; return 1; }
	expect_msg job "mapper: noise 1" "the worker's log" || return 1
	expect_msg job "mapper: cannot parse counter line: reporter:counter:bad" \
	    "the worker's log" || return 1
	if grep -q 'mapper: noise 101' "$LOGS/job.log"; then
		REASON="more than 100 stderr lines of a command logged"
		return 1
	fi
	expect_msg job "mapper: 50 more lines of its stderr not shown" \
	    "the worker's log"
}

# Progress keeps a task from timing out (status lines, or counter lines
# alone, more often than --task-timeout); a silent one still times out,
# its log line naming it.
t_progress() {
	local quiet

	printf 'one\n' >"$T/one.txt"
	run status "$MRRUN" -n 1 -p 0 -t 3 --reducer NONE --mapper \
	    'cat >/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do echo "reporter:status:at $i" >&2; sleep 0.5; done; echo ok' \
	    "$T/one.txt"
	expect_rc 0 "mrrun with a mapper saying its status" || return 1
	run counter "$MRRUN" -n 1 -p 0 -t 3 --overwrite --reducer NONE --mapper \
	    'cat >/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do echo "reporter:counter:g,c,1" >&2; sleep 0.5; done; echo ok' \
	    "$T/one.txt"
	expect_rc 0 "mrrun with a mapper adding to a counter" || return 1
	for quiet in status counter; do
		if grep -q "timed out after" "$LOGS/$quiet.log" ||
		    ! grep -q "run again (0 timed out" "$LOGS/$quiet.log"; then
			REASON="a mapper reporting ${quiet}es timed out: $(grep -m 1 'timed out' "$LOGS/$quiet.log")"
			return 1
		fi
	done
	expect_msg counter "counters: g.c 10" mrcoordinator || return 1
	run silent "$MRRUN" -n 1 -p 0 -t 3 --overwrite --reducer NONE --mapper \
	    'cat >/dev/null; sleep 4.5; echo ok' "$T/one.txt"
	expect_rc 0 "mrrun with a silent mapper" || return 1
	expect_msg silent "mrcoordinator: map task 0 ($T/one.txt) timed out after 3 s on worker 1; requeued" \
	    mrcoordinator || return 1
	expect_msg silent "run again (1 timed out" mrcoordinator
}

t_env() {
	local f x start len total=0 size job_ids

	# A map task: its input and split, Hadoop's names, --cmdenv, -D.
	head -c 250000 "${INPUTS_ABS[0]}" >"$T/big.txt"
	size=$(wc -c <"$T/big.txt")
	printf 'a few\nwords\n' >"$T/small.txt"
	run job env mapreduce_map_input_file=stale "$MRRUN" -n 2 -p 0 \
	    --split-size 100000 --reducer NONE --cmdenv MYVAR='a b' \
	    -D my.param='x y' -D job-name=wc \
	    --mapper 'cat >/dev/null; env | grep -E "^(mapreduce_|map_input_file=|MYVAR=|my_param=|job_name=)" | sort' \
	    "$T/big.txt" "$T/small.txt"
	expect_rc 0 mrrun || return 1
	for f in mr-out-*; do
		x=${f#mr-out-}
		grep -qx "mapreduce_task_partition=$x" "$f" &&
		    grep -qE "^mapreduce_task_id=task_[0-9a-f]{16}_0001_m_0*$x\$" "$f" &&
		    grep -qE "^mapreduce_task_attempt_id=attempt_[0-9a-f]{16}_0001_m_0*${x}_0\$" "$f" &&
		    grep -qx 'mapreduce_task_ismap=true' "$f" &&
		    grep -qx 'MYVAR=a b' "$f" &&
		    grep -qx 'my_param=x y' "$f" &&
		    grep -qx 'job_name=wc' "$f" ||
			{ REASON="$f: $(tr '\n' ' ' <"$f")"; return 1; }
		if grep -qx "mapreduce_map_input_file=$T/big.txt" "$f"; then
			grep -qx "map_input_file=$T/big.txt" "$f" ||
				{ REASON="$f: map_input_file"; return 1; }
			start=$(sed -n 's/^mapreduce_map_input_start=//p' "$f")
			len=$(sed -n 's/^mapreduce_map_input_length=//p' "$f")
			[ $((start % 100000)) -eq 0 ] ||
				{ REASON="$f: a split starting at $start"; return 1; }
			total=$((total + len))
		else
			grep -qx "mapreduce_map_input_file=$T/small.txt" "$f" &&
			    grep -qx 'mapreduce_map_input_start=0' "$f" &&
			    grep -qx "mapreduce_map_input_length=12" "$f" ||
				{ REASON="$f: $(tr '\n' ' ' <"$f")"; return 1; }
		fi
	done
	[ "$total" -eq "$size" ] ||
		{ REASON="the splits' lengths add up to $total, not $size"; return 1; }
	job_ids=$(sed -n 's/^mapreduce_job_id=//p' mr-out-* | sort -u)
	[[ $job_ids =~ ^job_[0-9a-f]{16}_0001$ ]] ||
		{ REASON="job ids '$job_ids'"; return 1; }
	# A reduce task: its partition, none of the input's variables;
	# --cmdenv wins over a -D of the same name.
	mkdir ../env-reduce && cd ../env-reduce || return 1
	run job env mapreduce_map_input_file=stale map_input_file=stale \
	    "$MRRUN" -n 2 -p 0 --reduces 3 --cmdenv MYVAR=r --mapper cat \
	    -D my.param=r2 -D MYVAR=from-D \
	    --reducer 'cat >/dev/null; env | grep -E "^(mapreduce_|map_input_file=|MYVAR=|my_param=)" | sort' \
	    "${INPUTS[0]}"
	expect_rc 0 mrrun || return 1
	for x in 0 1 2; do
		f=mr-out-$x
		grep -qx "mapreduce_task_partition=$x" "$f" &&
		    grep -qE "^mapreduce_task_id=task_[0-9a-f]{16}_0001_r_0*$x\$" "$f" &&
		    grep -qx 'mapreduce_task_ismap=false' "$f" &&
		    grep -qx 'MYVAR=r' "$f" &&
		    grep -qx 'my_param=r2' "$f" &&
		    ! grep -q 'map_input' "$f" ||
			{ REASON="$f: $(tr '\n' ' ' <"$f")"; return 1; }
	done
	grep -qx "mapreduce_job_id=$job_ids" mr-out-0 &&
		{ REASON="two jobs with the same id"; return 1; }
	# A retry: Hadoop's attempt index, 1 (its first try failed); the
	# worker's log keeps the coordinator's attempt number.
	mkdir ../env-retry && cd ../env-retry || return 1
	run job "$MRRUN" -n 1 -p 0 --reducer NONE --mapper \
	    "cat >/dev/null; if [ ! -e '$T/env-marker' ]; then touch '$T/env-marker'; exit 1; fi; echo \$mapreduce_task_attempt_id" \
	    "$T/small.txt"
	expect_rc 0 "mrrun with a mapper failing once" || return 1
	grep -qE "^attempt_[0-9a-f]{16}_0001_m_000000_1\$" mr-out-0 ||
		{ REASON="the retried attempt's id: $(cat mr-out-0)"; return 1; }
	expect_msg job "attempt 1 failed" "the worker's log" || return 1
	return 0
}

t_files() {
	local tmp=$T/files-tmp

	printf 'the\nand\nof\n' >"$T/stop.txt"
	mkdir -p "$tmp" ../files-elsewhere || return 1
	pipeline "python3 mapper.py | grep -v -x -F -f $T/stop.txt" \
	    "python3 reducer.py" || return 1
	# From another folder (-C): the names are the working folder's.
	cd ../files-elsewhere || return 1
	run job env TMPDIR="$tmp" "$MRRUN" -n 2 -p 0 -C "$DIR" \
	    --file "$T/stop.txt" --file ../scripts/mapper.py \
	    --file "$S/reducer.py" \
	    --mapper 'python3 mapper.py | grep -v -x -F -f stop.txt' \
	    --reducer 'python3 reducer.py' "${INPUTS[@]}"
	cd "$DIR" || return 1
	expect_rc 0 mrrun || return 1
	check_clean && same_as_pipeline || return 1
	if [ -n "$(ls -A "$tmp")" ]; then
		REASON="left in TMPDIR: $(ls -A "$tmp" | tr '\n' ' ')"
		return 1
	fi
	run missing "$MRRUN" -n 2 --file nosuch.py --mapper 'python3 nosuch.py' \
	    "${INPUTS[@]}"
	expect_rc 1 "mrrun --file nosuch.py" || return 1
	expect_msg missing "--file nosuch.py: No such file or directory" mrrun ||
		return 1
	if grep -q mrcoordinator "$LOGS/missing.log"; then
		REASON="a coordinator started with a missing --file"
		return 1
	fi
}

t_one_per_task() {
	local maps i

	# 100 small inputs packed several to a task, a large one split, the
	# same compressed: one task read in pieces.
	for ((i = 0; i < 100; i++)); do
		printf 'small %d\n' "$i" >"$T/small-$i.txt"
	done
	for ((i = 0; i < 3; i++)); do
		cat -- "${INPUTS_ABS[@]}"
	done >"$T/split.txt"
	gzip -c "$T/split.txt" >"$T/whole.txt.gz"
	NREDUCE=3
	job --reduces 3 --split-size 1M --cmdenv "LOG=$LOGS/runs" \
	    --mapper 'echo "$mapreduce_task_id" >>"$LOG"; exec cat' \
	    --reducer 'echo "$mapreduce_task_id" >>"$LOG"; exec cat' \
	    "$T"/small-*.txt "$T/split.txt" "$T/whole.txt.gz" || return 1
	check_clean || return 1
	maps=$(map_tasks)
	# Fewer tasks than inputs (packed), more than one for split.txt.
	[ "$maps" -lt 100 ] && [ "$maps" -gt 4 ] ||
		{ REASON="$maps map tasks: not the plan meant"; return 1; }
	[ "$(grep -c '_m_' "$LOGS/runs")" -eq "$maps" ] &&
	    [ "$(grep '_m_' "$LOGS/runs" | sort -u | wc -l)" -eq "$maps" ] ||
		{ REASON="$(grep -c '_m_' "$LOGS/runs") mappers for $maps map tasks"; return 1; }
	[ "$(grep -c '_r_' "$LOGS/runs")" -eq 3 ] ||
		{ REASON="$(grep -c '_r_' "$LOGS/runs") reducers for 3 reduce tasks"; return 1; }
	# Every line once, the compressed input's whole text included.
	hadoop_lines "$T"/small-*.txt "$T/split.txt" "$T/split.txt" |
		awk -F '\t' '{ print (NF > 1 ? $0 : $0 "\t") }' | sort >"$LOGS/expected.txt"
	cat mr-out-* | sort >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/expected.txt" "every line once" ||
		return 1
	DETAIL="$maps map tasks over 102 inputs, $maps mappers"
}

t_by_hand() {
	local opts=(--file "$S/map.awk" --file "$S/reduce.awk"
		--mapper 'awk -f map.awk' --reducer 'awk -f reduce.awk')

	pipeline "awk -f map.awk" "awk -f reduce.awk" || return 1
	spawn coordinator "$COORD" --socket "$SOCK" -p 0 "${opts[@]}" \
	    "${INPUTS[@]}"
	wait_socket || return 1
	# Other commands, and a plugin: refused, status 1.
	run other "$WORKER" --socket "$SOCK" --file "$S/map.awk" \
	    --file "$S/reduce.awk" --mapper 'awk -f map.awk' \
	    --reducer 'awk -f reduce.awk' --cmdenv X=1
	expect_rc 1 "a worker with another --cmdenv" || return 1
	expect_msg other "this job runs other streaming commands" mrworker ||
		return 1
	# Naming the job's commands, so that its user sees what differs.
	expect_msg other "(--mapper 'awk -f map.awk' --reducer 'awk -f reduce.awk', 2 --file, 0 --cmdenv; crc32c:" \
	    mrworker || return 1
	run plugin "$WORKER" --socket "$SOCK" wc
	expect_rc 1 "a wc worker" || return 1
	expect_msg plugin "this job runs streaming commands" mrworker || return 1
	spawn worker-1 "$WORKER" --socket "$SOCK" "${opts[@]}"
	spawn worker-2 "$WORKER" --socket "$SOCK" "${opts[@]}"
	wait
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	check_clean && same_as_pipeline
}

t_resume() {
	local cmd='case "$mapreduce_map_input_file" in *b.txt) test -e "$ALLOW" || exit 1;; esac; cat'

	printf 'a\n' >"$T/a.txt"
	printf 'b\n' >"$T/b.txt"
	NREDUCE=2
	run first "$MRRUN" -q -n 1 --reducer NONE --cmdenv "ALLOW=$T/allow" \
	    --mapper "$cmd" "$T/a.txt" "$T/b.txt"
	expect_rc 1 "the job whose second map fails" || return 1
	[ -f mr-out-0 ] && [ ! -e mr-out-1 ] ||
		{ REASON="not mr-out-0 alone after the failed job"; return 1; }
	# Other commands: another job, refused.
	run other "$MRRUN" -q -n 1 --reducer NONE --cmdenv "ALLOW=$T/allow" \
	    --mapper "cat" "$T/a.txt" "$T/b.txt"
	expect_rc 1 "the job with another mapper" || return 1
	expect_msg other "--mapper 'cat' here, '$cmd' there" mrcoordinator ||
		return 1
	run env "$MRRUN" -q -n 1 --reducer NONE --cmdenv "ALLOW=$T/allowed" \
	    --mapper "$cmd" "$T/a.txt" "$T/b.txt"
	expect_rc 1 "the job with another --cmdenv" || return 1
	expect_msg env "the same commands, but other --file contents or --cmdenv settings" \
	    mrcoordinator || return 1
	: >"$T/allow"
	run again "$MRRUN" -n 1 -p 0 --reducer NONE --cmdenv "ALLOW=$T/allow" \
	    --mapper "$cmd" "$T/a.txt" "$T/b.txt"
	expect_rc 0 "the same job again" || return 1
	expect_msg again "kept 1 of 2 map and 0 of 0 reduce tasks done before" \
	    mrcoordinator || return 1
	[ "$(cat mr-out-0)" = a ] && [ "$(cat mr-out-1)" = b ] ||
		{ REASON="outputs '$(cat mr-out-0)' and '$(cat mr-out-1)'"; return 1; }
	check_clean
}

# The pids of processes whose command line is exactly "$@" (in /proc).
find_procs() {
	local f want args

	want=$(printf '%s\0' "$@" | tr '\0' ' ')
	for f in /proc/[0-9]*/cmdline; do
		args=$( { tr '\0' ' ' <"$f"; } 2>/dev/null) || continue
		[ "$args" = "$want" ] && { f=${f#/proc/}; printf '%s\n' "${f%/cmdline}"; }
	done
}

# stop_job WHAT: waits for the sleeps of the mapper started (marked with
# $mark), calls WHAT to stop the job, then fails unless both sleeps, the
# mapper's own and the one it left in the background, are gone at once.
stop_job() {
	local i n

	for ((i = 0; i < 100; i++)); do
		[ -n "$(find_procs sleep $((mark + 1)))" ] &&
		    [ -n "$(find_procs sleep "$mark")" ] && break
		sleep 0.1
	done
	[ -n "$(find_procs sleep "$mark")" ] ||
		{ REASON="the mapper's sleep never started"; return 1; }
	"$@"
	for ((i = 0; i < 30; i++)); do
		n=$(find_procs sleep "$mark"; find_procs sleep $((mark + 1)))
		[ -z "$n" ] && return 0
		sleep 0.1
	done
	REASON="still running after $*: $(echo $n)"
	return 1
}

t_stop() {
	local pid mark=$((RANDOM + 1000)) cmd

	cmd="cat >/dev/null; sleep $((mark + 1)) & exec sleep $mark"
	# mrrun interrupted: it stops its workers with SIGTERM.
	"${TIMEOUT[@]}" "$MRRUN" -n 1 -p 0 --mapper "$cmd" "${INPUTS[0]}" \
	    >"$LOGS/job.log" 2>&1 &
	pid=$!
	stop_job kill -TERM "$pid" || return 1
	wait "$pid"
	# A coordinator interrupted: its worker stops the task (Shutdown).
	mark=$((mark + 2))
	cmd="cat >/dev/null; sleep $((mark + 1)) & exec sleep $mark"
	spawn coordinator "$COORD" --socket "$SOCK" -p 0 --mapper "$cmd" \
	    "${INPUTS[0]}"
	wait_socket || return 1
	pid=$(find_procs "$COORD" --socket "$SOCK" -p 0 --mapper "$cmd" \
	    "${INPUTS[0]}")
	[ -n "$pid" ] || { REASON="no coordinator found"; return 1; }
	spawn worker "$WORKER" --socket "$SOCK" --mapper "$cmd"
	stop_job kill -TERM "$pid" || return 1
	wait
	expect_msg worker "the job failed while attempt 1 ran; attempt abandoned" \
	    mrworker
}

t_file_copy() {
	local check='[ "$(stat -c %a data.txt tag.sh | tr "\n" " ")" = "444 555 " ] || exit 3'

	printf 'original\n' >"$T/data.txt"
	printf '#!/bin/sh\nexec cat\n' >"$T/tag.sh"
	chmod 644 "$T/data.txt"
	chmod 755 "$T/tag.sh"
	printf 'a\nb\n' >"$T/one.txt"
	NREDUCE=1
	job --reducer NONE --file "$T/data.txt" --file "$T/tag.sh" \
	    --mapper "$check; chmod u+w data.txt && echo clobbered >data.txt && ./tag.sh" \
	    "$T/one.txt" || return 1
	if [ "$(cat "$T/data.txt")" != original ]; then
		REASON="the user's data.txt became '$(cat "$T/data.txt")'"
		return 1
	fi
	[ "$(cat mr-out-0)" = "$(printf 'a\nb')" ] ||
		{ REASON="mr-out-0 is '$(cat mr-out-0)'"; return 1; }
	check_clean
}

t_not_found() {
	printf 'a\n' >"$T/one.txt"
	NREDUCE=1
	run job "$MRRUN" -n 1 -p 0 --reducer NONE \
	    --mapper '../nosuch/mrpipe map wc' "$T/one.txt"
	expect_rc 1 "mrrun with a mapper not found" || return 1
	expect_msg job "../nosuch/mrpipe: not found" mrrun || return 1
	if ! grep -qE "commands run in the worker's working folder /[^ ]*/mrworker-[0-9]+-[A-Za-z0-9]{6}, so a command must be an absolute path, a name in PATH, or shipped with --file" \
	    "$LOGS/job.log"; then
		REASON="no hint about the working folder: $(grep -m 1 'status 127' "$LOGS/job.log")"
		return 1
	fi
}

# expect_folders N WHAT: fails unless TMPDIR $tmp holds N working folders.
expect_folders() {
	local n

	n=$(find "$tmp" -mindepth 1 -maxdepth 1 -name 'mrworker-*' | wc -l)
	if [ "$n" -ne "$1" ]; then
		REASON="$n working folders in TMPDIR $2, not $1: $(ls -A "$tmp" | tr '\n' ' ')"
		return 1
	fi
}

t_kill9() {
	local i p pid tpid mark=$((RANDOM + 40000)) cmd tmp=$T/kill9-tmp

	mkdir -p "$tmp" || return 1
	printf 'a\n' >"$T/one.txt"
	printf 'b\n' >"$T/two.txt"
	cmd="cat >/dev/null; sleep $((mark + 1)) & exec sleep $mark"
	# kill -9 of mrrun: nothing of its job's tasks stays.
	# (In a subshell whose stderr is not the script's: no "Killed".)
	(TMPDIR=$tmp "${TIMEOUT[@]}" "$MRRUN" -n 2 -p 0 --reduces 1 \
	    --mapper "$cmd" "$T/one.txt" "$T/two.txt" >"$LOGS/job.log" 2>&1
	    true) 2>/dev/null &
	tpid=$!
	for ((i = 0; i < 50; i++)); do
		pid=$(find_procs "$MRRUN" -n 2 -p 0 --reduces 1 --mapper "$cmd" \
		    "$T/one.txt" "$T/two.txt")
		[ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || { REASON="no mrrun found"; return 1; }
	# Both workers in a task: both have made their folders.
	for ((i = 0; i < 100; i++)); do
		[ "$(find_procs sleep "$mark" | wc -l)" -eq 2 ] && break
		sleep 0.1
	done
	stop_job kill -KILL "$pid" || return 1
	wait "$tpid"
	# The killed workers' folders, there until a later worker comes.
	expect_folders 2 "after kill -9 of mrrun" || return 1
	# kill -9 of a worker alone: its task goes with it.
	mark=$((mark + 2))
	cmd="cat >/dev/null; sleep $((mark + 1)) & exec sleep $mark"
	spawn coordinator "$COORD" --socket "$SOCK" -p 0 --mapper "$cmd" \
	    "$T/one.txt"
	wait_socket || return 1
	(TMPDIR=$tmp "${TIMEOUT[@]}" "$WORKER" --socket "$SOCK" --mapper "$cmd" \
	    >"$LOGS/worker.log" 2>&1; true) 2>/dev/null &
	for ((i = 0; i < 50; i++)); do
		# The worker, not its task's process (the same command line).
		pid=$(for p in $(find_procs "$WORKER" --socket "$SOCK" \
		    --mapper "$cmd"); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = mrworker ] &&
			    echo "$p"
		done)
		[ -n "$pid" ] && [ -n "$(find_procs sleep "$mark")" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || { REASON="no worker found"; return 1; }
	stop_job kill -KILL "$pid" || return 1
	# It removed the killed mrrun's workers' folders as it started (they
	# are dead, zombies not yet reaped included); its own stays.
	expect_folders 1 "after kill -9 of a worker" || return 1
	expect_msg worker "the working folder of worker" mrworker || return 1
	pid=$(find_procs "$COORD" --socket "$SOCK" -p 0 --mapper "$cmd" \
	    "$T/one.txt")
	[ -n "$pid" ] && kill -TERM "$pid"
	wait
	# A later job's worker removes the dead workers' folders, then its own.
	rm -f mr-out-* .mr-journal
	run later env TMPDIR="$tmp" "$MRRUN" -n 1 -p 0 --reducer NONE \
	    --mapper cat "$T/one.txt"
	expect_rc 0 "the later job" || return 1
	expect_folders 0 "after a later job" || return 1
	expect_msg later "the working folder of worker" mrworker || return 1
	DETAIL="3 dead workers' folders removed, 2 of them by the next worker"
}

t_usage() {
	run a "$MRRUN" --reducer cat "${INPUTS[0]}"
	expect_rc 2 "mrrun --reducer without --mapper" || return 1
	expect_msg a "--reducer needs --mapper" mrrun || return 1
	run b "$MRRUN" --mapper cat --reducer NONE --reduces 3 "${INPUTS[0]}"
	expect_rc 2 "mrrun --reducer NONE --reduces 3" || return 1
	run c "$MRRUN" --mapper cat --combiner cat --reducer NONE "${INPUTS[0]}"
	expect_rc 2 "mrrun --combiner with --reducer NONE" || return 1
	run d "$MRRUN" --mapper cat --cmdenv NOEQUALS "${INPUTS[0]}"
	expect_rc 2 "mrrun --cmdenv NOEQUALS" || return 1
	expect_msg d "--cmdenv: expected NAME=VALUE, got 'NOEQUALS'" mrrun || return 1
	run e "$MRRUN" --mapper cat --mapper cat "${INPUTS[0]}"
	expect_rc 2 "mrrun --mapper twice" || return 1
	run f "$WORKER" --mapper cat wc
	expect_rc 2 "mrworker --mapper cat wc" || return 1
	expect_msg f "a streaming job (--mapper) takes no plugin" mrworker || return 1
	run g "$COORD" --reducer NONE --reduces 2 "${INPUTS[0]}"
	expect_rc 2 "mrcoordinator --reducer NONE --reduces 2" || return 1
	run h "$MRRUN" --mapper cat --file "$S/map.awk" --file "$T/map.awk" \
	    "${INPUTS[0]}"
	expect_rc 2 "mrrun with two files named map.awk" || return 1
	run i "$WORKER" --help
	expect_rc 0 "mrworker --help" || return 1
	expect_msg i "mrworker [OPTION...] --mapper CMD [--combiner CMD]" \
	    "mrworker --help" || return 1
	run j "$MRRUN" --reduces -1 wc "${INPUTS[0]}"
	expect_rc 2 "mrrun --reduces -1" || return 1
	expect_msg j "expected a number from 0 to 100000" mrrun || return 1
	# An APP with --mapper: said so, not taken for a missing input.
	run o "$MRRUN" --mapper cat wc "${INPUTS[0]}"
	expect_rc 2 "mrrun --mapper cat wc" || return 1
	expect_msg o "a streaming job (--mapper) takes no APP, but 'wc' was given" \
	    mrrun || return 1
	# A map-only job runs no reducer nor combiner: given one, refused.
	run m "$MRRUN" --reduces 0 --mapper cat --reducer 'tr a-z A-Z' "${INPUTS[0]}"
	expect_rc 2 "mrrun --reduces 0 --reducer CMD" || return 1
	expect_msg m "--reduces 0 is a map-only job, but --reducer 'tr a-z A-Z' was given" \
	    mrrun || return 1
	run n "$COORD" --reduces 0 --mapper cat --combiner cat "${INPUTS[0]}"
	expect_rc 2 "mrcoordinator --reduces 0 --combiner CMD" || return 1
	expect_msg n "--reduces 0 is a map-only job, but --combiner 'cat' was given" \
	    mrcoordinator || return 1
	# The commands' lines are the outputs: no format is put on them.
	run k "$MRRUN" --output-format tsv --mapper cat "${INPUTS[0]}"
	expect_rc 2 "mrrun --output-format tsv --mapper cat" || return 1
	expect_msg k "--output-format tsv: a streaming job's outputs are its commands' lines" \
	    mrrun || return 1
	run k2 "$COORD" --output-format tsv --mapper cat "${INPUTS[0]}"
	expect_rc 2 "mrcoordinator --output-format tsv --mapper cat" || return 1
	expect_msg k2 "--output-format tsv: a streaming job's outputs are its commands' lines" \
	    mrcoordinator || return 1
	run l "$MRRUN" -q --output-format text --mapper cat --reducer NONE \
	    "${INPUTS[0]}"
	expect_rc 0 "mrrun --output-format text --mapper cat"
}

# ---------------------------------------------------------------------------

# The scripts the jobs run, in the style of the Hadoop Streaming tutorials.
make_scripts() {
	S=$T/scripts
	mkdir -p "$S" || die "cannot create $S"
	# The word count shipped beside the applications, the docs' example.
	cp -- "$ROOT/apps/streaming/mapper.py" "$ROOT/apps/streaming/reducer.py" \
	    "$S/" || die "cannot copy apps/streaming's scripts"
	cat >"$S/map.awk" <<'EOF'
{ for (i = 1; i <= NF; i++) print $i "\t1" }
EOF
	cat >"$S/reduce.awk" <<'EOF'
BEGIN { FS = "\t" }
{ word = $1 "" }	# a string: awk compares "83" and "83." as numbers
word != key { if (NR > 1) print key "\t" n; key = word; n = 0 }
{ n += $2 }
END { if (NR > 0) print key "\t" n }
EOF
	cat >"$S/mapper.sh" <<'EOF'
tr -s ' \t\r' '\n\n\n' | grep -v '^$' | sed 's/$/	1/'
EOF
	cat >"$S/reducer.sh" <<'EOF'
cut -f 1 | uniq -c | awk '{ print $2 "\t" $1 }'
EOF
	# Status, counters and noise on stderr, then a pause to be seen.
	cat >"$S/report.py" <<'EOF'
import sys, time
n = 0
for line in sys.stdin:
    n += 1
    for word in line.split():
        print("%s\t1" % word)
err = sys.stderr
err.write("reporter:status:read %d lines\n" % n)
err.write("reporter:counter:my group,lines,%d\n" % n)
for i in range(5):
    err.write("reporter:counter:my group,other,1\n")
err.write("reporter:counter:bad\n")
for i in range(150):
    err.write("noise %d\n" % (i + 1))
err.flush()
time.sleep(2)
EOF
	printf '{ print }\n' >"$T/map.awk"
}

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
command -v python3 >/dev/null 2>&1 || die "python3 not found (scripts/install-deps --test)"
find_missing "$GENCORPUS" "$SEQ" "$COORD" "$WORKER" "$MRRUN" "$MRCTL" \
	"$MRPIPE" "$APPS/wc.so"
if [ "${#MISSING[@]}" -gt 0 ]; then
	for f in "${MISSING[@]}"; do
		printf '%s: missing %s\n' "$PROG" "$f" >&2
	done
	die "build them first (make)"
fi

make_temp_folder test-streaming
make_inputs 4 '*.txt' --files 4 --bytes-per-file 200000
INPUTS_ABS=()
for f in "${INPUTS[@]}"; do
	INPUTS_ABS+=("$T/inputs/${f##*/}")
done
make_scripts
run_selected
