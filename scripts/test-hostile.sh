#!/usr/bin/env bash
#
# test-hostile.sh - black-box security tests of mrcoordinator: hostile peers
# on its socket (test/hostile.c), idle and never-reading connections, the
# connection limit, the socket's mode, a peer of another user, a second
# coordinator, a stale socket file and an over-long socket path.
#
# usage: scripts/test-hostile.sh [TEST...]
#
# Runs the named tests (default: all, in the order below) and prints one line
# per test, "PASS: NAME (SECONDSs)" (followed by " — " and the figures
# measured, or why the test was skipped) or "FAIL: NAME: REASON", then
# "N passed, M failed". Exits 0 iff none failed. It builds nothing: run
# make and make build/test/hostile build/test/fixtures/slow.so first.
#
# Environment:
#   BUILD=DIR  folder of the programs, relative to the repository root or
#              absolute (default build; e.g. BUILD=build/san)
#   KEEP=1     keep the temporary folder (job folders, logs) for a look
#
# The jobs run the slow fixture (build/test/fixtures/slow.so: nocrash's
# records, with a map that sleeps MR_TEST_SLEEP seconds) over eight small
# generated inputs, so that a job lasts as long as a test needs; every job's
# output is compared with mrsequential's. Each test runs in a fresh folder
# $T/NAME with its own socket $T/NAME/mr.sock, where $T is a new temporary
# folder, removed at the end; program output goes to $T/logs/NAME/. Every
# process runs under `timeout -k 2s 120s`, and every process still running
# after a test, or when the script ends, is killed.

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(hostile-peers idle-connections no-read status-hoard partial-frames not-a-socket
	connection-limit socket-mode
	other-user second-coordinator stale-socket long-path)
TIMEOUT=(timeout -k 2s 120s)
NINPUTS=8
HELLO_TIMEOUT=5		# seconds the coordinator gives a connection to say Hello
DEFAULT_MAX_CONN=256	# the limit hostile-peers runs with (below the default, 4096,
			# so that a flood of 400 crosses it)
RSS_MAX_KB=32768	# allowed growth of the coordinator's peak RSS
# The coordinator's log line for a dropped or refused peer.
DROP_RE='dropped|refused|violation|middle of a frame'

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
# testlib.sh sets ROOT, BIN and the programs: COORD, WORKER, SEQ and
# GENCORPUS.
HOSTILE=$BIN/test/hostile
APP=$BIN/test/fixtures/slow.so

# From here on, every process still running and the temporary folder go
# when the script ends.
install_cleanup

# ---------------------------------------------------------------------------
# Measures.

# Milliseconds on the wall clock.
now_ms() {
	local t

	t=$(date +%s%N)
	printf '%s\n' $((t / 1000000))
}

# Prints field $2 (VmRSS, VmHWM) of /proc/$1/status in kB; fails if gone.
status_kb() {
	local k v rest

	while read -r k v rest; do
		if [ "$k" = "$2:" ]; then
			printf '%s\n' "$v"
			return 0
		fi
	done 2>/dev/null <"/proc/$1/status"
	return 1
}

# Prints how many file descriptors process $1 holds.
fd_count() {
	local f=("/proc/$1/fd/"*)

	printf '%s\n' "${#f[@]}"
}

# ---------------------------------------------------------------------------
# Test steps. Each returns 0, or sets REASON and returns 1. testlib.sh
# keeps NAME, DIR, SOCK, LOGS and REASON of the current test, and DETAIL,
# the figures for its PASS line (or why it was skipped).

NPROCS=0	# processes started, to name their logs
WAIT_PIDS=()	# workers to wait for
WORKER_RCS=()	# where workers report their exit status
SLEEP=0		# MR_TEST_SLEEP of the workers
CNAME=""	# log name of the last coordinator started
COORD_PID=""	# its subshell
CPID=""		# the mrcoordinator process itself

# Makes $T/$NAME$1 the job folder, with its socket, and cds into it.
job_folder() {
	DIR=$T/$NAME${1:-}
	SOCK=$DIR/mr.sock
	enter_job_folder 100 "$DIR"
}

