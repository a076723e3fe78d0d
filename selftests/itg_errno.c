// SPDX-License-Identifier: GPL-2.0
/*
 * Every errno the ioctls return for bad arguments: struct sizes, flags and
 * reserved fields, timer numbers, times, signals, scopes, bad pointers,
 * unknown commands and an fd used by a process that did not open it.  A
 * call that fails changes nothing and writes nothing back.
 *
 * Fixture each_cmd runs the checks all four commands share once per
 * command (its variants); fixture dev holds the checks of the fields of
 * one command.  Nothing here depends on how long anything takes, except
 * that a timer armed for 10 s still has more than 9 s left right after.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "itg_test.h"

/* valid_signal(): 1.._NSIG; _NSIG is 64 (SIGRTMAX) on x86 and arm64. */
#define SIGNO_MAX	64

#define COOKIE		0xc00c1e5eedULL
#define BAD_COOKIE	0xbadULL

#define ITG_IOWR(nr, size) \
	_IOC(_IOC_READ | _IOC_WRITE, ITG_IOC_MAGIC, (nr), (size))

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/*
 * Zero @len bytes at @p and set the size field.  An all-zero struct with
 * only its size set is a valid request for every command: disarm or read
 * ITG_TIMER_REAL, query the group, or move to the shared scope (where the
 * thread already is, so nothing changes).
 */
static void *req_init(void *p, size_t len, __u32 size)
{
	memset(p, 0, len);
	*(__u32 *)p = size;
	return p;
}

/*
 * A disarm request for ITG_TIMER_REAL with another cookie, followed by a
 * tail: if the kernel accepted one of the bad variants of it, the armed
 * timer would be gone and old_value_ns would be written back.
 */
struct set_ext {
	struct itg_timer_set s;
	__u64 tail;
};

static void bad_set_init(struct set_ext *b)
{
	memset(b, 0, sizeof(*b));
	b->s.size = sizeof(b->s);
	b->s.which = ITG_TIMER_REAL;
	b->s.cookie = BAD_COOKIE;
}

/* ---- Checks every command makes, once per command. ---- */

FIXTURE(each_cmd) {
	int fd;
	size_t page;
	unsigned char *buf;	/* two zeroed pages */
	unsigned char *map;	/* three pages: read-write, none, read-write */
};

FIXTURE_VARIANT(each_cmd) {
	unsigned int cmd;
	size_t size;		/* sizeof() the struct as compiled here */
	size_t ver0;		/* ITG_*_SIZE_VER0 */
	size_t flags_off;	/* offsetof() its __u32 flags */
};

FIXTURE_VARIANT_ADD(each_cmd, set_timer) {
	.cmd = ITG_IOC_SET_TIMER,
	.size = sizeof(struct itg_timer_set),
	.ver0 = ITG_TIMER_SET_SIZE_VER0,
	.flags_off = offsetof(struct itg_timer_set, flags),
};

FIXTURE_VARIANT_ADD(each_cmd, get_timer) {
	.cmd = ITG_IOC_GET_TIMER,
	.size = sizeof(struct itg_timer_get),
	.ver0 = ITG_TIMER_GET_SIZE_VER0,
	.flags_off = offsetof(struct itg_timer_get, flags),
};

FIXTURE_VARIANT_ADD(each_cmd, get_group) {
	.cmd = ITG_IOC_GET_GROUP,
	.size = sizeof(struct itg_group_info),
	.ver0 = ITG_GROUP_INFO_SIZE_VER0,
	.flags_off = offsetof(struct itg_group_info, flags),
};

FIXTURE_VARIANT_ADD(each_cmd, set_scope) {
	.cmd = ITG_IOC_SET_SCOPE,
	.size = sizeof(struct itg_scope),
	.ver0 = ITG_SCOPE_SIZE_VER0,
	.flags_off = offsetof(struct itg_scope, flags),
};

