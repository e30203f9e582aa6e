/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/reactor's lifetime rules (nb_reactor.h, issue 16):
 *
 * - poller control is owner-only: pause, resume and unregister from another
 *   lcore or a pthread are -EPERM and change nothing, also while the owner
 *   unregisters the poller (2000 rounds on two real lcores); from the owner
 *   (a message on its lcore) they work;
 * - the lifecycle: nb_reactors_state() READY -> RUNNING -> STOPPING ->
 *   STOPPED -> UNINIT; fini while nb_reactors_start() runs is -EBUSY and
 *   frees nothing; a second start is -EALREADY; a stop before the start
 *   loses no queued message (main's ring, channels not yet attached, a
 *   remote registration);
 * - a remote registration released by a start after a stop leaves a valid
 *   poller pointer, freed by fini;
 * - a call_all step parked on a full ring keeps its reactor awake under
 *   NB_REACTOR_IDLE_BACKOFF: the call completes within a bound, not after
 *   the 1 s sleep;
 * - timed pollers keep their period on average (a grid from the
 *   registration time; missed periods skipped, never run back to back);
 * - what a review found: a pass ends although callbacks keep adding
 *   pollers at the tail; a timed poller resumed in its own callback
 *   restarts its grid; opts.poller_tsc charges a timed poller its own
 *   time only; call_all retries are not refused sends.
 *
 * main() brings EAL up once with two lcores; every case initialises the
 * reactors it needs and finalises them. Waits have deadlines, and running
 * reactors a watchdog poller, so a broken reactor fails a case instead of
 * hanging it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pause.h>

#include "nb_env.h"
#include "nb_reactor.h"
#include "nb_test.h"

static unsigned int g_worker = RTE_MAX_LCORE;
static unsigned int g_main;

/*
 * Helpers
 */

/* Longest wait for the other side of a handshake before a case gives up. */
#define WAIT_MS 5000u

/* The virtual clock: 1 tick = 1 us (SPDK's spdk_delay_us pattern). */
static uint64_t g_vnow;

static uint64_t
vclock(void)
{
	return g_vnow;
}

/* Set the virtual clock to @t and run one loop at @t. */
static int
poll_at(uint64_t t)
{
	g_vnow = t;
	return nb_reactor_poll_once(t);
}

static uint64_t
ms_to_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

static double
tsc_to_ms(uint64_t tsc)
{
	return (double)tsc * 1000.0 / (double)rte_get_tsc_hz();
}

static int
init_lcores(const unsigned int *lcores, unsigned int n, unsigned int ring,
	    enum nb_reactor_idle_policy idle)
{
	struct nb_reactor_opts o;

	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = lcores;
	o.nb_lcores = n;
	if (ring != 0) {
		o.ring_size = ring;
	}
	o.idle = idle;
	return nb_reactors_init(&o);
}

static int
init_both(unsigned int ring)
{
	unsigned int l[2] = { g_main, g_worker };

	return init_lcores(l, 2, ring, NB_REACTOR_IDLE_SPIN);
}

/* Stop, fini: both must succeed and leave the reactors UNINIT. */
static void
fini_check(void)
{
	nb_reactors_stop();
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_UNINIT);
}

/*
 * The waits: at most @ms each, false on timeout. wait_uint_eq() until
 * *@v == @want, false too when *@abort is raised (NULL: none).
 */
static bool
wait_uint_eq(atomic_uint *v, unsigned int want, const atomic_bool *abort,
	     unsigned int ms)
{
	uint64_t dl = rte_get_tsc_cycles() + ms_to_tsc(ms);

	while (atomic_load(v) != want) {
		if (rte_get_tsc_cycles() > dl ||
		    (abort != NULL && atomic_load(abort))) {
			return false;
		}
		rte_pause();
	}
	return true;
}

/* Until *@f is true. */
static bool
wait_flag(const atomic_bool *f, unsigned int ms)
{
	uint64_t dl = rte_get_tsc_cycles() + ms_to_tsc(ms);

	while (!atomic_load(f)) {
		if (rte_get_tsc_cycles() > dl) {
			return false;
		}
		rte_pause();
	}
	return true;
}

/* Until *@v >= @min, yielding the CPU (a pthread beside a reactor). */
static bool
wait_u64_min(atomic_uint_fast64_t *v, uint64_t min, unsigned int ms)
{
	uint64_t dl = rte_get_tsc_cycles() + ms_to_tsc(ms);

	while (atomic_load(v) < min) {
		if (rte_get_tsc_cycles() > dl) {
			return false;
		}
		sched_yield();
	}
	return true;
}

/* Until nb_reactors_state() is @want, yielding the CPU. */
static bool
wait_state(enum nb_reactors_state want, unsigned int ms)
{
	uint64_t dl = rte_get_tsc_cycles() + ms_to_tsc(ms);

	while (nb_reactors_state() != want) {
		if (rte_get_tsc_cycles() > dl) {
			return false;
		}
		sched_yield();
	}
	return true;
}

/*
 * The reactor library's log level, lowered around loops that make
 * thousands of calls each logging one refusal line, then restored.
 */
static int
reactor_log_quiet(void)
{
	int t = rte_log_register("nb.reactor");
	int old;

	if (t < 0) {
		return -1;
	}
	old = rte_log_get_level((uint32_t)t);
	rte_log_set_level((uint32_t)t, RTE_LOG_EMERG);
	return old;
}

static void
reactor_log_restore(int old)
{
	int t = rte_log_register("nb.reactor");

	if (t >= 0 && old > 0) {
		rte_log_set_level((uint32_t)t, (uint32_t)old);
	}
}

/* A timed poller on @lcore that stops everything after @secs. */
static atomic_bool g_watchdog_fired;

static int
watchdog_poller(void *arg)
{
	(void)arg;
	atomic_store(&g_watchdog_fired, true);
	nb_reactors_stop();
	return NB_POLLER_BUSY;
}

static struct nb_poller *
watchdog_register(unsigned int lcore, uint64_t secs)
{
	atomic_store(&g_watchdog_fired, false);
	return nb_poller_register(lcore, watchdog_poller, NULL,
				  secs * 1000000, "watchdog");
}

static int
count_poller(void *arg)
{
	atomic_fetch_add((atomic_uint_fast64_t *)arg, 1);
	return NB_POLLER_BUSY;
}

static void
count_msg(void *arg)
{
	atomic_fetch_add((atomic_uint_fast64_t *)arg, 1);
}

/* The worker lcore drives its reactor one loop at a time until told. */
static atomic_bool g_loop_quit;

static int
worker_poll_loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&g_loop_quit)) {
		nb_reactor_poll_once(nb_reactor_clock());
	}
	return 0;
}

static uint64_t
reactor_loops(unsigned int lcore)
{
	struct nb_reactor_stats s;

	if (nb_reactor_stats_get(lcore, &s) != 0) {
		return 0;
	}
	return s.loops;
}

