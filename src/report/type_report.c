// `coroner type NAME` in text and JSON: kind, size, pointer words (JSON:
// as byte ranges), element and key types, fields, package and methods.
#include "report/type_report.h"

#include <inttypes.h>

#include "report/json_writer.h"

static bool pointer_word(const struct cnr_type_description *d, uint64_t w)
{
	return d->mask[w / 8] >> (w % 8) & 1;
}

static void json_report(const struct cnr_type_description *d, FILE *out)
{
	const struct cnr_rtype *t = d->type;
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "name");
	cnr_json_string(&j, t->name);
	cnr_json_key(&j, "addr");
	cnr_json_hex(&j, t->addr);
	cnr_json_key(&j, "kind");
	cnr_json_string(&j, cnr_kind_name(t->kind));
	cnr_json_key(&j, "size");
	cnr_json_uint(&j, t->size);
	cnr_json_key(&j, "ptrdata");
	cnr_json_uint(&j, t->ptrdata);
	cnr_json_key(&j, "pointer_words");
	cnr_json_uint(&j, d->pointer_words);
	cnr_json_key(&j, "pointer_ranges");
	cnr_json_begin_array(&j);
	for (uint64_t w = 0; w < d->nwords;) {
		if (!pointer_word(d, w)) {
			w++;
			continue;
		}
		uint64_t start = w;
		while (w < d->nwords && pointer_word(d, w))
			w++;
		cnr_json_begin_array(&j);
		cnr_json_uint(&j, start * 8);
		cnr_json_uint(&j, w * 8);
		cnr_json_end_array(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_key(&j, "elem");
	cnr_json_string(&j, d->elem ? d->elem->name : NULL);
	cnr_json_key(&j, "key");
	cnr_json_string(&j, d->key ? d->key->name : NULL);
	cnr_json_key(&j, "fields");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < d->nfields; i++) {
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "name");
		cnr_json_string(&j, d->fields[i].name);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, d->fields[i].type->name);
		cnr_json_key(&j, "offset");
		cnr_json_uint(&j, d->fields[i].offset);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_key(&j, "pkgpath");
	cnr_json_string(&j, d->has_uncommon ? d->uncommon.pkgpath : NULL);
	cnr_json_key(&j, "methods");
	cnr_json_begin_array(&j);
	for (uint16_t i = 0; d->has_uncommon && i < d->uncommon.mcount; i++)
		cnr_json_string(&j, d->uncommon.methods[i]);
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
}

static void text_report(const struct cnr_type_description *d, FILE *out)
{
	const struct cnr_rtype *t = d->type;
	fprintf(out, "type %s (%s) at 0x%" PRIx64 ": %" PRIu64 " bytes, %" PRIu64 " pointer words in the first %" PRIu64
		     " bytes\n",
		t->name, cnr_kind_name(t->kind), t->addr, t->size, d->pointer_words, t->ptrdata);
	if (d->key)
		fprintf(out, "key:  %s\n", d->key->name);
	if (d->elem)
		fprintf(out, "elem: %s\n", d->elem->name);
	for (size_t i = 0; i < d->nfields; i++)
		fprintf(out, "  +%-6" PRIu64 " %-24s %s\n", d->fields[i].offset, d->fields[i].name, d->fields[i].type->name);
	if (d->has_uncommon) {
		const struct cnr_uncommon *u = &d->uncommon;
		fprintf(out, "package %s, %u methods (%u exported)\n", u->pkgpath ? u->pkgpath : "?", u->mcount, u->xcount);
		for (uint16_t i = 0; i < u->mcount; i++)
			fprintf(out, "  %s\n", u->methods[i] ? u->methods[i] : "?");
	}
}

void cnr_type_report(const struct cnr_type_description *d, bool json, FILE *out)
{
	if (json)
		json_report(d, out);
	else
		text_report(d, out);
}
