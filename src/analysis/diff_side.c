// One core's side of a diff (see diff_side.h): the live objects by
// address, the accumulation points, the goroutine groups and ids, copied
// out of one analysis.
#include "analysis/diff_side.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/heap.h"
#include "goruntime/heap_objects.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "util/hash_map.h"
#include "util/search.h"

DEFINE_HASH_MAP(type_ids, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)

static const char *pool_str(struct cnr_diff_side *s, const char *text)
{
	return cnr_string_pool_add(&s->pool, text, strlen(text));
}

const char *cnr_diff_type_name(const struct cnr_obj_type *ty)
{
	return ty && ty->name ? ty->name : "unknown";
}

// Every live object: address, type, size, retained bytes and dominated
// count, in address order (the spans are sorted by address, a span's
// slots ascend); the counts come first from one pass over the dominator
// tree's preorder (the objects a node dominates follow it there: ends[k]
// - k of them, itself included).
static struct cnr_error *copy_objects(struct cnr_diff_side *s, struct cnr_heap_graph *hg)
{
	const struct cnr_graph *g = hg->graph;
	const uint32_t *order, *ends = cnr_graph_dom_ends(g);
	uint32_t n = cnr_graph_dom_order(g, &order), nn = cnr_graph_node_count(g);
	uint32_t *count = malloc((nn ? nn : 1) * sizeof(*count));
	struct type_ids ids = { 0 };
	struct cnr_error *err = NULL;
	size_t cap_types = 16;
	s->objects = malloc((n ? n : 1) * sizeof(*s->objects));
	s->types = malloc(cap_types * sizeof(*s->types));
	if (!count || !s->objects || !s->types) {
		free(count);
		return &cnr_enomem;
	}
	for (uint32_t k = 0; k < n; k++)
		count[order[k]] = ends[k] - k;
	for (size_t i = 0; i < hg->heap.nspans && !err; i++) {
		const struct cnr_heap_span *sp = &hg->heap.spans[i];
		for (uint32_t e = 0; e < sp->nelems && s->nobjects < n; e++) {
			uint64_t id = sp->first + e, size;
			if (id >= nn || !cnr_graph_is_reachable(g, (uint32_t)id) || (size = cnr_graph_size(g, (uint32_t)id)) == 0)
				continue;
			uint32_t v = (uint32_t)id;
			const struct cnr_obj_type *ty = cnr_heap_graph_type(hg, v);
			bool inserted;
			uint32_t *tid = type_ids_insert(&ids, (uint64_t)(uintptr_t)ty, &inserted);
			if (!tid) {
				err = &cnr_enomem;
				break;
			}
			if (inserted) {
				if (s->ntypes == cap_types) {
					const char **more = realloc(s->types, 2 * cap_types * sizeof(*s->types));
					if (!more) {
						err = &cnr_enomem;
						break;
					}
					s->types = more;
					cap_types *= 2;
				}
				const char *name = pool_str(s, cnr_diff_type_name(ty));
				if (!name) {
					err = &cnr_enomem;
					break;
				}
				*tid = (uint32_t)s->ntypes;
				s->types[s->ntypes++] = name;
			}
			s->objects[s->nobjects++] = (struct cnr_diff_object){
				.addr = sp->base + e * sp->elemsize,
				.retained = cnr_graph_retained(g, v),
				.type = *tid,
				.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size,
				.objects = count[v],
			};
		}
	}
	free(count);
	type_ids_deinit(&ids);
	return err;
}

// The model's object suspects, their map summaries moved out of it.
static struct cnr_error *copy_points(struct cnr_diff_side *s, struct cnr_leak_model *m)
{
	s->points = calloc(m->nsuspects ? m->nsuspects : 1, sizeof(*s->points));
	if (!s->points)
		return &cnr_enomem;
	for (size_t i = 0; i < m->nsuspects; i++) {
		struct cnr_leak_suspect *sus = &m->suspects[i];
		if (sus->group)
			continue;
		struct cnr_diff_point *p = &s->points[s->npoints++];
		*p = (struct cnr_diff_point){
			.addr = sus->addr, .size = sus->size, .retained = sus->retained, .objects = sus->objects,
			.node = sus->node, .is_map = sus->is_map, .map_rtype = sus->map_rtype,
			.type = pool_str(s, sus->type), .path = pool_str(s, sus->path),
		};
		if (!p->type || !p->path)
			return &cnr_enomem;
		if (sus->has_summary) {
			p->map = sus->map;
			p->has_summary = true;
			sus->has_summary = false;
		}
	}
	return NULL;
}

