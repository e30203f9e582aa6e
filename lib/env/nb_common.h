/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Definitions shared by every nbkit library: build configuration, the
 * debug assertion and small helpers.
 */
#ifndef NB_COMMON_H
#define NB_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <rte_branch_prediction.h>
#include <rte_debug.h>

#include "nb_build_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Check an internal invariant. Compiled in only when nbkit is built with
 * `-Dnb_debug=true` (NB_DEBUG == 1); a failure then panics with the file,
 * line and expression. It is never used to check API input: bad input gets
 * an error code.
 */
#if NB_DEBUG
#define NB_ASSERT(cond) do {						\
	if (unlikely(!(cond)))						\
		rte_panic("%s:%d: assertion failed: %s\n",		\
			  __FILE__, __LINE__, #cond);			\
} while (0)
#else
#define NB_ASSERT(cond) do { (void)sizeof(cond); } while (0)
#endif

/** Number of elements of a true array. */
#define NB_DIM(a) (sizeof(a) / sizeof((a)[0]))

/** nbkit's version string ("major.minor.patch"). */
#define NB_VERSION_STR NB_VERSION

#ifdef __cplusplus
}
#endif

#endif /* NB_COMMON_H */
