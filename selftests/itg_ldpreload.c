// SPDX-License-Identifier: GPL-2.0
/*
 * The preload library (preload/itg_preload.c) itself: its settings, its
 * descriptor across fork, exec and close, the fallback to the native
 * itimers, and calls from signal handlers.  Run under the library
 * (tests.list: itg-preload itg_ldpreload); skips otherwise.  A test that
 * needs other settings runs this program again with them, in a mode
 * (ITG_LDP_MODE) that a constructor runs before main().
 */
#include <spawn.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

static bool preloaded(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "itg_preload");
}

static struct itimerval itv(uint64_t value, uint64_t interval)
{
	struct itimerval v = {
		.it_value = { value / SEC, value % SEC / 1000 },
		.it_interval = { interval / SEC, interval % SEC / 1000 },
	};

	return v;
}

static uint64_t get_value(int which)
{
	struct itimerval v;

	if (getitimer(which, &v))
		return UINT64_MAX;
	return v.it_value.tv_sec * SEC + v.it_value.tv_usec * 1000ULL;
}

static void wait_recs(int n, uint64_t ns)
{
	uint64_t end = mono_ns() + ns;

	while (rec_count() < n && mono_ns() < end)
		usleep(1000);
}

/* The descriptors of the device in this process: ours, and others'. */
struct devfds {
	int owned, foreign, fd;		/* fd: the last one owned */
};

static struct devfds dev_fds(void)
{
	struct devfds r = { 0, 0, -1 };
	struct itg_group_info info;
	struct stat dev, st;
	char path[64];
	int fd;

	if (stat(ITG_PATH, &dev))
		return r;
	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (stat(path, &st) || !S_ISCHR(st.st_mode) ||
		    st.st_rdev != dev.st_rdev)
			continue;
		if (!itg_group(fd, &info)) {
			r.owned++;
			r.fd = fd;
		} else if (errno == EPERM) {
			r.foreign++;
		}
	}
	return r;
}

