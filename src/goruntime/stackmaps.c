#include "goruntime/stackmaps.h"

#include <inttypes.h>
#include <string.h>

#include "goruntime/program.h"

enum {
	MAX_FRAME_WORDS = 1 << 20,  // an 8 MiB frame: past that, corrupt
	MAX_STACKMAPS = 1 << 20,
};

// Offsets of runtime.stackmap {n, nbit int32; bytedata [1]uint8}.
struct stackmap_layout {
	uint64_t n, nbit, bytedata;
	int64_t args_size_unknown;
};

static struct cnr_error *stackmap_layout(struct cnr_program *prog, struct stackmap_layout *sl)
{
	struct cnr_error *err;
	if ((err = cnr_dwarf_offsetof(prog->dwarf, "runtime.stackmap", "n", &sl->n)) ||
	    (err = cnr_dwarf_offsetof(prog->dwarf, "runtime.stackmap", "nbit", &sl->nbit)) ||
	    (err = cnr_dwarf_offsetof(prog->dwarf, "runtime.stackmap", "bytedata", &sl->bytedata)))
		return err;
	// internal/abi.ArgsSizeUnknown (1.21+), runtime._ArgsSizeUnknown (1.19).
	if (!cnr_dwarf_constant(prog->dwarf, "internal/abi.ArgsSizeUnknown", &sl->args_size_unknown) &&
	    !cnr_dwarf_constant(prog->dwarf, "runtime._ArgsSizeUnknown", &sl->args_size_unknown))
		sl->args_size_unknown = INT32_MIN;
	return NULL;
}

// Walk bitmap idx of the stackmap at addr: bit k set = word base+8k live.
static struct cnr_error *walk_map(struct cnr_program *prog, const struct stackmap_layout *sl, uint64_t addr,
				  int32_t idx, uint64_t base, uint64_t max_words, enum cnr_slot_kind kind,
				  cnr_slot_fn *fn, void *arg)
{
	int32_t n, nbit;
	struct cnr_error *err;
	if ((err = cnr_memory_read(&prog->mem, addr + sl->n, &n, 4)) ||
	    (err = cnr_memory_read(&prog->mem, addr + sl->nbit, &nbit, 4)))
		return err;
	if (nbit == 0)
		return NULL;
	if (n <= 0 || n > MAX_STACKMAPS || nbit < 0 || (uint64_t)nbit > max_words || idx < 0 || idx >= n)
		return cnr_error_corrupt("stack map at 0x%" PRIx64 " (n %d, nbit %d) has no bitmap %d for a %" PRIu64
					 "-word frame",
					 addr, n, nbit, idx, max_words);
	uint8_t bits[MAX_FRAME_WORDS / 8];
	uint64_t nbytes = ((uint64_t)nbit + 7) / 8;
	if ((err = cnr_memory_read(&prog->mem, addr + sl->bytedata + (uint64_t)idx * nbytes, bits, nbytes)))
		return err;
	for (int32_t k = 0; k < nbit; k++) {
		if (!(bits[k / 8] >> (k % 8) & 1))
			continue;
		uint64_t slot = base + 8 * (uint64_t)k, value = 0;
		if ((err = cnr_memory_read_u64(&prog->mem, slot, &value)))
			return err;
		fn(arg, slot, value, kind);
	}
	return NULL;
}

struct cnr_error *cnr_frame_live_slots(struct cnr_program *prog, const struct cnr_goroutine *g,
				       const struct cnr_frame *fr, size_t i, cnr_slot_fn *fn, void *arg)
{
	struct stackmap_layout sl;
	struct cnr_error *err = stackmap_layout(prog, &sl);
	if (err)
		return err;
	if (fr->fp <= fr->sp || (fr->fp - fr->sp) / 8 > MAX_FRAME_WORDS)
		return cnr_error_corrupt("frame of %s at sp 0x%" PRIx64 " has bounds [0x%" PRIx64 ", 0x%" PRIx64 ")",
					 fr->func.name, fr->sp, fr->sp, fr->fp);
	if (i == 0 && g->trap) {
		for (uint64_t slot = fr->sp; slot < fr->fp - 8; slot += 8) {
			uint64_t value;
			if ((err = cnr_memory_read_u64(&prog->mem, slot, &value)))
				return err;
			fn(arg, slot, value, CNR_SLOT_CONSERVATIVE);
		}
		return NULL;
	}
	// runtime/stkframe.go getStackMap: the map index at the call (pc-1
	// unless at the entry); -1 means index 0.
	uint64_t targetpc = fr->pc != fr->func.entry ? fr->pc - 1 : fr->pc;
	int32_t idx;
	if ((err = cnr_pclntab_pcdata(prog->pclntab, &fr->func, CNR_PCDATA_STACK_MAP_INDEX, targetpc, &idx)))
		return err;
	if (idx == -1)
		idx = 0;
	// runtime/traceback.go: varp is below the return address and, with
	// frame pointers (always on amd64), the saved BP; argp = fp.
	uint64_t varp = fr->fp - 8;
	if (varp > fr->sp)
		varp -= 8;
	uint64_t size = varp - fr->sp;
	uint64_t map;
	if (size > 0) {
		if ((err = cnr_pclntab_funcdata(prog->pclntab, &fr->func, CNR_FUNCDATA_LOCALS_POINTER_MAPS, &map)))
			return err;
		if (map) {
			int32_t nbit;
			if ((err = cnr_memory_read(&prog->mem, map + sl.nbit, &nbit, 4)))
				return err;
			// Locals sit just below varp: the bitmap covers [varp - nbit*8, varp).
			if (nbit > 0 && (uint64_t)nbit * 8 <= size &&
			    (err = walk_map(prog, &sl, map, idx, varp - (uint64_t)nbit * 8, size / 8, CNR_SLOT_LOCAL, fn, arg)))
				return err;
		}
	}
	if (fr->func.args > 0 && fr->func.args != sl.args_size_unknown) {
		if ((err = cnr_pclntab_funcdata(prog->pclntab, &fr->func, CNR_FUNCDATA_ARGS_POINTER_MAPS, &map)))
			return err;
		if (map && (err = walk_map(prog, &sl, map, idx, fr->fp, (uint64_t)fr->func.args / 8 + 1, CNR_SLOT_ARG, fn,
					    arg)))
			return err;
	}
	return NULL;
}
