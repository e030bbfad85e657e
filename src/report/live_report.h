// The heap graph's ledger (live + garbage = allocated), shared by the
// commands that build the graph.
#ifndef CNR_REPORT_LIVE_REPORT_H
#define CNR_REPORT_LIVE_REPORT_H

#include "goruntime/heap_graph.h"
#include "report/json_writer.h"

// Write the ledger's keys into the JSON object being written.
void cnr_json_heap_ledger(struct cnr_json *j, const struct cnr_heap_graph *hg);

#endif
