// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptors for group timers (ITG_IOC_TIMER_FD) and timers that send no
 * signal (ITG_SET_NO_SIGNAL): read() and poll() as timerfd's, exact counts
 * at any rate without a callback per period while nobody reads, and what
 * happens when the timer is re-armed, disarmed, or its group goes away (a
 * private thread returns or exits, the process exits), at exec, and in
 * another process that received the descriptor.  Most tests arm with no
 * handler installed: a signal would kill the program.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

#define CALLBACKS_PATH	"/sys/class/misc/" ITG_DEVICE_NAME "/callbacks"

/* A descriptor for timer @which of the caller's group, or -errno. */
static int tfd(int fd, int which, uint32_t flags)
{
	struct itg_timer_fd req = { .size = sizeof(req), .which = which,
				    .flags = flags };

	if (ioctl(fd, ITG_IOC_TIMER_FD, &req))
		return -errno;
	return req.fd;
}

/* Arm @which with no signal. */
static int arm_quiet(int fd, int which, uint64_t value, uint64_t interval)
{
	struct itg_timer_set s = { .size = sizeof(s), .which = which,
				   .flags = ITG_SET_NO_SIGNAL,
				   .value_ns = value, .interval_ns = interval };

	return ioctl(fd, ITG_IOC_SET_TIMER, &s);
}

/* read() of the count: the count, 0 at end of file, or -errno. */
static int64_t read_count(int t)
{
	uint64_t v = 0;
	ssize_t n = read(t, &v, sizeof(v));

	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	return n == sizeof(v) ? (int64_t)v : -EIO;
}

static int64_t itg_expirations(int fd, int which)
{
	struct itg_timer_get g;

	return itg_get(fd, which, &g) ? -errno : (int64_t)g.expirations;
}

static short poll_events(int t, int timeout_ms)
{
	struct pollfd p = { .fd = t, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	return p.revents;
}

static int open_fds(void)
{
	int n = 0, i;

	for (i = 0; i < 1024; i++)
		n += fcntl(i, F_GETFD) >= 0;
	return n;
}

TEST(bad_requests_are_einval_and_nothing_is_made)
{
	int fd = itg_open(O_CLOEXEC), before;
	struct itg_timer_fd req = { .size = sizeof(req) };
	struct itg_timer_set s = { .size = sizeof(s), .which = ITG_TIMER_REAL,
				   .value_ns = SEC };
	void *ro;

	ASSERT_LE(0, fd);
	before = open_fds();
	req.which = ITG_NR_TIMERS;
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_TIMER_FD, &req));
	EXPECT_EQ(EINVAL, errno);
	req.which = ITG_TIMER_PROF;
	req.flags = 4;
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_TIMER_FD, &req));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_TIMER_FD, &req));
	EXPECT_EQ(EINVAL, errno);
	req.reserved[1] = 0;
	req.size = ITG_TIMER_FD_SIZE_VER0 - 4;
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_TIMER_FD, &req));
	EXPECT_EQ(EINVAL, errno);
	/* A read-only struct: EFAULT, and no descriptor made. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	req.size = sizeof(req);
	memcpy(ro, &req, sizeof(req));
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_TIMER_FD, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(before, open_fds());
	munmap(ro, 4096);
	/* No signal and a signal number; no signal with a thread or runner. */
	s.flags = ITG_SET_NO_SIGNAL;
	s.signo = SIGUSR1;
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_SET_TIMER, &s));
	EXPECT_EQ(EINVAL, errno);
	s.signo = 0;
	s.flags = ITG_SET_NO_SIGNAL | ITG_SET_THREAD;
	s.tid = itg_gettid();
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_SET_TIMER, &s));
	EXPECT_EQ(EINVAL, errno);
	s.tid = 0;
	s.which = ITG_TIMER_PROF;
	s.flags = ITG_SET_NO_SIGNAL | ITG_SET_TO_RUNNER;
	EXPECT_EQ(-1, ioctl(fd, ITG_IOC_SET_TIMER, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(before, open_fds());
	close(fd);
}

TEST(flags_give_cloexec_and_nonblock)
{
	int fd = itg_open(O_CLOEXEC), a, b;

	ASSERT_LE(0, fd);
	a = tfd(fd, ITG_TIMER_REAL, 0);
	b = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC | ITG_FD_NONBLOCK);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, fcntl(a, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(a, F_GETFL) & O_NONBLOCK);
	EXPECT_NE(0, fcntl(b, F_GETFD) & FD_CLOEXEC);
	EXPECT_NE(0, fcntl(b, F_GETFL) & O_NONBLOCK);
	/* Read-only: no write, no ioctl of the device. */
	EXPECT_EQ(-1, write(a, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(a, ITG_IOC_GET_GROUP, NULL));
	EXPECT_EQ(ENOTTY, errno);
	close(a);
	close(b);
	close(fd);
}

TEST(blocking_read_waits_for_the_expiry_and_sends_no_signal)
{
	int fd = itg_open(O_CLOEXEC), t;
	struct itg_timer_get g;
	uint64_t t0, dt;

	ASSERT_LE(0, fd);
	t = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC);
	ASSERT_LE(0, t);
	/* SIGALRM is not caught: a signal would end the test. */
	signal(SIGALRM, SIG_DFL);
	t0 = mono_ns();
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 50 * MS, 0));
	EXPECT_EQ(1, read_count(t));
	dt = mono_ns() - t0;
	TH_LOG("read returned after %.3f ms", dt / 1e6);
	EXPECT_GE(dt, 50 * MS);
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(1, g.expirations);
	EXPECT_EQ(0, g.signo);
	EXPECT_EQ(0, g.value_ns);
	close(t);
	close(fd);
}

