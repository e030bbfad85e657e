// The dominator tree as a profile: samples along the tree's preorder,
// values "flat" (what a node retains minus what its kept children retain)
// so that pprof's cumulative values are the retained sizes.
#include "analysis/retained_profile.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "util/hash_map.h"

DEFINE_HASH_MAP(name_index, const char *, uint32_t, cnr_hash_string, cnr_eq_string);

enum { MAX_DEPTH = 1 << 16, LABEL_LEN = 512 };

struct builder {
	struct cnr_profile *p;
	struct name_index names;
};

// The location (one per distinct frame name, one line, one function) named s.
static struct cnr_error *frame(struct builder *b, const char *s, uint32_t *ret)
{
	uint32_t *slot = name_index_get(&b->names, s);
	if (slot) {
		*ret = *slot;
		return NULL;
	}
	struct cnr_profile *p = b->p;
	const char *name = cnr_string_pool_add(&p->strings, s, strlen(s));
	bool inserted;
	if (!name || !(slot = name_index_insert(&b->names, name, &inserted)))
		return &cnr_enomem;
	uint32_t id = (uint32_t)p->locations.size;
	struct cnr_profile_function fn = { .name = name, .file = "" };
	struct cnr_profile_line line = { .function = (uint32_t)p->functions.size };
	struct cnr_profile_location loc = { .first_line = (uint32_t)p->lines.size, .nlines = 1 };
	if (!cnr_profile_function_vector_push(&p->functions, fn) || !cnr_profile_line_vector_push(&p->lines, line) ||
	    !cnr_profile_location_vector_push(&p->locations, loc))
		return &cnr_enomem;
	*slot = id;
	*ret = id;
	return NULL;
}

static bool has_edge(const struct cnr_graph *g, uint32_t from, uint32_t to)
{
	const uint32_t *succ;
	uint32_t n = cnr_graph_successors(g, from, &succ);
	for (uint32_t i = 0; i < n; i++) {
		if (succ[i] == to)
			return true;
	}
	return false;
}

static struct cnr_error *add_sample(struct builder *b, const uint32_t *path, size_t depth, uint32_t leaf,
				    const int64_t values[3])
{
	struct cnr_profile *p = b->p;
	struct cnr_profile_sample s = { .first_location = (uint32_t)p->sample_locations.size,
					.nlocations = (uint32_t)depth + 1 };
	memcpy(s.values, values, 3 * sizeof(int64_t));
	if (!cnr_profile_u32_vector_push(&p->sample_locations, leaf))
		return &cnr_enomem;
	for (size_t d = depth; d-- > 0;) {
		if (!cnr_profile_u32_vector_push(&p->sample_locations, path[d]))
			return &cnr_enomem;
	}
	return cnr_profile_sample_vector_push(&p->samples, s) ? NULL : &cnr_enomem;
}

