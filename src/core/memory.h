// The one reader of target memory.  The address space is flattened once
// into sorted, non-overlapping ranges, each served from one source: the
// core file, the executable's read-only segments (text and rodata, which
// kernel cores save only the first page of and gcore omits), or nothing
// ("not saved in core dump").  Lookup is a binary search with a last-hit
// fast path.
#ifndef CNR_CORE_MEMORY_H
#define CNR_CORE_MEMORY_H

#include "core/elf_core.h"
#include "core/exe.h"

enum cnr_mem_source {
	CNR_MEM_CORE,      // bytes in the core file
	CNR_MEM_EXE,       // bytes in the executable file
	CNR_MEM_NOT_SAVED, // mapped, but the dump filtered it out (p_filesz < p_memsz)
	CNR_MEM_TRUNCATED, // the core file ends before these bytes
	CNR_MEM_NO_ACCESS, // a PROT_NONE reservation (Go reserves arenas so)
	CNR_MEM_NUM_SOURCES
};

struct cnr_mem_range {
	uint64_t start, end; // [start, end)
	uint64_t offset;     // file offset of start, for CORE and EXE
	enum cnr_mem_source source;
};

struct cnr_memory {
	struct cnr_core *core; // borrowed
	struct cnr_exe *exe;   // borrowed, may be NULL
	struct cnr_mem_range *ranges;
	size_t nranges;
	size_t last; // last-hit cache
	uint64_t bytes[CNR_MEM_NUM_SOURCES]; // per source
};

// Build the address map of core, with exe's read-only segments loaded at
// exe vaddr + bias.  exe may be NULL.
struct cnr_error *cnr_memory_init(struct cnr_memory *mem, struct cnr_core *core, struct cnr_exe *exe,
				  uint64_t bias);
void cnr_memory_deinit(struct cnr_memory *mem);

// Read n bytes at addr.  A byte that no source holds is a FAULT naming
// its address; nothing is ever filled with zeros.
struct cnr_error *cnr_memory_read(struct cnr_memory *mem, uint64_t addr, void *buf, size_t n);
// The same, but only from the core file itself (never the executable):
// to compare what the process had with what the executable holds.
struct cnr_error *cnr_memory_read_core_only(struct cnr_memory *mem, uint64_t addr, void *buf, size_t n);

static inline struct cnr_error *cnr_memory_read_u64(struct cnr_memory *mem, uint64_t addr, uint64_t *ret)
{
	uint64_t v;
	struct cnr_error *err = cnr_memory_read(mem, addr, &v, sizeof(v));
	if (!err)
		*ret = v;
	return err;
}

// The same for a best-effort look whose failure the caller handles
// itself: false, and the fault dropped, if any byte is unreadable.
bool cnr_memory_readable(struct cnr_memory *mem, uint64_t addr, void *buf, size_t n);

static inline bool cnr_memory_readable_u64(struct cnr_memory *mem, uint64_t addr, uint64_t *ret)
{
	return cnr_memory_readable(mem, addr, ret, sizeof(*ret));
}

// A direct pointer to [addr, addr+n) when it lies in one in-memory range,
// else NULL (fall back to cnr_memory_read).  Valid while the core is open.
const uint8_t *cnr_memory_ptr(struct cnr_memory *mem, uint64_t addr, size_t n);

// Start reading the core file's bytes of [addr, addr + n) ahead
// (cnr_file_image_willneed), so that a scan of them that follows finds
// them in the page cache rather than faulting them in one by one.
void cnr_memory_willneed(struct cnr_memory *mem, uint64_t addr, uint64_t n);

// The range holding addr, or NULL.
const struct cnr_mem_range *cnr_memory_find(struct cnr_memory *mem, uint64_t addr);
// Why bytes in range r (NULL: no range) cannot be read, for messages:
// "memory not saved in core dump", "address not mapped in the process"...
const char *cnr_memory_fault_reason(const struct cnr_mem_range *r);

#endif
