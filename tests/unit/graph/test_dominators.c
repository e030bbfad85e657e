// Dominator trees and retained sizes: hand-made graphs whose answers are
// known, a brute-force oracle on random graphs, and chains long enough
// that any recursion would overflow the stack.
#include <stdio.h>

#include "graph_test_util.h"

static const uint32_t SR = UINT32_MAX - 1; // CNR_GRAPH_SUPER_ROOT
static const uint32_t NO = UINT32_MAX;     // CNR_GRAPH_NO_NODE

static void check_idoms(struct cnr_graph *g, const uint32_t *want)
{
	cnr_cr_assert_ok(cnr_graph_compute_dominators(g));
	for (uint32_t v = 0; v < cnr_graph_node_count(g); v++)
		cr_assert_eq(cnr_graph_idom(g, v), want[v], "idom(%u) = %u, want %u", v, cnr_graph_idom(g, v),
			     want[v]);
}

static void check_retained(struct cnr_graph *g, const uint64_t *want)
{
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	for (uint32_t v = 0; v < cnr_graph_node_count(g); v++)
		cr_assert_eq(cnr_graph_retained(g, v), want[v], "retained(%u) = %" PRIu64 ", want %" PRIu64, v,
			     cnr_graph_retained(g, v), want[v]);
}

Test(graph, diamond)
{
	static const uint64_t sizes[] = { 1, 2, 4, 8 };
	static const struct test_edge edges[] = { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 } };
	static const uint32_t roots[] = { 0 };
	struct cnr_graph *g = TEST_GRAPH(4, sizes, edges, roots);
	check_idoms(g, (const uint32_t[]){ SR, 0, 0, 0 });
	check_retained(g, (const uint64_t[]){ 15, 2, 4, 8 });
	cnr_graph_destroy(g);
}

Test(graph, chain)
{
	static const uint64_t sizes[] = { 1, 2, 4, 8 };
	static const struct test_edge edges[] = { { 2, 3 }, { 0, 1 }, { 1, 2 } };
	static const uint32_t roots[] = { 0 };
	struct cnr_graph *g = TEST_GRAPH(4, sizes, edges, roots);
	check_idoms(g, (const uint32_t[]){ SR, 0, 1, 2 });
	check_retained(g, (const uint64_t[]){ 15, 14, 12, 8 });
	cnr_graph_destroy(g);
}

Test(graph, cycle)
{
	static const uint64_t sizes[] = { 1, 2, 4 };
	static const struct test_edge edges[] = { { 0, 1 }, { 1, 2 }, { 2, 0 } };
	static const uint32_t roots[] = { 1 };
	struct cnr_graph *g = TEST_GRAPH(3, sizes, edges, roots);
	check_idoms(g, (const uint32_t[]){ 2, SR, 1 });
	check_retained(g, (const uint64_t[]){ 1, 7, 5 });
	cnr_graph_destroy(g);
}

Test(graph, self_loops_and_duplicate_edges)
{
	static const uint64_t sizes[] = { 1, 2, 4 };
	static const struct test_edge edges[] = { { 0, 0 }, { 0, 1 }, { 0, 1 }, { 1, 1 }, { 1, 2 }, { 2, 2 } };
	static const uint32_t roots[] = { 0, 0 };
	struct cnr_graph *g = TEST_GRAPH(3, sizes, edges, roots);
	check_idoms(g, (const uint32_t[]){ SR, 0, 1 });
	check_retained(g, (const uint64_t[]){ 7, 6, 4 });
	cnr_graph_destroy(g);
}

Test(graph, multiple_roots)
{
	// Roots 0 and 1 both hold 2 (so neither dominates it); 0 alone holds
	// 3; root 4 is also reachable from 3, so only the super-root dominates
	// it; 5 hangs off 4.
	static const uint64_t sizes[] = { 1, 2, 4, 8, 16, 32 };
	static const struct test_edge edges[] = { { 0, 2 }, { 1, 2 }, { 0, 3 }, { 3, 4 }, { 4, 5 } };
	static const uint32_t roots[] = { 0, 1, 4 };
	struct cnr_graph *g = TEST_GRAPH(6, sizes, edges, roots);
	check_idoms(g, (const uint32_t[]){ SR, SR, SR, 0, SR, 4 });
	check_retained(g, (const uint64_t[]){ 9, 2, 4, 8, 48, 32 });
	cnr_graph_destroy(g);
}

