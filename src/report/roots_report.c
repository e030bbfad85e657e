// `coroner roots` (see roots_report.h).
#include "report/roots_report.h"

#include <inttypes.h>

#include "report/json_writer.h"

void cnr_roots_report(const struct cnr_roots *roots, bool json, FILE *out)
{
	if (!json) {
		for (size_t i = 0; i < roots->n; i++) {
			const struct cnr_root *r = &roots->v[i];
			fprintf(out, "%-9s 0x%016" PRIx64 " -> 0x%016" PRIx64 "  %s%s\n", cnr_root_kind_name(r->kind), r->slot,
				r->value, r->name, r->conservative ? " (conservative)" : "");
		}
		return;
	}
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < roots->n; i++) {
		const struct cnr_root *r = &roots->v[i];
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "kind");
		cnr_json_string(&j, cnr_root_kind_name(r->kind));
		cnr_json_key(&j, "name");
		cnr_json_string(&j, r->name);
		cnr_json_key(&j, "slot");
		cnr_json_hex(&j, r->slot);
		cnr_json_key(&j, "value");
		cnr_json_hex(&j, r->value);
		cnr_json_key(&j, "conservative");
		cnr_json_bool(&j, r->conservative);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
}
