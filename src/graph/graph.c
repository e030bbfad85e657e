// Building the object graph: edges arrive as (src, dst) pairs in any order
// and become CSR with one counting pass and one fill pass.  No allocation
// per node anywhere.
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

#include "util/search.h"
#include "util/vector.h"

DEFINE_VECTOR(cnr_graph_u32_vector, uint32_t)
DEFINE_VECTOR(cnr_graph_u64_vector, uint64_t)
DEFINE_VECTOR(cnr_graph_root_vector, struct cnr_graph_root)

void *cnr_graph_alloc(size_t count, size_t size, bool zero)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	// Never ask for 0 bytes: NULL must mean failure.
	if (zero)
		return calloc(count ? count : 1, size ? size : 1);
	return malloc(count && size ? count * size : 1);
}

struct cnr_graph_builder {
	struct cnr_graph_u64_vector sizes;
	// Edges as two parallel arrays rather than an array of pairs: when they
	// arrive grouped by source, dst already is the CSR target array.
	struct cnr_graph_u32_vector src, dst;
	struct cnr_graph_root_vector roots;
	bool sorted; // src is non-decreasing so far
};

struct cnr_error *cnr_graph_builder_create(struct cnr_graph_builder **ret)
{
	struct cnr_graph_builder *b = calloc(1, sizeof(*b));
	if (!b)
		return &cnr_enomem;
	b->sorted = true;
	*ret = b;
	return NULL;
}

void cnr_graph_builder_destroy(struct cnr_graph_builder *b)
{
	if (!b)
		return;
	cnr_graph_u64_vector_deinit(&b->sizes);
	cnr_graph_u32_vector_deinit(&b->src);
	cnr_graph_u32_vector_deinit(&b->dst);
	cnr_graph_root_vector_deinit(&b->roots);
	free(b);
}

struct cnr_error *cnr_graph_builder_reserve(struct cnr_graph_builder *b, size_t nodes, size_t edges)
{
	if (nodes > CNR_GRAPH_MAX_NODES || edges > CNR_GRAPH_MAX_EDGES)
		return cnr_error_create(CNR_ERROR_INVALID,
					"cannot reserve %zu nodes and %zu edges: graph too large", nodes,
					edges);
	if (!cnr_graph_u64_vector_reserve(&b->sizes, nodes) ||
	    !cnr_graph_u32_vector_reserve(&b->src, edges) || !cnr_graph_u32_vector_reserve(&b->dst, edges))
		return &cnr_enomem;
	return NULL;
}

struct cnr_error *cnr_graph_builder_add_node(struct cnr_graph_builder *b, uint64_t size, uint32_t *ret)
{
	if (b->sizes.size >= CNR_GRAPH_MAX_NODES)
		return cnr_error_create(CNR_ERROR_INVALID, "cannot add node: graph has %zu nodes already",
					b->sizes.size);
	if (!cnr_graph_u64_vector_push(&b->sizes, size))
		return &cnr_enomem;
	*ret = b->sizes.size - 1;
	return NULL;
}

uint32_t cnr_graph_builder_node_count(const struct cnr_graph_builder *b)
{
	return b->sizes.size;
}

struct cnr_error *cnr_graph_builder_add_edges(struct cnr_graph_builder *b, uint32_t src,
					      const uint32_t *dsts, size_t count)
{
	size_t n = b->dst.size;
	if (!count)
		return NULL;
	if (count > CNR_GRAPH_MAX_EDGES - n)
		return cnr_error_create(CNR_ERROR_INVALID,
					"cannot add %zu edges from node %u: graph has %zu edges already",
					count, src, n);
	if (!cnr_graph_u32_vector_reserve(&b->src, n + count) ||
	    !cnr_graph_u32_vector_reserve(&b->dst, n + count))
		return &cnr_enomem;
	if (n && b->src.data[n - 1] > src)
		b->sorted = false;
	for (size_t i = 0; i < count; i++)
		b->src.data[n + i] = src;
	memcpy(&b->dst.data[n], dsts, count * sizeof(*dsts));
	b->src.size = b->dst.size = n + count;
	return NULL;
}

struct cnr_error *cnr_graph_builder_add_edge(struct cnr_graph_builder *b, uint32_t src, uint32_t dst)
{
	return cnr_graph_builder_add_edges(b, src, &dst, 1);
}

