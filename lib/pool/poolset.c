/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pool sets: pools of several buffer sizes behind one allocation call.
 *
 * A set is built on the public API of nb_pool.h only: class i is the pool
 * "<set>.<i>", the classes sorted by data room, smallest first. An
 * allocation takes one buffer of the smallest class that holds the packet,
 * or of the next larger class when that one is empty; a packet longer than
 * the largest class becomes a chain of buffers of the largest class.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nb_internal.h"
#include "nb_pool.h"

/* Registered in pool.c (NB_LOG_REGISTER(pool)). */
extern int logtype_nb_pool;

/* Longest set name: a pool name is the set name plus ".<i>". */
#define POOLSET_NAME_MAX (NB_POOL_NAMESIZE - 2)

/* The class index in a pool name is one digit. */
static_assert(NB_POOLSET_MAX_CLASSES <= 10, "class index must be one digit");

/* Segments of a chain taken from the pool in one bulk call. */
#define CHAIN_BULK 64

/*
 * A pool set. Invariants: 1 <= nb <= NB_POOLSET_MAX_CLASSES; room[] is
 * strictly ascending and room[i] == nb_pool_data_size(pools[i]); every
 * room[i] >= 1; seg_room >= room[nb - 1] is the buf_len of the largest
 * class (what a chain segment after the first holds).
 */
struct nb_poolset {
	char name[RTE_MEMPOOL_NAMESIZE];	/* the set's name */
	unsigned int nb;			/* number of classes */
	struct nb_pool *pools[NB_POOLSET_MAX_CLASSES];	/* smallest first */
	uint16_t room[NB_POOLSET_MAX_CLASSES];	/* data room after the headroom */
	uint16_t headroom;			/* headroom of every class */
	uint16_t seg_room;			/* data room of a chain segment */
};

/* A class with its index in the caller's array (for log lines). */
struct sorted_class {
	uint16_t data_room;
	unsigned int n;
	unsigned int orig;
};

/*
 * Fill @p dst with the defaults overlaid with the first o->opts_size bytes
 * of the caller's options (o may be NULL). dst->opts_size is set to the
 * size this file knows, so every field of dst is read by nb_pool_create().
 * Returns 0, or -EINVAL (logged) when o->opts_size does not even cover
 * the opts_size field or is larger than struct nb_pool_opts (the checks
 * of nb_pool_create()).
 */
static int
opts_prepare(struct nb_pool_opts *dst, const struct nb_pool_opts *o,
	     const char *name)
{
	nb_pool_opts_init(dst, sizeof(*dst));
	if (o == NULL) {
		return 0;
	}
	if (o->opts_size < sizeof(o->opts_size) ||
	    o->opts_size > sizeof(*dst)) {
		NB_LOG(pool, ERR,
		       "poolset %s: opts_size %zu is not one this library knows (%zu..%zu)",
		       name, o->opts_size, sizeof(o->opts_size), sizeof(*dst));
		return -EINVAL;
	}
	memcpy(dst, o, o->opts_size);
	dst->opts_size = sizeof(*dst);
	return 0;
}

/* Copy the classes into @p sc sorted by data room, smallest first. */
static void
classes_sort(struct sorted_class *sc, const struct nb_pool_class *classes,
	     unsigned int nb)
{
	unsigned int i, j;

	for (i = 0; i < nb; i++) {
		struct sorted_class c = {
			.data_room = classes[i].data_room,
			.n = classes[i].n,
			.orig = i,
		};

		/* Insertion sort: there are at most NB_POOLSET_MAX_CLASSES. */
		for (j = i; j > 0 && sc[j - 1].data_room > c.data_room; j--) {
			sc[j] = sc[j - 1];
		}
		sc[j] = c;
	}
}

/*
 * Check the classes against the headroom and sort them into @p sc.
 * Returns 0, or -EINVAL with one log line.
 */
static int
classes_check(struct sorted_class *sc, const struct nb_pool_class *classes,
	      unsigned int nb, uint16_t headroom, const char *name)
{
	unsigned int i;

	for (i = 0; i < nb; i++) {
		if (classes[i].n == 0) {
			NB_LOG(pool, ERR, "poolset %s: class %u has no buffers",
			       name, i);
			return -EINVAL;
		}
		if (classes[i].data_room <= headroom) {
			NB_LOG(pool, ERR,
			       "poolset %s: class %u data_room %u not above the headroom %u",
			       name, i, classes[i].data_room, headroom);
			return -EINVAL;
		}
	}
	classes_sort(sc, classes, nb);
	for (i = 1; i < nb; i++) {
		if (sc[i].data_room == sc[i - 1].data_room) {
			NB_LOG(pool, ERR,
			       "poolset %s: classes %u and %u have the same data_room %u",
			       name, sc[i - 1].orig, sc[i].orig, sc[i].data_room);
			return -EINVAL;
		}
	}
	return 0;
}

