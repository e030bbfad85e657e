// `coroner dot`'s graph, laid out: for each leak suspect (the dominator
// tree's accumulation points, src/graph/suspects.h) or the one object asked
// for, its shortest retention path from a named root, each hop labelled,
// and its largest dominated objects, the rest folded into one summary
// node, within a node budget so that the graph stays readable.  Every node
// and edge carries the text it is drawn with; src/report/dot_report.c
// writes it as Graphviz.
#ifndef CNR_ANALYSIS_DOT_LAYOUT_H
#define CNR_ANALYSIS_DOT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goruntime/heap_graph.h"

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

enum cnr_dot_node_kind { CNR_DOT_ROOT, CNR_DOT_OBJECT, CNR_DOT_HOPS, CNR_DOT_MORE };

struct cnr_dot_node {
	enum cnr_dot_node_kind kind;
	uint32_t id;     // CNR_DOT_OBJECT: graph node; CNR_DOT_ROOT: root label; else the suspect's graph node
	uint32_t rank;   // CNR_DOT_OBJECT: 1 + the suspect's index if it is one, else 0
	uint64_t count;  // CNR_DOT_HOPS: hops folded; CNR_DOT_MORE: objects; suspects: objects dominated
	uint64_t bytes;  // CNR_DOT_MORE: bytes folded
	// What it is drawn with.
	const struct cnr_root *root; // CNR_DOT_ROOT
	uint64_t addr, size;         // of node id (for CNR_DOT_HOPS and CNR_DOT_MORE: the suspect's)
	uint64_t retained;           // CNR_DOT_OBJECT
	char *type;                  // CNR_DOT_OBJECT: its type's name
};

enum cnr_dot_edge_kind { CNR_DOT_EDGE_ROOT, CNR_DOT_EDGE_POINTER, CNR_DOT_EDGE_DOMINATES, CNR_DOT_EDGE_FOLDED };

struct cnr_dot_edge {
	uint32_t from, to; // node indices
	enum cnr_dot_edge_kind kind;
	char *label;       // CNR_DOT_EDGE_POINTER: the field, as Go writes it ("" if none)
	uint32_t via;      // the graph node whose word the label names (a map's group for map["k"]), or NO_NODE: from's
};

struct cnr_dot_layout {
	struct cnr_dot_node *nodes;
	size_t nnodes;
	struct cnr_dot_edge *edges;
	size_t nedges;
	bool from;
	uint64_t live_bytes, live_objects;
};

// Lay out hg's graph.  CNR_ERROR_NOT_FOUND if from_addr is not in a live
// heap object.  The same heap always gives the same layout.  Free with
// cnr_dot_layout_deinit().
struct cnr_error *cnr_dot_layout_build(struct cnr_program *prog, struct cnr_heap_graph *hg,
				       const struct cnr_dot_opts *opts, struct cnr_dot_layout *ret);
void cnr_dot_layout_deinit(struct cnr_dot_layout *l);

#endif
