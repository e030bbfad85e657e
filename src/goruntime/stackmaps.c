#include "goruntime/stackmaps.h"

#include <dwarf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"

enum {
	MAX_FRAME_WORDS = 1 << 20,  // an 8 MiB frame: past that, corrupt
	MAX_STACKMAPS = 1 << 20,
	MAX_FRAME_VARS = 256,
	MAX_STACK_OBJECTS = 64,
};

// The frame's DWARF variables that are in memory at its pc.
struct frame_vars {
	const struct cnr_dwarf *dw;
	uint64_t fp;
	uint64_t stack_hi; // the top of the goroutine's stack
	size_t n;
	struct {
		const char *name;
		uint64_t addr, size, type_offset;
		bool is_param;
	} v[MAX_FRAME_VARS];
	// Map variables without a location at pc, and the frame's stack
	// objects (runtime.stackObjectRecord: address-taken locals, such as a
	// map header the compiler kept on the stack).
	size_t nmaps, nobjs;
	struct {
		const char *name;
		uint64_t header_type; // the header's DWARF type (the map type's pointee)
		uint64_t header_size;
	} maps[MAX_FRAME_VARS];
	struct {
		uint64_t addr, size;
	} objs[MAX_STACK_OBJECTS];
};

static void add_var(void *arg, const struct cnr_dwarf_frame_var *var)
{
	struct frame_vars *fv = arg;
	if (var->unlocated) {
		const struct cnr_dwarf_type *mt = cnr_dwarf_type_at(fv->dw, var->type_offset);
		const struct cnr_dwarf_type *p = cnr_dwarf_type_strip(fv->dw, mt);
		const struct cnr_dwarf_type *h = p && p->tag == DW_TAG_pointer_type ? cnr_dwarf_type_at(fv->dw, p->type_offset) : NULL;
		if (fv->nmaps < MAX_FRAME_VARS && mt && mt->go_kind == 21 /* reflect.Map */ && h)
			fv->maps[fv->nmaps++] = (typeof(fv->maps[0])){ var->name, h->offset, cnr_dwarf_type_size(fv->dw, h) };
		return;
	}
	if (fv->n == MAX_FRAME_VARS)
		return;
	const struct cnr_dwarf_type *t = cnr_dwarf_type_strip(fv->dw, cnr_dwarf_type_at(fv->dw, var->type_offset));
	// Go's DWARF gives pointer types no byte size.
	uint64_t size = t && t->has_size ? t->size : 8;
	fv->v[fv->n].name = var->name;
	fv->v[fv->n].addr = fv->fp + (uint64_t)var->cfa_offset;
	fv->v[fv->n].size = size ? size : 8;
	fv->v[fv->n].type_offset = var->type_offset;
	fv->v[fv->n].is_param = var->is_param;
	fv->n++;
}

// Whether a value of DWARF type t holds a pointer word at byte off: a
// string's or slice's data word does, its len and cap words do not.
static bool pointer_at(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t, uint64_t off)
{
	for (int depth = 0; depth < 32; depth++) {
		t = cnr_dwarf_type_strip(dw, t);
		if (!t)
			return false;
		if (t->tag == DW_TAG_pointer_type)
			return off == 0;
		if (t->tag == DW_TAG_array_type) {
			const struct cnr_dwarf_type *e = cnr_dwarf_type_at(dw, t->type_offset);
			uint64_t esz = cnr_dwarf_type_size(dw, e);
			if (!esz)
				return false;
			off %= esz;
			t = e;
			continue;
		}
		if (t->tag != DW_TAG_structure_type)
			return false;
		const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, t), *hit = NULL;
		for (uint32_t i = 0; i < t->nfields; i++) {
			uint64_t sz = cnr_dwarf_type_size(dw, cnr_dwarf_type_at(dw, f[i].type_offset));
			if (off >= f[i].offset && off - f[i].offset < sz)
				hit = &f[i];
		}
		if (!hit)
			return false;
		off -= hit->offset;
		t = cnr_dwarf_type_at(dw, hit->type_offset);
	}
	return false;
}

// A map variable whose header the compiler kept on the stack (a
// function-local map that does not escape): DWARF gives the variable no
// location (its value, the header's address, is rematerialised), the
// header is one of the frame's stack objects, and its pointer words
// (buckets, oldbuckets, extra; the Swiss directory) are live slots no
// variable covers.  A slot inside a stack object the size of the header
// of exactly one such variable, at a pointer word of that header, is the
// variable's map: named after it and typed as the header (hash<K,V>, or
// the Swiss map struct) at the slot's offset, so that what it points to
// is typed as the map's internals.
static void name_map_header_slot(const struct frame_vars *fv, struct cnr_live_slot *s)
{
	for (size_t k = 0; k < fv->nobjs; k++) {
		uint64_t h = fv->objs[k].addr, size = fv->objs[k].size;
		if (s->slot < h || s->slot - h >= size)
			continue;
		size_t pick = SIZE_MAX;
		for (size_t i = 0; i < fv->nmaps; i++) {
			if (fv->maps[i].header_size != size ||
			    !pointer_at(fv->dw, cnr_dwarf_type_at(fv->dw, fv->maps[i].header_type), s->slot - h))
				continue;
			if (pick != SIZE_MAX && (strcmp(fv->maps[i].name, fv->maps[pick].name) != 0 ||
						 fv->maps[i].header_type != fv->maps[pick].header_type))
				return; // two candidates: not guessed
			pick = i;
		}
		if (pick == SIZE_MAX)
			return;
		s->var = fv->maps[pick].name;
		s->var_offset = s->slot - h;
		s->var_type = fv->maps[pick].header_type;
		s->map_header = h;
		return;
	}
}

