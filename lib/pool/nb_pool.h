/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nbkit pools: rte_mempools of pktmbufs that tell you what is happening.
 *
 * An nb_pool *is* an rte_mempool of pktmbufs (nb_pool_mempool()), so every
 * PMD and every DPDK call (rte_eth_rx_queue_setup, rte_pktmbuf_alloc,
 * rte_pktmbuf_free, rte_pktmbuf_free_bulk) works on its buffers with no
 * conversion. nbkit adds, per pool: counters kept per lcore, peak and
 * low-water marks, a leak audit that names the missing buffers, double-free
 * detection, telemetry, a wait-for-a-buffer call for threads that do not
 * poll, and pools of several sizes behind one call (nb_poolset).
 *
 * Buffer layout: [rte_mbuf][nbkit area][user area][headroom][data room].
 * The nbkit area (struct nb_mbuf_priv) follows the mbuf; the user area of
 * opts.priv_size bytes follows it (nb_pool_user_priv()). buf_iova is valid
 * and data starts cache-line aligned after the pool's headroom.
 *
 * Backends (opts.ops):
 * - "percore" (default): nbkit's mempool driver (drivers/mempool/percore).
 *   Every lcore has a lockless inbound ring: buffers an lcore flushes go to
 *   the inbound ring of the lcore that last ran short (in a pipeline, the
 *   allocating one), so they circulate through a short ring instead of a
 *   pool-sized FIFO; a shared ring holds the rest, and an lcore short of
 *   buffers takes from the others' inbound rings. Threads with no lcore id
 *   get a cache of their own. As with DPDK's caches, buffers sitting in
 *   another lcore's cache are out of reach until it flushes. Two modes:
 *   - NB_POOL_MODE_FAST: DPDK's per-lcore cache sits in front of the
 *     driver (the fastest inline path); the driver sees only cache refills
 *     and flushes. DPDK's semantics: a double free is not stopped for
 *     certain. nbkit's calls keep an ownership word; nb_buf_free() counts a
 *     segment it finds already free in unverified_frees (advisory: DPDK's
 *     raw allocation paths, PMD receive among them, do not write the word)
 *     and still returns it; a double free that got in is reported by the
 *     statistics (excess) and nb_pool_audit().
 *   - NB_POOL_MODE_ACCOUNTED: the rte_mempool has no DPDK cache; the cache
 *     is inside the driver, so every get and put from any DPDK or nbkit call
 *     reaches nbkit code: exact counters everywhere and every double free
 *     caught for certain, also two concurrent frees of one buffer (one
 *     atomic exchange of the ownership state per buffer: exactly one free
 *     wins, the other is counted in double_frees and dropped), for a
 *     function call per burst.
 * - "ring_mp_mc", "stack": DPDK's own backends with DPDK's cache, for
 *   comparison and for users who want them.
 *
 * Thread safety: allocation and free are safe from any thread. Create,
 * destroy, audit and reset are control-path calls: do not race them with
 * each other; nb_pool_audit() wants no concurrent users of the pool.
 */
#ifndef NB_POOL_H
#define NB_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "nb_common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nb_pool;
struct nb_poolset;

/**
 * Longest pool name, without the terminating NUL: DPDK's mempool limit less
 * one, since DPDK's stack backend prefixes it for its own memzone.
 */
#define NB_POOL_NAMESIZE (RTE_MEMPOOL_NAMESIZE - 2)

/** nb_pool_opts.cache_size default: min(256, n / 1.5), DPDK's limit. */
#define NB_POOL_CACHE_AUTO UINT32_MAX

/** Largest per-lcore cache (DPDK's RTE_MEMPOOL_CACHE_MAX_SIZE). */
#define NB_POOL_CACHE_MAX RTE_MEMPOOL_CACHE_MAX_SIZE

/** Pool mode of the percore backend. */
enum nb_pool_mode {
	NB_POOL_MODE_DEFAULT = 0,	/**< the measured default (see README): fast */
	NB_POOL_MODE_FAST,		/**< DPDK's cache in front of the driver */
	NB_POOL_MODE_ACCOUNTED,		/**< the cache inside the driver: exact */
};

