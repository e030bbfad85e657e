// Typing by propagation: an object with a record is scanned by its plan,
// and each pointer word types its target (a value, an array, a string's
// bytes, an interface's dynamic type, a closure, a map's buckets), wave by
// wave in id order.  The first type an object gets sticks, unless a better
// one (a DWARF type with a plan over a bare runtime type, an array over
// one value) turns up.
#include "goruntime/typing_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/pclntab.h"
#include "goruntime/program.h"

bool typing_locate(const struct typer *tp, uint64_t addr, struct object *ret)
{
	const struct cnr_heap_graph *hg = tp->hg;
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
	if (!s || !s->elemsize)
		return false;
	uint64_t slot = cnr_heap_slot_index(s, addr);
	if (slot >= s->nelems || !cnr_heap_allocated(&hg->heap, s->first + slot))
		return false;
	ret->id = (uint32_t)(s->first + slot);
	ret->span = s;
	ret->base = s->base + slot * s->elemsize;
	ret->len = s->elemsize;
	if (hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min) {
		ret->base += 8;
		ret->len -= 8;
	}
	return addr >= ret->base;
}

// Whether object id may take a new type: it has none; or only a runtime
// type DWARF does not describe (the runtime's map.bucket[K]V is DWARF's
// bucket<K,V>), which a DWARF type with a plan replaces; or one T where an
// array of T turns up (runtime.allgptr points at allgs[0] as a *g).
static bool may_type(const struct typer *tp, uint32_t id)
{
	uint32_t cur = tp->ty->of[id];
	if (cur == NO_RECORD)
		return true;
	const struct record *r = &tp->ty->records.data[cur];
	return (!r->t.dwarf && r->t.shape <= CNR_SHAPE_ARRAY && r->plan < 0) ||
	       (r->t.dwarf && r->t.shape == CNR_SHAPE_ONE);
}

static inline bool is_final(const struct typer *tp, uint32_t id)
{
	return tp->ty->final[id / 64] >> (id % 64) & 1;
}

// Whether record rec is a better type for object id than the one it has.
static bool better(const struct typer *tp, uint32_t id, uint32_t rec)
{
	uint32_t cur = tp->ty->of[id];
	if (cur == NO_RECORD)
		return true;
	if (cur == rec)
		return false;
	const struct record *c = &tp->ty->records.data[cur], *n = &tp->ty->records.data[rec];
	if (!c->t.dwarf && c->t.shape <= CNR_SHAPE_ARRAY && c->plan < 0)
		return n->plan >= 0;
	return c->t.dwarf && c->t.shape == CNR_SHAPE_ONE && n->t.shape == CNR_SHAPE_ARRAY && n->t.dwarf == c->t.dwarf;
}

// Rewrite "pkg.T[A,B]" in place as its shape instance "pkg.T[go.shape.A,go.shape.B]".
static bool shape_name(char *name, size_t len)
{
	char out[MAX_NAME];
	const char *p = strchr(name, '[');
	if (!p)
		return false;
	size_t o = (size_t)(p - name) + 1;
	memcpy(out, name, o);
	int depth = 0;
	bool arg_start = true;
	for (p++; *p && o + 10 < sizeof(out); p++) {
		if (arg_start && depth == 0) {
			memcpy(out + o, "go.shape.", 9);
			o += 9;
		}
		arg_start = false;
		if (*p == '[' || *p == '(' || *p == '{')
			depth++;
		else if ((*p == ']' || *p == ')' || *p == '}') && depth > 0)
			depth--;
		else if (*p == ',' && depth == 0)
			arg_start = true;
		out[o++] = *p;
	}
	out[o] = 0;
	if (*p || o >= len)
		return false;
	memcpy(name, out, o + 1);
	return true;
}