FIXTURE_SETUP(each_cmd)
{
	self->page = sysconf(_SC_PAGESIZE);
	self->fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", ITG_PATH, strerror(errno));
	self->buf = calloc(2, self->page);
	ASSERT_NE(NULL, self->buf);
	self->map = mmap(NULL, 3 * self->page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_EQ(0, mprotect(self->map + self->page, self->page, PROT_NONE));
}

FIXTURE_TEARDOWN(each_cmd)
{
	munmap(self->map, 3 * self->page);
	free(self->buf);
	close(self->fd);
}

TEST_F(each_cmd, size_zero_einval)
{
	req_init(self->buf, variant->size, 0);
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, self->buf));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(each_cmd, size_below_ver0_einval)
{
	const __u32 sizes[] = { 1, 4, 8, variant->ver0 - 8, variant->ver0 - 1 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		req_init(self->buf, variant->size, sizes[i]);
		ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, self->buf))
			TH_LOG("size %u", sizes[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("size %u", sizes[i]);
	}
}

TEST_F(each_cmd, size_above_page_e2big)
{
	const __u32 sizes[] = { self->page + 1, 2 * self->page, 0xffffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Zeroed: only the size itself is wrong. */
		req_init(self->buf, 2 * self->page, sizes[i]);
		ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, self->buf))
			TH_LOG("size %u", sizes[i]);
		EXPECT_EQ(E2BIG, errno) TH_LOG("size %u", sizes[i]);
	}
}

TEST_F(each_cmd, nonzero_tail_e2big)
{
	/* Sizes past the kernel's struct, and a non-zero byte in the tail. */
	const struct {
		size_t size;
		size_t bad;
	} cases[] = {
		{ variant->size + 8, variant->size },
		{ variant->size + 8, variant->size + 7 },
		{ self->page, variant->size + 1 },
		{ self->page, self->page - 1 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		req_init(self->buf, 2 * self->page, cases[i].size);
		self->buf[cases[i].bad] = 0x80;
		ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, self->buf))
			TH_LOG("size %zu, byte %zu", cases[i].size, cases[i].bad);
		EXPECT_EQ(E2BIG, errno)
			TH_LOG("size %zu, byte %zu", cases[i].size, cases[i].bad);
	}
}

TEST_F(each_cmd, zero_tail_accepted)
{
	const size_t sizes[] = { variant->ver0, variant->size + 8, self->page };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		req_init(self->buf, 2 * self->page, sizes[i]);
		ASSERT_EQ(0, ioctl(self->fd, variant->cmd, self->buf))
			TH_LOG("size %zu: %s", sizes[i], strerror(errno));
		EXPECT_EQ(sizes[i], *(__u32 *)self->buf);
		/* The kernel writes back only the struct it knows. */
		EXPECT_TRUE(all_zero(self->buf + variant->size,
				     2 * self->page - variant->size))
			TH_LOG("size %zu: tail written", sizes[i]);
	}
}

TEST_F(each_cmd, flags_nonzero_einval)
{
	const __u32 flags[] = { 1, 0x80000000, 0xffffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		req_init(self->buf, variant->size, variant->size);
		*(__u32 *)(self->buf + variant->flags_off) = flags[i];
		ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, self->buf))
			TH_LOG("flags %#x", flags[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("flags %#x", flags[i]);
	}
}

