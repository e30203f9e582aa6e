/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Helpers shared by nbkit's CUnit tests: running a suite, running a test
 * body in a forked child (DPDK's EAL can be initialised only once per
 * process), assertions that print both values, and the environment options
 * every unit test uses.
 *
 * A suite is an array of CU_TestInfo ended by CU_TEST_INFO_NULL; its main()
 * is one line:
 *
 * @code
 * static const CU_TestInfo tests[] = {
 *	{ "init_defaults", test_init_defaults },
 *	CU_TEST_INFO_NULL,
 * };
 *
 * int
 * main(int argc, char **argv)
 * {
 *	return nb_test_main(argc, argv, "env", tests);
 * }
 * @endcode
 */
#ifndef NB_TEST_H
#define NB_TEST_H

#include <stdbool.h>

#include <CUnit/CUnit.h>

#include "nb_env.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Exit code of a suite: every test ran and passed. */
#define NB_TEST_EXIT_OK 0
/** Exit code of a suite: an assertion failed, or not every test ran. */
#define NB_TEST_EXIT_FAIL 1
/** Exit code of a suite: CUnit or the test setup failed (meson: ERROR). */
#define NB_TEST_EXIT_ERROR 99

/** Seconds a child of nb_test_in_child() may run before it is failed. */
#define NB_TEST_CHILD_TIMEOUT_S 60

/**
 * Register @p tests as suite @p suite_name, run them with CUnit's basic
 * interface in verbose mode (the "Run Summary" goes to stdout) and clean
 * the registry up.
 *
 * @param suite_name
 *   Name of the suite as CUnit prints it.
 * @param tests
 *   The tests, ended by CU_TEST_INFO_NULL.
 * @return
 *   A process exit code:
 *   - NB_TEST_EXIT_OK: at least one test ran, every registered test ran
 *     and no assertion failed;
 *   - NB_TEST_EXIT_FAIL: an assertion failed, a test did not run or no
 *     assertion was made at all;
 *   - NB_TEST_EXIT_ERROR: the CUnit registry could not be set up or the
 *     run reported a CUnit error.
 */
int nb_test_run(const char *suite_name, const CU_TestInfo *tests);

/**
 * nb_test_run() from main(): with no arguments every test of @p tests
 * runs; arguments name the tests to run (`test_env dma_sizes`).
 *
 * @param argc
 *   main()'s argc.
 * @param argv
 *   main()'s argv; argv[1..] are test names.
 * @param suite_name
 *   Name of the suite.
 * @param tests
 *   The tests, ended by CU_TEST_INFO_NULL.
 * @return
 *   As nb_test_run(); NB_TEST_EXIT_ERROR when an argument names no test
 *   (the valid names are printed).
 */
int nb_test_main(int argc, char **argv, const char *suite_name,
		 const CU_TestInfo *tests);

/**
 * Run @p body in a forked child process and assert, in the calling test,
 * that it passed.
 *
 * Must be called from a running CUnit test. stdout and stderr are flushed
 * before the fork. In the child, CU_ASSERT and friends work as usual
 * (CU_ASSERT_FATAL ends the body); when the body returns, the child prints
 * each new failure record to stderr as `file:line: condition` and exits with
 * the number of failures (at most 100), skipping atexit handlers and
 * destructors. An alarm of @p timeout_s seconds fails a body that hangs.
 *
 * The parent makes one CUnit assertion, that the child exited 0 after the
 * body returned; otherwise its failure record says why: how many
 * assertions failed, the signal that killed the child, the timeout, or an
 * exit before the body returned (exit() or rte_exit() in the body).
 *
 * Use nb_test_in_child(); this function is what the macro calls.
 *
 * @param body
 *   The test body.
 * @param name
 *   Name of the body for the messages.
 * @param timeout_s
 *   Seconds before the child is failed; 0: NB_TEST_CHILD_TIMEOUT_S.
 * @param file
 *   File of the caller, for the failure record.
 * @param line
 *   Line of the caller, for the failure record.
 * @return
 *   true when the child passed.
 */
bool nb_test_child_run(void (*body)(void), const char *name,
		       unsigned int timeout_s, const char *file,
		       unsigned int line);

/**
 * Run @p body in a forked child with the default timeout and assert that it
 * passed (see nb_test_child_run()).
 */
#define nb_test_in_child(body) \
	nb_test_child_run((body), #body, 0, __FILE__, __LINE__)

/**
 * Run @p body in a forked child that may take @p timeout_s seconds and
 * assert that it passed (see nb_test_child_run()).
 */
#define nb_test_in_child_timeout(body, timeout_s) \
	nb_test_child_run((body), #body, (timeout_s), __FILE__, __LINE__)

/**
 * Assert that two integers are equal; the failure record holds both values
 * (and errno names for small negative values).
 *
 * Use NB_TEST_ASSERT_INT_EQ(); this function is what the macro calls.
 *
 * @param actual
 *   The value the code under test gave.
 * @param expected
 *   The value the test expects.
 * @param what
 *   The expression, for the failure record.
 * @param file
 *   File of the assertion.
 * @param line
 *   Line of the assertion.
 * @return
 *   true when @p actual == @p expected.
 */
bool nb_test_assert_int_eq(long long actual, long long expected,
			   const char *what, const char *file,
			   unsigned int line);

/**
 * Make one CUnit assertion whose failure record is a formatted message.
 *
 * Use NB_TEST_ASSERT_MSG(); this function is what the macro calls.
 *
 * @param ok
 *   The condition.
 * @param file
 *   File of the assertion.
 * @param line
 *   Line of the assertion.
 * @param fmt
 *   printf() format of the message (CUnit keeps a copy).
 * @return
 *   @p ok.
 */
bool nb_test_assert_fmt(bool ok, const char *file, unsigned int line,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** CU_ASSERT with a printf()-formatted failure message. */
#define NB_TEST_ASSERT_MSG(cond, ...) \
	nb_test_assert_fmt(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/** CU_ASSERT_EQUAL for integers that prints what it got and expected. */
#define NB_TEST_ASSERT_INT_EQ(actual, expected)                           \
	nb_test_assert_int_eq((long long)(actual), (long long)(expected), \
			      #actual " == " #expected, __FILE__, __LINE__)

/**
 * Whether the tests must not use hugepages: the environment variable
 * NB_TEST_NO_HUGE is set to a non-empty value other than "0" (the
 * sanitizer CI build sets it).
 *
 * @return
 *   true when hugepages are off for the tests.
 */
bool nb_test_no_huge(void);

/**
 * Fill @p o with the options every unit test uses: the defaults of
 * nb_env_opts_init(), log level RTE_LOG_WARNING, and NB_ENV_HUGE_OFF when
 * nb_test_no_huge(), NB_ENV_HUGE_AUTO otherwise. nbkit's default file prefix
 * is unique per process, so tests may run in parallel.
 *
 * @param o
 *   Options to fill; must not be NULL.
 */
void nb_test_env_opts(struct nb_env_opts *o);

/**
 * nb_env_init() with nb_test_env_opts().
 *
 * @return
 *   As nb_env_init().
 */
int nb_test_env_init(void);

/**
 * nb_env_init() with nb_test_env_opts() on two lcores: "0-1" when this
 * process may run on CPUs 0 and 1, else the first two it may run on (one
 * when it has only one).
 *
 * @param worker
 *   Set to the second lcore's id, or RTE_MAX_LCORE when there is only one.
 * @return
 *   As nb_env_init().
 */
int nb_test_env_init_two_lcores(unsigned int *worker);

#ifdef __cplusplus
}
#endif

#endif /* NB_TEST_H */
