// coroner path ADDR: who keeps the object at ADDR alive — the shortest
// chains of pointers from named roots to it.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/object_paths.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "report/path_report.h"

const char *const path_usage[] = {
	"coroner path ADDR|--type NAME [-k N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

struct path_args {
	uint64_t addr;
	uint32_t k;
	const char *type; // --type: the live object of this type that retains most
};

static int path_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct path_args *a = arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_object_paths p;
	err = cnr_object_paths_find(prog, &hg, a->addr, a->type, a->k, &p);
	if (!err) {
		cnr_path_report(&p, a->type, opts->json, stdout);
		cnr_object_paths_deinit(&p);
	}
	cnr_typed_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_path(int argc, char **argv)
{
	struct path_args a = { .k = 1 };
	if (!cnr_cli_take_number(&argc, argv, "-k", 1, 64, &a.k))
		return CNR_EXIT_USAGE;
	if (!cnr_cli_take_value(&argc, argv, "--type", &a.type)) {
		cnr_cli_error("--type wants a type name");
		return CNR_EXIT_USAGE;
	}
	if (a.type)
		return cnr_cli_run(argc, argv, path_usage, path_body, &a);
	int r = cnr_cli_take_addr(argc, argv, path_usage, &a.addr);
	if (r >= 0)
		return r;
	return cnr_cli_run(argc - 1, argv + 1, path_usage, path_body, &a);
}
