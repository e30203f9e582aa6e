/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Functional tests of nb_port on DPDK's software PMDs, one mode per run:
 *
 *   port_func pcap DIR          write DIR/in.pcap, read it through a net_pcap
 *                               port (rx_pcap), transmit every packet to
 *                               DIR/out.pcap (tx_pcap), compare byte for byte
 *   port_func tap IFACE         (run inside a network namespace the caller
 *                               created) a net_tap port named IFACE answers
 *                               the kernel's ARP and ping for 198.18.0.2;
 *                               checks what the port saw, what the kernel
 *                               counted (`ip -s link`), then takes the link
 *                               down and up while ping runs and checks that
 *                               traffic resumes
 *   port_func memif-server SOCK N   receive N numbered packets over net_memif
 *   port_func memif-client SOCK N   send them; then the server sees its peer
 *                               go away: link down, sends refused and
 *                               counted, no crash
 *   port_func adopt             a port EAL probed (--vdev) is opened by name,
 *                               given back unclosed at close (a failed open
 *                               harms it not, it opens again);
 *                               telemetry /nbkit/port/list and
 *                               /nbkit/port/stats,<index> read with
 *                               dpdk-telemetry.py
 *
 * Every mode ends with the pool audit at 0 (nothing lost). Exit 0 passed,
 * 1 failed (one FAIL line each), 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "nb_env.h"
#include "nb_pool.h"
#include "nb_port.h"

static unsigned int g_fails;

#define FAIL(...) do {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		g_fails++;						\
	} while (0)

#define CHECK(cond, ...) do {						\
		if (!(cond)) {						\
			FAIL(__VA_ARGS__);				\
		}							\
	} while (0)

#define BURST 32

static struct nb_pool *g_pool;

