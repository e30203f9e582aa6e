/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy sharing: clones, external memory, copy-on-write and deep copies.
 *
 * Who holds what. A segment's header (struct rte_mbuf, with its next
 * pointer) is shared when its refcnt is above 1 (nb_buf_ref(),
 * nb_buf_chain()); a segment's *data* is shared when the header is, or when
 * the data belongs to another segment that someone else also holds (a
 * clone, RTE_MBUF_CLONED), or when it is external memory with more than one
 * reference (shinfo->refcnt). Bytes may be written only where nothing is
 * shared; nb_buf_make_writable() gets there by copying.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>

#include "buf_internal.h"

/* External memory: bytes per header (one segment holds at most 64 KiB - 1). */
#define EXT_WINDOW UINT16_MAX

/* The mempool of shared-info records of external memory. */
#define EXT_POOL_NAME "nb_buf_shinfo"
#define EXT_POOL_SIZE 16383u
#define EXT_POOL_CACHE 64u

/*
 * Shared info of one window of external memory. DPDK's part comes first and
 * is what the window's headers point to (m->shinfo): its counter is the
 * number of headers attached to *that window* (1, plus one per clone), so a
 * window is shared exactly when another header can reach its bytes. One
 * counter for all the windows would make every window of a multi-window
 * packet look shared. The record of window 0 is the parent: it counts the
 * windows not yet released and holds the user's callback, which runs when
 * the last one goes.
 *
 * Records live in their own mempool: never in the external memory (it may
 * be read-only) nor in a header (headers are freed independently).
 */
struct ext_rec {
	struct rte_mbuf_ext_shared_info shinfo;	/* headers on this window */
	struct ext_rec *parent;			/* window 0's record */
	struct ext_rec *next;			/* list while building */
	uint32_t windows;			/* parent: windows left */
	nb_buf_ext_free_cb free_cb;		/* parent: callback or NULL */
	void *va;				/* parent: memory start */
	void *opaque;				/* parent: user argument */
	bool ro;				/* read-only (NB_BUF_EXT_RO) */
};

static void ext_free(void *addr, void *opaque);

static struct rte_mempool *g_ext_mp;
static pthread_mutex_t g_ext_lock = PTHREAD_MUTEX_INITIALIZER;

/* The direct segment owning a clone's data (a const rte_mbuf_from_indirect). */
static inline const struct rte_mbuf *
seg_direct(const struct rte_mbuf *seg)
{
	size_t hdr = sizeof(*seg) + seg->priv_size;

	return (const struct rte_mbuf *)RTE_PTR_SUB(seg->buf_addr, hdr);
}

/*
 * Is this one segment's data reachable through another reference?
 * - its header is held more than once (refcnt > 1);
 * - it is a clone: the data belongs to a direct segment, whose count
 *   includes this clone's reference, so the data is shared when that count
 *   is above 1 (the direct segment itself, or another clone, holds it);
 * - it is external memory whose shared counter is above 1, or that was
 *   attached read-only (its record says so: writes are never allowed).
 * A direct segment with clones attached has refcnt > 1 (each clone holds a
 * reference on it): shared, as it must be.
 */
bool
buf_seg_shared(const struct rte_mbuf *seg)
{
	if (rte_mbuf_refcnt_read(seg) > 1) {
		return true;
	}
	if (RTE_MBUF_CLONED(seg)) {
		return rte_mbuf_refcnt_read(seg_direct(seg)) > 1;
	}
	if (RTE_MBUF_HAS_EXTBUF(seg)) {
		const struct rte_mbuf_ext_shared_info *sh = seg->shinfo;

		return rte_mbuf_ext_refcnt_read(sh) > 1 ||
		       (sh->free_cb == ext_free &&
			((const struct ext_rec *)sh)->ro);
	}
	return false;
}

/* Unlink and return the first buffer of a list made by buf_alloc_segs(). */
static inline struct rte_mbuf *
take(struct rte_mbuf **list)
{
	struct rte_mbuf *m = *list;

	if (m != NULL) {
		*list = m->next;
		m->next = NULL;
	}
	return m;
}

