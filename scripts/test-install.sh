#!/usr/bin/env bash
#
# test-install.sh - `make install` and `make uninstall` into a temporary
# DESTDIR, and doc/sdk.md's walk-through against what was installed: the
# bigram example (apps/bigram.c) built outside the tree with the installed
# header and pkg-config file, run by the installed mrsequential and by a
# coordinator and workers, and plugins found by bare name. Also: the plugin
# folder holds the apps of apps/ and none of the lab's test apps
# (test/apps/), mrtimeline runs from where it was installed, and the manual
# pages render without warnings and keep up with the code: every option
# each program's --help lists is in its page, and every function and macro
# of mapreduce.h in mapreduce(3), whose example compiles.
#
# usage: scripts/test-install.sh [TEST...]
#
# Runs the named tests (default: all, in the order below; each needs the
# ones before it) and prints one line per test, "PASS: NAME (SECONDSs)" or
# "FAIL: NAME: REASON", then "N passed, M failed". Exits 0 iff none failed.
#
# Environment:
#   BUILD=DIR  folder of the programs, relative to the repository root or
#              absolute: build (default) or build/san (SANITIZE=1)
#   KEEP=1     keep the temporary folder (DESTDIR, jobs, logs) for a look
#
# It runs `make install` and `make uninstall` from the repository root with
# DESTDIR=$T/dest and the PREFIX the build was made for (BUILD/prefix), so
# that the install rebuilds nothing after a make (it would bring the build up
# to date, as for a user). $T is a new temporary folder, removed
# at the end; program output goes to $T/logs/NAME/. Every process runs under
# `timeout -k 2s 120s`, and any still running when the script ends is killed.
#
# The inputs are ASCII only, so that words (mr_next_word's runs of Unicode
# letters) are exactly runs of [A-Za-z], and awk computes the expected word
# and bigram counts independently of the programs under test.

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(install plugin-folder man-render man-options man-sdk pkg-config
	build-plugin sequential distributed timeline bare-name lookup uninstall)
TIMEOUT=(timeout -k 2s 120s)

usage() {
	printf 'usage: %s [TEST...]\ntests: %s\n' "$PROG" "${ALL_TESTS[*]}"
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P) ||
	die "cannot find the repository root"
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$ROOT/$BUILD ;;
esac
# Physical, as the programs see themselves in /proc/self/exe.
BIN=$(cd -P -- "$BIN" 2>/dev/null && pwd -P) || die "no folder $BUILD: run make first"
# SANITIZE on make's command line, so that none in the environment decides.
case $BIN in
"$ROOT/build") MAKE_ARGS=(SANITIZE=) ;;
"$ROOT/build/san") MAKE_ARGS=(SANITIZE=1) ;;
*) die "BUILD must be build or build/san, the folders make builds into" ;;
esac
[ -s "$BIN/prefix" ] || die "$BIN/prefix is missing: run make first"
PREFIX=$(<"$BIN/prefix")
# The lookup under test must not see the caller's folders.
unset MR_PLUGIN_PATH
VERSION=$(sed -n 's/^#define MR_VERSION "\(.*\)"/\1/p' "$ROOT/common/version.h")

# ---------------------------------------------------------------------------
# Processes: every one is started by spawn, which remembers its pid.

T=""

