// Typing plans: a type's pointer words, compiled once from its DWARF
// layout (struct fields and arrays flattened; strings, slices, interfaces,
// maps, channels and funcs as leaves) or, for the runtime's own types that
// DWARF lacks (map.bucket[K]V), from the runtime type descriptor.
#include "goruntime/typing_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "goruntime/values.h"

static struct cnr_error *push_entry(struct typer *tp, struct entry e)
{
	if (tp->ty->entries.size >= MAX_PLAN_ENTRIES)
		return NULL; // a pathological type: the rest of it stays untyped
	return entry_vector_push(&tp->ty->entries, e) ? NULL : &cnr_enomem;
}

// The pointee of pointer type t (typedefs followed), or 0.
uint64_t typing_pointee(const struct typer *tp, const struct cnr_dwarf_type *t)
{
	t = cnr_dwarf_type_strip(tp->prog->dwarf, t);
	return t && t->tag == TAG_POINTER ? t->type_offset : 0;
}

// unsafe.Pointer fields of the standard library whose target type the
// source code states in a comment.
static const struct known_unsafe {
	const char *type, *field, *target;
	bool array;
} known_unsafe_fields[] = {
	{ "sync.Pool", "local", "sync.poolLocal", true },   // [P]poolLocal
	{ "sync.Pool", "victim", "sync.poolLocal", true },
	{ "sync.entry", "p", "interface {}", false },       // *interface{} (Go <= 1.19)
};

static const struct known_unsafe *known_unsafe(const char *type, const char *field)
{
	for (size_t i = 0; type && field && i < sizeof(known_unsafe_fields) / sizeof(known_unsafe_fields[0]); i++) {
		if (strcmp(type, known_unsafe_fields[i].type) == 0 && strcmp(field, known_unsafe_fields[i].field) == 0)
			return &known_unsafe_fields[i];
	}
	return NULL;
}

static struct cnr_error *plan_struct(struct typer *tp, const struct cnr_dwarf_type *t, uint64_t off, int depth)
{
	const struct cnr_dwarf *dw = tp->prog->dwarf;
	const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, t);
	enum cnr_rt_shape shape = cnr_layout_type_shape(t->name);
	bool swiss_map = shape == CNR_RT_SWISS_MAP, chan = shape == CNR_RT_HCHAN;
	bool old_map = shape == CNR_RT_HMAP, group_ref = shape == CNR_RT_GROUP_REF;
	const struct cnr_dwarf_field *dir_len = swiss_map ? cnr_dwarf_field(dw, t, "dirLen") : NULL;
	const struct cnr_dwarf_field *elemtype = chan ? cnr_dwarf_field(dw, t, "elemtype") : NULL;
	// atomic.Pointer[T] keeps v as unsafe.Pointer; its "_ [0]*T" says what T is.
	uint64_t atomic_ptr = 0;
	for (uint32_t i = 0; i < t->nfields && !swiss_map && !chan; i++) {
		const struct cnr_dwarf_type *ft = cnr_dwarf_type_strip(dw, dtype(tp, f[i].type_offset));
		if (f[i].name && strcmp(f[i].name, "_") == 0 && ft && ft->tag == TAG_ARRAY && ft->count == 0)
			atomic_ptr = typing_pointee(tp, dtype(tp, ft->type_offset));
	}
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct cnr_dwarf_type *ft = dtype(tp, f[i].type_offset);
		const struct known_unsafe *known;
		struct cnr_error *err = NULL;
		if (swiss_map && dir_len && f[i].name && strcmp(f[i].name, "dirPtr") == 0) {
			// **table<K,V>; the group type is table.groups.data's pointee.
			uint64_t table_ptr = typing_pointee(tp, ft);
			const struct cnr_dwarf_type *table = dtype(tp, typing_pointee(tp, dtype(tp, table_ptr)));
			const struct cnr_dwarf_field *groups = table ? cnr_dwarf_field(dw, table, "groups") : NULL;
			const struct cnr_dwarf_type *gref = groups ? dtype(tp, groups->type_offset) : NULL;
			const struct cnr_dwarf_field *data = gref ? cnr_dwarf_field(dw, gref, "data") : NULL;
			uint64_t group = data ? typing_pointee(tp, dtype(tp, data->type_offset)) : 0;
			err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_SWISS_DIR,
							     .aux_off = (int32_t)dir_len->offset - (int32_t)f[i].offset,
							     .target = table_ptr, .target2 = group });
		} else if (chan && elemtype && f[i].name && strcmp(f[i].name, "buf") == 0) {
			err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_CHAN_BUF,
							     .aux_off = (int32_t)elemtype->offset - (int32_t)f[i].offset });
		} else if (f[i].name && ((old_map && (strcmp(f[i].name, "buckets") == 0 || strcmp(f[i].name, "oldbuckets") == 0)) ||
					 (group_ref && strcmp(f[i].name, "data") == 0))) {
			// *bucket<K,V> and *group point at arrays of them.
			uint64_t to = typing_pointee(tp, ft);
			if (to)
				err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_PTR_ARRAY,
								     .target = to });
		} else if ((known = known_unsafe(t->name, f[i].name))) {
			const struct cnr_dwarf_type *to = cnr_dwarf_type_by_name(dw, known->target);
			if (to)
				err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset),
								     .kind = known->array ? E_PTR_ARRAY : E_PTR,
								     .target = to->offset });
		} else if (atomic_ptr && f[i].name && strcmp(f[i].name, "v") == 0) {
			err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_PTR,
							     .target = atomic_ptr });
		} else if (ft) {
			err = typing_plan_value(tp, ft, off + f[i].offset, depth + 1);
		}
		if (err)
			return err;
	}
	return NULL;
}

