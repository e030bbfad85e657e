// The object graph: N nodes numbered 0..N-1, each with a shallow size in
// bytes, directed edges in CSR form, and a virtual super-root whose
// children are the root entries.  It knows nothing of Go: callers map node
// IDs and root labels to objects and names.
//
// Memory (N nodes, E edges, all arrays flat, no per-node allocation):
//   builder           8 B/node + 8 B/edge (12 B/edge while unsorted edges
//                     are turned into CSR)
//   graph             12 B/node + 4 B/edge
//   reverse graph     +4 B/node + 4 B/edge (cnr_graph_build_reverse(), for
//                     paths and retainers; the dominators do without)
//   reachability      +1 bit/node, and the DFS of the dominators: +12 B/node
//                     kept until they are computed, a stack of at most
//                     8 B/edge while walking
//   dominators        +20 B/node kept (idoms, retained sizes, the dominator
//                     tree's preorder and subtree ends); +16 B/node and 4 B
//                     per edge that is not a DFS tree edge of scratch while
//                     computing (and the DFS if reachability did not run
//                     first)
// 19 M nodes and 40 M edges peak at about 0.73 GB through the dominators,
// 1.0 GB once the reverse graph is built for paths (bench/graph/).
#ifndef CNR_GRAPH_GRAPH_H
#define CNR_GRAPH_GRAPH_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cnr_internal.h"

// "No node": the idom of an unreachable node, an absent parent.
static const uint32_t CNR_GRAPH_NO_NODE = UINT32_MAX;
// The idom of a node that only the virtual super-root dominates.
static const uint32_t CNR_GRAPH_SUPER_ROOT = UINT32_MAX - 1;
// Node IDs stop below the two sentinels; a few more are kept free for the
// virtual nodes the dominator computation adds (see dominators.c).
static const uint32_t CNR_GRAPH_MAX_NODES = UINT32_MAX - 16;
// Edge offsets are uint32_t: 4 G edges would already need ~50 GB here.
// NEEDSWORK: switch the offsets to uint64_t if a heap ever gets there.
static const uint32_t CNR_GRAPH_MAX_EDGES = UINT32_MAX;

struct cnr_graph_root {
	uint32_t node;
	uint32_t label; // the caller's, e.g. an index into its table of names
};

struct cnr_graph {
	uint32_t node_count;
	uint32_t edge_count;
	uint32_t root_count;
	uint64_t *sizes;         // [node_count] shallow bytes
	uint32_t *out_offsets;   // [node_count + 1]
	uint32_t *out_targets;   // [edge_count], each node's in the order added
	uint32_t *in_offsets;    // [node_count + 1]; NULL until built
	uint32_t *in_sources;    // [edge_count], each node's in increasing order
	struct cnr_graph_root *roots; // [root_count], in the order added
	uint64_t *root_bits;     // bit per node: the node of some root entry
	uint32_t *roots_by_node; // root entry indices sorted by (node, index)

	// reach.c: NULL until cnr_graph_compute_reachability().
	uint64_t *reachable_bits;
	uint32_t reachable_count;
	uint64_t reachable_bytes;

	// dominators.c: NULL until cnr_graph_compute_dominators().
	uint32_t *idom;          // [node_count]
	uint32_t *dom_order;     // reachable nodes, a preorder of the dominator tree
	uint32_t *dom_end;       // [dom_order_count] end of each one's subtree in it
	uint32_t dom_order_count;
	uint64_t *retained;      // [node_count]; NULL until cnr_graph_compute_retained()
	// dominators.c: the DFS that cnr_graph_compute_reachability() ran,
	// kept for cnr_graph_compute_dominators() (which frees it).
	uint32_t *dfs_dfnum, *dfs_vertex, *dfs_parent;
	uint32_t dfs_n;

	// Where the long computations report their progress (NULL: nowhere);
	// see cnr_graph_set_ctx().
	struct cnr_ctx *ctx;
};

struct cnr_graph_builder;

// An empty builder.  Nodes get IDs 0, 1, ... in the order they are added;
// edges and roots may be added in any order and may name nodes not added
// yet: IDs are checked by cnr_graph_builder_finish().
struct cnr_error *cnr_graph_builder_create(struct cnr_graph_builder **ret);
void cnr_graph_builder_destroy(struct cnr_graph_builder *b);
// Reserve room for this many nodes and edges in all, so that large graphs
// are not copied as they grow.
struct cnr_error *cnr_graph_builder_reserve(struct cnr_graph_builder *b, size_t nodes, size_t edges);
// Add a node of size bytes; *ret is its ID.
struct cnr_error *cnr_graph_builder_add_node(struct cnr_graph_builder *b, uint64_t size,
					     uint32_t *ret);
