// SPDX-License-Identifier: GPL-2.0
/*
 * itimer_group: the CPU-time clocks of ITIMER_VIRTUAL and ITIMER_PROF.
 *
 * A group's PROF clock is the CPU time its member threads used since the
 * group started tracking (its first CPU-time timer was armed); its VIRTUAL
 * clock is the user part of that time.  They are kept with a probe on the
 * sched_switch tracepoint and one slot per CPU:
 *
 *   - at switch-in of a member of a tracking group, the CPU's slot records
 *     the thread, its group and its sum_exec_runtime, utime and stime;
 *   - at switch-out the slice (exact: the scheduler updated the runtime
 *     just before) goes into the group's accumulators and the slot clears.
 *
 * Reading a clock adds to the accumulators the slices running now on every
 * CPU, each brought up to date with sched_clock_cpu() the way the scheduler
 * itself computes a running task's runtime.  O(1) per context switch: one
 * slot and at most two hash lookups; no allocation, no lock but the slot's
 * seqcount (the probe runs under the runqueue lock with interrupts off).
 *
 * The probe is registered at module load and unregistered at unload, never
 * in between: registering patches __schedule() (text_poke_bp()), and QEMU's
 * emulation was seen to crash or hang a guest patching it while the other
 * CPU ran it, with no module loaded at all (scripts/tp-toggle-repro.sh).
 * While no group tracks, the probe returns after two reads.  Threads that
 * are already running when a group starts tracking are picked up by an IPI
 * to every CPU.
 *
 * The user/system split of a slice comes from the thread's tick-sampled
 * utime and stime over the slice (the only split the kernel keeps without
 * full dynticks accounting): a slice in which only user ticks landed is all
 * user time, exactly.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/seqlock.h>
#include <linux/smp.h>
#include <linux/tracepoint.h>

#include "itg.h"

/* What runs on one CPU, for its group's clocks. */
struct itg_cpu_slot {
	seqcount_t seq;			/* written only by its own CPU */
	struct task_struct *task;	/* NULL: nothing tracked */
	struct itg_group *grp;
	u64 rt;				/* task's runtime at slot start */
	u64 ut, st;			/* task's utime, stime at slot start */
	/*
	 * The member last switched out here, while preempted, and by what
	 * (compared, never dereferenced), a kernel thread or not: on
	 * PREEMPT_RT the timer callback is a thread that has just preempted
	 * it.
	 */
	struct itg_group *prev_grp;
	pid_t prev_tid;
	const struct task_struct *prev_by;
	bool prev_kthread;
};

static DEFINE_PER_CPU(struct itg_cpu_slot, itg_slots);

static struct tracepoint *itg_tp_switch;
static atomic_t itg_cpu_users;		/* groups that track CPU time */

/* Does the probe do anything: does some group track CPU time? */
bool itg_cpu_probe_registered(void)
{
	return atomic_read(&itg_cpu_users) > 0;
}

/* The tracking group @tsk counts for, if any.  Caller holds RCU. */
static struct itg_group *itg_cpu_group_of(struct task_struct *tsk)
{
	struct itg_group *grp;
	struct itg_proc *proc;

	if (tsk->flags & PF_KTHREAD)
		return NULL;
	grp = itg_private_group(tsk);
	if (!grp) {
		proc = itg_proc_lookup(task_tgid(tsk));
		if (!proc)
			return NULL;
		grp = READ_ONCE(proc->shared);
	}
	return grp && READ_ONCE(grp->cpu_tracking) ? grp : NULL;
}

/*
 * The user part of a slice of @rt ns of @tsk, in which its tick-sampled
 * utime and stime grew by @ut and @st (itg_user_of()).
 */
static u64 itg_user_part(struct task_struct *tsk, u64 rt, u64 ut, u64 st)
{
	return itg_user_of(rt, ut, st, READ_ONCE(tsk->utime),
			   READ_ONCE(tsk->stime));
}

/*
 * Runtime of @tsk now.  If it runs, its sum_exec_runtime lags by the time
 * since the scheduler last updated it (exec_start); add that as the
 * scheduler's task_sched_runtime() does.  Read without the runqueue lock:
 * exec_start is read before and after the sum, and a thread that left its
 * CPU meanwhile counts its sum alone, so the result never runs ahead.
 */