TEST_F(each_cmd, null_pointer_efault)
{
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(each_cmd, unmapped_pointer_efault)
{
	void *gone;

	/* A PROT_NONE page. */
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, self->map + self->page));
	EXPECT_EQ(EFAULT, errno);

	/* A page that was mapped and is no longer. */
	gone = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_EQ(0, munmap(gone, self->page));
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, gone));
	EXPECT_EQ(EFAULT, errno);

	/* The last page of the address space: kernel half. */
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, -(uintptr_t)self->page));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(each_cmd, straddling_struct_efault)
{
	unsigned char *end = self->map + self->page;	/* the PROT_NONE page */
	unsigned char *p;

	/* Ending exactly at the boundary works: the pages are right. */
	p = req_init(end - variant->size, variant->size, variant->size);
	ASSERT_EQ(0, ioctl(self->fd, variant->cmd, p)) TH_LOG("%s", strerror(errno));

	/* Only the size field readable. */
	p = req_init(end - 4, 4, variant->size);
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, p));
	EXPECT_EQ(EFAULT, errno);

	/* All but the last 8 bytes readable. */
	p = req_init(end - (variant->size - 8), variant->size - 8,
		     variant->size);
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, p));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(each_cmd, tail_in_unmapped_page_efault)
{
	unsigned char *end = self->map + self->page;
	unsigned char *p;

	/* The struct readable, the (would-be zero) tail past it not. */
	p = req_init(end - variant->size, variant->size, variant->size + 8);
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, p));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(each_cmd, readonly_struct_efault)
{
	unsigned char *p = self->map + 2 * self->page;

	/* A valid request the kernel can read but not write back. */
	req_init(p, variant->size, variant->size);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ));
	ASSERT_EQ(-1, ioctl(self->fd, variant->cmd, p));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(each_cmd, other_process_fd_eperm)
{
	int status, ret;
	pid_t pid;

	req_init(self->buf, variant->size, variant->size);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The fd was inherited, not opened, by this process. */
		ret = ioctl(self->fd, variant->cmd, self->buf);
		_exit(ret == -1 ? errno : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_NE(0, WEXITSTATUS(status)) TH_LOG("ioctl succeeded in child");
	EXPECT_EQ(EPERM, WEXITSTATUS(status));

	/* Its owner still uses it. */
	req_init(self->buf, variant->size, variant->size);
	ASSERT_EQ(0, ioctl(self->fd, variant->cmd, self->buf));
}

TEST_F(each_cmd, other_direction_enotty)
{
	const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE };
	unsigned int i, cmd;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		cmd = _IOC(dirs[i], _IOC_TYPE(variant->cmd),
			   _IOC_NR(variant->cmd), _IOC_SIZE(variant->cmd));
		req_init(self->buf, variant->size, variant->size);
		ASSERT_EQ(-1, ioctl(self->fd, cmd, self->buf))
			TH_LOG("cmd %#x", cmd);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#x", cmd);
	}
}

/* The struct's size field governs; the size bits of the command do not. */
TEST_F(each_cmd, cmd_size_bits_ignored)
{
	const unsigned int sizes[] = {
		0, 1, sizeof(struct itg_timer_set) + 8, _IOC_SIZEMASK,
	};
	unsigned int i, cmd;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cmd = ITG_IOWR(_IOC_NR(variant->cmd), sizes[i]);
		req_init(self->buf, variant->size, variant->size);
		ASSERT_EQ(0, ioctl(self->fd, cmd, self->buf))
			TH_LOG("cmd %#x: %s", cmd, strerror(errno));
	}
}

/* ---- Checks of the fields of one command. ---- */

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", ITG_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, set_timer_which_out_of_range_einval)
{
	const __u32 which[] = { ITG_NR_TIMERS, 4, 0x80000000, 0xffffffff };
	struct itg_timer_set s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(which); i++) {
		s = (struct itg_timer_set){ .size = sizeof(s), .which = which[i] };
		ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &s))
			TH_LOG("which %u", which[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("which %u", which[i]);
	}
}

TEST_F(dev, set_timer_to_runner_on_real_einval)
{
	struct itg_timer_set s = { .size = sizeof(s), .which = ITG_TIMER_REAL,
				   .flags = ITG_SET_TO_RUNNER,
				   .value_ns = SEC };

	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &s));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, set_timer_unknown_flags_on_cpu_timers_einval)
{
	const __u32 which[] = { ITG_TIMER_VIRTUAL, ITG_TIMER_PROF };
	const __u32 flags[] = { 2, ITG_SET_TO_RUNNER | 4, 0x80000000 };
	struct itg_timer_set s;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(which); i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			s = (struct itg_timer_set){ .size = sizeof(s),
						    .which = which[i],
						    .flags = flags[j],
						    .value_ns = SEC };
			ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &s))
				TH_LOG("which %u flags %#x", which[i], flags[j]);
			EXPECT_EQ(EINVAL, errno);
		}
	}
}