Test(graph, unreachable_parts)
{
	// 0 -> 1; garbage 2 -> 1 and 2 -> 3 -> 4 -> 3.
	static const uint64_t sizes[] = { 1, 2, 4, 8, 16 };
	static const struct test_edge edges[] = { { 0, 1 }, { 2, 1 }, { 2, 3 }, { 3, 4 }, { 4, 3 } };
	static const uint32_t roots[] = { 0 };
	struct cnr_graph *g = TEST_GRAPH(5, sizes, edges, roots);
	check_idoms(g, (const uint32_t[]){ SR, 0, NO, NO, NO });
	check_retained(g, (const uint64_t[]){ 3, 2, 0, 0, 0 });
	const uint32_t *order;
	cr_assert_eq(cnr_graph_dom_order(g, &order), 2);
	cr_assert_eq(order[0], 0);
	cr_assert_eq(order[1], 1);
	cnr_graph_destroy(g);
}

// Lengauer and Tarjan, "A Fast Algorithm for Finding Dominators in a
// Flowgraph", TOPLAS 1(1), 1979, figure 1.
enum { R, A, B, C, D, E, F, G, H, I, J, K, L, LT_N };

Test(graph, lengauer_tarjan_paper_example)
{
	static const struct test_edge edges[] = {
		{ R, A }, { R, B }, { R, C }, { A, D }, { B, A }, { B, D }, { B, E }, { C, F }, { C, G },
		{ D, L }, { E, H }, { F, I }, { G, I }, { G, J }, { H, E }, { H, K }, { I, K }, { J, I },
		{ K, I }, { K, R }, { L, H },
	};
	static const uint32_t roots[] = { R };
	struct cnr_graph *g = TEST_GRAPH(LT_N, NULL, edges, roots);
	uint32_t want[LT_N] = {
		[R] = SR, [A] = R, [B] = R, [C] = R, [D] = R, [E] = R, [F] = C,
		[G] = C,  [H] = R, [I] = R, [J] = G, [K] = R, [L] = D,
	};
	check_idoms(g, want);
	uint64_t retained[LT_N];
	for (int v = 0; v < LT_N; v++)
		retained[v] = 1;
	retained[R] = LT_N;
	retained[C] = 4; // C, F, G, J
	retained[G] = 2;
	retained[D] = 2;
	check_retained(g, retained);
	cnr_graph_destroy(g);
}

Test(graph, retained_by_labels_of_hand_made_graph)
{
	// Entries: 0 (label 10) and 1 (label 20) share 2; 3 is held by the
	// entries labelled 10 and 30, each reaching it on its own.
	static const uint64_t sizes[] = { 1, 2, 4, 8, 16 };
	static const struct test_edge edges[] = { { 0, 2 }, { 1, 2 }, { 0, 3 }, { 4, 3 } };
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	for (int i = 0; i < 5; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, sizes[i], &id));
	for (size_t i = 0; i < CNR_ARRAY_SIZE(edges); i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, edges[i].src, edges[i].dst));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 0, 10));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 1, 20));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 4, 30));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 1, 10));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	uint64_t got[4];
	cnr_cr_assert_ok(cnr_graph_retained_by_labels(g, (const uint32_t[]){ 20, 10, 30, 99 }, 4, got));
	// 20 alone: node 1 is also held by the second label-10 entry.
	cr_assert_eq(got[0], 0);
	// 10: node 0 only (1 and 2 stay with the label-20 entry, 3 with 4).
	cr_assert_eq(got[1], 1);
	cr_assert_eq(got[2], 16);
	cr_assert_eq(got[3], 0);
	// Listing one label leaves all the others as roots.
	cnr_cr_assert_ok(cnr_graph_retained_by_labels(g, (const uint32_t[]){ 10 }, 1, got));
	cr_assert_eq(got[0], 1);
	// Node 1 with both of its entries: what they hold that node 0 does not.
	cnr_cr_assert_ok(cnr_graph_retained_by_set(g, (const uint32_t[]){ 1 }, 1, got));
	cr_assert_eq(got[0], 2);
	cnr_cr_assert_ok(cnr_graph_retained_by_set(g, (const uint32_t[]){ 0, 1 }, 2, got));
	cr_assert_eq(got[0], 7);
	cnr_graph_destroy(g);
}

