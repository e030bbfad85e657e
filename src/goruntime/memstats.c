#include "goruntime/memstats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"

enum { MAX_PROCS = 1 << 16, MAX_SIZE_CLASSES = 256, MAX_SPAN_CLASSES = 512 };

struct field {
	const char *type, *path;
	uint64_t *out;
	bool optional;
};

static struct cnr_error *resolve(struct cnr_program *prog, const struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cnr_error *err = cnr_dwarf_offsetof(prog->dwarf, f[i].type, f[i].path, f[i].out);
		if (err && f[i].optional) {
			cnr_error_destroy(err);
			*f[i].out = UINT64_MAX;
			continue;
		}
		if (err)
			return err;
	}
	return NULL;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

// The size of each size class (the table cnr_layout_size_class_table finds).
static struct cnr_error *read_class_sizes(struct cnr_program *prog, uint16_t *sizes, size_t *n_ret)
{
	const struct cnr_dwarf_var *v = cnr_layout_size_class_table(prog->dwarf);
	if (!v)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no size class table in the DWARF of '%s'",
					prog->exe->path);
	const struct cnr_dwarf_type *t = cnr_dwarf_type_strip(prog->dwarf, cnr_dwarf_type_at(prog->dwarf, v->type_offset));
	if (!t || !t->count || t->count > MAX_SIZE_CLASSES)
		return cnr_error_corrupt("'%s' is not a size table in the DWARF", v->name);
	*n_ret = t->count;
	return cnr_memory_read(&prog->mem, v->addr + prog->bias, sizes, 2 * t->count);
}

// Add what each P's mcache allocated but has not flushed to the heap
// stats (runtime/mcache.go releaseAll: smallAllocCount[sizeclass] +=
// allocCount - allocCountBeforeCache; tinyAllocCount += tinyAllocs).
static struct cnr_error *add_unflushed(struct cnr_program *prog, uint64_t *small_alloc, size_t nclasses,
				       uint64_t *tiny, struct cnr_memstats *ms)
{
	uint64_t p_mcache, mc_alloc, mc_tiny, s_alloccount, s_before, s_spanclass;
	const struct field f[] = {
		{ "runtime.p", "mcache", &p_mcache, false },
		{ "runtime.mcache", "alloc", &mc_alloc, false },
		{ "runtime.mcache", "tinyAllocs", &mc_tiny, false },
		{ "runtime.mspan", "allocCount", &s_alloccount, false },
		{ "runtime.mspan", "allocCountBeforeCache", &s_before, false },
		{ "runtime.mspan", "spanclass", &s_spanclass, false },
	};
	struct cnr_error *err = resolve(prog, f, CNR_ARRAY_SIZE(f));
	if (err)
		return err;
	uint64_t allp_addr, emptymspan, hdr[3];
	int32_t nprocs;
	uint64_t gomaxprocs_addr;
	if ((err = cnr_program_global(prog, "runtime.allp", &allp_addr, NULL)) ||
	    (err = cnr_program_global(prog, "runtime.emptymspan", &emptymspan, NULL)) ||
	    (err = cnr_program_global(prog, "runtime.gomaxprocs", &gomaxprocs_addr, NULL)) ||
	    (err = cnr_memory_read(&prog->mem, allp_addr, hdr, sizeof(hdr))) ||
	    (err = cnr_memory_read(&prog->mem, gomaxprocs_addr, &nprocs, 4)))
		return err;
	ms->gomaxprocs = nprocs;
	if (hdr[1] > MAX_PROCS)
		return cnr_error_corrupt("runtime.allp at 0x%" PRIx64 " claims %" PRIu64 " Ps", allp_addr, hdr[1]);
	const struct cnr_dwarf_type *mcache = cnr_dwarf_type_by_name(prog->dwarf, "runtime.mcache");
	const struct cnr_dwarf_field *alloc = cnr_dwarf_field(prog->dwarf, mcache, "alloc");
	const struct cnr_dwarf_type *at = cnr_dwarf_type_strip(prog->dwarf, cnr_dwarf_type_at(prog->dwarf, alloc->type_offset));
	uint64_t nspans = at ? at->count : 0;
	if (!nspans || nspans > MAX_SPAN_CLASSES)
		return cnr_error_corrupt("runtime.mcache.alloc has %" PRIu64 " span classes in the DWARF", nspans);
	for (uint64_t i = 0; i < hdr[1]; i++) {
		uint64_t p, mc, tinyallocs;
		if ((err = cnr_memory_read_u64(&prog->mem, hdr[0] + 8 * i, &p)))
			return err;
		if (!p)
			continue;
		if ((err = cnr_memory_read_u64(&prog->mem, p + p_mcache, &mc)))
			return err;
		if (!mc)
			continue;
		if ((err = cnr_memory_read_u64(&prog->mem, mc + mc_tiny, &tinyallocs)))
			return err;
		*tiny += tinyallocs;
		uint64_t spans[MAX_SPAN_CLASSES];
		if ((err = cnr_memory_read(&prog->mem, mc + mc_alloc, spans, 8 * nspans)))
			return err;
		for (uint64_t k = 0; k < nspans; k++) {
			if (!spans[k] || spans[k] == emptymspan)
				continue;
			uint16_t count, before;
			uint8_t spc;
			if ((err = cnr_memory_read(&prog->mem, spans[k] + s_alloccount, &count, 2)) ||
			    (err = cnr_memory_read(&prog->mem, spans[k] + s_before, &before, 2)) ||
			    (err = cnr_memory_read(&prog->mem, spans[k] + s_spanclass, &spc, 1)))
				return err;
			size_t sizeclass = spc >> 1; // runtime/mheap.go: spanClass = sizeclass<<1 | noscan
			if (sizeclass >= nclasses || count < before)
				return cnr_error_corrupt("mcache span at 0x%" PRIx64 " has class %zu, allocCount %u < %u",
							 spans[k], sizeclass, count, before);
			small_alloc[sizeclass] += (uint64_t)(count - before);
			ms->unflushed_objects += (uint64_t)(count - before);
		}
	}
	return NULL;
}