struct cnr_error *cnr_retained_profile_build(struct cnr_program *prog, const struct cnr_heap_graph *hg,
					     double min_share, struct cnr_profile *ret)
{
	const struct cnr_graph *g = hg->graph;
	const uint32_t *order, *ends = cnr_graph_dom_ends(g);
	uint32_t n = cnr_graph_dom_order(g, &order);
	struct cnr_profile *p = ret;
	memset(p, 0, sizeof(*p));
	static const struct cnr_profile_value_type types[] = {
		{ "retained_space", "bytes" }, { "retained_objects", "count" }, { "inuse_space", "bytes" },
	};
	memcpy(p->sample_types, types, sizeof(types));
	p->ntypes = 3;
	p->period_type = (struct cnr_profile_value_type){ "space", "bytes" };
	p->period = 1;
	p->default_sample_type = "retained_space";
	uint64_t threshold = (uint64_t)ceil(min_share * (double)hg->live_bytes);
	if (!threshold)
		threshold = 1;
	char comment[160];
	snprintf(comment, sizeof(comment),
		 "coroner: the live heap's dominator tree, objects retaining >= %" PRIu64 " bytes (%.3g%% of %" PRIu64
		 ")", threshold, min_share * 100, hg->live_bytes);
	struct builder b = { .p = p };
	// Objects retained per preorder index, summed backwards: a node's
	// subtree follows it contiguously, so its parent is the innermost
	// open subtree.
	uint32_t *robj = calloc(n ? n : 1, sizeof(*robj));
	uint32_t *stack = malloc(MAX_DEPTH * sizeof(*stack));       // open preorder indexes
	uint32_t *path = malloc(MAX_DEPTH * sizeof(*path));         // their frames
	uint64_t *kept_bytes = calloc(MAX_DEPTH, sizeof(*kept_bytes)); // retained by kept children
	uint64_t *kept_objs = calloc(MAX_DEPTH, sizeof(*kept_objs));
	struct cnr_error *err = NULL;
	if (!robj || !stack || !path || !kept_bytes || !kept_objs || !(p->comment = cnr_string_pool_add(&p->strings, comment, strlen(comment)))) {
		err = &cnr_enomem;
		goto out;
	}
	for (uint32_t k = n; k-- > 0;) {
		robj[k] = 1;
		for (uint32_t c = k + 1; c < ends[k]; c = ends[c])
			robj[k] += robj[c];
	}
	int64_t small[3] = { 0 };
	size_t depth = 0;
	char label[LABEL_LEN], type[256];
	// One pass in preorder; a kept node's sample is emitted when its
	// subtree closes (then its kept children's totals are known).
	for (uint32_t k = 0; k <= n; k++) {
		while (depth && (k == n || k >= ends[stack[depth - 1]])) {
			uint32_t top = stack[--depth], node = order[top];
			cnr_heap_graph_type_name(hg, node, type, sizeof(type));
			uint32_t leaf;
			if ((err = frame(&b, type, &leaf)))
				goto out;
			int64_t v[3] = { (int64_t)(cnr_graph_retained(g, node) - kept_bytes[depth]),
					 (int64_t)(robj[top] - kept_objs[depth]), (int64_t)cnr_graph_size(g, node) };
			if ((err = add_sample(&b, path, depth + 1, leaf, v)))
				goto out;
			if (depth) {
				kept_bytes[depth - 1] += cnr_graph_retained(g, node);
				kept_objs[depth - 1] += robj[top];
			}
		}
		if (k == n)
			break;
		uint32_t node = order[k];
		uint64_t r = cnr_graph_retained(g, node);
		if (r < threshold) {
			if (!depth) { // a root's whole subtree, too small to show
				small[0] += (int64_t)r;
				small[1] += robj[k];
				small[2] += (int64_t)r;
			}
			k = ends[k] - 1; // folded into its dominator
			continue;
		}
		if (depth == MAX_DEPTH) {
			err = cnr_error_corrupt("dominator tree deeper than %d kept objects", MAX_DEPTH);
			goto out;
		}
		if (!depth) {
			const uint32_t *entries;
			if (cnr_graph_roots_of(g, node, &entries))
				snprintf(label, sizeof(label), "%s", hg->roots.v[cnr_graph_root(g, entries[0]).label].name);
			else
				snprintf(label, sizeof(label), "(held by several roots)");
		} else {
			uint32_t parent = order[stack[depth - 1]];
			if (has_edge(g, parent, node))
				cnr_heap_graph_edge_label(prog, hg, parent, node, label, sizeof(label));
			else
				snprintf(label, sizeof(label), "(through objects it alone reaches)");
		}
		if ((err = frame(&b, label, &path[depth])))
			goto out;
		kept_bytes[depth] = kept_objs[depth] = 0;
		stack[depth++] = k;
	}
	if (small[0]) {
		snprintf(label, sizeof(label), "(roots retaining < %" PRIu64 " bytes each)", threshold);
		uint32_t leaf;
		small[2] = 0; // their own sizes are not one object's
		if ((err = frame(&b, label, &leaf)) || (err = add_sample(&b, NULL, 0, leaf, small)))
			goto out;
	}
out:
	free(robj), free(stack), free(path), free(kept_bytes), free(kept_objs);
	name_index_deinit(&b.names);
	if (err)
		cnr_profile_deinit(p);
	return err;
}
