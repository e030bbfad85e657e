// Heap typing by propagation.  A type's pointer words are compiled once
// into a "plan" (word offset, what kind of pointer, what it points to),
// from the DWARF layout: struct fields and arrays flattened, strings,
// slices, interfaces, maps, channels and funcs as leaves.  A breadth-first
// walk then types each object's targets from its own plan, starting with
// what the runtime recorded (malloc headers, largeType) and the roots'
// DWARF types.  The first type an object gets sticks: runtime-recorded
// types come first, so they win.  This file runs the passes (typing_seeds.c,
// typing_propagate.c) and answers the queries; typing_plan.c compiles the
// plans, typing_records.c keeps the records, typing_labels.c names edges.
#include "goruntime/typing_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/heap_objects.h"
#include "graph/reach.h"

struct cnr_error *cnr_heap_typing_build(struct cnr_program *prog, struct cnr_heap_graph *hg)
{
	struct cnr_heap_typing *ty = calloc(1, sizeof(*ty));
	if (!ty)
		return &cnr_enomem;
	hg->typing = ty;
	struct typer tp = { .prog = prog, .hg = hg, .ty = ty };
	struct cnr_error *err = NULL;
	ty->of = calloc(hg->heap.nslots ? hg->heap.nslots : 1, sizeof(*ty->of));
	ty->final = calloc(hg->heap.nslots / 64 + 1, sizeof(*ty->final));
	if (!ty->of || !ty->final || !record_vector_push(&ty->records, (struct record){ .plan = -1 }))
		err = &cnr_enomem;
	if (!err && prog->dwarf)
		err = typing_index_runtime_types(&tp);
	if (!err && prog->dwarf)
		err = typing_index_map_internals(&tp);
	if (!err)
		err = typing_seed_headers(&tp);
	if (!err)
		err = typing_seed_roots(&tp);
	if (!err && !(tp.items = malloc(BATCH * sizeof(*tp.items))))
		err = &cnr_enomem;
	if (!err)
		err = typing_propagate(&tp);
	free(tp.items);
	id_vector_deinit(&tp.queue);
	free(tp.buf);
	if (err) {
		cnr_heap_typing_release(hg);
		return err;
	}
	for (uint64_t id = 0; id < hg->heap.nslots; id++) {
		if (!ty->of[id] || !cnr_graph_is_reachable(hg->graph, (uint32_t)id))
			continue;
		hg->typed_live_objects++;
		hg->typed_live_bytes += cnr_graph_size(hg->graph, (uint32_t)id);
	}
	return NULL;
}

struct cnr_error *cnr_typed_heap_graph_build(struct cnr_program *prog, struct cnr_heap_graph *ret)
{
	struct cnr_error *err = cnr_heap_graph_build(prog, ret);
	if (!err && (err = cnr_heap_typing_build(prog, ret)))
		cnr_heap_graph_deinit(ret);
	return err;
}

void cnr_typed_heap_graph_deinit(struct cnr_heap_graph *hg)
{
	cnr_heap_typing_release(hg);
	cnr_heap_graph_deinit(hg);
}

void cnr_heap_typing_release(struct cnr_heap_graph *hg)
{
	struct cnr_heap_typing *ty = hg->typing;
	if (!ty)
		return;
	hg->typing = NULL;
	hg->typed_live_objects = hg->typed_live_bytes = 0;
	free(ty->of);
	free(ty->final);
	record_vector_deinit(&ty->records);
	entry_vector_deinit(&ty->entries);
	plan_vector_deinit(&ty->plans);
	u64_u32_map_deinit(&ty->plan_of);
	u64_u32_map_deinit(&ty->record_of);
	u64_u64_map_deinit(&ty->dwarf_of);
	u64_u64_map_deinit(&ty->itab_type);
	cnr_string_pool_deinit(&ty->names);
	free(ty);
}

// --- Queries ---------------------------------------------------------

const struct cnr_obj_type *cnr_heap_graph_type(const struct cnr_heap_graph *hg, uint32_t id)
{
	const struct cnr_heap_typing *ty = hg->typing;
	if (!ty || id >= hg->heap.nslots || ty->of[id] == NO_RECORD)
		return NULL;
	return &ty->records.data[ty->of[id]].t;
}

void cnr_heap_graph_type_name(const struct cnr_heap_graph *hg, uint32_t id, char *buf, size_t len)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, id);
	uint64_t addr, size;
	cnr_heap_graph_slot(hg, id, &addr, &size);
	if (!t) {
		snprintf(buf, len, "unknown (%" PRIu64 " bytes)", size);
	} else if (t->shape == CNR_SHAPE_ARRAY && t->elem_size) {
		const struct cnr_heap_span *s = cnr_heap_span_of(&hg->heap, addr);
		if (s && hg->header_min && s->sizeclass && !s->noscan && s->elemsize > hg->header_min)
			size -= 8;
		snprintf(buf, len, "[%" PRIu64 "]%s", size / t->elem_size, t->name + strlen(ARRAY_PREFIX));
	} else {
		snprintf(buf, len, "%s", t->name);
	}
}
