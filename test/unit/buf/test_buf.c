/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/buf (nb_buf.h): allocation per layer, from pool sets and
 * in bulk, up to the segment limit; what nb_buf_free() returns for singles,
 * chains, clones and references, double frees (and the debug build's
 * report of them); head and tail; chains (cat, chain, dechain, split,
 * pullup, linearize, seek), also on packets that share segments; data
 * access; zero-copy sharing (clones, external memory and its callback on
 * either lcore, copy-on-write, deep copies); DMA addresses and
 * scatter-gather lists; the chain check on packets corrupted by hand.
 *
 * Packets hold known pseudo-random bytes and are compared with a plain byte
 * array (the model) after every operation. Test packets are built by hand
 * (segment links written directly) so that the chain calls are tested
 * against something they did not build.
 *
 * Every case runs on pools of its own, in accounted mode unless it says
 * otherwise (the statistics are exact there), and ends with a leak check of
 * every pool it used: nb_pool_audit() finds nothing missing and in_use is 0.
 *
 * EAL is initialised once, in main(), with two lcores when the affinity mask
 * allows; the case that frees on the other lcore passes with a note when
 * there is only one.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>

#include "nb_buf.h"
#include "nb_env.h"
#include "nb_pool.h"
#include "nb_test.h"

/** Data room (so buf_len) of the small test pools. */
#define ROOM 512u
/** Buffers of a small test pool. */
#define NPOOL 64u
/** Data room of the pool that builds the longest chains. */
#define BIG_ROOM 64u
/** Buffers of that pool: a chain of the most segments, and some more. */
#define BIG_N (RTE_MBUF_MAX_NB_SEGS + 64u)
/** Bytes of the standard three-segment test packet: 512 + 512 + 100. */
#define STD_LEN 1124u

#define ACCT NB_POOL_MODE_ACCOUNTED
#define FAST NB_POOL_MODE_FAST

static const uint32_t g_std[3] = { 512, 512, 100 };

/* The lcore that is not the main one, when EAL has two. */
static unsigned int g_worker = RTE_MAX_LCORE;
static bool g_have_worker;

/* Pool names are unique in the process. */
static unsigned int g_seq;

/* Pools (and the set) of the running case: checked and destroyed at its end. */
#define MAX_POOLS 16
static struct nb_pool *g_pools[MAX_POOLS];
static unsigned int g_nb_pools;
static struct nb_poolset *g_set;

/*
 * Pools
 */

static struct nb_pool *
mkpool_opts(const char *tag, unsigned int n, enum nb_pool_mode mode,
	    uint16_t room, uint16_t headroom)
{
	char name[NB_POOL_NAMESIZE + 1];
	struct nb_pool_opts o;
	struct nb_pool *p;

	CU_ASSERT_FATAL(g_nb_pools < MAX_POOLS);
	nb_pool_opts_init(&o, sizeof(o));
	o.mode = mode;
	o.data_room = room;
	o.headroom = headroom;
	snprintf(name, sizeof(name), "b%u_%s", g_seq++, tag);
	rte_errno = 0;
	p = nb_pool_create(name, n, &o);
	NB_TEST_ASSERT_MSG(p != NULL, "nb_pool_create(%s, %u): %s", name, n,
			   rte_strerror(rte_errno));
	CU_ASSERT_FATAL(p != NULL);
	g_pools[g_nb_pools++] = p;
	return p;
}

/* A pool of n buffers of ROOM bytes, default headroom. */
static struct nb_pool *
mkpool(const char *tag, unsigned int n, enum nb_pool_mode mode)
{
	return mkpool_opts(tag, n, mode, ROOM, RTE_PKTMBUF_HEADROOM);
}

static struct nb_pool_stats
stats(struct nb_pool *p)
{
	struct nb_pool_stats s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_FATAL(nb_pool_stats_get(p, &s) == 0);
	return s;
}

static uint32_t
in_use(struct nb_pool *p)
{
	return stats(p).in_use;
}

/* No leak: the audit finds every buffer and the stats say none is out. */
static void
leak_check(struct nb_pool *p)
{
	struct nb_pool_stats s;
	char *rep = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = open_memstream(&rep, &len);
	ret = nb_pool_audit(p, f);
	if (f != NULL) {
		fclose(f);
	}
	if (!NB_TEST_ASSERT_MSG(ret == 0, "leak: pool %s: audit returned %d",
				nb_pool_name(p), ret) && rep != NULL) {
		fprintf(stderr, "%s", rep);
	}
	free(rep);
	if (NB_TEST_ASSERT_INT_EQ(nb_pool_stats_get(p, &s), 0)) {
		NB_TEST_ASSERT_MSG(s.in_use == 0,
				   "leak: pool %s: %u buffers in use at the "
				   "end",
				   nb_pool_name(p), s.in_use);
	}
}

/* Pools a failed case left behind (a fatal assertion): destroy them. */
static void
drop_pools(void)
{
	while (g_nb_pools > 0) {
		nb_pool_destroy(g_pools[--g_nb_pools], true);
	}
	if (g_set != NULL) {
		nb_poolset_destroy(g_set, true);
		g_set = NULL;
	}
}

/* End of a case: every pool it used has all its buffers back. */
static void
finish(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < g_nb_pools; i++) {
		leak_check(g_pools[i]);
		ret = nb_pool_destroy(g_pools[i], false);
		if (!NB_TEST_ASSERT_INT_EQ(ret, 0)) {
			nb_pool_destroy(g_pools[i], true);
		}
	}
	g_nb_pools = 0;
	if (g_set != NULL) {
		for (i = 0; i < nb_poolset_count(g_set); i++) {
			leak_check(nb_poolset_pool(g_set, i));
		}
		ret = nb_poolset_destroy(g_set, false);
		if (!NB_TEST_ASSERT_INT_EQ(ret, 0)) {
			nb_poolset_destroy(g_set, true);
		}
		g_set = NULL;
	}
}

/* A case: leftovers of a failed one dropped first, leak check after. */
#define BUF_TEST(fn)				\
	static void fn##_body(void);		\
	static void				\
	fn(void)				\
	{					\
		drop_pools();			\
		fn##_body();			\
		finish();			\
	}					\
	static void				\
	fn##_body(void)

/* nb_pool_alloc() until the pool is empty or max are taken. */
static unsigned int
take_all(struct nb_pool *p, struct rte_mbuf **m, unsigned int max)
{
	unsigned int n = 0;

	while (n < max) {
		m[n] = nb_pool_alloc(p);
		if (m[n] == NULL) {
			break;
		}
		n++;
	}
	return n;
}

static void
give_back(struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		rte_pktmbuf_free(m[i]);
		m[i] = NULL;
	}
}

/* Take buffers of p until only `left` are free; returns how many taken. */
static unsigned int
take_until(struct nb_pool *p, struct rte_mbuf **m, unsigned int max,
	   unsigned int left)
{
	unsigned int n = 0;
	struct nb_pool_stats s = stats(p);

	CU_ASSERT_FATAL(s.avail >= left && s.avail - left <= max);
	while (n < s.avail - left) {
		m[n] = nb_pool_alloc(p);
		CU_ASSERT_FATAL(m[n] != NULL);
		n++;
	}
	return n;
}

/*
 * Bytes and packets
 */

/* Pseudo-random bytes (xorshift32) that depend on the seed. */
static void
pattern(uint8_t *b, size_t n, uint32_t seed)
{
	uint32_t x = (seed + 1u) * 2654435761u;
	size_t i;

	if (x == 0) {
		x = 1;
	}
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)(x >> 24);
	}
}

static uint8_t *
model_new(size_t n, uint32_t seed)
{
	uint8_t *b = malloc(n > 0 ? n : 1);

	CU_ASSERT_FATAL(b != NULL);
	pattern(b, n, seed);
	return b;
}

/*
 * A packet of nseg segments of lens[i] bytes holding the model's bytes,
 * built by hand (links and lengths written directly, not with the chain
 * calls under test): segment i from pools[i], the first with the headroom
 * of layer, the others with none.
 */
static struct rte_mbuf *
mk_pkt_from(struct nb_pool *const *pools, enum nb_layer layer,
	    const uint32_t *lens, unsigned int nseg, const uint8_t *model)
{
	struct rte_mbuf *head = NULL, *last = NULL, *seg;
	uint32_t off = 0;
	unsigned int i;

	for (i = 0; i < nseg; i++) {
		seg = nb_buf_alloc(pools[i], i == 0 ? layer : NB_LAYER_RAW,
				   lens[i]);
		CU_ASSERT_FATAL(seg != NULL);
		CU_ASSERT_FATAL(seg->next == NULL && seg->data_len == lens[i]);
		if (lens[i] > 0) {
			memcpy(rte_pktmbuf_mtod(seg, void *), model + off,
			       lens[i]);
		}
		off += lens[i];
		if (head == NULL) {
			head = seg;
		} else {
			last->next = seg;
			head->nb_segs++;
			head->pkt_len += lens[i];
		}
		last = seg;
	}
	return head;
}

/* mk_pkt_from() with every segment from p. */
static struct rte_mbuf *
mk_pkt(struct nb_pool *p, enum nb_layer layer, const uint32_t *lens,
       unsigned int nseg, const uint8_t *model)
{
	struct nb_pool *pools[64];
	unsigned int i;

	CU_ASSERT_FATAL(nseg <= NB_DIM(pools));
	for (i = 0; i < nseg; i++) {
		pools[i] = p;
	}
	return mk_pkt_from(pools, layer, lens, nseg, model);
}

/* The standard packet: 512 + 512 + 100 bytes, no headroom. */
static struct rte_mbuf *
mk_std(struct nb_pool *p, const uint8_t *model)
{
	return mk_pkt(p, NB_LAYER_RAW, g_std, 3, model);
}

/* Append t to h by hand (what rte_pktmbuf_chain does). */
static void
link_by_hand(struct rte_mbuf *h, struct rte_mbuf *t)
{
	struct rte_mbuf *l = h;

	while (l->next != NULL) {
		l = l->next;
	}
	l->next = t;
	h->nb_segs = (uint16_t)(h->nb_segs + t->nb_segs);
	h->pkt_len += t->pkt_len;
}

static struct rte_mbuf *
seg_at(const struct rte_mbuf *m, unsigned int i)
{
	while (m != NULL && i > 0) {
		m = m->next;
		i--;
	}
	return (struct rte_mbuf *)(uintptr_t)m;
}

/* Reference count of segment i, -1 when there is none. */
static int
seg_ref(const struct rte_mbuf *m, unsigned int i)
{
	const struct rte_mbuf *s = seg_at(m, i);

	return s != NULL ? rte_mbuf_refcnt_read(s) : -1;
}

static void
seg_ref_set(struct rte_mbuf *m, unsigned int i, uint16_t v)
{
	struct rte_mbuf *s = seg_at(m, i);

	if (s == NULL) {
		CU_FAIL_FATAL("no such segment");
		return;
	}
	rte_mbuf_refcnt_set(s, v);
}

static uint8_t *
seg_data(const struct rte_mbuf *s)
{
	return rte_pktmbuf_mtod(s, uint8_t *);
}

/* The chain is sane, walked by hand: nb_segs, pkt_len, data in buffers. */
static bool
pkt_sane(const struct rte_mbuf *m, const char *ctx)
{
	const struct rte_mbuf *s;
	unsigned int n = 0, outside = 0;
	uint64_t sum = 0;
	bool ok;

	for (s = m; s != NULL && n <= RTE_MBUF_MAX_NB_SEGS; s = s->next) {
		sum += s->data_len;
		if ((uint32_t)s->data_off + s->data_len > s->buf_len) {
			outside++;
		}
		n++;
	}
	if (!NB_TEST_ASSERT_MSG(s == NULL, "%s: chain longer than %u (loop?)",
				ctx, (unsigned int)RTE_MBUF_MAX_NB_SEGS)) {
		return false;
	}
	ok = NB_TEST_ASSERT_MSG(n == m->nb_segs,
				"%s: nb_segs %u, the chain has %u", ctx,
				(unsigned int)m->nb_segs, n);
	ok &= NB_TEST_ASSERT_MSG(sum == m->pkt_len,
				 "%s: pkt_len %u, data_len sum %" PRIu64, ctx,
				 m->pkt_len, sum);
	ok &= NB_TEST_ASSERT_MSG(outside == 0,
				 "%s: %u segments with data outside the buffer",
				 ctx, outside);
	return ok;
}

/* The bytes of a packet, by hand. */
static void
walk_bytes(const struct rte_mbuf *m, uint8_t *out, uint32_t max)
{
	uint32_t off = 0, n;

	for (; m != NULL && off < max; m = m->next) {
		n = RTE_MIN((uint32_t)m->data_len, max - off);
		memcpy(out + off, seg_data(m), n);
		off += n;
	}
}

/* A malloc'd copy of a packet's bytes, through nb_buf_copy_out(). */
static uint8_t *
pkt_bytes(const struct rte_mbuf *m)
{
	uint32_t len = nb_buf_len(m);
	uint8_t *b = malloc(len > 0 ? len : 1);

	CU_ASSERT_FATAL(b != NULL);
	memset(b, 0xee, len);
	if (len > 0) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, 0, b, len), 0);
	}
	return b;
}

static bool
bytes_eq(const uint8_t *got, const uint8_t *want, uint32_t len,
	 const char *ctx)
{
	uint32_t i;

	for (i = 0; i < len && got[i] == want[i]; i++) {
		;
	}
	return NB_TEST_ASSERT_MSG(i == len,
				  "%s: byte %u of %u is 0x%02x, expected "
				  "0x%02x",
				  ctx, i, len, i < len ? got[i] : 0,
				  i < len ? want[i] : 0);
}

/* The packet is sane, len bytes long and holds model's bytes. */
static bool
pkt_eq(const struct rte_mbuf *m, const uint8_t *model, uint32_t len,
       const char *ctx)
{
	uint8_t *b;
	bool ok;

	if (!NB_TEST_ASSERT_MSG(m != NULL, "%s: NULL packet", ctx)) {
		return false;
	}
	ok = pkt_sane(m, ctx);
	ok &= NB_TEST_ASSERT_MSG(m->pkt_len == len,
				 "%s: pkt_len %u, expected %u", ctx,
				 m->pkt_len, len);
	if (!ok) {
		return false;
	}
	b = pkt_bytes(m);
	ok = bytes_eq(b, model, len, ctx);
	free(b);
	return ok;
}

/* nb_buf_check() passes. */
static bool
check_ok(const struct rte_mbuf *m, const char *ctx)
{
	const char *reason = NULL;
	int ret = nb_buf_check(m, &reason);

	return NB_TEST_ASSERT_MSG(ret == 0, "%s: nb_buf_check %d: %s", ctx,
				  ret, reason != NULL ? reason : "(no reason)");
}

/* A call that must return NULL with rte_errno err. */
#define ASSERT_NULL_ERR(expr, err)					\
	do {								\
		const void *p_;						\
		rte_errno = 0;						\
		p_ = (expr);						\
		NB_TEST_ASSERT_MSG(p_ == NULL,				\
				   "%s returned %p, expected NULL",	\
				   #expr, p_);				\
		NB_TEST_ASSERT_MSG(rte_errno == (err),			\
				   "%s: rte_errno %d (%s), expected %d",\
				   #expr, rte_errno,			\
				   rte_strerror(rte_errno), (err));	\
	} while (0)

/* Byte offset of a needle in the model, or -ENOENT. */
static int32_t
model_find(const uint8_t *hay, uint32_t hlen, const uint8_t *s,
	   uint32_t slen, uint32_t start)
{
	uint32_t i;

	if (slen > hlen) {
		return -ENOENT;
	}
	for (i = start; i + slen <= hlen; i++) {
		if (memcmp(hay + i, s, slen) == 0) {
			return (int32_t)i;
		}
	}
	return -ENOENT;
}

/* Run fn(arg) on the worker lcore and wait; true when it returned 0. */
static bool
run_on_worker(lcore_function_t *fn, void *arg)
{
	int ret;

	ret = rte_eal_remote_launch(fn, arg, g_worker);
	if (!NB_TEST_ASSERT_INT_EQ(ret, 0)) {
		return false;
	}
	ret = rte_eal_wait_lcore(g_worker);
	return NB_TEST_ASSERT_INT_EQ(ret, 0);
}

/*
 * Allocation
 */

BUF_TEST(test_layer_headroom)
{
	NB_TEST_ASSERT_INT_EQ(nb_layer_headroom(NB_LAYER_TRANSPORT), 118);
	NB_TEST_ASSERT_INT_EQ(nb_layer_headroom(NB_LAYER_IP), 58);
	NB_TEST_ASSERT_INT_EQ(nb_layer_headroom(NB_LAYER_LINK), 18);
	NB_TEST_ASSERT_INT_EQ(nb_layer_headroom(NB_LAYER_RAW), 0);
	NB_TEST_ASSERT_INT_EQ(nb_layer_headroom((enum nb_layer)42), 0);
}

static const enum nb_layer g_layers[] = {
	NB_LAYER_TRANSPORT, NB_LAYER_IP, NB_LAYER_LINK, NB_LAYER_RAW,
};

/* One segment per layer: headroom, lengths, room, pool, frees. */
static void
alloc_layers_mode(enum nb_pool_mode mode)
{
	struct nb_pool *p = mkpool(mode == ACCT ? "layA" : "layF", NPOOL, mode);
	struct rte_mbuf *m;
	unsigned int l, i;
	char ctx[96];

	for (l = 0; l < NB_DIM(g_layers); l++) {
		uint16_t head = nb_layer_headroom(g_layers[l]);
		const uint32_t lens[] = {
			0, 1, 100, ROOM - head - 1, ROOM - head,
		};

		for (i = 0; i < NB_DIM(lens); i++) {
			snprintf(ctx, sizeof(ctx), "mode %d layer %d len %u",
				 (int)mode, (int)g_layers[l], lens[i]);
			m = nb_buf_alloc(p, g_layers[l], lens[i]);
			if (!NB_TEST_ASSERT_MSG(m != NULL, "%s: NULL (%s)", ctx,
						rte_strerror(rte_errno))) {
				continue;
			}
			NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), head);
			NB_TEST_ASSERT_INT_EQ(m->data_off, head);
			NB_TEST_ASSERT_INT_EQ(m->data_len, lens[i]);
			NB_TEST_ASSERT_INT_EQ(m->pkt_len, lens[i]);
			NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), lens[i]);
			NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
			CU_ASSERT(m->next == NULL);
			NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(m), 1);
			NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(m),
					      ROOM - head - lens[i]);
			CU_ASSERT(nb_pool_of(m) == p);
			CU_ASSERT(RTE_MBUF_DIRECT(m));
			check_ok(m, ctx);
			NB_TEST_ASSERT_INT_EQ(in_use(p), 1);
			NB_TEST_ASSERT_MSG(nb_buf_free(m) == 1,
					   "%s: nb_buf_free != 1", ctx);
			NB_TEST_ASSERT_INT_EQ(in_use(p), 0);
		}
	}
}

