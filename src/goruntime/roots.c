#include "goruntime/roots.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "goruntime/runtime_roots.h"
#include "goruntime/stackmaps.h"
#include "goruntime/types.h"
#include "util/search.h"
#include "util/vector.h"

enum { MAX_SECTION_WORDS = 1u << 28, MAX_NAME_DEPTH = 16, NAME_LEN = 512 };

DEFINE_VECTOR(root_vector, struct cnr_root)

const char *cnr_root_kind_name(enum cnr_root_kind kind)
{
	static const char *const names[] = { "global", "stack", "chan elem", "finalizer",
					     "cleanup", "defer", "panic", "timer", "weak handle" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == CNR_NUM_ROOT_KINDS, "a name per root kind");
	return kind < CNR_NUM_ROOT_KINDS ? names[kind] : "?";
}

const char *cnr_root_kind_option(enum cnr_root_kind kind)
{
	static const char *const names[] = { "globals", "stacks", "chans", "finalizers",
					     "cleanups", "defers", "panics", "timers", "weak" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == CNR_NUM_ROOT_KINDS, "an option name per root kind");
	return kind < CNR_NUM_ROOT_KINDS ? names[kind] : "?";
}

bool cnr_root_kinds_parse(const char *list, uint32_t *ret, const char **bad_ret)
{
	uint32_t mask = 0;
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		enum cnr_root_kind k = 0;
		while (k < CNR_NUM_ROOT_KINDS &&
		       (strlen(cnr_root_kind_option(k)) != n || strncmp(cnr_root_kind_option(k), p, n) != 0))
			k++;
		if (k == CNR_NUM_ROOT_KINDS) {
			*bad_ret = p;
			return false;
		}
		mask |= 1u << k;
		if (!p[n])
			break;
		p += n + 1;
	}
	*ret = mask;
	return true;
}

enum {
	TAG_ARRAY = 0x01,   // DW_TAG_array_type
	TAG_POINTER = 0x0f, // DW_TAG_pointer_type
	TAG_STRUCT = 0x13,  // DW_TAG_structure_type
	TAG_TYPEDEF = 0x16, // DW_TAG_typedef
	MAX_TYPE_DEPTH = 24,
};

// Globals sorted by address, with their sizes, to name data/bss words.
struct global {
	uint64_t addr, size;
	const struct cnr_dwarf_var *var;
};

// A static object: what `var x = &T{...}` points to when the compiler
// laid the composite literal out in the data segment (a pkg..stmp_N no
// DWARF variable describes), named after the pointer global: x, of type T.
struct static_obj {
	uint64_t addr, size, type_offset;
	const char *name;
};

struct builder {
	struct cnr_program *prog;
	struct root_vector roots;
	struct cnr_string_pool *names;
	struct global *globals;
	size_t nglobals;
	struct static_obj *statics; // sorted by address, disjoint
	size_t nstatics;
};

static int cmp_global(const void *a, const void *b)
{
	const struct global *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

// The global whose value covers slot, or NULL.
static const struct global *global_of(const struct builder *b, uint64_t slot)
{
	size_t lo = CNR_PARTITION_POINT(b->nglobals, mid, b->globals[mid].addr <= slot);
	return lo > 0 && slot - b->globals[lo - 1].addr < b->globals[lo - 1].size ? &b->globals[lo - 1] : NULL;
}

static int cmp_static(const void *a, const void *b)
{
	const struct static_obj *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

// The static objects of [lo, hi) (the module's data and bss) that pointer
// globals point to: the first global in address order names each; one
// that overlaps the one before is dropped (a pointer into the middle of
// another static).
static struct cnr_error *find_statics(struct builder *b, uint64_t lo, uint64_t hi)
{
	const struct cnr_dwarf *dw = b->prog->dwarf;
	struct static_obj *v = malloc((b->nglobals ? b->nglobals : 1) * sizeof(*v));
	size_t n = 0;
	if (!v)
		return &cnr_enomem;
	for (size_t i = 0; i < b->nglobals; i++) {
		const struct global *g = &b->globals[i];
		const struct cnr_dwarf_type *t = cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, g->var->type_offset));
		uint64_t p;
		if (!t || t->tag != TAG_POINTER || g->size != 8 || !cnr_memory_readable_u64(&b->prog->mem, g->addr, &p) ||
		    p < lo || p >= hi || global_of(b, p))
			continue;
		uint64_t size = cnr_dwarf_type_size(dw, cnr_dwarf_type_at(dw, t->type_offset));
		if (size && size <= hi - p)
			v[n++] = (struct static_obj){ p, size, t->type_offset, g->var->name };
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_static); // stable enough: equal addresses keep one below
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && v[i].addr < v[k - 1].addr + v[k - 1].size)
			continue;
		v[k++] = v[i];
	}
	b->statics = v;
	b->nstatics = k;
	return NULL;
}

