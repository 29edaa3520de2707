#!/usr/bin/env bash
#
# test-inputs.sh - black-box tests of inputs that change under a job and of
# inputs without line breaks, with the real mrcoordinator, mrworker and
# mrsequential.
#
# usage: scripts/test-inputs.sh [TEST...]
#
# An input truncated, grown or replaced (another file renamed over it, of
# the same size) between the coordinator's planning and the map task
# (*-planned) or while a map task holds it (*-map), as one map task or cut
# into splits (*-split), must fail the job at its first attempt, the
# coordinator's last line naming the file and what changed, and the worker
# must live on (a truncation under a map is a SIGBUS). The map waits inside
# the `gate` fixture (test/fixtures/gate.c) while the test changes the file.
# With --allow-changing-inputs (allow-*), the job reads the file as it is
# then, its output is mrsequential's over the file as it ends up, and the
# summary gives the bytes read. truncate-between-splits truncates the file
# while mrsequential's first map waits, so that the next split's cut reads
# lost pages: mrsequential must fail naming the change, not die of SIGBUS,
# and leave no .mr-lock or mr-out-0. no-newline runs wc over a 40 MB input
# without a single newline cut into 1 MB splits: the output must be
# mrsequential's (whose splits are cut elsewhere), every map task must read
# about one split (the job's report), and each worker's peak RSS must stay
# within a quarter of the input's size of what the same job needs over the
# same bytes with their newlines (benchjob's measure; the comparison holds
# in a sanitized build too, whose workers need 30 MB more).
#
# Prints one line per test, "PASS: NAME (SECONDSs)" or "FAIL: NAME:
# REASON", then "N passed, M failed"; exits 0 iff none failed. It builds
# nothing: run `make` and `make test` (or make BUILD/test/fixtures/gate.so)
# first.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(truncate-planned truncate-planned-split truncate-map
	truncate-map-split grow-planned grow-planned-split grow-map
	grow-map-split replace-planned replace-planned-split replace-map
	replace-map-split unchanged-split allow-grow-split allow-truncate-map
	allow-replace-planned truncate-between-splits no-newline)
TIMEOUT=(timeout -k 2s 120s)
SPLIT=64K		# splits of the *-split tests: 5 of the input
INPUT_BYTES=300000
NONL_MB=40		# the no-newline input
NONL_SPLIT=1M

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
FIX=$BIN/test/fixtures
BENCHJOB=$BIN/benchjob
install_cleanup

COORD_PID=""
CLOG=""
SIZE=0		# of the input before the change

# Prepares test $1: a fresh job folder holding in.txt, a copy of the input.
setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	CLOG=$LOGS/coordinator.log
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS" || return 1
	cp -- "$T/inputs/pg-gen-00000.txt" in.txt || {
		REASON="cannot copy the input"
		return 1
	}
	SIZE=$(stat -c %s in.txt)
}

# change KIND: truncates in.txt to an eighth, appends the other input to
# it, or renames over it another file of the same size.
change() {
	case $1 in
	truncate) truncate -s $((SIZE / 8)) in.txt ;;
	grow) cat -- "$T/inputs/pg-gen-00001.txt" >>in.txt ;;
	replace)
		cat -- "$T/inputs/pg-gen-00001.txt" "$T/inputs/pg-gen-00000.txt" |
			head -c "$SIZE" >new.txt && mv -f new.txt in.txt
		;;
	esac || {
		REASON="cannot $1 in.txt"
		return 1
	}
}

# What the failure must say about change KIND.
what_changed() {
	case $1 in
	truncate) printf 'size %d -> %d bytes' "$SIZE" $((SIZE / 8)) ;;
	grow) printf 'size %d -> %d bytes' "$SIZE" \
		$((SIZE + $(stat -c %s "$T/inputs/pg-gen-00001.txt"))) ;;
	replace) printf 'replaced by another file (inode ' ;;
	esac
}

# True once the gate fixture's map holds its input.
gate_entered() {
	[ -e mr-gate-entered ]
}

