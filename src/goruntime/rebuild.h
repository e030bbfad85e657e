// A rebuilt executable for a core of a stripped one (see rebuild.c).
#ifndef CNR_GORUNTIME_REBUILD_H
#define CNR_GORUNTIME_REBUILD_H

#include "cnr_internal.h"

struct cnr_program;

// Check that prog's executable, whose Go build ID differs from the core's,
// is the same program rebuilt (the core's runtime.firstmoduledata agrees
// with it); if so, move its globals to where the core has them, say so in
// one notice, and return NULL.  Else a CNR_ERROR_MISMATCH saying why.
struct cnr_error *cnr_rebuild_verify(struct cnr_program *prog);

#endif