TEST_F(dev, set_timer_reserved_nonzero_einval)
{
	struct itg_timer_set s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s.reserved); i++) {
		s = (struct itg_timer_set){ .size = sizeof(s) };
		s.reserved[i] = 1ULL << (i ? 63 : 0);
		ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &s))
			TH_LOG("reserved[%u]", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("reserved[%u]", i);
	}
}

TEST_F(dev, set_timer_value_bit63_einval)
{
	const __u64 value[] = { 1ULL << 63, (1ULL << 63) | 1, ~0ULL };
	struct itg_timer_get g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(value); i++) {
		ASSERT_EQ(-1, itg_set(self->fd, ITG_TIMER_REAL, value[i], 0, 0,
				      BAD_COOKIE, NULL))
			TH_LOG("value_ns %#llx", (unsigned long long)value[i]);
		EXPECT_EQ(EINVAL, errno)
			TH_LOG("value_ns %#llx", (unsigned long long)value[i]);
	}
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
}

TEST_F(dev, set_timer_interval_bit63_einval)
{
	const __u64 interval[] = { 1ULL << 63, (1ULL << 63) | 1, ~0ULL };
	struct itg_timer_get g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(interval); i++) {
		ASSERT_EQ(-1, itg_set(self->fd, ITG_TIMER_REAL, 10 * SEC,
				      interval[i], 0, BAD_COOKIE, NULL))
			TH_LOG("interval_ns %#llx",
			       (unsigned long long)interval[i]);
		EXPECT_EQ(EINVAL, errno)
			TH_LOG("interval_ns %#llx",
			       (unsigned long long)interval[i]);
	}
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
}

/* The largest times, INT64_MAX, are accepted; the timer never fires. */
TEST_F(dev, set_timer_times_up_to_s64_max_accepted)
{
	struct itg_timer_set old;
	struct itg_timer_get g;

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, INT64_MAX, INT64_MAX, 0,
			     COOKIE, NULL)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_LT(0, g.value_ns);
	EXPECT_EQ(INT64_MAX, g.interval_ns);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, &old));
	EXPECT_LT(0, old.old_value_ns);
	EXPECT_EQ(INT64_MAX, old.old_interval_ns);
}

TEST_F(dev, set_timer_signo_out_of_range_einval)
{
	const __u32 signo[] = { SIGNO_MAX + 1, 128, 1000, 0xffffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(signo); i++) {
		ASSERT_EQ(-1, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, signo[i],
				      0, NULL))
			TH_LOG("signo %u", signo[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("signo %u", signo[i]);
	}
}

TEST_F(dev, set_timer_signo_sigkill_sigstop_einval)
{
	ASSERT_EQ(-1, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, SIGKILL, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, SIGSTOP, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, set_timer_signo_64_accepted)
{
	struct itg_timer_set old;
	struct itg_timer_get g;

	/* 10 s: disarmed long before it could fire. */
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 10 * SEC, 0, SIGNO_MAX,
			     COOKIE, NULL)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(SIGNO_MAX, g.signo);
	EXPECT_LT(0, g.value_ns);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, &old));
	EXPECT_LT(0, old.old_value_ns);
}

TEST_F(dev, set_timer_readonly_struct_changes_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct itg_timer_set *s;
	struct itg_timer_get g;

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 10 * SEC, 0, 0, COOKIE,
			     NULL));
	s = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	/* A valid disarm the kernel could read but not answer. */
	s->size = sizeof(*s);
	s->which = ITG_TIMER_REAL;
	ASSERT_EQ(0, mprotect(s, page, PROT_READ));
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, s));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_GT(g.value_ns, 9 * SEC);
	EXPECT_EQ(COOKIE, g.cookie);
	munmap(s, page);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
}

