/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/reactor: the reactor, poller and channel structures and
 * what the three parts share:
 * - lifecycle.c: init, start, stop, fini, the run loop and its idle sleep;
 * - poller.c: the clock, pollers, the timer heap and one loop's work;
 * - msg.c: messages, send_bulk, call_all and channels;
 * - reactor_stats.c: stats, dump, telemetry.
 *
 * Threading: the fields under "owner only" are touched by the reactor's
 * own lcore only; other threads reach them through messages. Shared
 * fields are read and written with the __atomic builtins only.
 */
#ifndef REACTOR_INTERNAL_H
#define REACTOR_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "nb_internal.h"
#include "nb_reactor.h"

extern int logtype_nb_reactor;
#define REACTOR_LOG(level, ...) NB_LOG(reactor, level, __VA_ARGS__)

/* Messages taken from a ring per loop at most. */
#define REACTOR_MSG_BURST 32

/*
 * A started reactor's step: its loop (clock, messages, a pass over the
 * active pollers, timers) and more passes over the active pollers alone,
 * up to REACTOR_LOOP_PASSES in all, of which at most REACTOR_BUSY_PASSES
 * found work. A message or a timer waits at most 8 busy passes or 32 idle
 * ones; the loop's fixed cost (a clock read, the message and timer
 * checks) is shared by them.
 */
#define REACTOR_LOOP_PASSES 32
#define REACTOR_BUSY_PASSES 8

/* Where a poller sits on its reactor. */
enum poller_list {
	PL_NONE = 0,	/* nowhere (being run, or registration not run yet) */
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
	/* The loop's line: what an active pass reads and writes. */
	nb_poller_fn fn;
	void *arg;
	TAILQ_ENTRY(nb_poller) link;	/* active or paused list */
	enum poller_state state;	/* owner only */
	enum poller_list list;		/* owner only */
	uint64_t runs;
	uint64_t busy_runs;
	/* The rest. */
	struct reactor *r;
	TAILQ_ENTRY(nb_poller) all;	/* r->all, under r->all_lock */
	uint64_t period_us;
	uint64_t period_tsc;		/* 0: active */
	uint64_t next_tsc;		/* timed: next deadline (on the grid) */
	bool regrid;			/* timed: resumed in its callback: next_tsc is new */
	uint32_t heap_idx;		/* timed: index in r->heap */
	uint64_t busy_tsc;		/* opts.poller_tsc */
	uint64_t idle_tsc;
	char name[NB_POLLER_NAME_LEN];
};

TAILQ_HEAD(poller_list_head, nb_poller);

struct nb_reactor_channel {
	struct rte_ring *ring;		/* SP/SC ring of struct nb_msg */
	struct reactor *r;
	bool closed;			/* sender closed it (__atomic) */
	TAILQ_ENTRY(nb_reactor_channel) link; /* nb_reactor_channels */
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
	struct nb_reactor_internal_hot hot;
	unsigned int lcore;
	bool chans_pending;		/* channels wait in pending[] (__atomic) */
	rte_spinlock_t chan_lock;	/* pending[], nb_pending, nb_chans */
	struct nb_reactor_channel *pending[NB_REACTOR_MAX_CHANNELS];
	unsigned int nb_pending;

	/* Owner only. */
	struct poller_list_head active __rte_cache_aligned;
	unsigned int nb_active;		/* pollers on it */
	struct poller_list_head paused;
	struct nb_poller **heap;
	uint32_t heap_n;
	uint32_t heap_cap;
	struct call_all_head retry;	/* call_all steps waiting for room */
	struct nb_reactor_channel *chans[NB_REACTOR_MAX_CHANNELS];
	unsigned int nb_chans;
	unsigned int idle_loops;	/* consecutive idle loops */
	bool in_pass;			/* a pass walks r->active now */
	bool poller_tsc;		/* opts.poller_tsc */
	uint64_t now;			/* time of the current loop */
	uint64_t last_tsc;		/* start of the previous loop (0: none) */
	bool last_work;			/* work since the last clock read */

	/* Stats: written by the owner, read by anyone. */
	uint64_t loops;
	uint64_t busy_tsc;
	uint64_t idle_tsc;
	uint64_t msgs_run;
	uint64_t sleeps;

	/* Every poller, for stats, telemetry and fini. */
	rte_spinlock_t all_lock;
	struct poller_list_head all;
	unsigned int nb_pollers;
};

TAILQ_HEAD(channel_list_head, nb_reactor_channel);

/*
 * Shared by the files of lib/reactor; nb_-prefixed so that they cannot
 * clash with other libraries in the static libnbkit.a (not API).
 */
extern struct reactor *nb_reactor_tab[RTE_MAX_LCORE];
extern unsigned int nb_reactor_lcores[RTE_MAX_LCORE];
extern unsigned int nb_reactor_count;
extern struct nb_reactor_opts nb_reactor_cfg;	/* the options in force */
/* Held by telemetry handlers and by nb_reactors_fini() while it frees. */
extern rte_spinlock_t nb_reactor_tel_lock;
/* Every open channel (freed by its reactor or by fini), under the lock. */
extern struct channel_list_head nb_reactor_channels;
extern pthread_mutex_t nb_reactor_chan_lock;

/* The clock: NULL, the TSC; or a replacement (nb_reactor_clock_set()). */
extern nb_reactor_clock_fn nb_reactor_clock_override;

static inline uint64_t
clock_now(void)
{
	nb_reactor_clock_fn fn = nb_reactor_clock_override;

	if (likely(fn == NULL)) {
		return rte_rdtsc();
	}
	return fn();
}

/* The lifecycle state (one atomic load). */
static inline int
reactor_state(void)
{
	return __atomic_load_n(&nb_reactor_internal_state, __ATOMIC_ACQUIRE);
}

static inline bool
reactor_inited(void)
{
	return reactor_state() != NB_REACTORS_UNINIT;
}

static inline struct reactor *
reactor_get(unsigned int lcore)
{
	return likely(lcore < RTE_MAX_LCORE) ? nb_reactor_tab[lcore] : NULL;
}

/*
 * Anything for nb_reactor_msgs_process() (the loop's inline check: a few
 * loads, no call, when nothing came)?
 */
static inline bool
reactor_msgs_pending(const struct reactor *r)
{
	const struct nb_reactor_internal_self *q =
		&nb_reactor_internal_self[r->lcore];

	return !rte_ring_empty(r->hot.ring) || q->head != q->tail ||
	       r->nb_chans > 0 || !TAILQ_EMPTY(&r->retry) ||
	       __atomic_load_n(&r->chans_pending, __ATOMIC_RELAXED);
}

/* poller.c */
unsigned int nb_reactor_run_step(struct reactor *r);
void nb_reactor_poller_free(struct nb_poller *p);
void nb_reactor_msg_poller_add(void *arg);
struct reactor *nb_reactor_target(unsigned int lcore, const char *what);

/* msg.c */
unsigned int nb_reactor_msgs_drain(struct reactor *r);
unsigned int nb_reactor_ring_release(struct rte_ring *ring);
unsigned int nb_reactor_self_release(struct reactor *r);
unsigned int nb_reactor_msgs_process(struct reactor *r);
void nb_reactor_retry_process(struct reactor *r);
void nb_reactor_retry_drop(struct reactor *r);
bool nb_reactor_has_msgs(struct reactor *r);
void nb_reactor_channel_free(struct nb_reactor_channel *ch);
void nb_reactor_wake(struct reactor *r);

/* reactor_stats.c */
void nb_reactor_telemetry_setup(void);
void nb_reactor_usage_cb_setup(void);

#endif /* REACTOR_INTERNAL_H */
