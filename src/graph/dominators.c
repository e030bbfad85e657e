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

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/search.h"
#include "util/vector.h"

DEFINE_VECTOR(cnr_graph_eval_stack, uint32_t)

struct snca_input {
	const struct cnr_graph *g;
	// The names of the phases reported through g->ctx.
	const char *dfs_phase, *phase;
	uint32_t group_count;
	// Children of virtual node N + j: vsucc[vsucc_off[j]..vsucc_off[j + 1]);
	// j = group_count is the super-root.
	const uint32_t *vsucc_off;
	const uint32_t *vsucc;
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

// Each node costs cache misses; at ~200 ns each (measured on a KVM guest)
// they would dominate if they depended on one another.  So the passes over
// all edges read the edges in node order and only do independent random
// accesses (the CPU overlaps them), the semidominator loop reads its
// predecessor lists in preorder (sequentially), and the loops that know
// which nodes come next ask for their lines ahead of time.
// DFS_AHEAD: how far below the top of the DFS stack to ask for an entry's
// successors (its offsets were asked for when it was pushed).
// DFS_BITS_AHEAD: how many successors ahead to ask for the bits of.
// EDGE_AHEAD: how many edges ahead the predecessor passes ask for the
// target's number.
// PRED_THREAD_MIN: the fewest edges (or nodes) worth a second thread.
enum { DFS_AHEAD = 2, DFS_BITS_AHEAD = 8, EDGE_AHEAD = 16, PRED_AHEAD = 16, RETAINED_AHEAD = 16, PRED_THREAD_MIN = 1 << 16 };

// A pending edge of the DFS: node, reached from the vertex numbered parent.
struct dfs_entry {
	uint32_t node, parent;
};

DEFINE_VECTOR(cnr_graph_dfs_stack, struct dfs_entry)

// The DFS tree: preorder numbers from 1 (the super-root) to n, 0 for "not
// reached".
struct dfs_tree {
	uint32_t n;
	uint64_t *visited; // [bit_words(N + k + 1) + 1] the vertices reached
	uint32_t *dfnum;   // [N + k + 1] node -> number
	uint32_t *vertex;  // [N + k + 2] number -> node
	uint32_t *parent;  // [N + k + 2] number -> number of the DFS parent
};

static void dfs_tree_deinit(struct dfs_tree *t)
{
	free(t->visited);
	free(t->dfnum);
	free(t->vertex);
	free(t->parent);
	memset(t, 0, sizeof(*t));
}

static struct cnr_error *check_size(uint32_t N, uint32_t k)
{
	if ((uint64_t)N + k + 2 >= UINT32_MAX)
		return cnr_error_create(CNR_ERROR_INVALID, "cannot compute dominators: %u nodes and %u groups are too many",
					N, k);
	return NULL;
}

// Iterative DFS from the super-root with a stack of pending edges, pushed
// in reverse so that they come off in order: the preorder of a recursive
// DFS that takes each node's leaf children first (see below) and then the
// others in order, but going back up costs nothing (no parent's cursor to
// reload), and every successor's offsets are asked for as soon as it is
// known.  Only edges to nodes not visited yet are pushed (the stack holds
// at most E + R + k entries); one may be visited by the time it comes off.
static struct cnr_error *dfs(const struct snca_input *in, struct dfs_tree *ret)
{
	const struct cnr_graph *g = in->g;
	uint32_t N = g->node_count, k = in->group_count;
	struct cnr_error *err = check_size(N, k);
	if (err)
		return err;
	uint32_t nv = N + k + 1, vroot = N + k;
	struct cnr_graph_dfs_stack stack = { 0 };
	// Visited nodes are tested in a bitset, which stays in cache where
	// dfnum[] would not.  So are the leaves (no successors): most heap
	// objects are strings and other pointer-free data.  A DFS may take a
	// node's children in any order; taking its leaves first numbers them
	// at once, without a trip through the stack or a look at their
	// offsets.
	struct dfs_tree t = {
		.visited = calloc(cnr_graph_bit_words(nv) + 1, sizeof(uint64_t)),
		.dfnum = cnr_graph_alloc(nv, sizeof(uint32_t), true),
		.vertex = cnr_graph_alloc((size_t)nv + 1, sizeof(uint32_t), false),
		.parent = cnr_graph_alloc((size_t)nv + 1, sizeof(uint32_t), false),
	};
	uint64_t *leaf = calloc(cnr_graph_bit_words(nv) + 1, sizeof(uint64_t));
	uint64_t *visited = t.visited;
	uint32_t *dfnum = t.dfnum, *vertex = t.vertex, *parent = t.parent;
	if (!visited || !dfnum || !vertex || !parent || !leaf ||
	    !cnr_graph_dfs_stack_push(&stack, (struct dfs_entry){ vroot, 0 }))
		goto enomem;
	for (uint32_t x = 0; x < N; x++) {
		if (g->out_offsets[x] == g->out_offsets[x + 1])
			cnr_graph_set_bit(leaf, x);
	}
	uint32_t n = 0;
	struct cnr_progress progress;
	cnr_progress_begin(&progress, g->ctx, in->dfs_phase, N);
	while (stack.size) {
		struct dfs_entry top = stack.data[--stack.size];
		uint32_t y = top.node;
		cnr_progress_update(&progress, n);
		if (stack.size >= DFS_AHEAD) {
			// Its offsets were asked for when it was pushed.
			uint32_t z = stack.data[stack.size - DFS_AHEAD].node;
			if (z < N)
				__builtin_prefetch(&g->out_targets[g->out_offsets[z]]);
		}
		if (cnr_graph_bit(visited, y))
			continue;
		cnr_graph_set_bit(visited, y);
		uint32_t ny = ++n;
		dfnum[y] = ny;
		vertex[ny] = y;
		parent[ny] = top.parent;
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
		if (!cnr_graph_dfs_stack_reserve(&stack, stack.size + (end - begin)))
			goto enomem;
		for (uint32_t p = end; p-- > begin;) {
			if (p >= begin + DFS_BITS_AHEAD) {
				uint32_t a = succ[p - DFS_BITS_AHEAD];
				__builtin_prefetch(&visited[a / 64]);
				__builtin_prefetch(&leaf[a / 64]);
			}
			uint32_t w = succ[p];
			if (cnr_graph_bit(visited, w))
				continue;
			if (cnr_graph_bit(leaf, w)) {
				cnr_graph_set_bit(visited, w);
				dfnum[w] = ++n;
				vertex[n] = w;
				parent[n] = ny;
				continue;
			}
			stack.data[stack.size++] = (struct dfs_entry){ w, ny };
			__builtin_prefetch(&g->out_offsets[w]);
		}
	}
	cnr_progress_end(&progress);
	cnr_graph_dfs_stack_deinit(&stack);
	free(leaf);
	t.n = n;
	*ret = t;
	return NULL;

enomem:
	cnr_graph_dfs_stack_deinit(&stack);
	free(leaf);
	dfs_tree_deinit(&t);
	return &cnr_enomem;
}

// The predecessors of every vertex but its DFS parent, as preorder
// numbers: those of vertex i are pred[start[i] .. start[i + 1]).  The tree
// edges are left out: the semidominator loop starts from the parent, and
// in a heap most objects have no other retainer, so most lists are empty.
// Built by two passes over the edges in node order (a count, then a fill),
// whose random accesses (the target's number, its parent, its counter) do
// not depend on one another, so the CPU overlaps them; a second thread
// takes the second half of the nodes, with counters of its own.
struct pred_part {
	const struct snca_input *in;
	const struct dfs_tree *t;
	uint32_t lo, hi;  // real nodes [lo, hi)
	bool virtuals;    // and the virtual vertices' edges
	uint32_t *cursor; // [n + 2] counts, then fill positions (decremented)
	uint32_t *pred;   // NULL to count
	// Part 0 (on the caller's thread) reports its edges times the number
	// of parts, from base on.
	struct cnr_progress *progress;
	uint64_t progress_base, progress_scale;
};

static inline void pred_edge(const struct pred_part *p, uint32_t dx, uint32_t dy)
{
	if (p->t->parent[dy] == dx)
		return; // a tree edge (or a duplicate of one)
	if (p->pred)
		p->pred[--p->cursor[dy]] = dx;
	else
		p->cursor[dy]++;
}

static void *pred_pass(void *arg)
{
	const struct pred_part *p = arg;
	const struct cnr_graph *g = p->in->g;
	uint32_t N = g->node_count, E = g->edge_count;
	const uint32_t *dfnum = p->t->dfnum, *targets = g->out_targets, *offsets = g->out_offsets;
	uint32_t e = offsets[p->lo];
	for (uint32_t x = p->lo; x < p->hi; x++) {
		if (p->progress)
			cnr_progress_update(p->progress, p->progress_base + p->progress_scale * (e - offsets[p->lo]));
		uint32_t end = offsets[x + 1], dx = dfnum[x];
		if (!dx) {
			e = end; // unreached: so are its edges' sources
			continue;
		}
		for (; e < end; e++) {
			if (likely(e + 2 * EDGE_AHEAD < E)) {
				__builtin_prefetch(&dfnum[targets[e + 2 * EDGE_AHEAD]]);
				uint32_t da = dfnum[targets[e + EDGE_AHEAD]];
				__builtin_prefetch(&p->t->parent[da]);
				__builtin_prefetch(&p->cursor[da], 1);
			}
			// A reached node's successors are all reached: dy != 0.
			pred_edge(p, dx, dfnum[targets[e]]);
		}
	}
	if (p->virtuals) {
		const struct snca_input *in = p->in;
		for (uint32_t j = 0; j <= in->group_count; j++) {
			uint32_t dx = dfnum[N + j];
			for (uint32_t v = in->vsucc_off[j]; v < in->vsucc_off[j + 1]; v++)
				pred_edge(p, dx, dfnum[in->vsucc[v]]);
		}
	}
	return NULL;
}

// *start_ret: [n + 2], *pred_ret: the lists (see struct pred_part); free
// both.
static struct cnr_error *build_preds(const struct snca_input *in, const struct dfs_tree *t,
				     struct cnr_progress *progress, uint32_t **start_ret, uint32_t **pred_ret)
{
	const struct cnr_graph *g = in->g;
	uint32_t N = g->node_count, n = t->n;
	// Split the edges in halves at a node boundary.
	uint32_t mid = N;
	if (g->edge_count >= PRED_THREAD_MIN) {
		mid = (uint32_t)CNR_PARTITION_POINT(N, m, g->out_offsets[m] < g->edge_count / 2);
	}
	struct pred_part parts[2] = {
		{ .in = in, .t = t, .lo = 0, .hi = mid, .virtuals = true },
		{ .in = in, .t = t, .lo = mid, .hi = N },
	};
	uint32_t nparts = mid < N ? 2 : 1;
	parts[0].progress = progress;
	parts[0].progress_scale = nparts;
	uint32_t *pred = NULL;
	for (uint32_t k = 0; k < nparts; k++) {
		parts[k].cursor = cnr_graph_alloc((size_t)n + 2, sizeof(uint32_t), true);
		if (!parts[k].cursor)
			goto enomem;
	}
	for (int pass = 0; pass < 2; pass++) {
		parts[0].progress_base = (uint64_t)pass * g->edge_count;
		pthread_t thread;
		bool threaded = nparts == 2 && !pthread_create(&thread, NULL, pred_pass, &parts[1]);
		pred_pass(&parts[0]);
		if (threaded)
			pthread_join(thread, NULL);
		else if (nparts == 2)
			pred_pass(&parts[1]);
		if (pass == 1)
			break;
		// Counts to fill positions: part 0 fills vertex i's list down
		// from the end of its share, part 1 down from the list's end.
		uint64_t sum = 0;
		uint32_t *c0 = parts[0].cursor, *c1 = nparts == 2 ? parts[1].cursor : NULL;
		for (uint32_t i = 0; i <= n + 1; i++) {
			uint32_t a = c0[i], b = c1 ? c1[i] : 0;
			sum += (uint64_t)a + b;
			c0[i] = sum - b;
			if (c1)
				c1[i] = sum;
		}
		if (sum > UINT32_MAX) {
			free(parts[0].cursor);
			free(parts[1].cursor);
			return cnr_error_create(CNR_ERROR_INVALID,
						"cannot compute dominators: %" PRIu64 " edges are too many", sum);
		}
		if (!(pred = cnr_graph_alloc(sum + PRED_AHEAD, sizeof(*pred), true)))
			goto enomem;
		parts[0].pred = parts[1].pred = pred;
	}
	// Part 0's positions went down to each list's start.
	if (nparts == 2)
		free(parts[1].cursor);
	*start_ret = parts[0].cursor;
	*pred_ret = pred;
	return NULL;

enomem:
	free(parts[0].cursor);
	free(parts[1].cursor);
	free(pred);
	return &cnr_enomem;
}

// Semi-NCA over the DFS tree *tree (computed here if NULL; consumed either
// way).
static struct cnr_error *snca(const struct snca_input *in, struct dfs_tree *tree, struct snca_result *ret)
{
	struct dfs_tree t;
	struct cnr_error *err;
	if (tree) {
		t = *tree;
		memset(tree, 0, sizeof(*tree));
	} else if ((err = dfs(in, &t))) {
		return err;
	}
	free(t.visited);
	t.visited = NULL;
	struct cnr_graph_eval_stack stack = { 0 };
	struct link *lk = NULL;
	uint32_t *start = NULL, *pred = NULL;
	uint32_t n = t.n;
	// Units: the edges twice (count, fill), then the vertices.
	struct cnr_progress progress;
	uint64_t E = in->g->edge_count;
	cnr_progress_begin(&progress, in->g->ctx, in->phase, 2 * E + n);
	if ((err = build_preds(in, &t, &progress, &start, &pred)))
		goto out;
	err = &cnr_enomem;
	// The DFS parents become the immediate dominators.
	uint32_t *idom = t.parent;
	lk = cnr_graph_alloc((size_t)n + 1, sizeof(*lk), false);
	if (!lk)
		goto out;
	for (uint32_t i = 1; i <= n; i++)
		lk[i] = (struct link){ .ancestor = idom[i], .best = i };

