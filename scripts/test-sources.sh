#!/usr/bin/env bash
#
# test-sources.sh - black-box tests of inputs as users have them: folders,
# lists of names and compressed files, with the real mrcoordinator,
# mrworker, mrsequential and mrrun.
#
# usage: scripts/test-sources.sh [TEST...]
#
# A folder stands for its regular files, without those whose names start
# with . or _ and, unless --recursive, those of its subfolders (folder,
# folder-recursive); --inputs-from reads names one per line (list-lines,
# a name with a space), NUL-separated with -0 (list-nul, a name with a
# newline) or from the standard input (list-stdin); each job's output must
# be mrsequential's over the same files named one by one. A missing name
# in a list fails mrcoordinator, mrsequential and mrrun at once with the
# name and the list's line (list-missing); mrrun takes folders and lists
# too (mrrun-inputs). Each compressed format (gzip, bzip2, xz, zstd) gives
# a job over a 1.2 MB text compressed, cut into 64 KiB pieces, the output
# and counters of mrsequential over the same text uncompressed, and map is
# called with the same pieces (the `pieces` fixture, test/fixtures/pieces.c,
# lists them); mrsequential over the compressed file agrees too. A corrupt
# and a truncated file of each format (corrupt-*) fail the job at their
# first attempt, the job's error naming the file and the byte offset, and mrsequential names both as well. large: a 20 MB text, gzip
# compressed, read with --split-size 1M in at least 20 pieces of at most
# 1 MiB and the 64 KiB a cut may move, the same pieces as uncompressed,
# with each worker's peak RSS within 8 MB of a job over the plain text.
#
# Prints one line per test, "PASS: NAME (SECONDSs)" or "FAIL: NAME:
# REASON", then "N passed, M failed"; exits 0 iff none failed. It builds
# nothing: run `make` and `make test` (or make BUILD/test/fixtures/pieces.so)
# first. Needs gzip, bzip2, xz and zstd (scripts/install-deps --test).
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(folder folder-recursive list-lines list-nul list-stdin
	list-missing mrrun-inputs gz bz2 xz zst corrupt-gz corrupt-bz2
	corrupt-xz corrupt-zst large)
TIMEOUT=(timeout -k 2s 120s)
PIECE=64K
LARGE_MB=20

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
FIX=$BIN/test/fixtures
MRRUN=$BIN/mrrun
BENCHJOB=$BIN/benchjob
install_cleanup

NREDUCE=3
CRC=""
STDIN=""	# the coordinator's standard input, when not /dev/null
D=""		# the shared data, as named from a job folder

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# job APP ARG...: runs mrcoordinator with the arguments and two workers
# running APP (a path), waits for them, sets CRC to the coordinator's exit
# status and writes the sorted output to $LOGS/all.txt.
job() {
	local app=$1 w1 w2

	shift
	if [ -n "$STDIN" ]; then
		# A command in the background reads /dev/null unless told.
		spawn coordinator bash -c 'exec "$@" <"$0"' "$STDIN" \
			"$COORD" -v -r "$NREDUCE" --socket "$SOCK" "$@"
	else
		spawn coordinator "$COORD" -v -r "$NREDUCE" --socket "$SOCK" "$@"
	fi
	COORD_PID=$STARTED
	if ! wait_socket; then
		wait "$COORD_PID" 2>/dev/null
		CRC=$(cat "$LOGS/coordinator.rc" 2>/dev/null)
		return 1
	fi
	spawn worker-1 "$WORKER" --socket "$SOCK" "$app"
	w1=$STARTED
	spawn worker-2 "$WORKER" --socket "$SOCK" "$app"
	w2=$STARTED
	wait "$COORD_PID" "$w1" "$w2" 2>/dev/null
	CRC=$(cat "$LOGS/coordinator.rc" 2>/dev/null)
	outputs >"$LOGS/all.txt"
}

# job_ok APP ARG...: job, which must succeed.
job_ok() {
	job "$@" || return 1
	if [ "$CRC" != 0 ]; then
		REASON="the job exited with status ${CRC:-none}: $(tail -n 1 "$LOGS/coordinator.log")"
		return 1
	fi
}

