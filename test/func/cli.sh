#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# cli: what a new user sees from nbkit's apps and scripts (issue 8).
#  - a bad option: exit 2 and ONE line on stderr naming it, nothing on stdout
#    (getopt's and EAL's messages, EAL's usage included); an application
#    option put before '--' gets the hint that it goes after it;
#  - a normal run is quiet: no EAL or telemetry line on stderr;
#  - the same IOVA mode with and without --no-pci;
#  - a failed EAL start leaves no runtime directory behind;
#  - --dma-size is decimal with k/m/g only;
#  - --json is JSON Lines in every app (each stdout line one JSON object),
#    also when a DMA allocation fails;
#  - --version in every app; nb-perf: unknown benchmark names, --rounds
#    limits in --help, a benchmark named twice runs once;
#  - devtools/setup.sh exits 2 on a bad option;
#  - --log-level=nb.*:debug shows EAL's choices and every pool created.
#
# Usage: cli.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=${1:?usage: cli.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: cli.sh SOURCE_DIR BUILD_DIR}
info=$build/app/nb-info/nb-info
perf=$build/app/nb-perf/nb-perf

# EAL arguments every run gets: hugepages unless NB_TEST_NO_HUGE says not.
EAL=()
if [[ -n ${NB_TEST_NO_HUGE:-} && ${NB_TEST_NO_HUGE} != 0 ]]; then
	EAL=(--no-huge)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nbkit-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run NAME CMD...: run CMD with stdout/stderr in $tmp/NAME.{out,err}; sets
# rc, and pid (of the command itself).
run() {
	local name=$1

	shift
	rc=0
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	wait "$pid" || rc=$?
}

lines() {
	local n

	n=$(wc -l <"$1")
	echo "$n"
}

# A bad argument: exit 2, nothing on stdout, one line on stderr with WORD.
expect_usage_error() {
	local what=$1 word=$2

	shift 2
	run usage "$@"
	if ((rc != 2)); then
		fail "$what: exit $rc, not 2"
	fi
	if [[ -s $tmp/usage.out ]]; then
		fail "$what: $(wc -c <"$tmp/usage.out") bytes on stdout:" \
		     "$(head -c 200 "$tmp/usage.out")"
	fi
	if (($(lines "$tmp/usage.err") != 1)); then
		fail "$what: $(lines "$tmp/usage.err") lines on stderr, not one:" \
		     "$(cat "$tmp/usage.err")"
	elif ! grep -qF -- "$word" "$tmp/usage.err"; then
		fail "$what: stderr does not name '$word': $(cat "$tmp/usage.err")"
	else
		echo "PASS: $what: exit 2, one line: $(cat "$tmp/usage.err")"
	fi
}

runtime_dir() {
	local base=/var/run

	if ((EUID != 0)); then
		base=${XDG_RUNTIME_DIR:-/tmp}
	fi
	echo "$base/dpdk/nb$1"
}

# --- bad options ------------------------------------------------------------

expect_usage_error "nb-info -- --bogus" "--bogus" "$info" "${EAL[@]}" -- --bogus
expect_usage_error "nb-info -- --dma-size (no value)" "--dma-size" \
	"$info" "${EAL[@]}" -- --dma-size
expect_usage_error "nb-info --json (app option before --)" "--json" \
	"$info" "${EAL[@]}" --json
if ! grep -q "after '--'" "$tmp/usage.err"; then
	fail "nb-info --json: no hint that app options go after '--'"
fi
expect_usage_error "nb-info --iova-mode=xx (EAL value)" "iova-mode" \
	"$info" "${EAL[@]}" --iova-mode=xx
expect_usage_error "nb-info stray argument before --" "stray" \
	"$info" "${EAL[@]}" stray
expect_usage_error "nb-perf -- --bogus" "--bogus" "$perf" "${EAL[@]}" -- --bogus
expect_usage_error "nb-perf --short (app option before --)" "--short" \
	"$perf" "${EAL[@]}" --short
expect_usage_error "nb-perf -- --rounds 64" "--rounds" \
	"$perf" "${EAL[@]}" -- --rounds 64
many=()
for i in $(seq 20); do
	many+=(dma pool buf)
done
expect_usage_error "nb-perf -- (60 good names) nosuch" "'nosuch'" \
	"$perf" "${EAL[@]}" -- "${many[@]}" nosuch
