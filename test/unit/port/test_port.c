/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/port (nb_port.h) and its two drivers: open and close of
 * net_null, net_ring and loop ports, bad specs and configurations, offloads
 * the device does not report refused by name, statistics, traffic through
 * the loop driver and net_ring with exact counts and payload bytes, the
 * recycle stash, the pool sizing warning, and every pool back in full
 * after close.
 *
 * main() brings EAL up once (no PCI); every case uses vdev and loop names
 * of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "nb_env.h"
#include "nb_pool.h"
#include "nb_port.h"
#include "nb_port_driver.h"
#include "nb_reactor.h"
#include "nb_test.h"

#define BURST 32

/* ---- helpers ------------------------------------------------------------ */

static struct nb_pool *
pool_new(const char *name, unsigned int n)
{
	struct nb_pool_opts o;
	struct nb_pool *p;

	nb_pool_opts_init(&o, sizeof(o));
	o.cache_size = 32;
	p = nb_pool_create(name, n, &o);
	NB_TEST_ASSERT_MSG(p != NULL, "nb_pool_create(%s): %s", name,
			   rte_strerror(rte_errno));
	return p;
}

static void
pool_done(struct nb_pool *p)
{
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(p, stderr), 0);
	NB_TEST_ASSERT_INT_EQ(nb_pool_destroy(p, false), 0);
}

static void
conf_with(struct nb_port_conf *c, struct nb_pool *p)
{
	nb_port_conf_init(c, sizeof(*c));
	c->pool = p;
	c->nb_rx_desc = 256;
	c->nb_tx_desc = 256;
}

/* Packet i: @len bytes, byte j = (i * 7 + j) & 0xff. */
static struct rte_mbuf *
pkt_make(struct nb_pool *p, unsigned int i, uint16_t len)
{
	struct rte_mbuf *m = nb_pool_alloc(p);
	uint8_t *d;
	uint16_t j;

	if (m == NULL) {
		return NULL;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, len);
	for (j = 0; j < len; j++) {
		d[j] = (uint8_t)(i * 7 + j);
	}
	return m;
}

static bool
pkt_check(const struct rte_mbuf *m, unsigned int i, uint16_t len)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t j;

	if (m->pkt_len != len || m->data_len != len) {
		return false;
	}
	for (j = 0; j < len; j++) {
		if (d[j] != (uint8_t)(i * 7 + j)) {
			return false;
		}
	}
	return true;
}

/* Log lines written while capturing (rte_openlog_stream). */
static char *g_log_buf;
static size_t g_log_len;
static FILE *g_log_f;

static void
log_capture(void)
{
	free(g_log_buf);
	g_log_buf = NULL;
	g_log_f = open_memstream(&g_log_buf, &g_log_len);
	rte_openlog_stream(g_log_f);
}

/* Stop capturing; the text stays in g_log_buf until the next capture. */
static const char *
log_release(void)
{
	rte_openlog_stream(NULL);
	fclose(g_log_f);
	fputs(g_log_buf, stderr);
	return g_log_buf;
}

/* ---- open and close ----------------------------------------------------- */

