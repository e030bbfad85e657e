// The DWARF index: opening the executable's DWARF with libdwarf and one
// walk over every compile unit's DIEs, recording types (with their fields),
// global variables, constants and functions, and the attribute readers the
// walk and the frame lookups share.  Lookups are in dwarf_types.c, line
// tables in dwarf_lines.c, frame and closure variables in dwarf_frames.c.
#include "dwarf/dwarf_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Go's own DWARF attributes (cmd/internal/dwarf/dwarf.go); older
// libdwarf headers may lack the name.
#ifndef DW_AT_go_kind
#define DW_AT_go_kind 0x2900
#endif
#ifndef DW_AT_go_runtime_type
#define DW_AT_go_runtime_type 0x2904
#endif
// DWARF nesting in Go binaries is shallow (CU > subprogram > lexical
// blocks); a deeper tree is corrupt, not a reason to exhaust the stack.
enum { MAX_DIE_DEPTH = 64 };

// A libdwarf failure, as an error naming the file and what we were doing.
struct cnr_error *cnr_dwi_error(struct cnr_dwarf *dw, Dwarf_Error e, const char *what)
{
	char buf[256];
	return cnr_error_corrupt("cannot %s in '%s': %s", what, dw->path, cnr_dw_errmsg(dw->dbg, e, buf, sizeof(buf)));
}

void cnr_dwi_drop(struct cnr_dwarf *dw, int r, Dwarf_Error e)
{
	if (r == DW_DLV_ERROR && e)
		dwarf_dealloc(dw->dbg, e, DW_DLA_ERROR);
}

bool cnr_dwi_attr_udata(struct cnr_dwarf *dw, Dwarf_Die die, Dwarf_Half at, uint64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Error e = NULL;
	int r = dwarf_attr(die, at, &attr, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		return false;
	}
	Dwarf_Unsigned u;
	r = dwarf_formudata(attr, &u, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		Dwarf_Signed s;
		r = dwarf_formsdata(attr, &s, &e);
		if (r != DW_DLV_OK) {
			cnr_dwi_drop(dw, r, e);
			dwarf_dealloc_attribute(attr);
			return false;
		}
		u = (Dwarf_Unsigned)s;
	}
	dwarf_dealloc_attribute(attr);
	*ret = u;
	return true;
}

// Go writes DW_AT_go_runtime_type with an address form (the offset of the
// type descriptor from runtime.types).
static bool attr_addr(struct cnr_dwarf *dw, Dwarf_Die die, Dwarf_Half at, uint64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Error e = NULL;
	int r = dwarf_attr(die, at, &attr, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		return false;
	}
	Dwarf_Addr a;
	r = dwarf_formaddr(attr, &a, &e);
	cnr_dwi_drop(dw, r, e);
	dwarf_dealloc_attribute(attr);
	if (r != DW_DLV_OK)
		return false;
	*ret = a;
	return true;
}

static bool attr_sdata(struct cnr_dwarf *dw, Dwarf_Die die, Dwarf_Half at, int64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Error e = NULL;
	int r = dwarf_attr(die, at, &attr, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		return false;
	}
	Dwarf_Half form = 0;
	dwarf_whatform(attr, &form, &e);
	Dwarf_Signed s;
	Dwarf_Unsigned u;
	bool ok = false;
	// Unsigned forms hold values that may not fit a signed read.
	if (form == DW_FORM_udata || form == DW_FORM_data8 || form == DW_FORM_data4 ||
	    form == DW_FORM_data2 || form == DW_FORM_data1) {
		r = dwarf_formudata(attr, &u, &e);
		if (r == DW_DLV_OK) {
			*ret = (int64_t)u;
			ok = true;
		}
	} else {
		r = dwarf_formsdata(attr, &s, &e);
		if (r == DW_DLV_OK) {
			*ret = s;
			ok = true;
		}
	}
	cnr_dwi_drop(dw, r, e);
	dwarf_dealloc_attribute(attr);
	return ok;
}

// DW_AT_location of a global: Go writes a block holding DW_OP_addr
// (toolchain-notes.md: read it with dwarf_formblock).
static bool attr_location_addr(struct cnr_dwarf *dw, Dwarf_Die die, uint64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Error e = NULL;
	int r = dwarf_attr(die, DW_AT_location, &attr, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		return false;
	}
	Dwarf_Block *blk = NULL;
	bool ok = false;
	r = dwarf_formblock(attr, &blk, &e);
	if (r == DW_DLV_OK) {
		const uint8_t *b = blk->bl_data;
		if (blk->bl_len == 9 && b[0] == DW_OP_addr) {
			memcpy(ret, b + 1, 8);
			ok = true;
		}
		dwarf_dealloc(dw->dbg, blk, DW_DLA_BLOCK);
	} else {
		cnr_dwi_drop(dw, r, e);
	}
	dwarf_dealloc_attribute(attr);
	return ok;
}