# same_as_sequential APP ARG...: the job's output must be mrsequential's
# with the arguments (run in a sibling folder, so that names are the same).
same_as_sequential() {
	sequential "$@" || return 1
	rm -f -- "$T/$NAME.seq/mr-out-0"
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" "mrsequential's"
}

# counters_of LOG: the counters line a job or mrsequential logged.
counters_of() {
	grep -o 'counters: .*' "$1" | tail -n 1
}

t_folder() {
	job_ok "$APPS/wc.so" "$D/d" || return 1
	same_as_sequential wc "$D/d/a.txt" "$D/d/b.txt" || return 1
	# mrsequential reads the folder the same way.
	sequential wc "$D/d" || return 1
	rm -f -- "$T/$NAME.seq/mr-out-0"
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" "mrsequential's over the folder"
}

t_folder_recursive() {
	job_ok "$APPS/wc.so" --recursive "$D/d/" || return 1
	same_as_sequential wc "$D/d/a.txt" "$D/d/b.txt" "$D/d/sub/c.txt"
}

t_list_lines() {
	printf '%s\n' "$D/d/a.txt" "" "$D/with space.txt" "$D/d/sub" >list.txt
	job_ok "$APPS/wc.so" --inputs-from list.txt "$D/d/b.txt" || return 1
	same_as_sequential wc "$D/d/b.txt" "$D/d/a.txt" "$D/with space.txt" \
		"$D/d/sub/c.txt"
}

t_list_nul() {
	printf '%s\0' "$D/d/a.txt" "$D/new
line.txt" >list.0
	job_ok "$APPS/wc.so" -0 --inputs-from list.0 || return 1
	same_as_sequential wc "$D/d/a.txt" "$D/new
line.txt"
}

t_list_stdin() {
	printf '%s\n' "$D/d/b.txt" "$D/with space.txt" >list.txt
	STDIN=list.txt
	job_ok "$APPS/wc.so" --inputs-from - || return 1
	STDIN=""
	same_as_sequential wc --inputs-from - <list.txt || return 1
	same_as_sequential wc "$D/d/b.txt" "$D/with space.txt"
}

# refused LABEL LOG RC START: the program (LABEL) must have exited 1 within
# a second of START (date +%s%N), its error naming the missing name and
# its line in the list.
refused() {
	local ms=$((($(date +%s%N) - $4) / 1000000))

	if [ "$3" != 1 ]; then
		REASON="$1 exited with status $3, not 1"
		return 1
	fi
	if ! grep -q 'nosuch\.txt: No such file or directory (listed in list\.txt, line 2)' "$2"; then
		REASON="$1 did not name nosuch.txt and its line: $(head -n 1 "$2")"
		return 1
	fi
	if [ "$ms" -gt 1000 ]; then
		REASON="$1 took $ms ms to refuse a missing input"
		return 1
	fi
}

t_list_missing() {
	local start rc

	printf '%s\n' "$D/d/a.txt" "$D/nosuch.txt" >list.txt
	start=$(date +%s%N)
	"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" --inputs-from list.txt \
		>"$LOGS/coordinator.log" 2>&1
	refused mrcoordinator "$LOGS/coordinator.log" $? "$start" || return 1
	if [ -e "$SOCK" ]; then
		REASON="mrcoordinator created its socket before refusing"
		return 1
	fi
	start=$(date +%s%N)
	"${TIMEOUT[@]}" "$SEQ" "$APPS/wc.so" --inputs-from list.txt \
		>"$LOGS/sequential.log" 2>&1
	refused mrsequential "$LOGS/sequential.log" $? "$start" || return 1
	start=$(date +%s%N)
	"${TIMEOUT[@]}" "$MRRUN" -n 2 wc --inputs-from list.txt \
		>"$LOGS/mrrun.log" 2>&1
	rc=$?
	refused mrrun "$LOGS/mrrun.log" "$rc" "$start" || return 1
	if [ "$(wc -l <"$LOGS/mrrun.log")" -ne 1 ]; then
		REASON="mrrun printed more than the one line naming the input"
		return 1
	fi
}

