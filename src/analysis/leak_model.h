// The leak model behind `coroner report`, computed once and held in
// memory, so that every writer (text, JSON) and every feature built on it
// (goroutine suspects, allocation sites, the diff of two cores) reads the
// same facts: what the process was (program info, MemStats, goroutines by
// state); the suspects (analysis/suspects.h), each with its type, its
// shortest retention path and root, the suspect above it that dominates
// it, the objects it dominates, for a map its contents, where its bytes
// accumulate below it (analysis/accumulation.h), its slice and substring
// waste, and the goroutines whose own roots hold it
// (analysis/goroutine_reach.h); the goroutine groups
// (analysis/goroutine_groups.h) with what their roots retain
// (analysis/goroutine_roots.h) and what their frames hold; and the types
// that retain the most.  Every
// list is sorted on values (bytes, counts, then addresses, ids or names):
// nothing depends on the order of a hash table.  Prints nothing.
#ifndef CNR_ANALYSIS_LEAK_MODEL_H
#define CNR_ANALYSIS_LEAK_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis/accumulation.h"
#include "analysis/alloc_sites.h"
#include "analysis/goroutine_groups.h"
#include "analysis/group_frames.h"
#include "analysis/group_suspects.h"
#include "analysis/heap_maps.h"
#include "analysis/slice_waste.h"
#include "analysis/suspects.h"
#include "analysis/top.h"
#include "goruntime/heap_graph.h"
#include "goruntime/memstats.h"
#include "goruntime/missing.h"
#include "goruntime/program.h"
#include "analysis/map_contents.h"

enum {
	CNR_LEAK_PATH_LEN = 4096,
	CNR_LEAK_TYPE_LEN = 256,
	CNR_LEAK_TOP_TYPES = 10, // rows of the type table
};

// Where a suspect's bytes accumulate below it (analysis/accumulation.h),
// when that is another object than the suspect: a map (with its summary),
// a slice's array or a buffer whose entries hold them, or the point where
// the dominator tree spreads out.
struct cnr_leak_accumulation {
	uint32_t node;
	uint64_t addr, retained;
	uint64_t held;           // the bytes the container's entries hold (0: no container, node is the point)
	bool is_map, has_summary;
	struct cnr_map_summary map;
	char type[CNR_LEAK_TYPE_LEN];
	char path[CNR_LEAK_PATH_LEN]; // from the suspect: ".lru → .items"
	char payload[CNR_LEAK_TYPE_LEN]; // what most entries' values keep, "" if nothing below them
	uint64_t payload_count, entries_seen;
};

struct cnr_leak_suspect {
	uint32_t node;
	uint64_t addr, size, shallow, retained, objects;
	bool is_map;
	uint64_t map_rtype;
	bool has_summary; // map holds the map's contents
	struct cnr_map_summary map;
	char type[CNR_LEAK_TYPE_LEN];
	char path[CNR_LEAK_PATH_LEN];
	const struct cnr_root *root; // the root of the path, NULL if unreached
	uint32_t within;   // 1 + the index of a suspect ranked above that dominates it, 0 if none
	uint32_t *gors;    // indices into hg->gs.gs of the goroutines whose roots hold it, by goid
	size_t ngors;
	bool gors_bounded; // a dominator chain was cut: other goroutines may hold it
	bool over_share;   // retains CNR_SUSPECT_SHARE_PERCENT of the live heap or more
	bool has_slice;    // held directly through a slice: slice says its len, cap and waste
	struct cnr_slice_waste slice;
	bool has_accumulation; // acc says where its bytes accumulate below it
	struct cnr_leak_accumulation acc;
	// The larger strings its map's (or its accumulation map's) string
	// keys pin (analysis/substring_waste.h).
	struct cnr_substring_waste substrings;
	// A goroutine group suspect (analysis/group_suspects.h): node, addr,
	// type and path are unused; created_by/site say its go statement.
	const struct cnr_leak_group *group;
	bool likely_goroutine_leak;
	struct cnr_group_frames frames; // what its goroutines' frames hold, by place
	char created_by[CNR_LEAK_TYPE_LEN]; // "main.(*Service).handle"
	char site[CNR_LEAK_PATH_LEN];       // "/src/svc.go:71"
	struct cnr_alloc_site *sites; // allocation sites of the sampled objects it retains
	size_t nsites;
};


struct cnr_leak_model {
	const struct cnr_heap_graph *hg;
	struct cnr_program_info info;
	struct cnr_memstats ms;
	bool ms_ok;
	struct cnr_state_count *states; // goroutines by state, most first
	size_t nstates;
	struct cnr_leak_suspect *suspects; // most retained first
	size_t nsuspects;
	uint32_t over_share; // how many of them retain CNR_SUSPECT_SHARE_PERCENT or more
	uint32_t ngroup_suspects; // how many of them are goroutine groups
	// Runtime and library internals under the share, folded out of the
	// suspects (analysis/internals.h): how many, and their retained bytes.
	uint32_t internal_objects;
	uint64_t internal_retained;
	struct cnr_goroutine_groups groups;
	struct cnr_leak_group *ranked; // [groups.ngroups]: most goroutines first, then most retained
	struct cnr_top_row *types;     // by retained bytes
	size_t ntypes;
	unsigned warnings; // warnings the analysis (and what came before it) raised
	struct cnr_missing missing; // what a cut-short core lost
	// The heap profile inside the core joined with the suspects; NULL if
	// it could not be read at all (a warning said why).  Allocated: the
	// join's index points into it, so the model can be copied.
	struct cnr_alloc_join *join;
};

// Compute the model of hg (built by cnr_heap_graph_build()) with at most
// top (>= 1) suspects.  The model points into hg and prog: they must
// outlive it.  Free with cnr_leak_model_deinit().
// The object suspects of hg as report ranks them (analysis/suspects.h:
// accumulation points lifted to their maps, and the big maps), at most
// top into picks; the one list `report` and `dot` draw from.  With
// maps_ret, the live maps as cnr_heap_maps() lists them (malloc'ed).
struct cnr_error *cnr_heap_object_suspects(struct cnr_heap_graph *hg, const struct cnr_graph_dom_tree *t, uint32_t top,
					   struct cnr_suspect_pick *picks, uint32_t *n_ret, struct cnr_map_row **maps_ret,
					   size_t *nmaps_ret);

struct cnr_error *cnr_leak_model_build(struct cnr_program *prog, struct cnr_heap_graph *hg, uint32_t top,
				       struct cnr_leak_model *ret);
void cnr_leak_model_deinit(struct cnr_leak_model *m);

// Where goroutine g was created (its go statement), as Go's traceback
// prints it: the function into created_by ("main.(*Service).handle") and
// "file:line" into site; both left untouched if unknown (or goroutine 1).
void cnr_goroutine_creation_site(struct cnr_program *prog, const struct cnr_goroutine *g, char *created_by,
				 size_t created_by_len, char *site, size_t site_len);

#endif
