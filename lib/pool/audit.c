/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a pool can tell: the leak audit, the human dump and the telemetry
 * commands /nbkit/pool/list and /nbkit/pool/info,<name>.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "pool_internal.h"

/* Lines of missing buffers an audit report lists at most. */
#define AUDIT_REPORT_MAX 32

struct audit_ctx {
	struct nb_pool *p;
	FILE *report;
	uint8_t *seen;		/* per index: times found among the free */
	unsigned int dups;
	unsigned int strays;
	unsigned int missing;
	unsigned int listed;
	uint64_t now;
	uint64_t hz;
	void **found;		/* nb_pool_reclaim(): the missing buffers ... */
	unsigned int max_found;	/* ... up to this many */
};

static void
mark_free(void *obj, void *arg)
{
	struct audit_ctx *c = arg;
	const struct nb_mbuf_priv *pr = nb_mbuf_priv(obj);

	if (pr->pool_cookie != c->p->cfg.cookie || pr->idx >= c->p->size) {
		c->strays++;
		if (c->report != NULL) {
			fprintf(c->report, "  stray object %p among the free "
				"buffers (not of this pool)\n", obj);
		}
		return;
	}
	if (c->seen[pr->idx]++ != 0) {
		c->dups++;
		if (c->report != NULL) {
			fprintf(c->report, "  buffer #%u (%p) is free twice: a "
				"double free got into the pool\n", pr->idx, obj);
		}
	}
}

static void
check_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct audit_ctx *c = arg;
	const struct nb_mbuf_priv *pr = nb_mbuf_priv(obj);
	const struct nb_buf_owner *o = RTE_MBUF_DYNFIELD(obj,
			c->p->cfg.owner_off, const struct nb_buf_owner *);
	bool exact = c->p->cfg.accounted;

	RTE_SET_USED(mp);
	if (idx >= c->p->size || c->seen[idx] != 0) {
		return;
	}
	if (c->found != NULL && c->missing < c->max_found) {
		c->found[c->missing] = obj;
	}
	c->missing++;
	if (c->report == NULL || c->listed >= AUDIT_REPORT_MAX) {
		return;
	}
	c->listed++;
	fprintf(c->report, "  missing buffer #%u at %p", idx, obj);
	if (o->tag != nb_buf_owner_tag(obj)) {
		fprintf(c->report, ": its ownership word was copied from "
			"another buffer (rte_pktmbuf_attach/copy); lcore "
			"unknown");
	} else if (o->state == NB_BUF_STATE_ALLOCATED) {
		const char *what = exact ? "allocated" : "last nbkit allocation";

		if (o->home == NB_LCORE_NONE) {
			fprintf(c->report, ": %s by a thread without an lcore "
				"id", what);
		} else if (o->home >= RTE_MAX_LCORE) {
			fprintf(c->report, ": %s by a thread without an lcore "
				"id (thread slot %u)", what,
				o->home - RTE_MAX_LCORE);
		} else {
			fprintf(c->report, ": %s on lcore %u", what, o->home);
		}
		if (pr->alloc_tsc != 0 && pr->alloc_tsc <= c->now) {
			fprintf(c->report, ", %.3f s ago",
				(double)(c->now - pr->alloc_tsc) / (double)c->hz);
		}
		if (pr->alloc_file != NULL) {
			fprintf(c->report, " at %s:%u", pr->alloc_file,
				pr->alloc_line);
		}
	} else {
		fprintf(c->report, ": not allocated through nbkit (lcore "
			"unknown)");
	}
	fputc('\n', c->report);
}

/* DPDK backends: drain the backend, mark, refill. */
static int
dpdk_walk_free(struct rte_mempool *mp, struct audit_ctx *c)
{
	unsigned int n = rte_mempool_get_ops(mp->ops_index)->get_count(mp), i;
	void **tmp;

	if (n == 0) {
		return 0;
	}
	tmp = malloc(n * sizeof(void *));
	if (tmp == NULL) {
		return -ENOMEM;
	}
	if (rte_mempool_ops_dequeue_bulk(mp, tmp, n) < 0) {
		free(tmp);
		return -EBUSY;	/* someone is using the pool */
	}
	for (i = 0; i < n; i++) {
		mark_free(tmp[i], c);
	}
	rte_mempool_ops_enqueue_bulk(mp, tmp, n);
	free(tmp);
	return 0;
}

