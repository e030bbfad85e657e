// `coroner dot` (see dot_report.h).  The graph is first laid out as a
// list of nodes and edges, in the order they are met (suspects by rank,
// each chain from its root down), so that the output is the same for the
// same heap; the budget is spent in that order: every chain first (the
// middle of a chain folded into one "… N hops" node if it does not fit
// whole), then the suspects' largest dominated objects, shared out evenly.
#include "report/dot_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "graph/paths.h"
#include "graph/reach.h"
#include "graph/suspects.h"
#include "report/dot_writer.h"
#include "util/hash_map.h"
#include "util/vector.h"

enum dnode_kind { DN_ROOT, DN_OBJECT, DN_HOPS, DN_MORE };

struct dnode {
	enum dnode_kind kind;
	uint32_t id;     // DN_OBJECT: graph node; DN_ROOT: root label; else the suspect's graph node
	uint32_t rank;   // DN_OBJECT: 1 + the suspect's index if it is one, else 0
	uint64_t count;  // DN_HOPS: hops folded; DN_MORE: objects; suspects: objects dominated
	uint64_t bytes;  // DN_MORE: bytes folded
};

enum dedge_kind { DE_ROOT, DE_POINTER, DE_DOMINATES, DE_FOLDED };

struct dedge {
	uint32_t from, to; // dnode indices
	enum dedge_kind kind;
};

DEFINE_VECTOR(dnode_vector, struct dnode)
DEFINE_VECTOR(dedge_vector, struct dedge)
DEFINE_HASH_MAP(dot_index, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)

struct dot {
	struct cnr_program *prog;
	struct cnr_heap_graph *hg;
	struct cnr_graph *g;
	struct dnode_vector nodes;
	struct dedge_vector edges;
	struct dot_index node_index, edge_index;
};

static uint64_t node_key(enum dnode_kind kind, uint32_t id)
{
	return (uint64_t)kind << 32 | id;
}

static bool has_node(const struct dot *d, enum dnode_kind kind, uint32_t id)
{
	return dot_index_get(&d->node_index, node_key(kind, id)) != NULL;
}

// The index of the node (kind, id), added if new.
static struct cnr_error *add_node(struct dot *d, enum dnode_kind kind, uint32_t id, uint32_t *ret)
{
	bool inserted;
	uint32_t *slot = dot_index_insert(&d->node_index, node_key(kind, id), &inserted);
	if (!slot)
		return &cnr_enomem;
	if (inserted) {
		struct dnode *n = dnode_vector_append(&d->nodes);
		if (!n)
			return &cnr_enomem;
		*n = (struct dnode){ .kind = kind, .id = id };
		*slot = (uint32_t)(d->nodes.size - 1);
	}
	*ret = *slot;
	return NULL;
}

static struct cnr_error *add_edge(struct dot *d, uint32_t from, uint32_t to, enum dedge_kind kind)
{
	bool inserted;
	uint32_t *slot = dot_index_insert(&d->edge_index, (uint64_t)from << 32 | to, &inserted);
	if (!slot)
		return &cnr_enomem;
	if (inserted) {
		if (!dedge_vector_push(&d->edges, (struct dedge){ .from = from, .to = to, .kind = kind }))
			return &cnr_enomem;
		*slot = (uint32_t)(d->edges.size - 1);
	}
	return NULL;
}

// The nodes a chain would add: the root's and the path's not drawn yet.
static uint32_t chain_cost(const struct dot *d, uint32_t label, const struct cnr_graph_path *p, bool folded)
{
	uint32_t cost = !has_node(d, DN_ROOT, label);
	for (uint32_t i = 0; i < p->length; i++) {
		if (folded && i > 0 && i + 1 < p->length)
			continue;
		cost += !has_node(d, DN_OBJECT, p->nodes[i]);
	}
	return cost + folded; // the "… N hops" node
}

