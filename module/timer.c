// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: the three timers on hrtimers, and signal delivery.
 *
 * A timer keeps its own grid of expiry times (next, next + interval, ...)
 * on its clock (CLOCK_MONOTONIC for ITIMER_REAL, the group's CPU-time
 * clocks of cputime.c for the other two) and counts expirations on it, so
 * periodic timers never drift.  The
 * hrtimer callback counts the expirations that passed, then either adds
 * them to the si_overrun of our signal if it is still queued at its target
 * thread (in place, as send_sigqueue() does for POSIX timers: at most one
 * signal per timer is pending), or queues a new signal carrying them.
 *
 * The callback re-arms itself for the next grid time (for a CPU-time
 * timer, for when its clock could reach it), but never sooner than
 * min_period_ns after the current callback: a tiny interval cannot flood
 * the CPU, and the expirations in between are still counted, as overruns.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "itg.h"

#define ITG_MIN_PERIOD_LOW	(10 * NSEC_PER_USEC)

/*
 * Not _HARD: the callbacks take spinlock_t locks and send signals, which
 * PREEMPT_RT allows in softirq context only, where it then expires them
 * (design.rst).  make check-debug KERNEL=6.12-rt BROKEN=rt marks them hard
 * to prove that the RT debug lane catches it.
 */
#ifdef ITG_BROKEN_RT
#define ITG_HRTIMER_MODE	HRTIMER_MODE_ABS_HARD
#else
#define ITG_HRTIMER_MODE	HRTIMER_MODE_ABS
#endif

unsigned long itg_min_period_ns = 100 * NSEC_PER_USEC;

static int itg_min_period_set(const char *val, const struct kernel_param *kp)
{
	unsigned long v;
	int ret;

	ret = kstrtoul(val, 0, &v);
	if (ret)
		return ret;
	if (v < ITG_MIN_PERIOD_LOW || v > NSEC_PER_SEC)
		return -EINVAL;
	WRITE_ONCE(itg_min_period_ns, v);
	return 0;
}

static const struct kernel_param_ops itg_min_period_ops = {
	.set = itg_min_period_set,
	.get = param_get_ulong,
};

module_param_cb(min_period_ns, &itg_min_period_ops, &itg_min_period_ns, 0644);
MODULE_PARM_DESC(min_period_ns,
		 "Shortest time between two callbacks of one timer, in ns (10000..1000000000, default 100000); shorter intervals are counted as overruns");

static const int itg_default_signo[ITG_NR_TIMERS] = {
	[ITG_TIMER_REAL] = SIGALRM,
	[ITG_TIMER_VIRTUAL] = SIGVTALRM,
	[ITG_TIMER_PROF] = SIGPROF,
};

enum itg_sig_state {
	ITG_SIG_NONE,		/* nothing of @signo pending */
	ITG_SIG_OURS,		/* our signal is still queued */
	ITG_SIG_OTHER,		/* a legacy @signo that is not ours: ours would be dropped */
};

static u32 itg_sat_add(u32 a, u64 b)
{
	return min_t(u64, (u64)a + b, INT_MAX);
}

/*
 * @a + @b ns for a time @a >= 0, saturated at KTIME_MAX, as every sum of
 * times here must be: a user may pass KTIME_MAX as a value and an interval,
 * and a sum that wrapped negative would make a callback re-arm itself in
 * the past forever, in hard-irq context.
 */
static ktime_t itg_time_add(ktime_t a, u64 b)
{
	return b >= (u64)(KTIME_MAX - a) ? KTIME_MAX : a + (ktime_t)b;
}

static int itg_si_tid(const struct itg_timer *t)
{
	return ITG_SI_TIMERID_BASE +
	       (int)((t->grp->id * ITG_NR_TIMERS + t->which) &
		     (ITG_SI_TIMERID_BASE - 1));
}

/*
 * What of @t's signal is pending in @tsk's private queue.  If our signal is
 * still queued, @add more expirations are added to its si_overrun and its
 * si_value is brought up to date.
 */
