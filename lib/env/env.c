/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL bring-up with safe defaults.
 *
 * nb_env_init() checks every typed option before EAL is touched, turns the
 * options into an EAL argument list and calls rte_eal_init().
 * nb_env_init_args() takes EAL arguments as they are and adds nbkit's
 * defaults only where the user said nothing. Both end in eal_start().
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pci.h>

#include "nb_env.h"
#include "nb_internal.h"
#include "env_internal.h"

NB_LOG_REGISTER(env);

enum env_state {
	ENV_DOWN,	/* nothing started */
	ENV_OWNED,	/* nbkit called rte_eal_init() */
	ENV_ADOPTED,	/* the application called rte_eal_init() */
	ENV_DONE,	/* nbkit called rte_eal_cleanup(): EAL cannot come back */
};

static enum env_state g_state = ENV_DOWN;

/*
 * The argument list handed to rte_eal_init(). EAL keeps pointers into it, so
 * it lives until nb_env_fini(). Strings nbkit made are in g_owned.
 */
static char *g_eal_argv[NB_ENV_MAX_ARGS + 1];
static char *g_owned[NB_ENV_MAX_ARGS + 1];
static int g_nb_owned;
/* The runtime directory nbkit named (its own unique prefix), removed at fini
 * and on every failed start. */
static bool g_own_prefix;
static char g_prefix[64];

struct argbuf {
	char **argv;
	int argc;
	int err;
};

static void
owned_free(void)
{
	int i;

	for (i = 0; i < g_nb_owned; i++) {
		free(g_owned[i]);
		g_owned[i] = NULL;
	}
	g_nb_owned = 0;
}

static void
arg_push(struct argbuf *ab, const char *s)
{
	if (ab->err != 0) {
		return;
	}
	if (ab->argc >= NB_ENV_MAX_ARGS) {
		ab->err = -E2BIG;
		return;
	}
	/* EAL's argv is `char **`; the strings are never written through it. */
	ab->argv[ab->argc++] = (char *)(uintptr_t)s;
}

/* Push a string nbkit formats; freed at nb_env_fini() or on failure. */
static void
arg_pushf(struct argbuf *ab, const char *fmt, ...)
{
	char buf[PATH_MAX];
	va_list ap;
	char *s;

	if (ab->err != 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s = strdup(buf);
	if (s == NULL || g_nb_owned >= NB_ENV_MAX_ARGS) {
		free(s);
		ab->err = -ENOMEM;
		return;
	}
	g_owned[g_nb_owned++] = s;
	arg_push(ab, s);
}

bool
env_hugepages_available(void)
{
	static const char sysdir[] = "/sys/kernel/mm/hugepages";
	unsigned long free_pages = 0;
	bool mounted = false;
	char line[512];
	FILE *f;
	int i;

	/* Any page size with free pages counts: EAL uses what it finds. */
	static const char *const sizes[] = {
		"hugepages-2048kB", "hugepages-1048576kB", "hugepages-32768kB",
		"hugepages-524288kB", "hugepages-16384kB", "hugepages-64kB",
	};
	for (i = 0; i < (int)NB_DIM(sizes); i++) {
		char path[256];
		unsigned long n = 0;

		snprintf(path, sizeof(path), "%s/%s/free_hugepages", sysdir,
			 sizes[i]);
		f = fopen(path, "r");
		if (f == NULL) {
			continue;
		}
		if (fscanf(f, "%lu", &n) == 1) {
			free_pages += n;
		}
		fclose(f);
	}
	if (free_pages == 0) {
		return false;
	}

	f = fopen("/proc/mounts", "r");
	if (f == NULL) {
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char dev[128], dir[PATH_MAX], type[64];

		if (sscanf(line, "%127s %4095s %63s", dev, dir, type) == 3 &&
		    strcmp(type, "hugetlbfs") == 0 &&
		    access(dir, R_OK | W_OK | X_OK) == 0) {
			mounted = true;
			break;
		}
	}
	fclose(f);
	return mounted;
}

/*
 * Parse a core list "0-3,5,7-8" into a set. Returns 0, or -EINVAL with one
 * log line naming what is wrong.
 */
int
env_parse_core_list(const char *list, cpu_set_t *set)
{
	const char *p = list;

	CPU_ZERO(set);
	if (list == NULL || *list == '\0') {
		NB_LOG(env, ERR, "core list is empty");
		return -EINVAL;
	}
	while (*p != '\0') {
		unsigned long lo, hi;
		char *end;

		if (!isdigit((unsigned char)*p)) {
			goto bad;
		}
		errno = 0;
		lo = strtoul(p, &end, 10);
		if (errno != 0) {
			goto bad;
		}
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p)) {
				goto bad;
			}
			hi = strtoul(p, &end, 10);
			if (errno != 0 || hi < lo) {
				goto bad;
			}
			p = end;
		}
		if (hi >= RTE_MAX_LCORE || hi >= CPU_SETSIZE) {
			NB_LOG(env, ERR, "core list '%s': core %lu is beyond the "
			       "largest core id DPDK supports (%u)", list, hi,
			       RTE_MAX_LCORE - 1);
			return -EINVAL;
		}
		for (; lo <= hi; lo++) {
			CPU_SET(lo, set);
		}
		if (*p == ',') {
			p++;
			if (*p == '\0') {
				goto bad;
			}
		} else if (*p != '\0') {
			goto bad;
		}
	}
	return 0;