/* Wait until @lcore's reactor has run @n more loops. */
static bool
wait_loops(unsigned int lcore, uint64_t n)
{
	uint64_t want = reactor_loops(lcore) + n;
	uint64_t dl = rte_get_tsc_cycles() + ms_to_tsc(WAIT_MS);

	while (reactor_loops(lcore) < want) {
		if (rte_get_tsc_cycles() > dl) {
			return false;
		}
		rte_pause();
	}
	return true;
}

/*
 * 1. Poller control is owner-only
 */

enum ctl_op {
	CTL_PAUSE,
	CTL_RESUME,
	CTL_UNREG,
};

/*
 * A control call carried to the owner by a message (static: a late
 * message never writes into a dead stack frame).
 */
static struct {
	enum ctl_op op;
	struct nb_poller **pp;
	int rc;
	unsigned int lcore;	/* where it ran */
	atomic_bool done;
} g_ctl;

static void
ctl_msg(void *arg)
{
	(void)arg;
	switch (g_ctl.op) {
	case CTL_PAUSE:
		g_ctl.rc = nb_poller_pause(*g_ctl.pp);
		break;
	case CTL_RESUME:
		g_ctl.rc = nb_poller_resume(*g_ctl.pp);
		break;
	default:
		g_ctl.rc = nb_poller_unregister(g_ctl.pp);
		break;
	}
	g_ctl.lcore = rte_lcore_id();
	atomic_store(&g_ctl.done, true);
}

/* Run @op on @lcore (a message); its return value, or 1 on no answer. */
static int
owner_ctl(unsigned int lcore, struct nb_poller **pp, enum ctl_op op)
{
	int rc;

	g_ctl.op = op;
	g_ctl.pp = pp;
	g_ctl.rc = 1;
	g_ctl.lcore = RTE_MAX_LCORE;
	atomic_store(&g_ctl.done, false);
	rc = nb_reactor_send(lcore, ctl_msg, NULL);
	if (rc != 0) {
		return rc;
	}
	if (!wait_flag(&g_ctl.done, WAIT_MS)) {
		return 1;
	}
	NB_TEST_ASSERT_INT_EQ(g_ctl.lcore, lcore);
	return g_ctl.rc;
}

/* What remote control calls on a poller returned. */
struct remote_try {
	struct nb_poller *p;
	int rc_pause;
	int rc_resume;
	int rc_unreg;
	struct nb_poller *after_unreg;	/* *pp after the unregister */
};

static void
remote_try_run(struct remote_try *t)
{
	struct nb_poller *q = t->p;

	t->rc_pause = nb_poller_pause(t->p);
	t->rc_resume = nb_poller_resume(t->p);
	t->rc_unreg = nb_poller_unregister(&q);
	t->after_unreg = q;
}

static void *
remote_try_thread(void *arg)
{
	remote_try_run(arg);
	return NULL;
}

static void
remote_try_check(const struct remote_try *t, const char *from)
{
	NB_TEST_ASSERT_MSG(t->rc_pause == -EPERM,
			   "pause from %s: %d, expected -EPERM", from,
			   t->rc_pause);
	NB_TEST_ASSERT_MSG(t->rc_resume == -EPERM,
			   "resume from %s: %d, expected -EPERM", from,
			   t->rc_resume);
	NB_TEST_ASSERT_MSG(t->rc_unreg == -EPERM,
			   "unregister from %s: %d, expected -EPERM", from,
			   t->rc_unreg);
	NB_TEST_ASSERT_MSG(t->after_unreg == t->p,
			   "unregister from %s changed *pp to %p", from,
			   (void *)t->after_unreg);
}

static bool
poller_paused(const struct nb_poller *p)
{
	struct nb_poller_stats s;

	return nb_poller_stats_get(p, &s) == 0 && s.paused;
}

static void
test_control_owner_only(void)
{
	static atomic_uint_fast64_t runs;
	static struct nb_poller *p;
	struct remote_try t = { 0 };
	struct nb_reactor_stats rs;
	pthread_t th;
	uint64_t r0;

	atomic_store(&runs, 0);
	atomic_store(&g_loop_quit, false);
	NB_TEST_ASSERT_INT_EQ(init_both(0), 0);
	/* registered from the main lcore: carried to the worker */
	p = nb_poller_register(g_worker, count_poller, &runs, 0, "owned");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(rte_eal_remote_launch(worker_poll_loop, NULL,
					      g_worker) == 0);
	CU_ASSERT_FATAL(wait_u64_min(&runs, 1, WAIT_MS));

	/* from the main lcore (a reactor's lcore, not the owner's) */
	t.p = p;
	remote_try_run(&t);
	remote_try_check(&t, "the main lcore");
	/* from a plain pthread */
	t.p = p;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, remote_try_thread, &t) == 0);
	pthread_join(th, NULL);
	remote_try_check(&t, "a pthread");

	/* nothing changed: it keeps running, not paused, still registered */
	CU_ASSERT(wait_loops(g_worker, 100));
	r0 = atomic_load(&runs);
	CU_ASSERT(wait_u64_min(&runs, r0 + 100, WAIT_MS));
	CU_ASSERT_FALSE(poller_paused(p));
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 1);

	/* from the owner, by a message: pause, resume, unregister work */
	NB_TEST_ASSERT_INT_EQ(owner_ctl(g_worker, &p, CTL_PAUSE), 0);
	CU_ASSERT(poller_paused(p));
	r0 = atomic_load(&runs);
	CU_ASSERT(wait_loops(g_worker, 100));
	NB_TEST_ASSERT_INT_EQ(atomic_load(&runs), r0);
	NB_TEST_ASSERT_INT_EQ(owner_ctl(g_worker, &p, CTL_RESUME), 0);
	CU_ASSERT_FALSE(poller_paused(p));
	CU_ASSERT(wait_u64_min(&runs, r0 + 100, WAIT_MS));
	NB_TEST_ASSERT_INT_EQ(owner_ctl(g_worker, &p, CTL_UNREG), 0);
	CU_ASSERT_PTR_NULL(p);
	r0 = atomic_load(&runs);
	CU_ASSERT(wait_loops(g_worker, 100));
	NB_TEST_ASSERT_INT_EQ(atomic_load(&runs), r0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 0);

	atomic_store(&g_loop_quit, true);
	rte_eal_wait_lcore(g_worker);
	fini_check();
}

/*
 * The race: each round the worker registers a poller on itself; the main
 * lcore hammers pause/resume on it while the worker unregisters it, from
 * inside the poller's callback (odd rounds: the unregister call overlaps
 * the remote calls; the poller is freed only after its callback returns)
 * or from a message (even rounds: the remote calls come while the message
 * runs, the unregister right after them). Every remote call must be
 * -EPERM and queue nothing: a queued pause would run on a freed poller.
 */
#define RACE_ROUNDS 2000u
#define RACE_CALLS_EARLY 8u	/* before the owner's unregister */
#define RACE_CALLS 32u		/* during it (odd) or before it (even) */

