// Goroutine groups as leak suspects (see group_suspects.h).
#include "analysis/group_suspects.h"

#include <string.h>

#include "analysis/suspects.h"

bool cnr_goroutine_state_blocked(const char *state)
{
	static const char *const not_blocked[] = { "running", "runnable", "syscall", "idle", "dead", "copystack" };
	if (!state || !*state)
		return false;
	for (size_t i = 0; i < sizeof(not_blocked) / sizeof(not_blocked[0]); i++) {
		if (strcmp(state, not_blocked[i]) == 0)
			return false;
	}
	return true;
}

size_t cnr_select_group_suspects(const struct cnr_leak_group *ranked, size_t n, uint64_t live,
				 struct cnr_group_pick *ret)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cnr_leak_group *lg = &ranked[i];
		bool over = lg->retained && cnr_share_at_least(lg->retained, live, CNR_SUSPECT_SHARE_PERCENT);
		bool blocked = lg->nstates == 1 && cnr_goroutine_state_blocked(lg->states[0].state);
		bool many = lg->group->count >= CNR_GOROUTINE_LEAK_COUNT &&
			    lg->retained * 1000 >= live * CNR_SUSPECT_MIN_PER_MILLE && lg->retained;
		if (over || many)
			ret[k++] = (struct cnr_group_pick){ i, over, blocked && lg->group->count >= CNR_GOROUTINE_LEAK_COUNT };
	}
	return k;
}
