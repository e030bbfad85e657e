// `coroner map ADDR`: one map in depth.
#ifndef CNR_REPORT_MAP_REPORT_H
#define CNR_REPORT_MAP_REPORT_H

#include <stdio.h>

#include "goruntime/maps.h"

enum cnr_map_sort {
	CNR_MAP_SORT_WALK,     // the order the walk found them
	CNR_MAP_SORT_RETAINED, // most retained bytes first (ties by key)
	CNR_MAP_SORT_KEY,      // by key: strings bytewise, integers by value
};

struct cnr_map_report_opts {
	size_t limit;         // entries shown
	bool json;
	bool retained;        // build the heap graph: per-entry retained bytes
	bool redact;          // shapes instead of key and value contents
	enum cnr_map_sort sort;
};

// Walk the map and report it: header facts, the dynamic types of its
// values, key prefixes and clusters for string keys, how deeply its
// interface values nest, the bytes each entry retains (opts->retained),
// and up to opts->limit entries in opts->sort order.
struct cnr_error *cnr_map_report(struct cnr_program *prog, uint64_t addr, uint64_t type_addr,
				 const struct cnr_map_report_opts *opts, FILE *out);

#endif
