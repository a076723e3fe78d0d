// SPDX-License-Identifier: GPL-2.0
/*
 * Inspection: the sysfs counters and groups table against the state the
 * test creates, who may see which groups, and itgstat's output.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

#define SYSDIR "/sys/class/misc/" ITG_DEVICE_NAME

/* Wait up to 2 s for counter @name to read @want (teardown is lazy). */
static long long settles(const char *name, long long want)
{
	long long v = counter(name);

	for (int i = 0; i < 200 && v != want; i++) {
		usleep(10000);
		v = counter(name);
	}
	return v;
}

/* The groups table, as this process may read it (malloc'd). */
static char *table(void)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;
	int fd = open(SYSDIR "/groups", O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return strdup(buf);
}

struct line {
	long tgid;
	unsigned long uid;
	unsigned long long id;
	char scope[16];
	char tids[256];
	unsigned long long t[3][5];	/* value interval signo exp ovr */
	unsigned long long fds[3];	/* descriptors per timer */
};

/*
 * A table line: tgid uid group scope tids, then 5 numbers per timer, then
 * the descriptors of each timer.
 */
static bool parse_line(char *p, struct line *l)
{
	char *tok, *save;
	int i;

	tok = strtok_r(p, " ", &save);
	for (i = 0; tok && i < 23; i++, tok = strtok_r(NULL, " ", &save)) {
		switch (i) {
		case 0:
			l->tgid = strtol(tok, NULL, 10);
			break;
		case 1:
			l->uid = strtoul(tok, NULL, 10);
			break;
		case 2:
			l->id = strtoull(tok, NULL, 10);
			break;
		case 3:
			snprintf(l->scope, sizeof(l->scope), "%s", tok);
			break;
		case 4:
			snprintf(l->tids, sizeof(l->tids), "%s", tok);
			break;
		default:
			if (i < 20)
				l->t[(i - 5) / 5][(i - 5) % 5] =
					strtoull(tok, NULL, 10);
			else
				l->fds[i - 20] = strtoull(tok, NULL, 10);
		}
	}
	return i == 23 && !tok;
}

/* The first table line of process @tgid with scope @scope. */
static bool find_line(long tgid, const char *scope, struct line *l)
{
	char *tab = table(), *p, *save;
	bool found = false;

	if (!tab)
		return false;
	for (p = strtok_r(tab, "\n", &save); p && !found;
	     p = strtok_r(NULL, "\n", &save)) {
		if (*p == '#')
			continue;
		if (!parse_line(p, l))
			continue;
		found = l->tgid == tgid && !strcmp(l->scope, scope);
	}
	free(tab);
	return found;
}

static bool has_tid(const char *tids, pid_t tid)
{
	char want[16], *copy = strdup(tids), *p, *save;
	bool found = false;

	snprintf(want, sizeof(want), "%d", tid);
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		found |= !strcmp(p, want);
	free(copy);
	return found;
}

TEST(counters_move_as_timers_fire)
{
	long long exp0, sig0, armed0;
	int fd = itg_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	rec_reset();
	rec_install(SIGALRM);
	exp0 = counter("expirations");
	sig0 = counter("signals_sent");
	armed0 = counter("armed_real");
	ASSERT_LE(0, exp0);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 5 * MS, 5 * MS, 0, 0, NULL));
	EXPECT_EQ(armed0 + 1, counter("armed_real"));
	sleep_ns(200 * MS);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	EXPECT_EQ(armed0, counter("armed_real"));
	EXPECT_GE(counter("expirations") - exp0, 20);
	EXPECT_GE(counter("signals_sent") - sig0, rec_count());
	EXPECT_GE(rec_count(), 20);
	close(fd);
	signal(SIGALRM, SIG_DFL);
}

