/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-fwd's port events (lib/port delivers them on the main lcore as reactor
 * messages): a link change is one line (PMDs that raise no link interrupt,
 * net_tap in 22.11, are watched every 100 ms with nb_port_link_watch()); a removed device stops the streams
 * that use it and then the port, and forwarding goes on on the others.
 *
 * Stopping a stream is its poller's owner's job (lib/reactor: pollers are
 * controlled on their own lcore), so the main lcore sends each affected
 * stream's lcore a message that unregisters the poller and answers; when
 * every answer is in, no lcore polls the removed ports and they are
 * stopped (their RX queues drained: the buffers return). The messages carry
 * stream pointers, which live until after the reactors are finalised.
 *
 * NB_FWD_TEST_REMOVE=PORT:MS raises a removal of port PORT after MS
 * milliseconds through the driver API, for the tests: no software PMD
 * raises RTE_ETH_EVENT_INTR_RMV.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_pause.h>

#include "fwd.h"
#include "nb_port_driver.h"
#include "nb_reactor.h"

static unsigned int g_quit_pending;	/* main lcore only */
static int g_test_remove = -1;		/* NB_FWD_TEST_REMOVE port */

/* Send to @lcore, retrying while its ring is full (it is draining it). */
static int
send_retry(unsigned int lcore, nb_msg_fn fn, void *arg)
{
	unsigned int tries;
	int ret = -EAGAIN;

	for (tries = 0; tries < 1000000 && ret == -EAGAIN; tries++) {
		ret = nb_reactor_send(lcore, fn, arg);
		if (ret == -EAGAIN) {
			rte_pause();
		}
	}
	return ret;
}

/* Main lcore: every quit answered: stop the removed ports. */
static void
quit_done(void *arg)
{
	unsigned int p;

	RTE_SET_USED(arg);
	if (--g_quit_pending > 0) {
		return;
	}
	for (p = 0; p < g_fwd.nb_ports; p++) {
		struct fwd_port *fp = &g_fwd.ports[p];

		if (fp->removed && !fp->stopped) {
			struct nb_port_stats after;

			fwd_port_stats(p, &fp->final);
			nb_port_stop(fp->port);
			fp->stopped = true;
			if (nb_port_stats(fp->port, &after) != 0) {
				after = fp->final;
			}
			printf("nb-fwd: port %u (%s) stopped (%" PRIu64 " frames "
			       "waiting in its RX queues freed); forwarding goes on "
			       "on the other ports\n", p, fp->name,
			       after.ipackets - fp->final.ipackets);
		}
	}
	fflush(stdout);
}

/* The stream's lcore: its poller goes; the main lcore hears of it. */
static void
stream_quit(void *arg)
{
	struct fwd_stream *fs = arg;

	nb_poller_unregister(&fs->poller);
	if (send_retry(rte_get_main_lcore(), quit_done, NULL) != 0) {
		fprintf(stderr, "nb-fwd: stream %u: cannot report its stop\n",
			fs->idx);
	}
}

static bool
stream_uses(const struct fwd_stream *fs, unsigned int p)
{
	return fs->rx_pi == p || (!fs->no_tx && fs->tx_pi == p) ||
		g_fwd.eng->fanout;
}

/* Main lcore: port @p is gone. */
static void
port_removed(unsigned int p)
{
	struct fwd_port *fp = &g_fwd.ports[p];
	unsigned int i, n = 0;

	if (fp->removed) {
		return;
	}
	fp->removed = true;
	g_quit_pending++;	/* ours, released below: no stop before the loop ends */
	for (i = 0; i < g_fwd.nb_streams; i++) {
		struct fwd_stream *fs = g_fwd.streams[i];

		if (fs->quit || fs->poller == NULL || !stream_uses(fs, p)) {
			continue;
		}
		fs->quit = true;
		if (send_retry(fs->lcore, stream_quit, fs) == 0) {
			g_quit_pending++;
			n++;
		} else {
			fprintf(stderr, "nb-fwd: stream %u on lcore %u: cannot stop "
				"it\n", fs->idx, fs->lcore);
		}
	}
	printf("nb-fwd: port %u (%s) removed: stopping %u stream(s) that use it\n",
	       p, fp->name, n);
	fflush(stdout);
	quit_done(NULL);
}

