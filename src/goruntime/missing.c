#include "goruntime/missing.h"

#include <stdlib.h>
#include <string.h>

#include "goruntime/heap_graph.h"
#include "goruntime/program.h"

enum { MAX_SPANS = 1 << 26 };

// Bytes of [start, end) that lie in ranges the file's end cut off.
static uint64_t cut_bytes(struct cnr_memory *mem, uint64_t start, uint64_t end)
{
	uint64_t n = 0;
	for (size_t i = 0; i < mem->nranges; i++) {
		const struct cnr_mem_range *r = &mem->ranges[i];
		if (r->source != CNR_MEM_TRUNCATED || r->end <= start || r->start >= end)
			continue;
		n += (r->end < end ? r->end : end) - (r->start > start ? r->start : start);
	}
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

// mheap_.allspans entries whose mspan the cut removed (wholly or in
// part): their spans' objects are not in the heap walk.
static uint64_t spans_cut(struct cnr_program *prog)
{
	uint64_t mheap, off, hdr[2], n = 0;
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(prog->dwarf, "runtime.mspan");
	uint64_t size = t ? cnr_dwarf_type_size(prog->dwarf, t) : 8;
	struct cnr_error *err = cnr_program_global(prog, "runtime.mheap_", &mheap, NULL);
	if (!err)
		err = cnr_dwarf_offsetof(prog->dwarf, "runtime.mheap", "allspans", &off);
	if (err) {
		cnr_error_destroy(err);
		return 0;
	}
	if (!cnr_memory_readable(&prog->mem, mheap + off, hdr, sizeof(hdr)) || hdr[1] > MAX_SPANS)
		return 0;
	for (uint64_t i = 0; i < hdr[1]; i++) {
		uint64_t s;
		if (cnr_memory_readable_u64(&prog->mem, hdr[0] + 8 * i, &s) && s + size > s &&
		    cut_bytes(&prog->mem, s, s + size))
			n++;
	}
	return n;
}

void cnr_missing_compute(struct cnr_program *prog, const struct cnr_heap_graph *hg, struct cnr_missing *ret)
{
	struct cnr_memory *mem = &prog->mem;
	memset(ret, 0, sizeof(*ret));
	ret->truncated = prog->core->truncated;
	ret->notes_lost = prog->core->notes_truncated;
	if (!ret->truncated)
		return;
	for (size_t i = 0; i < mem->nranges; i++) {
		const struct cnr_mem_range *r = &mem->ranges[i];
		if (r->source != CNR_MEM_TRUNCATED)
			continue;
		if (ret->nranges < CNR_MISSING_SHOWN) {
			ret->ranges[ret->nranges].start = r->start;
			ret->ranges[ret->nranges].end = r->end;
		}
		ret->nranges++;
		ret->bytes += r->end - r->start;
	}
	ret->spans = spans_cut(prog);
	for (size_t i = 0; i < hg->heap.nspans; i++)
		ret->heap_bytes += cut_bytes(mem, hg->heap.spans[i].base, hg->heap.spans[i].limit);
	const struct cnr_goroutines *gs = &hg->gs;
	ret->goids = malloc((gs->ngs ? gs->ngs : 1) * sizeof(*ret->goids));
	for (size_t i = 0; ret->goids && i < gs->ngs; i++) {
		const struct cnr_goroutine *g = &gs->gs[i];
		// Cut off, or running when the registers went with the notes.
		bool unread = g->stack_incomplete && !prog->core->nthreads && !g->nframes;
		if (unread || (g->stack_hi > g->stack_lo && cut_bytes(mem, g->stack_lo, g->stack_hi)))
			ret->goids[ret->ngoids++] = g->goid;
	}
	if (ret->goids)
		qsort(ret->goids, ret->ngoids, sizeof(*ret->goids), cmp_u64);
}

void cnr_missing_deinit(struct cnr_missing *m)
{
	free(m->goids);
	memset(m, 0, sizeof(*m));
}
