// coroner top: the heap histogram with retained sizes — by type (as the
// runtime recorded it, else by size class), by root, by goroutine, or by
// allocation site (the heap profile inside the core).
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/alloc_sites.h"
#include "analysis/top.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "report/alloc_sites_report.h"
#include "report/top_report.h"

const char *const top_usage[] = {
	"coroner top [--by retained|shallow|count] [--group type|root|goroutine|site] [--top N] [--json] [--exe PATH] CORE [EXE]",
	NULL,
};

struct top_args {
	const char *by, *group;
	size_t top;
};

// By allocation site: the sampled live objects allocated there, the bytes
// they retain and that scaled (analysis/alloc_sites.h).
static struct cnr_error *site_report(struct cnr_program *prog, struct cnr_heap_graph *hg, enum cnr_top_sort sort,
				     size_t top, bool json)
{
	struct cnr_alloc_join join;
	struct cnr_error *err = cnr_graph_compute_dominators(hg->graph);
	if (err || (err = cnr_alloc_join_load(prog, hg, &join)))
		return err;
	struct cnr_alloc_site *sites = NULL;
	size_t n = 0;
	if (join.sites)
		err = cnr_alloc_sites_by_retention(join.sites, &sites, &n);
	struct cnr_top_row *rows = err ? NULL : calloc(n + 1, sizeof(*rows));
	if (!err && !rows)
		err = &cnr_enomem;
	for (size_t i = 0; !err && i < n; i++) {
		snprintf(rows[i].label, sizeof(rows[i].label), "%s", sites[i].label);
		rows[i].count = sites[i].samples;
		rows[i].shallow = sites[i].bytes;
		rows[i].retained = (uint64_t)(sites[i].estimate + 0.5);
	}
	if (!err) {
		cnr_top_sort(rows, n, sort);
		cnr_top_site_report(hg, &join, rows, top && top < n ? top : n, json, stdout);
	}
	free(rows);
	free(sites);
	cnr_alloc_join_deinit(&join);
	return err;
}

// By type, with the allocation sites of what each row retains.
static struct cnr_error *type_report(struct cnr_program *prog, struct cnr_heap_graph *hg, enum cnr_top_sort sort,
				     size_t top, bool json)
{
	struct cnr_top_row *rows = NULL;
	size_t nrows = 0;
	uint32_t *group_of = NULL;
	struct cnr_alloc_join join;
	struct cnr_alloc_sites_list sites = { 0 };
	struct cnr_error *err = cnr_graph_compute_dominators(hg->graph);
	if (err || (err = cnr_top_type_groups(hg, sort, &rows, &nrows, &group_of)))
		return err;
	size_t shown = top && top < nrows ? top : nrows;
	if (!(err = cnr_alloc_join_load(prog, hg, &join))) {
		if (join.sites)
			err = cnr_top_row_sites(&join, group_of, nrows, rows, shown, &sites);
		if (!err)
			cnr_top_report(hg, CNR_TOP_BY_TYPE, rows, shown, &join, &sites, json, stdout);
		cnr_alloc_sites_list_deinit(&sites);
		cnr_alloc_join_deinit(&join);
	}
	free(group_of);
	free(rows);
	return err;
}

static int top_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct top_args *a = arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_top_row *rows = NULL;
	size_t nrows = 0;
	enum cnr_top_sort sort = strcmp(a->by, "shallow") == 0 ? CNR_TOP_SORT_SHALLOW
				 : strcmp(a->by, "count") == 0 ? CNR_TOP_SORT_COUNT
								: CNR_TOP_SORT_RETAINED;
	if (strcmp(a->group, "site") == 0) {
		err = site_report(prog, &hg, sort, a->top, opts->json);
		cnr_typed_heap_graph_deinit(&hg);
		return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
	}
	enum cnr_top_group group = strcmp(a->group, "root") == 0	? CNR_TOP_BY_ROOT
				   : strcmp(a->group, "goroutine") == 0 ? CNR_TOP_BY_GOROUTINE
									: CNR_TOP_BY_TYPE;
	if (group == CNR_TOP_BY_TYPE) {
		err = type_report(prog, &hg, sort, a->top, opts->json);
		cnr_typed_heap_graph_deinit(&hg);
		return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
	}
	err = cnr_top_rows(&hg, group, sort, &rows, &nrows);
	if (!err)
		cnr_top_report(&hg, group, rows, a->top && a->top < nrows ? a->top : nrows, NULL, NULL, opts->json, stdout);
	free(rows);
	cnr_typed_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
	struct top_args a = { .by = "retained", .group = "type", .top = 30 };
	const char *top = NULL;
	if (!cnr_cli_take_value(&argc, argv, "--by", &a.by) || !cnr_cli_take_value(&argc, argv, "--group", &a.group) ||
	    !cnr_cli_take_value(&argc, argv, "--top", &top)) {
		cnr_cli_error("--by, --group and --top want a value");
		return CNR_EXIT_USAGE;
	}
	if (strcmp(a.by, "retained") && strcmp(a.by, "shallow") && strcmp(a.by, "count")) {
		cnr_cli_error("--by wants retained, shallow or count, not '%s'", a.by);
		return CNR_EXIT_USAGE;
	}
	if (strcmp(a.group, "type") && strcmp(a.group, "root") && strcmp(a.group, "goroutine") && strcmp(a.group, "site")) {
		cnr_cli_error("--group wants type, root, goroutine or site, not '%s'", a.group);
		return CNR_EXIT_USAGE;
	}
	if (top) {
		char *end;
		a.top = strtoul(top, &end, 10);
		if (*end || !a.top) {
			cnr_cli_error("--top wants a positive number, not '%s'", top);
			return CNR_EXIT_USAGE;
		}
	}
	return cnr_cli_run(argc, argv, top_usage, top_body, &a);
}
