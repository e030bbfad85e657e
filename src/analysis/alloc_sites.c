// The join of the heap profile's sampled objects with the dominator tree:
// each sampled live object gets its preorder index, so "what node
// retains" is the interval [pre(node), end(node)) of the preorder.
#include "analysis/alloc_sites.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/heap_profile.h"
#include "graph/dominators.h"
#include "util/hash_map.h"

enum { SITE_FRAMES = 2, LABEL_LEN = 512 };

struct sampled {
	uint32_t pre;    // preorder index in the dominator tree
	uint32_t node;
	uint32_t record;
	uint32_t site;
};

struct cnr_alloc_sites {
	const struct cnr_heap_graph *hg;
	const struct cnr_mprof *mp;
	const struct cnr_profile *p;
	struct sampled *v;      // sorted by pre
	size_t n;
	uint32_t *site_of;      // per record
	const char **labels;    // per site
	uint32_t *site_record;  // per site: a record
	size_t nsites;
	double *scale;          // per record: objects a sample stands for
	uint32_t *pre_of;       // per graph node: its preorder index, UINT32_MAX if unreachable
	struct cnr_string_pool strings;
};

DEFINE_HASH_MAP(label_map, const char *, uint32_t, cnr_hash_string, cnr_eq_string);

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

// "f (file.go:N) ← caller (file.go:M)": the first SITE_FRAMES lines.
static void site_label(const struct cnr_profile *p, uint32_t r, char *buf, size_t len)
{
	const struct cnr_profile_sample *s = &p->samples.data[r];
	size_t used = 0, shown = 0;
	buf[0] = 0;
	for (uint32_t k = 0; k < s->nlocations && shown < SITE_FRAMES; k++) {
		const struct cnr_profile_location *loc = &p->locations.data[p->sample_locations.data[s->first_location + k]];
		for (uint32_t i = 0; i < loc->nlines && shown < SITE_FRAMES; i++, shown++) {
			const struct cnr_profile_line *l = &p->lines.data[loc->first_line + i];
			const struct cnr_profile_function *f = &p->functions.data[l->function];
			int w = snprintf(buf + used, len - used, "%s%s (%s:%" PRId64 ")", shown ? " \u2190 " : "", f->name,
					 base_name(f->file), l->line);
			if (w < 0 || (size_t)w >= len - used)
				return;
			used += (size_t)w;
		}
	}
	if (!shown)
		snprintf(buf, len, "(no stack)");
}

static int cmp_pre(const void *a, const void *b)
{
	const struct sampled *x = a, *y = b;
	return x->pre < y->pre ? -1 : x->pre > y->pre;
}

