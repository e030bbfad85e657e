// Type descriptors and pointer masks on the committed fixture cores.
// The expected masks are computed independently from the executable's
// DWARF: Go describes each type's layout there (fields, offsets, and its
// reflect kind in DW_AT_go_kind), so the pointer words follow from it.
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdwarf/dwarf.h>

#include "goruntime/heap.h"
#include "goruntime/maps.h"
#include "goruntime/program.h"
#include "test_util.h"

// reflect.Kind values (internal/abi/type.go).
enum { K_ARRAY = 17, K_CHAN = 18, K_FUNC = 19, K_IFACE = 20, K_MAP = 21, K_PTR = 22, K_SLICE = 23,
       K_STRING = 24, K_STRUCT = 25, K_UNSAFE = 26 };

// Pointers to not-in-heap types (a sys.NotInHeap field, Go 1.20+) are not
// pointers to the GC (cmd/compile: types.Type.HasPointers).
static bool points_into_heap(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *ptr)
{
	const struct cnr_dwarf_type *to = cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, ptr->type_offset));
	if (!to || to->tag != DW_TAG_structure_type)
		return true;
	const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, to);
	for (uint32_t i = 0; i < to->nfields; i++) {
		const struct cnr_dwarf_type *ft = cnr_dwarf_type_at(dw, f[i].type_offset);
		const char *n = ft ? ft->name : NULL;
		if (n && strlen(n) >= 13 && strcmp(n + strlen(n) - 13, "sys.NotInHeap") == 0)
			return false;
	}
	return true;
}

static void dwarf_pointers(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t, uint64_t word, uint8_t *bits,
			   uint64_t nwords, int depth)
{
	cr_assert_lt(depth, 64);
	t = cnr_dwarf_type_strip(dw, t);
	if (!t)
		return;
#define SET(w)                                              \
	do {                                                \
		if ((w) < nwords)                           \
			bits[(w) / 8] |= 1u << ((w) % 8);   \
	} while (0)
	switch (t->go_kind) {
	case K_PTR:
		if (points_into_heap(dw, t))
			SET(word);
		return;
	case K_MAP: case K_CHAN: case K_FUNC: case K_UNSAFE:
		SET(word);
		return;
	case K_STRING: case K_SLICE:
		SET(word);
		return;
	case K_IFACE:
		SET(word);
		SET(word + 1);
		return;
	default:
		break;
	}
	if (t->tag == DW_TAG_pointer_type) {
		if (!points_into_heap(dw, t))
			return;
		SET(word);
		return;
	}
	if (t->tag == DW_TAG_structure_type) {
		const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, t);
		for (uint32_t i = 0; i < t->nfields; i++)
			dwarf_pointers(dw, cnr_dwarf_type_at(dw, f[i].type_offset), word + f[i].offset / 8, bits, nwords,
				       depth + 1);
	} else if (t->tag == DW_TAG_array_type) {
		const struct cnr_dwarf_type *e = cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, t->type_offset));
		// Go's DWARF gives pointer types no byte size.
		uint64_t esize = e && e->has_size ? e->size : e && e->tag == DW_TAG_pointer_type ? 8 : 0;
		if (!esize || esize % 8)
			return;
		for (uint64_t i = 0; i < t->count && word + i * (esize / 8) < nwords; i++)
			dwarf_pointers(dw, e, word + i * (esize / 8), bits, nwords, depth + 1);
	}
#undef SET
}

Test(goruntime, pointer_masks_match_dwarf_layouts)
{
	size_t nfixtures = cnr_test_fixture_count();
	size_t compared = 0;
	for (size_t k = 0; k < nfixtures; k++) {
		struct cnr_test_fixture fx;
		cnr_test_fixture_open(k, &fx);
		struct cnr_program *prog = fx.prog;
		struct cnr_heap heap;
		cnr_cr_assert_ok(cnr_heap_read(prog, &heap));
		for (size_t i = 0; i < heap.ngroups; i++) {
			const struct cnr_rtype *t = heap.groups[i].type;
			if (!t || !t->name)
				continue;
			const struct cnr_dwarf_type *dt = cnr_dwarf_type_by_name(prog->dwarf, t->name);
			if (!dt || !dt->has_size || dt->size != t->size)
				continue; // runtime-internal names (map.bucket[...]) have no DWARF twin
			const uint8_t *mask;
			uint64_t nwords;
			cnr_cr_assert_ok(cnr_type_ptrmask(heap.types, t, &mask, &nwords));
			cr_assert_eq(nwords, t->ptrdata / 8);
			uint8_t *want = calloc(1, nwords / 8 + 1);
			dwarf_pointers(prog->dwarf, dt, 0, want, nwords, 0);
			for (uint64_t w = 0; w < nwords; w++)
				cr_assert_eq(mask[w / 8] >> (w % 8) & 1, want[w / 8] >> (w % 8) & 1,
					     "%s: type %s word %lu: runtime mask %d, DWARF %d", fx.core, t->name,
					     (unsigned long)w, mask[w / 8] >> (w % 8) & 1, want[w / 8] >> (w % 8) & 1);
			free(want);
			compared++;
		}
		cnr_heap_deinit(&heap);
		cnr_test_fixture_close(&fx);
	}
	cr_assert_gt(compared, 0, "no runtime-typed object had a DWARF twin to compare with");
}

