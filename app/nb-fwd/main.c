/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-fwd: nbkit's testpmd-like forwarding app.
 *
 *   nb-fwd [EAL options] -- [options]      (see --help)
 *
 * Bring-up: options, EAL (nb_env_init_args), one pool, the ports (EAL-probed
 * ethdevs, then --port specs), streams, reactors (one active poller per
 * stream, a timed stats poller and the --duration check on the main lcore).
 * Shutdown on SIGINT, SIGTERM or --duration: the reactors stop, pipeline
 * rings are drained, ports are stopped and closed, the pool is audited and
 * `buffers lost: N` printed; the exit code is 1 when N is not 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "nb_env.h"
#include "nb_pool.h"
#include "nb_port.h"
#include "nb_reactor.h"

#include "fwd.h"

struct fwd_app g_fwd;

/*
 * SIGINT, SIGTERM: caught from before EAL starts. During set-up the signal
 * is only remembered (a stop then would refuse the pollers still to be
 * registered); once set-up is done it stops the reactors. The two flags
 * are seq_cst, so a signal on any thread is seen by one side or both.
 */
static int g_signalled;
static int g_setup_done;

static void
on_signal(int sig)
{
	__atomic_store_n(&g_signalled, sig, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g_setup_done, __ATOMIC_SEQ_CST)) {
		nb_reactors_stop();
	}
}

/* Timed poller whose period is --duration: its first run is the end. */
static int
duration_poller(void *arg)
{
	(void)arg;
	nb_reactors_stop();
	return NB_POLLER_BUSY;
}

/* Pool size when --total-num-mbufs is not given: the port sizing rule
 * (descriptors, caches, bursts in flight) plus the pipeline rings. */
static unsigned int
pool_size(const struct fwd_cfg *c, unsigned int nb_ports)
{
	unsigned int segs = c->nb_txpkts;
	uint64_t n;

	n = (uint64_t)nb_ports * (c->rxd * c->rxq + c->txd * c->txq);
	n += (uint64_t)rte_lcore_count() * c->mbcache * 3 / 2;
	n += (uint64_t)nb_ports * c->rxq * (c->burst * 2 + NB_PORT_STASH_SIZE) * segs;
	n += (uint64_t)nb_ports * c->rxq * c->pipeline_ring;
	n += 4096;
	return n > (1u << 26) ? 1u << 26 : (unsigned int)n;
}

