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
};

struct cnr_error *cnr_memstats_read(struct cnr_program *prog, struct cnr_memstats *ret);

#endif
