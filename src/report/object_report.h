// `coroner object ADDR`, written: text or JSON from the object's view
// (goruntime/object_view.h).
#ifndef CNR_REPORT_OBJECT_REPORT_H
#define CNR_REPORT_OBJECT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "goruntime/object_view.h"

void cnr_object_report(const struct cnr_object_view *v, bool json, FILE *out);

#endif
