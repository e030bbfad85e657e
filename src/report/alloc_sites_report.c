// The allocation-site lines of a set of objects, text and JSON.
#include "report/alloc_sites_report.h"

#include <inttypes.h>
#include <string.h>

#include "analysis/top.h"
#include "report/live_report.h"
#include "report/top_report.h"

static uint64_t total_samples(const struct cnr_alloc_site *sites, size_t n, double *estimate)
{
	uint64_t s = 0;
	*estimate = 0;
	for (size_t i = 0; i < n; i++) {
		s += sites[i].samples;
		*estimate += sites[i].estimate;
	}
	return s;
}

static uint64_t total_bytes(const struct cnr_alloc_site *sites, size_t n)
{
	uint64_t b = 0;
	for (size_t i = 0; i < n; i++)
		b += sites[i].bytes;
	return b;
}

void cnr_alloc_sites_text(const struct cnr_alloc_join *join, const struct cnr_alloc_site *sites, size_t n,
			  size_t top, const char *indent, FILE *out)
{
	if (!join->sites) {
		fprintf(out, "%sallocation sites: none known: %s\n", indent, join->absence);
		return;
	}
	double est;
	uint64_t samples = total_samples(sites, n, &est);
	if (!samples) {
		fprintf(out, "%sallocation sites: no sampled object among them (MemProfileRate %" PRId64 ")\n", indent,
			join->mp.rate);
		return;
	}
	for (size_t i = 0; i < n && i < top; i++)
		fprintf(out, "%sallocated at %3.0f%% %s\n", indent, 100 * sites[i].estimate / est, sites[i].label);
	if (n > top)
		fprintf(out, "%s             (%zu more sites)\n", indent, n - top);
	if (join->mp.rate == 1)
		fprintf(out, "%s(%" PRIu64 " objects, every allocation sampled: MemProfileRate 1)\n", indent, samples);
	else
		fprintf(out, "%s(from %" PRIu64 " sampled object%s standing for ~%.0f bytes: the heap profile samples one "
			     "allocation per %" PRId64 " bytes on average, so the shares are estimates)\n",
			indent, samples, samples == 1 ? "" : "s", est, join->mp.rate);
}

void cnr_alloc_sites_json(struct cnr_json *j, const struct cnr_alloc_join *join, const struct cnr_alloc_site *sites,
			  size_t n, size_t top)
{
	cnr_json_begin_object(j);
	cnr_json_key(j, "mem_profile_rate");
	cnr_json_int(j, join->mp.rate);
	cnr_json_key(j, "no_profile");
	cnr_json_string(j, join->sites ? NULL : join->absence);
	double est = 0;
	uint64_t samples = join->sites ? total_samples(sites, n, &est) : 0;
	cnr_json_key(j, "samples");
	cnr_json_uint(j, samples);
	cnr_json_key(j, "sampled_bytes");
	cnr_json_uint(j, join->sites ? total_bytes(sites, n) : 0);
	cnr_json_key(j, "sampled");
	cnr_json_bool(j, join->mp.rate != 1);
	cnr_json_key(j, "sites");
	cnr_json_begin_array(j);
	for (size_t i = 0; join->sites && i < n && i < top; i++) {
		cnr_json_begin_object(j);
		cnr_json_key(j, "site");
		cnr_json_string(j, sites[i].label);
		cnr_json_key(j, "samples");
		cnr_json_uint(j, sites[i].samples);
		cnr_json_key(j, "bytes");
		cnr_json_uint(j, sites[i].bytes);
		cnr_json_key(j, "estimated_bytes");
		cnr_json_uint(j, (uint64_t)(sites[i].estimate + 0.5));
		cnr_json_key(j, "share_permille");
		cnr_json_uint(j, est > 0 ? (uint64_t)(1000 * sites[i].estimate / est + 0.5) : 0);
		cnr_json_key(j, "stack");
		cnr_json_begin_array(j);
		const struct cnr_profile *p = &join->profile;
		const struct cnr_profile_sample *s = &p->samples.data[sites[i].record];
		for (uint32_t k = 0; k < s->nlocations; k++) {
			const struct cnr_profile_location *loc =
				&p->locations.data[p->sample_locations.data[s->first_location + k]];
			for (uint32_t li = 0; li < loc->nlines; li++)
				cnr_json_string(j, p->functions.data[p->lines.data[loc->first_line + li].function].name);
		}
		cnr_json_end_array(j);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
	cnr_json_end_object(j);
}

void cnr_top_site_report(const struct cnr_heap_graph *hg, const struct cnr_alloc_join *join,
			 const struct cnr_top_row *rows, size_t n, bool json, FILE *out)
{
	if (json) {
		struct cnr_json j;
		cnr_json_init(&j, out);
		cnr_json_begin_object(&j);
		cnr_json_heap_ledger(&j, hg);
		cnr_json_key(&j, "mem_profile_rate");
		cnr_json_int(&j, join->mp.rate);
		cnr_json_key(&j, "no_profile");
		cnr_json_string(&j, join->absence);
		cnr_top_rows_json(&j, "site", rows, n, NULL, NULL);
		cnr_json_end_object(&j);
		fputc('\n', out);
		return;
	}
	if (join->absence) {
		fprintf(out, "%s\n", join->absence);
		return;
	}
	fprintf(out, "%12s %14s %14s  %s\n", "SAMPLES", "SAMPLED-RET", "EST-RETAINED", "ALLOCATION SITE");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%12" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %s\n", rows[i].count, rows[i].shallow,
			rows[i].retained, rows[i].label);
	fprintf(out, "\nretained bytes of the sampled live objects by where they were allocated: SAMPLED-RET measured "
		     "on the %" PRIu64 " sampled objects, EST-RETAINED scaled for MemProfileRate %" PRId64
		     " (an estimate); live heap %" PRIu64 " bytes\n",
		cnr_alloc_sites_sampled(join->sites), join->mp.rate, hg->live_bytes);
}
