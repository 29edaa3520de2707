#!/usr/bin/env bash
#
# test-mrpipe.sh - black-box tests of mrpipe, an application as a Hadoop
# Streaming command, in shell pipelines standing for Hadoop.
#
# usage: scripts/test-mrpipe.sh [TEST...]
#
# wc-pipeline: `cat inputs | mrpipe map wc | sort | mrpipe reduce wc` is
# byte for byte mrsequential's mr-out-0 over the inputs, and map's counter
# line holds mrsequential's count. indexer-per-file: one map per input with
# mapreduce_map_input_file naming it, as Hadoop runs them, gives
# mrsequential's index and counters. input-name: the name map is told
# ($mapreduce_map_input_file, $map_input_file, "stdin"). combine: a
# combine per input between map and reduce gives the same result with
# each key once per input; a combine that emits another key, and an
# application without one, are errors. unsorted: a key out of order is an
# error naming its line, for reduce and combine, and keys holding a byte
# below the tab are accepted in Hadoop's order only. no-tab: a line
# without a tab is a key with an empty value. failing: a failing map or
# reduce ends mrpipe with status 1 and a message, and no counters.
# bad-records: records no line can hold are errors naming them. counters:
# reporter:counter:GROUP,NAME,AMOUNT lines on stderr, last, sorted, a comma
# in a name as '_'. empty: an empty input. long-lines: lines longer than
# the piece, longer than a cut's search, and a word longer than that, cut
# exactly where mrsequential --split-size cuts (the `pieces` fixture lists
# the pieces); a reduce line longer than the read buffer. memory: the peak
# RSS of map over 48 MB, and of reduce over one key with 8 million values,
# within 8 MB of the same over a small input. usage: usage errors exit 2
# in two lines, --help and --version exit 0.
#
# Prints one line per test, "PASS: NAME (SECONDSs)" or "FAIL: NAME:
# REASON", then "N passed, M failed"; exits 0 iff none failed. It builds
# nothing: run `make` and `make test` (or make BUILD/test/fixtures/...)
# first.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
# The last command of a pipeline runs in this shell, so that the RC a
# `... | pipe ...` sets is seen.
shopt -s lastpipe
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(wc-pipeline indexer-per-file input-name combine unsorted no-tab
	failing bad-records counters empty long-lines memory usage)
TIMEOUT=(timeout -k 2s 120s)
MEM_MB=48		# the large input of the memory test
MEM_SLACK_KB=8192	# how much more than over a small input it may need

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
FIX=$BIN/test/fixtures
MRPIPE=$BIN/mrpipe
install_cleanup

TAB=$'\t'
RC=""		# exit status of the last mrpipe run
PIPE_ST=()	# exit statuses of the last pipeline

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# pipe LOG ARG...: mrpipe ARG..., standard input and output the caller's,
# standard error appended to $LOGS/LOG.log; sets RC (last in a pipeline
# only) and returns it (in PIPESTATUS anywhere).
pipe() {
	local log=$1

	shift
	"${TIMEOUT[@]}" "$MRPIPE" "$@" 2>>"$LOGS/$log.log"
	RC=$?
	return "$RC"
}

# job APP OUT FILE...: cat FILE... | mrpipe map APP | sort | mrpipe reduce
# APP >OUT, logs in map.log and reduce.log; fails unless both succeed.
job() {
	local app=$1 out=$2

	shift 2
	cat -- "$@" | "${TIMEOUT[@]}" "$MRPIPE" map "$app" 2>>"$LOGS/map.log" |
		sort | "${TIMEOUT[@]}" "$MRPIPE" reduce "$app" >"$out" \
		2>>"$LOGS/reduce.log"
	PIPE_ST=("${PIPESTATUS[@]}")
	if [ "${PIPE_ST[1]}" != 0 ] || [ "${PIPE_ST[3]}" != 0 ]; then
		REASON="mrpipe map exited with status ${PIPE_ST[1]}, mrpipe reduce with ${PIPE_ST[3]}"
		return 1
	fi
}

