// The leak model (see leak_model.h): the summary facts, the suspects and
// their descriptions, the goroutines reaching each, the goroutine groups
// and their retained bytes, the top types.
#include "analysis/leak_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/goroutine_reach.h"
#include "analysis/goroutine_roots.h"
#include "analysis/heap_maps.h"
#include "analysis/internals.h"
#include "analysis/retention_path.h"
#include "goruntime/pclntab.h"
#include "goruntime/typing.h"
#include "graph/bfs_tree.h"
#include "graph/dominators.h"
#include "util/vector.h"


// --- suspects ------------------------------------------------------------

static bool is_map_header(const struct cnr_heap_graph *hg, uint32_t node, uint64_t *rtype_ret)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, node);
	if (!t || !t->map_rtype || t->shape != CNR_SHAPE_ONE)
		return false;
	*rtype_ret = t->map_rtype;
	return true;
}

static bool op_is_map_header(void *arg, uint32_t node)
{
	uint64_t rtype;
	return is_map_header(arg, node, &rtype);
}

static uint64_t op_address(void *arg, uint32_t node)
{
	uint64_t addr, size;
	cnr_heap_graph_slot(arg, node, &addr, &size);
	return addr;
}

struct cnr_error *cnr_heap_object_suspects(struct cnr_heap_graph *hg, const struct cnr_graph_dom_tree *t, uint32_t top,
					   struct cnr_suspect_pick *picks, uint32_t *n_ret, struct cnr_map_row **maps_ret,
					   size_t *nmaps_ret)
{
	struct cnr_suspect_ops ops = { op_is_map_header, op_address, hg };
	struct cnr_map_row *maps = NULL;
	size_t nmaps = 0;
	uint32_t *map_nodes = NULL;
	struct cnr_error *err = cnr_heap_maps(hg, NULL, &maps, &nmaps);
	if (!err && !(map_nodes = malloc((nmaps ? nmaps : 1) * sizeof(*map_nodes))))
		err = &cnr_enomem;
	for (size_t i = 0; !err && i < nmaps; i++)
		map_nodes[i] = maps[i].id;
	if (!err)
		err = cnr_select_suspects(hg->graph, t, hg->live_bytes, &ops, map_nodes, nmaps, top, picks, n_ret);
	free(map_nodes);
	if (err || !maps_ret) {
		free(maps);
		maps = NULL;
		nmaps = 0;
	}
	if (maps_ret) {
		*maps_ret = maps;
		*nmaps_ret = nmaps;
	}
	return err;
}

static struct cnr_error *find_suspects(struct cnr_leak_model *m, struct cnr_heap_graph *hg,
				       const struct cnr_graph_dom_tree *t, uint32_t top)
{
	struct cnr_map_row *maps = NULL;
	size_t nmaps = 0;
	uint32_t *map_nodes = NULL, n = 0;
	struct cnr_suspect_pick *picks = malloc((size_t)top * sizeof(*picks));
	m->suspects = calloc(top, sizeof(*m->suspects));
	struct cnr_error *err = picks && m->suspects ? cnr_heap_object_suspects(hg, t, top, picks, &n, &maps, &nmaps)
						   : &cnr_enomem;
	for (uint32_t i = 0; !err && i < n; i++) {
		struct cnr_leak_suspect *s = &m->suspects[m->nsuspects++];
		s->node = picks[i].node;
		s->retained = picks[i].retained;
		s->over_share = picks[i].over_share;
		m->over_share += picks[i].over_share;
		cnr_heap_graph_slot(hg, s->node, &s->addr, &s->size);
		s->shallow = s->size;
		s->is_map = is_map_header(hg, s->node, &s->map_rtype);
		for (size_t k = 0; s->is_map && k < nmaps; k++) {
			if (maps[k].id == s->node)
				s->shallow = maps[k].shallow; // the header and its internals
		}
	}
	free(picks);
	free(map_nodes);
	free(maps);
	return err;
}

static void op_type_name(void *arg, uint32_t node, char *buf, size_t len)
{
	cnr_heap_graph_type_name(arg, node, buf, len);
}

