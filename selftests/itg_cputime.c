// SPDX-License-Identifier: GPL-2.0
/*
 * ITIMER_VIRTUAL and ITIMER_PROF of itimer sharing groups: what they count,
 * how close to the CPU time they expire (measured beside the native
 * itimers in the same run), overruns, delivery to the running thread, and
 * the scheduler probe that is there only while a CPU-time timer is armed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

#define PROBE_PATH "/sys/class/misc/" ITG_DEVICE_NAME "/cpu_probe"

/* A one-shot expiry may be this late by the CPU clocks; never early. */
#define ONESHOT_LATE_NS	(2 * MS)

static uint64_t thread_cpu(void)
{
	return now_ns(CLOCK_THREAD_CPUTIME_ID);
}

static uint64_t process_cpu(void)
{
	return now_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/*
 * CLOCK_PROCESS_CPUTIME_ID leaves the other running threads' time since
 * their last tick out (6.1's thread_group_cputime()); a thread's CPU clock
 * read through pthread_getcpuclockid() is exact.  The sum of the main
 * thread's and the spinners' clocks; async-signal-safe, from any thread.
 */
static clockid_t spin_clocks[9];
static atomic_int nr_spin_clocks;

static uint64_t exact_cpu(void)
{
	int i, n = atomic_load(&nr_spin_clocks);
	uint64_t sum = 0;

	for (i = 0; i < n; i++)
		sum += now_ns(spin_clocks[i]);
	return sum;
}

static atomic_int fired;
static uint64_t fired_thread_cpu, fired_process_cpu, fired_mono;

static void cpu_handler(int sig, siginfo_t *si, void *uc)
{
	if (!atomic_load(&fired)) {
		fired_thread_cpu = thread_cpu();
		fired_process_cpu = exact_cpu();
		fired_mono = now_ns(CLOCK_MONOTONIC);
	}
	atomic_fetch_add(&fired, 1);
	rec_handler(sig, si, uc);
}

static void install(int sig)
{
	struct sigaction sa = { .sa_sigaction = cpu_handler,
				.sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static int probe_registered(void)
{
	char c = '?';
	FILE *f = fopen(PROBE_PATH, "r");

	if (!f)
		return -1;
	if (fread(&c, 1, 1, f) != 1)
		c = '?';
	fclose(f);
	return c == '1' ? 1 : c == '0' ? 0 : -1;
}

/* Wait up to 12 s for the probe to be (un)registered; it goes lazily. */
static int probe_settles(int want)
{
	int i;

	for (i = 0; i < 1200; i++) {
		if (probe_registered() == want)
			return want;
		usleep(10000);
	}
	return probe_registered();
}

/*
 * Spin in user mode until the handler ran.  Nothing else: under TCG even
 * clock_gettime() may be a system call (no vDSO clocksource), and system
 * time would slow ITIMER_VIRTUAL, native and ours.
 */
#ifndef __has_builtin
#define __has_builtin(x) 0
#endif
#if __has_builtin(__builtin_ia32_rdtsc)
#define tsc() __builtin_ia32_rdtsc()
#else
#define tsc() 0ULL	/* no host stalls seen: every bound applies */
#endif

/*
 * Host stalls a spinner sat through: time its CPU clock counted while its
 * loop stood still.  Under emulation a vCPU the host does not run counts
 * as CPU time of the thread on it, which can take no signal then: the
 * module draws it (it is on a CPU), its signals wait or go to another.
 * A loop standing still while its clock does not count (preempted in the
 * guest, asleep) is no stall.  By the TSC, calibrated at spin_start().
 */
struct held {
	uint64_t tsc, cpu, ns;
};

#define HELD_MIN_NS	(1000 * 1000)
static uint64_t held_min_cycles = UINT64_MAX;
static double ns_per_cycle;

/* A TSC reading and the monotonic time of it, from the tightest of 5. */
static void tsc_at(uint64_t *c, uint64_t *m)
{
	uint64_t best = UINT64_MAX, m1, m2, cc;
	int i;

	for (i = 0; i < 5; i++) {
		m1 = now_ns(CLOCK_MONOTONIC);
		cc = tsc();
		m2 = now_ns(CLOCK_MONOTONIC);
		if (m2 - m1 < best) {
			best = m2 - m1;
			*c = cc;
			*m = m1 + best / 2;
		}
	}
}

static void held_calibrate(void)
{
	uint64_t c0 = 0, m0 = 0, c1 = 0, m1 = 0;

	if (!tsc())
		return;
	tsc_at(&c0, &m0);
	sleep_ns(100 * MS);
	tsc_at(&c1, &m1);
	if (c1 <= c0 || m1 <= m0)
		return;
	ns_per_cycle = (double)(m1 - m0) / (c1 - c0);
	held_min_cycles = HELD_MIN_NS / ns_per_cycle;
}

static void held_start(struct held *h)
{
	h->cpu = thread_cpu();
	h->tsc = tsc();
	h->ns = 0;
}

/*
 * In a spin loop that read the TSC at @prev, then at @now.  The CPU clock
 * is read again at every stall and every 10 ms: the run before a stall is
 * short, so an error in the TSC's rate adds little to it.
 */
static inline void held_note(struct held *h, uint64_t prev, uint64_t now)
{
	int64_t held, gap, run;
	uint64_t cpu;

	if (now < prev)
		return;
	if (now - prev < held_min_cycles) {
		if (now - h->tsc >= 10 * held_min_cycles) {
			h->cpu = thread_cpu();
			h->tsc = tsc();
		}
		return;
	}
	cpu = thread_cpu();
	gap = (now - prev) * ns_per_cycle;
	run = (now - h->tsc) * ns_per_cycle - gap;
	held = (int64_t)(cpu - h->cpu) - run;
	h->ns += held < 0 ? 0 : held > gap ? gap : held;
	h->cpu = cpu;
	h->tsc = tsc();
}

static void busy_until_fired(void)
{
	while (!atomic_load(&fired))
		;
}

/*
 * busy_until_fired() from the TSC reading @tsc0, taken just after the CPU
 * clock read @cpu0 (before the arming): how long the host held the
 * thread's vCPU (its CPU clock counted on while the loop stood still), by
 * the TSC only.  All of it in *@all; in *@last only what it held in the
 * end of the loop after its CPU time reached @value_ns (twice that, and
 * 1 ms), the stalls that can have made an expiry of that CPU time late:
 * a spinning thread's CPU time and wall time move together.
 */
#define GAP_LOG	64

static void busy_until_fired_held(uint64_t cpu0, uint64_t tsc0,
				  uint64_t value_ns, int64_t *all,
				  int64_t *last)
{
	struct { uint64_t end, len; } gap[GAP_LOG];
	uint64_t prev = tsc0, now, gaps = 0, in_window = 0;
	int64_t run, held, window_ns;
	unsigned int n = 0, i;
	bool done;

	*all = *last = 0;
	do {
		/* The last reading after the signal: a gap that held it. */
		done = atomic_load(&fired);
		now = tsc();
		if (now < prev)
			now = prev;
		if (now - prev >= held_min_cycles) {
			gap[n % GAP_LOG].end = now;
			gap[n % GAP_LOG].len = now - prev;
			n++;
			gaps += now - prev;
		}
		prev = now;
	} while (!done);
	if (!ns_per_cycle)
		return;
	run = (prev - tsc0 - gaps) * ns_per_cycle;
	held = (int64_t)(fired_thread_cpu - cpu0) - run;
	if (held > gaps * ns_per_cycle)
		held = gaps * ns_per_cycle;
	*all = held < 0 ? 0 : held;
	/* Twice: wall time the guest gave others is no CPU time. */
	window_ns = 2 * (int64_t)(fired_thread_cpu - cpu0 - value_ns) + MS;
	for (i = n > GAP_LOG ? n - GAP_LOG : 0; i < n; i++)
		if ((prev - gap[i % GAP_LOG].end) * ns_per_cycle <=
		    window_ns)
			in_window += gap[i % GAP_LOG].len;
	*last = in_window * ns_per_cycle;
	if (*last > *all)
		*last = *all;
}

/*
 * A companion: a CLOCK_MONOTONIC POSIX timer (an hrtimer, as the module's
 * CPU-time expiry is) every PEER_NS to this thread, whose lateness at
 * each signal is kept with the time it came.  On a busy host, interrupts
 * reach the guest late while its vCPU runs on (QEMU's timers run in
 * another host thread): the thread's CPU clock counts on, and every
 * hrtimer of that moment fires late alike.
 */
#define PEER_NS		(500 * 1000)
#define PEER_LOG	1024

static struct {
	uint64_t at, late;
} peer_log[PEER_LOG];
static unsigned int nr_peer;
static uint64_t peer_start, peer_ticks;

static void peer_handler(int sig, siginfo_t *si, void *uc)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC), due;

	/* Late since the first expiry it brings (the overruns are later). */
	due = peer_start + (peer_ticks + 1) * PEER_NS;
	peer_ticks += 1 + (si->si_overrun > 0 ? si->si_overrun : 0);
	peer_log[nr_peer % PEER_LOG].at = now;
	peer_log[nr_peer % PEER_LOG].late = now > due ? now - due : 0;
	nr_peer++;
}

static int peer_start_timer(timer_t *id)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGUSR2 };
	struct itimerspec its = { .it_value.tv_nsec = PEER_NS,
				  .it_interval.tv_nsec = PEER_NS };
	struct sigaction sa = { .sa_sigaction = peer_handler,
				.sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	sev._sigev_un._tid = itg_gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, id))
		return -1;
	nr_peer = 0;
	peer_ticks = 0;
	peer_start = now_ns(CLOCK_MONOTONIC);
	return timer_settime(*id, 0, &its, NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * How much later than usual the companion came at a time in [@from,
 * @to]: its latest there minus its 10th percentile over the sample (under
 * TCG an hrtimer is 1 to 3 ms late on an idle host, and the module's
 * expiry is one too; a low percentile, as the host that delays some
 * of them may delay most).
 */
static uint64_t peer_late_in(uint64_t from, uint64_t to)
{
	static uint64_t sorted[PEER_LOG];
	unsigned int i, n = nr_peer < PEER_LOG ? nr_peer : PEER_LOG;
	uint64_t late = 0;

	for (i = 0; i < n; i++) {
		sorted[i] = peer_log[i].late;
		if (peer_log[i].at >= from && peer_log[i].at <= to &&
		    peer_log[i].late > late)
			late = peer_log[i].late;
	}
	if (!n)
		return 0;
	qsort(sorted, n, sizeof(sorted[0]), cmp_u64);
	return late > sorted[n / 10] ? late - sorted[n / 10] : 0;
}

/*
 * One-shot of 200 ms of CPU on this busy thread: the module's timer, then
 * the native setitimer of the same type.  Returns the lateness of ours by
 * CLOCK_THREAD_CPUTIME_ID from the call of the ioctl that armed it, and
 * in *@native_err the native one's; for PROF also in *@peer_late how much
 * later than usual the companion hrtimer came about the expiry; prints
 * them.
 */
static int64_t oneshot_error(struct __test_metadata *_metadata, int fd,
			     int which, int sig, int64_t *peer_late,
			     int64_t *native_err, int64_t *held)
{
	struct itimerval native = { .it_value = { 0, 200000 } };
	bool peer = which == ITIMER_PROF;
	uint64_t t0, tsc0, w = ONESHOT_LATE_NS;
	int64_t ours, theirs, all, last;
	timer_t id;

	install(sig);
	fired = 0;
	rec_reset();
	*peer_late = 0;
	/* Its signals are CPU time of the thread: PROF only. */
	if (peer && peer_start_timer(&id))
		return INT64_MIN;
	t0 = thread_cpu();
	tsc0 = tsc();
	if (itg_set(fd, which, 200 * MS, 0, 0, 0, NULL)) {
		if (peer)
			timer_delete(id);
		return INT64_MIN;
	}
	busy_until_fired_held(t0, tsc0, 200 * MS, &all, &last);
	ours = fired_thread_cpu - t0 - 200 * MS;
	/*
	 * PROF counts a stall as CPU time: only one after the expiry made
	 * its signal late.  VIRTUAL follows the ticks, which a stall
	 * anywhere loses.
	 */
	*held = peer ? last : all;
	if (peer) {
		/* The companion's signals up to 2 ms after ours, too. */
		while (now_ns(CLOCK_MONOTONIC) < fired_mono + w)
			;
		timer_delete(id);
		signal(SIGUSR2, SIG_IGN);
		*peer_late = peer_late_in(fired_mono - w, fired_mono + w);
	}

	fired = 0;
	rec_reset();
	t0 = thread_cpu();
	setitimer(which, &native, NULL);
	busy_until_fired();
	theirs = fired_thread_cpu - t0 - 200 * MS;
	*native_err = theirs;
	TH_LOG("%s 200 ms one-shot: module %+.3f ms late (hrtimer +%.3f, held %.3f), native %+.3f",
	       which == ITIMER_PROF ? "ITIMER_PROF" : "ITIMER_VIRTUAL",
	       ours / 1e6, *peer_late / 1e6, *held / 1e6, theirs / 1e6);
	signal(sig, SIG_DFL);
	return ours;
}

static void check_oneshot(struct __test_metadata *_metadata, int which,
			  int sig)
{
	int fd = itg_open(O_CLOEXEC), try;
	int64_t err = INT64_MIN, native = 0, peer = 0, held = 0;

	if (itg_slow())
		SKIP(return, "accuracy is not measured on the debug kernel");
	ASSERT_LE(0, fd);
	if (held_min_cycles == UINT64_MAX)
		held_calibrate();
	/*
	 * Up to three samples ride out host noise.  PROF may be 2 ms late,
	 * and as much later as an hrtimer came about its expiry than usual:
	 * on a busy host the guest's vCPU stalls and its clocks count on
	 * (stress-ng on both host CPUs: 2.4 to 20 ms late, the hrtimer up to
	 * 33 ms).
	 * VIRTUAL follows the kernel's tick-sampled utime, which a busy host
	 * makes lag the CPU clock: it may be as late as the native one of
	 * the same sample.  Either may be as much later as the host held
	 * the thread's vCPU in the sample, by the TSC (the companion missed
	 * some: 13.4 ms late, the hrtimer 6.7 later than usual).
	 */
	for (try = 0; try < 3; try++) {
		err = oneshot_error(_metadata, fd, which, sig, &peer, &native,
				    &held);
		ASSERT_NE(INT64_MIN, err);
		/* Never early, in any sample. */
		ASSERT_GE(err, 0);
		if (which == ITIMER_VIRTUAL && err <= native)
			err = 0;
		if (err <= (int64_t)ONESHOT_LATE_NS + peer + held)
			break;
	}
	EXPECT_LE(err, (int64_t)ONESHOT_LATE_NS + peer + held);
	close(fd);
}

TEST(prof_oneshot_expires_within_2ms_of_cpu_time)
{
	check_oneshot(_metadata, ITIMER_PROF, SIGPROF);
}

TEST(virtual_oneshot_expires_within_2ms_of_cpu_time)
{
	check_oneshot(_metadata, ITIMER_VIRTUAL, SIGVTALRM);
}

/* CPU time a timer armed with 100 s has used, by its remaining time. */
static uint64_t used(int fd, int which)
{
	struct itg_timer_get g;

	if (itg_get(fd, which, &g) || !g.value_ns)
		return UINT64_MAX;
	return 100 * SEC - g.value_ns;
}

/* User time the native ITIMER_VIRTUAL armed with 100 s has counted. */
static uint64_t native_used(void)
{
	struct itimerval it;

	getitimer(ITIMER_VIRTUAL, &it);
	return 100 * SEC - (it.it_value.tv_sec * SEC +
			    it.it_value.tv_usec * 1000ULL);
}

static uint64_t thread_utime(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_utime.tv_sec * SEC + ru.ru_utime.tv_usec * 1000ULL;
}

TEST(virtual_counts_user_time_prof_counts_all)
{
	struct itimerval native = { .it_value = { 100, 0 } };
	uint64_t v0, p0, c0, u0, b0, n0, v, p, c, u, b, n;
	int fd = itg_open(O_CLOEXEC);

	if (itg_slow())
		SKIP(return, "tick-sampled bounds are not measured on the debug kernel");
	ASSERT_LE(0, fd);
	/* The kernel's own ITIMER_VIRTUAL beside ours, never to fire. */
	ASSERT_EQ(0, setitimer(ITIMER_VIRTUAL, &native, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 100 * SEC, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 100 * SEC, 0, 0, 0, NULL));

	/* Sleeping: neither clock moves but for this thread's calls. */
	c0 = thread_cpu();
	v0 = used(fd, ITG_TIMER_VIRTUAL);
	p0 = used(fd, ITG_TIMER_PROF);
	sleep_ns(300 * MS);
	v = used(fd, ITG_TIMER_VIRTUAL) - v0;
	p = used(fd, ITG_TIMER_PROF) - p0;
	c = thread_cpu() - c0;
	TH_LOG("sleep 300 ms: VIRTUAL %.3f ms, PROF %.3f ms, the thread's CPU %.3f ms",
	       v / 1e6, p / 1e6, c / 1e6);
	/*
	 * The thread is the group's only member: PROF is its CPU time in
	 * the calls (the ioctls, the sleep's entry and exit; IPIs cost more
	 * under RT and TCG), never more; the sleep adds nothing.  VIRTUAL's
	 * reads may differ by a tick from PROF's (its tick-sampled part).
	 */
	EXPECT_LE(p, c);
	EXPECT_LT(p, 30 * MS);
	EXPECT_LT(v, 5 * MS);

	/* A user loop: both move with the thread's CPU clock. */
	b0 = thread_cpu();
	v0 = used(fd, ITG_TIMER_VIRTUAL);
	p0 = used(fd, ITG_TIMER_PROF);
	u0 = thread_utime();
	n0 = native_used();
	c0 = thread_cpu();
	do {
		/* Pure user code between two reads of the (syscall) clock. */
		for (int i = 0; i < 100000; i++)
			asm volatile("" ::: "memory");
	} while (thread_cpu() - c0 < 200 * MS);
	c = thread_cpu() - c0;
	n = native_used() - n0;
	u = thread_utime() - u0;
	v = used(fd, ITG_TIMER_VIRTUAL) - v0;
	p = used(fd, ITG_TIMER_PROF) - p0;
	b = thread_cpu() - b0;
	TH_LOG("user loop %.3f ms CPU (%.3f user, %.3f around, native VIRTUAL %.3f)",
	       c / 1e6, u / 1e6, b / 1e6, n / 1e6);
	TH_LOG("  VIRTUAL %.3f ms, PROF %.3f ms",
	       v / 1e6, p / 1e6);
	/*
	 * PROF was read between an inner (c) and an outer (b) pair of
	 * readings of the clock of this thread, its group's only member:
	 * never ahead of the outer pair, with no slack.  (The inner pair
	 * alone once looked 6 ms short of PROF: round-robin TCG can stall a
	 * vCPU for milliseconds between two instructions, and every guest
	 * clock counts that as CPU time of the thread on it.)  It may lag a
	 * slice that ends while it is read.
	 */
	EXPECT_LE(p, b);
	EXPECT_GE(p + 2 * MS, c);
	/*
	 * The user share is tick-sampled, like the kernel's own utime: VIRTUAL
	 * is never ahead of rusage's user time by more than two ticks, and
	 * keeps up with the native ITIMER_VIRTUAL (ticks are its unit).  Not
	 * with rusage or the CPU clock: a vCPU the host stalls misses ticks
	 * that those two count (rusage scales the ticks up to the runtime,
	 * which counts the stall), and the native timer misses them too.
	 */
	EXPECT_LE(v, p + 4 * MS);
	EXPECT_LE(v, u + 8 * MS);
	EXPECT_GE(v + 8 * MS, n);

	/*
	 * A syscall loop: PROF moves, VIRTUAL only with the user ticks.
	 * PROF between an outer and an inner pair of clock readings, as
	 * above: the inner pair alone was 1.2 and 11 ms short of PROF once
	 * each (2026-12-02, 6.1 cloud and generic: a vCPU stalled between
	 * the reads, which the thread's clock counts).
	 */
	b0 = thread_cpu();
	v0 = used(fd, ITG_TIMER_VIRTUAL);
	p0 = used(fd, ITG_TIMER_PROF);
	u0 = thread_utime();
	c0 = thread_cpu();
	while (thread_cpu() - c0 < 300 * MS)
		syscall(SYS_brk, 0);
	c = thread_cpu() - c0;
	u = thread_utime() - u0;
	v = used(fd, ITG_TIMER_VIRTUAL) - v0;
	p = used(fd, ITG_TIMER_PROF) - p0;
	b = thread_cpu() - b0;
	TH_LOG("brk loop %.3f ms CPU (%.3f user, %.3f around): VIRTUAL %.3f ms, PROF %.3f ms",
	       c / 1e6, u / 1e6, b / 1e6, v / 1e6, p / 1e6);
	EXPECT_LE(p, b);
	EXPECT_GE(p + 2 * MS, c);
	/*
	 * VIRTUAL is never ahead of the kernel's own user time by more than
	 * three ticks: one that counted the system time would be 140 ms or
	 * more ahead here.  The kernel's user ticks since the arming are
	 * what the native ITIMER_VIRTUAL, armed first, counted: the whole
	 * test, not the loop alone, as VIRTUAL waits at a tick beyond the
	 * user ticks and may catch up in this loop with user time of the one
	 * before (a busy host, 6.1-rt: 42.4 ms in the loop for 29.7 of
	 * rusage's user time, after 118.1 ms in the user loop for 116 native
	 * ones).  Not "below half of PROF": how much of the loop the tick
	 * finds in user mode is the host's and the guest's, not ours (18 to
	 * 40 % in ten local runs; 53 % once in a CI replica).
	 */
	v = used(fd, ITG_TIMER_VIRTUAL);
	n = native_used();
	TH_LOG("since the arming: VIRTUAL %.3f ms, native VIRTUAL %.3f ms",
	       v / 1e6, n / 1e6);
	EXPECT_LE(v, n + 12 * MS);
	native.it_value.tv_sec = 0;
	setitimer(ITIMER_VIRTUAL, &native, NULL);
	close(fd);
}

struct spinner {
	pthread_t th;
	pid_t tid;
	int fd;
	bool go_private;
	uint64_t private_prof;	/* arm a private PROF one-shot of this */
	uint64_t duty_sleep_us;	/* sleep this long between 1 ms spins */
	uint64_t duty_spin_ms;	/* spins of this many ms (default 1) */
	uint64_t duty_spin_us;	/* or of this many us */
	bool sleep_only;	/* never spin: a member that sleeps */
	bool read_zero;		/* read(2) /dev/zero: mostly system time */
	uint64_t cpu_at_arm, cpu_at_fire;
	struct held held;
	uint64_t held_at_fire;	/* held.ns when cpu_at_fire was taken */
};

/* A read of /dev/zero this long is nearly all system time. */
#define ZERO_READ	(256 * 1024)

static atomic_bool spin_stop;
static atomic_int spin_ready;

static void *spinner_fn(void *arg)
{
	struct spinner *s = arg;
	uint64_t t, prev, now;
	char *buf = NULL;
	int zero = -1;

	s->tid = itg_gettid();
	if (s->read_zero) {
		zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		buf = malloc(ZERO_READ);
		if (zero < 0 || !buf)
			goto fail;
	}
	if (s->go_private && itg_scope(s->fd, ITG_SCOPE_PRIVATE, NULL))
		goto fail;
	/* Before the arming: a stall in it counts in its CPU time. */
	held_start(&s->held);
	prev = tsc();
	if (s->private_prof) {
		s->cpu_at_arm = thread_cpu();
		if (itg_set(s->fd, ITG_TIMER_PROF, s->private_prof, 0, 0, 0,
			    NULL))
			goto fail;
	}
	atomic_fetch_add(&spin_ready, 1);
	while (!atomic_load(&spin_stop)) {
		if (s->sleep_only) {
			/* Longer than a test's armed second: asleep there. */
			sleep_ns(1500 * MS);
			continue;
		}
		if (s->read_zero) {
			/* A signal may cut one short: read on. */
			if (read(zero, buf, ZERO_READ) < 0 && errno != EINTR)
				break;
			continue;
		}
		if (s->duty_sleep_us) {
			uint64_t spin = s->duty_spin_us ? s->duty_spin_us * 1000 :
					(s->duty_spin_ms ?: 1) * MS;

			t = thread_cpu();
			while (thread_cpu() - t < spin) {
				now = tsc();
				held_note(&s->held, prev, now);
				prev = now;
			}
			usleep(s->duty_sleep_us);
		}
		if (s->private_prof && !s->cpu_at_fire && rec_tid(s->tid)) {
			/* Noted first: the stall that held the signal. */
			now = tsc();
			held_note(&s->held, prev, now);
			prev = now;
			s->cpu_at_fire = thread_cpu();
			s->held_at_fire = s->held.ns;
		}
		now = tsc();
		held_note(&s->held, prev, now);
		prev = now;
	}
	if (zero >= 0)
		close(zero);
	free(buf);
	return NULL;
fail:
	/* Ready, without its work: the test sees what it did not do. */
	if (zero >= 0)
		close(zero);
	free(buf);
	atomic_fetch_add(&spin_ready, 1);
	return (void *)1;
}

static void spin_start(struct __test_metadata *_metadata, struct spinner *s,
		       int n, int fd)
{
	if (held_min_cycles == UINT64_MAX)
		held_calibrate();
	atomic_store(&spin_stop, false);
	atomic_store(&spin_ready, 0);
	atomic_store(&nr_spin_clocks, 0);
	ASSERT_EQ(0, pthread_getcpuclockid(pthread_self(), &spin_clocks[0]));
	for (int i = 0; i < n; i++) {
		s[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&s[i].th, NULL, spinner_fn, &s[i]));
		ASSERT_EQ(0, pthread_getcpuclockid(s[i].th,
						   &spin_clocks[i + 1]));
	}
	atomic_store(&nr_spin_clocks, n + 1);
	while (atomic_load(&spin_ready) < n)
		usleep(1000);
}

