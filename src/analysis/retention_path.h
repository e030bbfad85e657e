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

// Whether a path hides nodes[i] (0 < i < n - 1), folding it into the hop
// before: a map's internals (`.items → map["k"]`, never `.buckets` or
// `.dirPtr → [0] → .groups`), and the backing array of a slice header
// that is an object of its own (an interface holding a []T:
// `map["k"] → [0]`, not `→ +0 → [0]`).  The hop out of the hidden node
// names the key or the index.
bool cnr_path_hop_folded(const struct cnr_heap_graph *hg, const uint32_t *nodes, uint32_t i, uint32_t n);

// "root → .hop → .hop" for object id, from the tree (at most len bytes).
void cnr_format_retention_path(struct cnr_program *prog, const struct cnr_heap_graph *hg,
			       const struct cnr_bfs_tree *tree, uint32_t id, char *buf, size_t len);

#endif
