#!/usr/bin/env bash
#
# test-net.sh - black-box tests of a job spread over three hosts, made of
# network namespaces (each with its own address and loopback, joined by
# veth pairs to a bridge in a fourth): the coordinator on one, workers on
# the two others, the job folder shared (the namespaces share the file
# system, as NFS would). Checks that the output equals mrsequential's;
# that a client with no secret or a wrong one, and a replayed handshake,
# are refused with a log line naming their address; that cutting a worker
# host's link in the middle of a task (ip link set ... down) moves the
# task within the heartbeat bound (--peer-timeout, 3 s, plus 1 s of
# slack) and the job still ends right; and that bringing the link back
# later changes nothing (no report of the lost attempt is taken, the
# worker there joins again as a new worker).
#
# usage: scripts/test-net.sh [TEST...]
#
# Needs root and ip(8) with network namespaces: otherwise each test says
# SKIPPED with the reason. Prints "PASS: NAME (SECONDSs)", "FAIL: NAME:
# REASON" or "SKIPPED: NAME: WHY" per test, then "N passed, M failed";
# exits 0 iff none failed. Every process runs under `timeout -k 2s 120s`.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(three-hosts refused link-cut)
TIMEOUT=(timeout -k 2s 120s)

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

AUTHPEER=$BIN/test/authpeer
SLOW=$BIN/test/fixtures/slow.so
NREDUCE=3
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
COORD_PID=""
PEER_TIMEOUT=3
# The hosts: the namespaces, and their addresses on the test's own
# bridge (192.0.2.0/24 is TEST-NET-1: documentation only, never routed).
NS_TAG=mr$$
NS_C=$NS_TAG-c
NS_W1=$NS_TAG-w1
NS_W2=$NS_TAG-w2
NS_BR=$NS_TAG-br
IP_C=192.0.2.1
IP_W1=192.0.2.2
IP_W2=192.0.2.3
NETNS_SKIP=""

# Removes the namespaces (and so their links), whatever is left of them.
netns_down() {
	local ns

	for ns in "$NS_C" "$NS_W1" "$NS_W2" "$NS_BR"; do
		ip netns del "$ns" 2>/dev/null
	done
}

# reaches HOST: whether host HOST reaches host c (no ping needed: bash's
# /dev/tcp to a port nobody listens on is refused when c answers).
reaches() {
	ip netns exec "$1" timeout 1 bash -c "exec 3<>/dev/tcp/$IP_C/9" 2>&1 |
		grep -q refused
}

# Builds the three hosts and the bridge; sets NETNS_SKIP when the machine
# cannot.
netns_up() {
	local ns i=1

	if [ "$(id -u)" -ne 0 ]; then
		NETNS_SKIP="network namespaces need root"
		return
	fi
	if ! command -v ip >/dev/null 2>&1; then
		NETNS_SKIP="ip(8) not installed (iproute2; scripts/install-deps --cluster)"
		return
	fi
	if ! ip netns add "$NS_BR" 2>"$T/logs/netns.log"; then
		NETNS_SKIP="network namespaces not allowed here: $(head -n 1 "$T/logs/netns.log")"
		return
	fi
	{
		ip -n "$NS_BR" link add br0 type bridge &&
			ip -n "$NS_BR" link set br0 up &&
			for ns in "$NS_C" "$NS_W1" "$NS_W2"; do
				ip netns add "$ns" &&
					ip -n "$NS_BR" link add "p$i" type veth peer name eth0 netns "$ns" &&
					ip -n "$NS_BR" link set "p$i" master br0 up &&
					ip -n "$ns" addr add "192.0.2.$i/24" dev eth0 &&
					ip -n "$ns" link set eth0 up &&
					ip -n "$ns" link set lo up || exit 1
				i=$((i + 1))
			done
	} >>"$T/logs/netns.log" 2>&1 || {
		NETNS_SKIP="cannot build the test's hosts: $(tail -n 1 "$T/logs/netns.log")"
		netns_down
		return
	}
	# Each host reaches the others (the bridge may take a moment): a
	# connection to a closed port of c is refused, not lost.
	for ((i = 0; i < 50; i++)); do
		reaches "$NS_W1" && reaches "$NS_W2" && return
		sleep 0.1
	done
	NETNS_SKIP="the test's hosts cannot reach each other over their bridge"
	netns_down
}

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	LOGS=$T/logs/$NAME
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	rm -rf -- "$DIR" "$LOGS" "$T/$NAME.seq"
	SOCK=$DIR/mr.sock
	enter_job_folder 108 "$DIR" "$LOGS" || return 1
	# A link cut by an earlier test is back.
	[ -n "$NETNS_SKIP" ] || ip -n "$NS_W1" link set eth0 up 2>/dev/null
	return 0
}

