// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime of groups and timers: thread exit, process exit, closing fds,
 * fork, exec with and without close-on-exec, an fd in another process.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

/* Exit codes of an exec'd child. */
enum { CHILD_OK, CHILD_GET, CHILD_ARMED, CHILD_SIGNAL, CHILD_FD, CHILD_OPEN };

static void *private_ticker(void *arg)
{
	int fd = *(int *)arg;

	if (itg_scope(fd, ITG_SCOPE_PRIVATE, NULL) ||
	    itg_set(fd, ITG_TIMER_REAL, MS, MS, SIGUSR1, 0, NULL))
		return (void *)1;
	/* Exit with the timer armed, while it fires. */
	sleep_ns(20 * MS);
	return NULL;
}

static void *query_scope(void *arg)
{
	struct itg_group_info info;

	if (itg_group(*(int *)arg, &info))
		return (void *)-1L;
	return (void *)(long)info.scope;
}

TEST(thread_exit_ends_private_group)
{
	struct itg_group_info info;
	pthread_t th[16];
	int fd, round, i;
	void *ret;

	rec_install(SIGUSR1);
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 16; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL,
						    private_ticker, &fd));
		for (i = 0; i < 16; i++) {
			ASSERT_EQ(0, pthread_join(th[i], &ret));
			ASSERT_EQ(NULL, ret);
		}
		ASSERT_EQ(0, itg_group(fd, &info));
		EXPECT_EQ(ITG_SCOPE_SHARED, info.scope);
		EXPECT_EQ(1, info.nr_members);
		/* New threads (maybe in a recycled task_struct) start shared. */
		for (i = 0; i < 16; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, query_scope,
						    &fd));
		for (i = 0; i < 16; i++) {
			ASSERT_EQ(0, pthread_join(th[i], &ret));
			EXPECT_EQ((void *)(long)ITG_SCOPE_SHARED, ret);
		}
	}
	/* Only the exited threads got their private signals. */
	EXPECT_EQ(0, rec_tid(itg_gettid()));
	close(fd);
	signal(SIGUSR1, SIG_DFL);
}

TEST(process_exit_stops_timers)
{
	int round;

	for (round = 0; round < 10; round++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			pthread_t th[4];
			int fd = itg_open(0), i;

			rec_install(SIGUSR1);
			if (fd < 0 ||
			    itg_set(fd, ITG_TIMER_REAL, MS, MS, SIGUSR1, 0,
				    NULL))
				_exit(1);
			for (i = 0; i < 4; i++)
				pthread_create(&th[i], NULL, private_ticker,
					       &fd);
			sleep_ns(5 * MS);
			/* exit_group() from a thread, timers armed. */
			_exit(0);
		}
		ASSERT_EQ(0, itg_wait_child(pid));
	}
}

TEST(fd_close_stops_timers_and_state)
{
	struct itg_group_info before, after;
	struct itg_timer_get g;
	int fd;

	rec_reset();
	rec_install(SIGALRM);
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_group(fd, &before));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 100 * MS, 0, 0, 0, NULL));
	ASSERT_EQ(0, close(fd));
	sleep_ns(300 * MS);
	EXPECT_EQ(0, rec_count());
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	ASSERT_EQ(0, itg_group(fd, &after));
	EXPECT_NE(before.id, after.id);
	close(fd);
	signal(SIGALRM, SIG_DFL);
}

TEST(closing_one_of_two_fds_keeps_timers)
{
	struct itg_timer_get g;
	int fd, fd2, fd3;

	rec_reset();
	rec_install(SIGALRM);
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	fd2 = dup(fd);
	fd3 = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 100 * MS, 0, 0, 9, NULL));
	/* Two opens in one process see the same state. */
	ASSERT_EQ(0, itg_get(fd3, ITG_TIMER_REAL, &g));
	EXPECT_GT(g.value_ns, 0);
	EXPECT_EQ(9, g.cookie);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, close(fd3));
	sleep_ns(300 * MS);
	EXPECT_EQ(1, rec_count());
	ASSERT_EQ(0, itg_get(fd2, ITG_TIMER_REAL, &g));
	EXPECT_EQ(1, g.expirations);
	close(fd2);
	signal(SIGALRM, SIG_DFL);
}

