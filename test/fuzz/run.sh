#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run one libFuzzer target of test/fuzz (libFuzzer + ASan + UBSan) for
# SECONDS: buf_fuzz (lib/buf, the default) or fwd_fuzz (nb-fwd's engines).
#
# Usage: test/fuzz/run.sh SECONDS [BUILD_DIR [TARGET]]
#
# Configures BUILD_DIR (default build-fuzz) with clang and -Dfuzz=true when it
# does not exist, builds TARGET (default buf_fuzz), and fuzzes from its seeds
# (read only; new inputs go to a temporary corpus): test/fuzz/corpus/ for
# buf_fuzz, test/fuzz/corpus-fwd/ for fwd_fuzz. Prints the executions; on a
# finding prints the report and the reproducer's path (replay:
# BUF_FUZZ_TRACE=1 BUILD_DIR/test/fuzz/buf_fuzz FILE, or
# FWD_FUZZ_TRACE=1 BUILD_DIR/test/fuzz/fwd_fuzz FILE) and exits 1.
# The full libFuzzer log is BUILD_DIR/fuzz-log.txt (buf_fuzz) or
# BUILD_DIR/fuzz-log-fwd_fuzz.txt; reproducers go to BUILD_DIR/fuzz-artifacts/
# (fwd_fuzz's named fwd_fuzz-crash-...). NB_FUZZ_CORPUS=DIR keeps the corpus
# in DIR (created if missing) instead of a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
	echo "usage: $0 SECONDS [BUILD_DIR [buf_fuzz|fwd_fuzz]]" >&2
	exit 2
}

secs=${1:-}
dir=${2:-build-fuzz}
target=${3:-buf_fuzz}
[[ $secs =~ ^[0-9]+$ ]] && ((secs > 0)) || usage

# Per target: seeds, log, reproducer prefix, replay variable, and options.
# buf_fuzz keeps the names it always had. fwd_fuzz's inputs hold up to 64
# frames of up to 9100 bytes: libFuzzer's default -max_len (4096, or the
# largest seed) would keep most runs to a few short frames.
case $target in
buf_fuzz)
	seeds=test/fuzz/corpus
	log=$dir/fuzz-log.txt
	artifacts=$dir/fuzz-artifacts/
	trace=BUF_FUZZ_TRACE
	extra=()
	;;
fwd_fuzz)
	seeds=test/fuzz/corpus-fwd
	log=$dir/fuzz-log-fwd_fuzz.txt
	artifacts=$dir/fuzz-artifacts/fwd_fuzz-
	trace=FWD_FUZZ_TRACE
	extra=(-max_len=16384)
	;;
*)
	echo "fuzz: unknown target '$target' (buf_fuzz or fwd_fuzz)" >&2
	usage
	;;
esac

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
ninja -C "$dir" "test/fuzz/$target" >/dev/null || {
	echo "fuzz: build failed: ninja -C $dir test/fuzz/$target" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/nbkit-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
corpus_dir=${NB_FUZZ_CORPUS:-$work/corpus}
mkdir -p "$corpus_dir" "$dir/fuzz-artifacts"

echo "fuzz: $target for ${secs} s (log: $log)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
rc=0
"$dir/test/fuzz/$target" -max_total_time="$secs" -rss_limit_mb=4096 \
	-timeout=60 -print_final_stats=1 "${extra[@]}" \
	-artifact_prefix="$artifacts" \
	"$corpus_dir" "$seeds" >"$log" 2>&1 || rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
if [[ -z $execs ]]; then
	# No final stats after a crash: the last status line has the count
	# (none when the target died before its first input: no count).
	execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#' || true)
fi
corpus=$(find "$corpus_dir" -type f | wc -l)
if ((rc != 0)); then
	echo "fuzz: FINDING after ${execs:-?} executions ($target exit $rc):" >&2
	grep -E -A60 "$target: FAIL|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|==ERROR" \
		"$log" | head -n 120 >&2 || tail -n 60 "$log" >&2
	grep -E 'Test unit written to|artifact_prefix' "$log" >&2 || true
	echo "fuzz: replay: $trace=1 $dir/test/fuzz/$target <artifact>" >&2
	exit 1
fi
echo "fuzz: no finding: ${execs:-?} executions in ${secs} s, corpus of $corpus inputs"
