// One core's side of `coroner diff` (analysis/diff.h): the facts of one
// analysis that comparing two cores needs, copied out of the heap graph and
// the leak model into compact arrays, so that the analysis of the old core
// is released before the new core's is built and a diff costs about the
// memory of one analysis.  The facts: the summary counters; every live
// object by address with its type, slot size, retained bytes and the
// objects it dominates (32 bytes each; the new core's side reads them from
// its heap graph, which stays for the comparison); the accumulation points (the
// model's object suspects) with their retention paths and map contents;
// the goroutine groups (the grouping of analysis/goroutine_groups.h) by a
// key that two cores of one executable share; and the goroutines by id.
#ifndef CNR_ANALYSIS_DIFF_SIDE_H
#define CNR_ANALYSIS_DIFF_SIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/leak_model.h"
#include "goruntime/typing.h"
#include "util/string_pool.h"

// A live object of the old core's side, in its table (32 bytes).
struct cnr_diff_object {
	uint64_t addr, retained;
	uint32_t type;    // index into types
	uint32_t size;    // its slot's bytes (capped at UINT32_MAX)
	uint32_t objects; // objects it dominates, itself included
};

// A live object found by address in either side.
struct cnr_diff_found {
	uint64_t addr, retained;
	const char *type; // as typing names it ("main.Session", "[...]*main.Event")
	uint32_t size;
	uint32_t objects; // UINT32_MAX: not known here (a side that keeps its heap graph)
	uint32_t node;    // in the side's heap graph, if it keeps it
	size_t index;     // in the side's table, if it has one
};

// An accumulation point: one of the model's object suspects.
struct cnr_diff_point {
	uint64_t addr, size, retained, objects;
	uint32_t node;
	const char *type; // as report names it ("map[string]interface {}")
	const char *path; // its shortest retention path
	bool is_map;
	uint64_t map_rtype;
	bool has_summary;
	struct cnr_map_summary map; // taken over from the model
};

struct cnr_diff_group {
	const char *key;        // state, pcs of every frame, go statement: equal across cores of one executable
	const char *state;      // as Go's traceback prints it
	const char *function;   // the goroutines' own function (cnr_goroutine_function)
	const char *created_by; // "" if unknown
	const char *site;       // "file:line" of the go statement, "" if unknown
	uint32_t count;
	uint64_t retained;      // what the group's goroutines retain
};

// An object a named global points at directly: how an object that was
// replaced (a slice's grown backing array) is matched across cores.
struct cnr_diff_global {
	const char *name; // the root's name, as retention paths start ("main.events")
	uint64_t addr;
};

struct cnr_diff_side {
	struct cnr_program *prog; // borrowed, open for as long as the side is used
	// The side of the core whose heap graph stays (the new one) reads its
	// objects there; the other keeps them in objects[].
	const struct cnr_heap_graph *hg;
	struct cnr_program_info info;
	struct cnr_memstats ms;
	bool ms_ok;
	int64_t now; // the core's monotonic "now" (cnr_goroutines.now), 0 if unknown
	uint64_t live_objects, live_bytes, garbage_objects, garbage_bytes;
	struct cnr_diff_object *objects; // live ones, by address (NULL when hg is kept)
	size_t nobjects;
	const char **types; // names, each once
	size_t ntypes;
	struct cnr_diff_point *points; // most retained first
	size_t npoints;
	struct cnr_diff_global *globals; // by name, then address
	size_t nglobals;
	struct cnr_diff_group *groups; // most goroutines first, as the model ranks them
	size_t ngroups;
	uint64_t *goids;        // [ngoroutines] in goroutine order (hg->gs)
	uint32_t *group_of;     // [ngoroutines] index into groups
	uint64_t *sorted_goids; // [ngoroutines] increasing
	size_t ngoroutines;
	struct cnr_string_pool pool; // owns the strings
};

// Copy the side out of prog's typed heap graph hg and its model m (built
// with cnr_leak_model_build()); the map summaries move out of m (m can be
// released as usual).  With keep_hg the side reads its objects from hg,
// which must then outlive it; else it copies them (and hg can go).  Free
// with cnr_diff_side_deinit().
struct cnr_error *cnr_diff_side_build(struct cnr_program *prog, struct cnr_heap_graph *hg, struct cnr_leak_model *m,
				      bool keep_hg, struct cnr_diff_side *ret);
void cnr_diff_side_deinit(struct cnr_diff_side *s);

// The live object that starts at addr, into *ret; false if none.
bool cnr_diff_side_find(const struct cnr_diff_side *s, uint64_t addr, struct cnr_diff_found *ret);
// The same object in both sides: one address, type and slot size, live in
// both (Go's collector does not move objects).
bool cnr_diff_same_object(const struct cnr_diff_found *x, const struct cnr_diff_found *y);
// The live object of s that the global named name points at and that has
// type, into *ret: the object that took another's place (a slice's grown
// backing array) when both are held by that global.  False if none.
bool cnr_diff_side_replacement(const struct cnr_diff_side *s, const char *name, const char *type,
			       struct cnr_diff_found *ret);
// The name objects of type ty are compared by ("unknown" if untyped).
const char *cnr_diff_type_name(const struct cnr_obj_type *ty);
// Whether goroutine id goid is live in s.
bool cnr_diff_side_has_goroutine(const struct cnr_diff_side *s, uint64_t goid);

#endif
