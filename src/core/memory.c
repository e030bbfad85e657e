#include "core/memory.h"

#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/search.h"
#include "util/vector.h"

DEFINE_VECTOR(range_vector, struct cnr_mem_range)
DEFINE_VECTOR(u64_vector, uint64_t)

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

// Core segment containing addr, or NULL (segments sorted, disjoint).
static const struct cnr_core_segment *core_segment_at(const struct cnr_core *core, uint64_t addr)
{
	// The first segment that does not lie wholly below addr.
	size_t i = CNR_PARTITION_POINT(core->nsegments, mid,
				       core->segments[mid].vaddr <= addr && addr - core->segments[mid].vaddr >= core->segments[mid].memsz);
	const struct cnr_core_segment *s = i < core->nsegments ? &core->segments[i] : NULL;
	return s && addr >= s->vaddr ? s : NULL;
}

// Read-only exe segment whose file bytes hold addr, or NULL.  Writable
// segments are never served: the process changed them after loading.
static const struct cnr_exe_segment *exe_segment_at(const struct cnr_exe *exe, uint64_t bias, uint64_t addr)
{
	if (!exe)
		return NULL;
	for (size_t i = 0; i < exe->nsegments; i++) {
		const struct cnr_exe_segment *s = &exe->segments[i];
		if (s->flags & PF_W)
			continue;
		uint64_t start = s->vaddr + bias;
		if (addr >= start && addr - start < s->filesz)
			return s;
	}
	return NULL;
}

static bool file_mapped_at(const struct cnr_core *core, uint64_t addr)
{
	for (size_t i = 0; i < core->nfiles; i++) {
		if (addr >= core->files[i].start && addr < core->files[i].end)
			return true;
	}
	return false;
}

static bool add_range(struct range_vector *v, uint64_t start, uint64_t end, enum cnr_mem_source src,
		      uint64_t offset)
{
	if (v->size) {
		struct cnr_mem_range *last = &v->data[v->size - 1];
		bool file_backed = src == CNR_MEM_CORE || src == CNR_MEM_EXE;
		if (last->end == start && last->source == src &&
		    (!file_backed || last->offset + (last->end - last->start) == offset)) {
			last->end = end;
			return true;
		}
	}
	return range_vector_push(v, (struct cnr_mem_range){ start, end, offset, src });
}

struct cnr_error *cnr_memory_init(struct cnr_memory *mem, struct cnr_core *core, struct cnr_exe *exe,
				  uint64_t bias)
{
	memset(mem, 0, sizeof(*mem));
	mem->core = core;
	mem->exe = exe;
	struct u64_vector points = { 0 };
	struct range_vector ranges = { 0 };
	bool ok = true;

	// Every place where the source may change is a boundary.
	for (size_t i = 0; i < core->nsegments && ok; i++) {
		const struct cnr_core_segment *s = &core->segments[i];
		ok = u64_vector_push(&points, s->vaddr) && u64_vector_push(&points, s->vaddr + s->filesz) &&
		     u64_vector_push(&points, s->vaddr + s->filesz_header) &&
		     u64_vector_push(&points, s->vaddr + s->memsz);
	}
	for (size_t i = 0; i < core->nfiles && ok; i++)
		ok = u64_vector_push(&points, core->files[i].start) && u64_vector_push(&points, core->files[i].end);
	for (size_t i = 0; exe && i < exe->nsegments && ok; i++) {
		const struct cnr_exe_segment *s = &exe->segments[i];
		if (s->flags & PF_W || s->vaddr + bias + s->filesz < s->vaddr + bias)
			continue;
		ok = u64_vector_push(&points, s->vaddr + bias) &&
		     u64_vector_push(&points, s->vaddr + bias + s->filesz);
	}
	if (!ok)
		goto enomem;
	if (points.size) // a core may have no segment at all
		qsort(points.data, points.size, sizeof(uint64_t), cmp_u64);

	// Each elementary interval takes the best source covering it: the
	// core's own bytes, else the executable's, else "not saved".
	for (size_t i = 0; i + 1 < points.size; i++) {
		uint64_t a = points.data[i], b = points.data[i + 1];
		if (a == b)
			continue;
		const struct cnr_core_segment *cs = core_segment_at(core, a);
		const struct cnr_exe_segment *es = exe_segment_at(exe, bias, a);
		// Serve the executable only where the process mapped something:
		// a core segment, or a file mapping NT_FILE records (gcore writes
		// no segment at all for read-only file mappings).
		if (es && !cs && core->nfiles && !file_mapped_at(core, a))
			es = NULL;
		if (cs && a - cs->vaddr < cs->filesz)
			ok = add_range(&ranges, a, b, CNR_MEM_CORE, cs->offset + (a - cs->vaddr));
		else if (es)
			ok = add_range(&ranges, a, b, CNR_MEM_EXE, es->offset + (a - (es->vaddr + bias)));
		else if (cs && a - cs->vaddr < cs->filesz_header)
			ok = add_range(&ranges, a, b, CNR_MEM_TRUNCATED, 0);
		else if (cs && !(cs->flags & (PF_R | PF_W | PF_X)))
			ok = add_range(&ranges, a, b, CNR_MEM_NO_ACCESS, 0);
		else if (cs || (core->nfiles && file_mapped_at(core, a)))
			// A file mapping NT_FILE records but no segment holds (gcore
			// writes none for shared ones, r--s) is mapped, not saved.
			ok = add_range(&ranges, a, b, CNR_MEM_NOT_SAVED, 0);
		if (!ok)
			goto enomem;
	}
	for (size_t i = 0; i < ranges.size; i++)
		mem->bytes[ranges.data[i].source] += ranges.data[i].end - ranges.data[i].start;
	u64_vector_deinit(&points);
	range_vector_shrink(&ranges);
	mem->ranges = ranges.data;
	mem->nranges = ranges.size;
	return NULL;
enomem:
	u64_vector_deinit(&points);
	range_vector_deinit(&ranges);
	return &cnr_enomem;
}

