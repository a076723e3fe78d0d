// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: per-user caps on groups and armed timers.
 *
 * A process's state is charged to the effective uid that created it, or,
 * in a user namespace, to the user (of the initial namespace) who created
 * the outermost one: the ids of a namespace (subordinate ids among them)
 * cannot multiply the caps.  Past
 * a cap, creating a group (a process's first ioctl, a move to a private
 * group) or arming a disarmed timer fails with EAGAIN, as fork() does past
 * RLIMIT_NPROC.  The defaults are far above what a program needs.  Armed
 * timers are taken exactly (an increment bounded by the cap); groups are
 * checked, then taken, without a lock: calls racing for the last units may
 * go past that cap by as many as race.  The memory itself is charged
 * to the caller's memory cgroup (GFP_KERNEL_ACCOUNT everywhere).
 *
 * One small struct per charged uid, referenced by each process's state
 * and freed with the last of them.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

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
	refcount_t ref;			/* one per process state */
	atomic_t groups;
	atomic_t timers;
	struct hlist_node node;		/* itg_users: itg_users_lock */
	struct rcu_head rcu;
};

/* Raw: the last put may come from a probe, with preemption disabled. */
static DEFINE_RAW_SPINLOCK(itg_users_lock);
static DEFINE_HASHTABLE(itg_users, 6);

/* The uid @cred's processes are charged to. */
static kuid_t itg_charged_uid(const struct cred *cred)
{
	struct user_namespace *ns = cred->user_ns;

	if (ns == &init_user_ns)
		return cred->euid;
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns->owner;
}

/* A live entry for @uid, with a reference.  Caller holds RCU or the lock. */
static struct itg_user *itg_user_find(kuid_t uid)
{
	struct itg_user *u;

	hash_for_each_possible_rcu(itg_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid) && refcount_inc_not_zero(&u->ref))
			return u;
	return NULL;
}

/*
 * The accounting of the calling process's charged uid, created on first
 * use; a reference, for its new state.
 */
struct itg_user *itg_user_current(void)
{
	kuid_t uid = itg_charged_uid(current_cred());
	struct itg_user *u, *new;
	unsigned long flags;

	rcu_read_lock();
	u = itg_user_find(uid);
	rcu_read_unlock();
	if (u)
		return u;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;
	new->uid = uid;
	refcount_set(&new->ref, 1);
	raw_spin_lock_irqsave(&itg_users_lock, flags);
	u = itg_user_find(uid);
	if (!u)
		hash_add_rcu(itg_users, &new->node, __kuid_val(uid));
	raw_spin_unlock_irqrestore(&itg_users_lock, flags);
	if (u) {
		kfree(new);
		return u;
	}
	return new;
}

/* Any context: a process state that was charged to @u is gone. */
void itg_user_put(struct itg_user *u)
{
	unsigned long flags;

	if (!refcount_dec_and_test(&u->ref))
		return;
	WARN_ON_ONCE(atomic_read(&u->groups) || atomic_read(&u->timers));
	raw_spin_lock_irqsave(&itg_users_lock, flags);
	hash_del_rcu(&u->node);
	raw_spin_unlock_irqrestore(&itg_users_lock, flags);
	kfree_rcu(u, rcu);
}

bool itg_user_may_add_group(struct itg_user *u)
{
	return atomic_read(&u->groups) < READ_ONCE(itg_max_groups);
}

/* Arming a timer: take one of @u's allowance, exactly, from any thread. */
bool itg_user_take_timer(struct itg_user *u)
{
	int n = atomic_read(&u->timers);

	do {
		if (n >= READ_ONCE(itg_max_timers))
			return false;
	} while (!atomic_try_cmpxchg(&u->timers, &n, n + 1));
	return true;
}

void itg_user_count_group(struct itg_user *u, int delta)
{
	atomic_add(delta, &u->groups);
}

void itg_user_count_timer(struct itg_user *u, int delta)
{
	atomic_add(delta, &u->timers);
}

/* Module unload: no process state is left, so no entry either. */
void itg_users_exit(void)
{
	struct itg_user *u;
	int bkt;

	hash_for_each(itg_users, bkt, u, node)
		WARN(1, "an entry of uid %u left\n", __kuid_val(u->uid));
}
