/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/pool (nb_pool.h): pools of every backend and mode,
 * buffer layout, bad input, statistics, frees on other lcores and threads,
 * double frees, the leak audit, destroy, pool sets, the waiting allocation,
 * a stress run and the dump.
 *
 * EAL can be initialised once per process, and pools do not need a fresh
 * one: main() brings EAL up once, with two lcores when the affinity mask
 * allows, and every case creates pools of its own names. Cases that need a
 * second lcore print a note and pass when there is none.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "nb_env.h"
#include "nb_buf.h"
#include "nb_pool.h"
#include "nb_test.h"
#include "pool_internal.h"

#define NS_PER_MS 1000000ull

/** A backend and mode under test; label goes into pool names. */
struct backend {
	const char *label;
	const char *ops;
	enum nb_pool_mode mode;
	bool accounted;		/* percore, NB_POOL_MODE_ACCOUNTED */
	bool dpdk;		/* DPDK's own backend (ring_mp_mc, stack) */
};

static const struct backend g_backends[] = {
	{ "fast", "percore", NB_POOL_MODE_FAST, false, false },
	{ "acct", "percore", NB_POOL_MODE_ACCOUNTED, true, false },
	{ "ring", "ring_mp_mc", NB_POOL_MODE_DEFAULT, false, true },
	{ "stack", "stack", NB_POOL_MODE_DEFAULT, false, true },
};

#define B_ACCT (&g_backends[1])
#define B_FAST (&g_backends[0])

/* The lcore that is not the main one, when EAL has two. */
static unsigned int g_worker = RTE_MAX_LCORE;
static bool g_have_worker;

/* Wait status of the child that called nb_pool_create() before EAL. */
static int g_preinit_status = -1;

/*
 * Helpers
 */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
sleep_us(unsigned int us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000u,
		.tv_nsec = (long)(us % 1000000u) * 1000,
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		;
	}
}

/* An integer equality whose failure record names the context. */
static bool
check_eq(long long actual, long long expected, const char *ctx,
	 const char *expr, const char *file, unsigned int line)
{
	return nb_test_assert_fmt(actual == expected, file, line,
				  "%s: %s is %lld, expected %lld", ctx, expr,
				  actual, expected);
}

#define CHECK_EQ(ctx, actual, expected)                                  \
	check_eq((long long)(actual), (long long)(expected), (ctx), #actual, \
		 __FILE__, __LINE__)

static void
backend_opts(const struct backend *b, struct nb_pool_opts *o)
{
	nb_pool_opts_init(o, sizeof(*o));
	o->ops = b->ops;
	o->mode = b->mode;
}

static struct nb_pool *
pool_create_ok(const char *name, unsigned int n, const struct nb_pool_opts *o)
{
	struct nb_pool *p;

	rte_errno = 0;
	p = nb_pool_create(name, n, o);
	NB_TEST_ASSERT_MSG(p != NULL, "nb_pool_create(\"%s\", %u): %s (%d)",
			   name, n, rte_strerror(rte_errno), rte_errno);
	return p;
}

/* Pool "<test>_<backend label>" of n buffers with the backend's options. */
static struct nb_pool *
backend_pool(const struct backend *b, const char *test, unsigned int n)
{
	struct nb_pool_opts o;
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "%s_%s", test, b->label);
	backend_opts(b, &o);
	return pool_create_ok(name, n, &o);
}

static bool
stats_get(struct nb_pool *p, struct nb_pool_stats *s)
{
	memset(s, 0xa5, sizeof(*s));
	return NB_TEST_ASSERT_INT_EQ(nb_pool_stats_get(p, s), 0);
}

static bool
destroy_ok(struct nb_pool *p, const char *ctx)
{
	int ret = nb_pool_destroy(p, false);

	return CHECK_EQ(ctx, ret, 0);
}

/* nb_pool_alloc() until it fails or max buffers are taken. */
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
free_all(struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		rte_pktmbuf_free(m[i]);
		m[i] = NULL;
	}
}

static struct rte_mbuf **
mbuf_array(unsigned int n)
{
	struct rte_mbuf **m = calloc(n, sizeof(*m));

	CU_ASSERT_FATAL(m != NULL);
	return m;
}

