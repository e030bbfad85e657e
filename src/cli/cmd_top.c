// coroner top: the heap histogram with retained sizes — by type (as the
// runtime recorded it, else by size class) or by root.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/heap_graph.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "report/live_report.h"
#include "util/hash_map.h"

const char *const top_usage[] = {
	"coroner top [--by retained|shallow|count] [--group type|root|goroutine] [--top N] [--json] [--exe PATH] CORE [EXE]",
	NULL,
};

struct top_args {
	const char *by, *group;
	size_t top;
};

struct row {
	char label[256];
	uint64_t count, shallow, retained;
};

DEFINE_HASH_MAP(row_index, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)

static const struct top_args *sort_args;

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	uint64_t kx = x->retained, ky = y->retained;
	if (strcmp(sort_args->by, "shallow") == 0) {
		kx = x->shallow;
		ky = y->shallow;
	} else if (strcmp(sort_args->by, "count") == 0) {
		kx = x->count;
		ky = y->count;
	}
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->label, y->label);
}

// The group of object id: its type (goruntime/typing.h), else its size
// class; key and label.
static uint64_t type_group(const struct cnr_heap_graph *hg, const struct cnr_heap_span *s, uint64_t id, char *label,
			   size_t len)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, (uint32_t)id);
	if (t) {
		if (label)
			snprintf(label, len, "%s", t->name);
		return (uint64_t)(uintptr_t)t;
	}
	if (label)
		snprintf(label, len, "unknown (%" PRIu64 "-byte %s, %s)", s->elemsize,
			 s->sizeclass == 0 ? "object" : "class", s->noscan ? "no pointers" : "pointers");
	return (s->elemsize << 2) | ((uint64_t)s->noscan << 1) | 1;
}

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
static int goroutine_rows(struct cnr_program *prog, struct cnr_heap_graph *hg, struct row **rows_ret, size_t *n_ret)
{
	size_t ng = hg->gs.ngs;
	uint32_t R = cnr_graph_root_count(hg->graph);
	uint32_t *group_of = malloc(((size_t)R + 1) * sizeof(*group_of));
	uint64_t *retained = calloc(ng + 1, sizeof(*retained));
	uint64_t *pairs = malloc(((size_t)R + 1) * sizeof(*pairs)); // goroutine << 32 | node
	struct row *rows = calloc(ng + 1, sizeof(*rows));
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
		struct row r = { .count = rows[k].count, .shallow = rows[k].shallow, .retained = retained[k] };
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

static int top_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct top_args *a = arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	struct row *rows = NULL;
	size_t nrows = 0, cap = 0;
	struct row_index index = { 0 };
	uint32_t *group_of = NULL;
	int code = CNR_EXIT_OK;
	if (strcmp(a->group, "goroutine") == 0) {
		code = goroutine_rows(prog, &hg, &rows, &nrows);
		if (code != CNR_EXIT_OK)
			goto out;
	} else if (strcmp(a->group, "root") == 0) {
		// One row per root: its object's retained size.
		for (size_t i = 0; i < hg.roots.n; i++) {
			uint64_t id = cnr_heap_graph_object(&hg, hg.roots.v[i].value);
			if (id == UINT64_MAX)
				continue;
			if (nrows == cap) {
				cap = cap ? cap * 2 : 256;
				struct row *r = realloc(rows, cap * sizeof(*rows));
				if (!r) {
					code = cnr_cli_fail(&cnr_enomem);
					goto out;
				}
				rows = r;
			}
			struct row *r = &rows[nrows++];
			snprintf(r->label, sizeof(r->label), "%s", hg.roots.v[i].name);
			r->count = 1;
			r->shallow = cnr_graph_size(hg.graph, (uint32_t)id);
			r->retained = cnr_graph_retained(hg.graph, (uint32_t)id);
		}
	} else {
		// By type: count and shallow bytes of live objects, and the bytes
		// dominated by the group's outermost members (those with no
		// ancestor of the same group in the dominator tree): what would go
		// if the members went, counting each byte once per group.
		uint32_t nnodes = cnr_graph_node_count(hg.graph);
		group_of = calloc(nnodes ? nnodes : 1, sizeof(*group_of));
		uint32_t *first_child = calloc((size_t)nnodes + 2, sizeof(uint32_t));
		uint32_t *children = malloc((nnodes ? nnodes : 1) * sizeof(uint32_t));
		uint32_t *active = NULL, *stack = malloc(((size_t)nnodes + 1) * sizeof(uint32_t));
		if (!group_of || !first_child || !children || !stack) {
			free(first_child);
			free(children);
			free(stack);
			code = cnr_cli_fail(&cnr_enomem);
			goto out;
		}
		const uint32_t *order;
		uint32_t n = cnr_graph_dom_order(hg.graph, &order);
		for (size_t si = 0; si < hg.heap.nspans && code == CNR_EXIT_OK; si++) {
			const struct cnr_heap_span *sp = hg.by_id[si];
			uint64_t last_key = 0;
			uint32_t last_row = 0;
			for (uint64_t slot = 0; slot < sp->nelems && code == CNR_EXIT_OK; slot++) {
				uint64_t id = sp->first + slot;
				if (!cnr_heap_allocated(&hg.heap, id) || !cnr_graph_is_reachable(hg.graph, (uint32_t)id))
					continue;
				uint64_t key = type_group(&hg, sp, id, NULL, 0);
				if (key != last_key || !last_key) {
					bool inserted;
					uint32_t *slotp = row_index_insert(&index, key, &inserted);
					if (slotp && inserted) {
						if (nrows == cap) {
							cap = cap ? cap * 2 : 256;
							struct row *r = realloc(rows, cap * sizeof(*rows));
							if (!r)
								slotp = NULL;
							else
								rows = r;
						}
						if (slotp) {
							*slotp = (uint32_t)nrows;
							memset(&rows[nrows], 0, sizeof(rows[nrows]));
							type_group(&hg, sp, id, rows[nrows].label, sizeof(rows[nrows].label));
							nrows++;
						}
					}
					if (!slotp) {
						code = cnr_cli_fail(&cnr_enomem);
						break;
					}
					last_key = key;
					last_row = *slotp;
				}
				group_of[id] = last_row + 1;
				rows[last_row].count++;
				rows[last_row].shallow += cnr_graph_size(hg.graph, (uint32_t)id);
			}
		}
		// The dominator tree as child lists (index nnodes = the super-root).
		for (uint32_t k = 0; k < n; k++) {
			uint32_t d = cnr_graph_idom(hg.graph, order[k]);
			first_child[(d < nnodes ? d : nnodes) + 1]++;
		}
		for (uint32_t i = 0; i <= nnodes; i++)
			first_child[i + 1] += first_child[i];
		uint32_t *fill = calloc((size_t)nnodes + 1, sizeof(uint32_t));
		active = calloc(nrows + 1, sizeof(uint32_t));
		if (code == CNR_EXIT_OK && (!fill || !active))
			code = cnr_cli_fail(&cnr_enomem);
		for (uint32_t k = 0; code == CNR_EXIT_OK && k < n; k++) {
			uint32_t d = cnr_graph_idom(hg.graph, order[k]);
			uint32_t p = d < nnodes ? d : nnodes;
			children[first_child[p] + fill[p]++] = order[k];
		}
		// Iterative DFS: a node is pushed once to enter and once (marked
		// with the top bit) to leave.
		size_t sp = 0;
		for (uint32_t c = first_child[nnodes]; code == CNR_EXIT_OK && c < first_child[nnodes + 1]; c++) {
			stack[sp++] = children[c];
			while (sp) {
				uint32_t v = stack[--sp];
				if (v & 0x80000000u) {
					v &= 0x7fffffffu;
					if (group_of[v])
						active[group_of[v]]--;
					continue;
				}
				if (group_of[v]) {
					if (active[group_of[v]]++ == 0)
						rows[group_of[v] - 1].retained += cnr_graph_retained(hg.graph, v);
				}
				stack[sp++] = v | 0x80000000u;
				for (uint32_t i = first_child[v]; i < first_child[v + 1]; i++)
					stack[sp++] = children[i];
			}
		}
		free(fill);
		free(active);
		free(first_child);
		free(children);
		free(stack);
		if (code != CNR_EXIT_OK)
			goto out;
	}
	sort_args = a;
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), cmp_row);
	size_t shown = a->top && a->top < nrows ? a->top : nrows;
	if (opts->json) {
		struct cnr_json j;
		cnr_json_init(&j, stdout);
		cnr_json_begin_object(&j);
		cnr_json_heap_ledger(&j, &hg);
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
	free(group_of);
	row_index_deinit(&index);
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
	if (strcmp(a.group, "type") && strcmp(a.group, "root") && strcmp(a.group, "goroutine")) {
		cnr_cli_error("--group wants type, root or goroutine, not '%s'", a.group);
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