/*
 * nb_buf_clone - a new chain of indirect headers over the same data.
 *
 * One header from @p per segment of @m, each attached (rte_pktmbuf_attach)
 * to its segment's data, which gains one reference (the direct owner's
 * refcnt, or the external memory's counter). The headers are nbkit
 * allocations, so the ownership byte and audit see them. @m keeps its own
 * reference; the caller must free the clone too.
 *
 * On failure (NULL arguments: EINVAL; the pool is short: ENOBUFS; a data
 * counter at UINT16_MAX: EOVERFLOW) nothing is taken and every count is as
 * it was.
 */
struct rte_mbuf *
nb_buf_clone(struct rte_mbuf *m, struct nb_pool *p)
{
	struct rte_mbuf *seg, *mc, *prev, *list;
	unsigned int n;

	(void)NB_BUF__DEBUG_USE(m);

	if (unlikely(m == NULL || p == NULL)) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* One segment, the common case: one allocation, one pass. */
	if (likely(m->next == NULL)) {
		if (unlikely(buf_data_refcnt(m) == UINT16_MAX)) {
			rte_errno = EOVERFLOW;
			return NULL;
		}
		mc = nb_pool__alloc(p, NULL, 0);
		if (unlikely(mc == NULL)) {
			rte_errno = ENOBUFS;
			return NULL;
		}
		buf_attach(mc, m);
		mc->pkt_len = m->pkt_len;
		mc->nb_segs = 1;
		return mc;
	}
	for (n = 0, seg = m; seg != NULL; seg = seg->next) {
		if (unlikely(++n > RTE_MBUF_MAX_NB_SEGS)) {
			rte_errno = EOVERFLOW;
			return NULL;
		}
	}
	/* The headers as a list, allocated in bounded batches (no array of
	 * RTE_MBUF_MAX_NB_SEGS on the stack). */
	list = buf_alloc_segs(nb_pool_mempool(p), n);
	if (unlikely(list == NULL)) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	mc = prev = NULL;
	for (seg = m; seg != NULL; seg = seg->next) {
		struct rte_mbuf *h;

		/* Checked as each header is attached (two segments may have
		 * one data owner); the rare failure undoes what was done. */
		if (unlikely(buf_data_refcnt(seg) == UINT16_MAX)) {
			nb_buf__free_chain(mc);		/* attached ones */
			nb_buf__free_chain(list);
			rte_errno = EOVERFLOW;
			return NULL;
		}
		h = take(&list);
		buf_attach(h, seg);
		if (prev != NULL) {
			prev->next = h;
		} else {
			mc = h;
		}
		prev = h;
	}
	mc->pkt_len = m->pkt_len;
	mc->nb_segs = (uint16_t)n;
	return mc;
}

/*
 * DPDK's free callback of one window, run once when the window's counter
 * drops to 0 (on whichever core frees its last header). The window's
 * record goes back; when it was the last window of the memory, the user's
 * callback runs, once, with the start of the memory (@addr is only this
 * window's), and the parent record goes back too.
 */
static void
ext_free(void *addr, void *opaque)
{
	struct ext_rec *r = opaque;
	struct ext_rec *parent = r->parent;

	RTE_SET_USED(addr);
	if (r != parent) {
		rte_mempool_put(rte_mempool_from_obj(r), r);
	}
	if (__atomic_sub_fetch(&parent->windows, 1, __ATOMIC_ACQ_REL) == 0) {
		if (parent->free_cb != NULL) {
			parent->free_cb(parent->va, parent->opaque);
		}
		rte_mempool_put(rte_mempool_from_obj(parent), parent);
	}
}

/* Give back a list of records linked through ->next. */
static void
ext_put_list(struct rte_mempool *mp, struct ext_rec *r)
{
	struct ext_rec *next;

	while (r != NULL) {
		next = r->next;
		rte_mempool_put(mp, r);
		r = next;
	}
}

/*
 * The mempool of records, created on first use (any socket, safe for
 * every thread). Returns NULL when it cannot be created (logged).
 */