BUF_TEST(test_alloc_layers)
{
	alloc_layers_mode(ACCT);
	alloc_layers_mode(FAST);
}

/* A chain from nb_buf_alloc(): segment count, headrooms, full segments. */
static void
check_alloc_chain(struct nb_pool *p, enum nb_layer layer, uint32_t len,
		  uint16_t room)
{
	uint16_t head = nb_layer_headroom(layer);
	uint32_t first = room - head;
	unsigned int want = 1 + (len - first + room - 1) / room;
	struct nb_pool_stats s0 = stats(p);
	struct rte_mbuf *m, *s;
	unsigned int i, bad_off = 0, not_full = 0, foreign = 0;
	char ctx[96];

	snprintf(ctx, sizeof(ctx), "chain layer %d len %u", (int)layer, len);
	m = nb_buf_alloc(p, layer, len);
	if (!NB_TEST_ASSERT_MSG(m != NULL, "%s: NULL (%s)", ctx,
				rte_strerror(rte_errno))) {
		return;
	}
	NB_TEST_ASSERT_INT_EQ(in_use(p), s0.in_use + want);
	s0 = stats(p);	/* the frees below are the chain's */
	pkt_sane(m, ctx);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), len);
	NB_TEST_ASSERT_MSG(nb_buf_seg_count(m) == want,
			   "%s: %u segments, expected %u", ctx,
			   (unsigned int)nb_buf_seg_count(m), want);
	NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), head);
	for (s = m, i = 0; s != NULL; s = s->next, i++) {
		if (i > 0 && s->data_off != 0) {
			bad_off++;
		}
		if (s->next != NULL &&
		    s->data_off + s->data_len != s->buf_len) {
			not_full++;
		}
		if (nb_pool_of(s) != p) {
			foreign++;
		}
	}
	NB_TEST_ASSERT_MSG(bad_off == 0, "%s: %u segments after the first "
			   "with headroom", ctx, bad_off);
	NB_TEST_ASSERT_MSG(not_full == 0, "%s: %u segments before the last "
			   "not full", ctx, not_full);
	NB_TEST_ASSERT_MSG(foreign == 0, "%s: %u segments of another pool",
			   ctx, foreign);
	NB_TEST_ASSERT_INT_EQ(m->data_len, first);
	check_ok(m, ctx);
	NB_TEST_ASSERT_MSG(nb_buf_free(m) == want, "%s: free != %u", ctx,
			   want);
	NB_TEST_ASSERT_INT_EQ(in_use(p), s0.in_use - want);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, want);
}

BUF_TEST(test_alloc_chain)
{
	struct nb_pool *p = mkpool("chain", NPOOL, ACCT);
	struct nb_pool *tiny = mkpool_opts("tiny", 16, ACCT, 64, 0);
	struct nb_pool *exact = mkpool_opts("exact", 16, ACCT, 58, 0);
	struct rte_mbuf *m;
	unsigned int l;

	for (l = 0; l < NB_DIM(g_layers); l++) {
		uint16_t head = nb_layer_headroom(g_layers[l]);

		check_alloc_chain(p, g_layers[l], ROOM - head + 1, ROOM);
		check_alloc_chain(p, g_layers[l], ROOM - head + ROOM, ROOM);
		check_alloc_chain(p, g_layers[l], ROOM - head + ROOM + 1, ROOM);
		check_alloc_chain(p, g_layers[l], 2000, ROOM);
	}
	/* The second segment holds one byte, with no headroom. */
	m = nb_buf_alloc(p, NB_LAYER_LINK, ROOM - 18 + 1);
	CU_ASSERT_FATAL(m != NULL);
	if (NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2)) {
		NB_TEST_ASSERT_INT_EQ(m->next->data_len, 1);
		NB_TEST_ASSERT_INT_EQ(m->next->data_off, 0);
	}
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 2);

	/* Headroom larger than a segment of 64 bytes. */
	ASSERT_NULL_ERR(nb_buf_alloc(tiny, NB_LAYER_TRANSPORT, 0), EINVAL);
	ASSERT_NULL_ERR(nb_buf_alloc(tiny, NB_LAYER_TRANSPORT, 1000), EINVAL);
	NB_TEST_ASSERT_INT_EQ(in_use(tiny), 0);
	/* IP's 58 fit: 6 bytes in one segment, 7 in two. */
	check_alloc_chain(tiny, NB_LAYER_IP, 7, 64);
	check_alloc_chain(tiny, NB_LAYER_IP, 6 + 64 * 3, 64);
	m = nb_buf_alloc(tiny, NB_LAYER_IP, 6);
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/*
	 * Headroom exactly one segment (58 of 58): not larger than a
	 * segment, so no EINVAL: empty, or a first segment with no data and
	 * the bytes in the next ones.
	 */
	m = nb_buf_alloc(exact, NB_LAYER_IP, 0);
	NB_TEST_ASSERT_MSG(m != NULL, "headroom 58 of 58, len 0: %s",
			   rte_strerror(rte_errno));
	if (m != NULL) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), 58);
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 0);
		NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	}
	m = nb_buf_alloc(exact, NB_LAYER_IP, 10);
	NB_TEST_ASSERT_MSG(m != NULL, "headroom 58 of 58, len 10: %s "
			   "(nb_buf.h: EINVAL only for a headroom larger "
			   "than a segment)", rte_strerror(rte_errno));
	if (m != NULL) {
		pkt_sane(m, "headroom 58 of 58");
		NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), 58);
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 10);
		NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
		nb_buf_free(m);
	}

	/* Bad arguments. */
	ASSERT_NULL_ERR(nb_buf_alloc(NULL, NB_LAYER_RAW, 10), EINVAL);
	ASSERT_NULL_ERR(nb_buf_alloc(p, (enum nb_layer)42, 10), EINVAL);
	ASSERT_NULL_ERR(nb_buf_alloc(p, (enum nb_layer)-1, 10), EINVAL);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);
}

/* An empty or short pool: ENOBUFS and nothing taken. */
static void
alloc_short_mode(enum nb_pool_mode mode)
{
	struct nb_pool *p = mkpool(mode == ACCT ? "shortA" : "shortF", 8, mode);
	struct rte_mbuf *held[8], *m;
	unsigned int n;

	n = take_until(p, held, 8, 2);
	NB_TEST_ASSERT_INT_EQ(n, 6);
	/* A chain of three with two free. */
	ASSERT_NULL_ERR(nb_buf_alloc(p, NB_LAYER_RAW, 2 * ROOM + 1), ENOBUFS);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 6);
	/* A chain of exactly the two left. */
	m = nb_buf_alloc(p, NB_LAYER_RAW, 2 * ROOM);
	if (NB_TEST_ASSERT_MSG(m != NULL, "chain of the last two: %s",
			       rte_strerror(rte_errno))) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
		NB_TEST_ASSERT_INT_EQ(in_use(p), 8);
		/* Empty now. */
		ASSERT_NULL_ERR(nb_buf_alloc(p, NB_LAYER_RAW, 1), ENOBUFS);
		ASSERT_NULL_ERR(nb_buf_alloc(p, NB_LAYER_LINK, 0), ENOBUFS);
		NB_TEST_ASSERT_INT_EQ(in_use(p), 8);
		NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 2);
	}
	give_back(held, n);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);
}

BUF_TEST(test_alloc_short)
{
	alloc_short_mode(ACCT);
	alloc_short_mode(FAST);
}

/* nb_buf_alloc_set(): the smallest class that fits, then chains. */
BUF_TEST(test_alloc_set)
{
	static const struct nb_pool_class classes[] = {
		{ .data_room = 1024, .n = 16 },
		{ .data_room = 256, .n = 16 },
		{ .data_room = 2176, .n = 16 },
	};
	static const struct {
		enum nb_layer layer;
		uint32_t len;
		unsigned int cls;	/* class of every segment */
		unsigned int segs;
	} cases[] = {
		{ NB_LAYER_RAW, 0, 0, 1 },
		{ NB_LAYER_RAW, 1, 0, 1 },
		{ NB_LAYER_RAW, 256, 0, 1 },
		{ NB_LAYER_RAW, 257, 1, 1 },
		{ NB_LAYER_TRANSPORT, 138, 0, 1 },
		{ NB_LAYER_TRANSPORT, 139, 1, 1 },
		{ NB_LAYER_LINK, 1006, 1, 1 },
		{ NB_LAYER_LINK, 1007, 2, 1 },
		{ NB_LAYER_RAW, 2176, 2, 1 },
		{ NB_LAYER_RAW, 2177, 2, 2 },
		{ NB_LAYER_TRANSPORT, 2176 * 3 - 118, 2, 3 },
		{ NB_LAYER_TRANSPORT, 2176 * 3 - 117, 2, 4 },
	};
	struct nb_pool_opts o;
	struct nb_pool *cp[3];
	struct rte_mbuf *m, *s;
	unsigned int i, c, k, wrong;
	char name[NB_POOL_NAMESIZE];
	char ctx[96];

	nb_pool_opts_init(&o, sizeof(o));
	o.mode = ACCT;
	snprintf(name, sizeof(name), "bset%u", g_seq++);
	g_set = nb_poolset_create(name, classes, NB_DIM(classes), &o);
	NB_TEST_ASSERT_MSG(g_set != NULL, "nb_poolset_create: %s",
			   rte_strerror(rte_errno));
	CU_ASSERT_FATAL(g_set != NULL);
	for (c = 0; c < 3; c++) {
		cp[c] = nb_poolset_pool(g_set, c);
		CU_ASSERT_FATAL(cp[c] != NULL);
	}
	for (i = 0; i < NB_DIM(cases); i++) {
		snprintf(ctx, sizeof(ctx), "alloc_set layer %d len %u",
			 (int)cases[i].layer, cases[i].len);
		m = nb_buf_alloc_set(g_set, cases[i].layer, cases[i].len);
		if (!NB_TEST_ASSERT_MSG(m != NULL, "%s: NULL (%s)", ctx,
					rte_strerror(rte_errno))) {
			continue;
		}
		pkt_sane(m, ctx);
		NB_TEST_ASSERT_MSG(nb_buf_len(m) == cases[i].len,
				   "%s: pkt_len %u", ctx, nb_buf_len(m));
		NB_TEST_ASSERT_MSG(nb_buf_headroom(m) ==
				   nb_layer_headroom(cases[i].layer),
				   "%s: headroom %u", ctx,
				   (unsigned int)nb_buf_headroom(m));
		NB_TEST_ASSERT_MSG(nb_buf_seg_count(m) == cases[i].segs,
				   "%s: %u segments, expected %u", ctx,
				   (unsigned int)nb_buf_seg_count(m),
				   cases[i].segs);
		for (s = m, wrong = 0, k = 0; s != NULL; s = s->next, k++) {
			if (nb_pool_of(s) != cp[cases[i].cls] ||
			    (k > 0 && s->data_off != 0)) {
				wrong++;
			}
		}
		NB_TEST_ASSERT_MSG(wrong == 0, "%s: %u segments not from class "
				   "%u or with headroom", ctx, wrong,
				   cases[i].cls);
		check_ok(m, ctx);
		NB_TEST_ASSERT_MSG(nb_buf_free(m) == cases[i].segs,
				   "%s: free count", ctx);
	}
	ASSERT_NULL_ERR(nb_buf_alloc_set(NULL, NB_LAYER_RAW, 10), EINVAL);
	ASSERT_NULL_ERR(nb_buf_alloc_set(g_set, (enum nb_layer)42, 10), EINVAL);
}

/* nb_buf_alloc_bulk(): all or nothing. */
BUF_TEST(test_alloc_bulk)
{
	struct nb_pool *p = mkpool("bulk", 16, ACCT);
	struct rte_mbuf *pkts[8], *held[16];
	unsigned int i, j, n, dups = 0;

	memset(pkts, 0, sizeof(pkts));
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(p, NB_LAYER_LINK, 100, pkts, 5),
			      0);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_FATAL(pkts[i] != NULL);
		NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(pkts[i]), 18);
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(pkts[i]), 100);
		NB_TEST_ASSERT_INT_EQ(pkts[i]->data_len, 100);
		NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(pkts[i]), 1);
		for (j = 0; j < i; j++) {
			dups += pkts[j] == pkts[i];
		}
	}
	NB_TEST_ASSERT_INT_EQ(dups, 0);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 5);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free_bulk(pkts, 5), 5);

	/* Chains in bulk. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(p, NB_LAYER_RAW, ROOM + 1,
						pkts, 3), 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(pkts[i] != NULL);
		pkt_sane(pkts[i], "bulk chain");
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(pkts[i]), ROOM + 1);
		NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(pkts[i]), 2);
	}
	NB_TEST_ASSERT_INT_EQ(in_use(p), 6);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free_bulk(pkts, 3), 6);

	/* Six free: seven packets, or four chains of two, are refused. */
	n = take_until(p, held, 16, 6);
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(p, NB_LAYER_RAW, 100, pkts, 7),
			      -ENOBUFS);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 10);
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(p, NB_LAYER_RAW, ROOM + 1,
						pkts, 4), -ENOBUFS);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 10);
	/* Exactly six. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(p, NB_LAYER_RAW, 100, pkts, 6),
			      0);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 16);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free_bulk(pkts, 6), 6);
	give_back(held, n);

	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(NULL, NB_LAYER_RAW, 1, pkts, 1),
			      -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(p, NB_LAYER_RAW, 1, NULL, 1),
			      -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(p, (enum nb_layer)42, 1, pkts,
						1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);
}

/*
 * Lifetime: what nb_buf_free() returns, references, double frees
 */

static void
free_counts_mode(enum nb_pool_mode mode)
{
	static const uint32_t three[] = { 100, 100, 100 };
	struct nb_pool *p = mkpool(mode == ACCT ? "freeA" : "freeF", NPOOL,
				   mode);
	uint8_t *model = model_new(300, 1);
	struct rte_mbuf *m, *c, *arr[6];
	struct nb_pool_stats s0;
	unsigned int i;

	NB_TEST_ASSERT_INT_EQ(nb_buf_free(NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(NULL), 0);

	/* A single segment; a chain of three. */
	m = nb_buf_alloc(p, NB_LAYER_RAW, 100);
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	m = mk_pkt(p, NB_LAYER_RAW, three, 3, model);
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	if (mode == ACCT) {
		NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 3);
	}
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);

	/* A clone: the data stays with the clone. */
	m = nb_buf_alloc(p, NB_LAYER_RAW, 100);
	CU_ASSERT_FATAL(m != NULL);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 2);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);

	/* A clone of a chain. */
	m = mk_pkt(p, NB_LAYER_RAW, three, 3, model);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	pkt_eq(c, model, 300, "clone after the original's free");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 6);

	/* An extra reference. */
	m = nb_buf_alloc(p, NB_LAYER_RAW, 100);
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(m), 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(m), 1);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* ... on every segment of a chain. */
	m = mk_pkt(p, NB_LAYER_RAW, three, 3, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(m), 0);
	for (i = 0; i < 3; i++) {
		NB_TEST_ASSERT_INT_EQ(seg_ref(m, i), 2);
	}
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	for (i = 0; i < 3; i++) {
		NB_TEST_ASSERT_INT_EQ(seg_ref(m, i), 1);
	}
	pkt_eq(m, model, 300, "chain after dropping one reference");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(NULL), -EINVAL);

	/* A count at its maximum is refused, not wrapped. */
	m = nb_buf_alloc(p, NB_LAYER_RAW, 100);
	CU_ASSERT_FATAL(m != NULL);
	rte_mbuf_refcnt_set(m, UINT16_MAX);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(m), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(m), UINT16_MAX);
	rte_mbuf_refcnt_set(m, 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	/* ... on the last segment: no count changes, the first's neither. */
	m = mk_pkt(p, NB_LAYER_RAW, three, 3, model);
	seg_ref_set(m, 2, UINT16_MAX);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(m), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(seg_ref(m, 0), 1);
	NB_TEST_ASSERT_INT_EQ(seg_ref(m, 1), 1);
	NB_TEST_ASSERT_INT_EQ(seg_ref(m, 2), UINT16_MAX);
	seg_ref_set(m, 2, 1);
	/* ... in the middle: the others unchanged, before and after it. */
	seg_ref_set(m, 1, UINT16_MAX);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(m), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(seg_ref(m, 0), 1);
	NB_TEST_ASSERT_INT_EQ(seg_ref(m, 1), UINT16_MAX);
	NB_TEST_ASSERT_INT_EQ(seg_ref(m, 2), 1);
	seg_ref_set(m, 1, 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);

	/* Bulk, with NULL entries. */
	arr[0] = nb_buf_alloc(p, NB_LAYER_RAW, 10);
	arr[1] = NULL;
	arr[2] = mk_pkt(p, NB_LAYER_RAW, three, 3, model);
	arr[3] = NULL;
	arr[4] = nb_buf_alloc(p, NB_LAYER_RAW, ROOM + 1);
	arr[5] = NULL;
	CU_ASSERT_FATAL(arr[0] != NULL && arr[4] != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free_bulk(arr, 6), 6);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free_bulk(arr, 0), 0);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);
	free(model);
}

BUF_TEST(test_free_counts)
{
	free_counts_mode(ACCT);
	free_counts_mode(FAST);
}

static int
ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/* After a double free the pool hands out n distinct buffers, no more. */
static void
pool_intact(struct nb_pool *p, unsigned int n, const char *ctx)
{
	struct rte_mbuf **all = calloc(n + 1, sizeof(*all));
	unsigned int got, i, dups = 0;

	CU_ASSERT_FATAL(all != NULL);
	got = take_all(p, all, n + 1);
	NB_TEST_ASSERT_MSG(got == n, "%s: %u buffers allocated, pool has %u",
			   ctx, got, n);
	qsort(all, got, sizeof(*all), ptr_cmp);
	for (i = 1; i < got; i++) {
		dups += all[i] == all[i - 1];
	}
	NB_TEST_ASSERT_MSG(dups == 0, "%s: %u buffers handed out twice", ctx,
			   dups);
	for (i = 0; i < got; i++) {
		if (i == 0 || all[i] != all[i - 1]) {
			nb_buf_free(all[i]);
		}
	}
	free(all);
}



#if NB_DEBUG
/*
 * Debug builds: "every nbkit call checks the ownership byte ... a use after
 * free is logged, and the inline head/tail calls refuse it with EINVAL".
 * The buffer is back in its pool; nothing may change it.
 */
BUF_TEST(test_use_after_free)
{
	/* Accounted mode only: there the state is certain. In fast mode a
	 * buffer PMD receive took with rte_mbuf_raw_alloc() still says free,
	 * so refusing it would break received packets. */
	static const enum nb_pool_mode modes[] = { ACCT };
	unsigned int i;

	for (i = 0; i < NB_DIM(modes); i++) {
		struct nb_pool *p = mkpool("uafA", 32, modes[i]);
		struct rte_mbuf *m = nb_buf_alloc(p, NB_LAYER_IP, 100);
		uint16_t off, len;

		CU_ASSERT_FATAL(m != NULL);
		CU_ASSERT(nb_buf_free(m) == 1);
		off = m->data_off;
		len = m->data_len;
		rte_errno = 0;
		CU_ASSERT(nb_buf_push(m, 4) == NULL && rte_errno == EINVAL);
		rte_errno = 0;
		CU_ASSERT(nb_buf_put(m, 4) == NULL && rte_errno == EINVAL);
		rte_errno = 0;
		CU_ASSERT(nb_buf_pull(m, 1) == NULL && rte_errno == EINVAL);
		NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, 0), -EINVAL);
		CU_ASSERT(m->data_off == off && m->data_len == len);
	}
}
#endif