struct cnr_error *cnr_alloc_sites_create(const struct cnr_heap_graph *hg, const struct cnr_mprof *mp,
					 const struct cnr_profile *p, struct cnr_alloc_sites **ret)
{
	const struct cnr_graph *g = hg->graph;
	const uint32_t *order;
	uint32_t norder = cnr_graph_dom_order(g, &order);
	struct cnr_alloc_sites *as = calloc(1, sizeof(*as));
	uint32_t *pre_of = NULL;
	struct label_map labels = { 0 };
	struct cnr_error *err = NULL;
	if (!as)
		return &cnr_enomem;
	as->hg = hg, as->mp = mp, as->p = p;
	size_t nr = mp->nrecords;
	as->v = malloc((mp->nsamples ? mp->nsamples : 1) * sizeof(*as->v));
	as->site_of = malloc((nr ? nr : 1) * sizeof(*as->site_of));
	as->labels = malloc((nr ? nr : 1) * sizeof(*as->labels));
	as->site_record = malloc((nr ? nr : 1) * sizeof(*as->site_record));
	as->scale = malloc((nr ? nr : 1) * sizeof(*as->scale));
	pre_of = malloc(((size_t)cnr_graph_node_count(g) + 1) * sizeof(*pre_of));
	if (!as->v || !as->site_of || !as->labels || !as->site_record || !as->scale || !pre_of) {
		err = &cnr_enomem;
		goto out;
	}
	for (uint32_t i = 0; i < cnr_graph_node_count(g); i++)
		pre_of[i] = UINT32_MAX;
	for (uint32_t k = 0; k < norder; k++)
		pre_of[order[k]] = k;
	char label[LABEL_LEN];
	for (size_t r = 0; r < nr && r < p->samples.size; r++) {
		site_label(p, (uint32_t)r, label, sizeof(label));
		bool inserted;
		uint32_t *slot = label_map_get(&labels, label);
		if (!slot) {
			const char *s = cnr_string_pool_add(&as->strings, label, strlen(label));
			if (!s || !(slot = label_map_insert(&labels, s, &inserted))) {
				err = &cnr_enomem;
				goto out;
			}
			*slot = (uint32_t)as->nsites;
			as->labels[as->nsites] = s;
			as->site_record[as->nsites++] = (uint32_t)r;
		}
		as->site_of[r] = *slot;
		// runtime/pprof scaleHeapSample: a sample of an allocation of
		// size s stands for 1 / (1 - exp(-s/rate)) allocations.
		double sz = (double)mp->records[r].size, rate = (double)mp->rate;
		as->scale[r] = mp->rate > 1 && sz > 0 ? 1 / (1 - exp(-sz / rate)) : 1;
	}
	for (size_t i = 0; i < mp->nsamples; i++) {
		uint64_t id = cnr_heap_graph_object(hg, mp->samples[i].object);
		if (id == UINT64_MAX || id >= cnr_graph_node_count(g) || pre_of[id] == UINT32_MAX)
			continue; // garbage, or not the start of an object
		uint32_t r = mp->samples[i].record;
		as->v[as->n++] = (struct sampled){ pre_of[id], (uint32_t)id, r, as->site_of[r] };
	}
	qsort(as->v, as->n, sizeof(*as->v), cmp_pre);
out:
	as->pre_of = pre_of;
	label_map_deinit(&labels);
	if (err) {
		cnr_alloc_sites_destroy(as);
		return err;
	}
	*ret = as;
	return NULL;
}

void cnr_alloc_sites_destroy(struct cnr_alloc_sites *as)
{
	if (!as)
		return;
	free(as->v);
	free(as->site_of);
	free(as->labels);
	free(as->site_record);
	free(as->scale);
	free(as->pre_of);
	cnr_string_pool_deinit(&as->strings);
	free(as);
}

uint64_t cnr_alloc_sites_sampled(const struct cnr_alloc_sites *as)
{
	return as->n;
}

static int cmp_site(const void *a, const void *b)
{
	const struct cnr_alloc_site *x = a, *y = b;
	if (x->estimate != y->estimate)
		return x->estimate > y->estimate ? -1 : 1;
	return strcmp(x->label, y->label);
}

// Compact the non-empty sites of all (one per site id), sorted.
static struct cnr_error *finish(const struct cnr_alloc_sites *as, struct cnr_alloc_site *all,
				struct cnr_alloc_site **ret, size_t *n_ret)
{
	size_t n = 0;
	for (size_t s = 0; s < as->nsites; s++) {
		if (all[s].samples)
			all[n++] = all[s];
	}
	qsort(all, n, sizeof(*all), cmp_site);
	*ret = all;
	*n_ret = n;
	return NULL;
}

static struct cnr_alloc_site *new_sites(const struct cnr_alloc_sites *as)
{
	struct cnr_alloc_site *all = calloc(as->nsites + 1, sizeof(*all));
	for (size_t s = 0; all && s < as->nsites; s++) {
		all[s].label = as->labels[s];
		all[s].record = as->site_record[s];
	}
	return all;
}

