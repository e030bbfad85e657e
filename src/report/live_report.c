#include "report/live_report.h"

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
