#!/usr/bin/env bash
#
# test-sdk.sh - black-box tests of version 2 of the plugin interface and
# of the sort app: a version 1 plugin still loads and counts words as wc
# does; -D parameters reach map, reduce and init in mrsequential and in a
# job of mrrun, and a bad one is a usage error naming it, in all three
# programs; a plugin's mr_error() text is the job's failure message and
# the report's error, for map and reduce; init and fini run once per
# worker process, and a failing init fails the job with its text; map's
# byte offsets are the lines' offsets in splits and in compressed inputs;
# a custom partitioner decides the partitions, and one out of range fails
# the job; the sort app (total order) over gensort records, repeated keys
# included, plain or compressed, gives `cat mr-out-*` equal to
# `LC_ALL=C sort` of the input, balanced, with its split points removed at
# the end; a bad record is named with its number and offset; the tsv
# output format round-trips keys and values of any bytes where the text
# one cannot; and a job run again with other -D or another output format
# is another job, not resumed.
#
# usage: scripts/test-sdk.sh [TEST...]
#
# Prints "PASS: NAME (SECONDSs)" or "FAIL: NAME: REASON" per test, then
# "N passed, M failed"; exits 0 iff none failed. It builds nothing: run
# `make` and the test fixtures first. Every process runs under
# `timeout -k 2s 120s`. python3 decodes the tsv output (as Python's
# codecs.escape_decode reads C escapes).
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(abi1 params bad-params mr-error hooks init-fails offsets
	partitioner total-order total-order-gz sort-bad-record output-tsv
	identity)
TIMEOUT=(timeout -k 2s 120s)

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

RUN=$BIN/mrrun
GENSORT=$BIN/gensort
FIX=$BIN/test/fixtures
SDK2=$FIX/sdk2.so
NREDUCE=3

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	NREDUCE=3
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# job LOG [MRRUN OPTION...] -- APP INPUT...: runs mrrun with 2 workers and
# NREDUCE reduces in the job folder, its output to $LOGS/LOG.log; sets RC.
job() {
	local log=$1

	shift
	"${TIMEOUT[@]}" "$RUN" -q -n 2 --reduces "$NREDUCE" --progress 0 \
		"$@" >"$LOGS/$log.log" 2>&1
	RC=$?
}

# seq_job LOG [MRSEQUENTIAL ARG...]: runs mrsequential in $T/$NAME.seq;
# sets RC.
seq_job() {
	local log=$1

	shift
	mkdir -p -- "$T/$NAME.seq" || return 1
	(cd -- "$T/$NAME.seq" && "${TIMEOUT[@]}" "$SEQ" "$@") \
		>"$LOGS/$log.log" 2>&1
	RC=$?
}

# expect_rc WANT LOG: fails unless RC is WANT.
expect_rc() {
	if [ "$RC" -ne "$1" ]; then
		REASON="$2 exited with status $RC, expected $1: $(tail -n 2 "$LOGS/$2.log" | tr '\n' ' ')"
		return 1
	fi
}

# expect_log LOG TEXT: fails unless $LOGS/LOG.log holds TEXT.
expect_log() {
	if ! grep -q -F -- "$2" "$LOGS/$1.log"; then
		REASON="$1 does not say '$2': $(tail -n 3 "$LOGS/$1.log" | tr '\n' ' ')"
		return 1
	fi
}

# The lines of the tiny inputs of several tests.
small_inputs() {
	printf 'hello world\nfoo bar\nbaz\n' >a.txt &&
		seq 1 300 >b.txt
}

# A version 1 plugin (its descriptor ends after combine) gives wc's counts,
# alone and in a job.
t_abi1() {
	small_inputs || return 1
	cp -- "${INPUTS[@]:0:3}" . || return 1
	seq_job seq-wc "$APPS/wc.so" "$DIR"/pg-*.txt || return 1
	expect_rc 0 seq-wc || return 1
	mv "$T/$NAME.seq/mr-out-0" "$LOGS/wc.out"
	seq_job seq "$FIX/abi1.so" "$DIR"/pg-*.txt || return 1
	expect_rc 0 seq || return 1
	compare_output "$T/$NAME.seq/mr-out-0" "$LOGS/wc.out" "wc's" || return 1
	job run -- "$FIX/abi1.so" pg-*.txt
	expect_rc 0 run || return 1
	sort mr-out-* >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/wc.out" "wc's" || return 1
}