/* ITG_SET_NO_OLD: as setitimer() with a NULL old value, nothing written. */
TEST_F(dev, set_timer_no_old_writes_nothing)
{
	const __u64 mark = 0x5a5a5a5a5a5a5a5aULL;
	struct itg_timer_set s = { .size = sizeof(s), .which = ITG_TIMER_REAL,
				   .flags = ITG_SET_NO_OLD,
				   .value_ns = 10 * SEC, .cookie = COOKIE,
				   .old_value_ns = mark,
				   .old_interval_ns = mark };
	struct itg_timer_get g;

	ASSERT_EQ(0, ioctl(self->fd, ITG_IOC_SET_TIMER, &s))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(mark, s.old_value_ns);
	EXPECT_EQ(mark, s.old_interval_ns);
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_GT(g.value_ns, 9 * SEC);
	EXPECT_EQ(COOKIE, g.cookie);
	/* A disarm of the armed timer: still nothing written. */
	s.value_ns = 0;
	ASSERT_EQ(0, ioctl(self->fd, ITG_IOC_SET_TIMER, &s));
	EXPECT_EQ(mark, s.old_value_ns);
	EXPECT_EQ(mark, s.old_interval_ns);
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
}

/* Nothing is written back: a read-only struct arms and disarms. */
TEST_F(dev, set_timer_no_old_readonly_struct)
{
	long page = sysconf(_SC_PAGESIZE);
	const __u32 which[] = { ITG_TIMER_REAL, ITG_TIMER_PROF };
	struct itg_timer_set *s;
	struct itg_timer_get g;
	unsigned int i;

	s = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	for (i = 0; i < ARRAY_SIZE(which); i++) {
		ASSERT_EQ(0, mprotect(s, page, PROT_READ | PROT_WRITE));
		*s = (struct itg_timer_set){ .size = sizeof(*s),
					     .which = which[i],
					     .flags = ITG_SET_NO_OLD,
					     .value_ns = 10 * SEC };
		ASSERT_EQ(0, mprotect(s, page, PROT_READ));
		ASSERT_EQ(0, ioctl(self->fd, ITG_IOC_SET_TIMER, s))
			TH_LOG("which %u: %s", which[i], strerror(errno));
		ASSERT_EQ(0, itg_get(self->fd, which[i], &g));
		EXPECT_LT(0, g.value_ns) TH_LOG("which %u", which[i]);
		ASSERT_EQ(0, mprotect(s, page, PROT_READ | PROT_WRITE));
		s->value_ns = 0;
		ASSERT_EQ(0, mprotect(s, page, PROT_READ));
		ASSERT_EQ(0, ioctl(self->fd, ITG_IOC_SET_TIMER, s));
		ASSERT_EQ(0, itg_get(self->fd, which[i], &g));
		EXPECT_EQ(0, g.value_ns) TH_LOG("which %u", which[i]);
	}
	munmap(s, page);
}

/* With any one other flag; two others stay EINVAL. */
TEST_F(dev, set_timer_no_old_with_other_flags)
{
	const struct { __u32 which, flags, tid; int err; } c[] = {
		{ ITG_TIMER_REAL, ITG_SET_NO_OLD | ITG_SET_NO_SIGNAL, 0, 0 },
		{ ITG_TIMER_REAL, ITG_SET_NO_OLD | ITG_SET_THREAD, 1, 0 },
		{ ITG_TIMER_PROF, ITG_SET_NO_OLD | ITG_SET_TO_RUNNER, 0, 0 },
		{ ITG_TIMER_REAL, ITG_SET_NO_OLD | ITG_SET_TO_RUNNER, 0, EINVAL },
		{ ITG_TIMER_PROF, ITG_SET_NO_OLD | ITG_SET_TO_RUNNER |
				  ITG_SET_NO_SIGNAL, 0, EINVAL },
		{ ITG_TIMER_REAL, ITG_SET_NO_OLD | ITG_SET_THREAD, 0, EINVAL },
	};
	struct itg_timer_set s;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		s = (struct itg_timer_set){ .size = sizeof(s),
					    .which = c[i].which,
					    .flags = c[i].flags,
					    .value_ns = 10 * SEC,
					    .tid = c[i].tid ? itg_gettid() : 0 };
		ret = ioctl(self->fd, ITG_IOC_SET_TIMER, &s);
		EXPECT_EQ(c[i].err ? -1 : 0, ret) TH_LOG("case %u", i);
		EXPECT_EQ(c[i].err, ret ? errno : 0) TH_LOG("case %u", i);
		s.value_ns = 0;
		ioctl(self->fd, ITG_IOC_SET_TIMER, &s);
	}
}

