// Helpers for the graph tests: build small graphs from literals, and the
// brute-force walks the oracles compare against.
#ifndef CNR_TESTS_GRAPH_TEST_UTIL_H
#define CNR_TESTS_GRAPH_TEST_UTIL_H

#include <stdlib.h>

#include "graph/dominators.h"
#include "graph/graph.h"
#include "graph/paths.h"
#include "graph/reach.h"
#include "test_util.h"

struct test_edge {
	uint32_t src, dst;
};

// A graph of n nodes of size sizes[i] (1 when sizes is NULL), the given
// edges, and root entries at roots[i] labelled i.
static inline struct cnr_graph *test_graph(uint32_t n, const uint64_t *sizes, const struct test_edge *edges,
					   size_t nedges, const uint32_t *roots, size_t nroots)
{
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id;
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, sizes ? sizes[i] : 1, &id));
		cr_assert_eq(id, i);
	}
	for (size_t i = 0; i < nedges; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, edges[i].src, edges[i].dst));
	for (size_t i = 0; i < nroots; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_root(b, roots[i], i));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	return g;
}

#define TEST_GRAPH(n, sizes, edges, roots) \
	test_graph((n), (sizes), (edges), CNR_ARRAY_SIZE(edges), (roots), CNR_ARRAY_SIZE(roots))

// Brute force: mark in seen[] (n bools) what the root entries reach when
// node `removed` (may be CNR_GRAPH_NO_NODE) and the nodes with blocked[]
// set (may be NULL) are deleted, and root entries with skip_root[] set (may
// be NULL) are dropped; returns the bytes reached.  Uses only the
// successor lists.
static inline uint64_t brute_reach(const struct cnr_graph *g, uint32_t removed, const bool *blocked,
				   const bool *skip_root, bool *seen)
{
	uint32_t n = cnr_graph_node_count(g);
	uint32_t *stack = malloc(((size_t)n + 1) * sizeof(*stack));
	size_t top = 0;
	uint64_t bytes = 0;
	memset(seen, 0, n * sizeof(*seen));
	for (uint32_t r = 0; r < cnr_graph_root_count(g); r++) {
		uint32_t v = cnr_graph_root(g, r).node;
		if ((skip_root && skip_root[r]) || v == removed || (blocked && blocked[v]) || seen[v])
			continue;
		seen[v] = true;
		stack[top++] = v;
		while (top) {
			uint32_t x = stack[--top];
			bytes += cnr_graph_size(g, x);
			const uint32_t *succ;
			uint32_t ns = cnr_graph_successors(g, x, &succ);
			for (uint32_t i = 0; i < ns; i++) {
				uint32_t w = succ[i];
				if (w == removed || (blocked && blocked[w]) || seen[w])
					continue;
				seen[w] = true;
				stack[top++] = w;
			}
		}
	}
	free(stack);
	return bytes;
}

// Brute force BFS distances (in edges) from the nodes with from[] set
// over successor lists; CNR_GRAPH_NO_NODE where unreachable.
static inline void brute_bfs(const struct cnr_graph *g, const bool *from, uint32_t *dist)
{
	uint32_t n = cnr_graph_node_count(g);
	uint32_t *queue = malloc(((size_t)n + 1) * sizeof(*queue));
	size_t head = 0, tail = 0;
	for (uint32_t v = 0; v < n; v++) {
		dist[v] = from[v] ? 0 : CNR_GRAPH_NO_NODE;
		if (from[v])
			queue[tail++] = v;
	}
	while (head < tail) {
		uint32_t x = queue[head++];
		const uint32_t *succ;
		uint32_t ns = cnr_graph_successors(g, x, &succ);
		for (uint32_t i = 0; i < ns; i++) {
			if (dist[succ[i]] == CNR_GRAPH_NO_NODE) {
				dist[succ[i]] = dist[x] + 1;
				queue[tail++] = succ[i];
			}
		}
	}
	free(queue);
}

// The heap of a leaking map, shared by the suspect tests: root 0 is a
// global holding a map header (1), whose bucket array (2) holds entries
// 3..10, each with a payload 11..18 (1000 bytes each): the bucket array is
// the accumulation point, 0 and 1 only hand their bytes down.  Root entry
// 1 holds a big buffer (19, 4 KiB) alone.  Root entry 2 holds a small
// struct (20) with two halves (21, 22, 100 bytes each).  23 is garbage
// pointing at the bucket array.  Everything else is 16 bytes.
enum { LEAKING_MAP_NODES = 24 };

static inline struct cnr_graph *test_leaking_map_heap(void)
{
	struct test_edge edges[32];
	size_t ne = 0;
	edges[ne++] = (struct test_edge){ 0, 1 };
	edges[ne++] = (struct test_edge){ 1, 2 };
	for (uint32_t i = 0; i < 8; i++) {
		edges[ne++] = (struct test_edge){ 2, 3 + i };
		edges[ne++] = (struct test_edge){ 3 + i, 11 + i };
	}
	edges[ne++] = (struct test_edge){ 20, 21 };
	edges[ne++] = (struct test_edge){ 20, 22 };
	edges[ne++] = (struct test_edge){ 23, 2 };
	uint64_t sizes[LEAKING_MAP_NODES];
	for (uint32_t i = 0; i < LEAKING_MAP_NODES; i++)
		sizes[i] = 16;
	sizes[2] = 1024;
	for (uint32_t i = 11; i < 19; i++)
		sizes[i] = 1000;
	sizes[19] = 4096;
	sizes[21] = sizes[22] = 100;
	static const uint32_t roots[] = { 0, 19, 20 };
	return test_graph(LEAKING_MAP_NODES, sizes, edges, ne, roots, 3);
}

static inline bool test_has_edge(const struct cnr_graph *g, uint32_t a, uint32_t b)
{
	const uint32_t *succ;
	uint32_t ns = cnr_graph_successors(g, a, &succ);
	for (uint32_t i = 0; i < ns; i++) {
		if (succ[i] == b)
			return true;
	}
	return false;
}

#endif
