// The roots' retained sizes for `coroner live` (see live_roots.h).
#include "analysis/live_roots.h"

#include <stdlib.h>

#include "graph/dominators.h"

struct cnr_error *cnr_live_roots(const struct cnr_heap_graph *hg, struct cnr_live_root **ret, size_t *n_ret)
{
	struct cnr_live_root *v = malloc((hg->roots.n ? hg->roots.n : 1) * sizeof(*v));
	size_t n = 0;
	if (!v)
		return &cnr_enomem;
	for (size_t i = 0; i < hg->roots.n; i++) {
		uint64_t id = cnr_heap_graph_object(hg, hg->roots.v[i].value);
		if (id != UINT64_MAX)
			v[n++] = (struct cnr_live_root){ &hg->roots.v[i], cnr_graph_retained(hg->graph, (uint32_t)id) };
	}
	*ret = v;
	*n_ret = n;
	return NULL;
}
