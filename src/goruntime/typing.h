// Full typing of the heap: every object gets a Go type, propagated from
// the roots' DWARF types (globals, frame variables) through pointers,
// struct fields, slices, strings, interfaces (the dynamic type from the
// type word or the itab), channel buffers and map internals, and seeded by
// the types the runtime itself recorded (malloc headers, largeType).
// Objects nothing types stay "unknown (N bytes)", and the ledger says how
// many bytes that is.
#ifndef CNR_GORUNTIME_TYPING_H
#define CNR_GORUNTIME_TYPING_H

#include "cnr_internal.h"

struct cnr_program;
struct cnr_heap_graph;

enum cnr_obj_shape {
	CNR_SHAPE_ONE,         // one value of the type
	CNR_SHAPE_ARRAY,       // as many values of the type as the slot holds (a slice's backing array, map buckets)
	CNR_SHAPE_STRING_DATA, // the bytes of one or more strings
	CNR_SHAPE_CLOSURE,     // a func value's closure context; name says whose
	CNR_SHAPE_TINY,        // a 16-byte tiny-allocator block of small pointer-free values; named by the first one seen
};

// What an object is.  Records are shared by every object of that type.
struct cnr_obj_type {
	uint64_t dwarf;     // DIE offset of the (element) type; 0 if only the runtime knew it
	uint64_t rtype;     // runtime type descriptor of the element, 0 if unknown
	uint64_t map_rtype; // for a map header (hmap / maps.Map): the map's type, for cnr_map_walk
	uint64_t elem_size; // size of one value
	enum cnr_obj_shape shape;
	const char *name;   // "main.Session", "[...]*main.Session" (arrays), "string (bytes)", "closure main.serve.func1"
};

// Type the objects of hg, built by cnr_heap_graph_build() (the caller
// builds the graph, then the typing over it): attaches the typing to
// hg->typing and counts hg->typed_live_*.  Never fails on bad target
// memory: what cannot be read stays unknown.  The caller frees it with
// cnr_heap_typing_release() before cnr_heap_graph_deinit().
struct cnr_error *cnr_heap_typing_build(struct cnr_program *prog, struct cnr_heap_graph *hg);
// Free hg's typing (nothing if it has none).
void cnr_heap_typing_release(struct cnr_heap_graph *hg);

// What every heap command starts with: cnr_heap_graph_build(), then
// cnr_heap_typing_build() over it; on failure nothing is left to free.
// Free with cnr_typed_heap_graph_deinit().
struct cnr_error *cnr_typed_heap_graph_build(struct cnr_program *prog, struct cnr_heap_graph *ret);
void cnr_typed_heap_graph_deinit(struct cnr_heap_graph *hg);

// The type of object id, or NULL if unknown (or typing was not run).
const struct cnr_obj_type *cnr_heap_graph_type(const struct cnr_heap_graph *hg, uint32_t id);

// The display name of object id's type: "main.Session", "[12]main.Session"
// for an array, or "unknown (48 bytes)".
void cnr_heap_graph_type_name(const struct cnr_heap_graph *hg, uint32_t id, char *buf, size_t len);

// How the pointer in object from reaches object to, as a Go developer
// would write the hop: ".sessions", "[3]", "map[\"user:12\"]",
// ".data (interface)", or "+0x18" where the type does not say.
void cnr_heap_graph_edge_label(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t from, uint32_t to,
			       char *buf, size_t len);

#endif