static struct {
	atomic_uint round;	/* worker: poller of this round published */
	atomic_uint in_owner;	/* worker: in the callback or the message */
	atomic_uint started;	/* main: early calls made */
	atomic_uint done;	/* main: every call of the round made */
	atomic_uint gone;	/* worker: unregistered */
	atomic_bool abort;	/* a wait timed out: everyone gives up */
	struct nb_poller *own;	/* the owner's pointer (worker only) */
	struct nb_poller *_Atomic remote; /* main's copy */
	atomic_uint_fast64_t runs;
	atomic_uint owner_errors; /* owner unregister not 0 or *pp kept */
	unsigned int rounds_done; /* worker */
	unsigned int unreg_msgs;  /* main: messages sent */
	uint64_t calls;		  /* main: remote calls made */
	uint64_t not_eperm;	  /* of which did not return -EPERM */
	int bad_rc;		  /* one such return value */
} g_race;

static void
race_unregister(void)
{
	int rc = nb_poller_unregister(&g_race.own);

	if (rc != 0 || g_race.own != NULL) {
		atomic_fetch_add(&g_race.owner_errors, 1);
	}
}

static int
race_poller(void *arg)
{
	unsigned int k = atomic_load(&g_race.round);

	(void)arg;
	atomic_fetch_add(&g_race.runs, 1);
	if ((k & 1) == 0 || atomic_load(&g_race.gone) == k ||
	    atomic_load(&g_race.abort)) {
		return NB_POLLER_IDLE;
	}
	atomic_store(&g_race.in_owner, k);
	if (!wait_uint_eq(&g_race.started, k, &g_race.abort, WAIT_MS)) {
		atomic_store(&g_race.abort, true);
		return NB_POLLER_IDLE;
	}
	race_unregister();	/* while the main lcore calls pause/resume */
	if (!wait_uint_eq(&g_race.done, k, &g_race.abort, WAIT_MS)) {
		atomic_store(&g_race.abort, true);
	}
	atomic_store(&g_race.gone, k);
	return NB_POLLER_BUSY;
}

static void
race_unreg_msg(void *arg)
{
	unsigned int k = atomic_load(&g_race.round);

	(void)arg;
	atomic_store(&g_race.in_owner, k);
	if (!wait_uint_eq(&g_race.done, k, &g_race.abort, WAIT_MS)) {
		atomic_store(&g_race.abort, true);
	}
	race_unregister();
	atomic_store(&g_race.gone, k);
}

static int
race_worker(void *arg)
{
	unsigned int k, i;

	(void)arg;
	for (k = 1; k <= RACE_ROUNDS && !atomic_load(&g_race.abort); k++) {
		g_race.own = nb_poller_register(g_worker, race_poller, NULL, 0,
						"race");
		if (g_race.own == NULL) {
			atomic_store(&g_race.abort, true);
			break;
		}
		atomic_store(&g_race.remote, g_race.own);
		atomic_store(&g_race.round, k);
		while (atomic_load(&g_race.gone) != k &&
		       !atomic_load(&g_race.abort)) {
			nb_reactor_poll_once(nb_reactor_clock());
		}
		/* what a remote call might have queued runs now */
		for (i = 0; i < 4; i++) {
			nb_reactor_poll_once(nb_reactor_clock());
		}
		g_race.rounds_done = k;
	}
	return 0;
}

static void
race_hammer(struct nb_poller *p, unsigned int n)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = (i & 1) == 0 ? nb_poller_pause(p) : nb_poller_resume(p);
		g_race.calls++;
		if (rc != -EPERM) {
			g_race.not_eperm++;
			g_race.bad_rc = rc;
		}
	}
}

static void
test_control_race(void)
{
	struct nb_reactor_stats rs;
	struct nb_poller *p;
	unsigned int k;
	int lvl, rc;

	memset(&g_race, 0, sizeof(g_race));
	NB_TEST_ASSERT_INT_EQ(init_both(0), 0);
	CU_ASSERT_FATAL(rte_eal_remote_launch(race_worker, NULL,
					      g_worker) == 0);
	lvl = reactor_log_quiet();
	for (k = 1; k <= RACE_ROUNDS; k++) {
		if (!wait_uint_eq(&g_race.round, k, &g_race.abort, WAIT_MS)) {
			break;
		}
		p = atomic_load(&g_race.remote);
		if ((k & 1) != 0) {
			/* the poller's callback spins until we are done */
			if (!wait_uint_eq(&g_race.in_owner, k, &g_race.abort,
					  WAIT_MS)) {
				break;
			}
			race_hammer(p, RACE_CALLS_EARLY);
			atomic_store(&g_race.started, k);
			race_hammer(p, RACE_CALLS);
		} else {
			while ((rc = nb_reactor_send(g_worker, race_unreg_msg,
						     NULL)) == -EAGAIN) {
				rte_pause();
			}
			if (rc != 0) {
				break;
			}
			g_race.unreg_msgs++;
			if (!wait_uint_eq(&g_race.in_owner, k, &g_race.abort,
					  WAIT_MS)) {
				break;
			}
			race_hammer(p, RACE_CALLS);
		}
		atomic_store(&g_race.done, k);
	}
	if (k <= RACE_ROUNDS) {
		atomic_store(&g_race.abort, true);
	}
	rte_eal_wait_lcore(g_worker);
	reactor_log_restore(lvl);

	CU_ASSERT_FALSE(atomic_load(&g_race.abort));
	NB_TEST_ASSERT_INT_EQ(g_race.rounds_done, RACE_ROUNDS);
	NB_TEST_ASSERT_INT_EQ(g_race.calls, (uint64_t)RACE_ROUNDS / 2 *
			      (2 * RACE_CALLS + RACE_CALLS_EARLY));
	NB_TEST_ASSERT_MSG(g_race.not_eperm == 0,
			   "%" PRIu64 " of %" PRIu64 " remote pause/resume "
			   "calls did not return -EPERM (one returned %d)",
			   g_race.not_eperm, g_race.calls, g_race.bad_rc);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_race.owner_errors), 0);
	/* every poller ran and is gone; the worker ran only our messages */
	CU_ASSERT(atomic_load(&g_race.runs) >= RACE_ROUNDS / 2);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 0);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_run, g_race.unreg_msgs);
	printf("\n  race: %u rounds, %" PRIu64 " remote calls, %" PRIu64
	       " poller runs\n", g_race.rounds_done, g_race.calls,
	       (uint64_t)atomic_load(&g_race.runs));
	fini_check();
}

/*
 * 2. The lifecycle: fini while nb_reactors_start() runs, a second start,
 *    the states; a stop before the start
 */

#define LIFE_ROUNDS 3u
#define LIFE_FINI_TRIES 200u

