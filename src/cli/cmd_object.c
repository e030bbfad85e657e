// coroner object ADDR: one heap object — its type, size, what it retains,
// who points at it (objects, through which field, and named roots), and
// its fields with their values (or its first words if its type is unknown).
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/alloc_sites.h"
#include "analysis/object_waste.h"
#include "goruntime/heap_graph.h"
#include "goruntime/object_view.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "report/object_report.h"

const char *const object_usage[] = {
	"coroner object ADDR [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int object_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	uint64_t want = *(uint64_t *)arg;
	struct cnr_heap_graph hg;
	struct cnr_object_view view;
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	err = cnr_object_view_build(prog, &hg, want, &view);
	if (!err) {
		// Where it was allocated and what its retained objects were
		// allocated at: the heap profile inside the core.
		struct cnr_alloc_join join;
		struct cnr_object_alloc alloc = { .join = &join, .record = -1 };
		struct cnr_error *aerr = cnr_graph_compute_dominators(hg.graph);
		bool loaded = !aerr && !(aerr = cnr_alloc_join_load(prog, &hg, &join));
		if (loaded && join.sites) {
			alloc.record = cnr_mprof_sample_record(&join.mp, view.addr);
			uint64_t id = cnr_heap_graph_object(&hg, view.addr);
			if (view.live && id != UINT64_MAX)
				aerr = cnr_alloc_sites_retained_by(join.sites, (uint32_t)id, &alloc.sites, &alloc.nsites);
			alloc.has_sites = view.live && !aerr;
		}
		if (aerr)
			cnr_warn_error(prog->ctx, cnr_error_wrap(aerr, "allocation sites"));
		struct cnr_object_waste waste;
		err = cnr_object_waste_of(prog, &hg, view.addr, view.size, &waste);
		if (!err)
			cnr_object_report(&view, aerr ? NULL : &alloc, &waste, opts->json, stdout);
		free(alloc.sites);
		if (loaded)
			cnr_alloc_join_deinit(&join);
		cnr_object_view_deinit(&view);
	}
	cnr_typed_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_object(int argc, char **argv)
{
	uint64_t addr;
	int r = cnr_cli_take_addr(argc, argv, object_usage, &addr);
	if (r >= 0)
		return r;
	return cnr_cli_run(argc - 1, argv + 1, object_usage, object_body, &addr);
}
