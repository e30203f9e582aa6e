/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Functional test: nbkit's pool telemetry read by DPDK's own client.
 *
 * The test process forks. The child is the DPDK application: it brings the
 * environment up under its own file prefix, creates a fast and an accounted
 * pool, takes buffers, and runs Debian's dpdk-telemetry.py against itself,
 * checking the JSON it prints for /nbkit/pool/list and /nbkit/pool/info
 * (and that an unknown pool gets a null reply, not a crash). Then it frees
 * everything, destroys the pools and calls nb_env_fini(). The parent never
 * touches DPDK: once the child has exited it checks that nothing is left in
 * the child's runtime directory.
 *
 * Exit codes: 0 passed, 1 failed (each failure is one "FAIL" line; a
 * missing dpdk-telemetry.py or python3 is a failure, since
 * devtools/setup.sh installs them). NB_TEST_NO_HUGE set:
 * the child runs with --no-huge.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "nb_env.h"
#include "nb_pool.h"

extern char **environ;

#define TEL_SCRIPT "/usr/bin/dpdk-telemetry.py"
#define TEL_SOCKET "dpdk_telemetry.v2"

#define EXIT_PASS 0
#define EXIT_FAIL 1

#define POOL_FAST "tel_fast"
#define POOL_ACCT "tel_acct"
#define POOL_NONE "tel_nosuchpool"
#define POOL_SIZE 1024u
#define NB_TAKEN 10u

/* Seconds one run of the script may take before it is killed. */
#define SCRIPT_TIMEOUT_S 30
/* Seconds the whole child may take (meson's timeout is 120). */
#define CHILD_TIMEOUT_S 100
/* Most output kept from one run of the script. */
#define OUT_MAX (256u * 1024u)
/* Most replies parsed from one run. */
#define MAX_REPLIES 16

static char g_prefix[64];
static unsigned int g_fails;

static void __attribute__((format(printf, 2, 3)))
fail_at(int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pool_telemetry: FAIL (line %d): ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	g_fails++;
}

#define FAIL(...) fail_at(__LINE__, __VA_ARGS__)

/* CHECK(cond, fmt, ...): a FAIL line unless cond holds; returns cond. */
#define CHECK(cond, ...) ((cond) ? true : (FAIL(__VA_ARGS__), false))

/*
 * Runtime directory of a DPDK process with @prefix, as dpdk-telemetry.py
 * computes it (and EAL does): /var/run for root, else $XDG_RUNTIME_DIR or
 * /tmp, then "dpdk/<prefix>". The script also honours $RUNTIME_DIRECTORY,
 * which EAL does not; the child removes it from the script's environment.
 */
static void
expected_runtime_dir(char *buf, size_t len, const char *prefix)
{
	const char *base = "/var/run";

	if (getuid() != 0) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL) {
			base = "/tmp";
		}
	}
	snprintf(buf, len, "%s/dpdk/%s", base, prefix);
}

/* Is @name an executable in $PATH? */
static bool
in_path(const char *name)
{
	const char *path = getenv("PATH");
	char file[PATH_MAX];
	const char *p, *end;

	if (path == NULL || path[0] == '\0') {
		path = "/usr/local/bin:/usr/bin:/bin";
	}
	for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		size_t n;

		end = strchr(p, ':');
		if (end == NULL) {
			end = p + strlen(p);
		}
		n = (size_t)(end - p);
		if (n == 0) {
			continue;
		}
		snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, name);
		if (access(file, X_OK) == 0) {
			return true;
		}
	}
	return false;
}

/* ---- running dpdk-telemetry.py ------------------------------------------ */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* environ without RUNTIME_DIRECTORY (see expected_runtime_dir()). */
static char **
script_env(void)
{
	static const char skip[] = "RUNTIME_DIRECTORY=";
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n] != NULL) {
		n++;
	}
	env = calloc(n + 1, sizeof(*env));
	if (env == NULL) {
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], skip, sizeof(skip) - 1) != 0) {
			env[j++] = environ[i];
		}
	}
	env[j] = NULL;
	return env;
}

static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Read @fd until EOF into a malloc'd NUL-terminated string (at most
 * OUT_MAX bytes kept). Returns false on timeout.
 */
