// What one map holds (map_contents.c): its entries, the dynamic types of
// its values, key prefixes and clusters for string keys (and interface
// keys holding strings or integers), how deeply its interface values
// nest, the bytes each entry retains, and the larger strings that string
// keys pin (analysis/substring_waste.h).  The whole
// picture for `coroner map` (cnr_map_contents_build), and a summary for
// reports over many maps (cnr_map_summarize).
#ifndef CNR_ANALYSIS_MAP_CONTENTS_H
#define CNR_ANALYSIS_MAP_CONTENTS_H

#include "analysis/alloc_sites.h"
#include "analysis/substring_waste.h"
#include "goruntime/maps.h"
#include "util/string_pool.h"

enum { CNR_MAP_MAX_NEST_DEPTH = 64 }; // nested values deeper than this are not followed

enum cnr_map_sort {
	CNR_MAP_SORT_WALK,     // the order the walk found them
	CNR_MAP_SORT_RETAINED, // most retained bytes first (ties by key)
	CNR_MAP_SORT_KEY,      // by key: strings bytewise, integers by value
};

struct cnr_map_contents_opts {
	size_t limit;         // entries shown
	bool retained;        // build the heap graph: per-entry retained bytes
	bool redact;          // shapes instead of key and value contents
	enum cnr_map_sort sort;
};

// A value type as %T prints it, or a key prefix, with how many entries.
// In a summary, also a key cluster's pattern and one key of it (sample).
struct cnr_map_count {
	const char *name;
	const char *sample; // clusters: one key of the cluster; else NULL
	uint64_t count, key_bytes;
};

// Keys that differ only in their numbers or ids.
struct cnr_map_cluster {
	const char *pattern;       // redacted under opts.redact
	const char *sample;        // one key of it; NULL under opts.redact
	uint64_t count, key_bytes, retained;
};

// One entry as shown.
struct cnr_map_entry_view {
	const char *key;           // its text (or shape): strings unquoted, others as Go prints them, "@0x..." else
	const char *value_type;    // the value's (dynamic) type as %T prints it
	const char *value;         // its text, shape, length or address
	bool value_quoted;         // value is a string's text: text output shows it in quotes
	uint64_t value_addr;       // where the value lives
	bool has_data;             // a string or slice: its data pointer and length
	uint64_t data, len;
	uint64_t retained;         // UINT64_MAX: not known (or no heap graph)
	uint8_t depth;             // container levels below the entry
	uint32_t leaves;           // values below the entry's value (1 for a scalar)
	bool capped;               // nesting not followed to the end
};

struct cnr_map_contents {
	struct cnr_map_info info;  // its types live as long as tc
	bool redacted, has_retained;
	bool key_texts; // key_prefixes and clusters apply: string keys, or interface keys holding strings or integers
	enum cnr_map_sort sort;
	// has_retained: the map's own bytes and its retained bytes (as
	// cnr_map_own_bytes() defines them), the part single entries hold
	uint64_t shallow_bytes, retained_bytes, entries_retained_bytes;
	struct cnr_map_count *value_types;  // most first, ties by name
	size_t nvalue_types;
	struct cnr_map_count *key_prefixes; // keys with a text (string, interface): most first (merged by shape under redact)
	size_t nkey_prefixes;
	struct cnr_map_cluster *clusters;   // keys with a text (string, interface): most retained (else most) first, ties by pattern
	size_t nclusters;
	struct cnr_substring_waste substrings; // string keys that pin larger strings (has_retained only)
	uint64_t nested_entries, max_depth, capped_entries;
	uint64_t depths[CNR_MAP_MAX_NEST_DEPTH + 2]; // entries by depth; the last: deeper
	struct cnr_map_entry_view *entries; // the first opts.limit in opts.sort order
	size_t nentries;
	unsigned errors;           // values that could not be read (logged as one warning)
	// has_retained: the heap profile, and the allocation sites of what the
	// map retains (its dominator subtree) when the core holds a profile
	// (join->sites).  Only the sites' labels, the profile and the
	// absence text are used after the build (the graph is gone).
	struct cnr_alloc_join *join;
	struct cnr_alloc_site *sites;
	size_t nsites;
	struct cnr_type_cache *tc;
	struct cnr_string_pool pool; // owns the strings
};

// Walk the map at addr and describe it into *ret per opts; type_addr 0:
// the type the heap's typing found for the header (needs opts->retained).
// Free with cnr_map_contents_deinit().
struct cnr_error *cnr_map_contents_build(struct cnr_program *prog, uint64_t addr, uint64_t type_addr,
					 const struct cnr_map_contents_opts *opts, struct cnr_map_contents *ret);
void cnr_map_contents_deinit(struct cnr_map_contents *mc);

// What one map holds, in short (for reports over many maps, such as
// `coroner report`): the same value-type histogram and key clusters as
// cnr_map_contents_build(), without retained bytes or entries.
struct cnr_map_summary {
	struct cnr_map_info info;            // its types live as long as the type cache passed in
	struct cnr_map_count *value_types;   // most first, ties by name
	size_t nvalue_types;
	struct cnr_map_count *clusters;      // keys with a text (string, interface): most first, ties by pattern
	size_t nclusters;
	uint64_t nested_entries, max_depth;  // entries holding maps or slices of values, and how deep
	struct cnr_substring_waste substrings; // string keys that pin larger strings (with a heap graph)
	unsigned errors;                     // values that could not be read (logged as one warning)
	struct cnr_string_pool pool;         // owns the names
};

// Walk the map at addr (runtime type at type_addr) and summarize it into
// *ret; hg (may be NULL) finds the objects string keys' bytes live in.
// Free with cnr_map_summary_deinit().
struct cnr_error *cnr_map_summarize(struct cnr_program *prog, struct cnr_type_cache *tc,
				    const struct cnr_heap_graph *hg, uint64_t addr, uint64_t type_addr,
				    struct cnr_map_summary *ret);
void cnr_map_summary_deinit(struct cnr_map_summary *s);
// Only the substring waste of the map at addr (hg required): from the
// string keys' headers, so keys whose bytes the core does not hold are no
// warning here (`object` of a map).
struct cnr_error *cnr_map_substrings(struct cnr_program *prog, struct cnr_type_cache *tc,
				     const struct cnr_heap_graph *hg, uint64_t addr, uint64_t type_addr,
				     struct cnr_substring_waste *ret);

// A key (or pattern) of the program as text safe for a terminal, as
// `coroner map` shows them: printable ASCII kept, other bytes \xNN.
void cnr_map_escape_text(const char *s, char *out, size_t outlen);

#endif