/* nb_pool_audit() into a string; false when the stream failed. */
static bool
audit_report(struct nb_pool *p, int *ret, char **buf)
{
	size_t len = 0;
	FILE *f;

	*buf = NULL;
	f = open_memstream(buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	*ret = nb_pool_audit(p, f);
	fclose(f);
	return *buf != NULL;
}

/* An audit that must find nothing missing; prints the report otherwise. */
static bool
audit_clean(struct nb_pool *p, const char *ctx)
{
	char *buf;
	int ret;

	audit_report(p, &ret, &buf);
	if (ret != 0) {
		fprintf(stderr, "%s: audit report:\n%s\n", ctx,
			buf != NULL ? buf : "");
	}
	free(buf);
	return CHECK_EQ(ctx, ret, 0);
}

/* Stats of a pool with nothing out: every buffer free. */
static void
check_all_back(struct nb_pool *p, unsigned int n, const char *ctx)
{
	struct nb_pool_stats s;

	if (!stats_get(p, &s)) {
		return;
	}
	CHECK_EQ(ctx, s.size, n);
	CHECK_EQ(ctx, s.avail, n);
	CHECK_EQ(ctx, s.in_use, 0);
}

static bool
need_worker(const char *what)
{
	if (g_have_worker) {
		return true;
	}
	printf("\n  note: %s needs a second lcore; skipped\n", what);
	CU_PASS("skipped: one lcore");
	return false;
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
 * Report parsing. The format is free, so a buffer counts as named when one
 * line holds its address (hex) and its index as a whole number.
 */

/* Whether s holds v as a decimal number that is not part of a word. */
static bool
line_has_number(const char *s, unsigned long v)
{
	const char *p = s;

	while (*p != '\0') {
		if (isdigit((unsigned char)*p) &&
		    (p == s || !isalnum((unsigned char)p[-1]))) {
			char *end;
			unsigned long x = strtoul(p, &end, 10);

			if (x == v && !isalnum((unsigned char)*end)) {
				return true;
			}
			p = end;
			continue;
		}
		p++;
	}
	return false;
}

/* Whether a line says "lcore <id>" ("lcore 1", "lcore=1", "lcore_id: 1"). */
static bool
line_has_lcore(const char *line, unsigned int lcore)
{
	const char *p = line;

	while ((p = strcasestr(p, "lcore")) != NULL) {
		const char *q = p + 5;
		int skip = 0;

		while (*q != '\0' && !isdigit((unsigned char)*q) && skip < 8) {
			q++;
			skip++;
		}
		if (isdigit((unsigned char)*q) &&
		    strtoul(q, NULL, 10) == lcore) {
			return true;
		}
		p += 5;
	}
	return false;
}

/*
 * Whether the report has a line naming buffer m by address and index and,
 * when lcore >= 0, the lcore that allocated it.
 */
static bool
report_names(const char *report, const struct rte_mbuf *m, long lcore)
{
	const char *p = report;
	char addr[32];

	snprintf(addr, sizeof(addr), "%" PRIxPTR, (uintptr_t)m);
	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		bool hit;

		CU_ASSERT_FATAL(line != NULL);
		hit = strcasestr(line, addr) != NULL &&
		      line_has_number(line, nb_mbuf_priv(m)->idx) &&
		      (lcore < 0 || line_has_lcore(line, (unsigned int)lcore));
		free(line);
		if (hit) {
			return true;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	return false;
}

/* Buffers in the DPDK per-lcore caches of a mempool. */
static unsigned int
dpdk_cached(const struct rte_mempool *mp)
{
	unsigned int i, n = 0;

	if (mp->cache_size == 0) {
		return 0;
	}
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		n += mp->local_cache[i].len;
	}
	return n;
}

/*
 * Options and environment
 */

static void
test_opts_defaults(void)
{
	struct nb_pool_opts o;

	memset(&o, 0x5a, sizeof(o));
	nb_pool_opts_init(&o, sizeof(o));
	NB_TEST_ASSERT_INT_EQ(o.opts_size, sizeof(o));
	NB_TEST_ASSERT_INT_EQ(o.cache_size, NB_POOL_CACHE_AUTO);
	NB_TEST_ASSERT_INT_EQ(o.data_room, RTE_MBUF_DEFAULT_BUF_SIZE);
	NB_TEST_ASSERT_INT_EQ(o.headroom, RTE_PKTMBUF_HEADROOM);
	NB_TEST_ASSERT_INT_EQ(o.priv_size, 0);
	NB_TEST_ASSERT_INT_EQ(o.socket_id, SOCKET_ID_ANY);
	NB_TEST_ASSERT_MSG(o.ops == NULL || strcmp(o.ops, "percore") == 0,
			   "default ops \"%s\", expected percore", o.ops);
	NB_TEST_ASSERT_MSG(o.mode == NB_POOL_MODE_DEFAULT ||
			   o.mode == NB_POOL_MODE_FAST,
			   "default mode %d", (int)o.mode);
	NB_TEST_ASSERT_INT_EQ(o.flags, 0);
}

/*
 * nb_pool_create() and nb_poolset_create() before EAL is up: in a forked
 * child, before main() brings EAL up, so this process still can.
 */
static void
preinit_check(void)
{
	static const struct nb_pool_class cls[] = { { 2176, 16 } };
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		return;
	}
	if (pid == 0) {
		struct nb_poolset *set;
		struct nb_pool *p;

		rte_errno = 0;
		p = nb_pool_create("preinit", 64, NULL);
		if (p != NULL) {
			_exit(1);
		}
		if (rte_errno != ENODEV) {
			fprintf(stderr, "preinit: nb_pool_create rte_errno %d\n",
				rte_errno);
			_exit(2);
		}
		rte_errno = 0;
		set = nb_poolset_create("preset", cls, 1, NULL);
		if (set != NULL) {
			_exit(3);
		}
		if (rte_errno != ENODEV) {
			fprintf(stderr,
				"preinit: nb_poolset_create rte_errno %d\n",
				rte_errno);
			_exit(4);
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == pid) {
		g_preinit_status = status;
	}
}

static void
test_create_before_init(void)
{
	static const char *const why[] = {
		"ok",
		"nb_pool_create succeeded without EAL",
		"nb_pool_create: rte_errno not ENODEV",
		"nb_poolset_create succeeded without EAL",
		"nb_poolset_create: rte_errno not ENODEV",
	};
	int st = g_preinit_status;

	if (!NB_TEST_ASSERT_MSG(st != -1, "the pre-EAL child did not run")) {
		return;
	}
	NB_TEST_ASSERT_MSG(!WIFSIGNALED(st),
			   "before EAL init: killed by signal %d",
			   WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	if (WIFEXITED(st)) {
		int code = WEXITSTATUS(st);

		NB_TEST_ASSERT_MSG(code == 0, "before EAL init: %s",
				   code < (int)NB_DIM(why) ? why[code] : "?");
	}
}

/*
 * Case 1: create, lookup, buffer layout, destroy.
 */

/* Per-buffer layout checks; false at the first failure. */
static bool
layout_buffer_ok(struct nb_pool *p, struct rte_mbuf *m, uint16_t headroom,
		 uint16_t priv, unsigned int n, uint8_t *seen, const char *ctx)
{
	struct nb_mbuf_priv *pr = nb_mbuf_priv(m);
	char *up = nb_pool_user_priv(m);
	bool ok = true;

	ok &= NB_TEST_ASSERT_MSG(nb_pool_of(m) == p, "%s: nb_pool_of", ctx);
	ok &= NB_TEST_ASSERT_MSG(m->pool == nb_pool_mempool(p),
				 "%s: m->pool", ctx);
	ok &= NB_TEST_ASSERT_MSG(m->priv_size >= NB_MBUF_PRIV_SIZE + priv,
				 "%s: priv_size %u < %u + %u", ctx,
				 m->priv_size, NB_MBUF_PRIV_SIZE, priv);
	ok &= NB_TEST_ASSERT_MSG(((uintptr_t)up & 7) == 0,
				 "%s: user area %p not 8-aligned", ctx,
				 (void *)up);
	ok &= NB_TEST_ASSERT_MSG(up + priv <= (char *)m->buf_addr,
				 "%s: user area %p + %u overlaps buf_addr %p",
				 ctx, (void *)up, priv, m->buf_addr);
	ok &= NB_TEST_ASSERT_MSG(m->buf_iova != 0 &&
				 m->buf_iova != RTE_BAD_IOVA,
				 "%s: buf_iova %#" PRIx64, ctx,
				 (uint64_t)m->buf_iova);
	ok &= NB_TEST_ASSERT_MSG(
		((uintptr_t)rte_pktmbuf_mtod(m, char *) & 63) == 0,
		"%s: data %p not 64-byte aligned", ctx,
		rte_pktmbuf_mtod(m, void *));
	ok &= CHECK_EQ(ctx, m->data_off, headroom);
	ok &= CHECK_EQ(ctx, m->data_len, 0);
	ok &= CHECK_EQ(ctx, m->pkt_len, 0);
	ok &= CHECK_EQ(ctx, m->nb_segs, 1);
	ok &= NB_TEST_ASSERT_MSG(m->next == NULL, "%s: next", ctx);
	ok &= CHECK_EQ(ctx, rte_mbuf_refcnt_read(m), 1);
	ok &= CHECK_EQ(ctx, m->buf_len, RTE_MBUF_DEFAULT_BUF_SIZE);
	ok &= CHECK_EQ(ctx, rte_pktmbuf_tailroom(m), nb_pool_data_size(p));
	ok &= CHECK_EQ(ctx, nb_buf_owner(m)->state, NB_BUF_STATE_ALLOCATED);
	ok &= CHECK_EQ(ctx, nb_buf_owner(m)->home, rte_lcore_id());
	ok &= NB_TEST_ASSERT_MSG(pr->idx < n, "%s: idx %u >= n %u", ctx,
				 pr->idx, n);
	if (!ok) {
		return false;
	}
	ok &= NB_TEST_ASSERT_MSG(!seen[pr->idx], "%s: idx %u twice", ctx,
				 pr->idx);
	seen[pr->idx] = 1;
	/* The whole user area is the user's. */
	memset(up, 0xa5, priv);
	return ok;
}

static void
layout_case(const struct backend *b, uint16_t headroom)
{
	const unsigned int n = 512;
	const uint16_t priv = 24; /* not a multiple of 64: alignment matters */
	struct nb_pool_opts o;
	struct rte_mempool *mp;
	struct rte_mbuf **m;
	struct nb_pool *p;
	uint32_t *idx;
	uint8_t *seen;
	char name[RTE_MEMPOOL_NAMESIZE];
	char ctx[64];
	unsigned int i, got;

	snprintf(name, sizeof(name), "lay_%s_%u", b->label, headroom);
	snprintf(ctx, sizeof(ctx), "%s headroom %u", b->label, headroom);
	backend_opts(b, &o);
	o.headroom = headroom;
	o.priv_size = priv;
	p = pool_create_ok(name, n, &o);
	if (p == NULL) {
		return;
	}
	mp = nb_pool_mempool(p);
	if (!NB_TEST_ASSERT_MSG(mp != NULL, "%s: nb_pool_mempool NULL", ctx)) {
		nb_pool_destroy(p, true);
		return;
	}
	NB_TEST_ASSERT_MSG(rte_mempool_lookup(name) == mp,
			   "%s: rte_mempool_lookup", ctx);
	NB_TEST_ASSERT_MSG(nb_pool_lookup(name) == p, "%s: nb_pool_lookup",
			   ctx);
	NB_TEST_ASSERT_MSG(strcmp(nb_pool_name(p), name) == 0,
			   "%s: nb_pool_name \"%s\"", ctx, nb_pool_name(p));
	CHECK_EQ(ctx, mp->size, n);
	CHECK_EQ(ctx, rte_pktmbuf_data_room_size(mp),
		 RTE_MBUF_DEFAULT_BUF_SIZE);
	NB_TEST_ASSERT_MSG(rte_pktmbuf_priv_size(mp) >=
			   NB_MBUF_PRIV_SIZE + priv,
			   "%s: mempool priv size %u", ctx,
			   rte_pktmbuf_priv_size(mp));
	CHECK_EQ(ctx, nb_pool_data_size(p),
		 RTE_MBUF_DEFAULT_BUF_SIZE - headroom);
	if (b->accounted) {
		/* The rte_mempool has no DPDK cache in accounted mode. */
		CHECK_EQ(ctx, mp->cache_size, 0);
	} else {
		/* NB_POOL_CACHE_AUTO: min(256, n / 1.5). */
		CHECK_EQ(ctx, mp->cache_size, RTE_MIN(256u, n * 2 / 3));
	}
	if (b->dpdk) {
		NB_TEST_ASSERT_MSG(
			strcmp(rte_mempool_get_ops(mp->ops_index)->name,
			       b->ops) == 0,
			"%s: mempool ops \"%s\"", ctx,
			rte_mempool_get_ops(mp->ops_index)->name);
	}

	m = mbuf_array(n + 1);
	seen = calloc(n, 1);
	idx = calloc(n, sizeof(*idx));
	CU_ASSERT_FATAL(seen != NULL && idx != NULL);
	got = take_all(p, m, n + 1);
	CHECK_EQ(ctx, got, n);
	for (i = 0; i < got; i++) {
		if (!layout_buffer_ok(p, m[i], headroom, priv, n, seen, ctx)) {
			break;
		}
		idx[i] = nb_mbuf_priv(m[i])->idx;
	}
	/* Writing every user area damaged no mbuf and no nbkit area. */
	for (; i < got; i++) {
		idx[i] = nb_mbuf_priv(m[i])->idx;
	}
	for (i = 0; i < got; i++) {
		if (!NB_TEST_ASSERT_MSG(nb_pool_of(m[i]) == p &&
					nb_mbuf_priv(m[i])->idx == idx[i] &&
					m[i]->pool == mp,
					"%s: buffer %u damaged by user-area "
					"writes", ctx, i)) {
			break;
		}
	}
	free_all(m, got);
	check_all_back(p, n, ctx);
	destroy_ok(p, ctx);
	NB_TEST_ASSERT_MSG(rte_mempool_lookup(name) == NULL,
			   "%s: mempool left after destroy", ctx);
	rte_errno = 0;
	NB_TEST_ASSERT_MSG(nb_pool_lookup(name) == NULL && rte_errno == ENOENT,
			   "%s: nb_pool_lookup after destroy (rte_errno %d)",
			   ctx, rte_errno);
	free(idx);
	free(seen);
	free(m);
}

static void
test_create_layout(void)
{
	static const uint16_t headrooms[] = { 128, 0, 64, 192 };
	unsigned int b, h;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		for (h = 0; h < NB_DIM(headrooms); h++) {
			layout_case(&g_backends[b], headrooms[h]);
		}
	}
}

/* Accounted mode: the driver keeps the nbkit area exact on every get/put. */
static void
test_state_after_free(void)
{
	struct rte_mbuf *m, *d;
	struct nb_pool *p;

	p = backend_pool(B_ACCT, "state", 64);
	if (p == NULL) {
		return;
	}
	m = nb_pool_alloc(p);
	d = rte_pktmbuf_alloc(nb_pool_mempool(p));
	CU_ASSERT_FATAL(m != NULL && d != NULL);
	/* DPDK's own alloc path is tracked too. */
	NB_TEST_ASSERT_INT_EQ(nb_buf_owner(d)->state, NB_BUF_STATE_ALLOCATED);
	NB_TEST_ASSERT_INT_EQ(nb_buf_owner(d)->home, rte_lcore_id());
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(d);
	NB_TEST_ASSERT_INT_EQ(nb_buf_owner(m)->state, NB_BUF_STATE_FREE);
	NB_TEST_ASSERT_INT_EQ(nb_buf_owner(d)->state, NB_BUF_STATE_FREE);
	destroy_ok(p, "state");
}

/* nb_pool_of() for nbkit, DPDK and plain buffers, clones and NULL. */
static void
test_pool_of(void)
{
	struct rte_mbuf *m, *dm, *pm, *c1, *c2;
	struct rte_mempool *plain;
	struct nb_pool *p, *q;

	p = pool_create_ok("of_nb", 64, NULL);
	q = backend_pool(B_ACCT, "of", 64);
	plain = rte_pktmbuf_pool_create("of_plain", 64, 0, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	NB_TEST_ASSERT_MSG(plain != NULL, "rte_pktmbuf_pool_create: %s",
			   rte_strerror(rte_errno));
	if (p == NULL || q == NULL || plain == NULL) {
		nb_pool_destroy(p, true);
		nb_pool_destroy(q, true);
		rte_mempool_free(plain);
		return;
	}
	CU_ASSERT(nb_pool_lookup("of_nb") == p);
	CU_ASSERT(nb_pool_lookup("of_acct") == q);
	rte_errno = 0;
	CU_ASSERT(nb_pool_lookup("of_no_such_pool") == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENOENT);
	CU_ASSERT(nb_pool_lookup("of_plain") == NULL);
	/* NULL options: the defaults. */
	NB_TEST_ASSERT_INT_EQ(nb_pool_data_size(p),
			      RTE_MBUF_DEFAULT_BUF_SIZE - RTE_PKTMBUF_HEADROOM);

	m = nb_pool_alloc(p);
	dm = rte_pktmbuf_alloc(nb_pool_mempool(q));
	pm = rte_pktmbuf_alloc(plain);
	CU_ASSERT_FATAL(m != NULL && dm != NULL && pm != NULL);
	CU_ASSERT(nb_pool_of(m) == p);
	CU_ASSERT(nb_pool_of(dm) == q);
	CU_ASSERT(nb_pool_of(pm) == NULL);
	CU_ASSERT(nb_pool_of(NULL) == NULL);

	/* An indirect buffer belongs to the pool its header came from. */
	c1 = rte_pktmbuf_clone(m, plain);
	c2 = rte_pktmbuf_clone(pm, nb_pool_mempool(p));
	CU_ASSERT_FATAL(c1 != NULL && c2 != NULL);
	CU_ASSERT(RTE_MBUF_CLONED(c1) && RTE_MBUF_CLONED(c2));
	CU_ASSERT(nb_pool_of(c1) == NULL);
	CU_ASSERT(nb_pool_of(c2) == p);
	rte_pktmbuf_free(c1);
	rte_pktmbuf_free(c2);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(dm);
	rte_pktmbuf_free(pm);
	check_all_back(p, 64, "of_nb");
	check_all_back(q, 64, "of_acct");
	destroy_ok(p, "of_nb");
	destroy_ok(q, "of_acct");
	rte_mempool_free(plain);
}

/*
 * Case 2: bad input. A failure leaves nothing behind: no mempool and no
 * pool of that name, and a good create of the same name works afterwards
 * (a ring or memzone left over would make it fail).
 */
static void
expect_create_fails(const char *ctx, const char *name, unsigned int n,
		    const struct nb_pool_opts *o, int err,
		    const struct nb_pool_opts *good)
{
	struct nb_pool *p;

	rte_errno = 0;
	p = nb_pool_create(name, n, o);
	if (!NB_TEST_ASSERT_MSG(p == NULL, "%s: nb_pool_create succeeded",
				ctx)) {
		nb_pool_destroy(p, true);
		return;
	}
	NB_TEST_ASSERT_MSG(rte_errno == err, "%s: rte_errno %d, expected %d",
			   ctx, rte_errno, err);
	if (name == NULL || strlen(name) > NB_POOL_NAMESIZE) {
		return;
	}
	NB_TEST_ASSERT_MSG(rte_mempool_lookup(name) == NULL,
			   "%s: mempool \"%s\" left behind", ctx, name);
	NB_TEST_ASSERT_MSG(nb_pool_lookup(name) == NULL,
			   "%s: nb_pool \"%s\" left behind", ctx, name);
	p = nb_pool_create(name, 64, good);
	if (NB_TEST_ASSERT_MSG(p != NULL,
			       "%s: same name after the failure: %s", ctx,
			       rte_strerror(rte_errno))) {
		destroy_ok(p, ctx);
	}
}

/* Options of a newer caller: opts_size beyond this library's struct. */
struct big_opts {
	struct nb_pool_opts o;
	uint64_t more[8];
};

static void
bad_input_backend(const struct backend *b)
{
	struct nb_pool_opts good, o;
	struct big_opts big;
	char name[RTE_MEMPOOL_NAMESIZE];
	char ctx[64];

	snprintf(name, sizeof(name), "bad_%s", b->label);
	backend_opts(b, &good);

#define BAD(what) snprintf(ctx, sizeof(ctx), "%s: %s", b->label, (what))
	BAD("n 0");
	expect_create_fails(ctx, name, 0, &good, EINVAL, &good);

	BAD("data_room < headroom");
	o = good;
	o.data_room = 64;
	o.headroom = 128;
	expect_create_fails(ctx, name, 64, &o, EINVAL, &good);

	BAD("data_room 100 < headroom 101");
	o = good;
	o.data_room = 100;
	o.headroom = 101;
	expect_create_fails(ctx, name, 64, &o, EINVAL, &good);

	BAD("unknown flag");
	RTE_BUILD_BUG_ON((NB_POOL_F_ALL & (1u << 7)) != 0);
	o = good;
	o.flags = 1u << 7;
	expect_create_fails(ctx, name, 64, &o, EINVAL, &good);

	BAD("cache_size > NB_POOL_CACHE_MAX");
	o = good;
	o.cache_size = NB_POOL_CACHE_MAX + 1;
	expect_create_fails(ctx, name, 4096, &o, EINVAL, &good);

	BAD("cache_size > n / 1.5");
	o = good;
	o.cache_size = 44; /* above 64 / 1.5 however it is rounded */
	expect_create_fails(ctx, name, 64, &o, EINVAL, &good);

	BAD("opts_size too large");
	memset(&big, 0, sizeof(big));
	backend_opts(b, &big.o);
	big.o.opts_size = sizeof(big);
	expect_create_fails(ctx, name, 64, &big.o, EINVAL, &good);

	if (!b->dpdk) {
		BAD("unknown mode");
		o = good;
		o.mode = (enum nb_pool_mode)77;
		expect_create_fails(ctx, name, 64, &o, EINVAL, &good);
	}
#undef BAD
}

/* Valid edge values: cache 0, exactly n / 1.5, the largest. */
static void
cache_edges(const struct backend *b)
{
	static const struct {
		unsigned int n;
		uint32_t cache;
	} edges[] = {
		{ 64, 0 },
		{ 96, 64 },
		{ 64, 42 },
		{ 768, NB_POOL_CACHE_MAX },
	};
	struct nb_pool_opts o;
	struct nb_pool *p;
	char name[RTE_MEMPOOL_NAMESIZE];
	char ctx[64];
	unsigned int i;

	for (i = 0; i < NB_DIM(edges); i++) {
		snprintf(name, sizeof(name), "edge_%s_%u", b->label, i);
		snprintf(ctx, sizeof(ctx), "%s n %u cache %u", b->label,
			 edges[i].n, edges[i].cache);
		backend_opts(b, &o);
		o.cache_size = edges[i].cache;
		p = pool_create_ok(name, edges[i].n, &o);
		if (p == NULL) {
			continue;
		}
		CHECK_EQ(ctx, nb_pool_mempool(p)->cache_size,
			 b->accounted ? 0 : edges[i].cache);
		destroy_ok(p, ctx);
	}
}

static void
test_bad_input(void)
{
	char longname[NB_POOL_NAMESIZE + 2];
	char maxname[NB_POOL_NAMESIZE + 1];
	struct nb_pool_opts o, good;
	struct rte_mempool *plain;
	struct nb_pool *p, *p2;
	struct rte_mbuf *m;
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		bad_input_backend(&g_backends[b]);
		cache_edges(&g_backends[b]);
	}

	nb_pool_opts_init(&good, sizeof(good));
	o = good;
	o.ops = "no_such_ops";
	expect_create_fails("unknown ops", "bad_ops", 64, &o, EINVAL, &good);
	expect_create_fails("NULL name", NULL, 64, &good, EINVAL, &good);

	memset(longname, 'l', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_create_fails("name too long", longname, 64, &good,
			    ENAMETOOLONG, &good);
	CU_ASSERT(rte_mempool_lookup(longname) == NULL);

	/* The longest name works, with every backend. */
	memset(maxname, 'm', sizeof(maxname) - 1);
	maxname[sizeof(maxname) - 1] = '\0';
	for (b = 0; b < NB_DIM(g_backends); b++) {
		backend_opts(&g_backends[b], &o);
		rte_errno = 0;
		p = nb_pool_create(maxname, 64, &o);
		NB_TEST_ASSERT_MSG(p != NULL, "%s: name of %u characters: %s",
				   g_backends[b].label, (unsigned int)NB_POOL_NAMESIZE,
				   rte_strerror(rte_errno));
		if (p != NULL) {
			CU_ASSERT(nb_pool_lookup(maxname) == p);
			destroy_ok(p, g_backends[b].label);
		}
	}

	/* EEXIST: an nb_pool of that name, left intact. */
	p = pool_create_ok("dup_name", 64, NULL);
	if (p != NULL) {
		rte_errno = 0;
		p2 = nb_pool_create("dup_name", 64, NULL);
		CU_ASSERT(p2 == NULL);
		NB_TEST_ASSERT_INT_EQ(rte_errno, EEXIST);
		nb_pool_destroy(p2, true);
		CU_ASSERT(nb_pool_lookup("dup_name") == p);
		CU_ASSERT(rte_mempool_lookup("dup_name") == nb_pool_mempool(p));
		m = nb_pool_alloc(p);
		CU_ASSERT(m != NULL);
		rte_pktmbuf_free(m);
		check_all_back(p, 64, "dup_name");
		destroy_ok(p, "dup_name");
	}
	/* EEXIST: a plain DPDK mempool of that name, left intact. */
	plain = rte_pktmbuf_pool_create("dup_plain", 64, 0, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	CU_ASSERT_FATAL(plain != NULL);
	for (b = 0; b < NB_DIM(g_backends); b++) {
		backend_opts(&g_backends[b], &o);
		rte_errno = 0;
		p = nb_pool_create("dup_plain", 64, &o);
		CU_ASSERT(p == NULL);
		CHECK_EQ(g_backends[b].label, rte_errno, EEXIST);
		nb_pool_destroy(p, true);
	}
	CU_ASSERT(rte_mempool_lookup("dup_plain") == plain);
	CU_ASSERT(nb_pool_lookup("dup_plain") == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_mempool_avail_count(plain), 64);
	rte_mempool_free(plain);

	/* An older caller's smaller options: fields past opts_size unread. */
	nb_pool_opts_init(&o, sizeof(o));
	o.opts_size = offsetof(struct nb_pool_opts, flags);
	o.flags = 1u << 9;
	p = pool_create_ok("old_opts", 64, &o);
	if (p != NULL) {
		destroy_ok(p, "old_opts");
	}
}

/* Case 3: nb_pool_alloc_bulk() takes all or nothing. */
static void
test_bulk_all_or_nothing(void)
{
	struct rte_mbuf *a[48], *c[32];
	struct nb_pool_stats s;
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		const char *ctx = g_backends[b].label;
		struct nb_pool *p = backend_pool(&g_backends[b], "bulk", 64);
		int ret;

		if (p == NULL) {
			continue;
		}
		ret = nb_pool_alloc_bulk(p, a, 48);
		CHECK_EQ(ctx, ret, 0);
		if (ret != 0) {
			nb_pool_destroy(p, true);
			continue;
		}
		ret = nb_pool_alloc_bulk(p, c, 32);
		CHECK_EQ(ctx, ret, -ENOBUFS);
		if (ret == 0) {
			free_all(c, 32);
		}
		if (stats_get(p, &s)) {
			CHECK_EQ(ctx, s.avail, 16);
			CHECK_EQ(ctx, s.in_use, 48);
		}
		/* Nothing was taken: the last 16 are all there. */
		ret = nb_pool_alloc_bulk(p, c, 16);
		CHECK_EQ(ctx, ret, 0);
		if (ret == 0) {
			CU_ASSERT(nb_pool_alloc(p) == NULL);
			free_all(c, 16);
		}
		free_all(a, 48);
		check_all_back(p, 64, ctx);
		destroy_ok(p, ctx);
	}
}

/*
 * All or nothing with a warm per-lcore cache: a bulk request that the
 * cache and the backend together cannot serve must leave both intact
 * (DPDK's get path puts back what it took from its cache and relies on a
 * failed backend dequeue having written nothing).
 */
static void
bulk_warm_cache(const struct backend *b)
{
	const unsigned int n = 64;
	struct rte_mbuf *held[64], *big[42], *c[32];
	struct nb_pool_opts o;
	struct nb_pool_stats s;
	struct nb_pool *p;
	uint8_t seen[64];
	char name[RTE_MEMPOOL_NAMESIZE];
	const char *ctx = b->label;
	unsigned int i, nb, dups = 0;
	int ret;

	snprintf(name, sizeof(name), "bulkw_%s", b->label);
	backend_opts(b, &o);
	o.cache_size = 16;
	p = pool_create_ok(name, n, &o);
	if (p == NULL) {
		return;
	}
	/* One buffer out: the lcore cache is filled (16 in it). */
	held[0] = nb_pool_alloc(p);
	CU_ASSERT_FATAL(held[0] != NULL);
	/* 42 more: the cache's 16 and 26 from the backend. */
	CU_ASSERT_FATAL(nb_pool_alloc_bulk(p, big, 42) == 0);
	memcpy(&held[1], big, sizeof(big));
	nb = 43;
	/* 21 free (in the cache and the backend): 32 cannot be served. */
	ret = nb_pool_alloc_bulk(p, c, 32);
	CHECK_EQ(ctx, ret, -ENOBUFS);
	if (ret == 0) {
		free_all(c, 32);
	}
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.avail, n - nb);
		CHECK_EQ(ctx, s.in_use, nb);
	}
	/* The 21 left are 21 distinct buffers none of which is out. */
	nb += take_all(p, &held[nb], n - nb);
	CHECK_EQ(ctx, nb, n);
	CU_ASSERT(nb_pool_alloc(p) == NULL);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < nb; i++) {
		uint32_t idx = nb_mbuf_priv(held[i])->idx;

		if (idx < n) {
			dups += seen[idx];
			seen[idx] = 1;
		}
	}
	NB_TEST_ASSERT_MSG(dups == 0, "%s: %u buffers handed out twice after "
			   "a failed bulk allocation", ctx, dups);
	if (dups == 0) {
		free_all(held, nb);
		audit_clean(p, ctx);
		check_all_back(p, n, ctx);
		destroy_ok(p, ctx);
	} else {
		/* Freeing duplicates would corrupt further: drop the pool. */
		nb_pool_destroy(p, true);
	}
}