TEST(short_buffer_is_einval_nonblocking_is_eagain)
{
	int fd = itg_open(O_CLOEXEC), t;
	uint32_t small;
	int64_t n, sum = 0;
	struct itg_timer_get g;
	uint64_t t0;

	ASSERT_LE(0, fd);
	t = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC | ITG_FD_NONBLOCK);
	ASSERT_LE(0, t);
	EXPECT_EQ(-1, read(t, &small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EAGAIN, read_count(t));
	/* A one-shot: one expiry, then nothing more to read, ever. */
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 10 * MS, 0));
	sleep_ns(20 * MS);
	EXPECT_EQ(1, read_count(t));
	EXPECT_EQ(-EAGAIN, read_count(t));
	/* Periodic: what passed, at every read, and each expiry once. */
	t0 = mono_ns();
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 10 * MS, 10 * MS));
	sleep_ns(55 * MS);
	n = read_count(t);
	TH_LOG("after 55 ms of a 10 ms timer: %lld", (long long)n);
	EXPECT_GE(n, 5);
	EXPECT_LE(n, (int64_t)((mono_ns() - t0) / (10 * MS)));
	sum += n > 0 ? n : 0;
	sleep_ns(25 * MS);
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	n = read_count(t);
	sum += n > 0 ? n : 0;
	/* Read after the timer was: all it had counted, and maybe one more. */
	EXPECT_GE(sum, (int64_t)g.expirations);
	EXPECT_LE(sum, (int64_t)g.expirations + (itg_slow() ? 5 : 1));
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	close(t);
	close(fd);
}

/*
 * As timerfd: a bad buffer is EFAULT and the count taken stays to be read;
 * with nothing to read the buffer is not touched (EAGAIN, not EFAULT).
 */