// The oracle.  For a random graph, by the definitions alone:
//   retained(v) = bytes reachable - bytes reachable with v deleted
//   u dominates v (u != v) iff v is unreachable with u deleted
//   idom(v) = the strict dominator of v that all others dominate, i.e.
//             the one with the most dominators itself
// cnr_graph_dom_order() is a preorder of the dominator tree with each
// subtree contiguous: every reachable node once, inside its idom's
// interval, and each interval exactly as long as its subtree.
static void check_dom_order(struct cnr_graph *g)
{
	uint32_t N = cnr_graph_node_count(g);
	const uint32_t *order, *end = cnr_graph_dom_ends(g);
	uint32_t count = cnr_graph_dom_order(g, &order);
	cr_assert_eq(count, cnr_graph_reachable_count(g));
	uint32_t *pos = malloc(((size_t)N + 1) * sizeof(*pos)), *size = calloc((size_t)N + 1, sizeof(*size));
	for (uint32_t v = 0; v < N; v++)
		pos[v] = NO;
	for (uint32_t k = 0; k < count; k++) {
		cr_assert_eq(pos[order[k]], NO, "node %u twice in the order", order[k]);
		pos[order[k]] = k;
		cr_assert(end[k] > k && end[k] <= count);
	}
	for (uint32_t k = 0; k < count; k++) {
		uint32_t v = order[k], d = cnr_graph_idom(g, v);
		cr_assert_neq(d, NO);
		if (d != SR)
			cr_assert(pos[d] < k && end[k] <= end[pos[d]], "node %u outside its idom %u's subtree", v, d);
	}
	// size[v]: how many nodes v dominates, complete when v is reached
	// going backwards.
	for (uint32_t k = count; k-- > 0;) {
		uint32_t v = order[k], d = cnr_graph_idom(g, v);
		cr_assert_eq(end[k] - k - 1, size[v], "subtree of node %u", v);
		if (d != SR)
			size[d] += size[v] + 1;
	}
	free(pos);
	free(size);
}

