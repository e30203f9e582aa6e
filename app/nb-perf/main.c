/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-perf: micro-benchmarks of nbkit against DPDK's own equivalent, side by
 * side in one process. Ratios, not absolute times: machines are noisy.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include <nb_env.h>

#include "app_opts.h"
#include "perf.h"

#define EXIT_USAGE 2
/* Most rounds a case runs (the per-case arrays hold 64). */
#define PERF_MAX_ROUNDS 63

static const struct perf_bench benches[] = {
	{ "buf", "nb_buf calls vs their rte_pktmbuf equivalents on one pool; "
	  "ns/op of split, make_writable, memfind", perf_buf },
	{ "dma", "nb_dma_zmalloc+nb_dma_free vs rte_zmalloc_socket+rte_free",
	  perf_dma },
	{ "pool", "rte_mempool get/put on nbkit's percore pools vs ring_mp_mc "
	  "and stack", perf_pool },
	{ "port", "nb_port_rx/tx_burst vs rte_eth_rx/tx_burst on net_null; recycle gain", perf_port },
	{ "reactor", "nb_reactor_send lcore->lcore vs raw rte_ring MP/SC; "
	  "empty poller cost; idle CPU spin vs back-off", perf_reactor },
	{ "reactor-self", "the one-lcore reactor cases alone (for callgrind)",
	  perf_reactor_self },
};

static void
usage(FILE *f, const char *prog)
{
	unsigned int i;

	fprintf(f,
		"Usage: %s [EAL options] [-- [--short] [--json] [--rounds N] "
		"[BENCH...]]\n"
		"\n"
		"Run nbkit micro-benchmarks next to the DPDK call that does the\n"
		"same job, in one process, and print for each case the median\n"
		"ns/op of both sides over interleaved rounds and the ratio\n"
		"DPDK/nbkit (above 1.00: nbkit is faster). Benchmarks with\n"
		"several variants (pool) print one row per variant; their DPDK\n"
		"column is the DPDK baseline timed in the same rounds. Cases\n"
		"DPDK has no call for print nbkit's ns/op and '-'.\n"
		"\n"
		"Options after --:\n"
		"  --short      few rounds and small counts (CI); figures only\n"
		"  --json       JSON Lines instead of the table: one JSON object\n"
		"               per case, one per line (notes go to stderr)\n"
		"  --rounds N   interleaved rounds per case, 1 to %d (default 7,\n"
		"               short 3)\n"
		"  -h, --help   this text\n"
		"  --version    nbkit's and DPDK's versions\n"
		"\n"
		"Benchmarks (default: all; each runs once, in the order given):\n",
		prog, PERF_MAX_ROUNDS);
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		fprintf(f, "  %-10s %s\n", benches[i].name, benches[i].desc);
	}
	fprintf(f, "\nEAL options (before --) are DPDK's; nbkit adds --no-pci, "
		"in-memory and --no-huge\nwhen hugepages are missing; quiet by "
		"default (-v or --log-level=info for more).\n"
		"Exit status: 0 ok, 1 a benchmark could not run, 2 bad arguments.\n");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

uint64_t
perf_iters(const struct perf_ctx *ctx, uint64_t full)
{
	uint64_t n = ctx->short_mode ? full / 10 : full;

	return n > 0 ? n : 1;
}

static double
time_ns_per_op(perf_fn fn, void *arg, uint64_t iters)
{
	uint64_t t0, t1, done;

	t0 = rte_rdtsc_precise();
	done = fn(arg, iters);
	t1 = rte_rdtsc_precise();
	if (done == 0) {
		return -1.0;
	}
	return (double)(t1 - t0) * 1e9 / (double)rte_get_tsc_hz() / (double)done;
}

