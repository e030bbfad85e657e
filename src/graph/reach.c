// Reachability walks: iterative, each node pushed at most once, so the
// stack never exceeds N entries whatever the shape (a chain of millions
// included).
#include "graph/reach.h"

#include <stdlib.h>

#include "graph/dominators.h"
#include "util/vector.h"

DEFINE_VECTOR(cnr_graph_stack, uint32_t)

// Mark in seen every node reachable from a root without entering a node
// set in blocked (may be NULL), counting them and their bytes.
static struct cnr_error *walk(const struct cnr_graph *g, const uint64_t *blocked, uint64_t *seen,
			      uint32_t *count_ret, uint64_t *bytes_ret)
{
	struct cnr_graph_stack stack = { 0 };
	uint32_t count = 0;
	uint64_t bytes = 0;
	for (uint32_t r = 0; r <= g->root_count; r++) {
		if (r < g->root_count) {
			uint32_t v = g->roots[r].node;
			if (cnr_graph_bit(seen, v) || (blocked && cnr_graph_bit(blocked, v)))
				continue;
			cnr_graph_set_bit(seen, v);
			if (!cnr_graph_stack_push(&stack, v))
				goto enomem;
		}
		while (stack.size) {
			uint32_t v = stack.data[--stack.size];
			count++;
			bytes += g->sizes[v];
			for (uint32_t i = g->out_offsets[v]; i < g->out_offsets[v + 1]; i++) {
				uint32_t w = g->out_targets[i];
				if (cnr_graph_bit(seen, w) || (blocked && cnr_graph_bit(blocked, w)))
					continue;
				cnr_graph_set_bit(seen, w);
				// Popped soon (siblings later): let the misses overlap.
				__builtin_prefetch(&g->out_offsets[w]);
				__builtin_prefetch(&g->sizes[w]);
				if (!cnr_graph_stack_push(&stack, w))
					goto enomem;
			}
		}
	}
	cnr_graph_stack_deinit(&stack);
	*count_ret = count;
	*bytes_ret = bytes;
	return NULL;

enomem:
	cnr_graph_stack_deinit(&stack);
	return &cnr_enomem;
}

struct cnr_error *cnr_graph_compute_reachability(struct cnr_graph *g)
{
	// Every caller goes on to the dominators: the DFS they need marks the
	// reachable nodes as well, so only one walk is paid for.
	return cnr_graph_prepare_dominators(g);
}

struct cnr_error *cnr_graph_retained_by_set(struct cnr_graph *g, const uint32_t *nodes, size_t count,
					    uint64_t *ret)
{
	struct cnr_error *err;
	for (size_t i = 0; i < count; i++) {
		if ((err = cnr_graph_check_node(g, nodes[i])))
			return err;
	}
	if ((err = cnr_graph_compute_reachability(g)))
		return err;
	size_t words = cnr_graph_bit_words(g->node_count) + 1;
	uint64_t *blocked = calloc(words, sizeof(*blocked));
	uint64_t *seen = calloc(words, sizeof(*seen));
	if (!blocked || !seen) {
		err = &cnr_enomem;
		goto out;
	}
	for (size_t i = 0; i < count; i++)
		cnr_graph_set_bit(blocked, nodes[i]);
	uint32_t still_count;
	uint64_t still_bytes;
	if ((err = walk(g, blocked, seen, &still_count, &still_bytes)))
		goto out;
	*ret = g->reachable_bytes - still_bytes;
out:
	free(blocked);
	free(seen);
	return err;
}