static void
test_open_null(void)
{
	struct nb_pool *pool = pool_new("pt_null", 2047);
	struct rte_mbuf *m[BURST];
	struct nb_port_conf c;
	struct nb_port_info info;
	struct nb_port_stats st;
	struct nb_link link;
	struct nb_port *p;
	uint16_t pid, n, i, rx = 0, tx = 0;

	conf_with(&c, pool);
	p = nb_port_open("net_null7,size=100", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.driver, "ethdev");
	CU_ASSERT_STRING_EQUAL(info.pmd, "net_null");
	CU_ASSERT_STRING_EQUAL(info.name, "net_null7");
	NB_TEST_ASSERT_INT_EQ(info.nb_rx_queues, 1);
	NB_TEST_ASSERT_INT_EQ(info.nb_rx_desc, 256);
	CU_ASSERT_FALSE(info.started);
	CU_ASSERT_EQUAL(rte_eth_dev_get_port_by_name("net_null7", &pid), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_id(p), pid);
	CU_ASSERT(nb_port_index(p) >= 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_link(p, &link, 1000), 0);
	CU_ASSERT_TRUE(link.up);
	for (i = 0; i < 10; i++) {
		uint16_t k;

		n = nb_port_rx_burst(p, 0, m, BURST);
		for (k = 0; k < n; k++) {
			NB_TEST_ASSERT_INT_EQ(m[k]->pkt_len, 100);
			CU_ASSERT_PTR_EQUAL(m[k]->pool, nb_pool_mempool(pool));
		}
		rx += n;
		tx += nb_port_tx_burst_all(p, 0, m, n);
	}
	NB_TEST_ASSERT_INT_EQ(rx, 10 * BURST);
	NB_TEST_ASSERT_INT_EQ(tx, rx);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(p, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, rx);
	NB_TEST_ASSERT_INT_EQ(st.opackets, tx);
	/* net_null (22.11) counts packets, not bytes: pkt_len checked above. */
	NB_TEST_ASSERT_INT_EQ(st.tx_dropped, 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats_reset(p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(p, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	/* The vdev the open hot-plugged is gone. */
	CU_ASSERT_NOT_EQUAL(rte_eth_dev_get_port_by_name("net_null7", &pid), 0);
	pool_done(pool);
}

static void
test_open_twice_busy(void)
{
	struct nb_pool *pool = pool_new("pt_busy", 2047);
	struct nb_port_conf c;
	struct nb_port *p, *q;

	conf_with(&c, pool);
	p = nb_port_open("net_null8", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	q = nb_port_open("net_null8", &c);
	CU_ASSERT_PTR_NULL(q);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EBUSY);
	q = nb_port_open("net_null8,size=64", &c);
	CU_ASSERT_PTR_NULL(q);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EBUSY);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	/* Closed: it can be opened again. */
	p = nb_port_open("net_null8", &c);
	CU_ASSERT_PTR_NOT_NULL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	pool_done(pool);
}

static void
test_bad_specs(void)
{
	struct nb_pool *pool = pool_new("pt_bad", 2047);
	static const struct {
		const char *spec;
		int err;
	} bad[] = {
		{ "", EINVAL },
		{ "net_nosuchdriver0", ENODEV },
		{ "nosuch", ENODEV },
		{ "net_null9,no_such_arg=1", EINVAL },
		{ "net_null9,size=abc", EINVAL },	/* the PMD says ENOMEM */
		{ "net_nosuchdriver0,x=1", ENODEV },
		{ "loop:", EINVAL },
		{ "loop:x", EINVAL },
		{ "loop:/0", EINVAL },
		{ "loop:x/2", EINVAL },
		{ "loop:x/0junk", EINVAL },
		{ "loop:abcdefghijklmnopqrstuvwxyz0123456789/0", EINVAL },
	};
	struct nb_port_conf c;
	struct nb_port *p;
	uint16_t pid;
	unsigned int i;

	conf_with(&c, pool);
	CU_ASSERT_PTR_NULL(nb_port_open(NULL, &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	for (i = 0; i < RTE_DIM(bad); i++) {
		rte_errno = 0;
		p = nb_port_open(bad[i].spec, &c);
		NB_TEST_ASSERT_MSG(p == NULL && rte_errno == bad[i].err,
				   "open(%s): %p, rte_errno %d, expected %d",
				   bad[i].spec, (void *)p, rte_errno, bad[i].err);
		nb_port_close(p);
	}
	/* Nothing left behind by the failed opens. */
	CU_ASSERT_NOT_EQUAL(rte_eth_dev_get_port_by_name("net_null9", &pid), 0);
	pool_done(pool);
}

static void
test_bad_confs(void)
{
	struct nb_pool *pool = pool_new("pt_badc", 2047);
	struct nb_pool *rxp[2] = { pool, NULL };
	static const struct nb_pool_class classes[2] = { { 1024, 255 }, { 2176, 255 } };
	struct nb_poolset *set = nb_poolset_create("pt_set", classes, 2, NULL);
	struct nb_port *p;
	struct nb_port_conf c;
	uint16_t pid;

	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", NULL));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	conf_with(&c, pool);
	c.opts_size = sizeof(c) + 8;
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	conf_with(&c, NULL);		/* an RX queue and no pool */
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	conf_with(&c, pool);
	c.nb_rx_queues = NB_PORT_MAX_QUEUES + 1;
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	conf_with(&c, pool);
	c.nb_rx_queues = 0;
	c.nb_tx_queues = 0;
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	conf_with(&c, pool);
	c.rss = true;			/* one RX queue */
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	conf_with(&c, NULL);
	c.nb_rx_queues = 2;
	c.rx_pools = rxp;		/* rx_pools[1] NULL */
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	conf_with(&c, NULL);
	c.rx_poolset = set;		/* net_null takes one mempool per queue */
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENOTSUP);
	conf_with(&c, pool);
	c.mtu = 10;			/* below any device's minimum */
	CU_ASSERT_PTR_NULL(nb_port_open("net_null10", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	nb_poolset_destroy(set, false);
	CU_ASSERT_NOT_EQUAL(rte_eth_dev_get_port_by_name("net_null10", &pid), 0);
	/* A device that has fewer queues than asked: refused, named. */
	conf_with(&c, pool);
	c.nb_rx_queues = 40;	/* net_ring has 16 */
	log_capture();
	p = nb_port_open("net_ring10", &c);
	CU_ASSERT_PTR_NULL(p);
	nb_port_close(p);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	NB_TEST_ASSERT_MSG(strstr(log_release(), "40 RX / 1 TX queues asked, "
				  "the device has at most 16") != NULL,
			   "no queue count in the log");
	CU_ASSERT_NOT_EQUAL(rte_eth_dev_get_port_by_name("net_ring10", &pid), 0);
	pool_done(pool);
}

static void
test_offload_refused(void)
{
	struct nb_pool *pool = pool_new("pt_offl", 2047);
	struct nb_port_conf c;
	struct nb_port *p;
	const char *log;

	conf_with(&c, pool);
	c.rx_offloads = RTE_ETH_RX_OFFLOAD_TCP_LRO;
	log_capture();
	p = nb_port_open("net_null11", &c);
	log = log_release();
	CU_ASSERT_PTR_NULL(p);
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENOTSUP);
	NB_TEST_ASSERT_MSG(strstr(log, "RX offload TCP_LRO") != NULL,
			   "log does not name TCP_LRO: %s", log);
	conf_with(&c, pool);
	c.tx_offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	log_capture();
	p = nb_port_open("loop:offl/0", &c);
	log = log_release();
	CU_ASSERT_PTR_NULL(p);
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENOTSUP);
	NB_TEST_ASSERT_MSG(strstr(log, "TX offload TCP_TSO") != NULL,
			   "log does not name TCP_TSO: %s", log);
	/* What the loop driver reports is accepted. */
	c.tx_offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	p = nb_port_open("loop:offl/0", &c);
	CU_ASSERT_PTR_NOT_NULL(p);
	nb_port_close(p);
	pool_done(pool);
}

static void
test_pool_warning(void)
{
	struct nb_pool *pool = pool_new("pt_small", 300);
	struct nb_port_conf c;
	struct nb_port *p;
	const char *log;

	conf_with(&c, pool);	/* 256 RX + 256 TX descriptors: 300 is short */
	log_capture();
	p = nb_port_open("net_null12", &c);
	log = log_release();
	CU_ASSERT_PTR_NOT_NULL(p);
	NB_TEST_ASSERT_MSG(strstr(log, "pool pt_small has 300 buffers") != NULL &&
			   strstr(log, "would do") != NULL,
			   "no sizing warning: %s", log);
	nb_port_close(p);
	pool_done(pool);
}

/* ---- traffic ------------------------------------------------------------ */

static void
test_ring_traffic(void)
{
	struct nb_pool *pool = pool_new("pt_ring", 2047);
	struct rte_mbuf *m[BURST], *r[BURST];
	struct nb_port_conf c;
	struct nb_port_stats st;
	struct nb_port *p;
	uint64_t bytes = 0;
	uint16_t i, n;
	uint64_t v;

	conf_with(&c, pool);
	p = nb_port_open("net_ring13", &c);	/* TX queue 0 loops to RX queue 0 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(p), 0);
	for (i = 0; i < 20; i++) {
		m[i] = pkt_make(pool, i, (uint16_t)(60 + i));
		CU_ASSERT_PTR_NOT_NULL_FATAL(m[i]);
		bytes += 60 + i;
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(p, 0, m, 20), 20);
	n = nb_port_rx_burst(p, 0, r, BURST);
	NB_TEST_ASSERT_INT_EQ(n, 20);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_EQUAL(r[i], m[i]);	/* zero-copy */
		NB_TEST_ASSERT_MSG(pkt_check(r[i], i, (uint16_t)(60 + i)),
				   "packet %u payload differs", i);
	}
	rte_pktmbuf_free_bulk(r, n);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(p, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.opackets, 20);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, 20);
	/* net_ring counts packets, not bytes: the payload was checked above. */
	NB_TEST_ASSERT_INT_EQ(st.obytes, 0);
	RTE_SET_USED(bytes);
	NB_TEST_ASSERT_INT_EQ(nb_port_xstat_get(p, "rx_good_packets", &v), 0);
	NB_TEST_ASSERT_INT_EQ(v, 20);
	NB_TEST_ASSERT_INT_EQ(nb_port_xstat_get(p, "nb_tx_dropped", &v), 0);
	NB_TEST_ASSERT_INT_EQ(v, 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_xstat_get(p, "no_such_stat", &v), -ENOENT);
	/* Left in the ring at close: freed by the close. */
	for (i = 0; i < 5; i++) {
		m[i] = pkt_make(pool, i, 64);
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(p, 0, m, 5), 5);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	pool_done(pool);
}

/* Queue copies (nb_port_queue_get): same packets as the port calls, for an
 * ethdev port (net_ring) and a non-ethdev one (loop); bad arguments. */
static void
test_queue_handles(void)
{
	struct nb_pool *pool = pool_new("pt_qh", 2047);
	struct rte_mbuf *m[BURST], *r[BURST];
	struct nb_port_queue rq, tq, bad;
	struct nb_port_conf c;
	struct nb_port_stats st;
	struct nb_port *ring, *a, *b;
	char spec0[64], spec1[64];
	uint16_t i, n;

	conf_with(&c, pool);
	c.nb_rx_queues = 2;
	c.nb_tx_queues = 2;
	ring = nb_port_open("net_ring14", &c);	/* TX queue i -> RX queue i */
	CU_ASSERT_PTR_NOT_NULL_FATAL(ring);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(NULL, false, 0, &rq), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(ring, false, 0, NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(ring, false, 2, &bad), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(ring, true, 2, &bad), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(ring, false, 1, &rq), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(ring, true, 1, &tq), 0);
	CU_ASSERT_TRUE(rq.ethdev && tq.ethdev && !rq.tx && tq.tx);
	NB_TEST_ASSERT_INT_EQ(rq.port_id, nb_port_id(ring));
	NB_TEST_ASSERT_INT_EQ(nb_port_start(ring), 0);
	for (i = 0; i < BURST; i++) {
		m[i] = pkt_make(pool, i, 64);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m[i]);
	}
	/* queue 1 to queue 1: nothing on queue 0 */
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_tx_burst(&tq, m, BURST), BURST);
	NB_TEST_ASSERT_INT_EQ(nb_port_rx_burst(ring, 0, r, BURST), 0);
	n = nb_port_queue_rx_burst(&rq, r, BURST);
	NB_TEST_ASSERT_INT_EQ(n, BURST);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_EQUAL(r[i], m[i]);
	}
	rte_pktmbuf_free_bulk(r, n);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(ring, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.opackets, BURST);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, BURST);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(ring), 0);

	snprintf(spec0, sizeof(spec0), "loop:q%d/0", getpid());
	snprintf(spec1, sizeof(spec1), "loop:q%d/1", getpid());
	c.nb_rx_queues = 2;
	c.nb_tx_queues = 2;
	a = nb_port_open(spec0, &c);
	b = nb_port_open(spec1, &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(a, true, 1, &tq), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(b, false, 1, &rq), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_get(b, false, 2, &bad), -EINVAL);
	CU_ASSERT_FALSE(rq.ethdev || tq.ethdev);
	NB_TEST_ASSERT_INT_EQ(rq.port_id, NB_PORT_ID_NONE);
	NB_TEST_ASSERT_INT_EQ(rq.queue, 1);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(b), 0);
	for (i = 0; i < BURST; i++) {
		m[i] = pkt_make(pool, i, (uint16_t)(64 + i));
		CU_ASSERT_PTR_NOT_NULL_FATAL(m[i]);
	}
	/* queue 1 of a reaches queue 1 of b, not queue 0 */
	NB_TEST_ASSERT_INT_EQ(nb_port_queue_tx_burst(&tq, m, BURST), BURST);
	NB_TEST_ASSERT_INT_EQ(nb_port_rx_burst(b, 0, r, BURST), 0);
	n = nb_port_queue_rx_burst(&rq, r, BURST);
	NB_TEST_ASSERT_INT_EQ(n, BURST);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_EQUAL(r[i], m[i]);
		NB_TEST_ASSERT_MSG(pkt_check(r[i], i, (uint16_t)(64 + i)),
				   "packet %u payload differs", i);
	}
	rte_pktmbuf_free_bulk(r, n);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(b, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, BURST);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(b), 0);
	pool_done(pool);
}