void cnr_memory_deinit(struct cnr_memory *mem)
{
	free(mem->ranges);
	memset(mem, 0, sizeof(*mem));
}

const struct cnr_mem_range *cnr_memory_find(struct cnr_memory *mem, uint64_t addr)
{
	// The last-hit index is shared by the threads of a heap scan: relaxed
	// atomics, as any valid index is a fine guess.
	size_t last = __atomic_load_n(&mem->last, __ATOMIC_RELAXED);
	if (last < mem->nranges) {
		const struct cnr_mem_range *r = &mem->ranges[last];
		if (addr >= r->start && addr < r->end)
			return r;
	}
	// The first range that ends above addr (ranges are sorted and disjoint).
	size_t i = CNR_PARTITION_POINT(mem->nranges, mid, mem->ranges[mid].end <= addr);
	if (i == mem->nranges || addr < mem->ranges[i].start)
		return NULL;
	__atomic_store_n(&mem->last, i, __ATOMIC_RELAXED);
	return &mem->ranges[i];
}

const char *cnr_memory_fault_reason(const struct cnr_mem_range *r)
{
	if (!r)
		return "address not mapped in the process";
	switch (r->source) {
	case CNR_MEM_NOT_SAVED: return "memory not saved in core dump";
	case CNR_MEM_TRUNCATED: return "core file is truncated before this address";
	case CNR_MEM_NO_ACCESS: return "address is in an inaccessible (PROT_NONE) mapping";
	default: return "address not mapped in the process";
	}
}

static struct cnr_error *read_impl(struct cnr_memory *mem, uint64_t addr, void *buf, size_t n, bool core_only)
{
	uint8_t *dst = buf;
	uint64_t start = addr;
	if (n && addr + n - 1 < addr)
		return cnr_error_fault(start, n, "range wraps around the address space");
	while (n) {
		const struct cnr_mem_range *r = cnr_memory_find(mem, addr);
		if (!r || (r->source != CNR_MEM_CORE && r->source != CNR_MEM_EXE) ||
		    (core_only && r->source != CNR_MEM_CORE)) {
			struct cnr_error *err = cnr_error_fault(
				addr, n, r && core_only && r->source == CNR_MEM_EXE ? "not in the core file"
										   : cnr_memory_fault_reason(r));
			return err;
		}
		uint64_t in = addr - r->start;
		size_t take = r->end - addr < n ? (size_t)(r->end - addr) : n;
		if (r->source == CNR_MEM_CORE)
			cnr_file_image_copy(&mem->core->image, r->offset + in, dst, take);
		else
			memcpy(dst, mem->exe->raw + r->offset + in, take);
		dst += take;
		addr += take;
		n -= take;
	}
	return NULL;
}

struct cnr_error *cnr_memory_read(struct cnr_memory *mem, uint64_t addr, void *buf, size_t n)
{
	return read_impl(mem, addr, buf, n, false);
}

bool cnr_memory_readable(struct cnr_memory *mem, uint64_t addr, void *buf, size_t n)
{
	struct cnr_error *err = cnr_memory_read(mem, addr, buf, n);
	cnr_error_destroy(err);
	return !err;
}

struct cnr_error *cnr_memory_read_core_only(struct cnr_memory *mem, uint64_t addr, void *buf, size_t n)
{
	return read_impl(mem, addr, buf, n, true);
}

void cnr_memory_willneed(struct cnr_memory *mem, uint64_t addr, uint64_t n)
{
	uint64_t end = addr + n < addr ? UINT64_MAX : addr + n;
	// The ranges overlapping [addr, end), in address order.
	size_t i = CNR_PARTITION_POINT(mem->nranges, mid, mem->ranges[mid].end <= addr);
	for (; i < mem->nranges && mem->ranges[i].start < end; i++) {
		const struct cnr_mem_range *r = &mem->ranges[i];
		if (r->source != CNR_MEM_CORE)
			continue;
		uint64_t lo = addr > r->start ? addr : r->start, hi = end < r->end ? end : r->end;
		cnr_file_image_willneed(&mem->core->image, r->offset + (lo - r->start), hi - lo);
	}
}

const uint8_t *cnr_memory_ptr(struct cnr_memory *mem, uint64_t addr, size_t n)
{
	const struct cnr_mem_range *r = cnr_memory_find(mem, addr);
	if (!r || r->end - addr < n)
		return NULL;
	uint64_t in = addr - r->start;
	if (r->source == CNR_MEM_CORE)
		return cnr_file_image_ptr(&mem->core->image, r->offset + in, n);
	if (r->source == CNR_MEM_EXE)
		return mem->exe->raw + r->offset + in;
	return NULL;
}
