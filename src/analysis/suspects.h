// Leak suspects as `report` shows them: the accumulation points of the
// dominator tree (src/graph/suspects.c, Go-free), each lifted to the map it
// belongs to when it is a map's internals (its bucket array, directory,
// tables or groups: the map is the suspect a Go developer knows), joined by
// every map that retains CNR_SUSPECT_SHARE_PERCENT of the live heap; then
// the ones over that share, and the largest others up to
// CNR_SUSPECT_MIN_SHOWN, at most `top`.  Ranked by retained bytes, ties by
// address: the same heap always gives the same list.  What a node is (a
// map header, at which address) comes from the caller, so the selection
// is tested on synthetic graphs.
#ifndef CNR_ANALYSIS_SUSPECTS_H
#define CNR_ANALYSIS_SUSPECTS_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/suspects.h"

enum {
	CNR_SUSPECT_SHARE_PERCENT = 10, // a suspect (or any map) retaining this much of the live heap is shown
	CNR_SUSPECT_MIN_SHOWN = 5,      // shown even under the share
	// An accumulation point this close below a map header (directory,
	// table, groups; buckets) is that map's.
	CNR_SUSPECT_MAP_INTERNAL_HOPS = 3,
	// Objects retaining less than 1/1000 of the live heap are no suspects.
	CNR_SUSPECT_MIN_PER_MILLE = 1,
};

// What the selection asks about a node.
struct cnr_suspect_ops {
	bool (*is_map_header)(void *arg, uint32_t node);
	uint64_t (*address)(void *arg, uint32_t node);
	void *arg;
};

struct cnr_suspect_pick {
	uint32_t node;
	uint64_t retained;
	bool is_map;
	bool over_share; // retains CNR_SUSPECT_SHARE_PERCENT of the live heap or more
};

// Whether bytes are at least percent% of live (exactly, in integers).
bool cnr_share_at_least(uint64_t bytes, uint64_t live, unsigned percent);

// The map an accumulation point belongs to (its header, at most
// CNR_SUSPECT_MAP_INTERNAL_HOPS up the dominator tree), else node itself.
uint32_t cnr_suspect_lift_to_map(const struct cnr_graph *g, const struct cnr_suspect_ops *ops, uint32_t node);

// Select at most top (>= 1) suspects of g (dominators computed, t its
// tree) whose live heap is live bytes; maps: every live map header, most
// retained first.  ret has room for top; *n_ret picks, most retained first.
struct cnr_error *cnr_select_suspects(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t, uint64_t live,
				      const struct cnr_suspect_ops *ops, const uint32_t *maps, size_t nmaps,
				      uint32_t top, struct cnr_suspect_pick *ret, uint32_t *n_ret);

// Whether node a dominates node b (a walk up b's dominator chain, capped).
bool cnr_suspect_dominates(const struct cnr_graph *g, uint32_t a, uint32_t b);

#endif
