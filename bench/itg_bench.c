// SPDX-License-Identifier: GPL-2.0
/*
 * itg_bench: itimer groups against the kernel's own timers, side by side
 * in one run.  Every figure is a ratio or a distribution measured beside
 * the native equivalent, since absolute times under emulation mean little.
 *
 *   itg_bench ops          arm+disarm and get: module (shared, private; 1
 *                          and 8 threads), setitimer, timer_settime
 *   itg_bench oploop OP N  OP (arm_module_shared, arm_module_private,
 *                          arm_setitimer, get_module_shared,
 *                          get_module_private, get_getitimer) N times, for
 *                          a profiler
 *   itg_bench latency      ITIMER_REAL expiry-to-handler, one-shot and periodic
 *   itg_bench drift        10,000 periods of 1 ms
 *   itg_bench cpu          ITIMER_PROF / VIRTUAL lateness in CPU time
 *   itg_bench pingpong [--prof|--prof-crowd]   context-switch round trips
 *                          over a pipe (crowd: 10,000 other processes hold
 *                          state meanwhile)
 *   itg_bench scale        cost per arm and expiry latency as groups grow
 *   itg_bench memory       slab bytes per group and per armed timer
 *   itg_bench fd           wake-up of an epoll wait on a timer descriptor:
 *                          REAL against a native timerfd (wall), PROF
 *                          against the module's own PROF signal (CPU)
 *
 * Output: "BENCH <benchmark> <series> key=value ..." summary lines and
 * "RAW <series> <value>" samples, read by scripts/bench-report.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/itimer_group.h>

#define MS	1000000ULL
#define SEC	1000000000ULL

static int fd;

static uint64_t now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

static int itg_set(int which, uint64_t value, uint64_t interval, int signo)
{
	struct itg_timer_set s = { .size = sizeof(s), .which = which,
				   .signo = signo, .value_ns = value,
				   .interval_ns = interval };

	return ioctl(fd, ITG_IOC_SET_TIMER, &s);
}

static int itg_get(int which, struct itg_timer_get *g)
{
	memset(g, 0, sizeof(*g));
	g->size = sizeof(*g);
	g->which = which;
	return ioctl(fd, ITG_IOC_GET_TIMER, g);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort @v and print its distribution as a BENCH line and RAW samples. */
static void report(const char *bench, const char *series, uint64_t *v,
		   size_t n, const char *unit_note)
{
	size_t i;

	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("BENCH %s %s n=%zu p50=%llu p99=%llu max=%llu min=%llu%s\n",
	       bench, series, n, (unsigned long long)v[n / 2],
	       (unsigned long long)v[n * 99 / 100],
	       (unsigned long long)v[n - 1], (unsigned long long)v[0],
	       unit_note);
	for (i = 0; i < n; i++)
		printf("RAW %s.%s %llu\n", bench, series,
		       (unsigned long long)v[i]);
	fflush(stdout);
}

/* ---- ops: cost of arming + disarming, and of reading ---- */

#define OPS_N		5000
#define OPS_REPS	7
#define OPS_THREADS	8

static __thread timer_t posix_timer;

static int itg_private(void)
{
	struct itg_scope sc = { .size = sizeof(sc),
				.scope = ITG_SCOPE_PRIVATE };

	return ioctl(fd, ITG_IOC_SET_SCOPE, &sc);
}

static int itg_shared(void)
{
	struct itg_scope sc = { .size = sizeof(sc),
				.scope = ITG_SCOPE_SHARED };

	return ioctl(fd, ITG_IOC_SET_SCOPE, &sc);
}

/* As setitimer() with a NULL old value: ITG_SET_NO_OLD. */
static void op_itg_arm(void)
{
	static const struct itg_timer_set on = {
		.size = sizeof(on), .which = ITG_TIMER_REAL,
		.flags = ITG_SET_NO_OLD, .value_ns = SEC,
	}, off = {
		.size = sizeof(off), .which = ITG_TIMER_REAL,
		.flags = ITG_SET_NO_OLD,
	};

	ioctl(fd, ITG_IOC_SET_TIMER, &on);
	ioctl(fd, ITG_IOC_SET_TIMER, &off);
}

static void op_native_arm(void)
{
	struct itimerval on = { .it_value = { 1, 0 } }, off = { };

	setitimer(ITIMER_REAL, &on, NULL);
	setitimer(ITIMER_REAL, &off, NULL);
}

/* Both asking for the old setting. */
static void op_itg_arm_old(void)
{
	itg_set(ITG_TIMER_REAL, SEC, 0, 0);
	itg_set(ITG_TIMER_REAL, 0, 0, 0);
}

