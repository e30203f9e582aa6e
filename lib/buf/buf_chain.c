/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chains: joining and cutting packets (cat, chain, dechain, split), making
 * bytes contiguous (pullup, linearize) and finding the segment of an offset.
 *
 * Every function that can fail takes what it needs (buffers, reference
 * counts) before it changes anything, so a failure leaves the packet exactly
 * as it was. Data-path calls: no logging, errors are returned.
 *
 * Segment headers versus data. A segment whose *data* is shared (a clone is
 * attached, or it is itself a clone) may have its header changed freely
 * (data_off, data_len, next): the other references have headers of their
 * own. A segment whose *header* is held twice (nb_buf_ref(), nb_buf_chain())
 * is one struct reached from two packets; changing the structure of either
 * packet changes both, as with lwIP's pbuf_ref()/pbuf_chain(). DPDK's refcnt
 * cannot tell the two apart, so pullup and linearize treat refcnt > 1 as a
 * header held elsewhere: they never write such a header; they drop their
 * reference to segments they consume whole and, for the one a pullup
 * consumes in part, put a clone header of their own in its place. cat,
 * chain, dechain and split change the packet they are given in place, so
 * they do write the headers on their path (see nb_buf_chain()).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "buf_internal.h"

/*
 * Last segment of a packet, walking at most nb_segs segments. NULL when the
 * chain does not end where nb_segs says (a corrupted packet, or a loop):
 * refusing is better than linking into it.
 */
static struct rte_mbuf *
chain_last(struct rte_mbuf *m)
{
	uint16_t n = m->nb_segs;

	while (m->next != NULL && n > 1) {
		m = m->next;
		n--;
	}
	return m->next == NULL && n == 1 ? m : NULL;
}

/*
 * A new segment of @mp (nb_buf.h, "Pools for new segments"; nbkit's
 * allocation when it is an nbkit pool, DPDK's otherwise), placed to hold
 * @len bytes: the data starts at @like's headroom when that leaves room
 * for len, else as far back as it can. Returns 0 and the segment
 * (data_len 0) in *out, or -ENOSPC (len larger than the segment) or
 * -ENOBUFS (pool empty, no pool). Nothing is taken on failure.
 */
static int
seg_alloc_like(struct rte_mempool *mp, const struct rte_mbuf *like,
	       uint32_t len, struct rte_mbuf **out)
{
	struct rte_mbuf *n;
	uint16_t room;

	if (mp == NULL) {
		return -ENOBUFS;
	}
	room = rte_pktmbuf_data_room_size(mp);
	if (len > room) {
		return -ENOSPC;
	}
	n = buf_alloc_segs(mp, 1);
	if (n == NULL) {
		return -ENOBUFS;
	}
	NB_ASSERT(n->buf_len >= len);
	n->data_off = (uint16_t)RTE_MIN((uint32_t)like->data_off,
					(uint32_t)n->buf_len - len);
	n->data_len = 0;
	*out = n;
	return 0;
}

/*
 * The segment that the first @len bytes of @m end inside of (not at its
 * end), with in *k how many of its bytes they take; NULL when len ends at
 * a segment boundary. The packet holds len bytes.
 */
static struct rte_mbuf *
seg_cut(struct rte_mbuf *m, uint32_t len, uint32_t *k)
{
	while (m != NULL && len >= m->data_len) {
		len -= m->data_len;
		m = m->next;
	}
	*k = len;
	return len > 0 ? m : NULL;
}

/*
 * A header to put in place of @cut, a segment to be consumed in part whose
 * header may be held elsewhere (refcnt > 1): 0 and *rep = NULL when cut
 * is NULL or private; 0 and a fresh header of @mp (or cut's pool when mp
 * is NULL; the caller owns it) in *rep; -EOVERFLOW (cut's data count at
 * its maximum) or -ENOBUFS, nothing taken.
 */