on_exit() {
	local rc=$? p

	trap - EXIT INT TERM
	# Only jobs still running: a pid that ended may belong to another
	# process by now. Each is a timeout, which passes TERM on.
	for p in $(jobs -p); do
		kill -TERM "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "$T" ] && [ -d "$T" ]; then
		cd / || :
		if [ "${KEEP:-0}" = 1 ]; then
			printf '%s: kept %s\n' "$PROG" "$T" >&2
		else
			rm -rf -- "$T"
		fi
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# spawn LOG DIR CMD...: runs CMD in folder DIR in the background under
# timeout, output to $LOGS/LOG.log. Sets STARTED to its pid.
spawn() {
	local log=$1 dir=$2

	shift 2
	(cd -- "$dir" && exec "${TIMEOUT[@]}" "$@") >"$LOGS/$log.log" 2>&1 &
	STARTED=$!
}

# Runs make from the repository root for the build under test, with the
# temporary DESTDIR; a make running this script must not pass its flags on.
run_make() {
	(cd -- "$ROOT" && exec env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		"${TIMEOUT[@]}" make "${MAKE_ARGS[@]}" \
		"PREFIX=$PREFIX" "DESTDIR=$DEST" "$@")
}

# ---------------------------------------------------------------------------
# Inputs and expected outputs.

# Writes the inputs into $T/inputs: words of mixed case from a small
# vocabulary (so that pairs repeat) between separators of every kind
# (punctuation, digits, underscores, tabs, CRLF, runs of them), one input
# with no final newline, one with a single word and one empty.
make_inputs() {
	mkdir -p -- "$T/inputs" || return 1
	awk -v dir="$T/inputs" 'BEGIN {
		srand(7)
		nv = split("the of and a to in The Of And cat sat on mat " \
		    "I x AbC zz Lorem ipsum", v, " ")
		ns = split(" | |, |. |\n|\t| -- |_|42|\r\n|!?\n\n|'"'"'|9 ", s, "|")
		for (f = 1; f <= 3; f++) {
			out = dir "/in-" f ".txt"
			for (i = 0; i < 4000 * f; i++)
				printf "%s%s", v[int(rand() * nv) + 1],
				    s[int(rand() * ns) + 1] > out
			printf (f < 3 ? "\n" : "last") > out
			close(out)
		}
		printf "  ...lonely!  \n" > (dir "/in-4.txt")
		printf "" > (dir "/in-5.txt")
	}' || return 1
	INPUTS=("$T"/inputs/in-*.txt)
}

# Prints "word count" for every word of the files named, sorted.
expect_wc() {
	awk '{
		n = split($0, w, /[^A-Za-z]+/)
		for (i = 1; i <= n; i++)
			if (w[i] != "")
				count[w[i]]++
	}
	END { for (k in count) print k, count[k] }' "$@" | sort
}

# Prints "word1 word2 count" for every pair of consecutive words within one
# file (across lines), sorted.
expect_bigram() {
	awk 'FNR == 1 { prev = "" }
	{
		n = split($0, w, /[^A-Za-z]+/)
		for (i = 1; i <= n; i++) {
			if (w[i] == "")
				continue
			if (prev != "")
				count[prev " " w[i]]++
			prev = w[i]
		}
	}
	END { for (k in count) print k, count[k] }' "$@" | sort
}

# ---------------------------------------------------------------------------
# Test steps. Each returns 0, or sets REASON and returns 1.

NAME=""
LOGS=""
REASON=""
STEP_OK=()	# tests passed so far, for the ones that need them

# Fails unless test $1 passed earlier in this run.
needs() {
	local t

	for t in ${STEP_OK[@]+"${STEP_OK[@]}"}; do
		[ "$t" = "$1" ] && return 0
	done
	REASON="needs test $1, which did not pass in this run"
	return 1
}

# Compares sorted file $LOGS/$1 with $LOGS/$2.
compare() {
	if [ ! -s "$LOGS/$2" ]; then
		REASON="expected output $2 is empty"
		return 1
	fi
	if cmp -s -- "$LOGS/$1" "$LOGS/$2"; then
		return 0
	fi
	diff -- "$LOGS/$2" "$LOGS/$1" | head -n 20 >"$LOGS/output.diff"
	REASON="$1 differs from $2 ($(wc -l <"$LOGS/$1") lines vs $(wc -l <"$LOGS/$2"); diff in $LOGS/output.diff)"
	return 1
}

# Waits for process $1 and fails unless it exited 0; $2 names it.
wait_ok() {
	local rc

	wait "$1" 2>/dev/null
	rc=$?
	[ "$rc" -eq 0 ] && return 0
	case $rc in
	124 | 137) REASON="$2 still running after 120 s, killed" ;;
	*) REASON="$2 exited with status $rc" ;;
	esac
	return 1
}

