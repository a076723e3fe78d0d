// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: itimer sharing groups for Linux threads.
 *
 * The misc device /dev/itimer_group and its ioctl ABI.  An open file is
 * bound to the process (thread group) that opened it; the state lives per
 * process.  The ioctl handlers only copy and check arguments; the work is
 * done in group.c and timer.c.
 */
#include <linux/bitops.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "itg.h"

#define ITG_VERSION "0.5.4"

/* A command without its size bits: structs grow, their @size says how. */
#define ITG_CMD(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/*
 * Our structs are whole u64 words, copied one word at a time in one user
 * access: for these small structs cheaper than the string copy of
 * copy_{from,to}_user() (under emulation, several times).
 *
 * Read a struct that starts with its __u32 size, if that size is @n (the
 * size read in *@usize); false if it is not, or on a fault.
 */
static bool itg_get_words(void *dst, const void __user *src, size_t n,
			  u32 *usize)
{
	const u64 __user *s = src;
	u64 *d = dst;
	size_t i;

	if (!user_access_begin(src, n))
		return false;
	unsafe_get_user(*usize, (const u32 __user *)src, out);
	if (*usize != n)
		goto out;
	for (i = 0; i < n / sizeof(u64); i++)
		unsafe_get_user(d[i], &s[i], out);
	user_access_end();
	return true;
out:
	user_access_end();
	return false;
}