/* Walk the pool: c->missing, c->dups and c->strays; c->seen is freed. */
static int
audit_walk(struct audit_ctx *cp)
{
	struct audit_ctx c = *cp;
	struct nb_pool *p = c.p;
	FILE *report = c.report;
	struct rte_mempool *mp;
	unsigned int lc, j;
	int rc;

	mp = p->mp;
	c.seen = calloc(p->size, 1);
	if (c.seen == NULL) {
		return -ENOMEM;
	}
	c.now = rte_rdtsc();
	c.hz = rte_get_tsc_hz();
	if (report != NULL) {
		fprintf(report, "audit of pool %s (%s%s, %u buffers):\n", p->name,
			p->ops, p->backend == NULL ? "" :
			p->cfg.accounted ? ", accounted" : ", fast", p->size);
	}

	/* Free buffers sit in DPDK's lcore caches ... */
	if (mp->cache_size > 0) {
		for (lc = 0; lc < RTE_MAX_LCORE; lc++) {
			const struct rte_mempool_cache *cache = &mp->local_cache[lc];

			for (j = 0; j < cache->len; j++) {
				mark_free(cache->objs[j], &c);
			}
		}
	}
	/* ... and in the backend. */
	if (p->backend != NULL) {
		rc = p->backend->walk_free(mp, mark_free, &c);
	} else {
		rc = dpdk_walk_free(mp, &c);
	}
	if (rc != 0) {
		free(c.seen);
		return rc;
	}
	rte_mempool_obj_iter(mp, check_obj, &c);
	if (report != NULL) {
		if (c.missing > c.listed) {
			fprintf(report, "  ... and %u more\n", c.missing - c.listed);
		}
		fprintf(report, "pool %s: %u of %u buffers missing", p->name,
			c.missing, p->size);
		if (c.dups > 0 || c.strays > 0) {
			fprintf(report, "; %u free twice, %u stray", c.dups,
				c.strays);
		}
		fputc('\n', report);
	}
	free(c.seen);
	c.seen = NULL;
	*cp = c;
	return 0;
}

int
nb_pool_audit(struct nb_pool *p, FILE *report)
{
	struct audit_ctx c = { .p = p, .report = report };
	int rc;

	if (p == NULL) {
		return -EINVAL;
	}
	rc = audit_walk(&c);
	if (rc != 0) {
		return rc;
	}
	/* A buffer free twice is as wrong as one missing: count both. */
	return (int)(c.missing + c.dups);
}

int
nb_pool_reclaim(struct nb_pool *p, unsigned int max, FILE *report)
{
	struct audit_ctx c = { .p = p };
	unsigned int i;
	int rc;

	if (p == NULL) {
		return -EINVAL;
	}
	if (max == 0) {
		return 0;
	}
	c.max_found = RTE_MIN(max, p->size);
	c.found = calloc(c.max_found, sizeof(void *));
	if (c.found == NULL) {
		return -ENOMEM;
	}
	rc = audit_walk(&c);
	if (rc == 0 && (c.missing > max || c.dups > 0 || c.strays > 0)) {
		if (report != NULL) {
			fprintf(report, "pool %s: %u buffers missing (at most %u "
				"expected), %u free twice: nothing taken back\n",
				p->name, c.missing, max, c.dups);
		}
		rc = -EBUSY;
	}
	if (rc == 0) {
		for (i = 0; i < c.missing; i++) {
			struct rte_mbuf *m = c.found[i];

			/* one segment each: a stale next must not free a
			 * buffer twice (it may be among the found) */
			m->next = NULL;
			m->nb_segs = 1;
			rte_mbuf_refcnt_set(m, 1);
			if (RTE_MBUF_DIRECT(m)) {
				rte_pktmbuf_free_seg(m);
			} else {
				c.missing--;	/* attached to what? left */
				c.found[i--] = c.found[c.missing];
			}
		}
		if (report != NULL && c.missing > 0) {
			fprintf(report, "pool %s: %u abandoned buffers taken back\n",
				p->name, c.missing);
		}
		rc = (int)c.missing;
	}
	free(c.found);
	return rc;
}