uint32_t cnr_graph_builder_node_count(const struct cnr_graph_builder *b);
// Add the edge src -> dst.  Duplicates and self-loops are kept.  Edges
// added grouped by source (as a heap walk produces them) are turned into
// CSR without copying.
struct cnr_error *cnr_graph_builder_add_edge(struct cnr_graph_builder *b, uint32_t src, uint32_t dst);
struct cnr_error *cnr_graph_builder_add_edges(struct cnr_graph_builder *b, uint32_t src,
					      const uint32_t *dsts, size_t count);
// Make node a child of the super-root.  A node may be the target of several
// root entries (with the same or different labels).
struct cnr_error *cnr_graph_builder_add_root(struct cnr_graph_builder *b, uint32_t node, uint32_t label);
// Check every node ID and build the graph.  The builder is consumed (its
// arrays become the graph's), on success and on error alike; free *ret
// with cnr_graph_destroy().  An edge or root naming a node that does not
// exist is CNR_ERROR_CORRUPT.
struct cnr_error *cnr_graph_builder_finish(struct cnr_graph_builder *b, struct cnr_graph **ret);

void cnr_graph_destroy(struct cnr_graph *g);

// Report the progress of reachability ("reachability") and dominators
// ("dominators", "retained by root") through ctx, which must outlive g.
static inline void cnr_graph_set_ctx(struct cnr_graph *g, struct cnr_ctx *ctx)
{
	g->ctx = ctx;
}

// Build the predecessor lists (reverse CSR) if they are not built yet.
// Functions that need them call this themselves.
struct cnr_error *cnr_graph_build_reverse(struct cnr_graph *g);

// The direct retainers of node: *ret points into the graph, valid until
// cnr_graph_destroy(); *count_ret of them, in increasing order, each once
// per edge.  Super-root entries are not included (see cnr_graph_is_root()).
struct cnr_error *cnr_graph_predecessors(struct cnr_graph *g, uint32_t node, const uint32_t **ret,
					 uint32_t *count_ret);

// CNR_ERROR_INVALID unless node names a node of g (for query arguments:
// node IDs inside the graph were checked when it was built).
struct cnr_error *cnr_graph_check_node(const struct cnr_graph *g, uint32_t node);

static inline uint32_t cnr_graph_node_count(const struct cnr_graph *g)
{
	return g->node_count;
}

static inline uint32_t cnr_graph_edge_count(const struct cnr_graph *g)
{
	return g->edge_count;
}

static inline uint64_t cnr_graph_size(const struct cnr_graph *g, uint32_t node)
{
	assert(node < g->node_count);
	return g->sizes[node];
}

// node's successors: *ret valid until cnr_graph_destroy().
static inline uint32_t cnr_graph_successors(const struct cnr_graph *g, uint32_t node,
					    const uint32_t **ret)
{
	assert(node < g->node_count);
	*ret = &g->out_targets[g->out_offsets[node]];
	return g->out_offsets[node + 1] - g->out_offsets[node];
}

static inline uint32_t cnr_graph_root_count(const struct cnr_graph *g)
{
	return g->root_count;
}

static inline struct cnr_graph_root cnr_graph_root(const struct cnr_graph *g, uint32_t i)
{
	assert(i < g->root_count);
	return g->roots[i];
}

static inline bool cnr_graph_bit(const uint64_t *bits, uint32_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static inline void cnr_graph_set_bit(uint64_t *bits, uint32_t i)
{
	bits[i / 64] |= UINT64_C(1) << (i % 64);
}

static inline size_t cnr_graph_bit_words(uint32_t n)
{
	return ((size_t)n + 63) / 64;
}

// malloc (or calloc if zero) for an array of count elements of size
// bytes: NULL on overflow or ENOMEM, never for count 0.  Free with free().
// (The one place to change how the big arrays are allocated.  Advising
// transparent huge pages was tried: on the KVM guest of bench/graph/ the
// page-fault and compaction cost outweighed the fewer TLB misses.)
void *cnr_graph_alloc(size_t count, size_t size, bool zero);

// Whether node is the node of some root entry.
static inline bool cnr_graph_is_root(const struct cnr_graph *g, uint32_t node)
{
	assert(node < g->node_count);
	return cnr_graph_bit(g->root_bits, node);
}

// The root entries whose node is node: *ret points to *count_ret entry
// indices in increasing order (into the graph; valid until
// cnr_graph_destroy()).
uint32_t cnr_graph_roots_of(const struct cnr_graph *g, uint32_t node, const uint32_t **ret);

#endif
