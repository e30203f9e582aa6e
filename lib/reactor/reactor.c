/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reactors: the loop, pollers (an active list and a deadline heap),
 * messages over MP/SC rings from one shared message pool, channels,
 * call_all, the idle back-off and start/stop/fini.
 *
 * Threading: everything under "owner only" in struct reactor is touched by
 * the reactor's own lcore only; other threads reach it through messages,
 * which wait in its ring until its next loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "nb_env.h"
#include "reactor_internal.h"

NB_LOG_REGISTER(reactor);

struct reactor *nb_reactor_tab[RTE_MAX_LCORE];
unsigned int nb_reactor_lcores[RTE_MAX_LCORE];
unsigned int nb_reactor_count;
atomic_bool nb_reactor_inited;

bool nb_reactor_stop_flag;		/* nb_reactors_stop() was called */
static atomic_bool g_started;		/* nb_reactors_start() was called */
struct rte_mempool *nb_reactor_msg_pool;
static struct nb_reactor_opts g_opts;
bool nb_reactor_backoff;		/* g_opts.idle == BACKOFF */
struct nb_reactor_hot *nb_reactor_hot_tab[RTE_MAX_LCORE];
rte_spinlock_t nb_reactor_tel_lock = RTE_SPINLOCK_INITIALIZER;
static unsigned int g_cache_size;	/* per-lcore and channel caches */

static nb_reactor_clock_fn g_clock_fn;	/* NULL: the TSC */
static uint64_t g_clock_hz;

static TAILQ_HEAD(, nb_reactor_channel) g_channels =
	TAILQ_HEAD_INITIALIZER(g_channels);
static pthread_mutex_t g_chan_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int g_chan_seq;

/*
 * Clock
 */

static inline uint64_t
clock_now(void)
{
	nb_reactor_clock_fn fn = g_clock_fn;

	if (likely(fn == NULL)) {
		return rte_rdtsc();
	}
	return fn();
}

uint64_t
nb_reactor_clock(void)
{
	return clock_now();
}

uint64_t
nb_reactor_clock_hz(void)
{
	return g_clock_fn != NULL ? g_clock_hz : rte_get_tsc_hz();
}

int
nb_reactor_clock_set(nb_reactor_clock_fn fn, uint64_t hz)
{
	if (fn != NULL && hz == 0) {
		REACTOR_LOG(ERR, "clock_set: a clock needs a frequency");
		return -EINVAL;
	}
	g_clock_hz = hz;
	g_clock_fn = fn;
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
 * Lookup and ownership
 */

static inline struct reactor *
reactor_get(unsigned int lcore)
{
	return likely(lcore < RTE_MAX_LCORE) ? nb_reactor_tab[lcore] : NULL;
}

/*
 * May the calling thread change @r's lists itself? Only its own lcore;
 * everyone else sends a message, which waits in the ring until the
 * reactor's next loop (also before the first one).
 */
static inline bool
direct_ok(const struct reactor *r)
{
	return rte_lcore_id() == r->lcore;
}

static inline uint64_t
reactor_now(const struct reactor *r, bool in_loop)
{
	return in_loop ? r->now : clock_now();
}

/*
 * Messages
 */

void
nb_reactor_wake_(struct nb_reactor_hot *h)
{
	uint64_t one = 1;

	/* the fence orders the sender's enqueue before the load */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&h->sleeping, __ATOMIC_RELAXED) != 0) {
		if (write(h->efd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is full, it wakes anyway */
		}
	}
}

/* Wake @r if it sleeps (only the back-off policy sleeps). */
static inline void
reactor_wake(struct reactor *r)
{
	if (unlikely(nb_reactor_backoff)) {
		nb_reactor_wake_(&r->hot);
	}
}

static inline void
refused(struct reactor *r, uint64_t n)
{
	__atomic_fetch_add(&r->hot.msgs_refused, n, __ATOMIC_RELAXED);
}

static int
send_bad(unsigned int lcore, bool fn_null, const char *what)
{
	if (!atomic_load(&nb_reactor_inited)) {
		REACTOR_LOG(ERR, "%s: reactors are not initialised", what);
		return -ENODEV;
	}
	if (fn_null) {
		REACTOR_LOG(ERR, "%s: NULL function", what);
	} else {
		REACTOR_LOG(ERR, "%s: lcore %u has no reactor", what, lcore);
	}
	return -EINVAL;
}

int
nb_reactor_send_fail_(unsigned int lcore, bool fn_null, int why)
{
	struct reactor *r;

	if (why != -EAGAIN) {
		return send_bad(lcore, fn_null, "send");
	}
	r = reactor_get(lcore);
	if (r != NULL) {
		refused(r, 1);
	}
	return -EAGAIN;
}

