// Splitting a loop over [0, n) across threads so that its result is the
// same whatever the number of threads: the range is cut into chunks whose
// bounds depend on n only, the threads take chunks in increasing order,
// and each chunk's result is committed (merged into the shared result,
// warnings said, progress told) in chunk order, one commit at a time, as
// soon as every earlier chunk is committed.  A chunk's result therefore
// waits only for the few chunks still running before it.
#ifndef CNR_UTIL_PARALLEL_H
#define CNR_UTIL_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include "cnr_internal.h"

// Work on items [begin, end) of chunk c by thread worker (0..threads-1);
// the chunk's result goes wherever the caller keeps results of chunk c
// (usually slot c % cnr_parallel_slots(threads) of an array it owns: at
// most that many chunks are between work and commit at once).
typedef struct cnr_error *cnr_parallel_work_fn(void *arg, unsigned worker, size_t c, uint64_t begin, uint64_t end);
// Merge chunk c's result, called in increasing c, never concurrently.
typedef struct cnr_error *cnr_parallel_commit_fn(void *arg, size_t c);

// The number of result slots a caller needs for `threads` threads.
size_t cnr_parallel_slots(unsigned threads);

// CPU seconds a loop took, to tell its parallel speedup on a machine
// that other jobs share (where wall time says little): the threads' sum,
// and the busiest thread's (the wall time the loop would take alone).
struct cnr_parallel_stats {
	unsigned threads;
	double cpu_total, cpu_busiest;
};

// Run work and commit over [0, n) in chunks of `chunk` items (the last one
// shorter) on `threads` threads (1: the calling thread only, in order).
// The first error (in chunk order) stops the loop: chunks after it are
// neither worked nor committed, and it is returned.
// stats, if not NULL, receives the CPU times.
struct cnr_error *cnr_parallel_for(unsigned threads, uint64_t n, uint64_t chunk, cnr_parallel_work_fn *work,
				   cnr_parallel_commit_fn *commit, void *arg, struct cnr_parallel_stats *stats);

// Say stats at CNR_LOG_INFO (-v) for phase: "PHASE on N threads: X s CPU,
// busiest thread Y s".
void cnr_parallel_log(struct cnr_ctx *ctx, const char *phase, const struct cnr_parallel_stats *stats);

// The threads the process may run on (sched_getaffinity), at least 1.
unsigned cnr_parallel_cpus(void);

#endif