static void
test_bulk_warm_cache(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		bulk_warm_cache(&g_backends[b]);
	}
}

/* Case 4: every buffer can be taken, then none, then again after a free. */
static void
test_exhaustion(void)
{
	const unsigned int n = 300;
	struct rte_mbuf **m = mbuf_array(n + 1);
	struct rte_mbuf *extra[4];
	struct nb_pool_stats s;
	unsigned int b, got;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		const char *ctx = g_backends[b].label;
		struct nb_pool *p = backend_pool(&g_backends[b], "exh", n);

		if (p == NULL) {
			continue;
		}
		got = take_all(p, m, n + 1);
		CHECK_EQ(ctx, got, n);
		CU_ASSERT(nb_pool_alloc(p) == NULL);
		CU_ASSERT(rte_pktmbuf_alloc(nb_pool_mempool(p)) == NULL);
		CHECK_EQ(ctx, nb_pool_alloc_bulk(p, extra, 1), -ENOBUFS);
		if (stats_get(p, &s)) {
			CHECK_EQ(ctx, s.avail, 0);
			CHECK_EQ(ctx, s.in_use, n);
			NB_TEST_ASSERT_MSG(s.alloc_fails >= 1,
					   "%s: alloc_fails %" PRIu64, ctx,
					   s.alloc_fails);
		}
		if (got > 0) {
			rte_pktmbuf_free(m[got - 1]);
			m[got - 1] = nb_pool_alloc(p);
			NB_TEST_ASSERT_MSG(m[got - 1] != NULL,
					   "%s: no buffer after a free", ctx);
			CU_ASSERT(nb_pool_alloc(p) == NULL);
			if (m[got - 1] == NULL) {
				got--;
			}
		}
		free_all(m, got);
		check_all_back(p, n, ctx);
		/* And all of them once more. */
		got = take_all(p, m, n + 1);
		CHECK_EQ(ctx, got, n);
		free_all(m, got);
		destroy_ok(p, ctx);
	}
	free(m);
}

/*
 * Case 5: stats after each nbkit and DPDK call. in_use and avail are exact
 * with one thread on every backend; allocs and frees in accounted mode;
 * allocs counts nbkit calls only with DPDK's backends.
 */
struct stats_want {
	uint32_t in_use;
	uint64_t allocs;	/* every buffer (accounted) */
	uint64_t frees;		/* every buffer (accounted) */
	uint64_t nb_allocs;	/* through nbkit calls (DPDK backends) */
};

static void
stats_step(struct nb_pool *p, const struct backend *b, unsigned int n,
	   const char *step, const struct stats_want *w)
{
	struct nb_pool_stats s;
	char ctx[96];

	snprintf(ctx, sizeof(ctx), "%s after %s", b->label, step);
	if (!stats_get(p, &s)) {
		return;
	}
	CHECK_EQ(ctx, s.size, n);
	CHECK_EQ(ctx, s.in_use, w->in_use);
	CHECK_EQ(ctx, s.avail, n - w->in_use);
	if (b->accounted) {
		CHECK_EQ(ctx, s.allocs, w->allocs);
		CHECK_EQ(ctx, s.frees, w->frees);
		CHECK_EQ(ctx, s.remote_frees, 0);
		CHECK_EQ(ctx, s.double_frees, 0);
		CHECK_EQ(ctx, s.foreign_frees, 0);
	}
	if (b->dpdk) {
		CHECK_EQ(ctx, s.allocs, w->nb_allocs);
		CHECK_EQ(ctx, s.remote_frees, 0);
		CHECK_EQ(ctx, s.double_frees, 0);
	}
}

static void
stats_exact_backend(const struct backend *b)
{
	const unsigned int n = 256;
	struct rte_mbuf *b8[8], *b5[5], *b32[32], *m1, *m2;
	struct rte_mbuf **all = mbuf_array(n);
	struct stats_want w = { 0 };
	struct nb_pool_stats s;
	struct rte_mempool *mp;
	struct nb_pool *p;
	void *o1, *o4[4];
	uint64_t fails;
	char ctx[64];

	p = backend_pool(b, "stx", n);
	if (p == NULL) {
		free(all);
		return;
	}
	mp = nb_pool_mempool(p);
	stats_step(p, b, n, "create", &w);

	m1 = nb_pool_alloc(p);
	CU_ASSERT_FATAL(m1 != NULL);
	w.in_use = 1, w.allocs = 1, w.nb_allocs = 1;
	stats_step(p, b, n, "nb_pool_alloc", &w);

	CU_ASSERT_FATAL(nb_pool_alloc_bulk(p, b8, 8) == 0);
	w.in_use = 9, w.allocs = 9, w.nb_allocs = 9;
	stats_step(p, b, n, "nb_pool_alloc_bulk 8", &w);

	m2 = rte_pktmbuf_alloc(mp);
	CU_ASSERT_FATAL(m2 != NULL);
	w.in_use = 10, w.allocs = 10;
	stats_step(p, b, n, "rte_pktmbuf_alloc", &w);

	CU_ASSERT_FATAL(rte_pktmbuf_alloc_bulk(mp, b5, 5) == 0);
	w.in_use = 15, w.allocs = 15;
	stats_step(p, b, n, "rte_pktmbuf_alloc_bulk 5", &w);

	rte_pktmbuf_free(m2);
	w.in_use = 14, w.frees = 1;
	stats_step(p, b, n, "rte_pktmbuf_free", &w);

	rte_pktmbuf_free_bulk(b5, 5);
	w.in_use = 9, w.frees = 6;
	stats_step(p, b, n, "rte_pktmbuf_free_bulk 5", &w);

	CU_ASSERT_FATAL(rte_mempool_get(mp, &o1) == 0);
	w.in_use = 10, w.allocs = 16;
	stats_step(p, b, n, "rte_mempool_get", &w);

	CU_ASSERT_FATAL(rte_mempool_get_bulk(mp, o4, 4) == 0);
	w.in_use = 14, w.allocs = 20;
	stats_step(p, b, n, "rte_mempool_get_bulk 4", &w);

	rte_mempool_put(mp, o1);
	w.in_use = 13, w.frees = 7;
	stats_step(p, b, n, "rte_mempool_put", &w);

	rte_mempool_put_bulk(mp, o4, 4);
	w.in_use = 9, w.frees = 11;
	stats_step(p, b, n, "rte_mempool_put_bulk 4", &w);

	rte_pktmbuf_free(m1);
	rte_pktmbuf_free_bulk(b8, 8);
	w.in_use = 0, w.frees = 20;
	stats_step(p, b, n, "freeing the rest", &w);

	/* Failures. */
	CU_ASSERT_FATAL(nb_pool_alloc_bulk(p, all, n) == 0);
	w.in_use = n, w.allocs = 20 + n, w.nb_allocs = 9 + n;
	stats_step(p, b, n, "nb_pool_alloc_bulk of all", &w);
	if (!stats_get(p, &s)) {
		goto out;
	}
	fails = s.alloc_fails;

	snprintf(ctx, sizeof(ctx), "%s failed nb_pool_alloc", b->label);
	CU_ASSERT(nb_pool_alloc(p) == NULL);
	if (stats_get(p, &s)) {
		if (b->accounted || b->dpdk) {
			CHECK_EQ(ctx, s.alloc_fails, fails + 1);
		} else {
			NB_TEST_ASSERT_MSG(s.alloc_fails > fails,
					   "%s: alloc_fails %" PRIu64
					   " not above %" PRIu64,
					   ctx, s.alloc_fails, fails);
		}
		fails = s.alloc_fails;
	}

	snprintf(ctx, sizeof(ctx), "%s failed nb_pool_alloc_bulk 32",
		 b->label);
	CHECK_EQ(ctx, nb_pool_alloc_bulk(p, b32, 32), -ENOBUFS);
	if (stats_get(p, &s)) {
		NB_TEST_ASSERT_MSG(s.alloc_fails >= fails + 1,
				   "%s: alloc_fails %" PRIu64 ", was %" PRIu64,
				   ctx, s.alloc_fails, fails);
		fails = s.alloc_fails;
	}

	snprintf(ctx, sizeof(ctx), "%s failed rte_pktmbuf_alloc", b->label);
	CU_ASSERT(rte_pktmbuf_alloc(mp) == NULL);
	if (stats_get(p, &s)) {
		if (b->accounted) {
			/* Every DPDK get reaches the driver. */
			NB_TEST_ASSERT_MSG(s.alloc_fails > fails,
					   "%s: alloc_fails %" PRIu64
					   ", was %" PRIu64,
					   ctx, s.alloc_fails, fails);
		} else if (b->dpdk) {
			/* Only nbkit calls count with DPDK's backends. */
			CHECK_EQ(ctx, s.alloc_fails, fails);
		}
	}
	rte_pktmbuf_free_bulk(all, n);
	w.in_use = 0, w.frees = 20 + n;
	stats_step(p, b, n, "freeing all", &w);
out:
	destroy_ok(p, b->label);
	free(all);
}

static void
test_stats_exact(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		stats_exact_backend(&g_backends[b]);
	}
}

/* Case 6: peak and low-water marks, and the reset. */
static void
peak_backend(const struct backend *b)
{
	const unsigned int n = 256;
	struct rte_mbuf **m = mbuf_array(n);
	struct nb_pool_stats s;
	struct nb_pool *p;
	const char *ctx = b->label;
	unsigned int i, held;

	p = backend_pool(b, "peak", n);
	if (p == NULL) {
		free(m);
		return;
	}
	/* Take 100, free 60, take 10. */
	for (i = 0; i < 100; i++) {
		m[i] = nb_pool_alloc(p);
		CU_ASSERT_FATAL(m[i] != NULL);
	}
	if (b->dpdk) {
		/*
		 * nb_pool.h: with DPDK's backends the marks are sampled at
		 * every nb_pool_stats_get() (and on failed nbkit
		 * allocations): read them at the high point.
		 */
		CU_ASSERT(stats_get(p, &s));
	}
	for (i = 40; i < 100; i++) {
		rte_pktmbuf_free(m[i]);
	}
	for (i = 40; i < 50; i++) {
		m[i] = nb_pool_alloc(p);
		CU_ASSERT_FATAL(m[i] != NULL);
	}
	held = 50;
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.in_use, held);
		CHECK_EQ(ctx, s.avail, n - held);
		if (b->accounted) {
			CHECK_EQ(ctx, s.peak_in_use, 100);
			CHECK_EQ(ctx, s.min_avail, n - 100);
		} else {
			NB_TEST_ASSERT_MSG(s.peak_in_use >= 100,
					   "%s: peak_in_use %u < 100", ctx,
					   s.peak_in_use);
			NB_TEST_ASSERT_MSG(s.min_avail <= n - 100,
					   "%s: min_avail %u > %u", ctx,
					   s.min_avail, n - 100);
		}
		NB_TEST_ASSERT_MSG(s.peak_in_use <= n && s.min_avail <= n,
				   "%s: peak %u min_avail %u beyond size", ctx,
				   s.peak_in_use, s.min_avail);
	}

	NB_TEST_ASSERT_INT_EQ(nb_pool_stats_reset(p), 0);
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.size, n);
		CHECK_EQ(ctx, s.in_use, held);
		CHECK_EQ(ctx, s.allocs, 0);
		CHECK_EQ(ctx, s.frees, 0);
		CHECK_EQ(ctx, s.alloc_fails, 0);
		CHECK_EQ(ctx, s.remote_frees, 0);
		CHECK_EQ(ctx, s.double_frees, 0);
		CHECK_EQ(ctx, s.foreign_frees, 0);
		if (b->accounted) {
			CHECK_EQ(ctx, s.peak_in_use, held);
			CHECK_EQ(ctx, s.min_avail, n - held);
		} else {
			/* May count what sits in DPDK's caches as in use. */
			unsigned int cached = dpdk_cached(nb_pool_mempool(p));

			NB_TEST_ASSERT_MSG(s.peak_in_use >= held &&
					   s.peak_in_use <= held + cached,
					   "%s: peak_in_use %u after reset "
					   "(in use %u, %u cached)", ctx,
					   s.peak_in_use, held, cached);
			NB_TEST_ASSERT_MSG(s.min_avail <= n - held &&
					   s.min_avail + cached >= n - held,
					   "%s: min_avail %u after reset "
					   "(avail %u, %u cached)", ctx,
					   s.min_avail, n - held, cached);
		}
	}
	/* Tracked again after the reset. */
	for (i = 50; i < 80; i++) {
		m[i] = nb_pool_alloc(p);
		CU_ASSERT_FATAL(m[i] != NULL);
	}
	held = 80;
	if (stats_get(p, &s)) {
		if (b->accounted) {
			CHECK_EQ(ctx, s.peak_in_use, held);
			CHECK_EQ(ctx, s.min_avail, n - held);
			CHECK_EQ(ctx, s.allocs, 30);
		} else {
			NB_TEST_ASSERT_MSG(s.peak_in_use >= held,
					   "%s: peak_in_use %u < %u", ctx,
					   s.peak_in_use, held);
			NB_TEST_ASSERT_MSG(s.min_avail <= n - held,
					   "%s: min_avail %u > %u", ctx,
					   s.min_avail, n - held);
		}
	}
	free_all(m, held);
	check_all_back(p, n, ctx);
	destroy_ok(p, ctx);
	free(m);
}

