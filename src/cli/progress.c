// Progress on stderr while the library works: one self-overwriting line,
// "coroner: dominators 45%", only when stderr is a terminal, at most ten
// updates a second, and only once a phase has lasted a moment; it is
// cleared when the phase ends and before any message, so results and
// diagnostics never mix with it.  With -v, each phase's wall time and the
// CPU time of all the process's threads in it are logged when it ends
// and the own memory (RssAnon) at its end ("coroner: dominators took
// 1.23 s (1.20 s CPU, 812 MB)"; bench/measure.py reads these: on a machine
// other jobs share, the CPU time is the steadier).
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

static const double PROGRESS_INTERVAL = 0.1; // seconds between updates

static struct {
	bool tty;      // stderr is a terminal
	int verbose;
	bool in_phase; // between a phase's first and last report
	const char *phase;
	bool shown;    // a progress line is on the terminal
	double start, last;
	double cpu_start;
	unsigned percent; // last shown
} progress;

static double clock_seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

// The process's RssAnon in MB, or -1.
static long rss_anon_mb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static double now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

void cnr_cli_progress_clear(void)
{
	if (progress.shown) {
		fputs("\r\033[K", stderr);
		progress.shown = false;
	}
}

static void on_progress(const char *phase, uint64_t done, uint64_t total, void *arg)
{
	(void)arg;
	double t = now();
	// A phase left without its last report (an error path) is over when
	// another one starts.
	if (!progress.in_phase || strcmp(phase, progress.phase) != 0) {
		cnr_cli_progress_clear();
		progress.in_phase = true;
		progress.phase = phase;
		progress.start = progress.last = t;
		progress.cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
		progress.percent = 0;
		return;
	}
	if (done >= total) {
		progress.in_phase = false;
		cnr_cli_progress_clear();
		if (progress.verbose)
			fprintf(stderr, "coroner: %s took %.2f s (%.2f s CPU, %ld MB)\n", phase, t - progress.start,
				clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - progress.cpu_start, rss_anon_mb());
		return;
	}
	unsigned percent = 100.0 * done / total;
	if (!progress.tty || t - progress.last < PROGRESS_INTERVAL || (progress.shown && percent == progress.percent))
		return;
	progress.last = t;
	progress.shown = true;
	progress.percent = percent;
	fprintf(stderr, "\rcoroner: %s %u%%\033[K", phase, percent);
}

void cnr_cli_progress_install(struct cnr_ctx *ctx, int verbose)
{
	progress.tty = isatty(STDERR_FILENO);
	progress.verbose = verbose;
	if (progress.tty || verbose)
		cnr_ctx_set_progress_fn(ctx, on_progress, NULL);
}
