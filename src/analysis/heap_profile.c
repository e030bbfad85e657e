// runtime.MemProfile's records as runtime/pprof writes them
// (runtime/pprof/protomem.go writeHeapProto, proto.go appendLocsForStack).
#include "analysis/heap_profile.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "goruntime/pclntab.h"
#include "goruntime/program.h"
#include "util/hash_map.h"

// What runtime.CallersFrames([]uintptr{pc}).Next() returns for one
// return PC: the innermost (possibly inlined) frame at pc - 1.
struct frame {
	const char *function, *file;
	int64_t line;
	uint64_t pc, entry;  // pc - 1 (pc if at the entry), the physical function's entry
	bool inlined;        // Frame.Func == nil
	bool goexit;
};

static bool is_goexit(const char *name)
{
	return name && strcmp(name, "runtime.goexit") == 0;
}

static struct frame frame_at(struct cnr_pclntab *tab, uint64_t pc)
{
	struct frame fr = { .function = "", .file = "", .pc = pc - 1 };
	struct cnr_func f;
	if (!cnr_pclntab_find(tab, pc, &f))
		return fr;
	uint64_t at = pc > f.entry ? pc - 1 : pc;
	struct cnr_source_frame sf;
	size_t n = 0;
	struct cnr_error *err = cnr_pclntab_source_frames(tab, &f, at, &sf, 1, &n);
	cnr_error_destroy(err);
	fr.pc = at;
	fr.entry = f.entry;
	if (n == 0) {
		fr.function = f.name;
		return fr;
	}
	fr.function = sf.function;
	fr.file = sf.file;
	fr.line = sf.line;
	fr.inlined = sf.inlined;
	fr.goexit = is_goexit(sf.function);
	return fr;
}

// runtime.FuncForPC(pc).Name(): the innermost function at pc itself.
static const char *func_for_pc(struct cnr_pclntab *tab, uint64_t pc)
{
	struct cnr_func f;
	if (!cnr_pclntab_find(tab, pc, &f))
		return NULL;
	struct cnr_source_frame sf;
	size_t n = 0;
	struct cnr_error *err = cnr_pclntab_source_frames(tab, &f, pc, &sf, 1, &n);
	cnr_error_destroy(err);
	return n ? sf.function : f.name;
}

static bool hidden_runtime(const struct cnr_go_ops *ops, const char *name)
{
	return name && (strncmp(name, "runtime.", 8) == 0 ||
			(ops->pprof_hides_internal_runtime && strncmp(name, "internal/runtime/", 17) == 0));
}

struct loc_info {
	uint32_t location;   // index into the profile's locations
	uint32_t npcs;
	struct frame first;  // the first PC's frame (pcDeck.firstPCFrames: one frame per PC)
};

DEFINE_HASH_MAP(loc_map, uint64_t, struct loc_info, cnr_hash_u64, cnr_eq_u64);
DEFINE_HASH_MAP(func_map, const char *, uint32_t, cnr_hash_string, cnr_eq_string);

enum { MAX_DECK = 1100 };

struct builder {
	struct cnr_program *prog;
	struct cnr_profile *p;
	struct loc_map locs;
	struct func_map funcs;
	uint64_t deck_pcs[MAX_DECK];
	struct frame deck[MAX_DECK];
	size_t ndeck;
};

// runtime/pprof proto.go (*pcDeck).tryAdd.
static bool deck_try_add(struct builder *b, uint64_t pc, const struct frame *fr)
{
	if (b->ndeck) {
		const struct frame *last = &b->deck[b->ndeck - 1];
		if (!last->inlined || !last->entry || !fr->entry || last->entry != fr->entry ||
		    strcmp(last->function, fr->function) == 0)
			return false;
	}
	if (b->ndeck == MAX_DECK)
		return false;
	b->deck_pcs[b->ndeck] = pc;
	b->deck[b->ndeck++] = *fr;
	return true;
}

static struct cnr_error *function_index(struct builder *b, const struct frame *fr, uint32_t *ret)
{
	bool inserted;
	uint32_t *slot = func_map_insert(&b->funcs, fr->function, &inserted);
	if (!slot)
		return &cnr_enomem;
	if (inserted) {
		struct cnr_profile_function fn = { .name = fr->function, .file = fr->file };
		*slot = (uint32_t)b->p->functions.size;
		if (!cnr_profile_function_vector_push(&b->p->functions, fn))
			return &cnr_enomem;
	}
	*ret = *slot;
	return NULL;
}

