// Per-group retained sizes (see edge_groups.h): the cheap pass over the
// dominator tree for holders only they reach, the exact subgraph
// computation for the others.
#include "graph/edge_groups.h"

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

// The exact computation: the subgraph below the internals rebuilt with a
// virtual node per entry, and its dominators.
static struct cnr_error *exact_retained(struct cnr_graph *g, uint32_t owner, const struct cnr_group_edge *edges,
					const uint64_t *off, size_t n, uint64_t *retained_ret, uint64_t *whole_ret)
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
	// The internals: the owner and every node holding a word.
	if (owner < N)
		cnr_graph_set_bit(internal, owner);
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
		err = cnr_error_create(CNR_ERROR_INVALID, "%zu edge groups and %u nodes: more than 32-bit ids hold", n, ns);
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
	uint64_t whole_bytes = 0;
	for (uint32_t s = 0; s < ns && !err; s++) {
		uint32_t d = cnr_graph_idom(g, orig[s]);
		if (d < N && sub[d] != CNR_GRAPH_NO_NODE)
			continue;
		whole_bytes += cnr_graph_retained(g, orig[s]);
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
	*whole_ret = whole_bytes;
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

// A slot word by its target, for the merge with the nodes in id order.
struct target_word {
	uint32_t target, holder, entry;
};

// LSD radix sort by target, two 16-bit passes.
static bool sort_by_target(struct target_word *v, size_t n)
{
	struct target_word *tmp = cnr_graph_alloc(n ? n : 1, sizeof(*tmp), false);
	uint32_t *count = calloc(65536 + 1, sizeof(uint32_t));
	if (!tmp || !count) {
		free(tmp);
		free(count);
		return false;
	}
	for (int shift = 0; shift < 32; shift += 16) {
		memset(count, 0, (65536 + 1) * sizeof(uint32_t));
		for (size_t i = 0; i < n; i++)
			count[((v[i].target >> shift) & 0xffff) + 1]++;
		for (size_t k = 1; k <= 65536; k++)
			count[k] += count[k - 1];
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i].target >> shift) & 0xffff]++] = v[i];
		memcpy(v, tmp, n * sizeof(*v));
	}
	free(tmp);
	free(count);
	return true;
}

