// The graph itself: CSR from edges in any order, predecessor lists, root
// lookups, reachability, and bad input.
#include "graph_test_util.h"

Test(graph, csr_keeps_edges_in_the_order_added)
{
	// Unsorted on purpose: sources 2, 0, 2, 1, 0.
	static const struct test_edge edges[] = { { 2, 0 }, { 0, 1 }, { 2, 2 }, { 1, 2 }, { 0, 2 } };
	static const uint32_t roots[] = { 0 };
	struct cnr_graph *g = TEST_GRAPH(3, NULL, edges, roots);
	cr_assert_eq(cnr_graph_node_count(g), 3);
	cr_assert_eq(cnr_graph_edge_count(g), 5);
	const uint32_t *succ;
	cr_assert_eq(cnr_graph_successors(g, 0, &succ), 2);
	cr_assert_eq(succ[0], 1);
	cr_assert_eq(succ[1], 2);
	cr_assert_eq(cnr_graph_successors(g, 1, &succ), 1);
	cr_assert_eq(succ[0], 2);
	cr_assert_eq(cnr_graph_successors(g, 2, &succ), 2);
	cr_assert_eq(succ[0], 0);
	cr_assert_eq(succ[1], 2);
	cnr_graph_destroy(g);
}

Test(graph, sorted_and_unsorted_input_give_the_same_graph)
{
	uint64_t seed = 42;
	enum { N = 500, E = 3000 };
	static struct test_edge edges[E];
	for (size_t i = 0; i < E; i++)
		edges[i] = (struct test_edge){ cnr_test_rand(&seed) % N, cnr_test_rand(&seed) % N };
	// Stable sort by source: the order each node's edges are added in stays.
	static struct test_edge sorted[E];
	size_t k = 0;
	for (uint32_t s = 0; s < N; s++) {
		for (size_t i = 0; i < E; i++) {
			if (edges[i].src == s)
				sorted[k++] = edges[i];
		}
	}
	static const uint32_t roots[] = { 0, 7 };
	struct cnr_graph *a = TEST_GRAPH(N, NULL, edges, roots);
	struct cnr_graph *b = TEST_GRAPH(N, NULL, sorted, roots);
	for (uint32_t v = 0; v < N; v++) {
		const uint32_t *sa, *sb;
		uint32_t na = cnr_graph_successors(a, v, &sa), nb = cnr_graph_successors(b, v, &sb);
		cr_assert_eq(na, nb);
		cr_assert_arr_eq(sa, sb, na * sizeof(*sa));
	}
	cnr_graph_destroy(a);
	cnr_graph_destroy(b);
}

Test(graph, add_edges_in_bulk)
{
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	cnr_cr_assert_ok(cnr_graph_builder_reserve(b, 4, 6));
	uint32_t id;
	for (int i = 0; i < 4; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 10 * i, &id));
	cr_assert_eq(cnr_graph_builder_node_count(b), 4);
	static const uint32_t from1[] = { 2, 3 }, from0[] = { 1, 3, 3 };
	cnr_cr_assert_ok(cnr_graph_builder_add_edges(b, 1, from1, 2));
	cnr_cr_assert_ok(cnr_graph_builder_add_edges(b, 0, from0, 3));
	cnr_cr_assert_ok(cnr_graph_builder_add_edges(b, 2, NULL, 0));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 0, 99));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	const uint32_t *succ;
	cr_assert_eq(cnr_graph_successors(g, 0, &succ), 3);
	cr_assert_eq(succ[0], 1);
	cr_assert_eq(succ[2], 3);
	cr_assert_eq(cnr_graph_successors(g, 1, &succ), 2);
	cr_assert_eq(cnr_graph_size(g, 3), 30);
	cr_assert_eq(cnr_graph_root(g, 0).label, 99);
	cnr_graph_destroy(g);
}

Test(graph, predecessors_are_the_reverse_edges)
{
	uint64_t seed = 7;
	enum { N = 200, E = 1500 };
	static struct test_edge edges[E];
	for (size_t i = 0; i < E; i++)
		edges[i] = (struct test_edge){ cnr_test_rand(&seed) % N, cnr_test_rand(&seed) % N };
	static const uint32_t roots[] = { 3 };
	struct cnr_graph *g = TEST_GRAPH(N, NULL, edges, roots);
	for (uint32_t v = 0; v < N; v++) {
		const uint32_t *pred;
		uint32_t np;
		cnr_cr_assert_ok(cnr_graph_predecessors(g, v, &pred, &np));
		// Same multiset as the brute-force count, in increasing order.
		uint32_t want = 0;
		for (size_t i = 0; i < E; i++)
			want += edges[i].dst == v;
		cr_assert_eq(np, want);
		for (uint32_t i = 0; i < np; i++) {
			cr_assert(test_has_edge(g, pred[i], v));
			if (i)
				cr_assert_leq(pred[i - 1], pred[i]);
		}
		uint32_t from_u = 0;
		for (uint32_t i = 0; i < np; i++)
			from_u += pred[i] == pred[0];
		uint32_t edges_u = 0;
		for (size_t i = 0; i < E && np; i++)
			edges_u += edges[i].src == pred[0] && edges[i].dst == v;
		cr_assert_eq(from_u, edges_u);
	}
	cnr_graph_destroy(g);
}