/** Poison the data room of every buffer freed (accounted mode): 0x6b bytes. */
#define NB_POOL_F_POISON	(1u << 0)
/** All flags nb_pool_create() knows. */
#define NB_POOL_F_ALL		(NB_POOL_F_POISON)

/** Options of nb_pool_create(); fill with nb_pool_opts_init() first. */
struct nb_pool_opts {
	size_t opts_size;	/**< sizeof(struct nb_pool_opts) of the caller */
	uint32_t cache_size;	/**< per-lcore cache, 0..NB_POOL_CACHE_MAX, or NB_POOL_CACHE_AUTO */
	uint16_t data_room;	/**< bytes per buffer including the headroom (DPDK's
				     data_room_size); default RTE_MBUF_DEFAULT_BUF_SIZE */
	uint16_t headroom;	/**< headroom of nbkit allocations; default
				     RTE_PKTMBUF_HEADROOM. DPDK's own alloc paths
				     always reserve RTE_PKTMBUF_HEADROOM */
	uint16_t priv_size;	/**< user area per buffer, bytes (nb_pool_user_priv()) */
	int socket_id;		/**< NUMA socket, or SOCKET_ID_ANY (the caller's) */
	const char *ops;	/**< backend: "percore" (default), "ring_mp_mc", "stack" */
	enum nb_pool_mode mode;	/**< percore mode; ignored by the DPDK backends */
	uint32_t flags;		/**< NB_POOL_F_* */
};

/**
 * Pool statistics. Counters are kept per lcore (no cache line is shared on
 * the fast path) and summed when read.
 *
 * What each figure means depends on the backend:
 * - percore, accounted: every figure is exact. allocs and frees count
 *   buffers through every DPDK and nbkit call; in_use = allocs - frees;
 *   peak_in_use is tracked on every call; remote_frees counts buffers freed
 *   by another lcore or thread (slot) than the one that allocated them.
 * - percore, fast: allocs and frees count buffers moved between the driver
 *   and the lcore caches (a refill of 384 counts 384) or cache-less threads;
 *   alloc_fails counts failed backend requests. avail and in_use are exact
 *   when no other thread is using the pool (they walk DPDK's caches).
 *   peak_in_use and min_avail are sampled after every request that reaches
 *   the driver (a cache refill, a bulk larger than the cache, a thread
 *   without an lcore id) and at every nb_pool_stats_get(), and count
 *   buffers sitting in lcore caches as in use, so they can overstate by up
 *   to (lcores x 1.5 x cache_size) and miss a peak reached and left within
 *   one cache's worth of allocations that never reach the driver.
 *   remote_frees stays 0 (it would take a read of every freed buffer).
 * - ring_mp_mc, stack: allocs, frees and alloc_fails count nbkit calls
 *   only (frees: segments nb_buf_free() returns); avail and in_use as in
 *   fast mode; peak and low-water sampled at every nb_pool_stats_get() and
 *   whenever an nbkit allocation fails; remote_frees stays 0.
 *
 * Double frees. double_frees is certain: every buffer it counts was freed
 * while already free, and was dropped (not put back twice). Only accounted
 * mode catches every double free (its driver sees every put and moves the
 * ownership state from allocated to free with one atomic exchange, so of
 * two concurrent frees exactly one wins). In fast mode and with DPDK's
 * backends DPDK's cache and raw allocation paths (rte_mbuf_raw_alloc, used
 * by PMD receive; rte_mempool_get) do not write nbkit's ownership state, so
 * nb_buf_free() cannot tell a double free from a buffer such a path handed
 * out: it counts the segment in unverified_frees and returns it to the pool
 * (never a leak). A double free that got in shows as excess (more buffers
 * free than the pool holds) and in nb_pool_audit(); the pool is then
 * corrupt: the same buffer can be handed out twice.
 */
