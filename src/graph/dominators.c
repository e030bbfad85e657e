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

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/vector.h"

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
// DFS_AHEAD: how far below the top of the DFS stack to ask for an entry's
// successors (its offsets were asked for when it was pushed).
// SEMI_THREAD_MIN: the fewest vertices worth a second thread.
enum { PREFETCH_AHEAD = 16, DFS_AHEAD = 2, RETAINED_AHEAD = 16, SEMI_THREAD_MIN = 256 };

// Prefetch, in stages, what the semidominator loop will need for the
// vertices PREFETCH_AHEAD, 3/4, 1/2 and 1/2 - 1 of that steps below i:
// their predecessor lists, the predecessors' numbers, and the forest
// entries of those numbered above them (where eval() starts).  Each stage
// reads only lines an earlier stage asked for.  (Prefetching further up
// the forest was tried: the loads it needs stall the loop more than they
// save.)
static inline void prefetch_preds(const struct cnr_graph *g, const uint32_t *vertex, const uint32_t *dfnum,
				  const struct link *lk, uint32_t i)
{
	uint32_t N = g->node_count;
	if (i <= PREFETCH_AHEAD + 1)
		return;
	uint32_t x = vertex[i - PREFETCH_AHEAD];
	if (x < N)
		__builtin_prefetch(&g->in_offsets[x]);
	x = vertex[i - PREFETCH_AHEAD * 3 / 4];
	if (x < N)
		__builtin_prefetch(&g->in_sources[g->in_offsets[x]]);
	x = vertex[i - PREFETCH_AHEAD / 2];
	if (x < N) {
		uint32_t e = g->in_offsets[x], end = g->in_offsets[x + 1];
		for (uint32_t k = 0; k < 4 && e < end; k++, e++)
			__builtin_prefetch(&dfnum[g->in_sources[e]]);
	}
	uint32_t w = i - PREFETCH_AHEAD / 2 + 1;
	x = vertex[w];
	if (lk && x < N) {
		uint32_t e = g->in_offsets[x], end = g->in_offsets[x + 1];
		for (uint32_t k = 0; k < 4 && e < end; k++, e++) {
			uint32_t j = dfnum[g->in_sources[e]];
			if (j > w)
				__builtin_prefetch(&lk[j]);
		}
	}
}

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
// in reverse so that they come off in order: the same preorder as the
// recursive DFS, but going back up costs nothing (no parent's cursor to
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
	// dfnum[] would not.
	struct dfs_tree t = {
		.visited = calloc(cnr_graph_bit_words(nv) + 1, sizeof(uint64_t)),
		.dfnum = cnr_graph_alloc(nv, sizeof(uint32_t), true),
		.vertex = cnr_graph_alloc((size_t)nv + 1, sizeof(uint32_t), false),
		.parent = cnr_graph_alloc((size_t)nv + 1, sizeof(uint32_t), false),
	};
	uint64_t *visited = t.visited;
	uint32_t *dfnum = t.dfnum, *vertex = t.vertex, *parent = t.parent;
	if (!visited || !dfnum || !vertex || !parent ||
	    !cnr_graph_dfs_stack_push(&stack, (struct dfs_entry){ vroot, 0 }))
		goto enomem;
	uint32_t n = 0;
	while (stack.size) {
		struct dfs_entry top = stack.data[--stack.size];
		uint32_t y = top.node;
		if (stack.size >= DFS_AHEAD) {
			// Its offsets were asked for when it was pushed.
			uint32_t z = stack.data[stack.size - DFS_AHEAD].node;
			if (z < N)
				__builtin_prefetch(&g->out_targets[g->out_offsets[z]]);
		}
		if (cnr_graph_bit(visited, y))
			continue;
		cnr_graph_set_bit(visited, y);
		dfnum[y] = ++n;
		vertex[n] = y;
		parent[n] = top.parent;
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
			uint32_t w = succ[p];
			if (cnr_graph_bit(visited, w))
				continue;
			stack.data[stack.size++] = (struct dfs_entry){ w, n };
			__builtin_prefetch(&g->out_offsets[w]);
		}
	}
	cnr_graph_dfs_stack_deinit(&stack);
	t.n = n;
	*ret = t;
	return NULL;

enomem:
	cnr_graph_dfs_stack_deinit(&stack);
	dfs_tree_deinit(&t);
	return &cnr_enomem;
}

// The predecessor numbers the semidominator loop reads, produced by a
// second thread: for each vertex from n down to 2, a count (0 for a group)
// and then that many numbers (0 for an unreachable retainer).  Finding
// them costs several cache misses per vertex that prefetching only partly
// hides; the loop itself waits on path compression.  Run side by side,
// they overlap.  A single-producer, single-consumer ring of words.
enum { RING_WORDS = 1 << 16, RING_PUBLISH = 1024, RING_PEEK = 16 };

