/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/port: the driver registry, opening and configuring ports (checked
 * against what the device reports), the pool sizing rule, statistics and
 * telemetry. The data path is inline in nb_port.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>
#include <rte_telemetry.h>

#include "nb_env.h"
#include "nb_internal.h"
#include "nb_port.h"
#include "nb_port_driver.h"
#include "port_internal.h"

NB_LOG_REGISTER(port);

/* Most drivers and ports nbkit keeps track of. */
#define MAX_DRIVERS 8
#define MAX_PORTS RTE_MAX_ETHPORTS

struct driver {
	const char *name;
	const struct nb_port_ops *ops;
};

static struct driver g_drivers[MAX_DRIVERS];
static unsigned int g_nb_drivers;
static struct nb_port *g_ports[MAX_PORTS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- registry ----------------------------------------------------------- */

void
nb_port_driver_register(const char *name, const struct nb_port_ops *ops)
{
	if (g_nb_drivers == MAX_DRIVERS) {
		PORT_LOG(ERR, "port driver %s: more than %d drivers; not registered",
			 name, MAX_DRIVERS);
		return;
	}
	g_drivers[g_nb_drivers].name = name;
	g_drivers[g_nb_drivers].ops = ops;
	g_nb_drivers++;
}

static const struct driver *
driver_for(const char *spec)
{
	const struct driver *fallback = NULL;
	unsigned int i;

	for (i = 0; i < g_nb_drivers; i++) {
		const char *pre = g_drivers[i].ops->prefix;

		if (pre == NULL) {
			if (fallback == NULL) {
				fallback = &g_drivers[i];
			}
		} else if (strncmp(spec, pre, strlen(pre)) == 0) {
			return &g_drivers[i];
		}
	}
	return fallback;
}

/* ---- driver helpers ----------------------------------------------------- */

void *
nb_port_drv_priv(const struct nb_port *p)
{
	return p->priv;
}

void
nb_port_drv_set_priv(struct nb_port *p, void *priv)
{
	p->priv = priv;
}

void
nb_port_drv_set_ethdev(struct nb_port *p, uint16_t port_id)
{
	p->fast.port_id = port_id;
}

int
nb_port_drv_set_queues(struct nb_port *p, void *const *rxq, void *const *txq)
{
	uint16_t nr = p->conf.nb_rx_queues, nt = p->conf.nb_tx_queues;
	void **r = NULL, **t = NULL;

	r = rte_zmalloc("nb_port_rxq", sizeof(void *) * (nr + 1), 0);
	t = rte_zmalloc("nb_port_txq", sizeof(void *) * (nt + 1), 0);
	if (r == NULL || t == NULL) {
		rte_free(r);
		rte_free(t);
		return -ENOMEM;
	}
	if (nr > 0) {
		memcpy(r, rxq, sizeof(void *) * nr);
	}
	if (nt > 0) {
		memcpy(t, txq, sizeof(void *) * nt);
	}
	rte_free(p->fast.rxq);
	rte_free(p->fast.txq);
	p->fast.rxq = r;
	p->fast.txq = t;
	return 0;
}

/* ---- configuration ------------------------------------------------------ */

void
nb_port_conf_init(struct nb_port_conf *conf, size_t opts_size)
{
	struct nb_port_conf d;

	if (conf == NULL) {
		return;
	}
	memset(&d, 0, sizeof(d));
	d.opts_size = sizeof(d);
	d.nb_rx_queues = 1;
	d.nb_tx_queues = 1;
	d.pool_inflight = NB_PORT_INFLIGHT_AUTO;
	d.socket_id = SOCKET_ID_ANY;
	if (opts_size > sizeof(d)) {
		opts_size = sizeof(d);
	}
	memcpy(conf, &d, opts_size);
	conf->opts_size = opts_size;
}

/* Copy the caller's conf (any known size) over the defaults. */
static int
conf_copy(const char *spec, const struct nb_port_conf *in,
	  struct nb_port_conf *out)
{
	nb_port_conf_init(out, sizeof(*out));
	if (in == NULL) {
		PORT_LOG(ERR, "port %s: conf is NULL (nb_port_conf_init() it)", spec);
		return -EINVAL;
	}
	if (in->opts_size > sizeof(*out) ||
	    in->opts_size < offsetof(struct nb_port_conf, nb_tx_queues)) {
		PORT_LOG(ERR, "port %s: conf.opts_size %zu is not one this library "
			 "knows (%zu)", spec, in->opts_size, sizeof(*out));
		return -EINVAL;
	}
	memcpy(out, in, in->opts_size);
	out->opts_size = sizeof(*out);
	return 0;
}

/* Name the first bit of @bad with @namefn, for the log. */
static const char *
offload_name(uint64_t bad, const char *(*namefn)(uint64_t))
{
	uint64_t bit = bad & -bad;

	return namefn(bit);
}

/* Check @c against what the device reports; resolves rss_hf. */
static int
conf_check(struct nb_port *p, struct nb_port_conf *c,
	   const struct nb_port_info *info)
{
	const char *n = p->spec;
	uint64_t bad, want;
	uint16_t q;

	if (c->nb_rx_queues > NB_PORT_MAX_QUEUES ||
	    c->nb_tx_queues > NB_PORT_MAX_QUEUES) {
		PORT_LOG(ERR, "port %s: %u RX / %u TX queues: nbkit takes at most %d",
			 n, c->nb_rx_queues, c->nb_tx_queues, NB_PORT_MAX_QUEUES);
		return -EINVAL;
	}
	if (c->nb_rx_queues > info->max_rx_queues ||
	    c->nb_tx_queues > info->max_tx_queues) {
		PORT_LOG(ERR, "port %s: %u RX / %u TX queues asked, the device has "
			 "at most %u / %u", n, c->nb_rx_queues, c->nb_tx_queues,
			 info->max_rx_queues, info->max_tx_queues);
		return -EINVAL;
	}
	if (c->nb_rx_queues + c->nb_tx_queues == 0) {
		PORT_LOG(ERR, "port %s: no RX and no TX queue", n);
		return -EINVAL;
	}
	if (c->rx_poolset != NULL) {
		if (c->rx_pools != NULL) {
			PORT_LOG(ERR, "port %s: rx_poolset and rx_pools: give one "
				 "of them", n);
			return -EINVAL;
		}
		if (info->max_rx_mempools < nb_poolset_count(c->rx_poolset)) {
			PORT_LOG(ERR, "port %s: rx_poolset has %u classes, the device "
				 "takes %u RX mempools per queue", n,
				 nb_poolset_count(c->rx_poolset),
				 info->max_rx_mempools);
			return -ENOTSUP;
		}
	} else if (c->rx_pools != NULL) {
		for (q = 0; q < c->nb_rx_queues; q++) {
			if (c->rx_pools[q] == NULL) {
				PORT_LOG(ERR, "port %s: rx_pools[%u] is NULL", n, q);
				return -EINVAL;
			}
		}
	} else if (c->nb_rx_queues > 0 && c->pool == NULL &&
		   (p->ops->flags & NB_PORT_OPS_F_RX_POOL) != 0) {
		PORT_LOG(ERR, "port %s: %u RX queue(s) and no pool to feed them "
			 "(conf.pool)", n, c->nb_rx_queues);
		return -EINVAL;
	}
	bad = c->rx_offloads & ~info->rx_offload_capa;
	if (bad != 0) {
		PORT_LOG(ERR, "port %s: RX offload %s is not supported by the device "
			 "(it reports 0x%" PRIx64 ")", n,
			 offload_name(bad, rte_eth_dev_rx_offload_name),
			 info->rx_offload_capa);
		return -ENOTSUP;
	}
	bad = c->tx_offloads & ~info->tx_offload_capa;
	if (bad != 0) {
		PORT_LOG(ERR, "port %s: TX offload %s is not supported by the device "
			 "(it reports 0x%" PRIx64 ")", n,
			 offload_name(bad, rte_eth_dev_tx_offload_name),
			 info->tx_offload_capa);
		return -ENOTSUP;
	}
	if (c->rss) {
		if (c->nb_rx_queues < 2) {
			PORT_LOG(ERR, "port %s: RSS needs several RX queues (%u)", n,
				 c->nb_rx_queues);
			return -EINVAL;
		}
		want = c->rss_hf != 0 ? c->rss_hf : NB_PORT_RSS_HF_DEFAULT;
		/* testpmd's rule: hash what the device can, or fall back */
		c->rss_hf = want & info->rss_hf_capa;
		if (c->rss_hf == 0) {
			PORT_LOG(NOTICE, "port %s: the device hashes none of the RSS "
				 "fields asked (0x%" PRIx64 ", it reports 0x%" PRIx64
				 "): no RSS, every packet arrives on RX queue 0", n,
				 want, info->rss_hf_capa);
			c->rss = false;
		} else if (c->rss_hf != want) {
			PORT_LOG(NOTICE, "port %s: RSS hashes 0x%" PRIx64 " (0x%" PRIx64
				 " asked: the device does not hash 0x%" PRIx64 ")", n,
				 c->rss_hf, want, want & ~info->rss_hf_capa);
		}
	}
	return 0;
}

/*
 * The pool sizing rule (nb_port.h): warn when a pool feeding RX queues is
 * smaller than RX descriptors x queues + per-lcore caches + in flight.
 */
static void
pool_check(struct nb_port *p, const struct nb_port_info *info)
{
	const struct nb_port_conf *c = &p->conf;
	struct nb_pool *pools[NB_PORT_MAX_QUEUES + 1];
	unsigned int fed[NB_PORT_MAX_QUEUES + 1];
	unsigned int np = 0, i;
	uint16_t q;
	uint64_t inflight;

	if (c->rx_poolset != NULL) {
		return;		/* classes fill by packet size: no one rule */
	}
	inflight = c->pool_inflight != NB_PORT_INFLIGHT_AUTO ? c->pool_inflight :
		(uint64_t)info->nb_tx_desc * c->nb_tx_queues +
		(uint64_t)(NB_PORT_BURST + NB_PORT_STASH_SIZE) * p->nb_q;
	for (q = 0; q < c->nb_rx_queues; q++) {
		struct nb_pool *pl = c->rx_pools != NULL ? c->rx_pools[q] : c->pool;

		if (pl == NULL) {
			continue;	/* a driver that takes no RX pool (loop) */
		}

		for (i = 0; i < np && pools[i] != pl; i++) {
		}
		if (i == np) {
			pools[np] = pl;
			fed[np++] = 0;
		}
		fed[i]++;
	}
	for (i = 0; i < np; i++) {
		struct nb_pool_stats st;
		struct rte_mempool *mp = nb_pool_mempool(pools[i]);
		uint64_t rx = (uint64_t)fed[i] * info->nb_rx_desc;
		uint64_t cache = (uint64_t)mp->cache_size * 3 / 2 * rte_lcore_count();
		/* what a PMD holds beyond its descriptors (af_xdp fill rings) */
		uint64_t need = rx + cache + inflight + info->rx_kept_at_close;

		if (nb_pool_stats_get(pools[i], &st) != 0 || st.size >= need) {
			continue;
		}
		PORT_LOG(WARNING, "port %s: pool %s has %u buffers, fewer than RX "
			 "descriptors %u x %u queue(s) = %" PRIu64 " + per-lcore caches "
			 "%u x 1.5 x %u lcore(s) = %" PRIu64 " + in flight %" PRIu64
			 ": a pool of %" PRIu64 " would do", p->spec,
			 nb_pool_name(pools[i]), st.size, info->nb_rx_desc, fed[i], rx,
			 mp->cache_size, rte_lcore_count(), cache, inflight, need);
	}
}

/* ---- open and close ----------------------------------------------------- */

static void
port_free(struct nb_port *p)
{
	rte_free(p->fast.rxq);
	rte_free(p->fast.txq);
	rte_free(p->fast.q);
	rte_free(p);
}

/* Give the buffers of the recycle stashes back to their pools. */
static void
stash_flush(struct nb_port *p)
{
	uint16_t i;

	for (i = 0; i < p->nb_q; i++) {
		struct nb_port__queue *q = &p->fast.q[i];

		if (q->stash_n > 0) {
			rte_pktmbuf_free_bulk(q->stash, q->stash_n);
			q->stash_n = 0;
		}
	}
}

struct nb_port *
nb_port_open(const char *spec, const struct nb_port_conf *conf)
{
	const struct driver *drv;
	struct nb_port_info info;
	struct nb_port *p;
	int ret, idx;

	if (spec == NULL || spec[0] == '\0') {
		PORT_LOG(ERR, "port spec is NULL or empty");
		rte_errno = EINVAL;
		return NULL;
	}
	if (strlen(spec) >= sizeof(p->spec)) {
		PORT_LOG(ERR, "port spec '%.32s...' is longer than %zu characters",
			 spec, sizeof(p->spec) - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	if (!nb_env_is_initialized()) {
		PORT_LOG(ERR, "port %s: the environment is not initialised", spec);
		rte_errno = ENODEV;
		return NULL;
	}
	drv = driver_for(spec);
	if (drv == NULL) {
		PORT_LOG(ERR, "port %s: no port driver for this spec", spec);
		rte_errno = ENODEV;
		return NULL;
	}
	p = rte_zmalloc("nb_port", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		PORT_LOG(ERR, "port %s: no memory", spec);
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_strlcpy(p->spec, spec, sizeof(p->spec));
	p->ops = drv->ops;
	p->drv_name = drv->name;
	p->index = -1;
	p->fast.port_id = NB_PORT_ID_NONE;
	p->fast.ethdev = (drv->ops->flags & NB_PORT_OPS_F_ETHDEV) != 0;
	p->fast.rx_burst = drv->ops->rx_burst;
	p->fast.tx_burst = drv->ops->tx_burst;
	ret = conf_copy(spec, conf, &p->conf);
	if (ret == 0) {
		ret = port_ev_open(p);
	}
	if (ret < 0) {
		rte_free(p);
		rte_errno = -ret;
		return NULL;
	}
	ret = drv->ops->open(p, spec);
	if (ret < 0) {
		port_ev_release(p);
		rte_free(p);
		rte_errno = -ret;
		return NULL;
	}
	ret = drv->ops->info(p, &info);
	if (ret < 0) {
		PORT_LOG(ERR, "port %s: reading its info: %s", spec, strerror(-ret));
		goto fail;
	}
	ret = conf_check(p, &p->conf, &info);
	if (ret < 0) {
		goto fail;
	}
	p->nb_q = RTE_MAX(p->conf.nb_rx_queues, p->conf.nb_tx_queues);
	p->fast.nb_rxq = p->conf.nb_rx_queues;
	p->fast.nb_txq = p->conf.nb_tx_queues;
	p->fast.pool = p->conf.pool;
	p->fast.mp = p->conf.pool != NULL ? nb_pool_mempool(p->conf.pool) : NULL;
	p->fast.headroom = p->fast.mp != NULL ?
		(uint16_t)(rte_pktmbuf_data_room_size(p->fast.mp) -
			   nb_pool_data_size(p->conf.pool)) : RTE_PKTMBUF_HEADROOM;
	p->fast.q = rte_zmalloc("nb_port_q", sizeof(*p->fast.q) * p->nb_q,
				RTE_CACHE_LINE_SIZE);
	if (p->fast.q == NULL) {
		PORT_LOG(ERR, "port %s: no memory for %u queues", spec, p->nb_q);
		ret = -ENOMEM;
		goto fail;
	}
	ret = drv->ops->configure(p, &p->conf);
	if (ret < 0) {
		goto fail;
	}
	if (drv->ops->info(p, &info) == 0) {
		pool_check(p, &info);
	}
	pthread_mutex_lock(&g_lock);
	for (idx = 0; idx < MAX_PORTS && g_ports[idx] != NULL; idx++) {
	}
	if (idx < MAX_PORTS) {
		g_ports[idx] = p;
		p->index = idx;
	}
	pthread_mutex_unlock(&g_lock);
	if (idx == MAX_PORTS) {
		PORT_LOG(ERR, "port %s: more than %d ports open", spec, MAX_PORTS);
		ret = -ENOMEM;
		goto fail;
	}
	return p;
fail:
	drv->ops->close(p);
	port_ev_release(p);
	port_free(p);
	rte_errno = -ret;
	return NULL;
}

int
nb_port_close(struct nb_port *p)
{
	int ret = 0, idx;

	if (p == NULL) {
		return 0;
	}
	/*
	 * A handle closed already is freed memory: find it in the table by
	 * its address, never by reading it (a second close is refused).
	 */
	pthread_mutex_lock(&g_lock);
	for (idx = 0; idx < MAX_PORTS && g_ports[idx] != p; idx++) {
	}
	pthread_mutex_unlock(&g_lock);
	if (idx == MAX_PORTS) {
		PORT_LOG(ERR, "nb_port_close(%p): not an open port (closed twice?)",
			 (void *)p);
		return -EINVAL;
	}
	port_ev_detach(p);	/* no handler uses p from here on */
	if (p->started) {
		ret = nb_port_stop(p);
	}
	/* Out of the table first: telemetry must not see a half-closed port. */
	pthread_mutex_lock(&g_lock);
	g_ports[idx] = NULL;
	pthread_mutex_unlock(&g_lock);
	stash_flush(p);
	p->ops->close(p);	/* no driver event after this */
	port_ev_release(p);
	port_free(p);
	return ret;
}

int
nb_port_start(struct nb_port *p)
{
	int ret;

	if (p == NULL) {
		return -EINVAL;
	}
	if (p->started) {
		return 0;
	}
	ret = p->ops->start(p);
	if (ret < 0) {
		PORT_LOG(ERR, "port %s: start: %s", p->spec, strerror(-ret));
		return ret;
	}
	p->started = true;
	return 0;
}

int
nb_port_stop(struct nb_port *p)
{
	int ret;

	if (p == NULL) {
		return -EINVAL;
	}
	if (!p->started) {
		return 0;
	}
	ret = p->ops->stop(p);
	p->started = false;
	stash_flush(p);
	if (ret < 0) {
		PORT_LOG(ERR, "port %s: stop: %s", p->spec, strerror(-ret));
	}
	return ret;
}

/* ---- state and statistics ----------------------------------------------- */

int
nb_port_link(struct nb_port *p, struct nb_link *link, uint32_t timeout_ms)
{
	uint64_t end;
	int ret;

	if (p == NULL || link == NULL) {
		return -EINVAL;
	}
	end = rte_get_timer_cycles() +
		rte_get_timer_hz() * (uint64_t)timeout_ms / 1000;
	for (;;) {
		memset(link, 0, sizeof(*link));
		ret = p->ops->link(p, link);
		if (ret < 0) {
			return ret;
		}
		if (link->up || timeout_ms == 0) {
			return 0;
		}
		if (rte_get_timer_cycles() >= end) {
			return -ETIMEDOUT;
		}
		rte_delay_us_sleep(1000);
	}
}

int
nb_port_mac(struct nb_port *p, struct rte_ether_addr *mac)
{
	if (p == NULL || mac == NULL) {
		return -EINVAL;
	}
	return p->ops->mac(p, mac);
}

static void
own_counters(const struct nb_port *p, uint64_t *dropped, uint64_t *recycled)
{
	uint16_t i;

	*dropped = 0;
	*recycled = 0;
	for (i = 0; i < p->nb_q; i++) {
		*dropped += p->fast.q[i].tx_dropped;
		*recycled += p->fast.q[i].rx_recycled;
	}
}

int
nb_port_stats(struct nb_port *p, struct nb_port_stats *s)
{
	int ret;

	if (p == NULL || s == NULL) {
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	ret = p->ops->stats(p, s);
	if (ret < 0) {
		return ret;
	}
	own_counters(p, &s->tx_dropped, &s->rx_recycled);
	return 0;
}

int
nb_port_stats_reset(struct nb_port *p)
{
	uint16_t i;

	if (p == NULL) {
		return -EINVAL;
	}
	for (i = 0; i < p->nb_q; i++) {
		p->fast.q[i].tx_dropped = 0;
		p->fast.q[i].rx_recycled = 0;
	}
	return p->ops->stats_reset(p);
}

int
nb_port_xstats(struct nb_port *p, struct nb_port_xstat *xs, unsigned int n)
{
	uint64_t own[2];
	static const char *const own_names[2] = { "nb_tx_dropped", "nb_rx_recycled" };
	int nd = 0;
	unsigned int i;

	if (p == NULL) {
		return -EINVAL;
	}
	if (p->ops->xstats != NULL) {
		nd = p->ops->xstats(p, xs, xs != NULL ? n : 0);
		if (nd < 0) {
			return nd;
		}
	}
	own_counters(p, &own[0], &own[1]);
	for (i = 0; i < 2; i++) {
		if (xs != NULL && (unsigned int)nd + i < n) {
			rte_strlcpy(xs[nd + i].name, own_names[i], sizeof(xs[0].name));
			xs[nd + i].value = own[i];
		}
	}
	return nd + 2;
}

int
nb_port_xstat_get(struct nb_port *p, const char *name, uint64_t *value)
{
	struct nb_port_xstat *xs;
	int n, i, ret = -ENOENT;

	if (p == NULL || name == NULL || value == NULL) {
		return -EINVAL;
	}
	n = nb_port_xstats(p, NULL, 0);
	if (n < 0) {
		return n;
	}
	xs = calloc(n, sizeof(*xs));
	if (xs == NULL) {
		return -ENOMEM;
	}
	i = nb_port_xstats(p, xs, n);
	if (i < 0) {
		free(xs);
		return i;
	}
	n = RTE_MIN(i, n);
	for (i = 0; i < n; i++) {
		if (strcmp(xs[i].name, name) == 0) {
			*value = xs[i].value;
			ret = 0;
			break;
		}
	}
	free(xs);
	return ret;
}

int
nb_port_info(struct nb_port *p, struct nb_port_info *info)
{
	int ret;

	if (p == NULL || info == NULL) {
		return -EINVAL;
	}
	memset(info, 0, sizeof(*info));
	ret = p->ops->info(p, info);
	if (ret < 0) {
		return ret;
	}
	info->started = p->started;
	info->rss_hf = p->conf.rss ? p->conf.rss_hf : 0;
	return 0;
}

uint16_t
nb_port_id(const struct nb_port *p)
{
	return p != NULL ? p->fast.port_id : NB_PORT_ID_NONE;
}

int
nb_port_queue_get(struct nb_port *p, bool tx, uint16_t queue,
		  struct nb_port_queue *q)
{
	void **arr;

	if (p == NULL || q == NULL ||
	    queue >= (tx ? p->conf.nb_tx_queues : p->conf.nb_rx_queues)) {
		return -EINVAL;
	}
	memset(q, 0, sizeof(*q));
	q->port_id = p->fast.port_id;
	q->queue = queue;
	q->ethdev = p->fast.ethdev;
	q->tx = tx;
	q->burst = tx ? p->fast.tx_burst : p->fast.rx_burst;
	arr = tx ? p->fast.txq : p->fast.rxq;
	q->qdata = arr != NULL ? arr[queue] : NULL;	/* ethdev: none */
	return 0;
}

int
nb_port_index(const struct nb_port *p)
{
	return p != NULL ? p->index : -EINVAL;
}

/* ---- telemetry ---------------------------------------------------------- */

static int
tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	pthread_mutex_lock(&g_lock);
	for (i = 0; i < MAX_PORTS; i++) {
		if (g_ports[i] != NULL) {
			rte_tel_data_add_array_int(d, i);
		}
	}
	pthread_mutex_unlock(&g_lock);
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct nb_port_stats s;
	struct nb_port_info info;
	struct nb_port *p;
	char *end;
	long id;
	int ret = -EINVAL;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0') {
		return -EINVAL;
	}
	id = strtol(params, &end, 10);
	if (*end != '\0' || id < 0 || id >= MAX_PORTS) {
		return -EINVAL;
	}
	pthread_mutex_lock(&g_lock);
	p = g_ports[id];
	if (p != NULL && nb_port_stats(p, &s) == 0 && nb_port_info(p, &info) == 0) {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "name", info.name);
		rte_tel_data_add_dict_string(d, "driver", info.driver);
		rte_tel_data_add_dict_int(d, "port_id",
			info.port_id == NB_PORT_ID_NONE ? -1 : info.port_id);
		rte_tel_data_add_dict_u64(d, "ipackets", s.ipackets);
		rte_tel_data_add_dict_u64(d, "opackets", s.opackets);
		rte_tel_data_add_dict_u64(d, "ibytes", s.ibytes);
		rte_tel_data_add_dict_u64(d, "obytes", s.obytes);
		rte_tel_data_add_dict_u64(d, "imissed", s.imissed);
		rte_tel_data_add_dict_u64(d, "ierrors", s.ierrors);
		rte_tel_data_add_dict_u64(d, "oerrors", s.oerrors);
		rte_tel_data_add_dict_u64(d, "rx_nombuf", s.rx_nombuf);
		rte_tel_data_add_dict_u64(d, "tx_dropped", s.tx_dropped);
		rte_tel_data_add_dict_u64(d, "rx_recycled", s.rx_recycled);
		ret = 0;
	}
	pthread_mutex_unlock(&g_lock);
	return ret;
}

RTE_INIT(port_telemetry_init)
{
	rte_telemetry_register_cmd("/nbkit/port/list", tel_list,
		"Returns the indexes of the open nbkit ports. Takes no parameters");
	rte_telemetry_register_cmd("/nbkit/port/stats", tel_stats,
		"Returns the statistics of an nbkit port. Parameters: int port index");
}
