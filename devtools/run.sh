#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: set up the machine (packages, hugepages), build, and run
# nb-info, which brings up the environment with nbkit's safe defaults and
# allocates DMA memory on every socket. Arguments go to nb-info
# (EAL options, then -- and nb-info's own; see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
devtools/setup.sh --quiet
devtools/build.sh
exec "${NB_BUILD_DIR:-build}/app/nb-info/nb-info" "$@"
