/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * itimer_group: itimer sharing groups for Linux threads.
 *
 * Userspace ABI of the /dev/itimer_group misc device.  Every thread of a
 * process that uses the device belongs to one itimer sharing group: the
 * process's shared group by default, or a private group of its own.  Each
 * group has the three itimers of <sys/time.h>, independent of the process's
 * native ones.  See Documentation/userspace-api.rst.
 *
 * Every struct starts with @size: the caller sets it to sizeof() the struct
 * it was compiled with, so that fields can be appended later.  The kernel
 * accepts any size from the first published size (ITG_*_SIZE_VER0) up to a
 * page; bytes it does not know must be zero (else E2BIG).  Reserved fields
 * must be zero (else EINVAL).  Times are unsigned nanoseconds that must fit
 * in a signed 64-bit value.
 */
#ifndef _UAPI_LINUX_ITIMER_GROUP_H
#define _UAPI_LINUX_ITIMER_GROUP_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Device node, relative to /dev. */
#define ITG_DEVICE_NAME		"itimer_group"

/* Timer numbers: the same values as ITIMER_* of <sys/time.h>. */
#define ITG_TIMER_REAL		0
#define ITG_TIMER_VIRTUAL	1
#define ITG_TIMER_PROF		2
#define ITG_NR_TIMERS		3

/* Group scopes (struct itg_group_info.scope, struct itg_scope.scope). */
#define ITG_SCOPE_SHARED	0	/* every non-private thread of the process */
#define ITG_SCOPE_PRIVATE	1	/* the calling thread only */

/*
 * si_timerid (si_tid in the kernel) of a signal sent by this module is at
 * least this value; the kernel's own POSIX timer ids start at 0.
 */
#define ITG_SI_TIMERID_BASE	0x40000000

/**
 * struct itg_timer_set - arm or disarm an itimer of the caller's group
 * @size: sizeof(struct itg_timer_set) as compiled by the caller
 * @which: ITG_TIMER_REAL, ITG_TIMER_VIRTUAL or ITG_TIMER_PROF
 * @flags: ITG_SET_* flags; unknown bits are EINVAL
 * @signo: signal to send on expiry, 1..SIGRTMAX except SIGKILL and SIGSTOP;
 *	0 selects the default of @which: SIGALRM, SIGVTALRM or SIGPROF (none
 *	with ITG_SET_NO_SIGNAL)
 * @value_ns: time to the first expiry; 0 disarms the timer
 * @interval_ns: period after the first expiry; 0 makes the timer one-shot
 * @cookie: delivered in si_value (sival_ptr; 32-bit processes get the low
 *	32 bits in sival_int)
 * @old_value_ns: out: time that was left on the timer, 0 if it was disarmed
 * @old_interval_ns: out: the previous interval
 * @reserved: must be zero
 * @tid: with ITG_SET_THREAD, the thread to signal (a thread id as the
 *	caller sees it), a member of the caller's group; else 0.  Appended
 *	in ITG_TIMER_SET_SIZE_VER1: a caller of size VER0 has none
 * @__pad: must be zero
 */
struct itg_timer_set {
	__u32 size;
	__u32 which;
	__u32 flags;
	__u32 signo;
	__u64 value_ns;
	__u64 interval_ns;
	__u64 cookie;
	__u64 old_value_ns;
	__u64 old_interval_ns;
	__u64 reserved[2];
	__u32 tid;
	__u32 __pad;
};

#define ITG_TIMER_SET_SIZE_VER0	72
#define ITG_TIMER_SET_SIZE_VER1	80	/* @tid */

/*
 * struct itg_timer_set.flags: ITIMER_VIRTUAL and ITIMER_PROF only.  The
 * signal goes to a member thread drawn among those using the CPU when the
 * time ran out (profilers: samples land on the threads that burn CPU, in
 * proportion to the CPU they use).  This is what every CPU-time timer of a
 * shared group does since version 0.3.0; the flag is still accepted (and
 * still refused with ITIMER_REAL and with ITG_SET_THREAD).
 */
#define ITG_SET_TO_RUNNER	_BITUL(0)

/*
 * struct itg_timer_set.flags: deliver every signal to thread @tid, as a
 * POSIX timer with SIGEV_THREAD_ID does, even while it blocks the signal:
 * a thread that takes the signals with sigwaitinfo(2) or a signalfd(2)
 * while every thread blocks them.  Not with ITG_SET_TO_RUNNER.
 */
#define ITG_SET_THREAD		_BITUL(1)

/*
 * struct itg_timer_set.flags: send no signal (@signo must be 0); the
 * expirations are only counted, for the descriptors of ITG_IOC_TIMER_FD
 * and for ITG_IOC_GET_TIMER.  Not with ITG_SET_TO_RUNNER or ITG_SET_THREAD.
 */
#define ITG_SET_NO_SIGNAL	_BITUL(2)

/*
 * struct itg_timer_set.flags: the caller does not want the old setting, as
 * setitimer(2) with a NULL @old_value: @old_value_ns and @old_interval_ns
 * are neither computed nor written (nothing is written back: the struct
 * may be read-only), which spares a disarm its clock read.  With any
 * other flag.
 */
#define ITG_SET_NO_OLD		_BITUL(3)
#define ITG_SET_FLAGS		(ITG_SET_TO_RUNNER | ITG_SET_THREAD | \
				 ITG_SET_NO_SIGNAL | ITG_SET_NO_OLD)