# run_job WHEN KIND [OPTION...]: runs a coordinator with OPTIONs and one
# gate worker over in.txt, applying change KIND (or none) after the
# planning (WHEN planned) or while the first map waits in the gate (WHEN
# map); waits for both. Sets CRC and WRC to their exit statuses.
run_job() {
	local when=$1 kind=$2 i

	shift 2
	spawn coordinator "$COORD" -v --socket "$SOCK" "$@" in.txt
	COORD_PID=$STARTED
	wait_socket || return 1
	if [ "$when" = planned ]; then
		[ "$kind" = none ] || change "$kind" || return 1
		: >mr-gate-open
	fi
	spawn worker "$WORKER" -v --socket "$SOCK" "$FIX/gate.so"
	WORKER_PID=$STARTED
	if [ "$when" = map ]; then
		for ((i = 0; i < 500; i++)); do
			gate_entered && break
			sleep 0.02
		done
		if ! gate_entered; then
			REASON="no map task entered the gate within 10 s"
			return 1
		fi
		[ "$kind" = none ] || change "$kind" || return 1
		: >mr-gate-open
	fi
	wait "$COORD_PID" 2>/dev/null
	wait "$WORKER_PID" 2>/dev/null
	CRC=$(cat "$LOGS/coordinator.rc" 2>/dev/null)
	WRC=$(cat "$LOGS/worker.rc" 2>/dev/null)
}

# worker_lived [STATUS]: fails unless the worker lived to the end of the
# job and exited with STATUS (default 0; 1 after a failed job, which every
# worker it served exits with).
worker_lived() {
	if [ "$WRC" != "${1:-0}" ]; then
		if [ -n "$WRC" ] && [ "$WRC" -gt 128 ]; then
			REASON="the worker died of signal $((WRC - 128))"
		else
			REASON="the worker exited with status ${WRC:-none}, not $want"
		fi
		return 1
	fi
	if grep -q 'lost while running' "$CLOG"; then
		REASON="the coordinator lost the worker during a task"
		return 1
	fi
}

# Fails unless the job over $1 map tasks ran ("1 map task", singular).
map_tasks() {
	local noun=tasks

	[ "$1" = 1 ] && noun=task
	if ! grep -q -E "^mrcoordinator: $1 map $noun," "$CLOG"; then
		REASON="not $1 map $noun: $(grep -m 1 -E 'map tasks?,' "$CLOG")"
		return 1
	fi
}

# changed_fails WHEN KIND [OPTION...]: the job must fail at the first
# attempt, its closing line naming in.txt and the change.
changed_fails() {
	local when=$1 kind=$2 what last n

	run_job "$@" || return 1
	worker_lived 1 || return 1
	if [ "$CRC" != 1 ]; then
		REASON="the coordinator exited with status ${CRC:-none}, not 1: $(tail -n 1 "$CLOG")"
		return 1
	fi
	what=$(what_changed "$kind")
	last=$(grep '^mrcoordinator: job failed' "$CLOG" | tail -n 1)
	case $last in
	"mrcoordinator: job failed: map task "[0-9]*" cannot succeed: its input is not the one planned or is corrupt; last error: in.txt: changed since the job was planned: $what"*) ;;
	*)
		REASON="no failure naming in.txt and '$what': ${last:-no 'job failed' line}"
		return 1
		;;
	esac
	n=$(grep -c -E '^mrcoordinator: worker [0-9]+ \(pid [0-9]+\): attempt [0-9]+ failed: ' "$CLOG")
	if [ "$n" != 1 ]; then
		REASON="$n failed attempts, not 1: the change must fail the job at once"
		return 1
	fi
	if [ "$when" = map ] && ! gate_entered; then
		REASON="the change did not happen during a map"
		return 1
	fi
}

t_truncate_planned() { changed_fails planned truncate && map_tasks 1; }
t_truncate_planned_split() { changed_fails planned truncate -b "$SPLIT" && map_tasks 5; }
t_truncate_map() { changed_fails map truncate && map_tasks 1; }
t_truncate_map_split() { changed_fails map truncate -b "$SPLIT" && map_tasks 5; }
t_grow_planned() { changed_fails planned grow && map_tasks 1; }
t_grow_planned_split() { changed_fails planned grow -b "$SPLIT" && map_tasks 5; }
t_grow_map() { changed_fails map grow && map_tasks 1; }
t_grow_map_split() { changed_fails map grow -b "$SPLIT" && map_tasks 5; }
t_replace_planned() { changed_fails planned replace && map_tasks 1; }
t_replace_planned_split() { changed_fails planned replace -b "$SPLIT" && map_tasks 5; }
t_replace_map() { changed_fails map replace && map_tasks 1; }
t_replace_map_split() { changed_fails map replace -b "$SPLIT" && map_tasks 5; }

