// Goroutine roots and what goroutine sets retain (see goroutine_roots.h).
#include "analysis/goroutine_roots.h"

#include <stdlib.h>
#include <string.h>

#include "graph/dominators.h"
#include "graph/reach.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct cnr_error *cnr_goroutine_roots_init(const struct cnr_graph *g, const struct cnr_root *roots, size_t ngs,
					   struct cnr_goroutine_roots *ret)
{
	uint32_t R = cnr_graph_root_count(g);
	uint64_t *pairs = malloc(((size_t)R + 1) * sizeof(*pairs)); // goroutine << 32 | node
	struct cnr_goroutine_roots gr = {
		.ngs = ngs,
		.first = calloc(ngs + 1, sizeof(*gr.first)),
		.entries = calloc(ngs + 1, sizeof(*gr.entries)),
		.nodes = malloc(((size_t)R + 1) * sizeof(*gr.nodes)),
	};
	if (!pairs || !gr.first || !gr.entries || !gr.nodes) {
		free(pairs);
		cnr_goroutine_roots_deinit(&gr);
		return &cnr_enomem;
	}
	size_t npairs = 0;
	for (uint32_t e = 0; e < R; e++) {
		struct cnr_graph_root root = cnr_graph_root(g, e);
		uint32_t k = cnr_goroutine_of_root(&roots[root.label]);
		if (k >= ngs)
			continue;
		gr.entries[k]++;
		pairs[npairs++] = (uint64_t)k << 32 | root.node;
	}
	if (npairs)
		qsort(pairs, npairs, sizeof(*pairs), cmp_u64);
	size_t n = 0;
	for (size_t i = 0; i < npairs; i++) {
		if (i && pairs[i] == pairs[i - 1])
			continue;
		gr.nodes[n++] = (uint32_t)pairs[i];
		gr.first[(pairs[i] >> 32) + 1]++;
	}
	for (size_t k = 0; k < ngs; k++)
		gr.first[k + 1] += gr.first[k];
	free(pairs);
	*ret = gr;
	return NULL;
}

void cnr_goroutine_roots_deinit(struct cnr_goroutine_roots *gr)
{
	free(gr->nodes);
	free(gr->first);
	free(gr->entries);
	memset(gr, 0, sizeof(*gr));
}

// What a set of roots frees is a union of whole top-level subtrees of the
// dominator tree (those of the super-root's children): a node under a top
// node t stays reachable exactly when t does, since every path to it runs
// through t.  So the dominator computation with one virtual node per set
// runs on the quotient graph — one node per top node, weighing what it
// retains, an edge where a pointer leads from one subtree into another's
// top node, the root entries moved to their (top) nodes — which is far
// smaller than the heap.
static struct cnr_error *quotient_graph(const struct cnr_graph *g, struct cnr_graph **ret)
{
	uint32_t N = cnr_graph_node_count(g);
	const uint32_t *order;
	uint32_t n = cnr_graph_dom_order(g, &order);
	uint32_t *top = cnr_graph_alloc(N ? N : 1, sizeof(*top), false);
	struct cnr_graph_builder *b = NULL;
	struct cnr_error *err = top ? cnr_graph_builder_create(&b) : &cnr_enomem;
	uint32_t ntop = 0;
	for (uint32_t k = 0; !err && k < n; k++) { // preorder: a node's dominator comes first
		uint32_t v = order[k], d = cnr_graph_idom(g, v);
		if (d < N) {
			top[v] = top[d];
			continue;
		}
		top[v] = ntop++;
		uint32_t id;
		err = cnr_graph_builder_add_node(b, cnr_graph_retained(g, v), &id);
	}
	for (uint32_t k = 0; !err && k < n; k++) {
		uint32_t v = order[k];
		const uint32_t *succ;
		uint32_t ns = cnr_graph_successors(g, v, &succ), last = CNR_GRAPH_NO_NODE;
		for (uint32_t e = 0; !err && e < ns; e++) {
			uint32_t w = succ[e];
			if (cnr_graph_idom(g, w) < N || top[w] == top[v] || top[w] == last)
				continue;
			last = top[w];
			err = cnr_graph_builder_add_edge(b, top[v], top[w]);
		}
	}
	for (uint32_t r = 0; !err && r < cnr_graph_root_count(g); r++)
		err = cnr_graph_builder_add_root(b, top[cnr_graph_root(g, r).node], r);
	if (!err)
		err = cnr_graph_builder_finish(b, ret);
	else
		cnr_graph_builder_destroy(b);
	free(top);
	return err;
}

struct cnr_error *cnr_root_entry_sets_retained(struct cnr_graph *g, const uint32_t *set_of_entry, uint32_t nsets,
					      uint64_t *ret)
{
	memset(ret, 0, nsets * sizeof(*ret));
	if (!nsets)
		return NULL;
	struct cnr_graph *q = NULL;
	struct cnr_error *err = quotient_graph(g, &q);
	if (!err)
		err = cnr_graph_retained_by_root_groups(q, set_of_entry, nsets, ret);
	cnr_graph_destroy(q);
	return err;
}

struct cnr_error *cnr_goroutine_sets_retained(struct cnr_graph *g, const struct cnr_root *roots, const uint32_t *set_of,
					      size_t ngs, uint32_t nsets, uint64_t *ret)
{
	uint32_t R = cnr_graph_root_count(g);
	memset(ret, 0, nsets * sizeof(*ret));
	if (!nsets)
		return NULL;
	uint32_t *set_of_entry = malloc(((size_t)R + 1) * sizeof(*set_of_entry));
	if (!set_of_entry)
		return &cnr_enomem;
	for (uint32_t e = 0; e < R; e++) {
		uint32_t k = cnr_goroutine_of_root(&roots[cnr_graph_root(g, e).label]);
		set_of_entry[e] = k < ngs ? set_of[k] : nsets;
	}
	struct cnr_error *err = cnr_root_entry_sets_retained(g, set_of_entry, nsets, ret);
	free(set_of_entry);
	return err;
}
