// A Go value shown field by field, as a Go developer reads it: struct
// fields by name, array elements by index, strings quoted, slices with
// their length, interfaces with their dynamic type, pointers with the type
// of the heap object they reach.  Used by `coroner object`.
#ifndef CNR_REPORT_FIELD_VIEW_H
#define CNR_REPORT_FIELD_VIEW_H

#include "goruntime/heap_graph.h"

struct cnr_program;

struct cnr_field_view {
	const char *path;        // ".Data", "[3].key"
	const char *type;        // the field's Go type
	const char *value;       // printed value
	uint64_t points_to;      // the heap object a pointer word reaches, 0 if none
	const char *target_type; // its type, when points_to
};

typedef void cnr_field_fn(void *arg, const struct cnr_field_view *f);

// Call fn for each leaf field of the value of DWARF type type at addr
// (array elements: the first few), at most max times.  Returns the number
// of leaves left out past max.
size_t cnr_view_fields(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t type, uint64_t addr,
		       const char *prefix, size_t max, cnr_field_fn *fn, void *arg);

#endif
