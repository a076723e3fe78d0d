// SPDX-License-Identifier: GPL-2.0
/*
 * itg_preload: run an unmodified dynamically linked program with its
 * setitimer(), getitimer(), alarm() and ualarm() routed through
 * /dev/itimer_group, so that its itimers live in an itimer sharing group:
 *
 *	LD_PRELOAD=/usr/local/lib/itimer_group/libitg_preload.so program
 *
 * ITG_PRELOAD_SCOPE	shared (default): one set of itimers per process, as
 *			Linux has it; private: one per thread
 * ITG_PRELOAD_SIGNAL	the signal of all three timers (number or name);
 *			unset or "default": SIGALRM, SIGVTALRM, SIGPROF
 * ITG_PRELOAD_DEVICE	the device (default /dev/itimer_group)
 *
 * The calls keep the kernel's setitimer/getitimer/alarm semantics (see
 * Documentation/preload.rst for the few deviations).  Without the device,
 * the library warns once on stderr and makes the native system calls.
 *
 * Everything the interposed calls do is async-signal-safe: no allocation,
 * no stdio, no lock.  The device is opened at the first call (a racing
 * thread that loses the compare-and-swap closes its own descriptor); a
 * change of pid (fork) opens it again, because the module answers EPERM to
 * a descriptor of another process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/itimer_group.h>

#define ITGP_EXPORT	__attribute__((visibility("default")))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ITGP_TLS	__attribute__((tls_model("initial-exec")))

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_SEC	1000000000ULL
#define USEC_PER_SEC	1000000L

/* The library's descriptor is moved to the lowest free number from here. */
#define ITGP_FD_MIN	100

/*
 * The descriptor in use, with the process it was opened by: pid << 32 |
 * gen << 20 | fd, 0 when none.  gen tells two openings apart that got the
 * same number, so that a thread knows when it has to set its scope again.
 */
#define ITGP_FD_BITS	20
#define ITGP_FD_MASK	((1ULL << ITGP_FD_BITS) - 1)
#define ITGP_GEN_MASK	0xfffULL

static atomic_uint_least64_t itgp_slot;
static atomic_uint itgp_gen;
/* The device cannot be used: the native system calls, for good. */
static atomic_bool itgp_native;
static atomic_bool itgp_warned;

/*
 * The interval last given to ITIMER_VIRTUAL and ITIMER_PROF: the kernel
 * keeps reporting it after the timer is disarmed, the module does not.
 * Per process in the shared scope, per thread in the private one.
 */
static atomic_uint_least64_t itgp_incr[ITG_NR_TIMERS];
static __thread uint64_t itgp_tincr[ITG_NR_TIMERS] ITGP_TLS;
/* The slot this thread moved to its scope in (0: not yet). */
static __thread uint64_t itgp_scoped ITGP_TLS;

/* Settings, from the environment at load. */
static atomic_bool itgp_configured;
static unsigned int itgp_scope = ITG_SCOPE_SHARED;
static unsigned int itgp_signo;
static char itgp_dev[256] = "/dev/" ITG_DEVICE_NAME;

/* Async-signal-safe message building. */
struct itgp_msg {
	char buf[512];
	size_t len;
};

static void itgp_puts(struct itgp_msg *m, const char *s)
{
	while (*s && m->len < sizeof(m->buf) - 1)
		m->buf[m->len++] = *s++;
}

static void itgp_putu(struct itgp_msg *m, unsigned long v)
{
	char tmp[24];
	int i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	itgp_puts(m, tmp + i);
}

static void itgp_write_msg(struct itgp_msg *m)
{
	ssize_t ret;

	m->buf[m->len++] = '\n';
	do {
		ret = write(STDERR_FILENO, m->buf, m->len);
	} while (ret < 0 && errno == EINTR);
}

static const char *itgp_errname(int err)
{
	switch (err) {
	case ENOENT: return "no such file";
	case ENXIO: return "no such device";
	case ENODEV: return "no such device";
	case EACCES: return "permission denied";
	case EPERM: return "operation not permitted";
	case EMFILE: return "too many open files";
	case ENFILE: return "too many open files in system";
	case ENOTTY: return "not the itimer_group device";
	case ENOMEM: return "out of memory";
	case EAGAIN: return "per-user cap reached";
	default: return "error";
	}
}