t_mrrun_inputs() {
	printf '%s\n' "$D/with space.txt" >list.txt
	"${TIMEOUT[@]}" "$MRRUN" -q -n 2 -r "$NREDUCE" "$APPS/wc.so" \
		--inputs-from list.txt "$D/d" >"$LOGS/mrrun.log" 2>&1 || {
		REASON="mrrun exited with status $?: $(tail -n 1 "$LOGS/mrrun.log")"
		return 1
	}
	outputs >"$LOGS/all.txt"
	same_as_sequential wc "$D/d/a.txt" "$D/d/b.txt" "$D/with space.txt"
}

# codec EXT: a job over the text compressed as EXT, against mrsequential
# over it uncompressed; then the pieces map saw.
codec() {
	local ext=$1 n

	job_ok "$APPS/wc.so" -b "$PIECE" "$D/text.txt.$ext" || return 1
	same_as_sequential wc -b "$PIECE" "$D/text.txt" || return 1
	if [ "$(counters_of "$LOGS/coordinator.log")" != \
		"$(counters_of "$LOGS/sequential.log")" ]; then
		REASON="counters differ: '$(counters_of "$LOGS/coordinator.log")' vs mrsequential's '$(counters_of "$LOGS/sequential.log")'"
		return 1
	fi
	sequential wc -b "$PIECE" "$D/text.txt.$ext" || return 1
	rm -f -- "$T/$NAME.seq/mr-out-0"
	compare_output "$LOGS/all.txt" "$LOGS/correct.txt" \
		"mrsequential's over the .$ext file" || return 1
	rm -f mr-out-*
	job_ok "$FIX/pieces.so" -b "$PIECE" "$D/text.txt.$ext" || return 1
	same_as_sequential "../test/fixtures/pieces" -b "$PIECE" "$D/text.txt" ||
		return 1
	n=$(awk '{ n += $3 } END { print n + 0 }' "$LOGS/all.txt")
	if [ "$n" -lt 18 ]; then
		REASON="map was called $n times over 1.2 MB in pieces of $PIECE"
		return 1
	fi
	DETAIL="$n pieces"
}

t_gz() { codec gz; }
t_bz2() { codec bz2; }
t_xz() { codec xz; }
t_zst() { codec zst; }

# failed_at FILE KIND: the job must have failed at the first attempt, its
# error naming FILE and a byte offset (KIND: corrupt or truncated).
failed_at() {
	local last attempts

	last=$(grep 'job failed' "$LOGS/coordinator.log" | tail -n 1)
	if [ "$CRC" != 1 ]; then
		REASON="the job over the $2 $1 exited with status ${CRC:-none}"
		return 1
	fi
	if [[ $last != *"$1: $2 "*"at byte "[0-9]* ]]; then
		REASON="the job's error does not name $1 and the byte: ${last:-none}"
		return 1
	fi
	attempts=$(grep -c 'attempt [0-9]*: map task' "$LOGS/coordinator.log")
	if [ "$attempts" -ne 1 ]; then
		REASON="$attempts map attempts over the $2 $1; a corrupt input must fail the job at once"
		return 1
	fi
}

