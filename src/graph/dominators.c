// Dominators by semi-NCA (Georgiadis, "Linear-Time Algorithms for
// Dominators and Related Problems", 2005, ch. 3; the form LLVM uses in
// GenericDomTreeConstruction.h): Lengauer–Tarjan semidominators with path
// compression, then each idom as the nearest common ancestor of the DFS
// parent and the semidominator.  It is simpler than the full Lengauer–Tarjan
// (no buckets) and as fast in practice.
//
// Everything is iterative: heaps contain linked lists millions long, so
// neither the DFS nor the path compression may recurse.
//
// The computation runs over the real nodes 0..N-1 plus k >= 1 virtual
// "group" nodes N..N+k-1 and the super-root N+k.  The super-root's children
// are the groups, and each group's children are root nodes.  With one
// group holding every root entry, this is the plain dominator tree (the
// group stands for the super-root).  With one group per label, a group's
// retained size is what its label's roots hold (cnr_graph_retained_by_labels()).
#include "graph/dominators.h"

#include <stdlib.h>
#include <string.h>

#include "util/vector.h"
#include <stdio.h>
#include <time.h>
static double tnow(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
#define TMARK(name) do { double _t = tnow(); fprintf(stderr, "    [%s %.3f]\n", name, _t - _tl); _tl = _t; } while (0)

DEFINE_VECTOR(cnr_graph_eval_stack, uint32_t)

// A virtual node (a group) that precedes a real one.
struct vpred {
	uint32_t node, group;
};

struct snca_input {
	const struct cnr_graph *g;
	uint32_t group_count;
	// Children of virtual node N + j: vsucc[vsucc_off[j]..vsucc_off[j + 1]);
	// j = group_count is the super-root.
	const uint32_t *vsucc_off;
	const uint32_t *vsucc;
	// The group -> root node edges again, sorted by node, for the
	// predecessor side; vpred_bits marks the nodes that have any.
	const struct vpred *vpreds;
	uint32_t vpred_count;
	const uint64_t *vpred_bits;
};

// DFS preorder numbers run from 1 (the super-root) to n; 0 means "not
// reached".
struct snca_result {
	uint32_t n;
	uint32_t *dfnum;  // [N + k + 1] node -> number
	uint32_t *vertex; // [n + 1] number -> node
	uint32_t *idom;   // [n + 1] number -> number of the idom; idom[1] = 0
};

static void snca_result_deinit(struct snca_result *r)
{
	free(r->dfnum);
	free(r->vertex);
	free(r->idom);
}

// The path-compression forest: for each vertex, its ancestor in the forest
// and the smallest semidominator number on the (compressed) path up to it.
// Kept together so that each step of eval() costs one cache miss, not three.
struct link {
	uint32_t ancestor;
	uint32_t best;
};

// The minimum semidominator on the path from v up to, but excluding, the
// root of its tree in the forest of linked vertices (numbers >=
// last_linked), compressing the path on the way.  ancestor starts as the
// DFS parent, best as the vertex's own number (its semidominator until it
// is processed).
static inline uint32_t eval(uint32_t v, uint32_t last_linked, struct link *lk,
			    struct cnr_graph_eval_stack *stack, bool *enomem)
{
	if (lk[v].ancestor < last_linked)
		return lk[v].best;
	stack->size = 0;
	// Each step moves to a smaller number, so this ends within n steps.
	do {
		if (!cnr_graph_eval_stack_push(stack, v)) {
			*enomem = true;
			return lk[v].best;
		}
		v = lk[v].ancestor;
	} while (lk[v].ancestor >= last_linked);
	uint32_t root = lk[v].ancestor, best = lk[v].best;
	do {
		v = stack->data[--stack->size];
		lk[v].ancestor = root;
		if (best < lk[v].best)
			lk[v].best = best;
		else
			best = lk[v].best;
	} while (stack->size);
	return best;
}

// Each node costs a few cache misses that depend on one another (vertex,
// its offsets, its predecessors, their numbers); at ~200 ns each (measured
// on a KVM guest) they would dominate.  The loops below know which nodes
// come next, so they ask for those lines ahead of time and the misses of
// several nodes overlap.
enum { PREFETCH_AHEAD = 16 };

// Prefetch, in stages, what the semidominator loop will need for the
// vertices PREFETCH_AHEAD, /2, /4 and /8 steps below i; each stage reads
// only lines an earlier stage asked for.
static inline void prefetch_preds(const struct cnr_graph *g, const uint32_t *vertex, const uint32_t *dfnum,
				  const struct link *lk, uint32_t i)
{
	uint32_t N = g->node_count;
	if (i <= PREFETCH_AHEAD + 1)
		return;
	uint32_t x = vertex[i - PREFETCH_AHEAD];
	if (x < N)
		__builtin_prefetch(&g->in_offsets[x]);
	x = vertex[i - PREFETCH_AHEAD / 2];
	if (x < N)
		__builtin_prefetch(&g->in_sources[g->in_offsets[x]]);
	x = vertex[i - PREFETCH_AHEAD / 4];
	if (x < N) {
		uint32_t e = g->in_offsets[x], end = g->in_offsets[x + 1];
		for (uint32_t k = 0; k < 4 && e < end; k++, e++)
			__builtin_prefetch(&dfnum[g->in_sources[e]]);
	}
	x = vertex[i - PREFETCH_AHEAD / 8];
	if (x < N) {
		uint32_t e = g->in_offsets[x], end = g->in_offsets[x + 1];
		for (uint32_t k = 0; k < 4 && e < end; k++, e++) {
			uint32_t j = dfnum[g->in_sources[e]];
			if (j > i - PREFETCH_AHEAD / 8)
				__builtin_prefetch(&lk[j]);
		}
	}
}

// A pending edge of the DFS: node, reached from the vertex numbered parent.
struct dfs_entry {
	uint32_t node, parent;
};

DEFINE_VECTOR(cnr_graph_dfs_stack, struct dfs_entry)

static struct cnr_error *snca(const struct snca_input *in, struct snca_result *ret)
{
	const struct cnr_graph *g = in->g;
	uint32_t N = g->node_count, k = in->group_count;
	if ((uint64_t)N + k + 2 >= UINT32_MAX)
		return cnr_error_create(CNR_ERROR_INVALID, "cannot compute dominators: %u nodes and %u groups are too many",
					N, k);
	uint32_t nv = N + k + 1, vroot = N + k;
	struct cnr_error *err = &cnr_enomem;
	struct cnr_graph_eval_stack stack = { 0 };
	struct cnr_graph_dfs_stack dfs = { 0 };
	struct link *lk = NULL;
	uint32_t *semi = NULL;
	// The DFS tests visited nodes in a bitset, which stays in cache where
	// dfnum[] would not.
	uint64_t *visited = calloc(cnr_graph_bit_words(nv) + 1, sizeof(*visited));
	uint32_t *dfnum = cnr_graph_alloc(nv, sizeof(*dfnum), true);
	uint32_t *vertex = cnr_graph_alloc((size_t)nv + 1, sizeof(*vertex), false);
	// The DFS parents, which become the immediate dominators.
	uint32_t *idom = cnr_graph_alloc((size_t)nv + 1, sizeof(*idom), false);
	if (!visited || !dfnum || !vertex || !idom)
		goto out;

	// Iterative DFS with a stack of pending edges, pushed in reverse so
	// that they come off in order: the same preorder as the recursive
	// DFS, but going back up costs nothing (no parent's cursor to reload),
	// and every successor's offsets are asked for as soon as it is known.
	// Only edges to nodes not visited yet are pushed; one may still be
	// visited by the time it comes off.
	double _tl = tnow();
	uint32_t n = 0;
	if (!cnr_graph_dfs_stack_push(&dfs, (struct dfs_entry){ vroot, 0 }))
		goto out;
	cnr_graph_set_bit(visited, vroot);
	while (dfs.size) {
		struct dfs_entry top = dfs.data[--dfs.size];
		uint32_t y = top.node;
		if (n && cnr_graph_bit(visited, y))
			continue;
		cnr_graph_set_bit(visited, y);
		dfnum[y] = ++n;
		vertex[n] = y;
		idom[n] = top.parent;
		const uint32_t *succ;
		uint32_t begin, end;
		if (y < N) {
			succ = g->out_targets;
			begin = g->out_offsets[y];
			end = g->out_offsets[y + 1];
		} else {
			succ = in->vsucc;
			begin = in->vsucc_off[y - N];
			end = in->vsucc_off[y - N + 1];
		}
		if (!cnr_graph_dfs_stack_reserve(&dfs, dfs.size + (end - begin)))
			goto out;
		for (uint32_t p = end; p-- > begin;) {
			uint32_t w = succ[p];
			if (cnr_graph_bit(visited, w))
				continue;
			dfs.data[dfs.size++] = (struct dfs_entry){ w, n };
			__builtin_prefetch(&g->out_offsets[w]);
		}
	}
	TMARK("dfs");
	cnr_graph_dfs_stack_deinit(&dfs);

	free(visited);
	visited = NULL;
	lk = cnr_graph_alloc((size_t)n + 1, sizeof(*lk), false);
	semi = cnr_graph_alloc((size_t)n + 1, sizeof(*semi), false);
	if (!lk || !semi)
		goto out;
	for (uint32_t i = 1; i <= n; i++)
		lk[i] = (struct link){ .ancestor = idom[i], .best = i };

	// Semidominators, in reverse preorder: sdom(w) = the smallest number
	// reachable down from a predecessor through vertices numbered > w.  A
	// predecessor numbered j <= w is not linked yet: it gives j itself.
	bool enomem = false;
	for (uint32_t i = n; i >= 2; i--) {
		prefetch_preds(g, vertex, dfnum, lk, i);
		uint32_t x = vertex[i], s = idom[i];
		if (x < N) {
			for (uint32_t e = g->in_offsets[x]; e < g->in_offsets[x + 1]; e++) {
				uint32_t j = dfnum[g->in_sources[e]];
				if (!j)
					continue; // an unreachable retainer
				uint32_t u = j <= i ? j : eval(j, i + 1, lk, &stack, &enomem);
				if (u < s)
					s = u;
			}
			if (cnr_graph_bit(in->vpred_bits, x)) {
				uint32_t lo = 0, hi = in->vpred_count;
				while (lo < hi) {
					uint32_t mid = lo + (hi - lo) / 2;
					if (in->vpreds[mid].node < x)
						lo = mid + 1;
					else
						hi = mid;
				}
				for (; lo < in->vpred_count && in->vpreds[lo].node == x; lo++) {
					uint32_t j = dfnum[in->vpreds[lo].group];
					uint32_t u = j <= i ? j : eval(j, i + 1, lk, &stack, &enomem);
					if (u < s)
						s = u;
				}
			}
		} else {
			s = 1; // a group: the super-root is its one predecessor
		}
		semi[i] = s;
		lk[i].best = s;
	}
	TMARK("semi");
	if (enomem)
		goto out;
	free(lk);
	lk = NULL;

	// idom(w) = the nearest common ancestor, in the dominator tree built so
	// far, of parent(w) and sdom(w): climb from the parent while above
	// sdom.  Numbers strictly decrease, so each climb ends.
	idom[1] = 0;
	for (uint32_t i = 2; i <= n; i++) {
		uint32_t c = idom[i];
		while (c > semi[i])
			c = idom[c];
		idom[i] = c;
	}

	TMARK("nca");
	ret->n = n;
	ret->dfnum = dfnum;
	ret->vertex = vertex;
	ret->idom = idom;
	dfnum = vertex = idom = NULL;
	err = NULL;
out:
	cnr_graph_eval_stack_deinit(&stack);
	cnr_graph_dfs_stack_deinit(&dfs);
	free(visited);
	free(dfnum);
	free(vertex);
	free(semi);
	free(lk);
	free(idom);
	return err;
}

static int cmp_vpred(const void *a, const void *b)
{
	const struct vpred *x = a, *y = b;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

// The virtual layer for group_of[r] = the group of root entry r.
struct groups {
	uint32_t *vsucc_off, *vsucc;
	struct vpred *vpreds;
};

static void groups_deinit(struct groups *gr)
{
	free(gr->vsucc_off);
	free(gr->vsucc);
	free(gr->vpreds);
}

static struct cnr_error *groups_init(struct groups *gr, const struct cnr_graph *g, uint32_t k,
				     const uint32_t *group_of, struct snca_input *in)
{
	uint32_t N = g->node_count, R = g->root_count;
	memset(gr, 0, sizeof(*gr));
	gr->vsucc_off = calloc((size_t)k + 2, sizeof(*gr->vsucc_off));
	gr->vsucc = malloc(((size_t)R + k) * sizeof(*gr->vsucc));
	gr->vpreds = malloc(((size_t)R + 1) * sizeof(*gr->vpreds));
	if (!gr->vsucc_off || !gr->vsucc || !gr->vpreds) {
		groups_deinit(gr);
		return &cnr_enomem;
	}
	// Counting sort of the root entries by group, entry order kept.
	for (uint32_t r = 0; r < R; r++)
		gr->vsucc_off[group_of[r] + 1]++;
	for (uint32_t j = 0; j < k; j++)
		gr->vsucc_off[j + 1] += gr->vsucc_off[j];
	uint32_t *fill = gr->vsucc_off; // fill[j] = next slot of group j
	for (uint32_t r = 0; r < R; r++) {
		gr->vsucc[fill[group_of[r]]++] = g->roots[r].node;
		gr->vpreds[r] = (struct vpred){ .node = g->roots[r].node, .group = N + group_of[r] };
	}
	// fill[j] is now group j's end; shift back so vsucc_off[j] is its start.
	memmove(&gr->vsucc_off[1], &gr->vsucc_off[0], k * sizeof(*gr->vsucc_off));
	gr->vsucc_off[0] = 0;
	// The super-root's children: every group.
	for (uint32_t j = 0; j < k; j++)
		gr->vsucc[R + j] = N + j;
	gr->vsucc_off[k + 1] = R + k;
	qsort(gr->vpreds, R, sizeof(*gr->vpreds), cmp_vpred);

	*in = (struct snca_input){
		.g = g,
		.group_count = k,
		.vsucc_off = gr->vsucc_off,
		.vsucc = gr->vsucc,
		.vpreds = gr->vpreds,
		.vpred_count = R,
		.vpred_bits = g->root_bits,
	};
	return NULL;
}

struct cnr_error *cnr_graph_compute_dominators(struct cnr_graph *g)
{
	if (g->idom)
		return NULL;
	struct cnr_error *err = cnr_graph_build_reverse(g);
	if (err)
		return err;
	uint32_t N = g->node_count, R = g->root_count;
	uint32_t *group_of = calloc((size_t)R + 1, sizeof(*group_of)); // all in group 0
	if (!group_of)
		return &cnr_enomem;
	struct groups gr;
	struct snca_input in;
	err = groups_init(&gr, g, 1, group_of, &in);
	free(group_of);
	if (err)
		return err;
	struct snca_result res;
	err = snca(&in, &res);
	groups_deinit(&gr);
	if (err)
		return err;

	// Back from preorder numbers to node IDs, in place: dfnum[x] is read
	// before idom_of[x] is written.  The lone group stands for the
	// super-root.
	uint32_t *idom_of = res.dfnum;
	for (uint32_t x = 0; x < N; x++) {
		uint32_t i = res.dfnum[x];
		if (!i) {
			idom_of[x] = CNR_GRAPH_NO_NODE;
		} else {
			uint32_t p = res.vertex[res.idom[i]];
			idom_of[x] = p < N ? p : CNR_GRAPH_SUPER_ROOT;
		}
	}
	// The preorder with the virtual vertices left out (they come first).
	uint32_t *order = res.vertex, count = 0;
	for (uint32_t i = 1; i <= res.n; i++) {
		if (res.vertex[i] < N)
			order[count++] = res.vertex[i];
	}
	free(res.idom);
	uint32_t *shrunk = realloc(idom_of, ((size_t)N + 1) * sizeof(*idom_of));
	g->idom = shrunk ? shrunk : idom_of;
	shrunk = realloc(order, ((size_t)count + 1) * sizeof(*order));
	g->dom_order = shrunk ? shrunk : order;
	g->dom_order_count = count;
	return NULL;
}

struct cnr_error *cnr_graph_compute_retained(struct cnr_graph *g)
{
	if (g->retained)
		return NULL;
	struct cnr_error *err = cnr_graph_compute_dominators(g);
	if (err)
		return err;
	uint64_t *retained = cnr_graph_alloc(g->node_count, sizeof(*retained), true);
	if (!retained)
		return &cnr_enomem;
	for (uint32_t i = 0; i < g->dom_order_count; i++)
		retained[g->dom_order[i]] = g->sizes[g->dom_order[i]];
	// Children come after their idom in the order: walking it backwards
	// finishes each node before adding it to its idom.
	for (uint32_t i = g->dom_order_count; i-- > 0;) {
		uint32_t x = g->dom_order[i], p = g->idom[x];
		if (p < g->node_count)
			retained[p] += retained[x];
	}
	g->retained = retained;
	return NULL;
}

struct label_index {
	uint32_t label, index;
};

static int cmp_label_index(const void *a, const void *b)
{
	const struct label_index *x = a, *y = b;
	return x->label < y->label ? -1 : x->label > y->label;
}

struct cnr_error *cnr_graph_retained_by_labels(struct cnr_graph *g, const uint32_t *labels, size_t count,
					       uint64_t *ret)
{
	uint32_t N = g->node_count, R = g->root_count;
	if (count >= UINT32_MAX - (uint64_t)N - 2)
		return cnr_error_create(CNR_ERROR_INVALID, "cannot compute retained sizes of %zu labels: too many",
					count);
	struct cnr_error *err = cnr_graph_build_reverse(g);
	if (err)
		return err;
	uint32_t k = count + 1; // the last group holds the unlisted labels
	struct label_index *sorted = malloc((count + 1) * sizeof(*sorted));
	uint32_t *group_of = malloc(((size_t)R + 1) * sizeof(*group_of));
	uint64_t *acc = NULL;
	struct snca_result res = { 0 };
	struct groups gr = { 0 };
	err = &cnr_enomem;
	if (!sorted || !group_of)
		goto out;
	for (uint32_t i = 0; i < count; i++)
		sorted[i] = (struct label_index){ .label = labels[i], .index = i };
	qsort(sorted, count, sizeof(*sorted), cmp_label_index);
	for (uint32_t i = 1; i < count; i++) {
		if (sorted[i].label == sorted[i - 1].label) {
			err = cnr_error_create(CNR_ERROR_INVALID, "label %u listed twice", sorted[i].label);
			goto out;
		}
	}
	for (uint32_t r = 0; r < R; r++) {
		struct label_index key = { .label = g->roots[r].label };
		struct label_index *hit = bsearch(&key, sorted, count, sizeof(*sorted), cmp_label_index);
		group_of[r] = hit ? hit->index : k - 1;
	}
	struct snca_input in;
	if ((err = groups_init(&gr, g, k, group_of, &in)))
		goto out;
	free(group_of);
	group_of = NULL;
	if ((err = snca(&in, &res)))
		goto out;
	err = &cnr_enomem;
	acc = cnr_graph_alloc((size_t)res.n + 1, sizeof(*acc), false);
	if (!acc)
		goto out;
	for (uint32_t i = 1; i <= res.n; i++)
		acc[i] = res.vertex[i] < N ? g->sizes[res.vertex[i]] : 0;
	for (uint32_t i = res.n; i >= 2; i--)
		acc[res.idom[i]] += acc[i];
	// Every group is a child of the super-root, so every group is numbered.
	for (uint32_t j = 0; j < count; j++)
		ret[j] = acc[res.dfnum[N + j]];
	err = NULL;
out:
	free(acc);
	snca_result_deinit(&res);
	groups_deinit(&gr);
	free(group_of);
	free(sorted);
	return err;
}