// What a suspect's map summary holds, or a warning when it cannot be read.
static struct cnr_error *summarize_map(struct cnr_program *prog, struct cnr_type_cache *tc,
				       const struct cnr_heap_graph *hg, uint64_t addr, uint64_t rtype,
				       struct cnr_map_summary *ret, bool *ok_ret)
{
	struct cnr_error *e = cnr_map_summarize(prog, tc, hg, addr, rtype, ret);
	*ok_ret = !e;
	if (e == &cnr_enomem)
		return e;
	if (e)
		cnr_warn_error(prog->ctx, cnr_error_wrap(e, "map at 0x%" PRIx64, addr));
	return NULL;
}

// Where s's bytes accumulate below it (analysis/accumulation.h), the way
// there as Go writes it, and the container's map summary.
static struct cnr_error *describe_accumulation(struct cnr_program *prog, struct cnr_heap_graph *hg,
					       const struct cnr_graph_dom_tree *t, struct cnr_type_cache *tc,
					       struct cnr_leak_suspect *s)
{
	struct cnr_suspect_ops sops = { op_is_map_header, op_address, hg };
	struct cnr_accumulation_ops ops = { &sops, op_type_name, hg };
	struct cnr_accumulation a;
	struct cnr_error *err = cnr_accumulation_find(hg->graph, t, &ops, s->node, &a);
	if (err)
		return err;
	uint32_t target = a.container != CNR_GRAPH_NO_NODE ? a.container : a.point;
	if (target == s->node || a.npath < 2)
		return NULL;
	struct cnr_leak_accumulation *acc = &s->acc;
	uint64_t size;
	acc->node = target;
	cnr_heap_graph_slot(hg, target, &acc->addr, &size);
	acc->retained = cnr_graph_retained(hg->graph, target);
	acc->held = a.container != CNR_GRAPH_NO_NODE ? a.held : 0;
	cnr_heap_graph_type_name(hg, target, acc->type, sizeof(acc->type));
	size_t o = 0;
	for (uint32_t i = 1; i < a.npath && o < sizeof(acc->path); i++) {
		char via[256];
		cnr_heap_graph_edge_label(prog, hg, a.path[i - 1], a.path[i], via, sizeof(via));
		o += (size_t)snprintf(acc->path + o, sizeof(acc->path) - o, "%s%s", i > 1 ? " → " : "", via);
	}
	if (a.payload != CNR_GRAPH_NO_NODE)
		snprintf(acc->payload, sizeof(acc->payload), "%s", a.payload_type);
	acc->payload_count = a.payload_count;
	acc->entries_seen = a.entries_seen;
	uint64_t rtype;
	acc->is_map = is_map_header(hg, target, &rtype);
	if (acc->is_map)
		err = summarize_map(prog, tc, hg, acc->addr, rtype, &acc->map, &acc->has_summary);
	s->has_accumulation = true;
	return err;
}

// The objects each suspect retains and where its bytes accumulate below it,
// from the dominator tree, which is freed then: the retention paths' BFS
// tree takes its place, and the report's peak memory is the larger of the
// two rather than both.
static struct cnr_error *count_suspects(struct cnr_leak_model *m, struct cnr_program *prog, struct cnr_heap_graph *hg,
					struct cnr_graph_dom_tree *t, struct cnr_type_cache *tc)
{
	struct cnr_error *err = NULL;
	for (size_t i = 0; !err && i < m->nsuspects; i++) {
		err = cnr_graph_dom_tree_count(hg->graph, t, m->suspects[i].node, &m->suspects[i].objects);
		if (!err)
			err = describe_accumulation(prog, hg, t, tc, &m->suspects[i]);
	}
	cnr_graph_dom_tree_deinit(t);
	return err;
}