# Fails unless the job was done and its output is mrsequential's over
# in.txt as it is now, read in splits of $1 bytes.
done_as_sequential() {
	if [ "$CRC" != 0 ]; then
		REASON="the coordinator exited with status ${CRC:-none}: $(tail -n 1 "$CLOG")"
		return 1
	fi
	cp -- in.txt "$LOGS/final.txt" || return 1
	sequential wc --split-size "$1" "$LOGS/final.txt" || return 1
	outputs >"$LOGS/all.txt"
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" "mrsequential's"
}

# Fails unless the summary says how in.txt changed ($1) and that $2 bytes
# were read.
summary_says() {
	local read=$2 mb n noun=tasks

	if ! grep -q -F -- "mrcoordinator: changed: in.txt: $1" "$CLOG"; then
		REASON="the summary does not say 'in.txt: $1'"
		return 1
	fi
	n=$(sed -n -E 's/^mrcoordinator: --allow-changing-inputs: ([0-9]+) map .*/\1/p' "$CLOG")
	[ "$n" = 1 ] && noun=task
	if ! grep -q -E -- "^mrcoordinator: --allow-changing-inputs: $n map $noun read inputs that changed after the job was planned: $read bytes read, $SIZE planned$" "$CLOG"; then
		REASON="the summary does not say '${n:-N} map $noun read ...: $read bytes read, $SIZE planned'"
		return 1
	fi
	mb=$(awk -v b="$read" 'BEGIN { printf "%.1f", b / 1e6 }')
	if ! grep -q -E -- "^mrcoordinator: input $mb MB," "$CLOG"; then
		REASON="the summary's input is not $mb MB: $(grep -m 1 '^mrcoordinator: input ' "$CLOG")"
		return 1
	fi
}

t_unchanged_split() {
	run_job map none -b "$SPLIT" || return 1
	worker_lived && map_tasks 5 && done_as_sequential "$SPLIT" || return 1
	if grep -q -e 'allow-changing-inputs:' -e 'changed since' -e 'changed:' "$CLOG"; then
		REASON="an unchanged input was reported changed"
		return 1
	fi
}

t_allow_grow_split() {
	run_job planned grow -b "$SPLIT" --allow-changing-inputs || return 1
	worker_lived && map_tasks 5 && done_as_sequential "$SPLIT" || return 1
	summary_says "$(what_changed grow)" "$(stat -c %s in.txt)"
}

t_allow_truncate_map() {
	run_job map truncate --allow-changing-inputs || return 1
	worker_lived && map_tasks 1 && done_as_sequential 16M || return 1
	if ! grep -q -F -- "failed: in.txt: changed while it was read: $(what_changed truncate)" "$CLOG"; then
		REASON="no attempt failed saying in.txt changed while it was read"
		return 1
	fi
	summary_says "$(what_changed truncate)" $((SIZE / 8))
}

t_allow_replace_planned() {
	run_job planned replace -b "$SPLIT" --allow-changing-inputs || return 1
	worker_lived && map_tasks 5 && done_as_sequential "$SPLIT" || return 1
	summary_says "$(what_changed replace)" "$SIZE"
}

