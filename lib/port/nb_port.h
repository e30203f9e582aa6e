/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nbkit ports: one API over every DPDK poll-mode driver and nbkit's own
 * port drivers.
 *
 * A port is opened from a spec string:
 * - a DPDK device string: "net_null0", "net_ring0", "net_tap0,iface=nbt0",
 *   "net_memif0,role=client,socket=/run/x.sock",
 *   "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap": the device is hot-plugged
 *   with rte_dev_probe(), its first ethdev port is the port whatever the
 *   driver named it ("net_ring0,nodeaction=r0:0:CREATE" names it r0), and
 *   nb_port_close() (or a failed open) closes the port and removes the
 *   device again, unless another of its ports is still owned;
 * - the name of an ethdev port the application or EAL already probed
 *   ("--vdev net_null0" on the EAL command line): nbkit adopts it and gives
 *   it back as it found it. nb_port_close() (or a failed open) stops it,
 *   restores its MTU and promiscuous mode and releases its ownership, so
 *   it can be opened again (the MTU only where the device sets it at
 *   runtime: net_ring, net_pcap keep the last configured one), and never
 *   closes it: what nbkit did not create it
 *   does not destroy. Its queues stay set up (DPDK releases queues only when
 *   the port is closed): buffers a PMD keeps in its RX ring after a stop
 *   (virtio, af_xdp) stay out of their pool until the application calls
 *   rte_eth_dev_close() on the port, which it must do before destroying
 *   the pool;
 * - a PCI address ("0000:03:00.0"): the only case in which PCI is touched;
 * - "loop:NAME/0" and "loop:NAME/1": the two ends of an in-process pair of
 *   ports joined by lockless rings (drivers/net/loop).
 *
 * Which driver serves a spec is decided by the driver registry
 * (nb_port_driver.h): a driver registers a spec prefix ("loop:") with
 * NB_PORT_DRIVER_REGISTER(); a driver without prefix takes every other spec.
 * This library names no driver.
 *
 * Receive buffers come from nbkit pools (conf.pool, or conf.rx_pools[] per
 * queue); transmitted buffers go back to their own pools when the device is
 * done with them: no copy anywhere.
 *
 * The fast path (nb_port_rx_burst(), nb_port_tx_burst(),
 * nb_port_tx_burst_all(), nb_port_tx_alloc(), nb_port_rx_recycle(), and
 * nb_port_queue_rx_burst() / nb_port_queue_tx_burst() on a queue copied
 * with nb_port_queue_get()) is inline. For ports backed by an ethdev it calls rte_eth_rx_burst() /
 * rte_eth_tx_burst() directly (no extra indirect call); other drivers are
 * reached through one function pointer per burst. As with DPDK, a queue is
 * polled by one thread at a time and queue numbers are not checked on the
 * fast path (debug builds check them).
 *
 * Control calls (open, close, start, stop, stats, ...) may be called from
 * any thread but not concurrently for the same port.
 */
#ifndef NB_PORT_H
#define NB_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nb_common.h"
#include "nb_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nb_port;

/** Most RX or TX queues of one nbkit port. */
#define NB_PORT_MAX_QUEUES 64

/** nb_port_id() of a port that has no ethdev port. */
#define NB_PORT_ID_NONE UINT16_MAX

/** Buffers the recycle stash of one queue holds (nb_port_rx_recycle()). */
#define NB_PORT_STASH_SIZE 64

/** Calls nb_port_tx_burst_all() makes before it drops what is left. */
#define NB_PORT_TX_RETRIES 8

/** Burst size assumed by the pool sizing rule (buffers in the app's hands). */
#define NB_PORT_BURST 32

/** nb_port_conf.pool_inflight default: see the pool sizing rule. */
#define NB_PORT_INFLIGHT_AUTO UINT32_MAX

/** Default RSS hash fields when rss is on and rss_hf is 0. */
#define NB_PORT_RSS_HF_DEFAULT (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

