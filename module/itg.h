/* SPDX-License-Identifier: GPL-2.0 */
/*
 * itimer_group: internal interfaces.
 *
 * Objects and their locks:
 *
 *   itg_procs (xarray, RCU readers) per-process state, by global tgid
 *     itg_lock (mutex)             adds and removes procs
 *   itg_private (xarray, RCU readers) thread -> its private group, by
 *                                  global tid; read from hardirq and
 *                                  scheduler context; written in task
 *                                  context under the group's proc->lock
 *   itg_proc.lock (mutex)          the proc's group list, scope changes,
 *                                  every timer ioctl of the process but
 *                                  reads and arming an existing REAL timer
 *   itg_group.lock (spinlock)      the timer state of the group's three
 *                                  itimers; also taken by hrtimer callbacks
 *   sighand->siglock               nests inside itg_group.lock
 */
#ifndef _ITG_H
#define _ITG_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/itimer_group.h>

#include "compat.h"

struct itg_group;
struct cred;
struct file;
struct itg_user;

/*
 * Members a timer owes signals to at once, at most (timer.c); those it
 * remembers it signalled; members on a CPU its draw lists.  A member that
 * blocks the signal counts as running the handler of one of those for so
 * many expirations after it.
 */
#define ITG_OWED_SLOTS		8
#define ITG_HANDLER_EXPIRATIONS	4
/* Slices of members that ended, kept for the draw (cputime.c). */
#define ITG_LEFT_SLOTS		16

struct itg_timer {
	struct hrtimer hrt;
	struct itg_group *grp;
	/* All below: grp->lock. */
	ktime_t next;		/* grid time of the next expiry */
	ktime_t interval;	/* 0: one-shot */
	u64 cookie;
	u64 expirations;	/* since armed */
	u64 overruns;		/* of them, folded into signals: since armed */
	u32 carry;		/* expirations not yet put in any signal */
	/* Expirations owed a signal each, to members on a CPU (draw). */
	struct itg_owed {
		pid_t tid;	/* global tid */
		u16 n;
		u16 blocked;	/* callbacks that found it blocking on a CPU */
		ktime_t since;	/* first owed, or last sent: callback time */
	} owed[ITG_OWED_SLOTS];
	u32 backlog;		/* the sum of those */
	/*
	 * Members the last callback found on a CPU and their runtime then,
	 * the last slice that ended (grp->left) it looked at, and when.
	 */
	struct itg_ran {
		pid_t tid;	/* global tid */
		u64 rt;		/* ns */
		u64 ut, st;	/* its utime and stime then (VIRTUAL) */
	} ran[ITG_OWED_SLOTS];
	u32 left_seq;
	ktime_t window_at;	/* that callback's time, or the arming's */
	u8 backlog_tries;	/* callbacks in a row that sent none of it */
	/* The last members signalled, and when (expirations counted). */
	struct itg_sent {
		pid_t tid;	/* global tid */
		u32 exp;	/* low bits of expirations then */
	} sent[ITG_OWED_SLOTS];
	u32 scanned;		/* threads looked at for a target so far */
	pid_t cursor;		/* global tid where that search goes on */
	u8 backoff;		/* callbacks in a row whose signal stayed */
	u64 park_wait;		/* parked: wait after a member is switched in */
	u32 queued_overrun;	/* si_overrun of our queued signal */
	u32 overrun_last;	/* of the last consumed signal */
	pid_t target;		/* global tid of our last signal's thread */
	int signo;
	kuid_t arm_uid, arm_euid;	/* of the thread that armed it */
	const struct cred *arm_cred;	/* its real credentials: a reference */
	bool arm_cap_kill;	/* they had CAP_KILL (initial namespace) */
	u8 which;
	bool armed;
	u32 rnd;		/* xorshift32 state of the running-member draw */
	pid_t thread;		/* ITG_SET_THREAD: global tid, else 0 */
	bool queued;		/* our signal may still be pending at target */
	bool all_block;		/* a search found every member blocking it */
	bool nosignal;		/* ITG_SET_NO_SIGNAL: it only counts */
	/* Descriptors of ITG_IOC_TIMER_FD (timerfd.c). */
	u32 nr_fds;		/* open on it: grp->lock */
	u64 fd_ticks;		/* expirations not read yet: grp->lock */
	wait_queue_head_t wqh;	/* their readers and pollers */
};

enum itg_group_flags {
	ITG_GROUP_DEAD,		/* no more signals; unlink pending or done */
};

struct itg_proc;

