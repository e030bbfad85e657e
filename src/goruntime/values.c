// Go values decoded from target memory, as a Go developer reads them: the
// reflect kind of a DWARF type, the dynamic type of an interface, map keys
// as Go prints them, integers of any size, and a value field by field
// (struct fields by name, strings quoted, slices with their length,
// interfaces with their dynamic type, pointers with the type of the heap
// object they reach).  Shared by `object`, `map`, the report and the
// typing's edge labels: the writers read no target memory themselves.
#include "goruntime/values.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "goruntime/pclntab.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "goruntime/types.h"

enum {
	MAX_DEPTH = 12,
	SHOWN_ELEMS = 8,   // array elements shown
	SHOWN_BYTES = 64,  // of a string
	TAG_ARRAY = 0x01,
	TAG_POINTER = 0x0f,
	TAG_STRUCT = 0x13,
	TAG_TYPEDEF = 0x16,
	MAX_KEY = 48, // bytes of a string key shown in an edge label
};

struct view {
	struct cnr_program *prog;
	const struct cnr_heap_graph *hg;
	size_t max, shown, left_out;
	cnr_field_fn *fn;
	void *arg;
};

uint8_t cnr_value_kind(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t)
{
	for (int i = 0; t && i < 16; i++) {
		if (t->go_kind || t->tag != TAG_TYPEDEF)
			return t->go_kind;
		t = cnr_dwarf_type_at(dw, t->type_offset);
	}
	return 0;
}

void cnr_value_key_text(struct cnr_program *prog, const struct cnr_dwarf_type *kt, uint64_t addr, char *buf, size_t len)
{
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(prog->dwarf, kt);
	uint8_t kind = cnr_value_kind(prog->dwarf, kt);
	uint64_t v = 0;
	if (kind == CNR_KIND_STRING) {
		uint64_t hdr[2];
		char raw[MAX_KEY];
		if (cnr_memory_readable(&prog->mem, addr, hdr, sizeof(hdr))) {
			size_t n = hdr[1] < MAX_KEY ? (size_t)hdr[1] : MAX_KEY;
			if (cnr_memory_readable(&prog->mem, hdr[0], raw, n)) {
				size_t o = 0;
				o += (size_t)snprintf(buf, len, "\"");
				for (size_t i = 0; i < n && o + 6 < len; i++) {
					unsigned char c = (unsigned char)raw[i];
					o += (size_t)snprintf(buf + o, len - o, c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? "%c" : "\\x%02x", c);
				}
				snprintf(buf + o, len - o, "%s\"", hdr[1] > n ? "…" : "");
				return;
			}
		}
	} else if (kind >= CNR_KIND_INT && kind <= CNR_KIND_UINTPTR && s && s->has_size && s->size <= 8 &&
		   cnr_memory_readable(&prog->mem, addr, &v, (size_t)s->size)) {
		// reflect.Int..Uintptr: signed up to Int64.
		if (kind <= CNR_KIND_INT64 && s->size < 8 && (v >> (8 * s->size - 1) & 1))
			v |= ~0ULL << (8 * s->size);
		snprintf(buf, len, kind <= CNR_KIND_INT64 ? "%" PRId64 : "%" PRIu64, v);
		return;
	}
	snprintf(buf, len, "…");
}

bool cnr_rtype_pointer_shaped(const struct cnr_rtype *t)
{
	return t->kind == CNR_KIND_POINTER || t->kind == CNR_KIND_CHAN || t->kind == CNR_KIND_MAP ||
	       t->kind == CNR_KIND_FUNC || t->kind == CNR_KIND_UNSAFE_POINTER;
}

uint64_t cnr_value_interface_data(struct cnr_program *prog, uint64_t addr, const struct cnr_rtype *t, bool *unreadable_ret)
{
	if (!t)
		return 0;
	if (cnr_rtype_pointer_shaped(t))
		return addr + 8; // the word itself is the value
	uint64_t data = 0;
	struct cnr_error *err = cnr_memory_read_u64(&prog->mem, addr + 8, &data);
	if (err) {
		cnr_error_destroy(err);
		*unreadable_ret = true;
	}
	return data;
}

static bool empty_interface(const struct cnr_rtype *t)
{
	return t->kind == CNR_KIND_INTERFACE && t->name &&
	       (strcmp(t->name, "interface {}") == 0 || strcmp(t->name, "any") == 0);
}

const char *cnr_value_dynamic_type(struct cnr_program *prog, struct cnr_type_cache *tc, uint64_t itab_type_off,
				   const struct cnr_rtype *iface, uint64_t addr, const struct cnr_rtype **type_ret,
				   bool *unreadable_ret, struct cnr_error **err_ret)
{
	*type_ret = NULL;
	uint64_t word;
	struct cnr_error *err = cnr_memory_read_u64(&prog->mem, addr, &word);
	if (err) {
		cnr_error_destroy(err);
		*unreadable_ret = true;
		return "(unreadable)";
	}
	if (!word)
		return "<nil>";
	uint64_t type = word;
	// A non-empty interface holds an itab; its type is itab._type.
	if (!empty_interface(iface) && (err = cnr_memory_read_u64(&prog->mem, word + itab_type_off, &type))) {
		cnr_error_destroy(err);
		*unreadable_ret = true;
		return "(unreadable)";
	}
	const struct cnr_rtype *t;
	if ((err = cnr_type_get(tc, type, &t))) {
		*err_ret = err;
		return "(unreadable)";
	}
	*type_ret = t;
	return t->name ? t->name : "(type built at run time)";
}