static u64 itg_task_runtime(struct task_struct *tsk)
{
	u64 sum, start, now;

	/* Without the slice when the task clock is not sched_clock_cpu(). */
	if (!ITG_RUNNING_SLICE || !READ_ONCE(tsk->on_cpu))
		return READ_ONCE(tsk->se.sum_exec_runtime);
	start = READ_ONCE(tsk->se.exec_start);
	smp_rmb();	/* update_curr() sets exec_start, then the sum */
	sum = READ_ONCE(tsk->se.sum_exec_runtime);
	now = sched_clock_cpu(task_cpu(tsk));
	smp_rmb();	/* the sum before the second look at exec_start */
	if (start != READ_ONCE(tsk->se.exec_start) || !READ_ONCE(tsk->on_cpu))
		return sum;
	return now > start ? sum + (now - start) : sum;
}

/*
 * Start tracking @tsk of @grp on this CPU; interrupts are off.  A timer of
 * the group that parked while no member ran starts now: the slot is
 * visible before the mark is read (the barrier pairs with the one in
 * itg_cpu_park(), so one of the two sees the other).
 */
static void itg_slot_start(struct itg_cpu_slot *slot, struct task_struct *tsk,
			   struct itg_group *grp, u64 rt)
{
	write_seqcount_begin(&slot->seq);
	slot->task = tsk;
	slot->grp = grp;
	slot->rt = rt;
	slot->ut = READ_ONCE(tsk->utime);
	slot->st = READ_ONCE(tsk->stime);
	write_seqcount_end(&slot->seq);
	smp_mb();	/* the slot before the flags: itg_cpu_stop(), _park() */
	/*
	 * The group stopped tracking meanwhile, and its stop may not have
	 * seen this slot (it reads the slots after the same kind of barrier):
	 * undo it, nothing was counted yet.
	 */
	if (!READ_ONCE(grp->cpu_tracking)) {
		write_seqcount_begin(&slot->seq);
		slot->task = NULL;
		slot->grp = NULL;
		write_seqcount_end(&slot->seq);
		return;
	}
	if (READ_ONCE(grp->cpu_parked))
		itg_cpu_kick(grp);
}

/*
 * Note a slice of @ns that member @tid of @grp, a shared group (the only
 * kind that draws), ended, in the next of the group's ITG_LEFT_SLOTS: a
 * callback that did not see it on a CPU counts it for the draw (timer.c).
 * The number goes last, 0 while the slot is written (and never 0 else): a
 * reader that finds it equal before and after the fields read them whole,
 * unless ITG_LEFT_SLOTS more slices ended meanwhile (a wrong weight for
 * one draw at worst).  Interrupts are off.
 */
static void itg_slot_left(struct itg_group *grp, pid_t tid, u64 ns,
			  u64 user)
{
	u32 seq = (u32)atomic_inc_return(&grp->left_seq);
	struct itg_left *l;

	if (!seq)
		seq = (u32)atomic_inc_return(&grp->left_seq);
	l = &grp->left[seq % ITG_LEFT_SLOTS];

	WRITE_ONCE(l->seq, 0);
	smp_wmb();	/* 0 before the fields */
	WRITE_ONCE(l->tid, tid);
	WRITE_ONCE(l->ns, ns);
	WRITE_ONCE(l->user, user);
	smp_wmb();	/* the fields before the number */
	WRITE_ONCE(l->seq, seq);
}

/*
 * Close this CPU's slot at runtime @rt of its task.  The slot clears before
 * the slice is added (write_seqcount_end orders them), and readers take the
 * accumulators before the slots, so no reader counts a slice twice.
 */
