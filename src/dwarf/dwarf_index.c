#include "dwarf/dwarf_index.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/libdwarf_shim.h"
#include "util/hash_map.h"
#include "util/string_pool.h"
#include "util/vector.h"

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
static struct cnr_error *dw_error(struct cnr_dwarf *dw, Dwarf_Error e, const char *what)
{
	char buf[256];
	return cnr_error_corrupt("cannot %s in '%s': %s", what, dw->path, cnr_dw_errmsg(dw->dbg, e, buf, sizeof(buf)));
}

static void dw_drop(struct cnr_dwarf *dw, int r, Dwarf_Error e)
{
	if (r == DW_DLV_ERROR && e)
		dwarf_dealloc(dw->dbg, e, DW_DLA_ERROR);
}

static bool attr_udata(struct cnr_dwarf *dw, Dwarf_Die die, Dwarf_Half at, uint64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Error e = NULL;
	int r = dwarf_attr(die, at, &attr, &e);
	if (r != DW_DLV_OK) {
		dw_drop(dw, r, e);
		return false;
	}
	Dwarf_Unsigned u;
	r = dwarf_formudata(attr, &u, &e);
	if (r != DW_DLV_OK) {
		dw_drop(dw, r, e);
		Dwarf_Signed s;
		r = dwarf_formsdata(attr, &s, &e);
		if (r != DW_DLV_OK) {
			dw_drop(dw, r, e);
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
		dw_drop(dw, r, e);
		return false;
	}
	Dwarf_Addr a;
	r = dwarf_formaddr(attr, &a, &e);
	dw_drop(dw, r, e);
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
		dw_drop(dw, r, e);
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
	dw_drop(dw, r, e);
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
		dw_drop(dw, r, e);
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
		dw_drop(dw, r, e);
	}
	dwarf_dealloc_attribute(attr);
	return ok;
}

static const char *die_name(struct cnr_dwarf *dw, Dwarf_Die die)
{
	char *name = NULL;
	Dwarf_Error e = NULL;
	int r = dwarf_diename(die, &name, &e);
	if (r != DW_DLV_OK) {
		dw_drop(dw, r, e);
		return NULL;
	}
	return name; // points into .debug_str / .debug_info: lives with dbg
}

static uint64_t die_type_offset(struct cnr_dwarf *dw, Dwarf_Die die)
{
	Dwarf_Off off = 0;
	Dwarf_Error e = NULL;
	int r = cnr_dw_dietype_offset(die, &off, &e);
	if (r != DW_DLV_OK) {
		dw_drop(dw, r, e);
		return 0;
	}
	return off;
}

