// Suspect selection of `report` (analysis/suspects.h) on hand-made heaps,
// without a core: which node a test calls a map header, and where each
// node sits, is the test's to say.
#include "analysis/suspects.h"
#include "graph/dominators.h"
#include "../graph/graph_test_util.h"

struct fake_heap {
	const bool *is_map; // per node
	bool reversed;      // addresses fall as node IDs rise
};

static bool fake_is_map(void *arg, uint32_t node)
{
	const struct fake_heap *h = arg;
	return h->is_map && h->is_map[node];
}

static uint64_t fake_address(void *arg, uint32_t node)
{
	const struct fake_heap *h = arg;
	return h->reversed ? 0x100000 - 16 * (uint64_t)node : 0x1000 + 16 * (uint64_t)node;
}

static uint64_t live_bytes(struct cnr_graph *g)
{
	uint64_t live = 0;
	for (uint32_t v = 0; v < cnr_graph_node_count(g); v++)
		live += cnr_graph_is_reachable(g, v) ? cnr_graph_size(g, v) : 0;
	return live;
}

static uint32_t select_on(struct cnr_graph *g, struct fake_heap *h, const uint32_t *maps, size_t nmaps, uint32_t top,
			  struct cnr_suspect_pick *ret)
{
	struct cnr_graph_dom_tree t;
	struct cnr_suspect_ops ops = { fake_is_map, fake_address, h };
	uint32_t n = 0;
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cnr_cr_assert_ok(cnr_graph_dom_tree_init(g, &t));
	cnr_cr_assert_ok(cnr_select_suspects(g, &t, live_bytes(g), &ops, maps, nmaps, top, ret, &n));
	cnr_graph_dom_tree_deinit(&t);
	return n;
}

Test(analysis, suspect_is_the_map_not_its_buckets)
{
	// test_leaking_map_heap(): global 0 -> map header 1 -> bucket array 2
	// -> entries and their payloads: the graph's accumulation point is the
	// bucket array, one hop under the header: the map (1) is the suspect.
	// Root entry 1 holds a buffer (19) of 4 KiB alone: over 10%, a suspect
	// too.  Root 2 holds a small struct (20) with two halves.
	bool is_map[LEAKING_MAP_NODES] = { [1] = true };
	struct fake_heap h = { .is_map = is_map };
	struct cnr_graph *g = test_leaking_map_heap();
	static const uint32_t maps[] = { 1 };
	struct cnr_suspect_pick p[8];
	uint32_t n = select_on(g, &h, maps, 1, 8, p);
	cr_assert_eq(n, 3);
	cr_assert_eq(p[0].node, 1, "the map, not its bucket array (got %u)", p[0].node);
	cr_assert(p[0].is_map && p[0].over_share);
	cr_assert_eq(p[0].retained, cnr_graph_retained(g, 1));
	cr_assert_eq(p[1].node, 19);
	cr_assert(!p[1].is_map && p[1].over_share);
	cr_assert_eq(p[2].node, 20); // under the share, shown as one of the largest others
	cr_assert(!p[2].over_share);
	// Without the header being a map, the bucket array stays the suspect.
	is_map[1] = false;
	n = select_on(g, &h, NULL, 0, 8, p);
	cr_assert_eq(p[0].node, 2);
	// --top bounds the list.
	is_map[1] = true;
	cr_assert_eq(select_on(g, &h, maps, 1, 1, p), 1);
	cr_assert_eq(p[0].node, 1);
	cnr_graph_destroy(g);
}

Test(analysis, suspect_descends_to_the_accumulation_point)
{
	// Root 0 -> 1 -> 2 -> 3 -> 4, each handing nearly all it retains to
	// one child, then 4 spreads over 5..10: the suspect is 4, deep under
	// the root, not the root's object; a "map" four hops up is too far to
	// lift it to, one three hops up is not.
	struct test_edge edges[16];
	size_t ne = 0;
	for (uint32_t i = 0; i < 4; i++)
		edges[ne++] = (struct test_edge){ i, i + 1 };
	for (uint32_t i = 5; i < 11; i++)
		edges[ne++] = (struct test_edge){ 4, i };
	uint64_t sizes[11] = { 8, 16, 24, 32, 40, 500, 500, 500, 500, 500, 500 };
	static const uint32_t roots[] = { 0 };
	bool is_map[11] = { [0] = true };
	struct fake_heap h = { .is_map = is_map };
	struct cnr_graph *g = test_graph(11, sizes, edges, ne, roots, 1);
	struct cnr_suspect_pick p[4];
	cr_assert_eq(select_on(g, &h, NULL, 0, 4, p), 1);
	cr_assert_eq(p[0].node, 4);
	cr_assert(!p[0].is_map);
	cr_assert_eq(p[0].retained, 3040);
	cr_assert(cnr_suspect_dominates(g, 1, 4) && !cnr_suspect_dominates(g, 4, 1));
	is_map[0] = false;
	is_map[1] = true;
	cr_assert_eq(select_on(g, &h, NULL, 0, 4, p), 1);
	cr_assert_eq(p[0].node, 1);
	cr_assert(p[0].is_map);
	cnr_graph_destroy(g);
}

