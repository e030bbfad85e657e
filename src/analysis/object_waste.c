// What an object wastes (see object_waste.h).
#include "analysis/object_waste.h"

#include <inttypes.h>

#include "analysis/map_contents.h"
#include "goruntime/heap_objects.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"

struct cnr_error *cnr_object_waste_of(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t addr,
				      uint64_t size, struct cnr_object_waste *ret)
{
	*ret = (struct cnr_object_waste){ 0 };
	for (size_t i = 0; i < hg->roots.n && !ret->has_slice; i++) {
		const struct cnr_root *r = &hg->roots.v[i];
		if (r->value >= addr && r->value < addr + size &&
		    cnr_slice_waste_of_root(prog, r, addr, size, &ret->slice))
			ret->has_slice = true, ret->slice_root = r;
	}
	uint64_t id = cnr_heap_graph_object(hg, addr);
	const struct cnr_obj_type *t = id != UINT64_MAX ? cnr_heap_graph_type(hg, (uint32_t)id) : NULL;
	if (!t || !t->map_rtype || t->shape != CNR_SHAPE_ONE)
		return NULL;
	struct cnr_error *err = cnr_map_substrings(prog, hg->heap.types, hg, addr, t->map_rtype, &ret->substrings);
	if (err == &cnr_enomem)
		return err;
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "map at 0x%" PRIx64, addr));
		return NULL;
	}
	ret->has_substrings = true;
	return NULL;
}
