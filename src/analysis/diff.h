// `coroner diff`: what grew between two cores of one process, object by
// object.  Go's collector does not move objects, so an object that
// survived sits at the same address with the same type in both cores, a
// map's header stays where it was while its buckets move, and goroutine
// ids only grow.  The diff compares the old core's side (analysis/
// diff_side.h, kept after its analysis was released) with the new core's,
// while the new core's heap graph still lives:
//   - the summary counters, old and new, their delta, percent and growth
//     per minute when both cores say their time (the runtime's monotonic
//     clock, cnr_goroutines.now);
//   - the accumulation points of either core matched with the other core
//     (the same object: address, type and size; else, for one whose
//     object changed, the same type under the same retention path),
//     ranked by retained-bytes growth: what grew, what shrank; for maps
//     their length and key clusters and value types old -> new;
//   - new objects (live in the new core, no live object of the same type
//     at that address in the old) by type and holder (the accumulation
//     point that dominates them, else the root that holds them), and the
//     objects freed since, by type;
//   - goroutine groups old -> new, and the goroutines only the new core has
//     that are blocked, by wait reason and go statement, with what they
//     retain.
// Every list is sorted on values, then names: the same two cores always
// give the same diff.  Prints nothing.
#ifndef CNR_ANALYSIS_DIFF_H
#define CNR_ANALYSIS_DIFF_H

#include "analysis/diff_side.h"

enum { CNR_DIFF_POINTS = 64 }; // accumulation points each core contributes (the model's top)

// One figure of the summary.
struct cnr_diff_stat {
	const char *name; // "HeapAlloc", ...
	bool bytes;       // a byte count (text shows it with a unit)
	uint64_t old, new_;
	int64_t delta;
	bool has_percent; // old is not 0
	double percent;
	bool has_rate;    // the interval is known
	double per_minute;
};

// A count of something old -> new: a key cluster (name the pattern,
// sample one key of it) or a value type of a map.
struct cnr_diff_count {
	const char *name, *sample;
	uint64_t old, new_;
	int64_t delta;
};

// An accumulation point in one core or both.
struct cnr_diff_change {
	const char *type, *path;
	uint64_t addr_old, addr_new;        // 0 where it is not live
	bool moved;                         // matched by type and path, not by address
	uint64_t retained_old, retained_new, objects_old, objects_new;
	int64_t delta;                      // retained_new - retained_old
	bool is_map, has_len_old, has_len_new;
	uint64_t len_old, len_new;
	struct cnr_diff_count *clusters;    // by growth, most first (then name)
	size_t nclusters;
	struct cnr_diff_count *value_types; // likewise
	size_t nvalue_types;
};

// New (or freed) objects of one type under one holder.
struct cnr_diff_objects_row {
	const char *type;
	const char *holder; // NULL for freed objects
	uint64_t count, bytes;
};

// A goroutine group whose count changed.
struct cnr_diff_group_row {
	const char *state, *function, *created_by, *site;
	uint32_t old, new_;
	uint64_t retained_old, retained_new;
};

// Goroutines live only in the new core, blocked, of one wait reason and go statement.
struct cnr_diff_new_goroutines {
	const char *state, *function, *created_by, *site;
	uint32_t count;
	uint64_t retained; // what they retain together
};

struct cnr_diff {
	const struct cnr_diff_side *old, *new_;
	bool same_pid;
	bool has_interval;
	int64_t interval_ns;
	struct cnr_diff_stat *stats;
	size_t nstats;
	struct cnr_diff_change *grew, *shrank; // most grown first; most shrunk first
	size_t ngrew, nshrank;
	struct cnr_diff_objects_row *new_objects; // most bytes first
	size_t nnew_rows;
	uint64_t new_count, new_bytes;
	struct cnr_diff_objects_row *freed; // most bytes first
	size_t nfreed_rows;
	uint64_t freed_count, freed_bytes;
	struct cnr_diff_group_row *groups; // largest change first
	size_t ngroups;
	struct cnr_diff_new_goroutines *new_goroutines; // most first
	size_t nnew_goroutines;
	struct cnr_string_pool pool;
};

// Compare old with new_ (new_ built from hg, which must still live).
// Both sides' programs must still be open: a map that is an accumulation
// point in one core only is summarized in the other.  Free with
// cnr_diff_deinit().
struct cnr_error *cnr_diff_build(const struct cnr_diff_side *old, const struct cnr_diff_side *new_,
				 struct cnr_heap_graph *hg, struct cnr_diff *ret);
void cnr_diff_deinit(struct cnr_diff *d);

#endif
