/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/reactor: the reactor, poller and channel structures. */
#ifndef REACTOR_INTERNAL_H
#define REACTOR_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "nb_internal.h"
#include "nb_reactor.h"

extern int logtype_nb_reactor;
#define REACTOR_LOG(level, ...) NB_LOG(reactor, level, __VA_ARGS__)

/* Messages taken from a ring per loop at most. */
#define REACTOR_MSG_BURST 32

/* Where a poller sits on its reactor. */
enum poller_list {
	PL_NONE = 0,	/* nowhere (being run, or not yet added) */
	PL_ACTIVE,	/* r->active */
	PL_TIMED,	/* r->heap */
	PL_PAUSED,	/* r->paused */
};

/* What the owner wants of a poller. */
enum poller_state {
	PS_RUNNING = 0,
	PS_PAUSED,
	PS_UNREG,
};

struct reactor;

struct nb_poller {
	TAILQ_ENTRY(nb_poller) link;	/* active or paused list */
	TAILQ_ENTRY(nb_poller) all;	/* r->all, under r->all_lock */
	struct reactor *r;
	nb_poller_fn fn;
	void *arg;
	uint64_t period_us;
	uint64_t period_tsc;		/* 0: active */
	uint64_t next_tsc;		/* timed: next deadline */
	uint32_t heap_idx;		/* timed: index in r->heap */
	enum poller_list list;		/* owner only */
	enum poller_state state;	/* owner only */
	atomic_bool unreg_requested;	/* any thread: first unregister wins */
	uint64_t runs;
	uint64_t busy_runs;
	uint64_t busy_tsc;
	uint64_t idle_tsc;
	char name[NB_POLLER_NAME_LEN];
};

TAILQ_HEAD(poller_list_head, nb_poller);

struct nb_reactor_channel {
	struct rte_ring *ring;		/* SP/SC */
	struct rte_mempool_cache *cache; /* the sender's message cache */
	struct reactor *r;
	atomic_bool closed;		/* sender closed it */
	bool attached;			/* in r->chans (owner only) */
	TAILQ_ENTRY(nb_reactor_channel) link; /* g_channels, under g_chan_lock */
};

/* A call_all() in progress. */
struct call_all_ctx {
	TAILQ_ENTRY(call_all_ctx) link;	/* r->retry while its step waits */
	nb_msg_fn fn;
	void *arg;
	nb_msg_fn done_fn;
	void *done_arg;
	unsigned int origin;		/* lcore of the caller */
	unsigned int next;		/* index in nb_reactor_lcores of the next step */
};

TAILQ_HEAD(call_all_head, call_all_ctx);

struct reactor {
	/* Read by senders (nb_reactor_send() is inline in nb_reactor.h). */
	struct nb_reactor_hot hot;
	unsigned int lcore;
	atomic_bool running;		/* inside nb_reactors_start() */
	atomic_bool chans_pending;	/* channels wait in pending[] */
	rte_spinlock_t chan_lock;	/* pending[], nb_pending, nb_chans */
	struct nb_reactor_channel *pending[NB_REACTOR_MAX_CHANNELS];
	unsigned int nb_pending;

	/* Owner only. */
	struct poller_list_head active __rte_cache_aligned;
	struct poller_list_head paused;
	struct nb_poller **heap;
	uint32_t heap_n;
	uint32_t heap_cap;
	struct nb_poller *cur;		/* poller whose callback runs */
	struct call_all_head retry;	/* call_all steps waiting for room */
	struct nb_reactor_channel *chans[NB_REACTOR_MAX_CHANNELS];
	unsigned int nb_chans;
	unsigned int idle_loops;	/* consecutive idle loops */
	uint64_t now;			/* time of the current loop */
	uint64_t last_tsc;		/* start of the previous loop (0: none) */
	bool last_work;			/* the previous loop did work */

	/* Stats: written by the owner, read by anyone. */
	uint64_t loops;
	uint64_t busy_tsc;
	uint64_t idle_tsc;
	uint64_t msgs_run;
	uint64_t sleeps;

	/* Every poller, for stats and telemetry. */
	rte_spinlock_t all_lock;
	struct poller_list_head all;
	unsigned int nb_pollers;
};

/*
 * Shared by reactor.c and reactor_stats.c; nb_-prefixed so that they
 * cannot clash with other libraries in the static libnbkit.a (not API).
 */
extern struct reactor *nb_reactor_tab[RTE_MAX_LCORE];
extern unsigned int nb_reactor_lcores[RTE_MAX_LCORE];
extern unsigned int nb_reactor_count;
extern atomic_bool nb_reactor_inited;
/* Held by telemetry handlers and by nb_reactors_fini() while it frees. */
extern rte_spinlock_t nb_reactor_tel_lock;

void nb_reactor_telemetry_setup(void);
void nb_reactor_usage_cb_setup(void);

#endif /* REACTOR_INTERNAL_H */
