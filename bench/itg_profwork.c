// SPDX-License-Identifier: GPL-2.0
/*
 * itg_profwork: a workload of known per-thread CPU time, for the profiler
 * benchmark (scripts/itg-bench.sh, mode "profiler"): run under a sampling
 * profiler, its profile's share of each function is compared with the
 * share of CPU time its thread really had.
 *
 *   itg_profwork 2busy [SECONDS]   burn_a busy all the time, burn_b a
 *                                  third of it (bursts of 10 ms of its CPU),
 *                                  the main thread a tenth (burn_main,
 *                                  bursts of 5 ms)
 *   itg_profwork 4busy [SECONDS]   burn_a..burn_d busy 100, 100, 50 and 33 %
 *                                  of the time (bursts of 10 ms); the main
 *                                  thread waits
 *
 * Both have one more thread, "sleeper", that sleeps through the run and
 * ends it: a profile that puts samples there samples threads that do not
 * run.  Each burning thread spins in its own function, which makes no call
 * and reads no clock (under emulation clock_gettime() may be a system
 * call), so that a sample's leaf names its thread.
 *
 * The run lasts SECONDS of wall time (default 3); then the truth: each
 * thread's CLOCK_THREAD_CPUTIME_ID from its start (the main thread's: from
 * main(), the dynamic loader's time before is not profiled) to its end, as
 * "PROFWORK func=<name> cpu_ns=<n>".  When the profiler in the process is
 * gperftools' (the symbol ProfilerRegisterThread is there), every thread
 * registers with it: its per-thread timer mode starts a thread's timer
 * only then.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define noinline	__attribute__((noinline, noclone))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define MS		1000000ULL
#define SEC		1000000000ULL
/* Iterations of a burn function between two looks at the stop flag. */
#define CHUNK		100000UL

static atomic_bool stop;	/* the run is over */
static volatile unsigned long sink;

/*
 * The burn functions: one per thread, told apart by their constants (the
 * compiler must not fold them into one).  A dependent chain of multiplies
 * and adds: no call, no memory access, nothing the compiler can shorten.
 */
#define BURN(name, mul, add)						\
static noinline void name(unsigned long n)				\
{									\
	unsigned long x = sink;						\
									\
	while (n--)							\
		x = x * (mul) + (add);					\
	sink = x;							\
}

BURN(burn_a, 6364136223846793005UL, 1442695040888963407UL)
BURN(burn_b, 2862933555777941757UL, 3037000493UL)
BURN(burn_c, 3202034522624059733UL, 4150755663335845909UL)
BURN(burn_d, 3935559000370003845UL, 2691343689449507681UL)
BURN(burn_main, 1181783497276652981UL, 7046029254386353131UL)

struct worker {
	const char *name;
	void (*burn)(unsigned long n);
	unsigned int duty;	/* percent of the wall time it wants to burn */
	uint64_t burst;		/* CPU time of a burst, when not always busy */
	pthread_t th;
	uint64_t cpu_ns;	/* its CPU time from its start to its end */
};

static uint64_t now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

/* Sleep @ns of wall time: signals (the profiler's) do not cut it short. */
static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / SEC, ns % SEC };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* gperftools' per-thread timers need every thread registered. */
static void register_thread(void)
{
	void (*reg)(void) = (void (*)(void))dlsym(RTLD_DEFAULT,
						  "ProfilerRegisterThread");

	if (reg)
		reg();
}

/*
 * Busy @w->duty % of the time until the run ends: in bursts of about
 * @w->burst of its own CPU time, each as many iterations as the last one
 * ran in that time, so that the clock is read twice a burst only (what
 * the thread does outside its burn function is not the function's).
 */
static void burn_duty(struct worker *w)
{
	unsigned long iters = CHUNK;
	uint64_t t0, used;

	while (!atomic_load(&stop)) {
		if (w->duty >= 100) {
			w->burn(CHUNK);
			continue;
		}
		t0 = now(CLOCK_THREAD_CPUTIME_ID);
		w->burn(iters);
		used = now(CLOCK_THREAD_CPUTIME_ID) - t0;
		if (used)
			iters = iters * w->burst / used ?: 1;
		sleep_ns(used * (100 - w->duty) / w->duty);
	}
}

static void *burner(void *arg)
{
	struct worker *w = arg;
	uint64_t t0;

	register_thread();
	t0 = now(CLOCK_THREAD_CPUTIME_ID);
	burn_duty(w);
	w->cpu_ns = now(CLOCK_THREAD_CPUTIME_ID) - t0;
	return NULL;
}

/* Not a tail call: the frame stays on the stack of every sample here. */
static noinline void sleeper(uint64_t ns)
{
	sleep_ns(ns);
	sink++;
}

static uint64_t run_ns;

/* Sleeps through the run, then ends it. */
static void *sleeper_thread(void *arg)
{
	struct worker *w = arg;
	uint64_t t0;

	register_thread();
	t0 = now(CLOCK_THREAD_CPUTIME_ID);
	sleeper(run_ns);
	atomic_store(&stop, true);
	w->cpu_ns = now(CLOCK_THREAD_CPUTIME_ID) - t0;
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker two[] = {
		{ .name = "burn_a", .burn = burn_a, .duty = 100 },
		{ .name = "burn_b", .burn = burn_b, .duty = 33,
		  .burst = 10 * MS },
		{ .name = "sleeper" },
	}, four[] = {
		{ .name = "burn_a", .burn = burn_a, .duty = 100 },
		{ .name = "burn_b", .burn = burn_b, .duty = 100 },
		{ .name = "burn_c", .burn = burn_c, .duty = 50,
		  .burst = 10 * MS },
		{ .name = "burn_d", .burn = burn_d, .duty = 33,
		  .burst = 10 * MS },
		{ .name = "sleeper" },
	};
	/*
	 * The main thread's CPU time counts from here: before, the dynamic
	 * loader ran, and the profiler had not started yet.
	 */
	uint64_t c0 = now(CLOCK_THREAD_CPUTIME_ID), t0 = now(CLOCK_MONOTONIC);
	struct worker *ws, main_w = { .name = "main" };
	int i, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || (strcmp(argv[1], "2busy") && strcmp(argv[1], "4busy")))
		return fprintf(stderr, "usage: itg_profwork 2busy|4busy [SECONDS]\n"), 2;
	run_ns = (argc > 2 ? strtoull(argv[2], NULL, 10) : 3) * SEC;
	if (!strcmp(argv[1], "2busy")) {
		ws = two;
		n = ARRAY_SIZE(two);
		/* The main thread burns a little: 5 ms in every 50. */
		main_w = (struct worker){ .name = "burn_main", .burn = burn_main,
					  .duty = 10, .burst = 5 * MS };
	} else {
		ws = four;
		n = ARRAY_SIZE(four);
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&ws[i].th, NULL,
				   ws[i].burn ? burner : sleeper_thread, &ws[i]))
			return perror("pthread_create"), 1;
	/* The sleeper ends the run. */
	if (main_w.burn)
		burn_duty(&main_w);
	for (i = 0; i < n; i++)
		pthread_join(ws[i].th, NULL);
	main_w.cpu_ns = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	for (i = 0; i < n; i++)
		printf("PROFWORK func=%s cpu_ns=%llu\n", ws[i].name,
		       (unsigned long long)ws[i].cpu_ns);
	printf("PROFWORK func=%s cpu_ns=%llu\n", main_w.name,
	       (unsigned long long)main_w.cpu_ns);
	printf("PROFWORK wall_ns=%llu\n",
	       (unsigned long long)(now(CLOCK_MONOTONIC) - t0));
	return 0;
}
