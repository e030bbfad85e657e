// Which goroutines hold a suspect (issue 15): goroutine k holds suspect S
// only where one of its own roots (its live stack slots, the elements its
// blocked sends hold: analysis/goroutine_roots.h) points
//   - at S, or into what S retains: an object S dominates, or one that
//     only S's objects point to in the heap (S's content, which the
//     goroutine's pointer alone keeps out of S's dominator subtree), or
//   - at an object that dominates S (the goroutine holds what holds S:
//     every path to S runs through it).
// Never through reachability alone: a goroutine whose stack points at a
// shared structure (the runtime's timers, a global registry) from which S
// can also be reached, but which does not dominate S, does not hold S —
// the timer's closure or the global does.  Walks are bounded
// (CNR_REACH_MAX_CHAIN dominator steps, CNR_REACH_MAX_VISITS objects of a
// suspect's content); a suspect whose walk was cut is marked bounded.
#ifndef CNR_ANALYSIS_GOROUTINE_REACH_H
#define CNR_ANALYSIS_GOROUTINE_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/goroutine_roots.h"
#include "graph/graph.h"

enum { CNR_REACH_MAX_CHAIN = 4096, CNR_REACH_MAX_VISITS = 1 << 22 };

struct cnr_goroutine_reach {
	uint32_t *gors; // indices of the goroutines that hold it, increasing
	size_t ngors;
	bool bounded;   // a chain was cut: others may hold it
};

// For each of the nsuspects nodes (g's dominators computed; its reverse
// edges are built), the goroutines of gr that hold it; ret[nsuspects].
// Free each ret[i].gors.
struct cnr_error *cnr_goroutines_holding(struct cnr_graph *g, const struct cnr_goroutine_roots *gr,
					 const uint32_t *suspects, size_t nsuspects, struct cnr_goroutine_reach *ret);

#endif