static enum itg_sig_state itg_sig_pending(struct itg_timer *t,
					  struct task_struct *tsk, u64 add)
{
	enum itg_sig_state state = ITG_SIG_NONE;
	struct sighand_struct *sighand;
	int tid = itg_si_tid(t);
	struct sigqueue *q;
	unsigned long flags;

	/* __lock_task_sighand() is not exported: its loop.  Caller has RCU. */
	for (;;) {
		sighand = rcu_dereference(tsk->sighand);
		if (!sighand)
			return ITG_SIG_NONE;
		spin_lock_irqsave(&sighand->siglock, flags);
		if (likely(sighand == rcu_access_pointer(tsk->sighand)))
			break;
		spin_unlock_irqrestore(&sighand->siglock, flags);
	}
	list_for_each_entry(q, &tsk->pending.list, list) {
		if (q->info.si_signo == t->signo &&
		    q->info.si_code == SI_TIMER && q->info.si_tid == tid) {
			q->info.si_overrun = itg_sat_add(q->info.si_overrun, add);
			/* A re-armed timer's cookie is the one to report. */
			q->info.si_ptr = (void __user *)(uintptr_t)t->cookie;
			state = ITG_SIG_OURS;
			break;
		}
	}
	if (state == ITG_SIG_NONE && t->signo < SIGRTMIN &&
	    sigismember(&tsk->pending.signal, t->signo))
		state = ITG_SIG_OTHER;
	spin_unlock_irqrestore(&sighand->siglock, flags);
	return state;
}

/* Would @tsk take a signal for @t, as a member of a shared group? */
static bool itg_member_wants(struct itg_timer *t, struct task_struct *leader,
			     struct task_struct *tsk)
{
	return same_thread_group(tsk, leader) &&
	       !(tsk->flags & PF_EXITING) &&
	       !sigismember(&tsk->blocked, t->signo) &&
	       !itg_task_is_private(t->grp->proc, tsk);
}

static struct task_struct *itg_find_tid(pid_t tid)
{
	return pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID);
}

/*
 * The member thread to signal, chosen the way the kernel completes a
 * process-directed signal: the current thread if it is a member that does
 * not block the signal, else the last one signalled, else the first member
 * that does not block it, else the last one signalled or the first member
 * (the signal waits there).  The walk only happens when the first two do
 * not qualify.  Caller holds RCU.
 */
static struct task_struct *itg_pick_target(struct itg_timer *t)
{
	struct itg_proc *proc = t->grp->proc;
	struct task_struct *leader, *tsk, *any = NULL;

	if (t->grp->key)
		return rcu_dereference(t->grp->task);
	leader = pid_task(proc->tgid, PIDTYPE_TGID);
	if (!leader)
		return NULL;
	if (itg_member_wants(t, leader, current))
		return current;
	if (t->target) {
		tsk = itg_find_tid(t->target);
		if (tsk && itg_member_wants(t, leader, tsk))
			return tsk;
	}
	for_each_thread(leader, tsk) {
		if ((tsk->flags & PF_EXITING) || itg_task_is_private(proc, tsk))
			continue;
		if (!sigismember(&tsk->blocked, t->signo))
			return tsk;
		if (!any || tsk->pid == t->target)
			any = tsk;
	}
	/*
	 * Every member blocks it: wait at the last one signalled (most often
	 * it is running the handler of that signal and takes the next one as
	 * it returns, as the kernel's shared queue would), else at the first.
	 */
	return any;
}

/*
 * If our last signal was consumed, its overrun count becomes the one that
 * ITG_IOC_GET_TIMER reports.  Caller holds grp->lock and RCU.
 */