static const char *
mode_name(const struct nb_pool *p)
{
	if (p->backend == NULL) {
		return "dpdk";
	}
	return p->cfg.accounted ? "accounted" : "fast";
}

void
nb_pool_dump(struct nb_pool *p, FILE *f)
{
	struct nb_pool_stats s;

	if (p == NULL || f == NULL) {
		return;
	}
	nb_pool_stats_get(p, &s);
	fprintf(f, "pool %s: ops %s (%s), socket %d, %u buffers of %u bytes "
		"(headroom %u, user area %u), cache %u per lcore\n",
		p->name, p->ops, mode_name(p), p->socket_id, p->size,
		p->data_room, p->headroom, p->priv_size, p->cfg.cache_size);
	fprintf(f, "  avail %u  in use %u  peak in use %u  low-water %u\n",
		s.avail, s.in_use, s.peak_in_use, s.min_avail);
	fprintf(f, "  allocs %" PRIu64 "  frees %" PRIu64 "  alloc fails %"
		PRIu64 "  remote frees %" PRIu64 "  double frees %" PRIu64
		"  foreign frees %" PRIu64 "\n", s.allocs, s.frees,
		s.alloc_fails, s.remote_frees, s.double_frees, s.foreign_frees);
	fprintf(f, "  unverified frees %" PRIu64 "  excess %u%s\n",
		s.unverified_frees, s.excess,
		s.excess > 0 ? " (corrupt: a double free got in)" : "");
}

/* ---- telemetry ---------------------------------------------------------- */

static int
tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct nb_pool *p;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	nb_pool_list_lock();
	TAILQ_FOREACH(p, &nb_pool_list, next) {
		rte_tel_data_add_array_string(d, p->name);
	}
	nb_pool_list_unlock();
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct nb_pool_stats s;
	struct nb_pool *p, *found = NULL;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0') {
		return -EINVAL;
	}
	nb_pool_list_lock();
	TAILQ_FOREACH(p, &nb_pool_list, next) {
		if (strcmp(p->name, params) == 0) {
			found = p;
			break;
		}
	}
	if (found == NULL) {
		nb_pool_list_unlock();
		return -EINVAL;
	}
	nb_pool_stats_get(found, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", found->name);
	rte_tel_data_add_dict_string(d, "ops", found->ops);
	rte_tel_data_add_dict_string(d, "mode", mode_name(found));
	rte_tel_data_add_dict_int(d, "socket", found->socket_id);
	rte_tel_data_add_dict_u64(d, "data_room", found->data_room);
	rte_tel_data_add_dict_u64(d, "headroom", found->headroom);
	rte_tel_data_add_dict_u64(d, "cache_size", found->cfg.cache_size);
	nb_pool_list_unlock();
	rte_tel_data_add_dict_u64(d, "size", s.size);
	rte_tel_data_add_dict_u64(d, "avail", s.avail);
	rte_tel_data_add_dict_u64(d, "in_use", s.in_use);
	rte_tel_data_add_dict_u64(d, "peak_in_use", s.peak_in_use);
	rte_tel_data_add_dict_u64(d, "min_avail", s.min_avail);
	rte_tel_data_add_dict_u64(d, "allocs", s.allocs);
	rte_tel_data_add_dict_u64(d, "frees", s.frees);
	rte_tel_data_add_dict_u64(d, "alloc_fails", s.alloc_fails);
	rte_tel_data_add_dict_u64(d, "remote_frees", s.remote_frees);
	rte_tel_data_add_dict_u64(d, "double_frees", s.double_frees);
	rte_tel_data_add_dict_u64(d, "foreign_frees", s.foreign_frees);
	rte_tel_data_add_dict_u64(d, "unverified_frees", s.unverified_frees);
	rte_tel_data_add_dict_u64(d, "excess", s.excess);
	return 0;
}

RTE_INIT(nb_pool_telemetry_init)
{
	rte_telemetry_register_cmd("/nbkit/pool/list", tel_list,
				   "Names of the nbkit pools. Takes no parameters");
	rte_telemetry_register_cmd("/nbkit/pool/info", tel_info,
				   "Configuration and statistics of an nbkit "
				   "pool. Parameters: pool name");
}
