// `coroner top` written out: the rows of analysis/top.h as a table or as
// JSON, with the heap graph's ledger.
#ifndef CNR_REPORT_TOP_REPORT_H
#define CNR_REPORT_TOP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/alloc_sites.h"
#include "analysis/top.h"
#include "report/json_writer.h"

// The "rows" member: one object per row, its label under label_key
// ("type", "root", "goroutine", "site"), then count, shallow, retained,
// and, with a join, "alloc_sites": the sites of what row i retains
// (sites->sites[i], as report/alloc_sites_report.h writes them).
void cnr_top_rows_json(struct cnr_json *j, const char *label_key, const struct cnr_top_row *rows, size_t n,
		       const struct cnr_alloc_join *join, const struct cnr_alloc_sites_list *sites);

// Write rows[0 .. n) of hg's histogram grouped by group; join and sites
// (or NULL): the allocation sites of what each row retains, shown under
// the rows that retain sampled objects (sites->n >= n when the join has a
// profile).
void cnr_top_report(const struct cnr_heap_graph *hg, enum cnr_top_group group, const struct cnr_top_row *rows, size_t n,
		    const struct cnr_alloc_join *join, const struct cnr_alloc_sites_list *sites, bool json, FILE *out);

#endif