static struct cnr_error *describe_suspects(struct cnr_leak_model *m, struct cnr_program *prog,
					   struct cnr_heap_graph *hg, struct cnr_type_cache *tc)
{
	struct cnr_bfs_tree tree = { 0 };
	struct cnr_error *err = m->nsuspects ? cnr_graph_bfs_tree(hg->graph, &tree) : NULL;
	struct cnr_progress progress;
	cnr_progress_begin(&progress, prog->ctx, "map contents", m->nsuspects);
	for (size_t i = 0; !err && i < m->nsuspects; i++) {
		struct cnr_leak_suspect *s = &m->suspects[i];
		cnr_heap_graph_type_name(hg, s->node, s->type, sizeof(s->type));
		cnr_format_retention_path(prog, hg, &tree, s->node, s->path, sizeof(s->path));
		if (tree.parent[s->node] != CNR_BFS_UNREACHED)
			s->root = &hg->roots.v[cnr_graph_root(hg->graph, tree.root_entry[s->node]).label];
		if (s->root && !s->is_map)
			s->has_slice = cnr_slice_waste_of_root(prog, s->root, s->addr, s->size, &s->slice);
		for (size_t k = 0; k < i && !s->within; k++) {
			if (cnr_suspect_dominates(hg->graph, m->suspects[k].node, s->node))
				s->within = (uint32_t)k + 1;
		}
		if (s->is_map)
			err = summarize_map(prog, tc, hg, s->addr, s->map_rtype, &s->map, &s->has_summary);
		if (s->has_summary)
			s->substrings = s->map.substrings;
		else if (s->has_accumulation && s->acc.has_summary)
			s->substrings = s->acc.map.substrings;
		cnr_progress_update(&progress, i + 1);
	}
	cnr_progress_end(&progress);
	cnr_bfs_tree_deinit(&tree);
	return err;
}

// Free what a suspect owns besides its goroutine list and sites.
static void suspect_maps_deinit(struct cnr_leak_suspect *s)
{
	if (s->has_summary)
		cnr_map_summary_deinit(&s->map);
	if (s->has_accumulation && s->acc.has_summary)
		cnr_map_summary_deinit(&s->acc.map);
	s->has_summary = false;
	s->acc.has_summary = false;
}

// --- goroutines reaching the suspects ----------------------------------------

// qsort_r's argument: the goroutines, read only.
struct sort_goroutines {
	const struct cnr_goroutines *gs;
};

