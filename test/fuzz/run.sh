#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run the lib/buf fuzzer (buf_fuzz, libFuzzer + ASan + UBSan) for SECONDS.
#
# Usage: test/fuzz/run.sh SECONDS [BUILD_DIR]
#
# Configures BUILD_DIR (default build-fuzz) with clang and -Dfuzz=true when it
# does not exist, builds buf_fuzz, and fuzzes from the seeds in
# test/fuzz/corpus/ (read only; new inputs go to a temporary corpus). Prints
# the executions; on a finding prints the report and the reproducer's path
# (replay: BUF_FUZZ_TRACE=1 BUILD_DIR/test/fuzz/buf_fuzz FILE) and exits 1.
# The full libFuzzer log is BUILD_DIR/fuzz-log.txt. NB_FUZZ_CORPUS=DIR keeps
# the corpus in DIR (created if missing) instead of a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
	echo "usage: $0 SECONDS [BUILD_DIR]" >&2
	exit 2
}

secs=${1:-}
dir=${2:-build-fuzz}
[[ $secs =~ ^[0-9]+$ ]] && ((secs > 0)) || usage

# clang and Debian's DPDK: the headers test GCC_VERSION, which only gcc
# defines (-Wundef; defining it 0 is what clang assumes anyway).
# lib/env/env.c's arg_pushf() passes its format on without a printf format
# attribute, which clang's -Wformat-nonliteral reports and gcc's does not;
# kept a warning here until env.c has the attribute.
fuzz_cflags="-DGCC_VERSION=0 -Wno-error=format-nonliteral"

if [[ ! -f $dir/build.ninja ]]; then
	command -v clang >/dev/null ||
		{ echo "fuzz: clang not found: apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
	echo "fuzz: configuring $dir (clang, -Dfuzz=true)"
	if ! CC=clang meson setup "$dir" -Dfuzz=true -Db_lundef=false \
		-Dtests=true -Dc_args="$fuzz_cflags" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log" >&2
		rm -f "$dir.setup.log"
		exit 1
	fi
	rm -f "$dir.setup.log"
fi
ninja -C "$dir" test/fuzz/buf_fuzz >/dev/null || {
	echo "fuzz: build failed: ninja -C $dir test/fuzz/buf_fuzz" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/nbkit-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
corpus_dir=${NB_FUZZ_CORPUS:-$work/corpus}
mkdir -p "$corpus_dir" "$dir/fuzz-artifacts"
log=$dir/fuzz-log.txt

echo "fuzz: buf_fuzz for ${secs} s (log: $log)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
rc=0
"$dir/test/fuzz/buf_fuzz" -max_total_time="$secs" -rss_limit_mb=4096 \
	-timeout=60 -print_final_stats=1 \
	-artifact_prefix="$dir/fuzz-artifacts/" \
	"$corpus_dir" test/fuzz/corpus >"$log" 2>&1 || rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
if [[ -z $execs ]]; then
	# No final stats after a crash: the last status line has the count.
	execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
fi
corpus=$(find "$corpus_dir" -type f | wc -l)
if ((rc != 0)); then
	echo "fuzz: FINDING after ${execs:-?} executions (buf_fuzz exit $rc):" >&2
	grep -E -A60 'buf_fuzz: FAIL|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|==ERROR' \
		"$log" | head -n 120 >&2 || tail -n 60 "$log" >&2
	grep -E 'Test unit written to|artifact_prefix' "$log" >&2 || true
	echo "fuzz: replay: BUF_FUZZ_TRACE=1 $dir/test/fuzz/buf_fuzz <artifact>" >&2
	exit 1
fi
echo "fuzz: no finding: ${execs:-?} executions in ${secs} s, corpus of $corpus inputs"