# Prepares test $1: a fresh job folder and log folder, and cds into it.
setup_test() {
	NAME=$1
	LOGS=$T/logs/$NAME
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	SLEEP=0
	COORD_PID=""
	CPID=""
	rm -rf -- "${T:?}/${NAME:?}" "${T:?}/${NAME:?}"-* "$LOGS"
	if ! mkdir -p -- "$LOGS"; then
		REASON="cannot create $LOGS"
		return 1
	fi
	job_folder
}

# Starts a coordinator named $1 (its log $LOGS/$1.log) on the inputs, with
# the options that follow, in the job folder. Honours CUMASK.
start_coordinator() {
	CNAME=$1
	shift
	rm -f "$LOGS/$CNAME.rc"
	(
		umask "${CUMASK:-022}"
		"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" "$@" "${INPUTS[@]}" \
			>>"$LOGS/$CNAME.log" 2>&1
		echo "$?" >"$LOGS/$CNAME.rc"
	) 2>/dev/null &	# not the subshell's "Killed" notice after a kill -9
	COORD_PID=$!
	CPID=""
}

# Sets CPID to the mrcoordinator process under COORD_PID (within 2 s).
find_cpid() {
	local i p comm

	CPID=""
	for ((i = 0; i < 40; i++)); do
		scan_procs
		tree_of "$COORD_PID"
		for p in ${TREE[@]+"${TREE[@]}"}; do
			{ read -r comm <"/proc/$p/comm"; } 2>/dev/null || continue
			if [ "$comm" = mrcoordinator ]; then
				CPID=$p
				return 0
			fi
		done
		sleep 0.05
	done
	REASON="cannot find the mrcoordinator process"
	return 1
}

# Waits up to 10 s for the coordinator to listen on its socket; sets CPID.
wait_listening() {
	wait_socket "$LOGS/$CNAME.rc" || return 1
	find_cpid
}

# Starts one worker, MR_TEST_SLEEP=$SLEEP.
start_worker() {
	spawn_worker env MR_TEST_SLEEP="$SLEEP" "$WORKER" \
		--socket "$SOCK" --wait 10 "$APP"
}

# True while the coordinator runs.
coordinator_running() {
	[ ! -e "$LOGS/$CNAME.rc" ] && [ -n "$CPID" ] && is_alive "$CPID"
}

# Waits for the coordinator to exit, sampling its peak RSS (VmHWM) on the
# way; sets END_MS (when it was seen gone) and PEAK_KB. Fails unless it
# exited 0.
wait_coordinator() {
	local v

	PEAK_KB=0
	while [ ! -e "$LOGS/$CNAME.rc" ]; do
		if [ -n "$CPID" ] && v=$(status_kb "$CPID" VmHWM) &&
			[ "$v" -gt "$PEAK_KB" ]; then
			PEAK_KB=$v
		fi
		sleep 0.05
	done
	END_MS=$(now_ms)
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/$CNAME.rc" "coordinator ($CNAME)"
}

# Waits for every worker; with "check", fails unless each exited 0.
wait_workers() {
	local p f rc

	for p in ${WAIT_PIDS[@]+"${WAIT_PIDS[@]}"}; do
		wait "$p" 2>/dev/null
	done
	[ "${1:-}" = check ] || return 0
	for f in ${WORKER_RCS[@]+"${WORKER_RCS[@]}"}; do
		rc=missing
		if [ -s "$f" ]; then
			rc=$(<"$f")
		fi
		[ "$rc" = 0 ] && continue
		REASON="a worker (${f##*/}) exited with status $rc"
		return 1
	done
}