static void *private_via(void *arg)
{
	int *fds = arg;
	struct itg_group_info a, b;

	/* Move through one fd, look through the other: one state. */
	if (itg_scope(fds[1], ITG_SCOPE_PRIVATE, &a) || itg_group(fds[0], &b))
		return (void *)1L;
	return (void *)(long)(a.id == b.id && b.scope == ITG_SCOPE_PRIVATE ?
			      0 : 2);
}

TEST(two_opens_in_one_process_see_one_state)
{
	struct itg_group_info a, b;
	struct itg_timer_get g;
	pthread_t th;
	int fds[2];
	void *ret;

	fds[0] = itg_open(O_CLOEXEC);
	fds[1] = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fds[0]);
	ASSERT_LE(0, fds[1]);
	ASSERT_EQ(0, itg_group(fds[0], &a));
	ASSERT_EQ(0, itg_group(fds[1], &b));
	EXPECT_EQ(a.id, b.id);
	ASSERT_EQ(0, itg_set(fds[0], ITG_TIMER_REAL, 10 * SEC, 0, 0, 77,
			     NULL));
	ASSERT_EQ(0, itg_get(fds[1], ITG_TIMER_REAL, &g));
	EXPECT_GT(g.value_ns, 9 * SEC);
	EXPECT_EQ(77, g.cookie);
	ASSERT_EQ(0, pthread_create(&th, NULL, private_via, fds));
	ASSERT_EQ(0, pthread_join(th, &ret));
	EXPECT_EQ(NULL, ret);
	ASSERT_EQ(0, itg_set(fds[1], ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	close(fds[0]);
	close(fds[1]);
}

TEST(fork_child_starts_with_nothing_armed)
{
	struct itg_group_info info;
	int fd, status;
	pid_t pid;

	rec_reset();
	rec_install(SIGALRM);
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_group(fd, &info));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 300 * MS, 0, 0, 3, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct itg_group_info mine;
		struct itg_timer_get g;
		int fd2;

		/* The inherited fd is the parent's: refused. */
		if (itg_get(fd, ITG_TIMER_REAL, &g) != -1 || errno != EPERM)
			_exit(CHILD_FD);
		fd2 = itg_open(O_CLOEXEC);
		if (fd2 < 0)
			_exit(CHILD_OPEN);
		if (itg_get(fd2, ITG_TIMER_REAL, &g) || itg_group(fd2, &mine))
			_exit(CHILD_GET);
		if (g.value_ns || mine.id == info.id || mine.tgid != getpid())
			_exit(CHILD_ARMED);
		_exit(CHILD_OK);
	}
	status = itg_wait_child(pid);
	EXPECT_EQ(CHILD_OK, status);
	/* The parent's timer is untouched by the child and its exit. */
	sleep_ns(500 * MS);
	EXPECT_EQ(1, rec_count());
	EXPECT_EQ(3, recs[0].value);
	close(fd);
	signal(SIGALRM, SIG_DFL);
}

/* Run by the exec'd image: main() sees "--exec-child MODE FD". */
static int exec_child(const char *mode, int fd)
{
	struct timespec ts = { .tv_sec = 2 };
	struct itg_timer_get g;
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	if (!strcmp(mode, "keep")) {
		/* The fd survived exec: the timer armed before is running. */
		if (itg_get(fd, ITG_TIMER_REAL, &g))
			return CHILD_GET;
		if (!g.value_ns || g.cookie != 42)
			return CHILD_ARMED;
		if (sigtimedwait(&set, &si, &ts) != SIGALRM ||
		    si.si_code != SI_TIMER ||
		    si.si_value.sival_ptr != (void *)42)
			return CHILD_SIGNAL;
		return CHILD_OK;
	}
	/* Close-on-exec: the fd is gone and so are the timers. */
	if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
		return CHILD_FD;
	ts.tv_sec = 1;
	if (sigtimedwait(&set, &si, &ts) != -1)
		return CHILD_SIGNAL;
	fd = itg_open(O_CLOEXEC);
	if (fd < 0)
		return CHILD_OPEN;
	if (itg_get(fd, ITG_TIMER_REAL, &g))
		return CHILD_GET;
	return g.value_ns ? CHILD_ARMED : CHILD_OK;
}

static int fork_exec(const char *mode, int cloexec)
{
	pid_t pid = fork();

	if (pid == 0) {
		char fdstr[16];
		int fd = itg_open(cloexec);

		/* Blocked across exec, so the new image can wait for it. */
		sig_block(SIGALRM, SIG_BLOCK);
		if (fd < 0 ||
		    itg_set(fd, ITG_TIMER_REAL, 300 * MS, 0, 0, 42, NULL))
			_exit(CHILD_OPEN);
		snprintf(fdstr, sizeof(fdstr), "%d", fd);
		execl("/proc/self/exe", "itg_lifecycle", "--exec-child", mode,
		      fdstr, NULL);
		_exit(99);
	}
	return itg_wait_child(pid);
}