static void spin_join(struct spinner *s, int n)
{
	atomic_store(&nr_spin_clocks, 0);
	atomic_store(&spin_stop, true);
	for (int i = 0; i < n; i++)
		pthread_join(s[i].th, NULL);
}

/*
 * After spin_join(): did the host hold the vCPUs of the first @n
 * spinners for more than 10 % of @cpu_ns, their CPU time in the sample?
 * Then, on two CPUs, shares of signals say more about the host than about
 * the draw (stress-ng on both host CPUs: 23 % of the expirations for a
 * thread with 51 % of the CPU, held 24 to 66 % of the time; an idle host:
 * 2 to 7 %, handlers and interrupts longer than HELD_MIN_NS included).
 */
static bool host_held(struct __test_metadata *_metadata,
		      const struct spinner *s, int n, uint64_t cpu_ns)
{
	uint64_t held = 0;
	int i;

	for (i = 0; i < n; i++)
		held += s[i].held.ns;
	TH_LOG("the host held the spinners' vCPUs %.1f ms (their CPU time %.1f ms)%s",
	       held / 1e6, cpu_ns / 1e6,
	       held * 10 > cpu_ns ? ": shares not judged" : "");
	return held * 10 > cpu_ns;
}

/*
 * The first SIGUSR2 (the module's PROF) and the first SIGPROF (the native
 * ITIMER_PROF armed beside it): the sum of the threads' CPU clocks then.
 */
