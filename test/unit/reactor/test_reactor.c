/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/reactor (nb_reactor.h): bad input, active and timed
 * pollers under a virtual clock (exact run counts, no sleeping),
 * unregister from inside a callback, pause/resume, message order per
 * sender, -EAGAIN and recovery, send_bulk, call_all, messages from a
 * pthread and through a channel, stop from a signal handler, stop with
 * queued messages (the pool audits 0 missing), two real lcores exchanging
 * millions of messages under backpressure, and the idle back-off waking on
 * a message within a bound.
 *
 * main() brings EAL up once with two lcores; every case initialises the
 * reactors it needs and finalises them.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "nb_env.h"
#include "nb_reactor.h"
#include "nb_test.h"

static unsigned int g_worker = RTE_MAX_LCORE;
static unsigned int g_main;

/*
 * Helpers
 */

/* The virtual clock: 1 tick = 1 us (SPDK's spdk_delay_us pattern). */
static uint64_t g_vnow;

static uint64_t
vclock(void)
{
	return g_vnow;
}

static void
vclock_on(void)
{
	g_vnow = 0;
	nb_reactor_clock_set(vclock, 1000000);
}

static void
vclock_off(void)
{
	nb_reactor_clock_set(NULL, 0);
}

/* Advance the virtual clock by @us and run one loop. */
static int
delay_us_poll(uint64_t us)
{
	g_vnow += us;
	return nb_reactor_poll_once(g_vnow);
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
init_main_only(unsigned int ring)
{
	return init_lcores(&g_main, 1, ring, NB_REACTOR_IDLE_SPIN);
}

static int
init_both(unsigned int ring, enum nb_reactor_idle_policy idle)
{
	unsigned int l[2] = { g_main, g_worker };

	return init_lcores(l, 2, ring, idle);
}

/* Stop, check the message pool audit, fini. */
static void
fini_audit(void)
{
	nb_reactors_stop();
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
}

static uint64_t
poller_runs(const struct nb_poller *p)
{
	struct nb_poller_stats s;

	if (nb_poller_stats_get(p, &s) != 0) {
		return UINT64_MAX;
	}
	return s.runs;
}

/*
 * A timed poller on the main reactor that stops everything after @secs:
 * a test whose reactors never stop fails its assertions instead of hanging.
 */
static bool g_watchdog_fired;

static int
watchdog_poller(void *arg)
{
	(void)arg;
	g_watchdog_fired = true;
	nb_reactors_stop();
	return NB_POLLER_BUSY;
}

static struct nb_poller *
watchdog_register(uint64_t secs)
{
	g_watchdog_fired = false;
	return nb_poller_register(g_main, watchdog_poller, NULL,
				  secs * 1000000, "watchdog");
}

static int
count_poller(void *arg)
{
	(*(uint64_t *)arg)++;
	return NB_POLLER_BUSY;
}

static int
idle_poller(void *arg)
{
	(*(uint64_t *)arg)++;
	return NB_POLLER_IDLE;
}

static void
count_msg(void *arg)
{
	atomic_fetch_add((atomic_uint_fast64_t *)arg, 1);
}

/*
 * Bad input
 */

static void
test_bad_input(void)
{
	struct nb_reactor_opts o;
	struct nb_poller *p;
	uint64_t n = 0;
	unsigned int bad = RTE_MAX_LCORE + 5;

	/* before init */
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_poller_register(g_main, count_poller, &n, 0, "x"));
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENODEV);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg, &n), -ENODEV);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_poll_once(0), -ENODEV);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), -ENODEV);
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_reactor_channel_create(g_main));
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENODEV);

	/* bad options */
	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = &bad;
	o.nb_lcores = 1;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), -EINVAL);
	nb_reactor_opts_init(&o, sizeof(o));
	o.ring_size = 1;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), -EINVAL);
	nb_reactor_opts_init(&o, sizeof(o));
	o.opts_size = 3;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), -EINVAL);
	{
		unsigned int dup[2] = { g_main, g_main };

		nb_reactor_opts_init(&o, sizeof(o));
		o.lcores = dup;
		o.nb_lcores = 2;
		NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), -EINVAL);
	}

	/* NULL: the defaults (every EAL lcore) */
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(NULL), -EALREADY);
	{
		struct nb_reactor_stats s;

		NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &s), 0);
		NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &s), 0);
	}

	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_poller_register(bad, count_poller, &n, 0, "x"));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_poller_register(g_main, NULL, &n, 0, "x"));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_poller_register(g_main, count_poller, &n,
					      UINT64_MAX, "x"));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_poller_register(g_main, count_poller, &n,
					      UINT64_MAX / 1000, "x"));
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);

	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(bad, count_msg, &n), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, NULL, &n), -EINVAL);
	{
		struct nb_msg m[2] = { { count_msg, &n }, { NULL, &n } };

		NB_TEST_ASSERT_INT_EQ(nb_reactor_send_bulk(g_main, m, 2),
				      -EINVAL);
	}
	CU_ASSERT_PTR_NULL(nb_reactor_channel_create(bad));
	NB_TEST_ASSERT_INT_EQ(nb_poller_pause(NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_poller_resume(NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(NULL), -EINVAL);

	/* unregister twice */
	p = nb_poller_register(g_main, count_poller, &n, 0, "twice");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&p), 0);
	CU_ASSERT_PTR_NULL(p);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&p), -EINVAL);

	/* after stop */
	nb_reactors_stop();
	CU_ASSERT(nb_reactors_stopping());
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg, &n),
			      -ESHUTDOWN);
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_poller_register(g_main, count_poller, &n, 0,
					      "late"));
	NB_TEST_ASSERT_INT_EQ(rte_errno, ESHUTDOWN);
	rte_errno = 0;
	CU_ASSERT_PTR_NULL(nb_reactor_channel_create(g_main));
	NB_TEST_ASSERT_INT_EQ(rte_errno, ESHUTDOWN);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 0);
	nb_reactors_fini();
}

/*
 * Pollers under the virtual clock
 */

