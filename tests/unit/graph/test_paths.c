// Retention paths: shortest from the super-root, k of them from distinct
// root entries, checked against independent BFS distances.
#include "graph_test_util.h"

static void check_path(const struct cnr_graph *g, const struct cnr_graph_path *p, uint32_t target)
{
	cr_assert_geq(p->length, 1);
	cr_assert_lt(p->root, cnr_graph_root_count(g));
	cr_assert_eq(p->nodes[0], cnr_graph_root(g, p->root).node);
	cr_assert_eq(p->nodes[p->length - 1], target);
	for (uint32_t i = 0; i + 1 < p->length; i++)
		cr_assert(test_has_edge(g, p->nodes[i], p->nodes[i + 1]), "no edge %u -> %u", p->nodes[i],
			  p->nodes[i + 1]);
}

Test(graph, shortest_path_of_hand_made_graph)
{
	// Root 0 reaches 4 in 3 edges (0 1 2 4) and 4 edges (0 3 5 6 4); root
	// entry 1 at node 6 reaches it in one.
	static const struct test_edge edges[] = { { 0, 1 }, { 1, 2 }, { 2, 4 }, { 0, 3 },
						  { 3, 5 }, { 5, 6 }, { 6, 4 }, { 7, 4 } };
	static const uint32_t roots[] = { 0, 6, 6 };
	struct cnr_graph *g = TEST_GRAPH(8, NULL, edges, roots);
	struct cnr_graph_path p;
	cnr_cr_assert_ok(cnr_graph_shortest_path(g, 4, &p));
	cr_assert_eq(p.root, 1);
	cr_assert_eq(p.length, 2);
	check_path(g, &p, 4);
	cnr_graph_path_deinit(&p);

	struct cnr_graph_path ps[5];
	uint32_t count;
	cnr_cr_assert_ok(cnr_graph_shortest_paths(g, 4, 5, ps, &count));
	cr_assert_eq(count, 3);
	cr_assert_eq(ps[0].root, 1);
	cr_assert_eq(ps[1].root, 2);
	cr_assert_eq(ps[1].length, 2);
	cr_assert_eq(ps[2].root, 0);
	cr_assert_eq(ps[2].length, 4);
	for (uint32_t i = 0; i < count; i++) {
		check_path(g, &ps[i], 4);
		cnr_graph_path_deinit(&ps[i]);
	}

	// A root's own path is just itself.
	cnr_cr_assert_ok(cnr_graph_shortest_path(g, 0, &p));
	cr_assert_eq(p.length, 1);
	cr_assert_eq(p.nodes[0], 0);
	cnr_graph_path_deinit(&p);
	// 7 is garbage: reachable from no root.
	cnr_cr_assert_err_msg(cnr_graph_shortest_path(g, 7, &p), CNR_ERROR_NOT_FOUND, "node 7");
	cnr_cr_assert_ok(cnr_graph_shortest_paths(g, 7, 3, ps, &count));
	cr_assert_eq(count, 0);
	cnr_cr_assert_ok(cnr_graph_shortest_paths(g, 4, 0, ps, &count));
	cr_assert_eq(count, 0);

	const uint32_t *pred;
	uint32_t np;
	cnr_cr_assert_ok(cnr_graph_predecessors(g, 4, &pred, &np));
	cr_assert_eq(np, 3);
	cr_assert_eq(pred[0], 2);
	cr_assert_eq(pred[1], 6);
	cr_assert_eq(pred[2], 7);
	cnr_graph_destroy(g);
}