static struct {
	atomic_uint_fast64_t main_runs;
	atomic_uint_fast64_t worker_runs;
	atomic_uint_fast64_t msgs;
	atomic_bool hold;	/* pthread: worker, stop and hold STOPPING */
	atomic_bool held;	/* worker: stopped, holding */
	atomic_bool release;	/* pthread: let the worker return */
	bool start_tried;	/* main reactor: second start done */
	int start_again_rc;
	int state_in_loop;	/* state seen by the main reactor */
	/* seen by the pthread */
	bool saw_running;
	unsigned int fini_running_bad;	/* fini not -EBUSY while RUNNING */
	int fini_running_rc;
	bool kept_running;
	int state_running;
	bool stopping_running;
	int send_running;
	bool saw_held;
	int state_stopping;
	bool stopping_stopping;
	int fini_stopping;
	int send_stopping;
	int stats_stopping;
	unsigned int fini_end_bad;	/* fini not -EBUSY while STOPPING */
	int fini_end_rc;
	unsigned int fini_end_tries;
	bool fini_freed;	/* fini returned 0: the state was STOPPED */
	bool fini_end_hammer;	/* keep trying fini while STOPPING */
	struct nb_poller *wp;
} g_life;

static int
life_main_poller(void *arg)
{
	(void)arg;
	atomic_fetch_add(&g_life.main_runs, 1);
	if (!g_life.start_tried) {
		g_life.start_tried = true;
		g_life.start_again_rc = nb_reactors_start();
		g_life.state_in_loop = nb_reactors_state();
	}
	return NB_POLLER_BUSY;
}

static int
life_worker_poller(void *arg)
{
	(void)arg;
	atomic_fetch_add(&g_life.worker_runs, 1);
	if (atomic_load(&g_life.hold) && !atomic_load(&g_life.held)) {
		/* stop from here and keep start() from returning */
		nb_reactors_stop();
		atomic_store(&g_life.held, true);
		wait_flag(&g_life.release, WAIT_MS);
	}
	return NB_POLLER_BUSY;
}

static void *
life_thread(void *arg)
{
	rte_cpuset_t cs = rte_lcore_cpuset(g_worker);
	struct nb_poller_stats ps;
	uint64_t w0, m0, dl;
	unsigned int i;
	int lvl, rc;

	(void)arg;
	/* beside the worker: it has a CPU while the worker is not launched
	 * and once it has returned */
	pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs);
	if (!wait_state(NB_REACTORS_RUNNING, WAIT_MS)) {
		return NULL;
	}
	g_life.saw_running = true;
	/* fini at once and again while they run: refused, nothing freed */
	lvl = reactor_log_quiet();
	for (i = 0; i < LIFE_FINI_TRIES; i++) {
		rc = nb_reactors_fini();
		if (rc != -EBUSY) {
			g_life.fini_running_bad++;
			g_life.fini_running_rc = rc;
		}
	}
	reactor_log_restore(lvl);
	w0 = atomic_load(&g_life.worker_runs);
	m0 = atomic_load(&g_life.main_runs);
	g_life.kept_running =
		wait_u64_min(&g_life.worker_runs, w0 + 1000, WAIT_MS) &&
		wait_u64_min(&g_life.main_runs, m0 + 1000, WAIT_MS);
	g_life.state_running = nb_reactors_state();
	g_life.stopping_running = nb_reactors_stopping();
	g_life.send_running = nb_reactor_send(g_worker, count_msg,
					      &g_life.msgs);

	/* the worker stops everything and holds: STOPPING */
	atomic_store(&g_life.hold, true);
	g_life.saw_held = wait_flag(&g_life.held, WAIT_MS);
	g_life.state_stopping = nb_reactors_state();
	g_life.stopping_stopping = nb_reactors_stopping();
	g_life.fini_stopping = nb_reactors_fini();
	g_life.send_stopping = nb_reactor_send(g_worker, count_msg,
					       &g_life.msgs);
	g_life.stats_stopping = nb_poller_stats_get(g_life.wp, &ps);

	/* let it go and keep trying fini until start() has returned */
	lvl = reactor_log_quiet();
	atomic_store(&g_life.release, true);
	dl = rte_get_tsc_cycles() + ms_to_tsc(WAIT_MS);
	while (g_life.fini_end_hammer &&
	       nb_reactors_state() == NB_REACTORS_STOPPING &&
	       rte_get_tsc_cycles() < dl) {
		rc = nb_reactors_fini();
		g_life.fini_end_tries++;
		if (rc == 0) {
			g_life.fini_freed = true; /* STOPPED meanwhile */
			break;
		}
		if (rc != -EBUSY) {
			g_life.fini_end_bad++;
			g_life.fini_end_rc = rc;
		}
	}
	reactor_log_restore(lvl);
	return NULL;
}

static void
life_round(unsigned int round)
{
	struct nb_poller_stats ps;
	struct nb_poller *mp, *wd;
	pthread_t th;
	int rc;

	memset(&g_life, 0, sizeof(g_life));
	g_life.start_again_rc = 1;
	/* round 0 leaves fini to the main lcore once start() returned */
	g_life.fini_end_hammer = round > 0;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_UNINIT);
	NB_TEST_ASSERT_INT_EQ(init_both(0), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_READY);
	CU_ASSERT_FALSE(nb_reactors_stopping());
	mp = nb_poller_register(g_main, life_main_poller, NULL, 0, "life-main");
	g_life.wp = nb_poller_register(g_worker, life_worker_poller, NULL, 0,
				       "life-worker");
	wd = watchdog_register(g_main, 20);
	CU_ASSERT_FATAL(mp != NULL && g_life.wp != NULL && wd != NULL);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, life_thread, NULL) == 0);

	rc = nb_reactors_start();

	pthread_join(th, NULL);
	NB_TEST_ASSERT_INT_EQ(rc, 0);
	CU_ASSERT_FALSE(atomic_load(&g_watchdog_fired));
	CU_ASSERT(g_life.saw_running);
	NB_TEST_ASSERT_MSG(g_life.fini_running_bad == 0,
			   "round %u: %u of %u fini calls while RUNNING did "
			   "not return -EBUSY (one returned %d)", round,
			   g_life.fini_running_bad, LIFE_FINI_TRIES,
			   g_life.fini_running_rc);
	CU_ASSERT(g_life.kept_running);
	NB_TEST_ASSERT_INT_EQ(g_life.state_running, NB_REACTORS_RUNNING);
	CU_ASSERT_FALSE(g_life.stopping_running);
	NB_TEST_ASSERT_INT_EQ(g_life.send_running, 0);
	NB_TEST_ASSERT_INT_EQ(g_life.start_again_rc, -EALREADY);
	NB_TEST_ASSERT_INT_EQ(g_life.state_in_loop, NB_REACTORS_RUNNING);
	CU_ASSERT(g_life.saw_held);
	NB_TEST_ASSERT_INT_EQ(g_life.state_stopping, NB_REACTORS_STOPPING);
	CU_ASSERT(g_life.stopping_stopping);
	NB_TEST_ASSERT_INT_EQ(g_life.fini_stopping, -EBUSY);
	NB_TEST_ASSERT_INT_EQ(g_life.send_stopping, -ESHUTDOWN);
	NB_TEST_ASSERT_INT_EQ(g_life.stats_stopping, 0);
	NB_TEST_ASSERT_MSG(g_life.fini_end_bad == 0,
			   "round %u: %u of %u fini calls while STOPPING did "
			   "not return -EBUSY (one returned %d)", round,
			   g_life.fini_end_bad, g_life.fini_end_tries,
			   g_life.fini_end_rc);
	/* the message sent while RUNNING ran */
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_life.msgs), 1);
	if (g_life.fini_freed) {
		/* the pthread's fini came once start() had returned */
		NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_UNINIT);
		return;
	}
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_STOPPED);
	CU_ASSERT(nb_reactors_stopping());
	/* nothing was freed: the pollers are there */
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(g_life.wp, &ps), 0);
	NB_TEST_ASSERT_INT_EQ(ps.runs, atomic_load(&g_life.worker_runs));
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(mp, &ps), 0);
	NB_TEST_ASSERT_INT_EQ(ps.runs, atomic_load(&g_life.main_runs));
	nb_reactors_stop();	/* STOPPED: no change */
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_STOPPED);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_UNINIT);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), -ENODEV);
}