/**
 * Configuration of nb_port_open(); fill with nb_port_conf_init() first.
 *
 * Pool sizing rule (nb_port_open() warns when a pool is smaller, with the
 * numbers and the size that would do): a pool that feeds RX queues needs
 *   rx_desc x (RX queues it feeds)
 *   + cache_size x 1.5 x (lcores)      -- DPDK's per-lcore caches can hold
 *                                         up to 1.5 x cache_size each
 *   + in flight                        -- pool_inflight, by default
 *                                         tx_desc x TX queues (buffers waiting
 *                                         in TX rings) + (NB_PORT_BURST +
 *                                         NB_PORT_STASH_SIZE) x queues
 *                                         (a burst in the app's hands and
 *                                         the recycle stash).
 */
struct nb_port_conf {
	size_t opts_size;	/**< sizeof(struct nb_port_conf) of the caller */
	uint16_t nb_rx_queues;	/**< RX queues, default 1 (0 allowed: TX only) */
	uint16_t nb_tx_queues;	/**< TX queues, default 1 (0 allowed: RX only) */
	uint16_t nb_rx_desc;	/**< descriptors per RX queue; 0: the device's preference or 1024 */
	uint16_t nb_tx_desc;	/**< descriptors per TX queue; 0: the device's preference or 1024 */
	struct nb_pool *pool;	/**< feeds every RX queue (unless rx_pools[] or
				     rx_poolset is set); nb_port_tx_alloc() takes
				     from it */
	struct nb_pool **rx_pools; /**< NULL, or nb_rx_queues pools: queue i takes from rx_pools[i] */
	struct nb_poolset *rx_poolset; /**< NULL, or a pool set that feeds every RX
					    queue (all its classes, smallest first:
					    needs a device with several RX mempools) */
	uint16_t mtu;		/**< 0: leave the device's MTU. Frames of the
				     MTU (plus the device's L2 overhead) that
				     do not fit one RX buffer switch
				     RTE_ETH_RX_OFFLOAD_SCATTER on where the
				     device reports it, else a warning gives
				     the numbers */
	bool rss;		/**< RSS over the RX queues (needs nb_rx_queues > 1);
				     where the device hashes none of rss_hf
				     there is no RSS (a notice, as testpmd) */
	uint64_t rss_hf;	/**< RTE_ETH_RSS_* fields; 0: NB_PORT_RSS_HF_DEFAULT
				     limited to what the device hashes */
	bool promiscuous;	/**< turn promiscuous mode on (off again at close where it was off) */
	uint64_t rx_offloads;	/**< RTE_ETH_RX_OFFLOAD_*: each must be reported by the device */
	uint64_t tx_offloads;	/**< RTE_ETH_TX_OFFLOAD_*: each must be reported by the device */
	uint32_t pool_inflight;	/**< buffers in flight for the sizing rule, or NB_PORT_INFLIGHT_AUTO */
	int socket_id;		/**< socket of the rings; SOCKET_ID_ANY: the device's */
	bool no_lsc_interrupt;	/**< do not ask the device for link interrupts
				     (testpmd's --no-lsc-interrupt): no
				     NB_PORT_EV_LINK from an ethdev port */
};

/** Link state. */
struct nb_link {
	bool up;		/**< link up */
	bool full_duplex;	/**< full duplex */
	bool autoneg;		/**< autonegotiated */
	uint32_t speed_mbps;	/**< speed in Mbit/s, 0 when unknown */
};

/** Basic statistics of a port (ethdev's, for ethdev ports). */
struct nb_port_stats {
	uint64_t ipackets;	/**< packets received */
	uint64_t opackets;	/**< packets transmitted */
	uint64_t ibytes;	/**< bytes received */
	uint64_t obytes;	/**< bytes transmitted */
	uint64_t imissed;	/**< packets the device dropped (RX ring full) */
	uint64_t ierrors;	/**< bad packets received */
	uint64_t oerrors;	/**< transmit failures reported by the device */
	uint64_t rx_nombuf;	/**< RX buffer allocation failures */
	uint64_t tx_dropped;	/**< packets nb_port_tx_burst_all() freed because
				     the device refused them (counted by nbkit) */
	uint64_t rx_recycled;	/**< buffers given to nb_port_rx_recycle() */
};