expect_usage_error "nb-perf -- dma nosuch1 pool" "'nosuch1'" \
	"$perf" "${EAL[@]}" -- dma nosuch1 pool
expect_usage_error "setup.sh --bogus" "--bogus" "$src/devtools/setup.sh" --bogus

# --dma-size: decimal with k, m or g only.
# 17179869185g is 2^64 + 1g: it must not wrap to 1g; 1025g is above 1T.
for bad in 010 0x10 " 8" "+8" "-8" 8kb 1.5m "" 17179869185g 1025g; do
	expect_usage_error "nb-info -- --dma-size '$bad'" "--dma-size" \
		"$info" "${EAL[@]}" -- --dma-size "$bad"
done
run dma8k "$info" "${EAL[@]}" -- --dma-size 8k
if ((rc != 0)) || ! grep -q '^DMA: *8192 bytes' "$tmp/dma8k.out"; then
	fail "nb-info -- --dma-size 8k: exit $rc: $(cat "$tmp/dma8k.out" "$tmp/dma8k.err")"
else
	echo "PASS: --dma-size 8k is 8192 bytes; 010, 0x10, ' 8' refused"
fi

# --- quiet, IOVA, --version ---------------------------------------------------

run plain "$info" "${EAL[@]}"
if ((rc != 0)); then
	fail "nb-info: exit $rc: $(cat "$tmp/plain.err")"
fi
if grep -E '^(EAL|TELEMETRY):' "$tmp/plain.err"; then
	fail "nb-info prints DPDK lines on a normal run: $(cat "$tmp/plain.err")"
else
	echo "PASS: nb-info is quiet (stderr: $(lines "$tmp/plain.err") line(s))"
fi
iova=$(sed -n 's/^IOVA mode: *//p' "$tmp/plain.out")
run nopci "$info" "${EAL[@]}" --no-pci
iova_nopci=$(sed -n 's/^IOVA mode: *//p' "$tmp/nopci.out")
if [[ -z $iova || $iova != "$iova_nopci" ]]; then
	fail "IOVA mode '$iova' without --no-pci, '$iova_nopci' with it"
else
	echo "PASS: IOVA as $iova with and without --no-pci"
fi
run verbose "$info" "${EAL[@]}" -v
if ! grep -q '^EAL:' "$tmp/verbose.err"; then
	fail "nb-info -v shows no EAL line"
fi
# -v and a failure: EAL's own lines are shown, then nbkit's; still exit 2
# and nothing on stdout.
run verbose_bad "$info" "${EAL[@]}" -v --iova-mode=xx
if ((rc != 2)) || [[ -s $tmp/verbose_bad.out ]] ||
   ! grep -q '^EAL: invalid parameters for --iova-mode' "$tmp/verbose_bad.err" ||
   ! grep -q '^nb.env: EAL failed to start' "$tmp/verbose_bad.err"; then
	fail "nb-info -v --iova-mode=xx: exit $rc:" \
	     "$(cat "$tmp/verbose_bad.out" "$tmp/verbose_bad.err")"
else
	echo "PASS: nb-info -v --iova-mode=xx: EAL's lines, then nbkit's; exit 2"
fi

for app in "$info" "$perf"; do
	run version "$app" --version
	if ((rc != 0)) || ! grep -Eq "nbkit.* [0-9]+\.[0-9]+\.[0-9]+.*DPDK" \
		"$tmp/version.out"; then
		fail "$app --version: exit $rc: $(cat "$tmp/version.out")"
	else
		echo "PASS: $(cat "$tmp/version.out")"
	fi
done

# --- a failed EAL start leaves no runtime directory ---------------------------

