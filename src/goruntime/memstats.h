// runtime.MemStats as runtime.ReadMemStats would have computed it at the
// instant of the core: the consistent heap stats plus what each P's
// mcache had not yet flushed (ReadMemStats flushes them first).
#ifndef CNR_GORUNTIME_MEMSTATS_H
#define CNR_GORUNTIME_MEMSTATS_H

#include "cnr_internal.h"

struct cnr_program;

struct cnr_memstats {
	uint64_t heap_alloc, total_alloc, mallocs, frees, heap_objects;
	uint64_t heap_sys, heap_idle, heap_inuse, heap_released;
	uint64_t stack_inuse, stack_sys, sys;
	uint64_t next_gc, last_gc_unix_ns;
	uint32_t num_gc, num_forced_gc;
	int32_t gogc;          // -1 = off
	int64_t memory_limit;  // bytes; INT64_MAX = none
	int32_t gomaxprocs;
	int32_t num_goroutine;  // runtime.NumGoroutine(): gcount(), system goroutines excluded
	uint64_t heap_live, heap_marked; // GC pacer state
	// How HeapAlloc was obtained, for the ledger.
	uint64_t unflushed_bytes, unflushed_objects; // from mcaches
	// Counters that broke one of the runtime's invariants (CNR_MS_*),
	// each said in a warning; their values are what the core held.
	unsigned impossible;
};

enum {
	CNR_MS_HEAP_ALLOC = 1 << 0,
	CNR_MS_HEAP_OBJECTS = 1 << 1,
	CNR_MS_HEAP_INUSE = 1 << 2,
	CNR_MS_HEAP_SYS = 1 << 3,
	CNR_MS_MALLOCS = 1 << 4, // Mallocs and Frees: one cannot tell which is wrong
	CNR_MS_TOTAL_ALLOC = 1 << 5,
	CNR_MS_SYS = 1 << 6,
};

// Read the counters and check them against the runtime's invariants
// (frees <= mallocs, freed <= allocated bytes, HeapAlloc <= HeapInuse <=
// HeapSys <= Sys, all within the mapped arenas): each one broken is
// warned about once, naming the counters, and marked in ->impossible.
struct cnr_error *cnr_memstats_read(struct cnr_program *prog, struct cnr_memstats *ret);

// Replace the impossible heap counters with the heap walk's figures
// (objects, their bytes, bytes of in-use spans): what to report instead.
void cnr_memstats_prefer_walk(struct cnr_memstats *ms, uint64_t objects, uint64_t bytes, uint64_t span_bytes);

#endif