static int cmp_global(const void *a, const void *b)
{
	const struct cnr_diff_global *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->addr < y->addr ? -1 : x->addr > y->addr);
}

// The objects named globals point at directly.
static struct cnr_error *copy_globals(struct cnr_diff_side *s, const struct cnr_heap_graph *hg)
{
	const struct cnr_graph *g = hg->graph;
	uint32_t n = cnr_graph_root_count(g);
	s->globals = malloc((n ? n : 1) * sizeof(*s->globals));
	if (!s->globals)
		return &cnr_enomem;
	for (uint32_t i = 0; i < n; i++) {
		struct cnr_graph_root e = cnr_graph_root(g, i);
		const struct cnr_root *r = &hg->roots.v[e.label];
		if (r->kind != CNR_ROOT_GLOBAL || r->unnamed || !r->name)
			continue;
		uint64_t addr, size;
		cnr_heap_graph_slot(hg, e.node, &addr, &size);
		struct cnr_diff_global *gl = &s->globals[s->nglobals++];
		gl->name = pool_str(s, r->name);
		gl->addr = addr;
		if (!gl->name)
			return &cnr_enomem;
	}
	if (s->nglobals)
		qsort(s->globals, s->nglobals, sizeof(*s->globals), cmp_global);
	return NULL;
}

