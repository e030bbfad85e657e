// pprof -top for a profile model (github.com/google/pprof internal/graph,
// granularity "functions"; internal/measurement ScaledLabel).
#include "report/profile_top.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cnr_internal.h"

struct cnr_error *cnr_profile_top(const struct cnr_profile *p, int t, struct cnr_profile_top_row **ret,
				  size_t *n_ret, int64_t *total_ret)
{
	size_t nf = p->functions.size;
	int64_t *flat = calloc(nf + 1, sizeof(*flat)), *cum = calloc(nf + 1, sizeof(*cum));
	uint32_t *seen = calloc(nf + 1, sizeof(*seen)); // sample index + 1 that last counted it
	struct cnr_profile_top_row *rows = calloc(nf + 1, sizeof(*rows));
	if (!flat || !cum || !seen || !rows) {
		free(flat), free(cum), free(seen), free(rows);
		return &cnr_enomem;
	}
	int64_t total = 0;
	for (size_t s = 0; s < p->samples.size; s++) {
		const struct cnr_profile_sample *sm = &p->samples.data[s];
		int64_t v = sm->values[t];
		total += v;
		for (uint32_t k = 0; k < sm->nlocations; k++) {
			const struct cnr_profile_location *loc =
				&p->locations.data[p->sample_locations.data[sm->first_location + k]];
			for (uint32_t li = 0; li < loc->nlines; li++) {
				uint32_t fn = p->lines.data[loc->first_line + li].function;
				if (k == 0 && li == 0)
					flat[fn] += v;
				if (seen[fn] != s + 1) {
					seen[fn] = (uint32_t)(s + 1);
					cum[fn] += v;
				}
			}
		}
	}
	size_t n = 0;
	for (size_t f = 0; f < nf; f++) {
		if (flat[f] || cum[f])
			rows[n++] = (struct cnr_profile_top_row){ p->functions.data[f].name, flat[f], cum[f] };
	}
	free(flat), free(cum), free(seen);
	// pprof's FlatNameOrder: |flat| descending, then the name, then |cum|.
	for (size_t i = 1; i < n; i++) {
		struct cnr_profile_top_row r = rows[i];
		size_t j = i;
		for (; j > 0; j--) {
			const struct cnr_profile_top_row *q = &rows[j - 1];
			int64_t a = llabs(q->flat), b = llabs(r.flat);
			int c = strcmp(q->function, r.function);
			if (a > b || (a == b && (c < 0 || (c == 0 && llabs(q->cum) >= llabs(r.cum)))))
				break;
			rows[j] = rows[j - 1];
		}
		rows[j] = r;
	}
	*ret = rows;
	*n_ret = n;
	*total_ret = total;
	return NULL;
}

void cnr_profile_scaled_label(int64_t v, const char *unit, char *buf, size_t len)
{
	if (strcmp(unit, "bytes") != 0) {
		snprintf(buf, len, "%" PRId64, v);
		return;
	}
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double x = (double)v;
	size_t u = 0;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && (x >= 1024 || x <= -1024)) {
		x /= 1024;
		u++;
	}
	char num[64];
	snprintf(num, sizeof(num), "%.2f", x);
	size_t l = strlen(num);
	if (l > 3 && strcmp(num + l - 3, ".00") == 0)
		num[l - 3] = 0;
	if (strcmp(num, "0") == 0 || strcmp(num, "-0") == 0)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "%s%s", num, units[u]);
}

static double pct(int64_t v, int64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0;
}

void cnr_profile_top_text(const struct cnr_profile *p, int t, const struct cnr_profile_top_row *rows, size_t n,
			  size_t top, int64_t total, FILE *out)
{
	const char *unit = p->sample_types[t].unit;
	char a[32], b[32];
	int64_t shown = 0;
	size_t k = n < top ? n : top;
	for (size_t i = 0; i < k; i++)
		shown += rows[i].flat;
	cnr_profile_scaled_label(shown, unit, a, sizeof(a));
	cnr_profile_scaled_label(total, unit, b, sizeof(b));
	fprintf(out, "Showing nodes accounting for %s, %.2f%% of %s total\n", a, pct(shown, total), b);
	if (k < n)
		fprintf(out, "Showing top %zu nodes out of %zu\n", k, n);
	fprintf(out, "      flat  flat%%   sum%%        cum   cum%%\n");
	int64_t sum = 0;
	for (size_t i = 0; i < k; i++) {
		sum += rows[i].flat;
		cnr_profile_scaled_label(rows[i].flat, unit, a, sizeof(a));
		cnr_profile_scaled_label(rows[i].cum, unit, b, sizeof(b));
		fprintf(out, "%10s %5.2f%% %5.2f%% %10s %5.2f%%  %s\n", a, pct(rows[i].flat, total), pct(sum, total), b,
			pct(rows[i].cum, total), rows[i].function);
	}
}
