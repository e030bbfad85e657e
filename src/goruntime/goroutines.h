// Goroutines: every g in runtime.allgs with its status, wait reason,
// creation site, channel waits and a stack unwound with the pclntab, from
// the saved context (g.sched / g.syscall*) or, for a goroutine running on
// a thread, from that thread's registers.
#ifndef CNR_GORUNTIME_GOROUTINES_H
#define CNR_GORUNTIME_GOROUTINES_H

#include "goruntime/pclntab.h"
#include "goruntime/types.h"

struct cnr_program;

// One physical frame.
struct cnr_frame {
	uint64_t pc;       // return address (or the pc itself for the innermost frame)
	uint64_t sp, fp;   // frame bounds: [sp, fp)
	struct cnr_func func;
};

// A channel operation a goroutine is blocked in (one sudog).
struct cnr_chan_wait {
	uint64_t sudog;
	uint64_t chan;     // *hchan
	uint64_t elem;     // the element being sent / the receive slot
	uint64_t elem_word; // the first word at elem (a pointer-shaped element's value), 0 if unreadable
	bool is_select;
	const char *dir;       // "send" or "recv": which queue of the channel holds the sudog, or "?"
	const char *elem_type; // the channel's element type as Go spells it, or NULL
	bool elem_pointers;    // the element type holds pointers (a root if held)
	uint64_t qcount, dataqsiz; // buffered elements and capacity
};

struct cnr_goroutine {
	uint64_t addr;      // the g
	uint64_t goid;
	uint32_t status;    // without _Gscan
	bool scan;          // _Gscan was set
	uint8_t waitreason;
	const char *state;  // as Go's traceback prints it: wait reason or status
	int64_t waitsince;  // nanotime when it blocked, 0 if unknown
	int64_t waited_ns;  // now - waitsince (see cnr_goroutines.now), -1 if unknown
	uint64_t gopc, startpc;
	uint64_t parent_goid; // 0 if not recorded
	uint64_t stack_lo, stack_hi;
	int tid;            // thread running it, 0 if none
	bool trap;          // the innermost pc is an interrupted instruction (from registers)
	size_t first_frame, nframes;
	bool stack_incomplete; // unwinding stopped early (said in a warning)
	size_t first_wait, nwaits; // channel waits, in waits[]
};

struct cnr_goroutines {
	struct cnr_goroutine *gs; // live (not _Gdead) goroutines, in allgs order
	size_t ngs;
	size_t ndead;
	struct cnr_frame *frames;
	size_t nframes;
	struct cnr_chan_wait *waits;
	size_t nwaits;
	uint64_t allglen;
	// The latest monotonic time the runtime recorded (sysmon's per-P
	// ticks, the last poll, the last GC): the core's "now", to within
	// sysmon's period (at most 10 ms while anything runs).
	int64_t now;
	struct cnr_type_cache *types; // owns the element type names
	// Owned storage behind the state strings.
	char **names_[2];
	size_t nnames_[2];
};

// Read all goroutines.  Bad data in one g is logged as a warning naming
// the g's address and skipped; the rest are returned.
struct cnr_error *cnr_goroutines_read(struct cnr_program *prog, struct cnr_goroutines *ret);
void cnr_goroutines_deinit(struct cnr_goroutines *gs);

#endif
