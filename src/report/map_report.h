// `coroner map ADDR`: one map in depth.
#ifndef CNR_REPORT_MAP_REPORT_H
#define CNR_REPORT_MAP_REPORT_H

#include <stdio.h>

#include "goruntime/maps.h"
#include "util/string_pool.h"

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
// and up to opts->limit entries in opts->sort order.  type_addr 0: the
// type the heap's typing found for the header (needs opts->retained).
struct cnr_error *cnr_map_report(struct cnr_program *prog, uint64_t addr, uint64_t type_addr,
				 const struct cnr_map_report_opts *opts, FILE *out);

// What one map holds, in short (for reports over many maps, such as
// `coroner report`): the same value-type histogram and key clusters as
// cnr_map_report(), without retained bytes or entries.
struct cnr_map_count {
	const char *name; // a value type as %T prints it, or a key cluster's pattern
	const char *sample; // clusters: one key of the cluster; else NULL
	uint64_t count, key_bytes;
};

struct cnr_map_summary {
	struct cnr_map_info info;            // its types live as long as the type cache passed in
	struct cnr_map_count *value_types;   // most first, ties by name
	size_t nvalue_types;
	struct cnr_map_count *clusters;      // string keys only: most first, ties by pattern
	size_t nclusters;
	uint64_t nested_entries, max_depth;  // entries holding maps or slices of values, and how deep
	unsigned errors;                     // values that could not be read (logged as one warning)
	struct cnr_string_pool pool;         // owns the names
};

// Walk the map at addr (runtime type at type_addr) and summarize it into
// *ret; free with cnr_map_summary_deinit().
struct cnr_error *cnr_map_summarize(struct cnr_program *prog, struct cnr_type_cache *tc, uint64_t addr,
				    uint64_t type_addr, struct cnr_map_summary *ret);
void cnr_map_summary_deinit(struct cnr_map_summary *s);

// A key (or pattern) of the program as text safe for a terminal, as
// cnr_map_report() shows them: printable ASCII kept, other bytes \xNN.
void cnr_map_escape_text(const char *s, char *out, size_t outlen);

#endif
