// Leak suspects and the dominator tree's child lists, checked on hand-made
// heaps and against a brute-force oracle built from the definition alone:
// u dominates v when removing u makes v unreachable; a suspect is an
// object none of whose dominator-tree children retains half its bytes (or
// one that heads a chain of three alike objects), below ancestors that
// each have such a child.
#include "graph/suspects.h"
#include "graph_test_util.h"

static void find(struct cnr_graph *g, uint32_t max, uint64_t min_bytes, uint32_t *ret, uint32_t *count)
{
	struct cnr_graph_dom_tree t;
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cnr_cr_assert_ok(cnr_graph_dom_tree_init(g, &t));
	cnr_cr_assert_ok(cnr_graph_find_suspects(g, &t, max, min_bytes, ret, count));
	cnr_graph_dom_tree_deinit(&t);
}

Test(graph, suspects_of_a_leaking_map)
{
	// test_leaking_map_heap(): the bucket array 2 is the accumulation
	// point; the buffer 19 and the struct 20 are suspects too, 20 the
	// smallest.
	struct cnr_graph *g = test_leaking_map_heap();
	uint32_t s[8], n;
	find(g, 8, 1, s, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(s[0], 2);
	cr_assert_eq(s[1], 19);
	cr_assert_eq(s[2], 20);
	find(g, 2, 1, s, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(s[1], 19);
	// Too small to matter: 20 retains 216 bytes.
	find(g, 8, 217, s, &n);
	cr_assert_eq(n, 2);

	struct cnr_graph_dom_tree t;
	cnr_cr_assert_ok(cnr_graph_dom_tree_init(g, &t));
	uint32_t top[4];
	cr_assert_eq(cnr_graph_dom_tree_top_children(g, &t, 2, 3, top), 3);
	cr_assert_eq(top[0], 3); // all equal: the lower IDs first
	cr_assert_eq(top[2], 5);
	cr_assert_eq(cnr_graph_dom_tree_top_children(g, &t, CNR_GRAPH_SUPER_ROOT, 4, top), 3);
	cr_assert_eq(top[0], 0);
	cr_assert_eq(top[1], 19);
	cr_assert_eq(top[2], 20);
	cr_assert_eq(cnr_graph_dom_tree_top_children(g, &t, 19, 4, top), 0);
	uint64_t count;
	cnr_cr_assert_ok(cnr_graph_dom_tree_count(g, &t, 2, &count));
	cr_assert_eq(count, 17);
	cnr_cr_assert_ok(cnr_graph_dom_tree_count(g, &t, 0, &count));
	cr_assert_eq(count, 19);
	cnr_cr_assert_ok(cnr_graph_dom_tree_count(g, &t, 23, &count));
	cr_assert_eq(count, 0);
	cnr_graph_dom_tree_deinit(&t);
	cnr_graph_destroy(g);
}

Test(graph, suspects_at_the_head_of_a_linked_list)
{
	// A global (0, 16 bytes) holds a list header (1, 24 bytes) whose
	// elements 2..11 (48 bytes each) each hold a 1000-byte value and the
	// next element: the first element heads the chain, not the last.
	struct test_edge edges[32];
	uint64_t sizes[22];
	size_t ne = 0;
	sizes[0] = 16;
	sizes[1] = 24;
	edges[ne++] = (struct test_edge){ 0, 1 };
	edges[ne++] = (struct test_edge){ 1, 2 };
	for (uint32_t i = 2; i < 12; i++) {
		sizes[i] = 48;
		sizes[i + 10] = 1000;
		edges[ne++] = (struct test_edge){ i, i + 10 };
		if (i + 1 < 12)
			edges[ne++] = (struct test_edge){ i, i + 1 };
	}
	static const uint32_t roots[] = { 0 };
	struct cnr_graph *g = test_graph(22, sizes, edges, ne, roots, 1);
	uint32_t s[4], n;
	find(g, 4, 1, s, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(s[0], 2);
	cnr_graph_destroy(g);
}

Test(graph, suspects_of_an_empty_heap)
{
	static const struct test_edge edges[] = { { 0, 1 } };
	static const uint32_t roots[] = { 0 };
	uint64_t sizes[] = { 0, 0 };
	struct cnr_graph *g = test_graph(2, sizes, edges, 1, roots, 1);
	uint32_t s[4], n = 99;
	find(g, 4, 0, s, &n);
	cr_assert_eq(n, 0);
	cnr_graph_destroy(g);
}

// The oracle: dominance and retained sizes by removal, children by
// definition, suspects by their defining property.
static void suspects_oracle_one(uint64_t seed, uint32_t n, uint32_t nedges, uint32_t nsizes)
{
	uint64_t st = seed;
	struct cnr_graph_builder *b;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	uint32_t id;
	for (uint32_t i = 0; i < n; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, 1 + cnr_test_rand(&st) % nsizes, &id));
	// A random tree (so that subtrees are deep) plus random extra edges.
	for (uint32_t v = 1; v < n; v++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, cnr_test_rand(&st) % v, v));
	for (uint32_t e = 0; e < nedges; e++)
		cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, cnr_test_rand(&st) % n, cnr_test_rand(&st) % n));
	uint32_t nroots = 1 + cnr_test_rand(&st) % 4;
	for (uint32_t r = 0; r < nroots; r++)
		cnr_cr_assert_ok(cnr_graph_builder_add_root(b, r == 0 ? 0 : cnr_test_rand(&st) % n, r));
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));

	bool *live = calloc(n, sizeof(bool)), *seen = calloc(n, sizeof(bool));
	bool *dom = calloc((size_t)n * n, sizeof(bool)); // dom[u * n + v]: u dominates v
	uint64_t *retained = calloc(n, sizeof(uint64_t));
	brute_reach(g, CNR_GRAPH_NO_NODE, NULL, NULL, live);
	for (uint32_t u = 0; u < n; u++) {
		if (!live[u])
			continue;
		brute_reach(g, u, NULL, NULL, seen);
		for (uint32_t v = 0; v < n; v++) {
			if (live[v] && !seen[v]) {
				dom[u * n + v] = true;
				retained[u] += cnr_graph_size(g, v);
			}
		}
	}
	// v is a child of u (u = n: the super-root) when u strictly dominates
	// v and no other strict dominator of v lies below u.
	uint32_t *parent = malloc(n * sizeof(uint32_t));
	for (uint32_t v = 0; v < n; v++) {
		parent[v] = CNR_GRAPH_NO_NODE;
		if (!live[v])
			continue;
		parent[v] = n;
		for (uint32_t u = 0; u < n; u++) {
			if (u != v && dom[u * n + v] && (parent[v] == n || dom[parent[v] * n + u]))
				parent[v] = u;
		}
	}
	// The dominant child: the largest (then lowest ID), if it holds half
	// the bytes.  A node is walked through when it has one, unless it
	// heads a chain of three of a size.  Suspect: not walked through,
	// below ancestors that all are.
	uint32_t *dominant = malloc(n * sizeof(uint32_t));
	for (uint32_t u = 0; u < n; u++) {
		uint32_t best = CNR_GRAPH_NO_NODE;
		for (uint32_t v = 0; v < n; v++) {
			if (parent[v] == u && (best == CNR_GRAPH_NO_NODE || retained[v] > retained[best]))
				best = v;
		}
		dominant[u] = best != CNR_GRAPH_NO_NODE && 2 * retained[best] >= retained[u] ? best : CNR_GRAPH_NO_NODE;
	}
	bool *passes = calloc(n, sizeof(bool));
	for (uint32_t u = 0; u < n; u++) {
		uint32_t d = dominant[u];
		passes[u] = d != CNR_GRAPH_NO_NODE &&
			    !(cnr_graph_size(g, d) == cnr_graph_size(g, u) && dominant[d] != CNR_GRAPH_NO_NODE &&
			      cnr_graph_size(g, dominant[d]) == cnr_graph_size(g, u));
	}
	uint32_t *want = malloc(n * sizeof(uint32_t)), nwant = 0;
	for (uint32_t v = 0; v < n; v++) {
		if (!live[v] || passes[v])
			continue;
		bool ok = true;
		for (uint32_t a = parent[v]; a != n; a = parent[a])
			ok = ok && passes[a];
		if (ok)
			want[nwant++] = v;
	}
	// Largest first, then the lower ID.
	for (uint32_t i = 1; i < nwant; i++) {
		uint32_t x = want[i], j = i;
		for (; j > 0 && (retained[x] > retained[want[j - 1]] ||
				 (retained[x] == retained[want[j - 1]] && x < want[j - 1]));
		     j--)
			want[j] = want[j - 1];
		want[j] = x;
	}

	struct cnr_graph_dom_tree t;
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cnr_cr_assert_ok(cnr_graph_dom_tree_init(g, &t));
	uint32_t *got = malloc((n + 1) * sizeof(uint32_t)), ngot;
	for (uint32_t max = 1; max <= nwant + 1; max++) {
		cnr_cr_assert_ok(cnr_graph_find_suspects(g, &t, max, 1, got, &ngot));
		cr_assert_eq(ngot, max < nwant ? max : nwant, "seed %" PRIu64 " max %u: %u suspects, want %u", seed,
			     max, ngot, nwant);
		for (uint32_t i = 0; i < ngot; i++)
			cr_assert_eq(got[i], want[i], "seed %" PRIu64 " suspect %u: node %u, want %u", seed, i, got[i],
				     want[i]);
	}
	// The child lists, the top children and the subtree counts.
	for (uint32_t u = 0; u <= n; u++) {
		const uint32_t *c;
		uint32_t nc = cnr_graph_dom_tree_children(&t, u == n ? CNR_GRAPH_SUPER_ROOT : u, &c), nw = 0;
		for (uint32_t v = 0; v < n; v++)
			nw += parent[v] == u;
		cr_assert_eq(nc, nw, "seed %" PRIu64 " node %u: %u children, want %u", seed, u, nc, nw);
		for (uint32_t i = 0; i < nc; i++)
			cr_assert_eq(parent[c[i]], u);
		if (u == n)
			continue;
		uint32_t top[3];
		uint32_t nt = cnr_graph_dom_tree_top_children(g, &t, u, 3, top);
		cr_assert_eq(nt, nc < 3 ? nc : 3);
		for (uint32_t i = 0; i < nt; i++) {
			// Nothing outside the top beats what is in it.
			for (uint32_t k = 0; k < nc; k++) {
				bool in = false;
				for (uint32_t j = 0; j < nt; j++)
					in = in || top[j] == c[k];
				cr_assert(in || retained[c[k]] < retained[top[i]] ||
					  (retained[c[k]] == retained[top[i]] && c[k] > top[i]));
			}
			cr_assert(i == 0 || retained[top[i - 1]] >= retained[top[i]]);
		}
		uint64_t count, wc = 0;
		cnr_cr_assert_ok(cnr_graph_dom_tree_count(g, &t, u, &count));
		for (uint32_t v = 0; v < n; v++)
			wc += live[u] && dom[u * n + v];
		cr_assert_eq(count, wc, "seed %" PRIu64 " node %u: subtree of %" PRIu64 ", want %" PRIu64, seed, u,
			     count, wc);
		cr_assert_eq(cnr_graph_retained(g, u), retained[u]);
	}
	cnr_graph_dom_tree_deinit(&t);
	free(got);
	free(want);
	free(passes);
	free(dominant);
	free(parent);
	free(retained);
	free(dom);
	free(seen);
	free(live);
	cnr_graph_destroy(g);
}

Test(graph, suspects_match_the_oracle_on_random_graphs, .timeout = 120)
{
	for (uint64_t seed = 1; seed <= 300; seed++) {
		uint64_t s = seed * 7919;
		uint32_t n = 2 + cnr_test_rand(&s) % 40;
		// Few sizes make chains of alike objects; many make them rare.
		uint32_t nsizes = seed % 2 ? 100 : 1 + (uint32_t)(seed / 2 % 3);
		suspects_oracle_one(seed, n, cnr_test_rand(&s) % (n / 2 + 1), nsizes);
	}
}
