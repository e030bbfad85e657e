// coroner object ADDR: one heap object — its type, size, what it retains,
// who points at it (objects, through which field, and named roots), and
// its fields with their values (or its first words if its type is unknown).
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/alloc_sites.h"
#include "goruntime/heap_graph.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "report/field_view.h"
#include "report/alloc_sites_report.h"
#include "report/json_writer.h"

const char *const object_usage[] = {
	"coroner object ADDR [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

enum { SHOWN_WORDS = 16, SHOWN_FIELDS = 64, SHOWN_ELEMS = 8, SHOWN_SITES = 5 };

struct stack_out {
	struct cnr_json *j; // NULL: text
};

static void print_frame(void *arg, const char *frame)
{
	struct stack_out *o = arg;
	if (o->j)
		cnr_json_string(o->j, frame);
	else
		printf("  %s\n", frame);
}

// Where the object was allocated (when the heap profile sampled it) and
// the allocation sites of the sampled objects it retains.
static void alloc_info(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t id, uint64_t addr,
		       bool live, struct cnr_json *j)
{
	struct cnr_alloc_join join;
	struct cnr_error *err = cnr_alloc_join_load(prog, hg, &join);
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "allocation sites"));
		return;
	}
	int64_t r = join.sites ? cnr_mprof_sample_record(&join.mp, addr) : -1;
	struct stack_out out = { j };
	if (j) {
		cnr_json_key(j, "allocated_at");
		if (r < 0) {
			cnr_json_null(j);
		} else {
			cnr_json_begin_array(j);
			cnr_alloc_sites_stack(join.sites, (uint32_t)r, print_frame, &out);
			cnr_json_end_array(j);
		}
	} else if (join.absence) {
		printf("allocated at: unknown: %s\n", join.absence);
	} else if (r < 0) {
		printf("allocated at: not sampled by the heap profile (MemProfileRate %" PRId64 ")\n", join.mp.rate);
	} else {
		printf("allocated at (the heap profile sampled it):\n");
		cnr_alloc_sites_stack(join.sites, (uint32_t)r, print_frame, &out);
	}
	struct cnr_alloc_site *sites = NULL;
	size_t n = 0;
	if (join.sites && live && (err = cnr_alloc_sites_retained_by(join.sites, id, &sites, &n)))
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "allocation sites"));
	if (j) {
		cnr_json_key(j, "retained_alloc_sites");
		cnr_alloc_sites_json(j, &join, sites, n, SHOWN_SITES);
	} else if (join.sites && live) {
		printf("what it retains, by allocation site:\n");
		cnr_alloc_sites_text(&join, sites, n, SHOWN_SITES, "  ", stdout);
	}
	free(sites);
	cnr_alloc_join_deinit(&join);
}

struct field_out {
	struct cnr_json *j; // NULL: text
};

static void print_field(void *arg, const struct cnr_field_view *f)
{
	struct field_out *o = arg;
	if (o->j) {
		cnr_json_begin_object(o->j);
		cnr_json_key(o->j, "path");
		cnr_json_string(o->j, f->path);
		cnr_json_key(o->j, "type");
		cnr_json_string(o->j, f->type);
		cnr_json_key(o->j, "value");
		cnr_json_string(o->j, f->value);
		if (f->points_to) {
			cnr_json_key(o->j, "points_to");
			cnr_json_hex(o->j, f->points_to);
			cnr_json_key(o->j, "points_to_type");
			cnr_json_string(o->j, f->target_type);
		}
		cnr_json_end_object(o->j);
		return;
	}
	printf("  %-24s %-28s %s", f->path, f->type, f->value);
	if (f->points_to)
		printf("  -> 0x%" PRIx64 " %s", f->points_to, f->target_type);
	putchar('\n');
}

// The fields of object id: its elements if it is an array, else its value.
static size_t view_object(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint32_t id, uint64_t addr,
			  uint64_t size, struct field_out *out)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, id);
	const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
	uint64_t base = addr, len = size;
	if (s && hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min) {
		base += 8; // the malloc header
		len -= 8;
	}
	size_t left = 0;
	if (t->shape == CNR_SHAPE_ARRAY && t->elem_size) {
		uint64_t n = len / t->elem_size;
		for (uint64_t i = 0; i < n && i < SHOWN_ELEMS; i++) {
			char prefix[32];
			snprintf(prefix, sizeof(prefix), "[%" PRIu64 "]", i);
			left += cnr_view_fields(prog, hg, t->dwarf, base + i * t->elem_size, prefix,
						SHOWN_FIELDS / SHOWN_ELEMS, print_field, out);
		}
		if (n > SHOWN_ELEMS)
			left += n - SHOWN_ELEMS;
		return left;
	}
	return cnr_view_fields(prog, hg, t->dwarf, base, "", SHOWN_FIELDS, print_field, out);
}

