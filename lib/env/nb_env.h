/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nbkit environment: DPDK EAL bring-up with safe defaults, DMA-able memory
 * and NUMA placement.
 *
 * Two ways in:
 * - nb_env_init() takes typed options and builds the EAL argument list;
 * - nb_env_init_args() takes EAL-style arguments (argc/argv) and only adds
 *   nbkit's defaults where the user said nothing.
 *
 * The defaults make every nbkit process safe to run next to others on the
 * same machine: no PCI probing unless a PCI device is named (and with no
 * PCI device, IOVA as VA: nothing needs physical addresses), in-memory mode
 * (or a unique file prefix when multi-process is asked for), hugepages when
 * hugetlbfs is mounted with free pages and `--no-huge` with a one-line
 * notice otherwise.
 *
 * An application that called rte_eal_init() itself can still call
 * nb_env_init(): it detects the running EAL, adopts it and never
 * initialises it twice; nb_env_fini() then leaves EAL alone.
 *
 * The control-path functions here are not thread-safe against each other:
 * call them from one thread at start and at exit.
 */
#ifndef NB_ENV_H
#define NB_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "nb_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Hugepage policy of nb_env_init(). */
enum nb_env_huge {
	/** Hugepages when hugetlbfs is mounted with free pages, else --no-huge. */
	NB_ENV_HUGE_AUTO = 0,
	/** Hugepages or fail (-ENOMEM when none are free). */
	NB_ENV_HUGE_ON,
	/** Always --no-huge (4 KiB pages, IOVA as VA). */
	NB_ENV_HUGE_OFF,
};

/** nb_env_opts.mem_mb default: let EAL size memory itself. */
#define NB_ENV_MEM_AUTO 0xffffffffu

/** nb_env_opts.main_lcore default: EAL's choice (the first core of the list). */
#define NB_ENV_MAIN_LCORE_AUTO (-1)

/** Longest argument list nb_env_init_args() accepts, with nbkit's additions. */
#define NB_ENV_MAX_ARGS 256

/**
 * Options of nb_env_init(). Always fill with nb_env_opts_init() first, then
 * change what you need: fields added in later versions get their defaults,
 * and `opts_size` tells the library how much of the struct the caller knows.
 */
struct nb_env_opts {
	size_t opts_size;	/**< sizeof(struct nb_env_opts) of the caller */
	const char *name;	/**< program name given to EAL (argv[0]); default "nbkit" */
	const char *core_list;	/**< lcores as "0-3,5" (EAL -l); NULL: all cores of the affinity mask */
	int main_lcore;		/**< main lcore id, or NB_ENV_MAIN_LCORE_AUTO */
	unsigned int mem_mb;	/**< memory in MB (EAL -m); NB_ENV_MEM_AUTO: EAL grows on demand
				     with hugepages, NB_ENV_NOHUGE_MEM_MB with --no-huge; 0 is invalid */
	enum nb_env_huge huge;	/**< hugepage policy */
	const char *const *vdevs;	/**< virtual devices ("net_null0", "net_tap0,iface=nb0") */
	unsigned int nb_vdevs;		/**< number of entries in vdevs */
	const char *const *pci_devs;	/**< PCI devices to probe ("0000:03:00.0[,devargs]");
					     none: PCI probing is off (--no-pci)
					     and IOVA is VA unless extra_args say --iova-mode */
	unsigned int nb_pci_devs;	/**< number of entries in pci_devs */
	bool multi_process;	/**< keep shared files under a unique --file-prefix so secondary
				     processes can attach; default false: --in-memory */
	const char *file_prefix;	/**< EAL --file-prefix; NULL: "nb<pid>" (unique) */
	int log_level;		/**< DPDK log level of every type (RTE_LOG_EMERG..RTE_LOG_DEBUG),
				     nbkit's own (nb.*) never below notice; at notice or below,
				     EAL's and telemetry's start-up warnings are hidden;
				     0: RTE_LOG_NOTICE */
	bool no_telemetry;	/**< do not open the DPDK telemetry socket */
	const char *const *extra_args;	/**< more EAL arguments, passed as they are */
	unsigned int nb_extra_args;	/**< number of entries in extra_args */
};

/**
 * Fill @p opts with the defaults (also sets opts->opts_size).
 *
 * @param opts
 *   Options to fill; must not be NULL.
 * @param opts_size
 *   sizeof(*opts) as the caller knows it.
 */
void nb_env_opts_init(struct nb_env_opts *opts, size_t opts_size);

/**
 * Initialise the environment (DPDK EAL) from typed options.
 *
 * Options are checked before EAL is touched: on -EINVAL nothing is
 * initialised and the call can be made again with good options.
 * When EAL is already running because the application called rte_eal_init()
 * itself, the options are ignored (one notice) and the running EAL is used.
 *
 * @param opts
 *   Options from nb_env_opts_init(), or NULL for the defaults.
 * @return
 *   0 on success, or
 *   - -EINVAL: a bad option (core list that does not parse or names cores this
 *     process may not run on, mem_mb 0, a PCI address that does not parse,
 *     a NULL device string, opts_size larger than this library knows); one
 *     log line says which;
 *   - -EALREADY: nbkit already initialised (or adopted) the environment, or
 *     nb_env_fini() cleaned EAL up earlier in this process. (Calling this
 *     after the application's own rte_eal_cleanup() is not supported:
 *     DPDK 22.11 offers no way to tell a cleaned-up EAL from a running one.)
 *   - -ENOMEM: NB_ENV_HUGE_ON and no free hugepages;
 *   - -E2BIG: more than NB_ENV_MAX_ARGS arguments;
 *   - another negative errno from rte_eal_init().
 */
int nb_env_init(const struct nb_env_opts *opts);

