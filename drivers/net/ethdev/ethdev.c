/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ethdev port driver: every DPDK poll-mode driver behind nb_port.
 *
 * A spec is the name of an ethdev port the application (or EAL, from its
 * command line) already probed: nbkit adopts it and gives it back as it found
 * it at close (stopped, ownership released, MTU and promiscuous mode
 * restored; never closed: DPDK cannot reopen a closed port, and what nbkit
 * did not create it does not destroy). Or a device string ("net_tap0,iface=x",
 * a PCI address): nbkit hot-plugs the device with rte_dev_probe(), keeps the
 * bus and device name, takes the device's first ethdev port whatever its
 * name, and at close (or when the open fails) closes that port and removes the
 * device, unless another of its ports is still owned. The port is claimed with
 * ethdev's ownership API, so a second open of the same device, by nbkit or by
 * another component that owns it, is refused (EBUSY). The fast path calls
 * rte_eth_rx_burst()/rte_eth_tx_burst() directly (NB_PORT_OPS_F_ETHDEV).
 */
/* rte_devargs_reset(): experimental in 22.11 (stable from 23.03) */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>
#include <rte_version.h>

#include "nb_internal.h"
#include "nb_port.h"
#include "nb_port_driver.h"

NB_LOG_REGISTER(net_ethdev);

#define ETH_LOG(level, ...) NB_LOG(net_ethdev, level, __VA_ARGS__)

struct eth_port {
	uint16_t port_id;
	bool hotplugged;	/* we probed it: closed and removed at close */
	bool owned;		/* we hold ethdev ownership */
	bool configured;
	bool promisc_set;	/* we turned promiscuous mode on: off at close */
	bool mtu_known;		/* mtu_orig was read at open */
	bool cb_set;		/* the event callbacks are registered */
	bool destroyed;		/* RTE_ETH_EVENT_DESTROY: the port id is no more ours */
	uint16_t mtu_orig;	/* the MTU at open, restored at close */
	char bus[32];		/* hot-plugged: the device's bus ... */
	char dev[RTE_DEV_NAME_MAX_LEN]; /* ... and its name, for the removal */
	uint64_t owner_id;
	uint16_t nb_rxq, nb_txq, nb_rxd, nb_txd;
	uint64_t rx_offloads, tx_offloads;
	char name[RTE_ETH_NAME_MAX_LEN];
};

static struct eth_port *
ep_of(struct nb_port *p)
{
	return nb_port_drv_priv(p);
}

static int
eth_claim(struct eth_port *ep, const char *spec)
{
	struct rte_eth_dev_owner owner;
	int ret;

	ret = rte_eth_dev_owner_get(ep->port_id, &owner);
	if (ret == 0 && owner.id != RTE_ETH_DEV_NO_OWNER) {
		ETH_LOG(ERR, "port %s: device busy (owned by '%s')", spec,
			owner.name);
		return -EBUSY;
	}
	ret = rte_eth_dev_owner_new(&ep->owner_id);
	if (ret < 0) {
		ETH_LOG(ERR, "port %s: no ethdev owner id: %s", spec, strerror(-ret));
		return ret;
	}
	memset(&owner, 0, sizeof(owner));
	owner.id = ep->owner_id;
	snprintf(owner.name, sizeof(owner.name), "nbkit");
	ret = rte_eth_dev_owner_set(ep->port_id, &owner);
	if (ret < 0) {
		ETH_LOG(ERR, "port %s: device busy (cannot own it: %s)", spec,
			strerror(-ret));
		rte_eth_dev_owner_delete(ep->owner_id);
		return -EBUSY;
	}
	ep->owned = true;
	return 0;
}

/* Is port @pid a port of device @dev on bus @bus? */
static bool
port_of_device(uint16_t pid, const char *bus, const char *dev)
{
	struct rte_eth_dev_info di;
	const struct rte_bus *b;

	if (rte_eth_dev_info_get(pid, &di) != 0 || di.device == NULL) {
		return false;
	}
	b = rte_dev_bus(di.device);
	return strcmp(rte_dev_name(di.device), dev) == 0 &&
		b != NULL && strcmp(rte_bus_name(b), bus) == 0;
}

/*
 * Remove the device this port hot-plugged (its ethdev ports closed first),
 * unless another of its ports is still owned: a sibling somebody opened.
 */