static uint64_t die_offset(struct cnr_dwarf *dw, Dwarf_Die die)
{
	Dwarf_Off off = 0;
	Dwarf_Error e = NULL;
	int r = dwarf_dieoffset(die, &off, &e);
	dw_drop(dw, r, e);
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
		.name = die_name(dw, die),
		.offset = die_offset(dw, die),
		.tag = tag,
		.type_offset = die_type_offset(dw, die),
	};
	Dwarf_Unsigned size;
	Dwarf_Error e = NULL;
	int r = dwarf_bytesize(die, &size, &e);
	if (r == DW_DLV_OK) {
		t.has_size = true;
		t.size = size;
	} else {
		dw_drop(dw, r, e);
	}
	uint64_t kind;
	if (attr_udata(dw, die, DW_AT_go_kind, &kind))
		t.go_kind = (uint8_t)kind;
	if (!attr_udata(dw, die, DW_AT_go_runtime_type, &t.go_runtime_type))
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
		return dw_error(dw, e, "read a DIE tag");

	if (type_idx >= 0) {
		struct cnr_dwarf_type *owner = &dw->types.data[type_idx];
		if (tag == DW_TAG_member) {
			struct cnr_dwarf_field f = {
				.name = die_name(dw, die),
				.type_offset = die_type_offset(dw, die),
			};
			attr_udata(dw, die, DW_AT_data_member_location, &f.offset);
			if (!field_vector_push(&dw->fields, f))
				return &cnr_enomem;
			owner->nfields++;
		} else if (tag == DW_TAG_subrange_type) {
			uint64_t n;
			if (attr_udata(dw, die, DW_AT_count, &n))
				owner->count = n;
			else if (attr_udata(dw, die, DW_AT_upper_bound, &n))
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
			dw_drop(dw, r, e);
			return NULL; // abstract (inlined-only) functions have no pc
		}
		r = dwarf_highpc_b(die, &hi, &form, &cls, &e);
		if (r != DW_DLV_OK) {
			dw_drop(dw, r, e);
			return NULL;
		}
		if (cls == DW_FORM_CLASS_CONSTANT)
			hi += lo;
		struct cnr_dwarf_func f = {
			.lo = lo, .hi = hi, .name = die_name(dw, die), .cu = cu, .die = die_offset(dw, die),
		};
		if (hi > lo && !func_vector_push(&dw->funcs, f))
			return &cnr_enomem;
		return NULL;
	}
	case DW_TAG_variable: {
		if (depth != 1)
			return NULL; // locals come with frames, later
		struct cnr_dwarf_var v = { .name = die_name(dw, die), .type_offset = die_type_offset(dw, die) };
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
		struct cnr_dwarf_const c = { .name = die_name(dw, die) };
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
		return dw_error(dw, e, "read DWARF children");
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
			return dw_error(dw, e, "read a DWARF sibling");
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
			return dw_error(dw, e, "read a compile unit header");
		if (version > dw->version)
			dw->version = version;
		Dwarf_Die cu_die;
		r = dwarf_siblingof_b(dw->dbg, NULL, 1, &cu_die, &e);
		if (r != DW_DLV_OK)
			return dw_error(dw, e, "read a compile unit DIE");
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

size_t cnr_dwarf_num_types(const struct cnr_dwarf *dw) { return dw->types.size; }
size_t cnr_dwarf_num_funcs(const struct cnr_dwarf *dw) { return dw->funcs.size; }
unsigned cnr_dwarf_version(const struct cnr_dwarf *dw) { return dw->version; }

const struct cnr_dwarf_type *cnr_dwarf_type_by_name(const struct cnr_dwarf *dw, const char *name)
{
	uint32_t *i = name_map_get(&dw->type_by_name, name);
	return i ? &dw->types.data[*i] : NULL;
}

const struct cnr_dwarf_type *cnr_dwarf_type_at(const struct cnr_dwarf *dw, uint64_t offset)
{
	uint32_t *i = offset_map_get(&dw->type_by_offset, offset);
	return i ? &dw->types.data[*i] : NULL;
}

const struct cnr_dwarf_type *cnr_dwarf_type_nth(const struct cnr_dwarf *dw, size_t i)
{
	return i < dw->types.size ? &dw->types.data[i] : NULL;
}

uint64_t cnr_dwarf_type_size(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t)
{
	t = cnr_dwarf_type_strip(dw, t);
	return t && t->has_size ? t->size : 8;
}

uint64_t cnr_dwarf_field_path(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t, uint64_t off, char *buf,
			      size_t len)
{
	enum { MAX_DEPTH = 16 };
	size_t n = 0;
	if (len)
		buf[0] = 0;
	for (int depth = 0; depth < MAX_DEPTH && n < len; depth++) {
		t = cnr_dwarf_type_strip(dw, t);
		if (!t)
			break;
		int w;
		// The linker's synthesized map types (hash<K,V>, bucket<K,V>) state no kind.
		if (t->tag == DW_TAG_structure_type && (t->go_kind == 25 /* reflect.Struct */ || t->go_kind == 0)) {
			const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, t), *hit = NULL;
			for (uint32_t i = 0; i < t->nfields; i++) {
				uint64_t sz = cnr_dwarf_type_size(dw, cnr_dwarf_type_at(dw, f[i].type_offset));
				if (off >= f[i].offset && off - f[i].offset < sz)
					hit = &f[i];
			}
			if (!hit || !hit->name)
				break;
			w = snprintf(buf + n, len - n, ".%s", hit->name);
			off -= hit->offset;
			t = cnr_dwarf_type_at(dw, hit->type_offset);
		} else if (t->tag == DW_TAG_array_type) {
			const struct cnr_dwarf_type *e = cnr_dwarf_type_at(dw, t->type_offset);
			uint64_t esz = cnr_dwarf_type_size(dw, e);
			if (!esz)
				break;
			w = snprintf(buf + n, len - n, "[%" PRIu64 "]", off / esz);
			off %= esz;
			t = e;
		} else {
			break;
		}
		if (w < 0)
			break;
		n = (size_t)w < len - n ? n + (size_t)w : len - 1;
	}
	return off;
}