static int
rep_alloc(struct rte_mbuf *cut, struct rte_mempool *mp, struct rte_mbuf **rep)
{
	*rep = NULL;
	if (cut == NULL || rte_mbuf_refcnt_read(cut) <= 1) {
		return 0;
	}
	if ((buf_data_refcnt(cut) == UINT16_MAX)) {
		return -EOVERFLOW;
	}
	*rep = buf_alloc_segs(mp != NULL ? mp : cut->pool, 1);
	return *rep != NULL ? 0 : -ENOBUFS;
}

/*
 * Take the first @k bytes off segment @s (k < data_len). Returns the
 * segment to link in s's place: s itself, advanced, when @rep is NULL;
 * else @rep attached to s's data past those bytes (s's next moves to it)
 * and the reference to s is dropped, s's header left as it was.
 */
static struct rte_mbuf *
seg_advance(struct rte_mbuf *s, uint32_t k, struct rte_mbuf *rep)
{
	NB_ASSERT(k < s->data_len);
	if (rep == NULL) {
		s->data_off = (uint16_t)(s->data_off + k);
		s->data_len = (uint16_t)(s->data_len - k);
		return s;
	}
	buf_attach(rep, s);
	rep->data_off = (uint16_t)(rep->data_off + k);
	rep->data_len = (uint16_t)(rep->data_len - k);
	rep->next = s->next;
	buf_free_seg(s);
	return rep;
}

/*
 * Move bytes from the segments after @m into @m's tail until its data_len
 * is @len. @m must be private and have the room (checked by the caller),
 * and the packet must hold len bytes. Segments emptied are unlinked and
 * their reference dropped (their header is not written); the segment
 * consumed in part goes through seg_advance() with @rep.
 */
static void
gather_in_place(struct rte_mbuf *m, uint32_t len, struct rte_mbuf *rep)
{
	uint32_t need = len - m->data_len;
	char *dst = rte_pktmbuf_mtod_offset(m, char *, m->data_len);

	while (need > 0) {
		struct rte_mbuf *s = m->next;
		uint32_t c;

		NB_ASSERT(s != NULL);
		c = RTE_MIN(need, (uint32_t)s->data_len);
		memcpy(dst, rte_pktmbuf_mtod(s, const char *), c);
		dst += c;
		need -= c;
		if (c == s->data_len) {
			m->next = s->next;
			m->nb_segs--;
			buf_free_seg(s);
		} else {
			m->next = seg_advance(s, c, rep);
			rep = NULL;
		}
	}
	NB_ASSERT(rep == NULL);
	m->data_len = (uint16_t)len;
}

/*
 * Append @tail to @head. On success head owns the caller's reference to
 * tail. On failure (-EINVAL: NULL, the same packet, chains that already
 * share a segment or whose nb_segs is wrong; -EOVERFLOW: segment limit)
 * nothing changes and the caller still owns tail.
 */
int
nb_buf_cat(struct rte_mbuf *head, struct rte_mbuf *tail)
{
	struct rte_mbuf *hl, *tl;

	(void)NB_BUF__DEBUG_USE(head);

	if (head == NULL || tail == NULL || head == tail) {
		return -EINVAL;
	}
	hl = chain_last(head);
	tl = chain_last(tail);
	/* Two chains that share a segment share their last one: a loop. */
	if (hl == NULL || tl == NULL || hl == tl) {
		return -EINVAL;
	}
	if ((uint32_t)head->nb_segs + tail->nb_segs > RTE_MBUF_MAX_NB_SEGS) {
		return -EOVERFLOW;
	}
	/*
	 * tail's pkt_len/nb_segs are left as they are: DPDK reads them on a
	 * packet's first segment only, and tail's header may be held by
	 * another packet (nb_buf_chain()).
	 */
	hl->next = tail;
	head->pkt_len += tail->pkt_len;
	head->nb_segs = (uint16_t)(head->nb_segs + tail->nb_segs);
	return 0;
}

/*
 * Append @tail to @head and take one more reference to each of tail's
 * segments (lwIP's pbuf_chain): the caller still owns, and must free, its
 * own reference to tail. tail's segments are then reached from both
 * packets: do not change either packet's structure while both are held.
 * On failure (as nb_buf_cat(), or -EOVERFLOW for a count at UINT16_MAX)
 * no count and no link changed.
 */