static struct rte_mempool *
ext_pool(void)
{
	struct rte_mempool *mp = __atomic_load_n(&g_ext_mp, __ATOMIC_ACQUIRE);

	if (likely(mp != NULL)) {
		return mp;
	}
	pthread_mutex_lock(&g_ext_lock);
	mp = g_ext_mp;
	if (mp == NULL) {
		mp = rte_mempool_lookup(EXT_POOL_NAME);
		if (mp != NULL && mp->elt_size < sizeof(struct ext_rec)) {
			NB_LOG(buf, ERR,
			       "mempool %s exists with %u-byte elements",
			       EXT_POOL_NAME, mp->elt_size);
			mp = NULL;
		} else if (mp == NULL) {
			/* Room for what per-lcore caches may hold, so that
			 * EXT_POOL_SIZE records can always be taken. */
			mp = rte_mempool_create(EXT_POOL_NAME, EXT_POOL_SIZE +
						EXT_POOL_CACHE * 3 / 2 *
						rte_lcore_count(),
						sizeof(struct ext_rec),
						EXT_POOL_CACHE, 0, NULL, NULL,
						NULL, NULL, SOCKET_ID_ANY, 0);
			if (mp == NULL) {
				NB_LOG(buf, ERR, "creating mempool %s: %s",
				       EXT_POOL_NAME, rte_strerror(rte_errno));
			}
		}
		if (mp != NULL) {
			__atomic_store_n(&g_ext_mp, mp, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&g_ext_lock);
	return mp;
}

/*
 * nb_buf_attach_ext - a packet over external memory.
 *
 * Headers from @hdr_pool, one per window of at most EXT_WINDOW bytes of
 * [va, va + len), each with a record of its own (counter 1) from the
 * "nb_buf_shinfo" mempool (which also says whether the memory is
 * read-only, for buf_seg_shared()). Clones raise a window's counter; when every
 * window's counter has dropped to 0, @free_cb(va, opaque) runs once and the
 * records are recycled. The caller owns the packet. On failure (EINVAL:
 * NULL pool or va, len 0, unknown flag; EOVERFLOW: more than
 * RTE_MBUF_MAX_NB_SEGS windows; ENOBUFS: no header or no record) nothing
 * is taken and free_cb is not called.
 */
struct rte_mbuf *
nb_buf_attach_ext(struct nb_pool *hdr_pool, void *va, rte_iova_t iova,
		  uint32_t len, nb_buf_ext_free_cb free_cb, void *opaque,
		  uint32_t flags)
{
	struct ext_rec *recs = NULL, *parent, *r;
	struct rte_mempool *mp;
	struct rte_mbuf *hdrs, *h;
	unsigned int n, i;
	uint64_t start;
	uint32_t w;
	void *obj;

	if (unlikely(hdr_pool == NULL || va == NULL || len == 0 ||
		     (flags & ~NB_BUF_EXT_RO) != 0)) {
		rte_errno = EINVAL;
		return NULL;
	}
	n = (unsigned int)(((uint64_t)len + EXT_WINDOW - 1) / EXT_WINDOW);
	if (unlikely(n > RTE_MBUF_MAX_NB_SEGS)) {
		rte_errno = EOVERFLOW;
		return NULL;
	}
	mp = ext_pool();
	if (unlikely(mp == NULL)) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (unlikely(rte_mempool_get(mp, &obj) != 0)) {
			ext_put_list(mp, recs);
			rte_errno = ENOBUFS;
			return NULL;
		}
		r = obj;
		r->next = recs;
		recs = r;
	}
	hdrs = buf_alloc_segs(nb_pool_mempool(hdr_pool), n);
	if (unlikely(hdrs == NULL)) {
		ext_put_list(mp, recs);
		rte_errno = ENOBUFS;
		return NULL;
	}
	parent = recs;
	parent->windows = n;
	parent->free_cb = free_cb;
	parent->va = va;
	parent->opaque = opaque;
	for (i = 0, h = hdrs; i < n; i++, h = h->next) {
		r = recs;
		recs = r->next;
		r->next = NULL;
		r->parent = parent;
		r->ro = (flags & NB_BUF_EXT_RO) != 0;
		r->shinfo.free_cb = ext_free;
		r->shinfo.fcb_opaque = r;
		rte_mbuf_ext_refcnt_set(&r->shinfo, 1);

		start = (uint64_t)i * EXT_WINDOW;
		w = (uint32_t)RTE_MIN((uint64_t)EXT_WINDOW, len - start);
		rte_pktmbuf_attach_extbuf(h, RTE_PTR_ADD(va, start),
					  iova == RTE_BAD_IOVA ?
					  RTE_BAD_IOVA : iova + start,
					  (uint16_t)w, &r->shinfo);
		h->data_len = (uint16_t)w;
		h->pkt_len = w;
	}
	hdrs->pkt_len = len;
	hdrs->nb_segs = (uint16_t)n;
	return hdrs;
}

/*
 * nb_buf_is_shared - may another reference reach a byte a write to the
 * range touches? Looks at every segment of the range's write zone
 * (buf_seg_in_zone()). True for NULL and a range past the end: a caller
 * that asks before writing must never be told "go ahead" for something
 * that was not checked.
 */
bool
nb_buf_is_shared(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	const struct rte_mbuf *seg;
	uint64_t end = (uint64_t)off + len;
	uint64_t pos;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || end > m->pkt_len) {
		return true;
	}
	for (seg = m, pos = 0; seg != NULL && pos <= end;
	     pos += seg->data_len, seg = seg->next) {
		if (buf_seg_in_zone(seg, seg == m, pos, off, end, m->pkt_len) &&
		    buf_seg_shared(seg)) {
			return true;
		}
	}
	return false;
}

