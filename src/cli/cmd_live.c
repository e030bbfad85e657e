// coroner live: the heap as a graph from the named roots: how much of it is
// live and how much is garbage, and which roots retain the most.
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/live_roots.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "report/live_report.h"

const char *const live_usage[] = {
	"coroner live [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int live_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	(void)arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_live_root *roots;
	size_t n;
	err = cnr_live_roots(&hg, &roots, &n);
	if (!err) {
		cnr_live_report(&hg, roots, n, opts->json, stdout);
		free(roots);
	}
	cnr_typed_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_live(int argc, char **argv)
{
	return cnr_cli_run(argc, argv, live_usage, live_body, NULL);
}
