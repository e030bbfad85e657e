// The heap: every in-use span of mheap_.allspans and every allocated
// object in it (slot n is allocated iff n < freeindex or allocBits bit n
// is set: runtime/mbitmap.go isFree), with the type the runtime itself
// recorded where it records one (malloc headers and mspan.largeType, Go
// 1.22+).  Untyped objects are grouped by size class.
#ifndef CNR_GORUNTIME_HEAP_H
#define CNR_GORUNTIME_HEAP_H

#include "goruntime/types.h"

struct cnr_program;

// runtime/malloc.go logHeapArenaBytes (linux/amd64): 64 MiB arenas.
enum { CNR_ARENA_SHIFT = 26 };

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

// An in-use span, for finding objects by address (cnr_heap_read_spans).
// Slot i of the span is object id first + i; objects are the allocated
// slots (bit id of cnr_heap.alloc).
struct cnr_heap_span {
	uint64_t base, limit;   // [base, base + npages*8192)
	uint64_t elemsize;
	uint64_t first;         // id of slot 0
	uint32_t nelems;
	uint8_t sizeclass;      // 0: one large object
	bool noscan;
	uint32_t div_mul;       // runtime/mbitmap.go divMul: slot = offset * div_mul >> 32; 0: divide
	uint64_t largetype;     // mspan.largeType (Go 1.22+), 0 if none
};

// The slot of span s that holds addr (addr in [s->base, s->limit)),
// without a division: lookups by address are the graph's hot path.
static inline uint64_t cnr_heap_slot_index(const struct cnr_heap_span *s, uint64_t addr)
{
	uint64_t off = addr - s->base;
	return s->div_mul ? off * s->div_mul >> 32 : off / s->elemsize;
}

struct cnr_heap {
	uint64_t objects, bytes;         // allocated objects and their slot bytes
	uint64_t spans_in_use, span_bytes_in_use;
	uint64_t spans_manual, manual_bytes; // stacks and other runtime-managed spans
	uint64_t spans_bad;              // skipped with a warning
	uint64_t typed_objects, typed_bytes;
	struct cnr_heap_group *groups;
	size_t ngroups;
	struct cnr_type_cache *types;
	// Filled by cnr_heap_read_spans only: spans sorted by base, and one
	// bit per slot id saying whether it holds an allocated object.
	struct cnr_heap_span *spans;
	size_t nspans;
	uint64_t nslots;
	uint64_t *alloc;
	// Page -> span index over [page_base, page_base + npages*8192), for
	// O(1) lookups when the heap's address range is compact; else NULL.
	uint32_t *page_span;
	uint64_t page_base, npages;
};

struct cnr_error *cnr_heap_read(struct cnr_program *prog, struct cnr_heap *ret);
// The same, also recording every in-use span and which slots are allocated.
struct cnr_error *cnr_heap_read_spans(struct cnr_program *prog, struct cnr_heap *ret);
// The span holding addr, or NULL (needs cnr_heap_read_spans): a page table
// lookup, or a binary search when the heap is spread too thin for one.
const struct cnr_heap_span *cnr_heap_span_search(const struct cnr_heap *heap, uint64_t addr);
static inline const struct cnr_heap_span *cnr_heap_span_of(const struct cnr_heap *heap, uint64_t addr)
{
	if (!heap->page_span)
		return cnr_heap_span_search(heap, addr);
	uint64_t p = (addr - heap->page_base) / 8192;
	if (addr < heap->page_base || p >= heap->npages || heap->page_span[p] == UINT32_MAX)
		return NULL;
	return &heap->spans[heap->page_span[p]];
}
static inline bool cnr_heap_allocated(const struct cnr_heap *heap, uint64_t id)
{
	return heap->alloc[id / 64] >> (id % 64) & 1;
}
void cnr_heap_deinit(struct cnr_heap *heap);

#endif
