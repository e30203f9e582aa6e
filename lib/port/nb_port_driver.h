/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nbkit port drivers: what a backend implements and how it registers.
 *
 * A driver fills a struct nb_port_ops and registers it with
 * NB_PORT_DRIVER_REGISTER(name, ops) at file scope (a constructor), so a
 * new backend plugs in without touching lib/port:
 *
 * @code
 * static const struct nb_port_ops loop_ops = {
 *	.prefix = "loop:",
 *	.open = loop_open,
 *	...
 * };
 * NB_PORT_DRIVER_REGISTER(loop, loop_ops);
 * @endcode
 *
 * nb_port_open() gives a spec to the driver whose prefix it starts with; a
 * driver with a NULL prefix (at most one) takes every other spec. The
 * sequence is open, info (lib/port checks the configuration against what
 * the device reports: queues, offloads, RSS fields), configure; then start
 * and stop any number of times; close last (also after a failed open or
 * configure: close must undo whatever was done).
 */
#ifndef NB_PORT_DRIVER_H
#define NB_PORT_DRIVER_H

#include "nb_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The fast path calls rte_eth_rx_burst()/rte_eth_tx_burst() on the ethdev
 * port the driver set with nb_port_drv_set_ethdev() (no indirect call).
 */
#define NB_PORT_OPS_F_ETHDEV (1u << 0)
/** RX queues take their buffers from a pool: conf.pool (or rx_pools) is required. */
#define NB_PORT_OPS_F_RX_POOL (1u << 1)

/** Operations of a port driver. Every function returns 0 or a negative errno. */
struct nb_port_ops {
	const char *prefix;	/**< specs it serves ("loop:"), NULL: all others */
	uint32_t flags;		/**< NB_PORT_OPS_F_* */
	/** Find or create the device of @p spec (one log line on failure). */
	int (*open)(struct nb_port *p, const char *spec);
	/** Describe the device (name, driver, capabilities, configuration). */
	int (*info)(struct nb_port *p, struct nb_port_info *info);
	/** Apply a configuration lib/port checked against info(). */
	int (*configure)(struct nb_port *p, const struct nb_port_conf *conf);
	int (*start)(struct nb_port *p);	/**< start the queues */
	int (*stop)(struct nb_port *p);		/**< stop; free what the rings hold */
	/** Release everything open and configure created (also after failures). */
	void (*close)(struct nb_port *p);
	/** Basic statistics (tx_dropped and rx_recycled are lib/port's). */
	int (*stats)(struct nb_port *p, struct nb_port_stats *s);
	int (*stats_reset)(struct nb_port *p);	/**< reset the device's counters */
	/** Extended statistics as nb_port_xstats() (optional: NULL for none). */
	int (*xstats)(struct nb_port *p, struct nb_port_xstat *xs, unsigned int n);
	/** Link state, without waiting. */
	int (*link)(struct nb_port *p, struct nb_link *link);
	int (*mac)(struct nb_port *p, struct rte_ether_addr *mac); /**< MAC address */
	/** Non-ethdev drivers: burst functions, with nb_port_drv_set_queues(). */
	nb_port_burst_t rx_burst;
	nb_port_burst_t tx_burst;
};

/** @internal Registration of a driver; use NB_PORT_DRIVER_REGISTER(). */
void nb_port_driver_register(const char *name, const struct nb_port_ops *ops);

/**
 * Register port driver @p name (an identifier) served by @p ops (a struct
 * nb_port_ops object) before main() runs.
 */
#define NB_PORT_DRIVER_REGISTER(name, ops)				\
	RTE_INIT(nb_port_driver_init_##name)				\
	{								\
		nb_port_driver_register(RTE_STR(name), &(ops));		\
	}

/**
 * Driver's private state of a port.
 *
 * @param p
 *   The port.
 * @return
 *   What the driver set with nb_port_drv_set_priv() (NULL before).
 */
void *nb_port_drv_priv(const struct nb_port *p);

/**
 * Set the driver's private state of a port (in open).
 *
 * @param p
 *   The port.
 * @param priv
 *   The driver's state.
 */
void nb_port_drv_set_priv(struct nb_port *p, void *priv);

/**
 * Set the ethdev port behind a port (drivers with NB_PORT_OPS_F_ETHDEV, in
 * open).
 *
 * @param p
 *   The port.
 * @param port_id
 *   Its ethdev port id.
 */
void nb_port_drv_set_ethdev(struct nb_port *p, uint16_t port_id);

/**
 * Set the per-queue state the burst functions of a non-ethdev driver get
 * (in configure): rxq[i] for RX queue i, txq[i] for TX queue i. The arrays
 * are copied.
 *
 * @param p
 *   The port.
 * @param rxq
 *   nb_rx_queues pointers.
 * @param txq
 *   nb_tx_queues pointers.
 * @return
 *   0, or -ENOMEM.
 */
int nb_port_drv_set_queues(struct nb_port *p, void *const *rxq,
			   void *const *txq);

/**
 * Raise port events (NB_PORT_EV_*), from any thread, between open and the
 * end of the driver's close: lib/port delivers them to the port's handler
 * as a reactor message (nb_port_event_handler_set()). Never blocks.
 *
 * @param p
 *   The port.
 * @param events
 *   NB_PORT_EV_* bits.
 */
void nb_port_drv_event(struct nb_port *p, uint32_t events);

#ifdef __cplusplus
}
#endif

#endif /* NB_PORT_DRIVER_H */
