// The live maps of the heap (see heap_maps.h).
#include "analysis/heap_maps.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/retention_path.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "util/vector.h"

enum { MAX_INTERNALS = 1 << 24, MAX_OWN_HOPS = 64 };

DEFINE_VECTOR(node_vector, uint32_t)

// The runtime's own objects of a map (goruntime/layout.h names them).
static bool map_internal(const struct cnr_obj_type *t)
{
	return t && cnr_layout_map_internal(t->name);
}

// Whether header dominates node within MAX_OWN_HOPS steps up the
// dominator tree (a map's directory, tables, groups, buckets and overflow
// buckets sit a few steps under their header).
static bool owns(const struct cnr_graph *g, uint32_t header, uint32_t node)
{
	uint32_t nnodes = cnr_graph_node_count(g);
	if (node == header)
		return true;
	for (int i = 0; i < MAX_OWN_HOPS && node < nnodes; i++) {
		node = cnr_graph_idom(g, node);
		if (node == header)
			return true;
	}
	return false;
}

// The map's own bytes: its header and every internal object that the
// header dominates, found through internals (seen marks them across maps:
// a map's internals are its own).  Internals something else also holds (a
// map iterator on a stack holding the buckets) would not go with the map:
// they are not its own, so that what it holds itself is always part of
// what it retains.
static struct cnr_error *shallow_bytes(const struct cnr_heap_graph *hg, uint32_t header, struct node_vector *stack,
				       uint64_t *seen, uint64_t *ret)
{
	uint64_t sum = cnr_graph_size(hg->graph, header);
	stack->size = 0;
	if (!node_vector_push(stack, header))
		return &cnr_enomem;
	for (size_t i = 0; i < stack->size && stack->size < MAX_INTERNALS; i++) {
		const uint32_t *succ;
		uint32_t n = cnr_graph_successors(hg->graph, stack->data[i], &succ);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t y = succ[k];
			if (cnr_graph_bit(seen, y) || !map_internal(cnr_heap_graph_type(hg, y)) || !owns(hg->graph, header, y))
				continue;
			cnr_graph_set_bit(seen, y);
			if (!node_vector_push(stack, y))
				return &cnr_enomem;
			sum += cnr_graph_size(hg->graph, y);
		}
	}
	*ret = sum;
	return NULL;
}

bool cnr_map_internal_node(const struct cnr_heap_graph *hg, uint32_t id)
{
	return map_internal(cnr_heap_graph_type(hg, id));
}

bool cnr_map_owns(const struct cnr_heap_graph *hg, uint32_t header, uint32_t node)
{
	return owns(hg->graph, header, node);
}

struct cnr_error *cnr_map_own_bytes(const struct cnr_heap_graph *hg, uint32_t header, uint64_t *shallow_ret,
				    uint64_t *retained_ret)
{
	uint32_t nodes = cnr_graph_node_count(hg->graph);
	uint64_t *seen = calloc(cnr_graph_bit_words(nodes), sizeof(uint64_t));
	struct node_vector stack = { 0 };
	struct cnr_error *err = seen ? shallow_bytes(hg, header, &stack, seen, shallow_ret) : &cnr_enomem;
	node_vector_deinit(&stack);
	free(seen);
	if (!err)
		*retained_ret = cnr_graph_retained(hg->graph, header);
	return err;
}

static int cmp_row(const void *a, const void *b)
{
	const struct cnr_map_row *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct cnr_error *cnr_heap_maps(const struct cnr_heap_graph *hg, const char *type, struct cnr_map_row **ret,
				size_t *n_ret)
{
	struct cnr_map_row *rows = NULL;
	size_t n = 0, cap = 0;
	struct node_vector stack = { 0 };
	struct cnr_error *err = NULL;
	uint32_t nodes = cnr_graph_node_count(hg->graph);
	uint64_t *seen = calloc(cnr_graph_bit_words(nodes), sizeof(uint64_t));
	if (!seen)
		return &cnr_enomem;
	for (uint32_t id = 0; id < nodes && !err; id++) {
		const struct cnr_obj_type *t = cnr_heap_graph_type(hg, id);
		if (!t || !t->map_rtype || t->shape != CNR_SHAPE_ONE || !cnr_graph_is_reachable(hg->graph, id))
			continue;
		if (type && strcmp(type, t->name) != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct cnr_map_row *r = realloc(rows, cap * sizeof(*rows));
			if (!r) {
				err = &cnr_enomem;
				break;
			}
			rows = r;
		}
		struct cnr_map_row *r = &rows[n++];
		uint64_t size;
		cnr_heap_graph_slot(hg, id, &r->addr, &size);
		r->id = id;
		r->map_rtype = t->map_rtype;
		r->retained = cnr_graph_retained(hg->graph, id);
		err = shallow_bytes(hg, id, &stack, seen, &r->shallow);
	}
	node_vector_deinit(&stack);
	free(seen);
	if (err) {
		free(rows);
		return err;
	}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_row);
	*ret = rows;
	*n_ret = n;
	return NULL;
}


struct cnr_error *cnr_maps_list_init(struct cnr_heap_graph *hg, const char *type, size_t top,
				     struct cnr_maps_list *ret)
{
	struct cnr_maps_list l = { 0 };
	struct cnr_error *err = cnr_heap_maps(hg, type, &l.rows, &l.n);
	if (err)
		return err;
	l.shown = top && top < l.n ? top : l.n;
	if (l.shown && (err = cnr_graph_bfs_tree(hg->graph, &l.tree))) {
		free(l.rows);
		return err;
	}
	for (size_t i = 0; i < l.n; i++)
		l.total_retained += l.rows[i].retained;
	*ret = l;
	return NULL;
}

void cnr_maps_list_deinit(struct cnr_maps_list *l)
{
	cnr_bfs_tree_deinit(&l->tree);
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

void cnr_maps_list_describe(struct cnr_program *prog, const struct cnr_heap_graph *hg, const struct cnr_maps_list *l,
			    size_t i, struct cnr_maps_entry *ret)
{
	const struct cnr_map_row *r = &l->rows[i];
	struct cnr_maps_entry *e = ret;
	e->row = r;
	struct cnr_error *err = cnr_map_summarize(prog, hg->heap.types, hg, r->addr, r->map_rtype, &e->sum);
	if (err) {
		// A damaged map: say so and show what the graph knows.
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "map at 0x%" PRIx64, r->addr));
		memset(&e->sum, 0, sizeof(e->sum));
	}
	e->has_summary = !err;
	cnr_format_retention_path(prog, hg, &l->tree, r->id, e->path, sizeof(e->path));
	e->root = l->tree.parent[r->id] != CNR_BFS_UNREACHED
			  ? &hg->roots.v[cnr_graph_root(hg->graph, l->tree.root_entry[r->id]).label]
			  : NULL;
	cnr_heap_graph_type_name(hg, r->id, e->type, sizeof(e->type));
	e->sites = NULL;
	e->nsites = 0;
	if (l->join && l->join->sites && (err = cnr_alloc_sites_retained_by(l->join->sites, r->id, &e->sites, &e->nsites)))
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "map at 0x%" PRIx64 ": allocation sites", r->addr));
}

void cnr_maps_entry_deinit(struct cnr_maps_entry *e)
{
	if (e->has_summary)
		cnr_map_summary_deinit(&e->sum);
	e->has_summary = false;
	free(e->sites);
	e->sites = NULL;
	e->nsites = 0;
}