static void itg_slot_stop(struct itg_cpu_slot *slot, u64 rt,
			  const struct task_struct *by)
{
	struct task_struct *tsk = slot->task;
	struct itg_group *grp = slot->grp;
	u64 ut = slot->ut, st = slot->st, d, user;
	s64 virt, utime;

	write_seqcount_begin(&slot->seq);
	slot->task = NULL;
	slot->grp = NULL;
	slot->prev_grp = by ? grp : NULL;
	slot->prev_tid = task_pid_nr(tsk);
	WRITE_ONCE(slot->prev_by, by);
	slot->prev_kthread = by && (by->flags & PF_KTHREAD);
	write_seqcount_end(&slot->seq);

	d = rt > slot->rt ? rt - slot->rt : 0;
	user = itg_user_part(tsk, d, READ_ONCE(tsk->utime) - ut,
			     READ_ONCE(tsk->stime) - st);
	if (!grp->key)
		itg_slot_left(grp, task_pid_nr(tsk), d, user);
	atomic64_add(d, &grp->acc_prof);
	virt = atomic64_add_return(user, &grp->acc_virt);
	utime = atomic64_add_return(READ_ONCE(tsk->utime) - ut,
				    &grp->acc_utime);
	/*
	 * Finished slices count no more user time than the kernel ticked:
	 * estimates of slices shorter than a tick average out in utime, and
	 * an excess kept here would hold a running slice's estimate at the
	 * cap of itg_cpu_read_raw() (no sub-tick precision after a run of
	 * system-heavy slices).  A racing stop may clamp to a lower utime:
	 * late, never early.
	 */
	while (virt > utime &&
	       !atomic64_try_cmpxchg(&grp->acc_virt, &virt, utime))
		;
	WRITE_ONCE(grp->last_runner, task_pid_nr(tsk));
}

/* sched_switch: runqueue lock held, interrupts off. */
static void itg_probe_switch(void *data, bool preempt,
			     struct task_struct *prev, struct task_struct *next,
			     unsigned int prev_state)
{
	struct itg_cpu_slot *slot = this_cpu_ptr(&itg_slots);
	struct itg_group *grp;

	/*
	 * Still runnable: preempted in the kernel, or on its way back to
	 * user mode (schedule() with TASK_RUNNING: the tracepoint does not
	 * call that a preemption; on PREEMPT_RT the callback's thread takes
	 * the CPU from a member there), or (PREEMPT_RT) waiting for a
	 * spinlock_t, which sleeps there but is no sleep of the thread's own.
	 * It still runs, for the draw.
	 */
	if (slot->task == prev)
		itg_slot_stop(slot, READ_ONCE(prev->se.sum_exec_runtime),
			      preempt || prev_state == TASK_RUNNING ||
			      (prev_state & TASK_RTLOCK_WAIT) ? next : NULL);
	else if (slot->prev_by && !(next->flags & PF_KTHREAD))
		/* A user task runs here: the member is no longer next. */
		WRITE_ONCE(slot->prev_by, NULL);
	/*
	 * No group tracks: nothing to start.  A group that starts tracking
	 * after this read picks up what runs here with its IPI, which this
	 * CPU takes once it has interrupts on again.
	 */
	if (!atomic_read(&itg_cpu_users))
		return;
	rcu_read_lock();
	grp = itg_cpu_group_of(next);
	if (grp)
		itg_slot_start(slot, next, grp, READ_ONCE(next->se.sum_exec_runtime));
	rcu_read_unlock();
}

struct itg_cpu_start_arg {
	struct itg_group *grp;
	struct task_struct *caller;	/* the arming thread */
	u64 caller_rt;			/* its runtime when it began to arm */
};

/* IPI at tracking start: the current thread of this CPU may be a member. */
static void itg_cpu_ipi_start(void *info)
{
	struct itg_cpu_slot *slot = this_cpu_ptr(&itg_slots);
	struct itg_cpu_start_arg *arg = info;
	struct task_struct *tsk = current;

	if (slot->task == tsk)
		return;
	rcu_read_lock();
	if (itg_cpu_group_of(tsk) == arg->grp)
		itg_slot_start(slot, tsk, arg->grp,
			       tsk == arg->caller ? arg->caller_rt :
						    itg_task_runtime(tsk));
	rcu_read_unlock();
}

/* The calling thread's runtime now, exactly. */
u64 itg_cpu_runtime_current(void)
{
	u64 rt;

	preempt_disable();
	rt = itg_task_runtime(current);
	preempt_enable();
	return rt;
}

/* IPI at tracking stop: no slot may keep pointing at the group. */
static void itg_cpu_ipi_stop(void *info)
{
	struct itg_cpu_slot *slot = this_cpu_ptr(&itg_slots);

	if (slot->grp == info)
		itg_slot_stop(slot, itg_task_runtime(slot->task), NULL);
}