struct nb_pool_stats {
	uint32_t size;		/**< buffers in the pool */
	uint32_t avail;		/**< buffers free (in the pool and its caches);
				     above size only in a corrupt pool (excess) */
	uint32_t in_use;	/**< buffers out (size - avail, 0 when avail > size) */
	uint32_t peak_in_use;	/**< highest in_use since create or reset */
	uint32_t min_avail;	/**< lowest avail since create or reset (low-water mark) */
	uint64_t allocs;	/**< buffers allocated */
	uint64_t frees;		/**< buffers freed */
	uint64_t alloc_fails;	/**< allocation requests that failed (a
				     nb_pool_alloc_wait() counts once, when it
				     times out) */
	uint64_t remote_frees;	/**< buffers freed on an lcore or thread other
				     than the one that took them (accounted mode) */
	uint64_t double_frees;	/**< frees of a buffer already free: counted and
				     dropped (certain) */
	uint64_t foreign_frees;	/**< frees of a buffer of another pool: counted and dropped */
	uint64_t unverified_frees; /**< fast mode, DPDK backends: nb_buf_free() of
				     a segment whose state said free: a double
				     free or a buffer a DPDK raw path allocated
				     (cannot tell); returned to the pool anyway */
	uint32_t excess;	/**< avail - size when avail > size, else 0: proof
				     that a double free got in (corrupt pool) */
};

/** Ownership state of a buffer (struct nb_buf_owner.state). */
enum nb_buf_state {
	NB_BUF_STATE_FREE = 0xf7,	/**< in the pool */
	NB_BUF_STATE_ALLOCATED = 0xa1,	/**< handed out */
};

/** lcore value for threads without an lcore id (nb_buf_owner.home). */
#define NB_LCORE_NONE UINT16_MAX

/**
 * Ownership word of every buffer of an nb_pool: an 8-byte mbuf dynamic
 * field (rte_mbuf_dynfield_register(), name NB_BUF_OWNER_DYNFIELD) in the
 * mbuf's second cache line, which allocation and free touch anyway. No DPDK
 * field is given a private meaning and no PMD or mbuf reset writes it.
 * In accounted mode the driver keeps it exact for every get and put; in
 * fast mode and with DPDK's backends nbkit's allocation and free calls
 * write it and DPDK's do not.
 *
 * DPDK copies the dynamic fields from one mbuf to another
 * (rte_pktmbuf_attach() of a clone, rte_pktmbuf_copy()), so the word
 * carries a tag of the buffer it was written for: a word whose tag is not
 * the buffer's own (nb_buf_owner_valid() false) was copied from another
 * buffer and says nothing about this one (read as "allocated").
 */
struct nb_buf_owner {
	uint8_t state;		/**< enum nb_buf_state */
	uint8_t reserved;
	uint16_t home;		/**< who last allocated it: an lcore id, a
				     thread slot (>= RTE_MAX_LCORE, threads
				     without an lcore id, accounted mode) or
				     NB_LCORE_NONE */
	uint32_t tag;		/**< nb_buf_owner_tag() of the buffer it was
				     written for */
} __rte_aligned(8);

/** Name of the mbuf dynamic field that holds struct nb_buf_owner. */
#define NB_BUF_OWNER_DYNFIELD "nbkit_dynfield_owner"

/** @internal Offset of the ownership word in the mbuf (set by the first
 * nb_pool_create()); -1 before. */
extern int nb_pool__owner_off;

/**
 * Ownership word of a buffer of an nb_pool.
 *
 * @param m
 *   A buffer of an nb_pool (not checked).
 * @return
 *   Its ownership word.
 */
static inline struct nb_buf_owner *
nb_buf_owner(const struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, nb_pool__owner_off, struct nb_buf_owner *);
}

/**
 * The tag of a buffer in its ownership word: its address in units of a
 * cache line (unique among the buffers of a process but for addresses
 * 256 GiB apart).
 *
 * @param m
 *   The buffer.
 * @return
 *   Its tag.
 */
static inline uint32_t
nb_buf_owner_tag(const struct rte_mbuf *m)
{
	return (uint32_t)((uintptr_t)m >> 6);
}

/**
 * Whether a buffer's ownership word was written for it (not copied by DPDK
 * from another buffer).
 *
 * @param m
 *   A buffer of an nb_pool (not checked).
 * @return
 *   true when nb_buf_owner(m) describes m.
 */
static inline bool
nb_buf_owner_valid(const struct rte_mbuf *m)
{
	return nb_buf_owner(m)->tag == nb_buf_owner_tag(m);
}

