#include "graph/bfs_tree.h"

#include <stdlib.h>

struct cnr_error *cnr_graph_bfs_tree(const struct cnr_graph *g, struct cnr_bfs_tree *ret)
{
	uint32_t n = cnr_graph_node_count(g);
	ret->parent = malloc(((size_t)n + 1) * sizeof(uint32_t));
	ret->root_entry = malloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *queue = malloc(((size_t)n + 1) * sizeof(uint32_t));
	if (!ret->parent || !ret->root_entry || !queue) {
		free(queue);
		cnr_bfs_tree_deinit(ret);
		return &cnr_enomem;
	}
	for (uint32_t i = 0; i < n; i++)
		ret->parent[i] = CNR_BFS_UNREACHED;
	size_t head = 0, tail = 0;
	for (uint32_t r = 0; r < cnr_graph_root_count(g); r++) {
		uint32_t x = cnr_graph_root(g, r).node;
		if (x >= n || ret->parent[x] != CNR_BFS_UNREACHED)
			continue;
		ret->parent[x] = CNR_BFS_ROOT;
		ret->root_entry[x] = r;
		queue[tail++] = x;
	}
	while (head < tail) {
		uint32_t x = queue[head++];
		const uint32_t *succ;
		uint32_t ns = cnr_graph_successors(g, x, &succ);
		for (uint32_t i = 0; i < ns; i++) {
			uint32_t y = succ[i];
			if (y >= n || ret->parent[y] != CNR_BFS_UNREACHED)
				continue;
			ret->parent[y] = x;
			ret->root_entry[y] = ret->root_entry[x];
			queue[tail++] = y;
		}
	}
	free(queue);
	return NULL;
}

void cnr_bfs_tree_deinit(struct cnr_bfs_tree *t)
{
	free(t->parent);
	free(t->root_entry);
	t->parent = t->root_entry = NULL;
}

uint32_t cnr_bfs_tree_path(const struct cnr_bfs_tree *t, uint32_t node, uint32_t *nodes, uint32_t max)
{
	if (t->parent[node] == CNR_BFS_UNREACHED || !max)
		return 0;
	// Walk up to the root, then reverse (the tree has no cycles, but cap anyway).
	uint32_t len = 0;
	for (uint32_t x = node; len < max; x = t->parent[x]) {
		nodes[len++] = x;
		if (t->parent[x] == CNR_BFS_ROOT || t->parent[x] == CNR_BFS_UNREACHED)
			break;
	}
	for (uint32_t i = 0; i < len / 2; i++) {
		uint32_t tmp = nodes[i];
		nodes[i] = nodes[len - 1 - i];
		nodes[len - 1 - i] = tmp;
	}
	return len;
}
