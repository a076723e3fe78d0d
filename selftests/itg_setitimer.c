// SPDX-License-Identifier: GPL-2.0
/*
 * setitimer(2), getitimer(2), alarm(2) and ualarm(3) semantics, as the
 * 6.1 kernel has them (kernel/time/itimer.c).  A dynamic program, run
 * twice by make check: natively, and under the preload library
 * (preload/itg_preload.c), with the same expectations; only
 * routed_as_configured tells the two runs apart, to prove which one ran.
 * Tolerances hold under QEMU's TCG.
 */
#include <limits.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

/* Lateness of a signal allowed under emulation; earliness never. */
#define LATE_NS		(100 * MS)
/* The kernel arms a CPU-time itimer one tick (4 ms at HZ=250) late. */
#define TICK_SLACK_NS	(10 * MS)

static struct itimerval itv(uint64_t value, uint64_t interval)
{
	struct itimerval v = {
		.it_value = { value / SEC, value % SEC / 1000 },
		.it_interval = { interval / SEC, interval % SEC / 1000 },
	};

	return v;
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return tv->tv_sec * SEC + tv->tv_usec * 1000ULL;
}

static uint64_t get_value(int which)
{
	struct itimerval v;

	if (getitimer(which, &v))
		return UINT64_MAX;
	return tv_ns(&v.it_value);
}

static bool preloaded(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "itg_preload");
}

/* Wait until @n signals were recorded or @ns passed. */
static void wait_recs(int n, uint64_t ns)
{
	uint64_t end = mono_ns() + ns;

	while (rec_count() < n && mono_ns() < end)
		usleep(1000);
}

TEST(setitimer_returns_old_value_and_interval)
{
	struct itimerval v = itv(5 * SEC, 2 * SEC), o;

	memset(&o, 0xff, sizeof(o));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, &o));
	EXPECT_EQ(0, tv_ns(&o.it_value));
	EXPECT_EQ(0, tv_ns(&o.it_interval));
	v = itv(3 * SEC, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, &o));
	EXPECT_LE(tv_ns(&o.it_value), 5 * SEC);
	EXPECT_GT(tv_ns(&o.it_value), 4 * SEC);
	EXPECT_EQ(2, o.it_interval.tv_sec);
	EXPECT_EQ(0, o.it_interval.tv_usec);
	v = itv(0, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, &o));
	EXPECT_GT(tv_ns(&o.it_value), 2 * SEC);
	EXPECT_LE(tv_ns(&o.it_value), 3 * SEC);
	EXPECT_EQ(0, tv_ns(&o.it_interval));
	EXPECT_LT(o.it_value.tv_usec, 1000000);
}

TEST(getitimer_reports_remaining_and_interval)
{
	struct itimerval v = itv(2 * SEC, SEC + 250 * MS), a, b;

	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	ASSERT_EQ(0, getitimer(ITIMER_REAL, &a));
	sleep_ns(20 * MS);
	ASSERT_EQ(0, getitimer(ITIMER_REAL, &b));
	EXPECT_GT(tv_ns(&a.it_value), 0);
	EXPECT_LE(tv_ns(&a.it_value), 2 * SEC);
	EXPECT_LE(tv_ns(&b.it_value), tv_ns(&a.it_value) - 20 * MS);
	EXPECT_GT(tv_ns(&b.it_value), SEC);
	EXPECT_EQ(1, b.it_interval.tv_sec);
	EXPECT_EQ(250000, b.it_interval.tv_usec);
	EXPECT_LT(b.it_value.tv_usec, 1000000);
}

TEST(null_new_value_disarms)
{
	struct itimerval v = itv(10 * SEC, SEC), o;
	int which;

	for (which = ITIMER_REAL; which <= ITIMER_PROF; which++) {
		ASSERT_EQ(0, setitimer(which, &v, NULL));
		ASSERT_EQ(0, setitimer(which, NULL, &o));
		EXPECT_GT(tv_ns(&o.it_value), 9 * SEC);
		EXPECT_LE(tv_ns(&o.it_value), 10 * SEC + TICK_SLACK_NS);
		EXPECT_EQ(0, get_value(which));
	}
}