# Runs a job in $T/$NAME.job over the inputs: a coordinator with 3 reduce
# tasks, writing its report to $T/$NAME.job/report.json, and one worker per
# argument after the first, each being a worker's PLUGIN. Writes the sorted
# output to $LOGS/$1.
run_job() {
	local out=$1 job=$T/$NAME.job sock coord i=0 w pids=()

	shift
	sock=$job/mr.sock
	mkdir -p -- "$job" || return 1
	spawn coordinator "$job" "$BIN/mrcoordinator" --socket "$sock" \
		--reduces 3 --report "$job/report.json" "${INPUTS[@]}"
	coord=$STARTED
	for w in "$@"; do
		i=$((i + 1))
		spawn "worker-$i" "$job" "$BIN/mrworker" -v --socket "$sock" \
			--wait 30 "$w"
		pids+=("$STARTED")
	done
	wait_ok "$coord" coordinator || return 1
	for w in "${pids[@]}"; do
		wait_ok "$w" "a worker (pid $w)" || return 1
	done
	if [ ! -f "$job/mr-out-2" ]; then
		REASON="the job wrote no mr-out-2"
		return 1
	fi
	sort -- "$job"/mr-out-* >"$LOGS/$out"
}

# ---------------------------------------------------------------------------
# The tests.

# The programs, each with a page in section 1.
PROGRAMS=(mrcoordinator mrworker mrsequential mrrun mrctl mrpipe mrtimeline)

# The installed files, "MODE PATH" under DESTDIR, sorted.
expected_files() {
	local f

	{
		for f in "${PROGRAMS[@]}"; do
			echo "755 $PREFIX/bin/$f"
			echo "644 $PREFIX/share/man/man1/$f.1"
		done
		for f in "$ROOT"/apps/*.c; do
			f=${f##*/}
			echo "644 $PREFIX/lib/mapreduce/${f%.c}.so"
		done
		echo "644 $PREFIX/include/mapreduce.h"
		echo "644 $PREFIX/lib/pkgconfig/mapreduce.pc"
		echo "644 $PREFIX/share/man/man3/mapreduce.3"
	} | sort -k2
}

t_install() {
	if ! run_make install >"$LOGS/make.log" 2>&1; then
		REASON="make install failed (see $LOGS/make.log)"
		return 1
	fi
	expected_files >"$LOGS/expected-files.txt"
	(cd -- "$DEST" && find . ! -type d -printf '%m /%P\n') | sort -k2 \
		>"$LOGS/files.txt"
	compare files.txt expected-files.txt || return 1
	if [ "$(stat -c %a -- "$DEST$PREFIX/lib/mapreduce")" != 755 ]; then
		REASON="$PREFIX/lib/mapreduce has mode $(stat -c %a -- "$DEST$PREFIX/lib/mapreduce"), not 755"
		return 1
	fi
	if ! cmp -s -- "$ROOT/common/mapreduce.h" "$DEST$PREFIX/include/mapreduce.h"; then
		REASON="the installed mapreduce.h differs from common/mapreduce.h"
		return 1
	fi
	if ! cmp -s -- "$BIN/mrworker" "$DEST$PREFIX/bin/mrworker"; then
		REASON="the installed mrworker differs from $BIN/mrworker"
		return 1
	fi
}

# The plugin folder holds exactly the applications of apps/ (wc, indexer,
# bigram, ...), each a build of its source; the lab's test apps
# (test/apps/: crash, mtiming, ...) are built beside them but stay in the
# build tree.
t_plugin_folder() {
	local dir=$DEST$PREFIX/lib/mapreduce f name want got test_apps=()

	needs install || return 1
	want=$(cd -- "$ROOT/apps" && for f in *.c; do echo "${f%.c}.so"; done | sort)
	got=$(cd -- "$dir" && find . ! -type d -printf '%P\n' | sort)
	if [ "$got" != "$want" ]; then
		REASON="the plugin folder holds $(echo $got), expected $(echo $want)"
		return 1
	fi
	for f in "$ROOT"/test/apps/*.c; do
		[ -f "$f" ] && test_apps+=("${f##*/}")
	done
	if [ "${#test_apps[@]}" -eq 0 ]; then
		REASON="no test apps in test/apps/"
		return 1
	fi
	for name in "${test_apps[@]}"; do
		name=${name%.c}.so
		if [ ! -f "$BIN/apps/$name" ]; then
			REASON="the test app $name was not built into $BIN/apps"
			return 1
		fi
		if [ -e "$dir/$name" ] || [ -e "$DEST$PREFIX/bin/apps/$name" ]; then
			REASON="the test app $name was installed"
			return 1
		fi
	done
	for name in $want; do
		if ! cmp -s -- "$BIN/apps/$name" "$dir/$name"; then
			REASON="the installed $name differs from $BIN/apps/$name"
			return 1
		fi
	done
}