/*
 * The calling thread changed group: close its slot (the old group keeps
 * the time so far) and open one for the new group if that one tracks.
 */
void itg_cpu_resync_current(void)
{
	struct itg_cpu_slot *slot;
	struct itg_group *grp;
	unsigned long flags;

	if (!atomic_read(&itg_cpu_users))
		return;
	local_irq_save(flags);
	slot = this_cpu_ptr(&itg_slots);
	if (slot->task == current)
		itg_slot_stop(slot, itg_task_runtime(current), NULL);
	rcu_read_lock();
	grp = itg_cpu_group_of(current);
	if (grp)
		itg_slot_start(slot, current, grp, itg_task_runtime(current));
	rcu_read_unlock();
	local_irq_restore(flags);
}

/* Draw one of the @k offered so far, each kept at 1/k (reservoir). */
static bool itg_pick_draw(struct itg_cpu_pick *pick, unsigned int k)
{
	*pick->rnd ^= *pick->rnd << 13;
	*pick->rnd ^= *pick->rnd >> 17;
	*pick->rnd ^= *pick->rnd << 5;
	return !(((u64)*pick->rnd * k) >> 32);
}

/*
 * A member of @grp: a candidate for @pick's signal in @tier, ITG_PICK_RUN
 * (on a CPU) or ITG_PICK_WAIT (preempted, waiting for a CPU).  Those with
 * the signal pending already go one tier down.  Those on a CPU are also
 * drawn among themselves, pending or not, and with them those that block
 * the signal after they took a recent one (in its handler, most likely);
 * the first ones are listed with their runtime @rt now and @slice of it
 * since they got the CPU, for the expirations found late (timer.c).
 */
static void itg_pick_offer(struct itg_cpu_pick *pick, struct task_struct *tsk,
			   int tier, u64 rt, u64 slice, u64 user)
{
	int pending, blocked;

	if (!pick || (tsk->flags & PF_EXITING))
		return;
	/* A look without the siglock: a hint, the send checks again. */
	pending = sigismember(&tsk->pending.signal, pick->signo);
	blocked = sigismember(&tsk->blocked, pick->signo);
	if (blocked && (tier != ITG_PICK_RUN || !pick->sent ||
			!itg_sent_recently(pick->sent, pick->exp,
					   task_pid_nr(tsk))))
		return;
	if (tier == ITG_PICK_RUN) {
		if (pick->nr_on < ARRAY_SIZE(pick->on)) {
			pick->on[pick->nr_on] = task_pid_nr(tsk);
			pick->on_rt[pick->nr_on] = rt;
			pick->on_slice[pick->nr_on] = slice;
			pick->on_user[pick->nr_on] = user;
			pick->on_ut[pick->nr_on] = READ_ONCE(tsk->utime);
			pick->on_st[pick->nr_on] = READ_ONCE(tsk->stime);
			if (!blocked && !pending)
				pick->on_free_mask |= BIT(pick->nr_on);
			pick->nr_on++;
		}
		if (itg_pick_draw(pick, ++pick->offered_on)) {
			pick->on_tid = task_pid_nr(tsk);
			pick->on_free = !blocked && !pending;
		}
	}
	if (blocked)
		return;
	tier += pending;
	if (tier == ITG_PICK_RUN && pick->nr_run < ARRAY_SIZE(pick->run))
		pick->run[pick->nr_run++] = task_pid_nr(tsk);
	pick->offered[tier]++;
	if (itg_pick_draw(pick, pick->offered[tier]))
		pick->tid[tier] = task_pid_nr(tsk);
}

/*
 * The member last switched out of a CPU whose slot is empty: if it was
 * preempted (or waits for a spinlock_t of PREEMPT_RT) and still waits for
 * a CPU (or that lock), with only kernel threads run there since, a
 * candidate (ITG_PICK_WAIT: used when none runs), or even a running one,
 * on this CPU, when a kernel thread is reading (the callback of
 * PREEMPT_RT is a thread that has just preempted the member it
 * interrupts, or holds a lock it waits for).  Caller holds RCU.
 */