Test(graph, roots_of_finds_every_entry_of_a_node)
{
	static const struct test_edge edges[] = { { 0, 1 } };
	static const uint32_t roots[] = { 2, 0, 2, 1, 2 };
	struct cnr_graph *g = TEST_GRAPH(4, NULL, edges, roots);
	const uint32_t *entries;
	cr_assert_eq(cnr_graph_roots_of(g, 2, &entries), 3);
	cr_assert_eq(entries[0], 0);
	cr_assert_eq(entries[1], 2);
	cr_assert_eq(entries[2], 4);
	cr_assert_eq(cnr_graph_roots_of(g, 0, &entries), 1);
	cr_assert_eq(entries[0], 1);
	cr_assert_eq(cnr_graph_roots_of(g, 3, &entries), 0);
	cr_assert(cnr_graph_is_root(g, 1));
	cr_assert_not(cnr_graph_is_root(g, 3));
	cnr_graph_destroy(g);
}

Test(graph, empty_graph)
{
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	cr_assert_eq(cnr_graph_node_count(g), 0);
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cr_assert_eq(cnr_graph_reachable_count(g), 0);
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	const uint32_t *order;
	cr_assert_eq(cnr_graph_dom_order(g, &order), 0);
	uint64_t r = 1;
	cnr_cr_assert_ok(cnr_graph_retained_by_labels(g, NULL, 0, &r));
	cnr_cr_assert_ok(cnr_graph_retained_by_set(g, NULL, 0, &r));
	cr_assert_eq(r, 0);
	cnr_graph_destroy(g);
}

Test(graph, reachability_marks_garbage)
{
	// 0 -> 1 -> 2 live; 3 -> 1 and 4 <-> 5 garbage.
	static const uint64_t sizes[] = { 1, 2, 4, 8, 16, 32 };
	static const struct test_edge edges[] = { { 0, 1 }, { 1, 2 }, { 3, 1 }, { 4, 5 }, { 5, 4 } };
	static const uint32_t roots[] = { 0 };
	struct cnr_graph *g = TEST_GRAPH(6, sizes, edges, roots);
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cr_assert_eq(cnr_graph_reachable_count(g), 3);
	cr_assert_eq(cnr_graph_reachable_bytes(g), 7);
	for (uint32_t v = 0; v < 6; v++)
		cr_assert_eq(cnr_graph_is_reachable(g, v), v < 3, "node %u", v);
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g)); // again: no-op
	cnr_graph_destroy(g);
}

Test(graph, no_roots_means_all_garbage)
{
	static const struct test_edge edges[] = { { 0, 1 }, { 1, 0 } };
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 5, &id));
	cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 5, &id));
	for (size_t i = 0; i < CNR_ARRAY_SIZE(edges); i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, edges[i].src, edges[i].dst));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	cr_assert_eq(cnr_graph_idom(g, 0), CNR_GRAPH_NO_NODE);
	cr_assert_eq(cnr_graph_retained(g, 1), 0);
	cnr_cr_assert_err(cnr_graph_shortest_path(g, 1, &(struct cnr_graph_path){ 0 }), CNR_ERROR_NOT_FOUND);
	cnr_graph_destroy(g);
}

Test(graph, edge_to_missing_node_is_corrupt)
{
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	for (int i = 0; i < 3; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1, &id));
	cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, 0, 1));
	cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, 1, 7));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 0, 0));
	struct cnr_graph *g = NULL;
	cnr_cr_assert_err_msg(cnr_graph_builder_finish(b, &g), CNR_ERROR_CORRUPT,
			      "edge from node 1 to node 7: node 7 does not exist (3 nodes)");
	cr_assert_null(g);
}

Test(graph, edge_from_missing_node_is_corrupt)
{
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1, &id));
	cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, 0, 0));
	cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, UINT32_MAX, 0));
	struct cnr_graph *g = NULL;
	cnr_cr_assert_err_msg(cnr_graph_builder_finish(b, &g), CNR_ERROR_CORRUPT, "node 4294967295 does not exist");
	cr_assert_null(g);
}

Test(graph, root_at_missing_node_is_corrupt)
{
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1, &id));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 0, 5));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 1, 6));
	struct cnr_graph *g = NULL;
	cnr_cr_assert_err_msg(cnr_graph_builder_finish(b, &g), CNR_ERROR_CORRUPT,
			      "root 1 (label 6): node 1 does not exist (1 nodes)");
	cr_assert_null(g);
}

Test(graph, query_of_missing_node_is_invalid)
{
	static const struct test_edge edges[] = { { 0, 1 } };
	static const uint32_t roots[] = { 0 };
	struct cnr_graph *g = TEST_GRAPH(2, NULL, edges, roots);
	const uint32_t *pred;
	uint32_t np;
	cnr_cr_assert_err_msg(cnr_graph_predecessors(g, 2, &pred, &np), CNR_ERROR_INVALID,
			      "node 2 does not exist (2 nodes)");
	struct cnr_graph_path path;
	cnr_cr_assert_err(cnr_graph_shortest_path(g, 9, &path), CNR_ERROR_INVALID);
	uint64_t r;
	static const uint32_t set[] = { 1, 2 };
	cnr_cr_assert_err_msg(cnr_graph_retained_by_set(g, set, 2, &r), CNR_ERROR_INVALID, "node 2");
	static const uint32_t labels[] = { 3, 1, 3 };
	cnr_cr_assert_err_msg(cnr_graph_retained_by_labels(g, labels, 3, &r), CNR_ERROR_INVALID,
			      "label 3 listed twice");
	cnr_graph_destroy(g);
}

Test(graph, destroy_null_is_harmless)
{
	cnr_graph_destroy(NULL);
	cnr_graph_builder_destroy(NULL);
}