/* The calling thread's group, through a descriptor of our own. */
static int my_scope(void)
{
	struct itg_group_info info;
	int fd = itg_open(O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = itg_group(fd, &info) ? -1 : (int)info.scope;
	close(fd);
	return ret;
}

/* ---- modes: this program run again with other settings ---- */

/* ITG_PRELOAD_SIGNAL: ITIMER_REAL sends signal ITG_LDP_EXPECT. */
static int mode_signal(void)
{
	struct itimerval v = itv(20 * MS, 0);
	int sig = atoi(getenv("ITG_LDP_EXPECT"));

	rec_install(sig);
	rec_install(SIGALRM);
	if (setitimer(ITIMER_REAL, &v, NULL))
		return 1;
	wait_recs(1, 2 * SEC);
	sleep_ns(50 * MS);
	if (rec_count() != 1 || recs[0].signo != sig)
		return 2;
	return recs[0].code == SI_TIMER ? 0 : 3;
}

struct priv {
	uint64_t seen, later;
	int scope;
	pid_t tid;
};

static void *priv_long(void *p)
{
	struct priv *r = p;
	struct itimerval v = itv(5 * SEC, 0);

	setitimer(ITIMER_REAL, &v, NULL);
	r->scope = my_scope();
	sleep_ns(300 * MS);
	r->later = get_value(ITIMER_REAL);
	return NULL;
}

static void *priv_short(void *p)
{
	struct priv *r = p;
	struct itimerval v = itv(50 * MS, 0);

	r->tid = itg_gettid();
	r->seen = get_value(ITIMER_REAL);	/* not the other thread's */
	setitimer(ITIMER_REAL, &v, NULL);
	wait_recs(1, 2 * SEC);
	return NULL;
}

/* ITG_PRELOAD_SCOPE=private: each thread has its own itimers. */
static int mode_private(void)
{
	struct priv a = { 0 }, b = { 0 };
	pthread_t ta, tb;

	rec_install(SIGALRM);
	pthread_create(&ta, NULL, priv_long, &a);
	sleep_ns(50 * MS);
	pthread_create(&tb, NULL, priv_short, &b);
	pthread_join(tb, NULL);
	pthread_join(ta, NULL);
	if (a.scope != ITG_SCOPE_PRIVATE)
		return 1;
	if (b.seen != 0)
		return 2;
	if (rec_count() != 1 || recs[0].tid != b.tid)
		return 3;
	if (a.later < 4 * SEC || a.later > 5 * SEC)
		return 4;
	/* The main thread never called: still in the shared group. */
	return my_scope() == ITG_SCOPE_SHARED ? 0 : 5;
}

/* No device: the native itimers (si_code SI_KERNEL), a warning. */
static int mode_native(void)
{
	struct itimerval v = itv(30 * MS, 0), o;

	rec_install(SIGALRM);
	if (setitimer(ITIMER_REAL, &v, &o) || getitimer(ITIMER_REAL, &o))
		return 1;
	wait_recs(1, 2 * SEC);
	if (rec_count() != 1 || recs[0].code != SI_KERNEL)
		return 2;
	if (alarm(5) || alarm(0) != 5)
		return 3;
	return dev_fds().owned ? 4 : 0;
}

/* Settings not understood: warnings, then the defaults. */
static int mode_defaults(void)
{
	struct itimerval v = itv(20 * MS, 0);

	rec_install(SIGALRM);
	if (setitimer(ITIMER_REAL, &v, NULL))
		return 1;
	wait_recs(1, 2 * SEC);
	if (rec_count() != 1 || recs[0].signo != SIGALRM ||
	    recs[0].code != SI_TIMER)
		return 2;
	return my_scope() == ITG_SCOPE_SHARED ? 0 : 3;
}

/* After exec: the descriptor of the previous image is taken over. */
static int mode_adopt(void)
{
	struct devfds before = dev_fds(), after;
	uint64_t value = get_value(ITIMER_REAL);
	unsigned int left;

	after = dev_fds();
	if (before.owned != 1 || before.foreign)
		return 1;
	if (value < 4 * SEC || value > 5 * SEC)
		return 2;
	if (after.owned != 1 || after.fd != before.fd)
		return 3;
	left = alarm(0);
	return left == 4 || left == 5 ? 0 : 4;
}

/* Spawned without fork handlers: the parent's descriptor was closed. */
static int mode_spawned(void)
{
	struct devfds d = dev_fds();

	if (d.foreign || d.owned)
		return 1;
	return get_value(ITIMER_REAL) == 0 ? 0 : 2;
}

__attribute__((constructor)) static void run_mode(void)
{
	const char *m = getenv("ITG_LDP_MODE");

	if (!m)
		return;
	if (!strcmp(m, "signal"))
		_exit(mode_signal());
	if (!strcmp(m, "private"))
		_exit(mode_private());
	if (!strcmp(m, "native"))
		_exit(mode_native());
	if (!strcmp(m, "defaults"))
		_exit(mode_defaults());
	if (!strcmp(m, "adopt"))
		_exit(mode_adopt());
	if (!strcmp(m, "spawned"))
		_exit(mode_spawned());
	_exit(99);
}

/* The environment plus the strings of @ap, up to a NULL. */
static char **env_plus(va_list ap)
{
	static char *envp[256];
	const char *e;
	int i, n = 0;

	for (i = 0; environ[i] && n < 240; i++)
		envp[n++] = environ[i];
	while ((e = va_arg(ap, const char *)) && n < 255)
		envp[n++] = (char *)e;
	envp[n] = NULL;
	return envp;
}

/* execve() this program with more environment (strings, then NULL). */
static void reexec(int unused, ...)
{
	char *argv[2];
	va_list ap;

	argv[0] = "itg_ldpreload";
	argv[1] = NULL;
	va_start(ap, unused);
	execve("/proc/self/exe", argv, env_plus(ap));
	va_end(ap);
}

/*
 * Run this program with more environment (ITG_LDP_MODE=... and settings,
 * up to a NULL); its exit status, and what it wrote on stderr in @err.
 */
static int run(char *err, size_t len, ...)
{
	char *argv[2];
	int p[2];
	ssize_t n, got = 0;
	va_list ap;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		argv[0] = "itg_ldpreload";
		argv[1] = NULL;
		va_start(ap, len);
		execve("/proc/self/exe", argv, env_plus(ap));
		va_end(ap);
		_exit(98);
	}
	close(p[1]);
	while (got < (ssize_t)len - 1 &&
	       (n = read(p[0], err + got, len - 1 - got)) > 0)
		got += n;
	err[got > 0 ? got : 0] = '\0';
	close(p[0]);
	return itg_wait_child(pid);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(signal_setting_by_name_and_number)
{
	static const char * const names[] = { "SIGUSR1", "USR2", "10", "RTMIN+2" };
	char err[512], set[64], expect[64];
	int sigs[] = { SIGUSR1, SIGUSR2, 10, SIGRTMIN + 2 };
	unsigned int i;

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	for (i = 0; i < 4; i++) {
		snprintf(set, sizeof(set), "ITG_PRELOAD_SIGNAL=%s", names[i]);
		snprintf(expect, sizeof(expect), "ITG_LDP_EXPECT=%d", sigs[i]);
		EXPECT_EQ(0, run(err, sizeof(err), "ITG_LDP_MODE=signal", set,
				 expect, NULL)) {
			TH_LOG("%s: %s", set, err);
		}
		EXPECT_STREQ("", err);
	}
}

TEST(private_scope_gives_each_thread_its_itimers)
{
	char err[512];

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	EXPECT_EQ(0, run(err, sizeof(err), "ITG_LDP_MODE=private",
			 "ITG_PRELOAD_SCOPE=private", NULL));
	EXPECT_STREQ("", err);
}

TEST(no_device_falls_back_with_one_warning)
{
	char err[512];

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	EXPECT_EQ(0, run(err, sizeof(err), "ITG_LDP_MODE=native",
			 "ITG_PRELOAD_DEVICE=/nonexistent/itimer_group", NULL));
	EXPECT_EQ(1, lines(err));
	EXPECT_NE(NULL, strstr(err, "itg_preload: /nonexistent/itimer_group: "));
	EXPECT_NE(NULL, strstr(err, ": no such file (errno 2); using the native itimers\n"));
}

TEST(bad_settings_warn_and_use_the_defaults)
{
	char err[512];

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	EXPECT_EQ(0, run(err, sizeof(err), "ITG_LDP_MODE=defaults",
			 "ITG_PRELOAD_SCOPE=everyone", "ITG_PRELOAD_SIGNAL=SIGKILL",
			 NULL));
	EXPECT_EQ(2, lines(err));
	EXPECT_NE(NULL, strstr(err, "ITG_PRELOAD_SCOPE=everyone: not understood, using shared\n"));
	EXPECT_NE(NULL, strstr(err, "ITG_PRELOAD_SIGNAL=SIGKILL: not understood, using default\n"));
}

TEST(descriptor_is_high_and_kept_across_exec)
{
	struct itimerval v = itv(5 * SEC, 0);
	struct devfds d;

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	EXPECT_EQ(0, dev_fds().owned);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	d = dev_fds();
	EXPECT_EQ(1, d.owned);
	EXPECT_EQ(0, d.foreign);
	EXPECT_GE(d.fd, 100);
	EXPECT_EQ(0, fcntl(d.fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, setitimer(ITIMER_REAL, NULL, NULL));
}

TEST(exec_takes_over_the_descriptor)
{
	struct itimerval v = itv(5 * SEC, 0);
	pid_t pid;

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setitimer(ITIMER_REAL, &v, NULL))
			_exit(97);
		reexec(0, "ITG_LDP_MODE=adopt", NULL);
		_exit(98);
	}
	EXPECT_EQ(0, itg_wait_child(pid));
}

