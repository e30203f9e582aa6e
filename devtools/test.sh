#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every test: set up the machine, build, and run the unit, func and perf
# suites (meson test). Arguments go to `meson test`, e.g. --suite unit.
set -euo pipefail
cd "$(dirname "$0")/.."
devtools/setup.sh --quiet
devtools/build.sh
exec meson test -C "${NB_BUILD_DIR:-build}" --print-errorlogs "$@"
