/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb_buf against the DPDK call that does the same job, on the same pool:
 * an nbkit pool in fast mode (nb_pool_create()), whose rte_mempool is an
 * ordinary pktmbuf pool with DPDK's per-lcore cache, so both sides take
 * and give back buffers the same way and only the buffer code differs.
 *
 * Cases with a DPDK equivalent (ratio DPDK/nbkit):
 * - alloc+free of one 64 B packet: nb_buf_alloc(RAW, 64) + nb_buf_free vs
 *   rte_pktmbuf_alloc + data_len/pkt_len = 64 + rte_pktmbuf_free;
 * - push+pull of 14 B (an Ethernet header): nb_buf_push/nb_buf_pull vs
 *   rte_pktmbuf_prepend/rte_pktmbuf_adj;
 * - put+trim of 14 B: nb_buf_put/nb_buf_trim vs rte_pktmbuf_append/
 *   rte_pktmbuf_trim;
 * - clone+free of a 1-segment and of a 3-segment packet: nb_buf_clone +
 *   nb_buf_free vs rte_pktmbuf_clone + rte_pktmbuf_free;
 * - copy of a 1500 B packet in 3 segments of 500 B (+ free of the copy):
 *   nb_buf_copy vs rte_pktmbuf_copy;
 * - read of 20 B straddling the first two segments: nb_buf_read vs
 *   rte_pktmbuf_read.
 * Cases DPDK has no call for (ns/op only):
 * - split of a 1500 B segment in its middle, cat of the two parts back,
 *   and trim + put to undo it (the trim frees the clone header the split
 *   took, as the end of any split's life does), so every round does the
 *   same work;
 * - make_writable of a cloned segment (clone + make_writable of byte 0,
 *   which copies the 1500 B segment, + free);
 * - memfind of 4 B that straddle a segment boundary, 1000 B in.
 */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include <nb_buf.h>
#include <nb_pool.h>

#include "perf.h"

#define BUF_POOL_N	8191	/* buffers (2^k - 1, DPDK's advice) */
#define HDR_LEN		14	/* Ethernet header */
#define PKT_LEN		1500	/* the long packet */
#define SEG_LEN		500	/* its segments when chained */
#define READ_OFF	490	/* a 20 B read at 490 straddles 500 */
#define READ_LEN	20
#define SPLIT_OFF	700	/* split point inside the 1500 B segment */
#define FIND_OFF	998	/* the pattern straddles 1000 */

/* Keeps the compiler from dropping work whose result is not used. */
static volatile uintptr_t g_sink;

struct buf_case {
	struct nb_pool *p;
	struct rte_mempool *mp;	/* nb_pool_mempool(p) */
	struct rte_mbuf *m;	/* the packet the case works on */
};

/* ---- (a) alloc+free ------------------------------------------------------ */

static uint64_t
nb_alloc_free(void *arg, uint64_t iters)
{
	struct nb_pool *p = ((const struct buf_case *)arg)->p;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *m = nb_buf_alloc(p, NB_LAYER_RAW, 64);

		if (unlikely(m == NULL)) {
			return 0;
		}
		nb_buf_free(m);
	}
	return iters;
}

static uint64_t
dpdk_alloc_free(void *arg, uint64_t iters)
{
	struct rte_mempool *mp = ((const struct buf_case *)arg)->mp;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		if (unlikely(m == NULL)) {
			return 0;
		}
		m->data_len = 64;
		m->pkt_len = 64;
		rte_pktmbuf_free(m);
	}
	return iters;
}

/* ---- (b) push+pull, (c) put+trim ----------------------------------------- */

static uint64_t
nb_push_pull(void *arg, uint64_t iters)
{
	struct rte_mbuf *m = ((const struct buf_case *)arg)->m;
	uintptr_t acc = 0;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		acc += (uintptr_t)nb_buf_push(m, HDR_LEN);
		acc += (uintptr_t)nb_buf_pull(m, HDR_LEN);
	}
	g_sink = acc;
	return acc != 0 ? iters : 0;
}

static uint64_t
dpdk_push_pull(void *arg, uint64_t iters)
{
	struct rte_mbuf *m = ((const struct buf_case *)arg)->m;
	uintptr_t acc = 0;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		acc += (uintptr_t)rte_pktmbuf_prepend(m, HDR_LEN);
		acc += (uintptr_t)rte_pktmbuf_adj(m, HDR_LEN);
	}
	g_sink = acc;
	return acc != 0 ? iters : 0;
}

static uint64_t
nb_put_trim(void *arg, uint64_t iters)
{
	struct rte_mbuf *m = ((const struct buf_case *)arg)->m;
	uintptr_t acc = 0;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		acc += (uintptr_t)nb_buf_put(m, HDR_LEN);
		acc += (uintptr_t)nb_buf_trim(m, HDR_LEN);
	}
	g_sink = acc;
	return acc != 0 ? iters : 0;
}

