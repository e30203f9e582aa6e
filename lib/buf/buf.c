/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Buffers: allocation, references and freeing, and the slow paths of the
 * inline head/tail calls (pull and trim across segments).
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "buf_internal.h"

NB_LOG_REGISTER(buf);

/* Segments allocated per nb_pool_alloc_bulk() call when building a chain. */
#define CHAIN_BATCH 64u

/* ---- freeing -------------------------------------------------------------- */

void
nb_buf__bad_free(struct rte_mbuf *m)
{
	struct nb_pool *p = nb_pool_of(m);

	if (p != NULL) {
		nb_pool__count_double_free(p);
	}
#if NB_DEBUG
	{
		const struct nb_mbuf_priv *pr = nb_mbuf_priv(m);

		NB_LOG(buf, ERR, "double free of buffer %p of pool %s (last "
		       "allocated at %s:%u)", (void *)m,
		       p != NULL ? nb_pool_name(p) : "?",
		       pr->alloc_file != NULL ? pr->alloc_file : "?",
		       pr->alloc_line);
	}
#endif
}

/*
 * A segment whose last reference went: back to its pool, unless nbkit can
 * tell it is already there (double free). Returns 1 when it went back.
 */
static inline unsigned int
seg_release(struct rte_mbuf *m)
{
	m->next = NULL;
	m->nb_segs = 1;
	if (unlikely(!nb_buf__release_seg(m))) {
		nb_buf__bad_free(m);
		return 0;
	}
#if NB_DEBUG
	if (RTE_MBUF_DIRECT(m)) {
		memset(m->buf_addr, 0x6b, m->buf_len);
	}
#endif
	rte_mbuf_raw_free(m);
	return 1;
}

/* Give an indirect/external header its own buffer back (DPDK's detach). */
static inline void
seg_restore(struct rte_mbuf *m)
{
	struct rte_mempool *mp = m->pool;
	uint16_t priv_size = rte_pktmbuf_priv_size(mp);
	uint32_t mbuf_size = (uint32_t)(sizeof(struct rte_mbuf) + priv_size);

	m->priv_size = priv_size;
	m->buf_addr = (char *)m + mbuf_size;
	rte_mbuf_iova_set(m, rte_mempool_virt2iova(m) + mbuf_size);
	m->buf_len = rte_pktmbuf_data_room_size(mp);
	rte_pktmbuf_reset_headroom(m);
	m->data_len = 0;
	m->ol_flags = 0;
}

__rte_always_inline unsigned int
buf_free_seg(struct rte_mbuf *m)
{
	unsigned int n = 0;

	if (likely(rte_mbuf_refcnt_read(m) == 1)) {
		/* the last reference: no atomic needed */
	} else if (rte_mbuf_refcnt_update(m, -1) != 0) {
		return 0;
	} else {
		rte_mbuf_refcnt_set(m, 1);	/* free mbufs keep refcnt 1 */
	}

	if (!RTE_MBUF_DIRECT(m)) {
		if (RTE_MBUF_HAS_EXTBUF(m)) {
			if (unlikely(RTE_MBUF_HAS_PINNED_EXTBUF(m))) {
				/* A pool with pinned external buffers (not an
				 * nbkit one): DPDK's own rules apply. */
				rte_pktmbuf_free_seg(m);
				return 1;
			}
			if (rte_mbuf_ext_refcnt_update(m->shinfo, -1) == 0) {
				m->shinfo->free_cb(m->buf_addr,
						   m->shinfo->fcb_opaque);
			}
		} else {
			struct rte_mbuf *md = rte_mbuf_from_indirect(m);

			if (rte_mbuf_refcnt_update(md, -1) == 0) {
				rte_mbuf_refcnt_set(md, 1);
				n += seg_release(md);
			}
		}
		seg_restore(m);
	}
	return n + seg_release(m);
}

unsigned int
nb_buf__free_chain(struct rte_mbuf *m)
{
	unsigned int n = 0;

	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		n += buf_free_seg(m);
		m = next;
	}
	return n;
}

