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
 * Is this one segment's data reachable through another reference? True for
 * refcnt > 1, for an indirect segment whose direct owner has refcnt > 1 (the
 * clone itself holds one of those references), and for external memory
 * whose shared counter is above 1.
 */
bool buf_seg_shared(const struct rte_mbuf *seg);

/*
 * Drop one reference to ONE segment (its next pointer is ignored and
 * cleared if it goes back). Returns how many mbufs went back to a pool
 * (0, 1, or 2 when an indirect segment's last reference also released its
 * direct owner). Handles indirect and external segments like DPDK's
 * rte_pktmbuf_prefree_seg()/detach, but counts.
 */
unsigned int buf_free_seg(struct rte_mbuf *seg);

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
