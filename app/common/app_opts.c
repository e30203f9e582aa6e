/* SPDX-License-Identifier: BSD-3-Clause */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app_opts.h"

void
app_bad_option(const char *prog, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':') {
		fprintf(stderr, "%s: option '%s' needs a value (see %s --help)\n",
			prog, opt, prog);
	} else if (optopt != 0 && opt[0] == '-' && opt[1] != '-') {
		fprintf(stderr, "%s: unknown option '-%c' (see %s --help)\n",
			prog, optopt, prog);
	} else {
		fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n",
			prog, opt, prog);
	}
}

bool
app_wants(int argc, char **argv, const char *a, const char *b)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], a) == 0 || (b != NULL && strcmp(argv[i], b) == 0)) {
			return true;
		}
	}
	return false;
}
