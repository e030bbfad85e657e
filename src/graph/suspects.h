// Leak suspects: the objects where a heap's retained bytes accumulate.
//
// A leak is nearly always a container that only grows: a map, a slice, a
// list.  In the dominator tree it shows as a chain of objects that each
// hand most of their retained bytes down to one child (a global's map
// header, its directory or bucket array), ending at an object whose
// retained bytes are spread over many children (the entries).  That object
// is the accumulation point; the chain above it is how it is held.
//
// cnr_graph_find_suspects() walks the dominator tree from the super-root,
// largest retained first, through every object that hands at least half
// its retained bytes to one child, and stops at the others: they are the
// suspects.  It also stops at the head of a chain, an object that hands
// them to a child of its own size which hands them on to a third of that
// size (a linked list, whose tail the walk would otherwise reach).
// Suspects never dominate one another.
#ifndef CNR_GRAPH_SUSPECTS_H
#define CNR_GRAPH_SUSPECTS_H

#include "graph/graph.h"

// The dominator tree as child lists (CSR) with subtree sizes, 12 B/node.
struct cnr_graph_dom_tree {
	uint32_t node_count;
	uint32_t *first;    // [node_count + 2]: node v's children are
			    // children[first[v] .. first[v + 1]); v = node_count
			    // stands for the super-root
	uint32_t *children; // each node's in increasing ID order
	uint32_t *size;     // [node_count] nodes in v's subtree, v included;
			    // 0 for unreachable nodes
};

// Build the child lists and subtree sizes of g's dominator tree, computing
// g's dominators and retained sizes first if needed: two sequential passes
// over the nodes and one backward over the dominator order.  Free with cnr_graph_dom_tree_deinit().
struct cnr_error *cnr_graph_dom_tree_init(struct cnr_graph *g, struct cnr_graph_dom_tree *ret);
void cnr_graph_dom_tree_deinit(struct cnr_graph_dom_tree *t);

// The children of node (or of CNR_GRAPH_SUPER_ROOT) in the dominator tree:
// *ret valid until cnr_graph_dom_tree_deinit().
static inline uint32_t cnr_graph_dom_tree_children(const struct cnr_graph_dom_tree *t, uint32_t node,
						   const uint32_t **ret)
{
	uint32_t v = node == CNR_GRAPH_SUPER_ROOT ? t->node_count : node;
	assert(v <= t->node_count);
	*ret = &t->children[t->first[v]];
	return t->first[v + 1] - t->first[v];
}

// The up to k children of node in the dominator tree that retain the most,
// largest first (ties: lower node ID first), into ret (room for k);
// returns how many.  O(children * log k).
uint32_t cnr_graph_dom_tree_top_children(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
					 uint32_t node, uint32_t k, uint32_t *ret);

// *ret = the number of nodes node dominates, itself included (0 if
// unreachable).  O(1): the sizes are counted by cnr_graph_dom_tree_init().
struct cnr_error *cnr_graph_dom_tree_count(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
					   uint32_t node, uint64_t *ret);

// Up to max suspects, the most retained first (ties: lower node ID), into
// ret (room for max); *count_ret how many.  Objects retaining fewer than
// min_bytes are neither suspects nor walked through.
struct cnr_error *cnr_graph_find_suspects(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t, uint32_t max,
					  uint64_t min_bytes, uint32_t *ret, uint32_t *count_ret);

#endif