// A tiny-allocator block: small pointer-free values packed together; the
// block is named by the first value typed in it.
static struct cnr_error *tiny_block(struct typer *tp, const struct object *o, uint64_t t)
{
	uint64_t key = key_dwarf(t, CNR_SHAPE_TINY);
	uint32_t *hit = u64_u32_map_get(&tp->ty->record_of, key), rec;
	if (hit)
		return typing_assign(tp, o, *hit);
	const struct cnr_dwarf_type *dt = dtype(tp, t);
	char name[MAX_NAME];
	snprintf(name, sizeof(name), "%s (tiny block)", dt && dt->name ? dt->name : "?");
	struct record r = { .t = { .dwarf = t, .elem_size = TINY_BLOCK, .shape = CNR_SHAPE_TINY }, .plan = -1 };
	struct cnr_error *err = typing_new_record(tp, key, r, name, &rec);
	return err ? err : typing_assign(tp, o, rec);
}

struct cnr_error *typing_assign(struct typer *tp, const struct object *o, uint32_t rec)
{
	if (!better(tp, o->id, rec))
		return NULL;
	tp->ty->of[o->id] = rec;
	const struct record *r = &tp->ty->records.data[rec];
	if (r->t.dwarf || r->t.shape > CNR_SHAPE_ARRAY || r->plan >= 0)
		tp->ty->final[o->id / 64] |= 1ULL << (o->id % 64);
	if (tp->ty->records.data[rec].plan < 0)
		return NULL; // nothing in it to follow
	return id_vector_push(&tp->queue, o->id) ? NULL : &cnr_enomem;
}

// Type the object at addr as holding DWARF type t: one value if addr is
// its start, or (array) an array of them when addr sits on an element
// boundary.  Interior pointers into a struct say nothing about the
// enclosing object and are ignored.
static struct cnr_error *type_target(struct typer *tp, uint64_t addr, uint64_t t, bool array, uint64_t map_rtype)
{
	struct object o;
	if (!t || !typing_locate(tp, addr, &o) || (!array && is_final(tp, o.id)) || !may_type(tp, o.id))
		return NULL;
	uint64_t size = cnr_dwarf_type_size(tp->prog->dwarf, dtype(tp, t)), off = addr - o.base;
	if (!size || size > o.len)
		return NULL;
	if (o.span->noscan && o.len == TINY_BLOCK && size < TINY_BLOCK && !array)
		return tiny_block(tp, &o, t);
	const struct cnr_dwarf_type *tt = dtype(tp, t);
	if (!array && off == 0 && tt && cnr_layout_type_shape(tt->name) == CNR_RT_SYNC_NODE) {
		// sync.Map's trie (Go 1.24+): a node is the head of an entry or
		// an indirect node; isEntry, its first byte, says which.
		uint8_t is_entry;
		char name[MAX_NAME];
		if (cnr_memory_readable(&tp->prog->mem, addr, &is_entry, 1) &&
		    cnr_layout_sync_node_record(tt->name, is_entry, name, sizeof(name))) {
			const struct cnr_dwarf_type *full = cnr_dwarf_type_by_name(tp->prog->dwarf, name);
			if (!full && shape_name(name, sizeof(name)))
				full = cnr_dwarf_type_by_name(tp->prog->dwarf, name); // only the shape instance has DWARF
			if (full && cnr_dwarf_type_size(tp->prog->dwarf, full) <= o.len)
				t = full->offset;
		}
	}
	enum cnr_obj_shape shape;
	if (!array && off == 0)
		shape = CNR_SHAPE_ONE; // (or a struct that embeds a T first: typed as far as T goes)
	else if (array && off % size == 0)
		shape = CNR_SHAPE_ARRAY;
	else
		return NULL;
	uint32_t rec;
	struct cnr_error *err = typing_dwarf_record(tp, t, shape, map_rtype, &rec);
	return err ? err : typing_assign(tp, &o, rec);
}

