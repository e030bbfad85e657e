// The heap graph build: one node per heap slot in slot-id order, the
// edges from every allocated object's pointer words (the heap's own pointer
// bits for each release; scanned on cnr_ctx_jobs() threads, in chunks of
// spans merged in span order, so the graph is the same for any number),
// the named roots, then reachability and retained sizes.  The typing is built over the finished graph by its caller
// (goruntime/typing.h).
#include "goruntime/heap_graph.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "util/hash_map.h"
#include "util/memory_budget.h"
#include "util/parallel.h"
#include "util/vector.h"

enum {
	PAGE = 8192,
	ARENA_SHIFT = CNR_ARENA_SHIFT,            // runtime/malloc.go logHeapArenaBytes (linux/amd64, linux/arm64)
	ARENA_WORDS = (1 << ARENA_SHIFT) / 8,
	MAX_OBJECT_WORDS = 1 << 27,          // a 1 GiB object: past that, corrupt
	CHUNK_WORDS = 1 << 21,               // big objects are scanned 16 MiB at a time
	PENDING = 1024,                      // pointer words resolved together
	SCAN_CHUNK = 64,                     // spans per chunk of the parallel scan
	MAX_WARNINGS = 16,                   // unreadable objects said, the rest counted
	// Peak own memory (RssAnon) of the hungriest command, `report`, per
	// heap slot, measured by bench/bench-table on bench/bigmap (README,
	// "Speed"): the graph, its dominators, the typing and the report's
	// trees, with bigmap's ~2.3 pointers per object.
	BYTES_PER_SLOT = 72,
};

DEFINE_VECTOR(u32_vector, uint32_t)
DEFINE_HASH_MAP(arena_map, uint64_t, uint8_t *, cnr_hash_u64, cnr_eq_u64)

// What every thread of the scan reads; written only before and after it
// (and at commits, which run one at a time).
struct builder {
	struct cnr_program *prog;
	struct cnr_heap_graph *hg;
	enum cnr_heap_bits bits;
	struct cnr_go_inline_marks inline_marks;
	uint64_t header_min;
	uint64_t arenas_l2;         // mheap_.arenas[0]
	uint64_t arena_base;        // runtime.arenaBaseOffset: differs by architecture
	uint64_t ha_bitmap, bitmap_bytes; // heapArena.bitmap (1.19-1.21), all read before the scan
	struct arena_map arena_bitmaps;
	pthread_mutex_t types_lock; // the type cache fills as it is asked
	unsigned warnings;
	struct cnr_graph_builder *gb;
	const struct cnr_heap_span **by_id;
	struct cnr_progress progress;
	struct scanner *scanners;   // one per thread
	struct chunk_edges *chunks; // one per result slot (cnr_parallel_slots)
	size_t nslots;
};

// The edges one chunk of spans found, in order, for the commit: runs of
// (source, count) over dsts, and the objects that could not be read.
struct chunk_edges {
	struct u32_vector srcs, counts, dsts;
	struct cnr_error *failed[MAX_WARNINGS];
	uint64_t nfailed;
};

// One thread's buffers.
struct scanner {
	struct builder *b;
	uint8_t *words;             // object contents
	uint8_t *mask;              // pointer bits of the object, one per word
	struct u32_vector targets;
	struct chunk_edges *out;    // the chunk being scanned
	struct pending {
		uint64_t value; // a pointer word
		uint32_t src;   // of this object
	} *pending;
	size_t npending;
	uint64_t last_arena;        // arena_bitmap's last answer
	const uint8_t *last_bitmap;
};