/* A fast-mode pool of n buffers with one double free in it: take
 * everything, give each buffer back once. */
static void
repair_double(struct nb_pool *pf, unsigned int n)
{
	struct rte_mbuf *all[34];
	unsigned int got = take_all(pf, all, 34), i, back = 0;

	NB_TEST_ASSERT_INT_EQ(got, n + 1);
	qsort(all, got, sizeof(*all), ptr_cmp);
	for (i = 0; i < got; i++) {
		if (i == 0 || all[i] != all[i - 1]) {
			back += nb_buf_free(all[i]);
		}
	}
	NB_TEST_ASSERT_INT_EQ(back, n);
	NB_TEST_ASSERT_INT_EQ(stats(pf).excess, 0);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pf, NULL), 0);
}

/* DPDK's attach copies the data owner's ownership word into a clone
 * header; nbkit's clone keeps the header's own word (its tag), or a later
 * double free of that header would never be counted (fast mode). */
BUF_TEST(test_clone_word_repaired)
{
	const unsigned int n = 32;
	struct nb_pool *pf = mkpool("cwF", n, FAST);
	struct rte_mbuf *d, *c, *bulk[1];
	struct nb_pool_stats s0;

	d = nb_buf_alloc(pf, NB_LAYER_RAW, 10);
	CU_ASSERT_FATAL(d != NULL);
	/* the bulk free */
	c = nb_buf_clone(d, pf);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_TRUE(nb_buf_owner_valid(c));	/* not d's word */
	NB_TEST_ASSERT_INT_EQ(nb_buf_owner(c)->state, NB_BUF_STATE_ALLOCATED);
	bulk[0] = c;
	nb_buf_free_bulk(bulk, 1);
	CU_ASSERT_TRUE(nb_buf_owner_valid(c));
	/* the single free, then a double free that must be seen */
	c = nb_buf_clone(d, pf);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_TRUE(nb_buf_owner_valid(c));
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 1);
	CU_ASSERT_TRUE(nb_buf_owner_valid(c));
	NB_TEST_ASSERT_INT_EQ(nb_buf_owner(c)->state, NB_BUF_STATE_FREE);
	s0 = stats(pf);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 1);
	NB_TEST_ASSERT_INT_EQ(stats(pf).unverified_frees -
			      s0.unverified_frees, 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(d), 1);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pf, NULL), 1);
	repair_double(pf, n);
	pool_intact(pf, n, "fast");	/* the harness audits and destroys it */
}

BUF_TEST(test_double_free)
{
	const unsigned int n = 32;
	struct nb_pool *pf, *pa;
	struct rte_mbuf *m;
	struct nb_pool_stats s0;

	/* Fast mode: advisory. The second free cannot be told from a buffer a
	 * DPDK raw path handed out: counted as unverified, returned all the
	 * same; the pool then reports the corruption (excess, audit). */
	pf = mkpool("dblF", n, FAST);
	m = nb_buf_alloc(pf, NB_LAYER_RAW, 10);
	CU_ASSERT_FATAL(m != NULL);
	s0 = stats(pf);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(stats(pf).unverified_frees -
			      s0.unverified_frees, 1);
	NB_TEST_ASSERT_INT_EQ(stats(pf).double_frees - s0.double_frees, 0);
	NB_TEST_ASSERT_INT_EQ(stats(pf).excess, 1);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pf, NULL), 1);
	NB_TEST_ASSERT_INT_EQ(nb_pool_destroy(pf, false), -EBUSY);
	repair_double(pf, n);
	NB_TEST_ASSERT_INT_EQ(stats(pf).excess, 0);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pf, NULL), 0);
	pool_intact(pf, n, "fast");

	/* Accounted mode: certain. nb_buf_free() refuses the segment (it
	 * returns 0) and counts it; the driver would catch it too. */
	pa = mkpool("dblA", n, ACCT);
	m = nb_buf_alloc(pa, NB_LAYER_RAW, 10);
	CU_ASSERT_FATAL(m != NULL);
	s0 = stats(pa);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	NB_TEST_ASSERT_INT_EQ(stats(pa).double_frees - s0.double_frees, 1);
	NB_TEST_ASSERT_INT_EQ(stats(pa).frees - s0.frees, 1);
	NB_TEST_ASSERT_INT_EQ(stats(pa).unverified_frees, 0);
	NB_TEST_ASSERT_INT_EQ(in_use(pa), 0);
	pool_intact(pa, n, "accounted");
}

/*
 * A scattered-receive PMD (i40e, igb, iavf, idpf, hns3): it refills its
 * ring with rte_mbuf_raw_alloc(), chains the segments of a packet and
 * writes port (and the rest of the rearm data) in the first segment only.
 */
static struct rte_mbuf *
pmd_rx_chain(struct rte_mempool *mp, unsigned int nseg, uint16_t port)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	unsigned int i;

	for (i = 0; i < nseg; i++) {
		struct rte_mbuf *s = rte_mbuf_raw_alloc(mp);

		if (s == NULL) {
			if (head != NULL) {
				rte_pktmbuf_free(head);
			}
			return NULL;
		}
		s->data_off = RTE_PKTMBUF_HEADROOM;
		s->data_len = 100;
		s->next = NULL;
		if (head == NULL) {
			head = s;
			head->port = port;
			head->ol_flags = 0;
			head->pkt_len = 0;
			head->nb_segs = 0;
		} else {
			last->next = s;
		}
		head->nb_segs++;
		head->pkt_len += s->data_len;
		last = s;
	}
	return head;
}

/*
 * Issue 7 item 2: multi-segment packets from a scattered-RX PMD, freed with
 * nb_buf_free() and with rte_pktmbuf_free(), many times over the pool:
 * no segment is lost (the audit finds every buffer home exactly once), no
 * certain double free is counted; fast mode may count unverified frees.
 */
BUF_TEST(test_pmd_scattered_rx)
{
	static const enum nb_pool_mode modes[] = { FAST, ACCT };
	const unsigned int n = 96, nseg = 3;
	unsigned int i, k;

	for (i = 0; i < NB_DIM(modes); i++) {
		struct nb_pool *p = mkpool(i == 0 ? "pmdF" : "pmdA", n,
					   modes[i]);
		struct rte_mempool *mp = nb_pool_mempool(p);
		struct nb_pool_stats s0 = stats(p), s;
		unsigned int freed = 0;

		/* Every buffer first once through nbkit (marked free). */
		pool_intact(p, n, i == 0 ? "pmd fast" : "pmd acct");
		for (k = 0; k < 4 * n; k++) {
			struct rte_mbuf *m = pmd_rx_chain(mp, nseg, 0);

			if (!NB_TEST_ASSERT_MSG(m != NULL, "%s: round %u: no "
						"buffers for a %u-segment packet "
						"(leaked)", i == 0 ? "fast" :
						"acct", k, nseg)) {
				break;
			}
			if (k % 2 == 0) {
				freed += nb_buf_free(m);
			} else {
				rte_pktmbuf_free(m);
				freed += nseg;
			}
		}
		NB_TEST_ASSERT_INT_EQ(freed, 4 * n * nseg);
		s = stats(p);
		NB_TEST_ASSERT_INT_EQ(s.double_frees - s0.double_frees, 0);
		NB_TEST_ASSERT_INT_EQ(s.in_use, 0);
		NB_TEST_ASSERT_INT_EQ(s.excess, 0);
		NB_TEST_ASSERT_INT_EQ(nb_pool_audit(p, NULL), 0);
		if (modes[i] == ACCT) {
			NB_TEST_ASSERT_INT_EQ(s.unverified_frees, 0);
		} else {
			/* Advisory: raw-allocated segments nbkit had freed
			 * before look free to nb_buf_free(). */
			NB_TEST_ASSERT_MSG(s.unverified_frees >
					   s0.unverified_frees, "fast: no "
					   "unverified free counted");
		}
		pool_intact(p, n, i == 0 ? "pmd fast after" : "pmd acct after");
	}
}

/*
 * DPDK copies the mbuf dynamic fields (rte_pktmbuf_attach of a clone,
 * rte_pktmbuf_copy), the ownership word among them: a header or copy from
 * an accounted pool must not take the "free" state of a fast-mode buffer a
 * PMD received (raw allocation after an nbkit free) and be refused at free.
 */
BUF_TEST(test_owner_word_copied)
{
	struct nb_pool *pf = mkpool("owcF", 32, FAST);
	struct nb_pool *pa = mkpool("owcA", 32, ACCT);
	struct rte_mbuf *m, *c, *d, *k;
	struct nb_pool_stats s0 = stats(pa), s;

	m = nb_buf_alloc(pf, NB_LAYER_RAW, 100);
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	/* PMD receive: the same buffer again, its word still "free". */
	m = rte_mbuf_raw_alloc(nb_pool_mempool(pf));
	CU_ASSERT_FATAL(m != NULL);
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = 100;
	m->pkt_len = 100;
	c = nb_buf_clone(m, pa);
	d = rte_pktmbuf_clone(m, nb_pool_mempool(pa));
	k = rte_pktmbuf_copy(m, nb_pool_mempool(pa), 0, UINT32_MAX);
	CU_ASSERT_FATAL(c != NULL && d != NULL && k != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 1);
	rte_pktmbuf_free(d);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(k), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	s = stats(pa);
	NB_TEST_ASSERT_INT_EQ(s.double_frees - s0.double_frees, 0);
	NB_TEST_ASSERT_INT_EQ(s.in_use, 0);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pa, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pf, NULL), 0);
	/* A copied word does not hide a real double free afterwards. */
	m = nb_buf_alloc(pf, NB_LAYER_RAW, 10);
	CU_ASSERT_FATAL(m != NULL);
	k = rte_pktmbuf_copy(m, nb_pool_mempool(pa), 0, UINT32_MAX);
	CU_ASSERT_FATAL(k != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(k), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(k), 0);
	NB_TEST_ASSERT_INT_EQ(stats(pa).double_frees - s0.double_frees, 1);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(pa, NULL), 0);
}

/*
 * Head and tail
 */

/* One segment: exact boundaries of push, put, pull, trim, resize. */
static void
headtail_mode(enum nb_pool_mode mode)
{
	struct nb_pool *p = mkpool(mode == ACCT ? "htA" : "htF", NPOOL, mode);
	uint8_t *model = model_new(ROOM, 2);
	struct rte_mbuf *m;
	uint8_t *h, *t;

	/* [18 headroom][100 data][394 tailroom] */
	m = nb_buf_alloc(p, NB_LAYER_LINK, 100);
	CU_ASSERT_FATAL(m != NULL);
	memcpy(seg_data(m), model + 18, 100);
	NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), 18);
	NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(m), ROOM - 118);

	ASSERT_NULL_ERR(nb_buf_push(m, 19), ENOSPC);
	pkt_eq(m, model + 18, 100, "push 19 refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), 18);
	h = nb_buf_push(m, 18);
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(h == (uint8_t *)m->buf_addr);
	CU_ASSERT(h == seg_data(m));
	memcpy(h, model, 18);
	NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), 0);
	pkt_eq(m, model, 118, "push 18");
	ASSERT_NULL_ERR(nb_buf_push(m, 1), ENOSPC);
	CU_ASSERT(nb_buf_push(m, 0) == seg_data(m));
	pkt_eq(m, model, 118, "push 1 refused");

	ASSERT_NULL_ERR(nb_buf_put(m, ROOM - 118 + 1), ENOSPC);
	pkt_eq(m, model, 118, "put refused");
	t = nb_buf_put(m, ROOM - 118);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(t == seg_data(m) + 118);
	memcpy(t, model + 118, ROOM - 118);
	NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(m), 0);
	pkt_eq(m, model, ROOM, "put to the end");
	ASSERT_NULL_ERR(nb_buf_put(m, 1), ENOSPC);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), ROOM);

	ASSERT_NULL_ERR(nb_buf_pull(m, ROOM + 1), EINVAL);
	pkt_eq(m, model, ROOM, "pull past the end refused");
	h = nb_buf_pull(m, 18);
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(h == seg_data(m) && *h == model[18]);
	NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(m), 18);
	pkt_eq(m, model + 18, ROOM - 18, "pull 18");

	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, ROOM - 18 + 1), -EINVAL);
	pkt_eq(m, model + 18, ROOM - 18, "trim past the end refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, 0), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, 94), 0);
	pkt_eq(m, model + 18, 400, "trim 94");
	NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(m), 94);

	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(m, 400), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(m, 401), -EINVAL);
	pkt_eq(m, model + 18, 400, "resize grow refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(m, 250), 0);
	pkt_eq(m, model + 18, 250, "resize 250");

	/* Pull all of a single segment: empty, pointer at the data's end. */
	h = nb_buf_pull(m, 250);
	CU_ASSERT(h != NULL && h == seg_data(m));
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 0);
	NB_TEST_ASSERT_INT_EQ(m->data_len, 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* Trim everything; resize to 0. */
	m = nb_buf_alloc(p, NB_LAYER_RAW, 50);
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, 50), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 0);
	NB_TEST_ASSERT_INT_EQ(m->data_len, 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, 1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put(m, 10) != NULL, 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(m, 0), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* NULL. */
	ASSERT_NULL_ERR(nb_buf_push(NULL, 1), EINVAL);
	ASSERT_NULL_ERR(nb_buf_put(NULL, 1), EINVAL);
	ASSERT_NULL_ERR(nb_buf_pull(NULL, 0), EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(NULL, 0), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(NULL, 0), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_headroom(NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(NULL), 0);
	free(model);
}

BUF_TEST(test_head_tail)
{
	headtail_mode(ACCT);
	headtail_mode(FAST);
}

/* Pull across segments of 512 + 512 + 100. */
BUF_TEST(test_pull_chain)
{
	struct nb_pool *p = mkpool("pull", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 3);
	struct nb_pool_stats s0;
	struct rte_mbuf *m, *s;
	uint32_t so = 99;
	uint8_t *h;

	/* Inside the first segment. */
	m = mk_std(p, model);
	h = nb_buf_pull(m, 100);
	CU_ASSERT(h == seg_data(m));
	pkt_eq(m, model + 100, STD_LEN - 100, "pull 100");
	/* Exactly the rest of the first: it stays, empty, as the head. */
	s0 = stats(p);
	h = nb_buf_pull(m, 412);
	CU_ASSERT_FATAL(h != NULL);
	NB_TEST_ASSERT_INT_EQ(*h, model[512]);
	CU_ASSERT(h == seg_data(seg_at(m, 1)));
	NB_TEST_ASSERT_INT_EQ(m->data_len, 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 3);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 0);
	pkt_eq(m, model + 512, STD_LEN - 512, "pull to the first's end");
	/* Offset 0 is in the second segment now. */
	s = nb_buf_seek(m, 0, &so);
	CU_ASSERT(s == seg_at(m, 1));
	NB_TEST_ASSERT_INT_EQ(so, 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_get_u8(m, 0), model[512]);
	/* Empty the second: freed. */
	s0 = stats(p);
	h = nb_buf_pull(m, 512 + 30);
	CU_ASSERT_FATAL(h != NULL);
	NB_TEST_ASSERT_INT_EQ(*h, model[1054]);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	pkt_eq(m, model + 1054, STD_LEN - 1054, "pull across the second");
	check_ok(m, "after pulls");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 2);

	/* Across two boundaries at once. */
	m = mk_std(p, model);
	s0 = stats(p);
	h = nb_buf_pull(m, 1024 + 50);
	CU_ASSERT_FATAL(h != NULL);
	NB_TEST_ASSERT_INT_EQ(*h, model[1074]);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	pkt_eq(m, model + 1074, 50, "pull 1074");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 2);

	/* All of it: one empty segment left. */
	m = mk_std(p, model);
	s0 = stats(p);
	ASSERT_NULL_ERR(nb_buf_pull(m, STD_LEN + 1), EINVAL);
	pkt_eq(m, model, STD_LEN, "pull past the end refused");
	h = nb_buf_pull(m, STD_LEN);
	CU_ASSERT(h != NULL && h == seg_data(m) + m->data_len);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 2);
	pkt_sane(m, "pull all");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* With headroom in the first segment. */
	{
		static const uint32_t lens[] = { 394, 512, 100 };

		m = mk_pkt(p, NB_LAYER_TRANSPORT, lens, 3, model);
		h = nb_buf_pull(m, 600);
		CU_ASSERT(h != NULL && *h == model[600]);
		pkt_eq(m, model + 600, 406, "pull 600 after headroom");
		NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), nb_buf_seg_count(m));
	}
	free(model);
}

/* Trim and resize across segments; put on a chain. */
BUF_TEST(test_trim_chain)
{
	static const struct {
		uint32_t trim;
		unsigned int segs;	/* left */
		unsigned int freed;
	} cases[] = {
		{ 0, 3, 0 },
		{ 99, 3, 0 },
		{ 100, 2, 1 },
		{ 600, 2, 1 },
		{ 612, 1, 2 },
		{ 1000, 1, 2 },
		{ STD_LEN, 1, 2 },
	};
	struct nb_pool *p = mkpool("trim", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 4);
	struct nb_pool_stats s0;
	struct rte_mbuf *m;
	unsigned int i;
	uint8_t *t;
	char ctx[64];

	for (i = 0; i < NB_DIM(cases); i++) {
		snprintf(ctx, sizeof(ctx), "trim %u", cases[i].trim);
		m = mk_std(p, model);
		s0 = stats(p);
		NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, cases[i].trim), 0);
		pkt_eq(m, model, STD_LEN - cases[i].trim, ctx);
		NB_TEST_ASSERT_MSG(nb_buf_seg_count(m) == cases[i].segs,
				   "%s: %u segments, expected %u", ctx,
				   (unsigned int)nb_buf_seg_count(m),
				   cases[i].segs);
		NB_TEST_ASSERT_MSG(stats(p).frees - s0.frees == cases[i].freed,
				   "%s: %" PRIu64 " freed, expected %u", ctx,
				   stats(p).frees - s0.frees, cases[i].freed);
		check_ok(m, ctx);
		NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), cases[i].segs);
	}

	m = mk_std(p, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, STD_LEN + 1), -EINVAL);
	pkt_eq(m, model, STD_LEN, "trim past the end refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(m, STD_LEN + 1), -EINVAL);
	pkt_eq(m, model, STD_LEN, "resize grow refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(m, STD_LEN), 0);
	pkt_eq(m, model, STD_LEN, "resize same");
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_resize(m, 700), 0);
	pkt_eq(m, model, 700, "resize 700");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(m), 512 - 188);

	/* put appends to the last segment of a chain. */
	t = nb_buf_put(m, 512 - 188);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(t == seg_data(seg_at(m, 1)) + 188);
	memcpy(t, model + 700, 512 - 188);
	pkt_eq(m, model, 1024, "put on a chain");
	ASSERT_NULL_ERR(nb_buf_put(m, 1), ENOSPC);
	pkt_eq(m, model, 1024, "put refused on a chain");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 2);
	free(model);
}

