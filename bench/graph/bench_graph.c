// Benchmark of the graph layer on a synthetic graph shaped like a big Go
// heap: one map whose bucket array points to millions of small values,
// each with 1-3 children, plus cross pointers (mostly to nearby objects,
// as allocation order gives), a few thousand globals and goroutine roots,
// and some garbage.  Times each phase and reports peak RSS.
//
//   bench-graph [--nodes N] [--edges E] [--seed S] [--unsorted]
//
// --unsorted adds each node's edges in a scrambled node order, so the
// builder has to sort them (a heap walk adds them in address order).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "graph/dominators.h"
#include "graph/graph.h"
#include "graph/paths.h"
#include "graph/reach.h"

static uint64_t rng;

static uint64_t next_rand(void)
{
	// xorshift64*
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double rss_mb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static double t_last, t_total;

static void phase(const char *name, bool counted)
{
	double t = now();
	printf("  %-34s %7.3f s   rss %7.1f MB\n", name, t - t_last, rss_mb());
	if (counted)
		t_total += t - t_last;
	t_last = now();
}

static void check(struct cnr_error *err, const char *what)
{
	if (err) {
		fprintf(stderr, "bench-graph: %s: %s\n", what, cnr_error_message(err));
		exit(1);
	}
}

enum { GLOBALS = 4096, GOROUTINES = 64 };

int main(int argc, char **argv)
{
	uint64_t nodes = 19000000, edges = 40000000;
	bool unsorted = false;
	rng = 0x5eed;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--nodes") && i + 1 < argc)
			nodes = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--edges") && i + 1 < argc)
			edges = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 0) | 1;
		else if (!strcmp(argv[i], "--unsorted"))
			unsorted = true;
		else {
			fprintf(stderr, "usage: bench-graph [--nodes N] [--edges E] [--seed S] [--unsorted]\n");
			return 64;
		}
	}
	if (nodes < 2 + GLOBALS + 1000) {
		fprintf(stderr, "bench-graph: --nodes must be at least %d\n", 2 + GLOBALS + 1000);
		return 64;
	}
	uint32_t N = nodes;

	// Layout: 0 map header, 1 bucket array, globals, then the values each
	// followed by its children, then garbage (1/32 of the nodes).
	uint32_t first_global = 2, first_value = first_global + GLOBALS;
	uint32_t garbage = N / 32, end_values = N - garbage;
	uint32_t region = end_values - first_value;
	// kind[i] for node first_value + i: 0 a child, 1 + c a value with c
	// children (the last value may have fewer than 1).
	uint8_t *kind = calloc(region, 1);
	uint32_t nvalues = 0;
	for (uint32_t i = 0, c; i < region; i += 1 + c) {
		c = 1 + next_rand() % 3;
		if (c > region - 1 - i)
			c = region - 1 - i;
		kind[i] = 1 + c;
		nvalues++;
	}
	// What remains to spend on cross pointers, spread over the region.
	uint64_t structural = 1 + nvalues + 2ULL * GLOBALS + GOROUTINES + (region - nvalues) + 2ULL * garbage;
	uint64_t extra = edges > structural ? edges - structural : 0;
	uint64_t per_node_x1024 = extra * 1024 / region;

	printf("graph: %u nodes (%u values, %u garbage), %s edges\n", N, nvalues, garbage,
	       unsorted ? "unsorted" : "sorted");
	t_last = now();
	double t_start = t_last;

	struct cnr_graph_builder *b;
	check(cnr_graph_builder_create(&b), "create");
	check(cnr_graph_builder_reserve(b, N, edges + edges / 16), "reserve");
	uint32_t id;
	check(cnr_graph_builder_add_node(b, 48, &id), "node");
	check(cnr_graph_builder_add_node(b, 16ULL * nvalues, &id), "node");
	for (uint32_t i = 0; i < GLOBALS; i++)
		check(cnr_graph_builder_add_node(b, 64, &id), "node");
	for (uint32_t i = 0; i < region; i++) {
		static const uint64_t child_sizes[] = { 16, 32, 64, 128, 256 };
		check(cnr_graph_builder_add_node(b, kind[i] ? 48 : child_sizes[next_rand() % 5], &id), "node");
	}
	for (uint32_t i = 0; i < garbage; i++)
		check(cnr_graph_builder_add_node(b, 32, &id), "node");

	// Edges, node by node.  With --unsorted the nodes are visited in the
	// order v * P mod N (P prime, not dividing N), so sources jump around.
	const uint64_t P = 2654435761u;
	uint32_t dsts[64];
	for (uint64_t step = 0; step < N; step++) {
		uint32_t v = unsorted ? (uint32_t)(step * P % N) : (uint32_t)step;
		if (v == 0) {
			check(cnr_graph_builder_add_edge(b, 0, 1), "edge");
		} else if (v == 1) {
			// The hub: the map's bucket array points to every value.
			for (uint32_t i = 0; i < region; i++) {
				if (kind[i])
					check(cnr_graph_builder_add_edge(b, 1, first_value + i), "edge");
			}
		} else if (v < first_value) {
			dsts[0] = first_value + next_rand() % region;
			dsts[1] = first_value + next_rand() % region;
			check(cnr_graph_builder_add_edges(b, v, dsts, 2), "edge");
		} else if (v < end_values) {
			uint32_t i = v - first_value, n = 0;
			for (uint32_t c = 1; c < kind[i]; c++)
				dsts[n++] = v + c;
			// Cross pointers: 80% to an object allocated nearby.
			uint64_t want = per_node_x1024 / 1024 + (next_rand() % 1024 < per_node_x1024 % 1024);
			for (uint64_t j = 0; j < want && n < 64; j++) {
				uint64_t r = next_rand();
				if (r % 5)
					dsts[n++] = first_value + (uint32_t)((i + region + (r >> 8) % 8192 - 4096) % region);
				else
					dsts[n++] = first_value + (uint32_t)((r >> 8) % region);
			}
			check(cnr_graph_builder_add_edges(b, v, dsts, n), "edge");
		} else {
			dsts[0] = next_rand() % N;
			dsts[1] = end_values + next_rand() % garbage;
			check(cnr_graph_builder_add_edges(b, v, dsts, 2), "edge");
		}
	}
	check(cnr_graph_builder_add_root(b, 0, 0), "root");
	for (uint32_t i = 0; i < GLOBALS; i++)
		check(cnr_graph_builder_add_root(b, first_global + i, 1 + i), "root");
	for (uint32_t i = 0; i < GOROUTINES; i++)
		check(cnr_graph_builder_add_root(b, first_value + next_rand() % region, 1 + GLOBALS + i), "root");
	free(kind);
	phase("generate (builder appends)", true);

	struct cnr_graph *g;
	check(cnr_graph_builder_finish(b, &g), "finish");
	phase("build CSR (finish)", true);
	// The order of src/goruntime/heap_graph.c: reachability first (the
	// DFS), then the rest; the reverse graph only for the paths.
	check(cnr_graph_compute_reachability(g), "reachability");
	phase("reachability (DFS)", true);
	check(cnr_graph_compute_dominators(g), "dominators");
	phase("dominators (semi-NCA, + retained)", true);
	check(cnr_graph_compute_retained(g), "retained");
	phase("retained sizes (if not done yet)", true);
	check(cnr_graph_build_reverse(g), "reverse");
	phase("reverse graph (for paths)", true);
	// A live object in the middle of the values with a few retainers, so
	// that several roots reach it.
	uint32_t target = first_value + region / 2;
	for (;; target++) {
		const uint32_t *pred;
		uint32_t np;
		check(cnr_graph_predecessors(g, target, &pred, &np), "predecessors");
		if (np >= 3 && cnr_graph_is_reachable(g, target))
			break;
	}
	t_last = now();
	struct cnr_graph_path path;
	check(cnr_graph_shortest_path(g, target, &path), "path");
	phase("one shortest path", true);
	double all = t_total, wall = now() - t_start;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double core_peak = ru.ru_maxrss / 1024.0;

	struct cnr_graph_path paths[5];
	uint32_t npaths;
	check(cnr_graph_shortest_paths(g, target, 5, paths, &npaths), "paths");
	phase("5 paths from distinct roots", false);
	uint64_t by_label[2];
	check(cnr_graph_retained_by_labels(g, (const uint32_t[]){ 0, 1 }, 2, by_label), "labels");
	phase("retained by 2 labels (extra)", false);
	uint64_t by_set;
	check(cnr_graph_retained_by_set(g, (const uint32_t[]){ 1 }, 1, &by_set), "set");
	phase("retained by set (extra)", false);

	getrusage(RUSAGE_SELF, &ru);
	printf("edges %u, reachable %u nodes / %" PRIu64 " bytes, garbage %u nodes\n", cnr_graph_edge_count(g),
	       cnr_graph_reachable_count(g), cnr_graph_reachable_bytes(g),
	       cnr_graph_node_count(g) - cnr_graph_reachable_count(g));
	printf("retained: map header %" PRIu64 ", bucket array %" PRIu64 ", label 0 %" PRIu64 ", set {1} %" PRIu64
	       "\n",
	       cnr_graph_retained(g, 0), cnr_graph_retained(g, 1), by_label[0], by_set);
	// Checksums of every node's idom and retained size, to compare runs.
	uint64_t h_idom = 0xcbf29ce484222325ULL, h_ret = h_idom;
	for (uint32_t v = 0; v < cnr_graph_node_count(g); v++) {
		h_idom = (h_idom ^ cnr_graph_idom(g, v)) * 0x100000001b3ULL;
		h_ret = (h_ret ^ cnr_graph_retained(g, v)) * 0x100000001b3ULL;
	}
	printf("checksums: idom %016" PRIx64 ", retained %016" PRIx64 "\n", h_idom, h_ret);
	printf("path to node %u: %u nodes from root %u; %u paths from distinct roots\n", target, path.length,
	       path.root, npaths);
	printf("TOTAL (generate through one path): %.3f s (wall %.3f s); peak RSS %.1f MB "
	       "(%.1f MB with the extras)\n",
	       all, wall, core_peak, ru.ru_maxrss / 1024.0);
	cnr_graph_path_deinit(&path);
	for (uint32_t i = 0; i < npaths; i++)
		cnr_graph_path_deinit(&paths[i]);
	cnr_graph_destroy(g);
	return 0;
}