static void
test_loop_traffic(void)
{
	struct nb_pool *pool = pool_new("pt_loop", 2047);
	struct rte_mbuf *m[BURST], *r[BURST];
	struct rte_ether_addr mac0, mac1;
	struct nb_port_conf c;
	struct nb_port_stats st;
	struct nb_port_info info;
	struct nb_link link;
	struct nb_port *a, *b;
	char spec0[64], spec1[64];
	uint64_t bytes = 0, v;
	uint16_t i, n;

	snprintf(spec0, sizeof(spec0), "loop:t%d/0", getpid());
	snprintf(spec1, sizeof(spec1), "loop:t%d/1", getpid());
	conf_with(&c, pool);
	c.nb_tx_desc = 64;
	a = nb_port_open(spec0, &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NULL(nb_port_open(spec0, &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EBUSY);
	b = nb_port_open(spec1, &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	NB_TEST_ASSERT_INT_EQ(nb_port_id(a), NB_PORT_ID_NONE);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(a, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.driver, "loop");
	CU_ASSERT_STRING_EQUAL(info.name, spec0);
	NB_TEST_ASSERT_INT_EQ(nb_port_mac(a, &mac0), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_mac(b, &mac1), 0);
	CU_ASSERT_FALSE(rte_is_same_ether_addr(&mac0, &mac1));
	/* Link down until both ends are started. */
	NB_TEST_ASSERT_INT_EQ(nb_port_start(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_link(a, &link, 10), -ETIMEDOUT);
	CU_ASSERT_FALSE(link.up);
	m[0] = pkt_make(pool, 0, 64);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 0, m, 1), 0);
	rte_pktmbuf_free(m[0]);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(b), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_link(a, &link, 0), 0);
	CU_ASSERT_TRUE(link.up);
	/* a -> b, exact pointers and bytes. */
	for (i = 0; i < BURST; i++) {
		m[i] = pkt_make(pool, i, (uint16_t)(64 + 3 * i));
		CU_ASSERT_PTR_NOT_NULL_FATAL(m[i]);
		bytes += 64 + 3 * i;
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 0, m, BURST), BURST);
	NB_TEST_ASSERT_INT_EQ(nb_port_rx_burst(a, 0, r, BURST), 0);
	n = nb_port_rx_burst(b, 0, r, BURST);
	NB_TEST_ASSERT_INT_EQ(n, BURST);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_EQUAL(r[i], m[i]);
		NB_TEST_ASSERT_MSG(pkt_check(r[i], i, (uint16_t)(64 + 3 * i)),
				   "packet %u payload differs", i);
	}
	/* b -> a: the same buffers back. */
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(b, 0, r, n), n);
	NB_TEST_ASSERT_INT_EQ(nb_port_rx_burst(a, 0, m, BURST), n);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(a, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.opackets, BURST);
	NB_TEST_ASSERT_INT_EQ(st.obytes, bytes);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, BURST);
	NB_TEST_ASSERT_INT_EQ(st.ibytes, bytes);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(b, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, BURST);
	NB_TEST_ASSERT_INT_EQ(st.opackets, BURST);
	rte_pktmbuf_free_bulk(m, n);
	/* A ring of 64 takes 64; tx_burst_all frees and counts the rest. */
	for (i = 0; i < BURST; i++) {
		m[i] = pkt_make(pool, i, 64);
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst_all(a, 0, m, BURST), BURST);
	for (i = 0; i < BURST; i++) {
		m[i] = pkt_make(pool, i, 64);
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst_all(a, 0, m, BURST), BURST);
	for (i = 0; i < 10; i++) {
		m[i] = pkt_make(pool, i, 64);
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst_all(a, 0, m, 10), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(a, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.tx_dropped, 10);
	NB_TEST_ASSERT_INT_EQ(nb_port_xstat_get(a, "tx_q0_refused", &v), 0);
	/* 1 while the link was down, then 10 x every retry. */
	NB_TEST_ASSERT_INT_EQ(v, 1 + 10 * NB_PORT_TX_RETRIES);
	NB_TEST_ASSERT_INT_EQ(nb_port_xstat_get(a, "nb_tx_dropped", &v), 0);
	NB_TEST_ASSERT_INT_EQ(v, 10);
	/* 64 wait in b's ring: b's stop frees them. */
	NB_TEST_ASSERT_INT_EQ(nb_port_stop(b), 0);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pool, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_link(a, &link, 0), 0);
	CU_ASSERT_FALSE(link.up);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(b), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(a), 0);
	/* Both ends closed: the name can be used again. */
	a = nb_port_open(spec0, &c);
	CU_ASSERT_PTR_NOT_NULL(a);
	nb_port_close(a);
	pool_done(pool);
}