static void
test_fini_while_running(void)
{
	unsigned int i;

	for (i = 0; i < LIFE_ROUNDS; i++) {
		life_round(i);
	}
	printf("\n  lifecycle: %u rounds, %u fini calls at the end of the "
	       "last\n", LIFE_ROUNDS, g_life.fini_end_tries);
}

/*
 * A stop before the start: what was queued runs when start() is called.
 */
#define PRE_N 10u

static struct {
	atomic_uint_fast64_t main_run;	   /* on main's ring */
	atomic_uint_fast64_t worker_run;   /* on the worker's ring */
	atomic_uint_fast64_t chan_w_run;   /* on a channel to the worker */
	atomic_uint_fast64_t chan_m_run;   /* on a channel to main */
	atomic_uint_fast64_t poller_runs;
	unsigned int chan_w_sent;
	unsigned int chan_m_sent;
} g_pre;

static void *
prestart_chan_thread(void *arg)
{
	struct nb_reactor_channel *cw, *cm;
	unsigned int i;

	(void)arg;
	cw = nb_reactor_channel_create(g_worker);
	cm = nb_reactor_channel_create(g_main);
	for (i = 0; i < PRE_N; i++) {
		if (cw != NULL &&
		    nb_reactor_channel_send(cw, count_msg,
					    &g_pre.chan_w_run) == 0) {
			g_pre.chan_w_sent++;
		}
		if (cm != NULL &&
		    nb_reactor_channel_send(cm, count_msg,
					    &g_pre.chan_m_run) == 0) {
			g_pre.chan_m_sent++;
		}
	}
	/* the worker's is closed (its messages still run), main's left
	 * open: fini frees it */
	nb_reactor_channel_destroy(cw);
	return NULL;
}

static void
test_stop_before_start(void)
{
	struct nb_reactor_stats rs;
	struct nb_poller_stats ps;
	struct nb_poller *pw;
	uint64_t t0;
	unsigned int i;
	pthread_t th;
	int rc;

	memset(&g_pre, 0, sizeof(g_pre));
	NB_TEST_ASSERT_INT_EQ(init_both(64), 0);
	for (i = 0; i < PRE_N; i++) {
		NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg,
						      &g_pre.main_run), 0);
		NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_worker, count_msg,
						      &g_pre.worker_run), 0);
	}
	CU_ASSERT_FATAL(pthread_create(&th, NULL, prestart_chan_thread,
				       NULL) == 0);
	pthread_join(th, NULL);
	NB_TEST_ASSERT_INT_EQ(g_pre.chan_w_sent, PRE_N);
	NB_TEST_ASSERT_INT_EQ(g_pre.chan_m_sent, PRE_N);
	/* from the main lcore: a registration message to the worker */
	pw = nb_poller_register(g_worker, count_poller, &g_pre.poller_runs,
				100, "pre-stop");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pw);

	nb_reactors_stop();
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_STOPPED);
	CU_ASSERT(nb_reactors_stopping());
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg,
					      &g_pre.main_run), -ESHUTDOWN);
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_poller_register(g_worker, count_poller,
					      &g_pre.poller_runs, 0, "late"));
	NB_TEST_ASSERT_INT_EQ(rte_errno, ESHUTDOWN);

	/* start runs what is queued everywhere and returns */
	alarm(60);	/* a start that never returns fails the run */
	t0 = rte_get_tsc_cycles();
	rc = nb_reactors_start();
	t0 = rte_get_tsc_cycles() - t0;
	alarm(0);
	NB_TEST_ASSERT_INT_EQ(rc, 0);
	NB_TEST_ASSERT_MSG(tsc_to_ms(t0) < 1000.0,
			   "start after stop took %.0f ms", tsc_to_ms(t0));
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_STOPPED);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_pre.main_run), PRE_N);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_pre.worker_run), PRE_N);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_pre.chan_w_run), PRE_N);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_pre.chan_m_run), PRE_N);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 0);
	/* the registration ran: placed, never run (stopped) */
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(pw, &ps), 0);
	NB_TEST_ASSERT_INT_EQ(ps.lcore, g_worker);
	NB_TEST_ASSERT_INT_EQ(ps.period_us, 100);
	NB_TEST_ASSERT_INT_EQ(ps.runs, atomic_load(&g_pre.poller_runs));
	NB_TEST_ASSERT_INT_EQ(ps.runs, 0);
	CU_ASSERT_STRING_EQUAL(ps.name, "pre-stop");
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 1);
	/* and again: STOPPED -> STOPPING -> STOPPED, nothing left to run */
	alarm(60);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	alarm(0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_STOPPED);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_pre.main_run), PRE_N);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_UNINIT);
}

/*
 * 3. A remote registration whose message a start after a stop handles:
 *    the pointer stays valid until fini frees it
 */

static struct {
	struct nb_poller *from_worker;
	struct nb_poller *from_thread;
	atomic_uint_fast64_t runs_w;
	atomic_uint_fast64_t runs_t;
} g_reg;

static int
reg_from_worker(void *arg)
{
	(void)arg;
	g_reg.from_worker = nb_poller_register(g_main, count_poller,
					       &g_reg.runs_w, 0, "from-worker");
	return 0;
}

static void *
reg_from_thread(void *arg)
{
	(void)arg;
	g_reg.from_thread = nb_poller_register(g_main, count_poller,
					       &g_reg.runs_t, 500,
					       "from-pthread");
	return NULL;
}

static void
reg_remote_both(void)
{
	pthread_t th;

	memset(&g_reg, 0, sizeof(g_reg));
	CU_ASSERT_FATAL(rte_eal_remote_launch(reg_from_worker, NULL,
					      g_worker) == 0);
	rte_eal_wait_lcore(g_worker);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, reg_from_thread, NULL) == 0);
	pthread_join(th, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_reg.from_worker);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_reg.from_thread);
}