/** @internal The ownership word as one 64-bit value (one store). */
static inline uint64_t
nb_buf__owner_word(const struct rte_mbuf *m, uint8_t state, uint16_t home)
{
	const struct nb_buf_owner o = {
		.state = state,
		.home = home,
		.tag = nb_buf_owner_tag(m),
	};
	uint64_t w;

	memcpy(&w, &o, sizeof(w));
	return w;
}

/**
 * @internal State and home without the tag: the first 4 bytes of the word,
 * one 32-bit store. Allocations write only these: the tag is written at
 * create and by accounted and unverified frees, and nbkit's attach and
 * metadata copies keep a header's own word (DPDK's would copy the data
 * owner's in).
 */
static inline uint32_t
nb_buf__owner_half(uint8_t state, uint16_t home)
{
	const struct nb_buf_owner o = {
		.state = state,
		.home = home,
	};
	uint32_t h;

	memcpy(&h, &o, sizeof(h));
	return h;
}

/**
 * nbkit's area of every buffer, right after the rte_mbuf: what the audit
 * and the foreign-buffer check need, written at create and, for alloc_tsc
 * and the call site, by accounted allocations and debug builds (the fast
 * allocation path does not touch this cache line).
 */
struct nb_mbuf_priv {
	uint32_t reserved0;
	uint32_t idx;		/**< index of the buffer in its pool */
	uint64_t alloc_tsc;	/**< TSC of the last allocation: accounted mode (read
				     every 16 allocations of a slot) and debug
				     builds; 0 in fast mode otherwise (rdtsc costs
				     more than the rest of an allocation in a VM) */
	uint64_t pool_cookie;	/**< identifies the pool (foreign-buffer check) */
	const char *alloc_file;	/**< call site of the last allocation (debug builds) */
	uint32_t alloc_line;	/**< call site line (debug builds) */
	uint32_t reserved1;
	uint64_t reserved2[3];
} __rte_aligned(8);

/** Bytes the nbkit area takes after the mbuf (a multiple of 64). */
#define NB_MBUF_PRIV_SIZE 64

/**
 * nbkit area of a buffer of an nb_pool.
 *
 * @param m
 *   A buffer of an nb_pool (not checked).
 * @return
 *   Its nbkit area.
 */
static inline struct nb_mbuf_priv *
nb_mbuf_priv(const struct rte_mbuf *m)
{
	return (struct nb_mbuf_priv *)(uintptr_t)(m + 1);
}

/**
 * User area of a buffer of an nb_pool (opts.priv_size bytes, 8-aligned).
 *
 * @param m
 *   A buffer of an nb_pool (not checked).
 * @return
 *   Its user area.
 */
static inline void *
nb_pool_user_priv(const struct rte_mbuf *m)
{
	return (char *)(uintptr_t)(m + 1) + NB_MBUF_PRIV_SIZE;
}

/**
 * Fill @p o with the defaults (also sets o->opts_size).
 *
 * @param o
 *   Options to fill.
 * @param opts_size
 *   sizeof(*o) as the caller knows it.
 */
void nb_pool_opts_init(struct nb_pool_opts *o, size_t opts_size);

/**
 * Create a pool of @p n pktmbufs, NUMA-local, on hugepages when EAL has
 * them, with per-lcore caches.
 *
 * @param name
 *   Unique name, at most NB_POOL_NAMESIZE characters.
 * @param n
 *   Number of buffers, > 0.
 * @param o
 *   Options, or NULL for the defaults.
 * @return
 *   The pool, or NULL with rte_errno set (one log line says why):
 *   - EINVAL: n 0, data_room smaller than the headroom, unknown ops name or
 *     mode or flag, cache_size above NB_POOL_CACHE_MAX or with
 *     cache_size * 3 / 2 > n (DPDK's flush threshold beyond the pool),
 *     NULL name, opts_size larger than this library knows;
 *   - ENAMETOOLONG: name longer than NB_POOL_NAMESIZE;
 *   - EEXIST: a mempool of that name exists;
 *   - ENODEV: the environment is not initialised;
 *   - ENOMEM: not enough memory.
 */