int
nb_reactor_send_bulk(unsigned int lcore, const struct nb_msg *msgs,
		     unsigned int n)
{
	struct reactor *r = reactor_get(lcore);
	void *objs[REACTOR_MSG_BURST];
	unsigned int i, done = 0;

	if (unlikely(r == NULL)) {
		return send_bad(lcore, false, "send_bulk");
	}
	if (unlikely(msgs == NULL && n > 0)) {
		return send_bad(lcore, true, "send_bulk");
	}
	for (i = 0; i < n; i++) {
		if (unlikely(msgs[i].fn == NULL)) {
			return send_bad(lcore, true, "send_bulk");
		}
	}
	if (unlikely(__atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_RELAXED))) {
		return -ESHUTDOWN;
	}
	/* Up to a burst: one all-or-none get and enqueue. */
	if (likely(n <= REACTOR_MSG_BURST && n > 0)) {
		if (unlikely(rte_mempool_get_bulk(nb_reactor_msg_pool, objs, n) != 0)) {
			refused(r, n);
			return -EAGAIN;
		}
		for (i = 0; i < n; i++) {
			*(struct nb_msg *)objs[i] = msgs[i];
		}
		if (unlikely(rte_ring_mp_enqueue_bulk(r->hot.ring, objs, n,
						      NULL) != n)) {
			rte_mempool_put_bulk(nb_reactor_msg_pool, objs, n);
			refused(r, n);
			return -EAGAIN;
		}
		reactor_wake(r);
		return 0;
	}
	/* Larger: room for every message first, then bursts. */
	if (unlikely(rte_ring_free_count(r->hot.ring) < n)) {
		refused(r, n);
		return -EAGAIN;
	}
	while (done < n) {
		unsigned int k = RTE_MIN(n - done, (unsigned int)REACTOR_MSG_BURST);

		if (unlikely(rte_mempool_get_bulk(nb_reactor_msg_pool, objs, k) != 0)) {
			goto again;
		}
		for (i = 0; i < k; i++) {
			*(struct nb_msg *)objs[i] = msgs[done + i];
		}
		if (unlikely(rte_ring_mp_enqueue_bulk(r->hot.ring, objs, k,
						      NULL) != k)) {
			rte_mempool_put_bulk(nb_reactor_msg_pool, objs, k);
			goto again;
		}
		done += k;
	}
	reactor_wake(r);
	return 0;
again:
	/*
	 * Another producer took the room, or the pool ran dry, after part of
	 * a bulk larger than one burst was queued: the queued part stays (it
	 * runs, in order) and the rest is refused.
	 */
	refused(r, n - done);
	if (done > 0) {
		reactor_wake(r);
		REACTOR_LOG(WARNING, "send_bulk: %u of %u queued before the "
			    "ring or pool filled", done, n);
	}
	return -EAGAIN;
}

/* Internal messages, told apart by their function when released. */
static void msg_poller_add(void *arg);
static void msg_poller_pause(void *arg);
static void msg_poller_resume(void *arg);
static void msg_poller_unreg(void *arg);
static void msg_call_all_step(void *arg);
static void msg_call_all_done(void *arg);
static void poller_free(struct nb_poller *p);

static int
send_internal(struct reactor *r, nb_msg_fn fn, void *arg)
{
	return nb_reactor_send(r->lcore, fn, arg);
}

/* A queued message that will not run: free what it carries. */
static void
msg_release(const struct nb_msg *m)
{
	if (m->fn == msg_poller_add) {
		poller_free(m->arg);
	} else if (m->fn == msg_call_all_step || m->fn == msg_call_all_done) {
		free(m->arg);
	}
}

/* Take every message of @ring back to the pool without running it. */
static unsigned int
ring_release(struct rte_ring *ring)
{
	void *obj;
	unsigned int n = 0;

	while (rte_ring_sc_dequeue(ring, &obj) == 0) {
		msg_release(obj);
		rte_mempool_put(nb_reactor_msg_pool, obj);
		n++;
	}
	return n;
}

/* Run up to a burst of @ring's messages; objects go back first. */
static inline unsigned int
ring_process(struct reactor *r, struct rte_ring *ring)
{
	void *objs[REACTOR_MSG_BURST];
	struct nb_msg m[REACTOR_MSG_BURST];
	unsigned int i, n;

	n = rte_ring_sc_dequeue_burst(ring, objs, REACTOR_MSG_BURST, NULL);
	if (n == 0) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		m[i] = *(struct nb_msg *)objs[i];
	}
	rte_mempool_put_bulk(nb_reactor_msg_pool, objs, n);
	for (i = 0; i < n; i++) {
		m[i].fn(m[i].arg);
	}
	r->msgs_run += n;
	return n;
}