// Read the heapArena bitmap of the arena holding addr (1.19-1.21) once,
// before the scan: the threads only look it up (arena_bitmap).
static void read_arena_bitmap(struct builder *b, uint64_t addr)
{
	uint64_t ai = (addr - b->arena_base) >> ARENA_SHIFT; // runtime/mheap.go arenaIndex
	if (arena_map_get(&b->arena_bitmaps, ai))
		return;
	uint64_t ha = 0;
	uint8_t *bm = NULL;
	struct cnr_error *err = cnr_memory_read_u64(&b->prog->mem, b->arenas_l2 + 8 * ai, &ha);
	if (!err && ha) {
		bm = malloc(b->bitmap_bytes);
		if (bm && (err = cnr_memory_read(&b->prog->mem, ha + b->ha_bitmap, bm, b->bitmap_bytes))) {
			free(bm);
			bm = NULL;
		}
	}
	if (err)
		cnr_warn_error(b->prog->ctx, cnr_error_wrap(err, "cannot read the heap bitmap of arena %" PRIu64, ai));
	bool inserted;
	uint8_t **slot = arena_map_insert(&b->arena_bitmaps, ai, &inserted);
	if (slot)
		*slot = bm;
	else
		free(bm);
}

// The arenas of every allocated object that has pointers, in node order.
static void read_arena_bitmaps(struct builder *b)
{
	const struct cnr_heap *heap = &b->hg->heap;
	for (size_t i = 0; i < heap->nspans; i++) {
		const struct cnr_heap_span *s = b->by_id[i];
		uint64_t last = UINT64_MAX;
		for (uint64_t slot = 0; slot < s->nelems && !s->noscan; slot++) {
			if (!cnr_heap_allocated(heap, s->first + slot))
				continue;
			uint64_t obj = s->base + slot * s->elemsize, end = obj + s->elemsize - 1;
			if (s->elemsize > 8 * (uint64_t)MAX_OBJECT_WORDS)
				end = obj; // corrupt: object_edges refuses it
			for (uint64_t ai = (obj - b->arena_base) >> ARENA_SHIFT; ai <= (end - b->arena_base) >> ARENA_SHIFT;
			     ai++) {
				if (ai == last)
					continue;
				last = ai;
				read_arena_bitmap(b, b->arena_base + (ai << ARENA_SHIFT));
			}
		}
	}
}

// The heapArena bitmap of the arena holding addr, or NULL.
static const uint8_t *arena_bitmap(struct scanner *sc, uint64_t addr)
{
	struct builder *b = sc->b;
	uint64_t ai = (addr - b->arena_base) >> ARENA_SHIFT;
	if (ai != sc->last_arena) {
		uint8_t **cached = arena_map_get(&b->arena_bitmaps, ai);
		sc->last_arena = ai;
		sc->last_bitmap = cached ? *cached : NULL;
	}
	return sc->last_bitmap;
}

// Tile type t's pointer mask, repeated from the object's word 0 (the
// runtime's layout for headed and large objects: runtime/mbitmap.go
// typePointers), over the object's words [first, first + n).
static struct cnr_error *tile_type(struct scanner *sc, uint64_t type, uint64_t first, uint64_t n)
{
	struct builder *b = sc->b;
	const struct cnr_rtype *t;
	const uint8_t *tm = NULL;
	uint64_t tw = 0;
	pthread_mutex_lock(&b->types_lock);
	struct cnr_error *err = cnr_type_get(b->hg->heap.types, type, &t);
	if (!err)
		err = cnr_type_ptrmask(b->hg->heap.types, t, &tm, &tw);
	pthread_mutex_unlock(&b->types_lock);
	if (err)
		return err;
	uint64_t stride = t->size / 8;
	if (!stride || !tw)
		return NULL;
	for (uint64_t w = 0, k = first % stride; w < n; w++) {
		sc->mask[w] = k < tw ? tm[k / 8] >> (k % 8) & 1 : 0;
		if (++k == stride)
			k = 0;
	}
	return NULL;
}

