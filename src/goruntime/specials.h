// The specials of every in-use span (runtime/mheap.go: mspan.specials, a
// list of records an object carries beside it: finalizers, cleanups, weak
// handles, heap-profile buckets, ...), walked once for every user with the
// same caps: a list that does not end is CORRUPT, never a hang.
#ifndef CNR_GORUNTIME_SPECIALS_H
#define CNR_GORUNTIME_SPECIALS_H

#include "cnr_internal.h"

struct cnr_program;

struct cnr_special {
	uint64_t addr;   // the runtime.special record (kind-specific fields follow it)
	uint64_t object; // the object it belongs to (runtime/mgcmark.go markrootSpans:
	                 // s.base() + offset/elemsize*elemsize)
	uint64_t span;   // the mspan
	uint8_t kind;    // runtime._KindSpecial*
};

// Called for each special; an error other than NO_MEMORY is logged as a
// warning about the span, whose remaining specials are skipped.
typedef struct cnr_error *cnr_special_fn(const struct cnr_special *sp, void *arg);

// Walk the specials of every in-use span of mheap_.allspans.  What cannot
// be read (the span table, a span, a list) is logged as a warning, the
// setup failures prefixed with what ("cannot find finalizers, ..."), and
// skipped.  Returns only NO_MEMORY.
struct cnr_error *cnr_specials_walk(struct cnr_program *prog, const char *what, cnr_special_fn *fn, void *arg);

#endif
