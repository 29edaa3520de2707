#!/usr/bin/env bash
#
# test-web.sh - black-box tests of `mrctl web` (the job's page) and `mrctl
# cancel`, with Debian's Chromium driven headless through chromedriver
# (the WebDriver protocol, spoken with curl and jq): against running jobs
# of real workers, the page loads without a console error, shows the
# figures of `mrctl status --json` at the same moment, pages through 20 000
# tasks, keeps updating until the job ends and then shows how it ended,
# shows a hostile file name as text, and cancels the job with the token
# and not without. Without a browser: the token and Host checks, a report
# served after the job, mrctl cancel under mrrun, a job as fast with 200
# page connections and one that never reads as with none, and
# scripts/timeline readable for 20 000 short tasks.
#
# usage: scripts/test-web.sh [TEST...]
#
# Chromium and chromedriver (Debian's chromium and chromium-driver) are
# installed with apt-get when missing (as root, or through sudo); where
# they cannot be, each browser test prints "SKIPPED: NAME: why" and counts
# neither as passed nor failed. Screenshots of each state go to
# $BUILD/web/*.png. Prints "PASS: NAME (SECONDSs)" or "FAIL: NAME: REASON"
# per test, then "N passed, M failed"; exits 0 iff none failed. It builds
# nothing: run make first. Environment: BUILD=DIR (default build), KEEP=1.

set -u
export LC_ALL=C

PROG=${0##*/}
ALL_TESTS=(page figures failures paging cancel token report mrctl-cancel no-slowdown timeline-many)
BROWSER_TESTS=" page figures failures paging cancel "
TIMEOUT=(timeout -k 2s 180s)
NREDUCE=2
NINPUTS=6

# shellcheck source=scripts/testlib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/testlib.sh" || exit 1
install_cleanup

CTL=$BIN/mrctl
MRRUN=$BIN/mrrun
SLOW=$BIN/test/fixtures/slow.so
WEBLOAD=$BIN/test/webload
FAILMAP=$BIN/test/fixtures/failmap.so
TIMELINE=$ROOT/scripts/timeline
SHOTS=$BIN/web
# The hostile names: the second holds a slash, so it is a file in a folder.
HOSTILE1='<img src=x onerror=alert(1)>.txt'
HOSTILE2='<script>alert(1)</script>.txt'

NPROCS=0
WAIT_PIDS=()
WORKER_RCS=()
BROWSER_SKIP=""		# why there is no browser, once known
SID=""			# the WebDriver session
WD=""			# chromedriver's URL

setup_test() {
	NAME=$1
	DIR=$T/$NAME
	SOCK=$DIR/mr.sock
	LOGS=$T/logs/$NAME
	NPROCS=0
	WAIT_PIDS=()
	WORKER_RCS=()
	SID=""
	rm -rf -- "$DIR" "$LOGS"
	enter_job_folder 108 "$DIR" "$LOGS"
}

# ---------------------------------------------------------------------------
# The browser.

# Installs Chromium and chromedriver when missing; sets BROWSER_SKIP to why
# when they cannot be had.
ensure_browser() {
	local sudo=()

	if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
		return 0
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		BROWSER_SKIP="chromium and chromedriver are missing and there is no apt-get to install them"
		return 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
			BROWSER_SKIP="chromium and chromedriver are missing; installing them needs root (or sudo without a password)"
			return 1
		fi
		sudo=(sudo -n)
	fi
	if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends chromium chromium-driver; } \
		>"$T/logs/apt-get.log" 2>&1; then
		BROWSER_SKIP="apt-get could not install chromium and chromium-driver: $(tail -n 1 "$T/logs/apt-get.log")"
		return 1
	fi
	if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
		BROWSER_SKIP="chromium or chromedriver still missing after apt-get install"
		return 1
	fi
}

# wd METHOD PATH [JSON]: one WebDriver command; prints its answer's value
# as JSON, fails (REASON set) on a WebDriver error.
wd() {
	local out

	out=$(curl -s -m 60 -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$WD$2") || {
		REASON="chromedriver: $1 $2: no answer"
		return 1
	}
	if jq -e '.value | type == "object" and has("error")' <<<"$out" >/dev/null 2>&1; then
		REASON="chromedriver: $1 $2: $(jq -r '.value.error + ": " + (.value.message | split("\n")[0])' <<<"$out")"
		return 1
	fi
	jq -c '.value' <<<"$out"
}

