// Goroutine groups as suspects (analysis/group_suspects.h) on hand-made
// ranked groups, without a core: the share threshold, the count threshold,
// the likely-leak flag, and the order kept.
#include <criterion/criterion.h>

#include "analysis/group_suspects.h"

static struct cnr_state_count chan_recv = { "chan receive", 0 }, running = { "running", 0 };

static struct cnr_leak_group group(struct cnr_goroutine_group *g, uint32_t count, uint64_t retained,
				   struct cnr_state_count *state)
{
	*g = (struct cnr_goroutine_group){ 0, count };
	return (struct cnr_leak_group){ g, retained, state, 1 };
}

Test(group_suspects, share_count_and_flag)
{
	struct cnr_goroutine_group gg[5];
	struct cnr_leak_group ranked[5] = {
		group(&gg[0], 500, 8000, &chan_recv), // many, blocked, 8% of 100000: a suspect, a likely leak
		group(&gg[1], 200, 50, &chan_recv),   // many but under 1/1000: no suspect
		group(&gg[2], 120, 500, &running),    // many, not blocked: a suspect, no leak flag
		group(&gg[3], 1, 20000, &chan_recv),  // one goroutine, 20%: a suspect over the share, no leak flag
		group(&gg[4], 3, 9999, &chan_recv),   // few, just under 10%: none
	};
	struct cnr_group_pick picks[5];
	size_t n = cnr_select_group_suspects(ranked, 5, 100000, picks);
	cr_assert_eq(n, 3);
	cr_assert_eq(picks[0].index, 0);
	cr_assert(picks[0].likely_leak && !picks[0].over_share);
	cr_assert_eq(picks[1].index, 2);
	cr_assert(!picks[1].likely_leak && !picks[1].over_share);
	cr_assert_eq(picks[2].index, 3);
	cr_assert(!picks[2].likely_leak && picks[2].over_share);
}

Test(group_suspects, nothing_retained_is_no_suspect)
{
	struct cnr_goroutine_group gg;
	struct cnr_leak_group ranked[1] = { group(&gg, 1000, 0, &chan_recv) };
	struct cnr_group_pick picks[1];
	cr_assert_eq(cnr_select_group_suspects(ranked, 1, 0, picks), 0);
	cr_assert_eq(cnr_select_group_suspects(ranked, 1, 100, picks), 0);
}

Test(group_suspects, blocked_states)
{
	cr_assert(cnr_goroutine_state_blocked("chan receive"));
	cr_assert(cnr_goroutine_state_blocked("select"));
	cr_assert(cnr_goroutine_state_blocked("sync.WaitGroup.Wait"));
	cr_assert(!cnr_goroutine_state_blocked("running"));
	cr_assert(!cnr_goroutine_state_blocked("runnable"));
	cr_assert(!cnr_goroutine_state_blocked("syscall"));
	cr_assert(!cnr_goroutine_state_blocked(""));
	cr_assert(!cnr_goroutine_state_blocked(NULL));
}

// Runtime and standard-library internals (analysis/internals.h), folded
// out of the suspects: by the package of the root's global.
#include "analysis/internals.h"

Test(internals, std_symbols)
{
	cr_assert(cnr_symbol_is_std("runtime.allp"));
	cr_assert(cnr_symbol_is_std("runtime.allp → [1]"));
	cr_assert(cnr_symbol_is_std("encoding/json.encodeStatePool.victim"));
	cr_assert(cnr_symbol_is_std("encoding/json/v2.lookupArshalerCache.m.root.v"));
	cr_assert(cnr_symbol_is_std("internal/sync.x"));
	cr_assert(cnr_symbol_is_std("vendor/golang.org/x/net/http2.x"));
	cr_assert(!cnr_symbol_is_std("main.cache"));
	cr_assert(!cnr_symbol_is_std("main.cache → .lru"));
	cr_assert(!cnr_symbol_is_std("github.com/hashicorp/golang-lru/simplelru.x"));
	cr_assert(!cnr_symbol_is_std("example.com/svc.registry"));
	cr_assert(!cnr_symbol_is_std("nodot"));
	cr_assert(!cnr_symbol_is_std(""));
	cr_assert(!cnr_symbol_is_std(NULL));
}

Test(internals, only_globals)
{
	struct cnr_root g = { .kind = CNR_ROOT_GLOBAL, .name = "runtime.allgs" };
	struct cnr_root st = { .kind = CNR_ROOT_STACK, .name = "runtime.allgs" };
	struct cnr_root user = { .kind = CNR_ROOT_GLOBAL, .name = "main.pending" };
	cr_assert(cnr_root_is_internal(&g));
	cr_assert(!cnr_root_is_internal(&st));
	cr_assert(!cnr_root_is_internal(&user));
	cr_assert(!cnr_root_is_internal(NULL));
}