// The concrete type an itab names, cached; 0 if itab is not one.
struct cnr_error *typing_itab_concrete(struct typer *tp, uint64_t itab, uint64_t *ret)
{
	uint64_t *cached = u64_u64_map_get(&tp->ty->itab_type, itab);
	if (cached) {
		*ret = *cached;
		return NULL;
	}
	const struct cnr_rtype *iface, *concrete;
	struct cnr_error *err = cnr_itab_types(tp->hg->heap.types, itab, &iface, &concrete);
	*ret = 0;
	if (err)
		cnr_error_destroy(err);
	else if (iface->kind == CNR_KIND_INTERFACE && typing_dwarf_of_rtype(tp, concrete->addr))
		*ret = concrete->addr;
	bool inserted;
	uint64_t *slot = u64_u64_map_insert(&tp->ty->itab_type, itab, &inserted);
	if (!slot)
		return &cnr_enomem;
	*slot = *ret;
	return NULL;
}

// An interface's data word, whose dynamic type is rtype.
struct cnr_error *typing_type_interface(struct typer *tp, uint64_t rtype, uint64_t data)
{
	uint64_t d = typing_dwarf_of_rtype(tp, rtype);
	if (!d)
		return NULL;
	int32_t p;
	struct cnr_error *err = typing_plan_of(tp, d, &p);
	if (err)
		return err;
	// Pointer-shaped types are stored in the data word itself
	// (kindDirectIface); everything else is boxed on the heap.
	const struct plan *pl = p >= 0 ? &tp->ty->plans.data[p] : NULL;
	if (pl && pl->size == 8 && pl->n == 1 && tp->ty->entries.data[pl->first].off == 0) {
		struct entry e = tp->ty->entries.data[pl->first];
		if (e.kind == E_PTR || e.kind == E_FUNC || e.kind == E_CHAN_BUF)
			return typing_apply_entry(tp, &e, data, 0, NULL, 0);
	}
	return type_target(tp, data, d, false, 0);
}

// Follow one pointer word of a value: word is its content; bytes/len the
// value's object (for the words an entry reads beside it), at its offset.
struct cnr_error *typing_apply_entry(struct typer *tp, const struct entry *e, uint64_t word, uint64_t at,
				     const uint8_t *bytes, uint64_t len)
{
	struct cnr_program *prog = tp->prog;
	uint64_t aux = 0;
	bool have_aux = false;
	if (e->kind == E_EFACE || e->kind == E_IFACE) {
		if (bytes && at >= 8) {
			memcpy(&aux, bytes + at - 8, 8);
			have_aux = true;
		}
	} else if (e->kind == E_SWISS_DIR || e->kind == E_CHAN_BUF) {
		int64_t a = (int64_t)at + e->aux_off;
		if (bytes && a >= 0 && (uint64_t)a + 8 <= len) {
			memcpy(&aux, bytes + a, 8);
			have_aux = true;
		}
	}
	if (!word)
		return NULL;
	switch (e->kind) {
	case E_PTR:
		return type_target(tp, word, e->target, false, e->map_rtype);
	case E_PTR_ARRAY:
		return type_target(tp, word, e->target, true, 0);
	case E_SLICE:
		return type_target(tp, word, e->target, true, 0);
	case E_STRING: {
		struct object o;
		if (!typing_locate(tp, word, &o) || is_final(tp, o.id) || tp->ty->of[o.id] != NO_RECORD)
			return NULL;
		uint32_t *hit = u64_u32_map_get(&tp->ty->record_of, key_rtype(0, CNR_SHAPE_STRING_DATA));
		uint32_t rec = hit ? *hit : 0;
		struct cnr_error *err = NULL;
		if (!hit) {
			struct record r = { .t = { .elem_size = 1, .shape = CNR_SHAPE_STRING_DATA }, .plan = -1 };
			err = typing_new_record(tp, key_rtype(0, CNR_SHAPE_STRING_DATA), r, "string (bytes)", &rec);
		}
		return err ? err : typing_assign(tp, &o, rec);
	}
	case E_EFACE:
		return have_aux && aux ? typing_type_interface(tp, aux, word) : NULL;
	case E_IFACE: {
		uint64_t rtype = 0;
		struct cnr_error *err = have_aux && aux ? typing_itab_concrete(tp, aux, &rtype) : NULL;
		return err ? err : rtype ? typing_type_interface(tp, rtype, word) : NULL;
	}
	case E_FUNC: {
		struct object o;
		uint64_t pc;
		struct cnr_func f;
		if (!typing_locate(tp, word, &o) || o.base != word || is_final(tp, o.id) || !may_type(tp, o.id) ||
		    !cnr_memory_readable_u64(&prog->mem, word, &pc) || !cnr_pclntab_find(prog->pclntab, pc, &f))
			return NULL;
		uint32_t rec;
		struct cnr_error *err = typing_closure_record(tp, &f, &rec);
		return err ? err : typing_assign(tp, &o, rec);
	}
	case E_SWISS_DIR:
		if (!have_aux)
			return NULL;
		// dirLen == 0: a small map, dirPtr is its one group.
		return aux == 0 ? type_target(tp, word, e->target2, false, 0) : type_target(tp, word, e->target, true, 0);
	case E_CHAN_BUF:
		return have_aux && aux ? type_target(tp, word, typing_dwarf_of_rtype(tp, aux), true, 0) : NULL;
	case E_RPTR: {
		struct object o;
		uint32_t rec;
		if (!typing_locate(tp, word, &o) || o.base != word || is_final(tp, o.id) || !may_type(tp, o.id))
			return NULL;
		struct cnr_error *err = typing_rtype_record(tp, e->target, CNR_SHAPE_ONE, &rec);
		return err ? err : typing_assign(tp, &o, rec);
	}
	}
	return NULL;
}