/* In flight when the receiving end closes first, then the sender. */
static void
test_loop_close_inflight(void)
{
	struct nb_pool *pool = pool_new("pt_loopc", 2047);
	struct rte_mbuf *m[BURST];
	struct nb_port_conf c;
	struct nb_port *a, *b;
	uint16_t i;

	conf_with(&c, pool);
	a = nb_port_open("loop:cl/0", &c);
	b = nb_port_open("loop:cl/1", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	nb_port_start(a);
	nb_port_start(b);
	for (i = 0; i < BURST; i++) {
		m[i] = pkt_make(pool, i, 100);
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 0, m, BURST), BURST);
	for (i = 0; i < BURST; i++) {
		m[i] = pkt_make(pool, i, 100);
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(b, 0, m, BURST), BURST);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(b), 0);
	/* b is gone: a's link is down and a refuses to send. */
	m[0] = pkt_make(pool, 0, 100);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst_all(a, 0, m, 1), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(a), 0);
	pool_done(pool);
}

static void
test_recycle(void)
{
	struct nb_pool *pool = pool_new("pt_recy", 2047);
	struct rte_mbuf *m[BURST], *r[BURST], *other;
	struct nb_pool *pool2 = pool_new("pt_recy2", 63);
	struct nb_port_conf c;
	struct nb_port_stats st;
	struct nb_port *a, *b;
	uint16_t i, n;

	conf_with(&c, pool);
	a = nb_port_open("loop:rc/0", &c);
	b = nb_port_open("loop:rc/1", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	nb_port_start(a);
	nb_port_start(b);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_alloc(a, 0, m, BURST), BURST);
	for (i = 0; i < BURST; i++) {
		CU_ASSERT_PTR_EQUAL(m[i]->pool, nb_pool_mempool(pool));
		CU_ASSERT_EQUAL(m[i]->pkt_len, 0);
		rte_pktmbuf_append(m[i], 60);
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 0, m, BURST), BURST);
	n = nb_port_rx_burst(b, 0, r, BURST);
	NB_TEST_ASSERT_INT_EQ(n, BURST);
	/* One buffer of another pool and one shared one: freed, not stashed. */
	other = nb_pool_alloc(pool2);
	rte_mbuf_refcnt_update(r[1], 1);
	nb_port_rx_recycle(b, 0, r, n);
	nb_port_rx_recycle(b, 0, &other, 1);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(r[1]), 1);
	/* tx_alloc hands the stashed ones back, last in first out, reset. */
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_alloc(b, 0, m, 2), 2);
	CU_ASSERT_PTR_EQUAL(m[0], r[BURST - 1]);
	CU_ASSERT_PTR_EQUAL(m[1], r[BURST - 2]);
	CU_ASSERT_EQUAL(m[0]->pkt_len, 0);
	CU_ASSERT_EQUAL(m[0]->data_off, RTE_PKTMBUF_HEADROOM);
	rte_pktmbuf_free_bulk(m, 2);
	rte_pktmbuf_free(r[1]);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(b, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.rx_recycled, BURST + 1);
	/* More than the stash holds: the rest go to the pool. */
	for (i = 0; i < 3; i++) {
		NB_TEST_ASSERT_INT_EQ(nb_port_tx_alloc(a, 0, m, BURST), BURST);
		nb_port_rx_recycle(a, 0, m, BURST);
	}
	/* Stashed buffers are out of the pool until stop or close. */
	CU_ASSERT(nb_pool_audit(pool, NULL) > 0);
	nb_port_close(a);
	nb_port_close(b);
	pool_done(pool);
	pool_done(pool2);
}

