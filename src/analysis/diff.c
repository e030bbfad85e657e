// The diff of two cores (see diff.h): the summary, the accumulation points
// matched across the cores, the new and the freed objects, the goroutine
// groups and the new blocked goroutines.
#include "analysis/diff.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/goroutine_roots.h"
#include "analysis/group_suspects.h"
#include "goruntime/heap_objects.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "goruntime/types.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "util/hash_map.h"
#include "util/search.h"
#include "util/vector.h"

DEFINE_HASH_MAP(str_index, const char *, uint32_t, cnr_hash_string, cnr_eq_string)
DEFINE_HASH_MAP(u64_index, uint64_t, uint32_t, cnr_hash_u64, cnr_eq_u64)
DEFINE_VECTOR(change_vector, struct cnr_diff_change)
DEFINE_VECTOR(count_vector, struct cnr_diff_count)
DEFINE_VECTOR(rows_vector, struct cnr_diff_objects_row)
DEFINE_VECTOR(group_rows, struct cnr_diff_group_row)

static const char *pool_str(struct cnr_diff *d, const char *text)
{
	return text ? cnr_string_pool_add(&d->pool, text, strlen(text)) : NULL;
}

// --- summary -------------------------------------------------------------

static void stat_set(struct cnr_diff *d, const char *name, bool bytes, uint64_t old, uint64_t new_)
{
	struct cnr_diff_stat *s = &d->stats[d->nstats++];
	*s = (struct cnr_diff_stat){ .name = name, .bytes = bytes, .old = old, .new_ = new_ };
	s->delta = (int64_t)(new_ - old);
	s->has_percent = old != 0;
	s->percent = old ? 100.0 * (double)s->delta / (double)old : 0.0;
	s->has_rate = d->has_interval;
	s->per_minute = d->has_interval ? (double)s->delta * 60e9 / (double)d->interval_ns : 0.0;
}

static struct cnr_error *summarize(struct cnr_diff *d)
{
	const struct cnr_diff_side *o = d->old, *n = d->new_;
	d->same_pid = o->info.pid && o->info.pid == n->info.pid;
	d->has_interval = o->now > 0 && n->now > o->now;
	d->interval_ns = d->has_interval ? n->now - o->now : 0;
	d->stats = calloc(12, sizeof(*d->stats));
	if (!d->stats)
		return &cnr_enomem;
	if (o->ms_ok && n->ms_ok) {
		stat_set(d, "HeapAlloc", true, o->ms.heap_alloc, n->ms.heap_alloc);
		stat_set(d, "HeapObjects", false, o->ms.heap_objects, n->ms.heap_objects);
		stat_set(d, "HeapInuse", true, o->ms.heap_inuse, n->ms.heap_inuse);
		stat_set(d, "NumGC", false, o->ms.num_gc, n->ms.num_gc);
	}
	stat_set(d, "goroutines", false, o->ngoroutines, n->ngoroutines);
	stat_set(d, "live bytes", true, o->live_bytes, n->live_bytes);
	stat_set(d, "live objects", false, o->live_objects, n->live_objects);
	stat_set(d, "garbage bytes", true, o->garbage_bytes, n->garbage_bytes);
	stat_set(d, "garbage objects", false, o->garbage_objects, n->garbage_objects);
	return NULL;
}

// --- accumulation points ----------------------------------------------------

// A map's length and contents in one core: the point's own summary, else
// one made now from that core (sum_ret owns it then: *owned).
struct map_facts {
	bool has_len;
	uint64_t len;
	const struct cnr_map_summary *sum;
	struct cnr_map_summary owned_sum;
	bool owned;
};

static struct cnr_error *map_facts(const struct cnr_diff_side *s, struct cnr_type_cache **tc, uint64_t addr,
				   uint64_t rtype, struct map_facts *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!addr)
		return NULL;
	for (size_t i = 0; i < s->npoints; i++) {
		if (s->points[i].addr == addr && s->points[i].has_summary) {
			ret->sum = &s->points[i].map;
			ret->has_len = true;
			ret->len = ret->sum->info.len;
			return NULL;
		}
	}
	struct cnr_error *err = *tc ? NULL : cnr_type_cache_create(s->prog, tc);
	if (!err)
		err = cnr_map_summarize(s->prog, *tc, addr, rtype, &ret->owned_sum);
	if (err == &cnr_enomem)
		return err;
	if (err) {
		cnr_warn_error(s->prog->ctx, cnr_error_wrap(err, "map at 0x%" PRIx64, addr));
		return NULL;
	}
	ret->owned = true;
	ret->sum = &ret->owned_sum;
	ret->has_len = true;
	ret->len = ret->sum->info.len;
	return NULL;
}

