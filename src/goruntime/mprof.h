// The heap profile the runtime keeps in the process (runtime/mprof.go):
// the runtime.mbuckets list of memory-profile buckets (a stack of return
// PCs, an allocation size, and a memRecord: the published 'active' counts
// and three 'future' cycles), read as runtime.MemProfile(p, true) would
// return it at the instant of the core; and the profile specials
// (runtime/mheap.go specialprofile{special, b *bucket}) that tie each
// sampled object still allocated to its bucket.
#ifndef CNR_GORUNTIME_MPROF_H
#define CNR_GORUNTIME_MPROF_H

#include "cnr_internal.h"

struct cnr_program;

// One bucket as a runtime.MemProfileRecord: the counts are active after
// MemProfile's flush of future[cycle % 3] (and, when nothing was published
// yet, of all three cycles).
struct cnr_mprof_record {
	uint64_t bucket;          // address of the runtime.bucket
	uint64_t size;            // bucket.size: the size each sampled allocation asked for
	uint32_t first_pc, npcs;  // the stack, return PCs innermost first: pcs[first_pc ..]
	uint64_t allocs, frees, alloc_bytes, free_bytes;
};

// A sampled object that still has its profile special.
struct cnr_mprof_sample {
	uint64_t object;          // its address
	uint32_t record;          // index into records
};

struct cnr_mprof {
	int64_t rate;             // runtime.MemProfileRate
	bool disabled_by_linker;  // runtime.disableMemoryProfiling: nothing reaches runtime.MemProfile
	uint32_t cycle;           // mProfCycle.read()
	struct cnr_mprof_record *records;
	size_t nrecords;
	uint64_t *pcs;
	size_t npcs;
	// Filled by cnr_mprof_read_samples, sorted by object.
	struct cnr_mprof_sample *samples;
	size_t nsamples;
	// What could not be read (each said once, as a warning): the profile
	// is partial when any is non-zero.
	uint64_t bad_buckets;     // skipped buckets
	bool truncated;           // the bucket list breaks off (unreadable or cyclic)
	uint64_t bad_specials;    // profile specials whose bucket is not in the list
};

// Read the buckets.  What cannot be read is logged as one warning and
// counted in *ret; errors are NO_MEMORY and missing DWARF only.  Free with
// cnr_mprof_deinit().
struct cnr_error *cnr_mprof_read(struct cnr_program *prog, struct cnr_mprof *ret);
// Also find the sampled objects (a walk over every span's specials).
struct cnr_error *cnr_mprof_read_samples(struct cnr_program *prog, struct cnr_mprof *mp);
void cnr_mprof_deinit(struct cnr_mprof *mp);

// The record of the sampled object at object, or -1 (needs the samples).
int64_t cnr_mprof_sample_record(const struct cnr_mprof *mp, uint64_t object);

// runtime/pprof protomem.go scaleHeapSample: the counts a sample of
// count allocations totalling bytes stands for at the given rate.
void cnr_mprof_scale(int64_t count, int64_t bytes, int64_t rate, int64_t *count_ret, int64_t *bytes_ret);

#endif