static int cmp_goid(const void *a, const void *b, void *arg)
{
	const struct cnr_goroutines *gs = ((const struct sort_goroutines *)arg)->gs;
	const struct cnr_goroutine *x = &gs->gs[*(const uint32_t *)a], *y = &gs->gs[*(const uint32_t *)b];
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

// The goroutines whose own roots hold each suspect
// (analysis/goroutine_reach.h), by goid.
static struct cnr_error *goroutines_reaching(struct cnr_leak_model *m, struct cnr_program *prog,
					     struct cnr_heap_graph *hg, const struct cnr_goroutine_roots *gr)
{
	size_t ns = m->nsuspects;
	if (!ns)
		return NULL;
	uint32_t *nodes = malloc(ns * sizeof(*nodes));
	struct cnr_goroutine_reach *reach = calloc(ns, sizeof(*reach));
	struct cnr_error *err = nodes && reach ? NULL : &cnr_enomem;
	for (size_t i = 0; !err && i < ns; i++)
		nodes[i] = m->suspects[i].node;
	struct cnr_progress progress;
	cnr_progress_begin(&progress, prog->ctx, "goroutines holding suspects", 1);
	if (!err)
		err = cnr_goroutines_holding(hg->graph, gr, nodes, ns, reach);
	cnr_progress_end(&progress);
	struct sort_goroutines sort = { &hg->gs };
	for (size_t i = 0; !err && i < ns; i++) {
		struct cnr_leak_suspect *s = &m->suspects[i];
		if (reach[i].ngors)
			qsort_r(reach[i].gors, reach[i].ngors, sizeof(uint32_t), cmp_goid, &sort);
		s->gors = reach[i].gors;
		s->ngors = reach[i].ngors;
		s->gors_bounded = reach[i].bounded;
	}
	free(nodes);
	free(reach);
	return err;
}

// --- goroutine groups, ranked --------------------------------------------------

static int cmp_frame_names(const struct cnr_goroutines *gs, const struct cnr_goroutine *a, const struct cnr_goroutine *b)
{
	size_t n = a->nframes < b->nframes ? a->nframes : b->nframes;
	for (size_t i = 0; i < n; i++) {
		const char *x = gs->frames[a->first_frame + i].func.name, *y = gs->frames[b->first_frame + i].func.name;
		int c = strcmp(x ? x : "?", y ? y : "?");
		if (c)
			return c;
	}
	return a->nframes < b->nframes ? -1 : a->nframes > b->nframes;
}

struct rank_ctx {
	const struct cnr_goroutines *gs;
	const struct cnr_goroutine_groups *groups;
};

// Most goroutines first, then most retained, then by the function names
// of the stack and the first goid.
static int cmp_ranked(const void *a, const void *b, void *arg)
{
	const struct rank_ctx *c = arg;
	const struct cnr_leak_group *x = a, *y = b;
	if (x->group->count != y->group->count)
		return x->group->count > y->group->count ? -1 : 1;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	const struct cnr_goroutine *gx = &c->gs->gs[c->groups->members[x->group->first]],
				   *gy = &c->gs->gs[c->groups->members[y->group->first]];
	int d = cmp_frame_names(c->gs, gx, gy);
	if (d)
		return d;
	return gx->goid < gy->goid ? -1 : gx->goid > gy->goid;
}

static struct cnr_error *rank_groups(struct cnr_leak_model *m, struct cnr_heap_graph *hg)
{
	const struct cnr_goroutines *gs = &hg->gs;
	size_t n = m->groups.ngroups;
	uint64_t *retained = calloc(n ? n : 1, sizeof(*retained));
	m->ranked = calloc(n ? n : 1, sizeof(*m->ranked));
	if (!retained || !m->ranked) {
		free(retained);
		return &cnr_enomem;
	}
	struct cnr_error *err =
		cnr_goroutine_sets_retained(hg->graph, hg->roots.v, m->groups.group_of, gs->ngs, (uint32_t)n, retained);
	for (size_t i = 0; !err && i < n; i++) {
		struct cnr_leak_group *lg = &m->ranked[i];
		lg->group = &m->groups.groups[i];
		lg->retained = retained[i];
		err = cnr_goroutine_count_states(gs, &m->groups.members[lg->group->first], lg->group->count, &lg->states,
						 &lg->nstates);
	}
	free(retained);
	struct rank_ctx c = { gs, &m->groups };
	if (!err && n)
		qsort_r(m->ranked, n, sizeof(*m->ranked), cmp_ranked, &c);
	return err;
}

// --- goroutine groups among the suspects ----------------------------------------

void cnr_goroutine_creation_site(struct cnr_program *prog, const struct cnr_goroutine *g, char *created_by,
				 size_t created_by_len, char *site, size_t site_len)
{
	struct cnr_func f;
	if (!g->gopc || g->goid == 1 || !cnr_pclntab_find(prog->pclntab, g->gopc, &f))
		return;
	uint64_t pc = g->gopc > f.entry ? g->gopc - 1 : g->gopc; // a return address: the call is before it
	struct cnr_source_frame sfs[8];
	size_t n = 0;
	struct cnr_error *e = cnr_pclntab_source_frames(prog->pclntab, &f, pc, sfs, 8, &n);
	if (e || !n) {
		cnr_error_destroy(e);
		return;
	}
	snprintf(created_by, created_by_len, "%s", sfs[0].function);
	snprintf(site, site_len, "%s:%d", sfs[0].file, (int)sfs[0].line);
}

static int cmp_pick_retained(const void *a, const void *b, void *arg)
{
	const struct cnr_leak_group *ranked = arg;
	const struct cnr_group_pick *x = a, *y = b;
	uint64_t rx = ranked[x->index].retained, ry = ranked[y->index].retained;
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

// Merge the goroutine group suspects into the object suspects by retained
// bytes (objects first on ties), at most top in all, and fold the runtime
// and library internals under the share (analysis/internals.h) into one
// count; "inside #k" is renumbered.
static struct cnr_error *add_group_suspects(struct cnr_leak_model *m, struct cnr_program *prog,
					    const struct cnr_heap_graph *hg, uint32_t top)
{
	size_t ng = m->groups.ngroups, nobj = m->nsuspects;
	struct cnr_group_pick *picks = malloc((ng ? ng : 1) * sizeof(*picks));
	struct cnr_leak_suspect *out = calloc(top, sizeof(*out));
	uint32_t *new_index = calloc(nobj ? nobj : 1, sizeof(*new_index));
	if (!picks || !out || !new_index) {
		free(picks);
		free(out);
		free(new_index);
		return &cnr_enomem;
	}
	size_t np = cnr_select_group_suspects(m->ranked, ng, hg->live_bytes, picks);
	qsort_r(picks, np, sizeof(*picks), cmp_pick_retained, m->ranked);
	size_t i = 0, j = 0, k = 0;
	m->over_share = 0;
	m->ngroup_suspects = 0;
	while (k < top && (i < nobj || j < np)) {
		if (i < nobj && !m->suspects[i].over_share && cnr_root_is_internal(m->suspects[i].root)) {
			m->internal_objects++; // folded: a runtime or library internal under the share
			m->internal_retained += m->suspects[i].retained;
			free(m->suspects[i].gors);
			suspect_maps_deinit(&m->suspects[i++]);
			continue;
		}
		if (i < nobj && (j == np || m->suspects[i].retained >= m->ranked[picks[j].index].retained)) {
			new_index[i] = (uint32_t)k + 1;
			out[k] = m->suspects[i++];
			m->suspects[i - 1].gors = NULL;
			m->suspects[i - 1].has_summary = false; // moved to out[k]
			m->suspects[i - 1].acc.has_summary = false;
		} else {
			const struct cnr_leak_group *lg = &m->ranked[picks[j].index];
			struct cnr_leak_suspect *s = &out[k];
			s->group = lg;
			s->retained = lg->retained;
			s->over_share = picks[j].over_share;
			s->likely_goroutine_leak = picks[j].likely_leak;
			cnr_goroutine_creation_site(prog, &hg->gs.gs[m->groups.members[lg->group->first]], s->created_by,
						    sizeof(s->created_by), s->site, sizeof(s->site));
			m->ngroup_suspects++;
			j++;
		}
		m->over_share += out[k].over_share;
		k++;
	}
	for (size_t x = 0; x < k; x++) {
		if (!out[x].group && out[x].within) // 0 when what it is inside was folded
			out[x].within = new_index[out[x].within - 1];
	}
	for (; i < nobj; i++) { // ranked below the last shown
		free(m->suspects[i].gors);
		suspect_maps_deinit(&m->suspects[i]);
	}
	free(m->suspects);
	m->suspects = out;
	m->nsuspects = k;
	free(picks);
	free(new_index);
	return NULL;
}

// What the goroutine group suspects' frames hold (analysis/group_frames.h).
static struct cnr_error *group_suspect_frames(struct cnr_leak_model *m, struct cnr_heap_graph *hg)
{
	size_t n = 0;
	uint32_t *groups = malloc((m->nsuspects ? m->nsuspects : 1) * sizeof(*groups));
	struct cnr_group_frames *frames = calloc(m->nsuspects ? m->nsuspects : 1, sizeof(*frames));
	struct cnr_error *err = groups && frames ? NULL : &cnr_enomem;
	for (size_t i = 0; !err && i < m->nsuspects; i++) {
		if (m->suspects[i].group)
			groups[n++] = (uint32_t)(m->suspects[i].group->group - m->groups.groups);
	}
	if (!err && n)
		err = cnr_group_frames_build(hg, &m->groups, groups, n, frames);
	for (size_t i = 0, k = 0; !err && i < m->nsuspects; i++) {
		if (m->suspects[i].group)
			m->suspects[i].frames = frames[k++];
	}
	free(groups);
	free(frames);
	return err;
}

// --- allocation sites --------------------------------------------------------

// Join the heap profile with the suspects: the sites of the sampled
// objects each one retains.  A profile that cannot be read is a warning.
static struct cnr_error *suspect_sites(struct cnr_leak_model *m, struct cnr_program *prog, struct cnr_heap_graph *hg)
{
	struct cnr_alloc_join *join = calloc(1, sizeof(*join));
	if (!join)
		return &cnr_enomem;
	struct cnr_error *err = cnr_alloc_join_load(prog, hg, join);
	if (err) {
		free(join);
		if (err->code == CNR_ERROR_NO_MEMORY)
			return err;
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "allocation sites"));
		return NULL;
	}
	m->join = join;
	for (size_t i = 0; join->sites && i < m->nsuspects && !err; i++) {
		struct cnr_leak_suspect *s = &m->suspects[i];
		if (s->group) // a goroutine group: no one node retains it
			continue;
		err = cnr_alloc_sites_retained_by(join->sites, s->node, &s->sites, &s->nsites);
	}
	return err;
}