static bool itg_timer_still_queued(struct itg_timer *t, u64 add)
{
	struct task_struct *tsk;

	if (!t->queued)
		return false;
	tsk = itg_find_tid(t->target);
	if (tsk && itg_sig_pending(t, tsk, add) == ITG_SIG_OURS) {
		t->queued_overrun = itg_sat_add(t->queued_overrun, add);
		if (add) {
			t->overruns += add;
			atomic64_add(add, &itg_stats.overruns);
			atomic64_inc(&itg_stats.coalesced);
		}
		return true;
	}
	t->overrun_last = t->queued_overrun;
	t->queued = false;
	return false;
}

/*
 * Report @n new expirations of @t, to thread @prefer (global tid) if it is
 * a member that can take the signal.  Caller holds grp->lock.
 */
static void itg_timer_notify(struct itg_timer *t, u64 n, pid_t prefer)
{
	struct task_struct *tsk = NULL, *leader;
	struct kernel_siginfo info;
	u32 overrun;

	rcu_read_lock();
	if (itg_timer_still_queued(t, n))
		goto out;
	if (prefer && !t->grp->key) {
		/*
		 * To the runner even if it blocks the signal now, as to a
		 * SIGEV_THREAD_ID thread: it takes it when it unblocks.
		 */
		tsk = itg_find_tid(prefer);
		leader = pid_task(t->grp->proc->tgid, PIDTYPE_TGID);
		if (tsk && (!leader || !same_thread_group(tsk, leader) ||
			    (tsk->flags & PF_EXITING) ||
			    itg_task_is_private(t->grp->proc, tsk)))
			tsk = NULL;
	}
	if (!tsk)
		tsk = itg_pick_target(t);
	if (!tsk || itg_sig_pending(t, tsk, 0) != ITG_SIG_NONE)
		goto carry;
	overrun = itg_sat_add(t->carry, n - 1);
	clear_siginfo(&info);
	info.si_signo = t->signo;
	info.si_code = SI_TIMER;
	info.si_tid = itg_si_tid(t);
	info.si_overrun = overrun;
	info.si_ptr = (void __user *)(uintptr_t)t->cookie;
	if (send_sig_info(t->signo, &info, tsk))
		goto carry;
	t->carry = 0;
	t->queued = true;
	t->queued_overrun = overrun;
	t->target = task_pid_nr(tsk);
	t->overruns += overrun;
	atomic64_inc(&itg_stats.signals);
	atomic64_add(overrun, &itg_stats.overruns);
	goto out;
carry:
	/* No signal now: the next one carries these expirations. */
	t->carry = itg_sat_add(t->carry, n);
	atomic64_inc(&itg_stats.coalesced);
out:
	rcu_read_unlock();
}

/* Armed or not, counted in sysfs.  Caller holds grp->lock. */
static void itg_timer_set_armed(struct itg_timer *t, bool armed)
{
	if (t->armed == armed)
		return;
	t->armed = armed;
	atomic_long_add(armed ? 1 : -1, &itg_stats.armed[t->which]);
	itg_user_count_timer(t->grp->proc->user, armed ? 1 : -1);
}

/* Count the expirations up to @now and move the grid past it. */
static u64 itg_timer_advance(struct itg_timer *t, ktime_t now)
{
	u64 delta = ktime_sub(now, t->next), n = 1;

	if (!t->interval) {
		itg_timer_set_armed(t, false);
	} else {
		if (delta >= t->interval)
			n += div64_u64(delta, t->interval);
		/* At most delta + interval: no u64 overflow. */
		t->next = itg_time_add(t->next, n * t->interval);
	}
	t->expirations += n;
	atomic64_add(n, &itg_stats.expirations);
	return n;
}

/* Wall time after which @t's CPU clock could have reached its expiry. */
static u64 itg_cpu_wait(struct itg_timer *t, u64 clock)
{
	u64 left = t->next > clock ? t->next - clock : 0;

	return max_t(u64, div_u64(left, itg_cpu_parallelism(t->grp)),
		     READ_ONCE(itg_min_period_ns));
}

static u64 itg_cpu_clock_of(struct itg_timer *t, struct itg_cpu_clock *clk)
{
	itg_cpu_read(t->grp, clk);
	return t->which == ITG_TIMER_PROF ? clk->prof : clk->virt;
}

