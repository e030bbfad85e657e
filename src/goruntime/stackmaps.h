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

// One live slot: its address, the pointer it holds, and the DWARF
// variable covering it at the frame's pc (NULL if DWARF cannot name it;
// var_offset is the slot's offset inside that variable).
struct cnr_live_slot {
	uint64_t slot, value;
	enum cnr_slot_kind kind;
	const char *var;
	uint64_t var_offset;
	uint64_t var_type; // DWARF type of var (0 if unnamed)
	// Not 0: the slot is a pointer word of the header of var's map, which
	// sits on the stack at map_header; var_type is the header's type.
	uint64_t map_header;
};

typedef void cnr_slot_fn(void *arg, const struct cnr_live_slot *s);

// Report the live pointer slots of frame fr (index i of its goroutine; the
// innermost is 0).  An interrupted innermost frame (g->trap: a running
// goroutine stopped by a signal) is not at a safe point, so, like the GC
// for asyncPreempt (runtime/mgcmark.go scanframeworker), every word of it
// is reported as conservative.
struct cnr_error *cnr_frame_live_slots(struct cnr_program *prog, const struct cnr_goroutine *g,
				       const struct cnr_frame *fr, size_t i, cnr_slot_fn *fn, void *arg);

#endif