struct pred_ring {
	uint32_t *buf; // [RING_WORDS]
	_Alignas(64) _Atomic uint64_t head; // words written
	_Alignas(64) _Atomic uint64_t tail; // words read
};

struct pred_producer {
	const struct snca_input *in;
	const uint32_t *vertex, *dfnum;
	uint32_t n;
	struct pred_ring *ring;
};

static void spin(unsigned *spins)
{
	if (++*spins > 64)
		sched_yield();
}

// The writer's side of the ring.
struct pred_writer {
	struct pred_ring *ring;
	uint64_t pos, room;
};

// Append one word, waiting for room (after publishing what is written, so
// that the reader cannot be waiting too).
static inline void put_pred(struct pred_writer *wr, uint32_t word)
{
	if (wr->pos == wr->room) {
		atomic_store_explicit(&wr->ring->head, wr->pos, memory_order_release);
		unsigned spins = 0;
		while ((wr->room = atomic_load_explicit(&wr->ring->tail, memory_order_acquire) + RING_WORDS) ==
		       wr->pos)
			spin(&spins);
	}
	wr->ring->buf[wr->pos++ & (RING_WORDS - 1)] = word;
}

static void *produce_preds(void *arg)
{
	const struct pred_producer *pp = arg;
	const struct cnr_graph *g = pp->in->g;
	const struct snca_input *in = pp->in;
	const uint32_t *vertex = pp->vertex, *dfnum = pp->dfnum;
	struct pred_ring *r = pp->ring;
	uint32_t N = g->node_count;
	struct pred_writer wr = { .ring = r, .room = RING_WORDS };
	uint64_t published = 0;
	for (uint32_t i = pp->n; i >= 2; i--) {
		prefetch_preds(g, vertex, dfnum, NULL, i);
		uint32_t x = vertex[i];
		if (x >= N) {
			put_pred(&wr, 0);
		} else {
			uint32_t b = g->in_offsets[x], e = g->in_offsets[x + 1], lo = 0, vcount = 0;
			if (cnr_graph_bit(in->vpred_bits, x)) {
				uint32_t hi = in->vpred_count;
				while (lo < hi) {
					uint32_t mid = lo + (hi - lo) / 2;
					if (in->vpreds[mid].node < x)
						lo = mid + 1;
					else
						hi = mid;
				}
				while (lo + vcount < in->vpred_count && in->vpreds[lo + vcount].node == x)
					vcount++;
			}
			// At least the DFS parent precedes it: never 0.
			put_pred(&wr, e - b + vcount);
			for (; b < e; b++)
				put_pred(&wr, dfnum[g->in_sources[b]]);
			for (uint32_t v = 0; v < vcount; v++)
				put_pred(&wr, dfnum[in->vpreds[lo + v].group]);
		}
		if (wr.pos - published >= RING_PUBLISH) {
			atomic_store_explicit(&r->head, wr.pos, memory_order_release);
			published = wr.pos;
		}
	}
	atomic_store_explicit(&r->head, wr.pos, memory_order_release);
	return NULL;
}

// The reader's side of the ring.
struct pred_reader {
	struct pred_ring *ring;
	uint64_t pos, avail, released;
};

static inline uint32_t get_pred(struct pred_reader *rd)
{
	if (rd->pos == rd->avail) {
		atomic_store_explicit(&rd->ring->tail, rd->pos, memory_order_release);
		rd->released = rd->pos;
		unsigned spins = 0;
		while ((rd->avail = atomic_load_explicit(&rd->ring->head, memory_order_acquire)) == rd->pos)
			spin(&spins);
	}
	uint32_t word = rd->ring->buf[rd->pos++ & (RING_WORDS - 1)];
	if (rd->pos - rd->released >= RING_PUBLISH) {
		atomic_store_explicit(&rd->ring->tail, rd->pos, memory_order_release);
		rd->released = rd->pos;
	}
	return word;
}

