/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA-able memory: zeroed, cache-line aligned (at least), IOVA-contiguous,
 * NUMA-placed.
 *
 * rte_malloc() memory is aligned and NUMA-placed but, with dynamic memory in
 * IOVA-as-PA mode, a block that spans pages is not promised to be
 * IOVA-contiguous. nb_dma_zmalloc() therefore checks the block it got and,
 * when its pages are not contiguous for the device, falls back to a memzone
 * reserved with RTE_MEMZONE_IOVA_CONTIG. Memzones are a scarcer resource
 * (RTE_MAX_MEMZONE), so they are the fallback, not the rule; the few that
 * exist are kept in a short list so nb_dma_free() knows which free to call.
 */
#include <errno.h>
#include <inttypes.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>

#include "nb_env.h"
#include "nb_internal.h"
#include "env_internal.h"

struct dma_zone {
	const struct rte_memzone *mz;
	struct dma_zone *next;
};

static rte_spinlock_t g_zones_lock = RTE_SPINLOCK_INITIALIZER;
static struct dma_zone *g_zones;
static unsigned int g_zone_seq;
/* Live allocations of either kind, reported at nb_env_fini(). */
static int64_t g_live;

/*
 * Facts that do not change while EAL runs, read once at nb_env_init() so
 * nb_dma_zmalloc() takes no EAL memory lock for them: the sockets that exist
 * and the smallest page size of EAL's memory.
 */
static uint64_t g_socket_mask;
static size_t g_page_sz_min;

static int
page_sz_walk(const struct rte_memseg_list *msl, void *arg)
{
	size_t *min = arg;

	if (!msl->external && msl->page_sz != 0 &&
	    (*min == 0 || msl->page_sz < *min)) {
		*min = msl->page_sz;
	}
	return 0;
}

void
env_dma_setup(void)
{
	size_t min = 0;
	unsigned int i;

	g_socket_mask = 0;
	for (i = 0; i < rte_socket_count(); i++) {
		int s = rte_socket_id_by_idx(i);

		if (s >= 0 && s < 64) {
			g_socket_mask |= UINT64_C(1) << s;
		}
	}
	rte_memseg_list_walk(page_sz_walk, &min);
	g_page_sz_min = min;
}

static bool
socket_valid(int socket_id)
{
	if (socket_id == SOCKET_ID_ANY) {
		return true;
	}
	return socket_id >= 0 && socket_id < 64 &&
	       (g_socket_mask & (UINT64_C(1) << socket_id)) != 0;
}

/*
 * The socket of the calling thread: EAL's word for lcores and registered
 * threads, libnuma's for the CPU a plain thread runs on.
 */
static int
caller_socket(void)
{
	int s = (int)rte_socket_id();
	int cpu;

	if (s >= 0 && s < RTE_MAX_NUMA_NODES && s != SOCKET_ID_ANY) {
		return s;
	}
	cpu = sched_getcpu();
	if (cpu >= 0 && numa_available() >= 0) {
		s = numa_node_of_cpu(cpu);
		if (s >= 0 && socket_valid(s)) {
			return s;
		}
	}
	return SOCKET_ID_ANY;
}

/* Is [va, va+len) contiguous in IO address space? */
static bool
iova_contig(const void *va, size_t len)
{
	const char *p = va, *end = (const char *)va + len;
	rte_iova_t base;

	if (rte_eal_iova_mode() == RTE_IOVA_VA) {
		return true;
	}
	/* Within one page: contiguous by definition, no memseg walk. */
	if (g_page_sz_min != 0 &&
	    RTE_ALIGN_FLOOR((uintptr_t)va, g_page_sz_min) ==
	    RTE_ALIGN_FLOOR((uintptr_t)end - 1, g_page_sz_min)) {
		return true;
	}
	base = nb_dma_iova(va);
	if (base == RTE_BAD_IOVA) {
		return false;
	}
	while (p < end) {
		const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);

		if (ms == NULL || ms->iova == RTE_BAD_IOVA ||
		    ms->iova + RTE_PTR_DIFF(p, ms->addr) !=
		    base + RTE_PTR_DIFF(p, va)) {
			return false;
		}
		p = RTE_PTR_ADD(ms->addr, ms->len);
	}
	return true;
}

