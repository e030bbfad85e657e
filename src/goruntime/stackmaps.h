// Live pointer slots of a goroutine's frames: the locals and arguments
// pointer maps (FUNCDATA_LocalsPointerMaps / ArgsPointerMaps) at the
// frame's pc, decoded as the GC's scanframeworker does (runtime/stkframe.go
// getStackMap).  These are the stack roots of the retention graph.
#ifndef CNR_GORUNTIME_STACKMAPS_H
#define CNR_GORUNTIME_STACKMAPS_H

#include "goruntime/goroutines.h"

enum cnr_slot_kind {
	CNR_SLOT_LOCAL,        // a live local from the locals map
	CNR_SLOT_ARG,          // a live argument from the args map
	CNR_SLOT_CONSERVATIVE, // a word of an interrupted frame: maybe a pointer
};

// Called once per live slot with its address and the pointer it holds.
typedef void cnr_slot_fn(void *arg, uint64_t slot, uint64_t value, enum cnr_slot_kind kind);

// Report the live pointer slots of frame fr (index i of its goroutine; the
// innermost is 0).  An interrupted innermost frame (g->trap: a running
// goroutine stopped by a signal) is not at a safe point, so, like the GC
// for asyncPreempt (runtime/mgcmark.go scanframeworker), every word of it
// is reported as conservative.
struct cnr_error *cnr_frame_live_slots(struct cnr_program *prog, const struct cnr_goroutine *g,
				       const struct cnr_frame *fr, size_t i, cnr_slot_fn *fn, void *arg);

#endif
