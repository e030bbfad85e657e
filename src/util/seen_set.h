// The nodes a walk of the target's memory has visited, to stop at the
// first one seen twice: a corrupt core can link a list node (a sudog, a
// special, a _defer, an m) back to an earlier one, or repeat an entry of
// an array (allgs, a P's timer heap), and the walk must end there instead
// of going round to its cap and reporting every repeat as a new thing.
// The first few nodes sit in the struct, so short lists allocate nothing.
#ifndef CNR_UTIL_SEEN_SET_H
#define CNR_UTIL_SEEN_SET_H

#include "util/hash_map.h"

DEFINE_HASH_MAP(cnr_seen_map, uint64_t, uint8_t, cnr_hash_u64, cnr_eq_u64)

enum { CNR_SEEN_INLINE = 16 };

struct cnr_seen_set {
	uint64_t few[CNR_SEEN_INLINE];
	size_t nfew;
	struct cnr_seen_map many;
};

// Record addr; false if it was already there (the walk has looped).  Out
// of memory, addresses are taken as new: the walk's own cap still ends it.
static inline bool cnr_seen_add(struct cnr_seen_set *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nfew; i++)
		if (s->few[i] == addr)
			return false;
	if (s->nfew < CNR_SEEN_INLINE) {
		s->few[s->nfew++] = addr;
		return true;
	}
	bool inserted = true;
	cnr_seen_map_insert(&s->many, addr, &inserted);
	return inserted;
}

static inline void cnr_seen_deinit(struct cnr_seen_set *s)
{
	cnr_seen_map_deinit(&s->many);
	s->nfew = 0;
}

#endif
