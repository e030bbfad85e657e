// `coroner live` written out, and the heap graph's ledger (live + garbage
// = allocated) that every command building the graph shares in its JSON.
#ifndef CNR_REPORT_LIVE_REPORT_H
#define CNR_REPORT_LIVE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/live_roots.h"
#include "goruntime/heap_graph.h"
#include "report/json_writer.h"

// Write the ledger's keys into the JSON object being written.
void cnr_json_heap_ledger(struct cnr_json *j, const struct cnr_heap_graph *hg);

// The ledger, the typed share, and the roots that retain the most (text:
// the first 20 retaining 64 KiB or more; JSON: all).
void cnr_live_report(const struct cnr_heap_graph *hg, const struct cnr_live_root *roots, size_t n, bool json,
		     FILE *out);

#endif
