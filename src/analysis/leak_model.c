// The leak model (see leak_model.h): the summary facts, the suspects and
// their descriptions, the goroutines reaching each, the goroutine groups
// and their retained bytes, the top types.
#include "analysis/leak_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/goroutine_roots.h"
#include "analysis/heap_maps.h"
#include "analysis/internals.h"
#include "analysis/retention_path.h"
#include "goruntime/pclntab.h"
#include "goruntime/typing.h"
#include "graph/bfs_tree.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "util/vector.h"

enum {
	// Forward searches from goroutine roots, in objects visited.
	MAX_VISITS_PER_GOROUTINE = 1 << 20,
	MAX_VISITS = 1 << 25,
};

DEFINE_VECTOR(u32_vector, uint32_t)

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

static struct cnr_error *describe_suspects(struct cnr_leak_model *m, struct cnr_program *prog,
					   struct cnr_heap_graph *hg, const struct cnr_graph_dom_tree *t,
					   struct cnr_type_cache *tc)
{
	struct cnr_bfs_tree tree = { 0 };
	struct cnr_error *err = m->nsuspects ? cnr_graph_bfs_tree(hg->graph, &tree) : NULL;
	struct cnr_progress progress;
	cnr_progress_begin(&progress, prog->ctx, "map contents", m->nsuspects);
	for (size_t i = 0; !err && i < m->nsuspects; i++) {
		struct cnr_leak_suspect *s = &m->suspects[i];
		err = cnr_graph_dom_tree_count(hg->graph, t, s->node, &s->objects);
		if (err)
			break;
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
		if (s->is_map) {
			struct cnr_error *e = cnr_map_summarize(prog, tc, s->addr, s->map_rtype, &s->map);
			if (e == &cnr_enomem) {
				err = e;
			} else if (e) {
				cnr_warn_error(prog->ctx, cnr_error_wrap(e, "map at 0x%" PRIx64, s->addr));
			} else {
				s->has_summary = true;
			}
		}
		cnr_progress_update(&progress, i + 1);
	}
	cnr_progress_end(&progress);
	cnr_bfs_tree_deinit(&tree);
	return err;
}

// --- goroutines reaching the suspects ----------------------------------------

struct sus_key {
	uint32_t node, index;
};

static int cmp_sus_key(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

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

// For every goroutine with roots, a forward search from them (bounded)
// that notes the suspects it reaches.
static struct cnr_error *goroutines_reaching(struct cnr_leak_model *m, struct cnr_program *prog,
					     const struct cnr_heap_graph *hg, const struct cnr_goroutine_roots *gr)
{
	const struct cnr_graph *g = hg->graph;
	size_t ns = m->nsuspects, ngs = hg->gs.ngs;
	if (!ns)
		return NULL;
	uint32_t nnodes = cnr_graph_node_count(g);
	uint32_t *stamp = cnr_graph_alloc(nnodes ? nnodes : 1, sizeof(uint32_t), true);
	struct sus_key *keys = malloc(ns * sizeof(*keys));
	bool *hit = malloc(ns * sizeof(*hit));
	struct u32_vector queue = { 0 };
	struct u32_vector *lists = calloc(ns, sizeof(*lists));
	struct cnr_error *err = NULL;
	if (!stamp || !keys || !hit || !lists) {
		err = &cnr_enomem;
		goto out;
	}
	for (size_t i = 0; i < ns; i++)
		keys[i] = (struct sus_key){ m->suspects[i].node, (uint32_t)i };
	qsort(keys, ns, sizeof(*keys), cmp_sus_key);
	uint64_t total = 0;
	struct cnr_progress progress;
	cnr_progress_begin(&progress, prog->ctx, "goroutines reaching suspects", ngs);
	for (size_t k = 0; k < ngs && !err; k++) {
		cnr_progress_update(&progress, k);
		size_t first = gr->first[k], last = gr->first[k + 1];
		if (first == last)
			continue;
		uint32_t mark = (uint32_t)k + 1, found = 0;
		uint64_t visits = 0;
		bool bounded = false;
		memset(hit, 0, ns * sizeof(*hit));
		queue.size = 0;
		for (size_t i = first; i < last; i++) {
			uint32_t v = gr->nodes[i];
			if (stamp[v] != mark) {
				stamp[v] = mark;
				if (!u32_vector_push(&queue, v)) {
					err = &cnr_enomem;
					break;
				}
			}
		}
		for (size_t q = 0; !err && q < queue.size && found < ns; q++) {
			uint32_t v = queue.data[q];
			if (++visits > MAX_VISITS_PER_GOROUTINE || total + visits > MAX_VISITS) {
				bounded = true;
				break;
			}
			const struct sus_key *key = bsearch(&v, keys, ns, sizeof(*keys), cmp_sus_key);
			if (key && !hit[key->index]) {
				hit[key->index] = true;
				found++;
			}
			const uint32_t *succ;
			uint32_t nsucc = cnr_graph_successors(g, v, &succ);
			for (uint32_t e = 0; e < nsucc; e++) {
				uint32_t w = succ[e];
				if (stamp[w] == mark)
					continue;
				stamp[w] = mark;
				if (!u32_vector_push(&queue, w)) {
					err = &cnr_enomem;
					break;
				}
			}
		}
		total += visits;
		for (size_t i = 0; !err && i < ns; i++) {
			if (hit[i] && !u32_vector_push(&lists[i], (uint32_t)k))
				err = &cnr_enomem;
			if (bounded && !hit[i])
				m->suspects[i].gors_bounded = true;
		}
	}
	cnr_progress_end(&progress);
	struct sort_goroutines sort = { &hg->gs };
	for (size_t i = 0; i < ns; i++) {
		struct cnr_leak_suspect *s = &m->suspects[i];
		if (!err && lists[i].size)
			qsort_r(lists[i].data, lists[i].size, sizeof(uint32_t), cmp_goid, &sort);
		s->gors = lists[i].data;
		s->ngors = err ? 0 : lists[i].size;
		lists[i].data = NULL;
	}
out:
	free(stamp);
	free(keys);
	free(hit);
	free(lists);
	u32_vector_deinit(&queue);
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
			if (m->suspects[i].has_summary)
				cnr_map_summary_deinit(&m->suspects[i].map);
			m->suspects[i++].has_summary = false;
			continue;
		}
		if (i < nobj && (j == np || m->suspects[i].retained >= m->ranked[picks[j].index].retained)) {
			new_index[i] = (uint32_t)k + 1;
			out[k] = m->suspects[i++];
			m->suspects[i - 1].gors = NULL;
			m->suspects[i - 1].has_summary = false;
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
		if (m->suspects[i].has_summary)
			cnr_map_summary_deinit(&m->suspects[i].map);
	}
	free(m->suspects);
	m->suspects = out;
	m->nsuspects = k;
	free(picks);
	free(new_index);
	return NULL;
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
	cnr_progress_end(&progress);
	if (!err)
		err = cnr_goroutine_roots_init(hg->graph, hg->roots.v, hg->gs.ngs, &gr);
	if (!err)
		err = describe_suspects(&m, prog, hg, &t, tc);
	if (!err)
		err = goroutines_reaching(&m, prog, hg, &gr);
	if (!err)
		err = cnr_goroutine_groups_init(&hg->gs, &m.groups);
	if (!err)
		err = rank_groups(&m, hg);
	if (!err)
		err = add_group_suspects(&m, prog, hg, top);
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
		if (m->suspects[i].has_summary)
			cnr_map_summary_deinit(&m->suspects[i].map);
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
