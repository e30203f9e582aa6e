/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb_pool: create/destroy, lookups, the waiting allocation, statistics and
 * the thread slots that give threads without an lcore id a cache.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "nb_env.h"
#include "pool_internal.h"

NB_LOG_REGISTER(pool);

int nb_pool__owner_off = -1;
RTE_DEFINE_PER_LCORE(bool, nb_pool_quiet_fail);

/* ---- backends ----------------------------------------------------------- */

static const struct nb_pool_backend *g_backends[NB_POOL_BACKENDS_MAX];
static unsigned int g_nb_backends;

void
nb_pool_backend_register(const struct nb_pool_backend *b)
{
	if (g_nb_backends >= NB_POOL_BACKENDS_MAX) {
		NB_LOG(pool, ERR, "pool backend %s: table full (%d)", b->name,
		       NB_POOL_BACKENDS_MAX);
		return;
	}
	g_backends[g_nb_backends++] = b;
}

const struct nb_pool_backend *
nb_pool_backend_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < g_nb_backends; i++) {
		if (strcmp(g_backends[i]->name, name) == 0) {
			return g_backends[i];
		}
	}
	return NULL;
}

/* DPDK's own backends nbkit pools may use (with DPDK's cache). */
static bool
dpdk_backend_ok(const char *name)
{
	return strcmp(name, "ring_mp_mc") == 0 || strcmp(name, "stack") == 0;
}

/* The ownership word's dynamic field: registered once, same offset after. */
static int
owner_field(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = NB_BUF_OWNER_DYNFIELD,
		.size = sizeof(struct nb_buf_owner),
		.align = __alignof__(struct nb_buf_owner),
	};
	int off = __atomic_load_n(&nb_pool__owner_off, __ATOMIC_ACQUIRE);

	if (off >= 0) {
		return off;
	}
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0) {
		NB_LOG(pool, ERR, "cannot register the mbuf dynamic field %s: %s",
		       NB_BUF_OWNER_DYNFIELD, rte_strerror(rte_errno));
		return -rte_errno;
	}
	__atomic_store_n(&nb_pool__owner_off, off, __ATOMIC_RELEASE);
	return off;
}

struct nb_pool_list nb_pool_list = TAILQ_HEAD_INITIALIZER(nb_pool_list);
static pthread_mutex_t g_list_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_cookie_seq;

void
nb_pool_list_lock(void)
{
	pthread_mutex_lock(&g_list_lock);
}

void
nb_pool_list_unlock(void)
{
	pthread_mutex_unlock(&g_list_lock);
}

/* ---- thread slots ---------------------------------------------------- */

RTE_DEFINE_PER_LCORE(unsigned int, nb_pool_tslot);
static uint64_t g_tslots_used;		/* bit i: thread slot i taken */
static pthread_key_t g_tslot_key;
static pthread_once_t g_tslot_once = PTHREAD_ONCE_INIT;

/* At the exit of a thread that held a slot: flush its caches, free the slot. */
static void
tslot_release(void *arg)
{
	unsigned int slot = (unsigned int)(uintptr_t)arg - 1;
	struct nb_pool *p;

	nb_pool_list_lock();
	TAILQ_FOREACH(p, &nb_pool_list, next) {
		if (p->backend != NULL && p->backend->thread_exit != NULL) {
			p->backend->thread_exit(p->mp, slot);
		}
	}
	nb_pool_list_unlock();
	/* Frees from a later thread-exit destructor must not go into the
	 * cache of a slot nobody owns: this thread has no slot from now. */
	RTE_PER_LCORE(nb_pool_tslot) = NB_POOL_TSLOT_GONE;
	__atomic_fetch_and(&g_tslots_used,
			   ~(UINT64_C(1) << (slot - RTE_MAX_LCORE)),
			   __ATOMIC_RELEASE);
}

static void
tslot_key_create(void)
{
	if (pthread_key_create(&g_tslot_key, tslot_release) != 0) {
		NB_LOG(pool, ERR, "pthread_key_create failed: threads without "
		       "an lcore id run without a cache");
	}
}