static void map_facts_deinit(struct map_facts *f)
{
	if (f->owned)
		cnr_map_summary_deinit(&f->owned_sum);
}

static int cmp_count(const void *a, const void *b)
{
	const struct cnr_diff_count *x = a, *y = b;
	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	if (x->new_ != y->new_)
		return x->new_ > y->new_ ? -1 : 1;
	return strcmp(x->name, y->name);
}

// Old and new counts by name, merged, most grown first.
static struct cnr_error *merge_counts(struct cnr_diff *d, const struct cnr_map_count *old, size_t nold,
				      const struct cnr_map_count *new_, size_t nnew, struct cnr_diff_count **ret,
				      size_t *n_ret)
{
	struct count_vector v = { 0 };
	struct str_index at = { 0 };
	struct cnr_error *err = NULL;
	for (int side = 0; side < 2 && !err; side++) {
		const struct cnr_map_count *c = side ? new_ : old;
		size_t n = side ? nnew : nold;
		for (size_t i = 0; i < n && !err; i++) {
			bool inserted;
			uint32_t *idx = str_index_insert(&at, c[i].name, &inserted);
			struct cnr_diff_count *row = NULL;
			if (idx && inserted && (row = count_vector_append(&v))) {
				*idx = (uint32_t)(v.size - 1);
				*row = (struct cnr_diff_count){ .name = pool_str(d, c[i].name),
								.sample = pool_str(d, c[i].sample) };
				if (!row->name)
					err = &cnr_enomem;
			} else if (idx && !inserted) {
				row = &v.data[*idx];
				if (!row->sample && c[i].sample)
					row->sample = pool_str(d, c[i].sample);
			}
			if (!row) {
				err = &cnr_enomem;
				break;
			}
			if (side)
				row->new_ += c[i].count;
			else
				row->old += c[i].count;
		}
	}
	str_index_deinit(&at);
	if (err) {
		count_vector_deinit(&v);
		return err;
	}
	for (size_t i = 0; i < v.size; i++)
		v.data[i].delta = (int64_t)(v.data[i].new_ - v.data[i].old);
	if (v.size)
		qsort(v.data, v.size, sizeof(*v.data), cmp_count);
	*ret = v.data;
	*n_ret = v.size;
	return NULL;
}

// For a map: its length, key clusters and value types in both cores.
static struct cnr_error *describe_map(struct cnr_diff *d, struct cnr_type_cache **tcs, uint64_t rtype,
				      struct cnr_diff_change *c)
{
	struct map_facts o, n;
	struct cnr_error *err = map_facts(d->old, &tcs[0], c->addr_old, rtype, &o);
	if (err)
		return err;
	err = map_facts(d->new_, &tcs[1], c->addr_new, rtype, &n);
	if (err) {
		map_facts_deinit(&o);
		return err;
	}
	c->has_len_old = o.has_len;
	c->len_old = o.len;
	c->has_len_new = n.has_len;
	c->len_new = n.len;
	err = merge_counts(d, o.sum ? o.sum->clusters : NULL, o.sum ? o.sum->nclusters : 0,
			   n.sum ? n.sum->clusters : NULL, n.sum ? n.sum->nclusters : 0, &c->clusters, &c->nclusters);
	if (!err)
		err = merge_counts(d, o.sum ? o.sum->value_types : NULL, o.sum ? o.sum->nvalue_types : 0,
				   n.sum ? n.sum->value_types : NULL, n.sum ? n.sum->nvalue_types : 0,
				   &c->value_types, &c->nvalue_types);
	map_facts_deinit(&o);
	map_facts_deinit(&n);
	return err;
}

static int cmp_change_grown(const void *a, const void *b)
{
	const struct cnr_diff_change *x = a, *y = b;
	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->addr_new < y->addr_new ? -1 : x->addr_new > y->addr_new;
}

static int cmp_change_shrunk(const void *a, const void *b)
{
	return -cmp_change_grown(a, b);
}

