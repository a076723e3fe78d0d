// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: processes, itimer sharing groups and their lifetime.
 *
 * A process's state (struct itg_proc) is created by its first ioctl and
 * destroyed when the process closes its last fd on the device or when its
 * last thread exits.  It owns the shared group and the private groups of
 * its threads.  A private group dies with its thread: the sched_process_exit
 * probe marks it dead at once (no signal is sent after that) and leaves the
 * rest (cancelling hrtimers, freeing) to a work item, since the probe runs
 * with preemption disabled.
 */
#include <linux/atomic.h>
#include <linux/binfmts.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/poll.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#include "itg.h"

#define ITG_CPU_IDLE_DELAY	(HZ / 20)

static DEFINE_MUTEX(itg_lock);
/*
 * Processes by global tgid, private groups by global tid: xarrays, so that
 * a lookup (the scheduler probe does one at every context switch while a
 * group tracks CPU time) costs a walk bounded by the width of a pid (at
 * most four levels for pid_max 4M), whatever the number of processes or
 * groups.  Readers (RCU) never wait for writers, which are in task context.
 * Not an rhashtable: its lookups retry while a resize moves an entry, and
 * a lookup from an hrtimer callback or an IPI that interrupted the resize
 * worker on the same CPU retried forever (a hard hang, seen under QEMU).
 * A number is reused only after its process or thread is gone; until its
 * entry is removed, a lookup checks that the entry is the one it wants.
 */
static DEFINE_XARRAY(itg_procs);	/* writers: itg_lock */
static DEFINE_XARRAY(itg_private);	/* writers: proc->lock of the group */
static atomic_t itg_nr_private = ATOMIC_INIT(0);
static atomic64_t itg_next_id = ATOMIC64_INIT(0);
static struct workqueue_struct *itg_wq;
static struct tracepoint *itg_tp_exit;
static struct tracepoint *itg_tp_exec;
/* Own caches: a group is 728 bytes, a timer 704 (kmalloc: 1024 each). */
static struct kmem_cache *itg_group_cache;
struct kmem_cache *itg_timer_cache;

/*
 * The group and its timers (stopped at unlink), after a grace period: the
 * probes and ITG_IOC_GET_TIMER read them under RCU alone.  A probe that
 * started a parked timer just before the group was unlinked has finished
 * by then, so the last cancel here is final.
 */
static void itg_group_free_work(struct work_struct *work)
{
	struct itg_group *grp = container_of(work, struct itg_group, free_work);
	int i;

	for (i = 0; i < ITG_NR_TIMERS; i++) {
		if (!grp->timers[i])
			continue;
		hrtimer_cancel(&grp->timers[i]->hrt);
		if (grp->timers[i]->arm_cred)
			put_cred(grp->timers[i]->arm_cred);
		kmem_cache_free(itg_timer_cache, grp->timers[i]);
	}
	if (grp->key && !grp->key_put)
		put_task_struct(grp->key);
	kmem_cache_free(itg_group_cache, grp);
}

static void itg_group_free_rcu(struct rcu_head *rcu)
{
	struct itg_group *grp = container_of(rcu, struct itg_group, rcu);

	/* The rcu_head is done with: its room becomes the work item. */
	INIT_WORK(&grp->free_work, itg_group_free_work);
	queue_work(itg_wq, &grp->free_work);
}

/* Caller holds a reference, or the group's proc->lock with it linked. */
void itg_group_get(struct itg_group *grp)
{
	refcount_inc(&grp->ref);
}

void itg_group_put(struct itg_group *grp)
{
	if (refcount_dec_and_test(&grp->ref)) {
		itg_proc_put(grp->proc);
		call_rcu(&grp->rcu, itg_group_free_rcu);
	}
}

void itg_proc_put(struct itg_proc *proc)
{
	if (refcount_dec_and_test(&proc->ref)) {
		itg_user_put(proc->user);
		put_pid(proc->tgid);
		kfree_rcu(proc, rcu);
	}
}