static uint64_t
dpdk_put_trim(void *arg, uint64_t iters)
{
	struct rte_mbuf *m = ((const struct buf_case *)arg)->m;
	uintptr_t acc = 0;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		acc += (uintptr_t)rte_pktmbuf_append(m, HDR_LEN);
		acc += (uintptr_t)rte_pktmbuf_trim(m, HDR_LEN);
	}
	g_sink = acc;
	return acc != 0 ? iters : 0;
}

/* ---- (d) clone+free, (e) copy -------------------------------------------- */

/* The loops of one case: one function each for 1 and 3 segments, so
 * that callgrind's per-function counts tell the two cases apart. */
static inline uint64_t
nb_clone_free_loop(const struct buf_case *c, uint64_t iters)
{
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *k = nb_buf_clone(c->m, c->p);

		if (unlikely(k == NULL)) {
			return 0;
		}
		nb_buf_free(k);
	}
	return iters;
}

static inline uint64_t
dpdk_clone_free_loop(const struct buf_case *c, uint64_t iters)
{
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *k = rte_pktmbuf_clone(c->m, c->mp);

		if (unlikely(k == NULL)) {
			return 0;
		}
		rte_pktmbuf_free(k);
	}
	return iters;
}

static uint64_t
nb_clone_free1(void *arg, uint64_t iters)
{
	return nb_clone_free_loop(arg, iters);
}

static uint64_t
dpdk_clone_free1(void *arg, uint64_t iters)
{
	return dpdk_clone_free_loop(arg, iters);
}

static uint64_t
nb_clone_free3(void *arg, uint64_t iters)
{
	return nb_clone_free_loop(arg, iters);
}

static uint64_t
dpdk_clone_free3(void *arg, uint64_t iters)
{
	return dpdk_clone_free_loop(arg, iters);
}

static uint64_t
nb_copy(void *arg, uint64_t iters)
{
	const struct buf_case *c = arg;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *k = nb_buf_copy(c->m, c->p, 0, PKT_LEN);

		if (unlikely(k == NULL)) {
			return 0;
		}
		nb_buf_free(k);
	}
	return iters;
}

static uint64_t
dpdk_copy(void *arg, uint64_t iters)
{
	const struct buf_case *c = arg;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *k = rte_pktmbuf_copy(c->m, c->mp, 0,
						      UINT32_MAX);

		if (unlikely(k == NULL)) {
			return 0;
		}
		rte_pktmbuf_free(k);
	}
	return iters;
}

/* ---- (f) read across segments -------------------------------------------- */

static uint64_t
nb_read(void *arg, uint64_t iters)
{
	const struct rte_mbuf *m = ((const struct buf_case *)arg)->m;
	uint8_t buf[READ_LEN];
	uintptr_t acc = 0;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		const uint8_t *h = nb_buf_read(m, READ_OFF, READ_LEN, buf);

		if (unlikely(h == NULL)) {
			return 0;
		}
		acc += h[READ_LEN - 1];
	}
	g_sink = acc;
	return iters;
}

static uint64_t
dpdk_read(void *arg, uint64_t iters)
{
	const struct rte_mbuf *m = ((const struct buf_case *)arg)->m;
	uint8_t buf[READ_LEN];
	uintptr_t acc = 0;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		const uint8_t *h = rte_pktmbuf_read(m, READ_OFF, READ_LEN, buf);

		if (unlikely(h == NULL)) {
			return 0;
		}
		acc += h[READ_LEN - 1];
	}
	g_sink = acc;
	return iters;
}

/* ---- nbkit only ---------------------------------------------------------- */

static uint64_t
nb_split_cat(void *arg, uint64_t iters)
{
	const struct buf_case *c = arg;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *rest = nb_buf_split(c->m, SPLIT_OFF, c->p);

		if (unlikely(rest == NULL || nb_buf_cat(c->m, rest) != 0)) {
			return 0;
		}
		/* Undo: the trim frees the clone header, the put regrows. */
		if (unlikely(nb_buf_trim(c->m, PKT_LEN - SPLIT_OFF) != 0 ||
			     nb_buf_put(c->m, PKT_LEN - SPLIT_OFF) == NULL)) {
			return 0;
		}
	}
	return iters;
}

static uint64_t
nb_clone_writable(void *arg, uint64_t iters)
{
	const struct buf_case *c = arg;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct rte_mbuf *k = nb_buf_clone(c->m, c->p);

		if (unlikely(k == NULL)) {
			return 0;
		}
		if (unlikely(nb_buf_make_writable(&k, c->p, 0, 1) != 0)) {
			nb_buf_free(k);
			return 0;
		}
		nb_buf_free(k);
	}
	return iters;
}