Test(analysis, big_map_inside_a_suspect_is_a_suspect_too)
{
	// Root 0 holds a struct 1 whose bytes spread over a map 2 (30%) and
	// three slices 3, 4, 5 (20% each): the struct is the accumulation
	// point; the map, retaining 10% or more, joins the suspects.
	struct test_edge edges[] = { { 0, 1 }, { 1, 2 }, { 1, 3 }, { 1, 4 }, { 1, 5 }, { 2, 6 } };
	uint64_t sizes[7] = { 8, 8, 48, 2000, 2000, 2000, 2950 };
	static const uint32_t roots[] = { 0 };
	bool is_map[7] = { [2] = true };
	struct fake_heap h = { .is_map = is_map };
	struct cnr_graph *g = TEST_GRAPH(7, sizes, edges, roots);
	static const uint32_t maps[] = { 2 };
	struct cnr_suspect_pick p[8];
	uint32_t n = select_on(g, &h, maps, 1, 8, p);
	cr_assert_eq(n, 2);
	cr_assert_eq(p[0].node, 1); // 0 hands all to 1, whose bytes spread
	cr_assert_eq(p[1].node, 2);
	cr_assert(p[1].is_map && p[1].over_share);
	cr_assert(cnr_suspect_dominates(g, p[0].node, 2));
	cnr_graph_destroy(g);
}

Test(analysis, suspect_ties_by_address_and_the_same_answer_twice)
{
	// Four roots holding equal buffers (the suspects, 23% each): equal
	// retained sizes, ranked by address; with addresses reversed, the
	// order reverses.
	struct test_edge edges[] = { { 0, 4 }, { 1, 5 }, { 2, 6 }, { 3, 7 } };
	uint64_t sizes[8] = { 8, 8, 8, 8, 100, 100, 100, 100 };
	static const uint32_t roots[] = { 0, 1, 2, 3 };
	struct fake_heap h = { 0 };
	struct cnr_graph *g = TEST_GRAPH(8, sizes, edges, roots);
	struct cnr_suspect_pick p[8], q[8];
	uint32_t n = select_on(g, &h, NULL, 0, 8, p);
	cr_assert_eq(n, 4);
	for (uint32_t i = 0; i < n; i++) {
		cr_assert(p[i].over_share);
		cr_assert_eq(p[i].retained, 100);
		cr_assert_eq(p[i].node, 4 + i);
	}
	cr_assert_eq(select_on(g, &h, NULL, 0, 8, q), n);
	for (uint32_t i = 0; i < n; i++)
		cr_assert(q[i].node == p[i].node && q[i].retained == p[i].retained && q[i].over_share == p[i].over_share);
	h.reversed = true;
	cr_assert_eq(select_on(g, &h, NULL, 0, 8, q), n);
	for (uint32_t i = 0; i < n; i++)
		cr_assert_eq(q[i].node, p[n - 1 - i].node);
	cnr_graph_destroy(g);
}

Test(analysis, suspects_under_the_share_are_capped)
{
	// Twenty roots each holding a buffer of 4.8% of the heap: none over
	// the share; CNR_SUSPECT_MIN_SHOWN of them are shown, the lowest
	// addresses.
	struct test_edge edges[20];
	uint64_t sizes[40];
	uint32_t roots[20];
	for (uint32_t i = 0; i < 20; i++) {
		edges[i] = (struct test_edge){ i, 20 + i };
		sizes[i] = 4;
		sizes[20 + i] = 96;
		roots[i] = i;
	}
	struct fake_heap h = { 0 };
	struct cnr_graph *g = TEST_GRAPH(40, sizes, edges, roots);
	struct cnr_suspect_pick p[16];
	uint32_t n = select_on(g, &h, NULL, 0, 16, p);
	cr_assert_eq(n, CNR_SUSPECT_MIN_SHOWN);
	for (uint32_t i = 0; i < n; i++) {
		cr_assert(!p[i].over_share);
		cr_assert_eq(p[i].node, 20 + i);
	}
	cnr_graph_destroy(g);
}

// The share in integers: bytes >= floor(live * percent / 100).
Test(analysis, share_threshold_is_exact)
{
	cr_assert(cnr_share_at_least(10, 100, 10));
	cr_assert(!cnr_share_at_least(9, 100, 10));
	cr_assert(cnr_share_at_least(10, 101, 10)); // 10.1 rounds down
	cr_assert(!cnr_share_at_least(9, 101, 10));
	cr_assert(!cnr_share_at_least(0, 0, 10));
	// No overflow: floor(UINT64_MAX / 10) exactly.
	cr_assert(cnr_share_at_least(UINT64_MAX / 10, UINT64_MAX, 10));
	cr_assert(!cnr_share_at_least(UINT64_MAX / 10 - 1, UINT64_MAX, 10));
}
