#include "goruntime/types.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "util/hash_map.h"
#include "util/string_pool.h"

enum {
	MAX_NAME = 4096,
	MAX_MODULES = 64,
	// internal/abi/type.go: TFlagExtraStar = 1<<1; KindMask = 1<<5 - 1.
	TFLAG_EXTRA_STAR = 1 << 1,
	KIND_MASK = (1 << 5) - 1,
};

struct module_range {
	uint64_t types, etypes;
};

DEFINE_HASH_MAP(type_map, uint64_t, struct cnr_rtype *, cnr_hash_u64, cnr_eq_u64)
DEFINE_HASH_MAP(mask_map, uint64_t, uint8_t *, cnr_hash_u64, cnr_eq_u64)

struct field_list {
	struct cnr_rfield *v;
	size_t n;
};
DEFINE_HASH_MAP(field_map, uint64_t, struct field_list, cnr_hash_u64, cnr_eq_u64)

struct uncommon_entry {
	struct cnr_uncommon u;
	const char **names;
};
DEFINE_HASH_MAP(uncommon_map, uint64_t, struct uncommon_entry, cnr_hash_u64, cnr_eq_u64)

// Offsets in the kind-specific type descriptors, from DWARF: runtime.*type
// with lower-case fields in 1.19, internal/abi.*Type from 1.21.
struct composite_layout {
	uint64_t ptr_elem, slice_elem, array_elem, array_len, chan_elem, map_key, map_elem;
	uint64_t struct_fields, sf_name, sf_typ, sf_offset, sf_size;
	uint64_t unc_pkgpath, unc_mcount, unc_xcount, unc_moff;
	uint64_t itab_inter, itab_type;
	uint64_t size_by_kind[32]; // where the uncommon type starts
};

struct cnr_type_cache {
	struct cnr_program *prog;
	struct module_range modules[MAX_MODULES];
	size_t nmodules;
	struct type_map map;
	struct mask_map masks; // type address -> pointer mask
	struct cnr_string_pool names;
	// internal/abi ArrayType/StructType/StructField (1.24+, for on-demand masks)
	bool have_composite;
	uint64_t array_elem, array_len, struct_fields, field_typ, field_offset, field_size;
	// Composite type layouts for any version (resolved on first use).
	bool composite_loaded;
	struct composite_layout *cl;
	struct field_map fields;     // struct type -> decoded fields
	struct uncommon_map uncommons;
};

struct cnr_error *cnr_type_cache_create(struct cnr_program *prog, struct cnr_type_cache **ret)
{
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	struct cnr_type_cache *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return &cnr_enomem;
	tc->prog = prog;
	const struct cnr_rt_layout *l = &prog->layout;
	uint64_t md;
	err = cnr_program_global(prog, "runtime.firstmoduledata", &md, NULL);
	// Modules are linked through moduledata.next (plugins, shared builds).
	for (size_t i = 0; !err && md && i < MAX_MODULES; i++) {
		struct module_range *m = &tc->modules[tc->nmodules];
		if ((err = cnr_memory_read_u64(&prog->mem, md + l->md_types, &m->types)) ||
		    (err = cnr_memory_read_u64(&prog->mem, md + l->md_etypes, &m->etypes)) ||
		    (err = cnr_memory_read_u64(&prog->mem, md + l->md_next, &md)))
			break;
		tc->nmodules++;
	}
	if (err) {
		cnr_type_cache_destroy(tc);
		return cnr_error_wrap(err, "cannot read the module list");
	}
	const struct cnr_dwarf *dw = prog->dwarf;
	const struct cnr_dwarf_type *st = cnr_dwarf_type_by_name(dw, "internal/abi.StructField");
	struct cnr_error *e1 = cnr_dwarf_offsetof(dw, "internal/abi.ArrayType", "Elem", &tc->array_elem);
	struct cnr_error *e2 = e1 ? NULL : cnr_dwarf_offsetof(dw, "internal/abi.ArrayType", "Len", &tc->array_len);
	struct cnr_error *e3 = e1 || e2 ? NULL : cnr_dwarf_offsetof(dw, "internal/abi.StructType", "Fields", &tc->struct_fields);
	struct cnr_error *e4 = e1 || e2 || e3 ? NULL : cnr_dwarf_offsetof(dw, "internal/abi.StructField", "Typ", &tc->field_typ);
	struct cnr_error *e5 = e1 || e2 || e3 || e4 ? NULL
						  : cnr_dwarf_offsetof(dw, "internal/abi.StructField", "Offset", &tc->field_offset);
	tc->have_composite = !e1 && !e2 && !e3 && !e4 && !e5 && st && st->has_size;
	tc->field_size = st && st->has_size ? st->size : 0;
	cnr_error_destroy(e1);
	cnr_error_destroy(e2);
	cnr_error_destroy(e3);
	cnr_error_destroy(e4);
	cnr_error_destroy(e5);
	*ret = tc;
	return NULL;
}