static atomic_int beside_fired[2];
static uint64_t beside_cpu[2];

static void beside_handler(int sig, siginfo_t *si, void *uc)
{
	int i = sig == SIGPROF;
	uint64_t c = exact_cpu();

	/* The value, then the flag that the main thread waits for. */
	if (!atomic_load(&beside_fired[i]))
		beside_cpu[i] = c;
	atomic_fetch_add(&beside_fired[i], 1);
}

/*
 * One sample: 4 busy threads, a 400 ms PROF one-shot of the module and a
 * native 400 ms ITIMER_PROF armed at the same moment.  Lateness of ours
 * by the threads' CPU clocks; the native one's in *@native_err.
 */
static int64_t shared_sample(struct __test_metadata *_metadata, int fd,
			     int64_t *native_err, int64_t *held)
{
	struct itimerval native = { .it_value = { 0, 400000 } };
	struct sigaction sa = { .sa_sigaction = beside_handler,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	struct spinner s[4] = {};
	int64_t err;
	uint64_t c0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	atomic_store(&beside_fired[0], 0);
	atomic_store(&beside_fired[1], 0);
	spin_start(_metadata, s, 4, fd);
	/* The main thread sleeps: a member that adds nothing. */
	c0 = exact_cpu();
	if (itg_set(fd, ITG_TIMER_PROF, 400 * MS, 0, SIGUSR2, 0, NULL))
		return INT64_MIN;
	setitimer(ITIMER_PROF, &native, NULL);
	while (!atomic_load(&beside_fired[0]) || !atomic_load(&beside_fired[1]))
		usleep(1000);
	err = beside_cpu[0] - c0 - 400 * MS;
	*native_err = beside_cpu[1] - c0 - 400 * MS;
	spin_join(s, 4);
	*held = s[0].held.ns + s[1].held.ns + s[2].held.ns + s[3].held.ns;
	TH_LOG("4 busy threads, 400 ms PROF, late by CPU clocks: module %+.3f ms, native %+.3f",
	       err / 1e6, *native_err / 1e6);
	TH_LOG("the host held the spinners' vCPUs %.3f ms", *held / 1e6);
	signal(SIGPROF, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	return atomic_load(&beside_fired[0]) == 1 ? err : INT64_MIN;
}

TEST(shared_prof_expires_after_the_sum_of_members_time)
{
	int fd = itg_open(O_CLOEXEC), try;
	int64_t err = INT64_MIN, native = 0, bound = 0, held = 0;

	if (itg_slow())
		SKIP(return, "accuracy is not measured on the debug kernel");
	ASSERT_LE(0, fd);
	for (try = 0; try < 3; try++) {
		err = shared_sample(_metadata, fd, &native, &held);
		ASSERT_NE(INT64_MIN, err);
		/* Never early, in any sample. */
		ASSERT_GE(err, 0);
		/*
		 * Two CPUs keep running while the signal is delivered.  A
		 * busy host stalls the vCPUs, and the guest's CPU clocks
		 * count the stalls: the native timer of the same sample,
		 * delivered through the same stalls, bounds that; and what
		 * the spinners saw the host hold them (the native timer
		 * missed some: 24.7 ms late, the native 14.9).
		 */
		bound = 4 * (int64_t)ONESHOT_LATE_NS;
		if (native > bound)
			bound = native;
		bound += held;
		if (err <= bound)
			break;
	}
	EXPECT_LE(err, bound);
	close(fd);
}

/*
 * One sample: a private 200 ms PROF timer on one of three spinners (two
 * stay shared).  Its thread's CPU time at the signal, or 0 on a failure.
 */
static uint64_t private_sample(struct __test_metadata *_metadata, int fd,
			       uint64_t *held)
{
	struct spinner s[3] = { { .go_private = true,
				  .private_prof = 200 * MS } };
	uint64_t c0, mine;

	rec_reset();
	install(SIGPROF);
	fired = 0;
	/*
	 * exact_cpu() sums this thread's clock and the new spinners' (not
	 * the process clock, which also holds an earlier sample's threads).
	 */
	c0 = thread_cpu();
	spin_start(_metadata, s, 3, fd);
	while (!s[0].cpu_at_fire)
		usleep(1000);
	spin_join(s, 3);
	mine = s[0].cpu_at_fire - s[0].cpu_at_arm;
	*held = s[0].held_at_fire;
	TH_LOG("private 200 ms PROF: thread %.3f ms (host held %.3f), process %.3f ms",
	       mine / 1e6, *held / 1e6, (fired_process_cpu - c0) / 1e6);
	/* Never early, on any sample. */
	EXPECT_GE(mine, 200 * MS);
	/* The two shared spinners ran meanwhile and did not count. */
	EXPECT_GE(fired_process_cpu - c0, 300 * MS);
	EXPECT_EQ(rec_count(), rec_tid(s[0].tid));
	signal(SIGPROF, SIG_DFL);
	return _metadata->passed ? mine : 0;
}

TEST(private_prof_counts_only_its_thread)
{
	int fd = itg_open(O_CLOEXEC), try;
	uint64_t mine = 0, held = 0, late = 4 * ONESHOT_LATE_NS;

	ASSERT_LE(0, fd);
	/*
	 * Up to three samples, as above: with three spinners on two vCPUs,
	 * round-robin TCG once stalled the thread's vCPU 25 ms past its
	 * expiry (guest clocks count a stalled vCPU's time as CPU time):
	 * late by at most 8 ms and what the host held the thread in the
	 * sample (33.7 ms late under stress-ng on both host cores).  The
	 * debug kernel's way to the handler: 8.5 and 11 ms late seen.
	 */
	if (itg_slow())
		late *= 3;
	for (try = 0; try < 3; try++) {
		mine = private_sample(_metadata, fd, &held);
		ASSERT_NE(0, mine);
		if (mine <= 200 * MS + late + held)
			break;
	}
	EXPECT_LE(mine, 200 * MS + late + held);
	close(fd);
}

/*
 * PROF every 1 ms on four busy threads (two vCPUs): every millisecond of
 * their CPU time is an expiry, in a signal or an overrun.  The count is
 * read while the timer is armed: a timer whose signal stayed pending
 * backs off (its callbacks come up to a second apart), and a read counts
 * what passed since such a timer's last callback.  A disarm does not (as
 * the kernel's POSIX timers, re-armed at dequeue, never count what passed
 * while their signal was pending).  The CPU time is read just before and just after
 * the arm and the read: the main thread competes with the four for the two
 * CPUs, and a preemption between a read of the CPU time and the module's
 * (tens of ms on the debug kernel) must widen the bounds, not shift them.
 * After the disarm, the signals carry exactly the count.
 */
TEST(periodic_1ms_prof_on_4_threads_overruns_match_cpu_time)
{
	struct spinner s[4] = {};
	int fd = itg_open(O_CLOEXEC);
	uint64_t c0, c0_set, c1, c2, overruns, lo, hi;
	struct itg_timer_get armed, g;
	int n;

	ASSERT_LE(0, fd);
	rec_reset();
	install(SIGPROF);
	spin_start(_metadata, s, 4, fd);
	c0 = exact_cpu();
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, MS, MS, 0, 0, NULL));
	c0_set = exact_cpu();
	sleep_ns(2 * SEC);
	sig_block(SIGPROF, SIG_BLOCK);
	c1 = exact_cpu() - c0_set;
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &armed));
	c2 = exact_cpu() - c0;
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &g));
	spin_join(s, 4);
	sig_block(SIGPROF, SIG_UNBLOCK);
	n = rec_sum(SIGPROF, SI_TIMER, &overruns);
	lo = c1 / MS - c1 / MS / 50;
	hi = c2 / MS + 1;
	TH_LOG("2 s: %llu expirations read armed, between %.1f and %.1f ms CPU",
	       (unsigned long long)armed.expirations, c1 / 1e6, c2 / 1e6);
	TH_LOG("%d signals + %llu overruns = %llu expirations at the disarm",
	       n, (unsigned long long)overruns,
	       (unsigned long long)g.expirations);
	EXPECT_EQ(g.expirations, n + overruns);
	EXPECT_LE(armed.expirations, hi);
	EXPECT_GE(armed.expirations, lo);
	EXPECT_GE(g.expirations, armed.expirations);
	close(fd);
	signal(SIGPROF, SIG_DFL);
}