TEST(exec_keeps_timers_when_fd_survives)
{
	EXPECT_EQ(CHILD_OK, fork_exec("keep", 0));
}

TEST(exec_stops_timers_when_fd_is_close_on_exec)
{
	EXPECT_EQ(CHILD_OK, fork_exec("cloexec", O_CLOEXEC));
}

TEST(fd_passed_to_another_process_is_refused)
{
	struct itg_timer_get g;
	int sv[2], fd;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct itg_group_info info;
		int theirs;

		close(sv[0]);
		theirs = recv_fd(sv[1]);
		if (theirs < 0)
			_exit(CHILD_FD);
		/* Every call through it fails and changes nothing. */
		if (itg_set(theirs, ITG_TIMER_REAL, 0, 0, 0, 0, NULL) != -1 ||
		    errno != EPERM)
			_exit(CHILD_ARMED);
		if (itg_get(theirs, ITG_TIMER_REAL, &g) != -1 ||
		    errno != EPERM)
			_exit(CHILD_GET);
		if (itg_group(theirs, &info) != -1 || errno != EPERM ||
		    itg_scope(theirs, ITG_SCOPE_PRIVATE, NULL) != -1 ||
		    errno != EPERM)
			_exit(CHILD_GET);
		close(theirs);
		_exit(CHILD_OK);
	}
	close(sv[1]);
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 10 * SEC, 0, 0, 5, NULL));
	ASSERT_EQ(0, send_fd(sv[0], fd));
	EXPECT_EQ(CHILD_OK, itg_wait_child(pid));
	/* Still armed, untouched, after the other process closed it. */
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	EXPECT_GT(g.value_ns, 9 * SEC);
	EXPECT_EQ(5, g.cookie);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	close(fd);
	close(sv[0]);
}

static atomic_int race_fd = -1;
static atomic_bool race_stop;
static atomic_int race_bad_errno;

static void *race_caller(void *arg)
{
	struct itg_group_info info;
	struct itg_timer_get g;
	long i = (long)arg;
	int fd, ret;

	sig_block(SIGALRM, SIG_BLOCK);
	while (!atomic_load(&race_stop)) {
		fd = atomic_load(&race_fd);
		switch (i++ % 4) {
		case 0:
			ret = itg_set(fd, ITG_TIMER_REAL, MS, MS, 0, 0, NULL);
			break;
		case 1:
			ret = itg_get(fd, ITG_TIMER_REAL, &g);
			break;
		case 2:
			ret = itg_scope(fd, ITG_SCOPE_PRIVATE, NULL);
			break;
		default:
			ret = itg_group(fd, &info);
			itg_scope(fd, ITG_SCOPE_SHARED, NULL);
			break;
		}
		/* A call racing with the close of its fd may fail, with EBADF. */
		if (ret && errno != EBADF)
			atomic_store(&race_bad_errno, errno);
	}
	return NULL;
}

TEST(close_of_last_fd_racing_with_ioctls)
{
	struct itg_timer_get g;
	pthread_t th[4];
	uint64_t end;
	long i;
	int fd;

	sig_block(SIGALRM, SIG_BLOCK);
	atomic_store(&race_fd, itg_open(O_CLOEXEC));
	ASSERT_LE(0, atomic_load(&race_fd));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_caller,
					    (void *)i));
	end = mono_ns() + 2 * SEC;
	while (mono_ns() < end) {
		usleep(500);
		/* Close the only fd, then open a new one at the same number. */
		fd = atomic_load(&race_fd);
		close(fd);
		usleep(200);
		ASSERT_EQ(fd, itg_open(O_CLOEXEC));
	}
	atomic_store(&race_stop, true);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(0, atomic_load(&race_bad_errno));
	/* Whatever the race left armed goes with the last close. */
	close(atomic_load(&race_fd));
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	close(fd);
	signal(SIGALRM, SIG_IGN);
	sig_block(SIGALRM, SIG_UNBLOCK);
	signal(SIGALRM, SIG_DFL);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--exec-child"))
		return exec_child(argv[2], atoi(argv[3]));
	return test_harness_run(argc, argv);
}
