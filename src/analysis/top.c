// The heap histogram (see top.h).
#include "analysis/top.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/alloc_sites.h"
#include "analysis/goroutine_groups.h"
#include "analysis/goroutine_roots.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "util/hash_map.h"
#include "util/vector.h"

DEFINE_VECTOR(row_vector, struct cnr_top_row)
DEFINE_HASH_MAP(row_index, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)

// The group of object id: its type (goruntime/typing.h), else its size
// class; key and (if label) label.
static uint64_t type_group(const struct cnr_heap_graph *hg, const struct cnr_heap_span *s, uint64_t id, char *label,
			   size_t len)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, (uint32_t)id);
	if (t) {
		if (label)
			snprintf(label, len, "%s", t->name);
		return (uint64_t)(uintptr_t)t;
	}
	if (label)
		snprintf(label, len, "unknown (%" PRIu64 "-byte %s, %s)", s->elemsize,
			 s->sizeclass == 0 ? "object" : "class", s->noscan ? "no pointers" : "pointers");
	return (s->elemsize << 2) | ((uint64_t)s->noscan << 1) | 1;
}

void cnr_top_type_group_name(const struct cnr_heap_graph *hg, uint32_t id, char *buf, size_t len)
{
	uint64_t addr, size;
	cnr_heap_graph_slot(hg, id, &addr, &size);
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
	if (s)
		type_group(hg, s, id, buf, len);
	else if (len)
		cnr_heap_graph_type_name(hg, id, buf, len);
}

static struct cnr_error *by_root(const struct cnr_heap_graph *hg, struct row_vector *rows)
{
	for (size_t i = 0; i < hg->roots.n; i++) {
		uint64_t id = cnr_heap_graph_object(hg, hg->roots.v[i].value);
		if (id == UINT64_MAX)
			continue;
		struct cnr_top_row *r = row_vector_append(rows);
		if (!r)
			return &cnr_enomem;
		snprintf(r->label, sizeof(r->label), "%s", hg->roots.v[i].name);
		r->count = 1;
		r->shallow = cnr_graph_size(hg->graph, (uint32_t)id);
		r->retained = cnr_graph_retained(hg->graph, (uint32_t)id);
	}
	return NULL;
}

// Count and shallow bytes of each type's live objects; group_of[id] = 1 +
// the row of object id (0: not live).
static struct cnr_error *count_types(const struct cnr_heap_graph *hg, struct row_vector *rows, uint32_t *group_of)
{
	struct row_index index = { 0 };
	struct cnr_error *err = NULL;
	for (size_t si = 0; si < hg->heap.nspans && !err; si++) {
		const struct cnr_heap_span *sp = hg->by_id[si];
		uint64_t last_key = 0;
		uint32_t last_row = 0;
		for (uint64_t slot = 0; slot < sp->nelems; slot++) {
			uint64_t id = sp->first + slot;
			if (!cnr_heap_allocated(&hg->heap, id) || !cnr_graph_is_reachable(hg->graph, (uint32_t)id))
				continue;
			uint64_t key = type_group(hg, sp, id, NULL, 0);
			if (key != last_key || !last_key) {
				bool inserted;
				uint32_t *slotp = row_index_insert(&index, key, &inserted);
				if (!slotp) {
					err = &cnr_enomem;
					break;
				}
				if (inserted) {
					struct cnr_top_row *r = row_vector_append(rows);
					if (!r) {
						err = &cnr_enomem;
						break;
					}
					memset(r, 0, sizeof(*r));
					type_group(hg, sp, id, r->label, sizeof(r->label));
					r->group = (uint32_t)rows->size;
					*slotp = (uint32_t)(rows->size - 1);
				}
				last_key = key;
				last_row = *slotp;
			}
			group_of[id] = last_row + 1;
			rows->data[last_row].count++;
			rows->data[last_row].shallow += cnr_graph_size(hg->graph, (uint32_t)id);
		}
	}
	row_index_deinit(&index);
	return err;
}

// Each type's retained bytes: a walk of the dominator tree that adds an
// object's retained size to its group when no ancestor of the same group is
// open.  cnr_graph_dom_order() is a preorder with contiguous subtrees, so
// one pass over it with a stack of the open subtrees of grouped objects (at
// most the tree's depth) does, without child lists.
struct open_subtree {
	uint32_t end, group;
};

DEFINE_VECTOR(open_subtree_vector, struct open_subtree)

enum { PREFETCH = 32 };

static struct cnr_error *retained_by_type(const struct cnr_heap_graph *hg, struct row_vector *rows,
					  const uint32_t *group_of)
{
	const uint32_t *order, *end = cnr_graph_dom_ends(hg->graph);
	uint32_t n = cnr_graph_dom_order(hg->graph, &order);
	uint32_t *active = calloc(rows->size + 1, sizeof(uint32_t));
	struct open_subtree_vector open = { 0 };
	if (!active)
		return &cnr_enomem;
	struct cnr_error *err = NULL;
	for (uint32_t k = 0; k < n; k++) {
		// The preorder visits objects all over the heap: fetch ahead.
		if (k + PREFETCH < n) {
			__builtin_prefetch(&group_of[order[k + PREFETCH]]);
			__builtin_prefetch(&hg->graph->retained[order[k + PREFETCH]]);
		}
		while (open.size && open.data[open.size - 1].end <= k)
			active[open.data[--open.size].group]--;
		uint32_t v = order[k], gv = group_of[v];
		if (!gv)
			continue;
		if (active[gv]++ == 0)
			rows->data[gv - 1].retained += cnr_graph_retained(hg->graph, v);
		if (!open_subtree_vector_push(&open, (struct open_subtree){ .end = end[k], .group = gv })) {
			err = &cnr_enomem;
			break;
		}
	}
	open_subtree_vector_deinit(&open);
	free(active);
	return err;
}