bad:
	NB_LOG(env, ERR, "core list '%s' does not parse (expected e.g. \"0-3,5\")",
	       list);
	return -EINVAL;
}

/* Check the options and fill @o with them over the defaults. */
static int
opts_check(struct nb_env_opts *o, const struct nb_env_opts *user)
{
	cpu_set_t allowed, wanted;
	unsigned int i;
	int rc;

	nb_env_opts_init(o, sizeof(*o));
	if (user != NULL) {
		if (user->opts_size < sizeof(user->opts_size)) {
			NB_LOG(env, ERR, "opts_size %zu is too small; "
			       "call nb_env_opts_init() first", user->opts_size);
			return -EINVAL;
		}
		if (user->opts_size > sizeof(*o)) {
			NB_LOG(env, ERR, "opts_size %zu is larger than this "
			       "nbkit knows (%zu): built against a newer header?",
			       user->opts_size, sizeof(*o));
			return -EINVAL;
		}
		memcpy(o, user, user->opts_size);
		o->opts_size = sizeof(*o);
	}

	if (o->name == NULL || o->name[0] == '\0') {
		o->name = "nbkit";
	}
	if (o->huge != NB_ENV_HUGE_AUTO && o->huge != NB_ENV_HUGE_ON &&
	    o->huge != NB_ENV_HUGE_OFF) {
		NB_LOG(env, ERR, "huge %d is not an nb_env_huge value", o->huge);
		return -EINVAL;
	}
	if (o->mem_mb == 0) {
		NB_LOG(env, ERR, "mem_mb is 0; use NB_ENV_MEM_AUTO for EAL's choice");
		return -EINVAL;
	}
	if (o->log_level == 0) {
		o->log_level = RTE_LOG_NOTICE;
	}
	if (o->log_level < (int)RTE_LOG_EMERG || o->log_level > (int)RTE_LOG_DEBUG) {
		NB_LOG(env, ERR, "log_level %d is not an RTE_LOG_* level (1..8)",
		       o->log_level);
		return -EINVAL;
	}
	if (o->file_prefix != NULL &&
	    (o->file_prefix[0] == '\0' || strchr(o->file_prefix, '/') != NULL)) {
		NB_LOG(env, ERR, "file_prefix '%s' must be a non-empty name "
		       "without '/'", o->file_prefix);
		return -EINVAL;
	}

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		NB_LOG(env, ERR, "sched_getaffinity: %s", strerror(errno));
		return -errno;
	}
	if (o->core_list != NULL) {
		rc = env_parse_core_list(o->core_list, &wanted);
		if (rc != 0) {
			return rc;
		}
		for (i = 0; i < CPU_SETSIZE; i++) {
			if (CPU_ISSET(i, &wanted) && !CPU_ISSET(i, &allowed)) {
				NB_LOG(env, ERR, "core list '%s': core %u is not "
				       "available to this process (%d cores "
				       "allowed)", o->core_list, i,
				       CPU_COUNT(&allowed));
				return -EINVAL;
			}
		}
	} else {
		wanted = allowed;
	}
	if (o->main_lcore != NB_ENV_MAIN_LCORE_AUTO &&
	    (o->main_lcore < 0 || o->main_lcore >= (int)CPU_SETSIZE ||
	     !CPU_ISSET(o->main_lcore, &wanted))) {
		NB_LOG(env, ERR, "main_lcore %d is not one of the cores used",
		       o->main_lcore);
		return -EINVAL;
	}

	if (o->nb_vdevs > 0 && o->vdevs == NULL) {
		NB_LOG(env, ERR, "nb_vdevs is %u but vdevs is NULL", o->nb_vdevs);
		return -EINVAL;
	}
	for (i = 0; i < o->nb_vdevs; i++) {
		if (o->vdevs[i] == NULL || o->vdevs[i][0] == '\0') {
			NB_LOG(env, ERR, "vdevs[%u] is NULL or empty", i);
			return -EINVAL;
		}
	}
	if (o->nb_pci_devs > 0 && o->pci_devs == NULL) {
		NB_LOG(env, ERR, "nb_pci_devs is %u but pci_devs is NULL",
		       o->nb_pci_devs);
		return -EINVAL;
	}
	for (i = 0; i < o->nb_pci_devs; i++) {
		char addr[64];
		struct rte_pci_addr pa;
		size_t n;

		if (o->pci_devs[i] == NULL) {
			NB_LOG(env, ERR, "pci_devs[%u] is NULL", i);
			return -EINVAL;
		}
		n = strcspn(o->pci_devs[i], ",");
		if (n == 0 || n >= sizeof(addr)) {
			goto bad_pci;
		}
		memcpy(addr, o->pci_devs[i], n);
		addr[n] = '\0';
		if (rte_pci_addr_parse(addr, &pa) != 0) {
			goto bad_pci;
		}
		continue;
bad_pci:
		NB_LOG(env, ERR, "pci_devs[%u] '%s' is not a PCI address "
		       "(DDDD:BB:DD.F or BB:DD.F, then ,devargs)", i,
		       o->pci_devs[i]);
		return -EINVAL;
	}
	if (o->nb_extra_args > 0 && o->extra_args == NULL) {
		NB_LOG(env, ERR, "nb_extra_args is %u but extra_args is NULL",
		       o->nb_extra_args);
		return -EINVAL;
	}
	for (i = 0; i < o->nb_extra_args; i++) {
		if (o->extra_args[i] == NULL) {
			NB_LOG(env, ERR, "extra_args[%u] is NULL", i);
			return -EINVAL;
		}
	}
	return 0;
}