# Compares the job folder's `sort mr-out* | grep .` with mrsequential's.
check_output() {
	local f=(mr-out*) out=$LOGS/all-${DIR##*/}.txt

	if [ ! -e "${f[0]}" ]; then
		REASON="no mr-out-* files in $DIR"
		return 1
	fi
	sort -- "${f[@]}" | grep . >"$out"
	compare_output "$out" "$T/correct.txt" "mrsequential's"
}

# Runs the hostile tool in the foreground: hostile MODE ARGS...; its line in
# HOUT, its stderr appended to $LOGS/hostile.log.
run_hostile() {
	local rc

	HOUT=$("${TIMEOUT[@]}" "$HOSTILE" --socket "$SOCK" --wait 3 "$@" \
		2>>"$LOGS/hostile.log")
	rc=$?
	HOUT=${HOUT%%$'\n'*}
	printf '%s -> %s\n' "$*" "$HOUT" >>"$LOGS/hostile.log"
	if [ "$rc" -ne 0 ]; then
		REASON="hostile $* exited with status $rc (see $LOGS/hostile.log)"
		return 1
	fi
}

# Starts the hostile tool in the background, logged as $LOGS/$1.log.
spawn_hostile() {
	local log=$1

	shift
	spawn "$log" "$HOSTILE" --socket "$SOCK" "$@"
	HOSTILE_PIDS+=("$STARTED")
}

# Reads the summary line of a many-connection mode from $LOGS/$1.log into
# H_OPENED, H_CLOSED, H_EARLY, H_FIRST, H_LAST (centiseconds, -1 for none)
# and H_WELCOMED. Fails when there is none.
parse_summary() {
	local line w k v

	line=$(grep -E '^opened=' "$LOGS/$1.log" 2>/dev/null | tail -n 1)
	if [ -z "$line" ]; then
		REASON="no summary line from $1 (exit status $(cat "$LOGS/$1.rc" 2>/dev/null || echo missing); see $LOGS/$1.log)"
		return 1
	fi
	H_OPENED=0 H_CLOSED=0 H_EARLY=0 H_FIRST=-1 H_LAST=-1 H_WELCOMED=0
	for w in $line; do
		k=${w%%=*}
		v=${w#*=}
		case $k:$v in
		first:- | last:-) ;;
		first:* | last:*)
			v=${v/./}
			v=$((10#$v))
			;;
		esac
		case $k in
		opened) H_OPENED=$v ;;
		closed) H_CLOSED=$v ;;
		early) H_EARLY=$v ;;
		first) [ "$v" = - ] || H_FIRST=$v ;;
		last) [ "$v" = - ] || H_LAST=$v ;;
		welcomed) H_WELCOMED=$v ;;
		esac
	done
}

# Waits until the hostile process $1 (a spawn pid) exits, at most $2 s.
wait_pid_for() {
	local i

	for ((i = 0; i < $2 * 10; i++)); do
		is_alive "$1" || break
		sleep 0.1
	done
	wait "$1" 2>/dev/null
}

# Waits up to $2 s for process $1 to hold at least $3 file descriptors.
wait_fds() {
	local i

	for ((i = 0; i < $2 * 20; i++)); do
		[ "$(fd_count "$1")" -ge "$3" ] && return 0
		sleep 0.05
	done
	REASON="the coordinator holds $(fd_count "$1") file descriptors, expected at least $3"
	return 1
}

