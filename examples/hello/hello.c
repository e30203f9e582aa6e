/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello: the smallest program on nbkit, built out of tree against the
 * installed library with pkg-config (see the Makefile beside it).
 *
 * It brings up the environment from EAL-style arguments, takes 1 MiB of
 * DMA-able memory, prints where it is and gives everything back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include <nb_env.h>

#define HELLO_DMA_SIZE (1u << 20)

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL args] [-- --help]\n"
	       "\n"
	       "Initialise nbkit from the EAL arguments (nbkit adds safe\n"
	       "defaults: no PCI probing, in-memory mode, --no-huge when no\n"
	       "hugepages are free), allocate 1 MiB of DMA memory, print its\n"
	       "virtual and IO addresses and NUMA socket, and exit.\n"
	       "\n"
	       "Example: %s --no-huge -m 128 --log-level=warning\n",
	       prog, prog);
}

static int
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "hello";
	rte_iova_t iova;
	void *va;
	int ret;

	/* Before EAL sees the arguments: EAL would print its own help. */
	if (wants_help(argc, argv)) {
		usage(prog);
		return EXIT_SUCCESS;
	}

	ret = nb_env_init_args(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: cannot initialise nbkit: %s\n", prog,
			strerror(-ret));
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;
	if (argc > 1) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[1]);
		nb_env_fini();
		return EXIT_FAILURE;
	}

	va = nb_dma_zmalloc(HELLO_DMA_SIZE, 0, SOCKET_ID_ANY);
	if (va == NULL) {
		fprintf(stderr,
			"%s: cannot allocate %u bytes of DMA memory: %s\n",
			prog, HELLO_DMA_SIZE, rte_strerror(rte_errno));
		nb_env_fini();
		return EXIT_FAILURE;
	}

	iova = nb_dma_iova(va);
	if (iova == RTE_BAD_IOVA) {
		fprintf(stderr, "%s: DMA memory at %p has no IO address\n",
			prog, va);
		nb_dma_free(va);
		nb_env_fini();
		return EXIT_FAILURE;
	}

	printf("hello: %u bytes of DMA memory at va %p iova 0x%" PRIx64
	       " socket %d (%s)\n",
	       HELLO_DMA_SIZE, va, (uint64_t)iova, nb_dma_socket(va),
	       nb_env_has_hugepages() ? "hugepages" : "no hugepages");

	nb_dma_free(va);
	ret = nb_env_fini();
	if (ret < 0) {
		fprintf(stderr, "%s: nb_env_fini: %s\n", prog, strerror(-ret));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
