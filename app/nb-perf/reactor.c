/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-perf reactor: the runtime's cost against what a hand-rolled DPDK loop
 * does in the same run.
 *
 * - msg lcore->lcore (single, bulk of 32): nb_reactor_send[_bulk] from the
 *   main lcore to a reactor on the worker lcore (driven there by
 *   nb_reactor_poll_once()), against rte_ring MP/SC enqueue on the main
 *   lcore and dequeue + call on the worker, of message objects of the same
 *   layout (function, argument) written by the sender and called by the
 *   receiver. Both include the receiver finishing the last message.
 * - msg pthread->lcore: from a plain pthread, nb_reactor_send() and a
 *   channel (its own SP ring), against the raw ring.
 * - msg self: the same on one lcore (send 32, run them); with the empty
 *   poller case also `nb-perf reactor-self`, one lcore, for callgrind.
 * - empty active poller: one active poller that returns idle, run by a
 *   started reactor (with and without opts.poller_tsc), against a bare
 *   loop calling the same function through a pointer.
 * - idle: CPU use (getrusage) of two idle reactors with the spin and the
 *   back-off policy, and the back-off wake-up latency of a message.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <nb_reactor.h>

#include "perf.h"

#define RING_SIZE 4096
#define NB_OBJS (2 * RING_SIZE)
#define BULK 32
#define RAW_POOL_SIZE 16383
#define STALL_CYCLES(hz) (5 * (hz))

enum worker_mode {
	MODE_IDLE = 0,
	MODE_NB,	/* nb_reactor_poll_once() */
	MODE_RAW,	/* dequeue raw_ring and call */
	MODE_QUIT,
};

struct raw_msg {
	nb_msg_fn fn;
	void *arg;
};

/*
 * The raw side's message objects come from an rte_mempool made like
 * nbkit's message pool (same element size and flags), taken once: the
 * same objects, without the per-message get and put.
 */
struct rx_state {
	atomic_int mode;
	atomic_int ack;			/* the mode the worker is in */
	struct rte_ring *raw_ring;	/* MP/SC, like a reactor's */
	struct rte_mempool *raw_pool;
	unsigned int worker;
	uint64_t count __rte_cache_aligned; /* messages run (worker writes) */
	struct raw_msg *objs[NB_OBJS];
};

static struct rx_state g_rx;

static void
msg_count(void *arg)
{
	uint64_t *c = arg;

	__atomic_store_n(c, *c + 1, __ATOMIC_RELEASE);
}

static int
worker_loop(void *arg)
{
	struct rx_state *s = arg;
	void *objs[BULK];
	unsigned int i, n;
	int mode;

	while ((mode = atomic_load_explicit(&s->mode,
					    memory_order_acquire)) != MODE_QUIT) {
		if (atomic_load_explicit(&s->ack, memory_order_relaxed) != mode) {
			atomic_store_explicit(&s->ack, mode,
					      memory_order_release);
		}
		if (mode == MODE_NB) {
			nb_reactor_poll_once(rte_rdtsc());
		} else if (mode == MODE_RAW) {
			n = rte_ring_sc_dequeue_burst(s->raw_ring, objs, BULK,
						      NULL);
			for (i = 0; i < n; i++) {
				struct raw_msg *m = objs[i];

				m->fn(m->arg);
			}
		} else {
			rte_pause();
		}
	}
	return 0;
}

static void
worker_mode(struct rx_state *s, int mode)
{
	atomic_store_explicit(&s->mode, mode, memory_order_release);
	while (atomic_load_explicit(&s->ack, memory_order_acquire) != mode) {
		rte_pause();
	}
}

/* Wait until the worker ran @target messages; false after a stall. */
static bool
wait_count(struct rx_state *s, uint64_t target)
{
	uint64_t t0 = rte_rdtsc(), hz = rte_get_tsc_hz();

	while (__atomic_load_n(&s->count, __ATOMIC_ACQUIRE) < target) {
		if (rte_rdtsc() - t0 > STALL_CYCLES(hz)) {
			fprintf(stderr, "nb-perf: reactor: worker ran %" PRIu64
				" of %" PRIu64 " messages in 5 s\n",
				s->count, target);
			return false;
		}
		rte_pause();
	}
	return true;
}

