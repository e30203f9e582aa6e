/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reactor statistics: nb_reactor_stats_get(), nb_poller_stats_get(), the
 * dump, telemetry (/nbkit/reactor/list, /nbkit/reactor/info,<lcore>) and
 * DPDK's lcore usage callback.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>
#include <rte_version.h>

#include "reactor_internal.h"

static struct reactor *
stats_reactor(unsigned int lcore)
{
	if (!reactor_inited() || lcore >= RTE_MAX_LCORE) {
		return NULL;
	}
	return nb_reactor_tab[lcore];
}

int
nb_reactor_stats_get(unsigned int lcore, struct nb_reactor_stats *s)
{
	struct reactor *r;

	if (!reactor_inited()) {
		return -ENODEV;
	}
	r = stats_reactor(lcore);
	if (r == NULL || s == NULL) {
		REACTOR_LOG(ERR, "stats_get: %s", s == NULL ? "NULL stats" :
			    "no reactor on this lcore");
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	s->lcore = r->lcore;
	s->nb_pollers = r->nb_pollers;
	s->loops = r->loops;
	s->busy_tsc = r->busy_tsc;
	s->idle_tsc = r->idle_tsc;
	s->msgs_run = r->msgs_run;
	s->msgs_refused = __atomic_load_n(&r->hot.msgs_refused, __ATOMIC_RELAXED);
	s->sleeps = r->sleeps;
	s->sleeping = __atomic_load_n(&r->hot.sleeping, __ATOMIC_RELAXED) != 0;
	return 0;
}

int
nb_poller_stats_get(const struct nb_poller *p, struct nb_poller_stats *s)
{
	if (p == NULL || s == NULL) {
		REACTOR_LOG(ERR, "poller_stats_get: NULL argument");
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	memcpy(s->name, p->name, sizeof(s->name));
	s->lcore = p->r->lcore;
	s->period_us = p->period_us;
	s->paused = p->state == PS_PAUSED;
	s->runs = p->runs;
	s->busy_runs = p->busy_runs;
	s->busy_tsc = p->busy_tsc;
	s->idle_tsc = p->idle_tsc;
	return 0;
}

int
nb_reactor_lcore_usage(unsigned int lcore, uint64_t *busy, uint64_t *total)
{
	struct reactor *r;

	if (!reactor_inited()) {
		return -ENODEV;
	}
	r = stats_reactor(lcore);
	if (r == NULL || busy == NULL || total == NULL) {
		return -EINVAL;
	}
	*busy = r->busy_tsc;
	*total = r->busy_tsc + r->idle_tsc;
	return 0;
}

void
nb_reactor_dump(FILE *f)
{
	unsigned int i;

	if (f == NULL) {
		f = stdout;
	}
	if (!reactor_inited()) {
		fprintf(f, "reactors: not initialised\n");
		return;
	}
	fprintf(f, "reactors: %u\n", nb_reactor_count);
	for (i = 0; i < nb_reactor_count; i++) {
		struct reactor *r = nb_reactor_tab[nb_reactor_lcores[i]];
		struct nb_reactor_stats s;
		struct nb_poller *p;
		uint64_t tot;

		nb_reactor_stats_get(r->lcore, &s);
		tot = s.busy_tsc + s.idle_tsc;
		fprintf(f, "  lcore %u: loops %" PRIu64 " busy %.1f%% msgs run %"
			PRIu64 " refused %" PRIu64 " sleeps %" PRIu64
			"%s pollers %u\n", s.lcore, s.loops,
			tot != 0 ? 100.0 * (double)s.busy_tsc / (double)tot : 0.0,
			s.msgs_run, s.msgs_refused, s.sleeps,
			s.sleeping ? " (sleeping)" : "", s.nb_pollers);
		rte_spinlock_lock(&r->all_lock);
		TAILQ_FOREACH(p, &r->all, all) {
			struct nb_poller_stats ps;

			nb_poller_stats_get(p, &ps);
			fprintf(f, "    %-24s %s period %" PRIu64 " us runs %"
				PRIu64 " busy %" PRIu64 " busy_tsc %" PRIu64
				" idle_tsc %" PRIu64 "\n", ps.name,
				ps.paused ? "paused " : "running",
				ps.period_us, ps.runs, ps.busy_runs,
				ps.busy_tsc, ps.idle_tsc);
		}
		rte_spinlock_unlock(&r->all_lock);
	}
}

/*
 * Telemetry
 */

static int
tel_list_locked(struct rte_tel_data *d)
{
	unsigned int i;

	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	if (!reactor_inited()) {
		return 0;
	}
	for (i = 0; i < nb_reactor_count; i++) {
		rte_tel_data_add_array_int(d, (int)nb_reactor_lcores[i]);
	}
	return 0;
}

static int
tel_info_locked(const char *params, struct rte_tel_data *d)
{
	struct nb_reactor_stats s;
	struct rte_tel_data *pollers;
	struct nb_poller *p;
	struct reactor *r;
	unsigned long lcore;
	char *end;

	if (params == NULL || *params == '\0') {
		return -EINVAL;
	}
	lcore = strtoul(params, &end, 10);
	if (*end != '\0' || lcore >= RTE_MAX_LCORE) {
		return -EINVAL;
	}
	r = stats_reactor((unsigned int)lcore);
	if (r == NULL || nb_reactor_stats_get((unsigned int)lcore, &s) != 0) {
		return -EINVAL;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", s.lcore);
	rte_tel_data_add_dict_u64(d, "loops", s.loops);
	rte_tel_data_add_dict_u64(d, "busy_tsc", s.busy_tsc);
	rte_tel_data_add_dict_u64(d, "idle_tsc", s.idle_tsc);
	rte_tel_data_add_dict_u64(d, "msgs_run", s.msgs_run);
	rte_tel_data_add_dict_u64(d, "msgs_refused", s.msgs_refused);
	rte_tel_data_add_dict_u64(d, "sleeps", s.sleeps);
	rte_tel_data_add_dict_u64(d, "sleeping", s.sleeping);
	rte_tel_data_add_dict_u64(d, "nb_pollers", s.nb_pollers);
	pollers = rte_tel_data_alloc();
	if (pollers == NULL) {
		return 0;
	}
	/* Poller name -> runs ('_' for other characters; a name may repeat). */
	rte_tel_data_start_dict(pollers);
	rte_spinlock_lock(&r->all_lock);
	TAILQ_FOREACH(p, &r->all, all) {
		char key[NB_POLLER_NAME_LEN];
		unsigned int i;

		/* telemetry keys: letters, digits and '_' only */
		for (i = 0; p->name[i] != '\0' && i < sizeof(key) - 1; i++) {
			key[i] = isalnum((unsigned char)p->name[i]) ?
				 p->name[i] : '_';
		}
		key[i] = '\0';
		rte_tel_data_add_dict_u64(pollers, key, p->runs);
	}
	rte_spinlock_unlock(&r->all_lock);
	rte_tel_data_add_dict_container(d, "poller_runs", pollers, 0);
	return 0;
}

/* The handlers run on DPDK's telemetry thread: fini must not free under them. */
static int
tel_list(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	int rc;

	rte_spinlock_lock(&nb_reactor_tel_lock);
	rc = tel_list_locked(d);
	rte_spinlock_unlock(&nb_reactor_tel_lock);
	return rc;
}

static int
tel_info(const char *cmd __rte_unused, const char *params,
	 struct rte_tel_data *d)
{
	int rc;

	rte_spinlock_lock(&nb_reactor_tel_lock);
	rc = tel_info_locked(params, d);
	rte_spinlock_unlock(&nb_reactor_tel_lock);
	return rc;
}

void
nb_reactor_telemetry_setup(void)
{
	rte_telemetry_register_cmd("/nbkit/reactor/list", tel_list,
				   "Lcores running an nbkit reactor. No parameters");
	rte_telemetry_register_cmd("/nbkit/reactor/info", tel_info,
				   "One reactor's stats and its pollers' runs. "
				   "Parameters: int lcore");
}

/*
 * DPDK's lcore usage callback (rte_lcore_dump(), /eal/lcore/usage): added
 * in DPDK 23.03; with 22.11 nb_reactor_lcore_usage() is the way.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
static int
usage_cb(unsigned int lcore, struct rte_lcore_usage *u)
{
	uint64_t busy, total;

	if (nb_reactor_lcore_usage(lcore, &busy, &total) != 0) {
		return -1;
	}
	u->busy_cycles = busy;
	u->total_cycles = total;
	return 0;
}

void
nb_reactor_usage_cb_setup(void)
{
	rte_lcore_register_usage_cb(usage_cb);
}
#else
void
nb_reactor_usage_cb_setup(void)
{
}
#endif