/* Pointers nb_buf_free_bulk() gathers before one put. */
#define FREE_BATCH 64u

unsigned int
nb_buf_free_bulk(struct rte_mbuf **pkts, unsigned int n)
{
	const struct nb_mempool_priv *v = NULL;
	struct rte_mempool *mp = NULL;
	void *batch[FREE_BATCH];
	unsigned int i, nb = 0, total = 0;
	/* The pool's free rule, read once per run of one pool: nbkit pool
	 * whose nbkit calls keep the state (fast mode, DPDK backends). */
	bool fast = false;
	int off = 0;

	if (pkts == NULL) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (unlikely(m == NULL)) {
			continue;
		}
		if (unlikely(m->next != NULL || !RTE_MBUF_DIRECT(m) ||
			     rte_mbuf_refcnt_read(m) != 1)) {
			total += nb_buf__free_chain(m);
			continue;
		}
		if (unlikely(m->pool != mp || nb == FREE_BATCH)) {
			if (nb > 0) {
				rte_mempool_put_bulk(mp, batch, nb);
				nb = 0;
			}
			if (m->pool != mp) {
				mp = m->pool;
				v = nb_mempool_priv_of(m);
				fast = v != NULL && v->track && !v->count;
				off = v != NULL ? v->owner_off : 0;
			}
		}
		if (likely(fast)) {
			/* nb_buf__release_seg_v() of a fast-mode pool */
			nb_buf__release_fast(m, RTE_MBUF_DYNFIELD(m, off,
					     struct nb_buf_owner *), v->pool);
		} else if (unlikely(!nb_buf__release_seg_v(m, v))) {
			nb_buf__bad_free(m);
			continue;
		}
		m->nb_segs = 1;
#if NB_DEBUG
		memset(m->buf_addr, 0x6b, m->buf_len);
#endif
		batch[nb++] = m;
		total++;
	}
	if (nb > 0) {
		rte_mempool_put_bulk(mp, batch, nb);
	}
	return total;
}

/* ---- allocation ------------------------------------------------------------ */

struct rte_mbuf *
buf_alloc_segs(struct rte_mempool *mp, unsigned int n)
{
	const struct nb_mempool_priv *v;
	struct rte_mbuf *segs[CHAIN_BATCH], *head = NULL, **tail = &head;
	unsigned int k, i;
	int rc;

	if (mp == NULL) {
		return NULL;
	}
	v = mp->private_data_size >= sizeof(*v) ?
	    rte_mempool_get_priv(mp) : NULL;
	if (v != NULL && v->magic != NB_POOL_MAGIC) {
		v = NULL;
	}
	while (n > 0) {
		k = RTE_MIN(n, CHAIN_BATCH);
		rc = v != NULL ? nb_pool__alloc_bulk(v->pool, segs, k, NULL, 0) :
				 rte_pktmbuf_alloc_bulk(mp, segs, k);
		if (rc != 0) {
			nb_buf__free_chain(head);
			return NULL;
		}
		for (i = 0; i < k; i++) {
			*tail = segs[i];
			tail = &segs[i]->next;
		}
		n -= k;
	}
	return head;
}

struct rte_mbuf *
nb_buf__alloc_chain(struct nb_pool *p, uint16_t headroom, uint32_t len)
{
	uint32_t room = rte_pktmbuf_data_room_size(nb_pool_mempool(p));
	uint32_t left = len, nb_segs;
	struct rte_mbuf *head, *s;

	if (headroom > room) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* First segment: room - headroom bytes; the others: room each. */
	nb_segs = 1;
	if (len > room - headroom) {
		nb_segs += (len - (room - headroom) + room - 1) / room;
	}
	if (nb_segs > RTE_MBUF_MAX_NB_SEGS) {
		rte_errno = EOVERFLOW;
		return NULL;
	}
	head = buf_alloc_segs(nb_pool_mempool(p), nb_segs);
	if (head == NULL) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	for (s = head; s != NULL; s = s->next) {
		uint16_t off = s == head ? headroom : 0;
		uint32_t take = RTE_MIN(left, room - off);

		s->data_off = off;
		s->data_len = (uint16_t)take;
		left -= take;
	}
	head->pkt_len = len;
	head->nb_segs = (uint16_t)nb_segs;
	return head;
}