static void itgp_warn_setting(const char *name, const char *val,
			      const char *used)
{
	struct itgp_msg m = { .len = 0 };

	itgp_puts(&m, "itg_preload: ");
	itgp_puts(&m, name);
	itgp_puts(&m, "=");
	itgp_puts(&m, val);
	itgp_puts(&m, ": not understood, using ");
	itgp_puts(&m, used);
	itgp_write_msg(&m);
}

/* The device is unusable: warn once, then make the native calls. */
static void itgp_go_native(int err)
{
	struct itgp_msg m = { .len = 0 };

	atomic_store(&itgp_native, true);
	if (atomic_exchange(&itgp_warned, true))
		return;
	itgp_puts(&m, "itg_preload: ");
	itgp_puts(&m, itgp_dev);
	itgp_puts(&m, ": ");
	itgp_puts(&m, itgp_errname(err));
	itgp_puts(&m, " (errno ");
	itgp_putu(&m, err);
	itgp_puts(&m, "); using the native itimers");
	itgp_write_msg(&m);
}

static const struct {
	const char *name;
	int signo;
} itgp_signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "USR1", SIGUSR1 },
	{ "SEGV", SIGSEGV }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "POLL", SIGPOLL }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

/* A decimal number of at most @digits digits (9 at most), or -1. */
static int itgp_uint(const char *s, int digits)
{
	int v = 0, n = 0;

	if (!*s)
		return -1;
	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n == digits)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int itgp_small_uint(const char *s)
{
	return itgp_uint(s, 4);
}

/*
 * ITG_PRELOAD_SIGNAL: "default", or a signal by number ("10") or name,
 * with or without "SIG" ("SIGUSR1", "USR1", "SIGRTMIN+2", "RTMAX-1").
 * Returns the number, 0 for the defaults, -1 if not a usable signal.
 */
static int itgp_parse_signal(const char *s)
{
	size_t i;
	int n;

	if (!strcmp(s, "default"))
		return 0;
	n = itgp_small_uint(s);
	if (n < 0) {
		if (!strncmp(s, "SIG", 3))
			s += 3;
		for (i = 0; i < ARRAY_SIZE(itgp_signames); i++)
			if (!strcmp(s, itgp_signames[i].name))
				return itgp_signames[i].signo;
		if (!strcmp(s, "RTMIN"))
			n = SIGRTMIN;
		else if (!strcmp(s, "RTMAX"))
			n = SIGRTMAX;
		else if (!strncmp(s, "RTMIN+", 6) && itgp_small_uint(s + 6) >= 0)
			n = SIGRTMIN + itgp_small_uint(s + 6);
		else if (!strncmp(s, "RTMAX-", 6) && itgp_small_uint(s + 6) >= 0)
			n = SIGRTMAX - itgp_small_uint(s + 6);
		else
			return -1;
		if (n < SIGRTMIN || n > SIGRTMAX)
			return -1;
	}
	if (n < 1 || n > SIGRTMAX || n == SIGKILL || n == SIGSTOP)
		return -1;
	return n;
}

/*
 * Read the settings.  Idempotent and without side effects besides the
 * warnings, so two threads racing here before the constructor ran (a
 * call from another library's constructor) do no harm.
 */
static void itgp_configure(void)
{
	const char *v;
	int sig;

	if (atomic_load(&itgp_configured))
		return;
	v = getenv("ITG_PRELOAD_SCOPE");
	if (v && *v) {
		if (!strcmp(v, "private"))
			itgp_scope = ITG_SCOPE_PRIVATE;
		else if (!strcmp(v, "shared"))
			itgp_scope = ITG_SCOPE_SHARED;
		else
			itgp_warn_setting("ITG_PRELOAD_SCOPE", v, "shared");
	}
	v = getenv("ITG_PRELOAD_SIGNAL");
	if (v && *v) {
		sig = itgp_parse_signal(v);
		if (sig >= 0)
			itgp_signo = sig;
		else
			itgp_warn_setting("ITG_PRELOAD_SIGNAL", v, "default");
	}
	v = getenv("ITG_PRELOAD_DEVICE");
	if (v && *v) {
		if (strlen(v) < sizeof(itgp_dev))
			memcpy(itgp_dev, v, strlen(v) + 1);
		else
			itgp_warn_setting("ITG_PRELOAD_DEVICE", "(too long)",
					  itgp_dev);
	}
	atomic_store(&itgp_configured, true);
}