const struct cnr_dwarf_type *cnr_dwarf_type_strip(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t)
{
	for (int i = 0; t && t->tag == DW_TAG_typedef && i < 16; i++)
		t = cnr_dwarf_type_at(dw, t->type_offset);
	return t;
}

const struct cnr_dwarf_field *cnr_dwarf_fields(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t)
{
	return &dw->fields.data[t->first_field];
}

const struct cnr_dwarf_field *cnr_dwarf_field(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t,
					      const char *name)
{
	t = cnr_dwarf_type_strip(dw, t);
	if (!t)
		return NULL;
	const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, t);
	for (uint32_t i = 0; i < t->nfields; i++) {
		if (f[i].name && strcmp(f[i].name, name) == 0)
			return &f[i];
	}
	return NULL;
}

struct cnr_error *cnr_dwarf_offsetof(const struct cnr_dwarf *dw, const char *type_name, const char *path,
				     uint64_t *ret)
{
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, type_name);
	if (!t)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "type '%s' not found in the DWARF of '%s'",
					type_name, dw->path);
	uint64_t off = 0;
	char part[128];
	const char *p = path;
	while (*p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(part))
			return cnr_error_create(CNR_ERROR_INVALID, "field path '%s' too long", path);
		memcpy(part, p, n);
		part[n] = '\0';
		// "entryOff|entryoff": Go renamed some runtime fields across
		// versions; the first name present wins.
		const struct cnr_dwarf_field *f = NULL;
		for (char *alt = part, *next; alt && !f; alt = next) {
			next = strchr(alt, '|');
			if (next)
				*next++ = '\0';
			f = cnr_dwarf_field(dw, t, alt);
		}
		if (!f)
			return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO,
						"field '%s' of '%s.%s' not found in the DWARF of '%s'", part,
						type_name, path, dw->path);
		off += f->offset;
		t = cnr_dwarf_type_at(dw, f->type_offset);
		p += n;
		if (*p == '.')
			p++;
		if (*p && !t)
			return cnr_error_corrupt("field '%s' of '%s' has no type in '%s'", part, type_name, dw->path);
	}
	*ret = off;
	return NULL;
}

const struct cnr_dwarf_var *cnr_dwarf_global(const struct cnr_dwarf *dw, const char *name)
{
	uint32_t *i = name_map_get(&dw->var_by_name, name);
	return i ? &dw->vars.data[*i] : NULL;
}

void cnr_dwarf_move_globals(struct cnr_dwarf *dw, uint64_t lo, uint64_t hi, int64_t delta)
{
	for (size_t i = 0; i < dw->vars.size; i++)
		if (dw->vars.data[i].addr >= lo && dw->vars.data[i].addr < hi)
			dw->vars.data[i].addr += (uint64_t)delta;
}

size_t cnr_dwarf_num_globals(const struct cnr_dwarf *dw)
{
	return dw->vars.size;
}

const struct cnr_dwarf_var *cnr_dwarf_global_at(const struct cnr_dwarf *dw, size_t i)
{
	return &dw->vars.data[i];
}

bool cnr_dwarf_constant(const struct cnr_dwarf *dw, const char *name, int64_t *ret)
{
	uint32_t *i = name_map_get(&dw->const_by_name, name);
	if (!i)
		return false;
	*ret = dw->consts.data[*i].value;
	return true;
}

