// `coroner maps`: every map in the heap — found by typing, so every map
// header the roots reach, at any depth — with its size, its internals, the
// bytes it holds itself (header, buckets or directory, tables and groups)
// and retains, and the shortest chain of references that keeps it alive.
#ifndef CNR_REPORT_MAPS_REPORT_H
#define CNR_REPORT_MAPS_REPORT_H

#include <stdio.h>

#include "goruntime/heap_graph.h"
#include "analysis/heap_maps.h"
#include "goruntime/maps.h"

struct cnr_maps_opts {
	const char *type; // only maps of this type ("map[string]interface {}"), or NULL
	size_t top;       // rows shown, 0 = all
	bool json;
};

// Write the maps report of hg.
struct cnr_error *cnr_maps_report(struct cnr_program *prog, const struct cnr_heap_graph *hg,
				  const struct cnr_maps_opts *opts, FILE *out);

#endif
