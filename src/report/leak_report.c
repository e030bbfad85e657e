// `coroner report` (see leak_report.h).  Everything is computed first (the
// model below), then written as text or JSON, so that both say the same
// and the warnings count covers the whole analysis.  Every list is sorted
// on values (bytes, counts, then addresses, ids or names): nothing depends
// on the order of a hash table.
#include "report/leak_report.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/memstats.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/bfs_tree.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "graph/suspects.h"
#include "report/dot_writer.h"
#include "report/info_report.h"
#include "report/json_writer.h"
#include "report/live_report.h"
#include "report/map_report.h"
#include "report/maps_report.h"
#include "report/top_report.h"
#include "util/search.h"
#include "util/vector.h"

enum {
	// An accumulation point this close below a map header (directory,
	// table, groups; buckets) is that map's: the map is the suspect.
	MAP_INTERNAL_HOPS = 3,
	// Objects retaining less than 1/1000 of the live heap are no suspects.
	MIN_SHARE_PER_MILLE = 1,
	// Forward searches from goroutine roots, in objects visited.
	MAX_VISITS_PER_GOROUTINE = 1 << 20,
	MAX_VISITS = 1 << 25,
	// Dominator-chain walks (is a suspect inside another; is a root's
	// object inside another's).
	MAX_IDOM_STEPS = 1 << 14,
	MAX_GOROUTINES_LISTED = 12, // per suspect and per group, in text
	MAX_FRAMES_SHOWN = 12,
	MAX_VALUE_TYPES_SHOWN = 4,
	MAX_CLUSTERS_SHOWN = 3,
	PATH_LEN = 4096,
	MAX_KEY_TEXT = 256, // bytes of an escaped key cluster or sample shown
};

struct suspect {
	uint32_t node;
	uint64_t addr, size, shallow, retained, objects;
	bool is_map;
	uint64_t map_rtype;
	bool has_summary;
	struct cnr_map_summary map;
	char type[256];
	char path[PATH_LEN];
	const struct cnr_root *root;
	uint32_t within;  // 1 + the index of a suspect shown above that dominates it, 0 if none
	uint32_t *gors;   // indices into hg->gs.gs of the goroutines whose roots reach it, by goid
	size_t ngors;
	bool gors_bounded; // some goroutine's search stopped at its budget
};

DEFINE_VECTOR(suspect_vector, struct suspect)
DEFINE_VECTOR(u32_vector, uint32_t)

// A root that belongs to a goroutine: its stack slot or its blocked send.
struct groot {
	uint32_t g, node;
};

DEFINE_VECTOR(groot_vector, struct groot)

struct state_count {
	const char *state;
	uint32_t count;
};

struct group {
	uint32_t first, count;  // goroutines by_stack[first .. first + count)
	uint64_t retained;
	struct state_count *states;
	size_t nstates;
};

struct model {
	struct cnr_program *prog;
	struct cnr_heap_graph *hg;
	const struct cnr_leak_report_opts *opts;
	struct cnr_program_info info;
	struct cnr_memstats ms;
	bool ms_ok;
	struct state_count *states; // goroutines by state, most first
	size_t nstates;
	struct suspect_vector sus;  // shown, most retained first
	uint32_t over_share;        // how many of them retain CNR_LEAK_SHARE_PERCENT or more
	uint32_t *by_stack;         // goroutine indices grouped by stack
	struct group *groups;       // most goroutines first
	size_t ngroups;
	struct groot_vector groots; // sorted by (g, node), unique
	size_t *groot_first;        // [ngs + 1]: goroutine k's roots are groots[groot_first[k] .. groot_first[k + 1])
	struct cnr_top_row *types;
	size_t ntypes;
	struct cnr_type_cache *tc;
	unsigned warnings;
};

static const struct cnr_heap_graph *sort_hg;

static bool share_at_least(uint64_t bytes, uint64_t live, unsigned percent)
{
	return live && bytes >= (live / 100) * percent + (live % 100) * percent / 100;
}

// --- goroutines by state, and their roots ------------------------------

static int cmp_state_count(const void *a, const void *b)
{
	const struct state_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->state, y->state);
}

// The states of goroutines idx[0 .. n), counted, most first.
static struct cnr_error *count_states(const struct cnr_goroutines *gs, const uint32_t *idx, size_t n,
				      struct state_count **ret, size_t *n_ret)
{
	struct state_count *v = calloc(n ? n : 1, sizeof(*v));
	size_t m = 0;
	if (!v)
		return &cnr_enomem;
	for (size_t i = 0; i < n; i++) {
		const char *s = gs->gs[idx ? idx[i] : i].state;
		size_t k = 0;
		while (k < m && strcmp(v[k].state, s) != 0)
			k++;
		if (k == m)
			v[m++] = (struct state_count){ s, 0 };
		v[k].count++;
	}
	if (m)
		qsort(v, m, sizeof(*v), cmp_state_count);
	*ret = v;
	*n_ret = m;
	return NULL;
}

static int cmp_stack_lo(const void *a, const void *b)
{
	const struct cnr_goroutine *x = &sort_hg->gs.gs[*(const uint32_t *)a], *y = &sort_hg->gs.gs[*(const uint32_t *)b];
	return x->stack_lo < y->stack_lo ? -1 : x->stack_lo > y->stack_lo;
}