// Fill b->mask[0..n) for words [first, first + n) of the object at obj.
static struct cnr_error *pointer_bits(struct scanner *sc, const struct cnr_heap_span *s, uint64_t slot, uint64_t obj,
				      uint64_t first, uint64_t n)
{
	struct builder *b = sc->b;
	struct cnr_program *prog = b->prog;
	memset(sc->mask, 0, n);
	if (s->noscan)
		return NULL;
	if (b->bits != CNR_HEAP_BITS_SPAN) {
		for (uint64_t w = 0; w < n; w++) {
			uint64_t a = obj + 8 * (first + w);
			const uint8_t *bm = arena_bitmap(sc, a);
			if (!bm)
				return NULL;
			if (b->bits == CNR_HEAP_BITS_ARENA_1BIT) {
				// runtime/mbitmap.go (1.21): one bit per word, uintptr-sized words.
				uint64_t i = (a / 8) % ARENA_WORDS;
				sc->mask[w] = bm[i / 8] >> (i % 8) & 1;
			} else {
				// runtime/mbitmap.go (1.19): 2 bits per word; the pointer bit
				// of word a is bit (a/8)&3 of byte (a/32) % bitmap bytes.
				uint64_t i = (a / 32) % b->bitmap_bytes;
				sc->mask[w] = bm[i] >> ((a / 8) & 3) & 1;
			}
		}
		return NULL;
	}
	if (s->sizeclass == 0)
		return s->largetype ? tile_type(sc, s->largetype, first, n) : NULL;
	if (s->elemsize > b->header_min) {
		// The slot's first word is the type; obj is one word in.
		uint64_t type;
		struct cnr_error *err = cnr_memory_read_u64(&prog->mem, obj - 8, &type);
		if (err || !type)
			return err;
		return tile_type(sc, type, first, n);
	}
	// runtime/mbitmap.go spanHeapBitsRange: the bitmap sits at the span's
	// end, below Green Tea's inline mark bits (cnr_go_span_inline_marks).
	uint64_t span_size = s->limit - s->base;
	uint64_t bits_base = s->base + span_size - span_size / 64;
	if (s->elemsize >= b->inline_marks.min_elemsize)
		bits_base -= b->inline_marks.bytes;
	// Objects here are at most 512 bytes: one chunk, first == 0.
	uint64_t bit0 = slot * s->elemsize / 8;
	uint8_t buf[512 / 8 / 8 + 2];
	uint64_t nbytes = (bit0 % 8 + n + 7) / 8;
	if (first || nbytes > sizeof(buf))
		return cnr_error_corrupt("span at 0x%" PRIx64 ": %" PRIu64 "-byte objects in a span-end bitmap", s->base,
					 s->elemsize);
	struct cnr_error *err = cnr_memory_read(&prog->mem, bits_base + bit0 / 8, buf, nbytes);
	if (err)
		return err;
	for (uint64_t w = 0; w < n; w++) {
		uint64_t bit = bit0 % 8 + w;
		sc->mask[w] = buf[bit / 8] >> (bit % 8) & 1;
	}
	return NULL;
}

// Resolve the pending pointer words to objects and add the edges to the
// chunk's, in order.  The lookups are cache misses (page table, span,
// allocation bit): prefetched for the whole batch first, they overlap.
static struct cnr_error *flush_pending(struct scanner *b)
{
	const struct cnr_heap *heap = &b->b->hg->heap;
	size_t n = b->npending;
	b->npending = 0;
	if (heap->page_span) {
		for (size_t i = 0; i < n; i++) {
			uint64_t v = b->pending[i].value, p = (v - heap->page_base) / 8192;
			if (v >= heap->page_base && p < heap->npages)
				__builtin_prefetch(&heap->page_span[p]);
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t v = b->pending[i].value, p = (v - heap->page_base) / 8192;
			if (v >= heap->page_base && p < heap->npages && heap->page_span[p] != UINT32_MAX)
				__builtin_prefetch(&heap->spans[heap->page_span[p]]);
		}
		for (size_t i = 0; i < n; i++) {
			const struct cnr_heap_span *s = cnr_heap_span_of(heap, b->pending[i].value);
			if (s)
				__builtin_prefetch(&heap->alloc[(s->first + cnr_heap_slot_index(s, b->pending[i].value)) / 64]);
		}
	}
	for (size_t i = 0; i < n;) {
		uint32_t src = b->pending[i].src;
		b->targets.size = 0;
		for (; i < n && b->pending[i].src == src; i++) {
			uint64_t to = cnr_heap_graph_object(b->b->hg, b->pending[i].value);
			if (to != UINT64_MAX && !u32_vector_push(&b->targets, (uint32_t)to))
				return &cnr_enomem;
		}
		if (b->targets.size) {
			struct chunk_edges *out = b->out;
			if (!u32_vector_push(&out->srcs, src) || !u32_vector_push(&out->counts, (uint32_t)b->targets.size) ||
			    !u32_vector_reserve(&out->dsts, out->dsts.size + b->targets.size))
				return &cnr_enomem;
			memcpy(out->dsts.data + out->dsts.size, b->targets.data, b->targets.size * sizeof(uint32_t));
			out->dsts.size += b->targets.size;
		}
	}
	return NULL;
}

