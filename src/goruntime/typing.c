// Heap typing by propagation.  A type's pointer words are compiled once
// into a "plan" (word offset, what kind of pointer, what it points to),
// from the DWARF layout: struct fields and arrays flattened, strings,
// slices, interfaces, maps, channels and funcs as leaves.  A breadth-first
// walk then types each object's targets from its own plan, starting with
// what the runtime recorded (malloc headers, largeType) and the roots'
// DWARF types.  The first type an object gets sticks: runtime-recorded
// types come first, so they win.
#include "goruntime/typing.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/heap_graph.h"
#include "goruntime/maps.h"
#include "goruntime/pclntab.h"
#include "goruntime/program.h"
#include "graph/reach.h"
#include "util/hash_map.h"
#include "util/string_pool.h"
#include "util/vector.h"

enum {
	TAG_ARRAY = 0x01,     // DW_TAG_array_type
	TAG_POINTER = 0x0f,   // DW_TAG_pointer_type
	TAG_STRUCT = 0x13,    // DW_TAG_structure_type
	MAX_PLAN_DEPTH = 24,
	MAX_PLAN_ENTRIES = 1 << 20,
	MAX_NAME = 512,
	TINY_BLOCK = 16,      // runtime/malloc.go maxTinySize
	MAX_COPY = 1 << 26,   // bytes of one object copied to be scanned
	BATCH = 512,          // pointer words whose targets are looked up together
};

// Arrays of T (a slice's backing array, map buckets) group as "[...]T";
// one of them is "[N]T".  "[]T" stays the slice header's name.
#define ARRAY_PREFIX "[...]"

enum {
	NO_RECORD = 0,
};

enum entry_kind {
	E_PTR,       // *T (also map and chan values): target holds T
	E_PTR_ARRAY, // *T that points at an array of T (map buckets and groups)
	E_STRING,    // string data pointer
	E_SLICE,     // slice array pointer: target is an array of T
	E_EFACE,     // interface{} data word; the type word is 8 bytes before
	E_IFACE,     // non-empty interface data word; the itab is 8 bytes before
	E_FUNC,      // func value: a closure context
	E_SWISS_DIR, // maps.Map.dirPtr: a directory of *table, or one group if dirLen == 0
	E_CHAN_BUF,  // hchan.buf: an array of the element type hchan.elemtype names
	E_RPTR,      // a pointer to a value of runtime type target (no DWARF type)
};

struct entry {
	uint32_t off;
	uint8_t kind;
	int32_t aux_off;  // E_SWISS_DIR: dirLen, E_CHAN_BUF: elemtype, relative to off
	uint64_t target;  // DWARF type: E_PTR pointee, E_SLICE element, E_SWISS_DIR *table; E_RPTR: runtime type
	uint64_t target2; // E_SWISS_DIR: the group type
	uint64_t map_rtype; // E_PTR to a map header: the map's runtime type
};

struct plan {
	uint32_t first, n; // entries
	uint64_t size;
};

struct record {
	struct cnr_obj_type t;
	int32_t plan; // -1: nothing to follow
};

DEFINE_VECTOR(entry_vector, struct entry)
DEFINE_VECTOR(plan_vector, struct plan)
DEFINE_VECTOR(record_vector, struct record)
DEFINE_VECTOR(id_vector, uint32_t)
DEFINE_HASH_MAP(u64_u32_map, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)
DEFINE_HASH_MAP(u64_u64_map, uint64_t, uint64_t, cnr_hash_u64, cnr_eq_u64)

struct cnr_heap_typing {
	struct record_vector records; // index 0 unused: NO_RECORD
	uint32_t *of;                 // record per slot id
	uint64_t *final;              // bit per slot id: typed, and no single-value claim can better it
	struct entry_vector entries;
	struct plan_vector plans;
	struct u64_u32_map plan_of;   // DWARF type -> plan
	struct u64_u32_map record_of; // record key -> record
	struct u64_u64_map dwarf_of;  // runtime type -> DWARF type
	struct u64_u64_map itab_type; // itab -> concrete runtime type
	struct cnr_string_pool names;
	uint64_t types_base;
};

struct typer {
	struct cnr_program *prog;
	struct cnr_heap_graph *hg;
	struct cnr_heap_typing *ty;
	struct id_vector queue;
	uint8_t *buf; // object bytes not contiguous in the core
	size_t buf_len;
	struct cnr_error *err; // from a callback
	struct item *items;    // pointer words waiting to be followed (BATCH)
	size_t nitems;
};

static const struct cnr_dwarf_type *dtype(const struct typer *tp, uint64_t off)
{
	return off ? cnr_dwarf_type_at(tp->prog->dwarf, off) : NULL;
}

