// Goroutine groups (see goroutine_groups.h): one sort of the goroutines by
// key then goid, one pass that cuts it where the key changes, and a stable
// order of the groups by size.
#include "analysis/goroutine_groups.h"

#include <stdlib.h>
#include <string.h>

int cnr_goroutine_group_key_cmp(const struct cnr_goroutines *gs, const struct cnr_goroutine *a,
				const struct cnr_goroutine *b)
{
	int c = strcmp(a->state ? a->state : "", b->state ? b->state : "");
	if (c)
		return c;
	if (a->nframes != b->nframes)
		return a->nframes < b->nframes ? -1 : 1;
	for (size_t i = 0; i < a->nframes; i++) {
		uint64_t x = gs->frames[a->first_frame + i].pc, y = gs->frames[b->first_frame + i].pc;
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (a->gopc != b->gopc)
		return a->gopc < b->gopc ? -1 : 1;
	return 0;
}

// qsort_r's argument: the goroutines, read only.
struct sort_goroutines {
	const struct cnr_goroutines *gs;
};

static int cmp_member(const void *x, const void *y, void *arg)
{
	const struct cnr_goroutines *gs = ((const struct sort_goroutines *)arg)->gs;
	const struct cnr_goroutine *a = &gs->gs[*(const uint32_t *)x], *b = &gs->gs[*(const uint32_t *)y];
	int c = cnr_goroutine_group_key_cmp(gs, a, b);
	if (c)
		return c;
	return a->goid < b->goid ? -1 : a->goid > b->goid;
}

static int cmp_group(const void *x, const void *y)
{
	const struct cnr_goroutine_group *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

struct cnr_error *cnr_goroutine_groups_init(const struct cnr_goroutines *gs, struct cnr_goroutine_groups *ret)
{
	size_t ngs = gs->ngs;
	struct cnr_goroutine_groups gg = {
		.members = malloc((ngs ? ngs : 1) * sizeof(*gg.members)),
		.groups = malloc((ngs ? ngs : 1) * sizeof(*gg.groups)),
		.group_of = malloc((ngs ? ngs : 1) * sizeof(*gg.group_of)),
	};
	if (!gg.members || !gg.groups || !gg.group_of) {
		cnr_goroutine_groups_deinit(&gg);
		return &cnr_enomem;
	}
	for (size_t i = 0; i < ngs; i++)
		gg.members[i] = (uint32_t)i;
	if (ngs) {
		struct sort_goroutines sort = { gs };
		qsort_r(gg.members, ngs, sizeof(*gg.members), cmp_member, &sort);
	}
	for (size_t i = 0; i < ngs; i++) {
		if (i == 0 || cnr_goroutine_group_key_cmp(gs, &gs->gs[gg.members[i - 1]], &gs->gs[gg.members[i]]) != 0)
			gg.groups[gg.ngroups++] = (struct cnr_goroutine_group){ .first = (uint32_t)i };
		gg.groups[gg.ngroups - 1].count++;
	}
	if (gg.ngroups)
		qsort(gg.groups, gg.ngroups, sizeof(*gg.groups), cmp_group);
	for (size_t k = 0; k < gg.ngroups; k++) {
		for (uint32_t i = 0; i < gg.groups[k].count; i++)
			gg.group_of[gg.members[gg.groups[k].first + i]] = (uint32_t)k;
	}
	*ret = gg;
	return NULL;
}

void cnr_goroutine_groups_deinit(struct cnr_goroutine_groups *gg)
{
	free(gg->members);
	free(gg->groups);
	free(gg->group_of);
	memset(gg, 0, sizeof(*gg));
}

const char *cnr_goroutine_function(const struct cnr_goroutines *gs, const struct cnr_goroutine *g)
{
	for (size_t i = 0; i < g->nframes; i++) {
		const char *name = gs->frames[g->first_frame + i].func.name;
		if (name && strncmp(name, "runtime.", 8) != 0)
			return name;
	}
	return g->nframes && gs->frames[g->first_frame].func.name ? gs->frames[g->first_frame].func.name : "?";
}

static int cmp_state_count(const void *a, const void *b)
{
	const struct cnr_state_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->state, y->state);
}

struct cnr_error *cnr_goroutine_count_states(const struct cnr_goroutines *gs, const uint32_t *idx, size_t n,
					     struct cnr_state_count **ret, size_t *n_ret)
{
	struct cnr_state_count *v = calloc(n ? n : 1, sizeof(*v));
	size_t m = 0;
	if (!v)
		return &cnr_enomem;
	for (size_t i = 0; i < n; i++) {
		const char *s = gs->gs[idx ? idx[i] : i].state;
		size_t k = 0;
		while (k < m && strcmp(v[k].state, s) != 0)
			k++;
		if (k == m)
			v[m++] = (struct cnr_state_count){ s, 0 };
		v[k].count++;
	}
	if (m)
		qsort(v, m, sizeof(*v), cmp_state_count);
	*ret = v;
	*n_ret = m;
	return NULL;
}
