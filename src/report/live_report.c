// The ledger and `coroner live` (see live_report.h).
#include "report/live_report.h"

#include <inttypes.h>

void cnr_json_heap_ledger(struct cnr_json *j, const struct cnr_heap_graph *hg)
{
	const struct {
		const char *key;
		uint64_t value;
	} kv[] = {
		{ "objects", hg->live_objects + hg->garbage_objects },
		{ "bytes", hg->live_bytes + hg->garbage_bytes },
		{ "live_objects", hg->live_objects },
		{ "live_bytes", hg->live_bytes },
		{ "garbage_objects", hg->garbage_objects },
		{ "garbage_bytes", hg->garbage_bytes },
		{ "edges", hg->edges },
		{ "typed_live_objects", hg->typed_live_objects },
		{ "typed_live_bytes", hg->typed_live_bytes },
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		cnr_json_key(j, kv[i].key);
		cnr_json_uint(j, kv[i].value);
	}
}

enum { TEXT_ROOTS = 20, TEXT_MIN_RETAINED = 65536 };

void cnr_live_report(const struct cnr_heap_graph *hg, const struct cnr_live_root *roots, size_t n, bool json,
		     FILE *out)
{
	if (json) {
		struct cnr_json j;
		cnr_json_init(&j, out);
		cnr_json_begin_object(&j);
		cnr_json_heap_ledger(&j, hg);
		cnr_json_key(&j, "roots");
		cnr_json_begin_array(&j);
		for (size_t i = 0; i < n; i++) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "name");
			cnr_json_string(&j, roots[i].root->name);
			cnr_json_key(&j, "object");
			cnr_json_hex(&j, roots[i].root->value);
			cnr_json_key(&j, "retained");
			cnr_json_uint(&j, roots[i].retained);
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
		return;
	}
	fprintf(out,
		"heap: %" PRIu64 " objects, %" PRIu64 " bytes; live %" PRIu64 " objects, %" PRIu64 " bytes; garbage %" PRIu64
		" objects, %" PRIu64 " bytes; %" PRIu64 " pointers\n",
		hg->live_objects + hg->garbage_objects, hg->live_bytes + hg->garbage_bytes, hg->live_objects, hg->live_bytes,
		hg->garbage_objects, hg->garbage_bytes, hg->edges);
	fprintf(out, "typed: %" PRIu64 " of %" PRIu64 " live bytes (%.3f%%), %" PRIu64 " of %" PRIu64 " live objects\n",
		hg->typed_live_bytes, hg->live_bytes,
		hg->live_bytes ? 100.0 * (double)hg->typed_live_bytes / (double)hg->live_bytes : 100.0,
		hg->typed_live_objects, hg->live_objects);
	for (size_t i = 0, shown = 0; i < n && shown < TEXT_ROOTS; i++) {
		if (roots[i].retained < TEXT_MIN_RETAINED)
			continue;
		fprintf(out, "%14" PRIu64 "  %s\n", roots[i].retained, roots[i].root->name);
		shown++;
	}
}