/*
 * Pollers: a binary min-heap of timed pollers keyed by next_tsc
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

static void
poller_free(struct nb_poller *p)
{
	struct reactor *r = p->r;

	rte_spinlock_lock(&r->all_lock);
	TAILQ_REMOVE(&r->all, p, all);
	r->nb_pollers--;
	rte_spinlock_unlock(&r->all_lock);
	free(p);
}

/* Put a poller that is on no list where its state says (owner only). */
static void
poller_place(struct reactor *r, struct nb_poller *p, bool in_loop)
{
	switch (p->state) {
	case PS_UNREG:
		p->list = PL_NONE;
		poller_free(p);
		return;
	case PS_PAUSED:
		TAILQ_INSERT_TAIL(&r->paused, p, link);
		p->list = PL_PAUSED;
		return;
	case PS_RUNNING:
		if (p->period_tsc == 0) {
			TAILQ_INSERT_TAIL(&r->active, p, link);
			p->list = PL_ACTIVE;
			return;
		}
		p->next_tsc = reactor_now(r, in_loop) + p->period_tsc;
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
 * Change what the owner wants of @p (owner only). A poller on the active
 * list is moved by the loop (the only code that walks or edits that list),
 * a running one after its callback returns, the others here.
 */
static void
poller_set_state(struct reactor *r, struct nb_poller *p, enum poller_state s,
		 bool in_loop)
{
	if (p->state == s || p->state == PS_UNREG) {
		return;
	}
	p->state = s;
	switch (p->list) {
	case PL_NONE:
	case PL_ACTIVE:
		return;
	case PL_TIMED:
		heap_remove(r, p);
		break;
	case PL_PAUSED:
		TAILQ_REMOVE(&r->paused, p, link);
		break;
	}
	p->list = PL_NONE;
	poller_place(r, p, in_loop);
}

/* Called by message handlers: they run inside the owner's loop. */
static void
msg_poller_add(void *arg)
{
	struct nb_poller *p = arg;

	poller_place(p->r, p, true);
}

static void
msg_poller_pause(void *arg)
{
	struct nb_poller *p = arg;

	poller_set_state(p->r, p, PS_PAUSED, true);
}

static void
msg_poller_resume(void *arg)
{
	struct nb_poller *p = arg;

	poller_set_state(p->r, p, PS_RUNNING, true);
}

static void
msg_poller_unreg(void *arg)
{
	struct nb_poller *p = arg;

	poller_set_state(p->r, p, PS_UNREG, true);
}

/*
 * The reactor of @lcore for a control call named @what that creates
 * something on it (a poller, a channel): NULL with rte_errno and one log
 * line when the reactors are not initialised (ENODEV), @lcore has none
 * (EINVAL) or they are stopping (ESHUTDOWN).
 */
static struct reactor *
reactor_target(unsigned int lcore, const char *what)
{
	struct reactor *r;

	if (!atomic_load(&nb_reactor_inited)) {
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
	if (__atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_SEQ_CST)) {
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

	r = reactor_target(lcore, "poller_register");
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
	atomic_init(&p->unreg_requested, false);
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "poller");

	rte_spinlock_lock(&r->all_lock);
	TAILQ_INSERT_TAIL(&r->all, p, all);
	r->nb_pollers++;
	rte_spinlock_unlock(&r->all_lock);

	if (direct_ok(r)) {
		poller_place(r, p, false);
		return p;
	}
	rc = send_internal(r, msg_poller_add, p);
	if (rc != 0) {
		REACTOR_LOG(ERR, "poller_register: %s: cannot reach lcore %u: %s",
			    p->name, lcore, strerror(-rc));
		poller_free(p);
		rte_errno = -rc;
		return NULL;
	}
	return p;
}

int
nb_poller_unregister(struct nb_poller **pp)
{
	struct nb_poller *p;
	struct reactor *r;
	bool expected = false;
	int rc;

	if (pp == NULL || *pp == NULL) {
		REACTOR_LOG(ERR, "poller_unregister: NULL poller");
		return -EINVAL;
	}
	p = *pp;
	r = p->r;
	if (!atomic_compare_exchange_strong(&p->unreg_requested, &expected,
					    true)) {
		REACTOR_LOG(ERR, "poller_unregister: %s: already unregistered",
			    p->name);
		return -EALREADY;
	}
	if (direct_ok(r)) {
		poller_set_state(r, p, PS_UNREG, false);
		*pp = NULL;
		return 0;
	}
	rc = send_internal(r, msg_poller_unreg, p);
	if (rc != 0) {
		atomic_store(&p->unreg_requested, false);
		REACTOR_LOG(ERR, "poller_unregister: %s: cannot reach lcore %u: "
			    "%s", p->name, r->lcore, strerror(-rc));
		return rc;
	}
	*pp = NULL;
	return 0;
}

static int
poller_ctl(struct nb_poller *p, enum poller_state s, nb_msg_fn msg,
	   const char *what)
{
	int rc;

	if (p == NULL) {
		REACTOR_LOG(ERR, "%s: NULL poller", what);
		return -EINVAL;
	}
	if (atomic_load(&p->unreg_requested)) {
		REACTOR_LOG(ERR, "%s: %s is unregistered", what, p->name);
		return -EINVAL;
	}
	if (direct_ok(p->r)) {
		poller_set_state(p->r, p, s, false);
		return 0;
	}
	rc = send_internal(p->r, msg, p);
	if (rc != 0) {
		REACTOR_LOG(ERR, "%s: %s: cannot reach lcore %u: %s", what,
			    p->name, p->r->lcore, strerror(-rc));
	}
	return rc;
}

int
nb_poller_pause(struct nb_poller *p)
{
	return poller_ctl(p, PS_PAUSED, msg_poller_pause, "poller_pause");
}

int
nb_poller_resume(struct nb_poller *p)
{
	return poller_ctl(p, PS_RUNNING, msg_poller_resume, "poller_resume");
}

/*
 * call_all
 */

/* Send the next step of @ctx from reactor @r; park it when full. */
static void
call_all_forward(struct reactor *r, struct call_all_ctx *ctx)
{
	struct reactor *target;
	nb_msg_fn fn;
	int rc;

	if (ctx->next < nb_reactor_count) {
		target = nb_reactor_tab[nb_reactor_lcores[ctx->next]];
		fn = msg_call_all_step;
	} else if (ctx->done_fn != NULL) {
		target = nb_reactor_tab[ctx->origin];
		fn = msg_call_all_done;
	} else {
		free(ctx);
		return;
	}
	rc = send_internal(target, fn, ctx);
	if (rc == -EAGAIN) {
		TAILQ_INSERT_TAIL(&r->retry, ctx, link);
	} else if (rc != 0) {
		free(ctx);	/* stopping */
	}
}

static void
msg_call_all_step(void *arg)
{
	struct call_all_ctx *ctx = arg;

	ctx->fn(ctx->arg);
	ctx->next++;
	call_all_forward(nb_reactor_tab[rte_lcore_id()], ctx);
}

static void
msg_call_all_done(void *arg)
{
	struct call_all_ctx *ctx = arg;

	ctx->done_fn(ctx->done_arg);
	free(ctx);
}

static void
retry_process(struct reactor *r)
{
	struct call_all_head todo = TAILQ_HEAD_INITIALIZER(todo);
	struct call_all_ctx *ctx;

	TAILQ_CONCAT(&todo, &r->retry, link);
	while ((ctx = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, ctx, link);
		call_all_forward(r, ctx);
	}
}

int
nb_reactor_call_all(nb_msg_fn fn, void *arg, nb_msg_fn done_fn,
		    void *done_arg)
{
	unsigned int lcore = rte_lcore_id();
	struct call_all_ctx *ctx;
	int rc;

	if (!atomic_load(&nb_reactor_inited)) {
		REACTOR_LOG(ERR, "call_all: reactors are not initialised");
		return -ENODEV;
	}
	if (fn == NULL) {
		REACTOR_LOG(ERR, "call_all: NULL function");
		return -EINVAL;
	}
	if (reactor_get(lcore) == NULL) {
		REACTOR_LOG(ERR, "call_all: the calling thread is not a reactor");
		return -EINVAL;
	}
	if (__atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_SEQ_CST)) {
		return -ESHUTDOWN;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return -ENOMEM;
	}
	ctx->fn = fn;
	ctx->arg = arg;
	ctx->done_fn = done_fn;
	ctx->done_arg = done_arg;
	ctx->origin = lcore;
	ctx->next = 0;
	rc = send_internal(nb_reactor_tab[nb_reactor_lcores[0]], msg_call_all_step, ctx);
	if (rc != 0) {
		free(ctx);
	}
	return rc;
}

/*
 * Channels
 */

static void
channel_free(struct nb_reactor_channel *ch)
{
	pthread_mutex_lock(&g_chan_lock);
	TAILQ_REMOVE(&g_channels, ch, link);
	pthread_mutex_unlock(&g_chan_lock);
	ring_release(ch->ring);
	rte_mempool_cache_flush(ch->cache, nb_reactor_msg_pool);
	rte_mempool_cache_free(ch->cache);
	rte_ring_free(ch->ring);
	free(ch);
}

/*
 * Hand a channel to its reactor: any thread puts it in r->pending under
 * r->chan_lock and raises r->chans_pending; the reactor moves it to
 * r->chans in its next loop. No message, so a full ring cannot refuse it.
 */
static int
channel_attach(struct reactor *r, struct nb_reactor_channel *ch)
{
	int rc = 0;

	rte_spinlock_lock(&r->chan_lock);
	if (r->nb_chans + r->nb_pending >= NB_REACTOR_MAX_CHANNELS) {
		rc = -ENOSPC;
	} else {
		r->pending[r->nb_pending++] = ch;
		atomic_store_explicit(&r->chans_pending, true,
				      memory_order_release);
	}
	rte_spinlock_unlock(&r->chan_lock);
	return rc;
}

/* Owner: take the pending channels. */
static void
chans_adopt(struct reactor *r)
{
	unsigned int i;

	rte_spinlock_lock(&r->chan_lock);
	for (i = 0; i < r->nb_pending; i++) {
		r->pending[i]->attached = true;
		r->chans[r->nb_chans++] = r->pending[i];
	}
	r->nb_pending = 0;
	atomic_store_explicit(&r->chans_pending, false, memory_order_relaxed);
	rte_spinlock_unlock(&r->chan_lock);
}

struct nb_reactor_channel *
nb_reactor_channel_create(unsigned int lcore)
{
	unsigned int ring_size = g_opts.ring_size;
	char name[RTE_RING_NAMESIZE];
	struct nb_reactor_channel *ch;
	struct reactor *r;
	int rc;

	r = reactor_target(lcore, "channel_create");
	if (r == NULL) {
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		REACTOR_LOG(ERR, "channel_create: no memory");
		rte_errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&g_chan_lock);
	snprintf(name, sizeof(name), "nbr_ch%u", g_chan_seq++);
	pthread_mutex_unlock(&g_chan_lock);
	ch->ring = rte_ring_create(name, ring_size, SOCKET_ID_ANY,
				   RING_F_SP_ENQ | RING_F_SC_DEQ |
				   RING_F_EXACT_SZ);
	ch->cache = rte_mempool_cache_create(RTE_MAX(g_cache_size, 1u),
					     SOCKET_ID_ANY);
	if (ch->ring == NULL || ch->cache == NULL) {
		REACTOR_LOG(ERR, "channel_create: no memory for ring or cache");
		rte_ring_free(ch->ring);
		rte_mempool_cache_free(ch->cache);
		free(ch);
		rte_errno = ENOMEM;
		return NULL;
	}
	ch->r = r;
	atomic_init(&ch->closed, false);
	pthread_mutex_lock(&g_chan_lock);
	TAILQ_INSERT_TAIL(&g_channels, ch, link);
	pthread_mutex_unlock(&g_chan_lock);

	rc = channel_attach(r, ch);
	if (rc != 0) {
		REACTOR_LOG(ERR, "channel_create: cannot attach to lcore %u: %s",
			    lcore, strerror(-rc));
		channel_free(ch);
		rte_errno = -rc;
		return NULL;
	}
	return ch;
}

int
nb_reactor_channel_send(struct nb_reactor_channel *ch, nb_msg_fn fn,
			void *arg)
{
	struct nb_msg *m;

	if (unlikely(ch == NULL || fn == NULL ||
		     atomic_load_explicit(&ch->closed, memory_order_relaxed))) {
		REACTOR_LOG(ERR, "channel_send: %s",
			    ch == NULL ? "NULL channel" :
			    fn == NULL ? "NULL function" : "closed channel");
		return -EINVAL;
	}
	if (unlikely(__atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_RELAXED))) {
		return -ESHUTDOWN;
	}
	if (unlikely(rte_mempool_generic_get(nb_reactor_msg_pool, (void **)&m, 1,
					     ch->cache) != 0)) {
		refused(ch->r, 1);
		return -EAGAIN;
	}
	m->fn = fn;
	m->arg = arg;
	if (unlikely(rte_ring_sp_enqueue(ch->ring, m) != 0)) {
		rte_mempool_generic_put(nb_reactor_msg_pool, (void **)&m, 1, ch->cache);
		refused(ch->r, 1);
		return -EAGAIN;
	}
	reactor_wake(ch->r);
	return 0;
}