const char *cnr_dwi_die_name(struct cnr_dwarf *dw, Dwarf_Die die)
{
	char *name = NULL;
	Dwarf_Error e = NULL;
	int r = dwarf_diename(die, &name, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		return NULL;
	}
	return name; // points into .debug_str / .debug_info: lives with dbg
}

uint64_t cnr_dwi_die_type_offset(struct cnr_dwarf *dw, Dwarf_Die die)
{
	Dwarf_Off off = 0;
	Dwarf_Error e = NULL;
	int r = cnr_dw_dietype_offset(die, &off, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		return 0;
	}
	return off;
}

static uint64_t die_offset(struct cnr_dwarf *dw, Dwarf_Die die)
{
	Dwarf_Off off = 0;
	Dwarf_Error e = NULL;
	int r = dwarf_dieoffset(die, &off, &e);
	cnr_dwi_drop(dw, r, e);
	return off;
}

static bool is_type_tag(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_base_type:
	case DW_TAG_structure_type:
	case DW_TAG_pointer_type:
	case DW_TAG_typedef:
	case DW_TAG_array_type:
	case DW_TAG_subroutine_type:
	case DW_TAG_unspecified_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
	case DW_TAG_enumeration_type:
		return true;
	default:
		return false;
	}
}

static struct cnr_error *walk_children(struct cnr_dwarf *dw, Dwarf_Die parent, uint32_t cu, int depth,
				       int64_t type_idx);

// Members of a struct, or the subrange of an array, belong to type_idx.
static struct cnr_error *index_type(struct cnr_dwarf *dw, Dwarf_Die die, Dwarf_Half tag, uint32_t cu, int depth)
{
	struct cnr_dwarf_type t = {
		.name = cnr_dwi_die_name(dw, die),
		.offset = die_offset(dw, die),
		.tag = tag,
		.type_offset = cnr_dwi_die_type_offset(dw, die),
	};
	Dwarf_Unsigned size;
	Dwarf_Error e = NULL;
	int r = dwarf_bytesize(die, &size, &e);
	if (r == DW_DLV_OK) {
		t.has_size = true;
		t.size = size;
	} else {
		cnr_dwi_drop(dw, r, e);
	}
	uint64_t kind;
	if (cnr_dwi_attr_udata(dw, die, DW_AT_go_kind, &kind))
		t.go_kind = (uint8_t)kind;
	if (!cnr_dwi_attr_udata(dw, die, DW_AT_go_runtime_type, &t.go_runtime_type))
		attr_addr(dw, die, DW_AT_go_runtime_type, &t.go_runtime_type);
	t.first_field = (uint32_t)dw->fields.size;
	uint32_t idx = (uint32_t)dw->types.size;
	if (!type_vector_push(&dw->types, t))
		return &cnr_enomem;
	bool inserted;
	uint32_t *slot = offset_map_insert(&dw->type_by_offset, t.offset, &inserted);
	if (!slot)
		return &cnr_enomem;
	*slot = idx;
	if (t.name) {
		slot = name_map_insert(&dw->type_by_name, t.name, &inserted);
		if (!slot)
			return &cnr_enomem;
		if (inserted)
			*slot = idx;
	}
	if (tag == DW_TAG_structure_type || tag == DW_TAG_array_type || tag == DW_TAG_union_type)
		return walk_children(dw, die, cu, depth + 1, idx);
	return NULL;
}

static struct cnr_error *index_die(struct cnr_dwarf *dw, Dwarf_Die die, uint32_t cu, int depth, int64_t type_idx)
{
	Dwarf_Half tag;
	Dwarf_Error e = NULL;
	int r = dwarf_tag(die, &tag, &e);
	if (r != DW_DLV_OK)
		return cnr_dwi_error(dw, e, "read a DIE tag");