TEST(bad_buffer_is_efault_and_loses_no_expiry)
{
	int fd = itg_open(O_CLOEXEC), t;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t *ro, *gone;

	ASSERT_LE(0, fd);
	t = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC | ITG_FD_NONBLOCK);
	ASSERT_LE(0, t);
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	gone = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_EQ(0, munmap(gone, page));
	EXPECT_EQ(-1, read(t, ro, sizeof(*ro)));
	EXPECT_EQ(EAGAIN, errno);
	/* A 1 ms one-shot: one expiration to read (a re-arm would reset it). */
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, MS, 0));
	while (itg_expirations(fd, ITG_TIMER_REAL) < 1)
		sleep_ns(MS);
	EXPECT_EQ(-1, read(t, gone, sizeof(*gone)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(t, ro, sizeof(*ro)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(POLLIN, poll_events(t, 0) & POLLIN);
	EXPECT_EQ(1, read_count(t));
	EXPECT_EQ(-EAGAIN, read_count(t));
	munmap(ro, page);
	close(t);
	close(fd);
}

TEST(poll_and_epoll_wake_on_the_expiry)
{
	int fd = itg_open(O_CLOEXEC), t, ep;
	struct epoll_event ev = { .events = EPOLLIN }, out;
	uint64_t t0, dt;

	ASSERT_LE(0, fd);
	t = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC);
	ASSERT_LE(0, t);
	EXPECT_EQ(0, poll_events(t, 0));
	t0 = mono_ns();
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 20 * MS, 0));
	EXPECT_EQ(POLLIN, poll_events(t, 5000));
	dt = mono_ns() - t0;
	EXPECT_GE(dt, 20 * MS);
	EXPECT_EQ(1, read_count(t));
	EXPECT_EQ(0, poll_events(t, 0));

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev));
	t0 = mono_ns();
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 20 * MS, 0));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	dt = mono_ns() - t0;
	EXPECT_GE(dt, 20 * MS);
	EXPECT_EQ(EPOLLIN, out.events);
	EXPECT_EQ(1, read_count(t));
	close(ep);
	close(t);
	close(fd);
}

TEST(rearm_resets_the_count_disarmed_stays_quiet)
{
	int fd = itg_open(O_CLOEXEC), t;

	ASSERT_LE(0, fd);
	t = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC | ITG_FD_NONBLOCK);
	ASSERT_LE(0, t);
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, MS, MS));
	sleep_ns(10 * MS);
	EXPECT_EQ(POLLIN, poll_events(t, 0));
	/* Re-armed: the count starts again, as timerfd_settime()'s. */
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 10 * SEC, 0));
	EXPECT_EQ(0, poll_events(t, 0));
	EXPECT_EQ(-EAGAIN, read_count(t));
	/* Disarmed: never readable, and not hung up (it may be re-armed). */
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 0, 0));
	EXPECT_EQ(0, poll_events(t, 100));
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, MS, 0));
	EXPECT_EQ(POLLIN, poll_events(t, 5000));
	EXPECT_EQ(1, read_count(t));
	close(t);
	close(fd);
}

/* A signal and a descriptor: each expiry in both, exactly. */
TEST(signal_and_descriptor_both_count_every_expiry)
{
	int fd = itg_open(O_CLOEXEC), t, n;
	uint64_t overruns;
	struct itg_timer_get g, g1;
	int64_t sum = 0, r;

	ASSERT_LE(0, fd);
	rec_reset();
	rec_install(SIGUSR1);
	t = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC | ITG_FD_NONBLOCK);
	ASSERT_LE(0, t);
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, MS, MS, SIGUSR1, 0, NULL));
	for (n = 0; n < 20; n++) {
		sleep_ns(10 * MS);
		r = read_count(t);
		sum += r > 0 ? r : 0;
	}
	sig_block(SIGUSR1, SIG_BLOCK);
	/* The timer's count, then the descriptor's (a bit later). */
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g1));
	r = read_count(t);
	sum += r > 0 ? r : 0;
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, SIGUSR1, 0, NULL));
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	sig_block(SIGUSR1, SIG_UNBLOCK);
	n = rec_sum(SIGUSR1, SI_TIMER, &overruns);
	TH_LOG("%llu expirations: %d signals + %llu overruns, %lld read",
	       (unsigned long long)g.expirations, n,
	       (unsigned long long)overruns, (long long)sum);
	EXPECT_EQ(g.expirations, n + overruns);
	EXPECT_GE(sum, (int64_t)g1.expirations);
	EXPECT_LE(sum, (int64_t)g.expirations);
	signal(SIGUSR1, SIG_DFL);
	close(t);
	close(fd);
}

/*
 * 10 us periods nobody reads for half a second: the module's callbacks
 * back off (no callback per period), and one read then has them all.
 */