static void oracle_one(uint64_t seed, uint32_t n, uint32_t avg_degree_x2, bool sorted)
{
	uint64_t s = seed;
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id;
		// Some zero sizes: they must not confuse anything.
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, cnr_test_rand(&s) % 5 ? cnr_test_rand(&s) % 1000 : 0, &id));
	}
	uint32_t nedges = n * avg_degree_x2 / 2;
	if (sorted) {
		for (uint32_t e = 0; e < nedges; e++)
			cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, (uint64_t)e * n / (nedges ? nedges : 1),
								     cnr_test_rand(&s) % n));
	} else {
		for (uint32_t e = 0; e < nedges; e++)
			cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, cnr_test_rand(&s) % n, cnr_test_rand(&s) % n));
	}
	uint32_t nroots = 1 + cnr_test_rand(&s) % (n < 6 ? n : 6);
	for (uint32_t r = 0; r < nroots; r++)
		cnr_cr_assert_ok(cnr_graph_builder_add_root(b, cnr_test_rand(&s) % n, cnr_test_rand(&s) % 3));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	check_dom_order(g);

	bool *seen = calloc(n, sizeof(*seen));
	bool *live = calloc(n, sizeof(*live));
	// gone[u * n + v]: v unreachable once u is deleted.
	bool *gone = calloc((size_t)n * n, sizeof(*gone));
	uint32_t *ndom = calloc(n, sizeof(*ndom));
	uint64_t total = brute_reach(g, NO, NULL, NULL, live);
	uint32_t live_count = 0;
	for (uint32_t v = 0; v < n; v++) {
		live_count += live[v];
		cr_assert_eq(cnr_graph_is_reachable(g, v), live[v], "seed %" PRIu64 " node %u", seed, v);
	}
	cr_assert_eq(cnr_graph_reachable_bytes(g), total);
	cr_assert_eq(cnr_graph_reachable_count(g), live_count);
	for (uint32_t u = 0; u < n; u++) {
		uint64_t left = brute_reach(g, u, NULL, NULL, seen);
		cr_assert_eq(cnr_graph_retained(g, u), total - left, "seed %" PRIu64 " n %u: retained(%u) = %" PRIu64
			     ", brute force %" PRIu64, seed, n, u, cnr_graph_retained(g, u), total - left);
		for (uint32_t v = 0; v < n; v++) {
			gone[(size_t)u * n + v] = u != v && live[v] && !seen[v];
			ndom[v] += gone[(size_t)u * n + v];
		}
	}
	for (uint32_t v = 0; v < n; v++) {
		uint32_t want = live[v] ? SR : NO;
		for (uint32_t u = 0; u < n; u++) {
			if (gone[(size_t)u * n + v] && (want == SR || ndom[u] > ndom[want]))
				want = u;
		}
		cr_assert_eq(cnr_graph_idom(g, v), want, "seed %" PRIu64 " n %u: idom(%u) = %u, brute force %u",
			     seed, n, v, cnr_graph_idom(g, v), want);
	}
	// The order: every reachable node once, each after its idom.
	const uint32_t *order;
	uint32_t count = cnr_graph_dom_order(g, &order);
	cr_assert_eq(count, live_count);
	memset(seen, 0, n * sizeof(*seen));
	for (uint32_t i = 0; i < count; i++) {
		uint32_t p = cnr_graph_idom(g, order[i]);
		cr_assert(p == SR || seen[p]);
		cr_assert_not(seen[order[i]]);
		seen[order[i]] = true;
	}

	// Sets of nodes: deleting them all.
	bool *blocked = calloc(n, sizeof(*blocked));
	for (int t = 0; t < 4; t++) {
		uint32_t set[4];
		size_t size = 1 + cnr_test_rand(&s) % 4;
		memset(blocked, 0, n * sizeof(*blocked));
		for (size_t i = 0; i < size; i++) {
			set[i] = cnr_test_rand(&s) % n;
			blocked[set[i]] = true;
		}
		uint64_t got;
		cnr_cr_assert_ok(cnr_graph_retained_by_set(g, set, size, &got));
		cr_assert_eq(got, total - brute_reach(g, NO, blocked, NULL, seen), "seed %" PRIu64, seed);
	}
	// Labels: dropping the root entries that carry them.
	static const uint32_t labels[] = { 2, 0, 7 };
	uint64_t by_label[3];
	cnr_cr_assert_ok(cnr_graph_retained_by_labels(g, labels, 3, by_label));
	for (int l = 0; l < 3; l++) {
		bool skip[6];
		for (uint32_t r = 0; r < nroots; r++)
			skip[r] = cnr_graph_root(g, r).label == labels[l];
		uint64_t want = total - brute_reach(g, NO, NULL, skip, seen);
		cr_assert_eq(by_label[l], want, "seed %" PRIu64 ": label %u retains %" PRIu64 ", brute force %" PRIu64,
			     seed, labels[l], by_label[l], want);
	}
	// Groups of root entries given directly: entry r in group r % 2
	// (odd seeds leave the last entry out of every group).
	uint32_t group_of[6];
	for (uint32_t r = 0; r < nroots; r++)
		group_of[r] = seed % 2 && r == nroots - 1 ? 2 : r % 2;
	uint64_t by_group[2];
	cnr_cr_assert_ok(cnr_graph_retained_by_root_groups(g, group_of, 2, by_group));
	for (uint32_t j = 0; j < 2; j++) {
		bool skip[6];
		for (uint32_t r = 0; r < nroots; r++)
			skip[r] = group_of[r] == j;
		uint64_t want = total - brute_reach(g, NO, NULL, skip, seen);
		cr_assert_eq(by_group[j], want, "seed %" PRIu64 ": group %u retains %" PRIu64 ", brute force %" PRIu64,
			     seed, j, by_group[j], want);
	}
	free(blocked);
	free(seen);
	free(live);
	free(gone);
	free(ndom);
	cnr_graph_destroy(g);
}