void cnr_type_cache_destroy(struct cnr_type_cache *tc)
{
	if (!tc)
		return;
	if (tc->map.slots) {
		for (size_t i = 0; i <= tc->map.mask; i++) {
			if (tc->map.slots[i].used)
				free(tc->map.slots[i].value);
		}
	}
	type_map_deinit(&tc->map);
	if (tc->masks.slots) {
		for (size_t i = 0; i <= tc->masks.mask; i++) {
			if (tc->masks.slots[i].used)
				free(tc->masks.slots[i].value);
		}
	}
	mask_map_deinit(&tc->masks);
	if (tc->fields.slots) {
		for (size_t i = 0; i <= tc->fields.mask; i++) {
			if (tc->fields.slots[i].used)
				free(tc->fields.slots[i].value.v);
		}
	}
	field_map_deinit(&tc->fields);
	if (tc->uncommons.slots) {
		for (size_t i = 0; i <= tc->uncommons.mask; i++) {
			if (tc->uncommons.slots[i].used)
				free(tc->uncommons.slots[i].value.names);
		}
	}
	uncommon_map_deinit(&tc->uncommons);
	free(tc->cl);
	cnr_string_pool_deinit(&tc->names);
	free(tc);
}

// A name record (internal/abi/type.go Name; runtime/type.go name in 1.19):
// one flag byte, a uvarint length, the bytes; copied NUL-terminated into
// buf (MAX_NAME + 1 bytes).
static struct cnr_error *name_bytes(struct cnr_type_cache *tc, uint64_t addr, char *buf, size_t *len_ret)
{
	uint8_t b;
	uint64_t len = 0;
	size_t pos = 1;
	struct cnr_error *err;
	for (int shift = 0; shift < 35; shift += 7) {
		if ((err = cnr_memory_read(&tc->prog->mem, addr + pos++, &b, 1)))
			return err;
		len |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	if (len > MAX_NAME)
		return cnr_error_corrupt("name at 0x%" PRIx64 " claims %" PRIu64 " bytes", addr, len);
	if ((err = cnr_memory_read(&tc->prog->mem, addr + pos, buf, len)))
		return err;
	buf[len] = '\0';
	*len_ret = len;
	return NULL;
}

// runtime/type.go resolveNameOff + internal/abi Name: one flag byte, a
// uvarint length, the bytes.
static struct cnr_error *read_name(struct cnr_type_cache *tc, uint64_t type_addr, int32_t off, uint8_t tflag,
				   const char **ret)
{
	const struct module_range *m = NULL;
	for (size_t i = 0; i < tc->nmodules; i++) {
		if (type_addr >= tc->modules[i].types && type_addr < tc->modules[i].etypes)
			m = &tc->modules[i];
	}
	if (!m) {
		// Built at run time by reflect: its names live in reflectOffs.
		*ret = NULL;
		return NULL;
	}
	uint64_t addr = m->types + (int64_t)off;
	char buf[MAX_NAME + 1];
	size_t len;
	struct cnr_error *err = name_bytes(tc, addr, buf, &len);
	if (err)
		return err;
	const char *s = buf;
	if ((tflag & TFLAG_EXTRA_STAR) && len > 0 && buf[0] == '*') {
		s++;
		len--;
	}
	*ret = cnr_string_pool_add(&tc->names, s, len);
	return *ret ? NULL : &cnr_enomem;
}

struct cnr_error *cnr_type_get(struct cnr_type_cache *tc, uint64_t addr, const struct cnr_rtype **ret)
{
	struct cnr_rtype **cached = type_map_get(&tc->map, addr);
	if (cached) {
		*ret = *cached;
		return NULL;
	}
	const struct cnr_rt_layout *l = &tc->prog->layout;
	uint8_t buf[64];
	struct cnr_error *err = cnr_memory_read(&tc->prog->mem, addr, buf, 48);
	if (err)
		return cnr_error_wrap(err, "cannot read type descriptor at 0x%" PRIx64, addr);
	struct cnr_rtype *t = calloc(1, sizeof(*t));
	if (!t)
		return &cnr_enomem;
	int32_t str;
	t->addr = addr;
	memcpy(&t->size, buf + l->type_size_, 8);
	memcpy(&t->ptrdata, buf + l->type_ptrdata, 8);
	memcpy(&t->gcdata, buf + l->type_gcdata, 8);
	memcpy(&str, buf + l->type_str, 4);
	t->tflag = buf[l->type_tflag];
	t->kind_raw = buf[l->type_kind];
	t->kind = buf[l->type_kind] & KIND_MASK;
	if (t->ptrdata > t->size) {
		err = cnr_error_corrupt("type descriptor at 0x%" PRIx64 " has ptrdata %" PRIu64 " > size %" PRIu64,
					addr, t->ptrdata, t->size);
		free(t);
		return err;
	}
	err = read_name(tc, addr, str, t->tflag, &t->name);
	if (err) {
		free(t);
		return cnr_error_wrap(err, "cannot read the name of type 0x%" PRIx64, addr);
	}
	bool inserted;
	struct cnr_rtype **slot = type_map_insert(&tc->map, addr, &inserted);
	if (!slot) {
		free(t);
		return &cnr_enomem;
	}
	*slot = t;
	*ret = t;
	return NULL;
}

enum {
	MAX_MASK_WORDS = 1u << 30, // an 8 GiB pointer prefix: past that, corrupt
	MAX_GCPROG = 1u << 24,
	MAX_MASK_DEPTH = 64,       // runtime.buildGCMask halves the size per level
};

static bool bit_get(const uint8_t *m, uint64_t i)
{
	return m[i / 8] >> (i % 8) & 1;
}

static void bit_set(uint8_t *m, uint64_t i)
{
	m[i / 8] |= (uint8_t)(1u << (i % 8));
}

static uint64_t uvarint(const uint8_t *p, uint64_t len, uint64_t *pos, bool *ok)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*pos >= len) {
			*ok = false;
			return 0;
		}
		uint8_t b = p[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	*ok = false;
	return 0;
}

