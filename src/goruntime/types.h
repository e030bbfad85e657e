// Runtime type descriptors (runtime._type / internal/abi.Type) decoded from
// the target: size, pointer bytes, kind, flags and the name as Go spells
// it (%T).  Decoded once per address; later lookups are a hash probe.
#ifndef CNR_GORUNTIME_TYPES_H
#define CNR_GORUNTIME_TYPES_H

#include "cnr_internal.h"

struct cnr_program;

// reflect.Kind (internal/abi/type.go; runtime/typekind.go 1.19).
enum cnr_go_kind {
	CNR_KIND_BOOL = 1, CNR_KIND_INT = 2, CNR_KIND_INT8 = 3, CNR_KIND_INT16 = 4, CNR_KIND_INT32 = 5,
	CNR_KIND_INT64 = 6, CNR_KIND_UINT = 7, CNR_KIND_UINT8 = 8, CNR_KIND_UINT16 = 9, CNR_KIND_UINT32 = 10,
	CNR_KIND_UINT64 = 11, CNR_KIND_UINTPTR = 12, CNR_KIND_FLOAT32 = 13, CNR_KIND_FLOAT64 = 14,
	CNR_KIND_COMPLEX64 = 15, CNR_KIND_COMPLEX128 = 16,
	CNR_KIND_ARRAY = 17, CNR_KIND_CHAN = 18, CNR_KIND_FUNC = 19, CNR_KIND_INTERFACE = 20,
	CNR_KIND_MAP = 21, CNR_KIND_POINTER = 22, CNR_KIND_SLICE = 23, CNR_KIND_STRING = 24,
	CNR_KIND_STRUCT = 25, CNR_KIND_UNSAFE_POINTER = 26,
};

struct cnr_rtype {
	uint64_t addr;
	uint64_t size, ptrdata;
	uint8_t kind; // reflect.Kind, flag bits removed
	uint8_t kind_raw; // Kind_ as stored (KindGCProg and KindDirectIface up to 1.25)
	uint8_t tflag;
	uint64_t gcdata;
	const char *name;
};

// A field of a struct type (internal/abi.StructField).
struct cnr_rfield {
	const char *name;
	const struct cnr_rtype *type;
	uint64_t offset;
};

// The uncommon part of a named type or one with methods.
struct cnr_uncommon {
	const char *pkgpath;
	uint16_t mcount, xcount; // methods, exported methods
	const char *const *methods; // mcount names, valid as long as the cache
};

struct cnr_type_cache;

struct cnr_error *cnr_type_cache_create(struct cnr_program *prog, struct cnr_type_cache **ret);
void cnr_type_cache_destroy(struct cnr_type_cache *tc);
// The type at addr; *ret lives as long as the cache.
struct cnr_error *cnr_type_get(struct cnr_type_cache *tc, uint64_t addr, const struct cnr_rtype **ret);

// The pointer mask of t: bit i (byte i/8, LSB first) says whether word i of
// a value of t holds a pointer, for i < ptrdata/8.  From GCData, a GC
// program (up to 1.23), the mask the runtime built on demand, or built here
// from the type's structure the way runtime.buildGCMask does (1.24+).
// *mask_ret lives as long as the cache; *nwords_ret = ptrdata/8.
struct cnr_error *cnr_type_ptrmask(struct cnr_type_cache *tc, const struct cnr_rtype *t, const uint8_t **mask_ret,
				   uint64_t *nwords_ret);

// The element type of a pointer, slice, array, channel or map (the map's
// value type); the key type of a map.
struct cnr_error *cnr_type_elem(struct cnr_type_cache *tc, const struct cnr_rtype *t, const struct cnr_rtype **ret);
struct cnr_error *cnr_type_key(struct cnr_type_cache *tc, const struct cnr_rtype *t, const struct cnr_rtype **ret);
// An array type's length.
struct cnr_error *cnr_type_array_len(struct cnr_type_cache *tc, const struct cnr_rtype *t, uint64_t *ret);
// The fields of a struct type; *ret lives as long as the cache.
struct cnr_error *cnr_type_fields(struct cnr_type_cache *tc, const struct cnr_rtype *t, const struct cnr_rfield **ret,
				  size_t *n_ret);
// The uncommon type (package path, method set), if t has one (TFlagUncommon);
// NOT_FOUND otherwise.
struct cnr_error *cnr_type_uncommon(struct cnr_type_cache *tc, const struct cnr_rtype *t, struct cnr_uncommon *ret);
// An itab: its interface type and the concrete type it holds.
struct cnr_error *cnr_itab_types(struct cnr_type_cache *tc, uint64_t itab, const struct cnr_rtype **iface_ret,
				 const struct cnr_rtype **concrete_ret);

// reflect.Kind's name as reflect spells it ("ptr", "unsafe.Pointer"), "?" past the last.
const char *cnr_kind_name(unsigned kind);

// A type as `coroner type` shows it: the descriptor, where its pointer
// words are, and what applies to its kind (element, key, fields,
// package and methods; the rest NULL or empty).  Valid as long as tc.
struct cnr_type_description {
	const struct cnr_rtype *type;
	const uint8_t *mask; // pointer bit per word of the first ptrdata bytes
	uint64_t nwords, pointer_words;
	const struct cnr_rtype *elem, *key;
	const struct cnr_rfield *fields;
	size_t nfields;
	bool has_uncommon;
	struct cnr_uncommon uncommon;
};

struct cnr_error *cnr_type_describe(struct cnr_type_cache *tc, uint64_t addr, struct cnr_type_description *ret);

#endif