static void
test_rss_and_rx_pools(void)
{
	struct nb_pool *pa = pool_new("pt_rxa", 2047);
	struct nb_pool *pb = pool_new("pt_rxb", 2047);
	struct nb_pool *rxp[2] = { pa, pb };
	struct rte_mbuf *m[BURST];
	struct nb_port_conf c;
	struct nb_port_info info;
	struct nb_port *p;
	uint16_t n, i;

	conf_with(&c, NULL);
	c.nb_rx_queues = 2;
	c.nb_tx_queues = 2;
	c.rx_pools = rxp;
	c.rss = true;
	p = nb_port_open("net_null14", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	NB_TEST_ASSERT_INT_EQ(info.nb_rx_queues, 2);
	NB_TEST_ASSERT_INT_EQ(info.nb_tx_queues, 2);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(p), 0);
	/* Queue i takes its buffers from rx_pools[i]. */
	n = nb_port_rx_burst(p, 0, m, BURST);
	NB_TEST_ASSERT_INT_EQ(n, BURST);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_EQUAL(m[i]->pool, nb_pool_mempool(pa));
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst_all(p, 1, m, n), n);
	n = nb_port_rx_burst(p, 1, m, BURST);
	NB_TEST_ASSERT_INT_EQ(n, BURST);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_EQUAL(m[i]->pool, nb_pool_mempool(pb));
	}
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst_all(p, 0, m, n), n);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	/* The MTU asked for is the device's. */
	c.mtu = 1400;
	p = nb_port_open("net_null14", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	NB_TEST_ASSERT_INT_EQ(info.mtu, 1400);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	c.mtu = 0;
	pool_done(pa);
	pool_done(pb);
}

/* Two lcores: the worker sends numbered packets into one end of a loop. */
#define PIPE_N 200000u

static struct nb_port *g_pipe_tx;
static struct nb_pool *g_pipe_pool;

static int
pipe_sender(void *arg)
{
	struct rte_mbuf *m[BURST];
	uint32_t seq = 0;

	RTE_SET_USED(arg);
	while (seq < PIPE_N) {
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)BURST, PIPE_N - seq), i, s;

		if (nb_pool_alloc_bulk(g_pipe_pool, m, k) != 0) {
			continue;	/* the receiver frees: buffers come back */
		}
		for (i = 0; i < k; i++) {
			uint32_t *d = (uint32_t *)rte_pktmbuf_append(m[i], 64);

			d[0] = seq + i;
		}
		s = 0;
		while (s < k) {
			s += nb_port_tx_burst(g_pipe_tx, 0, m + s, k - s);
		}
		seq += k;
	}
	return 0;
}

