// `coroner dot`: the layout of analysis/dot_layout.h as a Graphviz graph.
#ifndef CNR_REPORT_DOT_REPORT_H
#define CNR_REPORT_DOT_REPORT_H

#include <stdio.h>

#include "analysis/dot_layout.h"

void cnr_dot_report(const struct cnr_dot_layout *l, FILE *out);

#endif