// "state|gopc|pc,pc,...": what makes two goroutines one group
// (cnr_goroutine_group_key_cmp), as text two cores can compare.
static const char *group_key(struct cnr_diff_side *s, const struct cnr_goroutines *gs, const struct cnr_goroutine *g)
{
	size_t len = strlen(g->state) + 40 + 17 * g->nframes;
	char *buf = malloc(len);
	if (!buf)
		return NULL;
	int at = snprintf(buf, len, "%s|%" PRIx64 "|", g->state, g->gopc);
	for (size_t i = 0; i < g->nframes && at > 0 && (size_t)at < len; i++)
		at += snprintf(buf + at, len - (size_t)at, "%s%" PRIx64, i ? "," : "", gs->frames[g->first_frame + i].pc);
	const char *key = pool_str(s, buf);
	free(buf);
	return key;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct cnr_error *copy_goroutines(struct cnr_diff_side *s, struct cnr_program *prog,
					 const struct cnr_heap_graph *hg, const struct cnr_leak_model *m)
{
	const struct cnr_goroutines *gs = &hg->gs;
	size_t ng = m->groups.ngroups;
	uint32_t *rank_of = malloc((ng ? ng : 1) * sizeof(*rank_of));
	s->groups = calloc(ng ? ng : 1, sizeof(*s->groups));
	s->ngoroutines = gs->ngs;
	s->goids = malloc((gs->ngs ? gs->ngs : 1) * sizeof(*s->goids));
	s->sorted_goids = malloc((gs->ngs ? gs->ngs : 1) * sizeof(*s->sorted_goids));
	s->group_of = malloc((gs->ngs ? gs->ngs : 1) * sizeof(*s->group_of));
	if (!rank_of || !s->groups || !s->goids || !s->sorted_goids || !s->group_of) {
		free(rank_of);
		return &cnr_enomem;
	}
	for (size_t i = 0; i < ng; i++) {
		const struct cnr_leak_group *lg = &m->ranked[i];
		size_t gi = (size_t)(lg->group - m->groups.groups);
		rank_of[gi] = (uint32_t)i;
		const struct cnr_goroutine *g = &gs->gs[m->groups.members[lg->group->first]];
		char created_by[256] = "", site[4096] = "";
		cnr_goroutine_creation_site(prog, g, created_by, sizeof(created_by), site, sizeof(site));
		struct cnr_diff_group *d = &s->groups[s->ngroups++];
		*d = (struct cnr_diff_group){
			.key = group_key(s, gs, g), .state = pool_str(s, g->state),
			.function = pool_str(s, cnr_goroutine_function(gs, g)), .created_by = pool_str(s, created_by),
			.site = pool_str(s, site), .count = lg->group->count, .retained = lg->retained,
		};
		if (!d->key || !d->state || !d->function || !d->created_by || !d->site) {
			free(rank_of);
			return &cnr_enomem;
		}
	}
	for (size_t k = 0; k < gs->ngs; k++) {
		s->goids[k] = s->sorted_goids[k] = gs->gs[k].goid;
		s->group_of[k] = rank_of[m->groups.group_of[k]];
	}
	free(rank_of);
	qsort(s->sorted_goids, s->ngoroutines, sizeof(uint64_t), cmp_u64);
	return NULL;
}

struct cnr_error *cnr_diff_side_build(struct cnr_program *prog, struct cnr_heap_graph *hg, struct cnr_leak_model *m,
				      bool keep_hg, struct cnr_diff_side *ret)
{
	struct cnr_diff_side s = {
		.prog = prog, .info = m->info, .ms = m->ms, .ms_ok = m->ms_ok, .now = hg->gs.now,
		.live_objects = hg->live_objects, .live_bytes = hg->live_bytes,
		.garbage_objects = hg->garbage_objects, .garbage_bytes = hg->garbage_bytes,
	};
	struct cnr_error *err = NULL;
	if (keep_hg)
		s.hg = hg;
	else
		err = copy_objects(&s, hg);
	if (!err)
		err = copy_points(&s, m);
	if (!err)
		err = copy_globals(&s, hg);
	if (!err)
		err = copy_goroutines(&s, prog, hg, m);
	if (err) {
		cnr_diff_side_deinit(&s);
		return err;
	}
	*ret = s;
	return NULL;
}

void cnr_diff_side_deinit(struct cnr_diff_side *s)
{
	for (size_t i = 0; i < s->npoints; i++) {
		if (s->points[i].has_summary)
			cnr_map_summary_deinit(&s->points[i].map);
	}
	free(s->points);
	free(s->objects);
	free(s->types);
	free(s->globals);
	free(s->groups);
	free(s->goids);
	free(s->group_of);
	free(s->sorted_goids);
	cnr_string_pool_deinit(&s->pool);
	memset(s, 0, sizeof(*s));
}

bool cnr_diff_side_find(const struct cnr_diff_side *s, uint64_t addr, struct cnr_diff_found *ret)
{
	if (s->hg) {
		uint64_t id = cnr_heap_graph_object(s->hg, addr), start, slot;
		const struct cnr_graph *g = s->hg->graph;
		if (id == UINT64_MAX || id >= cnr_graph_node_count(g))
			return false;
		cnr_heap_graph_slot(s->hg, id, &start, &slot);
		uint64_t size = cnr_graph_size(g, (uint32_t)id); // as the table counts it
		if (start != addr || !cnr_graph_is_reachable(g, (uint32_t)id) || size == 0)
			return false;
		*ret = (struct cnr_diff_found){
			.addr = addr, .retained = cnr_graph_retained(g, (uint32_t)id),
			.type = cnr_diff_type_name(cnr_heap_graph_type(s->hg, (uint32_t)id)),
			.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size, .objects = UINT32_MAX,
			.node = (uint32_t)id, .index = SIZE_MAX,
		};
		return true;
	}
	size_t i = CNR_PARTITION_POINT(s->nobjects, k, s->objects[k].addr < addr);
	if (i == s->nobjects || s->objects[i].addr != addr)
		return false;
	const struct cnr_diff_object *o = &s->objects[i];
	*ret = (struct cnr_diff_found){
		.addr = addr, .retained = o->retained, .type = s->types[o->type], .size = o->size,
		.objects = o->objects, .node = UINT32_MAX, .index = i,
	};
	return true;
}

bool cnr_diff_same_object(const struct cnr_diff_found *x, const struct cnr_diff_found *y)
{
	return x->addr == y->addr && x->size == y->size && strcmp(x->type, y->type) == 0;
}

bool cnr_diff_side_replacement(const struct cnr_diff_side *s, const char *name, const char *type,
			       struct cnr_diff_found *ret)
{
	size_t i = CNR_PARTITION_POINT(s->nglobals, k, strcmp(s->globals[k].name, name) < 0);
	for (; i < s->nglobals && strcmp(s->globals[i].name, name) == 0; i++) {
		if (cnr_diff_side_find(s, s->globals[i].addr, ret) && strcmp(ret->type, type) == 0)
			return true;
	}
	return false;
}

bool cnr_diff_side_has_goroutine(const struct cnr_diff_side *s, uint64_t goid)
{
	size_t i = CNR_PARTITION_POINT(s->ngoroutines, k, s->sorted_goids[k] < goid);
	return i < s->ngoroutines && s->sorted_goids[i] == goid;
}
