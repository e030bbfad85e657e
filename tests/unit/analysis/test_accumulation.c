// The accumulation-point descent (analysis/accumulation.h) and goroutine
// reach (analysis/goroutine_reach.h) on hand-made heaps, without a core:
// which nodes are map headers, and their types' names, are the test's.
#include <stdio.h>
#include <string.h>

#include "analysis/accumulation.h"
#include "analysis/goroutine_reach.h"
#include "graph/dominators.h"
#include "../graph/graph_test_util.h"

struct fake_heap {
	const bool *is_map;
	const char *const *names;
};

static bool fake_is_map(void *arg, uint32_t node)
{
	const struct fake_heap *h = arg;
	return h->is_map[node];
}

static uint64_t fake_address(void *arg, uint32_t node)
{
	(void)arg;
	return 0x1000 + 16 * (uint64_t)node;
}

static void fake_type_name(void *arg, uint32_t node, char *buf, size_t len)
{
	const struct fake_heap *h = arg;
	snprintf(buf, len, "%s", h->names[node] ? h->names[node] : "?");
}

// An LRU cache: global -> LRU (1) -> map header (2) -> bucket array (3) ->
// keys and elements; LRU -> list (4) -> the first element, the elements
// chained; each element -> entry -> payload map header -> payload bucket
// array (big).  Elements 5..9, keys 10..14, entries 15..19, payload maps
// 20..24, their buckets 25..29.
enum { LRU_NODES = 30, ELEMS = 5 };

static struct cnr_graph *lru_heap(void)
{
	uint64_t sizes[LRU_NODES];
	for (uint32_t i = 0; i < LRU_NODES; i++)
		sizes[i] = i >= 25 ? 1000 : 16;
	struct test_edge e[64];
	size_t n = 0;
	e[n++] = (struct test_edge){ 0, 1 };
	e[n++] = (struct test_edge){ 1, 2 };
	e[n++] = (struct test_edge){ 1, 4 };
	e[n++] = (struct test_edge){ 2, 3 };
	e[n++] = (struct test_edge){ 4, 5 };
	for (uint32_t i = 0; i < ELEMS; i++) {
		e[n++] = (struct test_edge){ 3, 10 + i }; // the key
		e[n++] = (struct test_edge){ 3, 5 + i };  // the value: the element
		if (i + 1 < ELEMS)
			e[n++] = (struct test_edge){ 5 + i, 6 + i }; // the list's next
		e[n++] = (struct test_edge){ 5 + i, 15 + i };
		e[n++] = (struct test_edge){ 15 + i, 10 + i }; // the entry's key too
		e[n++] = (struct test_edge){ 15 + i, 20 + i };
		e[n++] = (struct test_edge){ 20 + i, 25 + i };
	}
	static const uint32_t roots[] = { 0 };
	return test_graph(LRU_NODES, sizes, e, n, roots, 1);
}

Test(analysis, accumulation_finds_the_map_inside_the_cache)
{
	bool is_map[LRU_NODES] = { [2] = true, [20] = true, [21] = true, [22] = true, [23] = true, [24] = true };
	const char *names[LRU_NODES] = { [1] = "LRU", [2] = "map[interface {}]*list.Element" };
	for (uint32_t i = 20; i < 25; i++)
		names[i] = "map[string]interface {}";
	for (uint32_t i = 25; i < 30; i++)
		names[i] = "bucket";
	struct fake_heap h = { is_map, names };
	struct cnr_graph *g = lru_heap();
	struct cnr_graph_dom_tree t;
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cnr_cr_assert_ok(cnr_graph_dom_tree_init(g, &t));
	struct cnr_suspect_ops sops = { fake_is_map, fake_address, &h };
	struct cnr_accumulation_ops ops = { &sops, fake_type_name, &h };
	struct cnr_accumulation a;
	// The elements are held by the map and the list: the LRU dominates
	// them, and no child keeps 70% of it.  The point is the LRU itself;
	// its container the map, whose bucket array points at them all.
	cr_assert(cnr_graph_idom(g, 5 + ELEMS - 1) == 1);
	cnr_cr_assert_ok(cnr_accumulation_find(g, &t, &ops, 1, &a));
	cr_assert_eq(a.point, 1);
	cr_assert_eq(a.container, 2, "container %u", a.container);
	uint64_t elems = 0;
	for (uint32_t i = 0; i < ELEMS; i++)
		elems += cnr_graph_retained(g, 5 + i) + cnr_graph_retained(g, 10 + i);
	cr_assert_eq(a.held, elems);
	cr_assert_eq(a.npath, 2);
	cr_assert(a.path[0] == 1 && a.path[1] == 2);
	// Each element keeps (element -> entry -> map -> buckets, lifted) a
	// map[string]interface {}; the keys keep nothing below them.
	cr_assert_str_eq(a.payload_type, "map[string]interface {}");
	cr_assert_eq(a.payload_count, ELEMS);
	// From the global's side the descent goes down the one-child chain
	// (0 hands nearly all to 1) and ends at the same point.
	cr_assert_eq(cnr_accumulation_descend(g, &t, &sops, 0), 1);
	// An element: entry, then the payload map (its buckets lift to it).
	cr_assert_eq(cnr_accumulation_descend(g, &t, &sops, 5 + ELEMS - 1), 20 + ELEMS - 1);
	// Without the map, there is no container that holds 70%: the list
	// reaches the elements only through its first one.
	is_map[2] = false;
	cnr_cr_assert_ok(cnr_accumulation_find(g, &t, &ops, 1, &a));
	cr_assert_eq(a.point, 1);
	cr_assert(a.container == 3, "the bucket array itself, not the list (got %u)", a.container);
	cnr_graph_dom_tree_deinit(&t);
	cnr_graph_destroy(g);
}

Test(analysis, goroutines_hold_only_what_their_roots_point_into)
{
	// 0 X (a global's struct) -> 1 S (a suspect) -> 2 (S's child);
	// 3 T (a timer, rooted) -> 4 closure -> 5 M (a suspect map);
	// 6 A (a timer heap on goroutine 0's stack) -> 3.
	// Roots: 0 global -> 0, 1 timer -> 3; goroutine 0 -> 6, goroutine 1 ->
	// 2 (into S), goroutine 2 -> 0 (X, which dominates S).
	static const struct test_edge e[] = { { 0, 1 }, { 1, 2 }, { 3, 4 }, { 4, 5 }, { 6, 3 } };
	static const uint32_t roots[] = { 0, 3, 6, 2, 0 };
	struct cnr_graph *g = TEST_GRAPH(7, NULL, e, roots);
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	cnr_cr_assert_ok(cnr_graph_compute_retained(g));
	uint32_t nodes[] = { 6, 2, 0 };
	size_t first[] = { 0, 1, 2, 3 };
	struct cnr_goroutine_roots gr = { .ngs = 3, .nodes = nodes, .first = first };
	uint32_t sus[] = { 1, 5 };
	struct cnr_goroutine_reach r[2];
	cnr_cr_assert_ok(cnr_goroutines_holding(g, &gr, sus, 2, r));
	cr_assert_eq(r[0].ngors, 2, "goroutines 1 (into S) and 2 (at X, above S) hold S: got %zu", r[0].ngors);
	cr_assert(r[0].gors[0] == 1 && r[0].gors[1] == 2);
	// Goroutine 0 reaches M (6 -> 3 -> 4 -> 5), but the timer holds it.
	cr_assert_eq(r[1].ngors, 0);
	cr_assert(!r[0].bounded && !r[1].bounded);
	free(r[0].gors);
	free(r[1].gors);
	cnr_graph_destroy(g);
}