static void
test_loop_two_lcores(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	struct rte_mbuf *m[BURST];
	struct nb_port_conf c;
	struct nb_port_stats st;
	struct nb_port *rx;
	uint32_t expect = 0, bad = 0;
	uint64_t spins = 0;
	uint16_t n, i;

	if (worker >= RTE_MAX_LCORE) {
		NB_TEST_ASSERT_MSG(false, "this test needs two lcores");
		return;
	}
	g_pipe_pool = pool_new("pt_pipe", 4095);
	conf_with(&c, g_pipe_pool);
	g_pipe_tx = nb_port_open("loop:pipe/0", &c);
	rx = nb_port_open("loop:pipe/1", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_pipe_tx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
	nb_port_start(g_pipe_tx);
	nb_port_start(rx);
	NB_TEST_ASSERT_INT_EQ(rte_eal_remote_launch(pipe_sender, NULL, worker), 0);
	while (expect < PIPE_N && spins < 2000000000ull) {
		n = nb_port_rx_burst(rx, 0, m, BURST);
		for (i = 0; i < n; i++) {
			if (*rte_pktmbuf_mtod(m[i], uint32_t *) != expect + i) {
				bad++;
			}
		}
		expect += n;
		rte_pktmbuf_free_bulk(m, n);
		spins++;
	}
	NB_TEST_ASSERT_INT_EQ(rte_eal_wait_lcore(worker), 0);
	NB_TEST_ASSERT_INT_EQ(expect, PIPE_N);
	NB_TEST_ASSERT_INT_EQ(bad, 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(rx, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.ipackets, PIPE_N);
	NB_TEST_ASSERT_INT_EQ(st.ibytes, (uint64_t)PIPE_N * 64);
	NB_TEST_ASSERT_INT_EQ(nb_port_stats(g_pipe_tx, &st), 0);
	NB_TEST_ASSERT_INT_EQ(st.opackets, PIPE_N);
	nb_port_close(g_pipe_tx);
	nb_port_close(rx);
	pool_done(g_pipe_pool);
}

/* Stashed buffers come back with the pool's own headroom. */
static void
test_recycle_headroom(void)
{
	struct nb_pool_opts o;
	struct nb_pool *pool;
	struct rte_mbuf *m[4];
	struct nb_port_conf c;
	struct nb_port *a;

	nb_pool_opts_init(&o, sizeof(o));
	o.headroom = 256;
	pool = nb_pool_create("pt_head", 511, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	conf_with(&c, pool);
	a = nb_port_open("loop:hd/0", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_alloc(a, 0, m, 4), 4);
	NB_TEST_ASSERT_INT_EQ(m[0]->data_off, 256);
	rte_pktmbuf_append(m[0], 100);
	rte_pktmbuf_adj(m[0], 20);
	nb_port_rx_recycle(a, 0, m, 1);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_alloc(a, 0, m, 1), 1);
	NB_TEST_ASSERT_INT_EQ(m[0]->data_off, 256);
	NB_TEST_ASSERT_INT_EQ(m[0]->pkt_len, 0);
	rte_pktmbuf_free_bulk(m, 4);
	nb_port_close(a);
	pool_done(pool);
}

/* ---- adopted ports, hot-plug bookkeeping, second close ------------------ */

/* Ethdev port @pid has no owner. */
static bool
unowned(uint16_t pid)
{
	struct rte_eth_dev_owner o;

	return rte_eth_dev_owner_get(pid, &o) == 0 && o.id == RTE_ETH_DEV_NO_OWNER;
}

/*
 * A port the application probed itself: a failed open leaves it as it was
 * (not closed, not owned) and a correct retry works; close gives it back
 * with its MTU and promiscuous mode, never closed, so it opens again.
 */
static void
test_adopted_open_fails_harmless(void)
{
	struct nb_pool *pool = pool_new("pt_adopt", 2047);
	struct rte_eth_conf ec;
	struct nb_port_conf c;
	struct nb_port_info info;
	struct nb_port *p;
	uint16_t pid, mtu;
	const char *log;

	NB_TEST_ASSERT_INT_EQ(rte_dev_probe("net_ring20"), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_port_by_name("net_ring20", &pid), 0);
	/* The application's own configuration: MTU 9000, promiscuous off. */
	memset(&ec, 0, sizeof(ec));
	ec.rxmode.mtu = 9000;
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_configure(pid, 1, 1, &ec), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_promiscuous_disable(pid), 0);

	/* Fails in validation (after the driver's open): the port survives. */
	conf_with(&c, pool);
	c.nb_rx_queues = 40;
	CU_ASSERT_PTR_NULL(nb_port_open("net_ring20", &c));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_port_by_name("net_ring20", &pid), 0);
	CU_ASSERT_TRUE(unowned(pid));
	/* Fails in the configure step (an MTU below the device's range,
	 * promiscuous asked): the same, promiscuous mode and MTU untouched. */
	conf_with(&c, pool);
	c.mtu = 10;
	c.promiscuous = true;
	log_capture();
	CU_ASSERT_PTR_NULL(nb_port_open("net_ring20", &c));
	log = log_release();
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	NB_TEST_ASSERT_MSG(strstr(log, "MTU 10 is outside the device's range") != NULL,
			   "not said: %s", log);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_port_by_name("net_ring20", &pid), 0);
	CU_ASSERT_TRUE(unowned(pid));
	NB_TEST_ASSERT_INT_EQ(rte_eth_promiscuous_get(pid), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_mtu(pid, &mtu), 0);
	NB_TEST_ASSERT_INT_EQ(mtu, 9000);

	/*
	 * A correct retry works. mtu 0 keeps the device's MTU (not 1500), and
	 * its 9018-byte frames in 2048-byte buffers switch RX scatter on.
	 */
	conf_with(&c, pool);
	c.promiscuous = true;
	p = nb_port_open("net_ring20", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	NB_TEST_ASSERT_INT_EQ(info.mtu, 9000);
	CU_ASSERT((info.rx_offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_promiscuous_get(pid), 1);
	CU_ASSERT_FALSE(unowned(pid));
	NB_TEST_ASSERT_INT_EQ(nb_port_start(p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	/* Given back as found: there, unowned, promiscuous off, reopenable. */
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_port_by_name("net_ring20", &pid), 0);
	CU_ASSERT_TRUE(unowned(pid));
	NB_TEST_ASSERT_INT_EQ(rte_eth_promiscuous_get(pid), 0);
	p = nb_port_open("net_ring20", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	/* The application closes what it probed. */
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_close(pid), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eal_hotplug_remove("vdev", "net_ring20"), 0);

	/*
	 * net_null changes its MTU at runtime and cannot chain buffers: an
	 * MTU whose frames do not fit one is taken with a warning that gives
	 * the numbers (testpmd takes it; some PMDs chain without saying so).
	 * An MTU nbkit set is the device's while open, the old one after.
	 */
	NB_TEST_ASSERT_INT_EQ(rte_dev_probe("net_null20"), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_port_by_name("net_null20", &pid), 0);
	ec.rxmode.mtu = 1400;
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_configure(pid, 1, 1, &ec), 0);
	conf_with(&c, pool);
	c.mtu = 9000;
	log_capture();
	p = nb_port_open("net_null20", &c);
	log = log_release();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_MSG(strstr(log, "MTU 9000 means frames of up to 9018 "
				  "bytes, the RX buffers hold 2048") != NULL,
			   "no numbers in the log: %s", log);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	NB_TEST_ASSERT_INT_EQ(info.mtu, 9000);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_mtu(pid, &mtu), 0);
	NB_TEST_ASSERT_INT_EQ(mtu, 1400);
	c.mtu = 1280;
	p = nb_port_open("net_null20", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	NB_TEST_ASSERT_INT_EQ(info.mtu, 1280);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_mtu(pid, &mtu), 0);
	NB_TEST_ASSERT_INT_EQ(mtu, 1400);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_close(pid), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eal_hotplug_remove("vdev", "net_null20"), 0);
	pool_done(pool);
}

/* A second close of the same handle is refused, not a use after free. */
static void
test_close_twice(void)
{
	struct nb_pool *pool = pool_new("pt_twice", 2047);
	struct nb_port_conf c;
	struct nb_port *p, *q;

	conf_with(&c, pool);
	p = nb_port_open("net_null21", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), -EINVAL);
	/* a loop end too, with its peer still open */
	p = nb_port_open("loop:twice/0", &c);
	q = nb_port_open("loop:twice/1", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(q), 0);
	pool_done(pool);
}

/*
 * Hot-plug bookkeeping by device: a PMD that names its port otherwise is
 * found and removed at close; a device that is no network device is
 * removed again by the failed open.
 */
static void
test_hotplug_by_device(void)
{
	struct nb_pool *pool = pool_new("pt_plug", 2047);
	struct nb_port_conf c;
	struct nb_port_info info;
	struct nb_port *p;
	uint16_t pid;
	int round;

	conf_with(&c, pool);
	p = nb_port_open("net_ring22,nodeaction=nbr22:0:CREATE", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.name, "nbr22");
	CU_ASSERT_STRING_EQUAL(info.pmd, "net_ring");
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	CU_ASSERT_NOT_EQUAL(rte_eth_dev_get_port_by_name("nbr22", &pid), 0);
	/* the device is gone: the application can attach net_ring22 */
	NB_TEST_ASSERT_INT_EQ(rte_dev_probe("net_ring22"), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_get_port_by_name("net_ring22", &pid), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eth_dev_close(pid), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eal_hotplug_remove("vdev", "net_ring22"), 0);
	for (round = 0; round < 2; round++) {
		CU_ASSERT_PTR_NULL(nb_port_open("crypto_null22", &c));
		NB_TEST_ASSERT_INT_EQ(rte_errno, ENODEV);
	}
	/* removed: the application can attach it itself */
	NB_TEST_ASSERT_INT_EQ(rte_dev_probe("crypto_null22"), 0);
	NB_TEST_ASSERT_INT_EQ(rte_eal_hotplug_remove("vdev", "crypto_null22"), 0);
	pool_done(pool);
}

