#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run an nbkit app as a test: `nohuge_wrap.sh APP ARGS...` runs APP with
# --no-huge first among its EAL arguments when NB_TEST_NO_HUGE is set (and
# not 0), as the unit tests do, so NB_TEST_NO_HUGE=1 applies to every suite.
set -euo pipefail
app=${1:?usage: nohuge_wrap.sh APP [ARGS...]}
shift
if [[ -n ${NB_TEST_NO_HUGE:-} && ${NB_TEST_NO_HUGE} != 0 ]]; then
	exec "$app" --no-huge "$@"
fi
exec "$app" "$@"