	// Semidominators, in reverse preorder: sdom(w) = the smallest number
	// reachable down from a predecessor through vertices numbered > w.  A
	// predecessor numbered j <= w is not linked yet: it gives j itself.
	// Once vertex i is done, start[i + 1] is not read again: it holds
	// sdom(i) from then on.
	bool enomem = false;
	uint32_t *semi = start + 1;
	for (uint32_t i = n; i >= 2; i--) {
		cnr_progress_update(&progress, 2 * E + (n - i));
		uint32_t s = idom[i]; // the parent
		for (uint32_t e = start[i], end = start[i + 1]; e < end; e++) {
			// Where eval() will start for a predecessor a little ahead.
			uint32_t ahead = pred[e + PRED_AHEAD];
			if (ahead > i)
				__builtin_prefetch(&lk[ahead]);
			uint32_t j = pred[e];
			uint32_t u = j <= i ? j : eval(j, i + 1, lk, &stack, &enomem);
			if (u < s)
				s = u;
		}
		semi[i] = s;
		lk[i].best = s;
	}
	if (enomem)
		goto out;
	free(lk);
	lk = NULL;
	free(pred);
	pred = NULL;

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
	cnr_progress_end(&progress);
	ret->n = n;
	ret->dfnum = t.dfnum;
	ret->vertex = t.vertex;
	ret->idom = idom;
	memset(&t, 0, sizeof(t));
	err = NULL;
out:
	cnr_graph_eval_stack_deinit(&stack);
	dfs_tree_deinit(&t);
	free(start);
	free(pred);
	free(lk);
	return err;
}

// The virtual layer for group_of[r] = the group of root entry r.
struct groups {
	uint32_t *vsucc_off, *vsucc;
};

static void groups_deinit(struct groups *gr)
{
	free(gr->vsucc_off);
	free(gr->vsucc);
}

static struct cnr_error *groups_init(struct groups *gr, const struct cnr_graph *g, uint32_t k,
				     const uint32_t *group_of, struct snca_input *in)
{
	uint32_t N = g->node_count, R = g->root_count;
	memset(gr, 0, sizeof(*gr));
	gr->vsucc_off = calloc((size_t)k + 2, sizeof(*gr->vsucc_off));
	gr->vsucc = malloc(((size_t)R + k) * sizeof(*gr->vsucc));
	if (!gr->vsucc_off || !gr->vsucc) {
		groups_deinit(gr);
		return &cnr_enomem;
	}
	// Counting sort of the root entries by group, entry order kept.
	for (uint32_t r = 0; r < R; r++)
		gr->vsucc_off[group_of[r] + 1]++;
	for (uint32_t j = 0; j < k; j++)
		gr->vsucc_off[j + 1] += gr->vsucc_off[j];
	uint32_t *fill = gr->vsucc_off; // fill[j] = next slot of group j
	for (uint32_t r = 0; r < R; r++)
		gr->vsucc[fill[group_of[r]]++] = g->roots[r].node;
	// fill[j] is now group j's end; shift back so vsucc_off[j] is its start.
	memmove(&gr->vsucc_off[1], &gr->vsucc_off[0], k * sizeof(*gr->vsucc_off));
	gr->vsucc_off[0] = 0;
	// The super-root's children: every group.
	for (uint32_t j = 0; j < k; j++)
		gr->vsucc[R + j] = N + j;
	gr->vsucc_off[k + 1] = R + k;

	*in = (struct snca_input){
		.g = g,
		.dfs_phase = "reachability",
		.phase = "dominators",
		.group_count = k,
		.vsucc_off = gr->vsucc_off,
		.vsucc = gr->vsucc,
	};
	return NULL;
}

// The virtual layer of the plain dominator tree: one group holding every
// root entry.
static struct cnr_error *groups_init_one(struct groups *gr, const struct cnr_graph *g, struct snca_input *in)
{
	uint32_t *group_of = calloc((size_t)g->root_count + 1, sizeof(*group_of)); // all in group 0
	if (!group_of)
		return &cnr_enomem;
	struct cnr_error *err = groups_init(gr, g, 1, group_of, in);
	free(group_of);
	return err;
}

struct cnr_error *cnr_graph_prepare_dominators(struct cnr_graph *g)
{
	if (g->reachable_bits)
		return NULL;
	uint32_t N = g->node_count;
	struct cnr_error *err = check_size(N, 1);
	if (err)
		return err;
	struct groups gr;
	struct snca_input in;
	if ((err = groups_init_one(&gr, g, &in)))
		return err;
	struct dfs_tree t;
	err = dfs(&in, &t);
	groups_deinit(&gr);
	if (err)
		return err;
	// The vertices reached but the two virtual ones (the super-root and
	// the group, numbered 1 and 2) are the reachable nodes.
	uint64_t *bits = t.visited, bytes = 0;
	size_t words = cnr_graph_bit_words(N);
	for (uint32_t v = N; v < N + 2; v++)
		bits[v / 64] &= ~(UINT64_C(1) << (v % 64));
	for (size_t w = 0; w < words; w++) {
		for (uint64_t m = bits[w]; m; m &= m - 1)
			bytes += g->sizes[w * 64 + (uint32_t)__builtin_ctzll(m)];
	}
	g->reachable_bits = bits;
	g->reachable_count = t.n - 2;
	g->reachable_bytes = bytes;
	t.visited = NULL;
	if (g->idom) {
		// The dominators are known already: nothing to keep it for.
		dfs_tree_deinit(&t);
		return NULL;
	}
	g->dfs_n = t.n;
	g->dfs_dfnum = t.dfnum;
	g->dfs_vertex = t.vertex;
	g->dfs_parent = t.parent;
	return NULL;
}

// Back from preorder numbers to node IDs, in place: once the unreachable
// nodes are marked, dfnum[] is not read again.  Walking the numbers reads
// vertex[] and idom[] mostly in order.  The lone group stands for the
// super-root.
struct to_nodes {
	const struct cnr_graph *g;
	const struct snca_result *res;
};

static void *idom_to_nodes(void *arg)
{
	const struct to_nodes *tn = arg;
	const struct snca_result *res = tn->res;
	const uint32_t *vertex = res->vertex, *idom = res->idom;
	uint32_t N = tn->g->node_count, *idom_of = res->dfnum;
	for (uint32_t x = 0; x < N; x++) {
		if (!res->dfnum[x])
			idom_of[x] = CNR_GRAPH_NO_NODE;
	}
	for (uint32_t i = 3; i <= res->n; i++) {
		uint32_t p = vertex[idom[i]];
		idom_of[vertex[i]] = p < N ? p : CNR_GRAPH_SUPER_ROOT;
	}
	return NULL;
}

struct cnr_error *cnr_graph_compute_dominators(struct cnr_graph *g)
{
	if (g->idom)
		return NULL;
	uint32_t N = g->node_count;
	struct groups gr;
	struct snca_input in;
	struct cnr_error *err = groups_init_one(&gr, g, &in);
	if (err)
		return err;
	// The DFS cnr_graph_compute_reachability() left, if any.
	struct dfs_tree cached = {
		.n = g->dfs_n, .dfnum = g->dfs_dfnum, .vertex = g->dfs_vertex, .parent = g->dfs_parent,
	};
	g->dfs_dfnum = g->dfs_vertex = g->dfs_parent = NULL;
	struct snca_result res;
	err = snca(&in, cached.dfnum ? &cached : NULL, &res);
	groups_deinit(&gr);
	if (err)
		return err;

