// SPDX-License-Identifier: GPL-2.0
/*
 * itgstat: show itimer sharing groups and their timers, as ps/top do for
 * processes.  Reads /sys/class/misc/itimer_group/ (see
 * Documentation/itgstat.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSDIR	"/sys/class/misc/itimer_group"
#define NTIMERS	3
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char * const timer_name[NTIMERS] = { "REAL", "VIRTUAL", "PROF" };

struct row {
	long tgid;
	unsigned long uid;
	unsigned long long id;
	char scope[16];
	char *tids;
	unsigned long long value[NTIMERS], interval[NTIMERS];
	unsigned long long exp[NTIMERS], ovr[NTIMERS];
	unsigned int signo[NTIMERS];
	unsigned int fds[NTIMERS];	/* descriptors (ITG_IOC_TIMER_FD) */
};

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: itgstat [-p PID] [-w SECONDS [-n COUNT]] [-h]\n"
		"Show the itimer sharing groups of the processes you may see\n"
		"(all of them as root) and their timers.\n"
		"  -p PID      only this process\n"
		"  -w SECONDS  watch: refresh every SECONDS (Ctrl-C stops)\n"
		"  -n COUNT    with -w, stop after COUNT screens\n"
		"  -h          this help\n");
}

/* A sysfs counter, or -1 if it cannot be read. */
static long long counter(const char *name)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), SYSDIR "/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The whole groups table; NULL and errno on failure. */
static char *read_table(void)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd;

	fd = open(SYSDIR "/groups", O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *p = realloc(buf, 2 * cap + 1);

			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static bool parse_row(char *line, struct row *r)
{
	char *save, *tok;
	int i;

	tok = strtok_r(line, " ", &save);
	if (!tok || *tok == '#')
		return false;
	r->tgid = strtol(tok, NULL, 10);
	tok = strtok_r(NULL, " ", &save);
	r->uid = tok ? strtoul(tok, NULL, 10) : 0;
	tok = strtok_r(NULL, " ", &save);
	r->id = tok ? strtoull(tok, NULL, 10) : 0;
	tok = strtok_r(NULL, " ", &save);
	snprintf(r->scope, sizeof(r->scope), "%s", tok ? tok : "?");
	r->tids = strtok_r(NULL, " ", &save);
	if (!r->tids)
		return false;
	for (i = 0; i < NTIMERS; i++) {
		unsigned long long *f[] = { &r->value[i], &r->interval[i] };
		int j;

		for (j = 0; j < 2; j++) {
			tok = strtok_r(NULL, " ", &save);
			if (!tok)
				return false;
			*f[j] = strtoull(tok, NULL, 10);
		}
		tok = strtok_r(NULL, " ", &save);
		if (!tok)
			return false;
		r->signo[i] = strtoul(tok, NULL, 10);
		tok = strtok_r(NULL, " ", &save);
		if (!tok)
			return false;
		r->exp[i] = strtoull(tok, NULL, 10);
		tok = strtok_r(NULL, " \t\n", &save);
		if (!tok)
			return false;
		r->ovr[i] = strtoull(tok, NULL, 10);
	}
	/* Descriptors per timer: columns a module before 0.3.0 lacks. */
	for (i = 0; i < NTIMERS; i++) {
		tok = strtok_r(NULL, " \t\n", &save);
		r->fds[i] = tok ? strtoul(tok, NULL, 10) : 0;
	}
	return true;
}

static const char *duration(unsigned long long ns, char *buf, size_t len)
{
	if (!ns)
		snprintf(buf, len, "-");
	else if (ns >= 1000000000ULL)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns >= 1000000ULL)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.1f us", ns / 1e3);
	return buf;
}