/** What a port is and how it is configured. */
struct nb_port_info {
	char name[RTE_ETH_NAME_MAX_LEN]; /**< device name ("net_null0", "loop:a/0") */
	const char *driver;	/**< nbkit driver ("ethdev", "loop") */
	const char *pmd;	/**< DPDK driver ("net_null"), or the nbkit driver */
	uint16_t port_id;	/**< ethdev port id, or NB_PORT_ID_NONE */
	uint16_t nb_rx_queues;	/**< RX queues configured */
	uint16_t nb_tx_queues;	/**< TX queues configured */
	uint16_t max_rx_queues;	/**< most RX queues the device has */
	uint16_t max_tx_queues;	/**< most TX queues the device has */
	uint16_t nb_rx_desc;	/**< descriptors per RX queue */
	uint16_t nb_tx_desc;	/**< descriptors per TX queue */
	uint64_t rx_offload_capa; /**< RX offloads the device reports */
	uint64_t tx_offload_capa; /**< TX offloads the device reports */
	uint64_t rx_offloads;	/**< RX offloads enabled */
	uint64_t tx_offloads;	/**< TX offloads enabled */
	uint64_t rss_hf_capa;	/**< RSS hash fields the device supports */
	uint16_t max_rx_mempools; /**< RX mempools per queue the device takes (0: one) */
	uint16_t mtu;		/**< current MTU */
	int socket_id;		/**< NUMA socket of the device (SOCKET_ID_ANY unknown) */
	bool started;		/**< nb_port_start() was called */
	uint64_t rss_hf;	/**< RSS hash fields in use; 0: no RSS (not
				     asked, or the device hashes none of them) */
	uint32_t rx_kept_at_close; /**< most buffers the PMD is known to keep
				     after close, never to free them (DPDK
				     22.11 net_af_xdp: its fill rings and
				     RX rings); nb_pool_reclaim() takes them
				     back once nothing else holds buffers */
};

/** One extended statistic. */
struct nb_port_xstat {
	char name[RTE_ETH_XSTATS_NAME_SIZE]; /**< its name */
	uint64_t value;		/**< its value */
};

/**
 * Fill @p conf with the defaults (also sets conf->opts_size): one RX and one
 * TX queue, the device's descriptor counts, no pool, no RSS, no offloads,
 * promiscuous off, the MTU left alone.
 *
 * @param conf
 *   Configuration to fill (NULL: no-op).
 * @param opts_size
 *   sizeof(*conf) as the caller knows it.
 */
void nb_port_conf_init(struct nb_port_conf *conf, size_t opts_size);

/**
 * Open and configure a port (not started: see nb_port_start()).
 *
 * @param spec
 *   What to open (see the file comment).
 * @param conf
 *   Configuration (nb_port_conf_init() first).
 * @return
 *   The port, or NULL with rte_errno set and one log line naming what was
 *   wrong; nothing the call created is left behind:
 *   - EINVAL: NULL or empty spec, NULL conf, opts_size larger than this
 *     library knows, an RX queue without a pool, more queues than the device
 *     has or than NB_PORT_MAX_QUEUES, RSS with one RX queue, an MTU outside
 *     the device's range, a bad driver argument;
 *   - ENODEV: no driver or device for the spec (unknown driver, or a device
 *     that has no ethdev port);
 *   - EBUSY: the device is already open (by nbkit or another owner);
 *   - ENOTSUP: the device cannot do what the configuration asks for: an
 *     offload it does not report (the log names it), promiscuous mode,
 *     several RX mempools;
 *   - ENOMEM: out of memory;
 *   - other positive errno values the device gives when configured.
 */
