// SPDX-License-Identifier: GPL-2.0
/*
 * ITIMER_REAL of an itimer sharing group: setitimer/getitimer semantics,
 * signals and their siginfo, coalescing and overruns, coexistence with the
 * process's native itimers.  Tolerances hold under QEMU's TCG.
 */
#include <stdio.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "itg_test.h"

/* Lateness allowed under emulation; earliness is never allowed. */
#define LATE_NS		(300 * MS)

FIXTURE(real) {
	int fd;
};

FIXTURE_SETUP(real)
{
	rec_reset();
	rec_install(SIGALRM);
	self->fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(real)
{
	itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL);
	close(self->fd);
	signal(SIGALRM, SIG_DFL);
}

/* Wait until @n signals were recorded or @ns passed. */
static void wait_recs(int n, uint64_t ns)
{
	uint64_t end = mono_ns() + ns;

	while (rec_count() < n && mono_ns() < end)
		usleep(1000);
}

TEST_F(real, oneshot_fires_once_not_early)
{
	struct itg_timer_get g;
	uint64_t t0, late;

	t0 = mono_ns();
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 50 * MS, 0, 0, 7, NULL));
	wait_recs(1, 2 * SEC);
	sleep_ns(200 * MS);	/* a second signal would come by now */
	ASSERT_EQ(1, rec_count());
	EXPECT_EQ(SIGALRM, recs[0].signo);
	EXPECT_EQ(SI_TIMER, recs[0].code);
	EXPECT_EQ(7, recs[0].value);
	EXPECT_EQ(0, recs[0].overrun);
	EXPECT_GE(recs[0].when - t0, 50 * MS);
	late = recs[0].when - t0 - 50 * MS;
	EXPECT_LT(late, LATE_NS);
	TH_LOG("one-shot 50 ms: %.3f ms late", late / 1e6);
	/* A one-shot timer that fired is disarmed. */
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	EXPECT_EQ(0, g.interval_ns);
	EXPECT_EQ(1, g.expirations);
}

TEST_F(real, periodic_signals_plus_overruns_equal_expirations)
{
	struct itg_timer_get g;
	uint64_t overruns, t0, elapsed;
	int n;

	t0 = mono_ns();
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 10 * MS, 10 * MS, 0, 0,
			     NULL));
	sleep_ns(500 * MS);
	/* Freeze: block, disarm, then take the one signal that may pend. */
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	elapsed = mono_ns() - t0;
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	sig_block(SIGALRM, SIG_UNBLOCK);
	n = rec_sum(SIGALRM, SI_TIMER, &overruns);
	TH_LOG("%d signals + %llu overruns, %llu expirations in %.1f ms", n,
	       (unsigned long long)overruns,
	       (unsigned long long)g.expirations, elapsed / 1e6);
	EXPECT_EQ(g.expirations, n + overruns);
	/* Never more expirations than the clock allows; not many fewer. */
	EXPECT_LE(g.expirations, elapsed / (10 * MS));
	EXPECT_GE(g.expirations, elapsed / (10 * MS) - 30);
	EXPECT_GE(n, 10);
}

TEST_F(real, set_returns_old_value_and_interval)
{
	struct itg_timer_set old;

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 5 * SEC, 2 * SEC, 0, 0,
			     &old));
	EXPECT_EQ(0, old.old_value_ns);
	EXPECT_EQ(0, old.old_interval_ns);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 3 * SEC, 0, 0, 0, &old));
	EXPECT_LE(old.old_value_ns, 5 * SEC);
	EXPECT_GT(old.old_value_ns, 4 * SEC);
	EXPECT_EQ(2 * SEC, old.old_interval_ns);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, &old));
	EXPECT_GT(old.old_value_ns, 2 * SEC);
	EXPECT_EQ(0, old.old_interval_ns);
	EXPECT_EQ(0, rec_count());
}

TEST_F(real, get_remaining_decreases_never_zero)
{
	struct itg_timer_get a, b;

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 2 * SEC, SEC, 0, 0,
			     NULL));
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &a));
	sleep_ns(20 * MS);
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &b));
	EXPECT_GT(a.value_ns, 0);
	EXPECT_LE(a.value_ns, 2 * SEC);
	EXPECT_LT(b.value_ns, a.value_ns);
	EXPECT_LE(b.value_ns, a.value_ns - 20 * MS);
	EXPECT_GT(b.value_ns, 0);
	EXPECT_EQ(SEC, b.interval_ns);
	EXPECT_EQ(SIGALRM, b.signo);
}

TEST_F(real, periodic_remaining_stays_within_interval)
{
	struct itg_timer_get g;
	int i;

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 3 * MS, 3 * MS, 0, 0,
			     NULL));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
		ASSERT_GT(g.value_ns, 0);
		ASSERT_LE(g.value_ns, 3 * MS);
		usleep(500);
	}
}

TEST_F(real, get_disarmed_reports_zeros)
{
	struct itg_timer_get g;

	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	EXPECT_EQ(0, g.interval_ns);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, SEC, SEC, 0, 0, NULL));
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, SEC, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	EXPECT_EQ(0, g.interval_ns);
}

