#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Functional port tests around port_func: each mode creates only its own
# things (names with this shell's pid) and removes them on exit, also when
# the test fails (trap).
#   port_func.sh BIN pcap    net_pcap byte for byte, in a temporary directory
#   port_func.sh BIN tap     net_tap inside a network namespace made here
#   port_func.sh BIN memif   net_memif between two nbkit processes
#   port_func.sh BIN adopt   a --vdev port opened by name; telemetry
set -u
bin=$1
mode=$2
id=$$
# A signal (meson's timeout) ends the script through exit, so the EXIT trap
# of each mode still removes what it created.
trap 'exit 1' INT TERM HUP

case $mode in
pcap)
	dir=$(mktemp -d /tmp/nbport-pcap.$id.XXXXXX) || exit 1
	trap 'rm -rf "$dir"' EXIT
	"$bin" pcap "$dir"
	;;
tap)
	ns=nbns$id
	ip netns add "$ns" || exit 1
	trap 'ip netns del "$ns" 2>/dev/null' EXIT
	ip netns exec "$ns" ip link set lo up
	# The tap interface is created by the port inside the namespace and
	# goes away with the port (and with the namespace at the latest).
	ip netns exec "$ns" "$bin" tap nbt$id
	;;
memif)
	sock=/tmp/nbport-memif.$id.sock
	spid=
	trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -f "$sock"' EXIT
	"$bin" memif-server "$sock" 10000 &
	spid=$!
	# The server's socket exists once its port is open.
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	# Two clients one after the other: the server sees the first leave
	# and traffic resume with the second.
	"$bin" memif-client "$sock" 10000
	crc=$?
	"$bin" memif-client "$sock" 10000
	crc2=$?
	wait $spid
	src=$?
	spid=
	echo "memif: client exits $crc $crc2, server exit $src"
	[ $crc -eq 0 ] && [ $crc2 -eq 0 ] && [ $src -eq 0 ]
	;;
adopt)
	"$bin" adopt
	;;
*)
	echo "usage: $0 BIN pcap|tap|memif|adopt" >&2
	exit 2
	;;
esac