static bool
read_all(int fd, char **out, long long deadline_ms)
{
	size_t len = 0;
	char *buf;

	buf = malloc(OUT_MAX + 1);
	*out = buf;
	if (buf == NULL) {
		return true;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline_ms - now_ms();
		char tmp[4096];
		ssize_t n;
		int r;

		if (left <= 0) {
			buf[len] = '\0';
			return false;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			continue;
		}
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		if (len < OUT_MAX) {
			size_t take = (size_t)n;

			if (take > OUT_MAX - len) {
				take = OUT_MAX - len;
			}
			memcpy(buf + len, tmp, take);
			len += take;
		}
	}
	buf[len] = '\0';
	return true;
}

/*
 * Run `dpdk-telemetry.py -f <prefix>` with @cmds on its stdin; its stdout
 * and stderr go to *out (malloc'd, the caller frees it). Returns true when
 * it ran and exited 0 within SCRIPT_TIMEOUT_S.
 */
static bool
run_script(const char *cmds, char **out)
{
	char script[] = TEL_SCRIPT;
	char opt_f[] = "-f";
	char *argv[] = { script, opt_f, g_prefix, NULL };
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 };
	int outp[2] = { -1, -1 };
	bool ok = false;
	bool done;
	char **env;
	pid_t pid;
	int status;
	int ret;

	*out = NULL;
	env = script_env();
	if (env == NULL) {
		FAIL("out of memory");
		return false;
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0) {
		FAIL("pipe2: %s", strerror(errno));
		goto out_close;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDERR_FILENO);
	ret = posix_spawn(&pid, TEL_SCRIPT, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (ret != 0) {
		FAIL("posix_spawn(%s): %s", TEL_SCRIPT, strerror(ret));
		goto out_close;
	}
	close(in[0]);
	close(outp[1]);
	in[0] = -1;
	outp[1] = -1;

	/* The commands fit in the pipe: this never waits for the script. */
	if (!write_all(in[1], cmds, strlen(cmds))) {
		FAIL("writing the commands to the script: %s", strerror(errno));
	}
	close(in[1]);
	in[1] = -1;

	done = read_all(outp[0], out, now_ms() + SCRIPT_TIMEOUT_S * 1000);
	if (!done) {
		FAIL("%s did not finish in %d s; killed", TEL_SCRIPT,
		     SCRIPT_TIMEOUT_S);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			FAIL("waitpid: %s", strerror(errno));
			goto out_close;
		}
	}
	if (*out == NULL) {
		FAIL("out of memory");
	} else if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ok = true;
	} else if (done) {
		FAIL("%s -f %s: wait status 0x%x; output:\n%s", TEL_SCRIPT,
		     g_prefix, (unsigned int)status, *out);
	}
out_close:
	if (in[0] >= 0) {
		close(in[0]);
	}
	if (in[1] >= 0) {
		close(in[1]);
	}
	if (outp[0] >= 0) {
		close(outp[0]);
	}
	if (outp[1] >= 0) {
		close(outp[1]);
	}
	free(env);
	return ok;
}

/* ---- parsing its output ------------------------------------------------- */

/*
 * One reply: a top-level JSON object {"<command>": <value>} as the script
 * prints it (one line, or indented when it thinks it talks to a person,
 * perhaps after a "--> " prompt).
 */
struct reply {
	char cmd[64];	/* the object's first key */
	char *value;	/* its value, trimmed (malloc'd) */
};

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
			   *p == '\r')) {
		p++;
	}
	return p;
}

/* End of the JSON string that starts at @p (a quote), past its quote. */
static const char *
string_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			p++;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

/* End of the object that starts at @p (a '{'), past its '}'; NULL if cut. */
static const char *
object_end(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		if (*p == '"') {
			p = string_end(p, end);
			if (p == NULL) {
				return NULL;
			}
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			if (depth == 0) {
				return p + 1;
			}
		}
		p++;
	}
	return NULL;
}

/* Split a {"key": value} object into @r; false when it is not one. */
static bool
reply_parse(const char *obj, const char *end, struct reply *r)
{
	const char *p = skip_ws(obj + 1, end);
	const char *k, *v, *vend;
	size_t n;

	if (p >= end || *p != '"') {
		return false;
	}
	k = p + 1;
	p = string_end(p, end);
	if (p == NULL) {
		return false;
	}
	n = (size_t)(p - 1 - k);
	if (n >= sizeof(r->cmd)) {
		n = sizeof(r->cmd) - 1;
	}
	memcpy(r->cmd, k, n);
	r->cmd[n] = '\0';
	p = skip_ws(p, end);
	if (p >= end || *p != ':') {
		return false;
	}
	v = skip_ws(p + 1, end);
	vend = end - 1; /* the closing '}' */
	while (vend > v && (vend[-1] == ' ' || vend[-1] == '\n' ||
			    vend[-1] == '\t' || vend[-1] == '\r')) {
		vend--;
	}
	r->value = strndup(v, (size_t)(vend - v));
	return r->value != NULL;
}