TEST_F(dev, set_timer_failure_changes_nothing)
{
	struct itg_group_info info;
	struct itg_timer_set old;
	struct itg_timer_get g;
	struct set_ext b;

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 10 * SEC, 0, 0, COOKIE,
			     NULL)) TH_LOG("%s", strerror(errno));

	bad_set_init(&b);
	b.s.flags = 1;
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, b.s.old_value_ns);		/* nothing written back */

	bad_set_init(&b);
	b.s.reserved[1] = 1;
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, b.s.old_value_ns);

	bad_set_init(&b);
	b.s.interval_ns = ~0ULL;
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, b.s.old_value_ns);

	bad_set_init(&b);
	b.s.signo = SIGKILL;
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, b.s.old_value_ns);

	bad_set_init(&b);
	b.s.size = ITG_TIMER_SET_SIZE_VER0 - 1;
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, b.s.old_value_ns);

	bad_set_init(&b);
	b.s.size = sizeof(b);
	b.tail = 1;
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_TIMER, &b));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(0, b.s.old_value_ns);

	/* Still armed as it was. */
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_LT(9 * SEC, g.value_ns);
	EXPECT_GE(10 * SEC, g.value_ns);
	EXPECT_EQ(0, g.interval_ns);
	EXPECT_EQ(COOKIE, g.cookie);
	EXPECT_EQ(SIGALRM, g.signo);
	EXPECT_EQ(0, g.expirations);
	ASSERT_EQ(0, itg_group(self->fd, &info));
	EXPECT_EQ(ITG_ARMED_REAL, info.armed);

	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, &old));
	EXPECT_LT(0, old.old_value_ns);
}

TEST_F(dev, get_timer_which_out_of_range_einval)
{
	const __u32 which[] = { ITG_NR_TIMERS, 4, 0x80000000, 0xffffffff };
	struct itg_timer_get g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(which); i++) {
		ASSERT_EQ(-1, itg_get(self->fd, which[i], &g))
			TH_LOG("which %u", which[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("which %u", which[i]);
	}
}

TEST_F(dev, get_timer_cpu_timers_disarmed_report_zeros)
{
	const __u32 which[] = { ITG_TIMER_VIRTUAL, ITG_TIMER_PROF };
	struct itg_timer_get g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(which); i++) {
		ASSERT_EQ(0, itg_get(self->fd, which[i], &g))
			TH_LOG("which %u", which[i]);
		EXPECT_EQ(0, g.value_ns);
		EXPECT_EQ(0, g.interval_ns);
	}
}

TEST_F(dev, get_timer_pad_nonzero_einval)
{
	struct itg_timer_get g = { .size = sizeof(g), .__pad = 1 };

	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_GET_TIMER, &g));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, get_timer_reserved_nonzero_einval)
{
	struct itg_timer_get g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(g.reserved); i++) {
		g = (struct itg_timer_get){ .size = sizeof(g) };
		g.reserved[i] = 1ULL << (i ? 63 : 0);
		ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_GET_TIMER, &g))
			TH_LOG("reserved[%u]", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("reserved[%u]", i);
	}
}

TEST_F(dev, get_group_reserved_nonzero_einval)
{
	struct itg_group_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		info = (struct itg_group_info){ .size = sizeof(info) };
		info.reserved[i] = 1ULL << (i ? 63 : 0);
		ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_GET_GROUP, &info))
			TH_LOG("reserved[%u]", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("reserved[%u]", i);
	}
}

