// SPDX-License-Identifier: GPL-2.0
/*
 * Shared and private itimer sharing groups: who is a member, who gets the
 * signals, and moving between groups.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "itg_test.h"

#define NWORKERS 3

struct worker {
	pthread_t th;
	pid_t tid;
	int fd;
	bool go_private;	/* move to a private group at start */
	bool block;		/* block SIGALRM */
	uint64_t private_ns;	/* arm the private timer with this period */
	struct itg_group_info info;
	int ret;
};

static atomic_int started;
static atomic_bool stop;

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	w->tid = itg_gettid();
	if (w->block)
		sig_block(SIGALRM, SIG_BLOCK);
	if (w->go_private)
		w->ret = itg_scope(w->fd, ITG_SCOPE_PRIVATE, &w->info);
	if (!w->ret && w->private_ns)
		w->ret = itg_set(w->fd, ITG_TIMER_REAL, w->private_ns,
				 w->private_ns, 0, 2, NULL);
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		usleep(500);
	if (w->private_ns) {
		sig_block(SIGALRM, SIG_BLOCK);
		itg_set(w->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL);
	}
	return NULL;
}

FIXTURE(groups) {
	int fd;
	struct worker w[NWORKERS];
};

FIXTURE_SETUP(groups)
{
	rec_reset();
	rec_install(SIGALRM);
	atomic_store(&started, 0);
	atomic_store(&stop, false);
	self->fd = itg_open(O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	for (int i = 0; i < NWORKERS; i++)
		self->w[i] = (struct worker){ .fd = self->fd };
}

FIXTURE_TEARDOWN(groups)
{
	itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < NWORKERS; i++)
		if (self->w[i].th)
			pthread_join(self->w[i].th, NULL);
	close(self->fd);
	signal(SIGALRM, SIG_DFL);
}

static void start_workers(struct __test_metadata *_metadata,
			  struct worker *w)
{
	for (int i = 0; i < NWORKERS; i++)
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, worker_fn, &w[i]));
	while (atomic_load(&started) < NWORKERS)
		usleep(1000);
	for (int i = 0; i < NWORKERS; i++)
		ASSERT_EQ(0, w[i].ret);
}

static void stop_workers(struct worker *w)
{
	atomic_store(&stop, true);
	for (int i = 0; i < NWORKERS; i++) {
		pthread_join(w[i].th, NULL);
		w[i].th = 0;
	}
}

/* Signals of @cookie recorded in thread @tid. */
static int recs_in(pid_t tid, uint64_t cookie)
{
	int i, n = 0;

	for (i = 0; i < rec_count(); i++)
		if (recs[i].tid == tid && recs[i].value == cookie &&
		    recs[i].code == SI_TIMER)
			n++;
	return n;
}

TEST_F(groups, group_info_counts_members_and_scope)
{
	struct itg_group_info shared, info;

	ASSERT_EQ(0, itg_group(self->fd, &shared));
	EXPECT_EQ(ITG_SCOPE_SHARED, shared.scope);
	EXPECT_EQ(1, shared.nr_members);
	self->w[2].go_private = true;
	start_workers(_metadata, self->w);
	/* Main + 2 workers shared, worker 2 private. */
	ASSERT_EQ(0, itg_group(self->fd, &info));
	EXPECT_EQ(shared.id, info.id);
	EXPECT_EQ(3, info.nr_members);
	EXPECT_EQ(getpid(), info.tgid);
	EXPECT_EQ(ITG_SCOPE_PRIVATE, self->w[2].info.scope);
	EXPECT_EQ(1, self->w[2].info.nr_members);
	EXPECT_NE(shared.id, self->w[2].info.id);
	EXPECT_EQ(getpid(), self->w[2].info.tgid);
	stop_workers(self->w);
	/* The private thread is gone, its group too. */
	ASSERT_EQ(0, itg_group(self->fd, &info));
	EXPECT_EQ(1, info.nr_members);
}

TEST_F(groups, shared_signal_reaches_member_threads_only)
{
	int i, total = 0;

	self->w[0].go_private = true;
	start_workers(_metadata, self->w);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 5 * MS, 5 * MS, 0, 1,
			     NULL));
	sleep_ns(400 * MS);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	sleep_ns(50 * MS);	/* a signal pending at disarm comes now */
	for (i = 0; i < NWORKERS; i++)
		total += recs_in(self->w[i].tid, 1);
	total += recs_in(itg_gettid(), 1);
	TH_LOG("shared: main %d, w0 (private) %d, w1 %d, w2 %d",
	       recs_in(itg_gettid(), 1), recs_in(self->w[0].tid, 1),
	       recs_in(self->w[1].tid, 1), recs_in(self->w[2].tid, 1));
	EXPECT_EQ(0, recs_in(self->w[0].tid, 1));
	EXPECT_GE(total, 20);
	EXPECT_EQ(total, rec_sum(SIGALRM, SI_TIMER, NULL));
}

