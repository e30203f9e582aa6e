/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reactors' lifecycle: init, start, stop, fini under one state, and
 * the run loop of a started reactor with its idle back-off.
 *
 *   UNINIT -init-> READY -start-> RUNNING -stop-> STOPPING
 *   STOPPING -(every reactor returned)-> STOPPED -fini-> UNINIT
 *   READY -stop-> STOPPED -start-> STOPPING (drain) -> STOPPED
 *   READY -fini-> UNINIT
 *
 * init, start's transitions and fini hold g_life_lock, so that fini can
 * never free what a starting or running reactor uses; stop only does a
 * compare-and-swap (it is called from signal handlers).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
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
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "nb_env.h"
#include "reactor_internal.h"

NB_LOG_REGISTER(reactor);

struct reactor *nb_reactor_tab[RTE_MAX_LCORE];
unsigned int nb_reactor_lcores[RTE_MAX_LCORE];
unsigned int nb_reactor_count;
struct nb_reactor_opts nb_reactor_cfg;
rte_spinlock_t nb_reactor_tel_lock = RTE_SPINLOCK_INITIALIZER;

struct nb_reactor_internal_hot *nb_reactor_internal_hot[RTE_MAX_LCORE];
int nb_reactor_internal_state;		/* enum nb_reactors_state */
bool nb_reactor_internal_backoff;

static pthread_mutex_t g_life_lock = PTHREAD_MUTEX_INITIALIZER;

enum nb_reactors_state
nb_reactors_state(void)
{
	return (enum nb_reactors_state)reactor_state();
}

bool
nb_reactors_stopping(void)
{
	return reactor_state() >= NB_REACTORS_STOPPING;
}

