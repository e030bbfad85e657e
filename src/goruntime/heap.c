#include "goruntime/heap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "util/hash_map.h"
#include "util/search.h"
#include "util/vector.h"

enum {
	MAX_SPANS = 1 << 28,
	MAX_MSPAN_SIZE = 512,
	PAGE_SIZE = 8192, // runtime/sizeclasses.go _PageShift = 13 (all versions)
	TINY_SIZE = 16,   // runtime/malloc.go maxTinySize
};

struct span_layout {
	uint64_t start, npages, freeindex, nelems, allocbits, spanclass, state, elemsize, largetype;
	uint64_t freeindex_size, nelems_size;
	bool has_largetype;
	uint64_t size;
};

DEFINE_VECTOR(group_vector, struct cnr_heap_group)
DEFINE_VECTOR(span_vector, struct cnr_heap_span)
DEFINE_VECTOR(word_vector, uint64_t)
DEFINE_HASH_MAP(group_index, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)

struct walker {
	struct cnr_program *prog;
	struct cnr_heap *heap;
	struct span_layout sl;
	int64_t in_use, manual;
	bool headers;
	uint64_t header_min; // objects larger than this carry a header
	struct group_vector groups;
	struct group_index index;
	uint8_t *bits;
	bool record;
	struct span_vector spans;
	struct word_vector alloc;
	uint64_t nslots;
	bool oom;
};

// Record span s and its allocated slots (for the object index).
// runtime/mbitmap.go divMul for slots of elemsize in a span of span_bytes,
// if it gives exactly offset / elemsize there, else 0 (divide).  Go's size
// classes all pass (runtime/mksizeclasses.go); a corrupt elemsize may not.
// The map x -> x * m >> 32 is monotonic, so checking the first and last
// byte of every slot covers every offset.
static uint32_t div_mul(uint64_t elemsize, uint64_t span_bytes)
{
	enum { CACHE = 64, MAX_SPAN = 1 << 20 };
	static _Thread_local struct {
		uint64_t elemsize, span_bytes;
		uint32_t mul;
	} cache[CACHE];
	if (elemsize == 0 || elemsize > 32768 || span_bytes > MAX_SPAN)
		return 0;
	size_t h = (size_t)((elemsize * 31 + span_bytes / 8192) % CACHE);
	if (cache[h].elemsize == elemsize && cache[h].span_bytes == span_bytes)
		return cache[h].mul;
	uint32_t m = (uint32_t)(UINT32_MAX / (uint32_t)elemsize + 1);
	for (uint64_t k = 0, n = span_bytes / elemsize; m && k < n; k++) {
		if ((k * elemsize * m >> 32) != k || ((k * elemsize + elemsize - 1) * m >> 32) != k)
			m = 0;
	}
	cache[h].elemsize = elemsize;
	cache[h].span_bytes = span_bytes;
	cache[h].mul = m;
	return m;
}

static void record_span(struct walker *w, struct cnr_heap_span sp, uint64_t freeindex)
{
	sp.first = w->nslots;
	uint64_t end = w->nslots + sp.nelems;
	if (!word_vector_reserve(&w->alloc, (end + 63) / 64) || !span_vector_push(&w->spans, sp)) {
		w->oom = true;
		return;
	}
	while (w->alloc.size < (end + 63) / 64)
		w->alloc.data[w->alloc.size++] = 0;
	for (uint64_t i = 0; i < sp.nelems; i++) {
		if (i < freeindex || (w->bits[i / 8] & (1u << (i % 8)))) {
			uint64_t id = sp.first + i;
			w->alloc.data[id / 64] |= 1ULL << (id % 64);
		}
	}
	w->nslots = end;
}

static uint64_t field_size(const struct cnr_dwarf *dw, const char *type, const char *field)
{
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, type);
	const struct cnr_dwarf_field *f = t ? cnr_dwarf_field(dw, t, field) : NULL;
	const struct cnr_dwarf_type *ft = f ? cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, f->type_offset)) : NULL;
	return ft && ft->has_size ? ft->size : 0;
}

