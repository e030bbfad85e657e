// Allocation sites of a set of objects (analysis/alloc_sites.h) as the
// report, maps, object and top commands show them: the top sites by
// estimated bytes with their share, and a line saying how many samples
// that is and that the figures are sampled.
#ifndef CNR_REPORT_ALLOC_SITES_REPORT_H
#define CNR_REPORT_ALLOC_SITES_REPORT_H

#include <stdio.h>

#include "analysis/alloc_sites.h"
#include "report/json_writer.h"

// "allocated at  81% f (file.go:N) ← g (file.go:M)" lines, indented, for
// the first top sites, then the sample line.  what names the set ("what it
// retains").
void cnr_alloc_sites_text(const struct cnr_alloc_join *join, const struct cnr_alloc_site *sites, size_t n,
			  size_t top, const char *indent, FILE *out);
// The same as a JSON object value: {"mem_profile_rate", "no_profile",
// "samples", "sampled_bytes" (the sampled objects' own bytes, all sites),
// "sampled": rate != 1, "sites": [the first top]}.
void cnr_alloc_sites_json(struct cnr_json *j, const struct cnr_alloc_join *join, const struct cnr_alloc_site *sites,
			  size_t n, size_t top);

// `top --group site`: rows (label = site, count = samples, shallow = the
// bytes the samples retain, retained = that scaled) with the heap ledger.
struct cnr_top_row;
void cnr_top_site_report(const struct cnr_heap_graph *hg, const struct cnr_alloc_join *join,
			 const struct cnr_top_row *rows, size_t n, bool json, FILE *out);

#endif