static void
reg_check(const struct nb_poller *p, const char *name, uint64_t period,
	  atomic_uint_fast64_t *runs)
{
	struct nb_poller_stats ps;

	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(p, &ps), 0);
	CU_ASSERT_STRING_EQUAL(ps.name, name);
	NB_TEST_ASSERT_INT_EQ(ps.lcore, g_main);
	NB_TEST_ASSERT_INT_EQ(ps.period_us, period);
	NB_TEST_ASSERT_INT_EQ(ps.runs, atomic_load(runs));
	NB_TEST_ASSERT_INT_EQ(ps.runs, 0);
	NB_TEST_ASSERT_INT_EQ(ps.busy_runs, 0);
}

static void
test_registration_kept(void)
{
	struct nb_reactor_stats rs;

	/* registered on main from the worker lcore and a pthread, stop,
	 * start: the pointers stay valid */
	NB_TEST_ASSERT_INT_EQ(init_both(0), 0);
	reg_remote_both();
	nb_reactors_stop();
	alarm(60);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	alarm(0);
	reg_check(g_reg.from_worker, "from-worker", 0, &g_reg.runs_w);
	reg_check(g_reg.from_thread, "from-pthread", 500, &g_reg.runs_t);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 2);
	/* fini frees them (the sanitizer build checks for leaks at exit) */
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);

	/* never started: readable until fini, which frees them */
	NB_TEST_ASSERT_INT_EQ(init_both(0), 0);
	reg_remote_both();
	reg_check(g_reg.from_worker, "from-worker", 0, &g_reg.runs_w);
	reg_check(g_reg.from_thread, "from-pthread", 500, &g_reg.runs_t);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
}

/*
 * 6. A call_all step parked on a full ring keeps its reactor awake
 *
 * Reactors L < H under the back-off policy, H's ring of 16. A driver on
 * L blocks H in a message, fills H's ring and starts a call_all from L:
 * step 1 runs on L and cannot be forwarded to H, so it parks on L. L has
 * nothing else (no poller, no timer: the watchdog is on H), so a reactor
 * that ignored the parked step would sleep its full second. H lets go
 * after PARK_HOLD_MS, drains, and the call must complete within
 * PARK_BOUND_MS of that.
 */
#define PARK_RING 16u
#define PARK_HOLD_MS 50u
#define PARK_BOUND_MS 200u

static struct {
	unsigned int lo;
	unsigned int hi;
	struct nb_poller *driver;
	atomic_bool blocked;
	atomic_uint steps;
	atomic_uint_fast64_t step1_tsc;
	atomic_uint_fast64_t release_tsc;
	atomic_uint_fast64_t done_tsc;
	atomic_uint_fast64_t filler_run;
	unsigned int filler_sent;
	int send_rc;
	int call_rc;
	unsigned int step_lcore[2];
	unsigned int done_lcore;
} g_park;

static void
park_step(void *arg)
{
	unsigned int i = atomic_fetch_add(&g_park.steps, 1);

	(void)arg;
	if (i < 2) {
		g_park.step_lcore[i] = rte_lcore_id();
	}
	if (i == 0) {
		atomic_store(&g_park.step1_tsc, rte_get_tsc_cycles());
	}
}

static void
park_done(void *arg)
{
	(void)arg;
	g_park.done_lcore = rte_lcore_id();
	atomic_store(&g_park.done_tsc, rte_get_tsc_cycles());
	nb_reactors_stop();
}

/*
 * On H: hold its ring full for PARK_HOLD_MS after step 1 ran on L (L
 * parks the step then; a reactor that ignores it is asleep by then).
 */
static void
park_block_msg(void *arg)
{
	uint64_t dl = rte_get_tsc_cycles() + ms_to_tsc(WAIT_MS);
	uint64_t t1;

	(void)arg;
	atomic_store(&g_park.blocked, true);
	while ((t1 = atomic_load(&g_park.step1_tsc)) == 0) {
		if (rte_get_tsc_cycles() > dl) {
			return;
		}
		rte_pause();
	}
	dl = t1 + ms_to_tsc(PARK_HOLD_MS);
	while (rte_get_tsc_cycles() < dl) {
		rte_pause();
	}
	atomic_store(&g_park.release_tsc, rte_get_tsc_cycles());
}

static int
park_driver(void *arg)
{
	(void)arg;
	g_park.send_rc = nb_reactor_send(g_park.hi, park_block_msg, NULL);
	if (g_park.send_rc != 0 || !wait_flag(&g_park.blocked, WAIT_MS)) {
		nb_reactors_stop();
		return NB_POLLER_BUSY;
	}
	while (g_park.filler_sent < 4 * PARK_RING &&
	       nb_reactor_send(g_park.hi, count_msg, &g_park.filler_run) == 0) {
		g_park.filler_sent++;
	}
	g_park.call_rc = nb_reactor_call_all(park_step, NULL, park_done, NULL);
	if (g_park.call_rc != 0) {
		nb_reactors_stop();
	}
	/* L is left with no poller and no timer */
	nb_poller_unregister(&g_park.driver);
	return NB_POLLER_BUSY;
}

static void
test_call_all_parked_backoff(void)
{
	unsigned int l[2] = { g_main, g_worker };
	struct nb_reactor_opts o;
	uint64_t wait_tsc;

	memset(&g_park, 0, sizeof(g_park));
	g_park.lo = RTE_MIN(g_main, g_worker);
	g_park.hi = RTE_MAX(g_main, g_worker);
	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = l;
	o.nb_lcores = 2;
	o.ring_size = PARK_RING;
	o.idle = NB_REACTOR_IDLE_BACKOFF;
	o.idle_spin_loops = 10;
	o.idle_pause_loops = 10;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), 0);
	g_park.driver = nb_poller_register(g_park.lo, park_driver, NULL, 1000,
					   "park-driver");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_park.driver);
	CU_ASSERT_PTR_NOT_NULL_FATAL(watchdog_register(g_park.hi, 20));
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	CU_ASSERT_FALSE(atomic_load(&g_watchdog_fired));
	NB_TEST_ASSERT_INT_EQ(g_park.send_rc, 0);
	CU_ASSERT(atomic_load(&g_park.blocked));
	/* the ring was full: PARK_RING slots (15 if it rounds down) */
	CU_ASSERT(g_park.filler_sent >= PARK_RING - 1 &&
		  g_park.filler_sent <= PARK_RING);
	NB_TEST_ASSERT_INT_EQ(g_park.call_rc, 0);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_park.steps), 2);
	NB_TEST_ASSERT_INT_EQ(g_park.step_lcore[0], g_park.lo);
	NB_TEST_ASSERT_INT_EQ(g_park.step_lcore[1], g_park.hi);
	NB_TEST_ASSERT_INT_EQ(g_park.done_lcore, g_park.lo);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_park.filler_run),
			      g_park.filler_sent);
	CU_ASSERT_FATAL(atomic_load(&g_park.release_tsc) != 0 &&
			atomic_load(&g_park.done_tsc) != 0);
	/* L forwarded the parked step as soon as H had room */
	wait_tsc = atomic_load(&g_park.done_tsc) -
		   atomic_load(&g_park.release_tsc);
	NB_TEST_ASSERT_MSG(tsc_to_ms(wait_tsc) < PARK_BOUND_MS,
			   "call_all completed %.1f ms after the ring had "
			   "room (bound %u ms)", tsc_to_ms(wait_tsc),
			   PARK_BOUND_MS);
	printf("\n  parked call_all: done %.3f ms after the ring had room\n",
	       tsc_to_ms(wait_tsc));
	fini_check();
}