static struct cnr_error *span_layout_init(const struct cnr_dwarf *dw, struct span_layout *sl)
{
	static const struct {
		const char *path;
		size_t out;
	} f[] = {
		{ "startAddr", offsetof(struct span_layout, start) },
		{ "npages", offsetof(struct span_layout, npages) },
		{ "freeindex", offsetof(struct span_layout, freeindex) },
		{ "nelems", offsetof(struct span_layout, nelems) },
		{ "allocBits", offsetof(struct span_layout, allocbits) },
		{ "spanclass", offsetof(struct span_layout, spanclass) },
		{ "state", offsetof(struct span_layout, state) },
		{ "elemsize", offsetof(struct span_layout, elemsize) },
	};
	for (size_t i = 0; i < CNR_ARRAY_SIZE(f); i++) {
		struct cnr_error *err = cnr_dwarf_offsetof(dw, "runtime.mspan", f[i].path, (uint64_t *)((char *)sl + f[i].out));
		if (err)
			return err;
	}
	struct cnr_error *err = cnr_dwarf_offsetof(dw, "runtime.mspan", "largeType", &sl->largetype);
	sl->has_largetype = !err;
	cnr_error_destroy(err);
	// runtime/mheap.go: freeindex and nelems are uintptr up to 1.21 and
	// uint16 from 1.22; DWARF says which.
	sl->freeindex_size = field_size(dw, "runtime.mspan", "freeindex");
	sl->nelems_size = field_size(dw, "runtime.mspan", "nelems");
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, "runtime.mspan");
	sl->size = t && t->has_size ? t->size : 0;
	if (!sl->size || sl->size > MAX_MSPAN_SIZE || (sl->freeindex_size != 2 && sl->freeindex_size != 8) ||
	    (sl->nelems_size != 2 && sl->nelems_size != 8))
		return cnr_error_corrupt("runtime.mspan layout in the DWARF is not one coroner knows");
	return NULL;
}

static uint64_t uint_at(const uint8_t *p, uint64_t size)
{
	uint64_t v = 0;
	memcpy(&v, p, size);
	return v;
}

static struct cnr_heap_group *group_for(struct walker *w, uint64_t key, struct cnr_heap_group proto)
{
	bool inserted;
	uint32_t *slot = group_index_insert(&w->index, key, &inserted);
	if (!slot)
		return NULL;
	if (inserted) {
		*slot = (uint32_t)w->groups.size;
		if (!group_vector_push(&w->groups, proto))
			return NULL;
	}
	return &w->groups.data[*slot];
}

// Group keys: a type's address, or a tagged key for untyped groups (type
// descriptors are 8-aligned, so low bits 1..7 are free).
static uint64_t untyped_key(enum cnr_heap_group_kind kind, uint32_t elemsize, bool noscan)
{
	return ((uint64_t)elemsize << 8) | ((uint64_t)noscan << 4) | ((uint64_t)kind << 1) | 1;
}

static bool count_untyped(struct walker *w, enum cnr_heap_group_kind kind, uint32_t elemsize, bool noscan,
			  uint64_t n, uint64_t bytes)
{
	struct cnr_heap_group *g = group_for(w, untyped_key(kind, elemsize, noscan),
					     (struct cnr_heap_group){ .kind = kind, .elemsize = elemsize, .noscan = noscan });
	if (!g)
		return false;
	g->objects += n;
	g->bytes += bytes;
	return true;
}

static bool count_typed(struct walker *w, uint64_t type_addr, uint32_t elemsize, uint64_t bytes)
{
	struct cnr_program *prog = w->prog;
	if (!type_addr)
		return count_untyped(w, CNR_GROUP_NO_TYPE_YET, elemsize, false, 1, bytes);
	const struct cnr_rtype *t;
	struct cnr_error *err = cnr_type_get(w->heap->types, type_addr, &t);
	if (err) {
		cnr_warn_error(prog->ctx, err);
		return count_untyped(w, CNR_GROUP_SIZE_CLASS, elemsize, false, 1, bytes);
	}
	struct cnr_heap_group *g = group_for(w, type_addr, (struct cnr_heap_group){ .kind = CNR_GROUP_TYPED, .type = t });
	if (!g)
		return false;
	g->objects++;
	g->bytes += bytes;
	w->heap->typed_objects++;
	w->heap->typed_bytes += bytes;
	return true;
}