/*
 * The delivery rule of a shared group's CPU-time timer: each expiry's
 * signal goes to a member running then, drawn among those on a CPU, so
 * that the signals are a fair sample of where the CPU time went.  PROF
 * every 1 ms for 1 s on a busy thread, a third-busy one (5 ms bursts),
 * a sleeping one and the main thread asleep: each thread's share of the
 * expirations (a signal and its overruns) is close to its share of the
 * CPU time, and the sleepers get none.
 *
 * With every thread on one CPU the draw is exact (the callback finds the
 * thread it interrupts), whatever the host does: 10 points.  On two CPUs
 * under emulation a thread whose vCPU the emulator holds back cannot take
 * its signal, and the next draws prefer the one that can (issue 11's
 * bench measures it): a loose bound there, and the busy thread first.
 */
static void check_shares(struct __test_metadata *_metadata, uint32_t flags,
			 bool one_cpu)
{
	struct spinner s[3] = { {},
				{ .duty_spin_ms = 5, .duty_sleep_us = 10000 },
				{ .sleep_only = true } };
	struct itg_timer_set set = { .size = sizeof(set),
				     .which = ITG_TIMER_PROF, .flags = flags,
				     .value_ns = MS, .interval_ns = MS };
	int fd = itg_open(O_CLOEXEC), n, i, sig[4];
	uint64_t c0[4], cpu[4], exp[4] = {}, total = 0, overruns;
	static const char * const names[] = { "main", "busy", "third",
					      "asleep" };
	double bound = one_cpu ? 10 : 25;
	struct itg_timer_get g;
	bool held;
	cpu_set_t all, cpu0;
	pid_t tid[4];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	CPU_ZERO(&cpu0);
	CPU_SET(sched_getcpu(), &cpu0);
	/* The spinners inherit it. */
	if (one_cpu)
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu0), &cpu0));
	rec_reset();
	install(SIGPROF);
	spin_start(_metadata, s, 3, fd);
	/* Clock 0 is the main thread's, i + 1 spinner i's. */
	for (i = 0; i < 4; i++)
		c0[i] = now_ns(spin_clocks[i]);
	ASSERT_EQ(0, ioctl(fd, ITG_IOC_SET_TIMER, &set));
	sleep_ns(SEC);
	sig_block(SIGPROF, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	for (i = 0; i < 4; i++) {
		cpu[i] = now_ns(spin_clocks[i]) - c0[i];
		total += cpu[i];
	}
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &g));
	spin_join(s, 3);
	sig_block(SIGPROF, SIG_UNBLOCK);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
	n = rec_sum(SIGPROF, SI_TIMER, &overruns);
	tid[0] = itg_gettid();
	for (i = 0; i < 3; i++)
		tid[i + 1] = s[i].tid;
	for (i = 0; i < 4; i++) {
		sig[i] = rec_tid(tid[i]);
		exp[i] = rec_tid_expirations(tid[i]);
	}
	TH_LOG("%s: %d signals + %llu overruns = %llu expirations",
	       one_cpu ? "one CPU" : "two CPUs", n,
	       (unsigned long long)overruns,
	       (unsigned long long)g.expirations);
	for (i = 0; i < 4; i++)
		TH_LOG("  %-6s expirations %5.1f %% (signals %5.1f %%), CPU %5.1f %%",
		       names[i], 100.0 * exp[i] / g.expirations,
		       n ? 100.0 * sig[i] / n : 0.0, 100.0 * cpu[i] / total);
	/*
	 * Every expiry in a signal.  On the debug kernel expirations can
	 * still be carried (not yet sent: every member had a signal
	 * pending) when the timer is disarmed, which drops them (1 and 3 of
	 * about 1,000 seen).
	 */
	EXPECT_LE(g.expirations - (n + overruns), itg_slow() ? 20 : 0);
	/*
	 * Signals, not only overruns.  On the debug kernel a signal's way
	 * through the kernel takes longer than the period, and most
	 * expirations fold into the one still pending: 248 signals of 974
	 * expirations in one run, 88 in a CI run on a slower host.
	 */
	ASSERT_GE(n, itg_slow() ? 20 : 100);
	/*
	 * Not on the slow debug kernel, where the kernel's own threads
	 * preempt the spinners half the time.  The draw of ~1,300 samples
	 * varies by about 1.5 points, and a burst loses the expiries found
	 * after it ended (the detection delay over twice the burst: a few
	 * points at 5 ms bursts under TCG); make bench measures precision.
	 */
	held = !one_cpu && host_held(_metadata, s, 2, cpu[1] + cpu[2]);
	for (i = 1; i < 3 && !itg_slow() && !held; i++) {
		double d = 100.0 * exp[i] / g.expirations -
			   100.0 * cpu[i] / total;

		EXPECT_LE(d < 0 ? -d : d, bound);
	}
	/*
	 * On the debug kernel a signal costs more than the 1 ms period: the
	 * sleeper that once took one keeps running its handler, and rightly
	 * gets the next ones (13 % of the CPU time there).  Elsewhere:
	 */
	if (!itg_slow()) {
		if (!held) {
			/* The busy thread more than the third-busy one. */
			EXPECT_GT(exp[1], exp[2]);
		}
		/* Never a sleeping thread while another ran. */
		EXPECT_EQ(0, sig[3]);
		/*
		 * The main thread sleeps but for arming and disarming: a
		 * signal there only at those moments, when it may be the one
		 * running, and the disarm's own for what was still owed;
		 * at most one more per ms of its CPU time (a busy host held
		 * its vCPU there for 12 ms: 6 signals).
		 */
		EXPECT_LE(sig[0], 3 + cpu[0] / MS);
	}
	close(fd);
	signal(SIGPROF, SIG_DFL);
}