/*
 * Stop sending signals from @grp; a private group lets go of its thread at
 * once (lookups skip a dead group: a new thread may get the same
 * task_struct or tid before the entry goes).  Callable in atomic context.
 * True for the one caller that stopped it.
 */
static bool itg_group_mark_dead(struct itg_group *grp)
{
	if (test_and_set_bit(ITG_GROUP_DEAD, &grp->flags))
		return false;
	if (grp->key) {
		RCU_INIT_POINTER(grp->task, NULL);
		atomic_dec(&grp->proc->nr_private);
		atomic_dec(&itg_nr_private);
	}
	return true;
}

/*
 * The thread of an unlinked private group, let go after a grace period
 * (RCU readers may still hold grp->task): a descriptor may keep the group
 * for long, it must not keep a dead thread's task_struct with it.  The
 * callback holds a group reference, so the group outlives it.
 */
static void itg_group_key_put_rcu(struct rcu_head *head)
{
	struct itg_group *grp = container_of(head, struct itg_group, key_rcu);

	put_task_struct(grp->key);
	itg_group_put(grp);
}

/* Take @grp out of its process and stop its timers; drops the list's ref. */
static void itg_group_unlink(struct itg_group *grp)
{
	int i;

	lockdep_assert_held(&grp->proc->lock);
	if (list_empty(&grp->link))
		return;
	list_del_init(&grp->link);
	atomic_long_dec(&itg_stats.groups[grp->key ? ITG_SCOPE_PRIVATE :
						      ITG_SCOPE_SHARED]);
	itg_user_count_group(grp->proc->user, -1);
	itg_group_mark_dead(grp);
	/* Unless its tid went to a new thread's private group meanwhile. */
	if (grp->key) {
		xa_cmpxchg(&itg_private, grp->tid, grp, NULL, 0);
		/* Lookups compare @key, dead groups fail them: no more use. */
		grp->key_put = true;
		refcount_inc(&grp->ref);
		call_rcu(&grp->key_rcu, itg_group_key_put_rcu);
	}
	for (i = 0; i < ITG_NR_TIMERS; i++) {
		if (!grp->timers[i])
			continue;
		itg_timer_stop(grp->timers[i]);
		/* Its descriptors: it never fires again. */
		wake_up_poll(&grp->timers[i]->wqh, EPOLLHUP | EPOLLIN);
	}
	itg_cpu_stop(grp);
	/* A pending idle check holds a reference; a running one finishes. */
	if (cancel_delayed_work(&grp->cpu_work))
		itg_group_put(grp);
	itg_group_put(grp);
}

/* A CPU-time timer of @grp expired for good: stop its clocks if idle. */
static void itg_group_cpu_work(struct work_struct *work)
{
	struct itg_group *grp = container_of(to_delayed_work(work),
					     struct itg_group, cpu_work);
	struct itg_proc *proc = grp->proc;

	mutex_lock(&proc->lock);
	if (!list_empty(&grp->link) && !itg_group_cpu_armed(grp))
		itg_cpu_stop(grp);
	mutex_unlock(&proc->lock);
	itg_group_put(grp);
}

/*
 * From a timer callback: any context.  A little later and on any CPU, so
 * that it does not preempt the thread that is about to take the signal.
 */
void itg_group_cpu_idle(struct itg_group *grp)
{
	if (refcount_inc_not_zero(&grp->ref) &&
	    !queue_delayed_work(itg_wq, &grp->cpu_work, ITG_CPU_IDLE_DELAY))
		itg_group_put(grp);
}

static void itg_group_exit_work(struct work_struct *work)
{
	struct itg_group *grp = container_of(work, struct itg_group, exit_work);
	struct itg_proc *proc = grp->proc;

	mutex_lock(&proc->lock);
	itg_group_unlink(grp);
	mutex_unlock(&proc->lock);
	itg_group_put(grp);
}