/*
 * Chains
 */

BUF_TEST(test_cat)
{
	static const uint32_t lh[] = { 300, 200 }, lt[] = { 100, 50 };
	struct nb_pool *p = mkpool("cat", NPOOL, ACCT);
	uint8_t *model = model_new(650, 5);
	struct rte_mbuf *h, *t;
	int ret;

	h = mk_pkt(p, NB_LAYER_RAW, lh, 2, model);
	t = mk_pkt(p, NB_LAYER_RAW, lt, 2, model + 500);
	NB_TEST_ASSERT_INT_EQ(nb_buf_cat(h, t), 0);
	pkt_eq(h, model, 650, "cat");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(h), 4);
	CU_ASSERT(seg_at(h, 2) == t);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t), 1);
	check_ok(h, "cat");
	/* head owns tail: one free frees both. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(h), 4);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);

	/* Refused: the caller keeps both. */
	h = mk_pkt(p, NB_LAYER_RAW, lh, 2, model);
	t = mk_pkt(p, NB_LAYER_RAW, lt, 2, model + 500);
	NB_TEST_ASSERT_INT_EQ(nb_buf_cat(NULL, t), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_cat(h, NULL), -EINVAL);
	ret = nb_buf_cat(h, h);
	NB_TEST_ASSERT_INT_EQ(ret, -EINVAL);
	if (ret == 0) {
		/* Undo the loop so that the packet can be freed. */
		h->next->next = NULL;
		h->nb_segs = 2;
		h->pkt_len = 500;
	}
	pkt_eq(h, model, 500, "cat refused: head");
	pkt_eq(t, model + 500, 150, "cat refused: tail");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(t), 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(h), 2);
	free(model);
}

BUF_TEST(test_chain)
{
	static const uint32_t lt[] = { 100, 50 };
	struct nb_pool *p = mkpool("chn", NPOOL, ACCT);
	uint8_t *model = model_new(450, 6);
	struct rte_mbuf *h, *t;

	h = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 300 }, 1, model);
	t = mk_pkt(p, NB_LAYER_RAW, lt, 2, model + 300);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(h, t), 0);
	pkt_eq(h, model, 450, "chain");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(h), 3);
	/* The caller's reference and head's clone headers on the data. */
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t), 2);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t->next), 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(h), 1);
	/* nb_buf.h: head holds clone headers of tail, not tail's segments. */
	CU_ASSERT(h->next != t);
	/* head's segment and its two clone headers go back. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(h), 3);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t), 1);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t->next), 1);
	pkt_eq(t, model + 300, 150, "tail after head's free");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(t), 2);

	/* Refused, unchanged. */
	h = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 300 }, 1, model);
	t = mk_pkt(p, NB_LAYER_RAW, lt, 2, model + 300);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(NULL, t), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(h, NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(h, h), -EINVAL);
	rte_mbuf_refcnt_set(t->next, UINT16_MAX);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(h, t), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t), 1);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t->next), UINT16_MAX);
	rte_mbuf_refcnt_set(t->next, 1);
	rte_mbuf_refcnt_set(t, UINT16_MAX);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(h, t), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t), UINT16_MAX);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(t->next), 1);
	rte_mbuf_refcnt_set(t, 1);
	CU_ASSERT(h->next == NULL);
	pkt_eq(h, model, 300, "chain refused: head");
	pkt_eq(t, model + 300, 150, "chain refused: tail");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(h), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(t), 2);
	free(model);
}

BUF_TEST(test_dechain)
{
	static const uint32_t lens[] = { 300, 200, 100 };
	struct nb_pool *p = mkpool("dech", NPOOL, ACCT);
	uint8_t *model = model_new(600, 7);
	struct rte_mbuf *m, *rest, *second;

	m = mk_pkt(p, NB_LAYER_RAW, lens, 3, model);
	second = m->next;
	rest = nb_buf_dechain(m);
	CU_ASSERT_FATAL(rest != NULL);
	CU_ASSERT(rest == second);
	CU_ASSERT(m->next == NULL);
	pkt_eq(m, model, 300, "dechain: first");
	pkt_eq(rest, model + 300, 300, "dechain: rest");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(rest), 2);
	check_ok(m, "dechain: first");
	check_ok(rest, "dechain: rest");
	ASSERT_NULL_ERR(nb_buf_dechain(m), ENOENT);
	ASSERT_NULL_ERR(nb_buf_dechain(NULL), EINVAL);
	pkt_eq(m, model, 300, "dechain of one segment");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(rest), 2);
	free(model);
}

/* Split the standard packet at off; check both parts. */
static void
split_case(struct nb_pool *p, const uint8_t *model, uint32_t off,
	   unsigned int segs1, unsigned int segs2, bool cloned)
{
	struct nb_pool_stats s0;
	struct rte_mbuf *m, *r, *cut, *straddle = NULL;
	uint32_t so = 0;
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "split at %u", off);
	m = mk_std(p, model);
	cut = seg_at(m, segs1);
	if (cloned) {
		straddle = nb_buf_seek(m, off, &so);
		CU_ASSERT_FATAL(straddle != NULL);
	}
	s0 = stats(p);
	r = nb_buf_split(m, off, p);
	if (!NB_TEST_ASSERT_MSG(r != NULL, "%s: NULL (%s)", ctx,
				rte_strerror(rte_errno))) {
		nb_buf_free(m);
		return;
	}
	pkt_eq(m, model, off, ctx);
	pkt_eq(r, model + off, STD_LEN - off, ctx);
	NB_TEST_ASSERT_MSG(nb_buf_seg_count(m) == segs1 &&
			   nb_buf_seg_count(r) == segs2,
			   "%s: %u + %u segments, expected %u + %u", ctx,
			   (unsigned int)nb_buf_seg_count(m),
			   (unsigned int)nb_buf_seg_count(r), segs1, segs2);
	check_ok(m, ctx);
	check_ok(r, ctx);
	NB_TEST_ASSERT_MSG(stats(p).allocs - s0.allocs == (cloned ? 1u : 0u),
			   "%s: %" PRIu64 " buffers allocated", ctx,
			   stats(p).allocs - s0.allocs);
	if (cloned) {
		/* Zero-copy: the second part points into the same data. */
		CU_ASSERT(seg_data(r) == seg_data(straddle) + so);
		NB_TEST_ASSERT_MSG(nb_buf_is_shared(m, off - 1, 1),
				   "%s: last byte of the first part not shared",
				   ctx);
		NB_TEST_ASSERT_MSG(nb_buf_is_shared(r, 0, 1),
				   "%s: first byte of the second part not "
				   "shared", ctx);
	} else {
		/* The chain is cut: the second part is the old segment. */
		CU_ASSERT(r == cut);
		CU_ASSERT(seg_at(m, segs1 - 1)->next == NULL);
		NB_TEST_ASSERT_MSG(!nb_buf_is_shared(m, 0, off),
				   "%s: first part shared", ctx);
		NB_TEST_ASSERT_MSG(!nb_buf_is_shared(r, 0, STD_LEN - off),
				   "%s: second part shared", ctx);
	}
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m) + nb_buf_free(r),
			      3 + (cloned ? 1 : 0));
}

BUF_TEST(test_split)
{
	struct nb_pool *p = mkpool("split", NPOOL, ACCT);
	struct nb_pool *q = mkpool("splitq", 4, ACCT);
	uint8_t *model = model_new(STD_LEN, 8);
	struct rte_mbuf *m, *r, *held[4], *seg1;
	unsigned int n;

	/* At a segment boundary: the chain is cut, nothing allocated. */
	split_case(p, model, 512, 1, 2, false);
	split_case(p, model, 1024, 2, 1, false);
	/* In the middle of a segment: a clone header. */
	split_case(p, model, 700, 2, 2, true);
	split_case(p, model, 1, 1, 3, true);
	split_case(p, model, STD_LEN - 1, 3, 1, true);
	split_case(p, model, 511, 1, 3, true);
	split_case(p, model, 513, 2, 2, true);

	/* Shared exactly on the straddling segment. */
	m = mk_std(p, model);
	seg1 = m->next;
	r = nb_buf_split(m, 700, p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 512));
	CU_ASSERT(nb_buf_is_shared(m, 512, 188));
	CU_ASSERT(nb_buf_is_shared(r, 0, 324));
	CU_ASSERT(!nb_buf_is_shared(r, 324, 100));
	CU_ASSERT(seg_at(m, 1) == seg1);
	/* m: first back, the straddling one still held by r's clone. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	pkt_eq(r, model + 700, STD_LEN - 700, "second part alone");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(r), 3);

	/* One segment. */
	m = mk_pkt(p, NB_LAYER_LINK, (const uint32_t[]){ 100 }, 1, model);
	r = nb_buf_split(m, 40, p);
	CU_ASSERT_FATAL(r != NULL);
	pkt_eq(m, model, 40, "split one segment: first");
	pkt_eq(r, model + 40, 60, "split one segment: second");
	CU_ASSERT(seg_data(r) == seg_data(m) + 40);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(r), 2);

	/* Bad offsets: unchanged. */
	m = mk_std(p, model);
	ASSERT_NULL_ERR(nb_buf_split(m, STD_LEN + 100, p), EINVAL);
	ASSERT_NULL_ERR(nb_buf_split(NULL, 10, p), EINVAL);
	pkt_eq(m, model, STD_LEN, "split refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 3);

	/* No header: ENOBUFS, unchanged; a boundary needs none. */
	n = take_all(q, held, 4);
	NB_TEST_ASSERT_INT_EQ(n, 4);
	ASSERT_NULL_ERR(nb_buf_split(m, 700, q), ENOBUFS);
	pkt_eq(m, model, STD_LEN, "split without a header");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 3);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(m->next), 1);
	r = nb_buf_split(m, 512, q);
	NB_TEST_ASSERT_MSG(r != NULL, "split at a boundary with no header: %s",
			   rte_strerror(rte_errno));
	give_back(held, n);
	pkt_eq(m, model, r != NULL ? 512 : STD_LEN, "split at 512, q empty");
	if (r != NULL) {
		pkt_eq(r, model + 512, STD_LEN - 512, "split at 512, q empty");
		NB_TEST_ASSERT_INT_EQ(nb_buf_free(r), 2);
	}
	nb_buf_free(m);
	free(model);
}

BUF_TEST(test_pullup)
{
	static const uint32_t l1[] = { 10, 300, 300 };
	static const uint32_t l2[] = { 100, 300, 300 };
	static const uint32_t l3[] = { 394, 300 };
	struct nb_pool *p = mkpool("pullup", NPOOL, ACCT);
	struct nb_pool *q = mkpool("pullupq", 4, ACCT);
	uint8_t *model = model_new(STD_LEN, 9);
	struct rte_mbuf *m, *old, *c, *none = NULL, *held[4];
	struct nb_pool_stats s0;
	unsigned int n;

	/* Already contiguous: nothing moves. */
	m = mk_std(p, model);
	old = m;
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 100, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 512, NULL), 0);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 3);
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 0);
	pkt_eq(m, model, STD_LEN, "pullup contiguous");
	/* Longer than a segment: -ENOSPC, unchanged. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 513, NULL), -ENOSPC);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 3);
	pkt_eq(m, model, STD_LEN, "pullup 513 refused");
	/* Bad lengths. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 0, NULL), 0);	/* item 13 */
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, STD_LEN + 1, NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(NULL, 1, NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&none, 1, NULL), -EINVAL);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);

	/* In place from the following segments; the emptied one freed. */
	m = mk_pkt(p, NB_LAYER_RAW, l1, 3, model);
	old = m;
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 400, NULL), 0);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_MSG(m->data_len >= 400, "pullup 400: first has %u",
			   (unsigned int)m->data_len);
	CU_ASSERT(memcmp(seg_data(m), model, 400) == 0);
	pkt_eq(m, model, 610, "pullup in place");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 0);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 1);
	/* The whole packet does not fit one segment. */
	old = m;
	n = nb_buf_seg_count(m);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 610, NULL), -ENOSPC);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), n);
	pkt_eq(m, model, 610, "pullup 610 refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), n);

	/* Exactly the whole packet, when it fits. */
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 10, 100, 100 }, 3,
		   model);
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 210, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	NB_TEST_ASSERT_INT_EQ(stats(p).frees - s0.frees, 2);
	pkt_eq(m, model, 210, "pullup of the whole packet");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* The first segment has no room at its tail. */
	m = mk_pkt(p, NB_LAYER_TRANSPORT, l3, 2, model);
	NB_TEST_ASSERT_INT_EQ(rte_pktmbuf_tailroom(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 450, NULL), 0);
	NB_TEST_ASSERT_MSG(m->data_len >= 450, "pullup 450: first has %u",
			   (unsigned int)m->data_len);
	CU_ASSERT(memcmp(seg_data(m), model, 450) == 0);
	pkt_eq(m, model, 694, "pullup without tailroom");
	check_ok(m, "pullup without tailroom");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), nb_buf_seg_count(m));

	/* The first segment is shared: a new one, the clone untouched. */
	m = mk_pkt(p, NB_LAYER_RAW, l2, 3, model);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	old = m;
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 350, NULL), 0);
	CU_ASSERT(m != old);
	CU_ASSERT(nb_pool_of(m) == p);
	NB_TEST_ASSERT_MSG(m->data_len >= 350, "pullup shared: first has %u",
			   (unsigned int)m->data_len);
	CU_ASSERT(memcmp(seg_data(m), model, 350) == 0);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 350));
	pkt_eq(m, model, 700, "pullup shared: packet");
	pkt_eq(c, model, 700, "pullup shared: clone");
	check_ok(m, "pullup shared");
	nb_buf_free(m);
	pkt_eq(c, model, 700, "pullup shared: clone alone");
	nb_buf_free(c);

	/* No buffer for the new first segment: -ENOBUFS, unchanged. */
	{
		struct nb_pool *pools[3] = { q, q, q };

		m = mk_pkt_from(pools, NB_LAYER_RAW, l2, 2, model);
	}
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	old = m;
	n = take_all(q, held, 4);
	NB_TEST_ASSERT_INT_EQ(n, 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 350, NULL), -ENOBUFS);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	pkt_eq(m, model, 400, "pullup without a buffer");
	give_back(held, n);
	nb_buf_free(c);
	nb_buf_free(m);
	free(model);
}

/*
 * A packet held twice (nb_buf_ref()): its first segment is shared, so
 * pullup takes a new first segment for this reference; the other
 * reference must still be the packet it was.
 */
BUF_TEST(test_pullup_ref)
{
	static const uint32_t lens[] = { 100, 300 };
	struct nb_pool *p = mkpool("pullref", NPOOL, ACCT);
	uint8_t *model = model_new(400, 32);
	struct rte_mbuf *m, *other;
	const char *reason = NULL;
	int ret;

	m = mk_pkt(p, NB_LAYER_RAW, lens, 2, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(m), 0);
	other = m;
	CU_ASSERT(nb_buf_is_shared(m, 0, 400));
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 150, NULL), 0);
	CU_ASSERT(m != other);
	NB_TEST_ASSERT_MSG(m->data_len >= 150, "first has %u",
			   (unsigned int)m->data_len);
	pkt_eq(m, model, 400, "pullup of a packet held twice");
	check_ok(m, "pullup of a packet held twice");
	ret = nb_buf_check(other, &reason);
	NB_TEST_ASSERT_MSG(ret == 0, "the other reference after the pullup: "
			   "nb_buf_check %d: %s (pkt_len %u, segment 2 now "
			   "%u bytes)", ret, reason != NULL ? reason : "",
			   other->pkt_len,
			   other->next != NULL ?
			   (unsigned int)other->next->data_len : 0);
	pkt_eq(other, model, 400, "the other reference after the pullup");
	nb_buf_free(m);
	nb_buf_free(other);

	/* A tail the caller still holds (nb_buf_chain()), consumed in part. */
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 10 }, 1, model);
	other = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100, 290 }, 2,
		       model + 10);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(m, other), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 150, NULL), 0);
	pkt_eq(m, model, 400, "pullup into a chained tail");
	CU_ASSERT(memcmp(seg_data(m), model, 150) == 0);
	pkt_eq(other, model + 10, 390, "the chained tail after the pullup");
	check_ok(other, "the chained tail after the pullup");
	nb_buf_free(m);
	nb_buf_free(other);
	free(model);
}

/*
 * Structural changes to a packet whose tail the caller still holds.
 * nb_buf.h: after nb_buf_chain(h, t) the two share segments and their
 * links, so restructuring h (cat, split, trim or pull across segments, a
 * write that grows it) also changes t. What must still hold: h is what the
 * operation says, and freeing both references (the caller "must still free"
 * t) gives every buffer back exactly once: no leak, no double free.
 */
BUF_TEST(test_chain_shared_tail)
{
	static const uint32_t lt[] = { 100, 100, 100 };
	static const char *const what[] = {
		"trim", "pull", "cat", "copy_in growing", "split",
	};
	struct nb_pool *p = mkpool("chtail", NPOOL, ACCT);
	uint8_t *model = model_new(700, 33);
	struct rte_mbuf *h, *t, *u, *r;
	struct nb_pool_stats s0, s1;
	unsigned int i;
	int ret;

	for (i = 0; i < NB_DIM(what); i++) {
		char ctx[96];

		snprintf(ctx, sizeof(ctx), "%s of a packet with a chained tail",
			 what[i]);
		s0 = stats(p);
		h = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 200 }, 1,
			   model);
		t = mk_pkt(p, NB_LAYER_RAW, lt, 3, model + 200);
		NB_TEST_ASSERT_INT_EQ(nb_buf_chain(h, t), 0);
		r = NULL;
		switch (i) {
		case 0:
			NB_TEST_ASSERT_INT_EQ(nb_buf_trim(h, 150), 0);
			pkt_eq(h, model, 350, ctx);
			break;
		case 1:
			CU_ASSERT(nb_buf_pull(h, 250) != NULL);
			pkt_eq(h, model + 250, 250, ctx);
			break;
		case 2:
			u = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 },
				   1, model + 500);
			NB_TEST_ASSERT_INT_EQ(nb_buf_cat(h, u), 0);
			pkt_eq(h, model, 600, ctx);
			break;
		case 3:
			ret = nb_buf_copy_in(h, 500, model + 500, 200, NULL);
			NB_TEST_ASSERT_MSG(ret == 0 || ret == -EPERM,
					   "%s: %d", ctx, ret);
			pkt_eq(h, model, ret == 0 ? 700 : 500, ctx);
			break;
		default:
			r = nb_buf_split(h, 350, p);
			CU_ASSERT(r != NULL);
			pkt_eq(h, model, 350, ctx);
			pkt_eq(r, model + 350, 150, ctx);
			break;
		}
		nb_buf_free(r);
		nb_buf_free(h);
		nb_buf_free(t);
		s1 = stats(p);
		NB_TEST_ASSERT_MSG(s1.in_use == s0.in_use,
				   "%s, then both freed: %d buffers never come "
				   "back", ctx, (int)(s1.in_use - s0.in_use));
		NB_TEST_ASSERT_MSG(s1.double_frees == s0.double_frees,
				   "%s, then both freed: %" PRIu64 " double "
				   "frees", ctx,
				   s1.double_frees - s0.double_frees);
	}
	free(model);
}

