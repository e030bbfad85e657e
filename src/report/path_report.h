// `coroner path` written out: the paths of analysis/object_paths.h, hop
// by hop, as text or JSON.
#ifndef CNR_REPORT_PATH_REPORT_H
#define CNR_REPORT_PATH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/object_paths.h"

void cnr_path_report(const struct cnr_object_paths *p, const char *type, bool json, FILE *out);

#endif
