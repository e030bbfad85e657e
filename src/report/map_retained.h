// The bytes that go with each entry of one map: what the collector would
// free if that entry alone were deleted.
#ifndef CNR_REPORT_MAP_RETAINED_H
#define CNR_REPORT_MAP_RETAINED_H

#include "graph/graph.h"

// One pointer word of an entry's key or value slot: the object holding the
// slot (its bucket, overflow bucket or group) and the object the word
// points to.  Either is CNR_GRAPH_NO_NODE when it is not a heap object.
struct cnr_map_edge {
	uint32_t holder, target;
};

// Per-entry retained bytes, exactly: the graph with each entry's slot
// words moved onto a virtual node of its own (the holder points to the
// virtual node, the virtual node to what the words point to), so that an
// object reached only through one entry's slot is dominated by that
// entry's node, while an object that two entries (or an entry and anything
// else) reach is not counted for any entry.  Subdividing an edge changes
// no dominance between the original nodes, so an entry's node can only
// take over children of its holder in the dominator tree: when the
// holder's children are reached from the holder alone (the usual case),
// each child reached only through one entry's words is that entry's, with
// all it retains, in one pass over the nodes.  Holders with a child that
// other objects point to as well get the exact computation: only the part
// of the graph below them rebuilt (whatever a node dominates is entered
// only through it) and its dominators computed.
//
// g: the heap graph, dominators and retained sizes computed.  header: the
// map header's node, or CNR_GRAPH_NO_NODE.  Entry i's pointer words are
// edges[off[i] .. off[i + 1]) (off has n + 1 elements).  retained_ret[i]
// (n of them) gets entry i's bytes; UINT64_MAX when its slot is not in the heap
// (a map kept on a stack), 0 when the map is garbage.  *map_ret gets the
// bytes of the whole map: the retained sizes of its header and of the
// internal objects no other internal object dominates.
struct cnr_error *cnr_map_entries_retained(struct cnr_graph *g, uint32_t header, const struct cnr_map_edge *edges,
					   const uint64_t *off, size_t n, uint64_t *retained_ret, uint64_t *map_ret);

#endif