	// Retained sizes over the preorder numbers, where each vertex's idom
	// is numbered below it, most often near it: one backward pass folds
	// each vertex into its idom after all of its own children.
	uint64_t *acc = cnr_graph_alloc((size_t)res.n + 1, sizeof(*acc), false);
	uint64_t *retained = cnr_graph_alloc(N, sizeof(*retained), true); // unreachable: 0
	if (!acc || !retained) {
		free(acc);
		free(retained);
		snca_result_deinit(&res);
		return &cnr_enomem;
	}
	// The idoms go back to node IDs on a second thread meanwhile: it only
	// writes dfnum[], which this does not read.
	struct to_nodes tn = { .g = g, .res = &res };
	pthread_t thread;
	bool threaded = N >= PRED_THREAD_MIN && !pthread_create(&thread, NULL, idom_to_nodes, &tn);
	const uint32_t *vertex = res.vertex, *idom = res.idom;
	for (uint32_t i = 1; i <= res.n; i++) {
		if (i + RETAINED_AHEAD <= res.n && vertex[i + RETAINED_AHEAD] < N)
			__builtin_prefetch(&g->sizes[vertex[i + RETAINED_AHEAD]]);
		acc[i] = vertex[i] < N ? g->sizes[vertex[i]] : 0;
	}
	for (uint32_t i = res.n; i >= 2; i--)
		acc[idom[i]] += acc[i];
	for (uint32_t i = 1; i <= res.n; i++) {
		if (vertex[i] < N)
			retained[vertex[i]] = acc[i];
	}