# Starts chromedriver and a headless Chromium session (SID).
start_browser() {
	local port i caps

	port=$((20000 + RANDOM % 20000))
	spawn chromedriver chromedriver --port="$port"
	WD=http://127.0.0.1:$port
	for ((i = 0; i < 100; i++)); do
		curl -s -m 2 "$WD/status" 2>/dev/null | jq -e '.value.ready' >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || { REASON="chromedriver did not start"; return 1; }
	caps=$(jq -cn '{capabilities: {alwaysMatch: {browserName: "chrome",
		"goog:chromeOptions": {binary: "/usr/bin/chromium",
			args: ["--headless=new", "--no-sandbox", "--disable-gpu",
				"--disable-dev-shm-usage", "--window-size=1280,1500",
				"--no-first-run", "--disable-extensions"]},
		"goog:loggingPrefs": {browser: "ALL"}}}}')
	SID=$(wd POST /session "$caps" | jq -r '.sessionId') || return 1
	[ -n "$SID" ] && [ "$SID" != null ] || { REASON="no WebDriver session"; return 1; }
}

go() { wd POST "/session/$SID/url" "$(jq -cn --arg u "$1" '{url: $u}')" >/dev/null; }

# js SCRIPT: runs SCRIPT (a function body) in the page; prints its value.
js() { wd POST "/session/$SID/execute/sync" "$(jq -cn --arg s "$1" '{script: $s, args: []}')"; }

# click CSS: a real click on the element, as a user's.
click() {
	local e

	e=$(wd POST "/session/$SID/element" "$(jq -cn --arg c "$1" \
		'{using: "css selector", value: $c}')") || return 1
	e=$(jq -r 'to_entries[0].value' <<<"$e")
	wd POST "/session/$SID/element/$e/click" '{}' >/dev/null
}

# shot NAME: a screenshot of the page as $SHOTS/NAME.png.
shot() {
	mkdir -p -- "$SHOTS" || return 1
	wd GET "/session/$SID/screenshot" | jq -r . | base64 -d >"$SHOTS/$1.png" || {
		REASON="cannot write $SHOTS/$1.png"
		return 1
	}
}

# Fails with the console's errors (level SEVERE) since the last call.
no_console_errors() {
	local log

	log=$(wd POST "/session/$SID/se/log" '{"type": "browser"}') || return 1
	printf '%s\n' "$log" >>"$LOGS/console.json"
	if [ "$(jq '[.[] | select(.level == "SEVERE")] | length' <<<"$log")" != 0 ]; then
		REASON="console error: $(jq -r '[.[] | select(.level == "SEVERE")][0].message' <<<"$log")"
		return 1
	fi
}

