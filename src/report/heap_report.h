// `coroner heap`: the heap histogram and the completeness ledger.
#ifndef CNR_REPORT_HEAP_REPORT_H
#define CNR_REPORT_HEAP_REPORT_H

#include <stdio.h>

#include "goruntime/heap.h"
#include "goruntime/memstats.h"

// ms may be NULL when the runtime's counters could not be read.
void cnr_heap_report_text(const struct cnr_heap *heap, const struct cnr_memstats *ms, size_t top, FILE *out);
void cnr_heap_report_json(const struct cnr_heap *heap, const struct cnr_memstats *ms, size_t top, FILE *out);
// The group's label: the type name, or what is known of an untyped group.
void cnr_heap_group_label(const struct cnr_heap_group *g, char *buf, size_t len);

#endif
