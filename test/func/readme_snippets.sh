#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# readme-snippets: every ```c block of README.md compiles against nbkit's
# public headers (as installed: the lib/*/nb_*.h and drivers/*/*/nb_*.h
# that meson installs, and the generated nb_build_config.h) and DPDK's.
# A block with a main() is a whole program and is compiled as it is; any
# other block is a fragment, compiled as the body of a function after
# #include of every public nbkit header and the DPDK headers the examples
# use, so a fragment must declare what it uses.
#
# Usage: readme_snippets.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=${1:?usage: readme_snippets.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: readme_snippets.sh SOURCE_DIR BUILD_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nbkit-readme.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# The public headers: installed ones only (nb_internal.h is private).
headers=()
incs=(-I"$build/config")
while IFS= read -r h; do
	[[ $(basename "$h") == nb_internal.h ]] && continue
	headers+=("$(basename "$h")")
	incs+=(-I"$(dirname "$h")")
done < <(find "$src/lib" "$src/drivers" -name 'nb_*.h' | sort)
((${#headers[@]} > 0)) || fail "no public headers found under $src/lib"
read -ra dpdk_cflags <<<"$(pkg-config --cflags libdpdk)"
CFLAGS=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused
	"${incs[@]}" "${dpdk_cflags[@]}")

# Split README.md's ```c blocks into $tmp/snippet-N.c (N from 1), each with
# the README line it starts on in $tmp/snippet-N.line.
awk -v dir="$tmp" '
	/^```c[[:space:]]*$/ { n++; f = dir "/snippet-" n ".c";
			       print NR + 1 > (dir "/snippet-" n ".line");
			       inside = 1; printf "" > f; next }
	/^```/ && inside { inside = 0; close(f); next }
	inside { print > f }
' "$src/README.md"

count=0
for f in "$tmp"/snippet-*.c; do
	[[ -e $f ]] || fail "README.md has no \`\`\`c block"
	n=${f##*/snippet-}
	n=${n%.c}
	line=$(<"$tmp/snippet-$n.line")
	unit=$tmp/unit-$n.c
	if grep -Eq '^[a-z].*[[:space:]]main\(|^main\(' "$f"; then
		# A whole program: compiled exactly as the README shows it.
		printf '#line %d "README.md"\n' "$line" >"$unit"
		cat "$f" >>"$unit"
	else
		{
			for h in "${headers[@]}"; do
				printf '#include <%s>\n' "$h"
			done
			printf '#include <%s>\n' stdio.h stdlib.h string.h \
				inttypes.h rte_ethdev.h rte_ether.h rte_ip.h \
				rte_udp.h rte_mbuf.h
			printf 'void nb_readme_snippet(void);\n'
			printf 'void\nnb_readme_snippet(void)\n{\n'
			printf '#line %d "README.md"\n' "$line"
			cat "$f"
			printf '}\n'
		} >"$unit"
	fi
	if ! cc "${CFLAGS[@]}" -c "$unit" -o "$tmp/unit-$n.o" \
		>"$tmp/cc-$n.log" 2>&1; then
		sed 's/^/    /' "$tmp/cc-$n.log"
		fail "README.md line $line: the C snippet does not compile"
	fi
	echo "PASS: README.md line $line: C snippet compiles"
	count=$((count + 1))
done
echo "PASS: readme-snippets ($count C blocks)"
