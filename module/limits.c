// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: per-user caps on groups and armed timers.
 *
 * A process's state is charged to the effective uid that created it.  Past
 * a cap, creating a group (a process's first ioctl, a move to a private
 * group) or arming a disarmed timer fails with EAGAIN, as fork() does past
 * RLIMIT_NPROC.  The defaults are far above what a program needs.  The
 * counts are checked, then taken, without a lock: calls racing for the last
 * units may go past a cap by as many as race.  The memory itself is charged
 * to the caller's memory cgroup (GFP_KERNEL_ACCOUNT everywhere).
 *
 * One small struct per uid that ever used the module, kept until unload:
 * the number of uids bounds it, and nothing on a hot path frees.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "itg.h"

static unsigned int itg_max_groups = 65536;
static unsigned int itg_max_timers = 4096;

static int itg_cap_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (!v)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops itg_cap_ops = {
	.set = itg_cap_set,
	.get = param_get_uint,
};

module_param_cb(max_groups_per_user, &itg_cap_ops, &itg_max_groups, 0644);
MODULE_PARM_DESC(max_groups_per_user,
		 "Groups (shared and private) the processes of one user may have at once (>= 1, default 65536); past it: EAGAIN");
module_param_cb(max_timers_per_user, &itg_cap_ops, &itg_max_timers, 0644);
MODULE_PARM_DESC(max_timers_per_user,
		 "Timers the processes of one user may have armed at once (>= 1, default 4096); past it: EAGAIN");

struct itg_user {
	kuid_t uid;
	atomic_t groups;
	atomic_t timers;
	struct hlist_node node;		/* itg_users: itg_users_lock */
	struct rcu_head rcu;
};

static DEFINE_MUTEX(itg_users_lock);
static DEFINE_HASHTABLE(itg_users, 6);

/* The accounting of the calling process's euid, created on first use. */
struct itg_user *itg_user_current(void)
{
	kuid_t uid = current_euid();
	u32 key = __kuid_val(uid);
	struct itg_user *u;

	rcu_read_lock();
	hash_for_each_possible_rcu(itg_users, u, node, key)
		if (uid_eq(u->uid, uid))
			goto out;
	rcu_read_unlock();

	mutex_lock(&itg_users_lock);
	hash_for_each_possible(itg_users, u, node, key)
		if (uid_eq(u->uid, uid))
			goto out_locked;
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (u) {
		u->uid = uid;
		hash_add_rcu(itg_users, &u->node, key);
	}
out_locked:
	mutex_unlock(&itg_users_lock);
	return u;
out:
	rcu_read_unlock();
	return u;
}

bool itg_user_may_add_group(struct itg_user *u)
{
	return atomic_read(&u->groups) < READ_ONCE(itg_max_groups);
}

bool itg_user_may_arm(struct itg_user *u)
{
	return atomic_read(&u->timers) < READ_ONCE(itg_max_timers);
}

void itg_user_count_group(struct itg_user *u, int delta)
{
	atomic_add(delta, &u->groups);
}

void itg_user_count_timer(struct itg_user *u, int delta)
{
	atomic_add(delta, &u->timers);
}

/* Module unload: no process state is left, so no user is referenced. */
void itg_users_exit(void)
{
	struct hlist_node *tmp;
	struct itg_user *u;
	int bkt;

	hash_for_each_safe(itg_users, bkt, tmp, u, node) {
		WARN_ON_ONCE(atomic_read(&u->groups) || atomic_read(&u->timers));
		hash_del_rcu(&u->node);
		kfree_rcu(u, rcu);
	}
}
