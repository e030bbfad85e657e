// `coroner top` written out: the rows of analysis/top.h as a table or as
// JSON, with the heap graph's ledger.
#ifndef CNR_REPORT_TOP_REPORT_H
#define CNR_REPORT_TOP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/top.h"
#include "report/json_writer.h"

// The "rows" member: one object per row, its label under label_key
// ("type", "root", "goroutine", "site"), then count, shallow, retained.
void cnr_top_rows_json(struct cnr_json *j, const char *label_key, const struct cnr_top_row *rows, size_t n);

// Write rows[0 .. n) of hg's histogram grouped by group.
void cnr_top_report(const struct cnr_heap_graph *hg, enum cnr_top_group group, const struct cnr_top_row *rows, size_t n,
		    bool json, FILE *out);

#endif