void
nb_env_opts_init(struct nb_env_opts *opts, size_t opts_size)
{
	struct nb_env_opts def = {
		.opts_size = sizeof(def),
		.name = "nbkit",
		.core_list = NULL,
		.main_lcore = NB_ENV_MAIN_LCORE_AUTO,
		.mem_mb = NB_ENV_MEM_AUTO,
		.huge = NB_ENV_HUGE_AUTO,
		.log_level = RTE_LOG_NOTICE,
	};

	if (opts == NULL || opts_size == 0) {
		return;
	}
	if (opts_size > sizeof(def)) {
		memset(opts, 0, opts_size);
		opts_size = sizeof(def);
	}
	memcpy(opts, &def, opts_size);
	opts->opts_size = opts_size;
}

static bool
eal_running(void)
{
	/* EAL's configuration is zeroed until rte_eal_init() detects lcores. */
	return rte_lcore_count() > 0;
}

/* Common entry checks: -EALREADY when nbkit or EAL is already up. */
static int
env_enter(bool *adopted)
{
	*adopted = false;
	if (g_state == ENV_OWNED || g_state == ENV_ADOPTED) {
		NB_LOG(env, ERR, "environment already initialised");
		return -EALREADY;
	}
	if (g_state == ENV_DONE) {
		NB_LOG(env, ERR, "EAL was cleaned up and cannot be initialised "
		       "again in this process");
		return -EALREADY;
	}
	if (eal_running()) {
		NB_LOG(env, INFO, "EAL already initialised by the application: "
		       "using it, nbkit's EAL options are not applied");
		g_state = ENV_ADOPTED;
		*adopted = true;
		env_dma_setup();
	}
	return 0;
}

/*
 * Remove the runtime directory of nbkit's own file prefix (telemetry socket
 * and whatever else EAL put there), so a run, failed or not, leaves nothing
 * under /var/run/dpdk. Only a directory named after the prefix nbkit passed
 * is touched.
 */
static void
runtime_dir_remove(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	const char *base;
	struct dirent *de;
	char path[PATH_MAX];
	DIR *d;

	if (dir == NULL || dir[0] == '\0' || g_prefix[0] == '\0') {
		return;
	}
	base = strrchr(dir, '/');
	base = base != NULL ? base + 1 : dir;
	if (strcmp(base, g_prefix) != 0) {
		return;
	}
	d = opendir(dir);
	if (d == NULL) {
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir(dir) == 0) {
		NB_LOG(env, DEBUG, "runtime directory %s removed", dir);
	}
}

/*
 * What rte_eal_init() writes to stderr while it starts (getopt's messages,
 * its log lines) goes to a temporary file, and its usage text (on stdout,
 * where it would poison a --json consumer) to /dev/null. On success the
 * captured lines are passed on to stderr unchanged (the log levels already
 * chose them); on failure one line says why. When the user asked to see
 * more (-v, --log-level), stderr is not captured at all, so nothing EAL
 * prints is lost even if it crashes.
 */
struct eal_capture {
	FILE *f;	/* the capture, NULL when capturing is off */
	int saved_out;	/* the real stdout, or -1 */
	int saved_err;	/* the real stderr */
};