/* posix_spawn() with this program's environment plus one variable. */
static int spawn_with(pid_t *pid, int unused, ...)
{
	char *argv[2];
	va_list ap;
	int ret;

	argv[0] = "itg_ldpreload";
	argv[1] = NULL;
	va_start(ap, unused);
	ret = posix_spawn(pid, "/proc/self/exe", NULL, NULL, argv,
			  env_plus(ap));
	va_end(ap);
	return ret;
}

TEST(spawned_child_drops_the_parents_descriptor)
{
	struct itimerval v = itv(5 * SEC, 0);
	pid_t pid;

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	ASSERT_EQ(1, dev_fds().owned);
	ASSERT_EQ(0, spawn_with(&pid, 0, "ITG_LDP_MODE=spawned", NULL));
	EXPECT_EQ(0, itg_wait_child(pid));
	EXPECT_GT(get_value(ITIMER_REAL), 4 * SEC);
}

TEST(fork_child_opens_its_own_descriptor)
{
	struct itimerval v = itv(5 * SEC, 0);
	pid_t pid;

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct itg_group_info info;
		struct itimerval o;
		struct devfds d = dev_fds();

		if (d.owned || d.foreign)
			_exit(1);
		v = itv(3 * SEC, 0);
		if (setitimer(ITIMER_REAL, &v, &o) || o.it_value.tv_sec ||
		    o.it_value.tv_usec)
			_exit(2);
		d = dev_fds();
		if (d.owned != 1 || itg_group(d.fd, &info) ||
		    info.tgid != (uint32_t)getpid() ||
		    !(info.armed & ITG_ARMED_REAL))
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, itg_wait_child(pid));
	EXPECT_GT(get_value(ITIMER_REAL), 4 * SEC);
}