static int
env_up(const char *const *vdevs, unsigned int nb_vdevs)
{
	struct nb_env_opts o;
	const char *nh = getenv("NB_TEST_NO_HUGE");
	int ret;

	nb_env_opts_init(&o, sizeof(o));
	o.log_level = RTE_LOG_WARNING;
	o.core_list = "0";
	if (nh != NULL && nh[0] != '\0' && strcmp(nh, "0") != 0) {
		o.huge = NB_ENV_HUGE_OFF;
	}
	o.vdevs = vdevs;
	o.nb_vdevs = nb_vdevs;
	ret = nb_env_init(&o);
	if (ret < 0) {
		fprintf(stderr, "FAIL nb_env_init: %s\n", strerror(-ret));
		return -1;
	}
	g_pool = nb_pool_create("func_port", 4095, NULL);
	if (g_pool == NULL) {
		fprintf(stderr, "FAIL nb_pool_create: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
env_down(void)
{
	int missing = nb_pool_audit(g_pool, stderr);

	CHECK(missing == 0, "%d buffers missing from the pool after close", missing);
	nb_pool_destroy(g_pool, true);
	nb_env_fini();
	if (g_fails > 0) {
		fprintf(stderr, "%u failure(s)\n", g_fails);
		return 1;
	}
	printf("passed\n");
	return 0;
}

static struct nb_port *
open_port_promisc(const char *spec, bool promisc)
{
	struct nb_port_conf c;
	struct nb_port *p;

	nb_port_conf_init(&c, sizeof(c));
	c.promiscuous = promisc;
	c.pool = g_pool;
	c.nb_rx_desc = 512;
	c.nb_tx_desc = 512;
	p = nb_port_open(spec, &c);
	if (p == NULL) {
		FAIL("nb_port_open(%s): %s", spec, rte_strerror(rte_errno));
	}
	return p;
}

static struct nb_port *
open_port(const char *spec)
{
	return open_port_promisc(spec, false);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- pcap ----------------------------------------------------------------- */

#define PCAP_N 50

static uint16_t
pcap_len(unsigned int i)
{
	return (uint16_t)(60 + (i * 97) % 1455);	/* 60..1514 */
}

static int
pcap_write(const char *path)
{
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	uint8_t buf[1514];
	FILE *f = fopen(path, "wb");
	unsigned int i, j;

	if (f == NULL) {
		return -1;
	}
	fwrite(gh, sizeof(gh), 1, f);
	for (i = 0; i < PCAP_N; i++) {
		uint32_t rh[4] = { 1000 + i, i, pcap_len(i), pcap_len(i) };

		for (j = 0; j < pcap_len(i); j++) {
			buf[j] = (uint8_t)(i * 31 + j * 7);
		}
		fwrite(rh, sizeof(rh), 1, f);
		fwrite(buf, pcap_len(i), 1, f);
	}
	return fclose(f);
}

/* Read the packets of a pcap file: lengths and data concatenated. */
static int
pcap_read(const char *path, uint32_t *lens, uint8_t *data, size_t room)
{
	uint32_t gh[6], rh[4];
	FILE *f = fopen(path, "rb");
	size_t off = 0;
	int n = 0;

	if (f == NULL || fread(gh, sizeof(gh), 1, f) != 1) {
		if (f != NULL) {
			fclose(f);
		}
		return -1;
	}
	if (gh[0] != 0xa1b2c3d4 && gh[0] != 0xa1b23c4d) {
		fclose(f);
		return -1;
	}
	while (fread(rh, sizeof(rh), 1, f) == 1 && n < PCAP_N + 10) {
		if (rh[2] != rh[3] || off + rh[2] > room ||
		    fread(data + off, rh[2], 1, f) != 1) {
			fclose(f);
			return -1;
		}
		lens[n++] = rh[2];
		off += rh[2];
	}
	fclose(f);
	return n;
}

static int
run_pcap(const char *dir)
{
	static uint8_t din[PCAP_N * 1514], dout[(PCAP_N + 10) * 1514];
	uint32_t lin[PCAP_N + 10], lout[PCAP_N + 10];
	char in[512], out[512], spec[1200];
	struct rte_mbuf *m[BURST];
	struct nb_port_stats st;
	struct nb_port *p;
	uint64_t bytes = 0;
	unsigned int got = 0, sent = 0, i;
	double end;
	int nin, nout;

	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(out, sizeof(out), "%s/out.pcap", dir);
	if (pcap_write(in) != 0) {
		FAIL("writing %s", in);
		return 1;
	}
	if (env_up(NULL, 0) < 0) {
		return 1;
	}
	snprintf(spec, sizeof(spec), "net_pcap%d,rx_pcap=%s,tx_pcap=%s",
		 getpid() % 1000, in, out);
	p = open_port(spec);
	if (p == NULL) {
		return env_down();
	}
	CHECK(nb_port_start(p) == 0, "start");
	for (end = now_s() + 5; got < PCAP_N && now_s() < end;) {
		uint16_t n = nb_port_rx_burst(p, 0, m, BURST);

		for (i = 0; i < n; i++) {
			bytes += m[i]->pkt_len;
		}
		got += n;
		sent += nb_port_tx_burst_all(p, 0, m, n);
	}
	CHECK(got == PCAP_N, "received %u packets of %d", got, PCAP_N);
	CHECK(sent == got, "sent %u of %u", sent, got);
	CHECK(nb_port_stats(p, &st) == 0, "stats");
	CHECK(st.ipackets == PCAP_N && st.opackets == PCAP_N,
	      "stats ipackets %" PRIu64 " opackets %" PRIu64, st.ipackets,
	      st.opackets);
	CHECK(st.ibytes == bytes && st.obytes == bytes,
	      "stats ibytes %" PRIu64 " obytes %" PRIu64 ", expected %" PRIu64,
	      st.ibytes, st.obytes, bytes);
	CHECK(nb_port_close(p) == 0, "close");
	nin = pcap_read(in, lin, din, sizeof(din));
	nout = pcap_read(out, lout, dout, sizeof(dout));
	CHECK(nin == PCAP_N, "%s: %d packets", in, nin);
	CHECK(nout == nin, "%s: %d packets, %s: %d", out, nout, in, nin);
	if (nout == nin && nin > 0) {
		size_t off = 0;

		for (i = 0; i < (unsigned int)nin; i++) {
			CHECK(lout[i] == lin[i], "packet %u: %u bytes out, %u in", i,
			      lout[i], lin[i]);
			if (lout[i] != lin[i]) {
				break;
			}
			CHECK(memcmp(dout + off, din + off, lin[i]) == 0,
			      "packet %u: bytes differ", i);
			off += lin[i];
		}
	}
	printf("pcap: %u packets, %" PRIu64 " bytes through %s\n", got, bytes, spec);
	return env_down();
}

/* ---- tap ------------------------------------------------------------------ */

#define TAP_KERNEL_IP "198.18.0.1"
#define TAP_PORT_IP RTE_IPV4(198u, 18u, 0u, 2u)

struct responder {
	struct nb_port *p;
	struct rte_ether_addr mac;
	uint64_t arp_seen;	/* ARP requests for the port's address */
	uint64_t echo_seen;	/* ICMP echo requests to it */
	uint64_t other;		/* anything else (IPv6 ND, ...) */
	uint64_t replies;	/* frames handed to the port */
};

/* Turn an ARP request for TAP_PORT_IP into the reply, in place. */
static bool
arp_reply(struct responder *r, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);
	uint32_t tip;

	if (m->data_len < sizeof(*eh) + sizeof(*ah) ||
	    ah->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    ah->arp_data.arp_tip != rte_cpu_to_be_32(TAP_PORT_IP)) {
		return false;
	}
	r->arp_seen++;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	ah->arp_data.arp_tha = ah->arp_data.arp_sha;
	tip = ah->arp_data.arp_sip;
	ah->arp_data.arp_sip = ah->arp_data.arp_tip;
	ah->arp_data.arp_tip = tip;
	ah->arp_data.arp_sha = r->mac;
	eh->dst_addr = eh->src_addr;
	eh->src_addr = r->mac;
	return true;
}

/* Turn an ICMP echo request to TAP_PORT_IP into the reply, in place. */
static bool
echo_reply(struct responder *r, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_icmp_hdr *ic;
	struct rte_ether_addr t;
	uint32_t a;
	size_t ihl;

	if (m->data_len < sizeof(*eh) + sizeof(*ip) + sizeof(*ic) ||
	    ip->next_proto_id != IPPROTO_ICMP ||
	    ip->dst_addr != rte_cpu_to_be_32(TAP_PORT_IP)) {
		return false;
	}
	ihl = (size_t)(ip->version_ihl & 0xf) * 4;
	ic = (struct rte_icmp_hdr *)((char *)ip + ihl);
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		return false;
	}
	r->echo_seen++;
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic,
		rte_be_to_cpu_16(ip->total_length) - ihl);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	t = eh->src_addr;
	eh->src_addr = eh->dst_addr;
	eh->dst_addr = t;
	return true;
}

/* One poll: answer what is for us, free the rest. */
static void
respond(struct responder *r)
{
	struct rte_mbuf *m[BURST], *out[BURST];
	uint16_t n, i, k = 0;

	n = nb_port_rx_burst(r->p, 0, m, BURST);
	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		bool mine = false;

		if (m[i]->data_len >= sizeof(*eh)) {
			if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
				mine = arp_reply(r, m[i]);
			} else if (eh->ether_type ==
				   rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
				mine = echo_reply(r, m[i]);
			}
		}
		if (mine) {
			out[k++] = m[i];
		} else {
			r->other++;
			rte_pktmbuf_free(m[i]);
		}
	}
	if (k > 0) {
		r->replies += nb_port_tx_burst_all(r->p, 0, out, k);
	}
}

