#include "report/map_retained.h"

#include <stdlib.h>
#include <string.h>

#include "graph/dominators.h"
#include "util/vector.h"

// A slot word of an entry, by the holder's node in the subgraph.
struct slot_word {
	uint32_t holder; // subgraph node
	uint32_t target; // subgraph node, or CNR_GRAPH_NO_NODE outside it
	uint32_t entry;
};

DEFINE_VECTOR(u32_vec, uint32_t)

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_slot_word(const void *a, const void *b)
{
	const struct slot_word *x = a, *y = b;
	if (x->holder != y->holder)
		return x->holder < y->holder ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

struct cnr_error *cnr_map_entries_retained(struct cnr_graph *g, uint32_t header, const struct cnr_map_edge *edges,
					   const uint64_t *off, size_t n, uint64_t *retained_ret, uint64_t *map_ret)
{
	uint32_t N = cnr_graph_node_count(g);
	struct cnr_error *err = cnr_graph_compute_retained(g);
	if (err)
		return err;
	uint64_t *internal = cnr_graph_alloc(cnr_graph_bit_words(N) ? cnr_graph_bit_words(N) : 1, 8, true);
	uint32_t *sub = cnr_graph_alloc(N ? N : 1, sizeof(uint32_t), false);
	uint32_t *orig = NULL; // subgraph node -> graph node
	struct slot_word *words = NULL;
	struct u32_vec succ = { 0 }, removed = { 0 };
	struct cnr_graph_builder *b = NULL;
	struct cnr_graph *h = NULL;
	if (!internal || !sub) {
		err = &cnr_enomem;
		goto out;
	}
	// The internals: the header and every object holding a slot.
	if (header < N)
		cnr_graph_set_bit(internal, header);
	for (size_t i = 0; i < off[n]; i++) {
		if (edges[i].holder < N)
			cnr_graph_set_bit(internal, edges[i].holder);
	}
	// The subgraph: the internals and every node they dominate, numbered
	// in dominator-tree preorder (each after its immediate dominator).
	memset(sub, 0xff, (size_t)N * sizeof(uint32_t));
	const uint32_t *order;
	uint32_t count = cnr_graph_dom_order(g, &order), ns = 0;
	for (uint32_t k = 0; k < count; k++) {
		uint32_t v = order[k], d = cnr_graph_idom(g, v);
		if (cnr_graph_bit(internal, v) || (d < N && sub[d] != CNR_GRAPH_NO_NODE))
			sub[v] = ns++;
	}
	if (n > CNR_GRAPH_MAX_NODES - ns) {
		err = cnr_error_create(CNR_ERROR_INVALID, "%zu map entries and %u nodes: more than 32-bit ids hold", n, ns);
		goto out;
	}
	orig = cnr_graph_alloc(ns ? ns : 1, sizeof(uint32_t), false);
	words = cnr_graph_alloc(off[n] ? off[n] : 1, sizeof(*words), false);
	if (!orig || !words || (err = cnr_graph_builder_create(&b)) ||
	    (err = cnr_graph_builder_reserve(b, (size_t)ns + n, (size_t)ns * 2 + off[n] * 2))) {
		err = err ? err : &cnr_enomem;
		goto out;
	}
	for (uint32_t v = 0; v < N; v++) {
		if (sub[v] != CNR_GRAPH_NO_NODE)
			orig[sub[v]] = v;
	}
	// Nodes: the subgraph's, then one virtual node per entry (ns + i).
	for (uint32_t s = 0; s < ns && !err; s++) {
		uint32_t id;
		err = cnr_graph_builder_add_node(b, cnr_graph_size(g, orig[s]), &id);
	}
	for (size_t i = 0; i < n && !err; i++) {
		uint32_t id;
		err = cnr_graph_builder_add_node(b, 0, &id);
	}
	if (err)
		goto out;
	size_t nw = 0;
	for (size_t i = 0; i < n; i++) {
		for (uint64_t k = off[i]; k < off[i + 1]; k++) {
			uint32_t hd = edges[k].holder < N ? sub[edges[k].holder] : CNR_GRAPH_NO_NODE;
			uint32_t tg = edges[k].target < N ? sub[edges[k].target] : CNR_GRAPH_NO_NODE;
			if (hd != CNR_GRAPH_NO_NODE)
				words[nw++] = (struct slot_word){ hd, tg, (uint32_t)i };
		}
	}
	qsort(words, nw, sizeof(*words), cmp_slot_word);
	// Edges, grouped by source in increasing order.  A holder keeps its
	// edges minus one per slot word (the graph has an edge per pointer
	// word) and points to its entries' virtual nodes instead.
	size_t w = 0;
	for (uint32_t s = 0; s < ns && !err; s++) {
		const uint32_t *t;
		uint32_t nt = cnr_graph_successors(g, orig[s], &t);
		succ.size = removed.size = 0;
		for (uint32_t k = 0; k < nt; k++) {
			if (sub[t[k]] != CNR_GRAPH_NO_NODE && !u32_vec_push(&succ, sub[t[k]]))
				err = &cnr_enomem;
		}
		size_t w0 = w;
		for (; w < nw && words[w].holder == s; w++) {
			if (words[w].target != CNR_GRAPH_NO_NODE && !u32_vec_push(&removed, words[w].target))
				err = &cnr_enomem;
		}
		if (err)
			break;
		if (removed.size) {
			qsort(succ.data, succ.size, sizeof(uint32_t), cmp_u32);
			qsort(removed.data, removed.size, sizeof(uint32_t), cmp_u32);
			size_t keep = 0, r = 0;
			for (size_t k = 0; k < succ.size; k++) {
				while (r < removed.size && removed.data[r] < succ.data[k])
					r++;
				if (r < removed.size && removed.data[r] == succ.data[k])
					r++; // this edge is the slot word's
				else
					succ.data[keep++] = succ.data[k];
			}
			succ.size = keep;
		}
		for (size_t k = w0; k < w; k++) {
			if ((k == w0 || words[k].entry != words[k - 1].entry) &&
			    !u32_vec_push(&succ, ns + words[k].entry))
				err = &cnr_enomem;
		}
		if (!err && succ.size)
			err = cnr_graph_builder_add_edges(b, s, succ.data, succ.size);
	}
	// The virtual nodes point to what their entry's words point to.
	for (size_t i = 0; i < n && !err; i++) {
		succ.size = 0;
		for (uint64_t k = off[i]; k < off[i + 1]; k++) {
			uint32_t tg = edges[k].target < N ? sub[edges[k].target] : CNR_GRAPH_NO_NODE;
			if (tg != CNR_GRAPH_NO_NODE && !u32_vec_push(&succ, tg))
				err = &cnr_enomem;
		}
		if (!err && succ.size)
			err = cnr_graph_builder_add_edges(b, ns + (uint32_t)i, succ.data, succ.size);
	}
	// Roots: the subgraph's nodes dominated from outside it.
	uint64_t map_bytes = 0;
	for (uint32_t s = 0; s < ns && !err; s++) {
		uint32_t d = cnr_graph_idom(g, orig[s]);
		if (d < N && sub[d] != CNR_GRAPH_NO_NODE)
			continue;
		map_bytes += cnr_graph_retained(g, orig[s]);
		err = cnr_graph_builder_add_root(b, s, 0);
	}
	if (err)
		goto out;
	err = cnr_graph_builder_finish(b, &h);
	b = NULL;
	if (!err)
		err = cnr_graph_compute_retained(h);
	if (err)
		goto out;
	for (size_t i = 0; i < n; i++) {
		// The first word's holder says where the slot is.
		uint32_t holder = off[i + 1] > off[i] ? edges[off[i]].holder : CNR_GRAPH_NO_NODE;
		if (off[i + 1] == off[i])
			retained_ret[i] = 0; // no pointer words: nothing goes with it
		else if (holder >= N)
			retained_ret[i] = UINT64_MAX;
		else
			retained_ret[i] = cnr_graph_retained(h, ns + (uint32_t)i);
	}
	*map_ret = map_bytes;
out:
	cnr_graph_builder_destroy(b);
	cnr_graph_destroy(h);
	u32_vec_deinit(&succ);
	u32_vec_deinit(&removed);
	free(words);
	free(orig);
	free(sub);
	free(internal);
	return err;
}