static void
test_pollers_virtual_clock(void)
{
	struct nb_poller *a, *b, *c, *idle;
	struct nb_reactor_stats rs;
	struct nb_poller_stats ps;
	uint64_t na = 0, nb = 0, nc = 0, ni = 0;
	int i;

	vclock_on();
	NB_TEST_ASSERT_INT_EQ(init_main_only(0), 0);
	a = nb_poller_register(g_main, count_poller, &na, 0, "active");
	b = nb_poller_register(g_main, count_poller, &nb, 10, "t10");
	c = nb_poller_register(g_main, count_poller, &nc, 25, "t25");
	idle = nb_poller_register(g_main, idle_poller, &ni, 7, "idle7");
	CU_ASSERT_FATAL(a != NULL && b != NULL && c != NULL && idle != NULL);

	for (i = 0; i < 100; i++) {
		CU_ASSERT(delay_us_poll(1) >= 1);
	}
	/* at t = 1..100: every loop, t = 10k, t = 25k, t = 7k */
	NB_TEST_ASSERT_INT_EQ(na, 100);
	NB_TEST_ASSERT_INT_EQ(nb, 10);
	NB_TEST_ASSERT_INT_EQ(nc, 4);
	NB_TEST_ASSERT_INT_EQ(ni, 14);
	NB_TEST_ASSERT_INT_EQ(poller_runs(b), 10);

	/*
	 * A jump of 35 us: each due poller runs once (the missed periods
	 * are skipped, not run back to back) and stays on its grid.
	 */
	CU_ASSERT(delay_us_poll(35) >= 1);	/* t = 135 */
	NB_TEST_ASSERT_INT_EQ(nb, 11);
	NB_TEST_ASSERT_INT_EQ(nc, 5);
	CU_ASSERT(delay_us_poll(4) >= 1);	/* t = 139: t10 next at 140 */
	NB_TEST_ASSERT_INT_EQ(nb, 11);
	CU_ASSERT(delay_us_poll(1) >= 1);	/* t = 140, not 145 */
	NB_TEST_ASSERT_INT_EQ(nb, 12);
	NB_TEST_ASSERT_INT_EQ(nc, 5);		/* t25 next at 150 */

	/* A poller that returns idle: stats say so. */
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(idle, &ps), 0);
	NB_TEST_ASSERT_INT_EQ(ps.busy_runs, 0);
	NB_TEST_ASSERT_INT_EQ(ps.runs, ni);
	CU_ASSERT_STRING_EQUAL(ps.name, "idle7");
	NB_TEST_ASSERT_INT_EQ(ps.period_us, 7);
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(a, &ps), 0);
	NB_TEST_ASSERT_INT_EQ(ps.busy_runs, na);

	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.loops, 103);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 4);

	/* Only the idle poller left: loops report idle (0). */
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&b), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&c), 0);
	NB_TEST_ASSERT_INT_EQ(delay_us_poll(1), 0);
	NB_TEST_ASSERT_INT_EQ(na, 100 + 3);
	NB_TEST_ASSERT_INT_EQ(nb, 12);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 1);
	/*
	 * A loop's time runs to the next loop's start: loops at t = 1..100,
	 * 135, 139, 140 did work, so t = 1..141 is busy; the loop at 141 did
	 * none, so 141..145 is idle.
	 */
	NB_TEST_ASSERT_INT_EQ(rs.busy_tsc, 140);
	NB_TEST_ASSERT_INT_EQ(rs.idle_tsc, 0);
	NB_TEST_ASSERT_INT_EQ(delay_us_poll(4), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.busy_tsc, 140);
	NB_TEST_ASSERT_INT_EQ(rs.idle_tsc, 4);

	/* Many timed pollers: the heap keeps each on its own period. */
	{
		struct nb_poller *many[64];
		uint64_t cnt[64] = { 0 };
		unsigned int k;

		for (k = 0; k < 64; k++) {
			many[k] = nb_poller_register(g_main, count_poller,
						     &cnt[k], k + 1, "many");
			CU_ASSERT_PTR_NOT_NULL_FATAL(many[k]);
		}
		for (i = 0; i < 1000; i++) {
			delay_us_poll(1);
		}
		for (k = 0; k < 64; k++) {
			NB_TEST_ASSERT_INT_EQ(cnt[k], 1000 / (k + 1));
			NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&many[k]), 0);
		}
	}
	fini_audit();
	vclock_off();
}

/*
 * Unregister from inside a callback, and pollers unregistering others
 */

struct selfun {
	struct nb_poller *self;
	struct nb_poller *other;
	uint64_t runs;
	uint64_t stop_at;
};

static int
self_unreg_poller(void *arg)
{
	struct selfun *s = arg;

	s->runs++;
	if (s->runs == s->stop_at) {
		CU_ASSERT(nb_poller_unregister(&s->self) == 0);
		CU_ASSERT_PTR_NULL(s->self);
		if (s->other != NULL) {
			CU_ASSERT(nb_poller_unregister(&s->other) == 0);
		}
	}
	return NB_POLLER_BUSY;
}

static void
test_unregister_in_callback(void)
{
	struct selfun act = { .stop_at = 3 }, tim = { .stop_at = 2 };
	uint64_t n_other = 0, n_timed_other = 0;
	struct nb_reactor_stats rs;
	int i;

	vclock_on();
	NB_TEST_ASSERT_INT_EQ(init_main_only(0), 0);
	act.self = nb_poller_register(g_main, self_unreg_poller, &act, 0,
				      "self-active");
	/* registered after: next on the active list, removed by act */
	act.other = nb_poller_register(g_main, count_poller, &n_other, 0,
				       "other-active");
	tim.self = nb_poller_register(g_main, self_unreg_poller, &tim, 5,
				      "self-timed");
	tim.other = nb_poller_register(g_main, count_poller, &n_timed_other,
				       5, "other-timed");
	CU_ASSERT_FATAL(act.self && act.other && tim.self && tim.other);
	for (i = 0; i < 50; i++) {
		delay_us_poll(1);
	}
	NB_TEST_ASSERT_INT_EQ(act.runs, 3);
	/* other-active ran in loops 1 and 2, not in loop 3 */
	NB_TEST_ASSERT_INT_EQ(n_other, 2);
	NB_TEST_ASSERT_INT_EQ(tim.runs, 2);
	/* both timed ones are due at t = 5, 10: the other one ran at 5, and
	 * at 10 only when it came first out of the heap */
	CU_ASSERT(n_timed_other == 1 || n_timed_other == 2);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 0);
	fini_audit();
	vclock_off();
}