# The installed pages, section 1 then 3.
PAGES=()
installed_pages() {
	local f

	PAGES=()
	for f in "${PROGRAMS[@]}"; do
		PAGES+=("$DEST$PREFIX/share/man/man1/$f.1")
	done
	PAGES+=("$DEST$PREFIX/share/man/man3/mapreduce.3")
}

# man_text PAGE: the page as plain text, on lines long enough that no
# option is broken across two, unhyphenated.
man_text() {
	groff -man -Tascii -P-cbou -rLL=3000n -rHY=0 -- "$1" 2>/dev/null
}

# Every installed page renders with man -l and groff without a warning, has
# a NAME line that whatis understands, and has its placeholders filled in
# (the plugin folder it names is the one built for).
t_man_render() {
	local page base err tool

	needs install || return 1
	for tool in man groff lexgrog; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			REASON="$tool is not installed (scripts/install-deps --test)"
			return 1
		fi
	done
	installed_pages
	for page in "${PAGES[@]}"; do
		base=${page##*/}
		err=$(MANWIDTH=80 man --warnings -l -- "$page" 2>&1 >"$LOGS/$base.txt")
		if [ -n "$err" ] || [ ! -s "$LOGS/$base.txt" ]; then
			REASON="man -l $base: ${err:-nothing rendered}"
			return 1
		fi
		err=$(groff -ww -z -man -- "$page" 2>&1)
		if [ -n "$err" ]; then
			REASON="groff -ww $base: $(head -n 1 <<<"$err")"
			return 1
		fi
		if ! lexgrog -- "$page" >"$LOGS/lexgrog.log" 2>&1 ||
		    ! grep -qF "\"${base%.*} - " "$LOGS/lexgrog.log"; then
			REASON="$base: no NAME line whatis reads ($(head -n 1 "$LOGS/lexgrog.log"))"
			return 1
		fi
		if grep -q '@[A-Z]*@' -- "$page"; then
			REASON="$base: placeholder left: $(grep -o '@[A-Z]*@' -- "$page" | head -n 1)"
			return 1
		fi
	done
	for base in mrworker.1 mrsequential.1 mrrun.1 mapreduce.3; do
		if ! grep -qF "$PREFIX/lib/mapreduce" "$LOGS/$base.txt"; then
			REASON="$base does not name the plugin folder $PREFIX/lib/mapreduce"
			return 1
		fi
	done
}

# help_options PROGRAM: the options its --help lists, one a line, as a
# page must write them: "-s, --socket", "--overwrite", "-0".
help_options() {
	"${TIMEOUT[@]}" "$1" --help 2>&1 | sed -nE \
		-e 's/^ +(-[[:alnum:]], )?(--[[:alnum:]][[:alnum:]-]*).*/\1\2/p' \
		-e 't' -e 's/^ +(-[[:alnum:]])([ ,]|$).*/\1/p'
}

# Every option that an installed program's --help lists is in its page,
# with its short form when it has one: the pages cannot fall behind the
# options the code gains.
t_man_options() {
	local prog opt n missing=()

	needs man-render || return 1
	for prog in "${PROGRAMS[@]}"; do
		help_options "$DEST$PREFIX/bin/$prog" >"$LOGS/$prog.options"
		n=$(wc -l <"$LOGS/$prog.options")
		# Each program has at least --help and --version.
		if [ "$n" -lt 2 ]; then
			REASON="$prog --help lists $n options (see $LOGS/$prog.options)"
			return 1
		fi
		man_text "$DEST$PREFIX/share/man/man1/$prog.1" >"$LOGS/$prog.txt"
		while read -r opt; do
			grep -qE -- "(^|[^[:alnum:]-])$opt([^[:alnum:]-]|\$)" \
				"$LOGS/$prog.txt" || missing+=("$prog.1: $opt")
		done <"$LOGS/$prog.options"
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		REASON="options in --help but not in the page: $(printf '%s; ' "${missing[@]}")"
		return 1
	fi
}

# mapreduce(3) is the SDK's manual: every function and macro (MR_*) the
# installed mapreduce.h declares is in it, the descriptor's fields too, and
# the example it shows compiles against that header into a plugin the
# installed mrsequential runs.
t_man_sdk() {
	local h=$DEST$PREFIX/include/mapreduce.h page name missing=() cc=${CC:-cc}

	needs man-render || return 1
	page=$LOGS/mapreduce.txt
	man_text "$DEST$PREFIX/share/man/man3/mapreduce.3" >"$page"
	{
		sed -nE 's/^[a-z_0-9]+[[:space:]]+\**(mr_[a-z_0-9]+)\(.*/\1/p' -- "$h"
		sed -nE 's/^#define[[:space:]]+(MR_[A-Z_0-9]+).*/\1/p' -- "$h"
		sed -nE 's/^typedef .*[ (*](mr_[a-z_0-9]+)[);].*/\1/p' -- "$h"
		sed -nE 's/^[[:space:]]+[a-z_0-9 ]+[[:space:]]+\**([a-z_0-9]+);.*/\1/p' -- "$h"
	} | sort -u >"$LOGS/sdk-names.txt"
	if [ "$(wc -l <"$LOGS/sdk-names.txt")" -lt 15 ]; then
		REASON="found only $(wc -l <"$LOGS/sdk-names.txt") names in mapreduce.h (see $LOGS/sdk-names.txt)"
		return 1
	fi
	while read -r name; do
		grep -qE -- "(^|[^[:alnum:]_])$name([^[:alnum:]_]|\$)" "$page" ||
			missing+=("$name")
	done <"$LOGS/sdk-names.txt"
	if [ "${#missing[@]}" -gt 0 ]; then
		REASON="mapreduce.h names missing from mapreduce(3): ${missing[*]}"
		return 1
	fi
	mkdir -p -- "$T/man-sdk" || return 1
	sed -n '/^EXAMPLES/,/^SEE ALSO/p' "$page" |
		sed -n '/#include <mapreduce.h>/,/^ *MR_APP(/p' | sed 's/^       //' \
		>"$T/man-sdk/example.c"
	if ! grep -q '^ *MR_APP(' "$T/man-sdk/example.c"; then
		REASON="mapreduce(3) shows no example from #include to MR_APP"
		return 1
	fi
	if ! (cd -- "$T/man-sdk" && "$cc" -Wall -Werror -shared -fPIC \
		"-I$DEST$PREFIX/include" example.c -o example.so) >"$LOGS/cc.log" 2>&1; then
		REASON="the example of mapreduce(3) does not compile (see $LOGS/cc.log)"
		return 1
	fi
	if ! (cd -- "$T/man-sdk" && "${TIMEOUT[@]}" "$DEST$PREFIX/bin/mrsequential" \
		./example.so "${INPUTS[@]}") >"$LOGS/mrsequential.log" 2>&1; then
		REASON="the installed mrsequential failed on the example (see $LOGS/mrsequential.log)"
		return 1
	fi
	sort -- "$T/man-sdk/mr-out-0" >"$LOGS/output.txt"
	expect_wc "${INPUTS[@]}" >"$LOGS/expected.txt"
	compare output.txt expected.txt
}

# pkg-config --define-prefix relocates a .pc file found in PREFIX/lib/pkgconfig
# (pkgconf, and pkg-config >= 0.29); where it is not understood, the prefix is
# given with --define-variable, which every pkg-config knows.
PC_RELOCATE=()
pc() {
	PKG_CONFIG_PATH=$DEST$PREFIX/lib/pkgconfig \
		PKG_CONFIG_LIBDIR=$DEST$PREFIX/lib/pkgconfig \
		pkg-config "$@" mapreduce
}

# expect_pc WHAT WANT ARG...: pc ARG... must print WANT.
expect_pc() {
	local what=$1 want=$2 got

	shift 2
	got=$(pc "$@" 2>&1)
	got=${got%"${got##*[![:space:]]}"}	# pkg-config adds a blank
	[ "$got" = "$want" ] && return 0
	REASON="pkg-config $*: $what is '$got', expected '$want'"
	return 1
}

t_pkg_config() {
	needs install || return 1
	if ! command -v pkg-config >/dev/null 2>&1; then
		REASON="pkg-config is not installed (scripts/install-deps)"
		return 1
	fi
	if [ "$(pc --define-prefix --variable=prefix 2>/dev/null)" = "$DEST$PREFIX" ]; then
		PC_RELOCATE=(--define-prefix)
	else
		PC_RELOCATE=("--define-variable=prefix=$DEST$PREFIX")
	fi
	echo "relocating with ${PC_RELOCATE[*]}" >"$LOGS/pkg-config.log"
	expect_pc version "$VERSION" --modversion || return 1
	expect_pc prefix "$PREFIX" --variable=prefix || return 1
	expect_pc includedir "$PREFIX/include" --variable=includedir || return 1
	expect_pc plugindir "$PREFIX/lib/mapreduce" --variable=plugindir || return 1
	expect_pc "link flags" "" --libs || return 1
	expect_pc "relocated cflags" "-I$DEST$PREFIX/include" \
		"${PC_RELOCATE[@]}" --cflags || return 1
	expect_pc "relocated plugindir" "$DEST$PREFIX/lib/mapreduce" \
		"${PC_RELOCATE[@]}" --variable=plugindir
}

# doc/sdk.md's command, in a folder outside the tree, with the installed
# header: its dependency list must name that header and no other copy.
t_build_plugin() {
	local cflags=() cc=${CC:-cc}

	needs pkg-config || return 1
	if ! mkdir -p -- "$T/src" || ! cp -- "$ROOT/apps/bigram.c" "$T/src/"; then
		REASON="cannot copy apps/bigram.c to $T/src"
		return 1
	fi
	read -ra cflags <<<"$(pc "${PC_RELOCATE[@]}" --cflags)"
	if ! (cd -- "$T/src" && "$cc" -shared -fPIC "${cflags[@]}" bigram.c \
		-o bigram.so) >"$LOGS/cc.log" 2>&1; then
		REASON="$cc -shared -fPIC ${cflags[*]} bigram.c failed (see $LOGS/cc.log)"
		return 1
	fi
	(cd -- "$T/src" && "$cc" -M "${cflags[@]}" bigram.c) >"$LOGS/deps.txt" 2>&1
	if ! grep -qF -- "$DEST$PREFIX/include/mapreduce.h" "$LOGS/deps.txt"; then
		REASON="bigram.c was not compiled with the installed mapreduce.h (see $LOGS/deps.txt)"
		return 1
	fi
}

t_sequential() {
	local dir=$T/$NAME.job

	needs build-plugin || return 1
	mkdir -p -- "$dir" || return 1
	if ! (cd -- "$dir" && "${TIMEOUT[@]}" "$DEST$PREFIX/bin/mrsequential" \
		"$T/src/bigram.so" "${INPUTS[@]}") >"$LOGS/mrsequential.log" 2>&1; then
		REASON="the installed mrsequential failed on bigram.so (see $LOGS/mrsequential.log)"
		return 1
	fi
	sort -- "$dir/mr-out-0" >"$LOGS/output.txt"
	expect_bigram "${INPUTS[@]}" >"$LOGS/expected.txt"
	compare output.txt expected.txt
}

t_distributed() {
	needs build-plugin || return 1
	run_job output.txt "$T/src/bigram.so" "$T/src/bigram.so" || return 1
	expect_bigram "${INPUTS[@]}" >"$LOGS/expected.txt"
	compare output.txt expected.txt
}

# The installed mrtimeline, away from the source tree, draws the report of
# the distributed job, and knows its own name and version.
t_timeline() {
	local tl=$DEST$PREFIX/bin/mrtimeline report=$T/distributed.job/report.json got

	needs distributed || return 1
	if ! (cd -- "$T" && "${TIMEOUT[@]}" "$tl" -o "$T/timeline.png" "$report") \
		>"$LOGS/timeline.log" 2>&1; then
		REASON="mrtimeline failed: $(head -n 3 "$LOGS/timeline.log")"
		return 1
	fi
	if [ "$(head -c 8 -- "$T/timeline.png" | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ] ||
	    [ "$(stat -c %s -- "$T/timeline.png")" -lt 10000 ]; then
		REASON="mrtimeline wrote no PNG of 10 kB or more"
		return 1
	fi
	if ! grep -qxF "$T/timeline.png" "$LOGS/timeline.log"; then
		REASON="mrtimeline did not print the image's name: $(head -n 1 "$LOGS/timeline.log")"
		return 1
	fi
	got=$("$tl" --version 2>&1)
	if [ "$got" != "mrtimeline $VERSION" ]; then
		REASON="mrtimeline --version printed '$got', expected 'mrtimeline $VERSION'"
		return 1
	fi
	got=$("$tl" --help 2>&1 | head -n 1)
	case $got in
	"usage: mrtimeline "*) ;;
	*)
		REASON="mrtimeline --help starts '$got'"
		return 1
		;;
	esac
}

