// `coroner object ADDR` in text and JSON: the object's facts, its
// retainers (objects, then roots), its fields, and its first words (JSON
// always; text only where the type gives no fields), then where it was
// allocated and the allocation sites of what it retains.
#include "report/object_report.h"

#include <inttypes.h>

#include "report/alloc_sites_report.h"
#include "report/json_writer.h"
#include "report/waste_text.h"

enum { SHOWN_SITES = 5 };

struct stack_out {
	struct cnr_json *j; // NULL: text
	FILE *out;
};

static void print_frame(void *arg, const char *frame)
{
	struct stack_out *o = arg;
	if (o->j)
		cnr_json_string(o->j, frame);
	else
		fprintf(o->out, "  %s\n", frame);
}

static void json_alloc(struct cnr_json *j, const struct cnr_object_alloc *a)
{
	cnr_json_key(j, "allocated_at");
	if (!a || a->record < 0) {
		cnr_json_null(j);
	} else {
		struct stack_out o = { j, NULL };
		cnr_json_begin_array(j);
		cnr_alloc_sites_stack(a->join->sites, (uint32_t)a->record, print_frame, &o);
		cnr_json_end_array(j);
	}
	cnr_json_key(j, "retained_alloc_sites");
	if (a && a->has_sites)
		cnr_alloc_sites_json(j, a->join, a->sites, a->nsites, SHOWN_SITES);
	else
		cnr_json_null(j);
}

static void text_alloc(const struct cnr_object_alloc *a, FILE *out)
{
	if (!a)
		return;
	if (a->join->absence) {
		fprintf(out, "allocated at: unknown: %s\n", a->join->absence);
		return;
	}
	if (a->record < 0) {
		fprintf(out, "allocated at: not sampled by the heap profile (MemProfileRate %" PRId64 ")\n",
			a->join->mp.rate);
	} else {
		struct stack_out o = { NULL, out };
		fprintf(out, "allocated at (the heap profile sampled it):\n");
		cnr_alloc_sites_stack(a->join->sites, (uint32_t)a->record, print_frame, &o);
	}
	if (a->has_sites) {
		fprintf(out, "what it retains, by allocation site:\n");
		cnr_alloc_sites_text(a->join, a->sites, a->nsites, SHOWN_SITES, "  ", out);
	}
}

static void json_waste(struct cnr_json *j, const struct cnr_object_waste *w);

static void json_report(const struct cnr_object_view *v, const struct cnr_object_alloc *alloc,
			const struct cnr_object_waste *waste, FILE *out)
{
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "addr");
	cnr_json_hex(&j, v->addr);
	cnr_json_key(&j, "type");
	cnr_json_string(&j, v->type);
	cnr_json_key(&j, "typed");
	cnr_json_bool(&j, v->typed);
	cnr_json_key(&j, "size");
	cnr_json_uint(&j, v->size);
	cnr_json_key(&j, "live");
	cnr_json_bool(&j, v->live);
	cnr_json_key(&j, "retained");
	cnr_json_uint(&j, v->retained);
	cnr_json_key(&j, "retainers");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < v->nretainers; i++) {
		const struct cnr_object_retainer *r = &v->retainers[i];
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "object");
		cnr_json_hex(&j, r->addr);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, r->type);
		cnr_json_key(&j, "via");
		cnr_json_string(&j, r->via);
		cnr_json_key(&j, "size");
		cnr_json_uint(&j, r->size);
		cnr_json_end_object(&j);
	}
	for (size_t i = 0; i < v->nroots; i++) {
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "root");
		cnr_json_string(&j, v->roots[i].name);
		cnr_json_key(&j, "kind");
		cnr_json_string(&j, v->roots[i].kind);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	if (v->has_fields) {
		cnr_json_key(&j, "fields");
		cnr_json_begin_array(&j);
		for (size_t i = 0; i < v->nfields; i++) {
			const struct cnr_object_field *f = &v->fields[i];
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "path");
			cnr_json_string(&j, f->path);
			cnr_json_key(&j, "type");
			cnr_json_string(&j, f->type);
			cnr_json_key(&j, "value");
			cnr_json_string(&j, f->value);
			if (f->slice) {
				cnr_json_key(&j, "len");
				cnr_json_uint(&j, f->len);
				cnr_json_key(&j, "cap");
				cnr_json_uint(&j, f->cap);
			}
			if (f->points_to) {
				cnr_json_key(&j, "points_to");
				cnr_json_hex(&j, f->points_to);
				cnr_json_key(&j, "points_to_type");
				cnr_json_string(&j, f->target_type);
			}
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_key(&j, "fields_left_out");
		cnr_json_uint(&j, v->fields_left_out);
	}
	cnr_json_key(&j, "words");
	cnr_json_begin_array(&j);
	for (size_t w = 0; w < v->nwords; w++) {
		const struct cnr_object_word *o = &v->words[w];
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "offset");
		cnr_json_uint(&j, 8 * w);
		cnr_json_key(&j, "value");
		cnr_json_hex(&j, o->value);
		if (o->points) {
			cnr_json_key(&j, "points_to");
			cnr_json_hex(&j, o->target);
			cnr_json_key(&j, "points_to_size");
			cnr_json_uint(&j, o->target_size);
			cnr_json_key(&j, "points_to_type");
			cnr_json_string(&j, o->target_type);
		}
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	json_waste(&j, waste);
	json_alloc(&j, alloc);
	cnr_json_end_object(&j);
}

