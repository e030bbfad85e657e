// `coroner object ADDR`, written: text or JSON from the object's view
// (goruntime/object_view.h).
#ifndef CNR_REPORT_OBJECT_REPORT_H
#define CNR_REPORT_OBJECT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/alloc_sites.h"
#include "analysis/object_waste.h"
#include "goruntime/object_view.h"

// alloc: the object's allocation stack and the sites of what it retains
// (NULL: not known); waste: its slice and substring waste (NULL: not known).
void cnr_object_report(const struct cnr_object_view *v, const struct cnr_object_alloc *alloc,
		       const struct cnr_object_waste *waste, bool json, FILE *out);

#endif
