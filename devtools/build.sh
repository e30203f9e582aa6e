#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure and build nbkit in build/ (or $NB_BUILD_DIR).
#
# Arguments are `meson setup` options, e.g. -Dnb_debug=true. The first run
# configures with them; a later run with arguments applies them to the
# existing build (`meson setup --reconfigure`: the options named change,
# the others keep their values; `rm -rf build` starts from the defaults);
# a later run without arguments keeps the configuration as it is. The
# options in force are printed when they change.
# Logs: $dir/meson-logs/nb-setup.log and $dir/meson-logs/nb-build.log (each
# build directory has its own, so parallel clones never share one).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${NB_BUILD_DIR:-build}

# Print a log and fail.
fail_log() {
	cat "$1" >&2
	echo "build: $2 (log: $1)" >&2
	exit 1
}

if [ ! -f "$dir/build.ninja" ]; then
	rm -rf "$dir"
	# meson setup wants the directory new: log beside it, then move in.
	log=$(mktemp "${TMPDIR:-/tmp}/nbkit-setup.XXXXXX")
	if ! meson setup "$dir" "$@" >"$log" 2>&1; then
		mkdir -p "$dir"
		mv "$log" "$dir/nb-setup.log"
		fail_log "$dir/nb-setup.log" "meson setup failed"
	fi
	mv "$log" "$dir/meson-logs/nb-setup.log"
elif [ $# -gt 0 ]; then
	before=$(meson introspect --buildoptions "$dir" 2>/dev/null | md5sum)
	if ! meson setup --reconfigure "$dir" "$@" \
		>"$dir/meson-logs/nb-setup.log" 2>&1; then
		fail_log "$dir/meson-logs/nb-setup.log" \
			"meson setup --reconfigure $* failed"
	fi
	after=$(meson introspect --buildoptions "$dir" 2>/dev/null | md5sum)
	if [ "$before" != "$after" ]; then
		echo "build: $dir reconfigured with $*"
	fi
fi
if ! meson compile -C "$dir" >"$dir/meson-logs/nb-build.log" 2>&1; then
	fail_log "$dir/meson-logs/nb-build.log" "build failed"
fi
echo "build: $dir ready"