static void
test_peak_low_water(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		peak_backend(&g_backends[b]);
	}
}

/*
 * Case 7: buffers freed on another lcore, and used by a plain pthread.
 */
struct remote_job {
	struct nb_pool *p;
	struct rte_mbuf **m;
	unsigned int n;
	unsigned int got;
	unsigned int lcore;
};

static int
remote_free(void *arg)
{
	struct remote_job *j = arg;

	j->lcore = rte_lcore_id();
	free_all(j->m, j->n);
	return 0;
}

static int
remote_alloc(void *arg)
{
	struct remote_job *j = arg;

	j->lcore = rte_lcore_id();
	j->got = take_all(j->p, j->m, j->n);
	return 0;
}

static void
cross_lcore_backend(const struct backend *b)
{
	const unsigned int n = 512, k = 200, k2 = 100;
	struct rte_mbuf **m = mbuf_array(n + 1);
	struct remote_job j = { 0 };
	struct nb_pool_stats s;
	struct nb_pool *p;
	const char *ctx = b->label;
	unsigned int got;

	p = backend_pool(b, "xlc", n);
	if (p == NULL) {
		free(m);
		return;
	}
	/* Allocated on the main lcore, freed on the worker. */
	got = take_all(p, m, k);
	CHECK_EQ(ctx, got, k);
	j.p = p;
	j.m = m;
	j.n = got;
	if (!run_on_worker(remote_free, &j)) {
		goto out;
	}
	CHECK_EQ(ctx, j.lcore, g_worker);
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.avail, n);
		CHECK_EQ(ctx, s.in_use, 0);
		if (b->accounted) {
			CHECK_EQ(ctx, s.allocs, k);
			CHECK_EQ(ctx, s.frees, k);
			NB_TEST_ASSERT_MSG(s.remote_frees >= k,
					   "%s: remote_frees %" PRIu64 " < %u",
					   ctx, s.remote_frees, k);
		}
	}
	audit_clean(p, ctx);
	{
		/*
		 * nb_pool.h: as with DPDK's caches, buffers in another lcore's
		 * cache are out of reach until it flushes; everything else
		 * (the shared ring and every inbound ring) is reachable from
		 * the main lcore.
		 */
		unsigned int reach = n - RTE_MIN(n, k);

		got = take_all(p, m, n + 1);
		NB_TEST_ASSERT_MSG(got >= reach, "%s: after lcore %u freed %u "
				   "buffers of lcore %u, lcore %u can take "
				   "only %u of %u", ctx, g_worker, k,
				   rte_lcore_id(), rte_lcore_id(), got, n);
		free_all(m, got);
	}

	/* Allocated on the worker, freed on the main lcore. */
	j.n = k2;
	j.got = 0;
	if (!run_on_worker(remote_alloc, &j)) {
		goto out;
	}
	CHECK_EQ(ctx, j.got, k2);
	if (j.got > 0) {
		CHECK_EQ(ctx, nb_buf_owner(m[0])->home, g_worker);
	}
	free_all(m, j.got);
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.avail, n);
		CHECK_EQ(ctx, s.in_use, 0);
		if (b->accounted) {
			NB_TEST_ASSERT_MSG(s.remote_frees >= k + k2,
					   "%s: remote_frees %" PRIu64 " < %u",
					   ctx, s.remote_frees, k + k2);
			CHECK_EQ(ctx, s.allocs, s.frees);
		}
	}
	audit_clean(p, ctx);
out:
	destroy_ok(p, ctx);
	free(m);
}

static void
test_cross_lcore(void)
{
	unsigned int b;

	if (!need_worker("cross_lcore")) {
		return;
	}
	for (b = 0; b < NB_DIM(g_backends); b++) {
		cross_lcore_backend(&g_backends[b]);
	}
}

struct thread_job {
	struct nb_pool *p;
	struct rte_mbuf **from_main;	/* freed in the thread */
	unsigned int nb_from_main;
	struct rte_mbuf *keep[64];	/* allocated in the thread, freed by main */
	unsigned int nb_keep;
	unsigned int allocs;
	unsigned int lcore;
	uint16_t home;
	bool bulk_ok;
};

static void *
pthread_body(void *arg)
{
	struct thread_job *j = arg;
	struct rte_mbuf *m[64];
	unsigned int i;

	j->lcore = rte_lcore_id();
	for (i = 0; i < 64; i++) {
		m[i] = nb_pool_alloc(j->p);
		if (m[i] == NULL) {
			break;
		}
	}
	j->allocs = i;
	if (i > 0) {
		j->home = nb_buf_owner(m[0])->home;
	}
	free_all(m, i);
	j->bulk_ok = nb_pool_alloc_bulk(j->p, m, 32) == 0;
	if (j->bulk_ok) {
		rte_pktmbuf_free_bulk(m, 32);
	}
	free_all(j->from_main, j->nb_from_main);
	j->nb_keep = take_all(j->p, j->keep, NB_DIM(j->keep));
	return NULL;
}

static void
pthread_backend(const struct backend *b)
{
	const unsigned int n = 512;
	struct rte_mbuf **m = mbuf_array(n + 1);
	struct thread_job j;
	struct nb_pool_stats s;
	struct nb_pool *p;
	const char *ctx = b->label;
	unsigned int got;
	pthread_t t;

	p = backend_pool(b, "pth", n);
	if (p == NULL) {
		free(m);
		return;
	}
	memset(&j, 0, sizeof(j));
	j.p = p;
	j.from_main = m;
	j.nb_from_main = take_all(p, m, 50);
	CHECK_EQ(ctx, j.nb_from_main, 50);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, pthread_body, &j) == 0);
	CU_ASSERT_FATAL(pthread_join(t, NULL) == 0);
	CHECK_EQ(ctx, j.lcore, LCORE_ID_ANY);
	CHECK_EQ(ctx, j.allocs, 64);
	if (b->accounted) {
		/* The driver records the thread's slot (for remote_frees). */
		NB_TEST_ASSERT_MSG(j.home >= RTE_MAX_LCORE &&
				   j.home != NB_LCORE_NONE,
				   "%s: home %u is not a thread slot", ctx,
				   j.home);
	} else {
		CHECK_EQ(ctx, j.home, NB_LCORE_NONE);
	}
	NB_TEST_ASSERT_MSG(j.bulk_ok, "%s: bulk alloc in a pthread", ctx);
	CHECK_EQ(ctx, j.nb_keep, NB_DIM(j.keep));
	free_all(j.keep, j.nb_keep);
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.avail, n);
		CHECK_EQ(ctx, s.in_use, 0);
		if (b->accounted) {
			CHECK_EQ(ctx, s.allocs, 50 + 64 + 32 + 64);
			CHECK_EQ(ctx, s.frees, 50 + 64 + 32 + 64);
		}
	}
	audit_clean(p, ctx);
	/* Informational: can the main lcore reach every buffer now? */
	got = take_all(p, m, n + 1);
	if (got != n) {
		printf("\n  note: %s: after a pthread used the pool and exited, "
		       "the main lcore reaches %u of %u buffers\n",
		       ctx, got, n);
	}
	free_all(m, got);
	check_all_back(p, n, ctx);
	destroy_ok(p, ctx);
	free(m);
}

static void
test_pthread(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		pthread_backend(&g_backends[b]);
	}
}

/*
 * Case 7b: a plain pthread that calls rte_thread_register() is an lcore:
 * it gets an lcore id, in fast mode DPDK's cache of that lcore serves it,
 * and in accounted mode every get and put it makes is counted exactly.
 */
struct reg_job {
	struct nb_pool *p;
	int reg_ret;		/* rte_thread_register() */
	int reg_errno;
	unsigned int lcore;	/* rte_lcore_id() once registered */
	unsigned int lcore_after;	/* after rte_thread_unregister() */
	bool has_cache;		/* rte_mempool_default_cache() != NULL */
	uint32_t cache_before;	/* its len before the get */
	uint32_t cache_after;	/* its len after the put */
	bool on_top;		/* the buffer put is the top of the cache */
	int get_ret;		/* rte_mempool_get() */
	bool alloc_ok;		/* nb_pool_alloc() */
	uint16_t home;		/* home_lcore of that buffer */
	int bulk_ret;		/* nb_pool_alloc_bulk() of REG_BULK */
};

#define REG_BULK 32u

static void *
registered_body(void *arg)
{
	struct reg_job *j = arg;
	struct rte_mempool *mp = nb_pool_mempool(j->p);
	struct rte_mbuf *b[REG_BULK];
	struct rte_mempool_cache *c;
	struct rte_mbuf *m;
	void *obj = NULL;

	j->reg_ret = rte_thread_register();
	if (j->reg_ret != 0) {
		j->reg_errno = rte_errno;
		return NULL;
	}
	j->lcore = rte_lcore_id();
	c = j->lcore < RTE_MAX_LCORE ?
		rte_mempool_default_cache(mp, j->lcore) : NULL;
	j->has_cache = c != NULL;
	if (c != NULL) {
		j->cache_before = c->len;
	}
	/* One buffer through DPDK's own calls. */
	j->get_ret = rte_mempool_get(mp, &obj);
	if (j->get_ret == 0) {
		rte_mempool_put(mp, obj);
		if (c != NULL) {
			j->cache_after = c->len;
			j->on_top = c->len > 0 && c->objs[c->len - 1] == obj;
		}
	}
	/* And through nbkit's. */
	m = nb_pool_alloc(j->p);
	j->alloc_ok = m != NULL;
	if (m != NULL) {
		j->home = nb_buf_owner(m)->home;
		rte_pktmbuf_free(m);
	}
	j->bulk_ret = nb_pool_alloc_bulk(j->p, b, REG_BULK);
	if (j->bulk_ret == 0) {
		rte_pktmbuf_free_bulk(b, REG_BULK);
	}
	/* Leave nothing in the cache of an lcore id about to be released. */
	if (c != NULL) {
		rte_mempool_cache_flush(c, mp);
	}
	rte_thread_unregister();
	j->lcore_after = rte_lcore_id();
	return NULL;
}

static void
registered_backend(const struct backend *b)
{
	const unsigned int n = 512;
	struct nb_pool_stats s;
	struct reg_job j;
	struct nb_pool *p;
	const char *ctx = b->label;
	pthread_t t;

	p = backend_pool(b, "reg", n);
	if (p == NULL) {
		return;
	}
	memset(&j, 0, sizeof(j));
	j.p = p;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, registered_body, &j) == 0);
	CU_ASSERT_FATAL(pthread_join(t, NULL) == 0);
	if (!NB_TEST_ASSERT_MSG(j.reg_ret == 0, "%s: rte_thread_register: "
				"%s", ctx, rte_strerror(j.reg_errno))) {
		goto out;
	}
	NB_TEST_ASSERT_MSG(j.lcore != LCORE_ID_ANY && j.lcore < RTE_MAX_LCORE,
			   "%s: registered thread has lcore id %u", ctx,
			   j.lcore);
	NB_TEST_ASSERT_MSG(j.lcore != rte_get_main_lcore() &&
			   j.lcore != g_worker,
			   "%s: registered thread got lcore %u, an EAL lcore",
			   ctx, j.lcore);
	CHECK_EQ(ctx, j.lcore_after, LCORE_ID_ANY);
	CHECK_EQ(ctx, j.get_ret, 0);
	NB_TEST_ASSERT_MSG(j.alloc_ok, "%s: nb_pool_alloc in a registered "
			   "thread", ctx);
	CHECK_EQ(ctx, j.home, j.lcore);
	CHECK_EQ(ctx, j.bulk_ret, 0);
	if (b->accounted) {
		/* No DPDK cache: the driver sees every get and put. */
		NB_TEST_ASSERT_MSG(!j.has_cache, "%s: an accounted pool has a "
				   "DPDK cache", ctx);
	} else {
		NB_TEST_ASSERT_MSG(j.has_cache, "%s: no DPDK cache for lcore "
				   "%u", ctx, j.lcore);
		CHECK_EQ(ctx, j.cache_before, 0);
		NB_TEST_ASSERT_MSG(j.cache_after > 0, "%s: lcore %u's DPDK "
				   "cache is empty after a put", ctx, j.lcore);
		NB_TEST_ASSERT_MSG(j.on_top, "%s: the buffer put is not on top "
				   "of lcore %u's DPDK cache", ctx, j.lcore);
	}
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.avail, n);
		CHECK_EQ(ctx, s.in_use, 0);
		if (b->accounted) {
			/* rte_mempool_get, nb_pool_alloc, the bulk. */
			CHECK_EQ(ctx, s.allocs, 1 + 1 + REG_BULK);
			CHECK_EQ(ctx, s.frees, 1 + 1 + REG_BULK);
			CHECK_EQ(ctx, s.remote_frees, 0);
			CHECK_EQ(ctx, s.double_frees, 0);
		}
	}
	audit_clean(p, ctx);
out:
	destroy_ok(p, ctx);
}

static void
test_registered_thread(void)
{
	unsigned int b;

	/* The percore backend, both modes. */
	for (b = 0; b < NB_DIM(g_backends); b++) {
		if (g_backends[b].dpdk) {
			continue;
		}
		registered_backend(&g_backends[b]);
	}
}

/* Case 8: double frees and foreign frees in accounted mode. */
static int
ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

static void
test_double_free(void)
{
	const unsigned int n = 128;
	struct rte_mbuf **all = mbuf_array(n + 2);
	struct rte_mbuf *m, *a, *fb;
	struct nb_pool_stats s;
	struct nb_pool *p, *q;
	void *pair[2];
	unsigned int i, got, dups;

	p = backend_pool(B_ACCT, "dbl", n);
	q = backend_pool(B_ACCT, "dblq", 64);
	if (p == NULL || q == NULL) {
		nb_pool_destroy(p, true);
		nb_pool_destroy(q, true);
		free(all);
		return;
	}
	m = nb_pool_alloc(p);
	CU_ASSERT_FATAL(m != NULL);
	rte_pktmbuf_free(m);
	if (stats_get(p, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.double_frees, 0);
		NB_TEST_ASSERT_INT_EQ(s.frees, 1);
	}
	rte_pktmbuf_free(m); /* the double free */
	if (stats_get(p, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.double_frees, 1);
		NB_TEST_ASSERT_INT_EQ(s.frees, 1);
		NB_TEST_ASSERT_INT_EQ(s.in_use, 0);
		NB_TEST_ASSERT_INT_EQ(s.avail, n);
	}

	/* The same buffer twice in one burst. */
	a = nb_pool_alloc(p);
	CU_ASSERT_FATAL(a != NULL);
	pair[0] = a;
	pair[1] = a;
	rte_mempool_put_bulk(nb_pool_mempool(p), pair, 2);
	if (stats_get(p, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.double_frees, 2);
		NB_TEST_ASSERT_INT_EQ(s.in_use, 0);
		NB_TEST_ASSERT_INT_EQ(s.avail, n);
	}

	/* A buffer of pool q put into pool p: counted and dropped. */
	fb = nb_pool_alloc(q);
	CU_ASSERT_FATAL(fb != NULL);
	rte_mempool_put(nb_pool_mempool(p), fb);
	if (stats_get(p, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.foreign_frees, 1);
		NB_TEST_ASSERT_INT_EQ(s.avail, n);
	}
	if (stats_get(q, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.in_use, 1);
	}
	rte_pktmbuf_free(fb);
	check_all_back(q, 64, "dblq");

	/* The pool is intact: n distinct buffers, not one more. */
	got = take_all(p, all, n + 1);
	NB_TEST_ASSERT_INT_EQ(got, n);
	qsort(all, got, sizeof(*all), ptr_cmp);
	for (i = 1, dups = 0; i < got; i++) {
		dups += all[i] == all[i - 1];
	}
	NB_TEST_ASSERT_INT_EQ(dups, 0);
	free_all(all, got);
	audit_clean(p, "dbl");
	audit_clean(q, "dblq");
	if (stats_get(p, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.in_use, 0);
		NB_TEST_ASSERT_INT_EQ(s.double_frees, 2);
		NB_TEST_ASSERT_INT_EQ(s.allocs, s.frees);
	}
	destroy_ok(p, "dbl");
	destroy_ok(q, "dblq");
	free(all);
}

