// A retention path as text, the way `path` and the reports print it:
// "main.cache → .items → map[\"user:12\"]", from the root the BFS tree of
// the heap graph reached the object from, each hop labelled as Go writes
// it (goruntime/typing.h names the edges).
#ifndef CNR_ANALYSIS_RETENTION_PATH_H
#define CNR_ANALYSIS_RETENTION_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "goruntime/heap_graph.h"
#include "graph/bfs_tree.h"

// "root → .hop → .hop" for object id, from the tree (at most len bytes).
void cnr_format_retention_path(struct cnr_program *prog, const struct cnr_heap_graph *hg,
			       const struct cnr_bfs_tree *tree, uint32_t id, char *buf, size_t len);

#endif
