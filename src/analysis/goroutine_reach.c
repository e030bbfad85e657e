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

struct cnr_error *cnr_goroutines_holding(const struct cnr_graph *g, const struct cnr_goroutine_roots *gr,
					 const uint32_t *suspects, size_t nsuspects, struct cnr_goroutine_reach *ret)
{
	uint32_t N = cnr_graph_node_count(g);
	struct node_links is = { 0 }, above = { 0 };
	struct link_vector links = { 0 };
	struct u32_vector *lists = calloc(nsuspects ? nsuspects : 1, sizeof(*lists));
	uint32_t *last = malloc((nsuspects ? nsuspects : 1) * sizeof(*last)); // the last goroutine noted
	struct cnr_error *err = NULL;
	memset(ret, 0, nsuspects * sizeof(*ret));
	if (!lists || !last) {
		err = &cnr_enomem;
		goto out;
	}
	// The suspects by node, and the objects that dominate each.
	for (size_t i = 0; i < nsuspects; i++) {
		last[i] = UINT32_MAX;
		if (!add_link(&is, &links, suspects[i], (uint32_t)i)) {
			err = &cnr_enomem;
			goto out;
		}
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
			// At an object that dominates suspects: it holds them.
			const uint32_t *h = node_links_get(&above, v);
			for (uint32_t l = h ? *h : UINT32_MAX; l != UINT32_MAX && !err; l = links.data[l].next) {
				uint32_t s = links.data[l].suspect;
				if (last[s] != k && !u32_vector_push(&lists[s], (uint32_t)k))
					err = &cnr_enomem;
				last[s] = (uint32_t)k;
			}
			// Into a suspect's retained set: the suspect is on v's chain.
			uint32_t steps = 0;
			for (uint32_t x = v; x < N && !err; x = cnr_graph_idom(g, x)) {
				if (++steps > CNR_REACH_MAX_CHAIN) {
					for (size_t i = 0; i < nsuspects; i++)
						ret[i].bounded |= last[i] != k;
					break;
				}
				h = node_links_get(&is, x);
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
	link_vector_deinit(&links);
	node_links_deinit(&is);
	node_links_deinit(&above);
	return err;
}