# run_seq APP [OPTION...] FILE...: mrsequential with those arguments, run
# in $T/$NAME.seq (so that ../inputs/NAME names the same files), whose
# mr-out-0 it leaves there; its log is sequential.log.
run_seq() {
	local seqdir=$T/$NAME.seq

	mkdir -p -- "$seqdir" && rm -f -- "$seqdir/mr-out-0" || return 1
	if ! (cd -- "$seqdir" && "${TIMEOUT[@]}" "$SEQ" "$@") \
		>"$LOGS/sequential.log" 2>&1; then
		REASON="mrsequential $* failed: $(tail -n 1 "$LOGS/sequential.log")"
		return 1
	fi
}

# same_as_seq OUT APP [OPTION...] FILE...: OUT must be byte for byte the
# mr-out-0 of run_seq with those arguments.
same_as_seq() {
	local out=$1

	shift
	run_seq "$@" || return 1
	compare_output "$out" "$T/$NAME.seq/mr-out-0" "mrsequential's mr-out-0"
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

# seq_counters: mrsequential's counters line, "NAME N, NAME N".
seq_counters() {
	grep -o 'counters: .*' "$LOGS/sequential.log" | sed 's/^counters: //'
}

# pipe_counters LOG...: the sums of the reporter:counter lines of the logs
# per counter, in mrsequential's form.
pipe_counters() {
	local f

	for f in "$@"; do
		grep '^reporter:counter:' "$LOGS/$f.log"
	done | sed 's/^reporter:counter:[^,]*,//' |
		awk -F, '{ s[$1] += $2 } END { for (n in s) print n " " s[n] }' |
		sort | paste -sd, - | sed 's/,/, /g'
}

t_wc_pipeline() {
	local start ms words

	start=$(date +%s%N)
	job wc out.txt "${INPUTS[@]}" || return 1
	ms=$((($(date +%s%N) - start) / 1000000))
	same_as_seq out.txt wc "${INPUTS[@]}" || return 1
	if [ "$(pipe_counters map reduce)" != "$(seq_counters)" ]; then
		REASON="counters '$(pipe_counters map reduce)', mrsequential's '$(seq_counters)'"
		return 1
	fi
	words=$(pipe_counters map)
	DETAIL="$(wc -l <out.txt) keys, ${words#words } words, the pipeline in ${ms} ms"
}

t_indexer_per_file() {
	local f

	: >mapped.txt
	for f in "${INPUTS[@]}"; do
		mapreduce_map_input_file=$f pipe map map indexer <"$f" \
			>>mapped.txt
		expect_rc 0 "mrpipe map indexer <$f" || return 1
	done
	sort mapped.txt | pipe reduce reduce indexer >out.txt
	expect_rc 0 "mrpipe reduce indexer" || return 1
	same_as_seq out.txt indexer "${INPUTS[@]}" || return 1
	if [ "$(pipe_counters map reduce)" != "$(seq_counters)" ]; then
		REASON="counters '$(pipe_counters map reduce)', mrsequential's '$(seq_counters)'"
		return 1
	fi
	# All the inputs as one, named stdin: one document.
	cat -- "${INPUTS[@]}" | pipe one map indexer | sort |
		"$MRPIPE" reduce indexer >one.txt 2>>"$LOGS/one.log"
	if [ ! -s one.txt ] || grep -vq ' 1 stdin$' one.txt; then
		REASON="without the variable, the index is not that of one input named stdin: $(head -n 1 one.txt)"
		return 1
	fi
	DETAIL="$(wc -l <out.txt) words in ${#INPUTS[@]} inputs: $(pipe_counters map reduce)"
}

# name_told [VAR=VALUE...]: the name map told nocrash it reads (nocrash
# emits it as the value of "a"), with only those of the two variables set.
name_told() {
	printf 'x\n' | env -u mapreduce_map_input_file -u map_input_file "$@" \
		"$MRPIPE" map nocrash 2>>"$LOGS/map.log" | sed -n "s/^a$TAB//p"
}

t_input_name() {
	local got

	got=$(name_told)
	[ "$got" = stdin ] || { REASON="with no variable, map was told '$got'"; return 1; }
	got=$(name_told map_input_file=old/part-0)
	[ "$got" = old/part-0 ] || { REASON="with map_input_file, map was told '$got'"; return 1; }
	got=$(name_told map_input_file=old mapreduce_map_input_file='hdfs://nn/in/a b.txt')
	[ "$got" = 'hdfs://nn/in/a b.txt' ] ||
		{ REASON="with both variables, map was told '$got'"; return 1; }
	got=$(name_told mapreduce_map_input_file= map_input_file=old)
	[ "$got" = old ] || { REASON="with mapreduce_map_input_file empty, map was told '$got'"; return 1; }
}

t_combine() {
	local f n=0 dup

	: >combined.txt
	for f in "${INPUTS[@]}"; do
		n=$((n + 1))
		pipe map map wc <"$f" >"map-$n.txt"
		expect_rc 0 "mrpipe map wc" || return 1
		sort "map-$n.txt" | pipe combine combine wc >"comb-$n.txt"
		expect_rc 0 "mrpipe combine wc" || return 1
		dup=$(cut -f1 "comb-$n.txt" | uniq -d | head -n 1)
		if [ -n "$dup" ] || [ ! -s "comb-$n.txt" ]; then
			REASON="combine over input $n left key '$dup' twice (or wrote nothing)"
			return 1
		fi
		if [ "$(wc -l <"comb-$n.txt")" -ge "$(wc -l <"map-$n.txt")" ]; then
			REASON="combine over input $n wrote as many lines as map"
			return 1
		fi
		cat "comb-$n.txt" >>combined.txt
	done
	sort combined.txt | pipe reduce reduce wc >out.txt
	expect_rc 0 "mrpipe reduce wc" || return 1
	same_as_seq out.txt wc "${INPUTS[@]}" || return 1
	# combine over the whole sorted stream: reduce's lines, with a tab.
	cat map-*.txt | sort | pipe combine combine wc | tr '\t' ' ' >all.txt
	compare_output all.txt "$T/$NAME.seq/mr-out-0" "mrsequential's mr-out-0 (tabs as spaces)" ||
		return 1
	printf 'k=1\nk=rename\n' | pipe map map "$FIX/records.so" | sort |
		pipe bad combine "$FIX/records.so" >/dev/null
	expect_rc 1 "a combine emitting another key" || return 1
	expect_msg bad 'stdin:1: combine function of records emitted key "renamed", not the key "k" it was given' \
		"mrpipe combine" || return 1
	printf 'a\t1\n' | pipe none combine nocrash >/dev/null
	expect_rc 1 "mrpipe combine nocrash" || return 1
	expect_msg none "the application nocrash has no combine function" \
		"mrpipe combine nocrash" || return 1
	DETAIL="$(cat map-*.txt | wc -l) records combined into $(wc -l <combined.txt)"
}

t_unsorted() {
	local mode

	for mode in reduce combine; do
		printf 'a\t1\nb\t1\nb\t1\na\t1\nc\t1\n' |
			pipe "$mode" "$mode" wc >"$mode.txt"
		expect_rc 1 "mrpipe $mode over unsorted lines" || return 1
		expect_msg "$mode" 'stdin:4: key "a" comes after key "b" (line 2): the input is not sorted by key' \
			"mrpipe $mode" || return 1
		if grep -q '^c' "$mode.txt"; then
			REASON="mrpipe $mode went on past the line out of order"
			return 1
		fi
	done
	# The first key of a group is checked, not only the others.
	printf 'b\t1\na\t1\n' | pipe first reduce wc >/dev/null
	expect_rc 1 "mrpipe reduce over two keys out of order" || return 1
	expect_msg first 'stdin:2: key "a" comes after key "b" (line 1)' \
		"mrpipe reduce" || return 1
	# "a\001" after "a" in Hadoop's (bytewise) order; plain sort puts the
	# lines the other way round, sorting by key alone does not.
	printf 'a\001\t1\na\t1\na\t1\n' | sort | pipe plain reduce wc >/dev/null
	expect_rc 1 "mrpipe reduce after plain sort" || return 1
	expect_msg plain 'stdin:2: key "a" comes after key "a' "mrpipe reduce" ||
		return 1
	printf 'a\001\t1\na\t1\na\t1\n' | sort -t "$TAB" -k1,1 |
		pipe bykey reduce wc >bykey.txt
	expect_rc 0 "mrpipe reduce after sort by key" || return 1
	if [ "$(od -An -c bykey.txt | tr -s ' ')" != "$(printf 'a 2\na\001 1\n' | od -An -c | tr -s ' ')" ]; then
		REASON="over keys holding a byte below the tab, reduce wrote $(od -An -c bykey.txt)"
		return 1
	fi
}

t_no_tab() {
	printf 'a\nb\tx\nb\nc\tq\tr\nd' | pipe reduce reduce "$FIX/records.so" >out.txt
	expect_rc 0 "mrpipe reduce" || return 1
	printf 'a \nb  x\nc q\tr\nd \n' >want.txt
	compare_output out.txt want.txt "the lines expected" || return 1
	printf 'a\nb\tx\nb\n' | pipe combine combine "$FIX/records.so" >comb.txt
	expect_rc 0 "mrpipe combine" || return 1
	printf 'a\t\nb\tx\nb\t\n' >want.txt
	compare_output comb.txt want.txt "the lines expected"
}

t_failing() {
	pipe map map "$FIX/failmap.so" <"${INPUTS[0]}" >map.txt
	expect_rc 1 "mrpipe map failmap" || return 1
	expect_msg map "mrpipe: stdin: map function of failmap failed on the piece at byte 0" \
		"mrpipe map failmap" || return 1
	if [ -s map.txt ]; then
		REASON="mrpipe map failmap wrote output"
		return 1
	fi
	# wc's reduce fails on a count that is not a number.
	printf 'a\t1\nthe\t1\nthe\tmany\nz\t1\n' | pipe reduce reduce wc >reduce.txt
	expect_rc 1 "mrpipe reduce wc over a bad count" || return 1
	expect_msg reduce 'mrpipe: stdin:2: reduce function of wc failed on key "the"' \
		"mrpipe reduce wc" || return 1
	if grep -q '^z' reduce.txt; then
		REASON="mrpipe reduce went on past the failure"
		return 1
	fi
	printf 'x\t1\nx\ttwo\n' | pipe combine combine wc >/dev/null
	expect_rc 1 "mrpipe combine wc over a bad count" || return 1
	expect_msg combine 'stdin:1: combine function of wc failed on key "x"' \
		"mrpipe combine wc" || return 1
	if grep -q '^reporter:' "$LOGS"/*.log; then
		REASON="a failed run wrote counters: $(grep -h '^reporter:' "$LOGS"/*.log | head -n 1)"
		return 1
	fi
}

# bad_record INPUT WHAT: records' map over INPUT must fail naming WHAT.
bad_record() {
	printf '%s\n' "$1" | pipe bad map "$FIX/records.so" >/dev/null
	expect_rc 1 "map emitting $2" || return 1
	expect_msg bad "stdin: map function of records emitted $2" \
		"mrpipe map" || return 1
	# It counted the record before it failed: no counter of a failed run.
	if grep -q '^reporter:' "$LOGS/bad.log"; then
		REASON="a failed map wrote its counters: $(grep '^reporter:' "$LOGS/bad.log")"
		return 1
	fi
	: >"$LOGS/bad.log"
}

t_bad_records() {
	bad_record 'a\tb=1' 'a key holding a tab (key "a\tb")' || return 1
	bad_record 'a\nb=1' 'a key holding a newline (key "a\nb")' || return 1
	bad_record 'ok=1\nz' 'a value holding a newline (key "ok")' || return 1
	# A tab in a value is no newline: the value is the rest of the line.
	printf 'k=x\\ty\n' | pipe map map "$FIX/records.so" >out.txt
	expect_rc 0 "map emitting a value with a tab" || return 1
	printf 'k\tx\ty\n' >want.txt
	compare_output out.txt want.txt "the line expected"
}

t_counters() {
	local last

	printf 'hello\n' | pipe nocrash map nocrash >out.txt
	expect_rc 0 "mrpipe map nocrash" || return 1
	printf 'reporter:counter:nocrash,bytes,6\nreporter:counter:nocrash,inputs,1\n' >want.txt
	compare_output "$LOGS/nocrash.log" want.txt "nocrash's two counters, sorted" ||
		return 1
	if grep -q reporter out.txt; then
		REASON="counters went to the standard output"
		return 1
	fi
	printf 'a=1\nb=2\nc=3\n' | pipe records map "$FIX/records.so" >/dev/null
	expect_rc 0 "mrpipe map records" || return 1
	last=$(tail -n 1 "$LOGS/records.log")
	if [ "$last" != "reporter:counter:records,records_seen,3" ]; then
		REASON="records' counter \"records,seen\" was written '$last'"
		return 1
	fi
	cat -- "${INPUTS[@]}" | pipe wc map wc >/dev/null
	expect_rc 0 "mrpipe map wc" || return 1
	run_seq wc "${INPUTS[@]}" || return 1
	last=$(tail -n 1 "$LOGS/wc.log")
	if [ "$last" != "reporter:counter:wc,words,$(seq_counters | sed 's/^words //')" ]; then
		REASON="wc's counter line '$last', mrsequential's '$(seq_counters)'"
		return 1
	fi
	# reduce's own: nocrash counts its keys.
	printf 'a\tx\nb\ty\nb\tz\n' | pipe keys reduce nocrash >/dev/null
	expect_rc 0 "mrpipe reduce nocrash" || return 1
	last=$(tail -n 1 "$LOGS/keys.log")
	if [ "$last" != "reporter:counter:nocrash,keys,2" ]; then
		REASON="nocrash's reduce counter was written '$last'"
		return 1
	fi
}

t_empty() {
	local mode

	: | pipe map map wc >out.txt
	expect_rc 0 "mrpipe map over nothing" || return 1
	if [ -s out.txt ]; then
		REASON="mrpipe map over nothing wrote output"
		return 1
	fi
	: >empty.txt
	same_as_seq out.txt wc ../"$NAME"/empty.txt || return 1
	if [ "$(pipe_counters map)" != "$(seq_counters)" ]; then
		REASON="over nothing, counters '$(pipe_counters map)', mrsequential's '$(seq_counters)'"
		return 1
	fi
	for mode in reduce combine; do
		: | pipe "$mode" "$mode" wc >out.txt
		expect_rc 0 "mrpipe $mode over nothing" || return 1
		if [ -s out.txt ] || [ -s "$LOGS/$mode.log" ]; then
			REASON="mrpipe $mode over nothing wrote something"
			return 1
		fi
	done
}

# long_lines_input: long.txt, with a line of 5000 bytes, one of 100 KB of
# words, a word of 70 000 ASCII letters, one of 70 000 two-byte letters
# and a last line without a newline.
long_lines_input() {
	local i

	{
		sed -n 1,50p "${INPUTS[0]}"
		for ((i = 0; i < 1000; i++)); do printf 'word '; done
		echo
		for ((i = 0; i < 10000; i++)); do printf 'a%d bb ' "$i"; done
		echo
		head -c 70000 /dev/zero | tr '\0' x
		echo
		yes $'\303\251' | head -n 70000 | tr -d '\n'
		echo " end"
		sed -n 51,200p "${INPUTS[0]}"
		printf 'the last line'
	} >long.txt
}

t_long_lines() {
	local b app v f

	long_lines_input
	# Streams of a piece and one byte (the byte a piece of its own), of
	# one piece, and of two.
	{ head -c 1023 long.txt; echo; echo; } >edge-1025.txt
	head -c 1024 long.txt >edge-1024.txt
	head -c 2048 long.txt >edge-2048.txt
	for f in edge-1025 edge-1024 edge-2048; do
		pipe edge map -b 1K "$FIX/pieces.so" <"$f.txt" | sort |
			pipe edge reduce "$FIX/pieces.so" >out.txt
		expect_rc 0 "mrpipe map -b 1K over $f.txt" || return 1
		same_as_seq out.txt -b 1K "$FIX/pieces.so" ../"$NAME/$f.txt" ||
			return 1
	done
	for b in 1K 64K 100K; do
		for app in "$FIX/pieces.so" wc; do
			pipe map map -b "$b" "$app" <long.txt | sort |
				pipe reduce reduce "$app" >out.txt
			PIPE_ST=("${PIPESTATUS[@]}")
			RC=${PIPE_ST[0]}
			expect_rc 0 "mrpipe map -b $b over long lines" || return 1
			RC=${PIPE_ST[2]}
			expect_rc 0 "mrpipe reduce after -b $b" || return 1
			same_as_seq out.txt -b "$b" "$app" ../"$NAME"/long.txt ||
				return 1
		done
	done
	# A reduce line of 3 MiB, longer than the read buffer, and after it.
	v=$(head -c 3145728 /dev/zero | tr '\0' y)
	printf 'k\t%s\nk\tz\nl\t%s\n' "$v" "$v" |
		pipe long reduce "$FIX/records.so" >out.txt
	expect_rc 0 "mrpipe reduce over a 3 MiB line" || return 1
	printf 'k %s z\nl %s\n' "$v" "$v" >want.txt
	compare_output out.txt want.txt "the lines expected" || return 1
	DETAIL="$(wc -c <long.txt) bytes in $(grep -m 1 -o 'pieces,pieces,[0-9]*' "$LOGS/map.log" | sed 's/.*,//') pieces at -b 1K"
}

# peak_rss ARG...: sets RSS to the peak RSS (KB) of mrpipe ARG... once it
# has read the whole of ./input, which a FIFO feeds it: it is read while
# mrpipe still runs, from /proc.
peak_rss() {
	local pid kid="" i

	rm -f fifo && mkfifo fifo || return 1
	"${TIMEOUT[@]}" "$MRPIPE" "$@" <fifo >/dev/null 2>>"$LOGS/rss.log" &
	pid=$!
	exec 3>fifo
	cat input >&3
	for ((i = 0; i < 50; i++)); do
		read -r kid _ <"/proc/$pid/task/$pid/children" 2>/dev/null
		[ -n "$kid" ] && break
		sleep 0.1
	done
	# All but the pipe's 64 KiB has been read; what is left is read in
	# the time /proc takes to answer.
	RSS=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$kid/status" 2>/dev/null)
	exec 3>&-
	wait "$pid"
	RC=$?
	if [ -z "$RSS" ] || [ "$RC" != 0 ]; then
		REASON="mrpipe $* exited with status $RC (peak RSS '${RSS}')"
		return 1
	fi
}

t_memory() {
	local small big i smallr bigr

	cat -- "${INPUTS[@]}" >small.txt
	: >big.txt
	for ((i = 0; i < MEM_MB * 1048576 / $(stat -c %s small.txt) + 1; i++)); do
		cat small.txt >>big.txt
	done
	ln -sf small.txt input && peak_rss map -b 1M wc || return 1
	small=$RSS
	ln -sf big.txt input && peak_rss map -b 1M wc || return 1
	big=$RSS
	if [ "$big" -gt $((small + MEM_SLACK_KB)) ]; then
		REASON="map's peak RSS was $big KB over $(($(stat -c %s big.txt) >> 20)) MB, $small KB over $(($(stat -c %s small.txt) >> 20)) MB"
		return 1
	fi
	yes "the${TAB}1" | head -n 100000 >input.small
	yes "the${TAB}1" | head -n 8000000 >input.big
	ln -sf input.small input && peak_rss reduce wc || return 1
	smallr=$RSS
	ln -sf input.big input && peak_rss reduce wc || return 1
	bigr=$RSS
	if [ "$bigr" -gt $((smallr + MEM_SLACK_KB)) ]; then
		REASON="reduce's peak RSS was $bigr KB over 8 million values of one key, $smallr KB over 100 000"
		return 1
	fi
	DETAIL="peak RSS: map $((big / 1024)) MB over $(($(stat -c %s big.txt) >> 20)) MB ($((small / 1024)) MB over 1 MB), reduce $((bigr / 1024)) MB over 8M values"
}

# usage_error LOG ARG...: mrpipe ARG... must exit 2 with two lines, the
# second the hint to --help.
usage_error() {
	local log=$1

	shift
	pipe "$log" "$@" </dev/null >/dev/null
	expect_rc 2 "mrpipe $*" || return 1
	if [ "$(wc -l <"$LOGS/$log.log")" != 2 ] ||
	    [ "$(tail -n 1 "$LOGS/$log.log")" != "Try 'mrpipe --help' for more information." ]; then
		REASON="mrpipe $* did not print one line and the hint: $(head -n 1 "$LOGS/$log.log")"
		return 1
	fi
}

t_usage() {
	pipe help --help >help.txt
	expect_rc 0 "mrpipe --help" || return 1
	if ! grep -q '^usage: mrpipe \[-b BYTES\] map APP$' help.txt; then
		REASON="--help starts '$(head -n 1 help.txt)'"
		return 1
	fi
	pipe version --version >version.txt
	expect_rc 0 "mrpipe --version" || return 1
	grep -q '^mrpipe [0-9]' version.txt ||
		{ REASON="--version printed '$(cat version.txt)'"; return 1; }
	usage_error none || return 1
	usage_error mode frobnicate wc || return 1
	usage_error noapp map || return 1
	usage_error extra map wc more || return 1
	usage_error bsize reduce -b 1K wc || return 1
	usage_error zero -b 0 map wc || return 1
	usage_error bogus --bogus map wc || return 1
	expect_msg bogus "unknown option '--bogus'" "mrpipe --bogus" || return 1
	pipe missing map nosuchapp </dev/null >/dev/null
	expect_rc 1 "mrpipe map nosuchapp" || return 1
	expect_msg missing "nosuchapp: no such plugin" "mrpipe map nosuchapp"
}

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
need=("$GENCORPUS" "$SEQ" "$MRPIPE" "$APPS/wc.so" "$APPS/indexer.so"
	"$APPS/nocrash.so" "$FIX/failmap.so" "$FIX/pieces.so" "$FIX/records.so")
find_missing "${need[@]}"
if [ "${#MISSING[@]}" -gt 0 ]; then
	for f in "${MISSING[@]}"; do
		printf '%s: missing %s\n' "$PROG" "$f" >&2
	done
	die "build them first (make, then make test or make ${BUILD%/}/test/fixtures/records.so)"
fi

make_temp_folder test-mrpipe
make_inputs 4 '*.txt' --files 4 --bytes-per-file 300000
run_selected
