#!/usr/bin/env bash
#
# test-tcp.sh - black-box tests of the TCP transport on this machine's
# loopback: a job whose workers and mrctl reach the coordinator over
# IPv4 and over IPv6, proving the job's secret (from the file the
# coordinator made, and from $MR_SECRET); what a worker says when the job
# folder is not at the same path on its host (a mount namespace hides
# it); the handshake's cost next to a Unix socket's connection; and the
# scale test: 2 000 simulated workers (test/swarm) speaking the real
# protocol over loopback TCP through 200 000 tiny tasks, with the
# coordinator's tasks per second, CPU per task and peak RSS.
#
# usage: scripts/test-tcp.sh [TEST...]
#
# Prints "PASS: NAME (SECONDSs)", "FAIL: NAME: REASON" or "SKIPPED: NAME:
# WHY" per test, then "N passed, M failed"; exits 0 iff none failed. It
# builds nothing: run `make` and the test tools first. Every process runs
# under `timeout -k 2s 120s`.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder), SCALE_WORKERS and SCALE_TASKS (default 2000
# and 200000).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(ipv4 ipv6 not-shared handshake scale)
TIMEOUT=(timeout -k 2s 120s)

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

AUTHPEER=$BIN/test/authpeer
SWARM=$BIN/test/swarm
MRCTL=$BIN/mrctl
NREDUCE=4
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
COORD_PID=""
SCALE_WORKERS=${SCALE_WORKERS:-2000}
SCALE_TASKS=${SCALE_TASKS:-200000}

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	LOGS=$T/logs/$NAME
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	SOCK=$DIR/mr.sock
	enter_job_folder 108 "$DIR" "$LOGS"
}

# start_tcp_coordinator LISTEN [OPTION...]: a coordinator listening on its
# Unix socket and on TCP at LISTEN; sets ADDRESS to where it listens (read
# from .mr-address).
start_tcp_coordinator() {
	local listen=$1 i

	shift
	spawn coordinator "$COORD" -v --socket "$SOCK" --listen "$listen" \
		--reduces "$NREDUCE" --progress 0 "$@" -- "${INPUTS[@]}"
	COORD_PID=$STARTED
	for ((i = 0; i < 100; i++)); do
		if [ -s .mr-address ]; then
			ADDRESS=$(head -n 1 .mr-address)
			return 0
		fi
		if [ -e "$LOGS/coordinator.rc" ]; then
			REASON="coordinator exited with status $(<"$LOGS/coordinator.rc")"
			return 1
		fi
		sleep 0.1
	done
	REASON="no .mr-address within 10 s"
	return 1
}

# wait_workers: fails unless every worker spawned exited 0.
wait_workers() {
	local p f

	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for f in "${WORKER_RCS[@]}"; do
		if [ "$(cat "$f" 2>/dev/null)" != 0 ]; then
			REASON="worker ${f##*/} exited with status $(cat "$f" 2>/dev/null)"
			return 1
		fi
	done
}

# finish_job: the coordinator and the workers exit 0, the output is
# mrsequential's, and nothing of the job is left (its secret, .mr-address).
finish_job() {
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	wait_workers || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	check_clean || return 1
}

# tcp_job LISTEN: two workers over TCP, one with --secret-file, one with
# $MR_SECRET; mrctl status over TCP in the middle.
tcp_job() {
	local secret

	sequential nocrash "${INPUTS[@]}" || return 1
	start_tcp_coordinator "$1" || return 1
	if [ ! -f .mr-secret ] || [ "$(stat -c %a .mr-secret)" != 600 ]; then
		REASON="no .mr-secret of mode 0600 in the job folder"
		return 1
	fi
	secret=$(<.mr-secret)
	MR_TEST_SLEEP=0.3 spawn_worker "$WORKER" -v --coordinator "$ADDRESS" \
		--secret-file .mr-secret "$APPS/../test/fixtures/slow.so"
	MR_TEST_SLEEP=0.3 MR_SECRET=$secret spawn_worker "$WORKER" \
		--coordinator "$ADDRESS" "$APPS/../test/fixtures/slow.so"
	sleep 0.5
	if ! MR_SECRET=$secret "${TIMEOUT[@]}" "$MRCTL" --coordinator "$ADDRESS" \
		status >"$LOGS/mrctl.log" 2>&1; then
		REASON="mrctl status over $ADDRESS failed: $(tail -n 1 "$LOGS/mrctl.log")"
		return 1
	fi
	if ! grep -q 'worker' "$LOGS/mrctl.log"; then
		REASON="mrctl status over TCP shows no worker"
		return 1
	fi
	finish_job || return 1
	if ! grep 'listening on' "$LOGS/coordinator.log" | grep -qF " and $ADDRESS"; then
		REASON="the coordinator did not say it listens on $ADDRESS"
		return 1
	fi
	if ! grep -qE "worker [0-9]+ \(pid [0-9]+ at " "$LOGS/coordinator.log"; then
		REASON="no worker named with its address in the coordinator's log"
		return 1
	fi
	DETAIL="listened on $ADDRESS; 2 workers, mrctl status over TCP"
}

