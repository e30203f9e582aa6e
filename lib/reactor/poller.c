/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pollers and one loop of a reactor: registration (anywhere), the
 * owner-only control calls, the timer heap whose deadlines stay on a grid,
 * and the loop itself (messages, a pass over the active pollers, the due
 * timers) with its clock read once.
 *
 * A poller's memory is freed by its owner only: by nb_poller_unregister()
 * on the owner's lcore (at once, or where the loop or the registration
 * message next meets it), or by nb_reactors_fini(). Nothing else holds a
 * poller pointer but its registration message, which never frees it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "reactor_internal.h"

nb_reactor_clock_fn nb_reactor_clock_override;	/* NULL: the TSC */
static uint64_t g_clock_hz;

/*
 * Clock
 */

uint64_t
nb_reactor_clock(void)
{
	return clock_now();
}

uint64_t
nb_reactor_clock_hz(void)
{
	return nb_reactor_clock_override != NULL ? g_clock_hz :
						   rte_get_tsc_hz();
}

int
nb_reactor_clock_set(nb_reactor_clock_fn fn, uint64_t hz)
{
	if (fn != NULL && hz == 0) {
		REACTOR_LOG(ERR, "clock_set: a clock needs a frequency");
		return -EINVAL;
	}
	g_clock_hz = hz;
	nb_reactor_clock_override = fn;
	return 0;
}

/* Microseconds to clock ticks; -EINVAL when it does not fit. */
static int
period_to_tsc(uint64_t period_us, uint64_t *tsc)
{
	uint64_t hz = nb_reactor_clock_hz();
	uint64_t whole, part;

	if (period_us == 0) {
		*tsc = 0;
		return 0;
	}
	if (__builtin_mul_overflow(period_us / 1000000, hz, &whole)) {
		return -EINVAL;
	}
	part = (uint64_t)((unsigned __int128)(period_us % 1000000) * hz /
			  1000000);
	if (__builtin_add_overflow(whole, part, &whole) ||
	    whole > UINT64_MAX / 4) {
		return -EINVAL;	/* deadlines (now + period) must not wrap */
	}
	*tsc = whole == 0 ? 1 : whole;
	return 0;
}

/*
 * The timer heap: a binary min-heap of timed pollers keyed by next_tsc
 */

static inline void
heap_set(struct reactor *r, uint32_t i, struct nb_poller *p)
{
	r->heap[i] = p;
	p->heap_idx = i;
}

static void
heap_up(struct reactor *r, uint32_t i)
{
	struct nb_poller *p = r->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (r->heap[parent]->next_tsc <= p->next_tsc) {
			break;
		}
		heap_set(r, i, r->heap[parent]);
		i = parent;
	}
	heap_set(r, i, p);
}

static void
heap_down(struct reactor *r, uint32_t i)
{
	struct nb_poller *p = r->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= r->heap_n) {
			break;
		}
		if (c + 1 < r->heap_n &&
		    r->heap[c + 1]->next_tsc < r->heap[c]->next_tsc) {
			c++;
		}
		if (p->next_tsc <= r->heap[c]->next_tsc) {
			break;
		}
		heap_set(r, i, r->heap[c]);
		i = c;
	}
	heap_set(r, i, p);
}

static int
heap_push(struct reactor *r, struct nb_poller *p)
{
	if (r->heap_n == r->heap_cap) {
		uint32_t cap = r->heap_cap == 0 ? 16 : r->heap_cap * 2;
		struct nb_poller **h = realloc(r->heap, cap * sizeof(*h));

		if (h == NULL) {
			return -ENOMEM;
		}
		r->heap = h;
		r->heap_cap = cap;
	}
	r->heap[r->heap_n] = p;
	p->heap_idx = r->heap_n++;
	heap_up(r, p->heap_idx);
	return 0;
}

static void
heap_remove(struct reactor *r, struct nb_poller *p)
{
	uint32_t i = p->heap_idx;
	struct nb_poller *last = r->heap[--r->heap_n];

	if (last != p) {
		heap_set(r, i, last);
		heap_up(r, i);
		heap_down(r, last->heap_idx);
	}
}

/*
 * The deadline after a run whose deadline was @d: the next point of the
 * grid d + k * period after @now. A late run does not move the grid, and
 * the periods missed altogether are skipped, not run back to back.
 */
static inline uint64_t
grid_next(uint64_t d, uint64_t period, uint64_t now)
{
	d += period;
	if (unlikely(d <= now)) {
		d += ((now - d) / period + 1) * period;
	}
	return d;
}