/* Buffers of @room bytes a private copy of @seg's data takes. */
static inline unsigned int
copy_pieces(const struct rte_mbuf *seg, uint16_t room)
{
	return seg->data_len <= room ? 1u :
	       ((unsigned int)seg->data_len + room - 1) / room;
}

/*
 * Private copy of @seg's data in fresh buffers taken from *@spare
 * (copy_pieces() of them, which the caller checked are there): one buffer
 * with seg's data_off when it fits (else as much headroom as fits), or
 * when seg is larger than one buffer a chain of full buffers without
 * headroom. Each piece gets seg's metadata. Returns the first piece and the
 * last in *@lastp.
 */
static struct rte_mbuf *
copy_seg(struct rte_mbuf **spare, const struct rte_mbuf *seg,
	 struct rte_mbuf **lastp)
{
	struct rte_mbuf *first = NULL, *d, *prev = NULL;
	uint32_t done = 0, c;

	do {
		d = take(spare);
		if (seg->data_len <= d->buf_len) {
			uint32_t fit = (uint32_t)d->buf_len - seg->data_len;

			d->data_off = (uint16_t)RTE_MIN((uint32_t)seg->data_off,
							fit);
		} else {
			d->data_off = 0;
		}
		c = RTE_MIN((uint32_t)seg->data_len - done,
			    (uint32_t)d->buf_len - d->data_off);
		rte_memcpy(rte_pktmbuf_mtod(d, void *),
			   rte_pktmbuf_mtod_offset(seg, const char *, done), c);
		d->data_len = (uint16_t)c;
		d->pkt_len = c;
		buf_copy_meta(d, seg);
		done += c;
		if (prev == NULL) {
			first = d;
		} else {
			prev->next = d;
		}
		prev = d;
	} while (done < seg->data_len);
	NB_ASSERT(first != NULL);
	*lastp = prev;
	return first;
}

/*
 * nb_buf_make_writable - copy-on-write of [off, off + len).
 *
 * Every segment of the range's write zone (buf_seg_in_zone(): the segments
 * holding a byte of it, and the first or last segment when the range
 * starts at 0 or ends at pkt_len, empty or not, since push and put write
 * there) whose data is not writable is replaced, in place in the chain, by
 * a private copy from @p (same data_off when it fits, same bytes; a
 * segment larger than one buffer of @p becomes a chain of full buffers and
 * nb_segs grows), and the packet's reference to the old segment is dropped
 * (buf_free_seg(): it goes back to its pool if that was the last one).
 * Other segments keep their data, shared or not.
 *
 * Headers held by someone else (refcnt > 1, after nb_buf_ref() or a cat of
 * a referenced packet) are part of their chain too: their next pointer
 * cannot change. DPDK's refcnt does not tell a header held twice from a
 * direct segment that clones point at, so a header with refcnt > 1 in front
 * of a replaced segment is replaced by a header of our own from @p: a clone
 * header attached to the same data (no byte copied), or, when that data's
 * count is at its maximum, a private copy (no count to raise).
 *
 * When the first segment is replaced, the new one takes pkt_len, nb_segs
 * and the packet's metadata, and *m changes. Everything is taken from @p
 * before anything changes: on failure (-EINVAL: NULL, range past the end;
 * -EOVERFLOW: more than RTE_MBUF_MAX_NB_SEGS segments; -ENOBUFS) the
 * packet is as it was.
 */
