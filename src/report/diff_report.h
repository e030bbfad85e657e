// `coroner diff` written out: the model of analysis/diff.h as text, read
// top to bottom (summary; what grew, maps with their key clusters and
// value types; new objects by type and holder; goroutines; what shrank
// or was freed), or as JSON of the same structure.  The same two cores
// always give the same bytes.
#ifndef CNR_REPORT_DIFF_REPORT_H
#define CNR_REPORT_DIFF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/diff.h"

enum { CNR_DIFF_DEFAULT_TOP = 10 }; // rows shown per section

struct cnr_diff_report_opts {
	uint32_t top; // rows per section, >= 1
	bool json;
};

void cnr_diff_report(const struct cnr_diff *d, const struct cnr_diff_report_opts *opts, FILE *out);

#endif