static const struct static_obj *static_of(const struct builder *b, uint64_t slot)
{
	size_t lo = CNR_PARTITION_POINT(b->nstatics, mid, b->statics[mid].addr <= slot);
	return lo > 0 && slot - b->statics[lo - 1].addr < b->statics[lo - 1].size ? &b->statics[lo - 1] : NULL;
}

static const char *global_name(struct builder *b, uint64_t slot)
{
	char name[NAME_LEN];
	const struct global *g = global_of(b, slot);
	const struct static_obj *st = g ? NULL : static_of(b, slot);
	if (g) {
		snprintf(name, sizeof(name), "%s", g->var->name);
		size_t n = strlen(name);
		cnr_dwarf_field_path(b->prog->dwarf, cnr_dwarf_type_at(b->prog->dwarf, g->var->type_offset), slot - g->addr,
				     name + n, sizeof(name) - n);
	} else if (st) {
		// Through the pointer global, as the program writes it: x → .items.
		snprintf(name, sizeof(name), "%s → ", st->name);
		size_t n = strlen(name);
		uint64_t left = cnr_dwarf_field_path(b->prog->dwarf, cnr_dwarf_type_at(b->prog->dwarf, st->type_offset),
						     slot - st->addr, name + n, sizeof(name) - n);
		if (!name[n])
			snprintf(name + n, sizeof(name) - n, "+0x%" PRIx64, left);
	} else {
		// Pointer words no DWARF variable covers still count.
		snprintf(name, sizeof(name), "global at 0x%" PRIx64, slot);
	}
	return cnr_string_pool_add(b->names, name, strlen(name));
}

// The last root added is the word at slot of global g.
static void set_var_type(struct builder *b, const struct global *g, uint64_t slot)
{
	if (!g)
		return;
	b->roots.data[b->roots.size - 1].var_type = g->var->type_offset;
	b->roots.data[b->roots.size - 1].var_offset = slot - g->addr;
}

static struct cnr_error *add_root(struct builder *b, enum cnr_root_kind kind, uint64_t slot, uint64_t value,
				  const char *name, bool conservative, uint32_t goroutine)
{
	if (!name)
		return &cnr_enomem;
	struct cnr_root r = { kind, slot, value, name, conservative, 0, 0, goroutine, false, NULL };
	return root_vector_push(&b->roots, r) ? NULL : &cnr_enomem;
}

// Set in mask (bit i = word start+8i, nwords of them) the pointer words
// of a value of DWARF type t at addr, as the compiler's pointer bitmap of
// the same type has them; *budget caps the work on huge arrays.
static void dwarf_pointer_words(const struct cnr_dwarf *dw, const struct cnr_dwarf_type *t, uint64_t addr,
				uint64_t start, uint64_t nwords, uint8_t *mask, int depth, uint64_t *budget)
{
	if (!t || depth > MAX_TYPE_DEPTH || !*budget || addr < start || (addr - start) / 8 >= nwords)
		return;
	--*budget;
	uint8_t kind = t->go_kind;
	if (kind == CNR_KIND_INTERFACE) {
		// Only the data word: the compiler's bitmaps skip the itab or
		// type word (cmd/compile/internal/typebits: "pointer in second slot").
		addr += 8;
		kind = CNR_KIND_UNSAFE_POINTER;
	}
	if (kind == CNR_KIND_POINTER || kind == CNR_KIND_MAP || kind == CNR_KIND_CHAN || kind == CNR_KIND_FUNC ||
	    kind == CNR_KIND_UNSAFE_POINTER || t->tag == TAG_POINTER) {
		if (addr % 8 == 0) {
			uint64_t i = (addr - start) / 8;
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
		}
		return;
	}
	if (t->tag == TAG_TYPEDEF) { // named types ("error" is one)
		dwarf_pointer_words(dw, cnr_dwarf_type_at(dw, t->type_offset), addr, start, nwords, mask, depth + 1,
				    budget);
	} else if (t->tag == TAG_STRUCT) { // strings, slices and interfaces too
		const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, t);
		for (uint32_t i = 0; f && i < t->nfields; i++)
			dwarf_pointer_words(dw, cnr_dwarf_type_at(dw, f[i].type_offset), addr + f[i].offset, start,
					    nwords, mask, depth + 1, budget);
	} else if (t->tag == TAG_ARRAY) {
		const struct cnr_dwarf_type *e = cnr_dwarf_type_at(dw, t->type_offset);
		uint64_t esize = cnr_dwarf_type_size(dw, e);
		for (uint64_t i = 0; esize && i < t->count && *budget; i++)
			dwarf_pointer_words(dw, e, addr + i * esize, start, nwords, mask, depth + 1, budget);
	}
}

