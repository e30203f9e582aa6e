/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * min_fwd: the minimal io forwarding loop nb-fwd io is held against
 * (issue 12): rx_burst -> tx_burst, burst 32, one forwarding lcore, DPDK's
 * own mempool, ports paired 0<->1, 2<->3, linked statically against DPDK.
 * Nothing of nbkit. Prints "[   N.0s] rx X Mpps" once a second and
 * "min_fwd: N packets" at the end.
 *
 *   min_fwd [EAL options] -- [DURATION_S [BURST]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define MAX_BURST 512

static volatile int stop;
static volatile uint64_t rx_total;
static unsigned int burst = 32;

static int
fwd_loop(void *arg)
{
	uint16_t nb_ports = *(uint16_t *)arg;
	struct rte_mbuf *pkts[MAX_BURST];
	uint64_t n = 0;

	while (!stop) {
		for (uint16_t p = 0; p < nb_ports; p++) {
			uint16_t peer = (p ^ 1) < nb_ports ? p ^ 1 : p;
			uint16_t nb_rx = rte_eth_rx_burst(p, 0, pkts, burst);
			uint16_t nb_tx;

			if (nb_rx == 0) {
				continue;
			}
			nb_tx = rte_eth_tx_burst(peer, 0, pkts, nb_rx);
			if (nb_tx < nb_rx) {
				rte_pktmbuf_free_bulk(&pkts[nb_tx], nb_rx - nb_tx);
			}
			n += nb_rx;
		}
		rx_total = n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_mempool *mp;
	unsigned int duration = 10, lcore;
	uint16_t nb_ports;
	uint64_t last = 0;
	struct timespec t0, t1;
	int ret = rte_eal_init(argc, argv);

	if (ret < 0) {
		fprintf(stderr, "min_fwd: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (argc > 1) {
		duration = (unsigned int)atoi(argv[1]);
	}
	if (argc > 2) {
		burst = (unsigned int)atoi(argv[2]);
	}
	nb_ports = rte_eth_dev_count_avail();
	lcore = rte_get_next_lcore(-1, 1, 0);
	if (nb_ports == 0 || burst == 0 || burst > MAX_BURST ||
	    lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "min_fwd: need ports, a worker lcore, burst 1..%d\n",
			MAX_BURST);
		return 2;
	}
	mp = rte_pktmbuf_pool_create("min_fwd", 8192 * nb_ports + 4096, 250, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "min_fwd: pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (uint16_t p = 0; p < nb_ports; p++) {
		if (rte_eth_dev_configure(p, 1, 1, &conf) != 0 ||
		    rte_eth_rx_queue_setup(p, 0, 1024, rte_socket_id(), NULL,
					   mp) != 0 ||
		    rte_eth_tx_queue_setup(p, 0, 1024, rte_socket_id(),
					   NULL) != 0 ||
		    rte_eth_dev_start(p) != 0) {
			fprintf(stderr, "min_fwd: port %u setup failed\n", p);
			return 1;
		}
	}
	printf("min_fwd: io on %u port(s), lcore %u, burst %u\n", nb_ports,
	       lcore, burst);
	fflush(stdout);
	rte_eal_remote_launch(fwd_loop, &nb_ports, lcore);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int s = 1; s <= duration; s++) {
		uint64_t now;
		double dt;

		sleep(1);
		now = rx_total;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		dt = (double)(t1.tv_sec - t0.tv_sec) +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("[%5u.0s] rx %.3f Mpps\n", s,
		       (double)(now - last) / dt / 1e6);
		fflush(stdout);
		last = now;
		t0 = t1;
	}
	stop = 1;
	rte_eal_mp_wait_lcore();
	printf("min_fwd: %" PRIu64 " packets\n", rx_total);
	for (uint16_t p = 0; p < nb_ports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
