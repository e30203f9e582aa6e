/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages: {fn, arg} carried by value in the slots of a reactor's MP/SC
 * ring (nb_reactor_send() is inline in nb_reactor.h), all-or-none bulks,
 * call_all, and channels (an SP/SC ring per sending thread).
 *
 * Nothing is allocated per message, so nothing can run short but a ring:
 * a full ring is -EAGAIN, counted as refused on its reactor.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "reactor_internal.h"

struct channel_list_head nb_reactor_channels =
	TAILQ_HEAD_INITIALIZER(nb_reactor_channels);
pthread_mutex_t nb_reactor_chan_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int g_chan_seq;
struct nb_reactor_internal_self nb_reactor_internal_self[RTE_MAX_LCORE];

void
nb_reactor_internal_wake(struct nb_reactor_internal_hot *h)
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
void
nb_reactor_wake(struct reactor *r)
{
	if (unlikely(nb_reactor_internal_backoff)) {
		nb_reactor_internal_wake(&r->hot);
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
	if (!reactor_inited()) {
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
nb_reactor_internal_send_fail(unsigned int lcore, bool fn_null, int why)
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

/* A bulk to the sender's own reactor: its own queue keeps the order. */
static int
self_enqueue_bulk(struct reactor *r, const struct nb_msg *msgs,
		  unsigned int n)
{
	struct nb_reactor_internal_self *q = &nb_reactor_internal_self[r->lcore];
	uint32_t t = q->tail, i;

	if (unlikely(q->cap - (t - q->head) < n)) {
		refused(r, n);
		return -EAGAIN;
	}
	for (i = 0; i < n; i++) {
		q->msgs[(t + i) & q->mask] = msgs[i];
	}
	__atomic_store_n(&q->tail, t + n, __ATOMIC_RELAXED);
	return 0;
}

int
nb_reactor_send_bulk(unsigned int lcore, const struct nb_msg *msgs,
		     unsigned int n)
{
	struct reactor *r = reactor_get(lcore);
	unsigned int i;

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
	if (unlikely(n > nb_reactor_cfg.ring_size)) {
		REACTOR_LOG(ERR, "send_bulk: %u messages can never fit lcore "
			    "%u's ring of %u", n, lcore,
			    nb_reactor_cfg.ring_size);
		return -EINVAL;
	}
	if (n == 0) {
		return 0;
	}
	if (unlikely(reactor_state() >= NB_REACTORS_STOPPING)) {
		return -ESHUTDOWN;
	}
	if (lcore == rte_lcore_id()) {
		return self_enqueue_bulk(r, msgs, n);
	}
	if (unlikely(rte_ring_mp_enqueue_bulk_elem(r->hot.ring, msgs,
						   sizeof(*msgs), n,
						   NULL) != n)) {
		refused(r, n);
		return -EAGAIN;
	}
	nb_reactor_wake(r);
	return 0;
}

/* Internal messages, told apart by their function when released. */
static void msg_call_all_step(void *arg);
static void msg_call_all_done(void *arg);

/*
 * A queued message that will not run: free what it carries. A
 * registration's poller stays on its reactor's list of every poller,
 * valid for the caller until fini.
 */
static void
msg_release(const struct nb_msg *m)
{
	if (m->fn == msg_call_all_step || m->fn == msg_call_all_done) {
		free(m->arg);
	}
}

unsigned int
nb_reactor_ring_release(struct rte_ring *ring)
{
	struct nb_msg m[REACTOR_MSG_BURST];
	unsigned int i, k, n = 0;

	while ((k = rte_ring_sc_dequeue_burst_elem(ring, m, sizeof(m[0]),
						   REACTOR_MSG_BURST,
						   NULL)) > 0) {
		for (i = 0; i < k; i++) {
			msg_release(&m[i]);
		}
		n += k;
	}
	return n;
}

/* Release what @r's own queue holds (its lcore runs no loop now). */
unsigned int
nb_reactor_self_release(struct reactor *r)
{
	struct nb_reactor_internal_self *q = &nb_reactor_internal_self[r->lcore];
	unsigned int n = 0;

	while (q->head != q->tail) {
		msg_release(&q->msgs[q->head & q->mask]);
		q->head++;
		n++;
	}
	return n;
}

/* Run up to a burst of the messages @r's lcore sent itself. */
static inline unsigned int
self_process(struct reactor *r)
{
	struct nb_reactor_internal_self *q = &nb_reactor_internal_self[r->lcore];
	uint32_t h = q->head, t = q->tail, n;
	struct nb_msg m;

	if (likely(h == t)) {
		return 0;
	}
	t = RTE_MIN(t - h, (uint32_t)REACTOR_MSG_BURST) + h;
	for (n = 0; h != t; n++) {
		m = q->msgs[h & q->mask];
		h++;
		/* the slot is free before the call: it may send itself more */
		__atomic_store_n(&q->head, h, __ATOMIC_RELAXED);
		m.fn(m.arg);
	}
	r->msgs_run += n;
	return n;
}

/* Run up to a burst of @ring's messages. */
static inline unsigned int
ring_process(struct reactor *r, struct rte_ring *ring)
{
	struct nb_msg m[REACTOR_MSG_BURST];
	unsigned int i, n;

	n = rte_ring_sc_dequeue_burst_elem(ring, m, sizeof(m[0]),
					   REACTOR_MSG_BURST, NULL);
	for (i = 0; i < n; i++) {
		m[i].fn(m[i].arg);
	}
	r->msgs_run += n;
	return n;
}

/*
 * call_all
 */

/*
 * nb_reactor_send() for the library's own messages, from a reactor's
 * lcore: a full ring is -EAGAIN without counting a refusal (a call_all
 * step waiting for room retries every loop; the application's sends are
 * what msgs_refused counts).
 */
static int
send_quiet(unsigned int lcore, nb_msg_fn fn, void *arg)
{
	struct nb_msg m = { .fn = fn, .arg = arg };
	struct reactor *r = reactor_get(lcore);

	if (reactor_state() >= NB_REACTORS_STOPPING) {
		return -ESHUTDOWN;
	}
	if (lcore == rte_lcore_id()) {
		struct nb_reactor_internal_self *q =
			&nb_reactor_internal_self[lcore];

		if (q->tail - q->head >= q->cap) {
			return -EAGAIN;
		}
		q->msgs[q->tail & q->mask] = m;
		__atomic_store_n(&q->tail, q->tail + 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (rte_ring_mp_enqueue_elem(r->hot.ring, &m, sizeof(m)) != 0) {
		return -EAGAIN;
	}
	nb_reactor_wake(r);
	return 0;
}

/* Send the next step of @ctx from reactor @r; park it when full. */
static void
call_all_forward(struct reactor *r, struct call_all_ctx *ctx)
{
	unsigned int target;
	nb_msg_fn fn;
	int rc;

	if (ctx->next < nb_reactor_count) {
		target = nb_reactor_lcores[ctx->next];
		fn = msg_call_all_step;
	} else if (ctx->done_fn != NULL) {
		target = ctx->origin;
		fn = msg_call_all_done;
	} else {
		free(ctx);
		return;
	}
	rc = send_quiet(target, fn, ctx);
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

void
nb_reactor_retry_process(struct reactor *r)
{
	struct call_all_head todo = TAILQ_HEAD_INITIALIZER(todo);
	struct call_all_ctx *ctx;

	TAILQ_CONCAT(&todo, &r->retry, link);
	while ((ctx = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, ctx, link);
		call_all_forward(r, ctx);
	}
}

void
nb_reactor_retry_drop(struct reactor *r)
{
	struct call_all_ctx *ctx;

	while ((ctx = TAILQ_FIRST(&r->retry)) != NULL) {
		TAILQ_REMOVE(&r->retry, ctx, link);
		free(ctx);
	}
}

int
nb_reactor_call_all(nb_msg_fn fn, void *arg, nb_msg_fn done_fn,
		    void *done_arg)
{
	unsigned int lcore = rte_lcore_id();
	struct call_all_ctx *ctx;
	int rc;

	if (!reactor_inited()) {
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
	if (reactor_state() >= NB_REACTORS_STOPPING) {
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
	rc = nb_reactor_send(nb_reactor_lcores[0], msg_call_all_step, ctx);
	if (rc != 0) {
		free(ctx);
	}
	return rc;
}

/*
 * Channels
 */

void
nb_reactor_channel_free(struct nb_reactor_channel *ch)
{
	pthread_mutex_lock(&nb_reactor_chan_lock);
	TAILQ_REMOVE(&nb_reactor_channels, ch, link);
	pthread_mutex_unlock(&nb_reactor_chan_lock);
	nb_reactor_ring_release(ch->ring);
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
		__atomic_store_n(&r->chans_pending, true, __ATOMIC_RELEASE);
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
		r->chans[r->nb_chans++] = r->pending[i];
	}
	r->nb_pending = 0;
	__atomic_store_n(&r->chans_pending, false, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&r->chan_lock);
}

/* Run the channels' messages; free the closed, drained ones. */
static unsigned int
chans_process(struct reactor *r)
{
	unsigned int i = 0, n = 0;

	while (i < r->nb_chans) {
		struct nb_reactor_channel *ch = r->chans[i];
		bool closed = __atomic_load_n(&ch->closed, __ATOMIC_ACQUIRE);

		n += ring_process(r, ch->ring);
		if (closed && rte_ring_empty(ch->ring)) {
			rte_spinlock_lock(&r->chan_lock);
			r->chans[i] = r->chans[--r->nb_chans];
			rte_spinlock_unlock(&r->chan_lock);
			nb_reactor_channel_free(ch);
			continue;
		}
		i++;
	}
	return n;
}

struct nb_reactor_channel *
nb_reactor_channel_create(unsigned int lcore)
{
	char name[RTE_RING_NAMESIZE];
	struct nb_reactor_channel *ch;
	struct reactor *r;
	int rc;

	r = nb_reactor_target(lcore, "channel_create");
	if (r == NULL) {
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		REACTOR_LOG(ERR, "channel_create: no memory");
		rte_errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&nb_reactor_chan_lock);
	snprintf(name, sizeof(name), "nbr_ch%u", g_chan_seq++);
	pthread_mutex_unlock(&nb_reactor_chan_lock);
	ch->ring = rte_ring_create_elem(name, sizeof(struct nb_msg),
					nb_reactor_cfg.ring_size,
					SOCKET_ID_ANY, RING_F_SP_ENQ |
					RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (ch->ring == NULL) {
		REACTOR_LOG(ERR, "channel_create: no memory for a ring of %u: "
			    "%s", nb_reactor_cfg.ring_size,
			    rte_strerror(rte_errno));
		free(ch);
		rte_errno = ENOMEM;
		return NULL;
	}
	ch->r = r;
	pthread_mutex_lock(&nb_reactor_chan_lock);
	TAILQ_INSERT_TAIL(&nb_reactor_channels, ch, link);
	pthread_mutex_unlock(&nb_reactor_chan_lock);

	rc = channel_attach(r, ch);
	if (rc != 0) {
		REACTOR_LOG(ERR, "channel_create: cannot attach to lcore %u: %s",
			    lcore, strerror(-rc));
		nb_reactor_channel_free(ch);
		rte_errno = -rc;
		return NULL;
	}
	return ch;
}

int
nb_reactor_channel_send(struct nb_reactor_channel *ch, nb_msg_fn fn,
			void *arg)
{
	struct nb_msg m;

	if (unlikely(ch == NULL || fn == NULL ||
		     __atomic_load_n(&ch->closed, __ATOMIC_RELAXED))) {
		REACTOR_LOG(ERR, "channel_send: %s",
			    ch == NULL ? "NULL channel" :
			    fn == NULL ? "NULL function" : "closed channel");
		return -EINVAL;
	}
	if (unlikely(reactor_state() >= NB_REACTORS_STOPPING)) {
		return -ESHUTDOWN;
	}
	m.fn = fn;
	m.arg = arg;
	if (unlikely(rte_ring_sp_enqueue_elem(ch->ring, &m, sizeof(m)) != 0)) {
		refused(ch->r, 1);
		return -EAGAIN;
	}
	nb_reactor_wake(ch->r);
	return 0;
}

void
nb_reactor_channel_destroy(struct nb_reactor_channel *ch)
{
	struct reactor *r;

	if (ch == NULL) {
		return;
	}
	r = ch->r;	/* ch may be freed once it is closed */

	__atomic_store_n(&ch->closed, true, __ATOMIC_RELEASE);
	nb_reactor_wake(r);
}

/*
 * A loop's messages: the reactor's ring, channels (new ones first), then
 * the call_all steps waiting for room. Returns the messages run.
 */
unsigned int
nb_reactor_msgs_process(struct reactor *r)
{
	unsigned int work = ring_process(r, r->hot.ring) + self_process(r);

	if (unlikely(__atomic_load_n(&r->chans_pending, __ATOMIC_ACQUIRE))) {
		chans_adopt(r);
	}
	if (unlikely(r->nb_chans > 0)) {
		work += chans_process(r);
	}
	if (unlikely(!TAILQ_EMPTY(&r->retry))) {
		nb_reactor_retry_process(r);
	}
	return work;
}

/*
 * A stopping reactor runs everything queued for it (channels not yet
 * attached included) until its rings are empty; call_all steps still
 * waiting for room are dropped (sends are refused now).
 */
unsigned int
nb_reactor_msgs_drain(struct reactor *r)
{
	unsigned int k, n = 0;

	do {
		if (__atomic_load_n(&r->chans_pending, __ATOMIC_ACQUIRE)) {
			chans_adopt(r);
		}
		k = ring_process(r, r->hot.ring) + self_process(r);
		if (r->nb_chans > 0) {
			k += chans_process(r);
		}
		n += k;
	} while (k > 0);
	nb_reactor_retry_drop(r);
	return n;
}

/* Anything for @r to do in its next loop (back-off: do not sleep)? */
bool
nb_reactor_has_msgs(struct reactor *r)
{
	unsigned int i;

	const struct nb_reactor_internal_self *q =
		&nb_reactor_internal_self[r->lcore];

	if (!rte_ring_empty(r->hot.ring) || q->head != q->tail ||
	    __atomic_load_n(&r->chans_pending, __ATOMIC_ACQUIRE) ||
	    !TAILQ_EMPTY(&r->retry)) {
		return true;
	}
	for (i = 0; i < r->nb_chans; i++) {
		if (!rte_ring_empty(r->chans[i]->ring) ||
		    __atomic_load_n(&r->chans[i]->closed, __ATOMIC_ACQUIRE)) {
			return true;
		}
	}
	return false;
}

unsigned int
nb_reactor_msgs_outstanding(void)
{
	struct nb_reactor_channel *ch;
	unsigned int i, n = 0;

	if (!reactor_inited()) {
		return 0;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		const struct nb_reactor_internal_self *q =
			&nb_reactor_internal_self[nb_reactor_lcores[i]];

		n += rte_ring_count(nb_reactor_tab[nb_reactor_lcores[i]]->hot.ring);
		n += __atomic_load_n(&q->tail, __ATOMIC_RELAXED) -
		     __atomic_load_n(&q->head, __ATOMIC_RELAXED);
	}
	pthread_mutex_lock(&nb_reactor_chan_lock);
	TAILQ_FOREACH(ch, &nb_reactor_channels, link) {
		n += rte_ring_count(ch->ring);
	}
	pthread_mutex_unlock(&nb_reactor_chan_lock);
	return n;
}