void
nb_reactor_channel_destroy(struct nb_reactor_channel *ch)
{
	if (ch == NULL) {
		return;
	}
	rte_mempool_cache_flush(ch->cache, nb_reactor_msg_pool);
	atomic_store_explicit(&ch->closed, true, memory_order_release);
	reactor_wake(ch->r);
}

/* Run the channels' messages; free the closed, drained ones. */
static unsigned int
chans_process(struct reactor *r)
{
	unsigned int i = 0, n = 0;

	while (i < r->nb_chans) {
		struct nb_reactor_channel *ch = r->chans[i];
		bool closed = atomic_load_explicit(&ch->closed,
						   memory_order_acquire);

		n += ring_process(r, ch->ring);
		if (closed && rte_ring_empty(ch->ring)) {
			rte_spinlock_lock(&r->chan_lock);
			r->chans[i] = r->chans[--r->nb_chans];
			rte_spinlock_unlock(&r->chan_lock);
			channel_free(ch);
			continue;
		}
		i++;
	}
	return n;
}

/*
 * The loop
 */

static inline void
poller_account(struct nb_poller *p, int rc, uint64_t dt)
{
	p->runs++;
	if (rc > 0) {
		p->busy_runs++;
		p->busy_tsc += dt;
	} else {
		p->idle_tsc += dt;
	}
}

