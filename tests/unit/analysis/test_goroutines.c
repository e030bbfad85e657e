// Goroutine groups (analysis/goroutine_groups.h) on synthetic goroutines,
// and what goroutine sets retain (analysis/goroutine_roots.h) against a
// brute-force count from the definition: the bytes that stop being
// reachable when the set's roots are dropped and every other root stays.
#include "analysis/goroutine_groups.h"
#include "analysis/goroutine_roots.h"
#include "graph/dominators.h"
#include "../graph/graph_test_util.h"

enum { NG = 7, FRAMES_PER_G = 3 };

// Goroutine i has goid 100 - i (so allgs order is not goid order), frames
// pcs[i][0..3), state states[i], creation site gopcs[i].
static void make_goroutines(struct cnr_goroutines *gs, struct cnr_goroutine *g, struct cnr_frame *fr,
			    const char *const *states, const uint64_t (*pcs)[FRAMES_PER_G], const uint64_t *gopcs)
{
	static const char *const names[] = { "runtime.gopark", "main.worker", "runtime.goexit" };
	memset(gs, 0, sizeof(*gs));
	for (size_t i = 0; i < NG; i++) {
		g[i] = (struct cnr_goroutine){ .goid = 100 - i, .state = states[i], .gopc = gopcs[i],
					       .first_frame = i * FRAMES_PER_G, .nframes = FRAMES_PER_G };
		for (size_t f = 0; f < FRAMES_PER_G; f++)
			fr[i * FRAMES_PER_G + f] = (struct cnr_frame){ .pc = pcs[i][f], .func = { .name = names[f] } };
	}
	gs->gs = g;
	gs->ngs = NG;
	gs->frames = fr;
	gs->nframes = NG * FRAMES_PER_G;
}

Test(analysis, goroutines_group_by_state_stack_and_creator)
{
	// 0, 2, 5: one group (same state, pcs, creator); 1 differs from them in
	// state only, 3 in one pc, 4 in its creator; 6 is 1's twin.
	static const char *const states[NG] = { "chan receive", "select", "chan receive", "chan receive",
						"chan receive", "chan receive", "select" };
	static const uint64_t pcs[NG][FRAMES_PER_G] = {
		{ 10, 20, 30 }, { 10, 20, 30 }, { 10, 20, 30 }, { 10, 21, 30 }, { 10, 20, 30 }, { 10, 20, 30 }, { 10, 20, 30 },
	};
	static const uint64_t gopcs[NG] = { 500, 500, 500, 500, 501, 500, 500 };
	struct cnr_goroutines gs;
	struct cnr_goroutine g[NG];
	struct cnr_frame fr[NG * FRAMES_PER_G];
	make_goroutines(&gs, g, fr, states, pcs, gopcs);
	struct cnr_goroutine_groups gg;
	cnr_cr_assert_ok(cnr_goroutine_groups_init(&gs, &gg));
	cr_assert_eq(gg.ngroups, 4);
	// The largest first: {0, 2, 5} by goid (95, 98, 100), then {1, 6}.
	cr_assert_eq(gg.groups[0].count, 3);
	cr_assert_eq(gg.members[gg.groups[0].first + 0], 5);
	cr_assert_eq(gg.members[gg.groups[0].first + 1], 2);
	cr_assert_eq(gg.members[gg.groups[0].first + 2], 0);
	cr_assert_eq(gg.groups[1].count, 2);
	cr_assert_eq(gg.members[gg.groups[1].first + 0], 6);
	cr_assert_eq(gg.members[gg.groups[1].first + 1], 1);
	// Then the singles 3 and 4 in key order: 4's pcs (10, 20, 30) sort
	// before 3's (10, 21, 30).
	cr_assert_eq(gg.groups[2].count, 1);
	cr_assert_eq(gg.members[gg.groups[2].first], 4);
	cr_assert_eq(gg.members[gg.groups[3].first], 3);
	for (size_t k = 0; k < gg.ngroups; k++) {
		for (uint32_t i = 0; i < gg.groups[k].count; i++)
			cr_assert_eq(gg.group_of[gg.members[gg.groups[k].first + i]], k);
	}
	for (size_t a = 0; a < NG; a++) {
		for (size_t b = 0; b < NG; b++)
			cr_assert_eq(cnr_goroutine_group_key_cmp(&gs, &g[a], &g[b]) == 0, gg.group_of[a] == gg.group_of[b]);
	}
	cnr_goroutine_groups_deinit(&gg);

	cr_assert_str_eq(cnr_goroutine_function(&gs, &g[0]), "main.worker");
	struct cnr_state_count *sc;
	size_t nsc;
	cnr_cr_assert_ok(cnr_goroutine_count_states(&gs, NULL, NG, &sc, &nsc));
	cr_assert_eq(nsc, 2);
	cr_assert_str_eq(sc[0].state, "chan receive");
	cr_assert_eq(sc[0].count, 5);
	cr_assert_eq(sc[1].count, 2);
	free(sc);
}

Test(analysis, no_goroutines_no_groups)
{
	struct cnr_goroutines gs = { 0 };
	struct cnr_goroutine_groups gg;
	cnr_cr_assert_ok(cnr_goroutine_groups_init(&gs, &gg));
	cr_assert_eq(gg.ngroups, 0);
	cnr_goroutine_groups_deinit(&gg);
}

