// A profile ranked by function as `go tool pprof -top` ranks it: flat (the
// samples whose leaf line is in the function) and cum (the samples with
// the function anywhere in their stack, once each), by one sample type;
// written as text or JSON (`coroner allocs`).
#ifndef CNR_REPORT_PROFILE_TOP_H
#define CNR_REPORT_PROFILE_TOP_H

#include <stdio.h>

#include "analysis/profile.h"

struct cnr_profile_top_row {
	const char *function;
	int64_t flat, cum;
};

// Rows for sample type index t, by flat (largest first), then name; *ret
// (*n_ret rows, one per function with a non-zero flat or cum) is freed with
// free().  *total_ret: the sum over all samples.
struct cnr_error *cnr_profile_top(const struct cnr_profile *p, int t, struct cnr_profile_top_row **ret,
				  size_t *n_ret, int64_t *total_ret);

// pprof's measurement.ScaledLabel for a value in unit ("bytes", "count"):
// "1.50MB", "512kB", "42".
void cnr_profile_scaled_label(int64_t v, const char *unit, char *buf, size_t len);

// The pprof -top table of the first top rows.
void cnr_profile_top_text(const struct cnr_profile *p, int t, const struct cnr_profile_top_row *rows, size_t n,
			  size_t top, int64_t total, FILE *out);

#endif
