// SPDX-License-Identifier: GPL-2.0
/*
 * itg_demo: the scenario `make demo` shows.  A process with four threads:
 * its shared group has an ITIMER_REAL and an ITIMER_PROF, one thread moves
 * to a private group with its own ITIMER_REAL, and the application's own
 * native setitimer(ITIMER_REAL) runs beside them.  It prints who got which
 * signal, and shows itgstat while the timers run.  Exit status 0 when every
 * signal went to its own group.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/itimer_group.h>

#define NTHREADS	4
#define PRIVATE		3	/* the thread that goes private */

enum { SHARED_REAL = 1, SHARED_PROF, PRIVATE_REAL, NATIVE, NKINDS };

static const char * const kind_name[NKINDS] = {
	[SHARED_REAL] = "shared REAL", [SHARED_PROF] = "shared PROF",
	[PRIVATE_REAL] = "private REAL", [NATIVE] = "native setitimer",
};

static int fd;
static pid_t tids[NTHREADS];
static atomic_int got[NTHREADS][NKINDS];
static atomic_int ready;
static atomic_bool stop;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("\n--> ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static int me(void)
{
	pid_t tid = syscall(SYS_gettid);

	for (int i = 0; i < NTHREADS; i++)
		if (tids[i] == tid)
			return i;
	return 0;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int kind = NATIVE;

	if (si->si_code == SI_TIMER)
		kind = (int)(uintptr_t)si->si_value.sival_ptr;
	if (kind > 0 && kind < NKINDS)
		atomic_fetch_add(&got[me()][kind], 1 + (si->si_code == SI_TIMER ?
							 si->si_overrun : 0));
}

static int arm(int which, __u64 every_ns, __u32 flags, __u64 kind)
{
	struct itg_timer_set set = {
		.size = sizeof(set), .which = which, .flags = flags,
		.value_ns = every_ns, .interval_ns = every_ns, .cookie = kind,
	};

	return ioctl(fd, ITG_IOC_SET_TIMER, &set);
}

/* Sleep @ms of wall time, whatever signals come meanwhile. */
static void sleep_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

static void burn_ms(int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		for (int i = 0; i < 20000; i++)
			asm volatile("" ::: "memory");
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
		 (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static void *thread_fn(void *arg)
{
	int i = (intptr_t)arg;

	tids[i] = syscall(SYS_gettid);
	if (i == PRIVATE) {
		struct itg_scope scope = { .size = sizeof(scope),
					   .scope = ITG_SCOPE_PRIVATE };

		if (ioctl(fd, ITG_IOC_SET_SCOPE, &scope) ||
		    arm(ITG_TIMER_REAL, 20000000, 0, PRIVATE_REAL))
			perror("private group"), exit(1);
		printf("    thread %d (tid %d) is now alone in private group %llu,\n",
		       i, tids[i], (unsigned long long)scope.info.id);
		printf("    with its own ITIMER_REAL every 20 ms\n");
	}
	atomic_fetch_add(&ready, 1);
	while (!atomic_load(&stop)) {
		/* Threads 1 and 2 burn CPU, 0 and 3 mostly sleep. */
		if (i == 1 || i == 2)
			burn_ms(10);
		else
			usleep(10000);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	struct itimerval native = { { 0, 25000 }, { 0, 25000 } };
	struct itg_group_info info = { .size = sizeof(info) };
	char cmd[64];
	pthread_t th[NTHREADS];
	int i, bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return perror("open /dev/" ITG_DEVICE_NAME), 1;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	tids[0] = syscall(SYS_gettid);

	say("Process %d starts 3 more threads. %s", getpid(),
	    "Like Linux itimers since 2.6.12, they share one itimer group.");
	ioctl(fd, ITG_IOC_GET_GROUP, &info);
	printf("    shared group %llu\n", (unsigned long long)info.id);
	for (i = 1; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, thread_fn, (void *)(intptr_t)i);
	while (atomic_load(&ready) < NTHREADS - 1)
		usleep(1000);
	ioctl(fd, ITG_IOC_GET_GROUP, &info);
	printf("    shared group %llu: %u member threads now (thread %d left it)\n",
	       (unsigned long long)info.id, info.nr_members, PRIVATE);

	say("%s\n    %s\n    %s\n    %s",
	    "The shared group arms ITIMER_REAL every 10 ms and ITIMER_PROF every",
	    "5 ms of its threads' CPU time (PROF goes to a running thread, drawn: each",
	    "gets its share of the CPU). The application's setitimer(ITIMER_REAL) ticks every",
	    "25 ms beside them. Threads 1 and 2 burn CPU; threads 0 and 3 sleep.");
	if (arm(ITG_TIMER_REAL, 10000000, 0, SHARED_REAL) ||
	    arm(ITG_TIMER_PROF, 5000000, 0, SHARED_PROF))
		return perror("ITG_IOC_SET_TIMER"), 1;
	setitimer(ITIMER_REAL, &native, NULL);

	sleep_ms(500);
	say("While they run, itgstat shows the groups and timers:");
	snprintf(cmd, sizeof(cmd), "itgstat -p %d", getpid());
	if (system(cmd))
		printf("    (itgstat not available)\n");
	sleep_ms(500);

	arm(ITG_TIMER_REAL, 0, 0, 0);
	arm(ITG_TIMER_PROF, 0, 0, 0);
	memset(&native, 0, sizeof(native));
	setitimer(ITIMER_REAL, &native, NULL);
	atomic_store(&stop, true);
	for (i = 1; i < NTHREADS; i++)
		pthread_join(th[i], NULL);

	say("Expirations per thread (signals + overruns), by timer:");
	printf("    %-8s %-8s %13s %13s %14s %18s\n", "thread", "tid",
	       kind_name[SHARED_REAL], kind_name[SHARED_PROF],
	       kind_name[PRIVATE_REAL], kind_name[NATIVE]);
	for (i = 0; i < NTHREADS; i++) {
		printf("    %-8d %-8d %13d %13d %14d %18d%s\n", i, tids[i],
		       got[i][SHARED_REAL], got[i][SHARED_PROF],
		       got[i][PRIVATE_REAL], got[i][NATIVE],
		       i == PRIVATE ? "   <- private group" : "");
		if (i == PRIVATE ? got[i][SHARED_REAL] || got[i][SHARED_PROF] :
				   got[i][PRIVATE_REAL])
			bad = 1;
	}
	/* PROF went to the busy threads mostly. */
	if (!got[PRIVATE][PRIVATE_REAL] ||
	    got[0][SHARED_PROF] > got[1][SHARED_PROF] + got[2][SHARED_PROF])
		bad = 1;
	say("%s", bad ? "FAIL: a signal reached the wrong group." :
	    "The private thread got only its own timer; the shared timers reached only the shared\n    threads, PROF mostly the busy ones; the native itimer kept working beside them.");
	return bad;
}