static uint64_t
nb_single(void *arg, uint64_t iters)
{
	struct rx_state *s = arg;
	uint64_t i, target;

	worker_mode(s, MODE_NB);
	target = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE) + iters;
	for (i = 0; i < iters; i++) {
		while (nb_reactor_send(s->worker, msg_count, &s->count) != 0) {
			rte_pause();
		}
	}
	return wait_count(s, target) ? iters : 0;
}

static uint64_t
raw_single(void *arg, uint64_t iters)
{
	struct rx_state *s = arg;
	uint64_t i, target;

	worker_mode(s, MODE_RAW);
	target = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE) + iters;
	for (i = 0; i < iters; i++) {
		struct raw_msg *m = s->objs[i % NB_OBJS];

		m->fn = msg_count;
		m->arg = &s->count;
		while (rte_ring_mp_enqueue(s->raw_ring, m) != 0) {
			rte_pause();
		}
	}
	return wait_count(s, target) ? iters : 0;
}

static uint64_t
nb_bulk(void *arg, uint64_t iters)
{
	struct rx_state *s = arg;
	struct nb_msg msgs[BULK];
	uint64_t i, target;
	unsigned int k;

	iters = RTE_ALIGN_CEIL(iters, BULK);
	worker_mode(s, MODE_NB);
	target = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE) + iters;
	for (i = 0; i < iters; i += BULK) {
		for (k = 0; k < BULK; k++) {
			msgs[k].fn = msg_count;
			msgs[k].arg = &s->count;
		}
		while (nb_reactor_send_bulk(s->worker, msgs, BULK) != 0) {
			rte_pause();
		}
	}
	return wait_count(s, target) ? iters : 0;
}

static uint64_t
raw_bulk(void *arg, uint64_t iters)
{
	struct rx_state *s = arg;
	void *objs[BULK];
	uint64_t i, target;
	unsigned int k;

	iters = RTE_ALIGN_CEIL(iters, BULK);
	worker_mode(s, MODE_RAW);
	target = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE) + iters;
	for (i = 0; i < iters; i += BULK) {
		for (k = 0; k < BULK; k++) {
			struct raw_msg *m = s->objs[(i + k) % NB_OBJS];

			m->fn = msg_count;
			m->arg = &s->count;
			objs[k] = m;
		}
		while (rte_ring_mp_enqueue_bulk(s->raw_ring, objs, BULK,
						NULL) == 0) {
			rte_pause();
		}
	}
	return wait_count(s, target) ? iters : 0;
}

/*
 * From a plain pthread (no lcore id, so no mempool cache): the shared
 * path, a channel, and the raw ring, each run by a fresh thread.
 */
enum pth_kind { PTH_SEND, PTH_CHANNEL, PTH_RAW };

struct pth_job {
	struct rx_state *s;
	enum pth_kind kind;
	uint64_t iters;
	bool ok;
};

static void *
pth_sender(void *arg)
{
	struct pth_job *j = arg;
	struct rx_state *s = j->s;
	struct nb_reactor_channel *ch = NULL;
	uint64_t i;
	int rc;

	if (j->kind == PTH_CHANNEL) {
		ch = nb_reactor_channel_create(s->worker);
		if (ch == NULL) {
			return NULL;
		}
	}
	for (i = 0; i < j->iters; i++) {
		if (j->kind == PTH_RAW) {
			struct raw_msg *m = s->objs[i % NB_OBJS];

			m->fn = msg_count;
			m->arg = &s->count;
			while (rte_ring_mp_enqueue(s->raw_ring, m) != 0) {
				rte_pause();
			}
			continue;
		}
		do {
			rc = ch != NULL ?
			     nb_reactor_channel_send(ch, msg_count, &s->count) :
			     nb_reactor_send(s->worker, msg_count, &s->count);
			if (rc == -EAGAIN) {
				rte_pause();
			}
		} while (rc == -EAGAIN);
		if (rc != 0) {
			break;
		}
	}
	nb_reactor_channel_destroy(ch);
	j->ok = i == j->iters;
	return NULL;
}