static void
eth_unplug(struct eth_port *ep, const char *spec)
{
	struct rte_eth_dev_owner owner;
	uint16_t pid;
	int ret;

	RTE_ETH_FOREACH_DEV(pid) {
		if (pid == ep->port_id || !port_of_device(pid, ep->bus, ep->dev)) {
			continue;
		}
		if (rte_eth_dev_owner_get(pid, &owner) == 0 &&
		    owner.id != RTE_ETH_DEV_NO_OWNER) {
			ETH_LOG(NOTICE, "port %s: device %s left attached: its port %u is "
				"owned by '%s'", spec, ep->dev, pid, owner.name);
			return;
		}
	}
	ret = rte_eal_hotplug_remove(ep->bus, ep->dev);
	if (ret < 0) {
		ETH_LOG(WARNING, "port %s: removing device %s: %s", spec, ep->dev,
			strerror(-ret));
	}
}

/* Probe the device @spec names; on success ep->port_id is its first port. */
static int
eth_plug(struct eth_port *ep, const char *spec, bool has_args)
{
	struct rte_devargs da;
	bool found = false;
	uint16_t pid;
	int ret;

	memset(&da, 0, sizeof(da));
	if (rte_devargs_parse(&da, spec) != 0 || da.bus == NULL) {
		rte_devargs_reset(&da);
		ETH_LOG(ERR, "port %s: unknown driver or device %s", spec, ep->name);
		return -ENODEV;
	}
	rte_strlcpy(ep->bus, rte_bus_name(da.bus), sizeof(ep->bus));
	rte_strlcpy(ep->dev, da.name, sizeof(ep->dev));
	rte_devargs_reset(&da);
	ret = rte_dev_probe(spec);
	if (ret < 0) {
		/*
		 * Say what is wrong: EAL could not parse the name (no driver or
		 * bus knows it), or the driver refused it.
		 */
		if (ret == -EFAULT || ret == -ENOENT) {
			ETH_LOG(ERR, "port %s: unknown driver or device %s", spec,
				ep->dev);
			return -ENODEV;
		}
		if (ret == -EEXIST || ret == -EBUSY) {
			ETH_LOG(ERR, "port %s: device busy (%s is attached already: "
				"open its port by name)", spec, ep->dev);
			return -EBUSY;
		}
		if (ret == -ENOMEM) {
			ETH_LOG(ERR, "port %s: no memory to probe it", spec);
			return -ENOMEM;
		}
		ETH_LOG(ERR, "port %s: the %s driver refused it (%s): %s", spec,
			ep->bus, strerror(-ret), has_args ? "bad argument" :
			"see the EAL lines above");
		return has_args ? -EINVAL : -ENODEV;
	}
	ep->hotplugged = true;
	/* The device's ports, whatever the PMD named them: take the first. */
	RTE_ETH_FOREACH_DEV(pid) {
		if (port_of_device(pid, ep->bus, ep->dev)) {
			found = true;
			break;
		}
	}
	if (!found) {
		ETH_LOG(ERR, "port %s: device %s is not a network device (no ethdev "
			"port)", spec, ep->dev);
		return -ENODEV;
	}
	ep->port_id = pid;
	if (rte_eth_dev_get_name_by_port(pid, ep->name) != 0) {
		return -ENODEV;
	}
	return 0;
}

/* The ethdev events nbkit turns into port events. */
static const enum rte_eth_event_type eth_events[] = {
	RTE_ETH_EVENT_INTR_LSC, RTE_ETH_EVENT_INTR_RMV, RTE_ETH_EVENT_DESTROY,
};

/* On the thread that raised it (DPDK's interrupt thread, or the one that
 * releases the port): hand it to lib/port, which delivers it as a message. */
static int
eth_event_cb(uint16_t port_id, enum rte_eth_event_type type, void *cb_arg,
	     void *ret_param)
{
	struct nb_port *p = cb_arg;

	RTE_SET_USED(port_id);
	RTE_SET_USED(ret_param);
	if (type == RTE_ETH_EVENT_INTR_LSC) {
		nb_port_drv_event(p, NB_PORT_EV_LINK);
		return 0;
	}
	if (type == RTE_ETH_EVENT_DESTROY) {
		__atomic_store_n(&ep_of(p)->destroyed, true, __ATOMIC_RELEASE);
	}
	nb_port_drv_event(p, NB_PORT_EV_REMOVED);
	return 0;
}