static struct itg_group *itg_group_new(struct itg_proc *proc,
				       struct task_struct *tsk)
{
	struct itg_group *grp;

	grp = kmem_cache_zalloc(itg_group_cache, GFP_KERNEL);
	if (!grp)
		return NULL;
	grp->id = atomic64_inc_return(&itg_next_id);
	grp->proc = proc;
	refcount_inc(&proc->ref);
	/*
	 * A private group holds its thread's task_struct: a callback or a
	 * reader that finds the group before it is marked dead never sees
	 * a freed task (see itg_probe_exec() for how a group could outlive
	 * its lookup by tid), and the key is never a new task's.
	 */
	grp->key = tsk ? get_task_struct(tsk) : NULL;
	grp->tid = tsk ? task_pid_nr(tsk) : 0;
	RCU_INIT_POINTER(grp->task, tsk);
	INIT_LIST_HEAD(&grp->link);
	refcount_set(&grp->ref, 1);
	spin_lock_init(&grp->lock);
	INIT_WORK(&grp->exit_work, itg_group_exit_work);
	INIT_DELAYED_WORK(&grp->cpu_work, itg_group_cpu_work);
	return grp;
}

/* Stop everything of @proc; runs in task context, any number of times. */
static void itg_proc_kill(struct itg_proc *proc)
{
	struct itg_group *grp, *tmp;

	mutex_lock(&itg_lock);
	if (proc->dead) {
		mutex_unlock(&itg_lock);
		return;
	}
	proc->dead = true;
	/* Unless its number went to a new process's state meanwhile. */
	xa_cmpxchg(&itg_procs, pid_nr(proc->tgid), proc, NULL, 0);
	atomic_long_dec(&itg_stats.processes);
	mutex_unlock(&itg_lock);

	mutex_lock(&proc->lock);
	proc->gone = true;
	list_for_each_entry_safe(grp, tmp, &proc->groups, link)
		itg_group_unlink(grp);
	mutex_unlock(&proc->lock);
	itg_proc_put(proc);	/* the hash's reference */
}

static void itg_proc_kill_work(struct work_struct *work)
{
	struct itg_proc *proc = container_of(work, struct itg_proc, kill_work);

	itg_proc_kill(proc);
	itg_proc_put(proc);
}

/* Caller holds RCU or itg_lock.  O(1): see itg_procs. */
struct itg_proc *itg_proc_lookup(struct pid *tgid)
{
	struct itg_proc *proc = xa_load(&itg_procs, pid_nr(tgid));

	return proc && proc->tgid == tgid ? proc : NULL;
}

/*
 * The first process with state at or after *@index, with a reference, and
 * *@index past it; NULL at the end.  No lock is held between two calls.
 */
struct itg_proc *itg_proc_next(unsigned long *index)
{
	struct itg_proc *proc;

	rcu_read_lock();
	for (;;) {
		proc = xa_find(&itg_procs, index, ULONG_MAX, XA_PRESENT);
		if (!proc || refcount_inc_not_zero(&proc->ref))
			break;
		++*index;
	}
	rcu_read_unlock();
	++*index;
	return proc;
}

static struct itg_proc *itg_proc_new(struct pid *tgid)
{
	struct itg_user *user = itg_user_current();
	struct itg_proc *proc;

	if (!user)
		return ERR_PTR(-ENOMEM);
	if (!itg_user_may_add_group(user)) {
		itg_user_put(user);
		return ERR_PTR(-EAGAIN);
	}
	proc = kzalloc(sizeof(*proc), GFP_KERNEL_ACCOUNT);
	if (!proc) {
		itg_user_put(user);
		return ERR_PTR(-ENOMEM);
	}
	proc->tgid = get_pid(tgid);
	proc->user = user;
	refcount_set(&proc->ref, 1);
	mutex_init(&proc->lock);
	INIT_LIST_HEAD(&proc->groups);
	INIT_WORK(&proc->kill_work, itg_proc_kill_work);
	proc->shared = itg_group_new(proc, NULL);
	if (!proc->shared) {
		itg_proc_put(proc);
		return ERR_PTR(-ENOMEM);
	}
	list_add(&proc->shared->link, &proc->groups);
	atomic_long_inc(&itg_stats.groups[ITG_SCOPE_SHARED]);
	itg_user_count_group(user, 1);
	return proc;
}

