// `coroner map ADDR` in text and JSON: header facts, value types, key
// prefixes and clusters, nesting, and the entries shown, all from the
// map's contents (analysis/map_contents.h).
#include "report/map_report.h"

#include <inttypes.h>
#include <string.h>

#include "report/alloc_sites_report.h"
#include "report/json_writer.h"
#include "report/waste_text.h"

enum { ESCAPED = 256 * 8 + 16 }; // a key or pattern of up to 256 bytes, escaped
enum { SHOWN_SITES = 5 };         // allocation sites of what the map retains

static const char *sort_name(enum cnr_map_sort s)
{
	return s == CNR_MAP_SORT_RETAINED ? "retained" : s == CNR_MAP_SORT_KEY ? "key" : "walk";
}

static void json_counts(struct cnr_json *j, const char *key, const struct cnr_map_count *v, size_t n)
{
	cnr_json_key(j, key);
	cnr_json_begin_object(j);
	for (size_t i = 0; v && i < n; i++) {
		cnr_json_key(j, v[i].name);
		cnr_json_uint(j, v[i].count);
	}
	cnr_json_end_object(j);
}

static void json_clusters(const struct cnr_map_contents *mc, struct cnr_json *j)
{
	cnr_json_key(j, "key_clusters");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < mc->nclusters; i++) {
		const struct cnr_map_cluster *cl = &mc->clusters[i];
		cnr_json_begin_object(j);
		cnr_json_key(j, "pattern");
		cnr_json_string(j, cl->pattern);
		cnr_json_key(j, "count");
		cnr_json_uint(j, cl->count);
		cnr_json_key(j, "key_bytes");
		cnr_json_uint(j, cl->key_bytes);
		if (mc->has_retained) {
			cnr_json_key(j, "retained_bytes");
			cnr_json_uint(j, cl->retained);
		}
		if (!mc->redacted) {
			cnr_json_key(j, "sample");
			cnr_json_string(j, cl->sample);
		}
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

static void json_entry(const struct cnr_map_contents *mc, struct cnr_json *j, const struct cnr_map_entry_view *e)
{
	cnr_json_begin_object(j);
	cnr_json_key(j, "key");
	cnr_json_string(j, e->key);
	cnr_json_key(j, "value_type");
	cnr_json_string(j, e->value_type);
	cnr_json_key(j, "value");
	cnr_json_hex(j, e->value_addr);
	cnr_json_key(j, "content");
	cnr_json_string(j, e->value);
	if (e->has_data) {
		cnr_json_key(j, "data");
		cnr_json_hex(j, e->data);
		cnr_json_key(j, "len");
		cnr_json_uint(j, e->len);
	}
	if (mc->has_retained) {
		cnr_json_key(j, "retained_bytes");
		if (e->retained == UINT64_MAX)
			cnr_json_null(j);
		else
			cnr_json_uint(j, e->retained);
	}
	cnr_json_key(j, "depth");
	cnr_json_uint(j, e->depth);
	cnr_json_key(j, "leaves");
	cnr_json_uint(j, e->leaves);
	if (e->capped) {
		cnr_json_key(j, "nesting_capped");
		cnr_json_bool(j, true);
	}
	cnr_json_end_object(j);
}

static void json_report(const struct cnr_map_contents *mc, FILE *out)
{
	const struct cnr_map_info *info = &mc->info;
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "addr");
	cnr_json_hex(&j, info->addr);
	cnr_json_key(&j, "type");
	cnr_json_string(&j, info->type->name);
	cnr_json_key(&j, "len");
	cnr_json_uint(&j, info->len);
	cnr_json_key(&j, "entries");
	cnr_json_uint(&j, info->entries);
	cnr_json_key(&j, "impl");
	cnr_json_string(&j, info->swiss ? "swiss" : "hmap");
	if (info->swiss) {
		cnr_json_key(&j, "dir_len");
		cnr_json_uint(&j, info->dir_len);
		cnr_json_key(&j, "tables");
		cnr_json_uint(&j, info->tables);
		cnr_json_key(&j, "groups");
		cnr_json_uint(&j, info->groups);
		cnr_json_key(&j, "tombstones");
		cnr_json_uint(&j, info->tombstones);
	} else {
		cnr_json_key(&j, "B");
		cnr_json_uint(&j, info->B);
		cnr_json_key(&j, "noverflow");
		cnr_json_uint(&j, info->noverflow);
		cnr_json_key(&j, "overflow_buckets");
		cnr_json_uint(&j, info->overflow_buckets);
		cnr_json_key(&j, "growing");
		cnr_json_bool(&j, info->growing);
	}
	cnr_json_key(&j, "redacted");
	cnr_json_bool(&j, mc->redacted);
	if (mc->has_retained) {
		cnr_json_key(&j, "shallow_bytes");
		cnr_json_uint(&j, mc->shallow_bytes);
		cnr_json_key(&j, "retained_bytes");
		cnr_json_uint(&j, mc->retained_bytes);
		cnr_json_key(&j, "entries_retained_bytes");
		cnr_json_uint(&j, mc->entries_retained_bytes);
	}
	json_counts(&j, "value_types", mc->value_types, mc->nvalue_types);
	if (mc->key_texts) {
		json_counts(&j, "key_prefixes", mc->key_prefixes, mc->nkey_prefixes);
		json_clusters(mc, &j);
	}
	if (mc->has_retained) {
		cnr_json_key(&j, "substrings");
		cnr_substring_waste_json(&j, &mc->substrings);
	}
	cnr_json_key(&j, "nesting");
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "nested_entries");
	cnr_json_uint(&j, mc->nested_entries);
	cnr_json_key(&j, "max_depth");
	cnr_json_uint(&j, mc->max_depth);
	cnr_json_key(&j, "depths");
	cnr_json_begin_object(&j);
	for (unsigned d = 0; d <= CNR_MAP_MAX_NEST_DEPTH + 1; d++) {
		if (!mc->depths[d])
			continue;
		char name[16];
		snprintf(name, sizeof(name), "%u", d);
		cnr_json_key(&j, name);
		cnr_json_uint(&j, mc->depths[d]);
	}
	cnr_json_end_object(&j);
	cnr_json_key(&j, "capped_entries");
	cnr_json_uint(&j, mc->capped_entries);
	cnr_json_end_object(&j);
	if (mc->join) {
		cnr_json_key(&j, "alloc_sites");
		cnr_alloc_sites_json(&j, mc->join, mc->sites, mc->nsites, SHOWN_SITES);
	}
	cnr_json_key(&j, "sort");
	cnr_json_string(&j, sort_name(mc->sort));
	cnr_json_key(&j, "sample");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < mc->nentries; i++)
		json_entry(mc, &j, &mc->entries[i]);
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
}