const struct cnr_dwarf_func *cnr_dwarf_func_at(const struct cnr_dwarf *dw, uint64_t pc)
{
	size_t lo = 0, hi = dw->funcs.size;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (dw->funcs.data[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct cnr_dwarf_func *f = &dw->funcs.data[lo - 1];
	return pc < f->hi ? f : NULL;
}

static int cmp_row(const void *a, const void *b)
{
	const struct line_row *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	// At one address an end of sequence comes before the next sequence's
	// first row, so a lookup finds the row that starts there.
	bool ex = x->file == UINT32_MAX, ey = y->file == UINT32_MAX;
	return ex == ey ? 0 : ex ? -1 : 1;
}

// The file table of a line program, as full paths.  We read it ourselves:
// libdwarf 20210528's dwarf_linesrc() is off by one on DWARF 5 tables.
static struct cnr_error *read_file_table(struct cnr_dwarf *dw, Dwarf_Line_Context lctx, struct str_vector *files)
{
	Dwarf_Signed base, count, end;
	Dwarf_Error e = NULL;
	if (dwarf_srclines_files_indexes(lctx, &base, &count, &end, &e) != DW_DLV_OK)
		return dw_error(dw, e, "read a line table's file indexes");
	for (Dwarf_Signed i = base; i < end; i++) {
		const char *name = NULL, *dir = NULL;
		Dwarf_Unsigned dir_index, mtime, length;
		Dwarf_Form_Data16 *md5;
		int r = dwarf_srclines_files_data_b(lctx, i, &name, &dir_index, &mtime, &length, &md5, &e);
		if (r != DW_DLV_OK) {
			dw_drop(dw, r, e);
			name = "?";
			dir_index = 0;
		}
		// Directory 0 is the compile directory (DWARF 4: absent; DWARF 5:
		// "."); Go writes absolute directories for the rest.
		r = dwarf_srclines_include_dir_data(lctx, (Dwarf_Signed)dir_index, &dir, &e);
		if (r != DW_DLV_OK) {
			dw_drop(dw, r, e);
			dir = NULL;
		}
		char *full = NULL;
		const char *copy;
		if (name[0] != '/' && dir && strcmp(dir, ".") != 0 && asprintf(&full, "%s/%s", dir, name) < 0)
			return &cnr_enomem;
		copy = full ? cnr_string_pool_add(&dw->strings, full, strlen(full))
			    : cnr_string_pool_add(&dw->strings, name, strlen(name));
		free(full);
		if (!copy || !str_vector_push(files, copy))
			return &cnr_enomem;
	}
	return NULL;
}

static struct cnr_error *load_lines(struct cnr_dwarf *dw, struct cnr_dwarf_cu *cu)
{
	cu->lines_loaded = true;
	Dwarf_Die die;
	Dwarf_Error e = NULL;
	int r = dwarf_offdie_b(dw->dbg, cu->offset, 1, &die, &e);
	if (r != DW_DLV_OK)
		return dw_error(dw, e, "find a compile unit");
	Dwarf_Unsigned lversion;
	Dwarf_Small table_count;
	Dwarf_Line_Context lctx;
	r = dwarf_srclines_b(die, &lversion, &table_count, &lctx, &e);
	dwarf_dealloc_die(die);
	if (r == DW_DLV_NO_ENTRY)
		return NULL;
	if (r != DW_DLV_OK)
		return dw_error(dw, e, "read a line table");
	Dwarf_Line *lines;
	Dwarf_Signed n;
	r = dwarf_srclines_from_linecontext(lctx, &lines, &n, &e);
	if (r != DW_DLV_OK) {
		dwarf_srclines_dealloc_b(lctx);
		return dw_error(dw, e, "read a line table");
	}
	struct row_vector rows = { 0 };
	struct str_vector files = { 0 };
	struct cnr_error *err = read_file_table(dw, lctx, &files);
	Dwarf_Signed base = 0, count = 0, end = 0;
	if (!err && dwarf_srclines_files_indexes(lctx, &base, &count, &end, &e) != DW_DLV_OK)
		err = dw_error(dw, e, "read a line table's file indexes");
	for (Dwarf_Signed i = 0; i < n && !err; i++) {
		Dwarf_Addr addr;
		Dwarf_Unsigned lineno, fileno;
		Dwarf_Bool endseq = 0;
		if (dwarf_lineaddr(lines[i], &addr, &e) != DW_DLV_OK ||
		    dwarf_lineno(lines[i], &lineno, &e) != DW_DLV_OK ||
		    dwarf_line_srcfileno(lines[i], &fileno, &e) != DW_DLV_OK ||
		    dwarf_lineendsequence(lines[i], &endseq, &e) != DW_DLV_OK) {
			err = dw_error(dw, e, "read a line table row");
			break;
		}
		struct line_row row = { .addr = addr, .line = (uint32_t)lineno, .file = UINT32_MAX };
		// DWARF 5 §6.2.2: the file register starts at 1, but libdwarf
		// 20210528 starts it at 0 for version 5 tables.  Go never emits
		// file 0 (it is the "?" placeholder), so 0 means "not set yet".
		if (lversion >= 5 && fileno == 0)
			fileno = 1;
		if (!endseq) {
			// Row file numbers index the file table directly: from 1 in
			// DWARF 2-4, from 0 in DWARF 5 (base says which).
			if ((Dwarf_Signed)fileno < base || (Dwarf_Signed)fileno - base >= (Dwarf_Signed)files.size)
				continue; // a row naming no file: skip it, keep the rest
			row.file = (uint32_t)((Dwarf_Signed)fileno - base);
		}
		if (!row_vector_push(&rows, row))
			err = &cnr_enomem;
	}
	dwarf_srclines_dealloc_b(lctx);
	if (err) {
		row_vector_deinit(&rows);
		str_vector_deinit(&files);
		return err;
	}
	if (rows.size)
		qsort(rows.data, rows.size, sizeof(*rows.data), cmp_row);
	cu->rows = rows.data;
	cu->nrows = rows.size;
	cu->files = files.data;
	cu->nfiles = files.size;
	return NULL;
}

struct cnr_error *cnr_dwarf_line_at(struct cnr_dwarf *dw, uint64_t pc, const char **file_ret, int *line_ret)
{
	const struct cnr_dwarf_func *f = cnr_dwarf_func_at(dw, pc);
	if (!f)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "no function at pc 0x%" PRIx64, pc);
	struct cnr_dwarf_cu *cu = &dw->cus.data[f->cu];
	if (!cu->lines_loaded) {
		struct cnr_error *err = load_lines(dw, cu);
		if (err)
			return err;
	}
	size_t lo = 0, hi = cu->nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cu->rows[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || cu->rows[lo - 1].file == UINT32_MAX)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "no line for pc 0x%" PRIx64, pc);
	*file_ret = cu->files[cu->rows[lo - 1].file];
	*line_ret = (int)cu->rows[lo - 1].line;
	return NULL;
}