static int cmp_row(const void *a, const void *b, void *arg)
{
	enum cnr_top_sort sort = *(const enum cnr_top_sort *)arg;
	const struct cnr_top_row *x = a, *y = b;
	uint64_t kx = x->retained, ky = y->retained;
	if (sort == CNR_TOP_SORT_SHALLOW) {
		kx = x->shallow;
		ky = y->shallow;
	} else if (sort == CNR_TOP_SORT_COUNT) {
		kx = x->count;
		ky = y->count;
	}
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->label, y->label);
}

// One row per goroutine with roots.
static struct cnr_error *by_goroutine(struct cnr_heap_graph *hg, struct row_vector *rows)
{
	size_t ng = hg->gs.ngs;
	struct cnr_goroutine_roots gr;
	uint32_t *set_of = malloc((ng ? ng : 1) * sizeof(*set_of));
	uint64_t *retained = calloc(ng ? ng : 1, sizeof(*retained));
	struct cnr_error *err = set_of && retained ? cnr_goroutine_roots_init(hg->graph, hg->roots.v, ng, &gr) : &cnr_enomem;
	if (err) {
		free(set_of);
		free(retained);
		return err;
	}
	for (size_t k = 0; k < ng; k++)
		set_of[k] = (uint32_t)k;
	err = cnr_goroutine_sets_retained(hg->graph, hg->roots.v, set_of, ng, (uint32_t)ng, retained);
	for (size_t k = 0; !err && k < ng; k++) {
		const struct cnr_goroutine *g = &hg->gs.gs[k];
		if (!gr.entries[k])
			continue;
		struct cnr_top_row *r = row_vector_append(rows);
		if (!r) {
			err = &cnr_enomem;
			break;
		}
		*r = (struct cnr_top_row){ .count = gr.entries[k], .retained = retained[k] };
		for (size_t i = gr.first[k]; i < gr.first[k + 1]; i++)
			r->shallow += cnr_graph_size(hg->graph, gr.nodes[i]);
		snprintf(r->label, sizeof(r->label), "goroutine %" PRIu64 " [%s] %s", g->goid, g->state ? g->state : "?",
			 cnr_goroutine_function(&hg->gs, g));
	}
	cnr_goroutine_roots_deinit(&gr);
	free(set_of);
	free(retained);
	return err;
}

void cnr_top_sort(struct cnr_top_row *rows, size_t n, enum cnr_top_sort sort)
{
	if (n)
		qsort_r(rows, n, sizeof(*rows), cmp_row, &sort);
}

static struct cnr_error *rows_grouped(struct cnr_heap_graph *hg, enum cnr_top_group group, enum cnr_top_sort sort,
				      struct cnr_top_row **ret, size_t *count_ret, uint32_t **group_of_ret)
{
	struct row_vector rows = { 0 };
	uint32_t *group_of = NULL;
	struct cnr_error *err;
	if (group == CNR_TOP_BY_ROOT) {
		err = by_root(hg, &rows);
	} else if (group == CNR_TOP_BY_GOROUTINE) {
		err = by_goroutine(hg, &rows);
	} else {
		uint32_t nnodes = cnr_graph_node_count(hg->graph);
		group_of = calloc(nnodes ? nnodes : 1, sizeof(*group_of));
		err = group_of ? count_types(hg, &rows, group_of) : &cnr_enomem;
		if (!err)
			err = retained_by_type(hg, &rows, group_of);
	}
	if (err) {
		free(group_of);
		row_vector_deinit(&rows);
		return err;
	}
	cnr_top_sort(rows.data, rows.size, sort);
	*ret = rows.data;
	*count_ret = rows.size;
	if (group_of_ret)
		*group_of_ret = group_of;
	else
		free(group_of);
	return NULL;
}

struct cnr_error *cnr_top_rows(struct cnr_heap_graph *hg, enum cnr_top_group group, enum cnr_top_sort sort,
			       struct cnr_top_row **ret, size_t *count_ret)
{
	return rows_grouped(hg, group, sort, ret, count_ret, NULL);
}

struct cnr_error *cnr_top_type_groups(struct cnr_heap_graph *hg, enum cnr_top_sort sort, struct cnr_top_row **ret,
				      size_t *count_ret, uint32_t **group_of_ret)
{
	return rows_grouped(hg, CNR_TOP_BY_TYPE, sort, ret, count_ret, group_of_ret);
}

struct cnr_error *cnr_top_row_sites(const struct cnr_alloc_join *join, const uint32_t *group_of, size_t nrows,
				    const struct cnr_top_row *rows, size_t n, struct cnr_alloc_sites_list *ret)
{
	uint32_t *groups = malloc((n ? n : 1) * sizeof(*groups));
	if (!groups)
		return &cnr_enomem;
	for (size_t i = 0; i < n; i++)
		groups[i] = rows[i].group;
	struct cnr_error *err =
		cnr_alloc_sites_retained_by_groups(join->sites, group_of, (uint32_t)nrows, groups, n, ret);
	free(groups);
	return err;
}