// runtime/pprof proto.go emitLocation: one location for the deck, its
// address the first frame's PC, its lines every frame of the deck.
static struct cnr_error *emit_location(struct builder *b, bool *emitted, uint32_t *ret)
{
	*emitted = false;
	if (!b->ndeck)
		return NULL;
	struct cnr_profile *p = b->p;
	struct cnr_profile_location loc = { .address = b->deck[0].pc, .first_line = (uint32_t)p->lines.size,
					     .nlines = (uint32_t)b->ndeck };
	loc.in_mapping = p->has_mapping && loc.address >= p->map_start && loc.address < p->map_limit;
	struct cnr_error *err;
	for (size_t i = 0; i < b->ndeck; i++) {
		struct cnr_profile_line line = { .line = b->deck[i].line };
		if ((err = function_index(b, &b->deck[i], &line.function)))
			return err;
		if (!cnr_profile_line_vector_push(&p->lines, line))
			return &cnr_enomem;
	}
	uint32_t id = (uint32_t)p->locations.size;
	if (!cnr_profile_location_vector_push(&p->locations, loc))
		return &cnr_enomem;
	bool inserted;
	struct loc_info *li = loc_map_insert(&b->locs, b->deck_pcs[0], &inserted);
	if (!li)
		return &cnr_enomem;
	*li = (struct loc_info){ .location = id, .npcs = (uint32_t)b->ndeck, .first = b->deck[0] };
	b->ndeck = 0;
	*emitted = true;
	*ret = id;
	return NULL;
}

static struct cnr_error *push_loc(struct cnr_profile *p, uint32_t id)
{
	return cnr_profile_u32_vector_push(&p->sample_locations, id) ? NULL : &cnr_enomem;
}

static struct cnr_error *flush(struct builder *b)
{
	bool emitted;
	uint32_t id;
	struct cnr_error *err = emit_location(b, &emitted, &id);
	return err ? err : emitted ? push_loc(b->p, id) : NULL;
}

// runtime/pprof proto.go appendLocsForStack (without
// runtime_expandFinalInlineFrame: NEEDSWORK: a stack cut at the depth
// limit whose last PC is an inlined call gets its outer frames there).
static struct cnr_error *append_locs(struct builder *b, const uint64_t *stk, size_t n)
{
	struct cnr_error *err;
	b->ndeck = 0;
	while (n > 0) {
		uint64_t addr = stk[0];
		struct loc_info *l = loc_map_get(&b->locs, addr);
		if (l) {
			if (b->ndeck && deck_try_add(b, addr, &l->first)) {
				stk++, n--;
				continue;
			}
			uint32_t id = l->location, skip = l->npcs;
			if ((err = flush(b)) || (err = push_loc(b->p, id)))
				return err;
			if (skip > n)
				skip = (uint32_t)n; // runtime/pprof panics here
			stk += skip, n -= skip;
			continue;
		}
		struct frame fr = frame_at(b->prog->pclntab, addr);
		if (fr.goexit) {
			if ((err = flush(b)))
				return err;
			stk++, n--;
			continue;
		}
		if (deck_try_add(b, addr, &fr)) {
			stk++, n--;
			continue;
		}
		if ((err = flush(b)))
			return err;
		if ((l = loc_map_get(&b->locs, addr))) {
			uint32_t skip = l->npcs > n ? (uint32_t)n : l->npcs;
			if ((err = push_loc(b->p, l->location)))
				return err;
			stk += skip, n -= skip;
		} else {
			deck_try_add(b, addr, &fr);
			stk++, n--;
		}
	}
	return flush(b);
}

static void set_mapping(struct cnr_program *prog, struct cnr_profile *p)
{
	// runtime/pprof proto.go readMapping: the executable's text mapping
	// as /proc/self/maps listed it, with the ELF's GNU build ID.
	const struct cnr_exe *exe = prog->exe;
	for (size_t i = 0; i < exe->nsegments; i++) {
		const struct cnr_exe_segment *s = &exe->segments[i];
		if (!(s->flags & PF_X))
			continue;
		uint64_t start = (s->vaddr & ~0xfffULL) + prog->bias;
		p->has_mapping = true;
		p->map_start = start;
		p->map_limit = ((s->vaddr + s->memsz + 0xfff) & ~0xfffULL) + prog->bias;
		p->map_offset = s->offset & ~0xfffULL;
		p->map_file = prog->exe_path_in_core ? prog->exe_path_in_core : exe->path;
		p->map_build_id = cnr_exe_build_id(prog->exe);
		return;
	}
}