static void
port_event(struct nb_port *port, uint32_t events, void *arg)
{
	unsigned int p = (unsigned int)(uintptr_t)arg;
	struct nb_link l;

	if ((events & NB_PORT_EV_LINK) != 0 && !g_fwd.ports[p].removed &&
	    nb_port_link(port, &l, 0) == 0 &&
	    g_fwd.ports[p].link_said != (l.up ? 1 : 0)) {
		g_fwd.ports[p].link_said = l.up ? 1 : 0;
		if (l.up) {
			printf("nb-fwd: port %u (%s): link up, %u Mbps%s\n", p,
			       g_fwd.ports[p].name, l.speed_mbps,
			       l.full_duplex ? " full-duplex" : "");
		} else {
			printf("nb-fwd: port %u (%s): link down\n", p,
			       g_fwd.ports[p].name);
		}
		fflush(stdout);
	}
	if ((events & NB_PORT_EV_REMOVED) != 0) {
		port_removed(p);
	}
}

/* Every 100 ms: links of PMDs that raise no link interrupt (net_tap). */
static int
link_watch_poller(void *arg)
{
	unsigned int p;

	RTE_SET_USED(arg);
	for (p = 0; p < g_fwd.nb_ports; p++) {
		if (!g_fwd.ports[p].removed) {
			nb_port_link_watch(g_fwd.ports[p].port);
		}
	}
	return NB_POLLER_IDLE;
}

/* NB_FWD_TEST_REMOVE: a timed poller whose first run raises the removal. */
static int
test_remove_poller(void *arg)
{
	RTE_SET_USED(arg);
	if (g_test_remove >= 0) {
		nb_port_drv_event(g_fwd.ports[g_test_remove].port,
				  NB_PORT_EV_REMOVED);
		g_test_remove = -1;
	}
	return NB_POLLER_IDLE;
}

int
fwd_events_setup(void)
{
	const char *t = getenv("NB_FWD_TEST_REMOVE");
	unsigned int p, ms;
	int ret;

	for (p = 0; p < g_fwd.nb_ports; p++) {
		ret = nb_port_event_handler_set(g_fwd.ports[p].port,
						rte_get_main_lcore(), port_event,
						(void *)(uintptr_t)p);
		if (ret != 0) {
			fprintf(stderr, "nb-fwd: port %s: event handler: %s\n",
				g_fwd.ports[p].name, strerror(-ret));
			return ret;
		}
	}
	if (!g_fwd.cfg.no_lsc &&
	    nb_poller_register(rte_get_main_lcore(), link_watch_poller, NULL,
			       100000, "fwd-link-watch") == NULL) {
		return -rte_errno;
	}
	if (t != NULL && sscanf(t, "%u:%u", &p, &ms) == 2 && p < g_fwd.nb_ports) {
		g_test_remove = (int)p;
		if (nb_poller_register(rte_get_main_lcore(), test_remove_poller,
				       NULL, (uint64_t)ms * 1000,
				       "fwd-test-remove") == NULL) {
			return -rte_errno;
		}
	}
	return 0;
}

void
fwd_events_started(void)
{
	unsigned int p;

	/* the state after the start is the reference, not a change */
	for (p = 0; p < g_fwd.nb_ports; p++) {
		struct nb_link l;

		g_fwd.ports[p].link_said = -1;
		nb_port_link_watch(g_fwd.ports[p].port);
		if (nb_port_link(g_fwd.ports[p].port, &l, 0) == 0) {
			g_fwd.ports[p].link_said = l.up ? 1 : 0;
		}
	}
}