Test(graph, oracle_on_random_graphs, .timeout = 120)
{
	// Average out-degrees 0.5, 1, 1.5, 2, 3, 5: from mostly trees and
	// garbage to dense tangles.
	static const uint32_t degree_x2[] = { 1, 2, 3, 4, 6, 10 };
	int graphs = 0;
	for (uint64_t seed = 1; seed <= 360; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
		uint32_t n = seed <= 60 ? 1 + seed % 12 : 1 + cnr_test_rand(&s) % 300;
		oracle_one(seed, n, degree_x2[seed % CNR_ARRAY_SIZE(degree_x2)], seed % 3 == 0);
		graphs++;
	}
	cr_assert_eq(graphs, 360);
}

// Chains millions long: recursion anywhere would overflow the stack.
Test(graph, five_million_node_chain, .timeout = 300)
{
	enum { N = 5000000 };
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	cnr_cr_assert_ok(cnr_graph_builder_reserve(b, N, N));
	uint32_t id;
	for (uint32_t i = 0; i < N; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 2, &id));
	for (uint32_t i = 0; i + 1 < N; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, i, i + 1));
	// And a back edge from the far end to node 1: evaluating it compresses
	// a path of the whole chain.
	cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, N - 1, 1));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 0, 0));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cr_assert_eq(cnr_graph_reachable_count(g), N);
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	cr_assert_eq(cnr_graph_idom(g, 0), SR);
	for (uint32_t i = 1; i < N; i++) {
		if (cnr_graph_idom(g, i) != i - 1)
			cr_assert_fail("idom(%u) = %u", i, cnr_graph_idom(g, i));
	}
	cr_assert_eq(cnr_graph_retained(g, 0), 2ULL * N);
	cr_assert_eq(cnr_graph_retained(g, N / 2), 2ULL * (N - N / 2));
	struct cnr_graph_path path;
	cnr_cr_assert_ok(cnr_graph_shortest_path(g, N - 1, &path));
	cr_assert_eq(path.length, N);
	cr_assert_eq(path.nodes[N / 3], N / 3);
	cnr_graph_path_deinit(&path);
	uint64_t got;
	cnr_cr_assert_ok(cnr_graph_retained_by_labels(g, (const uint32_t[]){ 0 }, 1, &got));
	cr_assert_eq(got, 2ULL * N);
	cnr_cr_assert_ok(cnr_graph_retained_by_set(g, (const uint32_t[]){ 2 }, 1, &got));
	cr_assert_eq(got, 2ULL * (N - 2));
	cnr_graph_destroy(g);
}

Test(graph, reversed_chain_added_out_of_order, .timeout = 300)
{
	// Edges i + 1 -> i, added in increasing i, so the sources descend and
	// the builder has to sort them; the root is the last node.
	enum { N = 2000000 };
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	for (uint32_t i = 0; i < N; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1, &id));
	for (uint32_t i = 0; i + 1 < N; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, i + 1, i));
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, N - 1, 0));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	for (uint32_t i = 0; i + 1 < N; i++) {
		if (cnr_graph_idom(g, i) != i + 1)
			cr_assert_fail("idom(%u) = %u", i, cnr_graph_idom(g, i));
	}
	cr_assert_eq(cnr_graph_retained(g, N - 1), N);
	cr_assert_eq(cnr_graph_retained(g, 0), 1);
	cnr_graph_destroy(g);
}

