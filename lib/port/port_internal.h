/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/port's private state of a port, shared by port.c (open, close,
 * configuration, statistics) and event.c (event delivery). Not installed.
 */
#ifndef NB_PORT_INTERNAL_H
#define NB_PORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "nb_internal.h"
#include "nb_port.h"
#include "nb_port_driver.h"

NB_LOG_DECLARE(port);

#define PORT_LOG(level, ...) NB_LOG(port, level, __VA_ARGS__)

struct port_ev;

struct nb_port {
	struct nb_port__fast fast;	/* first: the inline fast path reads it */
	const struct nb_port_ops *ops;
	const char *drv_name;
	void *priv;
	int index;
	bool started;
	uint16_t nb_q;			/* entries of fast.q */
	struct nb_port_conf conf;	/* as applied (rss_hf resolved) */
	struct port_ev *ev;		/* event delivery (event.c), from open to close */
	char spec[256];
};

/* event.c: create the port's event state at open (-ENOMEM). */
int port_ev_open(struct nb_port *p);

/*
 * event.c, at close, before the port is stopped: no delivery calls the
 * handler from now on; one running on another thread is waited for.
 */
void port_ev_detach(struct nb_port *p);

/* event.c, at close, after the driver's close (no driver event any more):
 * drop the port's reference to its event state (detaching first). */
void port_ev_release(struct nb_port *p);

#endif /* NB_PORT_INTERNAL_H */
