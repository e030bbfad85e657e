// Leak suspects from the dominator tree (see suspects.h).
#include "graph/suspects.h"

#include <stdlib.h>
#include <string.h>

#include "graph/dominators.h"
#include "util/vector.h"

DEFINE_VECTOR(suspect_nodes, uint32_t)

// How far ahead the backward pass asks for the lines it will need.
enum { SIZE_AHEAD = 16 };

struct cnr_error *cnr_graph_dom_tree_init(struct cnr_graph *g, struct cnr_graph_dom_tree *ret)
{
	struct cnr_error *err = cnr_graph_compute_retained(g);
	if (err)
		return err;
	uint32_t N = g->node_count;
	const uint32_t *order;
	uint32_t n = cnr_graph_dom_order(g, &order);
	uint32_t *first = calloc((size_t)N + 2, sizeof(*first));
	uint32_t *children = cnr_graph_alloc(n ? n : 1, sizeof(*children), false);
	uint32_t *size = cnr_graph_alloc(N ? N : 1, sizeof(*size), false);
	if (!first || !children || !size) {
		free(first);
		free(children);
		free(size);
		return &cnr_enomem;
	}
	// Count each parent's children in first[parent + 1], sum them up, then
	// fill with first[parent] as the cursor, which leaves it at the next
	// parent's start: shifted back down, it is each list's start again.
	// Both passes read idom[] in node order (sequentially).
	const uint32_t *idom = g->idom;
	for (uint32_t x = 0; x < N; x++) {
		uint32_t d = idom[x];
		if (d != CNR_GRAPH_NO_NODE)
			first[(d < N ? d : N) + 1]++;
		size[x] = d != CNR_GRAPH_NO_NODE;
	}
	for (uint32_t v = 0; v <= N; v++)
		first[v + 1] += first[v];
	for (uint32_t x = 0; x < N; x++) {
		uint32_t d = idom[x];
		if (d != CNR_GRAPH_NO_NODE)
			children[first[d < N ? d : N]++] = x;
	}
	memmove(first + 1, first, ((size_t)N + 1) * sizeof(*first));
	first[0] = 0;
	// Subtree sizes as the retained sizes are summed: children come after
	// their idom in the order, so walking it backwards finishes each node
	// before adding it to its idom.
	for (uint32_t i = n; i-- > 0;) {
		if (i >= SIZE_AHEAD) {
			uint32_t y = order[i - SIZE_AHEAD];
			__builtin_prefetch(&idom[y]);
			__builtin_prefetch(&size[y]);
			uint32_t q = idom[order[i - SIZE_AHEAD / 2]];
			if (q < N)
				__builtin_prefetch(&size[q], 1);
		}
		uint32_t x = order[i], p = idom[x];
		if (p < N)
			size[p] += size[x];
	}
	*ret = (struct cnr_graph_dom_tree){ .node_count = N, .first = first, .children = children, .size = size };
	return NULL;
}

void cnr_graph_dom_tree_deinit(struct cnr_graph_dom_tree *t)
{
	free(t->first);
	free(t->children);
	free(t->size);
	t->first = t->children = t->size = NULL;
}

// Whether a ranks before b: more retained, then the lower ID.
static bool before(const struct cnr_graph *g, uint32_t a, uint32_t b)
{
	uint64_t ra = cnr_graph_retained(g, a), rb = cnr_graph_retained(g, b);
	return ra != rb ? ra > rb : a < b;
}

// A binary heap of nodes whose top is the one that ranks first when best
// is true, last when it is false.
static void heap_up(const struct cnr_graph *g, uint32_t *h, size_t i, bool best)
{
	while (i) {
		size_t p = (i - 1) / 2;
		if (before(g, h[i], h[p]) != best)
			break;
		uint32_t x = h[i];
		h[i] = h[p];
		h[p] = x;
		i = p;
	}
}

static void heap_down(const struct cnr_graph *g, uint32_t *h, size_t n, bool best)
{
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && before(g, h[l], h[m]) == best)
			m = l;
		if (r < n && before(g, h[r], h[m]) == best)
			m = r;
		if (m == i)
			return;
		uint32_t x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
}