static int
reactor_once(struct reactor *r, uint64_t now)
{
	struct nb_poller *p, *next;
	uint64_t t = now, t1;
	int work, rc;

	/*
	 * A loop's time is from its start to the next loop's start (no
	 * clock read at the end): charge the previous loop now.
	 */
	if (likely(r->last_tsc != 0 && now >= r->last_tsc)) {
		if (r->last_work) {
			r->busy_tsc += now - r->last_tsc;
		} else {
			r->idle_tsc += now - r->last_tsc;
		}
	}
	r->now = now;
	work = (int)ring_process(r, r->hot.ring);
	if (unlikely(atomic_load_explicit(&r->chans_pending,
					  memory_order_acquire))) {
		chans_adopt(r);
	}
	if (unlikely(r->nb_chans > 0)) {
		work += (int)chans_process(r);
	}
	if (unlikely(!TAILQ_EMPTY(&r->retry))) {
		retry_process(r);
	}
	if (work > 0) {
		t = clock_now();
	}

	for (p = TAILQ_FIRST(&r->active); p != NULL; p = next) {
		if (likely(p->state == PS_RUNNING)) {
			r->cur = p;
			rc = p->fn(p->arg);
			r->cur = NULL;
			t1 = clock_now();
			poller_account(p, rc, t1 - t);
			t = t1;
			work += rc > 0;
		}
		next = TAILQ_NEXT(p, link);
		if (unlikely(p->state != PS_RUNNING)) {
			TAILQ_REMOVE(&r->active, p, link);
			p->list = PL_NONE;
			poller_place(r, p, true);
		}
	}

	while (r->heap_n > 0 && r->heap[0]->next_tsc <= now) {
		p = r->heap[0];
		heap_remove(r, p);
		p->list = PL_NONE;
		r->cur = p;
		rc = p->fn(p->arg);
		r->cur = NULL;
		t1 = clock_now();
		poller_account(p, rc, t1 - t);
		t = t1;
		work += rc > 0;
		poller_place(r, p, true);
	}

	r->loops++;
	r->last_tsc = now;
	r->last_work = work > 0;
	return work;
}

int
nb_reactor_poll_once(uint64_t now_tsc)
{
	struct reactor *r;

	if (unlikely(!atomic_load_explicit(&nb_reactor_inited,
					   memory_order_relaxed))) {
		return -ENODEV;
	}
	r = reactor_get(rte_lcore_id());
	if (unlikely(r == NULL)) {
		REACTOR_LOG(ERR, "poll_once: lcore %u has no reactor",
			    rte_lcore_id());
		return -EINVAL;
	}
	return reactor_once(r, now_tsc);
}

/* Anything queued for @r? */
static bool
reactor_has_msgs(const struct reactor *r)
{
	unsigned int i;

	if (!rte_ring_empty(r->hot.ring) || atomic_load(&r->chans_pending)) {
		return true;
	}
	for (i = 0; i < r->nb_chans; i++) {
		if (!rte_ring_empty(r->chans[i]->ring) ||
		    atomic_load(&r->chans[i]->closed)) {
			return true;
		}
	}
	return false;
}

