/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every nbkit app prints for an option getopt_long() refused, so the
 * apps cannot drift apart: one line on stderr naming the option.
 */
#ifndef NB_APP_OPTS_H
#define NB_APP_OPTS_H

#include <stdbool.h>

/*
 * Print the one line for an option getopt_long() (with opterr 0 and a
 * leading ':' in the short options) refused: @c is what it returned (':'
 * for a missing value, '?' for an unknown option), @prog the program name.
 */
void app_bad_option(const char *prog, int c, char **argv);

/*
 * Whether any argument, before or after "--", is @a or @b (NULL: none):
 * --help and --version are answered before EAL starts.
 */
bool app_wants(int argc, char **argv, const char *a, const char *b);

#endif /* NB_APP_OPTS_H */
