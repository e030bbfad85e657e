// Retention through slicing (see slice_waste.h).
#include "analysis/slice_waste.h"

#include "core/memory.h"
#include "dwarf/dwarf_index.h"
#include "goruntime/types.h"

enum {
	TAG_ARRAY = 0x01,  // DW_TAG_array_type
	TAG_STRUCT = 0x13, // DW_TAG_structure_type
	MAX_DEPTH = 32,    // nested fields/arrays walked down to the slot
};

// The slice type whose data pointer is at offset off inside a value of t,
// and the offset of that slice inside the value; NULL if none.
static const struct cnr_dwarf_type *slice_at(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t, uint64_t off,
					     uint64_t *slice_off)
{
	uint64_t base = 0;
	for (int depth = 0; t && depth < MAX_DEPTH; depth++) {
		t = cnr_dwarf_type_strip(dw, t);
		if (!t)
			return NULL;
		if (t->go_kind == CNR_KIND_SLICE) {
			const struct cnr_dwarf_field *f = cnr_dwarf_field(dw, t, "array");
			if (!f || f->offset != off)
				return NULL;
			*slice_off = base;
			return t;
		}
		if (t->tag == TAG_ARRAY) {
			const struct cnr_dwarf_type *e = cnr_dwarf_type_at(dw, t->type_offset);
			uint64_t es = e ? cnr_dwarf_type_size(dw, e) : 0;
			if (!es || off / es >= t->count)
				return NULL;
			base += off / es * es;
			off %= es;
			t = e;
			continue;
		}
		if (t->tag != TAG_STRUCT || t->go_kind == CNR_KIND_STRING || t->go_kind == CNR_KIND_INTERFACE)
			return NULL;
		const struct cnr_dwarf_field *fs = cnr_dwarf_fields(dw, t), *in = NULL;
		for (uint32_t i = 0; fs && i < t->nfields; i++) {
			const struct cnr_dwarf_type *ft = cnr_dwarf_type_at(dw, fs[i].type_offset);
			if (ft && fs[i].offset <= off && off < fs[i].offset + cnr_dwarf_type_size(dw, ft))
				in = &fs[i];
		}
		if (!in)
			return NULL;
		base += in->offset;
		off -= in->offset;
		t = cnr_dwarf_type_at(dw, in->type_offset);
	}
	return NULL;
}

bool cnr_slice_waste_of_root(struct cnr_program *prog, const struct cnr_root *r, uint64_t addr, uint64_t size,
			     struct cnr_slice_waste *ret)
{
	if (!prog->dwarf || !r->var_type || r->value < addr || r->value >= addr + size)
		return false;
	uint64_t soff;
	const struct cnr_dwarf_type *st =
		slice_at(prog->dwarf, cnr_dwarf_type_at(prog->dwarf, r->var_type), r->var_offset, &soff);
	if (!st)
		return false;
	const struct cnr_dwarf_field *arr = cnr_dwarf_field(prog->dwarf, st, "array"),
				     *len = cnr_dwarf_field(prog->dwarf, st, "len"),
				     *cap = cnr_dwarf_field(prog->dwarf, st, "cap");
	const struct cnr_dwarf_type *pt = arr ? cnr_dwarf_type_at(prog->dwarf, arr->type_offset) : NULL;
	const struct cnr_dwarf_type *et = pt && pt->type_offset ? cnr_dwarf_type_at(prog->dwarf, pt->type_offset) : NULL;
	if (!len || !cap || !et)
		return false;
	uint64_t header = r->slot - r->var_offset + soff, n, c;
	uint64_t es = cnr_dwarf_type_size(prog->dwarf, et);
	struct cnr_error *e = cnr_memory_read_u64(&prog->mem, header + len->offset, &n);
	if (!e)
		e = cnr_memory_read_u64(&prog->mem, header + cap->offset, &c);
	if (e) {
		cnr_error_destroy(e);
		return false;
	}
	// The backing array must hold cap elements from the data pointer on.
	if (!es || n > c || c > (addr + size - r->value) / es)
		return false;
	*ret = (struct cnr_slice_waste){ n, c, es, (c - n) * es };
	return true;
}