// cnr_graph_compute_reachability() runs the dominators' DFS and keeps it
// for them: the results must not depend on whether it ran first.
Test(graph, same_dominators_with_and_without_reachability_first)
{
	for (uint64_t seed = 1; seed <= 40; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
		uint32_t n = 1 + cnr_test_rand(&s) % 2000, nedges = n * (1 + seed % 4);
		struct cnr_graph *g[2];
		for (int k = 0; k < 2; k++) {
			uint64_t t = s;
			struct cnr_graph_builder *b;
			cnr_cr_assert_ok(cnr_graph_builder_create(&b));
			uint32_t id;
			for (uint32_t v = 0; v < n; v++)
				cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1 + v % 7, &id));
			for (uint32_t e = 0; e < nedges; e++)
				cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, cnr_test_rand(&t) % n,
									     cnr_test_rand(&t) % n));
			for (uint32_t r = 0; r < 1 + seed % 5; r++)
				cnr_cr_assert_ok(cnr_graph_builder_add_root(b, cnr_test_rand(&t) % n, r));
			cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g[k]));
		}
		cnr_cr_assert_ok(cnr_graph_compute_reachability(g[0]));
		cnr_cr_assert_ok(cnr_graph_compute_retained(g[0]));
		cnr_cr_assert_ok(cnr_graph_compute_retained(g[1]));
		cnr_cr_assert_ok(cnr_graph_compute_reachability(g[1]));
		cr_assert_eq(cnr_graph_reachable_count(g[0]), cnr_graph_reachable_count(g[1]));
		cr_assert_eq(cnr_graph_reachable_bytes(g[0]), cnr_graph_reachable_bytes(g[1]));
		for (uint32_t v = 0; v < n; v++) {
			cr_assert_eq(cnr_graph_is_reachable(g[0], v), cnr_graph_is_reachable(g[1], v));
			cr_assert_eq(cnr_graph_idom(g[0], v), cnr_graph_idom(g[1], v), "seed %" PRIu64 " node %u",
				     seed, v);
			cr_assert_eq(cnr_graph_retained(g[0], v), cnr_graph_retained(g[1], v));
			const uint32_t *p[2];
			uint32_t np[2];
			for (int k = 0; k < 2; k++)
				cnr_cr_assert_ok(cnr_graph_predecessors(g[k], v, &p[k], &np[k]));
			cr_assert_eq(np[0], np[1]);
			cr_assert_arr_eq(p[0], p[1], np[0] * sizeof(*p[0]));
		}
		const uint32_t *o[2];
		uint32_t no[2];
		for (int k = 0; k < 2; k++)
			no[k] = cnr_graph_dom_order(g[k], &o[k]);
		cr_assert_eq(no[0], no[1]);
		cr_assert_arr_eq(o[0], o[1], no[0] * sizeof(*o[0]));
		cnr_graph_destroy(g[0]);
		cnr_graph_destroy(g[1]);
	}
}

// The iterative algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast
// Dominance Algorithm", 2001) as a second opinion on graphs too big for
// the brute-force oracle: large enough that the predecessor lists are
// built by two threads.  Node n is the super-root.
static void chk_idoms(struct cnr_graph *g, uint32_t *idom)
{
	uint32_t n = cnr_graph_node_count(g);
	uint32_t *order = malloc((n + 1) * sizeof(*order)), *po = malloc((n + 1) * sizeof(*po));
	uint32_t *stack = malloc(2 * ((size_t)cnr_graph_edge_count(g) + n + 2) * sizeof(*stack));
	bool *seen = calloc(n + 1, 1);
	// Postorder numbers by an iterative DFS (node, next successor index).
	uint32_t count = 0, sp = 0;
	stack[sp++] = n;
	stack[sp++] = 0;
	seen[n] = true;
	while (sp) {
		uint32_t v = stack[sp - 2], i = stack[sp - 1];
		const uint32_t *succ;
		uint32_t ns;
		if (v == n) {
			ns = cnr_graph_root_count(g);
		} else {
			ns = cnr_graph_successors(g, v, &succ);
		}
		if (i < ns) {
			stack[sp - 1]++;
			uint32_t w = v == n ? cnr_graph_root(g, i).node : succ[i];
			if (!seen[w]) {
				seen[w] = true;
				stack[sp++] = w;
				stack[sp++] = 0;
			}
			continue;
		}
		po[v] = count;
		order[count++] = v;
		sp -= 2;
	}
	for (uint32_t v = 0; v <= n; v++)
		idom[v] = NO;
	idom[n] = n;
	bool changed = true;
	while (changed) {
		changed = false;
		// Reverse postorder, the super-root (last) excluded.
		for (uint32_t k = count - 1; k-- > 0;) {
			uint32_t v = order[k], best = NO;
			const uint32_t *pred;
			uint32_t np;
			cnr_cr_assert_ok(cnr_graph_predecessors(g, v, &pred, &np));
			for (uint32_t j = 0; j <= np; j++) {
				uint32_t p;
				if (j < np)
					p = pred[j];
				else if (cnr_graph_is_root(g, v))
					p = n;
				else
					break;
				if (idom[p] == NO)
					continue;
				if (best == NO) {
					best = p;
					continue;
				}
				uint32_t a = p, b = best;
				while (a != b) {
					while (po[a] < po[b])
						a = idom[a];
					while (po[b] < po[a])
						b = idom[b];
				}
				best = a;
			}
			if (idom[v] != best) {
				idom[v] = best;
				changed = true;
			}
		}
	}
	free(order);
	free(po);
	free(stack);
	free(seen);
}

