/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loop port driver: "loop:NAME/0" and "loop:NAME/1" are the two ends of
 * an in-process pair of ports. What end e transmits on queue q goes, as the
 * same mbuf pointers (zero-copy), through a lockless single-producer
 * single-consumer rte_ring to RX queue q of the other end.
 *
 * The ring of direction e (end e's TX queue q -> the peer's RX queue q) is
 * created by end e when it is configured and lives as long as the pair (a
 * pair lives while one of its ends is open), so a polling end never sees a
 * ring go away. The link is up while both ends are started; TX queue q
 * takes packets only while both ends are started and the peer has RX queue
 * q (else nb_port_tx_burst() returns 0: nothing is held where no one reads
 * it). An end that stops frees what is waiting in the rings it receives
 * from; closing the last end frees everything still in the rings. When the link
 * (both ends started) goes up or down, both open ends get NB_PORT_EV_LINK.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_string_fns.h>

#include "nb_internal.h"
#include "nb_port.h"
#include "nb_port_driver.h"

NB_LOG_REGISTER(net_loop);

#define LOOP_LOG(level, ...) NB_LOG(net_loop, level, __VA_ARGS__)

#define LOOP_PREFIX "loop:"
#define LOOP_NAMESIZE 32
#define LOOP_DEFAULT_DESC 1024

struct loop_pair;

/* One queue of one end; RX reads the peer's ring, TX writes its own. */
struct loop_q {
	struct loop_pair *pair;
	struct rte_ring **ring;		/* &pair->ring[dir][q] */
	const bool *self_started;	/* RX: this end */
	const bool *tx_ok;		/* TX: &pair->tx_ok[end][q] */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t refused;		/* TX: not taken (ring full, link down) */
} __rte_cache_aligned;

struct loop_end {
	struct loop_pair *pair;
	int end;
	uint16_t nb_rxq, nb_txq, nb_desc;
	uint16_t mtu;
	struct loop_q *rxq;
	struct loop_q *txq;
};

struct loop_pair {
	char name[LOOP_NAMESIZE];
	unsigned int serial;
	struct rte_ring *ring[2][NB_PORT_MAX_QUEUES];
	bool open[2];
	bool started[2];
	uint16_t nb_rxq[2];		/* RX queues of each end (0: not configured) */
	struct nb_port *port[2];	/* the open ends, for link events */
	bool link_up;			/* both ends started */
	bool tx_ok[2][NB_PORT_MAX_QUEUES]; /* end e may send on queue q */
	struct loop_pair *next;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct loop_pair *g_pairs;
static unsigned int g_serial;

/* ---- fast path ---------------------------------------------------------- */

static uint64_t
sum_bytes(struct rte_mbuf **m, uint16_t n)
{
	uint64_t b = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		b += m[i]->pkt_len;
	}
	return b;
}

static uint16_t
loop_rx(void *queue, struct rte_mbuf **m, uint16_t n)
{
	struct loop_q *q = queue;
	struct rte_ring *r = __atomic_load_n(q->ring, __ATOMIC_ACQUIRE);
	unsigned int got;

	if (unlikely(r == NULL ||
		     !__atomic_load_n(q->self_started, __ATOMIC_RELAXED))) {
		return 0;
	}
	got = rte_ring_sc_dequeue_burst(r, (void **)m, n, NULL);
	q->pkts += got;
	q->bytes += sum_bytes(m, (uint16_t)got);
	return (uint16_t)got;
}

static uint16_t
loop_tx(void *queue, struct rte_mbuf **m, uint16_t n)
{
	struct loop_q *q = queue;
	unsigned int put;

	if (unlikely(!__atomic_load_n(q->tx_ok, __ATOMIC_ACQUIRE))) {
		q->refused += n;
		return 0;
	}
	put = rte_ring_sp_enqueue_burst(*q->ring, (void **)m, n, NULL);
	q->pkts += put;
	q->bytes += sum_bytes(m, (uint16_t)put);
	q->refused += n - put;
	return (uint16_t)put;
}

/* ---- control path ------------------------------------------------------- */

static void
ring_drain(struct rte_ring *r)
{
	struct rte_mbuf *m[64];
	unsigned int k;

	if (r == NULL) {
		return;
	}
	while ((k = rte_ring_sc_dequeue_burst(r, (void **)m, RTE_DIM(m), NULL)) > 0) {
		rte_pktmbuf_free_bulk(m, k);
	}
}