TEST_F(real, value_zero_disarms_whatever_interval)
{
	struct itg_group_info info;

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 30 * MS, 10 * MS, 0, 0,
			     NULL));
	ASSERT_EQ(0, itg_group(self->fd, &info));
	EXPECT_EQ(ITG_ARMED_REAL, info.armed);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 10 * MS, 0, 0,
			     NULL));
	ASSERT_EQ(0, itg_group(self->fd, &info));
	EXPECT_EQ(0, info.armed);
	sleep_ns(200 * MS);
	EXPECT_EQ(0, rec_count());
}

TEST_F(real, periodic_grid_does_not_drift)
{
	uint64_t t0, t1, tg0, tg1, off, tol;
	struct itg_timer_get g;

	t0 = mono_ns();
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 20 * MS, 20 * MS, 0, 0,
			     NULL));
	t1 = mono_ns();
	sleep_ns(1010 * MS);
	tg0 = mono_ns();
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	tg1 = mono_ns();
	/*
	 * After ~50 periods the next expiry is still on the grid
	 * t_arm + k * 20 ms; t_arm and t_get are known to [t0, t1] and
	 * [tg0, tg1], which bounds the error.
	 */
	tol = (t1 - t0) + (tg1 - tg0) + 100000;
	off = (tg0 + g.value_ns - t0) % (20 * MS);
	TH_LOG("after %llu expirations: grid offset %.3f ms (tolerance %.3f)",
	       (unsigned long long)g.expirations, off / 1e6, tol / 1e6);
	EXPECT_TRUE(off <= tol || off >= 20 * MS - tol);
	EXPECT_LE(g.expirations, (tg1 - t0) / (20 * MS));
	EXPECT_GE(g.expirations + 3, (tg0 - t1) / (20 * MS));
}

TEST_F(real, rt_signal_and_cookie_in_siginfo)
{
	int sig = SIGRTMIN + 3;
	struct itg_timer_get g;

	rec_install(sig);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 20 * MS, 0, sig,
			     0xdeadbeefcafef00dULL, NULL));
	wait_recs(1, 2 * SEC);
	ASSERT_EQ(1, rec_count());
	EXPECT_EQ(sig, recs[0].signo);
	EXPECT_EQ(SI_TIMER, recs[0].code);
	/* si_value is a pointer: 32 bits for a 32-bit process. */
	EXPECT_EQ((uintptr_t)0xdeadbeefcafef00dULL, recs[0].value);
	EXPECT_GE(recs[0].timerid, ITG_SI_TIMERID_BASE);
	EXPECT_EQ(itg_gettid(), recs[0].tid);
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(sig, g.signo);
	EXPECT_EQ(0xdeadbeefcafef00dULL, g.cookie);
	signal(sig, SIG_DFL);
}

static int handler_overrun;
static int handler_fd;

static void overrun_handler(int sig, siginfo_t *si, void *uc)
{
	struct itg_timer_get g;

	rec_handler(sig, si, uc);
	/* timer_getoverrun() in the handler: the signal just taken. */
	if (!itg_get(handler_fd, ITG_TIMER_REAL, &g))
		handler_overrun = g.overrun;
}

TEST_F(real, blocked_then_unblocked_one_signal_with_overruns)
{
	struct sigaction sa = { .sa_sigaction = overrun_handler,
				.sa_flags = SA_SIGINFO };
	uint64_t blocked_for;
	struct itg_timer_get g;
	uint64_t t0;

	handler_fd = self->fd;
	handler_overrun = -1;
	sigaction(SIGALRM, &sa, NULL);
	sig_block(SIGALRM, SIG_BLOCK);
	t0 = mono_ns();
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 10 * MS, 10 * MS, 0, 0,
			     NULL));
	sleep_ns(300 * MS);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	blocked_for = mono_ns() - t0;
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, rec_count());
	sig_block(SIGALRM, SIG_UNBLOCK);
	ASSERT_EQ(1, rec_count());
	TH_LOG("blocked %.1f ms: 1 signal, si_overrun %d, %llu expirations",
	       blocked_for / 1e6, recs[0].overrun,
	       (unsigned long long)g.expirations);
	EXPECT_EQ(g.expirations, 1 + recs[0].overrun);
	EXPECT_GE(recs[0].overrun, 15);
	EXPECT_EQ(recs[0].overrun, handler_overrun);
}

TEST_F(real, tiny_interval_does_not_livelock)
{
	uint64_t overruns, t0, loops = 0;
	struct itg_timer_get g;
	int n;

	t0 = mono_ns();
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 1, 1, 0, 0, NULL));
	/* The thread keeps running its own code while the timer ticks. */
	while (mono_ns() - t0 < 300 * MS)
		loops++;
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	sig_block(SIGALRM, SIG_UNBLOCK);
	n = rec_sum(SIGALRM, SI_TIMER, &overruns);
	TH_LOG("1 ns interval for 300 ms: %d signals, %llu overruns, %llu loops",
	       n, (unsigned long long)overruns, (unsigned long long)loops);
	if (!itg_slow())
		EXPECT_GT(loops, 1000);
	EXPECT_GT(n, 0);
	/* Bounded by min_period_ns (100 us by default): at most ~3000. */
	EXPECT_LE(n, 3100);
	EXPECT_EQ(g.expirations, n + overruns);
	EXPECT_GT(g.expirations, 100 * MS);
}

