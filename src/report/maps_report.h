// `coroner maps` written out: every live map (analysis/heap_maps.h) with
// its size, its internals, the bytes it holds itself and retains, and the
// shortest chain of references that keeps it alive; as a table or JSON.
#ifndef CNR_REPORT_MAPS_REPORT_H
#define CNR_REPORT_MAPS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/heap_maps.h"
#include "report/json_writer.h"

// Written a row at a time, as cnr_maps_list_describe() makes them.
struct cnr_maps_writer {
	FILE *out;
	bool json;
	struct cnr_json j;
	const struct cnr_alloc_join *join; // the list's
};

void cnr_maps_report_begin(struct cnr_maps_writer *w, const struct cnr_maps_list *l, const char *type, bool json,
			   FILE *out);
void cnr_maps_report_row(struct cnr_maps_writer *w, const struct cnr_maps_entry *e);
void cnr_maps_report_end(struct cnr_maps_writer *w, const struct cnr_maps_list *l);

#endif