/*
 * Pause and resume
 */

static void
test_pause_resume(void)
{
	struct nb_poller *a, *t;
	struct nb_poller_stats ps;
	uint64_t na = 0, nt = 0;
	int i;

	vclock_on();
	NB_TEST_ASSERT_INT_EQ(init_main_only(0), 0);
	a = nb_poller_register(g_main, count_poller, &na, 0, "a");
	t = nb_poller_register(g_main, count_poller, &nt, 10, "t");
	CU_ASSERT_FATAL(a != NULL && t != NULL);
	for (i = 0; i < 5; i++) {
		delay_us_poll(1);	/* t = 1..5 */
	}
	NB_TEST_ASSERT_INT_EQ(nb_poller_pause(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_pause(a), 0);	/* idempotent */
	NB_TEST_ASSERT_INT_EQ(nb_poller_pause(t), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_stats_get(t, &ps), 0);
	CU_ASSERT(ps.paused);
	for (i = 0; i < 25; i++) {
		delay_us_poll(1);	/* t = 6..30 */
	}
	NB_TEST_ASSERT_INT_EQ(na, 5);
	NB_TEST_ASSERT_INT_EQ(nt, 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_resume(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_resume(t), 0);	/* next at 40 */
	NB_TEST_ASSERT_INT_EQ(nb_poller_resume(t), 0);	/* no change */
	for (i = 0; i < 9; i++) {
		delay_us_poll(1);	/* t = 31..39 */
	}
	NB_TEST_ASSERT_INT_EQ(na, 14);
	NB_TEST_ASSERT_INT_EQ(nt, 0);
	delay_us_poll(1);		/* t = 40 */
	NB_TEST_ASSERT_INT_EQ(nt, 1);
	/* pause then resume in the same loop-free window: keeps running */
	NB_TEST_ASSERT_INT_EQ(nb_poller_pause(a), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_resume(a), 0);
	delay_us_poll(1);
	NB_TEST_ASSERT_INT_EQ(na, 16);
	/* unregister a paused poller */
	NB_TEST_ASSERT_INT_EQ(nb_poller_pause(t), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&t), 0);
	NB_TEST_ASSERT_INT_EQ(nb_poller_unregister(&a), 0);
	fini_audit();
	vclock_off();
}

/*
 * Poller control from another thread: refused (-EPERM, nothing changes);
 * the way is a message that makes the call on the owner
 */

struct remote_ctl {
	struct nb_poller *p;
	uint64_t *runs;
	int op;			/* see remote_ctl_thread() */
	int rc;			/* of the call, or of the send */
	int msg_rc;		/* of the call made by the message */
};

static void
msg_ctl_pause(void *arg)
{
	struct remote_ctl *c = arg;

	c->msg_rc = nb_poller_pause(c->p);
}

static void
msg_ctl_resume(void *arg)
{
	struct remote_ctl *c = arg;

	c->msg_rc = nb_poller_resume(c->p);
}

static void
msg_ctl_unreg(void *arg)
{
	struct remote_ctl *c = arg;

	c->msg_rc = nb_poller_unregister(&c->p);
}

static void *
remote_ctl_thread(void *arg)
{
	static const nb_msg_fn msg_ops[] = {
		msg_ctl_pause, msg_ctl_resume, msg_ctl_unreg,
	};
	struct remote_ctl *c = arg;

	switch (c->op) {
	case 0:
		c->p = nb_poller_register(g_main, count_poller, c->runs, 0,
					  "remote");
		c->rc = c->p != NULL ? 0 : -rte_errno;
		break;
	case 1:
		c->rc = nb_poller_pause(c->p);
		break;
	case 2:
		c->rc = nb_poller_resume(c->p);
		break;
	case 3:
		c->rc = nb_poller_unregister(&c->p);
		break;
	default:		/* 4, 5, 6: the same through a message */
		c->rc = nb_reactor_send(g_main, msg_ops[c->op - 4], c);
		break;
	}
	return NULL;
}

static int
remote_op(struct remote_ctl *c, int op)
{
	pthread_t th;

	c->op = op;
	c->rc = -1;
	c->msg_rc = -1;
	if (pthread_create(&th, NULL, remote_ctl_thread, c) != 0) {
		return -1;
	}
	pthread_join(th, NULL);
	return c->rc;
}

static void
test_remote_control(void)
{
	struct remote_ctl c = { 0 };
	struct nb_poller *copy;
	struct nb_reactor_stats rs;
	uint64_t runs = 0;
	int i;

	vclock_on();
	NB_TEST_ASSERT_INT_EQ(init_main_only(0), 0);
	c.runs = &runs;
	/* registered from a pthread: queued until the owner's next loop */
	NB_TEST_ASSERT_INT_EQ(remote_op(&c, 0), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.p);
	NB_TEST_ASSERT_INT_EQ(runs, 0);
	delay_us_poll(1);	/* the message adds it; it runs in this loop */
	NB_TEST_ASSERT_INT_EQ(runs, 1);
	delay_us_poll(1);
	NB_TEST_ASSERT_INT_EQ(runs, 2);

	/* pause, resume, unregister from a pthread: -EPERM, nothing moves */
	copy = c.p;
	NB_TEST_ASSERT_INT_EQ(remote_op(&c, 1), -EPERM);
	NB_TEST_ASSERT_INT_EQ(remote_op(&c, 2), -EPERM);
	NB_TEST_ASSERT_INT_EQ(remote_op(&c, 3), -EPERM);
	CU_ASSERT_PTR_EQUAL(c.p, copy);	/* *pp kept */
	for (i = 0; i < 5; i++) {
		delay_us_poll(1);
	}
	NB_TEST_ASSERT_INT_EQ(runs, 7);

	/* the same carried by messages: the owner makes the calls */
	NB_TEST_ASSERT_INT_EQ(remote_op(&c, 4), 0);	/* pause */
	NB_TEST_ASSERT_INT_EQ(c.msg_rc, -1);		/* not run yet */
	delay_us_poll(1);	/* runs the message, then the pass */
	NB_TEST_ASSERT_INT_EQ(c.msg_rc, 0);
	NB_TEST_ASSERT_INT_EQ(runs, 7);
	for (i = 0; i < 5; i++) {
		delay_us_poll(1);
	}
	NB_TEST_ASSERT_INT_EQ(runs, 7);
	NB_TEST_ASSERT_INT_EQ(remote_op(&c, 5), 0);	/* resume */
	for (i = 0; i < 5; i++) {
		delay_us_poll(1);
	}
	NB_TEST_ASSERT_INT_EQ(c.msg_rc, 0);
	NB_TEST_ASSERT_INT_EQ(runs, 12);
	NB_TEST_ASSERT_INT_EQ(remote_op(&c, 6), 0);	/* unregister */
	CU_ASSERT_PTR_NOT_NULL(c.p);	/* until the owner runs it */
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 1);
	delay_us_poll(1);
	NB_TEST_ASSERT_INT_EQ(c.msg_rc, 0);
	CU_ASSERT_PTR_NULL(c.p);
	NB_TEST_ASSERT_INT_EQ(runs, 12);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.nb_pollers, 0);
	/* register, pause, resume, unregister: 4 messages, none refused */
	NB_TEST_ASSERT_INT_EQ(rs.msgs_run, 4);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_refused, 0);
	fini_audit();
	vclock_off();
}