static int
open_port(const char *spec, const struct nb_port_conf *conf)
{
	struct fwd_port *fp;

	if (g_fwd.nb_ports == FWD_MAX_PORTS) {
		fprintf(stderr, "nb-fwd: more than %d ports\n", FWD_MAX_PORTS);
		return -E2BIG;
	}
	fp = &g_fwd.ports[g_fwd.nb_ports];
	fp->port = nb_port_open(spec, conf);
	if (fp->port == NULL && rte_errno == ENOTSUP && conf->promiscuous) {
		/* testpmd goes on without it (virtio without a control queue
		 * filters nothing anyway) */
		struct nb_port_conf c = *conf;

		c.promiscuous = false;
		fp->port = nb_port_open(spec, &c);
		if (fp->port != NULL) {
			printf("nb-fwd: port %s: the device refuses promiscuous mode; "
			       "going on without it\n", spec);
		}
	}
	if (fp->port == NULL) {
		fprintf(stderr, "nb-fwd: cannot open port '%s': %s\n", spec,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	snprintf(fp->name, sizeof(fp->name), "%s", spec);
	if (nb_port_mac(fp->port, &fp->mac) != 0) {
		memset(&fp->mac, 0, sizeof(fp->mac));
	}
	fp->nb_rxq = conf->nb_rx_queues;
	fp->nb_txq = conf->nb_tx_queues;
	fp->eal_port_id = RTE_MAX_ETHPORTS;
	g_fwd.nb_ports++;
	return 0;
}

static int
open_ports(void)
{
	struct fwd_cfg *c = &g_fwd.cfg;
	struct nb_port_conf conf;
	char names[FWD_MAX_PORTS][RTE_ETH_NAME_MAX_LEN];
	unsigned int nprobed = 0, i;
	uint16_t pid;
	int ret;

	RTE_ETH_FOREACH_DEV(pid) {
		if (nprobed == FWD_MAX_PORTS) {
			break;
		}
		if (rte_eth_dev_get_name_by_port(pid, names[nprobed]) == 0) {
			nprobed++;
		}
	}
	nb_port_conf_init(&conf, sizeof(conf));
	conf.nb_rx_queues = c->rxq;
	conf.nb_tx_queues = c->txq;
	conf.nb_rx_desc = c->rxd;
	conf.nb_tx_desc = c->txd;
	conf.pool = g_fwd.pool;
	conf.promiscuous = !c->no_promisc;	/* testpmd's default */
	conf.no_lsc_interrupt = c->no_lsc;
	/* testpmd's --max-pkt-len: the MTU, Ethernet header and CRC off */
	conf.mtu = c->max_pkt_len != 0 ? (uint16_t)(c->max_pkt_len -
		   RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN) : 0;
	conf.rss = c->rxq > 1;
	for (i = 0; i < nprobed; i++) {
		ret = open_port(names[i], &conf);
		if (ret != 0) {
			return ret;
		}
		g_fwd.ports[g_fwd.nb_ports - 1].eal_port_id =
			nb_port_id(g_fwd.ports[g_fwd.nb_ports - 1].port);
	}
	for (i = 0; i < c->nb_specs; i++) {
		ret = open_port(c->specs[i], &conf);
		if (ret != 0) {
			return ret;
		}
	}
	if (g_fwd.nb_ports == 0) {
		fprintf(stderr, "nb-fwd: no ports: give --vdev net_null0 (EAL) or "
			"--port SPEC\n");
		return -ENODEV;
	}
	return 0;
}

/*
 * Close every port; the ethdev ports EAL probed from the command line are
 * nb-fwd's to close too (nb_port_close() gives an adopted port back
 * unclosed), so the buffers their RX rings hold return before the audit,
 * as testpmd closes its ports at exit.
 */
static void
close_ports(void)
{
	unsigned int p;

	for (p = 0; p < g_fwd.nb_ports; p++) {
		struct fwd_port *fp = &g_fwd.ports[p];
		struct nb_port_info info;

		if (fp->port != NULL && nb_port_info(fp->port, &info) == 0) {
			g_fwd.kept_at_close += info.rx_kept_at_close;
		}

		nb_port_close(fp->port);
		fp->port = NULL;
		if (fp->eal_port_id != RTE_MAX_ETHPORTS) {
			rte_eth_dev_close(fp->eal_port_id);
		}
	}
}

static unsigned int
peer_of(unsigned int p)
{
	unsigned int n = g_fwd.nb_ports;

	if (g_fwd.eng->tx_same_port && g_fwd.cfg.has_ip) {
		return p;	/* icmpecho --ip: answer where asked */
	}
	switch (g_fwd.cfg.topo) {
	case FWD_TOPO_LOOP:
		return p;
	case FWD_TOPO_CHAINED:
		return (p + 1) % n;
	case FWD_TOPO_PAIRED:
	default:
		if (n == 1) {
			return 0;
		}
		if ((p ^ 1) >= n) {
			return p;	/* odd port out forwards to itself */
		}
		return p ^ 1;
	}
}

static struct fwd_stream *
stream_new(unsigned int rx_pi, uint16_t rxq, unsigned int tx_pi, uint16_t txq,
	   unsigned int core_idx)
{
	struct fwd_stream *fs;

	if (g_fwd.nb_streams == FWD_MAX_STREAMS) {
		fprintf(stderr, "nb-fwd: more than %d streams\n", FWD_MAX_STREAMS);
		return NULL;
	}
	fs = rte_zmalloc("nb-fwd stream", sizeof(*fs), RTE_CACHE_LINE_SIZE);
	if (fs == NULL) {
		fprintf(stderr, "nb-fwd: out of memory\n");
		return NULL;
	}
	fs->rx_pi = rx_pi;
	fs->tx_pi = tx_pi;
	fs->rx_port = g_fwd.ports[rx_pi].port;
	fs->tx_port = g_fwd.ports[tx_pi].port;
	fs->rxq = rxq;
	fs->txq = txq;
	if (nb_port_queue_get(fs->rx_port, false, rxq, &fs->rxh) != 0 ||
	    nb_port_queue_get(fs->tx_port, true, txq, &fs->txh) != 0) {
		fprintf(stderr, "nb-fwd: stream %u: no RX queue %u on %s or TX "
			"queue %u on %s\n", g_fwd.nb_streams, rxq,
			g_fwd.ports[rx_pi].name, txq, g_fwd.ports[tx_pi].name);
		rte_free(fs);
		return NULL;
	}
	fs->burst = g_fwd.cfg.burst;
	fs->core_idx = core_idx % g_fwd.nb_fwd_lcores;
	fs->lcore = g_fwd.fwd_lcores[fs->core_idx];
	fs->idx = g_fwd.nb_streams;
	fs->tx_src = g_fwd.ports[tx_pi].mac;
	fs->tx_dst = g_fwd.cfg.peer[tx_pi];
	fs->mp = nb_pool_mempool(g_fwd.pool);
	fs->pool = g_fwd.pool;
	fs->max_pkt_len = FWD_NO_MAX_LEN;	/* the port's MTU decides, not us */
	fs->nb_flows = g_fwd.cfg.flowgen_flows;
	fs->ip = g_fwd.cfg.ip;
	fs->ip_any = !g_fwd.cfg.has_ip;
	fs->rx_counted = true;
	fs->burst_stats = g_fwd.cfg.burst_stats;
	g_fwd.streams[g_fwd.nb_streams++] = fs;
	return fs;
}

static int
register_stream(struct fwd_stream *fs, nb_poller_fn fn, const char *what)
{
	char name[NB_POLLER_NAME_LEN];

	snprintf(name, sizeof(name), "%s-%u", what, fs->idx);
	fs->poller = nb_poller_register(fs->lcore, fn, fs, 0, name);
	if (fs->poller == NULL) {
		fprintf(stderr, "nb-fwd: cannot register poller %s on lcore %u: %s\n",
			name, fs->lcore, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

/* Forwarding lcores: the workers first, the main lcore when none is left. */
static int
pick_lcores(void)
{
	struct fwd_cfg *c = &g_fwd.cfg;
	unsigned int l, n = 0;

	RTE_LCORE_FOREACH_WORKER(l) {
		if (n < c->nb_cores) {
			g_fwd.fwd_lcores[n++] = l;
		}
	}
	if (n < c->nb_cores) {
		g_fwd.fwd_lcores[n++] = rte_get_main_lcore();
	}
	if (n < c->nb_cores) {
		fprintf(stderr, "nb-fwd: bad value for --nb-cores: '%u' (EAL has "
			"%u lcores)\n", c->nb_cores, rte_lcore_count());
		return -EINVAL;
	}
	g_fwd.nb_fwd_lcores = n;
	return 0;
}

static int
setup_streams(void)
{
	struct fwd_cfg *c = &g_fwd.cfg;
	const struct fwd_engine *e = g_fwd.eng;
	unsigned int p, q, i, k = 0;
	nb_poller_fn fn = e->fwd;
	int ret;

	if (strcmp(e->name, "rxonly") == 0 && c->latency) {
		fn = fwd_latrx;
	}
	fwd_engines_config(c);
	for (p = 0; p < g_fwd.nb_ports; p++) {
		for (q = 0; q < c->rxq; q++) {
			unsigned int tp = peer_of(p);
			uint16_t txq = q % c->txq;
			struct fwd_stream *fs;

			if (e->fanout) {
				txq = (k % g_fwd.nb_fwd_lcores) % c->txq;
			}
			fs = stream_new(p, q, tp, txq, k++);
			if (fs == NULL) {
				return -ENOMEM;
			}
			fs->no_tx = strcmp(e->name, "rxonly") == 0;
			if (e->init != NULL && e->init(fs) != 0) {
				return -EINVAL;
			}
			if (e->pipeline) {
				struct fwd_stream *w;
				char rn[RTE_RING_NAMESIZE];
				unsigned int wl;

				snprintf(rn, sizeof(rn), "nbfwd-pipe-%u", fs->idx);
				fs->ring = rte_ring_create(rn, c->pipeline_ring,
							   rte_socket_id(),
							   RING_F_SP_ENQ | RING_F_SC_DEQ);
				if (fs->ring == NULL) {
					fprintf(stderr, "nb-fwd: ring: %s\n",
						rte_strerror(rte_errno));
					return -ENOMEM;
				}
				/* the worker runs on the next lcore of EAL's
				 * list (wrapping to the main lcore) */
				wl = rte_get_next_lcore(fs->lcore, 0, 1);
				if (wl == fs->lcore || wl >= RTE_MAX_LCORE) {
					fprintf(stderr, "nb-fwd: pipeline needs two "
						"lcores (EAL -l 0-1)\n");
					return -EINVAL;
				}
				w = stream_new(p, q, tp, txq, k);
				if (w == NULL) {
					return -ENOMEM;
				}
				w->lcore = wl;
				w->ring = fs->ring;
				w->rx_counted = false;
				ret = register_stream(w, fwd_pipe_worker, "pipe-tx");
				if (ret != 0) {
					return ret;
				}
			}
			/* every stream is a poller of its own; the
			 * forwarding ones are registered after the TX
			 * queue check below */
			if (e->pipeline || c->latency) {
				ret = register_stream(fs, fn, e->name);
				if (ret != 0) {
					return ret;
				}
			}
			if (e->generator && c->latency) {
				struct fwd_stream *r = stream_new(p, q, p, txq, fs->core_idx);

				if (r == NULL) {
					return -ENOMEM;
				}
				r->no_tx = true;
				r->lat = rte_zmalloc("nb-fwd lat", sizeof(*r->lat), 64);
				if (r->lat == NULL) {
					return -ENOMEM;
				}
				ret = register_stream(r, fwd_latrx, "lat-rx");
				if (ret != 0) {
					return ret;
				}
			} else if (fn == fwd_latrx) {
				fs->lat = rte_zmalloc("nb-fwd lat", sizeof(*fs->lat), 64);
				if (fs->lat == NULL) {
					return -ENOMEM;
				}
			}
		}
	}
	if (e->fanout) {
		if (c->txq < g_fwd.nb_fwd_lcores) {
			fprintf(stderr, "nb-fwd: clone-fanout needs --txq >= "
				"--nb-cores\n");
			return -EINVAL;
		}
		for (i = 0; i < g_fwd.nb_streams; i++) {
			struct fwd_stream *fs = g_fwd.streams[i];

			for (p = 0; p < g_fwd.nb_ports; p++) {
				if (p == fs->rx_pi) {
					continue;
				}
				/* the first stream of port p gives its tx_port */
				for (q = 0; q < g_fwd.nb_streams; q++) {
					if (g_fwd.streams[q]->rx_pi == p) {
						break;
					}
				}
				fs->peer_streams[fs->nb_fanout++] = g_fwd.streams[q];
			}
		}
	}
	/* A TX queue is used by one lcore only. */
	for (i = 0; i < g_fwd.nb_streams; i++) {
		struct fwd_stream *a = g_fwd.streams[i];

		if (e->fanout) {
			break;	/* TX queue = forwarding lcore index */
		}
		for (k = i + 1; k < g_fwd.nb_streams && !a->no_tx; k++) {
			struct fwd_stream *b = g_fwd.streams[k];

			if (!b->no_tx && a->tx_pi == b->tx_pi && a->txq == b->txq &&
			    a->lcore != b->lcore && a->ring == NULL && b->ring == NULL) {
				fprintf(stderr, "nb-fwd: bad value for --txq: '%u' "
					"(TX queue %u of port %u would be used by "
					"lcores %u and %u; give --txq %u)\n", c->txq,
					a->txq, a->tx_pi, a->lcore, b->lcore, c->rxq);
				return -EINVAL;
			}
		}
	}
	/* the streams' pollers after the check, not before it */
	for (i = 0; i < g_fwd.nb_streams && !e->pipeline && !c->latency; i++) {
		ret = register_stream(g_fwd.streams[i], fn, e->name);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

static void
flush_rx(void)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	unsigned int p, q, loops;
	uint16_t n;

	for (p = 0; p < g_fwd.nb_ports; p++) {
		for (q = 0; q < g_fwd.ports[p].nb_rxq; q++) {
			for (loops = 0; loops < 1024; loops++) {
				n = nb_port_rx_burst(g_fwd.ports[p].port, q, pkts,
						     FWD_MAX_BURST);
				if (n == 0) {
					break;
				}
				rte_pktmbuf_free_bulk(pkts, n);
			}
		}
	}
}

/* Free what is still in flight inside nb-fwd (pipeline rings). */
static void
drain(void)
{
	unsigned int i;
	void *objs[64];
	unsigned int n;

	for (i = 0; i < g_fwd.nb_streams; i++) {
		struct fwd_stream *fs = g_fwd.streams[i];

		if (fs->ring == NULL || !fs->rx_counted) {
			continue;
		}
		while ((n = rte_ring_dequeue_burst(fs->ring, objs, RTE_DIM(objs),
						   NULL)) > 0) {
			rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
			fs->c.dropped += n;
		}
	}
}

static void
free_streams(void)
{
	unsigned int i;

	for (i = 0; i < g_fwd.nb_streams; i++) {
		struct fwd_stream *fs = g_fwd.streams[i];

		if (fs->ring != NULL && fs->rx_counted) {
			rte_ring_free(fs->ring);
		}
		rte_free(fs->lat);
		rte_free(fs);
	}
	g_fwd.nb_streams = 0;
}

int
main(int argc, char **argv)
{
	struct fwd_cfg *c = &g_fwd.cfg;
	char *eal_argv[NB_ENV_MAX_ARGS + 1];
	int eal_argc = 0, app_argc, i, ret, lost = -1, code = 0;
	char **app_argv;
	struct nb_pool_opts po;
	unsigned int p, nb_ports_guess;
	uint16_t pid;
	struct sigaction sa;
	struct nb_reactor_opts ro;

	/* --help and --version anywhere: no EAL */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fwd_usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			char *v[] = { argv[0], argv[i], NULL };

			return fwd_parse_args(c, 2, v) > 0 ? 0 : 2;
		}
	}
	/* EAL options before "--", nb-fwd's after (all of them with no "--") */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
	}
	eal_argv[eal_argc++] = argv[0];
	if (i < argc) {
		int k;

		if (i > NB_ENV_MAX_ARGS) {
			fprintf(stderr, "nb-fwd: too many EAL options\n");
			return 2;
		}
		for (k = 1; k < i; k++) {
			eal_argv[eal_argc++] = argv[k];
		}
		app_argv = argv + i;	/* argv[i] is "--": getopt's argv[0] */
		app_argc = argc - i;
	} else {
		app_argv = argv;
		app_argc = argc;
	}
	eal_argv[eal_argc] = NULL;

	fwd_cfg_defaults(c);
	ret = fwd_parse_args(c, app_argc, app_argv);
	if (ret != 0) {
		return ret > 0 ? 0 : 2;
	}
	g_fwd.eng = fwd_engine_find(c->mode);

	/* before EAL: a signal during start-up still ends in a summary */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = nb_env_init_args(eal_argc, eal_argv);
	if (ret < 0) {
		/* nb_env said why, in one line */
		return ret == -EINVAL ? 2 : 1;
	}
	if (c->json != NULL) {
		g_fwd.json = fopen(c->json, "w");
		if (g_fwd.json == NULL) {
			fprintf(stderr, "nb-fwd: bad value for --json: '%s' (%s)\n",
				c->json, strerror(errno));
			nb_env_fini();
			return 2;
		}
	}
	ret = pick_lcores();
	if (ret != 0) {
		code = 2;
		goto out_env;
	}

	nb_ports_guess = c->nb_specs;
	RTE_ETH_FOREACH_DEV(pid) {
		nb_ports_guess++;
	}
	nb_pool_opts_init(&po, sizeof(po));
	po.cache_size = c->mbcache;
	po.data_room = c->mbuf_size;
	po.ops = c->pool_ops;
	po.mode = strcmp(c->pool_mode, "accounted") == 0 ?
		  NB_POOL_MODE_ACCOUNTED : NB_POOL_MODE_FAST;
	if (c->total_mbufs == 0) {
		c->total_mbufs = pool_size(c, nb_ports_guess ? nb_ports_guess : 1);
	}
	if ((uint64_t)c->mbcache * 3 / 2 > c->total_mbufs) {
		fprintf(stderr, "nb-fwd: bad value for --mbcache: '%u' (1.5 x cache "
			"above --total-num-mbufs %u)\n", c->mbcache, c->total_mbufs);
		code = 2;
		goto out_env;
	}
	g_fwd.pool = nb_pool_create("nbfwd", c->total_mbufs, &po);
	if (g_fwd.pool == NULL) {
		fprintf(stderr, "nb-fwd: cannot create a pool of %u buffers: %s\n",
			c->total_mbufs, rte_strerror(rte_errno));
		code = 1;
		goto out_env;
	}

	nb_reactor_opts_init(&ro, sizeof(ro));
	ro.idle = c->idle_spin ? NB_REACTOR_IDLE_SPIN : NB_REACTOR_IDLE_BACKOFF;
	ret = nb_reactors_init(&ro);
	if (ret != 0) {
		fprintf(stderr, "nb-fwd: reactors: %s\n", strerror(-ret));
		code = 1;
		goto out_pool;
	}
	ret = open_ports();
	if (ret != 0) {
		code = ret == -ENODEV ? 2 : 1;
		goto out_ports;
	}
	ret = setup_streams();
	if (ret != 0) {
		code = ret == -EINVAL ? 2 : 1;
		goto out_ports;
	}
	ret = fwd_events_setup();
	if (ret != 0) {
		code = 1;
		goto out_ports;
	}
	if (c->stats_period > 0 &&
	    nb_poller_register(rte_get_main_lcore(), fwd_stats_poller, NULL,
			       (uint64_t)(c->stats_period * 1e6), "fwd-stats") == NULL) {
		fprintf(stderr, "nb-fwd: stats poller: %s\n", rte_strerror(rte_errno));
		code = 1;
		goto out_ports;
	}
	for (p = 0; p < g_fwd.nb_ports; p++) {
		ret = nb_port_start(g_fwd.ports[p].port);
		if (ret != 0) {
			fprintf(stderr, "nb-fwd: cannot start port %s: %s\n",
				g_fwd.ports[p].name, strerror(-ret));
			code = 1;
			goto out_ports;
		}
		nb_port_stats_reset(g_fwd.ports[p].port);
	}
	fwd_events_started();
	if (c->flush_rx) {
		flush_rx();
		for (p = 0; p < g_fwd.nb_ports; p++) {
			nb_port_stats_reset(g_fwd.ports[p].port);
		}
	}
	if (c->tx_first && !g_fwd.eng->generator) {
		unsigned int si;

		for (si = 0; si < g_fwd.nb_streams; si++) {
			struct fwd_stream *fs = g_fwd.streams[si];

			/* forwarding streams; a pipeline's TX is its worker's */
			if (fs->no_tx || fs->ring != NULL) {
				continue;
			}
			ret = fwd_tx_first(fs);
			if (ret < 0) {
				fprintf(stderr, "nb-fwd: --tx-first on stream %u: "
					"%s\n", fs->idx, strerror(-ret));
				code = 1;
				goto out_ports;
			}
		}
	}

	printf("nb-fwd: %s on %u port(s), %u stream(s), %u forwarding lcore(s), "
	       "pool %u x %u B (%s/%s), burst %u\n", c->mode, g_fwd.nb_ports,
	       g_fwd.nb_streams, g_fwd.nb_fwd_lcores, c->total_mbufs,
	       c->mbuf_size, c->pool_ops, c->pool_mode, c->burst);
	fflush(stdout);
	g_fwd.start_tsc = rte_rdtsc();
	g_fwd.last_tsc = g_fwd.start_tsc;
	if (c->duration > 0) {
		uint64_t us = (uint64_t)(c->duration * 1e6);

		if (nb_poller_register(rte_get_main_lcore(), duration_poller,
				       NULL, us > 0 ? us : 1,
				       "fwd-duration") == NULL) {
			fprintf(stderr, "nb-fwd: duration poller: %s\n",
				rte_strerror(rte_errno));
			code = 1;
			goto out_ports;
		}
	}
	__atomic_store_n(&g_setup_done, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g_signalled, __ATOMIC_SEQ_CST) != 0) {
		nb_reactors_stop();	/* it came during set-up */
	}
	ret = nb_reactors_start();
	g_fwd.stop_tsc = rte_rdtsc();
	if (ret != 0) {
		fprintf(stderr, "nb-fwd: reactors: %s\n", strerror(-ret));
		code = 1;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	drain();
	/* counters before the ports stop (a stop may drain RX queues) */
	fwd_summary(stdout, -2);
	for (p = 0; p < g_fwd.nb_ports; p++) {
		nb_port_stop(g_fwd.ports[p].port);
	}
	nb_reactors_fini();
	close_ports();
	free_streams();
	/* NB_FWD_TEST_LEAK=N: keep N buffers out, so the tests can see the
	 * audit report them and the exit code say so */
	if (getenv("NB_FWD_TEST_LEAK") != NULL) {
		int k = atoi(getenv("NB_FWD_TEST_LEAK"));

		while (k-- > 0 && nb_pool_alloc(g_fwd.pool) != NULL) {
		}
	}
	/* buffers a PMD abandoned at close (22.11 net_af_xdp): back home */
	if (g_fwd.kept_at_close > 0) {
		int r = nb_pool_reclaim(g_fwd.pool, g_fwd.kept_at_close, NULL);

		if (r > 0) {
			printf("nb-fwd: %d buffers the PMD kept after close (at most "
			       "%u expected) taken back\n", r, g_fwd.kept_at_close);
		}
	}
	lost = nb_pool_audit(g_fwd.pool, stderr);
	printf("buffers lost: %d\n", lost);
	fwd_summary(NULL, lost);	/* JSON with the audit */
	if (lost != 0) {
		code = 1;
	}
	nb_pool_destroy(g_fwd.pool, lost != 0);
	goto out_env;

out_ports:
	nb_reactors_fini();
	close_ports();
	free_streams();
out_pool:
	nb_pool_destroy(g_fwd.pool, true);
out_env:
	if (g_fwd.json != NULL) {
		fclose(g_fwd.json);
	}
	nb_env_fini();
	return code;
}