struct nb_pool *nb_pool_create(const char *name, unsigned int n,
			       const struct nb_pool_opts *o);

/**
 * Destroy a pool.
 *
 * @param p
 *   The pool; NULL is a no-op returning 0.
 * @param force
 *   Destroy even while buffers are out (they become invalid).
 * @return
 *   0, or -EBUSY when !force and buffers are out or the pool is corrupt
 *   (nb_pool_audit() finds a buffer missing or free twice; the pool is left
 *   as it was and the log lists up to 8 of the findings).
 */
int nb_pool_destroy(struct nb_pool *p, bool force);

/**
 * The rte_mempool under a pool, for rte_eth_rx_queue_setup() and any DPDK call.
 *
 * @param p
 *   The pool.
 * @return
 *   Its mempool.
 */
struct rte_mempool *nb_pool_mempool(const struct nb_pool *p);

/**
 * The nbkit pool of any buffer.
 *
 * @param m
 *   A buffer (direct or indirect header).
 * @return
 *   The nb_pool its header came from, or NULL when m is NULL or its mempool
 *   is not an nb_pool.
 */
struct nb_pool *nb_pool_of(const struct rte_mbuf *m);

/**
 * Find a pool by name.
 *
 * @param name
 *   The name given to nb_pool_create().
 * @return
 *   The pool, or NULL (rte_errno ENOENT).
 */
struct nb_pool *nb_pool_lookup(const char *name);

/**
 * The pool's name.
 *
 * @param p
 *   The pool.
 * @return
 *   Its name.
 */
const char *nb_pool_name(const struct nb_pool *p);

/**
 * Data room after the headroom: the largest packet one buffer holds.
 *
 * @param p
 *   The pool.
 * @return
 *   data_room - headroom.
 */
uint16_t nb_pool_data_size(const struct nb_pool *p);

/** @internal Magic of nbkit's part of a mempool's private area. */
#define NB_POOL_MAGIC UINT64_C(0x6e626b69745f706c)	/* "nbkit_pl" */

/**
 * @internal A mempool's private area in an nbkit pool: DPDK's pktmbuf part
 * first (so every DPDK call works), then nbkit's. Do not use.
 */
struct nb_mempool_priv {
	struct rte_pktmbuf_pool_private pkt;
	uint64_t magic;		/* NB_POOL_MAGIC */
	struct nb_pool *pool;
	bool track;		/* nbkit calls keep the ownership word (not accounted) */
	bool count;		/* nbkit calls count (DPDK backends) */
	int owner_off;		/* offset of struct nb_buf_owner in the mbuf */
};

/**
 * @internal nbkit's private area of a buffer's mempool, or NULL when the
 * buffer does not come from an nbkit pool.
 */
static inline const struct nb_mempool_priv *
nb_mempool_priv_of(const struct rte_mbuf *m)
{
	const struct rte_mempool *mp = m->pool;
	const struct nb_mempool_priv *v;

	if (unlikely(mp == NULL || mp->private_data_size < sizeof(*v))) {
		return NULL;
	}
	v = (const struct nb_mempool_priv *)((const char *)mp +
		RTE_MEMPOOL_HEADER_SIZE(mp, mp->cache_size));
	return v->magic == NB_POOL_MAGIC ? v : NULL;
}

/** @internal Fields the inline fast path needs; do not use. */
struct nb_pool_fast {
	struct rte_mempool *mp;
	uint64_t cookie;
	uint16_t headroom;
	bool track;		/* nbkit calls write the ownership word (not accounted) */
	bool count;		/* nbkit calls count (DPDK backends) */
	int owner_off;		/* offset of struct nb_buf_owner in the mbuf */
};

/** @internal Per-lcore counters of nbkit calls; do not use. */
void nb_pool__count(struct nb_pool *p, uint64_t allocs, uint64_t fails);

/** @internal A double free nbkit's free calls caught (counted per lcore). */
void nb_pool__count_double_free(struct nb_pool *p);

/** @internal nbkit frees of a DPDK-backend pool (counted per lcore). */
void nb_pool__count_free(struct nb_pool *p, uint64_t frees);