static void op_native_arm_old(void)
{
	struct itimerval on = { .it_value = { 1, 0 } }, off = { }, old;

	setitimer(ITIMER_REAL, &on, &old);
	setitimer(ITIMER_REAL, &off, &old);
}

static void op_posix_arm(void)
{
	struct itimerspec on = { .it_value = { 1, 0 } }, off = { };

	timer_settime(posix_timer, 0, &on, NULL);
	timer_settime(posix_timer, 0, &off, NULL);
}

static void op_itg_get(void)
{
	struct itg_timer_get g;

	itg_get(ITG_TIMER_REAL, &g);
}

static void op_native_get(void)
{
	struct itimerval v;

	getitimer(ITIMER_REAL, &v);
}

static void op_posix_get(void)
{
	struct itimerspec v;

	timer_gettime(posix_timer, &v);
}

/* The floor of any ioctl on the device: an unknown command (ENOTTY). */
static void op_itg_enotty(void)
{
	ioctl(fd, _IO(ITG_IOC_MAGIC, 0x7f));
}

/* The floor of any system call here. */
static void op_getppid(void)
{
	syscall(SYS_getppid);
}

static int posix_timer_new(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	return timer_create(CLOCK_MONOTONIC, &sev, &posix_timer);
}

/* ns per call of @op: one sample per repetition of OPS_N calls. */
static void time_op(const char *series, void (*op)(void), uint64_t *out)
{
	uint64_t t;
	int r, i;

	for (r = 0; r < OPS_REPS; r++) {
		t = now(CLOCK_MONOTONIC);
		for (i = 0; i < OPS_N; i++)
			op();
		out[r] = (now(CLOCK_MONOTONIC) - t) / OPS_N;
	}
	report("ops", series, out, OPS_REPS, " unit=ns/op");
}

/*
 * OPS_THREADS threads, each with a timer of its own (a private group's
 * REAL, or a POSIX timer), arm and disarm it OPS_N times at once: ns of
 * wall time per arm + disarm of one thread, one sample per repetition.
 */
static void (*par_op)(void);
static pthread_barrier_t par_start, par_end;
static bool par_private;

static void *par_thread(void *arg)
{
	int r, i;

	(void)arg;
	if (par_private && itg_private())
		perror("ITG_IOC_SET_SCOPE");
	if (!par_private && posix_timer_new())
		perror("timer_create");
	for (r = 0; r < OPS_REPS; r++) {
		pthread_barrier_wait(&par_start);
		for (i = 0; i < OPS_N; i++)
			par_op();
		pthread_barrier_wait(&par_end);
	}
	if (!par_private)
		timer_delete(posix_timer);
	return NULL;
}

static int time_par(const char *series, void (*op)(void), bool private,
		    uint64_t *out)
{
	pthread_t th[OPS_THREADS];
	uint64_t t;
	int r, i;

	par_op = op;
	par_private = private;
	pthread_barrier_init(&par_start, NULL, OPS_THREADS + 1);
	pthread_barrier_init(&par_end, NULL, OPS_THREADS + 1);
	for (i = 0; i < OPS_THREADS; i++)
		if (pthread_create(&th[i], NULL, par_thread, NULL))
			return perror("pthread_create"), 1;
	for (r = 0; r < OPS_REPS; r++) {
		pthread_barrier_wait(&par_start);
		t = now(CLOCK_MONOTONIC);
		pthread_barrier_wait(&par_end);
		out[r] = (now(CLOCK_MONOTONIC) - t) / OPS_N;
	}
	for (i = 0; i < OPS_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&par_start);
	pthread_barrier_destroy(&par_end);
	report("ops", series, out, OPS_REPS, " unit=ns/op");
	return 0;
}

/* Arm and read with the timers armed for the reads. */
static void ops_scope(const char *scope, uint64_t *v)
{
	char name[64];

	snprintf(name, sizeof(name), "arm_disarm_module_%s_1thread", scope);
	time_op(name, op_itg_arm, v);
	snprintf(name, sizeof(name), "arm_disarm_old_module_%s_1thread", scope);
	time_op(name, op_itg_arm_old, v);
	itg_set(ITG_TIMER_REAL, 100 * SEC, 0, 0);
	snprintf(name, sizeof(name), "get_module_%s_1thread", scope);
	time_op(name, op_itg_get, v);
	itg_set(ITG_TIMER_REAL, 0, 0, 0);
}