int
nb_buf_make_writable(struct rte_mbuf **m, struct nb_pool *p, uint32_t off,
		     uint32_t len)
{
	struct rte_mbuf *head, *seg, *next, *prev, *d, *dl, *spare;
	uint64_t end = (uint64_t)off + len;
	uint64_t pos, seg_pos;
	unsigned int i, k, last = 0, nbuf = 0, extra = 0, nspare;
	uint32_t pkt_len, nb_segs;
	bool any = false;
	uint16_t room;

	(void)(m != NULL && NB_BUF__DEBUG_USE(*m));

	if (unlikely(m == NULL || *m == NULL || p == NULL)) {
		return -EINVAL;
	}
	head = *m;
	pkt_len = head->pkt_len;
	if (unlikely(end > pkt_len)) {
		return -EINVAL;
	}
	room = rte_pktmbuf_data_room_size(nb_pool_mempool(p));
	if (unlikely(room == 0)) {
		return -ENOBUFS;
	}

	/*
	 * Plan. Counts only go down under us (another holder may free its
	 * reference, no one can take a new one to what only we hold), so
	 * what the changes below need is at most what is counted here.
	 */
	for (seg = head, pos = 0, i = 0; seg != NULL && pos <= end;
	     pos += seg->data_len, seg = seg->next, i++) {
		if (!buf_seg_in_zone(seg, i == 0, pos, off, end, pkt_len) ||
		    !buf_seg_shared(seg)) {
			continue;
		}
		k = copy_pieces(seg, room);
		nbuf += k;
		extra += k - 1;
		last = i;
		any = true;
	}
	if (!any) {
		return 0;
	}
	for (seg = head, pos = 0, i = 0; i < last;
	     pos += seg->data_len, seg = seg->next, i++) {
		if (buf_seg_in_zone(seg, i == 0, pos, off, end, pkt_len) ||
		    rte_mbuf_refcnt_read(seg) <= 1) {
			continue;
		}
		if (buf_data_refcnt(seg) == UINT16_MAX) {
			k = copy_pieces(seg, room);
			nbuf += k;
			extra += k - 1;
		} else {
			nbuf++;
		}
	}
	if ((uint32_t)head->nb_segs + extra > RTE_MBUF_MAX_NB_SEGS) {
		return -EOVERFLOW;
	}
	spare = buf_alloc_segs(nb_pool_mempool(p), nbuf);
	if (spare == NULL) {
		return -ENOBUFS;
	}
	nspare = nbuf;

	/* Swap. */
	nb_segs = head->nb_segs;
	prev = NULL;
	for (seg = head, pos = 0, i = 0; seg != NULL && i <= last;
	     seg = next, i++) {
		bool copy;

		next = seg->next;
		seg_pos = pos;
		pos += seg->data_len;
		if (buf_seg_in_zone(seg, i == 0, seg_pos, off, end, pkt_len) &&
		    buf_seg_shared(seg)) {
			copy = true;
		} else if (i < last && rte_mbuf_refcnt_read(seg) > 1) {
			copy = buf_data_refcnt(seg) == UINT16_MAX;
		} else {
			prev = seg;
			continue;
		}
		k = copy ? copy_pieces(seg, room) : 1;
		NB_ASSERT(k <= nspare);
		if (unlikely(k > nspare)) {
			prev = seg;
			continue;
		}
		if (copy) {
			d = copy_seg(&spare, seg, &dl);
		} else {
			d = take(&spare);
			buf_attach(d, seg);
			dl = d;
		}
		nspare -= k;
		nb_segs += k - 1;
		dl->next = next;
		if (prev == NULL) {
			d->pkt_len = pkt_len;
			*m = d;
		} else {
			prev->next = d;
		}
		buf_free_seg(seg);
		prev = dl;
	}
	(*m)->nb_segs = (uint16_t)nb_segs;
	nb_buf__free_chain(spare);
	return 0;
}

