#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# install: `meson install` the build into a temporary directory, build
# examples/hello there out of tree against it with pkg-config, as a user's
# DPDK application would be built, and run it. Also checks that libnbkit.so
# exports only nb_ symbols, and builds and runs examples/hello and
# examples/udp_clone both ways: shared (`pkg-config --libs libnbkit`) and
# static (`pkg-config --static --libs libnbkit`: libnbkit.a and DPDK's static
# archives, nothing of libnbkit.so or DPDK's shared objects). A static build
# that fails is a FAIL: devtools/setup.sh installs what it needs
# (libsystemd-dev among others).
#
# Usage: install_example.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=${1:?usage: install_example.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: install_example.sh SOURCE_DIR BUILD_DIR}

# EAL arguments that never touch hugepages, PCI or shared files, so this
# test cannot collide with anything else running on the machine.
EAL_ARGS=(--no-pci --no-huge --no-shconf -m 128 --log-level=warning)
# The one line hello prints on success.
HELLO_RE='^hello: 1048576 bytes of DMA memory at va 0x[0-9a-f]+ iova (0x[0-9a-f]+) socket [0-9]+ \(no hugepages\)$'

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nbkit-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Print a log file and fail.
fail_log() {
	local log=$1

	shift
	sed 's/^/    /' "$log" >&2
	fail "$*"
}

# --- install ----------------------------------------------------------------

dest=$tmp/dest
if ! meson install -C "$build" --no-rebuild --destdir "$dest" \
	>"$tmp/install.log" 2>&1; then
	fail_log "$tmp/install.log" "meson install --destdir failed"
fi

pc=$(find "$dest" -name libnbkit.pc -print -quit)
[[ -n $pc ]] || fail "libnbkit.pc is not installed"
so=$(find "$dest" -name libnbkit.so -print -quit)
[[ -n $so ]] || fail "libnbkit.so is not installed"
libdir=$(dirname "$so")
[[ -f $libdir/libnbkit.a ]] || fail "libnbkit.a is not installed beside $so"
echo "installed: ${pc#"$dest"}, ${so#"$dest"}"

# Point pkg-config at the staged installation. PKG_CONFIG_SYSROOT_DIR would
# do it for libnbkit, but it also prefixes the -I/-L of the system's
# libdpdk.pc (which libnbkit requires) with the staging directory. So
# relocate a copy of libnbkit.pc instead: its prefix moves under $dest, and
# everything else in it must follow from the prefix.
pcdir=$tmp/pkgconfig
mkdir -p "$pcdir"
for f in "$(dirname "$pc")"/libnbkit*.pc; do
	while IFS= read -r line; do
		if [[ $line == prefix=* ]]; then
			line="prefix=$dest${line#prefix=}"
		fi
		printf '%s\n' "$line"
	done <"$f" >"$pcdir/$(basename "$f")"
done
export PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKGCONF=${PKGCONF:-pkg-config}

cflags=$($PKGCONF --cflags libnbkit) ||
	fail "pkg-config --cflags libnbkit failed"
libs=$($PKGCONF --libs libnbkit) || fail "pkg-config --libs libnbkit failed"
incdir=
read -ra words <<<"$cflags"
for w in "${words[@]}"; do
	if [[ $w == -I"$dest"/*/nbkit ]]; then
		incdir=${w#-I}
	fi
done
[[ -n $incdir ]] ||
	fail "libnbkit.pc Cflags do not name the installed include/nbkit: $cflags"
[[ -f $incdir/nb_env.h ]] || fail "nb_env.h is not installed in $incdir"
[[ " $libs " == *" -L$libdir "* ]] ||
	fail "libnbkit.pc Libs do not name the installed libdir $libdir: $libs"

# --- exported symbols -------------------------------------------------------

syms=$(nm -D --defined-only "$so" | awk '{ sub(/@.*/, "", $NF); print $NF }')
bad=$(grep -v -e '^nb_' -e '^NBKIT_0$' <<<"$syms" || true)
[[ -z $bad ]] || fail "libnbkit.so exports non-nb_ symbols: $(paste -sd ' ' <<<"$bad")"
grep -qx nb_env_init <<<"$syms" || fail "libnbkit.so does not export nb_env_init"
grep -qx nb_dma_zmalloc <<<"$syms" ||
	fail "libnbkit.so does not export nb_dma_zmalloc"
echo "PASS: libnbkit.so exports $(grep -c '^nb_' <<<"$syms") symbols, all nb_"

# --- hello, shared ----------------------------------------------------------

work=$tmp/hello
cp -r "$src/examples/hello" "$work"
make -C "$work" clean >/dev/null

# A sanitizer build of nbkit needs the program built with the same
# sanitizers (the ASan runtime must come first).
san=
if readelf -d "$so" | grep -q 'NEEDED.*libasan'; then
	san+=" -fsanitize=address"