/**
 * @internal Fast mode, DPDK backends: nb_buf_free() found a segment whose
 * state did not say allocated (a double free, or a buffer a DPDK raw path
 * allocated): marks it free (the whole word), counts it in
 * unverified_frees and logs (rate-limited) when the word was its own.
 */
void nb_pool__unverified_free(struct nb_pool *p, struct rte_mbuf *m);

/** @internal The inline part of a pool; do not use. */
static inline const struct nb_pool_fast *
nb_pool__fast(const struct nb_pool *p)
{
	return (const struct nb_pool_fast *)p;
}

/** @internal Record an nbkit allocation in the ownership word. */
static inline void
nb_pool__track(const struct nb_pool_fast *f, struct rte_mbuf *m,
	       uint64_t tsc, const char *file, uint32_t line)
{
	if (f->headroom != RTE_PKTMBUF_HEADROOM) {
		m->data_off = RTE_MIN(f->headroom, m->buf_len);
	}
	if (f->track) {
		unsigned int lc = rte_lcore_id();

		/* One 4-byte store in the line the reset just wrote. */
		*RTE_MBUF_DYNFIELD(m, f->owner_off, uint32_t *) =
			nb_buf__owner_half(NB_BUF_STATE_ALLOCATED,
				lc == LCORE_ID_ANY ? NB_LCORE_NONE : (uint16_t)lc);
	}
#if NB_DEBUG
	{
		struct nb_mbuf_priv *pr = nb_mbuf_priv(m);

		if (f->track) {
			pr->alloc_tsc = tsc;
		}
		pr->alloc_file = file;
		pr->alloc_line = line;
	}
#else
	RTE_SET_USED(tsc);
	RTE_SET_USED(file);
	RTE_SET_USED(line);
#endif
}

/** @internal nb_pool_alloc() with the call site. */
static inline struct rte_mbuf *
nb_pool__alloc(struct nb_pool *p, const char *file, uint32_t line)
{
	const struct nb_pool_fast *f = nb_pool__fast(p);
	struct rte_mbuf *m = rte_pktmbuf_alloc(f->mp);

	if (unlikely(f->count)) {
		nb_pool__count(p, m != NULL, m == NULL);
	}
	if (unlikely(m == NULL)) {
		return NULL;
	}
	nb_pool__track(f, m, NB_DEBUG && f->track ? rte_rdtsc() : 0, file, line);
	return m;
}

/** @internal nb_pool_alloc_bulk() with the call site. */
static inline int
nb_pool__alloc_bulk(struct nb_pool *p, struct rte_mbuf **m, unsigned int n,
		    const char *file, uint32_t line)
{
	const struct nb_pool_fast *f = nb_pool__fast(p);
	uint64_t tsc;
	unsigned int i;

	if (unlikely(rte_pktmbuf_alloc_bulk(f->mp, m, n) != 0)) {
		if (f->count) {
			nb_pool__count(p, 0, 1);
		}
		return -ENOBUFS;
	}
	if (unlikely(f->count)) {
		nb_pool__count(p, n, 0);
	}
	/* DPDK's own bulk allocation, then nbkit's ownership word: one
	 * 4-byte store per mbuf into the second cache line, which DPDK's
	 * reset just wrote (still in L1); the burst's invariants read once. */
	if (likely(f->track && f->headroom == RTE_PKTMBUF_HEADROOM &&
		   !NB_DEBUG)) {
		const int off = f->owner_off;
		unsigned int lc = rte_lcore_id();
		const uint32_t half = nb_buf__owner_half(NB_BUF_STATE_ALLOCATED,
				lc == LCORE_ID_ANY ? NB_LCORE_NONE : (uint16_t)lc);

		for (i = 0; i < n; i++) {
			*RTE_MBUF_DYNFIELD(m[i], off, uint32_t *) = half;
		}
		return 0;
	}
	tsc = NB_DEBUG && f->track ? rte_rdtsc() : 0;
	for (i = 0; i < n; i++) {
		nb_pool__track(f, m[i], tsc, file, line);
	}
	return 0;
}

