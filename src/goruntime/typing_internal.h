// The typing's shared internals (private to the typing_*.c files): plan
// entries, plans, records, the typing itself, the pass state (struct
// typer), and the functions each pass offers the others.
#ifndef CNR_GORUNTIME_TYPING_INTERNAL_H
#define CNR_GORUNTIME_TYPING_INTERNAL_H

#include <string.h>

#include "goruntime/heap_graph.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "util/hash_map.h"
#include "util/string_pool.h"
#include "util/vector.h"

struct cnr_func;
struct cnr_root;

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

// One pointer word to follow, queued so that its target's lookups can be
// prefetched together with hundreds of others (they are cache misses:
// the span, the allocation bit, the object's type).
struct item {
	uint64_t word, at, len;
	const uint8_t *bytes; // the whole object (in the core's mapping)
	uint32_t entry;
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

static inline const struct cnr_dwarf_type *dtype(const struct typer *tp, uint64_t off)
{
	return off ? cnr_dwarf_type_at(tp->prog->dwarf, off) : NULL;
}

static inline uint64_t rtype_addr(const struct typer *tp, const struct cnr_dwarf_type *t)
{
	return t && t->go_runtime_type && tp->ty->types_base ? tp->ty->types_base + t->go_runtime_type : 0;
}

static inline bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

struct object {
	uint32_t id;
	uint64_t base, len; // the value's bytes (after a malloc header)
	const struct cnr_heap_span *span;
};

// Record keys: DWARF type and shape; runtime-only types; closures by pc.
static inline uint64_t key_dwarf(uint64_t off, enum cnr_obj_shape shape) { return off << 2 | shape; }
static inline uint64_t key_rtype(uint64_t rtype, enum cnr_obj_shape shape) { return 1ULL << 63 | rtype << 2 | shape; }
static inline uint64_t key_closure(uint64_t pc) { return 1ULL << 62 | pc << 2; }

// --- typing_plan.c ---
// The pointee of pointer type t (typedefs followed), or 0.
uint64_t typing_pointee(const struct typer *tp, const struct cnr_dwarf_type *t);
// Append the pointer words of a value of t at off.
struct cnr_error *typing_plan_value(struct typer *tp, const struct cnr_dwarf_type *t, uint64_t off, int depth);
// The plan of DWARF type off, built once; -1 if it has no pointers.
struct cnr_error *typing_plan_of(struct typer *tp, uint64_t off, int32_t *ret);
// The DWARF type of runtime type rtype, or 0.
uint64_t typing_dwarf_of_rtype(struct typer *tp, uint64_t rtype);
// Append the pointer words of a value of runtime type rt at off.
struct cnr_error *typing_plan_rtype(struct typer *tp, const struct cnr_rtype *rt, uint64_t off, int depth);

// --- typing_records.c ---
struct cnr_error *typing_new_record(struct typer *tp, uint64_t key, struct record r, const char *name, uint32_t *ret);
// The record of a value (shape ONE) or array (ARRAY) of DWARF type off.
struct cnr_error *typing_dwarf_record(struct typer *tp, uint64_t off, enum cnr_obj_shape shape, uint64_t map_rtype,
				      uint32_t *ret);
struct cnr_error *typing_rtype_record(struct typer *tp, uint64_t rtype, enum cnr_obj_shape shape, uint32_t *ret);
// The record of closures of function f.
struct cnr_error *typing_closure_record(struct typer *tp, const struct cnr_func *f, uint32_t *ret);

// --- typing_propagate.c ---
bool typing_locate(const struct typer *tp, uint64_t addr, struct object *ret);
struct cnr_error *typing_assign(struct typer *tp, const struct object *o, uint32_t rec);
// The concrete type an itab names, cached; 0 if itab is not one.
struct cnr_error *typing_itab_concrete(struct typer *tp, uint64_t itab, uint64_t *ret);
// An interface's data word, whose dynamic type is rtype.
struct cnr_error *typing_type_interface(struct typer *tp, uint64_t rtype, uint64_t data);
// Follow one pointer word of a value.
struct cnr_error *typing_apply_entry(struct typer *tp, const struct entry *e, uint64_t word, uint64_t at,
				     const uint8_t *bytes, uint64_t len);
// Scan the typed objects wave by wave.
struct cnr_error *typing_propagate(struct typer *tp);

// --- typing_seeds.c ---
struct cnr_error *typing_index_runtime_types(struct typer *tp);
// The runtime's bucket and group types, found through each map type.
struct cnr_error *typing_index_map_internals(struct typer *tp);
// The types the runtime wrote down itself (Go 1.22+).
struct cnr_error *typing_seed_headers(struct typer *tp);
struct cnr_error *typing_seed_roots(struct typer *tp);

#endif
