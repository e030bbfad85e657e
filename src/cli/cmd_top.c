// coroner top: the heap histogram with retained sizes — by type (as the
// runtime recorded it, else by size class) or by root.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/alloc_sites.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "goruntime/program.h"
#include "graph/dominators.h"
#include "report/live_report.h"
#include "report/top_report.h"

const char *const top_usage[] = {
	"coroner top [--by retained|shallow|count] [--group type|root|goroutine|site] [--top N] [--json] [--exe PATH] CORE [EXE]",
	NULL,
};

struct top_args {
	const char *by, *group;
	size_t top;
};

// The goroutine a root belongs to (its stack or its blocked send), as an
// index into hg->gs, or hg->gs.ngs for other roots.
static size_t goroutine_of(const struct cnr_heap_graph *hg, const struct cnr_root *r)
{
	uint64_t goid;
	if ((r->kind != CNR_ROOT_STACK && r->kind != CNR_ROOT_CHAN_ELEM) ||
	    sscanf(r->name, "goroutine %" SCNu64, &goid) != 1)
		return hg->gs.ngs;
	for (size_t k = 0; k < hg->gs.ngs; k++) {
		if (hg->gs.gs[k].goid == goid)
			return k;
	}
	return hg->gs.ngs;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

// One row per goroutine: what its stack and its blocked sends hold
// (retained: what would go if the goroutine went; shallow: the objects
// its roots point at, each once).
static int goroutine_rows(struct cnr_program *prog, struct cnr_heap_graph *hg, struct cnr_top_row **rows_ret, size_t *n_ret)
{
	size_t ng = hg->gs.ngs;
	uint32_t R = cnr_graph_root_count(hg->graph);
	uint32_t *group_of = malloc(((size_t)R + 1) * sizeof(*group_of));
	uint64_t *retained = calloc(ng + 1, sizeof(*retained));
	uint64_t *pairs = malloc(((size_t)R + 1) * sizeof(*pairs)); // goroutine << 32 | node
	struct cnr_top_row *rows = calloc(ng + 1, sizeof(*rows));
	struct cnr_error *err = NULL;
	size_t npairs = 0;
	if (!group_of || !retained || !pairs || !rows) {
		err = &cnr_enomem;
		goto out;
	}
	for (uint32_t e = 0; e < R; e++) {
		struct cnr_graph_root gr = cnr_graph_root(hg->graph, e);
		size_t k = goroutine_of(hg, &hg->roots.v[gr.label]);
		group_of[e] = (uint32_t)k;
		if (k < ng) {
			rows[k].count++;
			pairs[npairs++] = (uint64_t)k << 32 | gr.node;
		}
	}
	if ((err = cnr_graph_retained_by_root_groups(hg->graph, group_of, (uint32_t)ng, retained)))
		goto out;
	qsort(pairs, npairs, sizeof(*pairs), cmp_u64);
	for (size_t i = 0; i < npairs; i++) {
		if (!i || pairs[i] != pairs[i - 1])
			rows[pairs[i] >> 32].shallow += cnr_graph_size(hg->graph, (uint32_t)pairs[i]);
	}
	size_t n = 0;
	for (size_t k = 0; k < ng; k++) {
		const struct cnr_goroutine *g = &hg->gs.gs[k];
		if (!rows[k].count)
			continue;
		const char *fn = "?";
		for (size_t f = 0; f < g->nframes; f++) {
			const char *name = hg->gs.frames[g->first_frame + f].func.name;
			if (name && (f == 0 || strncmp(name, "runtime.", 8) != 0)) {
				fn = name;
				if (strncmp(name, "runtime.", 8) != 0)
					break;
			}
		}
		struct cnr_top_row r = { .count = rows[k].count, .shallow = rows[k].shallow, .retained = retained[k] };
		snprintf(r.label, sizeof(r.label), "goroutine %" PRIu64 " [%s] %s", g->goid, g->state ? g->state : "?", fn);
		rows[n++] = r;
	}
	*rows_ret = rows;
	*n_ret = n;
	rows = NULL;
out:
	free(group_of);
	free(retained);
	free(pairs);
	free(rows);
	(void)prog;
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

// One row per allocation site of the heap profile: the sampled live
// objects allocated there (count), the bytes they retain (shallow: what
// was measured on the samples) and that scaled as runtime/pprof scales
// (retained: the estimate for all the site's objects).
static int site_rows(struct cnr_program *prog, struct cnr_heap_graph *hg, struct cnr_alloc_join *join,
		     struct cnr_top_row **rows_ret, size_t *n_ret)
{
	struct cnr_error *err = cnr_graph_compute_dominators(hg->graph);
	if (!err)
		err = cnr_alloc_join_load(prog, hg, join);
	if (err)
		return cnr_cli_fail(err);
	if (!join->sites) {
		*rows_ret = NULL;
		*n_ret = 0;
		return CNR_EXIT_OK;
	}
	struct cnr_alloc_site *sites;
	size_t n;
	if ((err = cnr_alloc_sites_by_retention(join->sites, &sites, &n)))
		return cnr_cli_fail(err);
	struct cnr_top_row *rows = calloc(n + 1, sizeof(*rows));
	if (!rows) {
		free(sites);
		return cnr_cli_fail(&cnr_enomem);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(rows[i].label, sizeof(rows[i].label), "%s", sites[i].label);
		rows[i].count = sites[i].samples;
		rows[i].shallow = sites[i].bytes;
		rows[i].retained = (uint64_t)(sites[i].estimate + 0.5);
	}
	free(sites);
	*rows_ret = rows;
	*n_ret = n;
	return CNR_EXIT_OK;
}

static int top_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct top_args *a = arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (!err && (err = cnr_heap_typing_build(prog, &hg)))
		cnr_heap_graph_deinit(&hg);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_top_row *rows = NULL;
	size_t nrows = 0;
	int code = CNR_EXIT_OK;
	enum cnr_top_sort sort = strcmp(a->by, "shallow") == 0 ? CNR_TOP_SORT_SHALLOW
				 : strcmp(a->by, "count") == 0 ? CNR_TOP_SORT_COUNT
								: CNR_TOP_SORT_RETAINED;
	struct cnr_alloc_join join = { 0 };
	bool by_site = strcmp(a->group, "site") == 0;
	if (by_site) {
		code = site_rows(prog, &hg, &join, &rows, &nrows);
		if (code != CNR_EXIT_OK)
			goto out;
		cnr_top_sort(rows, nrows, sort);
	} else if (strcmp(a->group, "goroutine") == 0) {
		code = goroutine_rows(prog, &hg, &rows, &nrows);
		if (code != CNR_EXIT_OK)
			goto out;
		cnr_top_sort(rows, nrows, sort);
	} else {
		// By type or root: src/report/top_report.c (shared with `coroner report`).
		err = cnr_top_rows(&hg, strcmp(a->group, "root") == 0 ? CNR_TOP_BY_ROOT : CNR_TOP_BY_TYPE, sort, &rows,
				   &nrows);
		if (err) {
			code = cnr_cli_fail(err);
			goto out;
		}
	}
	size_t shown = a->top && a->top < nrows ? a->top : nrows;
	if (opts->json) {
		struct cnr_json j;
		cnr_json_init(&j, stdout);
		cnr_json_begin_object(&j);
		cnr_json_heap_ledger(&j, &hg);
		if (by_site) {
			cnr_json_key(&j, "mem_profile_rate");
			cnr_json_int(&j, join.mp.rate);
			cnr_json_key(&j, "no_profile");
			cnr_json_string(&j, join.absence);
		}
		cnr_json_key(&j, "rows");
		cnr_json_begin_array(&j);
		for (size_t i = 0; i < shown; i++) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, a->group);
			cnr_json_string(&j, rows[i].label);
			cnr_json_key(&j, "count");
			cnr_json_uint(&j, rows[i].count);
			cnr_json_key(&j, "shallow");
			cnr_json_uint(&j, rows[i].shallow);
			cnr_json_key(&j, "retained");
			cnr_json_uint(&j, rows[i].retained);
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	} else if (by_site) {
		if (join.absence)
			printf("%s\n", join.absence);
		else
			printf("%12s %14s %14s  %s\n", "SAMPLES", "SAMPLED-RET", "EST-RETAINED", "ALLOCATION SITE");
		for (size_t i = 0; i < shown; i++)
			printf("%12" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %s\n", rows[i].count, rows[i].shallow,
			       rows[i].retained, rows[i].label);
		if (!join.absence)
			printf("\nretained bytes of the sampled live objects by where they were allocated: SAMPLED-RET "
			       "measured on the %" PRIu64 " sampled objects, EST-RETAINED scaled for MemProfileRate %" PRId64
			       " (an estimate); live heap %" PRIu64 " bytes\n",
			       cnr_alloc_sites_sampled(join.sites), join.mp.rate, hg.live_bytes);
	} else {
		printf("%12s %14s %14s  %s\n", strcmp(a->group, "goroutine") ? "COUNT" : "ROOTS", "SHALLOW", "RETAINED",
		       strcmp(a->group, "root") == 0 ? "ROOT" : strcmp(a->group, "goroutine") == 0 ? "GOROUTINE" : "TYPE");
		for (size_t i = 0; i < shown; i++)
			printf("%12" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %s\n", rows[i].count, rows[i].shallow,
			       rows[i].retained, rows[i].label);
		printf("\nlive %" PRIu64 " objects, %" PRIu64 " bytes; garbage %" PRIu64 " objects, %" PRIu64
		       " bytes (allocated, unreachable, waiting for the next GC)\n",
		       hg.live_objects, hg.live_bytes, hg.garbage_objects, hg.garbage_bytes);
	}
out:
	free(rows);
	cnr_alloc_join_deinit(&join);
	cnr_heap_typing_release(&hg);
	cnr_heap_graph_deinit(&hg);
	return code;
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