// runtime/mbitmap.go runGCProg: 0nnnnnnn = n literal bits follow;
// 1nnnnnnn c = repeat the previous n bits c times (n = 0: n is a uvarint
// too); 0 = stop.  Writes at most nbits bits into dst.
static struct cnr_error *run_gcprog(const uint8_t *prog, uint64_t len, uint8_t *dst, uint64_t nbits, uint64_t addr)
{
	uint64_t pos = 0, out = 0;
	bool ok = true;
	while (pos < len) {
		uint8_t inst = prog[pos++];
		uint64_t n = inst & 0x7f;
		if (!(inst & 0x80)) {
			if (n == 0)
				return NULL;
			if ((n + 7) / 8 > len - pos || out + n > nbits)
				break;
			for (uint64_t i = 0; i < n; i++, out++) {
				if (bit_get(prog + pos, i))
					bit_set(dst, out);
			}
			pos += (n + 7) / 8;
			continue;
		}
		if (n == 0)
			n = uvarint(prog, len, &pos, &ok);
		uint64_t c = uvarint(prog, len, &pos, &ok);
		if (!ok || n == 0 || n > out || (c && n > (nbits - out) / c))
			break;
		for (uint64_t k = 0; k < c; k++) {
			for (uint64_t i = 0; i < n; i++, out++) {
				if (bit_get(dst, out - n))
					bit_set(dst, out);
			}
		}
	}
	return cnr_error_corrupt("GC program at 0x%" PRIx64 " is malformed or overruns its type", addr);
}

