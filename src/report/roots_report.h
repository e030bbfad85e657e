// `coroner roots` written out: every root with its kind, slot, value and
// name, as a table or JSON.
#ifndef CNR_REPORT_ROOTS_REPORT_H
#define CNR_REPORT_ROOTS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "goruntime/roots.h"

void cnr_roots_report(const struct cnr_roots *roots, bool json, FILE *out);

#endif