/**
 * Allocate one buffer: data_len 0, the pool's headroom reserved, refcnt 1.
 * Free it with nb_buf_free() or any DPDK free (rte_pktmbuf_free).
 * (A macro passes the call site, recorded in debug builds; the function
 * of the same name exists too.)
 *
 * @param p
 *   The pool.
 * @return
 *   The buffer, or NULL when the pool is empty.
 */
static inline struct rte_mbuf *
nb_pool_alloc(struct nb_pool *p)
{
	return nb_pool__alloc(p, NULL, 0);
}
#define nb_pool_alloc(p) nb_pool__alloc((p), __FILE__, __LINE__)

/**
 * Allocate @p n buffers, all or nothing.
 *
 * @param p
 *   The pool.
 * @param m
 *   Array of at least n pointers, filled on success.
 * @param n
 *   Number of buffers.
 * @return
 *   0, or -ENOBUFS when fewer than n are free (nothing is taken).
 */
static inline int
nb_pool_alloc_bulk(struct nb_pool *p, struct rte_mbuf **m, unsigned int n)
{
	return nb_pool__alloc_bulk(p, m, n, NULL, 0);
}
#define nb_pool_alloc_bulk(p, m, n) \
	nb_pool__alloc_bulk((p), (m), (n), __FILE__, __LINE__)

/**
 * Allocate one buffer, waiting up to @p timeout_us for one to be freed; for
 * threads that do not poll. It backs off (sleeps from 1 us up to 100 us
 * between tries, never spins a core flat out), so a buffer freed by another
 * thread is seen within about 100 us. Once an allocation has failed, the
 * percore driver stops keeping freed buffers in its own caches until the
 * pool recovers, so frees from threads without an lcore id (and, in
 * accounted mode, from every thread) reach the waiter at once. Buffers freed
 * on an lcore into DPDK's cache (fast mode, DPDK backends) stay there until
 * that cache flushes, as with any DPDK mempool.
 *
 * @param p
 *   The pool.
 * @param timeout_us
 *   Longest wait in microseconds; 0 tries once.
 * @return
 *   The buffer, or NULL with rte_errno ETIMEDOUT (or EINVAL for a NULL
 *   pool). It never gives up before timeout_us have passed (CLOCK_MONOTONIC)
 *   and counts one alloc_fails when it gives up, none for its retries.
 */
struct rte_mbuf *nb_pool_alloc_wait(struct nb_pool *p, uint64_t timeout_us);

/**
 * Read a pool's statistics (see struct nb_pool_stats for what each figure
 * means per backend).
 *
 * @param p
 *   The pool.
 * @param s
 *   Filled on success.
 * @return
 *   0, or -EINVAL for a NULL argument.
 */
int nb_pool_stats_get(struct nb_pool *p, struct nb_pool_stats *s);

/**
 * Reset the counters, the peak and the low-water mark (peak := in_use,
 * min_avail := avail now).
 *
 * @param p
 *   The pool.
 * @return
 *   0, or -EINVAL for a NULL pool.
 */
int nb_pool_stats_reset(struct nb_pool *p);

/**
 * Find the buffers that are not in the pool. Call it with no other thread
 * using the pool (at teardown, or with traffic stopped): it drains and
 * refills the backend to see what is there.
 *
 * For each missing buffer (up to 32 lines) the report names its index and
 * address, the lcore that last allocated it through a tracked path, how
 * long ago (accounted mode and debug builds) and in debug builds
 * (-Dnb_debug=true) the call site. A buffer
 * found twice among the free ones (a double free that got in) is reported
 * and counted too: the pool is corrupt then.
 *
 * @param p
 *   The pool.
 * @param report
 *   Where to write the report, or NULL for none.
 * @return
 *   The number of buffers not in the pool plus the number of extra copies
 *   found among the free ones (0: every buffer is home exactly once), or
 *   -EINVAL for a NULL pool, -ENOMEM when the audit cannot get memory.
 */
int nb_pool_audit(struct nb_pool *p, FILE *report);