/**
 * Initialise the environment from EAL-style arguments.
 *
 * The arguments up to the first "--" are EAL's. nbkit adds its defaults only
 * where they say nothing:
 * - `--no-pci` unless a PCI device is allowed (-a) or blocked (-b) or
 *   --no-pci is given;
 * - `--iova-mode=va` unless --iova-mode is given or a PCI device may be
 *   probed (-a or -b without --no-pci): with no PCI device nothing DMAs by
 *   physical address, and IOVA as VA makes every block IOVA-contiguous. So
 *   an explicit --no-pci gives the same environment as none;
 * - `--in-memory` and a unique `--file-prefix=nb<pid>` unless --in-memory,
 *   --file-prefix, --no-shconf or --proc-type is given (with `--no-shconf`
 *   in place of `--in-memory` when hugepages are off);
 * - `--no-huge -m NB_ENV_NOHUGE_MEM_MB` unless hugepages are free or
 *   --no-huge, -m, --socket-mem or --huge-dir is given (-m too with a bare
 *   --no-huge);
 * - quiet logs: DPDK's types at notice, EAL and telemetry at error (their
 *   start-up warnings describe the machine, not a problem), unless -v is
 *   given. The user's --log-level options apply over these; a global
 *   `--log-level=LEVEL` is applied to every type, except that nbkit's
 *   own types (`nb.*`) never go below notice (set `nb.*` explicitly to
 *   silence them).
 *
 * What EAL prints while it starts is held back: on success its log lines
 * are passed on to stderr, on failure one nbkit line on stderr says why
 * (getopt's or EAL's message; for an option EAL does not know, that
 * application options go after "--"), and EAL's usage text never reaches
 * stdout. With -v or a --log-level, EAL's stderr is not held back at all
 * (nothing is lost, even if EAL crashes) and the nbkit line follows it.
 * On every failure the runtime directory nbkit named is removed.
 *
 * Like rte_eal_init(), on success argv[ret] is set to argv[0] so the caller
 * can continue with `argc -= ret; argv += ret;` and parse its own options.
 *
 * @param argc
 *   Number of arguments in argv (argv[0] is the program name).
 * @param argv
 *   The arguments; not copied, must stay valid until nb_env_fini().
 * @return
 *   The number of arguments consumed (>= 0), or a negative errno:
 *   - -EINVAL: argc < 1, argv NULL, an argument EAL rejects (an option it
 *     does not know, a value that does not parse), or a positional argument
 *     before "--";
 *   - -EALREADY, -E2BIG and others as nb_env_init().
 */
int nb_env_init_args(int argc, char **argv);

/**
 * Whether the environment is up (initialised by nbkit or adopted).
 *
 * @return
 *   true when EAL is running and nbkit may be used.
 */
bool nb_env_is_initialized(void);

/**
 * Whether nb_env_init() runs on hugepages (false with --no-huge).
 *
 * @return
 *   true when EAL memory comes from hugepages.
 */
bool nb_env_has_hugepages(void);

/**
 * Release what nbkit started: rte_eal_cleanup() when nbkit initialised EAL
 * (and the removal of its runtime directory under /var/run/dpdk when nbkit
 * chose the file prefix or multi-process is off), nothing of EAL when the
 * application did. EAL cannot be initialised again in
 * the same process afterwards (a DPDK limit).
 *
 * @return
 *   0, or -EALREADY when the environment is not up.
 */
int nb_env_fini(void);

/**
 * Allocate zeroed memory usable for DMA: IOVA-contiguous, at least
 * cache-line aligned (NB_DMA_MIN_ALIGN), from EAL memory (hugepages unless
 * --no-huge).
 *
 * @param size
 *   Bytes to allocate; > 0.
 * @param align
 *   Alignment, a power of two, or 0 for NB_DMA_MIN_ALIGN. Smaller values
 *   are raised to NB_DMA_MIN_ALIGN.
 * @param socket_id
 *   NUMA socket, or SOCKET_ID_ANY for the socket of the calling CPU (found
 *   through libnuma for threads EAL does not know) with any socket as a
 *   fallback. A named socket is honoured or the call fails.
 * @return
 *   The memory, or NULL with rte_errno set:
 *   - EINVAL: size 0, align not a power of two, socket_id not a socket of
 *     this machine;
 *   - ENODEV: the environment is not initialised;
 *   - ENOMEM: no memory on that socket, or (IOVA-as-PA mode only) no run
 *     of physically contiguous pages for a block that spans pages: with
 *     dynamic memory the kernel rarely hands out adjacent hugepages, so
 *     blocks larger than one hugepage need IOVA-as-VA (an IOMMU with
 *     vfio-pci, or no PCI device at all) or `--legacy-mem`.
 */
void *nb_dma_zmalloc(size_t size, size_t align, int socket_id);

/**
 * Free memory from nb_dma_zmalloc(). NULL is a no-op.
 *
 * @param va
 *   The address nb_dma_zmalloc() returned, or NULL.
 */
void nb_dma_free(void *va);

/**
 * IO address of a virtual address inside EAL memory (nb_dma_zmalloc(),
 * mempools, memzones).
 *
 * @param va
 *   Any address inside EAL memory.
 * @return
 *   The IOVA a device uses for @p va, or RTE_BAD_IOVA when @p va is not EAL
 *   memory (or NULL).
 */
rte_iova_t nb_dma_iova(const void *va);

/**
 * NUMA socket of a virtual address inside EAL memory.
 *
 * @param va
 *   Any address inside EAL memory.
 * @return
 *   The socket id, or -EINVAL when @p va is not EAL memory.
 */
int nb_dma_socket(const void *va);

#ifdef __cplusplus
}
#endif

#endif /* NB_ENV_H */