/* Move the state from @from to @to; false when it was not @from. */
static inline bool
state_cas(int from, int to)
{
	return __atomic_compare_exchange_n(&nb_reactor_internal_state, &from,
					   to, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/*
 * The run loop
 */

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
		ns = RTE_MIN(ns, (uint64_t)nb_reactor_cfg.idle_max_sleep_us *
				 1000);
	}
	__atomic_store_n(&r->hot.sleeping, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (nb_reactor_has_msgs(r) ||
	    reactor_state() != NB_REACTORS_RUNNING) {
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

/*
 * A started reactor: loops until the state leaves RUNNING, then runs what
 * is queued for it. A step (nb_reactor_run_step()) is one loop and up to
 * 31 more passes over the active pollers (at most 8 busy in all).
 */
static int
reactor_thread(void *arg)
{
	struct reactor *r = arg;
	unsigned int spin = nb_reactor_cfg.idle_spin_loops;
	unsigned int limit = spin + nb_reactor_cfg.idle_pause_loops;
	bool backoff = nb_reactor_internal_backoff;
	r->idle_loops = 0;
	while (likely(__atomic_load_n(&nb_reactor_internal_state,
				      __ATOMIC_RELAXED) ==
		      NB_REACTORS_RUNNING)) {
		if (nb_reactor_run_step(r) > 0 || !backoff) {
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
	nb_reactor_msgs_drain(r);
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
		.idle = NB_REACTOR_IDLE_SPIN,
		.idle_spin_loops = NB_REACTOR_IDLE_SPIN_LOOPS_DEFAULT,
		.idle_pause_loops = NB_REACTOR_IDLE_PAUSE_LOOPS_DEFAULT,
		.idle_max_sleep_us = NB_REACTOR_IDLE_MAX_SLEEP_US_DEFAULT,
		.poller_tsc = false,
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

	if (r == NULL) {
		return;
	}
	nb_reactor_retry_drop(r);
	/* every poller: placed, paused, orphaned registrations */
	while ((p = TAILQ_FIRST(&r->all)) != NULL) {
		nb_reactor_poller_free(p);
	}
	free(r->heap);
	rte_free(nb_reactor_internal_self[r->lcore].msgs);
	memset(&nb_reactor_internal_self[r->lcore], 0,
	       sizeof(nb_reactor_internal_self[r->lcore]));
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

	for (i = 0; i < nb_reactor_count; i++) {
		struct reactor *r = nb_reactor_tab[nb_reactor_lcores[i]];

		nb_reactor_internal_hot[nb_reactor_lcores[i]] = NULL;
		if (r != NULL && r->hot.ring != NULL) {
			nb_reactor_ring_release(r->hot.ring);
		}
		if (r != NULL && nb_reactor_internal_self[r->lcore].msgs != NULL) {
			nb_reactor_self_release(r);
		}
	}
	while ((ch = TAILQ_FIRST(&nb_reactor_channels)) != NULL) {
		nb_reactor_channel_free(ch);
	}
	for (i = 0; i < nb_reactor_count; i++) {
		reactor_destroy(nb_reactor_tab[nb_reactor_lcores[i]]);
		nb_reactor_tab[nb_reactor_lcores[i]] = NULL;
	}
	nb_reactor_count = 0;
}

static struct reactor *
reactor_create(unsigned int lcore)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct nb_reactor_internal_self *q;
	char name[RTE_RING_NAMESIZE];
	struct reactor *r;
	uint32_t slots;

	r = rte_zmalloc_socket("nb_reactor", sizeof(*r), RTE_CACHE_LINE_SIZE,
			       socket);
	if (r == NULL) {
		r = rte_zmalloc("nb_reactor", sizeof(*r), RTE_CACHE_LINE_SIZE);
	}
	if (r == NULL) {
		return NULL;
	}
	r->lcore = lcore;
	r->hot.efd = -1;
	r->poller_tsc = nb_reactor_cfg.poller_tsc;
	TAILQ_INIT(&r->active);
	TAILQ_INIT(&r->paused);
	TAILQ_INIT(&r->retry);
	TAILQ_INIT(&r->all);
	rte_spinlock_init(&r->all_lock);
	rte_spinlock_init(&r->chan_lock);
	nb_reactor_tab[lcore] = r;	/* reactor_destroy() from here on */
	snprintf(name, sizeof(name), "nbr_msgs%u", lcore);
	r->hot.ring = rte_ring_create_elem(name, sizeof(struct nb_msg),
					   nb_reactor_cfg.ring_size, socket,
					   RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (r->hot.ring == NULL) {
		r->hot.ring = rte_ring_create_elem(name, sizeof(struct nb_msg),
						   nb_reactor_cfg.ring_size,
						   SOCKET_ID_ANY,
						   RING_F_SC_DEQ |
						   RING_F_EXACT_SZ);
	}
	r->hot.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q = &nb_reactor_internal_self[lcore];
	slots = rte_align32pow2(nb_reactor_cfg.ring_size);
	q->msgs = rte_zmalloc_socket("nb_reactor_self",
				     slots * sizeof(struct nb_msg),
				     RTE_CACHE_LINE_SIZE, socket);
	if (q->msgs == NULL) {
		q->msgs = rte_zmalloc("nb_reactor_self",
				      slots * sizeof(struct nb_msg),
				      RTE_CACHE_LINE_SIZE);
	}
	q->mask = slots - 1;
	q->cap = nb_reactor_cfg.ring_size;
	q->head = 0;
	q->tail = 0;
	if (r->hot.ring == NULL || r->hot.efd < 0 || q->msgs == NULL) {
		return NULL;
	}
	return r;
}

static int
opts_check(const struct nb_reactor_opts *opts, struct nb_reactor_opts *o)
{
	nb_reactor_opts_init(o, sizeof(*o));
	if (opts != NULL) {
		if (opts->opts_size < offsetof(struct nb_reactor_opts, idle) ||
		    opts->opts_size > sizeof(*o)) {
			REACTOR_LOG(ERR, "init: opts_size %zu: use "
				    "nb_reactor_opts_init()", opts->opts_size);
			return -EINVAL;
		}
		memcpy(o, opts, opts->opts_size);
		o->opts_size = sizeof(*o);
	}
	if (o->ring_size < 2 || o->ring_size > (1u << 24)) {
		REACTOR_LOG(ERR, "init: ring_size %u out of 2..2^24", o->ring_size);
		return -EINVAL;
	}
	if (o->idle != NB_REACTOR_IDLE_SPIN && o->idle != NB_REACTOR_IDLE_BACKOFF) {
		REACTOR_LOG(ERR, "init: unknown idle policy %d", (int)o->idle);
		return -EINVAL;
	}
	return 0;
}

static int
reactors_init_locked(const struct nb_reactor_opts *opts)
{
	static bool registered;
	struct nb_reactor_opts o;
	unsigned int i;
	int rc;

	if (reactor_state() != NB_REACTORS_UNINIT) {
		REACTOR_LOG(ERR, "init: already initialised");
		return -EALREADY;
	}
	if (!nb_env_is_initialized()) {
		REACTOR_LOG(ERR, "init: EAL is not initialised (nb_env_init)");
		return -ENODEV;
	}
	rc = opts_check(opts, &o);
	if (rc != 0) {
		return rc;
	}
	rc = lcores_choose(&o);
	if (rc != 0) {
		return rc;
	}
	o.lcores = NULL;
	o.nb_lcores = nb_reactor_count;
	nb_reactor_cfg = o;
	nb_reactor_internal_backoff = o.idle == NB_REACTOR_IDLE_BACKOFF;
	for (i = 0; i < nb_reactor_count; i++) {
		if (reactor_create(nb_reactor_lcores[i]) == NULL) {
			REACTOR_LOG(ERR, "init: cannot create the reactor of "
				    "lcore %u", nb_reactor_lcores[i]);
			reactors_free_all();
			return -ENOMEM;
		}
	}
	for (i = 0; i < nb_reactor_count; i++) {
		nb_reactor_internal_hot[nb_reactor_lcores[i]] =
			&nb_reactor_tab[nb_reactor_lcores[i]]->hot;
	}
	if (!registered) {
		nb_reactor_telemetry_setup();
		nb_reactor_usage_cb_setup();
		registered = true;
	}
	__atomic_store_n(&nb_reactor_internal_state, NB_REACTORS_READY,
			 __ATOMIC_SEQ_CST);
	return 0;
}

int
nb_reactors_init(const struct nb_reactor_opts *opts)
{
	int rc;

	pthread_mutex_lock(&g_life_lock);
	rc = reactors_init_locked(opts);
	pthread_mutex_unlock(&g_life_lock);
	return rc;
}

/* The first half of start, under the lock: READY or STOPPED -> on. */
static int
start_enter(unsigned int main_lcore)
{
	unsigned int i, l;
	int st;

	st = reactor_state();
	if (st == NB_REACTORS_UNINIT) {
		REACTOR_LOG(ERR, "start: reactors are not initialised");
		return -ENODEV;
	}
	if (rte_lcore_id() != main_lcore) {
		REACTOR_LOG(ERR, "start: call it on the main lcore");
		return -EPERM;
	}
	if (st == NB_REACTORS_RUNNING || st == NB_REACTORS_STOPPING) {
		REACTOR_LOG(ERR, "start: already running");
		return -EALREADY;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		l = nb_reactor_lcores[i];
		if (l != main_lcore && rte_eal_get_lcore_state(l) != WAIT) {
			REACTOR_LOG(ERR, "start: lcore %u is busy", l);
			return -EBUSY;
		}
	}
	/* a stop may come in between: READY became STOPPED */
	while (!state_cas(NB_REACTORS_READY, NB_REACTORS_RUNNING) &&
	       !state_cas(NB_REACTORS_STOPPED, NB_REACTORS_STOPPING)) {
	}
	return 0;
}

int
nb_reactors_start(void)
{
	unsigned int main_lcore = rte_get_main_lcore(), i, l;
	struct nb_reactor_channel *ch;
	int rc;

	pthread_mutex_lock(&g_life_lock);
	rc = start_enter(main_lcore);
	pthread_mutex_unlock(&g_life_lock);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		l = nb_reactor_lcores[i];
		if (l == main_lcore) {
			continue;
		}
		if (rte_eal_remote_launch(reactor_thread, nb_reactor_tab[l], l) != 0) {
			REACTOR_LOG(ERR, "start: cannot launch lcore %u", l);
			nb_reactors_stop();
			/* its queue is released below, not run */
		}
	}
	if (nb_reactor_tab[main_lcore] != NULL) {
		reactor_thread(nb_reactor_tab[main_lcore]);
	}
	for (i = 0; i < nb_reactor_count; i++) {
		if (nb_reactor_lcores[i] != main_lcore) {
			rte_eal_wait_lcore(nb_reactor_lcores[i]);
		}
	}
	/* Messages that arrived after their reactor drained: release. */
	for (i = 0; i < nb_reactor_count; i++) {
		struct reactor *r = nb_reactor_tab[nb_reactor_lcores[i]];

		nb_reactor_ring_release(r->hot.ring);
		if (r->lcore == main_lcore) {
			nb_reactor_self_release(r);	/* owner: this thread */
		}
	}
	pthread_mutex_lock(&nb_reactor_chan_lock);
	TAILQ_FOREACH(ch, &nb_reactor_channels, link) {
		nb_reactor_ring_release(ch->ring);
	}
	pthread_mutex_unlock(&nb_reactor_chan_lock);
	pthread_mutex_lock(&g_life_lock);
	__atomic_store_n(&nb_reactor_internal_state, NB_REACTORS_STOPPED,
			 __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&g_life_lock);
	return 0;
}

/*
 * Stops between their compare-and-swap and their last eventfd write: fini
 * waits for 0 before it closes and frees (the reactors may see STOPPING,
 * return, and start return, before a stop's writes are done).
 */
static unsigned int g_stops_busy;

void
nb_reactors_stop(void)
{
	uint64_t one = 1;
	unsigned int i;

	__atomic_fetch_add(&g_stops_busy, 1, __ATOMIC_SEQ_CST);
	if (state_cas(NB_REACTORS_READY, NB_REACTORS_STOPPED) ||
	    !state_cas(NB_REACTORS_RUNNING, NB_REACTORS_STOPPING)) {
		/* not running: nobody to wake */
		__atomic_fetch_sub(&g_stops_busy, 1, __ATOMIC_SEQ_CST);
		return;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		struct reactor *r = nb_reactor_tab[nb_reactor_lcores[i]];

		if (r != NULL && r->hot.efd >= 0 &&
		    write(r->hot.efd, &one, sizeof(one)) < 0) {
			/* counter full: it wakes anyway */
		}
	}
	__atomic_fetch_sub(&g_stops_busy, 1, __ATOMIC_SEQ_CST);
}

int
nb_reactors_fini(void)
{
	int st;

	pthread_mutex_lock(&g_life_lock);
	st = reactor_state();
	if (st == NB_REACTORS_UNINIT) {
		pthread_mutex_unlock(&g_life_lock);
		REACTOR_LOG(ERR, "fini: not initialised");
		return -ENODEV;
	}
	if (st == NB_REACTORS_RUNNING || st == NB_REACTORS_STOPPING) {
		pthread_mutex_unlock(&g_life_lock);
		REACTOR_LOG(ERR, "fini: the reactors run; stop them and wait "
			    "for nb_reactors_start() to return first");
		return -EBUSY;
	}
	/* READY or STOPPED (a stop may turn READY into STOPPED meanwhile) */
	while (!state_cas(NB_REACTORS_READY, NB_REACTORS_UNINIT) &&
	       !state_cas(NB_REACTORS_STOPPED, NB_REACTORS_UNINIT)) {
	}
	/* a stop that saw RUNNING may still be writing the eventfds */
	while (__atomic_load_n(&g_stops_busy, __ATOMIC_SEQ_CST) != 0) {
		rte_pause();
	}
	rte_spinlock_lock(&nb_reactor_tel_lock);	/* telemetry reads them */
	reactors_free_all();
	rte_spinlock_unlock(&nb_reactor_tel_lock);
	pthread_mutex_unlock(&g_life_lock);
	return 0;
}