TEST(prof_signals_follow_the_threads_cpu_shares)
{
	check_shares(_metadata, 0, true);
}

/* Two CPUs, and ITG_SET_TO_RUNNER, accepted: the rule it names. */
TEST(prof_signals_follow_cpu_shares_on_two_cpus)
{
	check_shares(_metadata, ITG_SET_TO_RUNNER, false);
}

/*
 * The expirations a callback finds fell in the window since the one
 * before: drawn in proportion to the CPU time each member used there, also
 * one whose burst began and ended in between (the slices that ended, kept
 * by the scheduler probe), not among those on a CPU at the callback.  A
 * busy thread beside one that runs 500 us bursts with 1 ms sleeps, on two
 * CPUs, PROF every 1 ms for 2 s: the bursty thread's share of the
 * expirations (signals and overruns) at least 0.88 of its share of the
 * CPU time, at most 1.25 (0.96 to 1.04 seen; 1.15 once on 6.1-rt, where
 * the callback is a thread that preempts a member).  0.5.1 drew among the
 * threads on a CPU at each callback and missed most of the bursts: 0.53
 * and 0.62 of its share (seen).
 */
TEST(prof_expirations_follow_the_cpu_time_of_short_bursts)
{
	struct spinner s[3] = { {},
				{ .duty_spin_us = 500, .duty_sleep_us = 1000 },
				{ .sleep_only = true } };
	int fd = itg_open(O_CLOEXEC), n, i;
	uint64_t cpu[3], exp[3], overruns;
	double share_cpu, share_exp;
	struct itg_timer_get g;
	cpu_set_t all;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	if (CPU_COUNT(&all) < 2)
		SKIP(return, "needs two CPUs");
	rec_reset();
	install(SIGPROF);
	spin_start(_metadata, s, 3, fd);
	for (i = 0; i < 3; i++)
		cpu[i] = now_ns(spin_clocks[i + 1]);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, MS, MS, 0, 0, NULL));
	sleep_ns(2 * SEC);
	sig_block(SIGPROF, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &g));
	for (i = 0; i < 3; i++)
		cpu[i] = now_ns(spin_clocks[i + 1]) - cpu[i];
	spin_join(s, 3);
	sig_block(SIGPROF, SIG_UNBLOCK);
	n = rec_sum(SIGPROF, SI_TIMER, &overruns);
	for (i = 0; i < 3; i++)
		exp[i] = rec_tid_expirations(s[i].tid);
	share_cpu = 100.0 * cpu[1] / (cpu[0] + cpu[1] ?: 1);
	share_exp = 100.0 * exp[1] / (exp[0] + exp[1] ?: 1);
	TH_LOG("%d signals + %llu overruns of %llu; bursty thread: %.1f %% of them, %.1f %% of CPU",
	       n, (unsigned long long)overruns,
	       (unsigned long long)g.expirations, share_exp, share_cpu);
	EXPECT_LE(g.expirations - (n + overruns), itg_slow() ? 20 : 0);
	ASSERT_LE(1000, g.expirations);
	/*
	 * The sleeper wakes every 1.5 s for a few microseconds, a slice
	 * drawn as rarely; but a vCPU that the host holds then counts as its
	 * CPU time (1.5 ms, and 2 expirations, seen once): at most its time,
	 * and a late callback's share.  In signals: one pending while its
	 * vCPU is held takes what expires meanwhile.  Not on the debug
	 * kernel, where a signal takes longer than the period and the
	 * sleeper that took one runs its handler on (7.5 ms of CPU, 43
	 * expirations in a CI replica, where most of them fold: 1,268
	 * signals for 3,312), as in check_shares().
	 */
	TH_LOG("the sleeper: %.3f ms CPU, %d signals, %llu expirations",
	       cpu[2] / 1e6, rec_tid(s[2].tid), (unsigned long long)exp[2]);
	if (!itg_slow())
		EXPECT_LE(rec_tid(s[2].tid), 3 + 2 * cpu[2] / MS);
	if (!itg_slow() && !host_held(_metadata, s, 2, cpu[0] + cpu[1])) {
		EXPECT_GE(share_exp, 0.88 * share_cpu);
		EXPECT_LE(share_exp, 1.25 * share_cpu);
	}
	close(fd);
	signal(SIGPROF, SIG_DFL);
}