/*
 * 7. Timed pollers keep their period on average (virtual clock)
 */

static void
test_timed_period_grid(void)
{
	static atomic_uint_fast64_t runs;
	const uint64_t reg_t = 77, period = 1000;
	struct nb_poller *p;
	uint64_t t, next;
	unsigned int i;

	atomic_store(&runs, 0);
	g_vnow = 0;
	NB_TEST_ASSERT_INT_EQ(nb_reactor_clock_set(vclock, 1000000), 0);
	NB_TEST_ASSERT_INT_EQ(init_lcores(&g_main, 1, 0, NB_REACTOR_IDLE_SPIN),
			      0);
	g_vnow = reg_t;		/* the grid: 77 + k * 1000 */
	p = nb_poller_register(g_main, count_poller, &runs, period, "grid");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);

	/* a loop every 300 us for 120 ms: late runs do not move the grid */
	for (i = 0; i < 400; i++) {
		poll_at(g_vnow + 300);
	}
	NB_TEST_ASSERT_INT_EQ(g_vnow, reg_t + 120000);
	NB_TEST_ASSERT_MSG(atomic_load(&runs) >= 119 &&
			   atomic_load(&runs) <= 121,
			   "a 1000 us poller ran %" PRIu64 " times in 120 ms "
			   "of 300 us loops, expected 120 +-1",
			   (uint64_t)atomic_load(&runs));

	/* a stall of 10.5 periods: one run, however often it polls */
	atomic_store(&runs, 0);
	t = g_vnow + 10 * period + period / 2;	/* 130577 */
	for (i = 0; i < 10; i++) {
		poll_at(t);
	}
	NB_TEST_ASSERT_INT_EQ(atomic_load(&runs), 1);
	/* the next run is on the grid: the next grid point after now */
	next = reg_t + ((t - reg_t) / period + 1) * period;	/* 131077 */
	poll_at(next - 1);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&runs), 1);
	poll_at(next);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&runs), 2);
	poll_at(next + period - 1);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&runs), 2);
	poll_at(next + period);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&runs), 3);

	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&p), 0);
	fini_check();
	nb_reactor_clock_set(NULL, 0);
}

/*
 * Review findings (each failed on the code before its fix)
 */

/*
 * Two pollers passing a token: each pauses itself and resumes the other,
 * so a pass that followed the list to its end would never end. A pass runs
 * at most the pollers it began with. Each poller gives up after TOKEN_MAX
 * runs so that the old code ends too (and fails the count).
 */
#define TOKEN_MAX 100000u

struct token {
	struct nb_poller *self;
	struct token *other;
	unsigned int runs;
};

static int
token_poller(void *arg)
{
	struct token *t = arg;

	if (++t->runs < TOKEN_MAX) {
		nb_poller_pause(t->self);
		nb_poller_resume(t->other->self);
	}
	return NB_POLLER_BUSY;
}

/* A poller that replaces itself every run (unregister, register anew). */
static struct nb_poller *g_phoenix;
static unsigned int g_phoenix_runs;

static int
phoenix_poller(void *arg)
{
	(void)arg;
	if (++g_phoenix_runs < TOKEN_MAX) {
		nb_poller_unregister(&g_phoenix);
		g_phoenix = nb_poller_register(g_main, phoenix_poller, NULL, 0,
					       "phoenix");
	}
	return NB_POLLER_BUSY;
}

/* mover pauses and resumes moved (to the tail) in each of its runs */
static struct nb_poller *g_mover, *g_moved;
static unsigned int g_mover_runs, g_moved_runs;

static int
moved_poller(void *arg)
{
	(void)arg;
	g_moved_runs++;
	return NB_POLLER_IDLE;
}

static int
mover_poller(void *arg)
{
	(void)arg;
	g_mover_runs++;
	nb_poller_pause(g_moved);
	nb_poller_resume(g_moved);
	return NB_POLLER_IDLE;
}

static void
test_pass_ends(void)
{
	struct token a = { 0 }, b = { 0 };
	struct nb_reactor_stats rs;

	g_vnow = 0;
	NB_TEST_ASSERT_INT_EQ(nb_reactor_clock_set(vclock, 1000000), 0);
	NB_TEST_ASSERT_INT_EQ(init_lcores(&g_main, 1, 0, NB_REACTOR_IDLE_SPIN),
			      0);
	a.other = &b;
	b.other = &a;
	a.self = nb_poller_register(g_main, token_poller, &a, 0, "token-a");
	b.self = nb_poller_register(g_main, token_poller, &b, 0, "token-b");
	CU_ASSERT_FATAL(a.self != NULL && b.self != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_poller_pause(b.self), 0);
	/* one loop: a runs, resumes b (added at the tail), b waits */
	NB_TEST_ASSERT_INT_EQ(poll_at(1), 1);
	NB_TEST_ASSERT_INT_EQ(a.runs + b.runs, 1);
	NB_TEST_ASSERT_INT_EQ(poll_at(2), 1);
	NB_TEST_ASSERT_INT_EQ(a.runs + b.runs, 2);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&a.self), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&b.self), 0);

	g_phoenix_runs = 0;
	g_phoenix = nb_poller_register(g_main, phoenix_poller, NULL, 0,
				       "phoenix");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_phoenix);
	NB_TEST_ASSERT_INT_EQ(poll_at(3), 1);
	NB_TEST_ASSERT_INT_EQ(g_phoenix_runs, 1);
	NB_TEST_ASSERT_INT_EQ(poll_at(4), 1);
	NB_TEST_ASSERT_INT_EQ(g_phoenix_runs, 2);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 1);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&g_phoenix), 0);

	/* a poller moved to the tail by an earlier callback every pass (paused
	 * and resumed) still runs every pass: the bound is a count, not the
	 * old tail */
	g_mover_runs = 0;
	g_moved_runs = 0;
	g_moved = nb_poller_register(g_main, moved_poller, NULL, 0, "moved");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_moved);
	g_mover = nb_poller_register(g_main, mover_poller, NULL, 0, "mover");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_mover);
	/* list: moved, mover; then mover moves moved behind itself */
	for (unsigned int i = 0; i < 10; i++) {
		poll_at(5 + i);
	}
	NB_TEST_ASSERT_INT_EQ(g_mover_runs, 10);
	NB_TEST_ASSERT_INT_EQ(g_moved_runs, 10);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&g_moved), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&g_mover), 0);
	fini_check();
	nb_reactor_clock_set(NULL, 0);
}