bool cnr_value_integer_text(struct cnr_program *prog, const struct cnr_rtype *t, uint64_t addr, char *out, size_t len)
{
	uint64_t v = 0;
	struct cnr_error *err = t->size > 8 ? NULL : cnr_memory_read(&prog->mem, addr, &v, t->size);
	if (t->size > 8 || err) {
		cnr_error_destroy(err);
		return false;
	}
	if (t->kind >= CNR_KIND_INT && t->kind <= CNR_KIND_INT64) {
		int shift = 64 - 8 * (int)t->size;
		snprintf(out, len, "%" PRId64, (int64_t)(v << shift) >> shift);
	} else {
		snprintf(out, len, "%" PRIu64, v);
	}
	return true;
}

// Quote s[0..n) the way Go's %q would, shortened.
static void quote(const uint8_t *s, size_t n, bool more, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "\"");
	for (size_t i = 0; i < n && o + 8 < len; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	snprintf(buf + o, len - o, "\"%s", more ? "…" : "");
}

static void emit_view(struct view *v, struct cnr_field_view f, uint64_t ptr)
{
	if (v->shown >= v->max) {
		v->left_out++;
		return;
	}
	v->shown++;
	char tname[256];
	uint64_t id = ptr ? cnr_heap_graph_object(v->hg, ptr) : UINT64_MAX;
	if (id != UINT64_MAX) {
		uint64_t size;
		cnr_heap_graph_slot(v->hg, id, &f.points_to, &size);
		cnr_heap_graph_type_name(v->hg, (uint32_t)id, tname, sizeof(tname));
		f.target_type = tname;
	}
	v->fn(v->arg, &f);
}

static void emit(struct view *v, const char *path, const char *type, const char *value, uint64_t ptr)
{
	emit_view(v, (struct cnr_field_view){ .path = path, .type = type ? type : "?", .value = value }, ptr);
}

static void view_value(struct view *v, const struct cnr_dwarf_type *t, uint64_t addr, char *path, size_t plen,
		       int depth);