// Append the pointer words of a value of t at off.
struct cnr_error *typing_plan_value(struct typer *tp, const struct cnr_dwarf_type *t, uint64_t off, int depth)
{
	const struct cnr_dwarf *dw = tp->prog->dwarf;
	if (depth > MAX_PLAN_DEPTH || off > UINT32_MAX)
		return NULL;
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(dw, t);
	uint8_t kind = cnr_value_kind(dw, t);
	switch (kind) {
	case CNR_KIND_MAP:
	case CNR_KIND_CHAN:
	case CNR_KIND_POINTER: {
		uint64_t to = typing_pointee(tp, t);
		const struct cnr_dwarf_type *tt = dtype(tp, to);
		// Old maps' mapextra lists overflow buckets as untyped *bmap;
		// the typed chain bucket<K,V>.overflow reaches the same ones.
		if (!tt || cnr_layout_type_shape(tt->name) == CNR_RT_BMAP)
			return NULL;
		return push_entry(tp, (struct entry){ .off = (uint32_t)off, .kind = E_PTR, .target = to,
						      .map_rtype = kind == CNR_KIND_MAP ? rtype_addr(tp, t) : 0 });
	}
	case CNR_KIND_FUNC:
		return push_entry(tp, (struct entry){ .off = (uint32_t)off, .kind = E_FUNC });
	case CNR_KIND_STRING:
		return push_entry(tp, (struct entry){ .off = (uint32_t)off, .kind = E_STRING });
	case CNR_KIND_SLICE: {
		const struct cnr_dwarf_field *array = s ? cnr_dwarf_field(dw, s, "array") : NULL;
		uint64_t elem = array ? typing_pointee(tp, dtype(tp, array->type_offset)) : 0;
		if (!elem)
			return NULL;
		return push_entry(tp, (struct entry){ .off = (uint32_t)off, .kind = E_SLICE, .target = elem });
	}
	case CNR_KIND_INTERFACE: {
		const struct cnr_dwarf_field *tab = s ? cnr_dwarf_field(dw, s, "tab") : NULL;
		return push_entry(tp, (struct entry){ .off = (uint32_t)off + 8, .kind = tab ? E_IFACE : E_EFACE });
	}
	case CNR_KIND_UNSAFE_POINTER:
		return NULL;
	}
	if (!s)
		return NULL;
	if (s->tag == TAG_POINTER)
		return typing_plan_value(tp, &(struct cnr_dwarf_type){ .tag = TAG_POINTER, .go_kind = CNR_KIND_POINTER,
								.type_offset = s->type_offset }, off, depth);
	if (s->tag == TAG_STRUCT)
		return plan_struct(tp, s, off, depth);
	if (s->tag == TAG_ARRAY && s->count) {
		const struct cnr_dwarf_type *e = dtype(tp, s->type_offset);
		uint64_t esz = cnr_dwarf_type_size(dw, e);
		if (!e || !esz)
			return NULL;
		size_t before = tp->ty->entries.size;
		struct cnr_error *err = typing_plan_value(tp, e, off, depth + 1);
		size_t per = tp->ty->entries.size - before;
		// Repeat the first element's entries for the others.
		for (uint64_t i = 1; !err && per && i < s->count; i++) {
			for (size_t k = 0; k < per && !err; k++) {
				struct entry x = tp->ty->entries.data[before + k];
				x.off += (uint32_t)(i * esz);
				err = push_entry(tp, x);
			}
		}
		return err;
	}
	return NULL;
}