/* Undo itg_proc_new() of a state that never became visible. */
static void itg_proc_free_new(struct itg_proc *proc)
{
	mutex_lock(&proc->lock);
	proc->gone = true;
	itg_group_unlink(proc->shared);
	mutex_unlock(&proc->lock);
	itg_proc_put(proc);
}

/*
 * The calling process's state, created on first use (*@created set); a
 * reference.
 */
static struct itg_proc *itg_proc_get_current(bool *created)
{
	struct pid *tgid = task_tgid(current);
	struct itg_proc *proc;
	int ret;

	rcu_read_lock();
	proc = itg_proc_lookup(tgid);
	if (proc && refcount_inc_not_zero(&proc->ref)) {
		rcu_read_unlock();
		if (!READ_ONCE(proc->revoked))
			return proc;
		/* Its exec gained privileges: the old state goes first. */
		itg_proc_kill(proc);
		itg_proc_put(proc);
	} else {
		rcu_read_unlock();
	}

	mutex_lock(&itg_lock);
	proc = itg_proc_lookup(tgid);
	if (!proc) {
		proc = itg_proc_new(tgid);
		if (IS_ERR(proc)) {
			mutex_unlock(&itg_lock);
			return proc;
		}
		/* Over a dead process's entry that its kill will not remove. */
		ret = xa_err(xa_store(&itg_procs, pid_nr(tgid), proc,
				      GFP_KERNEL_ACCOUNT));
		if (ret) {
			mutex_unlock(&itg_lock);
			itg_proc_free_new(proc);
			return ERR_PTR(ret);
		}
		atomic_long_inc(&itg_stats.processes);
		*created = true;
	}
	refcount_inc(&proc->ref);
	mutex_unlock(&itg_lock);
	return proc;
}

/*
 * The calling process's state with its lock held, for an ioctl.  EBADF if
 * the state went away because the process closed its last fd meanwhile.
 * *@created: the state was created by this call (the caller checks that
 * the fd of its call was not closed meanwhile).
 */
struct itg_proc *itg_proc_lock_current(bool *created)
{
	struct itg_proc *proc;

	*created = false;
	proc = itg_proc_get_current(created);

	if (IS_ERR(proc))
		return proc;
	mutex_lock(&proc->lock);
	if (proc->gone) {
		mutex_unlock(&proc->lock);
		itg_proc_put(proc);
		return ERR_PTR(-EBADF);
	}
	return proc;
}

void itg_proc_unlock(struct itg_proc *proc)
{
	mutex_unlock(&proc->lock);
	itg_proc_put(proc);
}

/* The process whose tgid is @tgid closed its last fd on the device. */
void itg_proc_kill_pid(struct pid *tgid)
{
	struct itg_proc *proc;

	rcu_read_lock();
	proc = itg_proc_lookup(tgid);
	if (proc && !refcount_inc_not_zero(&proc->ref))
		proc = NULL;
	rcu_read_unlock();
	if (proc) {
		itg_proc_kill(proc);
		itg_proc_put(proc);
	}
}

/* Any context, under RCU; O(1) and never waits for a writer. */
static struct itg_group *itg_private_lookup(struct task_struct *tsk)
{
	struct itg_group *grp = xa_load(&itg_private, task_pid_nr(tsk));

	return grp && grp->key == tsk ? grp : NULL;
}

/* @tsk's live private group, if any.  Caller holds RCU. */
struct itg_group *itg_private_group(struct task_struct *tsk)
{
	struct itg_group *grp;

	if (!atomic_read(&itg_nr_private))
		return NULL;
	grp = itg_private_lookup(tsk);
	return grp && !test_bit(ITG_GROUP_DEAD, &grp->flags) ? grp : NULL;
}

