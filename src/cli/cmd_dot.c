// coroner dot: the reference chains of the leak suspects (or of one
// object) as a Graphviz graph on stdout: `coroner dot CORE | dot -Tsvg`.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/dot_layout.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "report/dot_report.h"

const char *const dot_usage[] = {
	"coroner dot [--top N] [--max-nodes N] [--from ADDR] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int dot_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct cnr_dot_opts *o = arg;
	if (opts->json) {
		cnr_cli_error("dot writes Graphviz, not JSON: drop --json");
		return CNR_EXIT_USAGE;
	}
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_dot_layout l;
	err = cnr_dot_layout_build(prog, &hg, o, &l);
	if (!err) {
		cnr_dot_report(&l, stdout);
		cnr_dot_layout_deinit(&l);
	}
	cnr_typed_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_dot(int argc, char **argv)
{
	struct cnr_dot_opts o = { .top = CNR_DOT_DEFAULT_TOP, .max_nodes = CNR_DOT_DEFAULT_NODES };
	const char *from = NULL;
	if (!cnr_cli_take_number(&argc, argv, "--top", 1, 1000, &o.top) ||
	    !cnr_cli_take_number(&argc, argv, "--max-nodes", CNR_DOT_MIN_NODES, 100000, &o.max_nodes))
		return CNR_EXIT_USAGE;
	if (!cnr_cli_take_value(&argc, argv, "--from", &from)) {
		cnr_cli_error("--from wants an address");
		return CNR_EXIT_USAGE;
	}
	if (from) {
		char *end;
		o.from_addr = strtoull(from, &end, 0);
		if (!*from || *end || !o.from_addr) {
			cnr_cli_error("'%s' is not an address", from);
			return CNR_EXIT_USAGE;
		}
		o.from = true;
	}
	return cnr_cli_run(argc, argv, dot_usage, dot_body, &o);
}