/*
 * Every top-level JSON object of @out whose first key is a command
 * ("/..."), in order. Anything else (prompts, "Connecting to", the
 * connection banner) is skipped.
 */
static unsigned int
replies_parse(const char *out, struct reply *r, unsigned int max)
{
	const char *end = out + strlen(out);
	const char *p = out;
	unsigned int n = 0;

	while (n < max && (p = memchr(p, '{', (size_t)(end - p))) != NULL) {
		const char *oend = object_end(p, end);

		if (oend == NULL) {
			break;
		}
		if (reply_parse(p, oend, &r[n])) {
			if (r[n].cmd[0] == '/') {
				n++;
			} else {
				free(r[n].value);
			}
		}
		p = oend;
	}
	return n;
}

static void
replies_free(struct reply *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		free(r[i].value);
		r[i].value = NULL;
	}
}

/* Where the value of "field" starts in object @obj, or NULL. */
static const char *
field_value(const char *obj, const char *field)
{
	size_t n = strlen(field);
	const char *p = obj;
	const char *end = obj + strlen(obj);

	while ((p = strchr(p, '"')) != NULL) {
		const char *s = string_end(p, end);

		if (s == NULL) {
			return NULL;
		}
		if ((size_t)(s - p) == n + 2 && memcmp(p + 1, field, n) == 0) {
			s = skip_ws(s, end);
			if (s < end && *s == ':') {
				return skip_ws(s + 1, end);
			}
		}
		p = s;
	}
	return NULL;
}

/* Integer field of an object; false when absent or not a number. */
static bool
field_u64(const char *obj, const char *field, uint64_t *v)
{
	const char *p = field_value(obj, field);
	char *e;

	if (p == NULL || *p < '0' || *p > '9') {
		return false;
	}
	errno = 0;
	*v = strtoull(p, &e, 10);
	return errno == 0 && e != p;
}

/* String field of an object (no escapes expected); false when absent. */
static bool
field_str(const char *obj, const char *field, char *buf, size_t len)
{
	const char *p = field_value(obj, field);
	const char *q;

	if (p == NULL || *p != '"') {
		return false;
	}
	q = strchr(p + 1, '"');
	if (q == NULL || (size_t)(q - p - 1) >= len) {
		return false;
	}
	memcpy(buf, p + 1, (size_t)(q - p - 1));
	buf[q - p - 1] = '\0';
	return true;
}

/* Does the JSON array @arr hold the string @s? */
static bool
array_has(const char *arr, const char *s)
{
	char q[NB_POOL_NAMESIZE + 3];

	snprintf(q, sizeof(q), "\"%s\"", s);
	return arr[0] == '[' && strstr(arr, q) != NULL;
}

static void
check_u64(const struct reply *r, const char *pool, const char *field,
	  uint64_t want)
{
	uint64_t v;

	if (!field_u64(r->value, field, &v)) {
		FAIL("%s info: no integer \"%s\" in %s", pool, field, r->value);
	} else {
		CHECK(v == want, "%s info: \"%s\": %" PRIu64 ", expected %"
		      PRIu64, pool, field, v, want);
	}
}

static void
check_str(const struct reply *r, const char *pool, const char *field,
	  const char *want)
{
	char v[64];

	if (!field_str(r->value, field, v, sizeof(v))) {
		FAIL("%s info: no string \"%s\" in %s", pool, field, r->value);
	} else {
		CHECK(strcmp(v, want) == 0, "%s info: \"%s\": \"%s\", "
		      "expected \"%s\"", pool, field, v, want);
	}
}

/* Reply @i is to @cmd; false (one FAIL line) otherwise. */
static bool
reply_is(const struct reply *r, unsigned int nb, unsigned int i,
	 const char *cmd)
{
	if (i >= nb) {
		FAIL("no reply %u (%s): the script printed %u replies", i + 1,
		     cmd, nb);
		return false;
	}
	return CHECK(strcmp(r[i].cmd, cmd) == 0, "reply %u is to \"%s\", "
		     "expected \"%s\"", i + 1, r[i].cmd, cmd);
}

