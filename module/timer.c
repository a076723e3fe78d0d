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
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/signal_types.h>
#include <linux/slab.h>
#include <asm/irq_regs.h>

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

/* Set the unsigned long parameter @kp to @val if it is in [@lo, @hi]. */
static int itg_param_set_range(const char *val, const struct kernel_param *kp,
			       unsigned long lo, unsigned long hi)
{
	unsigned long v;
	int ret;

	ret = kstrtoul(val, 0, &v);
	if (ret)
		return ret;
	if (v < lo || v > hi)
		return -EINVAL;
	WRITE_ONCE(*(unsigned long *)kp->arg, v);
	return 0;
}

static int itg_min_period_set(const char *val, const struct kernel_param *kp)
{
	return itg_param_set_range(val, kp, ITG_MIN_PERIOD_LOW, NSEC_PER_SEC);
}

static const struct kernel_param_ops itg_min_period_ops = {
	.set = itg_min_period_set,
	.get = param_get_ulong,
};

module_param_cb(min_period_ns, &itg_min_period_ops, &itg_min_period_ns, 0644);
MODULE_PARM_DESC(min_period_ns,
		 "Shortest time between two callbacks of one timer, in ns (10000..1000000000, default 100000); shorter intervals are counted as overruns");

/*
 * Fault injection, for the selftests: each callback of a CPU-time timer
 * that waits for its next expiry is programmed this much later, as an
 * interrupt held up by the hardware or a vCPU the host did not run would
 * make it.  Root only; 0 (off) unless a test sets it.
 */
static unsigned long itg_inject_late_ns;

static int itg_inject_late_set(const char *val, const struct kernel_param *kp)
{
	return itg_param_set_range(val, kp, 0, NSEC_PER_SEC);
}

static const struct kernel_param_ops itg_inject_late_ops = {
	.set = itg_inject_late_set,
	.get = param_get_ulong,
};

module_param_cb(inject_late_ns, &itg_inject_late_ops, &itg_inject_late_ns,
		0600);
MODULE_PARM_DESC(inject_late_ns,
		 "Fault injection for tests: CPU-time timer callbacks run this many ns late (0..1000000000, default 0: off)");

static const int itg_default_signo[ITG_NR_TIMERS] = {
	[ITG_TIMER_REAL] = SIGALRM,
	[ITG_TIMER_VIRTUAL] = SIGVTALRM,
	[ITG_TIMER_PROF] = SIGPROF,
};

/*
 * What of @signo a thread has pending, as far as a bounded look tells.  The
 * callbacks run in hard-irq context, and a user can fill a thread's pending
 * list up to RLIMIT_SIGPENDING: no more than ITG_PENDING_SCAN entries are
 * looked at.
 */
enum itg_sig_state {
	ITG_SIG_FREE,		/* ours is not there; a signal can be queued */
	ITG_SIG_OURS,		/* our signal is still queued */
	ITG_SIG_OTHER,		/* ours is not there, a legacy @signo is */
	ITG_SIG_UNKNOWN,	/* @signo pending beyond what we look at */
	ITG_SIG_IGNORED,	/* ours would be dropped: ignored */
};

/* What one attempt to signal an expiry did, for the next callback's time. */
enum itg_notify {
	ITG_NOTIFY_SENT,	/* a new signal, or nothing to send */
	ITG_NOTIFY_STALLED,	/* the last signal stays or none can go */
	ITG_NOTIFY_LATER,	/* the bounded target search goes on */
};

/* Entries of a pending list looked at, threads of a process per callback. */
#define ITG_PENDING_SCAN	32
#define ITG_PICK_SCAN		16
/* Longest back-off of a timer whose signal nobody takes. */
#define ITG_STALL_MAX_NS	NSEC_PER_SEC
/*
 * Expirations of a drawn timer waiting for a member to take a signal
 * each: at most so many; the callbacks that look for it come
 * min_period_ns apart, twice as far after each one that could send none
 * (up to 512 times min_period_ns, but never later than the timer's own
 * pace); a member on a CPU that blocks the signal (beyond a handler's
 * time) keeps what it is owed for so many callbacks; any member, for so
 * long since it was owed them or last took one.
 */
#define ITG_BACKLOG_MAX		32
#define ITG_BACKLOG_TRIES	9
#define ITG_BLOCKED_TRIES	5
#define ITG_OWED_WAIT_NS	(100 * NSEC_PER_MSEC)

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
 * Would @tsk drop @sig at once, as sig_ignored() finds (not exported)?
 * A signal that is blocked is never ignored: the handler may change by the
 * time it is unblocked.  Caller holds the siglock of @sighand, @tsk's.
 */
static bool itg_sig_ignored(struct task_struct *tsk,
			    struct sighand_struct *sighand, int sig)
{
	__sighandler_t handler = sighand->action[sig - 1].sa.sa_handler;

	if (sigismember(&tsk->blocked, sig) || tsk->ptrace)
		return false;
	return handler == SIG_IGN ||
	       (handler == SIG_DFL && sig < SIGRTMIN && sig_kernel_ignore(sig));
}

/*
 * What of @t's signal is pending in @tsk's private queue.  If our signal is
 * still queued and @add > 0, @add more expirations go into its si_overrun
 * and its si_value becomes the current cookie (a re-armed timer's); a look
 * alone changes nothing.
 */
static enum itg_sig_state itg_sig_pending(struct itg_timer *t,
					  struct task_struct *tsk, u64 add)
{
	enum itg_sig_state state = ITG_SIG_FREE;
	struct sighand_struct *sighand;
	int tid = itg_si_tid(t), seen = 0;
	struct sigqueue *q;
	unsigned long flags;

	/* __lock_task_sighand() is not exported: its loop.  Caller has RCU. */
	for (;;) {
		sighand = rcu_dereference(tsk->sighand);
		if (!sighand)
			return ITG_SIG_FREE;
		spin_lock_irqsave(&sighand->siglock, flags);
		if (likely(sighand == rcu_access_pointer(tsk->sighand)))
			break;
		spin_unlock_irqrestore(&sighand->siglock, flags);
	}
	if (!sigismember(&tsk->pending.signal, t->signo)) {
		if (itg_sig_ignored(tsk, sighand, t->signo))
			state = ITG_SIG_IGNORED;
		goto unlock;
	}
	state = ITG_SIG_UNKNOWN;
	list_for_each_entry(q, &tsk->pending.list, list) {
		if (++seen > ITG_PENDING_SCAN)
			goto unlock;
		/*
		 * Not a POSIX timer's (preallocated: ours never are), whose
		 * id may reach ours after 2^30 timer_create()s.
		 */
		if (q->info.si_signo == t->signo &&
		    q->info.si_code == SI_TIMER && q->info.si_tid == tid &&
		    !(q->flags & SIGQUEUE_PREALLOC)) {
			if (add) {
				q->info.si_overrun =
					itg_sat_add(q->info.si_overrun, add);
				q->info.si_ptr =
					(void __user *)(uintptr_t)t->cookie;
			}
			state = ITG_SIG_OURS;
			goto unlock;
		}
	}
	/* The whole list, ours not in it: a realtime signal queues beside. */
	state = t->signo < SIGRTMIN ? ITG_SIG_OTHER : ITG_SIG_FREE;
unlock:
	spin_unlock_irqrestore(&sighand->siglock, flags);
	return state;
}

static struct task_struct *itg_find_tid(pid_t tid)
{
	return tid ? pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID) :
		     NULL;
}

/*
 * Thread @tid (global) if it is a live member of @t's group: a tid is
 * recycled, and what once was our target may now be a thread of another
 * process.  Caller holds RCU.
 */
static struct task_struct *itg_member(struct itg_timer *t, pid_t tid)
{
	struct task_struct *tsk = itg_find_tid(tid);
	struct itg_group *grp = t->grp;

	if (!tsk || (tsk->flags & PF_EXITING))
		return NULL;
	if (grp->key)
		return tsk == rcu_dereference(grp->task) ? tsk : NULL;
	if (task_tgid(tsk) != grp->proc->tgid ||
	    itg_task_is_private(grp->proc, tsk))
		return NULL;
	return tsk;
}