t_ipv4() {
	tcp_job tcp:127.0.0.1:0
}

t_ipv6() {
	if ! ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
		SKIP="no IPv6 loopback address (::1) on this machine"
		return 0
	fi
	tcp_job 'tcp:[::1]:0' || return 1
	case $ADDRESS in
	'tcp:[::1]:'[0-9]*) ;;
	*)
		REASON="address $ADDRESS is not the IPv6 loopback's"
		return 1
		;;
	esac
}

# A worker whose host has no job folder at that path: one line naming the
# path and the host, exit 1; the job goes on with the others.
t_not_shared() {
	local host

	if ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
		SKIP="no mount namespaces here (unshare -m not allowed)"
		return 0
	fi
	sequential nocrash "${INPUTS[@]}" || return 1
	start_tcp_coordinator tcp:127.0.0.1:0 || return 1
	# Another host's view: the folder holding the job folder is empty.
	MR_SECRET=$(<.mr-secret) "${TIMEOUT[@]}" unshare -m sh -c \
		'mount -t tmpfs none "$1" && shift && exec "$@"' sh "$T" \
		"$WORKER" --coordinator "$ADDRESS" "$APPS/nocrash.so" \
		>"$LOGS/lost-worker.log" 2>&1
	rc=$?
	host=$(hostname)
	if [ "$rc" -ne 1 ]; then
		REASON="a worker that cannot see the job folder exited with status $rc, not 1"
		return 1
	fi
	if ! grep -q "cannot enter the job folder $DIR on host $host" "$LOGS/lost-worker.log"; then
		REASON="its error does not name the folder and the host: $(tail -n 1 "$LOGS/lost-worker.log")"
		return 1
	fi
	spawn_worker "$WORKER" --coordinator "$ADDRESS" --secret-file .mr-secret \
		"$APPS/nocrash.so"
	finish_job || return 1
	DETAIL=$(tail -n 1 "$LOGS/lost-worker.log" | cut -c1-90)...
}

# The handshake's cost: connections with the handshake and a status round
# trip, next to the same over the Unix socket (SO_PEERCRED).
t_handshake() {
	local tcp unix

	start_tcp_coordinator tcp:127.0.0.1:0 || return 1
	tcp=$("${TIMEOUT[@]}" "$AUTHPEER" bench "$ADDRESS" .mr-secret 300 2>"$LOGS/bench.log") || {
		REASON="authpeer bench failed: $(tail -n 1 "$LOGS/bench.log")"
		return 1
	}
	unix=$("${TIMEOUT[@]}" "$AUTHPEER" bench-unix "$SOCK" 300 2>>"$LOGS/bench.log") || {
		REASON="authpeer bench-unix failed: $(tail -n 1 "$LOGS/bench.log")"
		return 1
	}
	kill -TERM "$COORD_PID" 2>/dev/null
	wait "$COORD_PID" 2>/dev/null
	read -r _ _ _ tcp_each _ tcp_hs <<<"$tcp"
	read -r _ _ _ unix_each <<<"$unix"
	DETAIL="TCP connection with the handshake and a status: ${tcp_each} µs (handshake ${tcp_hs} µs); Unix socket with SO_PEERCRED: ${unix_each} µs"
}

# 2 000 simulated workers, 200 000 tiny tasks (one line each: splits of 8
# bytes), the default --max-connections.
t_scale() {
	local out

	seq 1 "$SCALE_TASKS" | awk '{ printf "w%06d\n", $1 }' >"$T/scale.txt"
	out=$("${TIMEOUT[@]}" "$SWARM" -n "$SCALE_WORKERS" -s "$DIR/.mr-secret" "$DIR" -- \
		"$COORD" -q --socket "$SOCK" --listen tcp:127.0.0.1:0 \
		--split-size 8 --reduces 1 --progress 0 "$T/scale.txt" 2>"$LOGS/swarm.log")
	rc=$?
	printf '%s\n' "$out" >>"$LOGS/swarm.log"
	if [ "$rc" -ne 0 ]; then
		REASON="swarm exited with status $rc: $(tail -n 2 "$LOGS/swarm.log" | tr '\n' ' ')"
		return 1
	fi
	read -r _ w _ tasks _ secs _ rate _ cpu _ per _ rss _ <<<"$out"
	if [ "$tasks" -ne $((SCALE_TASKS + 1)) ]; then
		REASON="$tasks tasks done, not $((SCALE_TASKS + 1))"
		return 1
	fi
	DETAIL="$w workers, $tasks tasks in $secs s: $rate tasks/s, coordinator CPU $cpu s ($per µs a task), peak RSS $rss MB"
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$MRCTL" "$APPS/nocrash.so" \
	"$BIN/test/fixtures/slow.so" "$AUTHPEER" "$SWARM"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make and make test first"
fi
make_temp_folder test-tcp
make_inputs 6 'pg-*.txt' --files 6 --bytes-per-file 20000
run_selected
