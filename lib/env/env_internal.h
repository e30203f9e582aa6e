/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/env (not installed). */
#ifndef ENV_INTERNAL_H
#define ENV_INTERNAL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

extern int logtype_nb_env;

/* True when hugetlbfs is mounted (and usable) and some hugepages are free. */
bool env_hugepages_available(void);

/* Parse "0-3,5" into @set; -EINVAL with one log line when it does not parse. */
int env_parse_core_list(const char *list, cpu_set_t *set);

/* The memzone fallback of nb_dma_zmalloc() (also called by the unit test). */
void *env_dma_zmalloc_memzone(size_t size, size_t align, int socket_id);

/* After EAL is up: cache the sockets and page sizes nb_dma_zmalloc() checks. */
void env_dma_setup(void);

/* At nb_env_fini(): log DMA allocations never freed and forget them. */
void env_dma_release_all(void);

#endif /* ENV_INTERNAL_H */
