/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to nbkit (not installed): the per-library log macro.
 *
 * lib/meson.build compiles each library with RTE_LOG_DEFAULT_LOGTYPE set to
 * "nb.<name>" and NB_LIB_NAME to the same string; a library registers its
 * type once with NB_LOG_REGISTER(<name>) and logs with NB_LOG(<name>, LEVEL, ...).
 */
#ifndef NB_INTERNAL_H
#define NB_INTERNAL_H

#include <rte_log.h>

#include "nb_common.h"

/** Define and register the log type logtype_nb_<name> ("nb.<name>"). */
#define NB_LOG_REGISTER(name) RTE_LOG_REGISTER_DEFAULT(logtype_nb_##name, NOTICE)

/** Declare the log type of NB_LOG_REGISTER(<name>) for another file of
 * the same library. */
#define NB_LOG_DECLARE(name) extern int logtype_nb_##name

/** One log line through rte_log, prefixed with the library name. The
 * arguments are evaluated only when the line will be written (a debug line
 * that looks things up costs nothing when debug logging is off). */
#define NB_LOG(name, level, ...)					\
	(rte_log_can_log(logtype_nb_##name, RTE_LOG_##level) ?		\
	 rte_log(RTE_LOG_##level, logtype_nb_##name,			\
		 RTE_FMT(NB_LIB_NAME ": " RTE_FMT_HEAD(__VA_ARGS__,) "\n",	\
			 RTE_FMT_TAIL(__VA_ARGS__,))) : 0)

#endif /* NB_INTERNAL_H */
