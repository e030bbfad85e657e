// coroner path ADDR: who keeps the object at ADDR alive — the shortest
// chains of pointers from named roots to it.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/heap_graph.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/paths.h"
#include "graph/reach.h"
#include "report/json_writer.h"

const char *const path_usage[] = {
	"coroner path ADDR|--type NAME [-k N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

struct path_args {
	uint64_t addr;
	uint32_t k;
	const char *type; // --type: the live object of this type that retains most
};

// The live object of type name retaining the most bytes (lowest address on
// ties); how many there are in *count.
static uint64_t object_of_type(const struct cnr_heap_graph *hg, const char *name, uint64_t *count)
{
	uint64_t best = UINT64_MAX, best_retained = 0;
	*count = 0;
	for (uint32_t id = 0; id < cnr_graph_node_count(hg->graph); id++) {
		const struct cnr_obj_type *t = cnr_heap_graph_type(hg, id);
		if (!t || strcmp(t->name, name) != 0 || !cnr_graph_is_reachable(hg->graph, id))
			continue;
		++*count;
		uint64_t r = cnr_graph_retained(hg->graph, id);
		if (best == UINT64_MAX || r > best_retained) {
			best = id;
			best_retained = r;
		}
	}
	return best;
}

static int path_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct path_args *a = arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (!err && (err = cnr_heap_typing_build(prog, &hg)))
		cnr_heap_graph_deinit(&hg);
	if (err)
		return cnr_cli_fail(err);
	uint64_t target, count = 0;
	if (a->type) {
		target = object_of_type(&hg, a->type, &count);
		if (target == UINT64_MAX) {
			cnr_heap_typing_release(&hg);
			cnr_heap_graph_deinit(&hg);
			return cnr_cli_fail(cnr_error_create(CNR_ERROR_NOT_FOUND, "no live object of type '%s'", a->type));
		}
		if (!opts->json)
			printf("%" PRIu64 " live objects of type %s; the one retaining most:\n", count, a->type);
	} else {
		target = cnr_heap_graph_object(&hg, a->addr);
	}
	if (target == UINT64_MAX) {
		cnr_heap_typing_release(&hg);
		cnr_heap_graph_deinit(&hg);
		return cnr_cli_fail(cnr_error_create(CNR_ERROR_NOT_FOUND,
						     "0x%" PRIx64 " is not in an allocated heap object", a->addr));
	}
	struct cnr_graph_path *paths = calloc(a->k, sizeof(*paths));
	uint32_t n = 0;
	if (!paths)
		err = &cnr_enomem;
	else if (!cnr_graph_is_reachable(hg.graph, (uint32_t)target))
		err = cnr_error_create(CNR_ERROR_NOT_FOUND, "the object at 0x%" PRIx64 " is garbage: no root reaches it",
				       a->addr);
	else
		err = cnr_graph_shortest_paths(hg.graph, (uint32_t)target, a->k, paths, &n);
	if (err) {
		free(paths);
		cnr_heap_typing_release(&hg);
		cnr_heap_graph_deinit(&hg);
		return cnr_cli_fail(err);
	}
	uint64_t taddr, tsize;
	cnr_heap_graph_slot(&hg, target, &taddr, &tsize);
	struct cnr_json j;
	if (opts->json) {
		cnr_json_init(&j, stdout);
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "object");
		cnr_json_hex(&j, taddr);
		char tname[256];
		cnr_heap_graph_type_name(&hg, (uint32_t)target, tname, sizeof(tname));
		cnr_json_key(&j, "type");
		cnr_json_string(&j, tname);
		cnr_json_key(&j, "size");
		cnr_json_uint(&j, tsize);
		cnr_json_key(&j, "retained");
		cnr_json_uint(&j, cnr_graph_retained(hg.graph, (uint32_t)target));
		cnr_json_key(&j, "paths");
		cnr_json_begin_array(&j);
	} else {
		char tname[256];
		cnr_heap_graph_type_name(&hg, (uint32_t)target, tname, sizeof(tname));
		printf("object 0x%" PRIx64 " %s (%" PRIu64 " bytes, retains %" PRIu64 ")\n", taddr, tname, tsize,
		       cnr_graph_retained(hg.graph, (uint32_t)target));
	}
	for (uint32_t p = 0; p < n; p++) {
		const struct cnr_root *root = &hg.roots.v[cnr_graph_root(hg.graph, paths[p].root).label];
		if (opts->json) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "root");
			cnr_json_string(&j, root->name);
			cnr_json_key(&j, "root_kind");
			cnr_json_string(&j, cnr_root_kind_name(root->kind));
			cnr_json_key(&j, "hops");
			cnr_json_begin_array(&j);
		} else {
			printf("\npath %u: %s (%s)\n", p + 1, root->name, cnr_root_kind_name(root->kind));
		}
		for (uint32_t i = 0; i < paths[p].length; i++) {
			uint64_t addr, size;
			uint32_t node = paths[p].nodes[i];
			char type[256], via[256] = "";
			cnr_heap_graph_slot(&hg, node, &addr, &size);
			cnr_heap_graph_type_name(&hg, node, type, sizeof(type));
			if (i)
				cnr_heap_graph_edge_label(prog, &hg, paths[p].nodes[i - 1], node, via, sizeof(via));
			if (opts->json) {
				cnr_json_begin_object(&j);
				cnr_json_key(&j, "addr");
				cnr_json_hex(&j, addr);
				cnr_json_key(&j, "type");
				cnr_json_string(&j, type);
				cnr_json_key(&j, "size");
				cnr_json_uint(&j, size);
				if (i) {
					cnr_json_key(&j, "via");
					cnr_json_string(&j, via);
				}
				cnr_json_key(&j, "retained");
				cnr_json_uint(&j, cnr_graph_retained(hg.graph, node));
				cnr_json_end_object(&j);
			} else {
				printf("  %s%s%s0x%" PRIx64 " %s (%" PRIu64 " bytes, retains %" PRIu64 ")\n", i ? via : "",
				       i ? " -> " : "", i ? "" : "", addr, type, size, cnr_graph_retained(hg.graph, node));
			}
		}
		if (opts->json) {
			cnr_json_end_array(&j);
			cnr_json_end_object(&j);
		}
		cnr_graph_path_deinit(&paths[p]);
	}
	if (opts->json) {
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	}
	free(paths);
	cnr_heap_typing_release(&hg);
	cnr_heap_graph_deinit(&hg);
	return CNR_EXIT_OK;
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