// The frame's stack objects (runtime/stkframe.go getStackMap: a count,
// then runtime.stackObjectRecord {off, size int32, ...}; off from varp if
// negative, else from argp), into fv.
static void read_stack_objects(struct cnr_program *prog, const struct cnr_frame *fr, struct frame_vars *fv)
{
	uint64_t p, n, off_off, off_size;
	const struct cnr_dwarf_type *rt = cnr_dwarf_type_by_name(prog->dwarf, "runtime.stackObjectRecord");
	uint64_t rsize = rt ? cnr_dwarf_type_size(prog->dwarf, rt) : 0;
	struct cnr_error *err = NULL;
	if (!rsize || (err = cnr_dwarf_offsetof(prog->dwarf, "runtime.stackObjectRecord", "off", &off_off)) ||
	    (err = cnr_dwarf_offsetof(prog->dwarf, "runtime.stackObjectRecord", "size", &off_size)) ||
	    (err = cnr_pclntab_funcdata(prog->pclntab, &fr->func, CNR_FUNCDATA_STACK_OBJECTS, &p)) || !p ||
	    !cnr_memory_readable_u64(&prog->mem, p, &n)) {
		cnr_error_destroy(err);
		return;
	}
	const struct cnr_arch *a = prog->core->arch;
	uint64_t varp = cnr_arch_frame_varp(a, fr->sp, fr->fp), argp = fr->fp + a->min_frame_size;
	for (uint64_t i = 0; i < n && i < MAX_STACK_OBJECTS; i++) {
		int32_t off, size;
		uint64_t r = p + 8 + i * rsize;
		if (!cnr_memory_readable(&prog->mem, r + off_off, &off, 4) ||
		    !cnr_memory_readable(&prog->mem, r + off_size, &size, 4) || size <= 0)
			continue;
		uint64_t addr = off < 0 ? varp - (uint64_t)(-(int64_t)off) : argp + (uint64_t)off;
		if (addr >= fr->sp && addr < fv->stack_hi && (uint64_t)size <= fv->stack_hi - addr)
			fv->objs[fv->nobjs++] = (typeof(fv->objs[0])){ addr, (uint64_t)size };
	}
}

// Name a live pointer slot after the variable that holds it at the
// frame's pc.  Stack slots are shared by variables with disjoint
// lifetimes, and a fixed frame-base location says nothing about which one
// is live: only a variable with a pointer at that offset can hold a live
// pointer (never a slice's len or cap word).  Of several such variables a
// parameter wins (its value lives for the whole call, like cas0 against
// the cas1 selectgo derives from it); if variables of different names
// still remain, the slot stays unnamed rather than guessed.
static void name_slot(const struct frame_vars *fv, struct cnr_live_slot *s)
{
	size_t pick = SIZE_MAX;
	bool ambiguous = false;
	for (size_t i = 0; i < fv->n; i++) {
		if (s->slot < fv->v[i].addr || s->slot - fv->v[i].addr >= fv->v[i].size ||
		    !pointer_at(fv->dw, cnr_dwarf_type_at(fv->dw, fv->v[i].type_offset), s->slot - fv->v[i].addr))
			continue;
		if (pick == SIZE_MAX || (fv->v[i].is_param && !fv->v[pick].is_param)) {
			pick = i; // the first, or the first parameter: what came before ranks lower
			ambiguous = false;
		} else if (fv->v[i].is_param == fv->v[pick].is_param && strcmp(fv->v[i].name, fv->v[pick].name) != 0) {
			ambiguous = true;
		}
	}
	if (pick == SIZE_MAX && !ambiguous)
		name_map_header_slot(fv, s);
	if (pick == SIZE_MAX || ambiguous)
		return;
	s->var = fv->v[pick].name;
	s->var_offset = s->slot - fv->v[pick].addr;
	s->var_type = fv->v[pick].type_offset;
}

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
				  const struct frame_vars *fv, cnr_slot_fn *fn, void *arg)
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
		struct cnr_live_slot s = { .slot = base + 8 * (uint64_t)k, .kind = kind };
		if ((err = cnr_memory_read_u64(&prog->mem, s.slot, &s.value)))
			return err;
		name_slot(fv, &s);
		fn(arg, &s);
	}
	return NULL;
}

static struct cnr_error *live_slots(struct cnr_program *prog, const struct stackmap_layout *sl,
				    const struct cnr_frame *fr, bool exact, uint64_t targetpc, const struct frame_vars *fv,
				    cnr_slot_fn *fn, void *arg);