TEST(overruns_and_coalesced_signals_counted)
{
	long long ovr0, coal0;
	struct itg_timer_get g;
	int fd = itg_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	rec_reset();
	rec_install(SIGALRM);
	ovr0 = counter("overruns");
	coal0 = counter("signals_coalesced");
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 5 * MS, 5 * MS, 0, 0, NULL));
	sleep_ns(200 * MS);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	sig_block(SIGALRM, SIG_UNBLOCK);
	ASSERT_EQ(1, rec_count());
	/* One signal; every other expiration is an overrun. */
	EXPECT_EQ(g.expirations - 1, counter("overruns") - ovr0);
	EXPECT_EQ(recs[0].overrun, counter("overruns") - ovr0);
	/*
	 * Events, not expirations: the callbacks back off while the signal
	 * stays pending (5 ms apart, then 6.4, 25.6, 102.4 ms).
	 */
	EXPECT_GE(counter("signals_coalesced") - coal0, 4);
	close(fd);
	signal(SIGALRM, SIG_DFL);
}

static void *go_private(void *arg)
{
	int fd = *(int *)arg;

	return (void *)(long)itg_scope(fd, ITG_SCOPE_PRIVATE, NULL);
}

TEST(groups_appear_and_go_with_threads_and_processes)
{
	long long priv0, shared0, procs0;
	int fd, pipefd[2], status;
	pthread_t th;
	void *ret;
	pid_t pid;
	char c;

	procs0 = settles("processes", counter("processes"));
	shared0 = counter("groups_shared");
	priv0 = counter("groups_private");
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	EXPECT_EQ(procs0 + 1, counter("processes"));
	EXPECT_EQ(shared0 + 1, counter("groups_shared"));

	/* A thread's private group goes with the thread. */
	ASSERT_EQ(0, pthread_create(&th, NULL, go_private, &fd));
	ASSERT_EQ(0, pthread_join(th, &ret));
	ASSERT_EQ(NULL, ret);
	EXPECT_EQ(priv0, settles("groups_private", priv0));

	/* Another process's state goes with the process. */
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd2 = itg_open(O_CLOEXEC);

		if (fd2 < 0 || itg_set(fd2, ITG_TIMER_REAL, 0, 0, 0, 0, NULL))
			_exit(1);
		close(pipefd[1]);
		/* Wait until the parent closes its end. */
		if (read(pipefd[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(pipefd[0]);
	EXPECT_EQ(procs0 + 2, settles("processes", procs0 + 2));
	EXPECT_EQ(shared0 + 2, counter("groups_shared"));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(procs0 + 1, settles("processes", procs0 + 1));
	EXPECT_EQ(shared0 + 1, counter("groups_shared"));
	close(fd);
	EXPECT_EQ(procs0, settles("processes", procs0));
	EXPECT_EQ(shared0, counter("groups_shared"));
}

TEST(cpu_timers_counted_as_armed)
{
	long long v0 = counter("armed_virtual"), p0 = counter("armed_prof");
	int fd = itg_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 10 * SEC, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_VIRTUAL, 10 * SEC, 0, 0, 0, NULL));
	EXPECT_EQ(p0 + 1, counter("armed_prof"));
	EXPECT_EQ(v0 + 1, counter("armed_virtual"));
	EXPECT_EQ(1, counter("cpu_probe"));
	close(fd);
	EXPECT_EQ(p0, counter("armed_prof"));
	EXPECT_EQ(v0, counter("armed_virtual"));
}

static void *private_armed(void *arg)
{
	int fd = *(int *)arg;

	if (itg_scope(fd, ITG_SCOPE_PRIVATE, NULL) ||
	    itg_set(fd, ITG_TIMER_REAL, 20 * SEC, 0, SIGUSR1, 0, NULL))
		return (void *)1;
	sleep_ns(500 * MS);
	return NULL;
}

TEST(table_shows_this_process_groups_and_timers)
{
	struct itg_group_info info;
	struct line l;
	pthread_t th;
	int fd = itg_open(O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 10 * SEC, 2 * SEC, SIGUSR2, 0,
			     NULL));
	ASSERT_EQ(0, itg_group(fd, &info));
	ASSERT_EQ(0, pthread_create(&th, NULL, private_armed, &fd));
	usleep(100000);
	ASSERT_TRUE(find_line(getpid(), "shared", &l));
	EXPECT_EQ(info.id, l.id);
	EXPECT_EQ(geteuid(), l.uid);
	EXPECT_TRUE(has_tid(l.tids, itg_gettid()));
	EXPECT_GT(l.t[0][0], 9 * SEC);
	EXPECT_LE(l.t[0][0], 10 * SEC);
	EXPECT_EQ(2 * SEC, l.t[0][1]);
	EXPECT_EQ(SIGUSR2, l.t[0][2]);
	EXPECT_EQ(0, l.t[1][0]);
	ASSERT_TRUE(find_line(getpid(), "private", &l));
	EXPECT_NE(info.id, l.id);
	EXPECT_EQ(NULL, strchr(l.tids, ','));
	EXPECT_FALSE(has_tid(l.tids, itg_gettid()));
	EXPECT_GT(l.t[0][0], 19 * SEC);
	EXPECT_EQ(SIGUSR1, l.t[0][2]);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	close(fd);
}

