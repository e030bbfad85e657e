// Goroutine tracebacks as Go prints them (runtime/traceback.go): each
// physical frame expanded into its source frames, inlined calls first,
// looked up at the pc Go's traceback uses; the go statement that created
// the goroutine; and, when asked (JSON), the live pointer slots of each
// physical frame.  Symbolization problems are warnings; a frame the
// pclntab cannot expand stays as its function with file "?".
#ifndef CNR_ANALYSIS_GOROUTINE_TRACES_H
#define CNR_ANALYSIS_GOROUTINE_TRACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goruntime/goroutines.h"
#include "goruntime/stackmaps.h"

// One source frame of a goroutine's stack.
struct cnr_trace_frame {
	struct cnr_source_frame sf;
	const struct cnr_frame *fr; // its physical frame (in the goroutines' frames)
	bool last;                  // the physical frame's own function (its last source frame)
	bool wrapper;               // last, and a wrapper Go's traceback hides (FuncIDWrapper)
	size_t first_slot, nslots;  // live slots of the physical frame (last frames, when asked)
};

struct cnr_goroutine_trace {
	const struct cnr_goroutine *g;
	size_t first_frame, nframes; // source frames, in frames[]
	bool has_creator;            // false if unknown, and for goroutine 1
	struct cnr_source_frame creator;
	struct cnr_frame creator_frame; // the go statement's pc in its function
	bool creator_wrapper;           // the creator is a wrapper (FuncIDWrapper)
};

struct cnr_goroutine_traces {
	struct cnr_goroutine_trace *traces; // in the order asked
	size_t ntraces;
	struct cnr_trace_frame *frames;
	struct cnr_live_slot *slots;
};

// The traces of goroutines idx[0 .. n) of gs (every goroutine, in gs's
// order, when idx is NULL), with live slots when with_slots.  Free with
// cnr_goroutine_traces_deinit().
struct cnr_error *cnr_goroutine_traces_init(struct cnr_program *prog, const struct cnr_goroutines *gs,
					    const uint32_t *idx, size_t n, bool with_slots,
					    struct cnr_goroutine_traces *ret);
void cnr_goroutine_traces_deinit(struct cnr_goroutine_traces *t);

#endif
