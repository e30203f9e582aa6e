/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb_port against the ethdev calls it wraps, on one net_null port opened
 * with nb_port_open() (hot-plugged), fed by an nbkit pool in fast mode.
 * Both sides drive the same port and queue; each operation is one packet.
 *
 * Cases (ratio DPDK/nbkit, above 1: nbkit faster):
 * - rx+tx burst 32: nb_port_rx_burst + nb_port_tx_burst vs rte_eth_rx_burst
 *   + rte_eth_tx_burst (io forwarding; net_null allocates on RX and frees
 *   on TX, so the pool is most of the cost);
 * - rx burst 32 (+free): the RX call alone differs;
 * - tx burst 32 (alloc+): the TX call alone differs.
 * Recycle gain (ratio baseline/recycle, both sides through nb_port):
 * - rx+drop: nb_port_rx_recycle vs rte_pktmbuf_free_bulk after the RX burst
 *   (the stash is full after the first burst: this is the bulk put back
 *   into the lcore cache without the per-buffer free checks);
 * - rx+drop+tx_alloc+tx: a responder that drops what it got and sends new
 *   packets (axdriver's recycle_rx_buffer + alloc_tx_buffer):
 *   nb_port_rx_recycle + nb_port_tx_alloc vs rte_pktmbuf_free_bulk +
 *   rte_pktmbuf_alloc_bulk.
 * Loop driver (ratio ring/loop): a burst of 32 through a loop pair
 * (nb_port_tx_burst on one end, nb_port_rx_burst on the other) vs the same
 * burst through a bare single-producer single-consumer rte_ring: what the
 * loop driver's statistics, link check and function-pointer call cost.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <nb_pool.h>
#include <nb_port.h>

#include "perf.h"

#define PORT_POOL_N	8191
#define PORT_BURST	32
#define PORT_PKT_LEN	64

struct port_case {
	struct nb_port *p;
	struct nb_port *la, *lb;	/* loop pair */
	struct rte_ring *ring;		/* the bare ring it is compared with */
	struct rte_mbuf *pkts[PORT_BURST];
	struct nb_pool *pool;
	struct rte_mempool *mp;
	uint16_t pid;
};

/* ---- rx+tx --------------------------------------------------------------- */

static uint64_t
nb_rxtx(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = nb_port_rx_burst(c->p, 0, m, PORT_BURST);
		uint16_t s = nb_port_tx_burst(c->p, 0, m, n);

		if (unlikely(s < n)) {
			rte_pktmbuf_free_bulk(m + s, n - s);
		}
		if (unlikely(n == 0)) {
			return 0;
		}
		done += n;
	}
	return done;
}

static uint64_t
dpdk_rxtx(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = rte_eth_rx_burst(c->pid, 0, m, PORT_BURST);
		uint16_t s = rte_eth_tx_burst(c->pid, 0, m, n);

		if (unlikely(s < n)) {
			rte_pktmbuf_free_bulk(m + s, n - s);
		}
		if (unlikely(n == 0)) {
			return 0;
		}
		done += n;
	}
	return done;
}

/* ---- rx alone ------------------------------------------------------------ */

static uint64_t
nb_rx(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = nb_port_rx_burst(c->p, 0, m, PORT_BURST);

		if (unlikely(n == 0)) {
			return 0;
		}
		rte_pktmbuf_free_bulk(m, n);
		done += n;
	}
	return done;
}

static uint64_t
dpdk_rx(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = rte_eth_rx_burst(c->pid, 0, m, PORT_BURST);

		if (unlikely(n == 0)) {
			return 0;
		}
		rte_pktmbuf_free_bulk(m, n);
		done += n;
	}
	return done;
}

/* ---- tx alone ------------------------------------------------------------ */

static uint64_t
nb_tx(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t s;

		if (unlikely(rte_pktmbuf_alloc_bulk(c->mp, m, PORT_BURST) != 0)) {
			return 0;
		}
		s = nb_port_tx_burst(c->p, 0, m, PORT_BURST);
		if (unlikely(s < PORT_BURST)) {
			rte_pktmbuf_free_bulk(m + s, PORT_BURST - s);
		}
		done += PORT_BURST;
	}
	return done;
}