struct nb_port *nb_port_open(const char *spec, const struct nb_port_conf *conf);

/**
 * Stop (when started) and close a port, once no thread polls its queues
 * any more, and release everything its open created: the device it
 * hot-plugged with its queues and the buffers its rings hold, the recycle
 * stashes (their buffers go back to their pools), the ownership, the MTU and
 * promiscuous mode it changed. An adopted port is not closed (see the file
 * comment).
 *
 * The handle is freed: using it again is a use after free, as with free().
 * A second nb_port_close() of it is refused with -EINVAL (the handle is
 * looked up by address, never read), unless a later open got the same
 * address.
 *
 * @param p
 *   The port; NULL is a no-op returning 0.
 * @return
 *   0; -EINVAL if @p is not an open port; or a negative errno from the device
 *   (the port is freed anyway).
 */
int nb_port_close(struct nb_port *p);

/**
 * Start a port: its queues receive and transmit.
 *
 * @param p
 *   The port.
 * @return
 *   0 (also when already started), -EINVAL for NULL, or a negative errno
 *   from the device.
 */
int nb_port_start(struct nb_port *p);

/**
 * Stop a port; call it once no thread polls its queues any more. Packets
 * waiting in the RX queues (up to 8192 per queue: net_null never runs dry)
 * and the buffers in the recycle stashes go back to their pools.
 *
 * @param p
 *   The port.
 * @return
 *   0 (also when not started), -EINVAL for NULL, or a negative errno from
 *   the device.
 */
int nb_port_stop(struct nb_port *p);

/**
 * Read the link state, waiting up to @p timeout_ms for the link to come up.
 *
 * @param p
 *   The port.
 * @param link
 *   Filled with the last state read.
 * @param timeout_ms
 *   0: read once. Otherwise poll (every millisecond) until the link is up
 *   or the time is over.
 * @return
 *   0 (link filled: up, or down with timeout_ms 0), -ETIMEDOUT (still down
 *   after timeout_ms; link filled), -EINVAL for NULL arguments, or a
 *   negative errno from the device.
 */
int nb_port_link(struct nb_port *p, struct nb_link *link, uint32_t timeout_ms);

/** Port event: the link went up or down (nb_port_link() tells which). The
 * ethdev driver raises it from RTE_ETH_EVENT_INTR_LSC where the device
 * reports link interrupts (RTE_ETH_DEV_INTR_LSC); the loop driver when
 * the peer end starts, stops or closes. */
#define NB_PORT_EV_LINK (1u << 0)
/** Port event: the device is gone (RTE_ETH_EVENT_INTR_RMV, or its ethdev
 * port destroyed under nbkit). Stop polling its queues, then
 * nb_port_close() it: its buffers come back. */
#define NB_PORT_EV_REMOVED (1u << 1)

/**
 * An event handler: runs on the reactor lcore given to
 * nb_port_event_handler_set(), as a reactor message.
 *
 * @param p
 *   The port (open while the handler runs; the handler may close it).
 * @param events
 *   NB_PORT_EV_* bits raised since the last delivery (coalesced: three
 *   link flaps may arrive as one NB_PORT_EV_LINK).
 * @param arg
 *   The handler's argument.
 */
typedef void (*nb_port_event_fn)(struct nb_port *p, uint32_t events, void *arg);

/**
 * Deliver a port's events to @p fn on reactor @p lcore (lib/reactor:
 * nb_reactors_init() first). Drivers raise events on any thread -- DPDK's
 * interrupt thread for ethdev callbacks -- and the handler never runs
 * there: each delivery is a message to @p lcore (one queued per port at a
 * time; events raised meanwhile are or-ed into it). Events raised before a
 * handler was set are delivered when it is set.
 *
 * A delivery queued when the port is closed does nothing; nb_port_close()
 * from another thread while the handler runs waits for it to return.
 * Set the handler before the reactors start, or on @p lcore.
 *
 * @param p
 *   The port.
 * @param lcore
 *   A reactor lcore.
 * @param fn
 *   The handler; NULL stops deliveries (events stay pending, see
 *   nb_port_events_take()).
 * @param arg
 *   Its argument.
 * @return
 *   0; -EINVAL for a NULL port or an lcore EAL does not run; -ENODEV when
 *   events are pending and @p lcore takes no message (they stay pending).
 */
