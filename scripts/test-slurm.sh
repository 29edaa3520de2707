#!/usr/bin/env bash
#
# test-slurm.sh - black-box tests of jobs launched through a real Slurm,
# and of --auth munge with a real munged. The script installs what it
# needs (Debian's munge and slurm-wlm, through scripts/install-deps
# --cluster) and starts a one-node cluster of its own: munged with a key
# it generates, slurmctld and slurmd with a configuration in its temporary
# folder, on ports of its own (not Slurm's defaults), all stopped when it
# ends. The tests: mrrun --srun inside salloc (workers as job steps over
# TCP, the output mrsequential's, the secret on no command line); the
# sbatch example of doc/mrjob.sbatch, run as it is; Ctrl-C (SIGINT) of
# mrrun --srun in the middle of a job: exit status 1, no worker left;
# a worker that dies is replaced; a job over TCP with --auth munge, whose
# coordinator refuses a worker of another user (nobody) with a log line.
#
# usage: scripts/test-slurm.sh [TEST...]
#
# Needs root (the daemons, and a worker run as nobody) and the packages:
# otherwise each test says SKIPPED with the reason. Prints "PASS: NAME
# (SECONDSs)", "FAIL: NAME: REASON" or "SKIPPED: NAME: WHY" per test, then
# "N passed, M failed"; exits 0 iff none failed. Every process runs under
# `timeout -k 2s 120s`.
#
# Environment: BUILD=DIR (folder of the programs, default build), KEEP=1
# (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(salloc sbatch interrupt replaced munge)
TIMEOUT=(timeout -k 2s 120s)

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

MRRUN=$BIN/mrrun
NREDUCE=10
NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
CLUSTER_SKIP=""
CLUSTER=""
MUNGE_SOCK=""

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

# Stops the daemons (they are not the script's children: by their pid files).
cluster_down() {
	local f

	[ -n "$CLUSTER" ] || return 0
	for f in "$CLUSTER/slurmd.pid" "$CLUSTER/slurmctld.pid" "$CLUSTER/munged.pid"; do
		[ -s "$f" ] && kill "$(<"$f")" 2>/dev/null
	done
	sleep 0.5
	for f in "$CLUSTER/slurmd.pid" "$CLUSTER/slurmctld.pid" "$CLUSTER/munged.pid"; do
		[ -s "$f" ] && kill -KILL "$(<"$f")" 2>/dev/null
	done
	CLUSTER=""
}

# Installs and starts the cluster; sets CLUSTER_SKIP when the machine
# cannot have one.
cluster_up() {
	local c=$T/cluster host port i

	if [ "$(id -u)" -ne 0 ]; then
		CLUSTER_SKIP="a Slurm cluster and munged of its own need root"
		return
	fi
	if ! "$ROOT/scripts/install-deps" --cluster >"$T/logs/install.log" 2>&1; then
		CLUSTER_SKIP="munge and slurm-wlm cannot be installed: $(tail -n 1 "$T/logs/install.log")"
		return
	fi
	# Open to all (the socket must be, for a client of another user), writable by root only.
	mkdir -p "$c/state" "$c/spool" "$c/munge" && chmod 755 "$c" "$c/munge" || {
		CLUSTER_SKIP="cannot create $c"
		return
	}
	CLUSTER=$c
	MUNGE_SOCK=$c/munge/munge.socket
	# A key of its own, and munged on a socket of its own.
	if ! { mungekey -c -k "$c/munge/munge.key" 2>/dev/null ||
		dd if=/dev/urandom of="$c/munge/munge.key" bs=1024 count=1 2>/dev/null; } ||
		! chmod 600 "$c/munge/munge.key" ||
		! munged --key-file="$c/munge/munge.key" --socket="$MUNGE_SOCK" \
			--pid-file="$c/munged.pid" --log-file="$c/munged.log" \
			--seed-file="$c/munge/seed" --force >"$T/logs/munged.log" 2>&1; then
		CLUSTER_SKIP="munged does not start: $(tail -n 1 "$T/logs/munged.log")"
		return
	fi
	host=$(hostname)
	# Ports of its own, away from Slurm's defaults (6817, 6818) and below
	# the kernel's ephemeral range, where another test's outgoing
	# connection could hold one; one nobody listens on.
	port=$((20000 + $$ % 5000 * 2))
	while ss -Htan 2>/dev/null | awk '{ print $4 }' |
		grep -qE ":($port|$((port + 1)))\$"; do
		port=$((port + 2))
	done
	cat >"$c/slurm.conf" <<EOF
ClusterName=mrtest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCK
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd.pid
SlurmctldLogFile=$c/slurmctld.log
SlurmdLogFile=$c/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
ReturnToService=2
InactiveLimit=0
KillWait=2
MinJobAge=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
	export SLURM_CONF=$c/slurm.conf
	if ! slurmctld -i -f "$SLURM_CONF" >"$T/logs/slurmctld.log" 2>&1 ||
		! slurmd -f "$SLURM_CONF" >"$T/logs/slurmd.log" 2>&1; then
		CLUSTER_SKIP="slurmctld or slurmd does not start: $(tail -n 1 "$T/logs/slurmctld.log" "$T/logs/slurmd.log" | tr '\n' ' ')"
		return
	fi
	# At most 30 s, and not a moment once slurmctld has died (sinfo
	# would wait for it seconds a call).
	for ((i = 0; i < 150; i++)); do
		kill -0 "$(cat "$c/slurmctld.pid" 2>/dev/null)" 2>/dev/null || break
		timeout 2 sinfo -h -o %t 2>/dev/null | grep -q idle && return
		sleep 0.2
	done
	CLUSTER_SKIP="the node never became idle: $(tail -n 2 "$c/slurmctld.log" | tr '\n' ' ')"
}