// Go's type strings name packages by their last path element
// ("atomic.Int64"); DWARF by the whole import path
// ("runtime/internal/atomic.Int64").  Drop the directories.
static void go_type_string(const char *dwarf, char *out, size_t len)
{
	size_t n = 0, word = 0;
	for (const char *p = dwarf; *p && n + 1 < len; p++) {
		if (*p == '/') {
			n = word; // forget the directory just copied
			continue;
		}
		out[n++] = *p;
		if (strchr(" *[](){},;", *p))
			word = n;
	}
	out[n] = '\0';
}

// Struct fields, element types and the uncommon type, against DWARF.
Test(goruntime, composite_types_match_dwarf)
{
	size_t nfixtures = cnr_test_fixture_count();
	size_t structs = 0, named = 0;
	for (size_t k = 0; k < nfixtures; k++) {
		struct cnr_test_fixture fx;
		cnr_test_fixture_open(k, &fx);
		struct cnr_program *prog = fx.prog;
		const char *exe = fx.exe;
		struct cnr_heap heap;
		cnr_cr_assert_ok(cnr_heap_read(prog, &heap));
		for (size_t i = 0; i < heap.ngroups; i++) {
			const struct cnr_rtype *t = heap.groups[i].type;
			if (!t || !t->name)
				continue;
			const struct cnr_dwarf_type *dt =
				cnr_dwarf_type_strip(prog->dwarf, cnr_dwarf_type_by_name(prog->dwarf, t->name));
			if (t->kind == 25 && dt && dt->tag == DW_TAG_structure_type) {
				const struct cnr_rfield *f;
				size_t n;
				cnr_cr_assert_ok(cnr_type_fields(heap.types, t, &f, &n));
				cr_assert_eq(n, dt->nfields, "%s: %s has %zu fields, DWARF %u", exe, t->name, n, dt->nfields);
				const struct cnr_dwarf_field *df = cnr_dwarf_fields(prog->dwarf, dt);
				for (size_t j = 0; j < n; j++) {
					cr_assert_str_eq(f[j].name, df[j].name, "%s: %s field %zu", exe, t->name, j);
					cr_assert_eq(f[j].offset, df[j].offset, "%s: %s.%s offset", exe, t->name, f[j].name);
					const struct cnr_dwarf_type *ft = cnr_dwarf_type_at(prog->dwarf, df[j].type_offset);
					// Anonymous struct types are spelled differently (DWARF
					// qualifies their field names): compare the others.
					if (ft && ft->name && f[j].type->name && strncmp(ft->name, "struct {", 8) != 0)
					{
						char want[1024];
						go_type_string(ft->name, want, sizeof(want));
						cr_assert_str_eq(f[j].type->name, want, "%s: type of %s.%s: %s vs DWARF %s", exe,
								 t->name, f[j].name, f[j].type->name, ft->name);
					}
				}
				structs++;
			}
			// A named type of package main has an uncommon type naming it.
			if (strncmp(t->name, "main.", 5) == 0) {
				struct cnr_uncommon u;
				cnr_cr_assert_ok(cnr_type_uncommon(heap.types, t, &u));
				cr_assert_str_eq(u.pkgpath ? u.pkgpath : "", "main", "%s: package of %s", exe, t->name);
				named++;
			}
		}
		// The element type of a map type: map[string]interface {}.
		uint64_t mt;
		const struct cnr_rtype *m, *key, *elem;
		cnr_cr_assert_ok(cnr_runtime_type_by_name(prog, "map[string]interface {}", &mt));
		cnr_cr_assert_ok(cnr_type_get(heap.types, mt, &m));
		cr_assert_str_eq(m->name, "map[string]interface {}");
		cnr_cr_assert_ok(cnr_type_key(heap.types, m, &key));
		cnr_cr_assert_ok(cnr_type_elem(heap.types, m, &elem));
		cr_assert_str_eq(key->name, "string");
		cr_assert_str_eq(elem->name, "interface {}");
		cnr_heap_deinit(&heap);
		cnr_test_fixture_close(&fx);
	}
	cr_assert_gt(structs, 0, "no struct type to compare");
	cr_assert_gt(named, 0, "no main.* type to compare");
}

// An itab: io.EOF is an error holding errors.New("EOF") (io/io.go), so its
// itab pairs the interface "error" with "*errors.errorString".
Test(goruntime, itab_of_io_eof)
{
	size_t nfixtures = cnr_test_fixture_count();
	for (size_t k = 0; k < nfixtures; k++) {
		struct cnr_test_fixture fx;
		cnr_test_fixture_open(k, &fx);
		struct cnr_type_cache *tc;
		uint64_t addr = 0, itab = 0;
		const struct cnr_rtype *iface, *concrete;
		cnr_cr_assert_ok(cnr_type_cache_create(fx.prog, &tc));
		cnr_cr_assert_ok(cnr_program_global(fx.prog, "io.EOF", &addr, NULL));
		cnr_cr_assert_ok(cnr_memory_read_u64(&fx.prog->mem, addr, &itab));
		cnr_cr_assert_ok(cnr_itab_types(tc, itab, &iface, &concrete));
		cr_assert_str_eq(iface->name, "error", "%s", fx.exe);
		cr_assert_str_eq(concrete->name, "*errors.errorString", "%s", fx.exe);
		cnr_type_cache_destroy(tc);
		cnr_test_fixture_close(&fx);
	}
}