// Draw the chain from the root entry to the suspect; with folded, only
// its first and last objects, the hops between them in one node.
static struct cnr_error *add_chain(struct dot *d, uint32_t label, const struct cnr_graph_path *p, bool folded,
				   uint32_t suspect)
{
	uint32_t prev, cur;
	struct cnr_error *err = add_node(d, DN_ROOT, label, &prev);
	enum dedge_kind kind = DE_ROOT;
	for (uint32_t i = 0; i < p->length && !err; i++) {
		if (folded && i == 1) {
			if ((err = add_node(d, DN_HOPS, suspect, &cur)) || (err = add_edge(d, prev, cur, DE_FOLDED)))
				break;
			d->nodes.data[cur].count = p->length - 2;
			prev = cur;
			kind = DE_FOLDED;
			i = p->length - 2;
			continue;
		}
		if ((err = add_node(d, DN_OBJECT, p->nodes[i], &cur)) || (err = add_edge(d, prev, cur, kind)))
			break;
		prev = cur;
		kind = DE_POINTER;
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

// Draw up to k of the objects suspect s dominates, the largest, and fold
// the rest into one node.  An object s points to directly hangs from it by
// that pointer; one it holds through others, by a dashed "dominates" edge.
static struct cnr_error *add_children(struct dot *d, const struct cnr_graph_dom_tree *t, uint32_t sn, uint32_t k)
{
	uint32_t s = d->nodes.data[sn].id;
	uint32_t *top = malloc(((size_t)k + 1) * sizeof(*top)), *sorted = malloc(((size_t)k + 1) * sizeof(*sorted));
	bool *direct = calloc((size_t)k + 1, sizeof(*direct));
	struct cnr_error *err = NULL;
	if (!top || !sorted || !direct) {
		err = &cnr_enomem;
		goto out;
	}
	uint32_t n = cnr_graph_dom_tree_top_children(d->g, t, s, k, top);
	// Small fry next to the largest is folded too: it would crowd the
	// graph and say nothing the summary does not.
	while (n > 1 && cnr_graph_retained(d->g, top[n - 1]) < cnr_graph_retained(d->g, top[0]) / SMALL_FRY)
		n--;
	memcpy(sorted, top, (size_t)n * sizeof(*top));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	const uint32_t *succ;
	uint32_t ns = cnr_graph_successors(d->g, s, &succ);
	for (uint32_t i = 0; i < ns && n; i++) {
		const uint32_t *hit = bsearch(&succ[i], sorted, n, sizeof(*sorted), cmp_u32);
		if (hit)
			direct[hit - sorted] = true;
	}
	uint64_t count = d->nodes.data[sn].count - 1, bytes = cnr_graph_retained(d->g, s) - cnr_graph_size(d->g, s);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c;
		const uint32_t *hit = bsearch(&top[i], sorted, n, sizeof(*sorted), cmp_u32);
		if ((err = add_node(d, DN_OBJECT, top[i], &c)) ||
		    (err = add_edge(d, sn, c, direct[hit - sorted] ? DE_POINTER : DE_DOMINATES)))
			goto out;
		uint64_t sub;
		if ((err = cnr_graph_dom_tree_count(d->g, t, top[i], &sub)))
			goto out;
		count -= sub;
		bytes -= cnr_graph_retained(d->g, top[i]);
	}
	if (count) {
		uint32_t m;
		if ((err = add_node(d, DN_MORE, s, &m)) || (err = add_edge(d, sn, m, DE_FOLDED)))
			goto out;
		d->nodes.data[m].count = count;
		d->nodes.data[m].bytes = bytes;
	}
out:
	free(top);
	free(sorted);
	free(direct);
	return err;
}

enum { LABEL_MAX = 80 }; // characters of a name shown on a node or edge

static void write_node_id(FILE *out, const struct dot *d, const struct dnode *n)
{
	static const char *const prefix[] = { [DN_ROOT] = "root", [DN_HOPS] = "hops", [DN_MORE] = "more" };
	if (n->kind == DN_ROOT) {
		fprintf(out, "root%" PRIu32, n->id);
		return;
	}
	uint64_t addr, size;
	cnr_heap_graph_slot(d->hg, n->id, &addr, &size);
	fprintf(out, "%s0x%" PRIx64, n->kind == DN_OBJECT ? "o" : prefix[n->kind], addr);
}

static void write_node(FILE *out, const struct dot *d, const struct dnode *n, bool from)
{
	char a[64], b[64], name[512];
	fputs("  ", out);
	write_node_id(out, d, n);
	switch (n->kind) {
	case DN_ROOT: {
		const struct cnr_root *r = &d->hg->roots.v[n->id];
		fputs(" [shape=cds, style=filled, fillcolor=\"#dde6f7\", label=\"", out);
		cnr_dot_escape(out, r->name, SIZE_MAX, LABEL_MAX);
		fprintf(out, "\\n(%s)\"];\n", cnr_root_kind_name(r->kind));
		break;
	}
	case DN_OBJECT: {
		uint64_t addr, size;
		cnr_heap_graph_slot(d->hg, n->id, &addr, &size);
		cnr_heap_graph_type_name(d->hg, n->id, name, sizeof(name));
		cnr_dot_format_bytes(cnr_graph_retained(d->g, n->id), a, sizeof(a));
		cnr_dot_format_bytes(size, b, sizeof(b));
		if (n->rank)
			fputs(" [style=\"filled,bold\", fillcolor=\"#ffd9d2\", ", out);
		else
			fputs(" [", out);
		fputs("label=\"", out);
		if (n->rank && from)
			fputs("object: ", out);
		else if (n->rank)
			fprintf(out, "suspect #%" PRIu32 ": ", n->rank);
		cnr_dot_escape(out, name, sizeof(name), LABEL_MAX);
		fprintf(out, "\\n0x%" PRIx64 "\\nretains %s", addr, a);
		if (n->rank) {
			char c[32];
			cnr_dot_format_count(n->count, c, sizeof(c));
			fprintf(out, " in %s object%s", c, n->count == 1 ? "" : "s");
		}
		fprintf(out, ", %s itself\"];\n", b);
		break;
	}
	case DN_HOPS:
		cnr_dot_format_count(n->count, a, sizeof(a));
		fprintf(out, " [shape=plaintext, label=\"… %s more hop%s\"];\n", a, n->count == 1 ? "" : "s");
		break;
	case DN_MORE:
		cnr_dot_format_count(n->count, a, sizeof(a));
		cnr_dot_format_bytes(n->bytes, b, sizeof(b));
		fprintf(out, " [shape=note, label=\"… %s more object%s\\n%s\"];\n", a, n->count == 1 ? "" : "s", b);
		break;
	}
}

static void write_edge(FILE *out, const struct dot *d, const struct dedge *e)
{
	const struct dnode *from = &d->nodes.data[e->from], *to = &d->nodes.data[e->to];
	fputs("  ", out);
	write_node_id(out, d, from);
	fputs(" -> ", out);
	write_node_id(out, d, to);
	if (e->kind == DE_POINTER) {
		char label[512];
		cnr_heap_graph_edge_label(d->prog, d->hg, from->id, to->id, label, sizeof(label));
		if (label[0]) {
			fputs(" [label=\"", out);
			cnr_dot_escape(out, label, sizeof(label), LABEL_MAX);
			fputs("\"]", out);
		}
	} else if (e->kind == DE_DOMINATES) {
		fputs(" [style=dashed, label=\"dominates\"]", out);
	} else if (e->kind == DE_FOLDED) {
		fputs(" [style=dashed]", out);
	}
	fputs(";\n", out);
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

struct cnr_error *cnr_dot_report(struct cnr_program *prog, struct cnr_heap_graph *hg, const struct cnr_dot_opts *opts,
				 FILE *out)
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
		// Objects retaining less than 0.1% of the live heap are no suspects.
		err = cnr_graph_find_suspects(d.g, &t, opts->top, hg->live_bytes / 1000 + 1, sus, &nsus);
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
			err = add_node(&d, DN_OBJECT, sus[i], &sn);
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

	char live[32], objects[32];
	cnr_dot_format_bytes(hg->live_bytes, live, sizeof(live));
	cnr_dot_format_count(hg->live_objects, objects, sizeof(objects));
	fputs("digraph coroner {\n", out);
	fprintf(out, "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"%s: live heap %s in %s objects\"];\n",
		opts->from ? "what keeps the object alive" : "leak suspects", live, objects);
	fputs("  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n", out);
	fputs("  edge [fontname=\"Helvetica\", fontsize=9];\n", out);
	for (size_t i = 0; i < d.nodes.size; i++)
		write_node(out, &d, &d.nodes.data[i], opts->from);
	for (size_t i = 0; i < d.edges.size; i++)
		write_edge(out, &d, &d.edges.data[i]);
	fputs("}\n", out);
out:
	free(sus);
	free(sus_node);
	cnr_graph_dom_tree_deinit(&t);
	dnode_vector_deinit(&d.nodes);
	dedge_vector_deinit(&d.edges);
	dot_index_deinit(&d.node_index);
	dot_index_deinit(&d.edge_index);
	return err;
}
