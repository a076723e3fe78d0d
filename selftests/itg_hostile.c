// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile local user (issue #9): what any user can do with the 0666
 * device must not hang a CPU, flood the machine with timer callbacks, reach
 * a process after it gained privileges, or leave state behind its file.
 * Runs as root and as nobody (tests.list); the tests that need two users
 * or a setuid program skip when not root.
 */
#include <limits.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "itg_test.h"

#define KTIME_MAX	((uint64_t)INT64_MAX)

static uint64_t thread_cpu_ns(void)
{
	return now_ns(CLOCK_THREAD_CPUTIME_ID);
}

static void spin_cpu(uint64_t ns)
{
	uint64_t end = thread_cpu_ns() + ns;

	while (thread_cpu_ns() < end)
		;
}

static void *nothing(void *arg)
{
	return arg;
}

/*
 * Every CPU still runs tasks: a thread pinned to each one gets to run.  A
 * CPU stuck in interrupt context never runs it, and the test times out.
 */
static int every_cpu_runs_tasks(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), cpu;
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t th;
	int ret = 0;

	for (cpu = 0; cpu < cpus && !ret; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		ret = pthread_create(&th, &attr, nothing, NULL) ||
		      pthread_join(th, NULL);
		pthread_attr_destroy(&attr);
	}
	return ret;
}

static const uint64_t extremes[] = { 1, KTIME_MAX - 1, KTIME_MAX };

static const int default_sig[] = { SIGALRM, SIGVTALRM, SIGPROF };

/*
 * Arm @which with every extreme value and interval, then let 3 ms of CPU
 * time (busy) or of wall time (idle) pass: the machine stays responsive and
 * the timer reads back sanely.
 */
static void extremes_of(struct __test_metadata *_metadata, int which)
{
	int fd = itg_open(O_CLOEXEC), busy, i, j;
	struct itg_timer_get g;

	ASSERT_LE(0, fd);
	rec_install(default_sig[which]);
	for (busy = 0; busy < 2; busy++) {
		for (i = 0; i < 3; i++) {
			for (j = 0; j < 3; j++) {
				uint64_t v = extremes[i], iv = extremes[j];
				uint64_t most = v > iv ? v : iv;

				ASSERT_EQ(0, itg_set(fd, which, v, iv, 0, 0, NULL));
				if (busy)
					spin_cpu(3 * MS);
				else
					sleep_ns(3 * MS);
				ASSERT_EQ(0, every_cpu_runs_tasks());
				ASSERT_EQ(0, itg_get(fd, which, &g));
				TH_LOG("which %d busy %d value %llu interval %llu: left %llu, %llu expirations",
				       which, busy, (unsigned long long)v,
				       (unsigned long long)iv,
				       (unsigned long long)g.value_ns,
				       (unsigned long long)g.expirations);
				/* Periodic: armed, never 0, never past the larger of the two. */
				EXPECT_EQ(iv, g.interval_ns);
				EXPECT_LT(0, g.value_ns);
				EXPECT_GE(most > 1000 ? most : 1000, g.value_ns);
				if (v >= KTIME_MAX - 1) {
					EXPECT_EQ(0, g.expirations);
				} else if (iv >= KTIME_MAX - 1 && (busy || which == ITG_TIMER_REAL)) {
					/* One expiry at 1 ns, the next one never. */
					EXPECT_EQ(1, g.expirations);
				}
				ASSERT_EQ(0, itg_set(fd, which, 0, 0, 0, 0, NULL));
			}
		}
	}
	close(fd);
}

TEST(real_extreme_values_and_intervals)
{
	extremes_of(_metadata, ITG_TIMER_REAL);
}

TEST(virtual_extreme_values_and_intervals)
{
	extremes_of(_metadata, ITG_TIMER_VIRTUAL);
}

TEST(prof_extreme_values_and_intervals)
{
	extremes_of(_metadata, ITG_TIMER_PROF);
}

/* The report of issue #9: PROF 1 ms with an interval of KTIME_MAX. */
TEST(prof_interval_ktime_max_after_first_expiry)
{
	int fd = itg_open(O_CLOEXEC);
	struct itg_timer_get g;

	ASSERT_LE(0, fd);
	rec_reset();
	rec_install(SIGPROF);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, MS, KTIME_MAX, 0, 0, NULL));
	spin_cpu(5 * MS);
	ASSERT_EQ(0, every_cpu_runs_tasks());
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &g));
	EXPECT_EQ(1, g.expirations);
	EXPECT_EQ(1, rec_sum(SIGPROF, SI_TIMER, NULL));
	EXPECT_EQ(KTIME_MAX, g.interval_ns);
	EXPECT_LT(KTIME_MAX / 2, g.value_ns);
	close(fd);
}

TEST_HARNESS_MAIN
