/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb-info: bring up the nbkit environment with its safe defaults, show what
 * it got (cores, sockets, memory, IOVA mode) and prove DMA memory works by
 * allocating a block on every socket and printing its IOVA.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_version.h>

#include <nb_env.h>

#include "app_opts.h"

#define EXIT_USAGE 2

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] [-- [--json] [--dma-size BYTES]]\n"
		"\n"
		"Initialise the nbkit environment (DPDK EAL with nbkit's safe\n"
		"defaults: no PCI probing unless a device is named, in-memory\n"
		"with a unique file prefix, hugepages when free, else --no-huge)\n"
		"and report cores, sockets, memory and IOVA mode; then allocate\n"
		"DMA memory on every socket and print its IO address.\n"
		"\n"
		"Options after --:\n"
		"  --json            JSON Lines instead of text: one JSON object\n"
		"                    on one line\n"
		"  --dma-size BYTES  size of each DMA block, decimal (no leading 0)\n"
		"                    with an optional k, m or g (default 1m)\n"
		"  -h, --help        this text\n"
		"  --version         nbkit's and DPDK's versions\n"
		"\n"
		"EAL options (before --) are DPDK's, e.g. -l 0-1, --vdev net_null0,\n"
		"--no-huge, -m 512, -a 0000:03:00.0; quiet by default: -v or\n"
		"--log-level=info shows DPDK's start-up lines, --log-level=nb.*:debug\n"
		"nbkit's debug lines.\n"
		"Exit status: 0 ok, 1 runtime failure, 2 bad arguments.\n",
		prog);
}

/*
 * A size in bytes: decimal digits and an optional k, m or g (binary
 * multiples). Nothing else: no sign, no spaces, no hex, and no leading 0
 * (010 would read as octal 8 to some and as 10 to others: refused).
 */
static int
parse_size(const char *s, size_t *out)
{
	unsigned long long v = 0;
	unsigned int sh = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p) || *p == '0') {
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (1ULL << 40)) {
			return -EINVAL;
		}
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	switch (*p) {
	case 'g': case 'G': sh = 30; p++; break;
	case 'm': case 'M': sh = 20; p++; break;
	case 'k': case 'K': sh = 10; p++; break;
	default: break;
	}
	/* checked before the shift: 17179869185g must not wrap to 1g */
	if (*p != '\0' || v == 0 || v > (1ULL << 40) >> sh) {
		return -EINVAL;
	}
	v <<= sh;
	if (v > (1ULL << 40)) {
		return -EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dma-size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argv[0];
	size_t dma_size = 1 << 20;
	bool json = false;
	unsigned int i, nb_sockets, nb_dma = 0;
	int ret, c, status = 0;

	/* --help and --version never need EAL: answer before touching it. */
	if (app_wants(argc, argv, "-h", "--help")) {
		usage(stdout, prog);
		return 0;
	}
	if (app_wants(argc, argv, "--version", NULL)) {
		printf("nb-info (nbkit) %s, %s\n", NB_VERSION_STR, rte_version());
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
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			if (parse_size(optarg, &dma_size) != 0) {
				fprintf(stderr, "%s: --dma-size '%s': not a size "
					"(decimal bytes 1 .. 1T, optional suffix "
					"k, m or g)\n", prog, optarg);
				nb_env_fini();
				return EXIT_USAGE;
			}
			break;
		default:
			app_bad_option(prog, c, argv);
			nb_env_fini();
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see %s --help)\n",
			prog, argv[optind], prog);
		nb_env_fini();
		return EXIT_USAGE;
	}

	nb_sockets = rte_socket_count();
	if (json) {
		printf("{\"nbkit\": \"%s\", \"dpdk\": \"%s\", \"lcores\": %u, "
		       "\"main_lcore\": %u, \"sockets\": %u, \"hugepages\": %s, "
		       "\"iova_mode\": \"%s\", \"dma\": [",
		       NB_VERSION_STR, rte_version(), rte_lcore_count(),
		       rte_get_main_lcore(), nb_sockets,
		       nb_env_has_hugepages() ? "true" : "false",
		       rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA");
	} else {
		printf("nbkit %s on %s\n", NB_VERSION_STR, rte_version());
		printf("lcores:    %u (main lcore %u)\n", rte_lcore_count(),
		       rte_get_main_lcore());
		printf("sockets:   %u\n", nb_sockets);
		printf("memory:    %s\n", nb_env_has_hugepages() ?
		       "hugepages" : "no hugepages (--no-huge: 4 KiB pages)");
		printf("IOVA mode: %s\n",
		       rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA");
	}

	for (i = 0; i < nb_sockets; i++) {
		int socket = rte_socket_id_by_idx(i);
		void *va = nb_dma_zmalloc(dma_size, 0, socket);
		rte_iova_t iova;

		if (va == NULL) {
			fprintf(stderr, "%s: nb_dma_zmalloc(%zu) on socket %d: "
				"%s\n", prog, dma_size, socket,
				rte_strerror(rte_errno));
			status = 1;
			continue;
		}
		iova = nb_dma_iova(va);
		if (json) {
			/* The separator follows what was printed, not the
			 * socket index: a socket that failed prints nothing. */
			printf("%s{\"socket\": %d, \"bytes\": %zu, \"va\": \"%p\", "
			       "\"iova\": \"0x%" PRIx64 "\"}", nb_dma > 0 ? ", " : "",
			       nb_dma_socket(va), dma_size, va, (uint64_t)iova);
		} else {
			printf("DMA:       %zu bytes on socket %d: va %p iova 0x%"
			       PRIx64 "\n", dma_size, nb_dma_socket(va), va,
			       (uint64_t)iova);
		}
		nb_dma++;
		if (iova == RTE_BAD_IOVA) {
			status = 1;
		}
		nb_dma_free(va);
	}
	if (json) {
		printf("]}\n");
	}
	nb_env_fini();
	return status;
}