/**
 * Take back the buffers missing from the pool that no one will ever free:
 * those a driver abandoned. DPDK 22.11's net_af_xdp keeps the buffers of
 * its fill rings after close (nb_port_info.rx_kept_at_close says how many
 * at most). Call it as nb_pool_audit(): when no thread holds a buffer of
 * the pool any more (the ports closed, every buffer of the application
 * freed), so that every missing buffer is an abandoned one.
 *
 * @param p
 *   The pool.
 * @param max
 *   Most buffers the caller knows to be abandoned. When more are missing,
 *   or a buffer is free twice, nothing is taken back: the rest is a leak
 *   (or corruption) nb_pool_audit() must report.
 * @param report
 *   Where to write one line of what was done, or NULL.
 * @return
 *   The number of buffers taken back (0..max), -EBUSY when more than @p max
 *   were missing or the pool is corrupt (nothing taken), -EINVAL for a
 *   NULL pool, -ENOMEM.
 */
int nb_pool_reclaim(struct nb_pool *p, unsigned int max, FILE *report);

/**
 * Print a pool's configuration and statistics for people.
 *
 * @param p
 *   The pool.
 * @param f
 *   Output stream.
 */
void nb_pool_dump(struct nb_pool *p, FILE *f);

/** One size class of a pool set. */
struct nb_pool_class {
	uint16_t data_room;	/**< bytes per buffer, including the headroom */
	unsigned int n;		/**< number of buffers of this size */
};

/** Most classes in a pool set. */
#define NB_POOLSET_MAX_CLASSES 8

/**
 * Create pools of several sizes behind one allocation call. The classes are
 * sorted by data room; the i-th smallest is pool "<name>.<i>", created with
 * @p o (its headroom applies to every class) and that class's data_room.
 *
 * @param name
 *   Name of the set (at most NB_POOL_NAMESIZE - 2 characters).
 * @param classes
 *   Size classes, any order, distinct data rooms.
 * @param nb_classes
 *   1..NB_POOLSET_MAX_CLASSES.
 * @param o
 *   Options for every class (data_room is taken from the class), or NULL.
 * @return
 *   The set, or NULL with rte_errno set (EINVAL: a class with n 0 or a data
 *   room not above the headroom, two equal data rooms, 0 or too many classes,
 *   or as nb_pool_create(); ENAMETOOLONG, EEXIST, ENOMEM, ENODEV as
 *   nb_pool_create()); nothing is left behind on failure.
 */
struct nb_poolset *nb_poolset_create(const char *name,
				     const struct nb_pool_class *classes,
				     unsigned int nb_classes,
				     const struct nb_pool_opts *o);

/**
 * Allocate a packet of @p len bytes: one buffer of the smallest class whose
 * room after the headroom holds len; beyond the largest class, a chain of
 * buffers of the largest class (the first with the headroom, the others
 * with none). data_len/pkt_len are set to len; the data is not initialised.
 * When the chosen class is empty, the next larger class is tried.
 *
 * @param set
 *   The pool set.
 * @param len
 *   Packet length in bytes (0 allowed: an empty buffer of the smallest class).
 * @return
 *   The packet, or NULL with rte_errno ENOBUFS (nothing taken), or EINVAL
 *   (NULL set, or a chain longer than RTE_MBUF_MAX_NB_SEGS).
 */
struct rte_mbuf *nb_poolset_alloc(struct nb_poolset *set, uint32_t len);

/**
 * Number of classes of a set.
 *
 * @param set
 *   The pool set.
 * @return
 *   The number of classes.
 */
unsigned int nb_poolset_count(const struct nb_poolset *set);

/**
 * The pool of one class, smallest first (for nb_pool_stats_get() per class).
 *
 * @param set
 *   The pool set.
 * @param idx
 *   Class index, 0 = the smallest data room.
 * @return
 *   The pool, or NULL (rte_errno EINVAL) when idx is out of range.
 */
struct nb_pool *nb_poolset_pool(const struct nb_poolset *set, unsigned int idx);

/**
 * Destroy a set and its pools.
 *
 * @param set
 *   The set; NULL is a no-op returning 0.
 * @param force
 *   As nb_pool_destroy().
 * @return
 *   0, or -EBUSY when !force and a class has buffers out or is corrupt, as
 *   nb_pool_destroy() (nothing destroyed).
 */
int nb_poolset_destroy(struct nb_poolset *set, bool force);

#ifdef __cplusplus
}
#endif

#endif /* NB_POOL_H */