fi
if readelf -d "$so" | grep -q 'NEEDED.*libubsan'; then
	san+=" -fsanitize=undefined"
fi
if [[ -n $san ]]; then
	export CFLAGS="${CFLAGS:-}$san"
	echo "sanitizers: building hello with$san"
fi

# Run a hello binary; check the exit status and the one line it prints.
run_hello() {
	local bin=$1 out rc line iova

	shift
	rc=0
	out=$("$@" timeout 60 "$work/$bin" "${EAL_ARGS[@]}" 2>&1) || rc=$?
	if ((rc != 0)); then
		printf '%s\n' "$out" | sed 's/^/    /' >&2
		fail "$bin exited with status $rc"
	fi
	line=$(grep -E "$HELLO_RE" <<<"$out" || true)
	if [[ -z $line ]]; then
		printf '%s\n' "$out" | sed 's/^/    /' >&2
		fail "$bin did not print the DMA memory line"
	fi
	[[ $line =~ $HELLO_RE ]]
	iova=${BASH_REMATCH[1]}
	[[ ! $iova =~ ^0x0+$ ]] || fail "$bin: DMA memory has IOVA 0: $line"
	echo "PASS: $bin: $line"
}

if ! make -C "$work" >"$tmp/make.log" 2>&1; then
	fail_log "$tmp/make.log" "make (shared) of examples/hello failed"
fi
# The shared hello must load the staged libnbkit.so, not another one.
loaded=$(LD_LIBRARY_PATH=$libdir ldd "$work/hello" | awk '$1 ~ /^libnbkit\.so/ { print $3 }')
[[ $loaded == "$libdir"/* ]] ||
	fail "hello loads libnbkit from '$loaded', not from $libdir"
run_hello hello env LD_LIBRARY_PATH="$libdir"

# --- hello, static ----------------------------------------------------------
# Exactly the README's command: pkg-config --static --libs libnbkit.

# A static program must carry no libnbkit.so and no shared DPDK.
check_static() {
	local bin=$1 needed

	needed=$(readelf -d "$bin" | awk '/NEEDED/ { gsub(/[][]/, "", $NF); print $NF }')
	if grep -Eq '^(libnbkit|librte_)' <<<"$needed"; then
		fail "$bin is not static against nbkit and DPDK: it needs" \
		     "$(grep -E '^(libnbkit|librte_)' <<<"$needed" | paste -sd ' ')"
	fi
}

static_libs=$($PKGCONF --static --libs libnbkit 2>"$tmp/static.log") ||
	fail_log "$tmp/static.log" "pkg-config --static --libs libnbkit failed"
[[ " $static_libs " == *" -l:libnbkit.a "* ]] ||
	fail "pkg-config --static --libs libnbkit does not name libnbkit.a: $static_libs"
if ! make -C "$work" static >"$tmp/make-static.log" 2>&1; then
	fail_log "$tmp/make-static.log" "make static of examples/hello failed" \
		"(run devtools/setup.sh: static DPDK needs libsystemd-dev)"
fi
check_static "$work/hello-static"
run_hello hello-static env

# --- udp_clone: the README's buffer API example ------------------------------
# Builds a UDP packet layer by layer, clones it to two net_null ports, frees
# everything and checks the pool audit.
uwork=$tmp/udp_clone
cp -r "$src/examples/udp_clone" "$uwork"
make -C "$uwork" clean >/dev/null
if ! make -C "$uwork" >"$tmp/make-udp.log" 2>&1; then
	fail_log "$tmp/make-udp.log" "make of examples/udp_clone failed"
fi
if ! make -C "$uwork" static >"$tmp/make-udp-static.log" 2>&1; then
	fail_log "$tmp/make-udp-static.log" "make static of examples/udp_clone failed"
fi
check_static "$uwork/udp_clone-static"

# Run a udp_clone binary and check what it prints.
run_udp() {
	local bin=$1 out rc want

	shift
	rc=0
	out=$("$@" timeout 60 "$uwork/$bin" --no-huge 2>&1) || rc=$?
	if ((rc != 0)); then
		printf '%s\n' "$out" | sed 's/^/    /' >&2
		fail "$bin exited with status $rc"
	fi
	for want in 'sent 1 \(the original\)' 'sent 1 \(the clone\)' \
		    'pool audit: 0 buffer\(s\) out'; do
		if ! grep -Eq "$want" <<<"$out"; then
			printf '%s\n' "$out" | sed 's/^/    /' >&2
			fail "$bin did not print '$want'"
		fi
	done
	echo "PASS: $bin: original and clone sent on two net_null ports, audit 0"
}
run_udp udp_clone env LD_LIBRARY_PATH="$libdir"
run_udp udp_clone-static env

echo "PASS: install"