int
nb_buf_chain(struct rte_mbuf *head, struct rte_mbuf *tail)
{
	struct nb_pool *p;
	struct rte_mbuf *c;
	int rc;

	(void)NB_BUF__DEBUG_USE(head);

	if (head == NULL || tail == NULL || head == tail) {
		return -EINVAL;
	}
	if ((uint32_t)head->nb_segs + tail->nb_segs > RTE_MBUF_MAX_NB_SEGS) {
		return -EOVERFLOW;
	}
	/*
	 * Append clone headers of tail, not tail's own segments: the data is
	 * shared (referenced), the links are not, so later changes to head's
	 * structure (trim, split, cat) can never relink or cut the caller's
	 * tail.
	 */
	p = nb_pool_of(tail);
	if (p != NULL) {
		c = nb_buf_clone(tail, p);
	} else {
		c = rte_pktmbuf_clone(tail, tail->pool);
		if (c == NULL) {
			rte_errno = ENOBUFS;
		}
	}
	if (c == NULL) {
		return rte_errno == EOVERFLOW ? -EOVERFLOW : -ENOBUFS;
	}
	rc = nb_buf_cat(head, c);
	if (rc != 0) {
		nb_buf_free(c);
	}
	return rc;
}

/*
 * Cut a packet after its first segment. The caller then owns two packets
 * (m, one segment, and the returned rest, which carries m's metadata as
 * nb_buf_split() does); no reference count changes.
 * On failure (NULL with rte_errno) m is unchanged.
 */
struct rte_mbuf *
nb_buf_dechain(struct rte_mbuf *m)
{
	struct rte_mbuf *rest;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (m->next == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	if (m->nb_segs < 2 || m->pkt_len < m->data_len) {
		rte_errno = EINVAL;	/* corrupted packet: leave it alone */
		return NULL;
	}
	rest = m->next;
	buf_copy_meta(rest, m);
	rest->pkt_len = m->pkt_len - m->data_len;
	rest->nb_segs = (uint16_t)(m->nb_segs - 1);
	m->next = NULL;
	m->pkt_len = m->data_len;
	m->nb_segs = 1;
	return rest;
}

/*
 * Split a packet at byte @off. The caller then owns two packets: m with
 * [0, off) and the returned one with [off, pkt_len), which carries m's
 * metadata (offload flags, port, hash...), as nb_buf_dechain()'s does.
 * Inside a segment, and at 0 (m keeps its first segment, emptied: the
 * caller's pointer stays the packet's head), a clone header from @p takes
 * one more reference to that segment's data; at pkt_len the second part is
 * one empty segment of @p. @p may be NULL when off falls on a boundary
 * between two segments. On failure (NULL with rte_errno EINVAL, ENOBUFS,
 * or EOVERFLOW when the data's reference count is at its maximum) m is
 * unchanged and nothing is taken.
 */
struct rte_mbuf *
nb_buf_split(struct rte_mbuf *m, uint32_t off, struct nb_pool *p)
{
	struct rte_mbuf *seg, *prev = NULL, *rest;
	uint32_t soff = off;
	uint16_t kept = 1;	/* segments of m up to and including seg */
	uint16_t rest_segs;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || off > m->pkt_len) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (off == m->pkt_len) {
		/* Nothing after off: the second part is empty. */
		if (p == NULL) {
			rte_errno = EINVAL;
			return NULL;
		}
		rest = nb_pool_alloc(p);
		if (rest == NULL) {
			rte_errno = ENOBUFS;
			return NULL;
		}
		rest->data_len = 0;
		rest->pkt_len = 0;
		buf_copy_meta(rest, m);
		return rest;
	}
	/* The segment holding byte off (empty segments are skipped; at 0
	 * the first segment, even empty, so that m keeps its head). */
	seg = m;
	while (off > 0 && soff >= seg->data_len) {
		soff -= seg->data_len;
		prev = seg;
		seg = seg->next;
		if (seg == NULL) {
			rte_errno = EINVAL;	/* chain shorter than pkt_len */
			return NULL;
		}
		kept++;
	}
	if (soff == 0 && prev != NULL) {
		/* At a boundary after the first segment: cut. */
		rest = seg;
		prev->next = NULL;
		kept--;
		rest_segs = (uint16_t)(m->nb_segs - kept);
	} else {
		/* Inside seg (or at 0): a clone header carries its second
		 * part. */
		if (p == NULL) {
			rte_errno = EINVAL;
			return NULL;
		}
		if ((buf_data_refcnt(seg) == UINT16_MAX)) {
			rte_errno = EOVERFLOW;
			return NULL;
		}
		rest = nb_pool_alloc(p);
		if (rest == NULL) {
			rte_errno = ENOBUFS;
			return NULL;
		}
		buf_attach(rest, seg);
		rest->data_off = (uint16_t)(rest->data_off + soff);
		rest->data_len = (uint16_t)(rest->data_len - soff);
		rest->next = seg->next;
		seg->data_len = (uint16_t)soff;
		seg->next = NULL;
		/* m keeps `kept` segments, the rest the others and itself. */
		rest_segs = (uint16_t)(m->nb_segs - kept + 1);
	}
	buf_copy_meta(rest, m);
	rest->pkt_len = m->pkt_len - off;
	rest->nb_segs = rest_segs;
	m->pkt_len = off;
	m->nb_segs = kept;
	return rest;
}