/* Is @tsk, a member or NULL, one that takes @t's signal now? */
static bool itg_takes(struct itg_timer *t, struct task_struct *tsk)
{
	return tsk && !sigismember(&tsk->blocked, t->signo);
}

/*
 * The member thread to signal, chosen the way the kernel completes a
 * process-directed signal: @prefer (the running member drawn) or the
 * current thread if it is a member that does not block the signal, else the
 * last one signalled, else the first member that does not block it, else
 * (every member blocks it) the last one signalled or the leader: the signal
 * waits there.  The search for a member that does not block it looks at no
 * more than ITG_PICK_SCAN threads per call and goes on where it stopped at
 * the next one (*@later set, NULL returned).  Caller holds RCU.
 */
static struct task_struct *itg_pick_target(struct itg_timer *t, pid_t prefer,
					   bool *later)
{
	struct itg_proc *proc = t->grp->proc;
	struct task_struct *leader, *tsk;
	unsigned int i, nr;

	if (t->grp->key) {
		tsk = rcu_dereference(t->grp->task);
		return tsk && !(tsk->flags & PF_EXITING) ? tsk : NULL;
	}
	leader = pid_task(proc->tgid, PIDTYPE_TGID);
	if (!leader)
		return NULL;
	tsk = itg_member(t, prefer);
	if (itg_takes(t, tsk))
		return tsk;
	if (same_thread_group(current, leader) &&
	    itg_takes(t, itg_member(t, task_pid_nr(current))))
		return current;
	tsk = itg_member(t, t->target);
	if (itg_takes(t, tsk))
		return tsk;

	/*
	 * A search found that every member blocks it, and no signal has gone
	 * since: the signal waits, no new search (it would repeat at each
	 * callback while the signal cannot be queued).
	 */
	if (t->all_block)
		goto wait;
	nr = get_nr_threads(leader);
	tsk = itg_find_tid(t->cursor);
	if (!tsk || !same_thread_group(tsk, leader))
		tsk = leader;
	for (i = 0; i < ITG_PICK_SCAN && t->scanned < nr; i++, t->scanned++) {
		if (itg_takes(t, itg_member(t, task_pid_nr(tsk)))) {
			t->scanned = 0;
			t->cursor = task_pid_nr(next_thread(tsk));
			return tsk;
		}
		tsk = next_thread(tsk);
	}
	t->cursor = task_pid_nr(tsk);
	if (t->scanned < nr) {
		*later = true;
		return NULL;
	}
	t->scanned = 0;
	t->all_block = true;
wait:
	/*
	 * Every member blocks it: wait at the last one signalled (most often
	 * it is running the handler of that signal and takes the next one as
	 * it returns, as the kernel's shared queue would), else at the leader.
	 */
	return itg_member(t, t->target) ?: itg_member(t, task_pid_nr(leader));
}

/*
 * Where our last signal is.  If it is still queued, @add expirations are
 * folded into it; if it was consumed, its overrun count becomes the one
 * that ITG_IOC_GET_TIMER reports.  Caller holds grp->lock and RCU.
 */
static enum itg_sig_state itg_timer_queued(struct itg_timer *t, u64 add)
{
	enum itg_sig_state state = ITG_SIG_FREE;
	struct task_struct *tsk;

	if (!t->queued)
		return ITG_SIG_FREE;
	tsk = itg_member(t, t->target);
	if (tsk)
		state = itg_sig_pending(t, tsk, add);
	switch (state) {
	case ITG_SIG_OURS:
		t->queued_overrun = itg_sat_add(t->queued_overrun, add);
		t->overruns += add;
		atomic64_add(add, &itg_stats.overruns);
		break;
	case ITG_SIG_UNKNOWN:
		break;		/* it may be there: the next look tells */
	default:
		t->overrun_last = t->queued_overrun;
		t->queued = false;
	}
	return state;
}

/*
 * May the thread that armed @t still signal @tsk, as kill() would let it
 * (kill_ok_by_cred())?  Not if @tsk's process gained privileges since:
 * the exec of a setuid program ends the process's state (group.c), and
 * this closes the window until it is gone.  Caller holds RCU.
 */
static bool itg_may_signal(struct itg_timer *t, struct task_struct *tsk)
{
	const struct cred *tcred = __task_cred(tsk);

	return uid_eq(t->arm_euid, tcred->suid) ||
	       uid_eq(t->arm_euid, tcred->uid) ||
	       uid_eq(t->arm_uid, tcred->suid) ||
	       uid_eq(t->arm_uid, tcred->uid) || t->arm_cap_kill;
}

/*
 * Forget the members signalled more than ITG_HANDLER_EXPIRATIONS ago, at
 * each callback: the low bits of the count kept for them would wrap, and
 * one signalled long ago could look recent again.
 */
static void itg_sent_age(struct itg_timer *t)
{
	u32 exp = (u32)t->expirations;
	unsigned int i;

	for (i = 0; i < ITG_OWED_SLOTS; i++)
		if (exp - t->sent[i].exp > ITG_HANDLER_EXPIRATIONS)
			t->sent[i].tid = 0;
}

/* Remember that @tid got a signal now, in place of the oldest such. */
static void itg_timer_sent(struct itg_timer *t, pid_t tid)
{
	u32 exp = (u32)t->expirations;
	struct itg_sent *slot = &t->sent[0];
	unsigned int i;

	for (i = 0; i < ITG_OWED_SLOTS; i++) {
		if (t->sent[i].tid == tid) {
			slot = &t->sent[i];
			break;
		}
		if (exp - t->sent[i].exp > exp - slot->exp)
			slot = &t->sent[i];
	}
	slot->tid = tid;
	slot->exp = exp;
}

/*
 * Queue a signal of @t at @tsk, carrying @n new expirations and those
 * carried from before (at least one in all).  The thread takes the signal
 * and has none of @t's pending (itg_sig_pending() found it FREE).  False
 * if it could not be queued.  Caller holds grp->lock and RCU.
 */
static bool itg_timer_send(struct itg_timer *t, struct task_struct *tsk, u64 n)
{
	struct kernel_siginfo info;
	u32 overrun;

	overrun = n ? itg_sat_add(t->carry, n - 1) : t->carry - 1;
	clear_siginfo(&info);
	info.si_signo = t->signo;
	info.si_code = SI_TIMER;
	info.si_tid = itg_si_tid(t);
	info.si_overrun = overrun;
	info.si_ptr = (void __user *)(uintptr_t)t->cookie;
	if (send_sig_info(t->signo, &info, tsk))
		return false;
	t->carry = 0;
	itg_timer_sent(t, task_pid_nr(tsk));
	t->all_block = false;
	t->queued = true;
	t->queued_overrun = overrun;
	t->target = task_pid_nr(tsk);
	t->overruns += overrun;
	atomic64_inc(&itg_stats.signals);
	atomic64_add(overrun, &itg_stats.overruns);
	return true;
}

/*
 * May @tsk, a member that @pick (this callback's draw) found on a CPU (or
 * preempted by the callback), blocking @t's signal after it took a recent
 * one (in its handler, most likely), be sent one carrying @n expirations
 * now, to be taken as it returns?  Only if it still looks so, for one
 * expiry alone, and not while it blocks every classic signal: a thread
 * that ends does that first (glibc; musl leaves its own three realtime
 * ones), and what is queued then is lost with it (a handler that blocks
 * them all waits, owed, for its return).
 */
static bool itg_in_handler(struct itg_timer *t, struct task_struct *tsk,
			   u64 n, const struct itg_cpu_pick *pick)
{
	unsigned long all = (1UL << (SIGRTMIN - 1)) - 1;

	all &= ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
	if (n != 1 || t->carry || !pick || !pick->sent ||
	    !itg_sent_recently(pick->sent, pick->exp, task_pid_nr(tsk)))
		return false;
	return (READ_ONCE(tsk->blocked.sig[0]) & all) != all;
}