/* User time of thread @tid (the kernel's ticks), from /proc; else -1. */
static uint64_t task_utime(pid_t tid)
{
	unsigned long long ut;
	char path[64], buf[1024], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return UINT64_MAX;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return UINT64_MAX;
	buf[len] = '\0';
	/* Field 14 (utime): the 12th after the command's closing ")". */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu",
			 &ut) != 1)
		return UINT64_MAX;
	return ut * SEC / sysconf(_SC_CLK_TCK);
}

/*
 * ITIMER_VIRTUAL counts user time, so its expirations fell in the user
 * time of the members, and go to them in proportion to it, as the
 * kernel's tick sends the native one to the thread it found in user mode.
 * A thread spinning in user mode beside one that lives in read(2) of
 * /dev/zero (system time but for a few percent), VIRTUAL every 1 ms for
 * 2 s: the reader's share of the signals (and of the expirations, where
 * the host did not hold the vCPUs) at most its share of the user time
 * (the kernel's ticks) plus 15 points.  0.5.3 weighed the
 * members by their CPU time, user and system: the reader got 47.7 % of
 * them for 2.4 % of the user time (seen); 0.5.4: 2.4 % for 0.5 %.
 */
TEST(virtual_expirations_follow_the_threads_user_time)
{
	struct spinner s[2] = { {}, { .read_zero = true } };
	int fd = itg_open(O_CLOEXEC), n, i;
	uint64_t ut[2], ut1[2], exp[2], overruns, cpu, spun;
	double share_user, share_exp, share_sig;
	struct itg_timer_get g;

	ASSERT_LE(0, fd);
	rec_reset();
	install(SIGVTALRM);
	spin_start(_metadata, s, 2, fd);
	for (i = 0; i < 2; i++)
		ut[i] = task_utime(s[i].tid);
	/* Clock 1 is the spinner's, 2 the reader's. */
	spun = now_ns(spin_clocks[1]);
	cpu = now_ns(spin_clocks[2]);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, MS, MS, 0, 0, NULL));
	sleep_ns(2 * SEC);
	sig_block(SIGVTALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_VIRTUAL, &g));
	cpu = now_ns(spin_clocks[2]) - cpu;
	spun = now_ns(spin_clocks[1]) - spun;
	for (i = 0; i < 2; i++)
		ut1[i] = task_utime(s[i].tid);
	spin_join(s, 2);
	for (i = 0; i < 2; i++) {
		ASSERT_NE(UINT64_MAX, ut[i]);
		ASSERT_NE(UINT64_MAX, ut1[i]);
		ut[i] = ut1[i] - ut[i];
	}
	/* The reader read all along: a tenth of a CPU at least. */
	TH_LOG("the reader's CPU time: %.0f ms", cpu / 1e6);
	ASSERT_LE(200 * MS, cpu);
	sig_block(SIGVTALRM, SIG_UNBLOCK);
	n = rec_sum(SIGVTALRM, SI_TIMER, &overruns);
	for (i = 0; i < 2; i++)
		exp[i] = rec_tid_expirations(s[i].tid);
	share_user = 100.0 * ut[1] / (ut[0] + ut[1] ?: 1);
	share_exp = 100.0 * exp[1] / (exp[0] + exp[1] ?: 1);
	share_sig = 100.0 * rec_tid(s[1].tid) /
		    (rec_tid(s[0].tid) + rec_tid(s[1].tid) ?: 1);
	TH_LOG("%d signals + %llu overruns of %llu", n,
	       (unsigned long long)overruns,
	       (unsigned long long)g.expirations);
	TH_LOG("reader: %.1f %% of them, %.1f %% of the user time (%.0f of %.0f ms)",
	       share_exp, share_user, ut[1] / 1e6, (ut[0] + ut[1]) / 1e6);
	TH_LOG("signals and expirations: spinner %d, %llu; reader %d, %llu",
	       rec_tid(s[0].tid), (unsigned long long)exp[0],
	       rec_tid(s[1].tid), (unsigned long long)exp[1]);
	EXPECT_LE(g.expirations - (n + overruns), itg_slow() ? 20 : 0);
	ASSERT_LE(200, g.expirations);
	/*
	 * Not judged where the host held the spinner's vCPU: its signals
	 * stay pending, later expirations fold into them wherever they are,
	 * the reader's included, and the timer backs off to a draw among
	 * the members on a CPU (stress-ng on both host cores: 12.9 to 50 %
	 * of the expirations, 6 to 36 % of the signals, for 1.3 to 4.6 % of
	 * the user time; held 54 to 100 % of the spinner's CPU time).
	 */
	if (!host_held(_metadata, s, 1, spun)) {
		EXPECT_LE(share_sig, share_user + 15);
		EXPECT_LE(share_exp, share_user + 15);
	}
	close(fd);
	signal(SIGVTALRM, SIG_DFL);
}

/*
 * A callback that runs late finds several expirations at once (an
 * interrupt held up; under emulation, a vCPU the host did not run).  Each
 * is owed a signal of its own, which a profiler that ignores si_overrun
 * (gperftools) would lose in a fold: one each to the running members, the
 * others at the next callbacks.  The module's fault injection (root) makes
 * every callback 3 ms late: PROF every 1 ms with two busy threads finds
 * about 7 expirations a callback, of which a fold would hide 5.
 */
#define INJECT_LATE "/sys/module/itimer_group/parameters/inject_late_ns"

FIXTURE(late) {
	int fd;
};