/*
 * Messages: order per sender, from a worker lcore and a pthread at once
 */

#define ORDER_N 50000u

/* Senders give up when the test gives up (deadline). */
static atomic_bool g_order_abort;

struct order_sender {
	unsigned int id;
	atomic_uint_fast64_t *expect;	/* next sequence per sender */
	atomic_uint_fast64_t errors;
	uint64_t eagain;
	uint64_t seq;
	struct nb_reactor_channel *ch;	/* send through it when set */
};

static struct order_sender g_senders[3];

/* arg encodes sender id (top 8 bits) and sequence */
static void
order_msg(void *arg)
{
	uintptr_t v = (uintptr_t)arg;
	unsigned int id = (unsigned int)(v >> 56);
	uint64_t seq = v & ((1ull << 56) - 1);
	struct order_sender *s = &g_senders[id];

	if (atomic_load(s->expect) != seq) {
		atomic_fetch_add(&s->errors, 1);
	}
	atomic_store(s->expect, seq + 1);
}

static atomic_uint_fast64_t g_expect[3];

static void *
order_send_loop(void *arg)
{
	struct order_sender *s = arg;

	while (s->seq < ORDER_N && !atomic_load(&g_order_abort)) {
		void *m = (void *)(((uintptr_t)s->id << 56) | s->seq);
		int rc = s->ch != NULL ?
			 nb_reactor_channel_send(s->ch, order_msg, m) :
			 nb_reactor_send(g_main, order_msg, m);

		if (rc == 0) {
			s->seq++;
		} else if (rc == -EAGAIN) {
			/* more spinning threads than cores: let the reactor run */
			s->eagain++;
			sched_yield();
		} else {
			atomic_fetch_add(&s->errors, 1000000);
			break;
		}
	}
	return NULL;
}

static int
order_lcore(void *arg)
{
	order_send_loop(arg);
	return 0;
}

static struct nb_reactor_channel *g_chan_for_thread;
static atomic_bool g_chan_ready;

static void *
order_chan_thread(void *arg)
{
	struct order_sender *s = arg;

	s->ch = nb_reactor_channel_create(g_main);
	atomic_store(&g_chan_ready, true);
	if (s->ch == NULL) {
		atomic_fetch_add(&s->errors, 1000000);
		return NULL;
	}
	order_send_loop(s);
	nb_reactor_channel_destroy(s->ch);
	return NULL;
}

static void
test_msg_order_pthread_channel(void)
{
	pthread_t th_plain, th_chan;
	unsigned int i;
	uint64_t deadline;
	struct nb_reactor_stats rs;

	NB_TEST_ASSERT_INT_EQ(init_main_only(256), 0);
	memset(g_senders, 0, sizeof(g_senders));
	for (i = 0; i < 3; i++) {
		g_senders[i].id = i;
		atomic_store(&g_expect[i], 0);
		g_senders[i].expect = &g_expect[i];
	}
	atomic_store(&g_chan_ready, false);
	atomic_store(&g_order_abort, false);
	g_chan_for_thread = NULL;
	/* sender 0: the worker lcore; 1: a plain pthread; 2: a channel */
	CU_ASSERT_FATAL(rte_eal_remote_launch(order_lcore, &g_senders[0],
					      g_worker) == 0);
	CU_ASSERT_FATAL(pthread_create(&th_plain, NULL, order_send_loop,
				       &g_senders[1]) == 0);
	CU_ASSERT_FATAL(pthread_create(&th_chan, NULL, order_chan_thread,
				       &g_senders[2]) == 0);
	deadline = rte_get_tsc_cycles() + 30 * rte_get_tsc_hz();
	while ((atomic_load(&g_expect[0]) < ORDER_N ||
		atomic_load(&g_expect[1]) < ORDER_N ||
		atomic_load(&g_expect[2]) < ORDER_N) &&
	       rte_get_tsc_cycles() < deadline) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	atomic_store(&g_order_abort, true);
	rte_eal_wait_lcore(g_worker);
	pthread_join(th_plain, NULL);
	pthread_join(th_chan, NULL);
	/* the closed channel is freed by the reactor once drained */
	for (i = 0; i < 10; i++) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	for (i = 0; i < 3; i++) {
		NB_TEST_ASSERT_INT_EQ(atomic_load(&g_expect[i]), ORDER_N);
		NB_TEST_ASSERT_INT_EQ(atomic_load(&g_senders[i].errors), 0);
	}
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_run, 3 * ORDER_N);
	printf("\n  order: -EAGAIN retries lcore %" PRIu64 " pthread %" PRIu64
	       " channel %" PRIu64 "\n", g_senders[0].eagain,
	       g_senders[1].eagain, g_senders[2].eagain);
	fini_audit();
}

