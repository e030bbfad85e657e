// Runtime and standard-library internals (issue 15): what the runtime and
// the standard library keep for themselves (runtime.allgs, runtime.allp,
// encoding/json's caches, sync.Pool victims) is no leak of the program's;
// `report` folds such suspects into one line unless they pass the share
// threshold on their own.  An object is internal when the root of its
// retention path is a global of the runtime or of a standard-library
// package (an import path whose first element has no dot, not main).
#ifndef CNR_ANALYSIS_INTERNALS_H
#define CNR_ANALYSIS_INTERNALS_H

#include <stdbool.h>

#include "goruntime/roots.h"

// Whether a Go symbol name ("encoding/json.encodeStatePool",
// "runtime.allp", "main.cache") belongs to the runtime or the standard
// library.
bool cnr_symbol_is_std(const char *name);

// Whether r (NULL: unreached) is a global of the runtime or the standard
// library.
bool cnr_root_is_internal(const struct cnr_root *r);

#endif
