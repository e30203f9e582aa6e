/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nbkit runtime: one reactor per lcore running pollers and cross-core
 * messages (SPDK's lib/thread + lib/event shape, without its aborts).
 *
 * - A reactor runs on each chosen lcore, the main lcore included
 *   (nb_reactors_start()), or is driven one loop at a time by the
 *   application (nb_reactor_poll_once()).
 * - Pollers: active (period 0, every loop) or timed (a binary heap keyed by
 *   the next deadline: a loop looks at the heap top only). A poller returns
 *   NB_POLLER_BUSY or NB_POLLER_IDLE; that feeds the busy/idle statistics
 *   and the idle policy.
 * - Messages: a function and an argument, carried by value (16 bytes) in
 *   a slot of the target reactor's multi-producer/single-consumer rte_ring:
 *   no message pool, nothing to allocate or lose. A full ring is -EAGAIN,
 *   never an abort; messages of one sender run in the order sent.
 * - Foreign threads (plain pthreads) send as lcores do; a channel
 *   (nb_reactor_channel_create()) gives one thread a single-producer ring
 *   of its own.
 * - Idle policy: spin, or back off after idle loops (rte_pause(), then a
 *   sleep on an eventfd with the next timer deadline as timeout); a sender
 *   writes the eventfd only when the target sleeps.
 * - Time comes from one clock (the TSC) that tests replace with a virtual
 *   clock (nb_reactor_clock_set()).
 *
 * Lifetime rule: a poller belongs to its reactor. Its callback runs on that
 * reactor's lcore only, and only that lcore may pause, resume or unregister
 * it (-EPERM elsewhere, as in SPDK): to control a poller from elsewhere,
 * send its reactor a message that makes the call. nb_poller_register()
 * works from anywhere; the pointer it returns stays valid until the owner
 * unregisters the poller or nb_reactors_fini() frees it. A pointer carried
 * in a message (a registration, a call_all step) stays valid until that
 * message has run or has been released.
 *
 * Lifecycle (nb_reactors_state()): UNINIT -init-> READY -start-> RUNNING
 * -stop-> STOPPING -(every reactor returned)-> STOPPED -fini-> UNINIT.
 * A stop before the start goes READY -> STOPPED; a start from STOPPED runs
 * what is queued on every reactor and returns. fini refuses RUNNING and
 * STOPPING (-EBUSY).
 */
#ifndef NB_REACTOR_H
#define NB_REACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "nb_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A poller that found work. */
#define NB_POLLER_BUSY 1
/** A poller that found nothing to do. */
#define NB_POLLER_IDLE 0

/** Longest poller name kept, with the terminating NUL. */
#define NB_POLLER_NAME_LEN 32

/**
 * A poller callback.
 *
 * @param arg
 *   The argument given at registration.
 * @return
 *   NB_POLLER_BUSY when it did work, NB_POLLER_IDLE otherwise (any
 *   positive value counts as busy).
 */
typedef int (*nb_poller_fn)(void *arg);

/** A message function, run on the target reactor's lcore. */
typedef void (*nb_msg_fn)(void *arg);

/** A message for nb_reactor_send_bulk(). */
struct nb_msg {
	nb_msg_fn fn;	/**< function to run; must not be NULL */
	void *arg;	/**< its argument */
};

/** A poller (opaque). */
struct nb_poller;

/** A single-producer channel from one thread to one reactor (opaque). */
struct nb_reactor_channel;

/** What a reactor does when its loops find no work. */
enum nb_reactor_idle_policy {
	/** Spin at full speed (the default; lowest latency). */
	NB_REACTOR_IDLE_SPIN = 0,
	/**
	 * After opts.idle_spin_loops idle loops, run opts.idle_pause_loops
	 * loops with rte_pause(), then sleep on an eventfd until a message,
	 * the next timer deadline or opts.idle_max_sleep_us.
	 */
	NB_REACTOR_IDLE_BACKOFF = 1,
};

/** Default message ring size per reactor (entries). */
#define NB_REACTOR_RING_SIZE_DEFAULT 4096
/** Default idle loops spun before pausing (NB_REACTOR_IDLE_BACKOFF). */
#define NB_REACTOR_IDLE_SPIN_LOOPS_DEFAULT 1000
/** Default loops with rte_pause() before sleeping. */
#define NB_REACTOR_IDLE_PAUSE_LOOPS_DEFAULT 1000
/** Default longest sleep (us) of a reactor with active pollers. */
#define NB_REACTOR_IDLE_MAX_SLEEP_US_DEFAULT 1000

/**
 * Options of nb_reactors_init(). Fill with nb_reactor_opts_init() first,
 * then change fields.
 */
struct nb_reactor_opts {
	size_t opts_size;	/**< sizeof(struct nb_reactor_opts), set by opts_init */
	const unsigned int *lcores; /**< lcore ids to run reactors on; NULL: every EAL lcore */
	unsigned int nb_lcores;	/**< entries of @c lcores */
	unsigned int ring_size;	/**< message slots per reactor and per channel (2..2^24) */
	enum nb_reactor_idle_policy idle; /**< idle policy */
	unsigned int idle_spin_loops; /**< idle loops before pausing (back-off) */
	unsigned int idle_pause_loops; /**< paused loops before sleeping (back-off) */
	unsigned int idle_max_sleep_us; /**< longest sleep while active pollers exist */
	/**
	 * Measure every poller's busy and idle clock ticks (one clock read
	 * after each poller run; nb_poller_stats busy_tsc/idle_tsc). Off by
	 * default: a loop then reads the clock once, and those two stay 0.
	 */
	bool poller_tsc;
};

/**
 * Fill @p opts with the defaults: every EAL lcore, a 4096-slot ring per
 * reactor, NB_REACTOR_IDLE_SPIN, no per-poller clock accounting.
 *
 * @param opts
 *   Options to fill; NULL is ignored (one log line).
 * @param opts_size
 *   sizeof(*opts) as the caller was compiled; fields beyond it are not
 *   written.
 */
void nb_reactor_opts_init(struct nb_reactor_opts *opts, size_t opts_size);

/**
 * Create a reactor and its message ring on every chosen lcore.
 * EAL must be initialised (nb_env_init()). Reactors can then be driven by
 * nb_reactors_start() or, one loop at a time, by nb_reactor_poll_once().
 *
 * @param opts
 *   Options from nb_reactor_opts_init(), or NULL for the defaults.
 * @return
 *   0 on success, or:
 *   - -EALREADY: already initialised;
 *   - -ENODEV: EAL is not initialised;
 *   - -EINVAL: bad options (an lcore EAL does not run, a duplicate lcore,
 *     a ring size out of range, an unknown policy, opts_size too small);
 *     one log line says which;
 *   - -ENOMEM: no memory for the rings or the reactors.
 */
int nb_reactors_init(const struct nb_reactor_opts *opts);

/** The reactors' lifecycle (one state for all of them). */
enum nb_reactors_state {
	NB_REACTORS_UNINIT = 0,	/**< not initialised (or finalised) */
	NB_REACTORS_READY,	/**< initialised, not started, not stopped */
	NB_REACTORS_RUNNING,	/**< nb_reactors_start() runs them */
	NB_REACTORS_STOPPING,	/**< stopped while nb_reactors_start() runs */
	NB_REACTORS_STOPPED,	/**< stopped; nb_reactors_start() not running */
};

/**
 * The reactors' lifecycle state now (one atomic load; any thread).
 *
 * @return
 *   The state.
 */
enum nb_reactors_state nb_reactors_state(void);

/**
 * Run the reactors: launch one on every chosen worker lcore, run the main
 * lcore's on the calling thread when it is chosen, and return when all
 * have stopped (nb_reactors_stop()). Each reactor runs what is queued for
 * it when it stops (its ring, its channels, those not yet attached
 * included); what arrives later is released (not run) here. Called after
 * a stop (state STOPPED), it does just that on every reactor and returns:
 * a stop that comes before the start loses no queued message.
 *
 * @return
 *   0 after a stop, or:
 *   - -ENODEV: not initialised;
 *   - -EPERM: not called on the main lcore;
 *   - -EALREADY: nb_reactors_start() is running (RUNNING or STOPPING);
 *   - -EBUSY: a chosen worker lcore is busy with another job.
 */
int nb_reactors_start(void);

/**
 * Ask every reactor to stop: READY -> STOPPED, RUNNING -> STOPPING,
 * otherwise nothing. Callable from any lcore, any thread and from a signal
 * handler (async-signal-safe: a compare-and-swap and, when they run, one
 * write() to each reactor's eventfd). After it, sends fail with
 * -ESHUTDOWN.
 */
void nb_reactors_stop(void);

/**
 * Whether nb_reactors_stop() was called since nb_reactors_init().
 *
 * @return
 *   true in STOPPING and STOPPED.
 */
bool nb_reactors_stopping(void);

/**
 * Free everything nb_reactors_init() created: pollers (registered ones
 * whose registration never ran included), channels and rings. Messages
 * still queued are released without running. An application that drives
 * reactors with nb_reactor_poll_once() stops doing so first.
 *
 * @return
 *   0 (READY or STOPPED -> UNINIT), or (one log line, nothing freed):
 *   - -EBUSY: nb_reactors_start() is running (RUNNING or STOPPING): stop,
 *     wait for it to return, then fini;
 *   - -ENODEV: not initialised.
 */
int nb_reactors_fini(void);

/**
 * Run one loop of the calling lcore's reactor at time @p now_tsc: its
 * messages, its active pollers, then its timed pollers due at @p now_tsc.
 * For applications that own their main loop and for tests (with the
 * virtual clock, pass its current value). Never sleeps.
 *
 * @param now_tsc
 *   Current time in clock ticks (nb_reactor_clock()).
 * @return
 *   The number of messages run plus pollers that returned busy (> 0: the
 *   loop did work), or:
 *   - -ENODEV: not initialised;
 *   - -EINVAL: the calling thread's lcore has no reactor (one log line).
 */
int nb_reactor_poll_once(uint64_t now_tsc);

/**
 * Register a poller on @p lcore's reactor. Callable before start or while
 * running, from any lcore or thread. On the reactor's own lcore the poller
 * is added at once; from anywhere else the registration is carried by a
 * message that the reactor runs in its next loop (also when that is its
 * first loop, after nb_reactors_start()). The poller's stats exist from
 * the return on, and the pointer stays valid until the owner unregisters
 * the poller or nb_reactors_fini() frees it, also when the registration
 * message is released without running (after a stop).
 *
 * A timed poller runs on a grid: its deadlines are registration (or
 * resume) time plus whole periods. A late run does not move the grid, and
 * periods missed altogether are skipped (one run, never a burst), so the
 * period is kept on average.
 *
 * @param lcore
 *   The reactor's lcore.
 * @param fn
 *   Callback; must not be NULL.
 * @param arg
 *   Its argument.
 * @param period_us
 *   0: active poller (every loop); otherwise run every @p period_us
 *   microseconds of the reactor clock.
 * @param name
 *   Name for stats and telemetry (truncated to NB_POLLER_NAME_LEN - 1);
 *   NULL: "poller".
 * @return
 *   The poller, or NULL with rte_errno set (and one log line):
 *   - ENODEV: reactors are not initialised;
 *   - EINVAL: @p lcore has no reactor, @p fn is NULL, or @p period_us
 *     converted to clock ticks overflows;
 *   - ESHUTDOWN: the reactors are stopping;
 *   - EAGAIN: the registration message could not be queued;
 *   - ENOMEM: no memory for the poller.
 */
struct nb_poller *nb_poller_register(unsigned int lcore, nb_poller_fn fn,
				     void *arg, uint64_t period_us,
				     const char *name);

/**
 * Unregister a poller and set *@p pp to NULL; only on the poller's own
 * lcore (also from inside its callback). It never runs again after this
 * call; it is freed at once, after its callback returns when called from
 * there, or when its registration message runs (or at fini) when that has
 * not run yet.
 *
 * @param pp
 *   Address of the poller pointer.
 * @return
 *   0 on success, or (one log line; nothing changes, *@p pp is kept):
 *   - -EINVAL: @p pp or *@p pp is NULL (for example a second unregister
 *     through the same pointer);
 *   - -EALREADY: unregistered already through another copy of the
 *     pointer, and not freed yet (inside its callback, or its registration
 *     message has not run);
 *   - -EPERM: not called on the poller's lcore (send a message there).
 */
int nb_poller_unregister(struct nb_poller **pp);

/**
 * Stop running a poller until nb_poller_resume(); only on the poller's own
 * lcore. Idempotent.
 *
 * @param p
 *   The poller.
 * @return
 *   0, or (one log line) -EINVAL (NULL), -EPERM (not its lcore).
 */
int nb_poller_pause(struct nb_poller *p);

/**
 * Run a paused poller again; only on the poller's own lcore. A timed
 * poller's grid restarts at the resume: its next run is one period later.
 * Idempotent.
 *
 * @param p
 *   The poller.
 * @return
 *   As nb_poller_pause().
 */
int nb_poller_resume(struct nb_poller *p);

/*
 * nb_reactor_internal: what the inline nb_reactor_send() reads. Not API:
 * names, layout and meaning may change in any release. Shared state is
 * read and written with the __atomic builtins only.
 */

/** @internal What nb_reactor_send() reads of a reactor. */
struct nb_reactor_internal_hot {
	struct rte_ring *ring;		/**< MP/SC ring of struct nb_msg */
	int efd;			/**< eventfd that wakes it */
	int sleeping;			/**< 1 while it sleeps */
	uint64_t msgs_refused;		/**< sends refused */
};

/**
 * @internal Per lcore: messages its own lcore sends itself, in order, with
 * no atomic operation (owner only; head and tail are read by others for
 * counts only).
 */
struct nb_reactor_internal_self {
	struct nb_msg *msgs;		/**< slots, a power of 2 */
	uint32_t mask;			/**< slots - 1 */
	uint32_t cap;			/**< usable slots (opts.ring_size) */
	uint32_t head;			/**< next to run */
	uint32_t tail;			/**< next free */
} __rte_cache_aligned;

/** @internal Per lcore: its reactor's queue of messages to itself. */
extern struct nb_reactor_internal_self nb_reactor_internal_self[RTE_MAX_LCORE];
/** @internal Per lcore: its reactor's hot part, or NULL. */
extern struct nb_reactor_internal_hot *nb_reactor_internal_hot[RTE_MAX_LCORE];
/** @internal The lifecycle state (enum nb_reactors_state). */
extern int nb_reactor_internal_state;
/** @internal The back-off idle policy is on: senders may have to wake. */
extern bool nb_reactor_internal_backoff;

/**
 * @internal Slow path of nb_reactor_send(): logs bad input, counts a
 * refusal; returns the error to give.
 */
int nb_reactor_internal_send_fail(unsigned int lcore, bool fn_null, int why);

/** @internal Write the eventfd of a sleeping reactor (back-off policy). */
void nb_reactor_internal_wake(struct nb_reactor_internal_hot *h);

/* end of nb_reactor_internal */

/**
 * Send a message: @p fn(@p arg) runs on @p lcore's reactor. Callable from
 * any lcore or thread; the message travels by value in one slot of the
 * target's ring (nothing is allocated), or, sent by a reactor's lcore to
 * itself, of its own queue (opts.ring_size slots, no atomic operation).
 * Messages from one sender run in the order sent.
 *
 * @param lcore
 *   Target reactor's lcore.
 * @param fn
 *   Function; must not be NULL.
 * @param arg
 *   Its argument.
 * @return
 *   0 when queued, or:
 *   - -EAGAIN: the target's ring (or own queue) is full (counted in the
 *     target's msgs_refused; nothing queued, retry later);
 *   - -EINVAL: @p lcore has no reactor or @p fn is NULL (one log line);
 *   - -ESHUTDOWN: the reactors are stopping;
 *   - -ENODEV: not initialised.
 */
static __rte_always_inline int
nb_reactor_send(unsigned int lcore, nb_msg_fn fn, void *arg)
{
	struct nb_reactor_internal_hot *h;
	struct nb_msg m;

	h = likely(lcore < RTE_MAX_LCORE) ? nb_reactor_internal_hot[lcore] :
					    NULL;
	if (unlikely(h == NULL || fn == NULL)) {
		return nb_reactor_internal_send_fail(lcore, fn == NULL,
						     -EINVAL);
	}
	if (unlikely(__atomic_load_n(&nb_reactor_internal_state,
				     __ATOMIC_RELAXED) >=
		     NB_REACTORS_STOPPING)) {
		return -ESHUTDOWN;
	}
	m.fn = fn;
	m.arg = arg;
	if (lcore == rte_lcore_id()) {
		/* to itself: the owner's own queue, no atomic operation */
		struct nb_reactor_internal_self *q =
			&nb_reactor_internal_self[lcore];
		uint32_t t = q->tail;

		if (unlikely(t - q->head >= q->cap)) {
			return nb_reactor_internal_send_fail(lcore, false,
							     -EAGAIN);
		}
		q->msgs[t & q->mask] = m;
		__atomic_store_n(&q->tail, t + 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (unlikely(rte_ring_mp_enqueue_elem(h->ring, &m, sizeof(m)) != 0)) {
		return nb_reactor_internal_send_fail(lcore, false, -EAGAIN);
	}
	if (unlikely(nb_reactor_internal_backoff)) {
		nb_reactor_internal_wake(h);
	}
	return 0;
}

/**
 * Send @p n messages to one reactor, all or none, in array order: one
 * enqueue of @p n slots (a concurrent sender's messages never come in
 * between).
 *
 * @param lcore
 *   Target reactor's lcore.
 * @param msgs
 *   The messages; every fn must be non-NULL.
 * @param n
 *   How many (0 is a no-op returning 0).
 * @return
 *   0 when all are queued, or, with nothing queued:
 *   - -EAGAIN: the ring has fewer than @p n free slots (counted as @p n
 *     refused; retry later);
 *   - -EINVAL: @p n is above the ring size (opts.ring_size: it can never
 *     fit), a bad lcore, NULL @p msgs or a NULL fn (one log line);
 *   - -ESHUTDOWN, -ENODEV: as nb_reactor_send().
 */
int nb_reactor_send_bulk(unsigned int lcore, const struct nb_msg *msgs,
			 unsigned int n);

/**
 * Run @p fn(@p arg) on every reactor in turn (ascending lcore), then
 * @p done_fn(@p done_arg) on the calling lcore's reactor. Each step is a
 * message sent by the previous reactor; a full ring delays a step (it is
 * retried every loop, and its reactor does not sleep meanwhile; the
 * retries are not counted as refused sends), it does not drop it. At a
 * stop, a step already queued still runs (reactors run their queues when
 * they stop); what it would send next, and a step waiting for room, are
 * dropped: @p done_fn may not run.
 *
 * @param fn
 *   Function for every reactor; must not be NULL.
 * @param arg
 *   Its argument.
 * @param done_fn
 *   Completion on the caller's reactor, or NULL.
 * @param done_arg
 *   Its argument.
 * @return
 *   0 when started, or as nb_reactor_send(), and -EINVAL when the calling
 *   thread is not a reactor's lcore; -ENOMEM when the context cannot be
 *   allocated.
 */
int nb_reactor_call_all(nb_msg_fn fn, void *arg, nb_msg_fn done_fn,
			void *done_arg);

/**
 * Create a channel from the calling thread to @p lcore's reactor: a
 * single-producer ring of opts.ring_size message slots of its own, so a
 * heavy sender does not contend with others on the reactor's ring. Only
 * one thread may send on a channel. Messages sent on a channel run in
 * order; there is no order between a channel and nb_reactor_send(). A
 * channel holds nothing shared: any number of channels leaves the
 * reactor's ring to nb_reactor_send().
 *
 * The reactor takes the channel on at its next loop (or, after a stop,
 * when nb_reactors_start() drains it).
 *
 * @param lcore
 *   Target reactor.
 * @return
 *   The channel, or NULL with rte_errno set (and one log line):
 *   - ENODEV: reactors are not initialised;
 *   - EINVAL: @p lcore has no reactor;
 *   - ESHUTDOWN: the reactors are stopping;
 *   - ENOMEM: no memory for the ring;
 *   - ENOSPC: the reactor has NB_REACTOR_MAX_CHANNELS channels.
 */
struct nb_reactor_channel *nb_reactor_channel_create(unsigned int lcore);

/** Most channels attached to one reactor. */
#define NB_REACTOR_MAX_CHANNELS 64

/**
 * Send a message on a channel (from its one sending thread).
 *
 * @param ch
 *   The channel.
 * @param fn
 *   Function; must not be NULL.
 * @param arg
 *   Its argument.
 * @return
 *   0, or -EAGAIN (the channel's ring is full), -EINVAL (NULL, closed
 *   channel), -ESHUTDOWN (stopping).
 */
int nb_reactor_channel_send(struct nb_reactor_channel *ch, nb_msg_fn fn,
			    void *arg);

/**
 * Close a channel from its sending thread: messages already queued still
 * run, and the reactor frees the channel (or nb_reactors_fini() does).
 * @p ch must not be used afterwards.
 *
 * @param ch
 *   The channel; NULL is ignored.
 */
void nb_reactor_channel_destroy(struct nb_reactor_channel *ch);

/** Statistics of one reactor. */
struct nb_reactor_stats {
	unsigned int lcore;	/**< the reactor's lcore */
	unsigned int nb_pollers; /**< pollers registered (any state) */
	uint64_t loops;		/**< loops run (passes over the active pollers) */
	uint64_t busy_tsc;	/**< clock ticks of loops that did work */
	uint64_t idle_tsc;	/**< clock ticks of loops that did not */
	uint64_t msgs_run;	/**< messages run */
	uint64_t msgs_refused;	/**< sends to it refused with -EAGAIN */
	uint64_t sleeps;	/**< back-off sleeps */
	bool sleeping;		/**< asleep now */
};

/** Statistics of one poller. */
struct nb_poller_stats {
	char name[NB_POLLER_NAME_LEN]; /**< its name */
	unsigned int lcore;	/**< its reactor */
	uint64_t period_us;	/**< 0: active */
	bool paused;		/**< paused now */
	uint64_t runs;		/**< callbacks run */
	uint64_t busy_runs;	/**< of which returned busy */
	uint64_t busy_tsc;	/**< clock ticks in busy runs (opts.poller_tsc) */
	uint64_t idle_tsc;	/**< clock ticks in idle runs (opts.poller_tsc) */
};

/**
 * Read one reactor's statistics (values written by another lcore may be a
 * loop old).
 *
 * @param lcore
 *   The reactor's lcore.
 * @param stats
 *   Filled on success.
 * @return
 *   0, or -ENODEV (not initialised), -EINVAL (no reactor there, NULL).
 */
int nb_reactor_stats_get(unsigned int lcore, struct nb_reactor_stats *stats);

/**
 * Read one poller's statistics; from any thread while the poller is
 * registered (see the lifetime rule).
 *
 * @param p
 *   The poller.
 * @param stats
 *   Filled on success.
 * @return
 *   0, or -EINVAL (NULL argument).
 */
int nb_poller_stats_get(const struct nb_poller *p,
			struct nb_poller_stats *stats);

/**
 * Print every reactor and its pollers for people.
 *
 * @param f
 *   Where; NULL: stdout.
 */
void nb_reactor_dump(FILE *f);

/**
 * Messages queued and not yet taken by their reactor, on every reactor's
 * ring and own queue and every channel's (a burst a reactor has taken and
 * is running no longer counts). After nb_reactors_start() returned this is
 * 0: what a reactor did not run before it stopped was released there.
 *
 * @return
 *   The count; 0 when not initialised.
 */
unsigned int nb_reactor_msgs_outstanding(void);

/**
 * Busy and total clock ticks of @p lcore's reactor, the way DPDK's lcore
 * usage callback reports them (DPDK >= 23.03 calls it for rte_lcore_dump()
 * and /eal/lcore/usage; nbkit registers it when the DPDK it is built on has
 * rte_lcore_register_usage_cb()).
 *
 * @param lcore
 *   The lcore.
 * @param busy
 *   Busy ticks (loops that did work).
 * @param total
 *   Busy plus idle ticks.
 * @return
 *   0, or -EINVAL (no reactor there, NULL pointers), -ENODEV.
 */
int nb_reactor_lcore_usage(unsigned int lcore, uint64_t *busy,
			   uint64_t *total);

/** A replacement clock: returns the current time in ticks. */
typedef uint64_t (*nb_reactor_clock_fn)(void);

/**
 * Replace the reactors' clock (the TSC by default), for tests: a virtual
 * clock the test advances (SPDK's spdk_delay_us pattern). Call it while no
 * reactor runs; periods of pollers registered later use @p hz.
 *
 * @param fn
 *   The clock; NULL restores the TSC (and @p hz is ignored).
 * @param hz
 *   Ticks per second of @p fn; must not be 0 when @p fn is given.
 * @return
 *   0, or -EINVAL (fn given with hz 0).
 */
int nb_reactor_clock_set(nb_reactor_clock_fn fn, uint64_t hz);

/**
 * The reactors' clock now.
 *
 * @return
 *   Ticks (TSC, or the replacement clock).
 */
uint64_t nb_reactor_clock(void);

/**
 * Ticks per second of nb_reactor_clock().
 *
 * @return
 *   The frequency.
 */
uint64_t nb_reactor_clock_hz(void);

#ifdef __cplusplus
}
#endif

#endif /* NB_REACTOR_H */