TEST(unread_fast_timer_costs_no_callback_per_period)
{
	int fd = itg_open(O_CLOEXEC), t;
	uint64_t cb0, cb, t0, elapsed;
	struct itg_timer_get g;
	int64_t n;

	ASSERT_LE(0, fd);
	t = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC);
	ASSERT_LE(0, t);
	cb0 = read_number(CALLBACKS_PATH);
	t0 = mono_ns();
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 10 * 1000, 10 * 1000));
	sleep_ns(500 * MS);
	cb = read_number(CALLBACKS_PATH) - cb0;
	/* The timer's count up to now, then the descriptor's, a bit later. */
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_REAL, &g));
	n = read_count(t);
	elapsed = mono_ns() - t0;
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_REAL, 0, 0));
	TH_LOG("%lld expirations read after %.1f ms (%llu at the read before), %llu callbacks",
	       (long long)n, elapsed / 1e6, (unsigned long long)g.expirations,
	       (unsigned long long)cb);
	/* Every period up to the read, counted: none lost, none extra. */
	EXPECT_LE(n, (int64_t)(elapsed / (10 * 1000)));
	EXPECT_GE(n, 50000);
	EXPECT_GE(n, (int64_t)g.expirations);
	EXPECT_LE(n, (int64_t)g.expirations + 1000);
	/* At the 100 us floor it would be 5,000; backing off, a dozen. */
	EXPECT_LE(cb, 50);
	close(t);
	close(fd);
}

/* Private threads: the descriptor of a group that goes away hangs up. */
struct priv_arg {
	int fd, t;
	bool exit_private;	/* exit in the group, else return to shared */
};

static void *private_thread(void *arg)
{
	struct priv_arg *a = arg;

	if (itg_scope(a->fd, ITG_SCOPE_PRIVATE, NULL))
		return (void *)1;
	/* The descriptor first: its count starts with it. */
	a->t = tfd(a->fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC | ITG_FD_NONBLOCK);
	if (a->t < 0)
		return (void *)3;
	if (arm_quiet(a->fd, ITG_TIMER_REAL, MS, 0))
		return (void *)2;
	/* The expiry is there before the group goes. */
	if (!(poll_events(a->t, 5000) & POLLIN))
		return (void *)4;
	if (!a->exit_private && itg_scope(a->fd, ITG_SCOPE_SHARED, NULL))
		return (void *)5;
	return NULL;
}

static void check_private_gone(struct __test_metadata *_metadata,
			       bool exit_private)
{
	struct priv_arg a = { .fd = itg_open(O_CLOEXEC),
			      .exit_private = exit_private };
	pthread_t th;
	void *ret;
	short ev = 0;
	int i;

	ASSERT_LE(0, a.fd);
	ASSERT_EQ(0, pthread_create(&th, NULL, private_thread, &a));
	ASSERT_EQ(0, pthread_join(th, &ret));
	ASSERT_EQ(NULL, ret);
	/* The exit's teardown runs in a worker: a moment later. */
	for (i = 0; i < 500 && !(ev & POLLHUP); i++) {
		ev = poll_events(a.t, 10);
		if (!(ev & POLLHUP))
			usleep(1000);
	}
	EXPECT_EQ(POLLIN | POLLHUP, ev);
	/* What was left, then end of file, also in blocking mode. */
	EXPECT_EQ(1, read_count(a.t));
	EXPECT_EQ(0, read_count(a.t));
	fcntl(a.t, F_SETFL, 0);
	EXPECT_EQ(0, read_count(a.t));
	close(a.t);
	close(a.fd);
}

TEST(private_group_left_hangs_up_its_descriptors)
{
	check_private_gone(_metadata, false);
}

TEST(private_thread_exit_hangs_up_its_descriptors)
{
	check_private_gone(_metadata, true);
}

/* Active task_structs (/proc/slabinfo, root), or -1. */
static long task_structs(void)
{
	char line[512];
	long n = -1;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "task_struct %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void *private_fd_thread(void *arg)
{
	int fd = *(int *)arg;

	if (itg_scope(fd, ITG_SCOPE_PRIVATE, NULL))
		return (void *)-1L;
	return (void *)(long)tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC);
}

