/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port events: what a driver raises (link change, device removed) from any
 * thread -- DPDK's interrupt thread for ethdev callbacks -- reaches the
 * port's handler as a reactor message on the handler's lcore, never on
 * the raising thread.
 *
 * Events are bits or-ed into one pending word; at most one delivery
 * message per port is queued at a time, so a storm of link flaps costs one
 * message. The message carries the port's event state (struct port_ev),
 * not the port: the state is reference-counted (one reference for the
 * open port, one per queued message), so the pointer in a message stays
 * valid until the message has run, whatever happened to the port. Close
 * first clears the state's port pointer (a delivery that finds it cleared
 * does nothing) and waits for a handler running on another thread, then
 * stops and closes the driver, and drops the port's reference only then:
 * a driver may raise events until its close returns. A delivery runs the
 * handler with "running" set: both sides store then load (sequentially
 * consistent), so either the delivery sees the port gone, or close sees
 * the delivery running.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_pause.h>

#include "nb_reactor.h"
#include "port_internal.h"

struct port_ev {
	struct nb_port *port;	/* NULL once the port is closed */
	nb_port_event_fn fn;	/* NULL: events are not delivered */
	void *arg;
	unsigned int lcore;	/* the handler's reactor */
	uint32_t pending;	/* NB_PORT_EV_* not yet delivered */
	uint32_t refs;		/* the open port's + one per queued message */
	uint32_t running;	/* a delivery is calling fn */
	bool queued;		/* a delivery message is queued */
	int8_t link_seen;	/* nb_port_link_watch(): -1 unknown, 0 down, 1 up */
};

int
port_ev_open(struct nb_port *p)
{
	struct port_ev *e = calloc(1, sizeof(*e));

	if (e == NULL) {
		return -ENOMEM;
	}
	e->port = p;
	e->refs = 1;
	e->link_seen = -1;
	p->ev = e;
	return 0;
}

static void
ev_put(struct port_ev *e)
{
	if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(e);
	}
}

/* The delivery message, on the handler's lcore. */
static void
ev_deliver(void *arg)
{
	struct port_ev *e = arg;
	nb_port_event_fn fn;
	struct nb_port *p;
	uint32_t bits;

	/* events raised from here on queue the next delivery */
	__atomic_store_n(&e->queued, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&e->running, 1, __ATOMIC_SEQ_CST);
	p = __atomic_load_n(&e->port, __ATOMIC_SEQ_CST);
	fn = __atomic_load_n(&e->fn, __ATOMIC_ACQUIRE);
	bits = fn != NULL ? __atomic_exchange_n(&e->pending, 0, __ATOMIC_ACQ_REL) : 0;
	if (p != NULL && bits != 0) {
		fn(p, bits, e->arg);	/* may close p: e lives on (our ref) */
	}
	__atomic_store_n(&e->running, 0, __ATOMIC_RELEASE);
	ev_put(e);
}

/* Queue a delivery unless one is queued; false when the reactor refused. */
static bool
ev_kick(struct port_ev *e)
{
	int ret;

	if (__atomic_exchange_n(&e->queued, true, __ATOMIC_SEQ_CST)) {
		return true;
	}
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
	ret = nb_reactor_send(e->lcore, ev_deliver, e);
	if (ret != 0) {
		/* the bits stay pending: the next event or link watch retries */
		__atomic_store_n(&e->queued, false, __ATOMIC_SEQ_CST);
		ev_put(e);
		return false;
	}
	return true;
}

void
nb_port_drv_event(struct nb_port *p, uint32_t events)
{
	struct port_ev *e;

	if (p == NULL || (e = p->ev) == NULL || events == 0) {
		return;
	}
	__atomic_fetch_or(&e->pending, events, __ATOMIC_ACQ_REL);
	if (__atomic_load_n(&e->fn, __ATOMIC_ACQUIRE) != NULL) {
		ev_kick(e);
	}
}

int
nb_port_event_handler_set(struct nb_port *p, unsigned int lcore,
			  nb_port_event_fn fn, void *arg)
{
	struct port_ev *e;

	if (p == NULL || (e = p->ev) == NULL) {
		return -EINVAL;
	}
	if (fn != NULL && (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore))) {
		PORT_LOG(ERR, "port %s: event handler lcore %u is not an EAL lcore",
			 p->spec, lcore);
		return -EINVAL;
	}
	__atomic_store_n(&e->fn, NULL, __ATOMIC_RELEASE);
	e->lcore = lcore;
	e->arg = arg;
	__atomic_store_n(&e->fn, fn, __ATOMIC_RELEASE);
	/* what was raised before there was a handler is delivered now */
	if (fn != NULL && __atomic_load_n(&e->pending, __ATOMIC_ACQUIRE) != 0 &&
	    !ev_kick(e)) {
		PORT_LOG(ERR, "port %s: lcore %u takes no messages (reactors not "
			 "initialised?)", p->spec, lcore);
		return -ENODEV;
	}
	return 0;
}

int
nb_port_link_watch(struct nb_port *p)
{
	struct nb_link l;
	int8_t up;
	int ret;

	if (p == NULL || p->ev == NULL) {
		return -EINVAL;
	}
	memset(&l, 0, sizeof(l));
	ret = p->ops->link(p, &l);
	if (ret < 0) {
		return ret;
	}
	up = l.up ? 1 : 0;
	if (p->ev->link_seen != up) {
		bool first = p->ev->link_seen < 0;

		p->ev->link_seen = up;
		if (!first) {
			nb_port_drv_event(p, NB_PORT_EV_LINK);
			return 1;
		}
	}
	/* a delivery the handler's reactor refused (its ring was full) is
	 * tried again here */
	if (__atomic_load_n(&p->ev->pending, __ATOMIC_ACQUIRE) != 0 &&
	    __atomic_load_n(&p->ev->fn, __ATOMIC_ACQUIRE) != NULL) {
		ev_kick(p->ev);
	}
	return 0;
}

uint32_t
nb_port_events_take(struct nb_port *p)
{
	return p != NULL && p->ev != NULL ?
		__atomic_exchange_n(&p->ev->pending, 0, __ATOMIC_ACQ_REL) : 0;
}

void
port_ev_detach(struct nb_port *p)
{
	struct port_ev *e = p->ev;

	if (e == NULL) {
		return;
	}
	__atomic_store_n(&e->port, NULL, __ATOMIC_SEQ_CST);
	/* a handler running on its lcore: wait, unless it is the handler
	 * closing the port */
	while (__atomic_load_n(&e->running, __ATOMIC_SEQ_CST) != 0 &&
	       rte_lcore_id() != e->lcore) {
		rte_pause();
	}
}

void
port_ev_release(struct nb_port *p)
{
	struct port_ev *e = p->ev;

	if (e == NULL) {
		return;
	}
	port_ev_detach(p);
	p->ev = NULL;
	ev_put(e);
}
