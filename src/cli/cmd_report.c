// coroner report: the leak-suspects report, read top to bottom (see
// src/report/leak_report.h); the README's main job.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/leak_model.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "report/leak_report.h"

const char *const report_usage[] = {
	"coroner report [--top N] [--max-goroutine-groups N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int report_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	struct cnr_leak_report_opts o = *(const struct cnr_leak_report_opts *)arg;
	o.json = opts->json;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_leak_model m;
	err = cnr_leak_model_build(prog, &hg, o.top, &m);
	if (!err) {
		cnr_leak_report(&m, &o, stdout);
		cnr_leak_model_deinit(&m);
	}
	cnr_typed_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	struct cnr_leak_report_opts o = { .top = CNR_LEAK_DEFAULT_TOP, .max_groups = CNR_LEAK_DEFAULT_GROUPS };
	if (!cnr_cli_take_number(&argc, argv, "--top", 1, 1000, &o.top) ||
	    !cnr_cli_take_number(&argc, argv, "--max-goroutine-groups", 1, 1000000, &o.max_groups))
		return CNR_EXIT_USAGE;
	return cnr_cli_run(argc, argv, report_usage, report_body, &o);
}