static void
eth_events_unset(struct nb_port *p, struct eth_port *ep)
{
	unsigned int i;

	if (!ep->cb_set) {
		return;
	}
	for (i = 0; i < RTE_DIM(eth_events); i++) {
		/* -EAGAIN while the callback runs on the interrupt thread */
		while (rte_eth_dev_callback_unregister(ep->port_id, eth_events[i],
						       eth_event_cb, p) == -EAGAIN) {
			rte_delay_us_sleep(100);
		}
	}
	ep->cb_set = false;
}

static int
eth_events_set(struct nb_port *p, struct eth_port *ep)
{
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(eth_events); i++) {
		ret = rte_eth_dev_callback_register(ep->port_id, eth_events[i],
						    eth_event_cb, p);
		if (ret < 0) {
			ETH_LOG(ERR, "port %s: event callback: %s", ep->name,
				strerror(-ret));
			ep->cb_set = true;
			eth_events_unset(p, ep);
			return ret;
		}
		ep->cb_set = true;
	}
	return 0;
}

static int
eth_open(struct nb_port *p, const char *spec)
{
	struct eth_port *ep;
	const char *comma = strchr(spec, ',');
	size_t nlen = comma != NULL ? (size_t)(comma - spec) : strlen(spec);
	uint16_t pid;
	int ret;

	if (nlen == 0 || nlen >= RTE_ETH_NAME_MAX_LEN) {
		ETH_LOG(ERR, "port %s: bad device name", spec);
		return -EINVAL;
	}
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL) {
		return -ENOMEM;
	}
	memcpy(ep->name, spec, nlen);
	nb_port_drv_set_priv(p, ep);
	if (rte_eth_dev_get_port_by_name(ep->name, &pid) == 0) {
		if (comma != NULL) {
			ETH_LOG(ERR, "port %s: device busy (%s exists already; open it "
				"by its name alone)", spec, ep->name);
			ret = -EBUSY;
			goto fail;
		}
		ep->port_id = pid;
	} else {
		ret = eth_plug(ep, spec, comma != NULL);
		if (ret < 0) {
			goto fail;
		}
	}
	nb_port_drv_set_ethdev(p, ep->port_id);
	ret = eth_claim(ep, spec);
	if (ret < 0) {
		goto fail;
	}
	ret = eth_events_set(p, ep);
	if (ret < 0) {
		goto fail;
	}
	ep->mtu_known = rte_eth_dev_get_mtu(ep->port_id, &ep->mtu_orig) == 0;
	return 0;
fail:
	if (ep->owned) {
		rte_eth_dev_owner_unset(ep->port_id, ep->owner_id);
		rte_eth_dev_owner_delete(ep->owner_id);
	}
	if (ep->hotplugged) {
		eth_unplug(ep, spec);
	}
	nb_port_drv_set_priv(p, NULL);
	free(ep);
	return ret;
}

/*
 * Buffers a PMD keeps after close and never frees. DPDK 22.11's
 * net_af_xdp (zero-copy umem on the mempool) deletes its XDP sockets with
 * mbufs still in their fill rings (2 x 2048 entries) and RX rings: they
 * stay allocated for good (seen: 2049 buffers per port).
 */
static uint32_t
eth_kept_at_close(const struct rte_eth_dev_info *di, const struct eth_port *ep)
{
#if RTE_VER_YEAR == 22
	if (di->driver_name != NULL && strcmp(di->driver_name, "net_af_xdp") == 0) {
		return (uint32_t)ep->nb_rxq * (2u * 2048u + ep->nb_rxd);
	}
#else
	RTE_SET_USED(di);
	RTE_SET_USED(ep);
#endif
	return 0;
}