// runtime/type.go buildGCMask: copy plain masks, recurse into arrays and
// structs whose masks are built on demand.
static struct cnr_error *build_mask(struct cnr_type_cache *tc, const struct cnr_rtype *t, uint8_t *dst,
				    uint64_t word, uint64_t nwords, int depth)
{
	struct cnr_program *prog = tc->prog;
	if (depth > MAX_MASK_DEPTH)
		return cnr_error_corrupt("type 0x%" PRIx64 " nests deeper than %d levels", t->addr, MAX_MASK_DEPTH);
	if (t->ptrdata == 0)
		return NULL;
	uint64_t tw = t->ptrdata / 8;
	if (word > nwords || tw > nwords - word)
		return cnr_error_corrupt("type 0x%" PRIx64 " does not fit its parent's pointer mask", t->addr);
	if (!(t->tflag & prog->ops->tflag_gcmask_on_demand) || !prog->ops->tflag_gcmask_on_demand) {
		uint8_t *src = malloc((tw + 7) / 8);
		if (!src)
			return &cnr_enomem;
		struct cnr_error *err = cnr_memory_read(&prog->mem, t->gcdata, src, (tw + 7) / 8);
		for (uint64_t i = 0; !err && i < tw; i++) {
			if (bit_get(src, i))
				bit_set(dst, word + i);
		}
		free(src);
		return err;
	}
	if (!tc->have_composite)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no internal/abi.ArrayType/StructType in the DWARF");
	struct cnr_error *err = NULL;
	if (t->kind == CNR_KIND_ARRAY) {
		uint64_t elem_addr, len;
		const struct cnr_rtype *elem;
		if ((err = cnr_memory_read_u64(&prog->mem, t->addr + tc->array_elem, &elem_addr)) ||
		    (err = cnr_memory_read_u64(&prog->mem, t->addr + tc->array_len, &len)) ||
		    (err = cnr_type_get(tc, elem_addr, &elem)))
			return err;
		if (elem->size % 8 || (elem->size && len > t->size / elem->size))
			return cnr_error_corrupt("array type 0x%" PRIx64 " has %" PRIu64 " elements of %" PRIu64 " bytes",
						 t->addr, len, elem->size);
		for (uint64_t i = 0; i < len && !err; i++)
			err = build_mask(tc, elem, dst, word + i * (elem->size / 8), nwords, depth + 1);
		return err;
	}
	if (t->kind == CNR_KIND_STRUCT) {
		uint64_t hdr[2];
		if ((err = cnr_memory_read(&prog->mem, t->addr + tc->struct_fields, hdr, sizeof(hdr))))
			return err;
		if (hdr[1] > t->size + 1)
			return cnr_error_corrupt("struct type 0x%" PRIx64 " claims %" PRIu64 " fields", t->addr, hdr[1]);
		for (uint64_t i = 0; i < hdr[1] && !err; i++) {
			uint64_t ft_addr, off;
			const struct cnr_rtype *ft;
			uint64_t f = hdr[0] + i * tc->field_size;
			if ((err = cnr_memory_read_u64(&prog->mem, f + tc->field_typ, &ft_addr)) ||
			    (err = cnr_memory_read_u64(&prog->mem, f + tc->field_offset, &off)) ||
			    (err = cnr_type_get(tc, ft_addr, &ft)))
				return err;
			// runtime/type.go buildGCMask: fields without pointers are
			// skipped (they may sit at any offset: an int32 at 84).
			if (!ft->ptrdata)
				continue;
			if (off % 8 || off > t->size)
				return cnr_error_corrupt("field %" PRIu64 " of struct type 0x%" PRIx64 " at offset %" PRIu64, i,
							 t->addr, off);
			if (ft->ptrdata)
				err = build_mask(tc, ft, dst, word + off / 8, nwords, depth + 1);
		}
		return err;
	}
	return cnr_error_corrupt("type 0x%" PRIx64 " of kind %u has an on-demand pointer mask", t->addr, t->kind);
}