static void walk_span(struct walker *w, uint64_t span_addr)
{
	struct cnr_program *prog = w->prog;
	const struct span_layout *sl = &w->sl;
	struct cnr_heap *heap = w->heap;
	uint8_t s[MAX_MSPAN_SIZE];
	struct cnr_error *err = cnr_memory_read(&prog->mem, span_addr, s, sl->size);
	if (err) {
		heap->spans_bad++;
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "cannot read mspan at 0x%" PRIx64, span_addr));
		return;
	}
	uint8_t state = s[sl->state];
	uint64_t base = uint_at(s + sl->start, 8), npages = uint_at(s + sl->npages, 8);
	if (state == w->manual) {
		heap->spans_manual++;
		heap->manual_bytes += npages * PAGE_SIZE;
		return;
	}
	if (state != w->in_use)
		return;
	uint64_t elemsize = uint_at(s + sl->elemsize, 8);
	uint64_t nelems = uint_at(s + sl->nelems, sl->nelems_size);
	uint64_t freeindex = uint_at(s + sl->freeindex, sl->freeindex_size);
	uint8_t spanclass = s[sl->spanclass];
	uint64_t bits_addr = uint_at(s + sl->allocbits, 8);
	if (npages == 0 || npages > (1ULL << 40) / PAGE_SIZE || elemsize == 0 || base % PAGE_SIZE ||
	    nelems > npages * PAGE_SIZE / elemsize || freeindex > nelems) {
		heap->spans_bad++;
		cnr_warn(prog->ctx, "mspan at 0x%" PRIx64 " is corrupt (base 0x%" PRIx64 ", %" PRIu64
			 " pages, elemsize %" PRIu64 ", nelems %" PRIu64 ", freeindex %" PRIu64 "); skipped",
			 span_addr, base, npages, elemsize, nelems, freeindex);
		return;
	}
	heap->spans_in_use++;
	heap->span_bytes_in_use += npages * PAGE_SIZE;
	uint32_t sizeclass = spanclass >> 1;
	bool noscan = spanclass & 1;
	size_t nbytes = (nelems + 7) / 8;
	if (nbytes > PAGE_SIZE * 64) {
		heap->spans_bad++;
		cnr_warn(prog->ctx, "mspan at 0x%" PRIx64 " claims %" PRIu64 " objects; skipped", span_addr, nelems);
		return;
	}
	err = cnr_memory_read(&prog->mem, bits_addr, w->bits, nbytes);
	if (err) {
		heap->spans_bad++;
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "cannot read allocBits of mspan at 0x%" PRIx64, span_addr));
		return;
	}
	if (w->record) {
		struct cnr_heap_span sp = {
			.base = base, .limit = base + npages * PAGE_SIZE, .elemsize = elemsize,
			.nelems = (uint32_t)(sizeclass == 0 ? 1 : nelems), .sizeclass = (uint8_t)sizeclass, .noscan = noscan,
			.div_mul = sizeclass ? div_mul(elemsize, npages * PAGE_SIZE) : 0,
			.largetype = sl->has_largetype ? uint_at(s + sl->largetype, 8) : 0,
		};
		record_span(w, sp, freeindex);
	}
	// Large object: one per span (runtime/mcache.go allocLarge).
	if (sizeclass == 0) {
		if (!(freeindex > 0 || (w->bits[0] & 1)))
			return;
		heap->objects++;
		heap->bytes += elemsize;
		uint64_t lt = 0;
		if (w->headers && sl->has_largetype && !noscan) {
			lt = uint_at(s + sl->largetype, 8);
			count_typed(w, lt, (uint32_t)elemsize, elemsize);
		} else {
			count_untyped(w, CNR_GROUP_LARGE, 0, noscan, 1, elemsize);
		}
		return;
	}
	bool with_header = w->headers && !noscan && elemsize > w->header_min;
	uint64_t n = 0;
	for (uint64_t i = 0; i < nelems; i++) {
		if (i >= freeindex && !(w->bits[i / 8] & (1u << (i % 8))))
			continue;
		n++;
		if (with_header) {
			// runtime/malloc.go mallocgcSmallScanHeader: the first word
			// of the slot is the *_type; the object follows it.
			uint64_t hdr = 0;
			err = cnr_memory_read_u64(&prog->mem, base + i * elemsize, &hdr);
			if (err) {
				cnr_warn_error(prog->ctx, err);
				hdr = 0;
			}
			count_typed(w, hdr, (uint32_t)elemsize, elemsize);
		}
	}
	heap->objects += n;
	heap->bytes += n * elemsize;
	if (!with_header) {
		// runtime/malloc.go: tiny allocations share 16-byte noscan blocks.
		enum cnr_heap_group_kind kind = noscan && elemsize == TINY_SIZE ? CNR_GROUP_TINY : CNR_GROUP_SIZE_CLASS;
		count_untyped(w, kind, (uint32_t)elemsize, noscan, n, n * elemsize);
	}
}