# -D values reach map and reduce (every value is the tag) and init, in
# mrsequential and in a job; a value may hold '=' and spaces.
t_params() {
	local tag='a=b c' bad

	small_inputs || return 1
	seq_job seq -D "sdk2.tag=$tag" -D other.x= "$SDK2" "$DIR/a.txt" \
		"$DIR/b.txt" || return 1
	expect_rc 0 seq || return 1
	bad=$(grep -c -v -F -- " $tag" "$T/$NAME.seq/mr-out-0")
	if [ "$bad" -ne 0 ] || [ "$(wc -l <"$T/$NAME.seq/mr-out-0")" -ne 303 ]; then
		REASON="mrsequential: $bad of $(wc -l <"$T/$NAME.seq/mr-out-0") lines without the tag"
		return 1
	fi
	job run -D "sdk2.tag=$tag" -- "$SDK2" a.txt b.txt
	expect_rc 0 run || return 1
	bad=$(cat mr-out-* | grep -c -v -F -- " $tag")
	if [ "$bad" -ne 0 ] || [ "$(cat mr-out-* | wc -l)" -ne 303 ]; then
		REASON="job: $bad of $(cat mr-out-* | wc -l) lines without the tag"
		return 1
	fi
	rm -f mr-out-*
	job untagged -- "$SDK2" a.txt
	expect_rc 0 untagged || return 1
	if [ "$(cat mr-out-* | grep -c ' -$')" -ne 3 ]; then
		REASON="without -D, mr_param() was not NULL (no default tag)"
		return 1
	fi
}

# bad_param PROGRAM TEXT ARG...: PROGRAM with ARGs exits 2 saying TEXT.
bad_param() {
	local prog=$1 text=$2 out rc

	shift 2
	out=$("${TIMEOUT[@]}" "$prog" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 2 ] || [[ $out != *"$text"* ]]; then
		REASON="${prog##*/} $*: status $rc, '$out' (expected 2 and '$text')"
		return 1
	fi
}

# A bad -D is a usage error naming it, before anything runs, in all three.
t_bad_params() {
	local long many=() i p

	long=$(printf '%4097s' x)
	for ((i = 0; i < 65; i++)); do
		many+=(-D "p$i=1")
	done
	small_inputs || return 1
	for p in "$RUN" "$COORD" "$SEQ"; do
		bad_param "$p" "-D 'a b': a name is" -D 'a b=1' "$SDK2" a.txt ||
			return 1
		bad_param "$p" "-D 'noequal': expected NAME=VALUE" -D noequal \
			"$SDK2" a.txt || return 1
		bad_param "$p" "-D x given twice" -D x=1 -D x=2 "$SDK2" a.txt ||
			return 1
		bad_param "$p" "-D v: the value is longer than 4096 bytes" \
			-D "v=$long" "$SDK2" a.txt || return 1
		bad_param "$p" "-D p64: more than 64 parameters" "${many[@]}" \
			"$SDK2" a.txt || return 1
		bad_param "$p" "--output-format: expected text or tsv, got 'bin'" \
			--output-format bin "$SDK2" a.txt || return 1
	done
	if compgen -G 'mr-*' >/dev/null; then
		REASON="a refused command line left job files: $(echo mr-*)"
		return 1
	fi
}