struct cnr_error *cnr_heap_profile_build(struct cnr_program *prog, const struct cnr_mprof *mp,
					 struct cnr_profile *ret)
{
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	struct builder *b = calloc(1, sizeof(*b));
	if (!b)
		return &cnr_enomem;
	struct cnr_profile *p = ret;
	memset(p, 0, sizeof(*p));
	b->prog = prog;
	b->p = p;
	// runtime/pprof/protomem.go writeHeapProto: the types, in this order.
	static const struct cnr_profile_value_type types[] = {
		{ "alloc_objects", "count" }, { "alloc_space", "bytes" },
		{ "inuse_objects", "count" }, { "inuse_space", "bytes" },
	};
	memcpy(p->sample_types, types, sizeof(types));
	p->ntypes = 4;
	p->period_type = (struct cnr_profile_value_type){ "space", "bytes" };
	p->period = mp->rate;
	set_mapping(prog, p);
	struct cnr_pclntab *tab = prog->pclntab;
	const struct cnr_go_ops *ops = prog->ops;
	for (size_t r = 0; r < mp->nrecords && !err; r++) {
		const struct cnr_mprof_record *rec = &mp->records[r];
		const uint64_t *stk = mp->pcs + rec->first_pc;
		size_t n = rec->npcs;
		struct cnr_profile_sample s = { .first_location = (uint32_t)p->sample_locations.size };
		// Leading runtime frames are hidden (mallocgc and its callers),
		// unless that leaves no location: then the whole stack shows.
		for (int tries = 0; tries < 2; tries++) {
			size_t from = 0;
			if (tries == 0) {
				for (from = 0; from < n && hidden_runtime(ops, func_for_pc(tab, stk[from])); from++)
					;
				if (from == n)
					from = 0;
			}
			p->sample_locations.size = s.first_location;
			if ((err = append_locs(b, stk + from, n - from)))
				break;
			if (p->sample_locations.size > s.first_location)
				break;
		}
		s.nlocations = (uint32_t)(p->sample_locations.size - s.first_location);
		int64_t inuse_objects = (int64_t)(rec->allocs - rec->frees);
		int64_t inuse_bytes = (int64_t)(rec->alloc_bytes - rec->free_bytes);
		cnr_mprof_scale((int64_t)rec->allocs, (int64_t)rec->alloc_bytes, mp->rate, &s.values[0], &s.values[1]);
		cnr_mprof_scale(inuse_objects, inuse_bytes, mp->rate, &s.values[2], &s.values[3]);
		if (ops->pprof_size_label_always)
			s.bytes_label = (int64_t)rec->size;
		else if (rec->allocs)
			s.bytes_label = (int64_t)(rec->alloc_bytes / rec->allocs);
		if (!err && !cnr_profile_sample_vector_push(&p->samples, s))
			err = &cnr_enomem;
	}
	loc_map_deinit(&b->locs);
	func_map_deinit(&b->funcs);
	free(b);
	if (err)
		cnr_profile_deinit(p);
	return err;
}

void cnr_heap_profile_stack(const struct cnr_profile *p, size_t r, const uint32_t **ret, size_t *n_ret)
{
	const struct cnr_profile_sample *s = &p->samples.data[r];
	*ret = p->sample_locations.data + s->first_location;
	*n_ret = s->nlocations;
}

const char *cnr_heap_profile_absence(const struct cnr_mprof *mp)
{
	if (mp->disabled_by_linker && mp->rate == 0)
		return "the program was built without memory profiling: nothing in it reaches runtime.MemProfile "
		       "(it imports neither runtime/pprof nor net/http/pprof), so the runtime set MemProfileRate "
		       "to 0 and the core holds no heap profile";
	if (mp->rate == 0 && mp->nrecords == 0)
		return "the program turned memory profiling off (runtime.MemProfileRate = 0): the core holds no heap "
		       "profile";
	return NULL;
}