/*
 * ITIMER_VIRTUAL and ITIMER_PROF: the hrtimer wakes up when the members,
 * all running, could have used the time left; the clock says whether they
 * did.  If not, it sleeps again for what is left, so it converges on the
 * expiry without a tick's delay.
 */
static enum hrtimer_restart itg_cpu_timer_fn(struct itg_timer *t, ktime_t now)
{
	struct itg_cpu_clock clk;
	u64 clock;

	clock = itg_cpu_clock_of(t, &clk);
	if (clock >= t->next)
		itg_timer_notify(t, itg_timer_advance(t, clock),
				 t->to_runner ? clk.runner : 0);
	if (!t->armed) {
		itg_group_cpu_idle(t->grp);
		return HRTIMER_NORESTART;
	}
	hrtimer_set_expires(&t->hrt, itg_time_add(now, itg_cpu_wait(t, clock)));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart itg_timer_fn(struct hrtimer *hrt)
{
	struct itg_timer *t = container_of(hrt, struct itg_timer, hrt);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	struct itg_group *grp = t->grp;
	unsigned long flags;
	ktime_t now, floor;

	spin_lock_irqsave(&grp->lock, flags);
	if (!t->armed || test_bit(ITG_GROUP_DEAD, &grp->flags))
		goto out;
	now = hrtimer_cb_get_time(hrt);
	if (t->which != ITG_TIMER_REAL) {
		ret = itg_cpu_timer_fn(t, now);
		goto out;
	}
	if (now >= t->next)
		itg_timer_notify(t, itg_timer_advance(t, now), 0);
	if (t->armed) {
		floor = itg_time_add(now, READ_ONCE(itg_min_period_ns));
		hrtimer_set_expires(hrt, max(t->next, floor));
		ret = HRTIMER_RESTART;
	}
out:
	spin_unlock_irqrestore(&grp->lock, flags);
	return ret;
}

/*
 * @grp's timer @which, allocated by the first set, so that a group costs
 * memory for the timers it uses only.  Caller holds proc->lock.
 */
struct itg_timer *itg_group_timer(struct itg_group *grp, int which)
{
	struct itg_timer *t = grp->timers[which];

	lockdep_assert_held(&grp->proc->lock);
	if (t)
		return t;
	t = kmem_cache_zalloc(itg_timer_cache, GFP_KERNEL);
	if (!t)
		return NULL;
	hrtimer_init(&t->hrt, CLOCK_MONOTONIC, ITG_HRTIMER_MODE);
	t->hrt.function = itg_timer_fn;
	t->grp = grp;
	t->which = which;
	t->signo = itg_default_signo[which];
	/* Initialised before it is seen: itg_group_timer_get() reads it locklessly. */
	smp_store_release(&grp->timers[which], t);
	return t;
}

/*
 * Time to the next expiry on the timer's clock (@now: that clock's time),
 * as getitimer reports it: never 0 while armed.
 */
static u64 itg_timer_remaining(struct itg_timer *t, ktime_t now)
{
	ktime_t rem;

	if (!t->armed)
		return 0;
	rem = ktime_sub(t->next, now);
	return rem > 0 ? rem : NSEC_PER_USEC;
}

/* The current time of @t's clock: CLOCK_MONOTONIC or its group's CPU time. */
static ktime_t itg_timer_now(struct itg_timer *t)
{
	struct itg_cpu_clock clk;

	if (t->which == ITG_TIMER_REAL)
		return ktime_get();
	if (!t->grp->cpu_tracking)
		return 0;
	return itg_cpu_clock_of(t, &clk);
}

/* Is a CPU-time timer of @grp armed?  Caller holds proc->lock. */
bool itg_group_cpu_armed(struct itg_group *grp)
{
	return itg_timer_armed(grp->timers[ITG_TIMER_VIRTUAL]) ||
	       itg_timer_armed(grp->timers[ITG_TIMER_PROF]);
}

/*
 * Only the owning process, under proc->lock, starts a timer; once
 * hrtimer_cancel() returns, no callback runs until we start it again.
 */
void itg_timer_stop(struct itg_timer *t)
{
	hrtimer_cancel(&t->hrt);
	spin_lock_irq(&t->grp->lock);
	itg_timer_set_armed(t, false);
	spin_unlock_irq(&t->grp->lock);
}

int itg_timer_set(struct itg_timer *t, const struct itg_timer_set *req,
		  struct itg_timer_set *old)
{
	struct itg_group *grp = t->grp;
	bool cpu = t->which != ITG_TIMER_REAL;
	ktime_t now, first;
	int started = 0;