// Queue the pointer words of object id (slot of span s) for flush_pending.
static struct cnr_error *object_edges(struct scanner *b, const struct cnr_heap_span *s, uint64_t slot, uint32_t id)
{
	struct cnr_program *prog = b->b->prog;
	uint64_t obj = s->base + slot * s->elemsize, n = s->elemsize / 8;
	if (b->b->bits == CNR_HEAP_BITS_SPAN && s->sizeclass != 0 && s->elemsize > b->b->header_min && !s->noscan) {
		obj += 8;
		n--;
	}
	if (n > MAX_OBJECT_WORDS)
		return cnr_error_corrupt("object at 0x%" PRIx64 " claims %" PRIu64 " words", obj, n);
	// Big objects (a slice of millions of pointers) in chunks, so the
	// buffers stay small.
	for (uint64_t first = 0; first < n && !s->noscan; first += CHUNK_WORDS) {
		uint64_t m = n - first < CHUNK_WORDS ? n - first : CHUNK_WORDS;
		struct cnr_error *err = pointer_bits(b, s, slot, obj, first, m);
		if (!err)
			err = cnr_memory_read(&prog->mem, obj + 8 * first, b->words, m * 8);
		if (err) {
			// Said at the commit, in order.
			struct chunk_edges *out = b->out;
			if (out->nfailed < MAX_WARNINGS)
				out->failed[out->nfailed] = cnr_error_wrap(err, "object at 0x%" PRIx64, obj);
			else
				cnr_error_destroy(err);
			out->nfailed++;
			break;
		}
		for (uint64_t w = 0; w < m; w++) {
			uint64_t v;
			memcpy(&v, b->words + 8 * w, 8);
			if (!b->mask[w] || !v)
				continue;
			b->pending[b->npending++] = (struct pending){ v, id };
			if (b->npending == PENDING && (err = flush_pending(b)))
				return err;
		}
	}
	return NULL;
}

// Scan spans [begin, end) of the node order (chunk c) into slot c's edges.
static struct cnr_error *scan_chunk(void *arg, unsigned worker, size_t c, uint64_t begin, uint64_t end)
{
	struct builder *b = arg;
	struct scanner *sc = &b->scanners[worker];
	const struct cnr_heap *heap = &b->hg->heap;
	sc->out = &b->chunks[c % b->nslots];
	struct cnr_error *err = NULL;
	for (uint64_t i = begin; i < end && !err; i++) {
		const struct cnr_heap_span *s = b->by_id[i];
		for (uint64_t slot = 0; slot < s->nelems && !err; slot++) {
			uint64_t id = s->first + slot;
			if (!cnr_heap_allocated(heap, id))
				continue;
			err = object_edges(sc, s, slot, (uint32_t)id);
		}
	}
	if (!err)
		err = flush_pending(sc);
	return err;
}