/* Back-off sleep: until a message, the next deadline or the cap. */
static void
reactor_sleep(struct reactor *r)
{
	uint64_t ns = 1000000000ull, hz = nb_reactor_clock_hz();
	struct pollfd pfd = { .fd = r->hot.efd, .events = POLLIN };
	struct timespec ts;
	uint64_t cnt;

	if (r->heap_n > 0) {
		uint64_t now = clock_now(), dl = r->heap[0]->next_tsc;

		if (dl <= now) {
			return;
		}
		ns = RTE_MIN(ns, (uint64_t)((unsigned __int128)(dl - now) *
					    1000000000ull / hz));
	}
	if (!TAILQ_EMPTY(&r->active)) {
		ns = RTE_MIN(ns, (uint64_t)g_opts.idle_max_sleep_us * 1000);
	}
	__atomic_store_n(&r->hot.sleeping, 1, __ATOMIC_SEQ_CST);
	atomic_thread_fence(memory_order_seq_cst);
	if (reactor_has_msgs(r) || __atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&r->hot.sleeping, 0, __ATOMIC_RELAXED);
		return;
	}
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	if (ppoll(&pfd, 1, &ts, NULL) > 0 && (pfd.revents & POLLIN)) {
		if (read(r->hot.efd, &cnt, sizeof(cnt)) < 0) {
			/* EAGAIN: another reader cleared it; nothing to do */
		}
	}
	__atomic_store_n(&r->hot.sleeping, 0, __ATOMIC_RELAXED);
	r->sleeps++;
}

static int
reactor_thread(void *arg)
{
	struct reactor *r = arg;
	unsigned int spin = g_opts.idle_spin_loops;
	unsigned int limit = spin + g_opts.idle_pause_loops;
	struct call_all_ctx *ctx;

	atomic_store(&r->running, true);
	r->idle_loops = 0;
	while (!__atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_RELAXED)) {
		if (reactor_once(r, clock_now()) > 0 || !nb_reactor_backoff) {
			r->idle_loops = 0;
			continue;
		}
		if (++r->idle_loops <= spin) {
			continue;
		}
		if (r->idle_loops <= limit) {
			rte_pause();
			continue;
		}
		reactor_sleep(r);
		r->idle_loops = limit;	/* still idle after a wake: sleep again */
	}
	/* Run what is queued; later sends fail with -ESHUTDOWN. */
	while (ring_process(r, r->hot.ring) > 0 ||
	       (r->nb_chans > 0 && chans_process(r) > 0)) {
	}
	while ((ctx = TAILQ_FIRST(&r->retry)) != NULL) {
		TAILQ_REMOVE(&r->retry, ctx, link);
		free(ctx);
	}
	atomic_store(&r->running, false);
	return 0;
}

/*
 * Init, start, stop, fini
 */

void
nb_reactor_opts_init(struct nb_reactor_opts *opts, size_t opts_size)
{
	struct nb_reactor_opts d = {
		.opts_size = sizeof(d),
		.lcores = NULL,
		.nb_lcores = 0,
		.ring_size = NB_REACTOR_RING_SIZE_DEFAULT,
		.msg_pool_size = NB_REACTOR_MSG_POOL_SIZE_DEFAULT,
		.idle = NB_REACTOR_IDLE_SPIN,
		.idle_spin_loops = NB_REACTOR_IDLE_SPIN_LOOPS_DEFAULT,
		.idle_pause_loops = NB_REACTOR_IDLE_PAUSE_LOOPS_DEFAULT,
		.idle_max_sleep_us = NB_REACTOR_IDLE_MAX_SLEEP_US_DEFAULT,
	};

	if (opts == NULL) {
		REACTOR_LOG(ERR, "opts_init: NULL options");
		return;
	}
	d.opts_size = RTE_MIN(opts_size, sizeof(d));
	memcpy(opts, &d, d.opts_size);
}

static int
lcores_choose(const struct nb_reactor_opts *o)
{
	unsigned int i, j, l;

	nb_reactor_count = 0;
	if (o->lcores == NULL || o->nb_lcores == 0) {
		RTE_LCORE_FOREACH(l) {
			nb_reactor_lcores[nb_reactor_count++] = l;
		}
		return 0;
	}
	if (o->nb_lcores > RTE_MAX_LCORE) {
		REACTOR_LOG(ERR, "init: %u lcores, at most %u", o->nb_lcores,
			    RTE_MAX_LCORE);
		return -EINVAL;
	}
	for (i = 0; i < o->nb_lcores; i++) {
		l = o->lcores[i];
		if (l >= RTE_MAX_LCORE || !rte_lcore_is_enabled(l)) {
			REACTOR_LOG(ERR, "init: lcore %u is not an EAL lcore", l);
			return -EINVAL;
		}
		/* insertion sort, ascending, no duplicates */
		for (j = nb_reactor_count; j > 0 && nb_reactor_lcores[j - 1] > l; j--) {
			nb_reactor_lcores[j] = nb_reactor_lcores[j - 1];
		}
		if (j > 0 && nb_reactor_lcores[j - 1] == l) {
			REACTOR_LOG(ERR, "init: lcore %u given twice", l);
			return -EINVAL;
		}
		nb_reactor_lcores[j] = l;
		nb_reactor_count++;
	}
	return 0;
}