	// The preorder of the dominator tree, in the same way: subtree sizes
	// (real vertices only) folded backwards, then each vertex placed at
	// its parent's next free slot, forwards (siblings by number).  acc[i]
	// holds the size of i's subtree, then, once i is placed, the next free
	// slot below it.
	uint32_t count = 0;
	for (uint32_t i = 1; i <= res.n; i++) {
		acc[i] = vertex[i] < N;
		count += vertex[i] < N;
	}
	for (uint32_t i = res.n; i >= 2; i--)
		acc[idom[i]] += acc[i];
	uint32_t *order = cnr_graph_alloc((size_t)count + 1, sizeof(*order), false);
	uint32_t *end = cnr_graph_alloc((size_t)count + 1, sizeof(*end), false);
	if (order && end) {
		acc[1] = 0; // the super-root is virtual
		for (uint32_t i = 2; i <= res.n; i++) {
			uint32_t size = acc[i], pos = acc[idom[i]];
			acc[idom[i]] += size;
			if (vertex[i] < N) {
				order[pos] = vertex[i];
				end[pos] = pos + size;
				acc[i] = pos + 1;
			} else {
				acc[i] = pos;
			}
		}
	}
	free(acc);
	if (threaded)
		pthread_join(thread, NULL);
	else
		idom_to_nodes(&tn);
	uint32_t *idom_of = res.dfnum;
	free(res.idom);
	free(res.vertex);
	if (!order || !end) {
		free(order);
		free(end);
		free(idom_of);
		free(retained);
		return &cnr_enomem;
	}
	uint32_t *shrunk = realloc(idom_of, ((size_t)N + 1) * sizeof(*idom_of));
	g->idom = shrunk ? shrunk : idom_of;
	g->dom_order = order;
	g->dom_end = end;
	g->dom_order_count = count;
	g->retained = retained;
	return NULL;
}

struct cnr_error *cnr_graph_compute_retained(struct cnr_graph *g)
{
	// The dominators compute them as they go.
	return cnr_graph_compute_dominators(g);
}

struct label_index {
	uint32_t label, index;
};

static int cmp_label_index(const void *a, const void *b)
{
	const struct label_index *x = a, *y = b;
	return x->label < y->label ? -1 : x->label > y->label;
}

// Retained size of each group of root entries; group_of[r] < count + 1
// (group count: entries that belong to no listed group); consumed.
static struct cnr_error *retained_by_groups(struct cnr_graph *g, uint32_t *group_of, uint32_t count, uint64_t *ret)
{
	uint32_t N = g->node_count;
	uint32_t k = count + 1;
	uint64_t *acc = NULL;
	struct snca_result res = { 0 };
	struct groups gr = { 0 };
	struct snca_input in;
	struct cnr_error *err = groups_init(&gr, g, k, group_of, &in);
	in.dfs_phase = in.phase = "retained by root";
	free(group_of);
	if (err)
		goto out;
	if ((err = snca(&in, NULL, &res)))
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
	return err;
}

struct cnr_error *cnr_graph_retained_by_labels(struct cnr_graph *g, const uint32_t *labels, size_t count,
					       uint64_t *ret)
{
	uint32_t N = g->node_count, R = g->root_count;
	if (count >= UINT32_MAX - (uint64_t)N - 2)
		return cnr_error_create(CNR_ERROR_INVALID, "cannot compute retained sizes of %zu labels: too many",
					count);
	struct cnr_error *err = &cnr_enomem;
	uint32_t k = count + 1; // the last group holds the unlisted labels
	struct label_index *sorted = malloc((count + 1) * sizeof(*sorted));
	uint32_t *group_of = malloc(((size_t)R + 1) * sizeof(*group_of));
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
	err = retained_by_groups(g, group_of, (uint32_t)count, ret);
	group_of = NULL;
out:
	free(group_of);
	free(sorted);
	return err;
}

struct cnr_error *cnr_graph_retained_by_root_groups(struct cnr_graph *g, const uint32_t *group_of_entry,
						    uint32_t count, uint64_t *ret)
{
	uint32_t N = g->node_count, R = g->root_count;
	if (count >= UINT32_MAX - (uint64_t)N - 2)
		return cnr_error_create(CNR_ERROR_INVALID, "cannot compute retained sizes of %u groups: too many", count);
	uint32_t *group_of = malloc(((size_t)R + 1) * sizeof(*group_of));
	if (!group_of)
		return &cnr_enomem;
	for (uint32_t r = 0; r < R; r++)
		group_of[r] = group_of_entry[r] < count ? group_of_entry[r] : count;
	return retained_by_groups(g, group_of, count, ret);
}