// A change whose new object's dominated count is still to be found.
struct pending_count {
	uint32_t node;
	size_t change;
};

static int cmp_pending(const void *a, const void *b)
{
	const struct pending_count *x = a, *y = b;
	return x->node < y->node ? -1 : x->node > y->node;
}

// The dominated counts of the pending changes' objects in the new core, in
// one pass over its dominator tree's preorder (a node's subtree follows
// it: ends[k] - k nodes, itself included).
static void fill_counts(const struct cnr_heap_graph *hg, struct pending_count *p, size_t np, struct change_vector *out)
{
	if (!np)
		return;
	qsort(p, np, sizeof(*p), cmp_pending);
	const uint32_t *order, *ends = cnr_graph_dom_ends(hg->graph);
	uint32_t n = cnr_graph_dom_order(hg->graph, &order);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t v = order[k];
		size_t i = CNR_PARTITION_POINT(np, j, p[j].node < v);
		for (; i < np && p[i].node == v; i++)
			out->data[p[i].change].objects_new = ends[k] - k;
	}
}

// Every accumulation point of either core, matched with the other core.
static struct cnr_error *match_points(struct cnr_diff *d, struct cnr_heap_graph *hg, struct change_vector *out)
{
	const struct cnr_diff_side *o = d->old, *n = d->new_;
	bool *old_used = calloc(o->npoints ? o->npoints : 1, sizeof(*old_used));
	struct pending_count *pending = calloc(o->npoints ? o->npoints : 1, sizeof(*pending));
	size_t npending = 0;
	struct cnr_type_cache *tcs[2] = { NULL, NULL };
	struct cnr_error *err = old_used && pending ? NULL : &cnr_enomem;
	// Every point of the new core, with the same object (or the point of
	// the same type under the same path, or the object the same global
	// held) in the old one.
	for (size_t i = 0; !err && i < n->npoints; i++) {
		const struct cnr_diff_point *p = &n->points[i];
		struct cnr_diff_change c = { .type = pool_str(d, p->type), .path = pool_str(d, p->path),
					     .addr_new = p->addr, .retained_new = p->retained, .objects_new = p->objects,
					     .is_map = p->is_map };
		struct cnr_diff_found x, y, r;
		bool hx = cnr_diff_side_find(o, p->addr, &x), hy = cnr_diff_side_find(n, p->addr, &y);
		if (hx && hy && cnr_diff_same_object(&x, &y)) {
			c.addr_old = p->addr;
			c.retained_old = x.retained;
			c.objects_old = x.objects;
			for (size_t k = 0; k < o->npoints; k++)
				old_used[k] |= o->points[k].addr == p->addr;
		} else {
			for (size_t k = 0; k < o->npoints && !c.moved; k++) {
				const struct cnr_diff_point *q = &o->points[k];
				if (old_used[k] || strcmp(q->type, p->type) || strcmp(q->path, p->path))
					continue;
				old_used[k] = true;
				c.moved = true;
				c.addr_old = q->addr;
				c.retained_old = q->retained;
				c.objects_old = q->objects;
			}
			if (!c.moved && hy && cnr_diff_side_replacement(o, p->path, y.type, &r)) {
				// the global held another object of its type in the old core
				c.moved = true;
				c.addr_old = r.addr;
				c.retained_old = r.retained;
				c.objects_old = r.objects;
				for (size_t k = 0; k < o->npoints; k++)
					old_used[k] |= o->points[k].addr == r.addr;
			}
		}
		if (c.is_map)
			err = describe_map(d, tcs, p->map_rtype, &c);
		c.delta = (int64_t)(c.retained_new - c.retained_old);
		if (!err && !c.type)
			err = &cnr_enomem;
		if (!err && !change_vector_push(out, c))
			err = &cnr_enomem;
	}
	// The old core's points that the new core's did not match: the same
	// object (or the global's replacement), still live but no longer among
	// the points, or gone.
	for (size_t k = 0; !err && k < o->npoints; k++) {
		const struct cnr_diff_point *q = &o->points[k];
		if (old_used[k])
			continue;
		struct cnr_diff_change c = { .type = pool_str(d, q->type), .path = pool_str(d, q->path),
					     .addr_old = q->addr, .retained_old = q->retained, .objects_old = q->objects,
					     .is_map = q->is_map };
		struct cnr_diff_found x, y;
		bool hx = cnr_diff_side_find(o, q->addr, &x), hy = cnr_diff_side_find(n, q->addr, &y);
		bool have = hx && hy && cnr_diff_same_object(&x, &y);
		if (!have && hx && cnr_diff_side_replacement(n, q->path, x.type, &y))
			have = c.moved = true;
		if (have) {
			c.addr_new = y.addr;
			c.retained_new = y.retained;
			pending[npending++] = (struct pending_count){ y.node, out->size };
		}
		if (c.is_map)
			err = describe_map(d, tcs, q->map_rtype, &c);
		c.delta = (int64_t)(c.retained_new - c.retained_old);
		if (!err && !c.type)
			err = &cnr_enomem;
		if (!err && !change_vector_push(out, c))
			err = &cnr_enomem;
	}
	if (!err)
		fill_counts(hg, pending, npending, out);
	cnr_type_cache_destroy(tcs[0]);
	cnr_type_cache_destroy(tcs[1]);
	free(old_used);
	free(pending);
	return err;
}