/*
 * -EAGAIN when a ring is full, and recovery; send_bulk all or none; many
 * channels leave the reactor's ring whole
 */

static void
test_eagain_recovery(void)
{
	atomic_uint_fast64_t cnt = 0;
	struct nb_reactor_stats rs;
	struct nb_msg bulk[20];
	unsigned int i;

	/* ring of 16 (the main lcore sends itself: its own queue) */
	NB_TEST_ASSERT_INT_EQ(init_main_only(16), 0);
	for (i = 0; i < 16; i++) {
		NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg, &cnt), 0);
	}
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg, &cnt), -EAGAIN);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_refused, 1);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 16);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_poll_once(rte_rdtsc()), 16);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&cnt), 16);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg, &cnt), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_poll_once(rte_rdtsc()), 1);

	/* bulk: all or none; more than the ring can ever hold: -EINVAL */
	for (i = 0; i < 20; i++) {
		bulk[i].fn = count_msg;
		bulk[i].arg = &cnt;
	}
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send_bulk(g_main, bulk, 20), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send_bulk(g_main, bulk, 10), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send_bulk(g_main, bulk, 10), -EAGAIN);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 10);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send_bulk(g_main, bulk, 6), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send_bulk(g_main, bulk, 0), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_poll_once(rte_rdtsc()), 16);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&cnt), 33);
	/* fini with messages queued: released without running */
	for (i = 0; i < 10; i++) {
		NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, count_msg, &cnt), 0);
	}
	nb_reactors_stop();
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 10);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&cnt), 33);
}

/* Messages that check they run once each, in the order sent. */
static atomic_uint_fast64_t g_seq_next;
static atomic_uint_fast64_t g_seq_bad;

static void
seq_msg(void *arg)
{
	uint64_t want = atomic_load(&g_seq_next);

	if ((uintptr_t)arg != want) {
		atomic_fetch_add(&g_seq_bad, 1);
	}
	atomic_store(&g_seq_next, (uintptr_t)arg + 1);
}

/* Send @n sequenced messages in one bulk from sequence *@seq. */
static int
seq_bulk(unsigned int lcore, unsigned int n, uint64_t *seq)
{
	static struct nb_msg m[1024];
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		m[i].fn = seq_msg;
		m[i].arg = (void *)(uintptr_t)(*seq + i);
	}
	rc = nb_reactor_send_bulk(lcore, m, n);
	if (rc == 0) {
		*seq += n;
	}
	return rc;
}

/* On the worker: loop until @target sequenced messages ran (or 5 s). */
static int
worker_run_until(void *arg)
{
	uint64_t target = *(uint64_t *)arg;
	uint64_t end = rte_rdtsc() + 5 * rte_get_tsc_hz();

	while (atomic_load(&g_seq_next) < target && rte_rdtsc() < end) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	return 0;
}

static void
worker_drain(uint64_t target)
{
	CU_ASSERT_FATAL(rte_eal_remote_launch(worker_run_until, &target,
					      g_worker) == 0);
	rte_eal_wait_lcore(g_worker);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_seq_next), target);
}

/*
 * nb_reactor_send_bulk(): one all-or-none enqueue. Sizes 1, 32, 33, the
 * ring size and one more, into the worker's ring (from the main lcore)
 * and into the main lcore's own queue.
 */
static void
test_send_bulk_sizes(void)
{
	const unsigned int ring = 64;
	struct nb_reactor_stats rs;
	uint64_t seq = 0;

	atomic_store(&g_seq_next, 0);
	atomic_store(&g_seq_bad, 0);
	NB_TEST_ASSERT_INT_EQ(init_both(ring, NB_REACTOR_IDLE_SPIN), 0);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_worker, ring + 1, &seq), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 0);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_worker, 1, &seq), 0);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_worker, 32, &seq), 0);
	/* 33 into 31 free slots: none, not 31 (or 32) of them */
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_worker, 33, &seq), -EAGAIN);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 33);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_refused, 33);
	worker_drain(33);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_worker, 33, &seq), 0);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_worker, ring, &seq), -EAGAIN);
	worker_drain(66);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_worker, ring, &seq), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_worker, seq_msg, NULL), -EAGAIN);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), ring);
	worker_drain(66 + ring);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &rs), 0);
	NB_TEST_ASSERT_INT_EQ(rs.msgs_run, 66 + ring);	/* each once */

	/* the same sizes into the main lcore's own queue */
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_main, ring + 1, &seq), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_main, 1, &seq), 0);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_main, 32, &seq), 0);
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_main, 33, &seq), -EAGAIN);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 33);
	while (nb_reactor_poll_once(rte_rdtsc()) > 0) {
	}
	NB_TEST_ASSERT_INT_EQ(seq_bulk(g_main, ring, &seq), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_main, seq_msg, NULL), -EAGAIN);
	while (nb_reactor_poll_once(rte_rdtsc()) > 0) {
	}
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_seq_next), 66 + 2 * ring + 33);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_seq_bad), 0);
	fini_audit();
}

/*
 * Channels own their message slots: 63 channels with a message queued
 * each leave the worker's ring to nb_reactor_send(), all of it.
 */
