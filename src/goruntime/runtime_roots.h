// Roots the runtime holds in its own structures, named as a Go developer
// would recognize them: finalizers and cleanups (the specials of every
// in-use span), the heap _defer records and the panics of each goroutine,
// and the timers of each P.
#ifndef CNR_GORUNTIME_RUNTIME_ROOTS_H
#define CNR_GORUNTIME_RUNTIME_ROOTS_H

#include "goruntime/roots.h"

// Called for each root; name is copied by the callee.  The slot is the word
// at in_off inside a value of the DWARF type named in_type (a runtime
// struct, or the pointer type the runtime recorded): typing starts there.
// goroutine: the index in gs of the goroutine a defer or panic root
// belongs to, CNR_ROOT_NO_GOROUTINE for the others.
typedef struct cnr_error *cnr_root_add_fn(void *arg, enum cnr_root_kind kind, uint64_t slot, uint64_t value,
					  const char *name, const char *in_type, uint64_t in_off, uint32_t goroutine);

// Report every runtime root of the kinds in mask (bit 1 << kind) through
// add.  gs may be NULL: then there are no defer and panic roots, and timers
// are named without their due time.  Bad data is a warning and the walk
// goes on; only add's errors (and out of memory) are returned.
struct cnr_error *cnr_runtime_roots_read(struct cnr_program *prog, const struct cnr_goroutines *gs, uint32_t mask,
					 cnr_root_add_fn *add, void *arg);

#endif
