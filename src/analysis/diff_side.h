// One core's side of `coroner diff` (analysis/diff.h): the facts of one
// analysis that comparing two cores needs, copied out of the heap graph and
// the leak model into compact arrays, so that the analysis of the old core
// is released before the new core's is built and a diff costs about the
// memory of one analysis.  The facts: the summary counters; every live
// object by address with its type, slot size, retained bytes and the
// objects it dominates (32 bytes each); the accumulation points (the
// model's object suspects) with their retention paths and map contents;
// the goroutine groups (the grouping of analysis/goroutine_groups.h) by a
// key that two cores of one executable share; and the goroutines by id.
#ifndef CNR_ANALYSIS_DIFF_SIDE_H
#define CNR_ANALYSIS_DIFF_SIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/leak_model.h"
#include "util/string_pool.h"

struct cnr_diff_object {
	uint64_t addr, retained;
	uint32_t type;    // index into types
	uint32_t size;    // its slot's bytes (capped at UINT32_MAX)
	uint32_t objects; // objects it dominates, itself included
	uint32_t node;    // its node in the side's heap graph (while that graph lives)
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
	struct cnr_program_info info;
	struct cnr_memstats ms;
	bool ms_ok;
	int64_t now; // the core's monotonic "now" (cnr_goroutines.now), 0 if unknown
	uint64_t live_objects, live_bytes, garbage_objects, garbage_bytes;
	struct cnr_diff_object *objects; // live ones, by address
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
// released as usual).  Free with cnr_diff_side_deinit().
struct cnr_error *cnr_diff_side_build(struct cnr_program *prog, struct cnr_heap_graph *hg, struct cnr_leak_model *m,
				      struct cnr_diff_side *ret);
void cnr_diff_side_deinit(struct cnr_diff_side *s);

// The live object at addr, or NULL.
const struct cnr_diff_object *cnr_diff_side_object(const struct cnr_diff_side *s, uint64_t addr);
// The same object in both sides: one address, type and slot size, live in
// both (Go's collector does not move objects).
bool cnr_diff_same_object(const struct cnr_diff_side *a, const struct cnr_diff_object *x, const struct cnr_diff_side *b,
			  const struct cnr_diff_object *y);
// The live object of `to` that the global named name points at and that
// has the type of object x of `from`, or NULL: the object that took x's
// place (a slice's grown backing array) when x is held by that global.
const struct cnr_diff_object *cnr_diff_side_replacement(const struct cnr_diff_side *from,
							const struct cnr_diff_object *x,
							const struct cnr_diff_side *to, const char *name);
// Whether goroutine id goid is live in s.
bool cnr_diff_side_has_goroutine(const struct cnr_diff_side *s, uint64_t goid);

#endif
