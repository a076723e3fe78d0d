/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the itimer_group selftests: ioctl wrappers, clocks and
 * a signal recorder that a SA_SIGINFO handler fills.
 */
#ifndef ITG_TEST_H
#define ITG_TEST_H

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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/itimer_group.h>

#define ITG_PATH	"/dev/" ITG_DEVICE_NAME
#define MS		1000000ULL
#define SEC		1000000000ULL

static inline int itg_open(int flags)
{
	return open(ITG_PATH, O_RDWR | flags);
}

static inline int itg_set(int fd, int which, uint64_t value, uint64_t interval,
			  int signo, uint64_t cookie, struct itg_timer_set *old)
{
	struct itg_timer_set s = {
		.size = sizeof(s), .which = which, .signo = signo,
		.value_ns = value, .interval_ns = interval, .cookie = cookie,
	};
	int ret = ioctl(fd, ITG_IOC_SET_TIMER, &s);

	if (!ret && old)
		*old = s;
	return ret;
}

static inline int itg_get(int fd, int which, struct itg_timer_get *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->which = which;
	return ioctl(fd, ITG_IOC_GET_TIMER, out);
}

static inline int itg_group(int fd, struct itg_group_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, ITG_IOC_GET_GROUP, info);
}

static inline int itg_scope(int fd, int scope, struct itg_group_info *info)
{
	struct itg_scope s = { .size = sizeof(s), .scope = scope };
	int ret = ioctl(fd, ITG_IOC_SET_SCOPE, &s);

	if (!ret && info)
		*info = s.info;
	return ret;
}

/* A child's exit status; 100 + the signal if one killed it; -1 if lost. */
static inline int itg_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 100 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

static inline uint64_t mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static inline pid_t itg_gettid(void)
{
	return syscall(SYS_gettid);
}

/* Sleep @ns of wall time, through signal interruptions. */
static inline void sleep_ns(uint64_t ns)
{
	uint64_t end = mono_ns() + ns;
	struct timespec ts = { .tv_sec = end / SEC, .tv_nsec = end % SEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* What a handler saw of one signal. */
struct sig_rec {
	int signo;
	int code;
	int timerid;
	int overrun;
	pid_t tid;
	uint64_t value;
	uint64_t when;
};

#define REC_MAX 4096
static struct sig_rec recs[REC_MAX];
static atomic_int nrecs;

static void rec_handler(int sig, siginfo_t *si, void *uc)
{
	int i = atomic_fetch_add(&nrecs, 1);

	if (i >= REC_MAX)
		return;
	recs[i] = (struct sig_rec){
		.signo = sig, .code = si->si_code, .timerid = si->si_timerid,
		.overrun = si->si_overrun, .tid = itg_gettid(),
		.value = (uint64_t)(uintptr_t)si->si_value.sival_ptr,
		.when = mono_ns(),
	};
}

static inline void rec_reset(void)
{
	atomic_store(&nrecs, 0);
}

static inline int rec_count(void)
{
	int n = atomic_load(&nrecs);

	return n < REC_MAX ? n : REC_MAX;
}

static inline void rec_install(int sig)
{
	struct sigaction sa = { .sa_sigaction = rec_handler,
				.sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static inline void sig_block(int sig, int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(how, &set, NULL);
}

/* Send @fd over the unix socket @sock (SCM_RIGHTS): 0 or -1. */
static inline int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* The descriptor received over @sock (SCM_RIGHTS), or -1. */
static inline int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Count recorded signals of @sig with si_code @code (0: any); sum overruns. */
static inline int rec_sum(int sig, int code, uint64_t *overruns)
{
	int i, n = 0, c = rec_count();

	if (overruns)
		*overruns = 0;
	for (i = 0; i < c; i++) {
		if (recs[i].signo != sig || (code && recs[i].code != code))
			continue;
		n++;
		if (overruns)
			*overruns += recs[i].overrun;
	}
	return n;
}

/* A counter of /sys/class/misc/itimer_group/, or -1 if unreadable. */
static inline long long counter(const char *name)
{
	char path[256], buf[32] = "";
	int fd;

	snprintf(path, sizeof(path), "/sys/class/misc/%s/%s",
		 ITG_DEVICE_NAME, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoll(buf) : -1;
}

/* The number in a small file (a module parameter), or -1. */
static inline long long read_number(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = '\0';
	close(fd);
	return atoll(buf);
}

/* Write @val to a small file (a module parameter): 0 or -errno. */
static inline int write_param(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Count recorded signals taken by thread @tid. */
static inline int rec_tid(pid_t tid)
{
	int i, n = 0;

	for (i = 0; i < rec_count(); i++)
		n += recs[i].tid == tid;
	return n;
}

/* Expirations recorded for thread @tid: its signals and their overruns. */
static inline uint64_t rec_tid_expirations(pid_t tid)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < rec_count(); i++)
		if (recs[i].tid == tid)
			n += 1 + recs[i].overrun;
	return n;
}

/*
 * Booted with itg.slow=1 (the debug kernel lane: KASAN, lockdep): timing
 * bounds are not checked there, behaviour is.
 */
static inline bool itg_slow(void)
{
	static int slow = -1;
	char buf[1024] = "";
	int fd;

	if (slow < 0) {
		fd = open("/proc/cmdline", O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf) - 1) < 0)
				buf[0] = '\0';
			close(fd);
		}
		slow = !!strstr(buf, "itg.slow=1");
	}
	return slow;
}

/* A PREEMPT_RT kernel: its hrtimer callbacks run in a thread. */
static inline bool itg_rt(void)
{
	static int rt = -1;
	char c = '0';
	int fd;

	if (rt < 0) {
		fd = open("/sys/kernel/realtime", O_RDONLY);
		if (fd >= 0) {
			if (read(fd, &c, 1) != 1)
				c = '0';
			close(fd);
		}
		rt = c == '1';
	}
	return rt;
}

#endif /* ITG_TEST_H */
