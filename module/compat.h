/* SPDX-License-Identifier: GPL-2.0 */
/*
 * itimer_group: the differences between the kernels the module builds
 * for.  Every version test of the module belongs here, keyed on
 * LINUX_VERSION_CODE, so that the other files read as if written for one
 * kernel.
 *
 * Built and tested on (make check-matrix): Debian's 6.1 (generic, cloud,
 * PREEMPT_RT) and bookworm-backports' 6.12 (generic, PREEMPT_RT).
 *
 * Differences met so far, and how they are handled:
 *
 *   - 6.12 removed no_llseek().  The file operations leave .llseek NULL
 *     instead: on both kernels do_dentry_open() then clears FMODE_LSEEK
 *     after ->open (misc_open() has installed our operations by then), so
 *     lseek() fails with ESPIPE as before.  No test needed.
 *
 * Checked by hand because no compiler sees them (the probes are attached
 * through struct tracepoint, as void pointers), and the same on 6.1 and
 * 6.12:
 *
 *   - sched_switch: (bool preempt, struct task_struct *prev,
 *     struct task_struct *next, unsigned int prev_state);
 *   - sched_process_exit: (struct task_struct *p), called in do_exit()
 *     with preemption disabled by the tracepoint;
 *   - tracepoints are found with for_each_kernel_tracepoint().
 *
 * A configuration difference, not a version one: with
 * CONFIG_IRQ_TIME_ACCOUNTING or CONFIG_PARAVIRT_TIME_ACCOUNTING the
 * runqueue's task clock, the clock of exec_start, is sched_clock_cpu() less
 * all the interrupt and steal time accounted on that CPU since boot, so
 * sched_clock_cpu() - exec_start is not the running slice: it adds that
 * whole sum, and a CPU-time timer would fire early.  There a running
 * thread's time is read as the scheduler last updated it (up to a tick
 * late, never early).  None of Debian's kernels sets either option.
 *
 * To come: hrtimer_init() is deprecated for hrtimer_setup() from 6.13 and
 * gone in 6.15; a kernel that new needs a wrapper here.
 */
#ifndef _ITG_COMPAT_H
#define _ITG_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "itimer_group needs Linux 6.1 or later"
#endif

#if defined(CONFIG_IRQ_TIME_ACCOUNTING) || \
	defined(CONFIG_PARAVIRT_TIME_ACCOUNTING)
#define ITG_RUNNING_SLICE	0
#else
#define ITG_RUNNING_SLICE	1
#endif

#endif /* _ITG_COMPAT_H */