static struct cnr_error *split_changes(struct cnr_diff *d, struct cnr_heap_graph *hg)
{
	struct change_vector all = { 0 }, grew = { 0 }, shrank = { 0 };
	struct cnr_error *err = match_points(d, hg, &all);
	for (size_t i = 0; !err && i < all.size; i++) {
		struct cnr_diff_change *c = &all.data[i];
		bool changed = c->delta || c->len_old != c->len_new || c->addr_old != c->addr_new;
		bool ok = true;
		if (c->delta > 0 || (changed && c->delta == 0 && c->len_new >= c->len_old))
			ok = change_vector_push(&grew, *c);
		else if (changed)
			ok = change_vector_push(&shrank, *c);
		else {
			free(c->clusters);
			free(c->value_types);
		}
		if (!ok)
			err = &cnr_enomem;
	}
	change_vector_deinit(&all);
	if (grew.size)
		qsort(grew.data, grew.size, sizeof(*grew.data), cmp_change_grown);
	if (shrank.size)
		qsort(shrank.data, shrank.size, sizeof(*shrank.data), cmp_change_shrunk);
	d->grew = grew.data;
	d->ngrew = grew.size;
	d->shrank = shrank.data;
	d->nshrank = shrank.size;
	return err;
}

// --- new and freed objects ----------------------------------------------------

// The holder of every node of hg: the nearest accumulation point that
// dominates it (itself included), else its top dominator (a node only the
// super-root dominates).  In one pass over the dominator tree's preorder.
static struct cnr_error *holders(const struct cnr_diff_side *n, const struct cnr_heap_graph *hg, uint32_t **ret)
{
	const struct cnr_graph *g = hg->graph;
	uint32_t nn = cnr_graph_node_count(g);
	uint32_t *holder = malloc((nn ? nn : 1) * sizeof(*holder));
	uint64_t *is_point = calloc(cnr_graph_bit_words(nn ? nn : 1), sizeof(uint64_t));
	if (!holder || !is_point) {
		free(holder);
		free(is_point);
		return &cnr_enomem;
	}
	for (size_t i = 0; i < n->npoints; i++)
		cnr_graph_set_bit(is_point, n->points[i].node);
	const uint32_t *order;
	uint32_t count = cnr_graph_dom_order(g, &order);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t v = order[i], up = cnr_graph_idom(g, v);
		holder[v] = cnr_graph_bit(is_point, v) || up >= nn ? v : holder[up];
	}
	free(is_point);
	*ret = holder;
	return NULL;
}

// What holds objects whose holder is node: the accumulation point's path,
// else the root that points at the top dominator.
static const char *holder_text(struct cnr_diff *d, const struct cnr_heap_graph *hg, uint32_t node)
{
	for (size_t i = 0; i < d->new_->npoints; i++) {
		if (d->new_->points[i].node == node)
			return d->new_->points[i].path;
	}
	const uint32_t *entries;
	uint32_t ne = cnr_graph_roots_of(hg->graph, node, &entries);
	if (!ne)
		return "several roots";
	const struct cnr_root *r = &hg->roots.v[cnr_graph_root(hg->graph, entries[0]).label];
	uint32_t k = cnr_goroutine_of_root(r);
	char buf[512];
	if (k != CNR_ROOT_NO_GOROUTINE && k < hg->gs.ngs)
		snprintf(buf, sizeof(buf), "stacks of goroutines in %s", cnr_goroutine_function(&hg->gs, &hg->gs.gs[k]));
	else
		snprintf(buf, sizeof(buf), "%s (%s)", r->name ? r->name : "?", cnr_root_kind_name(r->kind));
	return pool_str(d, buf);
}

