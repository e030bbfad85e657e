// `coroner info`: what the core is, as text or JSON.
#ifndef CNR_REPORT_INFO_REPORT_H
#define CNR_REPORT_INFO_REPORT_H

#include <coroner/coroner.h>
#include <stdio.h>

// Write the info report of prog to out.  Symbolization failures are shown
// as "?" in place; the return value counts them.
unsigned cnr_info_report_text(struct cnr_program *prog, FILE *out);
unsigned cnr_info_report_json(struct cnr_program *prog, FILE *out);

// "SIGABRT" for 6, or NULL.
const char *cnr_signal_name(int sig);

#endif
