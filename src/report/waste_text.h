// Wasted retention as `report`, `object` and `map` write it (issue 15):
// a slice's bytes past its length (analysis/slice_waste.h) and the larger
// strings substrings pin (analysis/substring_waste.h), as one text line
// each and as JSON objects of the same fields.
#ifndef CNR_REPORT_WASTE_TEXT_H
#define CNR_REPORT_WASTE_TEXT_H

#include <stddef.h>

#include "analysis/slice_waste.h"
#include "analysis/substring_waste.h"
#include "report/json_writer.h"

// "len 1 of cap 3553: 3552 elements (27.8 KB) kept beyond the slice"
void cnr_slice_waste_text(const struct cnr_slice_waste *w, char *buf, size_t len);
// "32 22-byte keys keep 32 strings of 64.0 KB alive (substring): 2096448
// bytes (2.0 MB) beyond the keys"; what names the strings ("keys").
void cnr_substring_waste_text(const struct cnr_substring_waste *w, const char *what, char *buf, size_t len);

// {"len", "cap", "elem_size", "wasted_bytes"}
void cnr_slice_waste_json(struct cnr_json *j, const struct cnr_slice_waste *w);
// {"strings", "min_len", "max_len", "objects", "object_bytes", "wasted_bytes"}
void cnr_substring_waste_json(struct cnr_json *j, const struct cnr_substring_waste *w);

#endif