// Add the sampled objects of the preorder interval [lo, hi) (one node's
// dominator subtree) to all.
static void add_subtree(const struct cnr_alloc_sites *as, uint32_t lo, uint32_t hi, struct cnr_alloc_site *all)
{
	const struct cnr_graph *g = as->hg->graph;
	size_t a = 0, b = as->n;
	while (a < b) { // first sampled object with pre >= lo
		size_t m = a + (b - a) / 2;
		if (as->v[m].pre < lo)
			a = m + 1;
		else
			b = m;
	}
	for (size_t i = a; i < as->n && as->v[i].pre < hi; i++) {
		const struct sampled *s = &as->v[i];
		uint64_t size = cnr_graph_size(g, s->node);
		all[s->site].samples++;
		all[s->site].bytes += size;
		all[s->site].estimate += (double)as->mp->records[s->record].size * as->scale[s->record];
	}
}

struct cnr_error *cnr_alloc_sites_retained_by(const struct cnr_alloc_sites *as, uint32_t node,
					      struct cnr_alloc_site **ret, size_t *n_ret)
{
	const struct cnr_graph *g = as->hg->graph;
	struct cnr_alloc_site *all = new_sites(as);
	if (!all)
		return &cnr_enomem;
	uint32_t lo = node < cnr_graph_node_count(g) ? as->pre_of[node] : UINT32_MAX;
	if (lo != UINT32_MAX)
		add_subtree(as, lo, cnr_graph_dom_ends(g)[lo], all);
	return finish(as, all, ret, n_ret);
}

struct cnr_error *cnr_alloc_sites_retained_by_groups(const struct cnr_alloc_sites *as, const uint32_t *group_of,
						     uint32_t max_group, const uint32_t *groups, size_t n,
						     struct cnr_alloc_sites_list *ret)
{
	const struct cnr_graph *g = as->hg->graph;
	const uint32_t *order, *ends = cnr_graph_dom_ends(g);
	uint32_t norder = cnr_graph_dom_order(g, &order);
	struct cnr_alloc_sites_list l = { .sites = calloc(n + 1, sizeof(*l.sites)), .nsites = calloc(n + 1, sizeof(size_t)) };
	uint32_t *slot_of = calloc((size_t)max_group + 1, sizeof(*slot_of)); // group -> 1 + its index in groups
	uint32_t *open_end = calloc(n + 1, sizeof(*open_end));                // per group: end of its open outer member
	struct cnr_alloc_site **all = calloc(n + 1, sizeof(*all));
	struct cnr_error *err = NULL;
	if (!l.sites || !l.nsites || !slot_of || !open_end || !all) {
		err = &cnr_enomem;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (groups[i] <= max_group)
			slot_of[groups[i]] = (uint32_t)i + 1;
		if (!(all[i] = new_sites(as))) {
			err = &cnr_enomem;
			goto out;
		}
	}
	// A member with no open member of its group above it in the
	// dominator tree is outermost: its subtree is part of what the group
	// retains, each object once (the preorder has contiguous subtrees).
	for (uint32_t k = 0; k < norder; k++) {
		uint32_t gid = group_of[order[k]];
		uint32_t slot = gid <= max_group ? slot_of[gid] : 0;
		if (!slot || k < open_end[slot - 1])
			continue;
		open_end[slot - 1] = ends[k];
		add_subtree(as, k, ends[k], all[slot - 1]);
	}
	for (size_t i = 0; i < n; i++) {
		finish(as, all[i], &l.sites[i], &l.nsites[i]);
		all[i] = NULL;
	}
	l.n = n;
out:
	for (size_t i = 0; all && i < n; i++)
		free(all[i]);
	free(all);
	free(open_end);
	free(slot_of);
	if (err) {
		cnr_alloc_sites_list_deinit(&l);
		return err;
	}
	*ret = l;
	return NULL;
}

