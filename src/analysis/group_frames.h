// What a goroutine group's frames hold (issue 15): for a goroutine group
// suspect, its goroutines' roots (live stack slots, blocked sends' elements)
// gathered by their place in the frame — the same function, line and
// variable or slot in every goroutine of the group ("main.(*Service).wait
// (main.go:114) var buf") — with how many goroutines hold something there,
// the type of what the first one holds, and what dropping that place in
// every goroutine of the group would free (analysis/goroutine_roots.h: one
// definition of retained-by-roots).  The places are ranked by those bytes.
#ifndef CNR_ANALYSIS_GROUP_FRAMES_H
#define CNR_ANALYSIS_GROUP_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/goroutine_groups.h"
#include "goruntime/heap_graph.h"

struct cnr_frame_hold {
	const char *place;    // the root's frame_slot, or its kind's name (owned by the root set)
	uint32_t goroutines;  // of the group with a root there
	uint64_t retained;    // freed if every goroutine of the group dropped it
	uint32_t node;        // what the first of them points at
	char type[128];       // its type, as the heap's typing names it
};

struct cnr_group_frames {
	struct cnr_frame_hold *holds; // most retained first (ties: most goroutines, then place)
	size_t n;
};

// For each of the n groups (indices into gg->groups), what their frames
// hold: ret[n].  Needs hg's dominators.  Free with cnr_group_frames_deinit().
struct cnr_error *cnr_group_frames_build(struct cnr_heap_graph *hg, const struct cnr_goroutine_groups *gg,
					 const uint32_t *groups, size_t n, struct cnr_group_frames *ret);
void cnr_group_frames_deinit(struct cnr_group_frames *f);

#endif
