/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb_buf_check(): is a chain sane? Like DPDK's rte_mbuf_check() it returns
 * an error and a reason instead of panicking, and adds what nbkit knows:
 * loops, the ownership byte of nbkit pools, clones and external memory.
 * It only reads, and follows only pointers the chain holds: a pointer to
 * memory that is not an mbuf at all cannot be checked safely by anyone.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "buf_internal.h"

/* The direct segment owning a clone's data (a const rte_mbuf_from_indirect). */
static inline const struct rte_mbuf *
seg_direct(const struct rte_mbuf *seg)
{
	size_t hdr = sizeof(*seg) + seg->priv_size;

	return (const struct rte_mbuf *)RTE_PTR_SUB(seg->buf_addr, hdr);
}

/*
 * The ownership state of a buffer of an nbkit pool: NULL when it says
 * allocated (or the buffer is not from an nbkit pool), else why not.
 * - accounted mode (!track): the driver writes the state on every get and
 *   put, so it must be NB_BUF_STATE_ALLOCATED exactly;
 * - fast mode and DPDK backends (track): DPDK's raw allocations do not
 *   write it, so NB_BUF_STATE_FREE proves nothing; only a value that is
 *   neither state is wrong.
 */
static const char *
owner_byte(const struct rte_mbuf *seg)
{
	const struct nb_mempool_priv *v = nb_mempool_priv_of(seg);
	const struct nb_buf_owner *o;
	uint8_t state;

	if (v == NULL) {
		return NULL;
	}
	o = RTE_MBUF_DYNFIELD(seg, v->owner_off, const struct nb_buf_owner *);
	if (o->tag != nb_buf_owner_tag(seg)) {
		return NULL;	/* copied by DPDK from another buffer */
	}
	state = o->state;
	if (!v->track) {
		if (state == NB_BUF_STATE_ALLOCATED) {
			return NULL;
		}
		return state == NB_BUF_STATE_FREE ?
		       "buffer is in its pool (ownership state: free)" :
		       "ownership state corrupted";
	}
	if (state != NB_BUF_STATE_FREE && state != NB_BUF_STATE_ALLOCATED) {
		return "ownership state corrupted";
	}
	return NULL;
}

/* Checks of one segment on its own; NULL when it is sane, else why not. */
static const char *
check_seg(const struct rte_mbuf *seg)
{
	const struct rte_mbuf *direct;
	const char *why;

	if (seg->pool == NULL) {
		return "segment without a pool";
	}
	if (rte_mbuf_refcnt_read(seg) == 0) {
		return "segment with reference count 0 (freed)";
	}
	if (seg->buf_addr == NULL) {
		return "segment without a buffer";
	}
	if ((uint32_t)seg->data_off + seg->data_len > seg->buf_len) {
		return "data past the end of the segment's buffer";
	}
	why = owner_byte(seg);
	if (why != NULL) {
		return why;
	}
	if (RTE_MBUF_HAS_EXTBUF(seg)) {
		if (seg->shinfo == NULL) {
			return "external segment without shared info";
		}
		if (rte_mbuf_ext_refcnt_read(seg->shinfo) == 0) {
			return "external memory already released (counter 0)";
		}
	} else if (RTE_MBUF_CLONED(seg)) {
		direct = seg_direct(seg);
		if (direct->pool == NULL ||
		    rte_mbuf_refcnt_read(direct) == 0) {
			return "clone of a freed buffer (direct refcnt 0)";
		}
		if (owner_byte(direct) != NULL) {
			return "clone of a freed buffer (ownership byte)";
		}
	}
	return NULL;
}

/*
 * nb_buf_check - check a whole chain. Returns 0 when sane, else -EINVAL
 * with *reason (if reason is not NULL) set to a static string; *reason is
 * NULL on success. Reports the first problem found, segment by segment,
 * then the chain as a whole (loop, nb_segs, pkt_len).
 */
int
nb_buf_check(const struct rte_mbuf *m, const char **reason)
{
	const struct rte_mbuf *seg;
	const char *why = NULL;
	uint64_t sum = 0;
	uint32_t n = 0;

	if (m == NULL) {
		why = "NULL packet";
		goto bad;
	}
	for (seg = m; seg != NULL; seg = seg->next) {
		if (++n > (uint32_t)RTE_MBUF_MAX_NB_SEGS) {
			why = "loop in the chain (over RTE_MBUF_MAX_NB_SEGS)";
			goto bad;
		}
		why = check_seg(seg);
		if (why != NULL) {
			goto bad;
		}
		sum += seg->data_len;
	}
	if (n != m->nb_segs) {
		why = "nb_segs does not match the chain length";
		goto bad;
	}
	if (sum != m->pkt_len) {
		why = "pkt_len is not the sum of the segments' data_len";
		goto bad;
	}
	if (reason != NULL) {
		*reason = NULL;
	}
	return 0;
bad:
	if (reason != NULL) {
		*reason = why;
	}
	return -EINVAL;
}