static int
eth_info(struct nb_port *p, struct nb_port_info *info)
{
	struct eth_port *ep = ep_of(p);
	struct rte_eth_dev_info di;
	uint16_t mtu = 0;
	int ret;

	ret = rte_eth_dev_info_get(ep->port_id, &di);
	if (ret < 0) {
		return ret;
	}
	rte_strlcpy(info->name, ep->name, sizeof(info->name));
	info->driver = "ethdev";
	info->pmd = di.driver_name;
	info->port_id = ep->port_id;
	info->nb_rx_queues = ep->nb_rxq;
	info->nb_tx_queues = ep->nb_txq;
	info->max_rx_queues = RTE_MIN(di.max_rx_queues, (uint16_t)NB_PORT_MAX_QUEUES);
	info->max_tx_queues = RTE_MIN(di.max_tx_queues, (uint16_t)NB_PORT_MAX_QUEUES);
	info->nb_rx_desc = ep->nb_rxd;
	info->nb_tx_desc = ep->nb_txd;
	info->rx_offload_capa = di.rx_offload_capa;
	info->tx_offload_capa = di.tx_offload_capa;
	info->rx_offloads = ep->rx_offloads;
	info->tx_offloads = ep->tx_offloads;
	info->rss_hf_capa = di.flow_type_rss_offloads;
	info->max_rx_mempools = di.max_rx_mempools;
	if (rte_eth_dev_get_mtu(ep->port_id, &mtu) == 0) {
		info->mtu = mtu;
	}
	info->socket_id = rte_eth_dev_socket_id(ep->port_id);
	info->rx_kept_at_close = eth_kept_at_close(&di, ep);
	return 0;
}

/* Smallest data room of the buffers that feed the RX queues (0: none). */
static uint32_t
rx_room(const struct nb_port_conf *c)
{
	uint32_t room = UINT32_MAX;
	unsigned int i;

	if (c->rx_poolset != NULL) {
		/* the device picks a class by size: the largest one counts */
		room = 0;
		for (i = 0; i < nb_poolset_count(c->rx_poolset); i++) {
			room = RTE_MAX(room, nb_pool_data_size(
				nb_poolset_pool(c->rx_poolset, i)));
		}
		return room;
	}
	if (c->rx_pools != NULL) {
		for (i = 0; i < c->nb_rx_queues; i++) {
			room = RTE_MIN(room, nb_pool_data_size(c->rx_pools[i]));
		}
	} else if (c->pool != NULL) {
		room = nb_pool_data_size(c->pool);
	}
	return room == UINT32_MAX ? 0 : room;
}

/*
 * Frames of @mtu (plus the device's L2 overhead, DPDK's rule) against the RX
 * buffers: a frame that does not fit one buffer needs RX scatter, which is
 * switched on where the device reports it; where it does not, a warning
 * with the numbers (net_pcap chains jumbo frames without reporting RX
 * scatter, net_null makes frames of its own size: refusing would refuse
 * what testpmd runs).
 */