static void itg_pick_preempted(struct itg_group *grp,
			       struct itg_cpu_pick *pick,
			       struct itg_cpu_slot *slot)
{
	const struct task_struct *by;
	struct task_struct *tsk;
	struct itg_group *prev;
	unsigned int seq;
	bool kthread;
	pid_t tid;

	do {
		seq = read_seqcount_begin(&slot->seq);
		prev = slot->prev_grp;
		tid = slot->prev_tid;
		kthread = slot->prev_kthread;
	} while (read_seqcount_retry(&slot->seq, seq));
	by = READ_ONCE(slot->prev_by);
	if (prev != grp || !by)
		return;
	tsk = pid_task(find_pid_ns(tid, &init_pid_ns), PIDTYPE_PID);
	if (!tsk || READ_ONCE(tsk->on_cpu) ||
	    (!READ_ONCE(tsk->on_rq) &&
	     !(READ_ONCE(tsk->__state) & TASK_RTLOCK_WAIT)))
		return;
	/*
	 * Preempted here by a kernel thread, with only kernel threads run
	 * since, and one of them runs this callback (RT's timer thread,
	 * maybe after others that ran first): running.  Not when a user task
	 * took the CPU: waiting.
	 */
	if (slot == raw_cpu_ptr(&itg_slots) && kthread &&
	    task_cpu(tsk) == raw_smp_processor_id() &&
	    (current->flags & PF_KTHREAD))
		itg_pick_offer(pick, tsk, ITG_PICK_RUN,
			       READ_ONCE(tsk->se.sum_exec_runtime), 0, 0);
	else
		itg_pick_offer(pick, tsk, ITG_PICK_WAIT, 0, 0, 0);
}

/*
 * Read @grp's clocks into @clk: also how many members run now, and (with
 * @pick) the one the signal of an expiry found now goes to.  The VIRTUAL
 * clock as estimated now, which may be below an earlier read.  Any
 * context.
 *
 * The pick is a uniform draw among the members on a CPU that do not block
 * the signal (preferring those without the signal pending): the thread
 * running when the clock crossed the expiry, as the kernel's tick finds
 * it for a process-directed SIGPROF.  The clock grows at one ns per ns of
 * each running member, so a uniform draw among them gives each member
 * signals in proportion to the CPU time it used (design.rst).
 */
static void itg_cpu_read_raw(struct itg_group *grp, struct itg_cpu_clock *clk,
			     struct itg_cpu_pick *pick)
{
	int cpu;

	clk->prof = atomic64_read(&grp->acc_prof);
	clk->virt = atomic64_read(&grp->acc_virt);
	clk->utime = atomic64_read(&grp->acc_utime);
	clk->running = 0;
	clk->runner = 0;
	smp_rmb();	/* accumulators before slots: see itg_slot_stop() */
	rcu_read_lock();
	for_each_online_cpu(cpu) {
		struct itg_cpu_slot *slot = per_cpu_ptr(&itg_slots, cpu);
		struct task_struct *tsk;
		struct itg_group *owner;
		u64 rt0, ut0, st0, rt, d, user;
		unsigned int seq;

		do {
			seq = read_seqcount_begin(&slot->seq);
			tsk = slot->task;
			owner = slot->grp;
			rt0 = slot->rt;
			ut0 = slot->ut;
			st0 = slot->st;
		} while (read_seqcount_retry(&slot->seq, seq));
		if (!tsk) {
			if (pick)
				itg_pick_preempted(grp, pick, slot);
			continue;
		}
		if (owner != grp)
			continue;
		rt = itg_task_runtime(tsk);
		/*
		 * The slice ended meanwhile: its time went to the accumulators
		 * after we read them, and the thread may have begun a slice on
		 * a CPU still to come.  Count neither here (never twice).
		 */
		if (read_seqcount_retry(&slot->seq, seq))
			continue;
		d = rt > rt0 ? rt - rt0 : 0;
		user = itg_user_part(tsk, d, READ_ONCE(tsk->utime) - ut0,
				     READ_ONCE(tsk->stime) - st0);
		clk->prof += d;
		clk->virt += user;
		clk->utime += READ_ONCE(tsk->utime) - ut0;
		clk->running++;
		itg_pick_offer(pick, tsk, ITG_PICK_RUN, rt, d, user);
	}
	rcu_read_unlock();
	/*
	 * None on a CPU: one preempted, else the member that ran last (the
	 * send checks it).
	 */
	if (pick)
		clk->runner = pick->tid[0] ?: pick->tid[1] ?: pick->tid[2] ?:
			      pick->tid[3] ?: READ_ONCE(grp->last_runner);
	/*
	 * The VIRTUAL rule: the estimate, but never more than a tick beyond
	 * the user time the kernel accounted to the members (the utime that
	 * drives the native ITIMER_VIRTUAL), nor beyond PROF.  A slice shorter
	 * than a tick is split by its thread's history, which in a run of
	 * short system-heavy slices after a user-heavy past counted system
	 * time as user time; pure user-mode work keeps its sub-tick precision
	 * (its estimate stays within a tick of utime).
	 */
	clk->virt = min3(clk->virt, clk->utime + TICK_NSEC, clk->prof);
}

