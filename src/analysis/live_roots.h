// `coroner live`'s analysis: each root whose value is a heap object, with
// the retained size of that object (a root sharing its object with others
// counts it too), in the roots' order.
#ifndef CNR_ANALYSIS_LIVE_ROOTS_H
#define CNR_ANALYSIS_LIVE_ROOTS_H

#include <stddef.h>
#include <stdint.h>

#include "goruntime/heap_graph.h"

struct cnr_live_root {
	const struct cnr_root *root;
	uint64_t retained;
};

// *ret (freed with free()) gets *n_ret entries.
struct cnr_error *cnr_live_roots(const struct cnr_heap_graph *hg, struct cnr_live_root **ret, size_t *n_ret);

#endif