static struct cnr_error *read_i32(struct cnr_program *prog, uint64_t addr, const char *type, const char *path,
				  int32_t *ret)
{
	uint64_t off;
	struct cnr_error *err = cnr_dwarf_offsetof(prog->dwarf, type, path, &off);
	if (!err)
		err = cnr_memory_read(&prog->mem, addr + off, ret, 4);
	return err;
}

// runtime/proc.go gcount: allglen minus free gs (global and per P) minus
// system goroutines.  1.27 counts free lists by gList.size instead of n.
static struct cnr_error *count_goroutines(struct cnr_program *prog, int32_t *ret)
{
	uint64_t allglen_addr, sched, allp_addr, allglen, hdr[3];
	int32_t free_g = 0, ngsys = 0, a, b;
	struct cnr_error *err;
	if ((err = cnr_program_global(prog, "runtime.allglen", &allglen_addr, NULL)) ||
	    (err = cnr_program_global(prog, "runtime.sched", &sched, NULL)) ||
	    (err = cnr_program_global(prog, "runtime.allp", &allp_addr, NULL)) ||
	    (err = cnr_memory_read_u64(&prog->mem, allglen_addr, &allglen)) ||
	    (err = cnr_memory_read(&prog->mem, allp_addr, hdr, sizeof(hdr))) ||
	    (err = read_i32(prog, sched, "runtime.schedt", "ngsys", &ngsys)))
		return err;
	err = read_i32(prog, sched, "runtime.schedt", "gFree.n", &free_g);
	if (err) {
		cnr_error_destroy(err);
		if ((err = read_i32(prog, sched, "runtime.schedt", "gFree.stack.size", &a)) ||
		    (err = read_i32(prog, sched, "runtime.schedt", "gFree.noStack.size", &b)))
			return err;
		free_g = a + b;
	}
	if (hdr[1] > MAX_PROCS)
		return cnr_error_corrupt("runtime.allp claims %" PRIu64 " Ps", hdr[1]);
	for (uint64_t i = 0; i < hdr[1]; i++) {
		uint64_t p;
		if ((err = cnr_memory_read_u64(&prog->mem, hdr[0] + 8 * i, &p)))
			return err;
		if (!p)
			continue;
		err = read_i32(prog, p, "runtime.p", "gFree.n|size", &a);
		if (err)
			return err;
		free_g += a;
	}
	int64_t n = (int64_t)allglen - free_g - ngsys;
	*ret = n < 1 ? 1 : (int32_t)n;
	return NULL;
}