struct cnr_error *cnr_frame_live_slots(struct cnr_program *prog, const struct cnr_goroutine *g,
				       const struct cnr_frame *fr, size_t i, cnr_slot_fn *fn, void *arg)
{
	struct stackmap_layout sl;
	struct cnr_error *err = stackmap_layout(prog, &sl);
	if (err)
		return err;
	// A frame holds at least the return address CALL pushed; on LR
	// machines a leaf that has not set up a frame is empty.
	const struct cnr_arch *a = prog->core->arch;
	if (fr->fp < fr->sp || fr->fp - fr->sp < a->call_pushed || (fr->fp == fr->sp && a->call_pushed) ||
	    (fr->fp - fr->sp) / 8 > MAX_FRAME_WORDS)
		return cnr_error_corrupt("frame of %s at sp 0x%" PRIx64 " has bounds [0x%" PRIx64 ", 0x%" PRIx64 ")",
					 fr->func.name, fr->sp, fr->sp, fr->fp);
	// runtime/stkframe.go getStackMap: the map index at the call (pc-1
	// unless at the entry or interrupted); -1 means index 0.
	bool exact = i == 0 && g->trap;
	uint64_t targetpc = fr->pc != fr->func.entry && !exact ? fr->pc - 1 : fr->pc;
	// Name slots by the DWARF variables live there at that pc; the CFA is
	// the frame's fp.
	struct frame_vars *fv = calloc(1, sizeof(*fv));
	if (!fv)
		return &cnr_enomem;
	fv->dw = prog->dwarf;
	fv->fp = fr->fp;
	fv->stack_hi = g->stack_hi;
	const struct cnr_dwarf_func *df = cnr_dwarf_func_at(prog->dwarf, fr->func.entry - prog->bias);
	if (df) {
		err = cnr_dwarf_frame_vars(prog->dwarf, df, targetpc - prog->bias, add_var, fv);
		if (err) {
			cnr_debug(prog->ctx, "%s", cnr_error_message(err));
			cnr_error_destroy(err);
		}
	}
	if (fv->nmaps) // only a map variable without a location can own one
		read_stack_objects(prog, fr, fv);
	err = live_slots(prog, &sl, fr, exact, targetpc, fv, fn, arg);
	free(fv);
	return err;
}

static struct cnr_error *live_slots(struct cnr_program *prog, const struct stackmap_layout *sl,
				    const struct cnr_frame *fr, bool exact, uint64_t targetpc, const struct frame_vars *fv,
				    cnr_slot_fn *fn, void *arg)
{
	struct cnr_error *err;
	if (exact) {
		for (uint64_t slot = fr->sp; slot < fr->fp - prog->core->arch->call_pushed; slot += 8) {
			struct cnr_live_slot s = { .slot = slot, .kind = CNR_SLOT_CONSERVATIVE };
			if ((err = cnr_memory_read_u64(&prog->mem, slot, &s.value)))
				return err;
			name_slot(fv, &s);
			fn(arg, &s);
		}
		return NULL;
	}
	int32_t idx;
	if ((err = cnr_pclntab_pcdata(prog->pclntab, &fr->func, CNR_PCDATA_STACK_MAP_INDEX, targetpc, &idx)))
		return err;
	if (idx == -1)
		idx = 0;
	// runtime/traceback.go: varp is below the return address and, with
	// frame pointers (always on amd64 and arm64), the saved frame pointer;
	// argp = fp + sys.MinFrameSize.
	const struct cnr_arch *a = prog->core->arch;
	uint64_t varp = cnr_arch_frame_varp(a, fr->sp, fr->fp);
	uint64_t size = varp - fr->sp;
	uint64_t map;
	if (size > 0) {
		if ((err = cnr_pclntab_funcdata(prog->pclntab, &fr->func, CNR_FUNCDATA_LOCALS_POINTER_MAPS, &map)))
			return err;
		if (map) {
			int32_t nbit;
			if ((err = cnr_memory_read(&prog->mem, map + sl->nbit, &nbit, 4)))
				return err;
			// Locals sit just below varp: the bitmap covers [varp - nbit*8, varp).
			if (nbit > 0 && (uint64_t)nbit * 8 <= size &&
			    (err = walk_map(prog, sl, map, idx, varp - (uint64_t)nbit * 8, size / 8, CNR_SLOT_LOCAL, fv,
					     fn, arg)))
				return err;
		}
	}
	if (fr->func.args > 0 && fr->func.args != sl->args_size_unknown) {
		if ((err = cnr_pclntab_funcdata(prog->pclntab, &fr->func, CNR_FUNCDATA_ARGS_POINTER_MAPS, &map)))
			return err;
		if (map && (err = walk_map(prog, sl, map, idx, fr->fp + a->min_frame_size,
					    (uint64_t)fr->func.args / 8 + 1, CNR_SLOT_ARG,
					    fv, fn, arg)))
			return err;
	}
	return NULL;
}