struct nb_poolset *
nb_poolset_create(const char *name, const struct nb_pool_class *classes,
		  unsigned int nb_classes, const struct nb_pool_opts *o)
{
	struct sorted_class sc[NB_POOLSET_MAX_CLASSES];
	struct nb_pool *pools[NB_POOLSET_MAX_CLASSES];
	char pname[RTE_MEMPOOL_NAMESIZE];
	struct nb_pool_opts po;
	struct nb_poolset *set;
	unsigned int nb_created = 0;
	unsigned int i;
	int err;

	if (name == NULL) {
		NB_LOG(pool, ERR, "poolset: NULL name");
		rte_errno = EINVAL;
		return NULL;
	}
	if (strnlen(name, POOLSET_NAME_MAX + 1) > POOLSET_NAME_MAX) {
		NB_LOG(pool, ERR, "poolset %.*s...: name longer than %d characters",
		       (int)POOLSET_NAME_MAX, name, (int)POOLSET_NAME_MAX);
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	if (classes == NULL) {
		NB_LOG(pool, ERR, "poolset %s: NULL classes", name);
		rte_errno = EINVAL;
		return NULL;
	}
	if (nb_classes == 0 || nb_classes > NB_POOLSET_MAX_CLASSES) {
		NB_LOG(pool, ERR, "poolset %s: %u classes, want 1..%d",
		       name, nb_classes, NB_POOLSET_MAX_CLASSES);
		rte_errno = EINVAL;
		return NULL;
	}
	if (opts_prepare(&po, o, name) != 0 ||
	    classes_check(sc, classes, nb_classes, po.headroom, name) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}

	for (i = 0; i < nb_classes; i++) {
		/* Cannot truncate: the name is checked and i is one digit. */
		snprintf(pname, sizeof(pname), "%s.%u", name, i);
		po.data_room = sc[i].data_room;
		pools[i] = nb_pool_create(pname, sc[i].n, &po);
		if (pools[i] == NULL) {
			/* nb_pool_create() logged why. */
			err = rte_errno;
			goto fail;
		}
		nb_created++;
	}

	set = rte_zmalloc_socket("nb_poolset", sizeof(*set), 0, po.socket_id);
	if (set == NULL) {
		NB_LOG(pool, ERR, "poolset %s: no memory for the set", name);
		err = ENOMEM;
		goto fail;
	}
	snprintf(set->name, sizeof(set->name), "%s", name);
	set->nb = nb_classes;
	set->headroom = po.headroom;
	for (i = 0; i < nb_classes; i++) {
		set->pools[i] = pools[i];
		set->room[i] = nb_pool_data_size(pools[i]);
		NB_ASSERT(set->room[i] > 0);
		NB_ASSERT(i == 0 || set->room[i] > set->room[i - 1]);
	}
	set->seg_room = rte_pktmbuf_data_room_size(
		nb_pool_mempool(pools[nb_classes - 1]));
	NB_ASSERT(set->seg_room >= set->room[nb_classes - 1]);
	return set;

fail:
	while (nb_created > 0) {
		nb_pool_destroy(pools[--nb_created], true);
	}
	rte_errno = err;
	return NULL;
}

/*
 * A packet of @p len bytes, more than the largest class holds, as a chain
 * of buffers of the largest class: the first keeps the pool's headroom and
 * is filled to its end, the others have no headroom (data_off 0) and are
 * filled to their end but the last. The head carries nb_segs and pkt_len
 * of the whole packet; each other segment has nb_segs 1 and pkt_len equal
 * to its data_len, as rte_pktmbuf_chain() leaves a tail.
 *
 * All or nothing: segments are taken CHAIN_BULK at a time and, when the
 * pool runs short, the part already taken goes back to it; the caller then
 * owns nothing and gets NULL with rte_errno ENOBUFS. A chain of more than
 * RTE_MBUF_MAX_NB_SEGS segments is refused (EINVAL) before anything is
 * taken. On success the caller owns the chain (free it with
 * rte_pktmbuf_free()).
 */
static struct rte_mbuf *
alloc_chain(struct nb_poolset *set, uint32_t len)
{
	struct nb_pool *p = set->pools[set->nb - 1];
	uint16_t first = set->room[set->nb - 1];
	struct rte_mbuf *segs[CHAIN_BULK];
	struct rte_mbuf *head = NULL;
	struct rte_mbuf *tail = NULL;
	struct rte_mbuf *m;
	uint32_t left = len;
	uint64_t nb_segs;
	uint64_t done;
	unsigned int n, i;

	NB_ASSERT(len > first);
	nb_segs = 1 + ((uint64_t)len - first + set->seg_room - 1) /
		      set->seg_room;
	if (unlikely(nb_segs > RTE_MBUF_MAX_NB_SEGS)) {
		rte_errno = EINVAL;
		return NULL;
	}

	for (done = 0; done < nb_segs; done += n) {
		n = (unsigned int)RTE_MIN(nb_segs - done, (uint64_t)CHAIN_BULK);
		if (unlikely(nb_pool_alloc_bulk(p, segs, n) != 0)) {
			/* head (NULL-safe) is a valid chain of what was taken. */
			rte_pktmbuf_free(head);
			rte_errno = ENOBUFS;
			return NULL;
		}
		for (i = 0; i < n; i++) {
			m = segs[i];
			if (head == NULL) {
				NB_ASSERT(m->buf_len - m->data_off == first);
				m->data_len = first;
				m->pkt_len = first;
				m->nb_segs = 1;
				head = m;
			} else {
				m->data_off = 0;
				m->data_len = (uint16_t)RTE_MIN(left,
						(uint32_t)set->seg_room);
				m->pkt_len = m->data_len;
				tail->next = m;
				head->nb_segs++;
				head->pkt_len += m->data_len;
			}
			m->next = NULL;
			left -= m->data_len;
			tail = m;
		}
	}
	NB_ASSERT(left == 0);
	NB_ASSERT(head->nb_segs == nb_segs && head->pkt_len == len);
	return head;
}

struct rte_mbuf *
nb_poolset_alloc(struct nb_poolset *set, uint32_t len)
{
	struct rte_mbuf *m;
	unsigned int i;

	if (unlikely(set == NULL)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (unlikely(len > set->room[set->nb - 1])) {
		return alloc_chain(set, len);
	}
	/* The smallest class that holds len, then the larger ones. */
	for (i = 0; set->room[i] < len; i++) {
	}
	for (; i < set->nb; i++) {
		m = nb_pool_alloc(set->pools[i]);
		if (likely(m != NULL)) {
			m->data_len = (uint16_t)len;
			m->pkt_len = len;
			return m;
		}
	}
	rte_errno = ENOBUFS;
	return NULL;
}

unsigned int
nb_poolset_count(const struct nb_poolset *set)
{
	if (set == NULL) {
		return 0;
	}
	return set->nb;
}

struct nb_pool *
nb_poolset_pool(const struct nb_poolset *set, unsigned int idx)
{
	if (set == NULL || idx >= set->nb) {
		rte_errno = EINVAL;
		return NULL;
	}
	return set->pools[idx];
}

int
nb_poolset_destroy(struct nb_poolset *set, bool force)
{
	struct nb_pool_stats st;
	unsigned int i;
	int rc;

	if (set == NULL) {
		return 0;
	}
	if (!force) {
		/* Check every class first: all are destroyed or none. */
		for (i = 0; i < set->nb; i++) {
			rc = nb_pool_stats_get(set->pools[i], &st);
			if (rc != 0) {
				return rc;
			}
			if (st.in_use > 0) {
				NB_LOG(pool, ERR,
				       "poolset %s: class %u (%s) has %u buffers out, not destroyed",
				       set->name, i, nb_pool_name(set->pools[i]),
				       st.in_use);
				return -EBUSY;
			}
			/* As nb_pool_destroy(): a double free that got in
			 * can balance the counts; the audit sees it. */
			if (st.excess > 0 ||
			    nb_pool_audit(set->pools[i], NULL) != 0) {
				NB_LOG(pool, ERR,
				       "poolset %s: class %u (%s) is corrupt (a double free got in; nb_pool_audit() names the buffers), not destroyed",
				       set->name, i, nb_pool_name(set->pools[i]));
				return -EBUSY;
			}
		}
	}
	/* Forced even when !force: a class that fails now would leave half a set. */
	for (i = 0; i < set->nb; i++) {
		nb_pool_destroy(set->pools[i], true);
	}
	rte_free(set);
	return 0;
}
