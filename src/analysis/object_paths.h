// Who keeps an object alive (`coroner path`): the object asked for — at an
// address, or the live object of a type that retains the most — and up to
// k shortest retention paths to it from different roots, each hop with its
// object's address, type, size and retained bytes and the field it is
// reached through, as Go writes it (`.items`, `[3]`, `map["user:12"]`).
#ifndef CNR_ANALYSIS_OBJECT_PATHS_H
#define CNR_ANALYSIS_OBJECT_PATHS_H

#include <stdint.h>

#include "goruntime/heap_graph.h"

enum { CNR_HOP_TEXT_LEN = 256 };

struct cnr_path_hop {
	uint64_t addr, size, retained;
	char type[CNR_HOP_TEXT_LEN];
	char via[CNR_HOP_TEXT_LEN]; // the edge from the hop before ("" for the first)
};

struct cnr_object_path {
	const struct cnr_root *root;
	struct cnr_path_hop *hops; // hops[0] is the root's object, the last the target
	uint32_t nhops;
};

struct cnr_object_paths {
	uint64_t addr, size, retained; // the target
	char type[CNR_HOP_TEXT_LEN];
	uint64_t of_type; // by type: how many live objects have it, else 0
	struct cnr_object_path *paths;
	uint32_t npaths;
};

// The live object of type name (or of the untyped group top names
// "unknown (...)") retaining the most bytes (the first in
// node order among equals) as a node of hg's graph, UINT64_MAX if none;
// *count_ret how many live objects have the type.
uint64_t cnr_live_object_of_type(const struct cnr_heap_graph *hg, const char *name, uint64_t *count_ret);

// Up to k paths to the object holding addr (type NULL), or to the live
// object of type that retains the most.  CNR_ERROR_NOT_FOUND when there is
// no such object or it is garbage.  Free with cnr_object_paths_deinit().
struct cnr_error *cnr_object_paths_find(struct cnr_program *prog, struct cnr_heap_graph *hg, uint64_t addr,
					const char *type, uint32_t k, struct cnr_object_paths *ret);
void cnr_object_paths_deinit(struct cnr_object_paths *p);

#endif
