// The accumulation point below a suspect (see accumulation.h).
#include "analysis/accumulation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/dominators.h"
#include "util/hash_map.h"
#include "util/vector.h"

enum {
	MAX_DESCENT = 64,        // dominator-tree levels followed down
	MAX_NEAR = 1 << 16,      // objects looked at below the point for its container
	// How deep below the point they are looked for: to the container,
	// then down its internals (a swiss map's directory, tables, groups).
	NEAR_DEPTH = CNR_ACCUMULATION_HOPS + CNR_SUSPECT_MAP_INTERNAL_HOPS,
	MAX_PATH_VISITS = 1 << 16, // objects searched for the way from the suspect
	MAX_PAYLOADS = 1 << 16,    // children followed to name what the entries keep
	MAX_PAYLOAD_TYPES = 16,  // distinct payload types counted
	MAX_HOLDERS = 1024,      // a map's internals read for its entries' values
};

static inline bool eq_u32(uint32_t a, uint32_t b)
{
	return a == b;
}

DEFINE_HASH_MAP(node_index, uint32_t, uint32_t, cnr_hash_u64, eq_u32)
DEFINE_HASH_MAP(pair_set, uint64_t, uint8_t, cnr_hash_u64, cnr_eq_u64)
DEFINE_VECTOR(u32_list, uint32_t)

static bool big_drop_kept(uint64_t part, uint64_t whole)
{
	return part && (unsigned __int128)part * 100 >= (unsigned __int128)whole * CNR_ACCUMULATION_BIG_DROP_PERCENT;
}

uint32_t cnr_accumulation_descend(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
				  const struct cnr_suspect_ops *ops, uint32_t node)
{
	uint32_t x = node;
	for (int depth = 0; depth < MAX_DESCENT; depth++) {
		uint32_t c;
		if (!cnr_graph_dom_tree_top_children(g, t, x, 1, &c) ||
		    !big_drop_kept(cnr_graph_retained(g, c), cnr_graph_retained(g, x)))
			break;
		x = c;
	}
	// Down into a map's internals: the map is the point.
	uint32_t m = cnr_suspect_lift_to_map(g, ops, x);
	if (m != x && (m == node || cnr_suspect_dominates(g, node, m)))
		x = m;
	return x;
}

// Whether node's idom is point: one of the children the point's bytes
// spread over.
static bool child_of(const struct cnr_graph *g, uint32_t point, uint32_t node)
{
	return cnr_graph_idom(g, node) == point;
}