/*
 * Pollers
 */

void
nb_reactor_poller_free(struct nb_poller *p)
{
	struct reactor *r = p->r;

	rte_spinlock_lock(&r->all_lock);
	TAILQ_REMOVE(&r->all, p, all);
	r->nb_pollers--;
	rte_spinlock_unlock(&r->all_lock);
	free(p);
}

/*
 * Put a poller that is on no list where its state says (owner only); a
 * timed one gets deadline @next.
 */
static void
poller_place(struct reactor *r, struct nb_poller *p, uint64_t next)
{
	switch (p->state) {
	case PS_UNREG:
		p->list = PL_NONE;
		nb_reactor_poller_free(p);
		return;
	case PS_PAUSED:
		TAILQ_INSERT_TAIL(&r->paused, p, link);
		p->list = PL_PAUSED;
		return;
	case PS_RUNNING:
		if (p->period_tsc == 0) {
			TAILQ_INSERT_TAIL(&r->active, p, link);
			r->nb_active++;
			p->list = PL_ACTIVE;
			return;
		}
		p->next_tsc = next;
		if (heap_push(r, p) == 0) {
			p->list = PL_TIMED;
			return;
		}
		REACTOR_LOG(ERR, "poller %s: no memory for the timer heap: "
			    "paused", p->name);
		p->state = PS_PAUSED;
		TAILQ_INSERT_TAIL(&r->paused, p, link);
		p->list = PL_PAUSED;
		return;
	}
}

/*
 * Change what the owner wants of @p (owner only; @now: the time a timed
 * poller's new grid starts from). A poller moves at once, except an
 * active one while a pass walks the list (the pass moves it when it gets
 * there) and a poller on no list (a timed one whose callback runs, or one
 * whose registration message has not run), placed by whoever holds it
 * next.
 */
static void
poller_set_state(struct reactor *r, struct nb_poller *p, enum poller_state s,
		 uint64_t now)
{
	if (p->state == s || p->state == PS_UNREG) {
		return;
	}
	p->state = s;
	switch (p->list) {
	case PL_NONE:
		if (s == PS_RUNNING && p->period_tsc != 0) {
			/* a timed poller resumed in its own callback: the
			 * grid restarts here, not at its old deadline */
			p->next_tsc = now + p->period_tsc;
			p->regrid = true;
		}
		return;
	case PL_ACTIVE:
		if (r->in_pass) {
			return;		/* the pass moves it when it gets there */
		}
		TAILQ_REMOVE(&r->active, p, link);
		r->nb_active--;
		break;
	case PL_TIMED:
		heap_remove(r, p);
		break;
	case PL_PAUSED:
		TAILQ_REMOVE(&r->paused, p, link);
		break;
	}
	p->list = PL_NONE;
	poller_place(r, p, now + p->period_tsc);
}

/* A registration from another thread, run by the owner in its loop. */
void
nb_reactor_msg_poller_add(void *arg)
{
	struct nb_poller *p = arg;
	struct reactor *r = p->r;

	poller_place(r, p, r->now + p->period_tsc);
}

struct reactor *
nb_reactor_target(unsigned int lcore, const char *what)
{
	struct reactor *r;
	int st = reactor_state();

	if (st == NB_REACTORS_UNINIT) {
		REACTOR_LOG(ERR, "%s: reactors are not initialised", what);
		rte_errno = ENODEV;
		return NULL;
	}
	r = reactor_get(lcore);
	if (r == NULL) {
		REACTOR_LOG(ERR, "%s: lcore %u has no reactor", what, lcore);
		rte_errno = EINVAL;
		return NULL;
	}
	if (st >= NB_REACTORS_STOPPING) {
		REACTOR_LOG(ERR, "%s: reactors are stopping", what);
		rte_errno = ESHUTDOWN;
		return NULL;
	}
	return r;
}

