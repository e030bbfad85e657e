// The accumulation point below a suspect (issue 15), as MAT finds it: from
// the suspect, descend the dominator tree while one child keeps at least
// CNR_ACCUMULATION_BIG_DROP_PERCENT of the retained bytes; where they
// spread out over many children is where they accumulate.  A map's
// internals (buckets, directory, groups) count as their map.
//
// Where that point is a struct that only holds a container (an LRU cache:
// a map and a list over the same elements), the dominator tree alone stops
// at the struct: the elements are reachable through both the map and the
// list, so the struct dominates them directly.  The container is then the
// object close below the point (at most CNR_ACCUMULATION_HOPS pointers,
// among the objects the point dominates) whose own pointers — a map's
// through its internals — reach the children holding at least
// CNR_ACCUMULATION_BIG_DROP_PERCENT of the point's bytes: the map whose
// entries they are.  For the entries it also names what each one's value
// keeps (the same descent from each child the container reaches: an
// element of a list → the map[string]interface {} it holds).
//
// Go-free: what a node is (a map header, its type's name) comes from the
// caller, so it is tested on synthetic graphs.
#ifndef CNR_ANALYSIS_ACCUMULATION_H
#define CNR_ANALYSIS_ACCUMULATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/suspects.h"
#include "graph/suspects.h"

enum {
	CNR_ACCUMULATION_BIG_DROP_PERCENT = 70, // MAT's big-drop ratio: one child keeps this much
	CNR_ACCUMULATION_HOPS = 3,              // pointers from the point to its container
	CNR_ACCUMULATION_MAX_PATH = 64,         // nodes on the way from the suspect
};

struct cnr_accumulation {
	uint32_t point;     // where the bytes spread out (the suspect itself if there)
	uint32_t container; // the map, slice or buffer whose entries hold them; CNR_GRAPH_NO_NODE if none
	uint64_t held;      // bytes of the point that the container's entries hold
	// The way from the suspect to the container (or the point), the
	// suspect first: npath nodes, each pointing to the next.
	uint32_t path[CNR_ACCUMULATION_MAX_PATH];
	uint32_t npath;
	// What the entries' values keep: the accumulation point below most of
	// the children the container holds (CNR_GRAPH_NO_NODE if none), and
	// for how many of them.
	uint32_t payload;
	uint64_t payload_count, entries_seen;
	char payload_type[256]; // as ops->type_name names it
};

// What the descent asks about a node, beyond cnr_suspect_ops.
struct cnr_accumulation_ops {
	const struct cnr_suspect_ops *suspect; // is_map_header, address
	// The name of the node's type, into buf (len bytes).
	void (*type_name)(void *arg, uint32_t node, char *buf, size_t len);
	void *arg;
};

// The accumulation point and container below suspect (g's dominators
// computed, t its tree).  Bounded: at most a few thousand nodes visited.
struct cnr_error *cnr_accumulation_find(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
					const struct cnr_accumulation_ops *ops, uint32_t suspect,
					struct cnr_accumulation *ret);

// The node the descent reaches from node: the one-child chain followed
// down the dominator tree, lifted to its map.
uint32_t cnr_accumulation_descend(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
				  const struct cnr_suspect_ops *ops, uint32_t node);

#endif