# Prints centiseconds $1 as seconds.
fmt_cs() {
	printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

# Runs one job in the current job folder with $1 workers and checks its
# output; sets JOB_MS (from starting the workers to the coordinator's exit).
# Coordinator options follow.
simple_job() {
	local n=$1 i start

	shift
	start_coordinator "coordinator${DIR#"$T/$NAME"}" "$@"
	wait_listening || return 1
	start=$(now_ms)
	for ((i = 0; i < n; i++)); do
		start_worker
	done
	wait_coordinator || return 1
	JOB_MS=$((END_MS - start))
	check_output || return 1
	wait_workers check
}

# ---------------------------------------------------------------------------
# The tests.

# Every misbehaving mode of the hostile tool against the socket of a running
# job with two real workers: each is dropped (or answered as the protocol
# says) with a log line, the coordinator survives and the output is right.
t_hostile_peers() {
	local spec mode expect before after n=0 i
	local welcomed="reply welcome version=$PROTO worker=[0-9]+, closed"
	# mode (words joined by +) | regular expression of the expected line
	local specs=(
		"progress-long|reply welcome version=$PROTO worker=[0-9]+, reply task (map|reduce)=[0-9]+, closed"
		"random+4096+1|closed"
		"random+65536+2|closed"
		"random+1048580+3|closed"
		"huge|closed"
		"maxplus|closed"
		"truncated|sent"
		"junk|closed"
		"unknown|closed"
		"empty|closed"
		"second-hello|$welcomed"
		"report-unknown|$welcomed"
		"fail-unknown|$welcomed"
		"progress-unknown|$welcomed"
		"request-twice|$welcomed"
		"request-before-hello|closed"
		"welcome|closed"
		"task|closed"
		"bad-version|reply welcome version=$PROTO, closed"
	)

	SLEEP=1	# 8 maps of 1 s on 2 workers: at least 4 s
	start_coordinator coordinator --max-connections "$DEFAULT_MAX_CONN"
	wait_listening || return 1
	start_worker
	start_worker
	for spec in "${specs[@]}"; do
		mode=${spec%%|*}
		expect=${spec#*|}
		before=$(wc -l <"$LOGS/coordinator.log")
		# shellcheck disable=SC2086 # words of the mode
		run_hostile ${mode//+/ } || return 1
		if ! [[ $HOUT =~ ^($expect)$ ]]; then
			REASON="hostile ${mode//+/ }: '$HOUT', expected '$expect'"
			return 1
		fi
		# The log line comes before the close, or just after a
		# truncated frame.
		for ((i = 0; i < 20; i++)); do
			after=$(tail -n +$((before + 1)) "$LOGS/coordinator.log")
			grep -qE "$DROP_RE" <<<"$after" && break
			sleep 0.05
		done
		if ! grep -qE "$DROP_RE" <<<"$after"; then
			REASON="hostile ${mode//+/ }: no log line matching /$DROP_RE/ from the coordinator"
			return 1
		fi
		n=$((n + 1))
	done

	# 400 connections at once: everything over the limit closed at once.
	before=$(wc -l <"$LOGS/coordinator.log")
	run_hostile flood 400 1 || return 1
	printf '%s\n' "$HOUT" >"$LOGS/flood.log"
	parse_summary flood || return 1
	if [ "$H_OPENED" -ne 400 ] ||
		[ "$H_EARLY" -lt $((400 - DEFAULT_MAX_CONN)) ]; then
		REASON="flood: $HOUT; expected opened=400 and at least $((400 - DEFAULT_MAX_CONN)) closed at once (limit $DEFAULT_MAX_CONN)"
		return 1
	fi
	if ! tail -n +$((before + 1)) "$LOGS/coordinator.log" | grep -i refused |
		grep -qiE 'limit|too many|max'; then
		REASON="flood: the coordinator logged no refusal over its connection limit"
		return 1
	fi
	n=$((n + 1))

	if ! coordinator_running; then
		REASON="the job ended before the hostile modes did (make it last longer)"
		return 1
	fi
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	DETAIL="$n hostile modes, each dropped with a log line; flood: $H_EARLY of 400 closed at once"
}

# 200 connections that never say Hello and 100 that say only Hello, during a
# job: it takes about as long as alone, the coordinator's memory stays
# bounded, and the silent ones are dropped after the hello timeout.
t_idle_connections() {
	local base_ms load_ms rss0 growth n_timeout fds0 start

	SLEEP=1.6	# 8 maps of 1.6 s on 2 workers: at least 6.4 s
	# Over the old default limit of 256: this test is about idle connections.
	job_folder -alone || return 1
	simple_job 2 --max-connections 1000 || return 1
	base_ms=$JOB_MS

	job_folder || return 1
	HOSTILE_PIDS=()
	start_coordinator coordinator --max-connections 1000
	wait_listening || return 1
	rss0=$(status_kb "$CPID" VmRSS) || {
		REASON="cannot read the coordinator's VmRSS"
		return 1
	}
	fds0=$(fd_count "$CPID")
	spawn_hostile idle idle 200 20
	spawn_hostile idle-hello idle-hello 100 20
	wait_fds "$CPID" 5 $((fds0 + 300)) || return 1
	start=$(now_ms)
	start_worker
	start_worker
	wait_coordinator || return 1
	load_ms=$((END_MS - start))
	check_output || return 1
	wait_workers check || return 1
	wait_pid_for "${HOSTILE_PIDS[0]}" 5
	wait_pid_for "${HOSTILE_PIDS[1]}" 5

	growth=$((PEAK_KB - rss0))
	if [ "$load_ms" -gt $((2 * base_ms + 1000)) ]; then
		REASON="job took $(fmt_s "$load_ms") s with 300 idle connections, $(fmt_s "$base_ms") s without (more than 2x + 1 s)"
		return 1
	fi
	if [ "$growth" -gt "$RSS_MAX_KB" ]; then
		REASON="coordinator peak RSS grew by $growth kB (from $rss0 kB), more than $RSS_MAX_KB kB"
		return 1
	fi
	parse_summary idle || return 1
	if [ "$H_OPENED" -ne 200 ] || [ "$H_CLOSED" -ne 200 ] ||
		[ "$H_FIRST" -lt $((HELLO_TIMEOUT * 100 - 50)) ] ||
		[ "$H_LAST" -gt $((HELLO_TIMEOUT * 100 + 100)) ]; then
		REASON="no-hello connections: $(grep '^opened=' "$LOGS/idle.log"); expected all 200 closed $((HELLO_TIMEOUT - 1)).5-$((HELLO_TIMEOUT + 1)).0 s after opening (hello timeout)"
		return 1
	fi
	local idle_first=$H_FIRST idle_last=$H_LAST
	n_timeout=$(grep -iE 'hello' "$LOGS/coordinator.log" | grep -ciE 'dropped|timeout|timed out')
	if [ "$n_timeout" -ne 200 ]; then
		REASON="the coordinator logged $n_timeout hello timeouts, expected 200 (not the 100 that said Hello)"
		return 1
	fi
	parse_summary idle-hello || return 1
	if [ "$H_WELCOMED" -ne 100 ] || [ "$H_EARLY" -ne 0 ]; then
		REASON="hello-only connections: $(grep '^opened=' "$LOGS/idle-hello.log"); expected 100 welcomed, none closed early"
		return 1
	fi
	DETAIL="300 connections held; job $(fmt_s "$load_ms") s vs $(fmt_s "$base_ms") s alone (ratio $(awk -v a="$load_ms" -v b="$base_ms" 'BEGIN { printf "%.2f", a / b }')); peak RSS +$growth kB (from $rss0 kB); no-hello ones closed after $(fmt_cs "$idle_first")-$(fmt_cs "$idle_last") s"
}

# 100 clients that say Hello, ask for a task and never read: the job
# finishes with the right output and the coordinator's memory stays bounded.
# Each such client holds one lease until --task-timeout, so the timeout is
# short here.
t_no_read() {
	local rss0 fds0 growth start job_ms

	SLEEP=0.05
	HOSTILE_PIDS=()
	start_coordinator coordinator --task-timeout 0.5
	wait_listening || return 1
	rss0=$(status_kb "$CPID" VmRSS) || {
		REASON="cannot read the coordinator's VmRSS"
		return 1
	}
	fds0=$(fd_count "$CPID")
	spawn_hostile noread noread 100
	wait_fds "$CPID" 5 $((fds0 + 100)) || return 1
	start=$(now_ms)
	start_worker
	start_worker
	wait_coordinator || return 1
	job_ms=$((END_MS - start))
	check_output || return 1
	wait_workers check || return 1
	wait_pid_for "${HOSTILE_PIDS[0]}" 5
	growth=$((PEAK_KB - rss0))
	if [ "$growth" -gt "$RSS_MAX_KB" ]; then
		REASON="coordinator peak RSS grew by $growth kB (from $rss0 kB), more than $RSS_MAX_KB kB"
		return 1
	fi
	parse_summary noread || return 1
	if [ "$H_OPENED" -ne 100 ]; then
		REASON="noread: $(grep '^opened=' "$LOGS/noread.log"); expected 100 connections"
		return 1
	fi
	DETAIL="100 never-reading clients; job $(fmt_s "$job_ms") s with --task-timeout 0.5 ($(grep -c 'timed out' "$LOGS/coordinator.log") timeout lines); peak RSS +$growth kB (from $rss0 kB)"
}

# 40 status clients that ask and never read: each would hold a whole
# Status, so the coordinator serves 16 at once and refuses the others at
# once, with a log line; the job still completes.
t_status_hoard() {
	SLEEP=0
	HOSTILE_PIDS=()
	start_coordinator coordinator
	wait_listening || return 1
	spawn_hostile hoard noread-status 40 3
	wait_pid_for "${HOSTILE_PIDS[0]}" 10
	parse_summary hoard || return 1
	if [ "$H_OPENED" -ne 40 ] || [ "$H_EARLY" -ne 24 ]; then
		REASON="noread-status 40: $(grep '^opened=' "$LOGS/hoard.log"); expected 24 closed at once (16 served)"
		return 1
	fi
	if ! grep -q 'status clients already; refused' "$LOGS/coordinator.log"; then
		REASON="the coordinator logged no refusal of a status client"
		return 1
	fi
	start_worker
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	DETAIL="40 status clients that never read: 16 served, $H_EARLY refused at once; then a worker ran the job"
}

# --max-connections 50 and 60 idle connections: 10 or more are closed at
# once with a log line, the rest by the hello timeout; then a worker joins
# and the job completes.
t_connection_limit() {
	SLEEP=0
	HOSTILE_PIDS=()
	start_coordinator coordinator --max-connections 50
	wait_listening || return 1
	spawn_hostile idle idle 60 20
	wait_pid_for "${HOSTILE_PIDS[0]}" $((HELLO_TIMEOUT + 5))
	parse_summary idle || return 1
	if [ "$H_OPENED" -ne 60 ] || [ "$H_EARLY" -lt 10 ]; then
		REASON="idle 60: $(grep '^opened=' "$LOGS/idle.log"); expected at least 10 closed at once"
		return 1
	fi
	if [ "$H_CLOSED" -ne 60 ] ||
		[ "$H_LAST" -gt $((HELLO_TIMEOUT * 100 + 100)) ]; then
		REASON="idle 60: $(grep '^opened=' "$LOGS/idle.log"); expected the others closed by the hello timeout"
		return 1
	fi
	if ! grep -i refused "$LOGS/coordinator.log" | grep -qiE 'limit|too many|max'; then
		REASON="the coordinator logged no refusal over its connection limit"
		return 1
	fi
	if ! coordinator_running; then
		REASON="the coordinator is gone"
		return 1
	fi
	local early=$H_EARLY last=$H_LAST
	start_worker
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	DETAIL="60 idle connections at --max-connections 50: $early closed at once, the others after at most $(fmt_cs "$last") s; then a worker ran the job"
}

# The socket is created with mode 0600, even under umask 000.
t_socket_mode() {
	local mode

	CUMASK=000
	start_coordinator coordinator
	CUMASK=""
	wait_listening || return 1
	mode=$(stat -c %a -- "$SOCK")
	if [ "$mode" != 600 ]; then
		REASON="socket mode $mode, expected 600"
		return 1
	fi
	start_worker
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	if [ -e "$SOCK" ]; then
		REASON="the coordinator left its socket behind"
		return 1
	fi
	DETAIL="mode $mode under umask 000"
}

# A process of another user (nobody) is refused even when the socket's mode
# lets it connect; the job still completes with real workers.
t_other_user() {
	local group uid tool

	if [ "$(id -u)" -ne 0 ]; then
		DETAIL="skipped: not root"
		return 0
	fi
	if ! command -v setpriv >/dev/null 2>&1; then
		DETAIL="skipped: no setpriv"
		return 0
	fi
	if ! uid=$(id -u nobody 2>/dev/null); then
		DETAIL="skipped: no user nobody"
		return 0
	fi
	group=nogroup
	getent group nogroup >/dev/null 2>&1 || group=nobody
	# nobody must reach the socket and run a copy of the tool.
	tool=$T/bin/hostile
	if ! mkdir -p -- "$T/bin" || ! cp -- "$HOSTILE" "$tool" ||
		! chmod 0755 -- "$T/bin" "$tool" || ! chmod 0711 -- "$T" "$DIR"; then
		REASON="cannot prepare $tool for user nobody"
		return 1
	fi
	SLEEP=0
	start_coordinator coordinator
	wait_listening || return 1
	chmod 0777 -- "$SOCK" || {
		REASON="cannot chmod $SOCK"
		return 1
	}
	HOUT=$("${TIMEOUT[@]}" setpriv --reuid=nobody --regid="$group" \
		--clear-groups "$tool" --socket "$SOCK" --wait 3 second-hello \
		2>>"$LOGS/hostile.log")
	printf 'as nobody: second-hello -> %s\n' "$HOUT" >>"$LOGS/hostile.log"
	if [ "$HOUT" != closed ]; then
		REASON="a process of user nobody got '$HOUT', expected closed without a Welcome"
		return 1
	fi
	if ! grep -i refused "$LOGS/coordinator.log" | grep -q "$uid"; then
		REASON="the coordinator logged no refusal naming uid $uid"
		return 1
	fi
	start_worker
	start_worker
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	DETAIL="uid $uid refused with a log line"
}

# A second coordinator on a socket where one answers exits at once, non-zero,
# and leaves the first one working.
t_second_coordinator() {
	local ino rc start ms first_dir=$DIR

	SLEEP=0.2
	start_coordinator coordinator
	wait_listening || return 1
	ino=$(stat -c %i -- "$SOCK")
	job_folder -second || return 1
	SOCK=$first_dir/mr.sock
	start=$(now_ms)
	"${TIMEOUT[@]}" "$COORD" --socket "$SOCK" "${INPUTS[@]}" \
		>"$LOGS/second.log" 2>&1
	rc=$?
	ms=$(($(now_ms) - start))
	DIR=$first_dir
	cd -- "$DIR" || return 1
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
		REASON="the second coordinator exited with status $rc"
		return 1
	fi
	if [ "$ms" -gt 2000 ]; then
		REASON="the second coordinator took $(fmt_s "$ms") s to give up"
		return 1
	fi
	if ! grep -qi 'another coordinator' "$LOGS/second.log"; then
		REASON="the second coordinator did not say another coordinator is running: $(head -c 200 "$LOGS/second.log")"
		return 1
	fi
	if [ "$(stat -c %i -- "$SOCK" 2>/dev/null)" != "$ino" ]; then
		REASON="the second coordinator replaced or removed the socket"
		return 1
	fi
	start_worker
	start_worker
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	DETAIL="second one exited $rc in $(fmt_s "$ms") s"
}

# A socket file left by a coordinator killed with SIGKILL is replaced by the
# next coordinator, which completes its job.
t_stale_socket() {
	local i

	SLEEP=0
	start_coordinator killed
	wait_listening || return 1
	kill -KILL "$CPID"
	for ((i = 0; i < 50; i++)); do
		[ -e "$LOGS/killed.rc" ] && break
		sleep 0.1
	done
	wait "$COORD_PID" 2>/dev/null
	if [ ! -S "$SOCK" ]; then
		REASON="no stale socket left after kill -9"
		return 1
	fi
	start_coordinator coordinator
	start_worker
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	if [ -e "$SOCK" ]; then
		REASON="the coordinator left its socket behind"
		return 1
	fi
	local left=(mr.sock.*)
	if [ -e "${left[0]}" ]; then
		REASON="temporary socket left behind: ${left[*]}"
		return 1
	fi
}

# A socket path of 120 bytes is refused by both programs, creating nothing.
# 250 peers each holding the largest frame a coordinator accepts, all but
# its last byte: the coordinator's memory stays bounded and the job runs.
t_partial_frames() {
	local rss0 growth

	SLEEP=0.05
	HOSTILE_PIDS=()
	start_coordinator coordinator --max-connections 1000
	wait_listening || return 1
	rss0=$(status_kb "$CPID" VmRSS) || {
		REASON="cannot read the coordinator's VmRSS"
		return 1
	}
	spawn_hostile partial partial 250 6
	sleep 2
	start_worker
	start_worker
	wait_coordinator || return 1
	check_output || return 1
	wait_workers check || return 1
	wait_pid_for "${HOSTILE_PIDS[0]}" 10
	growth=$((PEAK_KB - rss0))
	if [ "$growth" -gt "$RSS_MAX_KB" ]; then
		REASON="coordinator peak RSS grew by $growth kB (from $rss0 kB) with 250 partial frames, more than $RSS_MAX_KB kB"
		return 1
	fi
	DETAIL="250 partial frames of $((64 * 1024)) bytes held; peak RSS +$growth kB (from $rss0 kB)"
}

# A --socket path naming an ordinary file is refused, and the file kept.
t_not_a_socket() {
	local rc

	echo precious >"$DIR/precious"
	"${TIMEOUT[@]}" "$COORD" --socket "$DIR/precious" "${INPUTS[@]}" \
		>"$LOGS/coordinator.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
		REASON="mrcoordinator --socket <a regular file> exited with status $rc"
		return 1
	fi
	if ! grep -q 'not a socket' "$LOGS/coordinator.log"; then
		REASON="mrcoordinator did not say the path is not a socket"
		return 1
	fi
	if [ "$(cat "$DIR/precious")" != precious ]; then
		REASON="the file at the socket path was replaced"
		return 1
	fi
}

t_long_path() {
	local long rc f left

	long=$DIR/
	while [ "${#long}" -lt 115 ]; do
		long+=x
	done
	long+=.sock
	if [ "${#long}" -ne 120 ]; then
		REASON="cannot make a path of 120 bytes under $DIR"
		return 1
	fi
	"${TIMEOUT[@]}" "$COORD" --socket "$long" "${INPUTS[@]}" \
		>"$LOGS/coordinator.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
		REASON="mrcoordinator --socket <120 bytes> exited with status $rc"
		return 1
	fi
	if ! grep -q 'too long' "$LOGS/coordinator.log"; then
		REASON="mrcoordinator did not say the path is too long"
		return 1
	fi
	"${TIMEOUT[@]}" "$WORKER" --socket "$long" --wait 1 "$APP" \
		>"$LOGS/worker.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
		REASON="mrworker --socket <120 bytes> exited with status $rc"
		return 1
	fi
	if ! grep -q 'too long' "$LOGS/worker.log"; then
		REASON="mrworker did not say the path is too long"
		return 1
	fi
	left=()
	for f in "$DIR"/.[!.]* "$DIR"/..?* "$DIR"/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		left+=("${f##*/}")
	done
	if [ "${#left[@]}" -gt 0 ]; then
		REASON="files created: ${left[*]}"
		return 1
	fi
}

# ---------------------------------------------------------------------------

select_tests "$@"
require_system

find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$HOSTILE" "$APP"
if [ "${#MISSING[@]}" -gt 0 ]; then
	printf '%s: missing %s\n' "$PROG" "${MISSING[@]}" >&2
	die "build them first (make; make $BUILD/test/hostile $BUILD/test/fixtures/slow.so)"
fi
PROTO=$("$COORD" --version 2>/dev/null | sed -n 's/.*(protocol \([0-9]*\)).*/\1/p')
[ -n "$PROTO" ] || die "cannot read the protocol version from $COORD --version"

make_temp_folder test-hostile seq
make_inputs "$NINPUTS" 'pg-*.txt' --bytes-per-file 16384
# The expected output, from the same input names.
if ! (cd -- "$T/seq" && MR_TEST_SLEEP=0 "${TIMEOUT[@]}" "$SEQ" "$APP" \
	"${INPUTS[@]}") >"$T/logs/sequential.log" 2>&1 ||
	[ ! -s "$T/seq/mr-out-0" ]; then
	cat -- "$T/logs/sequential.log" >&2
	die "mrsequential failed"
fi
sort -- "$T/seq/mr-out-0" | grep . >"$T/correct.txt"

run_selected