BUF_TEST(test_linearize)
{
	static const uint32_t l1[] = { 10, 190, 200 };
	static const uint32_t l2[] = { 100, 200 };
	struct nb_pool *p = mkpool("lin", NPOOL, ACCT);
	struct nb_pool *q = mkpool("linq", 4, ACCT);
	uint8_t *model = model_new(STD_LEN, 10);
	struct rte_mbuf *m, *old, *c, *none = NULL, *held[4];
	struct nb_pool_stats s0;
	unsigned int n;

	m = mk_pkt(p, NB_LAYER_RAW, l1, 3, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&m, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	pkt_eq(m, model, 400, "linearize");
	check_ok(m, "linearize");
	/* Already one segment: nothing happens. */
	old = m;
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&m, NULL), 0);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* Headroom in front: 118 + 300 fit. */
	m = mk_pkt(p, NB_LAYER_TRANSPORT, l2, 2, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&m, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	pkt_eq(m, model, 300, "linearize with headroom");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* Too long for one segment. */
	m = mk_std(p, model);
	old = m;
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&m, NULL), -ENOSPC);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 3);
	pkt_eq(m, model, STD_LEN, "linearize refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);

	/* Shared first segment: a new one; the clone is untouched. */
	m = mk_pkt(p, NB_LAYER_RAW, l2, 2, model);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	old = m;
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&m, NULL), 0);
	CU_ASSERT(m != old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 300));
	pkt_eq(m, model, 300, "linearize shared");
	pkt_eq(c, model, 300, "linearize shared: clone");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	nb_buf_free(c);

	/* ... with no buffer. */
	{
		struct nb_pool *pools[2] = { q, q };

		m = mk_pkt_from(pools, NB_LAYER_RAW, l2, 2, model);
	}
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	old = m;
	n = take_all(q, held, 4);
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&m, NULL), -ENOBUFS);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	pkt_eq(m, model, 300, "linearize without a buffer");
	give_back(held, n);
	nb_buf_free(c);
	nb_buf_free(m);

	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(NULL, NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&none, NULL), -EINVAL);
	free(model);
}

BUF_TEST(test_seek)
{
	static const struct {
		uint32_t off;
		unsigned int seg;
		uint32_t seg_off;
	} cases[] = {
		{ 0, 0, 0 }, { 1, 0, 1 }, { 511, 0, 511 }, { 512, 1, 0 },
		{ 700, 1, 188 }, { 1023, 1, 511 }, { 1024, 2, 0 },
		{ STD_LEN - 1, 2, 99 },
	};
	struct nb_pool *p = mkpool("seek", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 11);
	struct rte_mbuf *m, *s;
	uint32_t so;
	unsigned int i;

	m = mk_std(p, model);
	for (i = 0; i < NB_DIM(cases); i++) {
		so = UINT32_MAX;
		s = nb_buf_seek(m, cases[i].off, &so);
		NB_TEST_ASSERT_MSG(s == seg_at(m, cases[i].seg) &&
				   so == cases[i].seg_off,
				   "seek %u: segment %p offset %u, expected "
				   "%p offset %u", cases[i].off, (void *)s, so,
				   (void *)seg_at(m, cases[i].seg),
				   cases[i].seg_off);
		CU_ASSERT(nb_buf_seek(m, cases[i].off, NULL) ==
			  seg_at(m, cases[i].seg));
	}
	ASSERT_NULL_ERR(nb_buf_seek(m, STD_LEN, &so), EINVAL);
	ASSERT_NULL_ERR(nb_buf_seek(m, UINT32_MAX, NULL), EINVAL);
	ASSERT_NULL_ERR(nb_buf_seek(NULL, 0, &so), EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(model);
}

/*
 * Data access
 */

BUF_TEST(test_copy_out)
{
	static const uint32_t lens[] = { 394, 512, 100 };
	static const struct {
		uint32_t off, len;
	} ranges[] = {
		{ 0, 1006 }, { 0, 1 }, { 1005, 1 }, { 380, 30 }, { 394, 512 },
		{ 393, 514 }, { 900, 106 }, { 1006, 0 },
	};
	struct nb_pool *p = mkpool("cpout", NPOOL, ACCT);
	uint8_t *model = model_new(1006, 12);
	uint8_t *buf = malloc(1100), *walk = malloc(1006);
	struct rte_mbuf *m;
	unsigned int i;
	char ctx[64];

	CU_ASSERT_FATAL(buf != NULL && walk != NULL);
	m = mk_pkt(p, NB_LAYER_TRANSPORT, lens, 3, model);
	/* The packet by hand is the model: the helpers are right. */
	walk_bytes(m, walk, 1006);
	bytes_eq(walk, model, 1006, "hand walk");
	for (i = 0; i < NB_DIM(ranges); i++) {
		snprintf(ctx, sizeof(ctx), "copy_out %u+%u", ranges[i].off,
			 ranges[i].len);
		memset(buf, 0xee, 1100);
		NB_TEST_ASSERT_MSG(nb_buf_copy_out(m, ranges[i].off, buf,
						   ranges[i].len) == 0,
				   "%s failed", ctx);
		bytes_eq(buf, model + ranges[i].off, ranges[i].len, ctx);
		/* Not one byte more. */
		NB_TEST_ASSERT_MSG(buf[ranges[i].len] == 0xee,
				   "%s: wrote past len", ctx);
	}
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, 1005, buf, 2), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, 1007, buf, 0), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, 0, buf, 1007), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, UINT32_MAX, buf, 2), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, 2, buf, UINT32_MAX), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(NULL, 0, buf, 1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(model);
	free(buf);
	free(walk);
}

BUF_TEST(test_copy_in)
{
	static const uint32_t l2[] = { 512, 100 };
	struct nb_pool *p = mkpool("cpin", NPOOL, ACCT);
	struct nb_pool *q = mkpool("cpinq", NPOOL, ACCT);
	struct nb_pool *e = mkpool("cpine", 4, ACCT);
	uint8_t *model = model_new(2200, 13);
	uint8_t *src = model_new(1200, 14);
	struct rte_mbuf *m, *r, *c, *c2, *s, *held[4];
	struct nb_pool_stats sp0, sq0;
	unsigned int n, wrong;
	int ret, ret2;

	/* Across two boundaries. */
	m = mk_std(p, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 500, src, 530, NULL), 0);
	memcpy(model + 500, src, 530);
	pkt_eq(m, model, STD_LEN, "copy_in across boundaries");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 3);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 0, src + 7, STD_LEN, NULL), 0);
	memcpy(model, src + 7, STD_LEN);
	pkt_eq(m, model, STD_LEN, "copy_in all");
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, STD_LEN + 1, src, 1, NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(NULL, 0, src, 1, NULL), -EINVAL);
	pkt_eq(m, model, STD_LEN, "copy_in refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);

	/* Appending in the tailroom. */
	pattern(model, 2200, 15);
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 100, src, 50, NULL), 0);
	memcpy(model + 100, src, 50);
	pkt_eq(m, model, 150, "copy_in at the end");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* Growing past the end: the last segment's room, then its pool. */
	{
		struct nb_pool *pools[2] = { p, q };

		m = mk_pkt_from(pools, NB_LAYER_RAW, l2, 2, model);
	}
	sp0 = stats(p);
	sq0 = stats(q);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 600, src, 1000, NULL), 0);
	memcpy(model + 600, src, 1000);
	pkt_eq(m, model, 1600, "copy_in growing");
	NB_TEST_ASSERT_INT_EQ(m->next->data_len, 512);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 4);
	for (s = m->next, wrong = 0; s != NULL; s = s->next) {
		wrong += nb_pool_of(s) != q;
	}
	NB_TEST_ASSERT_MSG(wrong == 0, "copy_in growing: %u segments not "
			   "from the last segment's pool", wrong);
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - sp0.allocs, 0);
	NB_TEST_ASSERT_INT_EQ(stats(q).in_use - sq0.in_use, 2);
	check_ok(m, "copy_in growing");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 4);

	/* No buffer to grow: -ENOBUFS and not one byte written. */
	pattern(model, 2200, 16);
	m = mk_pkt(e, NB_LAYER_RAW, (const uint32_t[]){ 512 }, 1, model);
	n = take_all(e, held, 4);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 507, src, 100, NULL), -ENOBUFS);
	pkt_eq(m, model, 512, "copy_in without a buffer");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	give_back(held, n);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* Shared segments are refused, and nothing is written. */
	pattern(model, 2200, 17);
	m = mk_std(p, model);
	r = nb_buf_split(m, 700, p);
	CU_ASSERT_FATAL(r != NULL);
	/* m: [512 private][188 shared]; r: [324 shared][100 private] */
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 0, src, 10, NULL), 0);
	memcpy(model, src, 10);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 505, src, 10, NULL), -EPERM);
	pkt_eq(m, model, 700, "copy_in over a shared segment");
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(r, 0, src, 1, NULL), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(r, 320, src, 10, NULL), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(r, 324, src, 100, NULL), 0);
	memcpy(model + 1024, src, 100);
	pkt_eq(r, model + 700, STD_LEN - 700, "copy_in on the private part");
	/*
	 * Growing m: the tailroom of its last segment is r's data. Either
	 * refused or written elsewhere; r must not change.
	 */
	ret = nb_buf_copy_in(m, 700, src + 100, 20, NULL);
	NB_TEST_ASSERT_MSG(ret == 0 || ret == -EPERM,
			   "copy_in past a shared last segment: %d", ret);
	pkt_eq(r, model + 700, STD_LEN - 700, "r after growing m");
	if (ret == 0) {
		uint8_t *want = malloc(720);

		CU_ASSERT_FATAL(want != NULL);
		memcpy(want, model, 700);
		memcpy(want + 700, src + 100, 20);
		pkt_eq(m, want, 720, "m grown past a shared segment");
		free(want);
	} else {
		pkt_eq(m, model, 700, "m not grown");
	}
	nb_buf_free(m);
	nb_buf_free(r);

	/* A clone: neither side may write. */
	pattern(model, 2200, 18);
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1, model);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 0, src, 10, NULL), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(c, 0, src, 10, NULL), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(c, 95, src, 10, NULL), -EPERM);
	pkt_eq(m, model, 100, "copy_in on a cloned packet");
	pkt_eq(c, model, 100, "copy_in on a clone");
	/*
	 * Growing the clone: the tailroom of its segment is the shared
	 * buffer's, so either refused or appended in a new segment; the
	 * original and a second clone growing the same way see nothing.
	 */
	c2 = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c2 != NULL);
	ret = nb_buf_copy_in(c, 100, src, 10, NULL);
	NB_TEST_ASSERT_MSG(ret == 0 || ret == -EPERM,
			   "copy_in growing a clone: %d", ret);
	ret2 = nb_buf_copy_in(c2, 100, src + 50, 10, NULL);
	NB_TEST_ASSERT_INT_EQ(ret2, ret);
	pkt_eq(m, model, 100, "original after its clones grew");
	if (ret == 0) {
		uint8_t want[110];

		memcpy(want, model, 100);
		memcpy(want + 100, src, 10);
		pkt_eq(c, want, 110, "first clone grown");
		memcpy(want + 100, src + 50, 10);
		pkt_eq(c2, want, 110, "second clone grown");
	} else {
		pkt_eq(c, model, 100, "first clone not grown");
		pkt_eq(c2, model, 100, "second clone not grown");
	}
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), ret == 0 ? 2 : 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c2), ret == 0 ? 2 : 1);
	/* Alone again: writable. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 0, src, 10, NULL), 0);
	memcpy(model, src, 10);
	pkt_eq(m, model, 100, "copy_in after the clone's free");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	free(model);
	free(src);
}

/* Get and put one byte at every offset of a chain of 1-byte segments. */
BUF_TEST(test_u8)
{
	enum { N = 24 };
	struct nb_pool *p = mkpool("u8", NPOOL, ACCT);
	uint8_t *model = model_new(N, 19), *big;
	uint32_t lens[N];
	struct rte_mbuf *m, *c;
	unsigned int i, bad;

	for (i = 0; i < N; i++) {
		lens[i] = 1;
	}
	m = mk_pkt(p, NB_LAYER_RAW, lens, N, model);
	for (i = 0, bad = 0; i < N; i++) {
		bad += nb_buf_get_u8(m, i) != model[i];
	}
	NB_TEST_ASSERT_INT_EQ(bad, 0);
	for (i = 0, bad = 0; i < N; i++) {
		model[i] = (uint8_t)(0xff - i);
		bad += nb_buf_put_u8(m, i, model[i]) != 0;
	}
	NB_TEST_ASSERT_INT_EQ(bad, 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_get_u8(m, 0), 0xff);
	for (i = 0, bad = 0; i < N; i++) {
		bad += nb_buf_get_u8(m, i) != model[i];
		bad += *seg_data(seg_at(m, i)) != model[i];
	}
	NB_TEST_ASSERT_INT_EQ(bad, 0);
	pkt_eq(m, model, N, "put_u8 everywhere");
	NB_TEST_ASSERT_INT_EQ(nb_buf_get_u8(m, N), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_get_u8(m, UINT32_MAX), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, N, 1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_get_u8(NULL, 0), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(NULL, 0, 1), -EINVAL);
	pkt_eq(m, model, N, "u8 refused");

	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 5, 1), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(c, N - 1, 1), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_get_u8(c, N - 1), model[N - 1]);
	pkt_eq(m, model, N, "put_u8 on a shared segment");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), N);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 5, 1), 0);
	model[5] = 1;
	pkt_eq(m, model, N, "put_u8 after the clone's free");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), N);

	/* Inside larger segments, every offset. */
	big = model_new(STD_LEN, 34);
	m = mk_std(p, big);
	for (i = 0, bad = 0; i < STD_LEN; i++) {
		bad += nb_buf_get_u8(m, i) != big[i];
	}
	NB_TEST_ASSERT_MSG(bad == 0, "get_u8: %u of %u offsets wrong", bad,
			   STD_LEN);
	for (i = 0, bad = 0; i < STD_LEN; i += 7) {
		big[i] = (uint8_t)(big[i] ^ 0x3c);
		bad += nb_buf_put_u8(m, i, big[i]) != 0;
	}
	NB_TEST_ASSERT_INT_EQ(bad, 0);
	pkt_eq(m, big, STD_LEN, "put_u8 every 7 bytes");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(big);
	free(model);
}

BUF_TEST(test_memcmp)
{
	struct nb_pool *p = mkpool("memcmp", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 20);
	uint8_t *s = malloc(STD_LEN);
	struct rte_mbuf *m;

	CU_ASSERT_FATAL(s != NULL);
	m = mk_std(p, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 0, model, STD_LEN), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 500, model + 500, 40), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, STD_LEN - 1,
					    model + STD_LEN - 1, 1), 0);
	memcpy(s, model + 500, 40);
	s[15] ^= 0x01;		/* packet byte 515, in the second segment */
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 500, s, 40), 16);
	memcpy(s, model + 500, 40);
	s[0] ^= 0x80;
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 500, s, 40), 1);
	memcpy(s, model, STD_LEN);
	s[STD_LEN - 1] ^= 0x10;
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 0, s, STD_LEN), STD_LEN);
	memcpy(s, model, STD_LEN);
	s[1030] ^= 0xff;
	s[700] ^= 0xff;
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 0, s, STD_LEN), 701);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 1, s + 1, STD_LEN - 1), 700);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, 1100, model + 1100, 25),
			      -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, STD_LEN, model, 1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(m, UINT32_MAX, model, 2), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memcmp(NULL, 0, model, 1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(model);
	free(s);
}

BUF_TEST(test_memfind)
{
	enum { N = 24 };
	struct nb_pool *p = mkpool("memfind", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 21);
	uint8_t needle[8], small[N], absent[8];
	uint32_t lens[N];
	struct rte_mbuf *m;
	unsigned int i;

	/* The same 8 bytes at 509 (across a boundary) and at 900. */
	memcpy(needle, model + 509, 8);
	memcpy(model + 900, needle, 8);
	m = mk_std(p, model);
	/* The expected answers are those of a plain search of the model. */
	NB_TEST_ASSERT_INT_EQ(model_find(model, STD_LEN, needle, 8, 0), 509);
	NB_TEST_ASSERT_INT_EQ(model_find(model, STD_LEN, needle, 8, 510), 900);
	NB_TEST_ASSERT_INT_EQ(model_find(model, STD_LEN, needle, 8, 901),
			      -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 8, 0), 509);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 8, 509), 509);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 8, 510), 900);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 8, 900), 900);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 8, 901), -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, model, 4, 0),
			      model_find(model, STD_LEN, model, 4, 0));
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, model + STD_LEN - 8, 8, 0),
			      model_find(model, STD_LEN, model + STD_LEN - 8,
					 8, 0));
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, model + 1020, 8, 0),
			      model_find(model, STD_LEN, model + 1020, 8, 0));
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, model, STD_LEN, 0), 0);
	/* Absent: a needle the model does not hold. */
	memcpy(absent, needle, 8);
	for (i = 0; i < 256 && model_find(model, STD_LEN, absent, 8, 0) >= 0;
	     i++) {
		absent[7] = (uint8_t)i;
	}
	CU_ASSERT_FATAL(model_find(model, STD_LEN, absent, 8, 0) == -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, absent, 8, 0), -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 8, STD_LEN), -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 8, STD_LEN + 50),
			      -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, model + STD_LEN - 8, 8,
					     STD_LEN - 7), -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, model, STD_LEN + 1, 0),
			      -ENOENT);
	/* An empty needle is found where the search starts (item 13). */
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 0, 0), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, needle, 0, 7), 7);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, NULL, 0, 7), 7);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(NULL, needle, 8, 0), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);

	/* 1-byte segments; a partial match just before the real one. */
	memset(small, 'a', N);
	small[10] = 'b';
	small[20] = 'b';
	for (i = 0; i < N; i++) {
		lens[i] = 1;
	}
	m = mk_pkt(p, NB_LAYER_RAW, lens, N, small);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, "aab", 3, 0), 8);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, "aab", 3, 9), 18);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, "baaaaaaaaab", 11, 0), 10);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, "aaab", 4, 19), -ENOENT);
	NB_TEST_ASSERT_INT_EQ(nb_buf_memfind(m, "aaa", 3, 21), 21);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), N);
	free(model);
}