static uint64_t rtype_addr(const struct typer *tp, const struct cnr_dwarf_type *t)
{
	return t && t->go_runtime_type && tp->ty->types_base ? tp->ty->types_base + t->go_runtime_type : 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

// --- Plans -----------------------------------------------------------

static struct cnr_error *push_entry(struct typer *tp, struct entry e)
{
	if (tp->ty->entries.size >= MAX_PLAN_ENTRIES)
		return NULL; // a pathological type: the rest of it stays untyped
	return entry_vector_push(&tp->ty->entries, e) ? NULL : &cnr_enomem;
}

static struct cnr_error *plan_value(struct typer *tp, const struct cnr_dwarf_type *t, uint64_t off, int depth);

// The pointee of pointer type t (typedefs followed), or 0.
static uint64_t pointee(const struct typer *tp, const struct cnr_dwarf_type *t)
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
	bool swiss_map = has_prefix(t->name, "map<"), chan = has_prefix(t->name, "hchan<");
	bool old_map = has_prefix(t->name, "hash<"), group_ref = has_prefix(t->name, "groupReference<");
	const struct cnr_dwarf_field *dir_len = swiss_map ? cnr_dwarf_field(dw, t, "dirLen") : NULL;
	const struct cnr_dwarf_field *elemtype = chan ? cnr_dwarf_field(dw, t, "elemtype") : NULL;
	// atomic.Pointer[T] keeps v as unsafe.Pointer; its "_ [0]*T" says what T is.
	uint64_t atomic_ptr = 0;
	for (uint32_t i = 0; i < t->nfields && !swiss_map && !chan; i++) {
		const struct cnr_dwarf_type *ft = cnr_dwarf_type_strip(dw, dtype(tp, f[i].type_offset));
		if (f[i].name && strcmp(f[i].name, "_") == 0 && ft && ft->tag == TAG_ARRAY && ft->count == 0)
			atomic_ptr = pointee(tp, dtype(tp, ft->type_offset));
	}
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct cnr_dwarf_type *ft = dtype(tp, f[i].type_offset);
		const struct known_unsafe *known;
		struct cnr_error *err = NULL;
		if (swiss_map && dir_len && f[i].name && strcmp(f[i].name, "dirPtr") == 0) {
			// **table<K,V>; the group type is table.groups.data's pointee.
			uint64_t table_ptr = pointee(tp, ft);
			const struct cnr_dwarf_type *table = dtype(tp, pointee(tp, dtype(tp, table_ptr)));
			const struct cnr_dwarf_field *groups = table ? cnr_dwarf_field(dw, table, "groups") : NULL;
			const struct cnr_dwarf_type *gref = groups ? dtype(tp, groups->type_offset) : NULL;
			const struct cnr_dwarf_field *data = gref ? cnr_dwarf_field(dw, gref, "data") : NULL;
			uint64_t group = data ? pointee(tp, dtype(tp, data->type_offset)) : 0;
			err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_SWISS_DIR,
							     .aux_off = (int32_t)dir_len->offset - (int32_t)f[i].offset,
							     .target = table_ptr, .target2 = group });
		} else if (chan && elemtype && f[i].name && strcmp(f[i].name, "buf") == 0) {
			err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_CHAN_BUF,
							     .aux_off = (int32_t)elemtype->offset - (int32_t)f[i].offset });
		} else if (f[i].name && ((old_map && (strcmp(f[i].name, "buckets") == 0 || strcmp(f[i].name, "oldbuckets") == 0)) ||
					 (group_ref && strcmp(f[i].name, "data") == 0))) {
			// *bucket<K,V> and *group point at arrays of them.
			uint64_t to = pointee(tp, ft);
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
			err = plan_value(tp, ft, off + f[i].offset, depth + 1);
		}
		if (err)
			return err;
	}
	return NULL;
}

// t's reflect.Kind: the first typedef on the way down that states one
// ("interface {}" is a typedef of a typedef of runtime.eface).
static uint8_t go_kind(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t)
{
	for (int i = 0; t && i < 16; i++) {
		if (t->go_kind || t->tag != 0x16 /* DW_TAG_typedef */)
			return t->go_kind;
		t = cnr_dwarf_type_at(dw, t->type_offset);
	}
	return 0;
}