static void
test_channels_no_starvation(void)
{
	struct nb_reactor_channel *ch[NB_REACTOR_MAX_CHANNELS - 1];
	const unsigned int ring = NB_REACTOR_RING_SIZE_DEFAULT;
	unsigned int i, sent = 0;
	uint64_t target;

	atomic_store(&g_seq_next, 0);
	atomic_store(&g_seq_bad, 0);
	NB_TEST_ASSERT_INT_EQ(init_both(0, NB_REACTOR_IDLE_SPIN), 0);
	for (i = 0; i < RTE_DIM(ch); i++) {
		ch[i] = nb_reactor_channel_create(g_worker);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ch[i]);
		NB_TEST_ASSERT_INT_EQ(nb_reactor_channel_send(ch[i], count_msg,
							      &g_seq_bad), 0);
	}
	/* g_seq_bad counts the 63 channel messages here: reset below */
	while (nb_reactor_send(g_worker, seq_msg,
			       (void *)(uintptr_t)sent) == 0 && sent <= ring) {
		sent++;
	}
	NB_TEST_ASSERT_INT_EQ(sent, ring);	/* the whole ring, no less */
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(),
			      ring + RTE_DIM(ch));
	target = ring;
	worker_drain(target);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_seq_bad), RTE_DIM(ch));
	for (i = 0; i < RTE_DIM(ch); i++) {
		nb_reactor_channel_destroy(ch[i]);
	}
	fini_audit();
}

/*
 * call_all, on two real lcores
 */

static atomic_uint g_call_idx;
static unsigned int g_call_order[8];
static atomic_uint g_done_lcore;
static atomic_uint g_done_count;

static void
call_fn(void *arg)
{
	unsigned int i = atomic_fetch_add(&g_call_idx, 1);

	(void)arg;
	if (i < 8) {
		g_call_order[i] = rte_lcore_id();
	}
}

static void
call_done(void *arg)
{
	(void)arg;
	atomic_store(&g_done_lcore, rte_lcore_id());
	atomic_fetch_add(&g_done_count, 1);
	nb_reactors_stop();
}

static int
call_all_kick(void *arg)
{
	struct nb_poller **self = arg;

	/* from the main reactor, once */
	CU_ASSERT(nb_reactor_call_all(call_fn, NULL, call_done, NULL) == 0);
	nb_poller_unregister(self);
	return NB_POLLER_BUSY;
}

static void
test_call_all(void)
{
	static struct nb_poller *kick;

	atomic_store(&g_call_idx, 0);
	atomic_store(&g_done_count, 0);
	atomic_store(&g_done_lcore, RTE_MAX_LCORE);
	NB_TEST_ASSERT_INT_EQ(init_both(0, NB_REACTOR_IDLE_SPIN), 0);
	/* the caller must be a reactor */
	kick = nb_poller_register(g_worker, call_all_kick, &kick, 100, "kick");
	CU_ASSERT_PTR_NOT_NULL_FATAL(kick);
	CU_ASSERT_PTR_NOT_NULL_FATAL(watchdog_register(20));
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	CU_ASSERT_FALSE(g_watchdog_fired);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_call_idx), 2);
	NB_TEST_ASSERT_INT_EQ(g_call_order[0], RTE_MIN(g_main, g_worker));
	NB_TEST_ASSERT_INT_EQ(g_call_order[1], RTE_MAX(g_main, g_worker));
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_done_lcore), g_worker);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_done_count), 1);
	/* a second start after the stop: runs what is queued (nothing) */
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_STOPPED);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_state(), NB_REACTORS_STOPPED);
	fini_audit();
}

/*
 * Stop from a signal handler; stop with messages queued
 */

static void
on_sigusr1(int sig)
{
	(void)sig;
	nb_reactors_stop();
}

static void *
kill_later(void *arg)
{
	pthread_t *main_thread = arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	pthread_kill(*main_thread, SIGUSR1);
	return NULL;
}

static atomic_uint_fast64_t g_flood_run;
static uint64_t g_flood_sent;

static int
flood_poller(void *arg)
{
	(void)arg;
	/* keep the worker's ring full until the stop */
	while (nb_reactor_send(g_worker, count_msg, &g_flood_run) == 0) {
		g_flood_sent++;
	}
	return NB_POLLER_BUSY;
}

static void
test_stop_signal(void)
{
	struct sigaction sa, old;
	pthread_t self = pthread_self(), th;
	uint64_t n = 0;
	struct nb_poller *p;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);

	atomic_store(&g_flood_run, 0);
	g_flood_sent = 0;
	NB_TEST_ASSERT_INT_EQ(init_both(1024, NB_REACTOR_IDLE_SPIN), 0);
	p = nb_poller_register(g_main, flood_poller, &n, 0, "flood");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, kill_later, &self) == 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	pthread_join(th, NULL);
	CU_ASSERT(nb_reactors_stopping());
	CU_ASSERT(g_flood_sent > 0);
	/* every message sent ran on the worker (it drains before exiting)
	 * or was released: none missing */
	CU_ASSERT(atomic_load(&g_flood_run) <= g_flood_sent);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_msgs_outstanding(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_send(g_worker, count_msg, &n),
			      -ESHUTDOWN);
	printf("\n  stop: %" PRIu64 " sent, %" PRIu64 " run\n", g_flood_sent,
	       (uint64_t)atomic_load(&g_flood_run));
	nb_reactors_fini();
	sigaction(SIGUSR1, &old, NULL);
}

/*
 * Two real lcores exchanging millions of messages under backpressure
 */

#define XCHG_N 1000000u

struct xchg {
	unsigned int peer;
	uint64_t sent;
	uint64_t eagain;
	uint64_t recv;		/* on this side, by the peer's messages */
	uint64_t order_errors;
	bool finished;
};

static struct xchg g_x[2];	/* 0: main side, 1: worker side */

static void
xchg_msg(void *arg)
{
	uintptr_t v = (uintptr_t)arg;
	struct xchg *me = &g_x[v >> 63];

	if ((v & ~(1ull << 63)) != me->recv) {
		me->order_errors++;
	}
	me->recv++;
	if (me->recv == XCHG_N && g_x[0].recv == XCHG_N &&
	    g_x[1].recv == XCHG_N) {
		nb_reactors_stop();
	}
}

static int
xchg_poller(void *arg)
{
	struct xchg *x = arg;
	uintptr_t side = x == &g_x[0] ? 1 : 0;	/* the receiving side */
	unsigned int k;

	/* up to 256 per loop into a ring of 64: backpressure for sure */
	for (k = 0; k < 256 && x->sent < XCHG_N; k++) {
		int rc = nb_reactor_send(x->peer, xchg_msg,
					 (void *)((side << 63) | x->sent));

		if (rc != 0) {
			x->eagain++;
			break;
		}
		x->sent++;
	}
	return k > 0 ? NB_POLLER_BUSY : NB_POLLER_IDLE;
}


