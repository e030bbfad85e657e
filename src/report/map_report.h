// `coroner map ADDR`: one map in depth.
#ifndef CNR_REPORT_MAP_REPORT_H
#define CNR_REPORT_MAP_REPORT_H

#include <stdio.h>

#include "goruntime/maps.h"

// Walk the map and report it: header facts, the dynamic types of its
// values, key prefixes for string keys, and up to limit entries.
struct cnr_error *cnr_map_report(struct cnr_program *prog, uint64_t addr, uint64_t type_addr, size_t limit, bool json,
				 FILE *out);

#endif