# wait_js SECONDS SCRIPT: until SCRIPT returns true.
wait_js() {
	local i n=$(($1 * 10))

	for ((i = 0; i < n; i++)); do
		[ "$(js "$2" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	REASON="the page never satisfied: $2"
	return 1
}

# ---------------------------------------------------------------------------
# Jobs.

# start_job SECONDS WORKERS [COORDINATOR OPTION...]: a coordinator over
# INPUTS and WORKERS workers of the slow fixture (maps sleep SECONDS and
# count "inputs" and "bytes").
start_job() {
	local secs=$1 n=$2 i

	shift 2
	spawn coordinator "$COORD" --socket "$SOCK" --reduces "$NREDUCE" \
		--progress 0 "$@" "${INPUTS[@]}"
	COORD_PID=$STARTED
	wait_socket || return 1
	for ((i = 0; i < n; i++)); do
		MR_TEST_SLEEP=$secs MR_TEST_COUNT=1 spawn_worker "$WORKER" \
			--socket "$SOCK" "$SLOW"
	done
}

# start_web [OPTION...]: mrctl web on a free port; sets URL (with the
# token), PORT, TOKEN and BASE (http://127.0.0.1:PORT).
start_web() {
	local i

	spawn web "$CTL" web --listen 127.0.0.1:0 "$@"
	WEB_PID=$STARTED
	for ((i = 0; i < 100; i++)); do
		URL=$(grep -m 1 '^http://' "$LOGS/web.log" 2>/dev/null)
		[ -n "$URL" ] && break
		if [ -e "$LOGS/web.rc" ]; then
			REASON="mrctl web exited with status $(<"$LOGS/web.rc"): $(tail -n 1 "$LOGS/web.log")"
			return 1
		fi
		sleep 0.1
	done
	[ -n "$URL" ] || { REASON="mrctl web printed no URL"; return 1; }
	PORT=$(sed -E 's|^http://[^/]*:([0-9]+)/.*|\1|' <<<"$URL")
	TOKEN=${URL##*token=}
	BASE=http://127.0.0.1:$PORT
}

# Waits for the coordinator's end; fails unless its status is $1.
wait_coordinator() {
	local i rc

	for ((i = 0; i < 1200; i++)); do
		[ -e "$LOGS/coordinator.rc" ] && break
		sleep 0.1
	done
	[ -e "$LOGS/coordinator.rc" ] || { REASON="the coordinator did not end"; return 1; }
	rc=$(<"$LOGS/coordinator.rc")
	[ "$rc" = "$1" ] || { REASON="coordinator exit status $rc, not $1: $(tail -n 1 "$LOGS/coordinator.log")"; return 1; }
}

# The pids of the workers this script runs.
worker_pids() {
	local p comm

	PIDS=()
	collect_tree
	for p in "${TREE[@]}"; do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		[ "$comm" = mrworker ] && PIDS+=("$p")
	done
}

# big_input FILE: 20 000 KiB of lines: 20 000 map tasks of --split-size 1K.
big_input() {
	[ -s "$1" ] && return 0
	yes "$(printf 'a%.0s' {1..99})" | head -c 20480000 >"$1"
}

# Forgets what the console said so far.
drain_console() {
	wd POST "/session/$SID/se/log" '{"type": "browser"}' >>"$LOGS/console.json"
}

browser_or_skip() {
	[ -z "$BROWSER_SKIP" ] || return 2
	start_browser
}

# ---------------------------------------------------------------------------

# The page of a running job: no console error, the hostile names as text,
# updates while it runs (done counts seen rising), the outcome at the end.
t_page() {
	local changes=0 last="" d i

	start_job 1.5 2 && start_web --socket "$SOCK" && browser_or_skip || return
	go "$URL" || return 1
	wait_js 20 'return document.body.dataset.seq !== undefined' || return 1
	no_console_errors || return 1
	# The names are text in a cell, and nothing of them became an element.
	wait_js 10 "return [...document.querySelectorAll('#tasks td')].some(td => td.textContent.endsWith('$HOSTILE2'))" ||
		{ REASON="the name $HOSTILE2 is not shown as text"; return 1; }
	[ "$(js "return [...document.querySelectorAll('#tasks td')].some(td => td.textContent.endsWith('$HOSTILE1'))
		&& document.querySelectorAll('img').length === 0 && document.scripts.length === 1
		&& !document.body.innerHTML.includes('<script>alert')")" = true ] ||
		{ REASON="a hostile name became markup"; return 1; }
	shot running || return 1
	# It keeps updating: the done count rises while the job runs.
	for ((i = 0; i < 600; i++)); do
		d=$(js 'return document.body.dataset.over + " " + document.getElementById("fig-done").textContent' |
			jq -r .) || return 1
		if [ "${d#* }" != "$last" ]; then
			changes=$((changes + 1))
			last=${d#* }
		fi
		[ "${d%% *}" = 1 ] && break
		sleep 0.1
	done
	[ "${d%% *}" = 1 ] || { REASON="the page never showed the job's end"; return 1; }
	wait_coordinator 0 || return 1
	[ "$changes" -ge 3 ] || { REASON="only $changes done counts shown while the job ran"; return 1; }
	[ "$(js 'return document.getElementById("outcome").hidden === false && document.getElementById("outcome").textContent.startsWith("The job is done")')" = true ] ||
		{ REASON="no outcome shown at the end: $(js 'return document.getElementById("outcome").textContent')"; return 1; }
	[ "$(js 'return document.getElementById("phase").textContent')" = '"done"' ] ||
		{ REASON="the phase badge does not say done"; return 1; }
	no_console_errors || return 1
	shot done || return 1
	DETAIL="$changes done counts shown as it ran"
}

# The figures the page shows equal `mrctl status --json` at the same
# moment: the workers are stopped (SIGSTOP) so that nothing changes.
t_figures() {
	local page st i

	start_job 1 2 && start_web --socket "$SOCK" && browser_or_skip || return
	go "$URL" || return 1
	for ((i = 0; i < 100; i++)); do
		"$CTL" --socket "$SOCK" status --json >"$LOGS/st.json" 2>/dev/null &&
			[ "$(jq .job.done "$LOGS/st.json")" -ge 2 ] && break
		sleep 0.1
	done
	worker_pids
	kill -STOP "${PIDS[@]}"
	# Two polls of mrctl web and of the page.
	sleep 3
	page=$(js 'const t = id => document.getElementById(id).textContent;
		const c = {};
		for (const tr of document.querySelectorAll("#counters tr"))
			c[tr.dataset.name] = Number(tr.cells[1].textContent.replace(/,/g, ""));
		return {done: Number(t("fig-done").split(" ")[0].replace(/,/g, "")),
			workers: Number(t("fig-workers")), counters: c,
			running: Number(t("fig-running")), rows: document.querySelectorAll("#workers tbody tr").length}') || return 1
	st=$("$CTL" --socket "$SOCK" status --json) || { REASON="mrctl status failed"; kill -CONT "${PIDS[@]}"; return 1; }
	kill -CONT "${PIDS[@]}"
	printf '%s\n' "$page" >"$LOGS/page.json"
	printf '%s\n' "$st" >"$LOGS/status.json"
	shot figures || return 1
	[ "$(jq .done <<<"$page")" = "$(jq .job.done <<<"$st")" ] ||
		{ REASON="done: page $(jq .done <<<"$page"), mrctl $(jq .job.done <<<"$st")"; return 1; }
	[ "$(jq .running <<<"$page")" = "$(jq .job.running <<<"$st")" ] ||
		{ REASON="running: page $(jq .running <<<"$page"), mrctl $(jq .job.running <<<"$st")"; return 1; }
	[ "$(jq .workers <<<"$page")" = "$(jq '.workers | length' <<<"$st")" ] ||
		{ REASON="workers: page $(jq .workers <<<"$page"), mrctl $(jq '.workers | length' <<<"$st")"; return 1; }
	[ "$(jq -S .counters <<<"$page")" = "$(jq -S .counters <<<"$st")" ] ||
		{ REASON="counters: page $(jq -c .counters <<<"$page"), mrctl $(jq -c .counters <<<"$st")"; return 1; }
	jq -e '.counters.inputs >= 2' <<<"$st" >/dev/null || { REASON="no counters to compare"; return 1; }
	wait_coordinator 0 || return 1
	DETAIL="done $(jq .done <<<"$page"), $(jq .workers <<<"$page") workers, counters $(jq -c .counters <<<"$page")"
}

# A job that fails: its failed attempts listed with the worker's message,
# and the outcome with the coordinator's reason once it is over.
t_failures() {
	spawn coordinator "$COORD" --socket "$SOCK" --reduces "$NREDUCE" --progress 0 \
		"${INPUTS[0]}"
	wait_socket && start_web --socket "$SOCK" && browser_or_skip || return
	go "$URL" || return 1
	wait_js 20 'return document.body.dataset.seq !== undefined' || return 1
	spawn_worker "$WORKER" --socket "$SOCK" "$FAILMAP"
	wait_coordinator 1 || return 1
	wait_js 20 'return document.body.dataset.over === "1"' || return 1
	[ "$(js 'return document.querySelectorAll("#failures tbody tr").length')" = 4 ] ||
		{ REASON="$(js 'return document.querySelectorAll("#failures tbody tr").length') failures listed, not 4"; return 1; }
	[ "$(js 'return [...document.querySelectorAll("#failures tbody tr")].every(tr =>
		tr.cells[4].textContent === "failed" &&
		tr.cells[5].textContent.endsWith(": map function of failmap failed") &&
		tr.cells[1].textContent === "map 0 (4 attempts)")')" = true ] ||
		{ REASON="the failures do not carry the worker's message"; return 1; }
	[[ $(js 'return document.getElementById("outcome").textContent' | jq -r .) == \
		"The job failed after "*" map task 0 failed 4 times; last error: "*": map function of failmap failed" ]] ||
		{ REASON="outcome: $(js 'return document.getElementById("outcome").textContent')"; return 1; }
	[ "$(js 'return document.getElementById("fig-again").textContent')" = '"4 (0 timed out, 0 lost, 4 failed)"' ] ||
		{ REASON="run again: $(js 'return document.getElementById("fig-again").textContent')"; return 1; }
	no_console_errors || return 1
	shot failed || return 1
}

# 20 000 map tasks (a 20 MB input cut into 1 KiB splits) and no worker:
# the task list pages, sorts and filters.
t_paging() {
	local info

	big_input "$T/big.txt" || return 1
	spawn coordinator "$COORD" --socket "$SOCK" --reduces "$NREDUCE" --progress 0 \
		--split-size 1K ../big.txt
	wait_socket && start_web --socket "$SOCK" && browser_or_skip || return
	go "$URL" || return 1
	info='return document.getElementById("page-info").textContent'
	wait_js 20 'const t = document.getElementById("page-info").textContent; return t.includes(" of 20,002")' || return 1
	[ "$(js "$info")" = '"page 1 of 401 · tasks 1–50 of 20,002"' ] || { REASON="first page: $(js "$info")"; return 1; }
	click '#next-page' || return 1
	wait_js 10 'return document.getElementById("page-info").textContent.startsWith("page 2 of 401")' || return 1
	[ "$(js 'return document.querySelector("#tasks tbody tr").cells[0].textContent')" = '"map 50"' ] ||
		{ REASON="page 2 does not start with map 50"; return 1; }
	click '#last-page' || return 1
	wait_js 10 'return document.getElementById("page-info").textContent === "page 401 of 401 · tasks 20,001–20,002 of 20,002"' || return 1
	[ "$(js 'return document.querySelector("#tasks tbody tr:last-child").cells[0].textContent')" = '"reduce 1"' ] ||
		{ REASON="the last page does not end with reduce 1"; return 1; }
	click '#tasks th[data-sort="id"]' || return 1
	wait_js 10 'return document.querySelector("#tasks tbody tr").cells[0].textContent === "reduce 1"' ||
		{ REASON="sorting by task, descending, does not start with reduce 1"; return 1; }
	js 'const s = document.getElementById("f-kind"); s.value = "reduce"; s.dispatchEvent(new Event("change")); return 1' >/dev/null
	wait_js 10 'return document.getElementById("page-info").textContent === "page 1 of 1 · tasks 1–2 of 2 (20,002 in all)"' || return 1
	no_console_errors || return 1
	shot paging || return 1
	DETAIL="20002 tasks, 401 pages of 50"
}

# Cancel: refused without the token (from the page and from curl), done
# with it: the coordinator exits 1 as on Ctrl-C, the page shows it.
t_cancel() {
	local code i

	start_job 5 2 && start_web --socket "$SOCK" && browser_or_skip || return
	# Without the token: the page is shown, cancelling is refused.
	go "$BASE/" || return 1
	wait_js 20 'return document.body.dataset.seq !== undefined' || return 1
	no_console_errors || return 1
	click '#cancel' && click '#cancel-confirm' || return 1
	wait_js 10 'return document.getElementById("cancel-msg").textContent.startsWith("refused")' || return 1
	shot cancel-refused || return 1
	drain_console || return 1	# the refusal's 403
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/cancel")
	[ "$code" = 403 ] || { REASON="POST /api/cancel without the token: HTTP $code, not 403"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-MR-Token: 0123' "$BASE/api/cancel")
	[ "$code" = 403 ] || { REASON="POST /api/cancel with a wrong token: HTTP $code, not 403"; return 1; }
	# A form of another site can put the token in the URL, not in a header.
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$BASE/api/cancel?token=$TOKEN")
	[ "$code" = 403 ] || { REASON="POST /api/cancel?token= (a form): HTTP $code, not 403"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-MR-Token: $TOKEN" "$BASE/api/cancel")
	[ "$code" = 405 ] || { REASON="GET /api/cancel: HTTP $code, not 405"; return 1; }
	[ ! -e "$LOGS/coordinator.rc" ] || { REASON="the job ended without a cancel"; return 1; }
	"$CTL" --socket "$SOCK" status >/dev/null || { REASON="the job is not running any more"; return 1; }
	# With the token (the URL printed): cancelled.
	go "$URL" || return 1
	wait_js 20 'return document.body.dataset.seq !== undefined' || return 1
	no_console_errors || return 1
	click '#cancel' && click '#cancel-confirm' || return 1
	wait_coordinator 1 || return 1
	grep -q 'mrcoordinator: cancelled by pid [0-9]* (the web page, from 127.0.0.1); job abandoned' "$LOGS/coordinator.log" ||
		{ REASON="no cancel line in the coordinator's log"; return 1; }
	wait_js 20 'return document.body.dataset.over === "1"' || return 1
	[ "$(js 'return document.getElementById("phase").textContent')" = '"interrupted"' ] ||
		{ REASON="the page does not say interrupted"; return 1; }
	shot cancelled || return 1
	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for i in "${WORKER_RCS[@]}"; do
		[ "$(<"$i")" = 1 ] || { REASON="a worker exited with status $(<"$i"), not 1"; return 1; }
	done
	[ ! -e "$SOCK" ] || { REASON="the socket is left behind"; return 1; }
	compgen -G '.mrtmp-*' >/dev/null && { REASON="temporary files left"; return 1; }
	return 0
}

# Beyond the loopback every data request needs the token; on the loopback
# the Host header must name it.
t_token() {
	local code wrong

	start_job 3 1 || return 1
	spawn web2 "$CTL" web --socket "$SOCK" --listen 0.0.0.0:0
	for ((i = 0; i < 100; i++)); do
		URL=$(grep -m 1 '^http://' "$LOGS/web2.log" 2>/dev/null) && [ -n "$URL" ] && break
		sleep 0.1
	done
	[ -n "$URL" ] || { REASON="mrctl web --listen 0.0.0.0:0 printed no URL"; return 1; }
	PORT=$(sed -E 's|^http://[^/]*:([0-9]+)/.*|\1|' <<<"$URL")
	TOKEN=${URL##*token=}
	[[ $URL == "http://$(hostname):$PORT/?token="* ]] || { REASON="URL $URL does not name this host"; return 1; }
	[[ $TOKEN =~ ^[0-9a-f]{32}$ ]] || { REASON="token $TOKEN is not 128 random bits"; return 1; }
	BASE=http://127.0.0.1:$PORT
	code=$(curl -s -o "$LOGS/no-token.json" -w '%{http_code}' "$BASE/api/status")
	[ "$code" = 403 ] || { REASON="/api/status without the token: HTTP $code, not 403"; return 1; }
	# The token with its last digit changed: wrong whatever it was.
	wrong=${TOKEN%?}0
	[ "$wrong" != "$TOKEN" ] || wrong=${TOKEN%?}1
	code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/history?token=$wrong")
	[ "$code" = 403 ] || { REASON="/api/history with a wrong token: HTTP $code, not 403"; return 1; }
	code=$(curl -s -o "$LOGS/token.json" -w '%{http_code}' "$BASE/api/status?token=$TOKEN")
	[ "$code" = 200 ] || { REASON="/api/status?token=: HTTP $code, not 200"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-MR-Token: $TOKEN" "$BASE/api/history")
	[ "$code" = 200 ] || { REASON="/api/history with X-MR-Token: HTTP $code, not 200"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/")
	[ "$code" = 200 ] || { REASON="/ (the page's own file): HTTP $code, not 200"; return 1; }
	# The whole document is mrctl status --json's.
	jq -e '.job.map_tasks == 8 and (.tasks | length) == 10 and has("workers") and has("counters")' \
		"$LOGS/token.json" >/dev/null || { REASON="/api/status is not the status document"; return 1; }
	# The loopback: a Host header of another name is refused.
	start_web --socket "$SOCK" || return 1
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: rebound.example:$PORT" "$BASE/api/status")
	[ "$code" = 403 ] || { REASON="Host rebound.example: HTTP $code, not 403"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: localhost:$PORT" "$BASE/api/status")
	[ "$code" = 200 ] || { REASON="Host localhost: HTTP $code, not 200"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/status")
	[ "$code" = 200 ] || { REASON="loopback without a token: HTTP $code, not 200"; return 1; }
	code=$("$CTL" web --listen 127.0.0.1:99999 --socket "$SOCK" >/dev/null 2>&1; echo $?)
	[ "$code" = 2 ] || { REASON="--listen 127.0.0.1:99999: exit status $code, not 2"; return 1; }
}

# A job that is over, from its --report: the same page, its figures, no
# cancel; and a file that is not a report is refused.
t_report() {
	local code

	start_job 0.2 2 --report "$LOGS/report.json" && wait_coordinator 0 || return 1
	start_web --report "$LOGS/report.json" || return 1
	curl -s "$BASE/api/status" >"$LOGS/rstatus.json"
	jq -e '.job.outcome == "done" and .job.done == 10 and (.tasks | length) == 10 and
		.counters.inputs == 8' "$LOGS/rstatus.json" >/dev/null ||
		{ REASON="/api/status of the report: $(head -c 300 "$LOGS/rstatus.json")"; return 1; }
	curl -s "$BASE/api/history" >"$LOGS/rhistory.json"
	[ "$(jq '.attempts | length' "$LOGS/rhistory.json")" = "$(jq '.attempts | length' "$LOGS/report.json")" ] ||
		{ REASON="the history does not hold every attempt of the report"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-MR-Token: $TOKEN" "$BASE/api/cancel")
	[ "$code" = 409 ] || { REASON="cancel of a report: HTTP $code, not 409"; return 1; }
	printf '{"format": 1}\n' >"$LOGS/bad.json"
	code=$("$CTL" web --report "$LOGS/bad.json" 2>"$LOGS/bad.log"; echo $?)
	[ "$code" = 1 ] && grep -q "bad.json: not a job report" "$LOGS/bad.log" ||
		{ REASON="a file that is not a report: status $code, $(cat "$LOGS/bad.log")"; return 1; }
	if [ -n "$BROWSER_SKIP" ]; then
		NOTE="the page itself not drawn: $BROWSER_SKIP"
		return 0
	fi
	start_browser || return 1
	go "$URL" || return 1
	wait_js 20 'return document.body.dataset.over === "1"' || return 1
	[ "$(js 'return document.getElementById("fig-done").textContent')" = '"10 of 10"' ] ||
		{ REASON="the page of the report does not show 10 of 10 done"; return 1; }
	[ "$(js 'return document.getElementById("cancel-box").hidden')" = true ] ||
		{ REASON="a report's page offers to cancel"; return 1; }
	no_console_errors || return 1
	shot report || return 1
}

# mrctl cancel under mrrun: exit status 1 as for Ctrl-C, the report says
# interrupted, nothing of the job is left running.
t_mrctl_cancel() {
	local i out rc sock=""

	mkdir -p "$T/tmp/$NAME" || return 1
	MR_TEST_SLEEP=5 TMPDIR=$T/tmp/$NAME spawn mrrun "$MRRUN" -n 2 -q --reduces "$NREDUCE" \
		--report "$LOGS/report.json" "$SLOW" "${INPUTS[@]}"
	# mrrun's own socket, named: another job of this machine is not ours.
	for ((i = 0; i < 100; i++)); do
		sock=$(compgen -G "$T/tmp/$NAME/mrrun-*/mr.sock") &&
			"$CTL" --socket "$sock" status --json >"$LOGS/st.json" 2>/dev/null &&
			[ "$(jq .job.running "$LOGS/st.json")" = 2 ] && break
		sleep 0.1
	done
	[ -n "$sock" ] || { REASON="mrrun made no socket"; return 1; }
	out=$("$CTL" --socket "$sock" cancel 2>&1)
	rc=$?
	[ "$rc" = 0 ] || { REASON="mrctl cancel: status $rc: $out"; return 1; }
	[ "$out" = "mrctl: the job of $sock is cancelled" ] || { REASON="mrctl cancel said: $out"; return 1; }
	for ((i = 0; i < 100; i++)); do
		[ -e "$LOGS/mrrun.rc" ] && break
		sleep 0.1
	done
	[ "$(cat "$LOGS/mrrun.rc" 2>/dev/null)" = 1 ] || { REASON="mrrun exit status $(cat "$LOGS/mrrun.rc" 2>/dev/null), not 1"; return 1; }
	grep -q 'cancelled by pid [0-9]* (mrctl cancel); job abandoned' "$LOGS/mrrun.log" ||
		{ REASON="no cancel line: $(tail -n 2 "$LOGS/mrrun.log")"; return 1; }
	jq -e '.job.outcome == "interrupted"' "$LOGS/report.json" >/dev/null ||
		{ REASON="the report does not say interrupted"; return 1; }
	worker_pids
	[ "${#PIDS[@]}" = 0 ] || { REASON="${#PIDS[@]} workers still running"; return 1; }
	out=$("$CTL" --socket "$sock" cancel 2>&1)
	rc=$?
	[ "$rc" = 1 ] || { REASON="mrctl cancel with no job: status $rc, not 1"; return 1; }
}

# run_timed_job [load]: a job of 160 maps of 25 ms on 2 workers (its
# inputs cut in 1 KiB splits), so that its time is the coordinator's
# answers as much as the tasks' sleeps, with mrctl web and webload's
# browsers when asked; sets ELAPSED_MS to its time, from start to exit.
run_timed_job() {
	local t0 t1 p

	rm -f mr-out-* "$LOGS/coordinator.rc"
	t0=$(date +%s%N)
	start_job 0.025 2 --split-size 1K || return 1
	if [ -n "${1:-}" ]; then
		start_web --socket "$SOCK" || return 1
		"${TIMEOUT[@]}" "$WEBLOAD" --port "$PORT" --seconds 30 --clients 200 \
			--stall 2 >"$LOGS/webload.out" 2>&1 &
		LOAD_PID=$!
	fi
	wait_coordinator 0 || return 1
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	for p in "${WAIT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	WAIT_PIDS=()
}

# 200 page connections and 2 that never read do not slow the job.
t_no_slowdown() {
	local base loaded

	run_timed_job || return 1
	base=$ELAPSED_MS
	run_timed_job load || return 1
	loaded=$ELAPSED_MS
	# mrctl web still answers, and it served the load.
	curl -s -m 5 "$BASE/api/status" | jq -e '.job.phase' >/dev/null ||
		{ REASON="mrctl web does not answer after the load"; return 1; }
	kill "$LOAD_PID" 2>/dev/null
	wait "$LOAD_PID" 2>/dev/null
	DETAIL="$(fmt_s "$base") s alone, $(fmt_s "$loaded") s with the browsers"
	NOTE=$(cat "$LOGS/webload.out" 2>/dev/null)
	# The browsers were served all along: answers read, none refused.
	[[ $NOTE =~ ^"webload: 200 clients, 2 stalled, "[0-9]+" requests, "([0-9]+)" bytes read, "[0-9]+" reconnections, 0 refused"$ ]] &&
		[ "${BASH_REMATCH[1]}" -gt 1000000 ] ||
		{ REASON="the browsers were not served: ${NOTE:-webload said nothing}"; return 1; }
	# A coordinator slowed by the browsers delays each of 160 hand-outs.
	[ "$loaded" -le $((base * 125 / 100 + 500)) ] ||
		{ REASON="the job took $(fmt_s "$loaded") s with the browsers, $(fmt_s "$base") s without"; return 1; }
}

# scripts/timeline on 20 000 short tasks: no outline drowns the bars (the
# image is not mostly dark); and the page of the same job's report, whose
# timeline sums what it cannot draw.
t_timeline_many() {
	local dark

	big_input "$T/big2.txt" || return 1
	"${TIMEOUT[@]}" "$MRRUN" -q -n 2 --reduces 2 --split-size 1K --report "$LOGS/report.json" wc ../big2.txt \
		>"$LOGS/mrrun.log" 2>&1 || { REASON="the job of 20 000 tasks failed"; return 1; }
	mkdir -p -- "$SHOTS" || return 1
	"$TIMELINE" -o "$SHOTS/timeline-20000.png" "$LOGS/report.json" >"$LOGS/timeline.log" 2>&1 ||
		{ REASON="timeline failed: $(tail -n 1 "$LOGS/timeline.log")"; return 1; }
	# Near-black pixels (outlines, text), as gnuplot reads the PNG back.
	gnuplot -e "set table '$LOGS/pixels.txt'; plot '$SHOTS/timeline-20000.png' binary filetype=png with rgbimage" \
		>"$LOGS/pixels.log" 2>&1 || { REASON="gnuplot cannot read the PNG back"; return 1; }
	dark=$(awk '$1 ~ /^[0-9]/ && $5 != "" { n++; if ($3 + $4 + $5 < 200) d++ }
		END { printf "%.3f", (n > 0 ? d / n : 1) }' "$LOGS/pixels.txt")
	DETAIL="$(awk -v d="$dark" 'BEGIN { printf "%.1f%%", d * 100 }') of the timeline's pixels near black"
	awk -v d="$dark" 'BEGIN { exit !(d < 0.08) }' ||
		{ REASON="$DETAIL: outlines drown the bars"; return 1; }
	if [ -n "$BROWSER_SKIP" ]; then
		NOTE="the page not drawn: $BROWSER_SKIP"
		return 0
	fi
	start_web --report "$LOGS/report.json" && start_browser && go "$URL" || return 1
	wait_js 60 'return document.body.dataset.over === "1"' || return 1
	[[ $(js 'return document.getElementById("timeline-note").textContent' | jq -r .) =~ \
		^"20,002 attempts, "(19,[0-9]{3}|20,00[0-2])" of them too short to draw one by one: summed per pixel"$ ]] ||
		{ REASON="timeline note: $(js 'return document.getElementById("timeline-note").textContent')"; return 1; }
	no_console_errors || return 1
	shot report-20000 || return 1
}

# Runs a test; a browser test with no browser is SKIPPED, neither passed
# nor failed.
run_web_test() {
	local name=$1

	if [[ $BROWSER_TESTS == *" $name "* ]] && [ -n "$BROWSER_SKIP" ]; then
		printf 'SKIPPED: %s: %s\n' "$name" "$BROWSER_SKIP"
		return
	fi
	run_test "$name"
}

select_tests "$@"
require_system
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/install-deps --test)"
command -v curl >/dev/null 2>&1 || die "curl not found"
find_missing "$GENCORPUS" "$COORD" "$WORKER" "$CTL" "$MRRUN" "$SLOW" "$FAILMAP" "$WEBLOAD" \
	"$APPS/wc.so"
if [ "${#MISSING[@]}" -gt 0 ]; then
	die "missing ${MISSING[*]}; run make (and make test's tools) first"
fi
make_temp_folder test-web
POST_CHECK=sanitizer_check
make_inputs "$NINPUTS" '*.txt' --files "$NINPUTS" --bytes-per-file 20000
mkdir -p -- "$T/inputs/<script>alert(1)<" &&
	head -c 20000 "$T/inputs/${INPUTS[0]##*/}" >"$T/inputs/$HOSTILE2" &&
	head -c 20000 "$T/inputs/${INPUTS[1]##*/}" >"$T/inputs/$HOSTILE1" ||
	die "cannot make the hostile inputs"
INPUTS+=("../inputs/$HOSTILE1" "../inputs/$HOSTILE2")
ensure_browser
[ -z "$BROWSER_SKIP" ] || printf '%s: browser tests SKIPPED: %s\n' "$PROG" "$BROWSER_SKIP"
PASSED=0
FAILED=0
for t in "${SELECTED[@]}"; do
	run_web_test "$t"
done
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
