// SPDX-License-Identifier: GPL-2.0
/*
 * Limits against denial of service: the per-user caps on groups and armed
 * timers (EAGAIN past them), the bounded callback rate whatever the
 * interval, and the checks on the module parameters.  Root: it sets the
 * parameters (and puts them back).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

#define PARAM(name) "/sys/module/itimer_group/parameters/" name

static long read_param(const char *path)
{
	return read_number(path);
}

FIXTURE(limits) {
	long groups, timers, period;
};

FIXTURE_SETUP(limits)
{
	if (geteuid())
		SKIP(return, "needs root to set module parameters");
	self->groups = read_param(PARAM("max_groups_per_user"));
	self->timers = read_param(PARAM("max_timers_per_user"));
	self->period = read_param(PARAM("min_period_ns"));
	ASSERT_EQ(65536, self->groups);
	ASSERT_EQ(4096, self->timers);
	ASSERT_EQ(100000, self->period);
}

FIXTURE_TEARDOWN(limits)
{
	char buf[32];

	if (geteuid())
		return;
	snprintf(buf, sizeof(buf), "%ld", self->groups);
	write_param(PARAM("max_groups_per_user"), buf);
	snprintf(buf, sizeof(buf), "%ld", self->timers);
	write_param(PARAM("max_timers_per_user"), buf);
	snprintf(buf, sizeof(buf), "%ld", self->period);
	write_param(PARAM("min_period_ns"), buf);
}

static void *try_private(void *arg)
{
	int fd = *(int *)arg;

	if (itg_scope(fd, ITG_SCOPE_PRIVATE, NULL))
		return (void *)(long)errno;
	usleep(200000);		/* keep the group while the others try */
	return NULL;
}

TEST_F(limits, groups_per_user_cap_gives_eagain)
{
	pthread_t th[3];
	void *ret[3];
	int fd, i, eagain = 0, ok = 0;

	/* This process's shared group and two private ones: three. */
	ASSERT_EQ(0, write_param(PARAM("max_groups_per_user"), "3"));
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, try_private, &fd));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(th[i], &ret[i]));
		ok += !ret[i];
		eagain += ret[i] == (void *)(long)EAGAIN;
	}
	EXPECT_EQ(2, ok);
	EXPECT_EQ(1, eagain);
	close(fd);
	/* A new process is one group more: refused while at the cap. */
	ASSERT_EQ(0, write_param(PARAM("max_groups_per_user"), "1"));
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	if (fork() == 0) {
		int fd2 = itg_open(O_CLOEXEC);

		_exit(itg_set(fd2, ITG_TIMER_REAL, 0, 0, 0, 0, NULL) == -1 &&
		      errno == EAGAIN ? 0 : 1);
	}
	wait(&i);
	EXPECT_EQ(0, i);
	close(fd);
}

TEST_F(limits, armed_timers_per_user_cap_gives_eagain)
{
	struct itg_timer_get g;
	int fd = itg_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_param(PARAM("max_timers_per_user"), "2"));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 10 * SEC, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 10 * SEC, 0, 0, 0, NULL));
	ASSERT_EQ(-1, itg_set(fd, ITG_TIMER_VIRTUAL, 10 * SEC, 0, 0, 0, NULL));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_VIRTUAL, &g));
	EXPECT_EQ(0, g.value_ns);
	/* Re-arming an armed timer and disarming take nothing. */
	EXPECT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 20 * SEC, 0, 0, 0, NULL));
	EXPECT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 0, 0, 0, 0, NULL));
	EXPECT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 10 * SEC, 0, 0, 0, NULL));
	/* A one-shot that expired gives its unit back. */
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 0, 0, 0, 0, NULL));
	signal(SIGALRM, SIG_IGN);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, MS, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 10 * SEC, 0, 0, 0, NULL));
	sleep_ns(50 * MS);
	EXPECT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 10 * SEC, 0, 0, 0, NULL));
	close(fd);
	signal(SIGALRM, SIG_DFL);
}

/*
 * Arms that race for the last units of the cap, on the lockless path (an
 * existing REAL timer of a private group) from two processes at once:
 * exactly the cap's worth succeed, the others fail with EAGAIN.
 */
#define RACE_PROCS	2
#define RACE_THREADS	8
#define RACE_CAP	5

struct race {
	pthread_barrier_t ready, go, done;
	atomic_int armed, eagain, other;
};

static struct race *race;

static void *race_thread(void *arg)
{
	int fd = *(int *)arg, ret = 0;

	if (itg_scope(fd, ITG_SCOPE_PRIVATE, NULL) ||
	    itg_set(fd, ITG_TIMER_REAL, 10 * SEC, 0, 0, 0, NULL) ||
	    itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL))
		atomic_fetch_add(&race->other, 1);
	pthread_barrier_wait(&race->ready);
	pthread_barrier_wait(&race->go);
	ret = itg_set(fd, ITG_TIMER_REAL, 10 * SEC, 0, 0, 0, NULL);
	if (!ret)
		atomic_fetch_add(&race->armed, 1);
	else
		atomic_fetch_add(errno == EAGAIN ? &race->eagain :
				 &race->other, 1);
	pthread_barrier_wait(&race->done);
	return NULL;
}