/*
 * nb_buf_copy - deep copy of [off, off + len) into a new packet from @p.
 *
 * Laid out like nb_buf_alloc(): the first segment keeps the pool's
 * headroom, the following ones have none and are filled to the end. The
 * first segment takes the packet's metadata (as rte_pktmbuf_copy()). Every
 * segment is an nbkit allocation; len 0 gives one empty segment. The
 * caller must free the copy. On failure (EINVAL: NULL, range past the end;
 * EOVERFLOW: more than RTE_MBUF_MAX_NB_SEGS segments; ENOBUFS) nothing is
 * taken.
 */
struct rte_mbuf *
nb_buf_copy(const struct rte_mbuf *m, struct nb_pool *p, uint32_t off,
	    uint32_t len)
{
	const struct rte_mbuf *seg;
	struct rte_mbuf *mc, *d;
	uint64_t n;
	uint32_t first, buf_len, left, soff, c;
	uint16_t nseg;

	(void)NB_BUF__DEBUG_USE(m);

	if (unlikely(m == NULL || p == NULL ||
		     (uint64_t)off + len > m->pkt_len)) {
		rte_errno = EINVAL;
		return NULL;
	}
	buf_len = rte_pktmbuf_data_room_size(nb_pool_mempool(p));
	first = nb_pool_data_size(p);
	if (unlikely(buf_len == 0)) {
		rte_errno = EINVAL;
		return NULL;
	}
	n = 1;
	if (len > first) {
		n += ((uint64_t)len - first + buf_len - 1) / buf_len;
	}
	if (unlikely(n > RTE_MBUF_MAX_NB_SEGS)) {
		rte_errno = EOVERFLOW;
		return NULL;
	}
	/* The segment holding byte off. */
	seg = buf_seg_at(m, off, &soff);
	if (likely(n == 1)) {
		/* It fits one segment (the common case): one allocation, and
		 * one copy per source segment straight to its place. */
		char *dst;

		mc = nb_pool__alloc(p, NULL, 0);
		if (unlikely(mc == NULL)) {
			rte_errno = ENOBUFS;
			return NULL;
		}
		dst = rte_pktmbuf_mtod(mc, char *);
		for (left = len; left > 0; seg = seg->next, soff = 0) {
			if (unlikely(seg == NULL)) {
				nb_buf_free(mc);
				rte_errno = EINVAL;	/* chain too short */
				return NULL;
			}
			c = RTE_MIN((uint32_t)seg->data_len - soff, left);
			rte_memcpy(dst, rte_pktmbuf_mtod_offset(seg, const char *,
								soff), c);
			dst += c;
			left -= c;
		}
		mc->data_len = (uint16_t)len;
		mc->pkt_len = len;
		buf_copy_meta(mc, m);
		return mc;
	}
	mc = buf_alloc_segs(nb_pool_mempool(p), (unsigned int)n);
	if (unlikely(mc == NULL)) {
		rte_errno = ENOBUFS;
		return NULL;
	}

	left = len;
	nseg = 0;
	for (d = mc; d != NULL; d = d->next) {
		nseg++;
		if (d != mc) {
			d->data_off = 0;
		}
		while (left > 0 && seg != NULL &&
		       d->data_off + d->data_len < d->buf_len) {
			if (soff >= seg->data_len) {
				seg = seg->next;
				soff = 0;
				continue;
			}
			c = RTE_MIN((uint32_t)(seg->data_len - soff), left);
			c = RTE_MIN(c, (uint32_t)rte_pktmbuf_tailroom(d));
			rte_memcpy(rte_pktmbuf_mtod_offset(d, char *,
							   d->data_len),
				   rte_pktmbuf_mtod_offset(seg, const char *,
							   soff),
				   c);
			d->data_len = (uint16_t)(d->data_len + c);
			soff += c;
			left -= c;
		}
		d->pkt_len = d->data_len;
	}
	if (unlikely(left > 0)) {
		/* The source chain is shorter than its pkt_len says. */
		nb_buf__free_chain(mc);
		rte_errno = EINVAL;
		return NULL;
	}
	mc->pkt_len = len;
	mc->nb_segs = nseg;
	buf_copy_meta(mc, m);
	return mc;
}