static pid_t itgp_getpid(void)
{
	return syscall(SYS_getpid);
}

static void itgp_reset_intervals(void)
{
	int i;

	for (i = 0; i < ITG_NR_TIMERS; i++)
		atomic_store(&itgp_incr[i], 0);
}

/*
 * Open the device for this process: no close-on-exec, so that the
 * process's module timers survive execve() as native itimers do; moved
 * out of the way of the low numbers the program counts on.  Checked to be
 * the itimer_group device.  Returns the fd or -errno.
 */
static int itgp_open(void)
{
	struct itg_group_info info;
	int fd, nfd, err;

	do {
		fd = open(itgp_dev, O_RDWR);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	nfd = fcntl(fd, F_DUPFD, ITGP_FD_MIN);
	if (nfd >= 0) {
		close(fd);
		fd = nfd;
	}
	if ((unsigned int)fd > ITGP_FD_MASK) {
		close(fd);
		return -EMFILE;
	}
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(fd, ITG_IOC_GET_GROUP, &info)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/*
 * The descriptor of the calling process, opened if need be; its slot in
 * *slotp.  -1 when the native calls are to be made.
 */
static int itgp_fd(uint64_t *slotp)
{
	uint64_t s, n, gen;
	pid_t pid = itgp_getpid();
	int fd;

	itgp_configure();
	for (;;) {
		s = atomic_load(&itgp_slot);
		if (s && (pid_t)(s >> 32) == pid) {
			*slotp = s;
			return s & ITGP_FD_MASK;
		}
		if (atomic_load(&itgp_native))
			return -1;
		fd = itgp_open();
		if (fd < 0) {
			itgp_go_native(-fd);
			return -1;
		}
		gen = (atomic_fetch_add(&itgp_gen, 1) + 1) & ITGP_GEN_MASK;
		n = (uint64_t)pid << 32 | gen << ITGP_FD_BITS | (uint64_t)fd;
		if (atomic_compare_exchange_strong(&itgp_slot, &s, n)) {
			itgp_reset_intervals();
			*slotp = n;
			return fd;
		}
		/* Another thread was first: use its descriptor. */
		close(fd);
	}
}

/* Move the calling thread to the configured scope, once per opening. */
static int itgp_enter_scope(int fd, uint64_t slot)
{
	struct itg_scope sc;
	int i;

	if (itgp_scoped == slot)
		return 0;
	memset(&sc, 0, sizeof(sc));
	sc.size = sizeof(sc);
	sc.scope = itgp_scope;
	if (ioctl(fd, ITG_IOC_SET_SCOPE, &sc))
		return -1;
	for (i = 0; i < ITG_NR_TIMERS; i++)
		itgp_tincr[i] = 0;
	itgp_scoped = slot;
	return 0;
}

/*
 * An ioctl on the process's descriptor.  If the program closed that
 * descriptor or put another file at its number (EBADF, ENOTTY, EPERM),
 * the device is opened again once: the module stopped the process's
 * timers when its last descriptor closed.  Returns 1 when the native call
 * is to be made, else what ioctl() returns.
 */
static int itgp_ioctl(unsigned long cmd, void *arg)
{
	uint64_t slot;
	int fd, try;

	for (try = 0; try < 2; try++) {
		fd = itgp_fd(&slot);
		if (fd < 0)
			return 1;
		if (!itgp_enter_scope(fd, slot) && !ioctl(fd, cmd, arg))
			return 0;
		if (errno != EBADF && errno != ENOTTY && errno != EPERM)
			return -1;
		/* Not ours any more: forget it, never close it. */
		atomic_compare_exchange_strong(&itgp_slot, &slot, 0);
	}
	return -1;
}

/*
 * Copy from and to the caller's memory without faulting: a bad pointer
 * gives EFAULT, as the kernel's copy_from_user()/copy_to_user() do.
 * process_vm_readv()/process_vm_writev() on the calling process need no
 * privilege; where they fail otherwise than with EFAULT (a seccomp filter
 * refusing them), the memory is accessed directly (a bad pointer then
 * faults).
 */
static int itgp_copy(void *dst, const void *src, size_t len, bool to_user)
{
	struct iovec local, remote;
	ssize_t n;

	local.iov_base = to_user ? (void *)src : dst;
	local.iov_len = len;
	remote.iov_base = to_user ? dst : (void *)src;
	remote.iov_len = len;
	n = syscall(to_user ? SYS_process_vm_writev : SYS_process_vm_readv,
		    itgp_getpid(), &local, 1UL, &remote, 1UL, 0UL);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && errno != EFAULT) {
		memcpy(dst, src, len);
		return 0;
	}
	errno = EFAULT;
	return -1;
}

/* timeval_valid() of kernel/time/itimer.c */
static bool itgp_tv_valid(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && (unsigned long)tv->tv_usec < USEC_PER_SEC;
}

/* timespec64_to_ns(): saturated at KTIME_MAX. */
static uint64_t itgp_tv_ns(const struct timeval *tv)
{
	if ((uint64_t)tv->tv_sec >= INT64_MAX / NSEC_PER_SEC)
		return INT64_MAX;
	return tv->tv_sec * NSEC_PER_SEC + tv->tv_usec * NSEC_PER_USEC;
}

/* put_itimerval(): the microseconds truncated. */
static void itgp_ns_tv(struct timeval *tv, uint64_t ns)
{
	tv->tv_sec = ns / NSEC_PER_SEC;
	tv->tv_usec = ns % NSEC_PER_SEC / NSEC_PER_USEC;
}

/* The interval the kernel would report for a disarmed timer. */
static uint64_t itgp_disarmed_interval(int which)
{
	if (which == ITG_TIMER_REAL)
		return 0;
	if (itgp_scope == ITG_SCOPE_PRIVATE)
		return itgp_tincr[which];
	return atomic_load(&itgp_incr[which]);
}

static void itgp_record_interval(int which, uint64_t interval)
{
	if (which == ITG_TIMER_REAL)
		return;
	if (itgp_scope == ITG_SCOPE_PRIVATE)
		itgp_tincr[which] = interval;
	else
		atomic_store(&itgp_incr[which], interval);
}

/*
 * setitimer() on the module: the old setting in ns in *old_ns (value and
 * interval).  Returns 0, -1 with errno, or 1 for "make the native call".
 */
static int itgp_set(int which, const struct itimerval *nv, uint64_t old_ns[2])
{
	struct itg_timer_set s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.which = which;
	s.signo = itgp_signo;
	s.value_ns = itgp_tv_ns(&nv->it_value);
	s.interval_ns = itgp_tv_ns(&nv->it_interval);
	ret = itgp_ioctl(ITG_IOC_SET_TIMER, &s);
	if (ret)
		return ret;
	old_ns[0] = s.old_value_ns;
	old_ns[1] = s.old_value_ns ? s.old_interval_ns :
		    itgp_disarmed_interval(which);
	itgp_record_interval(which, s.interval_ns);
	return 0;
}

ITGP_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *nv,
			  struct itimerval *ov)
{
	struct itimerval v, o;
	uint64_t old_ns[2], slot;
	int saved = errno, ret;

