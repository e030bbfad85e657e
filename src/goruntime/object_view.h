// One heap object as `coroner object` shows it (object_view.c): its type,
// size, liveness and retained bytes, who points at it (objects, through
// which field, and named roots), and its fields with their values, or its
// first words where its type is unknown.  Computed here, written by
// report/object_report.c.
#ifndef CNR_GORUNTIME_OBJECT_VIEW_H
#define CNR_GORUNTIME_OBJECT_VIEW_H

#include "goruntime/heap_graph.h"
#include "util/string_pool.h"

struct cnr_program;

// An object pointing at the viewed one.
struct cnr_object_retainer {
	uint64_t addr, size;
	const char *type, *via; // its type name; the hop as a Go developer writes it
};

// A named root holding the viewed object (its strings live as long as
// the heap graph).
struct cnr_object_root {
	const char *name, *kind;
};

// A leaf field of the object's value (goruntime/values.h).
struct cnr_object_field {
	const char *path, *type, *value;
	uint64_t points_to;      // 0 if none
	const char *target_type; // when points_to
	bool slice;              // a slice header: len and cap below
	uint64_t len, cap;
};

// One of the object's first words.
struct cnr_object_word {
	uint64_t value;
	bool points;             // into a heap object:
	uint64_t target, target_size;
	const char *target_type;
};

struct cnr_object_view {
	uint64_t addr, size, retained;
	const char *type; // display name
	bool typed, live;
	bool has_fields;  // the type has a DWARF layout: fields below
	struct cnr_object_retainer *retainers;
	size_t nretainers;
	struct cnr_object_root *roots;
	size_t nroots;
	struct cnr_object_field *fields;
	size_t nfields, fields_left_out;
	struct cnr_object_word *words; // with has_fields, text output leaves them out
	size_t nwords;
	struct cnr_string_pool pool;   // owns the strings
};

// Describe the heap object holding addr (hg built and typed).  NOT_FOUND
// if addr is not in an allocated heap object.  Free with
// cnr_object_view_deinit().
struct cnr_error *cnr_object_view_build(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t addr,
					struct cnr_object_view *ret);
void cnr_object_view_deinit(struct cnr_object_view *v);

#endif