# Workers given `wc` find it in the installed folder through MR_PLUGIN_PATH
# (after a folder that does not have it), and say so.
t_bare_name() {
	local i ok

	needs install || return 1
	export MR_PLUGIN_PATH=$T/src:$DEST$PREFIX/lib/mapreduce
	run_job output.txt wc wc
	ok=$?
	unset MR_PLUGIN_PATH
	[ "$ok" -eq 0 ] || return 1
	expect_wc "${INPUTS[@]}" >"$LOGS/expected.txt"
	compare output.txt expected.txt || return 1
	for i in 1 2; do
		if ! grep -qxF "mrworker: application wc from $DEST$PREFIX/lib/mapreduce/wc.so" \
			"$LOGS/worker-$i.log"; then
			REASON="worker-$i.log does not say it loaded $DEST$PREFIX/lib/mapreduce/wc.so"
			return 1
		fi
	done
	# The installed mrpipe, which is shipped alone, finds wc the same way.
	ok=$(printf 'b a b\n' | MR_PLUGIN_PATH=$DEST$PREFIX/lib/mapreduce \
		"${TIMEOUT[@]}" "$DEST$PREFIX/bin/mrpipe" map wc 2>"$LOGS/mrpipe.log" |
		sort | MR_PLUGIN_PATH=$DEST$PREFIX/lib/mapreduce \
		"${TIMEOUT[@]}" "$DEST$PREFIX/bin/mrpipe" reduce wc 2>>"$LOGS/mrpipe.log")
	if [ "$ok" != "$(printf 'a 1\nb 2')" ]; then
		REASON="the installed mrpipe map wc | sort | mrpipe reduce wc wrote '$ok'"
		return 1
	fi
}

