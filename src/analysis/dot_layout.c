// The layout of `coroner dot` (see dot_layout.h).  The graph is laid out
// as a list of nodes and edges, in the order they are met (suspects by
// rank, each chain from its root down), so that the output is the same for
// the same heap; the budget is spent in that order: every chain first (the
// middle of a chain folded into one "… N hops" node if it does not fit
// whole), then the suspects' largest dominated objects, shared out evenly.
// Then every node and edge gets the text it is drawn with.
#include "analysis/dot_layout.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/heap_maps.h"
#include "analysis/leak_model.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/paths.h"
#include "graph/reach.h"
#include "graph/suspects.h"
#include "util/hash_map.h"
#include "util/vector.h"

DEFINE_VECTOR(dnode_vector, struct cnr_dot_node)
DEFINE_VECTOR(dedge_vector, struct cnr_dot_edge)
DEFINE_HASH_MAP(dot_index, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)

struct dot {
	struct cnr_program *prog;
	struct cnr_heap_graph *hg;
	struct cnr_graph *g;
	struct dnode_vector nodes;
	struct dedge_vector edges;
	struct dot_index node_index, edge_index;
};

static uint64_t node_key(enum cnr_dot_node_kind kind, uint32_t id)
{
	return (uint64_t)kind << 32 | id;
}

static bool has_node(const struct dot *d, enum cnr_dot_node_kind kind, uint32_t id)
{
	return dot_index_get(&d->node_index, node_key(kind, id)) != NULL;
}

// The index of the node (kind, id), added if new.
static struct cnr_error *add_node(struct dot *d, enum cnr_dot_node_kind kind, uint32_t id, uint32_t *ret)
{
	bool inserted;
	uint32_t *slot = dot_index_insert(&d->node_index, node_key(kind, id), &inserted);
	if (!slot)
		return &cnr_enomem;
	if (inserted) {
		struct cnr_dot_node *n = dnode_vector_append(&d->nodes);
		if (!n)
			return &cnr_enomem;
		*n = (struct cnr_dot_node){ .kind = kind, .id = id };
		*slot = (uint32_t)(d->nodes.size - 1);
	}
	*ret = *slot;
	return NULL;
}

// The edge from node from to node to, added if new; via: the graph node
// whose pointer word its label names (CNR_GRAPH_NO_NODE: from's).
static struct cnr_error *add_edge_via(struct dot *d, uint32_t from, uint32_t to, enum cnr_dot_edge_kind kind,
				      uint32_t via)
{
	bool inserted;
	uint32_t *slot = dot_index_insert(&d->edge_index, (uint64_t)from << 32 | to, &inserted);
	if (!slot)
		return &cnr_enomem;
	if (inserted) {
		if (!dedge_vector_push(&d->edges, (struct cnr_dot_edge){ .from = from, .to = to, .kind = kind, .via = via }))
			return &cnr_enomem;
		*slot = (uint32_t)(d->edges.size - 1);
	}
	return NULL;
}

static struct cnr_error *add_edge(struct dot *d, uint32_t from, uint32_t to, enum cnr_dot_edge_kind kind)
{
	return add_edge_via(d, from, to, kind, CNR_GRAPH_NO_NODE);
}

// The nodes a chain would add: the root's and the path's not drawn yet.
static uint32_t chain_cost(const struct dot *d, uint32_t label, const struct cnr_graph_path *p, bool folded)
{
	uint32_t cost = !has_node(d, CNR_DOT_ROOT, label);
	for (uint32_t i = 0; i < p->length; i++) {
		if (folded && i > 0 && i + 1 < p->length)
			continue;
		cost += !has_node(d, CNR_DOT_OBJECT, p->nodes[i]);
	}
	return cost + folded; // the "… N hops" node
}