/*
 * Drop the first @len bytes of the chain @m, which holds at least len
 * bytes: segments emptied are dropped (their header untouched), the one
 * consumed in part goes through seg_advance() with @rep. Returns the new
 * first segment (NULL when nothing is left) and adds the segments dropped
 * to *dropped.
 */
static struct rte_mbuf *
chain_drop_front(struct rte_mbuf *m, uint32_t len, struct rte_mbuf *rep,
		 uint16_t *dropped)
{
	while (len > 0) {
		struct rte_mbuf *next = m->next;

		if (m->data_len > len) {
			return seg_advance(m, len, rep);
		}
		len -= m->data_len;
		buf_free_seg(m);
		(*dropped)++;
		m = next;
		NB_ASSERT(m != NULL || len == 0);
	}
	return m;
}

/*
 * Make the first @len bytes contiguous (BSD's m_pullup). The caller's
 * reference moves to *mp, which may be a new first segment: the old first
 * segment is then dropped (one reference), its metadata carried over, and
 * the new one is placed to keep its headroom where it can. Segments emptied
 * are dropped; a segment consumed in part that another reference may hold
 * (refcnt > 1) is left as it is and a clone header takes its place, so
 * every other holder still has the packet it had. New segments and that
 * header come from @p, else from the first segment's data owner's pool
 * (buf_data_pool()). On failure (-EINVAL, -ENOSPC, -ENOBUFS, -EOVERFLOW
 * for a data count at its maximum) *mp and the packet are unchanged and
 * nothing is taken (unlike m_pullup, which frees the chain). len 0 is
 * satisfied by any packet.
 */