/* GET_GROUP encoded with the size of another struct still works. */
TEST_F(dev, get_group_cmd_size_bits_ignored)
{
	struct itg_group_info info = { .size = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->fd,
			   _IOWR(ITG_IOC_MAGIC, 0x03, struct itg_timer_set),
			   &info)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(getpid(), info.tgid);
	EXPECT_EQ(ITG_SCOPE_SHARED, info.scope);
	EXPECT_NE(0, info.id);
}

TEST_F(dev, set_scope_bad_scope_einval)
{
	const __u32 scope[] = { 2, 3, 0x80000000, 0xffffffff };
	struct itg_group_info info;
	struct itg_scope s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scope); i++) {
		s = (struct itg_scope){ .size = sizeof(s), .scope = scope[i] };
		ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_SCOPE, &s))
			TH_LOG("scope %u", scope[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("scope %u", scope[i]);
	}
	ASSERT_EQ(0, itg_group(self->fd, &info));
	EXPECT_EQ(ITG_SCOPE_SHARED, info.scope);
}

TEST_F(dev, set_scope_pad_nonzero_einval)
{
	struct itg_scope s = { .size = sizeof(s), .__pad = 1 };

	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_SCOPE, &s));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, set_scope_failure_changes_nothing)
{
	struct itg_group_info before, after;
	struct itg_scope s;

	ASSERT_EQ(0, itg_group(self->fd, &before));
	ASSERT_EQ(ITG_SCOPE_SHARED, before.scope);

	/* Requests to move into a private group, each with one bad field. */
	s = (struct itg_scope){ .size = sizeof(s), .scope = ITG_SCOPE_PRIVATE,
				.flags = 1 };
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_SCOPE, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, s.info.id);		/* nothing written back */

	s = (struct itg_scope){ .size = sizeof(s), .scope = ITG_SCOPE_PRIVATE,
				.__pad = 1 };
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_SCOPE, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, s.info.id);

	s = (struct itg_scope){ .size = ITG_SCOPE_SIZE_VER0 - 1,
				.scope = ITG_SCOPE_PRIVATE };
	ASSERT_EQ(-1, ioctl(self->fd, ITG_IOC_SET_SCOPE, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, s.info.id);

	/* The thread did not move. */
	ASSERT_EQ(0, itg_group(self->fd, &after));
	EXPECT_EQ(ITG_SCOPE_SHARED, after.scope);
	EXPECT_EQ(before.id, after.id);

	/* The same request without a bad field moves it; then back. */
	ASSERT_EQ(0, itg_scope(self->fd, ITG_SCOPE_PRIVATE, &after));
	EXPECT_EQ(ITG_SCOPE_PRIVATE, after.scope);
	EXPECT_NE(before.id, after.id);
	ASSERT_EQ(0, itg_scope(self->fd, ITG_SCOPE_SHARED, &after));
	EXPECT_EQ(before.id, after.id);
}

TEST_F(dev, unknown_magic_enotty)
{
	const unsigned int magic[] = { 'x', ITG_IOC_MAGIC - 1, ITG_IOC_MAGIC + 1 };
	struct itg_timer_set s = { .size = sizeof(s) };
	unsigned int i, cmd;

	for (i = 0; i < ARRAY_SIZE(magic); i++) {
		cmd = _IOWR(magic[i], 0x01, struct itg_timer_set);
		ASSERT_EQ(-1, ioctl(self->fd, cmd, &s)) TH_LOG("cmd %#x", cmd);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#x", cmd);
	}
}

TEST_F(dev, unused_cmd_nr_enotty)
{
	const unsigned int nr[] = { 0x00, 0x06, 0x20, 0xff };
	struct itg_timer_set s = { .size = sizeof(s) };
	unsigned int i, cmd;

	for (i = 0; i < ARRAY_SIZE(nr); i++) {
		cmd = _IOWR(ITG_IOC_MAGIC, nr[i], struct itg_timer_set);
		ASSERT_EQ(-1, ioctl(self->fd, cmd, &s)) TH_LOG("cmd %#x", cmd);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#x", cmd);
	}
}

TEST_HARNESS_MAIN