static void
capture_begin(struct eal_capture *c, bool keep_stdout, bool capture_err)
{
	int null;

	c->saved_out = -1;
	c->saved_err = -1;
	c->f = NULL;
	fflush(stdout);
	fflush(stderr);
	if (capture_err) {
		c->f = tmpfile();
	}
	if (c->f != NULL) {
		c->saved_err = dup(STDERR_FILENO);
		if (c->saved_err < 0) {
			fclose(c->f);
			c->f = NULL;
		}
	}
	if (!keep_stdout) {
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) {
			c->saved_out = dup(STDOUT_FILENO);
			if (c->saved_out >= 0) {
				dup2(null, STDOUT_FILENO);
			}
			close(null);
		}
	}
	if (c->f != NULL) {
		dup2(fileno(c->f), STDERR_FILENO);
	}
}

static void
capture_end(struct eal_capture *c)
{
	fflush(stdout);
	fflush(stderr);
	if (c->saved_out >= 0) {
		dup2(c->saved_out, STDOUT_FILENO);
		close(c->saved_out);
		c->saved_out = -1;
	}
	if (c->f != NULL) {
		dup2(c->saved_err, STDERR_FILENO);
		close(c->saved_err);
		c->saved_err = -1;
		rewind(c->f);
	}
}

/* Copy the whole capture to stderr and close it. */
static void
capture_replay(struct eal_capture *c)
{
	char buf[4096];
	size_t n;

	if (c->f == NULL) {
		return;
	}
	rewind(c->f);
	while ((n = fread(buf, 1, sizeof(buf), c->f)) > 0) {
		fwrite(buf, 1, n, stderr);
	}
	fflush(stderr);
}

static void
capture_close(struct eal_capture *c)
{
	if (c->f != NULL) {
		fclose(c->f);
		c->f = NULL;
	}
}

/*
 * The line of the capture that says why EAL failed: the last line before
 * EAL's "FATAL:" line (getopt's message for a bad option, EAL's own error
 * otherwise), else the FATAL message itself. @getopt is set when the line
 * is getopt's (it then starts with the program name, which is removed).
 */
static void
capture_reason(struct eal_capture *c, const char *prog, char *out,
	       size_t len, bool *getopt_msg)
{
	char line[512], prev[512] = "";
	size_t plen = prog != NULL ? strlen(prog) : 0;
	const char *fatal;
	char *nl;

	out[0] = '\0';
	*getopt_msg = false;
	if (c->f == NULL) {
		return;
	}
	rewind(c->f);
	while (fgets(line, sizeof(line), c->f) != NULL) {
		nl = strchr(line, '\n');
		if (nl != NULL) {
			*nl = '\0';
		}
		if (line[0] == '\0') {
			continue;
		}
		fatal = strstr(line, "FATAL: ");
		if (fatal != NULL) {
			snprintf(out, len, "%s", prev[0] != '\0' ? prev :
				 fatal + strlen("FATAL: "));
			break;
		}
		snprintf(prev, sizeof(prev), "%s", line);
	}
	if (out[0] == '\0') {
		snprintf(out, len, "%s", prev);
	}
	if (plen > 0 && strncmp(out, prog, plen) == 0 &&
	    strncmp(out + plen, ": ", 2) == 0) {
		memmove(out, out + plen + 2, strlen(out + plen + 2) + 1);
		*getopt_msg = true;
	}
	/* EAL's own lines carry their "EAL: " tag: keep just the message. */
	if (strncmp(out, "EAL: ", 5) == 0) {
		memmove(out, out + 5, strlen(out + 5) + 1);
	}
	nl = out + strlen(out);
	while (nl > out && (nl[-1] == '.' || nl[-1] == ' ')) {
		*--nl = '\0';
	}
}

/* The EAL argument list as one string (before EAL rewrites argv). */
static void
args_join(const struct argbuf *ab, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ab->argc && off < len; i++) {
		off += snprintf(buf + off, len - off, "%s%s", i > 0 ? " " : "",
				ab->argv[i]);
	}
}