TEST_F(real, coexists_with_native_setitimer_same_signal)
{
	struct itimerval native = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	uint64_t overruns, t0, t;
	int ours, theirs;

	t0 = mono_ns();
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &native, NULL));
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 30 * MS, 30 * MS, 0, 0,
			     NULL));
	sleep_ns(600 * MS);
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &off, &native));
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	t = mono_ns() - t0;
	sig_block(SIGALRM, SIG_UNBLOCK);
	ours = rec_sum(SIGALRM, SI_TIMER, &overruns);
	theirs = rec_sum(SIGALRM, SI_KERNEL, NULL);
	TH_LOG("native: %d signals, module: %d signals + %llu overruns",
	       theirs, ours, (unsigned long long)overruns);
	/*
	 * 600 ms: ~30 native expirations, ~20 of ours; never more than the
	 * periods in the time both were armed (the sleep ends late on a
	 * busy host: 30 and 20 are the usual counts).
	 */
	EXPECT_GE(theirs, 15);
	EXPECT_LE(theirs, t / (20 * MS));
	EXPECT_GE(ours + overruns, 12);
	EXPECT_LE(ours + overruns, t / (30 * MS));
	/* Each one's getitimer is its own. */
	EXPECT_EQ(20000, native.it_interval.tv_usec);
}

TEST_F(real, coexists_with_alarm_other_signal)
{
	struct itg_timer_get g;
	int ours;

	rec_install(SIGUSR1);
	ASSERT_EQ(0, alarm(1));
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 50 * MS, 50 * MS,
			     SIGUSR1, 0, NULL));
	wait_recs(100, 1500 * MS);
	while (!rec_sum(SIGALRM, 0, NULL) && rec_count() < REC_MAX)
		usleep(1000);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	ours = rec_sum(SIGUSR1, SI_TIMER, NULL);
	EXPECT_EQ(1, rec_sum(SIGALRM, SI_KERNEL, NULL));
	EXPECT_GE(ours, 10);
	/* alarm() left nothing behind, and ours is disarmed. */
	EXPECT_EQ(0, alarm(0));
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	signal(SIGUSR1, SIG_DFL);
}

TEST_F(real, coexists_with_native_setitimer_other_signal)
{
	struct itimerval native = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	uint64_t overruns, t0, t;
	int ours, theirs;

	rec_install(SIGUSR2);
	t0 = mono_ns();
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &native, NULL));
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 30 * MS, 30 * MS,
			     SIGUSR2, 0, NULL));
	sleep_ns(600 * MS);
	sig_block(SIGALRM, SIG_BLOCK);
	sig_block(SIGUSR2, SIG_BLOCK);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &off, NULL));
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	t = mono_ns() - t0;
	sig_block(SIGALRM, SIG_UNBLOCK);
	sig_block(SIGUSR2, SIG_UNBLOCK);
	ours = rec_sum(SIGUSR2, SI_TIMER, &overruns);
	theirs = rec_sum(SIGALRM, SI_KERNEL, NULL);
	TH_LOG("native SIGALRM: %d, module SIGUSR2: %d + %llu overruns",
	       theirs, ours, (unsigned long long)overruns);
	EXPECT_GE(theirs, 15);
	EXPECT_LE(theirs, t / (20 * MS));
	EXPECT_GE(ours + overruns, 12);
	EXPECT_LE(ours + overruns, t / (30 * MS));
	EXPECT_EQ(0, rec_sum(SIGALRM, SI_TIMER, NULL));
	signal(SIGUSR2, SIG_DFL);
}

TEST_F(real, coexists_with_alarm_same_signal)
{
	uint64_t overruns;
	int ours;

	ASSERT_EQ(0, alarm(1));
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 50 * MS, 50 * MS, 0, 0,
			     NULL));
	wait_recs(REC_MAX, 1200 * MS);
	while (!rec_sum(SIGALRM, SI_KERNEL, NULL) && rec_count() < REC_MAX)
		usleep(1000);
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	sig_block(SIGALRM, SIG_UNBLOCK);
	ours = rec_sum(SIGALRM, SI_TIMER, &overruns);
	TH_LOG("alarm: %d, module: %d + %llu overruns",
	       rec_sum(SIGALRM, SI_KERNEL, NULL), ours,
	       (unsigned long long)overruns);
	/* alarm(1) fired once; ~20 of ours in the same second. */
	EXPECT_EQ(1, rec_sum(SIGALRM, SI_KERNEL, NULL));
	EXPECT_GE(ours + overruns, 15);
	EXPECT_EQ(0, alarm(0));
}

TEST_HARNESS_MAIN