static int cmp_rows_key(const void *a, const void *b)
{
	const struct cnr_diff_objects_row *x = a, *y = b;
	int c = strcmp(x->type, y->type);
	return c ? c : strcmp(x->holder ? x->holder : "", y->holder ? y->holder : "");
}

static int cmp_rows_bytes(const void *a, const void *b)
{
	const struct cnr_diff_objects_row *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return cmp_rows_key(a, b);
}

// Rows with equal type and holder folded into one, most bytes first.
static void fold_rows(struct rows_vector *v)
{
	if (!v->size)
		return;
	qsort(v->data, v->size, sizeof(*v->data), cmp_rows_key);
	size_t out = 0;
	for (size_t i = 0; i < v->size; i++) {
		if (out && cmp_rows_key(&v->data[out - 1], &v->data[i]) == 0) {
			v->data[out - 1].count += v->data[i].count;
			v->data[out - 1].bytes += v->data[i].bytes;
		} else {
			v->data[out++] = v->data[i];
		}
	}
	v->size = out;
	qsort(v->data, v->size, sizeof(*v->data), cmp_rows_bytes);
}

// Add one object to the row of key (type, holder node) in v; a new row
// holds the holder's node in place of its text until holder_text().
static bool count_row(struct cnr_diff *d, struct u64_index *at, struct rows_vector *v, uint64_t key, const char *type,
		      uint32_t holder, uint64_t bytes)
{
	bool inserted;
	uint32_t *idx = u64_index_insert(at, key, &inserted);
	if (!idx)
		return false;
	if (inserted) {
		struct cnr_diff_objects_row *row = rows_vector_append(v);
		if (!row)
			return false;
		*idx = (uint32_t)(v->size - 1);
		*row = (struct cnr_diff_objects_row){ .type = pool_str(d, type),
						      .holder = (const char *)(uintptr_t)holder };
		if (!row->type)
			return false;
	}
	v->data[*idx].count++;
	v->data[*idx].bytes += bytes;
	return true;
}