// Go's frame locations (cmd/compile/internal/dwarfgen): DW_OP_call_frame_cfa
// [DW_OP_consts N DW_OP_plus], or DW_OP_fbreg N with frame base = CFA, maybe
// split into DW_OP_piece parts of which some live in registers.  Returns
// false for anything else (registers only, computed values).
static bool eval_frame_expr(struct cnr_dwarf *dw, Dwarf_Locdesc_c desc, Dwarf_Unsigned nops, int64_t *ret)
{
	int64_t offset = 0, piece_start = 0;
	bool in_memory = false, have = false;
	for (Dwarf_Unsigned i = 0; i < nops; i++) {
		Dwarf_Small op;
		Dwarf_Unsigned o1, o2, o3, branch;
		Dwarf_Error e = NULL;
		int r = dwarf_get_location_op_value_c(desc, i, &op, &o1, &o2, &o3, &branch, &e);
		if (r != DW_DLV_OK) {
			dw_drop(dw, r, e);
			return false;
		}
		switch (op) {
		case DW_OP_call_frame_cfa:
			offset = 0;
			in_memory = true;
			break;
		case DW_OP_fbreg:
			offset = (int64_t)o1;
			in_memory = true;
			break;
		case DW_OP_consts:
		case DW_OP_constu:
			if (!in_memory)
				return false;
			if (i + 1 < nops) {
				Dwarf_Small next;
				r = dwarf_get_location_op_value_c(desc, i + 1, &next, &o2, &o2, &o3, &branch, &e);
				if (r != DW_DLV_OK || (next != DW_OP_plus && next != DW_OP_minus)) {
					dw_drop(dw, r, e);
					return false;
				}
				offset += next == DW_OP_plus ? (int64_t)o1 : -(int64_t)o1;
				i++;
			}
			break;
		case DW_OP_plus_uconst:
			if (!in_memory)
				return false;
			offset += (int64_t)o1;
			break;
		case DW_OP_piece:
			// The variable starts piece_start bytes before this piece.
			if (in_memory && !have) {
				*ret = offset - piece_start;
				have = true;
			}
			piece_start += (int64_t)o1;
			in_memory = false;
			break;
		default:
			if (op >= DW_OP_reg0 && op <= DW_OP_regx) {
				in_memory = false;
				break;
			}
			return false;
		}
	}
	if (in_memory && !have) {
		*ret = offset - piece_start;
		have = true;
	}
	return have;
}