// Add chunk c's edges to the graph and say its unreadable objects.
static struct cnr_error *commit_chunk(void *arg, size_t c)
{
	struct builder *b = arg;
	struct chunk_edges *ce = &b->chunks[c % b->nslots];
	struct cnr_error *err = NULL;
	for (size_t r = 0, off = 0; r < ce->srcs.size && !err; off += ce->counts.data[r], r++)
		err = cnr_graph_builder_add_edges(b->gb, ce->srcs.data[r], ce->dsts.data + off, ce->counts.data[r]);
	b->hg->edges += ce->dsts.size;
	for (uint64_t k = 0; k < ce->nfailed; k++) {
		struct cnr_error *f = k < MAX_WARNINGS ? ce->failed[k] : NULL;
		if (k < MAX_WARNINGS)
			ce->failed[k] = NULL;
		if (b->warnings++ < MAX_WARNINGS && f)
			cnr_warn_error(b->prog->ctx, f);
		else
			cnr_error_destroy(f);
	}
	ce->srcs.size = ce->counts.size = ce->dsts.size = 0;
	ce->nfailed = 0;
	uint64_t done = (c + 1) * (uint64_t)SCAN_CHUNK;
	cnr_progress_update(&b->progress, done < b->hg->heap.nspans ? done : b->hg->heap.nspans);
	return err;
}

// Ask for the spans' bytes ahead, in address order (the scan goes in id
// order, which jumps around the file): on a core not in the page cache
// the kernel reads it in large sequential requests instead of one fault
// at a time.  Adjacent spans are asked for together.
static void read_ahead(struct builder *b)
{
	const struct cnr_heap *heap = &b->hg->heap;
	uint64_t lo = 0, hi = 0;
	for (size_t i = 0; i <= heap->nspans; i++) {
		const struct cnr_heap_span *s = i < heap->nspans ? &heap->spans[i] : NULL;
		if (s && s->noscan)
			continue;
		if (s && hi && s->base >= lo && s->base - hi < (1 << 20)) {
			if (s->limit > hi)
				hi = s->limit;
			continue;
		}
		if (hi)
			cnr_memory_willneed(&b->prog->mem, lo, hi - lo);
		if (s) {
			lo = s->base;
			hi = s->limit;
		}
	}
}

// Every allocated object's pointer words (big ones in chunks), on
// cnr_ctx_jobs() threads.
static struct cnr_error *scan_pointers(struct builder *b)
{
	unsigned threads = cnr_ctx_jobs(b->prog->ctx);
	struct cnr_error *err = NULL;
	b->nslots = cnr_parallel_slots(threads);
	b->scanners = calloc(threads, sizeof(*b->scanners));
	b->chunks = calloc(b->nslots, sizeof(*b->chunks));
	if (!b->scanners || !b->chunks)
		err = &cnr_enomem;
	for (unsigned t = 0; t < threads && !err; t++) {
		struct scanner *sc = &b->scanners[t];
		*sc = (struct scanner){ .b = b, .last_arena = UINT64_MAX };
		sc->words = malloc(8 * (size_t)CHUNK_WORDS + 64);
		sc->mask = malloc(CHUNK_WORDS + 64);
		sc->pending = malloc(PENDING * sizeof(*sc->pending));
		if (!sc->words || !sc->mask || !sc->pending)
			err = &cnr_enomem;
	}
	if (!err && b->bits != CNR_HEAP_BITS_SPAN)
		read_arena_bitmaps(b);
	if (!err)
		read_ahead(b);
	pthread_mutex_init(&b->types_lock, NULL);
	cnr_progress_begin(&b->progress, b->prog->ctx, "pointers", b->hg->heap.nspans);
	struct cnr_parallel_stats stats;
	if (!err)
		err = cnr_parallel_for(threads, b->hg->heap.nspans, SCAN_CHUNK, scan_chunk, commit_chunk, b, &stats);
	cnr_progress_end(&b->progress);
	if (!err)
		cnr_parallel_log(b->prog->ctx, "pointers", &stats);
	pthread_mutex_destroy(&b->types_lock);
	for (unsigned t = 0; b->scanners && t < threads; t++) {
		free(b->scanners[t].words);
		free(b->scanners[t].mask);
		free(b->scanners[t].pending);
		u32_vector_deinit(&b->scanners[t].targets);
	}
	for (size_t i = 0; b->chunks && i < b->nslots; i++) {
		struct chunk_edges *ce = &b->chunks[i];
		u32_vector_deinit(&ce->srcs);
		u32_vector_deinit(&ce->counts);
		u32_vector_deinit(&ce->dsts);
		for (uint64_t k = 0; k < ce->nfailed && k < MAX_WARNINGS; k++)
			cnr_error_destroy(ce->failed[k]);
	}
	free(b->scanners);
	free(b->chunks);
	b->scanners = NULL;
	b->chunks = NULL;
	return err;
}