# Without MR_PLUGIN_PATH, the built worker takes wc from the installed
# plugin folder if there is one there, else from its own apps folder; a
# name found nowhere is an error listing every place tried, in order,
# the installed worker's own apps folder included.
t_lookup() {
	local want=$BIN/apps/wc.so log=$LOGS/lookup.log places

	needs install || return 1
	[ -f "$PREFIX/lib/mapreduce/wc.so" ] && want=$PREFIX/lib/mapreduce/wc.so
	(cd -- "$T" && "${TIMEOUT[@]}" "$BIN/mrworker" -v --wait 0 --socket "$T/none.sock" wc) >"$log" 2>&1
	if ! grep -qxF "mrworker: application wc from $want" "$log"; then
		REASON="mrworker wc did not load $want: $(head -n 1 "$log")"
		return 1
	fi
	(cd -- "$T" && MR_PLUGIN_PATH=$T/src "${TIMEOUT[@]}" \
		"$DEST$PREFIX/bin/mrworker" --wait 0 nosuch) >"$log" 2>&1
	places="(tried $T/src/nosuch.so, $PREFIX/lib/mapreduce/nosuch.so, $DEST$PREFIX/bin/apps/nosuch.so)"
	if ! grep -qF -- "mrworker: nosuch: no such plugin $places" "$log"; then
		REASON="unexpected message for a missing plugin: $(head -n 1 "$log")"
		return 1
	fi
}

