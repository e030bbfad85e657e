// Goroutine groups as leak suspects (issue 15): a group of goroutines
// (analysis/goroutine_groups.h: one state, the same pcs, one go statement)
// is a suspect in its own right when what its roots retain passes
// CNR_SUSPECT_SHARE_PERCENT of the live heap, or when
// CNR_GOROUTINE_LEAK_COUNT or more of them share it (and retain at least
// CNR_SUSPECT_MIN_PER_MILLE): hundreds of goroutines parked at one blocked
// site are the most common leak of a Go service, and flagged as a likely
// goroutine leak.  Ranked with the object suspects by retained bytes.
// Computed from the ranked groups alone, so it is tested without a core.
#ifndef CNR_ANALYSIS_GROUP_SUSPECTS_H
#define CNR_ANALYSIS_GROUP_SUSPECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/goroutine_groups.h"

enum {
	CNR_GOROUTINE_LEAK_COUNT = 100, // this many goroutines at one blocked site: a likely leak
};

// A goroutine group as the report ranks it.
struct cnr_leak_group {
	const struct cnr_goroutine_group *group; // in cnr_leak_model.groups: members by goid
	uint64_t retained; // what would go if the group's goroutines went
	struct cnr_state_count *states;
	size_t nstates;
};

struct cnr_group_pick {
	size_t index;     // into the ranked groups
	bool over_share;  // retains CNR_SUSPECT_SHARE_PERCENT of the live heap or more
	bool likely_leak; // CNR_GOROUTINE_LEAK_COUNT or more, all in one blocked state
};

// Whether a goroutine in state waits for something (not running, runnable
// or in a syscall): a site where goroutines can pile up for ever.
bool cnr_goroutine_state_blocked(const char *state);

// The groups of ranked[0 .. n) that are suspects, in ranked order; ret has
// room for n.  Returns how many.
size_t cnr_select_group_suspects(const struct cnr_leak_group *ranked, size_t n, uint64_t live,
				 struct cnr_group_pick *ret);

#endif