static const char *signame(unsigned int sig, char *buf, size_t len)
{
	static const char * const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGUSR1] = "SIGUSR1",
		[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD",
		[SIGCONT] = "SIGCONT", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
		[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};

	if (!sig)
		return "none";	/* ITG_SET_NO_SIGNAL */
	if (sig < ARRAY_SIZE(names) && names[sig])
		return names[sig];
	if ((int)sig >= SIGRTMIN && (int)sig <= SIGRTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", (int)sig - SIGRTMIN);
	else
		snprintf(buf, len, "%u", sig);
	return buf;
}

/* One screen; 0, or the exit status of an error. */
static int show(long only_pid)
{
	char *table, *line, *save, a[32], b[32], c[32];
	bool any = false, truncated = false;
	struct row r;
	int i;

	if (access(SYSDIR, F_OK)) {
		fprintf(stderr,
			"itgstat: the itimer_group module is not loaded (%s not found)\n",
			SYSDIR);
		return 2;
	}
	table = read_table();
	if (!table) {
		fprintf(stderr, "itgstat: cannot read %s/groups: %s\n", SYSDIR,
			strerror(errno));
		return 1;
	}
	printf("itimer_group: %lld processes, %lld shared + %lld private groups; ",
	       counter("processes"), counter("groups_shared"),
	       counter("groups_private"));
	printf("armed: %lld REAL, %lld VIRTUAL, %lld PROF; CPU probe %s\n",
	       counter("armed_real"), counter("armed_virtual"),
	       counter("armed_prof"), counter("cpu_probe") == 1 ? "on" : "off");
	printf("totals: %lld expirations, %lld signals, %lld overruns, %lld coalesced\n\n",
	       counter("expirations"), counter("signals_sent"),
	       counter("overruns"), counter("signals_coalesced"));
	printf("%7s %6s %6s %-8s %-16s %-8s %12s %12s %-11s %9s %9s %3s\n",
	       "PID", "UID", "GROUP", "SCOPE", "THREADS", "TIMER",
	       "REMAINING", "INTERVAL", "SIGNAL", "EXPIRED", "OVERRUNS",
	       "FDS");
	for (line = strtok_r(table, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool shown = false;

		if (!strncmp(line, "# truncated", 11))
			truncated = true;
		if (!parse_row(line, &r) || (only_pid && r.tgid != only_pid))
			continue;
		any = true;
		for (i = 0; i < NTIMERS; i++) {
			if (!r.value[i] && !r.exp[i] && !r.fds[i])
				continue;
			printf("%7ld %6lu %6llu %-8s %-16s %-8s %12s %12s %-11s %9llu %9llu %3u\n",
			       r.tgid, r.uid, r.id, r.scope, r.tids,
			       timer_name[i],
			       duration(r.value[i], a, sizeof(a)),
			       duration(r.interval[i], b, sizeof(b)),
			       signame(r.signo[i], c, sizeof(c)), r.exp[i],
			       r.ovr[i], r.fds[i]);
			shown = true;
		}
		if (!shown)
			printf("%7ld %6lu %6llu %-8s %-16s %-8s\n", r.tgid,
			       r.uid, r.id, r.scope, r.tids, "-");
	}
	if (!any)
		printf("(no group you may see%s)\n",
		       only_pid ? " in that process" : "");
	if (truncated)
		printf("(the table was truncated by the kernel: too many groups)\n");
	free(table);
	return 0;
}

int main(int argc, char **argv)
{
	long only_pid = 0, count = -1;
	double watch = 0;
	char *end;
	int opt, ret;

	while ((opt = getopt(argc, argv, "p:w:n:h")) != -1) {
		switch (opt) {
		case 'p':
			only_pid = strtol(optarg, &end, 10);
			if (*end || only_pid <= 0) {
				fprintf(stderr, "itgstat: -p takes a pid\n");
				return 2;
			}
			break;
		case 'w':
			watch = strtod(optarg, NULL);
			if (watch <= 0) {
				fprintf(stderr, "itgstat: -w takes seconds > 0\n");
				return 2;
			}
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			print_help(stderr);
			return 2;
		}
	}
	if (count > 0 && !watch) {
		fprintf(stderr, "itgstat: -n goes with -w\n");
		return 2;
	}
	for (;;) {
		if (watch)
			printf("\033[H\033[2J");
		ret = show(only_pid);
		fflush(stdout);
		if (ret || !watch || (count > 0 && --count == 0))
			return ret;
		usleep(watch * 1e6);
	}
}
