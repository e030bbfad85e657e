// Goroutine groups: the one grouping every command uses (`goroutines`,
// the goroutine section of `report`, later the goroutine suspects and the
// diff of two cores).  Two goroutines are in one group when they wait for
// the same reason (their state, as Go's traceback prints it), stand at the
// same pcs in every frame, and were created by the same go statement
// (gopc): "1000 goroutines [chan receive] created by main.handle", the way
// a Go developer reads a pprof -goroutine dump.  Computed from the
// goroutine model alone (no target memory), so it is tested on synthetic
// goroutines.
#ifndef CNR_ANALYSIS_GOROUTINE_GROUPS_H
#define CNR_ANALYSIS_GOROUTINE_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "goruntime/goroutines.h"

struct cnr_goroutine_group {
	uint32_t first, count; // members[first .. first + count), by goid
};

struct cnr_goroutine_groups {
	uint32_t *members;                  // [ngs] goroutine indices (into gs->gs), group by group
	struct cnr_goroutine_group *groups; // most members first, ties in key order
	size_t ngroups;
	uint32_t *group_of;                 // [ngs] goroutine index -> its group
};

// Group the goroutines of gs.  Free with cnr_goroutine_groups_deinit().
struct cnr_error *cnr_goroutine_groups_init(const struct cnr_goroutines *gs, struct cnr_goroutine_groups *ret);
void cnr_goroutine_groups_deinit(struct cnr_goroutine_groups *gg);

// The group key's order: state, then frame count, then pcs, then gopc; 0
// when a and b are in one group.
int cnr_goroutine_group_key_cmp(const struct cnr_goroutines *gs, const struct cnr_goroutine *a,
				const struct cnr_goroutine *b);

// The function a person recognizes a goroutine by: its innermost frame
// outside the runtime, else its innermost frame, else "?".
const char *cnr_goroutine_function(const struct cnr_goroutines *gs, const struct cnr_goroutine *g);

struct cnr_state_count {
	const char *state; // gs's string
	uint32_t count;
};

// The states of goroutines idx[0 .. n) (all of gs when idx is NULL),
// counted, most first, ties by name.  *ret is freed with free().
struct cnr_error *cnr_goroutine_count_states(const struct cnr_goroutines *gs, const uint32_t *idx, size_t n,
					     struct cnr_state_count **ret, size_t *n_ret);

#endif