static uint64_t
pth_run(struct rx_state *s, enum pth_kind kind, uint64_t iters)
{
	struct pth_job j = { .s = s, .kind = kind, .iters = iters };
	uint64_t target;
	pthread_t th;

	worker_mode(s, kind == PTH_RAW ? MODE_RAW : MODE_NB);
	target = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE) + iters;
	if (pthread_create(&th, NULL, pth_sender, &j) != 0) {
		return 0;
	}
	pthread_join(th, NULL);
	return j.ok && wait_count(s, target) ? iters : 0;
}

static uint64_t
pth_send(void *arg, uint64_t iters)
{
	return pth_run(arg, PTH_SEND, iters);
}

static uint64_t
pth_channel(void *arg, uint64_t iters)
{
	return pth_run(arg, PTH_CHANNEL, iters);
}

static uint64_t
pth_raw(void *arg, uint64_t iters)
{
	return pth_run(arg, PTH_RAW, iters);
}

/* One lcore: send 32 to itself, run them. */
static uint64_t g_self_count;

static uint64_t
nb_self(void *arg, uint64_t iters)
{
	uint64_t i;
	unsigned int k, me = rte_lcore_id();

	(void)arg;
	iters = RTE_ALIGN_CEIL(iters, BULK);
	for (i = 0; i < iters; i += BULK) {
		for (k = 0; k < BULK; k++) {
			if (nb_reactor_send(me, msg_count, &g_self_count) != 0) {
				return 0;
			}
		}
		if (nb_reactor_poll_once(rte_rdtsc()) != BULK) {
			return 0;
		}
	}
	return iters;
}

static struct rte_ring *g_self_ring;
static struct raw_msg g_self_objs[BULK];

static uint64_t
raw_self(void *arg, uint64_t iters)
{
	void *objs[BULK];
	uint64_t i;
	unsigned int k, n;

	(void)arg;
	iters = RTE_ALIGN_CEIL(iters, BULK);
	for (i = 0; i < iters; i += BULK) {
		for (k = 0; k < BULK; k++) {
			struct raw_msg *m = &g_self_objs[k];

			m->fn = msg_count;
			m->arg = &g_self_count;
			if (rte_ring_mp_enqueue(g_self_ring, m) != 0) {
				return 0;
			}
		}
		n = rte_ring_sc_dequeue_burst(g_self_ring, objs, BULK, NULL);
		if (n != BULK) {
			return 0;
		}
		for (k = 0; k < n; k++) {
			struct raw_msg *m = objs[k];

			m->fn(m->arg);
		}
	}
	return iters;
}

/*
 * Empty active poller: one poller that returns idle, run by the real loop
 * of a started reactor (nb_reactors_start() on the main lcore, which
 * returns when the poller has run @iters times), against a bare loop
 * calling the same function through a pointer. The reactor's init, start
 * and fini are inside the timed call (tens of microseconds per round).
 */
static uint64_t g_poll_left;

static int
counting_poller(void *arg)
{
	(void)arg;
	if (g_poll_left > 0 && --g_poll_left == 0) {
		nb_reactors_stop();
	}
	return NB_POLLER_IDLE;
}

static int (*volatile g_bare_fn)(void *) = counting_poller;
static bool g_poller_tsc;	/* opts.poller_tsc of the started case */

static uint64_t
nb_started_poller(void *arg, uint64_t iters)
{
	unsigned int main_lcore = rte_get_main_lcore();
	struct nb_reactor_opts o;

	(void)arg;
	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = &main_lcore;
	o.nb_lcores = 1;
	o.poller_tsc = g_poller_tsc;
	if (nb_reactors_init(&o) != 0) {
		return 0;
	}
	g_poll_left = iters;
	if (nb_poller_register(main_lcore, counting_poller, NULL, 0,
			       "empty") == NULL ||
	    nb_reactors_start() != 0) {
		nb_reactors_fini();
		return 0;
	}
	nb_reactors_fini();
	return g_poll_left == 0 ? iters : 0;
}