static int
eth_frame_check(struct eth_port *ep, const struct nb_port_conf *c,
		const struct rte_eth_dev_info *di, uint16_t mtu,
		uint64_t *rx_offloads)
{
	uint32_t overhead, frame, room = rx_room(c);

	if (c->nb_rx_queues == 0 || room == 0) {
		return 0;
	}
	overhead = di->max_mtu != UINT16_MAX && di->max_rx_pktlen > di->max_mtu ?
		di->max_rx_pktlen - di->max_mtu :
		RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	frame = (uint32_t)mtu + overhead;
	if (frame <= room || (*rx_offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0) {
		return 0;
	}
	if ((di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) != 0) {
		ETH_LOG(INFO, "port %s: MTU %u: frames of up to %u bytes arrive as "
			"chains of %u-byte buffers (RX scatter on)", ep->name, mtu,
			frame, room);
		*rx_offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		return 0;
	}
	/* some chain anyway without saying so (net_pcap): testpmd's way,
	 * the device decides, but not silently */
	ETH_LOG(WARNING, "port %s: MTU %u means frames of up to %u bytes, the RX "
		"buffers hold %u and the device reports no RX scatter: it may drop "
		"or cut longer frames (buffers of %u bytes would hold them)",
		ep->name, mtu, frame, room, frame);
	return 0;
}

/* Where a queue needs more, the heap's ENOMEM is real (1 MiB is more than
 * the rings of any queue of 4096 descriptors). */
#define ETH_QUEUE_MEM_MAX (1u << 20)

/*
 * A queue the device would not set up. A PMD's ENOMEM while the heap has
 * megabytes free is no lack of memory but a value it cannot use (net_null's
 * "size=abc" is a packet size of 0): say so, EINVAL. Other codes pass.
 */
static int
queue_error(const struct eth_port *ep, const char *dir, uint16_t q,
	    uint16_t desc, int socket, int ret)
{
	struct rte_malloc_socket_stats st;
	int s = socket == SOCKET_ID_ANY ? (int)rte_socket_id() : socket;

	if (ret == -ENOMEM && rte_malloc_get_socket_stats(s, &st) == 0 &&
	    st.greatest_free_size >= ETH_QUEUE_MEM_MAX) {
		ETH_LOG(ERR, "port %s: the device cannot set up %s queue %u (%u "
			"descriptors): it says no memory, but %zu KiB are free in "
			"one block: %s", ep->name, dir, q, desc,
			st.greatest_free_size >> 10, ep->hotplugged ?
			"check the device's arguments" : "a value it cannot use");
		return -EINVAL;
	}
	ETH_LOG(ERR, "port %s: %s queue %u (%u descriptors): %s", ep->name, dir,
		q, desc, strerror(-ret));
	return ret;
}

static int
eth_configure(struct nb_port *p, const struct nb_port_conf *c)
{
	struct eth_port *ep = ep_of(p);
	struct rte_mempool *mps[NB_POOLSET_MAX_CLASSES];
	struct rte_eth_conf ec;
	struct rte_eth_dev_info di;
	const char *n = ep->name;
	uint64_t rx_offloads;
	uint16_t q, rxd, txd, mtu, cur;
	int socket, ret;

	ret = rte_eth_dev_info_get(ep->port_id, &di);
	if (ret < 0) {
		return ret;
	}
	/*
	 * DPDK's rxmode.mtu = 0 means 1500: configure with the device's MTU,
	 * or the one asked for (configure is how DPDK gives a device its MTU;
	 * set_mtu after it applies it to devices that apply it at runtime).
	 */
	if (rte_eth_dev_get_mtu(ep->port_id, &cur) != 0) {
		cur = RTE_ETHER_MTU;
	}
	mtu = cur;
	if (c->mtu != 0) {
		if (c->mtu < di.min_mtu || c->mtu > di.max_mtu) {
			ETH_LOG(ERR, "port %s: MTU %u is outside the device's range "
				"%u..%u", n, c->mtu, di.min_mtu, di.max_mtu);
			return -EINVAL;
		}
		mtu = c->mtu;
	}
	rx_offloads = c->rx_offloads;
	ret = eth_frame_check(ep, c, &di, mtu, &rx_offloads);
	if (ret < 0) {
		return ret;
	}
	memset(&ec, 0, sizeof(ec));
	/* link and removal interrupts where the device has them */
	ec.intr_conf.lsc = !c->no_lsc_interrupt && di.dev_flags != NULL &&
		(*di.dev_flags & RTE_ETH_DEV_INTR_LSC) != 0;
	ec.intr_conf.rmv = di.dev_flags != NULL &&
		(*di.dev_flags & RTE_ETH_DEV_INTR_RMV) != 0;
	ec.rxmode.mtu = mtu;
	ec.rxmode.offloads = rx_offloads;
	ec.txmode.offloads = c->tx_offloads;
	if (c->rss) {
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf = c->rss_hf;
	}
	ret = rte_eth_dev_configure(ep->port_id, c->nb_rx_queues, c->nb_tx_queues,
				    &ec);
	if (ret < 0) {
		ETH_LOG(ERR, "port %s: the device refuses %u RX / %u TX queues with "
			"this configuration: %s", n, c->nb_rx_queues,
			c->nb_tx_queues, strerror(-ret));
		return ret;
	}
	ep->configured = true;
	rxd = c->nb_rx_desc != 0 ? c->nb_rx_desc :
		di.default_rxportconf.ring_size != 0 ?
		di.default_rxportconf.ring_size : 1024;
	txd = c->nb_tx_desc != 0 ? c->nb_tx_desc :
		di.default_txportconf.ring_size != 0 ?
		di.default_txportconf.ring_size : 1024;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(ep->port_id, &rxd, &txd);
	if (ret < 0) {
		ETH_LOG(ERR, "port %s: descriptor counts: %s", n, strerror(-ret));
		return ret;
	}
	if ((c->nb_rx_desc != 0 && rxd != c->nb_rx_desc) ||
	    (c->nb_tx_desc != 0 && txd != c->nb_tx_desc)) {
		ETH_LOG(NOTICE, "port %s: descriptors %u RX / %u TX (asked %u / %u: "
			"the device's limits)", n, rxd, txd, c->nb_rx_desc,
			c->nb_tx_desc);
	}
	if (mtu != cur) {
		ret = rte_eth_dev_set_mtu(ep->port_id, c->mtu);
		if (ret == -ENOTSUP) {
			ret = 0;	/* no runtime op: configure's MTU is it */
		}
		if (ret < 0) {
			ETH_LOG(ERR, "port %s: MTU %u refused (device range %u..%u): %s",
				n, c->mtu, di.min_mtu, di.max_mtu, strerror(-ret));
			return -EINVAL;
		}
	}
	socket = c->socket_id != SOCKET_ID_ANY ? c->socket_id :
		rte_eth_dev_socket_id(ep->port_id);
	if (socket < 0) {
		socket = SOCKET_ID_ANY;
	}
	for (q = 0; q < c->nb_rx_queues; q++) {
		struct rte_eth_rxconf rxc = di.default_rxconf;
		struct rte_mempool *mp = NULL;

		rxc.offloads = rx_offloads;
		if (c->rx_poolset != NULL) {
			unsigned int i, k = nb_poolset_count(c->rx_poolset);

			for (i = 0; i < k; i++) {
				mps[i] = nb_pool_mempool(nb_poolset_pool(c->rx_poolset, i));
			}
			rxc.rx_mempools = mps;
			rxc.rx_nmempool = (uint16_t)k;
		} else {
			mp = nb_pool_mempool(c->rx_pools != NULL ? c->rx_pools[q] :
					     c->pool);
		}
		ret = rte_eth_rx_queue_setup(ep->port_id, q, rxd, socket, &rxc, mp);
		if (ret < 0) {
			return queue_error(ep, "RX", q, rxd, socket, ret);
		}
	}
	for (q = 0; q < c->nb_tx_queues; q++) {
		struct rte_eth_txconf txc = di.default_txconf;

		txc.offloads = c->tx_offloads;
		ret = rte_eth_tx_queue_setup(ep->port_id, q, txd, socket, &txc);
		if (ret < 0) {
			return queue_error(ep, "TX", q, txd, socket, ret);
		}
	}
	if (c->promiscuous && rte_eth_promiscuous_get(ep->port_id) != 1) {
		ret = rte_eth_promiscuous_enable(ep->port_id);
		if (ret < 0) {
			ETH_LOG(ERR, "port %s: promiscuous mode refused: %s", n,
				strerror(-ret));
			return ret == -ENOTSUP ? -ENOTSUP : ret;
		}
		ep->promisc_set = true;
	}
	ep->nb_rxq = c->nb_rx_queues;
	ep->nb_txq = c->nb_tx_queues;
	ep->nb_rxd = rxd;
	ep->nb_txd = txd;
	ep->rx_offloads = rx_offloads;
	ep->tx_offloads = c->tx_offloads;
	return 0;
}

static int
eth_start(struct nb_port *p)
{
	return rte_eth_dev_start(ep_of(p)->port_id);
}

/* Most packets eth_stop() drains from one RX queue (net_null never runs dry). */
#define ETH_DRAIN_MAX 8192

/*
 * Free what waits in the RX queues before the device stops: some PMDs
 * (net_ring) keep received-but-not-polled buffers past close, which would
 * leave them out of their pool for good.
 */
static int
eth_stop(struct nb_port *p)
{
	struct eth_port *ep = ep_of(p);
	struct rte_mbuf *m[32];
	unsigned int done;
	uint16_t q, n;

	for (q = 0; q < ep->nb_rxq; q++) {
		for (done = 0; done < ETH_DRAIN_MAX; done += n) {
			n = rte_eth_rx_burst(ep->port_id, q, m, RTE_DIM(m));
			if (n == 0) {
				break;
			}
			rte_pktmbuf_free_bulk(m, n);
		}
	}
	return rte_eth_dev_stop(ep->port_id);
}

static void
eth_close(struct nb_port *p)
{
	struct eth_port *ep = ep_of(p);
	uint16_t mtu;
	int ret;

	if (ep == NULL) {
		return;
	}
	eth_events_unset(p, ep);
	if (__atomic_load_n(&ep->destroyed, __ATOMIC_ACQUIRE)) {
		/* released under us: the id may be another device's by now */
		ETH_LOG(WARNING, "port %s: its ethdev port was destroyed while "
			"open", ep->name);
		nb_port_drv_set_priv(p, NULL);
		free(ep);
		return;
	}
	if (ep->promisc_set &&
	    rte_eth_promiscuous_disable(ep->port_id) < 0) {
		ETH_LOG(WARNING, "port %s: promiscuous mode left on", ep->name);
	}
	if (!ep->hotplugged && ep->mtu_known &&
	    rte_eth_dev_get_mtu(ep->port_id, &mtu) == 0 && mtu != ep->mtu_orig &&
	    rte_eth_dev_set_mtu(ep->port_id, ep->mtu_orig) < 0) {
		ETH_LOG(WARNING, "port %s: MTU left at %u (was %u)", ep->name, mtu,
			ep->mtu_orig);
	}
	if (ep->owned) {
		rte_eth_dev_owner_unset(ep->port_id, ep->owner_id);
		rte_eth_dev_owner_delete(ep->owner_id);
	}
	if (ep->hotplugged) {
		/* Closing releases the queues and the buffers the rings hold. */
		ret = rte_eth_dev_close(ep->port_id);
		if (ret < 0) {
			ETH_LOG(WARNING, "port %s: close: %s", ep->name, strerror(-ret));
		}
		eth_unplug(ep, ep->name);
	}
	nb_port_drv_set_priv(p, NULL);
	free(ep);
}

static int
eth_stats(struct nb_port *p, struct nb_port_stats *s)
{
	struct rte_eth_stats st;
	int ret;

	ret = rte_eth_stats_get(ep_of(p)->port_id, &st);
	if (ret < 0) {
		return ret;
	}
	s->ipackets = st.ipackets;
	s->opackets = st.opackets;
	s->ibytes = st.ibytes;
	s->obytes = st.obytes;
	s->imissed = st.imissed;
	s->ierrors = st.ierrors;
	s->oerrors = st.oerrors;
	s->rx_nombuf = st.rx_nombuf;
	return 0;
}

static int
eth_stats_reset(struct nb_port *p)
{
	uint16_t pid = ep_of(p)->port_id;
	int ret;

	ret = rte_eth_stats_reset(pid);
	if (ret < 0) {
		return ret;
	}
	ret = rte_eth_xstats_reset(pid);
	return ret == -ENOTSUP ? 0 : ret;
}

static int
eth_xstats(struct nb_port *p, struct nb_port_xstat *xs, unsigned int n)
{
	uint16_t pid = ep_of(p)->port_id;
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	int cnt, i, ret;

	cnt = rte_eth_xstats_get_names(pid, NULL, 0);
	if (cnt < 0 || xs == NULL || n == 0) {
		return cnt;
	}
	names = calloc(cnt, sizeof(*names));
	vals = calloc(cnt, sizeof(*vals));
	if (names == NULL || vals == NULL) {
		free(names);
		free(vals);
		return -ENOMEM;
	}
	ret = rte_eth_xstats_get_names(pid, names, cnt);
	if (ret == cnt) {
		ret = rte_eth_xstats_get(pid, vals, cnt);
	}
	if (ret == cnt) {
		for (i = 0; i < cnt && (unsigned int)i < n; i++) {
			rte_strlcpy(xs[i].name, names[vals[i].id].name,
				    sizeof(xs[i].name));
			xs[i].value = vals[i].value;
		}
	} else if (ret >= 0) {
		ret = -EAGAIN;	/* the set changed under us */
	}
	free(names);
	free(vals);
	return ret < 0 ? ret : cnt;
}

static int
eth_link(struct nb_port *p, struct nb_link *link)
{
	struct rte_eth_link l;
	int ret;

	ret = rte_eth_link_get_nowait(ep_of(p)->port_id, &l);
	if (ret < 0) {
		return ret;
	}
	link->up = l.link_status == RTE_ETH_LINK_UP;
	link->full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	link->autoneg = l.link_autoneg == RTE_ETH_LINK_AUTONEG;
	link->speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 :
		l.link_speed;
	return 0;
}

static int
eth_mac(struct nb_port *p, struct rte_ether_addr *mac)
{
	return rte_eth_macaddr_get(ep_of(p)->port_id, mac);
}

static const struct nb_port_ops eth_ops = {
	.prefix = NULL,
	.flags = NB_PORT_OPS_F_ETHDEV | NB_PORT_OPS_F_RX_POOL,
	.open = eth_open,
	.info = eth_info,
	.configure = eth_configure,
	.start = eth_start,
	.stop = eth_stop,
	.close = eth_close,
	.stats = eth_stats,
	.stats_reset = eth_stats_reset,
	.xstats = eth_xstats,
	.link = eth_link,
	.mac = eth_mac,
};

NB_PORT_DRIVER_REGISTER(ethdev, eth_ops);
