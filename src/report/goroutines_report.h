// `coroner goroutines`: goroutines in their groups (analysis/
// goroutine_groups.h: same state, stack and creation site, like
// pprof -goroutine debug=1), each one in Go's own traceback format
// (--all), or JSON.
#ifndef CNR_REPORT_GOROUTINES_REPORT_H
#define CNR_REPORT_GOROUTINES_REPORT_H

#include <stdio.h>

#include "analysis/goroutine_groups.h"
#include "analysis/goroutine_traces.h"
#include "goruntime/goroutines.h"

// t: the traces of each group's first member, group by group.
void cnr_goroutines_report_grouped(const struct cnr_goroutines *gs, const struct cnr_goroutine_groups *gg,
				   const struct cnr_goroutine_traces *t, FILE *out);
// t: the traces of every goroutine (without slots for the text, with
// them for JSON).
void cnr_goroutines_report_all(const struct cnr_goroutines *gs, const struct cnr_goroutine_traces *t, FILE *out);
void cnr_goroutines_report_json(const struct cnr_goroutines *gs, const struct cnr_goroutine_traces *t, FILE *out);

#endif
