// `coroner memstats`: runtime.MemStats as of the core, text or JSON.
#ifndef CNR_REPORT_MEMSTATS_REPORT_H
#define CNR_REPORT_MEMSTATS_REPORT_H

#include <stdio.h>

#include "goruntime/memstats.h"

void cnr_memstats_report_text(const struct cnr_memstats *ms, size_t goroutines, FILE *out);
void cnr_memstats_report_json(const struct cnr_memstats *ms, size_t goroutines, FILE *out);

#endif