# peak_rss DIR FILE: runs a wc job over FILE with 2 workers and 1 MB splits
# in folder DIR and sets RSS to the larger worker peak RSS (KB).
peak_rss() {
	local out r

	RSS=0
	out=$("${TIMEOUT[@]}" "$BENCHJOB" --workers 2 --app "$APPS/wc.so" \
		--dir "$1" --build "$BIN" \
		--coordinator-arg --split-size --coordinator-arg "$NONL_SPLIT" \
		--coordinator-arg --report --coordinator-arg "$1/report.json" \
		-- "$2" 2>>"$LOGS/job.log")
	if [ $? -ne 0 ]; then
		REASON="the job over ${2##*/} failed: $out"
		return 1
	fi
	out=${out#*worker_rss_kb=}
	out=${out%% *}
	for r in ${out//,/ }; do
		[ "$r" -gt "$RSS" ] && RSS=$r
	done
	return 0
}

# mrsequential in splits of $SPLIT, in.txt truncated to 100000 bytes while
# the first map waits in the gate: that map's bytes are all there, but the
# next split's cut (at 2 x 64 KiB) reads pages that are gone. It must fail
# naming the change, not die of SIGBUS, and leave no lock or output behind.
t_truncate_between_splits() {
	local i rc

	spawn sequential "$SEQ" --split-size "$SPLIT" "$FIX/gate.so" in.txt
	for ((i = 0; i < 500; i++)); do
		gate_entered && break
		sleep 0.02
	done
	if ! gate_entered; then
		REASON="no map entered the gate within 10 s"
		return 1
	fi
	truncate -s 100000 in.txt || {
		REASON="cannot truncate in.txt"
		return 1
	}
	: >mr-gate-open
	wait "$STARTED" 2>/dev/null
	rc=$(cat "$LOGS/sequential.rc" 2>/dev/null)
	if [ "$rc" != 1 ]; then
		REASON="mrsequential exited with status ${rc:-none}, not 1: $(tail -n 1 "$LOGS/sequential.log")"
		return 1
	fi
	if ! grep -q -x -F "mrsequential: in.txt: changed since the job was planned: size $SIZE -> 100000 bytes" "$LOGS/sequential.log"; then
		REASON="no error naming in.txt and its new size: $(tail -n 1 "$LOGS/sequential.log")"
		return 1
	fi
	if [ -e .mr-lock ] || [ -e mr-out-0 ]; then
		REASON="left behind: $(ls -A -- .mr-lock mr-out-0 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

t_no_newline() {
	local most base

	tr '\n' ' ' <"$T/inputs/big.txt" >nonl.txt || return 1
	if [ "$(tr -d -c '\n' <nonl.txt | wc -c)" -ne 0 ]; then
		REASON="nonl.txt holds a newline"
		return 1
	fi
	# The same bytes with their newlines: the RSS a worker needs anyway.
	peak_rss "$DIR/lines" "$T/inputs/big.txt" || return 1
	base=$RSS
	peak_rss "$DIR/job" "$DIR/nonl.txt" || return 1
	CLOG=$LOGS/job.log
	map_tasks "$NONL_MB" || return 1
	(cd job && outputs) >"$LOGS/all.txt"
	sequential wc "$DIR/nonl.txt" || return 1
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" "mrsequential's" || return 1
	# Every map task reads one split, give or take the cut's few bytes.
	most=$(jq '[.attempts[] | select(.kind == "map" and .outcome == "done") | .bytes_read] | max' job/report.json)
	if [ -z "$most" ] || [ "$most" -gt $((1048576 + 65536)) ]; then
		REASON="a map task read ${most:-?} bytes, more than a split of 1 MiB and the 64 KiB a cut may move"
		return 1
	fi
	# A worker scanning to the end of the input would hold all 40 MB.
	if [ "$RSS" -gt $((base + NONL_MB * 1024 / 4)) ]; then
		REASON="a worker's peak RSS was $RSS KB without newlines, $base KB with them: more than a quarter of the $NONL_MB MB input apart"
		return 1
	fi
	DETAIL="peak worker RSS $((RSS / 1024)) MB ($((base / 1024)) MB with the newlines), largest map task $most bytes"
}

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
need=("$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$APPS/wc.so" "$FIX/gate.so")
for t in "${SELECTED[@]}"; do
	[ "$t" = no-newline ] && need+=("$BENCHJOB")
done
find_missing "${need[@]}"
if [ "${#MISSING[@]}" -gt 0 ]; then
	for f in "${MISSING[@]}"; do
		printf '%s: missing %s\n' "$PROG" "$f" >&2
	done
	die "build them first (make, then make test or make ${BUILD%/}/test/fixtures/gate.so)"
fi
for t in "${SELECTED[@]}"; do
	if [ "$t" = no-newline ] && ! command -v jq >/dev/null 2>&1; then
		die "jq not found (scripts/install-deps --test)"
	fi
done

make_temp_folder test-inputs
make_inputs 2 '*.txt' --files 2 --bytes-per-file "$INPUT_BYTES"
for t in "${SELECTED[@]}"; do
	if [ "$t" = no-newline ]; then
		"${TIMEOUT[@]}" "$GENCORPUS" --files 1 --bytes-per-file \
			$((NONL_MB * 1048576 - 4096)) "$T/big" >"$T/logs/big.log" 2>&1 &&
			mv -- "$T/big/pg-gen-00000.txt" "$T/inputs/big.txt" ||
			die "gencorpus failed for the no-newline input"
	fi
done
run_selected