// The brute force: bytes reachable from all roots minus bytes reachable
// when the root entries of set j's goroutines are dropped.
static uint64_t brute_set_retained(const struct cnr_graph *g, const struct cnr_root *roots, const uint32_t *set_of,
				   size_t ngs, uint32_t j)
{
	uint32_t n = cnr_graph_node_count(g), R = cnr_graph_root_count(g);
	bool *seen = calloc(n + 1, sizeof(bool)), *skip = calloc(R + 1, sizeof(bool));
	uint64_t all = brute_reach(g, CNR_GRAPH_NO_NODE, NULL, NULL, seen);
	for (uint32_t e = 0; e < R; e++) {
		uint32_t k = cnr_goroutine_of_root(&roots[cnr_graph_root(g, e).label]);
		skip[e] = k < ngs && set_of[k] == j;
	}
	uint64_t rest = brute_reach(g, CNR_GRAPH_NO_NODE, NULL, skip, seen);
	free(seen);
	free(skip);
	return all - rest;
}

Test(analysis, group_retained_where_sharing_matters)
{
	// Goroutines 0 and 1 form set 0, goroutine 2 set 1; root 3 is a global.
	// Node 0 (goroutine 0's) and node 1 (goroutine 1's) both point at 2:
	// neither dominates it, the set holds it whole.  Node 3 (goroutine 2's)
	// points at 4, which the global holds too: dropping goroutine 2 frees
	// 3 only.  A sum of the roots' own retained sizes says 0+1 = 2 bytes
	// and 3 = 1 + 64 bytes: both wrong.
	struct test_edge edges[] = { { 0, 2 }, { 1, 2 }, { 3, 4 }, { 5, 4 } };
	uint64_t sizes[6] = { 1, 1, 100, 1, 64, 8 };
	static const uint32_t root_nodes[] = { 0, 1, 3, 5 };
	struct cnr_root roots[4] = {
		{ .kind = CNR_ROOT_STACK, .goroutine = 0 }, { .kind = CNR_ROOT_CHAN_ELEM, .goroutine = 1 },
		{ .kind = CNR_ROOT_STACK, .goroutine = 2 }, { .kind = CNR_ROOT_GLOBAL, .goroutine = CNR_ROOT_NO_GOROUTINE },
	};
	struct cnr_graph *g = TEST_GRAPH(6, sizes, edges, root_nodes);
	cnr_cr_assert_ok(cnr_graph_compute_dominators(g));
	static const uint32_t set_of[3] = { 0, 0, 1 };
	uint64_t ret[2];
	cnr_cr_assert_ok(cnr_goroutine_sets_retained(g, roots, set_of, 3, 2, ret));
	cr_assert_eq(ret[0], 102);
	cr_assert_eq(ret[1], 1);
	cr_assert_eq(ret[0], brute_set_retained(g, roots, set_of, 3, 0));
	cr_assert_eq(ret[1], brute_set_retained(g, roots, set_of, 3, 1));
	// A defer root carries its goroutine but is the runtime's, not counted.
	roots[2].kind = CNR_ROOT_DEFER;
	cnr_cr_assert_ok(cnr_goroutine_sets_retained(g, roots, set_of, 3, 2, ret));
	cr_assert_eq(ret[1], 0);
	struct cnr_goroutine_roots gr;
	cnr_cr_assert_ok(cnr_goroutine_roots_init(g, roots, 3, &gr));
	cr_assert_eq(gr.entries[0], 1);
	cr_assert_eq(gr.entries[2], 0);
	cr_assert_eq(gr.first[1] - gr.first[0], 1);
	cr_assert_eq(gr.nodes[gr.first[1]], 1);
	cnr_goroutine_roots_deinit(&gr);
	cnr_graph_destroy(g);
}

static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

Test(analysis, group_retained_equals_brute_force_on_random_heaps)
{
	enum { N = 60, E = 110, R = 14, GS = 6, SETS = 3 };
	for (uint64_t seed = 1; seed <= 60; seed++) {
		uint64_t s = seed;
		struct test_edge edges[E];
		uint64_t sizes[N];
		uint32_t root_nodes[R];
		struct cnr_root roots[R];
		uint32_t set_of[GS];
		for (uint32_t i = 0; i < N; i++)
			sizes[i] = 1 + lcg(&s) % 100;
		for (uint32_t i = 0; i < E; i++)
			edges[i] = (struct test_edge){ lcg(&s) % N, lcg(&s) % N };
		for (uint32_t r = 0; r < R; r++) {
			root_nodes[r] = lcg(&s) % N;
			uint32_t k = lcg(&s) % (GS + 2); // some roots are globals
			roots[r] = (struct cnr_root){ .kind = k < GS ? (r % 2 ? CNR_ROOT_STACK : CNR_ROOT_CHAN_ELEM) : CNR_ROOT_GLOBAL,
						      .goroutine = k < GS ? k : CNR_ROOT_NO_GOROUTINE };
		}
		for (uint32_t k = 0; k < GS; k++)
			set_of[k] = lcg(&s) % (SETS + 1); // SETS: in no set
		struct cnr_graph *g = TEST_GRAPH(N, sizes, edges, root_nodes);
		cnr_cr_assert_ok(cnr_graph_compute_dominators(g));
		uint64_t ret[SETS];
		cnr_cr_assert_ok(cnr_goroutine_sets_retained(g, roots, set_of, GS, SETS, ret));
		for (uint32_t j = 0; j < SETS; j++)
			cr_assert_eq(ret[j], brute_set_retained(g, roots, set_of, GS, j), "seed %lu set %u: %lu vs %lu",
				     (unsigned long)seed, j, (unsigned long)ret[j],
				     (unsigned long)brute_set_retained(g, roots, set_of, GS, j));
		cnr_graph_destroy(g);
	}
}