static void
test_two_lcores_exchange(void)
{
	struct nb_poller *a, *b, *w;
	struct nb_reactor_stats s0, s1;
	uint64_t t0;

	memset(g_x, 0, sizeof(g_x));
	g_x[0].peer = g_worker;
	g_x[1].peer = g_main;
	NB_TEST_ASSERT_INT_EQ(init_both(64, NB_REACTOR_IDLE_SPIN), 0);
	a = nb_poller_register(g_main, xchg_poller, &g_x[0], 0, "xchg-main");
	b = nb_poller_register(g_worker, xchg_poller, &g_x[1], 0, "xchg-worker");
	w = watchdog_register(30);
	CU_ASSERT_FATAL(a != NULL && b != NULL && w != NULL);
	t0 = rte_rdtsc();
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	t0 = rte_rdtsc() - t0;
	CU_ASSERT_FALSE(g_watchdog_fired);
	NB_TEST_ASSERT_INT_EQ(g_x[0].sent, XCHG_N);
	NB_TEST_ASSERT_INT_EQ(g_x[1].sent, XCHG_N);
	/* messages to the main side are counted in g_x[0].recv */
	NB_TEST_ASSERT_INT_EQ(g_x[0].recv, XCHG_N);
	NB_TEST_ASSERT_INT_EQ(g_x[1].recv, XCHG_N);
	NB_TEST_ASSERT_INT_EQ(g_x[0].order_errors, 0);
	NB_TEST_ASSERT_INT_EQ(g_x[1].order_errors, 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_main, &s0), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &s1), 0);
	/* refused sends were seen and retried: backpressure, nothing lost */
	CU_ASSERT(g_x[0].eagain + g_x[1].eagain > 0);
	NB_TEST_ASSERT_INT_EQ(s0.msgs_refused + s1.msgs_refused,
			      g_x[0].eagain + g_x[1].eagain);
	/* plus one: the message that registered the worker's poller */
	NB_TEST_ASSERT_INT_EQ(s0.msgs_run + s1.msgs_run, 2ull * XCHG_N + 1);
	printf("\n  exchange: 2 x %u messages in %.2f s, %" PRIu64
	       " refused and retried\n", XCHG_N,
	       (double)t0 / (double)rte_get_tsc_hz(),
	       g_x[0].eagain + g_x[1].eagain);
	fini_audit();
}

/*
 * Idle back-off: the worker sleeps, a message wakes it within the bound
 */

/*
 * Bound asserted on the wake-up latency. Measured on the 2-core VM: tens of
 * microseconds (README); the bound is loose so a loaded shared machine
 * never fails it, yet a reactor that does not wake on a message (it would
 * sleep until its 1 s cap) fails it.
 */
#define WAKE_BOUND_US 100000u
#define WAKE_ROUNDS 20u

static atomic_uint_fast64_t g_wake_sent_tsc;
static atomic_uint_fast64_t g_wake_max_tsc;
static atomic_uint g_wake_done;
static atomic_uint g_wake_slept;	/* rounds where the target slept */
static uint64_t g_wake_sum_tsc;
static uint64_t g_timer_runs;

static void
wake_msg(void *arg)
{
	uint64_t dt = rte_rdtsc() - atomic_load(&g_wake_sent_tsc);

	(void)arg;
	if (dt > atomic_load(&g_wake_max_tsc)) {
		atomic_store(&g_wake_max_tsc, dt);
	}
	g_wake_sum_tsc += dt;
	atomic_fetch_add(&g_wake_done, 1);
}

static int
wake_driver(void *arg)
{
	static unsigned int sent;
	struct nb_reactor_stats s;

	(void)arg;
	if (sent > atomic_load(&g_wake_done)) {
		return NB_POLLER_IDLE;	/* waiting for the last one */
	}
	if (sent == WAKE_ROUNDS) {
		sent = 0;
		nb_reactors_stop();
		return NB_POLLER_BUSY;
	}
	if (nb_reactor_stats_get(g_worker, &s) != 0 || !s.sleeping) {
		return NB_POLLER_IDLE;
	}
	atomic_fetch_add(&g_wake_slept, 1);
	atomic_store(&g_wake_sent_tsc, rte_rdtsc());
	if (nb_reactor_send(g_worker, wake_msg, NULL) == 0) {
		sent++;
	}
	return NB_POLLER_BUSY;
}

static void
test_backoff_wake(void)
{
	struct nb_reactor_opts o;
	unsigned int l[2] = { g_main, g_worker };
	struct nb_reactor_stats s;
	struct nb_poller *d, *t;
	struct rusage ru0, ru1;
	uint64_t hz = rte_get_tsc_hz(), t0, wall;
	double max_us, avg_us, cpu;

	atomic_store(&g_wake_done, 0);
	atomic_store(&g_wake_max_tsc, 0);
	atomic_store(&g_wake_slept, 0);
	g_wake_sum_tsc = 0;
	g_timer_runs = 0;
	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = l;
	o.nb_lcores = 2;
	o.idle = NB_REACTOR_IDLE_BACKOFF;
	o.idle_spin_loops = 100;
	o.idle_pause_loops = 100;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), 0);
	d = nb_poller_register(g_main, wake_driver, NULL, 2000, "driver");
	/* a timer on the sleeping worker: it must wake for it too */
	t = nb_poller_register(g_worker, idle_poller, &g_timer_runs, 5000,
			       "worker-timer");
	CU_ASSERT_FATAL(d != NULL && t != NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(watchdog_register(20));
	getrusage(RUSAGE_SELF, &ru0);
	t0 = rte_rdtsc();
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	wall = rte_rdtsc() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	CU_ASSERT_FALSE(g_watchdog_fired);
	NB_TEST_ASSERT_INT_EQ(atomic_load(&g_wake_done), WAKE_ROUNDS);
	CU_ASSERT(atomic_load(&g_wake_slept) >= WAKE_ROUNDS);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_stats_get(g_worker, &s), 0);
	CU_ASSERT(s.sleeps >= WAKE_ROUNDS);
	max_us = (double)atomic_load(&g_wake_max_tsc) * 1e6 / (double)hz;
	avg_us = (double)g_wake_sum_tsc * 1e6 / (double)hz / WAKE_ROUNDS;
	NB_TEST_ASSERT_MSG(max_us < WAKE_BOUND_US,
			   "wake-up took %.0f us, bound %u us", max_us,
			   WAKE_BOUND_US);
	/* the worker's 5 ms timer ran while it slept between messages */
	CU_ASSERT(g_timer_runs >= 1);
	cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
		       ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	      (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
		       ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	printf("\n  back-off wake-up: avg %.1f us, max %.1f us over %u; "
	       "CPU %.1f%% of one core per reactor over %.2f s; worker "
	       "sleeps %" PRIu64 ", timer runs %" PRIu64 "\n", avg_us, max_us,
	       WAKE_ROUNDS, 100.0 * cpu / 2 / ((double)wall / (double)hz),
	       (double)wall / (double)hz, s.sleeps, g_timer_runs);
	fini_audit();
}