# corrupt EXT: one byte changed in the middle, then half the file.
corrupt() {
	local ext=$1 f=bad.$1 size l

	cp -- "$T/data/text.txt.$ext" "$f" || return 1
	size=$(stat -c %s "$f")
	printf '\x55' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc \
		status=none || return 1
	cmp -s "$f" "$T/data/text.txt.$ext" && printf '\xaa' |
		dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
	job "$APPS/wc.so" "$f"
	failed_at "$f" corrupt || return 1
	DETAIL=$(grep 'job failed' "$LOGS/coordinator.log" | sed 's/.*last error: //')
	if "$SEQ" "$APPS/wc.so" "$DIR/$f" >"$LOGS/sequential.log" 2>&1 ||
		! grep -q "$f: corrupt .* at byte [0-9]" "$LOGS/sequential.log"; then
		REASON="mrsequential did not fail naming $f and the byte: $(tail -n 1 "$LOGS/sequential.log")"
		return 1
	fi
	rm -f -- "$f" mr-out-*
	for l in "$LOGS"/*.log; do
		mv -- "$l" "${l%.log}.corrupt"
	done
	f=short.$ext
	head -c $((size / 2)) "$T/data/text.txt.$ext" >"$f" || return 1
	job "$APPS/wc.so" "$f"
	failed_at "$f" truncated
}

t_corrupt_gz() { corrupt gz; }
t_corrupt_bz2() { corrupt bz2; }
t_corrupt_xz() { corrupt xz; }
t_corrupt_zst() { corrupt zst; }

# peak_rss DIR FILE: a wc job over FILE, 2 workers, 1 MB pieces; sets RSS
# to the larger worker peak RSS (KB).
peak_rss() {
	local out r

	RSS=0
	out=$("${TIMEOUT[@]}" "$BENCHJOB" --workers 2 --app "$APPS/wc.so" \
		--dir "$1" --build "$BIN" \
		--coordinator-arg --split-size --coordinator-arg 1M \
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

t_large() {
	local n most base

	job_ok "$FIX/pieces.so" -b 1M "$D/big.txt.gz" || return 1
	same_as_sequential "../test/fixtures/pieces" -b 1M "$D/big.txt" ||
		return 1
	n=$(awk '{ n += $3 } END { print n + 0 }' "$LOGS/all.txt")
	most=$(awk '{ if ($1 + 0 > m) m = $1 + 0 } END { print m + 0 }' \
		"$LOGS/all.txt")
	if [ "$n" -lt "$LARGE_MB" ] || [ "$most" -gt $((1048576 + 65536)) ]; then
		REASON="$n pieces, the largest $most bytes: not pieces of 1 MiB"
		return 1
	fi
	peak_rss "$DIR/plain" "$T/data/big.txt" || return 1
	base=$RSS
	peak_rss "$DIR/gz" "$T/data/big.txt.gz" || return 1
	if [ "$RSS" -gt $((base + 8192)) ]; then
		REASON="a worker's peak RSS was $RSS KB over the .gz file, $base KB over the plain text: more than 8 MB apart"
		return 1
	fi
	DETAIL="$n pieces of at most $most bytes; peak worker RSS $((RSS / 1024)) MB ($((base / 1024)) MB over the plain text)"
}

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
need=("$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$MRRUN" "$BENCHJOB"
	"$APPS/wc.so" "$FIX/pieces.so")
find_missing "${need[@]}"
if [ "${#MISSING[@]}" -gt 0 ]; then
	for f in "${MISSING[@]}"; do
		printf '%s: missing %s\n' "$PROG" "$f" >&2
	done
	die "build them first (make, then make test or make ${BUILD%/}/test/fixtures/pieces.so)"
fi
for c in gzip bzip2 xz zstd; do
	command -v "$c" >/dev/null 2>&1 ||
		die "$c not found (scripts/install-deps --test)"
done

make_temp_folder test-sources data/d/sub
make_inputs 4 '*.txt' --files 4 --bytes-per-file 300000
D=../data
(
	cd -- "$T/data" || exit 1
	cp ../inputs/pg-gen-00000.txt d/a.txt &&
		cp ../inputs/pg-gen-00001.txt d/b.txt &&
		cp ../inputs/pg-gen-00002.txt d/.hidden.txt &&
		cp ../inputs/pg-gen-00003.txt d/_SUCCESS &&
		cp ../inputs/pg-gen-00002.txt d/sub/c.txt &&
		cp ../inputs/pg-gen-00003.txt d/sub/.x &&
		mkfifo d/fifo &&
		cp ../inputs/pg-gen-00003.txt "with space.txt" &&
		cp ../inputs/pg-gen-00001.txt "new
line.txt" &&
		cat ../inputs/pg-gen-0000[0-3].txt >text.txt &&
		gzip -k text.txt && bzip2 -k text.txt && xz -k text.txt &&
		zstd -q -k text.txt || exit 1
	for t in "${SELECTED[@]}"; do
		[ "$t" = large ] || continue
		"$GENCORPUS" --files 1 --bytes-per-file $((LARGE_MB * 1048576)) \
			big >../logs/big.log 2>&1 &&
			mv big/pg-gen-00000.txt big.txt && gzip -k big.txt ||
			exit 1
	done
) || die "cannot lay out the inputs"
run_selected
