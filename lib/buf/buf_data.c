/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data access across segments: copy out and in (growing the packet), one
 * byte at a time, compare and search.
 *
 * Data-path calls: no logging, errors are returned. Readers take a const
 * packet and change nothing. The writers refuse shared data (-EPERM) and
 * check every segment they will write, and take every buffer they need,
 * before writing a byte: a failure leaves the packet exactly as it was.
 * A request of 0 bytes at an offset inside the packet or at its end
 * (off <= pkt_len) is a no-op that succeeds.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "buf_internal.h"

/*
 * Copy out of a packet: the caller owns @dst; the packet is not changed.
 * Fails (-EINVAL) on a NULL packet or buffer, or a range past the end.
 */
int
nb_buf_copy_out(const struct rte_mbuf *m, uint32_t off, void *dst,
		uint32_t len)
{
	const void *p;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || (dst == NULL && len > 0) ||
	    (uint64_t)off + len > m->pkt_len) {
		return -EINVAL;
	}
	if (len == 0) {
		return 0;
	}
	/* DPDK's reader copies across segments; it returns a pointer into
	 * the packet instead when the bytes are in one segment. */
	p = rte_pktmbuf_read(m, off, len, dst);
	if (p == NULL) {
		return -EINVAL;
	}
	if (p != dst) {
		memcpy(dst, p, len);
	}
	return 0;
}

/*
 * Take the segments that hold @need more bytes after the packet @m, from
 * @mp (nbkit's allocation for an nbkit pool, DPDK's otherwise), each with
 * no headroom and its data_len set, the last one partly filled. On success
 * the caller owns the chain *out of *nb segments; on failure nothing is
 * taken: -EOVERFLOW (the packet would pass RTE_MBUF_MAX_NB_SEGS),
 * -ENOBUFS (no pool, pool short, or segments with no room).
 */
static int
grow_alloc(const struct rte_mbuf *m, struct rte_mempool *mp, uint32_t need,
	   struct rte_mbuf **out, uint16_t *nb)
{
	struct rte_mbuf *head, *s;
	uint32_t room, left = need;
	uint64_t count;

	room = mp != NULL ? rte_pktmbuf_data_room_size(mp) : 0;
	if (room == 0) {
		return -ENOBUFS;
	}
	count = ((uint64_t)need + room - 1) / room;
	if (m->nb_segs + count > RTE_MBUF_MAX_NB_SEGS) {
		return -EOVERFLOW;
	}
	head = buf_alloc_segs(mp, (unsigned int)count);
	if (head == NULL) {
		return -ENOBUFS;
	}
	for (s = head; s != NULL; s = s->next) {
		uint32_t take = RTE_MIN(left, (uint32_t)s->buf_len);

		s->data_off = 0;
		s->data_len = (uint16_t)take;
		left -= take;
	}
	NB_ASSERT(left == 0);
	*out = head;
	*nb = (uint16_t)count;
	return 0;
}

/* Unlink and return the first buffer of a list made by buf_alloc_segs(). */
static inline struct rte_mbuf *
take_one(struct rte_mbuf **list)
{
	struct rte_mbuf *m = *list;

	*list = m->next;
	m->next = NULL;
	return m;
}

/*
 * Write into a packet (BSD's m_copyback without its allocation failures
 * half-way): the caller keeps ownership of @m and @src. Every segment
 * written must be writable (-EPERM otherwise); a write past the end grows
 * the packet into the last segment's tailroom (when that segment is
 * writable) and then into new segments of @p, or of the last segment's
 * data owner's pool (buf_data_pool()).
 *
 * Growth writes the last segment's next pointer. A header with refcnt > 1
 * may be in another packet's chain too (nb_buf_ref() then nb_buf_cat()),
 * and DPDK's refcnt cannot tell that from a segment clones point at: the
 * run of such headers that ends at the last segment (after the head, which
 * the caller holds) is replaced in this packet by clone headers of the
 * same data, so no other chain is ever relinked. Everything is checked and
 * allocated first: on any failure the packet is unchanged.
 */