// The pointer mask of [start, start+8*nwords) from the DWARF types of the
// globals there, for a core that lost the runtime's own mask: the same
// words, except in variables DWARF does not describe.
static void dwarf_section_mask(struct builder *b, uint64_t start, uint64_t nwords, uint8_t *mask)
{
	const struct cnr_dwarf *dw = b->prog->dwarf;
	uint64_t budget = 8 * nwords + 4096;
	memset(mask, 0, (size_t)(nwords + 7) / 8);
	for (size_t i = 0; i < b->nglobals; i++) {
		const struct global *g = &b->globals[i];
		if (g->addr >= start && (g->addr - start) / 8 < nwords)
			dwarf_pointer_words(dw, cnr_dwarf_type_at(dw, g->var->type_offset), g->addr, start, nwords, mask,
					    0, &budget);
	}
	// The static objects named globals point to, by their pointees' types
	// (find_statics), as the runtime's mask covers them too.
	for (size_t i = 0; i < b->nstatics; i++) {
		const struct static_obj *st = &b->statics[i];
		if (st->addr >= start && (st->addr - start) / 8 < nwords)
			dwarf_pointer_words(dw, cnr_dwarf_type_at(dw, st->type_offset), st->addr, start, nwords, mask, 0,
					    &budget);
	}
}

// runtime/mgcmark.go markroot: data and bss, scanned with the module's
// decoded pointer masks gcdatamask/gcbssmask (bit i = word start+8i).
// A core cut before those masks (the runtime allocates them at start-up,
// off the heap, near the end of a kernel core) is scanned with masks made
// from the globals' DWARF types instead.
static struct cnr_error *global_roots(struct builder *b)
{
	struct cnr_program *prog = b->prog;
	const struct cnr_dwarf *dw = prog->dwarf;
	uint64_t md, off_data, off_bss, off_edata, off_ebss, off_dmask, off_bmask, off_n, off_bytes;
	struct cnr_error *err;
	if ((err = cnr_program_global(prog, "runtime.firstmoduledata", &md, NULL)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.moduledata", "data", &off_data)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.moduledata", "bss", &off_bss)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.moduledata", "edata", &off_edata)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.moduledata", "ebss", &off_ebss)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.moduledata", "gcdatamask", &off_dmask)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.moduledata", "gcbssmask", &off_bmask)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.bitvector", "n", &off_n)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.bitvector", "bytedata", &off_bytes)))
		return err;
	const struct {
		uint64_t start_off, end_off, mask_off;
		const char *what;
	} sections[] = { { off_data, off_edata, off_dmask, "data" }, { off_bss, off_ebss, off_bmask, "bss" } };
	uint64_t data_start, bss_end;
	if ((err = cnr_memory_read_u64(&prog->mem, md + off_data, &data_start)) ||
	    (err = cnr_memory_read_u64(&prog->mem, md + off_ebss, &bss_end)) ||
	    (err = find_statics(b, data_start, bss_end > data_start ? bss_end : data_start)))
		return err;
	for (size_t s = 0; s < 2; s++) {
		uint64_t start, end, bytes;
		int32_t n;
		if ((err = cnr_memory_read_u64(&prog->mem, md + sections[s].start_off, &start)) ||
		    (err = cnr_memory_read_u64(&prog->mem, md + sections[s].end_off, &end)) ||
		    (err = cnr_memory_read(&prog->mem, md + sections[s].mask_off + off_n, &n, 4)) ||
		    (err = cnr_memory_read_u64(&prog->mem, md + sections[s].mask_off + off_bytes, &bytes)))
			return err;
		// The mask covers the section and no more (runtime/symtab.go modulesinit).
		if (n < 0 || (uint64_t)n > MAX_SECTION_WORDS || end < start || (uint64_t)n > (end - start) / 8)
			return cnr_error_corrupt("module %s pointer mask claims %d words for [0x%" PRIx64 ", 0x%" PRIx64 ")",
						 sections[s].what, n, start, end);
		uint8_t *mask = malloc((size_t)n / 8 + 1);
		uint64_t *words = malloc((size_t)n * 8 + 8);
		if (!mask || !words) {
			free(mask);
			free(words);
			return &cnr_enomem;
		}
		err = cnr_memory_read(&prog->mem, bytes, mask, ((size_t)n + 7) / 8);
		if (err && cnr_error_code(err) == CNR_ERROR_FAULT) {
			cnr_warn(prog->ctx, "the runtime's pointer mask of the %s section is not in the core (%s): "
				 "its globals are scanned by their DWARF types (words of the compiler's "
				 "static temporaries that no global points to, which DWARF does not describe, "
				 "are not)",
				 sections[s].what, cnr_error_message(err));
			cnr_error_destroy(err);
			dwarf_section_mask(b, start, (uint64_t)n, mask);
			err = NULL;
		}
		if (!err)
			err = cnr_memory_read(&prog->mem, start, words, (size_t)n * 8);
		for (int32_t i = 0; !err && i < n; i++) {
			if (!(mask[i / 8] >> (i % 8) & 1) || !words[i])
				continue;
			uint64_t slot = start + 8 * (uint64_t)i;
			err = add_root(b, CNR_ROOT_GLOBAL, slot, words[i], global_name(b, slot), false, CNR_ROOT_NO_GOROUTINE);
			if (!err) {
				const struct global *g = global_of(b, slot);
				const struct static_obj *st = g ? NULL : static_of(b, slot);
				struct cnr_root *r = &b->roots.data[b->roots.size - 1];
				set_var_type(b, g, slot);
				if (st) {
					r->var_type = st->type_offset;
					r->var_offset = slot - st->addr;
				}
				r->unnamed = !g && !st;
			}
		}
		free(mask);
		free(words);
		if (err)
			return cnr_error_wrap(err, "cannot read the %s section's pointers", sections[s].what);
	}
	return NULL;
}

