// `coroner type NAME`, written: text or JSON from the type's description
// (goruntime/types.h cnr_type_describe).
#ifndef CNR_REPORT_TYPE_REPORT_H
#define CNR_REPORT_TYPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "goruntime/types.h"

void cnr_type_report(const struct cnr_type_description *d, bool json, FILE *out);

#endif
