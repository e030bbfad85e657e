// A profile in pprof's own model (github.com/google/pprof
// proto/profile.proto): sample types, samples (a stack of locations and
// one value per sample type), locations with their inlined lines,
// functions, the executable's mapping.  heap_profile.c builds the
// runtime's heap profile in it and retained_profile.c the dominator tree;
// report/pprof_writer.c encodes it and report/profile_top.c ranks it.
#ifndef CNR_ANALYSIS_PROFILE_H
#define CNR_ANALYSIS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/string_pool.h"
#include "util/vector.h"

enum { CNR_PROFILE_MAX_TYPES = 4 };

struct cnr_profile_value_type {
	const char *type, *unit; // "inuse_space", "bytes"
};

struct cnr_profile_function {
	const char *name, *file;
	int64_t start_line;
};

// One line of a location: the function (an index into functions) and the
// line in it; a location's lines run from the innermost inlined call out.
struct cnr_profile_line {
	uint32_t function;
	int64_t line;
};

struct cnr_profile_location {
	uint64_t address;          // 0 for locations that are not code (retained profiles)
	uint32_t first_line, nlines;
	bool in_mapping;           // address lies in the executable's mapping
};

struct cnr_profile_sample {
	uint32_t first_location, nlocations; // into sample_locations, leaf first
	int64_t values[CNR_PROFILE_MAX_TYPES];
	int64_t bytes_label;       // the "bytes" numeric label (allocation size); 0: none
};

DEFINE_VECTOR(cnr_profile_function_vector, struct cnr_profile_function);
DEFINE_VECTOR(cnr_profile_line_vector, struct cnr_profile_line);
DEFINE_VECTOR(cnr_profile_location_vector, struct cnr_profile_location);
DEFINE_VECTOR(cnr_profile_sample_vector, struct cnr_profile_sample);
DEFINE_VECTOR(cnr_profile_u32_vector, uint32_t);

struct cnr_profile {
	struct cnr_profile_value_type sample_types[CNR_PROFILE_MAX_TYPES];
	size_t ntypes;
	struct cnr_profile_value_type period_type;
	int64_t period;
	const char *default_sample_type; // NULL: the last one (pprof's rule)
	const char *comment;             // NULL: none
	struct cnr_profile_function_vector functions;
	struct cnr_profile_line_vector lines;
	struct cnr_profile_location_vector locations;
	struct cnr_profile_u32_vector sample_locations;
	struct cnr_profile_sample_vector samples;
	// The executable's text mapping; has_mapping false if unknown.
	bool has_mapping;
	uint64_t map_start, map_limit, map_offset;
	const char *map_file, *map_build_id;
	struct cnr_string_pool strings;  // owns the strings built for this profile
};

void cnr_profile_deinit(struct cnr_profile *p);
// The index of the sample type named type, or -1.
int cnr_profile_type_index(const struct cnr_profile *p, const char *type);

#endif