// Append the pointer words of a value of t at off.
static struct cnr_error *plan_value(struct typer *tp, const struct cnr_dwarf_type *t, uint64_t off, int depth)
{
	const struct cnr_dwarf *dw = tp->prog->dwarf;
	if (depth > MAX_PLAN_DEPTH || off > UINT32_MAX)
		return NULL;
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(dw, t);
	uint8_t kind = go_kind(dw, t);
	switch (kind) {
	case CNR_KIND_MAP:
	case CNR_KIND_CHAN:
	case CNR_KIND_POINTER: {
		uint64_t to = pointee(tp, t);
		const struct cnr_dwarf_type *tt = dtype(tp, to);
		// Old maps' mapextra lists overflow buckets as untyped *bmap;
		// the typed chain bucket<K,V>.overflow reaches the same ones.
		if (!tt || (tt->name && strcmp(tt->name, "runtime.bmap") == 0))
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
		uint64_t elem = array ? pointee(tp, dtype(tp, array->type_offset)) : 0;
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
		return plan_value(tp, &(struct cnr_dwarf_type){ .tag = TAG_POINTER, .go_kind = CNR_KIND_POINTER,
								.type_offset = s->type_offset }, off, depth);
	if (s->tag == TAG_STRUCT)
		return plan_struct(tp, s, off, depth);
	if (s->tag == TAG_ARRAY && s->count) {
		const struct cnr_dwarf_type *e = dtype(tp, s->type_offset);
		uint64_t esz = cnr_dwarf_type_size(dw, e);
		if (!e || !esz)
			return NULL;
		size_t before = tp->ty->entries.size;
		struct cnr_error *err = plan_value(tp, e, off, depth + 1);
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
static struct cnr_error *plan_of(struct typer *tp, uint64_t off, int32_t *ret)
{
	struct cnr_heap_typing *ty = tp->ty;
	uint32_t *hit = u64_u32_map_get(&ty->plan_of, off);
	if (hit) {
		*ret = (int32_t)*hit;
		return NULL;
	}
	const struct cnr_dwarf_type *t = dtype(tp, off);
	struct plan p = { .first = (uint32_t)ty->entries.size, .size = cnr_dwarf_type_size(tp->prog->dwarf, t) };
	struct cnr_error *err = t ? plan_value(tp, t, 0, 0) : NULL;
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
static uint64_t dwarf_of_rtype(struct typer *tp, uint64_t rtype)
{
	uint64_t *d = u64_u64_map_get(&tp->ty->dwarf_of, rtype);
	return d ? *d : 0;
}

// Append the pointer words of a value of runtime type rt at off, for
// types DWARF does not describe (the runtime's map.bucket[K]V): its
// fields and elements that DWARF does describe give the plan.
static struct cnr_error *plan_rtype(struct typer *tp, const struct cnr_rtype *rt, uint64_t off, int depth)
{
	struct cnr_type_cache *tc = tp->hg->heap.types;
	if (depth > MAX_PLAN_DEPTH || !rt->ptrdata || off > UINT32_MAX)
		return NULL;
	uint64_t d = dwarf_of_rtype(tp, rt->addr);
	const struct cnr_dwarf_type *t = dtype(tp, d);
	if (t)
		return plan_value(tp, t, off, depth);
	struct cnr_error *err = NULL;
	if (rt->kind == CNR_KIND_STRUCT) {
		const struct cnr_rfield *f;
		size_t n;
		if ((err = cnr_type_fields(tc, rt, &f, &n)))
			return err;
		// The runtime's own bucket type (Go <= 1.23) chains overflow
		// buckets through an untyped pointer: they are buckets too.
		bool bucket = has_prefix(rt->name, "map.bucket[");
		for (size_t i = 0; i < n && !err; i++) {
			if (bucket && f[i].name && strcmp(f[i].name, "overflow") == 0)
				err = push_entry(tp, (struct entry){ .off = (uint32_t)(off + f[i].offset), .kind = E_RPTR,
								     .target = rt->addr });
			else
				err = plan_rtype(tp, f[i].type, off + f[i].offset, depth + 1);
		}
	} else if (rt->kind == CNR_KIND_ARRAY) {
		const struct cnr_rtype *e;
		uint64_t len;
		if ((err = cnr_type_elem(tc, rt, &e)) || (err = cnr_type_array_len(tc, rt, &len)))
			return err;
		for (uint64_t i = 0; i < len && e->size && !err && tp->ty->entries.size < MAX_PLAN_ENTRIES; i++)
			err = plan_rtype(tp, e, off + i * e->size, depth + 1);
	}
	return err;
}

// --- Records ---------------------------------------------------------

// Record keys: DWARF type and shape; runtime-only types; closures by pc.
static uint64_t key_dwarf(uint64_t off, enum cnr_obj_shape shape) { return off << 2 | shape; }
static uint64_t key_rtype(uint64_t rtype, enum cnr_obj_shape shape) { return 1ULL << 63 | rtype << 2 | shape; }
static uint64_t key_closure(uint64_t pc) { return 1ULL << 62 | pc << 2; }

static struct cnr_error *new_record(struct typer *tp, uint64_t key, struct record r, const char *name, uint32_t *ret)
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
static struct cnr_error *dwarf_record(struct typer *tp, uint64_t off, enum cnr_obj_shape shape, uint64_t map_rtype,
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
	struct cnr_error *err = plan_of(tp, off, &r.plan);
	if (err)
		return err;
	char name[MAX_NAME];
	const char *base = t && t->name ? t->name : "?";
	const struct cnr_rtype *mt = NULL;
	if (map_rtype && shape == CNR_SHAPE_ONE && !cnr_type_get(tp->hg->heap.types, map_rtype, &mt) && mt->name)
		base = mt->name; // the header of a map[K]V: name it as Go does
	snprintf(name, sizeof(name), "%s%s", shape == CNR_SHAPE_ARRAY ? ARRAY_PREFIX : "", base);
	return new_record(tp, key_dwarf(off, shape), r, name, ret);
}

static struct cnr_error *rtype_record(struct typer *tp, uint64_t rtype, enum cnr_obj_shape shape, uint32_t *ret)
{
	uint64_t d = dwarf_of_rtype(tp, rtype);
	if (d)
		return dwarf_record(tp, d, shape, 0, ret);
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
	if ((err = plan_rtype(tp, rt, 0, 0)))
		cnr_error_destroy(err); // what the runtime type does not say stays untyped
	p.n = (uint32_t)(tp->ty->entries.size - p.first);
	if (p.n && p.size) {
		if (!plan_vector_push(&tp->ty->plans, p))
			return &cnr_enomem;
		r.plan = (int32_t)tp->ty->plans.size - 1;
	}
	return new_record(tp, key_rtype(rtype, shape), r, name, ret);
}

static void add_closure_var(void *arg, const struct cnr_dwarf_frame_var *v)
{
	struct typer *tp = arg;
	const struct cnr_dwarf_type *t = dtype(tp, v->type_offset);
	if (t && !tp->err)
		tp->err = plan_value(tp, t, (uint64_t)v->cfa_offset, 0);
}

// The record of closures of function f: its captured variables, from
// DWARF, make its plan.
static struct cnr_error *closure_record(struct typer *tp, const struct cnr_func *f, uint32_t *ret)
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
	return new_record(tp, key_closure(f->entry), r, name, ret);
}

// --- Objects ---------------------------------------------------------

struct object {
	uint32_t id;
	uint64_t base, len; // the value's bytes (after a malloc header)
	const struct cnr_heap_span *span;
};

static bool locate(const struct typer *tp, uint64_t addr, struct object *ret)
{
	const struct cnr_heap_graph *hg = tp->hg;
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
	if (!s || !s->elemsize)
		return false;
	uint64_t slot = cnr_heap_slot_index(s, addr);
	if (slot >= s->nelems || !cnr_heap_allocated(&hg->heap, s->first + slot))
		return false;
	ret->id = (uint32_t)(s->first + slot);
	ret->span = s;
	ret->base = s->base + slot * s->elemsize;
	ret->len = s->elemsize;
	if (hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min) {
		ret->base += 8;
		ret->len -= 8;
	}
	return addr >= ret->base;
}

// Whether object id may take a new type: it has none; or only a runtime
// type DWARF does not describe (the runtime's map.bucket[K]V is DWARF's
// bucket<K,V>), which a DWARF type with a plan replaces; or one T where an
// array of T turns up (runtime.allgptr points at allgs[0] as a *g).
static bool may_type(const struct typer *tp, uint32_t id)
{
	uint32_t cur = tp->ty->of[id];
	if (cur == NO_RECORD)
		return true;
	const struct record *r = &tp->ty->records.data[cur];
	return (!r->t.dwarf && r->t.shape <= CNR_SHAPE_ARRAY && r->plan < 0) ||
	       (r->t.dwarf && r->t.shape == CNR_SHAPE_ONE);
}

static inline bool is_final(const struct typer *tp, uint32_t id)
{
	return tp->ty->final[id / 64] >> (id % 64) & 1;
}

// Whether record rec is a better type for object id than the one it has.
static bool better(const struct typer *tp, uint32_t id, uint32_t rec)
{
	uint32_t cur = tp->ty->of[id];
	if (cur == NO_RECORD)
		return true;
	if (cur == rec)
		return false;
	const struct record *c = &tp->ty->records.data[cur], *n = &tp->ty->records.data[rec];
	if (!c->t.dwarf && c->t.shape <= CNR_SHAPE_ARRAY && c->plan < 0)
		return n->plan >= 0;
	return c->t.dwarf && c->t.shape == CNR_SHAPE_ONE && n->t.shape == CNR_SHAPE_ARRAY && n->t.dwarf == c->t.dwarf;
}

static struct cnr_error *assign(struct typer *tp, const struct object *o, uint32_t rec);

// Rewrite "pkg.T[A,B]" in place as its shape instance "pkg.T[go.shape.A,go.shape.B]".
static bool shape_name(char *name, size_t len)
{
	char out[MAX_NAME];
	const char *p = strchr(name, '[');
	if (!p)
		return false;
	size_t o = (size_t)(p - name) + 1;
	memcpy(out, name, o);
	int depth = 0;
	bool arg_start = true;
	for (p++; *p && o + 10 < sizeof(out); p++) {
		if (arg_start && depth == 0) {
			memcpy(out + o, "go.shape.", 9);
			o += 9;
		}
		arg_start = false;
		if (*p == '[' || *p == '(' || *p == '{')
			depth++;
		else if ((*p == ']' || *p == ')' || *p == '}') && depth > 0)
			depth--;
		else if (*p == ',' && depth == 0)
			arg_start = true;
		out[o++] = *p;
	}
	out[o] = 0;
	if (*p || o >= len)
		return false;
	memcpy(name, out, o + 1);
	return true;
}

// A tiny-allocator block: small pointer-free values packed together; the
// block is named by the first value typed in it.
static struct cnr_error *tiny_block(struct typer *tp, const struct object *o, uint64_t t)
{
	uint64_t key = key_dwarf(t, CNR_SHAPE_TINY);
	uint32_t *hit = u64_u32_map_get(&tp->ty->record_of, key), rec;
	if (hit)
		return assign(tp, o, *hit);
	const struct cnr_dwarf_type *dt = dtype(tp, t);
	char name[MAX_NAME];
	snprintf(name, sizeof(name), "%s (tiny block)", dt && dt->name ? dt->name : "?");
	struct record r = { .t = { .dwarf = t, .elem_size = TINY_BLOCK, .shape = CNR_SHAPE_TINY }, .plan = -1 };
	struct cnr_error *err = new_record(tp, key, r, name, &rec);
	return err ? err : assign(tp, o, rec);
}

static struct cnr_error *assign(struct typer *tp, const struct object *o, uint32_t rec)
{
	if (!better(tp, o->id, rec))
		return NULL;
	tp->ty->of[o->id] = rec;
	const struct record *r = &tp->ty->records.data[rec];
	if (r->t.dwarf || r->t.shape > CNR_SHAPE_ARRAY || r->plan >= 0)
		tp->ty->final[o->id / 64] |= 1ULL << (o->id % 64);
	if (tp->ty->records.data[rec].plan < 0)
		return NULL; // nothing in it to follow
	return id_vector_push(&tp->queue, o->id) ? NULL : &cnr_enomem;
}

// Type the object at addr as holding DWARF type t: one value if addr is
// its start, or (array) an array of them when addr sits on an element
// boundary.  Interior pointers into a struct say nothing about the
// enclosing object and are ignored.
static struct cnr_error *type_target(struct typer *tp, uint64_t addr, uint64_t t, bool array, uint64_t map_rtype)
{
	struct object o;
	if (!t || !locate(tp, addr, &o) || (!array && is_final(tp, o.id)) || !may_type(tp, o.id))
		return NULL;
	uint64_t size = cnr_dwarf_type_size(tp->prog->dwarf, dtype(tp, t)), off = addr - o.base;
	if (!size || size > o.len)
		return NULL;
	if (o.span->noscan && o.len == TINY_BLOCK && size < TINY_BLOCK && !array)
		return tiny_block(tp, &o, t);
	const struct cnr_dwarf_type *tt = dtype(tp, t);
	if (!array && off == 0 && tt && has_prefix(tt->name, "internal/sync.node[")) {
		// sync.Map's trie (Go 1.24+): a node is the head of an entry or
		// an indirect node; isEntry, its first byte, says which.
		uint8_t is_entry;
		char name[MAX_NAME];
		if (cnr_memory_readable(&tp->prog->mem, addr, &is_entry, 1)) {
			snprintf(name, sizeof(name), "internal/sync.%s%s", is_entry ? "entry" : "indirect",
				 tt->name + strlen("internal/sync.node"));
			const struct cnr_dwarf_type *full = cnr_dwarf_type_by_name(tp->prog->dwarf, name);
			if (!full && shape_name(name, sizeof(name)))
				full = cnr_dwarf_type_by_name(tp->prog->dwarf, name); // only the shape instance has DWARF
			if (full && cnr_dwarf_type_size(tp->prog->dwarf, full) <= o.len)
				t = full->offset;
		}
	}
	enum cnr_obj_shape shape;
	if (!array && off == 0)
		shape = CNR_SHAPE_ONE; // (or a struct that embeds a T first: typed as far as T goes)
	else if (array && off % size == 0)
		shape = CNR_SHAPE_ARRAY;
	else
		return NULL;
	uint32_t rec;
	struct cnr_error *err = dwarf_record(tp, t, shape, map_rtype, &rec);
	return err ? err : assign(tp, &o, rec);
}

// The concrete type an itab names, cached; 0 if itab is not one.
static struct cnr_error *itab_concrete(struct typer *tp, uint64_t itab, uint64_t *ret)
{
	uint64_t *cached = u64_u64_map_get(&tp->ty->itab_type, itab);
	if (cached) {
		*ret = *cached;
		return NULL;
	}
	const struct cnr_rtype *iface, *concrete;
	struct cnr_error *err = cnr_itab_types(tp->hg->heap.types, itab, &iface, &concrete);
	*ret = 0;
	if (err)
		cnr_error_destroy(err);
	else if (iface->kind == CNR_KIND_INTERFACE && dwarf_of_rtype(tp, concrete->addr))
		*ret = concrete->addr;
	bool inserted;
	uint64_t *slot = u64_u64_map_insert(&tp->ty->itab_type, itab, &inserted);
	if (!slot)
		return &cnr_enomem;
	*slot = *ret;
	return NULL;
}

static struct cnr_error *apply_entry(struct typer *tp, const struct entry *e, uint64_t word, uint64_t at,
				     const uint8_t *bytes, uint64_t len);

// An interface's data word, whose dynamic type is rtype.
static struct cnr_error *type_interface(struct typer *tp, uint64_t rtype, uint64_t data)
{
	uint64_t d = dwarf_of_rtype(tp, rtype);
	if (!d)
		return NULL;
	int32_t p;
	struct cnr_error *err = plan_of(tp, d, &p);
	if (err)
		return err;
	// Pointer-shaped types are stored in the data word itself
	// (kindDirectIface); everything else is boxed on the heap.
	const struct plan *pl = p >= 0 ? &tp->ty->plans.data[p] : NULL;
	if (pl && pl->size == 8 && pl->n == 1 && tp->ty->entries.data[pl->first].off == 0) {
		struct entry e = tp->ty->entries.data[pl->first];
		if (e.kind == E_PTR || e.kind == E_FUNC || e.kind == E_CHAN_BUF)
			return apply_entry(tp, &e, data, 0, NULL, 0);
	}
	return type_target(tp, data, d, false, 0);
}

// Follow one pointer word of a value: word is its content; bytes/len the
// value's object (for the words an entry reads beside it), at its offset.
static struct cnr_error *apply_entry(struct typer *tp, const struct entry *e, uint64_t word, uint64_t at,
				     const uint8_t *bytes, uint64_t len)
{
	struct cnr_program *prog = tp->prog;
	uint64_t aux = 0;
	bool have_aux = false;
	if (e->kind == E_EFACE || e->kind == E_IFACE) {
		if (bytes && at >= 8) {
			memcpy(&aux, bytes + at - 8, 8);
			have_aux = true;
		}
	} else if (e->kind == E_SWISS_DIR || e->kind == E_CHAN_BUF) {
		int64_t a = (int64_t)at + e->aux_off;
		if (bytes && a >= 0 && (uint64_t)a + 8 <= len) {
			memcpy(&aux, bytes + a, 8);
			have_aux = true;
		}
	}
	if (!word)
		return NULL;
	switch (e->kind) {
	case E_PTR:
		return type_target(tp, word, e->target, false, e->map_rtype);
	case E_PTR_ARRAY:
		return type_target(tp, word, e->target, true, 0);
	case E_SLICE:
		return type_target(tp, word, e->target, true, 0);
	case E_STRING: {
		struct object o;
		if (!locate(tp, word, &o) || is_final(tp, o.id) || tp->ty->of[o.id] != NO_RECORD)
			return NULL;
		uint32_t *hit = u64_u32_map_get(&tp->ty->record_of, key_rtype(0, CNR_SHAPE_STRING_DATA));
		uint32_t rec = hit ? *hit : 0;
		struct cnr_error *err = NULL;
		if (!hit) {
			struct record r = { .t = { .elem_size = 1, .shape = CNR_SHAPE_STRING_DATA }, .plan = -1 };
			err = new_record(tp, key_rtype(0, CNR_SHAPE_STRING_DATA), r, "string (bytes)", &rec);
		}
		return err ? err : assign(tp, &o, rec);
	}
	case E_EFACE:
		return have_aux && aux ? type_interface(tp, aux, word) : NULL;
	case E_IFACE: {
		uint64_t rtype = 0;
		struct cnr_error *err = have_aux && aux ? itab_concrete(tp, aux, &rtype) : NULL;
		return err ? err : rtype ? type_interface(tp, rtype, word) : NULL;
	}
	case E_FUNC: {
		struct object o;
		uint64_t pc;
		struct cnr_func f;
		if (!locate(tp, word, &o) || o.base != word || is_final(tp, o.id) || !may_type(tp, o.id) ||
		    !cnr_memory_readable_u64(&prog->mem, word, &pc) || !cnr_pclntab_find(prog->pclntab, pc, &f))
			return NULL;
		uint32_t rec;
		struct cnr_error *err = closure_record(tp, &f, &rec);
		return err ? err : assign(tp, &o, rec);
	}
	case E_SWISS_DIR:
		if (!have_aux)
			return NULL;
		// dirLen == 0: a small map, dirPtr is its one group.
		return aux == 0 ? type_target(tp, word, e->target2, false, 0) : type_target(tp, word, e->target, true, 0);
	case E_CHAN_BUF:
		return have_aux && aux ? type_target(tp, word, dwarf_of_rtype(tp, aux), true, 0) : NULL;
	case E_RPTR: {
		struct object o;
		uint32_t rec;
		if (!locate(tp, word, &o) || o.base != word || is_final(tp, o.id) || !may_type(tp, o.id))
			return NULL;
		struct cnr_error *err = rtype_record(tp, e->target, CNR_SHAPE_ONE, &rec);
		return err ? err : assign(tp, &o, rec);
	}
	}
	return NULL;
}

// Follow every pointer word of object id by its record's plan.
// One pointer word to follow, queued so that its target's lookups can be
// prefetched together with hundreds of others (they are cache misses:
// the span, the allocation bit, the object's type).
struct item {
	uint64_t word, at, len;
	const uint8_t *bytes; // the whole object (in the core's mapping)
	uint32_t entry;
};

static struct cnr_error *flush_items(struct typer *tp)
{
	const struct cnr_heap *heap = &tp->hg->heap;
	size_t n = tp->nitems;
	tp->nitems = 0;
	if (heap->page_span) {
		for (size_t i = 0; i < n; i++) {
			uint64_t p = (tp->items[i].word - heap->page_base) / 8192;
			if (tp->items[i].word >= heap->page_base && p < heap->npages)
				__builtin_prefetch(&heap->page_span[p]);
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t p = (tp->items[i].word - heap->page_base) / 8192;
			if (tp->items[i].word >= heap->page_base && p < heap->npages && heap->page_span[p] != UINT32_MAX)
				__builtin_prefetch(&heap->spans[heap->page_span[p]]);
		}
		for (size_t i = 0; i < n; i++) {
			const struct cnr_heap_span *s = cnr_heap_span_of(heap, tp->items[i].word);
			if (!s)
				continue;
			uint64_t slot = cnr_heap_slot_index(s, tp->items[i].word), id = s->first + slot;
			if (slot >= s->nelems)
				continue;
			__builtin_prefetch(&heap->alloc[id / 64]);
			__builtin_prefetch(&tp->ty->final[id / 64]);
			__builtin_prefetch(&tp->ty->of[id]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &tp->items[i];
		struct cnr_error *err = apply_entry(tp, &tp->ty->entries.data[it->entry], it->word, it->at, it->bytes,
						    it->len);
		if (err)
			return err;
	}
	return NULL;
}

// Follow every pointer word of object id by its record's plan.
static struct cnr_error *scan_object(struct typer *tp, uint32_t id, const struct cnr_heap_span *s)
{
	const struct record *r = &tp->ty->records.data[tp->ty->of[id]];
	if (r->plan < 0)
		return NULL;
	const struct plan pl = tp->ty->plans.data[r->plan];
	struct object o = { .id = id, .span = s, .base = s->base + (id - s->first) * s->elemsize, .len = s->elemsize };
	if (tp->hg->header_min && s->sizeclass && !s->noscan && s->elemsize > tp->hg->header_min) {
		o.base += 8;
		o.len -= 8;
	}
	if (!pl.size || pl.size > o.len)
		return NULL;
	uint64_t n = r->t.shape == CNR_SHAPE_ARRAY ? o.len / pl.size : 1;
	const uint8_t *bytes = cnr_memory_ptr(&tp->prog->mem, o.base, o.len);
	bool copied = !bytes;
	struct cnr_error *err;
	if (copied) {
		// Not one piece of the core (or not in it at all): copy it, up to
		// a bound a damaged span cannot push into gigabytes.  The copy is
		// reused by the next object: follow what is queued first.
		if (o.len > MAX_COPY || (err = flush_items(tp)))
			return o.len > MAX_COPY ? NULL : err;
		if (o.len > tp->buf_len) {
			uint8_t *nb = realloc(tp->buf, o.len);
			if (!nb)
				return &cnr_enomem;
			tp->buf = nb;
			tp->buf_len = o.len;
		}
		err = cnr_memory_read(&tp->prog->mem, o.base, tp->buf, o.len);
		if (err) {
			cnr_error_destroy(err); // unreadable: its targets stay untyped
			return NULL;
		}
		bytes = tp->buf;
	}
	for (uint64_t i = 0; i < n; i++) {
		for (uint32_t k = 0; k < pl.n; k++) {
			const struct entry *e = &tp->ty->entries.data[pl.first + k];
			uint64_t at = i * pl.size + e->off, word;
			if (at + 8 > o.len)
				break;
			memcpy(&word, bytes + at, 8);
			if (!word)
				continue;
			tp->items[tp->nitems++] = (struct item){ word, at, o.len, bytes, pl.first + k };
			if (tp->nitems == BATCH && (err = flush_items(tp)))
				return err;
		}
	}
	return copied ? flush_items(tp) : NULL;
}

// Sort ids (radix, two 16-bit passes).
static bool sort_ids(uint32_t *ids, size_t n)
{
	uint32_t *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	size_t *count = malloc(65537 * sizeof(*count));
	if (!tmp || !count) {
		free(tmp);
		free(count);
		return false;
	}
	for (int shift = 0; shift < 32; shift += 16) {
		memset(count, 0, 65537 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(ids[i] >> shift & 0xffff) + 1]++;
		for (size_t b = 0; b < 65536; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[ids[i] >> shift & 0xffff]++] = ids[i];
		memcpy(ids, tmp, n * sizeof(*ids));
	}
	free(tmp);
	free(count);
	return true;
}

// Scan the typed objects wave by wave: each wave in id order, so the
// objects' memory and their spans are visited in address order (a
// breadth-first queue would jump around the whole heap for every object).
static struct cnr_error *propagate(struct typer *tp)
{
	const struct cnr_heap_graph *hg = tp->hg;
	struct cnr_error *err = NULL;
	// Every live object is typed at most once or twice: its slots bound the work.
	struct cnr_progress progress;
	uint64_t done = 0;
	cnr_progress_begin(&progress, tp->prog->ctx, "typing", hg->live_objects ? hg->live_objects : hg->heap.objects);
	while (tp->queue.size && !err) {
		struct id_vector wave = tp->queue;
		memset(&tp->queue, 0, sizeof(tp->queue));
		if (!sort_ids(wave.data, wave.size)) {
			id_vector_deinit(&wave);
			return &cnr_enomem;
		}
		size_t j = 0;
		for (size_t i = 0; i < wave.size && !err; i++) {
			uint32_t id = wave.data[i];
			if (i && id == wave.data[i - 1])
				continue;
			while (j + 1 < hg->heap.nspans && hg->by_id[j + 1]->first <= id)
				j++;
			const struct cnr_heap_span *s = hg->by_id[j];
			if (id >= s->first && id - s->first < s->nelems)
				err = scan_object(tp, id, s);
			cnr_progress_update(&progress, ++done);
		}
		if (!err)
			err = flush_items(tp);
		id_vector_deinit(&wave);
	}
	cnr_progress_end(&progress);
	return err;
}

// --- Seeds -----------------------------------------------------------

static struct cnr_error *index_runtime_types(struct typer *tp)
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
	if (has_prefix(hdr->name, "hash<")) {
		const struct cnr_dwarf_field *b = cnr_dwarf_field(dw, hdr, "buckets");
		return b ? pointee(tp, dtype(tp, b->type_offset)) : 0;
	}
	const struct cnr_dwarf_field *dir = has_prefix(hdr->name, "map<") ? cnr_dwarf_field(dw, hdr, "dirPtr") : NULL;
	const struct cnr_dwarf_type *table = dir ? dtype(tp, pointee(tp, dtype(tp, pointee(tp, dtype(tp, dir->type_offset))))) : NULL;
	const struct cnr_dwarf_field *groups = table ? cnr_dwarf_field(dw, table, "groups") : NULL;
	const struct cnr_dwarf_type *gref = groups ? dtype(tp, groups->type_offset) : NULL;
	const struct cnr_dwarf_field *data = gref ? cnr_dwarf_field(dw, gref, "data") : NULL;
	return data ? pointee(tp, dtype(tp, data->type_offset)) : 0;
}

// The runtime's bucket and group types (map.bucket[K]V, map.group[K]V)
// have no DWARF type of their own: they are DWARF's bucket<K,V> and
// group, found through each map type.  Malloc headers name them.
static struct cnr_error *index_map_internals(struct typer *tp)
{
	size_t n = cnr_dwarf_num_types(tp->prog->dwarf);
	for (size_t i = 0; i < n; i++) {
		const struct cnr_dwarf_type *t = cnr_dwarf_type_nth(tp->prog->dwarf, i);
		if (t->go_kind != CNR_KIND_MAP || !t->go_runtime_type)
			continue;
		const struct cnr_dwarf_type *hdr = dtype(tp, pointee(tp, t));
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
static struct cnr_error *seed_headers(struct typer *tp)
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
			if (s->sizeclass && !cnr_memory_readable_u64(&tp->prog->mem, s->base + slot * s->elemsize, &rtype))
				continue;
			const struct cnr_rtype *rt;
			struct object o;
			if (!rtype || !locate(tp, s->base + slot * s->elemsize + s->elemsize - 1, &o))
				continue;
			struct cnr_error *err = cnr_type_get(hg->heap.types, rtype, &rt);
			if (err) {
				cnr_error_destroy(err);
				continue;
			}
			uint32_t rec;
			enum cnr_obj_shape shape = rt->size && o.len >= 2 * rt->size ? CNR_SHAPE_ARRAY : CNR_SHAPE_ONE;
			if ((err = rtype_record(tp, rtype, shape, &rec)) || (err = assign(tp, &o, rec)))
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
	if (r->kind != CNR_ROOT_STACK || !cnr_memory_readable_u64(&tp->prog->mem, r->slot - 8, &before) || !before)
		return NULL;
	if (dwarf_of_rtype(tp, before)) {
		rtype = before;
	} else {
		struct cnr_error *err = itab_concrete(tp, before, &rtype);
		if (err)
			return err;
	}
	return rtype ? type_interface(tp, rtype, r->value) : NULL;
}

// Apply the plan entry of DWARF type type at offset off to the root r.
static struct cnr_error *seed_root_at(struct typer *tp, const struct cnr_root *r, uint64_t type, uint64_t off,
				      struct entry *entry_ret)
{
	int32_t p;
	struct cnr_error *err = plan_of(tp, type, &p);
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
		return apply_entry(tp, &e, r->value, at, around, sizeof(around));
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

static struct cnr_error *seed_roots(struct typer *tp)
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
		if (!err && e.kind == E_PTR && r->kind == CNR_ROOT_GLOBAL && !locate(tp, r->value, &o)) {
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
		size_t lo = 0, hi = nstatics;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (statics[mid].addr <= r->slot)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && r->slot - statics[lo - 1].addr < statics[lo - 1].size)
			err = seed_root_at(tp, r, statics[lo - 1].type, r->slot - statics[lo - 1].addr, NULL);
	}
	free(statics);
	return err;
}

struct cnr_error *cnr_heap_graph_type_objects(struct cnr_program *prog, struct cnr_heap_graph *hg)
{
	struct cnr_heap_typing *ty = calloc(1, sizeof(*ty));
	if (!ty)
		return &cnr_enomem;
	hg->typing = ty;
	struct typer tp = { .prog = prog, .hg = hg, .ty = ty };
	struct cnr_error *err = NULL;
	ty->of = calloc(hg->heap.nslots ? hg->heap.nslots : 1, sizeof(*ty->of));
	ty->final = calloc(hg->heap.nslots / 64 + 1, sizeof(*ty->final));
	if (!ty->of || !ty->final || !record_vector_push(&ty->records, (struct record){ .plan = -1 }))
		err = &cnr_enomem;
	if (!err && prog->dwarf)
		err = index_runtime_types(&tp);
	if (!err && prog->dwarf)
		err = index_map_internals(&tp);
	if (!err)
		err = seed_headers(&tp);
	if (!err)
		err = seed_roots(&tp);
	if (!err && !(tp.items = malloc(BATCH * sizeof(*tp.items))))
		err = &cnr_enomem;
	if (!err)
		err = propagate(&tp);
	free(tp.items);
	id_vector_deinit(&tp.queue);
	free(tp.buf);
	if (err)
		return err;
	for (uint64_t id = 0; id < hg->heap.nslots; id++) {
		if (!ty->of[id] || !cnr_graph_is_reachable(hg->graph, (uint32_t)id))
			continue;
		hg->typed_live_objects++;
		hg->typed_live_bytes += cnr_graph_size(hg->graph, (uint32_t)id);
	}
	return NULL;
}

void cnr_heap_typing_destroy(struct cnr_heap_typing *ty)
{
	if (!ty)
		return;
	free(ty->of);
	free(ty->final);
	record_vector_deinit(&ty->records);
	entry_vector_deinit(&ty->entries);
	plan_vector_deinit(&ty->plans);
	u64_u32_map_deinit(&ty->plan_of);
	u64_u32_map_deinit(&ty->record_of);
	u64_u64_map_deinit(&ty->dwarf_of);
	u64_u64_map_deinit(&ty->itab_type);
	cnr_string_pool_deinit(&ty->names);
	free(ty);
}

// --- Queries ---------------------------------------------------------

const struct cnr_obj_type *cnr_heap_graph_type(const struct cnr_heap_graph *hg, uint32_t id)
{
	const struct cnr_heap_typing *ty = hg->typing;
	if (!ty || id >= hg->heap.nslots || ty->of[id] == NO_RECORD)
		return NULL;
	return &ty->records.data[ty->of[id]].t;
}

void cnr_heap_graph_type_name(const struct cnr_heap_graph *hg, uint32_t id, char *buf, size_t len)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, id);
	uint64_t addr, size;
	cnr_heap_graph_slot(hg, id, &addr, &size);
	if (!t) {
		snprintf(buf, len, "unknown (%" PRIu64 " bytes)", size);
	} else if (t->shape == CNR_SHAPE_ARRAY && t->elem_size) {
		const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
		if (s && hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min)
			size -= 8;
		snprintf(buf, len, "[%" PRIu64 "]%s", size / t->elem_size, t->name + strlen(ARRAY_PREFIX));
	} else {
		snprintf(buf, len, "%s", t->name);
	}
}

// The offset in object from of the first pointer word into object to.
static bool pointer_into(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t from, uint32_t to,
			 uint64_t *off_ret)
{
	uint64_t faddr, fsize, taddr, tsize;
	cnr_heap_graph_slot(hg, from, &faddr, &fsize);
	cnr_heap_graph_slot(hg, to, &taddr, &tsize);
	const uint8_t *bytes = cnr_memory_ptr(&prog->mem, faddr, fsize);
	for (uint64_t off = 0; off + 8 <= fsize; off += 8) {
		uint64_t v;
		if (bytes)
			memcpy(&v, bytes + off, 8);
		else if (!cnr_memory_readable_u64(&prog->mem, faddr + off, &v))
			continue;
		if (v >= taddr && v - taddr < tsize) {
			*off_ret = off;
			return true;
		}
	}
	return false;
}

// A map key as Go would print it, from the key's DWARF type.
static void format_key(struct cnr_program *prog, const struct cnr_dwarf_type *kt, uint64_t addr, char *buf, size_t len)
{
	enum { MAX_KEY = 48 };
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(prog->dwarf, kt);
	uint8_t kind = go_kind(prog->dwarf, kt);
	uint64_t v = 0;
	if (kind == CNR_KIND_STRING) {
		uint64_t hdr[2];
		char raw[MAX_KEY];
		if (cnr_memory_readable(&prog->mem, addr, hdr, sizeof(hdr))) {
			size_t n = hdr[1] < MAX_KEY ? (size_t)hdr[1] : MAX_KEY;
			if (cnr_memory_readable(&prog->mem, hdr[0], raw, n)) {
				size_t o = 0;
				o += (size_t)snprintf(buf, len, "\"");
				for (size_t i = 0; i < n && o + 6 < len; i++) {
					unsigned char c = (unsigned char)raw[i];
					o += (size_t)snprintf(buf + o, len - o, c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? "%c" : "\\x%02x", c);
				}
				snprintf(buf + o, len - o, "%s\"", hdr[1] > n ? "…" : "");
				return;
			}
		}
	} else if (kind >= 2 && kind <= 12 && s && s->has_size && s->size <= 8 &&
		   cnr_memory_readable(&prog->mem, addr, &v, (size_t)s->size)) {
		// reflect.Int..Uintptr: signed up to Int64 (6).
		if (kind <= 6 && s->size < 8 && (v >> (8 * s->size - 1) & 1))
			v |= ~0ULL << (8 * s->size);
		snprintf(buf, len, kind <= 6 ? "%" PRId64 : "%" PRIu64, v);
		return;
	}
	snprintf(buf, len, "…");
}

// Rewrite a hop through a map's buckets or groups as map[key]: path is
// the field path inside one bucket (".values[3]...") or group
// (".slots[3].elem..."), base the bucket's address.
static bool map_hop(struct cnr_program *prog, const struct cnr_dwarf_type *bucket, uint64_t base, const char *path,
		    char *buf, size_t len)
{
	const struct cnr_dwarf *dw = prog->dwarf;
	unsigned j;
	int n = 0;
	char key[96];
	if (has_prefix(bucket->name, "bucket<") && (sscanf(path, ".values[%u]%n", &j, &n) == 1 ||
						    sscanf(path, ".keys[%u]%n", &j, &n) == 1)) {
		const struct cnr_dwarf_field *keys = cnr_dwarf_field(dw, bucket, "keys");
		const struct cnr_dwarf_type *kat = keys ? cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, keys->type_offset)) : NULL;
		const struct cnr_dwarf_type *kt = kat ? cnr_dwarf_type_at(dw, kat->type_offset) : NULL;
		if (!kt)
			return false;
		uint64_t ksz = cnr_dwarf_type_size(dw, kt), kaddr = base + keys->offset + j * ksz;
		uint64_t indirect;
		if (cnr_dwarf_type_strip(dw, kt)->tag == TAG_POINTER) { // keys over 128 bytes are stored indirectly
			if (!cnr_memory_readable_u64(&prog->mem, kaddr, &indirect))
				return false;
			kaddr = indirect;
			kt = cnr_dwarf_type_at(dw, cnr_dwarf_type_strip(dw, kt)->type_offset);
		}
		format_key(prog, kt, kaddr, key, sizeof(key));
		snprintf(buf, len, path[1] == 'k' ? "map key %s" : "map[%s]", key);
		return true;
	}
	if (has_prefix(bucket->name, "noalg.map.group[") && sscanf(path, ".slots[%u]%n", &j, &n) == 1) {
		const struct cnr_dwarf_field *slots = cnr_dwarf_field(dw, bucket, "slots");
		const struct cnr_dwarf_type *sat = slots ? cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, slots->type_offset)) : NULL;
		const struct cnr_dwarf_type *st = sat ? cnr_dwarf_type_at(dw, sat->type_offset) : NULL;
		const struct cnr_dwarf_field *kf = st ? cnr_dwarf_field(dw, st, "key") : NULL;
		if (!kf)
			return false;
		uint64_t kaddr = base + slots->offset + j * cnr_dwarf_type_size(dw, st) + kf->offset, indirect;
		const struct cnr_dwarf_type *kt = cnr_dwarf_type_at(dw, kf->type_offset);
		if (kt && cnr_dwarf_type_strip(dw, kt)->tag == TAG_POINTER) {
			if (!cnr_memory_readable_u64(&prog->mem, kaddr, &indirect))
				return false;
			kaddr = indirect;
			kt = cnr_dwarf_type_at(dw, cnr_dwarf_type_strip(dw, kt)->type_offset);
		}
		format_key(prog, kt, kaddr, key, sizeof(key));
		snprintf(buf, len, has_prefix(path + n, ".key") ? "map key %s" : "map[%s]", key);
		return true;
	}
	return false;
}

