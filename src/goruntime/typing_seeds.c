// Typing seeds: where propagation starts.  The runtime type -> DWARF type
// index (and the runtime's bucket and group types, through each map type),
// the types the runtime recorded itself (malloc headers, largeType), and
// the roots' DWARF types (globals, frame variables, interface pairs in
// unnamed slots, values the linker laid out in data).
#include "goruntime/typing_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/maps.h"
#include "goruntime/program.h"
#include "util/search.h"

struct cnr_error *typing_index_runtime_types(struct typer *tp)
{
	struct cnr_program *prog = tp->prog;
	uint64_t md;
	struct cnr_error *err = cnr_program_global(prog, "runtime.firstmoduledata", &md, NULL);
	if (!err)
		err = cnr_memory_read_u64(&prog->mem, md + prog->layout.md_types, &tp->ty->types_base);
	if (err)
		return err;
	size_t n = cnr_dwarf_num_types(prog->dwarf);
	for (size_t i = 0; i < n; i++) {
		const struct cnr_dwarf_type *t = cnr_dwarf_type_nth(prog->dwarf, i);
		if (!t->go_runtime_type)
			continue;
		bool inserted;
		uint64_t *slot = u64_u64_map_insert(&tp->ty->dwarf_of, tp->ty->types_base + t->go_runtime_type, &inserted);
		if (!slot)
			return &cnr_enomem;
		if (inserted)
			*slot = t->offset;
	}
	return NULL;
}

// The DWARF type of the bucket (old maps) or group (Swiss maps) of the map
// whose header is the struct hdr (hash<K,V> or map<K,V>), or 0.
static uint64_t map_internal_dwarf(const struct typer *tp, const struct cnr_dwarf_type *hdr)
{
	const struct cnr_dwarf *dw = tp->prog->dwarf;
	if (cnr_layout_type_shape(hdr->name) == CNR_RT_HMAP) {
		const struct cnr_dwarf_field *b = cnr_dwarf_field(dw, hdr, "buckets");
		return b ? typing_pointee(tp, dtype(tp, b->type_offset)) : 0;
	}
	const struct cnr_dwarf_field *dir = cnr_layout_type_shape(hdr->name) == CNR_RT_SWISS_MAP ? cnr_dwarf_field(dw, hdr, "dirPtr") : NULL;
	const struct cnr_dwarf_type *table = dir ? dtype(tp, typing_pointee(tp, dtype(tp, typing_pointee(tp, dtype(tp, dir->type_offset))))) : NULL;
	const struct cnr_dwarf_field *groups = table ? cnr_dwarf_field(dw, table, "groups") : NULL;
	const struct cnr_dwarf_type *gref = groups ? dtype(tp, groups->type_offset) : NULL;
	const struct cnr_dwarf_field *data = gref ? cnr_dwarf_field(dw, gref, "data") : NULL;
	return data ? typing_pointee(tp, dtype(tp, data->type_offset)) : 0;
}

// The runtime's bucket and group types (map.bucket[K]V, map.group[K]V)
// have no DWARF type of their own: they are DWARF's bucket<K,V> and
// group, found through each map type.  Malloc headers name them.
struct cnr_error *typing_index_map_internals(struct typer *tp)
{
	size_t n = cnr_dwarf_num_types(tp->prog->dwarf);
	for (size_t i = 0; i < n; i++) {
		const struct cnr_dwarf_type *t = cnr_dwarf_type_nth(tp->prog->dwarf, i);
		if (t->go_kind != CNR_KIND_MAP || !t->go_runtime_type)
			continue;
		const struct cnr_dwarf_type *hdr = dtype(tp, typing_pointee(tp, t));
		uint64_t internal = hdr && hdr->name ? map_internal_dwarf(tp, hdr) : 0, rtype;
		if (!internal)
			continue;
		struct cnr_error *err = cnr_map_type_internal(tp->prog, rtype_addr(tp, t), &rtype);
		if (err) {
			cnr_error_destroy(err); // that map's buckets stay runtime-typed
			continue;
		}
		bool inserted;
		uint64_t *slot = u64_u64_map_insert(&tp->ty->dwarf_of, rtype, &inserted);
		if (!slot)
			return &cnr_enomem;
		if (inserted)
			*slot = internal;
	}
	return NULL;
}