struct itg_group {
	u64 id;
	struct itg_proc *proc;		/* holds a reference */
	/* private: itg_private key, immutable; its reference put at unlink */
	struct task_struct *key;
	struct rcu_head key_rcu;	/* private: that put */
	bool key_put;			/* private: it was queued */
	struct task_struct __rcu *task;	/* private: member, NULL once exiting */
	pid_t tid;			/* private: global tid, itg_private key */
	struct list_head link;		/* proc->groups: proc->lock */
	unsigned long flags;		/* ITG_GROUP_* bits */
	refcount_t ref;
	spinlock_t lock;		/* the timers' state */
	struct work_struct exit_work;
	union {
		struct rcu_head rcu;		/* the free: a grace period, */
		struct work_struct free_work;	/* then a worker */
	};
	/* CPU-time clocks (cputime.c) */
	bool cpu_tracking;		/* proc->lock; read by the probe */
	unsigned long cpu_parked;	/* BIT(ITG_TIMER_*) waiting for a member */
	pid_t last_runner;		/* member that ran last */
	atomic64_t acc_prof;		/* finished slices of members */
	atomic64_t acc_virt;		/* their user part */
	atomic64_t acc_utime;		/* their utime, as the kernel ticked it */
	/*
	 * The last ITG_LEFT_SLOTS slices of members that ended, written by
	 * the probe, numbered by left_seq (1 and on): what each member used
	 * between two callbacks of a CPU-time timer, for its draw.
	 */
	atomic_t left_seq;
	struct itg_left {
		u32 seq;	/* its number, written last; 0 while written */
		pid_t tid;	/* global tid */
		u64 ns;		/* runtime of the slice */
		u64 user;	/* of it, the user part (itg_user_part()) */
	} left[ITG_LEFT_SLOTS];
	atomic64_t prof_seen;		/* highest PROF clock read */
	atomic64_t virt_seen;		/* highest VIRTUAL clock read */
	struct delayed_work cpu_work;	/* stop tracking when idle */
	/* Allocated by the first set (proc->lock), freed with the group. */
	struct itg_timer *timers[ITG_NR_TIMERS];
};

struct itg_proc {
	struct pid *tgid;		/* holds a reference */
	struct itg_user *user;		/* charged for its groups, timers */
	refcount_t ref;
	struct mutex lock;		/* groups, scope, timer ioctls */
	struct list_head groups;	/* shared group first: lock */
	struct itg_group *shared;
	atomic_t nr_private;		/* live private groups */
	bool dead;			/* itg_lock: unhashed */
	bool revoked;			/* exec gained privileges: dying */
	bool gone;			/* lock: groups unlinked */
	struct work_struct kill_work;
	struct rcu_head rcu;
};

/* group.c */
int itg_groups_init(void);
void itg_groups_exit(void);
struct itg_proc *itg_proc_lock_current(bool *created);
void itg_proc_unlock(struct itg_proc *proc);
void itg_proc_put(struct itg_proc *proc);
void itg_proc_kill_pid(struct pid *tgid);
struct itg_group *itg_group_of_current(struct itg_proc *proc);
struct itg_group *itg_group_of_current_rcu(void);
bool itg_task_is_private(struct itg_proc *proc, struct task_struct *tsk);
struct itg_group *itg_private_group(struct task_struct *tsk);
struct itg_proc *itg_proc_lookup(struct pid *tgid);
struct itg_proc *itg_proc_next(unsigned long *index);
void itg_group_cpu_idle(struct itg_group *grp);
int itg_set_scope(struct itg_proc *proc, u32 scope);
void itg_group_info(struct itg_group *grp, struct itg_group_info *info);
pid_t itg_group_member_tid(struct itg_group *grp, pid_t vtid);

/* Module-wide counters for sysfs (sysfs.c). */
struct itg_stats {
	atomic_long_t processes;		/* with state */
	atomic_long_t groups[2];		/* by ITG_SCOPE_* */
	atomic_long_t armed[ITG_NR_TIMERS];	/* by ITG_TIMER_* */
	atomic64_t expirations;
	atomic64_t signals;			/* queued */
	atomic64_t overruns;			/* expirations folded in them */
	atomic64_t coalesced;			/* expiries that sent none */
	atomic64_t callbacks;			/* hrtimer callbacks run */
};

extern struct itg_stats itg_stats;

/* A group's CPU-time clocks, as itg_cpu_read() found them. */
struct itg_cpu_clock {
	u64 prof;		/* ns of CPU time since tracking started */
	u64 virt;		/* its user part */
	u64 utime;		/* the kernel's utime of the members in it */
	unsigned int running;	/* members on a CPU now */
	pid_t runner;		/* with a pick: the member drawn, global tid */
};

/* Which member an expiry's signal goes to (itg_cpu_read()). */
enum {
	ITG_PICK_RUN = 0,	/* on a CPU (+1: with the signal pending) */
	ITG_PICK_WAIT = 2,	/* preempted, waiting for one (+1: likewise) */
	ITG_PICK_TIERS = 4,
};