	if (type_idx >= 0) {
		struct cnr_dwarf_type *owner = &dw->types.data[type_idx];
		if (tag == DW_TAG_member) {
			struct cnr_dwarf_field f = {
				.name = cnr_dwi_die_name(dw, die),
				.type_offset = cnr_dwi_die_type_offset(dw, die),
			};
			cnr_dwi_attr_udata(dw, die, DW_AT_data_member_location, &f.offset);
			if (!field_vector_push(&dw->fields, f))
				return &cnr_enomem;
			owner->nfields++;
		} else if (tag == DW_TAG_subrange_type) {
			uint64_t n;
			if (cnr_dwi_attr_udata(dw, die, DW_AT_count, &n))
				owner->count = n;
			else if (cnr_dwi_attr_udata(dw, die, DW_AT_upper_bound, &n))
				owner->count = n + 1;
		}
		return NULL;
	}

	if (is_type_tag(tag))
		return index_type(dw, die, tag, cu, depth);

	switch (tag) {
	case DW_TAG_subprogram: {
		Dwarf_Addr lo, hi;
		Dwarf_Half form;
		enum Dwarf_Form_Class cls;
		r = dwarf_lowpc(die, &lo, &e);
		if (r != DW_DLV_OK) {
			cnr_dwi_drop(dw, r, e);
			return NULL; // abstract (inlined-only) functions have no pc
		}
		r = dwarf_highpc_b(die, &hi, &form, &cls, &e);
		if (r != DW_DLV_OK) {
			cnr_dwi_drop(dw, r, e);
			return NULL;
		}
		if (cls == DW_FORM_CLASS_CONSTANT)
			hi += lo;
		struct cnr_dwarf_func f = {
			.lo = lo, .hi = hi, .name = cnr_dwi_die_name(dw, die), .cu = cu, .die = die_offset(dw, die),
		};
		if (hi > lo && !func_vector_push(&dw->funcs, f))
			return &cnr_enomem;
		return NULL;
	}
	case DW_TAG_variable: {
		if (depth != 1)
			return NULL; // locals come with frames, later
		struct cnr_dwarf_var v = { .name = cnr_dwi_die_name(dw, die), .type_offset = cnr_dwi_die_type_offset(dw, die) };
		if (!v.name || !attr_location_addr(dw, die, &v.addr))
			return NULL;
		bool inserted;
		uint32_t *slot = name_map_insert(&dw->var_by_name, v.name, &inserted);
		if (!slot)
			return &cnr_enomem;
		if (inserted) {
			*slot = (uint32_t)dw->vars.size;
			if (!var_vector_push(&dw->vars, v))
				return &cnr_enomem;
		}
		return NULL;
	}
	case DW_TAG_constant: {
		struct cnr_dwarf_const c = { .name = cnr_dwi_die_name(dw, die) };
		if (!c.name || !attr_sdata(dw, die, DW_AT_const_value, &c.value))
			return NULL;
		bool inserted;
		uint32_t *slot = name_map_insert(&dw->const_by_name, c.name, &inserted);
		if (!slot)
			return &cnr_enomem;
		if (inserted) {
			*slot = (uint32_t)dw->consts.size;
			if (!const_vector_push(&dw->consts, c))
				return &cnr_enomem;
		}
		return NULL;
	}
	default:
		return NULL;
	}
}

static struct cnr_error *walk_children(struct cnr_dwarf *dw, Dwarf_Die parent, uint32_t cu, int depth,
				       int64_t type_idx)
{
	if (depth > MAX_DIE_DEPTH)
		return cnr_error_corrupt("DWARF in '%s' nests deeper than %d levels", dw->path, MAX_DIE_DEPTH);
	Dwarf_Die child;
	Dwarf_Error e = NULL;
	int r = dwarf_child(parent, &child, &e);
	if (r == DW_DLV_NO_ENTRY)
		return NULL;
	if (r != DW_DLV_OK)
		return cnr_dwi_error(dw, e, "read DWARF children");
	for (;;) {
		struct cnr_error *err = index_die(dw, child, cu, depth, type_idx);
		if (err) {
			dwarf_dealloc_die(child);
			return err;
		}
		Dwarf_Die sib;
		r = dwarf_siblingof_b(dw->dbg, child, 1, &sib, &e);
		dwarf_dealloc_die(child);
		if (r == DW_DLV_NO_ENTRY)
			return NULL;
		if (r != DW_DLV_OK)
			return cnr_dwi_error(dw, e, "read a DWARF sibling");
		child = sib;
	}
}