FIXTURE_SETUP(late)
{
	self->fd = -1;
	if (geteuid())
		SKIP(return, "needs root for the module's fault injection");
	if (read_number(INJECT_LATE) < 0)
		SKIP(return, "no inject_late_ns: a module before 0.5.0");
	/* Off, whatever a run killed before its teardown left. */
	ASSERT_EQ(0, write_param(INJECT_LATE, "0"));
	self->fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(late)
{
	if (!geteuid())
		write_param(INJECT_LATE, "0");
	if (self->fd >= 0)
		close(self->fd);
	signal(SIGPROF, SIG_DFL);
}

/*
 * One sample: PROF every 1 ms for @ms on two busy threads beside a
 * sleeping one, callbacks @inject ns late.  Returns the percentage of the
 * expirations folded into overruns; checks what holds whatever the host.
 */
static int late_sample(struct __test_metadata *_metadata, int fd,
		       const char *inject, uint64_t ms, bool one_cpu)
{
	struct spinner s[3] = { {}, {}, { .sleep_only = true } };
	struct itg_timer_get g;
	cpu_set_t all, cpu0;
	uint64_t overruns, cpu[3], exp[2];
	int n, busy[2];

	if (write_param(INJECT_LATE, inject) ||
	    sched_getaffinity(0, sizeof(all), &all))
		return -1;
	CPU_ZERO(&cpu0);
	CPU_SET(sched_getcpu(), &cpu0);
	/* The spinners inherit it: they take turns on that CPU. */
	if (one_cpu && sched_setaffinity(0, sizeof(cpu0), &cpu0))
		return -1;
	rec_reset();
	install(SIGPROF);
	spin_start(_metadata, s, 3, fd);
	/* Clock 0 is the main thread's, i + 1 spinner i's. */
	cpu[0] = now_ns(spin_clocks[1]);
	cpu[1] = now_ns(spin_clocks[2]);
	cpu[2] = now_ns(spin_clocks[3]);
	if (itg_set(fd, ITG_TIMER_PROF, MS, MS, 0, 0, NULL))
		return -1;
	sleep_ns(ms * MS);
	sig_block(SIGPROF, SIG_BLOCK);
	if (itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL) ||
	    write_param(INJECT_LATE, "0") || itg_get(fd, ITG_TIMER_PROF, &g))
		return -1;
	cpu[0] = now_ns(spin_clocks[1]) - cpu[0];
	cpu[1] = now_ns(spin_clocks[2]) - cpu[1];
	cpu[2] = now_ns(spin_clocks[3]) - cpu[2];
	spin_join(s, 3);
	sig_block(SIGPROF, SIG_UNBLOCK);
	if (sched_setaffinity(0, sizeof(all), &all))
		return -1;
	n = rec_sum(SIGPROF, SI_TIMER, &overruns);
	busy[0] = rec_tid(s[0].tid);
	busy[1] = rec_tid(s[1].tid);
	exp[0] = rec_tid_expirations(s[0].tid);
	exp[1] = rec_tid_expirations(s[1].tid);
	TH_LOG("%s ns late, %s: %d signals (busy %d, %d, asleep %d) + %llu overruns of %llu",
	       inject, one_cpu ? "one CPU" : "two CPUs", n, busy[0], busy[1], rec_tid(s[2].tid),
	       (unsigned long long)overruns,
	       (unsigned long long)g.expirations);
	TH_LOG("busy threads: %.0f %%, %.0f %% of the expirations, %.0f %%, %.0f %% of the CPU",
	       100.0 * exp[0] / (exp[0] + exp[1] ?: 1),
	       100.0 * exp[1] / (exp[0] + exp[1] ?: 1),
	       100.0 * cpu[0] / (cpu[0] + cpu[1] ?: 1),
	       100.0 * cpu[1] / (cpu[0] + cpu[1] ?: 1));
	/* Every expiry in one signal: those owed at the disarm too. */
	EXPECT_EQ(g.expirations, n + overruns);
	EXPECT_LE(100, g.expirations);
	/*
	 * Each busy thread its share of the expirations (its signals and
	 * their overruns): at least half its share of their CPU time.  0.5.0
	 * on PREEMPT_RT: 8 and 827 signals for equal CPU (the thread on the
	 * callback's CPU was never drawn there).  Not of the signals alone: a
	 * busy host stalls a vCPU whose thread the guest counts as running
	 * (drawn, its signal pending: folded), 78 signals against 433 seen.
	 */
	if (one_cpu || !host_held(_metadata, s, 2, cpu[0] + cpu[1])) {
		EXPECT_GE((double)exp[0] * (cpu[0] + cpu[1]),
			  0.5 * cpu[0] * (exp[0] + exp[1]));
		EXPECT_GE((double)exp[1] * (cpu[0] + cpu[1]),
			  0.5 * cpu[1] * (exp[0] + exp[1]));
	}
	/*
	 * The sleeper: signals only for CPU time of its own.  It sleeps
	 * through the sample, but may still be on its way to sleep at the
	 * arming, and a vCPU the host holds there counts as its time (2
	 * signals under stress-ng on both host cores).  A handler's time
	 * adds too: each misdirected signal raises the bound by far less
	 * than its one expiry.  Signals, not expirations: one pending while
	 * the host holds the sleeper's vCPU takes what expires meanwhile (3
	 * signals, 9 expirations for 0.9 ms of CPU under stress-ng).
	 */
	if (!itg_slow() && !itg_rt())
		EXPECT_LE(rec_tid(s[2].tid), 3 + 2 * cpu[2] / MS)
			TH_LOG("the sleeper: %.3f ms CPU, %llu expirations",
			       cpu[2] / 1e6,
			       (unsigned long long)rec_tid_expirations(s[2].tid));
	return g.expirations ? (int)(100 * overruns / g.expirations) : -1;
}

/*
 * Against the same run with callbacks on time, which measures what the
 * host's own stalls fold, the 3 ms late ones may fold 40 points more at
 * most.  Without owing, each late callback folds 5 of its 7: 81 % against
 * 9 % (0.4.0, idle host); with it, 0 against 0 idle, 58 against 26 under
 * stress-ng --cpu 2 (owing cannot outwait the host's longest stalls).  The debug kernel takes
 * longer than 1 ms over a signal.  On PREEMPT_RT, where the callback is a
 * thread, 0.5.0 gave one busy thread nearly every signal and folded 26 to
 * 69 % (a member the callback's thread took the CPU from on its way back
 * to user mode was not counted as running); 0.5.1: 0 % on two CPUs, 5 %
 * on one (6.1-rt).
 */
static void late_pair(struct __test_metadata *_metadata, int fd,
		      bool one_cpu)
{
	int on_time, late;

	on_time = late_sample(_metadata, fd, "0", 500, one_cpu);
	late = late_sample(_metadata, fd, "3000000", 1000, one_cpu);
	ASSERT_LE(0, on_time);
	ASSERT_LE(0, late);
	TH_LOG("folded: %d %% on time, %d %% 3 ms late", on_time, late);
	if (!itg_slow())
		EXPECT_LE(late, on_time + 40);
}

TEST_F(late, late_callbacks_send_a_signal_per_expiry)
{
	late_pair(_metadata, self->fd, false);
}

/*
 * The busy threads take turns on one CPU: the one that the late callback
 * finds running is owed its expirations, and may be preempted before it
 * took them all.  They wait for it to run again (0.5.0 folded them after
 * 9 callbacks that could send none: DBG).
 */
TEST_F(late, owed_expirations_wait_for_a_preempted_thread)
{
	late_pair(_metadata, self->fd, true);
}

static atomic_bool burst_done;

/*
 * 50 ms of CPU time in a burst, SIGPROF unblocked, then asleep until a
 * byte comes down the pipe @arg reads (the read restarts after a handler).
 */
static void *burst_then_sleep_fn(void *arg)
{
	uint64_t t0 = thread_cpu();
	char c;

	sig_block(SIGPROF, SIG_UNBLOCK);
	while (thread_cpu() - t0 < 50 * MS)
		;
	atomic_store(&burst_done, true);
	if (read(*(int *)arg, &c, 1) != 1)
		return (void *)1;
	return NULL;
}

/*
 * A disarm carries what is still owed into a signal: the timer's last one
 * if pending, else one of its signals pending at the calling thread, else
 * a new one there.  The main thread blocks SIGPROF and gets a signal (it
 * spins alone), then sleeps while another thread burns 50 ms of CPU and
 * sleeps, with callbacks 20 ms late: the one after its burst finds up to
 * 20 expirations, owed to it (asleep, it would take them as it woke, or
 * another member after 100 ms).  The main thread disarms 60 ms after the
 * burst: what is owed goes into the signal it holds.  0.5.2 and before
 * looked there only for a free slot and dropped it (18 expirations in 1 of
 * 5 samples seen, and 2 to 6 in 4 of 5 with the sleeper waking every 10
 * ms; 1 to 6 in 1 of 80 samples of four busy threads, when the main
 * thread blocked SIGPROF as a signal reached it).
 */
TEST_F(late, disarm_folds_what_is_owed_into_a_signal_pending_at_the_caller)
{
	uint64_t overruns, t0;
	struct itg_timer_get g;
	int n, i, mine, wake[2];
	pthread_t th;
	sigset_t pend;
	void *ret;

	install(SIGPROF);
	/* Five samples: the disarm does not always find some owed. */
	for (i = 0; i < 5; i++) {
		rec_reset();
		sig_block(SIGPROF, SIG_BLOCK);
		ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_PROF, MS, MS, 0, 0,
				     NULL));
		t0 = thread_cpu();
		do {
			ASSERT_GT(t0 + SEC, thread_cpu());
			sigpending(&pend);
		} while (!sigismember(&pend, SIGPROF));
		atomic_store(&burst_done, false);
		ASSERT_EQ(0, pipe(wake));
		ASSERT_EQ(0, write_param(INJECT_LATE, "20000000"));
		ASSERT_EQ(0, pthread_create(&th, NULL, burst_then_sleep_fn,
					    &wake[0]));
		while (!atomic_load(&burst_done))
			usleep(1000);
		sleep_ns(60 * MS);
		ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_PROF, 0, 0, 0, 0,
				     NULL));
		ASSERT_EQ(0, write_param(INJECT_LATE, "0"));
		ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_PROF, &g));
		ASSERT_EQ(1, write(wake[1], "", 1));
		ASSERT_EQ(0, pthread_join(th, &ret));
		ASSERT_EQ(NULL, ret);
		close(wake[0]);
		close(wake[1]);
		/* The signal held: taken here, with what the disarm put in it. */
		sig_block(SIGPROF, SIG_UNBLOCK);
		n = rec_sum(SIGPROF, SI_TIMER, &overruns);
		mine = rec_tid(itg_gettid());
		TH_LOG("%d signals (%d to this thread) + %llu overruns = %llu expirations?",
		       n, mine, (unsigned long long)overruns,
		       (unsigned long long)g.expirations);
		EXPECT_EQ(1, mine);
		EXPECT_EQ(g.expirations, n + overruns);
		/* Most of its 50 ms were found (not all, if very late). */
		EXPECT_LE(25, g.expirations);
	}
}