struct nb_poller *
nb_poller_register(unsigned int lcore, nb_poller_fn fn, void *arg,
		   uint64_t period_us, const char *name)
{
	struct reactor *r;
	struct nb_poller *p;
	uint64_t ptsc;
	int rc;

	r = nb_reactor_target(lcore, "poller_register");
	if (r == NULL) {
		return NULL;
	}
	if (fn == NULL) {
		REACTOR_LOG(ERR, "poller_register: NULL function");
		rte_errno = EINVAL;
		return NULL;
	}
	if (period_to_tsc(period_us, &ptsc) != 0) {
		REACTOR_LOG(ERR, "poller_register: period %" PRIu64 " us "
			    "overflows the clock", period_us);
		rte_errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		REACTOR_LOG(ERR, "poller_register: no memory");
		rte_errno = ENOMEM;
		return NULL;
	}
	p->r = r;
	p->fn = fn;
	p->arg = arg;
	p->period_us = period_us;
	p->period_tsc = ptsc;
	p->state = PS_RUNNING;
	p->list = PL_NONE;
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "poller");

	rte_spinlock_lock(&r->all_lock);
	TAILQ_INSERT_TAIL(&r->all, p, all);
	r->nb_pollers++;
	rte_spinlock_unlock(&r->all_lock);

	if (rte_lcore_id() == r->lcore) {
		poller_place(r, p, clock_now() + ptsc);
		return p;
	}
	rc = nb_reactor_send(lcore, nb_reactor_msg_poller_add, p);
	if (rc != 0) {
		REACTOR_LOG(ERR, "poller_register: %s: cannot reach lcore %u: %s",
			    p->name, lcore, strerror(-rc));
		nb_reactor_poller_free(p);
		rte_errno = -rc;
		return NULL;
	}
	return p;
}

/* The owner-only rule: 0 on @p's lcore, else -EPERM (-EINVAL for NULL). */
static int
owner_check(const struct nb_poller *p, const char *what)
{
	if (p == NULL) {
		REACTOR_LOG(ERR, "%s: NULL poller", what);
		return -EINVAL;
	}
	if (rte_lcore_id() != p->r->lcore) {
		REACTOR_LOG(ERR, "%s: %s belongs to lcore %u: call it there "
			    "(send that reactor a message)", what, p->name,
			    p->r->lcore);
		return -EPERM;
	}
	return 0;
}

int
nb_poller_unregister(struct nb_poller **pp)
{
	struct nb_poller *p;
	int rc;

	if (pp == NULL) {
		REACTOR_LOG(ERR, "poller_unregister: NULL poller");
		return -EINVAL;
	}
	p = *pp;
	rc = owner_check(p, "poller_unregister");
	if (rc != 0) {
		return rc;
	}
	if (p->state == PS_UNREG) {
		REACTOR_LOG(ERR, "poller_unregister: %s: already unregistered",
			    p->name);
		return -EALREADY;
	}
	*pp = NULL;
	poller_set_state(p->r, p, PS_UNREG, 0);
	return 0;
}

int
nb_poller_pause(struct nb_poller *p)
{
	int rc = owner_check(p, "poller_pause");

	if (rc == 0) {
		poller_set_state(p->r, p, PS_PAUSED, 0);
	}
	return rc;
}

int
nb_poller_resume(struct nb_poller *p)
{
	int rc = owner_check(p, "poller_resume");

	if (rc == 0) {
		poller_set_state(p->r, p, PS_RUNNING, clock_now());
	}
	return rc;
}

/*
 * The loop
 */

/* Per-poller clock accounting (opts.poller_tsc): from *t to now. */
static inline void
poller_tsc(struct nb_poller *p, int rc, uint64_t *t)
{
	uint64_t t1 = clock_now();

	if (rc > 0) {
		p->busy_tsc += t1 - *t;
	} else {
		p->idle_tsc += t1 - *t;
	}
	*t = t1;
}

/*
 * Run every running active poller once; returns how many were busy.
 * During a pass a state change leaves the poller on the list: the pass
 * skips a poller that is not running and moves it off when it reaches it
 * (this pass or the next), reading each successor after the callback.
 * @tsc: read the clock after each run for its busy or idle cycles.
 */
static __rte_always_inline unsigned int
pass_body(struct reactor *r, bool tsc)
{
	struct nb_poller *p, *next;
	unsigned int work = 0, left = r->nb_active;
	uint64_t t = tsc ? clock_now() : 0;
	int rc;

	/*
	 * At most as many runs as pollers were on the list when the pass
	 * began: pollers a callback adds at the tail (registered, resumed)
	 * may wait for the next pass, but a pass always ends.
	 */
	for (p = TAILQ_FIRST(&r->active); p != NULL; p = next) {
		if (likely(p->state == PS_RUNNING)) {
			rc = p->fn(p->arg);
			p->runs++;
			if (rc > 0) {
				p->busy_runs++;
				work++;
			}
			if (tsc) {
				poller_tsc(p, rc, &t);
			}
		}
		/* after the call: the callback may have moved its successor */
		next = TAILQ_NEXT(p, link);
		if (unlikely(p->state != PS_RUNNING)) {
			TAILQ_REMOVE(&r->active, p, link);
			r->nb_active--;
			p->list = PL_NONE;
			poller_place(r, p, r->now + p->period_tsc);
		}
		if (--left == 0) {
			break;
		}
	}
	return work;
}