struct cnr_error *cnr_graph_builder_add_root(struct cnr_graph_builder *b, uint32_t node, uint32_t label)
{
	if (b->roots.size >= CNR_GRAPH_MAX_NODES)
		return cnr_error_create(CNR_ERROR_INVALID, "cannot add root: graph has %zu roots already",
					b->roots.size);
	struct cnr_graph_root r = { .node = node, .label = label };
	if (!cnr_graph_root_vector_push(&b->roots, r))
		return &cnr_enomem;
	return NULL;
}

// Turn offsets[v] = number of items of v (offsets[n] = 0) into offsets[v]
// = index of v's first item, offsets[n] = total.
static void counts_to_offsets(uint32_t *offsets, uint32_t n)
{
	uint32_t sum = 0;
	for (uint32_t v = 0; v <= n; v++) {
		uint32_t c = offsets[v];
		offsets[v] = sum;
		sum += c;
	}
}

// After a fill pass that advanced offsets[v] from v's start to v's end
// (= the start of v + 1), shift them back.
static void unshift_offsets(uint32_t *offsets, uint32_t n)
{
	memmove(&offsets[1], &offsets[0], n * sizeof(*offsets));
	offsets[0] = 0;
}

static int cmp_root_by_node(const void *a, const void *b, void *arg)
{
	const struct cnr_graph_root *roots = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	if (roots[ia].node != roots[ib].node)
		return roots[ia].node < roots[ib].node ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static struct cnr_error *build_edges(struct cnr_graph_builder *b, struct cnr_graph *g)
{
	uint32_t n = g->node_count, e = b->dst.size;
	g->edge_count = e;
	g->out_offsets = cnr_graph_alloc((size_t)n + 1, sizeof(*g->out_offsets), true);
	if (!g->out_offsets)
		return &cnr_enomem;
	// Check every ID before using any as an index.
	for (uint32_t i = 0; i < e; i++) {
		uint32_t s = b->src.data[i], d = b->dst.data[i];
		if (unlikely(s >= n || d >= n))
			return cnr_error_corrupt("edge from node %u to node %u: node %u does not exist (%u nodes)",
						 s, d, s >= n ? s : d, n);
		g->out_offsets[s]++;
	}
	counts_to_offsets(g->out_offsets, n);
	if (b->sorted) {
		// The targets already are in CSR order.
		cnr_graph_u32_vector_deinit(&b->src);
		cnr_graph_u32_vector_shrink(&b->dst);
		g->out_targets = b->dst.data;
		b->dst.data = NULL;
		b->dst.size = b->dst.capacity = 0;
		if (!g->out_targets && !(g->out_targets = malloc(sizeof(*g->out_targets))))
			return &cnr_enomem;
		return NULL;
	}
	g->out_targets = cnr_graph_alloc(e, sizeof(*g->out_targets), false);
	if (!g->out_targets)
		return &cnr_enomem;
	// The fill keeps the order in which each node's edges were added.
	for (uint32_t i = 0; i < e; i++)
		g->out_targets[g->out_offsets[b->src.data[i]]++] = b->dst.data[i];
	unshift_offsets(g->out_offsets, n);
	cnr_graph_u32_vector_deinit(&b->src);
	cnr_graph_u32_vector_deinit(&b->dst);
	return NULL;
}

static struct cnr_error *build_roots(struct cnr_graph_builder *b, struct cnr_graph *g)
{
	uint32_t n = g->node_count;
	cnr_graph_root_vector_shrink(&b->roots);
	g->roots = b->roots.data;
	g->root_count = b->roots.size;
	b->roots.data = NULL;
	b->roots.size = b->roots.capacity = 0;
	g->root_bits = calloc(cnr_graph_bit_words(n) + 1, sizeof(*g->root_bits));
	g->roots_by_node = malloc(((size_t)g->root_count + 1) * sizeof(*g->roots_by_node));
	if (!g->root_bits || !g->roots_by_node)
		return &cnr_enomem;
	for (uint32_t i = 0; i < g->root_count; i++) {
		if (unlikely(g->roots[i].node >= n))
			return cnr_error_corrupt("root %u (label %u): node %u does not exist (%u nodes)", i,
						 g->roots[i].label, g->roots[i].node, n);
		cnr_graph_set_bit(g->root_bits, g->roots[i].node);
		g->roots_by_node[i] = i;
	}
	qsort_r(g->roots_by_node, g->root_count, sizeof(*g->roots_by_node), cmp_root_by_node, g->roots);
	return NULL;
}

struct cnr_error *cnr_graph_builder_finish(struct cnr_graph_builder *b, struct cnr_graph **ret)
{
	struct cnr_error *err;
	struct cnr_graph *g = calloc(1, sizeof(*g));
	if (!g) {
		err = &cnr_enomem;
		goto out;
	}
	cnr_graph_u64_vector_shrink(&b->sizes);
	g->node_count = b->sizes.size;
	g->sizes = b->sizes.data;
	b->sizes.data = NULL;
	b->sizes.size = b->sizes.capacity = 0;
	if (!g->sizes && !(g->sizes = malloc(sizeof(*g->sizes)))) {
		err = &cnr_enomem;
		goto out;
	}
	err = build_roots(b, g);
	if (!err)
		err = build_edges(b, g);
	if (!err) {
		*ret = g;
		g = NULL;
	}
out:
	cnr_graph_destroy(g);
	cnr_graph_builder_destroy(b);
	return err;
}

void cnr_graph_destroy(struct cnr_graph *g)
{
	if (!g)
		return;
	free(g->sizes);
	free(g->out_offsets);
	free(g->out_targets);
	free(g->in_offsets);
	free(g->in_sources);
	free(g->roots);
	free(g->root_bits);
	free(g->roots_by_node);
	free(g->reachable_bits);
	free(g->idom);
	free(g->dom_order);
	free(g->dom_end);
	free(g->retained);
	free(g->dfs_dfnum);
	free(g->dfs_vertex);
	free(g->dfs_parent);
	free(g);
}

struct cnr_error *cnr_graph_build_reverse(struct cnr_graph *g)
{
	if (g->in_offsets)
		return NULL;
	uint32_t n = g->node_count;
	uint32_t *offsets = cnr_graph_alloc((size_t)n + 1, sizeof(*offsets), true);
	uint32_t *sources = cnr_graph_alloc(g->edge_count, sizeof(*sources), false);
	if (!offsets || !sources) {
		free(offsets);
		free(sources);
		return &cnr_enomem;
	}
	for (uint32_t i = 0; i < g->edge_count; i++)
		offsets[g->out_targets[i]]++;
	counts_to_offsets(offsets, n);
	// Visiting sources in increasing order leaves each list sorted.
	for (uint32_t v = 0; v < n; v++) {
		for (uint32_t i = g->out_offsets[v]; i < g->out_offsets[v + 1]; i++)
			sources[offsets[g->out_targets[i]]++] = v;
	}
	unshift_offsets(offsets, n);
	g->in_offsets = offsets;
	g->in_sources = sources;
	return NULL;
}

struct cnr_error *cnr_graph_check_node(const struct cnr_graph *g, uint32_t node)
{
	if (node >= g->node_count)
		return cnr_error_create(CNR_ERROR_INVALID, "node %u does not exist (%u nodes)", node,
					g->node_count);
	return NULL;
}

struct cnr_error *cnr_graph_predecessors(struct cnr_graph *g, uint32_t node, const uint32_t **ret,
					 uint32_t *count_ret)
{
	struct cnr_error *err = cnr_graph_check_node(g, node);
	if (!err)
		err = cnr_graph_build_reverse(g);
	if (err)
		return err;
	*ret = &g->in_sources[g->in_offsets[node]];
	*count_ret = g->in_offsets[node + 1] - g->in_offsets[node];
	return NULL;
}

uint32_t cnr_graph_roots_of(const struct cnr_graph *g, uint32_t node, const uint32_t **ret)
{
	*ret = NULL;
	if (node >= g->node_count || !cnr_graph_bit(g->root_bits, node))
		return 0;
	// Lower bound of node in roots_by_node.
	uint32_t lo = (uint32_t)CNR_PARTITION_POINT(g->root_count, mid, g->roots[g->roots_by_node[mid]].node < node);
	uint32_t end = lo;
	while (end < g->root_count && g->roots[g->roots_by_node[end]].node == node)
		end++;
	*ret = &g->roots_by_node[lo];
	return end - lo;
}
