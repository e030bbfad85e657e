// Objects of the heap graph by address and by slot id: the lookups that
// the graph build, the typing and the commands all use.
#include "goruntime/heap_objects.h"

#include "goruntime/heap_graph.h"
#include "util/search.h"

uint64_t cnr_heap_graph_object(const struct cnr_heap_graph *hg, uint64_t addr)
{
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
	if (!s)
		return UINT64_MAX;
	uint64_t slot = cnr_heap_slot_index(s, addr);
	if (slot >= s->nelems)
		return UINT64_MAX;
	uint64_t id = s->first + slot;
	return cnr_heap_allocated(&hg->heap, id) ? id : UINT64_MAX;
}

void cnr_heap_graph_slot(const struct cnr_heap_graph *hg, uint64_t id, uint64_t *addr_ret, uint64_t *size_ret)
{
	size_t lo = CNR_PARTITION_POINT(hg->heap.nspans, mid, hg->by_id[mid]->first <= id);
	const struct cnr_heap_span *s = lo ? hg->by_id[lo - 1] : NULL;
	*addr_ret = s ? s->base + (id - s->first) * s->elemsize : 0;
	*size_ret = s ? s->elemsize : 0;
}