TEST(closed_descriptor_is_reopened)
{
	struct itimerval v = itv(5 * SEC, 0), o;
	struct devfds d;

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	rec_install(SIGALRM);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	d = dev_fds();
	ASSERT_EQ(1, d.owned);
	/* A program that closes every descriptor: the module's timers go. */
	ASSERT_EQ(0, close(d.fd));
	v = itv(30 * MS, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, &o));
	EXPECT_EQ(0, o.it_value.tv_sec);
	EXPECT_EQ(0, o.it_value.tv_usec);
	wait_recs(1, 2 * SEC);
	EXPECT_EQ(1, rec_count());
	EXPECT_EQ(SI_TIMER, recs[0].code);
	EXPECT_EQ(1, dev_fds().owned);
}

static atomic_int handled;

/* Re-arms from the handler, 50 times: setitimer, getitimer, alarm. */
static void rearm(int sig)
{
	struct itimerval v = itv(2 * MS, 0), o;
	int n = atomic_fetch_add(&handled, 1) + 1;

	getitimer(ITIMER_REAL, &o);
	if (n < 50)
		setitimer(ITIMER_REAL, &v, &o);
	else
		alarm(0);
}

TEST(calls_from_signal_handlers)
{
	struct itimerval v = itv(2 * MS, 0), o;
	uint64_t end;
	pid_t pid;

	if (!preloaded())
		SKIP(return, "not run under the preload library");
	signal(SIGALRM, rearm);
	atomic_store(&handled, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, NULL));
	end = mono_ns() + 10 * SEC;
	while (atomic_load(&handled) < 50 && mono_ns() < end)
		getitimer(ITIMER_REAL, &o);
	EXPECT_EQ(50, atomic_load(&handled));

	/* The first call of a process, made in a handler, opens the device. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		atomic_store(&handled, 0);
		signal(SIGUSR1, rearm);
		raise(SIGUSR1);
		end = mono_ns() + 10 * SEC;
		while (atomic_load(&handled) < 50 && mono_ns() < end)
			usleep(100);
		_exit(atomic_load(&handled) == 50 && dev_fds().owned == 1 ? 0 : 1);
	}
	EXPECT_EQ(0, itg_wait_child(pid));
}

TEST_HARNESS_MAIN