int nb_port_event_handler_set(struct nb_port *p, unsigned int lcore,
			      nb_port_event_fn fn, void *arg);

/**
 * Compare the port's link with what this call saw last time and raise
 * NB_PORT_EV_LINK when it changed (the first call only records it). For
 * PMDs that update their link state without raising
 * RTE_ETH_EVENT_INTR_LSC (net_tap in DPDK 22.11 does so): call it from a
 * timed poller, one port at a time, not concurrently for the same port.
 * It also queues again a delivery the handler's reactor refused (its ring
 * was full): events are never dropped, at worst delayed to the next call.
 *
 * @param p
 *   The port.
 * @return
 *   1 when a change was raised, 0 when none, -EINVAL for a NULL port, or
 *   a negative errno from the device.
 */
int nb_port_link_watch(struct nb_port *p);

/**
 * Take the events raised and not yet delivered (for a program that polls
 * instead of setting a handler).
 *
 * @param p
 *   The port.
 * @return
 *   NB_PORT_EV_* bits, now cleared; 0 for none or a NULL port.
 */
uint32_t nb_port_events_take(struct nb_port *p);

/**
 * The port's MAC address.
 *
 * @param p
 *   The port.
 * @param mac
 *   Filled on success.
 * @return
 *   0, -EINVAL for NULL arguments, or a negative errno from the device.
 */
int nb_port_mac(struct nb_port *p, struct rte_ether_addr *mac);

/**
 * Read the basic statistics.
 *
 * @param p
 *   The port.
 * @param s
 *   Filled on success.
 * @return
 *   0, -EINVAL for NULL arguments, or a negative errno from the device.
 */
int nb_port_stats(struct nb_port *p, struct nb_port_stats *s);

/**
 * Reset the basic and extended statistics (nbkit's counters included).
 *
 * @param p
 *   The port.
 * @return
 *   0, -EINVAL for NULL, or a negative errno from the device.
 */
int nb_port_stats_reset(struct nb_port *p);

/**
 * Read the extended statistics: the device's, then nbkit's own
 * ("nb_tx_dropped", "nb_rx_recycled").
 *
 * @param p
 *   The port.
 * @param xs
 *   Array of @p n entries to fill, or NULL to count.
 * @param n
 *   Entries in xs.
 * @return
 *   The number of statistics (when above n, only n were filled), -EINVAL
 *   for a NULL port, or a negative errno from the device.
 */
int nb_port_xstats(struct nb_port *p, struct nb_port_xstat *xs, unsigned int n);

/**
 * Read one extended statistic by name.
 *
 * @param p
 *   The port.
 * @param name
 *   Its name, as nb_port_xstats() lists it.
 * @param value
 *   Filled on success.
 * @return
 *   0, -EINVAL for NULL arguments, -ENOENT when the port has no statistic
 *   of that name, or a negative errno from the device.
 */
int nb_port_xstat_get(struct nb_port *p, const char *name, uint64_t *value);

/**
 * Describe a port.
 *
 * @param p
 *   The port.
 * @param info
 *   Filled on success.
 * @return
 *   0, -EINVAL for NULL arguments, or a negative errno from the device.
 */
int nb_port_info(struct nb_port *p, struct nb_port_info *info);

/**
 * The ethdev port id of a port, for DPDK calls nbkit does not wrap.
 *
 * @param p
 *   The port.
 * @return
 *   The ethdev port id, or NB_PORT_ID_NONE when the port has none (loop
 *   ports) or p is NULL.
 */