/*
 * Run the script with @cmds and parse its replies; expects @want replies.
 * Returns how many were parsed (0 when the script failed).
 */
static unsigned int
query(const char *what, const char *cmds, struct reply *r, unsigned int want)
{
	unsigned int n;
	char *out;

	if (!run_script(cmds, &out)) {
		free(out);
		return 0;
	}
	printf("--- %s: %s -f %s output:\n%s---\n", what, TEL_SCRIPT, g_prefix,
	       out);
	fflush(stdout);
	CHECK(strstr(out, "Error connecting") == NULL,
	      "%s: the script could not connect to the telemetry socket",
	      what);
	CHECK(strstr(out, "Traceback") == NULL, "%s: the script failed",
	      what);
	n = replies_parse(out, r, MAX_REPLIES);
	CHECK(n == want, "%s: %u replies in the script's output, expected %u",
	      what, n, want);
	free(out);
	return n;
}

/* ---- the application (child) -------------------------------------------- */

/* The socket where the script will look for it, as EAL made it. */
static void
check_socket(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	char want[PATH_MAX];
	char sock[PATH_MAX + 32];
	struct stat st;

	expected_runtime_dir(want, sizeof(want), g_prefix);
	if (!CHECK(dir != NULL && strcmp(dir, want) == 0,
		   "EAL's runtime directory is %s, dpdk-telemetry.py looks "
		   "in %s", dir != NULL ? dir : "(none)", want)) {
		return;
	}
	snprintf(sock, sizeof(sock), "%s/%s", want, TEL_SOCKET);
	if (!CHECK(stat(sock, &st) == 0, "%s: %s", sock, strerror(errno))) {
		return;
	}
	CHECK(S_ISSOCK(st.st_mode), "%s is not a socket", sock);
	printf("telemetry socket: %s\n", sock);
}

/* Informational: is the socket still there after nb_env_fini()? */
static void
print_socket_state(void)
{
	char dir[PATH_MAX];
	char sock[PATH_MAX + 32];

	expected_runtime_dir(dir, sizeof(dir), g_prefix);
	snprintf(sock, sizeof(sock), "%s/%s", dir, TEL_SOCKET);
	printf("after nb_env_fini: %s %s\n", sock, access(sock, F_OK) == 0 ?
	       "still there (DPDK removes it at exit)" : "removed");
}

static struct nb_pool *
pool_create(const char *name, enum nb_pool_mode mode)
{
	struct nb_pool_opts o;
	struct nb_pool *p;

	nb_pool_opts_init(&o, sizeof(o));
	o.mode = mode;
	p = nb_pool_create(name, POOL_SIZE, &o);
	CHECK(p != NULL, "nb_pool_create(%s, %u): %s", name, POOL_SIZE,
	      rte_strerror(rte_errno));
	return p;
}