# make uninstall removes what install put there and nothing else: a
# plugin of the user's own in the plugin folder stays, and the folder with
# it; once that is gone too, a second uninstall removes the folder.
t_uninstall() {
	local left

	needs install || return 1
	cp -- "$BIN/apps/wc.so" "$DEST$PREFIX/lib/mapreduce/mine.so" || return 1
	if ! run_make uninstall >"$LOGS/make.log" 2>&1; then
		REASON="make uninstall failed (see $LOGS/make.log)"
		return 1
	fi
	left=$(cd -- "$DEST" && find . ! -type d -printf '/%P ')
	if [ "$left" != "$PREFIX/lib/mapreduce/mine.so " ]; then
		REASON="after make uninstall, expected only mine.so left, found: ${left:-nothing}"
		return 1
	fi
	rm -f -- "$DEST$PREFIX/lib/mapreduce/mine.so"
	if ! run_make uninstall >>"$LOGS/make.log" 2>&1; then
		REASON="a second make uninstall failed (see $LOGS/make.log)"
		return 1
	fi
	if [ -e "$DEST$PREFIX/lib/mapreduce" ]; then
		REASON="$PREFIX/lib/mapreduce is left once empty"
		return 1
	fi
}

# ---------------------------------------------------------------------------

show_logs() {
	local f

	for f in "$LOGS"/*.log "$LOGS"/*.diff; do
		[ -s "$f" ] || continue
		printf '    --- %s (last lines)\n' "${f##*/}"
		tail -n 8 -- "$f" | sed 's/^/    /'
	done >&2
}

