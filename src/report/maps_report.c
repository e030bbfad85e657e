#include "report/maps_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/bfs_tree.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "analysis/retention_path.h"
#include "report/json_writer.h"
#include "report/map_report.h"
#include "util/vector.h"

enum { SHOWN_VALUE_TYPES = 3 };

static void json_row(struct cnr_json *j, const struct cnr_heap_graph *hg, const struct cnr_map_row *r,
		     const struct cnr_map_info *mi, const struct cnr_map_summary *sum, const char *root,
		     const char *root_kind, const char *path)
{
	char tname[256];
	cnr_heap_graph_type_name(hg, r->id, tname, sizeof(tname));
	cnr_json_begin_object(j);
	cnr_json_key(j, "addr");
	cnr_json_hex(j, r->addr);
	cnr_json_key(j, "type");
	cnr_json_string(j, tname);
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
	cnr_json_string(j, root);
	cnr_json_key(j, "root_kind");
	cnr_json_string(j, root_kind);
	cnr_json_key(j, "path");
	cnr_json_string(j, path);
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

struct cnr_error *cnr_maps_report(struct cnr_program *prog, const struct cnr_heap_graph *hg,
				  const struct cnr_maps_opts *opts, FILE *out)
{
	struct cnr_map_row *rows;
	size_t n;
	struct cnr_error *err = cnr_heap_maps(hg, opts->type, &rows, &n);
	if (err)
		return err;
	size_t shown = opts->top && opts->top < n ? opts->top : n;
	struct cnr_bfs_tree tree = { 0 };
	if (shown && (err = cnr_graph_bfs_tree(hg->graph, &tree))) {
		free(rows);
		return err;
	}
	uint64_t total_retained = 0;
	for (size_t i = 0; i < n; i++)
		total_retained += rows[i].retained;
	struct cnr_json j;
	if (opts->json) {
		cnr_json_init(&j, out);
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "maps");
		cnr_json_uint(&j, n);
		cnr_json_key(&j, "shown");
		cnr_json_uint(&j, shown);
		cnr_json_key(&j, "rows");
		cnr_json_begin_array(&j);
	} else {
		fprintf(out, "%zu live maps%s%s, retaining %" PRIu64 " bytes in all (nested maps count in their parents too)\n",
			n, opts->type ? " of type " : "", opts->type ? opts->type : "", total_retained);
		fprintf(out, "%-14s %10s %14s %14s  %-36s %s\n", "ADDR", "LEN", "SHALLOW", "RETAINED", "TYPE", "CAPACITY / PATH");
	}
	char path[2048];
	for (size_t i = 0; i < shown; i++) {
		const struct cnr_map_row *r = &rows[i];
		struct cnr_map_summary sum;
		struct cnr_error *werr = cnr_map_summarize(prog, hg->heap.types, r->addr, r->map_rtype, &sum);
		if (werr) {
			// A damaged map: say so and show what the graph knows.
			cnr_warn_error(prog->ctx, cnr_error_wrap(werr, "map at 0x%" PRIx64, r->addr));
			memset(&sum, 0, sizeof(sum));
		}
		const struct cnr_map_info mi = sum.info;
		cnr_format_retention_path(prog, hg, &tree, r->id, path, sizeof(path));
		const struct cnr_root *root =
			tree.parent[r->id] != CNR_BFS_UNREACHED
				? &hg->roots.v[cnr_graph_root(hg->graph, tree.root_entry[r->id]).label]
				: NULL;
		if (opts->json) {
			json_row(&j, hg, r, &mi, &sum, root ? root->name : "", root ? cnr_root_kind_name(root->kind) : "", path);
		} else {
			char tname[256], capacity[128];
			cnr_heap_graph_type_name(hg, r->id, tname, sizeof(tname));
			capacity_text(&mi, capacity, sizeof(capacity));
			fprintf(out, "0x%012" PRIx64 " %10" PRIu64 " %14" PRIu64 " %14" PRIu64 "  %-36s %s\n", r->addr, mi.len,
				r->shallow, r->retained, tname, capacity);
			fprintf(out, "%*s held by %s\n", 15, "", path);
			if (sum.nvalue_types) {
				fprintf(out, "%*s values ", 15, "");
				for (size_t k = 0; k < sum.nvalue_types && k < SHOWN_VALUE_TYPES; k++) {
					char name[256];
					cnr_map_escape_text(sum.value_types[k].name, name, sizeof(name));
					fprintf(out, "%s%" PRIu64 " %s", k ? ", " : "", sum.value_types[k].count, name);
				}
				fprintf(out, "%s\n", sum.nvalue_types > SHOWN_VALUE_TYPES ? ", …" : "");
			}
		}
		if (!werr)
			cnr_map_summary_deinit(&sum);
	}
	if (opts->json) {
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
		fputc('\n', out);
	} else if (shown < n) {
		fprintf(out, "… %zu more maps (--top 0 shows all)\n", n - shown);
	}
	cnr_bfs_tree_deinit(&tree);
	free(rows);
	return NULL;
}
