// `coroner goroutines`: goroutines in their groups (analysis/
// goroutine_groups.h: same state, stack and creation site, like
// pprof -goroutine debug=1), each one in Go's own traceback format
// (--all), or JSON.
#ifndef CNR_REPORT_GOROUTINES_REPORT_H
#define CNR_REPORT_GOROUTINES_REPORT_H

#include <stdio.h>

#include "analysis/goroutine_groups.h"
#include "goruntime/goroutines.h"

void cnr_goroutines_report_grouped(struct cnr_program *prog, const struct cnr_goroutines *gs,
				   const struct cnr_goroutine_groups *gg, FILE *out);
void cnr_goroutines_report_all(struct cnr_program *prog, const struct cnr_goroutines *gs, FILE *out);
void cnr_goroutines_report_json(struct cnr_program *prog, const struct cnr_goroutines *gs, FILE *out);

#endif