struct frame_ctx {
	struct builder *b;
	const struct cnr_goroutine *g;
	uint32_t goroutine; // g's index
	const struct cnr_frame *fr;
	const char *function, *file;
	int line;
	struct cnr_error *err;
};

static void on_slot(void *arg, const struct cnr_live_slot *s)
{
	struct frame_ctx *fc = arg;
	if (!s->value || fc->err)
		return;
	char name[NAME_LEN];
	const char *base = strrchr(fc->file, '/') ? strrchr(fc->file, '/') + 1 : fc->file;
	int prefix = snprintf(name, sizeof(name), "goroutine %" PRIu64 " ", fc->g->goid);
	int n = prefix + snprintf(name + prefix, sizeof(name) - (size_t)prefix, "%s (%s:%d) ", fc->function, base,
				  fc->line);
	if (n >= (int)sizeof(name))
		n = (int)sizeof(name) - 1;
	if (s->var && s->var_offset && !s->map_header) // a stack map header's words are its map
		snprintf(name + n, sizeof(name) - (size_t)n, "var %s+%" PRIu64, s->var, s->var_offset);
	else if (s->var)
		snprintf(name + n, sizeof(name) - (size_t)n, "var %s", s->var);
	else if (s->slot >= fc->fr->fp) // the arguments' words sit above the frame, from its fp (the CFA)
		snprintf(name + n, sizeof(name) - (size_t)n, "arg at fp+%" PRIu64, s->slot - fc->fr->fp);
	else
		snprintf(name + n, sizeof(name) - (size_t)n, "slot at sp+%" PRIu64, s->slot - fc->fr->sp);
	fc->err = add_root(fc->b, CNR_ROOT_STACK, s->slot, s->value, cnr_string_pool_add(fc->b->names, name, strlen(name)),
			   s->kind == CNR_SLOT_CONSERVATIVE, fc->goroutine);
	if (!fc->err) {
		struct cnr_root *r = &fc->b->roots.data[fc->b->roots.size - 1];
		r->unnamed = !s->var;
		r->frame_slot = strlen(r->name) > (size_t)prefix ? r->name + prefix : NULL;
	}
	if (!fc->err && s->var) {
		fc->b->roots.data[fc->b->roots.size - 1].var_type = s->var_type;
		fc->b->roots.data[fc->b->roots.size - 1].var_offset = s->var_offset;
	}
}

static struct cnr_error *add_runtime_root(void *arg, enum cnr_root_kind kind, uint64_t slot, uint64_t value,
					  const char *name, const char *in_type, uint64_t in_off, uint32_t goroutine)
{
	struct builder *b = arg;
	struct cnr_error *err =
		add_root(b, kind, slot, value, cnr_string_pool_add(b->names, name, strlen(name)), false, goroutine);
	if (err)
		return err;
	const struct cnr_dwarf_type *t = in_type ? cnr_dwarf_type_by_name(b->prog->dwarf, in_type) : NULL;
	b->roots.data[b->roots.size - 1].var_type = t ? t->offset : 0;
	b->roots.data[b->roots.size - 1].var_offset = t ? in_off : 0;
	return NULL;
}

