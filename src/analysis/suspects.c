// Suspect selection (see suspects.h).
#include "analysis/suspects.h"

#include <stdlib.h>
#include <string.h>

#include "graph/dominators.h"
#include "util/vector.h"

// Dominator-chain walks (is a suspect inside another).
enum { MAX_IDOM_STEPS = 1 << 14 };

struct candidate {
	struct cnr_suspect_pick pick;
	uint64_t addr;
};

DEFINE_VECTOR(candidate_vector, struct candidate)

bool cnr_share_at_least(uint64_t bytes, uint64_t live, unsigned percent)
{
	return live && bytes >= (live / 100) * percent + (live % 100) * percent / 100;
}

uint32_t cnr_suspect_lift_to_map(const struct cnr_graph *g, const struct cnr_suspect_ops *ops, uint32_t node)
{
	uint32_t nnodes = cnr_graph_node_count(g), v = node;
	if (ops->is_map_header(ops->arg, node))
		return node;
	for (int hop = 0; hop < CNR_SUSPECT_MAP_INTERNAL_HOPS; hop++) {
		v = cnr_graph_idom(g, v);
		if (v >= nnodes)
			break;
		if (ops->is_map_header(ops->arg, v))
			return v;
	}
	return node;
}

static struct cnr_error *add_candidate(const struct cnr_graph *g, const struct cnr_suspect_ops *ops,
				       struct candidate_vector *v, uint32_t node)
{
	for (size_t i = 0; i < v->size; i++) {
		if (v->data[i].pick.node == node)
			return NULL;
	}
	struct candidate c = {
		.pick = { .node = node, .retained = cnr_graph_retained(g, node), .is_map = ops->is_map_header(ops->arg, node) },
		.addr = ops->address(ops->arg, node),
	};
	return candidate_vector_push(v, c) ? NULL : &cnr_enomem;
}

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->pick.retained != y->pick.retained)
		return x->pick.retained > y->pick.retained ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct cnr_error *cnr_select_suspects(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t, uint64_t live,
				      const struct cnr_suspect_ops *ops, const uint32_t *maps, size_t nmaps,
				      uint32_t top, struct cnr_suspect_pick *ret, uint32_t *n_ret)
{
	uint32_t max = top + CNR_SUSPECT_MIN_SHOWN, n = 0, shown = 0;
	uint32_t *found = malloc((size_t)max * sizeof(*found));
	struct candidate_vector cand = { 0 };
	struct cnr_error *err = found ? NULL : &cnr_enomem;
	if (!err)
		err = cnr_graph_find_suspects(g, t, max, live / 1000 * CNR_SUSPECT_MIN_PER_MILLE + 1, found, &n);
	for (uint32_t i = 0; !err && i < n; i++)
		err = add_candidate(g, ops, &cand, cnr_suspect_lift_to_map(g, ops, found[i]));
	for (size_t i = 0; !err && i < nmaps && cnr_share_at_least(cnr_graph_retained(g, maps[i]), live,
								    CNR_SUSPECT_SHARE_PERCENT); i++)
		err = add_candidate(g, ops, &cand, maps[i]);
	if (!err && cand.size)
		qsort(cand.data, cand.size, sizeof(*cand.data), cmp_candidate);
	for (size_t i = 0; !err && i < cand.size && shown < top; i++) {
		struct cnr_suspect_pick p = cand.data[i].pick;
		p.over_share = cnr_share_at_least(p.retained, live, CNR_SUSPECT_SHARE_PERCENT);
		if (!p.over_share && shown >= CNR_SUSPECT_MIN_SHOWN)
			break;
		ret[shown++] = p;
	}
	free(found);
	candidate_vector_deinit(&cand);
	if (!err)
		*n_ret = shown;
	return err;
}

bool cnr_suspect_dominates(const struct cnr_graph *g, uint32_t a, uint32_t b)
{
	uint32_t nnodes = cnr_graph_node_count(g);
	for (int i = 0; i < MAX_IDOM_STEPS && b < nnodes; i++) {
		b = cnr_graph_idom(g, b);
		if (b == a)
			return true;
	}
	return false;
}
