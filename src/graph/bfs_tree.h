// One breadth-first search forward from every root at once: a tree of
// shortest retention paths to every reachable node, for reports that
// need the path of many objects (one search instead of one per object).
#ifndef CNR_GRAPH_BFS_TREE_H
#define CNR_GRAPH_BFS_TREE_H

#include "graph/graph.h"

enum {
	CNR_BFS_UNREACHED = UINT32_MAX, // no root reaches the node
	CNR_BFS_ROOT = UINT32_MAX - 1,  // the node is a root's (its entry: root_entry)
};

struct cnr_bfs_tree {
	uint32_t *parent;     // [node]: the node before it, or CNR_BFS_ROOT / CNR_BFS_UNREACHED
	uint32_t *root_entry; // [node]: the root entry whose path reaches it (valid if reached)
};

// Roots are seeded in entry order, so ties go to the first root added.
struct cnr_error *cnr_graph_bfs_tree(const struct cnr_graph *g, struct cnr_bfs_tree *ret);
void cnr_bfs_tree_deinit(struct cnr_bfs_tree *t);

// The path to node: nodes from the root's node to node itself, at most max;
// returns its length (0 if unreached).  Capped against a corrupt tree.
uint32_t cnr_bfs_tree_path(const struct cnr_bfs_tree *t, uint32_t node, uint32_t *nodes, uint32_t max);

#endif
