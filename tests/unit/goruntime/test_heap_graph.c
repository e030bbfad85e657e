// The heap graph of the committed fixture cores: retained sizes from the
// dominator tree against a brute-force oracle — remove one object, recount
// the bytes still reachable from the roots; the difference must equal its
// retained size — for a sample of live objects, and the ledger.
#include <criterion/criterion.h>

#include "goruntime/heap_graph.h"
#include "goruntime/program.h"
#include "graph/dominators.h"
#include "graph/reach.h"
#include "test_util.h"

Test(goruntime, retained_sizes_match_removal_oracle, .timeout = 300)
{
	size_t nfixtures = cnr_test_fixture_count();
	for (size_t k = 0; k < nfixtures; k++) {
		struct cnr_test_fixture fx;
		cnr_test_fixture_open(k, &fx);
		struct cnr_heap_graph hg;
		cnr_cr_assert_ok(cnr_heap_graph_build(fx.prog, &hg));
		cr_assert_eq(hg.live_bytes + hg.garbage_bytes, hg.heap.bytes, "%s: ledger", fx.core);
		cr_assert_eq(hg.live_objects + hg.garbage_objects, hg.heap.objects, "%s: ledger", fx.core);
		// Every 97th live object, and every root's object: a spread of
		// leaves, interior nodes and big retainers.
		size_t checked = 0, nonleaf = 0;
		for (uint64_t id = 0; id < hg.heap.nslots; id++) {
			bool sample = id % 97 == 0;
			for (uint32_t r = 0; r < cnr_graph_root_count(hg.graph) && !sample; r += 37)
				sample = cnr_graph_root(hg.graph, r).node == id;
			if (!sample || !cnr_heap_allocated(&hg.heap, id) || !cnr_graph_is_reachable(hg.graph, (uint32_t)id))
				continue;
			uint32_t node = (uint32_t)id;
			uint64_t oracle;
			cnr_cr_assert_ok(cnr_graph_retained_by_set(hg.graph, &node, 1, &oracle));
			uint64_t retained = cnr_graph_retained(hg.graph, node);
			cr_assert_eq(retained, oracle, "%s: object %lu retains %lu, removing it frees %lu", fx.core,
				     (unsigned long)id, (unsigned long)retained, (unsigned long)oracle);
			nonleaf += retained > cnr_graph_size(hg.graph, node);
			checked++;
		}
		cr_assert_gt(checked, 100, "%s: only %zu objects checked", fx.core, checked);
		cr_assert_gt(nonleaf, 10, "%s: only %zu objects retain more than themselves", fx.core, nonleaf);
		cnr_heap_graph_deinit(&hg);
		cnr_test_fixture_close(&fx);
	}
}
