// Retention paths: why is this node still alive?
#ifndef CNR_GRAPH_PATHS_H
#define CNR_GRAPH_PATHS_H

#include "graph/graph.h"

// A path from a root entry to a node.
struct cnr_graph_path {
	uint32_t root;   // index of the root entry (cnr_graph_root()) it starts at
	uint32_t length; // number of nodes, >= 1
	uint32_t *nodes; // nodes[0] is the root entry's node, nodes[length - 1]
			 // the target; each consecutive pair is an edge
};

// Free path->nodes (allocated by the functions below).
void cnr_graph_path_deinit(struct cnr_graph_path *path);

// A shortest path from the super-root to node: *ret starts at a root
// entry nearest to node (the lowest-numbered one among equals at the same
// node).  CNR_ERROR_NOT_FOUND if node is unreachable; CNR_ERROR_INVALID if
// it does not exist.  Free with cnr_graph_path_deinit().
struct cnr_error *cnr_graph_shortest_path(struct cnr_graph *g, uint32_t node, struct cnr_graph_path *ret);

// Up to k paths to node starting at k different root entries: the root
// entries nearest to node, each with a shortest path from it, in order of
// length.  Entries that share a node share the path (they are the same
// object held by different roots, e.g. two goroutines).  *count_ret is < k
// only when fewer root entries reach node (0 when node is unreachable).
// ret must have room for k paths; free each with cnr_graph_path_deinit().
//
// Both walk the predecessor lists breadth-first from node until enough
// root nodes are found: a query costs what it explores, often far less
// than the whole graph, and the reverse graph is built once anyway for the
// dominators.  (A forward BFS from all roots would answer every node at
// once but always costs O(N + E) and cannot tell the roots apart.)
// Scratch: 4 B per node (touched only where explored) and a queue.
struct cnr_error *cnr_graph_shortest_paths(struct cnr_graph *g, uint32_t node, uint32_t k,
					   struct cnr_graph_path *ret, uint32_t *count_ret);

#endif