/*
 * Recompute which TX queues may send (g_lock held): queue q of end e while
 * both ends are started and the peer has RX queue q.
 */
static void
tx_ok_update(struct loop_pair *pr)
{
	bool up = pr->started[0] && pr->started[1];
	unsigned int e, q;

	for (e = 0; e < 2; e++) {
		for (q = 0; q < NB_PORT_MAX_QUEUES; q++) {
			__atomic_store_n(&pr->tx_ok[e][q], up && q < pr->nb_rxq[1 - e],
					 __ATOMIC_RELEASE);
		}
	}
	if (up != pr->link_up) {
		pr->link_up = up;
		for (e = 0; e < 2; e++) {
			nb_port_drv_event(pr->port[e], NB_PORT_EV_LINK);
		}
	}
}

/* Free what waits for end @e in the rings it receives from. */
static void
drain_inbound(struct loop_pair *pr, int e)
{
	unsigned int q;

	for (q = 0; q < NB_PORT_MAX_QUEUES; q++) {
		ring_drain(pr->ring[1 - e][q]);
	}
}

static int
parse_spec(const char *spec, char *name, int *end)
{
	const char *s = spec + strlen(LOOP_PREFIX);
	const char *slash = strrchr(s, '/');
	size_t len;

	if (slash == NULL || (slash[1] != '0' && slash[1] != '1') ||
	    slash[2] != '\0') {
		return -EINVAL;
	}
	len = (size_t)(slash - s);
	if (len == 0 || len >= LOOP_NAMESIZE) {
		return -EINVAL;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	*end = slash[1] - '0';
	return 0;
}

static int
loop_open(struct nb_port *p, const char *spec)
{
	char name[LOOP_NAMESIZE];
	struct loop_pair *pr;
	struct loop_end *le;
	int e, ret = 0;

	if (parse_spec(spec, name, &e) < 0) {
		LOOP_LOG(ERR, "port %s: bad argument: a loop spec is loop:NAME/0 or "
			 "loop:NAME/1 (NAME 1..%d characters)", spec,
			 LOOP_NAMESIZE - 1);
		return -EINVAL;
	}
	le = calloc(1, sizeof(*le));
	if (le == NULL) {
		return -ENOMEM;
	}
	pthread_mutex_lock(&g_lock);
	for (pr = g_pairs; pr != NULL && strcmp(pr->name, name) != 0; pr = pr->next) {
	}
	if (pr == NULL) {
		pr = calloc(1, sizeof(*pr));
		if (pr == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		rte_strlcpy(pr->name, name, sizeof(pr->name));
		pr->serial = g_serial++;
		pr->next = g_pairs;
		g_pairs = pr;
	} else if (pr->open[e]) {
		LOOP_LOG(ERR, "port %s: device busy (this end is open)", spec);
		ret = -EBUSY;
		goto out;
	}
	pr->open[e] = true;
	pr->port[e] = p;
	le->pair = pr;
	le->end = e;
	le->mtu = RTE_ETHER_MTU;
	nb_port_drv_set_priv(p, le);
out:
	pthread_mutex_unlock(&g_lock);
	if (ret < 0) {
		free(le);
	}
	return ret;
}

static int
loop_info(struct nb_port *p, struct nb_port_info *info)
{
	struct loop_end *le = nb_port_drv_priv(p);

	snprintf(info->name, sizeof(info->name), LOOP_PREFIX "%s/%d",
		 le->pair->name, le->end);
	info->driver = "loop";
	info->pmd = "loop";
	info->port_id = NB_PORT_ID_NONE;
	info->nb_rx_queues = le->nb_rxq;
	info->nb_tx_queues = le->nb_txq;
	info->max_rx_queues = NB_PORT_MAX_QUEUES;
	info->max_tx_queues = NB_PORT_MAX_QUEUES;
	info->nb_rx_desc = le->nb_desc;
	info->nb_tx_desc = le->nb_desc;
	/* Chains pass through as they are: scatter and multi-segment TX. */
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->mtu = le->mtu;
	info->socket_id = (int)rte_socket_id();
	return 0;
}

static int
loop_configure(struct nb_port *p, const struct nb_port_conf *c)
{
	struct loop_end *le = nb_port_drv_priv(p);
	struct loop_pair *pr = le->pair;
	void *rxv[NB_PORT_MAX_QUEUES], *txv[NB_PORT_MAX_QUEUES];
	uint16_t desc = c->nb_tx_desc != 0 ? c->nb_tx_desc : LOOP_DEFAULT_DESC;
	int e = le->end, ret = 0;
	uint16_t q;

	le->rxq = rte_zmalloc("loop_rxq", sizeof(*le->rxq) * (c->nb_rx_queues + 1),
			      RTE_CACHE_LINE_SIZE);
	le->txq = rte_zmalloc("loop_txq", sizeof(*le->txq) * (c->nb_tx_queues + 1),
			      RTE_CACHE_LINE_SIZE);
	if (le->rxq == NULL || le->txq == NULL) {
		return -ENOMEM;
	}
	pthread_mutex_lock(&g_lock);
	for (q = 0; q < c->nb_tx_queues; q++) {
		char rname[RTE_RING_NAMESIZE];
		struct rte_ring *r;

		if (pr->ring[e][q] != NULL) {
			continue;
		}
		snprintf(rname, sizeof(rname), "nbloop%u_%d_%u", pr->serial, e, q);
		r = rte_ring_create(rname, desc, c->socket_id,
				    RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (r == NULL) {
			LOOP_LOG(ERR, "port loop:%s/%d: ring of %u for TX queue %u: %s",
				 pr->name, e, desc, q, rte_strerror(rte_errno));
			ret = -rte_errno;
			break;
		}
		__atomic_store_n(&pr->ring[e][q], r, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&g_lock);
	if (ret < 0) {
		return ret;
	}
	for (q = 0; q < c->nb_rx_queues; q++) {
		le->rxq[q].pair = pr;
		le->rxq[q].ring = &pr->ring[1 - e][q];
		le->rxq[q].self_started = &pr->started[e];
		rxv[q] = &le->rxq[q];
	}
	for (q = 0; q < c->nb_tx_queues; q++) {
		le->txq[q].pair = pr;
		le->txq[q].ring = &pr->ring[e][q];
		le->txq[q].tx_ok = &pr->tx_ok[e][q];
		txv[q] = &le->txq[q];
	}
	le->nb_rxq = c->nb_rx_queues;
	le->nb_txq = c->nb_tx_queues;
	le->nb_desc = desc;
	pthread_mutex_lock(&g_lock);
	pr->nb_rxq[e] = c->nb_rx_queues;
	tx_ok_update(pr);
	pthread_mutex_unlock(&g_lock);
	if (c->mtu != 0) {
		le->mtu = c->mtu;
	}
	return nb_port_drv_set_queues(p, rxv, txv);
}

static int
loop_start(struct nb_port *p)
{
	struct loop_end *le = nb_port_drv_priv(p);

	pthread_mutex_lock(&g_lock);
	__atomic_store_n(&le->pair->started[le->end], true, __ATOMIC_RELEASE);
	tx_ok_update(le->pair);
	pthread_mutex_unlock(&g_lock);
	return 0;
}

static int
loop_stop(struct nb_port *p)
{
	struct loop_end *le = nb_port_drv_priv(p);

	pthread_mutex_lock(&g_lock);
	__atomic_store_n(&le->pair->started[le->end], false, __ATOMIC_RELEASE);
	tx_ok_update(le->pair);
	pthread_mutex_unlock(&g_lock);
	drain_inbound(le->pair, le->end);
	return 0;
}

static void
loop_close(struct nb_port *p)
{
	struct loop_end *le = nb_port_drv_priv(p);
	struct loop_pair *pr, **pp;
	unsigned int d, q;

	if (le == NULL) {
		return;
	}
	pr = le->pair;
	pthread_mutex_lock(&g_lock);
	__atomic_store_n(&pr->started[le->end], false, __ATOMIC_RELEASE);
	pr->nb_rxq[le->end] = 0;
	tx_ok_update(pr);
	drain_inbound(pr, le->end);
	pr->open[le->end] = false;
	pr->port[le->end] = NULL;
	if (!pr->open[1 - le->end]) {
		for (pp = &g_pairs; *pp != pr; pp = &(*pp)->next) {
		}
		*pp = pr->next;
		for (d = 0; d < 2; d++) {
			for (q = 0; q < NB_PORT_MAX_QUEUES; q++) {
				ring_drain(pr->ring[d][q]);
				rte_ring_free(pr->ring[d][q]);
			}
		}
		free(pr);
	}
	pthread_mutex_unlock(&g_lock);
	rte_free(le->rxq);
	rte_free(le->txq);
	nb_port_drv_set_priv(p, NULL);
	free(le);
}

static int
loop_stats(struct nb_port *p, struct nb_port_stats *s)
{
	struct loop_end *le = nb_port_drv_priv(p);
	uint16_t q;

	for (q = 0; q < le->nb_rxq; q++) {
		s->ipackets += le->rxq[q].pkts;
		s->ibytes += le->rxq[q].bytes;
	}
	for (q = 0; q < le->nb_txq; q++) {
		s->opackets += le->txq[q].pkts;
		s->obytes += le->txq[q].bytes;
	}
	return 0;
}

static int
loop_stats_reset(struct nb_port *p)
{
	struct loop_end *le = nb_port_drv_priv(p);
	uint16_t q;

	for (q = 0; q < le->nb_rxq; q++) {
		le->rxq[q].pkts = 0;
		le->rxq[q].bytes = 0;
	}
	for (q = 0; q < le->nb_txq; q++) {
		le->txq[q].pkts = 0;
		le->txq[q].bytes = 0;
		le->txq[q].refused = 0;
	}
	return 0;
}

/* Per-queue packets and bytes, and what TX queues refused. */
static int
loop_xstats(struct nb_port *p, struct nb_port_xstat *xs, unsigned int n)
{
	struct loop_end *le = nb_port_drv_priv(p);
	unsigned int k = 0;
	uint16_t q;

#define LOOP_XSTAT(fmt, qn, v) do {					\
		if (xs != NULL && k < n) {				\
			snprintf(xs[k].name, sizeof(xs[k].name), fmt, qn); \
			xs[k].value = (v);				\
		}							\
		k++;							\
	} while (0)
	for (q = 0; q < le->nb_rxq; q++) {
		LOOP_XSTAT("rx_q%u_packets", q, le->rxq[q].pkts);
		LOOP_XSTAT("rx_q%u_bytes", q, le->rxq[q].bytes);
	}
	for (q = 0; q < le->nb_txq; q++) {
		LOOP_XSTAT("tx_q%u_packets", q, le->txq[q].pkts);
		LOOP_XSTAT("tx_q%u_bytes", q, le->txq[q].bytes);
		LOOP_XSTAT("tx_q%u_refused", q, le->txq[q].refused);
	}
#undef LOOP_XSTAT
	return (int)k;
}

static int
loop_link(struct nb_port *p, struct nb_link *link)
{
	struct loop_end *le = nb_port_drv_priv(p);
	struct loop_pair *pr = le->pair;

	link->up = __atomic_load_n(&pr->started[0], __ATOMIC_ACQUIRE) &&
		__atomic_load_n(&pr->started[1], __ATOMIC_ACQUIRE);
	link->full_duplex = true;
	link->autoneg = false;
	link->speed_mbps = link->up ? RTE_ETH_SPEED_NUM_100G : 0;
	return 0;
}

static int
loop_mac(struct nb_port *p, struct rte_ether_addr *mac)
{
	struct loop_end *le = nb_port_drv_priv(p);
	unsigned int s = le->pair->serial;

	/* Locally administered, unique per pair and end. */
	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[1] = 0x6e;
	mac->addr_bytes[2] = (uint8_t)(s >> 16);
	mac->addr_bytes[3] = (uint8_t)(s >> 8);
	mac->addr_bytes[4] = (uint8_t)s;
	mac->addr_bytes[5] = (uint8_t)le->end;
	return 0;
}

static const struct nb_port_ops loop_ops = {
	.prefix = LOOP_PREFIX,
	.flags = 0,
	.open = loop_open,
	.info = loop_info,
	.configure = loop_configure,
	.start = loop_start,
	.stop = loop_stop,
	.close = loop_close,
	.stats = loop_stats,
	.stats_reset = loop_stats_reset,
	.xstats = loop_xstats,
	.link = loop_link,
	.mac = loop_mac,
	.rx_burst = loop_rx,
	.tx_burst = loop_tx,
};

NB_PORT_DRIVER_REGISTER(loop, loop_ops);