# pids_of NAME: the pids of processes whose comm is NAME and that run in
# this test's cluster (their environment names its SLURM_CONF), whoever
# started them (a job step's tasks are slurmstepd's children).
pids_of() {
	local f line pid

	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		[[ $line == *"($1)"* ]] || continue
		pid=${line%% *}
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
			grep -qxF "SLURM_CONF=$SLURM_CONF" && printf '%s\n' "$pid"
	done
}

# A job under salloc: workers as job steps, over TCP.
t_salloc() {
	[ -z "$CLUSTER_SKIP" ] || { SKIP=$CLUSTER_SKIP; return 0; }
	sequential wc "${INPUTS[@]}" || return 1
	"${TIMEOUT[@]}" salloc -n 2 "$MRRUN" --srun -v wc "${INPUTS[@]}" \
		>"$LOGS/salloc.log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		REASON="salloc mrrun --srun exited with status $rc"
		return 1
	fi
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	check_clean || return 1
	if ! grep -qE "worker [0-9]+ \(pid [0-9]+ at [^)]+\) joined" "$LOGS/salloc.log"; then
		REASON="no worker joined over TCP"
		return 1
	fi
	DETAIL="$(grep -cE 'joined$' "$LOGS/salloc.log") workers joined over TCP as job steps"
}

# The sbatch example, as shipped.
t_sbatch() {
	local out

	[ -z "$CLUSTER_SKIP" ] || { SKIP=$CLUSTER_SKIP; return 0; }
	mkdir -p inputs && cp -- "$T"/inputs/pg-*.txt inputs/ || return 1
	sequential wc "$DIR"/inputs/pg-*.txt || return 1
	PATH=$BIN:$PATH "${TIMEOUT[@]}" sbatch --wait -n 2 \
		"$ROOT/doc/mrjob.sbatch" >"$LOGS/sbatch.log" 2>&1
	rc=$?
	out=$(ls mrjob-*.out 2>/dev/null | head -n 1)
	[ -n "$out" ] && cp -- "$out" "$LOGS/job.log"
	if [ "$rc" -ne 0 ]; then
		REASON="sbatch --wait doc/mrjob.sbatch exited with status $rc"
		return 1
	fi
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	rm -rf inputs
	check_clean "$out" || return 1
	DETAIL="$(head -n 1 "$LOGS/sbatch.log")"
}

# Ctrl-C: the job is abandoned, mrrun exits 1, no worker is left.
t_interrupt() {
	local pid i left secret f

	[ -z "$CLUSTER_SKIP" ] || { SKIP=$CLUSTER_SKIP; return 0; }
	MR_TEST_SLEEP=20 spawn salloc salloc -n 2 "$MRRUN" --srun \
		"$BIN/test/fixtures/slow.so" "${INPUTS[@]}"
	for ((i = 0; i < 100; i++)); do
		[ -n "$(pids_of mrworker-task)" ] && break
		sleep 0.1
	done
	pid=$(pids_of mrrun | head -n 1)
	if [ -z "$pid" ] || [ -z "$(pids_of mrworker-task)" ]; then
		REASON="no task running under mrrun --srun within 10 s"
		return 1
	fi
	# The secret is on no command line (srun's, mrworker's), where any
	# user of a node could read it.
	secret=$(<.mr-secret)
	for f in /proc/[0-9]*/cmdline; do
		if tr '\0' ' ' <"$f" 2>/dev/null | grep -qF "$secret"; then
			REASON="the job's secret is on the command line of ${f%/cmdline}"
			return 1
		fi
	done
	kill -INT "$pid"
	for ((i = 0; i < 100; i++)); do
		[ -e "$LOGS/salloc.rc" ] && break
		sleep 0.1
	done
	if [ "$(cat "$LOGS/salloc.rc" 2>/dev/null)" != 1 ]; then
		REASON="salloc mrrun --srun: exit status $(cat "$LOGS/salloc.rc" 2>/dev/null) after SIGINT, not 1"
		return 1
	fi
	for ((i = 0; i < 50; i++)); do
		left=$(pids_of mrworker)$(pids_of mrworker-task)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		REASON="workers still running 5 s after the job was interrupted: $left"
		return 1
	fi
	DETAIL="exit status 1, every worker gone; the secret was on no command line"
}

