// The DWARF index's shared internals (private to src/dwarf/): the index
// itself, its compile units with their lazily read line tables, and the
// DIE attribute readers that the walk and the frame lookups share.
#ifndef CNR_DWARF_INTERNAL_H
#define CNR_DWARF_INTERNAL_H

#include "dwarf/dwarf_index.h"
#include "dwarf/libdwarf_shim.h"
#include "util/hash_map.h"
#include "util/string_pool.h"
#include "util/vector.h"

struct cnr_dwarf_const {
	const char *name;
	int64_t value;
};

struct line_row {
	uint64_t addr;
	uint32_t line;
	uint32_t file; // index into cu's files, UINT32_MAX = end of sequence
};

struct cnr_dwarf_cu {
	uint64_t offset; // CU DIE
	bool lines_loaded;
	struct line_row *rows;
	size_t nrows;
	const char **files;
	size_t nfiles;
};

DEFINE_VECTOR(type_vector, struct cnr_dwarf_type)
DEFINE_VECTOR(field_vector, struct cnr_dwarf_field)
DEFINE_VECTOR(var_vector, struct cnr_dwarf_var)
DEFINE_VECTOR(func_vector, struct cnr_dwarf_func)
DEFINE_VECTOR(const_vector, struct cnr_dwarf_const)
DEFINE_VECTOR(cu_vector, struct cnr_dwarf_cu)
DEFINE_VECTOR(row_vector, struct line_row)
DEFINE_VECTOR(str_vector, const char *)
DEFINE_HASH_MAP(name_map, const char *, uint32_t, cnr_hash_string, cnr_eq_string)
DEFINE_HASH_MAP(offset_map, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)

struct cnr_dwarf {
	Dwarf_Debug dbg;
	struct cnr_ctx *ctx;
	const char *path;
	unsigned version;
	struct type_vector types;
	struct field_vector fields;
	struct var_vector vars;
	struct func_vector funcs; // sorted by lo after the walk
	struct const_vector consts;
	struct cu_vector cus;
	struct name_map type_by_name, var_by_name, const_by_name;
	struct offset_map type_by_offset;
	struct cnr_string_pool strings;
};


// A libdwarf failure, as an error naming the file and what we were doing.
struct cnr_error *cnr_dwi_error(struct cnr_dwarf *dw, Dwarf_Error e, const char *what);
// Free the error of a libdwarf call whose failure we can live without.
void cnr_dwi_drop(struct cnr_dwarf *dw, int r, Dwarf_Error e);
// An unsigned (or constant-class) attribute of die, if present.
bool cnr_dwi_attr_udata(struct cnr_dwarf *dw, Dwarf_Die die, Dwarf_Half at, uint64_t *ret);
// die's DW_AT_name (it lives as long as the libdwarf handle), or NULL.
const char *cnr_dwi_die_name(struct cnr_dwarf *dw, Dwarf_Die die);
// The DIE offset of die's DW_AT_type, or 0.
uint64_t cnr_dwi_die_type_offset(struct cnr_dwarf *dw, Dwarf_Die die);

#endif