static uint64_t
dpdk_tx(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t s;

		if (unlikely(rte_pktmbuf_alloc_bulk(c->mp, m, PORT_BURST) != 0)) {
			return 0;
		}
		s = rte_eth_tx_burst(c->pid, 0, m, PORT_BURST);
		if (unlikely(s < PORT_BURST)) {
			rte_pktmbuf_free_bulk(m + s, PORT_BURST - s);
		}
		done += PORT_BURST;
	}
	return done;
}

/* ---- recycle ------------------------------------------------------------- */

static uint64_t
recycle_drop(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = nb_port_rx_burst(c->p, 0, m, PORT_BURST);

		if (unlikely(n == 0)) {
			return 0;
		}
		nb_port_rx_recycle(c->p, 0, m, n);
		done += n;
	}
	return done;
}

static uint64_t
free_drop(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = nb_port_rx_burst(c->p, 0, m, PORT_BURST);

		if (unlikely(n == 0)) {
			return 0;
		}
		rte_pktmbuf_free_bulk(m, n);
		done += n;
	}
	return done;
}

static void
fill(struct rte_mbuf **m, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		m[i]->data_len = PORT_PKT_LEN;
		m[i]->pkt_len = PORT_PKT_LEN;
	}
}

static uint64_t
recycle_respond(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = nb_port_rx_burst(c->p, 0, m, PORT_BURST), k, s;

		if (unlikely(n == 0)) {
			return 0;
		}
		nb_port_rx_recycle(c->p, 0, m, n);
		k = nb_port_tx_alloc(c->p, 0, m, n);
		if (unlikely(k < n)) {
			return 0;
		}
		fill(m, k);
		s = nb_port_tx_burst(c->p, 0, m, k);
		if (unlikely(s < k)) {
			rte_pktmbuf_free_bulk(m + s, k - s);
		}
		done += n;
	}
	return done;
}

static uint64_t
free_respond(void *arg, uint64_t iters)
{
	const struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		uint16_t n = nb_port_rx_burst(c->p, 0, m, PORT_BURST), s;

		if (unlikely(n == 0)) {
			return 0;
		}
		rte_pktmbuf_free_bulk(m, n);
		if (unlikely(rte_pktmbuf_alloc_bulk(c->mp, m, n) != 0)) {
			return 0;
		}
		fill(m, n);
		s = nb_port_tx_burst(c->p, 0, m, n);
		if (unlikely(s < n)) {
			rte_pktmbuf_free_bulk(m + s, n - s);
		}
		done += n;
	}
	return done;
}

static void
note_fail(const struct perf_ctx *ctx, const char *what)
{
	perf_note(ctx, "nb-perf: port: %s: %s", what, rte_strerror(rte_errno));
}

/* ---- loop ---------------------------------------------------------------- */

static uint64_t
loop_burst(void *arg, uint64_t iters)
{
	struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		if (unlikely(nb_port_tx_burst(c->la, 0, c->pkts, PORT_BURST) !=
			     PORT_BURST ||
			     nb_port_rx_burst(c->lb, 0, m, PORT_BURST) != PORT_BURST)) {
			return 0;
		}
		done += PORT_BURST;
	}
	return done;
}

static uint64_t
ring_burst(void *arg, uint64_t iters)
{
	struct port_case *c = arg;
	struct rte_mbuf *m[PORT_BURST];
	uint64_t done = 0;

	while (done < iters) {
		if (unlikely(rte_ring_sp_enqueue_burst(c->ring, (void **)c->pkts,
						       PORT_BURST, NULL) != PORT_BURST ||
			     rte_ring_sc_dequeue_burst(c->ring, (void **)m,
						       PORT_BURST, NULL) != PORT_BURST)) {
			return 0;
		}
		done += PORT_BURST;
	}
	return done;
}

