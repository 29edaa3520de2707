#!/usr/bin/env bash
#
# test-security.sh - black-box tests of who the programs trust, with two
# real users: a victim running a job and an attacker, another local user
# who gets to the socket first.
#
# usage: scripts/test-security.sh [TEST...]
#
#   squat-default   the attacker made the default socket's folder
#                   /tmp/mr-<victim uid> (and listens there, and on the old
#                   default /tmp/mr-<victim uid>.sock): the victim's
#                   mrworker, mrctl and mrcoordinator refuse it, exit 1,
#                   naming the folder and the attacker's uid, and send the
#                   attacker nothing
#   squat-named     the attacker listens on a socket the victim names
#                   (--socket, MR_SOCKET) in a shared folder: mrworker and
#                   mrctl refuse it (SO_PEERCRED) naming the socket and the
#                   uid, sending nothing; mrcoordinator says who holds it
#                   rather than "another coordinator is running there"
#   private-folder  /tmp/mr-<uid> is made mode 0700 by a worker started
#                   before its coordinator, and the job runs on the default
#                   socket; the folder open to others (0755) or a symbolic
#                   link in its place is refused by all three programs
#   runtime-dir     with $XDG_RUNTIME_DIR the default socket is there (and
#                   /tmp/mr-<uid> is not made); that folder open to others
#                   (0750) is refused
#   temp-name       the attacker made a file at the temporary name a
#                   coordinator used to bind (<socket>.<pid>) in a shared
#                   folder: the coordinator starts anyway (its name is
#                   random) and leaves that file alone
#   escaped-output  a job folder and an input named with terminal control
#                   sequences: mrctl's text shows them escaped (JSON keeps
#                   them exact), and a coordinator logging to a terminal
#                   writes no control byte of a file name or of a plugin's
#                   failure message
#
# The victim and the attacker are two unused uids chosen at random, so
# that the default folders /tmp/mr-<uid> the tests make and remove are
# nobody's; the programs are copied to a folder both may read. It needs
# root (setpriv to become them); as another user, or without setpriv or
# unused uids, the tests that need them are not run: each prints
# "SKIPPED: NAME: REASON" and counts neither as passed nor as failed.
# Prints "PASS: NAME (SECONDSs)" or "FAIL: NAME: REASON" per test run, then
# "N passed, M failed"; exits 0 iff none failed.
#
# Environment: BUILD (default build), KEEP=1 (keep the temporary folder).

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(squat-default squat-named private-folder runtime-dir temp-name escaped-output)
# Those that run as the two users.
USER_TESTS=(squat-default squat-named private-folder runtime-dir temp-name)
TIMEOUT=(timeout -k 2s 60s)
NREDUCE=3
NINPUTS=3

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

CTL=$BIN/mrctl
SQUATTER=$BIN/test/squatter
CTLCHARS=$BIN/test/fixtures/ctlchars.so
VICTIM=""	# the two uids, once chosen
ATTACKER=""
AS_V=()		# command prefix running as the victim
AS_A=()		# as the attacker
SKIP=""		# why the tests cannot run here

# The default folders of the two uids (the old default socket too), which
# the tests make; removed before each test and at the end.
remove_defaults() {
	local u

	for u in $VICTIM $ATTACKER; do
		rm -rf -- "/tmp/mr-$u" "/tmp/mr-$u.sock"
	done
}
trap 'rc=$?; remove_defaults; (exit "$rc"); on_exit' EXIT

# Prints an unused uid: no user has it and nothing in /tmp is named after it.
pick_uid() {
	local u

	for ((u = 40000 + RANDOM % 20000; u < 65000; u++)); do
		getent passwd "$u" >/dev/null 2>&1 && continue
		compgen -G "/tmp/mr-$u*" >/dev/null && continue
		[ "$u" != "${VICTIM:-}" ] || continue
		echo "$u"
		return 0
	done
	return 1
}

# Prepares test $1: the victim's job folder $T/NAME, its logs, no default
# folder of either uid.
setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=""
	LOGS=$T/logs/$NAME
	remove_defaults
	rm -rf -- "$DIR" "$LOGS"
	enter_job_folder 108 "$DIR" "$LOGS" || return 1
	[ -z "$VICTIM" ] || chown "$VICTIM:$VICTIM" -- "$DIR"
}

