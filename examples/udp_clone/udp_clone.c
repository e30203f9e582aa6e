/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp_clone: nbkit's buffer API in one program, built out of tree against
 * the installed library with pkg-config (see the Makefile beside it).
 *
 * It brings up the environment with two null ports (net_null0, net_null1),
 * sets both up on one nbkit pool, builds a UDP/IPv4 packet layer by layer
 * (payload first, then each header pushed in front of it, as a stack
 * does), clones it without copying a byte, sends the original on port 0
 * and the clone on port 1, stops the ports and checks with the pool's
 * audit that every buffer came back. One line per step.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include <nb_buf.h>
#include <nb_env.h>
#include <nb_pool.h>

#define NB_PORTS	2
#define POOL_SIZE	1023	/* buffers (2^k - 1) */
#define RING_SIZE	64	/* rx and tx descriptors per port */
#define UDP_SRC_PORT	1024
#define UDP_DST_PORT	9	/* discard */

static const char *const g_vdevs[NB_PORTS] = { "net_null0", "net_null1" };
static const char g_payload[] = "hello from nbkit: one packet, two ports";

static void
usage(const char *prog)
{
	printf("Usage: %s [--no-huge]\n"
	       "\n"
	       "Build a UDP/IPv4 packet (198.18.0.1 -> 198.18.0.2) with\n"
	       "nbkit's buffer API, clone it, send the original on net_null0\n"
	       "and the clone on net_null1, and check that every buffer\n"
	       "comes back. --no-huge runs without hugepages (default:\n"
	       "hugepages when there are free ones).\n",
	       prog);
}

/* Configure one rx and one tx queue on @port, receiving into @mp, and start. */
static int
port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int socket = rte_eth_dev_socket_id(port);
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0) {
		ret = rte_eth_rx_queue_setup(port, 0, RING_SIZE,
					     (unsigned int)socket, NULL, mp);
	}
	if (ret == 0) {
		ret = rte_eth_tx_queue_setup(port, 0, RING_SIZE,
					     (unsigned int)socket, NULL);
	}
	if (ret == 0) {
		ret = rte_eth_dev_start(port);
	}
	return ret;
}

/*
 * The packet, layer by layer: allocate with the headroom of every header
 * below the payload (NB_LAYER_TRANSPORT), write the payload, then push
 * UDP, IPv4 and Ethernet in front of it. Each push returns where its
 * header goes; no byte of the payload moves.
 */
static struct rte_mbuf *
build_udp(struct nb_pool *p, const struct rte_ether_addr *src_mac)
{
	static const struct rte_ether_addr dst_mac = {
		.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
	};
	const uint16_t plen = (uint16_t)(sizeof(g_payload) - 1);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;

	m = nb_buf_alloc(p, NB_LAYER_TRANSPORT, plen);
	if (m == NULL) {
		return NULL;
	}
	if (nb_buf_copy_in(m, 0, g_payload, plen, NULL) != 0) {
		nb_buf_free(m);
		return NULL;
	}

	udp = nb_buf_push(m, sizeof(*udp));
	ip = udp != NULL ? nb_buf_push(m, sizeof(*ip)) : NULL;
	eth = ip != NULL ? nb_buf_push(m, sizeof(*eth)) : NULL;
	if (eth == NULL) {
		nb_buf_free(m);	/* less headroom than the layer's? */
		return NULL;
	}

	udp->src_port = rte_cpu_to_be_16(UDP_SRC_PORT);
	udp->dst_port = rte_cpu_to_be_16(UDP_DST_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + plen));
	udp->dgram_cksum = 0;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) +
						       sizeof(*udp) + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	/* 198.18.0.1 -> 198.18.0.2 (not RTE_IPV4(): in DPDK 22.11 it shifts a
	 * signed int, undefined for a first byte above 127). */
	ip->src_addr = rte_cpu_to_be_32(UINT32_C(0xc6120001));
	ip->dst_addr = rte_cpu_to_be_32(UINT32_C(0xc6120002));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);

	rte_ether_addr_copy(&dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	return m;
}

/* Send one packet on queue 0 of @port; free it if the port did not take it. */
static uint16_t
send_one(uint16_t port, struct rte_mbuf *m)
{
	uint16_t sent = rte_eth_tx_burst(port, 0, &m, 1);

	if (sent == 0) {
		nb_buf_free(m);
	}
	return sent;
}

