// SPDX-License-Identifier: GPL-2.0
/*
 * The misc device: its node, who can open it, unknown commands, and that
 * the module cannot go while an fd is open.  Runs as root and as nobody.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "itg_test.h"

TEST(device_node_is_char_device_mode_0666)
{
	char buf[64], want[64];
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, stat(ITG_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	/* The sysfs node of the misc device names the same major:minor. */
	f = fopen("/sys/class/misc/" ITG_DEVICE_NAME "/dev", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	snprintf(want, sizeof(want), "%u:%u\n", major(st.st_rdev),
		 minor(st.st_rdev));
	EXPECT_STREQ(want, buf);
}

TEST(open_by_any_user_and_query_group)
{
	struct itg_group_info info;
	int fd = itg_open(O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open %s as uid %d: %s", ITG_PATH, getuid(),
				strerror(errno));
	ASSERT_EQ(0, itg_group(fd, &info));
	EXPECT_EQ(getpid(), info.tgid);
	EXPECT_EQ(ITG_SCOPE_SHARED, info.scope);
	EXPECT_NE(0, info.id);
	EXPECT_EQ(0, info.armed);
	close(fd);
}

TEST(unknown_ioctl_returns_enotty)
{
	int fd = itg_open(O_CLOEXEC), arg = 0;
	int expect = ENOTTY;

#ifdef ITG_BROKEN_TEST
	/* make check BROKEN=test: a wrong expectation the run must catch. */
	expect = EINVAL;
#endif
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, _IO(ITG_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(expect, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOWR('x', 0x01, struct itg_timer_set), &arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, TCGETS, &arg));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST(read_write_and_seek_are_refused)
{
	int fd = itg_open(O_CLOEXEC);
	char c = 0;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	close(fd);
}

TEST(rmmod_refused_while_open)
{
	int fd;

	if (geteuid())
		SKIP(return, "needs root to call delete_module");
	fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "itimer_group", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	/* Still working afterwards. */
	ASSERT_EQ(0, itg_set(fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	close(fd);
}

TEST_HARNESS_MAIN