# expect_refused LABEL WORD... -- COMMAND...: runs COMMAND (output in
# $LOGS/LABEL.log) and fails unless it exits 1 within its time with every
# WORD in its output.
expect_refused() {
	local label=$1 words=() w rc out

	shift
	while [ "$1" != -- ]; do
		words+=("$1")
		shift
	done
	shift
	"${TIMEOUT[@]}" "$@" >"$LOGS/$label.log" 2>&1
	rc=$?
	out=$(head -c 300 "$LOGS/$label.log")
	if [ "$rc" -ne 1 ]; then
		REASON="$label: exit status $rc, expected 1: $out"
		return 1
	fi
	for w in "${words[@]}"; do
		if ! grep -qF -- "$w" "$LOGS/$label.log"; then
			REASON="$label: no '$w' in: $out"
			return 1
		fi
	done
}

# Waits up to 5 s for the squatters named "$@" (their logs) to listen.
wait_squatters() {
	local s i

	for s in "$@"; do
		for ((i = 0; i < 50; i++)); do
			grep -q '^listening$' "$LOGS/$s.log" 2>/dev/null && break
			if [ -e "$LOGS/$s.rc" ]; then
				REASON="squatter $s exited: $(head -c 200 "$LOGS/$s.log")"
				return 1
			fi
			sleep 0.1
		done
		grep -q '^listening$' "$LOGS/$s.log" || {
			REASON="squatter $s is not listening after 5 s"
			return 1
		}
	done
}

# Fails if anything reached the squatters "$@": a connection that sent
# bytes (a squatter reports a connection once it is closed, or silent 1 s).
squatters_got_nothing() {
	local s i line

	sleep 0.3	# the refusing programs have exited: their closes are seen
	for s in "$@"; do
		line=$(grep -E '^connection [0-9]+: [1-9][0-9]* bytes$' "$LOGS/$s.log" | head -n 1)
		if [ -n "$line" ]; then
			REASON="squatter $s received data: $line"
			return 1
		fi
	done
}

# wait_rc LABEL SECONDS: waits for $LOGS/LABEL.rc and fails unless it is 0.
wait_rc() {
	local i

	for ((i = 0; i < $2 * 10; i++)); do
		[ -e "$LOGS/$1.rc" ] && break
		sleep 0.1
	done
	if [ ! -e "$LOGS/$1.rc" ]; then
		REASON="$1 still running after $2 s"
		return 1
	fi
	if [ "$(<"$LOGS/$1.rc")" != 0 ]; then
		REASON="$1 exited with status $(<"$LOGS/$1.rc"): $(tail -n 3 "$LOGS/$1.log")"
		return 1
	fi
}

# Compares the job's output (in the cwd) with mrsequential's.
check_output() {
	outputs >"$LOGS/all.txt"
	compare_output "$LOGS/all.txt" "$T/correct.txt" mrsequential
}

# waits up to 5 s for file $1 to exist (-e, or -S with $2 = S).
wait_file() {
	local i

	for ((i = 0; i < 50; i++)); do
		if [ "${2:-e}" = S ] && [ -S "$1" ]; then return 0; fi
		if [ "${2:-e}" = e ] && [ -e "$1" ]; then return 0; fi
		sleep 0.1
	done
	REASON="$1 did not appear within 5 s"
	return 1
}

t_squat_default() {
	local vdir=/tmp/mr-$VICTIM

	# The attacker's folder in place of the victim's, and a socket in it.
	"${AS_A[@]}" mkdir -m 0777 "$vdir" || {
		REASON="the attacker cannot make $vdir"
		return 1
	}
	spawn squat "${AS_A[@]}" "$SQ" "$vdir/mr.sock" 30
	spawn squat-old "${AS_A[@]}" "$SQ" "/tmp/mr-$VICTIM.sock" 30
	wait_squatters squat squat-old || return 1
	expect_refused worker "$vdir" "uid $ATTACKER" -- \
		"${AS_V[@]}" "$WK" --wait 1 "$WC" || return 1
	expect_refused mrctl "$vdir" "uid $ATTACKER" -- \
		"${AS_V[@]}" "$CT" status || return 1
	expect_refused coordinator "$vdir" "uid $ATTACKER" -- \
		"${AS_V[@]}" "$CO" -p 0 "${INPUTS[@]}" || return 1
	squatters_got_nothing squat squat-old || return 1
	DETAIL="$vdir of uid $ATTACKER refused by the three programs of uid $VICTIM"
}