/* RSS on a device that hashes nothing: no RSS and a notice (testpmd's
 * rule); on one that hashes some of the fields asked: those. */
static void
test_rss_fallback(void)
{
	struct nb_pool *pool = pool_new("pt_rssf", 2047);
	struct nb_port_conf c;
	struct nb_port_info info;
	struct nb_port *p;
	const char *log;

	conf_with(&c, pool);
	c.nb_rx_queues = 2;
	c.rss = true;
	log_capture();
	p = nb_port_open("net_ring23", &c);
	log = log_release();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_MSG(strstr(log, "no RSS") != NULL, "no notice: %s", log);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	NB_TEST_ASSERT_INT_EQ(info.rss_hf, 0);
	NB_TEST_ASSERT_INT_EQ(info.nb_rx_queues, 2);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	c.rss_hf = RTE_ETH_RSS_IPV4 | (1ULL << 63);
	p = nb_port_open("net_null23", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_port_info(p, &info), 0);
	NB_TEST_ASSERT_INT_EQ(info.rss_hf, RTE_ETH_RSS_IPV4 & info.rss_hf_capa);
	CU_ASSERT_NOT_EQUAL(info.rss_hf, 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	pool_done(pool);
}

/*
 * The loop driver holds nothing no one reads: TX on a queue the peer has no
 * RX queue for, and TX from a stopped end, are refused.
 */
static void
test_loop_tx_refused(void)
{
	struct nb_pool *pool = pool_new("pt_looptx", 2047);
	struct rte_mbuf *m[2];
	struct nb_port_conf c;
	struct nb_port *a, *b;

	conf_with(&c, pool);
	c.nb_tx_queues = 2;
	a = nb_port_open("loop:txr/0", &c);
	c.nb_tx_queues = 1;
	b = nb_port_open("loop:txr/1", &c);	/* one RX queue */
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_start(b), 0);
	m[0] = pkt_make(pool, 0, 60);
	m[1] = pkt_make(pool, 1, 60);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 1, m, 1), 0);	/* b lacks RX 1 */
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 0, m, 1), 1);
	NB_TEST_ASSERT_INT_EQ(nb_port_stop(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 0, &m[1], 1), 0); /* stopped */
	NB_TEST_ASSERT_INT_EQ(nb_port_start(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_tx_burst(a, 0, &m[1], 1), 1);
	NB_TEST_ASSERT_INT_EQ(nb_port_rx_burst(b, 0, m, 2), 2);
	CU_ASSERT_TRUE(pkt_check(m[0], 0, 60));
	CU_ASSERT_TRUE(pkt_check(m[1], 1, 60));
	rte_pktmbuf_free_bulk(m, 2);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(b), 0);
	/* the loop driver takes no RX pool: none is needed (the sizing
	 * check once read the NULL pool) */
	nb_port_conf_init(&c, sizeof(c));
	a = nb_port_open("loop:txr/0", &c);
	CU_ASSERT_PTR_NOT_NULL(a);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(a), 0);
	pool_done(pool);
}

/* ---- events ------------------------------------------------------------- */

static unsigned int g_worker;	/* the second lcore (main()) */

struct ev_seen {
	unsigned int calls;
	uint32_t bits;
	unsigned int lcore;
	bool link_up;		/* nb_port_link() in the handler */
	bool close_it;		/* the handler closes the port */
	unsigned int sleep_ms;	/* the handler takes its time */
	bool port_ok;		/* the port was usable at the end of the handler */
};

static void
ev_handler(struct nb_port *p, uint32_t events, void *arg)
{
	struct ev_seen *s = arg;
	struct nb_link l;
	struct nb_port_info info;

	s->calls++;
	s->bits |= events;
	s->lcore = rte_lcore_id();
	if (nb_port_link(p, &l, 0) == 0) {
		s->link_up = l.up;
	}
	if (s->sleep_ms != 0) {
		rte_delay_ms(s->sleep_ms);
	}
	s->port_ok = nb_port_info(p, &info) == 0;
	if (s->close_it) {
		NB_TEST_ASSERT_INT_EQ(nb_port_close(p), 0);
	}
}

/* Run the calling lcore's reactor until nothing is left to do. */
static void
ev_poll(void)
{
	int i;

	for (i = 0; i < 8; i++) {
		nb_reactor_poll_once(rte_rdtsc());
	}
}

static volatile bool g_ev_raise_done;

static int
ev_raise_remote(void *arg)
{
	nb_port_drv_event(arg, NB_PORT_EV_REMOVED);
	g_ev_raise_done = true;
	return 0;
}

/*
 * Events reach the handler on its lcore as messages: link changes of a loop
 * pair, coalesced; one raised on another lcore; one raised before the
 * handler was set; a delivery queued when the port closes does nothing; the
 * handler may close the port.
 */