TEST(value_zero_disarms_whatever_interval)
{
	struct itimerval v = itv(30 * MS, 10 * MS), o;

	rec_install(SIGALRM);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	v = itv(0, 10 * MS);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	sleep_ns(200 * MS);
	EXPECT_EQ(0, rec_count());
	ASSERT_EQ(0, getitimer(ITIMER_REAL, &o));
	EXPECT_EQ(0, tv_ns(&o.it_value));
	/* ITIMER_REAL forgets the interval of a disarmed timer. */
	EXPECT_EQ(0, tv_ns(&o.it_interval));
}

/* The CPU-time itimers keep reporting the interval last given. */
TEST(cpu_timer_disarmed_keeps_interval)
{
	struct itimerval v = itv(0, SEC + 500 * MS), o;
	int which;

	for (which = ITIMER_VIRTUAL; which <= ITIMER_PROF; which++) {
		ASSERT_EQ(0, setitimer(which, &v, &o));
		EXPECT_EQ(0, tv_ns(&o.it_value));
		EXPECT_EQ(0, tv_ns(&o.it_interval));
		ASSERT_EQ(0, getitimer(which, &o));
		EXPECT_EQ(0, tv_ns(&o.it_value));
		EXPECT_EQ(1, o.it_interval.tv_sec);
		EXPECT_EQ(500000, o.it_interval.tv_usec);
		ASSERT_EQ(0, setitimer(which, NULL, &o));
		EXPECT_EQ(0, tv_ns(&o.it_value));
		EXPECT_EQ(SEC + 500 * MS, tv_ns(&o.it_interval));
		ASSERT_EQ(0, getitimer(which, &o));
		EXPECT_EQ(0, tv_ns(&o.it_interval));
	}
}