t_squat_named() {
	local shared=$T/shared-$NAME sock

	sock=$shared/mr.sock
	mkdir -p -- "$shared" && chmod 1777 -- "$shared" || return 1
	spawn squat "${AS_A[@]}" "$SQ" "$sock" 30
	wait_squatters squat || return 1
	expect_refused worker "$sock" "uid $ATTACKER" -- \
		"${AS_V[@]}" "$WK" --socket "$sock" --wait 1 "$WC" || return 1
	expect_refused worker-env "$sock" "uid $ATTACKER" -- \
		"${AS_V[@]}" MR_SOCKET="$sock" "$WK" --wait 1 "$WC" || return 1
	expect_refused mrctl "$sock" "uid $ATTACKER" -- \
		"${AS_V[@]}" MR_SOCKET="$sock" "$CT" status || return 1
	expect_refused mrctl-option "$sock" "uid $ATTACKER" -- \
		"${AS_V[@]}" "$CT" --socket "$sock" status || return 1
	expect_refused coordinator "$sock" "uid $ATTACKER" -- \
		"${AS_V[@]}" "$CO" --socket "$sock" -p 0 "${INPUTS[@]}" || return 1
	if grep -q 'another coordinator' "$LOGS/coordinator.log"; then
		REASON="the coordinator said: $(<"$LOGS/coordinator.log")"
		return 1
	fi
	squatters_got_nothing squat || return 1
	DETAIL="$(head -n 1 "$LOGS/worker.log")"
}

# refuse_all WORD...: the three programs of the victim, on the default
# socket, exit 1 with every WORD in their message (the test's REASON says
# which did not). Extra NAME=VALUE for their environment in ENVS.
ENVS=()
refuse_all() {
	expect_refused worker "$@" -- \
		"${AS_V[@]}" ${ENVS[@]+"${ENVS[@]}"} "$WK" --wait 1 "$WC" &&
		expect_refused mrctl "$@" -- \
			"${AS_V[@]}" ${ENVS[@]+"${ENVS[@]}"} "$CT" status &&
		expect_refused coordinator "$@" -- \
			"${AS_V[@]}" ${ENVS[@]+"${ENVS[@]}"} "$CO" -p 0 "${INPUTS[@]}"
}

t_private_folder() {
	local vdir=/tmp/mr-$VICTIM got real=$T/real-$NAME

	# A worker before its coordinator makes the folder, private.
	spawn worker "${AS_V[@]}" "$WK" --wait 20 "$WC"
	wait_file "$vdir" || return 1
	got=$(stat -c '%u %a %F' -- "$vdir")
	if [ "$got" != "$VICTIM 700 directory" ]; then
		REASON="$vdir: owner, mode and type '$got', expected '$VICTIM 700 directory'"
		return 1
	fi
	spawn coordinator "${AS_V[@]}" "$CO" -p 0 "${INPUTS[@]}"
	wait_rc coordinator 30 || return 1
	wait_rc worker 10 || return 1
	grep -qF "listening on $vdir/mr.sock" "$LOGS/coordinator.log" || {
		REASON="the coordinator did not listen on $vdir/mr.sock: $(head -n 1 "$LOGS/coordinator.log")"
		return 1
	}
	check_output || return 1
	# Open to others: refused, never used.
	chmod 0755 -- "$vdir" || return 1
	refuse_all "$vdir" "mode 0755" || return 1
	# A symbolic link to a folder of the victim's: refused as well.
	rm -rf -- "$vdir" && mkdir -m 0700 -- "$real" &&
		chown "$VICTIM:$VICTIM" -- "$real" && ln -s -- "$real" "$vdir" || return 1
	refuse_all "$vdir" "symbolic link" || return 1
	[ ! -e "$real/mr.sock" ] || { REASON="a socket was made through the link"; return 1; }
	DETAIL="$vdir made mode 700 by the worker; mode 0755 and a symbolic link refused"
}