/*
 * A CPU-time expiry of a shared group: a signal to @runner, the member
 * drawn among those on a CPU (cputime.c), when it is not the thread where
 * our previous signal waits: that signal keeps what it carries, and the
 * profiler sees one more sample where folding would have hidden one.  The
 * expirations stay exact: each is in exactly one signal.  False if the
 * usual way must be taken.  With @pick (the draw found @runner on a CPU),
 * also to one in the handler of a recent signal (itg_in_handler()).
 * Caller holds grp->lock and RCU.
 */
static bool itg_timer_to_runner(struct itg_timer *t, u64 n, pid_t runner,
				const struct itg_cpu_pick *pick)
{
	struct task_struct *tsk;

	if (!runner || (!n && !t->carry))
		return false;
	tsk = itg_member(t, runner);
	if (!tsk || !itg_may_signal(t, tsk))
		return false;
	if (!itg_takes(t, tsk) && !itg_in_handler(t, tsk, n, pick))
		return false;

	/*
	 * Where the previous one is: looked at, never changed (not at
	 * @runner if it took it since).
	 */
	if (itg_timer_queued(t, 0) == ITG_SIG_UNKNOWN ||
	    itg_sig_pending(t, tsk, 0) != ITG_SIG_FREE)
		return false;
	if (t->queued) {
		/* It stays pending there with its count; no longer ours. */
		t->overrun_last = t->queued_overrun;
		t->queued = false;
	}
	return itg_timer_send(t, tsk, n);
}

/*
 * Report @n new expirations of @t (and those carried from before).  A
 * CPU-time timer of a shared group gives @runner, the member drawn among
 * those on a CPU; else 0.  Caller holds grp->lock.
 */
static enum itg_notify itg_timer_notify(struct itg_timer *t, u64 n,
					pid_t runner)
{
	enum itg_notify ret = ITG_NOTIFY_STALLED;
	struct task_struct *tsk;
	bool later = false;

	/*
	 * ITG_SET_NO_SIGNAL: counted (itg_timer_advance()), nothing to send.
	 * The pace goes on while a descriptor has something new to report,
	 * and backs off while nobody reads, as for a signal nobody takes.
	 */
	if (t->nosignal) {
		t->carry = 0;
		return n && t->fd_ticks == n ? ITG_NOTIFY_SENT :
					       ITG_NOTIFY_STALLED;
	}
	rcu_read_lock();
	if (itg_timer_to_runner(t, n, runner, NULL)) {
		ret = ITG_NOTIFY_SENT;
		goto out;
	}
	switch (itg_timer_queued(t, n)) {
	case ITG_SIG_OURS:
		/* At most one signal per timer is pending: folded in it. */
		goto out;
	case ITG_SIG_UNKNOWN:
		goto carry;
	default:
		break;
	}
	if (!n && !t->carry) {
		ret = ITG_NOTIFY_SENT;
		goto out;
	}
	/* ITG_SET_THREAD: that thread while it is a member, blocking or not. */
	tsk = itg_member(t, t->thread);
	if (!tsk)
		tsk = itg_pick_target(t, runner, &later);
	if (!tsk) {
		if (later)
			ret = ITG_NOTIFY_LATER;
		goto carry;
	}
	if (!itg_may_signal(t, tsk)) {
		/* Dropped, as the process's state is about to be. */
		n = 0;
		t->carry = 0;
		goto out;
	}
	/*
	 * Not while another instance would swallow ours, nor while the signal
	 * is ignored: the kernel would drop it, and the timer would never
	 * stall (its callbacks would keep their pace for nothing).  The
	 * expirations are carried to the first signal that can be taken.
	 */
	if (itg_sig_pending(t, tsk, 0) != ITG_SIG_FREE ||
	    !itg_timer_send(t, tsk, n))
		goto carry;
	ret = ITG_NOTIFY_SENT;
	goto out;
carry:
	/* No signal now: the next one carries these expirations. */
	t->carry = itg_sat_add(t->carry, n);
out:
	if (n && ret != ITG_NOTIFY_SENT)
		atomic64_inc(&itg_stats.coalesced);
	rcu_read_unlock();
	/* A descriptor had news: the pace goes on for its readers. */
	if (ret == ITG_NOTIFY_STALLED && n && t->fd_ticks == n)
		ret = ITG_NOTIFY_SENT;
	return ret;
}

/*
 * The shortest time to the next callback after one that did @res: the
 * rate floor, four times longer for each callback in a row whose signal
 * nobody took, up to ITG_STALL_MAX_NS (8 callbacks in the first 0.55 s of
 * a stall at the default floor, then one a second).  The kernel re-arms its own timers only when
 * their signal is dequeued; a module cannot see a dequeue, so a timer
 * whose signal stays pending backs off instead.  Caller holds grp->lock.
 */
static u64 itg_timer_floor(struct itg_timer *t, enum itg_notify res)
{
	u64 floor = READ_ONCE(itg_min_period_ns);

	/* The target search goes on soon; the back-off stays as it was. */
	if (res == ITG_NOTIFY_LATER)
		return floor;
	if (res == ITG_NOTIFY_SENT) {
		t->backoff = 0;
		return floor;
	}
	if (t->backoff < 16)
		t->backoff++;
	if (floor >= ITG_STALL_MAX_NS >> (2 * t->backoff))
		return ITG_STALL_MAX_NS;
	return floor << (2 * t->backoff);
}

/*
 * Armed or not, counted in sysfs.  Arming: the caller took the timer from
 * its user's allowance (itg_user_take_timer()).  Caller holds grp->lock.
 */
static void itg_timer_set_armed(struct itg_timer *t, bool armed)
{
	if (t->armed == armed)
		return;
	WRITE_ONCE(t->armed, armed);
	atomic_long_add(armed ? 1 : -1, &itg_stats.armed[t->which]);
	if (!armed)
		itg_user_count_timer(t->grp->proc->user, -1);
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
	/* Counted for the descriptors too; the first one wakes them. */
	if (t->nr_fds) {
		t->fd_ticks += n;
		if (t->fd_ticks == n)
			wake_up_poll(&t->wqh, EPOLLIN);
	}
	return n;
}

/* Wall time after which @t's CPU clock could have reached its expiry. */
static u64 itg_cpu_wait(struct itg_timer *t, u64 clock)
{
	u64 left = t->next > clock ? t->next - clock : 0;

	return div_u64(left, itg_cpu_parallelism(t->grp));
}

static u64 itg_cpu_clock_of(struct itg_timer *t, struct itg_cpu_clock *clk,
			    struct itg_cpu_pick *pick)
{
	itg_cpu_read(t->grp, clk, pick);
	return t->which == ITG_TIMER_PROF ? clk->prof : clk->virt;
}

/*
 * Program @t's next callback for @when.  The callbacks re-arm with
 * hrtimer_start() and return HRTIMER_NORESTART, never with
 * hrtimer_set_expires(): the scheduler probe may start a parked timer at
 * any moment (itg_cpu_kick()), and two hrtimer_start()s are safe together
 * where a set_expires() on a queued timer is not.
 */
static void itg_timer_program(struct itg_timer *t, ktime_t when)
{
	hrtimer_start(&t->hrt, when, ITG_HRTIMER_MODE);
}

/*
 * No member of @t's group runs: its CPU clock stands still, so the timer
 * waits, without callbacks, for a member to be switched in; the probe then
 * starts it @wait ns later.  False if a member was switched in meanwhile
 * (its probe may have missed the mark): the caller programs it itself.
 * Caller holds grp->lock.
 */
static bool itg_cpu_park(struct itg_timer *t, u64 wait)
{
	struct itg_group *grp = t->grp;
	struct itg_cpu_clock clk;

	WRITE_ONCE(t->park_wait, wait);
	smp_mb__before_atomic();	/* park_wait before the bit */
	set_bit(t->which, &grp->cpu_parked);
	smp_mb__after_atomic();		/* the bit before the slots: itg_cpu_kick() */
	itg_cpu_read(grp, &clk, NULL);
	return !clk.running || !test_and_clear_bit(t->which, &grp->cpu_parked);
}

