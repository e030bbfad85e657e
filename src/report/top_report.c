// `coroner top` (see top_report.h).
#include "report/top_report.h"

#include <inttypes.h>

#include "report/json_writer.h"
#include "report/live_report.h"

void cnr_top_rows_json(struct cnr_json *j, const char *label_key, const struct cnr_top_row *rows, size_t n)
{
	cnr_json_key(j, "rows");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		cnr_json_begin_object(j);
		cnr_json_key(j, label_key);
		cnr_json_string(j, rows[i].label);
		cnr_json_key(j, "count");
		cnr_json_uint(j, rows[i].count);
		cnr_json_key(j, "shallow");
		cnr_json_uint(j, rows[i].shallow);
		cnr_json_key(j, "retained");
		cnr_json_uint(j, rows[i].retained);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

void cnr_top_report(const struct cnr_heap_graph *hg, enum cnr_top_group group, const struct cnr_top_row *rows, size_t n,
		    bool json, FILE *out)
{
	static const char *const keys[] = {
		[CNR_TOP_BY_TYPE] = "type", [CNR_TOP_BY_ROOT] = "root", [CNR_TOP_BY_GOROUTINE] = "goroutine",
	};
	static const char *const headings[] = {
		[CNR_TOP_BY_TYPE] = "TYPE", [CNR_TOP_BY_ROOT] = "ROOT", [CNR_TOP_BY_GOROUTINE] = "GOROUTINE",
	};
	if (json) {
		struct cnr_json j;
		cnr_json_init(&j, out);
		cnr_json_begin_object(&j);
		cnr_json_heap_ledger(&j, hg);
		cnr_top_rows_json(&j, keys[group], rows, n);
		cnr_json_end_object(&j);
		return;
	}
	fprintf(out, "%12s %14s %14s  %s\n", group == CNR_TOP_BY_GOROUTINE ? "ROOTS" : "COUNT", "SHALLOW", "RETAINED",
		headings[group]);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%12" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %s\n", rows[i].count, rows[i].shallow,
			rows[i].retained, rows[i].label);
	fprintf(out,
		"\nlive %" PRIu64 " objects, %" PRIu64 " bytes; garbage %" PRIu64 " objects, %" PRIu64
		" bytes (allocated, unreachable, waiting for the next GC)\n",
		hg->live_objects, hg->live_bytes, hg->garbage_objects, hg->garbage_bytes);
}
