// DWARF lookups: types by name and DIE offset, sizes, typedefs stripped,
// struct fields and the field path at an offset, globals, constants, and
// the function holding a pc.
#include "dwarf/dwarf_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/search.h"

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
		// An interface is one value to a Go developer (`.store`, not
		// `.store.data`): the first kind its typedefs state says so.
		uint8_t kind = 0;
		for (const struct cnr_dwarf_type *k = t; k && !kind && k->tag == DW_TAG_typedef;
		     k = cnr_dwarf_type_at(dw, k->type_offset))
			kind = k->go_kind;
		if (kind == 20 /* reflect.Interface */)
			break;
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
	size_t lo = CNR_PARTITION_POINT(dw->funcs.size, mid, dw->funcs.data[mid].lo <= pc);
	if (lo == 0)
		return NULL;
	const struct cnr_dwarf_func *f = &dw->funcs.data[lo - 1];
	return pc < f->hi ? f : NULL;
}
