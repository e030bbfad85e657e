// The live maps of the heap: every map header typing found (so every map
// the roots reach, at any depth), with the bytes it holds itself (header,
// buckets or directory, tables and groups) and the bytes it retains; the
// list `maps` prints and `report` takes its map suspects from.
#ifndef CNR_ANALYSIS_HEAP_MAPS_H
#define CNR_ANALYSIS_HEAP_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "goruntime/heap_graph.h"

struct cnr_map_row {
	uint32_t id;
	uint64_t addr, map_rtype;
	uint64_t shallow, retained;
};

// The live map headers of hg, sorted by retained bytes (then address).
// *ret is malloc'ed.
struct cnr_error *cnr_heap_maps(const struct cnr_heap_graph *hg, const char *type, struct cnr_map_row **ret,
				size_t *n_ret);

#endif