# on HOST CMD...: runs CMD on the host (namespace) HOST.
on() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# start_coordinator [OPTION...]: the coordinator on host c, listening on
# its address; sets ADDRESS.
start_coordinator() {
	local i

	spawn coordinator ip netns exec "$NS_C" "$COORD" -v --socket "$SOCK" \
		--listen "tcp:$IP_C:0" --peer-timeout "$PEER_TIMEOUT" \
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

finish_job() {
	wait "$COORD_PID" 2>/dev/null
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	wait_workers || return 1
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	check_clean || return 1
}

t_three_hosts() {
	local n1 n2

	[ -z "$NETNS_SKIP" ] || { SKIP=$NETNS_SKIP; return 0; }
	sequential nocrash "${INPUTS[@]}" || return 1
	start_coordinator || return 1
	for h in "$NS_W1" "$NS_W1" "$NS_W2" "$NS_W2"; do
		MR_TEST_SLEEP=0.2 spawn_worker ip netns exec "$h" "$WORKER" -v \
			--coordinator "$ADDRESS" --secret-file .mr-secret "$SLOW"
	done
	finish_job || return 1
	n1=$(grep -cE "\(pid [0-9]+ at $IP_W1:[0-9]+\): attempt [0-9]+ done" "$LOGS/coordinator.log")
	n2=$(grep -cE "\(pid [0-9]+ at $IP_W2:[0-9]+\): attempt [0-9]+ done" "$LOGS/coordinator.log")
	if [ "$n1" -eq 0 ] || [ "$n2" -eq 0 ]; then
		REASON="tasks done from $IP_W1: $n1, from $IP_W2: $n2 (both hosts should work)"
		return 1
	fi
	DETAIL="coordinator on $IP_C, $n1 tasks done on $IP_W1, $n2 on $IP_W2"
}

# expect_refused WHAT OUT: the tool's output says refused, and the
# coordinator logged a refusal naming the address of host w2.
expect_refused() {
	if [ "$2" != refused ]; then
		REASON="$1: the coordinator let it in ($2)"
		return 1
	fi
}

t_refused() {
	local out wrong=$T/wrong-secret

	[ -z "$NETNS_SKIP" ] || { SKIP=$NETNS_SKIP; return 0; }
	sequential nocrash "${INPUTS[@]}" || return 1
	start_coordinator || return 1
	out=$(on "$NS_W2" "${TIMEOUT[@]}" "$AUTHPEER" hello "$ADDRESS")
	expect_refused "a Hello with no handshake" "$out" || return 1
	out=$(on "$NS_W2" "${TIMEOUT[@]}" "$AUTHPEER" wrong "$ADDRESS")
	expect_refused "a wrong proof" "$out" || return 1
	out=$(on "$NS_W2" "${TIMEOUT[@]}" "$AUTHPEER" replay "$ADDRESS" .mr-secret)
	if [ "$out" != "first welcomed, replay refused" ]; then
		REASON="a replayed handshake: $out"
		return 1
	fi
	# mrworker itself, with a wrong secret and with none.
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$wrong"
	chmod 600 "$wrong"
	on "$NS_W2" "${TIMEOUT[@]}" "$WORKER" --coordinator "$ADDRESS" \
		--secret-file "$wrong" "$APPS/nocrash.so" >"$LOGS/wrong-worker.log" 2>&1
	if [ $? -ne 1 ] || ! grep -q "not this job's secret" "$LOGS/wrong-worker.log"; then
		REASON="a worker with a wrong secret: $(tail -n 1 "$LOGS/wrong-worker.log")"
		return 1
	fi
	env -u MR_SECRET "${TIMEOUT[@]}" ip netns exec "$NS_W2" "$WORKER" \
		--coordinator "$ADDRESS" "$APPS/nocrash.so" >"$LOGS/no-secret.log" 2>&1
	if [ $? -ne 1 ] || ! grep -q "no secret" "$LOGS/no-secret.log"; then
		REASON="a worker with no secret: $(tail -n 1 "$LOGS/no-secret.log")"
		return 1
	fi
	# The log names each refused peer's address.
	sleep 0.3
	for why in "message type 1 before the handshake" \
		"wrong proof of the job's secret; refused" \
		"closed during the handshake"; do
		if ! grep -q "connection from $IP_W2:[0-9]*: $why" "$LOGS/coordinator.log"; then
			REASON="no log line 'connection from $IP_W2:PORT: $why'"
			return 1
		fi
	done
	if [ "$(grep -c "connection from $IP_W2:[0-9]*: wrong proof" "$LOGS/coordinator.log")" -ne 2 ]; then
		REASON="the wrong proof and the replay should both be refused as wrong proofs"
		return 1
	fi
	# The job itself is served as ever.
	spawn_worker ip netns exec "$NS_W1" "$WORKER" --coordinator "$ADDRESS" \
		--secret-file .mr-secret "$APPS/nocrash.so"
	finish_job || return 1
	DETAIL="no handshake, wrong proof, replayed handshake, wrong and no secret: all refused"
}

# The link of a worker's host goes down in the middle of its task: the
# task moves within the bound; the link comes back: nothing changes.
t_link_cut() {
	local line attempt wname t0 t1 i ms lost

	[ -z "$NETNS_SKIP" ] || { SKIP=$NETNS_SKIP; return 0; }
	sequential nocrash "${INPUTS[@]}" || return 1
	# No backup of the task on the other host: it must move because its
	# host is lost, not because it is slow.
	start_coordinator --speculative off || return 1
	# Its exit status is not checked: once its link is back, it joins
	# again if the job still runs, or finds none and exits 1.
	MR_TEST_SLEEP=8 spawn w1 ip netns exec "$NS_W1" "$WORKER" -v --reconnect 3 \
		--coordinator "$ADDRESS" --secret-file .mr-secret "$SLOW"
	W1_LOG=$LOGS/w1.log
	# The first task is w1's: the other host's worker starts after.
	for ((i = 0; i < 100; i++)); do
		line=$(grep -E "\(pid [0-9]+ at $IP_W1:[0-9]+\): attempt [0-9]+: map task" \
			"$LOGS/coordinator.log" | head -n 1)
		[ -n "$line" ] && break
		sleep 0.05
	done
	if [ -z "$line" ]; then
		REASON="no task handed to the worker on $IP_W1"
		return 1
	fi
	attempt=$(sed -E 's/.*: attempt ([0-9]+): map task.*/\1/' <<<"$line")
	wname=$(sed -E 's/.*(worker [0-9]+ \(pid [0-9]+ at [^)]*\)).*/\1/' <<<"$line")
	MR_TEST_SLEEP=0.5 spawn_worker ip netns exec "$NS_W2" "$WORKER" --coordinator "$ADDRESS" \
		--secret-file .mr-secret "$SLOW"
	sleep 0.3
	t0=$(date +%s%N)
	ip -n "$NS_W1" link set eth0 down
	lost=""
	for ((i = 0; i < 200; i++)); do
		if grep -qF "$wname lost while running attempt $attempt; task requeued" \
			"$LOGS/coordinator.log"; then
			lost=1
			break
		fi
		sleep 0.02
	done
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	if [ -z "$lost" ]; then
		REASON="attempt $attempt of $wname not requeued within $(fmt_s "$ms") s of the cut"
		return 1
	fi
	if [ "$ms" -gt $((PEER_TIMEOUT * 1000 + 1000)) ]; then
		REASON="attempt $attempt requeued $(fmt_s "$ms") s after the cut, more than $PEER_TIMEOUT s + 1 s"
		return 1
	fi
	# Later, the link is back, while the job runs.
	sleep 1
	ip -n "$NS_W1" link set eth0 up
	finish_job || return 1
	if ! grep -q "lost the coordinator while attempt $attempt ran; attempt abandoned" "$W1_LOG"; then
		REASON="the worker on $IP_W1 did not abandon attempt $attempt: $(tail -n 1 "$W1_LOG")"
		return 1
	fi
	if grep -qE "attempt $attempt done|report for attempt $attempt " "$LOGS/coordinator.log"; then
		REASON="a report of the lost attempt $attempt reached the coordinator"
		return 1
	fi
	DETAIL="task moved $(fmt_s "$ms") s after the link of $IP_W1 was cut (bound ${PEER_TIMEOUT} s); link back 1 s later, output unchanged"
	if grep -qE "\(pid [0-9]+ at $IP_W1:[0-9]+\) joined|worker [0-9]+ \(pid [0-9]+ at $IP_W1" \
		<(grep -v "$wname" "$LOGS/coordinator.log"); then
		NOTE="the worker on $IP_W1 joined again once its link was back"
	fi
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$APPS/nocrash.so" "$SLOW" \
	"$AUTHPEER"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make and make test first"
fi
make_temp_folder test-net
make_inputs 6 'pg-*.txt' --files 6 --bytes-per-file 20000
netns_up
trap 'rc=$?; netns_down; (exit "$rc"); on_exit' EXIT
run_selected