/* Replies with buffers out: list, both pools, an unknown and no name. */
static void
check_busy(void)
{
	static const char cmds[] =
		"/nbkit/pool/list\n"
		"/nbkit/pool/info," POOL_ACCT "\n"
		"/nbkit/pool/info," POOL_NONE "\n"
		"/nbkit/pool/info\n"
		"/nbkit/pool/info," POOL_FAST "\n"
		"/nbkit/pool/list\n";
	struct reply r[MAX_REPLIES];
	unsigned int n;

	n = query("10 buffers out", cmds, r, 6);
	if (reply_is(r, n, 0, "/nbkit/pool/list")) {
		CHECK(array_has(r[0].value, POOL_FAST) &&
		      array_has(r[0].value, POOL_ACCT),
		      "list: %s lacks \"%s\" or \"%s\"", r[0].value,
		      POOL_FAST, POOL_ACCT);
	}
	if (reply_is(r, n, 1, "/nbkit/pool/info")) {
		check_str(&r[1], POOL_ACCT, "name", POOL_ACCT);
		check_str(&r[1], POOL_ACCT, "mode", "accounted");
		check_u64(&r[1], POOL_ACCT, "size", POOL_SIZE);
		check_u64(&r[1], POOL_ACCT, "in_use", NB_TAKEN);
		check_u64(&r[1], POOL_ACCT, "avail", POOL_SIZE - NB_TAKEN);
		check_u64(&r[1], POOL_ACCT, "allocs", NB_TAKEN);
		check_u64(&r[1], POOL_ACCT, "frees", 0);
	}
	/* An unknown pool and a missing name: DPDK's error reply, null. */
	if (reply_is(r, n, 2, "/nbkit/pool/info")) {
		CHECK(strcmp(r[2].value, "null") == 0 ||
		      strstr(r[2].value, "error") != NULL,
		      "info of an unknown pool: %s, expected null or an error",
		      r[2].value);
	}
	if (reply_is(r, n, 3, "/nbkit/pool/info")) {
		CHECK(strcmp(r[3].value, "null") == 0 ||
		      strstr(r[3].value, "error") != NULL,
		      "info without a pool name: %s, expected null or an "
		      "error", r[3].value);
	}
	/* The server still answers on the same connection. */
	if (reply_is(r, n, 4, "/nbkit/pool/info")) {
		check_str(&r[4], POOL_FAST, "name", POOL_FAST);
		check_str(&r[4], POOL_FAST, "mode", "fast");
		check_u64(&r[4], POOL_FAST, "size", POOL_SIZE);
		check_u64(&r[4], POOL_FAST, "in_use", 0);
	}
	if (reply_is(r, n, 5, "/nbkit/pool/list")) {
		CHECK(array_has(r[5].value, POOL_ACCT),
		      "list after the unknown pool: %s lacks \"%s\"",
		      r[5].value, POOL_ACCT);
	}
	replies_free(r, n);
}

/* After the buffers came back: exact counters of the accounted pool. */
static void
check_idle(void)
{
	static const char cmds[] = "/nbkit/pool/info," POOL_ACCT "\n";
	struct reply r[MAX_REPLIES];
	unsigned int n;

	n = query("buffers back", cmds, r, 1);
	if (reply_is(r, n, 0, "/nbkit/pool/info")) {
		check_u64(&r[0], POOL_ACCT, "in_use", 0);
		check_u64(&r[0], POOL_ACCT, "avail", POOL_SIZE);
		check_u64(&r[0], POOL_ACCT, "allocs", NB_TAKEN);
		check_u64(&r[0], POOL_ACCT, "frees", NB_TAKEN);
	}
	replies_free(r, n);
}

/* After destroy: telemetry no longer lists (or reads) the pools. */
static void
check_gone(void)
{
	static const char cmds[] =
		"/nbkit/pool/list\n"
		"/nbkit/pool/info," POOL_ACCT "\n";
	struct reply r[MAX_REPLIES];
	unsigned int n;

	n = query("pools destroyed", cmds, r, 2);
	if (reply_is(r, n, 0, "/nbkit/pool/list")) {
		CHECK(!array_has(r[0].value, POOL_FAST) &&
		      !array_has(r[0].value, POOL_ACCT),
		      "list after destroy: %s", r[0].value);
	}
	if (reply_is(r, n, 1, "/nbkit/pool/info")) {
		CHECK(strcmp(r[1].value, "null") == 0 ||
		      strstr(r[1].value, "error") != NULL,
		      "info of a destroyed pool: %s, expected null or an "
		      "error", r[1].value);
	}
	replies_free(r, n);
}