void
perf_compare(struct perf_ctx *ctx, const char *bench, const char *name,
	     perf_fn nb, perf_fn dpdk, void *arg, uint64_t iters)
{
	double nb_ns[64], dpdk_ns[64], nb_med, dpdk_med;
	unsigned int r, rounds = ctx->rounds < 64 ? ctx->rounds : 64;

	/* Warm both sides once (caches, first-touch of memory). */
	if (nb(arg, iters / 10 + 1) == 0 || dpdk(arg, iters / 10 + 1) == 0) {
		fprintf(stderr, "nb-perf: %s/%s: could not run\n", bench, name);
		ctx->failures++;
		return;
	}
	for (r = 0; r < rounds; r++) {
		/* Alternate which side goes first so drift hits both alike. */
		if (r & 1) {
			dpdk_ns[r] = time_ns_per_op(dpdk, arg, iters);
			nb_ns[r] = time_ns_per_op(nb, arg, iters);
		} else {
			nb_ns[r] = time_ns_per_op(nb, arg, iters);
			dpdk_ns[r] = time_ns_per_op(dpdk, arg, iters);
		}
		if (nb_ns[r] < 0 || dpdk_ns[r] < 0) {
			fprintf(stderr, "nb-perf: %s/%s: failed in round %u\n",
				bench, name, r);
			ctx->failures++;
			return;
		}
	}
	qsort(nb_ns, rounds, sizeof(double), cmp_double);
	qsort(dpdk_ns, rounds, sizeof(double), cmp_double);
	nb_med = nb_ns[rounds / 2];
	dpdk_med = dpdk_ns[rounds / 2];
	if (ctx->json) {
		printf("{\"bench\": \"%s\", \"case\": \"%s\", \"nbkit_ns\": %.2f, "
		       "\"dpdk_ns\": %.2f, \"ratio\": %.3f, \"rounds\": %u, "
		       "\"iters\": %lu}\n", bench, name, nb_med, dpdk_med,
		       dpdk_med / nb_med, rounds, (unsigned long)iters);
	} else {
		printf("%-8s %-32s %12.1f %12.1f %8.2f\n", bench, name, nb_med,
		       dpdk_med, dpdk_med / nb_med);
	}
	fflush(stdout);
}

void
perf_compare_multi(struct perf_ctx *ctx, const char *bench, const char *name,
		   const struct perf_side *sides, unsigned int nb_sides,
		   unsigned int ref, uint64_t iters)
{
	double ns[PERF_MAX_SIDES][64], med[PERF_MAX_SIDES];
	bool dead[PERF_MAX_SIDES] = { false };
	unsigned int r, k, s, rounds = ctx->rounds < 64 ? ctx->rounds : 64;
	char label[64];

	if (nb_sides == 0 || nb_sides > PERF_MAX_SIDES || ref >= nb_sides) {
		fprintf(stderr, "nb-perf: %s/%s: bad comparison (%u sides, "
			"baseline %u)\n", bench, name, nb_sides, ref);
		ctx->failures++;
		return;
	}
	/* Warm every side once (caches, first-touch of memory). */
	for (s = 0; s < nb_sides; s++) {
		if (sides[s].fn(sides[s].arg, iters / 10 + 1) == 0) {
			fprintf(stderr, "nb-perf: %s/%s %s: could not run\n",
				bench, name, sides[s].name);
			ctx->failures++;
			dead[s] = true;
		}
	}
	for (r = 0; r < rounds && !dead[ref]; r++) {
		/* Rotate the order so each side goes first as often. */
		for (k = 0; k < nb_sides; k++) {
			s = (r + k) % nb_sides;
			if (dead[s]) {
				continue;
			}
			ns[s][r] = time_ns_per_op(sides[s].fn, sides[s].arg,
						  iters);
			if (ns[s][r] < 0) {
				fprintf(stderr, "nb-perf: %s/%s %s: failed in "
					"round %u\n", bench, name,
					sides[s].name, r);
				ctx->failures++;
				dead[s] = true;
			}
		}
	}
	if (dead[ref]) {
		return;
	}
	for (s = 0; s < nb_sides; s++) {
		if (!dead[s]) {
			qsort(ns[s], rounds, sizeof(double), cmp_double);
			med[s] = ns[s][rounds / 2];
		}
	}
	for (s = 0; s < nb_sides; s++) {
		if (dead[s]) {
			continue;
		}
		if (ctx->json) {
			printf("{\"bench\": \"%s\", \"case\": \"%s\", "
			       "\"variant\": \"%s\", \"baseline\": \"%s\", "
			       "\"variant_ns\": %.2f, \"baseline_ns\": %.2f, "
			       "\"ratio\": %.3f, \"rounds\": %u, "
			       "\"iters\": %lu}\n", bench, name, sides[s].name,
			       sides[ref].name, med[s], med[ref],
			       med[ref] / med[s], rounds, (unsigned long)iters);
		} else {
			snprintf(label, sizeof(label), "%-13s %s", name,
				 sides[s].name);
			printf("%-8s %-32s %12.1f %12.1f %8.2f\n", bench, label,
			       med[s], med[ref], med[ref] / med[s]);
		}
	}
	fflush(stdout);
}