void cnr_heap_graph_edge_label(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t from, uint32_t to,
			       char *buf, size_t len)
{
	uint64_t off;
	if (!len)
		return;
	if (!pointer_into(prog, hg, from, to, &off)) {
		snprintf(buf, len, "?");
		return;
	}
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, from);
	uint64_t faddr, fsize;
	cnr_heap_graph_slot(hg, from, &faddr, &fsize);
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, faddr);
	uint64_t header = s && hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min ? 8 : 0;
	const struct cnr_dwarf_type *dt = t && t->dwarf && prog->dwarf ? cnr_dwarf_type_at(prog->dwarf, t->dwarf) : NULL;
	if (!dt || !t->elem_size || off < header) {
		snprintf(buf, len, "+0x%" PRIx64, off);
		return;
	}
	uint64_t voff = off - header, elem = t->shape == CNR_SHAPE_ARRAY ? voff / t->elem_size : 0;
	uint64_t inner = t->shape == CNR_SHAPE_ARRAY ? voff % t->elem_size : voff;
	char path[256];
	cnr_dwarf_field_path(prog->dwarf, dt, inner, path, sizeof(path));
	const struct cnr_dwarf_type *ds = cnr_dwarf_type_strip(prog->dwarf, dt);
	if (ds && map_hop(prog, ds, faddr + header + elem * t->elem_size, path, buf, len))
		return;
	if (t->shape == CNR_SHAPE_ARRAY)
		snprintf(buf, len, "[%" PRIu64 "]%s", elem, path);
	else
		snprintf(buf, len, "%s", path[0] ? path : "+0");
}