// Draw the chain from the root entry to the suspect; with folded, only
// its first and last objects, the hops between them in one node.
static struct cnr_error *add_chain(struct dot *d, uint32_t label, const struct cnr_graph_path *p, bool folded,
				   uint32_t suspect)
{
	uint32_t prev, cur;
	struct cnr_error *err = add_node(d, CNR_DOT_ROOT, label, &prev);
	enum cnr_dot_edge_kind kind = CNR_DOT_EDGE_ROOT;
	for (uint32_t i = 0; i < p->length && !err; i++) {
		if (folded && i == 1) {
			if ((err = add_node(d, CNR_DOT_HOPS, suspect, &cur)) || (err = add_edge(d, prev, cur, CNR_DOT_EDGE_FOLDED)))
				break;
			d->nodes.data[cur].count = p->length - 2;
			prev = cur;
			kind = CNR_DOT_EDGE_FOLDED;
			i = p->length - 2;
			continue;
		}
		if ((err = add_node(d, CNR_DOT_OBJECT, p->nodes[i], &cur)) || (err = add_edge(d, prev, cur, kind)))
			break;
		prev = cur;
		kind = CNR_DOT_EDGE_POINTER;
	}
	return err;
}

// A dominated object retaining less than the largest one's share by this
// much goes into the summary.
enum { SMALL_FRY = 8 };

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static bool is_map(const struct cnr_heap_graph *hg, uint32_t node)
{
	const struct cnr_obj_type *ty = cnr_heap_graph_type(hg, node);
	return ty && ty->map_rtype && ty->shape == CNR_SHAPE_ONE;
}

// The up to k objects under map header s in the dominator tree that
// retain the most, below its internals (directory, tables, groups;
// buckets): what its entries hold.  holder[i] gets the internal object
// whose slot points to top[i] (its immediate dominator).  A bounded walk.
static uint32_t top_map_entries(struct dot *d, const struct cnr_graph_dom_tree *t, uint32_t s, uint32_t k,
				uint32_t *top, uint32_t *holder)
{
	enum { MAX_INTERNALS = 4096, PER_INTERNAL = 64 };
	uint32_t stack[64], nstack = 0, n = 0, visited = 0;
	uint32_t kids[PER_INTERNAL];
	stack[nstack++] = s;
	while (nstack && visited++ < MAX_INTERNALS) {
		uint32_t v = stack[--nstack];
		uint32_t nk = cnr_graph_dom_tree_top_children(d->g, t, v, PER_INTERNAL, kids);
		for (uint32_t i = 0; i < nk; i++) {
			if (cnr_map_internal_node(d->hg, kids[i])) {
				if (nstack < sizeof(stack) / sizeof(stack[0]))
					stack[nstack++] = kids[i];
				continue;
			}
			// Insert by retained bytes, largest first (ties: lower node).
			uint64_t r = cnr_graph_retained(d->g, kids[i]);
			uint32_t at = n;
			while (at > 0 && (cnr_graph_retained(d->g, top[at - 1]) < r ||
					  (cnr_graph_retained(d->g, top[at - 1]) == r && top[at - 1] > kids[i])))
				at--;
			if (at >= k)
				continue;
			uint32_t last = n < k ? n : k - 1;
			memmove(top + at + 1, top + at, (last - at) * sizeof(*top));
			memmove(holder + at + 1, holder + at, (last - at) * sizeof(*holder));
			top[at] = kids[i];
			holder[at] = v;
			n = n < k ? n + 1 : k;
		}
	}
	return n;
}

