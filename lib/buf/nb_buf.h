/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nbkit buffers: one API for everything a protocol stack, a driver or an
 * app does to a packet, over `struct rte_mbuf` so every DPDK call works on
 * the same buffers with no conversion.
 *
 * A packet is a chain of segments (m->next); the first segment's pkt_len
 * and nb_segs describe the whole chain. Invariant, checked by
 * nb_buf_check():
 *
 *     pkt_len == sum of data_len over the chain, nb_segs == chain length.
 *
 * References. Every segment has a reference count (m->refcnt). A segment
 * may be *direct* (its own data), *indirect* (a header attached to another
 * segment's data by nb_buf_clone(); the data's owner counts the clone) or
 * *external* (attached to memory nbkit does not own, nb_buf_attach_ext(),
 * with a shared counter and a free callback). Data is *shared* when more
 * than one reference can reach it: write only after nb_buf_make_writable().
 *
 * Chains and references. nb_buf_ref() gives another reference to the *same*
 * packet: its segments and their links. While a packet is held twice, do
 * not change its structure (cat, split, dechain, trim or pull across
 * segments): both holders would see it. When two packets must evolve
 * independently use nb_buf_clone() (and nb_buf_chain(), which appends
 * clone headers): clones have headers and links of their own.
 *
 * Ownership, in the spirit of lwIP's pbuf.c, is written on every function:
 * "takes" means the callee owns the reference afterwards, "the caller must
 * free" means a new reference is returned. On failure, unless a function
 * says otherwise, the packet is left exactly as it was and nothing leaks.
 *
 * Errors: functions returning int return 0 (or a count) or a negative errno;
 * functions returning a pointer return NULL with rte_errno set. NULL
 * packets and offsets or lengths past the end are errors (EINVAL), never
 * crashes. The same causes give the same errno everywhere:
 *   - EINVAL   a NULL packet or pool, a range past the end;
 *   - ENOBUFS  a pool is short (nothing is taken);
 *   - ENOSPC   the bytes do not fit the room there is (head or tail room,
 *              one segment);
 *   - EPERM    a write where the bytes are not writable (see below);
 *   - EOVERFLOW a 16-bit counter of the mbuf would overflow: a reference
 *              count at UINT16_MAX, or more than RTE_MBUF_MAX_NB_SEGS
 *              segments in one packet. One errno for the segment limit
 *              everywhere, the one DPDK's rte_pktmbuf_chain() uses; the
 *              remedy is the same for both (fewer references or segments:
 *              nb_buf_copy() / nb_buf_linearize()).
 *
 * Edges, one rule for every function. A range is [off, off + len) with
 * off + len <= pkt_len. A request of 0 bytes succeeds wherever its result
 * is meaningful, and is then the natural empty case: nb_buf_pullup(0),
 * nb_buf_copy() of 0 bytes (an empty packet), nb_buf_memfind() of an empty
 * needle (found at start), copy_in/copy_out/memcmp of 0 bytes at any
 * off <= pkt_len, push/put/pull/trim of 0, and nb_buf_split() at 0 or at
 * pkt_len (one side empty, as BSD's m_split and Linux's skb_split allow).
 * Zero-length requests where nothing is meaningful are EINVAL:
 * nb_buf_attach_ext() of 0 bytes, nb_buf_seek()/get/put_u8 at pkt_len.
 *
 * Writable bytes. A segment may be written in place only when its data
 * buffer is reachable through this packet alone: its header is held once
 * (refcnt 1), it is not a clone of data another reference holds, and it is
 * not external memory held twice or attached read-only (NB_BUF_EXT_RO).
 * The bytes a write touches decide which segments must be writable, also
 * when a segment holds no data: nb_buf_push() writes into the headroom of
 * the FIRST segment, nb_buf_put() and a growing nb_buf_copy_in() into the
 * tailroom of the LAST segment (and a growing copy_in links new segments
 * after it), copy_in/put_u8 into the segments holding the range's bytes.
 * So the *write zone* of a range [off, off + len) is: every segment holding
 * one of its bytes, plus the first segment when off == 0 and the last one
 * when off + len == pkt_len. nb_buf_is_shared() and nb_buf_make_writable()
 * work on that zone, so after nb_buf_make_writable(&m, p, 0, 0) a push,
 * and after nb_buf_make_writable(&m, p, pkt_len, 0) a put, write only
 * private bytes. Writes to bytes that are not writable are refused (EPERM).
 *
 * Pools for new segments. A call that needs new data segments (pullup,
 * linearize, a growing copy_in, make_writable, copy) takes them from the
 * pool argument @p when it is given, else (p NULL, where allowed) from the
 * pool of the *data owner* of the segment concerned: the segment's own pool
 * when it is direct, the direct segment's pool for a clone. External memory
 * has no data pool (nb_buf_attach_ext()'s header pool holds headers only):
 * give a pool. Clone headers (split, chain, clone) come from the pool
 * argument or, where none is taken, the header's pool.
 *
 * Debug builds (-Dnb_debug=true): freed buffers are poisoned (0x6b); every
 * nbkit call checks the ownership state of the buffer it is given (in
 * accounted pools, where it is certain), so a use after free is logged
 * where it happens (and the inline head/tail calls refuse it with EINVAL);
 * a double free is logged with the call site of the buffer's last
 * allocation.
 */
#ifndef NB_BUF_H
#define NB_BUF_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_io.h>
#include <rte_mbuf.h>

#include "nb_common.h"
#include "nb_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * What the caller will write first, and so the headroom the headers below
 * it need (like lwIP's pbuf_layer). Sizes: link = Ethernet + one VLAN tag
 * (18), IP = IPv6 without options (40, IPv4 needs less), transport = TCP with
 * the largest options (60, UDP needs less).
 */
enum nb_layer {
	NB_LAYER_TRANSPORT,	/**< payload: room for TCP/UDP, IP and link headers */
	NB_LAYER_IP,		/**< transport header: room for IP and link headers */
	NB_LAYER_LINK,		/**< IP packet: room for the link header */
	NB_LAYER_RAW,		/**< whole frame: no headroom */
};

/** Headroom of each layer, bytes. */
#define NB_LAYER_LINK_HEADROOM 18u
/** Headroom of NB_LAYER_IP. */
#define NB_LAYER_IP_HEADROOM (NB_LAYER_LINK_HEADROOM + 40u)
/** Headroom of NB_LAYER_TRANSPORT. */
#define NB_LAYER_TRANSPORT_HEADROOM (NB_LAYER_IP_HEADROOM + 60u)

/**
 * Headroom reserved for a layer.
 *
 * @param layer
 *   The layer.
 * @return
 *   Bytes of headroom, or 0 for NB_LAYER_RAW or an unknown layer.
 */
static inline uint16_t
nb_layer_headroom(enum nb_layer layer)
{
	switch (layer) {
	case NB_LAYER_TRANSPORT:
		return NB_LAYER_TRANSPORT_HEADROOM;
	case NB_LAYER_IP:
		return NB_LAYER_IP_HEADROOM;
	case NB_LAYER_LINK:
		return NB_LAYER_LINK_HEADROOM;
	default:
		return 0;
	}
}

/** @internal Set rte_errno and return NULL (kept out of the inline paths). */
void *nb_buf__fail(int err);

/**
 * @internal Debug builds: is @p m a buffer certainly free (an accounted
 * pool's ownership state says free)? Logs the use after free with the
 * calling function when it is. In fast mode and with DPDK's backends the
 * state cannot tell (DPDK's raw allocations do not write it): false.
 */
bool nb_buf__freed_use(const struct rte_mbuf *m, const char *func);

/** @internal In debug builds, catch a use after free of @p m (else false). */
#define NB_BUF__DEBUG_USE(m) \
	(NB_DEBUG && (m) != NULL && nb_buf__freed_use((m), __func__))

/* ---- allocation and lifetime ------------------------------------------ */

/** @internal Allocate a chain (slow path of nb_buf_alloc()). */
struct rte_mbuf *nb_buf__alloc_chain(struct nb_pool *p, uint16_t headroom,
				     uint32_t len);

/**
 * Allocate a packet of @p len bytes of data (not initialised) with the
 * headroom of @p layer; a chain of segments of @p p when len does not fit
 * one segment (the first keeps the headroom, the others have none).
 * The caller must free the packet (nb_buf_free() or any DPDK free).
 *
 * @param p
 *   Pool to allocate from.
 * @param layer
 *   Layer whose headroom to reserve.
 * @param len
 *   Bytes of data (0 allowed).
 * @return
 *   The packet, or NULL with rte_errno: EINVAL (NULL pool, unknown layer,
 *   headroom larger than a segment), EOVERFLOW (more than
 *   RTE_MBUF_MAX_NB_SEGS segments), ENOBUFS (the pool is short; nothing
 *   is taken).
 */
static inline struct rte_mbuf *
nb_buf_alloc(struct nb_pool *p, enum nb_layer layer, uint32_t len)
{
	uint16_t head = nb_layer_headroom(layer);
	struct rte_mbuf *m;

	if (unlikely(p == NULL || (unsigned int)layer > NB_LAYER_RAW)) {
		rte_errno = EINVAL;
		return NULL;
	}
	m = nb_pool__alloc(p, NULL, 0);
	if (unlikely(m == NULL)) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	if (likely((uint32_t)head + len <= m->buf_len)) {
		m->data_off = head;
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		return m;
	}
	rte_pktmbuf_free(m);
	return nb_buf__alloc_chain(p, head, len);
}

/**
 * Allocate a packet from a pool set: the smallest class whose segment holds
 * the layer's headroom plus @p len, else a chain of the largest class.
 * The caller must free the packet.
 *
 * @param set
 *   The pool set.
 * @param layer
 *   Layer whose headroom to reserve.
 * @param len
 *   Bytes of data.
 * @return
 *   The packet, or NULL with rte_errno as nb_buf_alloc().
 */
struct rte_mbuf *nb_buf_alloc_set(struct nb_poolset *set, enum nb_layer layer,
				  uint32_t len);

/**
 * Allocate @p n packets of @p len bytes each, all or nothing.
 * The caller must free every packet.
 *
 * @param p
 *   Pool to allocate from.
 * @param layer
 *   Layer whose headroom to reserve.
 * @param len
 *   Bytes of data per packet.
 * @param pkts
 *   Array of at least n pointers, filled on success.
 * @param n
 *   Number of packets.
 * @return
 *   0, or -EINVAL (bad arguments), -EOVERFLOW (segment limit), -ENOBUFS
 *   (nothing is taken).
 */
int nb_buf_alloc_bulk(struct nb_pool *p, enum nb_layer layer, uint32_t len,
		      struct rte_mbuf **pkts, unsigned int n);

/** @internal Slow path of nb_buf_free(). */
unsigned int nb_buf__free_chain(struct rte_mbuf *m);

/** @internal A free nbkit detected as invalid (double free): count it. */
void nb_buf__bad_free(struct rte_mbuf *m);

/**
 * @internal Fast-mode free of a segment whose ownership word is @p o: the
 * state byte set to free, or, when it already says free, an unverified free
 * (which rewrites the word). nbkit's attach and metadata copies keep each
 * header's own word (buf_attach()), so the word is this buffer's.
 */
static inline void
nb_buf__release_fast(struct rte_mbuf *m, struct nb_buf_owner *o,
		     struct nb_pool *pool)
{
	if (unlikely(o->state != NB_BUF_STATE_ALLOCATED)) {
		nb_pool__unverified_free(pool, m);
	} else {
		o->state = NB_BUF_STATE_FREE;
	}
}

/**
 * @internal Prepare a direct segment that goes back to its pool (nbkit
 * pools). Accounted mode: a segment whose own ownership word (not one
 * DPDK copied from another buffer) does not say "allocated" is already
 * free: refused (false), the caller counts it as a double free; the
 * driver's atomic exchange catches two concurrent frees.
 * Fast mode, DPDK backends: the state is set to free; a segment it already
 * says free for is counted as an unverified free (a double free, or a
 * buffer DPDK's raw allocation handed out: cannot tell) and still goes
 * back (true): never a leak. nbkit frees of DPDK-backend pools are counted.
 */
static inline bool
nb_buf__release_seg_v(struct rte_mbuf *m, const struct nb_mempool_priv *v)
{
	struct nb_buf_owner *o;

	if (v == NULL) {
		return true;
	}
	o = RTE_MBUF_DYNFIELD(m, v->owner_off, struct nb_buf_owner *);
	if (!v->track) {
		/* Free already, unless the word was copied from another
		 * buffer (DPDK's attach/copy): then it says nothing. */
		return __atomic_load_n(&o->state, __ATOMIC_RELAXED) ==
		       NB_BUF_STATE_ALLOCATED ||
		       o->tag != nb_buf_owner_tag(m);
	}
	nb_buf__release_fast(m, o, v->pool);
	if (unlikely(v->count)) {
		nb_pool__count_free(v->pool, 1);
	}
	return true;
}

/** @internal nb_buf__release_seg_v() for any segment. */
static inline bool
nb_buf__release_seg(struct rte_mbuf *m)
{
	return nb_buf__release_seg_v(m, nb_mempool_priv_of(m));
}

/**
 * Drop one reference to every segment of a packet; segments whose last
 * reference goes return to their pool (an indirect segment's last
 * reference also drops one on the data's owner; an external segment's last
 * reference runs the free callback of its memory once). Like lwIP's
 * pbuf_free(), says how much was freed:
 *
 *     m = nb_buf_alloc(p, NB_LAYER_RAW, 100);   1 segment, refcnt 1
 *     c = nb_buf_clone(m, p);                   m's data refcnt 2
 *     nb_buf_free(m)  -> 0   (the data is still held by c)
 *     nb_buf_free(c)  -> 2   (c's header and m's segment)
 *
 * Double frees (nbkit pools; see nb_pool.h for what each mode guarantees):
 * - accounted mode: a segment found already free is counted in the pool's
 *   double_frees, not returned, and counts 0 in the return value; when two
 *   threads free one segment at once, the driver's atomic exchange keeps
 *   exactly one (both calls may then count it, the pool holds it once);
 * - fast mode and DPDK's backends: DPDK's raw allocation paths (PMD
 *   receive, rte_mbuf_raw_alloc(), rte_mempool_get()) do not write nbkit's
 *   ownership state, so a segment found "free" may be a double free or
 *   such a buffer: it is counted in unverified_frees (advisory, logged
 *   rate-limited) and returned all the same (never a leak). A double free
 *   that got in shows in the statistics (excess) and nb_pool_audit().
 *
 * @param m
 *   The packet; NULL is a no-op. It must not be used afterwards.
 * @return
 *   Number of segments (headers and data buffers) that went back to a pool.
 */
static inline unsigned int
nb_buf_free(struct rte_mbuf *m)
{
	if (unlikely(m == NULL)) {
		return 0;
	}
	/* One direct segment that we hold alone: the common case. */
	if (likely(m->next == NULL && RTE_MBUF_DIRECT(m) &&
		   rte_mbuf_refcnt_read(m) == 1)) {
		if (unlikely(!nb_buf__release_seg(m))) {
			nb_buf__bad_free(m);
			return 0;
		}
		m->nb_segs = 1;
#if NB_DEBUG
		memset(m->buf_addr, 0x6b, m->buf_len);
#endif
		rte_mbuf_raw_free(m);
		return 1;
	}
	return nb_buf__free_chain(m);
}

/**
 * Free several packets; NULL entries are skipped. Single-segment packets
 * held alone go back to their pool in bursts (one rte_mempool_put_bulk()
 * per run of one pool), as rte_pktmbuf_free_bulk() does.
 *
 * @param pkts
 *   The packets.
 * @param n
 *   Number of entries.
 * @return
 *   Total segments that went back to a pool.
 */
unsigned int nb_buf_free_bulk(struct rte_mbuf **pkts, unsigned int n);

/**
 * Take one more reference to every segment of a packet (the caller then
 * holds one more reference and must free it once more). A count at
 * UINT16_MAX is refused, never wrapped.
 *
 * @param m
 *   The packet.
 * @return
 *   0, -EINVAL (NULL), -EOVERFLOW (a segment's count is at its maximum;
 *   no count changed).
 */
int nb_buf_ref(struct rte_mbuf *m);

/**
 * Reference count of a packet's first segment.
 *
 * @param m
 *   The packet.
 * @return
 *   Its reference count (0 for NULL).
 */
static inline uint16_t
nb_buf_refcnt(const struct rte_mbuf *m)
{
	return m != NULL ? rte_mbuf_refcnt_read(m) : 0;
}

/* ---- head and tail ----------------------------------------------------- */

/**
 * Length of the whole packet.
 *
 * @param m
 *   The packet.
 * @return
 *   pkt_len (0 for NULL).
 */
static inline uint32_t
nb_buf_len(const struct rte_mbuf *m)
{
	return m != NULL ? m->pkt_len : 0;
}

/**
 * Number of segments in a packet.
 *
 * @param m
 *   The packet.
 * @return
 *   nb_segs (0 for NULL).
 */
static inline uint16_t
nb_buf_seg_count(const struct rte_mbuf *m)
{
	return m != NULL ? m->nb_segs : 0;
}

/**
 * Bytes free in front of the data of the first segment.
 *
 * @param m
 *   The packet.
 * @return
 *   The headroom (0 for NULL).
 */
static inline uint16_t
nb_buf_headroom(const struct rte_mbuf *m)
{
	return m != NULL ? m->data_off : 0;
}

/**
 * Bytes free after the data of the last segment.
 *
 * @param m
 *   The packet.
 * @return
 *   The tailroom (0 for NULL).
 */
static inline uint16_t
nb_buf_tailroom(const struct rte_mbuf *m)
{
	if (m == NULL) {
		return 0;
	}
	return rte_pktmbuf_tailroom(rte_pktmbuf_lastseg((struct rte_mbuf *)(uintptr_t)m));
}

/**
 * @internal Is @p seg's data writable in place, by the fields a push or put
 * already has in cache (refcnt 1, direct)? A false answer only sends the
 * call to its out-of-line path, which decides with the whole rule.
 */
static inline bool
nb_buf__seg_private_fast(const struct rte_mbuf *seg)
{
	return rte_mbuf_refcnt_read(seg) == 1 &&
	       (seg->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)) == 0;
}

/** @internal Slow path of nb_buf_push(): errors, clones, external memory. */
void *nb_buf__push_slow(struct rte_mbuf *m, uint16_t len);

/**
 * Prepend @p len bytes (a header) in the first segment's headroom. The
 * caller writes the header through the returned pointer. The headroom of
 * the first segment must be writable (see "Writable bytes" above: also
 * when that segment holds no data); nb_buf_make_writable(&m, p, 0, 0)
 * makes it so.
 *
 * @param m
 *   The packet.
 * @param len
 *   Bytes to prepend (0: nothing written, the first byte's address).
 * @return
 *   Pointer to the new first byte, or NULL with rte_errno EINVAL (NULL m),
 *   ENOSPC (not enough headroom) or EPERM (the first segment's data is
 *   shared or read-only); the packet is unchanged then.
 */
static inline void *
nb_buf_push(struct rte_mbuf *m, uint16_t len)
{
	uint16_t off;

	if (unlikely(m == NULL) || NB_BUF__DEBUG_USE(m)) {
		return nb_buf__fail(EINVAL);
	}
	off = m->data_off;
	if (unlikely(len > off || !nb_buf__seg_private_fast(m))) {
		return nb_buf__push_slow(m, len);
	}
	off = (uint16_t)(off - len);
	m->data_off = off;
	m->data_len = (uint16_t)(m->data_len + len);
	m->pkt_len += len;
	return (char *)m->buf_addr + off;
}

/** @internal Slow path of nb_buf_pull(): checks, and across segments. */
void *nb_buf__pull_chain(struct rte_mbuf *m, uint32_t len);

/**
 * Remove @p len bytes from the front of a packet (a header consumed).
 * Across segments: segments emptied after the first are freed (the first
 * segment stays, as the packet's head, possibly with data_len 0).
 *
 * @param m
 *   The packet.
 * @param len
 *   Bytes to remove, at most the packet length.
 * @return
 *   Pointer to the new first byte of data (in the first segment that has
 *   data, or the end of the first segment's data when the packet is now
 *   empty), or NULL with rte_errno EINVAL (NULL m, len > pkt_len); the
 *   packet is unchanged then.
 */
static inline void *
nb_buf_pull(struct rte_mbuf *m, uint32_t len)
{
	uint16_t off, dlen;

	if (unlikely(m == NULL) || NB_BUF__DEBUG_USE(m)) {
		return nb_buf__fail(EINVAL);
	}
	/* Within the first segment, leaving data in it: the common case.
	 * Everything else (emptying it, crossing, errors) is out of line.
	 * Both fields are read first, so a push just before is forwarded
	 * in registers rather than through memory. */
	off = m->data_off;
	dlen = m->data_len;
	if (likely(len < dlen)) {
		off = (uint16_t)(off + len);
		m->data_off = off;
		m->data_len = (uint16_t)(dlen - len);
		m->pkt_len -= len;
		return (char *)m->buf_addr + off;
	}
	return nb_buf__pull_chain(m, len);
}

/** @internal Slow path of nb_buf_put(): errors, clones, external memory. */
void *nb_buf__put_slow(struct rte_mbuf *m, struct rte_mbuf *last,
		       uint16_t len);

/**
 * Append @p len bytes at the tail of the last segment. The caller writes
 * them through the returned pointer. The tailroom of the last segment must
 * be writable (see "Writable bytes" above: also when that segment holds no
 * data); nb_buf_make_writable(&m, p, nb_buf_len(m), 0) makes it so.
 *
 * @param m
 *   The packet.
 * @param len
 *   Bytes to append (0: nothing written, the end's address).
 * @return
 *   Pointer to the first appended byte, or NULL with rte_errno EINVAL (NULL
 *   m), ENOSPC (not enough tailroom in the last segment) or EPERM (the last
 *   segment's data is shared or read-only); the packet is unchanged then.
 */
static inline void *
nb_buf_put(struct rte_mbuf *m, uint16_t len)
{
	struct rte_mbuf *last;
	uint16_t end;

	if (unlikely(m == NULL) || NB_BUF__DEBUG_USE(m)) {
		return nb_buf__fail(EINVAL);
	}
	last = m->next == NULL ? m : rte_pktmbuf_lastseg(m);
	end = (uint16_t)(last->data_off + last->data_len);
	if (unlikely(len > (uint16_t)(last->buf_len - end) ||
		     !nb_buf__seg_private_fast(last))) {
		return nb_buf__put_slow(m, last, len);
	}
	last->data_len = (uint16_t)(last->data_len + len);
	m->pkt_len += len;
	return (char *)last->buf_addr + end;
}

/** @internal Slow path of nb_buf_trim(): across segments. */
int nb_buf__trim_chain(struct rte_mbuf *m, uint32_t len);

/**
 * Remove @p len bytes from the end of a packet, across segments; segments
 * emptied after the first are freed.
 *
 * @param m
 *   The packet.
 * @param len
 *   Bytes to remove, at most the packet length.
 * @return
 *   0, or -EINVAL (NULL m, len > pkt_len; unchanged).
 */
static inline int
nb_buf_trim(struct rte_mbuf *m, uint32_t len)
{
	if (unlikely(m == NULL || len > m->pkt_len) || NB_BUF__DEBUG_USE(m)) {
		return -EINVAL;
	}
	if (likely(m->next == NULL)) {
		m->data_len = (uint16_t)(m->data_len - len);
		m->pkt_len -= len;
		return 0;
	}
	return nb_buf__trim_chain(m, len);
}

/**
 * Shrink a packet to @p new_len bytes (lwIP's pbuf_realloc): trims the end.
 *
 * @param m
 *   The packet.
 * @param new_len
 *   New length, at most the current one.
 * @return
 *   0, or -EINVAL (NULL m; new_len larger than the packet: use put or
 *   nb_buf_copy_in() to grow).
 */
int nb_buf_resize(struct rte_mbuf *m, uint32_t new_len);

/* ---- chains ------------------------------------------------------------ */

/**
 * Append packet @p tail to packet @p head. Takes the caller's reference to
 * tail: the caller must not free tail afterwards (freeing head frees both).
 *
 * @param head
 *   The packet to extend.
 * @param tail
 *   The packet to append; owned by head on success.
 * @return
 *   0, or -EINVAL (NULL, head == tail), -EOVERFLOW (more than
 *   RTE_MBUF_MAX_NB_SEGS segments); on failure the caller still owns tail.
 */
int nb_buf_cat(struct rte_mbuf *head, struct rte_mbuf *tail);

/**
 * Append @p tail to @p head and keep the caller's reference to tail (lwIP's
 * pbuf_chain): head gets clone headers of tail's segments (taken from
 * tail's pool), so the data is shared and referenced but the links are
 * not; later changes to head's structure never touch tail. The caller must
 * still free tail.
 *
 * @param head
 *   The packet to extend.
 * @param tail
 *   The packet to append.
 * @return
 *   0, or as nb_buf_cat(), -EOVERFLOW for a reference count at its
 *   maximum, -ENOBUFS (no headers); unchanged on failure.
 */
int nb_buf_chain(struct rte_mbuf *head, struct rte_mbuf *tail);

/**
 * Detach the first segment of a packet: @p m becomes a one-segment packet
 * and the rest is returned as a packet of its own (pkt_len and nb_segs set,
 * and m's packet metadata copied to it, as nb_buf_split() does).
 * The caller owns both.
 *
 * @param m
 *   The packet.
 * @return
 *   The rest, or NULL when m has one segment (rte_errno ENOENT) or is NULL
 *   or corrupted (EINVAL).
 */
struct rte_mbuf *nb_buf_dechain(struct rte_mbuf *m);

/**
 * Split a packet at byte @p off: @p m keeps [0, off), the returned packet
 * holds [off, len) and carries m's packet metadata (offload flags, VLAN,
 * hash, packet type, dynamic fields; the same as nb_buf_dechain()).
 * Zero-copy: at a segment boundary the chain is cut; in the middle of a
 * segment (and at 0, where m keeps its first segment, emptied) a clone
 * header from @p (indirect, sharing the data) carries the second part; at
 * pkt_len the returned packet is one empty segment from @p. The caller owns
 * both packets. A segment cut in its middle is *shared* by the two halves
 * afterwards (nb_buf_is_shared() says so, and writes are refused) until one
 * half is freed or made writable (nb_buf_make_writable()).
 *
 * @param m
 *   The packet.
 * @param off
 *   Split point, 0 <= off <= pkt_len.
 * @param p
 *   Pool for the clone header or the empty packet, when one is needed
 *   (may be NULL when off falls on a boundary between two segments).
 * @return
 *   The second part, or NULL with rte_errno EINVAL (NULL m, off > pkt_len,
 *   a header needed and p NULL), EOVERFLOW (the data's reference count at
 *   its maximum) or ENOBUFS (no header); m is unchanged then.
 */
struct rte_mbuf *nb_buf_split(struct rte_mbuf *m, uint32_t off,
			      struct nb_pool *p);

/**
 * Make the first @p len bytes contiguous in the first segment (BSD's
 * m_pullup), so a header can be read through one pointer. Bytes move from
 * the following segments (emptied ones are freed); when the first segment
 * is not writable or has no room, a new first segment is taken (see "Pools
 * for new segments": @p p, or the first segment's data owner's pool). A
 * segment consumed in part whose header another packet holds is replaced
 * by a clone header (from the same pool). *m may change.
 *
 * @param m
 *   In: the packet; out: the packet, possibly with a new first segment.
 * @param len
 *   Bytes wanted contiguous, 0..pkt_len (0: nothing to do).
 * @param p
 *   Pool for new segments, or NULL for the data owner's pool.
 * @return
 *   0, or -EINVAL (NULL, len > pkt_len), -ENOSPC (len larger than one
 *   segment of the pool), -ENOBUFS (the pool is short, or p NULL and the
 *   first segment is external memory), -EOVERFLOW (the data count of the
 *   segment consumed in part is at its maximum); *m and the packet are
 *   unchanged on failure.
 */
int nb_buf_pullup(struct rte_mbuf **m, uint32_t len, struct nb_pool *p);

/**
 * Gather a whole packet into one segment (in place when the first segment
 * is writable and has room, else into a new segment: see "Pools for new
 * segments"). *m may change.
 *
 * @param m
 *   In: the packet; out: the one-segment packet.
 * @param p
 *   Pool for the new segment, or NULL for the data owner's pool.
 * @return
 *   0, or -EINVAL (NULL), -ENOSPC (the packet does not fit one segment),
 *   -ENOBUFS (the pool is short, or p NULL and the first segment is
 *   external memory); unchanged on failure.
 */
int nb_buf_linearize(struct rte_mbuf **m, struct nb_pool *p);

/**
 * Find the segment that holds byte @p off of a packet.
 *
 * @param m
 *   The packet.
 * @param off
 *   Byte offset, < pkt_len.
 * @param seg_off
 *   Set to the offset of that byte inside the segment's data; may be NULL.
 * @return
 *   The segment, or NULL with rte_errno EINVAL (NULL m, off >= pkt_len).
 */
struct rte_mbuf *nb_buf_seek(const struct rte_mbuf *m, uint32_t off,
			     uint32_t *seg_off);

/* ---- data access ------------------------------------------------------- */

/**
 * Copy @p len bytes at @p off out of a packet (lwIP's pbuf_copy_partial).
 *
 * @return
 *   0, or -EINVAL (NULL, range past the end).
 */
int nb_buf_copy_out(const struct rte_mbuf *m, uint32_t off, void *dst,
		    uint32_t len);

/**
 * Write @p len bytes at @p off into a packet, across segments (BSD's
 * m_copyback, lwIP's pbuf_take_at). When off + len passes the end the
 * packet grows: the last segment's tailroom first (when it is writable),
 * then new segments (see "Pools for new segments": @p p, or the last
 * segment's data owner's pool) linked after the last segment. Every byte
 * written must be writable (nb_buf_make_writable(&m, p, off, len) first).
 * Another packet's chain is never relinked: when the last header (and the
 * ones before it) may be held by another packet (refcnt above 1), they are
 * replaced in this packet by clone headers of the same data before the
 * new segments are linked.
 *
 * @param m
 *   The packet.
 * @param off
 *   Where to write, at most pkt_len.
 * @param src
 *   Bytes to write.
 * @param len
 *   Count.
 * @param p
 *   Pool for new segments, or NULL for the data owner's pool.
 * @return
 *   0, or -EINVAL (NULL, off > pkt_len), -EPERM (a byte to write is not
 *   writable), -ENOBUFS (could not grow: pool short, or p NULL and the
 *   last segment is external memory), -EOVERFLOW (segment limit, pkt_len
 *   past UINT32_MAX, or a data count at its maximum); the packet is
 *   unchanged on failure.
 */
int nb_buf_copy_in(struct rte_mbuf *m, uint32_t off, const void *src,
		   uint32_t len, struct nb_pool *p);

/**
 * Read one byte.
 *
 * @return
 *   The byte (0..255), or -EINVAL (NULL, off >= pkt_len).
 */
int nb_buf_get_u8(const struct rte_mbuf *m, uint32_t off);

/**
 * Write one byte (it must be writable: see "Writable bytes").
 *
 * @return
 *   0, or -EINVAL (NULL, off >= pkt_len), -EPERM (shared or read-only).
 */
int nb_buf_put_u8(struct rte_mbuf *m, uint32_t off, uint8_t v);

/**
 * Compare @p len bytes at @p off with @p s (lwIP's pbuf_memcmp).
 *
 * @return
 *   0 when equal, 1 + the index of the first differing byte otherwise, or
 *   -EINVAL (NULL, range past the end).
 */
int nb_buf_memcmp(const struct rte_mbuf *m, uint32_t off, const void *s,
		  uint32_t len);

/**
 * Find the first occurrence of @p s (len bytes) at or after @p start, also
 * across segment boundaries (lwIP's pbuf_memfind).
 *
 * @return
 *   Its offset (>= 0; an empty needle is found at @p start when
 *   start <= pkt_len), -ENOENT (not there), -EINVAL (NULL m, NULL s with
 *   len > 0).
 */
int32_t nb_buf_memfind(const struct rte_mbuf *m, const void *s, uint32_t len,
		       uint32_t start);

/**
 * Read @p len bytes at @p off: a pointer into the packet when they are
 * contiguous in one segment, else a copy in @p buf (Linux's
 * skb_header_pointer, DPDK's rte_pktmbuf_read).
 *
 * @param m
 *   The packet.
 * @param off
 *   Offset.
 * @param len
 *   Bytes wanted.
 * @param buf
 *   At least len bytes, used when the bytes straddle segments.
 * @return
 *   Pointer to the bytes (read-only), or NULL (NULL m, range past the end;
 *   rte_errno EINVAL).
 */
static inline const void *
nb_buf_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	const void *p;

	if (unlikely(m == NULL || (uint64_t)off + len > m->pkt_len) ||
	    NB_BUF__DEBUG_USE(m)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (likely((uint64_t)off + len <= m->data_len)) {
		return rte_pktmbuf_mtod_offset(m, const char *, off);
	}
	if (unlikely(len == 0)) {
		/* Nothing to read (e.g. at the very end of a chain, where DPDK's
		 * rte_pktmbuf_read would walk past the last segment). */
		return rte_pktmbuf_mtod(m, const void *);
	}
	p = rte_pktmbuf_read(m, off, len, buf);
	if (p == NULL) {
		rte_errno = EINVAL;
	}
	return p;
}

/* ---- zero-copy sharing --------------------------------------------------- */

/**
 * Clone a packet: a new chain of indirect headers from @p p attached to the
 * same data (no byte copied); the data is shared afterwards. The caller must
 * free the clone.
 *
 * @return
 *   The clone, or NULL with rte_errno EINVAL (NULL), ENOBUFS, EOVERFLOW (a
 *   data reference count at its maximum, or more than
 *   RTE_MBUF_MAX_NB_SEGS segments); m is unchanged on failure.
 */
struct rte_mbuf *nb_buf_clone(struct rte_mbuf *m, struct nb_pool *p);

/** Free callback of external memory: runs once, when its last reference goes. */
typedef void (*nb_buf_ext_free_cb)(void *va, void *opaque);

/** nb_buf_attach_ext() flag: the memory is read-only (lwIP's PBUF_ROM). */
#define NB_BUF_EXT_RO 0x1u

/**
 * A packet whose data is external memory nbkit does not own: headers from
 * @p hdr_pool attached to [va, va + len), one per 64 KiB - 1 window.
 * Like lwIP's pbufs, two kinds: with NB_BUF_EXT_RO the memory is read-only
 * (PBUF_ROM: every write through nbkit is refused with EPERM,
 * nb_buf_is_shared() says true and nb_buf_make_writable() copies it);
 * without it (PBUF_REF) the memory may be written while this packet is its
 * only reference. @p free_cb(va, opaque) runs exactly once, when the last
 * reference to the memory goes (on whichever core drops it). The caller
 * must free the packet; the memory must stay valid until free_cb runs.
 *
 * @param hdr_pool
 *   Pool for the headers (any nbkit pool; their own data room is unused).
 * @param va
 *   External memory.
 * @param iova
 *   Its IO address, or RTE_BAD_IOVA (then nb_buf_sgl() refuses the packet).
 * @param len
 *   Bytes, > 0.
 * @param free_cb
 *   Callback, may be NULL (nothing to do at the end).
 * @param opaque
 *   Passed to free_cb.
 * @param flags
 *   0 or NB_BUF_EXT_RO.
 * @return
 *   The packet, or NULL with rte_errno EINVAL (NULL pool or va, len 0,
 *   unknown flag), EOVERFLOW (more than RTE_MBUF_MAX_NB_SEGS windows),
 *   ENOBUFS (no headers, or no shared-info records: at least 16383 windows
 *   can be attached at once, whichever lcores free them); free_cb is not
 *   called on failure.
 */
struct rte_mbuf *nb_buf_attach_ext(struct nb_pool *hdr_pool, void *va,
				   rte_iova_t iova, uint32_t len,
				   nb_buf_ext_free_cb free_cb, void *opaque,
				   uint32_t flags);

/**
 * May another reference reach a byte a write to [off, off + len) touches?
 * Looks at the range's write zone (see "Writable bytes": the segments
 * holding its bytes, the first segment when off is 0, the last when the
 * range ends at pkt_len; so len 0 asks about a push at 0 or a put at
 * pkt_len).
 *
 * @return
 *   false when every segment of the zone is writable; true when one is
 *   shared (refcnt above 1, a clone of data others hold, external memory
 *   with more than one reference) or read-only external memory, and for
 *   bad arguments (NULL m, a range past the end): never "not shared" for
 *   something it could not check.
 */
bool nb_buf_is_shared(const struct rte_mbuf *m, uint32_t off, uint32_t len);

/**
 * Copy-on-write of a range: every segment of the range's write zone (see
 * "Writable bytes"; also an empty first or last segment, whose head or
 * tail room a push or put writes) that is not writable is replaced by a
 * private copy from @p (same data_off, so the same head room; several
 * buffers chained when the segment holds more than one buffer of p, e.g. a
 * 64 KiB external window); the other segments stay as they are (still
 * shared if they were). A header in front of a replaced segment that may
 * be held by another packet (refcnt above 1) is itself replaced by a clone
 * header of our own, or by a private copy when its data count is at its
 * maximum, so the other packet's chain is never relinked. *m may change
 * (when the first segment is replaced). len 0 makes the zone's first or
 * last segment writable (off 0 or pkt_len), else does nothing.
 *
 * @return
 *   0, or -EINVAL (NULL, range past the end), -ENOBUFS, -EOVERFLOW (more
 *   than RTE_MBUF_MAX_NB_SEGS segments); unchanged on failure.
 */
int nb_buf_make_writable(struct rte_mbuf **m, struct nb_pool *p, uint32_t off,
			 uint32_t len);

/**
 * Deep copy of [off, off + len) of a packet into a new packet from @p p,
 * laid out like nb_buf_alloc() does (the first segment keeps the pool's
 * headroom, the others none; chained when it does not fit one segment);
 * offload metadata copied. len 0 gives an empty one-segment packet. The
 * caller must free the copy.
 *
 * @return
 *   The copy, or NULL with rte_errno EINVAL (NULL, range past the end),
 *   EOVERFLOW (more than RTE_MBUF_MAX_NB_SEGS segments), ENOBUFS.
 */
struct rte_mbuf *nb_buf_copy(const struct rte_mbuf *m, struct nb_pool *p,
			     uint32_t off, uint32_t len);

/* ---- DMA ------------------------------------------------------------------ */

/** One scatter-gather entry. */
struct nb_sge {
	rte_iova_t iova;	/**< IO address of the bytes */
	void *va;		/**< virtual address of the bytes */
	uint32_t len;		/**< byte count */
};

/**
 * IO address of byte @p off of a packet.
 *
 * @return
 *   The IOVA, or RTE_BAD_IOVA (NULL, off >= pkt_len, memory without IOVA).
 */
rte_iova_t nb_buf_iova(const struct rte_mbuf *m, uint32_t off);

/**
 * Export a packet as a scatter-gather list, one entry per non-empty
 * segment, in order.
 *
 * @param m
 *   The packet.
 * @param sgl
 *   Array of @p max entries.
 * @param max
 *   Size of sgl.
 * @return
 *   Number of entries (>= 0), or -EINVAL (NULL), -ENOSPC (more than max
 *   segments with data), -EFAULT (a segment has no IOVA).
 */
int nb_buf_sgl(const struct rte_mbuf *m, struct nb_sge *sgl, unsigned int max);

/**
 * Make the CPU's writes to a packet visible to a device before handing it
 * over (a write barrier for DMA). On cache-coherent platforms (x86, most
 * arm64 servers) DMA snoops the caches and this is only rte_io_wmb(); on a
 * non-coherent platform this is where the cache lines of each segment would
 * be cleaned, and nbkit would need to implement it for that platform.
 *
 * @param m
 *   The packet (unused on coherent platforms).
 */
static inline void
nb_buf_dma_sync_for_device(const struct rte_mbuf *m)
{
	RTE_SET_USED(m);
	rte_io_wmb();
}

/**
 * Make a device's writes to a packet visible to the CPU after DMA (a read
 * barrier; on non-coherent platforms the segments' cache lines would be
 * invalidated here).
 *
 * @param m
 *   The packet (unused on coherent platforms).
 */
static inline void
nb_buf_dma_sync_for_cpu(const struct rte_mbuf *m)
{
	RTE_SET_USED(m);
	rte_io_rmb();
}

/* ---- checks ------------------------------------------------------------------ */

/**
 * Check a whole chain: lengths add up, segment count, no loop, every
 * segment has a pool and a reference, data inside its buffer, indirect and
 * external segments consistent, nbkit ownership state allocated
 * (accounted pools; in fast mode only a corrupted state is reported).
 * Never panics.
 *
 * @param m
 *   The packet.
 * @param reason
 *   Set to a static string saying what is wrong (may be NULL).
 * @return
 *   0 when sane, -EINVAL otherwise.
 */
int nb_buf_check(const struct rte_mbuf *m, const char **reason);

#ifdef __cplusplus
}
#endif

#endif /* NB_BUF_H */
