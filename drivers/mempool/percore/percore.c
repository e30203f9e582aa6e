/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "percore": nbkit's mempool driver.
 *
 * Where a buffer waits while it is free:
 *   1. a per-slot cache (LIFO array) inside the driver: in accounted mode for
 *      every slot, in fast mode only for threads without an lcore id (lcores
 *      have DPDK's cache in front of the driver then);
 *   2. a per-lcore inbound ring (MP/MC rte_ring): buffers freed on one lcore
 *      for another lcore land here and are drained in bulk by the owner;
 *   3. a shared ring (MP/MC) that holds everything else and takes overflow.
 *
 * Routing. The sketch routes a freed buffer to its "home" lcore.
 * We route by demand instead: a flush goes to the inbound ring of the lcore
 * that last ran its own inbound ring dry ("hungry"). In a pipeline (RX and
 * alloc on A, free on B) that is A, exactly like home routing, but it needs
 * no per-buffer read on the free path: in fast mode the driver never touches
 * the buffers, only their pointers. Buffers therefore circulate A -> B -> A
 * through one short ring instead of cycling through a pool-sized FIFO, and
 * stay warm in the caches. The allocating lcore is still recorded per buffer
 * (nb_buf_owner.home) for the audit and, in accounted mode, remote_frees.
 *
 * Inbound rings are MP/MC so that an lcore short of buffers can take them
 * from another lcore's ring: no free buffer is ever out of reach but those
 * in a cache (as with DPDK's own caches).
 *
 * Accounted mode checks every buffer: its pool cookie (a buffer of another
 * pool is counted and dropped) and its ownership state, moved from
 * allocated to free with one atomic exchange: of two frees of one buffer,
 * even on two cores at once, exactly one sees "allocated"; the other is
 * counted as a double free and dropped, so it never enters the pool twice.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "pool_internal.h"

/* Pointers a slot cache holds: up to 1.5 x cache plus one flushed burst. */
#define PC_CACHE_OBJS (NB_POOL_CACHE_MAX * 3)
/* Smallest inbound ring. */
#define PC_INBOUND_MIN 1024u
/* Dequeues of a slot between two reads of the TSC (accounted mode). */
#define PC_TSC_EVERY 16u
/* Largest dequeue gathered from several rings (DPDK refills ask at most
 * 2 x RTE_MEMPOOL_CACHE_MAX_SIZE). */
#define PC_SCRATCH (2 * RTE_MEMPOOL_CACHE_MAX_SIZE)
/* Objects checked per step in accounted mode (stack array). */
#define PC_CHUNK 64u

struct pc_slot {
	uint32_t len;		/* objects in the cache */
	uint32_t size;		/* cache size; 0: no cache */
	uint32_t flushthresh;	/* flush above this */
	uint32_t id;
	uint32_t tsc_age;	/* dequeues since tsc was read */
	uint64_t tsc;		/* rte_rdtsc() of a recent dequeue */
	struct rte_ring *inbound;	/* lcore slots: buffers routed here */
	struct nb_pool_counters cnt;	/* owner-written */
	void *objs[PC_CACHE_OBJS];
} __rte_cache_aligned;

struct pc_pool {
	struct rte_ring *shared;
	const struct nb_pool_config *cfg;
	uint32_t size;
	uint32_t inbound_cap;
	uint32_t seq;
	int socket;
	rte_spinlock_t lock;		/* slot creation */
	uint32_t nb_ring_slots;		/* slots with an inbound ring */
	uint16_t ring_slots[RTE_MAX_LCORE];
	uint32_t nb_all_slots;		/* slots created, in order */
	uint16_t all_slots[NB_POOL_SLOTS];
	struct pc_slot *slots[NB_POOL_SLOTS];
	struct nb_pool_counters anon;	/* threads without a slot: atomics */
	bool accounted;			/* copy of cfg->accounted */
	uint32_t flags;			/* copy of cfg->flags */
	uint64_t cookie;		/* copy of cfg->cookie */
	int owner_off;			/* copy of cfg->owner_off */
	int64_t out __rte_cache_aligned;	/* objects outside the driver */
	int64_t peak_out __rte_cache_aligned;	/* written only on a new high */
	uint32_t hungry __rte_cache_aligned;	/* slot that last ran dry */
	uint32_t starving;	/* an allocation failed: caches pass frees on */
};

static uint32_t g_seq;

static struct pc_slot *
slot_create(struct pc_pool *pc, unsigned int id)
{
	char name[RTE_RING_NAMESIZE];
	struct pc_slot *s;

	s = rte_zmalloc_socket("nb_percore_slot", sizeof(*s), RTE_CACHE_LINE_SIZE,
			       pc->socket);
	if (s == NULL) {
		return NULL;
	}
	s->id = id;
	/* Fast mode: lcores have DPDK's cache in front; others get ours. */
	if (pc->cfg->accounted || id >= RTE_MAX_LCORE) {
		s->size = pc->cfg->cache_size;
	}
	s->flushthresh = s->size * 3 / 2;
	if (id < RTE_MAX_LCORE) {
		snprintf(name, sizeof(name), "nbpc%x_%u", pc->seq, id);
		s->inbound = rte_ring_create(name, pc->inbound_cap, pc->socket,
					     RING_F_EXACT_SZ);
		if (s->inbound == NULL) {
			rte_free(s);
			return NULL;
		}
	}
	rte_spinlock_lock(&pc->lock);
	if (s->inbound != NULL) {
		/* Entry first, then the count readers load with acquire. */
		pc->ring_slots[pc->nb_ring_slots] = (uint16_t)id;
		__atomic_store_n(&pc->nb_ring_slots, pc->nb_ring_slots + 1,
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&pc->slots[id], s, __ATOMIC_RELEASE);
	pc->all_slots[pc->nb_all_slots] = (uint16_t)id;
	__atomic_store_n(&pc->nb_all_slots, pc->nb_all_slots + 1,
			 __ATOMIC_RELEASE);
	rte_spinlock_unlock(&pc->lock);
	return s;
}

static inline struct pc_slot *
slot_get(struct pc_pool *pc, unsigned int id)
{
	struct pc_slot *s;

	if (unlikely(id == NB_POOL_SLOT_NONE)) {
		return NULL;
	}
	s = __atomic_load_n(&pc->slots[id], __ATOMIC_ACQUIRE);
	if (likely(s != NULL)) {
		return s;
	}
	return slot_create(pc, id);
}

static int
pc_alloc(struct rte_mempool *mp)
{
	const struct nb_pool_config *cfg = mp->pool_config;
	char name[RTE_RING_NAMESIZE];
	struct pc_pool *pc;
	unsigned int lc;
	int socket = mp->socket_id;

	if (cfg == NULL) {
		/* Created with rte_mempool_set_ops_byname(mp, "percore", NULL)
		 * outside nbkit: not supported, the driver needs its config. */
		return -EINVAL;
	}
	pc = rte_zmalloc_socket("nb_percore", sizeof(*pc), RTE_CACHE_LINE_SIZE,
				socket);
	if (pc == NULL) {
		return -ENOMEM;
	}
	pc->cfg = cfg;
	pc->accounted = cfg->accounted;
	pc->flags = cfg->flags;
	pc->cookie = cfg->cookie;
	pc->owner_off = cfg->owner_off;
	pc->size = mp->size;
	pc->socket = socket;
	pc->hungry = NB_POOL_SLOT_NONE;
	pc->seq = __atomic_fetch_add(&g_seq, 1, __ATOMIC_RELAXED);
	pc->inbound_cap = RTE_MAX(PC_INBOUND_MIN, cfg->cache_size * 4);
	if (pc->inbound_cap > mp->size) {
		pc->inbound_cap = mp->size;
	}
	rte_spinlock_init(&pc->lock);
	snprintf(name, sizeof(name), "nbpc%x_shared", pc->seq);
	pc->shared = rte_ring_create(name, mp->size, socket, RING_F_EXACT_SZ);
	if (pc->shared == NULL) {
		rte_free(pc);
		return -rte_errno;
	}
	mp->pool_data = pc;
	/* lcores known now get their slot up front; others on first use. */
	RTE_LCORE_FOREACH(lc) {
		if (slot_create(pc, lc) == NULL) {
			break;	/* created lazily later, or run without */
		}
	}
	return 0;
}

static void
pc_free(struct rte_mempool *mp)
{
	struct pc_pool *pc = mp->pool_data;
	unsigned int i;

	if (pc == NULL) {
		return;
	}
	for (i = 0; i < NB_POOL_SLOTS; i++) {
		if (pc->slots[i] != NULL) {
			rte_ring_free(pc->slots[i]->inbound);
			rte_free(pc->slots[i]);
		}
	}
	rte_ring_free(pc->shared);
	rte_free(pc);
	mp->pool_data = NULL;
}

/* Send objects back: to the hungry lcore's inbound ring, the rest shared. */
static inline void
route(struct pc_pool *pc, struct pc_slot *s, unsigned int id,
      void * const *objs, unsigned int n)
{
	uint32_t h = __atomic_load_n(&pc->hungry, __ATOMIC_RELAXED);
	unsigned int k = 0;

	if (h != id && h < RTE_MAX_LCORE) {
		struct pc_slot *t = __atomic_load_n(&pc->slots[h], __ATOMIC_ACQUIRE);

		if (t != NULL && t->inbound != NULL) {
			k = rte_ring_mp_enqueue_burst(t->inbound, objs, n, NULL);
		}
	}
	if (k < n) {
		unsigned int put = rte_ring_mp_enqueue_burst(pc->shared, objs + k,
							     n - k, NULL);

		if (unlikely(put < n - k)) {
			/*
			 * More objects than the pool holds: only possible when
			 * frees were not checked (fast mode) and a buffer was
			 * freed twice. Drop what does not fit, no more: one
			 * extra object costs one object.
			 */
			if (s != NULL) {
				s->cnt.double_frees += n - k - put;
			} else {
				__atomic_fetch_add(&pc->anon.double_frees,
						   n - k - put, __ATOMIC_RELAXED);
			}
		}
	}
}

/* Flush the coldest (bottom) objects of a cache, keep `size` hot on top. */
static __rte_noinline void
cache_flush(struct pc_pool *pc, struct pc_slot *s, unsigned int id)
{
	unsigned int k = s->len - s->size;

	route(pc, s, id, s->objs, k);
	memmove(s->objs, &s->objs[k], s->size * sizeof(void *));
	s->len = s->size;
}

/* Put objects into the slot's cache (or route them when it has none). */
static inline void
put_objs(struct pc_pool *pc, struct pc_slot *s, unsigned int id,
	 void * const *objs, unsigned int n)
{
	unsigned int k;

	if (s == NULL || s->size == 0 || n > s->flushthresh) {
		route(pc, s, id, objs, n);
		return;
	}
	if (unlikely(__atomic_load_n(&pc->starving, __ATOMIC_RELAXED))) {
		/*
		 * Someone could not allocate: do not hide buffers in this
		 * cache, hand them (and what the cache holds) to the rings
		 * where every thread can reach them.
		 */
		if (s->len > 0) {
			route(pc, s, id, s->objs, s->len);
			s->len = 0;
		}
		route(pc, s, id, objs, n);
		return;
	}
	if (n <= 8) {
		for (k = 0; k < n; k++) {
			s->objs[s->len + k] = objs[k];
		}
	} else {
		memcpy(&s->objs[s->len], objs, n * sizeof(void *));
	}
	s->len += n;
	if (unlikely(s->len > s->flushthresh)) {
		cache_flush(pc, s, id);
	}
}

static inline void
count_add(struct pc_pool *pc, struct pc_slot *s, uint64_t *slot_field,
	  uint64_t *anon_field, uint64_t v)
{
	if (s != NULL) {
		*slot_field += v;
	} else {
		RTE_SET_USED(pc);
		__atomic_fetch_add(anon_field, v, __ATOMIC_RELAXED);
	}
}

#define COUNT(pc, s, field, v) \
	count_add((pc), (s), (s) != NULL ? &(s)->cnt.field : NULL, \
		  &(pc)->anon.field, (v))

static inline void
out_add(struct pc_pool *pc, int64_t v)
{
	int64_t now = __atomic_add_fetch(&pc->out, v, __ATOMIC_RELAXED);

	if (v > 0) {
		nb_pool_mark_max(&pc->peak_out, now);
	}
}

/*
 * Accounted free: check and mark every buffer; what passes goes on.
 * Out of line so the fast-mode path keeps a small frame.
 */
static __rte_noinline void
enqueue_accounted(struct pc_pool *pc, struct pc_slot *s, unsigned int id,
		  void * const *objs, unsigned int n)
{
	const uint64_t cookie = pc->cookie;
	const bool poison = (pc->flags & NB_POOL_F_POISON) != 0;
	const uint16_t home = nb_pool_slot_home(id);
	const int owner_off = pc->owner_off;
	uint64_t remote = 0, dbl = 0, foreign = 0, kept = 0;
	void *keep[PC_CHUNK];
	unsigned int done, i, k;
	/* With room in the cache, compact straight into it. */
	bool direct = s != NULL && s->size > 0 && n <= s->flushthresh &&
		      !__atomic_load_n(&pc->starving, __ATOMIC_RELAXED);

	for (done = 0; done < n; done += PC_CHUNK) {
		unsigned int chunk = RTE_MIN(n - done, PC_CHUNK);
		void **dst = direct ? &s->objs[s->len] : keep;

		for (i = 0, k = 0; i < chunk; i++) {
			struct rte_mbuf *m = objs[done + i];
			uint64_t *w = RTE_MBUF_DYNFIELD(m, owner_off,
							uint64_t *);
			struct nb_buf_owner old;
			uint64_t prev;

			if (unlikely(nb_mbuf_priv(m)->pool_cookie != cookie)) {
				foreign++;
				continue;
			}
			/*
			 * One atomic step: of two concurrent frees exactly one
			 * sees a word other than its own "free". A word DPDK
			 * copied from another buffer (attach, copy) has
			 * another tag: this buffer was allocated (every get
			 * writes the word), so that free goes on.
			 */
			prev = __atomic_exchange_n(w, nb_buf__owner_word(m,
					NB_BUF_STATE_FREE, NB_LCORE_NONE),
					__ATOMIC_ACQ_REL);
			memcpy(&old, &prev, sizeof(old));
			if (likely(old.tag == nb_buf_owner_tag(m))) {
				if (unlikely(old.state !=
					     NB_BUF_STATE_ALLOCATED)) {
					dbl++;
					continue;
				}
				remote += old.home != home;
			}
			dst[k++] = m;
		}
		if (unlikely(poison)) {
			for (i = 0; i < k; i++) {
				struct rte_mbuf *m = dst[i];

				memset(m->buf_addr, 0x6b, m->buf_len);
			}
		}
		kept += k;
		if (direct) {
			s->len += k;
		} else if (k > 0) {
			put_objs(pc, s, id, keep, k);
		}
	}
	if (direct && unlikely(s->len > s->flushthresh)) {
		cache_flush(pc, s, id);
	}
	COUNT(pc, s, frees, kept);
	if (unlikely(remote | dbl | foreign)) {
		COUNT(pc, s, remote_frees, remote);
		COUNT(pc, s, double_frees, dbl);
		COUNT(pc, s, foreign_frees, foreign);
	}
	out_add(pc, -(int64_t)kept);
}

static int
pc_enqueue(struct rte_mempool *mp, void * const *objs, unsigned int n)
{
	struct pc_pool *pc = mp->pool_data;
	unsigned int id;
	struct pc_slot *s;

	if (unlikely(pc->cfg->populating)) {
		rte_ring_mp_enqueue_bulk(pc->shared, objs, n, NULL);
		return 0;
	}
	id = nb_pool_slot_id();
	s = slot_get(pc, id);
	if (pc->accounted) {
		enqueue_accounted(pc, s, id, objs, n);
		return 0;
	}
	COUNT(pc, s, frees, n);
	put_objs(pc, s, id, objs, n);
	return 0;
}

/* Free objects held by the driver (rings and its caches). */
static unsigned int
pc_get_count_locked(const struct pc_pool *pc)
{
	unsigned int i, count = rte_ring_count(pc->shared);
	unsigned int nb = __atomic_load_n(&pc->nb_all_slots, __ATOMIC_ACQUIRE);

	/* Only the slots that exist (usually the lcores): cheap enough to
	 * run at every refill in fast mode. */
	for (i = 0; i < nb; i++) {
		const struct pc_slot *s = __atomic_load_n(
			&pc->slots[pc->all_slots[i]], __ATOMIC_ACQUIRE);

		if (s != NULL) {
			count += __atomic_load_n(&s->len, __ATOMIC_RELAXED);
			if (s->inbound != NULL) {
				count += rte_ring_count(s->inbound);
			}
		}
	}
	return count;
}

/*
 * Take up to @want objects: own inbound ring, then the shared ring, then
 * other lcores' inbound rings. Returns how many were taken.
 */
static inline unsigned int
fill(struct pc_pool *pc, struct pc_slot *s, unsigned int id, void **dst,
     unsigned int want)
{
	unsigned int got = 0, i;

	if (s != NULL && s->inbound != NULL) {
		got = rte_ring_mc_dequeue_burst(s->inbound, dst, want, NULL);
		if (got < want &&
		    __atomic_load_n(&pc->hungry, __ATOMIC_RELAXED) != id) {
			__atomic_store_n(&pc->hungry, id, __ATOMIC_RELAXED);
		}
	}
	if (got < want) {
		got += rte_ring_mc_dequeue_burst(pc->shared, dst + got,
						 want - got, NULL);
	}
	if (unlikely(__atomic_load_n(&pc->starving, __ATOMIC_RELAXED)) &&
	    rte_ring_count(pc->shared) >= RTE_MAX(pc->cfg->cache_size, 32u)) {
		/* The pool has recovered: caches may keep buffers again. */
		__atomic_store_n(&pc->starving, 0, __ATOMIC_RELAXED);
	}
	for (i = 0; got < want && i < __atomic_load_n(&pc->nb_ring_slots,
						      __ATOMIC_ACQUIRE); i++) {
		struct pc_slot *o = pc->slots[pc->ring_slots[i]];

		if (o != NULL && o != s && o->inbound != NULL) {
			got += rte_ring_mc_dequeue_burst(o->inbound, dst + got,
							 want - got, NULL);
		}
	}
	return got;
}

/*
 * Take exactly @n objects into @objs, or none: on failure @objs is not
 * written. This matters: DPDK refills its cache by dequeuing straight into
 * cache->objs and, when that fails, keeps what the array held, so a partial
 * write would hand the same buffer out twice.
 */
static bool
take_exact(struct pc_pool *pc, struct pc_slot *s, unsigned int id,
	   void **objs, unsigned int n)
{
	void *tmp[PC_SCRATCH], **dst;
	unsigned int got;

	/* The own inbound ring has them all: its bulk call writes only on
	 * success. Otherwise gather: inbound (warm) first, then the rest. */
	if (s != NULL && s->inbound != NULL &&
	    rte_ring_mc_dequeue_bulk(s->inbound, objs, n, NULL) == n) {
		return true;
	}
	/*
	 * Several sources: gather in a scratch array, copy on success. A
	 * request larger than any cache refill (2 x the largest cache) is a
	 * caller's own table, where a partial write on failure is harmless.
	 */
	dst = n <= PC_SCRATCH ? tmp : objs;
	got = fill(pc, s, id, dst, n);
	if (got < n) {
		if (got > 0) {
			rte_ring_mp_enqueue_bulk(pc->shared, dst, got, NULL);
		}
		return false;
	}
	if (dst == tmp) {
		memcpy(objs, tmp, n * sizeof(void *));
	}
	return true;
}

static void dequeue_accounted(struct pc_pool *pc, struct pc_slot *s,
			      unsigned int id, void **objs, unsigned int n);

static int
pc_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	struct pc_pool *pc = mp->pool_data;
	unsigned int id = nb_pool_slot_id();
	struct pc_slot *s = slot_get(pc, id);
	bool rings = true;	/* the request reached the rings */
	unsigned int i;

	if (s != NULL && s->size > 0 && n <= s->size + s->flushthresh) {
		rings = s->len < n;
		if (s->len < n) {
			unsigned int want = RTE_MIN(s->size + n - s->len,
						    PC_CACHE_OBJS - s->len);

			s->len += fill(pc, s, id, &s->objs[s->len], want);
			s->tsc_age = PC_TSC_EVERY;
			if (unlikely(s->len < n)) {
				if (!RTE_PER_LCORE(nb_pool_quiet_fail)) {
					COUNT(pc, s, alloc_fails, 1);
				}
				__atomic_store_n(&pc->starving, 1,
						 __ATOMIC_RELAXED);
				return -ENOBUFS;
			}
		}
		for (i = 0; i < n; i++) {
			objs[i] = s->objs[--s->len];
		}
	} else if (!take_exact(pc, s, id, objs, n)) {
		if (!RTE_PER_LCORE(nb_pool_quiet_fail)) {
			COUNT(pc, s, alloc_fails, 1);
		}
		__atomic_store_n(&pc->starving, 1, __ATOMIC_RELAXED);
		return -ENOBUFS;
	}

	if (pc->accounted) {
		dequeue_accounted(pc, s, id, objs, n);
	} else {
		COUNT(pc, s, allocs, n);
		/*
		 * Fast mode keeps no shared in-use counter (it would be an
		 * atomic on every call): sample the peak after every request
		 * that reaches the rings (cache refills, bulks beyond the
		 * cache), counting buffers in DPDK's caches as in use. A hit
		 * in a thread's own cache does not lower what is free.
		 */
		if (rings) {
			nb_pool_mark_max(&pc->peak_out, (int64_t)pc->size -
					 (int64_t)pc_get_count_locked(pc));
		}
	}
	return 0;
}

/* Accounted allocation: mark every buffer taken. */
static __rte_noinline void
dequeue_accounted(struct pc_pool *pc, struct pc_slot *s, unsigned int id,
		  void **objs, unsigned int n)
{
	const uint16_t home = nb_pool_slot_home(id);
	const int owner_off = pc->owner_off;
	unsigned int i;
	uint64_t tsc;

	/*
	 * rdtsc costs ~17 ns in a VM: read it every PC_TSC_EVERY dequeues of
	 * a slot (and on every refill), so the allocation time the audit
	 * shows is that of a recent call.
	 */
	if (s != NULL) {
		if (s->tsc_age++ >= PC_TSC_EVERY) {
			s->tsc = rte_rdtsc();
			s->tsc_age = 0;
		}
		tsc = s->tsc;
	} else {
		tsc = rte_rdtsc();
	}
	for (i = 0; i < n; i++) {
		struct nb_mbuf_priv *pr = nb_mbuf_priv(objs[i]);
		uint32_t *w = RTE_MBUF_DYNFIELD(objs[i], owner_off,
						uint32_t *);

		NB_ASSERT(nb_buf_owner(objs[i])->state == NB_BUF_STATE_FREE);
		/* Ours alone now (the ring handed it to this thread only):
		 * state and home in one store (the tag stays: every free
		 * rewrote it), so a racing free sees them whole. */
		__atomic_store_n(w, nb_buf__owner_half(NB_BUF_STATE_ALLOCATED,
							home),
				 __ATOMIC_RELEASE);
		pr->alloc_tsc = tsc;
#if NB_DEBUG
		/* nbkit's allocation calls write the call site after this;
		 * DPDK's leave it empty rather than stale. */
		pr->alloc_file = NULL;
		pr->alloc_line = 0;
#endif
	}
	COUNT(pc, s, allocs, n);
	out_add(pc, n);
}

static unsigned int
pc_get_count(const struct rte_mempool *mp)
{
	return pc_get_count_locked(mp->pool_data);
}

static struct rte_mempool_ops ops_percore = {
	.name = "percore",
	.alloc = pc_alloc,
	.free = pc_free,
	.enqueue = pc_enqueue,
	.dequeue = pc_dequeue,
	.get_count = pc_get_count,
};

RTE_MEMPOOL_REGISTER_OPS(ops_percore);

/* ---- lib/pool's view ----------------------------------------------------- */

static void
pc_stats(const struct rte_mempool *mp, struct nb_pool_backend_stats *bs)
{
	const struct pc_pool *pc = mp->pool_data;
	unsigned int i;

	memset(bs, 0, sizeof(*bs));
	for (i = 0; i < NB_POOL_SLOTS; i++) {
		const struct pc_slot *s =
			__atomic_load_n(&pc->slots[i], __ATOMIC_ACQUIRE);

		if (s != NULL) {
			nb_pool_counters_add(&bs->cnt, &s->cnt);
		}
	}
	nb_pool_counters_add(&bs->cnt, &pc->anon);
	if (pc->cfg->accounted) {
		bs->out = __atomic_load_n(&pc->out, __ATOMIC_RELAXED);
	} else {
		bs->out = (int64_t)pc->size - (int64_t)pc_get_count_locked(pc);
	}
	bs->peak_out = RTE_MAX(bs->out,
			       __atomic_load_n(&pc->peak_out, __ATOMIC_RELAXED));
}

static void
pc_stats_reset(struct rte_mempool *mp)
{
	struct pc_pool *pc = mp->pool_data;
	unsigned int i;

	for (i = 0; i < NB_POOL_SLOTS; i++) {
		struct pc_slot *s = __atomic_load_n(&pc->slots[i],
						    __ATOMIC_ACQUIRE);

		if (s != NULL) {
			memset(&s->cnt, 0, sizeof(s->cnt));
		}
	}
	memset(&pc->anon, 0, sizeof(pc->anon));
	__atomic_store_n(&pc->peak_out, pc->cfg->accounted ?
			 __atomic_load_n(&pc->out, __ATOMIC_RELAXED) :
			 (int64_t)pc->size - (int64_t)pc_get_count_locked(pc),
			 __ATOMIC_RELAXED);
}

/* Drain a ring, show each object to @cb, put them all back. */
static int
ring_walk(struct rte_ring *r, void (*cb)(void *obj, void *arg), void *arg)
{
	unsigned int n = rte_ring_count(r), got, i;
	void **tmp;

	if (n == 0) {
		return 0;
	}
	tmp = rte_malloc("nb_percore_walk", n * sizeof(void *), 0);
	if (tmp == NULL) {
		return -ENOMEM;
	}
	got = rte_ring_mc_dequeue_burst(r, tmp, n, NULL);
	for (i = 0; i < got; i++) {
		cb(tmp[i], arg);
	}
	rte_ring_mp_enqueue_bulk(r, tmp, got, NULL);
	rte_free(tmp);
	return 0;
}

static int
pc_walk_free(struct rte_mempool *mp, void (*cb)(void *obj, void *arg),
	     void *arg)
{
	struct pc_pool *pc = mp->pool_data;
	unsigned int i, j;
	int rc;

	rc = ring_walk(pc->shared, cb, arg);
	for (i = 0; rc == 0 && i < NB_POOL_SLOTS; i++) {
		struct pc_slot *s = __atomic_load_n(&pc->slots[i],
						    __ATOMIC_ACQUIRE);

		if (s == NULL) {
			continue;
		}
		for (j = 0; j < s->len; j++) {
			cb(s->objs[j], arg);
		}
		if (s->inbound != NULL) {
			rc = ring_walk(s->inbound, cb, arg);
		}
	}
	return rc;
}

static void
pc_thread_exit(struct rte_mempool *mp, unsigned int slot)
{
	struct pc_pool *pc = mp->pool_data;
	struct pc_slot *s;

	if (pc == NULL || slot >= NB_POOL_SLOTS) {
		return;
	}
	s = __atomic_load_n(&pc->slots[slot], __ATOMIC_ACQUIRE);
	if (s != NULL && s->len > 0) {
		rte_ring_mp_enqueue_bulk(pc->shared, s->objs, s->len, NULL);
		s->len = 0;
	}
}

static const struct nb_pool_backend percore_backend = {
	.name = "percore",
	.stats = pc_stats,
	.stats_reset = pc_stats_reset,
	.walk_free = pc_walk_free,
	.thread_exit = pc_thread_exit,
};

NB_POOL_BACKEND_REGISTER(percore_backend);