// The types the runtime wrote down itself (Go 1.22+): malloc headers of
// objects over minSizeForMallocHeader, and each large span's largeType.
struct cnr_error *typing_seed_headers(struct typer *tp)
{
	struct cnr_heap_graph *hg = tp->hg;
	if (!hg->header_min)
		return NULL;
	for (size_t i = 0; i < hg->heap.nspans; i++) {
		const struct cnr_heap_span *s = &hg->heap.spans[i];
		if (s->noscan || (s->sizeclass && s->elemsize <= hg->header_min))
			continue;
		for (uint64_t slot = 0; slot < s->nelems; slot++) {
			if (!cnr_heap_allocated(&hg->heap, s->first + slot))
				continue;
			uint64_t rtype = s->largetype;
			if (s->sizeclass && cnr_memory_read_u64(&tp->prog->mem, s->base + slot * s->elemsize, &rtype))
				continue;
			const struct cnr_rtype *rt;
			struct object o;
			if (!rtype || !typing_locate(tp, s->base + slot * s->elemsize + s->elemsize - 1, &o))
				continue;
			struct cnr_error *err = cnr_type_get(hg->heap.types, rtype, &rt);
			if (err) {
				cnr_error_destroy(err);
				continue;
			}
			uint32_t rec;
			enum cnr_obj_shape shape = rt->size && o.len >= 2 * rt->size ? CNR_SHAPE_ARRAY : CNR_SHAPE_ONE;
			if ((err = typing_rtype_record(tp, rtype, shape, &rec)) || (err = typing_assign(tp, &o, rec)))
				return err;
		}
	}
	return NULL;
}

// A root no DWARF variable names (a compiler temporary): if the word
// before it is a type descriptor or an itab, the pair is an interface
// (an inlined rand.New keeps its Source so) and that names the data.
static struct cnr_error *seed_unnamed(struct typer *tp, const struct cnr_root *r)
{
	uint64_t before, rtype = 0;
	if (r->kind != CNR_ROOT_STACK || cnr_memory_read_u64(&tp->prog->mem, r->slot - 8, &before) || !before)
		return NULL;
	if (typing_dwarf_of_rtype(tp, before)) {
		rtype = before;
	} else {
		struct cnr_error *err = typing_itab_concrete(tp, before, &rtype);
		if (err)
			return err;
	}
	return rtype ? typing_type_interface(tp, rtype, r->value) : NULL;
}

// Apply the plan entry of DWARF type type at offset off to the root r.
static struct cnr_error *seed_root_at(struct typer *tp, const struct cnr_root *r, uint64_t type, uint64_t off,
				      struct entry *entry_ret)
{
	int32_t p;
	struct cnr_error *err = typing_plan_of(tp, type, &p);
	if (err || p < 0)
		return err;
	// The plan entry for the root's word, and the words beside it.
	const struct plan pl = tp->ty->plans.data[p];
	uint64_t base = r->slot - off;
	for (uint32_t k = 0; k < pl.n; k++) {
		const struct entry e = tp->ty->entries.data[pl.first + k];
		if (e.off != off)
			continue;
		uint8_t around[32] = { 0 };
		uint64_t from = e.off >= 16 ? e.off - 16 : 0;
		cnr_error_destroy(cnr_memory_read(&tp->prog->mem, base + from, around, sizeof(around)));
		uint64_t at = e.off - from;
		if (e.aux_off && ((int64_t)at + e.aux_off < 0 || (int64_t)at + e.aux_off + 8 > (int64_t)sizeof(around)))
			return NULL; // the word beside it is too far to matter for roots
		if (entry_ret)
			*entry_ret = e; // a copy: applying it may grow the entries
		return typing_apply_entry(tp, &e, r->value, at, around, sizeof(around));
	}
	return NULL;
}

// A value the linker laid out in data (a global initialized with
// &sync.Pool{...}): no DWARF variable covers it, but the typed pointer to
// it says what it is.
struct static_value {
	uint64_t addr, type, size;
};

static int cmp_static(const void *a, const void *b)
{
	const struct static_value *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct cnr_error *typing_seed_roots(struct typer *tp)
{
	const struct cnr_roots *roots = &tp->hg->roots;
	struct static_value *statics = malloc((roots->n ? roots->n : 1) * sizeof(*statics));
	size_t nstatics = 0;
	struct cnr_error *err = statics ? NULL : &cnr_enomem;
	for (size_t i = 0; i < roots->n && !err; i++) {
		const struct cnr_root *r = &roots->v[i];
		struct entry e = { .kind = E_STRING }; // any kind but E_PTR
		struct object o;
		if (!r->var_type) {
			err = seed_unnamed(tp, r);
			continue;
		}
		err = seed_root_at(tp, r, r->var_type, r->var_offset, &e);
		if (!err && e.kind == E_PTR && r->kind == CNR_ROOT_GLOBAL && !typing_locate(tp, r->value, &o)) {
			uint64_t size = cnr_dwarf_type_size(tp->prog->dwarf, dtype(tp, e.target));
			statics[nstatics++] = (struct static_value){ r->value, e.target, size };
		}
	}
	if (!err && nstatics)
		qsort(statics, nstatics, sizeof(*statics), cmp_static);
	// Words of data no DWARF variable names, inside such a value.
	for (size_t i = 0; i < roots->n && !err && nstatics; i++) {
		const struct cnr_root *r = &roots->v[i];
		if (r->var_type || r->kind != CNR_ROOT_GLOBAL)
			continue;
		size_t lo = CNR_PARTITION_POINT(nstatics, mid, statics[mid].addr <= r->slot);
		if (lo && r->slot - statics[lo - 1].addr < statics[lo - 1].size)
			err = seed_root_at(tp, r, statics[lo - 1].type, r->slot - statics[lo - 1].addr, NULL);
	}
	free(statics);
	return err;
}