static void format_bytes(uint64_t n, char *buf, size_t size)
{
	if (n >= 1000000000)
		snprintf(buf, size, "%.1f GB", n / 1e9);
	else
		snprintf(buf, size, "%.0f MB", n / 1e6);
}

// Refuse, before allocating the graph, a heap whose analysis would not fit
// in the memory this process may still take (unless --force): better a
// clear message now than the OOM killer halfway.
static struct cnr_error *check_memory(struct cnr_program *prog, uint64_t nslots)
{
	struct cnr_memory_budget budget;
	uint64_t need = nslots * BYTES_PER_SLOT;
	cnr_debug(prog->ctx, "heap: %" PRIu64 " slots; the analysis needs about %" PRIu64 " MB", nslots, need >> 20);
	if (prog->force || !cnr_memory_budget_read(&budget) || need <= budget.available)
		return NULL;
	char needs[32], leaves[32];
	format_bytes(need, needs, sizeof(needs));
	format_bytes(budget.available, leaves, sizeof(leaves));
	return cnr_error_create(CNR_ERROR_NO_MEMORY,
				"the heap has %" PRIu64 " slots (objects and free slots): analysing it needs about %s of "
				"memory (%d bytes a slot), but %s leaves %s; run it where more memory is free, or with "
				"--force to try anyway",
				nslots, needs, BYTES_PER_SLOT, budget.limit, leaves);
}

static int cmp_first(const void *a, const void *b)
{
	const struct cnr_heap_span *x = *(const struct cnr_heap_span *const *)a, *y = *(const struct cnr_heap_span *const *)b;
	return x->first < y->first ? -1 : x->first > y->first;
}