static void
test_events(void)
{
	struct nb_pool *pool = pool_new("pt_ev", 2047);
	struct ev_seen sa, sb;
	struct nb_port_conf c;
	struct nb_port *a, *b;
	unsigned int main_lc = rte_lcore_id(), worker;

	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(NULL), 0);
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	conf_with(&c, pool);
	a = nb_port_open("loop:ev/0", &c);
	b = nb_port_open("loop:ev/1", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(nb_port_event_handler_set(a, RTE_MAX_LCORE, ev_handler,
						  &sa), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_port_event_handler_set(a, main_lc, ev_handler,
							&sa), 0);
	NB_TEST_ASSERT_INT_EQ(nb_port_event_handler_set(b, main_lc, ev_handler,
							&sb), 0);
	/* one end started: the link stays down, no event */
	NB_TEST_ASSERT_INT_EQ(nb_port_start(a), 0);
	ev_poll();
	NB_TEST_ASSERT_INT_EQ(sa.calls, 0);
	/* both: up, one delivery each, on the handler's lcore */
	NB_TEST_ASSERT_INT_EQ(nb_port_start(b), 0);
	ev_poll();
	NB_TEST_ASSERT_INT_EQ(sa.calls, 1);
	NB_TEST_ASSERT_INT_EQ(sb.calls, 1);
	NB_TEST_ASSERT_INT_EQ(sa.bits, NB_PORT_EV_LINK);
	NB_TEST_ASSERT_INT_EQ(sa.lcore, main_lc);
	CU_ASSERT_TRUE(sa.link_up);
	/* three flaps before the reactor runs: one delivery, link down */
	nb_port_stop(b);
	nb_port_start(b);
	nb_port_stop(b);
	ev_poll();
	NB_TEST_ASSERT_INT_EQ(sa.calls, 2);
	CU_ASSERT_FALSE(sa.link_up);
	/* raised on another lcore */
	worker = g_worker;
	g_ev_raise_done = false;
	NB_TEST_ASSERT_INT_EQ(rte_eal_remote_launch(ev_raise_remote, a, worker), 0);
	rte_eal_wait_lcore(worker);
	CU_ASSERT_TRUE(g_ev_raise_done);
	sa.bits = 0;
	ev_poll();
	NB_TEST_ASSERT_INT_EQ(sa.calls, 3);
	NB_TEST_ASSERT_INT_EQ(sa.bits, NB_PORT_EV_REMOVED);
	/* queued, then the port closes: the delivery does nothing */
	nb_port_start(b);		/* LINK to both, queued */
	NB_TEST_ASSERT_INT_EQ(nb_port_close(a), 0);
	ev_poll();
	NB_TEST_ASSERT_INT_EQ(sa.calls, 3);
	/* b saw its link go up, then down when a closed: one delivery */
	NB_TEST_ASSERT_INT_EQ(sb.calls, 3);
	/* raised before a handler: taken by polling, or delivered when set */
	a = nb_port_open("loop:ev/0", &c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	nb_port_start(a);		/* b is started: up */
	NB_TEST_ASSERT_INT_EQ(nb_port_events_take(a), NB_PORT_EV_LINK);
	NB_TEST_ASSERT_INT_EQ(nb_port_events_take(a), 0);
	nb_port_stop(a);
	memset(&sa, 0, sizeof(sa));
	sa.close_it = true;		/* the handler closes its port */
	NB_TEST_ASSERT_INT_EQ(nb_port_event_handler_set(a, main_lc, ev_handler,
							&sa), 0);
	ev_poll();
	NB_TEST_ASSERT_INT_EQ(sa.calls, 1);
	CU_ASSERT_TRUE(sa.port_ok);
	NB_TEST_ASSERT_INT_EQ(nb_port_close(b), 0);
	ev_poll();
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
	pool_done(pool);
}

/* The worker runs its reactor until told to stop. */
static volatile bool g_ev_spin;

static int
ev_reactor_loop(void *arg)
{
	RTE_SET_USED(arg);
	while (g_ev_spin) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	return 0;
}

/*
 * Two lcores: the handler runs on the worker's reactor and takes 50 ms;
 * the main lcore closes the port meanwhile. Close waits for the handler,
 * which still finds its port usable (ASan sees any use after free).
 */
static void
test_events_close_race(void)
{
	struct nb_pool *pool = pool_new("pt_evr", 2047);
	struct ev_seen s;
	struct nb_port_conf c;
	struct nb_port *a;
	unsigned int worker, round;

	worker = g_worker;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(NULL), 0);
	conf_with(&c, pool);
	for (round = 0; round < 20; round++) {
		memset(&s, 0, sizeof(s));
		s.sleep_ms = round % 2 == 0 ? 20 : 0;
		a = nb_port_open("loop:evr/0", &c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		NB_TEST_ASSERT_INT_EQ(nb_port_event_handler_set(a, worker,
						ev_handler, &s), 0);
		g_ev_spin = true;
		NB_TEST_ASSERT_INT_EQ(rte_eal_remote_launch(ev_reactor_loop, NULL,
							    worker), 0);
		nb_port_drv_event(a, NB_PORT_EV_LINK);
		if (s.sleep_ms != 0) {
			while (__atomic_load_n(&s.calls, __ATOMIC_ACQUIRE) == 0) {
				rte_pause();
			}
		}
		NB_TEST_ASSERT_INT_EQ(nb_port_close(a), 0);
		if (s.sleep_ms != 0) {
			/* close returned after the handler */
			CU_ASSERT_TRUE(__atomic_load_n(&s.port_ok, __ATOMIC_ACQUIRE));
		}
		g_ev_spin = false;
		rte_eal_wait_lcore(worker);
		CU_ASSERT(s.calls <= 1);
	}
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
	pool_done(pool);
}

static const CU_TestInfo tests[] = {
	{ "open_null", test_open_null },
	{ "open_twice_busy", test_open_twice_busy },
	{ "bad_specs", test_bad_specs },
	{ "bad_confs", test_bad_confs },
	{ "offload_refused", test_offload_refused },
	{ "pool_warning", test_pool_warning },
	{ "ring_traffic", test_ring_traffic },
	{ "loop_traffic", test_loop_traffic },
	{ "queue_handles", test_queue_handles },
	{ "loop_close_inflight", test_loop_close_inflight },
	{ "recycle", test_recycle },
	{ "recycle_headroom", test_recycle_headroom },
	{ "rss_and_rx_pools", test_rss_and_rx_pools },
	{ "loop_two_lcores", test_loop_two_lcores },
	{ "adopted_open_fails_harmless", test_adopted_open_fails_harmless },
	{ "close_twice", test_close_twice },
	{ "hotplug_by_device", test_hotplug_by_device },
	{ "rss_fallback", test_rss_fallback },
	{ "loop_tx_refused", test_loop_tx_refused },
	{ "events", test_events },
	{ "events_close_race", test_events_close_race },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	unsigned int worker;
	int ret = nb_test_env_init_two_lcores(&worker);

	if (ret < 0) {
		fprintf(stderr, "nb_env_init: %s\n", strerror(-ret));
		return NB_TEST_EXIT_ERROR;
	}
	g_worker = worker;
	ret = nb_test_main(argc, argv, "port", tests);
	nb_env_fini();
	return ret;
}
