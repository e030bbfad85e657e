// Per-entry retained bytes of a map against a brute-force oracle: delete
// the entry (drop one graph edge per slot word of it) and recount the bytes
// still reachable; the difference must equal what
// cnr_graph_edge_groups_retained() says, on hand-made maps and on random ones
// where entries share targets, targets point back into the map and other
// roots reach into it.
#include <criterion/criterion.h>
#include <stdlib.h>

#include "graph/dominators.h"
#include "graph/graph.h"
#include "graph/reach.h"
#include "graph/edge_groups.h"
#include "test_util.h"

struct edge {
	uint32_t src, dst;
};

static struct cnr_graph *build(uint32_t n, const uint64_t *sizes, const struct edge *edges, size_t nedges,
			       const uint32_t *roots, size_t nroots, const bool *drop)
{
	struct cnr_graph_builder *b;
	struct cnr_graph *g;
	cnr_cr_assert_ok(cnr_graph_builder_create(&b));
	for (uint32_t v = 0; v < n; v++) {
		uint32_t id;
		cnr_cr_assert_ok(cnr_graph_builder_add_node(b, sizes[v], &id));
	}
	for (size_t i = 0; i < nedges; i++) {
		if (!drop || !drop[i])
			cnr_cr_assert_ok(cnr_graph_builder_add_edge(b, edges[i].src, edges[i].dst));
	}
	for (size_t i = 0; i < nroots; i++)
		cnr_cr_assert_ok(cnr_graph_builder_add_root(b, roots[i], (uint32_t)i));
	cnr_cr_assert_ok(cnr_graph_builder_finish(b, &g));
	return g;
}

// The map: slot words are edges of the graph; entry i owns map_edges
// [off[i], off[i+1]), each the graph edge slot_edge[k].
static void check(uint32_t n, const uint64_t *sizes, const struct edge *edges, size_t nedges, const uint32_t *roots,
		  size_t nroots, uint32_t header, const struct cnr_group_edge *words, const size_t *slot_edge,
		  const uint64_t *off, size_t nentries)
{
	struct cnr_graph *g = build(n, sizes, edges, nedges, roots, nroots, NULL);
	cnr_cr_assert_ok(cnr_graph_compute_reachability(g));
	uint64_t all = cnr_graph_reachable_bytes(g);
	uint64_t *got = calloc(nentries ? nentries : 1, sizeof(*got)), map_bytes;
	cnr_cr_assert_ok(cnr_graph_edge_groups_retained(g, header, words, off, nentries, got, &map_bytes));
	bool *drop = calloc(nedges ? nedges : 1, sizeof(*drop));
	for (size_t e = 0; e < nentries; e++) {
		memset(drop, 0, nedges * sizeof(*drop));
		for (uint64_t k = off[e]; k < off[e + 1]; k++)
			drop[slot_edge[k]] = true;
		struct cnr_graph *h = build(n, sizes, edges, nedges, roots, nroots, drop);
		cnr_cr_assert_ok(cnr_graph_compute_reachability(h));
		uint64_t want = all - cnr_graph_reachable_bytes(h);
		cr_assert_eq(got[e], want, "entry %zu retains %" PRIu64 ", deleting it frees %" PRIu64, e, got[e], want);
		cnr_graph_destroy(h);
	}
	// The whole map: removing the header (every edge into it) frees
	// what the map retains when the header dominates its internals.
	if (header != CNR_GRAPH_NO_NODE && cnr_graph_is_reachable(g, header)) {
		uint64_t want;
		cnr_cr_assert_ok(cnr_graph_retained_by_set(g, &header, 1, &want));
		cr_assert_geq(map_bytes, want, "the map retains %" PRIu64 ", its header alone %" PRIu64, map_bytes, want);
	}
	free(drop);
	free(got);
	cnr_graph_destroy(g);
}