/*
 * A member of @grp was just switched in (scheduler probe, or an IPI), after
 * a full barrier that orders its slot before this read.  Start the timers
 * that were parked.  Any context; the group is alive (RCU), and a timer
 * started here after its group died is cancelled before it is freed.
 */
void itg_cpu_kick(struct itg_group *grp)
{
	struct itg_timer *t;
	int which;

	for (which = ITG_TIMER_VIRTUAL; which <= ITG_TIMER_PROF; which++) {
		if (!(READ_ONCE(grp->cpu_parked) & BIT(which)) ||
		    !test_and_clear_bit(which, &grp->cpu_parked))
			continue;
		t = READ_ONCE(grp->timers[which]);
		if (t)
			itg_timer_program(t, itg_time_add(ktime_get(),
							  READ_ONCE(t->park_wait)));
	}
}

/* @t owes nothing any more (its backlog went elsewhere, or is dropped). */
static void itg_timer_forgive(struct itg_timer *t)
{
	memset(t->owed, 0, sizeof(t->owed));
	t->backlog = 0;
	t->backlog_tries = 0;
}

/*
 * Was @t's callback due to find one expiry at most, with @running members
 * on a CPU?  Yes while callbacks, backed off or not (itg_timer_floor()),
 * come at least once per interval of the clock at that speed: finding
 * more means it ran late.  An interval below min_period_ns (per member
 * running) is counted in overruns by design, and so are the expirations
 * of a long back-off (the last signal stays: they are folded into it on
 * purpose).  Caller holds grp->lock.
 */
static bool itg_cpu_on_time(struct itg_timer *t, unsigned int running)
{
	u64 floor = READ_ONCE(itg_min_period_ns);

	return floor * max(running, 1U) <= t->interval >> (2 * t->backoff);
}

static bool itg_tid_in(const pid_t *tids, unsigned int nr, pid_t tid)
{
	while (nr--)
		if (tids[nr] == tid)
			return true;
	return false;
}

/*
 * May what is owed in @o, to a member of @t's group not among those on a
 * CPU that may take a signal, wait for it: off a CPU (a hint), or on one
 * blocking the signal for less than ITG_BLOCKED_TRIES callbacks?  Caller
 * has RCU.
 */
static bool itg_owed_waits(struct itg_timer *t, struct itg_owed *o)
{
	struct task_struct *tsk = itg_member(t, o->tid);

	if (!tsk)
		return false;
	return !READ_ONCE(tsk->on_cpu) || ++o->blocked < ITG_BLOCKED_TRIES;
}

/* Does @t owe member @tid some expirations?  Caller holds grp->lock. */
static bool itg_owes(const struct itg_timer *t, pid_t tid)
{
	unsigned int i;

	for (i = 0; i < ITG_OWED_SLOTS; i++)
		if (t->owed[i].n && t->owed[i].tid == tid)
			return true;
	return false;
}

/*
 * Owe @k more expirations of @t to member @tid, up to ITG_BACKLOG_MAX in
 * all and ITG_OWED_SLOTS members; what does not fit is returned.  Caller
 * holds grp->lock.
 */
static u64 itg_owe(struct itg_timer *t, pid_t tid, u64 k, ktime_t now)
{
	struct itg_owed *slot = NULL;
	unsigned int i;
	u64 fit;

	BUILD_BUG_ON(ITG_BACKLOG_MAX > U16_MAX);
	for (i = 0; i < ITG_OWED_SLOTS; i++) {
		if (t->owed[i].n && t->owed[i].tid == tid) {
			slot = &t->owed[i];
			break;
		}
		if (!t->owed[i].n && !slot)
			slot = &t->owed[i];
	}
	if (!slot)
		return k;
	fit = min_t(u64, k, ITG_BACKLOG_MAX - t->backlog);
	if (!slot->n) {
		slot->since = now;
		slot->blocked = 0;
	}
	slot->tid = tid;
	slot->n += fit;
	t->backlog += fit;
	return k - fit;
}

/* Members that may have used the CPU time of a callback's expirations. */
struct itg_window {
	unsigned int nr;
	pid_t tid[ITG_OWED_SLOTS * 2];
	u64 used[ITG_OWED_SLOTS * 2];	/* ns since the last callback */
	u16 on_free;			/* on a CPU and takes a signal now */
	u64 total;
};

static u32 itg_timer_rnd(struct itg_timer *t)
{
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 17;
	t->rnd ^= t->rnd << 5;
	return t->rnd;
}

/* Add @ns of member @tid to @w (a new one while there is room). */
static void itg_window_add(struct itg_window *w, pid_t tid, u64 ns,
			   bool free)
{
	unsigned int i;

	for (i = 0; i < w->nr && w->tid[i] != tid; i++)
		;
	if (i == ARRAY_SIZE(w->tid))
		return;
	if (i == w->nr)
		w->tid[w->nr++] = tid;
	if (free)
		w->on_free |= BIT(i);
	w->used[i] += ns;
	w->total += ns;
}

/* Did the last callback find member @tid on a CPU?  Its times then. */
static const struct itg_ran *itg_ran_of(const struct itg_timer *t, pid_t tid)
{
	unsigned int i;

	for (i = 0; i < ITG_OWED_SLOTS; i++)
		if (t->ran[i].tid == tid)
			return &t->ran[i];
	return NULL;
}

/*
 * Of a slice of @ns, @part of it (all of it, or its user part for
 * VIRTUAL): as much as falls in the window's @span, the slice's last ns.
 */
static u64 itg_in_span(u64 ns, u64 part, u64 span)
{
	if (ns <= span)
		return part;
	return mul_u64_u64_div_u64(part, span, ns);
}

/*
 * The user part of @used ns that member @r used since the last callback,
 * whose utime and stime are @ut and @st now: what it added to the VIRTUAL
 * clock, as itg_cpu_read() estimates it.
 */
static u64 itg_ran_user(const struct itg_ran *r, u64 used, u64 ut, u64 st)
{
	return itg_user_of(used, ut > r->ut ? ut - r->ut : 0,
			   st > r->st ? st - r->st : 0, ut, st);
}

/*
 * The CPU time each member that may take @t's signal used since the last
 * callback, the window in which the expirations found now fell (if
 * @weigh: it found some): those that callback found on a CPU, exactly
 * (their runtime now against then); those on a CPU now that it did not,
 * their slice so far; and the slices of members it did not find that
 * ended since (grp->left, up to @pick->left_end: read before the slots).
 * For ITIMER_VIRTUAL the user part of each, the time it added to the
 * clock (itg_user_part()): a member in system calls adds little.
 * None counts more than the window's length (a slice that began before
 * it, of a member that callback did not list).  Then those on a CPU now
 * are remembered for the next callback.  Only while @pick lists every
 * member on a CPU (at most ITG_OWED_SLOTS) and no slice that ended was
 * overwritten unread: else @w is empty, and the first expiry goes to the
 * member drawn uniformly among those on a CPU (@pick->on_tid).  Caller
 * holds grp->lock and RCU.
 */
