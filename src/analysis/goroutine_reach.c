// Which goroutines hold a suspect (see goroutine_reach.h).
#include "analysis/goroutine_reach.h"

#include <stdlib.h>
#include <string.h>

#include "graph/dominators.h"
#include "util/hash_map.h"
#include "util/vector.h"

static inline bool eq_u32(uint32_t a, uint32_t b)
{
	return a == b;
}

// node -> first link of the suspects it is (or dominates: an ancestor)
DEFINE_HASH_MAP(node_links, uint32_t, uint32_t, cnr_hash_u64, eq_u32)

struct link {
	uint32_t suspect, next; // next: UINT32_MAX ends the list
};

DEFINE_VECTOR(link_vector, struct link)
DEFINE_VECTOR(u32_vector, uint32_t)

static bool add_link(struct node_links *m, struct link_vector *links, uint32_t node, uint32_t suspect)
{
	bool inserted;
	uint32_t *head = node_links_get(m, node);
	if (!head) {
		if (!(head = node_links_insert(m, node, &inserted)))
			return false;
		*head = UINT32_MAX;
	}
	if (!link_vector_push(links, (struct link){ suspect, *head }))
		return false;
	*head = (uint32_t)(links->size - 1);
	return true;
}

// S's content (see goroutine_reach.h): a breadth-first walk from S through
// the objects S dominates (stamped mark: an object's idom comes before it
// in the walk, so "dominated" is its idom being S or stamped); each object
// it reaches that S does not dominate is S's content when every heap
// object pointing at it is S or stamped.  Each is linked to suspect s.
static struct cnr_error *link_content(struct cnr_graph *g, uint32_t S, uint32_t s, uint32_t *stamp, uint32_t mark,
				      struct node_links *is, struct link_vector *links, uint64_t *visits,
				      bool *bounded)
{
	struct u32_vector queue = { 0 }, edge = { 0 };
	struct cnr_error *err = NULL;
	stamp[S] = mark;
	if (!u32_vector_push(&queue, S))
		return &cnr_enomem;
	for (size_t q = 0; q < queue.size && !err; q++) {
		const uint32_t *succ;
		uint32_t n = cnr_graph_successors(g, queue.data[q], &succ);
		for (uint32_t e = 0; e < n && !err; e++) {
			uint32_t w = succ[e], d = cnr_graph_idom(g, w);
			if (stamp[w] == mark || stamp[w] == mark + 1)
				continue;
			if (++*visits > CNR_REACH_MAX_VISITS) {
				*bounded = true;
				goto out;
			}
			bool inside = d == S || (d < cnr_graph_node_count(g) && stamp[d] == mark);
			stamp[w] = inside ? mark : mark + 1; // mark + 1: reached, not dominated
			if (!(inside ? u32_vector_push(&queue, w) : u32_vector_push(&edge, w)))
				err = &cnr_enomem;
		}
	}
	for (size_t i = 0; i < edge.size && !err; i++) {
		const uint32_t *pred;
		uint32_t np;
		if ((err = cnr_graph_predecessors(g, edge.data[i], &pred, &np)))
			break;
		bool only = true;
		for (uint32_t p = 0; p < np && only; p++)
			only = pred[p] == S || stamp[pred[p]] == mark;
		if (only && !add_link(is, links, edge.data[i], s))
			err = &cnr_enomem;
	}
out:
	u32_vector_deinit(&queue);
	u32_vector_deinit(&edge);
	return err;
}

struct cnr_error *cnr_goroutines_holding(struct cnr_graph *g, const struct cnr_goroutine_roots *gr,
					 const uint32_t *suspects, size_t nsuspects, struct cnr_goroutine_reach *ret)
{
	uint32_t N = cnr_graph_node_count(g);
	struct node_links is = { 0 }, above = { 0 };
	struct link_vector links = { 0 };
	struct u32_vector *lists = calloc(nsuspects ? nsuspects : 1, sizeof(*lists));
	uint32_t *last = malloc((nsuspects ? nsuspects : 1) * sizeof(*last)); // the last goroutine noted
	uint32_t *stamp = NULL;
	struct cnr_error *err = NULL;
	memset(ret, 0, nsuspects * sizeof(*ret));
	if (!lists || !last) {
		err = &cnr_enomem;
		goto out;
	}
	if (nsuspects && !(err = cnr_graph_build_reverse(g)) &&
	    !(stamp = cnr_graph_alloc(N ? N : 1, sizeof(*stamp), true)))
		err = &cnr_enomem;
	if (err)
		goto out;
	// The suspects and their content by node, and the objects that
	// dominate each.
	uint64_t visits = 0;
	for (size_t i = 0; i < nsuspects; i++) {
		last[i] = UINT32_MAX;
		if (!add_link(&is, &links, suspects[i], (uint32_t)i)) {
			err = &cnr_enomem;
			goto out;
		}
		if ((err = link_content(g, suspects[i], (uint32_t)i, stamp, 2 * (uint32_t)i + 1, &is, &links, &visits,
					&ret[i].bounded)))
			goto out;
		uint32_t v = suspects[i], steps = 0;
		while ((v = cnr_graph_idom(g, v)) < N) {
			if (++steps > CNR_REACH_MAX_CHAIN) {
				ret[i].bounded = true;
				break;
			}
			if (!add_link(&above, &links, v, (uint32_t)i)) {
				err = &cnr_enomem;
				goto out;
			}
		}
	}
	for (size_t k = 0; k < gr->ngs && !err; k++) {
		for (size_t r = gr->first[k]; r < gr->first[k + 1] && !err; r++) {
			uint32_t v = gr->nodes[r];
			// At a suspect or its content, or at what dominates one.
			for (int which = 0; which < 2 && !err; which++) {
				const uint32_t *h = node_links_get(which ? &above : &is, v);
				for (uint32_t l = h ? *h : UINT32_MAX; l != UINT32_MAX && !err; l = links.data[l].next) {
					uint32_t s = links.data[l].suspect;
					if (last[s] != k && !u32_vector_push(&lists[s], (uint32_t)k))
						err = &cnr_enomem;
					last[s] = (uint32_t)k;
				}
			}
		}
	}
out:
	for (size_t i = 0; i < nsuspects && lists; i++) {
		if (err) {
			u32_vector_deinit(&lists[i]);
			continue;
		}
		ret[i].gors = lists[i].data;
		ret[i].ngors = lists[i].size;
	}
	free(lists);
	free(last);
	free(stamp);
	link_vector_deinit(&links);
	node_links_deinit(&is);
	node_links_deinit(&above);
	return err;
}
