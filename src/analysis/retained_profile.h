// The dominator tree of the live heap as a pprof profile: one sample per
// object that retains at least a share of the live heap (the objects below
// it folded into their nearest such dominator), its stack the retention
// path from the root (the root's name, each hop as `coroner path` labels
// it, then the object's type), its values the bytes and objects it retains
// itself (its own plus the folded ones) and its own size.  A flame graph of
// it is exact: the width of every frame is the retained size of its object,
// and the roots together are the live heap.
#ifndef CNR_ANALYSIS_RETAINED_PROFILE_H
#define CNR_ANALYSIS_RETAINED_PROFILE_H

#include "analysis/profile.h"
#include "goruntime/heap_graph.h"

struct cnr_program;

// hg's dominators must be computed.  min_share is a fraction of the live
// heap (0.001: 0.1%); roots retaining less are folded into one sample.
struct cnr_error *cnr_retained_profile_build(struct cnr_program *prog, const struct cnr_heap_graph *hg,
					     double min_share, struct cnr_profile *ret);

#endif
