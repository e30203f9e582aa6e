/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/buf (not installed): helpers shared by its files. */
#ifndef BUF_INTERNAL_H
#define BUF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "nb_buf.h"
#include "nb_internal.h"

extern int logtype_nb_buf;

/*
 * Is this one segment's data NOT writable in place (nb_buf.h, "Writable
 * bytes")? True for refcnt > 1, for an indirect segment whose direct owner
 * has refcnt > 1 (the clone itself holds one of those references), for
 * external memory whose shared counter is above 1, and for read-only
 * external memory (NB_BUF_EXT_RO).
 */
bool buf_seg_shared(const struct rte_mbuf *seg);

/*
 * Is @seg, at byte @pos of a packet of @pkt_len bytes, in the write zone of
 * [off, end) (nb_buf.h, "Writable bytes")? It holds a byte of the range,
 * or it is the first segment and off is 0 (push writes its headroom), or
 * it is the last and end is pkt_len (put writes its tailroom).
 */
static inline bool
buf_seg_in_zone(const struct rte_mbuf *seg, bool first, uint64_t pos,
		uint64_t off, uint64_t end, uint32_t pkt_len)
{
	if (off < end && pos < end && pos + seg->data_len > off) {
		return true;
	}
	return (first && off == 0) || (seg->next == NULL && end == pkt_len);
}

/*
 * Mempool for new data segments (nb_buf.h, "Pools for new segments"):
 * @p's when given, else the pool of @seg's data owner (itself when direct,
 * the direct segment for a clone); NULL for external memory.
 */
static inline struct rte_mempool *
buf_data_pool(const struct rte_mbuf *seg, struct nb_pool *p)
{
	if (p != NULL) {
		return nb_pool_mempool(p);
	}
	if (RTE_MBUF_HAS_EXTBUF(seg)) {
		return NULL;
	}
	return rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)seg)->pool;
}

/*
 * Drop one reference to ONE segment (its next pointer is ignored and
 * cleared if it goes back). Returns how many mbufs went back to a pool
 * (0, 1, or 2 when an indirect segment's last reference also released its
 * direct owner). Handles indirect and external segments like DPDK's
 * rte_pktmbuf_prefree_seg()/detach, but counts.
 */
unsigned int buf_free_seg(struct rte_mbuf *seg);

/*
 * Take @n fresh segments from @mp, all or nothing, linked in order through
 * ->next: nbkit's allocation when @mp is an nbkit pool (ownership byte and
 * call site recorded), DPDK's otherwise. Each has refcnt 1, data_len 0 and
 * the pool's headroom. Returns the first (the caller owns the list; give it
 * back with nb_buf__free_chain()), or NULL when the pool is short: nothing
 * is taken then.
 */
struct rte_mbuf *buf_alloc_segs(struct rte_mempool *mp, unsigned int n);

/*
 * The counter that attaching a new header to @seg's data raises (what
 * rte_pktmbuf_attach() increments): the external memory's, or the refcnt of
 * the segment that owns the data (@seg itself when it is direct).
 */
static inline uint16_t
buf_data_refcnt(const struct rte_mbuf *seg)
{
	if (RTE_MBUF_HAS_EXTBUF(seg)) {
		return rte_mbuf_ext_refcnt_read(seg->shinfo);
	}
	/* rte_mbuf_from_indirect() of a direct segment is the segment. */
	return rte_mbuf_refcnt_read(
		rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)seg));
}

/* nbkit's ownership word of @m (NULL before the first nb_pool_create()
 * registered it). */
static inline uint64_t *
buf_owner_word(struct rte_mbuf *m)
{
	const int off = nb_pool__owner_off;

	return likely(off >= 0) ? RTE_MBUF_DYNFIELD(m, off, uint64_t *) : NULL;
}

/*
 * Copy the packet metadata of @src (offload flags, port, VLAN, hash,
 * packet type, dynamic fields) to @dst, as rte_pktmbuf_copy() does; @dst
 * keeps its own attach flags (indirect, external).
 */
static inline void
buf_copy_meta(struct rte_mbuf *dst, const struct rte_mbuf *src)
{
	const uint64_t attach = RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	uint64_t *w = buf_owner_word(dst), own = w != NULL ? *w : 0;

	dst->ol_flags = (dst->ol_flags & attach) | (src->ol_flags & ~attach);
	__rte_pktmbuf_copy_hdr(dst, src);	/* copies src's word too */
	if (likely(w != NULL)) {
		*w = own;
	}
}

/*
 * rte_pktmbuf_attach(@mi, @m), keeping @mi's own ownership word: DPDK copies
 * all dynamic fields of the data owner into the header (state, home and tag
 * of the owner), and a header carrying another buffer's word makes its own
 * later frees unverifiable (a double free of it would go uncounted). One
 * load and one store per attach, nothing per free.
 */
static inline void
buf_attach(struct rte_mbuf *mi, struct rte_mbuf *m)
{
	uint64_t *w = buf_owner_word(mi), own = w != NULL ? *w : 0;

	rte_pktmbuf_attach(mi, m);
	if (likely(w != NULL)) {
		*w = own;
	}
}

/*
 * Segment holding byte @off of a packet (off < pkt_len), with in *soff the
 * byte's offset inside it; NULL when the chain is shorter than its pkt_len
 * says.
 */
static inline struct rte_mbuf *
buf_seg_at(const struct rte_mbuf *m, uint32_t off, uint32_t *soff)
{
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	*soff = off;
	return (struct rte_mbuf *)(uintptr_t)m;
}

/* Last segment of a chain. */
static inline struct rte_mbuf *
buf_last(struct rte_mbuf *m)
{
	while (m->next != NULL) {
		m = m->next;
	}
	return m;
}

#endif /* BUF_INTERNAL_H */