static void itg_cpu_window(struct itg_timer *t,
			   const struct itg_cpu_pick *pick, struct itg_window *w,
			   ktime_t now, bool weigh)
{
	u64 rt, span = now > t->window_at ? ktime_sub(now, t->window_at) : 0;
	bool all, virt = t->which == ITG_TIMER_VIRTUAL;
	u32 seq, end = pick->left_end;
	struct itg_group *grp = t->grp;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(pick->on) != ITG_OWED_SLOTS);
	BUILD_BUG_ON(BITS_PER_TYPE(pick->on_free_mask) < ITG_OWED_SLOTS);
	BUILD_BUG_ON(BITS_PER_TYPE(w->on_free) < ARRAY_SIZE(w->tid));
	memset(w, 0, sizeof(*w));
	/* Lapped: slices that ended in the window are lost. */
	all = weigh && pick->offered_on == pick->nr_on &&
	      end - t->left_seq <= ITG_LEFT_SLOTS;
	for (i = 0; all && i < pick->nr_on; i++) {
		const struct itg_ran *r = itg_ran_of(t, pick->on[i]);
		u64 used;

		/* Listed twice: it moved to a CPU read later. */
		if (itg_tid_in(pick->on, i, pick->on[i]))
			continue;
		if (r) {
			used = pick->on_rt[i] > r->rt ? pick->on_rt[i] - r->rt : 0;
			if (virt)
				used = itg_ran_user(r, min(used, span),
						    pick->on_ut[i],
						    pick->on_st[i]);
		} else {
			used = itg_in_span(pick->on_slice[i],
					   virt ? pick->on_user[i] :
					   pick->on_slice[i], span);
		}
		itg_window_add(w, pick->on[i], min(used, span),
			       pick->on_free_mask & BIT(i));
	}
	for (i = 0; all && i < ITG_OWED_SLOTS; i++) {
		pid_t tid = t->ran[i].tid;
		struct task_struct *tsk;

		if (!tid || itg_tid_in(pick->on, pick->nr_on, tid))
			continue;
		tsk = itg_member(t, tid);
		if (!itg_takes(t, tsk))
			continue;
		/* Off a CPU: its runtime since its last slice ended. */
		rt = READ_ONCE(tsk->se.sum_exec_runtime);
		if (rt <= t->ran[i].rt)
			continue;
		rt = min(rt - t->ran[i].rt, span);
		if (virt)
			rt = itg_ran_user(&t->ran[i], rt, READ_ONCE(tsk->utime),
					  READ_ONCE(tsk->stime));
		itg_window_add(w, tid, rt, false);
	}
	for (seq = t->left_seq + 1; all && seq != end + 1; seq++) {
		const struct itg_left *l = &grp->left[seq % ITG_LEFT_SLOTS];
		pid_t tid;
		u64 ns, user;

		/* 0: being written (the probe never numbers a slice 0). */
		if (!seq || READ_ONCE(l->seq) != seq)
			continue;
		smp_rmb();	/* the number before the fields */
		tid = READ_ONCE(l->tid);
		ns = READ_ONCE(l->ns);
		user = READ_ONCE(l->user);
		smp_rmb();	/* the fields before the second look */
		if (READ_ONCE(l->seq) != seq || itg_ran_of(t, tid) ||
		    (!itg_tid_in(pick->on, pick->nr_on, tid) &&
		     !itg_takes(t, itg_member(t, tid))))
			continue;
		itg_window_add(w, tid, itg_in_span(ns, virt ? user : ns, span),
			       false);
	}
	t->left_seq = end;
	t->window_at = now;
	memset(t->ran, 0, sizeof(t->ran));
	for (i = 0; i < pick->nr_on; i++) {
		t->ran[i].tid = pick->on[i];
		t->ran[i].rt = pick->on_rt[i];
		t->ran[i].ut = pick->on_ut[i];
		t->ran[i].st = pick->on_st[i];
	}
}

/*
 * The member this callback interrupted in the kernel, when it runs late
 * (by more than min_period_ns, and than a tick where hrtimers are not
 * high resolution), else 0.  Its expirations were not found where that
 * member is now: a signal sent to it now is taken where its system call
 * returns, a sample of that call, not of the time it used.  What this
 * callback owes it goes at the next one (min_period_ns later), wherever
 * the member is then: a thread that lives in system calls is not held
 * back longer.
 * Under emulation late timer interrupts come in bunches as a vCPU
 * programs its timer: in the system calls that begin and end a sleep.
 * Caller is the callback: a hard interrupt (on PREEMPT_RT a thread, with
 * no interrupted registers: 0).
 */
static pid_t itg_cpu_away(struct itg_timer *t, ktime_t now)
{
	struct pt_regs *regs = get_irq_regs();

	if (!regs || user_mode(regs) ||
	    ktime_sub(now, hrtimer_get_expires(&t->hrt)) <=
	    (s64)max_t(u64, READ_ONCE(itg_min_period_ns), hrtimer_resolution))
		return 0;
	return task_pid_nr(current);
}

/* One of @w's members, drawn in proportion to its weight (the time used). */
static unsigned int itg_window_draw(struct itg_timer *t,
				    const struct itg_window *w)
{
	u64 r = mul_u64_u32_shr(w->total, itg_timer_rnd(t), 32);
	unsigned int i;

	for (i = 0; i + 1 < w->nr && r >= w->used[i]; i++)
		r -= w->used[i];
	return i;
}

/*
 * Deliver @n new expirations (maybe 0) of @t, a CPU-time timer of a shared
 * group, and what it owes: expirations owed a signal each, which a
 * profiler that ignores si_overrun (gperftools) would lose in a fold.
 *
 * The expirations a callback finds fell in the window since the last
 * one: each goes to a member drawn in proportion to the CPU time (VIRTUAL:
 * the user time) it used
 * there (itg_cpu_window(): those on a CPU then or now, and the slices of
 * others that began and ended in between), the clock being the sum of
 * that time, so that the draw is a fair sample of where the CPU time
 * went; the first one drawn, the others shared that way (the rest
 * drawn).  If the first is drawn to a member on a CPU that takes a
 * signal now, it goes there the usual way; else (off a CPU: its burst
 * ended; it has ours pending, or runs the handler of a recent one; or
 * this late callback interrupted it in the kernel, itg_cpu_away()) it is
 * owed to it, as the others are, rather than sent to another member or
 * folded.  With more members on a CPU than ITG_OWED_SLOTS (not all
 * listed), the first goes to one drawn uniformly among them
 * (itg_pick_offer()), the others shared evenly among those listed.
 *
 * A member owed some takes one signal at a time, when it is on a CPU with
 * none pending (also while it runs the handler of a recent one: it takes
 * the next as it returns), now and at the next callbacks, min_period_ns
 * apart while they send some; a new expiry drawn to it goes after them.
 * One off a CPU (preempted, or asleep: its burst ended) takes them when it
 * runs again: given to another member, they would move that member's
 * samples to one that ran on.  What was owed to a member gone, or on a
 * CPU blocking the signal beyond a handler's time for ITG_BLOCKED_TRIES
 * callbacks, goes the usual way (below), and so does what one member was
 * owed for ITG_OWED_WAIT_NS without taking any, and what is beyond
 * ITG_BACKLOG_MAX owed or ITG_OWED_SLOTS members (the runner's signal, a
 * fold, or a member that takes it).  Each expiry stays in exactly one
 * signal.  Caller holds grp->lock.
 */
