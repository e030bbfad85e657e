// Retention paths as text (see retention_path.h).
#include "analysis/retention_path.h"

#include <stdio.h>
#include <string.h>

#include "analysis/heap_maps.h"
#include "goruntime/typing.h"

enum { MAX_PATH_NODES = 4096 };

bool cnr_path_hop_folded(const struct cnr_heap_graph *hg, const uint32_t *nodes, uint32_t i, uint32_t n)
{
	if (i == 0 || i + 1 >= n)
		return false;
	if (cnr_map_internal_node(hg, nodes[i]))
		return true;
	const struct cnr_obj_type *from = cnr_heap_graph_type(hg, nodes[i - 1]);
	const struct cnr_obj_type *to = cnr_heap_graph_type(hg, nodes[i]);
	return from && to && from->shape == CNR_SHAPE_ONE && strncmp(from->name, "[]", 2) == 0 &&
	       to->shape == CNR_SHAPE_ARRAY;
}

void cnr_format_retention_path(struct cnr_program *prog, const struct cnr_heap_graph *hg,
			       const struct cnr_bfs_tree *tree, uint32_t id, char *buf, size_t len)
{
	uint32_t nodes[MAX_PATH_NODES]; // 16 KiB
	uint32_t n = cnr_bfs_tree_path(tree, id, nodes, MAX_PATH_NODES);
	if (!len)
		return;
	if (!n) {
		snprintf(buf, len, "(unreachable)");
		return;
	}
	const struct cnr_root *root = &hg->roots.v[cnr_graph_root(hg->graph, tree->root_entry[id]).label];
	size_t o = (size_t)snprintf(buf, len, "%s", root->name);
	if (tree->parent[nodes[0]] != CNR_BFS_ROOT && o < len)
		o += (size_t)snprintf(buf + o, len - o, " → …");
	for (uint32_t i = 1; i < n && o < len; i++) {
		char via[256];
		// A map's internals fold into it: the hop out of the last one
		// names the key.
		if (cnr_path_hop_folded(hg, nodes, i, n))
			continue;
		cnr_heap_graph_edge_label(prog, hg, nodes[i - 1], nodes[i], via, sizeof(via));
		o += (size_t)snprintf(buf + o, len - o, " → %s", via);
	}
}

