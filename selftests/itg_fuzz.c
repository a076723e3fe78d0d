// SPDX-License-Identifier: GPL-2.0
/*
 * itg_fuzz: random ioctls on /dev/itimer_group from several threads.
 *
 *   itg_fuzz [-s SEED] [-n CALLS] [-t THREADS]
 *
 * Random commands (ours, ours with other size or direction bits, unknown
 * ones), random sizes and fields, and pointers that are valid, NULL,
 * unmapped, read-only, straddling an unmapped page or in kernel space.
 * Timers armed this way fire with random signals (some caught, some
 * ignored, some blocked) and random intervals, from 1 ns to KTIME_MAX.
 * Beside the workers, a chaos thread fills pending lists, blocks and
 * unblocks signals, and runs children that share the fd table
 * (CLONE_FILES), enter a user namespace, or exec a setuid program (when
 * run as root) with timers armed.  Every call must succeed or fail with a
 * documented errno; the seed is printed so that a run can be replayed.
 * Exit status 0 when all answers were documented ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/itimer_group.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const unsigned int cmds[] = {
	ITG_IOC_SET_TIMER, ITG_IOC_GET_TIMER, ITG_IOC_GET_GROUP,
	ITG_IOC_SET_SCOPE, ITG_IOC_TIMER_FD,
};

static const unsigned int sizes[] = {
	sizeof(struct itg_timer_set), sizeof(struct itg_timer_get),
	sizeof(struct itg_group_info), sizeof(struct itg_scope),
	sizeof(struct itg_timer_fd),
};

/* The kernel's struct sigaction on x86 (not glibc's). */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static long page;
static char *pages;		/* rw, none, ro, rw */
static atomic_long errnos[256], successes, bad;
static atomic_long caught;
static unsigned long calls_per_thread;

static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void on_signal(int sig)
{
	atomic_fetch_add(&caught, 1);
}

/* A time: often 0 or tiny, sometimes anything. */
static uint64_t rand_ns(uint64_t *s)
{
	static const uint64_t pick[] = { 0, 1, 1000, 100000, 1000000, 5000000,
					 1000000000ULL, 1ULL << 62,
					 INT64_MAX - 1, INT64_MAX };
	uint64_t r = next_rand(s);

	return r % 10 ? pick[r % ARRAY_SIZE(pick)] : next_rand(s);
}

static void fill(uint64_t *s, unsigned char *buf, size_t len, int kind)
{
	struct itg_timer_set *set = (void *)buf;
	uint32_t *u = (void *)buf;
	size_t i;

	/* Mostly well-formed (to reach the timers), sometimes garbage. */
	memset(buf, 0, len);
	if (next_rand(s) % 8 == 0)
		for (i = 0; i < len; i++)
			buf[i] = next_rand(s);
	else if (next_rand(s) % 8 == 0)
		buf[next_rand(s) % 96] = next_rand(s);
	/* Mostly the right size, small flags and fields: go deep. */
	if (next_rand(s) % 8)
		u[0] = sizes[kind % ARRAY_SIZE(sizes)];
	else
		u[0] = next_rand(s) % 8192;
	if (kind == 0 || kind == 1) {
		set->which = next_rand(s) % 5;
		set->flags = next_rand(s) % 6 ? 0 : next_rand(s) % 8;
		set->signo = next_rand(s) % 6 ? next_rand(s) % 66 : 0;
		set->value_ns = rand_ns(s);
		set->interval_ns = rand_ns(s);
	} else if (kind == 3) {
		u[1] = next_rand(s) % 3;	/* scope */
	} else if (kind == 4) {
		u[1] = next_rand(s) % 4;	/* which */
		u[2] = next_rand(s) % 4 ? next_rand(s) % 4 : next_rand(s);
	}
}

/* A descriptor the fuzzer got: a look at it, now and then a wait. */
static void use_timer_fd(uint64_t *s, int t)
{
	struct pollfd p = { .fd = t, .events = POLLIN };
	uint64_t v;

	if (t < 0)
		return;
	fcntl(t, F_SETFL, O_NONBLOCK);
	if (read(t, &v, next_rand(s) % 2 ? sizeof(v) : 4) < 0 &&
	    errno != EAGAIN && errno != EINVAL) {
		atomic_fetch_add(&bad, 1);
		fprintf(stderr, "itg_fuzz: timer fd read: errno %d (%s)\n",
			errno, strerror(errno));
	}
	poll(&p, 1, next_rand(s) % 64 ? 0 : 2);
	close(t);
}