static void paths_one(uint64_t seed, uint32_t n, uint32_t nedges, bool with_reachability)
{
	uint64_t s = seed;
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	for (uint32_t i = 0; i < n; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1, &id));
	for (uint32_t e = 0; e < nedges; e++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, cnr_test_rand(&s) % n, cnr_test_rand(&s) % n));
	uint32_t nroots = 1 + cnr_test_rand(&s) % 8;
	for (uint32_t r = 0; r < nroots; r++)
		cnr_cr_assert_ok(cnr_graph_builder_add_root(b, cnr_test_rand(&s) % n, r));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	if (with_reachability)
		cnr_cr_assert_ok(cnr_graph_compute_reachability(g));

	bool *from = calloc(n, sizeof(*from));
	uint32_t *dist = malloc(n * sizeof(*dist));
	// dist_from[r * n + v]: distance from root entry r's node to v.
	uint32_t *dist_from = malloc((size_t)nroots * n * sizeof(*dist_from));
	for (uint32_t r = 0; r < nroots; r++) {
		memset(from, 0, n * sizeof(*from));
		from[cnr_graph_root(g, r).node] = true;
		brute_bfs(g, from, &dist_from[(size_t)r * n]);
	}
	for (uint32_t r = 0; r < nroots; r++)
		from[cnr_graph_root(g, r).node] = true;
	brute_bfs(g, from, dist);

	enum { K = 3 };
	for (uint32_t v = 0; v < n; v++) {
		struct cnr_graph_path p;
		struct cnr_error *err = cnr_graph_shortest_path(g, v, &p);
		if (dist[v] == CNR_GRAPH_NO_NODE) {
			cnr_cr_assert_err(err, CNR_ERROR_NOT_FOUND);
		} else {
			cnr_cr_assert_ok(err);
			check_path(g, &p, v);
			cr_assert_eq(p.length - 1, dist[v], "seed %" PRIu64 ": path to %u has %u edges, BFS says %u",
				     seed, v, p.length - 1, dist[v]);
			cnr_graph_path_deinit(&p);
		}

		struct cnr_graph_path ps[K];
		uint32_t count;
		cnr_cr_assert_ok(cnr_graph_shortest_paths(g, v, K, ps, &count));
		uint32_t reaching = 0;
		for (uint32_t r = 0; r < nroots; r++)
			reaching += dist_from[(size_t)r * n + v] != CNR_GRAPH_NO_NODE;
		cr_assert_eq(count, reaching < K ? reaching : K, "seed %" PRIu64 " node %u", seed, v);
		for (uint32_t i = 0; i < count; i++) {
			check_path(g, &ps[i], v);
			cr_assert_eq(ps[i].length - 1, dist_from[(size_t)ps[i].root * n + v]);
			if (i) {
				cr_assert_leq(ps[i - 1].length, ps[i].length);
				for (uint32_t j = 0; j < i; j++)
					cr_assert_neq(ps[i].root, ps[j].root);
			}
		}
		// No root entry left out is nearer than the last one taken.
		if (count == K) {
			for (uint32_t r = 0; r < nroots; r++) {
				bool taken = false;
				for (uint32_t i = 0; i < count; i++)
					taken |= ps[i].root == r;
				if (!taken)
					cr_assert_geq(dist_from[(size_t)r * n + v], ps[K - 1].length - 1);
			}
		}
		for (uint32_t i = 0; i < count; i++)
			cnr_graph_path_deinit(&ps[i]);
	}
	free(from);
	free(dist);
	free(dist_from);
	cnr_graph_destroy(g);
}

Test(graph, equally_short_paths_go_to_the_lowest_root_entry)
{
	// Node 5 is two edges from root nodes 1, 2 and 3, met through 4.  Root
	// entries: 0 at node 3 (the caller's best-named root), 1 at node 1, 2
	// at node 2; node 4's predecessor list holds 1 and 2 before 3, so the
	// search meets them first, but the path must start at entry 0, and the
	// k paths come in entry order within the same length.
	static const struct test_edge edges[] = { { 1, 4 }, { 2, 4 }, { 3, 4 }, { 4, 5 }, { 0, 1 } };
	static const uint32_t roots[] = { 3, 1, 2 };
	struct cnr_graph *g = TEST_GRAPH(6, NULL, edges, roots);
	struct cnr_graph_path p;
	cnr_cr_assert_ok(cnr_graph_shortest_path(g, 5, &p));
	cr_assert_eq(p.root, 0);
	cr_assert_eq(p.length, 3);
	check_path(g, &p, 5);
	cnr_graph_path_deinit(&p);
	struct cnr_graph_path ps[3];
	uint32_t count;
	cnr_cr_assert_ok(cnr_graph_shortest_paths(g, 5, 3, ps, &count));
	cr_assert_eq(count, 3);
	for (uint32_t i = 0; i < count; i++) {
		cr_assert_eq(ps[i].root, i);
		cr_assert_eq(ps[i].length, 3);
		check_path(g, &ps[i], 5);
		cnr_graph_path_deinit(&ps[i]);
	}
	cnr_graph_destroy(g);
}

Test(graph, paths_on_random_graphs, .timeout = 120)
{
	for (uint64_t seed = 1; seed <= 200; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
		uint32_t n = 1 + cnr_test_rand(&s) % 250;
		uint32_t nedges = n * (1 + seed % 5) / 2;
		paths_one(seed, n, nedges, seed % 2);
	}
}
