// Allocation sites joined with retention: every sampled object of the heap
// profile (its profile special ties it to a bucket, analysis/heap_profile.h
// symbolizes the bucket's stack) placed in the heap graph, so that for any
// set of live objects — what one object dominates, or a list of nodes —
// the sites that allocated its sampled objects can be counted: samples,
// their bytes, and the bytes they stand for at MemProfileRate.
#ifndef CNR_ANALYSIS_ALLOC_SITES_H
#define CNR_ANALYSIS_ALLOC_SITES_H

#include "analysis/profile.h"
#include "goruntime/heap_graph.h"
#include "goruntime/mprof.h"

struct cnr_alloc_sites;

// One site: the innermost frames of the allocation stack, as a Go
// developer reads them: "main.newSession (main.go:64) ← main.handle (main.go:90)".
struct cnr_alloc_site {
	const char *label;      // valid until cnr_alloc_sites_destroy()
	uint32_t record;        // a heap-profile record of the site (its stack: cnr_alloc_sites_stack)
	uint64_t samples;       // sampled objects in the set
	uint64_t bytes;         // their slot bytes (or, by retention, what they retain)
	double estimate;        // what they stand for: scaled as runtime/pprof scales
};

// Index hg's live sampled objects.  mp must have its samples read; p is
// mp's profile (cnr_heap_profile_build); hg's dominators computed.  All
// three must outlive the index.
struct cnr_error *cnr_alloc_sites_create(const struct cnr_heap_graph *hg, const struct cnr_mprof *mp,
					 const struct cnr_profile *p, struct cnr_alloc_sites **ret);
void cnr_alloc_sites_destroy(struct cnr_alloc_sites *as);

// Live sampled objects indexed, and the profile's rate.
uint64_t cnr_alloc_sites_sampled(const struct cnr_alloc_sites *as);

// The sites of the sampled objects that node retains (its dominator
// subtree, node included), largest estimate first.  *ret (*n_ret sites)
// is freed with free().
struct cnr_error *cnr_alloc_sites_retained_by(const struct cnr_alloc_sites *as, uint32_t node,
					      struct cnr_alloc_site **ret, size_t *n_ret);

// Sites for each of several sets of objects.
struct cnr_alloc_sites_list {
	struct cnr_alloc_site **sites; // [n]: each as cnr_alloc_sites_retained_by() returns it
	size_t *nsites;                // [n]
	size_t n;
};

// For each group groups[i] of a grouping of the graph's nodes (group_of:
// node -> its group in 1 .. max_group, 0 for none): the sites of the
// sampled objects the group retains, as `top --group type` counts its
// retained bytes — the dominator subtrees of its outermost members (those
// with no member of the same group above them), each object once.  Free
// with cnr_alloc_sites_list_deinit().
struct cnr_error *cnr_alloc_sites_retained_by_groups(const struct cnr_alloc_sites *as, const uint32_t *group_of,
						     uint32_t max_group, const uint32_t *groups, size_t n,
						     struct cnr_alloc_sites_list *ret);
void cnr_alloc_sites_list_deinit(struct cnr_alloc_sites_list *l);

// By site over the whole live heap: the bytes the site's sampled objects
// retain (each byte once per site: objects under another sampled object
// of the same site count through it), scaled; `top --group site`.
struct cnr_error *cnr_alloc_sites_by_retention(const struct cnr_alloc_sites *as, struct cnr_alloc_site **ret,
					       size_t *n_ret);

// The heap-profile record of the sampled object node, or -1.
int64_t cnr_alloc_sites_record_of(const struct cnr_alloc_sites *as, uint32_t node);

// Record r's stack as the profile shows it: leaf-first lines, written
// "function (file:line)" one per line into fn(arg, text).
void cnr_alloc_sites_stack(const struct cnr_alloc_sites *as, uint32_t r, void (*fn)(void *arg, const char *frame),
			   void *arg);

// Everything the join needs, loaded together: the profile read from the
// core, its sampled objects, the symbolized profile, the index.  sites is
// NULL when the core holds no profile (absence says why).
struct cnr_alloc_join {
	struct cnr_mprof mp;
	struct cnr_profile profile;
	struct cnr_alloc_sites *sites;
	const char *absence;
};

// What `object ADDR` says of one object: its record (-1: not sampled)
// and, for a live object, the sites of what it retains.
struct cnr_object_alloc {
	const struct cnr_alloc_join *join;
	int64_t record;
	bool has_sites;
	struct cnr_alloc_site *sites; // free()d by the caller
	size_t nsites;
};

struct cnr_program;

// Load the join for hg (dominators computed) into *ret, which must stay
// where it is (the index points into it).  What cannot be read is logged
// as warnings (a partial profile); errors are NO_MEMORY and the like.
// Free with cnr_alloc_join_deinit().
struct cnr_error *cnr_alloc_join_load(struct cnr_program *prog, const struct cnr_heap_graph *hg,
				      struct cnr_alloc_join *ret);
void cnr_alloc_join_deinit(struct cnr_alloc_join *j);

#endif
