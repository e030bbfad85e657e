// Objects of the heap graph by address and by slot id (heap_objects.c).
#ifndef CNR_GORUNTIME_HEAP_OBJECTS_H
#define CNR_GORUNTIME_HEAP_OBJECTS_H

#include <stdint.h>

struct cnr_heap_graph;

// The object (slot id) holding addr, or UINT64_MAX for memory that is not
// an allocated heap object.
uint64_t cnr_heap_graph_object(const struct cnr_heap_graph *hg, uint64_t addr);
// The address and slot size of object id (the span slot it occupies).
void cnr_heap_graph_slot(const struct cnr_heap_graph *hg, uint64_t id, uint64_t *addr_ret, uint64_t *size_ret);

#endif