static void text_counts(FILE *out, const char *title, const struct cnr_map_count *v, size_t n)
{
	char esc[ESCAPED];
	fprintf(out, "%s:\n", title);
	for (size_t i = 0; v && i < n; i++) {
		// Keys are the program's bytes: no control characters to the terminal.
		cnr_map_escape_text(v[i].name, esc, sizeof(esc));
		fprintf(out, "  %10" PRIu64 "  %s\n", v[i].count, esc);
	}
}

static void text_clusters(const struct cnr_map_contents *mc, FILE *out)
{
	char esc[ESCAPED];
	fprintf(out, "key clusters:\n");
	for (size_t i = 0; i < mc->nclusters; i++) {
		const struct cnr_map_cluster *cl = &mc->clusters[i];
		cnr_map_escape_text(cl->pattern, esc, sizeof(esc));
		fprintf(out, "  %10" PRIu64 "  %-24s %" PRIu64 " key bytes", cl->count, esc, cl->key_bytes);
		if (mc->has_retained)
			fprintf(out, ", retains %" PRIu64 " bytes", cl->retained);
		if (!mc->redacted) {
			cnr_map_escape_text(cl->sample, esc, sizeof(esc));
			fprintf(out, ", e.g. %s", esc);
		}
		fputc('\n', out);
	}
}