/* Is @tsk, a thread of @proc, in a private group?  Caller holds RCU. */
/* @tsk's live private group in @proc, if any.  Caller holds RCU. */
static struct itg_group *itg_private_of(struct itg_proc *proc,
					struct task_struct *tsk)
{
	struct itg_group *grp;

	if (!atomic_read(&proc->nr_private))
		return NULL;
	grp = itg_private_lookup(tsk);
	return grp && grp->proc == proc &&
	       !test_bit(ITG_GROUP_DEAD, &grp->flags) ? grp : NULL;
}

bool itg_task_is_private(struct itg_proc *proc, struct task_struct *tsk)
{
	return itg_private_of(proc, tsk);
}

/*
 * The calling thread's group.  The caller holds proc->lock, which keeps
 * the group linked: only this thread, its own exit or the death of the
 * process unlinks it, and the last two take proc->lock too.
 */
struct itg_group *itg_group_of_current(struct itg_proc *proc)
{
	struct itg_group *grp;

	lockdep_assert_held(&proc->lock);
	rcu_read_lock();
	grp = itg_private_of(proc, current);
	rcu_read_unlock();
	return grp && !list_empty(&grp->link) ? grp : proc->shared;
}

/*
 * The calling thread's group without proc->lock, for a read: NULL when
 * the process has no state yet or is losing it, and the caller takes the
 * locked path.  Caller holds RCU, which keeps the group and its timers
 * readable; a group unlinked meanwhile (by the death of the process: only
 * this thread moves itself between groups) reads as it was at that moment.
 */
struct itg_group *itg_group_of_current_rcu(void)
{
	struct itg_proc *proc = itg_proc_lookup(task_tgid(current));
	struct itg_group *grp;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "itg_group_of_current_rcu");
	if (!proc || READ_ONCE(proc->dead) || READ_ONCE(proc->revoked))
		return NULL;
	grp = itg_private_of(proc, current) ?: READ_ONCE(proc->shared);
	if (!grp || test_bit(ITG_GROUP_DEAD, &grp->flags))
		return NULL;
	return grp;
}

/*
 * Members of the shared group: the threads that are not exiting and not in
 * a private group.  A walk (this is a query, not a hot path) because
 * signal->nr_threads still counts a thread after pthread_join() returned.
 */
static int itg_shared_members(struct itg_proc *proc)
{
	struct task_struct *leader, *tsk;
	int nr = 0;

	rcu_read_lock();
	leader = pid_task(proc->tgid, PIDTYPE_TGID);
	if (leader)
		for_each_thread(leader, tsk)
			if (!(tsk->flags & PF_EXITING) &&
			    !itg_task_is_private(proc, tsk))
				nr++;
	rcu_read_unlock();
	return nr;
}

/*
 * The global tid of thread @vtid (as the caller sees it) if it is a live
 * member of @grp, else 0.  Caller holds proc->lock.
 */
pid_t itg_group_member_tid(struct itg_group *grp, pid_t vtid)
{
	struct task_struct *tsk;
	pid_t tid = 0;

	lockdep_assert_held(&grp->proc->lock);
	rcu_read_lock();
	tsk = pid_task(find_vpid(vtid), PIDTYPE_PID);
	if (tsk && !(tsk->flags & PF_EXITING) &&
	    (grp->key ? tsk == rcu_access_pointer(grp->task) :
			task_tgid(tsk) == grp->proc->tgid &&
			!itg_task_is_private(grp->proc, tsk)))
		tid = task_pid_nr(tsk);
	rcu_read_unlock();
	return tid;
}

