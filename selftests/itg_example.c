// SPDX-License-Identifier: GPL-2.0
/*
 * itg_example: itimer sharing groups in one small program.
 *
 * Four threads.  Thread 3 moves into a private group and arms its own
 * ITIMER_REAL; the main thread arms the shared group's ITIMER_REAL and the
 * process's native setitimer(ITIMER_REAL).  All three send SIGALRM; the
 * handler tells them apart by si_code and the cookie in si_value.  The
 * shared timer's signals reach threads 0-2 only, the private timer's only
 * thread 3, and the native timer keeps working beside them.
 *
 * Build: cc -static -pthread -I uapi -o itg_example itg_example.c
 * Exit status 0 when every signal went where it should.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/itimer_group.h>

#define NTHREADS	4
#define SHARED_COOKIE	0x5ead
#define PRIVATE_COOKIE	0x9e11

static int fd;
static pid_t tids[NTHREADS];
static atomic_int shared_sigs[NTHREADS], private_sigs[NTHREADS];
static atomic_int native_sigs[NTHREADS], overruns;
static atomic_int ready;
static atomic_bool stop;

static int self_index(void)
{
	pid_t tid = syscall(SYS_gettid);
	int i;

	for (i = 0; i < NTHREADS; i++)
		if (tids[i] == tid)
			return i;
	return 0;
}

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	int i = self_index();

	if (si->si_code != SI_TIMER) {		/* the native itimer */
		atomic_fetch_add(&native_sigs[i], 1);
		return;
	}
	atomic_fetch_add(&overruns, si->si_overrun);
	if ((uintptr_t)si->si_value.sival_ptr == SHARED_COOKIE)
		atomic_fetch_add(&shared_sigs[i], 1);
	else if ((uintptr_t)si->si_value.sival_ptr == PRIVATE_COOKIE)
		atomic_fetch_add(&private_sigs[i], 1);
}

static int arm(__u64 value_ns, __u64 interval_ns, __u64 cookie)
{
	struct itg_timer_set set = {
		.size = sizeof(set),
		.which = ITG_TIMER_REAL,
		.value_ns = value_ns,
		.interval_ns = interval_ns,
		.cookie = cookie,	/* signo 0: SIGALRM */
	};

	return ioctl(fd, ITG_IOC_SET_TIMER, &set);
}

static void *worker(void *arg)
{
	int i = (intptr_t)arg;
	struct itg_scope scope = { .size = sizeof(scope),
				   .scope = ITG_SCOPE_PRIVATE };

	tids[i] = syscall(SYS_gettid);
	if (i == 3) {
		if (ioctl(fd, ITG_IOC_SET_SCOPE, &scope) ||
		    arm(15000000, 15000000, PRIVATE_COOKIE))
			perror("private group"), exit(1);
		printf("thread 3 (tid %d): private group %llu\n", tids[i],
		       (unsigned long long)scope.info.id);
	}
	atomic_fetch_add(&ready, 1);
	while (!atomic_load(&stop))
		usleep(1000);
	if (i == 3)
		arm(0, 0, 0);
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_alarm,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	struct itimerval native = { { 0, 25000 }, { 0, 25000 } };
	struct itg_group_info info = { .size = sizeof(info) };
	pthread_t th[NTHREADS];
	int i, bad = 0;

	fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return perror("open /dev/" ITG_DEVICE_NAME), 1;
	sigaction(SIGALRM, &sa, NULL);
	tids[0] = syscall(SYS_gettid);
	for (i = 1; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	while (atomic_load(&ready) < NTHREADS - 1)
		usleep(1000);

	if (ioctl(fd, ITG_IOC_GET_GROUP, &info))
		return perror("ITG_IOC_GET_GROUP"), 1;
	printf("thread 0 (tid %d): shared group %llu, %u member threads\n",
	       tids[0], (unsigned long long)info.id, info.nr_members);

	/* Shared itimer every 10 ms, native itimer every 25 ms, for 0.5 s. */
	if (arm(10000000, 10000000, SHARED_COOKIE))
		return perror("ITG_IOC_SET_TIMER"), 1;
	setitimer(ITIMER_REAL, &native, NULL);
	for (i = 0; i < 500; i++)
		usleep(1000);
	arm(0, 0, 0);
	memset(&native, 0, sizeof(native));
	setitimer(ITIMER_REAL, &native, NULL);
	atomic_store(&stop, true);
	for (i = 1; i < NTHREADS; i++)
		pthread_join(th[i], NULL);

	printf("\nthread  tid     shared-timer  private-timer  native-itimer\n");
	for (i = 0; i < NTHREADS; i++) {
		printf("%-7d %-7d %-13d %-14d %d\n", i, tids[i],
		       shared_sigs[i], private_sigs[i], native_sigs[i]);
		if (i == 3 ? shared_sigs[i] : private_sigs[i])
			bad = 1;
	}
	printf("overruns folded into those signals: %d\n", overruns);
	if (!private_sigs[3])
		bad = 1;
	printf("%s\n", bad ? "FAIL: a signal reached the wrong group" :
	       "every signal reached its own group");
	return bad;
}