struct cnr_error *cnr_memstats_read(struct cnr_program *prog, struct cnr_memstats *ms)
{
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	memset(ms, 0, sizeof(*ms));
	uint64_t d_size = 0, inheap, instacks, inworkbufs, inptrscalar, tiny_o, lalloc, lallocn, salloc, lfree, lfreen,
		 sfree;
	uint64_t ms_heapstats, ms_numgc, ms_numforced, ms_lastgc, ms_stacks_sys, ms_mspan_sys, ms_mcache_sys,
		ms_buckhash_sys, ms_gcmisc_sys, ms_other_sys;
	uint64_t gc_percent, gc_limit, gc_goal, gc_sweepdist, gc_triggered, gc_inuse, gc_released, gc_free,
		gc_marked, gc_live, gc_mapped;
	const struct field f[] = {
		{ "runtime.heapStatsDelta", "inHeap", &inheap, false },
		{ "runtime.heapStatsDelta", "inStacks", &instacks, false },
		{ "runtime.heapStatsDelta", "inWorkBufs", &inworkbufs, false },
		// removed in 1.25 (runtime/mstats.go)
		{ "runtime.heapStatsDelta", "inPtrScalarBits", &inptrscalar, true },
		{ "runtime.heapStatsDelta", "tinyAllocCount", &tiny_o, false },
		{ "runtime.heapStatsDelta", "largeAlloc", &lalloc, false },
		{ "runtime.heapStatsDelta", "largeAllocCount", &lallocn, false },
		{ "runtime.heapStatsDelta", "smallAllocCount", &salloc, false },
		{ "runtime.heapStatsDelta", "largeFree", &lfree, false },
		{ "runtime.heapStatsDelta", "largeFreeCount", &lfreen, false },
		{ "runtime.heapStatsDelta", "smallFreeCount", &sfree, false },
		{ "runtime.mstats", "heapStats", &ms_heapstats, false },
		{ "runtime.mstats", "numgc", &ms_numgc, false },
		{ "runtime.mstats", "numforcedgc", &ms_numforced, false },
		{ "runtime.mstats", "last_gc_unix", &ms_lastgc, false },
		{ "runtime.mstats", "stacks_sys", &ms_stacks_sys, false },
		{ "runtime.mstats", "mspan_sys", &ms_mspan_sys, false },
		{ "runtime.mstats", "mcache_sys", &ms_mcache_sys, false },
		{ "runtime.mstats", "buckhash_sys", &ms_buckhash_sys, false },
		{ "runtime.mstats", "gcMiscSys", &ms_gcmisc_sys, false },
		{ "runtime.mstats", "other_sys", &ms_other_sys, false },
		{ "runtime.gcControllerState", "gcPercent", &gc_percent, false },
		{ "runtime.gcControllerState", "memoryLimit", &gc_limit, false },
		{ "runtime.gcControllerState", "gcPercentHeapGoal", &gc_goal, false },
		{ "runtime.gcControllerState", "sweepDistMinTrigger", &gc_sweepdist, false },
		{ "runtime.gcControllerState", "triggered", &gc_triggered, false },
		{ "runtime.gcControllerState", "heapInUse", &gc_inuse, false },
		{ "runtime.gcControllerState", "heapReleased", &gc_released, false },
		{ "runtime.gcControllerState", "heapFree", &gc_free, false },
		{ "runtime.gcControllerState", "heapMarked", &gc_marked, false },
		{ "runtime.gcControllerState", "heapLive", &gc_live, false },
		{ "runtime.gcControllerState", "mappedReady", &gc_mapped, false },
	};
	if ((err = resolve(prog, f, CNR_ARRAY_SIZE(f))))
		return err;
	const struct cnr_dwarf_type *dt = cnr_dwarf_type_by_name(prog->dwarf, "runtime.heapStatsDelta");
	d_size = dt && dt->has_size ? dt->size : 0;
	uint16_t class_size[MAX_SIZE_CLASSES];
	size_t nclasses = 0;
	if ((err = read_class_sizes(prog, class_size, &nclasses)))
		return err;
	if (d_size == 0 || d_size > 8192 || salloc + 8 * nclasses > d_size || sfree + 8 * nclasses > d_size)
		return cnr_error_corrupt("runtime.heapStatsDelta layout does not fit %zu size classes", nclasses);