TEST(bad_which_is_einval)
{
	struct itimerval v = itv(SEC, 0), o;

	errno = 0;
	EXPECT_EQ(-1, setitimer(3, &v, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, setitimer(-1, &v, &o));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, setitimer(INT_MAX, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, getitimer(3, &o));
	EXPECT_EQ(EINVAL, errno);
	/* which is checked before the pointer is written. */
	errno = 0;
	EXPECT_EQ(-1, getitimer(INT_MIN, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, get_value(ITIMER_REAL));
}

TEST(bad_timeval_is_einval_and_changes_nothing)
{
	struct itimerval bad[6], v = itv(10 * SEC, 0), ok;
	int i;

	for (i = 0; i < 6; i++)
		bad[i] = itv(SEC, SEC);
	bad[0].it_value.tv_usec = 1000000;
	bad[1].it_value.tv_usec = -1;
	bad[2].it_value.tv_sec = -1;
	bad[3].it_interval.tv_usec = 1000000;
	bad[4].it_interval.tv_sec = -1;
	bad[5] = itv(0, 0);
	bad[5].it_interval.tv_usec = -5;	/* even when disarming */
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	for (i = 0; i < 6; i++) {
		errno = 0;
		EXPECT_EQ(-1, setitimer(ITIMER_REAL, &bad[i], NULL)) {
			TH_LOG("case %d", i);
		}
		EXPECT_EQ(EINVAL, errno);
		errno = 0;
		EXPECT_EQ(-1, setitimer(ITIMER_PROF, &bad[i], NULL));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_GT(get_value(ITIMER_REAL), 9 * SEC);
	EXPECT_EQ(0, get_value(ITIMER_PROF));
	ok = itv(0, 0);
	ok.it_value.tv_usec = 999999;
	ok.it_interval.tv_usec = 999999;
	ok.it_interval.tv_sec = 1;
	EXPECT_EQ(0, setitimer(ITIMER_REAL, &ok, NULL));
	EXPECT_LE(get_value(ITIMER_REAL), 999999000);
	EXPECT_EQ(0, setitimer(ITIMER_REAL, NULL, NULL));
}

TEST(bad_pointers_are_efault)
{
	struct itimerval v = itv(10 * SEC, 0), o;
	long pg = sysconf(_SC_PAGESIZE);
	char *rw, *none, *ro;

	/* A writable page followed by an inaccessible one. */
	rw = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rw);
	ASSERT_NE(MAP_FAILED, ro);
	none = rw + pg;
	ASSERT_EQ(0, mprotect(none, pg, PROT_NONE));

	errno = 0;
	EXPECT_EQ(-1, setitimer(ITIMER_REAL, (void *)none, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, get_value(ITIMER_REAL));
	/* The new value is read before which is checked. */
	errno = 0;
	EXPECT_EQ(-1, setitimer(3, (void *)none, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, getitimer(ITIMER_REAL, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, getitimer(ITIMER_PROF, (void *)ro));
	EXPECT_EQ(EFAULT, errno);
	/* A struct that ends in an unmapped page. */
	errno = 0;
	EXPECT_EQ(-1, getitimer(ITIMER_REAL, (void *)(none - 8)));
	EXPECT_EQ(EFAULT, errno);
	/* The old value is written after the change: it is made anyway. */
	errno = 0;
	EXPECT_EQ(-1, setitimer(ITIMER_REAL, &v, (void *)ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_GT(get_value(ITIMER_REAL), 9 * SEC);
	errno = 0;
	EXPECT_EQ(-1, setitimer(ITIMER_REAL, NULL, (void *)none));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, get_value(ITIMER_REAL));
	/* Success leaves errno alone. */
	errno = 1234;
	EXPECT_EQ(0, setitimer(ITIMER_REAL, &v, &o));
	EXPECT_EQ(0, getitimer(ITIMER_REAL, &o));
	EXPECT_EQ(10, alarm(0));
	EXPECT_EQ(1234, errno);
	munmap(rw, 2 * pg);
	munmap(ro, pg);
}

/* One sample: a 50 ms one-shot; its lateness, or -1 if early or lost. */
static int64_t oneshot_late(struct __test_metadata *_metadata)
{
	struct itimerval v = itv(50 * MS, 0);
	uint64_t t0;

	rec_reset();
	t0 = mono_ns();
	if (setitimer(ITIMER_REAL, &v, NULL))
		return -1;
	wait_recs(1, 2 * SEC);
	sleep_ns(100 * MS);	/* a second signal would come by now */
	EXPECT_EQ(1, rec_count());
	if (rec_count() != 1)
		return -1;
	EXPECT_EQ(SIGALRM, recs[0].signo);
	EXPECT_GE(recs[0].when - t0, 50 * MS);
	if (recs[0].when - t0 < 50 * MS)
		return -1;
	return recs[0].when - t0 - 50 * MS;
}

TEST(oneshot_real_fires_once_not_early)
{
	int64_t late = -1;
	int try;

	rec_install(SIGALRM);
	/* Up to three samples ride out host noise; the bound stays. */
	for (try = 0; try < 3; try++) {
		late = oneshot_late(_metadata);
		ASSERT_GE(late, 0);
		if (late < (int64_t)LATE_NS)
			break;
	}
	TH_LOG("one-shot 50 ms: %.3f ms late", late / 1e6);
	EXPECT_LT(late, (int64_t)LATE_NS);
	EXPECT_EQ(0, get_value(ITIMER_REAL));
}

TEST(periodic_real_keeps_firing)
{
	struct itimerval v = itv(20 * MS, 20 * MS);
	uint64_t t0, elapsed;
	int n;

	rec_install(SIGALRM);
	t0 = mono_ns();
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	sleep_ns(500 * MS);
	v = itv(0, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	elapsed = mono_ns() - t0;
	n = rec_count();
	TH_LOG("%d signals in %.1f ms", n, elapsed / 1e6);
	EXPECT_LE(n, elapsed / (20 * MS));
	EXPECT_GE(n, 10);
	sleep_ns(100 * MS);
	EXPECT_EQ(n, rec_count());
}

static atomic_int fired;

static void on_fire(int sig)
{
	atomic_store(&fired, sig);
}

/* Burn CPU time until a signal or 10 s; the CPU time it took. */
static uint64_t burn_until_signal(int which, bool syscalls)
{
	uint64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), end = mono_ns() + 10 * SEC;
	struct itimerval v = itv(100 * MS, 0);
	int i;

	atomic_store(&fired, 0);
	if (setitimer(which, &v, NULL))
		return 0;
	/*
	 * The clock is read rarely: without a vDSO clock source (TCG),
	 * reading it is a system call, and ITIMER_VIRTUAL counts user time.
	 */
	while (!atomic_load(&fired) && mono_ns() < end) {
		for (i = 0; i < 100000 && !atomic_load(&fired); i++) {
			if (syscalls)
				syscall(SYS_getppid);
			else
				__asm__ volatile("" ::: "memory");
		}
	}
	return now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
}

static void check_cpu_timer(struct __test_metadata *_metadata, int which,
			    int sig, bool syscalls)
{
	uint64_t used;

	signal(sig, on_fire);
	used = burn_until_signal(which, syscalls);
	TH_LOG("100 ms of %s: fired after %.1f ms of CPU time",
	       which == ITIMER_PROF ? "PROF" : "VIRTUAL", used / 1e6);
	EXPECT_EQ(sig, atomic_load(&fired));
	EXPECT_GE(used + TICK_SLACK_NS, 100 * MS);
	EXPECT_LT(used, 100 * MS + 200 * MS);
	EXPECT_EQ(0, get_value(which));
}

TEST(virtual_counts_user_cpu_time)
{
	check_cpu_timer(_metadata, ITIMER_VIRTUAL, SIGVTALRM, false);
}

TEST(prof_counts_user_and_system_cpu_time)
{
	check_cpu_timer(_metadata, ITIMER_PROF, SIGPROF, true);
}

TEST(cpu_timer_remaining_decreases_with_cpu_time)
{
	struct itimerval v = itv(SEC, 0);
	uint64_t a, b, end;

	ASSERT_EQ(0, setitimer(ITIMER_PROF, &v, NULL));
	a = get_value(ITIMER_PROF);
	end = mono_ns() + 50 * MS;
	while (mono_ns() < end)
		;
	b = get_value(ITIMER_PROF);
	EXPECT_LE(a, SEC + TICK_SLACK_NS);
	EXPECT_GT(a, 900 * MS);
	EXPECT_LT(b, a);
	EXPECT_GT(b, 0);
	ASSERT_EQ(0, setitimer(ITIMER_PROF, NULL, NULL));
}

/*
 * Values and intervals of 1 us and LONG_MAX seconds (KTIME_MAX, about 292
 * years, once saturated), for each timer, busy and idle: every CPU still
 * runs tasks afterwards and the timer reads back sanely.  A sum that
 * wrapped made the module's callback re-arm itself in the past forever
 * (issue #9); through the preload library these reach the module.
 */
static void *run_nothing(void *arg)
{
	return arg;
}

static void every_cpu_runs(struct __test_metadata *_metadata)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), cpu;

	for (cpu = 0; cpu < cpus; cpu++) {
		pthread_attr_t attr;
		cpu_set_t set;
		pthread_t th;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		ASSERT_EQ(0, pthread_create(&th, &attr, run_nothing, NULL));
		ASSERT_EQ(0, pthread_join(th, NULL));
		pthread_attr_destroy(&attr);
	}
}

static void extreme(struct __test_metadata *_metadata, int which, int sig,
		    bool huge_value, bool huge_interval, bool busy)
{
	struct itimerval v = itv(1000, 1000);
	uint64_t end, got_iv, got_v;
	int i;

	if (huge_value)
		v.it_value.tv_sec = LONG_MAX;
	if (huge_interval)
		v.it_interval.tv_sec = LONG_MAX;
	atomic_store(&fired, 0);
	signal(sig, on_fire);
	ASSERT_EQ(0, setitimer(which, &v, NULL));
	end = now_ns(busy ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC) + 3 * MS;
	if (busy)
		while (now_ns(CLOCK_THREAD_CPUTIME_ID) < end)
			;
	else
		sleep_ns(3 * MS);
	every_cpu_runs(_metadata);
	/*
	 * REAL's 1 us is due: let a late expiry come (a busy host once held
	 * it back more than 3 ms under TCG) before the reload is read.
	 */
	for (i = 0; !huge_value && which == ITIMER_REAL &&
	     !atomic_load(&fired) && i < 50; i++)
		sleep_ns(10 * MS);
	ASSERT_EQ(0, getitimer(which, &v));
	got_v = v.it_value.tv_sec;
	got_iv = v.it_interval.tv_sec;
	TH_LOG("which %d value %s interval %s %s: %llu s + %ld us left, interval %llu s + %ld us",
	       which, huge_value ? "huge" : "1us", huge_interval ? "huge" : "1us",
	       busy ? "busy" : "idle", (unsigned long long)got_v,
	       (long)v.it_value.tv_usec, (unsigned long long)got_iv,
	       (long)v.it_interval.tv_usec);
	/* Saturated values read back near 292 years. */
	EXPECT_LE(huge_interval ? 9223372035ULL : 0, got_iv);
	EXPECT_GE(huge_interval ? ~0ULL : 0, got_iv);
	/* A huge value, or a huge interval after REAL's first expiry. */
	if (huge_value || (huge_interval && which == ITIMER_REAL))
		EXPECT_LE(9000000000ULL, got_v);
	/*
	 * A CPU itimer with a huge interval: expired (a native one only at
	 * a tick, maybe not yet) or about to.  1 us: a tick at most left.
	 */
	if (!huge_value && which != ITIMER_REAL)
		EXPECT_TRUE(got_v >= 9000000000ULL || got_v == 0);
	if (!huge_value && !huge_interval)
		EXPECT_EQ(0, got_v);
	ASSERT_EQ(0, setitimer(which, NULL, NULL));
	signal(sig, SIG_IGN);
}

TEST(extreme_values_and_intervals_read_back_sanely)
{
	static const int which[] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };
	static const int sig[] = { SIGALRM, SIGVTALRM, SIGPROF };
	int i, m;

	for (i = 0; i < 3; i++)
		for (m = 0; m < 8; m++)
			extreme(_metadata, which[i], sig[i], m & 1, m & 2,
				m & 4);
}

TEST(alarm_returns_seconds_rounded)
{
	struct itimerval v;

	EXPECT_EQ(0, alarm(0));
	EXPECT_EQ(0, alarm(10));
	/* 9.99 s left: rounded up from half a second. */
	EXPECT_EQ(10, alarm(5));
	sleep_ns(600 * MS);
	EXPECT_EQ(4, alarm(0));		/* 4.4 s: down */
	v = itv(300 * MS, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	EXPECT_EQ(1, alarm(0));		/* never 0 while armed */
	v = itv(1700 * MS, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	EXPECT_EQ(2, alarm(0));
	v = itv(2300 * MS, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	EXPECT_EQ(2, alarm(0));
	EXPECT_EQ(0, alarm(0));
}

TEST(alarm_is_itimer_real_without_interval)
{
	struct itimerval v = itv(SEC, SEC), o;

	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	EXPECT_EQ(1, alarm(7));
	ASSERT_EQ(0, getitimer(ITIMER_REAL, &o));
	EXPECT_GT(tv_ns(&o.it_value), 6 * SEC);
	EXPECT_LE(tv_ns(&o.it_value), 7 * SEC);
	EXPECT_EQ(0, tv_ns(&o.it_interval));
	EXPECT_EQ(7, alarm(0));
	EXPECT_EQ(0, get_value(ITIMER_REAL));
}

TEST(alarm_delivers_sigalrm)
{
	uint64_t t0;

	rec_install(SIGALRM);
	t0 = mono_ns();
	EXPECT_EQ(0, alarm(1));
	wait_recs(1, 3 * SEC);
	ASSERT_EQ(1, rec_count());
	EXPECT_EQ(SIGALRM, recs[0].signo);
	EXPECT_GE(recs[0].when - t0, SEC);
	EXPECT_LT(recs[0].when - t0, SEC + 500 * MS);
	EXPECT_EQ(0, alarm(0));
}

TEST(ualarm_returns_microseconds)
{
	useconds_t left;

	EXPECT_EQ(0, ualarm(500000, 0));
	left = ualarm(0, 0);
	EXPECT_LE(left, 500000);
	EXPECT_GT(left, 300000);
	errno = 0;
	EXPECT_EQ((useconds_t)-1, ualarm(1000000, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, get_value(ITIMER_REAL));
}

TEST(fork_child_inherits_no_itimer)
{
	struct itimerval v = itv(10 * SEC, SEC);
	int which;
	pid_t pid;

	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_PROF, &v, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct itimerval o;
		int bad = 0;

		for (which = ITIMER_REAL; which <= ITIMER_PROF; which++) {
			if (getitimer(which, &o) || tv_ns(&o.it_value) ||
			    tv_ns(&o.it_interval))
				bad |= 1 << which;
		}
		if (alarm(0))
			bad |= 8;
		/* The child's own timer works and is its own. */
		rec_install(SIGALRM);
		v = itv(30 * MS, 0);
		if (setitimer(ITIMER_REAL, &v, &o) || tv_ns(&o.it_value))
			bad |= 16;
		wait_recs(1, 2 * SEC);
		if (rec_count() != 1)
			bad |= 32;
		_exit(bad);
	}
	EXPECT_EQ(0, itg_wait_child(pid));
	EXPECT_GT(get_value(ITIMER_REAL), 8 * SEC);
	EXPECT_GT(get_value(ITIMER_PROF), 8 * SEC);
	EXPECT_EQ(10, alarm(0));
}

/*
 * The exec'd image of execve_keeps_itimers: its ITIMER_REAL must be the
 * 3 s one (interval 1 s) armed before the exec.  Exit status 0 if so.
 */
__attribute__((constructor)) static void exec_check(void)
{
	struct itimerval o;
	unsigned int left;
	int bad = 0;

	if (!getenv("ITG_EXEC_CHECK"))
		return;
	if (getitimer(ITIMER_REAL, &o) || tv_ns(&o.it_value) > 3 * SEC ||
	    tv_ns(&o.it_value) < 2 * SEC)
		bad |= 1;
	if (o.it_interval.tv_sec != 1 || o.it_interval.tv_usec)
		bad |= 2;
	left = alarm(0);	/* 3 unless the exec took half a second */
	if (left < 2 || left > 3)
		bad |= 4;
	_exit(bad);
}

TEST(execve_keeps_itimers)
{
	char *argv[2], *envp[256];
	int i, n = 0;
	pid_t pid;

	argv[0] = "itg_setitimer";
	argv[1] = NULL;
	for (i = 0; environ[i] && n < 254; i++)
		envp[n++] = environ[i];
	envp[n++] = "ITG_EXEC_CHECK=1";
	envp[n] = NULL;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct itimerval v = itv(3 * SEC, SEC);

		if (setitimer(ITIMER_REAL, &v, NULL))
			_exit(100);
		execve("/proc/self/exe", argv, envp);
		_exit(101);
	}
	EXPECT_EQ(0, itg_wait_child(pid));
}

struct thread_arg {
	uint64_t seen;
};

static void *arm_in_thread(void *p)
{
	struct itimerval v = itv(5 * SEC, 0);

	setitimer(ITIMER_REAL, &v, NULL);
	((struct thread_arg *)p)->seen = get_value(ITIMER_REAL);
	return NULL;
}

static void *read_in_thread(void *p)
{
	((struct thread_arg *)p)->seen = get_value(ITIMER_REAL);
	return NULL;
}

TEST(threads_share_the_process_itimer)
{
	struct thread_arg a = { 0 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, arm_in_thread, &a));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_GT(a.seen, 4 * SEC);
	EXPECT_GT(get_value(ITIMER_REAL), 4 * SEC);
	EXPECT_EQ(5, alarm(0));
	ASSERT_EQ(0, pthread_create(&t, NULL, read_in_thread, &a));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, a.seen);
}

/*
 * Is an ITIMER_REAL of this process armed in the module?  From the groups
 * table: "tgid uid group scope tids real_value_ns ...".  -1 if unreadable.
 */
static int module_real_armed(void)
{
	static char buf[1 << 16];
	unsigned long long value;
	size_t len = 0;
	ssize_t n;
	char *line;
	int fd, pid, armed = 0;

	fd = open("/sys/class/misc/" ITG_DEVICE_NAME "/groups", O_RDONLY);
	if (fd < 0)
		return -1;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "%d %*u %*u %*s %*s %llu", &pid, &value) == 2 &&
		    pid == getpid() && value)
			armed = 1;
	return armed;
}

/*
 * Which implementation ran: under the preload library, ITIMER_REAL is
 * the module's (the groups table shows it armed); natively it is not.
 */
TEST(routed_as_configured)
{
	struct itimerval v = itv(10 * SEC, 0);
	int armed;

	if (module_real_armed() < 0)
		SKIP(return, "the module's groups table is not readable");
	ASSERT_EQ(0, module_real_armed());
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	armed = module_real_armed();
	ASSERT_EQ(0, setitimer(ITIMER_REAL, NULL, NULL));
	TH_LOG("%s: the module %s this process's ITIMER_REAL",
	       preloaded() ? "preloaded" : "native",
	       armed ? "has" : "does not have");
	EXPECT_EQ(preloaded(), armed);
	EXPECT_EQ(0, module_real_armed());
}

TEST_HARNESS_MAIN