// The container below point (see accumulation.h): a breadth-first walk of
// at most MAX_NEAR objects point dominates, NEAR_DEPTH deep;
// each one's pointers to point's children summed (once per child) into it,
// or into its map when it is a map's internals.
static struct cnr_error *find_container(const struct cnr_graph *g, const struct cnr_suspect_ops *ops, uint32_t point,
					uint32_t *container_ret, uint64_t *held_ret)
{
	struct u32_list near = { 0 }, owners = { 0 };
	struct node_index seen = { 0 }, owner_index = { 0 };
	uint64_t *holds = NULL;
	size_t nholds = 0, cap_holds = 0;
	struct cnr_error *err = NULL;
	uint8_t *depth = NULL;
	bool inserted;
	*container_ret = CNR_GRAPH_NO_NODE;
	*held_ret = 0;
	if (!u32_list_push(&near, point) || !node_index_insert(&seen, point, &inserted) ||
	    !(depth = malloc(MAX_NEAR))) {
		err = &cnr_enomem;
		goto out;
	}
	depth[0] = 0;
	for (size_t q = 0; q < near.size; q++) {
		uint32_t v = near.data[q];
		const uint32_t *succ;
		uint32_t n = cnr_graph_successors(g, v, &succ);
		for (uint32_t e = 0; e < n && depth[q] < NEAR_DEPTH && near.size < MAX_NEAR; e++) {
			uint32_t w = succ[e];
			if (node_index_get(&seen, w) || !cnr_suspect_dominates(g, point, w))
				continue;
			uint32_t *slot = node_index_insert(&seen, w, &inserted);
			if (!slot || !u32_list_push(&near, w)) {
				err = &cnr_enomem;
				goto out;
			}
			*slot = 0;
			depth[near.size - 1] = (uint8_t)(depth[q] + 1);
		}
	}
	// Each holder's pointers to point's children, summed into it or its
	// map, a child counted once per owner.
	struct pair_set counted = { 0 };
	for (size_t q = 0; q < near.size && !err; q++) {
		uint32_t v = near.data[q];
		uint32_t owner = cnr_suspect_lift_to_map(g, ops, v);
		if (owner != v && owner != point && !cnr_suspect_dominates(g, point, owner))
			owner = v;
		const uint32_t *succ;
		uint32_t n = cnr_graph_successors(g, v, &succ);
		uint64_t direct = 0;
		for (uint32_t e = 0; e < n; e++) {
			uint32_t w = succ[e];
			uint64_t key = (uint64_t)owner << 32 | w;
			if (w == v || !child_of(g, point, w) || pair_set_get(&counted, key))
				continue;
			if (!pair_set_insert(&counted, key, &inserted)) {
				err = &cnr_enomem;
				break;
			}
			direct += cnr_graph_retained(g, w);
		}
		if (!direct || err)
			continue;
		uint32_t *k = node_index_get(&owner_index, owner);
		if (!k) {
			if (nholds == cap_holds) {
				size_t nc = cap_holds ? 2 * cap_holds : 16;
				uint64_t *h = realloc(holds, nc * sizeof(*holds));
				if (!h) {
					err = &cnr_enomem;
					break;
				}
				holds = h;
				cap_holds = nc;
			}
			if (!(k = node_index_insert(&owner_index, owner, &inserted)) || !u32_list_push(&owners, owner)) {
				err = &cnr_enomem;
				break;
			}
			*k = (uint32_t)nholds;
			holds[nholds++] = 0;
		}
		holds[*k] += direct;
	}
	pair_set_deinit(&counted);
	for (size_t i = 0; !err && i < nholds; i++) {
		uint32_t o = owners.data[i];
		if (holds[i] > *held_ret || (holds[i] == *held_ret && o < *container_ret)) {
			*held_ret = holds[i];
			*container_ret = o;
		}
	}
	if (!err && !big_drop_kept(*held_ret, cnr_graph_retained(g, point))) {
		*container_ret = CNR_GRAPH_NO_NODE;
		*held_ret = 0;
	}
out:
	free(depth);
	free(holds);
	u32_list_deinit(&near);
	u32_list_deinit(&owners);
	node_index_deinit(&seen);
	node_index_deinit(&owner_index);
	return err;
}

// The way from suspect to target through objects suspect dominates (a
// breadth-first search, bounded), into ret->path; npath 0 if not found.
static struct cnr_error *find_path(const struct cnr_graph *g, uint32_t suspect, uint32_t target,
				   struct cnr_accumulation *ret)
{
	struct u32_list queue = { 0 }, parent = { 0 };
	struct node_index seen = { 0 };
	bool inserted;
	struct cnr_error *err = NULL;
	ret->npath = 0;
	uint32_t *slot;
	if (!u32_list_push(&queue, suspect) || !u32_list_push(&parent, UINT32_MAX) ||
	    !(slot = node_index_insert(&seen, suspect, &inserted))) {
		err = &cnr_enomem;
		goto out;
	}
	*slot = 0;
	size_t found = SIZE_MAX;
	for (size_t q = 0; q < queue.size && found == SIZE_MAX && queue.size < MAX_PATH_VISITS; q++) {
		uint32_t v = queue.data[q];
		if (v == target) {
			found = q;
			break;
		}
		const uint32_t *succ;
		uint32_t n = cnr_graph_successors(g, v, &succ);
		for (uint32_t e = 0; e < n; e++) {
			uint32_t w = succ[e];
			if (node_index_get(&seen, w) || (w != target && !cnr_suspect_dominates(g, suspect, w)))
				continue;
			if (!(slot = node_index_insert(&seen, w, &inserted)) || !u32_list_push(&queue, w) ||
			    !u32_list_push(&parent, (uint32_t)q)) {
				err = &cnr_enomem;
				goto out;
			}
			*slot = (uint32_t)(queue.size - 1);
			if (w == target) {
				found = queue.size - 1;
				break;
			}
		}
	}
	if (found == SIZE_MAX)
		goto out;
	uint32_t n = 0;
	for (size_t i = found; i != UINT32_MAX && n < CNR_ACCUMULATION_MAX_PATH; i = parent.data[i])
		n++;
	if (n >= CNR_ACCUMULATION_MAX_PATH)
		goto out; // longer than shown: left out
	ret->npath = n;
	for (size_t i = found; i != UINT32_MAX; i = parent.data[i])
		ret->path[--n] = queue.data[i];
out:
	u32_list_deinit(&queue);
	u32_list_deinit(&parent);
	node_index_deinit(&seen);
	return err;
}

