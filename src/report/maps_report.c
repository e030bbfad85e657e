// `coroner maps` (see maps_report.h).
#include "report/maps_report.h"

#include <inttypes.h>
#include <string.h>

#include "report/alloc_sites_report.h"

enum { SHOWN_VALUE_TYPES = 3, SHOWN_SITES = 3 };

static void json_row(struct cnr_json *j, const struct cnr_maps_entry *e, const struct cnr_alloc_join *join)
{
	const struct cnr_map_row *r = e->row;
	const struct cnr_map_info *mi = &e->sum.info;
	const struct cnr_map_summary *sum = &e->sum;
	cnr_json_begin_object(j);
	cnr_json_key(j, "addr");
	cnr_json_hex(j, r->addr);
	cnr_json_key(j, "type");
	cnr_json_string(j, e->type);
	cnr_json_key(j, "len");
	cnr_json_uint(j, mi->len);
	cnr_json_key(j, "entries");
	cnr_json_uint(j, mi->entries);
	cnr_json_key(j, "impl");
	cnr_json_string(j, mi->swiss ? "swiss" : "hmap");
	if (mi->swiss) {
		const struct { const char *k; uint64_t v; } kv[] = {
			{ "dir_len", mi->dir_len }, { "tables", mi->tables }, { "groups", mi->groups },
			{ "tombstones", mi->tombstones },
		};
		for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
			cnr_json_key(j, kv[i].k);
			cnr_json_uint(j, kv[i].v);
		}
	} else {
		const struct { const char *k; uint64_t v; } kv[] = {
			{ "B", mi->B }, { "buckets", 1ULL << (mi->B < 63 ? mi->B : 0) }, { "noverflow", mi->noverflow },
			{ "overflow_buckets", mi->overflow_buckets },
		};
		for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
			cnr_json_key(j, kv[i].k);
			cnr_json_uint(j, kv[i].v);
		}
		cnr_json_key(j, "growing");
		cnr_json_bool(j, mi->growing);
	}
	cnr_json_key(j, "value_types");
	cnr_json_begin_object(j);
	for (size_t k = 0; k < sum->nvalue_types; k++) {
		cnr_json_key(j, sum->value_types[k].name);
		cnr_json_uint(j, sum->value_types[k].count);
	}
	cnr_json_end_object(j);
	cnr_json_key(j, "shallow");
	cnr_json_uint(j, r->shallow);
	cnr_json_key(j, "retained");
	cnr_json_uint(j, r->retained);
	cnr_json_key(j, "root");
	cnr_json_string(j, e->root ? e->root->name : "");
	cnr_json_key(j, "root_kind");
	cnr_json_string(j, e->root ? cnr_root_kind_name(e->root->kind) : "");
	cnr_json_key(j, "path");
	cnr_json_string(j, e->path);
	if (join) {
		cnr_json_key(j, "alloc_sites");
		cnr_alloc_sites_json(j, join, e->sites, e->nsites, SHOWN_SITES);
	}
	cnr_json_end_object(j);
}

// "B 5, overflow 3, growing" / "dir 32, tables 36, groups 1152, tombstones 12"
static void capacity_text(const struct cnr_map_info *mi, char *buf, size_t len)
{
	if (mi->swiss && !mi->dir_len)
		snprintf(buf, len, "small: groups 1, tombstones %" PRIu64, mi->tombstones);
	else if (mi->swiss)
		snprintf(buf, len, "dir %" PRIu64 ", tables %" PRIu64 ", groups %" PRIu64 ", tombstones %" PRIu64,
			 mi->dir_len, mi->tables, mi->groups, mi->tombstones);
	else
		snprintf(buf, len, "B %u, overflow %" PRIu64 "%s", mi->B, mi->overflow_buckets,
			 mi->growing ? ", growing" : "");
}

void cnr_maps_report_begin(struct cnr_maps_writer *w, const struct cnr_maps_list *l, const char *type, bool json,
			   FILE *out)
{
	*w = (struct cnr_maps_writer){ .out = out, .json = json, .join = l->join };
	if (json) {
		cnr_json_init(&w->j, out);
		cnr_json_begin_object(&w->j);
		cnr_json_key(&w->j, "maps");
		cnr_json_uint(&w->j, l->n);
		cnr_json_key(&w->j, "shown");
		cnr_json_uint(&w->j, l->shown);
		cnr_json_key(&w->j, "rows");
		cnr_json_begin_array(&w->j);
		return;
	}
	fprintf(out, "%zu live maps%s%s, retaining %" PRIu64 " bytes in all (nested maps count in their parents too)\n",
		l->n, type ? " of type " : "", type ? type : "", l->total_retained);
	fprintf(out, "%-14s %10s %14s %14s  %-36s %s\n", "ADDR", "LEN", "SHALLOW", "RETAINED", "TYPE", "CAPACITY / PATH");
}

void cnr_maps_report_row(struct cnr_maps_writer *w, const struct cnr_maps_entry *e)
{
	if (w->json) {
		json_row(&w->j, e, w->join);
		return;
	}
	FILE *out = w->out;
	const struct cnr_map_row *r = e->row;
	const struct cnr_map_summary *sum = &e->sum;
	char capacity[128];
	capacity_text(&sum->info, capacity, sizeof(capacity));
	fprintf(out, "0x%012" PRIx64 " %10" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %-36s %s\n", r->addr, sum->info.len,
		r->shallow, r->retained, e->type, capacity);
	fprintf(out, "%*s held by %s\n", 15, "", e->path);
	if (sum->nvalue_types) {
		fprintf(out, "%*s values ", 15, "");
		for (size_t k = 0; k < sum->nvalue_types && k < SHOWN_VALUE_TYPES; k++) {
			char name[256];
			cnr_map_escape_text(sum->value_types[k].name, name, sizeof(name));
			fprintf(out, "%s%" PRIu64 " %s", k ? ", " : "", sum->value_types[k].count, name);
		}
		fprintf(out, "%s\n", sum->nvalue_types > SHOWN_VALUE_TYPES ? ", …" : "");
	}
	// What it retains was allocated there: only maps holding sampled objects.
	if (w->join && w->join->sites && e->nsites)
		cnr_alloc_sites_text(w->join, e->sites, e->nsites, SHOWN_SITES, "                ", out);
}

void cnr_maps_report_end(struct cnr_maps_writer *w, const struct cnr_maps_list *l)
{
	if (w->json) {
		cnr_json_end_array(&w->j);
		cnr_json_end_object(&w->j);
		fputc('\n', w->out);
	} else {
		if (l->shown < l->n)
			fprintf(w->out, "… %zu more maps (--top 0 shows all)\n", l->n - l->shown);
		if (w->join && !w->join->sites)
			fprintf(w->out, "allocation sites: none known: %s\n", w->join->absence);
	}
}