int
nb_buf_copy_in(struct rte_mbuf *m, uint32_t off, const void *src,
	       uint32_t len, struct nb_pool *p)
{
	struct rte_mbuf *s, *prev, *last = NULL, *ext = NULL, *hdrs = NULL;
	struct rte_mbuf *run = NULL, *run_prev = NULL;
	const uint8_t *q = src;
	uint32_t over, grow, tail = 0, left, soff;
	uint16_t nb_new = 0, nrun = 0, i;
	int ret;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || (src == NULL && len > 0) || off > m->pkt_len) {
		return -EINVAL;
	}
	if (len == 0) {
		return 0;
	}
	over = RTE_MIN(len, m->pkt_len - off);	/* bytes over existing data */
	grow = len - over;
	/* 1. Every segment to be written must be writable. */
	left = over;
	s = over > 0 ? buf_seg_at(m, off, &soff) :
		       NULL;
	for (; left > 0; s = s->next, soff = 0) {
		uint32_t c;

		if (unlikely(s == NULL)) {
			return -EINVAL;	/* chain shorter than pkt_len */
		}
		c = RTE_MIN(left, (uint32_t)s->data_len - soff);
		if (c > 0 && buf_seg_shared(s)) {
			return -EPERM;
		}
		left -= c;
	}
	/* 2. Growth: the tailroom of a writable last segment, then new ones
	 * after it (and our own headers in place of shared ones). */
	if (grow > 0) {
		if ((uint64_t)m->pkt_len + grow > UINT32_MAX) {
			return -EOVERFLOW;
		}
		for (prev = NULL, s = m; s != NULL; prev = s, s = s->next) {
			if (s == m || rte_mbuf_refcnt_read(s) <= 1) {
				nrun = 0;
				continue;
			}
			if (nrun++ == 0) {
				run = s;
				run_prev = prev;
			}
		}
		last = prev;
		for (i = 0, s = run; i < nrun; i++, s = s->next) {
			if (buf_data_refcnt(s) == UINT16_MAX) {
				return -EOVERFLOW;
			}
		}
		if (!buf_seg_shared(last)) {
			tail = RTE_MIN(grow,
				       (uint32_t)rte_pktmbuf_tailroom(last));
		}
		if (grow > tail) {
			ret = grow_alloc(m, buf_data_pool(last, p), grow - tail,
					 &ext, &nb_new);
			if (ret != 0) {
				return ret;
			}
		}
		if (nrun > 0 && ext != NULL) {
			hdrs = buf_alloc_segs(p != NULL ? nb_pool_mempool(p) :
					      last->pool, nrun);
			if (hdrs == NULL) {
				nb_buf__free_chain(ext);
				return -ENOBUFS;
			}
		}
	}
	/* 3. Nothing can fail from here on: write. */
	left = over;
	s = over > 0 ? buf_seg_at(m, off, &soff) :
		       NULL;
	for (; left > 0; s = s->next, soff = 0) {
		uint32_t c = RTE_MIN(left, (uint32_t)s->data_len - soff);

		memcpy(rte_pktmbuf_mtod_offset(s, uint8_t *, soff), q, c);
		q += c;
		left -= c;
	}
	if (tail > 0) {
		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len),
		       q, tail);
		last->data_len = (uint16_t)(last->data_len + tail);
		q += tail;
	}
	if (ext != NULL) {
		for (s = ext; s != NULL; s = s->next) {
			memcpy(rte_pktmbuf_mtod(s, uint8_t *), q, s->data_len);
			q += s->data_len;
		}
		/* Our own headers in place of the run that may be shared. */
		for (i = 0, s = run, prev = run_prev; hdrs != NULL && i < nrun;
		     i++) {
			struct rte_mbuf *h = take_one(&hdrs), *next = s->next;

			buf_attach(h, s);
			prev->next = h;
			buf_free_seg(s);	/* s->next left for its holder */
			prev = h;
			last = h;
			s = next;
		}
		last->next = ext;
		m->nb_segs = (uint16_t)(m->nb_segs + nb_new);
	}
	m->pkt_len += grow;
	return 0;
}

/* Read one byte; the packet is not changed. -EINVAL when off is outside. */
int
nb_buf_get_u8(const struct rte_mbuf *m, uint32_t off)
{
	const struct rte_mbuf *s;
	uint32_t soff;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || off >= m->pkt_len) {
		return -EINVAL;
	}
	s = buf_seg_at(m, off, &soff);
	if (unlikely(s == NULL)) {
		return -EINVAL;
	}
	return *rte_pktmbuf_mtod_offset(s, const uint8_t *, soff);
}

/*
 * Write one byte into a private segment; -EINVAL (off outside) or -EPERM
 * (the segment's data is shared) leave the packet unchanged.
 */
