// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: descriptors that report a timer's expirations (ioctl
 * ITG_IOC_TIMER_FD), for epoll, poll, select and io_uring, as timerfd does
 * for the clocks timerfd_create() accepts, which are not CPU clocks.
 *
 * A descriptor holds a reference to its timer's group (so the timer's
 * memory stays) but not to the process's state: when the group is torn
 * down (its private thread exits or goes back to the shared group, the
 * process exits, closes its last file of the device or execs a setuid
 * program) the descriptor reports EPOLLHUP and read() returns what was
 * left, then end of file.  The count lives in the timer (fd_ticks), shared
 * by all its descriptors, and is kept exact by itg_timer_advance(); the
 * timer's callbacks back off while nobody reads (itg_timer_notify()).
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "itg.h"

static int itg_tfd_release(struct inode *inode, struct file *file)
{
	struct itg_timer *t = file->private_data;
	struct itg_group *grp = t->grp;

	spin_lock_irq(&grp->lock);
	if (!--t->nr_fds)
		t->fd_ticks = 0;
	spin_unlock_irq(&grp->lock);
	itg_group_put(grp);
	return 0;
}

/* Something to read, or never anything again. */
static bool itg_tfd_ready(struct itg_timer *t)
{
	return READ_ONCE(t->fd_ticks) || itg_timer_fd_gone(t);
}

/*
 * The expirations since the last read, as a __u64, as timerfd's read()
 * does: EINVAL for a buffer under 8 bytes, blocking (interruptibly) until
 * there is one, EAGAIN when non-blocking.  A timer that can never fire
 * again: what is left, then 0 bytes (end of file).
 */
static ssize_t itg_tfd_read(struct file *file, char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct itg_timer *t = file->private_data;
	u64 ticks;
	bool gone;
	int ret;

	if (count < sizeof(ticks))
		return -EINVAL;
	for (;;) {
		ticks = itg_timer_fd_take(t, &gone);
		if (ticks)
			break;
		if (gone)
			return 0;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(t->wqh, itg_tfd_ready(t));
		if (ret)
			return ret;
	}
	/* As timerfd: the buffer is written last; a count is not lost to it. */
	if (put_user(ticks, (u64 __user *)buf)) {
		itg_timer_fd_untake(t, ticks);
		return -EFAULT;
	}
	return sizeof(ticks);
}

static __poll_t itg_tfd_poll(struct file *file, poll_table *wait)
{
	struct itg_timer *t = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &t->wqh, wait);
	if (READ_ONCE(t->fd_ticks))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (itg_timer_fd_gone(t))
		mask |= EPOLLHUP;
	return mask;
}

static const char *const itg_tfd_names[ITG_NR_TIMERS] = {
	[ITG_TIMER_REAL] = "real",
	[ITG_TIMER_VIRTUAL] = "virtual",
	[ITG_TIMER_PROF] = "prof",
};

static void itg_tfd_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct itg_timer *t = file->private_data;

	seq_printf(m, "itg-group:\t%llu\nitg-timer:\t%s\nitg-ticks:\t%llu\n",
		   t->grp->id, itg_tfd_names[t->which],
		   (unsigned long long)READ_ONCE(t->fd_ticks));
}

static const struct file_operations itg_tfd_fops = {
	.owner = THIS_MODULE,
	.release = itg_tfd_release,
	.read = itg_tfd_read,
	.poll = itg_tfd_poll,
	.llseek = noop_llseek,
	.show_fdinfo = itg_tfd_show_fdinfo,
};

/*
 * A new descriptor file for @t (ITG_FD_* @flags); the caller installs it
 * in a descriptor it reserved.  Caller holds proc->lock of @t's group,
 * which is linked (alive).
 */
struct file *itg_timer_fd_file(struct itg_timer *t, u32 flags)
{
	struct itg_group *grp = t->grp;
	struct file *file;

	itg_group_get(grp);
	file = anon_inode_getfile("[itimer_group]", &itg_tfd_fops, t,
				  O_RDONLY | ((flags & ITG_FD_NONBLOCK) ?
					      O_NONBLOCK : 0));
	if (IS_ERR(file)) {
		itg_group_put(grp);
		return file;
	}
	spin_lock_irq(&grp->lock);
	/* The count starts with the first descriptor. */
	if (!t->nr_fds++)
		t->fd_ticks = 0;
	/* A timer that backed off while nobody read: its pace again. */
	itg_timer_resume(t);
	spin_unlock_irq(&grp->lock);
	return file;
}