static void text_report(const struct cnr_object_view *v, FILE *out)
{
	fprintf(out, "object 0x%" PRIx64 " %s: %" PRIu64 " bytes, %s, retains %" PRIu64 " bytes\n", v->addr, v->type,
		v->size, v->live ? "live" : "garbage", v->retained);
	fprintf(out, "retainers:\n");
	for (size_t i = 0; i < v->nretainers; i++) {
		const struct cnr_object_retainer *r = &v->retainers[i];
		fprintf(out, "  object 0x%" PRIx64 " %s %s (%" PRIu64 " bytes)\n", r->addr, r->type, r->via, r->size);
	}
	for (size_t i = 0; i < v->nroots; i++)
		fprintf(out, "  root %s (%s)\n", v->roots[i].name, v->roots[i].kind);
	if (v->has_fields) {
		fprintf(out, "fields:\n");
		for (size_t i = 0; i < v->nfields; i++) {
			const struct cnr_object_field *f = &v->fields[i];
			fprintf(out, "  %-24s %-28s %s", f->path, f->type, f->value);
			if (f->points_to)
				fprintf(out, "  -> 0x%" PRIx64 " %s", f->points_to, f->target_type);
			fputc('\n', out);
		}
		if (v->fields_left_out)
			fprintf(out, "  … %zu more\n", v->fields_left_out);
		return; // the fields said what the words would
	}
	fprintf(out, "first words:\n");
	for (size_t w = 0; w < v->nwords; w++) {
		const struct cnr_object_word *o = &v->words[w];
		fprintf(out, "  +%-4zu 0x%016" PRIx64, 8 * w, o->value);
		if (o->points)
			fprintf(out, "  -> 0x%" PRIx64 " %s (%" PRIu64 " bytes)", o->target, o->target_type, o->target_size);
		fputc('\n', out);
	}
}

// The slice and substring waste, text.
static void text_waste(const struct cnr_object_waste *w, FILE *out)
{
	char line[512];
	if (w && w->has_slice && w->slice.wasted) {
		cnr_slice_waste_text(&w->slice, line, sizeof(line));
		fprintf(out, "slice: %s (%s)\n", line, w->slice_root->name);
	}
	if (w && w->has_substrings && w->substrings.wasted) {
		cnr_substring_waste_text(&w->substrings, "keys", line, sizeof(line));
		fprintf(out, "substrings: %s\n", line);
	}
}

static void json_waste(struct cnr_json *j, const struct cnr_object_waste *w)
{
	cnr_json_key(j, "slice");
	if (w && w->has_slice)
		cnr_slice_waste_json(j, &w->slice);
	else
		cnr_json_null(j);
	cnr_json_key(j, "substrings");
	if (w && w->has_substrings)
		cnr_substring_waste_json(j, &w->substrings);
	else
		cnr_json_null(j);
}

void cnr_object_report(const struct cnr_object_view *v, const struct cnr_object_alloc *alloc,
		       const struct cnr_object_waste *waste, bool json, FILE *out)
{
	if (json) {
		json_report(v, alloc, waste, out);
	} else {
		text_report(v, out);
		text_waste(waste, out);
		text_alloc(alloc, out);
	}
}