/* Raise *@seen to @v if lower; return the larger of the two. */
static u64 itg_clock_seen(atomic64_t *seen, u64 v)
{
	s64 old = atomic64_read(seen);

	while (v > (u64)old && !atomic64_try_cmpxchg(seen, &old, v))
		;
	return max_t(u64, v, old);
}

/*
 * Read @grp's clocks as itg_cpu_read_raw(), both monotonic, VIRTUAL never
 * above PROF.  A read may come out below an earlier one: the user part of
 * a running slice is an estimate that a system tick can lower, and a slot
 * that changes while it is read is skipped.  A clock never goes back, so
 * each holds its highest value read until it catches up.  VIRTUAL's
 * highest was at most PROF's then, which PROF's highest is now at least.
 */
void itg_cpu_read(struct itg_group *grp, struct itg_cpu_clock *clk,
		  struct itg_cpu_pick *pick)
{
	itg_cpu_read_raw(grp, clk, pick);
	clk->prof = itg_clock_seen(&grp->prof_seen, clk->prof);
	clk->virt = itg_clock_seen(&grp->virt_seen, clk->virt);
	/* A racing reader's VIRTUAL may be ahead of our PROF: raise it. */
	clk->prof = max(clk->prof, clk->virt);
}

/*
 * No VIRTUAL timer of @grp relies on its clock any more: let the clock
 * drop to the current estimate, so that a timer armed now counts from
 * there, not from an earlier estimate that a system tick has lowered
 * since (it would expire late by the difference).  Caller holds
 * grp->lock, under which VIRTUAL timers are armed.
 */
void itg_cpu_rebase_virt(struct itg_group *grp)
{
	struct itg_cpu_clock clk;

	itg_cpu_read_raw(grp, &clk, NULL);
	atomic64_set(&grp->virt_seen, min_t(u64, clk.virt,
					    atomic64_read(&grp->prof_seen)));
}

/* How many members can run at once: the bound on a clock's speed. */
unsigned int itg_cpu_parallelism(struct itg_group *grp)
{
	unsigned int cpus = num_online_cpus(), nr = 1;
	struct task_struct *leader;

	if (grp->key)
		return 1;
	rcu_read_lock();
	leader = pid_task(grp->proc->tgid, PIDTYPE_TGID);
	if (leader)
		nr = max(get_nr_threads(leader) -
			 atomic_read(&grp->proc->nr_private), 1);
	rcu_read_unlock();
	return min(nr, cpus);
}

/*
 * Add to @mask the CPUs where a member of @grp may be running or about to
 * run (a switch-in that read the tracking flag before it was set): the
 * only ones an IPI must reach when tracking starts.  A member switched in
 * later finds the flag set.  Task context, under the group's proc->lock;
 * a walk over the process's threads, once per start of tracking.
 */
