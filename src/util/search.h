// Binary search, written once: every sorted lookup by address, pc, id or
// offset (spans, segments, functions, line rows, roots) finds its element
// as the partition point of a property that holds on a prefix of the array.
#ifndef CNR_UTIL_SEARCH_H
#define CNR_UTIL_SEARCH_H

#include <stddef.h>

// The number of leading indexes of [0, n) for which the expression below
// holds, where below (in terms of the index variable i, a size_t) is true
// on a prefix of [0, n) and false after it — C++'s std::partition_point.
// With "key(i) <= x" that is the upper bound of x (the element holding x
// is the one before it); with "key(i) < x", the lower bound.  A macro so
// that below is evaluated inline: these lookups are the hot paths of the
// graph build and the typing.
#define CNR_PARTITION_POINT(n, i, below)                              \
	__extension__({                                               \
		size_t cnr_pp_lo_ = 0, cnr_pp_hi_ = (n);              \
		while (cnr_pp_lo_ < cnr_pp_hi_) {                     \
			size_t i = cnr_pp_lo_ + (cnr_pp_hi_ - cnr_pp_lo_) / 2; \
			if (below)                                    \
				cnr_pp_lo_ = i + 1;                   \
			else                                          \
				cnr_pp_hi_ = i;                       \
		}                                                     \
		cnr_pp_lo_;                                           \
	})

#endif
