// Dominators and retained sizes.  Node u dominates node v when every path
// from the super-root to v goes through u; the retained size of u is the
// shallow size of u and of every node it dominates: the bytes the collector
// would free if u went away.
#ifndef CNR_GRAPH_DOMINATORS_H
#define CNR_GRAPH_DOMINATORS_H

#include "graph/graph.h"

// Compute the immediate dominator and the retained size of every node
// (semi-NCA, iterative, no recursion).  Does nothing if already done.  Time
// O((N + E) log N) at worst, near-linear in practice; 20 B/node kept,
// 16 B/node and 4 B per non-tree edge of scratch (the predecessor lists
// over DFS numbers, which it builds itself: the reverse graph is not
// needed).  Uses the DFS that cnr_graph_compute_reachability() left, if
// any; a second thread takes half of the edges while the lists are built.
struct cnr_error *cnr_graph_compute_dominators(struct cnr_graph *g);

// For cnr_graph_compute_reachability(): run the DFS that the dominators
// start with (reachability falls out of it) and keep it for
// cnr_graph_compute_dominators().  Does nothing if reachability is already
// known.  12 B/node kept until the dominators are computed.
struct cnr_error *cnr_graph_prepare_dominators(struct cnr_graph *g);

// After cnr_graph_compute_dominators(): node's immediate dominator,
// CNR_GRAPH_SUPER_ROOT if only the super-root dominates it (e.g. a root
// node, or a node two roots reach by separate paths), CNR_GRAPH_NO_NODE if
// it is unreachable.
static inline uint32_t cnr_graph_idom(const struct cnr_graph *g, uint32_t node)
{
	assert(g->idom && node < g->node_count);
	return g->idom[node];
}

// After cnr_graph_compute_dominators(): the reachable nodes in a preorder
// of the dominator tree, so each comes after its immediate dominator (walk
// it backwards to fold children into parents) and the nodes it dominates
// follow it contiguously: those of (*ret)[k] are (*ret)[k + 1 ..
// ends[k]) where ends = cnr_graph_dom_ends().  Siblings come in the order
// of the DFS.  *ret is valid until cnr_graph_destroy().
static inline uint32_t cnr_graph_dom_order(const struct cnr_graph *g, const uint32_t **ret)
{
	assert(g->idom);
	*ret = g->dom_order;
	return g->dom_order_count;
}

// The subtree ends of cnr_graph_dom_order(), index by index; valid until
// cnr_graph_destroy().  With a stack of open subtrees, one pass over the
// order visits the dominator tree as a DFS would, without child lists.
static inline const uint32_t *cnr_graph_dom_ends(const struct cnr_graph *g)
{
	assert(g->idom);
	return g->dom_end;
}

// Compute every node's retained size (cnr_graph_compute_dominators() does
// it as it goes: one backward pass over the DFS numbers).  Unreachable
// nodes retain 0.  Does nothing if already done.
struct cnr_error *cnr_graph_compute_retained(struct cnr_graph *g);

static inline uint64_t cnr_graph_retained(const struct cnr_graph *g, uint32_t node)
{
	assert(g->retained && node < g->node_count);
	return g->retained[node];
}

// Retained size per root label, all labels at once: ret[i] = the bytes that
// would be freed if every root entry labelled labels[i] were dropped while
// all other root entries (any label, listed or not) stay.  A node that root
// entries of two labels reach by separate paths counts for neither.  When
// each root entry has a label of its own, this is the retained size of
// each root entry (which differs from that of its node when other paths
// lead to the node).
//
// Computed as one more dominator computation over the graph with one
// virtual node per listed label between the super-root and that label's
// root entries (and one for every other entry): ret[i] is the retained size
// of label i's virtual node.  The labels must be distinct
// (CNR_ERROR_INVALID otherwise).  Needs 32 B/node of scratch on top of the
// graph; the results of cnr_graph_compute_dominators() are not touched.
struct cnr_error *cnr_graph_retained_by_labels(struct cnr_graph *g, const uint32_t *labels, size_t count,
					       uint64_t *ret);

// The same with the groups given directly: root entry r belongs to group
// group_of_entry[r] (values >= count: to no group).  ret[j], j < count, is
// what would be freed if all of group j's entries were dropped.
struct cnr_error *cnr_graph_retained_by_root_groups(struct cnr_graph *g, const uint32_t *group_of_entry,
						    uint32_t count, uint64_t *ret);

#endif