// Follow the queued pointer words, their targets' lookups prefetched first.
static struct cnr_error *flush_items(struct typer *tp)
{
	const struct cnr_heap *heap = &tp->hg->heap;
	size_t n = tp->nitems;
	tp->nitems = 0;
	if (heap->page_span) {
		for (size_t i = 0; i < n; i++) {
			uint64_t p = (tp->items[i].word - heap->page_base) / 8192;
			if (tp->items[i].word >= heap->page_base && p < heap->npages)
				__builtin_prefetch(&heap->page_span[p]);
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t p = (tp->items[i].word - heap->page_base) / 8192;
			if (tp->items[i].word >= heap->page_base && p < heap->npages && heap->page_span[p] != UINT32_MAX)
				__builtin_prefetch(&heap->spans[heap->page_span[p]]);
		}
		for (size_t i = 0; i < n; i++) {
			const struct cnr_heap_span *s = cnr_heap_span_of(heap, tp->items[i].word);
			if (!s)
				continue;
			uint64_t slot = cnr_heap_slot_index(s, tp->items[i].word), id = s->first + slot;
			if (slot >= s->nelems)
				continue;
			__builtin_prefetch(&heap->alloc[id / 64]);
			__builtin_prefetch(&tp->ty->final[id / 64]);
			__builtin_prefetch(&tp->ty->of[id]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &tp->items[i];
		struct cnr_error *err = typing_apply_entry(tp, &tp->ty->entries.data[it->entry], it->word, it->at, it->bytes,
						    it->len);
		if (err)
			return err;
	}
	return NULL;
}

// Follow every pointer word of object id by its record's plan.
static struct cnr_error *scan_object(struct typer *tp, uint32_t id, const struct cnr_heap_span *s)
{
	const struct record *r = &tp->ty->records.data[tp->ty->of[id]];
	if (r->plan < 0)
		return NULL;
	const struct plan pl = tp->ty->plans.data[r->plan];
	struct object o = { .id = id, .span = s, .base = s->base + (id - s->first) * s->elemsize, .len = s->elemsize };
	if (tp->hg->header_min && s->sizeclass && !s->noscan && s->elemsize > tp->hg->header_min) {
		o.base += 8;
		o.len -= 8;
	}
	if (!pl.size || pl.size > o.len)
		return NULL;
	uint64_t n = r->t.shape == CNR_SHAPE_ARRAY ? o.len / pl.size : 1;
	const uint8_t *bytes = cnr_memory_ptr(&tp->prog->mem, o.base, o.len);
	bool copied = !bytes;
	struct cnr_error *err;
	if (copied) {
		// Not one piece of the core (or not in it at all): copy it, up to
		// a bound a damaged span cannot push into gigabytes.  The copy is
		// reused by the next object: follow what is queued first.
		if (o.len > MAX_COPY || (err = flush_items(tp)))
			return o.len > MAX_COPY ? NULL : err;
		if (o.len > tp->buf_len) {
			uint8_t *nb = realloc(tp->buf, o.len);
			if (!nb)
				return &cnr_enomem;
			tp->buf = nb;
			tp->buf_len = o.len;
		}
		err = cnr_memory_read(&tp->prog->mem, o.base, tp->buf, o.len);
		if (err) {
			cnr_error_destroy(err); // unreadable: its targets stay untyped
			return NULL;
		}
		bytes = tp->buf;
	}
	for (uint64_t i = 0; i < n; i++) {
		for (uint32_t k = 0; k < pl.n; k++) {
			const struct entry *e = &tp->ty->entries.data[pl.first + k];
			uint64_t at = i * pl.size + e->off, word;
			if (at + 8 > o.len)
				break;
			memcpy(&word, bytes + at, 8);
			if (!word)
				continue;
			tp->items[tp->nitems++] = (struct item){ word, at, o.len, bytes, pl.first + k };
			if (tp->nitems == BATCH && (err = flush_items(tp)))
				return err;
		}
	}
	return copied ? flush_items(tp) : NULL;
}

// Sort ids (radix, two 16-bit passes).
static bool sort_ids(uint32_t *ids, size_t n)
{
	uint32_t *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	size_t *count = malloc(65537 * sizeof(*count));
	if (!tmp || !count) {
		free(tmp);
		free(count);
		return false;
	}
	for (int shift = 0; shift < 32; shift += 16) {
		memset(count, 0, 65537 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(ids[i] >> shift & 0xffff) + 1]++;
		for (size_t b = 0; b < 65536; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[ids[i] >> shift & 0xffff]++] = ids[i];
		memcpy(ids, tmp, n * sizeof(*ids));
	}
	free(tmp);
	free(count);
	return true;
}

// Scan the typed objects wave by wave: each wave in id order, so the
// objects' memory and their spans are visited in address order (a
// breadth-first queue would jump around the whole heap for every object).
struct cnr_error *typing_propagate(struct typer *tp)
{
	const struct cnr_heap_graph *hg = tp->hg;
	struct cnr_error *err = NULL;
	// Every live object is typed at most once or twice: its slots bound the work.
	struct cnr_progress progress;
	uint64_t done = 0;
	cnr_progress_begin(&progress, tp->prog->ctx, "typing", hg->live_objects ? hg->live_objects : hg->heap.objects);
	while (tp->queue.size && !err) {
		struct id_vector wave = tp->queue;
		memset(&tp->queue, 0, sizeof(tp->queue));
		if (!sort_ids(wave.data, wave.size)) {
			id_vector_deinit(&wave);
			return &cnr_enomem;
		}
		size_t j = 0;
		for (size_t i = 0; i < wave.size && !err; i++) {
			uint32_t id = wave.data[i];
			if (i && id == wave.data[i - 1])
				continue;
			while (j + 1 < hg->heap.nspans && hg->by_id[j + 1]->first <= id)
				j++;
			const struct cnr_heap_span *s = hg->by_id[j];
			if (id >= s->first && id - s->first < s->nelems)
				err = scan_object(tp, id, s);
			cnr_progress_update(&progress, ++done);
		}
		if (!err)
			err = flush_items(tp);
		id_vector_deinit(&wave);
	}
	cnr_progress_end(&progress);
	return err;
}