/* Debug lines: the EAL argument list nbkit used and what EAL gave. */
static void
log_eal_up(const char *args)
{
	NB_LOG(env, DEBUG, "EAL arguments: %s", args);
	NB_LOG(env, DEBUG, "EAL up: %u lcore(s), main lcore %u, %u socket(s), "
	       "%s, IOVA as %s", rte_lcore_count(), rte_get_main_lcore(),
	       rte_socket_count(), rte_eal_has_hugepages() ? "hugepages" :
	       "no hugepages (4 KiB pages)",
	       rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA");
}

/*
 * @verbose: the user asked to see more (-v, --log-level): what EAL prints
 * on stderr goes there as it is printed, not only the reason of a failure.
 * @keep_stdout: -h/--help among EAL's arguments (EAL prints its usage and
 * exits).
 */
static int
eal_start(struct argbuf *ab, bool own_prefix, bool verbose, bool keep_stdout)
{
	struct eal_capture cap;
	char reason[512];
	char args[2048];
	bool getopt_msg;
	int ret;

	if (ab->err != 0) {
		owned_free();
		if (ab->err == -E2BIG) {
			NB_LOG(env, ERR, "more than %d EAL arguments",
			       NB_ENV_MAX_ARGS);
		}
		return ab->err;
	}
	ab->argv[ab->argc] = NULL;
	args_join(ab, args, sizeof(args));
	optind = 1;
	capture_begin(&cap, keep_stdout, !verbose);
	ret = rte_eal_init(ab->argc, ab->argv);
	capture_end(&cap);
	if (ret < 0) {
		int err = rte_errno != 0 ? rte_errno : EINVAL;

		capture_reason(&cap, ab->argv[0], reason, sizeof(reason),
			       &getopt_msg);
		capture_close(&cap);
		if (getopt_msg) {
			/* getopt said it: an option EAL does not know. */
			err = EINVAL;
			NB_LOG(env, ERR, "EAL option: %s (EAL options come first; "
			       "application options go after '--')",
			       reason);
		} else if (reason[0] != '\0') {
			NB_LOG(env, ERR, "EAL failed to start: %s (%s)",
			       reason, rte_strerror(err));
		} else {
			NB_LOG(env, ERR, "EAL failed to start: %s%s",
			       rte_strerror(err), !verbose ? "" :
			       err == EINVAL ? " (EAL's lines above say why; "
			       "application options go after '--')" :
			       " (EAL's lines above say why)");
		}
		/* EAL may have made the runtime directory before failing. */
		if (own_prefix) {
			runtime_dir_remove();
		}
		owned_free();
		/* EAL refuses a second init even after a failed one past its
		 * argument parsing; it says EALREADY then. */
		return -err;
	}
	capture_replay(&cap);
	capture_close(&cap);
	g_state = ENV_OWNED;
	g_own_prefix = own_prefix;
	log_eal_up(args);
	env_dma_setup();
	return ret;
}

/*
 * Parse an EAL log level as DPDK 22.11's eal_parse_log_priority() does: a
 * prefix of a name ("warn", "crit", "err"...), else a number in any base
 * strtoul() takes ("7", "0x7"); -1 when it is none.
 */
static int
log_level_parse(const char *s)
{
	static const char *const names[] = {
		[RTE_LOG_EMERG] = "emergency", [RTE_LOG_ALERT] = "alert",
		[RTE_LOG_CRIT] = "critical", [RTE_LOG_ERR] = "error",
		[RTE_LOG_WARNING] = "warning", [RTE_LOG_NOTICE] = "notice",
		[RTE_LOG_INFO] = "info", [RTE_LOG_DEBUG] = "debug",
	};
	size_t len = strlen(s);
	unsigned long v;
	char *end;
	int i;

	if (len == 0) {
		return -1;
	}
	for (i = (int)RTE_LOG_EMERG; i <= (int)RTE_LOG_DEBUG; i++) {
		if (strncmp(names[i], s, len) == 0) {
			return i;
		}
	}
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char)s[0]) ||
	    v < RTE_LOG_EMERG || v > RTE_LOG_DEBUG) {
		return -1;
	}
	return (int)v;
}

/*
 * nbkit's log levels, set before EAL parses its arguments so that the
 * user's --log-level options (parsed by EAL) override them: every type
 * registered so far at @level (nbkit's own never below notice: a quiet DPDK
 * keeps nbkit's notices) and, when @quiet, EAL's start-up warnings about
 * this machine (no 1 GB pages reported...) hidden. Type levels, not EAL's
 * global level: a global level filters every type, and a later
 * --log-level=nb.*:debug could then show nothing.
 */
static void
log_defaults(int level, bool quiet)
{
	rte_log_set_level_pattern("*", (uint32_t)level);
	if (quiet && level > (int)RTE_LOG_ERR) {
		rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_ERR);
	}
	if (level < (int)RTE_LOG_NOTICE) {
		rte_log_set_level_pattern("nb.*", RTE_LOG_NOTICE);
	}
}

/*
 * Telemetry registers its log type inside rte_eal_init() and takes the
 * level of the FIRST saved --log-level pattern that matches it, so this
 * goes after the user's arguments: theirs win. Without it, telemetry warns
 * on every start that it has no legacy socket.
 */
static void
push_quiet_telemetry(struct argbuf *ab)
{
	arg_push(ab, "--log-level=lib.telemetry:error");
}

/* Does an extra argument set EAL option @opt ("--opt" or "--opt=...")? */
static bool
extra_has(const struct nb_env_opts *o, const char *opt)
{
	size_t n = strlen(opt);
	unsigned int i;

	for (i = 0; i < o->nb_extra_args; i++) {
		if (strncmp(o->extra_args[i], opt, n) == 0 &&
		    (o->extra_args[i][n] == '\0' || o->extra_args[i][n] == '=')) {
			return true;
		}
	}
	return false;
}