/* The descriptors open on each timer, and a timer that sends nothing. */
TEST(table_shows_descriptors_and_silent_timers)
{
	struct itg_timer_fd req = { .size = sizeof(req),
				    .which = ITG_TIMER_PROF,
				    .flags = ITG_FD_CLOEXEC };
	struct itg_timer_set s = { .size = sizeof(s),
				   .which = ITG_TIMER_PROF,
				   .flags = ITG_SET_NO_SIGNAL,
				   .value_ns = 10 * SEC };
	int fd = itg_open(O_CLOEXEC), a, b;
	struct line l;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, ITG_IOC_SET_TIMER, &s));
	ASSERT_EQ(0, ioctl(fd, ITG_IOC_TIMER_FD, &req));
	a = req.fd;
	ASSERT_EQ(0, ioctl(fd, ITG_IOC_TIMER_FD, &req));
	b = req.fd;
	ASSERT_TRUE(find_line(getpid(), "shared", &l));
	EXPECT_EQ(0, l.fds[0]);
	EXPECT_EQ(0, l.fds[1]);
	EXPECT_EQ(2, l.fds[2]);
	EXPECT_EQ(0, l.t[2][2]);	/* no signal */
	EXPECT_GT(l.t[2][0], 0);
	close(a);
	ASSERT_TRUE(find_line(getpid(), "shared", &l));
	EXPECT_EQ(1, l.fds[2]);
	close(b);
	ASSERT_TRUE(find_line(getpid(), "shared", &l));
	EXPECT_EQ(0, l.fds[2]);
	close(fd);
}