BUF_TEST(test_read)
{
	struct nb_pool *p = mkpool("read", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 22);
	uint8_t buf[64];
	const uint8_t *r;
	struct rte_mbuf *m;

	m = mk_std(p, model);
	/* Contiguous: a pointer into the packet, buf untouched. */
	memset(buf, 0xee, sizeof(buf));
	r = nb_buf_read(m, 10, 20, buf);
	CU_ASSERT(r == seg_data(m) + 10);
	r = nb_buf_read(m, 600, 10, buf);
	CU_ASSERT(r == seg_data(m->next) + 88);
	r = nb_buf_read(m, STD_LEN - 100, 100, buf);
	CU_ASSERT(r == seg_data(m->next->next));
	NB_TEST_ASSERT_INT_EQ(buf[0], 0xee);
	/* Straddling: a copy in buf. */
	r = nb_buf_read(m, 500, 30, buf);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(r == buf);
	bytes_eq(r, model + 500, 30, "read across a boundary");
	r = nb_buf_read(m, 1000, 40, buf);
	CU_ASSERT_FATAL(r != NULL);
	bytes_eq(r, model + 1000, 40, "read across the second boundary");
	/* Past the end. */
	ASSERT_NULL_ERR(nb_buf_read(m, STD_LEN - 24, 25, buf), EINVAL);
	ASSERT_NULL_ERR(nb_buf_read(m, STD_LEN, 1, buf), EINVAL);
	ASSERT_NULL_ERR(nb_buf_read(m, UINT32_MAX, 2, buf), EINVAL);
	ASSERT_NULL_ERR(nb_buf_read(NULL, 0, 1, buf), EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(model);
}

/*
 * Zero-copy sharing
 */

static void
clone_mode(enum nb_pool_mode mode)
{
	struct nb_pool *p = mkpool(mode == ACCT ? "clA" : "clF", NPOOL, mode);
	struct nb_pool *q = mkpool(mode == ACCT ? "clqA" : "clqF", 8, mode);
	uint8_t *model = model_new(STD_LEN, 23);
	struct rte_mbuf *m, *c, *c2, *held[8];
	struct nb_pool_stats s0;
	unsigned int i, n, bad;

	/* One segment: same data, no copy. */
	m = mk_pkt(p, NB_LAYER_LINK, (const uint32_t[]){ 100 }, 1, model);
	s0 = stats(p);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT(rte_pktmbuf_mtod(c, void *) == rte_pktmbuf_mtod(m, void *));
	CU_ASSERT(c != m);
	CU_ASSERT(RTE_MBUF_CLONED(c) != 0);
	pkt_eq(c, model, 100, "clone");
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(m), 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(c), 1);
	CU_ASSERT(nb_buf_is_shared(m, 0, 100));
	CU_ASSERT(nb_buf_is_shared(c, 0, 100));
	check_ok(c, "clone");
	check_ok(m, "cloned");
	if (mode == ACCT) {
		NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 1);
	}
	/* A clone of the clone reaches the same data. */
	c2 = nb_buf_clone(c, p);
	CU_ASSERT_FATAL(c2 != NULL);
	CU_ASSERT(rte_pktmbuf_mtod(c2, void *) == rte_pktmbuf_mtod(m, void *));
	pkt_eq(c2, model, 100, "clone of a clone");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	pkt_eq(c, model, 100, "clone after the original's free");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c2), 2);
	NB_TEST_ASSERT_INT_EQ(in_use(p), 0);

	/* A chain, headers from another pool. */
	m = mk_std(p, model);
	c = nb_buf_clone(m, q);
	CU_ASSERT_FATAL(c != NULL);
	pkt_eq(c, model, STD_LEN, "clone of a chain");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(c), 3);
	for (i = 0, bad = 0; i < 3; i++) {
		bad += seg_data(seg_at(c, i)) != seg_data(seg_at(m, i));
		bad += nb_pool_of(seg_at(c, i)) != q;
		bad += seg_ref(m, i) != 2;
	}
	NB_TEST_ASSERT_INT_EQ(bad, 0);
	NB_TEST_ASSERT_INT_EQ(in_use(q), 3);
	check_ok(c, "clone of a chain");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 3);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(m), 1);

	/* No header: ENOBUFS, nothing changed, nothing taken. */
	n = take_until(q, held, 8, 2);
	ASSERT_NULL_ERR(nb_buf_clone(m, q), ENOBUFS);
	for (i = 0, bad = 0; i < 3; i++) {
		bad += seg_ref(m, i) != 1;
	}
	NB_TEST_ASSERT_INT_EQ(bad, 0);
	NB_TEST_ASSERT_INT_EQ(in_use(q), n);
	give_back(held, n);
	/* A data count at its maximum. */
	rte_mbuf_refcnt_set(m->next, UINT16_MAX);
	ASSERT_NULL_ERR(nb_buf_clone(m, p), EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(m), 1);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(m->next), UINT16_MAX);
	rte_mbuf_refcnt_set(m->next, 1);
	ASSERT_NULL_ERR(nb_buf_clone(NULL, p), EINVAL);
	pkt_eq(m, model, STD_LEN, "clone refused");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(model);
}

BUF_TEST(test_clone)
{
	clone_mode(ACCT);
	clone_mode(FAST);
}

/* Free callback of external memory: counts its calls. */
struct ext_ctx {
	uint32_t calls;
	void *va;
	void *opaque;
	unsigned int lcore;
};

static void
ext_free(void *va, void *opaque)
{
	struct ext_ctx *x = opaque;

	x->va = va;
	x->opaque = opaque;
	x->lcore = rte_lcore_id();
	__atomic_fetch_add(&x->calls, 1, __ATOMIC_RELEASE);
}

static uint32_t
ext_calls(struct ext_ctx *x)
{
	return __atomic_load_n(&x->calls, __ATOMIC_ACQUIRE);
}

#define EXT_IOVA ((rte_iova_t)0x40000000)

BUF_TEST(test_ext)
{
	const uint32_t big = 200000;
	struct nb_pool *hp = mkpool("ext", NPOOL, ACCT);
	struct nb_pool *p = mkpool("extp", NPOOL, ACCT);
	struct nb_pool *e = mkpool("exte", 4, ACCT);
	uint8_t *mem = model_new(big, 24);
	uint8_t *keep = malloc(big);
	struct rte_mbuf *m, *c, *s, *old, *held[4];
	struct nb_sge sgl[8];
	struct ext_ctx x;
	unsigned int i, n, bad;
	uint32_t off;

	CU_ASSERT_FATAL(keep != NULL);
	memcpy(keep, mem, big);

	/* One window; the callback once, at the free. */
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 3000, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT(rte_pktmbuf_mtod(m, void *) == (void *)mem);
	CU_ASSERT(RTE_MBUF_HAS_EXTBUF(m) != 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	pkt_eq(m, mem, 3000, "attach_ext");
	check_ok(m, "attach_ext");
	CU_ASSERT(!nb_buf_is_shared(m, 0, 3000));
	NB_TEST_ASSERT_INT_EQ(nb_buf_iova(m, 0), EXT_IOVA);
	NB_TEST_ASSERT_INT_EQ(nb_buf_iova(m, 2999), EXT_IOVA + 2999);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 8), 1);
	CU_ASSERT(sgl[0].va == (void *)mem && sgl[0].len == 3000 &&
		  sgl[0].iova == EXT_IOVA);
	/* One reference: writable, and writes go to the memory. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 7, 0x5a), 0);
	NB_TEST_ASSERT_INT_EQ(mem[7], 0x5a);
	mem[7] = keep[7];
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);
	CU_ASSERT(x.va == (void *)mem && x.opaque == (void *)&x);

	/* Clone: the last of the two references runs it. */
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 3000, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	c = nb_buf_clone(m, hp);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT(rte_pktmbuf_mtod(c, void *) == (void *)mem);
	CU_ASSERT(nb_buf_is_shared(m, 0, 3000));
	CU_ASSERT(nb_buf_is_shared(c, 0, 1));
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(c, 0, 1), -EPERM);
	pkt_eq(c, mem, 3000, "clone of external memory");
	check_ok(c, "clone of external memory");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);

	/* An extra reference. */
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 3000, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(m), 0);
	CU_ASSERT(nb_buf_is_shared(m, 0, 1));
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);

	/* Longer than 65535: a chain of windows, one callback. */
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, big, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	pkt_eq(m, mem, big, "attach_ext 200000");
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 4);
	for (s = m, i = 0, off = 0, bad = 0; s != NULL; s = s->next, i++) {
		bad += seg_data(s) != mem + off;
		bad += s->data_len != (i < 3 ? 65535 : big - 3 * 65535);
		off += s->data_len;
	}
	NB_TEST_ASSERT_MSG(bad == 0, "attach_ext 200000: %u bad windows", bad);
	check_ok(m, "attach_ext 200000");
	NB_TEST_ASSERT_INT_EQ(nb_buf_iova(m, 65535), EXT_IOVA + 65535);
	NB_TEST_ASSERT_INT_EQ(nb_buf_iova(m, big - 1), EXT_IOVA + big - 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 8), 4);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 3), -ENOSPC);
	c = nb_buf_clone(m, hp);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 4);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 0);
	pkt_eq(c, mem, big, "clone of 200000 external bytes");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 4);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);

	/* No IOVA. */
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, RTE_BAD_IOVA, 100, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	pkt_eq(m, mem, 100, "attach_ext without IOVA");
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 8), -EFAULT);
	CU_ASSERT(nb_buf_iova(m, 0) == RTE_BAD_IOVA);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);

	/* No callback. */
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 100, NULL, NULL, 0);
	CU_ASSERT_FATAL(m != NULL);
	pkt_eq(m, mem, 100, "attach_ext without a callback");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);

	/* Copy-on-write of external memory that fits a buffer of p. */
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 400, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	c = nb_buf_clone(m, hp);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, 400), 0);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 400));
	CU_ASSERT(!nb_buf_is_shared(c, 0, 400));
	CU_ASSERT(nb_pool_of(m) == p && RTE_MBUF_DIRECT(m));
	pkt_eq(m, mem, 400, "external memory made writable");
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 0, keep + 5000, 400, NULL), 0);
	bytes_eq(mem, keep, 400, "external memory after the copy's write");
	pkt_eq(c, keep, 400, "clone after the copy's write");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);

	/* A window larger than one buffer of p (1000 > 512): a chain. */
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 1000, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	c = nb_buf_clone(m, hp);
	CU_ASSERT_FATAL(c != NULL);
	old = m;
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, 1000), 0);
	pkt_eq(m, mem, 1000, "external 1000 made writable");
	CU_ASSERT(m != old);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	for (s = m, bad = 0; s != NULL; s = s->next) {
		bad += nb_pool_of(s) != p || !RTE_MBUF_DIRECT(s);
	}
	NB_TEST_ASSERT_MSG(bad == 0, "external 1000 made writable: %u "
			   "segments not private copies from p", bad);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 1000));
	CU_ASSERT(!nb_buf_is_shared(c, 0, 1000));
	check_ok(m, "external 1000 made writable");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 2);
	nb_buf_free(c);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);

	/* Refused: no callback runs. */
	memset(&x, 0, sizeof(x));
	ASSERT_NULL_ERR(nb_buf_attach_ext(NULL, mem, EXT_IOVA, 100, ext_free,
					  &x, 0), EINVAL);
	ASSERT_NULL_ERR(nb_buf_attach_ext(hp, NULL, EXT_IOVA, 100, ext_free,
					  &x, 0), EINVAL);
	ASSERT_NULL_ERR(nb_buf_attach_ext(hp, mem, EXT_IOVA, 0, ext_free, &x, 0),
			EINVAL);
	n = take_until(e, held, 4, 2);
	ASSERT_NULL_ERR(nb_buf_attach_ext(e, mem, EXT_IOVA, big, ext_free, &x, 0),
			ENOBUFS);
	NB_TEST_ASSERT_INT_EQ(in_use(e), n);
	n += take_all(e, held + n, 4 - n);
	ASSERT_NULL_ERR(nb_buf_attach_ext(e, mem, EXT_IOVA, 100, ext_free, &x, 0),
			ENOBUFS);
	give_back(held, n);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 0);
	bytes_eq(mem, keep, big, "external memory at the end");
	free(mem);
	free(keep);
}

/* Free a packet on the worker lcore. */
struct remote_free {
	struct rte_mbuf *m;
	unsigned int freed;
};

static int
remote_free_fn(void *arg)
{
	struct remote_free *r = arg;

	r->freed = nb_buf_free(r->m);
	return 0;
}

static void
remote_mode(enum nb_pool_mode mode)
{
	struct nb_pool *p = mkpool(mode == ACCT ? "rmA" : "rmF", NPOOL, mode);
	uint8_t *mem = model_new(4000, 25);
	struct remote_free rf;
	struct rte_mbuf *m, *c;
	struct ext_ctx x;

	/* External memory: the callback runs on the worker. */
	memset(&x, 0, sizeof(x));
	x.lcore = RTE_MAX_LCORE;
	m = nb_buf_attach_ext(p, mem, EXT_IOVA, 4000, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 0);
	rf.m = c;
	rf.freed = 99;
	if (run_on_worker(remote_free_fn, &rf)) {
		NB_TEST_ASSERT_INT_EQ(rf.freed, 1);
		NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);
		NB_TEST_ASSERT_INT_EQ(x.lcore, g_worker);
	}

	/* A direct segment whose clone goes last, on the worker. */
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 300 }, 1, mem);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 0);
	rf.m = c;
	rf.freed = 99;
	if (run_on_worker(remote_free_fn, &rf)) {
		NB_TEST_ASSERT_INT_EQ(rf.freed, 2);
	}
	free(mem);
}

BUF_TEST(test_remote_free)
{
	if (!g_have_worker) {
		printf("\n  note: one lcore: remote frees skipped\n");
		CU_PASS("skipped: one lcore");
		return;
	}
	remote_mode(ACCT);
	remote_mode(FAST);
}

/*
 * The limits of external memory: more than 65535 windows is EINVAL, and
 * 16383 windows (records) can be attached at once. The memory is a
 * reservation never touched (nothing reads the bytes here).
 */
BUF_TEST(test_ext_limits)
{
	const unsigned int max_windows = 16383;
	const size_t span = (size_t)(max_windows + 1) * UINT16_MAX;
	/* Headers: the windows, plus what the worker lcore's cache of the
	 * accounted pool may keep after it frees (1.5 x 256). */
	struct nb_pool *hp = mkpool_opts("extlim", max_windows + 64 + 384, ACCT,
					 BIG_ROOM, 0);
	struct rte_mbuf *m;
	struct ext_ctx x;
	void *va;

	va = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		  MAP_NORESERVE, -1, 0);
	CU_ASSERT_FATAL(va != MAP_FAILED);
	memset(&x, 0, sizeof(x));
	ASSERT_NULL_ERR(nb_buf_attach_ext(hp, va, EXT_IOVA, UINT32_MAX,
					  ext_free, &x, 0), EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(in_use(hp), 0);
	/*
	 * nb_buf.h promises 16383 windows at once; the record pool keeps
	 * room for its per-lcore caches on top, so there is no exact "one
	 * more fails" point to test here.
	 */
	(void)span;
	/* Some external memory released on the other lcore first. */
	if (g_have_worker) {
		struct remote_free rf;

		m = nb_buf_attach_ext(hp, va, EXT_IOVA, 200u * UINT16_MAX,
				      ext_free, &x, 0);
		CU_ASSERT_FATAL(m != NULL);
		rf.m = m;
		rf.freed = 0;
		if (run_on_worker(remote_free_fn, &rf)) {
			NB_TEST_ASSERT_INT_EQ(rf.freed, 200);
			NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);
		}
		memset(&x, 0, sizeof(x));
	}
	/* Exactly as many windows as records. */
	m = nb_buf_attach_ext(hp, va, EXT_IOVA,
			      (uint32_t)(span - UINT16_MAX), ext_free, &x, 0);
	NB_TEST_ASSERT_MSG(m != NULL, "attach_ext of %u windows%s: %s",
			   max_windows, g_have_worker ? ", after 200 were "
			   "released on the other lcore" : "",
			   rte_strerror(rte_errno));
	if (m != NULL) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), max_windows);
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), span - UINT16_MAX);
		check_ok(m, "attach_ext of the most windows");
		NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), max_windows);
		NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);
	}
	munmap(va, span);
}