static void *pick_pointer(uint64_t *s, unsigned char *buf)
{
	switch (next_rand(s) % 16) {
	case 0:
		return NULL;
	case 1:
		return pages + page;			/* unmapped (PROT_NONE) */
	case 2:
		return pages + 2 * page;		/* read-only */
	case 3:
		return pages + page - 16;		/* straddles PROT_NONE */
	case 4:
		return (void *)0xffff888000000000UL;	/* kernel */
	default:
		return buf;
	}
}

static void *worker(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	unsigned char buf[8192];
	unsigned long i;
	unsigned int cmd;
	int fd, kind, ret;
	void *ptr;

	fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return (void *)1;
	for (i = 0; i < calls_per_thread; i++) {
		kind = next_rand(&s) % ARRAY_SIZE(cmds);
		switch (next_rand(&s) % 10) {
		case 0:	/* other size bits */
			cmd = (cmds[kind] & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
			      ((next_rand(&s) & _IOC_SIZEMASK) << _IOC_SIZESHIFT);
			break;
		case 1:	/* an unknown command of ours or anyone's */
			cmd = next_rand(&s) % 2 ?
			      _IOC(next_rand(&s) % 4, ITG_IOC_MAGIC,
				   next_rand(&s) % 256, next_rand(&s) % 256) :
			      (unsigned int)next_rand(&s);
			break;
		default:
			cmd = cmds[kind];
		}
		fill(&s, buf, sizeof(buf), kind);
		ptr = pick_pointer(&s, buf);
		ret = ioctl(fd, cmd, ptr);
		if (!ret) {
			atomic_fetch_add(&successes, 1);
			if (cmd == ITG_IOC_TIMER_FD && ptr == buf)
				use_timer_fd(&s, ((struct itg_timer_fd *)buf)->fd);
		} else if (errno == EINVAL || errno == E2BIG ||
			   errno == EFAULT || errno == ENOTTY ||
			   errno == EAGAIN) {
			atomic_fetch_add(&errnos[errno], 1);
		} else {
			atomic_fetch_add(&bad, 1);
			fprintf(stderr, "itg_fuzz: cmd %#x: unexpected errno %d (%s)\n",
				cmd, errno, strerror(errno));
		}
		/* Now and then a new fd: the old one's close races the timers. */
		if (next_rand(&s) % 500 == 0) {
			close(fd);
			fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				return (void *)1;
		}
	}
	close(fd);
	return NULL;
}

/* Arm all three timers of the caller's group with random settings. */
static void arm_random(int fd, uint64_t *s)
{
	struct itg_timer_set set;
	int which;

	for (which = 0; which < 3; which++) {
		memset(&set, 0, sizeof(set));
		set.size = sizeof(set);
		set.which = which;
		set.signo = next_rand(s) % 2 ? SIGRTMIN + next_rand(s) % 4 : 0;
		set.value_ns = rand_ns(s) % INT64_MAX + 1;
		set.interval_ns = rand_ns(s) % INT64_MAX;
		ioctl(fd, ITG_IOC_SET_TIMER, &set);
	}
}

static int share_files_child(void *arg)
{
	int fd = *(int *)arg;
	struct itg_timer_get g = { .size = sizeof(g) };

	/* Not the owner: refused; then its close may end the owner's state. */
	if (ioctl(fd, ITG_IOC_GET_TIMER, &g) == 0 || errno != EPERM)
		return 1;
	close(fd);
	return 0;
}

/* A child that does one of the hostile things; its exit status: 0 = fine. */
static int chaos_child(uint64_t *s, int what)
{
	static char stack[64 << 10];
	sigset_t set;
	int fd, i, ret = 0;
	pid_t pid;

	fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR);
	if (fd < 0)
		return 1;
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	arm_random(fd, s);
	switch (what) {
	case 0:	/* a full pending list, all blocked */
		for (i = 0; i < 2000; i++)
			if (sigqueue(getpid(), SIGRTMIN + i % 4,
				     (union sigval){ 0 }))
				break;
		usleep(20000);
		break;
	case 1:	/* a process sharing the fd table closes the fd */
		pid = clone(share_files_child, stack + sizeof(stack),
			    CLONE_FILES | SIGCHLD, &fd);
		if (pid < 0 || waitpid(pid, &ret, 0) != pid || ret)
			return 1;
		usleep(5000);
		break;
	case 2:	/* a user namespace: the same state, a new fd too */
		if (unshare(CLONE_NEWUSER) == 0) {
			int fd2 = open("/dev/" ITG_DEVICE_NAME, O_RDWR);

			arm_random(fd2, s);
			usleep(5000);
		}
		break;
	default:	/* exec of a setuid program as nobody, timers armed */
		if (access("/tmp/itg_fuzz_suid", X_OK))
			break;
		if (setgid(65534) || setuid(65534))
			return 1;
		fd = open("/dev/" ITG_DEVICE_NAME, O_RDWR);
		arm_random(fd, s);
		execl("/tmp/itg_fuzz_suid", "true", NULL);
		return 1;
	}
	return 0;
}

