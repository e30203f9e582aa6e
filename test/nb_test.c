/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit helpers of nbkit's tests (see nb_test.h).
 */
#include <errno.h>
#include <sched.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "nb_test.h"

/** A child exits with at most this many failures as its code. */
#define CHILD_MAX_FAILS 100
/** Seconds the parent waits past the child's alarm before SIGKILL. */
#define CHILD_KILL_GRACE_S 10
/** First word of a child's report ("nbtc"). */
#define CHILD_REPORT_MAGIC 0x6e627463u

/** What a child writes to its parent once the body has returned. */
struct child_report {
	uint32_t magic;	   /**< CHILD_REPORT_MAGIC */
	uint32_t asserts;  /**< assertions the body made */
	uint32_t failures; /**< of which failed */
	uint32_t aborted;  /**< 1: CU_ASSERT_FATAL ended the body */
};

bool
nb_test_assert_fmt(bool ok, const char *file, unsigned int line,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* CUnit copies the condition text into its failure record. */
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file, "",
				CU_FALSE);
	return ok;
}

/* " (EINVAL)" for a small negative errno value, "" otherwise. */
static const char *
errno_suffix(long long v, char *buf, size_t len)
{
	const char *name;

	if (v >= 0 || v <= -4096) {
		return "";
	}
	name = strerrorname_np((int)-v);
	if (name == NULL) {
		return "";
	}
	snprintf(buf, len, " (-%s)", name);
	return buf;
}

bool
nb_test_assert_int_eq(long long actual, long long expected, const char *what,
		      const char *file, unsigned int line)
{
	char a[48];
	char e[48];

	if (actual == expected) {
		CU_assertImplementation(CU_TRUE, line, what, file, "",
					CU_FALSE);
		return true;
	}
	return nb_test_assert_fmt(false, file, line,
				  "%s: got %lld%s, expected %lld%s", what,
				  actual, errno_suffix(actual, a, sizeof(a)),
				  expected,
				  errno_suffix(expected, e, sizeof(e)));
}

static CU_pFailureRecord
last_failure(void)
{
	CU_pFailureRecord f = CU_get_failure_list();

	while (f != NULL && f->pNext != NULL) {
		f = f->pNext;
	}
	return f;
}

/*
 * Run the body with CU_ASSERT_FATAL jumping back here instead of into
 * CUnit's runner (which would go on running the suite in the child).
 * Returns false when a fatal assertion ended the body.
 */
static bool
run_body(void (*body)(void))
{
	CU_pTest test = CU_get_current_test();
	jmp_buf fatal;

	if (setjmp(fatal) != 0) {
		return false;
	}
	if (test != NULL) {
		test->pJumpBuf = &fatal;
	}
	body();
	return true;
}

static void
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void __attribute__((noreturn))
child_main(void (*body)(void), const char *name, unsigned int timeout_s, int fd)
{
	struct child_report rep = { .magic = CHILD_REPORT_MAGIC };
	CU_pFailureRecord before = last_failure();
	unsigned int asserts0 = CU_get_number_of_asserts();
	unsigned int fails0 = CU_get_number_of_failures();
	CU_pFailureRecord f;

	signal(SIGALRM, SIG_DFL); /* in case the parent ignores it */
	alarm(timeout_s);
	rep.aborted = run_body(body) ? 0 : 1;
	alarm(0);

	rep.asserts = CU_get_number_of_asserts() - asserts0;
	rep.failures = CU_get_number_of_failures() - fails0;
	fflush(stdout);
	f = before != NULL ? before->pNext : CU_get_failure_list();
	if (f != NULL) {
		fprintf(stderr, "\n"); /* CUnit's "Test: x ..." has none */
	}
	for (; f != NULL; f = f->pNext) {
		fprintf(stderr, "[child %s] %s:%u: %s\n", name,
			f->strFileName != NULL ? f->strFileName : "?",
			f->uiLineNumber,
			f->strCondition != NULL ? f->strCondition : "?");
	}
	fflush(stderr);
	write_all(fd, &rep, sizeof(rep));
	close(fd);
	/* No atexit handlers or destructors: they belong to the parent. */
	_exit((int)RTE_MIN(rep.failures, (uint32_t)CHILD_MAX_FAILS));
}

static long long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * Read the child's report until EOF (the child has exited) or until
 * @limit_s seconds have passed. Returns false on timeout.
 */