TEST_F(limits, armed_timers_cap_exact_when_arms_race)
{
	pthread_barrierattr_t a;
	pthread_t th[RACE_THREADS];
	int i, j, status, fd;
	char cap[16];
	pid_t pid[RACE_PROCS];

	race = mmap(NULL, sizeof(*race), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, race);
	memset(race, 0, sizeof(*race));
	pthread_barrierattr_init(&a);
	pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&race->ready, &a, RACE_PROCS * RACE_THREADS + 1);
	pthread_barrier_init(&race->go, &a, RACE_PROCS * RACE_THREADS + 1);
	pthread_barrier_init(&race->done, &a, RACE_PROCS * RACE_THREADS + 1);
	for (i = 0; i < RACE_PROCS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i])
			continue;
		fd = itg_open(O_CLOEXEC);
		for (j = 0; j < RACE_THREADS; j++)
			pthread_create(&th[j], NULL, race_thread, &fd);
		for (j = 0; j < RACE_THREADS; j++)
			pthread_join(th[j], NULL);
		_exit(0);
	}
	/* Every thread has its timer, disarmed: now the cap, then the race. */
	pthread_barrier_wait(&race->ready);
	snprintf(cap, sizeof(cap), "%d", RACE_CAP);
	ASSERT_EQ(0, write_param(PARAM("max_timers_per_user"), cap));
	pthread_barrier_wait(&race->go);
	pthread_barrier_wait(&race->done);
	EXPECT_EQ(RACE_CAP, atomic_load(&race->armed));
	EXPECT_EQ(RACE_PROCS * RACE_THREADS - RACE_CAP,
		  atomic_load(&race->eagain));
	EXPECT_EQ(0, atomic_load(&race->other));
	for (i = 0; i < RACE_PROCS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_EQ(0, status);
	}
	munmap(race, sizeof(*race));
}

TEST_F(limits, callback_rate_bounded_by_min_period)
{
	uint64_t overruns, t0;
	struct itg_timer_get g;
	int fd = itg_open(O_CLOEXEC), n;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_param(PARAM("min_period_ns"), "1000000"));
	rec_reset();
	rec_install(SIGALRM);
	t0 = mono_ns();
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 1, 1, 0, 0, NULL));
	sleep_ns(300 * MS);
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	sig_block(SIGALRM, SIG_UNBLOCK);
	n = rec_sum(SIGALRM, SI_TIMER, &overruns);
	TH_LOG("1 ns interval, min_period_ns 1 ms, %.0f ms: %d signals",
	       (mono_ns() - t0) / 1e6, n);
	/* At most one callback per ms; every expiration still counted. */
	EXPECT_LE(n, (mono_ns() - t0) / MS + 1);
	EXPECT_EQ(g.expirations, n + overruns);
	close(fd);
	signal(SIGALRM, SIG_DFL);
}

TEST_F(limits, parameters_refuse_bad_values)
{
	EXPECT_EQ(-EINVAL, write_param(PARAM("max_groups_per_user"), "0"));
	EXPECT_EQ(-EINVAL, write_param(PARAM("max_timers_per_user"), "0"));
	EXPECT_EQ(-EINVAL, write_param(PARAM("max_timers_per_user"), "x"));
	EXPECT_EQ(-EINVAL, write_param(PARAM("min_period_ns"), "9999"));
	EXPECT_EQ(-EINVAL, write_param(PARAM("min_period_ns"), "1000000001"));
	EXPECT_EQ(-EINVAL, write_param(PARAM("inject_late_ns"), "1000000001"));
	EXPECT_EQ(-EINVAL, write_param(PARAM("inject_late_ns"), "-1"));
	EXPECT_EQ(-EINVAL, write_param(PARAM("inject_late_ns"), "x"));
	EXPECT_EQ(0, read_param(PARAM("inject_late_ns")));
	EXPECT_EQ(65536, read_param(PARAM("max_groups_per_user")));
	EXPECT_EQ(100000, read_param(PARAM("min_period_ns")));
}

/*
 * A user namespace with subordinate ids (mapped by root, as newuidmap
 * does from /etc/subuid) gives its creator many uids: its processes are
 * all charged to the creator, so the cap is not multiplied.
 */
static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* Exit status: 0 with a group (kept until @done closes), 1 on EAGAIN. */
static int in_ns_child(int uid, int ready, int done)
{
	int fd;

	if (setuid(uid))
		return 20;
	fd = itg_open(O_CLOEXEC);
	if (fd < 0)
		return 21;
	if (itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL))
		return errno == EAGAIN ? 1 : 22;
	if (write(ready, "k", 1) != 1)
		return 23;
	wait_byte(done);
	return 0;
}

