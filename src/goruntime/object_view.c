// One heap object described for `coroner object`: everything the writer
// shows, read from the typed heap graph and the target's memory here.
#include "goruntime/object_view.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "goruntime/values.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "util/vector.h"

enum { SHOWN_WORDS = 16, SHOWN_FIELDS = 64, SHOWN_ELEMS = 8 };

DEFINE_VECTOR(field_vector, struct cnr_object_field)

struct fields {
	struct cnr_object_view *v;
	struct field_vector out;
	bool oom;
};

static const char *keep(struct cnr_object_view *v, const char *s, bool *oom)
{
	const char *c = cnr_string_pool_add(&v->pool, s, strlen(s));
	if (!c)
		*oom = true;
	return c;
}

static void add_field(void *arg, const struct cnr_field_view *f)
{
	struct fields *fs = arg;
	struct cnr_object_field o = { .path = keep(fs->v, f->path, &fs->oom), .type = keep(fs->v, f->type, &fs->oom),
				      .value = keep(fs->v, f->value, &fs->oom), .points_to = f->points_to,
				      .slice = f->slice, .len = f->len, .cap = f->cap };
	if (f->points_to)
		o.target_type = keep(fs->v, f->target_type, &fs->oom);
	if (!field_vector_push(&fs->out, o))
		fs->oom = true;
}

// The fields of object id: its elements if it is an array, else its value.
static size_t view_object(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t id, uint64_t addr,
			  uint64_t size, struct fields *out)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, id);
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
	uint64_t base = addr, len = size;
	if (s && hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min) {
		base += 8; // the malloc header
		len -= 8;
	}
	size_t left = 0;
	if (t->shape == CNR_SHAPE_ARRAY && t->elem_size) {
		uint64_t n = len / t->elem_size;
		for (uint64_t i = 0; i < n && i < SHOWN_ELEMS; i++) {
			char prefix[32];
			snprintf(prefix, sizeof(prefix), "[%" PRIu64 "]", i);
			left += cnr_view_fields(prog, hg, t->dwarf, base + i * t->elem_size, prefix,
						SHOWN_FIELDS / SHOWN_ELEMS, add_field, out);
		}
		if (n > SHOWN_ELEMS)
			left += n - SHOWN_ELEMS;
		return left;
	}
	return cnr_view_fields(prog, hg, t->dwarf, base, "", SHOWN_FIELDS, add_field, out);
}

struct cnr_error *cnr_object_view_build(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t want,
					struct cnr_object_view *ret)
{
	uint64_t id = cnr_heap_graph_object(hg, want);
	const uint32_t *preds = NULL;
	uint32_t npreds = 0;
	struct cnr_error *err;
	if (id == UINT64_MAX)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "0x%" PRIx64 " is not in an allocated heap object", want);
	if ((err = cnr_graph_predecessors(hg->graph, (uint32_t)id, &preds, &npreds)))
		return err;
	struct cnr_object_view v = { 0 };
	bool oom = false;
	cnr_heap_graph_slot(hg, id, &v.addr, &v.size);
	v.live = cnr_graph_is_reachable(hg->graph, (uint32_t)id);
	v.retained = v.live ? cnr_graph_retained(hg->graph, (uint32_t)id) : 0;
	uint64_t words[SHOWN_WORDS] = { 0 };
	size_t nwords = v.size / 8 < SHOWN_WORDS ? v.size / 8 : SHOWN_WORDS;
	err = cnr_memory_read(&prog->mem, v.addr, words, nwords * 8);
	if (err) {
		cnr_warn_error(prog->ctx, err);
		nwords = 0;
	}
	const struct cnr_obj_type *type = cnr_heap_graph_type(hg, (uint32_t)id);
	char name[256];
	cnr_heap_graph_type_name(hg, (uint32_t)id, name, sizeof(name));
	v.type = keep(&v, name, &oom);
	v.typed = type != NULL;
	v.retainers = calloc(npreds ? npreds : 1, sizeof(*v.retainers));
	v.roots = calloc(1, sizeof(*v.roots));
	v.words = calloc(nwords ? nwords : 1, sizeof(*v.words));
	oom |= !v.retainers || !v.roots || !v.words;
	for (uint32_t i = 0; i < npreds && !oom; i++) {
		struct cnr_object_retainer *r = &v.retainers[v.nretainers++];
		char via[256];
		cnr_heap_graph_slot(hg, preds[i], &r->addr, &r->size);
		cnr_heap_graph_type_name(hg, preds[i], name, sizeof(name));
		cnr_heap_graph_edge_label(prog, hg, preds[i], (uint32_t)id, via, sizeof(via));
		r->type = keep(&v, name, &oom);
		r->via = keep(&v, via, &oom);
	}
	for (size_t i = 0; i < hg->roots.n && !oom; i++) {
		if (cnr_heap_graph_object(hg, hg->roots.v[i].value) != id)
			continue;
		struct cnr_object_root *nr = realloc(v.roots, (v.nroots + 1) * sizeof(*v.roots));
		if (!nr) {
			oom = true;
			break;
		}
		v.roots = nr;
		v.roots[v.nroots++] = (struct cnr_object_root){ hg->roots.v[i].name, cnr_root_kind_name(hg->roots.v[i].kind) };
	}
	if (type && type->dwarf && !oom) {
		struct fields fs = { .v = &v };
		v.has_fields = true;
		v.fields_left_out = view_object(prog, hg, (uint32_t)id, v.addr, v.size, &fs);
		v.fields = fs.out.data;
		v.nfields = fs.out.size;
		oom |= fs.oom;
	}
	for (size_t w = 0; w < nwords && !oom; w++) {
		struct cnr_object_word *o = &v.words[v.nwords++];
		uint64_t to = words[w] ? cnr_heap_graph_object(hg, words[w]) : UINT64_MAX;
		o->value = words[w];
		if (to != UINT64_MAX) {
			o->points = true;
			cnr_heap_graph_slot(hg, to, &o->target, &o->target_size);
			cnr_heap_graph_type_name(hg, (uint32_t)to, name, sizeof(name));
			o->target_type = keep(&v, name, &oom);
		}
	}
	if (oom) {
		cnr_object_view_deinit(&v);
		return &cnr_enomem;
	}
	*ret = v;
	return NULL;
}

void cnr_object_view_deinit(struct cnr_object_view *v)
{
	free(v->retainers);
	free(v->roots);
	free(v->fields);
	free(v->words);
	cnr_string_pool_deinit(&v->pool);
	memset(v, 0, sizeof(*v));
}