	uint64_t memstats, gcc;
	if ((err = cnr_program_global(prog, "runtime.memstats", &memstats, NULL)) ||
	    (err = cnr_program_global(prog, "runtime.gcController", &gcc, NULL)))
		return err;

	// consistentHeapStats.unsafeRead: the sum of the three delta
	// generations (runtime/mstats.go).
	uint8_t *buf = malloc(3 * d_size);
	if (!buf)
		return &cnr_enomem;
	err = cnr_memory_read(&prog->mem, memstats + ms_heapstats, buf, 3 * d_size);
	if (err) {
		free(buf);
		return cnr_error_wrap(err, "cannot read runtime.memstats.heapStats");
	}
	uint64_t small_alloc[MAX_SIZE_CLASSES] = { 0 }, small_free[MAX_SIZE_CLASSES] = { 0 };
	uint64_t sum_instacks = 0, sum_inworkbufs = 0, sum_inptr = 0, tiny = 0, large_alloc = 0, large_allocn = 0,
		 large_free = 0, large_freen = 0;
	for (int gen = 0; gen < 3; gen++) {
		const uint8_t *d = buf + gen * d_size;
		sum_instacks += u64_at(d + instacks);
		sum_inworkbufs += u64_at(d + inworkbufs);
		if (inptrscalar != UINT64_MAX)
			sum_inptr += u64_at(d + inptrscalar);
		tiny += u64_at(d + tiny_o);
		large_alloc += u64_at(d + lalloc);
		large_allocn += u64_at(d + lallocn);
		large_free += u64_at(d + lfree);
		large_freen += u64_at(d + lfreen);
		for (size_t i = 0; i < nclasses; i++) {
			small_alloc[i] += u64_at(d + salloc + 8 * i);
			small_free[i] += u64_at(d + sfree + 8 * i);
		}
	}
	free(buf);
	(void)inheap;
	uint64_t before[MAX_SIZE_CLASSES];
	memcpy(before, small_alloc, sizeof(before));
	if ((err = add_unflushed(prog, small_alloc, nclasses, &tiny, ms)))
		return cnr_error_wrap(err, "cannot read the mcaches");
	for (size_t i = 0; i < nclasses; i++)
		ms->unflushed_bytes += (small_alloc[i] - before[i]) * class_size[i];

	// runtime/mstats.go readmemstats_m.
	uint64_t total_alloc = large_alloc, nmalloc = large_allocn, total_free = large_free, nfree = large_freen;
	for (size_t i = 0; i < nclasses; i++) {
		total_alloc += small_alloc[i] * class_size[i];
		nmalloc += small_alloc[i];
		total_free += small_free[i] * class_size[i];
		nfree += small_free[i];
	}
	nmalloc += tiny;
	nfree += tiny;
	ms->heap_alloc = total_alloc - total_free;
	ms->total_alloc = total_alloc;
	ms->mallocs = nmalloc;
	ms->frees = nfree;
	ms->heap_objects = nmalloc - nfree;

