// SPDX-License-Identifier: GPL-2.0
/*
 * itg_watchdog: a CPU budget for a pool of worker threads, watched from an
 * epoll loop, with no signal handler anywhere.
 *
 * The workers share the process's itimer group.  The main thread arms the
 * group's ITIMER_PROF to expire every 50 ms of the group's CPU time with no
 * signal (ITG_SET_NO_SIGNAL), takes a descriptor for it (ITG_IOC_TIMER_FD),
 * and moves into a private group of its own so that its CPU time is not
 * the pool's.  Each read() of the descriptor says how many 50 ms slices the
 * pool has used since the last one; when the pool has used its budget of
 * 1 s of CPU time, the watchdog stops it.
 *
 * Build: cc -static -pthread -I uapi -o itg_watchdog itg_watchdog.c
 * Exit status 0 when the pool was stopped after its budget, not before.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/itimer_group.h>

#define NWORKERS	4
#define SLICE_NS	50000000ULL		/* 50 ms of the pool's CPU */
#define BUDGET_NS	1000000000ULL		/* 1 s of it in all */

static atomic_bool stop;

static void *worker(void *arg)
{
	/* The pool's work: burning CPU until told to stop. */
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return arg;
}

static uint64_t cpu_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(void)
{
	struct itg_timer_set set = {
		.size = sizeof(set), .which = ITG_TIMER_PROF,
		.flags = ITG_SET_NO_SIGNAL,
		.value_ns = SLICE_NS, .interval_ns = SLICE_NS,
	};
	struct itg_timer_fd req = {
		.size = sizeof(req), .which = ITG_TIMER_PROF,
		.flags = ITG_FD_CLOEXEC | ITG_FD_NONBLOCK,
	};
	struct itg_scope scope = { .size = sizeof(scope),
				   .scope = ITG_SCOPE_PRIVATE };
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t used = 0, ticks, pool = 0, mine;
	clockid_t clk[NWORKERS];
	pthread_t th[NWORKERS];
	int fd, ep, i;

	fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, ITG_IOC_SET_TIMER, &set) ||
	    ioctl(fd, ITG_IOC_TIMER_FD, &req) ||
	    ioctl(fd, ITG_IOC_SET_SCOPE, &scope))
		return perror("itimer_group"), 1;
	/* The shared group's PROF counts the pool now, not this thread. */
	mine = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, req.fd, &ev))
		return perror("epoll"), 1;
	for (i = 0; i < NWORKERS; i++) {
		if (pthread_create(&th[i], NULL, worker, NULL) ||
		    pthread_getcpuclockid(th[i], &clk[i]))
			return perror("pthread_create"), 1;
	}

	while (used < BUDGET_NS) {
		if (epoll_wait(ep, &ev, 1, 10000) != 1)
			return fprintf(stderr, "no expiry in 10 s\n"), 1;
		if (read(req.fd, &ticks, sizeof(ticks)) != sizeof(ticks)) {
			if (errno == EAGAIN)
				continue;
			return perror("read"), 1;
		}
		used += ticks * SLICE_NS;
		printf("watchdog: the pool has used %3llu ms of CPU time\n",
		       (unsigned long long)(used / 1000000));
	}
	atomic_store(&stop, true);
	for (i = 0; i < NWORKERS; i++)
		pool += cpu_ns(clk[i]);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(th[i], NULL);
	printf("watchdog: budget of %llu ms used up; the workers had %.1f ms of CPU when stopped\n",
	       (unsigned long long)(BUDGET_NS / 1000000), pool / 1e6);
	close(ep);
	close(req.fd);
	close(fd);
	/*
	 * Never stopped early: the group (the pool, and this thread until it
	 * left) had its budget.
	 */
	return pool + mine >= BUDGET_NS ? 0 : 1;
}