/*
 * Does a vdev string name a vhost-user device (virtio_user, net_vhost)?
 * Its peer maps nbkit's memory through file descriptors, at most 8 regions
 * (VHOST_MEMORY_MAX_NREGIONS): with hugepages that needs
 * --single-file-segments, which nbkit then adds itself (without, one
 * memfd already backs all the memory).
 */
static bool
env_vdev_vhost(const char *v)
{
	return strncmp(v, "virtio_user", 11) == 0 ||
	       strncmp(v, "net_virtio_user", 15) == 0 ||
	       strncmp(v, "net_vhost", 9) == 0 || strncmp(v, "eth_vhost", 9) == 0;
}

int
nb_env_init(const struct nb_env_opts *opts)
{
	struct argbuf ab = { .argv = g_eal_argv };
	struct nb_env_opts o;
	bool huge, adopted, vhost = false;
	unsigned int i;
	int rc;

	/* Options first: a bad option never leaves anything behind. */
	rc = opts_check(&o, opts);
	if (rc != 0) {
		return rc;
	}
	rc = env_enter(&adopted);
	if (rc != 0 || adopted) {
		return rc;
	}

	huge = o.huge != NB_ENV_HUGE_OFF && env_hugepages_available();
	if (o.huge == NB_ENV_HUGE_ON && !huge) {
		NB_LOG(env, ERR, "hugepages asked for but none are free "
		       "(reserve some and mount hugetlbfs)");
		return -ENOMEM;
	}
	if (o.huge == NB_ENV_HUGE_AUTO && !huge) {
		NB_LOG(env, NOTICE, "no free hugepages: running with --no-huge "
		       "-m %u (run devtools/setup.sh as root to reserve some)",
		       o.mem_mb != NB_ENV_MEM_AUTO ? o.mem_mb :
		       (unsigned int)NB_ENV_NOHUGE_MEM_MB);
	}

	arg_push(&ab, o.name);
	if (o.core_list != NULL) {
		arg_push(&ab, "-l");
		arg_push(&ab, o.core_list);
	}
	if (o.main_lcore != NB_ENV_MAIN_LCORE_AUTO) {
		arg_pushf(&ab, "--main-lcore=%d", o.main_lcore);
	}
	if (!huge) {
		arg_push(&ab, "--no-huge");
	}
	if (o.mem_mb != NB_ENV_MEM_AUTO) {
		arg_pushf(&ab, "-m%u", o.mem_mb);
	} else if (!huge) {
		arg_pushf(&ab, "-m%u", (unsigned int)NB_ENV_NOHUGE_MEM_MB);
	}
	for (i = 0; i < o.nb_vdevs; i++) {
		arg_push(&ab, "--vdev");
		arg_push(&ab, o.vdevs[i]);
		vhost |= env_vdev_vhost(o.vdevs[i]);
	}
	if (huge && vhost && !extra_has(&o, "--single-file-segments")) {
		arg_push(&ab, "--single-file-segments");
	}
	for (i = 0; i < o.nb_pci_devs; i++) {
		arg_push(&ab, "-a");
		arg_push(&ab, o.pci_devs[i]);
	}
	if (o.nb_pci_devs == 0) {
		arg_push(&ab, "--no-pci");
		/* No device DMAs by physical address: IOVA as VA makes every
		 * block IOVA-contiguous. */
		if (!extra_has(&o, "--iova-mode")) {
			arg_push(&ab, "--iova-mode=va");
		}
	}
	/*
	 * A unique prefix keeps the runtime directory (telemetry socket)
	 * apart from every other DPDK process. Without multi-process, nothing
	 * is shared: --in-memory with hugepages, --no-shconf without (EAL
	 * refuses --in-memory with --no-huge).
	 */
	if (o.file_prefix != NULL) {
		snprintf(g_prefix, sizeof(g_prefix), "%s", o.file_prefix);
	} else {
		snprintf(g_prefix, sizeof(g_prefix), "nb%ld", (long)getpid());
	}
	arg_pushf(&ab, "--file-prefix=%s", g_prefix);
	if (!o.multi_process) {
		arg_push(&ab, huge ? "--in-memory" : "--no-shconf");
	}
	/* EAL's start-up warnings only when more than notice is asked for. */
	log_defaults(o.log_level, o.log_level <= (int)RTE_LOG_NOTICE);
	if (o.no_telemetry) {
		arg_push(&ab, "--no-telemetry");
	}
	for (i = 0; i < o.nb_extra_args; i++) {
		arg_push(&ab, o.extra_args[i]);
	}
	if (o.log_level <= (int)RTE_LOG_NOTICE) {
		push_quiet_telemetry(&ab);
	}

	/* Nothing else uses the runtime directory without multi-process. */
	rc = eal_start(&ab, o.file_prefix == NULL || !o.multi_process,
		       o.log_level > (int)RTE_LOG_NOTICE, false);
	return rc < 0 ? rc : 0;
}

