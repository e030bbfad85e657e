// The heap as a graph: one node per heap slot (allocated objects carry
// their slot size; free slots are empty nodes), an edge for every pointer
// word of every allocated object — found with the heap's own pointer bits
// for each Go release (arena bitmaps up to 1.21, span-end bitmaps, malloc
// headers and largeType from 1.22, the Green Tea layout from 1.26) — and
// the named GC roots.  src/graph/ then answers reachability, dominators and
// retained sizes.
#ifndef CNR_GORUNTIME_HEAP_GRAPH_H
#define CNR_GORUNTIME_HEAP_GRAPH_H

#include "goruntime/heap.h"
#include "goruntime/roots.h"
#include "goruntime/heap_objects.h"
#include "graph/graph.h"

struct cnr_heap_graph {
	struct cnr_heap heap;         // spans and allocation bits
	struct cnr_goroutines gs;
	struct cnr_roots roots;       // root label i = roots.v[i]
	struct cnr_graph *graph;
	uint64_t edges, roots_in_heap;
	uint64_t live_objects, live_bytes, garbage_objects, garbage_bytes;
	const struct cnr_heap_span **by_id; // spans sorted by first slot id
	uint64_t header_min;          // objects over this carry a malloc header (Go 1.22+), else 0
	// The type of every object and the typed share of live bytes: NULL and
	// 0 until the caller runs cnr_heap_typing_build() (goruntime/typing.h)
	// over the built graph; freed by cnr_heap_typing_release().
	struct cnr_heap_typing *typing;
	uint64_t typed_live_objects, typed_live_bytes;
};

struct cnr_error *cnr_heap_graph_build(struct cnr_program *prog, struct cnr_heap_graph *ret);
void cnr_heap_graph_deinit(struct cnr_heap_graph *hg);

#endif