static void
reactor_destroy(struct reactor *r)
{
	struct nb_poller *p;
	struct call_all_ctx *ctx;

	if (r == NULL) {
		return;
	}
	if (r->hot.ring != NULL) {
		ring_release(r->hot.ring);
	}
	while ((ctx = TAILQ_FIRST(&r->retry)) != NULL) {
		TAILQ_REMOVE(&r->retry, ctx, link);
		free(ctx);
	}
	while ((p = TAILQ_FIRST(&r->all)) != NULL) {
		poller_free(p);
	}
	free(r->heap);
	rte_ring_free(r->hot.ring);
	if (r->hot.efd >= 0) {
		close(r->hot.efd);
	}
	rte_free(r);
}

static void
reactors_free_all(void)
{
	struct nb_reactor_channel *ch;
	unsigned int i;

	/* Rings first: releasing a registration frees its poller. */
	for (i = 0; i < nb_reactor_count; i++) {
		struct reactor *r = nb_reactor_tab[nb_reactor_lcores[i]];

		if (r != NULL && r->hot.ring != NULL) {
			ring_release(r->hot.ring);
		}
	}
	while ((ch = TAILQ_FIRST(&g_channels)) != NULL) {
		channel_free(ch);
	}
	for (i = 0; i < nb_reactor_count; i++) {
		reactor_destroy(nb_reactor_tab[nb_reactor_lcores[i]]);
		nb_reactor_hot_tab[nb_reactor_lcores[i]] = NULL;
		nb_reactor_tab[nb_reactor_lcores[i]] = NULL;
	}
}

static struct reactor *
reactor_create(unsigned int lcore)
{
	char name[RTE_RING_NAMESIZE];
	struct reactor *r;

	r = rte_zmalloc_socket("nb_reactor", sizeof(*r), RTE_CACHE_LINE_SIZE,
			       (int)rte_lcore_to_socket_id(lcore));
	if (r == NULL) {
		r = rte_zmalloc("nb_reactor", sizeof(*r), RTE_CACHE_LINE_SIZE);
	}
	if (r == NULL) {
		return NULL;
	}
	r->lcore = lcore;
	r->hot.efd = -1;
	r->hot.sleeping = 0;
	TAILQ_INIT(&r->active);
	TAILQ_INIT(&r->paused);
	TAILQ_INIT(&r->retry);
	TAILQ_INIT(&r->all);
	rte_spinlock_init(&r->all_lock);
	rte_spinlock_init(&r->chan_lock);
	atomic_init(&r->chans_pending, false);
	atomic_init(&r->running, false);
	nb_reactor_tab[lcore] = r;	/* reactor_destroy() from here on */
	snprintf(name, sizeof(name), "nbr_msgs%u", lcore);
	r->hot.ring = rte_ring_create(name, g_opts.ring_size,
				  (int)rte_lcore_to_socket_id(lcore),
				  RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (r->hot.ring == NULL) {
		r->hot.ring = rte_ring_create(name, g_opts.ring_size,
					  SOCKET_ID_ANY,
					  RING_F_SC_DEQ | RING_F_EXACT_SZ);
	}
	r->hot.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->hot.ring == NULL || r->hot.efd < 0) {
		return NULL;
	}
	return r;
}