static int cmp_func(const void *a, const void *b)
{
	const struct cnr_dwarf_func *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct cnr_error *walk_cus(struct cnr_dwarf *dw)
{
	for (;;) {
		Dwarf_Unsigned hdr_len, typeoff, next;
		Dwarf_Half version, addr_size, len_size, ext_size, cu_type;
		Dwarf_Off abbrev;
		Dwarf_Sig8 sig;
		Dwarf_Error e = NULL;
		int r = dwarf_next_cu_header_d(dw->dbg, 1, &hdr_len, &version, &abbrev, &addr_size, &len_size,
					       &ext_size, &sig, &typeoff, &next, &cu_type, &e);
		if (r == DW_DLV_NO_ENTRY)
			return NULL;
		if (r != DW_DLV_OK)
			return cnr_dwi_error(dw, e, "read a compile unit header");
		if (version > dw->version)
			dw->version = version;
		Dwarf_Die cu_die;
		r = dwarf_siblingof_b(dw->dbg, NULL, 1, &cu_die, &e);
		if (r != DW_DLV_OK)
			return cnr_dwi_error(dw, e, "read a compile unit DIE");
		struct cnr_dwarf_cu cu = { .offset = die_offset(dw, cu_die) };
		uint32_t cu_idx = (uint32_t)dw->cus.size;
		struct cnr_error *err = cu_vector_push(&dw->cus, cu) ? walk_children(dw, cu_die, cu_idx, 1, -1)
								     : &cnr_enomem;
		dwarf_dealloc_die(cu_die);
		if (err)
			return err;
	}
}

struct cnr_error *cnr_dwarf_open(const char *path, struct cnr_ctx *ctx, struct cnr_dwarf **ret)
{
	struct cnr_dwarf *dw = calloc(1, sizeof(*dw));
	if (!dw)
		return &cnr_enomem;
	dw->ctx = ctx;
	dw->path = cnr_string_pool_add(&dw->strings, path, strlen(path));
	if (!dw->path) {
		free(dw);
		return &cnr_enomem;
	}
	Dwarf_Error e = NULL;
	int r = cnr_dw_init_path(path, &dw->dbg, &e);
	struct cnr_error *err = NULL;
	if (r == DW_DLV_NO_ENTRY) {
		err = cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO,
				       "executable '%s' has no DWARF debug info (built with -ldflags=-w or stripped?)",
				       path);
		dw->dbg = NULL;
		goto fail;
	}
	if (r != DW_DLV_OK) {
		char buf[256];
		err = cnr_error_create(CNR_ERROR_FORMAT, "cannot read DWARF of '%s': %s", path,
				       cnr_dw_errmsg(NULL, e, buf, sizeof(buf)));
		dw->dbg = NULL;
		goto fail;
	}
	err = walk_cus(dw);
	if (err)
		goto fail;
	// libdwarf also opens files whose only DWARF is .eh_frame.
	if (dw->cus.size == 0) {
		err = cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO,
				       "executable '%s' has no DWARF debug info (built with -ldflags=-w or stripped?)",
				       path);
		goto fail;
	}
	if (dw->funcs.size)
		qsort(dw->funcs.data, dw->funcs.size, sizeof(*dw->funcs.data), cmp_func);
	type_vector_shrink(&dw->types);
	field_vector_shrink(&dw->fields);
	cnr_debug(ctx, "DWARF %u of '%s': %zu types, %zu globals, %zu constants, %zu functions, %zu CUs",
		  dw->version, path, dw->types.size, dw->vars.size, dw->consts.size, dw->funcs.size, dw->cus.size);
	*ret = dw;
	return NULL;
fail:
	cnr_dwarf_destroy(dw);
	return err;
}

void cnr_dwarf_destroy(struct cnr_dwarf *dw)
{
	if (!dw)
		return;
	for (size_t i = 0; i < dw->cus.size; i++) {
		free(dw->cus.data[i].rows);
		free(dw->cus.data[i].files);
	}
	type_vector_deinit(&dw->types);
	field_vector_deinit(&dw->fields);
	var_vector_deinit(&dw->vars);
	func_vector_deinit(&dw->funcs);
	const_vector_deinit(&dw->consts);
	cu_vector_deinit(&dw->cus);
	name_map_deinit(&dw->type_by_name);
	name_map_deinit(&dw->var_by_name);
	name_map_deinit(&dw->const_by_name);
	offset_map_deinit(&dw->type_by_offset);
	cnr_dw_finish(dw->dbg);
	cnr_string_pool_deinit(&dw->strings);
	free(dw);
}