/*
 * EAL options that take a value in the next argument when written without
 * '=' (long) or without the value glued on (short). Used to tell option
 * values from stray positional arguments before EAL runs.
 */
static const char eal_short_with_arg[] = "abcdlmnrsSw";
static const char *const eal_long_with_arg[] = {
	"allow", "block", "base-virtaddr", "file-prefix", "huge-dir",
	"iova-mode", "lcores", "log-level", "main-lcore", "master-lcore",
	"mbuf-pool-ops-name", "proc-type", "socket-mem", "socket-limit",
	"syslog", "vdev", "vfio-intr", "vfio-vf-token", "pci-whitelist",
	"pci-blacklist", "trace", "trace-dir", "trace-bufsz", "trace-mode",
	"force-max-simd-bitwidth", "service-corelist", "service-coremask",
	"coremask", "driver-path",
};

static bool
long_takes_arg(const char *name)
{
	unsigned int i;

	for (i = 0; i < NB_DIM(eal_long_with_arg); i++) {
		if (strcmp(name, eal_long_with_arg[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* What the user's EAL arguments already say. */
struct eal_said {
	bool pci;	/* -a/-b/--allow/--block/--no-pci */
	bool shconf;	/* --in-memory/--no-shconf */
	bool prefix;	/* --file-prefix */
	bool proc_type;	/* --proc-type */
	bool huge;	/* --no-huge/-m/--socket-mem/--huge-dir */
	bool no_huge;	/* --no-huge */
	bool mem;	/* -m/--socket-mem */
	bool log;	/* --log-level */
	bool iova;	/* --iova-mode */
	bool no_pci;	/* --no-pci */
	bool verbose;	/* -v */
	bool help;	/* -h/--help: EAL prints its usage and exits */
	bool vhost;	/* a --vdev of a vhost-user device (env_vdev_vhost()) */
	bool single;	/* --single-file-segments */
};


/* Does long option @arg ("--name" or "--name=value") name @opt? */
static bool
is_long(const char *arg, const char *opt)
{
	size_t n = strlen(opt);

	return strncmp(arg + 2, opt, n) == 0 &&
	       (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

/*
 * Scan the user's EAL arguments argv[1..n-1]; -EINVAL for a positional
 * argument (EAL would stop there and leave the rest unparsed).
 */
static int
eal_args_scan(int n, char **argv, struct eal_said *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 1; i < n; i++) {
		const char *a = argv[i];

		if (a == NULL) {
			NB_LOG(env, ERR, "argv[%d] is NULL", i);
			return -EINVAL;
		}
		if (a[0] != '-' || a[1] == '\0') {
			NB_LOG(env, ERR, "unexpected argument '%s' among the EAL "
			       "arguments (application arguments go after '--')",
			       a);
			return -EINVAL;
		}
		if (a[1] == '-') {
			char name[64];
			size_t len = strcspn(a + 2, "=");

			if (len >= sizeof(name)) {
				continue;	/* EAL will reject it */
			}
			memcpy(name, a + 2, len);
			name[len] = '\0';
			s->pci |= is_long(a, "allow") || is_long(a, "block") ||
				  is_long(a, "no-pci") ||
				  is_long(a, "pci-whitelist") ||
				  is_long(a, "pci-blacklist");
			s->shconf |= is_long(a, "in-memory") ||
				     is_long(a, "no-shconf");
			s->prefix |= is_long(a, "file-prefix");
			s->proc_type |= is_long(a, "proc-type");
			s->no_huge |= is_long(a, "no-huge");
			s->mem |= is_long(a, "socket-mem");
			s->huge |= is_long(a, "no-huge") ||
				   is_long(a, "socket-mem") ||
				   is_long(a, "huge-dir");
			s->log |= is_long(a, "log-level");
			s->iova |= is_long(a, "iova-mode");
			s->no_pci |= is_long(a, "no-pci");
			s->help |= is_long(a, "help");
			s->single |= is_long(a, "single-file-segments");
			if (is_long(a, "vdev")) {
				const char *v = a[2 + len] == '=' ? a + 3 + len :
					i + 1 < n ? argv[i + 1] : "";

				s->vhost |= v != NULL && env_vdev_vhost(v);
			}
			if (a[2 + len] == '\0' && long_takes_arg(name)) {
				i++;
			}
			continue;
		}
		/* Short option: -x, -xVALUE or -x VALUE. */
		switch (a[1]) {
		case 'a':
		case 'b':
		case 'w':
			s->pci = true;
			break;
		case 'm':
			s->mem = true;
			s->huge = true;
			break;
		case 'v':
			s->verbose = true;
			break;
		case 'h':
			s->help = true;
			break;
		default:
			break;
		}
		if (strchr(eal_short_with_arg, a[1]) != NULL && a[2] == '\0') {
			i++;
		}
	}
	return 0;
}

/*
 * Pass the user's EAL argument argv[*i] on (with its value when it takes
 * one in the next argument). A global --log-level=LEVEL becomes the type
 * pattern '*:LEVEL' (a global level would also filter nbkit's notices),
 * followed by nbkit's floor of notice for its own types when LEVEL is
 * below it.
 */
static void
user_arg_push(struct argbuf *ab, char **argv, int n, int *i)
{
	const char *a = argv[*i];
	const char *val = NULL;
	int level;

	if (strcmp(a, "--log-level") == 0 && *i + 1 < n) {
		val = argv[*i + 1];
	} else if (strncmp(a, "--log-level=", 12) == 0) {
		val = a + 12;
	}
	if (val == NULL || strchr(val, ':') != NULL || strchr(val, ',') != NULL ||
	    (level = log_level_parse(val)) < 0) {
		arg_push(ab, a);
		return;
	}
	if (val != a + 12) {
		(*i)++;		/* the value was the next argument */
	}
	arg_pushf(ab, "--log-level=*:%s", val);
	if (level < (int)RTE_LOG_NOTICE) {
		arg_push(ab, "--log-level=nb.*:notice");
	}
}

int
nb_env_init_args(int argc, char **argv)
{
	struct argbuf ab = { .argv = g_eal_argv };
	struct eal_said said;
	bool huge, adopted;
	int n, i, rc, ret;

	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		NB_LOG(env, ERR, "nb_env_init_args: argc must be >= 1 with "
		       "argv[0] the program name");
		return -EINVAL;
	}
	/* EAL's arguments end at the first "--". */
	for (n = 1; n < argc; n++) {
		if (argv[n] != NULL && strcmp(argv[n], "--") == 0) {
			break;
		}
	}
	rc = eal_args_scan(n, argv, &said);
	if (rc != 0) {
		return rc;
	}
	rc = env_enter(&adopted);
	if (rc != 0) {
		return rc;
	}
	if (!adopted) {
		huge = !said.no_huge && (said.huge || env_hugepages_available());
		if (!said.huge && !huge) {
			NB_LOG(env, NOTICE, "no free hugepages: running with "
			       "--no-huge -m %u (run devtools/setup.sh as root "
			       "to reserve some)",
			       (unsigned int)NB_ENV_NOHUGE_MEM_MB);
		}

		arg_push(&ab, argv[0]);
		if (!said.pci) {
			arg_push(&ab, "--no-pci");
		}
		/*
		 * IOVA as VA unless a PCI device may be probed (-a or -b
		 * without --no-pci) or --iova-mode is given: the same
		 * environment with and without an explicit --no-pci.
		 */
		if (!said.iova && (!said.pci || said.no_pci)) {
			arg_push(&ab, "--iova-mode=va");
		}
		if (!said.huge) {
			if (!huge) {
				arg_push(&ab, "--no-huge");
			}
		}
		if (!huge && !said.mem) {
			arg_pushf(&ab, "-m%u", (unsigned int)NB_ENV_NOHUGE_MEM_MB);
		}
		if (!said.prefix && !said.proc_type) {
			snprintf(g_prefix, sizeof(g_prefix), "nb%ld",
				 (long)getpid());
			arg_pushf(&ab, "--file-prefix=%s", g_prefix);
			if (!said.shconf) {
				arg_push(&ab, huge ? "--in-memory" : "--no-shconf");
			}
		}
		if (huge && said.vhost && !said.single) {
			arg_push(&ab, "--single-file-segments");
		}
		/* nbkit's levels first: the user's --log-level come after and win. */
		if (!said.verbose) {
			log_defaults(RTE_LOG_NOTICE, true);
		}
		for (i = 1; i < n; i++) {
			user_arg_push(&ab, argv, n, &i);
		}
		if (!said.verbose) {
			push_quiet_telemetry(&ab);
		}
		ret = eal_start(&ab, !said.prefix && !said.proc_type,
				said.verbose || said.log, said.help);
		if (ret < 0) {
			return ret;
		}
	}
	/* Same contract as rte_eal_init(): argv[ret] is the program name. */
	ret = n < argc ? n : argc - 1;
	argv[ret] = argv[0];
	return ret;
}

bool
nb_env_is_initialized(void)
{
	return g_state == ENV_OWNED || g_state == ENV_ADOPTED;
}

bool
nb_env_has_hugepages(void)
{
	return nb_env_is_initialized() && rte_eal_has_hugepages() != 0;
}

int
nb_env_fini(void)
{
	if (g_state == ENV_ADOPTED) {
		/* The application owns EAL; nbkit started nothing of it. */
		g_state = ENV_DOWN;
		return 0;
	}
	if (g_state != ENV_OWNED) {
		return -EALREADY;
	}
	env_dma_release_all();
	if (g_own_prefix) {
		runtime_dir_remove();
	}
	rte_eal_cleanup();
	owned_free();
	g_state = ENV_DONE;
	return 0;
}
