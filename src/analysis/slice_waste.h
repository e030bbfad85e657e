// Retention through slicing (issue 15): a slice re-sliced shorter keeps
// its whole backing array alive, and everything the elements past its
// length point to.  For a suspect held directly by a root whose slot is a
// slice's data pointer (a global, a frame variable or a field of one, as
// the root's DWARF type says), the slice's len and cap, read from the
// slice header next to the slot, and the bytes of the backing array past
// len: (cap - len) * the element size.
#ifndef CNR_ANALYSIS_SLICE_WASTE_H
#define CNR_ANALYSIS_SLICE_WASTE_H

#include <stdbool.h>
#include <stdint.h>

#include "goruntime/program.h"
#include "goruntime/roots.h"

struct cnr_slice_waste {
	uint64_t len, cap, elem_size;
	uint64_t wasted; // (cap - len) * elem_size
};

// The slice facts of the object [addr, addr + size) held by root r; false
// when r's slot is not a slice's data pointer into it, or the header read
// is not a slice over it (len > cap, cap past the object).
bool cnr_slice_waste_of_root(struct cnr_program *prog, const struct cnr_root *r, uint64_t addr, uint64_t size,
			     struct cnr_slice_waste *ret);

#endif
