// `coroner dot`: the reference chains of the heap's leak suspects as a
// Graphviz graph.  For each suspect (src/graph/suspects.h) or the one
// object asked for: its shortest retention path from a named root, each
// hop labelled, and its largest dominated objects, the rest folded into
// one summary node, within a node budget so that the graph stays readable.
#ifndef CNR_REPORT_DOT_REPORT_H
#define CNR_REPORT_DOT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "goruntime/heap_graph.h"

struct cnr_program;

enum {
	CNR_DOT_MIN_NODES = 5,     // a root, one hop, "… N hops", the suspect, its summary
	CNR_DOT_DEFAULT_NODES = 200,
	CNR_DOT_DEFAULT_TOP = 5,
	CNR_DOT_MAX_CHILDREN = 16, // dominated objects shown per suspect, at most
};

struct cnr_dot_opts {
	uint32_t top;       // suspects to show
	uint32_t max_nodes; // >= CNR_DOT_MIN_NODES
	bool from;          // show the object at from_addr instead of the suspects
	uint64_t from_addr;
};

// Write the graph to out.  CNR_ERROR_NOT_FOUND if from_addr is not in a
// live heap object.  The same heap always gives the same bytes.
struct cnr_error *cnr_dot_report(struct cnr_program *prog, struct cnr_heap_graph *hg, const struct cnr_dot_opts *opts,
				 FILE *out);

#endif
