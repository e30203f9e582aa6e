/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb_pool backends side by side: percore (fast and accounted), ring_mp_mc
 * and stack, all made by nb_pool_create() (same buffer layout, n, cache
 * size), driven by the same inline DPDK calls (rte_mempool_get/put and
 * their bulk forms) so that only the backend differs. The baseline of every
 * ratio is ring_mp_mc with DPDK's cache, DPDK's default, timed in the same
 * rounds as the others.
 *
 * Cases:
 * - get+put 1 and 32 on the main lcore (with a DPDK cache these never leave
 *   the cache, except in accounted mode, where the cache is the driver's);
 * - pipeline: lcore A allocates bursts of 32, writes each mbuf, passes them
 *   through an SP/SC ring to lcore B, which reads and frees them: every
 *   buffer is freed on another lcore than the one that took it;
 * - get+put 1 and 32 from a plain pthread (no lcore id, so no DPDK cache),
 *   then from two such pthreads at once, one per core, on the same pool
 *   (contention: what a backend does for threads without a DPDK cache).
 * The pipeline and pthread cases start their workers in every timed round
 * and wait for them, so the time is from start until the last buffer is
 * back.
 *
 * Then one nbkit-vs-DPDK row on a percore-fast pool: nb_pool_alloc_bulk of
 * 32 + nb_buf_free_bulk against rte_pktmbuf_alloc_bulk of 32 +
 * rte_pktmbuf_free_bulk on the same pool (both initialise every mbuf).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <nb_buf.h>
#include <nb_pool.h>

#include "perf.h"

#define POOL_N		16383	/* buffers per pool (2^k - 1, DPDK's advice) */
#define POOL_CACHE	256	/* per-lcore cache of every pool */
#define BURST		32	/* bulk and pipeline burst */
#define PIPE_SIZE	1024	/* SP/SC ring between the pipeline lcores */
#define STALL_S		2	/* no progress for this long: the case fails */

struct backend {
	const char *name;	/* row label */
	const char *ops;	/* nb_pool_opts.ops */
	enum nb_pool_mode mode;	/* nb_pool_opts.mode (percore only) */
};

static const struct backend backends[] = {
	{ "percore-fast", "percore", NB_POOL_MODE_FAST },
	{ "percore-accounted", "percore", NB_POOL_MODE_ACCOUNTED },
	{ "ring_mp_mc+cache", "ring_mp_mc", NB_POOL_MODE_DEFAULT },
	{ "stack+cache", "stack", NB_POOL_MODE_DEFAULT },
};

#define NB_BACKENDS NB_DIM(backends)
#define REF_BACKEND 2	/* ring_mp_mc+cache: the baseline */

/* The state of one side (one backend) of a case. */
struct pool_side {
	struct rte_mempool *mp;
	struct rte_ring *pipe;	/* pipeline ring, shared by the sides */
	unsigned int worker;	/* lcore B of the pipeline; its CPUs run the
				   second pthread */
};

/* True once the retry that started at *since has lasted STALL_S seconds. */
static bool
stalled(uint64_t *since)
{
	uint64_t now = rte_rdtsc();

	if (*since == 0) {
		*since = now;
		return false;
	}
	return now - *since > STALL_S * rte_get_tsc_hz();
}

/* (a) get+put of one buffer on this lcore. */
static uint64_t
get_put_1(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = ((const struct pool_side *)arg)->mp;
	uint64_t i;
	void *obj;

	for (i = 0; i < iters; i++) {
		if (unlikely(rte_mempool_get(mp, &obj) != 0)) {
			return 0;
		}
		rte_mempool_put(mp, obj);
	}
	return iters;
}

/* (b) get+put of BURST buffers on this lcore. */
static uint64_t
get_put_32(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = ((const struct pool_side *)arg)->mp;
	void *objs[BURST];
	uint64_t i;

	for (i = 0; i < iters; i++) {
		if (unlikely(rte_mempool_get_bulk(mp, objs, BURST) != 0)) {
			return 0;
		}
		rte_mempool_put_bulk(mp, objs, BURST);
	}
	return iters;
}

/* (c) One pipeline run: what lcore A tells lcore B, and B's answer. */
struct pipe_job {
	struct rte_ring *ring;
	struct rte_mempool *mp;
	uint64_t count;		/* buffers B frees before it stops */
	uint32_t stop;		/* A gave up: B stops when the ring is empty */
	uint64_t freed;		/* B: buffers freed */
	uint64_t sum;		/* B: sum of the data_len it read */
};

/* Lcore B: read each buffer's data_len and free the buffers in bursts. */
static int
pipe_worker(void *arg)
{
	struct pipe_job *j = arg;
	uint64_t freed = 0, sum = 0;
	void *objs[BURST];
	unsigned int n, i;

	while (freed < j->count) {
		n = rte_ring_sc_dequeue_burst(j->ring, objs, BURST, NULL);
		if (n == 0) {
			if (__atomic_load_n(&j->stop, __ATOMIC_ACQUIRE) != 0) {
				break;
			}
			rte_pause();
			continue;
		}
		for (i = 0; i < n; i++) {
			sum += ((const struct rte_mbuf *)objs[i])->data_len;
		}
		rte_mempool_put_bulk(j->mp, objs, n);
		freed += n;
	}
	j->freed = freed;
	j->sum = sum;
	return 0;
}

/*
 * Lcore A: allocate @iters buffers (rounded up to bursts) in bursts, write
 * each one, pass them to B; the ring being full or the pool empty is
 * retried. Returns the buffers B freed, or 0 when something stalled or B
 * read other values than A wrote (a buffer handed out twice).
 */
static uint64_t
pipeline(void *arg, uint64_t iters)
{
	const struct pool_side *s = arg;
	struct pipe_job job = {
		.ring = s->pipe,
		.mp = s->mp,
		.count = RTE_ALIGN_CEIL(iters, BURST),
	};
	uint64_t sent, since, sum = 0;
	unsigned int i, k = BURST;
	void *objs[BURST];

	if (rte_eal_remote_launch(pipe_worker, &job, s->worker) != 0) {
		fprintf(stderr, "nb-perf: pool: cannot launch lcore %u\n",
			s->worker);
		return 0;
	}
	for (sent = 0; sent < job.count; sent += BURST) {
		since = 0;
		while (rte_mempool_get_bulk(s->mp, objs, BURST) != 0) {
			if (stalled(&since)) {
				fprintf(stderr, "nb-perf: pool: pipeline: no "
					"buffer for %d s (%u available)\n",
					STALL_S, rte_mempool_avail_count(s->mp));
				k = BURST;
				goto abort;
			}
			rte_pause();
		}
		for (i = 0; i < BURST; i++) {
			struct rte_mbuf *m = objs[i];
			uint16_t v = (uint16_t)(sent + i);

			m->data_len = v;
			m->pkt_len = v;
			sum += v;
		}
		since = 0;
		k = 0;
		while (k < BURST) {
			k += rte_ring_sp_enqueue_burst(s->pipe, objs + k,
						       BURST - k, NULL);
			if (k < BURST) {
				if (stalled(&since)) {
					fprintf(stderr, "nb-perf: pool: "
						"pipeline: ring full for %d s\n",
						STALL_S);
					goto abort;
				}
				rte_pause();
			}
		}
	}
	rte_eal_wait_lcore(s->worker);
	if (job.freed != job.count || job.sum != sum) {
		fprintf(stderr, "nb-perf: pool: pipeline: lcore B freed %lu of "
			"%lu buffers, read sum %lu, written %lu\n",
			(unsigned long)job.freed, (unsigned long)job.count,
			(unsigned long)job.sum, (unsigned long)sum);
		return 0;
	}
	return job.count;

abort:
	/* Give back what A holds and what is left in the ring. */
	__atomic_store_n(&job.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(s->worker);
	if (k < BURST) {
		rte_mempool_put_bulk(s->mp, objs + k, BURST - k);
	}
	while ((k = rte_ring_sc_dequeue_burst(s->pipe, objs, BURST, NULL)) > 0) {
		rte_mempool_put_bulk(s->mp, objs, k);
	}
	return 0;
}

/* (d) One run on a plain pthread. */
struct thread_job {
	struct rte_mempool *mp;
	uint64_t iters;
	unsigned int burst;	/* 1 or BURST */
	uint64_t done;
};

static void *
thread_main(void *arg)
{
	struct thread_job *j = arg;
	struct pool_side s = { .mp = j->mp };

	if (rte_lcore_id() != LCORE_ID_ANY) {
		fprintf(stderr, "nb-perf: pool: the pthread has lcore id %u\n",
			rte_lcore_id());
		return NULL;
	}
	j->done = j->burst == 1 ? get_put_1(&s, j->iters) :
				  get_put_32(&s, j->iters);
	return NULL;
}

/*
 * Run @iters operations of @burst buffers on @nb_threads plain pthreads
 * (1 or 2, the operations split between them). The first thread inherits
 * the affinity of the main lcore, which waits in join; the second gets the
 * CPUs of the idle worker lcore, so the two run in parallel.
 */
static uint64_t
thread_run(const struct pool_side *s, uint64_t iters, unsigned int burst,
	   unsigned int nb_threads)
{
	struct thread_job job[2];
	pthread_attr_t attr;
	pthread_t t[2];
	unsigned int i, started;
	uint64_t done = 0;
	int rc = 0;

	for (i = 0; i < nb_threads; i++) {
		job[i] = (struct thread_job){
			.mp = s->mp,
			.iters = RTE_MAX(iters / nb_threads, (uint64_t)1),
			.burst = burst,
		};
	}
	for (started = 0; started < nb_threads; started++) {
		rc = pthread_attr_init(&attr);
		if (rc != 0) {
			break;
		}
		if (started > 0) {
			rte_cpuset_t cpus = rte_lcore_cpuset(s->worker);

			rc = pthread_attr_setaffinity_np(&attr, sizeof(cpus),
							 &cpus);
		}
		if (rc == 0) {
			rc = pthread_create(&t[started], &attr, thread_main,
					    &job[started]);
		}
		pthread_attr_destroy(&attr);
		if (rc != 0) {
			break;
		}
	}
	if (rc != 0) {
		fprintf(stderr, "nb-perf: pool: cannot start a pthread: %s\n",
			strerror(rc));
	}
	for (i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		done += job[i].done;
	}
	/* Any thread that failed fails the run. */
	for (i = 0; i < started; i++) {
		if (job[i].done == 0) {
			return 0;
		}
	}
	return rc == 0 ? done : 0;
}

static uint64_t
thread_1(void *arg, uint64_t iters)
{
	return thread_run(arg, iters, 1, 1);
}

static uint64_t
thread_32(void *arg, uint64_t iters)
{
	return thread_run(arg, iters, BURST, 1);
}

static uint64_t
threads2_1(void *arg, uint64_t iters)
{
	return thread_run(arg, iters, 1, 2);
}

static uint64_t
threads2_32(void *arg, uint64_t iters)
{
	return thread_run(arg, iters, BURST, 2);
}

/* Buffers not back in a pool after a case group: a note, not a failure. */
static void
check_pools(const struct perf_ctx *ctx, struct nb_pool *const *pools,
	    const char *after)
{
	unsigned int b, avail;

	for (b = 0; b < NB_BACKENDS; b++) {
		if (pools[b] == NULL) {
			continue;
		}
		avail = rte_mempool_avail_count(nb_pool_mempool(pools[b]));
		if (avail != POOL_N) {
			perf_note(ctx, "# note: %s: %u of %u buffers available "
				  "after %s (%d missing)", backends[b].name,
				  avail, POOL_N, after, POOL_N - (int)avail);
		}
	}
}

/* nbkit: nb_pool_alloc_bulk of BURST + nb_buf_free_bulk. */
static uint64_t
nb_alloc_bulk_free(void *arg, uint64_t iters)
{
	struct nb_pool *p = arg;
	struct rte_mbuf *m[BURST];
	uint64_t i;

	for (i = 0; i < iters; i++) {
		if (unlikely(nb_pool_alloc_bulk(p, m, BURST) != 0)) {
			return 0;
		}
		nb_buf_free_bulk(m, BURST);
	}
	return iters;
}

/* DPDK: rte_pktmbuf_alloc_bulk of BURST + rte_pktmbuf_free_bulk. */
static uint64_t
dpdk_alloc_bulk_free(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = nb_pool_mempool(arg);
	struct rte_mbuf *m[BURST];
	uint64_t i;

	for (i = 0; i < iters; i++) {
		if (unlikely(rte_pktmbuf_alloc_bulk(mp, m, BURST) != 0)) {
			return 0;
		}
		rte_pktmbuf_free_bulk(m, BURST);
	}
	return iters;
}

struct pool_case {
	const char *name;	/* row label */
	const char *header;	/* group header */
	perf_fn fn;
	uint64_t iters;		/* full mode */
	bool two_cores;		/* needs the worker lcore (or its CPUs) */
};

static const struct pool_case cases[] = {
	{ "get+put 1", "(a) rte_mempool_get+put of 1 buffer on the main lcore; "
	  "ns per get+put", get_put_1, 5000000, false },
	{ "get+put 32", "(b) rte_mempool_get_bulk+put_bulk of 32 on the main "
	  "lcore; ns per get+put of 32", get_put_32, 3000000, false },
	{ "pipeline 32", "(c) get_bulk 32 + write on lcore A, SP/SC ring, read "
	  "+ put_bulk on lcore B; ns per buffer", pipeline, 8000000, true },
	{ "pthread 1", "(d) plain pthread (no lcore id, no DPDK cache): "
	  "get+put of 1; ns per get+put", thread_1, 2000000, false },
	{ "pthread 32", "(d) plain pthread: get_bulk+put_bulk of 32; ns per "
	  "get+put of 32", thread_32, 1000000, false },
	{ "2 pthreads 1", "(d) 2 plain pthreads on the 2 cores, one pool: "
	  "get+put of 1; wall ns per get+put of both", threads2_1, 4000000,
	  true },
	{ "2 pthreads 32", "(d) 2 plain pthreads on the 2 cores: get_bulk+"
	  "put_bulk of 32; wall ns per get+put of 32 of both", threads2_32,
	  1000000, true },
};

int
perf_pool(struct perf_ctx *ctx)
{
	struct nb_pool *pools[NB_BACKENDS] = { NULL };
	struct pool_side sides_arg[NB_BACKENDS];
	struct perf_side sides[NB_BACKENDS];
	unsigned int b, c, nb_sides, ref = 0, worker;
	struct rte_ring *pipe = NULL;
	char pname[RTE_MEMPOOL_NAMESIZE];
	int ret = 0;

	worker = rte_get_next_lcore(-1, 1, 0);	/* first worker lcore */
	for (b = 0; b < NB_BACKENDS; b++) {
		struct nb_pool_opts o;

		nb_pool_opts_init(&o, sizeof(o));
		o.cache_size = POOL_CACHE;
		o.ops = backends[b].ops;
		o.mode = backends[b].mode;
		snprintf(pname, sizeof(pname), "perf.%u", b);
		pools[b] = nb_pool_create(pname, POOL_N, &o);
		if (pools[b] == NULL) {
			fprintf(stderr, "nb-perf: pool: cannot create a %s pool: "
				"%s\n", backends[b].name, rte_strerror(rte_errno));
			ctx->failures++;
			if (b == REF_BACKEND) {
				ret = -1;
				goto out;
			}
		}
	}
	if (worker < RTE_MAX_LCORE) {
		pipe = rte_ring_create("perf.pipe", PIPE_SIZE, (int)rte_socket_id(),
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (pipe == NULL) {
			fprintf(stderr, "nb-perf: pool: cannot create the "
				"pipeline ring: %s\n", rte_strerror(rte_errno));
			ctx->failures++;
		}
	}

	nb_sides = 0;
	for (b = 0; b < NB_BACKENDS; b++) {
		if (pools[b] == NULL) {
			continue;
		}
		if (b == REF_BACKEND) {
			ref = nb_sides;
		}
		sides_arg[nb_sides] = (struct pool_side){
			.mp = nb_pool_mempool(pools[b]),
			.pipe = pipe,
			.worker = worker,
		};
		sides[nb_sides] = (struct perf_side){
			.name = backends[b].name,
			.arg = &sides_arg[nb_sides],
		};
		nb_sides++;
	}

	perf_note(ctx, "# pool: %u buffers of %u B data room, cache %u, one "
		  "row per backend. In this table the columns are not nbkit "
		  "and DPDK: column 1 is the row's backend (DPDK's own "
		  "ring_mp_mc and stack rows included), column 2 the baseline "
		  "%s in the same rounds; ratio above 1.00: the row's backend "
		  "is faster", POOL_N,
		  (unsigned int)RTE_MBUF_DEFAULT_BUF_SIZE, POOL_CACHE,
		  backends[REF_BACKEND].name);
	perf_note(ctx, "%-8s %-32s %12s %12s %8s", "# bench", "case  backend",
		  "row ns/op", "base ns/op", "ratio");
	for (c = 0; c < NB_DIM(cases); c++) {
		const struct pool_case *pc = &cases[c];

		if (pc->two_cores && worker >= RTE_MAX_LCORE) {
			perf_note(ctx, "# pool: %s skipped: needs 2 lcores "
				  "(EAL -l 0,1)", pc->name);
			continue;
		}
		if (pc->fn == pipeline && pipe == NULL) {
			continue;	/* the ring failure is already counted */
		}
		perf_note(ctx, "# %s", pc->header);
		for (b = 0; b < nb_sides; b++) {
			sides[b].fn = pc->fn;
		}
		perf_compare_multi(ctx, "pool", pc->name, sides, nb_sides, ref,
				   perf_iters(ctx, pc->iters));
		check_pools(ctx, pools, pc->name);
	}
	if (pools[0] != NULL) {
		perf_note(ctx, "# nbkit vs DPDK on the percore-fast pool: "
			  "nb_pool_alloc_bulk 32 + nb_buf_free_bulk vs "
			  "rte_pktmbuf_alloc_bulk 32 + rte_pktmbuf_free_bulk; "
			  "ns per 32 (columns: nbkit, DPDK)");
		perf_compare(ctx, "pool", "alloc_bulk 32+free", nb_alloc_bulk_free,
			     dpdk_alloc_bulk_free, pools[0],
			     perf_iters(ctx, 2000000));
		check_pools(ctx, pools, "alloc_bulk 32+free");
	}

out:
	rte_ring_free(pipe);
	for (b = 0; b < NB_BACKENDS; b++) {
		if (pools[b] != NULL && nb_pool_destroy(pools[b], false) != 0) {
			perf_note(ctx, "# note: %s: buffers still out at the "
				  "end; destroyed anyway", backends[b].name);
			nb_pool_destroy(pools[b], true);
		}
	}
	return ret;
}