struct cnr_error *cnr_type_ptrmask(struct cnr_type_cache *tc, const struct cnr_rtype *t, const uint8_t **mask_ret,
				   uint64_t *nwords_ret)
{
	uint64_t nwords = t->ptrdata / 8;
	*nwords_ret = nwords;
	uint8_t **cached = mask_map_get(&tc->masks, t->addr);
	if (cached) {
		*mask_ret = *cached;
		return NULL;
	}
	if (nwords > MAX_MASK_WORDS)
		return cnr_error_corrupt("type 0x%" PRIx64 " claims %" PRIu64 " pointer bytes", t->addr, t->ptrdata);
	struct cnr_program *prog = tc->prog;
	uint8_t *mask = calloc(1, (nwords + 7) / 8 + 1);
	if (!mask)
		return &cnr_enomem;
	struct cnr_error *err = NULL;
	if (nwords == 0) {
		// nothing to do
	} else if (prog->ops->kind_gcprog && (t->kind_raw & prog->ops->kind_gcprog)) {
		// GCData: a 4-byte length, then the program (runtime/mbitmap.go).
		uint32_t len;
		uint8_t *p = NULL;
		if (!(err = cnr_memory_read(&prog->mem, t->gcdata, &len, 4))) {
			if (len > MAX_GCPROG)
				err = cnr_error_corrupt("GC program of type 0x%" PRIx64 " claims %u bytes", t->addr, len);
			else if (!(p = malloc(len ? len : 1)))
				err = &cnr_enomem;
			else if (!(err = cnr_memory_read(&prog->mem, t->gcdata + 4, p, len)))
				err = run_gcprog(p, len, mask, nwords, t->gcdata);
		}
		free(p);
	} else if (prog->ops->tflag_gcmask_on_demand && (t->tflag & prog->ops->tflag_gcmask_on_demand)) {
		// runtime/type.go getGCMaskOnDemand: GCData is a slot; nil until
		// built, &runtime.inProgress while being built.
		uint64_t slot = 0, in_progress = 0;
		err = cnr_memory_read_u64(&prog->mem, t->gcdata, &slot);
		struct cnr_error *e = cnr_program_global(prog, "runtime.inProgress", &in_progress, NULL);
		cnr_error_destroy(e);
		if (!err && slot && slot != in_progress) {
			err = cnr_memory_read(&prog->mem, slot, mask, (nwords + 7) / 8);
		} else if (!err) {
			// Walk the type's structure, but copy each leaf's plain mask.
			struct cnr_rtype plain = *t;
			err = build_mask(tc, &plain, mask, 0, nwords, 0);
		}
	} else {
		err = cnr_memory_read(&prog->mem, t->gcdata, mask, (nwords + 7) / 8);
	}
	if (err) {
		free(mask);
		return cnr_error_wrap(err, "cannot get the pointer mask of type 0x%" PRIx64, t->addr);
	}
	bool inserted;
	uint8_t **slot = mask_map_insert(&tc->masks, t->addr, &inserted);
	if (!slot) {
		free(mask);
		return &cnr_enomem;
	}
	*slot = mask;
	*mask_ret = mask;
	return NULL;
}

enum {
	MAX_FIELDS = 1 << 16,
	MAX_METHODS = 1 << 16,
	TFLAG_UNCOMMON = 1 << 0, // internal/abi/type.go TFlagUncommon
};

