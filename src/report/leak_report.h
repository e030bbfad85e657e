// `coroner report`: the leak-suspects report, read top to bottom — what
// the process was (Go version, executable, signal, heap in use vs live vs
// garbage, goroutines by state); the suspects, the objects where the live
// heap accumulates, maps first (each with its shortest retention path, and
// for maps their length, value types and key clusters, and the goroutines
// whose roots reach it); the goroutine groups with the bytes their roots
// retain; and the types that retain the most.  As text or JSON of the
// same structure, written from the model of analysis/leak_model.h; the
// same core always gives the same bytes.
#ifndef CNR_REPORT_LEAK_REPORT_H
#define CNR_REPORT_LEAK_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/leak_model.h"

enum {
	CNR_LEAK_DEFAULT_TOP = 10,    // suspects shown at most
	CNR_LEAK_DEFAULT_GROUPS = 10, // goroutine groups shown
};

struct cnr_leak_report_opts {
	uint32_t top;        // suspects computed and shown at most, >= 1
	uint32_t max_groups; // goroutine groups shown, >= 1
	bool json;
};

// Write the report of m to out.
void cnr_leak_report(const struct cnr_leak_model *m, const struct cnr_leak_report_opts *opts, FILE *out);

#endif