int
nb_reactors_init(const struct nb_reactor_opts *opts)
{
	static bool registered;
	struct nb_reactor_opts o;
	unsigned int i;
	int rc;

	if (atomic_load(&nb_reactor_inited)) {
		REACTOR_LOG(ERR, "init: already initialised");
		return -EALREADY;
	}
	if (!nb_env_is_initialized()) {
		REACTOR_LOG(ERR, "init: EAL is not initialised (nb_env_init)");
		return -ENODEV;
	}
	nb_reactor_opts_init(&o, sizeof(o));
	if (opts != NULL) {
		if (opts->opts_size < offsetof(struct nb_reactor_opts, idle) ||
		    opts->opts_size > sizeof(o)) {
			REACTOR_LOG(ERR, "init: opts_size %zu: use "
				    "nb_reactor_opts_init()", opts->opts_size);
			return -EINVAL;
		}
		memcpy(&o, opts, opts->opts_size);
		o.opts_size = sizeof(o);
	}
	if (o.ring_size < 2 || o.ring_size > (1u << 24)) {
		REACTOR_LOG(ERR, "init: ring_size %u out of 2..2^24", o.ring_size);
		return -EINVAL;
	}
	if (o.msg_pool_size < 2) {
		REACTOR_LOG(ERR, "init: msg_pool_size %u below 2",
			    o.msg_pool_size);
		return -EINVAL;
	}
	if (o.idle != NB_REACTOR_IDLE_SPIN && o.idle != NB_REACTOR_IDLE_BACKOFF) {
		REACTOR_LOG(ERR, "init: unknown idle policy %d", (int)o.idle);
		return -EINVAL;
	}
	rc = lcores_choose(&o);
	if (rc != 0) {
		return rc;
	}
	o.lcores = NULL;
	o.nb_lcores = nb_reactor_count;
	g_opts = o;
	nb_reactor_backoff = o.idle == NB_REACTOR_IDLE_BACKOFF;

	/* A cache may hold 1.5x its size: keep that well below the pool. */
	g_cache_size = RTE_MIN(o.msg_pool_size / 8,
			       (unsigned int)RTE_MEMPOOL_CACHE_MAX_SIZE / 2);
	nb_reactor_msg_pool = rte_mempool_create("nbr_msg_pool", o.msg_pool_size,
					sizeof(struct nb_msg), g_cache_size, 0,
					NULL, NULL, NULL, NULL, SOCKET_ID_ANY,
					0);
	if (nb_reactor_msg_pool == NULL) {
		REACTOR_LOG(ERR, "init: no message pool of %u: %s",
			    o.msg_pool_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		if (reactor_create(nb_reactor_lcores[i]) == NULL) {
			REACTOR_LOG(ERR, "init: cannot create the reactor of "
				    "lcore %u", nb_reactor_lcores[i]);
			reactors_free_all();
			rte_mempool_free(nb_reactor_msg_pool);
			nb_reactor_msg_pool = NULL;
			return -ENOMEM;
		}
	}
	__atomic_store_n(&nb_reactor_stop_flag, false, __ATOMIC_SEQ_CST);
	atomic_store(&g_started, false);
	for (i = 0; i < nb_reactor_count; i++) {
		nb_reactor_hot_tab[nb_reactor_lcores[i]] =
			&nb_reactor_tab[nb_reactor_lcores[i]]->hot;
	}
	if (!registered) {
		nb_reactor_telemetry_setup();
		nb_reactor_usage_cb_setup();
		registered = true;
	}
	atomic_store(&nb_reactor_inited, true);
	return 0;
}

int
nb_reactors_start(void)
{
	unsigned int main_lcore = rte_get_main_lcore(), i, l;
	bool expected = false;

	if (!atomic_load(&nb_reactor_inited)) {
		REACTOR_LOG(ERR, "start: reactors are not initialised");
		return -ENODEV;
	}
	if (rte_lcore_id() != main_lcore) {
		REACTOR_LOG(ERR, "start: call it on the main lcore");
		return -EPERM;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		l = nb_reactor_lcores[i];
		if (l != main_lcore && rte_eal_get_lcore_state(l) != WAIT) {
			REACTOR_LOG(ERR, "start: lcore %u is busy", l);
			return -EBUSY;
		}
	}
	if (!atomic_compare_exchange_strong(&g_started, &expected, true)) {
		REACTOR_LOG(ERR, "start: already started");
		return -EALREADY;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		l = nb_reactor_lcores[i];
		if (l == main_lcore) {
			continue;
		}
		if (rte_eal_remote_launch(reactor_thread, nb_reactor_tab[l], l) != 0) {
			REACTOR_LOG(ERR, "start: cannot launch lcore %u", l);
			nb_reactors_stop();
			break;
		}
	}
	if (nb_reactor_tab[main_lcore] != NULL && !__atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_SEQ_CST)) {
		reactor_thread(nb_reactor_tab[main_lcore]);
	}
	for (i = 0; i < nb_reactor_count; i++) {
		if (nb_reactor_lcores[i] != main_lcore) {
			rte_eal_wait_lcore(nb_reactor_lcores[i]);
		}
	}
	/* Messages that arrived after their reactor drained: release. */
	for (i = 0; i < nb_reactor_count; i++) {
		ring_release(nb_reactor_tab[nb_reactor_lcores[i]]->hot.ring);
	}
	return 0;
}

void
nb_reactors_stop(void)
{
	uint64_t one = 1;
	unsigned int i;

	__atomic_store_n(&nb_reactor_stop_flag, true, __ATOMIC_SEQ_CST);
	if (!atomic_load(&nb_reactor_inited)) {
		return;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		struct reactor *r = nb_reactor_tab[nb_reactor_lcores[i]];

		if (r != NULL && r->hot.efd >= 0 &&
		    write(r->hot.efd, &one, sizeof(one)) < 0) {
			/* counter full: it wakes anyway */
		}
	}
}

bool
nb_reactors_stopping(void)
{
	return __atomic_load_n(&nb_reactor_stop_flag, __ATOMIC_SEQ_CST);
}

unsigned int
nb_reactor_msgs_outstanding(void)
{
	if (!atomic_load(&nb_reactor_inited) || nb_reactor_msg_pool == NULL) {
		return 0;
	}
	return nb_reactor_msg_pool->size - rte_mempool_avail_count(nb_reactor_msg_pool);
}

void
nb_reactors_fini(void)
{
	unsigned int i, missing;

	if (!atomic_load(&nb_reactor_inited)) {
		REACTOR_LOG(ERR, "fini: not initialised");
		return;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		if (atomic_load(&nb_reactor_tab[nb_reactor_lcores[i]]->running)) {
			REACTOR_LOG(ERR, "fini: lcore %u still runs; stop and "
				    "wait for nb_reactors_start() first",
				    nb_reactor_lcores[i]);
			return;
		}
	}
	__atomic_store_n(&nb_reactor_stop_flag, true, __ATOMIC_SEQ_CST);
	rte_spinlock_lock(&nb_reactor_tel_lock);	/* telemetry reads them */
	reactors_free_all();
	missing = nb_reactor_msgs_outstanding();
	if (missing != 0) {
		REACTOR_LOG(WARNING, "fini: %u message objects missing from "
			    "the pool", missing);
	}
	atomic_store(&nb_reactor_inited, false);
	rte_spinlock_unlock(&nb_reactor_tel_lock);
	rte_mempool_free(nb_reactor_msg_pool);
	nb_reactor_msg_pool = NULL;
	nb_reactor_count = 0;
}