	if (itgp_fd(&slot) < 0)
		return syscall(SYS_setitimer, which, nv, ov);
	/* As kernel/time/itimer.c: copy, check the times, then which. */
	memset(&v, 0, sizeof(v));
	if (nv && itgp_copy(&v, nv, sizeof(v), false))
		return -1;
	if (!itgp_tv_valid(&v.it_value) || !itgp_tv_valid(&v.it_interval) ||
	    (unsigned int)which >= ITG_NR_TIMERS) {
		errno = EINVAL;
		return -1;
	}
	ret = itgp_set(which, &v, old_ns);
	if (ret > 0)
		return syscall(SYS_setitimer, which, nv, ov);
	if (ret)
		return -1;
	/* Like the kernel, the timer is changed even if this faults. */
	if (ov) {
		memset(&o, 0, sizeof(o));
		itgp_ns_tv(&o.it_value, old_ns[0]);
		itgp_ns_tv(&o.it_interval, old_ns[1]);
		if (itgp_copy(ov, &o, sizeof(o), true))
			return -1;
	}
	errno = saved;
	return 0;
}

ITGP_EXPORT int getitimer(__itimer_which_t which, struct itimerval *cv)
{
	struct itg_timer_get g;
	struct itimerval o;
	uint64_t slot;
	int saved = errno, ret;

	if (itgp_fd(&slot) < 0)
		return syscall(SYS_getitimer, which, cv);
	if ((unsigned int)which >= ITG_NR_TIMERS) {
		errno = EINVAL;
		return -1;
	}
	memset(&g, 0, sizeof(g));
	g.size = sizeof(g);
	g.which = which;
	ret = itgp_ioctl(ITG_IOC_GET_TIMER, &g);
	if (ret > 0)
		return syscall(SYS_getitimer, which, cv);
	if (ret)
		return -1;
	memset(&o, 0, sizeof(o));
	itgp_ns_tv(&o.it_value, g.value_ns);
	itgp_ns_tv(&o.it_interval, g.value_ns ? g.interval_ns :
		   itgp_disarmed_interval(which));
	if (itgp_copy(cv, &o, sizeof(o), true))
		return -1;
	errno = saved;
	return 0;
}