int
main(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "udp_clone";
	const struct rte_ipv4_hdr *ip;
	struct rte_mbuf *orig, *clone;
	struct rte_ether_addr mac;
	struct rte_eth_stats st;
	struct nb_env_opts eo;
	struct nb_pool *p;
	uint16_t port[NB_PORTS], sent[NB_PORTS];
	bool started[NB_PORTS] = { false, false };
	int ret, audit, i, rc = EXIT_FAILURE;

	nb_env_opts_init(&eo, sizeof(eo));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(prog);
			return EXIT_SUCCESS;
		} else if (strcmp(argv[i], "--no-huge") == 0) {
			eo.huge = NB_ENV_HUGE_OFF;
		} else {
			fprintf(stderr, "%s: unexpected argument '%s' "
				"(see --help)\n", prog, argv[i]);
			return 2;
		}
	}

	/* 1. Environment: EAL with the two null ports. */
	eo.name = prog;
	eo.vdevs = g_vdevs;
	eo.nb_vdevs = NB_PORTS;
	eo.log_level = RTE_LOG_WARNING;
	ret = nb_env_init(&eo);
	if (ret < 0) {
		fprintf(stderr, "%s: cannot initialise nbkit: %s\n", prog,
			strerror(-ret));
		return EXIT_FAILURE;
	}
	for (i = 0; i < NB_PORTS; i++) {
		if (rte_eth_dev_get_port_by_name(g_vdevs[i], &port[i]) != 0) {
			fprintf(stderr, "%s: no port %s\n", prog, g_vdevs[i]);
			goto out_env;
		}
	}
	printf("udp_clone: env up, %s is port %u and %s is port %u\n",
	       g_vdevs[0], port[0], g_vdevs[1], port[1]);

	/* 2. One pool for both ports and for the packets we build. */
	p = nb_pool_create("udp_clone", POOL_SIZE, NULL);
	if (p == NULL) {
		fprintf(stderr, "%s: nb_pool_create: %s\n", prog,
			rte_strerror(rte_errno));
		goto out_env;
	}
	printf("udp_clone: pool %s: %u buffers of %u B of data\n",
	       nb_pool_name(p), POOL_SIZE, nb_pool_data_size(p));

	/* 3. Ports: the pool's rte_mempool is what DPDK's calls take. */
	for (i = 0; i < NB_PORTS; i++) {
		ret = port_start(port[i], nb_pool_mempool(p));
		if (ret != 0) {
			fprintf(stderr, "%s: port %u: %s\n", prog, port[i],
				rte_strerror(-ret));
			goto out_ports;
		}
		started[i] = true;
		printf("udp_clone: port %u started (1 rx and 1 tx queue)\n",
		       port[i]);
	}

	/* 4. The packet, payload first, headers pushed in front. */
	ret = rte_eth_macaddr_get(port[0], &mac);
	if (ret != 0) {
		fprintf(stderr, "%s: port %u: no MAC address: %s\n", prog,
			port[0], rte_strerror(-ret));
		goto out_ports;
	}
	orig = build_udp(p, &mac);
	if (orig == NULL) {
		fprintf(stderr, "%s: cannot build the packet: %s\n", prog,
			rte_strerror(rte_errno));
		goto out_ports;
	}
	ip = rte_pktmbuf_mtod_offset(orig, const struct rte_ipv4_hdr *,
				     sizeof(struct rte_ether_hdr));
	printf("udp_clone: built %" PRIu32 " B: Ethernet 14 + IPv4 20 "
	       "(198.18.0.1 -> 198.18.0.2, checksum 0x%04x) + UDP 8 + "
	       "payload %zu, %u segment(s), headroom left %u\n",
	       nb_buf_len(orig), rte_be_to_cpu_16(ip->hdr_checksum),
	       sizeof(g_payload) - 1, nb_buf_seg_count(orig),
	       nb_buf_headroom(orig));

	/* 5. A clone: a new header on the same data, no byte copied. */
	clone = nb_buf_clone(orig, p);
	if (clone == NULL) {
		fprintf(stderr, "%s: nb_buf_clone: %s\n", prog,
			rte_strerror(rte_errno));
		nb_buf_free(orig);
		goto out_ports;
	}
	printf("udp_clone: cloned: %" PRIu32 " B, same data (%s), shared: %s\n",
	       nb_buf_len(clone),
	       nb_buf_memcmp(clone, 0, rte_pktmbuf_mtod(orig, const void *),
			     nb_buf_len(orig)) == 0 ? "equal" : "DIFFERENT",
	       nb_buf_is_shared(orig, 0, nb_buf_len(orig)) ? "yes" : "no");

	/* 6. Original on port 0, clone on port 1: the ports own what they
	 * take (a null port frees it). */
	sent[0] = send_one(port[0], orig);
	sent[1] = send_one(port[1], clone);
	for (i = 0; i < NB_PORTS; i++) {
		if (rte_eth_stats_get(port[i], &st) != 0) {
			memset(&st, 0, sizeof(st));
		}
		printf("udp_clone: port %u: sent %u (%s), port counted "
		       "%" PRIu64 " packet(s)\n", port[i], sent[i],
		       i == 0 ? "the original" : "the clone", st.opackets);
	}
	rc = sent[0] == 1 && sent[1] == 1 ? EXIT_SUCCESS : EXIT_FAILURE;

out_ports:
	/* 7. Stop the ports; then every buffer must be back in the pool. */
	for (i = 0; i < NB_PORTS; i++) {
		if (started[i]) {
			if (rte_eth_dev_stop(port[i]) != 0) {
				rc = EXIT_FAILURE;
			}
			printf("udp_clone: port %u stopped\n", port[i]);
		}
		rte_eth_dev_close(port[i]);
	}
	audit = nb_pool_audit(p, NULL);
	printf("udp_clone: pool audit: %d buffer(s) out\n", audit);
	if (audit != 0) {
		nb_pool_audit(p, stderr);	/* which, and who took them */
		rc = EXIT_FAILURE;
	}
	if (nb_pool_destroy(p, false) != 0) {
		rc = EXIT_FAILURE;
	}
out_env:
	ret = nb_env_fini();
	if (ret < 0) {
		fprintf(stderr, "%s: nb_env_fini: %s\n", prog, strerror(-ret));
		rc = EXIT_FAILURE;
	}
	printf("udp_clone: %s\n", rc == EXIT_SUCCESS ? "done" : "FAILED");
	return rc;
}