Test(graph, second_opinion_on_large_heap_shaped_graphs, .timeout = 300)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
		uint32_t n = 60000 + cnr_test_rand(&s) % 20000;
		struct cnr_graph_builder *b;
		cnr_cr_assert_ok(cnr_graph_builder_create(&b));
		uint32_t id;
		for (uint32_t v = 0; v < n; v++)
			cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1 + v % 5, &id));
		// A tree (each node's parent a little before it, as allocation
		// order gives), leaves, and cross pointers: near, far, and back.
		for (uint32_t v = 0; v < n; v++) {
			uint32_t fan = v % 4 == 0 ? 0 : 1 + cnr_test_rand(&s) % (2 + seed);
			for (uint32_t k = 0; k < fan; k++) {
				uint32_t d = 1 + cnr_test_rand(&s) % 64;
				cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, v, v + d < n ? v + d : cnr_test_rand(&s) % n));
			}
			if (cnr_test_rand(&s) % 8 == 0)
				cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, v, cnr_test_rand(&s) % n));
		}
		for (uint32_t r = 0; r < 1 + seed * 3; r++)
			cnr_cr_assert_ok(cnr_graph_builder_add_root(b, r * 977 % n, r));
		struct cnr_graph *g;
		cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
		cr_assert_geq(cnr_graph_edge_count(g), 65536u, "too few edges for two threads");
		uint32_t *want = malloc((n + 1) * sizeof(*want));
		chk_idoms(g, want);
		cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
		cnr_cr_assert_ok(cnr_graph_compute_dominators(g));
		for (uint32_t v = 0; v < n; v++) {
			uint32_t w = want[v] == n ? SR : want[v];
			cr_assert_eq(cnr_graph_idom(g, v), w, "seed %" PRIu64 ": idom(%u) = %u, want %u", seed, v,
				     cnr_graph_idom(g, v), w);
		}
		free(want);
		check_dom_order(g);
		cnr_graph_destroy(g);
	}
}

struct progress_log {
	char phases[8][32];
	uint32_t nphases;
	uint64_t last_done, total, reports;
	bool in_phase;
};

static void log_progress(const char *phase, uint64_t done, uint64_t total, void *arg)
{
	struct progress_log *log = arg;
	if (!log->in_phase) {
		cr_assert_lt(log->nphases, 8u);
		cr_assert_eq(done, 0u, "phase '%s' starts at %" PRIu64, phase, done);
		snprintf(log->phases[log->nphases++], sizeof(log->phases[0]), "%s", phase);
		log->in_phase = true;
		log->total = total;
		log->reports = 0;
	} else {
		cr_assert_str_eq(phase, log->phases[log->nphases - 1]);
		cr_assert_eq(total, log->total);
		cr_assert_geq(done, log->last_done);
		cr_assert_leq(done, total);
		cr_assert_lt(++log->reports, 205u, "too many reports");
		if (done == total)
			log->in_phase = false;
	}
	log->last_done = done;
}

Test(graph, progress_of_reachability_and_dominators)
{
	enum { N = 200000 };
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	for (uint32_t i = 0; i < N; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 8, &id));
	for (uint32_t i = 0; i + 1 < N; i++) {
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, i, i + 1));
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, i + 1, i / 2));
	}
	cnr_cr_assert_ok(cnr_graph_builder_add_root(b, 0, 0));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	struct cnr_ctx *ctx;
	cnr_cr_assert_ok(cnr_ctx_create(&ctx));
	struct progress_log log = { 0 };
	cnr_ctx_set_progress_fn(ctx, log_progress, &log);
	cnr_graph_set_ctx(g, ctx);
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	cr_assert_not(log.in_phase, "a phase did not end");
	cr_assert_eq(log.nphases, 2u);
	cr_assert_str_eq(log.phases[0], "reachability");
	cr_assert_str_eq(log.phases[1], "dominators");
	cr_assert_eq(cnr_graph_retained(g, 0), 8u * N);
	cnr_graph_destroy(g);
	cnr_ctx_destroy(ctx);
}