void
perf_single(struct perf_ctx *ctx, const char *bench, const char *name,
	    perf_fn nb, void *arg, uint64_t iters)
{
	double ns[64], med;
	unsigned int r, rounds = ctx->rounds < 64 ? ctx->rounds : 64;

	if (nb(arg, iters / 10 + 1) == 0) {
		fprintf(stderr, "nb-perf: %s/%s: could not run\n", bench, name);
		ctx->failures++;
		return;
	}
	for (r = 0; r < rounds; r++) {
		ns[r] = time_ns_per_op(nb, arg, iters);
		if (ns[r] < 0) {
			fprintf(stderr, "nb-perf: %s/%s: failed in round %u\n",
				bench, name, r);
			ctx->failures++;
			return;
		}
	}
	qsort(ns, rounds, sizeof(double), cmp_double);
	med = ns[rounds / 2];
	if (ctx->json) {
		printf("{\"bench\": \"%s\", \"case\": \"%s\", \"nbkit_ns\": %.2f, "
		       "\"dpdk_ns\": null, \"ratio\": null, \"rounds\": %u, "
		       "\"iters\": %lu}\n", bench, name, med, rounds,
		       (unsigned long)iters);
	} else {
		printf("%-8s %-32s %12.1f %12s %8s\n", bench, name, med, "-", "-");
	}
	fflush(stdout);
}

void
perf_note(const struct perf_ctx *ctx, const char *fmt, ...)
{
	FILE *f = ctx->json ? stderr : stdout;
	va_list ap;

	if (fmt == NULL) {
		return;	/* (and gcc's UBSan build stops seeing a NULL path) */
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static const struct perf_bench *
bench_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		if (strcmp(benches[i].name, name) == 0) {
			return &benches[i];
		}
	}
	return NULL;
}

/*
 * One line naming the machine (/proc/cpuinfo's model name), its CPUs and
 * the time: figures from another machine or run are not comparable.
 */
static void
machine_line(FILE *f)
{
	char line[256], model[128] = "unknown", stamp[32];
	FILE *ci = fopen("/proc/cpuinfo", "r");
	time_t now = time(NULL);
	struct tm tm;

	while (ci != NULL && fgets(line, sizeof(line), ci) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (ci != NULL) {
		fclose(ci);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(f, "nb-perf: machine \"%s\" (%ld CPUs), %s\n", model,
		sysconf(_SC_NPROCESSORS_ONLN), stamp);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "short", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct perf_ctx ctx = { .rounds = 0 };
	const struct perf_bench *sel[NB_DIM(benches)];
	const char *prog = argv[0];
	unsigned int nb_sel = 0, i, k;
	int ret, c;

	/* --help and --version never need EAL: answer before touching it. */
	if (app_wants(argc, argv, "-h", "--help")) {
		usage(stdout, prog);
		return 0;
	}
	if (app_wants(argc, argv, "--version", NULL)) {
		printf("nb-perf (nbkit) %s, %s\n", NB_VERSION_STR, rte_version());
		return 0;
	}
	/* On failure nbkit has said why in one line on stderr. */
	ret = nb_env_init_args(argc, argv);
	if (ret < 0) {
		return ret == -EINVAL ? EXIT_USAGE : 1;
	}
	argc -= ret;
	argv += ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (c) {
		case 's':
			ctx.short_mode = true;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'r':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] < '0' ||
			    optarg[0] > '9' || v < 1 || v > PERF_MAX_ROUNDS) {
				fprintf(stderr, "%s: --rounds '%s': a number "
					"from 1 to %d\n", prog, optarg,
					PERF_MAX_ROUNDS);
				nb_env_fini();
				return EXIT_USAGE;
			}
			ctx.rounds = (unsigned int)v;
			break;
		default:
			app_bad_option(prog, c, argv);
			nb_env_fini();
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		const struct perf_bench *b = bench_find(argv[optind]);

		if (b == NULL) {
			fprintf(stderr, "%s: unknown benchmark '%s' (see %s "
				"--help)\n", prog, argv[optind], prog);
			nb_env_fini();
			return EXIT_USAGE;
		}
		/* A benchmark named twice runs once. */
		for (k = 0; k < nb_sel && sel[k] != b; k++) {
		}
		if (k == nb_sel) {
			sel[nb_sel++] = b;
		}
	}
	if (nb_sel == 0) {
		for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
			sel[nb_sel++] = &benches[i];
		}
	}
	if (ctx.rounds == 0) {
		ctx.rounds = ctx.short_mode ? 3 : 7;
	}

	machine_line(ctx.json ? stderr : stdout);
	if (!ctx.json) {
		printf("nb-perf: %u interleaved rounds per case, medians; ratio = "
		       "DPDK ns/op / nbkit ns/op (above 1.00: nbkit faster)%s\n",
		       ctx.rounds, ctx.short_mode ? "; short mode" : "");
		printf("%-8s %-32s %12s %12s %8s\n", "bench", "case",
		       "nbkit ns/op", "DPDK ns/op", "ratio");
	}
	for (i = 0; i < nb_sel; i++) {
		if (sel[i]->run(&ctx) != 0) {
			ctx.failures++;
		}
	}
	nb_env_fini();
	return ctx.failures == 0 ? 0 : 1;
}