// What the entries' values keep: the descent from each child of point the
// container's internals reach (at most MAX_PAYLOADS), counted by the type
// it ends at where it went below the child (a key's string box keeps
// nothing below itself); the most common one.
static void find_payload(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
			 const struct cnr_accumulation_ops *ops, uint32_t point, uint32_t container,
			 struct cnr_accumulation *ret)
{
	struct {
		char name[256];
		uint64_t count;
		uint32_t node;
	} types[MAX_PAYLOAD_TYPES];
	size_t ntypes = 0;
	uint64_t seen = 0;
	ret->payload = CNR_GRAPH_NO_NODE;
	// The container's own pointers (a slice's array, a buffer), or for a
	// map its internals' (buckets, directory, tables and groups: the nodes
	// below it in the dominator tree that lift to it).  A child counts
	// when the point dominates it directly, or the internal holding it
	// does (a map whose entries only it holds).
	uint32_t holders[MAX_HOLDERS], nh = 0, depth_end[CNR_SUSPECT_MAP_INTERNAL_HOPS + 1];
	bool is_map = ops->suspect->is_map_header(ops->suspect->arg, container);
	holders[nh++] = container;
	for (unsigned d = 0, from = 0; is_map && d < CNR_SUSPECT_MAP_INTERNAL_HOPS; d++) {
		depth_end[d] = nh;
		for (uint32_t i = from; i < depth_end[d]; i++) {
			const uint32_t *kids;
			uint32_t nkids = cnr_graph_dom_tree_children(t, holders[i], &kids);
			for (uint32_t k = 0; k < nkids && nh < MAX_HOLDERS; k++) {
				if (cnr_suspect_lift_to_map(g, ops->suspect, kids[k]) == container)
					holders[nh++] = kids[k];
			}
		}
		from = depth_end[d];
	}
	for (uint32_t h = is_map ? 1 : 0; h < nh && seen < MAX_PAYLOADS; h++) {
		uint32_t holder = holders[h];
		const uint32_t *succ;
		uint32_t n = cnr_graph_successors(g, holder, &succ);
		for (uint32_t e = 0; e < n && seen < MAX_PAYLOADS; e++) {
			uint32_t w = succ[e];
			if (!child_of(g, point, w) && !child_of(g, holder, w))
				continue;
			if (is_map && cnr_suspect_lift_to_map(g, ops->suspect, w) == container)
				continue; // an internal of the map (an overflow bucket)
			seen++;
			uint32_t end = cnr_accumulation_descend(g, t, ops->suspect, w);
			if (end == w)
				continue; // keeps nothing below itself (a key's string, a scalar's box)
			char name[256];
			ops->type_name(ops->arg, end, name, sizeof(name));
			size_t k = 0;
			while (k < ntypes && strcmp(types[k].name, name) != 0)
				k++;
			if (k == ntypes && ntypes < MAX_PAYLOAD_TYPES) {
				snprintf(types[k].name, sizeof(types[k].name), "%s", name);
				types[k].count = 0;
				types[k].node = end;
				ntypes++;
			}
			if (k < ntypes)
				types[k].count++;
		}
	}
	size_t best = SIZE_MAX;
	for (size_t k = 0; k < ntypes; k++) {
		if (best == SIZE_MAX || types[k].count > types[best].count)
			best = k;
	}
	ret->entries_seen = seen;
	if (best == SIZE_MAX)
		return;
	ret->payload = types[best].node;
	ret->payload_count = types[best].count;
	snprintf(ret->payload_type, sizeof(ret->payload_type), "%s", types[best].name);
}

struct cnr_error *cnr_accumulation_find(const struct cnr_graph *g, const struct cnr_graph_dom_tree *t,
					const struct cnr_accumulation_ops *ops, uint32_t suspect,
					struct cnr_accumulation *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->container = ret->payload = CNR_GRAPH_NO_NODE;
	ret->point = cnr_accumulation_descend(g, t, ops->suspect, suspect);
	struct cnr_error *err = NULL;
	if (ops->suspect->is_map_header(ops->suspect->arg, ret->point)) {
		ret->container = ret->point;
		ret->held = cnr_graph_retained(g, ret->point);
	} else {
		err = find_container(g, ops->suspect, ret->point, &ret->container, &ret->held);
	}
	uint32_t target = ret->container != CNR_GRAPH_NO_NODE ? ret->container : ret->point;
	if (!err && target != suspect)
		err = find_path(g, suspect, target, ret);
	if (!err && ret->container != CNR_GRAPH_NO_NODE)
		find_payload(g, t, ops, ret->point, ret->container, ret);
	return err;
}
