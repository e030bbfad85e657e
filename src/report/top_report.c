// `coroner top` (see top_report.h).
#include "report/top_report.h"

#include <inttypes.h>

#include "report/alloc_sites_report.h"
#include "report/json_writer.h"
#include "report/live_report.h"

enum { SHOWN_SITES = 3 };

// The sites of row i, if the join has them.
static bool row_sites(const struct cnr_alloc_join *join, const struct cnr_alloc_sites_list *sites, size_t i,
		      const struct cnr_alloc_site **ret, size_t *n_ret)
{
	if (!join || !join->sites || !sites || i >= sites->n)
		return false;
	*ret = sites->sites[i];
	*n_ret = sites->nsites[i];
	return true;
}

void cnr_top_rows_json(struct cnr_json *j, const char *label_key, const struct cnr_top_row *rows, size_t n,
		       const struct cnr_alloc_join *join, const struct cnr_alloc_sites_list *sites)
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
		if (join) {
			const struct cnr_alloc_site *rs = NULL;
			size_t nrs = 0;
			row_sites(join, sites, i, &rs, &nrs);
			cnr_json_key(j, "alloc_sites");
			cnr_alloc_sites_json(j, join, rs, nrs, SHOWN_SITES);
		}
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

void cnr_top_report(const struct cnr_heap_graph *hg, enum cnr_top_group group, const struct cnr_top_row *rows, size_t n,
		    const struct cnr_alloc_join *join, const struct cnr_alloc_sites_list *sites, bool json, FILE *out)
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
		cnr_top_rows_json(&j, keys[group], rows, n, join, sites);
		cnr_json_end_object(&j);
		return;
	}
	fprintf(out, "%12s %14s %14s  %s\n", group == CNR_TOP_BY_GOROUTINE ? "ROOTS" : "COUNT", "SHALLOW", "RETAINED",
		headings[group]);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%12" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %s\n", rows[i].count, rows[i].shallow,
			rows[i].retained, rows[i].label);
		const struct cnr_alloc_site *rs;
		size_t nrs;
		if (row_sites(join, sites, i, &rs, &nrs) && nrs)
			cnr_alloc_sites_text(join, rs, nrs, SHOWN_SITES, "                ", out);
	}
	if (join && !join->sites)
		fprintf(out, "\nallocation sites: none known: %s\n", join->absence);
	fprintf(out,
		"\nlive %" PRIu64 " objects, %" PRIu64 " bytes; garbage %" PRIu64 " objects, %" PRIu64
		" bytes (allocated, unreachable, waiting for the next GC)\n",
		hg->live_objects, hg->live_bytes, hg->garbage_objects, hg->garbage_bytes);
}