uint16_t nb_port_id(const struct nb_port *p);

/**
 * nbkit's own index of a port (telemetry: /nbkit/port/stats,<index>).
 *
 * @param p
 *   The port.
 * @return
 *   Its index, or -EINVAL for NULL.
 */
int nb_port_index(const struct nb_port *p);

/* ---- fast path ---------------------------------------------------------- */

/** @internal Burst function of a non-ethdev driver (one per queue). */
typedef uint16_t (*nb_port_burst_t)(void *queue, struct rte_mbuf **m,
				    uint16_t n);

/** @internal nbkit's per-queue state, one cache line apart. */
struct nb_port__queue {
	uint64_t tx_dropped;	/* freed by nb_port_tx_burst_all() */
	uint64_t rx_recycled;	/* given to nb_port_rx_recycle() */
	uint32_t stash_n;	/* buffers in stash[] */
	struct rte_mbuf *stash[NB_PORT_STASH_SIZE];
} __rte_cache_aligned;

/** @internal The part of a port the inline fast path reads; do not use. */
struct nb_port__fast {
	uint16_t port_id;	/* ethdev port id, or NB_PORT_ID_NONE */
	bool ethdev;		/* fast path calls rte_eth_*_burst() directly */
	nb_port_burst_t rx_burst; /* non-ethdev drivers */
	nb_port_burst_t tx_burst;
	void **rxq;		/* driver's per-queue state (non-ethdev) */
	void **txq;
	struct nb_port__queue *q; /* max(RX, TX) queues */
	struct rte_mempool *mp;	/* the port pool's mempool, or NULL */
	struct nb_pool *pool;	/* the port pool, or NULL */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t headroom;	/* the port pool's headroom (nb_port_tx_alloc()) */
};

/** @internal */
static inline const struct nb_port__fast *
nb_port__fast(const struct nb_port *p)
{
	return (const struct nb_port__fast *)(const void *)p;
}

/**
 * Receive up to @p n packets from RX queue @p queue. The caller owns the
 * buffers returned (free them, transmit them or nb_port_rx_recycle() them).
 *
 * @param p
 *   The port (started).
 * @param queue
 *   RX queue, below nb_rx_queues (not checked outside debug builds).
 * @param m
 *   Array of at least n pointers.
 * @param n
 *   Most packets to receive.
 * @return
 *   The number of packets received (0..n).
 */
static inline uint16_t
nb_port_rx_burst(struct nb_port *p, uint16_t queue, struct rte_mbuf **m,
		 uint16_t n)
{
	const struct nb_port__fast *f = nb_port__fast(p);

	NB_ASSERT(queue < f->nb_rxq);
	if (likely(f->ethdev)) {
		return rte_eth_rx_burst(f->port_id, queue, m, n);
	}
	return f->rx_burst(f->rxq[queue], m, n);
}

/**
 * Hand up to @p n packets to TX queue @p queue. The port owns those it
 * takes (the first ones of m[]); the caller still owns the others.
 *
 * @param p
 *   The port (started).
 * @param queue
 *   TX queue, below nb_tx_queues (not checked outside debug builds).
 * @param m
 *   The packets.
 * @param n
 *   Number of packets.
 * @return
 *   The number of packets taken (0..n).
 */
static inline uint16_t
nb_port_tx_burst(struct nb_port *p, uint16_t queue, struct rte_mbuf **m,
		 uint16_t n)
{
	const struct nb_port__fast *f = nb_port__fast(p);

	NB_ASSERT(queue < f->nb_txq);
	if (likely(f->ethdev)) {
		return rte_eth_tx_burst(f->port_id, queue, m, n);
	}
	return f->tx_burst(f->txq[queue], m, n);
}