static int bench_ops(void)
{
	struct itimerval on = { .it_value = { 100, 0 } };
	uint64_t v[OPS_REPS];

	if (posix_timer_new())
		return perror("timer_create"), 1;
	/* Not reported: the emulator translates the paths as they first run. */
	for (int i = 0; i < OPS_N; i++) {
		op_itg_arm();
		op_itg_arm_old();
		op_native_arm();
		op_native_arm_old();
		op_posix_arm();
	}
	ops_scope("shared", v);
	time_op("arm_disarm_setitimer_1thread", op_native_arm, v);
	time_op("arm_disarm_old_setitimer_1thread", op_native_arm_old, v);
	time_op("arm_disarm_timer_settime_1thread", op_posix_arm, v);
	if (itg_private())
		return perror("ITG_IOC_SET_SCOPE"), 1;
	ops_scope("private", v);
	if (itg_shared())
		return perror("ITG_IOC_SET_SCOPE"), 1;
	/* Reading an armed timer. */
	setitimer(ITIMER_REAL, &on, NULL);
	timer_settime(posix_timer, 0,
		      &(struct itimerspec){ .it_value = { 100, 0 } }, NULL);
	time_op("get_getitimer_1thread", op_native_get, v);
	time_op("get_timer_gettime_1thread", op_posix_get, v);
	setitimer(ITIMER_REAL, &(struct itimerval){}, NULL);
	/* What every call pays before doing anything: to read the above. */
	time_op("ioctl_enotty_module", op_itg_enotty, v);
	time_op("syscall_getppid", op_getppid, v);
	/* Eight threads, each arming a timer of its own. */
	if (time_par("arm_disarm_module_private_8threads", op_itg_arm, true, v) ||
	    time_par("arm_disarm_timer_settime_8threads", op_posix_arm, false, v))
		return 1;
	return 0;
}

/*
 * One operation in a loop, for a profiler (scripts/itg-bench.sh, "perf"):
 * arm (module shared or private, setitimer) or get, @n times.
 */
static int bench_oploop(const char *what, long n)
{
	struct itimerval on = { .it_value = { 100, 0 } };
	void (*op)(void) = NULL;

	if (!strcmp(what, "arm_module_private") ||
	    !strcmp(what, "get_module_private"))
		if (itg_private())
			return perror("ITG_IOC_SET_SCOPE"), 1;
	if (!strncmp(what, "arm_module", 10))
		op = op_itg_arm;
	else if (!strcmp(what, "arm_setitimer"))
		op = op_native_arm;
	else if (!strncmp(what, "get_module", 10))
		op = op_itg_get;
	else if (!strcmp(what, "get_getitimer"))
		op = op_native_get;
	if (!op || n <= 0)
		return fprintf(stderr, "itg_bench oploop: bad %s %ld\n", what, n), 2;
	itg_set(ITG_TIMER_REAL, 100 * SEC, 0, 0);
	setitimer(ITIMER_REAL, &on, NULL);
	while (n--)
		op();
	itg_set(ITG_TIMER_REAL, 0, 0, 0);
	setitimer(ITIMER_REAL, &(struct itimerval){}, NULL);
	return 0;
}

/* ---- latency: expiry to handler, wall clock ---- */

#define LAT_N		500
#define LAT_ROUNDS	5
#define LAT_VALUE	(2 * MS)

static volatile uint64_t hits[LAT_N + 16];
static atomic_int nhits;

static void on_hit(int sig)
{
	int i = atomic_fetch_add(&nhits, 1);

	if (i < LAT_N + 16)
		hits[i] = now(CLOCK_MONOTONIC);
}

enum kind { MODULE, SETITIMER, POSIX };
static const char * const kind_name[] = { "module", "setitimer",
					   "timer_create" };

static void arm_kind(enum kind k, uint64_t value, uint64_t interval)
{
	struct itimerval iv = {
		.it_value = { value / SEC, value % SEC / 1000 },
		.it_interval = { interval / SEC, interval % SEC / 1000 },
	};
	struct itimerspec its = {
		.it_value = { value / SEC, value % SEC },
		.it_interval = { interval / SEC, interval % SEC },
	};

	if (k == MODULE)
		itg_set(ITG_TIMER_REAL, value, interval, SIGALRM);
	else if (k == SETITIMER)
		setitimer(ITIMER_REAL, &iv, NULL);
	else
		timer_settime(posix_timer, 0, &its, NULL);
}

static void wait_hits(int n, uint64_t limit_ns)
{
	uint64_t end = now(CLOCK_MONOTONIC) + limit_ns;
	sigset_t none;

	sigemptyset(&none);
	while (atomic_load(&nhits) < n && now(CLOCK_MONOTONIC) < end) {
		struct timespec ts = { 0, 200000 };

		nanosleep(&ts, NULL);
	}
}

