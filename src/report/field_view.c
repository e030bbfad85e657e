#include "report/field_view.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "goruntime/pclntab.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"

enum {
	MAX_DEPTH = 12,
	SHOWN_ELEMS = 8,   // array elements shown
	SHOWN_BYTES = 64,  // of a string
	TAG_ARRAY = 0x01,
	TAG_POINTER = 0x0f,
	TAG_STRUCT = 0x13,
	TAG_TYPEDEF = 0x16,
};

struct view {
	struct cnr_program *prog;
	const struct cnr_heap_graph *hg;
	size_t max, shown, left_out;
	cnr_field_fn *fn;
	void *arg;
};

static uint8_t kind_of(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t)
{
	for (int i = 0; t && i < 16; i++) {
		if (t->go_kind || t->tag != TAG_TYPEDEF)
			return t->go_kind;
		t = cnr_dwarf_type_at(dw, t->type_offset);
	}
	return 0;
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

static void emit(struct view *v, const char *path, const char *type, const char *value, uint64_t ptr)
{
	if (v->shown >= v->max) {
		v->left_out++;
		return;
	}
	v->shown++;
	struct cnr_field_view f = { .path = path, .type = type ? type : "?", .value = value };
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

static void view_value(struct view *v, const struct cnr_dwarf_type *t, uint64_t addr, char *path, size_t plen,
		       int depth);

static void view_leaf(struct view *v, const struct cnr_dwarf_type *t, uint8_t kind, uint64_t addr, const char *path)
{
	struct cnr_program *prog = v->prog;
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(prog->dwarf, t);
	uint64_t size = cnr_dwarf_type_size(prog->dwarf, t), w[2] = { 0, 0 }, ptr = 0;
	char value[256];
	if (size > 16 || !cnr_memory_readable(&prog->mem, addr, w, size <= 16 ? (size_t)size : 0)) {
		emit(v, path, t->name, "(unreadable)", 0);
		return;
	}
	switch (kind) {
	case 1: // bool
		snprintf(value, sizeof(value), "%s", w[0] & 0xff ? "true" : "false");
		break;
	case 2: case 3: case 4: case 5: case 6: { // int..int64
		int64_t x = (int64_t)w[0];
		if (size < 8 && (w[0] >> (8 * size - 1) & 1))
			x = (int64_t)(w[0] | ~0ULL << (8 * size));
		snprintf(value, sizeof(value), "%" PRId64, x);
		break;
	}
	case 7: case 8: case 9: case 10: case 11: // uint..uint64
		snprintf(value, sizeof(value), "%" PRIu64, w[0]);
		break;
	case 13: { // float32
		float f;
		uint32_t b = (uint32_t)w[0];
		memcpy(&f, &b, 4);
		snprintf(value, sizeof(value), "%g", (double)f);
		break;
	}
	case 14: { // float64
		double d;
		memcpy(&d, &w[0], 8);
		snprintf(value, sizeof(value), "%g", d);
		break;
	}
	case 24: { // string
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
	case 23: { // slice
		uint64_t cap = 0;
		cnr_error_destroy(cnr_memory_read_u64(&prog->mem, addr + 16, &cap));
		snprintf(value, sizeof(value), "len %" PRIu64 " cap %" PRIu64, w[1], cap);
		ptr = w[0];
		break;
	}
	case 20: { // interface: the dynamic type from the type word or the itab
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
	case 19: { // func: the closure's function
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
			ptr = kind == 12 ? 0 : w[0]; // uintptr is not a pointer
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
	uint8_t kind = kind_of(dw, t);
	const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(dw, t);
	size_t n = strlen(path);
	if (depth > MAX_DEPTH || !s || v->shown >= v->max) {
		v->left_out++;
		return;
	}
	if (kind == 25 || (kind == 0 && s->tag == TAG_STRUCT)) {
		const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, s);
		for (uint32_t i = 0; i < s->nfields; i++) {
			const struct cnr_dwarf_type *ft = cnr_dwarf_type_at(dw, f[i].type_offset);
			if (!ft)
				continue;
			snprintf(path + n, plen - n, ".%s", f[i].name ? f[i].name : "?");
			view_value(v, ft, addr + f[i].offset, path, plen, depth + 1);
		}
	} else if (kind == 17 || (kind == 0 && s->tag == TAG_ARRAY)) {
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