/*
 * Descriptors kept of exited private threads do not keep the threads'
 * task_structs (found by review: each pinned one, with its signal struct
 * and credentials, beyond any per-user cap).
 */
#define PINNERS	300

TEST(descriptors_of_exited_threads_pin_no_task_struct)
{
	int fd = itg_open(O_CLOEXEC), i, t[PINNERS];
	long before, after;
	pthread_t th;
	void *ret;

	ASSERT_LE(0, fd);
	if (task_structs() < 0)
		SKIP(return, "needs /proc/slabinfo (root)");
	/* KASAN's quarantine keeps freed objects counted as active. */
	if (itg_slow())
		SKIP(return, "slabinfo counts KASAN's quarantine on the debug kernel");
	before = task_structs();
	for (i = 0; i < PINNERS; i++) {
		ASSERT_EQ(0, pthread_create(&th, NULL, private_fd_thread, &fd));
		ASSERT_EQ(0, pthread_join(th, &ret));
		t[i] = (int)(long)ret;
		ASSERT_LE(0, t[i]) TH_LOG("thread %d: %d", i, t[i]);
	}
	/* The exits' teardown runs in a worker, the puts after RCU. */
	for (i = 0; i < 100; i++) {
		sleep_ns(20 * MS);
		after = task_structs();
		if (after < before + PINNERS / 2)
			break;
	}
	TH_LOG("task_structs: %ld before, %ld with %d descriptors of exited threads",
	       before, after, PINNERS);
	EXPECT_LT(after, before + PINNERS / 2);
	for (i = 0; i < PINNERS; i++)
		close(t[i]);
	close(fd);
}

/*
 * A descriptor passed to another process reads the count there, and only
 * that: no ioctl of the device through it.  The owner's exit hangs it up.
 */
TEST(passed_descriptor_reads_only_and_hangs_up_at_owner_exit)
{
	int sv[2], t, i;
	struct itg_group_info info;
	short ev = 0;
	int64_t n;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = itg_open(O_CLOEXEC), mine;
		char c;

		if (fd < 0 || arm_quiet(fd, ITG_TIMER_REAL, MS, MS))
			_exit(1);
		mine = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC);
		if (mine < 0 || send_fd(sv[1], mine))
			_exit(2);
		/* Until the parent has read through it. */
		if (read(sv[1], &c, 1) != 1)
			_exit(3);
		_exit(0);
	}
	t = recv_fd(sv[0]);
	ASSERT_LE(0, t);
	n = read_count(t);
	EXPECT_GE(n, 1);
	/* Not a device file: the device's ioctls are not there. */
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	EXPECT_EQ(-1, ioctl(t, ITG_IOC_GET_GROUP, &info));
	EXPECT_EQ(ENOTTY, errno);
	ASSERT_EQ(1, write(sv[0], "x", 1));
	EXPECT_EQ(0, itg_wait_child(pid));
	for (i = 0; i < 500 && !(ev & POLLHUP); i++) {
		ev = poll_events(t, 10);
		if (!(ev & POLLHUP))
			usleep(1000);
	}
	EXPECT_NE(0, ev & POLLHUP);
	/* Whatever was left, then end of file. */
	for (i = 0; i < 3 && read_count(t) > 0; i++)
		;
	EXPECT_EQ(0, read_count(t));
	close(t);
	close(sv[0]);
	close(sv[1]);
}

/* At exec the ITG_FD_CLOEXEC descriptor goes, the other one stays. */
static int exec_child(int keep, int gone)
{
	if (fcntl(gone, F_GETFD) != -1 || errno != EBADF)
		return 2;
	/* The timer lives on (the device's fd survived too): it counts. */
	return read_count(keep) >= 1 ? 0 : 3;
}

