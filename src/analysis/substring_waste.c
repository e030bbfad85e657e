// Retention through substrings (see substring_waste.h).
#include "analysis/substring_waste.h"

#include "goruntime/heap_objects.h"

enum {
	TINY_BLOCK = 16, // runtime/malloc.go maxTinySize: the tiny allocator's blocks
};

void cnr_substrings_init(struct cnr_substrings *s, const struct cnr_heap_graph *hg)
{
	*s = (struct cnr_substrings){ .hg = hg };
}

void cnr_substrings_note(struct cnr_substrings *s, uint64_t data, uint64_t len)
{
	if (!s->hg || !len)
		return;
	uint64_t id = cnr_heap_graph_object(s->hg, data), addr, size;
	if (id == UINT64_MAX)
		return; // read-only data, a stack: nothing of the heap is pinned
	cnr_heap_graph_slot(s->hg, id, &addr, &size);
	if (size <= TINY_BLOCK || data < addr || len > size - (data - addr))
		return; // a tiny block, or a string header that does not fit its object
	if (data == addr && size <= 2 * len + TINY_BLOCK)
		return; // a string allocated on its own (size-class slack)
	uint64_t *used = cnr_substring_objects_get(&s->used, id);
	if (!used) {
		bool inserted;
		if (!(used = cnr_substring_objects_insert(&s->used, id, &inserted))) {
			s->oom = true;
			return;
		}
		*used = 0;
	}
	*used = *used + len < size ? *used + len : size; // overlapping substrings: capped at the object
	if (!s->strings || len < s->min_len)
		s->min_len = len;
	if (len > s->max_len)
		s->max_len = len;
	s->strings++;
}

bool cnr_substrings_finish(const struct cnr_substrings *s, struct cnr_substring_waste *ret)
{
	*ret = (struct cnr_substring_waste){ .strings = s->strings, .min_len = s->min_len, .max_len = s->max_len };
	for (size_t i = 0; s->used.slots && i <= s->used.mask; i++) {
		if (!s->used.slots[i].used)
			continue;
		uint64_t addr, size;
		cnr_heap_graph_slot(s->hg, s->used.slots[i].key, &addr, &size);
		if (!ret->objects || size < ret->min_object)
			ret->min_object = size;
		if (size > ret->max_object)
			ret->max_object = size;
		ret->objects++;
		ret->object_bytes += size;
		ret->wasted += size - s->used.slots[i].value;
	}
	return !s->oom;
}

void cnr_substrings_deinit(struct cnr_substrings *s)
{
	cnr_substring_objects_deinit(&s->used);
}
