// coroner maps: every map in the heap, largest retainer first.
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/heap_maps.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "report/maps_report.h"

const char *const maps_usage[] = {
	"coroner maps [--type 'map[K]V'] [--top N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

struct maps_args {
	const char *type; // only maps of this type ("map[string]interface {}"), or NULL
	size_t top;       // rows shown, 0 = all
};

static int maps_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct maps_args *mo = arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_maps_list l;
	struct cnr_alloc_join join;
	err = cnr_maps_list_init(&hg, mo->type, mo->top, &l);
	if (!err && (err = cnr_alloc_join_load(prog, &hg, &join)))
		cnr_maps_list_deinit(&l);
	if (!err) {
		l.join = &join;
		// One map at a time: a map's contents can be large.
		struct cnr_maps_writer w;
		cnr_maps_report_begin(&w, &l, mo->type, opts->json, stdout);
		for (size_t i = 0; i < l.shown; i++) {
			struct cnr_maps_entry e;
			cnr_maps_list_describe(prog, &hg, &l, i, &e);
			cnr_maps_report_row(&w, &e);
			cnr_maps_entry_deinit(&e);
		}
		cnr_maps_report_end(&w, &l);
		cnr_maps_list_deinit(&l);
		cnr_alloc_join_deinit(&join);
	}
	cnr_typed_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_maps(int argc, char **argv)
{
	struct maps_args mo = { .top = 100 };
	uint32_t top = 100;
	if (!cnr_cli_take_value(&argc, argv, "--type", &mo.type)) {
		cnr_cli_error("--type wants a map type");
		return CNR_EXIT_USAGE;
	}
	if (!cnr_cli_take_number(&argc, argv, "--top", 0, UINT32_MAX, &top))
		return CNR_EXIT_USAGE;
	mo.top = top;
	return cnr_cli_run(argc, argv, maps_usage, maps_body, &mo);
}
