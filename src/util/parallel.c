// Chunked parallel loops with in-order commits (see parallel.h).
#include "util/parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

enum { SLOTS_PER_THREAD = 4, MAX_THREADS = 256 };

struct slot {
	bool done;
	struct cnr_error *err;
};

struct loop {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t n, chunk;
	size_t nchunks, nslots;
	size_t next_chunk, next_commit; // under lock
	bool committing, stop;
	struct cnr_error *err;
	struct slot *slots;
	cnr_parallel_work_fn *work;
	cnr_parallel_commit_fn *commit;
	void *arg;
};

struct worker {
	struct loop *loop;
	unsigned id;
	double cpu; // seconds this thread ran the loop
};

static double thread_cpu(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t cnr_parallel_slots(unsigned threads)
{
	return (size_t)(threads ? threads : 1) * SLOTS_PER_THREAD;
}

unsigned cnr_parallel_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

void cnr_parallel_log(struct cnr_ctx *ctx, const char *phase, const struct cnr_parallel_stats *stats)
{
	cnr_info(ctx, "%s on %u thread%s: %.2f s CPU, busiest thread %.2f s", phase, stats->threads,
		 stats->threads == 1 ? "" : "s", stats->cpu_total, stats->cpu_busiest);
}

// Commit every finished chunk that is next in order, unless another
// thread is doing so already (it will see these too).  Called locked.
static void commit_ready(struct loop *l)
{
	if (l->committing)
		return;
	l->committing = true;
	while (!l->stop && l->next_commit < l->next_chunk && l->slots[l->next_commit % l->nslots].done) {
		struct slot *s = &l->slots[l->next_commit % l->nslots];
		struct cnr_error *err = s->err;
		s->done = false;
		s->err = NULL;
		if (!err && l->commit) {
			pthread_mutex_unlock(&l->lock);
			err = l->commit(l->arg, l->next_commit);
			pthread_mutex_lock(&l->lock);
		}
		if (err) {
			l->err = err;
			l->stop = true;
		}
		l->next_commit++;
		pthread_cond_broadcast(&l->cond);
	}
	l->committing = false;
}

static void *run_worker(void *p)
{
	struct worker *w = p;
	struct loop *l = w->loop;
	double start = thread_cpu();
	pthread_mutex_lock(&l->lock);
	for (;;) {
		// A chunk may start only when its result slot is free.
		while (!l->stop && l->next_chunk < l->nchunks && l->next_chunk >= l->next_commit + l->nslots)
			pthread_cond_wait(&l->cond, &l->lock);
		if (l->stop || l->next_chunk >= l->nchunks)
			break;
		size_t c = l->next_chunk++;
		pthread_mutex_unlock(&l->lock);
		uint64_t begin = c * l->chunk, end = l->n - begin < l->chunk ? l->n : begin + l->chunk;
		struct cnr_error *err = l->work(l->arg, w->id, c, begin, end);
		pthread_mutex_lock(&l->lock);
		if (l->stop) {
			cnr_error_destroy(err);
			break;
		}
		l->slots[c % l->nslots] = (struct slot){ .done = true, .err = err };
		commit_ready(l);
	}
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	w->cpu = thread_cpu() - start;
	return NULL;
}

static struct cnr_error *run_serial(uint64_t n, uint64_t chunk, cnr_parallel_work_fn *work,
				    cnr_parallel_commit_fn *commit, void *arg)
{
	for (uint64_t begin = 0, c = 0; begin < n; begin += chunk, c++) {
		uint64_t end = n - begin < chunk ? n : begin + chunk;
		struct cnr_error *err = work(arg, 0, c, begin, end);
		if (!err && commit)
			err = commit(arg, c);
		if (err)
			return err;
	}
	return NULL;
}

static void serial_stats(double start, struct cnr_parallel_stats *stats)
{
	if (stats)
		*stats = (struct cnr_parallel_stats){ 1, thread_cpu() - start, thread_cpu() - start };
}

struct cnr_error *cnr_parallel_for(unsigned threads, uint64_t n, uint64_t chunk, cnr_parallel_work_fn *work,
				   cnr_parallel_commit_fn *commit, void *arg, struct cnr_parallel_stats *stats)
{
	double start = thread_cpu();
	struct cnr_error *err;
	if (!chunk)
		chunk = 1;
	uint64_t nchunks = n / chunk + (n % chunk != 0);
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads > nchunks)
		threads = (unsigned)nchunks;
	if (threads <= 1) {
		err = run_serial(n, chunk, work, commit, arg);
		serial_stats(start, stats);
		return err;
	}
	struct loop l = {
		.n = n, .chunk = chunk, .nchunks = nchunks, .nslots = cnr_parallel_slots(threads),
		.work = work, .commit = commit, .arg = arg,
	};
	struct worker *workers = calloc(threads, sizeof(*workers));
	pthread_t *tids = calloc(threads, sizeof(*tids));
	l.slots = calloc(l.nslots, sizeof(*l.slots));
	if (!workers || !tids || !l.slots) {
		free(workers);
		free(tids);
		free(l.slots);
		err = run_serial(n, chunk, work, commit, arg);
		serial_stats(start, stats);
		return err;
	}
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.cond, NULL);
	unsigned started = 1;
	for (unsigned i = 0; i < threads; i++)
		workers[i] = (struct worker){ .loop = &l, .id = i };
	for (unsigned i = 1; i < threads; i++) {
		if (pthread_create(&tids[i], NULL, run_worker, &workers[started]) != 0)
			break; // fewer threads: the same chunks, the same result
		started++;
	}
	run_worker(&workers[0]);
	for (unsigned i = 1; i < started; i++)
		pthread_join(tids[i], NULL);
	if (stats) {
		*stats = (struct cnr_parallel_stats){ .threads = started };
		for (unsigned i = 0; i < started; i++) {
			stats->cpu_total += workers[i].cpu;
			if (workers[i].cpu > stats->cpu_busiest)
				stats->cpu_busiest = workers[i].cpu;
		}
	}
	// Chunks that finished after the stop were never committed.
	for (size_t i = 0; i < l.nslots; i++)
		cnr_error_destroy(l.slots[i].err);
	pthread_cond_destroy(&l.cond);
	pthread_mutex_destroy(&l.lock);
	free(workers);
	free(tids);
	free(l.slots);
	return l.err;
}
