/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA: IO addresses of the bytes of a packet and scatter-gather lists.
 * Nothing here takes or drops a reference; the packet must stay allocated
 * (and unchanged) while a device uses the addresses.
 */
#include <errno.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "buf_internal.h"

/* IOVA of a segment's buffer, or RTE_BAD_IOVA (external memory without). */
static inline rte_iova_t
seg_iova(const struct rte_mbuf *seg)
{
	return rte_mbuf_iova_get(seg);
}

/*
 * nb_buf_iova - IO address of byte @off: the IOVA of the segment holding
 * it plus data_off plus the offset in that segment. RTE_BAD_IOVA for NULL,
 * off >= pkt_len, and memory without an IOVA (nb_buf_attach_ext() with
 * RTE_BAD_IOVA).
 */
rte_iova_t
nb_buf_iova(const struct rte_mbuf *m, uint32_t off)
{
	const struct rte_mbuf *seg;
	rte_iova_t iova;

	(void)NB_BUF__DEBUG_USE(m);

	if (unlikely(m == NULL || off >= m->pkt_len)) {
		return RTE_BAD_IOVA;
	}
	seg = buf_seg_at(m, off, &off);
	if (unlikely(seg == NULL)) {
		return RTE_BAD_IOVA;	/* chain shorter than pkt_len */
	}
	iova = seg_iova(seg);
	if (unlikely(iova == RTE_BAD_IOVA)) {
		return RTE_BAD_IOVA;
	}
	return iova + seg->data_off + off;
}

/*
 * nb_buf_sgl - one entry per segment with data, in chain order (empty
 * segments are skipped). Errors are reported for the first segment that
 * has one, in chain order: -EFAULT (no IOVA), -ENOSPC (the max + 1-th entry).
 * @sgl may be NULL only with max 0. On error, the entries already written
 * are unspecified.
 */
int
nb_buf_sgl(const struct rte_mbuf *m, struct nb_sge *sgl, unsigned int max)
{
	const struct rte_mbuf *seg;
	unsigned int n = 0;
	rte_iova_t iova;

	(void)NB_BUF__DEBUG_USE(m);

	if (unlikely(m == NULL || (sgl == NULL && max > 0))) {
		return -EINVAL;
	}
	for (seg = m; seg != NULL; seg = seg->next) {
		if (seg->data_len == 0) {
			continue;
		}
		iova = seg_iova(seg);
		if (unlikely(iova == RTE_BAD_IOVA)) {
			return -EFAULT;
		}
		if (unlikely(n >= max || n >= INT32_MAX)) {
			return -ENOSPC;
		}
		sgl[n].iova = iova + seg->data_off;
		sgl[n].va = rte_pktmbuf_mtod(seg, void *);
		sgl[n].len = seg->data_len;
		n++;
	}
	return (int)n;
}