struct cnr_error *cnr_heap_graph_build(struct cnr_program *prog, struct cnr_heap_graph *hg)
{
	memset(hg, 0, sizeof(*hg));
	struct builder b = { .prog = prog, .hg = hg };
	struct cnr_graph_builder *gb = NULL;
	struct cnr_error *err;
	if ((err = cnr_heap_read_spans(prog, &hg->heap)) || (err = cnr_goroutines_read(prog, &hg->gs)) ||
	    (err = cnr_roots_read(prog, &hg->gs, &hg->roots)))
		goto out;
	if (hg->heap.nslots >= UINT32_MAX - 16) {
		err = cnr_error_create(CNR_ERROR_INVALID, "%" PRIu64 " heap slots: more than 32-bit ids hold",
				       hg->heap.nslots);
		goto out;
	}
	if ((err = check_memory(prog, hg->heap.nslots)))
		goto out;
	b.bits = cnr_go_heap_bits(prog->ops, &prog->go_version);
	b.inline_marks = cnr_go_span_inline_marks(prog->ops, &prog->go_version);
	if (b.bits == CNR_HEAP_BITS_SPAN) {
		int64_t min;
		if ((err = cnr_program_constant(prog, "runtime.minSizeForMallocHeader", &min)))
			goto out;
		b.header_min = (uint64_t)min;
		hg->header_min = b.header_min;
	} else {
		uint64_t mheap, arenas_off;
		const struct cnr_dwarf_type *ha = cnr_dwarf_type_by_name(prog->dwarf, "runtime.heapArena");
		const struct cnr_dwarf_field *bm = ha ? cnr_dwarf_field(prog->dwarf, ha, "bitmap") : NULL;
		const struct cnr_dwarf_type *bt = bm ? cnr_dwarf_type_at(prog->dwarf, bm->type_offset) : NULL;
		if (!bm || !bt || !bt->has_size) {
			err = cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no runtime.heapArena.bitmap in the DWARF");
			goto out;
		}
		b.ha_bitmap = bm->offset;
		b.bitmap_bytes = bt->size;
		int64_t base; // 0xffff800000000000 on amd64, 0 on arm64 (runtime/malloc.go)
		if ((err = cnr_program_constant(prog, "runtime.arenaBaseOffsetUintptr", &base)))
			goto out;
		b.arena_base = (uint64_t)base;
		if ((err = cnr_program_global(prog, "runtime.mheap_", &mheap, NULL)) ||
		    (err = cnr_dwarf_offsetof(prog->dwarf, "runtime.mheap", "arenas", &arenas_off)) ||
		    (err = cnr_memory_read_u64(&prog->mem, mheap + arenas_off, &b.arenas_l2)))
			goto out;
	}
	if ((err = cnr_graph_builder_create(&gb)))
		goto out;
	b.gb = gb;
	// Nodes in slot-id order; each span's slots are consecutive ids.
	struct cnr_heap *heap = &hg->heap;
	const struct cnr_heap_span **by_id = malloc((heap->nspans ? heap->nspans : 1) * sizeof(*by_id));
	if (!by_id) {
		err = &cnr_enomem;
		goto out;
	}
	for (size_t i = 0; i < heap->nspans; i++)
		by_id[i] = &heap->spans[i];
	// Spans sorted by first id give slots in node order.
	if (heap->nspans)
		qsort(by_id, heap->nspans, sizeof(*by_id), cmp_first);
	uint64_t next_id = 0;
	for (size_t i = 0; i < heap->nspans && !err; i++) {
		const struct cnr_heap_span *s = by_id[i];
		for (; next_id < s->first + s->nelems && !err; next_id++) {
			bool alloc = next_id >= s->first && cnr_heap_allocated(heap, next_id);
			uint32_t id;
			err = cnr_graph_builder_add_node(gb, alloc ? s->elemsize : 0, &id);
		}
	}
	b.by_id = by_id;
	if (!err)
		err = scan_pointers(&b);
	hg->by_id = by_id;
	// Named roots first: the graph's paths prefer the lowest-numbered root
	// among equally short ones, so a variable's name wins over "slot at
	// sp+N" holding the same object.
	for (int named = 1; named >= 0; named--) {
		for (size_t i = 0; i < hg->roots.n && !err; i++) {
			if (hg->roots.v[i].unnamed == named)
				continue;
			uint64_t to = cnr_heap_graph_object(hg, hg->roots.v[i].value);
			if (to == UINT64_MAX)
				continue;
			hg->roots_in_heap++;
			err = cnr_graph_builder_add_root(gb, (uint32_t)to, (uint32_t)i);
		}
	}
	if (err)
		goto out;
	err = cnr_graph_builder_finish(gb, &hg->graph);
	gb = NULL;
	if (!err)
		cnr_graph_set_ctx(hg->graph, prog->ctx);
	if (!err)
		err = cnr_graph_compute_reachability(hg->graph);
	if (!err)
		err = cnr_graph_compute_retained(hg->graph);
	if (err)
		goto out;
	for (uint64_t id = 0; id < heap->nslots; id++) {
		if (!cnr_heap_allocated(heap, id))
			continue;
		uint64_t size = cnr_graph_size(hg->graph, (uint32_t)id);
		if (cnr_graph_is_reachable(hg->graph, (uint32_t)id)) {
			hg->live_objects++;
			hg->live_bytes += size;
		} else {
			hg->garbage_objects++;
			hg->garbage_bytes += size;
		}
	}
out:
	cnr_graph_builder_destroy(gb);
	if (b.arena_bitmaps.slots) {
		for (size_t i = 0; i <= b.arena_bitmaps.mask; i++) {
			if (b.arena_bitmaps.slots[i].used)
				free(b.arena_bitmaps.slots[i].value);
		}
	}
	arena_map_deinit(&b.arena_bitmaps);
	if (err)
		cnr_heap_graph_deinit(hg);
	return err;
}

void cnr_heap_graph_deinit(struct cnr_heap_graph *hg)
{
	free(hg->by_id);
	cnr_graph_destroy(hg->graph);
	cnr_roots_deinit(&hg->roots);
	cnr_goroutines_deinit(&hg->gs);
	cnr_heap_deinit(&hg->heap);
	memset(hg, 0, sizeof(*hg));
}
