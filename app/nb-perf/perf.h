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

/*
 * Time @nb alone (an nbkit operation DPDK has no call for) over ctx->rounds
 * rounds of @iters operations and print its median ns/op, with '-' in the
 * DPDK and ratio columns (null in JSON).
 */
void perf_single(struct perf_ctx *ctx, const char *bench, const char *name,
		 perf_fn nb, void *arg, uint64_t iters);

/* One of several variants of a case timed by perf_compare_multi(). */
struct perf_side {
	const char *name;	/* variant ("percore-fast") */
	perf_fn fn;		/* the operation */
	void *arg;		/* its state */
};

/* Most variants perf_compare_multi() takes. */
#define PERF_MAX_SIDES 8

/*
 * Time @nb_sides variants of one case over ctx->rounds rounds of @iters
 * operations each; in every round each variant runs once and the order
 * rotates, so drift hits all alike. Print one row per variant: its median
 * ns/op, the median of sides[@ref] (the baseline, measured in the same
 * rounds) and the ratio baseline/variant (above 1: the variant is faster).
 * A variant that fails is reported, counted in ctx->failures and left out;
 * when the baseline fails, no row is printed.
 */
void perf_compare_multi(struct perf_ctx *ctx, const char *bench,
			const char *name, const struct perf_side *sides,
			unsigned int nb_sides, unsigned int ref, uint64_t iters);

/*
 * A line for people (a group header, a note): on stdout with the table,
 * on stderr with --json so stdout stays one JSON object per line.
 */
void perf_note(const struct perf_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Scale an iteration count down in short mode. */
uint64_t perf_iters(const struct perf_ctx *ctx, uint64_t full);

/* The benchmarks. */
int perf_buf(struct perf_ctx *ctx);
int perf_dma(struct perf_ctx *ctx);
int perf_pool(struct perf_ctx *ctx);
int perf_port(struct perf_ctx *ctx);
int perf_reactor(struct perf_ctx *ctx);
int perf_reactor_self(struct perf_ctx *ctx);

#endif /* NB_PERF_H */