// Semi-NCA over the DFS tree *tree (computed here if NULL; consumed either
// way).
static struct cnr_error *snca(const struct snca_input *in, struct dfs_tree *tree, struct snca_result *ret)
{
	const struct cnr_graph *g = in->g;
	uint32_t N = g->node_count;
	struct dfs_tree t;
	struct cnr_error *err;
	if (tree) {
		t = *tree;
		memset(tree, 0, sizeof(*tree));
	} else if ((err = dfs(in, &t))) {
		return err;
	}
	err = &cnr_enomem;
	struct cnr_graph_eval_stack stack = { 0 };
	struct link *lk = NULL;
	uint32_t *semi = NULL;
	uint32_t n = t.n, *dfnum = t.dfnum, *vertex = t.vertex;
	// The DFS parents become the immediate dominators.
	uint32_t *idom = t.parent;
	free(t.visited);
	t.visited = NULL;
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
	struct pred_ring ring = { .buf = n >= SEMI_THREAD_MIN ? malloc(RING_WORDS * sizeof(uint32_t)) : NULL };
	struct pred_producer producer = { .in = in, .vertex = vertex, .dfnum = dfnum, .n = n, .ring = &ring };
	pthread_t thread;
	atomic_init(&ring.head, 0);
	atomic_init(&ring.tail, 0);
	// Without a thread (or for small graphs), the loop after this one
	// finds the predecessors itself.
	bool threaded = ring.buf && !pthread_create(&thread, NULL, produce_preds, &producer);
	if (threaded) {
		struct pred_reader rd = { .ring = &ring };
		for (uint32_t i = n; i >= 2; i--) {
			uint32_t count = get_pred(&rd), s = idom[i];
			if (!count)
				s = 1; // a group: the super-root is its one predecessor
			for (; count; count--) {
				// A word a little ahead is most likely a number: if
				// above i, eval() will start there.
				if (rd.avail - rd.pos > RING_PEEK) {
					uint32_t ahead = ring.buf[(rd.pos + RING_PEEK) & (RING_WORDS - 1)];
					if (ahead > i && ahead <= n)
						__builtin_prefetch(&lk[ahead]);
				}
				uint32_t j = get_pred(&rd);
				if (!j)
					continue; // an unreachable retainer
				uint32_t u = j <= i ? j : eval(j, i + 1, lk, &stack, &enomem);
				if (u < s)
					s = u;
			}
			semi[i] = s;
			lk[i].best = s;
		}
		pthread_join(thread, NULL);
	}
	free(ring.buf);
	for (uint32_t i = threaded ? 1 : n; i >= 2; i--) {
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

	ret->n = n;
	ret->dfnum = dfnum;
	ret->vertex = vertex;
	ret->idom = idom;
	memset(&t, 0, sizeof(t));
	err = NULL;
out:
	cnr_graph_eval_stack_deinit(&stack);
	dfs_tree_deinit(&t);
	free(semi);
	free(lk);
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

static void *build_reverse_thread(void *arg)
{
	return cnr_graph_build_reverse(arg);
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
	// The second core builds the predecessor lists meanwhile: the DFS
	// waits on memory, the reverse graph is one sequential pass.  It only
	// reads what the DFS reads and writes g->in_* (which the DFS does not
	// touch) at its end.  If no thread can be had, the dominators build
	// them later.
	pthread_t thread;
	bool threaded = !g->in_offsets && !pthread_create(&thread, NULL, build_reverse_thread, g);
	struct dfs_tree t;
	err = dfs(&in, &t);
	groups_deinit(&gr);
	if (threaded)
		pthread_join(thread, NULL); // an error leaves g->in_* NULL: built again later
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

struct cnr_error *cnr_graph_compute_dominators(struct cnr_graph *g)
{
	if (g->idom)
		return NULL;
	struct cnr_error *err = cnr_graph_build_reverse(g);
	if (err)
		return err;
	uint32_t N = g->node_count;
	struct groups gr;
	struct snca_input in;
	if ((err = groups_init_one(&gr, g, &in)))
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

	// Back from preorder numbers to node IDs, in place: once the
	// unreachable nodes are marked, dfnum[] is not read again.  Walking
	// the numbers reads vertex[] and idom[] mostly in order.  The lone
	// group stands for the super-root.
	uint32_t *idom_of = res.dfnum;
	for (uint32_t x = 0; x < N; x++) {
		if (!res.dfnum[x])
			idom_of[x] = CNR_GRAPH_NO_NODE;
	}
	for (uint32_t i = 3; i <= res.n; i++) {
		uint32_t p = res.vertex[res.idom[i]];
		idom_of[res.vertex[i]] = p < N ? p : CNR_GRAPH_SUPER_ROOT;
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
	uint32_t N = g->node_count;
	uint64_t *retained = cnr_graph_alloc(N, sizeof(*retained), false);
	if (!retained)
		return &cnr_enomem;
	// In node order (sequential): unreachable nodes retain 0.
	for (uint32_t x = 0; x < N; x++)
		retained[x] = g->idom[x] != CNR_GRAPH_NO_NODE ? g->sizes[x] : 0;
	// Children come after their idom in the order: walking it backwards
	// finishes each node before adding it to its idom.  The nodes to come
	// are known, so their lines are asked for ahead.
	const uint32_t *order = g->dom_order;
	for (uint32_t i = g->dom_order_count; i-- > 0;) {
		if (i >= RETAINED_AHEAD) {
			uint32_t y = order[i - RETAINED_AHEAD];
			__builtin_prefetch(&g->idom[y]);
			__builtin_prefetch(&retained[y]);
			if (i >= RETAINED_AHEAD / 2) {
				uint32_t q = g->idom[order[i - RETAINED_AHEAD / 2]];
				if (q < N)
					__builtin_prefetch(&retained[q], 1);
			}
		}
		uint32_t x = order[i], p = g->idom[x];
		if (p < N)
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
	free(group_of);
	free(sorted);
	return err;
}