static uint64_t
nb_memfind(void *arg, uint64_t iters)
{
	const struct rte_mbuf *m = ((const struct buf_case *)arg)->m;
	static const uint8_t pat[4] = { 0xde, 0xad, 0xbe, 0xef };
	int64_t acc = 0;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		int32_t at = nb_buf_memfind(m, pat, sizeof(pat), 0);

		if (unlikely(at != FIND_OFF)) {
			return 0;
		}
		acc += at;
	}
	g_sink = (uintptr_t)acc;
	return iters;
}

/* ---- packets ------------------------------------------------------------- */

/* A packet of @len bytes in @nseg segments of len / nseg, filled with a
 * pattern free of 0xde so only the planted bytes match. */
static struct rte_mbuf *
make_pkt(struct nb_pool *p, uint32_t len, unsigned int nseg)
{
	struct rte_mbuf *m = NULL, *s;
	unsigned int k;
	uint32_t i;

	for (k = 0; k < nseg; k++) {
		s = nb_buf_alloc(p, NB_LAYER_LINK, len / nseg);
		if (s == NULL) {
			nb_buf_free(m);
			return NULL;
		}
		if (m == NULL) {
			m = s;
		} else if (nb_buf_cat(m, s) != 0) {
			nb_buf_free(s);
			nb_buf_free(m);
			return NULL;
		}
	}
	for (i = 0; i < len; i++) {
		nb_buf_put_u8(m, i, (uint8_t)(i % 0xd0));
	}
	return m;
}

static void
note_fail(const struct perf_ctx *ctx, const char *what)
{
	perf_note(ctx, "nb-perf: buf: %s: %s", what, rte_strerror(rte_errno));
}

int
perf_buf(struct perf_ctx *ctx)
{
	static const uint8_t pat[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct nb_pool_opts o;
	struct buf_case c;
	struct rte_mbuf *one, *three;
	int ret = 0;

	nb_pool_opts_init(&o, sizeof(o));
	o.mode = NB_POOL_MODE_FAST;
	c.p = nb_pool_create("perf_buf", BUF_POOL_N, &o);
	if (c.p == NULL) {
		note_fail(ctx, "nb_pool_create");
		return -1;
	}
	c.mp = nb_pool_mempool(c.p);
	one = make_pkt(c.p, PKT_LEN, 1);
	three = make_pkt(c.p, PKT_LEN, 3);
	if (one == NULL || three == NULL ||
	    nb_buf_copy_in(three, FIND_OFF, pat, sizeof(pat), NULL) != 0) {
		note_fail(ctx, "building the packets");
		ret = -1;
		goto out;
	}

	c.m = NULL;
	perf_compare(ctx, "buf", "alloc+free 64 B", nb_alloc_free,
		     dpdk_alloc_free, &c, perf_iters(ctx, 2000000));
	c.m = one;
	perf_compare(ctx, "buf", "push+pull 14 B", nb_push_pull,
		     dpdk_push_pull, &c, perf_iters(ctx, 5000000));
	perf_compare(ctx, "buf", "put+trim 14 B", nb_put_trim, dpdk_put_trim,
		     &c, perf_iters(ctx, 5000000));
	perf_compare(ctx, "buf", "clone+free 1 seg", nb_clone_free1,
		     dpdk_clone_free1, &c, perf_iters(ctx, 1000000));
	c.m = three;
	perf_compare(ctx, "buf", "clone+free 3 segs", nb_clone_free3,
		     dpdk_clone_free3, &c, perf_iters(ctx, 500000));
	perf_compare(ctx, "buf", "copy 1500 B of 3 segs", nb_copy, dpdk_copy,
		     &c, perf_iters(ctx, 500000));
	perf_compare(ctx, "buf", "read 20 B across 2 segs", nb_read,
		     dpdk_read, &c, perf_iters(ctx, 5000000));

	c.m = one;
	perf_single(ctx, "buf", "split mid-seg+cat (+trim/put)", nb_split_cat,
		    &c, perf_iters(ctx, 1000000));
	perf_single(ctx, "buf", "clone+make_writable+free", nb_clone_writable,
		    &c, perf_iters(ctx, 500000));
	c.m = three;
	perf_single(ctx, "buf", "memfind 4 B at 998 of 3 segs", nb_memfind,
		    &c, perf_iters(ctx, 100000));
out:
	nb_buf_free(one);
	nb_buf_free(three);
	if (nb_pool_destroy(c.p, false) != 0) {
		perf_note(ctx, "nb-perf: buf: buffers still out at the end");
		ret = -1;
	}
	return ret;
}