static int cmp_group(const void *a, const void *b)
{
	const struct cnr_heap_group *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->objects != y->objects)
		return x->objects > y->objects ? -1 : 1;
	const char *nx = x->type && x->type->name ? x->type->name : "", *ny = y->type && y->type->name ? y->type->name : "";
	int c = strcmp(nx, ny);
	if (c)
		return c;
	return x->elemsize < y->elemsize ? -1 : x->elemsize > y->elemsize;
}

enum { MAX_PAGE_TABLE = 1 << 24 }; // pages: a 64 MiB table for a 128 GiB range

// Heaps are compact (arenas are contiguous, even with Go 1.26's random
// base): one u32 per page beats a binary search per pointer.
static void build_page_table(struct cnr_heap *heap)
{
	if (!heap->nspans)
		return;
	uint64_t lo = heap->spans[0].base, hi = heap->spans[heap->nspans - 1].limit;
	uint64_t npages = (hi - lo) / PAGE_SIZE;
	if (npages > MAX_PAGE_TABLE || heap->nspans >= UINT32_MAX)
		return;
	uint32_t *t = malloc(npages * sizeof(*t));
	if (!t)
		return; // the binary search still works
	memset(t, 0xff, npages * sizeof(*t));
	for (size_t i = 0; i < heap->nspans; i++) {
		for (uint64_t p = (heap->spans[i].base - lo) / PAGE_SIZE; p < (heap->spans[i].limit - lo) / PAGE_SIZE; p++)
			t[p] = (uint32_t)i;
	}
	heap->page_span = t;
	heap->page_base = lo;
	heap->npages = npages;
}

