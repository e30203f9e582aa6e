#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: set up the machine (packages, hugepages), build, and run
# nb-fwd in io mode on a pair of net_null ports for 5 seconds: a stats line
# per second, then the final summary (testpmd's field names) and the pool
# audit (`buffers lost: 0`). Arguments replace nb-fwd's own options, e.g.
#   devtools/run.sh --forward-mode macswap --duration 10
# and NB_FWD_EAL replaces the EAL options ("--vdev net_null0 --vdev
# net_null1": EAL takes every core of the affinity mask; the first worker
# forwards, the main lcore prints). `nb-fwd --help` lists every option.
set -euo pipefail
cd "$(dirname "$0")/.."
devtools/setup.sh --quiet
devtools/build.sh
read -r -a eal <<<"${NB_FWD_EAL:---vdev net_null0 --vdev net_null1}"
if [ $# -eq 0 ]; then
	set -- --forward-mode io --stats-period 1 --duration 5
fi
exec "${NB_BUILD_DIR:-build}/app/nb-fwd/nb-fwd" "${eal[@]}" -- "$@"
