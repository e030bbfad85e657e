// Go values decoded from target memory, as a Go developer reads them
// (values.c): reflect kinds, interfaces' dynamic types, map keys and
// integers as text, and a value field by field for `coroner object`.
#ifndef CNR_GORUNTIME_VALUES_H
#define CNR_GORUNTIME_VALUES_H

#include "goruntime/heap_graph.h"
#include "goruntime/types.h"

struct cnr_program;
struct cnr_dwarf;
struct cnr_dwarf_type;

// t's reflect.Kind (enum cnr_go_kind): the first typedef on the way down
// that states one ("interface {}" is a typedef of a typedef of
// runtime.eface); 0 if none does.
uint8_t cnr_value_kind(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t);

// A map key of DWARF type kt at addr as Go would print it in a path
// ("\"user:12\"", 42), or "…" where it cannot be read or shown.
void cnr_value_key_text(struct cnr_program *prog, const struct cnr_dwarf_type *kt, uint64_t addr, char *buf, size_t len);

// Whether values of t are one pointer word (and so stored in an
// interface's data word itself).
bool cnr_rtype_pointer_shaped(const struct cnr_rtype *t);
// Where the value of the interface at addr, of dynamic type t, lives: the
// data word itself for pointer-shaped types, else the address it holds;
// 0 when t is NULL (nil) or the data word cannot be read
// (*unreadable_ret set).
uint64_t cnr_value_interface_data(struct cnr_program *prog, uint64_t addr, const struct cnr_rtype *t, bool *unreadable_ret);
// The dynamic type of the interface value at addr (of interface type
// iface; itab_type_off: the concrete type's offset in an itab), as %T
// prints it, with *type_ret its descriptor.  "<nil>" for nil and
// "(unreadable)" otherwise, *type_ret NULL: *unreadable_ret set when the
// interface's words cannot be read, *err_ret when the type descriptor
// cannot (the caller reports or frees it).
const char *cnr_value_dynamic_type(struct cnr_program *prog, struct cnr_type_cache *tc, uint64_t itab_type_off,
				   const struct cnr_rtype *iface, uint64_t addr, const struct cnr_rtype **type_ret,
				   bool *unreadable_ret, struct cnr_error **err_ret);
// An integer of runtime type t (signed or not, any size up to 8) at addr
// as text; false if it cannot be read.
bool cnr_value_integer_text(struct cnr_program *prog, const struct cnr_rtype *t, uint64_t addr, char *out, size_t len);

// One leaf of a value shown field by field.
struct cnr_field_view {
	const char *path;        // ".Data", "[3].key"
	const char *type;        // the field's Go type
	const char *value;       // printed value
	uint64_t points_to;      // the heap object a pointer word reaches, 0 if none
	const char *target_type; // its type, when points_to
	bool slice;              // a slice header: its len and cap
	uint64_t len, cap;
};

typedef void cnr_field_fn(void *arg, const struct cnr_field_view *f);

// Call fn for each leaf field of the value of DWARF type type at addr
// (array elements: the first few), at most max times: struct fields by
// name, strings quoted, slices with their length, interfaces with their
// dynamic type, pointers with the type of the heap object they reach (hg
// typed).  Returns the number of leaves left out past max.
size_t cnr_view_fields(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t type, uint64_t addr,
		       const char *prefix, size_t max, cnr_field_fn *fn, void *arg);

#endif