static int itg_put_words(void __user *dst, const void *src, size_t n)
{
	u64 __user *d = dst;
	const u64 *s = src;
	size_t i;

	if (!user_access_begin(dst, n))
		return -EFAULT;
	for (i = 0; i < n / sizeof(u64); i++)
		unsafe_put_user(s[i], &d[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Copy a struct that starts with its __u32 size from userspace.  Sizes from
 * @ver0 to a page are accepted; a tail we do not know must be zero.
 */
static int itg_copy_in(void *dst, size_t ksize, size_t ver0,
		       const void __user *src, u32 *usize)
{
	/* At our size, a struct of whole u64 words: word by word. */
	if (ksize % sizeof(u64) == 0 && itg_get_words(dst, src, ksize, usize))
		return 0;
	/* Any other size, or a fault: the general way says which. */
	if (get_user(*usize, (const u32 __user *)src))
		return -EFAULT;
	if (*usize < ver0)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, src, *usize);
}

static int itg_copy_out(void __user *dst, const void *src, size_t ksize,
			u32 usize)
{
	size_t n = min_t(size_t, ksize, usize);

	if (n % sizeof(u64) == 0 &&
	    (IS_ENABLED(CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS) ||
	     IS_ALIGNED((unsigned long)dst, sizeof(u64))))
		return itg_put_words(dst, src, n);
	return copy_to_user(dst, src, n) ? -EFAULT : 0;
}

static bool itg_zeroed(const u64 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int itg_check_signo(u32 signo)
{
	if (signo == 0)
		return 0;
	if (!valid_signal(signo) || signo == SIGKILL || signo == SIGSTOP)
		return -EINVAL;
	return 0;
}

static bool itg_owner_has_fd(struct pid *tgid);

/*
 * The calling process's state, locked, for an ioctl.  The fd of this call
 * may have been closed meanwhile, and with it the process's last one: its
 * flush found no state to stop.  So a state this call created is checked
 * after it is visible, so that one of the two sees the other.
 */
static struct itg_proc *itg_ioctl_proc(void)
{
	struct itg_proc *proc;
	bool created;

	proc = itg_proc_lock_current(&created);
	if (IS_ERR(proc) || !created || itg_owner_has_fd(task_tgid(current)))
		return proc;
	itg_proc_unlock(proc);
	itg_proc_kill_pid(task_tgid(current));
	return ERR_PTR(-EBADF);
}

static long itg_ioctl_set_timer(void __user *uarg)
{
	struct itg_timer_set req = {};
	struct itg_timer *t;
	bool no_old;
	pid_t thread;
	struct itg_group *grp;
	struct itg_proc *proc;
	u32 usize;
	int ret;

	ret = itg_copy_in(&req, sizeof(req), ITG_TIMER_SET_SIZE_VER0, uarg,
			  &usize);
	if (ret)
		return ret;
	if (req.which >= ITG_NR_TIMERS || (req.flags & ~ITG_SET_FLAGS) ||
	    ((req.flags & ITG_SET_TO_RUNNER) && req.which == ITG_TIMER_REAL) ||
	    hweight32(req.flags & ~ITG_SET_NO_OLD) > 1 ||
	    ((req.flags & ITG_SET_NO_SIGNAL) && req.signo) ||
	    !(req.flags & ITG_SET_THREAD) != !req.tid || req.__pad ||
	    !itg_zeroed(req.reserved, ARRAY_SIZE(req.reserved)) ||
	    req.value_ns > KTIME_MAX || req.interval_ns > KTIME_MAX)
		return -EINVAL;
	no_old = req.flags & ITG_SET_NO_OLD;
	ret = itg_check_signo(req.signo);
	/* Probe the write-back first: EFAULT never comes with a change. */
	if (!ret && !no_old)
		ret = itg_copy_out(uarg, &req, sizeof(req), usize);
	if (ret)
		return ret;

	/*
	 * A REAL timer that exists, of a process whose state exists: no
	 * process mutex, no reference (RCU and the group's spinlock).
	 */
	if (!req.tid && req.which == ITG_TIMER_REAL) {
		rcu_read_lock();
		grp = itg_group_of_current_rcu();
		ret = grp ? itg_timer_set_rcu(grp, &req, &req) : 1;
		rcu_read_unlock();
		if (ret <= 0)
			return ret || no_old ? ret :
			       itg_copy_out(uarg, &req, sizeof(req), usize);
	}

	proc = itg_ioctl_proc();
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	grp = itg_group_of_current(proc);
	/* The thread to signal: a member of this group, now. */
	thread = req.tid ? itg_group_member_tid(grp, req.tid) : 0;
	t = req.tid && !thread ? NULL : itg_group_timer(grp, req.which);
	if (req.tid && !thread)
		ret = -EINVAL;
	else
		ret = t ? itg_timer_set(t, &req, thread, &req) : -ENOMEM;
	itg_proc_unlock(proc);
	if (ret || no_old)
		return ret;
	return itg_copy_out(uarg, &req, sizeof(req), usize);
}

static long itg_ioctl_get_timer(void __user *uarg)
{
	struct itg_timer_get req = {};
	struct itg_group *grp;
	struct itg_proc *proc;
	u32 usize;
	int ret;

	ret = itg_copy_in(&req, sizeof(req), ITG_TIMER_GET_SIZE_VER0, uarg,
			  &usize);
	if (ret)
		return ret;
	if (req.which >= ITG_NR_TIMERS || req.flags || req.__pad ||
	    !itg_zeroed(req.reserved, ARRAY_SIZE(req.reserved)))
		return -EINVAL;

	/* A read: no process mutex, no reference, when the state exists. */
	rcu_read_lock();
	grp = itg_group_of_current_rcu();
	if (grp)
		itg_group_timer_get(grp, req.which, &req, NULL);
	rcu_read_unlock();
	if (grp)
		return itg_copy_out(uarg, &req, sizeof(req), usize);

	proc = itg_ioctl_proc();
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	grp = itg_group_of_current(proc);
	itg_group_timer_get(grp, req.which, &req, NULL);
	itg_proc_unlock(proc);
	return itg_copy_out(uarg, &req, sizeof(req), usize);
}

static long itg_ioctl_timer_fd(void __user *uarg)
{
	struct itg_timer_fd req = {};
	struct itg_timer *t;
	struct itg_proc *proc;
	struct file *file;
	u32 usize;
	int ret, fd;

	ret = itg_copy_in(&req, sizeof(req), ITG_TIMER_FD_SIZE_VER0, uarg,
			  &usize);
	if (ret)
		return ret;
	if (req.which >= ITG_NR_TIMERS || (req.flags & ~ITG_FD_FLAGS) ||
	    !itg_zeroed(req.reserved, ARRAY_SIZE(req.reserved)))
		return -EINVAL;
	req.fd = -1;
	/* Probe the write-back first: EFAULT never comes with a change. */
	ret = itg_copy_out(uarg, &req, sizeof(req), usize);
	if (ret)
		return ret;

	fd = get_unused_fd_flags(O_RDONLY | ((req.flags & ITG_FD_CLOEXEC) ?
					     O_CLOEXEC : 0));
	if (fd < 0)
		return fd;
	proc = itg_ioctl_proc();
	if (IS_ERR(proc)) {
		put_unused_fd(fd);
		return PTR_ERR(proc);
	}
	t = itg_group_timer(itg_group_of_current(proc), req.which);
	file = t ? itg_timer_fd_file(t, req.flags) : ERR_PTR(-ENOMEM);
	itg_proc_unlock(proc);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	req.fd = fd;
	ret = itg_copy_out(uarg, &req, sizeof(req), usize);
	if (ret) {
		fput(file);
		put_unused_fd(fd);
		return ret;
	}
	fd_install(fd, file);
	return 0;
}

static long itg_ioctl_get_group(void __user *uarg)
{
	struct itg_group_info req = {};
	struct itg_proc *proc;
	u32 usize;
	int ret;

	ret = itg_copy_in(&req, sizeof(req), ITG_GROUP_INFO_SIZE_VER0, uarg,
			  &usize);
	if (ret)
		return ret;
	if (req.flags || !itg_zeroed(req.reserved, ARRAY_SIZE(req.reserved)))
		return -EINVAL;

	proc = itg_ioctl_proc();
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	itg_group_info(itg_group_of_current(proc), &req);
	itg_proc_unlock(proc);
	return itg_copy_out(uarg, &req, sizeof(req), usize);
}

static long itg_ioctl_set_scope(void __user *uarg)
{
	struct itg_scope req = {};
	struct itg_proc *proc;
	u32 usize;
	int ret;

	ret = itg_copy_in(&req, sizeof(req), ITG_SCOPE_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (req.flags || req.__pad ||
	    (req.scope != ITG_SCOPE_SHARED && req.scope != ITG_SCOPE_PRIVATE))
		return -EINVAL;
	ret = itg_copy_out(uarg, &req, sizeof(req), usize);	/* as above */
	if (ret)
		return ret;

	proc = itg_ioctl_proc();
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	ret = itg_set_scope(proc, req.scope);
	if (!ret) {
		memset(&req.info, 0, sizeof(req.info));
		itg_group_info(itg_group_of_current(proc), &req.info);
		req.info.size = sizeof(req.info);
	}
	itg_proc_unlock(proc);
	if (ret)
		return ret;
	return itg_copy_out(uarg, &req, sizeof(req), usize);
}

/*
 * The files open on the device by one process (by the thread group that
 * opened them), so that its state goes with the last of them, whoever
 * closes it: a process that shares the fd table (clone(CLONE_FILES)
 * without CLONE_THREAD) may close it, or it may be the last reference
 * dropped anywhere.
 */
struct itg_owner {
	struct pid *tgid;		/* holds a reference */
	unsigned int files;		/* itg_owners_lock */
	struct hlist_node node;		/* itg_owners: itg_owners_lock */
};

static DEFINE_MUTEX(itg_owners_lock);
static DEFINE_HASHTABLE(itg_owners, 6);

static struct itg_owner *itg_owner_get(struct pid *tgid)
{
	struct itg_owner *o;

	mutex_lock(&itg_owners_lock);
	hash_for_each_possible(itg_owners, o, node, (unsigned long)tgid)
		if (o->tgid == tgid)
			goto found;
	o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	if (!o)
		goto out;
	o->tgid = get_pid(tgid);
	hash_add(itg_owners, &o->node, (unsigned long)tgid);
found:
	o->files++;
out:
	mutex_unlock(&itg_owners_lock);
	return o;
}

/* A file of @o was released: with the last one the process's state goes. */
static void itg_owner_put(struct itg_owner *o)
{
	mutex_lock(&itg_owners_lock);
	if (--o->files) {
		mutex_unlock(&itg_owners_lock);
		return;
	}
	hash_del(&o->node);
	mutex_unlock(&itg_owners_lock);
	itg_proc_kill_pid(o->tgid);
	put_pid(o->tgid);
	kfree(o);
}

static struct pid *itg_file_tgid(struct file *file)
{
	return ((struct itg_owner *)file->private_data)->tgid;
}

static long itg_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (ITG_CMD(cmd)) {
	case ITG_CMD(ITG_IOC_SET_TIMER):
	case ITG_CMD(ITG_IOC_GET_TIMER):
	case ITG_CMD(ITG_IOC_GET_GROUP):
	case ITG_CMD(ITG_IOC_SET_SCOPE):
	case ITG_CMD(ITG_IOC_TIMER_FD):
		break;
	default:
		return -ENOTTY;
	}
	/* The file belongs to the process that opened it. */
	if (itg_file_tgid(file) != task_tgid(current))
		return -EPERM;

	switch (ITG_CMD(cmd)) {
	case ITG_CMD(ITG_IOC_SET_TIMER):
		return itg_ioctl_set_timer(uarg);
	case ITG_CMD(ITG_IOC_GET_TIMER):
		return itg_ioctl_get_timer(uarg);
	case ITG_CMD(ITG_IOC_GET_GROUP):
		return itg_ioctl_get_group(uarg);
	case ITG_CMD(ITG_IOC_TIMER_FD):
		return itg_ioctl_timer_fd(uarg);
	default:
		return itg_ioctl_set_scope(uarg);
	}
}

static int itg_open(struct inode *inode, struct file *file)
{
	file->private_data = itg_owner_get(task_tgid(current));
	if (!file->private_data)
		return -ENOMEM;
	return nonseekable_open(inode, file);
}

static const struct file_operations itg_fops;

static int itg_fd_match(const void *tgid, struct file *file, unsigned int fd)
{
	return file->f_op == &itg_fops && itg_file_tgid(file) == tgid;
}

/* Is @files the fd table of a thread of process @tgid? */
static bool itg_owner_table(struct pid *tgid, struct files_struct *files)
{
	struct task_struct *leader, *tsk;
	bool found = false;

	rcu_read_lock();
	leader = pid_task(tgid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, tsk) {
			task_lock(tsk);
			found = tsk->files == files;
			task_unlock(tsk);
			if (found)
				break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* Does the calling thread's fd table hold an fd of process @tgid? */
static bool itg_owner_has_fd(struct pid *tgid)
{
	return current->files && iterate_fd(current->files, 0, itg_fd_match,
					    tgid);
}

/*
 * Called at every close of an fd.  The fd being closed has already left
 * the table; if that is the owning process's table (its own close, or one
 * of another process sharing it) and it holds no other fd of the owner on
 * the device, the owner's timers stop and its state goes (exit and
 * close-on-exec come here too).  The last reference to the file, wherever
 * it was, ends the state in itg_release() if no other file does.
 */
static int itg_flush(struct file *file, fl_owner_t id)
{
	struct pid *tgid = itg_file_tgid(file);

	/* Without a files table (filp_close(f, NULL)) nothing is known. */
	if (id && (tgid == task_tgid(current) || itg_owner_table(tgid, id)) &&
	    !iterate_fd(id, 0, itg_fd_match, tgid))
		itg_proc_kill_pid(tgid);
	return 0;
}

static int itg_release(struct inode *inode, struct file *file)
{
	itg_owner_put(file->private_data);
	return 0;
}

static const struct file_operations itg_fops = {
	.owner = THIS_MODULE,
	.open = itg_open,
	.flush = itg_flush,
	.release = itg_release,
	.unlocked_ioctl = itg_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	/* No .llseek: lseek() fails with ESPIPE (no_llseek is gone in 6.12). */
};

static struct miscdevice itg_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = ITG_DEVICE_NAME,
	.fops = &itg_fops,
	.groups = itg_sysfs_groups,
	.mode = 0666,
};

static int __init itg_init(void)
{
	int ret;

	ret = itg_groups_init();
	if (ret)
		return ret;
	ret = misc_register(&itg_misc);
	if (ret)
		goto err_groups;
#ifdef ITG_BROKEN_WARN
	/* make check BROKEN=warn: prove that the harness fails on a splat. */
	WARN(1, "deliberately broken build\n");
#endif
	pr_info("version %s loaded, /dev/%s\n", ITG_VERSION, ITG_DEVICE_NAME);
	return 0;

err_groups:
	itg_groups_exit();
	return ret;
}

static void __exit itg_exit(void)
{
	misc_deregister(&itg_misc);
	itg_sysfs_exit();
	itg_groups_exit();
	pr_info("unloaded\n");
}

module_init(itg_init);
module_exit(itg_exit);

MODULE_DESCRIPTION("itimer sharing groups: per-thread-group and private itimers");
MODULE_AUTHOR("itimer groups developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(ITG_VERSION);