/* Case 9: the audit counts and names the missing buffers. */
static void
audit_backend(const struct backend *b)
{
	const unsigned int n = 128;
	struct rte_mbuf **all = mbuf_array(n + 1);
	struct rte_mbuf *m[5], *wm[2];
	struct remote_job j = { 0 };
	struct nb_pool *p;
	const char *ctx = b->label;
	unsigned int i, got;
	char *rep;
	int ret;

	p = backend_pool(b, "aud", n);
	if (p == NULL) {
		free(all);
		return;
	}
	CHECK_EQ(ctx, nb_pool_audit(p, NULL), 0);
	audit_clean(p, ctx);

	CU_ASSERT_FATAL(take_all(p, m, 5) == 5);
	CHECK_EQ(ctx, nb_pool_audit(p, NULL), 5);
	if (audit_report(p, &ret, &rep)) {
		CHECK_EQ(ctx, ret, 5);
		for (i = 0; i < 5; i++) {
			NB_TEST_ASSERT_MSG(report_names(rep, m[i],
							rte_lcore_id()),
					   "%s: report lacks buffer %p idx %u "
					   "lcore %u:\n%s", ctx, (void *)m[i],
					   nb_mbuf_priv(m[i])->idx,
					   rte_lcore_id(), rep);
		}
	}
	free(rep);
	free_all(m, 5);
	audit_clean(p, ctx);
	/* After its drain and refill the pool has every buffer. */
	got = take_all(p, all, n + 1);
	CHECK_EQ(ctx, got, n);
	free_all(all, got);
	audit_clean(p, ctx);

	if (g_have_worker) {
		/* Two taken on the worker, one on main: each with its lcore. */
		j.p = p;
		j.m = wm;
		j.n = 2;
		if (run_on_worker(remote_alloc, &j)) {
			CHECK_EQ(ctx, j.got, 2);
			m[0] = nb_pool_alloc(p);
			CU_ASSERT_FATAL(m[0] != NULL);
			if (audit_report(p, &ret, &rep)) {
				CHECK_EQ(ctx, ret, 3);
				NB_TEST_ASSERT_MSG(
					report_names(rep, m[0], rte_lcore_id()),
					"%s: report lacks %p:\n%s", ctx,
					(void *)m[0], rep);
				for (i = 0; i < j.got; i++) {
					NB_TEST_ASSERT_MSG(
						report_names(rep, wm[i],
							     g_worker),
						"%s: report lacks %p idx %u "
						"lcore %u:\n%s", ctx,
						(void *)wm[i],
						nb_mbuf_priv(wm[i])->idx,
						g_worker, rep);
				}
			}
			free(rep);
			free_all(wm, j.got);
			rte_pktmbuf_free(m[0]);
		}
		audit_clean(p, ctx);
	}
	check_all_back(p, n, ctx);
	destroy_ok(p, ctx);
	free(all);
}

static void
test_audit(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		audit_backend(&g_backends[b]);
	}
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(NULL, NULL), -EINVAL);
}

/*
 * A double free that gets in (DPDK's backends do not catch it) puts a
 * buffer twice among the free ones: the audit reports it.
 */
static void
test_audit_duplicate(void)
{
	static const struct backend *const bs[] = {
		&g_backends[2], &g_backends[3],
	};
	unsigned int i;

	for (i = 0; i < NB_DIM(bs); i++) {
		struct nb_pool *p = backend_pool(bs[i], "audd", 64);
		struct rte_mbuf *m;
		char *rep;
		int ret;

		if (p == NULL) {
			continue;
		}
		m = nb_pool_alloc(p);
		CU_ASSERT_FATAL(m != NULL);
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(m);
		if (audit_report(p, &ret, &rep)) {
			NB_TEST_ASSERT_MSG(ret >= 0, "%s: audit %d",
					   bs[i]->label, ret);
			NB_TEST_ASSERT_MSG(report_names(rep, m, -1),
					   "%s: duplicate %p idx %u not "
					   "reported:\n%s", bs[i]->label,
					   (void *)m, nb_mbuf_priv(m)->idx,
					   rep);
		}
		free(rep);
		/* The pool is broken now: force it away. */
		NB_TEST_ASSERT_INT_EQ(nb_pool_destroy(p, true), 0);
	}
}

/* Case 10: destroy refuses while buffers are out, unless forced. */
static void
test_destroy_busy(void)
{
	unsigned int b;

	NB_TEST_ASSERT_INT_EQ(nb_pool_destroy(NULL, false), 0);
	NB_TEST_ASSERT_INT_EQ(nb_pool_destroy(NULL, true), 0);
	for (b = 0; b < NB_DIM(g_backends); b++) {
		const char *ctx = g_backends[b].label;
		struct rte_mbuf *m[3], *x;
		struct nb_pool *p;
		char name[RTE_MEMPOOL_NAMESIZE];

		snprintf(name, sizeof(name), "busy_%s", ctx);
		p = backend_pool(&g_backends[b], "busy", 64);
		if (p == NULL) {
			continue;
		}
		CU_ASSERT_FATAL(take_all(p, m, 3) == 3);
		CHECK_EQ(ctx, nb_pool_destroy(p, false), -EBUSY);
		/* Left as it was. */
		CU_ASSERT(nb_pool_lookup(name) == p);
		CU_ASSERT(rte_mempool_lookup(name) == nb_pool_mempool(p));
		x = nb_pool_alloc(p);
		NB_TEST_ASSERT_MSG(x != NULL, "%s: alloc after -EBUSY", ctx);
		rte_pktmbuf_free(x);
		CHECK_EQ(ctx, nb_pool_destroy(p, false), -EBUSY);
		free_all(m, 3);
		CHECK_EQ(ctx, nb_pool_destroy(p, false), 0);
		CU_ASSERT(nb_pool_lookup(name) == NULL);
		CU_ASSERT(rte_mempool_lookup(name) == NULL);

		/* Forced, with buffers out (not touched afterwards). */
		p = backend_pool(&g_backends[b], "busy", 64);
		if (p == NULL) {
			continue;
		}
		CU_ASSERT_FATAL(take_all(p, m, 3) == 3);
		CHECK_EQ(ctx, nb_pool_destroy(p, true), 0);
		CU_ASSERT(nb_pool_lookup(name) == NULL);
		CU_ASSERT(rte_mempool_lookup(name) == NULL);
		/* The name is free again. */
		p = backend_pool(&g_backends[b], "busy", 64);
		if (p != NULL) {
			destroy_ok(p, ctx);
		}
	}
}

/*
 * Case 11: pool sets.
 */
static const struct nb_pool_class g_classes[] = {
	{ 2176, 64 }, { 512, 64 }, { 9216, 16 },
};

static struct rte_mbuf *
set_alloc_single(struct nb_poolset *set, uint32_t len, struct nb_pool *want)
{
	struct rte_mbuf *m;
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "nb_poolset_alloc(%u)", len);
	rte_errno = 0;
	m = nb_poolset_alloc(set, len);
	if (!NB_TEST_ASSERT_MSG(m != NULL, "%s: %s", ctx,
				rte_strerror(rte_errno))) {
		return NULL;
	}
	NB_TEST_ASSERT_MSG(nb_pool_of(m) == want, "%s: from %s, expected %s",
			   ctx, nb_pool_of(m) != NULL ?
			   nb_pool_name(nb_pool_of(m)) : "(none)",
			   nb_pool_name(want));
	CHECK_EQ(ctx, m->data_len, len);
	CHECK_EQ(ctx, m->pkt_len, len);
	CHECK_EQ(ctx, m->nb_segs, 1);
	CHECK_EQ(ctx, m->data_off, RTE_PKTMBUF_HEADROOM);
	return m;
}

/* A chain of the largest class: lengths, segments, headroom. */
static void
check_chain(struct rte_mbuf *m, uint32_t len, struct nb_pool *large)
{
	const uint32_t first = nb_pool_data_size(large);
	const uint32_t room = first + RTE_PKTMBUF_HEADROOM;
	uint32_t want_segs, sum = 0, segs = 0;
	const char *reason = NULL;
	struct rte_mbuf *s;
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "chain of %u", len);
	want_segs = 1 + (len - first + room - 1) / room;
	CHECK_EQ(ctx, m->pkt_len, len);
	CHECK_EQ(ctx, m->nb_segs, want_segs);
	for (s = m; s != NULL && segs <= want_segs; s = s->next) {
		NB_TEST_ASSERT_MSG(nb_pool_of(s) == large,
				   "%s: segment %u not from the largest class",
				   ctx, segs);
		CHECK_EQ(ctx, s->data_off, s == m ? RTE_PKTMBUF_HEADROOM : 0);
		NB_TEST_ASSERT_MSG(s->data_len > 0 &&
				   s->data_off + s->data_len <= s->buf_len,
				   "%s: segment %u data_off %u data_len %u",
				   ctx, segs, s->data_off, s->data_len);
		sum += s->data_len;
		segs++;
	}
	CHECK_EQ(ctx, segs, want_segs);
	CHECK_EQ(ctx, sum, len);
	NB_TEST_ASSERT_MSG(rte_mbuf_check(m, 1, &reason) == 0,
			   "%s: rte_mbuf_check: %s", ctx,
			   reason != NULL ? reason : "?");
}

static void
test_poolset(void)
{
	struct rte_mbuf **held = mbuf_array(128);
	struct rte_mbuf *rest[15];
	struct nb_pool *p0, *p1, *p2;
	struct nb_pool_stats s;
	struct nb_poolset *set;
	struct rte_mbuf *m, *x;
	unsigned int i, got, n0, n1, n2;
	char name[16];

	set = nb_poolset_create("ps", g_classes, NB_DIM(g_classes), NULL);
	NB_TEST_ASSERT_MSG(set != NULL, "nb_poolset_create: %s",
			   rte_strerror(rte_errno));
	if (set == NULL) {
		free(held);
		return;
	}
	NB_TEST_ASSERT_INT_EQ(nb_poolset_count(set), 3);
	p0 = nb_poolset_pool(set, 0);
	p1 = nb_poolset_pool(set, 1);
	p2 = nb_poolset_pool(set, 2);
	CU_ASSERT_FATAL(p0 != NULL && p1 != NULL && p2 != NULL);
	rte_errno = 0;
	CU_ASSERT(nb_poolset_pool(set, 3) == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	/* Smallest first. */
	NB_TEST_ASSERT_INT_EQ(rte_pktmbuf_data_room_size(nb_pool_mempool(p0)),
			      512);
	NB_TEST_ASSERT_INT_EQ(rte_pktmbuf_data_room_size(nb_pool_mempool(p1)),
			      2176);
	NB_TEST_ASSERT_INT_EQ(rte_pktmbuf_data_room_size(nb_pool_mempool(p2)),
			      9216);
	n0 = nb_pool_data_size(p0);
	n1 = nb_pool_data_size(p1);
	n2 = nb_pool_data_size(p2);
	NB_TEST_ASSERT_INT_EQ(n0, 512 - RTE_PKTMBUF_HEADROOM);
	if (stats_get(p0, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.size, 64);
	}
	if (stats_get(p1, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.size, 64);
	}
	if (stats_get(p2, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.size, 16);
	}
	/* Class pools are named "<set>.<i>". */
	for (i = 0; i < 3; i++) {
		struct nb_pool *q;

		snprintf(name, sizeof(name), "ps.%u", i);
		q = nb_pool_lookup(name);
		NB_TEST_ASSERT_MSG(q != NULL && (q == p0 || q == p1 || q == p2),
				   "nb_pool_lookup(\"%s\") is not a class",
				   name);
	}

	/* Class choice, at and around each class's size. */
	i = 0;
	held[i++] = set_alloc_single(set, 0, p0);
	held[i++] = set_alloc_single(set, 100, p0);
	held[i++] = set_alloc_single(set, n0, p0);
	held[i++] = set_alloc_single(set, n0 + 1, p1);
	held[i++] = set_alloc_single(set, 1000, p1);
	held[i++] = set_alloc_single(set, n1, p1);
	held[i++] = set_alloc_single(set, n1 + 1, p2);
	held[i++] = set_alloc_single(set, 9000, p2);
	held[i++] = set_alloc_single(set, n2, p2);
	/* Per-class stats. */
	if (stats_get(p0, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.in_use, 3);
	}
	if (stats_get(p1, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.in_use, 3);
	}
	if (stats_get(p2, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.in_use, 3);
	}
	free_all(held, i);

	/* Beyond the largest class: a chain of the largest class. */
	m = nb_poolset_alloc(set, 30000);
	NB_TEST_ASSERT_MSG(m != NULL, "nb_poolset_alloc(30000): %s",
			   rte_strerror(rte_errno));
	if (m != NULL) {
		check_chain(m, 30000, p2);
		rte_pktmbuf_free(m);
	}
	m = nb_poolset_alloc(set, n2 + 1);
	NB_TEST_ASSERT_MSG(m != NULL, "nb_poolset_alloc(%u): %s", n2 + 1,
			   rte_strerror(rte_errno));
	if (m != NULL) {
		check_chain(m, n2 + 1, p2);
		rte_pktmbuf_free(m);
	}
	/* A chain longer than RTE_MBUF_MAX_NB_SEGS. */
	rte_errno = 0;
	CU_ASSERT(nb_poolset_alloc(set, UINT32_MAX) == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	rte_errno = 0;
	CU_ASSERT(nb_poolset_alloc(NULL, 10) == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
	check_all_back(p2, 16, "ps class 2 after chains");

	/* An empty class: the next larger one serves. */
	CU_ASSERT_FATAL(take_all(p0, held, 64) == 64);
	m = set_alloc_single(set, 100, p1);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_FATAL(take_all(p1, held + 64, 63) == 63);
	x = set_alloc_single(set, 100, p2);
	rte_pktmbuf_free(x);
	/* No chain when the largest class is short; nothing taken. */
	CU_ASSERT_FATAL(take_all(p2, held + 127, 1) == 1);
	got = take_all(p2, rest, 13);
	NB_TEST_ASSERT_INT_EQ(got, 13);
	rte_errno = 0;
	CU_ASSERT(nb_poolset_alloc(set, 30000) == NULL); /* 4 of 2 */
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENOBUFS);
	if (stats_get(p2, &s)) {
		NB_TEST_ASSERT_INT_EQ(s.avail, 2);
	}
	got += take_all(p2, rest + got, 2);
	NB_TEST_ASSERT_INT_EQ(got, 15);
	/* Every class empty. */
	rte_errno = 0;
	CU_ASSERT(nb_poolset_alloc(set, 100) == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_errno, ENOBUFS);
	CHECK_EQ("poolset busy", nb_poolset_destroy(set, false), -EBUSY);
	/* Left as it was. */
	CU_ASSERT(nb_poolset_pool(set, 0) == p0);
	CU_ASSERT(nb_pool_lookup("ps.0") != NULL);
	free_all(rest, got);
	free_all(held, 128);
	rte_pktmbuf_free(m);
	check_all_back(p0, 64, "ps class 0");
	check_all_back(p1, 64, "ps class 1");
	check_all_back(p2, 16, "ps class 2");
	NB_TEST_ASSERT_INT_EQ(nb_poolset_destroy(set, false), 0);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "ps.%u", i);
		NB_TEST_ASSERT_MSG(nb_pool_lookup(name) == NULL &&
				   rte_mempool_lookup(name) == NULL,
				   "%s left after nb_poolset_destroy", name);
	}
	NB_TEST_ASSERT_INT_EQ(nb_poolset_destroy(NULL, false), 0);

	/* Forced destroy with a buffer out. */
	set = nb_poolset_create("ps", g_classes, NB_DIM(g_classes), NULL);
	CU_ASSERT_FATAL(set != NULL);
	m = nb_poolset_alloc(set, 100);
	CU_ASSERT(m != NULL);
	NB_TEST_ASSERT_INT_EQ(nb_poolset_destroy(set, true), 0);
	CU_ASSERT(rte_mempool_lookup("ps.0") == NULL);
	free(held);
}