void itg_group_info(struct itg_group *grp, struct itg_group_info *info)
{
	int i;

	info->id = grp->id;
	info->tgid = pid_vnr(grp->proc->tgid);
	info->scope = grp->key ? ITG_SCOPE_PRIVATE : ITG_SCOPE_SHARED;
	if (grp->key)
		info->nr_members = !test_bit(ITG_GROUP_DEAD, &grp->flags);
	else
		info->nr_members = itg_shared_members(grp->proc);
	info->armed = 0;
	for (i = 0; i < ITG_NR_TIMERS; i++)
		if (itg_timer_armed(grp->timers[i]))
			info->armed |= 1U << i;
}

/* Move the calling thread into a new private group or back to shared. */
int itg_set_scope(struct itg_proc *proc, u32 scope)
{
	struct itg_group *grp;
	int ret;

	lockdep_assert_held(&proc->lock);
	grp = itg_group_of_current(proc);
	if (scope == ITG_SCOPE_SHARED) {
		if (grp != proc->shared) {
			itg_group_unlink(grp);
			itg_cpu_resync_current();
		}
		return 0;
	}
	if (grp != proc->shared)
		return 0;

	if (!itg_user_may_add_group(proc->user))
		return -EAGAIN;
	grp = itg_group_new(proc, current);
	if (!grp)
		return -ENOMEM;
	/* Counted before it is visible, so that no lookup sees it uncounted. */
	atomic_inc(&proc->nr_private);
	atomic_inc(&itg_nr_private);
	/* Over a dead thread's entry (its tid reused) that stays dead. */
	ret = xa_err(xa_store(&itg_private, grp->tid, grp, GFP_KERNEL_ACCOUNT));
	if (ret) {
		atomic_dec(&proc->nr_private);
		atomic_dec(&itg_nr_private);
		itg_group_put(grp);
		return ret;
	}
	list_add_tail(&grp->link, &proc->groups);
	atomic_long_inc(&itg_stats.groups[ITG_SCOPE_PRIVATE]);
	itg_user_count_group(proc->user, 1);
	/* This thread's CPU time no longer counts for the shared group. */
	itg_cpu_resync_current();
	return 0;
}

/*
 * sched_process_exit: called in do_exit() of every task, with preemption
 * disabled.  O(1): two hash lookups, and only while the module has state.
 */
static void itg_probe_exit(void *data, struct task_struct *tsk)
{
	struct itg_group *grp;
	struct itg_proc *proc;

	rcu_read_lock();
	if (atomic_read(&itg_nr_private)) {
		grp = itg_private_lookup(tsk);
		if (grp && itg_group_mark_dead(grp) &&
		    refcount_inc_not_zero(&grp->ref) &&
		    !queue_work(itg_wq, &grp->exit_work))
			itg_group_put(grp);
	}
	/* The last thread of the process: signal->live reached 0 before. */
	if (!atomic_read(&tsk->signal->live)) {
		proc = itg_proc_lookup(task_tgid(tsk));
		if (proc && refcount_inc_not_zero(&proc->ref) &&
		    !queue_work(itg_wq, &proc->kill_work))
			itg_proc_put(proc);
	}
	rcu_read_unlock();
}

/*
 * sched_process_exec: after a successful exec, with preemption disabled.
 * An exec that changed credentials (setuid, setgid, file capabilities: the
 * kernel's secure exec) ends the process's state, as the kernel ends POSIX
 * timers at every exec: the timers were armed by a user who may no longer
 * signal the process.  Its callbacks send nothing from now on; the rest is
 * done by a worker, or by the process's next ioctl if it comes first.
 */
static void itg_probe_exec(void *data, struct task_struct *tsk, pid_t old_pid,
			   struct linux_binprm *bprm)
{
	struct itg_group *grp;
	struct itg_proc *proc;

