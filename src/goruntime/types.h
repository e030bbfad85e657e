// Runtime type descriptors (runtime._type / internal/abi.Type) decoded from
// the target: size, pointer bytes, kind, flags and the name as Go spells
// it (%T).  Decoded once per address; later lookups are a hash probe.
#ifndef CNR_GORUNTIME_TYPES_H
#define CNR_GORUNTIME_TYPES_H

#include "cnr_internal.h"

struct cnr_program;

// reflect.Kind (internal/abi/type.go; runtime/typekind.go 1.19).
enum cnr_go_kind {
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

#endif
