// `coroner map ADDR`, written: text or JSON from the map's contents
// (analysis/map_contents.h).
#ifndef CNR_REPORT_MAP_REPORT_H
#define CNR_REPORT_MAP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/map_contents.h"

void cnr_map_report(const struct cnr_map_contents *mc, bool json, FILE *out);

#endif