// The new objects: every live object of the new core, in address order
// (its spans sorted by address, a span's slots ascending), that is not the
// same object in the old core's table, which is merged alongside; the
// freed ones: the old table's objects no new one matched.
static struct cnr_error *new_and_freed(struct cnr_diff *d, const struct cnr_heap_graph *hg)
{
	const struct cnr_diff_side *o = d->old;
	const struct cnr_graph *g = hg->graph;
	uint32_t nn = cnr_graph_node_count(g), *holder = NULL;
	uint64_t *matched = calloc(cnr_graph_bit_words(o->nobjects ? (uint32_t)o->nobjects : 1), sizeof(uint64_t));
	struct u64_index type_at = { 0 }, new_at = { 0 }, freed_at = { 0 };
	struct rows_vector nv = { 0 }, fv = { 0 };
	struct cnr_error *err = matched ? holders(d->new_, hg, &holder) : &cnr_enomem;
	size_t at = 0; // the old table's first object not below the current address
	for (size_t i = 0; !err && i < hg->heap.nspans; i++) {
		const struct cnr_heap_span *sp = &hg->heap.spans[i];
		for (uint32_t e = 0; e < sp->nelems && !err; e++) {
			uint64_t id = sp->first + e, size;
			if (id >= nn || !cnr_graph_is_reachable(g, (uint32_t)id) || (size = cnr_graph_size(g, (uint32_t)id)) == 0)
				continue;
			uint32_t v = (uint32_t)id;
			uint64_t addr = sp->base + e * sp->elemsize;
			const struct cnr_obj_type *ty = cnr_heap_graph_type(hg, v);
			const char *type = cnr_diff_type_name(ty);
			uint32_t size32 = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
			while (at < o->nobjects && o->objects[at].addr < addr)
				at++;
			if (at < o->nobjects && o->objects[at].addr == addr && o->objects[at].size == size32 &&
			    strcmp(o->types[o->objects[at].type], type) == 0) {
				cnr_graph_set_bit(matched, (uint32_t)at);
				continue;
			}
			bool inserted;
			uint32_t *tid = u64_index_insert(&type_at, (uint64_t)(uintptr_t)ty, &inserted);
			if (tid && inserted)
				*tid = (uint32_t)type_at.size;
			if (!tid || !count_row(d, &new_at, &nv, (uint64_t)*tid << 32 | holder[v], type, holder[v], size))
				err = &cnr_enomem;
			d->new_count++;
			d->new_bytes += size;
		}
	}
	for (size_t i = 0; i < o->nobjects && !err; i++) {
		const struct cnr_diff_object *x = &o->objects[i];
		if (cnr_graph_bit(matched, (uint32_t)i))
			continue;
		if (!count_row(d, &freed_at, &fv, x->type, o->types[x->type], 0, x->size))
			err = &cnr_enomem;
		d->freed_count++;
		d->freed_bytes += x->size;
	}
	// The holder words carry node ids until here: now their text.
	for (size_t k = 0; !err && k < nv.size; k++) {
		nv.data[k].holder = holder_text(d, hg, (uint32_t)(uintptr_t)nv.data[k].holder);
		if (!nv.data[k].holder)
			err = &cnr_enomem;
	}
	for (size_t k = 0; k < fv.size; k++)
		fv.data[k].holder = NULL;
	fold_rows(&nv);
	fold_rows(&fv);
	free(holder);
	free(matched);
	u64_index_deinit(&type_at);
	u64_index_deinit(&new_at);
	u64_index_deinit(&freed_at);
	d->new_objects = nv.data;
	d->nnew_rows = nv.size;
	d->freed = fv.data;
	d->nfreed_rows = fv.size;
	return err;
}

// --- goroutines ------------------------------------------------------------------

static int cmp_group_row(const void *a, const void *b)
{
	const struct cnr_diff_group_row *x = a, *y = b;
	int64_t dx = (int64_t)x->new_ - x->old, dy = (int64_t)y->new_ - y->old;
	int64_t ax = dx < 0 ? -dx : dx, ay = dy < 0 ? -dy : dy;
	if (ax != ay)
		return ax > ay ? -1 : 1;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	int c = strcmp(x->function, y->function);
	return c ? c : strcmp(x->state, y->state);
}

// The groups whose count changed, matched by key.
static struct cnr_error *group_changes(struct cnr_diff *d)
{
	const struct cnr_diff_side *o = d->old, *n = d->new_;
	struct str_index old_at = { 0 };
	struct group_rows rows = { 0 };
	bool *seen = calloc(o->ngroups ? o->ngroups : 1, sizeof(*seen));
	struct cnr_error *err = seen ? NULL : &cnr_enomem;
	for (size_t i = 0; !err && i < o->ngroups; i++) {
		bool inserted;
		uint32_t *idx = str_index_insert(&old_at, o->groups[i].key, &inserted);
		if (!idx)
			err = &cnr_enomem;
		else if (inserted)
			*idx = (uint32_t)i;
	}
	for (int side = 0; side < 2 && !err; side++) {
		const struct cnr_diff_side *s = side ? o : n;
		for (size_t i = 0; i < s->ngroups && !err; i++) {
			const struct cnr_diff_group *g = &s->groups[i];
			struct cnr_diff_group_row r = { .state = pool_str(d, g->state), .function = pool_str(d, g->function),
							.created_by = pool_str(d, g->created_by), .site = pool_str(d, g->site) };
			if (side == 0) {
				r.new_ = g->count;
				r.retained_new = g->retained;
				const uint32_t *k = str_index_get(&old_at, g->key);
				if (k) {
					seen[*k] = true;
					r.old = o->groups[*k].count;
					r.retained_old = o->groups[*k].retained;
				}
			} else {
				if (seen[i])
					continue;
				r.old = g->count;
				r.retained_old = g->retained;
			}
			if (!r.site)
				err = &cnr_enomem;
			else if (r.old != r.new_ && !group_rows_push(&rows, r))
				err = &cnr_enomem;
		}
	}
	str_index_deinit(&old_at);
	free(seen);
	if (rows.size)
		qsort(rows.data, rows.size, sizeof(*rows.data), cmp_group_row);
	d->groups = rows.data;
	d->ngroups = rows.size;
	return err;
}