	/*
	 * A thread other than the leader that execs takes the leader's tid
	 * (de_thread()): its private group, found by the old tid, ends here,
	 * as at its exit, which would look it up by the new one.
	 */
	if (old_pid != task_pid_nr(tsk) && atomic_read(&itg_nr_private)) {
		rcu_read_lock();
		grp = xa_load(&itg_private, old_pid);
		if (grp && grp->key == tsk && itg_group_mark_dead(grp) &&
		    refcount_inc_not_zero(&grp->ref) &&
		    !queue_work(itg_wq, &grp->exit_work))
			itg_group_put(grp);
		rcu_read_unlock();
	}
	if (!bprm->secureexec)
		return;
	rcu_read_lock();
	proc = itg_proc_lookup(task_tgid(tsk));
	if (proc) {
		WRITE_ONCE(proc->revoked, true);
		if (refcount_inc_not_zero(&proc->ref) &&
		    !queue_work(itg_wq, &proc->kill_work))
			itg_proc_put(proc);
	}
	rcu_read_unlock();
}

static void itg_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		itg_tp_exit = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		itg_tp_exec = tp;
}

int itg_groups_init(void)
{
	int ret;

	for_each_kernel_tracepoint(itg_find_tracepoint, NULL);
	if (!itg_tp_exit || !itg_tp_exec) {
		pr_err("tracepoint sched_process_exit or _exec not found\n");
		return -ENOENT;
	}
	/* SLAB_ACCOUNT: charged to the caller's memory cgroup. */
	itg_group_cache = KMEM_CACHE(itg_group, SLAB_ACCOUNT);
	if (!itg_group_cache)
		return -ENOMEM;
	itg_timer_cache = KMEM_CACHE(itg_timer, SLAB_ACCOUNT);
	if (!itg_timer_cache) {
		ret = -ENOMEM;
		goto err_group_cache;
	}
	itg_wq = alloc_workqueue("itimer_group", WQ_UNBOUND, 0);
	if (!itg_wq) {
		ret = -ENOMEM;
		goto err_timer_cache;
	}
	/* The sched_switch probe: registered now, not at run time. */
	ret = itg_cpu_init();
	if (ret)
		goto err_wq;
	ret = tracepoint_probe_register(itg_tp_exit, itg_probe_exit, NULL);
	if (ret)
		goto err_cpu;
	ret = tracepoint_probe_register(itg_tp_exec, itg_probe_exec, NULL);
	if (ret)
		goto err_exit;
	return 0;

err_exit:
	tracepoint_probe_unregister(itg_tp_exit, itg_probe_exit, NULL);
	tracepoint_synchronize_unregister();
err_cpu:
	itg_cpu_exit();
err_wq:
	destroy_workqueue(itg_wq);
err_timer_cache:
	kmem_cache_destroy(itg_timer_cache);
err_group_cache:
	kmem_cache_destroy(itg_group_cache);
	return ret;
}

/* Kill every process's state, one at a time under no lock. */
static void itg_procs_kill_all(void)
{
	unsigned long index = 0;
	struct itg_proc *proc;

	while ((proc = itg_proc_next(&index))) {
		itg_proc_kill(proc);
		itg_proc_put(proc);
	}
}

void itg_groups_exit(void)
{
	/*
	 * No state outlives the last file (which pins the module), so none
	 * should be left.  Should some be, it goes first, while the exit
	 * probe still clears the thread pointer of a private group whose
	 * thread exits: then the probes.
	 */
	itg_procs_kill_all();
	tracepoint_probe_unregister(itg_tp_exec, itg_probe_exec, NULL);
	tracepoint_probe_unregister(itg_tp_exit, itg_probe_exit, NULL);
	tracepoint_synchronize_unregister();
	/* Queued exit and kill work holds references: let it finish. */
	drain_workqueue(itg_wq);
	itg_procs_kill_all();
	itg_cpu_exit();
	itg_users_exit();
	/*
	 * Groups are freed by RCU callbacks of this module that queue the
	 * freeing work: wait for the callbacks, then for the work.  Twice:
	 * the callback that lets a private group's thread go may drop the
	 * group's last reference, which queues the freeing callback.
	 */
	rcu_barrier();
	rcu_barrier();
	destroy_workqueue(itg_wq);
	kmem_cache_destroy(itg_timer_cache);
	kmem_cache_destroy(itg_group_cache);
}