static struct cnr_error *stack_roots(struct builder *b, const struct cnr_goroutines *gs)
{
	struct cnr_program *prog = b->prog;
	bool stacks = prog->root_kinds >> CNR_ROOT_STACK & 1, chans = prog->root_kinds >> CNR_ROOT_CHAN_ELEM & 1;
	for (size_t k = 0; k < gs->ngs; k++) {
		const struct cnr_goroutine *g = &gs->gs[k];
		for (size_t i = 0; stacks && i < g->nframes; i++) {
			const struct cnr_frame *fr = &gs->frames[g->first_frame + i];
			struct cnr_source_frame sf[8];
			size_t nsf = 0;
			uint64_t pc = i == 0 && g->trap ? fr->pc : fr->pc - (fr->pc > fr->func.entry);
			struct cnr_error *err = cnr_pclntab_source_frames(prog->pclntab, &fr->func, pc, sf, 8, &nsf);
			cnr_error_destroy(err);
			struct frame_ctx fc = {
				.b = b, .g = g, .goroutine = (uint32_t)k, .fr = fr, .function = fr->func.name,
				.file = nsf ? sf[nsf - 1].file : "?", .line = nsf ? sf[nsf - 1].line : 0,
			};
			err = cnr_frame_live_slots(prog, g, fr, i, on_slot, &fc);
			if (err)
				cnr_warn_error(prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64 ": frame of %s", g->goid,
									 fr->func.name));
			if (fc.err)
				return fc.err;
		}
		// What a blocked sender holds in its sudog stays alive with it.
		for (size_t w = 0; chans && w < g->nwaits; w++) {
			const struct cnr_chan_wait *cw = &gs->waits[g->first_wait + w];
			if (!cw->elem_word || !cw->elem_pointers || strcmp(cw->dir, "send") != 0)
				continue;
			char name[NAME_LEN];
			snprintf(name, sizeof(name), "goroutine %" PRIu64 " chan send elem", g->goid);
			struct cnr_error *err = add_root(b, CNR_ROOT_CHAN_ELEM, cw->elem, cw->elem_word,
							 cnr_string_pool_add(b->names, name, strlen(name)), false, (uint32_t)k);
			if (err)
				return err;
			const struct cnr_dwarf_type *et = cw->elem_type ? cnr_dwarf_type_by_name(prog->dwarf, cw->elem_type) : NULL;
			b->roots.data[b->roots.size - 1].var_type = et ? et->offset : 0;
		}
	}
	return NULL;
}

struct cnr_error *cnr_roots_read(struct cnr_program *prog, const struct cnr_goroutines *gs, struct cnr_roots *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	struct builder b = { .prog = prog, .names = &ret->names };
	// Every global DWARF knows, sorted, to name data and bss words.
	const struct cnr_dwarf *dw = prog->dwarf;
	size_t n = cnr_dwarf_num_globals(dw);
	b.globals = malloc((n ? n : 1) * sizeof(*b.globals));
	if (!b.globals)
		return &cnr_enomem;
	for (size_t i = 0; i < n; i++) {
		const struct cnr_dwarf_var *v = cnr_dwarf_global_at(dw, i);
		b.globals[i] = (struct global){ v->addr + prog->bias, cnr_dwarf_type_size(dw, cnr_dwarf_type_at(dw, v->type_offset)), v };
	}
	b.nglobals = n;
	qsort(b.globals, b.nglobals, sizeof(*b.globals), cmp_global);
	// The kinds asked for (--roots) are filtered here, at their sources.
	if (prog->root_kinds >> CNR_ROOT_GLOBAL & 1)
		err = global_roots(&b);
	if (!err && gs)
		err = stack_roots(&b, gs);
	if (!err)
		err = cnr_runtime_roots_read(prog, gs, prog->root_kinds, add_runtime_root, &b);
	free(b.globals);
	free(b.statics);
	if (err) {
		root_vector_deinit(&b.roots);
		cnr_string_pool_deinit(&ret->names);
		return err;
	}
	ret->v = b.roots.data;
	ret->n = b.roots.size;
	return NULL;
}

void cnr_roots_deinit(struct cnr_roots *roots)
{
	free(roots->v);
	cnr_string_pool_deinit(&roots->names);
	memset(roots, 0, sizeof(*roots));
}