/*
 * alarm() cannot fail: if the module refuses (a per-user cap, no memory),
 * it returns 0 with errno set and no alarm armed.
 */
ITGP_EXPORT unsigned int alarm(unsigned int seconds)
{
	struct itimerval v;
	uint64_t old_ns[2], slot, sec, nsec;
	int saved = errno, ret;

	if (itgp_fd(&slot) < 0)
		return syscall(SYS_alarm, seconds);
	memset(&v, 0, sizeof(v));
	v.it_value.tv_sec = seconds;
	ret = itgp_set(ITG_TIMER_REAL, &v, old_ns);
	if (ret > 0)
		return syscall(SYS_alarm, seconds);
	if (ret)
		return 0;
	/* alarm_setitimer(): never 0 while armed, half a second up. */
	sec = old_ns[0] / NSEC_PER_SEC;
	nsec = old_ns[0] % NSEC_PER_SEC;
	if ((!sec && nsec) || nsec >= NSEC_PER_SEC / 2)
		sec++;
	errno = saved;
	return sec;
}

/* glibc's ualarm(), on the setitimer() above. */
ITGP_EXPORT useconds_t ualarm(useconds_t value, useconds_t interval)
{
	struct itimerval v, o;

	memset(&v, 0, sizeof(v));
	v.it_value.tv_usec = value;
	v.it_interval.tv_usec = interval;
	if (setitimer(ITIMER_REAL, &v, &o) < 0)
		return -1;
	return o.it_value.tv_sec * USEC_PER_SEC + o.it_value.tv_usec;
}

/* A forked child has no itimers: it opens the device for itself. */
static void itgp_atfork_child(void)
{
	uint64_t s = atomic_load(&itgp_slot);

	if (s && (pid_t)(s >> 32) == getppid())
		close(s & ITGP_FD_MASK);
	atomic_store(&itgp_slot, 0);
	itgp_reset_intervals();
}

/*
 * After execve() the module descriptor of the previous image is still open
 * (the timers it holds survive, like native itimers): take it over.
 * Descriptors of the device that belong to another process (inherited
 * through vfork() or posix_spawn(), which run no fork handlers) are of no
 * use (EPERM) and would pile up along a chain of programs: closed.
 */
static void itgp_adopt(void)
{
	struct itg_group_info info;
	struct stat dev, st;
	char buf[1024];
	int dfd, fd, pos, n;
	uint64_t gen;
	pid_t pid;

	if (stat(itgp_dev, &dev) || !S_ISCHR(dev.st_mode))
		return;
	dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	pid = itgp_getpid();
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (pos = 0; pos < n;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + pos);

			pos += d->reclen;
			fd = itgp_uint(d->name, 9);
			if (fd < 0 || fd == dfd || fstat(fd, &st) ||
			    !S_ISCHR(st.st_mode) || st.st_rdev != dev.st_rdev)
				continue;
			memset(&info, 0, sizeof(info));
			info.size = sizeof(info);
			if (ioctl(fd, ITG_IOC_GET_GROUP, &info)) {
				if (errno == EPERM)
					close(fd);
				continue;
			}
			/* Ours: the first one found is used, others kept. */
			if (!atomic_load(&itgp_slot) &&
			    (unsigned int)fd <= ITGP_FD_MASK) {
				gen = (atomic_fetch_add(&itgp_gen, 1) + 1) &
				      ITGP_GEN_MASK;
				atomic_store(&itgp_slot, (uint64_t)pid << 32 |
					     gen << ITGP_FD_BITS | fd);
			}
		}
	}
	close(dfd);
}

__attribute__((constructor)) static void itgp_init(void)
{
	itgp_configure();
	pthread_atfork(NULL, NULL, itgp_atfork_child);
	itgp_adopt();
}