t_runtime_dir() {
	local xdg=$T/xdg-$NAME

	mkdir -m 0700 -- "$xdg" && chown "$VICTIM:$VICTIM" -- "$xdg" || return 1
	ENVS=(XDG_RUNTIME_DIR="$xdg")
	spawn coordinator "${AS_V[@]}" "${ENVS[@]}" "$CO" -p 0 "${INPUTS[@]}"
	wait_file "$xdg/mr.sock" S || return 1
	"${TIMEOUT[@]}" "${AS_V[@]}" "${ENVS[@]}" "$CT" status >"$LOGS/mrctl.log" 2>&1 ||
		{ REASON="mrctl: $(head -c 200 "$LOGS/mrctl.log")"; ENVS=(); return 1; }
	grep -q "^socket      $xdg/mr.sock " "$LOGS/mrctl.log" ||
		{ REASON="mrctl shows: $(head -n 2 "$LOGS/mrctl.log")"; ENVS=(); return 1; }
	spawn worker "${AS_V[@]}" "${ENVS[@]}" "$WK" "$WC"
	wait_rc coordinator 30 && wait_rc worker 10 && check_output || { ENVS=(); return 1; }
	if [ -e "/tmp/mr-$VICTIM" ]; then
		REASON="/tmp/mr-$VICTIM made although XDG_RUNTIME_DIR is set"
		ENVS=()
		return 1
	fi
	chmod 0750 -- "$xdg" || return 1
	refuse_all "$xdg" "mode 0750"
	local rc=$?
	ENVS=()
	DETAIL="the job ran on \$XDG_RUNTIME_DIR/mr.sock; mode 0750 refused"
	return "$rc"
}

t_temp_name() {
	local shared=$T/shared-$NAME sock left=() f

	sock=$shared/job.sock
	mkdir -p -- "$shared" && chmod 1777 -- "$shared" || return 1
	# The file sits at <socket>.<pid> of the coordinator: the shell's pid,
	# which the coordinator keeps through the execs.
	spawn coordinator sh -c 'touch "$0.$$" && chown "$1" "$0.$$" && shift &&
		exec "$@"' "$sock" "$ATTACKER" \
		"${AS_V[@]}" "$CO" --socket "$sock" -p 0 "${INPUTS[@]}"
	for ((f = 0; f < 50; f++)); do
		[ -S "$sock" ] || [ -e "$LOGS/coordinator.rc" ] && break
		sleep 0.1
	done
	[ -S "$sock" ] || {
		REASON="the coordinator did not listen: $(head -c 200 "$LOGS/coordinator.log")"
		return 1
	}
	spawn worker "${AS_V[@]}" "$WK" --socket "$sock" "$WC"
	wait_rc coordinator 30 && wait_rc worker 10 && check_output || return 1
	for f in "$sock".*; do
		[ -e "$f" ] && left+=("$f")
	done
	if [ "${#left[@]}" -ne 1 ] || [ "$(stat -c %u -- "${left[0]}")" != "$ATTACKER" ]; then
		REASON="files beside the socket: ${left[*]:-none}, expected the attacker's one"
		return 1
	fi
	DETAIL="${left[0]##*/} of uid $ATTACKER left alone"
}

# Fails if file $1 holds a control byte (other than tab and newline) once
# the erase sequences "\r ESC[K" that start log lines on a terminal and
# the line ends "\r\n" of the terminal are taken out.
no_control_bytes() {
	local bad

	bad=$(sed -e $'s/\r\e\\[K//g' -e $'s/\r$//' -- "$1" |
		grep -n $'[\x01-\x08\x0b-\x1f\x7f\x9b]' | head -n 1)
	if [ -n "$bad" ]; then
		REASON="${1##*/}: a control byte in line: $(printf '%q' "$bad")"
		return 1
	fi
}