static int
app_main(void)
{
	const char *nohuge = getenv("NB_TEST_NO_HUGE");
	struct rte_mbuf *m[NB_TAKEN];
	struct nb_pool *fast = NULL, *acct = NULL;
	struct nb_env_opts o;
	bool taken = false;
	int ret;

	signal(SIGPIPE, SIG_IGN); /* a script that dies early */
	alarm(CHILD_TIMEOUT_S);
	nb_env_opts_init(&o, sizeof(o));
	o.name = "pool_telemetry";
	o.file_prefix = g_prefix;
	o.multi_process = false;
	o.log_level = RTE_LOG_WARNING;
	o.huge = nohuge != NULL && nohuge[0] != '\0' && strcmp(nohuge, "0") != 0 ?
		NB_ENV_HUGE_OFF : NB_ENV_HUGE_AUTO;
	ret = nb_env_init(&o);
	if (ret != 0) {
		FAIL("nb_env_init(file_prefix %s): %s", g_prefix,
		     strerror(-ret));
		return EXIT_FAIL;
	}
	printf("EAL up: file prefix %s, %s\n", g_prefix,
	       nb_env_has_hugepages() ? "hugepages" : "no hugepages");
	check_socket();

	fast = pool_create(POOL_FAST, NB_POOL_MODE_FAST);
	acct = pool_create(POOL_ACCT, NB_POOL_MODE_ACCOUNTED);
	if (fast == NULL || acct == NULL) {
		goto out;
	}
	ret = nb_pool_alloc_bulk(acct, m, NB_TAKEN);
	if (!CHECK(ret == 0, "nb_pool_alloc_bulk(%s, %u): %d", POOL_ACCT,
		   NB_TAKEN, ret)) {
		goto out;
	}
	taken = true;

	check_busy();
	rte_pktmbuf_free_bulk(m, NB_TAKEN);
	taken = false;
	check_idle();

	ret = nb_pool_destroy(fast, false);
	CHECK(ret == 0, "nb_pool_destroy(%s): %d", POOL_FAST, ret);
	fast = ret == 0 ? NULL : fast;
	ret = nb_pool_destroy(acct, false);
	CHECK(ret == 0, "nb_pool_destroy(%s): %d", POOL_ACCT, ret);
	acct = ret == 0 ? NULL : acct;
	if (fast == NULL && acct == NULL) {
		check_gone();
	}
out:
	if (taken) {
		rte_pktmbuf_free_bulk(m, NB_TAKEN);
	}
	nb_pool_destroy(fast, true);
	nb_pool_destroy(acct, true);
	ret = nb_env_fini();
	CHECK(ret == 0, "nb_env_fini: %d", ret);
	print_socket_state();
	return g_fails == 0 ? EXIT_PASS : EXIT_FAIL;
}

/* ---- the harness (parent) ----------------------------------------------- */

/*
 * Nothing of the child may be left in its runtime directory: each entry
 * still there (the telemetry sockets) is one FAIL line, and is removed so
 * that a failing run does not litter. The directory itself may stay:
 * nb_env_fini() removes only a runtime directory whose prefix nbkit chose
 * (file_prefix NULL); a prefix the caller gave is the caller's, and EAL
 * never removes its directory. An empty one is removed here.
 */
static void
check_runtime_dir_gone(void)
{
	char dir[PATH_MAX];
	char path[PATH_MAX + 256];
	unsigned int left = 0;
	struct dirent *e;
	DIR *d;

	expected_runtime_dir(dir, sizeof(dir), g_prefix);
	d = opendir(dir);
	if (d == NULL) {
		CHECK(errno == ENOENT, "%s: %s", dir, strerror(errno));
		printf("after exit: %s is gone\n", dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0) {
			continue;
		}
		FAIL("after exit: %s/%s is left behind (removed now)", dir,
		     e->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
		left++;
	}
	closedir(d);
	if (left == 0) {
		printf("after exit: %s is empty (the caller's prefix: "
		       "nb_env_fini() leaves the directory; removed now)\n",
		       dir);
	}
	CHECK(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
}

int
main(void)
{
	int status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(TEL_SCRIPT, X_OK) != 0) {
		printf("FAIL: %s not found: apt-get install dpdk-dev (or run "
		       "devtools/setup.sh)\n", TEL_SCRIPT);
		return 1;
	}
	if (!in_path("python3")) {
		printf("FAIL: no python3 in PATH for %s: apt-get install "
		       "python3 (dpdk-dev depends on it)\n", TEL_SCRIPT);
		return 1;
	}
	snprintf(g_prefix, sizeof(g_prefix), "nbtel%ld", (long)getpid());

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "pool_telemetry: FAIL: fork: %s\n",
			strerror(errno));
		return EXIT_FAIL;
	}
	if (pid == 0) {
		int code = app_main();

		fflush(stdout);
		fflush(stderr);
		exit(code);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			FAIL("waitpid: %s", strerror(errno));
			return EXIT_FAIL;
		}
	}
	if (WIFSIGNALED(status)) {
		FAIL("the application was killed by signal %d (%s)%s",
		     WTERMSIG(status), strsignal(WTERMSIG(status)),
		     WTERMSIG(status) == SIGALRM ? ": timed out" : "");
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_PASS) {
		FAIL("the application exited with status %d",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	check_runtime_dir_gone();
	if (g_fails != 0) {
		fprintf(stderr, "pool_telemetry: FAILED\n");
		return EXIT_FAIL;
	}
	printf("pool_telemetry: PASS\n");
	return EXIT_PASS;
}