BUF_TEST(test_is_shared)
{
	struct nb_pool *p = mkpool("shared", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 26);
	struct rte_mbuf *a, *b, *x, *bc;

	/* [512 private][512 shared with bc][100 private] */
	a = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 512 }, 1, model);
	b = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 512 }, 1, model + 512);
	x = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1,
		   model + 1024);
	bc = nb_buf_clone(b, p);
	CU_ASSERT_FATAL(bc != NULL);
	link_by_hand(a, b);
	link_by_hand(a, x);
	pkt_eq(a, model, STD_LEN, "is_shared packet");
	CU_ASSERT(!nb_buf_is_shared(a, 0, 512));
	CU_ASSERT(!nb_buf_is_shared(a, 0, 1));
	CU_ASSERT(nb_buf_is_shared(a, 511, 2));
	CU_ASSERT(nb_buf_is_shared(a, 512, 1));
	CU_ASSERT(nb_buf_is_shared(a, 700, 10));
	CU_ASSERT(nb_buf_is_shared(a, 1023, 2));
	CU_ASSERT(!nb_buf_is_shared(a, 1024, 100));
	CU_ASSERT(nb_buf_is_shared(a, 0, STD_LEN));
	/* Bad arguments: never "not shared" (issue 7, item 13). */
	CU_ASSERT(nb_buf_is_shared(NULL, 0, 1));
	CU_ASSERT(nb_buf_is_shared(a, STD_LEN, 1));
	CU_ASSERT(nb_buf_is_shared(a, 600, UINT32_MAX));
	/* len 0 inside the packet: no byte, no head or tail: nothing. */
	CU_ASSERT(!nb_buf_is_shared(a, 700, 0));
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(bc), 1);
	CU_ASSERT(!nb_buf_is_shared(a, 0, STD_LEN));
	/* A second reference shares everything. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(a), 0);
	CU_ASSERT(nb_buf_is_shared(a, 0, 1));
	CU_ASSERT(nb_buf_is_shared(a, 1100, 24));
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(a), 0);
	CU_ASSERT(!nb_buf_is_shared(a, 0, STD_LEN));
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(a), 3);
	free(model);
}

BUF_TEST(test_make_writable)
{
	struct nb_pool *p = mkpool("mkw", NPOOL, ACCT);
	struct nb_pool *q = mkpool("mkwq", 4, ACCT);
	uint8_t *model = model_new(STD_LEN, 27);
	struct rte_mbuf *m, *b, *x, *bc, *cl, *old, *old1, *old2, *held[4];
	struct rte_mbuf *none = NULL;
	struct nb_pool_stats s0;
	uint8_t *d0, *d2;
	unsigned int n;

	/* [512 private][512 shared with bc][100 private] */
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 512 }, 1, model);
	b = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 512 }, 1, model + 512);
	x = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1,
		   model + 1024);
	bc = nb_buf_clone(b, p);
	CU_ASSERT_FATAL(bc != NULL);
	link_by_hand(m, b);
	link_by_hand(m, x);
	old = m;
	d0 = seg_data(m);
	d2 = seg_data(x);
	/* A range without the shared segment: nothing to do. */
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, 512), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 1024, 100), 0);
	CU_ASSERT(m == old && m->next == b && b->next == x);
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 0);
	CU_ASSERT(nb_buf_is_shared(m, 512, 1));
	/* The shared one only. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 1000, 124), 0);
	CU_ASSERT(m == old && seg_data(m) == d0);
	CU_ASSERT(m->next != b);
	CU_ASSERT(seg_at(m, 2) == x && seg_data(x) == d2);
	CU_ASSERT(!nb_buf_is_shared(m, 0, STD_LEN));
	NB_TEST_ASSERT_INT_EQ(stats(p).in_use - s0.in_use, 1);
	pkt_eq(m, model, STD_LEN, "make_writable of the middle");
	pkt_eq(bc, model + 512, 512, "the clone of the middle");
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(b), 1);
	check_ok(m, "make_writable of the middle");
	/* Writable for real: the clone does not see the write. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 600, (uint8_t)~model[600]), 0);
	pkt_eq(bc, model + 512, 512, "the clone after a write");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(bc), 2);

	/* The first segment shared: *m changes, the others stay shared. */
	m = mk_std(p, model);
	cl = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(cl != NULL);
	old = m;
	old1 = m->next;
	old2 = m->next->next;
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, 10), 0);
	CU_ASSERT(m != old);
	CU_ASSERT(m->next == old1 && seg_at(m, 2) == old2);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 512));
	CU_ASSERT(nb_buf_is_shared(m, 512, 612));
	pkt_eq(m, model, STD_LEN, "make_writable of the head");
	pkt_eq(cl, model, STD_LEN, "the clone of the head");
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 0, model + 3, 500, NULL), 0);
	pkt_eq(cl, model, STD_LEN, "the clone after a write to the head");
	check_ok(m, "make_writable of the head");
	/* Then everything; the first segment is not replaced again. */
	old = m;
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, STD_LEN), 0);
	CU_ASSERT(m == old);
	CU_ASSERT(m->next != old1 && seg_at(m, 2) != old2);
	CU_ASSERT(!nb_buf_is_shared(m, 0, STD_LEN));
	CU_ASSERT(!nb_buf_is_shared(cl, 0, STD_LEN));
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(cl), 6);

	/* Nothing shared: nothing allocated. */
	m = mk_std(p, model);
	old = m;
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, STD_LEN), 0);
	CU_ASSERT(m == old);
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 0);
	/* Bad ranges. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, STD_LEN + 1),
			      -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, STD_LEN, 1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(NULL, p, 0, 1), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&none, p, 0, 1), -EINVAL);
	CU_ASSERT(m == old);

	/* Two buffers for three copies: -ENOBUFS, unchanged, none kept. */
	cl = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(cl != NULL);
	old1 = m->next;
	old2 = m->next->next;
	n = take_until(q, held, 4, 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, q, 0, STD_LEN),
			      -ENOBUFS);
	CU_ASSERT(m == old && m->next == old1 && seg_at(m, 2) == old2);
	NB_TEST_ASSERT_INT_EQ(in_use(q), n);
	CU_ASSERT(nb_buf_is_shared(m, 0, STD_LEN));
	pkt_eq(m, model, STD_LEN, "make_writable without buffers");
	give_back(held, n);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(cl), 3);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);

	/* len 0 inside the packet: a no-op, even on shared data. */
	m = mk_std(p, model);
	cl = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(cl != NULL);
	old = m;
	s0 = stats(p);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 100, 0), 0);
	CU_ASSERT(m == old && nb_buf_is_shared(m, 0, STD_LEN));
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 0);
	/* len 0 at 0: the head a push writes is made writable, only it. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, 0), 0);
	CU_ASSERT(m != old && !nb_buf_is_shared(m, 0, 0));
	CU_ASSERT(nb_buf_is_shared(m, 512, 1));
	NB_TEST_ASSERT_INT_EQ(stats(p).allocs - s0.allocs, 1);
	pkt_eq(m, model, STD_LEN, "make_writable(0, 0)");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(cl), 4);	/* + the old head */
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);

	/*
	 * A header held by another packet (nb_buf_chain()) in front of a
	 * segment to copy: replaced by a header of our own, the other
	 * packet's chain never relinked.
	 */
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1, model);
	x = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 200, 300 }, 2,
		   model + 100);
	old1 = x;
	old2 = x->next;
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(m, x), 0);
	/* m: [100 private][200 header shared with x][300 shared with x] */
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 300, 300), 0);
	pkt_eq(m, model, 600, "make_writable behind a shared header");
	CU_ASSERT(!nb_buf_is_shared(m, 300, 300));
	CU_ASSERT(old1->next == old2 && old2->next == NULL);
	pkt_eq(x, model + 100, 500, "the other packet after make_writable");
	check_ok(x, "the other packet after make_writable");
	check_ok(m, "make_writable behind a shared header");
	s0 = stats(p);
	nb_buf_free(m);
	nb_buf_free(x);
	NB_TEST_ASSERT_INT_EQ(stats(p).double_frees - s0.double_frees, 0);

	/* A clone made writable becomes direct. */
	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1, model);
	cl = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(cl != NULL);
	old = cl;
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&cl, p, 0, 100), 0);
	CU_ASSERT(cl != old);
	CU_ASSERT(RTE_MBUF_DIRECT(cl));
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(m), 1);
	pkt_eq(cl, model, 100, "clone made writable");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(cl), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	free(model);
}

BUF_TEST(test_copy)
{
	struct nb_pool *p = mkpool("copy", NPOOL, ACCT);
	struct nb_pool *q = mkpool("copyq", 8, ACCT);
	uint8_t *model = model_new(STD_LEN, 28);
	uint8_t *other = model_new(STD_LEN, 29);
	struct rte_mbuf *m, *cp, *s, *c, *held[8];
	unsigned int n, wrong;

	m = mk_std(p, model);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_RSS_HASH;
	m->vlan_tci = 0x123;
	m->hash.rss = 0xdeadbeef;
	m->packet_type = RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->l2_len = 14;
	m->l3_len = 20;

	cp = nb_buf_copy(m, q, 100, 900);
	CU_ASSERT_FATAL(cp != NULL);
	pkt_eq(cp, model + 100, 900, "copy 100+900");
	for (s = cp, wrong = 0; s != NULL; s = s->next) {
		wrong += nb_pool_of(s) != q || !RTE_MBUF_DIRECT(s);
		wrong += seg_data(s) >= seg_data(m) &&
			 seg_data(s) < seg_data(m) + 512;
	}
	NB_TEST_ASSERT_INT_EQ(wrong, 0);
	/* Laid out like nb_buf_alloc(): 384 + 512 + 4 from q. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(cp), 3);
	NB_TEST_ASSERT_INT_EQ(cp->data_off, RTE_PKTMBUF_HEADROOM);
	NB_TEST_ASSERT_INT_EQ(cp->data_len, ROOM - RTE_PKTMBUF_HEADROOM);
	for (s = cp->next, wrong = 0; s != NULL; s = s->next) {
		wrong += s->data_off != 0;
		wrong += s->next != NULL && s->data_len != s->buf_len;
	}
	NB_TEST_ASSERT_MSG(wrong == 0, "copy: layout of the segments after "
			   "the first");
	CU_ASSERT(!nb_buf_is_shared(cp, 0, 900));
	CU_ASSERT(!nb_buf_is_shared(m, 0, STD_LEN));
	check_ok(cp, "copy");
	/* Offload metadata. */
	NB_TEST_ASSERT_INT_EQ(cp->ol_flags & (RTE_MBUF_F_RX_VLAN |
					      RTE_MBUF_F_RX_RSS_HASH),
			      RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_RSS_HASH);
	NB_TEST_ASSERT_INT_EQ(cp->vlan_tci, 0x123);
	NB_TEST_ASSERT_INT_EQ(cp->hash.rss, 0xdeadbeef);
	NB_TEST_ASSERT_INT_EQ(cp->packet_type,
			      RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP);
	NB_TEST_ASSERT_INT_EQ(cp->l2_len, 14);
	NB_TEST_ASSERT_INT_EQ(cp->l3_len, 20);
	/* Independent. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(cp, 0, other, 900, NULL), 0);
	pkt_eq(cp, other, 900, "copy written");
	pkt_eq(m, model, STD_LEN, "original after the copy's write");
	n = in_use(q);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(cp), n);

	/* Whole; one byte at the end; from a clone. */
	cp = nb_buf_copy(m, p, 0, STD_LEN);
	CU_ASSERT_FATAL(cp != NULL);
	pkt_eq(cp, model, STD_LEN, "copy of everything");
	nb_buf_free(cp);
	cp = nb_buf_copy(m, p, STD_LEN - 1, 1);
	CU_ASSERT_FATAL(cp != NULL);
	pkt_eq(cp, model + STD_LEN - 1, 1, "copy of the last byte");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(cp), 1);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	cp = nb_buf_copy(c, p, 10, 600);
	CU_ASSERT_FATAL(cp != NULL);
	CU_ASSERT(!nb_buf_is_shared(cp, 0, 600));
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(cp, 0, other, 600, NULL), 0);
	pkt_eq(c, model, STD_LEN, "clone after its copy's write");
	nb_buf_free(cp);
	nb_buf_free(c);

	/* Refused. */
	/* 0 bytes: an empty packet (issue 7, item 13). */
	c = nb_buf_copy(m, p, 0, 0);
	if (NB_TEST_ASSERT_MSG(c != NULL, "copy of 0 bytes: %s",
			       rte_strerror(rte_errno))) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(c), 0);
		NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(c), 1);
		check_ok(c, "copy of 0 bytes");
		NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 1);
	}
	ASSERT_NULL_ERR(nb_buf_copy(m, p, 1000, 125), EINVAL);
	ASSERT_NULL_ERR(nb_buf_copy(m, p, STD_LEN, 1), EINVAL);
	ASSERT_NULL_ERR(nb_buf_copy(m, p, UINT32_MAX, 2), EINVAL);
	ASSERT_NULL_ERR(nb_buf_copy(NULL, p, 0, 1), EINVAL);
	n = take_until(q, held, 8, 1);
	ASSERT_NULL_ERR(nb_buf_copy(m, q, 0, STD_LEN), ENOBUFS);
	NB_TEST_ASSERT_INT_EQ(in_use(q), n);
	give_back(held, n);
	pkt_eq(m, model, STD_LEN, "copy source at the end");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(model);
	free(other);
}

/*
 * DMA
 */

/* IOVA of byte off, by hand. */
static rte_iova_t
iova_by_hand(const struct rte_mbuf *m, uint32_t off)
{
	for (; m != NULL; m = m->next) {
		if (off < m->data_len) {
			return m->buf_iova + m->data_off + off;
		}
		off -= m->data_len;
	}
	return RTE_BAD_IOVA;
}

BUF_TEST(test_dma)
{
	static const uint32_t lens[] = { 300, 512, 100 };
	static const uint32_t offs[] = { 0, 1, 299, 300, 301, 811, 812, 911 };
	struct nb_pool *p = mkpool("dma", NPOOL, ACCT);
	uint8_t *model = model_new(912, 30);
	struct nb_sge sgl[4];
	struct rte_mbuf *m, *s;
	unsigned int i, bad;
	int n;

	m = mk_pkt(p, NB_LAYER_TRANSPORT, lens, 3, model);
	for (s = m, bad = 0; s != NULL; s = s->next) {
		bad += s->buf_iova == RTE_BAD_IOVA || s->buf_iova == 0;
	}
	NB_TEST_ASSERT_MSG(bad == 0, "pool buffers without IOVA");
	for (i = 0; i < NB_DIM(offs); i++) {
		rte_iova_t want = iova_by_hand(m, offs[i]);
		rte_iova_t got = nb_buf_iova(m, offs[i]);

		NB_TEST_ASSERT_MSG(got == want, "iova(%u) = 0x%" PRIx64
				   ", expected 0x%" PRIx64, offs[i],
				   (uint64_t)got, (uint64_t)want);
	}
	NB_TEST_ASSERT_INT_EQ(nb_buf_iova(m, 0),
			      m->buf_iova + NB_LAYER_TRANSPORT_HEADROOM);
	CU_ASSERT(nb_buf_iova(m, 912) == RTE_BAD_IOVA);
	CU_ASSERT(nb_buf_iova(m, UINT32_MAX) == RTE_BAD_IOVA);
	CU_ASSERT(nb_buf_iova(NULL, 0) == RTE_BAD_IOVA);

	memset(sgl, 0, sizeof(sgl));
	n = nb_buf_sgl(m, sgl, 4);
	NB_TEST_ASSERT_INT_EQ(n, 3);
	for (s = m, i = 0, bad = 0; s != NULL && i < 3; s = s->next, i++) {
		bad += sgl[i].iova != rte_pktmbuf_iova(s);
		bad += sgl[i].va != (void *)seg_data(s);
		bad += sgl[i].len != s->data_len;
	}
	NB_TEST_ASSERT_MSG(bad == 0, "sgl: %u fields wrong", bad);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 3), 3);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 2), -ENOSPC);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 0), -ENOSPC);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(NULL, sgl, 4), -EINVAL);

	/* An empty first segment has no entry. */
	CU_ASSERT_FATAL(nb_buf_pull(m, 300) != NULL);
	NB_TEST_ASSERT_INT_EQ(m->data_len, 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_sgl(m, sgl, 2), 2);
	CU_ASSERT(sgl[0].va == (void *)seg_data(m->next) &&
		  sgl[0].len == 512 && sgl[1].len == 100);
	NB_TEST_ASSERT_INT_EQ(nb_buf_iova(m, 0), rte_pktmbuf_iova(m->next));

	/* The barriers leave the packet alone. */
	nb_buf_dma_sync_for_device(m);
	nb_buf_dma_sync_for_cpu(m);
	pkt_eq(m, model + 300, 612, "after the DMA barriers");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 3);
	free(model);
}

/*
 * Checks
 */

/* nb_buf_check() refuses with a reason. */
static void
check_bad(const struct rte_mbuf *m, const char *what)
{
	const char *reason = NULL;
	int ret = nb_buf_check(m, &reason);

	NB_TEST_ASSERT_MSG(ret == -EINVAL, "check with %s: %d, expected "
			   "-EINVAL", what, ret);
	NB_TEST_ASSERT_MSG(reason != NULL, "check with %s: no reason", what);
	if (ret != 0) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_check(m, NULL), -EINVAL);
	}
}

static struct rte_mbuf *g_loop_pkt;

/* In a child: a chain that loops back to its head. */
static void
check_loop_body(void)
{
	struct rte_mbuf *m = g_loop_pkt;

	m->next->next = m;
	check_bad(m, "a loop");
	m->next->next = NULL;
}

BUF_TEST(test_check)
{
	static const uint32_t lens[] = { 300, 200 };
	struct nb_pool *p = mkpool("check", NPOOL, ACCT);
	uint8_t *model = model_new(500, 31);
	const char *reason = NULL;
	struct rte_mbuf *m, *s, *c;
	struct rte_mempool *mp;
	uint16_t v16;

	m = mk_pkt(p, NB_LAYER_LINK, lens, 2, model);
	s = m->next;
	NB_TEST_ASSERT_INT_EQ(nb_buf_check(m, &reason), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_check(m, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_check(NULL, &reason), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_check(NULL, NULL), -EINVAL);

	m->pkt_len++;
	check_bad(m, "pkt_len + 1");
	m->pkt_len -= 2;
	check_bad(m, "pkt_len - 1");
	m->pkt_len++;

	m->nb_segs = 3;
	check_bad(m, "nb_segs 3");
	m->nb_segs = 1;
	check_bad(m, "nb_segs 1");
	m->nb_segs = 2;

	/* Data beyond the buffer, lengths consistent. */
	v16 = s->data_len;
	s->data_len = (uint16_t)(s->buf_len + 1);
	m->pkt_len = 300 + s->data_len;
	check_bad(m, "data_len beyond buf_len");
	s->data_len = v16;
	m->pkt_len = 500;
	v16 = s->data_off;
	s->data_off = (uint16_t)(s->buf_len - 10);
	check_bad(m, "data_off + data_len beyond buf_len");
	s->data_off = v16;

	rte_mbuf_refcnt_set(s, 0);
	check_bad(m, "a segment with refcnt 0");
	rte_mbuf_refcnt_set(s, 1);

	mp = s->pool;
	s->pool = NULL;
	check_bad(m, "a segment without a pool");
	s->pool = mp;

	nb_buf_owner(s)->state = NB_BUF_STATE_FREE;
	check_bad(m, "a segment marked free");
	nb_buf_owner(s)->state = NB_BUF_STATE_ALLOCATED;

	/* A loop, in a child in case the check never ends. */
	g_loop_pkt = m;
	nb_test_in_child(check_loop_body);
	s->next = NULL;		/* shared memory: undo what the child did */

	/* Restored: sane again. */
	check_ok(m, "restored");
	pkt_eq(m, model, 500, "restored");

	/* Clones and split parts are sane; a broken clone is not. */
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	check_ok(c, "clone");
	check_ok(m, "cloned");
	rte_mbuf_refcnt_set(m, 0);	/* the data's owner freed */
	check_bad(c, "a clone of a freed segment");
	rte_mbuf_refcnt_set(m, 2);
	check_ok(c, "clone restored");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(c), 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 2);

	/* External memory already released. */
	m = nb_buf_attach_ext(p, model, RTE_BAD_IOVA, 500, NULL, NULL, 0);
	CU_ASSERT_FATAL(m != NULL);
	check_ok(m, "external");
	v16 = rte_mbuf_ext_refcnt_read(m->shinfo);
	rte_mbuf_ext_refcnt_set(m->shinfo, 0);
	check_bad(m, "external memory with counter 0");
	rte_mbuf_ext_refcnt_set(m->shinfo, v16);
	check_ok(m, "external restored");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), 1);
	free(model);
}

/*
 * The segment limit (RTE_MBUF_MAX_NB_SEGS): one pool of 64-byte buffers
 */