int
nb_buf_put_u8(struct rte_mbuf *m, uint32_t off, uint8_t v)
{
	struct rte_mbuf *s;
	uint32_t soff;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || off >= m->pkt_len) {
		return -EINVAL;
	}
	s = buf_seg_at(m, off, &soff);
	if (unlikely(s == NULL)) {
		return -EINVAL;
	}
	if (buf_seg_shared(s)) {
		return -EPERM;
	}
	*rte_pktmbuf_mtod_offset(s, uint8_t *, soff) = v;
	return 0;
}

/*
 * Compare bytes of a packet with @s; nothing is changed. The index of the
 * first difference is reported as 1 + index, capped at INT_MAX (packets
 * over 2 GiB only).
 */
int
nb_buf_memcmp(const struct rte_mbuf *m, uint32_t off, const void *s,
	      uint32_t len)
{
	const uint8_t *q = s;
	const struct rte_mbuf *seg;
	uint32_t soff, done = 0;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || (s == NULL && len > 0) ||
	    (uint64_t)off + len > m->pkt_len) {
		return -EINVAL;
	}
	if (len == 0) {
		return 0;
	}
	for (seg = buf_seg_at(m, off, &soff); done < len;
	     seg = seg->next, soff = 0) {
		const uint8_t *d;
		uint32_t c, i;

		if (unlikely(seg == NULL)) {
			return -EINVAL;	/* chain shorter than pkt_len */
		}
		c = RTE_MIN(len - done, (uint32_t)seg->data_len - soff);
		d = rte_pktmbuf_mtod_offset(seg, const uint8_t *, soff);
		if (memcmp(d, q + done, c) != 0) {
			for (i = 0; d[i] == q[done + i]; i++) {
			}
			done += i;
			return done >= (uint32_t)INT_MAX ? INT_MAX :
							    (int)done + 1;
		}
		done += c;
	}
	return 0;
}

/*
 * Do the @len bytes from byte @soff of @seg on equal @s? The packet holds
 * them (the caller checked).
 */
static bool
match_at(const struct rte_mbuf *seg, uint32_t soff, const uint8_t *s,
	 uint32_t len)
{
	while (len > 0) {
		uint32_t c;

		if (unlikely(seg == NULL)) {
			return false;
		}
		c = RTE_MIN(len, (uint32_t)seg->data_len - soff);
		if (memcmp(rte_pktmbuf_mtod_offset(seg, const uint8_t *, soff),
			   s, c) != 0) {
			return false;
		}
		s += c;
		len -= c;
		seg = seg->next;
		soff = 0;
	}
	return true;
}

/*
 * Search a packet (lwIP's pbuf_memfind, across segments); nothing is
 * changed. An empty needle matches at @start (when start <= pkt_len). Candidates are found with memchr() on the first byte inside
 * each segment, then checked across the following segments. A match
 * starting past INT32_MAX cannot be returned and counts as not found.
 */
int32_t
nb_buf_memfind(const struct rte_mbuf *m, const void *s, uint32_t len,
	       uint32_t start)
{
	const uint8_t *q = s;
	const struct rte_mbuf *seg;
	uint32_t pos, end, soff;

	(void)NB_BUF__DEBUG_USE(m);

	if (m == NULL || (s == NULL && len > 0)) {
		return -EINVAL;
	}
	if (start > m->pkt_len || len > m->pkt_len - start) {
		return -ENOENT;
	}
	if (len == 0) {
		return start > INT32_MAX ? -ENOENT : (int32_t)start;
	}
	end = m->pkt_len - len;		/* last candidate position */
	if (end > INT32_MAX) {
		end = INT32_MAX;
	}
	pos = start;
	seg = buf_seg_at(m, pos, &soff);
	while (pos <= end) {
		const uint8_t *d, *hit;
		uint32_t n;

		if (unlikely(seg == NULL)) {
			return -ENOENT;	/* chain shorter than pkt_len */
		}
		/* Candidates in this segment: up to its end or to `end`. */
		n = RTE_MIN((uint32_t)seg->data_len - soff, end - pos + 1);
		d = rte_pktmbuf_mtod_offset(seg, const uint8_t *, soff);
		hit = n > 0 ? memchr(d, q[0], n) : NULL;
		if (hit == NULL) {
			pos += n;
			seg = seg->next;
			soff = 0;
			continue;
		}
		pos += (uint32_t)(hit - d);
		soff += (uint32_t)(hit - d);
		if (match_at(seg, soff, q, len)) {
			return (int32_t)pos;
		}
		/* Next candidate: the byte after this one. */
		pos++;
		soff++;
		if (soff >= seg->data_len) {
			seg = seg->next;
			soff = 0;
		}
	}
	return -ENOENT;
}