static int cmp_span(const void *a, const void *b)
{
	const struct cnr_heap_span *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

static struct cnr_error *heap_read(struct cnr_program *prog, struct cnr_heap *heap, bool record)
{
	memset(heap, 0, sizeof(*heap));
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	struct walker w = { .prog = prog, .heap = heap, .record = record };
	uint64_t mheap, allspans_off, hdr[3];
	uint64_t *spans = NULL;
	if ((err = span_layout_init(prog->dwarf, &w.sl)) ||
	    (err = cnr_program_constant(prog, "runtime.mSpanInUse", &w.in_use)) ||
	    (err = cnr_program_constant(prog, "runtime.mSpanManual", &w.manual)) ||
	    (err = cnr_program_global(prog, "runtime.mheap_", &mheap, NULL)) ||
	    (err = cnr_dwarf_offsetof(prog->dwarf, "runtime.mheap", "allspans", &allspans_off)) ||
	    (err = cnr_memory_read(&prog->mem, mheap + allspans_off, hdr, sizeof(hdr))) ||
	    (err = cnr_type_cache_create(prog, &heap->types)))
		goto out;
	w.headers = cnr_go_malloc_headers(prog->ops, &prog->go_version);
	if (w.headers) {
		int64_t min;
		// runtime/mbitmap.go: minSizeForMallocHeader = goarch.PtrSize * ptrBits (512).
		if ((err = cnr_program_constant(prog, "runtime.minSizeForMallocHeader", &min)))
			goto out;
		w.header_min = (uint64_t)min;
	}
	if (hdr[1] > MAX_SPANS || hdr[1] > hdr[2]) {
		err = cnr_error_corrupt("mheap_.allspans claims %" PRIu64 " spans (cap %" PRIu64 ")", hdr[1], hdr[2]);
		goto out;
	}
	spans = malloc(hdr[1] ? hdr[1] * 8 : 1);
	w.bits = malloc(PAGE_SIZE * 64); // nelems <= npages*8192/8 bits; capped below
	if (!spans || !w.bits) {
		err = &cnr_enomem;
		goto out;
	}
	if ((err = cnr_memory_read(&prog->mem, hdr[0], spans, hdr[1] * 8))) {
		err = cnr_error_wrap(err, "cannot read mheap_.allspans");
		goto out;
	}
	for (uint64_t i = 0; i < hdr[1]; i++) {
		if (spans[i])
			walk_span(&w, spans[i]);
	}
	if (w.oom) {
		err = &cnr_enomem;
		goto out;
	}
	if (w.groups.size)
		qsort(w.groups.data, w.groups.size, sizeof(*w.groups.data), cmp_group);
	heap->groups = w.groups.data;
	heap->ngroups = w.groups.size;
	w.groups.data = NULL;
	if (record) {
		// Slot ids were given in allspans order; sorting the spans by
		// address keeps each span's ids, so lookups stay valid.
		if (w.spans.size)
			qsort(w.spans.data, w.spans.size, sizeof(*w.spans.data), cmp_span);
		for (size_t i = 1; i < w.spans.size; i++) {
			if (w.spans.data[i].base < w.spans.data[i - 1].limit) {
				err = cnr_error_corrupt("spans at 0x%" PRIx64 " and 0x%" PRIx64 " overlap",
							w.spans.data[i - 1].base, w.spans.data[i].base);
				goto out;
			}
		}
		heap->spans = w.spans.data;
		heap->nspans = w.spans.size;
		build_page_table(heap);
		heap->alloc = w.alloc.data;
		heap->nslots = w.nslots;
		w.spans.data = NULL;
		w.alloc.data = NULL;
	}
out:
	span_vector_deinit(&w.spans);
	word_vector_deinit(&w.alloc);
	free(spans);
	free(w.bits);
	group_vector_deinit(&w.groups);
	group_index_deinit(&w.index);
	if (err) {
		cnr_type_cache_destroy(heap->types);
		heap->types = NULL;
	}
	return err;
}

struct cnr_error *cnr_heap_read(struct cnr_program *prog, struct cnr_heap *heap)
{
	return heap_read(prog, heap, false);
}

struct cnr_error *cnr_heap_read_spans(struct cnr_program *prog, struct cnr_heap *heap)
{
	return heap_read(prog, heap, true);
}

const struct cnr_heap_span *cnr_heap_span_search(const struct cnr_heap *heap, uint64_t addr)
{
	size_t lo = CNR_PARTITION_POINT(heap->nspans, mid, heap->spans[mid].base <= addr);
	if (lo == 0 || addr >= heap->spans[lo - 1].limit)
		return NULL;
	return &heap->spans[lo - 1];
}

void cnr_heap_deinit(struct cnr_heap *heap)
{
	free(heap->page_span);
	free(heap->spans);
	free(heap->alloc);
	free(heap->groups);
	cnr_type_cache_destroy(heap->types);
	memset(heap, 0, sizeof(*heap));
}