/**
 * struct itg_timer_get - read an itimer of the caller's group
 * @size: sizeof(struct itg_timer_get) as compiled by the caller
 * @which: ITG_TIMER_REAL, ITG_TIMER_VIRTUAL or ITG_TIMER_PROF
 * @flags: must be zero
 * @signo: out: the signal the timer sends
 * @overrun: out: overrun count of the last expiry whose signal has been
 *	consumed (like timer_getoverrun(2)), saturated at INT_MAX
 * @value_ns: out: time to the next expiry (never 0 while armed), 0 when
 *	disarmed
 * @interval_ns: out: the period, 0 for one-shot
 * @cookie: out: the cookie given at arming
 * @expirations: out: expirations since the timer was last armed (kept
 *	after it is disarmed or expires, until it is armed again)
 * @reserved: must be zero
 */
struct itg_timer_get {
	__u32 size;
	__u32 which;
	__u32 flags;
	__u32 signo;
	__u32 overrun;
	__u32 __pad;
	__u64 value_ns;
	__u64 interval_ns;
	__u64 cookie;
	__u64 expirations;
	__u64 reserved[2];
};

#define ITG_TIMER_GET_SIZE_VER0	72

/* Bits of struct itg_group_info.armed: 1 << ITG_TIMER_*. */
#define ITG_ARMED_REAL		_BITUL(ITG_TIMER_REAL)
#define ITG_ARMED_VIRTUAL	_BITUL(ITG_TIMER_VIRTUAL)
#define ITG_ARMED_PROF		_BITUL(ITG_TIMER_PROF)

/**
 * struct itg_group_info - the calling thread's itimer sharing group
 * @size: sizeof(struct itg_group_info) as compiled by the caller
 * @flags: must be zero
 * @id: out: group id, unique until the module is reloaded, never 0
 * @tgid: out: the process the group belongs to
 * @scope: out: ITG_SCOPE_SHARED or ITG_SCOPE_PRIVATE
 * @nr_members: out: number of threads in the group
 * @armed: out: ITG_ARMED_* bits of the armed timers
 * @reserved: must be zero
 */
struct itg_group_info {
	__u32 size;
	__u32 flags;
	__u64 id;
	__u32 tgid;
	__u32 scope;
	__u32 nr_members;
	__u32 armed;
	__u64 reserved[2];
};

#define ITG_GROUP_INFO_SIZE_VER0	48

/**
 * struct itg_scope - move the calling thread to another group
 * @size: sizeof(struct itg_scope) as compiled by the caller
 * @scope: ITG_SCOPE_PRIVATE: into a new private group (no timer armed);
 *	ITG_SCOPE_SHARED: back into the shared group (the private group and
 *	its timers are destroyed).  Moving to the scope the thread is already
 *	in changes nothing.
 * @flags: must be zero
 * @__pad: must be zero
 * @info: out: the thread's group afterwards, as ITG_IOC_GET_GROUP reports
 *	it (its @size is ignored)
 */
struct itg_scope {
	__u32 size;
	__u32 scope;
	__u32 flags;
	__u32 __pad;
	struct itg_group_info info;
};

#define ITG_SCOPE_SIZE_VER0	64

/* struct itg_timer_fd.flags */
#define ITG_FD_CLOEXEC		_BITUL(0)	/* close it at execve() */
#define ITG_FD_NONBLOCK		_BITUL(1)	/* O_NONBLOCK: EAGAIN */
#define ITG_FD_FLAGS		(ITG_FD_CLOEXEC | ITG_FD_NONBLOCK)

/**
 * struct itg_timer_fd - a descriptor that reports one timer's expirations
 * @size: sizeof(struct itg_timer_fd) as compiled by the caller
 * @which: ITG_TIMER_REAL, ITG_TIMER_VIRTUAL or ITG_TIMER_PROF of the
 *	calling thread's group
 * @flags: ITG_FD_* bits
 * @fd: out: the new descriptor.  read() of 8 bytes returns a __u64, the
 *	expirations since the last read (blocking until there is one, EAGAIN
 *	when non-blocking), 0 bytes (end of file) once the group is gone
 *	with nothing left to read; poll reports EPOLLIN while there is a
 *	count, EPOLLHUP once the group is gone.  Arming the timer (or
 *	disarming it) sets the count to 0, as timerfd_settime(2) does.
 * @reserved: must be zero
 */
struct itg_timer_fd {
	__u32 size;
	__u32 which;
	__u32 flags;
	__s32 fd;
	__u64 reserved[2];
};

#define ITG_TIMER_FD_SIZE_VER0	32

#define ITG_IOC_MAGIC		0xB9

#define ITG_IOC_SET_TIMER	_IOWR(ITG_IOC_MAGIC, 0x01, struct itg_timer_set)
#define ITG_IOC_GET_TIMER	_IOWR(ITG_IOC_MAGIC, 0x02, struct itg_timer_get)
#define ITG_IOC_GET_GROUP	_IOWR(ITG_IOC_MAGIC, 0x03, struct itg_group_info)
#define ITG_IOC_SET_SCOPE	_IOWR(ITG_IOC_MAGIC, 0x04, struct itg_scope)
#define ITG_IOC_TIMER_FD	_IOWR(ITG_IOC_MAGIC, 0x05, struct itg_timer_fd)

#endif /* _UAPI_LINUX_ITIMER_GROUP_H */
