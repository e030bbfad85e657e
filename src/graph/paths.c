// Retention paths by breadth-first search over the predecessor lists,
// starting at the target.  BFS discovers nodes in order of distance to the
// target, so the first time it meets a root node, the BFS tree holds a
// shortest path from that root to the target.
#include "graph/paths.h"

#include <stdlib.h>
#include <string.h>

#include "graph/reach.h"
#include "util/vector.h"

DEFINE_VECTOR(cnr_graph_queue, uint32_t)

void cnr_graph_path_deinit(struct cnr_graph_path *path)
{
	free(path->nodes);
	path->nodes = NULL;
	path->length = 0;
}

// next[x] - 1 is the node after x on its path to the target; 0 means x
// was not seen yet; the target's is END.
static const uint32_t END = UINT32_MAX;

static struct cnr_error *make_path(const uint32_t *next, uint32_t from, uint32_t root,
				   struct cnr_graph_path *ret)
{
	uint32_t length = 1;
	for (uint32_t x = from; next[x] != END; x = next[x] - 1)
		length++;
	uint32_t *nodes = malloc((size_t)length * sizeof(*nodes));
	if (!nodes)
		return &cnr_enomem;
	uint32_t i = 0;
	for (uint32_t x = from;; x = next[x] - 1) {
		nodes[i++] = x;
		if (next[x] == END)
			break;
	}
	*ret = (struct cnr_graph_path){ .root = root, .length = length, .nodes = nodes };
	return NULL;
}

// Add a path for each root entry at node x, up to k in all.
static struct cnr_error *found_root(const struct cnr_graph *g, const uint32_t *next, uint32_t x, uint32_t k,
				    struct cnr_graph_path *ret, uint32_t *count)
{
	const uint32_t *entries;
	uint32_t n = cnr_graph_roots_of(g, x, &entries);
	for (uint32_t i = 0; i < n && *count < k; i++) {
		struct cnr_error *err = make_path(next, x, entries[i], &ret[*count]);
		if (err)
			return err;
		++*count;
	}
	return NULL;
}

// Order root nodes by their lowest root entry.
static int cmp_first_entry(const void *a, const void *b, void *arg)
{
	const struct cnr_graph *g = arg;
	const uint32_t *ea, *eb;
	cnr_graph_roots_of(g, *(const uint32_t *)a, &ea);
	cnr_graph_roots_of(g, *(const uint32_t *)b, &eb);
	return ea[0] < eb[0] ? -1 : ea[0] > eb[0];
}

struct cnr_error *cnr_graph_shortest_paths(struct cnr_graph *g, uint32_t node, uint32_t k,
					   struct cnr_graph_path *ret, uint32_t *count_ret)
{
	struct cnr_error *err = cnr_graph_check_node(g, node);
	if (!err)
		err = cnr_graph_build_reverse(g);
	if (err)
		return err;
	uint32_t count = 0;
	// Garbage cannot lead to a root: skip it when reachability is known.
	const uint64_t *live = g->reachable_bits;
	if (!k || (live && !cnr_graph_bit(live, node))) {
		*count_ret = 0;
		return NULL;
	}
	uint32_t *next = calloc(g->node_count, sizeof(*next));
	struct cnr_graph_queue queue = { 0 }, found = { 0 }; // found: the root nodes met
	err = &cnr_enomem;
	if (!next || !cnr_graph_queue_push(&queue, node))
		goto out;
	next[node] = END;
	// Level by level: the root nodes one level finds are taken in the
	// order of their first root entry, so that among equally short paths
	// the lowest-numbered root wins (the caller adds its best-named roots
	// first), whatever order the predecessor lists have.
	size_t level_end = 0, level_roots = 0; // the target is level 0
	if (cnr_graph_is_root(g, node) && !cnr_graph_queue_push(&found, node))
		goto out;
	// Each node enters the queue once: at most N rounds.
	for (size_t head = 0;; head++) {
		if (head == level_end) {
			if (found.size > level_roots) // (qsort_r wants a real array, even of none)
				qsort_r(found.data + level_roots, found.size - level_roots, sizeof(*found.data),
					cmp_first_entry, (void *)g);
			for (size_t i = level_roots; i < found.size && count < k; i++) {
				if ((err = found_root(g, next, found.data[i], k, ret, &count)))
					goto out;
			}
			level_roots = found.size;
			level_end = queue.size;
			if (count >= k || head == queue.size)
				break;
		}
		uint32_t x = queue.data[head];
		for (uint32_t e = g->in_offsets[x]; e < g->in_offsets[x + 1]; e++) {
			uint32_t p = g->in_sources[e];
			if (next[p] || (live && !cnr_graph_bit(live, p)))
				continue;
			next[p] = x + 1;
			if (!cnr_graph_queue_push(&queue, p) ||
			    (cnr_graph_is_root(g, p) && !cnr_graph_queue_push(&found, p))) {
				err = &cnr_enomem;
				goto out;
			}
		}
	}
	*count_ret = count;
	err = NULL;
out:
	if (err) {
		for (uint32_t i = 0; i < count; i++)
			cnr_graph_path_deinit(&ret[i]);
	}
	free(next);
	cnr_graph_queue_deinit(&queue);
	cnr_graph_queue_deinit(&found);
	return err;
}

struct cnr_error *cnr_graph_shortest_path(struct cnr_graph *g, uint32_t node, struct cnr_graph_path *ret)
{
	uint32_t count;
	struct cnr_graph_path path;
	struct cnr_error *err = cnr_graph_shortest_paths(g, node, 1, &path, &count);
	if (err)
		return err;
	if (!count)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "node %u is not reachable from any root", node);
	*ret = path;
	return NULL;
}