	lockdep_assert_held(&grp->proc->lock);
	/* Only this call arms timers (proc->lock): the check holds. */
	if (req->value_ns && !t->armed && !itg_user_may_arm(grp->proc->user))
		return -EAGAIN;
	/* CPU-time clocks run from the first arm: start them before. */
	if (cpu && req->value_ns) {
		started = itg_cpu_start(grp, itg_cpu_runtime_current());
		if (started < 0)
			return started;
	}
	hrtimer_cancel(&t->hrt);
	spin_lock_irq(&grp->lock);
	/* Clocks started by this call count from its beginning: from 0. */
	now = started ? 0 : itg_timer_now(t);
	old->old_value_ns = itg_timer_remaining(t, now);
	old->old_interval_ns = t->armed ? t->interval : 0;
	t->signo = req->signo ? req->signo : itg_default_signo[t->which];
	t->cookie = req->cookie;
	t->interval = req->interval_ns;
	t->to_runner = req->flags & ITG_SET_TO_RUNNER;
	itg_timer_set_armed(t, req->value_ns != 0);
	if (t->armed) {
		/* The counts of the last arming stay readable until now. */
		t->expirations = 0;
		t->overruns = 0;
		t->carry = 0;
		t->overrun_last = 0;
		t->next = itg_time_add(now, req->value_ns);
		first = cpu ? itg_time_add(ktime_get(), itg_cpu_wait(t, now)) :
			      t->next;
		hrtimer_start(&t->hrt, first, ITG_HRTIMER_MODE);
	}
	spin_unlock_irq(&grp->lock);
	if (cpu && !itg_group_cpu_armed(grp))
		itg_cpu_stop(grp);
	return 0;
}

/*
 * A timer never set reads as disarmed, with its default signal.  Under
 * proc->lock or RCU (itg_group_of_current_rcu()): the values are read
 * under the group's lock, which every change of them holds.
 */
void itg_group_timer_get(struct itg_group *grp, int which,
			 struct itg_timer_get *out, u64 *overruns)
{
	struct itg_timer *t;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held() &&
			 !lockdep_is_held(&grp->proc->lock),
			 "a timer read without RCU or proc->lock");
	/* Pairs with the release in itg_group_timer(): an initialised timer. */
	t = smp_load_acquire(&grp->timers[which]);
	if (!t) {
		out->value_ns = 0;
		out->interval_ns = 0;
		out->signo = itg_default_signo[which];
		out->cookie = 0;
		out->expirations = 0;
		out->overrun = 0;
		if (overruns)
			*overruns = 0;
		return;
	}
	spin_lock_irq(&grp->lock);
	out->value_ns = itg_timer_remaining(t, itg_timer_now(t));
	out->interval_ns = t->armed ? t->interval : 0;
	out->signo = t->signo;
	out->cookie = t->cookie;
	out->expirations = t->expirations;
	rcu_read_lock();
	itg_timer_still_queued(t, 0);
	rcu_read_unlock();
	out->overrun = t->overrun_last;
	if (overruns)
		*overruns = t->overruns;
	spin_unlock_irq(&grp->lock);
}

bool itg_timer_armed(struct itg_timer *t)
{
	return t && READ_ONCE(t->armed);
}