static void
expect_set_fails(const char *ctx, const char *name,
		 const struct nb_pool_class *cls, unsigned int nb, int err)
{
	struct nb_poolset *set;
	unsigned int i;

	rte_errno = 0;
	set = nb_poolset_create(name, cls, nb, NULL);
	if (!NB_TEST_ASSERT_MSG(set == NULL, "%s: created", ctx)) {
		nb_poolset_destroy(set, true);
		return;
	}
	NB_TEST_ASSERT_MSG(rte_errno == err, "%s: rte_errno %d, expected %d",
			   ctx, rte_errno, err);
	if (name == NULL) {
		return;
	}
	for (i = 0; i < NB_POOLSET_MAX_CLASSES + 1; i++) {
		char pname[64];

		snprintf(pname, sizeof(pname), "%s.%u", name, i);
		NB_TEST_ASSERT_MSG(rte_mempool_lookup(pname) == NULL,
				   "%s: \"%s\" left behind", ctx, pname);
	}
}

static void
test_poolset_bad(void)
{
	static const struct nb_pool_class dup[] = {
		{ 2176, 16 }, { 512, 16 }, { 2176, 32 },
	};
	static const struct nb_pool_class zero_n[] = {
		{ 2176, 16 }, { 512, 0 },
	};
	struct nb_pool_class many[NB_POOLSET_MAX_CLASSES + 1];
	char longname[NB_POOL_NAMESIZE];
	char maxname[NB_POOL_NAMESIZE - 1];
	struct rte_mempool *plain;
	struct nb_poolset *set;
	unsigned int i;

	for (i = 0; i < NB_DIM(many); i++) {
		many[i].data_room = (uint16_t)(512 + 256 * i);
		many[i].n = 16;
	}
	expect_set_fails("0 classes", "psb", g_classes, 0, EINVAL);
	expect_set_fails("too many classes", "psb", many, NB_DIM(many),
			 EINVAL);
	expect_set_fails("duplicate data room", "psb", dup, NB_DIM(dup),
			 EINVAL);
	expect_set_fails("a class of 0 buffers", "psb", zero_n,
			 NB_DIM(zero_n), EINVAL);
	expect_set_fails("NULL classes", "psb", NULL, 2, EINVAL);
	expect_set_fails("NULL name", NULL, g_classes, 3, EINVAL);
	memset(longname, 'l', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_set_fails("name too long", longname, g_classes, 3,
			 ENAMETOOLONG);

	/* The most classes and the longest name work. */
	memset(maxname, 'm', sizeof(maxname) - 1);
	maxname[sizeof(maxname) - 1] = '\0';
	set = nb_poolset_create(maxname, many, NB_POOLSET_MAX_CLASSES, NULL);
	NB_TEST_ASSERT_MSG(set != NULL, "%u classes, name of %zu: %s",
			   NB_POOLSET_MAX_CLASSES, strlen(maxname),
			   rte_strerror(rte_errno));
	if (set != NULL) {
		NB_TEST_ASSERT_INT_EQ(nb_poolset_count(set),
				      NB_POOLSET_MAX_CLASSES);
		NB_TEST_ASSERT_INT_EQ(nb_poolset_destroy(set, false), 0);
	}

	/* A class whose name is taken: EEXIST, and the others undone. */
	plain = rte_pktmbuf_pool_create("psx.1", 16, 0, 0, 512,
					SOCKET_ID_ANY);
	CU_ASSERT_FATAL(plain != NULL);
	rte_errno = 0;
	set = nb_poolset_create("psx", g_classes, NB_DIM(g_classes), NULL);
	CU_ASSERT(set == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EEXIST);
	nb_poolset_destroy(set, true);
	CU_ASSERT(rte_mempool_lookup("psx.0") == NULL);
	CU_ASSERT(rte_mempool_lookup("psx.2") == NULL);
	CU_ASSERT(rte_mempool_lookup("psx.1") == plain);
	rte_mempool_free(plain);
	/* And the name works afterwards. */
	set = nb_poolset_create("psx", g_classes, NB_DIM(g_classes), NULL);
	NB_TEST_ASSERT_MSG(set != NULL, "psx after the failure: %s",
			   rte_strerror(rte_errno));
	NB_TEST_ASSERT_INT_EQ(nb_poolset_destroy(set, false), 0);
}

/*
 * Case 12: nb_pool_alloc_wait().
 */
struct late_free {
	struct rte_mbuf *m;
	unsigned int delay_us;
};

static void *
late_free_thread(void *arg)
{
	struct late_free *lf = arg;

	sleep_us(lf->delay_us);
	rte_pktmbuf_free(lf->m);
	return NULL;
}

static int
late_free_lcore(void *arg)
{
	late_free_thread(arg);
	return 0;
}

static void
alloc_wait_backend(const struct backend *b)
{
	const unsigned int n = 32;
	struct rte_mbuf *m[32], *x;
	struct late_free lf;
	struct nb_pool *p;
	const char *ctx = b->label;
	uint64_t t0, dt;
	unsigned int i, got;
	pthread_t t;

	p = backend_pool(b, "wait", n);
	if (p == NULL) {
		return;
	}
	got = take_all(p, m, n);
	CHECK_EQ(ctx, got, n);
	if (got != n) {
		free_all(m, got);
		destroy_ok(p, ctx);
		return;
	}

	/* Times out after the timeout, and not much later. */
	rte_errno = 0;
	t0 = now_ns();
	x = nb_pool_alloc_wait(p, 20000);
	dt = now_ns() - t0;
	CU_ASSERT(x == NULL);
	CHECK_EQ(ctx, rte_errno, ETIMEDOUT);
	NB_TEST_ASSERT_MSG(dt >= 20 * NS_PER_MS && dt < 70 * NS_PER_MS,
			   "%s: a 20 ms wait took %.3f ms", ctx,
			   (double)dt / NS_PER_MS);
	/* 0: one try. */
	rte_errno = 0;
	t0 = now_ns();
	x = nb_pool_alloc_wait(p, 0);
	dt = now_ns() - t0;
	CU_ASSERT(x == NULL);
	CHECK_EQ(ctx, rte_errno, ETIMEDOUT);
	NB_TEST_ASSERT_MSG(dt < 10 * NS_PER_MS, "%s: timeout 0 took %.3f ms",
			   ctx, (double)dt / NS_PER_MS);

	/* A plain pthread frees one after 10 ms. */
	lf.m = m[0];
	lf.delay_us = 10000;
	m[0] = NULL;
	t0 = now_ns();
	CU_ASSERT_FATAL(pthread_create(&t, NULL, late_free_thread, &lf) == 0);
	x = nb_pool_alloc_wait(p, 2000000);
	dt = now_ns() - t0;
	CU_ASSERT_FATAL(pthread_join(t, NULL) == 0);
	NB_TEST_ASSERT_MSG(x != NULL, "%s: the buffer a pthread freed was "
			   "not seen in %.3f ms", ctx, (double)dt / NS_PER_MS);
	NB_TEST_ASSERT_MSG(x == NULL || (dt >= 10 * NS_PER_MS &&
					 dt < 500 * NS_PER_MS),
			   "%s: waiting for a pthread's free took %.3f ms",
			   ctx, (double)dt / NS_PER_MS);
	m[0] = x;

	/* A buffer free: timeout 0 gets it. */
	rte_pktmbuf_free(m[1]);
	m[1] = nb_pool_alloc_wait(p, 0);
	NB_TEST_ASSERT_MSG(m[1] != NULL, "%s: timeout 0 with a buffer free",
			   ctx);

	/* Freed on another lcore: accounted mode sends it home. */
	if (g_have_worker) {
		lf.m = m[2];
		m[2] = NULL;
		t0 = now_ns();
		CU_ASSERT_FATAL(rte_eal_remote_launch(late_free_lcore, &lf,
						      g_worker) == 0);
		x = nb_pool_alloc_wait(p, b->accounted ? 2000000 : 100000);
		dt = now_ns() - t0;
		rte_eal_wait_lcore(g_worker);
		if (b->accounted) {
			NB_TEST_ASSERT_MSG(x != NULL && dt < 500 * NS_PER_MS,
					   "%s: buffer freed on lcore %u: %p "
					   "after %.3f ms", ctx, g_worker,
					   (void *)x, (double)dt / NS_PER_MS);
		} else if (x == NULL) {
			printf("\n  note: %s: a buffer freed on lcore %u is "
			       "not seen by nb_pool_alloc_wait() on lcore %u "
			       "within 100 ms\n", ctx, g_worker,
			       rte_lcore_id());
		}
		m[2] = x;
	}
	for (i = 0; i < n; i++) {
		rte_pktmbuf_free(m[i]);
	}
	check_all_back(p, n, ctx);
	destroy_ok(p, ctx);
}

static void
test_alloc_wait(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		alloc_wait_backend(&g_backends[b]);
	}
	rte_errno = 0;
	CU_ASSERT(nb_pool_alloc_wait(NULL, 0) == NULL);
	NB_TEST_ASSERT_INT_EQ(rte_errno, EINVAL);
}

/*
 * Case 13: stress. Two lcores and a plain pthread allocate and free at
 * random, in singles and bursts, through nbkit and DPDK calls, and hand
 * buffers to each other through a ring. Every holder stamps the user area
 * with its tag, so a buffer handed out while someone holds it is caught.
 */
#define STRESS_HELD 256
#define STRESS_BURST 32
#define STRESS_TRANSIT UINT64_C(0x7472616e73697421)

struct stress_arg {
	struct nb_pool *p;
	struct rte_mempool *mp;
	struct rte_ring *xfer;
	uint64_t end_ns;
	uint64_t tag;
	unsigned int seed;
	unsigned long ops;
	unsigned long taken;
	unsigned long fails;
	unsigned long errors;
	char error[160];
	unsigned int nheld;
	struct rte_mbuf *held[STRESS_HELD];
};

static uint64_t *
stamp(struct rte_mbuf *m)
{
	return nb_pool_user_priv(m);
}

static void
stress_error(struct stress_arg *a, const char *what, struct rte_mbuf *m,
	     uint64_t want)
{
	if (a->errors++ == 0) {
		snprintf(a->error, sizeof(a->error),
			 "%s: buffer %p idx %u stamp %#" PRIx64
			 " expected %#" PRIx64, what, (void *)m,
			 nb_mbuf_priv(m)->idx, *stamp(m), want);
	}
}

static void
stress_take(struct stress_arg *a, struct rte_mbuf *m)
{
	if (*stamp(m) != 0) {
		stress_error(a, "allocated while held", m, 0);
	}
	*stamp(m) = a->tag;
	a->held[a->nheld++] = m;
	a->taken++;
}

static void
stress_release(struct stress_arg *a, struct rte_mbuf *m, uint64_t want)
{
	if (*stamp(m) != want) {
		stress_error(a, "stamp changed while held", m, want);
	}
	*stamp(m) = 0;
}

static void
stress_op(struct stress_arg *a, unsigned int r)
{
	struct rte_mbuf *tmp[STRESS_BURST], *m;
	unsigned int k = 1 + (r >> 8) % STRESS_BURST;
	unsigned int room = STRESS_HELD - a->nheld;
	unsigned int i, sent;
	void *objs[8];

	switch (r % 10) {
	case 0:
	case 1:
		if (room == 0) {
			break;
		}
		m = nb_pool_alloc(a->p);
		if (m == NULL) {
			a->fails++;
			break;
		}
		stress_take(a, m);
		break;
	case 2:
		k = RTE_MIN(k, room);
		if (k == 0) {
			break;
		}
		if (nb_pool_alloc_bulk(a->p, tmp, k) != 0) {
			a->fails++;
			break;
		}
		for (i = 0; i < k; i++) {
			stress_take(a, tmp[i]);
		}
		break;
	case 3:
		if (room == 0) {
			break;
		}
		m = rte_pktmbuf_alloc(a->mp);
		if (m == NULL) {
			a->fails++;
			break;
		}
		stress_take(a, m);
		break;
	case 4:
	case 5:
		if (a->nheld == 0) {
			break;
		}
		i = (r >> 16) % a->nheld;
		m = a->held[i];
		a->held[i] = a->held[--a->nheld];
		stress_release(a, m, a->tag);
		rte_pktmbuf_free(m);
		break;
	case 6:
		k = RTE_MIN(k, a->nheld);
		if (k == 0) {
			break;
		}
		for (i = a->nheld - k; i < a->nheld; i++) {
			stress_release(a, a->held[i], a->tag);
		}
		a->nheld -= k;
		rte_pktmbuf_free_bulk(&a->held[a->nheld], k);
		break;
	case 7:
		/* Hand k buffers to whoever dequeues them. */
		k = RTE_MIN(k, a->nheld);
		if (k == 0) {
			break;
		}
		for (i = a->nheld - k; i < a->nheld; i++) {
			stress_release(a, a->held[i], a->tag);
			*stamp(a->held[i]) = STRESS_TRANSIT;
		}
		sent = rte_ring_enqueue_burst(a->xfer,
					      (void **)&a->held[a->nheld - k],
					      k, NULL);
		for (i = a->nheld - k + sent; i < a->nheld; i++) {
			*stamp(a->held[i]) = a->tag;
		}
		memmove(&a->held[a->nheld - k], &a->held[a->nheld - k + sent],
			(k - sent) * sizeof(a->held[0]));
		a->nheld -= sent;
		break;
	case 8:
		/* Free what others handed over (often a cross-core free). */
		sent = rte_ring_dequeue_burst(a->xfer, (void **)tmp, k, NULL);
		for (i = 0; i < sent; i++) {
			stress_release(a, tmp[i], STRESS_TRANSIT);
		}
		if (sent > 0) {
			rte_pktmbuf_free_bulk(tmp, sent);
		}
		break;
	default:
		/* Raw mempool get and put. */
		k = RTE_MIN(k, NB_DIM(objs));
		if (rte_mempool_get_bulk(a->mp, objs, k) != 0) {
			a->fails++;
			break;
		}
		for (i = 0; i < k; i++) {
			m = objs[i];
			if (*stamp(m) != 0) {
				stress_error(a, "raw get while held", m, 0);
			}
			*stamp(m) = a->tag;
		}
		for (i = 0; i < k; i++) {
			stress_release(a, objs[i], a->tag);
		}
		rte_mempool_put_bulk(a->mp, objs, k);
		a->taken += k;
		break;
	}
}