static int cmp_groot(const void *a, const void *b)
{
	const struct groot *x = a, *y = b;
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

// A channel wait's element address and its goroutine.
struct elem_owner {
	uint64_t elem;
	uint32_t g;
};

static int cmp_elem_owner(const void *a, const void *b)
{
	const struct elem_owner *x = a, *y = b;
	if (x->elem != y->elem)
		return x->elem < y->elem ? -1 : 1;
	return x->g < y->g ? -1 : x->g > y->g;
}

// The goroutine a root belongs to: a stack slot in its stack, or the
// element its blocked send holds (owners: every wait's element, sorted);
// UINT32_MAX if none.
static uint32_t root_goroutine(const struct cnr_heap_graph *hg, const uint32_t *by_lo, const struct elem_owner *owners,
			       size_t nowners, const struct cnr_root *r)
{
	const struct cnr_goroutines *gs = &hg->gs;
	if (r->kind == CNR_ROOT_CHAN_ELEM) {
		// The first wait whose element is at or above the slot.
		size_t lo = CNR_PARTITION_POINT(nowners, mid, owners[mid].elem < r->slot);
		return lo < nowners && owners[lo].elem == r->slot ? owners[lo].g : UINT32_MAX;
	}
	if (r->kind != CNR_ROOT_STACK)
		return UINT32_MAX;
	// After the last goroutine whose stack starts at or below the slot.
	size_t lo = CNR_PARTITION_POINT(gs->ngs, mid, gs->gs[by_lo[mid]].stack_lo <= r->slot);
	if (!lo)
		return UINT32_MAX;
	const struct cnr_goroutine *g = &gs->gs[by_lo[lo - 1]];
	return r->slot < g->stack_hi ? by_lo[lo - 1] : UINT32_MAX;
}

static struct cnr_error *goroutine_roots(struct model *m)
{
	const struct cnr_heap_graph *hg = m->hg;
	size_t ngs = hg->gs.ngs;
	uint32_t *by_lo = malloc((ngs ? ngs : 1) * sizeof(*by_lo));
	struct elem_owner *owners = malloc((hg->gs.nwaits ? hg->gs.nwaits : 1) * sizeof(*owners));
	size_t nowners = 0;
	m->groot_first = calloc(ngs + 1, sizeof(*m->groot_first));
	if (!by_lo || !owners || !m->groot_first) {
		free(by_lo);
		free(owners);
		return &cnr_enomem;
	}
	for (size_t k = 0; k < ngs; k++) {
		const struct cnr_goroutine *g = &hg->gs.gs[k];
		by_lo[k] = (uint32_t)k;
		for (size_t w = 0; w < g->nwaits && g->first_wait + w < hg->gs.nwaits && nowners < hg->gs.nwaits; w++)
			owners[nowners++] = (struct elem_owner){ hg->gs.waits[g->first_wait + w].elem, (uint32_t)k };
	}
	if (nowners)
		qsort(owners, nowners, sizeof(*owners), cmp_elem_owner);
	sort_hg = hg;
	if (ngs)
		qsort(by_lo, ngs, sizeof(*by_lo), cmp_stack_lo);
	for (size_t i = 0; i < hg->roots.n; i++) {
		const struct cnr_root *r = &hg->roots.v[i];
		uint64_t id = cnr_heap_graph_object(hg, r->value);
		if (id == UINT64_MAX || !cnr_graph_is_reachable(hg->graph, (uint32_t)id))
			continue;
		uint32_t g = root_goroutine(hg, by_lo, owners, nowners, r);
		if (g != UINT32_MAX && !groot_vector_push(&m->groots, (struct groot){ g, (uint32_t)id })) {
			free(by_lo);
			free(owners);
			return &cnr_enomem;
		}
	}
	free(by_lo);
	free(owners);
	if (m->groots.size)
		qsort(m->groots.data, m->groots.size, sizeof(*m->groots.data), cmp_groot);
	size_t n = 0;
	for (size_t i = 0; i < m->groots.size; i++) {
		if (n && cmp_groot(&m->groots.data[n - 1], &m->groots.data[i]) == 0)
			continue;
		m->groots.data[n++] = m->groots.data[i];
	}
	m->groots.size = n;
	for (size_t i = 0; i < n; i++)
		m->groot_first[m->groots.data[i].g + 1]++;
	for (size_t k = 0; k < ngs; k++)
		m->groot_first[k + 1] += m->groot_first[k];
	return NULL;
}

// --- suspects ------------------------------------------------------------

static int cmp_suspect(const void *a, const void *b)
{
	const struct suspect *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool is_map_header(const struct cnr_heap_graph *hg, uint32_t node, uint64_t *rtype_ret)
{
	const struct cnr_obj_type *t = cnr_heap_graph_type(hg, node);
	if (!t || !t->map_rtype || t->shape != CNR_SHAPE_ONE)
		return false;
	*rtype_ret = t->map_rtype;
	return true;
}

// The map an accumulation point belongs to (its header, at most
// MAP_INTERNAL_HOPS up the dominator tree), else node itself.
static uint32_t lift_to_map(const struct cnr_heap_graph *hg, uint32_t node)
{
	uint32_t nnodes = cnr_graph_node_count(hg->graph), v = node;
	uint64_t rtype;
	if (is_map_header(hg, node, &rtype))
		return node;
	for (int hop = 0; hop < MAP_INTERNAL_HOPS; hop++) {
		v = cnr_graph_idom(hg->graph, v);
		if (v >= nnodes)
			break;
		if (is_map_header(hg, v, &rtype))
			return v;
	}
	return node;
}

static struct cnr_error *add_candidate(struct model *m, struct suspect_vector *v, uint32_t node)
{
	for (size_t i = 0; i < v->size; i++) {
		if (v->data[i].node == node)
			return NULL;
	}
	struct suspect *s = suspect_vector_append(v);
	if (!s)
		return &cnr_enomem;
	memset(s, 0, sizeof(*s));
	s->node = node;
	cnr_heap_graph_slot(m->hg, node, &s->addr, &s->size);
	s->retained = cnr_graph_retained(m->hg->graph, node);
	s->shallow = s->size;
	s->is_map = is_map_header(m->hg, node, &s->map_rtype);
	return NULL;
}

// The accumulation points of the dominator tree (lifted to their maps)
// and every map retaining CNR_LEAK_SHARE_PERCENT of the live heap; shown:
// those over the share and the largest others up to CNR_LEAK_MIN_SUSPECTS,
// at most opts->top.
static struct cnr_error *find_suspects(struct model *m, const struct cnr_graph_dom_tree *t)
{
	struct cnr_heap_graph *hg = m->hg;
	uint64_t live = hg->live_bytes;
	uint32_t max = m->opts->top + CNR_LEAK_MIN_SUSPECTS, n = 0;
	uint32_t *found = malloc((size_t)max * sizeof(*found));
	struct suspect_vector cand = { 0 };
	struct cnr_map_row *maps = NULL;
	size_t nmaps = 0;
	struct cnr_error *err = found ? NULL : &cnr_enomem;
	if (!err)
		err = cnr_graph_find_suspects(hg->graph, t, max, live / 1000 * MIN_SHARE_PER_MILLE + 1, found, &n);
	for (uint32_t i = 0; !err && i < n; i++)
		err = add_candidate(m, &cand, lift_to_map(hg, found[i]));
	if (!err)
		err = cnr_heap_maps(hg, NULL, &maps, &nmaps);
	for (size_t i = 0; !err && i < nmaps && share_at_least(maps[i].retained, live, CNR_LEAK_SHARE_PERCENT); i++)
		err = add_candidate(m, &cand, maps[i].id);
	if (!err && cand.size)
		qsort(cand.data, cand.size, sizeof(*cand.data), cmp_suspect);
	for (size_t i = 0; !err && i < cand.size && m->sus.size < m->opts->top; i++) {
		struct suspect *s = &cand.data[i];
		bool over = share_at_least(s->retained, live, CNR_LEAK_SHARE_PERCENT);
		if (!over && m->sus.size >= CNR_LEAK_MIN_SUSPECTS)
			break;
		m->over_share += over;
		for (size_t k = 0; s->is_map && k < nmaps; k++) {
			if (maps[k].id == s->node)
				s->shallow = maps[k].shallow; // the header and its internals
		}
		if (!suspect_vector_push(&m->sus, *s))
			err = &cnr_enomem;
	}
	free(found);
	free(maps);
	suspect_vector_deinit(&cand);
	return err;
}

// Whether node a dominates node b (a walk up b's dominator chain, capped).
static bool dominates(const struct cnr_graph *g, uint32_t a, uint32_t b)
{
	uint32_t nnodes = cnr_graph_node_count(g);
	for (int i = 0; i < MAX_IDOM_STEPS && b < nnodes; i++) {
		b = cnr_graph_idom(g, b);
		if (b == a)
			return true;
	}
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_goid(const void *a, const void *b)
{
	const struct cnr_goroutine *x = &sort_hg->gs.gs[*(const uint32_t *)a], *y = &sort_hg->gs.gs[*(const uint32_t *)b];
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

struct sus_key {
	uint32_t node, index;
};

static int cmp_sus_key(const void *a, const void *b)
{
	return cmp_u32(a, b);
}

// For every goroutine with roots, a forward search from them (bounded)
// that notes the suspects it reaches.
static struct cnr_error *goroutines_reaching(struct model *m)
{
	const struct cnr_heap_graph *hg = m->hg;
	const struct cnr_graph *g = hg->graph;
	size_t ns = m->sus.size, ngs = hg->gs.ngs;
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
		keys[i] = (struct sus_key){ m->sus.data[i].node, (uint32_t)i };
	qsort(keys, ns, sizeof(*keys), cmp_sus_key);
	uint64_t total = 0;
	struct cnr_progress progress;
	cnr_progress_begin(&progress, m->prog->ctx, "goroutines reaching suspects", ngs);
	for (size_t k = 0; k < ngs && !err; k++) {
		cnr_progress_update(&progress, k);
		size_t first = m->groot_first[k], last = m->groot_first[k + 1];
		if (first == last)
			continue;
		uint32_t mark = (uint32_t)k + 1, found = 0;
		uint64_t visits = 0;
		bool bounded = false;
		memset(hit, 0, ns * sizeof(*hit));
		queue.size = 0;
		for (size_t i = first; i < last; i++) {
			uint32_t v = m->groots.data[i].node;
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
				m->sus.data[i].gors_bounded = true;
		}
	}
	cnr_progress_end(&progress);
	sort_hg = hg;
	for (size_t i = 0; i < ns; i++) {
		struct suspect *s = &m->sus.data[i];
		if (!err && lists[i].size)
			qsort(lists[i].data, lists[i].size, sizeof(uint32_t), cmp_goid);
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

// How many objects each suspect dominates, itself included: one pass
// backwards over the dominator tree's preorder (sequential, where a walk of
// each subtree would chase pointers through the whole heap for the largest).
static struct cnr_error *count_dominated(struct model *m)
{
	const struct cnr_graph *g = m->hg->graph;
	uint32_t nnodes = cnr_graph_node_count(g);
	const uint32_t *order;
	uint32_t n = cnr_graph_dom_order(g, &order);
	uint32_t *count = cnr_graph_alloc(nnodes ? nnodes : 1, sizeof(uint32_t), true);
	if (!count)
		return &cnr_enomem;
	for (uint32_t k = n; k-- > 0;) {
		uint32_t v = order[k], d = cnr_graph_idom(g, v);
		count[v]++;
		if (d < nnodes)
			count[d] += count[v];
	}
	for (size_t i = 0; i < m->sus.size; i++)
		m->sus.data[i].objects = count[m->sus.data[i].node];
	free(count);
	return NULL;
}

static struct cnr_error *describe_suspects(struct model *m)
{
	struct cnr_heap_graph *hg = m->hg;
	struct cnr_bfs_tree tree = { 0 };
	struct cnr_error *err = m->sus.size ? cnr_graph_bfs_tree(hg->graph, &tree) : NULL;
	if (!err && m->sus.size)
		err = count_dominated(m);
	struct cnr_progress progress;
	cnr_progress_begin(&progress, m->prog->ctx, "map contents", m->sus.size);
	for (size_t i = 0; !err && i < m->sus.size; i++) {
		struct suspect *s = &m->sus.data[i];
		cnr_heap_graph_type_name(hg, s->node, s->type, sizeof(s->type));
		cnr_format_retention_path(m->prog, hg, &tree, s->node, s->path, sizeof(s->path));
		if (tree.parent[s->node] != CNR_BFS_UNREACHED)
			s->root = &hg->roots.v[cnr_graph_root(hg->graph, tree.root_entry[s->node]).label];
		for (size_t k = 0; k < i && !s->within; k++) {
			if (dominates(hg->graph, m->sus.data[k].node, s->node))
				s->within = (uint32_t)k + 1;
		}
		if (s->is_map) {
			struct cnr_error *e = cnr_map_summarize(m->prog, m->tc, s->addr, s->map_rtype, &s->map);
			if (e == &cnr_enomem) {
				err = e;
			} else if (e) {
				cnr_warn_error(m->prog->ctx, cnr_error_wrap(e, "map at 0x%" PRIx64, s->addr));
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

// --- goroutine groups ------------------------------------------------------

static int cmp_frames(const struct cnr_goroutines *gs, const struct cnr_goroutine *a, const struct cnr_goroutine *b)
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

static int cmp_by_stack(const void *a, const void *b)
{
	const struct cnr_goroutines *gs = &sort_hg->gs;
	const struct cnr_goroutine *x = &gs->gs[*(const uint32_t *)a], *y = &gs->gs[*(const uint32_t *)b];
	int c = cmp_frames(gs, x, y);
	if (c)
		return c;
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

static const struct model *sort_model;

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return cmp_by_stack(&sort_model->by_stack[x->first], &sort_model->by_stack[y->first]);
}

// The bytes the roots of goroutines by_stack[first .. first + count)
// retain: the retained sizes of their objects, each once, leaving out
// objects another of them dominates.
static struct cnr_error *group_retained(struct model *m, const struct group *gr, uint64_t *ret)
{
	const struct cnr_graph *g = m->hg->graph;
	struct u32_vector nodes = { 0 };
	for (uint32_t i = 0; i < gr->count; i++) {
		uint32_t k = m->by_stack[gr->first + i];
		for (size_t r = m->groot_first[k]; r < m->groot_first[k + 1]; r++) {
			if (!u32_vector_push(&nodes, m->groots.data[r].node)) {
				u32_vector_deinit(&nodes);
				return &cnr_enomem;
			}
		}
	}
	if (nodes.size)
		qsort(nodes.data, nodes.size, sizeof(uint32_t), cmp_u32);
	uint64_t sum = 0;
	uint32_t nnodes = cnr_graph_node_count(g);
	for (size_t i = 0; i < nodes.size; i++) {
		if (i && nodes.data[i] == nodes.data[i - 1])
			continue;
		bool inner = false;
		uint32_t v = nodes.data[i];
		for (int step = 0; step < MAX_IDOM_STEPS && !inner; step++) {
			v = cnr_graph_idom(g, v);
			if (v >= nnodes)
				break;
			inner = bsearch(&v, nodes.data, nodes.size, sizeof(uint32_t), cmp_u32) != NULL;
		}
		if (!inner)
			sum += cnr_graph_retained(g, nodes.data[i]);
	}
	u32_vector_deinit(&nodes);
	*ret = sum;
	return NULL;
}

static struct cnr_error *group_goroutines(struct model *m)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	size_t ngs = gs->ngs;
	m->by_stack = malloc((ngs ? ngs : 1) * sizeof(*m->by_stack));
	m->groups = calloc(ngs ? ngs : 1, sizeof(*m->groups));
	if (!m->by_stack || !m->groups)
		return &cnr_enomem;
	for (size_t k = 0; k < ngs; k++)
		m->by_stack[k] = (uint32_t)k;
	sort_hg = m->hg;
	if (ngs)
		qsort(m->by_stack, ngs, sizeof(*m->by_stack), cmp_by_stack);
	for (size_t i = 0; i < ngs; i++) {
		if (i && cmp_frames(gs, &gs->gs[m->by_stack[i - 1]], &gs->gs[m->by_stack[i]]) == 0) {
			m->groups[m->ngroups - 1].count++;
			continue;
		}
		m->groups[m->ngroups++] = (struct group){ .first = (uint32_t)i, .count = 1 };
	}
	for (size_t i = 0; i < m->ngroups; i++) {
		struct group *gr = &m->groups[i];
		struct cnr_error *err = group_retained(m, gr, &gr->retained);
		if (!err)
			err = count_states(gs, &m->by_stack[gr->first], gr->count, &gr->states, &gr->nstates);
		if (err)
			return err;
	}
	sort_model = m;
	if (m->ngroups)
		qsort(m->groups, m->ngroups, sizeof(*m->groups), cmp_group);
	return NULL;
}

// --- output --------------------------------------------------------------

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static const char *bytes_text(uint64_t n, char *buf, size_t len)
{
	cnr_dot_format_bytes(n, buf, len);
	return buf;
}

// The function a person recognizes a goroutine by: its innermost frame
// outside the runtime, else its innermost frame.
static const char *goroutine_function(const struct cnr_goroutines *gs, const struct cnr_goroutine *g)
{
	for (size_t i = 0; i < g->nframes; i++) {
		const char *name = gs->frames[g->first_frame + i].func.name;
		if (name && strncmp(name, "runtime.", 8) != 0)
			return name;
	}
	return g->nframes && gs->frames[g->first_frame].func.name ? gs->frames[g->first_frame].func.name : "?";
}

static const char *build_id_text(int state)
{
	switch (state) {
	case CNR_BUILD_ID_MATCH: return "build id matches the core";
	case CNR_BUILD_ID_MISMATCH: return "build id DIFFERS from the core";
	default: return "build id not checked";
	}
}

static const char *build_id_json(int state)
{
	switch (state) {
	case CNR_BUILD_ID_MATCH: return "match";
	case CNR_BUILD_ID_MISMATCH: return "mismatch";
	default: return "unknown";
	}
}

// Lines of "label      item, item, ..." that wrap before WRAP_COLUMN, the
// items continuing under the first.
enum { WRAP_COLUMN = 100, LABEL_WIDTH = 17 };

struct wrap {
	FILE *out;
	size_t col, indent;
	bool first;
};

static void wrap_begin(struct wrap *w, FILE *out, const char *label)
{
	*w = (struct wrap){ .out = out, .first = true, .indent = LABEL_WIDTH };
	w->col = (size_t)fprintf(out, "      %-*s", LABEL_WIDTH - 6, label);
}

static void wrap_item(struct wrap *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void wrap_item(struct wrap *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t len = strlen(buf);
	if (!w->first && w->col + 2 + len > WRAP_COLUMN) {
		fprintf(w->out, ",\n%*s", (int)w->indent, "");
		w->col = w->indent;
	} else if (!w->first) {
		fputs(", ", w->out);
		w->col += 2;
	}
	fputs(buf, w->out);
	w->col += len;
	w->first = false;
}

static void wrap_end(struct wrap *w)
{
	fputc('\n', w->out);
}

static void text_summary(const struct model *m, FILE *out)
{
	const struct cnr_program_info *in = &m->info;
	const struct cnr_heap_graph *hg = m->hg;
	char a[32], b[32], c[32];
	uint64_t heap = hg->live_bytes + hg->garbage_bytes;
	fputs("SUMMARY\n", out);
	fprintf(out, "  go version   %s %s\n", in->go_version ? in->go_version : "?", in->goarch ? in->goarch : "?");
	fprintf(out, "  executable   %s (%s)\n", in->exe_path, build_id_text(in->build_id));
	fprintf(out, "  process      pid %d", in->pid);
	if (in->process_name)
		fprintf(out, " '%s'", in->process_name);
	if (in->signal) {
		const char *name = cnr_signal_name(in->signal);
		fprintf(out, ", signal %s (%d)", name ? name : "signal", in->signal);
	} else {
		fputs(", no signal (dumped alive, e.g. by gcore)", out);
	}
	fputc('\n', out);
	if (m->ms_ok)
		fprintf(out, "  heap         %" PRIu64 " bytes allocated (HeapAlloc, %s) in %" PRIu64 " objects\n"
			     "               %" PRIu64 " in spans (HeapInuse), %" PRIu64 " from the OS (HeapSys)\n",
			m->ms.heap_alloc, bytes_text(m->ms.heap_alloc, a, sizeof(a)), m->ms.heap_objects, m->ms.heap_inuse,
			m->ms.heap_sys);
	else
		fprintf(out, "  heap         %" PRIu64 " bytes allocated (%s); the runtime's counters are unreadable\n",
			heap, bytes_text(heap, a, sizeof(a)));
	fprintf(out, "  live         %" PRIu64 " bytes (%s, %.1f%%) in %" PRIu64 " objects, %.1f%% of it typed\n",
		hg->live_bytes, bytes_text(hg->live_bytes, b, sizeof(b)), percent(hg->live_bytes, heap), hg->live_objects,
		percent(hg->typed_live_bytes, hg->live_bytes));
	fprintf(out, "  garbage      %" PRIu64 " bytes (%s, %.1f%%) in %" PRIu64 " object%s, waiting for the next GC\n",
		hg->garbage_bytes, bytes_text(hg->garbage_bytes, c, sizeof(c)), percent(hg->garbage_bytes, heap),
		hg->garbage_objects, hg->garbage_objects == 1 ? "" : "s");
	fprintf(out, "  goroutines   %zu", hg->gs.ngs);
	if (m->ms_ok)
		fprintf(out, " (runtime.NumGoroutine %" PRId32 "; the others are the runtime's)", m->ms.num_goroutine);
	fputc('\n', out);
	struct wrap w = { .out = out, .first = true, .indent = 15, .col = (size_t)fprintf(out, "%15s", "") };
	for (size_t i = 0; i < m->nstates; i++)
		wrap_item(&w, "%" PRIu32 " %s", m->states[i].count, m->states[i].state);
	wrap_end(&w);
	if (m->warnings)
		fprintf(out, "  unreadable   %u warning%s (on stderr): figures may be incomplete\n", m->warnings,
			m->warnings == 1 ? "" : "s");
	else
		fputs("  unreadable   nothing\n", out);
}

static void text_goroutine_list(const struct model *m, const uint32_t *idx, size_t n, struct wrap *w)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	for (size_t i = 0; i < n && i < MAX_GOROUTINES_LISTED; i++) {
		const struct cnr_goroutine *g = &gs->gs[idx[i]];
		wrap_item(w, "%" PRIu64 " [%s] %s", g->goid, g->state, goroutine_function(gs, g));
	}
	if (n > MAX_GOROUTINES_LISTED)
		wrap_item(w, "and %zu more", n - MAX_GOROUTINES_LISTED);
}

static void text_map(const struct suspect *s, FILE *out)
{
	const struct cnr_map_summary *ms = &s->map;
	struct wrap w;
	wrap_begin(&w, out, "map");
	wrap_item(&w, "len %" PRIu64, ms->info.len);
	wrap_end(&w);
	wrap_begin(&w, out, "values");
	for (size_t i = 0; i < ms->nvalue_types && i < MAX_VALUE_TYPES_SHOWN; i++)
		wrap_item(&w, "%" PRIu64 " %s", ms->value_types[i].count, ms->value_types[i].name);
	if (ms->nvalue_types > MAX_VALUE_TYPES_SHOWN)
		wrap_item(&w, "%zu more types", ms->nvalue_types - MAX_VALUE_TYPES_SHOWN);
	if (!ms->nvalue_types)
		wrap_item(&w, "none");
	wrap_end(&w);
	if (ms->nclusters) {
		wrap_begin(&w, out, "keys");
		for (size_t i = 0; i < ms->nclusters && i < MAX_CLUSTERS_SHOWN; i++) {
			// Keys are the program's bytes: no control characters to the terminal.
			char pat[MAX_KEY_TEXT], sample[MAX_KEY_TEXT];
			cnr_map_escape_text(ms->clusters[i].name, pat, sizeof(pat));
			cnr_map_escape_text(ms->clusters[i].sample, sample, sizeof(sample));
			if (strcmp(pat, sample) == 0)
				wrap_item(&w, "%" PRIu64 " %s", ms->clusters[i].count, pat);
			else
				wrap_item(&w, "%" PRIu64 " %s (e.g. %s)", ms->clusters[i].count, pat, sample);
		}
		if (ms->nclusters > MAX_CLUSTERS_SHOWN)
			wrap_item(&w, "%zu more patterns", ms->nclusters - MAX_CLUSTERS_SHOWN);
		wrap_end(&w);
	}
	if (ms->nested_entries)
		fprintf(out, "      nesting    %" PRIu64 " entries hold maps or slices of values, max depth %" PRIu64 "\n",
			ms->nested_entries, ms->max_depth);
}

static void text_suspects(const struct model *m, FILE *out)
{
	const struct cnr_heap_graph *hg = m->hg;
	char a[32], b[32];
	fprintf(out, "\nSUSPECTS: %" PRIu32 " object%s retain%s %d%% or more of the live heap", m->over_share,
		m->over_share == 1 ? "" : "s", m->over_share == 1 ? "s" : "", CNR_LEAK_SHARE_PERCENT);
	if (m->sus.size > m->over_share)
		fprintf(out, "; the next largest accumulation points follow");
	fputc('\n', out);
	if (!m->sus.size)
		fputs("  none: no object retains 0.1% of the live heap\n", out);
	for (size_t i = 0; i < m->sus.size; i++) {
		const struct suspect *s = &m->sus.data[i];
		fprintf(out, "\n  #%zu %s at 0x%" PRIx64 "%s\n", i + 1, s->type, s->addr, s->is_map ? " (map)" : "");
		fprintf(out, "      retains    %" PRIu64 " bytes (%s), %.1f%% of the live heap, in %" PRIu64 " object%s\n",
			s->retained, bytes_text(s->retained, a, sizeof(a)), percent(s->retained, hg->live_bytes),
			s->objects, s->objects == 1 ? "" : "s");
		fprintf(out, "      itself     %" PRIu64 " bytes (%s)%s\n", s->shallow, bytes_text(s->shallow, b, sizeof(b)),
			s->is_map ? ": the map's header and internals" : "");
		if (s->within)
			fprintf(out, "      inside     #%" PRIu32 "\n", s->within);
		fprintf(out, "      held by    %s", s->path);
		if (s->root)
			fprintf(out, " (%s)", cnr_root_kind_name(s->root->kind));
		fputc('\n', out);
		if (s->has_summary)
			text_map(s, out);
		struct wrap w;
		wrap_begin(&w, out, "goroutines");
		if (s->ngors)
			text_goroutine_list(m, s->gors, s->ngors, &w);
		else
			wrap_item(&w, "none reach it from their stacks");
		if (s->gors_bounded)
			wrap_item(&w, "(search bounded: others may)");
		wrap_end(&w);
	}
}

static void text_groups(const struct model *m, FILE *out)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	char a[32];
	size_t shown = m->ngroups < m->opts->max_groups ? m->ngroups : m->opts->max_groups;
	fprintf(out, "\nGOROUTINES: %zu in %zu group%s by stack", gs->ngs, m->ngroups, m->ngroups == 1 ? "" : "s");
	if (shown < m->ngroups)
		fprintf(out, ", the %zu largest shown", shown);
	fputc('\n', out);
	for (size_t i = 0; i < shown; i++) {
		const struct group *gr = &m->groups[i];
		fprintf(out, "\n  %" PRIu32 " goroutine%s [", gr->count, gr->count == 1 ? "" : "s");
		for (size_t k = 0; k < gr->nstates; k++) {
			if (gr->nstates == 1)
				fputs(gr->states[k].state, out);
			else
				fprintf(out, "%s%" PRIu32 " %s", k ? ", " : "", gr->states[k].count, gr->states[k].state);
		}
		fprintf(out, "], roots retain %" PRIu64 " bytes (%s): ", gr->retained, bytes_text(gr->retained, a, sizeof(a)));
		for (uint32_t k = 0; k < gr->count && k < MAX_GOROUTINES_LISTED; k++)
			fprintf(out, "%s%" PRIu64, k ? ", " : "", gs->gs[m->by_stack[gr->first + k]].goid);
		if (gr->count > MAX_GOROUTINES_LISTED)
			fprintf(out, ", and %" PRIu32 " more", gr->count - MAX_GOROUTINES_LISTED);
		fputc('\n', out);
		const struct cnr_goroutine *g = &gs->gs[m->by_stack[gr->first]];
		for (size_t f = 0; f < g->nframes && f < MAX_FRAMES_SHOWN; f++) {
			const char *name = gs->frames[g->first_frame + f].func.name;
			fprintf(out, "      %s\n", name ? name : "?");
		}
		if (g->nframes > MAX_FRAMES_SHOWN)
			fprintf(out, "      … %zu more frames\n", g->nframes - MAX_FRAMES_SHOWN);
	}
	if (shown < m->ngroups) {
		size_t rest = 0;
		for (size_t i = shown; i < m->ngroups; i++)
			rest += m->groups[i].count;
		fprintf(out, "\n  … %zu more groups of %zu goroutines (--max-goroutine-groups)\n", m->ngroups - shown, rest);
	}
}

static void text_types(const struct model *m, FILE *out)
{
	size_t shown = m->ntypes < CNR_LEAK_TOP_TYPES ? m->ntypes : CNR_LEAK_TOP_TYPES;
	fprintf(out, "\nTOP TYPES by retained bytes (coroner top shows more)\n");
	fprintf(out, "  %10s %14s %14s %6s  %s\n", "COUNT", "SHALLOW", "RETAINED", "%LIVE", "TYPE");
	for (size_t i = 0; i < shown; i++) {
		const struct cnr_top_row *r = &m->types[i];
		fprintf(out, "  %10" PRIu64 " %14" PRIu64 " %14" PRIu64 " %5.1f%%  %s\n", r->count, r->shallow, r->retained,
			percent(r->retained, m->hg->live_bytes), r->label);
	}
}

static void json_goroutine_list(const struct model *m, struct cnr_json *j, const uint32_t *idx, size_t n)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	cnr_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const struct cnr_goroutine *g = &gs->gs[idx[i]];
		cnr_json_begin_object(j);
		cnr_json_key(j, "goid");
		cnr_json_uint(j, g->goid);
		cnr_json_key(j, "state");
		cnr_json_string(j, g->state);
		cnr_json_key(j, "function");
		cnr_json_string(j, goroutine_function(gs, g));
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

static void json_counts(struct cnr_json *j, const struct cnr_map_count *v, size_t n, bool clusters)
{
	cnr_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		cnr_json_begin_object(j);
		cnr_json_key(j, clusters ? "pattern" : "type");
		cnr_json_string(j, v[i].name);
		cnr_json_key(j, "count");
		cnr_json_uint(j, v[i].count);
		if (clusters) {
			cnr_json_key(j, "key_bytes");
			cnr_json_uint(j, v[i].key_bytes);
			cnr_json_key(j, "sample");
			cnr_json_string(j, v[i].sample);
		}
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

static void json_summary(const struct model *m, struct cnr_json *j)
{
	const struct cnr_program_info *in = &m->info;
	const struct cnr_heap_graph *hg = m->hg;
	cnr_json_key(j, "summary");
	cnr_json_begin_object(j);
	cnr_json_key(j, "go_version");
	cnr_json_string(j, in->go_version);
	cnr_json_key(j, "goarch");
	cnr_json_string(j, in->goarch);
	cnr_json_key(j, "executable");
	cnr_json_string(j, in->exe_path);
	cnr_json_key(j, "build_id");
	cnr_json_string(j, build_id_json(in->build_id));
	cnr_json_key(j, "pid");
	cnr_json_int(j, in->pid);
	cnr_json_key(j, "process_name");
	cnr_json_string(j, in->process_name);
	cnr_json_key(j, "signal");
	cnr_json_int(j, in->signal);
	cnr_json_key(j, "signal_name");
	cnr_json_string(j, in->signal ? cnr_signal_name(in->signal) : NULL);
	cnr_json_key(j, "heap");
	cnr_json_begin_object(j);
	cnr_json_heap_ledger(j, hg);
	cnr_json_end_object(j);
	cnr_json_key(j, "memstats");
	if (m->ms_ok) {
		cnr_json_begin_object(j);
		const struct {
			const char *key;
			uint64_t value;
		} kv[] = {
			{ "HeapAlloc", m->ms.heap_alloc }, { "HeapObjects", m->ms.heap_objects },
			{ "HeapInuse", m->ms.heap_inuse }, { "HeapSys", m->ms.heap_sys },
			{ "TotalAlloc", m->ms.total_alloc }, { "Mallocs", m->ms.mallocs }, { "Frees", m->ms.frees },
			{ "NumGoroutine", (uint64_t)(m->ms.num_goroutine < 0 ? 0 : m->ms.num_goroutine) },
		};
		for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
			cnr_json_key(j, kv[i].key);
			cnr_json_uint(j, kv[i].value);
		}
		cnr_json_end_object(j);
	} else {
		cnr_json_null(j);
	}
	cnr_json_key(j, "goroutines");
	cnr_json_uint(j, hg->gs.ngs);
	cnr_json_key(j, "goroutine_states");
	cnr_json_begin_object(j);
	for (size_t i = 0; i < m->nstates; i++) {
		cnr_json_key(j, m->states[i].state);
		cnr_json_uint(j, m->states[i].count);
	}
	cnr_json_end_object(j);
	cnr_json_key(j, "warnings");
	cnr_json_uint(j, m->warnings);
	cnr_json_end_object(j);
}

static void json_report(const struct model *m, FILE *out)
{
	const struct cnr_heap_graph *hg = m->hg;
	const struct cnr_goroutines *gs = &hg->gs;
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	json_summary(m, &j);
	cnr_json_key(&j, "share_threshold_percent");
	cnr_json_uint(&j, CNR_LEAK_SHARE_PERCENT);
	cnr_json_key(&j, "suspects");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < m->sus.size; i++) {
		const struct suspect *s = &m->sus.data[i];
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "rank");
		cnr_json_uint(&j, i + 1);
		cnr_json_key(&j, "addr");
		cnr_json_hex(&j, s->addr);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, s->type);
		cnr_json_key(&j, "kind");
		cnr_json_string(&j, s->is_map ? "map" : "object");
		cnr_json_key(&j, "size");
		cnr_json_uint(&j, s->size);
		cnr_json_key(&j, "shallow");
		cnr_json_uint(&j, s->shallow);
		cnr_json_key(&j, "retained");
		cnr_json_uint(&j, s->retained);
		cnr_json_key(&j, "objects");
		cnr_json_uint(&j, s->objects);
		cnr_json_key(&j, "within");
		if (s->within)
			cnr_json_uint(&j, s->within);
		else
			cnr_json_null(&j);
		cnr_json_key(&j, "root");
		cnr_json_string(&j, s->root ? s->root->name : NULL);
		cnr_json_key(&j, "root_kind");
		cnr_json_string(&j, s->root ? cnr_root_kind_name(s->root->kind) : NULL);
		cnr_json_key(&j, "path");
		cnr_json_string(&j, s->path);
		if (s->has_summary) {
			cnr_json_key(&j, "map");
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "len");
			cnr_json_uint(&j, s->map.info.len);
			cnr_json_key(&j, "entries");
			cnr_json_uint(&j, s->map.info.entries);
			cnr_json_key(&j, "value_types");
			json_counts(&j, s->map.value_types, s->map.nvalue_types, false);
			cnr_json_key(&j, "key_clusters");
			json_counts(&j, s->map.clusters, s->map.nclusters, true);
			cnr_json_key(&j, "nested_entries");
			cnr_json_uint(&j, s->map.nested_entries);
			cnr_json_key(&j, "max_depth");
			cnr_json_uint(&j, s->map.max_depth);
			cnr_json_end_object(&j);
		}
		cnr_json_key(&j, "goroutines");
		json_goroutine_list(m, &j, s->gors, s->ngors);
		cnr_json_key(&j, "goroutine_search_bounded");
		cnr_json_bool(&j, s->gors_bounded);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_key(&j, "goroutine_groups");
	cnr_json_begin_array(&j);
	size_t shown = m->ngroups < m->opts->max_groups ? m->ngroups : m->opts->max_groups;
	for (size_t i = 0; i < shown; i++) {
		const struct group *gr = &m->groups[i];
		const struct cnr_goroutine *g = &gs->gs[m->by_stack[gr->first]];
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "count");
		cnr_json_uint(&j, gr->count);
		cnr_json_key(&j, "states");
		cnr_json_begin_object(&j);
		for (size_t k = 0; k < gr->nstates; k++) {
			cnr_json_key(&j, gr->states[k].state);
			cnr_json_uint(&j, gr->states[k].count);
		}
		cnr_json_end_object(&j);
		cnr_json_key(&j, "retained");
		cnr_json_uint(&j, gr->retained);
		cnr_json_key(&j, "goids");
		cnr_json_begin_array(&j);
		for (uint32_t k = 0; k < gr->count; k++)
			cnr_json_uint(&j, gs->gs[m->by_stack[gr->first + k]].goid);
		cnr_json_end_array(&j);
		cnr_json_key(&j, "functions");
		cnr_json_begin_array(&j);
		for (size_t f = 0; f < g->nframes; f++)
			cnr_json_string(&j, gs->frames[g->first_frame + f].func.name);
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_key(&j, "goroutine_groups_total");
	cnr_json_uint(&j, m->ngroups);
	cnr_json_key(&j, "top_types");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < m->ntypes && i < CNR_LEAK_TOP_TYPES; i++) {
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, m->types[i].label);
		cnr_json_key(&j, "count");
		cnr_json_uint(&j, m->types[i].count);
		cnr_json_key(&j, "shallow");
		cnr_json_uint(&j, m->types[i].shallow);
		cnr_json_key(&j, "retained");
		cnr_json_uint(&j, m->types[i].retained);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
	fputc('\n', out);
}

static void text_report(const struct model *m, FILE *out)
{
	text_summary(m, out);
	text_suspects(m, out);
	text_groups(m, out);
	text_types(m, out);
}

// --- the whole -------------------------------------------------------------

struct cnr_error *cnr_leak_report(struct cnr_program *prog, struct cnr_heap_graph *hg,
				  const struct cnr_leak_report_opts *opts, FILE *out)
{
	assert(opts->top >= 1 && opts->max_groups >= 1);
	struct model m = { .prog = prog, .hg = hg, .opts = opts };
	struct cnr_graph_dom_tree t = { 0 };
	cnr_program_get_info(prog, &m.info);
	struct cnr_error *err = cnr_memstats_read(prog, &m.ms);
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "runtime.MemStats"));
		err = NULL;
	} else {
		m.ms_ok = true;
	}
	err = cnr_type_cache_create(prog, &m.tc);
	if (!err)
		err = count_states(&hg->gs, NULL, hg->gs.ngs, &m.states, &m.nstates);
	struct cnr_progress progress;
	cnr_progress_begin(&progress, prog->ctx, "suspects", 1);
	if (!err)
		err = cnr_graph_dom_tree_init(hg->graph, &t);
	if (!err)
		err = find_suspects(&m, &t);
	cnr_progress_end(&progress);
	if (!err)
		err = goroutine_roots(&m);
	if (!err)
		err = describe_suspects(&m);
	if (!err)
		err = goroutines_reaching(&m);
	if (!err)
		err = group_goroutines(&m);
	cnr_progress_begin(&progress, prog->ctx, "top types", 1);
	if (!err)
		err = cnr_top_rows(hg, CNR_TOP_BY_TYPE, CNR_TOP_SORT_RETAINED, &m.types, &m.ntypes);
	cnr_progress_end(&progress);
	if (!err) {
		m.warnings = cnr_ctx_warning_count(prog->ctx);
		if (opts->json)
			json_report(&m, out);
		else
			text_report(&m, out);
	}
	for (size_t i = 0; i < m.sus.size; i++) {
		free(m.sus.data[i].gors);
		if (m.sus.data[i].has_summary)
			cnr_map_summary_deinit(&m.sus.data[i].map);
	}
	suspect_vector_deinit(&m.sus);
	for (size_t i = 0; i < m.ngroups; i++)
		free(m.groups[i].states);
	free(m.groups);
	free(m.by_stack);
	free(m.states);
	free(m.groot_first);
	groot_vector_deinit(&m.groots);
	free(m.types);
	cnr_graph_dom_tree_deinit(&t);
	cnr_type_cache_destroy(m.tc);
	return err;
}