unsigned int
nb_pool_slot_take(void)
{
	uint64_t used = __atomic_load_n(&g_tslots_used, __ATOMIC_RELAXED);
	unsigned int i;

	pthread_once(&g_tslot_once, tslot_key_create);
	for (;;) {
		if (used == UINT64_MAX) {
			return NB_POOL_SLOT_NONE;
		}
		i = (unsigned int)__builtin_ctzll(~used);
		if (__atomic_compare_exchange_n(&g_tslots_used, &used,
						used | (UINT64_C(1) << i), false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			break;
		}
	}
	RTE_PER_LCORE(nb_pool_tslot) = RTE_MAX_LCORE + i + 1;
	/* The destructor runs at thread exit with this non-NULL value. */
	pthread_setspecific(g_tslot_key,
			    (void *)(uintptr_t)(RTE_MAX_LCORE + i + 1));
	return RTE_MAX_LCORE + i;
}

/* ---- create / destroy ------------------------------------------------ */

void
nb_pool_opts_init(struct nb_pool_opts *o, size_t opts_size)
{
	struct nb_pool_opts def = {
		.opts_size = sizeof(def),
		.cache_size = NB_POOL_CACHE_AUTO,
		.data_room = RTE_MBUF_DEFAULT_BUF_SIZE,
		.headroom = RTE_PKTMBUF_HEADROOM,
		.priv_size = 0,
		.socket_id = SOCKET_ID_ANY,
		.ops = "percore",
		.mode = NB_POOL_MODE_DEFAULT,
		.flags = 0,
	};

	if (o == NULL || opts_size == 0) {
		return;
	}
	if (opts_size > sizeof(def)) {
		memset(o, 0, opts_size);
		opts_size = sizeof(def);
	}
	memcpy(o, &def, opts_size);
	o->opts_size = opts_size;
}

/* Per-object set-up after rte_pktmbuf_init: the nbkit area. */
static void
obj_init(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	const struct nb_pool *p = arg;
	struct rte_mbuf *m = obj;
	struct nb_mbuf_priv *pr = nb_mbuf_priv(m);

	RTE_SET_USED(mp);
	memset(pr, 0, sizeof(*pr));
	*RTE_MBUF_DYNFIELD(m, p->cfg.owner_off, uint64_t *) =
		nb_buf__owner_word(m, NB_BUF_STATE_FREE, NB_LCORE_NONE);
	pr->idx = idx;
	pr->pool_cookie = p->cfg.cookie;
}

static int
opts_check(struct nb_pool_opts *o, const struct nb_pool_opts *user,
	   const char *name, unsigned int n)
{
	nb_pool_opts_init(o, sizeof(*o));
	if (user != NULL) {
		if (user->opts_size < sizeof(user->opts_size) ||
		    user->opts_size > sizeof(*o)) {
			NB_LOG(pool, ERR, "pool %s: opts_size %zu is not one this "
			       "nbkit knows (1..%zu); call nb_pool_opts_init()",
			       name, user->opts_size, sizeof(*o));
			return -EINVAL;
		}
		memcpy(o, user, user->opts_size);
		o->opts_size = sizeof(*o);
	}
	if (n == 0) {
		NB_LOG(pool, ERR, "pool %s: n is 0", name);
		return -EINVAL;
	}
	if (o->ops == NULL) {
		o->ops = "percore";
	}
	if (nb_pool_backend_find(o->ops) == NULL && !dpdk_backend_ok(o->ops)) {
		NB_LOG(pool, ERR, "pool %s: unknown ops '%s' (an nbkit backend "
		       "such as percore, or ring_mp_mc, stack)", name, o->ops);
		return -EINVAL;
	}
	if (o->mode != NB_POOL_MODE_DEFAULT && o->mode != NB_POOL_MODE_FAST &&
	    o->mode != NB_POOL_MODE_ACCOUNTED) {
		NB_LOG(pool, ERR, "pool %s: unknown mode %d", name, (int)o->mode);
		return -EINVAL;
	}
	if ((o->flags & ~NB_POOL_F_ALL) != 0) {
		NB_LOG(pool, ERR, "pool %s: unknown flags 0x%x", name,
		       o->flags & ~NB_POOL_F_ALL);
		return -EINVAL;
	}
	if (o->data_room < o->headroom) {
		NB_LOG(pool, ERR, "pool %s: data_room %u is smaller than the "
		       "headroom %u", name, o->data_room, o->headroom);
		return -EINVAL;
	}
	if (o->cache_size == NB_POOL_CACHE_AUTO) {
		o->cache_size = RTE_MIN(256u, (unsigned int)(((uint64_t)n * 2 + 1) / 3));
	}
	if (o->cache_size > NB_POOL_CACHE_MAX) {
		NB_LOG(pool, ERR, "pool %s: cache_size %u is above the limit %u",
		       name, o->cache_size, NB_POOL_CACHE_MAX);
		return -EINVAL;
	}
	if ((uint64_t)o->cache_size * 3 / 2 > n) {
		NB_LOG(pool, ERR, "pool %s: cache_size %u is too large for %u "
		       "buffers (at most %u: DPDK flushes at 1.5 x the cache)",
		       name, o->cache_size, n, (unsigned int)(((uint64_t)n * 2 + 1) / 3));
		return -EINVAL;
	}
	if (o->socket_id != SOCKET_ID_ANY &&
	    (o->socket_id < 0 || o->socket_id >= RTE_MAX_NUMA_NODES)) {
		NB_LOG(pool, ERR, "pool %s: socket_id %d is not a socket", name,
		       o->socket_id);
		return -EINVAL;
	}
	return 0;
}

/*
 * mbuf private size: the nbkit area and the user area, then padding so
 * that buf_addr + headroom is cache-line aligned (the object, hence the
 * mbuf, is cache-line aligned, and sizeof(struct rte_mbuf) is 128).
 */
static uint16_t
priv_size_for(uint16_t user_priv, uint16_t headroom)
{
	uint32_t sz = NB_MBUF_PRIV_SIZE + RTE_ALIGN_CEIL(user_priv, 8u);
	uint32_t end = (uint32_t)sizeof(struct rte_mbuf) + sz + headroom;

	sz += RTE_ALIGN_CEIL(end, RTE_CACHE_LINE_SIZE) - end;
	return sz > UINT16_MAX ? 0 : (uint16_t)sz;
}

struct nb_pool *
nb_pool_create(const char *name, unsigned int n, const struct nb_pool_opts *opts)
{
	struct rte_pktmbuf_pool_private pkt = { 0 };
	struct nb_mempool_priv *mpriv;
	struct rte_mempool *mp = NULL;
	struct nb_pool_opts o;
	struct nb_pool *p = NULL;
	uint16_t priv_size;
	uint32_t elt_size;
	int socket, rc, owner_off;

	if (name == NULL) {
		NB_LOG(pool, ERR, "pool name is NULL");
		rte_errno = EINVAL;
		return NULL;
	}
	if (strlen(name) > NB_POOL_NAMESIZE) {
		NB_LOG(pool, ERR, "pool name '%s' is longer than %d characters",
		       name, (int)NB_POOL_NAMESIZE);
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	if (!nb_env_is_initialized()) {
		NB_LOG(pool, ERR, "pool %s: the environment is not initialised "
		       "(nb_env_init)", name);
		rte_errno = ENODEV;
		return NULL;
	}
	rc = opts_check(&o, opts, name, n);
	if (rc != 0) {
		rte_errno = -rc;
		return NULL;
	}
	owner_off = owner_field();
	if (owner_off < 0) {
		rte_errno = -owner_off;
		return NULL;
	}
	if (rte_mempool_lookup(name) != NULL) {
		NB_LOG(pool, ERR, "pool %s: a mempool of that name exists", name);
		rte_errno = EEXIST;
		return NULL;
	}
	priv_size = priv_size_for(o.priv_size, o.headroom);
	elt_size = (uint32_t)sizeof(struct rte_mbuf) + priv_size + o.data_room;
	if (priv_size == 0) {
		NB_LOG(pool, ERR, "pool %s: priv_size %u too large", name,
		       o.priv_size);
		rte_errno = EINVAL;
		return NULL;
	}
	socket = o.socket_id != SOCKET_ID_ANY ? o.socket_id : (int)rte_socket_id();
	if (socket == SOCKET_ID_ANY || (unsigned int)socket >= RTE_MAX_NUMA_NODES) {
		socket = SOCKET_ID_ANY;
	}

	p = rte_zmalloc_socket("nb_pool", sizeof(*p), RTE_CACHE_LINE_SIZE, socket);
	if (p == NULL) {
		NB_LOG(pool, ERR, "pool %s: no memory for the pool struct", name);
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->ops, sizeof(p->ops), "%s", o.ops);
	p->size = n;
	p->data_room = o.data_room;
	p->headroom = o.headroom;
	p->priv_size = o.priv_size;
	p->socket_id = socket;
	p->mode = o.mode == NB_POOL_MODE_DEFAULT ? NB_POOL_MODE_FAST : o.mode;
	p->backend = nb_pool_backend_find(o.ops);
	p->cfg.accounted = p->backend != NULL && p->mode == NB_POOL_MODE_ACCOUNTED;
	p->cfg.cache_size = o.cache_size;
	p->cfg.flags = o.flags;
	p->cfg.cookie = (uint64_t)(uintptr_t)p ^
			__atomic_add_fetch(&g_cookie_seq, 1, __ATOMIC_RELAXED);
	p->cfg.data_room = o.data_room;
	p->cfg.owner_off = owner_off;
	p->cfg.pool = p;
	/* Accounted: no DPDK cache, every get/put reaches the driver. */
	p->cache_size = p->cfg.accounted ? 0 : o.cache_size;

	mp = rte_mempool_create_empty(name, n, elt_size, p->cache_size,
				      sizeof(struct nb_mempool_priv), socket, 0);
	if (mp == NULL) {
		rc = rte_errno;
		NB_LOG(pool, ERR, "pool %s: rte_mempool_create_empty: %s", name,
		       rte_strerror(rc));
		goto fail;
	}
	rc = rte_mempool_set_ops_byname(mp, o.ops, &p->cfg);
	if (rc != 0) {
		rc = -rc;
		NB_LOG(pool, ERR, "pool %s: mempool ops '%s': %s", name, o.ops,
		       rte_strerror(rc));
		goto fail;
	}
	pkt.mbuf_data_room_size = o.data_room;
	pkt.mbuf_priv_size = priv_size;
	rte_pktmbuf_pool_init(mp, &pkt);
	mpriv = rte_mempool_get_priv(mp);
	mpriv->magic = NB_POOL_MAGIC;
	mpriv->pool = p;
	mpriv->track = !p->cfg.accounted;
	mpriv->count = p->backend == NULL;
	mpriv->owner_off = owner_off;

	/* Populating enqueues every object once: not frees, not checked. */
	p->cfg.populating = true;
	rc = rte_mempool_populate_default(mp);
	p->cfg.populating = false;
	if (rc < 0) {
		rc = -rc;
		NB_LOG(pool, ERR, "pool %s: populating %u buffers of %u bytes: %s",
		       name, n, elt_size, rte_strerror(rc));
		goto fail;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	rte_mempool_obj_iter(mp, obj_init, p);

	p->mp = mp;
	p->fast.mp = mp;
	p->fast.cookie = p->cfg.cookie;
	p->fast.headroom = o.headroom;
	p->fast.track = !p->cfg.accounted;
	p->fast.count = p->backend == NULL;
	p->fast.owner_off = owner_off;

	nb_pool_list_lock();
	TAILQ_INSERT_TAIL(&nb_pool_list, p, next);
	nb_pool_list_unlock();
	NB_LOG(pool, DEBUG, "pool %s: %u buffers of %u bytes (data room %u, "
	       "headroom %u, user area %u), backend %s, %s mode, cache %u per "
	       "lcore%s, socket %d, %zu KiB", name, n, elt_size, o.data_room,
	       o.headroom, o.priv_size, o.ops,
	       p->mode == NB_POOL_MODE_ACCOUNTED ? "accounted" : "fast",
	       o.cache_size, p->cfg.accounted ? " (in the driver)" : "",
	       socket, ((size_t)mp->populated_size * elt_size) >> 10);
	return p;
fail:
	if (mp != NULL) {
		rte_mempool_free(mp);
	}
	rte_free(p);
	rte_errno = rc != 0 ? rc : ENOMEM;
	return NULL;
}

int
nb_pool_destroy(struct nb_pool *p, bool force)
{
	struct nb_pool_stats s;
	bool bad;

	if (p == NULL) {
		return 0;
	}
	nb_pool_stats_get(p, &s);
	/* Counts can hide a double free that got in (one extra copy free
	 * while a buffer is out): the audit looks at every buffer. */
	bad = s.in_use > 0 || s.excess > 0 || (!force && nb_pool_audit(p, NULL) != 0);
	if (bad && !force) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (s.in_use > 0) {
			NB_LOG(pool, ERR, "pool %s: %u buffer(s) still out; not "
			       "destroyed", p->name, s.in_use);
		} else {
			NB_LOG(pool, ERR, "pool %s: corrupt (a double free got "
			       "in: %u buffer(s) in excess, the audit below "
			       "names the buffers free twice or missing); not "
			       "destroyed", p->name, s.excess);
		}
		if (f != NULL) {
			nb_pool_audit(p, f);
			fclose(f);
			if (buf != NULL) {
				char *line, *save = NULL;
				unsigned int k = 0;

				for (line = strtok_r(buf, "\n", &save);
				     line != NULL && k < 9;
				     line = strtok_r(NULL, "\n", &save), k++) {
					NB_LOG(pool, ERR, "%s", line);
				}
			}
			free(buf);
		}
		return -EBUSY;
	}
	nb_pool_list_lock();
	TAILQ_REMOVE(&nb_pool_list, p, next);
	nb_pool_list_unlock();
	NB_LOG(pool, DEBUG, "pool %s: destroyed%s", p->name,
	       bad ? " (forced, with buffers out or a corrupt count)" : "");
	rte_mempool_free(p->mp);
	rte_free(p);
	return 0;
}

/* ---- lookups ---------------------------------------------------------- */

struct rte_mempool *
nb_pool_mempool(const struct nb_pool *p)
{
	return p != NULL ? p->mp : NULL;
}

struct nb_pool *
nb_pool_of(const struct rte_mbuf *m)
{
	const struct nb_mempool_priv *mpriv;

	if (m == NULL) {
		return NULL;
	}
	mpriv = nb_mempool_priv_of(m);
	return mpriv != NULL ? mpriv->pool : NULL;
}

struct nb_pool *
nb_pool_lookup(const char *name)
{
	struct nb_pool *p, *found = NULL;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	nb_pool_list_lock();
	TAILQ_FOREACH(p, &nb_pool_list, next) {
		if (strcmp(p->name, name) == 0) {
			found = p;
			break;
		}
	}
	nb_pool_list_unlock();
	if (found == NULL) {
		rte_errno = ENOENT;
	}
	return found;
}

const char *
nb_pool_name(const struct nb_pool *p)
{
	return p != NULL ? p->name : NULL;
}

uint16_t
nb_pool_data_size(const struct nb_pool *p)
{
	return p != NULL ? (uint16_t)(p->data_room - p->headroom) : 0;
}

/* ---- allocation ------------------------------------------------------- */

/*
 * Free buffers: the backend's count plus DPDK's caches, not clamped to the
 * size as rte_mempool_avail_count() does (more than the size is proof of
 * a double free that got in).
 */
static int64_t
pool_avail(const struct nb_pool *p)
{
	const struct rte_mempool *mp = p->mp;
	int64_t n = rte_mempool_get_ops(mp->ops_index)->get_count(mp);
	unsigned int lc;

	if (mp->cache_size > 0) {
		for (lc = 0; lc < RTE_MAX_LCORE; lc++) {
			n += __atomic_load_n(&mp->local_cache[lc].len,
					     __ATOMIC_RELAXED);
		}
	}
	return n;
}

/*
 * Sample in_use into the peak (non-accounted pools; the low-water mark of
 * avail is size - peak).
 */
static void
pool_sample(struct nb_pool *p)
{
	int64_t avail = pool_avail(p);

	nb_pool_mark_max(&p->peak_in_use, (int64_t)p->size - avail);
}

void
nb_pool__count(struct nb_pool *p, uint64_t allocs, uint64_t fails)
{
	unsigned int lc = rte_lcore_id();

	if (unlikely(fails != 0)) {
		/* Near exhaustion: the moment the peak matters, and a rare
		 * one, so walking the caches is affordable here. */
		pool_sample(p);
		if (RTE_PER_LCORE(nb_pool_quiet_fail)) {
			fails = 0;	/* nb_pool_alloc_wait() retrying */
		}
	}
	if (lc < RTE_MAX_LCORE) {
		p->cnt[lc].allocs += allocs;
		p->cnt[lc].alloc_fails += fails;
	} else {
		struct nb_pool_counters *c = &p->cnt[RTE_MAX_LCORE];

		__atomic_fetch_add(&c->allocs, allocs, __ATOMIC_RELAXED);
		__atomic_fetch_add(&c->alloc_fails, fails, __ATOMIC_RELAXED);
	}
}

void
nb_pool__count_double_free(struct nb_pool *p)
{
	unsigned int lc = rte_lcore_id();

	if (lc < RTE_MAX_LCORE) {
		p->cnt[lc].double_frees++;
	} else {
		__atomic_fetch_add(&p->cnt[RTE_MAX_LCORE].double_frees, 1,
				   __ATOMIC_RELAXED);
	}
}

void
nb_pool__count_free(struct nb_pool *p, uint64_t frees)
{
	unsigned int lc = rte_lcore_id();

	if (lc < RTE_MAX_LCORE) {
		p->cnt[lc].frees += frees;
	} else {
		__atomic_fetch_add(&p->cnt[RTE_MAX_LCORE].frees, frees,
				   __ATOMIC_RELAXED);
	}
}

void
nb_pool__unverified_free(struct nb_pool *p, struct rte_mbuf *m)
{
	uint64_t *w = RTE_MBUF_DYNFIELD(m, p->cfg.owner_off, uint64_t *);
	const uint64_t freed = nb_buf__owner_word(m, NB_BUF_STATE_FREE,
						  NB_LCORE_NONE);
	unsigned int lc;
	uint64_t k;

	/* Counted only when the word is this buffer's own (one DPDK copied
	 * from another buffer says nothing); rewritten whole either way. */
	if (unlikely(((const struct nb_buf_owner *)w)->tag !=
		     nb_buf_owner_tag(m))) {
		*w = freed;
		return;
	}
	*w = freed;
	lc = rte_lcore_id();
	if (likely(lc < RTE_MAX_LCORE)) {
		k = ++p->cnt[lc].unverified_frees;
	} else {
		k = __atomic_add_fetch(&p->cnt[RTE_MAX_LCORE].unverified_frees,
				       1, __ATOMIC_RELAXED);
	}
	/* Rate-limited: the 1st, 2nd, 4th, 8th ... of each counter. */
	if (unlikely((k & (k - 1)) == 0)) {
		NB_LOG(pool, WARNING, "pool %s: %" PRIu64 " free(s) of a "
		       "buffer whose ownership state says free (buffer %p): a "
		       "double free, or a buffer a DPDK raw path allocated "
		       "(PMD receive); %s mode cannot tell, the buffer went "
		       "back; accounted mode catches double frees for certain",
		       p->name, k, (void *)m,
		       p->backend != NULL ? "fast" : p->ops);
	}
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One try that a failure does not count (the wait counts once). */
static struct rte_mbuf *
wait_try(struct nb_pool *p)
{
	const struct nb_pool_fast *f = nb_pool__fast(p);
	struct rte_mbuf *m;

	RTE_PER_LCORE(nb_pool_quiet_fail) = true;
	m = rte_pktmbuf_alloc(f->mp);
	RTE_PER_LCORE(nb_pool_quiet_fail) = false;
	if (m == NULL) {
		if (f->count) {
			pool_sample(p);
		}
		return NULL;
	}
	if (f->count) {
		nb_pool__count(p, 1, 0);
	}
	nb_pool__track(f, m, NB_DEBUG && f->track ? rte_rdtsc() : 0, NULL, 0);
	return m;
}

struct rte_mbuf *
nb_pool_alloc_wait(struct nb_pool *p, uint64_t timeout_us)
{
	uint64_t start, now, deadline, nap = 1000;
	struct rte_mbuf *m;

	if (p == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	/*
	 * The deadline in nanoseconds of the monotonic clock, read before
	 * the first try: no truncation can make the wait end early.
	 */
	start = now_ns();
	deadline = timeout_us > (UINT64_MAX - start) / 1000u ? UINT64_MAX :
		   start + timeout_us * 1000u;
	for (;;) {
		m = wait_try(p);
		if (m != NULL) {
			return m;
		}
		now = now_ns();
		if (now >= deadline) {
			nb_pool__count(p, 0, 1);
			rte_errno = ETIMEDOUT;
			return NULL;
		}
		/* Back off: 1, 2, 4 ... 100 us, never past the deadline. */
		nap = RTE_MIN(nap, deadline - now);
		{
			struct timespec ts = {
				.tv_sec = (time_t)(nap / 1000000000u),
				.tv_nsec = (long)(nap % 1000000000u),
			};

			nanosleep(&ts, NULL);
		}
		nap = RTE_MIN(nap * 2, (uint64_t)100000);
	}
}

/* ---- statistics -------------------------------------------------------- */

int
nb_pool_stats_get(struct nb_pool *p, struct nb_pool_stats *s)
{
	struct nb_pool_counters sum = { 0 };
	int64_t avail = 0, in_use, peak;
	unsigned int i;

	if (p == NULL || s == NULL) {
		return -EINVAL;
	}
	/* Counters of nbkit's calls: allocations and frees on DPDK's
	 * backends, double and unverified frees nbkit's free saw. */
	for (i = 0; i <= RTE_MAX_LCORE; i++) {
		nb_pool_counters_add(&sum, &p->cnt[i]);
	}
	if (p->backend != NULL) {
		struct nb_pool_backend_stats bs;

		p->backend->stats(p->mp, &bs);
		nb_pool_counters_add(&sum, &bs.cnt);
		nb_pool_mark_max(&p->peak_in_use, bs.peak_out);
		if (p->cfg.accounted) {
			/* Exact: every get and put went through the driver. */
			avail = (int64_t)p->size - bs.out;
		}
	}
	if (!p->cfg.accounted) {
		/* Walks DPDK's caches: exact when the pool is quiet. */
		avail = pool_avail(p);
	}
	/* Never clamped: more free than the pool holds is proof that a
	 * double free got in. */
	in_use = avail >= (int64_t)p->size ? 0 : (int64_t)p->size - avail;
	nb_pool_mark_max(&p->peak_in_use, in_use);
	peak = RTE_MIN(__atomic_load_n(&p->peak_in_use, __ATOMIC_RELAXED),
		       (int64_t)p->size);

	memset(s, 0, sizeof(*s));
	s->size = p->size;
	s->avail = (uint32_t)RTE_MAX(avail, (int64_t)0);
	s->in_use = (uint32_t)in_use;
	s->peak_in_use = (uint32_t)RTE_MAX(peak, (int64_t)0);
	s->min_avail = p->size - s->peak_in_use;
	s->allocs = sum.allocs;
	s->frees = sum.frees;
	s->alloc_fails = sum.alloc_fails;
	s->remote_frees = sum.remote_frees;
	s->double_frees = sum.double_frees;
	s->foreign_frees = sum.foreign_frees;
	s->unverified_frees = sum.unverified_frees;
	s->excess = avail > (int64_t)p->size ?
		    (uint32_t)(avail - (int64_t)p->size) : 0;
	if (unlikely(s->excess > 0) &&
	    __atomic_exchange_n(&p->corrupt_logged, 1, __ATOMIC_RELAXED) == 0) {
		NB_LOG(pool, ERR, "pool %s: %u buffers free, %u more than it "
		       "holds: a double free got in and the pool is corrupt "
		       "(nb_pool_audit() names the buffers)", p->name,
		       s->avail, s->excess);
	}
	return 0;
}

int
nb_pool_stats_reset(struct nb_pool *p)
{
	int64_t avail;

	if (p == NULL) {
		return -EINVAL;
	}
	if (p->backend != NULL) {
		p->backend->stats_reset(p->mp);
	}
	memset(p->cnt, 0, sizeof(p->cnt));
	avail = pool_avail(p);
	__atomic_store_n(&p->peak_in_use, RTE_MAX((int64_t)p->size - avail,
						  (int64_t)0),
			 __ATOMIC_RELAXED);
	return 0;
}