static int
stress_worker(void *arg)
{
	struct stress_arg *a = arg;

	while ((a->ops & 63) != 0 || now_ns() < a->end_ns) {
		a->ops++;
		stress_op(a, (unsigned int)rand_r(&a->seed));
	}
	while (a->nheld > 0) {
		struct rte_mbuf *m = a->held[--a->nheld];

		stress_release(a, m, a->tag);
		rte_pktmbuf_free(m);
	}
	return 0;
}

static void *
stress_thread(void *arg)
{
	stress_worker(arg);
	return NULL;
}

/* After the run: no buffer twice, every stamp cleared, all reachable. */
static void
stress_sweep(struct nb_pool *p, unsigned int n, struct stress_arg *a,
	     const char *ctx)
{
	struct rte_mbuf **all = mbuf_array(n + 1);
	unsigned int i, got;

	got = take_all(p, all, n + 1);
	if (got != n) {
		printf("  note: stress %s: the main lcore reaches %u of %u "
		       "buffers afterwards\n", ctx, got, n);
	}
	NB_TEST_ASSERT_MSG(got <= n, "%s: %u buffers out of a pool of %u",
			   ctx, got, n);
	for (i = 0; i < got; i++) {
		if (*stamp(all[i]) != 0) {
			stress_error(a, "stamp left on a free buffer", all[i],
				     0);
		}
	}
	free_all(all, got);
	free(all);
	NB_TEST_ASSERT_MSG(a->errors == 0, "%s: %s", ctx, a->error);
}

static void
stress_backend(const struct backend *b, uint64_t dur_ns)
{
	/* Small enough that the holders run it dry now and then. */
	const unsigned int n = 512;
	struct rte_mbuf *tmp[STRESS_BURST];
	struct stress_arg *a;
	struct nb_pool_opts o;
	struct nb_pool_stats s;
	struct rte_ring *xfer;
	struct nb_pool *p;
	const char *ctx = b->label;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned long taken = 0;
	unsigned int i, got;
	uint64_t t0;
	pthread_t t;

	snprintf(name, sizeof(name), "st_%s", b->label);
	backend_opts(b, &o);
	o.priv_size = sizeof(uint64_t);
	o.cache_size = 64;
	p = pool_create_ok(name, n, &o);
	if (p == NULL) {
		return;
	}
	snprintf(name, sizeof(name), "st_x_%s", b->label);
	xfer = rte_ring_create(name, 1024, SOCKET_ID_ANY, 0);
	CU_ASSERT_FATAL(xfer != NULL);
	a = calloc(3, sizeof(*a));
	CU_ASSERT_FATAL(a != NULL);
	t0 = now_ns();
	for (i = 0; i < 3; i++) {
		a[i].p = p;
		a[i].mp = nb_pool_mempool(p);
		a[i].xfer = xfer;
		a[i].end_ns = t0 + dur_ns;
		a[i].tag = 0x5eed0000ull + i + 1;
		a[i].seed = (unsigned int)(t0 >> 10) + i * 7919u;
	}
	printf("\n  stress %s: %.2f s, seeds %u %u %u\n", ctx,
	       (double)dur_ns / 1e9, a[0].seed, a[1].seed, a[2].seed);
	if (g_have_worker) {
		CU_ASSERT_FATAL(rte_eal_remote_launch(stress_worker, &a[1],
						      g_worker) == 0);
	}
	CU_ASSERT_FATAL(pthread_create(&t, NULL, stress_thread, &a[2]) == 0);
	stress_worker(&a[0]);
	if (g_have_worker) {
		NB_TEST_ASSERT_INT_EQ(rte_eal_wait_lcore(g_worker), 0);
	}
	CU_ASSERT_FATAL(pthread_join(t, NULL) == 0);
	/* What is still in transit. */
	while ((got = rte_ring_dequeue_burst(xfer, (void **)tmp, STRESS_BURST,
					     NULL)) > 0) {
		for (i = 0; i < got; i++) {
			stress_release(&a[0], tmp[i], STRESS_TRANSIT);
		}
		rte_pktmbuf_free_bulk(tmp, got);
	}
	for (i = 0; i < 3; i++) {
		if (i == 1 && !g_have_worker) {
			continue;
		}
		printf("  stress %s worker %u: %lu ops, %lu buffers taken, "
		       "%lu failed allocations\n", ctx, i, a[i].ops,
		       a[i].taken, a[i].fails);
		NB_TEST_ASSERT_MSG(a[i].errors == 0,
				   "%s worker %u: %lu errors, first: %s", ctx,
				   i, a[i].errors, a[i].error);
		NB_TEST_ASSERT_MSG(a[i].taken > 0,
				   "%s worker %u: nothing taken", ctx, i);
		taken += a[i].taken;
	}
	audit_clean(p, ctx);
	if (stats_get(p, &s)) {
		CHECK_EQ(ctx, s.size, n);
		CHECK_EQ(ctx, s.avail, n);
		CHECK_EQ(ctx, s.in_use, 0);
		CHECK_EQ(ctx, s.double_frees, 0);
		CHECK_EQ(ctx, s.foreign_frees, 0);
		if (b->accounted) {
			CHECK_EQ(ctx, s.allocs, s.frees);
			NB_TEST_ASSERT_MSG(s.allocs >= taken,
					   "%s: allocs %" PRIu64
					   " below the %lu taken", ctx,
					   s.allocs, taken);
			if (g_have_worker) {
				NB_TEST_ASSERT_MSG(s.remote_frees > 0,
						   "%s: no remote frees",
						   ctx);
			}
		}
	}
	memset(&a[0].error, 0, sizeof(a[0].error));
	a[0].errors = 0;
	stress_sweep(p, n, &a[0], ctx);
	check_all_back(p, n, ctx);
	destroy_ok(p, ctx);
	rte_ring_free(xfer);
	free(a);
}

static void
test_stress(void)
{
	static const struct backend *const bs[] = {
		&g_backends[0], &g_backends[1], &g_backends[2],
	};
	/* About 3 s in all; 1 s without hugepages (the sanitizer CI). */
	uint64_t total_ms = nb_test_no_huge() ? 1000 : 3000;
	unsigned int i;

	for (i = 0; i < NB_DIM(bs); i++) {
		stress_backend(bs[i], total_ms * NS_PER_MS / NB_DIM(bs));
	}
}

/* Case 14: the dump names the pool and its size. */
static void
test_dump(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		const char *ctx = g_backends[b].label;
		struct nb_pool *p = backend_pool(&g_backends[b], "dump", 100);
		char name[RTE_MEMPOOL_NAMESIZE];
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		if (p == NULL) {
			continue;
		}
		snprintf(name, sizeof(name), "dump_%s", ctx);
		f = open_memstream(&buf, &len);
		CU_ASSERT_FATAL(f != NULL);
		nb_pool_dump(p, f);
		fclose(f);
		NB_TEST_ASSERT_MSG(buf != NULL && strstr(buf, name) != NULL,
				   "%s: the dump lacks the name:\n%s", ctx,
				   buf != NULL ? buf : "");
		NB_TEST_ASSERT_MSG(buf != NULL && line_has_number(buf, 100),
				   "%s: the dump lacks the size 100:\n%s", ctx,
				   buf != NULL ? buf : "");
		free(buf);
		destroy_ok(p, ctx);
	}
}

/* NULL arguments of the control calls. */
static void
test_null_args(void)
{
	struct nb_pool_stats s;
	struct nb_pool *p;

	NB_TEST_ASSERT_INT_EQ(nb_pool_stats_get(NULL, &s), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_pool_stats_reset(NULL), -EINVAL);
	NB_TEST_ASSERT_INT_EQ(nb_pool_audit(NULL, NULL), -EINVAL);
	p = pool_create_ok("nullargs", 64, NULL);
	if (p != NULL) {
		NB_TEST_ASSERT_INT_EQ(nb_pool_stats_get(p, NULL), -EINVAL);
		destroy_ok(p, "nullargs");
	}
}

/* NB_POOL_F_POISON: a freed buffer's data is 0x6b (accounted mode). */
static void
test_poison(void)
{
	struct nb_pool_opts o;
	struct rte_mbuf *m;
	struct nb_pool *p;
	unsigned char *d;
	unsigned int i, bad = 0;

	backend_opts(B_ACCT, &o);
	o.flags = NB_POOL_F_POISON;
	p = pool_create_ok("poison", 64, &o);
	if (p == NULL) {
		return;
	}
	m = nb_pool_alloc(p);
	CU_ASSERT_FATAL(m != NULL);
	d = rte_pktmbuf_mtod(m, unsigned char *);
	memset(d, 0x11, 512);
	rte_pktmbuf_free(m);
	for (i = 0; i < 512; i++) {
		bad += d[i] != 0x6b;
	}
	NB_TEST_ASSERT_MSG(bad == 0, "%u of 512 data bytes not poisoned",
			   bad);
	m = nb_pool_alloc(p);
	CU_ASSERT(m != NULL);
	rte_pktmbuf_free(m);
	destroy_ok(p, "poison");
}

/*
 * Issue 7: the promises of nb_pool.h under concurrency and real PMDs.
 */

/* Drain a pool: every buffer allocatable once, none handed out twice. */
static void
drain_distinct(struct nb_pool *p, unsigned int n, const char *ctx)
{
	struct rte_mbuf **all = mbuf_array(n + 8);
	unsigned int got, i, dups = 0;

	got = take_all(p, all, n + 8);
	qsort(all, got, sizeof(*all), ptr_cmp);
	for (i = 1; i < got; i++) {
		dups += all[i] == all[i - 1];
	}
	CHECK_EQ(ctx, got, n);
	CHECK_EQ(ctx, dups, 0);
	for (i = 0; i < got; i++) {
		if (i == 0 || all[i] != all[i - 1]) {
			rte_pktmbuf_free(all[i]);
		}
	}
	free(all);
}

struct race_job {
	struct rte_mbuf **m;
	unsigned int n;
	uint32_t go;		/* round the worker may start */
	uint32_t done;		/* round the worker finished */
	uint32_t rounds;
};

static int
race_free_worker(void *arg)
{
	struct race_job *j = arg;
	uint32_t r;
	unsigned int i;

	for (r = 1; r <= j->rounds; r++) {
		while (__atomic_load_n(&j->go, __ATOMIC_ACQUIRE) != r) {
			rte_pause();
		}
		/* backwards: main frees forwards, so the two meet on the
		 * same buffer every round instead of trailing each other */
		for (i = j->n; i-- > 0;) {
			rte_pktmbuf_free(j->m[i]);
		}
		__atomic_store_n(&j->done, r, __ATOMIC_RELEASE);
	}
	return 0;
}

/*
 * Item 1: two lcores free the same buffers at the same time. Accounted
 * mode: exactly one free of each wins, the other is counted and dropped;
 * the pool then hands out every buffer exactly once.
 */
static void
test_race_double_free(void)
{
	const unsigned int n = 1024, burst = 256, rounds = 200;
	struct race_job j = { 0 };
	struct nb_pool_stats s;
	struct nb_pool *p;
	uint32_t r;
	unsigned int i, got;

	struct nb_pool_opts o;

	if (!need_worker("the two-lcore double free race")) {
		return;
	}
	/* No caches: every buffer stays within reach of the drain. */
	backend_opts(B_ACCT, &o);
	o.cache_size = 0;
	p = pool_create_ok("race", n, &o);
	if (p == NULL) {
		return;
	}
	j.m = mbuf_array(burst);
	j.n = burst;
	j.rounds = rounds;
	CU_ASSERT_FATAL(rte_eal_remote_launch(race_free_worker, &j,
					      g_worker) == 0);
	for (r = 1; r <= rounds; r++) {
		got = take_all(p, j.m, burst);
		if (!CHECK_EQ("race", got, burst)) {
			break;
		}
		__atomic_store_n(&j.go, r, __ATOMIC_RELEASE);
		for (i = 0; i < burst; i++) {
			rte_pktmbuf_free(j.m[i]);
		}
		while (__atomic_load_n(&j.done, __ATOMIC_ACQUIRE) != r) {
			rte_pause();
		}
	}
	if (r <= rounds) {
		/* let the worker finish with nothing to free */
		j.n = 0;
		for (; r <= rounds; r++) {
			__atomic_store_n(&j.go, r, __ATOMIC_RELEASE);
		}
	}
	rte_eal_wait_lcore(g_worker);
	if (stats_get(p, &s)) {
		CHECK_EQ("race", s.double_frees, (uint64_t)rounds * burst);
		CHECK_EQ("race", s.frees, (uint64_t)rounds * burst);
		CHECK_EQ("race", s.avail, n);
		CHECK_EQ("race", s.excess, 0);
	}
	audit_clean(p, "race");
	drain_distinct(p, n, "race");
	destroy_ok(p, "race");
	free(j.m);
}

/*
 * Item 1, fast mode: DPDK's semantics (the cache takes both frees), but
 * the corruption is reported: excess in the statistics, the duplicates in
 * the audit, and destroy refuses.
 */
static void
test_race_double_free_fast(void)
{
	const unsigned int n = 1024, burst = 64;
	struct race_job j = { 0 };
	struct nb_pool_stats s;
	struct nb_pool *p;
	unsigned int i;

	if (!need_worker("the fast-mode double free race")) {
		return;
	}
	p = backend_pool(B_FAST, "racef", n);
	if (p == NULL) {
		return;
	}
	j.m = mbuf_array(burst);
	j.n = burst;
	j.rounds = 1;
	CU_ASSERT_FATAL(take_all(p, j.m, burst) == burst);
	CU_ASSERT_FATAL(rte_eal_remote_launch(race_free_worker, &j,
					      g_worker) == 0);
	__atomic_store_n(&j.go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < burst; i++) {
		rte_pktmbuf_free(j.m[i]);
	}
	rte_eal_wait_lcore(g_worker);
	if (stats_get(p, &s)) {
		CHECK_EQ("racef", s.avail, n + burst);
		CHECK_EQ("racef", s.in_use, 0);
		CHECK_EQ("racef", s.excess, burst);
	}
	CHECK_EQ("racef", nb_pool_audit(p, NULL), burst);
	CHECK_EQ("racef", nb_pool_destroy(p, false), -EBUSY);
	NB_TEST_ASSERT_INT_EQ(nb_pool_destroy(p, true), 0);
	free(j.m);
}

/*
 * Item 3: a double free split between DPDK's free and nbkit's (fast mode)
 * while another buffer is out: the counts balance (in_use 0), so only the
 * audit sees it; it counts the duplicate and the missing buffer, and
 * destroy refuses. With nothing out, avail > size is reported as excess,
 * never clamped.
 */
static void
test_split_double_free(void)
{
	const unsigned int n = 64;
	struct nb_pool_stats s;
	struct rte_mbuf *a, *b;
	struct nb_pool *p;
	char *rep;
	int ret;

	p = backend_pool(B_FAST, "split", n);
	if (p == NULL) {
		return;
	}
	a = nb_pool_alloc(p);
	b = nb_pool_alloc(p);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	rte_pktmbuf_free(a);
	nb_buf_free(a);		/* state said allocated: not even advisory */
	if (stats_get(p, &s)) {
		CHECK_EQ("split", s.avail, n);	/* a twice, b out */
		CHECK_EQ("split", s.excess, 0);
	}
	if (audit_report(p, &ret, &rep)) {
		CHECK_EQ("split", ret, 2);	/* b missing, a twice */
		NB_TEST_ASSERT_MSG(report_names(rep, a, -1),
				   "split: duplicate not named:\n%s", rep);
		NB_TEST_ASSERT_MSG(report_names(rep, b, -1),
				   "split: missing buffer not named:\n%s", rep);
	}
	free(rep);
	CHECK_EQ("split", nb_pool_destroy(p, false), -EBUSY);
	rte_pktmbuf_free(b);
	if (stats_get(p, &s)) {
		CHECK_EQ("split", s.avail, n + 1);
		CHECK_EQ("split", s.in_use, 0);
		CHECK_EQ("split", s.excess, 1);
	}
	CHECK_EQ("split", nb_pool_audit(p, NULL), 1);
	CHECK_EQ("split", nb_pool_destroy(p, false), -EBUSY);
	NB_TEST_ASSERT_INT_EQ(nb_pool_destroy(p, true), 0);
}