static bool
read_report(int fd, struct child_report *rep, size_t *len, unsigned int limit_s)
{
	long long limit_ms = (long long)limit_s * 1000;
	struct timespec start;
	char buf[256];

	*len = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = limit_ms - elapsed_ms(&start);
		ssize_t n;
		int r;

		if (left <= 0) {
			return false;
		}
		r = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			return true; /* waitpid() will block instead */
		}
		if (r == 0) {
			continue;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return true;
		}
		if (*len < sizeof(*rep)) {
			size_t take = RTE_MIN((size_t)n, sizeof(*rep) - *len);

			memcpy((char *)rep + *len, buf, take);
			*len += take;
		}
	}
}

/*
 * Why the child failed, into @msg; true when it passed: it exited 0 after
 * the body returned with no failed assertion.
 */
static bool
child_verdict(char *msg, size_t len, int status, bool exited,
	      const struct child_report *rep, bool have_rep,
	      unsigned int timeout_s)
{
	if (!exited) {
		snprintf(msg, len, "hung %u s despite its alarm, killed",
			 timeout_s + CHILD_KILL_GRACE_S);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		snprintf(msg, len, "timed out after %u s", timeout_s);
	} else if (WIFSIGNALED(status)) {
		snprintf(msg, len, "killed by signal %d (%s)%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)),
			 have_rep ? " after the body returned" : "");
	} else if (!WIFEXITED(status)) {
		snprintf(msg, len, "wait status 0x%x", (unsigned int)status);
	} else if (!have_rep) {
		snprintf(msg, len,
			 "exited with code %d before the body returned",
			 WEXITSTATUS(status));
	} else if (rep->failures != 0 || WEXITSTATUS(status) != 0) {
		snprintf(msg, len,
			 "%u of %u assertions failed%s (exit code %d)",
			 rep->failures, rep->asserts,
			 rep->aborted ? ", a fatal one ended the body" : "",
			 WEXITSTATUS(status));
	} else {
		snprintf(msg, len, "passed");
		return true;
	}
	return false;
}

bool
nb_test_child_run(void (*body)(void), const char *name, unsigned int timeout_s,
		  const char *file, unsigned int line)
{
	struct child_report rep;
	unsigned int limit_s;
	char msg[256];
	bool have_rep;
	bool exited;
	size_t len;
	int fds[2];
	int status;
	pid_t pid;
	bool ok;

	if (timeout_s == 0) {
		timeout_s = NB_TEST_CHILD_TIMEOUT_S;
	}
	if (pipe(fds) != 0) {
		return nb_test_assert_fmt(false, file, line,
					  "child %s: pipe: %s", name,
					  strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		return nb_test_assert_fmt(false, file, line,
					  "child %s: fork: %s", name,
					  strerror(err));
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(body, name, timeout_s, fds[1]);
	}
	close(fds[1]);

	memset(&rep, 0, sizeof(rep));
	limit_s = timeout_s + CHILD_KILL_GRACE_S;
	exited = read_report(fds[0], &rep, &len, limit_s);
	close(fds[0]);
	if (!exited) {
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return nb_test_assert_fmt(false, file, line,
						  "child %s: waitpid: %s", name,
						  strerror(errno));
		}
	}
	have_rep = len == sizeof(rep) && rep.magic == CHILD_REPORT_MAGIC;
	ok = child_verdict(msg, sizeof(msg), status, exited, &rep, have_rep,
			   timeout_s);
	return nb_test_assert_fmt(ok, file, line, "child %s: %s", name, msg);
}

static bool
name_selected(const char *name, int nb_names, char **names)
{
	int i;

	if (nb_names == 0) {
		return true;
	}
	for (i = 0; i < nb_names; i++) {
		if (strcmp(name, names[i]) == 0) {
			return true;
		}
	}
	return false;
}

static bool
name_known(const char *name, const CU_TestInfo *tests)
{
	const CU_TestInfo *t;

	for (t = tests; t->pName != NULL; t++) {
		if (strcmp(name, t->pName) == 0) {
			return true;
		}
	}
	return false;
}

