/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nb_reactors_stop() from a thread against nb_reactors_start() returning
 * and nb_reactors_fini(): the reactors see STOPPING before the stop has
 * written their eventfds, so start can return and fini close the eventfds
 * while the stop still writes them (an fd number the application may have
 * opened again by then). fini waits for stops in progress.
 *
 * The executable is linked with -Wl,--wrap=write: the stopping thread's
 * first write() sleeps 300 ms, the preemption that makes the race certain.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "nb_env.h"
#include "nb_reactor.h"
#include "nb_test.h"

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

static __thread bool t_stopper;
static atomic_bool g_stop_returned;
static atomic_bool g_stop_writing;

ssize_t
__wrap_write(int fd, const void *buf, size_t n)
{
	if (t_stopper && !atomic_exchange(&g_stop_writing, true)) {
		usleep(300000);	/* the stopping thread is preempted here */
	}
	return __real_write(fd, buf, n);
}

static void *
stopper(void *arg)
{
	(void)arg;
	usleep(100000);		/* the reactors run by now */
	t_stopper = true;
	nb_reactors_stop();
	atomic_store(&g_stop_returned, true);
	return NULL;
}

static void
test_stop_write_vs_fini(void)
{
	unsigned int main_lcore = rte_get_main_lcore();
	struct nb_reactor_opts o;
	pthread_t th;
	bool returned;
	int fd;

	atomic_store(&g_stop_returned, false);
	atomic_store(&g_stop_writing, false);
	nb_reactor_opts_init(&o, sizeof(o));
	o.lcores = &main_lcore;
	o.nb_lcores = 1;
	NB_TEST_ASSERT_INT_EQ(nb_reactors_init(&o), 0);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, stopper, NULL) == 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_start(), 0);
	NB_TEST_ASSERT_INT_EQ(nb_reactors_fini(), 0);
	/* fini returned: no stop may still touch what it freed */
	returned = atomic_load(&g_stop_returned);
	fd = eventfd(0, EFD_NONBLOCK);	/* takes the number fini closed */
	pthread_join(th, NULL);
	NB_TEST_ASSERT_MSG(returned, "nb_reactors_fini() returned while "
			   "nb_reactors_stop() was still writing eventfds");
	if (fd >= 0) {
		uint64_t v = 0;
		ssize_t got = read(fd, &v, sizeof(v));

		NB_TEST_ASSERT_MSG(got < 0 && errno == EAGAIN,
				   "an eventfd opened after fini holds %" PRIu64
				   ": a late stop wrote it", v);
		close(fd);
	}
}

static const CU_TestInfo tests[] = {
	{ "stop_write_vs_fini", test_stop_write_vs_fini },
	CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
	int ret = nb_test_env_init();

	if (ret != 0) {
		fprintf(stderr, "test_reactor_stopwrite: nb_env_init: %s\n",
			strerror(-ret));
		return NB_TEST_EXIT_ERROR;
	}
	ret = nb_test_main(argc, argv, "reactor_stopwrite", tests);
	nb_env_fini();
	return ret;
}
