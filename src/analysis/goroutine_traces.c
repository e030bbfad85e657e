// Goroutine tracebacks (see goroutine_traces.h): one pass over the chosen
// goroutines, frame by frame, in the order a traceback prints them, so
// that the warnings come in that order too.
#include "analysis/goroutine_traces.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "util/vector.h"

enum { MAX_SOURCE_FRAMES = 64 };

DEFINE_VECTOR(trace_vector, struct cnr_goroutine_trace)
DEFINE_VECTOR(frame_vector, struct cnr_trace_frame)
DEFINE_VECTOR(slot_vector, struct cnr_live_slot)

struct builder {
	struct cnr_program *prog;
	const struct cnr_goroutines *gs;
	bool with_slots;
	struct trace_vector traces;
	struct frame_vector frames;
	struct slot_vector slots;
	bool oom;
};

// The pc to look lines up at: a return address points after the call, so
// use the call itself; only an interrupted pc (registers of a running
// thread) is exact (runtime/traceback.go: unwinder.symPC).
static uint64_t trace_pc(const struct cnr_frame *fr, bool exact)
{
	return !exact && fr->pc > fr->func.entry ? fr->pc - 1 : fr->pc;
}

// Where g was created (its go statement), as Go's traceback shows it:
// false if unknown or for goroutine 1 (runtime/traceback.go printcreatedby).
static bool created_by(struct cnr_program *prog, const struct cnr_goroutine *g, struct cnr_source_frame *sf,
		       struct cnr_frame *fr)
{
	struct cnr_func f;
	if (!g->gopc || g->goid == 1 || !cnr_pclntab_find(prog->pclntab, g->gopc, &f))
		return false;
	*fr = (struct cnr_frame){ .pc = g->gopc, .func = f };
	struct cnr_source_frame sfs[MAX_SOURCE_FRAMES];
	size_t n = 0;
	struct cnr_error *err = cnr_pclntab_source_frames(prog->pclntab, &f, trace_pc(fr, false), sfs, MAX_SOURCE_FRAMES, &n);
	if (err || n == 0) {
		cnr_error_destroy(err);
		return false;
	}
	*sf = sfs[0];
	return true;
}

static bool is_wrapper(const struct cnr_program *prog, const struct cnr_frame *fr)
{
	return prog->layout.funcid_wrapper >= 0 && fr->func.funcid == prog->layout.funcid_wrapper;
}

static void on_slot(void *arg, const struct cnr_live_slot *s)
{
	struct builder *b = arg;
	if (!slot_vector_push(&b->slots, *s))
		b->oom = true;
}

// The live pointer slots of g's frame i: the stack roots.
static void frame_slots(struct builder *b, const struct cnr_goroutine *g, size_t i, struct cnr_trace_frame *tf)
{
	const struct cnr_frame *fr = &b->gs->frames[g->first_frame + i];
	tf->first_slot = b->slots.size;
	struct cnr_error *err = cnr_frame_live_slots(b->prog, g, fr, i, on_slot, b);
	tf->nslots = b->slots.size - tf->first_slot;
	if (err)
		cnr_warn_error(b->prog->ctx,
			       cnr_error_wrap(err, "goroutine %" PRIu64 ": frame of %s", g->goid, fr->func.name));
}

static void trace_one(struct builder *b, const struct cnr_goroutine *g)
{
	struct cnr_goroutine_trace t = { .g = g, .first_frame = b->frames.size };
	t.has_creator = created_by(b->prog, g, &t.creator, &t.creator_frame);
	t.creator_wrapper = t.has_creator && is_wrapper(b->prog, &t.creator_frame);
	for (size_t i = 0; i < g->nframes && !b->oom; i++) {
		const struct cnr_frame *fr = &b->gs->frames[g->first_frame + i];
		struct cnr_source_frame sfs[MAX_SOURCE_FRAMES];
		size_t n = 0;
		struct cnr_error *err = cnr_pclntab_source_frames(b->prog->pclntab, &fr->func,
								  trace_pc(fr, i == 0 && g->trap), sfs,
								  MAX_SOURCE_FRAMES, &n);
		if (err) {
			cnr_warn_error(b->prog->ctx, err);
			if (n == 0) {
				sfs[0] = (struct cnr_source_frame){ .function = fr->func.name, .file = "?" };
				n = 1;
			}
		}
		for (size_t k = 0; k < n; k++) {
			struct cnr_trace_frame *tf = frame_vector_append(&b->frames);
			if (!tf) {
				b->oom = true;
				return;
			}
			*tf = (struct cnr_trace_frame){ .sf = sfs[k], .fr = fr, .last = k + 1 == n };
			tf->wrapper = tf->last && is_wrapper(b->prog, fr);
			if (tf->last && b->with_slots)
				frame_slots(b, g, i, tf);
		}
	}
	t.nframes = b->frames.size - t.first_frame;
	if (!trace_vector_push(&b->traces, t))
		b->oom = true;
}

struct cnr_error *cnr_goroutine_traces_init(struct cnr_program *prog, const struct cnr_goroutines *gs,
					    const uint32_t *idx, size_t n, bool with_slots,
					    struct cnr_goroutine_traces *ret)
{
	struct builder b = { .prog = prog, .gs = gs, .with_slots = with_slots };
	size_t count = idx ? n : gs->ngs;
	for (size_t i = 0; i < count && !b.oom; i++)
		trace_one(&b, &gs->gs[idx ? idx[i] : i]);
	if (b.oom) {
		trace_vector_deinit(&b.traces);
		frame_vector_deinit(&b.frames);
		slot_vector_deinit(&b.slots);
		return &cnr_enomem;
	}
	*ret = (struct cnr_goroutine_traces){ .traces = b.traces.data, .ntraces = b.traces.size,
					      .frames = b.frames.data, .slots = b.slots.data };
	return NULL;
}

void cnr_goroutine_traces_deinit(struct cnr_goroutine_traces *t)
{
	free(t->traces);
	free(t->frames);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
