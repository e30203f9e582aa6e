/* SPDX-License-Identifier: BSD-3-Clause */
/* nb_dma_zmalloc/nb_dma_free against rte_zmalloc_socket/rte_free. */
#include <stdio.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <nb_env.h>

#include "perf.h"

struct dma_case {
	size_t size;
	int socket;
};

static uint64_t
nb_side(void *arg, uint64_t iters)
{
	const struct dma_case *c = arg;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		void *p = nb_dma_zmalloc(c->size, 0, c->socket);

		if (p == NULL) {
			return 0;
		}
		nb_dma_free(p);
	}
	return iters;
}

static uint64_t
dpdk_side(void *arg, uint64_t iters)
{
	const struct dma_case *c = arg;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		void *p = rte_zmalloc_socket("perf", c->size, RTE_CACHE_LINE_SIZE,
					     c->socket);

		if (p == NULL) {
			return 0;
		}
		rte_free(p);
	}
	return iters;
}

int
perf_dma(struct perf_ctx *ctx)
{
	static const size_t sizes[] = { 64, 2048, 65536 };
	char name[64];
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct dma_case c = {
			.size = sizes[i],
			.socket = (int)rte_socket_id(),
		};

		snprintf(name, sizeof(name), "zmalloc+free %zu B", sizes[i]);
		perf_compare(ctx, "dma", name, nb_side, dpdk_side, &c,
			     perf_iters(ctx, sizes[i] > 4096 ? 20000 : 200000));
	}
	return 0;
}
