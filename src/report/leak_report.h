// `coroner report`: the leak-suspects report, read top to bottom — what
// the process was (Go version, executable, signal, heap in use vs live vs
// garbage, goroutines by state); the suspects, the objects where the live
// heap accumulates, maps first (each with its shortest retention path, and
// for maps their length, value types and key clusters, and the goroutines
// whose roots reach it); the goroutines grouped by stack with the bytes
// their roots retain; and the types that retain the most.  As text or
// JSON of the same structure; the same core always gives the same bytes.
#ifndef CNR_REPORT_LEAK_REPORT_H
#define CNR_REPORT_LEAK_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "goruntime/heap_graph.h"

enum {
	CNR_LEAK_DEFAULT_TOP = 10,    // suspects shown at most
	CNR_LEAK_MIN_SUSPECTS = 5,    // shown even under the share threshold
	CNR_LEAK_SHARE_PERCENT = 10,  // a suspect (or any map) retaining this much of the live heap is shown
	CNR_LEAK_DEFAULT_GROUPS = 10, // goroutine groups shown
	CNR_LEAK_TOP_TYPES = 10,      // rows of the type table
};

struct cnr_leak_report_opts {
	uint32_t top;        // suspects shown at most, >= 1
	uint32_t max_groups; // goroutine groups shown, >= 1
	bool json;
};

// Write the report of hg (built by cnr_heap_graph_build()) to out.
struct cnr_error *cnr_leak_report(struct cnr_program *prog, struct cnr_heap_graph *hg,
				  const struct cnr_leak_report_opts *opts, FILE *out);

#endif