struct cnr_error *cnr_graph_edge_groups_retained(struct cnr_graph *g, uint32_t owner, const struct cnr_group_edge *edges,
						 const uint64_t *off, size_t n, uint64_t *retained_ret, uint64_t *whole_ret)
{
	uint32_t N = cnr_graph_node_count(g);
	struct cnr_error *err = cnr_graph_compute_retained(g);
	if (err)
		return err;
	size_t nbits = cnr_graph_bit_words(N) ? cnr_graph_bit_words(N) : 1;
	uint64_t *holders = cnr_graph_alloc(nbits, 8, true), *below = cnr_graph_alloc(nbits, 8, true);
	uint64_t *exact = cnr_graph_alloc(nbits, 8, true);
	uint64_t *res = cnr_graph_alloc(n ? n : 1, sizeof(*res), true);
	struct target_word *words = cnr_graph_alloc(off[n] ? off[n] : 1, sizeof(*words), false);
	struct cnr_group_edge *sub_edges = NULL;
	uint64_t *sub_off = NULL, *sub_res = NULL;
	size_t *sub_entry = NULL;
	if (!holders || !below || !exact || !res || !words) {
		err = &cnr_enomem;
		goto out;
	}
	size_t nw = 0;
	for (size_t i = 0; i < n; i++) {
		for (uint64_t k = off[i]; k < off[i + 1]; k++) {
			if (edges[k].holder >= N)
				continue;
			cnr_graph_set_bit(holders, edges[k].holder);
			if (edges[k].target < N)
				words[nw++] = (struct target_word){ edges[k].target, edges[k].holder, (uint32_t)i };
		}
	}
	// The whole: the retained sizes of the owner and of the holders
	// that no other of them dominates (one pass over the dominator tree
	// in preorder, a bit per node).
	uint64_t whole_bytes = 0;
	const uint32_t *order;
	uint32_t count = cnr_graph_dom_order(g, &order);
	for (uint32_t k = 0; k < count; k++) {
		uint32_t v = order[k], d = cnr_graph_idom(g, v);
		bool internal = v == owner || cnr_graph_bit(holders, v), inside = d < N && cnr_graph_bit(below, d);
		if (internal && !inside)
			whole_bytes += cnr_graph_retained(g, v);
		if (internal || inside)
			cnr_graph_set_bit(below, v);
	}
	// What goes with an entry are the holder's dominator-tree children that
	// only its slot words reach: all their retained bytes.  A child reached
	// only from the holder, through the words of one entry, is that
	// entry's; through words of two entries (or a word that is no entry's),
	// nobody's.  A child that other nodes point to as well (objects an
	// entry's value and another entry's share, say) needs the exact
	// computation for its holder.
	if (!sort_by_target(words, nw)) {
		err = &cnr_enomem;
		goto out;
	}
	size_t w = 0;
	for (uint32_t y = 0; y < N; y++) {
		size_t w0 = w;
		while (w < nw && words[w].target == y)
			w++;
		uint32_t m = cnr_graph_idom(g, y);
		if (m >= N || !cnr_graph_bit(holders, m))
			continue;
		const uint32_t *preds;
		uint32_t np, from_m = 0;
		if ((err = cnr_graph_predecessors(g, y, &preds, &np)))
			goto out;
		for (uint32_t k = 0; k < np; k++)
			from_m += preds[k] == m;
		uint32_t words_m = 0, entry = w > w0 ? words[w0].entry : 0;
		bool one = true;
		for (size_t k = w0; k < w; k++) {
			if (words[k].holder != m)
				continue;
			one &= words[k].entry == entry;
			entry = words[k].entry;
			words_m++;
		}
		if (from_m < np || words_m != w - w0)
			cnr_graph_set_bit(exact, m);
		else if (one && words_m == from_m)
			res[entry] += cnr_graph_retained(g, y);
	}
	// Entries by where they are: outside the heap, or in a holder that
	// needs the exact computation.
	size_t nsub = 0, nsub_words = 0;
	for (size_t i = 0; i < n; i++) {
		if (off[i + 1] == off[i])
			continue;
		uint32_t holder = edges[off[i]].holder;
		if (holder >= N) {
			res[i] = UINT64_MAX;
		} else if (cnr_graph_bit(exact, holder)) {
			nsub++;
			nsub_words += off[i + 1] - off[i];
		}
	}
	if (nsub) {
		sub_edges = cnr_graph_alloc(nsub_words ? nsub_words : 1, sizeof(*sub_edges), false);
		sub_off = cnr_graph_alloc(nsub + 1, sizeof(*sub_off), false);
		sub_res = cnr_graph_alloc(nsub, sizeof(*sub_res), false);
		sub_entry = cnr_graph_alloc(nsub, sizeof(*sub_entry), false);
		if (!sub_edges || !sub_off || !sub_res || !sub_entry) {
			err = &cnr_enomem;
			goto out;
		}
		size_t j = 0, e = 0;
		sub_off[0] = 0;
		for (size_t i = 0; i < n; i++) {
			if (off[i + 1] == off[i] || edges[off[i]].holder >= N || !cnr_graph_bit(exact, edges[off[i]].holder))
				continue;
			for (uint64_t k = off[i]; k < off[i + 1]; k++)
				sub_edges[j++] = edges[k];
			sub_entry[e] = i;
			sub_off[++e] = j;
		}
		uint64_t ignored;
		if ((err = exact_retained(g, CNR_GRAPH_NO_NODE, sub_edges, sub_off, nsub, sub_res, &ignored)))
			goto out;
		for (size_t k = 0; k < nsub; k++)
			res[sub_entry[k]] = sub_res[k];
	}
	memcpy(retained_ret, res, n * sizeof(*res));
	*whole_ret = whole_bytes;
out:
	free(sub_edges);
	free(sub_off);
	free(sub_res);
	free(sub_entry);
	free(words);
	free(res);
	free(exact);
	free(below);
	free(holders);
	return err;
}
