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
 * - Messages: a function and an argument, carried by an object of a shared
 *   rte_mempool through the target reactor's multi-producer/single-consumer
 *   rte_ring. A full ring or pool is -EAGAIN, never an abort; messages of
 *   one sender run in the order sent.
 * - Foreign threads (plain pthreads) may send; a channel
 *   (nb_reactor_channel_create()) gives one pthread a single-producer ring
 *   and a message cache of its own.
 * - Idle policy: spin, or back off after idle loops (rte_pause(), then a
 *   sleep on an eventfd with the next timer deadline as timeout); a sender
 *   writes the eventfd only when the target sleeps.
 * - Time comes from one clock (the TSC) that tests replace with a virtual
 *   clock (nb_reactor_clock_set()).
 *
 * Ownership: a poller belongs to its reactor; its callback and its
 * messages run on that reactor's lcore only. Poller control calls from
 * another lcore or thread are carried to the owner as messages.
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
#include <rte_mempool.h>
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
/** Default size of the shared message pool (objects). */
#define NB_REACTOR_MSG_POOL_SIZE_DEFAULT 16383
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
	unsigned int ring_size;	/**< message ring entries per reactor (2..2^24) */
	unsigned int msg_pool_size; /**< message objects shared by all reactors (>= 2) */
	enum nb_reactor_idle_policy idle; /**< idle policy */
	unsigned int idle_spin_loops; /**< idle loops before pausing (back-off) */
	unsigned int idle_pause_loops; /**< paused loops before sleeping (back-off) */
	unsigned int idle_max_sleep_us; /**< longest sleep while active pollers exist */
};

/**
 * Fill @p opts with the defaults: every EAL lcore, a 4096-entry ring per
 * reactor, 16383 message objects, NB_REACTOR_IDLE_SPIN.
 *
 * @param opts
 *   Options to fill; NULL is ignored (one log line).
 * @param opts_size
 *   sizeof(*opts) as the caller was compiled; fields beyond it are not
 *   written.
 */
void nb_reactor_opts_init(struct nb_reactor_opts *opts, size_t opts_size);

/**
 * Create a reactor on every chosen lcore, the message pool and the rings.
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
 *     a ring or pool size out of range, an unknown policy, opts_size too
 *     small); one log line says which;
 *   - -ENOMEM: no memory for the rings, the pool or the reactors.
 */
int nb_reactors_init(const struct nb_reactor_opts *opts);

/**
 * Run the reactors: launch one on every chosen worker lcore, run the main
 * lcore's on the calling thread when it is chosen, and return when all
 * have stopped (nb_reactors_stop()). Messages still queued when a reactor
 * stops are run by it; those that arrive later are released (not run) here.
 *
 * @return
 *   0 after a stop, or:
 *   - -ENODEV: not initialised;
 *   - -EPERM: not called on the main lcore;
 *   - -EALREADY: already running, or ran before (fini, then init again);
 *   - -EBUSY: a chosen worker lcore is busy with another job.
 */
int nb_reactors_start(void);

/**
 * Ask every reactor to stop. Callable from any lcore, any thread and from
 * a signal handler (async-signal-safe: an atomic store and one write() to
 * each reactor's eventfd). After it, sends fail with -ESHUTDOWN.
 */
void nb_reactors_stop(void);

/**
 * Whether nb_reactors_stop() was called since nb_reactors_init().
 *
 * @return
 *   true after a stop.
 */
bool nb_reactors_stopping(void);

/**
 * Free everything nb_reactors_init() created: pollers, channels, rings and
 * the message pool. Queued messages are released without running.
 * Logs (WARNING) how many message objects are missing from the pool when
 * any are (0 is the expected audit). Does nothing, with one log line, while
 * nb_reactors_start() runs or when not initialised.
 */
