// An index of the executable's DWARF, built in one walk: types with their
// layouts, global variables, package constants, functions by pc, and
// (lazily, per compile unit) the line table.  Name lookups are O(1).
//
// Go's DWARF names types and symbols with their package path
// ("runtime.g", "*runtime.g", "[]*runtime.g", "runtime._Gwaiting").
#ifndef CNR_DWARF_DWARF_INDEX_H
#define CNR_DWARF_DWARF_INDEX_H

#include "cnr_internal.h"

struct cnr_dwarf;

struct cnr_dwarf_type {
	const char *name;  // may be NULL (anonymous)
	uint64_t offset;   // DIE offset
	uint16_t tag;      // DW_TAG_*
	uint8_t go_kind;   // DW_AT_go_kind (reflect.Kind), 0 if absent
	bool has_size;
	uint64_t size;
	uint64_t type_offset; // referenced type: pointee, element, typedef target; 0 if none
	uint64_t count;       // array element count
	uint32_t first_field, nfields;
	// DW_AT_go_runtime_type: the runtime type descriptor, as an offset
	// from the module's types base (runtime.types); 0 if absent.
	uint64_t go_runtime_type;
};

struct cnr_dwarf_field {
	const char *name;
	uint64_t offset;
	uint64_t type_offset;
};

struct cnr_dwarf_var {
	const char *name;
	uint64_t addr;
	uint64_t type_offset;
};

struct cnr_dwarf_func {
	uint64_t lo, hi; // [lo, hi)
	const char *name;
	uint32_t cu;     // compile unit index, for the line table
	uint64_t die;    // DW_TAG_subprogram offset, for its variables
};

// A variable or parameter that lives in the frame at a fixed offset from
// the canonical frame address (on amd64 the CFA is the caller's sp, which
// is the frame's fp as coroner unwinds it).
struct cnr_dwarf_frame_var {
	const char *name;
	uint64_t type_offset;
	int64_t cfa_offset;
	bool is_param;
	bool unlocated; // frame vars: DWARF gives no location at pc (cfa_offset 0)
};

typedef void cnr_frame_var_fn(void *arg, const struct cnr_dwarf_frame_var *var);

// Open and index path's DWARF.  A binary without DWARF is
// CNR_ERROR_MISSING_DEBUG_INFO.  Free with cnr_dwarf_destroy().
struct cnr_error *cnr_dwarf_open(const char *path, struct cnr_ctx *ctx, struct cnr_dwarf **ret);
void cnr_dwarf_destroy(struct cnr_dwarf *dw);

// Counts, for diagnostics and tests.
size_t cnr_dwarf_num_types(const struct cnr_dwarf *dw);
size_t cnr_dwarf_num_funcs(const struct cnr_dwarf *dw);
unsigned cnr_dwarf_version(const struct cnr_dwarf *dw);

const struct cnr_dwarf_type *cnr_dwarf_type_by_name(const struct cnr_dwarf *dw, const char *name);
const struct cnr_dwarf_type *cnr_dwarf_type_at(const struct cnr_dwarf *dw, uint64_t offset);
// Follow typedefs (Go emits few) to the underlying type.
const struct cnr_dwarf_type *cnr_dwarf_type_strip(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t);
// Field of a struct type by name, or NULL.
const struct cnr_dwarf_field *cnr_dwarf_field(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t,
					      const char *name);
const struct cnr_dwarf_field *cnr_dwarf_fields(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t);
// Offset of a dotted field path within the named struct type
// ("runtime.g", "sched.sp"); a part may list alternatives for fields Go
// renamed ("entryOff|entryoff").  MISSING_DEBUG_INFO names what is missing.
struct cnr_error *cnr_dwarf_offsetof(const struct cnr_dwarf *dw, const char *type_name, const char *path,
				     uint64_t *ret);

// The size of a value of t (typedefs followed); Go gives pointer types no
// byte size, so those and unknown types are 8.
uint64_t cnr_dwarf_type_size(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t);
// Write to buf the path to offset off inside a value of t: struct fields by
// name (".sessions.byID"), array elements by index ("[3]"); strings,
// slices, maps and interfaces are leaves.  Returns the offset left inside
// the leaf.
uint64_t cnr_dwarf_field_path(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t, uint64_t off, char *buf,
			      size_t len);
// Type i of the index, i < cnr_dwarf_num_types().
const struct cnr_dwarf_type *cnr_dwarf_type_nth(const struct cnr_dwarf *dw, size_t i);

const struct cnr_dwarf_var *cnr_dwarf_global(const struct cnr_dwarf *dw, const char *name);
// Move the globals in [lo, hi) by delta: a rebuilt executable whose data
// sections sit delta bytes from the core's (goruntime/rebuild.c).
void cnr_dwarf_move_globals(struct cnr_dwarf *dw, uint64_t lo, uint64_t hi, int64_t delta);
// All globals, in no particular order: i < cnr_dwarf_num_globals().
size_t cnr_dwarf_num_globals(const struct cnr_dwarf *dw);
const struct cnr_dwarf_var *cnr_dwarf_global_at(const struct cnr_dwarf *dw, size_t i);
// Value of a DW_TAG_constant (e.g. "runtime._Gwaiting").
bool cnr_dwarf_constant(const struct cnr_dwarf *dw, const char *name, int64_t *ret);

// The function containing pc, or NULL.
const struct cnr_dwarf_func *cnr_dwarf_func_at(const struct cnr_dwarf *dw, uint64_t pc);
// The variables of f that are in memory at pc (location expressions and
// location lists evaluated at pc; register-only ones are skipped).
// The variables of f in memory at pc, as CFA offsets, and those DWARF
// gives no location there (unlocated: optimised into registers, or
// rematerialised, like the address of a map header kept on the stack).
struct cnr_error *cnr_dwarf_frame_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, uint64_t pc,
				       cnr_frame_var_fn *fn, void *arg);
// The variables a closure of f captured, each with its offset in the
// closure context as cfa_offset (DW_AT_go_closure_offset, Go 1.23+; none
// before).
struct cnr_error *cnr_dwarf_closure_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, cnr_frame_var_fn *fn,
					 void *arg);
// File and line of pc from the line table of its compile unit.
struct cnr_error *cnr_dwarf_line_at(struct cnr_dwarf *dw, uint64_t pc, const char **file_ret, int *line_ret);

#endif
