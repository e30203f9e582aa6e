/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared between lib/pool and the pool backend drivers
 * (drivers/mempool/percore); not installed.
 */
#ifndef POOL_INTERNAL_H
#define POOL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nb_internal.h"
#include "nb_pool.h"

extern int logtype_nb_pool;


/*
 * Slots: who is calling. lcores (EAL threads and threads registered with
 * rte_thread_register()) use their lcore id; other threads get one of
 * NB_POOL_THREAD_SLOTS slots on first use, released at thread exit. A
 * thread beyond that gets NB_POOL_SLOT_NONE and works without a cache.
 */
#define NB_POOL_THREAD_SLOTS 64
#define NB_POOL_SLOTS (RTE_MAX_LCORE + NB_POOL_THREAD_SLOTS)
#define NB_POOL_SLOT_NONE UINT32_MAX

/* Counters of one slot, written by its owner only. */
struct nb_pool_counters {
	uint64_t allocs;
	uint64_t frees;
	uint64_t alloc_fails;
	uint64_t remote_frees;
	uint64_t double_frees;
	uint64_t foreign_frees;
	uint64_t unverified_frees;
} __rte_cache_aligned;


/* Configuration handed to a backend driver through mp->pool_config. */
struct nb_pool_config {
	bool accounted;		/* the cache is inside the driver */
	bool populating;	/* enqueues now are the pool being filled */
	uint32_t cache_size;	/* per-slot cache of the driver */
	uint32_t flags;		/* NB_POOL_F_* */
	uint64_t cookie;	/* nb_mbuf_priv.pool_cookie of this pool */
	uint16_t data_room;	/* for poisoning */
	int owner_off;		/* struct nb_buf_owner in the mbuf */
	struct nb_pool *pool;
};

/* Figures a backend keeps itself (summed over its slots). */
struct nb_pool_backend_stats {
	struct nb_pool_counters cnt;	/* summed counters */
	int64_t out;			/* objects outside the backend now */
	int64_t peak_out;		/* highest out since reset */
};

/* What a backend driver offers lib/pool beyond rte_mempool_ops. */
struct nb_pool_backend {
	const char *name;	/* the rte_mempool_ops name */
	void (*stats)(const struct rte_mempool *mp,
		      struct nb_pool_backend_stats *s);
	void (*stats_reset)(struct rte_mempool *mp);
	/*
	 * Call @cb for every object held free inside the backend (its rings
	 * and its own caches, not DPDK's). Quiescent pools only: rings are
	 * drained and refilled. Returns 0 or a negative errno.
	 */
	int (*walk_free)(struct rte_mempool *mp,
			 void (*cb)(void *obj, void *arg), void *arg);
	/* A thread without an lcore id is exiting: flush its slot's cache. */
	void (*thread_exit)(struct rte_mempool *mp, unsigned int slot);
};

/*
 * Backends register themselves (a constructor in the driver); lib/pool
 * finds them by name and names none.
 */
#define NB_POOL_BACKENDS_MAX 8
void nb_pool_backend_register(const struct nb_pool_backend *b);
const struct nb_pool_backend *nb_pool_backend_find(const char *name);

#define NB_POOL_BACKEND_REGISTER(b)				\
	RTE_INIT(nb_pool_backend_register_##b)			\
	{							\
		nb_pool_backend_register(&(b));			\
	}

/*
 * Set while nb_pool_alloc_wait() retries: a failed request is not counted
 * (the wait counts once, when it gives up).
 */
RTE_DECLARE_PER_LCORE(bool, nb_pool_quiet_fail);

struct nb_pool {
	struct nb_pool_fast fast;	/* first: the inline fast path reads it */
	char name[RTE_MEMPOOL_NAMESIZE];
	char ops[RTE_MEMPOOL_OPS_NAMESIZE];
	struct rte_mempool *mp;
	const struct nb_pool_backend *backend;	/* NULL for DPDK's backends */
	struct nb_pool_config cfg;
	enum nb_pool_mode mode;
	unsigned int size;
	uint16_t data_room;
	uint16_t headroom;
	uint16_t priv_size;
	uint32_t cache_size;		/* DPDK's cache (0 in accounted mode) */
	int socket_id;
	TAILQ_ENTRY(nb_pool) next;
	/* Sampled peak of in_use (fast mode, DPDK backends); the low-water
	 * mark of avail is size - peak, from the same samples. */
	int64_t peak_in_use;
	uint32_t corrupt_logged;	/* excess was logged once */
	/* Counters of nbkit calls (DPDK backends): per lcore + one shared. */
	struct nb_pool_counters cnt[RTE_MAX_LCORE + 1];
};

/*
 * The calling thread's slot (lcore id, or a thread slot taken on first
 * use), NB_POOL_SLOT_NONE when none is left.
 */
RTE_DECLARE_PER_LCORE(unsigned int, nb_pool_tslot);	/* slot + 1, 0: none yet */
/* nb_pool_tslot after the thread's slot was released (thread exit). */
#define NB_POOL_TSLOT_GONE UINT32_MAX
unsigned int nb_pool_slot_take(void);

static inline unsigned int
nb_pool_slot_id(void)
{
	unsigned int lc = rte_lcore_id();

	if (likely(lc < RTE_MAX_LCORE)) {
		return lc;
	}
	if (likely(RTE_PER_LCORE(nb_pool_tslot) != 0)) {
		unsigned int t = RTE_PER_LCORE(nb_pool_tslot);

		/* Released at thread exit: later calls go without a cache. */
		return t == NB_POOL_TSLOT_GONE ? NB_POOL_SLOT_NONE : t - 1;
	}
	return nb_pool_slot_take();
}

/* The home recorded for a slot: the slot (an lcore id or a thread slot),
 * NB_LCORE_NONE for none. */
static inline uint16_t
nb_pool_slot_home(unsigned int slot)
{
	return slot < NB_POOL_SLOTS ? (uint16_t)slot : NB_LCORE_NONE;
}

/* Update a high-water mark with a CAS loop (rare: only on a new high). */
static inline void
nb_pool_mark_max(int64_t *mark, int64_t v)
{
	int64_t cur = __atomic_load_n(mark, __ATOMIC_RELAXED);

	while (v > cur &&
	       !__atomic_compare_exchange_n(mark, &cur, v, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
	}
}

/* Add counters that other threads may be updating (relaxed reads). */
static inline void
nb_pool_counters_add(struct nb_pool_counters *sum,
		     const struct nb_pool_counters *c)
{
	sum->allocs += __atomic_load_n(&c->allocs, __ATOMIC_RELAXED);
	sum->frees += __atomic_load_n(&c->frees, __ATOMIC_RELAXED);
	sum->alloc_fails += __atomic_load_n(&c->alloc_fails, __ATOMIC_RELAXED);
	sum->remote_frees += __atomic_load_n(&c->remote_frees, __ATOMIC_RELAXED);
	sum->double_frees += __atomic_load_n(&c->double_frees, __ATOMIC_RELAXED);
	sum->foreign_frees += __atomic_load_n(&c->foreign_frees,
					      __ATOMIC_RELAXED);
	sum->unverified_frees += __atomic_load_n(&c->unverified_frees,
						 __ATOMIC_RELAXED);
}

/* lib/pool's list of pools (for thread exit, telemetry, lookups). */
TAILQ_HEAD(nb_pool_list, nb_pool);
extern struct nb_pool_list nb_pool_list;
void nb_pool_list_lock(void);
void nb_pool_list_unlock(void);

#endif /* POOL_INTERNAL_H */
