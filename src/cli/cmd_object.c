// coroner object ADDR: one heap object — its type, size, what it retains,
// who points at it (objects, through which field, and named roots), and
// its fields with their values (or its first words if its type is unknown).
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "goruntime/heap_graph.h"
#include "goruntime/object_view.h"
#include "goruntime/typing.h"
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
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (!err && (err = cnr_heap_typing_build(prog, &hg)))
		cnr_heap_graph_deinit(&hg);
	if (err)
		return cnr_cli_fail(err);
	err = cnr_object_view_build(prog, &hg, want, &view);
	if (!err) {
		cnr_object_report(&view, opts->json, stdout);
		cnr_object_view_deinit(&view);
	}
	cnr_heap_typing_release(&hg);
	cnr_heap_graph_deinit(&hg);
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
