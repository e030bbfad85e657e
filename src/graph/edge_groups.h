// Retained sizes of groups of edges: the bytes that go with each group of
// pointer words, what the collector would free if those words alone were
// cleared.  Knows nothing of Go: for `coroner map` the groups are a map's
// entries (each the pointer words of one key and value slot), the holders
// its buckets or groups, the owner its header (src/analysis/map_contents.c).
#ifndef CNR_GRAPH_EDGE_GROUPS_H
#define CNR_GRAPH_EDGE_GROUPS_H

#include "graph/graph.h"

// One pointer word of a group: the node holding the word and the node the
// word points to.  Either is CNR_GRAPH_NO_NODE when it is not in the graph
// (a word outside the heap, a pointer to non-heap memory).
struct cnr_group_edge {
	uint32_t holder, target;
};

// Per-group retained bytes, exactly: the graph with each group's words
// moved onto a virtual node of its own (the holder points to the virtual
// node, the virtual node to what the words point to), so that a node
// reached only through one group's words is dominated by that group's
// node, while a node that two groups (or a group and anything else) reach
// is not counted for any group.  Subdividing an edge changes no dominance
// between the original nodes, so a group's node can only take over
// children of its holder in the dominator tree: when the holder's children
// are reached from the holder alone (the usual case), each child reached
// only through one group's words is that group's, with all it retains, in
// one pass over the nodes.  Holders with a child that other nodes point to
// as well get the exact computation: only the part of the graph below them
// rebuilt (whatever a node dominates is entered only through it) and its
// dominators computed.
//
// g: dominators and retained sizes computed.  owner: the node that owns the
// holders (a map's header), or CNR_GRAPH_NO_NODE.  Group i's words are
// edges[off[i] .. off[i + 1]) (off has n + 1 elements).  retained_ret[i]
// (n of them) gets group i's bytes; UINT64_MAX when its holder is not in
// the graph, 0 when the holder is unreachable.  *whole_ret gets the bytes
// of the whole: the retained sizes of the owner and of the holders no
// other holder dominates.
struct cnr_error *cnr_graph_edge_groups_retained(struct cnr_graph *g, uint32_t owner, const struct cnr_group_edge *edges,
						 const uint64_t *off, size_t n, uint64_t *retained_ret, uint64_t *whole_ret);

#endif
