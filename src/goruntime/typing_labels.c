// Edge labels: how the pointer in one object reaches another, as a Go
// developer would write the hop (".sessions", "[3]", "map[\"user:12\"]"),
// from the source object's type and the DWARF field at the pointer's offset.
#include "goruntime/typing_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/heap_objects.h"
#include "goruntime/program.h"
#include "goruntime/values.h"

static bool pointer_into(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t from, uint32_t to,
			 uint64_t *off_ret)
{
	uint64_t faddr, fsize, taddr, tsize;
	cnr_heap_graph_slot(hg, from, &faddr, &fsize);
	cnr_heap_graph_slot(hg, to, &taddr, &tsize);
	const uint8_t *bytes = cnr_memory_ptr(&prog->mem, faddr, fsize);
	for (uint64_t off = 0; off + 8 <= fsize; off += 8) {
		uint64_t v;
		if (bytes)
			memcpy(&v, bytes + off, 8);
		else if (!cnr_memory_readable_u64(&prog->mem, faddr + off, &v))
			continue;
		if (v >= taddr && v - taddr < tsize) {
			*off_ret = off;
			return true;
		}
	}
	return false;
}

// Rewrite a hop through a map's buckets or groups as map[key]: path is
// the field path inside one bucket (".values[3]...") or group
// (".slots[3].elem..."), base the bucket's address.
static bool map_hop(struct cnr_program *prog, const struct cnr_dwarf_type *bucket, uint64_t base, const char *path,
		    char *buf, size_t len)
{
	const struct cnr_dwarf *dw = prog->dwarf;
	unsigned j;
	int n = 0;
	char key[96];
	// DWARF's bucket<K,V> (values), or the runtime's own noalg.map.bucket[K]V
	// (elems) where the header that would have typed it from DWARF is not a
	// heap object (a map header kept on a stack).
	enum cnr_rt_shape shape = cnr_layout_type_shape(bucket->name);
	bool old_bucket = shape == CNR_RT_HMAP_BUCKET || shape == CNR_RT_RTYPE_BUCKET || has_prefix(bucket->name, "noalg.map.bucket[");
	if (old_bucket && (sscanf(path, ".values[%u]%n", &j, &n) == 1 || sscanf(path, ".elems[%u]%n", &j, &n) == 1 ||
			   sscanf(path, ".keys[%u]%n", &j, &n) == 1)) {
		const struct cnr_dwarf_field *keys = cnr_dwarf_field(dw, bucket, "keys");
		const struct cnr_dwarf_type *kat = keys ? cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, keys->type_offset)) : NULL;
		const struct cnr_dwarf_type *kt = kat ? cnr_dwarf_type_at(dw, kat->type_offset) : NULL;
		if (!kt)
			return false;
		uint64_t ksz = cnr_dwarf_type_size(dw, kt), kaddr = base + keys->offset + j * ksz;
		uint64_t indirect;
		if (cnr_dwarf_type_strip(dw, kt)->tag == TAG_POINTER) { // keys over 128 bytes are stored indirectly
			if (!cnr_memory_readable_u64(&prog->mem, kaddr, &indirect))
				return false;
			kaddr = indirect;
			kt = cnr_dwarf_type_at(dw, cnr_dwarf_type_strip(dw, kt)->type_offset);
		}
		cnr_value_key_text(prog, kt, kaddr, key, sizeof(key));
		snprintf(buf, len, path[1] == 'k' ? "map key %s" : "map[%s]", key);
		return true;
	}
	if (cnr_layout_type_shape(bucket->name) == CNR_RT_SWISS_GROUP && sscanf(path, ".slots[%u]%n", &j, &n) == 1) {
		const struct cnr_dwarf_field *slots = cnr_dwarf_field(dw, bucket, "slots");
		const struct cnr_dwarf_type *sat = slots ? cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, slots->type_offset)) : NULL;
		const struct cnr_dwarf_type *st = sat ? cnr_dwarf_type_at(dw, sat->type_offset) : NULL;
		const struct cnr_dwarf_field *kf = st ? cnr_dwarf_field(dw, st, "key") : NULL;
		if (!kf)
			return false;
		uint64_t kaddr = base + slots->offset + j * cnr_dwarf_type_size(dw, st) + kf->offset, indirect;
		const struct cnr_dwarf_type *kt = cnr_dwarf_type_at(dw, kf->type_offset);
		if (kt && cnr_dwarf_type_strip(dw, kt)->tag == TAG_POINTER) {
			if (!cnr_memory_readable_u64(&prog->mem, kaddr, &indirect))
				return false;
			kaddr = indirect;
			kt = cnr_dwarf_type_at(dw, cnr_dwarf_type_strip(dw, kt)->type_offset);
		}
		cnr_value_key_text(prog, kt, kaddr, key, sizeof(key));
		snprintf(buf, len, has_prefix(path + n, ".key") ? "map key %s" : "map[%s]", key);
		return true;
	}
	return false;
}