// The plan of DWARF type off, built once; -1 if it has no pointers.
struct cnr_error *typing_plan_of(struct typer *tp, uint64_t off, int32_t *ret)
{
	struct cnr_heap_typing *ty = tp->ty;
	uint32_t *hit = u64_u32_map_get(&ty->plan_of, off);
	if (hit) {
		*ret = (int32_t)*hit;
		return NULL;
	}
	const struct cnr_dwarf_type *t = dtype(tp, off);
	struct plan p = { .first = (uint32_t)ty->entries.size, .size = cnr_dwarf_type_size(tp->prog->dwarf, t) };
	struct cnr_error *err = t ? typing_plan_value(tp, t, 0, 0) : NULL;
	if (err)
		return err;
	p.n = (uint32_t)(ty->entries.size - p.first);
	int32_t idx = -1;
	if (p.n) {
		if (!plan_vector_push(&ty->plans, p))
			return &cnr_enomem;
		idx = (int32_t)ty->plans.size - 1;
	}
	bool inserted;
	uint32_t *slot = u64_u32_map_insert(&ty->plan_of, off, &inserted);
	if (!slot)
		return &cnr_enomem;
	*slot = (uint32_t)idx;
	*ret = idx;
	return NULL;
}

// The DWARF type of runtime type rtype, or 0.
uint64_t typing_dwarf_of_rtype(struct typer *tp, uint64_t rtype)
{
	uint64_t *d = u64_u64_map_get(&tp->ty->dwarf_of, rtype);
	return d ? *d : 0;
}

// Append the pointer words of a value of runtime type rt at off, for
// types DWARF does not describe (the runtime's map.bucket[K]V): its
// fields and elements that DWARF does describe give the plan.
struct cnr_error *typing_plan_rtype(struct typer *tp, const struct cnr_rtype *rt, uint64_t off, int depth)
{
	struct cnr_type_cache *tc = tp->hg->heap.types;
	if (depth > MAX_PLAN_DEPTH || !rt->ptrdata || off > UINT32_MAX)
		return NULL;
	uint64_t d = typing_dwarf_of_rtype(tp, rt->addr);
	const struct cnr_dwarf_type *t = dtype(tp, d);
	if (t)
		return typing_plan_value(tp, t, off, depth);
	struct cnr_error *err = NULL;
	if (rt->kind == CNR_KIND_STRUCT) {
		const struct cnr_rfield *f;
		size_t n;
		if ((err = cnr_type_fields(tc, rt, &f, &n)))
			return err;
		// The runtime's own bucket type (Go <= 1.23) chains overflow
		// buckets through an untyped pointer: they are buckets too.
		bool bucket = cnr_layout_type_shape(rt->name) == CNR_RT_RTYPE_BUCKET;
		for (size_t i = 0; i < n && !err; i++) {
			if (bucket && f[i].name && strcmp(f[i].name, "overflow") == 0)
				err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_RPTR,
								     .target = rt->addr });
			else
				err = typing_plan_rtype(tp, f[i].type, off + f[i].offset, depth + 1);
		}
	} else if (rt->kind == CNR_KIND_ARRAY) {
		const struct cnr_rtype *e;
		uint64_t len;
		if ((err = cnr_type_elem(tc, rt, &e)) || (err = cnr_type_array_len(tc, rt, &len)))
			return err;
		for (uint64_t i = 0; i < len && e->size && !err && tp->ty->entries.size < MAX_PLAN_ENTRIES; i++)
			err = typing_plan_rtype(tp, e, off + i * e->size, depth + 1);
	}
	return err;
}