int
nb_buf_pullup(struct rte_mbuf **mp, uint32_t len, struct nb_pool *p)
{
	struct rte_mbuf *m, *n, *cut, *rep;
	struct rte_mempool *pool;
	uint32_t pkt_len, k;
	uint16_t nb_segs, dropped = 0;
	int ret;

	(void)(mp != NULL && NB_BUF__DEBUG_USE(*mp));

	if (mp == NULL || *mp == NULL || len > (*mp)->pkt_len) {
		return -EINVAL;
	}
	m = *mp;
	if (len <= m->data_len) {
		return 0;
	}
	/* The segment consumed in part, if any, may need a header of ours. */
	cut = seg_cut(m, len, &k);
	pool = buf_data_pool(m, p);
	if (RTE_MBUF_DIRECT(m) && !buf_seg_shared(m) &&
	    (uint32_t)m->buf_len - m->data_off >= len) {
		/* In place: from the next segments into the first's tail. */
		ret = rep_alloc(cut, pool, &rep);
		if (ret != 0) {
			return ret;
		}
		gather_in_place(m, len, rep);
		return 0;
	}
	/* A new first segment. */
	ret = seg_alloc_like(pool, m, len, &n);
	if (ret != 0) {
		return ret;
	}
	ret = rep_alloc(cut, pool, &rep);
	if (ret != 0) {
		buf_free_seg(n);
		return ret;
	}
	ret = nb_buf_copy_out(m, 0, rte_pktmbuf_mtod(n, void *), len);
	NB_ASSERT(ret == 0);
	n->data_len = (uint16_t)len;
	buf_copy_meta(n, m);
	pkt_len = m->pkt_len;
	nb_segs = m->nb_segs;
	/* len > m->data_len: the old first segment always goes. */
	n->next = chain_drop_front(m, len, rep, &dropped);
	NB_ASSERT(dropped >= 1);
	n->pkt_len = pkt_len;
	n->nb_segs = (uint16_t)(nb_segs + 1 - dropped);
	*mp = n;
	return 0;
}

/*
 * Gather a packet into one segment: in place when the first segment is
 * direct, private and has the room, else into a new segment of @p, or of
 * the first segment's data owner's pool when p is NULL (the old chain's
 * references dropped, its metadata carried over, its headroom kept where
 * it fits). The caller's reference moves to *mp. On failure (-EINVAL,
 * -ENOSPC, -ENOBUFS) nothing changed.
 */
int
nb_buf_linearize(struct rte_mbuf **mp, struct nb_pool *p)
{
	struct rte_mbuf *m, *n, *s;
	int ret;

	(void)(mp != NULL && NB_BUF__DEBUG_USE(*mp));

	if (mp == NULL || *mp == NULL) {
		return -EINVAL;
	}
	m = *mp;
	if (m->next == NULL) {
		return 0;
	}
	if (RTE_MBUF_DIRECT(m) && !buf_seg_shared(m) &&
	    (uint32_t)m->buf_len - m->data_off >= m->pkt_len) {
		gather_in_place(m, m->pkt_len, NULL);
		/* Only empty segments are left after the first: drop them. */
		s = m->next;
		while (s != NULL) {
			struct rte_mbuf *next = s->next;

			NB_ASSERT(s->data_len == 0);
			buf_free_seg(s);
			s = next;
		}
		m->next = NULL;
		m->nb_segs = 1;
		return 0;
	}
	ret = seg_alloc_like(buf_data_pool(m, p), m, m->pkt_len, &n);
	if (ret != 0) {
		return ret;
	}
	ret = nb_buf_copy_out(m, 0, rte_pktmbuf_mtod(n, void *), m->pkt_len);
	NB_ASSERT(ret == 0);
	n->data_len = (uint16_t)m->pkt_len;
	n->pkt_len = m->pkt_len;
	buf_copy_meta(n, m);
	/* The old chain goes: one reference dropped per segment. */
	for (s = m; s != NULL;) {
		struct rte_mbuf *next = s->next;

		buf_free_seg(s);
		s = next;
	}
	*mp = n;
	return 0;
}

/*
 * Segment holding byte @off (never an empty one). The packet is not
 * changed and no reference is taken: the segment lives as long as the
 * caller's reference to m. NULL with rte_errno EINVAL when off is outside.
 */
struct rte_mbuf *
nb_buf_seek(const struct rte_mbuf *m, uint32_t off, uint32_t *seg_off)
{
	struct rte_mbuf *seg;
	uint32_t soff;

	(void)NB_BUF__DEBUG_USE(m);
	if (m == NULL || off >= m->pkt_len) {
		rte_errno = EINVAL;
		return NULL;
	}
	seg = buf_seg_at(m, off, &soff);
	if (seg == NULL) {
		rte_errno = EINVAL;	/* chain shorter than pkt_len */
		return NULL;
	}
	if (seg_off != NULL) {
		*seg_off = soff;
	}
	return seg;
}