TEST(table_hides_other_users_groups)
{
	int fd, pipefd[2], status;
	struct line l;
	pid_t other, me;
	char c;

	if (geteuid())
		SKIP(return, "needs root to create processes of two users");
	/* A root process with a group. */
	ASSERT_EQ(0, pipe(pipefd));
	other = fork();
	ASSERT_LE(0, other);
	if (other == 0) {
		fd = itg_open(O_CLOEXEC);
		if (fd < 0 || itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL))
			_exit(1);
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(pipefd[0]);
	while (!find_line(other, "shared", &l))
		usleep(1000);
	/* Root sees it; nobody sees its own process only. */
	me = fork();
	ASSERT_LE(0, me);
	if (me == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = itg_open(O_CLOEXEC);
		if (fd < 0 || itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL))
			_exit(11);
		if (!find_line(getpid(), "shared", &l) || l.uid != 65534)
			_exit(12);
		if (find_line(other, "shared", &l) ||
		    find_line(getppid(), "shared", &l))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(me, waitpid(me, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(pipefd[1]);
	ASSERT_EQ(other, waitpid(other, &status, 0));
}

static atomic_int parked, release;

static void *park_private(void *arg)
{
	int fd = *(int *)arg;

	if (itg_scope(fd, ITG_SCOPE_PRIVATE, NULL))
		return (void *)1;
	atomic_fetch_add(&parked, 1);
	while (!atomic_load(&release))
		usleep(10000);
	return NULL;
}

FIXTURE(big) {
};

FIXTURE_SETUP(big)
{
}

FIXTURE_TEARDOWN(big)
{
}

/* 200 threads: slow on the debug kernel, hence the longer timeout. */
TEST_F_TIMEOUT(big, large_table_reads_whole_and_untorn, 300)
{
	/* 100 (on the debug kernel) or 200 groups: more than a page. */
	const int N = itg_slow() ? 100 : 200;
	char *tab, *p, *save;
	pthread_attr_t attr;
	int fd, i, mine = 0, lines = 0;
	pthread_t th[200];
	struct line l;

	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, pthread_create(&th[i], &attr, park_private, &fd));
	while (atomic_load(&parked) < N)
		usleep(10000);
	/* More than a sysfs page (a read gets one at most), one snapshot. */
	tab = table();
	ASSERT_NE(NULL, tab);
	TH_LOG("table of %zu bytes", strlen(tab));
	EXPECT_GT(strlen(tab), 4096);
	for (p = strtok_r(tab, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		if (*p == '#')
			continue;
		lines++;
		ASSERT_TRUE(parse_line(p, &l)) TH_LOG("torn line: %s", p);
		if (l.tgid == getpid() && !strcmp(l.scope, "private"))
			mine++;
	}
	EXPECT_EQ(N, mine);
	free(tab);
	atomic_store(&release, 1);
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	close(fd);
}

TEST(module_parameters_are_readable)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/module/itimer_group/parameters/min_period_ns",
			"r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_EQ(100000, atol(buf));
}

/*
 * The fault injection of the selftests (inject_late_ns) is root's only:
 * an unprivileged user can neither make every CPU-time callback late nor
 * read it.
 */
TEST(inject_late_is_root_only)
{
	const char *path = "/sys/module/itimer_group/parameters/inject_late_ns";
	int fd;

	if (!geteuid())
		SKIP(return, "run as nobody: root may write it");
	fd = open(path, O_WRONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EACCES, errno);
	fd = open(path, O_RDONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EACCES, errno);
}

/* Run itgstat with @args; its output in @out; its exit status. */
static int itgstat(const char *args, char *out, size_t len)
{
	const char *bin = getenv("ITG_ITGSTAT") ?: "/bin/itgstat";
	char cmd[256];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n < len - 1 && fgets(out + n, len - n, p))
		n += strlen(out + n);
	out[n] = '\0';
	return WEXITSTATUS(pclose(p));
}

TEST(itgstat_lists_this_process_timers)
{
	char out[16384], args[32], *line, *save;
	int fd = itg_open(O_CLOEXEC), rows = 0;
	long pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 30 * SEC, SEC, SIGUSR1, 0,
			     NULL));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_PROF, 30 * SEC, 0, 0, 0, NULL));
	snprintf(args, sizeof(args), "-p %d", getpid());
	ASSERT_EQ(0, itgstat(args, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "itimer_group:"));
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		pid = strtol(line, NULL, 10);
		if (pid != getpid() || !strstr(line, " shared "))
			continue;
		rows++;
		if (strstr(line, " REAL ")) {
			EXPECT_NE(NULL, strstr(line, " SIGUSR1 "));
		} else {
			EXPECT_TRUE(strstr(line, " PROF ") &&
				    strstr(line, " SIGPROF "));
		}
	}
	EXPECT_EQ(2, rows) TH_LOG("itgstat said:\n%s", out);
	/* Watch mode, bounded. */
	EXPECT_EQ(0, itgstat("-w 0.05 -n 2", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(strstr(out, "itimer_group:") + 1,
			       "itimer_group:"));
	EXPECT_EQ(2, itgstat("-x", out, sizeof(out)));
	close(fd);
}

TEST_HARNESS_MAIN