TEST_F(groups, private_signal_reaches_only_its_thread)
{
	int n;

	self->w[1].go_private = true;
	self->w[1].private_ns = 5 * MS;
	start_workers(_metadata, self->w);
	sleep_ns(300 * MS);
	stop_workers(self->w);
	n = recs_in(self->w[1].tid, 2);
	TH_LOG("private timer: %d signals, all to tid %d", n, self->w[1].tid);
	EXPECT_GE(n, 10);
	EXPECT_EQ(n, rec_sum(SIGALRM, SI_TIMER, NULL));
}

TEST_F(groups, private_and_shared_timers_are_independent)
{
	struct itg_timer_get g;
	int i, shared = 0;

	self->w[2].go_private = true;
	self->w[2].private_ns = 7 * MS;
	start_workers(_metadata, self->w);
	/* The shared group's timer does not see the private one. */
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 11 * MS, 11 * MS, 0, 1,
			     NULL));
	sleep_ns(300 * MS);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	stop_workers(self->w);
	for (i = 0; i < 2; i++)
		shared += recs_in(self->w[i].tid, 1);
	shared += recs_in(itg_gettid(), 1);
	TH_LOG("shared 11 ms: %d, private 7 ms: %d", shared,
	       recs_in(self->w[2].tid, 2));
	EXPECT_EQ(0, recs_in(self->w[2].tid, 1));
	EXPECT_GE(shared, 10);
	EXPECT_GE(recs_in(self->w[2].tid, 2), 15);
}

TEST_F(groups, shared_signal_goes_to_member_not_blocking_it)
{
	self->w[0].block = true;
	self->w[1].block = true;
	start_workers(_metadata, self->w);
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 5 * MS, 5 * MS, 0, 1,
			     NULL));
	sleep_ns(200 * MS);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	sleep_ns(50 * MS);
	EXPECT_GE(recs_in(self->w[2].tid, 1), 10);
	EXPECT_EQ(recs_in(self->w[2].tid, 1), rec_sum(SIGALRM, SI_TIMER, NULL));
	sig_block(SIGALRM, SIG_UNBLOCK);
	EXPECT_EQ(0, recs_in(itg_gettid(), 1));
}

TEST_F(groups, shared_signal_waits_while_every_member_blocks_it)
{
	struct itg_timer_get g;
	uint64_t overruns;

	for (int i = 0; i < NWORKERS; i++)
		self->w[i].block = true;
	start_workers(_metadata, self->w);
	sig_block(SIGALRM, SIG_BLOCK);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 5 * MS, 5 * MS, 0, 1,
			     NULL));
	sleep_ns(200 * MS);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 0, 0, 0, 0, NULL));
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, rec_count());
	/* One signal waits at one member; it comes when that one unblocks. */
	stop_workers(self->w);
	sig_block(SIGALRM, SIG_UNBLOCK);
	/* Pending at an exited worker it is lost; at main it arrives. */
	if (rec_count()) {
		EXPECT_EQ(1, rec_sum(SIGALRM, SI_TIMER, &overruns));
		EXPECT_EQ(g.expirations, 1 + overruns);
	}
	EXPECT_GE(g.expirations, 20);
}

TEST_F(groups, back_to_shared_destroys_private_group_and_timers)
{
	struct itg_group_info shared, priv, back;
	struct itg_timer_get g;

	ASSERT_EQ(0, itg_group(self->fd, &shared));
	ASSERT_EQ(0, itg_scope(self->fd, ITG_SCOPE_PRIVATE, &priv));
	EXPECT_EQ(ITG_SCOPE_PRIVATE, priv.scope);
	EXPECT_NE(shared.id, priv.id);
	/* Idempotent: still the same private group. */
	ASSERT_EQ(0, itg_scope(self->fd, ITG_SCOPE_PRIVATE, &back));
	EXPECT_EQ(priv.id, back.id);
	ASSERT_EQ(0, itg_set(self->fd, ITG_TIMER_REAL, 50 * MS, 0, 0, 2,
			     NULL));
	ASSERT_EQ(0, itg_group(self->fd, &back));
	EXPECT_EQ(ITG_ARMED_REAL, back.armed);
	ASSERT_EQ(0, itg_scope(self->fd, ITG_SCOPE_SHARED, &back));
	EXPECT_EQ(shared.id, back.id);
	EXPECT_EQ(ITG_SCOPE_SHARED, back.scope);
	EXPECT_EQ(0, back.armed);
	ASSERT_EQ(0, itg_get(self->fd, ITG_TIMER_REAL, &g));
	EXPECT_EQ(0, g.value_ns);
	sleep_ns(200 * MS);
	EXPECT_EQ(0, rec_count());
	/* A new private group is a fresh one. */
	ASSERT_EQ(0, itg_scope(self->fd, ITG_SCOPE_PRIVATE, &back));
	EXPECT_NE(priv.id, back.id);
	EXPECT_EQ(0, back.armed);
	ASSERT_EQ(0, itg_scope(self->fd, ITG_SCOPE_SHARED, NULL));
}

TEST_HARNESS_MAIN