static int
run_tests(const char *suite_name, const CU_TestInfo *tests, int nb_names,
	  char **names)
{
	unsigned int nb_added = 0;
	const CU_TestInfo *t;
	unsigned int run;
	unsigned int asserts;
	CU_ErrorCode err;
	CU_pSuite suite;
	int ret;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: CUnit registry: %s\n", suite_name,
			CU_get_error_msg());
		return NB_TEST_EXIT_ERROR;
	}
	suite = CU_add_suite(suite_name, NULL, NULL);
	if (suite == NULL) {
		fprintf(stderr, "%s: CU_add_suite: %s\n", suite_name,
			CU_get_error_msg());
		CU_cleanup_registry();
		return NB_TEST_EXIT_ERROR;
	}
	for (t = tests; t->pName != NULL; t++) {
		if (!name_selected(t->pName, nb_names, names)) {
			continue;
		}
		if (CU_add_test(suite, t->pName, t->pTestFunc) == NULL) {
			fprintf(stderr, "%s: CU_add_test(%s): %s\n", suite_name,
				t->pName, CU_get_error_msg());
			CU_cleanup_registry();
			return NB_TEST_EXIT_ERROR;
		}
		nb_added++;
	}

	CU_basic_set_mode(CU_BRM_VERBOSE);
	err = CU_basic_run_tests();
	printf("\n");
	fflush(stdout);

	run = CU_get_number_of_tests_run();
	asserts = CU_get_number_of_asserts();
	if (err != CUE_SUCCESS) {
		fprintf(stderr, "%s: CUnit error: %s\n", suite_name,
			CU_get_error_msg());
		ret = NB_TEST_EXIT_ERROR;
	} else if (CU_get_number_of_failures() != 0 ||
		   CU_get_number_of_tests_failed() != 0 ||
		   CU_get_number_of_failure_records() != 0) {
		ret = NB_TEST_EXIT_FAIL;
	} else if (nb_added == 0 || run != nb_added) {
		fprintf(stderr, "%s: %u of %u tests ran\n", suite_name, run,
			nb_added);
		ret = NB_TEST_EXIT_FAIL;
	} else if (asserts == 0) {
		fprintf(stderr, "%s: no assertion was made\n", suite_name);
		ret = NB_TEST_EXIT_FAIL;
	} else {
		ret = NB_TEST_EXIT_OK;
	}
	fflush(stderr);
	CU_cleanup_registry();
	return ret;
}

int
nb_test_run(const char *suite_name, const CU_TestInfo *tests)
{
	return run_tests(suite_name, tests, 0, NULL);
}

int
nb_test_main(int argc, char **argv, const char *suite_name,
	     const CU_TestInfo *tests)
{
	const CU_TestInfo *t;
	int i;

	for (i = 1; i < argc; i++) {
		if (name_known(argv[i], tests)) {
			continue;
		}
		fprintf(stderr, "%s: no test \"%s\"; tests:", suite_name,
			argv[i]);
		for (t = tests; t->pName != NULL; t++) {
			fprintf(stderr, " %s", t->pName);
		}
		fprintf(stderr, "\n");
		return NB_TEST_EXIT_ERROR;
	}
	return run_tests(suite_name, tests, argc > 1 ? argc - 1 : 0,
			 argc > 1 ? argv + 1 : NULL);
}

bool
nb_test_no_huge(void)
{
	const char *v = getenv("NB_TEST_NO_HUGE");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

void
nb_test_env_opts(struct nb_env_opts *o)
{
	nb_env_opts_init(o, sizeof(*o));
	o->log_level = RTE_LOG_WARNING;
	o->huge = nb_test_no_huge() ? NB_ENV_HUGE_OFF : NB_ENV_HUGE_AUTO;
}

int
nb_test_env_init(void)
{
	struct nb_env_opts o;

	nb_test_env_opts(&o);
	return nb_env_init(&o);
}

/* "0-1" when this process may run on CPUs 0 and 1, else the first two. */
static const char *
two_cores(char *buf, size_t len)
{
	int c, found[2], nb = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		return NULL;
	}
	for (c = 0; c < CPU_SETSIZE && c < RTE_MAX_LCORE && nb < 2; c++) {
		if (CPU_ISSET(c, &set)) {
			found[nb++] = c;
		}
	}
	if (nb == 0) {
		return NULL;
	}
	if (nb == 1) {
		snprintf(buf, len, "%d", found[0]);
	} else {
		snprintf(buf, len, "%d,%d", found[0], found[1]);
	}
	return buf;
}

int
nb_test_env_init_two_lcores(unsigned int *worker)
{
	struct nb_env_opts o;
	char cores[32];
	int ret;

	nb_test_env_opts(&o);
	o.core_list = two_cores(cores, sizeof(cores));
	ret = nb_env_init(&o);
	if (ret == 0 && worker != NULL) {
		*worker = rte_get_next_lcore(-1, 1, 0);
	}
	return ret;
}
