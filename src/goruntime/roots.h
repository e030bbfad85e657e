// GC roots, each with a name a Go developer recognizes: the pointer words
// of data and bss (named down to the field by DWARF: "main.registry.byTenant"),
// live stack slots ("goroutine 42 main.worker (file.go:88) var m"), and the
// elements blocked channel senders hold ("goroutine 17 chan send elem").
#ifndef CNR_GORUNTIME_ROOTS_H
#define CNR_GORUNTIME_ROOTS_H

#include "goruntime/goroutines.h"
#include "util/string_pool.h"

enum cnr_root_kind {
	CNR_ROOT_GLOBAL,
	CNR_ROOT_STACK,
	CNR_ROOT_CHAN_ELEM,
	CNR_NUM_ROOT_KINDS
};

struct cnr_root {
	enum cnr_root_kind kind;
	uint64_t slot;   // where the pointer is (global or stack address)
	uint64_t value;  // the pointer
	const char *name; // owned by the root set
	bool conservative; // from a frame scanned conservatively (maybe not a pointer)
	// The slot is the word at var_offset inside a value of DWARF type
	// var_type (the global, frame variable or channel element); 0 if unknown.
	// Typing starts from here.
	uint64_t var_type, var_offset;
};

struct cnr_roots {
	struct cnr_root *v;
	size_t n;
	struct cnr_string_pool names;
};

// Every root of prog with a non-nil value.  gs may be NULL (globals only).
struct cnr_error *cnr_roots_read(struct cnr_program *prog, const struct cnr_goroutines *gs, struct cnr_roots *ret);
void cnr_roots_deinit(struct cnr_roots *roots);
const char *cnr_root_kind_name(enum cnr_root_kind kind);

#endif