static int cmp_new_goroutines(const void *a, const void *b)
{
	const struct cnr_diff_new_goroutines *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	int c = strcmp(x->created_by, y->created_by);
	if (c)
		return c;
	c = strcmp(x->site, y->site);
	return c ? c : strcmp(x->state, y->state);
}

// The goroutines only the new core has, blocked, by wait reason and go
// statement, with what each class retains.
static struct cnr_error *new_goroutines(struct cnr_diff *d, struct cnr_heap_graph *hg)
{
	const struct cnr_diff_side *o = d->old, *n = d->new_;
	size_t ngs = n->ngoroutines;
	uint32_t *set_of = malloc((ngs ? ngs : 1) * sizeof(*set_of));
	struct cnr_diff_new_goroutines *rows = calloc(ngs ? ngs : 1, sizeof(*rows));
	struct str_index at = { 0 };
	uint32_t nsets = 0;
	struct cnr_error *err = set_of && rows ? NULL : &cnr_enomem;
	char key[8192];
	for (size_t k = 0; !err && k < ngs; k++) {
		const struct cnr_diff_group *g = &n->groups[n->group_of[k]];
		set_of[k] = UINT32_MAX;
		if (cnr_diff_side_has_goroutine(o, n->goids[k]) || !cnr_goroutine_state_blocked(g->state))
			continue;
		snprintf(key, sizeof(key), "%s|%s|%s", g->state, g->created_by, g->site);
		const char *pooled = pool_str(d, key);
		bool inserted;
		uint32_t *idx = pooled ? str_index_insert(&at, pooled, &inserted) : NULL;
		if (!idx) {
			err = &cnr_enomem;
			break;
		}
		if (inserted) {
			*idx = nsets;
			rows[nsets++] = (struct cnr_diff_new_goroutines){
				.state = pool_str(d, g->state), .function = pool_str(d, g->function),
				.created_by = pool_str(d, g->created_by), .site = pool_str(d, g->site) };
			if (!rows[*idx].site)
				err = &cnr_enomem;
		}
		set_of[k] = *idx;
		rows[*idx].count++;
	}
	uint64_t *retained = err ? NULL : calloc(nsets ? nsets : 1, sizeof(*retained));
	if (!err && !retained)
		err = &cnr_enomem;
	if (!err && nsets)
		err = cnr_goroutine_sets_retained(hg->graph, hg->roots.v, set_of, ngs, nsets, retained);
	for (uint32_t i = 0; !err && i < nsets; i++)
		rows[i].retained = retained[i];
	if (!err && nsets)
		qsort(rows, nsets, sizeof(*rows), cmp_new_goroutines);
	free(retained);
	free(set_of);
	str_index_deinit(&at);
	d->new_goroutines = rows;
	d->nnew_goroutines = err ? 0 : nsets;
	return err;
}

// --- the whole -----------------------------------------------------------------

struct cnr_error *cnr_diff_build(const struct cnr_diff_side *old, const struct cnr_diff_side *new_,
				 struct cnr_heap_graph *hg, struct cnr_diff *ret)
{
	struct cnr_diff d = { .old = old, .new_ = new_ };
	struct cnr_error *err = summarize(&d);
	if (!err)
		err = split_changes(&d, hg);
	if (!err)
		err = new_and_freed(&d, hg);
	if (!err)
		err = group_changes(&d);
	if (!err)
		err = new_goroutines(&d, hg);
	if (err) {
		cnr_diff_deinit(&d);
		return err;
	}
	*ret = d;
	return NULL;
}

void cnr_diff_deinit(struct cnr_diff *d)
{
	for (int side = 0; side < 2; side++) {
		struct cnr_diff_change *cs = side ? d->shrank : d->grew;
		size_t n = side ? d->nshrank : d->ngrew;
		for (size_t i = 0; i < n; i++) {
			free(cs[i].clusters);
			free(cs[i].value_types);
		}
		free(cs);
	}
	free(d->stats);
	free(d->new_objects);
	free(d->freed);
	free(d->groups);
	free(d->new_goroutines);
	cnr_string_pool_deinit(&d->pool);
	memset(d, 0, sizeof(*d));
}
