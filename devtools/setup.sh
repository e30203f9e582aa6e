#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine for building and running nbkit: install the
# packages it needs and reserve 2 MB hugepages. Safe to run again: it only
# does what is missing, and prints at most one line when nothing is.
set -euo pipefail

PACKAGES=(dpdk dpdk-dev libdpdk-dev libnuma-dev libcunit1-dev meson
	  ninja-build pkg-config gcc make iproute2 iputils-ping
	  clang libclang-rt-14-dev
	  libsystemd-dev)
# libsystemd-dev: `pkg-config --static --libs libdpdk` (and so libnbkit's
# static link) needs it (libpcap -> dbus-1 -> libsystemd) and libdpdk-dev
# does not depend on it.
# gnuplot-nox: test/perf/fwd-vs-testpmd.sh draws its sweep with it.
PACKAGES+=(gnuplot-nox)
# iperf3: fwd-iperf sends the kernel's TCP through nb-fwd and testpmd.
PACKAGES+=(iperf3)
HP_SYS=/sys/kernel/mm/hugepages/hugepages-2048kB
HP_MNT=/dev/hugepages
PROG=setup

pages=512
quiet=0
do_hugepages=1

usage() {
	cat <<USAGE
Usage: $0 [--quiet] [--no-hugepages] [--pages N]

Prepare a Debian 12 machine for nbkit (run as root):
  - install the missing packages among:
      ${PACKAGES[*]}
  - raise the number of 2 MB hugepages to N (never lowers it) and mount
    hugetlbfs at $HP_MNT.
Without root, only checks the packages. Without hugepages, nbkit runs with
--no-huge. The hugepage reservation does not survive a reboot.

Exit status: 0 ready (or running without hugepages), 1 failure,
2 bad arguments.

Options:
  --pages N       2 MB hugepages to reserve (default $pages)
  --no-hugepages  skip the hugepage step
  --quiet, -q     print only warnings and errors
  --help, -h      this text
USAGE
}

say() {
	if ((!quiet)); then
		printf '%s: %s\n' "$PROG" "$*"
	fi
}

warn() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

die() {
	warn "$*"
	exit 1
}

# A bad argument: one line, exit 2 (as nbkit's apps do).
usage_error() {
	warn "$* (see $0 --help)"
	exit 2
}

while (($# > 0)); do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-q | --quiet)
		quiet=1
		;;
	--no-hugepages)
		do_hugepages=0
		;;
	--pages)
		(($# >= 2)) || usage_error "--pages needs a number"
		pages=$2
		shift
		;;
	--pages=*)
		pages=${1#--pages=}
		;;
	*)
		usage_error "unknown option '$1'"
		;;
	esac
	shift
done

if ! [[ $pages =~ ^[0-9]{1,7}$ ]]; then
	usage_error "--pages: '$pages' is not a page count"
fi
pages=$((10#$pages))

is_root=0
if ((EUID == 0)); then
	is_root=1
fi

# --- packages ---------------------------------------------------------------

command -v dpkg-query >/dev/null 2>&1 ||
	die "dpkg-query not found: this script is for Debian 12"

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	if [[ $status != ii* ]]; then
		missing+=("$p")
	fi
done

did=()
if ((${#missing[@]} > 0)); then
	if ((!is_root)); then
		warn "missing packages: ${missing[*]}"
		warn "install them with: sudo apt-get install -y ${missing[*]}" \
		     "(or run: sudo $0)"
		exit 1
	fi
	say "installing ${missing[*]}"
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -q &&
	       apt-get install -y -q "${missing[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		die "apt-get failed to install: ${missing[*]}"
	fi
	if ((!quiet)); then
		grep -E '^(Setting up|E:|W:)' "$log" || true
	fi
	did+=("installed ${#missing[@]} package(s)")
fi

# --- hugepages --------------------------------------------------------------

hugetlbfs_mounted() {
	local mnt fs

	while read -r _ mnt fs _; do
		if [[ $mnt == "$HP_MNT" && $fs == hugetlbfs ]]; then
			return 0
		fi
	done </proc/mounts
	return 1
}

no_huge() {
	warn "no hugepages ($*): nbkit will run with --no-huge"
	exit 0
}

hp_cur=0
if [[ -r $HP_SYS/nr_hugepages ]]; then
	hp_cur=$(<"$HP_SYS/nr_hugepages")
fi

if ((do_hugepages)); then
	if ! grep -qw hugetlbfs /proc/filesystems 2>/dev/null ||
	   [[ ! -d $HP_SYS ]]; then
		no_huge "this kernel has no 2 MB hugepage support"
	fi
	if ((hp_cur >= pages)) && hugetlbfs_mounted; then
		: # already there
	elif ((!is_root)); then
		warn "hugepages not reserved (not root): $hp_cur of $pages" \
		     "2 MB pages; run as root for more, else nbkit uses --no-huge"
		exit 0
	else
		if ((hp_cur < pages)); then
			if ! echo "$pages" >"$HP_SYS/nr_hugepages" 2>/dev/null; then
				no_huge "cannot write $HP_SYS/nr_hugepages"
			fi
			hp_new=$(<"$HP_SYS/nr_hugepages")
			if ((hp_new == 0)); then
				no_huge "the kernel reserved none of $pages pages"
			fi
			if ((hp_new < pages)); then
				warn "only $hp_new of $pages 2 MB hugepages" \
				     "could be reserved (memory short or fragmented)"
			fi
			did+=("raised 2 MB hugepages from $hp_cur to $hp_new")
			hp_cur=$hp_new
		fi
		if ! hugetlbfs_mounted; then
			if ! mkdir -p "$HP_MNT" 2>/dev/null ||
			   ! mount -t hugetlbfs -o pagesize=2M nodev "$HP_MNT" \
				2>/dev/null; then
				no_huge "cannot mount hugetlbfs at $HP_MNT"
			fi
			did+=("mounted hugetlbfs at $HP_MNT")
		fi
	fi
fi

# --- summary: one line ------------------------------------------------------

if ((do_hugepages)); then
	huge="$hp_cur x 2 MB hugepages, hugetlbfs at $HP_MNT"
else
	huge="hugepages not checked (--no-hugepages)"
fi
if ((${#did[@]} > 0)); then
	done_list=$(printf '%s; ' "${did[@]}")
	say "done: ${done_list}$huge"
else
	say "ready: packages present, $huge"
fi