/*
 * Item 4: a flush with one object too many for the percore shared ring
 * loses that one object, not the whole flush.
 */
static void
test_overflow_one(void)
{
	const unsigned int n = 64;
	struct rte_mbuf **m = mbuf_array(n + 1);
	struct nb_pool_stats s;
	struct nb_pool_opts o;
	struct nb_pool *p;

	backend_opts(B_FAST, &o);
	o.cache_size = 0;	/* every put reaches the driver */
	p = pool_create_ok("ovf", n, &o);
	if (p == NULL) {
		free(m);
		return;
	}
	CU_ASSERT_FATAL(take_all(p, m, n + 1) == n);
	m[n] = m[0];		/* the same buffer twice in one flush */
	rte_mempool_put_bulk(nb_pool_mempool(p), (void **)m, n + 1);
	if (stats_get(p, &s)) {
		CHECK_EQ("ovf", s.avail, n);
		CHECK_EQ("ovf", s.double_frees, 1);
		CHECK_EQ("ovf", s.excess, 0);
	}
	drain_distinct(p, n, "ovf");
	audit_clean(p, "ovf");
	destroy_ok(p, "ovf");
	free(m);
}

/*
 * Item 5: peak_in_use and min_avail of fast mode see a bulk allocation
 * larger than a cache (it goes to the driver).
 */
static void
test_peak_bulk(void)
{
	const unsigned int n = 8192, held = 4000;
	struct rte_mbuf **m = mbuf_array(held);
	struct nb_pool_stats s;
	struct nb_pool *p;

	p = backend_pool(B_FAST, "pkb", n);
	if (p == NULL) {
		free(m);
		return;
	}
	NB_TEST_ASSERT_INT_EQ(nb_pool_stats_reset(p), 0);
	CU_ASSERT_FATAL(nb_pool_alloc_bulk(p, m, held) == 0);
	free_all(m, held);
	if (stats_get(p, &s)) {
		NB_TEST_ASSERT_MSG(s.peak_in_use >= held,
				   "fast: peak_in_use %u after holding %u",
				   s.peak_in_use, held);
		NB_TEST_ASSERT_MSG(s.min_avail <= n - held,
				   "fast: min_avail %u after holding %u of %u",
				   s.min_avail, held, n);
		CHECK_EQ("pkb", s.in_use, 0);
	}
	destroy_ok(p, "pkb");
	free(m);
}

/* Item 5: accounted remote_frees counts a pthread -> pthread hand-off. */
struct handoff {
	struct nb_pool *p;
	struct rte_mbuf *m[10];
	unsigned int got;
};

static void *
handoff_free(void *arg)
{
	struct handoff *h = arg;

	free_all(h->m, h->got);
	return NULL;
}

static void *
handoff_alloc(void *arg)
{
	struct handoff *h = arg;
	pthread_t t;

	h->got = take_all(h->p, h->m, NB_DIM(h->m));
	/* The allocating thread is alive (its slot held) while B frees. */
	if (pthread_create(&t, NULL, handoff_free, h) == 0) {
		pthread_join(t, NULL);
	}
	return NULL;
}

static void
test_remote_frees(void)
{
	struct handoff h = { 0 };
	struct nb_pool_stats s;
	pthread_t t;

	h.p = backend_pool(B_ACCT, "rmt", 64);
	if (h.p == NULL) {
		return;
	}
	CU_ASSERT_FATAL(pthread_create(&t, NULL, handoff_alloc, &h) == 0);
	CU_ASSERT_FATAL(pthread_join(t, NULL) == 0);
	CHECK_EQ("rmt", h.got, NB_DIM(h.m));
	if (stats_get(h.p, &s)) {
		CHECK_EQ("rmt", s.remote_frees, NB_DIM(h.m));
		CHECK_EQ("rmt", s.frees, NB_DIM(h.m));
		CHECK_EQ("rmt", s.in_use, 0);
	}
	/* Allocated and freed on the same lcore: a free, not a remote one. */
	{
		struct rte_mbuf *own = nb_pool_alloc(h.p);

		CU_ASSERT_PTR_NOT_NULL_FATAL(own);
		free_all(&own, 1);
	}
	if (stats_get(h.p, &s)) {
		CHECK_EQ("rmt", s.remote_frees, NB_DIM(h.m));
		CHECK_EQ("rmt", s.frees, NB_DIM(h.m) + 1);
	}
	destroy_ok(h.p, "rmt");

	/* Fast mode: not kept (nb_pool.h), even for buffers that another
	 * lcore frees and the driver routes to an inbound ring. */
	if (need_worker("fast-mode remote frees")) {
		struct rte_mbuf *m[600];
		struct remote_job j = { 0 };
		struct nb_pool *p = backend_pool(B_FAST, "rmtf", 1024);

		if (p == NULL) {
			return;
		}
		CU_ASSERT_FATAL(take_all(p, m, NB_DIM(m)) == NB_DIM(m));
		j.p = p;
		j.m = m;
		j.n = NB_DIM(m);
		if (run_on_worker(remote_free, &j) && stats_get(p, &s)) {
			CHECK_EQ("rmtf", s.remote_frees, 0);
			CHECK_EQ("rmtf", s.in_use, 0);
		}
		destroy_ok(p, "rmtf");
	}
}

/* Item 5: a DPDK-backend pool counts the frees of nbkit calls. */
static void
test_dpdk_backend_frees(void)
{
	struct rte_mbuf *m[5];
	struct nb_pool_stats s;
	struct nb_pool *p;
	unsigned int i;

	p = backend_pool(&g_backends[2], "dfr", 64);
	if (p == NULL) {
		return;
	}
	CU_ASSERT_FATAL(take_all(p, m, 5) == 5);
	for (i = 0; i < 5; i++) {
		CHECK_EQ("dfr", nb_buf_free(m[i]), 1);
	}
	if (stats_get(p, &s)) {
		CHECK_EQ("dfr", s.allocs, 5);
		CHECK_EQ("dfr", s.frees, 5);
	}
	destroy_ok(p, "dfr");
}

/* Item 5: a wait that succeeds counts no failure; one that times out, one. */
struct late_put {
	struct rte_mbuf *m;
	unsigned int delay_us;
};

static void *
late_put_body(void *arg)
{
	struct late_put *l = arg;

	sleep_us(l->delay_us);
	rte_pktmbuf_free(l->m);
	return NULL;
}

static void
test_wait_fails(void)
{
	const unsigned int n = 64;
	unsigned int b, k;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		const struct backend *be = &g_backends[b];
		struct rte_mbuf **all = mbuf_array(n);
		struct nb_pool_stats s0, s;
		struct nb_pool *p = backend_pool(be, "wf", n);
		unsigned int got;

		if (p == NULL) {
			free(all);
			continue;
		}
		got = take_all(p, all, n);
		CHECK_EQ(be->label, got, n);
		stats_get(p, &s0);
		for (k = 0; k < 10; k++) {
			struct late_put l = { .m = all[k], .delay_us = 2000 };
			pthread_t t;

			CU_ASSERT_FATAL(pthread_create(&t, NULL, late_put_body,
						       &l) == 0);
			all[k] = nb_pool_alloc_wait(p, 2000000);
			pthread_join(t, NULL);
			NB_TEST_ASSERT_MSG(all[k] != NULL, "%s: wait %u failed",
					   be->label, k);
		}
		if (stats_get(p, &s)) {
			NB_TEST_ASSERT_MSG(s.alloc_fails == s0.alloc_fails,
					   "%s: 10 successful waits counted "
					   "%" PRIu64 " failures", be->label,
					   s.alloc_fails - s0.alloc_fails);
		}
		CU_ASSERT(nb_pool_alloc_wait(p, 1000) == NULL);
		if (stats_get(p, &s)) {
			CHECK_EQ(be->label, s.alloc_fails - s0.alloc_fails, 1);
		}
		for (k = 0; k < n; k++) {
			if (all[k] != NULL) {
				rte_pktmbuf_free(all[k]);
			}
		}
		destroy_ok(p, be->label);
		free(all);
	}
}

/*
 * Item 6: a thread-exit destructor that runs after nbkit's has released
 * the thread's slot frees buffers: they must reach the pool, not a cache
 * nobody owns.
 */
struct late_dtor {
	struct nb_pool *p;
	struct rte_mbuf *m[40];
	unsigned int got;
	pthread_key_t key;
};

static void
late_dtor_free(void *arg)
{
	struct late_dtor *d = arg;

	free_all(d->m, d->got);
}

static void *
late_dtor_body(void *arg)
{
	struct late_dtor *d = arg;

	/* First use takes a slot (and creates nbkit's key before ours). */
	d->got = take_all(d->p, d->m, NB_DIM(d->m));
	if (pthread_key_create(&d->key, late_dtor_free) == 0) {
		pthread_setspecific(d->key, d);
	}
	return NULL;
}

static void
test_thread_exit_late_free(void)
{
	unsigned int b;

	for (b = 0; b < 2; b++) {
		const struct backend *be = &g_backends[b];
		struct late_dtor d = { 0 };
		pthread_t t;

		d.p = backend_pool(be, "ltd", 128);
		if (d.p == NULL) {
			continue;
		}
		CU_ASSERT_FATAL(pthread_create(&t, NULL, late_dtor_body,
					       &d) == 0);
		CU_ASSERT_FATAL(pthread_join(t, NULL) == 0);
		pthread_key_delete(d.key);
		CHECK_EQ(be->label, d.got, NB_DIM(d.m));
		drain_distinct(d.p, 128, be->label);
		destroy_ok(d.p, be->label);
	}
}

/* Item 7: nb_pool_alloc_wait() never gives up before its timeout. */
static void
test_wait_never_early(void)
{
	const unsigned int n = 16;
	struct rte_mbuf *all[16];
	struct nb_pool *p;
	unsigned int i, early = 0;
	uint64_t worst = 0;

	p = backend_pool(B_FAST, "early", n);
	if (p == NULL) {
		return;
	}
	CU_ASSERT_FATAL(take_all(p, all, n) == n);
	for (i = 0; i < 400; i++) {
		uint64_t timeout_us = 1 + i % 25, t0, dt;

		t0 = now_ns();
		CU_ASSERT(nb_pool_alloc_wait(p, timeout_us) == NULL);
		dt = now_ns() - t0;
		if (dt < timeout_us * 1000u) {
			early++;
			worst = RTE_MAX(worst, timeout_us * 1000u - dt);
		}
	}
	NB_TEST_ASSERT_MSG(early == 0, "%u of 400 waits returned early (by up "
			   "to %" PRIu64 " ns)", early, worst);
	free_all(all, n);
	destroy_ok(p, "early");
}

/*
 * Item 8: backends register themselves (NB_POOL_BACKEND_REGISTER in the
 * driver's constructor); lib/pool finds them by name and names none.
 */
static void
test_backend_registry(void)
{
	const struct nb_pool_backend *b = nb_pool_backend_find("percore");
	struct nb_pool_opts o;

	NB_TEST_ASSERT_MSG(b != NULL, "the percore driver did not register");
	if (b != NULL) {
		NB_TEST_ASSERT_MSG(strcmp(b->name, "percore") == 0,
				   "found backend '%s'", b->name);
	}
	NB_TEST_ASSERT_MSG(nb_pool_backend_find("nosuch") == NULL,
			   "an unknown backend was found");
	/* Unknown names are refused at create. */
	nb_pool_opts_init(&o, sizeof(o));
	o.ops = "nosuch";
	rte_errno = 0;
	NB_TEST_ASSERT_MSG(nb_pool_create("reg_nosuch", 64, &o) == NULL &&
			   rte_errno == EINVAL, "ops 'nosuch' accepted");
}

/*
 * nb_pool_reclaim(): buffers nobody will free come back, on every backend;
 * more missing than the caller expects, or a double free in the pool: none
 * is taken.
 */
static void
reclaim_backend(const struct backend *b)
{
	const unsigned int n = 128;
	struct rte_mbuf *m[10];
	struct nb_pool *p;
	const char *ctx = b->label;

	p = backend_pool(b, "recl", n);
	if (p == NULL) {
		return;
	}
	CHECK_EQ(ctx, nb_pool_reclaim(p, 5, NULL), 0);	/* nothing missing */
	CU_ASSERT_FATAL(take_all(p, m, 10) == 10);	/* "abandoned" */
	m[0]->pkt_len = 77;				/* a PMD wrote them */
	CHECK_EQ(ctx, nb_pool_reclaim(p, 9, NULL), -EBUSY);
	CHECK_EQ(ctx, nb_pool_audit(p, NULL), 10);	/* none taken */
	CHECK_EQ(ctx, nb_pool_reclaim(p, 10, NULL), 10);
	CHECK_EQ(ctx, nb_pool_audit(p, NULL), 0);
	CHECK_EQ(ctx, nb_pool_reclaim(p, 0, NULL), 0);
	destroy_ok(p, ctx);
}

static void
test_reclaim(void)
{
	unsigned int b;

	for (b = 0; b < NB_DIM(g_backends); b++) {
		reclaim_backend(&g_backends[b]);
	}
	NB_TEST_ASSERT_INT_EQ(nb_pool_reclaim(NULL, 1, NULL), -EINVAL);
}

static const CU_TestInfo tests[] = {
	{ "reclaim", test_reclaim },
	{ "opts_defaults", test_opts_defaults },
	{ "create_before_init", test_create_before_init },
	{ "create_layout", test_create_layout },
	{ "state_after_free", test_state_after_free },
	{ "pool_of", test_pool_of },
	{ "bad_input", test_bad_input },
	{ "bulk_all_or_nothing", test_bulk_all_or_nothing },
	{ "bulk_warm_cache", test_bulk_warm_cache },
	{ "exhaustion", test_exhaustion },
	{ "stats_exact", test_stats_exact },
	{ "peak_low_water", test_peak_low_water },
	{ "cross_lcore", test_cross_lcore },
	{ "pthread", test_pthread },
	{ "registered_thread", test_registered_thread },
	{ "double_free", test_double_free },
	{ "audit", test_audit },
	{ "audit_duplicate", test_audit_duplicate },
	{ "destroy_busy", test_destroy_busy },
	{ "poolset", test_poolset },
	{ "poolset_bad", test_poolset_bad },
	{ "alloc_wait", test_alloc_wait },
	{ "stress", test_stress },
	{ "dump", test_dump },
	{ "null_args", test_null_args },
	{ "poison", test_poison },
	{ "race_double_free", test_race_double_free },
	{ "race_double_free_fast", test_race_double_free_fast },
	{ "split_double_free", test_split_double_free },
	{ "overflow_one", test_overflow_one },
	{ "peak_bulk", test_peak_bulk },
	{ "remote_frees", test_remote_frees },
	{ "dpdk_backend_frees", test_dpdk_backend_frees },
	{ "wait_fails", test_wait_fails },
	{ "thread_exit_late_free", test_thread_exit_late_free },
	{ "wait_never_early", test_wait_never_early },
	{ "backend_registry", test_backend_registry },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	int ret;

	preinit_check();
	ret = nb_test_env_init_two_lcores(&g_worker);
	if (ret != 0) {
		fprintf(stderr, "test_pool: nb_env_init: %s\n",
			strerror(-ret));
		return NB_TEST_EXIT_ERROR;
	}
	g_have_worker = g_worker < RTE_MAX_LCORE;
	if (!g_have_worker) {
		printf("test_pool: one lcore: cross-lcore cases are skipped\n");
	}
	ret = nb_test_main(argc, argv, "pool", tests);
	nb_env_fini();
	return ret;
}