struct rte_mbuf *
nb_buf_alloc_set(struct nb_poolset *set, enum nb_layer layer, uint32_t len)
{
	uint32_t need = (uint32_t)nb_layer_headroom(layer) + len;
	unsigned int i, nb;
	struct nb_pool *largest;

	if (set == NULL || (unsigned int)layer > NB_LAYER_RAW) {
		rte_errno = EINVAL;
		return NULL;
	}
	nb = nb_poolset_count(set);
	for (i = 0; i < nb; i++) {
		struct nb_pool *p = nb_poolset_pool(set, i);
		struct rte_mbuf *m;

		if (rte_pktmbuf_data_room_size(nb_pool_mempool(p)) < need) {
			continue;
		}
		m = nb_buf_alloc(p, layer, len);
		if (m != NULL) {
			return m;
		}
		/* That class is empty: a larger one will do. */
	}
	if (nb == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	largest = nb_poolset_pool(set, nb - 1);
	if (rte_pktmbuf_data_room_size(nb_pool_mempool(largest)) >= need) {
		rte_errno = ENOBUFS;	/* it fit one class, all were empty */
		return NULL;
	}
	return nb_buf_alloc(largest, layer, len);
}

int
nb_buf_alloc_bulk(struct nb_pool *p, enum nb_layer layer, uint32_t len,
		  struct rte_mbuf **pkts, unsigned int n)
{
	uint16_t head = nb_layer_headroom(layer);
	unsigned int i;

	if (p == NULL || pkts == NULL || (unsigned int)layer > NB_LAYER_RAW) {
		return -EINVAL;
	}
	if (n == 0) {
		return 0;
	}
	if ((uint32_t)head + len <=
	    rte_pktmbuf_data_room_size(nb_pool_mempool(p))) {
		if (nb_pool__alloc_bulk(p, pkts, n, NULL, 0) != 0) {
			return -ENOBUFS;
		}
		for (i = 0; i < n; i++) {
			pkts[i]->data_off = head;
			pkts[i]->data_len = (uint16_t)len;
			pkts[i]->pkt_len = len;
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		pkts[i] = nb_buf__alloc_chain(p, head, len);
		if (pkts[i] == NULL) {
			int err = rte_errno;

			while (i > 0) {
				nb_buf_free(pkts[--i]);
			}
			return err == EINVAL || err == EOVERFLOW ? -err :
								     -ENOBUFS;
		}
	}
	return 0;
}

/* ---- references ---------------------------------------------------------- */

int
nb_buf_ref(struct rte_mbuf *m)
{
	struct rte_mbuf *s;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL) {
		return -EINVAL;
	}
	/* Refuse before touching anything: never a half-referenced chain. */
	for (s = m; s != NULL; s = s->next) {
		if (rte_mbuf_refcnt_read(s) == UINT16_MAX) {
			return -EOVERFLOW;
		}
	}
	for (s = m; s != NULL; s = s->next) {
		rte_mbuf_refcnt_update(s, 1);
	}
	return 0;
}

/* ---- head and tail across segments ------------------------------------------- */

bool
nb_buf__freed_use(const struct rte_mbuf *m, const char *func)
{
	const struct nb_mempool_priv *v = nb_mempool_priv_of(m);
	const struct nb_buf_owner *o;
	bool freed;

	if (v == NULL || v->track) {
		/* Not an nbkit pool, or one whose state DPDK's raw allocations
		 * (PMD receive) leave alone: "free" would not be certain. */
		return false;
	}
	o = RTE_MBUF_DYNFIELD(m, v->owner_off, const struct nb_buf_owner *);
	/* Accounted: the driver writes the state on every get and put. */
	freed = __atomic_load_n(&o->state, __ATOMIC_RELAXED) !=
		NB_BUF_STATE_ALLOCATED && o->tag == nb_buf_owner_tag(m);
	if (freed) {
		NB_LOG(buf, ERR, "%s: use after free of buffer %p of pool %s",
		       func, (const void *)m, nb_pool_name(v->pool));
	}
	return freed;
}

void *
nb_buf__fail(int err)
{
	rte_errno = err;
	return NULL;
}

/*
 * Out of line part of nb_buf_push(): the fast path only took a direct
 * segment held once with the room. Here: no room (ENOSPC), data that is
 * not writable (EPERM: shared, or read-only external memory), or a
 * writable clone or external segment (done here).
 */
void *
nb_buf__push_slow(struct rte_mbuf *m, uint16_t len)
{
	if (len > m->data_off) {
		return nb_buf__fail(ENOSPC);
	}
	if (len > 0 && buf_seg_shared(m)) {
		return nb_buf__fail(EPERM);
	}
	m->data_off = (uint16_t)(m->data_off - len);
	m->data_len = (uint16_t)(m->data_len + len);
	m->pkt_len += len;
	return rte_pktmbuf_mtod(m, void *);
}

/* Out of line part of nb_buf_put(), as nb_buf__push_slow() at the tail. */
void *
nb_buf__put_slow(struct rte_mbuf *m, struct rte_mbuf *last, uint16_t len)
{
	void *tail;

	if (len > rte_pktmbuf_tailroom(last)) {
		return nb_buf__fail(ENOSPC);
	}
	if (len > 0 && buf_seg_shared(last)) {
		return nb_buf__fail(EPERM);
	}
	tail = rte_pktmbuf_mtod_offset(last, char *, last->data_len);
	last->data_len = (uint16_t)(last->data_len + len);
	m->pkt_len += len;
	return tail;
}

void *
nb_buf__pull_chain(struct rte_mbuf *m, uint32_t len)
{
	uint32_t left = len, k;
	struct rte_mbuf *s;

	if (m == NULL || len > m->pkt_len) {
		rte_errno = EINVAL;
		return NULL;
	}
	k = RTE_MIN(left, (uint32_t)m->data_len);
	m->data_off = (uint16_t)(m->data_off + k);
	m->data_len = (uint16_t)(m->data_len - k);
	left -= k;
	/* The first segment stays as the head; following ones emptied go. */
	while (left > 0 && (s = m->next) != NULL) {
		if (s->data_len <= left) {
			left -= s->data_len;
			m->next = s->next;
			m->nb_segs--;
			/* s->next stays: another holder may still chain on. */
			buf_free_seg(s);
		} else {
			s->data_off = (uint16_t)(s->data_off + left);
			s->data_len = (uint16_t)(s->data_len - left);
			left = 0;
		}
	}
	m->pkt_len -= len;
	if (m->data_len > 0 || m->next == NULL) {
		return rte_pktmbuf_mtod(m, void *);
	}
	for (s = m->next; s != NULL; s = s->next) {
		if (s->data_len > 0) {
			return rte_pktmbuf_mtod(s, void *);
		}
	}
	return rte_pktmbuf_mtod(m, void *);
}

int
nb_buf__trim_chain(struct rte_mbuf *m, uint32_t len)
{
	uint32_t keep = m->pkt_len - len, seen = 0;
	struct rte_mbuf *s = m, *rest;
	uint16_t nb = 1;

	/* Find the segment holding the last byte kept (the head if none). */
	while (s->next != NULL && seen + s->data_len < keep) {
		seen += s->data_len;
		s = s->next;
		nb++;
	}
	s->data_len = (uint16_t)(keep - seen);
	rest = s->next;
	s->next = NULL;
	m->nb_segs = nb;
	m->pkt_len = keep;
	while (rest != NULL) {
		struct rte_mbuf *next = rest->next;

		buf_free_seg(rest);
		rest = next;
	}
	return 0;
}

int
nb_buf_resize(struct rte_mbuf *m, uint32_t new_len)
{
	(void)NB_BUF__DEBUG_USE(m);
	if (m == NULL || new_len > m->pkt_len) {
		return -EINVAL;
	}
	return nb_buf_trim(m, m->pkt_len - new_len);
}
