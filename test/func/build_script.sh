#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# build-script: devtools/build.sh applies the options it is given to a build
# directory that exists (it used to ignore them silently), keeps the
# configuration when given none, and writes its logs inside the build
# directory (not to fixed /tmp paths that parallel clones overwrite).
#
# Usage: build_script.sh SOURCE_DIR
set -euo pipefail

src=${1:?usage: build_script.sh SOURCE_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nbkit-build-script.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dir=$tmp/build
# Fixed log paths of the old script: they must not be written.
export TMPDIR=$tmp/tmpdir
mkdir -p "$TMPDIR"

fail() {
	echo "FAIL: $*"
	exit 1
}

debug_of() {
	sed -n 's/^#define NB_DEBUG //p' "$dir/config/nb_build_config.h"
}

NB_BUILD_DIR=$dir "$src/devtools/build.sh" -Dtests=false ||
	fail "build.sh -Dtests=false failed"
[[ $(debug_of) == 0 ]] || fail "a fresh build has NB_DEBUG $(debug_of)"

NB_BUILD_DIR=$dir "$src/devtools/build.sh" -Dnb_debug=true ||
	fail "build.sh -Dnb_debug=true failed"
[[ $(debug_of) == 1 ]] ||
	fail "build.sh -Dnb_debug=true on an existing build was ignored"
echo "PASS: -Dnb_debug=true applied to an existing build"

NB_BUILD_DIR=$dir "$src/devtools/build.sh" || fail "build.sh failed"
[[ $(debug_of) == 1 ]] ||
	fail "build.sh without arguments changed the configuration"
echo "PASS: no arguments keep the configuration"

for f in nb-setup.log nb-build.log; do
	[[ -s $dir/meson-logs/$f ]] || fail "no $dir/meson-logs/$f"
done
left=$(ls -A "$TMPDIR")
[[ -z $left ]] || fail "build.sh left files in \$TMPDIR: $left"
echo "PASS: logs in $dir/meson-logs, nothing in \$TMPDIR"

rc=0
NB_BUILD_DIR=$dir "$src/devtools/build.sh" -Dno_such_option=1 \
	>"$tmp/bad.log" 2>&1 || rc=$?
((rc != 0)) || fail "build.sh -Dno_such_option=1 succeeded"
grep -q no_such_option "$tmp/bad.log" ||
	fail "build.sh -Dno_such_option=1 does not say why: $(cat "$tmp/bad.log")"
echo "PASS: a bad option fails and is named"
echo "PASS: build-script"
