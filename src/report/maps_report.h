// `coroner maps`: every map in the heap — found by typing, so every map
// header the roots reach, at any depth — with its size, its internals, the
// bytes it holds itself (header, buckets or directory, tables and groups)
// and retains, and the shortest chain of references that keeps it alive.
#ifndef CNR_REPORT_MAPS_REPORT_H
#define CNR_REPORT_MAPS_REPORT_H

#include <stdio.h>

#include "goruntime/heap_graph.h"
#include "goruntime/maps.h"

struct cnr_maps_opts {
	const char *type; // only maps of this type ("map[string]interface {}"), or NULL
	size_t top;       // rows shown, 0 = all
	bool json;
};

struct cnr_map_row {
	uint32_t id;
	uint64_t addr, map_rtype;
	uint64_t shallow, retained;
};

// The live map headers of hg, sorted by retained bytes (then address).
// *ret is malloc'ed.
struct cnr_error *cnr_heap_maps(const struct cnr_heap_graph *hg, const char *type, struct cnr_map_row **ret,
				size_t *n_ret);

// Write the maps report of hg.
struct cnr_error *cnr_maps_report(struct cnr_program *prog, const struct cnr_heap_graph *hg,
				  const struct cnr_maps_opts *opts, FILE *out);

// "root → .hop → .hop" for object id, from the tree (at most len bytes).
struct cnr_bfs_tree;
void cnr_format_retention_path(struct cnr_program *prog, const struct cnr_heap_graph *hg,
			       const struct cnr_bfs_tree *tree, uint32_t id, char *buf, size_t len);

#endif