// Draw up to k of the objects suspect s dominates, the largest, and fold
// the rest into one node.  An object s points to directly hangs from it by
// that pointer; one it holds through others, by a dashed "dominates" edge.
static struct cnr_error *add_children(struct dot *d, const struct cnr_graph_dom_tree *t, uint32_t sn, uint32_t k)
{
	uint32_t s = d->nodes.data[sn].id;
	uint32_t *top = malloc(((size_t)k + 1) * sizeof(*top)), *sorted = malloc(((size_t)k + 1) * sizeof(*sorted));
	uint32_t *holder = malloc(((size_t)k + 1) * sizeof(*holder));
	bool *direct = calloc((size_t)k + 1, sizeof(*direct));
	// A map's internals fold into it: its children are what its entries hold.
	bool map_entries = is_map(d->hg, s);
	struct cnr_error *err = NULL;
	if (!top || !sorted || !direct || !holder) {
		err = &cnr_enomem;
		goto out;
	}
	uint32_t n = map_entries ? top_map_entries(d, t, s, k, top, holder) : cnr_graph_dom_tree_top_children(d->g, t, s, k, top);
	// Small fry next to the largest is folded too: it would crowd the
	// graph and say nothing the summary does not.
	while (n > 1 && cnr_graph_retained(d->g, top[n - 1]) < cnr_graph_retained(d->g, top[0]) / SMALL_FRY)
		n--;
	memcpy(sorted, top, (size_t)n * sizeof(*top));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	const uint32_t *succ;
	uint32_t ns = cnr_graph_successors(d->g, s, &succ);
	for (uint32_t i = 0; i < ns && n && !map_entries; i++) {
		const uint32_t *hit = bsearch(&succ[i], sorted, n, sizeof(*sorted), cmp_u32);
		if (hit)
			direct[hit - sorted] = true;
	}
	for (uint32_t i = 0; i < n && map_entries; i++) { // held by a slot of the map: map["k"]
		const uint32_t *hs, *at = bsearch(&top[i], sorted, n, sizeof(*sorted), cmp_u32);
		uint32_t nh = cnr_graph_successors(d->g, holder[i], &hs);
		for (uint32_t j = 0; j < nh && at; j++)
			direct[at - sorted] |= hs[j] == top[i];
	}
	uint64_t count = d->nodes.data[sn].count - 1, bytes = cnr_graph_retained(d->g, s) - cnr_graph_size(d->g, s);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c;
		const uint32_t *hit = bsearch(&top[i], sorted, n, sizeof(*sorted), cmp_u32);
		if ((err = add_node(d, CNR_DOT_OBJECT, top[i], &c)) ||
		    (err = add_edge_via(d, sn, c, direct[hit - sorted] ? CNR_DOT_EDGE_POINTER : CNR_DOT_EDGE_DOMINATES,
					map_entries ? holder[i] : CNR_GRAPH_NO_NODE)))
			goto out;
		uint64_t sub;
		if ((err = cnr_graph_dom_tree_count(d->g, t, top[i], &sub)))
			goto out;
		count -= sub;
		bytes -= cnr_graph_retained(d->g, top[i]);
	}
	if (count) {
		uint32_t m;
		if ((err = add_node(d, CNR_DOT_MORE, s, &m)) || (err = add_edge(d, sn, m, CNR_DOT_EDGE_FOLDED)))
			goto out;
		d->nodes.data[m].count = count;
		d->nodes.data[m].bytes = bytes;
	}
out:
	free(top);
	free(sorted);
	free(direct);
	free(holder);
	return err;
}

// The text each node and edge is drawn with.
static struct cnr_error *resolve(struct dot *d)
{
	char name[512];
	for (size_t i = 0; i < d->nodes.size; i++) {
		struct cnr_dot_node *n = &d->nodes.data[i];
		if (n->kind == CNR_DOT_ROOT) {
			n->root = &d->hg->roots.v[n->id];
			continue;
		}
		cnr_heap_graph_slot(d->hg, n->id, &n->addr, &n->size);
		if (n->kind != CNR_DOT_OBJECT)
			continue;
		n->retained = cnr_graph_retained(d->g, n->id);
		cnr_heap_graph_type_name(d->hg, n->id, name, sizeof(name));
		if (!(n->type = strdup(name)))
			return &cnr_enomem;
	}
	for (size_t i = 0; i < d->edges.size; i++) {
		struct cnr_dot_edge *e = &d->edges.data[i];
		if (e->kind != CNR_DOT_EDGE_POINTER)
			continue;
		cnr_heap_graph_edge_label(d->prog, d->hg, e->via != CNR_GRAPH_NO_NODE ? e->via : d->nodes.data[e->from].id,
					  d->nodes.data[e->to].id, name, sizeof(name));
		if (!(e->label = strdup(name)))
			return &cnr_enomem;
	}
	return NULL;
}

static struct cnr_error *find_from(struct cnr_heap_graph *hg, uint64_t addr, uint32_t *ret)
{
	uint64_t id = cnr_heap_graph_object(hg, addr);
	if (id == UINT64_MAX)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "0x%" PRIx64 " is not in an allocated heap object", addr);
	if (!cnr_graph_is_reachable(hg->graph, (uint32_t)id))
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "the object at 0x%" PRIx64 " is garbage: no root reaches it",
					addr);
	*ret = (uint32_t)id;
	return NULL;
}

