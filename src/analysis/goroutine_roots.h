// What belongs to a goroutine: the roots that go away with it (its live
// stack slots and the elements its blocked sends hold), found by the
// goroutine index every root carries (struct cnr_root.goroutine, set where
// the root is made), and what sets of goroutines retain: the bytes the
// collector would free if every root of the set were dropped while all
// other roots stay — one definition, from the dominator computation, for
// `top --group goroutine`, the goroutine groups of `report` and what
// builds on them.
#ifndef CNR_ANALYSIS_GOROUTINE_ROOTS_H
#define CNR_ANALYSIS_GOROUTINE_ROOTS_H

#include <stddef.h>
#include <stdint.h>

#include "goruntime/roots.h"
#include "graph/graph.h"

// The goroutine (index) a root belongs to for retention, or
// CNR_ROOT_NO_GOROUTINE.  Defer and panic roots carry their goroutine too,
// but they are the runtime's records and are not counted as its own.
static inline uint32_t cnr_goroutine_of_root(const struct cnr_root *r)
{
	return r->kind == CNR_ROOT_STACK || r->kind == CNR_ROOT_CHAN_ELEM ? r->goroutine : CNR_ROOT_NO_GOROUTINE;
}

// Per goroutine, the objects its roots point at.
struct cnr_goroutine_roots {
	size_t ngs;
	uint32_t *nodes; // goroutine k's: nodes[first[k] .. first[k + 1]), increasing, each once
	size_t *first;   // [ngs + 1]
	uint32_t *entries; // [ngs] how many root entries of the graph are goroutine k's
};

// From g's root entries (entry labels index roots[]); ngs goroutines.
// Free with cnr_goroutine_roots_deinit().
struct cnr_error *cnr_goroutine_roots_init(const struct cnr_graph *g, const struct cnr_root *roots, size_t ngs,
					   struct cnr_goroutine_roots *ret);
void cnr_goroutine_roots_deinit(struct cnr_goroutine_roots *gr);

// ret[j], j < nsets: the bytes freed if the roots of every goroutine k with
// set_of[k] == j were dropped (set_of[k] >= nsets: in no set).  set_of has
// an entry per goroutine, ngs of them.  Objects that roots of two sets
// reach by separate paths count for neither.  Needs g's dominators.
struct cnr_error *cnr_goroutine_sets_retained(struct cnr_graph *g, const struct cnr_root *roots, const uint32_t *set_of,
					      size_t ngs, uint32_t nsets, uint64_t *ret);

// The same for any sets of root entries: ret[j], j < nsets, the bytes
// freed if every root entry e with set_of_entry[e] == j were dropped
// (set_of_entry[e] >= nsets: in no set); set_of_entry has an entry per
// root entry of g.
struct cnr_error *cnr_root_entry_sets_retained(struct cnr_graph *g, const uint32_t *set_of_entry, uint32_t nsets,
					      uint64_t *ret);

#endif