uint32_t cnr_graph_dom_tree_top_children(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
					 uint32_t node, uint32_t k, uint32_t *ret)
{
	const uint32_t *c;
	uint32_t n = cnr_graph_dom_tree_children(t, node, &c), size = 0;
	if (!k)
		return 0;
	// ret is a heap of the k best seen so far, the worst on top.
	for (uint32_t i = 0; i < n; i++) {
		if (size < k) {
			ret[size] = c[i];
			heap_up(g, ret, size++, false);
		} else if (before(g, c[i], ret[0])) {
			ret[0] = c[i];
			heap_down(g, ret, size, false);
		}
	}
	// Popping the worst to the back sorts ret best first.
	for (uint32_t m = size; m > 1; m--) {
		uint32_t x = ret[0];
		ret[0] = ret[m - 1];
		ret[m - 1] = x;
		heap_down(g, ret, m - 1, false);
	}
	return size;
}

struct cnr_error *cnr_graph_dom_tree_count(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
					   uint32_t node, uint64_t *ret)
{
	(void)g;
	assert(node < t->node_count);
	*ret = t->size[node];
	return NULL;
}

// The child of x in the dominator tree that retains at least half of x's
// bytes (the first in ranking order if two do), else CNR_GRAPH_NO_NODE.
static uint32_t dominant_child(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t, uint32_t x)
{
	const uint32_t *c;
	uint32_t n = cnr_graph_dom_tree_children(t, x, &c), best = CNR_GRAPH_NO_NODE;
	for (uint32_t i = 0; i < n; i++) {
		if (best == CNR_GRAPH_NO_NODE || before(g, c[i], best))
			best = c[i];
	}
	if (best == CNR_GRAPH_NO_NODE)
		return best;
	uint64_t big = cnr_graph_retained(g, best), rx = cnr_graph_retained(g, x);
	return big < rx - big ? CNR_GRAPH_NO_NODE : best;
}

struct cnr_error *cnr_graph_find_suspects(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t, uint32_t max,
					  uint64_t min_bytes, uint32_t *ret, uint32_t *count_ret)
{
	// The frontier: subtrees not walked yet, a heap with the largest on top.
	struct suspect_nodes frontier = { 0 };
	uint32_t count = 0;
	const uint32_t *c;
	uint32_t n = cnr_graph_dom_tree_children(t, CNR_GRAPH_SUPER_ROOT, &c);
	for (uint32_t i = 0; i < n; i++) {
		if (cnr_graph_retained(g, c[i]) < min_bytes || !cnr_graph_retained(g, c[i]))
			continue;
		if (!suspect_nodes_push(&frontier, c[i])) {
			suspect_nodes_deinit(&frontier);
			return &cnr_enomem;
		}
		heap_up(g, frontier.data, frontier.size - 1, true);
	}
	while (count < max && frontier.size) {
		uint32_t x = frontier.data[0];
		frontier.data[0] = frontier.data[--frontier.size];
		heap_down(g, frontier.data, frontier.size, true);
		uint32_t d = dominant_child(g, t, x), d2;
		if (d == CNR_GRAPH_NO_NODE) {
			// No child holds half of x's bytes: x is where they accumulate.
			ret[count++] = x;
			continue;
		}
		if (cnr_graph_size(g, d) == cnr_graph_size(g, x) &&
		    (d2 = dominant_child(g, t, d)) != CNR_GRAPH_NO_NODE && cnr_graph_size(g, d2) == cnr_graph_size(g, x)) {
			// x heads a chain of alike objects that each hold the next
			// (a linked list): walking down it would end at its tail.
			ret[count++] = x;
			continue;
		}
		// x holds its bytes through one child (and perhaps others): walk on.
		n = cnr_graph_dom_tree_children(t, x, &c);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t r = cnr_graph_retained(g, c[i]);
			if (r < min_bytes || !r)
				continue;
			if (!suspect_nodes_push(&frontier, c[i])) {
				suspect_nodes_deinit(&frontier);
				return &cnr_enomem;
			}
			heap_up(g, frontier.data, frontier.size - 1, true);
		}
	}
	suspect_nodes_deinit(&frontier);
	// Popped largest first already, but for ties between a node and a
	// child of the same size (shallow 0): sort, to keep the promise.
	for (uint32_t i = 1; i < count; i++) {
		uint32_t x = ret[i], j = i;
		for (; j > 0 && before(g, x, ret[j - 1]); j--)
			ret[j] = ret[j - 1];
		ret[j] = x;
	}
	*count_ret = count;
	return NULL;
}