struct capture_find {
	uint64_t off;
	const char *name;
};

static void find_capture(void *arg, const struct cnr_dwarf_frame_var *v)
{
	struct capture_find *cf = arg;
	if (!cf->name && v->name && v->cfa_offset >= 0 && (uint64_t)v->cfa_offset == cf->off)
		cf->name = v->name;
}

// A hop out of a closure context at off: the captured variable DWARF
// names there (DW_AT_go_closure_offset, Go 1.23+; "&x" for a variable
// captured by reference, whose heap cell the word points to), else the
// offset, said to be a capture.
static void closure_hop(struct cnr_program *prog, uint64_t faddr, uint64_t off, char *buf, size_t len)
{
	uint64_t pc;
	struct cnr_func f;
	const struct cnr_dwarf_func *df = NULL;
	struct capture_find cf = { off, NULL };
	if (prog->dwarf && cnr_memory_readable_u64(&prog->mem, faddr, &pc) && cnr_pclntab_find(prog->pclntab, pc, &f))
		df = cnr_dwarf_func_at(prog->dwarf, f.entry - prog->bias);
	if (df)
		cnr_error_destroy(cnr_dwarf_closure_vars(prog->dwarf, df, find_capture, &cf));
	if (cf.name)
		snprintf(buf, len, "captured %s", cf.name);
	else
		snprintf(buf, len, "closure capture +0x%" PRIx64, off);
}

void cnr_heap_graph_edge_label(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t from, uint32_t to,
			       char *buf, size_t len)
{
	uint64_t off;
	if (!len)
		return;
	if (!pointer_into(prog, hg, from, to, &off)) {
		snprintf(buf, len, "?");
		return;
	}
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, from);
	uint64_t faddr, fsize;
	cnr_heap_graph_slot(hg, from, &faddr, &fsize);
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, faddr);
	uint64_t header = s && hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min ? 8 : 0;
	if (t && t->shape == CNR_SHAPE_CLOSURE && off >= header + 8) {
		closure_hop(prog, faddr + header, off - header, buf, len);
		return;
	}
	const struct cnr_dwarf_type *dt = t && t->dwarf && prog->dwarf ? cnr_dwarf_type_at(prog->dwarf, t->dwarf) : NULL;
	if (!dt || !t->elem_size || off < header) {
		snprintf(buf, len, "+0x%" PRIx64, off);
		return;
	}
	uint64_t voff = off - header, elem = t->shape == CNR_SHAPE_ARRAY ? voff / t->elem_size : 0;
	uint64_t inner = t->shape == CNR_SHAPE_ARRAY ? voff % t->elem_size : voff;
	char path[256];
	cnr_dwarf_field_path(prog->dwarf, dt, inner, path, sizeof(path));
	const struct cnr_dwarf_type *ds = cnr_dwarf_type_strip(prog->dwarf, dt);
	if (ds && map_hop(prog, ds, faddr + header + elem * t->elem_size, path, buf, len))
		return;
	if (t->shape == CNR_SHAPE_ARRAY)
		snprintf(buf, len, "[%" PRIu64 "]%s", elem, path);
	else
		snprintf(buf, len, "%s", path[0] ? path : "+0");
}