void cnr_alloc_sites_list_deinit(struct cnr_alloc_sites_list *l)
{
	for (size_t i = 0; l->sites && i < l->n; i++)
		free(l->sites[i]);
	free(l->sites);
	free(l->nsites);
	memset(l, 0, sizeof(*l));
}

struct cnr_error *cnr_alloc_sites_by_retention(const struct cnr_alloc_sites *as, struct cnr_alloc_site **ret,
					       size_t *n_ret)
{
	const struct cnr_graph *g = as->hg->graph;
	const uint32_t *ends = cnr_graph_dom_ends(g);
	struct cnr_alloc_site *all = new_sites(as);
	uint32_t *open_end = calloc(as->nsites + 1, sizeof(*open_end)); // per site: end of its current outer subtree
	if (!all || !open_end) {
		free(all);
		free(open_end);
		return &cnr_enomem;
	}
	// In preorder, an object is inside the last outermost object of its
	// site iff its index is below that object's subtree end.
	for (size_t i = 0; i < as->n; i++) {
		const struct sampled *s = &as->v[i];
		struct cnr_alloc_site *site = &all[s->site];
		site->samples++;
		if (s->pre < open_end[s->site])
			continue;
		open_end[s->site] = ends[s->pre];
		uint64_t r = cnr_graph_retained(g, s->node);
		site->bytes += r;
		site->estimate += (double)r * as->scale[s->record];
	}
	free(open_end);
	return finish(as, all, ret, n_ret);
}

int64_t cnr_alloc_sites_record_of(const struct cnr_alloc_sites *as, uint32_t node)
{
	for (size_t i = 0; i < as->n; i++) {
		if (as->v[i].node == node)
			return as->v[i].record;
	}
	return -1;
}

void cnr_alloc_sites_stack(const struct cnr_alloc_sites *as, uint32_t r, void (*fn)(void *arg, const char *frame),
			   void *arg)
{
	const struct cnr_profile *p = as->p;
	if (r >= p->samples.size)
		return;
	const struct cnr_profile_sample *s = &p->samples.data[r];
	char buf[LABEL_LEN];
	for (uint32_t k = 0; k < s->nlocations; k++) {
		const struct cnr_profile_location *loc = &p->locations.data[p->sample_locations.data[s->first_location + k]];
		for (uint32_t i = 0; i < loc->nlines; i++) {
			const struct cnr_profile_line *l = &p->lines.data[loc->first_line + i];
			const struct cnr_profile_function *f = &p->functions.data[l->function];
			snprintf(buf, sizeof(buf), "%s (%s:%" PRId64 ")%s", f->name, f->file, l->line,
				 i + 1 < loc->nlines ? " (inlined)" : "");
			fn(arg, buf);
		}
	}
}

struct cnr_error *cnr_alloc_join_load(struct cnr_program *prog, const struct cnr_heap_graph *hg,
				      struct cnr_alloc_join *ret)
{
	// Built in place: the index points at ret->mp and ret->profile.
	struct cnr_alloc_join *j = ret;
	memset(j, 0, sizeof(*j));
	struct cnr_error *err = cnr_mprof_read(prog, &j->mp);
	if (err)
		return err;
	j->absence = cnr_heap_profile_absence(&j->mp);
	if (!j->absence && !(err = cnr_mprof_read_samples(prog, &j->mp)) &&
	    !(err = cnr_heap_profile_build(prog, &j->mp, &j->profile)) &&
	    (err = cnr_alloc_sites_create(hg, &j->mp, &j->profile, &j->sites)))
		cnr_profile_deinit(&j->profile);
	if (err) {
		cnr_mprof_deinit(&j->mp);
		memset(j, 0, sizeof(*j));
	}
	return err;
}

void cnr_alloc_join_deinit(struct cnr_alloc_join *j)
{
	cnr_alloc_sites_destroy(j->sites);
	if (j->sites)
		cnr_profile_deinit(&j->profile);
	cnr_mprof_deinit(&j->mp);
	memset(j, 0, sizeof(*j));
}