TEST_F(limits, groups_cap_holds_across_uids_of_a_user_namespace)
{
	int go[2], ready[2], done[2], i, st;
	long long procs0 = counter("processes");
	pid_t creator;
	char path[64];
	FILE *f;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	creator = fork();
	ASSERT_LE(0, creator);
	if (!creator) {
		pid_t kids[5];
		int ok = 0, eagain = 0;

		close(done[1]);
		/* Unprivileged, as nobody: creates the namespace. */
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (unshare(CLONE_NEWUSER))
			_exit(errno == EPERM || errno == EINVAL ? 11 : 12);
		if (write(ready[1], "n", 1) != 1 || wait_byte(go[0]))
			_exit(13);
		/* Five processes, each with another uid of the namespace. */
		for (i = 0; i < 5; i++) {
			kids[i] = fork();
			if (!kids[i])
				_exit(in_ns_child(i, ready[1], done[0]));
		}
		for (i = 0; i < 5; i++) {
			st = itg_wait_child(kids[i]);
			ok += st == 0;
			eagain += st == 1;
		}
		_exit(ok == 3 && eagain == 2 ? 0 : 30 + 5 * ok + eagain);
	}
	close(done[0]);
	close(ready[1]);
	close(go[0]);
	if (wait_byte(ready[0])) {
		st = itg_wait_child(creator);
		if (st == 11)
			SKIP(return, "unprivileged user namespaces are disabled");
		ASSERT_EQ(0, st);
	}
	/* Its ids 0-9 are 200000-200009 outside. */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", creator);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "0 200000 10\n");
		if (fclose(f))
			f = NULL;
	}
	ASSERT_EQ(0, write_param(PARAM("max_groups_per_user"), "3"));
	ASSERT_EQ(1, write(go[1], "g", 1));
	if (f) {
		/* Three get their group, two get EAGAIN. */
		for (i = 0; i < 3; i++)
			EXPECT_EQ(0, wait_byte(ready[0]));
		sleep_ns(200 * MS);
		EXPECT_EQ(procs0 + 3, counter("processes"));
	}
	close(done[1]);
	st = itg_wait_child(creator);
	if (st == 11)
		SKIP(return, "unprivileged user namespaces are disabled");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, st);
}

/*
 * A one-shot whose expiry could not be signalled (another SIGALRM pending)
 * no longer counts against the cap once it expired, so it must not keep a
 * callback either: its carried expiry waits for a read (found by review:
 * with max_timers_per_user=1, 200 such timers ran 200 callbacks a second).
 */
static int release_pipe[2], hold[2];

static void *expire_blocked(void *arg)
{
	int fd = *(int *)arg;
	long ret = 0;
	char c;

	if (itg_scope(fd, ITG_SCOPE_PRIVATE, NULL))
		ret = 1;
	syscall(SYS_tgkill, getpid(), itg_gettid(), SIGALRM);
	if (!ret && itg_set(fd, ITG_TIMER_REAL, MS, 0, SIGALRM, 0, NULL))
		ret = 2;
	sleep_ns(20 * MS);	/* expired, its unit given back */
	if (write(release_pipe[1], "a", 1) != 1)
		ret = 3;
	/* The thread, and so its group and timer, stays until released. */
	if (read(hold[0], &c, 1) < 0)
		ret = 4;
	return (void *)ret;
}

TEST_F(limits, expired_one_shots_cost_no_callbacks)
{
	pthread_t th[50];
	long long cb0, cb1;
	int fd, i;
	char c;

	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(release_pipe));
	ASSERT_EQ(0, pipe(hold));
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, write_param(PARAM("max_timers_per_user"), "1"));
	/* One after another, each within the cap of 1. */
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, pthread_create(&th[i], NULL, expire_blocked, &fd));
		ASSERT_EQ(1, read(release_pipe[0], &c, 1));
	}
	EXPECT_EQ(0, counter("armed_real"));
	sleep_ns(SEC);
	cb0 = counter("callbacks");
	sleep_ns(2 * SEC);
	cb1 = counter("callbacks");
	TH_LOG("%lld callbacks in 2 s after 50 expired one-shots", cb1 - cb0);
	EXPECT_GE(5, cb1 - cb0);
	close(hold[1]);
	for (i = 0; i < 50; i++) {
		void *ret;

		ASSERT_EQ(0, pthread_join(th[i], &ret));
		EXPECT_EQ(NULL, ret);
	}
	close(hold[0]);
	close(release_pipe[0]);
	close(release_pipe[1]);
	close(fd);
	signal(SIGALRM, SIG_IGN);
	sig_block(SIGALRM, SIG_UNBLOCK);
	signal(SIGALRM, SIG_DFL);
}

TEST_HARNESS_MAIN