t_escaped_output() {
	local f jdir name=$'in\e[2J\x9b.txt' esc_name='in\x1b[2J\x9b.txt' \
		esc_dir='esc\x1b]0;owned\x07' json

	# A job folder and an input whose names drive a terminal.
	jdir=$DIR/$'esc\e]0;owned\a'
	mkdir -p -- "$jdir" && cd -- "$jdir" || return 1
	cp -- "$T/inputs/${INPUTS[0]##*/}" "$name" || return 1
	SOCK=$DIR/mr.sock
	spawn coordinator "$COORD" --socket "$SOCK" -p 0 "$name"
	wait_socket || return 1
	"${TIMEOUT[@]}" "$CTL" --socket "$SOCK" status >"$LOGS/status.txt" 2>&1 ||
		{ REASON="mrctl status: $(head -c 200 "$LOGS/status.txt")"; return 1; }
	no_control_bytes "$LOGS/status.txt" || return 1
	grep -qF "$esc_dir" "$LOGS/status.txt" && grep -qF "$esc_name" "$LOGS/status.txt" || {
		REASON="mrctl status does not show the names escaped: $(head -n 12 "$LOGS/status.txt")"
		return 1
	}
	json=$("${TIMEOUT[@]}" "$CTL" --socket "$SOCK" status --json) &&
		[ "$(jq -r .job.job_dir <<<"$json")" = "$jdir" ] || {
		REASON="mrctl --json does not give the job folder exactly"
		return 1
	}
	kill_all
	rm -f -- "$SOCK"
	# A coordinator on a terminal; its worker's plugin fails with its
	# name (control sequences) and the input's in the message.
	export TTY_COORD=$COORD TTY_SOCK=$SOCK TTY_NAME=$name
	spawn tty env TERM=xterm script -qfec \
		'exec "$TTY_COORD" --socket "$TTY_SOCK" -p 0 "$TTY_NAME"' /dev/null
	wait_socket "$LOGS/tty.rc" || return 1
	spawn worker "$WORKER" --socket "$SOCK" "$CTLCHARS"
	for ((f = 0; f < 300; f++)); do
		[ -e "$LOGS/tty.rc" ] && break
		sleep 0.1
	done
	[ -e "$LOGS/tty.rc" ] || { REASON="the job on a terminal did not end"; return 1; }
	grep -qF "$esc_name: map function of ctl\\x1b]0;owned\\x07\\x1b[2J failed" "$LOGS/tty.log" || {
		REASON="no escaped failure message on the terminal: $(grep -a failed "$LOGS/tty.log" | head -n 1 | od -c | head -n 3)"
		return 1
	}
	no_control_bytes "$LOGS/tty.log" || return 1
	no_control_bytes "$LOGS/worker.log" || return 1
	DETAIL="names and the plugin's message escaped in mrctl, the terminal and the worker's log"
}

# ---------------------------------------------------------------------------

select_tests "$@"
require_system

WC_SO=$APPS/wc.so
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$SEQ" "$CTL" "$SQUATTER" "$CTLCHARS" "$WC_SO"
if [ "${#MISSING[@]}" -gt 0 ]; then
	printf '%s: missing %s\n' "$PROG" "${MISSING[@]}" >&2
	die "build them first (make test builds them all)"
fi
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/install-deps --test)"
command -v script >/dev/null 2>&1 || die "script (util-linux) not found"

make_temp_folder test-security seq
make_inputs "$NINPUTS" '*.txt' --files "$NINPUTS" --bytes-per-file 8192
if [ "$(id -u)" -ne 0 ]; then
	SKIP="not root"
elif ! command -v setpriv >/dev/null 2>&1; then
	SKIP="no setpriv"
elif ! VICTIM=$(pick_uid) || ! ATTACKER=$(pick_uid); then
	SKIP="no unused uid"
fi
# Both users read the programs and inputs and reach their folders in $T.
if [ -z "$SKIP" ]; then
	AS_V=(setpriv --reuid="$VICTIM" --regid="$VICTIM" --clear-groups
		env -u XDG_RUNTIME_DIR -u MR_SOCKET)
	AS_A=(setpriv --reuid="$ATTACKER" --regid="$ATTACKER" --clear-groups
		env -u XDG_RUNTIME_DIR -u MR_SOCKET)
	mkdir -p -- "$T/bin" &&
		cp -- "$COORD" "$WORKER" "$CTL" "$SQUATTER" "$WC_SO" "$T/bin/" &&
		chmod 0755 -- "$T/bin" "$T/bin"/* && chmod 0711 -- "$T" &&
		chmod -R a+rX -- "$T/inputs" ||
		die "cannot make the programs readable by other users"
	CO=$T/bin/mrcoordinator WK=$T/bin/mrworker CT=$T/bin/mrctl
	SQ=$T/bin/squatter WC=$T/bin/wc.so
fi
if ! (cd -- "$T/seq" && "${TIMEOUT[@]}" "$SEQ" "$WC_SO" "${INPUTS[@]}") \
	>"$T/logs/sequential.log" 2>&1 || [ ! -s "$T/seq/mr-out-0" ]; then
	cat -- "$T/logs/sequential.log" >&2
	die "mrsequential failed"
fi
sort -- "$T/seq/mr-out-0" | grep . >"$T/correct.txt"
POST_CHECK=sanitizer_check

# Tests that cannot run here are said to be skipped, never passed.
if [ -n "$SKIP" ]; then
	kept=()
	for t in "${SELECTED[@]}"; do
		if [[ " ${USER_TESTS[*]} " == *" $t "* ]]; then
			printf 'SKIPPED: %s: %s\n' "$t" "$SKIP"
		else
			kept+=("$t")
		fi
	done
	SELECTED=(${kept[@]+"${kept[@]}"})
fi

run_selected
