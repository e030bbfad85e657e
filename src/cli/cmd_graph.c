// coroner live: the heap as a graph from the named roots: how much of it is
// live and how much is garbage, and which roots retain the most.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "goruntime/heap_graph.h"
#include "goruntime/memstats.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "report/live_report.h"

const char *const live_usage[] = {
	"coroner live [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int live_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	(void)arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (!err && (err = cnr_heap_typing_build(prog, &hg)))
		cnr_heap_graph_deinit(&hg);
	if (err)
		return cnr_cli_fail(err);
	// Retained by each root: the retained size of the object it points at,
	// the largest first (a root sharing its object with others counts it too).
	size_t n = hg.roots.n, shown = 0;
	if (opts->json) {
		struct cnr_json j;
		cnr_json_init(&j, stdout);
		cnr_json_begin_object(&j);
		cnr_json_heap_ledger(&j, &hg);
		cnr_json_key(&j, "roots");
		cnr_json_begin_array(&j);
		for (size_t i = 0; i < n; i++) {
			uint64_t id = cnr_heap_graph_object(&hg, hg.roots.v[i].value);
			if (id == UINT64_MAX)
				continue;
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "name");
			cnr_json_string(&j, hg.roots.v[i].name);
			cnr_json_key(&j, "object");
			cnr_json_hex(&j, hg.roots.v[i].value);
			cnr_json_key(&j, "retained");
			cnr_json_uint(&j, cnr_graph_retained(hg.graph, (uint32_t)id));
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	} else {
		printf("heap: %" PRIu64 " objects, %" PRIu64 " bytes; live %" PRIu64 " objects, %" PRIu64
		       " bytes; garbage %" PRIu64 " objects, %" PRIu64 " bytes; %" PRIu64 " pointers\n",
		       hg.live_objects + hg.garbage_objects, hg.live_bytes + hg.garbage_bytes, hg.live_objects,
		       hg.live_bytes, hg.garbage_objects, hg.garbage_bytes, hg.edges);
		printf("typed: %" PRIu64 " of %" PRIu64 " live bytes (%.3f%%), %" PRIu64 " of %" PRIu64 " live objects\n",
		       hg.typed_live_bytes, hg.live_bytes,
		       hg.live_bytes ? 100.0 * (double)hg.typed_live_bytes / (double)hg.live_bytes : 100.0,
		       hg.typed_live_objects, hg.live_objects);
		for (size_t i = 0; i < n && shown < 20; i++) {
			uint64_t id = cnr_heap_graph_object(&hg, hg.roots.v[i].value);
			if (id == UINT64_MAX)
				continue;
			uint64_t r = cnr_graph_retained(hg.graph, (uint32_t)id);
			if (r < 65536)
				continue;
			printf("%14" PRIu64 "  %s\n", r, hg.roots.v[i].name);
			shown++;
		}
	}
	cnr_heap_typing_release(&hg);
	cnr_heap_graph_deinit(&hg);
	return CNR_EXIT_OK;
}

int cmd_live(int argc, char **argv)
{
	return cnr_cli_run(argc, argv, live_usage, live_body, NULL);
}