static uint64_t
bare_loop(void *arg, uint64_t iters)
{
	uint64_t i;

	(void)arg;
	g_poll_left = iters;
	for (i = 0; i < iters; i++) {
		g_bare_fn(NULL);
	}
	return g_poll_left == 0 ? iters : 0;
}

/* Loops of nb_reactor_poll_once(), the caller reading the TSC each time. */
static uint64_t
nb_poll_once_loops(uint64_t iters)
{
	uint64_t i;

	for (i = 0; i < iters; i++) {
		if (nb_reactor_poll_once(rte_rdtsc()) < 0) {
			return 0;
		}
	}
	return iters;
}

static int
empty_poller(void *arg)
{
	(void)arg;
	return NB_POLLER_IDLE;
}

/* The one-lcore cases: reactor on the main lcore only. */
static int
self_cases(struct perf_ctx *ctx)
{
	struct nb_reactor_opts o;
	unsigned int main_lcore = rte_get_main_lcore();
	struct nb_poller *p;
	uint64_t n = perf_iters(ctx, 10000000), t0, t1, sink = 0;
	int rc;

	perf_note(ctx, "reactor: empty active poller: one poller returning "
		  "idle in the loop of a started reactor vs a bare loop "
		  "calling it through a pointer; target ratio >= 0.5 "
		  "(nbkit <= 2x)");
	g_poller_tsc = false;
	perf_compare(ctx, "reactor", "empty active poller (started)",
		     nb_started_poller, bare_loop, NULL, n);
	g_poller_tsc = true;
	perf_compare(ctx, "reactor", "empty active poller, poller_tsc",
		     nb_started_poller, bare_loop, NULL, n);
	g_poller_tsc = false;

	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = &main_lcore;
	o.nb_lcores = 1;
	o.ring_size = RING_SIZE;
	rc = nb_reactors_init(&o);
	if (rc != 0) {
		fprintf(stderr, "nb-perf: reactor: init: %s\n", strerror(-rc));
		return rc;
	}
	g_self_ring = rte_ring_create("perf_self_msgs", RING_SIZE,
				      SOCKET_ID_ANY,
				      RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (g_self_ring == NULL) {
		nb_reactors_fini();
		return -ENOMEM;
	}
	perf_note(ctx, "reactor: msg self: 32 nb_reactor_send() to the own "
		  "lcore, then one nb_reactor_poll_once(rte_rdtsc()) runs "
		  "them, vs 32 rte_ring MP enqueues, one dequeue burst and 32 "
		  "calls; target ratio >= 1.0");
	perf_compare(ctx, "reactor", "msg self (one lcore, 32/loop)", nb_self,
		     raw_self, NULL, perf_iters(ctx, 4000000));
	p = nb_poller_register(main_lcore, empty_poller, NULL, 0, "empty");
	if (p == NULL) {
		rc = -rte_errno;
		goto out;
	}
	t0 = rte_rdtsc_precise();
	nb_poll_once_loops(n);
	t1 = rte_rdtsc_precise();
	nb_poller_unregister(&p);
	perf_note(ctx, "reactor: one nb_reactor_poll_once(rte_rdtsc()) with "
		  "one empty active poller: %.1f TSC cycles",
		  (double)(t1 - t0) / (double)n);
	t0 = rte_rdtsc_precise();
	nb_poll_once_loops(n);
	t1 = rte_rdtsc_precise();
	perf_note(ctx, "reactor: one nb_reactor_poll_once(rte_rdtsc()) with "
		  "no poller: %.1f TSC cycles", (double)(t1 - t0) / (double)n);
	t0 = rte_rdtsc_precise();
	for (t1 = 0; t1 < n; t1++) {
		sink += rte_rdtsc() & 1;
	}
	perf_note(ctx, "reactor: one rte_rdtsc() on this machine: %.1f TSC "
		  "cycles (a started reactor reads it once per loop; up to "
		  "32 idle passes over the active pollers share a loop)%s",
		  (double)(rte_rdtsc_precise() - t0) / (double)n,
		  sink == UINT64_MAX ? " " : "");
out:
	nb_reactors_stop();
	if (nb_reactor_msgs_outstanding() != 0) {
		fprintf(stderr, "nb-perf: reactor: %u messages queued at the "
			"end\n", nb_reactor_msgs_outstanding());
		ctx->failures++;
	}
	nb_reactors_fini();
	rte_ring_free(g_self_ring);
	return rc;
}

static int
msg_cases(struct perf_ctx *ctx, unsigned int worker)
{
	struct nb_reactor_opts o;
	unsigned int l[2] = { rte_get_main_lcore(), worker };
	int rc;

	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = l;
	o.nb_lcores = 2;
	o.ring_size = RING_SIZE;
	rc = nb_reactors_init(&o);
	if (rc != 0) {
		fprintf(stderr, "nb-perf: reactor: init: %s\n", strerror(-rc));
		return rc;
	}
	memset(&g_rx, 0, sizeof(g_rx));
	g_rx.worker = worker;
	g_rx.raw_ring = rte_ring_create("perf_raw_msgs", RING_SIZE,
					SOCKET_ID_ANY,
					RING_F_SC_DEQ | RING_F_EXACT_SZ);
	g_rx.raw_pool = rte_mempool_create("perf_raw_pool",
					   RAW_POOL_SIZE,
					   sizeof(struct raw_msg), 256, 0, NULL,
					   NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (g_rx.raw_ring == NULL || g_rx.raw_pool == NULL ||
	    rte_mempool_get_bulk(g_rx.raw_pool, (void **)g_rx.objs,
				 NB_OBJS) != 0 ||
	    rte_eal_remote_launch(worker_loop, &g_rx, worker) != 0) {
		fprintf(stderr, "nb-perf: reactor: no ring, pool or worker "
			"lcore\n");
		rte_ring_free(g_rx.raw_ring);
		rte_mempool_free(g_rx.raw_pool);
		nb_reactors_fini();
		return -ENOMEM;
	}

	perf_note(ctx, "reactor: nbkit = nb_reactor_send ({fn,arg} by value "
		  "in an MP/SC ring + poll loop); DPDK = rte_ring MP/SC of "
		  "pointers to {fn,arg} objects taken once from a pool; "
		  "target ratio >= 0.77 cross-core, >= 1.0 from a pthread");
	perf_compare(ctx, "reactor", "msg lcore->lcore single", nb_single,
		     raw_single, &g_rx, perf_iters(ctx, 2000000));
	perf_compare(ctx, "reactor", "msg lcore->lcore bulk32", nb_bulk,
		     raw_bulk, &g_rx, perf_iters(ctx, 4000000));
	{
		const struct perf_side sides[] = {
			{ "raw ring", pth_raw, &g_rx },
			{ "nb_reactor_send", pth_send, &g_rx },
			{ "channel", pth_channel, &g_rx },
		};

		perf_compare_multi(ctx, "reactor", "msg pthread->lcore", sides,
				   3, 0, perf_iters(ctx, 1000000));
	}
	atomic_store(&g_rx.mode, MODE_QUIT);	/* it leaves without an ack */
	rte_eal_wait_lcore(worker);
	nb_reactors_stop();
	if (nb_reactor_msgs_outstanding() != 0) {
		fprintf(stderr, "nb-perf: reactor: %u messages missing\n",
			nb_reactor_msgs_outstanding());
		ctx->failures++;
	}
	nb_reactors_fini();
	rte_ring_free(g_rx.raw_ring);
	rte_mempool_free(g_rx.raw_pool);
	return 0;
}

/*
 * Idle: two reactors run for a while with nothing to do.
 */

struct idle_run {
	uint64_t end_tsc;
	unsigned int worker;
	unsigned int rounds;		/* wake-up probes to do */
	unsigned int sent;
	atomic_uint done;
	uint64_t sent_tsc;
	uint64_t sum_tsc;
	uint64_t max_tsc;
};

static struct idle_run g_idle;

static void
wake_probe(void *arg)
{
	struct idle_run *r = arg;
	uint64_t dt = rte_rdtsc() - r->sent_tsc;

	r->sum_tsc += dt;
	if (dt > r->max_tsc) {
		r->max_tsc = dt;
	}
	atomic_fetch_add(&r->done, 1);
}

static int
idle_driver(void *arg)
{
	struct idle_run *r = arg;
	struct nb_reactor_stats s;

	if (rte_rdtsc() >= r->end_tsc) {
		nb_reactors_stop();
		return NB_POLLER_BUSY;
	}
	if (r->sent < r->rounds && r->sent == atomic_load(&r->done) &&
	    nb_reactor_stats_get(r->worker, &s) == 0 && s.sleeping) {
		r->sent_tsc = rte_rdtsc();
		if (nb_reactor_send(r->worker, wake_probe, r) == 0) {
			r->sent++;
		}
	}
	return NB_POLLER_IDLE;
}

static double
rusage_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_stime.tv_sec +
	       ((double)ru->ru_utime.tv_usec + (double)ru->ru_stime.tv_usec) /
	       1e6;
}

static int
idle_case(struct perf_ctx *ctx, unsigned int worker,
	  enum nb_reactor_idle_policy policy)
{
	struct nb_reactor_opts o;
	unsigned int l[2] = { rte_get_main_lcore(), worker };
	uint64_t hz = rte_get_tsc_hz(), t0, t1;
	double secs = ctx->short_mode ? 0.3 : 1.0, cpu;
	struct rusage ru0, ru1;
	struct nb_poller *p;
	int rc;

	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = l;
	o.nb_lcores = 2;
	o.idle = policy;
	rc = nb_reactors_init(&o);
	if (rc != 0) {
		return rc;
	}
	memset(&g_idle, 0, sizeof(g_idle));
	g_idle.worker = worker;
	g_idle.rounds = policy == NB_REACTOR_IDLE_BACKOFF ? 200 : 0;
	/* the driver: a 1 ms timer on the main reactor */
	p = nb_poller_register(rte_get_main_lcore(), idle_driver, &g_idle,
			       1000, "idle-driver");
	if (p == NULL) {
		nb_reactors_fini();
		return -rte_errno;
	}
	getrusage(RUSAGE_SELF, &ru0);
	t0 = rte_rdtsc();
	g_idle.end_tsc = t0 + (uint64_t)(secs * (double)hz);
	rc = nb_reactors_start();
	t1 = rte_rdtsc();
	getrusage(RUSAGE_SELF, &ru1);
	cpu = (rusage_s(&ru1) - rusage_s(&ru0)) /
	      ((double)(t1 - t0) / (double)hz);
	perf_note(ctx, "reactor: idle %s: %.1f%% CPU for 2 reactors (one "
		  "1 ms timer) over %.2f s (getrusage)",
		  policy == NB_REACTOR_IDLE_SPIN ? "spin   " : "back-off",
		  100.0 * cpu, (double)(t1 - t0) / (double)hz);
	if (g_idle.rounds > 0) {
		unsigned int done = atomic_load(&g_idle.done);

		perf_note(ctx, "reactor: back-off wake-up on a message: avg "
			  "%.1f us, max %.1f us over %u probes",
			  done ? (double)g_idle.sum_tsc * 1e6 / (double)hz /
				 done : 0.0,
			  (double)g_idle.max_tsc * 1e6 / (double)hz, done);
	}
	nb_reactors_fini();
	return rc;
}

int
perf_reactor_self(struct perf_ctx *ctx)
{
	return self_cases(ctx) == 0 ? 0 : -1;
}

int
perf_reactor(struct perf_ctx *ctx)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);

	if (worker >= RTE_MAX_LCORE) {
		fprintf(stderr, "nb-perf: reactor: needs two lcores (-l 0-1)\n");
		return -EINVAL;
	}
	if (msg_cases(ctx, worker) != 0 || self_cases(ctx) != 0) {
		return -1;
	}
	if (idle_case(ctx, worker, NB_REACTOR_IDLE_SPIN) != 0 ||
	    idle_case(ctx, worker, NB_REACTOR_IDLE_BACKOFF) != 0) {
		return -1;
	}
	return 0;
}