static struct cnr_error *composite_init(struct cnr_type_cache *tc)
{
	if (tc->composite_loaded)
		return tc->cl ? NULL : cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "type descriptor layouts unknown");
	tc->composite_loaded = true;
	const struct cnr_dwarf *dw = tc->prog->dwarf;
	bool abi = cnr_dwarf_type_by_name(dw, "internal/abi.Type") != NULL;
	struct composite_layout *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return &cnr_enomem;
	// {abi name, 1.19 name, field path}
	const struct {
		const char *abi, *old, *path;
		uint64_t *out;
	} f[] = {
		{ "internal/abi.PtrType", "runtime.ptrtype", "Elem|elem", &cl->ptr_elem },
		{ "internal/abi.SliceType", "runtime.slicetype", "Elem|elem", &cl->slice_elem },
		{ "internal/abi.ArrayType", "runtime.arraytype", "Elem|elem", &cl->array_elem },
		{ "internal/abi.ArrayType", "runtime.arraytype", "Len|len", &cl->array_len },
		{ "internal/abi.ChanType", "runtime.chantype", "Elem|elem", &cl->chan_elem },
		{ "internal/abi.StructType", "runtime.structtype", "Fields|fields", &cl->struct_fields },
		{ "internal/abi.StructField", "runtime.structfield", "Name|name", &cl->sf_name },
		{ "internal/abi.StructField", "runtime.structfield", "Typ|typ", &cl->sf_typ },
		{ "internal/abi.StructField", "runtime.structfield", "Offset|offset", &cl->sf_offset },
		{ "internal/abi.UncommonType", "runtime.uncommontype", "PkgPath|pkgpath", &cl->unc_pkgpath },
		{ "internal/abi.UncommonType", "runtime.uncommontype", "Mcount|mcount", &cl->unc_mcount },
		{ "internal/abi.UncommonType", "runtime.uncommontype", "Xcount|xcount", &cl->unc_xcount },
		{ "internal/abi.UncommonType", "runtime.uncommontype", "Moff|moff", &cl->unc_moff },
		// internal/abi.ITab (1.23+), runtime.itab before.
		{ "internal/abi.ITab", "runtime.itab", "Inter|inter", &cl->itab_inter },
		{ "internal/abi.ITab", "runtime.itab", "Type|_type", &cl->itab_type },
	};
	for (size_t i = 0; i < CNR_ARRAY_SIZE(f); i++) {
		const char *type = abi && cnr_dwarf_type_by_name(dw, f[i].abi) ? f[i].abi : f[i].old;
		struct cnr_error *err = cnr_dwarf_offsetof(dw, type, f[i].path, f[i].out);
		if (err) {
			free(cl);
			return err;
		}
	}
	const struct cnr_dwarf_type *sf = cnr_dwarf_type_by_name(dw, abi ? "internal/abi.StructField" : "runtime.structfield");
	cl->sf_size = sf && sf->has_size ? sf->size : 24;
	// The uncommon type follows the kind-specific descriptor
	// (internal/abi/type.go Uncommon()); its size per kind from DWARF.
	const struct {
		uint8_t kind;
		const char *abi, *old;
	} k[] = {
		{ CNR_KIND_ARRAY, "internal/abi.ArrayType", "runtime.arraytype" },
		{ CNR_KIND_CHAN, "internal/abi.ChanType", "runtime.chantype" },
		{ CNR_KIND_FUNC, "internal/abi.FuncType", "runtime.functype" },
		{ CNR_KIND_INTERFACE, "internal/abi.InterfaceType", "runtime.interfacetype" },
		{ CNR_KIND_MAP, cnr_layout_map_type(dw, cnr_go_swiss_maps(tc->prog->ops, &tc->prog->go_version)),
		  "runtime.maptype" },
		{ CNR_KIND_POINTER, "internal/abi.PtrType", "runtime.ptrtype" },
		{ CNR_KIND_SLICE, "internal/abi.SliceType", "runtime.slicetype" },
		{ CNR_KIND_STRUCT, "internal/abi.StructType", "runtime.structtype" },
	};
	for (size_t i = 0; i < 32; i++)
		cl->size_by_kind[i] = 48; // abi.Type alone (all other kinds)
	for (size_t i = 0; i < CNR_ARRAY_SIZE(k); i++) {
		const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, abi ? k[i].abi : k[i].old);
		// FuncType may be missing from DWARF: 0 = unknown, no uncommon read.
		cl->size_by_kind[k[i].kind] = t && t->has_size ? t->size : 0;
	}
	cl->map_key = 48; // Key @48, Elem @56 in every map type layout (§4.4)
	cl->map_elem = 56;
	tc->cl = cl;
	return NULL;
}

static struct cnr_error *type_at(struct cnr_type_cache *tc, uint64_t addr, const struct cnr_rtype **ret)
{
	uint64_t p;
	struct cnr_error *err = cnr_memory_read_u64(&tc->prog->mem, addr, &p);
	if (!err)
		err = cnr_type_get(tc, p, ret);
	return err;
}

struct cnr_error *cnr_type_elem(struct cnr_type_cache *tc, const struct cnr_rtype *t, const struct cnr_rtype **ret)
{
	struct cnr_error *err = composite_init(tc);
	if (err)
		return err;
	const struct composite_layout *cl = tc->cl;
	switch (t->kind) {
	case CNR_KIND_POINTER: return type_at(tc, t->addr + cl->ptr_elem, ret);
	case CNR_KIND_SLICE: return type_at(tc, t->addr + cl->slice_elem, ret);
	case CNR_KIND_ARRAY: return type_at(tc, t->addr + cl->array_elem, ret);
	case CNR_KIND_CHAN: return type_at(tc, t->addr + cl->chan_elem, ret);
	case CNR_KIND_MAP: return type_at(tc, t->addr + cl->map_elem, ret);
	default:
		return cnr_error_create(CNR_ERROR_INVALID, "type '%s' (kind %u) has no element type",
					t->name ? t->name : "?", t->kind);
	}
}

