// Retention paths to one object (see object_paths.h).
#include "analysis/object_paths.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/retention_path.h"
#include "analysis/top.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/paths.h"
#include "graph/reach.h"

uint64_t cnr_live_object_of_type(const struct cnr_heap_graph *hg, const char *name, uint64_t *count_ret)
{
	uint64_t best = UINT64_MAX, best_retained = 0, count = 0;
	bool unknown = strncmp(name, "unknown (", 9) == 0; // a group of untyped objects, as top names it
	for (uint32_t id = 0; id < cnr_graph_node_count(hg->graph); id++) {
		const struct cnr_obj_type *t = cnr_heap_graph_type(hg, id);
		char group[256];
		if (unknown && !t)
			cnr_top_type_group_name(hg, id, group, sizeof(group));
		if ((unknown ? t || strcmp(group, name) != 0 : !t || strcmp(t->name, name) != 0) ||
		    !cnr_graph_is_reachable(hg->graph, id))
			continue;
		count++;
		uint64_t r = cnr_graph_retained(hg->graph, id);
		if (best == UINT64_MAX || r > best_retained) {
			best = id;
			best_retained = r;
		}
	}
	*count_ret = count;
	return best;
}

static void describe(const struct cnr_heap_graph *hg, uint32_t node, uint64_t *addr, uint64_t *size, uint64_t *retained,
		     char *type)
{
	cnr_heap_graph_slot(hg, node, addr, size);
	cnr_heap_graph_type_name(hg, node, type, CNR_HOP_TEXT_LEN);
	*retained = cnr_graph_retained(hg->graph, node);
}

struct cnr_error *cnr_object_paths_find(struct cnr_program *prog, struct cnr_heap_graph *hg, uint64_t addr,
					const char *type, uint32_t k, struct cnr_object_paths *ret)
{
	struct cnr_object_paths op = { 0 };
	uint64_t target;
	if (type) {
		target = cnr_live_object_of_type(hg, type, &op.of_type);
		if (target == UINT64_MAX)
			return cnr_error_create(CNR_ERROR_NOT_FOUND, "no live object of type '%s'", type);
	} else {
		target = cnr_heap_graph_object(hg, addr);
		if (target == UINT64_MAX)
			return cnr_error_create(CNR_ERROR_NOT_FOUND, "0x%" PRIx64 " is not in an allocated heap object", addr);
	}
	if (!cnr_graph_is_reachable(hg->graph, (uint32_t)target))
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "the object at 0x%" PRIx64 " is garbage: no root reaches it",
					addr);
	struct cnr_graph_path *paths = calloc(k, sizeof(*paths));
	uint32_t n = 0;
	struct cnr_error *err = paths ? cnr_graph_shortest_paths(hg->graph, (uint32_t)target, k, paths, &n) : &cnr_enomem;
	if (!err && !(op.paths = calloc(n ? n : 1, sizeof(*op.paths))))
		err = &cnr_enomem;
	describe(hg, (uint32_t)target, &op.addr, &op.size, &op.retained, op.type);
	for (uint32_t p = 0; !err && p < n; p++) {
		struct cnr_object_path *path = &op.paths[op.npaths++];
		path->root = &hg->roots.v[cnr_graph_root(hg->graph, paths[p].root).label];
		if (!(path->hops = calloc(paths[p].length, sizeof(*path->hops)))) {
			err = &cnr_enomem;
			break;
		}
		// Runtime internals fold into the hop before (`.items →
		// map["k"]`, analysis/retention_path.h).
		const uint32_t *nodes = paths[p].nodes;
		for (uint32_t i = 0; i < paths[p].length; i++) {
			if (cnr_path_hop_folded(hg, nodes, i, paths[p].length))
				continue;
			struct cnr_path_hop *h = &path->hops[path->nhops++];
			describe(hg, nodes[i], &h->addr, &h->size, &h->retained, h->type);
			if (i)
				cnr_heap_graph_edge_label(prog, hg, nodes[i - 1], nodes[i], h->via, sizeof(h->via));
		}
	}
	for (uint32_t p = 0; paths && p < n; p++)
		cnr_graph_path_deinit(&paths[p]);
	free(paths);
	if (err) {
		cnr_object_paths_deinit(&op);
		return err;
	}
	*ret = op;
	return NULL;
}

void cnr_object_paths_deinit(struct cnr_object_paths *p)
{
	for (uint32_t i = 0; p->paths && i < p->npaths; i++)
		free(p->paths[i].hops);
	free(p->paths);
	memset(p, 0, sizeof(*p));
}