// Where the variable die lives at pc, as a CFA offset.
static bool var_cfa_offset(struct cnr_dwarf *dw, Dwarf_Die die, uint64_t pc, int64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Error e = NULL;
	int r = dwarf_attr(die, DW_AT_location, &attr, &e);
	if (r != DW_DLV_OK) {
		dw_drop(dw, r, e);
		return false;
	}
	Dwarf_Loc_Head_c head = NULL;
	Dwarf_Unsigned count = 0;
	bool found = false;
	r = dwarf_get_loclist_c(attr, &head, &count, &e);
	if (r != DW_DLV_OK) {
		dw_drop(dw, r, e);
		dwarf_dealloc_attribute(attr);
		return false;
	}
	for (Dwarf_Unsigned i = 0; i < count && !found; i++) {
		Dwarf_Small lle, source;
		Dwarf_Unsigned rawlo, rawhi, nops, expr_off, desc_off;
		Dwarf_Bool unavailable;
		Dwarf_Addr lo, hi;
		Dwarf_Locdesc_c desc;
		r = dwarf_get_locdesc_entry_d(head, i, &lle, &rawlo, &rawhi, &unavailable, &lo, &hi, &nops, &desc, &source,
					      &expr_off, &desc_off, &e);
		if (r != DW_DLV_OK) {
			dw_drop(dw, r, e);
			break;
		}
		// source 0: a plain expression, valid everywhere in the function.
		if (source != 0 && (pc < lo || pc >= hi))
			continue;
		found = eval_frame_expr(dw, desc, nops, ret);
	}
	cnr_dw_loc_head_dealloc(head);
	dwarf_dealloc_attribute(attr);
	return found;
}

enum { MAX_VAR_DEPTH = 16 };

#ifndef DW_AT_go_closure_offset
#define DW_AT_go_closure_offset 0x2907
#endif

// The variables of parent in memory at pc or, if closure, the captured
// variables at their DW_AT_go_closure_offset in the closure context.
static struct cnr_error *frame_vars_in(struct cnr_dwarf *dw, Dwarf_Die parent, uint64_t pc, int depth, bool closure,
				       cnr_frame_var_fn *fn, void *arg)
{
	if (depth > MAX_VAR_DEPTH)
		return NULL;
	Dwarf_Die child;
	Dwarf_Error e = NULL;
	int r = dwarf_child(parent, &child, &e);
	if (r == DW_DLV_NO_ENTRY)
		return NULL;
	if (r != DW_DLV_OK)
		return dw_error(dw, e, "read a function's variables");
	for (;;) {
		Dwarf_Half tag = 0;
		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK)
			dw_drop(dw, DW_DLV_ERROR, e);
		if (tag == DW_TAG_variable || tag == DW_TAG_formal_parameter) {
			struct cnr_dwarf_frame_var v = {
				.name = die_name(dw, child),
				.type_offset = die_type_offset(dw, child),
				.is_param = tag == DW_TAG_formal_parameter,
			};
			uint64_t off;
			if (closure && attr_udata(dw, child, DW_AT_go_closure_offset, &off) && off < INT32_MAX) {
				v.cfa_offset = (int64_t)off;
				fn(arg, &v);
			} else if (!closure && v.name && var_cfa_offset(dw, child, pc, &v.cfa_offset)) {
				fn(arg, &v);
			}
		} else if (tag == DW_TAG_lexical_block) {
			struct cnr_error *err = frame_vars_in(dw, child, pc, depth + 1, closure, fn, arg);
			if (err) {
				dwarf_dealloc_die(child);
				return err;
			}
		}
		Dwarf_Die sib;
		r = dwarf_siblingof_b(dw->dbg, child, 1, &sib, &e);
		dwarf_dealloc_die(child);
		if (r == DW_DLV_NO_ENTRY)
			return NULL;
		if (r != DW_DLV_OK)
			return dw_error(dw, e, "read a function's variables");
		child = sib;
	}
}

// The variables of function f (see frame_vars_in).
static struct cnr_error *func_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, uint64_t pc, bool closure,
				   cnr_frame_var_fn *fn, void *arg)
{
	Dwarf_Die die;
	Dwarf_Error e = NULL;
	int r = dwarf_offdie_b(dw->dbg, f->die, 1, &die, &e);
	if (r != DW_DLV_OK)
		return dw_error(dw, e, "find a function's DIE");
	struct cnr_error *err = frame_vars_in(dw, die, pc, 0, closure, fn, arg);
	dwarf_dealloc_die(die);
	return err;
}

struct cnr_error *cnr_dwarf_frame_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, uint64_t pc,
				       cnr_frame_var_fn *fn, void *arg)
{
	return func_vars(dw, f, pc, false, fn, arg);
}

struct cnr_error *cnr_dwarf_closure_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, cnr_frame_var_fn *fn,
					 void *arg)
{
	return func_vars(dw, f, 0, true, fn, arg);
}