/*
 * A timed poller that pauses and resumes itself in its callback restarts
 * its grid at the resume (as a resume anywhere else does); with
 * opts.poller_tsc the first timed poller of a loop is charged from the end
 * of the active pass, not from the loop's start.
 */
static unsigned int g_regrid_runs;
static struct nb_poller *g_regrid;

static int
regrid_poller(void *arg)
{
	(void)arg;
	if (++g_regrid_runs == 1) {
		g_vnow += 500;		/* the resume comes 500 us later */
		nb_poller_pause(g_regrid);
		nb_poller_resume(g_regrid);
	}
	return NB_POLLER_IDLE;
}

static int
slow_active_poller(void *arg)
{
	(void)arg;
	g_vnow += 1000;			/* 1 ms of work */
	return NB_POLLER_BUSY;
}

static int
quick_poller(void *arg)
{
	(void)arg;
	return NB_POLLER_IDLE;
}

static void
test_timers_regrid_tsc(void)
{
	struct nb_reactor_opts o;
	struct nb_poller_stats ps;
	struct nb_poller *slow, *quick;
	unsigned int i;

	g_vnow = 0;
	NB_TEST_ASSERT_INT_EQ(nb_reactor_clock_set(vclock, 1000000), 0);
	NB_TEST_ASSERT_INT_EQ(init_lcores(&g_main, 1, 0, NB_REACTOR_IDLE_SPIN),
			      0);
	g_regrid_runs = 0;
	g_regrid = nb_poller_register(g_main, regrid_poller, NULL, 1000,
				      "regrid");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_regrid);
	poll_at(1000);			/* runs; resumed at 1500 */
	NB_TEST_ASSERT_INT_EQ(g_regrid_runs, 1);
	poll_at(2000);			/* the old grid: not due any more */
	NB_TEST_ASSERT_INT_EQ(g_regrid_runs, 1);
	poll_at(2499);
	NB_TEST_ASSERT_INT_EQ(g_regrid_runs, 1);
	poll_at(2500);			/* resume + period */
	NB_TEST_ASSERT_INT_EQ(g_regrid_runs, 2);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&g_regrid), 0);
	fini_check();

	g_vnow = 0;
	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = &g_main;
	o.nb_lcores = 1;
	o.poller_tsc = true;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), 0);
	slow = nb_poller_register(g_main, slow_active_poller, NULL, 0, "slow");
	quick = nb_poller_register(g_main, quick_poller, NULL, 100, "quick");
	CU_ASSERT_FATAL(slow != NULL && quick != NULL);
	for (i = 1; i <= 20; i++) {
		poll_at(g_vnow + 100);	/* quick is due every loop */
	}
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(quick, &ps), 0);
	NB_TEST_ASSERT_MSG(ps.runs >= 19, "quick ran %" PRIu64 " times",
			   ps.runs);
	NB_TEST_ASSERT_MSG(ps.idle_tsc == 0 && ps.busy_tsc == 0,
			   "quick charged %" PRIu64 " idle, %" PRIu64 " busy "
			   "ticks: the active pass's time", ps.idle_tsc,
			   ps.busy_tsc);
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(slow, &ps), 0);
	NB_TEST_ASSERT_INT_EQ(ps.busy_tsc, 20 * 1000);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&slow), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&quick), 0);
	fini_check();
	nb_reactor_clock_set(NULL, 0);
}

/*
 * A call_all step waiting for room is retried every loop; the retries are
 * not sends the application had refused (msgs_refused counts those).
 */
static atomic_uint g_ca_steps, g_ca_done;

static void
ca_step(void *arg)
{
	(void)arg;
	atomic_fetch_add(&g_ca_steps, 1);
}

static void
ca_done(void *arg)
{
	(void)arg;
	atomic_fetch_add(&g_ca_done, 1);
}

static int
worker_run_n(void *arg)
{
	unsigned int n = *(unsigned int *)arg, i;

	for (i = 0; i < n; i++) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	return 0;
}

static void
test_call_all_retries_not_refused(void)
{
	struct nb_reactor_stats rs;
	atomic_uint_fast64_t cnt = 0;
	unsigned int i, refused = 0, loops = 4;

	atomic_store(&g_ca_steps, 0);
	atomic_store(&g_ca_done, 0);
	NB_TEST_ASSERT_INT_EQ(init_both(16), 0);
	/* fill the worker's ring; the application's one refusal */
	while (nb_reactor_send(g_worker, count_msg, &cnt) == 0) {
	}
	refused++;
	NB_TEST_ASSERT_INT_EQ(nb_reactor_call_all(ca_step, NULL, ca_done, NULL),
			      0);
	for (i = 0; i < 100; i++) {	/* main's step, then 99 retries */
		nb_reactor_poll_once(rte_rdtsc());
	}
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_ca_steps), g_main < g_worker ? 1 : 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_refused, refused);
	/* room again: the step goes on, done comes back */
	CU_ASSERT_FATAL(rte_eal_remote_launch(worker_run_n, &loops,
					      g_worker) == 0);
	rte_eal_wait_lcore(g_worker);
	for (i = 0; i < 4; i++) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	CU_ASSERT_FATAL(rte_eal_remote_launch(worker_run_n, &loops,
					      g_worker) == 0);
	rte_eal_wait_lcore(g_worker);
	for (i = 0; i < 4; i++) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_ca_steps), 2);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_ca_done), 1);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_refused, refused);
	fini_check();
}

static const CU_TestInfo tests[] = {
	{ "control_owner_only", test_control_owner_only },
	{ "control_race", test_control_race },
	{ "fini_while_running", test_fini_while_running },
	{ "stop_before_start", test_stop_before_start },
	{ "registration_kept", test_registration_kept },
	{ "call_all_parked_backoff", test_call_all_parked_backoff },
	{ "timed_period_grid", test_timed_period_grid },
	{ "pass_ends", test_pass_ends },
	{ "timers_regrid_tsc", test_timers_regrid_tsc },
	{ "call_all_retries_not_refused", test_call_all_retries_not_refused },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	int ret;

	ret = nb_test_env_init_two_lcores(&g_worker);
	if (ret != 0) {
		fprintf(stderr, "test_reactor_life: nb_env_init: %s\n",
			strerror(-ret));
		return NB_TEST_EXIT_ERROR;
	}
	g_main = rte_get_main_lcore();
	if (g_worker >= RTE_MAX_LCORE) {
		fprintf(stderr, "test_reactor_life: needs two lcores\n");
		nb_env_fini();
		return NB_TEST_EXIT_ERROR;
	}
	ret = nb_test_main(argc, argv, "reactor_life", tests);
	nb_env_fini();
	return ret;
}