static pid_t
spawn_sh(const char *cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Answer while @pid runs (at most @secs); its exit status, -1 on timeout. */
static int
respond_while(struct responder *r, pid_t pid, double secs)
{
	double end = now_s() + secs;
	int st;

	while (now_s() < end) {
		respond(r);
		if (waitpid(pid, &st, WNOHANG) == pid) {
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The kernel's RX and TX packet counters of @ifname, from `ip -s -j link`. */
static int
kernel_counts(const char *ifname, uint64_t *rx, uint64_t *tx)
{
	char cmd[256], out[4096];
	const char *r, *t;
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ip -s -j link show dev %s", ifname);
	f = popen(cmd, "r");
	if (f == NULL) {
		return -1;
	}
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	r = strstr(out, "\"rx\":{");
	t = strstr(out, "\"tx\":{");
	if (r == NULL || t == NULL) {
		return -1;
	}
	r = strstr(r, "\"packets\":");
	t = strstr(t, "\"packets\":");
	if (r == NULL || t == NULL) {
		return -1;
	}
	*rx = strtoull(r + strlen("\"packets\":"), NULL, 10);
	*tx = strtoull(t + strlen("\"packets\":"), NULL, 10);
	return 0;
}

static int
run_tap(const char *ifname)
{
	struct responder r;
	struct nb_port_stats st;
	struct nb_link link;
	struct rte_mbuf *m;
	char spec[128];
	uint64_t krx, ktx, krx0, ktx0, sent_down = 0;
	pid_t ping;
	double end;
	int ret;

	if (env_up(NULL, 0) < 0) {
		return 1;
	}
	memset(&r, 0, sizeof(r));
	snprintf(spec, sizeof(spec), "net_tap%d,iface=%s", getpid() % 1000, ifname);
	r.p = open_port_promisc(spec, true);
	if (r.p == NULL) {
		return env_down();
	}
	/* Promiscuous mode reached the device: IFF_PROMISC on the interface. */
	CHECK(sh("test $(( $(cat /sys/class/net/%s/flags) & 0x100 )) -ne 0",
		 ifname) == 0, "%s is not promiscuous", ifname);
	CHECK(nb_port_mac(r.p, &r.mac) == 0, "mac");
	CHECK(nb_port_start(r.p) == 0, "start");
	CHECK(sh("ip addr add " TAP_KERNEL_IP "/24 dev %s && ip link set %s up",
		 ifname, ifname) == 0, "configuring %s", ifname);
	ret = nb_port_link(r.p, &link, 3000);
	CHECK(ret == 0 && link.up, "link not up: %d", ret);
	CHECK(kernel_counts(ifname, &krx0, &ktx0) == 0, "kernel counters");
	nb_port_stats_reset(r.p);
	ping = spawn_sh("exec ping -c 3 -i 0.2 -W 2 -n 198.18.0.2 >/dev/null");
	ret = respond_while(&r, ping, 15);
	CHECK(ret == 0, "ping through the port: exit %d", ret);
	CHECK(r.arp_seen >= 1, "no ARP request from the kernel seen");
	CHECK(r.echo_seen >= 3, "%" PRIu64 " echo requests seen, expected 3",
	      r.echo_seen);
	/* Let late frames arrive, then compare with the kernel's counters. */
	for (end = now_s() + 0.3; now_s() < end;) {
		respond(&r);
	}
	CHECK(nb_port_stats(r.p, &st) == 0, "stats");
	CHECK(kernel_counts(ifname, &krx, &ktx) == 0, "kernel counters");
	CHECK(st.opackets == r.replies, "port opackets %" PRIu64 ", replies %"
	      PRIu64, st.opackets, r.replies);
	CHECK(krx - krx0 == st.opackets,
	      "kernel counted %" PRIu64 " frames from the port, it sent %" PRIu64,
	      krx - krx0, st.opackets);
	CHECK(st.ipackets == r.arp_seen + r.echo_seen + r.other &&
	      st.ipackets <= ktx - ktx0 && st.ipackets >= 4,
	      "port received %" PRIu64 " (%" PRIu64 " seen), kernel sent %" PRIu64,
	      st.ipackets, r.arp_seen + r.echo_seen + r.other, ktx - ktx0);
	printf("tap: kernel sent %" PRIu64 " frames, the port saw %" PRIu64
	       " (%" PRIu64 " ARP, %" PRIu64 " echo); the port sent %" PRIu64
	       ", the kernel counted %" PRIu64 "\n", ktx - ktx0, st.ipackets,
	       r.arp_seen, r.echo_seen, st.opackets, krx - krx0);

	/* Link down and up while ping runs. */
	ping = spawn_sh("exec ping -c 40 -i 0.05 -W 1 -n 198.18.0.2 >/dev/null");
	for (end = now_s() + 0.5; now_s() < end;) {
		respond(&r);
	}
	CHECK(sh("ip link set %s down", ifname) == 0, "link down");
	ret = nb_port_link(r.p, &link, 0);
	for (end = now_s() + 3; ret == 0 && link.up && now_s() < end;) {
		respond(&r);
		ret = nb_port_link(r.p, &link, 0);
	}
	CHECK(ret == 0 && !link.up, "link still up after ip link set down");
	/* Send while down: refused or dropped by the kernel, never a crash. */
	for (end = now_s() + 0.3; now_s() < end;) {
		m = nb_pool_alloc(g_pool);
		if (m != NULL) {
			uint8_t frame[60];
			struct rte_ether_hdr *eh = (struct rte_ether_hdr *)frame;
			char *d = rte_pktmbuf_append(m, sizeof(frame));

			memset(frame, 0, sizeof(frame));
			memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
			eh->src_addr = r.mac;
			eh->ether_type = rte_cpu_to_be_16(0x88b5);
			if (d == NULL) {
				rte_pktmbuf_free(m);
				continue;
			}
			memcpy(d, frame, sizeof(frame));
			sent_down += nb_port_tx_burst_all(r.p, 0, &m, 1);
		}
		respond(&r);
	}
	CHECK(sh("ip link set %s up", ifname) == 0, "link up");
	ret = nb_port_link(r.p, &link, 3000);
	CHECK(ret == 0 && link.up, "link not back up: %d", ret);
	ret = respond_while(&r, ping, 15);
	CHECK(ret == 0 || ret == 1, "ping during down/up: exit %d", ret);
	ping = spawn_sh("exec ping -c 3 -i 0.2 -W 2 -n 198.18.0.2 >/dev/null");
	ret = respond_while(&r, ping, 15);
	CHECK(ret == 0, "traffic did not resume after link up: ping exit %d", ret);
	CHECK(nb_port_stats(r.p, &st) == 0, "stats");
	printf("tap: down/up: %" PRIu64 " frames taken while down, %" PRIu64
	       " dropped by nbkit, oerrors %" PRIu64 "; ping resumed\n",
	       sent_down, st.tx_dropped, st.oerrors);
	CHECK(nb_port_close(r.p) == 0, "close");
	return env_down();
}

/* ---- memif ---------------------------------------------------------------- */

#define MEMIF_LEN 128

static int
run_memif(const char *sock, unsigned int n, bool server)
{
	char spec[256];
	struct rte_mbuf *m[BURST];
	struct nb_port_stats st;
	struct nb_link link;
	struct nb_port *p;
	unsigned int done = 0, bad = 0, i, round;
	double end;
	int ret;

	if (env_up(NULL, 0) < 0) {
		return 1;
	}
	snprintf(spec, sizeof(spec), "net_memif%d,role=%s,socket=%s,socket-abstract=no",
		 getpid() % 1000, server ? "server" : "client", sock);
	p = open_port(spec);
	if (p == NULL) {
		return env_down();
	}
	ret = nb_port_start(p);
	CHECK(ret == 0, "start: %d", ret);
	if (ret == 0) {
		ret = nb_port_link(p, &link, 20000);
		CHECK(ret == 0 && link.up, "%s: memif link not up: %d",
		      server ? "server" : "client", ret);
	}
	if (ret != 0) {
		nb_port_close(p);
		return env_down();
	}
	if (server) {
		/* Two clients, one after the other: traffic resumes with the second. */
		for (round = 0; round < 2; round++) {
			if (round > 0) {
				ret = nb_port_link(p, &link, 20000);
				CHECK(ret == 0 && link.up, "link not back up for the "
				      "second client: %d", ret);
			}
			nb_port_stats_reset(p);
			done = 0;
			bad = 0;
			for (end = now_s() + 20; done < n && now_s() < end;) {
				uint16_t k = nb_port_rx_burst(p, 0, m, BURST);

				for (i = 0; i < k; i++) {
					const uint32_t *d = rte_pktmbuf_mtod(m[i], const uint32_t *);

					if (m[i]->pkt_len != MEMIF_LEN || d[0] != done + i ||
					    d[1] != ~(done + i)) {
						bad++;
					}
				}
				rte_pktmbuf_free_bulk(m, k);
				done += k;
			}
			CHECK(done == n, "server received %u of %u", done, n);
			CHECK(bad == 0, "%u packets with wrong contents", bad);
			CHECK(nb_port_stats(p, &st) == 0 && st.ipackets == n,
			      "ipackets %" PRIu64 ", expected %u", st.ipackets, n);
			/* The client exits after sending: its peer goes away. */
			ret = nb_port_link(p, &link, 0);
			for (end = now_s() + 20; ret == 0 && link.up && now_s() < end;) {
				usleep(10000);
				ret = nb_port_link(p, &link, 0);
			}
			CHECK(ret == 0 && !link.up, "link still up after the client left");
			for (i = 0; i < 10; i++) {
				struct rte_mbuf *x = nb_pool_alloc(g_pool);

				if (x != NULL) {
					rte_pktmbuf_append(x, 60);
					CHECK(nb_port_tx_burst_all(p, 0, &x, 1) == 0,
					      "a send to a peer that left was taken");
				}
			}
			CHECK(nb_port_stats(p, &st) == 0 && st.tx_dropped == 10,
			      "tx_dropped %" PRIu64 ", expected 10", st.tx_dropped);
			printf("memif server, client %u: %u packets received; peer "
			       "left: link down, %" PRIu64 " sends refused and "
			       "counted\n", round + 1, done, st.tx_dropped);
		}
	} else {
		for (end = now_s() + 20; done < n && now_s() < end;) {
			uint16_t k = (uint16_t)RTE_MIN((unsigned int)BURST, n - done), s;

			if (nb_pool_alloc_bulk(g_pool, m, k) != 0) {
				continue;
			}
			for (i = 0; i < k; i++) {
				uint32_t *d = (uint32_t *)rte_pktmbuf_append(m[i], MEMIF_LEN);

				memset(d, 0, MEMIF_LEN);
				d[0] = done + i;
				d[1] = ~(done + i);
			}
			s = nb_port_tx_burst(p, 0, m, k);
			rte_pktmbuf_free_bulk(m + s, k - s);
			done += s;
		}
		CHECK(done == n, "client sent %u of %u", done, n);
		CHECK(nb_port_stats(p, &st) == 0 && st.opackets == n,
		      "opackets %" PRIu64 ", expected %u", st.opackets, n);
		/* Give the server time to read before we go away. */
		sleep(1);
		printf("memif client: %u packets sent\n", done);
	}
	CHECK(nb_port_close(p) == 0, "close");
	return env_down();
}

/* ---- adopt and telemetry -------------------------------------------------- */

static int
telemetry(const char *cmd, char *out, size_t len)
{
	char line[512];
	FILE *f;
	size_t n;

	snprintf(line, sizeof(line),
		 "echo '%s' | dpdk-telemetry.py -f nb%d 2>&1", cmd, getpid());
	f = popen(line, "r");
	if (f == NULL) {
		return -1;
	}
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	return pclose(f) == 0 ? 0 : -1;
}

static int
run_adopt(void)
{
	static const char *const vdevs[] = { "net_null42" };
	struct rte_mbuf *m[BURST];
	struct nb_port_conf c;
	struct nb_port *p, *q;
	char out[4096], cmd[64];
	uint16_t pid;
	uint16_t n;
	int idx;

	if (env_up(vdevs, 1) < 0) {
		return 1;
	}
	p = open_port("net_null42");
	if (p == NULL) {
		return env_down();
	}
	CHECK(nb_port_id(p) != NB_PORT_ID_NONE, "no ethdev id");
	q = nb_port_open("net_null42", NULL);
	CHECK(q == NULL && rte_errno == EINVAL, "open with NULL conf");
	CHECK(nb_port_start(p) == 0, "start");
	n = nb_port_rx_burst(p, 0, m, BURST);
	CHECK(n == BURST, "rx %u", n);
	CHECK(nb_port_tx_burst_all(p, 0, m, n) == n, "tx");
	idx = nb_port_index(p);
	CHECK(telemetry("/nbkit/port/list", out, sizeof(out)) == 0,
	      "dpdk-telemetry.py: %s", out);
	snprintf(cmd, sizeof(cmd), "[%d]", idx);
	CHECK(strstr(out, cmd) != NULL, "/nbkit/port/list: no %s in %s", cmd, out);
	snprintf(cmd, sizeof(cmd), "/nbkit/port/stats,%d", idx);
	CHECK(telemetry(cmd, out, sizeof(out)) == 0, "dpdk-telemetry.py: %s", out);
	CHECK(strstr(out, "\"ipackets\": 32") != NULL &&
	      strstr(out, "\"opackets\": 32") != NULL &&
	      strstr(out, "\"name\": \"net_null42\"") != NULL,
	      "/nbkit/port/stats: %s", out);
	printf("telemetry: %s", out);
	CHECK(telemetry("/nbkit/port/stats,999", out, sizeof(out)) == 0 &&
	      strstr(out, "null") != NULL, "unknown port: %s", out);
	pid = nb_port_id(p);
	CHECK(nb_port_close(p) == 0, "close");
	/* EAL's port is given back, not closed: a failed open harms nothing,
	 * a correct one works again */
	nb_port_conf_init(&c, sizeof(c));
	c.pool = g_pool;
	c.nb_rx_queues = NB_PORT_MAX_QUEUES + 1;
	CHECK(nb_port_open("net_null42", &c) == NULL && rte_errno == EINVAL,
	      "65 queues");
	p = open_port("net_null42");
	CHECK(p != NULL, "reopen after close and a failed open");
	if (p != NULL) {
		CHECK(nb_port_close(p) == 0, "close");
	}
	/* the application closes its ports (the buffers come back) */
	CHECK(rte_eth_dev_close(pid) == 0, "rte_eth_dev_close");
	return env_down();
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "pcap") == 0) {
		return run_pcap(argv[2]);
	}
	if (argc == 3 && strcmp(argv[1], "tap") == 0) {
		return run_tap(argv[2]);
	}
	if (argc == 4 && strcmp(argv[1], "memif-server") == 0) {
		return run_memif(argv[2], (unsigned int)atoi(argv[3]), true);
	}
	if (argc == 4 && strcmp(argv[1], "memif-client") == 0) {
		return run_memif(argv[2], (unsigned int)atoi(argv[3]), false);
	}
	if (argc == 2 && strcmp(argv[1], "adopt") == 0) {
		return run_adopt();
	}
	fprintf(stderr, "usage: %s pcap DIR | tap IFACE | memif-server SOCK N | "
		"memif-client SOCK N | adopt\n", argv[0]);
	return 2;
}