static void view_leaf(struct view *v, const struct cnr_dwarf_type *t, uint8_t kind, uint64_t addr, const char *path)
{
	struct cnr_program *prog = v->prog;
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(prog->dwarf, t);
	// The widest leaf is a slice header: three words.
	uint64_t size = cnr_dwarf_type_size(prog->dwarf, t), w[3] = { 0, 0, 0 }, ptr = 0;
	char value[256];
	if (size > sizeof(w) || !cnr_memory_readable(&prog->mem, addr, w, size <= sizeof(w) ? (size_t)size : 0)) {
		emit(v, path, t->name, "(unreadable)", 0);
		return;
	}
	switch (kind) {
	case CNR_KIND_BOOL:
		snprintf(value, sizeof(value), "%s", w[0] & 0xff ? "true" : "false");
		break;
	case CNR_KIND_INT: case CNR_KIND_INT8: case CNR_KIND_INT16: case CNR_KIND_INT32: case CNR_KIND_INT64: {
		int64_t x = (int64_t)w[0];
		if (size < 8 && (w[0] >> (8 * size - 1) & 1))
			x = (int64_t)(w[0] | ~0ULL << (8 * size));
		snprintf(value, sizeof(value), "%" PRId64, x);
		break;
	}
	case CNR_KIND_UINT: case CNR_KIND_UINT8: case CNR_KIND_UINT16: case CNR_KIND_UINT32: case CNR_KIND_UINT64:
		snprintf(value, sizeof(value), "%" PRIu64, w[0]);
		break;
	case CNR_KIND_FLOAT32: {
		float f;
		uint32_t b = (uint32_t)w[0];
		memcpy(&f, &b, 4);
		snprintf(value, sizeof(value), "%g", (double)f);
		break;
	}
	case CNR_KIND_FLOAT64: {
		double d;
		memcpy(&d, &w[0], 8);
		snprintf(value, sizeof(value), "%g", d);
		break;
	}
	case CNR_KIND_STRING: {
		uint8_t bytes[SHOWN_BYTES];
		size_t n = w[1] < SHOWN_BYTES ? (size_t)w[1] : SHOWN_BYTES;
		if (w[1] == 0)
			snprintf(value, sizeof(value), "\"\"");
		else if (!cnr_memory_readable(&prog->mem, w[0], bytes, n))
			snprintf(value, sizeof(value), "(len %" PRIu64 ", unreadable at 0x%" PRIx64 ")", w[1], w[0]);
		else
			quote(bytes, n, w[1] > n, value, sizeof(value));
		ptr = w[0];
		break;
	}
	case CNR_KIND_SLICE:
		if (size != 24) {
			emit(v, path, t->name, "(unreadable)", 0);
			return;
		}
		if (!w[0] && !w[1] && !w[2])
			snprintf(value, sizeof(value), "nil");
		else
			snprintf(value, sizeof(value), "0x%" PRIx64 " len %" PRIu64 " cap %" PRIu64, w[0], w[1], w[2]);
		emit_view(v, (struct cnr_field_view){ .path = path, .type = t->name ? t->name : "?", .value = value,
						      .slice = true, .len = w[1], .cap = w[2] }, w[0]);
		return;
	case CNR_KIND_INTERFACE: { // the dynamic type from the type word or the itab
		const struct cnr_dwarf_field *tab = s ? cnr_dwarf_field(prog->dwarf, s, "tab") : NULL;
		const struct cnr_rtype *rt = NULL;
		struct cnr_error *err = NULL;
		if (!w[0]) {
			snprintf(value, sizeof(value), "nil");
			break;
		}
		if (tab) {
			const struct cnr_rtype *iface;
			err = cnr_itab_types(v->hg->heap.types, w[0], &iface, &rt);
		} else {
			err = cnr_type_get(v->hg->heap.types, w[0], &rt);
		}
		if (err) {
			cnr_error_destroy(err);
			rt = NULL;
		}
		snprintf(value, sizeof(value), "%s(0x%" PRIx64 ")", rt && rt->name ? rt->name : "?", w[1]);
		ptr = w[1];
		break;
	}
	case CNR_KIND_FUNC: { // the closure's function
		uint64_t pc;
		struct cnr_func f;
		if (w[0] && cnr_memory_readable_u64(&prog->mem, w[0], &pc) && cnr_pclntab_find(prog->pclntab, pc, &f))
			snprintf(value, sizeof(value), "%s", f.name ? f.name : "?");
		else
			snprintf(value, sizeof(value), w[0] ? "0x%" PRIx64 : "nil", w[0]);
		ptr = w[0];
		break;
	}
	default:
		if (size == 8 || (s && s->tag == TAG_POINTER)) {
			snprintf(value, sizeof(value), w[0] ? "0x%" PRIx64 : "nil", w[0]);
			ptr = kind == CNR_KIND_UINTPTR ? 0 : w[0]; // uintptr is not a pointer
		} else {
			snprintf(value, sizeof(value), "0x%" PRIx64, w[0]);
		}
	}
	emit(v, path, t->name, value, ptr);
}

static void view_value(struct view *v, const struct cnr_dwarf_type *t, uint64_t addr, char *path, size_t plen,
		       int depth)
{
	const struct cnr_dwarf *dw = v->prog->dwarf;
	uint8_t kind = cnr_value_kind(dw, t);
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(dw, t);
	size_t n = strlen(path);
	if (depth > MAX_DEPTH || !s || v->shown >= v->max) {
		v->left_out++;
		return;
	}
	if (kind == CNR_KIND_STRUCT || (kind == 0 && s->tag == TAG_STRUCT)) {
		const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, s);
		for (uint32_t i = 0; i < s->nfields; i++) {
			const struct cnr_dwarf_type *ft = cnr_dwarf_type_at(dw, f[i].type_offset);
			if (!ft)
				continue;
			snprintf(path + n, plen - n, ".%s", f[i].name ? f[i].name : "?");
			view_value(v, ft, addr + f[i].offset, path, plen, depth + 1);
		}
	} else if (kind == CNR_KIND_ARRAY || (kind == 0 && s->tag == TAG_ARRAY)) {
		const struct cnr_dwarf_type *e = cnr_dwarf_type_at(dw, s->type_offset);
		uint64_t esz = cnr_dwarf_type_size(dw, e);
		for (uint64_t i = 0; e && i < s->count && i < SHOWN_ELEMS; i++) {
			snprintf(path + n, plen - n, "[%" PRIu64 "]", i);
			view_value(v, e, addr + i * esz, path, plen, depth + 1);
		}
		if (s->count > SHOWN_ELEMS)
			v->left_out += s->count - SHOWN_ELEMS;
	} else {
		view_leaf(v, t, kind, addr, path);
	}
	path[n] = 0;
}

size_t cnr_view_fields(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t type, uint64_t addr,
		       const char *prefix, size_t max, cnr_field_fn *fn, void *arg)
{
	struct view v = { .prog = prog, .hg = hg, .max = max, .fn = fn, .arg = arg };
	const struct cnr_dwarf_type *t = prog->dwarf ? cnr_dwarf_type_at(prog->dwarf, type) : NULL;
	char path[512];
	snprintf(path, sizeof(path), "%s", prefix);
	if (t)
		view_value(&v, t, addr, path, sizeof(path), 0);
	return v.left_out;
}
