// Reachability from the super-root.  Nodes that no root reaches are
// garbage: the Go collector would free them on its next cycle.
#ifndef CNR_GRAPH_REACH_H
#define CNR_GRAPH_REACH_H

#include "graph/graph.h"

// Mark every node reachable from a root.  Does nothing if already done.
// Callers go on to the dominators, so this runs their DFS (see
// cnr_graph_prepare_dominators()), which marks the same nodes, and keeps it
// for them.
struct cnr_error *cnr_graph_compute_reachability(struct cnr_graph *g);

// After cnr_graph_compute_reachability():
static inline bool cnr_graph_is_reachable(const struct cnr_graph *g, uint32_t node)
{
	assert(g->reachable_bits && node < g->node_count);
	return cnr_graph_bit(g->reachable_bits, node);
}

static inline uint32_t cnr_graph_reachable_count(const struct cnr_graph *g)
{
	assert(g->reachable_bits);
	return g->reachable_count;
}

// Total shallow bytes of the reachable nodes.
static inline uint64_t cnr_graph_reachable_bytes(const struct cnr_graph *g)
{
	assert(g->reachable_bits);
	return g->reachable_bytes;
}

// *ret = the bytes that would be freed if the given nodes were deleted,
// i.e. every edge and root entry into them dropped: the bytes reachable now
// minus those still reachable when the walk may not enter the set.  The
// nodes' own sizes count when they are reachable; unreachable nodes and
// duplicates in the list change nothing.  This is the retained size of a
// virtual node that would replace the whole set (for one node it equals
// cnr_graph_retained()), computed exactly by one more walk: O(N + E) time,
// N/4 bytes of scratch and a stack of at most N IDs.  Computes reachability
// first if needed.  A node ID >= N is CNR_ERROR_INVALID.
struct cnr_error *cnr_graph_retained_by_set(struct cnr_graph *g, const uint32_t *nodes, size_t count,
					    uint64_t *ret);

#endif
