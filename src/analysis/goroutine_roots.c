// Goroutine roots and what goroutine sets retain (see goroutine_roots.h).
#include "analysis/goroutine_roots.h"

#include <stdlib.h>
#include <string.h>

#include "graph/dominators.h"

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

struct cnr_error *cnr_goroutine_sets_retained(struct cnr_graph *g, const struct cnr_root *roots, const uint32_t *set_of,
					      size_t ngs, uint32_t nsets, uint64_t *ret)
{
	uint32_t R = cnr_graph_root_count(g);
	uint32_t *set_of_entry = malloc(((size_t)R + 1) * sizeof(*set_of_entry));
	if (!set_of_entry)
		return &cnr_enomem;
	for (uint32_t e = 0; e < R; e++) {
		uint32_t k = cnr_goroutine_of_root(&roots[cnr_graph_root(g, e).label]);
		set_of_entry[e] = k < ngs ? set_of[k] : nsets;
	}
	memset(ret, 0, nsets * sizeof(*ret));
	struct cnr_error *err = nsets ? cnr_graph_retained_by_root_groups(g, set_of_entry, nsets, ret) : NULL;
	free(set_of_entry);
	return err;
}