struct cnr_error *cnr_type_key(struct cnr_type_cache *tc, const struct cnr_rtype *t, const struct cnr_rtype **ret)
{
	struct cnr_error *err = composite_init(tc);
	if (err)
		return err;
	if (t->kind != CNR_KIND_MAP)
		return cnr_error_create(CNR_ERROR_INVALID, "type '%s' is not a map", t->name ? t->name : "?");
	return type_at(tc, t->addr + tc->cl->map_key, ret);
}

struct cnr_error *cnr_type_array_len(struct cnr_type_cache *tc, const struct cnr_rtype *t, uint64_t *ret)
{
	struct cnr_error *err = composite_init(tc);
	if (err)
		return err;
	if (t->kind != CNR_KIND_ARRAY)
		return cnr_error_create(CNR_ERROR_INVALID, "type '%s' is not an array", t->name ? t->name : "?");
	return cnr_memory_read_u64(&tc->prog->mem, t->addr + tc->cl->array_len, ret);
}

// A name record at addr, pooled.
static struct cnr_error *name_at(struct cnr_type_cache *tc, uint64_t addr, const char **ret)
{
	char buf[MAX_NAME + 1];
	size_t len;
	struct cnr_error *err = name_bytes(tc, addr, buf, &len);
	if (err)
		return err;
	*ret = cnr_string_pool_add(&tc->names, buf, len);
	return *ret ? NULL : &cnr_enomem;
}

struct cnr_error *cnr_type_fields(struct cnr_type_cache *tc, const struct cnr_rtype *t, const struct cnr_rfield **ret,
				  size_t *n_ret)
{
	struct cnr_error *err = composite_init(tc);
	if (err)
		return err;
	if (t->kind != CNR_KIND_STRUCT)
		return cnr_error_create(CNR_ERROR_INVALID, "type '%s' is not a struct", t->name ? t->name : "?");
	struct field_list *cached = field_map_get(&tc->fields, t->addr);
	if (cached) {
		*ret = cached->v;
		*n_ret = cached->n;
		return NULL;
	}
	const struct composite_layout *cl = tc->cl;
	uint64_t hdr[2];
	if ((err = cnr_memory_read(&tc->prog->mem, t->addr + cl->struct_fields, hdr, sizeof(hdr))))
		return err;
	if (hdr[1] > MAX_FIELDS)
		return cnr_error_corrupt("struct type 0x%" PRIx64 " claims %" PRIu64 " fields", t->addr, hdr[1]);
	struct cnr_rfield *v = calloc(hdr[1] ? hdr[1] : 1, sizeof(*v));
	if (!v)
		return &cnr_enomem;
	for (uint64_t i = 0; i < hdr[1] && !err; i++) {
		uint64_t f = hdr[0] + i * cl->sf_size, name;
		if (!(err = cnr_memory_read_u64(&tc->prog->mem, f + cl->sf_name, &name)) &&
		    !(err = name_at(tc, name, &v[i].name)) && !(err = type_at(tc, f + cl->sf_typ, &v[i].type)))
			err = cnr_memory_read_u64(&tc->prog->mem, f + cl->sf_offset, &v[i].offset);
		if (!err && v[i].offset > t->size)
			err = cnr_error_corrupt("field %s of struct type 0x%" PRIx64 " at offset %" PRIu64, v[i].name,
						t->addr, v[i].offset);
	}
	bool inserted;
	struct field_list *slot = err ? NULL : field_map_insert(&tc->fields, t->addr, &inserted);
	if (err || !slot) {
		free(v);
		return err ? err : &cnr_enomem;
	}
	*slot = (struct field_list){ v, hdr[1] };
	*ret = v;
	*n_ret = hdr[1];
	return NULL;
}

static struct cnr_error *name_off(struct cnr_type_cache *tc, uint64_t type_addr, int32_t off, const char **ret)
{
	for (size_t i = 0; i < tc->nmodules; i++) {
		if (type_addr >= tc->modules[i].types && type_addr < tc->modules[i].etypes)
			return name_at(tc, tc->modules[i].types + (int64_t)off, ret);
	}
	*ret = NULL;
	return NULL;
}