/**
 * One queue of a port, copied by value into the caller's own per-lcore
 * state by nb_port_queue_get(). nb_port_queue_rx_burst() and
 * nb_port_queue_tx_burst() read nothing but this copy before the driver's
 * burst function, where nb_port_rx_burst() first loads the port object to
 * find its ethdev id or driver: one dependent load less per burst (nb-fwd
 * io on two net_null ports: 0.964 -> 0.982 of a bare rte_eth_rx_burst /
 * rte_eth_tx_burst loop, README). Take the copy after nb_port_open() and
 * use it while the port is started; it is dead after nb_port_close() (the
 * ethdev id may then name another device, a loop queue is freed): take it
 * again for a port opened again. As with the port calls, one thread at a
 * time per queue. The fields are for the inline bursts only.
 */
struct nb_port_queue {
	uint16_t port_id;	/**< ethdev port id, or NB_PORT_ID_NONE */
	uint16_t queue;		/**< queue number */
	bool ethdev;		/**< bursts call rte_eth_rx/tx_burst() */
	bool tx;		/**< a TX queue (else RX) */
	nb_port_burst_t burst;	/**< the driver's burst function (non-ethdev) */
	void *qdata;		/**< the driver's queue state (non-ethdev) */
};

/**
 * Copy RX queue (@p tx false) or TX queue (@p tx true) @p queue of @p p
 * into @p q.
 *
 * @param p
 *   The port (open).
 * @param tx
 *   true for a TX queue, false for an RX queue.
 * @param queue
 *   Queue number, below nb_rx_queues / nb_tx_queues.
 * @param q
 *   Filled in.
 * @return
 *   0, or -EINVAL (NULL argument, queue not configured).
 */
int nb_port_queue_get(struct nb_port *p, bool tx, uint16_t queue,
		      struct nb_port_queue *q);

/**
 * nb_port_rx_burst() through a queue copy.
 *
 * @param q
 *   An RX queue from nb_port_queue_get().
 * @param m
 *   Array of at least n pointers.
 * @param n
 *   Most packets to receive.
 * @return
 *   The number of packets received (0..n).
 */
static inline uint16_t
nb_port_queue_rx_burst(const struct nb_port_queue *q, struct rte_mbuf **m,
		       uint16_t n)
{
	NB_ASSERT(!q->tx && (q->ethdev || q->burst != NULL));
	if (likely(q->ethdev)) {
		return rte_eth_rx_burst(q->port_id, q->queue, m, n);
	}
	return q->burst(q->qdata, m, n);
}

/**
 * nb_port_tx_burst() through a queue copy.
 *
 * @param q
 *   A TX queue from nb_port_queue_get().
 * @param m
 *   The packets.
 * @param n
 *   Number of packets.
 * @return
 *   The number of packets taken (0..n); the caller still owns the others.
 */
static inline uint16_t
nb_port_queue_tx_burst(const struct nb_port_queue *q, struct rte_mbuf **m,
		       uint16_t n)
{
	NB_ASSERT(q->tx && (q->ethdev || q->burst != NULL));
	if (likely(q->ethdev)) {
		return rte_eth_tx_burst(q->port_id, q->queue, m, n);
	}
	return q->burst(q->qdata, m, n);
}

/**
 * Transmit all @p n packets: retry up to NB_PORT_TX_RETRIES calls while the
 * queue is full, then free what the device still refuses and count it in
 * the port's tx_dropped. The caller owns none of the packets afterwards.
 *
 * @param p
 *   The port.
 * @param queue
 *   TX queue.
 * @param m
 *   The packets.
 * @param n
 *   Number of packets.
 * @return
 *   The number of packets the device took; n minus it were freed.
 */
static inline uint16_t
nb_port_tx_burst_all(struct nb_port *p, uint16_t queue, struct rte_mbuf **m,
		     uint16_t n)
{
	uint16_t sent = 0;
	unsigned int tries;

	for (tries = 0; sent < n && tries < NB_PORT_TX_RETRIES; tries++) {
		sent += nb_port_tx_burst(p, queue, m + sent, n - sent);
	}
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(m + sent, n - sent);
		nb_port__fast(p)->q[queue].tx_dropped += n - sent;
	}
	return sent;
}