# The plugin's mr_error() text is the failure: in the log, as the job's
# failure, and as each failed attempt's error in the report.
t_mr_error() {
	local text='a.txt: line at byte 12 holds foo' got

	small_inputs || return 1
	job map --report "$LOGS/map.json" -D sdk2.map=foo -- "$SDK2" a.txt b.txt
	expect_rc 1 map || return 1
	expect_log map "job failed: " || return 1
	expect_log map "last error: $text" || return 1
	if grep -q 'map function of sdk2 failed' "$LOGS/map.log"; then
		REASON="the log still says 'map function of sdk2 failed'"
		return 1
	fi
	got=$(jq -r '[.attempts[] | select(.outcome == "failed") | .error] |
		unique | join("|")' "$LOGS/map.json")
	if [ "$got" != "$text" ]; then
		REASON="report errors '$got', expected '$text'"
		return 1
	fi
	if [[ $(jq -r .job.failure "$LOGS/map.json") != *"$text"* ]]; then
		REASON="report failure: $(jq -r .job.failure "$LOGS/map.json")"
		return 1
	fi
	seq_job seq -D sdk2.map=foo "$SDK2" "$DIR/a.txt" || return 1
	expect_rc 1 seq || return 1
	expect_log seq "$DIR/$text" || return 1
	# The failed job's journal and files go: this is another job.
	job reduce --overwrite -D sdk2.reduce=b.txt@000000000010 -- "$SDK2" \
		a.txt b.txt
	expect_rc 1 reduce || return 1
	expect_log reduce "last error: reduce refused b.txt@000000000010" ||
		return 1
}

# init and fini run once in each worker process (and in mrsequential),
# init before fini, with the parameters known.
t_hooks() {
	local pids n

	small_inputs || return 1
	job run -D "sdk2.trace=$LOGS/trace" -- "$SDK2" a.txt b.txt
	expect_rc 0 run || return 1
	pids=$(awk '$1 == "init" { print $2 }' "$LOGS/trace" | sort)
	n=$(wc -w <<<"$pids")
	if [ "$n" -lt 1 ] || [ "$n" -gt 2 ] ||
	    [ "$(sort -u <<<"$pids" | wc -l)" -ne "$n" ]; then
		REASON="init ran in pids '$pids': not once per worker of 2"
		return 1
	fi
	if [ "$(awk '$1 == "fini" { print $2 }' "$LOGS/trace" | sort)" != "$pids" ]; then
		REASON="fini did not run once in each process init ran in: $(tr '\n' ' ' <"$LOGS/trace")"
		return 1
	fi
	for p in $pids; do
		if [ "$(grep -E "^(init|fini) $p\$" "$LOGS/trace" | cut -d' ' -f1 | tr '\n' ' ')" != "init fini " ]; then
			REASON="process $p: $(grep " $p\$" "$LOGS/trace" | tr '\n' ' ')"
			return 1
		fi
	done
	seq_job seq -D "sdk2.trace=$LOGS/seqtrace" "$SDK2" "$DIR/a.txt" ||
		return 1
	expect_rc 0 seq || return 1
	if [ "$(cut -d' ' -f1 "$LOGS/seqtrace" | tr '\n' ' ')" != "init fini " ]; then
		REASON="mrsequential: $(tr '\n' ' ' <"$LOGS/seqtrace")"
		return 1
	fi
}

# A failing init fails the tasks its worker is given with its text, so the
# job fails with it; fini never runs then.
t_init_fails() {
	small_inputs || return 1
	job run -D sdk2.init=fail -D "sdk2.trace=$LOGS/trace" -- "$SDK2" a.txt
	expect_rc 1 run || return 1
	expect_log run "last error: init of sdk2 failed: asked to fail" ||
		return 1
	if grep -q '^fini' "$LOGS/trace"; then
		REASON="fini ran after a failed init"
		return 1
	fi
	seq_job seq -D sdk2.init=fail "$SDK2" "$DIR/a.txt" || return 1
	expect_rc 1 seq || return 1
	expect_log seq "init of sdk2 failed: asked to fail" || return 1
	if [ -e "$T/$NAME.seq/mr-out-0" ]; then
		REASON="mrsequential wrote mr-out-0 after a failed init"
		return 1
	fi
}

# Where each line starts, as sdk2's keys name them: "NAME@OFFSET -".
line_offsets() {
	awk -v name="$1" '{ printf "%s@%012d -\n", name, off; off += length($0) + 1 }' "$2"
}

# mr_input_offset() in splits of a large input and in pieces of a
# compressed one is the byte offset of what map got: every line's key
# names where it starts.
t_offsets() {
	cat -- "${INPUTS[@]:0:2}" >big.txt || return 1
	gzip -c big.txt >big.txt.gz || return 1
	line_offsets big.txt big.txt >"$LOGS/expected.txt"
	line_offsets big.txt.gz big.txt >>"$LOGS/expected.txt"
	sort -o "$LOGS/expected.txt" "$LOGS/expected.txt"
	job run --split-size 16K -- "$SDK2" big.txt big.txt.gz
	expect_rc 0 run || return 1
	sort mr-out-* >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/expected.txt" "the lines' offsets" ||
		return 1
	seq_job seq --split-size 16K "$SDK2" "$DIR/big.txt" || return 1
	expect_rc 0 seq || return 1
	line_offsets "$DIR/big.txt" big.txt >"$LOGS/seqexpected.txt"
	compare_output "$T/$NAME.seq/mr-out-0" "$LOGS/seqexpected.txt" \
		"the lines' offsets" || return 1
	DETAIL="$(wc -l <"$LOGS/output.txt") lines, $(($(wc -c <big.txt) / 16384 + 1)) splits"
}

# sdk2's partitioner (the key's last digit, mod 3) decides where each key
# goes; one answering out of range fails the job, saying so.
t_partitioner() {
	local y bad

	small_inputs || return 1
	job run -- "$SDK2" a.txt b.txt
	expect_rc 0 run || return 1
	for ((y = 0; y < NREDUCE; y++)); do
		bad=$(awk -v y="$y" '{ k = $1; d = substr(k, length(k), 1); if (d % 3 != y) n++ } END { print n + 0 }' "mr-out-$y")
		if [ "$bad" -ne 0 ] || [ ! -s "mr-out-$y" ]; then
			REASON="mr-out-$y: $bad keys of another partition (or empty)"
			return 1
		fi
	done
	rm -f mr-out-*
	job bad -D sdk2.part=bad -- "$SDK2" a.txt
	expect_rc 1 bad || return 1
	expect_log bad "the partition function gave 3 for a key of 18 bytes, not below 3 partitions" ||
		return 1
}

# sort_records N FILE: N gensort records, then 50 more that repeat keys
# of the first ones with other record numbers.
sort_records() {
	"$GENSORT" "$1" "$2" || return 1
	head -n 50 -- "$2" | sed 's/^\(..........  \)0/\1F/' >>"$2"
}

# check_sorted INPUT WHOSE: fails unless cat mr-out-0 .. mr-out-N is the
# input sorted by LC_ALL=C sort, each output holding at least a tenth of
# what an even split gives, and no split points left.
check_sorted() {
	local y n total min

	LC_ALL=C sort -- "$1" >"$LOGS/expected.txt"
	for ((y = 0; y < NREDUCE; y++)); do
		cat -- "mr-out-$y"
	done >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/expected.txt" \
		"LC_ALL=C sort ($2)" || return 1
	total=$(wc -l <"$1")
	min=$((total / NREDUCE / 10))
	for ((y = 0; y < NREDUCE; y++)); do
		n=$(wc -l <"mr-out-$y")
		if [ "$n" -lt "$min" ]; then
			REASON="mr-out-$y holds $n of $total records: not balanced"
			return 1
		fi
	done
	if compgen -G 'mr-splits-*' >/dev/null; then
		REASON="split points left after the job: $(echo mr-splits-*)"
		return 1
	fi
}

# The sort app: a total order over several map tasks and 2 workers, with
# repeated keys; mrsequential gives the same bytes.
t_total_order() {
	NREDUCE=4
	sort_records 30000 in.dat || return 1
	job run --split-size 256K -- sort in.dat
	expect_rc 0 run || return 1
	check_sorted in.dat "the job" || return 1
	seq_job seq sort "$DIR/in.dat" || return 1
	expect_rc 0 seq || return 1
	compare_output "$T/$NAME.seq/mr-out-0" "$LOGS/expected.txt" "sort" ||
		return 1
	DETAIL="$(wc -l <in.dat) records in $NREDUCE partitions of $(wc -l mr-out-* | head -n "$NREDUCE" | awk '{ printf "%s%s", s, $1; s = "," }') records"
}

# The same over compressed inputs, each sampled from its text's start.
t_total_order_gz() {
	NREDUCE=3
	sort_records 10000 a.dat || return 1
	"$GENSORT" -b 10000 10000 b.dat || return 1
	gzip -c a.dat >a.dat.gz && gzip -c b.dat >b.dat.gz || return 1
	cat a.dat b.dat >all.dat
	job run --split-size 128K -- sort a.dat.gz b.dat.gz
	expect_rc 0 run || return 1
	check_sorted all.dat "compressed inputs" || return 1
}

# A line that is no record fails the job naming its number and offset.
t_sort_bad_record() {
	"$GENSORT" 10 in.dat || return 1
	sed -i '5s/^\(..........\) /\1x/' in.dat
	job run -- sort in.dat
	expect_rc 1 run || return 1
	expect_log run "in.dat: record 5 (byte 400): not a line of 100 bytes with a space after its 10-byte key" ||
		return 1
}

# hexrec's records of every awkward byte come back whole from tsv output
# decoded with C escapes; text output mixes them up.
t_output_tsv() {
	local i

	command -v python3 >/dev/null 2>&1 || { DETAIL="skipped: no python3"; return 0; }
	# Keys and values of random bytes (those a line cannot hold among
	# them), each key made unique by its number.
	awk 'BEGIN { srand(13); for (i = 0; i < 400; i++) {
		k = sprintf("%04x", i); n = int(rand() * 6)
		for (j = 0; j < n; j++) k = k sprintf("%02x", int(rand() * 256))
		v = ""; n = int(rand() * 12)
		for (j = 0; j < n; j++) {
			r = rand()
			b = r < 0.3 ? substr("090a0d5c20007f", 1 + 2 * int(rand() * 7), 2) : sprintf("%02x", int(rand() * 256))
			v = v b
		}
		print k " " v } }' >in.hex
	sort in.hex >"$LOGS/expected.txt"
	job run --output-format tsv -- "$FIX/hexrec.so" in.hex
	expect_rc 0 run || return 1
	# shellcheck disable=SC2016 # Python, not shell
	cat mr-out-* | python3 -c '
