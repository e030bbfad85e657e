// The heap profile of the core as runtime/pprof would have written it
// (WriteHeapProfile, /debug/pprof/heap) at that instant: runtime.MemProfile's
// records (goruntime/mprof.h), symbolized with the runtime's pclntab,
// inlined frames grouped into locations as runtime/pprof's pcDeck does,
// values scaled by MemProfileRate as protomem.go does.
#ifndef CNR_ANALYSIS_HEAP_PROFILE_H
#define CNR_ANALYSIS_HEAP_PROFILE_H

#include "analysis/profile.h"
#include "goruntime/mprof.h"

struct cnr_program;

// Build into *ret (free with cnr_profile_deinit()) the profile of mp, one
// sample per record, in the order of runtime.mbuckets.  The function
// names are borrowed from prog's pclntab.
struct cnr_error *cnr_heap_profile_build(struct cnr_program *prog, const struct cnr_mprof *mp,
					 struct cnr_profile *ret);

// Why the core holds no heap profile, as one sentence, or NULL if it
// holds one: the linker's disableMemoryProfiling (nothing reaches
// runtime.MemProfile), or MemProfileRate = 0 with no bucket recorded.
const char *cnr_heap_profile_absence(const struct cnr_mprof *mp);

// The stack of record r as the profile shows it (leaf first), for the
// joins: *ret receives the sample's location indexes.  Valid until the
// profile is freed.
void cnr_heap_profile_stack(const struct cnr_profile *p, size_t r, const uint32_t **ret, size_t *n_ret);

#endif