struct cnr_error *cnr_type_uncommon(struct cnr_type_cache *tc, const struct cnr_rtype *t, struct cnr_uncommon *ret)
{
	struct cnr_error *err = composite_init(tc);
	if (err)
		return err;
	if (!(t->tflag & TFLAG_UNCOMMON) || !tc->cl->size_by_kind[t->kind])
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "type '%s' has no uncommon type", t->name ? t->name : "?");
	struct uncommon_entry *cached = uncommon_map_get(&tc->uncommons, t->addr);
	if (cached) {
		*ret = cached->u;
		return NULL;
	}
	const struct composite_layout *cl = tc->cl;
	uint64_t u = t->addr + cl->size_by_kind[t->kind];
	int32_t pkg;
	uint32_t moff;
	struct uncommon_entry e = { 0 };
	if ((err = cnr_memory_read(&tc->prog->mem, u + cl->unc_pkgpath, &pkg, 4)) ||
	    (err = cnr_memory_read(&tc->prog->mem, u + cl->unc_mcount, &e.u.mcount, 2)) ||
	    (err = cnr_memory_read(&tc->prog->mem, u + cl->unc_xcount, &e.u.xcount, 2)) ||
	    (err = cnr_memory_read(&tc->prog->mem, u + cl->unc_moff, &moff, 4)) ||
	    (err = name_off(tc, t->addr, pkg, &e.u.pkgpath)))
		return err;
	if (e.u.xcount > e.u.mcount)
		return cnr_error_corrupt("type 0x%" PRIx64 " has %u exported of %u methods", t->addr, e.u.xcount, e.u.mcount);
	e.names = calloc(e.u.mcount ? e.u.mcount : 1, sizeof(*e.names));
	if (!e.names)
		return &cnr_enomem;
	// internal/abi/type.go Method: {Name NameOff, Mtyp TypeOff, Ifn, Tfn TextOff}.
	for (uint16_t i = 0; i < e.u.mcount && !err; i++) {
		int32_t nameoff;
		if (!(err = cnr_memory_read(&tc->prog->mem, u + moff + 16ULL * i, &nameoff, 4)))
			err = name_off(tc, t->addr, nameoff, &e.names[i]);
	}
	bool inserted;
	struct uncommon_entry *slot = err ? NULL : uncommon_map_insert(&tc->uncommons, t->addr, &inserted);
	if (err || !slot) {
		free(e.names);
		return err ? err : &cnr_enomem;
	}
	e.u.methods = e.names;
	*slot = e;
	*ret = e.u;
	return NULL;
}

struct cnr_error *cnr_itab_types(struct cnr_type_cache *tc, uint64_t itab, const struct cnr_rtype **iface_ret,
				 const struct cnr_rtype **concrete_ret)
{
	struct cnr_error *err = composite_init(tc);
	if (!err)
		err = type_at(tc, itab + tc->cl->itab_inter, iface_ret);
	if (!err)
		err = type_at(tc, itab + tc->cl->itab_type, concrete_ret);
	return err ? cnr_error_wrap(err, "cannot read itab at 0x%" PRIx64, itab) : NULL;
}

const char *cnr_kind_name(unsigned kind)
{
	static const char *const names[] = {
		"invalid", "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32",
		"uint64", "uintptr", "float32", "float64", "complex64", "complex128", "array", "chan", "func",
		"interface", "map", "ptr", "slice", "string", "struct", "unsafe.Pointer",
	};
	return kind < CNR_ARRAY_SIZE(names) ? names[kind] : "?";
}

struct cnr_error *cnr_type_describe(struct cnr_type_cache *tc, uint64_t addr, struct cnr_type_description *ret)
{
	struct cnr_type_description d = { 0 };
	struct cnr_error *err;
	if ((err = cnr_type_get(tc, addr, &d.type)) || (err = cnr_type_ptrmask(tc, d.type, &d.mask, &d.nwords)))
		return err;
	for (uint64_t w = 0; w < d.nwords; w++)
		d.pointer_words += d.mask[w / 8] >> (w % 8) & 1;
	// What applies to this kind; the rest stays empty.
	cnr_error_destroy(cnr_type_elem(tc, d.type, &d.elem));
	cnr_error_destroy(cnr_type_key(tc, d.type, &d.key));
	cnr_error_destroy(cnr_type_fields(tc, d.type, &d.fields, &d.nfields));
	err = cnr_type_uncommon(tc, d.type, &d.uncommon);
	d.has_uncommon = !err;
	cnr_error_destroy(err);
	*ret = d;
	return NULL;
}
