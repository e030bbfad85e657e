// `coroner path` (see path_report.h).
#include "report/path_report.h"

#include <inttypes.h>

#include "report/json_writer.h"

static void json_paths(const struct cnr_object_paths *p, FILE *out)
{
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "object");
	cnr_json_hex(&j, p->addr);
	cnr_json_key(&j, "type");
	cnr_json_string(&j, p->type);
	cnr_json_key(&j, "size");
	cnr_json_uint(&j, p->size);
	cnr_json_key(&j, "retained");
	cnr_json_uint(&j, p->retained);
	if (p->of_type) { // path --type: how many live objects have it
		cnr_json_key(&j, "of_type");
		cnr_json_uint(&j, p->of_type);
	}
	cnr_json_key(&j, "paths");
	cnr_json_begin_array(&j);
	for (uint32_t k = 0; k < p->npaths; k++) {
		const struct cnr_object_path *path = &p->paths[k];
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "root");
		cnr_json_string(&j, path->root->name);
		cnr_json_key(&j, "root_kind");
		cnr_json_string(&j, cnr_root_kind_name(path->root->kind));
		cnr_json_key(&j, "hops");
		cnr_json_begin_array(&j);
		for (uint32_t i = 0; i < path->nhops; i++) {
			const struct cnr_path_hop *h = &path->hops[i];
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "addr");
			cnr_json_hex(&j, h->addr);
			cnr_json_key(&j, "type");
			cnr_json_string(&j, h->type);
			cnr_json_key(&j, "size");
			cnr_json_uint(&j, h->size);
			if (i) {
				cnr_json_key(&j, "via");
				cnr_json_string(&j, h->via);
			}
			cnr_json_key(&j, "retained");
			cnr_json_uint(&j, h->retained);
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
}

void cnr_path_report(const struct cnr_object_paths *p, const char *type, bool json, FILE *out)
{
	if (json) {
		json_paths(p, out);
		return;
	}
	if (type)
		fprintf(out, "%" PRIu64 " live objects of type %s; the one retaining most:\n", p->of_type, type);
	fprintf(out, "object 0x%" PRIx64 " %s (%" PRIu64 " bytes, retains %" PRIu64 ")\n", p->addr, p->type, p->size,
		p->retained);
	for (uint32_t k = 0; k < p->npaths; k++) {
		const struct cnr_object_path *path = &p->paths[k];
		fprintf(out, "\npath %u: %s (%s)\n", k + 1, path->root->name, cnr_root_kind_name(path->root->kind));
		for (uint32_t i = 0; i < path->nhops; i++) {
			const struct cnr_path_hop *h = &path->hops[i];
			fprintf(out, "  %s%s0x%" PRIx64 " %s (%" PRIu64 " bytes, retains %" PRIu64 ")\n", i ? h->via : "",
				i ? " -> " : "", h->addr, h->type, h->size, h->retained);
		}
	}
}
