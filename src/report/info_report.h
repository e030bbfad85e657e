// `coroner info`: what the core is, as text or JSON.
#ifndef CNR_REPORT_INFO_REPORT_H
#define CNR_REPORT_INFO_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/process_info.h"

// Write p to out; a thread pc that could not be symbolized shows as "?"
// (JSON: null function).
void cnr_info_report(const struct cnr_process_info *p, bool json, FILE *out);

// "SIGABRT" for 6, or NULL.
const char *cnr_signal_name(int sig);

#endif