void *
env_dma_zmalloc_memzone(size_t size, size_t align, int socket_id)
{
	const struct rte_memzone *mz;
	struct dma_zone *z;
	char name[RTE_MEMZONE_NAMESIZE];

	z = rte_zmalloc("nb_dma_zone", sizeof(*z), 0);
	if (z == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_spinlock_lock(&g_zones_lock);
	snprintf(name, sizeof(name), "nb_dma_%u", g_zone_seq++);
	rte_spinlock_unlock(&g_zones_lock);
	mz = rte_memzone_reserve_aligned(name, size, socket_id,
					 RTE_MEMZONE_IOVA_CONTIG, (unsigned int)align);
	if (mz == NULL) {
		rte_free(z);
		rte_errno = ENOMEM;
		return NULL;
	}
	memset(mz->addr, 0, size);
	z->mz = mz;
	rte_spinlock_lock(&g_zones_lock);
	z->next = g_zones;
	g_zones = z;
	rte_spinlock_unlock(&g_zones_lock);
	return mz->addr;
}

void *
nb_dma_zmalloc(size_t size, size_t align, int socket_id)
{
	int socket = socket_id;
	void *va;

	if (!nb_env_is_initialized()) {
		rte_errno = ENODEV;
		return NULL;
	}
	if (size == 0 || (align & (align - 1)) != 0 || !socket_valid(socket_id)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (align < NB_DMA_MIN_ALIGN) {
		align = NB_DMA_MIN_ALIGN;
	}
	if (align > UINT32_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}

	if (socket_id == SOCKET_ID_ANY) {
		socket = caller_socket();
	}
	va = rte_zmalloc_socket("nb_dma", size, (unsigned int)align, socket);
	if (va == NULL && socket_id == SOCKET_ID_ANY && socket != SOCKET_ID_ANY) {
		/* The local socket is full: any memory beats none. */
		NB_LOG(env, DEBUG, "dma: %zu bytes: socket %d is full, "
		       "trying any socket", size, socket);
		socket = SOCKET_ID_ANY;
		va = rte_zmalloc_socket("nb_dma", size, (unsigned int)align,
					socket);
	}
	if (va != NULL && !iova_contig(va, size)) {
		rte_free(va);
		NB_LOG(env, DEBUG, "dma: %zu bytes: the rte_malloc block is not "
		       "IOVA-contiguous, falling back to a memzone", size);
		va = env_dma_zmalloc_memzone(size, align, socket);
	}
	if (va == NULL) {
		NB_LOG(env, DEBUG, "dma: %zu bytes align %zu socket %d: no memory",
		       size, align, socket_id);
		rte_errno = ENOMEM;
		return NULL;
	}
	__atomic_fetch_add(&g_live, 1, __ATOMIC_RELAXED);
	NB_LOG(env, DEBUG, "dma: %zu bytes align %zu at %p iova 0x%" PRIx64
	       " socket %d", size, align, va, (uint64_t)nb_dma_iova(va),
	       nb_dma_socket(va));
	return va;
}

/* Unlink and return the zone record of @va, or NULL if @va is no memzone. */
static struct dma_zone *
zone_take(const void *va)
{
	struct dma_zone **pp, *z = NULL;

	rte_spinlock_lock(&g_zones_lock);
	for (pp = &g_zones; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->mz->addr == va) {
			z = *pp;
			*pp = z->next;
			break;
		}
	}
	rte_spinlock_unlock(&g_zones_lock);
	return z;
}

void
nb_dma_free(void *va)
{
	struct dma_zone *z;

	if (va == NULL) {
		return;
	}
	z = g_zones != NULL ? zone_take(va) : NULL;
	if (z != NULL) {
		rte_memzone_free(z->mz);
		rte_free(z);
	} else {
		rte_free(va);
	}
	__atomic_fetch_sub(&g_live, 1, __ATOMIC_RELAXED);
}

rte_iova_t
nb_dma_iova(const void *va)
{
	const struct rte_memseg *ms;

	if (va == NULL || !nb_env_is_initialized()) {
		return RTE_BAD_IOVA;
	}
	ms = rte_mem_virt2memseg(va, NULL);
	if (ms == NULL || ms->iova == RTE_BAD_IOVA) {
		return RTE_BAD_IOVA;
	}
	return ms->iova + RTE_PTR_DIFF(va, ms->addr);
}

int
nb_dma_socket(const void *va)
{
	const struct rte_memseg *ms;

	if (va == NULL || !nb_env_is_initialized()) {
		return -EINVAL;
	}
	ms = rte_mem_virt2memseg(va, NULL);
	if (ms == NULL) {
		return -EINVAL;
	}
	return ms->socket_id;
}

void
env_dma_release_all(void)
{
	int64_t live = __atomic_load_n(&g_live, __ATOMIC_RELAXED);
	struct dma_zone *z;

	if (live > 0) {
		NB_LOG(env, WARNING, "%" PRId64 " DMA allocation(s) not freed "
		       "before nb_env_fini()", live);
	}
	while ((z = g_zones) != NULL) {
		g_zones = z->next;
		rte_memzone_free(z->mz);
		rte_free(z);
	}
	g_live = 0;
}