/* One one-shot sample of @k: expiry to handler. */
static uint64_t oneshot_sample(enum kind k)
{
	uint64_t t0;

	atomic_store(&nhits, 0);
	t0 = now(CLOCK_MONOTONIC);
	arm_kind(k, LAT_VALUE, 0);
	wait_hits(1, SEC);
	return hits[0] - t0 - LAT_VALUE;
}

/* @n periods of @k into @lat, each hit against its grid time; how many. */
static int periodic_run(enum kind k, uint64_t *lat, int n)
{
	uint64_t t0;
	int i, got;

	atomic_store(&nhits, 0);
	t0 = now(CLOCK_MONOTONIC);
	arm_kind(k, LAT_VALUE, LAT_VALUE);
	wait_hits(n, 10 * SEC);
	arm_kind(k, 0, 0);
	got = atomic_load(&nhits);
	if (got > n)
		got = n;
	/*
	 * Each hit against the grid point just before it: an expiry folded
	 * into an overrun (or lost, natively) must not shift the later ones.
	 * Long-run accuracy is the drift benchmark's.
	 */
	for (i = 0; i < got; i++)
		lat[i] = (hits[i] - t0) % LAT_VALUE;
	return got;
}

/*
 * The three kinds take turns, sample by sample (one-shot) and in rounds
 * (periodic), so that a slow moment of the emulator or of the host falls
 * on all of them alike.
 */
static int bench_latency(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGALRM };
	static uint64_t once[POSIX + 1][LAT_N], per[POSIX + 1][LAT_N];
	int got[POSIX + 1] = { 0 };
	char series[64];
	enum kind k;
	int i, r;

	signal(SIGALRM, on_hit);
	if (timer_create(CLOCK_MONOTONIC, &sev, &posix_timer))
		return perror("timer_create"), 1;
	for (i = 0; i < LAT_N; i++)
		for (k = MODULE; k <= POSIX; k++)
			once[k][i] = oneshot_sample(k);
	for (r = 0; r < LAT_ROUNDS; r++)
		for (k = MODULE; k <= POSIX; k++)
			got[k] += periodic_run(k, per[k] + got[k],
					       LAT_N / LAT_ROUNDS);
	for (k = MODULE; k <= POSIX; k++) {
		snprintf(series, sizeof(series), "oneshot_%s", kind_name[k]);
		report("latency", series, once[k], LAT_N, " unit=ns");
		snprintf(series, sizeof(series), "periodic_%s", kind_name[k]);
		report("latency", series, per[k], got[k], " unit=ns");
	}
	return 0;
}

/* ---- drift: 10,000 periods of 1 ms ---- */

static atomic_int ticks;
static volatile uint64_t last_tick;

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	/* Overruns are periods too. */
	atomic_fetch_add(&ticks, 1 + (si->si_code == SI_TIMER ?
				      si->si_overrun : 0));
	last_tick = now(CLOCK_MONOTONIC);
}