static enum itg_notify itg_cpu_deliver(struct itg_timer *t,
				       struct itg_cpu_pick *pick,
				       const struct itg_cpu_clock *clk, u64 n,
				       ktime_t now)
{
	enum itg_notify res = ITG_NOTIFY_SENT;
	unsigned int i, nr = pick->nr_on, at;
	pid_t runner = clk->runner, away = itg_cpu_away(t, now);
	struct itg_window w;
	bool sent = false;
	u64 late, rest, left = 0;

	rcu_read_lock();
	itg_cpu_window(t, pick, &w, now, n);
	if (n && nr && itg_cpu_on_time(t, pick->offered_on) && w.total) {
		/*
		 * Each expiry to a member drawn in proportion to the time
		 * it used in the window, the late ones shared that way (the
		 * rest drawn): owed, unless it is the first and goes to a
		 * member on a CPU that takes it now and is owed none.
		 */
		late = n - 1;
		n = 1;
		at = itg_window_draw(t, &w);
		if ((w.on_free & BIT(at)) && !itg_owes(t, w.tid[at]) &&
		    w.tid[at] != away) {
			runner = w.tid[at];
		} else {
			left += itg_owe(t, w.tid[at], 1, now);
			n = 0;
		}
		rest = late;
		for (i = 0; i < w.nr && late; i++) {
			u64 q = min(mul_u64_u64_div_u64(late, w.used[i],
							w.total), rest);

			rest -= q;
			if (q)
				left += itg_owe(t, w.tid[i], q, now);
		}
		while (rest--)
			left += itg_owe(t, w.tid[itg_window_draw(t, &w)], 1,
					now);
	} else if (n && nr && itg_cpu_on_time(t, pick->offered_on)) {
		late = n - 1;
		n = 1;
		/*
		 * Owed only to one of those it can look at again; to one
		 * owed some already, after those (the first goes below, and
		 * the callbacks keep the backlog's pace).
		 */
		if (pick->on_free && !itg_owes(t, pick->on_tid) &&
		    pick->on_tid != away) {
			runner = pick->on_tid;
		} else if (itg_tid_in(pick->on, nr, pick->on_tid)) {
			left += itg_owe(t, pick->on_tid, 1, now);
			n = 0;
		}
		at = ((u64)itg_timer_rnd(t) * nr) >> 32;
		for (i = 0; i < nr && late; i++)
			left += itg_owe(t, pick->on[(at + i) % nr],
					div_u64(late + nr - 1 - i, nr), now);
	}
	for (i = 0; i < ITG_OWED_SLOTS; i++) {
		struct itg_owed *o = &t->owed[i];

		if (!o->n)
			continue;
		if (ktime_sub(now, o->since) > ITG_OWED_WAIT_NS) {
			/* Owed too long: a sample so late misleads. */
			left += o->n;
			t->backlog -= o->n;
			o->n = 0;
		} else if (!itg_tid_in(pick->on, nr, o->tid)) {
			/*
			 * Off a CPU, it takes them when it is back on one;
			 * on one blocking the signal, a handler held up
			 * (under emulation) may still end soon.
			 */
			if (itg_owed_waits(t, o))
				continue;
			/* Gone, or blocking the signal for longer. */
			left += o->n;
			t->backlog -= o->n;
			o->n = 0;
		} else if (o->tid == away && o->since == now) {
			/* Owed by this callback: the next one sends it. */
			continue;
		} else if (!(n && o->tid == runner) &&
			   itg_timer_to_runner(t, 1, o->tid, pick)) {
			o->n--;
			o->blocked = 0;
			o->since = now;
			t->backlog--;
			sent = true;
		}
	}
	/* Not on time, several new ones are spread the same way, now. */
	for (i = 0; i < pick->nr_run && n > 1; i++) {
		if (pick->run[i] != runner &&
		    itg_timer_to_runner(t, 1, pick->run[i], NULL)) {
			n--;
			sent = true;
		}
	}
	rcu_read_unlock();
	/* The pace of the callbacks while none of it goes. */
	if (sent || !t->backlog)
		t->backlog_tries = 0;
	else if (t->backlog_tries < ITG_BACKLOG_TRIES)
		t->backlog_tries++;
	n += left;
	if (n || t->carry)
		res = itg_timer_notify(t, n, runner);
	else if (t->backlog && !sent)
		res = ITG_NOTIFY_LATER;	/* the pace goes on, no back-off */
	/* A signal went: the pace goes on. */
	return sent && res == ITG_NOTIFY_STALLED ? ITG_NOTIFY_SENT : res;
}

/*
 * ITIMER_VIRTUAL and ITIMER_PROF: the hrtimer wakes up when the members,
 * all running, could have used the time left; the clock says whether they
 * did.  If not, it sleeps again for what is left, so it converges on the
 * expiry without a tick's delay.  While no member runs it parks.
 */
static void itg_cpu_timer_fn(struct itg_timer *t, ktime_t now)
{
	struct itg_cpu_pick pick = { .signo = t->signo, .rnd = &t->rnd };
	bool draw = !t->grp->key && !t->thread && !t->nosignal;
	struct itg_sent sent[ITG_OWED_SLOTS];
	enum itg_notify res = ITG_NOTIFY_SENT;
	struct itg_cpu_clock clk;
	u64 clock, wait, floor, n = 0;

	/*
	 * A shared group's signal goes to a member drawn among the running.
	 * Who took a recent signal, as the draw saw it: the sends of this
	 * callback do not change it.
	 */
	itg_sent_age(t);
	memcpy(sent, t->sent, sizeof(sent));
	pick.sent = sent;
	pick.exp = (u32)t->expirations;
	/* The slices that ended before the slots are read (the window). */
	pick.left_end = (u32)atomic_read(&t->grp->left_seq);
	/*
	 * Pairs with the full barrier of that number's increment: a slice
	 * numbered up to here left its slot before, and is not also counted
	 * on a CPU.
	 */
	smp_rmb();
	clock = itg_cpu_clock_of(t, &clk, draw ? &pick : NULL);
	if (t->armed && clock >= t->next)
		n = itg_timer_advance(t, clock);
	if (draw)
		res = itg_cpu_deliver(t, &pick, &clk, n, now);
	else if (n || t->carry)
		res = itg_timer_notify(t, n, 0);
	floor = itg_timer_floor(t, res);
	/* An expired one-shot's carry waits for a read (catch-up). */
	if (!t->armed) {
		itg_group_cpu_idle(t->grp);
		return;
	}
	wait = max(itg_cpu_wait(t, clock), floor) +
	       READ_ONCE(itg_inject_late_ns);
	/* A backlog goes out at its own pace (ITG_BACKLOG_TRIES). */
	if (t->backlog)
		wait = min(wait, floor << t->backlog_tries);
	if (!t->carry && !t->backlog && !clk.running && itg_cpu_park(t, wait))
		return;
	itg_timer_program(t, itg_time_add(now, wait));
}

static enum hrtimer_restart itg_timer_fn(struct hrtimer *hrt)
{
	struct itg_timer *t = container_of(hrt, struct itg_timer, hrt);
	enum itg_notify res = ITG_NOTIFY_SENT;
	struct itg_group *grp = t->grp;
	unsigned long flags;
	ktime_t now, floor;

	atomic64_inc(&itg_stats.callbacks);
	spin_lock_irqsave(&grp->lock, flags);
	/*
	 * Disarmed, the group dead, or the process's state revoked by a
	 * privileged exec: nothing more is sent.  A disarmed timer's carried
	 * expirations wait for a read: no callback runs for a timer that no
	 * longer counts against max_timers_per_user.
	 */
	if (!t->armed || test_bit(ITG_GROUP_DEAD, &grp->flags) ||
	    READ_ONCE(grp->proc->revoked))
		goto out;
	now = hrtimer_cb_get_time(hrt);
	if (t->which != ITG_TIMER_REAL) {
		itg_cpu_timer_fn(t, now);
		goto out;
	}
	if (t->armed && now >= t->next)
		res = itg_timer_notify(t, itg_timer_advance(t, now), 0);
	else if (t->carry)
		res = itg_timer_notify(t, 0, 0);
	floor = itg_time_add(now, itg_timer_floor(t, res));
	if (t->armed)
		itg_timer_program(t, max(t->next, floor));
out:
	spin_unlock_irqrestore(&grp->lock, flags);
	return HRTIMER_NORESTART;
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
	init_waitqueue_head(&t->wqh);
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
	return itg_cpu_clock_of(t, &clk, NULL);
}

/* Is a CPU-time timer of @grp armed?  Caller holds proc->lock. */
bool itg_group_cpu_armed(struct itg_group *grp)
{
	return itg_timer_armed(grp->timers[ITG_TIMER_VIRTUAL]) ||
	       itg_timer_armed(grp->timers[ITG_TIMER_PROF]);
}

/*
 * A stopped timer forgets what it had still to deliver and where its
 * search for a target was.  Caller holds grp->lock.
 */
static void itg_timer_reset(struct itg_timer *t)
{
	t->carry = 0;
	itg_timer_forgive(t);
	memset(t->sent, 0, sizeof(t->sent));
	memset(t->ran, 0, sizeof(t->ran));
	t->left_seq = (u32)atomic_read(&t->grp->left_seq);
	t->window_at = ktime_get();
	t->backoff = 0;
	t->cursor = 0;
	t->scanned = 0;
	t->all_block = false;
}