# A worker killed in the middle of the job is replaced by another step.
t_replaced() {
	local i victim

	[ -z "$CLUSTER_SKIP" ] || { SKIP=$CLUSTER_SKIP; return 0; }
	sequential nocrash "${INPUTS[@]}" || return 1
	MR_TEST_SLEEP=1 spawn salloc salloc -n 2 "$MRRUN" --srun -n 2 \
		"$BIN/test/fixtures/slow.so" "${INPUTS[@]}"
	for ((i = 0; i < 100; i++)); do
		victim=$(pids_of mrworker | head -n 1)
		[ -n "$victim" ] && [ -n "$(pids_of mrworker-task)" ] && break
		sleep 0.1
	done
	if [ -z "$victim" ]; then
		REASON="no worker within 10 s"
		return 1
	fi
	kill -KILL "$victim"
	wait "$STARTED" 2>/dev/null
	coordinator_status "$LOGS/salloc.rc" "salloc mrrun --srun" || return 1
	if ! grep -q "a worker died (signal 9) before the job was over; starting another\|a worker exited (status [0-9]*) before the job was over; starting another" \
		"$LOGS/salloc.log"; then
		REASON="mrrun did not start another worker: $(tail -n 1 "$LOGS/salloc.log")"
		return 1
	fi
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	check_clean || return 1
	DETAIL="worker $victim killed: $(grep -m 1 'starting another' "$LOGS/salloc.log" | cut -c1-70)"
}

# --auth munge: the job's user is served; a worker of another user is not.
t_munge() {
	local addr i

	[ -z "$CLUSTER_SKIP" ] || { SKIP=$CLUSTER_SKIP; return 0; }
	sequential nocrash "${INPUTS[@]}" || return 1
	export MR_MUNGE_SOCKET=$MUNGE_SOCK
	spawn coordinator "$COORD" -v --socket "$SOCK" --auth munge \
		--listen tcp:127.0.0.1:0 --reduces "$NREDUCE" --progress 0 -- "${INPUTS[@]}"
	COORD_PID=$STARTED
	for ((i = 0; i < 100; i++)); do
		[ -s .mr-address ] && break
		sleep 0.1
	done
	addr=$(head -n 1 .mr-address 2>/dev/null)
	if [ -z "$addr" ]; then
		REASON="the coordinator did not listen: $(tail -n 1 "$LOGS/coordinator.log")"
		return 1
	fi
	if [ -e .mr-secret ]; then
		REASON="--auth munge made a secret file"
		return 1
	fi
	# Another user's worker: refused by the coordinator, naming it.
	if command -v setpriv >/dev/null 2>&1; then
		# Copies it may read wherever the build is (a checkout in a
		# private folder, say).
		mkdir -p "$T/bin" && cp -- "$WORKER" "$APPS/nocrash.so" "$T/bin/" &&
			chmod 755 "$T/bin" "$T/bin/mrworker" "$T/bin/nocrash.so" ||
			{ REASON="cannot copy mrworker for uid 65534"; return 1; }
		"${TIMEOUT[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$T/bin/mrworker" --auth munge --coordinator "$addr" \
			"$T/bin/nocrash.so" >"$LOGS/nobody.log" 2>&1
		sleep 0.3
		if ! grep -q "connection from 127.0.0.1:[0-9]*: MUNGE credential of uid 65534, not of this job's user" \
			"$LOGS/coordinator.log"; then
			REASON="a worker of uid 65534 was not refused with a line naming it: $(tail -n 1 "$LOGS/nobody.log")"
			return 1
		fi
	fi
	spawn_worker "$WORKER" --auth munge --coordinator "$addr" "$APPS/nocrash.so"
	spawn_worker "$WORKER" --auth munge --coordinator "$addr" "$APPS/nocrash.so"
	wait "$COORD_PID" 2>/dev/null
	unset MR_MUNGE_SOCKET
	coordinator_status "$LOGS/coordinator.rc" coordinator || return 1
	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	outputs >"$LOGS/output.txt"
	compare_output "$LOGS/output.txt" "$LOGS/correct.txt" mrsequential ||
		return 1
	check_clean || return 1
	DETAIL="2 workers over TCP with MUNGE credentials; uid 65534 refused"
}

# ---------------------------------------------------------------------------

POST_CHECK=sanitizer_check

select_tests "$@"
require_system
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$MRRUN" "$APPS/wc.so" \
	"$APPS/nocrash.so" "$BIN/test/fixtures/slow.so"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}: run make and make test first"
fi
make_temp_folder test-slurm
# Others may need to read the programs and inputs (uid 65534).
chmod 755 "$T"
make_inputs 6 'pg-*.txt' --files 6 --bytes-per-file 20000
cluster_up
trap 'rc=$?; cluster_down; (exit "$rc"); on_exit' EXIT
run_selected