	uint64_t g[11];
	const uint64_t offs[11] = { gc_goal, gc_sweepdist, gc_triggered, gc_inuse, gc_released, gc_free, gc_marked,
				    gc_live, gc_mapped, gc_limit, 0 };
	for (int i = 0; i < 10; i++) {
		if ((err = cnr_memory_read_u64(&prog->mem, gcc + offs[i], &g[i])))
			return cnr_error_wrap(err, "cannot read runtime.gcController");
	}
	int32_t gogc;
	if ((err = cnr_memory_read(&prog->mem, gcc + gc_percent, &gogc, 4)))
		return err;
	uint64_t goal = g[0], sweepdist = g[1], triggered = g[2];
	ms->heap_inuse = g[3];
	ms->heap_released = g[4];
	uint64_t heap_free = g[5];
	ms->heap_marked = g[6];
	ms->heap_live = g[7];
	uint64_t mapped_ready = g[8];
	ms->memory_limit = (int64_t)g[9];
	ms->gogc = gogc;
	ms->heap_sys = ms->heap_inuse + heap_free + ms->heap_released;
	ms->heap_idle = heap_free + ms->heap_released;
	ms->stack_inuse = sum_instacks;

	uint64_t sys[6];
	const uint64_t soffs[6] = { ms_stacks_sys, ms_mspan_sys, ms_mcache_sys, ms_buckhash_sys, ms_gcmisc_sys,
				    ms_other_sys };
	for (int i = 0; i < 6; i++) {
		if ((err = cnr_memory_read_u64(&prog->mem, memstats + soffs[i], &sys[i])))
			return cnr_error_wrap(err, "cannot read runtime.memstats");
	}
	ms->stack_sys = sum_instacks + sys[0];
	ms->sys = ms->heap_sys + sys[0] + sys[1] + sys[2] + sys[3] + sys[4] + sys[5] + sum_instacks + sum_inworkbufs +
		  sum_inptr;
	if ((err = cnr_memory_read(&prog->mem, memstats + ms_numgc, &ms->num_gc, 4)) ||
	    (err = cnr_memory_read(&prog->mem, memstats + ms_numforced, &ms->num_forced_gc, 4)) ||
	    (err = cnr_memory_read_u64(&prog->mem, memstats + ms_lastgc, &ms->last_gc_unix_ns)))
		return err;

	// runtime/mgcpacer.go heapGoalInternal and memoryLimitHeapGoal.
	uint64_t limit_goal = UINT64_MAX;
	uint64_t limit = (uint64_t)ms->memory_limit;
	uint64_t heap_alloc = ms->heap_alloc;
	if (heap_free + heap_alloc <= mapped_ready) {
		uint64_t non_heap = mapped_ready - heap_free - heap_alloc;
		uint64_t overage = mapped_ready > limit ? mapped_ready - limit : 0;
		if (non_heap + overage >= limit) {
			limit_goal = ms->heap_marked;
		} else {
			uint64_t lg = limit - (non_heap + overage);
			uint64_t headroom = prog->ops->mem_limit_headroom_percent ? lg / 100 * prog->ops->mem_limit_headroom_percent
										 : 1 << 20;
			if (headroom < (1 << 20))
				headroom = 1 << 20;
			lg = (lg < headroom || lg - headroom < headroom) ? headroom : lg - headroom;
			limit_goal = lg < ms->heap_marked ? ms->heap_marked : lg;
		}
	}
	if (limit_goal < goal) {
		goal = limit_goal;
	} else {
		if (sweepdist > goal)
			goal = sweepdist;
		if (triggered != UINT64_MAX && goal < triggered + (64 << 10))
			goal = triggered + (64 << 10);
	}
	ms->next_gc = goal;
	return count_goroutines(prog, &ms->num_goroutine);
}