static void text_report(const struct cnr_map_contents *mc, FILE *out)
{
	const struct cnr_map_info *info = &mc->info;
	fprintf(out, "map 0x%" PRIx64 " %s: len %" PRIu64 " (%" PRIu64 " entries walked)%s\n", info->addr,
		info->type->name, info->len, info->entries, mc->redacted ? ", contents redacted" : "");
	if (info->swiss)
		fprintf(out, "swiss: directory %" PRIu64 ", %" PRIu64 " tables, %" PRIu64 " groups, %" PRIu64
			     " tombstones\n",
			info->dir_len, info->tables, info->groups, info->tombstones);
	else
		fprintf(out, "buckets: 2^%u, %" PRIu64 " overflow buckets%s\n", info->B, info->overflow_buckets,
			info->growing ? ", growing (oldbuckets not yet evacuated)" : "");
	if (mc->has_retained)
		fprintf(out, "retained: %" PRIu64 " bytes (the map; %" PRIu64 " of them its own: header and internals), %" PRIu64
			     " bytes of it go with single entries\n",
			mc->retained_bytes, mc->shallow_bytes, mc->entries_retained_bytes);
	if (mc->join)
		cnr_alloc_sites_text(mc->join, mc->sites, mc->nsites, SHOWN_SITES, "", out);
	text_counts(out, "value types", mc->value_types, mc->nvalue_types);
	if (mc->key_texts) {
		text_counts(out, "key prefixes", mc->key_prefixes, mc->nkey_prefixes);
		text_clusters(mc, out);
	}
	if (mc->substrings.wasted) {
		char line[512];
		cnr_substring_waste_text(&mc->substrings, "keys", line, sizeof(line));
		fprintf(out, "substrings: %s\n", line);
	}
	if (mc->nested_entries) {
		fprintf(out, "nesting: %" PRIu64 " entries hold maps or slices of values, max depth %" PRIu64 "\n",
			mc->nested_entries, mc->max_depth);
		for (unsigned d = 0; d <= CNR_MAP_MAX_NEST_DEPTH + 1; d++) {
			if (mc->depths[d])
				fprintf(out, "  %10" PRIu64 "  depth %u%s\n", mc->depths[d], d,
					d > CNR_MAP_MAX_NEST_DEPTH ? "+" : "");
		}
		if (mc->capped_entries)
			fprintf(out, "  (%" PRIu64 " entries nest deeper or wider than followed)\n", mc->capped_entries);
	}
	if (!mc->nentries)
		return;
	fprintf(out, "entries (%zu of %" PRIu64 ", by %s):\n", mc->nentries, info->entries,
		mc->sort == CNR_MAP_SORT_RETAINED ? "retained bytes" : mc->sort == CNR_MAP_SORT_KEY ? "key" : "walk order");
	if (mc->has_retained)
		fprintf(out, "  %12s  %5s %6s  %-40s %s\n", "RETAINED", "DEPTH", "LEAVES", "KEY", "VALUE");
	else
		fprintf(out, "  %5s %6s  %-40s %s\n", "DEPTH", "LEAVES", "KEY", "VALUE");
	for (size_t i = 0; i < mc->nentries; i++) {
		const struct cnr_map_entry_view *e = &mc->entries[i];
		if (mc->has_retained) {
			if (e->retained == UINT64_MAX)
				fprintf(out, "  %12s", "?");
			else
				fprintf(out, "  %12" PRIu64, e->retained);
		}
		fprintf(out, "  %5u %6" PRIu32 "%s %-40s %s %s%s%s\n", e->depth, e->leaves, e->capped ? "+" : " ", e->key,
			e->value_type, e->value_quoted ? "\"" : "", e->value, e->value_quoted ? "\"" : "");
	}
}

void cnr_map_report(const struct cnr_map_contents *mc, bool json, FILE *out)
{
	if (json)
		json_report(mc, out);
	else
		text_report(mc, out);
}
