// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: sysfs, in the misc device's directory
 * /sys/class/misc/itimer_group/ (see Documentation/ABI/testing/).
 *
 * One value per file for the module-wide counters, and one table, groups,
 * with a line per group.  A single table rather than a directory per group
 * or per process: it costs no sysfs node (no memory) per group and is read
 * as one snapshot, whatever the number of groups; its lines are filtered by
 * the reader's credentials at open, so a user sees only the groups of its
 * own processes (CAP_SYS_ADMIN sees all).  See groups_read() for how a
 * large table is read.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "itg.h"

struct itg_stats itg_stats;

/* A growing text buffer for the groups table. */
struct itg_buf {
	char *p;
	size_t len, cap;
	bool atomic;		/* may not grow now (RCU read side) */
	bool full;		/* out of room: the rest was dropped */
};

/* The groups table stops growing here (and says so on its last line). */
#define ITG_TABLE_MAX	(64 << 20)

static bool itg_buf_grow(struct itg_buf *b)
{
	size_t cap = b->cap ? 2 * b->cap : PAGE_SIZE;
	char *p;

	if (cap > ITG_TABLE_MAX)
		return false;
	p = kvmalloc(cap, GFP_KERNEL_ACCOUNT);
	if (!p)
		return false;
	if (b->len)
		memcpy(p, b->p, b->len);
	kvfree(b->p);
	b->p = p;
	b->cap = cap;
	return true;
}

/* Make room for @n more bytes now; false (and @b->full) if it cannot. */
static bool itg_buf_reserve(struct itg_buf *b, size_t n)
{
	while (!b->full && b->cap - b->len <= n)
		if (!itg_buf_grow(b))
			b->full = true;
	return !b->full;
}

/*
 * Append to @b, growing it (which may sleep) unless @b->atomic.  What does
 * not fit is dropped and @b->full set.
 */
static __printf(2, 3) void itg_buf_printf(struct itg_buf *b, const char *fmt,
					   ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	for (;;) {
		if (b->cap) {
			va_start(ap, fmt);
			n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
			va_end(ap);
			if (b->len + n < b->cap) {
				b->len += n;
				return;
			}
			b->p[b->len] = '\0';
		}
		if (b->atomic || !itg_buf_grow(b)) {
			b->full = true;
			return;
		}
	}
}

/* The groups table: its lines (see Documentation/sysfs.rst). */

/* The member tids of @grp, comma-separated, as the reader sees them. */
static void itg_render_tids(struct itg_buf *b, struct itg_group *grp)
{
	struct task_struct *leader, *tsk;
	const char *sep = "";
	unsigned int nr = 1;

	/* Room for every thread, so that the RCU section need not grow it. */
	rcu_read_lock();
	leader = pid_task(grp->proc->tgid, PIDTYPE_TGID);
	if (leader)
		nr = get_nr_threads(leader);
	rcu_read_unlock();
	if (!itg_buf_reserve(b, nr * 12 + 16))
		return;
	rcu_read_lock();
	b->atomic = true;
	if (grp->key) {
		tsk = rcu_dereference(grp->task);
		if (tsk) {
			itg_buf_printf(b, "%d", task_pid_vnr(tsk));
			sep = ",";
		}
	} else {
		leader = pid_task(grp->proc->tgid, PIDTYPE_TGID);
		if (leader) {
			for_each_thread(leader, tsk) {
				if ((tsk->flags & PF_EXITING) ||
				    itg_task_is_private(grp->proc, tsk))
					continue;
				itg_buf_printf(b, "%s%d", sep,
					       task_pid_vnr(tsk));
				sep = ",";
			}
		}
	}
	b->atomic = false;
	rcu_read_unlock();
	if (!*sep)
		itg_buf_printf(b, "-");
}

static void itg_render_group(struct itg_buf *b, struct itg_group *grp,
			     pid_t tgid, uid_t uid)
{
	struct itg_timer_get g;
	u64 overruns;
	int i;

	itg_buf_printf(b, "%d %u %llu %s ", tgid, uid, grp->id,
		       grp->key ? "private" : "shared");
	itg_render_tids(b, grp);
	for (i = 0; i < ITG_NR_TIMERS; i++) {
		itg_group_timer_get(grp, i, &g, &overruns);
		itg_buf_printf(b, " %llu %llu %u %llu %llu", g.value_ns,
			       g.interval_ns, g.signo, g.expirations, overruns);
	}
	/* Descriptors (ITG_IOC_TIMER_FD) open on each timer. */
	for (i = 0; i < ITG_NR_TIMERS; i++) {
		/* Pairs with itg_group_timer(): an initialised timer. */
		struct itg_timer *t = smp_load_acquire(&grp->timers[i]);

		itg_buf_printf(b, " %u", t ? READ_ONCE(t->nr_fds) : 0);
	}
	itg_buf_printf(b, "\n");
}

/*
 * The groups table (sysfs): a line per group of every process whose
 * effective uid is @cred's, or of all processes if @all.  Processes outside
 * the reader's pid namespace are left out.
 */