/* Take what is pending of SIGPROF: signals, and their overruns in *@o. */
static int take_pending_prof(uint64_t *o, int *bad)
{
	struct timespec zero = { 0 };
	siginfo_t si;
	sigset_t set;
	int n = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGPROF);
	while (sigtimedwait(&set, &si, &zero) == SIGPROF) {
		n++;
		*o += si.si_overrun;
		*bad += si.si_code != SI_TIMER;
	}
	return n;
}

/*
 * The only member blocks SIGPROF and takes it with sigtimedwait() between
 * spins of 100 us: each expiry is drawn to it as it runs, and as it blocks
 * the signal only as one that took a recent one (in a handler, for all the
 * module can see), a signal goes there each time, taken as it polls.
 * 0.5.0 owed them to that "handler" until it ended, which it never did,
 * and then folded them: 376 of 500 expirations.
 */
TEST(blocking_poller_gets_a_signal_per_expiry)
{
	int fd = itg_open(O_CLOEXEC), n = 0, bad = 0;
	uint64_t overruns = 0, t0, t;
	struct itg_timer_get g;

	ASSERT_LE(0, fd);
	/* A handler: what the disarm carries goes to one only. */
	install(SIGPROF);
	sig_block(SIGPROF, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, MS, MS, 0, 0, NULL));
	t0 = thread_cpu();
	while (thread_cpu() - t0 < 500 * MS) {
		t = thread_cpu();
		while (thread_cpu() - t < 100 * 1000)
			;
		n += take_pending_prof(&overruns, &bad);
	}
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &g));
	n += take_pending_prof(&overruns, &bad);
	sig_block(SIGPROF, SIG_UNBLOCK);
	signal(SIGPROF, SIG_DFL);
	close(fd);
	TH_LOG("%d signals + %llu overruns = %llu expirations", n,
	       (unsigned long long)overruns,
	       (unsigned long long)g.expirations);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(g.expirations, n + overruns);
	EXPECT_LE(400, g.expirations);
	/* Late callbacks fold nothing either: the host's stalls may. */
	if (!itg_slow())
		EXPECT_LE(overruns * 4, g.expirations);
}

TEST(sleeping_member_adds_nothing)
{
	struct spinner s[1] = { { .go_private = true } };
	int fd = itg_open(O_CLOEXEC);
	uint64_t u, mine;

	ASSERT_LE(0, fd);
	/* The shared group's only other thread is busy but private. */
	spin_start(_metadata, s, 1, fd);
	mine = thread_cpu();
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 100 * SEC, 0, 0, 0, NULL));
	sleep_ns(300 * MS);
	u = used(fd, ITG_TIMER_PROF);
	mine = thread_cpu() - mine;
	spin_join(s, 1);
	TH_LOG("main asleep 300 ms, private thread busy: shared PROF %.3f ms, main's CPU %.3f ms",
	       u / 1e6, mine / 1e6);
	/*
	 * Only the sleeper's own CPU time (its calls, and whatever stalls a
	 * busy host added to them), never the private thread's.
	 */
	EXPECT_LE(u, mine + 100 * 1000);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	close(fd);
}

/*
 * The scheduler probe stays registered while the module is loaded (patching
 * __schedule() at run time is what crashed emulated guests); cpu_probe
 * tells whether it does anything, i.e. whether some group tracks CPU time.
 */
TEST(probe_active_only_while_a_cpu_timer_is_armed)
{
	int fd = itg_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, probe_settles(0));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, SEC, 0, 0, 0, NULL));
	EXPECT_EQ(0, probe_registered());
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, SEC, 0, 0, 0, NULL));
	EXPECT_EQ(1, probe_registered());
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 0, 0, 0, 0, NULL));
	EXPECT_EQ(0, probe_settles(0));
	/* A one-shot that expires lets it go too. */
	install(SIGPROF);
	fired = 0;
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 20 * MS, 0, 0, 0, NULL));
	EXPECT_EQ(1, probe_registered());
	busy_until_fired();
	EXPECT_EQ(0, probe_settles(0));
	/* Closing the fd with one armed, too. */
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 10 * SEC, 0, 0, 0, NULL));
	EXPECT_EQ(1, probe_registered());
	close(fd);
	EXPECT_EQ(0, probe_settles(0));
	signal(SIGPROF, SIG_DFL);
}

static void *arm_disarm(void *arg)
{
	int fd = *(int *)arg, i, which, bad = 0;
	struct itg_timer_get g;

	for (i = 0; i < 300; i++) {
		which = 1 + (i & 1);
		if (i % 50 == 25 && itg_scope(fd, ITG_SCOPE_PRIVATE, NULL))
			bad++;
		if (i % 50 == 49 && itg_scope(fd, ITG_SCOPE_SHARED, NULL))
			bad++;
		if (itg_set(fd, which, SEC + i, MS, 0, 0, NULL) ||
		    itg_get(fd, which, &g) ||
		    itg_set(fd, which, 0, 0, 0, 0, NULL))
			bad++;
	}
	return (void *)(long)bad;
}

TEST(arm_and_disarm_from_many_threads_at_once)
{
	int fd = itg_open(O_CLOEXEC), i;
	struct itg_timer_get g;
	pthread_t th[8];
	void *bad;

	ASSERT_LE(0, fd);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, arm_disarm, &fd));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &bad));
		EXPECT_EQ(NULL, bad);
	}
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &g));
	EXPECT_EQ(0, g.value_ns);
	close(fd);
}

static void *burn_and_exit(void *arg)
{
	uint64_t t = thread_cpu();

	while (thread_cpu() - t < 20 * MS)
		;
	/* Its CPU time but for the way out. */
	*(uint64_t *)arg = thread_cpu();
	return NULL;
}

TEST(member_exiting_while_armed_keeps_its_time)
{
	int fd = itg_open(O_CLOEXEC), i;
	uint64_t c0, c, u, m0, burnt = 0, cpu[8];
	pthread_t th[8];

	ASSERT_LE(0, fd);
	c0 = process_cpu();	/* before: the arming counts for the timer */
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 100 * SEC, 0, 0, 0, NULL));
	/*
	 * After: this thread's time before the arming is not the timer's
	 * (read before it, a vCPU the host held there made it 2.3 ms more
	 * than the timer's, under stress-ng on both host cores).
	 */
	m0 = thread_cpu();
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, burn_and_exit,
					    &cpu[i]));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		burnt += cpu[i];
	}
	usleep(10000);
	c = process_cpu() - c0;
	burnt += thread_cpu() - m0;
	u = used(fd, ITG_TIMER_PROF);
	TH_LOG("8 threads of 20 ms exited: PROF used %.3f ms", u / 1e6);
	TH_LOG("their CPU up to their exits %.3f ms, the process clock %.3f ms",
	       burnt / 1e6, c / 1e6);
	/* All their time up to their exit counted, and not much more. */
	EXPECT_GE(u, burnt);
	/*
	 * The kernel adds an exiting thread's runtime to the process before
	 * its last schedule(), so the process clock misses a little of each
	 * of the 8; the group clock counts it (up to 0.75 ms each: 3.4 ms
	 * in all once seen on 6.12).  Not a bound the (slow) debug kernel
	 * keeps.
	 */
	if (!itg_slow())
		EXPECT_LE(u, c + 6 * MS);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	close(fd);
}

TEST(fork_child_starts_without_cpu_timers)
{
	int fd = itg_open(O_CLOEXEC), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 10 * SEC, 0, 0, 0, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct itg_timer_get g;
		int fd2 = itg_open(O_CLOEXEC);

		if (fd2 < 0 || itg_get(fd2, ITG_TIMER_PROF, &g))
			_exit(1);
		_exit(g.value_ns ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	close(fd);
}

/* The exec'd image: the PROF timer armed before exec expires in it. */
static int exec_child(int fd)
{
	struct timespec ts = { 0 };
	struct itg_timer_get g;
	sigset_t set;
	siginfo_t si;

	if (itg_get(fd, ITG_TIMER_PROF, &g) || !g.value_ns)
		return 2;
	sigemptyset(&set);
	sigaddset(&set, SIGPROF);
	/* Burn CPU until the (blocked) signal is pending. */
	for (;;) {
		sigset_t pend;

		sigpending(&pend);
		if (sigismember(&pend, SIGPROF))
			break;
	}
	if (sigtimedwait(&set, &si, &ts) != SIGPROF || si.si_code != SI_TIMER)
		return 3;
	return 0;
}

TEST(exec_keeps_cpu_timers_when_fd_survives)
{
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char fdstr[16];
		int fd = itg_open(0);

		sig_block(SIGPROF, SIG_BLOCK);
		if (fd < 0 ||
		    itg_set(fd, ITG_TIMER_PROF, 500 * MS, 0, 0, 0, NULL))
			_exit(1);
		snprintf(fdstr, sizeof(fdstr), "%d", fd);
		execl("/proc/self/exe", "itg_cputime", "--exec-child", fdstr,
		      NULL);
		_exit(99);
	}
	EXPECT_EQ(0, itg_wait_child(pid));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return exec_child(atoi(argv[2]));
	return test_harness_run(argc, argv);
}