struct itg_cpu_pick {
	int signo;		/* members that block it are left out */
	u32 *rnd;		/* the timer's xorshift32 state, not 0 */
	unsigned int offered[ITG_PICK_TIERS];
	pid_t tid[ITG_PICK_TIERS];	/* the one drawn of each, global tid */
	unsigned int nr_run;		/* the first ones of ITG_PICK_RUN: */
	pid_t run[4];			/* several expirations found at once */
	unsigned int nr_on;		/* the first ones on a CPU that take */
	pid_t on[ITG_OWED_SLOTS];	/* it now or after their handler, */
	u64 on_rt[ITG_OWED_SLOTS];	/* their runtime now (ns), */
	u64 on_slice[ITG_OWED_SLOTS];	/* of it, since they got the CPU, */
	u64 on_user[ITG_OWED_SLOTS];	/* that slice's user part, */
	u64 on_ut[ITG_OWED_SLOTS];	/* their utime and stime now, */
	u64 on_st[ITG_OWED_SLOTS];
	u8 on_free_mask;		/* those that take a signal now */
	u32 left_end;			/* grp->left_seq before the slots */
	unsigned int offered_on;	/* all of those, */
	pid_t on_tid;			/* the one drawn among them, */
	bool on_free;			/* and it takes a signal now */
	/* Those that block it may be in the handler of a recent one. */
	const struct itg_sent *sent;	/* ITG_OWED_SLOTS of them, or NULL */
	u32 exp;			/* expirations counted now */
};

/*
 * The user part of @rt ns of a thread in which its tick-sampled utime and
 * stime grew by @ut and @st.  No tick in it: the split of the thread's
 * lifetime, @life_ut and @life_st; none ever: user.
 */
static inline u64 itg_user_of(u64 rt, u64 ut, u64 st, u64 life_ut,
			      u64 life_st)
{
	if (!ut && !st) {
		ut = life_ut;
		st = life_st;
	}
	if (!st)
		return rt;
	return mul_u64_u64_div_u64(rt, ut, ut + st);
}

/*
 * Did @tid take one of the signals @sent remembers (ITG_OWED_SLOTS) within
 * ITG_HANDLER_EXPIRATIONS of @exp, the expirations counted now?  Then, if
 * it blocks the signal with none pending, it most likely runs the handler
 * of that one, and takes a signal sent now as it returns from it.
 */
static inline bool itg_sent_recently(const struct itg_sent *sent, u32 exp,
				     pid_t tid)
{
	unsigned int i;

	for (i = 0; i < ITG_OWED_SLOTS; i++)
		if (sent[i].tid == tid &&
		    exp - sent[i].exp <= ITG_HANDLER_EXPIRATIONS)
			return true;
	return false;
}

/* cputime.c */
int itg_cpu_init(void);
void itg_cpu_exit(void);
int itg_cpu_start(struct itg_group *grp, u64 caller_rt);
u64 itg_cpu_runtime_current(void);
void itg_cpu_stop(struct itg_group *grp);
void itg_cpu_read(struct itg_group *grp, struct itg_cpu_clock *clk,
		  struct itg_cpu_pick *pick);
void itg_cpu_rebase_virt(struct itg_group *grp);
unsigned int itg_cpu_parallelism(struct itg_group *grp);
void itg_cpu_resync_current(void);
bool itg_cpu_probe_registered(void);

void itg_group_get(struct itg_group *grp);
void itg_group_put(struct itg_group *grp);

/* timerfd.c */
struct file *itg_timer_fd_file(struct itg_timer *t, u32 flags);

/* limits.c */
struct itg_user *itg_user_current(void);
bool itg_user_may_add_group(struct itg_user *u);
bool itg_user_take_timer(struct itg_user *u);
void itg_user_count_group(struct itg_user *u, int delta);
void itg_user_count_timer(struct itg_user *u, int delta);
void itg_user_put(struct itg_user *u);
void itg_users_exit(void);

/* sysfs.c */
extern const struct attribute_group *itg_sysfs_groups[];
void itg_sysfs_exit(void);

/* timer.c */
extern unsigned long itg_min_period_ns;
extern struct kmem_cache *itg_timer_cache;	/* group.c */
struct itg_timer *itg_group_timer(struct itg_group *grp, int which);
void itg_timer_stop(struct itg_timer *t);
int itg_timer_set(struct itg_timer *t, const struct itg_timer_set *req,
		  pid_t thread, struct itg_timer_set *old);
int itg_timer_set_rcu(struct itg_group *grp, const struct itg_timer_set *req,
		      struct itg_timer_set *old);
bool itg_group_cpu_armed(struct itg_group *grp);
void itg_group_timer_get(struct itg_group *grp, int which,
			 struct itg_timer_get *out, u64 *overruns);
bool itg_timer_armed(struct itg_timer *t);
void itg_cpu_kick(struct itg_group *grp);
u64 itg_timer_fd_take(struct itg_timer *t, bool *gone);
void itg_timer_fd_untake(struct itg_timer *t, u64 ticks);
void itg_timer_resume(struct itg_timer *t);
bool itg_timer_fd_gone(struct itg_timer *t);

#endif /* _ITG_H */