static void itg_cpu_member_cpus(struct itg_group *grp, struct cpumask *mask)
{
	struct task_struct *leader, *tsk;

	rcu_read_lock();
	if (grp->key) {
		tsk = rcu_dereference(grp->task);
		if (tsk)
			cpumask_set_cpu(task_cpu(tsk), mask);
		goto out;
	}
	leader = pid_task(grp->proc->tgid, PIDTYPE_TGID);
	if (!leader)
		goto out;
	for_each_thread(leader, tsk) {
		if (!READ_ONCE(tsk->on_cpu) && !READ_ONCE(tsk->on_rq))
			continue;
		if (!itg_task_is_private(grp->proc, tsk))
			cpumask_set_cpu(task_cpu(tsk), mask);
	}
out:
	rcu_read_unlock();
}

/* The CPUs whose slot counts for @grp now. */
static void itg_cpu_slot_cpus(struct itg_group *grp, struct cpumask *mask)
{
	int cpu;

	for_each_online_cpu(cpu)
		if (READ_ONCE(per_cpu_ptr(&itg_slots, cpu)->grp) == grp)
			cpumask_set_cpu(cpu, mask);
}

/*
 * Run @fn(@arg) on the CPUs @pick() chooses for @grp, with an IPI only to
 * those (isolated and RT CPUs that run no member are left alone); on all
 * online CPUs if no mask could be allocated.
 */
static void itg_cpu_ipi(struct itg_group *grp,
			void (*pick)(struct itg_group *, struct cpumask *),
			smp_call_func_t fn, void *arg)
{
	cpumask_var_t mask;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL)) {
		on_each_cpu(fn, arg, 1);
		return;
	}
	pick(grp, mask);
	if (!cpumask_empty(mask))
		on_each_cpu_mask(mask, fn, arg, true);
	free_cpumask_var(mask);
}

/*
 * Start counting @grp's clocks, from zero.  Task context, proc->lock held.
 * The user count goes up first, so no switch-in is missed.  The calling
 * thread counts from @caller_rt, its runtime when the arming began: the
 * IPIs below are CPU time of the arming, which a caller measuring around
 * its call would otherwise see as lateness.  Returns 1 if the clocks
 * started now (they read 0 at @caller_rt), 0 if they were running.
 */
int itg_cpu_start(struct itg_group *grp, u64 caller_rt)
{
	struct itg_cpu_start_arg arg = {
		.grp = grp, .caller = current, .caller_rt = caller_rt,
	};

	lockdep_assert_held(&grp->proc->lock);
	if (grp->cpu_tracking)
		return 0;
	atomic_inc(&itg_cpu_users);
	atomic64_set(&grp->acc_prof, 0);
	atomic64_set(&grp->acc_virt, 0);
	atomic64_set(&grp->acc_utime, 0);
	atomic64_set(&grp->prof_seen, 0);
	atomic64_set(&grp->virt_seen, 0);
	WRITE_ONCE(grp->last_runner, 0);
	WRITE_ONCE(grp->cpu_tracking, true);
	smp_mb();	/* the flag before the threads' state: see above */
	itg_cpu_ipi(grp, itg_cpu_member_cpus, itg_cpu_ipi_start, &arg);
	return 1;
}

/* Stop counting @grp's clocks.  Task context, proc->lock held. */
void itg_cpu_stop(struct itg_group *grp)
{
	lockdep_assert_held(&grp->proc->lock);
	if (!grp->cpu_tracking)
		return;
	WRITE_ONCE(grp->cpu_tracking, false);
	/*
	 * The flag before the slots, as in itg_slot_start(): a slot this
	 * misses is undone by its own CPU.  No slot points to @grp after
	 * this; then the count goes down.
	 */
	smp_mb();
	itg_cpu_ipi(grp, itg_cpu_slot_cpus, itg_cpu_ipi_stop, grp);
	atomic_dec(&itg_cpu_users);
}

static void itg_find_switch(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		itg_tp_switch = tp;
}

int itg_cpu_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		seqcount_init(&per_cpu_ptr(&itg_slots, cpu)->seq);
	for_each_kernel_tracepoint(itg_find_switch, NULL);
	if (!itg_tp_switch) {
		pr_err("tracepoint sched_switch not found\n");
		return -ENOENT;
	}
	return tracepoint_probe_register(itg_tp_switch, itg_probe_switch, NULL);
}

/* Every group stopped tracking before. */
void itg_cpu_exit(void)
{
	tracepoint_probe_unregister(itg_tp_switch, itg_probe_switch, NULL);
	tracepoint_synchronize_unregister();
}
