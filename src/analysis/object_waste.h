// What `coroner object ADDR` says an object wastes (issue 15): the slice
// waste of a backing array a root holds through a slice re-sliced short
// (analysis/slice_waste.h), and for a map header the larger strings its
// string keys pin (analysis/substring_waste.h), so that the object view
// tells the same facts as `report` does for a suspect.
#ifndef CNR_ANALYSIS_OBJECT_WASTE_H
#define CNR_ANALYSIS_OBJECT_WASTE_H

#include <stdbool.h>

#include "analysis/slice_waste.h"
#include "analysis/substring_waste.h"
#include "goruntime/heap_graph.h"

struct cnr_object_waste {
	bool has_slice;
	struct cnr_slice_waste slice;
	const struct cnr_root *slice_root; // the root whose slice it is
	bool has_substrings;               // a map: its string keys were read
	struct cnr_substring_waste substrings;
};

// The waste of the object [addr, addr + size) (hg built and typed).  A map
// that cannot be walked is a warning, not an error.
struct cnr_error *cnr_object_waste_of(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t addr,
				      uint64_t size, struct cnr_object_waste *ret);

#endif