BUF_TEST(test_seg_limit)
{
	const uint32_t max_len = RTE_MBUF_MAX_NB_SEGS * BIG_ROOM;
	struct nb_pool *big = mkpool_opts("big", BIG_N, ACCT, BIG_ROOM, 0);
	struct rte_mbuf *m, *t, *pkts[2];
	struct nb_pool_stats s0;
	uint8_t byte = 0x42;

	/* One segment too many: EOVERFLOW, as everywhere (item 13). */
	ASSERT_NULL_ERR(nb_buf_alloc(big, NB_LAYER_RAW, max_len + 1),
			EOVERFLOW);
	ASSERT_NULL_ERR(nb_buf_alloc(big, NB_LAYER_RAW, UINT32_MAX), EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(in_use(big), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_alloc_bulk(big, NB_LAYER_RAW, max_len + 1,
						pkts, 1), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(in_use(big), 0);
	/* Headroom larger than a segment. */
	ASSERT_NULL_ERR(nb_buf_alloc(big, NB_LAYER_TRANSPORT, 0), EINVAL);
	NB_TEST_ASSERT_INT_EQ(in_use(big), 0);

	/* Exactly the most segments. */
	m = nb_buf_alloc(big, NB_LAYER_RAW, max_len);
	NB_TEST_ASSERT_MSG(m != NULL, "chain of %u segments: %s",
			   (unsigned int)RTE_MBUF_MAX_NB_SEGS,
			   rte_strerror(rte_errno));
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), RTE_MBUF_MAX_NB_SEGS);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), max_len);
	pkt_sane(m, "longest chain");
	check_ok(m, "longest chain");
	/* A deep copy into smaller segments would need more: EOVERFLOW. */
	ASSERT_NULL_ERR(nb_buf_copy(m, mkpool_opts("tiny", 8, ACCT, 32, 0), 0,
				    max_len), EOVERFLOW);

	t = nb_buf_alloc(big, NB_LAYER_RAW, 10);
	CU_ASSERT_FATAL(t != NULL);
	s0 = stats(big);
	NB_TEST_ASSERT_INT_EQ(nb_buf_cat(m, t), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(nb_buf_chain(m, t), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(nb_buf_refcnt(t), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), RTE_MBUF_MAX_NB_SEGS);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), max_len);
	CU_ASSERT(rte_pktmbuf_lastseg(m)->next == NULL);
	/* Growing needs a segment more. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_tailroom(m), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, max_len, &byte, 1, NULL), -EOVERFLOW);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), max_len);
	NB_TEST_ASSERT_INT_EQ(in_use(big), s0.in_use);
	/* The tail is still the caller's. */
	check_ok(t, "tail after -EOVERFLOW");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(t), 1);
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(m), RTE_MBUF_MAX_NB_SEGS);
}

/*
 * Issue 7: the contract of nb_buf.h
 */

/* Item 9: push into the headroom of an emptied first segment a clone shares. */
BUF_TEST(test_push_empty_shared_head)
{
	struct nb_pool *p = mkpool("i9push", NPOOL, ACCT);
	uint8_t *model = model_new(300, 71);
	struct rte_mbuf *m, *c;
	uint8_t *h;

	/* [100 with link headroom][200]; a clone reads both. */
	m = mk_pkt(p, NB_LAYER_LINK, (const uint32_t[]){ 100, 200 }, 2, model);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	/* Header-split receive: the header consumed, the first segment
	 * empty but still the clone's. */
	CU_ASSERT_FATAL(nb_buf_pull(m, 100) != NULL);
	CU_ASSERT(m->data_len == 0 && m->data_off == 118);
	/* The write zone of a range at 0 has the first segment: shared. */
	CU_ASSERT(nb_buf_is_shared(m, 0, 0));
	CU_ASSERT(nb_buf_is_shared(m, 0, 10));
	/* A push straight away is refused: the headroom is the clone's. */
	ASSERT_NULL_ERR(nb_buf_push(m, 10), EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 200);
	/* Made writable over its whole length: the empty head is copied. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, nb_buf_len(m)),
			      0);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 0));
	h = nb_buf_push(m, 10);
	NB_TEST_ASSERT_MSG(h != NULL, "push after make_writable: %s",
			   rte_strerror(rte_errno));
	if (h != NULL) {
		memset(h, 0xaa, 10);
	}
	/* The clone still reads what it read. */
	pkt_eq(c, model, 300, "clone after push into the pulled head");
	NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 210);
	nb_buf_free(c);
	nb_buf_free(m);
	free(model);
}

/* Item 9: put into an empty last segment a clone shares. */
BUF_TEST(test_put_empty_shared_tail)
{
	struct nb_pool *p = mkpool("i9put", NPOOL, ACCT);
	uint8_t *model = model_new(100, 72);
	struct rte_mbuf *m, *c;
	uint8_t *t, *u;
	uint8_t got[10];

	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100, 0 }, 2, model);
	c = nb_buf_clone(m, p);
	CU_ASSERT_FATAL(c != NULL);
	/* The zone of a range ending at pkt_len has the (empty) last one. */
	CU_ASSERT(nb_buf_is_shared(m, 100, 0));
	CU_ASSERT(nb_buf_is_shared(m, 90, 10));
	ASSERT_NULL_ERR(nb_buf_put(m, 10), EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, 100), 0);
	CU_ASSERT(!nb_buf_is_shared(m, 100, 0));
	t = nb_buf_put(m, 10);
	NB_TEST_ASSERT_MSG(t != NULL, "put after make_writable: %s",
			   rte_strerror(rte_errno));
	if (t != NULL) {
		memset(t, 0xaa, 10);
	}
	/* The clone now holds the old data alone: it may put too. */
	u = nb_buf_put(c, 10);
	NB_TEST_ASSERT_MSG(u != NULL, "put on the clone: %s",
			   rte_strerror(rte_errno));
	if (u != NULL) {
		memset(u, 0xbb, 10);
	}
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, 100, got, 10), 0);
	NB_TEST_ASSERT_MSG(got[0] == 0xaa && got[9] == 0xaa,
			   "m's appended bytes overwritten by the clone's put "
			   "(0x%02x)", got[0]);
	nb_buf_free(c);
	nb_buf_free(m);
	free(model);
}

/* Item 10: read-only external memory. */
BUF_TEST(test_ext_ro)
{
	const size_t len = 4096;
	struct nb_pool *hp = mkpool("i10h", NPOOL, ACCT);
	struct nb_pool *p = mkpool_opts("i10p", NPOOL, ACCT, 8192,
					RTE_PKTMBUF_HEADROOM);
	struct rte_mbuf *m, *c;
	struct ext_ctx x;
	uint8_t *mem, *model, b = 1;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(mem != MAP_FAILED);
	model = model_new(len, 73);
	memcpy(mem, model, len);
	/* A write to the memory would fault from here on. */
	CU_ASSERT_FATAL(mprotect(mem, len, PROT_READ) == 0);
	memset(&x, 0, sizeof(x));
	ASSERT_NULL_ERR(nb_buf_attach_ext(hp, mem, EXT_IOVA, 1000, ext_free,
					  &x, 0x80), EINVAL);
	m = nb_buf_attach_ext(hp, mem + 100, EXT_IOVA, 1000, ext_free, &x,
			      NB_BUF_EXT_RO);
	CU_ASSERT_FATAL(m != NULL);
	/* One reference, yet not writable. */
	CU_ASSERT(nb_buf_is_shared(m, 0, 1));
	CU_ASSERT(nb_buf_is_shared(m, 0, 0));
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 0, 1), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 10, &b, 1, NULL), -EPERM);
	/* Room in front and behind after a pull and a trim: still no. */
	CU_ASSERT_FATAL(nb_buf_pull(m, 10) != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_trim(m, 10), 0);
	ASSERT_NULL_ERR(nb_buf_push(m, 5), EPERM);
	ASSERT_NULL_ERR(nb_buf_put(m, 5), EPERM);
	CU_ASSERT_FATAL(nb_buf_push(m, 0) != NULL && nb_buf_put(m, 0) != NULL);
	/* Back to the 1000 bytes: nothing was written. */
	m->data_off = 0;
	m->data_len = 1000;
	m->pkt_len = 1000;
	/* Growing: not into the memory, into a segment of p. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 1000, &b, 1, p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 2);
	model[1100] = b;
	pkt_eq(m, model + 100, 1001, "read-only memory grown");
	/* A clone is read-only too. */
	c = nb_buf_clone(m, hp);
	CU_ASSERT_FATAL(c != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(c, 0, 1), -EPERM);
	nb_buf_free(c);
	/* make_writable copies it, though it is held once. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 0, 1001), 0);
	CU_ASSERT(!RTE_MBUF_HAS_EXTBUF(m));
	CU_ASSERT(!nb_buf_is_shared(m, 0, 1001));
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);	/* copied, let go */
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 0, 0x5a), 0);
	model[100] = 0x5a;
	pkt_eq(m, model + 100, 1001, "read-only memory made writable");
	nb_buf_free(m);
	/* Without the flag, the one holder may write (lwIP's REF). */
	CU_ASSERT_FATAL(mprotect(mem, len, PROT_READ | PROT_WRITE) == 0);
	memset(&x, 0, sizeof(x));
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 1000, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 1000));
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 3, 0x77), 0);
	NB_TEST_ASSERT_INT_EQ(mem[3], 0x77);
	nb_buf_free(m);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 1);
	munmap(mem, len);
	free(model);
}

/* Item 11: a growing copy_in never relinks a header another packet holds. */
BUF_TEST(test_copy_in_shared_last_header)
{
	struct nb_pool *p = mkpool("i11a", NPOOL, ACCT);
	uint8_t *model = model_new(1000, 74);
	struct rte_mbuf *m, *t;

	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1, model);
	t = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 50 }, 1, model + 100);
	/* t held twice: by the caller and, after the cat, by m. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_ref(t), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_cat(m, t), 0);
	/* 600 more bytes: more than t's tailroom (and t is shared). */
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 150, model + 150, 600, NULL),
			      0);
	pkt_eq(m, model, 750, "grown packet");
	/* The other holder's packet is as it was. */
	CU_ASSERT(t->next == NULL);
	pkt_eq(t, model + 100, 50, "the other holder of the last header");
	check_ok(t, "the other holder of the last header");
	NB_TEST_ASSERT_INT_EQ(nb_buf_free(t), 0);	/* m's clone holds it */
	check_ok(m, "grown packet");
	nb_buf_free(m);
	free(model);
}

/* Item 11: make_writable, a header in front whose data count is full. */
BUF_TEST(test_make_writable_front_full)
{
	struct nb_pool *p = mkpool("i11b", NPOOL, ACCT);
	uint8_t *model = model_new(300, 75);
	struct rte_mbuf *m, *s0, *s1;

	m = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100, 100, 100 }, 3,
		   model);
	s0 = m;
	s1 = m->next;
	/* Segment 0 held (as far as refcnt says) by UINT16_MAX packets,
	 * segment 1 by two: the write in segment 1 must copy it and cannot
	 * put a clone header in front (no count left): a copy then. */
	seg_ref_set(m, 0, UINT16_MAX);
	seg_ref_set(m, 1, 2);
	NB_TEST_ASSERT_INT_EQ(nb_buf_make_writable(&m, p, 150, 10), 0);
	CU_ASSERT(m != s0 && m->next != s1);
	CU_ASSERT(!nb_buf_is_shared(m, 150, 10));
	pkt_eq(m, model, 300, "made writable behind a full header");
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(s0), UINT16_MAX - 1);
	NB_TEST_ASSERT_INT_EQ(rte_mbuf_refcnt_read(s1), 1);
	/* s0 and s1 are no longer in m: give them back by hand. */
	rte_mbuf_refcnt_set(s0, 1);
	s0->next = NULL;
	s0->nb_segs = 1;
	s0->pkt_len = s0->data_len;
	s1->next = NULL;
	s1->nb_segs = 1;
	s1->pkt_len = s1->data_len;
	nb_buf_free(s0);
	nb_buf_free(s1);
	nb_buf_free(m);
	free(model);
}

/* Item 12: new segments for external memory come from a pool with data. */
BUF_TEST(test_ext_new_segs_pool)
{
	struct nb_pool *hp = mkpool_opts("i12h", NPOOL, ACCT, 64, 0);
	struct nb_pool *p = mkpool("i12p", NPOOL, ACCT);
	uint8_t *mem = model_new(400, 76);
	struct rte_mbuf *m, *t;
	struct ext_ctx x;

	memset(&x, 0, sizeof(x));
	/* [300 external][100 of p]: pullup(150) needs a new first segment. */
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 300, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	t = mk_pkt(p, NB_LAYER_RAW, (const uint32_t[]){ 100 }, 1, mem + 300);
	NB_TEST_ASSERT_INT_EQ(nb_buf_cat(m, t), 0);
	/* Without a pool: external memory has no data pool. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 350, NULL), -ENOBUFS);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 350, p), 0);
	CU_ASSERT(m->pool == nb_pool_mempool(p) && m->data_len >= 350);
	pkt_eq(m, mem, 400, "pullup of external memory into p");
	nb_buf_free(m);
	/* linearize and a growing copy_in the same way. */
	m = nb_buf_attach_ext(hp, mem, EXT_IOVA, 300, ext_free, &x, 0);
	CU_ASSERT_FATAL(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 300, mem + 300, 100, NULL),
			      -ENOBUFS);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, 300, mem + 300, 100, p), 0);
	pkt_eq(m, mem, 400, "copy_in growth of external memory into p");
	NB_TEST_ASSERT_INT_EQ(nb_buf_linearize(&m, p), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_seg_count(m), 1);
	pkt_eq(m, mem, 400, "linearize of external memory into p");
	nb_buf_free(m);
	NB_TEST_ASSERT_INT_EQ(ext_calls(&x), 2);
	free(mem);
}

/* Item 13: the edges of split, and split/dechain carry the same metadata. */
BUF_TEST(test_edges)
{
	struct nb_pool *p = mkpool("i13", NPOOL, ACCT);
	uint8_t *model = model_new(STD_LEN, 77);
	struct rte_mbuf *m, *r;

	/* split at 0: m is emptied, the rest has everything. */
	m = mk_std(p, model);
	m->packet_type = RTE_PTYPE_L3_IPV4;
	m->hash.rss = 0x1234;
	r = nb_buf_split(m, 0, p);
	NB_TEST_ASSERT_MSG(r != NULL, "split at 0: %s",
			   rte_strerror(rte_errno));
	if (r != NULL) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(m), 0);
		pkt_eq(r, model, STD_LEN, "split at 0: second part");
		check_ok(m, "split at 0: first part");
		CU_ASSERT(r->packet_type == RTE_PTYPE_L3_IPV4 &&
			  r->hash.rss == 0x1234);
		/* The halves share the first buffer until one goes. */
		CU_ASSERT(nb_buf_is_shared(r, 0, 1));
		nb_buf_free(r);
	}
	nb_buf_free(m);
	/* split at pkt_len: the second part is empty. */
	m = mk_std(p, model);
	r = nb_buf_split(m, STD_LEN, p);
	NB_TEST_ASSERT_MSG(r != NULL, "split at len: %s",
			   rte_strerror(rte_errno));
	if (r != NULL) {
		NB_TEST_ASSERT_INT_EQ(nb_buf_len(r), 0);
		check_ok(r, "split at len: second part");
		nb_buf_free(r);
	}
	pkt_eq(m, model, STD_LEN, "split at len: first part");
	nb_buf_free(m);
	/* Inside a segment: the halves share it until one goes. */
	m = mk_std(p, model);
	r = nb_buf_split(m, 700, p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(nb_buf_is_shared(m, 699, 1) && nb_buf_is_shared(r, 0, 1));
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 699, 1), -EPERM);
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(r, 0, 1), -EPERM);
	CU_ASSERT(!nb_buf_is_shared(m, 0, 512));
	nb_buf_free(r);
	CU_ASSERT(!nb_buf_is_shared(m, 699, 1));
	NB_TEST_ASSERT_INT_EQ(nb_buf_put_u8(m, 699, model[699]), 0);
	pkt_eq(m, model, 700, "first half after the second is freed");
	nb_buf_free(m);
	/* dechain: the same metadata as split. */
	m = mk_std(p, model);
	m->packet_type = RTE_PTYPE_L3_IPV6;
	m->hash.rss = 0x4321;
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	r = nb_buf_dechain(m);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(r->packet_type == RTE_PTYPE_L3_IPV6 && r->hash.rss == 0x4321 &&
		  (r->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0);
	nb_buf_free(r);
	nb_buf_free(m);
	/* pullup of 0 bytes, copy_in/copy_out of 0 at the end: fine. */
	m = mk_std(p, model);
	NB_TEST_ASSERT_INT_EQ(nb_buf_pullup(&m, 0, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_in(m, STD_LEN, NULL, 0, NULL), 0);
	NB_TEST_ASSERT_INT_EQ(nb_buf_copy_out(m, STD_LEN, NULL, 0), 0);
	CU_ASSERT(nb_buf_push(m, 0) != NULL && nb_buf_put(m, 0) != NULL);
	pkt_eq(m, model, STD_LEN, "zero-length requests");
	nb_buf_free(m);
	free(model);
}

static const CU_TestInfo tests[] = {
	{ "layer_headroom", test_layer_headroom },
	{ "alloc_layers", test_alloc_layers },
	{ "alloc_chain", test_alloc_chain },
	{ "alloc_short", test_alloc_short },
	{ "alloc_set", test_alloc_set },
	{ "alloc_bulk", test_alloc_bulk },
	{ "free_counts", test_free_counts },
	{ "double_free", test_double_free },
	{ "clone_word_repaired", test_clone_word_repaired },
	{ "pmd_scattered_rx", test_pmd_scattered_rx },
	{ "owner_word_copied", test_owner_word_copied },
#if NB_DEBUG
	{ "use_after_free", test_use_after_free },
#endif
	{ "head_tail", test_head_tail },
	{ "pull_chain", test_pull_chain },
	{ "trim_chain", test_trim_chain },
	{ "cat", test_cat },
	{ "chain", test_chain },
	{ "dechain", test_dechain },
	{ "split", test_split },
	{ "pullup", test_pullup },
	{ "pullup_ref", test_pullup_ref },
	{ "chain_shared_tail", test_chain_shared_tail },
	{ "linearize", test_linearize },
	{ "seek", test_seek },
	{ "copy_out", test_copy_out },
	{ "copy_in", test_copy_in },
	{ "u8", test_u8 },
	{ "memcmp", test_memcmp },
	{ "memfind", test_memfind },
	{ "read", test_read },
	{ "clone", test_clone },
	{ "ext", test_ext },
	{ "remote_free", test_remote_free },
	{ "ext_limits", test_ext_limits },
	{ "is_shared", test_is_shared },
	{ "make_writable", test_make_writable },
	{ "copy", test_copy },
	{ "dma", test_dma },
	{ "check", test_check },
	{ "seg_limit", test_seg_limit },
	{ "push_empty_shared_head", test_push_empty_shared_head },
	{ "put_empty_shared_tail", test_put_empty_shared_tail },
	{ "ext_ro", test_ext_ro },
	{ "copy_in_shared_last_header", test_copy_in_shared_last_header },
	{ "make_writable_front_full", test_make_writable_front_full },
	{ "ext_new_segs_pool", test_ext_new_segs_pool },
	{ "edges", test_edges },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	int ret;

	ret = nb_test_env_init_two_lcores(&g_worker);
	if (ret != 0) {
		fprintf(stderr, "test_buf: nb_env_init: %s\n", strerror(-ret));
		return NB_TEST_EXIT_ERROR;
	}
	g_have_worker = g_worker < RTE_MAX_LCORE;
	if (!g_have_worker) {
		printf("test_buf: one lcore: the remote free case is "
		       "skipped\n");
	}
	ret = nb_test_main(argc, argv, "buf", tests);
	drop_pools();
	nb_env_fini();
	return ret;
}