# Under AddressSanitizer without hugepages, EAL's 1 TB anonymous mapping for
# -m 999999 lands on ASan's shadow memory and EAL faults before nbkit can
# clean up: that case is left to the normal build; the vdev case takes the
# same failure path (runtime directory created, then EAL gives up).
failed_starts=("-m 999999" "--vdev net_nosuch0")
if ((${#EAL[@]} > 0)) && ldd "$info" | grep -q libasan; then
	failed_starts=("--vdev net_nosuch0")
	echo "NOTE: sanitizer build without hugepages: -m 999999 is checked by the normal build"
fi
for args in "${failed_starts[@]}"; do
	read -ra a <<<"$args"
	run failed "$info" "${EAL[@]}" "${a[@]}"
	dir=$(runtime_dir "$pid")
	if ((rc == 0)); then
		fail "nb-info $args started"
	fi
	if [[ -e $dir ]]; then
		fail "nb-info $args failed and left $dir behind"
		rm -rf "$dir"
	fi
	if (($(lines "$tmp/failed.err") != 1)) || [[ -s $tmp/failed.out ]]; then
		fail "nb-info $args: not one line on stderr and none on stdout:" \
		     "$(cat "$tmp/failed.out" "$tmp/failed.err")"
	else
		echo "PASS: nb-info $args: exit $rc, one line, nothing left:" \
		     "$(cat "$tmp/failed.err")"
	fi
done

# --- JSON Lines everywhere ----------------------------------------------------

# Every line of FILE is one JSON object; prints how many.
json_lines() {
	python3 - "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if not isinstance(json.loads(line), dict):
        raise SystemExit("not an object: " + line)
    n += 1
print(n)
PY
}

run json "$info" "${EAL[@]}" -- --json
if ((rc != 0)) || ! n=$(json_lines "$tmp/json.out") || ((n != 1)); then
	fail "nb-info --json: exit $rc, not one JSON object on one line:" \
	     "$(cat "$tmp/json.out")"
else
	echo "PASS: nb-info --json: one JSON object on one line"
fi
# A DMA allocation that fails (64 MB of memory, 512 MB asked) still gives
# valid JSON, exit 1.
run jsonfail "$info" --no-huge -m 64 -- --json --dma-size 512m
if ((rc != 1)) || ! n=$(json_lines "$tmp/jsonfail.out") || ((n != 1)); then
	fail "nb-info --json with a failed allocation: exit $rc:" \
	     "$(cat "$tmp/jsonfail.out")"
elif ! grep -q '"dma": \[\]' "$tmp/jsonfail.out"; then
	fail "nb-info --json with a failed allocation: $(cat "$tmp/jsonfail.out")"
else
	echo "PASS: nb-info --json with a failed allocation: valid, \"dma\": []"
fi
run perfjson "$perf" "${EAL[@]}" -- --json --short --rounds 1 dma dma
if ((rc != 0)) || ! n=$(json_lines "$tmp/perfjson.out"); then
	fail "nb-perf --json: exit $rc, not JSON Lines: $(cat "$tmp/perfjson.out")"
elif ((n != 3)); then
	# dma has 3 cases: named twice, it must run once.
	fail "nb-perf --json dma dma: $n rows, not 3 (dma ran twice?)"
else
	echo "PASS: nb-perf --json: JSON Lines, dma named twice ran once ($n rows)"
fi

# --- --log-level=nb.*:debug shows what nbkit creates and chooses ----------------

run debug "$perf" "${EAL[@]}" --log-level='nb.*:debug' -- --short --rounds 1 buf
if ((rc != 0)); then
	fail "nb-perf --log-level=nb.*:debug: exit $rc: $(tail -3 "$tmp/debug.err")"
elif ! grep -q '^nb.env: ' "$tmp/debug.err"; then
	fail "nb.*:debug: no nb.env debug line: $(head -3 "$tmp/debug.err")"
elif ! grep -qE '^nb.pool: pool perf_buf: [0-9]+ buffers of [0-9]+ bytes .*backend percore, fast mode' "$tmp/debug.err"; then
	fail "nb.*:debug: no line for the pool nb-perf created: $(head -5 "$tmp/debug.err")"
elif ! grep -q '^nb.pool: pool perf_buf: destroyed' "$tmp/debug.err"; then
	fail "nb.*:debug: no line for the pool's destruction"
else
	echo "PASS: --log-level=nb.*:debug: EAL choices, pool creation and destruction"
fi

# --- nb-perf --help -------------------------------------------------------------

run help "$perf" --help
if ! grep -q -- '--rounds N.*1 to 63' "$tmp/help.out"; then
	fail "nb-perf --help does not give the --rounds limits"
fi

if ((failures > 0)); then
	echo "FAIL: cli: $failures failure(s)"
	exit 1
fi
echo "PASS: cli"