static int bench_drift(void)
{
	struct sigaction sa = { .sa_sigaction = on_tick,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	const int periods = 10000;
	enum kind k;
	uint64_t t0;

	sigaction(SIGALRM, &sa, NULL);
	for (k = MODULE; k <= SETITIMER; k++) {
		int64_t drift;

		atomic_store(&ticks, 0);
		t0 = now(CLOCK_MONOTONIC);
		arm_kind(k, MS, MS);
		while (atomic_load(&ticks) < periods) {
			struct timespec ts = { 0, 5 * MS };

			nanosleep(&ts, NULL);
		}
		arm_kind(k, 0, 0);
		/*
		 * The tick that completed @periods was due at t0 + periods ms;
		 * how far the last handler ran after it (native overruns are
		 * lost, so its count can only lag).
		 */
		drift = (int64_t)(last_tick - t0) -
			(int64_t)atomic_load(&ticks) * (int64_t)MS;
		printf("BENCH drift %s periods=%d drift_ns=%lld drift_periods=%.3f\n",
		       kind_name[k], atomic_load(&ticks), (long long)drift,
		       drift / (double)MS);
		fflush(stdout);
	}
	return 0;
}

/* ---- cpu: CPU-time lateness ---- */

#define CPU_N		100
#define CPU_VALUE	(10 * MS)

static atomic_int cpu_fired;
static volatile uint64_t fired_cpu, fired_wall;

static void on_cpu(int sig)
{
	if (!atomic_load(&cpu_fired)) {
		fired_cpu = now(CLOCK_THREAD_CPUTIME_ID);
		fired_wall = now(CLOCK_MONOTONIC);
	}
	atomic_fetch_add(&cpu_fired, 1);
}

static int bench_cpu(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGPROF };
	static const char * const series[] = {
		"prof_module", "prof_setitimer", "prof_timer_create",
		"virtual_module", "virtual_setitimer", "real_setitimer_wall",
	};
	static uint64_t lat[6][CPU_N];
	unsigned int s;
	int i;

	signal(SIGPROF, on_cpu);
	signal(SIGVTALRM, on_cpu);
	signal(SIGALRM, on_cpu);
	if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &posix_timer))
		return perror("timer_create"), 1;
	/*
	 * The series take turns sample by sample, so that a slow moment
	 * falls on all alike; two warm-up rounds are not counted.
	 */
	for (i = -2; i < CPU_N; i++) {
		for (s = 0; s < sizeof(series) / sizeof(series[0]); s++) {
			struct itimerval iv = { .it_value = { 0, CPU_VALUE / 1000 } };
			struct itimerspec its = { .it_value = { 0, CPU_VALUE } };
			uint64_t c0, w0;

			atomic_store(&cpu_fired, 0);
			c0 = now(CLOCK_THREAD_CPUTIME_ID);
			w0 = now(CLOCK_MONOTONIC);
			switch (s) {
			case 0:
				itg_set(ITG_TIMER_PROF, CPU_VALUE, 0, 0);
				break;
			case 1:
				setitimer(ITIMER_PROF, &iv, NULL);
				break;
			case 2:
				timer_settime(posix_timer, 0, &its, NULL);
				break;
			case 3:
				itg_set(ITG_TIMER_VIRTUAL, CPU_VALUE, 0, 0);
				break;
			case 4:
				setitimer(ITIMER_VIRTUAL, &iv, NULL);
				break;
			default:
				setitimer(ITIMER_REAL, &iv, NULL);
			}
			/*
			 * A user-mode loop: under emulation clock_gettime() is a
			 * system call, so look at the deadline only now and then.
			 */
			for (unsigned int n = 1; !atomic_load(&cpu_fired); n++)
				if (!(n & 0xfffff) &&
				    now(CLOCK_MONOTONIC) - w0 > 5 * SEC) {
					printf("BENCH-ERROR cpu %s: no signal in 5 s\n",
					       series[s]);
					return 1;
				}
			if (i >= 0)
				lat[s][i] = s == 5 ? fired_wall - w0 - CPU_VALUE :
						     fired_cpu - c0 - CPU_VALUE;
		}
	}
	for (s = 0; s < sizeof(series) / sizeof(series[0]); s++)
		report("cpu", series[s], lat[s], CPU_N, " unit=ns");
	return 0;
}

/* ---- pingpong: context switches over a pipe ---- */

#define PP_N	5000
#define PP_REPS	5

static int p2c[2], c2p[2];

static void *pong(void *arg)
{
	char c;

	while (read(p2c[0], &c, 1) == 1 && c)
		if (write(c2p[1], &c, 1) != 1)
			break;
	return NULL;
}

/*
 * @n processes that each hold state in the module (their first ioctl) and
 * sleep: the scheduler probe's lookup must not grow with them.
 */
#define CROWD	10000

static pid_t crowd[CROWD];

