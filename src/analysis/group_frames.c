// What a goroutine group's frames hold (see group_frames.h).
#include "analysis/group_frames.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/goroutine_roots.h"
#include "goruntime/typing.h"
#include "util/hash_map.h"
#include "util/vector.h"

DEFINE_HASH_MAP(place_map, const char *, uint32_t, cnr_hash_string, cnr_eq_string)

struct place_set {
	size_t suspect;   // index into the groups asked about
	struct cnr_frame_hold hold;
};

DEFINE_VECTOR(set_vector, struct place_set)

static int cmp_hold(const void *a, const void *b)
{
	const struct cnr_frame_hold *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	if (x->goroutines != y->goroutines)
		return x->goroutines > y->goroutines ? -1 : 1;
	return strcmp(x->place, y->place);
}

struct cnr_error *cnr_group_frames_build(struct cnr_heap_graph *hg, const struct cnr_goroutine_groups *gg,
					 const uint32_t *groups, size_t n, struct cnr_group_frames *ret)
{
	const struct cnr_graph *g = hg->graph;
	uint32_t R = cnr_graph_root_count(g);
	size_t ng = gg->ngroups;
	memset(ret, 0, n * sizeof(*ret));
	uint32_t *suspect_of = malloc((ng ? ng : 1) * sizeof(*suspect_of));
	uint32_t *set_of_entry = malloc(((size_t)R + 1) * sizeof(*set_of_entry));
	uint32_t *last_goroutine = NULL;
	struct place_map *places = calloc(n ? n : 1, sizeof(*places));
	struct set_vector sets = { 0 };
	uint64_t *retained = NULL;
	struct cnr_error *err = suspect_of && set_of_entry && places ? NULL : &cnr_enomem;
	for (size_t i = 0; !err && i < ng; i++)
		suspect_of[i] = UINT32_MAX;
	for (size_t i = 0; !err && i < n; i++)
		suspect_of[groups[i]] = (uint32_t)i;
	// One set per (group, place); each goroutine counted once per place.
	for (uint32_t e = 0; !err && e < R; e++) {
		struct cnr_graph_root gr = cnr_graph_root(g, e);
		const struct cnr_root *r = &hg->roots.v[gr.label];
		uint32_t k = cnr_goroutine_of_root(r);
		set_of_entry[e] = UINT32_MAX;
		if (k >= hg->gs.ngs || suspect_of[gg->group_of[k]] == UINT32_MAX)
			continue;
		size_t si = suspect_of[gg->group_of[k]];
		const char *place = r->frame_slot ? r->frame_slot : cnr_root_kind_name(r->kind);
		uint32_t *id = place_map_get(&places[si], place);
		if (!id) {
			bool inserted;
			if (!(id = place_map_insert(&places[si], place, &inserted)) ||
			    !set_vector_push(&sets, (struct place_set){ si, { place, 0, 0, gr.node, "" } })) {
				err = &cnr_enomem;
				break;
			}
			*id = (uint32_t)(sets.size - 1);
		}
		set_of_entry[e] = *id;
	}
	// Goroutines per place: entries of one goroutine come together (the
	// roots are made goroutine by goroutine), so a change of goroutine
	// within a set's entries is a new one.
	if (!err && !(last_goroutine = malloc((sets.size ? sets.size : 1) * sizeof(*last_goroutine))))
		err = &cnr_enomem;
	for (size_t i = 0; !err && i < sets.size; i++)
		last_goroutine[i] = UINT32_MAX;
	for (uint32_t e = 0; !err && e < R; e++) {
		uint32_t s = set_of_entry[e];
		if (s == UINT32_MAX)
			continue;
		uint32_t k = cnr_goroutine_of_root(&hg->roots.v[cnr_graph_root(g, e).label]);
		if (last_goroutine[s] != k)
			sets.data[s].hold.goroutines++;
		last_goroutine[s] = k;
	}
	if (!err && !(retained = malloc((sets.size ? sets.size : 1) * sizeof(*retained))))
		err = &cnr_enomem;
	for (uint32_t e = 0; !err && e < R; e++) {
		if (set_of_entry[e] == UINT32_MAX)
			set_of_entry[e] = (uint32_t)sets.size; // in no set
	}
	if (!err)
		err = cnr_root_entry_sets_retained(hg->graph, set_of_entry, (uint32_t)sets.size, retained);
	for (size_t i = 0; !err && i < sets.size; i++) {
		struct place_set *ps = &sets.data[i];
		ps->hold.retained = retained[i];
		cnr_heap_graph_type_name(hg, ps->hold.node, ps->hold.type, sizeof(ps->hold.type));
		struct cnr_group_frames *f = &ret[ps->suspect];
		struct cnr_frame_hold *h = realloc(f->holds, (f->n + 1) * sizeof(*h));
		if (!h) {
			err = &cnr_enomem;
			break;
		}
		f->holds = h;
		f->holds[f->n++] = ps->hold;
	}
	for (size_t i = 0; !err && i < n; i++) {
		if (ret[i].n)
			qsort(ret[i].holds, ret[i].n, sizeof(*ret[i].holds), cmp_hold);
	}
	for (size_t i = 0; places && i < n; i++)
		place_map_deinit(&places[i]);
	free(places);
	free(suspect_of);
	free(set_of_entry);
	free(last_goroutine);
	free(retained);
	set_vector_deinit(&sets);
	if (err) {
		for (size_t i = 0; i < n; i++)
			cnr_group_frames_deinit(&ret[i]);
	}
	return err;
}

void cnr_group_frames_deinit(struct cnr_group_frames *f)
{
	free(f->holds);
	f->holds = NULL;
	f->n = 0;
}