/*
 * Lock @t's group with its hrtimer neither queued nor running, as
 * do_setitimer() does: its callback takes grp->lock, so it is waited for
 * with the lock dropped.  Every start of a REAL hrtimer holds grp->lock; a
 * CPU-time one is also started by the scheduler probe, only while its
 * parked mark is set, which the callers clear first.
 */
static void itg_timer_lock_stopped(struct itg_timer *t)
	__acquires(&t->grp->lock)
{
	for (;;) {
		spin_lock_irq(&t->grp->lock);
		if (hrtimer_try_to_cancel(&t->hrt) >= 0)
			return;
		spin_unlock_irq(&t->grp->lock);
		hrtimer_cancel(&t->hrt);
	}
}

/*
 * Stop @t for good (its group is being torn down).  The scheduler probe
 * starts parked timers only: with the mark cleared first, a start racing
 * with this one can only come from a probe that took the mark before; the
 * group's free cancels the timer again after a grace period, when no probe
 * can be running any more (itg_group_free_work()).
 */
void itg_timer_stop(struct itg_timer *t)
{
	clear_bit(t->which, &t->grp->cpu_parked);
	itg_timer_lock_stopped(t);
	itg_timer_set_armed(t, false);
	itg_timer_reset(t);
	spin_unlock_irq(&t->grp->lock);
}

/*
 * The credentials of the thread that arms @t, for itg_may_signal().
 * CAP_KILL is looked up only when they changed since the last arm (the
 * timer holds a reference to those it last saw, so that the pointer
 * cannot name new ones).  Caller holds grp->lock.
 */
static void itg_timer_set_cred(struct itg_timer *t, const struct cred **put)
{
	const struct cred *cred = current_real_cred();

	t->arm_uid = current_uid();
	t->arm_euid = current_euid();
	/*
	 * As it was at the first arming with these credentials (a snapshot,
	 * as at each arming before: an LSM policy reload since is not seen).
	 */
	if (t->arm_cred == cred)
		return;
	*put = t->arm_cred;
	t->arm_cred = get_cred(cred);
	t->arm_cap_kill = has_capability_noaudit(current, CAP_KILL);
}

/*
 * Expirations of @t in no signal yet, at a disarm or re-arm, when its
 * last signal is no longer pending: into one of its signals still pending
 * at the calling thread (a member of the timer's group: it arms or
 * disarms its own group's timer; or the ITG_SET_THREAD one), an earlier
 * one that thread did not take yet (it blocks the signal, say); else one
 * new signal there, blocking it or not, if a handler catches the signal
 * there.  The default action (for the timer's signals: end the process)
 * would make of a disarm a kill, which the native timers never do; a
 * handler runs once more, as it may when the native signal was pending at
 * the disarm.  Else, or if the signal cannot be queued, they are dropped.
 * Caller holds grp->lock and RCU.
 */
static void itg_timer_flush(struct itg_timer *t)
{
	struct task_struct *tsk = itg_member(t, t->thread) ?:
				  itg_member(t, task_pid_nr(current));
	struct sighand_struct *sighand = tsk ? rcu_dereference(tsk->sighand) :
					       NULL;
	__sighandler_t handler;

	if (!sighand || !itg_may_signal(t, tsk))
		goto drop;
	switch (itg_sig_pending(t, tsk, t->carry)) {
	case ITG_SIG_OURS:
		/*
		 * Folded in it: an earlier one, or the one itg_timer_queued()
		 * follows if that found too long a list and it got shorter.
		 */
		if (t->queued && t->target == task_pid_nr(tsk))
			t->queued_overrun = itg_sat_add(t->queued_overrun,
							t->carry);
		t->overruns += t->carry;
		atomic64_add(t->carry, &itg_stats.overruns);
		t->carry = 0;
		return;
	case ITG_SIG_FREE:
		handler = READ_ONCE(sighand->action[t->signo - 1].sa.sa_handler);
		if (handler != SIG_DFL && handler != SIG_IGN &&
		    itg_timer_send(t, tsk, 0))
			return;
		break;
	default:
		break;
	}
drop:
	t->carry = 0;
}

/*
 * What both ways of arming do, with grp->lock held and @t's hrtimer
 * stopped: @now is the time of @t's clock (unused, and not read, when
 * disarming with ITG_SET_NO_OLD a timer that did not back off).  @taken:
 * the caller took one of the user's armed timers already (given back if
 * not used).
 */
static int itg_timer_apply(struct itg_timer *t, const struct itg_timer_set *req,
			   pid_t thread, ktime_t now, bool taken,
			   struct itg_timer_set *old, const struct cred **put)
{
	struct itg_user *user = t->grp->proc->user;
	bool cpu = t->which != ITG_TIMER_REAL;
	ktime_t first;

	lockdep_assert_held(&t->grp->lock);
	if (req->value_ns && !t->armed) {
		if (!taken && !itg_user_take_timer(user))
			return -EAGAIN;
	} else if (taken) {
		itg_user_count_timer(user, -1);
	}
	/*
	 * Expirations not in a signal yet (carried: every member had one
	 * pending; or a backlog) go into our pending signal, with the last
	 * arming's signal and cookie, which they belong to, else into a new
	 * one if one can go: signals and overruns add up to expirations.
	 */
	/*
	 * A periodic timer backed off (its callbacks are rare) counts what
	 * passed up to @now first, as a read does: a disarm or re-arm loses
	 * none of it (up to a second of the clock, else).  Carried, they go
	 * as below: into our pending signal, else to a handler only (a
	 * disarm never kills).  Not one that did not back off: what its
	 * next callback was due to find (below min_period_ns) goes with the
	 * old setting.
	 */
	if (now && t->armed && t->backoff && t->interval && now >= t->next)
		t->carry = itg_sat_add(t->carry, itg_timer_advance(t, now));
	t->carry = itg_sat_add(t->carry, t->backlog);
	itg_timer_forgive(t);
	if (t->carry && !t->nosignal) {
		rcu_read_lock();	/* itg_timer_queued() looks threads up */
		if (!t->queued ||
		    itg_timer_queued(t, t->carry) != ITG_SIG_OURS)
			itg_timer_flush(t);
		rcu_read_unlock();
	}
	if (!(req->flags & ITG_SET_NO_OLD)) {
		old->old_value_ns = itg_timer_remaining(t, now);
		old->old_interval_ns = t->armed ? t->interval : 0;
	}
	t->nosignal = req->flags & ITG_SET_NO_SIGNAL;
	t->signo = req->signo || t->nosignal ? req->signo :
					       itg_default_signo[t->which];
	t->cookie = req->cookie;
	/* As timerfd_settime(): the descriptors' count starts again. */
	t->fd_ticks = 0;
	/* A signal of an earlier arming keeps what it carries, alone. */
	if (t->nosignal)
		t->queued = false;
	t->interval = req->interval_ns;
	if (!t->rnd)
		t->rnd = get_random_u32() | 1;
	t->thread = thread;
	itg_timer_set_cred(t, put);
	itg_timer_set_armed(t, req->value_ns != 0);
	itg_timer_reset(t);
	if (t->armed) {
		/* The counts of the last arming stay readable until now. */
		t->expirations = 0;
		t->overruns = 0;
		t->overrun_last = 0;
		t->next = itg_time_add(now, req->value_ns);
		first = cpu ? itg_time_add(ktime_get(),
					   max_t(u64, itg_cpu_wait(t, now),
						 READ_ONCE(itg_min_period_ns))) :
			      t->next;
		itg_timer_program(t, first);
	}
	return 0;
}

/*
 * Arm or disarm a REAL timer that exists, without proc->lock: the caller
 * holds RCU, which keeps @grp and its timers; a group found dead under its
 * lock is left to the locked path, and so is a timer whose callback runs
 * now (it waits for grp->lock).  1: take the locked path.
 */