static int crowd_start(int n)
{
	int p[2], i;
	char c;

	if (pipe(p))
		return -1;
	for (i = 0; i < n; i++) {
		crowd[i] = fork();
		if (crowd[i] < 0)
			return -1;
		if (!crowd[i]) {
			close(p[0]);
			/* The parent's descriptor is not this process's. */
			fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR | O_CLOEXEC);
			if (fd < 0 || itg_set(ITG_TIMER_REAL, 0, 0, 0) ||
			    write(p[1], "s", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	close(p[1]);
	for (i = 0; i < n; i++)
		if (read(p[0], &c, 1) != 1)
			return -1;
	close(p[0]);
	return 0;
}

static void crowd_stop(int n)
{
	int i;

	for (i = 0; i < n; i++)
		kill(crowd[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(crowd[i], NULL, 0);
}

static int bench_pingpong(const char *label, bool prof)
{
	uint64_t v[PP_REPS], t;
	char c = 1, series[64];
	pthread_t th;
	cpu_set_t one;
	int r, i;

	/*
	 * Both threads on one CPU, as lmbench's lat_ctx: every round trip is
	 * two context switches, not two cross-CPU wake-ups (which emulation
	 * makes slow and noisy).
	 */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return perror("sched_setaffinity"), 1;
	if (pipe(p2c) || pipe(c2p))
		return perror("pipe"), 1;
	if (prof)
		itg_set(ITG_TIMER_PROF, 1000 * SEC, 0, 0);
	pthread_create(&th, NULL, pong, NULL);
	for (r = 0; r < PP_REPS; r++) {
		t = now(CLOCK_MONOTONIC);
		for (i = 0; i < PP_N; i++)
			if (write(p2c[1], &c, 1) != 1 || read(c2p[0], &c, 1) != 1)
				return 1;
		v[r] = (now(CLOCK_MONOTONIC) - t) / PP_N;
	}
	c = 0;
	if (write(p2c[1], &c, 1) != 1)
		return 1;
	pthread_join(th, NULL);
	snprintf(series, sizeof(series), "%s", label);
	report("pingpong", series, v, PP_REPS, " unit=ns/roundtrip");
	return 0;
}

/* ---- scale: cost per arm and expiry latency as groups grow ---- */

static atomic_int parked;
static int park_pipe[2];	/* parked threads block reading it */

/* Blocks (no periodic wakeups: 10,000 of those swamp an emulated CPU). */
static void *parked_thread(void *arg)
{
	char c;

	if ((intptr_t)arg && ioctl(fd, ITG_IOC_SET_SCOPE,
				   &(struct itg_scope){
					.size = sizeof(struct itg_scope),
					.scope = ITG_SCOPE_PRIVATE }))
		perror("private");
	atomic_fetch_add(&parked, 1);
	while (read(park_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Arm+disarm cost and periodic expiry lateness in this thread, now. */
static void scale_point(const char *what, int count)
{
	uint64_t t, arm[5], lat[100];
	int i, n, r;

	/* The median of 5 runs of 400: one slow moment is not the figure. */
	for (r = 0; r < 5; r++) {
		t = now(CLOCK_MONOTONIC);
		for (i = 0; i < 400; i++)
			op_itg_arm();
		arm[r] = (now(CLOCK_MONOTONIC) - t) / 400;
	}
	qsort(arm, 5, sizeof(arm[0]), cmp_u64);
	signal(SIGALRM, on_hit);
	atomic_store(&nhits, 0);
	t = now(CLOCK_MONOTONIC);
	itg_set(ITG_TIMER_REAL, 2 * MS, 2 * MS, SIGALRM);
	wait_hits(100, 5 * SEC);
	itg_set(ITG_TIMER_REAL, 0, 0, 0);
	n = atomic_load(&nhits) > 100 ? 100 : atomic_load(&nhits);
	for (i = 0; i < n; i++)
		lat[i] = (hits[i] - t) % (2 * MS);	/* as in bench_latency() */
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	printf("BENCH scale %s count=%d arm_disarm_ns=%llu expiry_p50_ns=%llu expiry_p99_ns=%llu\n",
	       what, count, (unsigned long long)arm[2],
	       (unsigned long long)(n ? lat[n / 2] : 0),
	       (unsigned long long)(n ? lat[n * 99 / 100] : 0));
	fflush(stdout);
}

static int bench_scale(const char *what, bool private_groups,
		       const int *points, int npoints)
{
	pthread_attr_t attr;
	static pthread_t th[10000];
	int made = 0, p;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 32 << 10);
	if (pipe(park_pipe))
		return perror("pipe"), 1;
	atomic_store(&parked, 0);
	for (p = 0; p < npoints; p++) {
		for (; made < points[p] - 1; made++)
			if (pthread_create(&th[made], &attr, parked_thread,
					   (void *)(intptr_t)private_groups))
				return perror("pthread_create"), 1;
		while (atomic_load(&parked) < made)
			usleep(10000);
		scale_point(what, points[p]);
	}
	close(park_pipe[1]);	/* end of file: every parked thread returns */
	while (made--)
		pthread_join(th[made], NULL);
	close(park_pipe[0]);
	return 0;
}

/* ---- memory: slab bytes per group and per armed timer ---- */

static long slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static atomic_int step;

static void *memory_thread(void *arg)
{
	atomic_fetch_add(&parked, 1);
	while (atomic_load(&step) < 1)
		usleep(20000);
	ioctl(fd, ITG_IOC_SET_SCOPE, &(struct itg_scope){
		.size = sizeof(struct itg_scope), .scope = ITG_SCOPE_PRIVATE });
	atomic_fetch_add(&parked, 1);
	while (atomic_load(&step) < 2)
		usleep(20000);
	itg_set(ITG_TIMER_REAL, 1000 * SEC, 0, 0);
	atomic_fetch_add(&parked, 1);
	while (atomic_load(&step) < 3)
		usleep(20000);
	return NULL;
}

static int bench_memory(void)
{
	enum { N = 2000 };
	static pthread_t th[N];
	pthread_attr_t attr;
	long s0, s1, s2;
	int i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 32 << 10);
	for (i = 0; i < N; i++)
		if (pthread_create(&th[i], &attr, memory_thread, NULL))
			return perror("pthread_create"), 1;
	while (atomic_load(&parked) < N)
		usleep(20000);
	sleep(1);
	s0 = slab_kb();
	atomic_store(&step, 1);
	while (atomic_load(&parked) < 2 * N)
		usleep(20000);
	sleep(1);
	s1 = slab_kb();
	atomic_store(&step, 2);
	while (atomic_load(&parked) < 3 * N)
		usleep(20000);
	sleep(1);
	s2 = slab_kb();
	atomic_store(&step, 3);
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	printf("BENCH memory groups n=%d bytes_per_group=%ld bytes_per_armed_timer=%ld\n",
	       N, (s1 - s0) * 1024 / N, (s2 - s1) * 1024 / N);
	fflush(stdout);
	return 0;
}

/* ---- fd: epoll on a timer descriptor ---- */

#define FD_N		1000		/* a p99 of 10 samples, not 3 */
#define FD_PROF_N	500		/* 20 ms of CPU each, two series */
#define FD_VALUE	(2 * MS)
#define FD_CPU_VALUE	(20 * MS)

static int timer_fd(int which)
{
	struct itg_timer_fd req = { .size = sizeof(req), .which = which,
				    .flags = ITG_FD_CLOEXEC | ITG_FD_NONBLOCK };

	return ioctl(fd, ITG_IOC_TIMER_FD, &req) ? -1 : req.fd;
}

static int arm_quiet(int which, uint64_t value)
{
	struct itg_timer_set s = { .size = sizeof(s), .which = which,
				   .flags = ITG_SET_NO_SIGNAL,
				   .value_ns = value };

	return ioctl(fd, ITG_IOC_SET_TIMER, &s);
}

/* Wait for @ep's one descriptor: the wall time at the wake-up. */
static uint64_t epoll_once(int ep)
{
	struct epoll_event ev;

	while (epoll_wait(ep, &ev, 1, 5000) != 1)
		;
	return now(CLOCK_MONOTONIC);
}

/* Take the count of descriptor @t (after the time was read). */
static void drain(int t)
{
	uint64_t v;

	if (read(t, &v, sizeof(v)) != sizeof(v))
		perror("bench fd: read");
}

static atomic_bool fd_spin_stop;
static atomic_int fd_sig;
static volatile uint64_t fd_sig_cpu;
static clockid_t fd_spin_clock, fd_main_clock;

/* The group's CPU time: the spinner's and the main thread's. */
static uint64_t fd_group_cpu(void)
{
	return now(fd_spin_clock) + now(fd_main_clock);
}

static void on_fd_sig(int sig)
{
	if (!atomic_load(&fd_sig))
		fd_sig_cpu = fd_group_cpu();
	atomic_fetch_add(&fd_sig, 1);
}

static void *fd_spinner(void *arg)
{
	sigset_t none;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	while (!atomic_load(&fd_spin_stop))
		;
	return arg;
}

/*
 * REAL: the module's descriptor against a timerfd, a one-shot of 2 ms
 * each, sample by sample: from the expiry to epoll_wait()'s return.  PROF:
 * one busy thread and the main thread, the group: its CPU time (both
 * threads' clocks) when the descriptor woke the main thread, against when
 * the module's PROF signal reached the busy thread, each 20 ms of CPU
 * after the arming.
 */
static int bench_fd(void)
{
	struct itimerspec its = { .it_value = { 0, FD_VALUE } };
	struct epoll_event ev = { .events = EPOLLIN };
	static uint64_t lat[4][FD_N];	/* FD_PROF_N <= FD_N */
	int ep_mod, ep_nat, t_real, t_prof, tfd, ep_prof, i;
	sigset_t prof;
	pthread_t th;
	uint64_t t0, w;

	t_real = timer_fd(ITG_TIMER_REAL);
	t_prof = timer_fd(ITG_TIMER_PROF);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ep_mod = epoll_create1(EPOLL_CLOEXEC);
	ep_nat = epoll_create1(EPOLL_CLOEXEC);
	ep_prof = epoll_create1(EPOLL_CLOEXEC);
	if (t_real < 0 || t_prof < 0 || tfd < 0 || ep_mod < 0 || ep_nat < 0 ||
	    ep_prof < 0 || epoll_ctl(ep_mod, EPOLL_CTL_ADD, t_real, &ev) ||
	    epoll_ctl(ep_nat, EPOLL_CTL_ADD, tfd, &ev) ||
	    epoll_ctl(ep_prof, EPOLL_CTL_ADD, t_prof, &ev))
		return perror("bench fd: setup"), 1;
	for (i = -2; i < FD_N; i++) {
		t0 = now(CLOCK_MONOTONIC);
		arm_quiet(ITG_TIMER_REAL, FD_VALUE);
		w = epoll_once(ep_mod);
		drain(t_real);
		if (i >= 0)
			lat[0][i] = w - t0 - FD_VALUE;
		t0 = now(CLOCK_MONOTONIC);
		timerfd_settime(tfd, 0, &its, NULL);
		w = epoll_once(ep_nat);
		drain(tfd);
		if (i >= 0)
			lat[1][i] = w - t0 - FD_VALUE;
	}
	report("fd", "real_module_fd", lat[0], FD_N, " unit=ns");
	report("fd", "real_timerfd", lat[1], FD_N, " unit=ns");

	/* PROF: the main thread blocks SIGPROF; the spinner takes it. */
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &prof, NULL);
	signal(SIGPROF, on_fd_sig);
	if (pthread_create(&th, NULL, fd_spinner, NULL) ||
	    pthread_getcpuclockid(th, &fd_spin_clock) ||
	    pthread_getcpuclockid(pthread_self(), &fd_main_clock))
		return perror("bench fd: thread"), 1;
	for (i = -2; i < FD_PROF_N; i++) {
		uint64_t c0 = fd_group_cpu(), c;

		arm_quiet(ITG_TIMER_PROF, FD_CPU_VALUE);
		epoll_once(ep_prof);
		c = fd_group_cpu();
		drain(t_prof);
		if (i >= 0)
			lat[2][i] = c - c0 - FD_CPU_VALUE;
		atomic_store(&fd_sig, 0);
		c0 = fd_group_cpu();
		itg_set(ITG_TIMER_PROF, FD_CPU_VALUE, 0, SIGPROF);
		while (!atomic_load(&fd_sig))
			usleep(1000);
		if (i >= 0)
			lat[3][i] = fd_sig_cpu - c0 - FD_CPU_VALUE;
	}
	atomic_store(&fd_spin_stop, true);
	pthread_join(th, NULL);
	report("fd", "prof_module_fd", lat[2], FD_PROF_N, " unit=ns");
	report("fd", "prof_module_signal", lat[3], FD_PROF_N, " unit=ns");
	return 0;
}

int main(int argc, char **argv)
{
	static const int group_points[] = { 1, 10, 100, 1000, 10000 };
	static const int thread_points[] = { 1, 10, 100, 1000 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return fprintf(stderr, "usage: itg_bench MODE (see the source)\n"), 2;
	if (!strcmp(argv[1], "pingpong") && argc > 2 &&
	    !strcmp(argv[2], "--nomodule"))
		return bench_pingpong("module_not_loaded", false);
	fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return perror("open /dev/" ITG_DEVICE_NAME), 1;
	if (!strcmp(argv[1], "ops"))
		return bench_ops();
	if (!strcmp(argv[1], "oploop") && argc == 4)
		return bench_oploop(argv[2], atol(argv[3]));
	if (!strcmp(argv[1], "latency"))
		return bench_latency();
	if (!strcmp(argv[1], "drift"))
		return bench_drift();
	if (!strcmp(argv[1], "cpu"))
		return bench_cpu();
	if (!strcmp(argv[1], "pingpong") && argc > 2 &&
	    !strcmp(argv[2], "--prof-crowd")) {
		int ret = crowd_start(CROWD) ? 1 :
			  bench_pingpong("prof_armed_10000_processes", true);

		crowd_stop(CROWD);
		return ret;
	}
	if (!strcmp(argv[1], "pingpong"))
		return argc > 2 && !strcmp(argv[2], "--prof") ?
		       bench_pingpong("prof_armed", true) :
		       bench_pingpong("loaded_idle", false);
	if (!strcmp(argv[1], "scale"))
		return bench_scale("private_groups", true, group_points, 5) ||
		       bench_scale("shared_threads", false, thread_points, 4);
	if (!strcmp(argv[1], "memory"))
		return bench_memory();
	if (!strcmp(argv[1], "fd"))
		return bench_fd();
	fprintf(stderr, "itg_bench: unknown mode %s\n", argv[1]);
	return 2;
}