static atomic_bool chaos_stop;
static atomic_long chaos_runs, chaos_bad;

static void *chaos(void *arg)
{
	uint64_t s = (uintptr_t)arg;

	while (!atomic_load(&chaos_stop)) {
		int what = next_rand(&s) % 4, status;
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (!pid)
			_exit(chaos_child(&s, what));
		if (waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			atomic_fetch_add(&chaos_bad, 1);
			fprintf(stderr, "itg_fuzz: child of kind %d ended with %#x\n",
				what, status);
		}
		atomic_fetch_add(&chaos_runs, 1);
	}
	return NULL;
}

/* As root, a setuid-root copy of busybox for the chaos thread to exec. */
static void make_suid(void)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	if (geteuid())
		return;
	in = open("/bin/busybox", O_RDONLY);
	out = open("/tmp/itg_fuzz_suid", O_WRONLY | O_CREAT | O_TRUNC, 0700);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	if (out >= 0 && fchmod(out, 04755))
		unlink("/tmp/itg_fuzz_suid");
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

int main(int argc, char **argv)
{
	unsigned long calls = 20000;
	int threads = 4, opt, sig, i;
	uint64_t seed = 0;
	pthread_t th[64], chaos_th;
	void *ret;

	while ((opt = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			calls = strtoul(optarg, NULL, 0);
			break;
		case 't':
			threads = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: itg_fuzz [-s SEED] [-n CALLS] [-t THREADS]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 64)
		threads = 4;
	if (!seed)
		seed = time(NULL) ^ getpid();
	printf("itg_fuzz: seed %llu, %d threads, %lu calls\n",
	       (unsigned long long)seed, threads, calls);
	printf("itg_fuzz: replay with: itg_fuzz -s %llu -n %lu -t %d\n",
	       (unsigned long long)seed, calls, threads);
	fflush(stdout);

	page = sysconf(_SC_PAGESIZE);
	pages = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		return perror("mmap"), 1;
	mprotect(pages + page, page, PROT_NONE);
	mprotect(pages + 2 * page, page, PROT_READ);

	/* Timer signals: caught or ignored, decided by the seed. */
	for (sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD)
			continue;
		signal(sig, (seed >> (sig % 60)) & 1 ? on_signal : SIG_IGN);
	}
	/*
	 * glibc keeps 32 and 33 for itself and refuses signal() on them;
	 * their default action would end the fuzzer.  Ignore them directly.
	 */
	for (sig = 32; sig <= 33; sig++) {
		struct kernel_sigaction ksa = { .handler = SIG_IGN };

		syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
	}

	calls_per_thread = calls / threads;
	make_suid();
	if (pthread_create(&chaos_th, NULL, chaos,
			   (void *)(uintptr_t)(seed ^ 0x5eed)))
		return perror("pthread_create"), 1;
	for (i = 0; i < threads; i++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL + i + 1;

		if (pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)s))
			return perror("pthread_create"), 1;
	}
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], &ret);
		if (ret)
			atomic_fetch_add(&bad, 1);
	}
	/* Every kind of chaos a few times, whatever the number of calls. */
	while (atomic_load(&chaos_runs) < 16 && !atomic_load(&chaos_bad))
		usleep(10000);
	atomic_store(&chaos_stop, true);
	pthread_join(chaos_th, NULL);
	unlink("/tmp/itg_fuzz_suid");
	printf("itg_fuzz: %ld chaos children, %ld bad\n",
	       atomic_load(&chaos_runs), atomic_load(&chaos_bad));
	atomic_fetch_add(&bad, atomic_load(&chaos_bad));
	printf("itg_fuzz: %ld succeeded; EINVAL %ld, E2BIG %ld, EFAULT %ld, ",
	       atomic_load(&successes), atomic_load(&errnos[EINVAL]),
	       atomic_load(&errnos[E2BIG]), atomic_load(&errnos[EFAULT]));
	printf("ENOTTY %ld, EAGAIN %ld; %ld signals caught; %ld bad\n",
	       atomic_load(&errnos[ENOTTY]), atomic_load(&errnos[EAGAIN]),
	       atomic_load(&caught), atomic_load(&bad));
	return atomic_load(&bad) ? 1 : 0;
}
