// GC roots, each with a name a Go developer recognizes: the pointer words
// of data and bss (named down to the field by DWARF: "main.registry.byTenant"),
// live stack slots ("goroutine 42 main.worker (file.go:88) var m"), the
// elements blocked channel senders hold ("goroutine 17 chan send elem"),
// and what the runtime holds itself (runtime_roots.c): finalizers and
// cleanups, heap defer records, panic values, timers.
#ifndef CNR_GORUNTIME_ROOTS_H
#define CNR_GORUNTIME_ROOTS_H

#include "goruntime/goroutines.h"
#include "util/string_pool.h"

enum cnr_root_kind {
	CNR_ROOT_GLOBAL,
	CNR_ROOT_STACK,
	CNR_ROOT_CHAN_ELEM,
	CNR_ROOT_FINALIZER, // an object with a finalizer, and the finalizer's fn
	CNR_ROOT_CLEANUP,   // a cleanup's fn (holding its arg), Go 1.24+
	CNR_ROOT_DEFER,     // a heap _defer record, and a defer's fn
	CNR_ROOT_PANIC,     // the value of a panic in flight
	CNR_ROOT_TIMER,     // a timer's f and arg
	CNR_ROOT_WEAK,      // the cell of a weak pointer's handle (Go 1.23+ weak, unique)
	CNR_NUM_ROOT_KINDS
};

// A set of root kinds: bit (1 << kind).
static const uint32_t CNR_ROOT_KINDS_ALL = (1u << CNR_NUM_ROOT_KINDS) - 1;

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
	// The goroutine whose stack slot, blocked send, defer or panic this
	// is: an index into the goroutines the roots were read with (gs->gs);
	// CNR_ROOT_NO_GOROUTINE for every other root.  Set where the root is
	// made, so nothing parses it back from the name.
	uint32_t goroutine;
	// No variable names the slot ("global at 0x...", "slot at sp+N"):
	// among equally short retention paths, named roots are preferred.
	bool unnamed;
	// A stack slot's place in its goroutine, the same for every goroutine
	// parked at the same pc: name without "goroutine N " ("main.wait
	// (main.go:114) var buf"); NULL for other roots.  Points into name.
	const char *frame_slot;
};

static const uint32_t CNR_ROOT_NO_GOROUTINE = UINT32_MAX;

struct cnr_roots {
	struct cnr_root *v;
	size_t n;
	struct cnr_string_pool names;
};

// Every root of prog with a non-nil value, of the kinds in
// prog->root_kinds.  gs may be NULL (no stack, channel, defer or panic
// roots).
struct cnr_error *cnr_roots_read(struct cnr_program *prog, const struct cnr_goroutines *gs, struct cnr_roots *ret);
void cnr_roots_deinit(struct cnr_roots *roots);
const char *cnr_root_kind_name(enum cnr_root_kind kind);
// The name of a kind in --roots lists ("globals", "stacks", "chans",
// "finalizers", "cleanups", "defers", "panics", "timers", "weak").
const char *cnr_root_kind_option(enum cnr_root_kind kind);
// Parse a comma-separated list of those names into a kind set; false (and
// *bad_ret the offending item, in list) if a name is unknown or the list
// is empty.
bool cnr_root_kinds_parse(const char *list, uint32_t *ret, const char **bad_ret);

#endif