static void itg_groups_render(struct itg_buf *b, const struct cred *cred,
			      bool all)
{
	unsigned long index = 0;
	struct itg_group *grp;
	struct itg_proc *proc;
	kuid_t owner;
	pid_t tgid;
	int bkt;

	itg_buf_printf(b, "# tgid uid group scope tids");
	for (bkt = 0; bkt < ITG_NR_TIMERS; bkt++) {
		static const char * const name[] = { "real", "virtual", "prof" };

		itg_buf_printf(b, " %s_value_ns %s_interval_ns %s_signo %s_expirations %s_overruns",
			       name[bkt], name[bkt], name[bkt], name[bkt],
			       name[bkt]);
	}
	itg_buf_printf(b, " real_fds virtual_fds prof_fds\n");

	/*
	 * One process at a time, under its own lock only: a reader in a loop
	 * delays no other process's ioctls and no teardown.
	 */
	while ((proc = itg_proc_next(&index))) {
		struct task_struct *leader;

		tgid = pid_vnr(proc->tgid);
		rcu_read_lock();
		leader = pid_task(proc->tgid, PIDTYPE_TGID);
		if (leader)
			owner = task_euid(leader);
		rcu_read_unlock();
		if (tgid && leader && (all || uid_eq(owner, cred->euid))) {
			mutex_lock(&proc->lock);
			list_for_each_entry(grp, &proc->groups, link)
				itg_render_group(b, grp, tgid,
						 from_kuid_munged(cred->user_ns,
								  owner));
			mutex_unlock(&proc->lock);
		}
		itg_proc_put(proc);
	}
	if (b->full && b->cap > 32) {
		b->full = false;
		b->len = min(b->len, b->cap - 32);
		itg_buf_printf(b, "\n# truncated\n");
	}
}

#define ITG_STAT_ATTR(_name, _value)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n", (long long)(_value));		\
}									\
static DEVICE_ATTR_RO(_name)

ITG_STAT_ATTR(processes, atomic_long_read(&itg_stats.processes));
ITG_STAT_ATTR(groups_shared,
	      atomic_long_read(&itg_stats.groups[ITG_SCOPE_SHARED]));
ITG_STAT_ATTR(groups_private,
	      atomic_long_read(&itg_stats.groups[ITG_SCOPE_PRIVATE]));
ITG_STAT_ATTR(armed_real,
	      atomic_long_read(&itg_stats.armed[ITG_TIMER_REAL]));
ITG_STAT_ATTR(armed_virtual,
	      atomic_long_read(&itg_stats.armed[ITG_TIMER_VIRTUAL]));
ITG_STAT_ATTR(armed_prof,
	      atomic_long_read(&itg_stats.armed[ITG_TIMER_PROF]));
ITG_STAT_ATTR(expirations, atomic64_read(&itg_stats.expirations));
ITG_STAT_ATTR(signals_sent, atomic64_read(&itg_stats.signals));
ITG_STAT_ATTR(overruns, atomic64_read(&itg_stats.overruns));
ITG_STAT_ATTR(signals_coalesced, atomic64_read(&itg_stats.coalesced));
ITG_STAT_ATTR(callbacks, atomic64_read(&itg_stats.callbacks));
ITG_STAT_ATTR(cpu_probe, itg_cpu_probe_registered());

/*
 * sysfs hands a binary attribute at most a page per read(): the table is
 * rendered at a file's first read (offset 0) and the following reads are
 * served from that snapshot until the reader reaches its end.  So a large
 * table is rendered once and reads as one consistent snapshot.  One
 * snapshot at a time (readers that interleave render again), keyed by the
 * file and its credentials, which decide what it may show.
 */
static DEFINE_MUTEX(itg_table_lock);
static const struct file *itg_table_file;	/* itg_table_lock */
static const struct cred *itg_table_cred;	/* itg_table_lock */
static struct itg_buf itg_table;		/* itg_table_lock */

static void itg_table_drop(void)
{
	lockdep_assert_held(&itg_table_lock);
	kvfree(itg_table.p);
	memset(&itg_table, 0, sizeof(itg_table));
	if (itg_table_cred)
		put_cred(itg_table_cred);
	itg_table_cred = NULL;
	itg_table_file = NULL;
}

static ssize_t groups_read(struct file *filp, struct kobject *kobj,
			   struct bin_attribute *attr, char *buf,
			   loff_t off, size_t count)
{
	ssize_t ret = 0;

	mutex_lock(&itg_table_lock);
	if (!off || itg_table_file != filp || itg_table_cred != filp->f_cred) {
		itg_table_drop();
		itg_groups_render(&itg_table, filp->f_cred,
				  file_ns_capable(filp, &init_user_ns,
						  CAP_SYS_ADMIN));
		if (!itg_table.p) {
			ret = -ENOMEM;
			goto out;
		}
		itg_table_file = filp;
		itg_table_cred = get_cred(filp->f_cred);
	}
	if (off < itg_table.len) {
		ret = min_t(size_t, count, itg_table.len - off);
		memcpy(buf, itg_table.p + off, ret);
	} else {
		itg_table_drop();	/* read to the end */
	}
out:
	mutex_unlock(&itg_table_lock);
	return ret;
}

/* Module unload, after the device (and its sysfs files) went. */
void itg_sysfs_exit(void)
{
	mutex_lock(&itg_table_lock);
	itg_table_drop();
	mutex_unlock(&itg_table_lock);
}

static BIN_ATTR_RO(groups, 0);

static struct attribute *itg_sysfs_attrs[] = {
	&dev_attr_processes.attr,
	&dev_attr_groups_shared.attr,
	&dev_attr_groups_private.attr,
	&dev_attr_armed_real.attr,
	&dev_attr_armed_virtual.attr,
	&dev_attr_armed_prof.attr,
	&dev_attr_expirations.attr,
	&dev_attr_signals_sent.attr,
	&dev_attr_overruns.attr,
	&dev_attr_signals_coalesced.attr,
	&dev_attr_callbacks.attr,
	&dev_attr_cpu_probe.attr,
	NULL
};

static struct bin_attribute *itg_sysfs_bin_attrs[] = {
	&bin_attr_groups,
	NULL
};

static const struct attribute_group itg_sysfs_group = {
	.attrs = itg_sysfs_attrs,
	.bin_attrs = itg_sysfs_bin_attrs,
};

const struct attribute_group *itg_sysfs_groups[] = {
	&itg_sysfs_group,
	NULL
};
