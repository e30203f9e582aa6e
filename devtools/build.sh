#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build nbkit in build/ (or $NB_BUILD_DIR).
# Extra arguments go to `meson setup` the first time, e.g. -Dnb_debug=true.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${NB_BUILD_DIR:-build}
if [ ! -f "$dir/build.ninja" ]; then
	rm -rf "$dir"
	meson setup "$dir" "$@" >"${TMPDIR:-/tmp}/nbkit-meson-setup.log" 2>&1 || {
		cat "${TMPDIR:-/tmp}/nbkit-meson-setup.log" >&2
		exit 1
	}
fi
meson compile -C "$dir" >"${TMPDIR:-/tmp}/nbkit-build.log" 2>&1 || {
	cat "${TMPDIR:-/tmp}/nbkit-build.log" >&2
	exit 1
}
echo "build: $dir ready"