// --- the whole -------------------------------------------------------------

struct cnr_error *cnr_leak_model_build(struct cnr_program *prog, struct cnr_heap_graph *hg, uint32_t top,
				       struct cnr_leak_model *ret)
{
	assert(top >= 1);
	struct cnr_leak_model m = { .hg = hg };
	struct cnr_graph_dom_tree t = { 0 };
	struct cnr_goroutine_roots gr = { 0 };
	struct cnr_type_cache *tc = NULL;
	cnr_program_get_info(prog, &m.info);
	struct cnr_error *err = cnr_memstats_read(prog, &m.ms);
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "runtime.MemStats"));
		err = NULL;
	} else {
		m.ms_ok = true;
		cnr_memstats_prefer_walk(&m.ms, hg->heap.objects, hg->heap.bytes, hg->heap.span_bytes_in_use);
	}
	err = cnr_type_cache_create(prog, &tc);
	if (!err)
		err = cnr_goroutine_count_states(&hg->gs, NULL, hg->gs.ngs, &m.states, &m.nstates);
	struct cnr_progress progress;
	cnr_progress_begin(&progress, prog->ctx, "suspects", 1);
	if (!err)
		err = cnr_graph_dom_tree_init(hg->graph, &t);
	if (!err)
		err = find_suspects(&m, hg, &t, top);
	if (!err)
		err = count_suspects(&m, prog, hg, &t, tc);
	cnr_progress_end(&progress);
	if (!err)
		err = cnr_goroutine_roots_init(hg->graph, hg->roots.v, hg->gs.ngs, &gr);
	if (!err)
		err = describe_suspects(&m, prog, hg, tc);
	if (!err)
		err = goroutines_reaching(&m, prog, hg, &gr);
	if (!err)
		err = cnr_goroutine_groups_init(&hg->gs, &m.groups);
	if (!err)
		err = rank_groups(&m, hg);
	if (!err)
		err = add_group_suspects(&m, prog, hg, top);
	if (!err)
		err = group_suspect_frames(&m, hg);
	cnr_progress_begin(&progress, prog->ctx, "allocation sites", 1);
	if (!err)
		err = suspect_sites(&m, prog, hg);
	cnr_progress_end(&progress);
	cnr_progress_begin(&progress, prog->ctx, "top types", 1);
	if (!err)
		err = cnr_top_rows(hg, CNR_TOP_BY_TYPE, CNR_TOP_SORT_RETAINED, &m.types, &m.ntypes);
	cnr_progress_end(&progress);
	cnr_goroutine_roots_deinit(&gr);
	cnr_graph_dom_tree_deinit(&t);
	cnr_type_cache_destroy(tc);
	if (err) {
		cnr_leak_model_deinit(&m);
		return err;
	}
	cnr_missing_compute(prog, hg, &m.missing);
	m.warnings = cnr_ctx_warning_count(prog->ctx);
	*ret = m;
	return NULL;
}

void cnr_leak_model_deinit(struct cnr_leak_model *m)
{
	cnr_missing_deinit(&m->missing);
	for (size_t i = 0; i < m->nsuspects; i++) {
		free(m->suspects[i].gors);
		free(m->suspects[i].sites);
		suspect_maps_deinit(&m->suspects[i]);
		cnr_group_frames_deinit(&m->suspects[i].frames);
	}
	free(m->suspects);
	for (size_t i = 0; m->ranked && i < m->groups.ngroups; i++)
		free(m->ranked[i].states);
	free(m->ranked);
	cnr_goroutine_groups_deinit(&m->groups);
	free(m->states);
	free(m->types);
	if (m->join) {
		cnr_alloc_join_deinit(m->join);
		free(m->join);
	}
	memset(m, 0, sizeof(*m));
}