import codecs, sys
data = sys.stdin.buffer.read()
for line in data.split(b"\n")[:-1]:
    k, v = line.split(b"\t")
    print(codecs.escape_decode(k)[0].hex(), codecs.escape_decode(v)[0].hex())
' | sort >"$LOGS/output.txt" || { REASON="the tsv output does not decode"; return 1; }
	compare_output "$LOGS/output.txt" "$LOGS/expected.txt" "the records" ||
		return 1
	for ((i = 0; i < NREDUCE; i++)); do
		if [ "$(tr -cd '\t' <"mr-out-$i" | wc -c)" -ne "$(wc -l <"mr-out-$i")" ]; then
			REASON="mr-out-$i: not one tab per line"
			return 1
		fi
	done
	seq_job seq --output-format tsv "$FIX/hexrec.so" "$DIR/in.hex" || return 1
	expect_rc 0 seq || return 1
	cat mr-out-* | sort >"$LOGS/job.tsv"
	sort "$T/$NAME.seq/mr-out-0" | cmp -s - "$LOGS/job.tsv" || {
		REASON="mrsequential's tsv output differs from the job's"
		return 1
	}
	rm -f mr-out-*
	job text -- "$FIX/hexrec.so" in.hex
	expect_rc 0 text || return 1
	if [ "$(cat mr-out-* | wc -l)" -eq 400 ]; then
		REASON="the text output has one line per record: these records were not awkward"
		return 1
	fi
	DETAIL="400 records; text output: $(cat mr-out-* | wc -l) lines"
}

