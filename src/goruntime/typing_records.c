// Typing records: what an object is (a value or array of a DWARF type, a
// runtime-only type, a closure of one function), one record shared by
// every object of that type, keyed and named once, each with its plan.
#include "goruntime/typing_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/pclntab.h"
#include "goruntime/program.h"

struct cnr_error *typing_new_record(struct typer *tp, uint64_t key, struct record r, const char *name, uint32_t *ret)
{
	struct cnr_heap_typing *ty = tp->ty;
	r.t.name = cnr_string_pool_add(&ty->names, name, strlen(name));
	if (!r.t.name || !record_vector_push(&ty->records, r))
		return &cnr_enomem;
	bool inserted;
	uint32_t *slot = u64_u32_map_insert(&ty->record_of, key, &inserted);
	if (!slot)
		return &cnr_enomem;
	*slot = *ret = (uint32_t)ty->records.size - 1;
	return NULL;
}

// The record of a value (shape ONE) or array (ARRAY) of DWARF type off.
struct cnr_error *typing_dwarf_record(struct typer *tp, uint64_t off, enum cnr_obj_shape shape, uint64_t map_rtype,
				      uint32_t *ret)
{
	uint32_t *hit = u64_u32_map_get(&tp->ty->record_of, key_dwarf(off, shape));
	if (hit) {
		struct record *r = &tp->ty->records.data[*hit];
		if (!r->t.map_rtype)
			r->t.map_rtype = map_rtype;
		*ret = *hit;
		return NULL;
	}
	const struct cnr_dwarf_type *t = dtype(tp, off);
	struct record r = { .t = { .dwarf = off, .rtype = rtype_addr(tp, t), .map_rtype = map_rtype,
				   .elem_size = cnr_dwarf_type_size(tp->prog->dwarf, t), .shape = shape } };
	struct cnr_error *err = typing_plan_of(tp, off, &r.plan);
	if (err)
		return err;
	char name[MAX_NAME];
	const char *base = t && t->name ? t->name : "?";
	const struct cnr_rtype *mt = NULL;
	if (map_rtype && shape == CNR_SHAPE_ONE && !cnr_type_get(tp->hg->heap.types, map_rtype, &mt) && mt->name)
		base = mt->name; // the header of a map[K]V: name it as Go does
	snprintf(name, sizeof(name), "%s%s", shape == CNR_SHAPE_ARRAY ? ARRAY_PREFIX : "", base);
	return typing_new_record(tp, key_dwarf(off, shape), r, name, ret);
}

struct cnr_error *typing_rtype_record(struct typer *tp, uint64_t rtype, enum cnr_obj_shape shape, uint32_t *ret)
{
	uint64_t d = typing_dwarf_of_rtype(tp, rtype);
	if (d)
		return typing_dwarf_record(tp, d, shape, 0, ret);
	uint32_t *hit = u64_u32_map_get(&tp->ty->record_of, key_rtype(rtype, shape));
	if (hit) {
		*ret = *hit;
		return NULL;
	}
	const struct cnr_rtype *rt;
	struct cnr_error *err = cnr_type_get(tp->hg->heap.types, rtype, &rt);
	if (err)
		return err;
	char name[MAX_NAME];
	snprintf(name, sizeof(name), "%s%s", shape == CNR_SHAPE_ARRAY ? ARRAY_PREFIX : "", rt->name ? rt->name : "?");
	struct record r = { .t = { .rtype = rtype, .elem_size = rt->size, .shape = shape }, .plan = -1 };
	struct plan p = { .first = (uint32_t)tp->ty->entries.size, .size = rt->size };
	if ((err = typing_plan_rtype(tp, rt, 0, 0)))
		cnr_error_destroy(err); // what the runtime type does not say stays untyped
	p.n = (uint32_t)(tp->ty->entries.size - p.first);
	if (p.n && p.size) {
		if (!plan_vector_push(&tp->ty->plans, p))
			return &cnr_enomem;
		r.plan = (int32_t)tp->ty->plans.size - 1;
	}
	return typing_new_record(tp, key_rtype(rtype, shape), r, name, ret);
}

static void add_closure_var(void *arg, const struct cnr_dwarf_frame_var *v)
{
	struct typer *tp = arg;
	const struct cnr_dwarf_type *t = dtype(tp, v->type_offset);
	if (t && !tp->err)
		tp->err = typing_plan_value(tp, t, (uint64_t)v->cfa_offset, 0);
}

// The record of closures of function f: its captured variables, from
// DWARF, make its plan.
struct cnr_error *typing_closure_record(struct typer *tp, const struct cnr_func *f, uint32_t *ret)
{
	struct cnr_heap_typing *ty = tp->ty;
	uint32_t *hit = u64_u32_map_get(&ty->record_of, key_closure(f->entry));
	if (hit) {
		*ret = *hit;
		return NULL;
	}
	struct record r = { .t = { .shape = CNR_SHAPE_CLOSURE }, .plan = -1 };
	const struct cnr_dwarf_func *df = tp->prog->dwarf ? cnr_dwarf_func_at(tp->prog->dwarf, f->entry) : NULL;
	struct plan p = { .first = (uint32_t)ty->entries.size, .size = 8 };
	if (df) {
		tp->err = NULL;
		struct cnr_error *err = cnr_dwarf_closure_vars(tp->prog->dwarf, df, add_closure_var, tp);
		if (err)
			cnr_error_destroy(err); // no captured variables known
		if (tp->err)
			return tp->err;
	}
	p.n = (uint32_t)(ty->entries.size - p.first);
	for (uint32_t k = 0; k < p.n; k++) {
		uint64_t end = ty->entries.data[p.first + k].off + 8;
		p.size = end > p.size ? end : p.size;
	}
	if (p.n) {
		if (!plan_vector_push(&ty->plans, p))
			return &cnr_enomem;
		r.plan = (int32_t)ty->plans.size - 1;
	}
	r.t.elem_size = p.size;
	char name[MAX_NAME];
	snprintf(name, sizeof(name), "closure %s", f->name ? f->name : "?");
	return typing_new_record(tp, key_closure(f->entry), r, name, ret);
}