/**
 * Give received buffers back for reuse (axdriver's recycle_rx_buffer).
 * One-segment direct buffers of the port's pool that nobody else holds go
 * to the stash of queue pair @p queue, where nb_port_tx_alloc() on the same
 * queue finds them without a trip through the pool; when the stash is
 * full they go back to the pool in one bulk put, through the calling
 * lcore's cache, where the PMD's next RX refill takes them first (DPDK
 * 22.11 has no call that gives buffers to an ethdev RX ring directly). Any
 * other buffer is freed as rte_pktmbuf_free() would.
 *
 * nb_port_rx_recycle(p, q) and nb_port_tx_alloc(p, q) share the stash of
 * queue q: call them from one thread (the one polling RX and TX queue q).
 *
 * @param p
 *   The port.
 * @param queue
 *   Queue pair (below max(nb_rx_queues, nb_tx_queues)).
 * @param m
 *   The buffers; the caller owns none of them afterwards.
 * @param n
 *   Number of buffers.
 */
static inline void
nb_port_rx_recycle(struct nb_port *p, uint16_t queue, struct rte_mbuf **m,
		   uint16_t n)
{
	const struct nb_port__fast *f = nb_port__fast(p);
	struct nb_port__queue *q = &f->q[queue];
	struct rte_mempool *mp = f->mp;
	struct rte_mbuf *spill[NB_PORT_STASH_SIZE];
	unsigned int nspill = 0;
	uint16_t i;

	q->rx_recycled += n;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *b = m[i];

		if (unlikely(b->pool != mp || b->next != NULL ||
			     !RTE_MBUF_DIRECT(b) ||
			     rte_mbuf_refcnt_read(b) != 1)) {
			rte_pktmbuf_free(b);
			continue;
		}
		if (likely(q->stash_n < NB_PORT_STASH_SIZE)) {
			q->stash[q->stash_n++] = b;
			continue;
		}
		spill[nspill++] = b;
		if (unlikely(nspill == NB_PORT_STASH_SIZE)) {
			rte_mempool_put_bulk(mp, (void **)spill, nspill);
			nspill = 0;
		}
	}
	if (nspill > 0) {
		rte_mempool_put_bulk(mp, (void **)spill, nspill);
	}
}

/**
 * Hand out up to @p n transmit buffers (axdriver's alloc_tx_buffer): from
 * the recycle stash of queue pair @p queue first (reset like a fresh
 * allocation from the port's pool: data_len 0, the pool's headroom), then
 * from the port's pool. The caller owns them: transmit or free them.
 *
 * @param p
 *   The port.
 * @param queue
 *   Queue pair (below max(nb_rx_queues, nb_tx_queues)).
 * @param m
 *   Array of at least n pointers.
 * @param n
 *   Number of buffers wanted.
 * @return
 *   The number of buffers handed out: n, or fewer when the stash and the
 *   pool together are short (the pool part is all or nothing); 0 when the
 *   port has no pool and the stash is empty.
 */
static inline uint16_t
nb_port_tx_alloc(struct nb_port *p, uint16_t queue, struct rte_mbuf **m,
		 uint16_t n)
{
	const struct nb_port__fast *f = nb_port__fast(p);
	struct nb_port__queue *q = &f->q[queue];
	uint16_t k = 0;

	while (k < n && q->stash_n > 0) {
		struct rte_mbuf *b = q->stash[--q->stash_n];

		rte_pktmbuf_reset(b);
		b->data_off = RTE_MIN(f->headroom, b->buf_len);
		m[k++] = b;
	}
	if (k < n && f->pool != NULL &&
	    nb_pool_alloc_bulk(f->pool, m + k, n - k) == 0) {
		k = n;
	}
	return k;
}

#ifdef __cplusplus
}
#endif

#endif /* NB_PORT_H */