# A coordinator killed at once leaves the journal of its job; run again
# with another -D or --output-format, it is another job and refused,
# saying what differs; with the same ones, it resumes.
t_identity() {
	local pid

	small_inputs || return 1
	# As spawn does, but its shell's "Killed" goes nowhere.
	( "${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --reduces 2 --progress 0 \
		-D x=1 -- a.txt >"$LOGS/first.log" 2>&1
	echo "$?" >"$LOGS/first.rc" ) 2>/dev/null &
	wait_socket "$LOGS/first.rc" || return 1
	# The coordinator itself (its lock file names it), not its subshell.
	read -r pid _ <.mr-lock || { REASON="no lock file"; return 1; }
	kill -KILL "$pid"
	wait
	rm -f "$SOCK"
	[ -e .mr-journal ] || { REASON="no journal left"; return 1; }
	: >mr-out-0	# a file of the job, so that the journal is kept
	RC=0
	"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --reduces 2 --progress 0 \
		-D x=2 -- a.txt >"$LOGS/other.log" 2>&1 || RC=$?
	expect_rc 1 other || return 1
	expect_log other "holds the journal of another job that did not finish" ||
		return 1
	expect_log other "-D x=2 here, x=1 there" || return 1
	RC=0
	"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --reduces 2 --progress 0 \
		-- a.txt >"$LOGS/none.log" 2>&1 || RC=$?
	expect_rc 1 none || return 1
	expect_log none "no -D x here, x=1 there" || return 1
	RC=0
	"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --reduces 2 --progress 0 \
		-D x=1 --output-format tsv -- a.txt >"$LOGS/format.log" 2>&1 || RC=$?
	expect_rc 1 format || return 1
	expect_log format "--output-format tsv here, text there" || return 1
	spawn coordinator "$COORD" --socket "$SOCK" --reduces 2 --progress 0 \
		-D x=1 -- a.txt
	wait_socket || return 1
	spawn_worker "$WORKER" --socket "$SOCK" "$SDK2"
	wait
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	expect_log coordinator "resuming the job" || return 1
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/install-deps --test)"
find_missing "$GENCORPUS" "$GENSORT" "$COORD" "$WORKER" "$SEQ" "$RUN" \
	"$APPS/wc.so" "$APPS/sort.so" "$SDK2" "$FIX/abi1.so" "$FIX/hexrec.so"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make and make test first"
fi
make_temp_folder test-sdk
make_inputs 3 'pg-*.txt' --files 3 --bytes-per-file 60000
# Absolute: the tests copy them.
INPUTS=("$T"/inputs/pg-*.txt)
run_selected