static int object_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	uint64_t want = *(uint64_t *)arg;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	uint64_t id = cnr_heap_graph_object(&hg, want);
	const uint32_t *preds = NULL;
	uint32_t npreds = 0;
	if (id == UINT64_MAX)
		err = cnr_error_create(CNR_ERROR_NOT_FOUND, "0x%" PRIx64 " is not in an allocated heap object", want);
	else
		err = cnr_graph_predecessors(hg.graph, (uint32_t)id, &preds, &npreds);
	if (err) {
		cnr_heap_graph_deinit(&hg);
		return cnr_cli_fail(err);
	}
	uint64_t addr, size;
	cnr_heap_graph_slot(&hg, id, &addr, &size);
	bool live = cnr_graph_is_reachable(hg.graph, (uint32_t)id);
	uint64_t retained = live ? cnr_graph_retained(hg.graph, (uint32_t)id) : 0;
	uint64_t words[SHOWN_WORDS] = { 0 };
	size_t nwords = size / 8 < SHOWN_WORDS ? size / 8 : SHOWN_WORDS;
	err = cnr_memory_read(&prog->mem, addr, words, nwords * 8);
	if (err) {
		cnr_warn_error(prog->ctx, err);
		nwords = 0;
	}
	const struct cnr_obj_type *type = cnr_heap_graph_type(&hg, (uint32_t)id);
	char tname[256];
	cnr_heap_graph_type_name(&hg, (uint32_t)id, tname, sizeof(tname));
	struct cnr_json j;
	if (opts->json) {
		cnr_json_init(&j, stdout);
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "addr");
		cnr_json_hex(&j, addr);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, tname);
		cnr_json_key(&j, "typed");
		cnr_json_bool(&j, type != NULL);
		cnr_json_key(&j, "size");
		cnr_json_uint(&j, size);
		cnr_json_key(&j, "live");
		cnr_json_bool(&j, live);
		cnr_json_key(&j, "retained");
		cnr_json_uint(&j, retained);
		cnr_json_key(&j, "retainers");
		cnr_json_begin_array(&j);
	} else {
		printf("object 0x%" PRIx64 " %s: %" PRIu64 " bytes, %s, retains %" PRIu64 " bytes\n", addr, tname, size,
		       live ? "live" : "garbage", retained);
		printf("retainers:\n");
	}
	for (uint32_t i = 0; i < npreds; i++) {
		uint64_t pa, ps;
		char pt[256], via[256];
		cnr_heap_graph_slot(&hg, preds[i], &pa, &ps);
		cnr_heap_graph_type_name(&hg, preds[i], pt, sizeof(pt));
		cnr_heap_graph_edge_label(prog, &hg, preds[i], (uint32_t)id, via, sizeof(via));
		if (opts->json) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "object");
			cnr_json_hex(&j, pa);
			cnr_json_key(&j, "type");
			cnr_json_string(&j, pt);
			cnr_json_key(&j, "via");
			cnr_json_string(&j, via);
			cnr_json_key(&j, "size");
			cnr_json_uint(&j, ps);
			cnr_json_end_object(&j);
		} else {
			printf("  object 0x%" PRIx64 " %s %s (%" PRIu64 " bytes)\n", pa, pt, via, ps);
		}
	}
	for (size_t i = 0; i < hg.roots.n; i++) {
		if (cnr_heap_graph_object(&hg, hg.roots.v[i].value) != id)
			continue;
		if (opts->json) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "root");
			cnr_json_string(&j, hg.roots.v[i].name);
			cnr_json_key(&j, "kind");
			cnr_json_string(&j, cnr_root_kind_name(hg.roots.v[i].kind));
			cnr_json_end_object(&j);
		} else {
			printf("  root %s (%s)\n", hg.roots.v[i].name, cnr_root_kind_name(hg.roots.v[i].kind));
		}
	}
	if (opts->json)
		cnr_json_end_array(&j);
	struct field_out out = { .j = opts->json ? &j : NULL };
	if (type && type->dwarf) {
		if (opts->json) {
			cnr_json_key(&j, "fields");
			cnr_json_begin_array(&j);
		} else {
			printf("fields:\n");
		}
		size_t left = view_object(prog, &hg, (uint32_t)id, addr, size, &out);
		if (opts->json) {
			cnr_json_end_array(&j);
			cnr_json_key(&j, "fields_left_out");
			cnr_json_uint(&j, left);
		} else if (left) {
			printf("  … %zu more\n", left);
		}
	}
	if (opts->json) {
		cnr_json_key(&j, "words");
		cnr_json_begin_array(&j);
	} else if (type && type->dwarf) {
		nwords = 0; // the fields said it
	} else {
		printf("first words:\n");
	}
	for (size_t w = 0; w < nwords; w++) {
		uint64_t to = words[w] ? cnr_heap_graph_object(&hg, words[w]) : UINT64_MAX;
		uint64_t ta = 0, ts = 0;
		char tn[256] = "";
		if (to != UINT64_MAX) {
			cnr_heap_graph_slot(&hg, to, &ta, &ts);
			cnr_heap_graph_type_name(&hg, (uint32_t)to, tn, sizeof(tn));
		}
		if (opts->json) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "offset");
			cnr_json_uint(&j, 8 * w);
			cnr_json_key(&j, "value");
			cnr_json_hex(&j, words[w]);
			if (to != UINT64_MAX) {
				cnr_json_key(&j, "points_to");
				cnr_json_hex(&j, ta);
				cnr_json_key(&j, "points_to_size");
				cnr_json_uint(&j, ts);
				cnr_json_key(&j, "points_to_type");
				cnr_json_string(&j, tn);
			}
			cnr_json_end_object(&j);
		} else {
			printf("  +%-4zu 0x%016" PRIx64, 8 * w, words[w]);
			if (to != UINT64_MAX)
				printf("  -> 0x%" PRIx64 " %s (%" PRIu64 " bytes)", ta, tn, ts);
			putchar('\n');
		}
	}
	if (opts->json)
		cnr_json_end_array(&j);
	if (live && (err = cnr_graph_compute_dominators(hg.graph)))
		cnr_warn_error(prog->ctx, err);
	else
		alloc_info(prog, &hg, (uint32_t)id, addr, live, opts->json ? &j : NULL);
	if (opts->json)
		cnr_json_end_object(&j);
	cnr_heap_graph_deinit(&hg);
	return CNR_EXIT_OK;
}

int cmd_object(int argc, char **argv)
{
	uint64_t addr;
	int r = cnr_cli_take_addr(argc, argv, object_usage, &addr);
	if (r >= 0)
		return r;
	return cnr_cli_run(argc - 1, argv + 1, object_usage, object_body, &addr);
}
