// Wasted retention written out (see waste_text.h).
#include "report/waste_text.h"

#include <inttypes.h>
#include <stdio.h>

#include "report/dot_writer.h"

void cnr_slice_waste_text(const struct cnr_slice_waste *w, char *buf, size_t len)
{
	char a[32];
	uint64_t beyond = w->cap - w->len;
	cnr_dot_format_bytes(w->wasted, a, sizeof(a));
	snprintf(buf, len, "len %" PRIu64 " of cap %" PRIu64 ": %" PRIu64 " element%s (%s) kept beyond the slice", w->len,
		 w->cap, beyond, beyond == 1 ? "" : "s", a);
}

void cnr_substring_waste_text(const struct cnr_substring_waste *w, const char *what, char *buf, size_t len)
{
	char lens[64], objs[80], a[32], b[32];
	if (w->min_len == w->max_len)
		snprintf(lens, sizeof(lens), "%" PRIu64 " %" PRIu64 "-byte %s", w->strings, w->min_len, what);
	else
		snprintf(lens, sizeof(lens), "%" PRIu64 " %s of %" PRIu64 "–%" PRIu64 " bytes", w->strings, what,
			 w->min_len, w->max_len);
	cnr_dot_format_bytes(w->min_object, a, sizeof(a));
	if (w->min_object == w->max_object) {
		snprintf(objs, sizeof(objs), "%" PRIu64 " string%s of %s", w->objects, w->objects == 1 ? "" : "s", a);
	} else {
		cnr_dot_format_bytes(w->max_object, b, sizeof(b));
		snprintf(objs, sizeof(objs), "%" PRIu64 " strings of %s–%s", w->objects, a, b);
	}
	cnr_dot_format_bytes(w->wasted, a, sizeof(a));
	snprintf(buf, len, "%s keep%s %s alive (substring): %" PRIu64 " bytes (%s) beyond the %s", lens,
		 w->strings == 1 ? "s" : "", objs, w->wasted, a, what);
}

void cnr_slice_waste_json(struct cnr_json *j, const struct cnr_slice_waste *w)
{
	cnr_json_begin_object(j);
	cnr_json_key(j, "len");
	cnr_json_uint(j, w->len);
	cnr_json_key(j, "cap");
	cnr_json_uint(j, w->cap);
	cnr_json_key(j, "elem_size");
	cnr_json_uint(j, w->elem_size);
	cnr_json_key(j, "wasted_bytes");
	cnr_json_uint(j, w->wasted);
	cnr_json_end_object(j);
}

void cnr_substring_waste_json(struct cnr_json *j, const struct cnr_substring_waste *w)
{
	const struct { const char *k; uint64_t v; } kv[] = {
		{ "strings", w->strings }, { "min_len", w->min_len }, { "max_len", w->max_len },
		{ "objects", w->objects }, { "object_bytes", w->object_bytes }, { "wasted_bytes", w->wasted },
	};
	cnr_json_begin_object(j);
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		cnr_json_key(j, kv[i].k);
		cnr_json_uint(j, kv[i].v);
	}
	cnr_json_end_object(j);
}
