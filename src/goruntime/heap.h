// The heap: every in-use span of mheap_.allspans and every allocated
// object in it (slot n is allocated iff n < freeindex or allocBits bit n
// is set: runtime/mbitmap.go isFree), with the type the runtime itself
// recorded where it records one (malloc headers and mspan.largeType, Go
// 1.22+).  Untyped objects are grouped by size class.
#ifndef CNR_GORUNTIME_HEAP_H
#define CNR_GORUNTIME_HEAP_H

#include "goruntime/types.h"

struct cnr_program;

enum cnr_heap_group_kind {
	CNR_GROUP_TYPED,        // type from a malloc header or largeType
	CNR_GROUP_SIZE_CLASS,   // small object, no recorded type
	CNR_GROUP_TINY,         // tiny-allocator blocks (several objects each)
	CNR_GROUP_LARGE,        // large object, no recorded type
	CNR_GROUP_NO_TYPE_YET,  // header or largeType still nil (being allocated)
};

struct cnr_heap_group {
	enum cnr_heap_group_kind kind;
	const struct cnr_rtype *type; // CNR_GROUP_TYPED
	uint32_t elemsize;            // slot size for untyped groups
	bool noscan;
	uint64_t objects, bytes;
};

struct cnr_heap {
	uint64_t objects, bytes;         // allocated objects and their slot bytes
	uint64_t spans_in_use, span_bytes_in_use;
	uint64_t spans_manual, manual_bytes; // stacks and other runtime-managed spans
	uint64_t spans_bad;              // skipped with a warning
	uint64_t typed_objects, typed_bytes;
	struct cnr_heap_group *groups;
	size_t ngroups;
	struct cnr_type_cache *types;
};

struct cnr_error *cnr_heap_read(struct cnr_program *prog, struct cnr_heap *ret);
void cnr_heap_deinit(struct cnr_heap *heap);

#endif
