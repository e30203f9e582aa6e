/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-perf: nbkit next to the DPDK call that does the same job, in one
 * process, printed as ratios. Each benchmark file registers a table of
 * cases; perf_compare() times both sides over interleaved rounds and
 * reports the medians, so a noisy machine moves both sides alike.
 */
#ifndef NB_PERF_H
#define NB_PERF_H

#include <stdbool.h>
#include <stdint.h>

struct perf_ctx {
	bool short_mode;	/* CI: few rounds, small counts */
	bool json;		/* one JSON object per row */
	unsigned int rounds;	/* interleaved rounds per case */
	unsigned int failures;	/* cases that could not run */
};

/*
 * One side of a comparison: do the operation @iters times and return how
 * many operations were done (0 on failure). @arg is the case's state.
 */
typedef uint64_t (*perf_fn)(void *arg, uint64_t iters);

struct perf_bench {
	const char *name;	/* command-line name ("dma") */
	const char *desc;	/* one line for --help */
	int (*run)(struct perf_ctx *ctx);
};

/*
 * Time @nb and @dpdk over ctx->rounds interleaved rounds of @iters
 * operations each and print one row: medians in ns/op and the ratio
 * DPDK/nbkit (above 1: nbkit is faster).
 */
void perf_compare(struct perf_ctx *ctx, const char *bench, const char *name,
		  perf_fn nb, perf_fn dpdk, void *arg, uint64_t iters);

/* Scale an iteration count down in short mode. */
uint64_t perf_iters(const struct perf_ctx *ctx, uint64_t full);

/* The benchmarks. */
int perf_dma(struct perf_ctx *ctx);

#endif /* NB_PERF_H */