/* One pass (r->in_pass tells poller_set_state() a pass walks the list). */
static __rte_always_inline unsigned int
pass_run(struct reactor *r, bool tsc)
{
	unsigned int work;

	r->in_pass = true;
	work = pass_body(r, tsc);
	r->in_pass = false;
	return work;
}

static __rte_noinline unsigned int
active_pass_tsc(struct reactor *r)
{
	return pass_run(r, true);
}

static __rte_always_inline unsigned int
active_pass(struct reactor *r)
{
	if (unlikely(r->poller_tsc)) {
		return active_pass_tsc(r);
	}
	return pass_run(r, false);
}

/* Run the timed pollers due at @now; returns how many were busy. */
static unsigned int
timers_run(struct reactor *r, uint64_t now)
{
	struct nb_poller *p;
	unsigned int work = 0;
	uint64_t t = r->poller_tsc ? clock_now() : now, next;
	int rc;

	while (r->heap_n > 0 && r->heap[0]->next_tsc <= now) {
		p = r->heap[0];
		heap_remove(r, p);
		p->list = PL_NONE;
		p->regrid = false;
		rc = p->fn(p->arg);
		p->runs++;
		p->busy_runs += rc > 0;
		work += rc > 0;
		if (unlikely(r->poller_tsc)) {
			poller_tsc(p, rc, &t);
		}
		next = p->regrid ? p->next_tsc :
		       grid_next(p->next_tsc, p->period_tsc, now);
		p->regrid = false;
		poller_place(r, p, next);
	}
	return work;
}

/*
 * One loop at @now (the one clock read): charge the time since the
 * previous loop to busy or idle by what happened since, run the messages,
 * one pass over the active pollers and the timers due.
 */
static inline unsigned int
reactor_loop(struct reactor *r, uint64_t now)
{
	unsigned int work;

	if (likely(r->last_tsc != 0 && now >= r->last_tsc)) {
		if (r->last_work) {
			r->busy_tsc += now - r->last_tsc;
		} else {
			r->idle_tsc += now - r->last_tsc;
		}
	}
	r->now = now;
	work = reactor_msgs_pending(r) ? nb_reactor_msgs_process(r) : 0;
	if (likely(!TAILQ_EMPTY(&r->active))) {
		work += active_pass(r);
	}
	if (unlikely(r->heap_n > 0)) {
		work += timers_run(r, now);
	}
	r->loops++;
	r->last_tsc = now;
	r->last_work = work > 0;
	return work;
}

/*
 * A started reactor's step: one loop, then more passes over the active
 * pollers alone (no clock, messages or timers) up to REACTOR_LOOP_PASSES
 * passes in all, of which at most REACTOR_BUSY_PASSES find work: the
 * loop's fixed cost is shared by several passes, and a message or a timer
 * waits at most that many busy passes. With opts.poller_tsc every pass is
 * a loop. Returns the busy runs of the step.
 */
unsigned int
nb_reactor_run_step(struct reactor *r)
{
	unsigned int work = reactor_loop(r, clock_now());
	unsigned int pass = 1, busy = work > 0, w;

	if (unlikely(r->poller_tsc) || TAILQ_EMPTY(&r->active)) {
		return work;
	}
	r->in_pass = true;
	/* idle: pass on until a poller finds work */
	while (busy == 0 && pass < REACTOR_LOOP_PASSES) {
		w = pass_body(r, false);
		pass++;
		if (w > 0) {
			busy = 1;
			work = w;
		}
	}
	/* busy: up to REACTOR_BUSY_PASSES passes that found work */
	while (busy > 0 && busy < REACTOR_BUSY_PASSES &&
	       pass < REACTOR_LOOP_PASSES) {
		w = pass_body(r, false);
		pass++;
		busy += w > 0;
		work += w;
	}
	r->in_pass = false;
	r->loops += pass - 1;
	r->last_work = work > 0;
	return work;
}

int
nb_reactor_poll_once(uint64_t now_tsc)
{
	struct reactor *r;

	if (unlikely(!reactor_inited())) {
		return -ENODEV;
	}
	r = reactor_get(rte_lcore_id());
	if (unlikely(r == NULL)) {
		REACTOR_LOG(ERR, "poll_once: lcore %u has no reactor",
			    rte_lcore_id());
		return -EINVAL;
	}
	return (int)reactor_loop(r, now_tsc);
}