int itg_timer_set_rcu(struct itg_group *grp, const struct itg_timer_set *req,
		      struct itg_timer_set *old)
{
	const struct cred *put = NULL;
	struct itg_timer *t;
	int ret = 1;

	/* Pairs with the release in itg_group_timer(): an initialised timer. */
	t = smp_load_acquire(&grp->timers[req->which]);
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "itg_timer_set_rcu");
	if (!t || t->which != ITG_TIMER_REAL)
		return 1;
	spin_lock_irq(&grp->lock);
	if (!test_bit(ITG_GROUP_DEAD, &grp->flags) &&
	    hrtimer_try_to_cancel(&t->hrt) >= 0)
		ret = itg_timer_apply(t, req, 0, req->value_ns || t->backoff ||
				      !(req->flags & ITG_SET_NO_OLD) ?
				      ktime_get() : 0, false, old, &put);
	spin_unlock_irq(&grp->lock);
	if (put)
		put_cred(put);
	return ret;
}

int itg_timer_set(struct itg_timer *t, const struct itg_timer_set *req,
		  pid_t thread, struct itg_timer_set *old)
{
	struct itg_group *grp = t->grp;
	bool cpu = t->which != ITG_TIMER_REAL;
	const struct cred *put = NULL;
	int started = 0, ret;
	bool taken = false;
	ktime_t now;

	lockdep_assert_held(&grp->proc->lock);
	/*
	 * Before the clocks start: arming a disarmed timer takes one of the
	 * user's (itg_timer_apply() gives it back if the timer was armed
	 * meanwhile, by the lockless path or, if it expired meanwhile, takes
	 * one there).
	 */
	if (req->value_ns && !READ_ONCE(t->armed)) {
		if (!itg_user_take_timer(grp->proc->user))
			return -EAGAIN;
		taken = true;
	}
	/* CPU-time clocks run from the first arm: start them before. */
	if (cpu && req->value_ns) {
		started = itg_cpu_start(grp, itg_cpu_runtime_current());
		if (started < 0) {
			if (taken)
				itg_user_count_timer(grp->proc->user, -1);
			return started;
		}
	}
	/* Not parked: only this call starts it now (see itg_timer_stop()). */
	clear_bit(t->which, &grp->cpu_parked);
	itg_timer_lock_stopped(t);
	/*
	 * Tracking outlives the last CPU-time timer by a moment (an arm and
	 * disarm loop starts it once): a VIRTUAL timer armed while none is
	 * counts from the estimate of now.
	 */
	if (!started && t->which == ITG_TIMER_VIRTUAL && !t->armed &&
	    req->value_ns && grp->cpu_tracking)
		itg_cpu_rebase_virt(grp);
	/*
	 * Clocks started by this call count from its beginning: from 0.  A
	 * disarm that returns no old setting needs no time, unless the timer
	 * backed off and counts up to now.
	 */
	now = started || (!req->value_ns && (req->flags & ITG_SET_NO_OLD) &&
			  !t->backoff) ? 0 : itg_timer_now(t);
	ret = itg_timer_apply(t, req, thread, now, taken, old, &put);
	spin_unlock_irq(&grp->lock);
	if (put)
		put_cred(put);
	/*
	 * Tracking stops a little later if nothing is armed then: an
	 * arm/disarm loop does not start and stop it (with its IPIs) each
	 * time round.
	 */
	if (cpu && !itg_group_cpu_armed(grp))
		itg_group_cpu_idle(grp);
	return ret;
}

/*
 * A timer read while its signal stays pending: its callbacks are rare
 * (itg_timer_floor()), so count the expirations that passed, exactly, and
 * if its signal was taken meanwhile, send the next one and let the
 * callbacks resume their pace.  @now: the time of @t's clock.  Caller holds
 * grp->lock and RCU.
 */
static void itg_timer_catch_up(struct itg_timer *t, ktime_t now)
{
	enum itg_notify res = ITG_NOTIFY_STALLED;
	ktime_t floor;

	if (t->armed && now >= t->next)
		res = itg_timer_notify(t, itg_timer_advance(t, now), 0);
	else if (t->carry)
		res = itg_timer_notify(t, 0, 0);
	else
		switch (itg_timer_queued(t, 0)) {
		case ITG_SIG_FREE:
		case ITG_SIG_OTHER:
			res = ITG_NOTIFY_SENT;	/* it was taken */
			break;
		default:
			break;
		}
	/* An expired one-shot CPU-time timer: tracking may stop. */
	if (!t->armed && t->which != ITG_TIMER_REAL)
		itg_group_cpu_idle(t->grp);
	if (res == ITG_NOTIFY_STALLED)
		return;
	t->backoff = 0;
	if (!t->armed)
		return;
	clear_bit(t->which, &t->grp->cpu_parked);
	floor = itg_time_add(ktime_get(), READ_ONCE(itg_min_period_ns));
	itg_timer_program(t, t->which == ITG_TIMER_REAL ?
			  max(t->next, floor) : floor);
}

/* Is @t's group gone for good (its descriptors: EPOLLHUP)?  Any context. */
bool itg_timer_fd_gone(struct itg_timer *t)
{
	return test_bit(ITG_GROUP_DEAD, &t->grp->flags) ||
	       READ_ONCE(t->grp->proc->revoked);
}

/*
 * @t backed off (its signal stayed, or nobody read its count): callbacks
 * at the normal pace again, from now.  Caller holds grp->lock.
 */
void itg_timer_resume(struct itg_timer *t)
{
	ktime_t floor;

	lockdep_assert_held(&t->grp->lock);
	if (!t->backoff || !t->armed || itg_timer_fd_gone(t))
		return;
	t->backoff = 0;
	clear_bit(t->which, &t->grp->cpu_parked);
	floor = itg_time_add(ktime_get(), READ_ONCE(itg_min_period_ns));
	itg_timer_program(t, t->which == ITG_TIMER_REAL ?
			  max(t->next, floor) : floor);
}

/*
 * The expirations of @t that its descriptors have not read, counted up to
 * now (exactly, as a read of the timer counts them), and the count set to
 * 0; a timer that backed off while nobody read resumes its pace.  *@gone:
 * its group is gone, nothing more will come.  Task context.
 */
u64 itg_timer_fd_take(struct itg_timer *t, bool *gone)
{
	struct itg_group *grp = t->grp;
	ktime_t now;
	u64 ticks;

	spin_lock_irq(&grp->lock);
	*gone = itg_timer_fd_gone(t);
	now = !*gone && t->armed ? itg_timer_now(t) : 0;
	if (now && (t->backoff || now >= t->next)) {
		rcu_read_lock();	/* itg_timer_queued() looks threads up */
		itg_timer_catch_up(t, now);
		rcu_read_unlock();
	}
	ticks = t->fd_ticks;
	t->fd_ticks = 0;
	if (ticks)
		itg_timer_resume(t);
	spin_unlock_irq(&grp->lock);
	return ticks;
}

/* A read could not write @ticks taken by itg_timer_fd_take(): back. */
void itg_timer_fd_untake(struct itg_timer *t, u64 ticks)
{
	struct itg_group *grp = t->grp;
	bool was_zero;

	spin_lock_irq(&grp->lock);
	was_zero = !t->fd_ticks;
	t->fd_ticks += ticks;
	if (was_zero)
		wake_up_poll(&t->wqh, EPOLLIN);
	spin_unlock_irq(&grp->lock);
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
	ktime_t now;

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
	now = itg_timer_now(t);
	if (t->backoff && !test_bit(ITG_GROUP_DEAD, &grp->flags) &&
	    !READ_ONCE(grp->proc->revoked)) {
		rcu_read_lock();	/* itg_timer_queued() looks threads up */
		itg_timer_catch_up(t, now);
		rcu_read_unlock();
	}
	out->value_ns = itg_timer_remaining(t, now);
	out->interval_ns = t->armed ? t->interval : 0;
	out->signo = t->signo;
	out->cookie = t->cookie;
	out->expirations = t->expirations;
	rcu_read_lock();
	itg_timer_queued(t, 0);
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