/*
 * Dump and telemetry-facing stats
 */

static void
test_dump_stats(void)
{
	uint64_t n = 0, busy = 0, total = 0;
	struct nb_poller *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	NB_TEST_ASSERT_INT_EQ(init_main_only(0), 0);
	p = nb_poller_register(g_main, count_poller, &n, 0, "dumped-poller");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (i = 0; i < 10; i++) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	nb_reactor_dump(f);
	fclose(f);
	CU_ASSERT(strstr(buf, "dumped-poller") != NULL);
	CU_ASSERT(strstr(buf, "runs 10") != NULL);
	free(buf);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_lcore_usage(g_main, &busy, &total), 0);
	CU_ASSERT(busy > 0 && busy <= total);
	NB_TEST_ASSERT_INT_EQ(nb_reactor_lcore_usage(g_worker, &busy, &total),
			      -EINVAL);
	fini_audit();
}

/*
 * Telemetry, through DPDK's own socket from inside the process: what
 * dpdk-telemetry.py would read.
 */
static int
tel_query(const char *cmd, char *out, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0) {
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    read(fd, out, len - 1) <= 0 ||		/* the greeting */
	    write(fd, cmd, strlen(cmd)) < 0) {
		close(fd);
		return -EIO;
	}
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0) {
		return -EIO;
	}
	out[n] = '\0';
	return 0;
}

static void
test_telemetry(void)
{
	char out[4096], cmd[64], want[64];
	uint64_t n = 0;
	struct nb_poller *p;
	int i;

	NB_TEST_ASSERT_INT_EQ(init_both(0, NB_REACTOR_IDLE_SPIN), 0);
	p = nb_poller_register(g_main, count_poller, &n, 0, "tel-poller");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (i = 0; i < 5; i++) {
		nb_reactor_poll_once(rte_rdtsc());
	}
	NB_TEST_ASSERT_INT_EQ(tel_query("/nbkit/reactor/list", out,
					 sizeof(out)), 0);
	snprintf(want, sizeof(want), "[%u,%u]", RTE_MIN(g_main, g_worker),
		 RTE_MAX(g_main, g_worker));
	NB_TEST_ASSERT_MSG(strstr(out, want) != NULL, "list: %s", out);
	snprintf(cmd, sizeof(cmd), "/nbkit/reactor/info,%u", g_main);
	NB_TEST_ASSERT_INT_EQ(tel_query(cmd, out, sizeof(out)), 0);
	/* '-' is not allowed in a telemetry key: it shows as '_' */
	NB_TEST_ASSERT_MSG(strstr(out, "\"loops\":5") != NULL &&
			   strstr(out, "\"tel_poller\":5") != NULL,
			   "info: %s", out);
	/* a lcore without a reactor, garbage: an error reply, no crash */
	NB_TEST_ASSERT_INT_EQ(tel_query("/nbkit/reactor/info,99", out,
					 sizeof(out)), 0);
	NB_TEST_ASSERT_MSG(strstr(out, "null") != NULL, "info,99: %s", out);
	NB_TEST_ASSERT_INT_EQ(tel_query("/nbkit/reactor/info,x1", out,
					 sizeof(out)), 0);
	NB_TEST_ASSERT_MSG(strstr(out, "null") != NULL, "info,x1: %s", out);
	fini_audit();
}

static const CU_TestInfo tests[] = {
	{ "bad_input", test_bad_input },
	{ "pollers_virtual_clock", test_pollers_virtual_clock },
	{ "unregister_in_callback", test_unregister_in_callback },
	{ "pause_resume", test_pause_resume },
	{ "remote_control", test_remote_control },
	{ "msg_order_pthread_channel", test_msg_order_pthread_channel },
	{ "eagain_recovery", test_eagain_recovery },
	{ "send_bulk_sizes", test_send_bulk_sizes },
	{ "channels_no_starvation", test_channels_no_starvation },
	{ "call_all", test_call_all },
	{ "stop_signal", test_stop_signal },
	{ "two_lcores_exchange", test_two_lcores_exchange },
	{ "backoff_wake", test_backoff_wake },
	{ "dump_stats", test_dump_stats },
	{ "telemetry", test_telemetry },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	int ret;

	ret = nb_test_env_init_two_lcores(&g_worker);
	if (ret != 0) {
		fprintf(stderr, "test_reactor: nb_env_init: %s\n",
			strerror(-ret));
		return NB_TEST_EXIT_ERROR;
	}
	g_main = rte_get_main_lcore();
	if (g_worker >= RTE_MAX_LCORE) {
		fprintf(stderr, "test_reactor: needs two lcores\n");
		nb_env_fini();
		return NB_TEST_EXIT_ERROR;
	}
	ret = nb_test_main(argc, argv, "reactor", tests);
	nb_env_fini();
	return ret;
}