// header 0 -> bucket 1; entries A (1 -> 2) and B (1 -> 3) share object 4
// (2 -> 4, 3 -> 4), and A alone holds 5 (2 -> 5); entry C points to 6 twice
// (two words) and nothing else does.
Test(graph, edge_groups_share_and_own)
{
	static const uint64_t sizes[] = { 48, 1024, 16, 32, 64, 128, 256 };
	static const struct edge edges[] = { { 0, 1 }, { 1, 2 }, { 1, 3 }, { 2, 4 }, { 3, 4 }, { 2, 5 }, { 1, 6 }, { 1, 6 } };
	static const uint32_t roots[] = { 0 };
	static const struct cnr_group_edge words[] = { { 1, 2 }, { 1, 3 }, { 1, 6 }, { 1, 6 } };
	static const size_t slot_edge[] = { 1, 2, 6, 7 };
	static const uint64_t off[] = { 0, 1, 2, 4 };
	check(7, sizes, edges, 8, roots, 1, 0, words, slot_edge, off, 3);
	struct cnr_graph *g = build(7, sizes, edges, 8, roots, 1, NULL);
	uint64_t got[3], map_bytes;
	cnr_cr_assert_ok(cnr_graph_edge_groups_retained(g, 0, words, off, 3, got, &map_bytes));
	cr_assert_eq(got[0], 16 + 128);
	cr_assert_eq(got[1], 32);
	cr_assert_eq(got[2], 256);
	cr_assert_eq(map_bytes, 48 + 1024 + 16 + 32 + 64 + 128 + 256);
	cnr_graph_destroy(g);
}

// An entry whose slot sits outside the heap, and one of a garbage map.
Test(graph, edge_groups_off_heap_and_garbage)
{
	static const uint64_t sizes[] = { 8, 16, 32 };
	static const struct edge edges[] = { { 0, 1 } };
	static const uint32_t roots[] = { 2 };
	static const struct cnr_group_edge words[] = { { CNR_GRAPH_NO_NODE, 2 }, { 0, 1 } };
	static const uint64_t off[] = { 0, 1, 2 };
	struct cnr_graph *g = build(3, sizes, edges, 1, roots, 1, NULL);
	uint64_t got[2], map_bytes;
	cnr_cr_assert_ok(cnr_graph_edge_groups_retained(g, 0, words, off, 2, got, &map_bytes));
	cr_assert_eq(got[0], UINT64_MAX);
	cr_assert_eq(got[1], 0);
	cr_assert_eq(map_bytes, 0);
	cnr_graph_destroy(g);
}

// Random maps: a header, a few buckets (chained like overflow buckets),
// entries with 1-3 words into a pool of objects, random edges among the
// objects (back into the buckets too), and other roots.
Test(graph, edge_groups_match_removal_oracle_random, .timeout = 120)
{
	srand(12345);
	for (int round = 0; round < 600; round++) {
		uint32_t n = 8 + (uint32_t)(rand() % 40), nb = 1 + (uint32_t)(rand() % 3);
		uint64_t sizes[48];
		struct edge edges[512];
		struct cnr_group_edge words[256];
		size_t slot_edge[256], ne = 0, nw = 0;
		uint64_t off[65];
		uint32_t roots[4], nroots = 0;
		for (uint32_t v = 0; v < n; v++)
			sizes[v] = 8 * (uint64_t)(1 + rand() % 64);
		roots[nroots++] = 0;
		edges[ne++] = (struct edge){ 0, 1 };
		for (uint32_t b = 1; b < nb; b++)
			edges[ne++] = (struct edge){ rand() % 2 ? 0 : b, b + 1 }; // from the header or chained
		size_t nentries = 1 + (size_t)(rand() % 12);
		off[0] = 0;
		for (size_t e = 0; e < nentries; e++) {
			uint32_t holder = 1 + (uint32_t)(rand() % (int)nb);
			int k = 1 + rand() % 3;
			for (int i = 0; i < k; i++) {
				uint32_t t = nb + 1 + (uint32_t)(rand() % (int)(n - nb - 1));
				slot_edge[nw] = ne;
				edges[ne++] = (struct edge){ holder, t };
				words[nw++] = (struct cnr_group_edge){ holder, t };
			}
			off[e + 1] = nw;
		}
		// Half the maps with no other edges: every holder's children are
		// reached from it alone (the quick path); the other half mostly
		// need the exact computation.
		int extra = round % 2 ? rand() % (int)n : 0;
		for (int i = 0; i < extra; i++) {
			uint32_t s = nb + 1 + (uint32_t)(rand() % (int)(n - nb - 1));
			uint32_t d = (uint32_t)(rand() % (int)n);
			edges[ne++] = (struct edge){ s, d };
		}
		// A bucket's non-slot word (a stale pointer) to some object.
		if (rand() % 3 == 0)
			edges[ne++] = (struct edge){ 1, nb + 1 + (uint32_t)(rand() % (int)(n - nb - 1)) };
		if (rand() % 3 == 0)
			roots[nroots++] = nb + 1 + (uint32_t)(rand() % (int)(n - nb - 1));
		if (rand() % 4 == 0)
			roots[nroots++] = 1; // an iterator holding the bucket
		check(n, sizes, edges, ne, roots, nroots, 0, words, slot_edge, off, nentries);
	}
}