TEST(exec_closes_the_cloexec_descriptor_only)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		char a[16], b[16];
		int fd = itg_open(0), keep, gone;

		if (fd < 0 || arm_quiet(fd, ITG_TIMER_REAL, MS, MS))
			_exit(1);
		keep = tfd(fd, ITG_TIMER_REAL, 0);
		gone = tfd(fd, ITG_TIMER_REAL, ITG_FD_CLOEXEC);
		if (keep < 0 || gone < 0)
			_exit(1);
		snprintf(a, sizeof(a), "%d", keep);
		snprintf(b, sizeof(b), "%d", gone);
		execl("/proc/self/exe", "itg_timerfd", "--exec-child", a, b,
		      NULL);
		_exit(99);
	}
	EXPECT_EQ(0, itg_wait_child(pid));
}

/*
 * The group's CPU time without a signal handler: two busy workers, a PROF
 * timer every 10 ms of their CPU time, read from an epoll loop in the main
 * thread.  The counts add up to the timer's expirations and follow the
 * workers' CPU clocks.
 */
static atomic_bool work_stop;

static void *worker(void *arg)
{
	while (!atomic_load(&work_stop))
		;
	return arg;
}

TEST(epoll_loop_counts_prof_of_busy_workers_without_a_handler)
{
	int fd = itg_open(O_CLOEXEC), t, ep, i;
	struct epoll_event ev = { .events = EPOLLIN }, out;
	uint64_t c0[3], c1[3], cpu = 0, cpu_after = 0, t0;
	struct itg_timer_get g;
	clockid_t clk[3];
	pthread_t th[2];
	int64_t sum = 0, n;

	ASSERT_LE(0, fd);
	signal(SIGPROF, SIG_DFL);	/* a signal would kill the test */
	t = tfd(fd, ITG_TIMER_PROF, ITG_FD_CLOEXEC | ITG_FD_NONBLOCK);
	ASSERT_LE(0, t);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev));
	atomic_store(&work_stop, false);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker, NULL));
		ASSERT_EQ(0, pthread_getcpuclockid(th[i], &clk[i]));
	}
	ASSERT_EQ(0, pthread_getcpuclockid(pthread_self(), &clk[2]));
	/*
	 * The clocks just before and just after the arming: the workers
	 * run on while this thread waits for a CPU to arm (under stress-ng
	 * on both host cores, the clocks read only before it held 50 ms the
	 * group's did not: 207 expirations against 212 periods).
	 */
	for (i = 0; i < 3; i++)
		c0[i] = now_ns(clk[i]);
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_PROF, 10 * MS, 10 * MS));
	for (i = 0; i < 3; i++)
		c1[i] = now_ns(clk[i]);
	t0 = mono_ns();
	while (mono_ns() - t0 < SEC) {
		if (epoll_wait(ep, &out, 1, 100) != 1)
			continue;
		n = read_count(t);
		sum += n > 0 ? n : 0;
	}
	/*
	 * The group's CPU time (the workers' clocks while they live, and
	 * this thread's) before and after the timer's count: at least the
	 * time from the arming's end to the count, at most the time from
	 * its start to after it.
	 */
	for (i = 0; i < 3; i++)
		cpu += now_ns(clk[i]) - c1[i];
	n = read_count(t);
	sum += n > 0 ? n : 0;
	ASSERT_EQ(0, itg_get(fd, ITG_TIMER_PROF, &g));
	for (i = 0; i < 3; i++)
		cpu_after += now_ns(clk[i]) - c0[i];
	ASSERT_EQ(0, arm_quiet(fd, ITG_TIMER_PROF, 0, 0));
	atomic_store(&work_stop, true);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	TH_LOG("group %.1f ms CPU: %lld expirations read, %llu counted",
	       cpu / 1e6, (long long)sum, (unsigned long long)g.expirations);
	/* Read once each, all of them up to the last read. */
	EXPECT_LE(sum, (int64_t)g.expirations);
	EXPECT_GE(sum + 2, (int64_t)g.expirations);
	/* The group's CPU time in 10 ms periods. */
	EXPECT_GE(g.expirations + 1, cpu / (10 * MS));
	EXPECT_LE(g.expirations, cpu_after / (10 * MS));
	close(ep);
	close(t);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--exec-child"))
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	return test_harness_run(argc, argv);
}