void nb_reactors_fini(void);

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
 * the return on.
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
 * Unregister a poller and set *@p pp to NULL. From the owner (also from
 * inside the poller's own callback) it never runs again after this call;
 * from elsewhere, after the owner has run the carried message. The poller
 * is freed by its reactor.
 *
 * @param pp
 *   Address of the poller pointer.
 * @return
 *   0 on success, or (one log line):
 *   - -EINVAL: @p pp or *@p pp is NULL (for example a second unregister
 *     through the same pointer);
 *   - -EALREADY: the poller is already being unregistered;
 *   - -EAGAIN: the message to the owner could not be queued (nothing
 *     changed; *@p pp is kept, retry);
 *   - -ESHUTDOWN: the reactors are stopping (the poller is freed by
 *     nb_reactors_fini()).
 */
int nb_poller_unregister(struct nb_poller **pp);

/**
 * Stop running a poller until nb_poller_resume(). Idempotent.
 *
 * @param p
 *   The poller.
 * @return
 *   0, or -EINVAL (NULL or being unregistered), -EAGAIN (message not
 *   queued, retry), -ESHUTDOWN (stopping).
 */
int nb_poller_pause(struct nb_poller *p);

/**
 * Run a paused poller again; a timed poller's next run is one period after
 * the resume. Idempotent.
 *
 * @param p
 *   The poller.
 * @return
 *   As nb_poller_pause().
 */
int nb_poller_resume(struct nb_poller *p);

/**
 * @internal What nb_reactor_send() reads of a reactor; not API, may change.
 */
struct nb_reactor_hot {
	struct rte_ring *ring;		/**< MP/SC message ring */
	int efd;			/**< eventfd that wakes it */
	int sleeping;			/**< 1 while it sleeps (__atomic) */
	uint64_t msgs_refused;		/**< sends refused (__atomic) */
};

/** @internal Per lcore: its reactor's hot part, or NULL. */
extern struct nb_reactor_hot *nb_reactor_hot_tab[RTE_MAX_LCORE];
/** @internal The message pool. */
extern struct rte_mempool *nb_reactor_msg_pool;
/** @internal nb_reactors_stop() was called (__atomic). */
extern bool nb_reactor_stop_flag;
/** @internal The back-off idle policy is on: senders may have to wake. */
extern bool nb_reactor_backoff;

/**
 * @internal Slow path of nb_reactor_send(): logs bad input, counts a
 * refusal; returns the error to give.
 */
int nb_reactor_send_fail_(unsigned int lcore, bool fn_null, int why);

/** @internal Write the eventfd of a sleeping reactor (back-off policy). */
void nb_reactor_wake_(struct nb_reactor_hot *h);

/**
 * Send a message: @p fn(@p arg) runs on @p lcore's reactor. Callable from
 * any lcore or thread (pthreads take the slower, cache-less pool path).
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
 *   - -EAGAIN: the target's ring or the message pool is full (counted in
 *     the target's msgs_refused; nothing queued, retry later);
 *   - -EINVAL: @p lcore has no reactor or @p fn is NULL (one log line);
 *   - -ESHUTDOWN: the reactors are stopping;
 *   - -ENODEV: not initialised.
 */
static __rte_always_inline int
nb_reactor_send(unsigned int lcore, nb_msg_fn fn, void *arg)
{
	struct nb_reactor_hot *h;
	struct nb_msg *m;

	h = likely(lcore < RTE_MAX_LCORE) ? nb_reactor_hot_tab[lcore] : NULL;
	if (unlikely(h == NULL || fn == NULL)) {
		return nb_reactor_send_fail_(lcore, fn == NULL, -EINVAL);
	}
	if (unlikely(__atomic_load_n(&nb_reactor_stop_flag,
				     __ATOMIC_RELAXED))) {
		return -ESHUTDOWN;
	}
	if (unlikely(rte_mempool_get(nb_reactor_msg_pool, (void **)&m) != 0)) {
		return nb_reactor_send_fail_(lcore, false, -EAGAIN);
	}
	m->fn = fn;
	m->arg = arg;
	if (unlikely(rte_ring_mp_enqueue(h->ring, m) != 0)) {
		rte_mempool_put(nb_reactor_msg_pool, m);
		return nb_reactor_send_fail_(lcore, false, -EAGAIN);
	}
	if (unlikely(nb_reactor_backoff)) {
		nb_reactor_wake_(h);
	}
	return 0;
}

/**
 * Send @p n messages to one reactor, all or none, in array order.
 *
 * @param lcore
 *   Target reactor's lcore.
 * @param msgs
 *   The messages; every fn must be non-NULL.
 * @param n
 *   How many (0 is a no-op returning 0).
 * @return
 *   0 when all are queued, or as nb_reactor_send() (nothing queued).
 */
int nb_reactor_send_bulk(unsigned int lcore, const struct nb_msg *msgs,
			 unsigned int n);

/**
 * Run @p fn(@p arg) on every reactor in turn (ascending lcore), then
 * @p done_fn(@p done_arg) on the calling lcore's reactor. Each step is a
 * message sent by the previous reactor; a full ring delays a step (it is
 * retried every loop), it does not drop it.
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
 * single-producer ring and a message cache of its own, so heavy senders
 * on plain pthreads do not contend on the shared ring or pool. Only one
 * thread may send on a channel. Messages sent on a channel run in order;
 * there is no order between a channel and nb_reactor_send().
 *
 * The channel's ring has opts.ring_size entries, like a reactor's; the
 * reactor takes the channel on at its next loop.
 *
 * @param lcore
 *   Target reactor.
 * @return
 *   The channel, or NULL with rte_errno set (and one log line):
 *   - ENODEV: reactors are not initialised;
 *   - EINVAL: @p lcore has no reactor;
 *   - ESHUTDOWN: the reactors are stopping;
 *   - ENOMEM: no memory for the ring or the cache;
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
 *   0, or -EAGAIN (ring or pool full), -EINVAL (NULL, closed channel),
 *   -ESHUTDOWN (stopping).
 */
int nb_reactor_channel_send(struct nb_reactor_channel *ch, nb_msg_fn fn,
			    void *arg);

/**
 * Close a channel from its sending thread: its cached message objects go
 * back to the pool, messages already queued still run, and the reactor
 * frees the channel (or nb_reactors_fini() does). @p ch must not be used
 * afterwards.
 *
 * @param ch
 *   The channel; NULL is ignored.
 */
void nb_reactor_channel_destroy(struct nb_reactor_channel *ch);

/** Statistics of one reactor. */
struct nb_reactor_stats {
	unsigned int lcore;	/**< the reactor's lcore */
	unsigned int nb_pollers; /**< pollers registered (any state) */
	uint64_t loops;		/**< loops run */
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
	uint64_t busy_tsc;	/**< clock ticks in busy runs */
	uint64_t idle_tsc;	/**< clock ticks in idle runs */
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
 * Read one poller's statistics.
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
 * Message objects out of the pool: queued on a ring, or held in an open
 * channel's cache. Objects in the lcores' mempool caches count as in the
 * pool. After nb_reactors_start() returned, with every channel destroyed,
 * this is 0: the audit nb_reactors_fini() logs when it is not.
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
