// The live maps of the heap: every map header typing found (so every map
// the roots reach, at any depth), with the bytes it holds itself (header,
// buckets or directory, tables and groups) and the bytes it retains; the
// list `maps` prints and `report` takes its map suspects from.
#ifndef CNR_ANALYSIS_HEAP_MAPS_H
#define CNR_ANALYSIS_HEAP_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/alloc_sites.h"
#include "analysis/map_contents.h"
#include "goruntime/heap_graph.h"
#include "graph/bfs_tree.h"

struct cnr_map_row {
	uint32_t id;
	uint64_t addr, map_rtype;
	uint64_t shallow, retained;
};

// One definition of a map's bytes, for every command that shows them:
// shallow, what the map holds itself — its header and the internals
// (directory, tables, groups; buckets, overflow buckets) that the header
// dominates; retained, the header's retained size (what would be freed if
// the map went).  shallow <= retained always.
struct cnr_error *cnr_map_own_bytes(const struct cnr_heap_graph *hg, uint32_t header, uint64_t *shallow_ret,
				    uint64_t *retained_ret);

// Whether object id is one of a map's runtime internals (buckets,
// overflow buckets; directory, tables, groups): a path folds it into the
// map (`.items → map["k"]`).
bool cnr_map_internal_node(const struct cnr_heap_graph *hg, uint32_t id);

// Whether node is header or one of the internals header owns (dominates,
// a few steps down): the part of the map a slot in node belongs to.
bool cnr_map_owns(const struct cnr_heap_graph *hg, uint32_t header, uint32_t node);

// The live map headers of hg with their bytes (as cnr_map_own_bytes()
// counts them), sorted by retained bytes (then address).  *ret is
// malloc'ed.
struct cnr_error *cnr_heap_maps(const struct cnr_heap_graph *hg, const char *type, struct cnr_map_row **ret,
				size_t *n_ret);

// `coroner maps`: the live maps (of one type, or all), the first `shown`
// of them described one at a time (a summary each: contents can be
// large), with the retention path of each.
struct cnr_maps_list {
	struct cnr_map_row *rows; // all of them, most retained first
	size_t n, shown;
	uint64_t total_retained;  // of all n (nested maps count in their parents too)
	struct cnr_bfs_tree tree; // for the paths (only when something is shown)
	// The allocation sites of what each shown map retains: set by the
	// caller (cnr_alloc_join_load), or NULL.
	const struct cnr_alloc_join *join;
};

enum { CNR_MAPS_PATH_LEN = 2048 };

struct cnr_maps_entry {
	const struct cnr_map_row *row;
	struct cnr_map_summary sum; // zeroed when the map could not be walked (a warning said why)
	bool has_summary;
	char type[256];
	char path[CNR_MAPS_PATH_LEN];
	const struct cnr_root *root; // the path's root, NULL if unreached
	struct cnr_alloc_site *sites; // with l->join's profile: what the map retains (its dominator subtree)
	size_t nsites;
};

// top 0: show all.  Free with cnr_maps_list_deinit().
struct cnr_error *cnr_maps_list_init(struct cnr_heap_graph *hg, const char *type, size_t top,
				     struct cnr_maps_list *ret);
void cnr_maps_list_deinit(struct cnr_maps_list *l);

// Describe row i (< l->shown).  Free with cnr_maps_entry_deinit().
void cnr_maps_list_describe(struct cnr_program *prog, const struct cnr_heap_graph *hg, const struct cnr_maps_list *l,
			    size_t i, struct cnr_maps_entry *ret);
void cnr_maps_entry_deinit(struct cnr_maps_entry *e);

#endif