static int
loop_bench(struct perf_ctx *ctx, struct port_case *c)
{
	struct nb_port_conf conf;
	char spec[64];
	int ret = -1;

	nb_port_conf_init(&conf, sizeof(conf));
	conf.pool = c->pool;
	snprintf(spec, sizeof(spec), "loop:perf%d/0", (int)getpid());
	c->la = nb_port_open(spec, &conf);
	snprintf(spec, sizeof(spec), "loop:perf%d/1", (int)getpid());
	c->lb = nb_port_open(spec, &conf);
	snprintf(spec, sizeof(spec), "perf_loop%d", (int)getpid());
	c->ring = rte_ring_create(spec, 1024, SOCKET_ID_ANY,
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (c->la == NULL || c->lb == NULL || c->ring == NULL ||
	    nb_pool_alloc_bulk(c->pool, c->pkts, PORT_BURST) != 0) {
		note_fail(ctx, "loop pair");
		goto out;
	}
	nb_port_start(c->la);
	nb_port_start(c->lb);
	perf_note(ctx, "port: loop driver (nbkit column) vs a bare SP/SC rte_ring "
		  "(DPDK column), ns per packet");
	perf_compare(ctx, "port", "loop tx+rx burst 32", loop_burst, ring_burst,
		     c, perf_iters(ctx, 50000000));
	rte_pktmbuf_free_bulk(c->pkts, PORT_BURST);
	ret = 0;
out:
	nb_port_close(c->la);
	nb_port_close(c->lb);
	rte_ring_free(c->ring);
	return ret;
}


int
perf_port(struct perf_ctx *ctx)
{
	struct nb_pool_opts o;
	struct nb_port_conf conf;
	struct port_case c;
	char spec[64];
	int ret = 0;

	nb_pool_opts_init(&o, sizeof(o));
	o.mode = NB_POOL_MODE_FAST;
	c.pool = nb_pool_create("perf_port", PORT_POOL_N, &o);
	if (c.pool == NULL) {
		note_fail(ctx, "nb_pool_create");
		return -1;
	}
	c.mp = nb_pool_mempool(c.pool);
	nb_port_conf_init(&conf, sizeof(conf));
	conf.pool = c.pool;
	conf.nb_rx_desc = 512;
	conf.nb_tx_desc = 512;
	snprintf(spec, sizeof(spec), "net_null%d,size=%d", (int)getpid() % 10000,
		 PORT_PKT_LEN);
	c.p = nb_port_open(spec, &conf);
	if (c.p == NULL) {
		note_fail(ctx, "nb_port_open(net_null)");
		nb_pool_destroy(c.pool, true);
		return -1;
	}
	c.pid = nb_port_id(c.p);
	if (nb_port_start(c.p) != 0) {
		note_fail(ctx, "nb_port_start");
		ret = -1;
		goto out;
	}
	perf_note(ctx, "port: nb_port_* vs rte_eth_* on %s (ns per packet)", spec);
	perf_compare(ctx, "port", "rx+tx burst 32", nb_rxtx, dpdk_rxtx, &c,
		     perf_iters(ctx, 20000000));
	perf_compare(ctx, "port", "rx burst 32 (+free)", nb_rx, dpdk_rx, &c,
		     perf_iters(ctx, 20000000));
	perf_compare(ctx, "port", "tx burst 32 (alloc+)", nb_tx, dpdk_tx, &c,
		     perf_iters(ctx, 20000000));
	perf_note(ctx, "port: recycle gain, nb_port_rx_recycle (nbkit column) vs "
		  "rte_pktmbuf_free_bulk (DPDK column)");
	perf_compare(ctx, "port", "recycle: rx+drop", recycle_drop, free_drop,
		     &c, perf_iters(ctx, 20000000));
	perf_compare(ctx, "port", "recycle: rx+drop+tx_alloc+tx", recycle_respond,
		     free_respond, &c, perf_iters(ctx, 20000000));
	nb_port_stop(c.p);
	if (loop_bench(ctx, &c) != 0) {
		ret = -1;
	}
out:
	nb_port_close(c.p);
	if (nb_pool_audit(c.pool, NULL) != 0) {
		perf_note(ctx, "nb-perf: port: buffers missing after close");
		ret = -1;
	}
	nb_pool_destroy(c.pool, true);
	return ret;
}