struct cnr_error *cnr_dot_layout_build(struct cnr_program *prog, struct cnr_heap_graph *hg,
					const struct cnr_dot_opts *opts, struct cnr_dot_layout *ret)
{
	assert(opts->max_nodes >= CNR_DOT_MIN_NODES);
	struct dot d = { .prog = prog, .hg = hg, .g = hg->graph };
	struct cnr_graph_dom_tree t = { 0 };
	uint32_t nsus = 0, placed = 0, *sus = malloc(((size_t)(opts->from ? 1 : opts->top) + 1) * sizeof(*sus));
	uint32_t *sus_node = malloc(((size_t)(opts->from ? 1 : opts->top) + 1) * sizeof(*sus_node));
	struct cnr_error *err = sus && sus_node ? cnr_graph_dom_tree_init(d.g, &t) : &cnr_enomem;
	if (err)
		goto out;
	if (opts->from) {
		err = find_from(hg, opts->from_addr, &sus[0]);
		nsus = 1;
	} else {
		// The object suspects report shows, ranked alike (a map's
		// internals lifted to the map).
		struct cnr_suspect_pick *picks = malloc((size_t)opts->top * sizeof(*picks));
		err = picks ? cnr_heap_object_suspects(hg, &t, opts->top, picks, &nsus, NULL, NULL) : &cnr_enomem;
		for (uint32_t i = 0; !err && i < nsus; i++)
			sus[i] = picks[i].node;
		free(picks);
	}
	if (err)
		goto out;
	// The chains, each whole if it fits with a node for its summary.
	uint32_t budget = opts->max_nodes;
	for (uint32_t i = 0; i < nsus; i++) {
		struct cnr_graph_path p;
		if ((err = cnr_graph_shortest_path(d.g, sus[i], &p)))
			goto out;
		uint32_t label = cnr_graph_root(d.g, p.root).label;
		// Every suspect drawn keeps one node for its summary.
		uint32_t used = (uint32_t)d.nodes.size, reserve = placed + 1;
		bool folded = false;
		if (used + chain_cost(&d, label, &p, false) + reserve > budget) {
			folded = p.length > 3;
			if (!folded || used + chain_cost(&d, label, &p, true) + reserve > budget) {
				cnr_graph_path_deinit(&p);
				break;
			}
		}
		err = add_chain(&d, label, &p, folded, sus[i]);
		cnr_graph_path_deinit(&p);
		uint32_t sn;
		if (!err)
			err = add_node(&d, CNR_DOT_OBJECT, sus[i], &sn);
		if (!err)
			err = cnr_graph_dom_tree_count(d.g, &t, sus[i], &d.nodes.data[sn].count);
		if (err)
			goto out;
		d.nodes.data[sn].rank = i + 1;
		sus_node[placed++] = sn;
	}
	// The largest dominated objects, the budget left shared out evenly.
	for (uint32_t i = 0; i < placed; i++) {
		uint32_t left = budget - (uint32_t)d.nodes.size - (placed - i); // summaries to come
		uint32_t k = left / (placed - i);
		if (k > CNR_DOT_MAX_CHILDREN)
			k = CNR_DOT_MAX_CHILDREN;
		if ((err = add_children(&d, &t, sus_node[i], k)))
			goto out;
	}

	if ((err = resolve(&d)))
		goto out;
	*ret = (struct cnr_dot_layout){
		.nodes = d.nodes.data, .nnodes = d.nodes.size, .edges = d.edges.data, .nedges = d.edges.size,
		.from = opts->from, .live_bytes = hg->live_bytes, .live_objects = hg->live_objects,
	};
	d.nodes = (struct dnode_vector){ 0 };
	d.edges = (struct dedge_vector){ 0 };
out:
	free(sus);
	free(sus_node);
	cnr_graph_dom_tree_deinit(&t);
	struct cnr_dot_layout rest = { .nodes = d.nodes.data, .nnodes = d.nodes.size, .edges = d.edges.data,
				       .nedges = d.edges.size };
	cnr_dot_layout_deinit(&rest);
	dot_index_deinit(&d.node_index);
	dot_index_deinit(&d.edge_index);
	return err;
}

void cnr_dot_layout_deinit(struct cnr_dot_layout *l)
{
	for (size_t i = 0; i < l->nnodes; i++)
		free(l->nodes[i].type);
	for (size_t i = 0; i < l->nedges; i++)
		free(l->edges[i].label);
	free(l->nodes);
	free(l->edges);
	memset(l, 0, sizeof(*l));
}