run_test() {
	local name=$1 start end ms ok

	NAME=$name
	LOGS=$T/logs/$name
	REASON=""
	start=$(date +%s%N)
	mkdir -p -- "$LOGS" && "t_${name//-/_}"
	ok=$?
	end=$(date +%s%N)
	ms=$(((end - start) / 1000000))
	if [ "$ok" -eq 0 ]; then
		printf 'PASS: %s (%d.%ds)\n' "$name" $((ms / 1000)) \
			$((ms % 1000 / 100))
		PASSED=$((PASSED + 1))
		STEP_OK+=("$name")
	else
		printf 'FAIL: %s: %s\n' "$name" "${REASON:-failed}"
		show_logs
		FAILED=$((FAILED + 1))
	fi
}

SELECTED=()
for arg in "$@"; do
	case $arg in
	-h | --help)
		usage
		exit 0
		;;
	-*)
		usage >&2
		exit 2
		;;
	esac
	found=0
	for t in "${ALL_TESTS[@]}"; do
		[ "$arg" = "$t" ] && found=1
	done
	if [ "$found" -eq 0 ]; then
		printf '%s: no test named %s\n' "$PROG" "$arg" >&2
		usage >&2
		exit 2
	fi
	SELECTED+=("$arg")
done
if [ "${#SELECTED[@]}" -eq 0 ]; then
	SELECTED=("${ALL_TESTS[@]}")
fi

command -v timeout >/dev/null 2>&1 || die "timeout (GNU coreutils) not found"
for f in mrcoordinator mrworker mrsequential mrrun mrctl mrpipe apps/wc.so apps/bigram.so mapreduce.pc; do
	[ -f "$BIN/$f" ] || die "$BIN/$f is missing: run make first"
done

T=$(mktemp -d "${TMPDIR:-/tmp}/test-install.XXXXXX") ||
	die "cannot create a temporary folder"
T=$(cd -P -- "$T" && pwd -P) || die "cannot enter $T"
DEST=$T/dest
mkdir -p -- "$T/logs" || die "cannot create $T/logs"
make_inputs || die "cannot write the inputs"

PASSED=0
FAILED=0
for t in "${SELECTED[@]}"; do
	run_test "$t"
done
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
